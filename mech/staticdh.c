/* The static-static DH of recent pairs of keys (see staticdh.h). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "locks.h"
#include "staticdh.h"

struct pair {
	unsigned char local_pub[SM_STATIC_DH_BYTES];
	unsigned char remote_pub[SM_STATIC_DH_BYTES];
	unsigned long last_used;	/* 0: the place is free */
};

static struct pair pairs[SM_STATIC_DH_PAIRS];
/* The DH of pairs[i] at shared[i]: locked, guarded, left out of dumps. */
static unsigned char (*shared_of)[SM_STATIC_DH_BYTES];
static unsigned long use_clock, hits;

/* The place of the pair, or -1; SM_LOCK_STATIC_DH held. */
static int find(const unsigned char *local_pub, const unsigned char *remote_pub)
{
	int i;

	for (i = 0; i < SM_STATIC_DH_PAIRS; i++)
		if (pairs[i].last_used != 0 &&
		    memcmp(pairs[i].remote_pub, remote_pub, SM_STATIC_DH_BYTES) == 0 &&
		    memcmp(pairs[i].local_pub, local_pub, SM_STATIC_DH_BYTES) == 0)
			return i;
	return -1;
}

int sm_static_dh_find(const unsigned char local_pub[SM_STATIC_DH_BYTES],
		      const unsigned char remote_pub[SM_STATIC_DH_BYTES],
		      unsigned char shared[SM_STATIC_DH_BYTES])
{
	int i;

	sm_lock_take(SM_LOCK_STATIC_DH);
	i = find(local_pub, remote_pub);
	if (i >= 0) {
		memcpy(shared, shared_of[i], SM_STATIC_DH_BYTES);
		pairs[i].last_used = ++use_clock;
		hits++;
	}
	sm_lock_release(SM_LOCK_STATIC_DH);
	return i >= 0;
}

void sm_static_dh_keep(const unsigned char local_pub[SM_STATIC_DH_BYTES],
		       const unsigned char remote_pub[SM_STATIC_DH_BYTES],
		       const unsigned char shared[SM_STATIC_DH_BYTES])
{
	int i, slot = 0;

	sm_lock_take(SM_LOCK_STATIC_DH);
	if (shared_of == NULL)
		shared_of = sodium_malloc(sizeof(*shared_of) * SM_STATIC_DH_PAIRS);
	if (shared_of != NULL && find(local_pub, remote_pub) < 0) {
		for (i = 1; i < SM_STATIC_DH_PAIRS; i++)
			if (pairs[i].last_used < pairs[slot].last_used)
				slot = i;
		memcpy(pairs[slot].local_pub, local_pub, SM_STATIC_DH_BYTES);
		memcpy(pairs[slot].remote_pub, remote_pub, SM_STATIC_DH_BYTES);
		memcpy(shared_of[slot], shared, SM_STATIC_DH_BYTES);
		pairs[slot].last_used = ++use_clock;
	}
	sm_lock_release(SM_LOCK_STATIC_DH);
}

unsigned long sm_static_dh_hits(void)
{
	unsigned long n;

	sm_lock_take(SM_LOCK_STATIC_DH);
	n = hits;
	sm_lock_release(SM_LOCK_STATIC_DH);
	return n;
}

void sm_static_dh_forget(void)
{
	sm_lock_take(SM_LOCK_STATIC_DH);
	if (shared_of != NULL)
		sodium_memzero(shared_of, sizeof(*shared_of) * SM_STATIC_DH_PAIRS);
	memset(pairs, 0, sizeof(pairs));
	sm_lock_release(SM_LOCK_STATIC_DH);
}
