/* The import-once replay cache, a shared mapping of a per-uid file. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rcache.h"
#include "status.h"

#define DEFAULT_PARENT "/var/tmp"
#define FILE_NAME "import-once.v2"
#define MAGIC "gsrc0002"
/* Room for the tokens of about 400 exports a second at the default
 * export_max_age; the file is sparse until used. */
#define SLOTS 262144u
/* An id lives in one of the PROBE slots after its hash, in the first one
 * that was free when it came, so a search ends at a slot never used; a
 * full window refuses the import rather than forget an id. */
#define PROBE 64

struct slot {
	unsigned char id[SM_RCACHE_ID_BYTES];
	int64_t expires;
};

struct cache_file {
	char magic[8];
	uint32_t slots;
	uint32_t reserved;
	pthread_mutex_t lock;	/* process-shared, robust */
	unsigned char pad[64];
	struct slot slot[SLOTS];
};

static pthread_mutex_t open_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_file *mapped;
static char mapped_dir[PATH_MAX];

static OM_uint32 unusable(OM_uint32 *minor, const char *fmt, const char *path,
			  const char *detail)
{
	char what[2 * PATH_MAX + 300];

	snprintf(what, sizeof(what), fmt, path, detail);
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_RCACHE_UNUSABLE,
		       "the import-once replay cache cannot be used, so the import was refused: %s",
		       what);
}

/* The directory must be ours alone: a cache others can write is none. */
static OM_uint32 check_directory(OM_uint32 *minor, const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return unusable(minor, "%s cannot be created (%s)", dir, strerror(errno));
	if (lstat(dir, &st) != 0)
		return unusable(minor, "%s cannot be examined (%s)", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return unusable(minor, "%s is not a directory%s", dir, "");
	if (st.st_uid != geteuid())
		return unusable(minor, "%s belongs to another user; remove it or set rcache_dir%s",
				dir, "");
	if (st.st_mode & 077)
		return unusable(minor, "%s is open to other users; run 'chmod 700 %s'", dir, dir);
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

/* Map the cache file, creating and initialising it under an exclusive
 * flock so that no process sees it half made. */
static OM_uint32 map_cache(OM_uint32 *minor, const char *dir)
{
	char path[PATH_MAX];
	struct cache_file *c;
	struct stat st;
	OM_uint32 major;
	int fd;

	major = check_directory(minor, dir);
	if (GSS_ERROR(major))
		return major;
	if (snprintf(path, sizeof(path), "%s/" FILE_NAME, dir) >= (int)sizeof(path))
		return unusable(minor, "%s: the path is too long%s", dir, "");
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return unusable(minor, "%s cannot be opened (%s)", path, strerror(errno));
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0) {
		close(fd);
		return unusable(minor, "%s cannot be locked (%s)", path, strerror(errno));
	}
	if (st.st_uid != geteuid() || (st.st_mode & 077)) {
		close(fd);
		return unusable(minor, "%s is not the caller's private file%s", path, "");
	}
	if (st.st_size == 0 && ftruncate(fd, sizeof(struct cache_file)) != 0) {
		close(fd);
		return unusable(minor, "%s cannot be sized (%s)", path, strerror(errno));
	}
	if (st.st_size != 0 && st.st_size != (off_t)sizeof(struct cache_file)) {
		close(fd);
		return unusable(minor, "%s has an unexpected size; delete it%s", path, "");
	}
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED) {
		close(fd);
		return unusable(minor, "%s cannot be mapped (%s)", path, strerror(errno));
	}
	if (memcmp(c->magic, MAGIC, sizeof(c->magic)) != 0) {
		/* New (or never finished): initialise, the magic last. */
		memset(c, 0, offsetof(struct cache_file, slot));
		c->slots = SLOTS;
		if (init_shared_mutex(&c->lock) != 0) {
			munmap(c, sizeof(*c));
			close(fd);
			return unusable(minor, "%s: its lock cannot be made%s", path, "");
		}
		memcpy(c->magic, MAGIC, sizeof(c->magic));
	}
	close(fd);	/* the mapping stays; the flock goes with the fd */
	if (c->slots != SLOTS) {
		munmap(c, sizeof(*c));
		return unusable(minor, "%s has another layout; delete it%s", path, "");
	}
	__atomic_store_n(&mapped, c, __ATOMIC_RELEASE);
	strcpy(mapped_dir, dir);
	return sm_ok(minor);
}

static OM_uint32 cache_for(OM_uint32 *minor, const char *dir, struct cache_file **out)
{
	char deflt[PATH_MAX];
	OM_uint32 major = GSS_S_COMPLETE;

	if (dir[0] == '\0') {
		snprintf(deflt, sizeof(deflt), DEFAULT_PARENT "/gss-sodium-%u",
			 (unsigned)geteuid());
		dir = deflt;
	}
	pthread_mutex_lock(&open_lock);
	if (mapped == NULL || strcmp(mapped_dir, dir) != 0) {
		if (mapped != NULL)
			munmap(mapped, sizeof(*mapped));
		__atomic_store_n(&mapped, NULL, __ATOMIC_RELEASE);
		major = map_cache(minor, dir);
	}
	*out = mapped;
	pthread_mutex_unlock(&open_lock);
	return major;
}

/* Where an id's window starts: a 64-bit mix of all its bytes (ids share
 * a per-process prefix, so no single part of them spreads well). */
static uint32_t slot_of(const unsigned char *id)
{
	uint64_t h = 0x9e3779b97f4a7c15u;
	int i;

	for (i = 0; i < SM_RCACHE_ID_BYTES; i++) {
		h ^= id[i];
		h *= 0x100000001b3u;
	}
	h ^= h >> 32;
	return (uint32_t)(h % SLOTS);
}

void sm_rcache_prefetch(const unsigned char id[SM_RCACHE_ID_BYTES])
{
	const struct cache_file *c = __atomic_load_n(&mapped, __ATOMIC_ACQUIRE);
	const struct slot *s;

	/* A prefetch never faults, so a mapping that another thread has just
	 * replaced costs nothing but the hint. */
	if (c == NULL)
		return;
	s = &c->slot[slot_of(id)];
	__builtin_prefetch(s, 1);
	__builtin_prefetch((const char *)(s + 1) - 1, 1);
}

OM_uint32 sm_rcache_record(OM_uint32 *minor, const char *dir,
			   const unsigned char id[SM_RCACHE_ID_BYTES], time_t expires)
{
	struct cache_file *c;
	struct slot *s, *free_slot = NULL;
	int64_t now = time(NULL);
	OM_uint32 major;
	uint32_t start = slot_of(id);
	int r, seen = 0;
	unsigned i;

	major = cache_for(minor, dir, &c);
	if (GSS_ERROR(major))
		return major;
	r = pthread_mutex_lock(&c->lock);
	/* A process died holding the lock: the slots are written whole, so
	 * the table is still consistent. */
	if (r == EOWNERDEAD)
		r = pthread_mutex_consistent(&c->lock);
	if (r != 0)
		return unusable(minor, "its lock failed (%s)%s", strerror(r), "");
	for (i = 0; i < PROBE && !seen; i++) {
		s = &c->slot[(start + i) % SLOTS];
		if (s->expires >= now && memcmp(s->id, id, SM_RCACHE_ID_BYTES) == 0)
			seen = 1;
		else if (s->expires < now && free_slot == NULL)
			free_slot = s;
		if (s->expires == 0)
			break;
	}
	if (!seen && free_slot != NULL) {
		memcpy(free_slot->id, id, SM_RCACHE_ID_BYTES);
		free_slot->expires = expires;
	}
	pthread_mutex_unlock(&c->lock);
	if (seen)
		return sm_fail(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_TOKEN_REPLAYED, NULL);
	if (free_slot == NULL)
		return unusable(minor, "it is full of unexpired tokens%s%s", "", "");
	return sm_ok(minor);
}
