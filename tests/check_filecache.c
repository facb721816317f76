/* The one rule for when a kept file is read again (filecache.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "filecache.h"
#include "status.h"
#include "unit.h"

/* A reading of these test kinds is the file's text; the counters show
 * when the cache read a file and when it released a reading. */
struct text_reading {
	char text[64];
};

static unsigned reads, clears;

static OM_uint32 parse_text(OM_uint32 *minor, enum sm_file which, const char *path,
			    const char *text, size_t len, void *reading)
{
	struct text_reading *r = reading;

	snprintf(r->text, sizeof(r->text), "%.*s", (int)len, text);
	reads++;
	return sm_ok(minor);
}

static void clear_text(void *reading)
{
	clears++;
}

/* Looked at every use, as the key files are; and once a second, as the
 * keyring is. */
static const struct sm_fcache_kind every_use = {
	SM_FILE_PEERS, 0, sizeof(struct text_reading), parse_text, clear_text
};
static const struct sm_fcache_kind each_second = {
	SM_FILE_PEERS, 1, sizeof(struct text_reading), parse_text, clear_text
};

static const struct text_reading *take(const struct sm_fcache_kind *kind, const char *path)
{
	const void *reading;
	OM_uint32 minor;

	ck_assert_int_eq(sm_fcache_take(&minor, kind, path, 1, NULL, &reading),
			 GSS_S_COMPLETE);
	return reading;
}

/* Take the reading of `path` twice and give both back: was it the same
 * reading both times? */
static int taken_once(const struct sm_fcache_kind *kind, const char *path)
{
	const struct text_reading *a = take(kind, path), *b = take(kind, path);
	int same = a == b;

	sm_fcache_give_back(a);
	sm_fcache_give_back(b);
	return same;
}

/* Replace `path` by a new file through a rename, as the tool does. */
static void replace(const char *path, const char *text)
{
	ck_assert_int_eq(rename(unit_write_file("peers.new", text, 0644), path), 0);
}

/* Wait until the file at `path` last changed SM_FCACHE_SETTLE_SECONDS ago. */
static void wait_until_settled(const char *path)
{
	struct stat st;

	ck_assert_int_eq(stat(path, &st), 0);
	while (time(NULL) - st.st_ctim.tv_sec < SM_FCACHE_SETTLE_SECONDS)
		usleep(100 * 1000);
}

START_TEST(a_replaced_file_is_seen_within_a_second)
{
	const struct text_reading *a, *b, *c;
	char path[PATH_MAX];

	strcpy(path, unit_write_file("peers", "one", 0644));
	unit_next_second();
	a = take(&each_second, path);
	ck_assert_str_eq(a->text, "one");
	replace(path, "two");
	/* Not looked at again within the second: the same reading... */
	b = take(&each_second, path);
	ck_assert_ptr_eq(a, b);
	ck_assert_uint_eq(reads, 1);
	/* ...and in the next second the new file. */
	unit_next_second();
	c = take(&each_second, path);
	ck_assert_str_eq(c->text, "two");
	ck_assert_uint_eq(reads, 2);
	/* The old reading stays whole for its holders, and is released with
	 * the last of them. */
	ck_assert_str_eq(a->text, "one");
	sm_fcache_give_back(a);
	ck_assert_uint_eq(clears, 0);
	sm_fcache_give_back(b);
	ck_assert_uint_eq(clears, 1);
	sm_fcache_give_back(c);
	ck_assert_uint_eq(clears, 1);
}
END_TEST

START_TEST(an_unchanged_file_is_not_read_again)
{
	const struct text_reading *a;
	char path[PATH_MAX];

	strcpy(path, unit_write_file("peers", "one", 0644));
	wait_until_settled(path);
	ck_assert(taken_once(&every_use, path));
	ck_assert_uint_eq(reads, 1);
	/* Looked at every use: a change is read at the next one. */
	replace(path, "two");
	a = take(&every_use, path);
	ck_assert_str_eq(a->text, "two");
	ck_assert_uint_eq(reads, 2);
	ck_assert_uint_eq(clears, 1);
	sm_fcache_give_back(a);
}
END_TEST

/* A file changed within SM_FCACHE_SETTLE_SECONDS might change again with
 * every stat field as it was: what was read of it is not kept. */
START_TEST(a_file_just_changed_is_read_at_every_use)
{
	char path[PATH_MAX];

	strcpy(path, unit_write_file("peers", "one", 0644));
	ck_assert(!taken_once(&every_use, path));
	ck_assert_uint_eq(reads, 2);
	ck_assert_uint_eq(clears, 2);
}
END_TEST

START_TEST(a_file_that_fails_the_rules_is_not_served)
{
	const struct text_reading *a;
	const void *reading;
	char path[PATH_MAX];
	OM_uint32 minor;

	strcpy(path, unit_write_file("peers", "one", 0644));
	wait_until_settled(path);
	a = take(&every_use, path);
	sm_fcache_give_back(a);
	/* Every look applies the rules of every reading... */
	ck_assert_int_eq(chmod(path, 0664), 0);
	ck_assert_int_eq(sm_fcache_take(&minor, &every_use, path, 1, NULL, &reading),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert_uint_eq(clears, 1);
	/* ...and a missing file reads as nothing, or fails if it must exist. */
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_int_eq(sm_fcache_take(&minor, &every_use, path, 0, NULL, &reading),
			 GSS_S_COMPLETE);
	ck_assert_str_eq(((const struct text_reading *)reading)->text, "");
	sm_fcache_give_back(reading);
	ck_assert_int_eq(sm_fcache_take(&minor, &every_use, path, 1, NULL, &reading),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert_uint_eq(reads, 1);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("filecache");
	TCase *t = tcase_create("filecache");

	tcase_add_test(t, a_replaced_file_is_seen_within_a_second);
	tcase_add_test(t, an_unchanged_file_is_not_read_again);
	tcase_add_test(t, a_file_just_changed_is_read_at_every_use);
	tcase_add_test(t, a_file_that_fails_the_rules_is_not_served);
	tcase_set_timeout(t, 20);
	suite_add_tcase(s, t);
	return s;
}
