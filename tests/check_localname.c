/* Local accounts: the localname setting, the map file, and refusals. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "localname.h"
#include "names.h"
#include "oids.h"
#include "status.h"
#include "unit.h"

/* Settings (and a map, if not NULL) for this test process: each test runs
 * in a child of its own, which reads the settings once. */
static void use_settings(const char *settings, const char *map, mode_t map_mode)
{
	setenv("GSS_SODIUM_CONF", unit_write_file("sodium.conf", settings, 0644), 1);
	if (map != NULL)
		setenv("GSS_SODIUM_LOCALNAMES", unit_write_file("localnames", map, map_mode), 1);
}

static struct sm_name *name(const char *text, gss_OID type)
{
	gss_buffer_desc buf = { strlen(text), (void *)text };
	struct sm_name *n = NULL;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_import(&minor, &buf, type, &n), GSS_S_COMPLETE);
	return n;
}

/* The account `who` maps to, or NULL with *major and *minor set. */
static char *local_of(const char *who, gss_OID type, OM_uint32 *major, OM_uint32 *minor)
{
	struct sm_name *n = type == &sm_nt_anonymous ? NULL : name(who, type);
	gss_buffer_desc out = { 0, NULL };
	char *s = NULL;

	if (n == NULL)
		ck_assert_int_eq(sm_name_anonymous(minor, &n), GSS_S_COMPLETE);
	*major = sm_localname(minor, n, &out);
	if (*major == GSS_S_COMPLETE) {
		s = strndup(out.value, out.length);
		free(out.value);
	} else {
		ck_assert_ptr_null(out.value);
	}
	sm_name_free(&n);
	return s;
}

static OM_uint32 authorize(const char *who, gss_OID type, const char *account,
			   gss_OID account_type, OM_uint32 *minor)
{
	struct sm_name *n = name(who, type);
	gss_buffer_desc user = { strlen(account), (void *)account };
	OM_uint32 major = sm_authorize_localname(minor, n, &user, account_type);

	sm_name_free(&n);
	return major;
}

START_TEST(by_default_no_name_has_an_account)
{
	OM_uint32 major, minor;

	use_settings("# nothing set\n", NULL, 0);
	ck_assert_ptr_null(local_of("alice", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_UNAVAILABLE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_NO_LOCAL_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "localname = none"));
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "alice", &sm_nt_user_name, &minor),
			 GSS_S_UNAUTHORIZED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_NOT_AUTHORIZED);
	ck_assert(unit_contains(sm_status_sentence(minor), "'alice'"));
}
END_TEST

START_TEST(same_maps_user_names_to_their_own_account_only)
{
	OM_uint32 major, minor;
	char *local;

	use_settings("localname = same\n", NULL, 0);
	local = local_of("alice", &sm_nt_user_name, &major, &minor);
	ck_assert_str_eq(local, "alice");
	free(local);
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "alice", GSS_C_NO_OID, &minor),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "root", &sm_nt_user_name, &minor),
			 GSS_S_UNAUTHORIZED);
	ck_assert(unit_contains(sm_status_sentence(minor), "'root'"));
	/* Host-based and anonymous names never map. */
	ck_assert_ptr_null(local_of("host@web", &sm_nt_hostbased_service, &major, &minor));
	ck_assert_int_eq(major, GSS_S_UNAVAILABLE);
	ck_assert(unit_contains(sm_status_sentence(minor), "host-based names never map"));
	ck_assert_int_eq(authorize("host@web", &sm_nt_hostbased_service, "host",
				   &sm_nt_user_name, &minor),
			 GSS_S_UNAUTHORIZED);
	ck_assert_ptr_null(local_of("", &sm_nt_anonymous, &major, &minor));
	ck_assert_int_eq(major, GSS_S_UNAVAILABLE);
	ck_assert(unit_contains(sm_status_sentence(minor), "anonymous names never map"));
	/* A local account is named by a user name. */
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "alice@web",
				   &sm_nt_hostbased_service, &minor),
			 GSS_S_BAD_NAMETYPE);
}
END_TEST

START_TEST(map_gives_the_accounts_it_lists)
{
	OM_uint32 major, minor;
	char *local;

	use_settings("localname = map\n",
		     "# name account\nalice ali\nalice\tadmin  # also\n\nbob bob\n", 0644);
	local = local_of("alice", &sm_nt_user_name, &major, &minor);
	ck_assert_str_eq(local, "ali");
	free(local);
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "admin", &sm_nt_user_name, &minor),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "ali", &sm_nt_user_name, &minor),
			 GSS_S_COMPLETE);
	/* Not the account of the same name unless a line says so. */
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "alice", &sm_nt_user_name, &minor),
			 GSS_S_UNAUTHORIZED);
	ck_assert(unit_contains(sm_status_sentence(minor), "has no line giving it"));
	ck_assert_ptr_null(local_of("carol", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_UNAVAILABLE);
	ck_assert(unit_contains(sm_status_sentence(minor), "'carol' has no line"));
	ck_assert_ptr_null(local_of("web@host", &sm_nt_hostbased_service, &major, &minor));
}
END_TEST

/* Each bad map is refused as a whole, naming the file and line. */
START_TEST(a_bad_map_is_an_error_naming_file_and_line)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{ "bob bob\nalice\n", "line 2: expected 'NAME ACCOUNT'" },
		{ "alice a b\n", "line 1: expected 'NAME ACCOUNT'" },
		{ "HTTP@web http\n", "host-based names never map" },
		{ "alice ../root\n", "line 1: the account is not a user name" },
		{ "alice a:b\n", "line 1: the account is not a user name" },
		{ "alice -r\n", "line 1: the account is not a user name" },
		{ "carol carol\nalice al\x01i\n", "line 2: the account is not a user name" },
	};
	OM_uint32 major, minor;
	size_t i = (size_t)_i;

	use_settings("localname = map\n", bad[i].text, 0644);
	/* The line is bad even where the name sought comes before it. */
	ck_assert_ptr_null(local_of("bob", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_LOCALNAME_MAP_SYNTAX);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), bad[i].says),
		      "case %zu: %s", i, sm_status_sentence(minor));
	ck_assert(unit_contains(sm_status_sentence(minor), "localnames"));
}
END_TEST

START_TEST(a_map_others_may_change_or_a_missing_one_is_refused)
{
	OM_uint32 major, minor;

	use_settings("localname = map\n", "alice alice\n", 0666);
	ck_assert_ptr_null(local_of("alice", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert(unit_contains(sm_status_sentence(minor), "chmod o-w"));
	ck_assert_int_eq(authorize("alice", &sm_nt_user_name, "alice", &sm_nt_user_name, &minor),
			 GSS_S_FAILURE);

	setenv("GSS_SODIUM_LOCALNAMES", "/nonexistent/localnames", 1);
	ck_assert_ptr_null(local_of("alice", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert(unit_contains(sm_status_sentence(minor), "local account map does not exist"));
}
END_TEST

START_TEST(the_setting_takes_three_words)
{
	OM_uint32 major, minor;

	use_settings("localname = yes\n", NULL, 0);
	ck_assert_ptr_null(local_of("alice", &sm_nt_user_name, &major, &minor));
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE);
	ck_assert(unit_contains(sm_status_sentence(minor), "is not none, same or map"));
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("localname");
	TCase *t = tcase_create("localname");

	tcase_add_test(t, by_default_no_name_has_an_account);
	tcase_add_test(t, same_maps_user_names_to_their_own_account_only);
	tcase_add_test(t, map_gives_the_accounts_it_lists);
	tcase_add_loop_test(t, a_bad_map_is_an_error_naming_file_and_line, 0, 7);
	tcase_add_test(t, a_map_others_may_change_or_a_missing_one_is_refused);
	tcase_add_test(t, the_setting_takes_three_words);
	suite_add_tcase(s, t);
	return s;
}
