/* Locked memory: zeroed, wiped on release, locked, out of core dumps. */
#include "config.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

Suite *unit_suite(void)
{
	Suite *s = suite_create("secmem");
	TCase *t = tcase_create("secmem");

	tcase_add_test(t, slots_start_zeroed_and_are_wiped_on_release);
	tcase_add_test(t, large_slots_and_oversized_requests);
	tcase_add_test(t, pages_are_locked_and_left_out_of_core_dumps);
	tcase_add_test(t, the_pool_grows_past_one_chunk);
	tcase_add_test(t, threads_share_the_pool);
	suite_add_tcase(s, t);
	return s;
}
