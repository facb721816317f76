/*
 * The import-once replay cache: RFC 2743's single active instantiation of
 * an exported context, across processes.  A file mapped by every process
 * of a uid holds token ids with their expiry, under a process-shared
 * mutex, so recording an import costs no system call.
 */
#ifndef SM_RCACHE_H
#define SM_RCACHE_H

#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#define SM_RCACHE_ID_BYTES 16

/*
 * Record `id`, valid until `expires`, in the cache in `dir` ("" for the
 * per-uid default under /var/tmp).  GSS_S_COMPLETE the first time;
 * GSS_S_UNAUTHORIZED when the id is already recorded and not expired;
 * GSS_S_FAILURE, with a sentence, when the cache cannot be used.
 */
OM_uint32 sm_rcache_record(OM_uint32 *minor, const char *dir,
			   const unsigned char id[SM_RCACHE_ID_BYTES], time_t expires);

/*
 * Start loading the memory where `id` would be recorded, so that
 * recording it later does not wait for it; a hint that does nothing until
 * a first record has mapped the cache.
 */
void sm_rcache_prefetch(const unsigned char id[SM_RCACHE_ID_BYTES]);

#endif
