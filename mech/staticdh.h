/*
 * The static-static DH of the pairs of keys met lately.
 *
 * IK's ss token is DH(local static, remote static): it depends on the two
 * static keys alone, yet both ends computed it at every handshake, 2 of a
 * full handshake's 10 X25519 operations.  As WireGuard keeps each peer's
 * precomputed static-static, the handshake keeps the result for the last
 * SM_STATIC_DH_PAIRS pairs it met, in one locked allocation, and a new
 * pair takes the place of the one used least recently.
 *
 * A kept result is worth either private key against that one peer, and it
 * lives in the process that holds the private key.  Its pairs are keyed by
 * public keys, so the pairs of a replaced key are no longer asked for;
 * they stay until newer pairs push them out (gss_sodium(7) says so).  Any
 * peer may fill a place (an acceptor learns the initiator's key before it
 * knows whether the peers file trusts it); the worst a stream of strangers
 * can do is evict the known pairs, which then cost the 2 operations again.
 */
#ifndef SM_STATIC_DH_H
#define SM_STATIC_DH_H

#include <stddef.h>

#define SM_STATIC_DH_PAIRS 64
#define SM_STATIC_DH_BYTES 32

/* Copy the kept DH of (local_pub, remote_pub) to `shared`: 1, else 0. */
int sm_static_dh_find(const unsigned char local_pub[SM_STATIC_DH_BYTES],
		      const unsigned char remote_pub[SM_STATIC_DH_BYTES],
		      unsigned char shared[SM_STATIC_DH_BYTES]);

/* Keep `shared` as the DH of the pair; nothing happens when no locked
 * memory can be had. */
void sm_static_dh_keep(const unsigned char local_pub[SM_STATIC_DH_BYTES],
		       const unsigned char remote_pub[SM_STATIC_DH_BYTES],
		       const unsigned char shared[SM_STATIC_DH_BYTES]);

/* For tests: how many finds have succeeded, and forget every pair. */
unsigned long sm_static_dh_hits(void);
void sm_static_dh_forget(void);

#endif
