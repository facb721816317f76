/*
 * Changing a key file all or nothing.  Every change the tool makes to a
 * keytab, an identity file or the sealing keyring writes the whole new text
 * to a temporary file beside it and renames that over the file, under a
 * lock on the directory.  A reader sees the old file or the new one, never
 * a line cut short; a write that fails (a full disk, a quota, 'ulimit -f')
 * leaves the old file as it was, where an append in place would leave a
 * torn last line that makes every process refuse the whole file.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "tool.h"

/* The last component of `path`, which names the file in its directory. */
static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int lock_directory(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';		/* a file in / */
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "gss-sodium: %s: cannot lock its directory %s: %s\n", path,
			dir, strerror(errno));
	return fd;
}

/* Write all `len` bytes, through short writes and signals; false with
 * errno set when the file takes no more. */
static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;
		if (n == 0) {
			errno = EIO;	/* no progress and no reason given */
			return 0;
		}
		data += n;
		len -= (size_t)n;
	}
	return 1;
}

/* Create BASE.XXXXXX beside BASE, mode 0600: never a file that exists,
 * never through a symbolic link someone planted under that name. */
static int create_temporary(int dir_fd, const char *base, char *name, size_t size)
{
	static const char letters[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	size_t n = strlen(base), i;
	int fd, tries;

	if (n + 8 > size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(name, base, n);
	name[n] = '.';
	name[n + 7] = '\0';
	for (tries = 0; tries < 100; tries++) {
		for (i = 0; i < 6; i++)
			name[n + 1 + i] = letters[randombytes_uniform(sizeof(letters) - 1)];
		fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    S_IRUSR | S_IWUSR);
		if (fd >= 0 || errno != EEXIST)
			return fd;
	}
	return -1;
}

/* The new file takes the owner and group of the one it replaces, so that a
 * service or group that reads it still can, and of its mode only what the
 * mechanism accepts for a file of secret keys: the owner's bits and the
 * group's read (and search) bit, never a write bit of the group or
 * anything of others.  A new file is 0600, whatever the umask. */
static int set_owner_and_mode(int fd, const struct stat *old)
{
	struct stat now;

	if (old == NULL)
		return fchmod(fd, S_IRUSR | S_IWUSR) == 0;
	if (fstat(fd, &now) != 0)
		return 0;
	if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
	    fchown(fd, old->st_uid, old->st_gid) != 0)
		return 0;
	return fchmod(fd, old->st_mode & (S_IRWXU | S_IRGRP | S_IXGRP)) == 0;
}

/* Fill the temporary file `fd` and put it in place of `base`; on failure
 * the step that failed, with errno set. */
static const char *fill_and_rename(int fd, int dir_fd, const char *name, const char *base,
				   const struct stat *old, const char *text, size_t len)
{
	const char *failed = NULL;
	int saved;

	if (!set_owner_and_mode(fd, old))
		failed = "cannot give the file's owner, group and mode to";
	else if (!write_all(fd, text, len))
		failed = "cannot write";
	else if (fsync(fd) != 0)
		failed = "cannot flush to disk";
	saved = errno;
	/* close() may be the first to hear of a full disk (NFS). */
	if (close(fd) != 0 && failed == NULL)
		return "cannot write";
	if (failed == NULL && renameat(dir_fd, name, dir_fd, base) != 0)
		return "cannot put in its place";
	errno = saved;
	return failed;
}

int replace_file(const char *path, int dir_fd, const char *text, size_t len)
{
	const char *base = base_name(path), *failed;
	char name[NAME_MAX + 1];
	struct stat old;
	int fd, exists, saved;

	exists = fstatat(dir_fd, base, &old, AT_SYMLINK_NOFOLLOW) == 0;
	if (!exists && errno != ENOENT) {
		fprintf(stderr, "gss-sodium: %s: cannot look at it: %s; it was not changed\n",
			path, strerror(errno));
		return EXIT_PROBLEM;
	}
	if (exists && !S_ISREG(old.st_mode)) {
		fprintf(stderr, "gss-sodium: %s is not a regular file (a symbolic link?); edit the file itself\n",
			path);
		return EXIT_PROBLEM;
	}
	fd = create_temporary(dir_fd, base, name, sizeof(name));
	if (fd < 0) {
		fprintf(stderr, "gss-sodium: %s: cannot create a temporary file %s.XXXXXX beside it: %s; it was not changed\n",
			path, path, strerror(errno));
		return EXIT_PROBLEM;
	}
	failed = fill_and_rename(fd, dir_fd, name, base, exists ? &old : NULL, text, len);
	if (failed != NULL) {
		saved = errno;
		unlinkat(dir_fd, name, 0);
		/* The temporary file's path is the file's with its suffix. */
		fprintf(stderr, "gss-sodium: %s: %s %s%s: %s; %s was not changed\n", path,
			failed, path, name + strlen(base), strerror(saved), path);
		return EXIT_PROBLEM;
	}
	/* The new file is in place: a failure now risks only that a crash
	 * brings the old one back, so it is a warning, not a failed change
	 * that someone would repeat. */
	if (fsync(dir_fd) != 0)
		fprintf(stderr, "gss-sodium: %s: warning: its directory cannot be flushed to disk (%s); the change may not survive a crash\n",
			path, strerror(errno));
	return 0;
}

int add_line(const char *path, int dir_fd, const char *text, size_t len,
	     const char *line, size_t line_len)
{
	int newline = len > 0 && text[len - 1] != '\n';
	size_t total = len + (size_t)newline + line_len;
	char *out = malloc(total);
	int rc;

	if (out == NULL) {
		fprintf(stderr, "gss-sodium: out of memory\n");
		return EXIT_PROBLEM;
	}
	/* Keep the new key on a line of its own. */
	if (len > 0)
		memcpy(out, text, len);
	if (newline)
		out[len] = '\n';
	memcpy(out + len + newline, line, line_len);
	rc = replace_file(path, dir_fd, out, total);
	sodium_memzero(out, total);	/* it holds keys */
	free(out);
	return rc;
}
