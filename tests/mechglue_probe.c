/*
 * Drives the mechanism through a real GSS-API mechglue and prints TAP.
 * With the argument "resume" (tests/resumption.sh) it makes contexts to
 * one target instead: full, resumed, refused after a keyring change, and
 * resumed again.
 * Built twice: linked with MIT krb5's libgssapi_krb5, and (PROBE_HEIMDAL)
 * with Heimdal's libgssapi.  It uses only the RFC 2744 C bindings, with its
 * own OID constants, since the two libraries export different symbols for
 * the standard name types.
 *
 * Environment: PROBE_DIR holds keytab, identity and peers made with the
 * gss-sodium tool (HTTP@web.example and alice); GSS_SODIUM_* point at them.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "probe.h"

static void mechanism_is_listed(void)
{
	gss_OID_set mechs = GSS_C_NO_OID_SET, types = GSS_C_NO_OID_SET;
	OM_uint32 major, minor;

	major = gss_indicate_mechs(&minor, &mechs);
	check(major == GSS_S_COMPLETE && set_has(mechs, &mech),
	      "gss_indicate_mechs lists %s", GSS_SODIUM_MECH_OID_STRING);
	gss_release_oid_set(&minor, &mechs);
	major = gss_inquire_names_for_mech(&minor, &mech, &types);
	check(major == GSS_S_COMPLETE && set_has(types, &nt_hostbased) &&
	      set_has(types, &nt_user) && set_has(types, &nt_export),
	      "gss_inquire_names_for_mech reports host-based, user and export names");
	gss_release_oid_set(&minor, &types);
}

static void hostbased_name_round_trips(void)
{
	gss_name_t name = import("HTTP@Web.Example", &nt_hostbased), mn = GSS_C_NO_NAME;
	gss_name_t back = GSS_C_NO_NAME;
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int equal = 0;

	major = gss_canonicalize_name(&minor, name, &mech, &mn);
	check(major == GSS_S_COMPLETE && displays_as(mn, "HTTP@web.example", &nt_hostbased),
	      "canonicalize_name lower-cases the host: HTTP@web.example");
	major = gss_export_name(&minor, mn, &token);
	check(major == GSS_S_COMPLETE && token.length == 6 + mech.length + 4 + 16 &&
	      memcmp(token.value, "\x04\x01\x00\x0c\x06\x0a", 6) == 0 &&
	      memcmp((char *)token.value + 6, mech.elements, mech.length) == 0 &&
	      memcmp((char *)token.value + token.length - 16, "HTTP@web.example", 16) == 0,
	      "export_name gives the RFC 2743 token with the mechanism OID");
	major = gss_import_name(&minor, &token, &nt_export, &back);
	check(major == GSS_S_COMPLETE, "import_name takes the exported name back");
	major = gss_compare_name(&minor, back, mn, &equal);
	check(major == GSS_S_COMPLETE && equal && displays_as(back, "HTTP@web.example", NULL),
	      "the re-imported name equals the canonical one");
	gss_release_buffer(&minor, &token);
	gss_release_name(&minor, &name);
	gss_release_name(&minor, &mn);
	gss_release_name(&minor, &back);
}

static void credentials_from_tool_made_files(void)
{
	gss_name_t svc = import("HTTP@web.example", &nt_hostbased), name = GSS_C_NO_NAME;
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	gss_cred_usage_t usage = -1;
	OM_uint32 major, minor, lifetime = 0;

	major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mech_only,
				 GSS_C_INITIATE, &cred, NULL, NULL);
	check(major == GSS_S_COMPLETE, "acquire_cred (default initiator) %s", minor_text(minor));
	major = gss_inquire_cred(&minor, cred, &name, &lifetime, &usage, NULL);
	check(major == GSS_S_COMPLETE && displays_as(name, "alice", &nt_user) &&
	      usage == GSS_C_INITIATE && lifetime == GSS_C_INDEFINITE,
	      "inquire_cred names the identity file's first key: alice");
	gss_release_name(&minor, &name);
	gss_release_cred(&minor, &cred);

	major = gss_acquire_cred(&minor, svc, GSS_C_INDEFINITE, &mech_only,
				 GSS_C_ACCEPT, &cred, NULL, NULL);
	check(major == GSS_S_COMPLETE, "acquire_cred (acceptor HTTP@web.example) %s",
	      minor_text(minor));
	major = gss_inquire_cred_by_mech(&minor, cred, &mech, &name, NULL, NULL, &usage);
	check(major == GSS_S_COMPLETE && displays_as(name, "HTTP@web.example", NULL) &&
	      usage == GSS_C_ACCEPT, "inquire_cred_by_mech names the acceptor");
	gss_release_name(&minor, &name);
	gss_release_cred(&minor, &cred);
	gss_release_name(&minor, &svc);
}

#ifndef PROBE_HEIMDAL
/* Heimdal 7.8 has no gss_acquire_cred_from(). */
static void credentials_from_a_store(void)
{
	char keytab[4096];
	gss_key_value_element_desc element = { GSS_SODIUM_CRED_STORE_KEYTAB, keytab };
	gss_key_value_set_desc store = { 1, &element };
	gss_name_t svc = import("imap@mail.example", &nt_hostbased);
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 major, minor;

	snprintf(keytab, sizeof(keytab), "%s/store-keytab", getenv("PROBE_DIR"));
	major = gss_acquire_cred_from(&minor, svc, GSS_C_INDEFINITE, &mech_only,
				      GSS_C_ACCEPT, &store, &cred, NULL, NULL);
	check(major == GSS_S_COMPLETE, "acquire_cred_from with sodium_keytab %s",
	      minor_text(minor));
	gss_release_cred(&minor, &cred);
	gss_release_name(&minor, &svc);
}

#endif

static void bad_file_gives_a_sentence(void)
{
	char path[4096], expected[4200];
	gss_cred_id_t cred = GSS_C_NO_CREDENTIAL;
	OM_uint32 major, minor;

	char *identity = strdup(getenv("GSS_SODIUM_IDENTITY"));

	snprintf(path, sizeof(path), "%s/readable-identity", getenv("PROBE_DIR"));
	setenv("GSS_SODIUM_IDENTITY", path, 1);
	major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mech_only,
				 GSS_C_INITIATE, &cred, NULL, NULL);
	snprintf(expected, sizeof(expected), "%s: the identity file holds secret keys", path);
#ifdef PROBE_HEIMDAL
	/* Heimdal 7.8's gss_acquire_cred() replaces the mechanism's minor
	 * status with 0 when no mechanism gave a credential; the sentence
	 * reaches the administrator through the trace file. */
	check(major == GSS_S_NO_CRED && trace_has(expected) && trace_has("chmod 600"),
	      "a world-readable identity file is refused (GSS_S_NO_CRED), the trace says why");
#else
	check(major == GSS_S_NO_CRED && strstr(minor_text(minor), expected) != NULL &&
	      strstr(minor_text(minor), "chmod 600") != NULL,
	      "a world-readable identity file is refused: %s", minor_text(minor));
#endif
	setenv("GSS_SODIUM_IDENTITY", identity, 1);
	free(identity);
}

/* With a sealing keyring: the acceptor's context is exported, imported
 * and goes on; the token imports once only. */
static void transfer_through_the_mechglue(gss_ctx_id_t *actx, gss_ctx_id_t ictx)
{
	gss_buffer_desc msg = { 5, (void *)"after" }, token = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t again = GSS_C_NO_CONTEXT;
	OM_uint32 major, minor;
	char path[4096];

	/* A process looks at GSS_SODIUM_SEALKEYS at most once a second, and
	 * the export before this one looked already. */
	snprintf(path, sizeof(path), "%s/sealkeys", getenv("PROBE_DIR"));
	setenv("GSS_SODIUM_SEALKEYS", path, 1);
	usleep(1100 * 1000);
	major = gss_export_sec_context(&minor, actx, &token);
	check(major == GSS_S_COMPLETE && *actx == GSS_C_NO_CONTEXT && token.length > 0 &&
	      token.length <= 400, "export_sec_context seals the context (%zu bytes) and ends it %s",
	      token.length, minor_text(minor));
	major = gss_import_sec_context(&minor, &token, actx);
	check(major == GSS_S_COMPLETE && *actx != GSS_C_NO_CONTEXT,
	      "import_sec_context opens it again %s", minor_text(minor));
	gss_wrap(&minor, ictx, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &wrapped);
	major = gss_unwrap(&minor, *actx, &wrapped, &out, NULL, NULL);
	check(major == GSS_S_COMPLETE && buffer_is(&out, "after"),
	      "the imported context reads the initiator's next message");
	gss_release_buffer(&minor, &out);
	major = gss_import_sec_context(&minor, &token, &again);
	check(major == GSS_S_UNAUTHORIZED && again == GSS_C_NO_CONTEXT,
	      "a second import of the token is refused (0x%x)", major);
	gss_release_buffer(&minor, &token);
	gss_release_buffer(&minor, &wrapped);
	unsetenv("GSS_SODIUM_SEALKEYS");
}

/* An initiator (alice, from the identity file) and an acceptor (the
 * keytab) in one process, each through the mechglue. */
static void context_through_the_mechglue(void)
{
	gss_name_t target = import("HTTP@web.example", &nt_hostbased);
	gss_name_t src = GSS_C_NO_NAME, targ = GSS_C_NO_NAME;
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc msg = { 13, (void *)"hello, sodium" }, wrapped = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc mic = GSS_C_EMPTY_BUFFER, exported = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, flags = 0, aflags = 0;
	gss_OID actual = GSS_C_NO_OID;
	int conf = 0, local = 1, open = 0;

	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, &mech,
				     GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG |
				     GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG, 0,
				     GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, &actual, &t1,
				     NULL, NULL);
	check(major == GSS_S_CONTINUE_NEEDED && t1.length > 0 && ((unsigned char *)t1.value)[0] == 0x60,
	      "init_sec_context sends a framed first token %s", minor_text(minor));
	major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &t1,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, &actual, &t2, &aflags,
				       NULL, NULL);
	check(major == GSS_S_COMPLETE && oid_eq(actual, &mech) && t2.length > 0 &&
	      displays_as(src, "alice", &nt_user),
	      "accept_sec_context completes and names the initiator alice %s", minor_text(minor));
	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, &mech, 0, 0,
				     GSS_C_NO_CHANNEL_BINDINGS, &t2, NULL, &out, &flags, NULL);
	check(major == GSS_S_COMPLETE && out.length == 0 && flags == aflags &&
	      (flags & GSS_C_MUTUAL_FLAG) && (flags & GSS_C_REPLAY_FLAG) &&
	      (flags & GSS_C_PROT_READY_FLAG) && (flags & GSS_C_TRANS_FLAG),
	      "init_sec_context completes with the acceptor's flags (0x%x) %s", flags,
	      minor_text(minor));

	major = gss_wrap(&minor, ictx, 1, GSS_C_QOP_DEFAULT, &msg, &conf, &wrapped);
	check(major == GSS_S_COMPLETE && conf == 1, "wrap (sealed) by the initiator");
	major = gss_unwrap(&minor, actx, &wrapped, &out, &conf, NULL);
	check(major == GSS_S_COMPLETE && conf == 1 && buffer_is(&out, "hello, sodium"),
	      "unwrap by the acceptor gives the message back %s", minor_text(minor));
	gss_release_buffer(&minor, &out);
	major = gss_unwrap(&minor, actx, &wrapped, &out, &conf, NULL);
	check(major == GSS_S_DUPLICATE_TOKEN, "a replayed wrap token is a duplicate (0x%x)", major);
	gss_release_buffer(&minor, &out);
	major = gss_get_mic(&minor, actx, GSS_C_QOP_DEFAULT, &msg, &mic);
	check(major == GSS_S_COMPLETE, "get_mic by the acceptor");
	major = gss_verify_mic(&minor, ictx, &msg, &mic, NULL);
	check(major == GSS_S_COMPLETE, "verify_mic by the initiator %s", minor_text(minor));

	{
		gss_buffer_desc in = { 4, (void *)"salt" }, a = GSS_C_EMPTY_BUFFER, b = GSS_C_EMPTY_BUFFER;

		major = gss_pseudo_random(&minor, ictx, GSS_C_PRF_KEY_FULL, &in, 48, &a);
		gss_pseudo_random(&minor, actx, GSS_C_PRF_KEY_FULL, &in, 48, &b);
		check(major == GSS_S_COMPLETE && a.length == 48 && b.length == 48 &&
		      memcmp(a.value, b.value, 48) == 0,
		      "pseudo_random gives both sides the same output");
		gss_release_buffer(&minor, &a);
		gss_release_buffer(&minor, &b);
	}
	major = gss_inquire_context(&minor, actx, &targ, NULL, NULL,
				    NULL, &flags, &local, &open);
	check(major == GSS_S_COMPLETE && displays_as(targ, "alice", NULL) && !local && open,
	      "inquire_context on the acceptor");
	gss_release_name(&minor, &targ);

	/* Without a sealing key export is unavailable, and the context stays
	 * usable (RFC 2743: a failed export leaves the context alone). */
	major = gss_export_sec_context(&minor, &actx, &exported);
#ifdef PROBE_HEIMDAL
	check(major == GSS_S_UNAVAILABLE && actx != GSS_C_NO_CONTEXT && exported.length == 0 &&
	      strstr(minor_text(minor), "sealkey new") != NULL,
	      "without a sealing key export_sec_context answers GSS_S_UNAVAILABLE and keeps the context: %s",
	      minor_text(minor));
#else
	/* MIT 1.20's gss_export_sec_context() resets the minor status while
	 * cleaning up after a failure; the trace keeps the sentence. */
	check(major == GSS_S_UNAVAILABLE && actx != GSS_C_NO_CONTEXT && exported.length == 0 &&
	      trace_has("holds no sealing key") && trace_has("sealkey new"),
	      "without a sealing key export_sec_context answers GSS_S_UNAVAILABLE and keeps the context (the trace says why)");
#endif
	gss_release_buffer(&minor, &wrapped);
	major = gss_wrap(&minor, actx, 0, GSS_C_QOP_DEFAULT, &msg, &conf, &wrapped);
	check(major == GSS_S_COMPLETE && conf == 0, "the acceptor's context still wraps");
	transfer_through_the_mechglue(&actx, ictx);
	major = gss_unwrap(&minor, ictx, &wrapped, &out, &conf, NULL);
	check(major == GSS_S_COMPLETE && conf == 0 && buffer_is(&out, "hello, sodium"),
	      "integrity-only wrap reaches the initiator");
	gss_release_buffer(&minor, &out);

	major = gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
	check(major == GSS_S_COMPLETE && actx == GSS_C_NO_CONTEXT, "delete_sec_context");
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	gss_release_buffer(&minor, &t1);
	gss_release_buffer(&minor, &t2);
	gss_release_buffer(&minor, &wrapped);
	gss_release_buffer(&minor, &mic);
	gss_release_name(&minor, &src);
	gss_release_name(&minor, &target);
}

/* One handshake through the mechglue with the given flags and bindings on
 * each side; returns the acceptor's major status. */
static OM_uint32 handshake(OM_uint32 flags, gss_channel_bindings_t init_cb,
			   gss_channel_bindings_t acc_cb, gss_name_t *src)
{
	gss_name_t target = import("HTTP@web.example", &nt_hostbased);
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;

	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, &mech, flags,
				     0, init_cb, GSS_C_NO_BUFFER, NULL, &t1, NULL, NULL);
	if (major == GSS_S_CONTINUE_NEEDED)
		major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &t1, acc_cb,
					       src, NULL, &t2, NULL, NULL, NULL);
	gss_release_buffer(&minor, &t1);
	gss_release_buffer(&minor, &t2);
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
	gss_release_name(&minor, &target);
	return major;
}

static void bindings_and_anonymity(void)
{
	struct gss_channel_bindings_struct a, b;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 minor;

	probe_bindings(&a, &b);
	check(handshake(0, &a, &a, NULL) == GSS_S_COMPLETE,
	      "equal channel bindings: the acceptor completes");
	check(handshake(0, &a, &b, NULL) == GSS_S_BAD_BINDINGS,
	      "different channel bindings: GSS_S_BAD_BINDINGS");
	check(handshake(GSS_C_ANON_FLAG, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_CHANNEL_BINDINGS,
			&src) == GSS_S_UNAUTHORIZED,
	      "an anonymous initiator is refused (allow_anonymous = no)");
	gss_release_name(&minor, &src);
}

/* ---- resumption (argv[1] "resume", from tests/resumption.sh) ---------- */

/* The inner token of a context token, past the RFC 2743 framing (section
 * 4 of PROTOCOL.md); NULL when the token is not framed. */
static const unsigned char *inner_of(const gss_buffer_desc *t, size_t *len)
{
	const unsigned char *p = t->value;
	size_t at = 2, oid_end;

	if (t->length < 2 || p[0] != 0x60)
		return NULL;
	if (p[1] & 0x80)
		at += p[1] & 0x7f;
	if (at + 2 > t->length || p[at] != 0x06)
		return NULL;
	oid_end = at + 2 + p[at + 1];
	if (oid_end > t->length)
		return NULL;
	*len = t->length - oid_end;
	return p + oid_end;
}

/* The fourth byte of an inner token that starts with `header` (3 bytes):
 * token 1's pattern (01 01 02: 1 IK, 2 NK, 3 resumed) or token 3's reason
 * (01 03 02); -1 when the token is not that one. */
static int byte_after(const gss_buffer_desc *t, const char *header)
{
	size_t len = 0;
	const unsigned char *inner = inner_of(t, &len);

	if (inner == NULL || len < 4 || memcmp(inner, header, 3) != 0)
		return -1;
	return inner[3];
}

#define pattern_of(t) byte_after((t), "\x01\x01\x02")
#define refusal_of(t) byte_after((t), "\x01\x03\x02")

/* What one context establishment passed: the major status and output
 * token of each call, in turn the initiator's (step 0), the acceptor's,
 * the initiator's...  Seven calls at most: a refused ticket makes five. */
#define MAX_STEPS 7
struct exchange {
	int steps;
	OM_uint32 major[MAX_STEPS];
	gss_buffer_desc token[MAX_STEPS];
};

static void exchange_release(struct exchange *x)
{
	OM_uint32 minor;
	int i;

	for (i = 0; i < x->steps; i++)
		gss_release_buffer(&minor, &x->token[i]);
	x->steps = 0;
}

/* Runs a context between an initiator and an acceptor of this process as
 * an application does, passing tokens until neither side has one to send
 * or a call fails; *x records each call, *src gets the initiator as the
 * acceptor names it.  The return is 1 when both sides completed. */
static int run_context(gss_ctx_id_t *ictx, gss_ctx_id_t *actx, struct exchange *x,
		       gss_name_t *src)
{
	gss_name_t target = import("HTTP@web.example", &nt_hostbased);
	OM_uint32 imajor, amajor = GSS_S_CONTINUE_NEEDED, minor;
	gss_buffer_t in, out;

	memset(x, 0, sizeof(*x));
	imajor = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, ictx, target, &mech,
				      GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG |
				      GSS_C_SEQUENCE_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG,
				      0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL,
				      &x->token[0], NULL, NULL);
	if (GSS_ERROR(imajor))
		printf("# init_sec_context: 0x%x %s\n", imajor, minor_text(minor));
	x->major[x->steps++] = imajor;
	while (!GSS_ERROR(imajor) && !GSS_ERROR(amajor) && x->token[x->steps - 1].length > 0 &&
	       x->steps < MAX_STEPS) {
		in = &x->token[x->steps - 1];
		out = &x->token[x->steps];
		if (x->steps % 2 == 1) {
			amajor = gss_accept_sec_context(&minor, actx, GSS_C_NO_CREDENTIAL, in,
							GSS_C_NO_CHANNEL_BINDINGS, src, NULL,
							out, NULL, NULL, NULL);
			if (GSS_ERROR(amajor))
				printf("# accept_sec_context: 0x%x %s\n", amajor, minor_text(minor));
			x->major[x->steps++] = amajor;
		} else {
			imajor = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, ictx, target,
						      &mech, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
						      in, NULL, out, NULL, NULL);
			if (GSS_ERROR(imajor))
				printf("# init_sec_context: 0x%x %s\n", imajor, minor_text(minor));
			x->major[x->steps++] = imajor;
		}
	}
	gss_release_name(&minor, &target);
	return imajor == GSS_S_COMPLETE && amajor == GSS_S_COMPLETE;
}

/* A sealed message each way and a MIC each way. */
static int messages_pass(gss_ctx_id_t ictx, gss_ctx_id_t actx)
{
	gss_buffer_desc msg = { 17, (void *)"through a context" };
	gss_buffer_desc wrapped = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t from[2] = { ictx, actx }, to[2] = { actx, ictx };
	OM_uint32 minor;
	int i, conf, ok = 1;

	for (i = 0; i < 2; i++) {
		conf = 0;
		ok = ok && gss_wrap(&minor, from[i], 1, GSS_C_QOP_DEFAULT, &msg, NULL,
				    &wrapped) == GSS_S_COMPLETE &&
		     gss_unwrap(&minor, to[i], &wrapped, &out, &conf, NULL) == GSS_S_COMPLETE &&
		     conf && buffer_is(&out, "through a context");
		gss_release_buffer(&minor, &wrapped);
		gss_release_buffer(&minor, &out);
		ok = ok && gss_get_mic(&minor, from[i], GSS_C_QOP_DEFAULT, &msg,
				       &wrapped) == GSS_S_COMPLETE &&
		     gss_verify_mic(&minor, to[i], &msg, &wrapped, NULL) == GSS_S_COMPLETE;
		gss_release_buffer(&minor, &wrapped);
	}
	return ok;
}

/* One context to HTTP@web.example: `expect_resumed` says which kind it
 * must be, by its token 1 and by the trace.  *x keeps its tokens. */
static void resumption_context(const char *which, int expect_resumed, struct exchange *x)
{
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	long mark = trace_size();
	OM_uint32 minor;
	int done;

	done = run_context(&ictx, &actx, x, &src);
	check(done && x->steps == 3 && displays_as(src, "alice", &nt_user),
	      "%s context: both sides complete in one round trip (%d tokens), the acceptor names alice",
	      which, x->steps - 1);
	check(done && messages_pass(ictx, actx),
	      "%s context: sealed messages and MICs pass both ways", which);
	if (expect_resumed) {
		check(pattern_of(&x->token[0]) == 3,
		      "%s context: token 1 is a resumed one (pattern 3, got %d)",
		      which, pattern_of(&x->token[0]));
		check(trace_count_since(mark, "init: sent resumed handshake (NNpsk0) to 'HTTP@web.example' as 'alice' with a ticket valid until") == 1 &&
		      trace_count_since(mark, "accept: resumed context from 'alice' to 'HTTP@web.example' open for") == 1 &&
		      trace_count_since(mark, "sent IK handshake") == 0 &&
		      trace_count_since(mark, "accept: issued") == 0,
		      "%s context: the trace shows a resumed handshake on both sides, no full one and no new ticket",
		      which);
	} else {
		check(pattern_of(&x->token[0]) == 1,
		      "%s context: token 1 is a full IK one (pattern 1, got %d)",
		      which, pattern_of(&x->token[0]));
		check(trace_count_since(mark, "init: sent IK handshake to 'HTTP@web.example' as 'alice' (not resumed: no ticket is held for it)") == 1 &&
		      trace_count_since(mark, "accept: issued 'alice' a ticket sealed with key 1, valid until") == 1 &&
		      trace_count_since(mark, "init: kept a ticket for 'HTTP@web.example' valid until") == 1,
		      "%s context: the trace shows a full handshake, a ticket issued and kept", which);
	}
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
	gss_release_name(&minor, &src);
}

/* The status of call `step` of *x, or 0xffffffff when the exchange
 * stopped before it: a failed check then says where it stopped. */
static OM_uint32 major_at(const struct exchange *x, int step)
{
	return step < x->steps ? x->major[step] : 0xffffffff;
}

/* The initiator holds a ticket sealed with keyring key 1; the acceptor's
 * keyring now has key 1 retired and seals with key 2.  The application's
 * loop must run one more round trip, each call as PROTOCOL.md 4.2.1 says. */
static void refused_context(void)
{
	const char *why = "the ticket's keyring key is retired or unknown to the acceptor";
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	struct exchange x;
	long mark = trace_size();
	char line[256];
	OM_uint32 minor;
	int done;

	done = run_context(&ictx, &actx, &x, &src);
	check(pattern_of(&x.token[0]) == 3 && major_at(&x, 0) == GSS_S_CONTINUE_NEEDED,
	      "refused context: token 1 is a resumed one (pattern %d, init 0x%x)",
	      pattern_of(&x.token[0]), major_at(&x, 0));
	check(major_at(&x, 1) == GSS_S_CONTINUE_NEEDED && refusal_of(&x.token[1]) == 4,
	      "refused context: the acceptor's first call returns GSS_S_CONTINUE_NEEDED (0x%x) and token 3, 01 03 02 with reason 4 (got %d)",
	      major_at(&x, 1), refusal_of(&x.token[1]));
	check(major_at(&x, 2) == GSS_S_CONTINUE_NEEDED && pattern_of(&x.token[2]) == 1,
	      "refused context: the initiator's second call returns GSS_S_CONTINUE_NEEDED (0x%x) and a full token 1 (pattern 1, got %d)",
	      major_at(&x, 2), pattern_of(&x.token[2]));
	check(major_at(&x, 3) == GSS_S_COMPLETE && x.token[3].length > 0 &&
	      displays_as(src, "alice", &nt_user),
	      "refused context: the acceptor's second call completes (0x%x) with token 2 and names alice",
	      major_at(&x, 3));
	check(done && x.steps == 5 && major_at(&x, 4) == GSS_S_COMPLETE && x.token[4].length == 0,
	      "refused context: the initiator's third call completes (0x%x), sending nothing: 4 tokens in all (%d)",
	      major_at(&x, 4), x.steps - 1);
	check(done && messages_pass(ictx, actx),
	      "refused context: sealed messages and MICs pass both ways");
	snprintf(line, sizeof(line), "accept: refused a resumed handshake (%s); asking for a full one", why);
	check(trace_count_since(mark, line) == 1, "refused context: the trace says '%s'", line);
	snprintf(line, sizeof(line), "init: 'HTTP@web.example' refused the ticket (%s); falling back to a full handshake", why);
	check(trace_count_since(mark, line) == 1 &&
	      trace_count_since(mark, "init: sent IK handshake to 'HTTP@web.example' as 'alice' (not resumed: the acceptor refused the ticket)") == 1 &&
	      trace_count_since(mark, "resumed context") == 0,
	      "refused context: the trace says \"%s\", then a full handshake", line);
	check(trace_count_since(mark, "accept: issued 'alice' a ticket sealed with key 2, valid until") == 1 &&
	      trace_count_since(mark, "init: kept a ticket for 'HTTP@web.example' valid until") == 1,
	      "refused context: the full handshake's new ticket is sealed with key 2, and kept");
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
	gss_release_name(&minor, &src);
	exchange_release(&x);
}

/* Contexts to one target in this process, with a sealing keyring
 * (GSS_SODIUM_SEALKEYS): the first is full and leaves the initiator a
 * ticket in memory, the next two resume with it (a ticket serves until
 * it expires).  Then the resumed token 1 is given to a fresh acceptor:
 * the handshake replay cache refuses it.  Last the keyring changes under
 * the process (PROBE_DIR/sealkeys-rotated: key 1 retired, key 2 added):
 * the acceptor refuses the held ticket, the initiator falls back, and the
 * ticket of that full handshake resumes the next context. */
static void resumption(void)
{
	struct exchange first, second, third, after;
	gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t actx = GSS_C_NO_CONTEXT;
	OM_uint32 major, minor;
	char path[4096];
	long mark;

	resumption_context("first", 0, &first);
	resumption_context("second", 1, &second);
	resumption_context("third", 1, &third);

	mark = trace_size();
	major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &second.token[0],
				       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &reply, NULL,
				       NULL, NULL);
	check(GSS_ROUTINE_ERROR(major) == GSS_S_FAILURE && (major & GSS_S_DUPLICATE_TOKEN) &&
	      reply.length == 0 && trace_count_since(mark, "resumed context") == 0 &&
	      trace_count_since(mark, "was accepted before") == 1,
	      "the second context's resumed token 1, replayed: GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN (0x%x)",
	      major);
	gss_release_buffer(&minor, &reply);
	gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);

	/* A process looks at GSS_SODIUM_SEALKEYS at most once a second. */
	snprintf(path, sizeof(path), "%s/sealkeys-rotated", getenv("PROBE_DIR"));
	setenv("GSS_SODIUM_SEALKEYS", path, 1);
	usleep(1100 * 1000);
	refused_context();
	resumption_context("fourth", 1, &after);

	exchange_release(&first);
	exchange_release(&second);
	exchange_release(&third);
	exchange_release(&after);
}

int main(int argc, char **argv)
{
	if (getenv("PROBE_DIR") == NULL) {
		printf("Bail out! PROBE_DIR is not set\n");
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "resume") == 0) {
		if (getenv("GSS_SODIUM_SEALKEYS") == NULL) {
			printf("Bail out! resume needs GSS_SODIUM_SEALKEYS\n");
			return 1;
		}
		resumption();
		return probe_finish();
	}
	mechanism_is_listed();
	hostbased_name_round_trips();
	credentials_from_tool_made_files();
#ifndef PROBE_HEIMDAL
	credentials_from_a_store();
#endif
	bad_file_gives_a_sentence();
	context_through_the_mechglue();
	bindings_and_anonymity();
	return probe_finish();
}
