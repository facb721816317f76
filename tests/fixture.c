/* Contexts made in process from fresh key files, for the unit tests. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "fixture.h"
#include "keyfile.h"
#include "keyring.h"
#include "oids.h"
#include "secmem.h"
#include "status.h"
#include "unit.h"

void fixture_files(const char *settings, int trust_alice)
{
	unsigned char *priv, pub[SM_KEY_BYTES];
	char b64[SM_KEY_BASE64_CHARS + 1], pub64[SM_KEY_BASE64_CHARS + 1];
	char identity[128], keytab[128], peers[256], conf[1024];

	ck_assert_int_eq(sm_key_generate(&priv, pub), 0);
	sm_key_to_base64(priv, b64);
	sm_key_to_base64(pub, pub64);
	sm_secmem_free(priv);
	snprintf(identity, sizeof(identity), "alice %s\n", b64);
	snprintf(peers, sizeof(peers), "%s%s%s", trust_alice ? "alice " : "",
		 trust_alice ? pub64 : "", trust_alice ? "\n" : "");
	ck_assert_int_eq(sm_key_generate(&priv, pub), 0);
	sm_key_to_base64(priv, b64);
	sm_key_to_base64(pub, pub64);
	sm_secmem_free(priv);
	snprintf(keytab, sizeof(keytab), "HTTP@web %s\n", b64);
	snprintf(peers + strlen(peers), sizeof(peers) - strlen(peers), "HTTP@web %s\n", pub64);
	setenv("GSS_SODIUM_IDENTITY", unit_write_file("identity", identity, 0600), 1);
	setenv("GSS_SODIUM_KEYTAB", unit_write_file("keytab", keytab, 0600), 1);
	setenv("GSS_SODIUM_PEERS", unit_write_file("peers", peers, 0644), 1);
	/* Replay caches (the keytab's handshake cache among them) stay in
	 * the test's directory unless the test names another. */
	if (strstr(settings, "rcache_dir") == NULL)
		snprintf(conf, sizeof(conf), "rcache_dir = %s/rcache\n%s", unit_tmpdir(), settings);
	else
		snprintf(conf, sizeof(conf), "%s", settings);
	setenv("GSS_SODIUM_CONF", unit_write_file("sodium.conf", conf, 0644), 1);
}

void fixture_forget_keys(void)
{
	static const enum sm_file kinds[] = { SM_FILE_IDENTITY, SM_FILE_KEYTAB };
	struct sm_keys keys = { 0, NULL };
	const char *path;
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		path = getenv(sm_file_variable(kinds[i]));
		ck_assert_ptr_nonnull(path);
		ck_assert_int_eq(unlink(path), 0);
		/* A look at a file that is gone wipes what was kept of it. */
		ck_assert_int_eq(sm_keys_load(&minor, kinds[i], path, 0, &keys), GSS_S_COMPLETE);
		ck_assert_uint_eq(keys.count, 0);
	}
}

struct sm_name *fixture_name(const char *text)
{
	struct sm_name *n;
	OM_uint32 minor;

	ck_assert_int_eq(sm_name_from_canonical(&minor, text, strlen(text), &n), GSS_S_COMPLETE);
	return n;
}

OM_uint32 pair_start(struct pair *p, OM_uint32 req_flags, OM_uint32 time_req,
		     gss_channel_bindings_t cb)
{
	struct sm_name *t = fixture_name("HTTP@web");
	OM_uint32 minor, major;

	memset(p, 0, sizeof(*p));
	major = sm_context_initiate(&minor, NULL, &p->init, t, req_flags, time_req, cb,
				    GSS_C_NO_BUFFER, &p->token1, &p->init_flags, NULL);
	sm_name_free(&t);
	return major;
}

OM_uint32 pair_accept(struct pair *p, gss_channel_bindings_t cb, OM_uint32 *minor)
{
	return sm_context_accept(minor, NULL, &p->acc, &p->token1, cb, &p->src,
				 &p->token2, &p->acc_flags, NULL);
}

OM_uint32 pair_finish(struct pair *p, OM_uint32 *minor)
{
	gss_buffer_desc none = GSS_C_EMPTY_BUFFER;

	return sm_context_initiate(minor, NULL, &p->init, NULL, 0, 0,
				   GSS_C_NO_CHANNEL_BINDINGS, &p->token2, &none,
				   &p->init_flags, NULL);
}

/* A full handshake that must succeed. */
void pair_establish(struct pair *p, OM_uint32 req_flags, OM_uint32 time_req)
{
	ck_assert_int_eq(pair_start(p, req_flags, time_req, GSS_C_NO_CHANNEL_BINDINGS),
			 GSS_S_CONTINUE_NEEDED);
	pair_establish_from_token1(p);
}

void pair_establish_from_token1(struct pair *p)
{
	OM_uint32 minor;

	ck_assert_msg(pair_accept(p, GSS_C_NO_CHANNEL_BINDINGS, &minor) == GSS_S_COMPLETE,
		      "accept: %s", sm_status_sentence(minor));
	ck_assert_msg(pair_finish(p, &minor) == GSS_S_COMPLETE, "init: %s",
		      sm_status_sentence(minor));
}

void pair_release(struct pair *p)
{
	sm_context_free(&p->init);
	sm_context_free(&p->acc);
	free(p->token1.value);
	free(p->token2.value);
	sm_name_free(&p->src);
}

/* The test's sealing keyring: lines kept here, written whole to a new file
 * each time, which GSS_SODIUM_SEALKEYS then names.  A process looks at the
 * variable and the file at most once a second (check_keyring tests that),
 * so every keyring after a test's first waits for the next second. */
static char ring_lines[8][128];
static int ring_count, ring_version;

static void write_keyring(void)
{
	char text[sizeof(ring_lines)] = "", name[32];
	int i;

	for (i = 0; i < ring_count; i++)
		strcat(text, ring_lines[i]);
	if (ring_version > 0)
		unit_next_second();
	snprintf(name, sizeof(name), "sealkeys-%d", ++ring_version);
	setenv("GSS_SODIUM_SEALKEYS", unit_write_file(name, text, 0600), 1);
}

/* Add key `id` (random bytes, created now) to the keyring. */
void fixture_keyring_add(int id)
{
	char b64[45], when[SM_TIMESTAMP_CHARS + 1];
	unsigned char key[32];

	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sm_timestamp_format(time(NULL), when);
	snprintf(ring_lines[ring_count++], sizeof(ring_lines[0]), "%d %s %s\n", id, b64, when);
	write_keyring();
}

void fixture_keyring_retire(int id)
{
	strcpy(strchr(ring_lines[id - 1], '\n'), " retired\n");
	write_keyring();
}

/* A fresh keyring holding key 1 only. */
void fixture_keyring_empty(void)
{
	ring_count = 0;
	write_keyring();
}

void fixture_keyring_new(void)
{
	ring_count = 0;
	fixture_keyring_add(1);
}

unsigned char *fixture_inner_token(const gss_buffer_desc *token)
{
	unsigned char *oid = memmem(token->value, token->length, sm_mech_oid.elements,
				    sm_mech_oid.length);

	ck_assert_ptr_nonnull(oid);
	return oid + sm_mech_oid.length;
}
