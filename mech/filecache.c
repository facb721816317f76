/* The readings of key files a process keeps (see filecache.h). */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filecache.h"
#include "locks.h"
#include "status.h"

/* Readings kept at once; a reading in use outlives its slot. */
#define KEPT_FILES 8

struct entry {
	const struct sm_fcache_kind *kind;
	char path[PATH_MAX];
	int named;		/* the file the kind's variable or default named */
	int exists;
	int settled;		/* may serve again at a look */
	struct stat st;		/* taken before the reading */
	time_t looked;		/* CLOCK_MONOTONIC_COARSE seconds */
	unsigned long last_used;
	unsigned refs;		/* the table's, if kept, and each holder's */
	max_align_t reading[];
};

static struct entry *kept[KEPT_FILES];
static unsigned long use_clock;

/* Entries whose last reference went while the lock was held, released
 * (keys wiped) once it is not. */
struct dropped {
	size_t count;
	struct entry *entry[KEPT_FILES + 2];
};

static struct entry *entry_of(const void *reading)
{
	return (struct entry *)((const char *)reading - offsetof(struct entry, reading));
}

/* Drop a reference; called with SM_LOCK_FILE_READINGS held. */
static void unref(struct entry *e, struct dropped *d)
{
	if (--e->refs == 0)
		d->entry[d->count++] = e;
}

/* Take slot `i` out of the table; called with SM_LOCK_FILE_READINGS held. */
static void unkeep(size_t i, struct dropped *d)
{
	unref(kept[i], d);
	kept[i] = NULL;
}

static void release_dropped(struct dropped *d)
{
	while (d->count > 0) {
		struct entry *e = d->entry[--d->count];

		e->kind->clear(e->reading);
		free(e);
	}
}

static time_t monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return now.tv_sec;
}

/* The slot of the reading of `path` (with `path` NULL, of the file the
 * kind's variable named last), or -1; called with SM_LOCK_FILE_READINGS held. */
static int find(const struct sm_fcache_kind *kind, const char *path)
{
	int i;

	for (i = 0; i < KEPT_FILES; i++)
		if (kept[i] != NULL && kept[i]->kind == kind &&
		    (path == NULL ? kept[i]->named : strcmp(kept[i]->path, path) == 0))
			return i;
	return -1;
}

/* A reference to `e`, its path copied to `path_out`; SM_LOCK_FILE_READINGS held. */
static const void *use(struct entry *e, char *path_out)
{
	e->refs++;
	e->last_used = ++use_clock;
	if (path_out != NULL)
		strcpy(path_out, e->path);
	return e->reading;
}

/* The reading looked at within the kind's look_seconds, or NULL: the
 * common case of a kind looked at seldom, with no getenv and no stat. */
static const void *take_recent(const struct sm_fcache_kind *kind, const char *path,
			       time_t now, char *path_out)
{
	const void *reading = NULL;
	int i;

	sm_lock_take(SM_LOCK_FILE_READINGS);
	i = find(kind, path);
	if (i >= 0 && now - kept[i]->looked < (time_t)kind->look_seconds)
		reading = use(kept[i], path_out);
	sm_lock_release(SM_LOCK_FILE_READINGS);
	return reading;
}

/* The kept reading of `path` if the look just taken (`exists`, `st`,
 * `usable`: the process may read the file and trusts its owner) shows it
 * may serve; else NULL, and a reading it may not serve is dropped, so that
 * no old key outlives its file here. */
static const void *take_unchanged(const struct sm_fcache_kind *kind, const char *path,
				  int exists, int usable, const struct stat *st, time_t now)
{
	struct dropped d = { 0 };
	const void *reading = NULL;
	struct entry *e;
	int i;

	sm_lock_take(SM_LOCK_FILE_READINGS);
	i = find(kind, path);
	if (i >= 0) {
		e = kept[i];
		if (e->settled && exists && usable && sm_file_unchanged(&e->st, st)) {
			e->looked = now;
			reading = use(e, NULL);
		} else {
			unkeep((size_t)i, &d);
		}
	}
	sm_lock_release(SM_LOCK_FILE_READINGS);
	release_dropped(&d);
	return reading;
}

/* Is `a` a reading of a later file than `b` (of the same path)?  Key files
 * are replaced by rename or appended to, so the change time orders them. */
static int read_later(const struct entry *a, const struct entry *b)
{
	if (!a->exists)
		return 0;
	if (!b->exists)
		return 1;
	return a->st.st_ctim.tv_sec > b->st.st_ctim.tv_sec ||
	       (a->st.st_ctim.tv_sec == b->st.st_ctim.tv_sec &&
		a->st.st_ctim.tv_nsec > b->st.st_ctim.tv_nsec);
}

/* Put `fresh` (one reference, the caller's) in the table if the rule lets
 * it serve again, and give the caller the reading to use: `fresh`, or a
 * later reading another thread kept meanwhile, or a token it opened might
 * not open a moment later. */
static const void *keep(struct entry *fresh, int named, char *path_out)
{
	const struct sm_fcache_kind *kind = fresh->kind;
	struct dropped d = { 0 };
	const void *reading;
	int i, slot;

	if (!fresh->settled && kind->look_seconds == 0)
		return fresh->reading;
	sm_lock_take(SM_LOCK_FILE_READINGS);
	slot = find(kind, fresh->path);
	if (slot >= 0 && read_later(kept[slot], fresh)) {
		unref(fresh, &d);
		fresh = kept[slot];
		reading = use(fresh, path_out);
	} else {
		if (slot >= 0)
			unkeep((size_t)slot, &d);
		for (i = 0, slot = 0; i < KEPT_FILES; i++) {
			if (kept[i] == NULL) {
				slot = i;
				break;
			}
			if (kept[i]->last_used < kept[slot]->last_used)
				slot = i;
		}
		if (kept[slot] != NULL)
			unkeep((size_t)slot, &d);
		kept[slot] = fresh;
		fresh->last_used = ++use_clock;
		fresh->refs++;
		reading = fresh->reading;
	}
	/* One file at a time is the one the variable names. */
	for (i = 0; named && i < KEPT_FILES; i++)
		if (kept[i] != NULL && kept[i] != fresh && kept[i]->kind == kind &&
		    kept[i]->named)
			unkeep((size_t)i, &d);
	fresh->named |= named;
	sm_lock_release(SM_LOCK_FILE_READINGS);
	release_dropped(&d);
	return reading;
}

/* Read and parse `path` into a new entry with one reference. */
static OM_uint32 read_file(OM_uint32 *minor, const struct sm_fcache_kind *kind,
			   const char *path, int must_exist, struct entry **out)
{
	struct entry *e;
	OM_uint32 major;
	size_t len;
	char *text;

	e = calloc(1, sizeof(*e) + kind->reading_size);
	if (e == NULL)
		return sm_no_memory(minor);
	major = sm_file_read(minor, kind->which, path, must_exist, &text, &len);
	if (!GSS_ERROR(major) && text != NULL) {
		major = kind->parse(minor, kind->which, path, text, len, e->reading);
		sm_file_release(text, len);
	}
	if (GSS_ERROR(major)) {
		free(e);
		return major;
	}
	e->kind = kind;
	e->refs = 1;
	e->exists = text != NULL;
	*out = e;
	return major;
}

OM_uint32 sm_fcache_take(OM_uint32 *minor, const struct sm_fcache_kind *kind,
			 const char *path, int must_exist, char *path_out,
			 const void **reading)
{
	time_t now = monotonic_seconds(), seen;
	struct sm_locations loc;
	struct entry *fresh = NULL;
	int named = path == NULL, fits, exists, usable;
	OM_uint32 major;
	struct stat st;

	*reading = NULL;
	if (kind->look_seconds > 0) {
		*reading = take_recent(kind, path, now, path_out);
		if (*reading != NULL)
			return sm_ok(minor);
	}
	if (named) {
		major = sm_locations(minor, kind->which, &loc);
		if (GSS_ERROR(major))
			return major;
		path = loc.path[0];
		must_exist = loc.from_environment;
	}
	/* The look comes before the reading: a change after it shows at the
	 * next look, never the other way round.  A reading serves only a
	 * caller that trusts the file's owner, and one that stands for a
	 * reading at every use only a caller that may read the file (the
	 * effective uid may have changed since). */
	seen = time(NULL);
	fits = strlen(path) < PATH_MAX;
	exists = fits && stat(path, &st) == 0;
	usable = exists && sm_file_owner_trusted(&st) &&
		 (kind->look_seconds > 0 || faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0);
	if (fits) {
		*reading = take_unchanged(kind, path, exists, usable, &st, now);
		if (*reading != NULL) {
			if (path_out != NULL)
				strcpy(path_out, path);
			return sm_ok(minor);
		}
	}

	major = read_file(minor, kind, path, must_exist, &fresh);
	if (GSS_ERROR(major))
		return major;
	if (path_out != NULL && fits)
		strcpy(path_out, path);
	if (!fits) {
		*reading = fresh->reading;
		return sm_ok(minor);
	}
	strcpy(fresh->path, path);
	fresh->exists &= exists;
	if (fresh->exists)
		fresh->st = st;
	fresh->settled = fresh->exists && (kind->look_seconds > 0 ||
					   seen - st.st_ctim.tv_sec >= SM_FCACHE_SETTLE_SECONDS);
	fresh->looked = now;
	*reading = keep(fresh, named, path_out);
	return sm_ok(minor);
}

void sm_fcache_give_back(const void *reading)
{
	struct dropped d = { 0 };

	if (reading == NULL)
		return;
	sm_lock_take(SM_LOCK_FILE_READINGS);
	unref(entry_of(reading), &d);
	sm_lock_release(SM_LOCK_FILE_READINGS);
	release_dropped(&d);
}
