/* Minor status sentences: one for every code, details per thread. */
#include "config.h"

#include <pthread.h>
#include <string.h>

#include "status.h"
#include "unit.h"

START_TEST(every_code_has_a_sentence)
{
	OM_uint32 code;

	for (code = GSS_SODIUM_MINOR_BASE + 1; code < GSS_SODIUM_MINOR_END; code++) {
		const char *s = sm_status_generic(code);

		ck_assert_msg(s != NULL, "code %u has no sentence", code);
		ck_assert_msg(strncmp(s, "gss-sodium: ", 12) == 0 && strlen(s) > 20,
			      "code %u: '%s'", code, s);
	}
	ck_assert_ptr_null(sm_status_generic(GSS_SODIUM_MINOR_BASE));
	ck_assert_ptr_null(sm_status_generic(GSS_SODIUM_MINOR_END));
	ck_assert_ptr_null(sm_status_generic(12345));
}
END_TEST

START_TEST(details_belong_to_the_last_failure)
{
	OM_uint32 minor;

	ck_assert_int_eq(sm_fail(&minor, GSS_S_NO_CRED, GSS_SODIUM_S_FILE_MISSING,
				 "%s: gone", "/x/keytab"), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert_str_eq(sm_status_sentence(minor), "gss-sodium: /x/keytab: gone");
	/* Another code shows its generic sentence. */
	ck_assert_str_eq(sm_status_sentence(GSS_SODIUM_S_NO_MEMORY),
			 sm_status_generic(GSS_SODIUM_S_NO_MEMORY));
	ck_assert_int_eq(sm_ok(&minor), GSS_S_COMPLETE);
	ck_assert_int_eq(minor, 0);
}
END_TEST

static void *fail_elsewhere(void *arg)
{
	OM_uint32 minor;

	sm_fail(&minor, GSS_S_FAILURE, GSS_SODIUM_S_FILE_MISSING, "another thread's file");
	return NULL;
}

START_TEST(details_are_per_thread)
{
	pthread_t thread;
	OM_uint32 minor;

	sm_fail(&minor, GSS_S_FAILURE, GSS_SODIUM_S_FILE_MISSING, "this thread's file");
	pthread_create(&thread, NULL, fail_elsewhere, NULL);
	pthread_join(thread, NULL);
	ck_assert_str_eq(sm_status_sentence(minor), "gss-sodium: this thread's file");
}
END_TEST

START_TEST(quote_escapes_and_cuts)
{
	char buf[SM_QUOTE_MAX], long_text[300];

	ck_assert_str_eq(sm_quote("a\tb\\c\xff", 6, buf, sizeof(buf)), "a\\x09b\\x5cc\\xff");
	memset(long_text, 'x', sizeof(long_text));
	sm_quote(long_text, sizeof(long_text), buf, sizeof(buf));
	ck_assert_uint_lt(strlen(buf), SM_QUOTE_MAX);
	ck_assert(unit_contains(buf, "xxx..."));
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("status");
	TCase *t = tcase_create("status");

	tcase_add_test(t, every_code_has_a_sentence);
	tcase_add_test(t, details_belong_to_the_last_failure);
	tcase_add_test(t, details_are_per_thread);
	tcase_add_test(t, quote_escapes_and_cuts);
	suite_add_tcase(s, t);
	return s;
}
