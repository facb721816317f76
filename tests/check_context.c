/*
 * Contexts, in process: the handshake between an initiator and an acceptor
 * made from key files, every truncation and single-byte change of its
 * tokens, policy, channel bindings, lifetime, and per-message tokens.
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

/* The inner token after a context token's RFC 2743 framing. */
static unsigned char *inner_token(const gss_buffer_desc *token)
{
	unsigned char *oid = memmem(token->value, token->length, sm_mech_oid.elements,
				    sm_mech_oid.length);

	ck_assert_ptr_nonnull(oid);
	return oid + sm_mech_oid.length;
}

START_TEST(both_context_tokens_are_framed_and_version_1_is_refused)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct sm_context *acc = NULL;
	unsigned char *inner;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	inner = inner_token(&p.token1);
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
	inner = inner_token(&p.token2);
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

/* ---- per-message -------------------------------------------------------- */

START_TEST(wrap_and_mic_both_ways)
{
	gss_buffer_desc msg = { 11, (void *)"hello world" }, empty = { 0, NULL };
	gss_buffer_desc token, out;
	struct pair p;
	OM_uint32 minor;
	int conf, sealed, side;
	gss_qop_t qop;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG, 0);
	for (side = 0; side < 2; side++) {
		struct sm_context *from = side ? p.acc : p.init, *to = side ? p.init : p.acc;

		for (sealed = 0; sealed < 2; sealed++) {
			ck_assert_int_eq(sm_wrap(&minor, from, sealed, 0, &msg, &conf, &token),
					 GSS_S_COMPLETE);
			ck_assert_int_eq(conf, sealed);
			ck_assert_uint_eq(token.length, 28 + msg.length + 16);
			/* Sealed tokens do not show the message; integrity-only do. */
			ck_assert_int_eq(memmem(token.value, token.length, "hello world", 11) != NULL,
					 !sealed);
			ck_assert_int_eq(sm_unwrap(&minor, to, &token, &out, &conf, &qop),
					 GSS_S_COMPLETE);
			ck_assert_int_eq(conf, sealed);
			ck_assert_uint_eq(out.length, msg.length);
			ck_assert_mem_eq(out.value, msg.value, msg.length);
			free(out.value);
			free(token.value);
		}
		ck_assert_int_eq(sm_get_mic(&minor, from, 0, &msg, &token), GSS_S_COMPLETE);
		ck_assert_uint_eq(token.length, 44);
		ck_assert_int_eq(sm_verify_mic(&minor, to, &msg, &token, &qop), GSS_S_COMPLETE);
		free(token.value);
		/* Empty messages work too. */
		ck_assert_int_eq(sm_wrap(&minor, from, 1, 0, &empty, NULL, &token), GSS_S_COMPLETE);
		ck_assert_int_eq(sm_unwrap(&minor, to, &token, &out, NULL, NULL), GSS_S_COMPLETE);
		ck_assert_uint_eq(out.length, 0);
		free(out.value);
		free(token.value);
	}
	ck_assert_int_eq(sm_get_mic(&minor, p.init, 1, &msg, &token), GSS_S_BAD_QOP);
	pair_release(&p);
}
END_TEST

START_TEST(every_change_of_message_tokens_is_refused)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, token, changed, out;
	unsigned char *copy;
	struct pair p;
	OM_uint32 minor, major;
	size_t i, kind;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	for (kind = 0; kind < 3; kind++) {
		if (kind == 2)
			ck_assert_int_eq(sm_get_mic(&minor, p.init, 0, &msg, &token), GSS_S_COMPLETE);
		else
			ck_assert_int_eq(sm_wrap(&minor, p.init, (int)kind, 0, &msg, NULL, &token),
					 GSS_S_COMPLETE);
		copy = malloc(token.length);
		for (i = 0; i < 2 * token.length; i++) {
			memcpy(copy, token.value, token.length);
			changed.value = copy;
			changed.length = i < token.length ? i : token.length;
			if (i >= token.length)
				copy[i - token.length] ^= 0x80;
			if (kind == 2)
				major = sm_verify_mic(&minor, p.acc, &msg, &changed, NULL);
			else
				major = sm_unwrap(&minor, p.acc, &changed, &out, NULL, NULL);
			ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN || major == GSS_S_BAD_SIG,
				      "kind %zu case %zu: 0x%x", kind, i, major);
		}
		/* The genuine token still verifies: failures changed no state. */
		if (kind == 2) {
			ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &token, NULL),
					 GSS_S_COMPLETE);
		} else {
			ck_assert_int_eq(sm_unwrap(&minor, p.acc, &token, &out, NULL, NULL),
					 GSS_S_COMPLETE);
			free(out.value);
		}
		/* A MIC over another message fails. */
		if (kind == 2) {
			gss_buffer_desc other = { 5, (void *)"jello" };

			ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &other, &token, NULL),
					 GSS_S_BAD_SIG);
		}
		free(copy);
		free(token.value);
	}
	pair_release(&p);
}
END_TEST

START_TEST(reflected_tokens_are_refused)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, token, out;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p.init, &token, &out, NULL, NULL),
			 GSS_S_DEFECTIVE_TOKEN);
	ck_assert_int_eq(minor, GSS_SODIUM_S_REFLECTED);
	free(token.value);
	ck_assert_int_eq(sm_get_mic(&minor, p.acc, 0, &msg, &token), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &token, NULL),
			 GSS_S_DEFECTIVE_TOKEN);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(replay_and_order_detection)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, t[3], out;
	struct pair p;
	OM_uint32 minor;
	int i;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG, 0);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(sm_get_mic(&minor, p.init, 0, &msg, &t[i]), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[0], NULL), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[0], NULL), GSS_S_DUPLICATE_TOKEN);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[2], NULL), GSS_S_GAP_TOKEN);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[1], NULL), GSS_S_UNSEQ_TOKEN);
	/* MIC and wrap share one counter per direction. */
	free(t[0].value);
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &t[0]), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p.acc, &t[0], &out, NULL, NULL), GSS_S_COMPLETE);
	free(out.value);
	ck_assert_int_eq(sm_unwrap(&minor, p.acc, &t[0], &out, NULL, NULL), GSS_S_DUPLICATE_TOKEN);
	free(out.value);
	for (i = 0; i < 3; i++)
		free(t[i].value);
	pair_release(&p);
	/* Without the flags, a replay is not reported. */
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_get_mic(&minor, p.init, 0, &msg, &t[0]), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[0], NULL), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_verify_mic(&minor, p.acc, &msg, &t[0], NULL), GSS_S_COMPLETE);
	free(t[0].value);
	pair_release(&p);
}
END_TEST

/* Found by fuzzing: the send counter had no end, and after 2^64 - 1 would
 * have reused nonces. */
START_TEST(sequence_numbers_do_not_wrap)
{
	gss_buffer_desc msg = { 2, (void *)"hi" }, token, out;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	p.init->send_seq = UINT64_MAX - 1;
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p.acc, &token, &out, NULL, NULL), GSS_S_COMPLETE);
	free(out.value);
	free(token.value);
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_CONTEXT_EXPIRED);
	ck_assert_int_eq(sm_get_mic(&minor, p.init, 0, &msg, &token), GSS_S_CONTEXT_EXPIRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "sequence numbers"));
	pair_release(&p);
}
END_TEST

START_TEST(wrap_size_limit)
{
	struct pair p;
	OM_uint32 minor, max = 0;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_wrap_size_limit(&minor, p.init, 1, 0, 1044, &max), GSS_S_COMPLETE);
	ck_assert_uint_eq(max, 1000);
	ck_assert_int_eq(sm_wrap_size_limit(&minor, p.init, 0, 0, 20, &max), GSS_S_COMPLETE);
	ck_assert_uint_eq(max, 0);
	pair_release(&p);
}
END_TEST

START_TEST(pseudo_random_agrees_on_both_sides)
{
	static const ssize_t lengths[] = { 0, 1, 56, 64, 65, 200 };
	gss_buffer_desc in = { 4, (void *)"salt" }, other = { 4, (void *)"salz" };
	gss_buffer_desc a, b, c;
	struct pair p;
	OM_uint32 minor;
	size_t i;
	int type;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	for (type = GSS_C_PRF_KEY_FULL; type <= GSS_C_PRF_KEY_PARTIAL; type++) {
		for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
			ck_assert_int_eq(sm_pseudo_random(&minor, p.init, type, &in, lengths[i], &a),
					 GSS_S_COMPLETE);
			ck_assert_int_eq(sm_pseudo_random(&minor, p.acc, type, &in, lengths[i], &b),
					 GSS_S_COMPLETE);
			ck_assert_int_eq(sm_pseudo_random(&minor, p.acc, type, &other, lengths[i], &c),
					 GSS_S_COMPLETE);
			ck_assert_uint_eq(a.length, (size_t)lengths[i]);
			ck_assert_mem_eq(a.value, b.value, a.length);
			/* Outputs for other inputs differ; below 8 bytes they
			 * may agree by chance (1 in 256 for one byte). */
			ck_assert(a.length < 8 || memcmp(a.value, c.value, a.length) != 0);
			free(a.value);
			free(b.value);
			free(c.value);
		}
	}
	ck_assert_int_eq(sm_pseudo_random(&minor, p.init, 7, &in, 8, &a), GSS_S_FAILURE);
	ck_assert_int_eq(sm_pseudo_random(&minor, p.init, 0, &in, (ssize_t)1 << 30, &a),
			 GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_PRF_LENGTH);
	pair_release(&p);
}
END_TEST

static gss_iov_buffer_desc iov_buffer(OM_uint32 type, void *value, size_t length)
{
	gss_iov_buffer_desc b;

	b.type = type;
	b.buffer.value = value;
	b.buffer.length = length;
	return b;
}

START_TEST(iov_forms_match_wrap)
{
	char part1[] = "hello, ", part2[] = "world", assoc[] = "not sent";
	unsigned char header[28], trailer[16], big_header[44], *joined;
	gss_iov_buffer_desc iov[6];
	gss_buffer_desc token, out;
	struct pair p;
	OM_uint32 minor;
	int conf = -1, sealed;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG, 0);
	for (sealed = 0; sealed < 2; sealed++) {
		/* HEADER | DATA | DATA | TRAILER, laid end to end, is a wrap token. */
		iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER, header, 0);
		iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, part1, 7);
		iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, part2, 5);
		iov[3] = iov_buffer(GSS_IOV_BUFFER_TYPE_TRAILER, trailer, 0);
		iov[4] = iov_buffer(GSS_IOV_BUFFER_TYPE_PADDING, NULL, 7);
		ck_assert_int_eq(sm_wrap_iov_length(&minor, p.init, sealed, 0, &conf, iov, 5),
				 GSS_S_COMPLETE);
		ck_assert_uint_eq(iov[0].buffer.length, 28);
		ck_assert_uint_eq(iov[3].buffer.length, 16);
		ck_assert_uint_eq(iov[4].buffer.length, 0);
		ck_assert_int_eq(sm_wrap_iov(&minor, p.init, sealed, 0, &conf, iov, 5),
				 GSS_S_COMPLETE);
		ck_assert_int_eq(conf, sealed);
		ck_assert_int_eq(memcmp(part1, "hello, ", 7) != 0, sealed);
		joined = malloc(28 + 12 + 16);
		memcpy(joined, header, 28);
		memcpy(joined + 28, part1, 7);
		memcpy(joined + 35, part2, 5);
		memcpy(joined + 40, trailer, 16);
		token.value = joined;
		token.length = 56;
		ck_assert_int_eq(sm_unwrap(&minor, p.acc, &token, &out, &conf, NULL), GSS_S_COMPLETE);
		ck_assert_int_eq(conf, sealed);
		ck_assert_uint_eq(out.length, 12);
		ck_assert_mem_eq(out.value, "hello, world", 12);
		free(out.value);
		free(joined);
		memcpy(part1, "hello, ", 7);
		memcpy(part2, "world", 5);
	}

	/* No TRAILER: the tag rides in a 44-byte HEADER; SIGN_ONLY data is
	 * authenticated and must match on the other side. */
	iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER, big_header, 44);
	iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, assoc, 8);
	iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, part1, 7);
	ck_assert_int_eq(sm_wrap_iov(&minor, p.acc, 1, 0, &conf, iov, 3), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.init, &conf, NULL, iov, 3), GSS_S_COMPLETE);
	ck_assert_mem_eq(part1, "hello, ", 7);
	ck_assert_int_eq(sm_wrap_iov(&minor, p.acc, 1, 0, &conf, iov, 3), GSS_S_COMPLETE);
	assoc[0] = 'N';
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.init, &conf, NULL, iov, 3), GSS_S_BAD_SIG);
	/* A HEADER too small, without ALLOCATE, is refused. */
	iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER, header, 28);
	ck_assert_int_eq(sm_wrap_iov(&minor, p.acc, 1, 0, &conf, iov, 3), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_IOV);
	pair_release(&p);
}
END_TEST

START_TEST(iov_allocate_and_stream)
{
	char data[] = "streamed";
	gss_buffer_desc msg = { 8, (void *)"streamed" }, token;
	gss_iov_buffer_desc iov[3];
	struct pair p;
	OM_uint32 minor;
	int conf;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG, 0);
	iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
	iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, data, 8);
	iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_TRAILER | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
	ck_assert_int_eq(sm_wrap_iov(&minor, p.init, 1, 0, &conf, iov, 3), GSS_S_COMPLETE);
	ck_assert(iov[0].type & GSS_IOV_BUFFER_FLAG_ALLOCATED);
	ck_assert(iov[2].type & GSS_IOV_BUFFER_FLAG_ALLOCATED);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 3), GSS_S_COMPLETE);
	ck_assert_mem_eq(data, "streamed", 8);
	/* The buffers now hold the message itself, so they do not unwrap again. */
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 3), GSS_S_BAD_SIG);
	free(iov[0].buffer.value);
	free(iov[2].buffer.value);

	/* A gss_wrap token, whole, as a STREAM buffer. */
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_STREAM, token.value, token.length);
	iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 2), GSS_S_COMPLETE);
	ck_assert_uint_eq(iov[1].buffer.length, 8);
	ck_assert_mem_eq(iov[1].buffer.value, "streamed", 8);
	ck_assert_ptr_eq(iov[1].buffer.value, (unsigned char *)token.value + 28);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 2), GSS_S_BAD_SIG);
	free(token.value);
	pair_release(&p);
}
END_TEST

/* A gss_wrap token as a STREAM buffer: without ALLOCATE the DATA buffer
 * points at the message inside the stream (decrypted in place), as in MIT
 * krb5; with ALLOCATE it is a copy the caller frees, and the stream keeps
 * the token. */
START_TEST(iov_stream_allocate)
{
	gss_buffer_desc msg = { 8, (void *)"streamed" }, token;
	unsigned char *start, *kept;
	gss_iov_buffer_desc iov[3];
	int conf, sealed, allocate;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG, 0);
	for (sealed = 0; sealed < 2; sealed++) {
		for (allocate = 0; allocate < 2; allocate++) {
			ck_assert_int_eq(sm_wrap(&minor, p.init, sealed, 0, &msg, NULL, &token),
					 GSS_S_COMPLETE);
			start = token.value;
			kept = malloc(token.length);
			memcpy(kept, start, token.length);
			iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_STREAM, start, token.length);
			iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA |
					    (allocate ? GSS_IOV_BUFFER_FLAG_ALLOCATE : 0), NULL, 0);
			ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 2),
					 GSS_S_COMPLETE);
			ck_assert_int_eq(conf, sealed);
			ck_assert_uint_eq(iov[1].buffer.length, 8);
			ck_assert_mem_eq(iov[1].buffer.value, "streamed", 8);
			if (allocate) {
				ck_assert(iov[1].type & GSS_IOV_BUFFER_FLAG_ALLOCATED);
				ck_assert((unsigned char *)iov[1].buffer.value + 8 <= start ||
					  (unsigned char *)iov[1].buffer.value >= start + token.length);
				ck_assert_mem_eq(start, kept, token.length);
				free(iov[1].buffer.value);
			} else {
				ck_assert(!(iov[1].type & GSS_IOV_BUFFER_FLAG_ALLOCATED));
				ck_assert_ptr_eq(iov[1].buffer.value, start + 28);
			}
			free(kept);
			free(token.value);
		}
	}

	/* A refused token leaves no buffer allocated. */
	ck_assert_int_eq(sm_wrap(&minor, p.init, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	((unsigned char *)token.value)[14] ^= 1;
	iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_STREAM, token.value, token.length);
	iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 2), GSS_S_BAD_SIG);
	ck_assert(!(iov[1].type & GSS_IOV_BUFFER_FLAG_ALLOCATED));
	ck_assert_ptr_null(iov[1].buffer.value);

	/* One DATA buffer, no HEADER or TRAILER, and a stream long enough
	 * for a header and a tag. */
	iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, NULL, 0);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 3), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_IOV);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 1), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_IOV);
	iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER, NULL, 0);
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 3), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_IOV);
	iov[0].buffer.length = 28 + 15;
	ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 2), GSS_S_DEFECTIVE_TOKEN);
	ck_assert_ptr_null(iov[1].buffer.value);
	free(token.value);
	pair_release(&p);
}
END_TEST

/* SIGN_ONLY buffers beside a STREAM are authenticated as in the other IOV
 * form: a wrap_iov token with SIGN_ONLY buffers unwraps from a STREAM with
 * the same SIGN_ONLY buffers in the same places, and no other. */
START_TEST(iov_stream_with_sign_only)
{
	char said[] = "said ", aside[] = " aside", data[] = "and sent";
	unsigned char *stream;
	gss_iov_buffer_desc iov[5];
	size_t len;
	struct pair p;
	OM_uint32 minor;
	int conf, sealed;

	fixture_files("", 1);
	pair_establish(&p, GSS_C_REPLAY_FLAG, 0);
	for (sealed = 0; sealed < 2; sealed++) {
		iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
		iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, said, 5);
		iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA, data, 8);
		iov[3] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, aside, 6);
		iov[4] = iov_buffer(GSS_IOV_BUFFER_TYPE_TRAILER | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
		ck_assert_int_eq(sm_wrap_iov(&minor, p.init, sealed, 0, &conf, iov, 5), GSS_S_COMPLETE);
		len = 28 + 8 + 16;
		stream = malloc(len);
		memcpy(stream, iov[0].buffer.value, 28);
		memcpy(stream + 28, data, 8);
		memcpy(stream + 36, iov[4].buffer.value, 16);
		free(iov[0].buffer.value);
		free(iov[4].buffer.value);
		memcpy(data, "and sent", 8);

		iov[0] = iov_buffer(GSS_IOV_BUFFER_TYPE_STREAM, stream, len);
		iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
		/* A changed SIGN_ONLY byte. */
		said[0] = 'S';
		ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 4), GSS_S_BAD_SIG);
		ck_assert(!(iov[2].type & GSS_IOV_BUFFER_FLAG_ALLOCATED));
		said[0] = 's';
		if (!sealed) {
			/* Integrity only: the DATA buffer's place among them counts. */
			iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
			iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, said, 5);
			ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 4),
					 GSS_S_BAD_SIG);
			iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, said, 5);
			iov[2] = iov_buffer(GSS_IOV_BUFFER_TYPE_DATA | GSS_IOV_BUFFER_FLAG_ALLOCATE, NULL, 0);
		}
		/* Without SIGN_ONLY buffers the token does not unwrap either. */
		iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_EMPTY, NULL, 0);
		iov[3] = iov_buffer(GSS_IOV_BUFFER_TYPE_EMPTY, NULL, 0);
		ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 4), GSS_S_BAD_SIG);
		iov[1] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, said, 5);
		iov[3] = iov_buffer(GSS_IOV_BUFFER_TYPE_SIGN_ONLY, aside, 6);

		ck_assert_int_eq(sm_unwrap_iov(&minor, p.acc, &conf, NULL, iov, 4), GSS_S_COMPLETE);
		ck_assert_int_eq(conf, sealed);
		ck_assert(iov[2].type & GSS_IOV_BUFFER_FLAG_ALLOCATED);
		ck_assert_uint_eq(iov[2].buffer.length, 8);
		ck_assert_mem_eq(iov[2].buffer.value, "and sent", 8);
		free(iov[2].buffer.value);
		free(stream);
	}
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
	tcase_add_test(t, wrap_and_mic_both_ways);
	tcase_add_test(t, every_change_of_message_tokens_is_refused);
	tcase_add_test(t, reflected_tokens_are_refused);
	tcase_add_test(t, replay_and_order_detection);
	tcase_add_test(t, sequence_numbers_do_not_wrap);
	tcase_add_test(t, wrap_size_limit);
	tcase_add_test(t, pseudo_random_agrees_on_both_sides);
	tcase_add_test(t, iov_forms_match_wrap);
	tcase_add_test(t, iov_allocate_and_stream);
	tcase_add_test(t, iov_stream_allocate);
	tcase_add_test(t, iov_stream_with_sign_only);
	tcase_add_test(t, context_keys_are_wiped_on_delete);
	suite_add_tcase(s, t);
	return s;
}
