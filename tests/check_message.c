/* Per-message token cryptography against libsodium's own AEAD. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "msgtoken.h"
#include "unit.h"

/* Tokens made in pieces of any size are exactly XChaCha20-Poly1305
 * (IETF) over the pieces joined, what PROTOCOL.md section 5 specifies: a
 * MIC (the message as associated data) and a sealed wrap (the message as
 * text, SIGN_ONLY data after the header). */
static const size_t lengths[] = { 0, 1, 3, 15, 16, 17, 63, 64, 65, 127, 129, 1000, 65539 };
static const size_t pieces[] = { 1, 5, 16, 63, 64, 100, 100000 };

/* Feed `len` bytes of `data` to `step` in pieces of `piece` bytes. */
static void in_pieces(struct sm_msg_aead *a, unsigned char *data, size_t len, size_t piece,
		      void (*step)(struct sm_msg_aead *, unsigned char *, size_t))
{
	size_t done, n;

	for (done = 0; done < len; done += n) {
		n = len - done < piece ? len - done : piece;
		step(a, data + done, n);
	}
}

static void add_ad(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	sm_msg_aead_ad(a, data, len);
}

static void authenticate(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	sm_msg_aead_authenticate(a, data, len);
}

START_TEST(a_tag_made_in_pieces_is_the_aead_tag)
{
	unsigned char key[32], tag[SM_MSG_TAG_BYTES], expected[SM_MSG_TAG_BYTES], *joined;
	unsigned char no_text[1] = { 0 };
	struct sm_msg_header h;
	struct sm_msg_aead a;
	size_t i, j, len;

	randombytes_buf(key, sizeof(key));
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		len = lengths[i];
		joined = malloc(SM_MSG_HEADER_BYTES + len);
		randombytes_buf(joined, SM_MSG_HEADER_BYTES + len);
		memcpy(h.bytes, joined, SM_MSG_HEADER_BYTES);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			no_text, expected, NULL, no_text, 0, joined, SM_MSG_HEADER_BYTES + len,
			NULL, h.bytes + 4, key);
		for (j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
			sm_msg_aead_start(&a, key, &h);
			in_pieces(&a, joined + SM_MSG_HEADER_BYTES, len, pieces[j], add_ad);
			sm_msg_aead_finish(&a, tag);
			ck_assert_msg(memcmp(tag, expected, sizeof(tag)) == 0,
				      "length %zu in pieces of %zu", len, pieces[j]);
		}
		sm_msg_aead_start(&a, key, &h);
		sm_msg_aead_ad(&a, joined + SM_MSG_HEADER_BYTES, len);
		ck_assert_int_eq(sm_msg_aead_verify(&a, expected), 0);
		expected[i % SM_MSG_TAG_BYTES] ^= 0x10;
		sm_msg_aead_start(&a, key, &h);
		sm_msg_aead_ad(&a, joined + SM_MSG_HEADER_BYTES, len);
		ck_assert_int_ne(sm_msg_aead_verify(&a, expected), 0);
		free(joined);
	}
}
END_TEST

START_TEST(text_sealed_and_opened_in_pieces_is_the_aead)
{
	unsigned char key[32], tag[SM_MSG_TAG_BYTES], expected_tag[SM_MSG_TAG_BYTES];
	unsigned char ad[SM_MSG_HEADER_BYTES + 7], *plain, *expected, *text;
	struct sm_msg_header h;
	struct sm_msg_aead a;
	size_t i, j, len;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(ad, sizeof(ad));
	memcpy(h.bytes, ad, SM_MSG_HEADER_BYTES);
	for (i = 0; i < sizeof(lengths) / sizeof(lengths[0]); i++) {
		len = lengths[i];
		plain = malloc(len + 1);
		expected = malloc(len + 1);
		text = malloc(len + 1);
		randombytes_buf(plain, len);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			expected, expected_tag, NULL, plain, len, ad, sizeof(ad), NULL,
			h.bytes + 4, key);
		for (j = 0; j < sizeof(pieces) / sizeof(pieces[0]); j++) {
			memcpy(text, plain, len);
			sm_msg_aead_start(&a, key, &h);
			sm_msg_aead_ad(&a, ad + SM_MSG_HEADER_BYTES, 7);
			in_pieces(&a, text, len, pieces[j], sm_msg_aead_encrypt);
			sm_msg_aead_finish(&a, tag);
			ck_assert_msg(memcmp(text, expected, len) == 0 &&
				      memcmp(tag, expected_tag, sizeof(tag)) == 0,
				      "sealing length %zu in pieces of %zu", len, pieces[j]);
			sm_msg_aead_start(&a, key, &h);
			sm_msg_aead_ad(&a, ad + SM_MSG_HEADER_BYTES, 7);
			in_pieces(&a, text, len, pieces[j], authenticate);
			ck_assert_int_eq(sm_msg_aead_verify(&a, tag), 0);
			in_pieces(&a, text, len, pieces[(j + 3) % 7], sm_msg_aead_decrypt);
			sm_msg_aead_clear(&a);
			ck_assert_msg(memcmp(text, plain, len) == 0,
				      "opening length %zu in pieces of %zu", len, pieces[j]);
		}
		free(plain);
		free(expected);
		free(text);
	}
}
END_TEST

/* Sealing is XChaCha20-Poly1305 with the header's last 24 bytes as the
 * nonce; opening refuses a changed byte anywhere. */
START_TEST(sealing_is_xchacha20_poly1305_with_the_header_nonce)
{
	unsigned char key[32], plain[100], sealed[100], opened[100], tag[16];
	unsigned char combined[100 + 16];
	unsigned long long combined_len;
	struct sm_msg_header h;
	size_t i;

	randombytes_buf(key, sizeof(key));
	randombytes_buf(plain, sizeof(plain));
	randombytes_buf(h.bytes, sizeof(h.bytes));
	sm_msg_seal(key, &h, h.bytes, SM_MSG_HEADER_BYTES, plain, sizeof(plain), sealed, tag);
	crypto_aead_xchacha20poly1305_ietf_encrypt(combined, &combined_len, plain, sizeof(plain),
						   h.bytes, SM_MSG_HEADER_BYTES, NULL,
						   h.bytes + 4, key);
	ck_assert_uint_eq(combined_len, sizeof(combined));
	ck_assert_mem_eq(combined, sealed, sizeof(sealed));
	ck_assert_mem_eq(combined + sizeof(sealed), tag, sizeof(tag));
	ck_assert_int_eq(sm_msg_open(key, &h, h.bytes, SM_MSG_HEADER_BYTES, sealed, sizeof(sealed),
				     tag, opened), 0);
	ck_assert_mem_eq(opened, plain, sizeof(plain));
	for (i = 0; i < SM_MSG_HEADER_BYTES; i++) {
		h.bytes[i] ^= 1;
		ck_assert_int_ne(sm_msg_open(key, &h, h.bytes, SM_MSG_HEADER_BYTES, sealed,
					     sizeof(sealed), tag, opened), 0);
		h.bytes[i] ^= 1;
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("message");
	TCase *t = tcase_create("message");

	tcase_add_test(t, a_tag_made_in_pieces_is_the_aead_tag);
	tcase_add_test(t, text_sealed_and_opened_in_pieces_is_the_aead);
	tcase_add_test(t, sealing_is_xchacha20_poly1305_with_the_header_nonce);
	suite_add_tcase(s, t);
	return s;
}
