/*
 * What the files of the gss-sodium tool share.  gss-sodium.c holds main,
 * the command table and these helpers, keygen, pubkey and check;
 * sealkey.c the sealkey commands and the keyring edits; inspect.c inspect;
 * replace.c the one way the tool changes a key file.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stddef.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "files.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2

/* A command or a sealkey subcommand: argv[0] is its name. */
struct command {
	const char *name;
	int (*run)(int, char **);
};

/* Arguments of every command: at most one operand (a NAME, an ID or the
 * token FILE of inspect) and one '-f FILE'; each command says which it takes. */
struct arguments {
	const char *name, *file;
	const char *after;	/* --after SECONDS (sealkey new only) */
	int help;
};

/* gss-sodium.c */
int usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int report(OM_uint32 minor);
int dispatch(const struct command *commands, size_t count, int argc,
	     char **argv, const char *usage);
int parse_arguments(int argc, char **argv, const char *usage,
		    struct arguments *a);
int file_path(enum sm_file which, const char *file, char *path);
int make_parent_directories(const char *path);

/* sealkey.c: 'sealing', 'opens', 'opens, seals from TIME' or 'retired',
 * the last two in out[64], for `key` of a keyring whose sealing key at
 * `now` is `sealing`. */
struct sm_seal_key;
const char *sealkey_status(const struct sm_seal_key *key, const struct sm_seal_key *sealing,
			   time_t now, char *out);

/* replace.c */

/* Take an exclusive flock(2) on the directory of `path`, so that the tool's
 * edits of the files in it run one after the other (two 'sealkey new' at
 * once would pick the same ID; a key added during another edit would be
 * lost).  Its descriptor, for replace_file(); -1 after a message. */
int lock_directory(const char *path);

/* Make `path`, in the directory `dir_fd` that lock_directory() gave, hold
 * exactly the `len` bytes of `text`: written to a temporary file beside it,
 * synced, renamed over it, the directory synced.  The file keeps its owner
 * and group, and its mode less any write bit of the group and everything
 * of others; a new file has mode 0600.  A symbolic link is refused.  0, or
 * EXIT_PROBLEM after a sentence naming the file and the error, the file
 * then unchanged and no temporary file left. */
int replace_file(const char *path, int dir_fd, const char *text, size_t len);

/* replace_file() with `text` (the file as it was read) followed by `line`,
 * on a line of its own. */
int add_line(const char *path, int dir_fd, const char *text, size_t len,
	     const char *line, size_t line_len);

/* The commands that have a file of their own. */
int cmd_sealkey(int argc, char **argv);		/* sealkey.c */
int cmd_inspect(int argc, char **argv);		/* inspect.c */

#endif
