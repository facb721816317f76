/* Locations of the key and settings files, and reading them safely. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "files.h"
#include "status.h"

/* configure's keydir: SYSCONFDIR/gss/sodium, /etc/gss/sodium by default
 * (and for builds that do not pass it, such as tests/sanitizers.mk's). */
#ifndef SM_KEYDIR
#define SM_KEYDIR "/etc/gss/sodium"
#endif
#define SYSTEM_DIR SM_KEYDIR
#define USER_SUBDIR "gss-sodium"
#define FILE_SIZE_MAX (1024 * 1024)

static const struct {
	const char *variable, *system_file, *user_file, *what;
	const char *create_before, *create_after;	/* around the file's path */
	int is_private;
} file_info[] = {
	[SM_FILE_KEYTAB] = { "GSS_SODIUM_KEYTAB", SYSTEM_DIR "/keytab", NULL,
		"keytab", "make a key with 'gss-sodium keygen service@host -f ", "'", 1 },
	[SM_FILE_IDENTITY] = { "GSS_SODIUM_IDENTITY", NULL, "identity",
		"identity file", "make a key with 'gss-sodium keygen NAME -f ", "'", 1 },
	[SM_FILE_PEERS] = { "GSS_SODIUM_PEERS", SYSTEM_DIR "/peers", "peers",
		"peers file", "add the peers lines that 'gss-sodium keygen' or 'gss-sodium pubkey' print to ", "", 0 },
	[SM_FILE_SEALKEYS] = { "GSS_SODIUM_SEALKEYS", SYSTEM_DIR "/sealkeys", NULL,
		"sealing keyring", "create one with 'gss-sodium sealkey new -f ", "'", 1 },
	[SM_FILE_SETTINGS] = { "GSS_SODIUM_CONF", SYSTEM_DIR "/sodium.conf", NULL,
		"settings file", "create ", " or unset GSS_SODIUM_CONF", 0 },
	[SM_FILE_LOCALNAMES] = { "GSS_SODIUM_LOCALNAMES", SYSTEM_DIR "/localnames", NULL,
		"local account map", "create ", " with lines 'NAME ACCOUNT', or set localname = none", 0 },
	/* Named by the replay_cache_auth setting only. */
	[SM_FILE_REPLAY_AUTH] = { NULL, NULL, NULL, "replay cache password file",
		"create ", " with mode 0600 and one line 'USER PASSWORD' (or 'PASSWORD')", 1 },
	/* Written by the mechanism itself; see runtime_path. */
	[SM_FILE_TICKETS] = { "GSS_SODIUM_TICKETS", NULL, NULL, "ticket cache",
		"it is made by the next full handshake at ", "", 1 },
};
#define TICKETS_FILE "gss-sodium-tickets"

const char *sm_file_variable(enum sm_file which)
{
	return file_info[which].variable;
}

int sm_file_is_private(enum sm_file which)
{
	return file_info[which].is_private;
}

/* Credential files that cannot be used mean no credentials (RFC 2743's
 * NO_CRED); any other file that cannot be used is a failure. */
static OM_uint32 file_major(enum sm_file which)
{
	return which == SM_FILE_KEYTAB || which == SM_FILE_IDENTITY ||
			       which == SM_FILE_PEERS
		       ? GSS_S_NO_CRED
		       : GSS_S_FAILURE;
}

static OM_uint32 too_long(OM_uint32 *minor, enum sm_file which)
{
	return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_UNREADABLE,
		       "the path of the %s is longer than %d bytes",
		       file_info[which].what, PATH_MAX);
}

/* $XDG_CONFIG_HOME/gss-sodium/FILE, else ~/.config/gss-sodium/FILE. */
static int user_path(const char *file, char *out)
{
	const char *config = secure_getenv("XDG_CONFIG_HOME");
	const struct passwd *pw;
	const char *home;
	int n;

	if (config != NULL && config[0] == '/')
		n = snprintf(out, PATH_MAX, "%s/" USER_SUBDIR "/%s", config, file);
	else {
		home = secure_getenv("HOME");
		if (home == NULL || home[0] != '/') {
			pw = getpwuid(geteuid());
			home = pw != NULL ? pw->pw_dir : "/";
		}
		n = snprintf(out, PATH_MAX, "%s/.config/" USER_SUBDIR "/%s", home, file);
	}
	return n > 0 && n < PATH_MAX;
}

/* $XDG_RUNTIME_DIR/FILE: a directory of the user's own that lasts as long
 * as the user's sessions (mode 0700 under systemd-logind). */
static OM_uint32 runtime_path(OM_uint32 *minor, enum sm_file which, const char *file,
			      struct sm_locations *out)
{
	const char *dir = secure_getenv("XDG_RUNTIME_DIR");
	int n;

	if (dir == NULL || dir[0] != '/')
		return sm_ok(minor);
	n = snprintf(out->path[0], PATH_MAX, "%s/%s", dir, file);
	if (n < 0 || n >= PATH_MAX)
		return too_long(minor, which);
	out->count = 1;
	return sm_ok(minor);
}

OM_uint32 sm_locations(OM_uint32 *minor, enum sm_file which,
		       struct sm_locations *out)
{
	const char *named = secure_getenv(file_info[which].variable);

	/* The paths are written as needed: clearing 8 KiB costs more than
	 * the rest of an export. */
	out->count = 0;
	out->from_environment = 0;
	if (named != NULL && named[0] != '\0') {
		if (strlen(named) >= PATH_MAX)
			return too_long(minor, which);
		strcpy(out->path[0], named);
		out->count = 1;
		out->from_environment = 1;
		return sm_ok(minor);
	}
	if (which == SM_FILE_TICKETS)
		return runtime_path(minor, which, TICKETS_FILE, out);
	if (file_info[which].system_file != NULL)
		strcpy(out->path[out->count++], file_info[which].system_file);
	if (file_info[which].user_file != NULL) {
		if (!user_path(file_info[which].user_file, out->path[out->count]))
			return too_long(minor, which);
		out->count++;
	}
	return sm_ok(minor);
}

int sm_file_owner_trusted(const struct stat *st)
{
	return st->st_uid == 0 || st->st_uid == geteuid();
}

/* A file of another user: the fix is to give it to root, or to the one
 * user that runs the programs reading it. */
static OM_uint32 refuse_owner(OM_uint32 *minor, enum sm_file which, const char *path,
			      uid_t owner)
{
	unsigned long me = (unsigned long)geteuid();
	char other[PATH_MAX + 64] = "";

	if (me != 0)
		snprintf(other, sizeof(other), ", or 'chown %lu %s' if only uid %lu reads it",
			 me, path, me);
	return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_PERMISSIONS,
		       "%s: the %s belongs to uid %lu, who is neither root nor the user this process runs as (uid %lu) and could change it at will, so it was refused; run 'chown root %s'%s",
		       path, file_info[which].what, (unsigned long)owner, me, path, other);
}

/*
 * The rules of OpenSSH's StrictModes.  Whoever may change a file of secret
 * keys may add a key the mechanism then uses (an acceptor key, or the key
 * that seals every later export, which opens them all); whoever may change
 * the peers or settings file decides whom it trusts.  So no file may be
 * writable by its group or by others, nor belong to a user other than root
 * and the one the process runs as, who could change its mode and text at
 * will.  Reading by the group stays allowed: that is how a service group
 * shares a keytab or the keyring.
 */
static OM_uint32 refuse_mode(OM_uint32 *minor, enum sm_file which,
			     const char *path, const struct stat *st)
{
	const char *what = file_info[which].what;

	if (st->st_mode & S_IWOTH)
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_PERMISSIONS,
			       "%s: the %s can be changed by any user, so it was refused; run 'chmod o-w %s'",
			       path, what, path);
	if (st->st_mode & S_IWGRP)
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_PERMISSIONS,
			       "%s: the %s can be changed by the members of its group, so it was refused; run 'chmod g-w %s'",
			       path, what, path);
	if (file_info[which].is_private && (st->st_mode & S_IROTH))
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_PERMISSIONS,
			       "%s: the %s holds secret keys and can be read by any user, so it was refused; run 'chmod 600 %s' and consider its keys exposed",
			       path, what, path);
	if (!sm_file_owner_trusted(st))
		return refuse_owner(minor, which, path, st->st_uid);
	/* Tickets are one user's: their secrets let whoever reads them
	 * resume as that user, so no group may read them either. */
	if (which == SM_FILE_TICKETS && ((st->st_mode & S_IRGRP) || st->st_uid != geteuid()))
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_FILE_PERMISSIONS,
			       "%s: the ticket cache must belong to uid %lu and be readable by it alone (mode 0600), so it was not used",
			       path, (unsigned long)geteuid());
	return sm_ok(minor);
}

OM_uint32 sm_file_read(OM_uint32 *minor, enum sm_file which, const char *path,
		       int must_exist, char **text, size_t *len)
{
	struct stat st;
	OM_uint32 major;
	size_t got = 0;
	ssize_t n;
	char *buf;
	int fd;

	*text = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 && errno == ENOENT) {
		if (!must_exist)
			return sm_ok(minor);
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_MISSING,
			       "%s: the %s does not exist; %s%s%s", path, file_info[which].what,
			       file_info[which].create_before, path, file_info[which].create_after);
	}
	if (fd < 0)
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_UNREADABLE,
			       "%s: the %s cannot be opened (%s); check its permissions and those of its directory",
			       path, file_info[which].what, strerror(errno));
	/* Checked on the open file, so the file read is the file checked. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_UNREADABLE,
			       "%s: the %s is not a regular file", path,
			       file_info[which].what);
	}
	major = refuse_mode(minor, which, path, &st);
	if (GSS_ERROR(major) || st.st_size > FILE_SIZE_MAX) {
		close(fd);
		if (GSS_ERROR(major))
			return major;
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_UNREADABLE,
			       "%s: the %s is larger than 1 MiB", path,
			       file_info[which].what);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		close(fd);
		return sm_no_memory(minor);
	}
	while (got < (size_t)st.st_size &&
	       ((n = read(fd, buf + got, (size_t)st.st_size - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	if (got != (size_t)st.st_size) {
		sm_file_release(buf, (size_t)st.st_size);
		return sm_fail(minor, file_major(which), GSS_SODIUM_S_FILE_UNREADABLE,
			       "%s: the %s could not be read completely", path,
			       file_info[which].what);
	}
	buf[got] = '\0';
	*text = buf;
	*len = got;
	return sm_ok(minor);
}

void sm_file_release(char *text, size_t len)
{
	if (text == NULL)
		return;
	sodium_memzero(text, len);
	free(text);
}

int sm_file_unchanged(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mode == b->st_mode && a->st_uid == b->st_uid && a->st_gid == b->st_gid &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* ---- the line syntax ------------------------------------------------------ */

static int is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

const char *sm_line_trim(const char *line, size_t *len)
{
	const char *hash = memchr(line, '#', *len);
	size_t n = hash != NULL ? (size_t)(hash - line) : *len;

	while (n > 0 && is_blank(line[n - 1]))
		n--;
	while (n > 0 && is_blank(*line))
		line++, n--;
	*len = n;
	return line;
}

void sm_lines_init(struct sm_lines *it, const char *text, size_t len)
{
	it->next = text;
	it->end = text + len;
	it->number = 0;
}

int sm_lines_next(struct sm_lines *it, const char **line, size_t *len)
{
	const char *nl;

	if (it->next >= it->end)
		return 0;
	nl = memchr(it->next, '\n', (size_t)(it->end - it->next));
	*line = it->next;
	*len = nl != NULL ? (size_t)(nl - it->next) : (size_t)(it->end - it->next);
	it->next += *len + 1;
	it->number++;
	return 1;
}

size_t sm_line_fields(const char *line, size_t len, const char **field, size_t *field_len,
		      size_t max)
{
	const char *end;
	size_t n = 0;

	line = sm_line_trim(line, &len);
	end = line + len;
	while (line < end) {
		if (n == max)
			return max + 1;
		field[n] = line;
		while (line < end && !is_blank(*line))
			line++;
		field_len[n] = (size_t)(line - field[n]);
		n++;
		while (line < end && is_blank(*line))
			line++;
	}
	return n;
}
