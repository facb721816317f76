/*
 * Replay caches: "has this id been seen before?" answered once per key
 * file on a host.  Every process that uses a key file (the sealing
 * keyring for import-once, a keytab for handshakes) shares one cache file
 * under rcache_dir, mapped shared, so that recording an id costs no system
 * call.  A cache that cannot be used refuses: it fails closed, with a
 * sentence, never with a signal.
 */
#ifndef SM_RCACHE_H
#define SM_RCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "settings.h"

#define SM_RCACHE_ID_MIN 16
#define SM_RCACHE_ID_MAX 32
/* What names the key a shared (Redis) record belongs to: a hash of the
 * sealing key, or the acceptor key's hint. */
#define SM_RCACHE_SCOPE_BYTES 8

/* What a cache records; each use has a file of its own per key file. */
enum sm_rcache_use {
	SM_RCACHE_IMPORT,	/* exported-token ids, per sealing keyring */
	SM_RCACHE_HANDSHAKE	/* initiators' ephemeral keys, per keytab */
};

/* Each use's word, which names its cache files and shared records and the
 * operation a refusal stops ("import", "handshake"), and its cache's name
 * in sentences; indexed by enum sm_rcache_use. */
struct sm_rcache_use_names {
	const char *word, *cache;
};
extern const struct sm_rcache_use_names sm_rcache_uses[];

enum sm_rcache_verdict {
	SM_RCACHE_NEW,		/* recorded now */
	SM_RCACHE_SEEN,		/* recorded before and not expired */
	SM_RCACHE_TOO_OLD	/* expires before the cache's clock */
};

struct sm_rcache_answer {
	enum sm_rcache_verdict verdict;
	/* The cache's high-water clock: the latest `now` any process gave it,
	 * which is later than this process's when the clock was stepped back. */
	time_t clock;
};

/*
 * Where an id goes in a cache, found ahead of recording it: the cache is
 * looked up, the id hashed and its buckets loaded while the caller does
 * other work (an import opens the box meanwhile).  A probe holds a
 * reference to the cache until it is recorded or released.
 */
struct sm_rcache_probe {
	void *cache;		/* NULL: nothing found ahead */
	uint64_t bucket;
	unsigned char tag[12];
};

/* Best effort: a cache that cannot be used now leaves probe->cache NULL,
 * and sm_rcache_record says why. */
void sm_rcache_prefetch(enum sm_rcache_use use, const char *key_file, const unsigned char *id,
			size_t id_len, struct sm_rcache_probe *probe);
void sm_rcache_release(struct sm_rcache_probe *probe);

/*
 * Record `id` (SM_RCACHE_ID_MIN to SM_RCACHE_ID_MAX bytes) until `expires`
 * in the `use` cache of the key file `key_file` (on a shared server: of
 * the key `scope` names), with `now` the caller's single reading of the
 * clock; `probe`, from sm_rcache_prefetch of the same id and key file, or
 * NULL, is released.  An id whose `expires` lies before the cache's clock
 * is not recorded (SM_RCACHE_TOO_OLD): a record that old may already have
 * been reclaimed.  GSS_S_FAILURE, with a sentence naming the file or
 * server and the fix, when the cache cannot be used or is full.
 */
OM_uint32 sm_rcache_record(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			   const unsigned char scope[SM_RCACHE_SCOPE_BYTES],
			   const unsigned char *id, size_t id_len, time_t now, time_t expires,
			   struct sm_rcache_probe *probe, struct sm_rcache_answer *answer)
	__attribute__((warn_unused_result));

/* The same on the Redis server of replay_cache (rcache_redis.c). */
OM_uint32 sm_rcache_redis_record(OM_uint32 *minor, enum sm_rcache_use use,
				 const unsigned char scope[SM_RCACHE_SCOPE_BYTES],
				 const unsigned char *id, size_t id_len, time_t now, time_t expires,
				 struct sm_rcache_answer *answer)
	__attribute__((warn_unused_result));

/* One PING to the Redis server of `s` over the process's connection, as
 * 'gss-sodium check' and the benchmarks use it. */
OM_uint32 sm_rcache_redis_ping(OM_uint32 *minor, const struct sm_settings *s)
	__attribute__((warn_unused_result));

/*
 * For 'gss-sodium check': is the `use` cache of `key_file` in `rcache_dir`
 * (the setting; "" for the default) usable as it stands?  Makes nothing.
 * On success `path` (PATH_MAX) names the cache file and *size is its size,
 * or, when it is not made yet (an import would make the file, and the
 * directory too if its parent lets it), `path` names the directory and
 * *size is -1.
 */
OM_uint32 sm_rcache_inspect(OM_uint32 *minor, enum sm_rcache_use use, const char *key_file,
			    const char *rcache_dir, char *path, long long *size)
	__attribute__((warn_unused_result));

/* The directory of the caches when rcache_dir is not set. */
extern const char sm_rcache_default_dir[];

#endif
