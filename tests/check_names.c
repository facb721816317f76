/* Names: import, canonical form, display, export and re-import. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "names.h"
#include "oids.h"
#include "status.h"
#include "unit.h"

static struct sm_name *import_ok(const char *text, gss_OID type)
{
	gss_buffer_desc buf = { strlen(text), (void *)text };
	struct sm_name *name = NULL;
	OM_uint32 minor;

	ck_assert_msg(sm_name_import(&minor, &buf, type, &name) == GSS_S_COMPLETE,
		      "import of '%s' failed: %s", text, sm_status_sentence(minor));
	ck_assert_ptr_nonnull(name);
	return name;
}

static OM_uint32 import_fails(const char *text, size_t len, gss_OID type,
			      OM_uint32 *minor)
{
	gss_buffer_desc buf = { len, (void *)text };
	struct sm_name *name = NULL;
	OM_uint32 major = sm_name_import(minor, &buf, type, &name);

	ck_assert_msg(GSS_ERROR(major), "import of '%.*s' succeeded", (int)len, text);
	ck_assert_ptr_null(name);
	return major;
}

START_TEST(hostbased_host_is_lowercased)
{
	struct sm_name *n = import_ok("HTTP@Web.Example.ORG", &sm_nt_hostbased_service);

	ck_assert_int_eq(n->kind, SM_NAME_HOSTBASED);
	/* The service keeps its case; only the host is folded. */
	ck_assert_str_eq(n->text, "HTTP@web.example.org");
	sm_name_free(&n);
	n = import_ok("ldap@db1", &sm_nt_hostbased_service_x);
	ck_assert_str_eq(n->text, "ldap@db1");
	sm_name_free(&n);
}
END_TEST

START_TEST(bare_service_gets_local_host)
{
	char host[HOST_NAME_MAX + 1], expected[HOST_NAME_MAX + 16];
	struct sm_name *n = import_ok("host", &sm_nt_hostbased_service);
	size_t i;

	ck_assert_int_eq(gethostname(host, sizeof(host)), 0);
	for (i = 0; host[i]; i++)
		host[i] = (char)tolower((unsigned char)host[i]);
	snprintf(expected, sizeof(expected), "host@%s", host);
	ck_assert_str_eq(n->text, expected);
	sm_name_free(&n);
}
END_TEST

START_TEST(user_names)
{
	struct sm_name *n = import_ok("Alice", &sm_nt_user_name);
	OM_uint32 minor;

	ck_assert_int_eq(n->kind, SM_NAME_USER);
	ck_assert_str_eq(n->text, "Alice");
	sm_name_free(&n);
	ck_assert_int_eq(import_fails("alice@REALM", 11, &sm_nt_user_name, &minor),
			 GSS_S_BAD_NAME);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_NAME_SYNTAX);
	ck_assert(unit_contains(sm_status_sentence(minor), "'alice@REALM'"));
}
END_TEST

START_TEST(a_trailing_nul_is_ignored)
{
	gss_buffer_desc buf = { sizeof("HTTP@Web"), (void *)"HTTP@Web" };
	struct sm_name *n = NULL;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_import(&minor, &buf, &sm_nt_hostbased_service, &n),
			 GSS_S_COMPLETE);
	ck_assert_str_eq(n->text, "HTTP@web");
	sm_name_free(&n);
}
END_TEST

/* Found by fuzzing: a host longer than a host name buffer once overflowed
 * the stack. */
START_TEST(long_hosts_are_handled_whole)
{
	char text[300], expected[300];
	struct sm_name *n;
	OM_uint32 minor;
	size_t i;

	memcpy(text, "svc@", 4);
	for (i = 4; i < 255; i++)
		text[i] = (char)('A' + i % 26);
	text[255] = '\0';
	for (i = 0; i < 256; i++)
		expected[i] = (char)tolower((unsigned char)text[i]);
	n = import_ok(text, &sm_nt_hostbased_service);
	ck_assert_str_eq(n->text, expected);
	sm_name_free(&n);
	n = import_ok(text, GSS_C_NO_OID);
	ck_assert_str_eq(n->text, expected);
	sm_name_free(&n);
	text[255] = 'z';
	text[256] = '\0';
	ck_assert_int_eq(import_fails(text, 256, &sm_nt_hostbased_service, &minor),
			 GSS_S_BAD_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "longer than 255 bytes"));
}
END_TEST

/* Found by fuzzing: an empty buffer without a pointer. */
START_TEST(empty_buffer_without_pointer)
{
	gss_buffer_desc none = { 0, NULL };
	struct sm_name *n = NULL;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_import(&minor, &none, GSS_C_NO_OID, &n), GSS_S_BAD_NAME);
	ck_assert_int_eq(sm_name_import(&minor, &none, &sm_nt_hostbased_service, &n),
			 GSS_S_BAD_NAME);
	ck_assert_int_eq(sm_name_import(&minor, &none, &sm_nt_user_name, &n), GSS_S_BAD_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "is empty"));
	ck_assert_ptr_null(n);
}
END_TEST

START_TEST(no_oid_means_canonical_form)
{
	struct sm_name *n = import_ok("imap@Mail", GSS_C_NO_OID);

	ck_assert_int_eq(n->kind, SM_NAME_HOSTBASED);
	ck_assert_str_eq(n->text, "imap@mail");
	sm_name_free(&n);
	n = import_ok("bob", GSS_C_NO_OID);
	ck_assert_int_eq(n->kind, SM_NAME_USER);
	sm_name_free(&n);
}
END_TEST

START_TEST(bad_names_are_refused_with_a_sentence)
{
	static const struct {
		const char *text;
		const char *says;
	} bad[] = {
		{ "", "is empty" },
		{ "@host", "no service" },
		{ "svc@", "no host" },
		{ "a@b@c", "more than one" },
		{ "sp ace@host", "space" },
		{ "tab\t@host", "control" },
		{ "hash#@host", "#" },
		{ "<anonymous>@x", "<" },
	};
	char long_name[300];
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(import_fails(bad[i].text, strlen(bad[i].text),
					      &sm_nt_hostbased_service, &minor),
				 GSS_S_BAD_NAME);
		ck_assert_msg(unit_contains(sm_status_sentence(minor), bad[i].says),
			      "'%s': sentence '%s' lacks '%s'", bad[i].text,
			      sm_status_sentence(minor), bad[i].says);
	}
	memset(long_name, 'a', sizeof(long_name));
	ck_assert_int_eq(import_fails(long_name, 256, &sm_nt_user_name, &minor),
			 GSS_S_BAD_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "255"));
	ck_assert_int_eq(import_fails("a\0b", 3, &sm_nt_user_name, &minor),
			 GSS_S_BAD_NAME);
	ck_assert(unit_contains(sm_status_sentence(minor), "a\\x00b"));
}
END_TEST

START_TEST(unknown_name_type)
{
	static gss_OID_desc krb5_principal = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x01" };
	OM_uint32 minor;

	ck_assert_int_eq(import_fails("alice", 5, &krb5_principal, &minor),
			 GSS_S_BAD_NAMETYPE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_NAME_TYPE);
}
END_TEST

START_TEST(export_and_import_round_trip)
{
	static const char *texts[] = { "HTTP@web.example", "alice" };
	struct sm_name *n, *back;
	gss_buffer_desc token;
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < 2; i++) {
		n = import_ok(texts[i], GSS_C_NO_OID);
		ck_assert_int_eq(sm_name_export(&minor, n, &token), GSS_S_COMPLETE);
		/* 04 01, OID length, 06 len OID, name length, name */
		ck_assert_int_eq(token.length, 2 + 2 + 2 + sm_mech_oid.length + 4 + strlen(texts[i]));
		ck_assert_mem_eq(token.value, "\x04\x01\x00\x0c\x06\x0a", 6);
		ck_assert_int_eq(sm_name_import(&minor, &token, &sm_nt_export_name, &back),
				 GSS_S_COMPLETE);
		ck_assert(sm_name_equal(n, back));
		ck_assert_int_eq(back->kind, n->kind);
		free(token.value);
		sm_name_free(&n);
		sm_name_free(&back);
	}
}
END_TEST

START_TEST(every_truncated_or_altered_export_token_is_refused)
{
	struct sm_name *n = import_ok("HTTP@web.example", GSS_C_NO_OID);
	gss_buffer_desc token;
	unsigned char *copy;
	OM_uint32 minor, major;
	size_t i, header;

	ck_assert_int_eq(sm_name_export(&minor, n, &token), GSS_S_COMPLETE);
	for (i = 0; i < token.length; i++) {
		major = import_fails(token.value, i, &sm_nt_export_name, &minor);
		ck_assert_int_eq(major, GSS_S_BAD_NAME);
		ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_EXPORT_NAME);
	}
	/* Every byte of the framing (token id, lengths, OID) matters. */
	header = 2 + 2 + 2 + sm_mech_oid.length + 4;
	copy = malloc(token.length + 1);
	for (i = 0; i < header; i++) {
		memcpy(copy, token.value, token.length);
		copy[i] ^= 0x01;
		major = import_fails((char *)copy, token.length, &sm_nt_export_name, &minor);
		ck_assert_int_eq(major, GSS_S_BAD_NAME);
	}
	/* A trailing byte is refused too. */
	memcpy(copy, token.value, token.length);
	copy[token.length] = 'x';
	import_fails((char *)copy, token.length + 1, &sm_nt_export_name, &minor);
	ck_assert(unit_contains(sm_status_sentence(minor), "bytes after the name"));
	free(copy);
	free(token.value);
	sm_name_free(&n);
}
END_TEST

START_TEST(anonymous_names)
{
	struct sm_name *a = import_ok("ignored", &sm_nt_anonymous), *b, *back;
	gss_buffer_desc shown, token;
	gss_OID type;
	OM_uint32 minor;

	b = import_ok("", &sm_nt_anonymous);
	ck_assert_int_eq(a->kind, SM_NAME_ANONYMOUS);
	/* RFC 2743: anonymous names never compare equal, not even to themselves. */
	ck_assert(!sm_name_equal(a, b));
	ck_assert(!sm_name_equal(a, a));
	ck_assert_int_eq(sm_name_display(&minor, a, &shown, &type), GSS_S_COMPLETE);
	ck_assert_str_eq(shown.value, SM_ANONYMOUS_DISPLAY);
	ck_assert(sm_oid_equal(type, &sm_nt_anonymous));
	free(shown.value);
	ck_assert_int_eq(sm_name_export(&minor, a, &token), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_name_import(&minor, &token, &sm_nt_export_name, &back),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(back->kind, SM_NAME_ANONYMOUS);
	free(token.value);
	sm_name_free(&a);
	sm_name_free(&b);
	sm_name_free(&back);
}
END_TEST

START_TEST(display_and_compare)
{
	struct sm_name *h = import_ok("HTTP@WEB", &sm_nt_hostbased_service);
	struct sm_name *h2 = import_ok("HTTP@web", GSS_C_NO_OID);
	struct sm_name *u = import_ok("HTTP", &sm_nt_user_name);
	gss_buffer_desc shown;
	gss_OID type;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_display(&minor, h, &shown, &type), GSS_S_COMPLETE);
	ck_assert_str_eq(shown.value, "HTTP@web");
	ck_assert_int_eq(shown.length, 8);
	ck_assert(sm_oid_equal(type, &sm_nt_hostbased_service));
	free(shown.value);
	ck_assert(sm_name_equal(h, h2));
	ck_assert(!sm_name_equal(h, u));
	sm_name_free(&h);
	sm_name_free(&h2);
	sm_name_free(&u);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("names");
	TCase *t = tcase_create("names");

	tcase_add_test(t, hostbased_host_is_lowercased);
	tcase_add_test(t, bare_service_gets_local_host);
	tcase_add_test(t, user_names);
	tcase_add_test(t, a_trailing_nul_is_ignored);
	tcase_add_test(t, long_hosts_are_handled_whole);
	tcase_add_test(t, empty_buffer_without_pointer);
	tcase_add_test(t, no_oid_means_canonical_form);
	tcase_add_test(t, bad_names_are_refused_with_a_sentence);
	tcase_add_test(t, unknown_name_type);
	tcase_add_test(t, export_and_import_round_trip);
	tcase_add_test(t, every_truncated_or_altered_export_token_is_refused);
	tcase_add_test(t, anonymous_names);
	tcase_add_test(t, display_and_compare);
	suite_add_tcase(s, t);
	return s;
}
