/*
 * What a process keeps of the key files and the sealing keyring it read:
 * one table of readings, each of one file (a kind and a path), shared by
 * reference between threads, with one rule for when a file is read again
 * (doc/PROTOCOL.md section 3.1, sodium.conf(5) CHANGED FILES):
 *
 *  - a reading serves again after a look at the path (a stat) that shows
 *    the same file unchanged (sm_file_unchanged, against a stat taken
 *    before the reading) and an owner the process trusts; otherwise the
 *    file is read again, and the old reading is wiped once its last
 *    holder gives it back;
 *  - a kind whose look_seconds is 0 (the key files) is looked at at every
 *    use, and a reading stands for a reading at that use: it serves only
 *    a process that may read the file, and not at all if the file had
 *    changed within SM_FCACHE_SETTLE_SECONDS before it was read;
 *  - a kind looked at every look_seconds (the keyring, 1) serves its
 *    reading without a look until then; with no path given, the variable
 *    that names the file is looked at only then too.
 *
 * The settings file is not here: it is read once per process (init.c).
 */
#ifndef SM_FILECACHE_H
#define SM_FILECACHE_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "files.h"

/* File times advance in clock ticks, and on some file systems in whole
 * seconds (two on FAT), so a change within the tick of a reading could
 * leave every stat field as it was (git calls such entries "racily
 * clean"). */
#define SM_FCACHE_SETTLE_SECONDS 2

struct sm_fcache_kind {
	enum sm_file which;
	/* 0: look at every use, as if reading; else once in so many seconds. */
	unsigned look_seconds;
	/* The size of a reading; a missing file that need not exist gives
	 * one of zero bytes, without a call to `parse`. */
	size_t reading_size;
	/* Fill `reading` (zeroed) from `text`; on failure leave nothing to
	 * clear. */
	OM_uint32 (*parse)(OM_uint32 *minor, enum sm_file which, const char *path,
			   const char *text, size_t len, void *reading);
	/* Release what `parse` made, wiping any key. */
	void (*clear)(void *reading);
};

/*
 * A reference to the reading of `path` (a missing file is an error only
 * when `must_exist`), or with `path` NULL of the file the kind's variable
 * or default names, which must exist when a variable names it; `path_out`
 * (PATH_MAX), if not NULL, receives the path.  Give the reference back
 * with sm_fcache_give_back().
 */
OM_uint32 sm_fcache_take(OM_uint32 *minor, const struct sm_fcache_kind *kind,
			 const char *path, int must_exist, char *path_out,
			 const void **reading)
	__attribute__((warn_unused_result));
void sm_fcache_give_back(const void *reading);

#endif
