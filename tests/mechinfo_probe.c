/*
 * What the mechanism says about itself, through a real mechglue, and
 * whether it holds: the SASL name (RFC 5801), each RFC 5587 attribute
 * beside a check of the behaviour it promises, and local accounts.  Built
 * like mechglue_probe for MIT and for Heimdal.
 *
 * The settings are read once per process, so the test runs the probe once
 * per settings file, naming it in argv[1]:
 *   closed: allow_anonymous = no, localname = none (the defaults);
 *   open:   allow_anonymous = yes, localname = map (alice: ali, admin);
 *   same:   localname = same.
 * Environment as for mechglue_probe (probe-setup.sh).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi_ext.h>

#include "probe.h"

#define MA(arc) { 7, (void *)("\x2b\x06\x01\x05\x05\x0d" arc) }
static gss_OID_desc ma_concrete = MA("\x01"), ma_itok_framed = MA("\x09"),
		    ma_auth_init = MA("\x0a"), ma_auth_targ = MA("\x0b"),
		    ma_auth_init_anon = MA("\x0e"), ma_integ_prot = MA("\x11"),
		    ma_conf_prot = MA("\x12"), ma_mic = MA("\x13"), ma_wrap = MA("\x14"),
		    ma_prot_ready = MA("\x15"), ma_replay_det = MA("\x16"),
		    ma_oos_det = MA("\x17"), ma_cbindings = MA("\x18"), ma_pfs = MA("\x19"),
		    ma_ctx_trans = MA("\x1b");

static const char *probe_dir;

static void use_file(const char *variable, const char *file)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", probe_dir, file);
	setenv(variable, path, 1);
}

/* An established pair of contexts through the mechglue. */
struct pair {
	gss_ctx_id_t init, acc;
	gss_buffer_desc t1, t2;
	gss_name_t src;
	gss_OID mech_type;
	OM_uint32 accept_major, init_major, accept_minor;
};

static void start(struct pair *p, OM_uint32 flags, gss_channel_bindings_t init_cb,
		  gss_channel_bindings_t acc_cb)
{
	gss_name_t target = import("HTTP@web.example", &nt_hostbased);
	gss_buffer_desc none = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;

	memset(p, 0, sizeof(*p));
	p->init_major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p->init, target,
					     &mech, flags, 0, init_cb, GSS_C_NO_BUFFER, NULL,
					     &p->t1, NULL, NULL);
	p->accept_major = GSS_S_FAILURE;
	if (p->init_major == GSS_S_CONTINUE_NEEDED)
		p->accept_major = gss_accept_sec_context(&p->accept_minor, &p->acc,
							 GSS_C_NO_CREDENTIAL, &p->t1, acc_cb,
							 &p->src, &p->mech_type, &p->t2, NULL,
							 NULL, NULL);
	if (p->accept_major == GSS_S_COMPLETE)
		p->init_major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &p->init,
						     target, &mech, flags, 0, init_cb, &p->t2,
						     NULL, &none, NULL, NULL);
	gss_release_buffer(&minor, &none);
	gss_release_name(&minor, &target);
}

static void finish(struct pair *p)
{
	OM_uint32 minor;

	gss_delete_sec_context(&minor, &p->init, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&minor, &p->acc, GSS_C_NO_BUFFER);
	gss_release_buffer(&minor, &p->t1);
	gss_release_buffer(&minor, &p->t2);
	gss_release_name(&minor, &p->src);
}

static int established(const struct pair *p)
{
	return p->accept_major == GSS_S_COMPLETE && p->init_major == GSS_S_COMPLETE;
}

#define ALL_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | \
		   GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)

/* ---- the SASL name -------------------------------------------------- */

static void sasl_names(void)
{
	gss_buffer_desc sasl = GSS_C_EMPTY_BUFFER, name = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc description = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc asked = { strlen(GSS_SODIUM_SASL_NAME), (void *)GSS_SODIUM_SASL_NAME };
	gss_buffer_desc other = { 15, (void *)"GS2-AAAAAAAAAAA" };
	gss_OID found = GSS_C_NO_OID;
	OM_uint32 major, minor;

	major = gss_inquire_saslname_for_mech(&minor, &mech, &sasl, &name, &description);
	check(major == GSS_S_COMPLETE && buffer_is(&sasl, GSS_SODIUM_SASL_NAME) &&
	      buffer_is(&name, "sodium") && description.length > 20,
	      "inquire_saslname_for_mech: %.*s, %.*s, '%.*s' %s", (int)sasl.length,
	      (char *)sasl.value, (int)name.length, (char *)name.value,
	      (int)description.length, (char *)description.value, minor_text(minor));
	gss_release_buffer(&minor, &sasl);
	gss_release_buffer(&minor, &name);
	gss_release_buffer(&minor, &description);
	major = gss_inquire_mech_for_saslname(&minor, &asked, &found);
	check(major == GSS_S_COMPLETE && oid_eq(found, &mech),
	      "inquire_mech_for_saslname(%s) gives the mechanism (0x%x)", GSS_SODIUM_SASL_NAME,
	      major);
	found = GSS_C_NO_OID;
	major = gss_inquire_mech_for_saslname(&minor, &other, &found);
	check(major == GSS_S_BAD_MECH && found == GSS_C_NO_OID,
	      "inquire_mech_for_saslname(GS2-AAAAAAAAAAA) is GSS_S_BAD_MECH (0x%x)", major);
}

/* ---- each attribute and the behaviour it promises --------------------- */

/* 0x60, a DER length that spans the rest, then the mechanism's OID. */
static int token_is_framed(const gss_buffer_desc *t)
{
	const unsigned char *b = t->value;
	size_t at = 2, len, n;

	if (t->length < 2 || b[0] != 0x60)
		return 0;
	len = b[1];
	if (b[1] & 0x80) {
		for (len = 0, n = b[1] & 0x7f; n > 0 && at < t->length; n--)
			len = len << 8 | b[at++];
	}
	return at + len == t->length && len > 2 + mech.length && b[at] == 0x06 &&
	       b[at + 1] == mech.length && memcmp(b + at + 2, mech.elements, mech.length) == 0;
}

static int shows_concrete(void)
{
	struct pair p;
	int ok;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) && oid_eq(p.mech_type, &mech);
	finish(&p);
	return ok;
}

static int shows_framed_tokens(void)
{
	struct pair p;
	int ok;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) && token_is_framed(&p.t1) && token_is_framed(&p.t2);
	finish(&p);
	return ok;
}

/* The acceptor names the initiator, and refuses one whose key its peers
 * file does not hold. */
static int shows_initiator_authenticated(void)
{
	struct pair p;
	int ok;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) && displays_as(p.src, "alice", &nt_user);
	finish(&p);
	use_file("GSS_SODIUM_IDENTITY", "untrusted-identity");
	start(&p, ALL_FLAGS, NULL, NULL);
	ok = ok && GSS_ERROR(p.accept_major);
	if (GSS_ERROR(p.accept_major))
		printf("# untrusted initiator: %s\n", minor_text(p.accept_minor));
	finish(&p);
	use_file("GSS_SODIUM_IDENTITY", "identity");
	return ok;
}

/* An acceptor holding another key under the target's name cannot answer. */
static int shows_target_authenticated(void)
{
	struct pair p;
	int ok;

	use_file("GSS_SODIUM_KEYTAB", "impostor-keytab");
	start(&p, ALL_FLAGS, NULL, NULL);
	ok = GSS_ERROR(p.accept_major) && p.init_major == GSS_S_CONTINUE_NEEDED;
	finish(&p);
	use_file("GSS_SODIUM_KEYTAB", "keytab");
	return ok;
}

static OM_uint32 anonymous_attempt(gss_name_t *src_shown_anonymous)
{
	gss_OID_desc nt_anonymous = { 6, (void *)"\x2b\x06\x01\x05\x06\x03" };
	gss_buffer_desc shown = GSS_C_EMPTY_BUFFER;
	gss_OID type = GSS_C_NO_OID;
	OM_uint32 major, minor;
	struct pair p;

	start(&p, ALL_FLAGS | GSS_C_ANON_FLAG, NULL, NULL);
	major = p.accept_major;
	*src_shown_anonymous = GSS_C_NO_NAME;
	if (major == GSS_S_COMPLETE &&
	    gss_display_name(&minor, p.src, &shown, &type) == GSS_S_COMPLETE &&
	    oid_eq(type, &nt_anonymous)) {
		*src_shown_anonymous = p.src;
		p.src = GSS_C_NO_NAME;
	}
	gss_release_buffer(&minor, &shown);
	finish(&p);
	return major;
}

static int shows_anonymous_initiators_accepted(void)
{
	gss_name_t src;
	OM_uint32 minor, major = anonymous_attempt(&src);
	int ok = major == GSS_S_COMPLETE && src != GSS_C_NO_NAME;

	gss_release_name(&minor, &src);
	return ok;
}

/* A MIC over another message, or a wrap token with one bit changed, is
 * refused. */
static int shows_integrity(void)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, other = { 5, (void *)"jello" };
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER, wrapped = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	struct pair p;
	int ok;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) &&
	     gss_get_mic(&minor, p.init, GSS_C_QOP_DEFAULT, &msg, &mic) == GSS_S_COMPLETE &&
	     gss_verify_mic(&minor, p.acc, &other, &mic, NULL) == GSS_S_BAD_SIG &&
	     gss_wrap(&minor, p.init, 0, GSS_C_QOP_DEFAULT, &msg, NULL, &wrapped) ==
		     GSS_S_COMPLETE;
	if (ok) {
		((unsigned char *)wrapped.value)[wrapped.length - 1] ^= 1;
		ok = gss_unwrap(&minor, p.acc, &wrapped, &out, NULL, NULL) == GSS_S_BAD_SIG;
	}
	gss_release_buffer(&minor, &mic);
	gss_release_buffer(&minor, &wrapped);
	gss_release_buffer(&minor, &out);
	finish(&p);
	return ok;
}

static int shows_mic(void)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, mic = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	struct pair p;
	int ok;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) &&
	     gss_get_mic(&minor, p.acc, GSS_C_QOP_DEFAULT, &msg, &mic) == GSS_S_COMPLETE &&
	     gss_verify_mic(&minor, p.init, &msg, &mic, NULL) == GSS_S_COMPLETE;
	gss_release_buffer(&minor, &mic);
	finish(&p);
	return ok;
}

/* A sealed token does not hold the message, and unwraps to it. */
static int shows_confidentiality(void)
{
	static const char secret[] = "attack at dawn, attack at dawn";
	gss_buffer_desc msg = { sizeof(secret) - 1, (void *)secret };
	gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	int conf = 0, conf_out = 0, ok;
	struct pair p;

	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) &&
	     gss_wrap(&minor, p.init, 1, GSS_C_QOP_DEFAULT, &msg, &conf, &wrapped) ==
		     GSS_S_COMPLETE &&
	     conf == 1 && memmem(wrapped.value, wrapped.length, "dawn", 4) == NULL &&
	     gss_unwrap(&minor, p.acc, &wrapped, &out, &conf_out, NULL) == GSS_S_COMPLETE &&
	     conf_out == 1 && buffer_is(&out, secret);
	gss_release_buffer(&minor, &wrapped);
	gss_release_buffer(&minor, &out);
	finish(&p);
	return ok;
}

/* Three wraps delivered as 1, 1, 3, 2: the second 1 is a duplicate, 3
 * leaves a gap, and 2 comes late. */
static int order_statuses(OM_uint32 got[4])
{
	gss_buffer_desc msg = { 3, (void *)"seq" }, t[3], out = GSS_C_EMPTY_BUFFER;
	static const int order[4] = { 0, 0, 2, 1 };
	OM_uint32 minor;
	struct pair p;
	int i, ok;

	memset(t, 0, sizeof(t));
	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p);
	for (i = 0; ok && i < 3; i++)
		ok = gss_wrap(&minor, p.init, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &t[i]) ==
		     GSS_S_COMPLETE;
	for (i = 0; ok && i < 4; i++) {
		got[i] = gss_unwrap(&minor, p.acc, &t[order[i]], &out, NULL, NULL);
		gss_release_buffer(&minor, &out);
	}
	for (i = 0; i < 3; i++)
		gss_release_buffer(&minor, &t[i]);
	finish(&p);
	return ok;
}

static int shows_replay_detection(void)
{
	OM_uint32 got[4];

	return order_statuses(got) && got[0] == GSS_S_COMPLETE &&
	       got[1] == GSS_S_DUPLICATE_TOKEN;
}

static int shows_order_detection(void)
{
	OM_uint32 got[4];

	return order_statuses(got) && got[2] == GSS_S_GAP_TOKEN &&
	       got[3] == GSS_S_UNSEQ_TOKEN;
}

static int shows_channel_bindings(void)
{
	struct gss_channel_bindings_struct a, b;
	struct pair p;
	int ok;

	probe_bindings(&a, &b);
	start(&p, ALL_FLAGS, &a, &a);
	ok = established(&p);
	finish(&p);
	start(&p, ALL_FLAGS, &a, &b);
	ok = ok && p.accept_major == GSS_S_BAD_BINDINGS;
	finish(&p);
	return ok;
}

/* Two contexts between the same two static keys, with the same inputs,
 * share no key: the handshakes' ephemeral keys differ, and so does what
 * each context derives (its PRF output).  That the static keys alone do
 * not give the session keys is shown in tests/check_noise.c. */
static int shows_fresh_keys_per_context(void)
{
	gss_buffer_desc salt = { 4, (void *)"salt" }, prf[2];
	/* The initiator's ephemeral key follows the framing (0x60, a
	 * two-byte length, the OID), the token id, version, pattern and
	 * key hint. */
	size_t eph = 3 + 2 + mech.length + 4 + 8, k;
	OM_uint32 minor;
	struct pair p[2];
	int ok = 1;

	memset(prf, 0, sizeof(prf));
	for (k = 0; k < 2; k++) {
		start(&p[k], ALL_FLAGS, NULL, NULL);
		ok = ok && established(&p[k]) && p[k].t1.length > eph + 32 &&
		     gss_pseudo_random(&minor, p[k].init, GSS_C_PRF_KEY_FULL, &salt, 32,
				       &prf[k]) == GSS_S_COMPLETE;
	}
	ok = ok && memcmp((char *)p[0].t1.value + eph, (char *)p[1].t1.value + eph, 32) != 0 &&
	     memcmp(prf[0].value, prf[1].value, 32) != 0;
	for (k = 0; k < 2; k++) {
		gss_release_buffer(&minor, &prf[k]);
		finish(&p[k]);
	}
	return ok;
}

/* Exported, imported, and the imported context goes on. */
static int shows_context_transfer(void)
{
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER, msg = { 5, (void *)"after" };
	gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	struct pair p;
	int ok;

	/* A process looks at GSS_SODIUM_SEALKEYS at most once a second, and
	 * the acceptors before this one looked already (for a key to seal
	 * resumption tickets with). */
	use_file("GSS_SODIUM_SEALKEYS", "sealkeys");
	usleep(1100 * 1000);
	start(&p, ALL_FLAGS, NULL, NULL);
	ok = established(&p) &&
	     gss_export_sec_context(&minor, &p.acc, &token) == GSS_S_COMPLETE &&
	     gss_import_sec_context(&minor, &token, &p.acc) == GSS_S_COMPLETE &&
	     gss_wrap(&minor, p.init, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &wrapped) ==
		     GSS_S_COMPLETE &&
	     gss_unwrap(&minor, p.acc, &wrapped, &out, NULL, NULL) == GSS_S_COMPLETE &&
	     buffer_is(&out, "after");
	gss_release_buffer(&minor, &token);
	gss_release_buffer(&minor, &wrapped);
	gss_release_buffer(&minor, &out);
	finish(&p);
	unsetenv("GSS_SODIUM_SEALKEYS");
	return ok;
}

/* Not claimed: the initiator has no keys until the acceptor answers, so a
 * context is never ready to protect messages before it is complete. */
static int shows_no_protection_before_completion(void)
{
	gss_name_t target = import("HTTP@web.example", &nt_hostbased);
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, msg = { 2, (void *)"hi" };
	gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	OM_uint32 major, minor, flags = 0;
	int ok;

	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, &mech, ALL_FLAGS,
				     0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t1,
				     &flags, NULL);
	ok = major == GSS_S_CONTINUE_NEEDED && !(flags & GSS_C_PROT_READY_FLAG) &&
	     GSS_ERROR(gss_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &wrapped));
	gss_release_buffer(&minor, &t1);
	gss_release_buffer(&minor, &wrapped);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	gss_release_name(&minor, &target);
	return ok;
}

static int shows_anonymous_initiators_refused(void)
{
	gss_name_t src;
	OM_uint32 minor, major = anonymous_attempt(&src);

	gss_release_name(&minor, &src);
	return major == GSS_S_UNAUTHORIZED;
}

static void attributes(int anonymous_admitted)
{
	static const struct {
		gss_OID oid;
		const char *name, *promise;
		int (*shows)(void);
	} claimed[] = {
		{ &ma_concrete, "MECH_CONCRETE", "a context is made with the mechanism's own OID", shows_concrete },
		{ &ma_itok_framed, "ITOK_FRAMED", "both context tokens carry the RFC 2743 framing", shows_framed_tokens },
		{ &ma_auth_init, "AUTH_INIT", "the acceptor names alice and refuses an untrusted key", shows_initiator_authenticated },
		{ &ma_auth_targ, "AUTH_TARG", "an acceptor without the target's key cannot answer", shows_target_authenticated },
		{ &ma_integ_prot, "INTEG_PROT", "an altered MIC or wrap token is GSS_S_BAD_SIG", shows_integrity },
		{ &ma_conf_prot, "CONF_PROT", "a sealed token does not hold the message", shows_confidentiality },
		{ &ma_mic, "MIC", "a MIC verifies", shows_mic },
		{ &ma_wrap, "WRAP", "a wrap token unwraps", shows_confidentiality },
		{ &ma_replay_det, "REPLAY_DET", "a replayed token is GSS_S_DUPLICATE_TOKEN", shows_replay_detection },
		{ &ma_oos_det, "OOS_DET", "a gap and a late token are reported", shows_order_detection },
		{ &ma_cbindings, "CBINDINGS", "different channel bindings are GSS_S_BAD_BINDINGS", shows_channel_bindings },
		{ &ma_pfs, "PFS", "two contexts of the same keys share no key", shows_fresh_keys_per_context },
		{ &ma_ctx_trans, "CTX_TRANS", "an exported context imports and goes on", shows_context_transfer },
	};
	gss_OID_set attrs = GSS_C_NO_OID_SET, known = GSS_C_NO_OID_SET;
	OM_uint32 major, minor;
	size_t i;

	major = gss_inquire_attrs_for_mech(&minor, &mech, &attrs, &known);
	check(major == GSS_S_COMPLETE && attrs != GSS_C_NO_OID_SET &&
	      attrs->count == 13 + (size_t)anonymous_admitted && set_has(known, &ma_ctx_trans),
	      "inquire_attrs_for_mech reports %zu attributes %s",
	      attrs != GSS_C_NO_OID_SET ? attrs->count : 0, minor_text(minor));
	for (i = 0; i < sizeof(claimed) / sizeof(claimed[0]); i++)
		check(set_has(attrs, claimed[i].oid) && claimed[i].shows(),
		      "GSS_C_MA_%s is claimed and holds: %s", claimed[i].name, claimed[i].promise);
	if (anonymous_admitted)
		check(set_has(attrs, &ma_auth_init_anon) && shows_anonymous_initiators_accepted(),
		      "GSS_C_MA_AUTH_INIT_ANON is claimed (allow_anonymous = yes) and holds: an anonymous initiator is accepted as anonymous");
	else
		check(!set_has(attrs, &ma_auth_init_anon) && shows_anonymous_initiators_refused(),
		      "GSS_C_MA_AUTH_INIT_ANON is not claimed (allow_anonymous = no), and an anonymous initiator is refused");
	check(!set_has(attrs, &ma_prot_ready) && shows_no_protection_before_completion(),
	      "GSS_C_MA_PROT_READY is not claimed, and an incomplete context protects nothing");
	gss_release_oid_set(&minor, &attrs);
	gss_release_oid_set(&minor, &known);
}

/* ---- local accounts ------------------------------------------------- */

/* alice as the acceptor sees her: a mechanism name from a handshake. */
static gss_name_t authenticated_alice(void)
{
	gss_name_t src = GSS_C_NO_NAME;
	struct pair p;

	start(&p, ALL_FLAGS, NULL, NULL);
	if (established(&p)) {
		src = p.src;
		p.src = GSS_C_NO_NAME;
	}
	finish(&p);
	return src;
}

static void local_accounts(const char *mode)
{
	gss_name_t alice = authenticated_alice();
	gss_name_t host = import("HTTP@web.example", &nt_hostbased), web = GSS_C_NO_NAME;
	gss_buffer_desc local = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;

	gss_canonicalize_name(&minor, host, &mech, &web);
	gss_release_name(&minor, &host);

	major = gss_localname(&minor, alice, &mech, &local);
	if (strcmp(mode, "closed") == 0) {
		check(major == GSS_S_UNAVAILABLE || major == GSS_S_FAILURE,
		      "localname = none: gss_localname maps alice to no account (0x%x)", major);
		check(!gss_userok(alice, "alice"),
		      "localname = none: gss_userok(alice, \"alice\") refuses");
	} else if (strcmp(mode, "same") == 0) {
		check(major == GSS_S_COMPLETE && buffer_is(&local, "alice"),
		      "localname = same: gss_localname maps alice to alice %s", minor_text(minor));
		check(gss_userok(alice, "alice") && !gss_userok(alice, "root"),
		      "localname = same: gss_userok admits alice as alice, not as root");
	} else {
		check(major == GSS_S_COMPLETE && buffer_is(&local, "ali"),
		      "localname = map: gss_localname maps alice to her first account, ali %s",
		      minor_text(minor));
		check(gss_userok(alice, "ali") && gss_userok(alice, "admin") &&
		      !gss_userok(alice, "alice"),
		      "localname = map: gss_userok admits alice as ali and admin, not as alice");
	}
	gss_release_buffer(&minor, &local);
	check(!gss_userok(web, "HTTP") && !gss_userok(web, "HTTP@web.example"),
	      "a host-based name is admitted to no account (localname = %s)",
	      strcmp(mode, "closed") == 0 ? "none" : strcmp(mode, "same") == 0 ? "same" : "map");
	gss_release_name(&minor, &alice);
	gss_release_name(&minor, &web);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	probe_dir = getenv("PROBE_DIR");
	if (probe_dir == NULL ||
	    (strcmp(mode, "closed") != 0 && strcmp(mode, "open") != 0 && strcmp(mode, "same") != 0)) {
		printf("Bail out! usage: PROBE_DIR=... mechinfo_probe closed|open|same\n");
		return 1;
	}
	if (strcmp(mode, "closed") == 0)
		sasl_names();
	if (strcmp(mode, "same") != 0)
		attributes(strcmp(mode, "open") == 0);
	local_accounts(mode);
	return probe_finish();
}
