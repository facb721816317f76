/* Locked memory: zeroed, wiped on release, locked, out of core dumps;
 * and the module's locks (locks.h) free in a child forked while held. */
#include "config.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "locks.h"
#include "secmem.h"
#include "unit.h"

START_TEST(slots_start_zeroed_and_are_wiped_on_release)
{
	unsigned char *p = sm_secmem_alloc(SM_SECMEM_SLOT_SIZE);

	ck_assert_ptr_nonnull(p);
	ck_assert(unit_all_zero(p, SM_SECMEM_SLOT_SIZE));
	memset(p, 0xa5, SM_SECMEM_SLOT_SIZE);
	ck_assert_int_eq(sm_secmem_in_use(), 1);
	sm_secmem_free(p);
	/* The pool keeps its pages mapped: the old bytes can be inspected. */
	ck_assert(unit_all_zero(p, SM_SECMEM_SLOT_SIZE));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	sm_secmem_free(NULL);
}
END_TEST

START_TEST(large_slots_and_oversized_requests)
{
	unsigned char *big = sm_secmem_alloc(SM_SECMEM_SLOT_SIZE + 1);

	ck_assert_ptr_nonnull(big);
	memset(big, 0x77, SM_SECMEM_LARGE_SLOT_SIZE);
	sm_secmem_free(big);
	ck_assert(unit_all_zero(big, SM_SECMEM_LARGE_SLOT_SIZE));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ck_assert_ptr_null(sm_secmem_alloc(SM_SECMEM_LARGE_SLOT_SIZE + 1));
}
END_TEST


START_TEST(pages_are_locked_and_left_out_of_core_dumps)
{
	unsigned char *p = sm_secmem_alloc(32);
	char flags[256];

	ck_assert(unit_mapping_flags(p, flags, sizeof(flags)));
	ck_assert_msg(unit_contains(flags, " dd"), "not excluded from dumps: %s", flags);
	ck_assert_msg(sm_secmem_all_locked(), "the pool could not be locked (RLIMIT_MEMLOCK?)");
#ifndef UNIT_UNDER_ASAN	/* the build without sanitizers checks the lock */
	ck_assert_msg(unit_contains(flags, " lo"), "not locked: %s", flags);
#endif
	sm_secmem_free(p);
}
END_TEST

START_TEST(the_pool_grows_past_one_chunk)
{
	enum { N = 2000 };
	unsigned char **slots = calloc(N, sizeof(*slots));
	size_t i, j;

	for (i = 0; i < N; i++) {
		slots[i] = sm_secmem_alloc(32);
		ck_assert_ptr_nonnull(slots[i]);
		memset(slots[i], (int)(i & 0xff) | 1, 32);
	}
	ck_assert_int_eq(sm_secmem_in_use(), N);
	/* No two allocations overlap. */
	for (i = 0; i < N; i += 97)
		for (j = 0; j < 32; j++)
			ck_assert_int_eq(slots[i][j], (int)(i & 0xff) | 1);
	for (i = 0; i < N; i++)
		sm_secmem_free(slots[i]);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ck_assert(sm_secmem_all_locked());
	free(slots);
}
END_TEST

/* Returned by a thread that could not get a slot. */
static int churn_failed;

static void *churn(void *arg)
{
	unsigned char *held[16];
	int round, i;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < 16; i++) {
			held[i] = sm_secmem_alloc(32);
			if (held[i] == NULL)
				return &churn_failed;
			memset(held[i], 0x5a, 32);
		}
		for (i = 0; i < 16; i++)
			sm_secmem_free(held[i]);
	}
	return NULL;
}

START_TEST(threads_share_the_pool)
{
	pthread_t threads[4];
	void *failed;
	int i;

	for (i = 0; i < 4; i++)
		pthread_create(&threads[i], NULL, churn, NULL);
	for (i = 0; i < 4; i++) {
		pthread_join(threads[i], &failed);
		ck_assert_ptr_null(failed);
	}
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

static volatile int stop_churning;

static void *churn_until_stopped(void *arg)
{
	(void)arg;
	unsigned n = 0;

	/* The yield lets the forking thread have the lock now and then even
	 * where threads take turns (valgrind). */
	while (!stop_churning) {
		sm_secmem_free(sm_secmem_alloc(32));
		if (++n % 64 == 0)
			sched_yield();
	}
	return NULL;
}

/* A process may fork while another of its threads is inside the pool; the
 * child, which has only the forking thread, must still find the pool's
 * lock free.  Each child allocates under a 2-second alarm, so a lock
 * copied while held shows as a child killed by SIGALRM, not as a hang. */
START_TEST(a_fork_during_use_leaves_the_child_a_working_pool)
{
	pthread_t thread;
	int i, status, hung = 0;

	stop_churning = 0;
	pthread_create(&thread, NULL, churn_until_stopped, NULL);
	for (i = 0; i < 200 && !hung; i++) {
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			signal(SIGALRM, SIG_DFL);	/* not Check's handler */
			alarm(2);
			sm_secmem_free(sm_secmem_alloc(32));
			_exit(0);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		hung += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	stop_churning = 1;
	pthread_join(thread, NULL);
	ck_assert_int_eq(hung, 0);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

struct held_lock {
	enum sm_lock lock;
	pthread_mutex_t mutex;
	pthread_cond_t taken;
	int is_taken;
};

static void *hold_for_a_while(void *arg)
{
	struct held_lock *h = arg;
	struct timespec pause = { 0, 100 * 1000 * 1000 };

	sm_lock_take(h->lock);
	pthread_mutex_lock(&h->mutex);
	h->is_taken = 1;
	pthread_cond_signal(&h->taken);
	pthread_mutex_unlock(&h->mutex);
	nanosleep(&pause, NULL);
	sm_lock_release(h->lock);
	return NULL;
}

/* The same for each of the module's locks, without leaving it to chance:
 * another thread holds the lock when fork() is called, and the child takes
 * it under an alarm.  fork() waits for the lock; the child finds it free. */
START_TEST(every_lock_held_at_fork_is_free_in_the_child)
{
	struct held_lock h = { (enum sm_lock)_i, PTHREAD_MUTEX_INITIALIZER,
			       PTHREAD_COND_INITIALIZER, 0 };
	pthread_t thread;
	int status;
	pid_t pid;

	pthread_create(&thread, NULL, hold_for_a_while, &h);
	pthread_mutex_lock(&h.mutex);
	while (!h.is_taken)
		pthread_cond_wait(&h.taken, &h.mutex);
	pthread_mutex_unlock(&h.mutex);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		signal(SIGALRM, SIG_DFL);
		alarm(2);
		sm_lock_take(h.lock);
		sm_lock_release(h.lock);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	pthread_join(thread, NULL);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "lock %d: the child hung on it", _i);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("secmem");
	TCase *t = tcase_create("secmem");

	tcase_add_test(t, slots_start_zeroed_and_are_wiped_on_release);
	tcase_add_test(t, large_slots_and_oversized_requests);
	tcase_add_test(t, pages_are_locked_and_left_out_of_core_dumps);
	tcase_add_test(t, the_pool_grows_past_one_chunk);
	tcase_add_test(t, threads_share_the_pool);
	tcase_add_test(t, a_fork_during_use_leaves_the_child_a_working_pool);
	tcase_add_loop_test(t, every_lock_held_at_fork_is_free_in_the_child, 0, SM_LOCK_COUNT);
	tcase_set_timeout(t, 20);
	suite_add_tcase(s, t);
	return s;
}
