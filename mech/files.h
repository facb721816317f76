/*
 * Where the mechanism's files are, and reading them safely.
 *
 * Each file has a default location that an environment variable (read with
 * secure_getenv, so set-uid programs ignore it) replaces with one file.
 */
#ifndef SM_FILES_H
#define SM_FILES_H

#include <limits.h>
#include <stddef.h>
#include <sys/stat.h>
#include <gssapi/gssapi.h>

enum sm_file {
	SM_FILE_KEYTAB,		/* acceptor private keys */
	SM_FILE_IDENTITY,	/* initiator private keys */
	SM_FILE_PEERS,		/* trusted public keys */
	SM_FILE_SEALKEYS,	/* keys that seal exported contexts */
	SM_FILE_SETTINGS,	/* sodium.conf */
	SM_FILE_LOCALNAMES,	/* which local account a name may use */
	SM_FILE_REPLAY_AUTH,	/* the shared replay cache's user and password */
	SM_FILE_TICKETS		/* an initiator's resumption tickets */
};

struct sm_locations {
	size_t count;
	int from_environment;	/* the file was named, so it must exist */
	char path[2][PATH_MAX];
};

/* The file(s) to read for `which`: the one the environment names, or the
 * default(s).  Fails only when a path does not fit PATH_MAX.  The ticket
 * cache's default is $XDG_RUNTIME_DIR/gss-sodium-tickets, and none
 * without that variable. */
OM_uint32 sm_locations(OM_uint32 *minor, enum sm_file which,
		       struct sm_locations *out)
	__attribute__((warn_unused_result));

/* The environment variable that overrides `which`. */
const char *sm_file_variable(enum sm_file which);

/* True when the file holds secret keys (keytab, identity, sealing keys). */
int sm_file_is_private(enum sm_file which);

/* May the owner of a file, as `st` shows it, decide what this process
 * trusts?  Root and the effective uid may; anyone else is refused. */
int sm_file_owner_trusted(const struct stat *st);

/*
 * Read a whole file for parsing.  Refuses a file its group or any user may
 * write, a file owned by a user other than root and the effective uid, and
 * a private-key file any user may read.  A missing file is an error only
 * when `must_exist`; otherwise *text is NULL.  The text is NUL-terminated
 * and must be released with sm_file_release(), which wipes it.
 */
OM_uint32 sm_file_read(OM_uint32 *minor, enum sm_file which, const char *path,
		       int must_exist, char **text, size_t *len)
	__attribute__((warn_unused_result));
void sm_file_release(char *text, size_t len);

/* Do two stats show the same file, unchanged: device, inode, size, mode,
 * owner, group, modification and change times? */
int sm_file_unchanged(const struct stat *a, const struct stat *b);

/*
 * The line syntax every file shares: '#' starts a comment, and fields are
 * separated by spaces and tabs (a carriage return counts as a blank).
 * sm_line_fields splits line[len] into at most `max` fields and returns
 * their count (0 for a blank or comment line), or max + 1 when there are
 * more.  sm_line_trim gives the line without its comment and surrounding
 * blanks, its length in *len.  sm_lines_next walks a text line by line.
 */
struct sm_lines {
	const char *next, *end;
	unsigned number;	/* of the line last given, from 1 */
};
void sm_lines_init(struct sm_lines *it, const char *text, size_t len);
/* The next line, without its newline; 0 past the end of the text. */
int sm_lines_next(struct sm_lines *it, const char **line, size_t *len);
size_t sm_line_fields(const char *line, size_t len, const char **field, size_t *field_len,
		      size_t max);
const char *sm_line_trim(const char *line, size_t *len);

#endif
