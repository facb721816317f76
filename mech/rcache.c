/*
 * Replay caches, one file per (use, key file) under rcache_dir.
 *
 * The file is private to this implementation (native byte order, glibc's
 * mutex inside): a 4 KiB header, then tables of 64-byte buckets of four
 * entries, the first table 4 MiB and each next one twice the last, as in
 * MIT krb5's file2 replay cache.  An id hashes (SipHash-128 keyed with the
 * file's own random key, so nobody can aim ids at one bucket) to one
 * bucket per table; it is looked for in all of them and recorded in the
 * first free or expired entry.  When every one of its buckets is live, the
 * file grows by a table, up to rcache_max_size.  Space is reserved with
 * posix_fallocate before a table is used, so a full disk is a refusal at
 * growth, never a SIGBUS at a write.
 *
 * An id belongs to one of STRIPES stripes, and its bucket in every table
 * lies in that stripe, so a process-shared robust mutex per stripe covers
 * one record while records of other stripes go on: no lock is held between
 * calls, and a process killed inside one leaves entries that are whole
 * (the tag is written before the expiry that makes it live).  The header
 * also keeps the highest clock any process gave it, so a clock stepped
 * back cannot revive a token whose record was reclaimed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "init.h"
#include "locks.h"
#include "rcache.h"
#include "status.h"
#include "trace.h"

#ifndef SM_LOCALSTATEDIR
#define SM_LOCALSTATEDIR "/var"
#endif
const char sm_rcache_default_dir[] = SM_LOCALSTATEDIR "/lib/gss-sodium";

#define MAGIC "gsrc0003"
#define HEADER_BYTES 4096u
#define ENTRIES_PER_BUCKET 4
/* 4 MiB: one table holds the load of most hosts, and a record then costs
 * one bucket, one cache line. */
#define TABLE0_BUCKETS 65536u
#define MAX_TABLES 24
#define TAG_BYTES 12
/* Processes importing at once rarely meet on one lock. */
#define STRIPES 32
/* How often, at most, a process looks whether the cache's path still names
 * the file it mapped: a stat per record would double an import's cost. */
#define RECHECK_SECONDS 1
#define MAX_HANDLES 8

struct entry {
	unsigned char tag[TAG_BYTES];
	uint32_t expires;	/* seconds since 1970; 0: never used */
};

struct bucket {
	struct entry entry[ENTRIES_PER_BUCKET];
};

struct stripe_lock {
	_Alignas(64) pthread_mutex_t mutex;	/* process-shared, robust */
};

struct header {
	char magic[8];
	uint32_t layout;	/* LAYOUT_WORD of the process that made it */
	uint32_t tables;	/* tables in use, each reserved on disk; only grows */
	int64_t clock;		/* the highest `now` recorded with; only grows */
	unsigned char hash_key[crypto_shorthash_siphashx24_KEYBYTES];
	char key_file[1024];	/* for people: whose cache this is */
	struct stripe_lock stripe[STRIPES];
};

_Static_assert(sizeof(struct entry) == 16, "an entry is 16 bytes");
_Static_assert(sizeof(struct bucket) == 64, "a bucket is one cache line");
_Static_assert(sizeof(struct header) <= HEADER_BYTES, "the header fits its page");
_Static_assert(TABLE0_BUCKETS % STRIPES == 0, "every table holds every stripe");

/* Files made by a build with other sizes are not read. */
#define LAYOUT_WORD ((uint32_t)(sizeof(struct header) << 8 | sizeof(struct bucket)))

const struct sm_rcache_use_names sm_rcache_uses[] = {
	[SM_RCACHE_IMPORT] = { "import", "import-once replay cache" },
	[SM_RCACHE_HANDSHAKE] = { "handshake", "handshake replay cache" },
};

/* One mapped cache file in this process. */
struct handle {
	enum sm_rcache_use use;
	unsigned refs;		/* the list's and each caller's */
	int fd;
	dev_t dev;
	ino_t ino;
	struct header *hdr;
	size_t map_len;
	unsigned max_tables;	/* what this process may grow to */
	unsigned mapped_tables;	/* tables in use when the file was mapped */
	time_t checked;		/* CLOCK_MONOTONIC_COARSE seconds */
	unsigned char hash_key[crypto_shorthash_siphashx24_KEYBYTES];
	char key_file[PATH_MAX];
	char path[PATH_MAX];
};

static struct handle *handles[MAX_HANDLES];

/* ---- layout ----------------------------------------------------------- */

static size_t table_buckets(unsigned k)
{
	return (size_t)TABLE0_BUCKETS << k;
}

static off_t table_offset(unsigned k)
{
	return (off_t)HEADER_BYTES +
	       (off_t)(((size_t)TABLE0_BUCKETS << k) - TABLE0_BUCKETS) * (off_t)sizeof(struct bucket);
}

static off_t file_size_for(unsigned tables)
{
	return table_offset(tables);
}

static unsigned tables_within(unsigned long long max_size)
{
	unsigned n = 1;

	while (n < MAX_TABLES && (unsigned long long)file_size_for(n + 1) <= max_size)
		n++;
	return n;
}

static unsigned stripe_of(uint64_t hash)
{
	return (unsigned)(hash % STRIPES);
}

static struct bucket *bucket_of(const struct handle *h, unsigned k, uint64_t hash)
{
	/* Each table takes other bits of the hash, so ids that share a
	 * bucket in one table are spread in the next; the low bits are the
	 * stripe's in every table. */
	uint64_t mixed = hash >> (k * 5 % 64) | hash << ((64 - k * 5 % 64) % 64);
	uint64_t index = (mixed & (table_buckets(k) - 1) & ~(uint64_t)(STRIPES - 1)) |
			 stripe_of(hash);

	return (struct bucket *)((char *)h->hdr + table_offset(k)) + index;
}

_Static_assert(sizeof(((struct sm_rcache_probe *)0)->tag) == TAG_BYTES, "a probe holds a tag");

static void hash_id(const struct handle *h, const unsigned char *id, size_t id_len,
		    struct sm_rcache_probe *out)
{
	unsigned char full[crypto_shorthash_siphashx24_BYTES];

	crypto_shorthash_siphashx24(full, id, id_len, h->hash_key);
	memcpy(&out->bucket, full, sizeof(out->bucket));
	memcpy(out->tag, full + sizeof(full) - TAG_BYTES, TAG_BYTES);
}

/* ---- failures ---------------------------------------------------------- */

static OM_uint32 unusable(OM_uint32 *minor, enum sm_rcache_use use, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static OM_uint32 unusable(OM_uint32 *minor, enum sm_rcache_use use, const char *fmt, ...)
{
	char what[2 * PATH_MAX + 300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_RCACHE_UNUSABLE,
		       "the %s cannot be used, so the %s was refused: %s",
		       sm_rcache_uses[use].cache, sm_rcache_uses[use].word, what);
}

/* ---- opening ----------------------------------------------------------- */

static const char *cache_dir(const char *setting)
{
	return setting[0] != '\0' ? setting : sm_rcache_default_dir;
}

/* The directory must be writable by nobody but its owner (root or this
 * user) and the owner's group: whoever else could write it could plant or
 * remove the cache. */
static OM_uint32 open_directory(OM_uint32 *minor, enum sm_rcache_use use, const char *dir,
				int create, int *dirfd, struct stat *st)
{
	if ((create ? mkdir(dir, 0700) : access(dir, F_OK)) != 0 && errno != EEXIST)
		return unusable(minor, use,
				"%s does not exist%s (%s); create it with 'install -d -m 2770 -g GROUP %s', GROUP being the key file's group, or set rcache_dir",
				dir, create ? " and cannot be created" : "", strerror(errno), dir);
	*dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dirfd < 0)
		return unusable(minor, use, "%s cannot be opened as a directory (%s)", dir,
				strerror(errno));
	if (fstat(*dirfd, st) != 0 || (st->st_uid != 0 && st->st_uid != geteuid()) ||
	    (st->st_mode & S_IWOTH)) {
		close(*dirfd);
		return unusable(minor, use,
				"%s must belong to root or uid %u and must not be writable by other users; run 'chown root %s; chmod o-w %s' or set rcache_dir",
				dir, (unsigned)geteuid(), dir, dir);
	}
	return sm_ok(minor);
}

/* "import-0123456789abcdef.rcache": the use and a hash of the key file's
 * real path, so that every name of one key file finds one cache. */
static OM_uint32 cache_name(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			    char *name, size_t size)
{
	unsigned char digest[8];
	char real[PATH_MAX], hex[2 * sizeof(digest) + 1];

	if (realpath(key_file, real) == NULL)
		return unusable(minor, use, "the real path of %s cannot be found (%s)", key_file,
				strerror(errno));
	crypto_generichash(digest, sizeof(digest), (const unsigned char *)real, strlen(real),
			   NULL, 0);
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	snprintf(name, size, "%s-%s.rcache", sm_rcache_uses[use].word, hex);
	return sm_ok(minor);
}

static int init_shared_mutex(pthread_mutex_t *m)
{
	pthread_mutexattr_t attr;
	int r;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
	pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
	r = pthread_mutex_init(m, &attr);
	pthread_mutexattr_destroy(&attr);
	return r;
}

/* Make the cache under a temporary name, whole, then link it into place:
 * no process ever sees a file half made, and no lock is needed. */
static OM_uint32 create_cache(OM_uint32 *minor, enum sm_rcache_use use, int dirfd,
			      const struct stat *dir_st, const char *dir, const char *name,
			      const char *key_file)
{
	char tmp[NAME_MAX + 16];
	struct header *hdr;
	OM_uint32 major = GSS_S_COMPLETE;
	int fd, r, i;

	snprintf(tmp, sizeof(tmp), ".%s.%08x", name, randombytes_random());
	fd = openat(dirfd, tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0660);
	if (fd < 0)
		return unusable(minor, use, "%s/%s cannot be created (%s)", dir, tmp,
				strerror(errno));
	/* Every user of the key file shares the cache through the directory's
	 * group; the umask must not take that away. */
	if (fchmod(fd, 0660) != 0)
		major = unusable(minor, use, "%s/%s cannot be given mode 0660 (%s)", dir, tmp,
				 strerror(errno));
	/* A directory that is not set-group-id leaves the file in the
	 * creator's group; a member of the directory's group may move it. */
	if (!GSS_ERROR(major) && dir_st->st_gid != getegid() &&
	    fchown(fd, (uid_t)-1, dir_st->st_gid) != 0)
		sm_trace("rcache: %s/%s stays in group %u (%s); make %s set-group-id (chmod g+s)",
			 dir, name, (unsigned)getegid(), strerror(errno), dir);
	r = GSS_ERROR(major) ? 0 : posix_fallocate(fd, 0, file_size_for(1));
	if (r != 0)
		major = unusable(minor, use,
				 "space for %s/%s cannot be reserved (%s); free space on that filesystem or set rcache_dir",
				 dir, name, strerror(r));
	hdr = GSS_ERROR(major) ? MAP_FAILED
			       : mmap(NULL, HEADER_BYTES, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (!GSS_ERROR(major) && hdr == MAP_FAILED)
		major = unusable(minor, use, "%s/%s cannot be mapped (%s)", dir, tmp,
				 strerror(errno));
	if (!GSS_ERROR(major)) {
		hdr->layout = LAYOUT_WORD;
		hdr->tables = 1;
		randombytes_buf(hdr->hash_key, sizeof(hdr->hash_key));
		snprintf(hdr->key_file, sizeof(hdr->key_file), "%s", key_file);
		for (i = 0; i < STRIPES && !GSS_ERROR(major); i++)
			if (init_shared_mutex(&hdr->stripe[i].mutex) != 0)
				major = unusable(minor, use, "%s/%s: its locks cannot be made",
						 dir, tmp);
		memcpy(hdr->magic, MAGIC, sizeof(hdr->magic));
		munmap(hdr, HEADER_BYTES);
	}
	/* A name already there was made by another process meanwhile: use it. */
	if (!GSS_ERROR(major) && linkat(dirfd, tmp, dirfd, name, 0) != 0 && errno != EEXIST)
		major = unusable(minor, use, "%s/%s cannot be made (%s)", dir, name,
				 strerror(errno));
	unlinkat(dirfd, tmp, 0);
	close(fd);
	return major;
}

/* Check the open file and read its header without mapping it: a file too
 * short for what it claims would fault when touched. */
static OM_uint32 check_file(OM_uint32 *minor, struct handle *h, struct stat *st)
{
	struct header hdr;

	if (fstat(h->fd, st) != 0 || !S_ISREG(st->st_mode))
		return unusable(minor, h->use, "%s is not a regular file; delete it", h->path);
	if (st->st_mode & S_IRWXO)
		return unusable(minor, h->use, "%s is open to every user; run 'chmod o= %s'",
				h->path, h->path);
	if (pread(h->fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr) ||
	    memcmp(hdr.magic, MAGIC, sizeof(hdr.magic)) != 0 || hdr.layout != LAYOUT_WORD ||
	    hdr.tables == 0 || hdr.tables > MAX_TABLES || st->st_size < file_size_for(hdr.tables))
		return unusable(minor, h->use,
				"%s is not a replay cache of this version, or was truncated or damaged; delete it and a new one is made (tokens of the last export_max_age may then import once more)",
				h->path);
	memcpy(h->hash_key, hdr.hash_key, sizeof(h->hash_key));
	h->mapped_tables = hdr.tables;
	sodium_memzero(&hdr, sizeof(hdr));
	return sm_ok(minor);
}

static void close_handle(struct handle *h)
{
	if (h->hdr != NULL)
		munmap(h->hdr, h->map_len);
	if (h->fd >= 0)
		close(h->fd);
	sodium_memzero(h->hash_key, sizeof(h->hash_key));
	free(h);
}

/* Open the cache of `key_file` in `dir`, making the directory and the file
 * when `create`; without it a cache not made yet gives *out NULL. */
static OM_uint32 open_handle(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			     const char *dir, int create, time_t checked, struct handle **out)
{
	unsigned long long max_size = sm_current_settings()->rcache_max_size;
	char name[NAME_MAX + 1];
	struct stat dir_st, st;
	struct handle *h;
	OM_uint32 major;
	int dirfd = -1, tries;

	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return sm_no_memory(minor);
	h->use = use;
	h->fd = -1;
	h->refs = 1;
	h->checked = checked;
	snprintf(h->key_file, sizeof(h->key_file), "%s", key_file);
	major = cache_name(minor, use, key_file, name, sizeof(name));
	if (!GSS_ERROR(major) && snprintf(h->path, sizeof(h->path), "%s/%s", dir, name) >=
				 (int)sizeof(h->path))
		major = unusable(minor, use, "%s: the path is too long", dir);
	if (GSS_ERROR(major) ||
	    GSS_ERROR(major = open_directory(minor, use, dir, create, &dirfd, &dir_st))) {
		close_handle(h);
		return major;
	}
	*out = NULL;
	for (tries = 0; h->fd < 0 && !GSS_ERROR(major) && tries < 3; tries++) {
		h->fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
		if (h->fd < 0 && errno == ENOENT && !create)
			break;
		if (h->fd < 0 && errno == ENOENT)
			major = create_cache(minor, use, dirfd, &dir_st, dir, name, key_file);
		else if (h->fd < 0)
			major = unusable(minor, use, "%s cannot be opened (%s)", h->path,
					 strerror(errno));
	}
	close(dirfd);
	if (!GSS_ERROR(major) && h->fd < 0 && !create) {
		close_handle(h);
		return sm_ok(minor);
	}
	if (!GSS_ERROR(major) && h->fd < 0)
		major = unusable(minor, use, "%s keeps disappearing", h->path);
	if (!GSS_ERROR(major))
		major = check_file(minor, h, &st);
	if (!GSS_ERROR(major)) {
		h->dev = st.st_dev;
		h->ino = st.st_ino;
		h->max_tables = tables_within(max_size);
		/* The tables in use, each reserved on disk; a process that sees
		 * more of them later maps the file again. */
		h->map_len = (size_t)file_size_for(h->mapped_tables);
		h->hdr = mmap(NULL, h->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, h->fd, 0);
		if (h->hdr == MAP_FAILED) {
			h->hdr = NULL;
			major = unusable(minor, use, "%s cannot be mapped (%s)", h->path,
					 strerror(errno));
		}
	}
	if (GSS_ERROR(major)) {
		close_handle(h);
		return major;
	}
	*out = h;
	return sm_ok(minor);
}

/* ---- the process's handles ---------------------------------------------- */

static void unref(struct handle *h)
{
	if (__atomic_sub_fetch(&h->refs, 1, __ATOMIC_ACQ_REL) == 0)
		close_handle(h);
}

/* Called with SM_LOCK_RCACHE_HANDLES held: the handle leaves the list; callers that
 * hold it finish with it. */
static void detach(size_t i)
{
	struct handle *h = handles[i];

	handles[i] = NULL;
	unref(h);
}

static time_t monotonic_seconds(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	return now.tv_sec;
}

/* Does the handle's path still name the file it mapped, at least as long
 * as the tables it saw?  A deleted or replaced file is left for the new
 * one, so that old and new processes meet in the same file. */
static int still_current(const struct handle *h)
{
	struct stat named, open;

	return lstat(h->path, &named) == 0 && fstat(h->fd, &open) == 0 &&
	       named.st_dev == h->dev && named.st_ino == h->ino &&
	       open.st_size >= (off_t)h->map_len;
}

static OM_uint32 acquire(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			 struct handle **out)
{
	time_t now = monotonic_seconds();
	struct handle *h = NULL;
	OM_uint32 major = GSS_S_COMPLETE;
	size_t i, slot = MAX_HANDLES;

	sm_lock_take(SM_LOCK_RCACHE_HANDLES);
	for (i = 0; i < MAX_HANDLES; i++) {
		if (handles[i] == NULL) {
			slot = slot == MAX_HANDLES ? i : slot;
		} else if (handles[i]->use == use && strcmp(handles[i]->key_file, key_file) == 0) {
			if (now - handles[i]->checked >= RECHECK_SECONDS && !still_current(handles[i]))
				detach(i);
			else
				h = handles[i];
			slot = i;
			break;
		}
	}
	if (h == NULL) {
		if (slot == MAX_HANDLES) {
			/* More key files than slots: the oldest way out is any. */
			slot = (size_t)randombytes_uniform(MAX_HANDLES);
			detach(slot);
		}
		major = open_handle(minor, use, key_file,
				    cache_dir(sm_current_settings()->rcache_dir), 1, now, &h);
		if (!GSS_ERROR(major))
			handles[slot] = h;
	}
	if (!GSS_ERROR(major)) {
		if (now - h->checked >= RECHECK_SECONDS)
			h->checked = now;
		__atomic_add_fetch(&h->refs, 1, __ATOMIC_RELAXED);
		*out = h;
	}
	sm_lock_release(SM_LOCK_RCACHE_HANDLES);
	return major;
}

/* Forget the handle (another process changed the file under it). */
static void drop(struct handle *h)
{
	size_t i;

	sm_lock_take(SM_LOCK_RCACHE_HANDLES);
	for (i = 0; i < MAX_HANDLES; i++)
		if (handles[i] == h)
			detach(i);
	sm_lock_release(SM_LOCK_RCACHE_HANDLES);
}

void sm_rcache_prefetch(enum sm_rcache_use use, const char *key_file, const unsigned char *id,
			size_t id_len, struct sm_rcache_probe *probe)
{
	struct handle *h;
	OM_uint32 ignored;
	unsigned k;

	probe->cache = NULL;
	if (sm_current_settings()->replay_cache.redis ||
	    GSS_ERROR(acquire(&ignored, use, key_file, &h)))
		return;
	hash_id(h, id, id_len, probe);
	/* A prefetch never faults. */
	for (k = 0; k < h->mapped_tables; k++)
		__builtin_prefetch(bucket_of(h, k, probe->bucket), 1);
	probe->cache = h;
}

void sm_rcache_release(struct sm_rcache_probe *probe)
{
	if (probe->cache != NULL)
		unref(probe->cache);
	probe->cache = NULL;
}

/* ---- recording ----------------------------------------------------------- */

enum search_result { FOUND, STORED, NO_ROOM, MAPPING_SHORT };

/* Look for the id in every table and store it in the first free or expired
 * entry; called with the id's stripe locked. */
static enum search_result search(struct handle *h, const struct sm_rcache_probe *hash,
				 unsigned tables, int64_t now, uint32_t expires)
{
	unsigned k, e;
	struct entry *free_entry = NULL, *x;

	if (file_size_for(tables) > (off_t)h->map_len)
		return MAPPING_SHORT;
	for (k = 0; k < tables; k++) {
		x = bucket_of(h, k, hash->bucket)->entry;
		for (e = 0; e < ENTRIES_PER_BUCKET; e++, x++) {
			if ((int64_t)x->expires < now) {
				if (free_entry == NULL)
					free_entry = x;
			} else if (memcmp(x->tag, hash->tag, TAG_BYTES) == 0) {
				/* A tag is a keyed hash of an id, no secret. */
				return FOUND;
			}
		}
	}
	if (free_entry == NULL)
		return NO_ROOM;
	/* The tag first: an entry a killed process left half written is
	 * still expired, so still free. */
	memcpy(free_entry->tag, hash->tag, TAG_BYTES);
	__atomic_store_n(&free_entry->expires, expires, __ATOMIC_RELEASE);
	return STORED;
}

static OM_uint32 lock_stripe(OM_uint32 *minor, struct handle *h, pthread_mutex_t *m)
{
	int r = pthread_mutex_lock(m);

	/* A process died holding the lock: entries are written whole, so the
	 * tables are consistent. */
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(m);
	if (r != 0)
		return unusable(minor, h->use, "a lock of %s failed (%s)", h->path, strerror(r));
	return sm_ok(minor);
}

/* The cache's clock after `now`: the highest of all, kept in the file. */
static int64_t advance_clock(struct header *hdr, int64_t now)
{
	int64_t clock = __atomic_load_n(&hdr->clock, __ATOMIC_ACQUIRE);

	while (now > clock &&
	       !__atomic_compare_exchange_n(&hdr->clock, &clock, now, 0, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
	return now > clock ? now : clock;
}

/* Reserve table `k` on disk; any process may, and more than one may. */
static OM_uint32 grow(OM_uint32 *minor, struct handle *h, unsigned k)
{
	int r = posix_fallocate(h->fd, table_offset(k), table_offset(k + 1) - table_offset(k));

	if (r != 0)
		return unusable(minor, h->use,
				"%s is full of unexpired records and cannot grow to %lld bytes (%s); free space on its filesystem",
				h->path, (long long)file_size_for(k + 1), strerror(r));
	return sm_ok(minor);
}

static OM_uint32 record(OM_uint32 *minor, struct handle *h, const struct sm_rcache_probe *hash,
			time_t now, time_t expires, struct sm_rcache_answer *answer,
			int *mapping_short)
{
	uint32_t stored = expires > (time_t)UINT32_MAX ? UINT32_MAX : (uint32_t)expires;
	pthread_mutex_t *lock = &h->hdr->stripe[stripe_of(hash->bucket)].mutex;
	enum search_result found;
	OM_uint32 major;
	unsigned tables;
	int64_t clock;

	for (;;) {
		major = lock_stripe(minor, h, lock);
		if (GSS_ERROR(major))
			return major;
		/* Read under the stripe's lock: a later record of this id sees
		 * at least the clock and the tables an earlier one saw. */
		clock = advance_clock(h->hdr, now);
		tables = __atomic_load_n(&h->hdr->tables, __ATOMIC_ACQUIRE);
		answer->clock = (time_t)clock;
		if ((int64_t)expires < clock) {
			pthread_mutex_unlock(lock);
			answer->verdict = SM_RCACHE_TOO_OLD;
			return sm_ok(minor);
		}
		found = search(h, hash, tables, clock, stored);
		pthread_mutex_unlock(lock);
		if (found == FOUND || found == STORED) {
			answer->verdict = found == FOUND ? SM_RCACHE_SEEN : SM_RCACHE_NEW;
			return sm_ok(minor);
		}
		if (found == MAPPING_SHORT) {
			*mapping_short = 1;
			return sm_ok(minor);
		}
		if (tables >= h->max_tables)
			return unusable(minor, h->use,
					"%s holds as many unexpired records as rcache_max_size allows (%lld bytes); raise rcache_max_size or lower export_max_age",
					h->path, (long long)file_size_for(tables));
		/* Reserved outside any lock: others keep recording meanwhile;
		 * the table is used once its space is, whoever adds it. */
		major = grow(minor, h, tables);
		if (GSS_ERROR(major))
			return major;
		__atomic_compare_exchange_n(&h->hdr->tables, &tables, tables + 1, 0,
					    __ATOMIC_RELEASE, __ATOMIC_RELAXED);
	}
}

OM_uint32 sm_rcache_record(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			   const unsigned char scope[SM_RCACHE_SCOPE_BYTES],
			   const unsigned char *id, size_t id_len, time_t now, time_t expires,
			   struct sm_rcache_probe *probe, struct sm_rcache_answer *answer)
{
	struct sm_rcache_probe found = { NULL, 0, { 0 } };
	OM_uint32 major;
	int tries, mapping_short;

	if (probe != NULL) {
		found = *probe;
		probe->cache = NULL;
	}
	if (sm_current_settings()->replay_cache.redis) {
		sm_rcache_release(&found);
		return sm_rcache_redis_record(minor, use, scope, id, id_len, now, expires, answer);
	}
	/* A mapping is short at most once per table added meanwhile. */
	for (tries = 0; tries <= MAX_TABLES; tries++) {
		if (found.cache == NULL) {
			major = acquire(minor, use, key_file, (struct handle **)&found.cache);
			if (GSS_ERROR(major))
				return major;
			hash_id(found.cache, id, id_len, &found);
		}
		mapping_short = 0;
		major = record(minor, found.cache, &found, now, expires, answer, &mapping_short);
		/* The file grew past this mapping: map it again, larger. */
		if (mapping_short)
			drop(found.cache);
		sm_rcache_release(&found);
		if (!mapping_short)
			return major;
	}
	return unusable(minor, use, "the cache of %s keeps growing while this process maps it",
			key_file);
}

OM_uint32 sm_rcache_inspect(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			    const char *rcache_dir, char *path, long long *size)
{
	struct handle *h;
	OM_uint32 major;

	*size = -1;
	snprintf(path, PATH_MAX, "%s", cache_dir(rcache_dir));
	/* A directory that an import would make (mode 0700) is no problem. */
	if (access(path, F_OK) != 0 && errno == ENOENT && strrchr(path, '/') != NULL) {
		*strrchr(path, '/') = '\0';
		if (access(path[0] != '\0' ? path : "/", W_OK | X_OK) == 0) {
			snprintf(path, PATH_MAX, "%s", cache_dir(rcache_dir));
			return sm_ok(minor);
		}
	}
	major = open_handle(minor, use, key_file, cache_dir(rcache_dir), 0, 0, &h);
	if (GSS_ERROR(major))
		return major;
	if (h == NULL) {
		snprintf(path, PATH_MAX, "%s", cache_dir(rcache_dir));
		return sm_ok(minor);
	}
	strcpy(path, h->path);
	*size = (long long)h->map_len;
	close_handle(h);
	return sm_ok(minor);
}
