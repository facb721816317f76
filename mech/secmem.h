/*
 * Locked memory for key material.
 *
 * Keys live in fixed-size slots carved from chunks that are mapped once,
 * locked into RAM and excluded from core dumps; a slot is wiped when it is
 * released.  Taking and returning a slot makes no system call, so contexts
 * can be created and destroyed at the rate of a few microseconds.
 */
#ifndef SM_SECMEM_H
#define SM_SECMEM_H

#include <stddef.h>

/* Slot sizes: keys, and serialized context state. */
#define SM_SECMEM_SLOT_SIZE 128
#define SM_SECMEM_LARGE_SLOT_SIZE 1024

/* A zeroed slot of at least `size` bytes (size <= SM_SECMEM_LARGE_SLOT_SIZE),
 * or NULL when size is too large or no memory could be mapped. */
void *sm_secmem_alloc(size_t size);

/* Wipe the whole slot and return it to its pool; NULL is ignored. */
void sm_secmem_free(void *p);

/* Statistics for tests: slots in use, and whether every chunk is locked. */
size_t sm_secmem_in_use(void);
int sm_secmem_all_locked(void);

#endif
