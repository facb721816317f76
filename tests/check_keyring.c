/* The sealing keyring: parsing, the sealing key, the per-process cache. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keyring.h"
#include "secmem.h"
#include "status.h"
#include "unit.h"

#define K1 "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define K2 "XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os="
#define T "2026-11-28T06:30:00Z"

static OM_uint32 parse(const char *text, struct sm_keyring *ring, OM_uint32 *minor)
{
	ring->count = 0;
	ring->keys = NULL;
	return sm_keyring_parse(minor, "/k", text, strlen(text), ring);
}

START_TEST(timestamps)
{
	char out[SM_TIMESTAMP_CHARS + 1];

	ck_assert_int_eq(sm_timestamp_parse(T, 20), 1795847400);
	sm_timestamp_format(1795847400, out);
	ck_assert_str_eq(out, T);
	ck_assert_int_eq(sm_timestamp_parse("2026-13-01T00:00:00Z", 20), -1);
	ck_assert_int_eq(sm_timestamp_parse("2026-02-30T00:00:00Z", 20), -1);
	ck_assert_int_eq(sm_timestamp_parse("2026-11-28 06:30:00Z", 20), -1);
	ck_assert_int_eq(sm_timestamp_parse("2026-11-28T06:30:00", 19), -1);
}
END_TEST

START_TEST(good_keyring_and_the_sealing_key)
{
	struct sm_keyring ring;
	OM_uint32 minor;

	ck_assert_int_eq(parse("# keys\n1 " K1 " " T "\n\n7 " K2 " " T " retired  # old\n"
			       "3 " K2 " " T "\r\n", &ring, &minor), GSS_S_COMPLETE);
	ck_assert_int_eq(ring.count, 3);
	ck_assert_int_eq(ring.keys[1].id, 7);
	ck_assert(ring.keys[1].retired);
	/* The highest id that is not retired seals. */
	ck_assert_int_eq(sm_keyring_sealing_key(&ring, 1795847400)->id, 3);
	ck_assert_ptr_eq(sm_keyring_find(&ring, 7), &ring.keys[1]);
	ck_assert_ptr_null(sm_keyring_find(&ring, 2));
	/* Each key and its prepared derivation are in locked memory. */
	ck_assert_int_eq(sm_secmem_in_use(), 6);
	sm_keyring_clear(&ring);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ck_assert_int_eq(parse("1 " K1 " " T " retired\n", &ring, &minor), GSS_S_COMPLETE);
	ck_assert_ptr_null(sm_keyring_sealing_key(&ring, 1795847400));
	sm_keyring_clear(&ring);
}
END_TEST

/* A key with a from= time opens at once and seals only from then on. */
START_TEST(staged_keys_seal_from_their_time)
{
	struct sm_keyring ring;
	OM_uint32 minor;
	const time_t from = 1795847400 + 600;

	ck_assert_int_eq(parse("1 " K1 " " T "\n2 " K2 " " T " from=2026-11-28T06:40:00Z\n"
			       "3 " K1 " " T " from=2026-11-28T06:50:00Z retired\n",
			       &ring, &minor), GSS_S_COMPLETE);
	ck_assert_int_eq(ring.keys[1].seals_from, from);
	ck_assert(!ring.keys[1].retired);
	ck_assert(ring.keys[2].retired);
	ck_assert_ptr_nonnull(sm_keyring_find(&ring, 2));
	ck_assert_int_eq(sm_keyring_sealing_key(&ring, from - 1)->id, 1);
	ck_assert_int_eq(sm_keyring_sealing_key(&ring, from)->id, 2);
	/* A retired key never seals, staged or not. */
	ck_assert_int_eq(sm_keyring_sealing_key(&ring, from + 3600)->id, 2);
	sm_keyring_clear(&ring);
	ck_assert_int_eq(parse("2 " K2 " " T " from=2026-11-28T06:40:00Z\n", &ring, &minor),
			 GSS_S_COMPLETE);
	ck_assert_ptr_null(sm_keyring_sealing_key(&ring, from - 1));
	sm_keyring_clear(&ring);
}
END_TEST

static const struct {
	const char *line, *says;
} bad[] = {
	{ "1 " K1, "expected 'ID KEY-BASE64 CREATED [from=TIME] [retired]'" },
	{ "0 " K1 " " T, "ID is not a number" },
	{ "01 " K1 " " T, "ID is not a number" },
	{ "4294967296 " K1 " " T, "ID is not a number" },
	{ "x " K1 " " T, "ID is not a number" },
	{ "1 notbase64 " T, "base64 form of 32 bytes" },
	{ "1 " K1 " yesterday", "UTC time" },
	{ "1 " K1 " " T " gone", "may only have 'from=TIME' and then 'retired'" },
	{ "1 " K1 " " T " retired extra", "may only have" },
	{ "1 " K1 " " T " retired from=" T, "may only have" },
	{ "1 " K1 " " T " from=", "may only have" },
	{ "1 " K1 " " T " from=soon", "from= is not a UTC time" },
	{ "1 " K1 " " T " from=" T " x retired", "expected" },
	{ "2 " K1 " " T, "given twice" },
};

START_TEST(every_bad_line_names_file_and_line)
{
	struct sm_keyring ring;
	char text[300];
	OM_uint32 minor;

	snprintf(text, sizeof(text), "2 %s %s\n%s\n", K2, T, bad[_i].line);
	ck_assert_int_eq(parse(text, &ring, &minor), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_SYNTAX);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "/k line 2: "), "%s",
		      sm_status_sentence(minor));
	ck_assert_msg(unit_contains(sm_status_sentence(minor), bad[_i].says), "%s",
		      sm_status_sentence(minor));
	ck_assert_int_eq(ring.count, 0);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(line_classifier_for_the_tool)
{
	uint32_t id;
	int retired;

	ck_assert_int_eq(sm_keyring_line("  # c", 5, &id, &retired), 0);
	ck_assert_int_eq(sm_keyring_line("", 0, &id, &retired), 0);
	ck_assert_int_eq(sm_keyring_line("9 " K1 " " T " retired", 2 + 44 + 1 + 20 + 8, &id,
					 &retired), 1);
	ck_assert_int_eq(id, 9);
	ck_assert(retired);
	ck_assert_int_eq(sm_keyring_line("9 x", 3, &id, &retired), -1);
}
END_TEST

START_TEST(readable_keyring_is_refused)
{
	struct sm_keyring ring;
	OM_uint32 minor;
	const char *path = unit_write_file("sealkeys", "1 " K1 " " T "\n", 0644);

	ck_assert_int_eq(sm_keyring_load(&minor, path, 1, &ring), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert(unit_contains(sm_status_sentence(minor), "chmod 600"));
}
END_TEST

START_TEST(cache_follows_the_file)
{
	const struct sm_keyring *a, *b, *c;
	char path[PATH_MAX];
	OM_uint32 minor;

	setenv("GSS_SODIUM_SEALKEYS", unit_write_file("sealkeys", "1 " K1 " " T "\n", 0600), 1);
	/* Start at the beginning of a second, so the steps below fall within it. */
	unit_next_second();
	ck_assert_int_eq(sm_keyring_acquire(&minor, &a, path), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_keyring_acquire(&minor, &b, path), GSS_S_COMPLETE);
	/* Unchanged file: the same shared keyring. */
	ck_assert_ptr_eq(a, b);
	ck_assert_int_eq(a->count, 1);
	unit_write_file("sealkeys", "1 " K1 " " T "\n2 " K2 " " T "\n", 0600);
	/* A process looks at the file at most once a second... */
	ck_assert_int_eq(sm_keyring_acquire(&minor, &c, path), GSS_S_COMPLETE);
	ck_assert_ptr_eq(a, c);
	sm_keyring_release(c);
	/* ...and then sees the change. */
	unit_next_second();
	ck_assert_int_eq(sm_keyring_acquire(&minor, &c, path), GSS_S_COMPLETE);
	ck_assert_ptr_ne(a, c);
	ck_assert_int_eq(c->count, 2);
	/* The old one stays valid for its holders until released. */
	ck_assert_int_eq(a->keys[0].id, 1);
	sm_keyring_release(a);
	sm_keyring_release(b);
	sm_keyring_release(c);
	/* The variable, too, is looked at once a second: a keyring named
	 * anew is read in the next second. */
	setenv("GSS_SODIUM_SEALKEYS", "/nonexistent/sealkeys", 1);
	ck_assert_int_eq(sm_keyring_acquire(&minor, &a, path), GSS_S_COMPLETE);
	ck_assert_int_eq(a->count, 2);
	sm_keyring_release(a);
	unit_next_second();
	/* A keyring the variable names must exist. */
	ck_assert_int_eq(sm_keyring_acquire(&minor, &a, path), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
}
END_TEST

/* The cache serves a reading only while the caller trusts the file's
 * owner: read while the process ran as the owner (uid 1234), it is not
 * served to root at the next look.  (Root only: it takes chown and
 * seteuid; this test runs in a child of its own.) */
START_TEST(cache_serves_only_callers_that_trust_the_owner)
{
	const struct sm_keyring *ring;
	char path[PATH_MAX], dir[PATH_MAX];
	OM_uint32 minor;

	strcpy(path, unit_write_file("sealkeys", "1 " K1 " " T "\n", 0600));
	ck_assert_int_eq(chown(path, 1234, 0), 0);
	setenv("GSS_SODIUM_SEALKEYS", path, 1);
	strcpy(dir, unit_tmpdir());
	ck_assert_int_eq(chmod(dir, 0711), 0);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(chmod(dir, 0711), 0);
	ck_assert_int_eq(seteuid(1234), 0);
	ck_assert_int_eq(sm_keyring_acquire(&minor, &ring, path), GSS_S_COMPLETE);
	sm_keyring_release(ring);
	ck_assert_int_eq(seteuid(0), 0);
	unit_next_second();
	ck_assert_int_eq(sm_keyring_acquire(&minor, &ring, path), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert(unit_contains(sm_status_sentence(minor), "uid 1234"));
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("keyring");
	TCase *t = tcase_create("keyring");

	tcase_add_test(t, timestamps);
	tcase_add_test(t, good_keyring_and_the_sealing_key);
	tcase_add_test(t, staged_keys_seal_from_their_time);
	tcase_add_loop_test(t, every_bad_line_names_file_and_line, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(t, line_classifier_for_the_tool);
	tcase_add_test(t, readable_keyring_is_refused);
	tcase_add_test(t, cache_follows_the_file);
	if (geteuid() == 0)
		tcase_add_test(t, cache_serves_only_callers_that_trust_the_owner);
	else {
		/* A TAP comment, so that the log shows what was left out. */
		printf("# not run without root: cache_serves_only_callers_that_trust_the_owner "
		       "(it chowns a file and changes the effective uid)\n");
		fflush(stdout);
	}
	suite_add_tcase(s, t);
	return s;
}
