/* Credentials acquired from key files named by environment and store. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "creds.h"
#include "secmem.h"
#include "status.h"
#include "unit.h"

#define KEY1 "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define KEY2 "XasIfmJKikt54X+Lg4AO5m87sSkmGLb9HC+LJ/+I4Os="
#define PUB1 "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="

static struct sm_name *name(const char *text)
{
	struct sm_name *n;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_from_canonical(&minor, text, strlen(text), &n),
			 GSS_S_COMPLETE);
	return n;
}

/* Key files in the test directory, named through the environment. */
static void setup_files(void)
{
	setenv("GSS_SODIUM_IDENTITY",
	       unit_write_file("identity", "alice " KEY1 "\nbob " KEY2 "\n", 0600), 1);
	setenv("GSS_SODIUM_KEYTAB",
	       unit_write_file("keytab", "HTTP@web " KEY1 "\nldap@db " KEY2
			       "\nHTTP@web " KEY2 "\n", 0600), 1);
	setenv("GSS_SODIUM_PEERS", unit_write_file("peers", "alice " PUB1 "\n", 0644), 1);
}

static struct sm_cred *acquire_ok(const char *desired, gss_cred_usage_t usage)
{
	struct sm_name *n = desired ? name(desired) : NULL;
	struct sm_cred *cred = NULL;
	OM_uint32 minor;

	ck_assert_msg(sm_cred_acquire(&minor, n, usage, NULL, &cred) == GSS_S_COMPLETE,
		      "acquire failed: %s", sm_status_sentence(minor));
	sm_name_free(&n);
	return cred;
}

START_TEST(default_initiator_is_first_identity)
{
	struct sm_cred *cred;

	setup_files();
	cred = acquire_ok(NULL, GSS_C_INITIATE);
	ck_assert_str_eq(cred->name->text, "alice");
	ck_assert_int_eq(cred->initiator.count, 1);
	ck_assert_int_eq(cred->acceptor.count, 0);
	ck_assert_int_eq(cred->peers.count, 1);
	ck_assert_ptr_nonnull(cred->initiator.entries[0].private_key);
	sm_cred_free(&cred);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(named_initiator)
{
	struct sm_cred *cred;
	struct sm_name *bob;
	OM_uint32 minor;

	setup_files();
	cred = acquire_ok("bob", GSS_C_INITIATE);
	ck_assert_str_eq(cred->name->text, "bob");
	sm_cred_free(&cred);
	bob = name("carol");
	ck_assert_int_eq(sm_cred_acquire(&minor, bob, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_KEY_NOT_FOUND);
	ck_assert(unit_contains(sm_status_sentence(minor), getenv("GSS_SODIUM_IDENTITY")));
	ck_assert(unit_contains(sm_status_sentence(minor), "keygen carol"));
	ck_assert_ptr_null(cred);
	sm_name_free(&bob);
}
END_TEST

START_TEST(default_acceptor_takes_every_key)
{
	struct sm_cred *cred;
	struct sm_name *n = NULL;
	OM_uint32 minor, lifetime;
	gss_cred_usage_t usage;

	setup_files();
	cred = acquire_ok(NULL, GSS_C_ACCEPT);
	ck_assert_ptr_null(cred->name);
	ck_assert_int_eq(cred->acceptor.count, 3);
	ck_assert_int_eq(cred->initiator.count, 0);
	ck_assert_int_eq(sm_cred_inquire(&minor, cred, &n, &lifetime, &usage), GSS_S_COMPLETE);
	ck_assert_ptr_null(n);
	ck_assert_uint_eq(lifetime, GSS_C_INDEFINITE);
	ck_assert_int_eq(usage, GSS_C_ACCEPT);
	sm_cred_free(&cred);
}
END_TEST

START_TEST(named_acceptor_takes_its_keys)
{
	struct sm_cred *cred;
	struct sm_name *n = NULL, *missing;
	OM_uint32 minor;

	setup_files();
	cred = acquire_ok("HTTP@WEB", GSS_C_ACCEPT);
	ck_assert_int_eq(cred->acceptor.count, 2);
	ck_assert_int_eq(sm_cred_inquire(&minor, cred, &n, NULL, NULL), GSS_S_COMPLETE);
	ck_assert_str_eq(n->text, "HTTP@web");
	sm_name_free(&n);
	sm_cred_free(&cred);
	missing = name("imap@mail");
	ck_assert_int_eq(sm_cred_acquire(&minor, missing, GSS_C_ACCEPT, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "keytab holds no key for 'imap@mail'"));
	sm_name_free(&missing);
}
END_TEST

START_TEST(both_directions)
{
	struct sm_cred *cred;

	setup_files();
	cred = acquire_ok(NULL, GSS_C_BOTH);
	ck_assert_str_eq(cred->name->text, "alice");
	ck_assert_int_eq(cred->initiator.count, 1);
	ck_assert_int_eq(cred->acceptor.count, 3);
	sm_cred_free(&cred);
}
END_TEST

START_TEST(anonymous_initiator_needs_no_identity)
{
	struct sm_name *anon;
	struct sm_cred *cred;
	OM_uint32 minor;

	setup_files();
	setenv("GSS_SODIUM_IDENTITY", "/nonexistent/identity", 1);
	ck_assert_int_eq(sm_name_anonymous(&minor, &anon), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_cred_acquire(&minor, anon, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(cred->initiator.count, 0);
	sm_cred_free(&cred);
	ck_assert_int_eq(sm_cred_acquire(&minor, anon, GSS_C_ACCEPT, NULL, &cred),
			 GSS_S_BAD_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "can only initiate"));
	sm_name_free(&anon);
}
END_TEST

START_TEST(missing_or_empty_identity)
{
	struct sm_cred *cred = NULL;
	OM_uint32 minor;

	setup_files();
	setenv("GSS_SODIUM_IDENTITY", "/nonexistent/identity", 1);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert(unit_contains(sm_status_sentence(minor), "/nonexistent/identity"));
	setenv("GSS_SODIUM_IDENTITY", unit_write_file("empty", "# nothing yet\n", 0600), 1);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_EMPTY);
	ck_assert_ptr_null(cred);
}
END_TEST

START_TEST(bad_peers_file_fails_acquire)
{
	struct sm_cred *cred = NULL;
	OM_uint32 minor;

	setup_files();
	setenv("GSS_SODIUM_PEERS", unit_write_file("badpeers", "alice\n", 0644), 1);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "badpeers line 1"));
	ck_assert_ptr_null(cred);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	/* A peers file named by the environment must exist. */
	setenv("GSS_SODIUM_PEERS", "/nonexistent/peers", 1);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, NULL, &cred),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
}
END_TEST

START_TEST(user_peers_file_from_xdg_config_home)
{
	char dir[512];
	struct sm_cred *cred;

	setup_files();
	unsetenv("GSS_SODIUM_PEERS");
	snprintf(dir, sizeof(dir), "%s/gss-sodium", unit_tmpdir());
	mkdir(dir, 0700);
	unit_write_file("gss-sodium/peers", "alice " PUB1 "\nbob " PUB1 "\n", 0644);
	setenv("XDG_CONFIG_HOME", unit_tmpdir(), 1);
	cred = acquire_ok(NULL, GSS_C_INITIATE);
	/* The system file (absent here) is optional; the user's is read. */
	ck_assert_int_eq(cred->peers.count, 2);
	sm_cred_free(&cred);
}
END_TEST

START_TEST(credential_store_overrides_environment)
{
	gss_key_value_element_desc elements[] = {
		{ "ccache", "FILE:/tmp/for-another-mechanism" },
		{ GSS_SODIUM_CRED_STORE_KEYTAB, NULL },
		{ GSS_SODIUM_CRED_STORE_PEERS, NULL },
	};
	gss_key_value_set_desc store = { 3, elements };
	struct sm_cred_files files;
	struct sm_cred *cred;
	OM_uint32 minor;

	setup_files();
	elements[1].value = unit_write_file("store-keytab", "smtp@mx " KEY1 "\n", 0600);
	elements[2].value = unit_write_file("store-peers", "", 0644);
	ck_assert_int_eq(sm_cred_files_from_store(&minor, &store, &files), GSS_S_COMPLETE);
	ck_assert_ptr_null(files.identity);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_ACCEPT, &files, &cred),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(cred->acceptor.count, 1);
	ck_assert_str_eq(cred->acceptor.entries[0].name->text, "smtp@mx");
	ck_assert_int_eq(cred->peers.count, 0);
	sm_cred_free(&cred);
	elements[2].key = GSS_SODIUM_CRED_STORE_KEYTAB;
	ck_assert_int_eq(sm_cred_files_from_store(&minor, &store, &files), GSS_S_FAILURE);
	ck_assert(unit_contains(sm_status_sentence(minor), "gives 'sodium_keytab' twice"));
}
END_TEST

START_TEST(add_widens_a_credential)
{
	struct sm_cred *base, *both;
	OM_uint32 minor;

	setup_files();
	base = acquire_ok(NULL, GSS_C_ACCEPT);
	ck_assert_int_eq(sm_cred_add(&minor, base, NULL, GSS_C_INITIATE, &both),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(both->usage, GSS_C_BOTH);
	ck_assert_int_eq(both->initiator.count, 1);
	ck_assert_int_eq(both->acceptor.count, 3);
	ck_assert_str_eq(both->name->text, "alice");
	/* The base is untouched. */
	ck_assert_int_eq(base->usage, GSS_C_ACCEPT);
	sm_cred_free(&base);
	sm_cred_free(&both);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(bad_usage)
{
	struct sm_cred *cred;
	OM_uint32 minor;

	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, 7, NULL, &cred), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_USAGE);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("creds");
	TCase *t = tcase_create("creds");

	tcase_add_test(t, default_initiator_is_first_identity);
	tcase_add_test(t, named_initiator);
	tcase_add_test(t, default_acceptor_takes_every_key);
	tcase_add_test(t, named_acceptor_takes_its_keys);
	tcase_add_test(t, both_directions);
	tcase_add_test(t, anonymous_initiator_needs_no_identity);
	tcase_add_test(t, missing_or_empty_identity);
	tcase_add_test(t, bad_peers_file_fails_acquire);
	tcase_add_test(t, user_peers_file_from_xdg_config_home);
	tcase_add_test(t, credential_store_overrides_environment);
	tcase_add_test(t, add_widens_a_credential);
	tcase_add_test(t, bad_usage);
	suite_add_tcase(s, t);
	return s;
}
