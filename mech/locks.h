/*
 * The module's process-local locks, safe across fork().
 *
 * A fork() while another thread holds a mutex gives the child a copy that
 * is held by a thread the child does not have, and the child's first use
 * of it hangs.  So every lock is taken around fork() (pthread_atfork), in
 * the order of this enum, and released on both sides.  The order is also
 * the nesting rule: while holding one lock, take only locks listed after
 * it (the replay cache's handle table reads settings, which reads files;
 * the ticket store takes locked memory).
 */
#ifndef SM_LOCKS_H
#define SM_LOCKS_H

enum sm_lock {
	SM_LOCK_RCACHE_HANDLES,
	SM_LOCK_TICKETS,
	SM_LOCK_FILE_READINGS,
	SM_LOCK_STATIC_DH,
	SM_LOCK_SECMEM,
	SM_LOCK_COUNT
};

void sm_lock_take(enum sm_lock lock);
void sm_lock_release(enum sm_lock lock);

#endif
