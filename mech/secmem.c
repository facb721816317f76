/* Pools of locked, non-dumpable memory slots for key material. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "locks.h"
#include "secmem.h"

#define CHUNK_BYTES 65536

/* One pool per slot size.  Free slots are tracked outside the slots, so a
 * released slot is all zeroes. */
struct chunk {
	struct chunk *next;
	unsigned char *base;
	int locked;
};

struct pool {
	size_t slot_size;
	struct chunk *chunks;
	unsigned char **free_stack;
	size_t free_count, free_capacity, in_use;
};

static struct pool pools[] = {
	{ SM_SECMEM_SLOT_SIZE, NULL, NULL, 0, 0, 0 },
	{ SM_SECMEM_LARGE_SLOT_SIZE, NULL, NULL, 0, 0, 0 },
};
#define POOL_COUNT (sizeof(pools) / sizeof(pools[0]))

/* Map, lock and mark one more chunk of a pool; called with SM_LOCK_SECMEM held. */
static int grow_pool(struct pool *p)
{
	size_t slots = CHUNK_BYTES / p->slot_size, i;
	unsigned char **stack;
	struct chunk *c;

	stack = realloc(p->free_stack, (p->free_capacity + slots) * sizeof(*stack));
	if (stack == NULL)
		return -1;
	p->free_stack = stack;
	p->free_capacity += slots;
	c = malloc(sizeof(*c));
	if (c == NULL)
		return -1;
	c->base = mmap(NULL, CHUNK_BYTES, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->base == MAP_FAILED) {
		free(c);
		return -1;
	}
	/* sodium_mlock() also asks the kernel to leave the pages out of core
	 * dumps.  A locking limit (RLIMIT_MEMLOCK) may refuse the lock; the
	 * pages are still wiped on release and excluded from dumps. */
	c->locked = sodium_mlock(c->base, CHUNK_BYTES) == 0;
#ifdef MADV_DONTDUMP
	madvise(c->base, CHUNK_BYTES, MADV_DONTDUMP);
#endif
	for (i = 0; i < slots; i++)
		p->free_stack[p->free_count++] = c->base + (slots - 1 - i) * p->slot_size;
	c->next = p->chunks;
	p->chunks = c;
	return 0;
}

void *sm_secmem_alloc(size_t size)
{
	unsigned char *s = NULL;
	struct pool *p = NULL;
	size_t i;

	for (i = 0; i < POOL_COUNT && p == NULL; i++)
		if (size <= pools[i].slot_size)
			p = &pools[i];
	if (p == NULL)
		return NULL;
	sm_lock_take(SM_LOCK_SECMEM);
	if (p->free_count > 0 || grow_pool(p) == 0) {
		s = p->free_stack[--p->free_count];
		p->in_use++;
	}
	sm_lock_release(SM_LOCK_SECMEM);
	return s;
}

/* The pool whose chunks hold `s`; called with SM_LOCK_SECMEM held. */
static struct pool *owner(const unsigned char *s)
{
	const struct chunk *c;
	size_t i;

	for (i = 0; i < POOL_COUNT; i++)
		for (c = pools[i].chunks; c != NULL; c = c->next)
			if (s >= c->base && s < c->base + CHUNK_BYTES)
				return &pools[i];
	return NULL;
}

void sm_secmem_free(void *ptr)
{
	unsigned char *s = ptr;
	struct pool *p;

	if (s == NULL)
		return;
	sm_lock_take(SM_LOCK_SECMEM);
	p = owner(s);
	if (p != NULL) {
		sodium_memzero(s, p->slot_size);
		p->free_stack[p->free_count++] = s;
		p->in_use--;
	}
	sm_lock_release(SM_LOCK_SECMEM);
}

size_t sm_secmem_in_use(void)
{
	size_t n = 0, i;

	sm_lock_take(SM_LOCK_SECMEM);
	for (i = 0; i < POOL_COUNT; i++)
		n += pools[i].in_use;
	sm_lock_release(SM_LOCK_SECMEM);
	return n;
}

int sm_secmem_all_locked(void)
{
	const struct chunk *c;
	int all = 1;
	size_t i;

	sm_lock_take(SM_LOCK_SECMEM);
	for (i = 0; i < POOL_COUNT; i++)
		for (c = pools[i].chunks; c != NULL; c = c->next)
			all = all && c->locked;
	sm_lock_release(SM_LOCK_SECMEM);
	return all;
}
