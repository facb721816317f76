/*
 * One side of a gss-sodium conversation, for the cross-mechglue test: built
 * once with MIT's libgssapi_krb5 and once (PROBE_HEIMDAL) with Heimdal's
 * libgssapi, so an initiator of one talks to an acceptor of the other, each
 * loading the same mech_sodium.so.  Tokens travel on standard input and
 * output as u32 big-endian length || bytes; results go to standard error,
 * and the exit status is 0 only when every step succeeded.
 *
 *   crossglue initiate SERVICE@HOST     crossglue accept
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>

#include "glue.h"

static const char *role;

static int fail(const char *what, OM_uint32 major)
{
	fprintf(stderr, "%s %s: %s failed (0x%x)\n", GLUE, role, what, major);
	return 0;
}

static int send_token(const gss_buffer_desc *t)
{
	unsigned char len[4] = { (unsigned char)(t->length >> 24), (unsigned char)(t->length >> 16),
				 (unsigned char)(t->length >> 8), (unsigned char)t->length };

	return fwrite(len, 1, 4, stdout) == 4 &&
	       fwrite(t->value, 1, t->length, stdout) == t->length && fflush(stdout) == 0;
}

static int receive_token(gss_buffer_desc *t)
{
	unsigned char len[4];

	if (fread(len, 1, 4, stdin) != 4)
		return 0;
	t->length = (size_t)len[0] << 24 | (size_t)len[1] << 16 | (size_t)len[2] << 8 | len[3];
	if (t->length > 65536 || (t->value = malloc(t->length + 1)) == NULL)
		return 0;
	return fread(t->value, 1, t->length, stdin) == t->length;
}

/* Send `text` wrapped, and a MIC over it. */
static int say(gss_ctx_id_t ctx, const char *text)
{
	gss_buffer_desc msg = { strlen(text), (void *)text }, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int ok;

	major = gss_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out);
	if (major != GSS_S_COMPLETE)
		return fail("gss_wrap", major);
	ok = send_token(&out);
	gss_release_buffer(&minor, &out);
	major = gss_get_mic(&minor, ctx, GSS_C_QOP_DEFAULT, &msg, &out);
	if (major != GSS_S_COMPLETE)
		return fail("gss_get_mic", major);
	ok = ok && send_token(&out);
	gss_release_buffer(&minor, &out);
	return ok;
}

/* Receive a wrapped message and its MIC; both must check out as `text`. */
static int hear(gss_ctx_id_t ctx, const char *text)
{
	gss_buffer_desc in = GSS_C_EMPTY_BUFFER, mic = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int conf = 0, ok;

	if (!receive_token(&in) || !receive_token(&mic))
		return fail("reading a message", 0);
	major = gss_unwrap(&minor, ctx, &in, &out, &conf, NULL);
	ok = major == GSS_S_COMPLETE && conf && out.length == strlen(text) &&
	     memcmp(out.value, text, out.length) == 0;
	if (!ok)
		fail("gss_unwrap", major);
	major = gss_verify_mic(&minor, ctx, &out, &mic, NULL);
	if (ok && major != GSS_S_COMPLETE)
		ok = fail("gss_verify_mic", major);
	gss_release_buffer(&minor, &out);
	free(in.value);
	free(mic.value);
	return ok;
}

static int initiate(const char *target_text)
{
	gss_buffer_desc name = { strlen(target_text), (void *)target_text };
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER, none = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t target;
	OM_uint32 major, minor;
	int ok;

	if (gss_import_name(&minor, &name, &nt_hostbased, &target) != GSS_S_COMPLETE)
		return fail("gss_import_name", 0);
	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, &mech,
				     GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG, 0,
				     GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, &t1,
				     NULL, NULL);
	if (major != GSS_S_CONTINUE_NEEDED || !send_token(&t1) || !receive_token(&t2))
		return fail("the first gss_init_sec_context", major);
	major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ctx, target, &mech, 0, 0,
				     GSS_C_NO_CHANNEL_BINDINGS, &t2, NULL, &none, NULL, NULL);
	if (major != GSS_S_COMPLETE)
		return fail("the second gss_init_sec_context", major);
	ok = say(ctx, "ping from the " GLUE " initiator") && hear(ctx, "pong from the acceptor");
	gss_release_buffer(&minor, &t1);
	free(t2.value);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	gss_release_name(&minor, &target);
	return ok;
}

static int accept_one(const char *expected_peer)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER, shown = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, minor;
	char ping[64];
	int ok;

	if (!receive_token(&t1))
		return fail("reading the first token", 0);
	major = gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &t1,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &t2, NULL, NULL,
				       NULL);
	if (major != GSS_S_COMPLETE || !send_token(&t2))
		return fail("gss_accept_sec_context", major);
	gss_display_name(&minor, src, &shown, NULL);
	ok = shown.length == strlen(expected_peer) &&
	     memcmp(shown.value, expected_peer, shown.length) == 0;
	if (!ok)
		fprintf(stderr, "%s accept: the initiator is '%.*s'\n", GLUE, (int)shown.length,
			(char *)shown.value);
	/* The initiator says where it comes from; either mechglue will do. */
	snprintf(ping, sizeof(ping), "ping from the %s initiator",
		 getenv("CROSSGLUE_PEER_GLUE") ? getenv("CROSSGLUE_PEER_GLUE") : GLUE);
	ok = ok && hear(ctx, ping) && say(ctx, "pong from the acceptor");
	free(t1.value);
	gss_release_buffer(&minor, &t2);
	gss_release_buffer(&minor, &shown);
	gss_release_name(&minor, &src);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	return ok;
}

int main(int argc, char **argv)
{
	int ok;

	role = argc > 1 ? argv[1] : "";
	if (argc == 3 && strcmp(role, "initiate") == 0)
		ok = initiate(argv[2]);
	else if (argc == 3 && strcmp(role, "accept") == 0)
		ok = accept_one(argv[2]);
	else {
		fprintf(stderr, "usage: crossglue initiate SERVICE@HOST | accept PEER-NAME\n");
		return 2;
	}
	if (ok)
		fprintf(stderr, "%s %s: done\n", GLUE, role);
	return ok ? 0 : 1;
}
