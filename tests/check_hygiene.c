/*
 * Key hygiene where check_context, check_export and check_secmem leave
 * gaps: the initiator's keys (they test the acceptor's), the handshake
 * secrets of a context deleted before it was established, an imported
 * context's keys, credential and keyring keys, read byte by byte after
 * release; and that the slots contexts actually use, in both pools, lie in
 * locked pages left out of core dumps (check_secmem tests a fresh slot).
 * Released slots stay mapped, so reading them afterwards is defined.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "creds.h"
#include "export.h"
#include "fixture.h"
#include "keyring.h"
#include "secmem.h"
#include "status.h"
#include "unit.h"


/* `p` lies in a page that is locked and left out of core dumps. */
static void assert_protected(const void *p, const char *what)
{
	char flags[512];

	ck_assert_msg(unit_mapping_flags(p, flags, sizeof(flags)), "no mapping holds %p", p);
	ck_assert_msg(unit_contains(flags, " dd"), "%s: not excluded from core dumps:%s", what,
		      flags);
#ifndef UNIT_UNDER_ASAN
	ck_assert_msg(unit_contains(flags, " lo"), "%s: not locked:%s", what, flags);
#endif
}

/* A sealing keyring with one key, and settings with a replay cache of
 * this test's own. */
static void files_with_keyring(void)
{
	char ring[128], b64[45], when[SM_TIMESTAMP_CHARS + 1];
	unsigned char key[32];

	/* The fixture keeps the replay caches in the test's directory. */
	fixture_files("", 1);
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sm_timestamp_format(time(NULL), when);
	snprintf(ring, sizeof(ring), "1 %s %s\n", b64, when);
	setenv("GSS_SODIUM_SEALKEYS", unit_write_file("sealkeys", ring, 0600), 1);
}

START_TEST(initiator_keys_are_wiped_on_delete)
{
	unsigned char *keys;
	struct pair p;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	keys = p.init->keys;
	ck_assert(!unit_all_zero(keys, SM_CONTEXT_KEYS));
	sm_context_free(&p.init);
	ck_assert(unit_all_zero(keys, SM_CONTEXT_KEYS));
	pair_release(&p);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* An initiator that sent token 1 holds the chaining key, its ephemeral and
 * static private keys and a cipher key; deleting it wipes all four. */
START_TEST(handshake_secrets_are_wiped_when_an_unfinished_context_is_deleted)
{
	struct sm_noise_handshake *hs;
	unsigned char *ck, *e, *s, *k;
	struct pair p;

	fixture_files("", 1);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	hs = &p.init->handshake;
	ck = hs->ck;
	e = hs->e;
	s = hs->s;
	k = hs->cipher.key;
	ck_assert_ptr_nonnull(ck);
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(s);
	ck_assert_ptr_nonnull(k);
	ck_assert(!unit_all_zero(ck, SM_NOISE_HASHLEN) && !unit_all_zero(e, SM_NOISE_DHLEN) &&
		  !unit_all_zero(s, SM_NOISE_DHLEN) && !unit_all_zero(k, SM_NOISE_KEYLEN));
	assert_protected(ck, "the chaining key");
	assert_protected(e, "the ephemeral private key");
	assert_protected(s, "the static private key");
	assert_protected(k, "the handshake cipher key");
	sm_context_free(&p.init);
	ck_assert_msg(unit_all_zero(ck, SM_NOISE_HASHLEN), "the chaining key survived");
	ck_assert_msg(unit_all_zero(e, SM_NOISE_DHLEN), "the ephemeral private key survived");
	ck_assert_msg(unit_all_zero(s, SM_NOISE_DHLEN), "the static private key survived");
	ck_assert_msg(unit_all_zero(k, SM_NOISE_KEYLEN), "the handshake cipher key survived");
	pair_release(&p);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(established_keys_are_in_protected_pages)
{
	unsigned char *large;
	struct pair p;

	fixture_files("", 1);
	pair_establish(&p, 0, 0);
	assert_protected(p.init->keys, "the initiator's keys");
	assert_protected(p.acc->keys, "the acceptor's keys");
	pair_release(&p);
	/* Serialized contexts (export and import) use the large slots. */
	large = sm_secmem_alloc(SM_SECMEM_SLOT_SIZE + 1);
	ck_assert_ptr_nonnull(large);
	assert_protected(large, "a large slot");
	sm_secmem_free(large);
}
END_TEST

/* An imported context holds new key slots: they are wiped when it is
 * exported again and when it is deleted. */
START_TEST(imported_context_keys_are_wiped_on_export_and_delete)
{
	gss_buffer_desc token;
	struct sm_context *ctx = NULL;
	unsigned char *keys;
	struct pair p;
	OM_uint32 minor;

	files_with_keyring();
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_export_context(&minor, &p.acc, &token), GSS_S_COMPLETE);
	ck_assert_msg(sm_import_context(&minor, &token, &ctx) == GSS_S_COMPLETE, "import: %s",
		      sm_status_sentence(minor));
	free(token.value);
	keys = ctx->keys;
	assert_protected(keys, "an imported context's keys");
	ck_assert(!unit_all_zero(keys, SM_CONTEXT_KEYS));
	ck_assert_int_eq(sm_export_context(&minor, &ctx, &token), GSS_S_COMPLETE);
	ck_assert(unit_all_zero(keys, SM_CONTEXT_KEYS));
	ck_assert_int_eq(sm_import_context(&minor, &token, &ctx), GSS_S_COMPLETE);
	free(token.value);
	keys = ctx->keys;
	sm_context_free(&ctx);
	ck_assert(unit_all_zero(keys, SM_CONTEXT_KEYS));
	pair_release(&p);
}
END_TEST

START_TEST(credential_private_keys_are_wiped_on_release)
{
	struct sm_cred *cred = NULL;
	unsigned char *key;
	OM_uint32 minor;

	fixture_files("", 1);
	ck_assert_int_eq(sm_cred_acquire(&minor, NULL, GSS_C_BOTH, NULL, &cred), GSS_S_COMPLETE);
	ck_assert_uint_ge(cred->initiator.count, 1);
	key = cred->initiator.entries[0].private_key;
	assert_protected(key, "an identity's private key");
	ck_assert(!unit_all_zero(key, SM_KEY_BYTES));
	sm_cred_free(&cred);
	ck_assert(unit_all_zero(key, SM_KEY_BYTES));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(keyring_keys_are_wiped_on_clear)
{
	struct sm_keyring ring;
	unsigned char *key, *derivation;
	OM_uint32 minor;

	files_with_keyring();
	ck_assert_int_eq(sm_keyring_load(&minor, getenv("GSS_SODIUM_SEALKEYS"), 1, &ring),
			 GSS_S_COMPLETE);
	ck_assert_uint_eq(ring.count, 1);
	key = ring.keys[0].key;
	derivation = ring.keys[0].derivation;
	assert_protected(key, "a sealing key");
	assert_protected(derivation, "a sealing key's prepared derivation");
	ck_assert(!unit_all_zero(key, SM_SEAL_KEY_BYTES));
	sm_keyring_clear(&ring);
	ck_assert(unit_all_zero(key, SM_SEAL_KEY_BYTES));
	ck_assert(unit_all_zero(derivation, sizeof(crypto_generichash_state)));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("hygiene");
	TCase *t = tcase_create("hygiene");

	tcase_set_timeout(t, 30);
	tcase_add_test(t, initiator_keys_are_wiped_on_delete);
	tcase_add_test(t, handshake_secrets_are_wiped_when_an_unfinished_context_is_deleted);
	tcase_add_test(t, established_keys_are_in_protected_pages);
	tcase_add_test(t, imported_context_keys_are_wiped_on_export_and_delete);
	tcase_add_test(t, credential_private_keys_are_wiped_on_release);
	tcase_add_test(t, keyring_keys_are_wiped_on_clear);
	suite_add_tcase(s, t);
	return s;
}
