/* A pool of locked, non-dumpable memory slots for key material. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <sodium.h>

#include "secmem.h"

#define SLOTS_PER_CHUNK 512

struct slot {
	unsigned char bytes[SM_SECMEM_SLOT_SIZE];
};

struct chunk {
	struct chunk *next;
	int locked;
	struct slot slots[SLOTS_PER_CHUNK];
};

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static struct chunk *chunks;
/* Free slots are tracked outside the slots, so a released slot is all
 * zeroes. */
static struct slot **free_stack;
static size_t free_count, free_capacity;
static size_t slots_in_use;

/* Map, lock and mark one more chunk; called with pool_lock held. */
static int grow_pool(void)
{
	struct chunk *c;
	struct slot **stack;
	size_t i;

	stack = realloc(free_stack, (free_capacity + SLOTS_PER_CHUNK) * sizeof(*stack));
	if (stack == NULL)
		return -1;
	free_stack = stack;
	free_capacity += SLOTS_PER_CHUNK;
	c = mmap(NULL, sizeof(*c), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c == MAP_FAILED)
		return -1;
	/* sodium_mlock() also asks the kernel to leave the pages out of core
	 * dumps.  A locking limit (RLIMIT_MEMLOCK) may refuse the lock; the
	 * pages are still wiped on release and excluded from dumps. */
	c->locked = sodium_mlock(c, sizeof(*c)) == 0;
#ifdef MADV_DONTDUMP
	madvise(c, sizeof(*c), MADV_DONTDUMP);
#endif
	for (i = 0; i < SLOTS_PER_CHUNK; i++)
		free_stack[free_count++] = &c->slots[SLOTS_PER_CHUNK - 1 - i];
	c->next = chunks;
	chunks = c;
	return 0;
}

void *sm_secmem_alloc(size_t size)
{
	struct slot *s = NULL;

	if (size > SM_SECMEM_SLOT_SIZE)
		return NULL;
	pthread_mutex_lock(&pool_lock);
	if (free_count > 0 || grow_pool() == 0) {
		s = free_stack[--free_count];
		slots_in_use++;
	}
	pthread_mutex_unlock(&pool_lock);
	if (s != NULL)
		sodium_memzero(s, sizeof(*s));
	return s;
}

void sm_secmem_free(void *p)
{
	struct slot *s = p;

	if (s == NULL)
		return;
	sodium_memzero(s, sizeof(*s));
	pthread_mutex_lock(&pool_lock);
	free_stack[free_count++] = s;
	slots_in_use--;
	pthread_mutex_unlock(&pool_lock);
}

size_t sm_secmem_in_use(void)
{
	size_t n;

	pthread_mutex_lock(&pool_lock);
	n = slots_in_use;
	pthread_mutex_unlock(&pool_lock);
	return n;
}

int sm_secmem_all_locked(void)
{
	const struct chunk *c;
	int all = 1;

	pthread_mutex_lock(&pool_lock);
	for (c = chunks; c != NULL; c = c->next)
		all = all && c->locked;
	pthread_mutex_unlock(&pool_lock);
	return all;
}
