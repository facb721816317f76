/*
 * Contexts, in process: the handshake between an initiator and an acceptor
 * made from key files, every truncation and single-byte change of its
 * tokens, its clock and replay checks, policy, channel bindings and
 * lifetime.  Per-message tokens have check_message.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "init.h"
#include "keyfile.h"
#include "message.h"
#include "oids.h"
#include "secmem.h"
#include "status.h"
#include "fixture.h"
#include "unit.h"

START_TEST(handshake_names_and_flags)
{
	struct sm_name *src = NULL, *targ = NULL;
	OM_uint32 lifetime, flags;
	struct pair p;
	int local, open;
	OM_uint32 minor;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_MUTUAL_FLAG, 0);
	/* The initial token is framed with the mechanism OID. */
	ck_assert_int_eq(((unsigned char *)p.token1.value)[0], 0x60);
	ck_assert_str_eq(p.src->text, "alice");
	ck_assert_uint_eq(p.init_flags, p.acc_flags);
	ck_assert(p.acc_flags & GSS_C_MUTUAL_FLAG);
	ck_assert(p.acc_flags & GSS_C_REPLAY_FLAG);
	ck_assert(p.acc_flags & GSS_C_SEQUENCE_FLAG);
	ck_assert(p.acc_flags & GSS_C_CONF_FLAG);
	ck_assert(p.acc_flags & GSS_C_INTEG_FLAG);
	ck_assert(p.acc_flags & GSS_C_TRANS_FLAG);
	ck_assert(p.acc_flags & GSS_C_PROT_READY_FLAG);
	ck_assert(!(p.acc_flags & GSS_C_ANON_FLAG));
	ck_assert(!(p.acc_flags & GSS_C_DELEG_FLAG));
	ck_assert_int_eq(sm_context_inquire(&minor, p.init, &src, &targ, &lifetime, &flags,
					    &local, &open), GSS_S_COMPLETE);
	ck_assert_str_eq(src->text, "alice");
	ck_assert_str_eq(targ->text, "HTTP@web");
	ck_assert(local && open);
	/* The default context lifetime is 10 hours. */
	ck_assert_uint_le(lifetime, 36000);
	ck_assert_uint_ge(lifetime, 35990);
	sm_name_free(&src);
	sm_name_free(&targ);
	ck_assert_int_eq(sm_context_inquire(&minor, p.acc, &src, &targ, NULL, NULL, &local,
					    &open), GSS_S_COMPLETE);
	ck_assert_str_eq(src->text, "alice");
	ck_assert_str_eq(targ->text, "HTTP@web");
	ck_assert(!local && open);
	sm_name_free(&src);
	sm_name_free(&targ);
	pair_release(&p);
	fixture_forget_keys();
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(detection_flags_follow_the_request)
{
	struct pair p;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	ck_assert(!(p.acc_flags & (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)));
	ck_assert(p.acc_flags & GSS_C_MUTUAL_FLAG);
	pair_release(&p);
}
END_TEST

START_TEST(every_truncation_of_token_1_is_refused)
{
	struct pair p;
	gss_buffer_desc cut;
	OM_uint32 minor, major;
	size_t i;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	for (i = 0; i < p.token1.length; i++) {
		struct sm_context *acc = NULL;
		gss_buffer_desc out = GSS_C_EMPTY_BUFFER;

		cut.length = i;
		cut.value = p.token1.value;
		major = sm_context_accept(&minor, NULL, &acc, &cut, GSS_C_NO_CHANNEL_BINDINGS,
					  NULL, &out, NULL, NULL);
		ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN, "length %zu: 0x%x", i, major);
		ck_assert_ptr_null(acc);
		ck_assert_uint_eq(out.length, 0);
	}
	pair_release(&p);
	fixture_forget_keys();
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(every_byte_change_of_token_1_is_refused)
{
	struct pair p;
	unsigned char *copy;
	gss_buffer_desc changed;
	OM_uint32 minor, major;
	size_t i;

	fixture_files("allow_anonymous = yes\n", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	copy = malloc(p.token1.length);
	for (i = 0; i < p.token1.length; i++) {
		struct sm_context *acc = NULL;
		gss_buffer_desc out = GSS_C_EMPTY_BUFFER;

		memcpy(copy, p.token1.value, p.token1.length);
		copy[i] ^= 0x20;
		changed.length = p.token1.length;
		changed.value = copy;
		major = sm_context_accept(&minor, NULL, &acc, &changed,
					  GSS_C_NO_CHANNEL_BINDINGS, NULL, &out, NULL, NULL);
		ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN, "byte %zu: 0x%x (%s)", i, major,
			      sm_status_sentence(minor));
		ck_assert_ptr_null(acc);
		ck_assert_uint_eq(out.length, 0);
	}
	free(copy);
	pair_release(&p);
}
END_TEST

START_TEST(every_truncation_and_byte_change_of_token_2_is_refused)
{
	struct pair p, q;
	unsigned char *copy;
	OM_uint32 minor, major;
	size_t i, len;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	len = p.token2.length;
	copy = malloc(len);
	for (i = 0; i < 2 * len; i++) {
		/* A fresh initiator each time: a failed one stays failed. */
		ck_assert_int_eq(pair_start(&q, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
		memcpy(copy, p.token2.value, len);
		q.token2.value = copy;
		if (i < len) {
			q.token2.length = i;
		} else {
			q.token2.length = len;
			copy[i - len] ^= 0x01;
		}
		major = pair_finish(&q, &minor);
		ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN, "case %zu: 0x%x", i, major);
		ck_assert_int_eq(q.init->state, SM_CTX_FAILED);
		/* No per-message use of a failed context. */
		ck_assert_int_eq(sm_context_usable(&minor, q.init, "test"), GSS_S_NO_CONTEXT);
		q.token2.value = NULL;
		pair_release(&q);
	}
	/* Even the genuine token does not fit another initiator's handshake. */
	ck_assert_int_eq(pair_start(&q, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	q.token2 = p.token2;
	ck_assert_int_eq(pair_finish(&q, &minor), GSS_S_DEFECTIVE_TOKEN);
	q.token2.value = NULL;
	pair_release(&q);
	free(copy);
	pair_release(&p);
}
END_TEST

START_TEST(both_context_tokens_are_framed_and_version_1_is_refused)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct sm_context *acc = NULL;
	unsigned char *inner;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	inner = fixture_inner_token(&p.token1);
	ck_assert_int_eq(((unsigned char *)p.token1.value)[0], 0x60);
	ck_assert_mem_eq(inner, "\x01\x01\x02\x01", 4);	/* id, version 2, IK */
	inner[2] = 1;
	ck_assert_int_eq(sm_context_accept(&minor, NULL, &acc, &p.token1,
					   GSS_C_NO_CHANNEL_BINDINGS, NULL, &out, NULL, NULL),
			 GSS_S_DEFECTIVE_TOKEN);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_VERSION);
	ck_assert(unit_contains(sm_status_sentence(minor),
				"the initiator speaks protocol version 1; this acceptor speaks 2"));
	inner[2] = 2;
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	/* Token 2 is framed too (RFC 2743 section 3.1), as Java's bridge and
	 * SPNEGO-less callers that read a DER value expect. */
	ck_assert_int_eq(((unsigned char *)p.token2.value)[0], 0x60);
	inner = fixture_inner_token(&p.token2);
	ck_assert_mem_eq(inner, "\x01\x02\x02", 3);
	inner[2] = 1;
	ck_assert_int_eq(pair_finish(&p, &minor), GSS_S_DEFECTIVE_TOKEN);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_VERSION);
	ck_assert(unit_contains(sm_status_sentence(minor),
				"the acceptor speaks protocol version 1; this initiator speaks 2"));
	pair_release(&p);
}
END_TEST

/* Token 1 made with the initiator's clock `shift` seconds from the
 * acceptor's, then given to the acceptor. */
static OM_uint32 accept_shifted(struct pair *p, time_t shift, OM_uint32 *minor)
{
	sm_clock_shift(shift);
	ck_assert_int_eq(pair_start(p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	sm_clock_shift(-shift);
	return pair_accept(p, GSS_C_NO_CHANNEL_BINDINGS, minor);
}

START_TEST(token_1_is_accepted_only_within_clock_skew)
{
	struct pair p;
	OM_uint32 minor;

	fixture_files("clock_skew = 5m\n", 1);
	/* Ten minutes old: a replay, or a clock behind. */
	ck_assert_uint_eq(accept_shifted(&p, -600, &minor), GSS_S_FAILURE | GSS_S_OLD_TOKEN);
	ck_assert_uint_eq(minor, GSS_SODIUM_S_CLOCK_SKEW);
	/* About 600 s: a slow run (valgrind) may cross a second. */
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "seconds before this host's clock") &&
		      unit_contains(sm_status_sentence(minor), "more than clock_skew (300 s)"),
		      "%s", sm_status_sentence(minor));
	ck_assert_ptr_null(p.acc);
	pair_release(&p);
	/* Ten minutes ahead. */
	ck_assert_uint_eq(accept_shifted(&p, 600, &minor), GSS_S_FAILURE);
	ck_assert_uint_eq(minor, GSS_SODIUM_S_CLOCK_SKEW);
	ck_assert(unit_contains(sm_status_sentence(minor), "seconds ahead of this host's"));
	pair_release(&p);
	/* Within the skew either way. */
	ck_assert_uint_eq(accept_shifted(&p, -290, &minor), GSS_S_COMPLETE);
	pair_release(&p);
	ck_assert_uint_eq(accept_shifted(&p, 290, &minor), GSS_S_COMPLETE);
	pair_release(&p);
}
END_TEST

START_TEST(a_clock_stepped_back_does_not_revive_a_record)
{
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	/* One acceptor records at a clock an hour ahead: the keytab's cache
	 * keeps that clock. */
	sm_clock_shift(3600);
	ck_assert_uint_eq(accept_shifted(&p, 0, &minor), GSS_S_COMPLETE);
	pair_release(&p);
	sm_clock_shift(-3600);
	/* Back on time, a fresh token's record would end before the cache's
	 * clock, where it may already have been reclaimed: refused. */
	ck_assert_uint_eq(accept_shifted(&p, 0, &minor), GSS_S_FAILURE | GSS_S_OLD_TOKEN);
	ck_assert_uint_eq(minor, GSS_SODIUM_S_CLOCK_SKEW);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "the clock was stepped back"), "%s",
		      sm_status_sentence(minor));
	pair_release(&p);
}
END_TEST

START_TEST(reordered_tokens_are_refused)
{
	struct pair p, q;
	struct sm_context *acc = NULL;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	/* Token 2 offered to an acceptor, token 1 to a new initiator. */
	ck_assert_int_eq(sm_context_accept(&minor, NULL, &acc, &p.token2,
					   GSS_C_NO_CHANNEL_BINDINGS, NULL, &out, NULL, NULL),
			 GSS_S_DEFECTIVE_TOKEN);
	ck_assert_int_eq(pair_start(&q, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	q.token2 = p.token1;
	p.token1.value = NULL;
	ck_assert_int_eq(pair_finish(&q, &minor), GSS_S_DEFECTIVE_TOKEN);
	pair_release(&q);
	pair_release(&p);
}
END_TEST

START_TEST(untrusted_initiator)
{
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 0);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor),
			 GSS_S_DEFECTIVE_CREDENTIAL);
	ck_assert_int_eq(minor, GSS_SODIUM_S_UNTRUSTED_INITIATOR);
	ck_assert(unit_contains(sm_status_sentence(minor), "allow_unknown_initiators"));
	ck_assert_ptr_null(p.acc);
	pair_release(&p);
}
END_TEST

START_TEST(unknown_initiator_named_by_key)
{
	struct pair p;

	fixture_files("allow_unknown_initiators = yes\n", 0);
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(p.src->kind, SM_NAME_USER);
	ck_assert_int_eq(strncmp(p.src->text, "key:", 4), 0);
	ck_assert_uint_eq(strlen(p.src->text), 4 + SM_KEY_BASE64_CHARS);
	pair_release(&p);
}
END_TEST

START_TEST(unknown_target)
{
	struct sm_context *ctx = NULL;
	struct sm_name *t;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;

	fixture_files("", 1);
	t = fixture_name("imap@mail");
	ck_assert_int_eq(sm_context_initiate(&minor, NULL, &ctx, t, 0, 0,
					     GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, &out,
					     NULL, NULL), GSS_S_BAD_NAME);
	ck_assert_int_eq(minor, GSS_SODIUM_S_NO_PEER_KEY);
	ck_assert(unit_contains(sm_status_sentence(minor), "'imap@mail'"));
	ck_assert_ptr_null(ctx);
	sm_name_free(&t);
}
END_TEST

static struct gss_channel_bindings_struct bindings(const char *data)
{
	struct gss_channel_bindings_struct cb;

	memset(&cb, 0, sizeof(cb));
	cb.application_data.value = (void *)data;
	cb.application_data.length = strlen(data);
	return cb;
}

START_TEST(channel_bindings)
{
	struct gss_channel_bindings_struct a = bindings("tls-server-end-point:abc");
	struct gss_channel_bindings_struct b = bindings("tls-server-end-point:abd");
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	/* Equal: the context opens. */
	ck_assert_int_eq(pair_start(&p, 0, 0, &a), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, &a, &minor), GSS_S_COMPLETE);
	pair_release(&p);
	/* Different. */
	ck_assert_int_eq(pair_start(&p, 0, 0, &a), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, &b, &minor), GSS_S_BAD_BINDINGS);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BINDINGS_MISMATCH);
	ck_assert_ptr_null(p.acc);
	pair_release(&p);
	/* The acceptor requires bindings the initiator did not give. */
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, &a, &minor), GSS_S_BAD_BINDINGS);
	pair_release(&p);
	/* An acceptor without bindings does not check them. */
	ck_assert_int_eq(pair_start(&p, 0, 0, &a), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	pair_release(&p);
}
END_TEST

START_TEST(anonymous_refused_by_default)
{
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, GSS_C_ANON_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS),
			 GSS_S_CONTINUE_NEEDED);
	ck_assert(p.init_flags & GSS_C_ANON_FLAG);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_UNAUTHORIZED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_ANONYMOUS_REFUSED);
	ck_assert(unit_contains(sm_status_sentence(minor), "allow_anonymous = yes"));
	pair_release(&p);
}
END_TEST

START_TEST(anonymous_allowed)
{
	struct pair p;

	fixture_files("allow_anonymous = yes\n", 1);
	/* An anonymous initiator needs no identity file. */
	setenv("GSS_SODIUM_IDENTITY", "/nonexistent", 1);
	pair_establish(&p, GSS_C_ANON_FLAG, 0);
	ck_assert_int_eq(p.src->kind, SM_NAME_ANONYMOUS);
	ck_assert(p.acc_flags & GSS_C_ANON_FLAG);
	ck_assert(p.init_flags & GSS_C_ANON_FLAG);
	ck_assert_int_eq(p.init->initiator_name->kind, SM_NAME_ANONYMOUS);
	pair_release(&p);
}
END_TEST

START_TEST(lifetime_setting_and_time_req)
{
	struct pair p;
	OM_uint32 minor, left = 0;

	fixture_files("context_lifetime = 1h\n", 1);
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_context_time(&minor, p.acc, &left), GSS_S_COMPLETE);
	ck_assert_uint_le(left, 3600);
	ck_assert_uint_ge(left, 3590);
	pair_release(&p);
	/* The initiator's time_req shortens it; the acceptor's cap wins over
	 * a longer request. */
	pair_establish(&p, 0, 60);
	ck_assert_int_eq(sm_context_time(&minor, p.init, &left), GSS_S_COMPLETE);
	ck_assert_uint_le(left, 60);
	pair_release(&p);
	pair_establish(&p, 0, 7200);
	ck_assert_int_eq(sm_context_time(&minor, p.init, &left), GSS_S_COMPLETE);
	ck_assert_uint_le(left, 3600);
	pair_release(&p);
}
END_TEST

START_TEST(expiry_with_a_short_time_req)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, token, out;
	struct pair p;
	OM_uint32 minor, left;

	/* Short, but long enough that no second boundary expires it early. */
	fixture_files("", 1);
	pair_establish(&p, 0, 30);
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	sm_clock_shift(31);
	ck_assert_int_eq(sm_context_time(&minor, p.init, &left), GSS_S_CONTEXT_EXPIRED);
	ck_assert_uint_eq(left, 0);
	ck_assert_int_eq(sm_unwrap(&minor, p.acc, &token, &out, NULL, NULL),
			 GSS_S_CONTEXT_EXPIRED);
	free(token.value);
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token),
			 GSS_S_CONTEXT_EXPIRED);
	ck_assert_int_eq(sm_get_mic(&minor, p.acc, 0, &msg, &token), GSS_S_CONTEXT_EXPIRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_CONTEXT_EXPIRED);
	pair_release(&p);
}
END_TEST

START_TEST(context_keys_are_wiped_on_delete)
{
	unsigned char *keys;
	struct pair p;
	size_t i;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	keys = p.acc->keys;
	sm_context_free(&p.acc);
	ck_assert_ptr_null(p.acc);
	for (i = 0; i < SM_CONTEXT_KEYS; i++)
		ck_assert_int_eq(keys[i], 0);
	pair_release(&p);
	fixture_forget_keys();
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("context");
	TCase *t = tcase_create("context");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, handshake_names_and_flags);
	tcase_add_test(t, detection_flags_follow_the_request);
	tcase_add_test(t, every_truncation_of_token_1_is_refused);
	tcase_add_test(t, every_byte_change_of_token_1_is_refused);
	tcase_add_test(t, every_truncation_and_byte_change_of_token_2_is_refused);
	tcase_add_test(t, both_context_tokens_are_framed_and_version_1_is_refused);
	tcase_add_test(t, token_1_is_accepted_only_within_clock_skew);
	tcase_add_test(t, a_clock_stepped_back_does_not_revive_a_record);
	tcase_add_test(t, reordered_tokens_are_refused);
	tcase_add_test(t, untrusted_initiator);
	tcase_add_test(t, unknown_initiator_named_by_key);
	tcase_add_test(t, unknown_target);
	tcase_add_test(t, channel_bindings);
	tcase_add_test(t, anonymous_refused_by_default);
	tcase_add_test(t, anonymous_allowed);
	tcase_add_test(t, lifetime_setting_and_time_req);
	tcase_add_test(t, expiry_with_a_short_time_req);
	tcase_add_test(t, context_keys_are_wiped_on_delete);
	suite_add_tcase(s, t);
	return s;
}
