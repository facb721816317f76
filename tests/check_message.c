/* Per-message tokens: their cryptography against libsodium's own AEAD,
 * then MIC, wrap and their IOV forms, replay and order detection and the
 * PRF between the two ends of contexts made in process. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "context.h"
#include "fixture.h"
#include "message.h"
#include "msgtoken.h"
#include "status.h"
#include "unit.h"

/* Tokens made in pieces of any size are exactly XChaCha20-Poly1305
 * (IETF) over the pieces joined, what PROTOCOL.md section 5 specifies: a
 * MIC (the message as associated data) and a sealed wrap (the message as
 * text, SIGN_ONLY data after the header). */
static const size_t text_lengths[] = { 0, 1, 3, 15, 16, 17, 63, 64, 65, 127, 129, 1000, 65539 };
static const size_t piece_sizes[] = { 1, 5, 16, 63, 64, 100, 100000 };

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
	for (i = 0; i < sizeof(text_lengths) / sizeof(text_lengths[0]); i++) {
		len = text_lengths[i];
		joined = malloc(SM_MSG_HEADER_BYTES + len);
		randombytes_buf(joined, SM_MSG_HEADER_BYTES + len);
		memcpy(h.bytes, joined, SM_MSG_HEADER_BYTES);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			no_text, expected, NULL, no_text, 0, joined, SM_MSG_HEADER_BYTES + len,
			NULL, h.bytes + 4, key);
		for (j = 0; j < sizeof(piece_sizes) / sizeof(piece_sizes[0]); j++) {
			sm_msg_aead_start(&a, key, &h);
			in_pieces(&a, joined + SM_MSG_HEADER_BYTES, len, piece_sizes[j], add_ad);
			sm_msg_aead_finish(&a, tag);
			ck_assert_msg(memcmp(tag, expected, sizeof(tag)) == 0,
				      "length %zu in pieces of %zu", len, piece_sizes[j]);
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
	for (i = 0; i < sizeof(text_lengths) / sizeof(text_lengths[0]); i++) {
		len = text_lengths[i];
		plain = malloc(len + 1);
		expected = malloc(len + 1);
		text = malloc(len + 1);
		randombytes_buf(plain, len);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(
			expected, expected_tag, NULL, plain, len, ad, sizeof(ad), NULL,
			h.bytes + 4, key);
		for (j = 0; j < sizeof(piece_sizes) / sizeof(piece_sizes[0]); j++) {
			memcpy(text, plain, len);
			sm_msg_aead_start(&a, key, &h);
			sm_msg_aead_ad(&a, ad + SM_MSG_HEADER_BYTES, 7);
			in_pieces(&a, text, len, piece_sizes[j], sm_msg_aead_encrypt);
			sm_msg_aead_finish(&a, tag);
			ck_assert_msg(memcmp(text, expected, len) == 0 &&
				      memcmp(tag, expected_tag, sizeof(tag)) == 0,
				      "sealing length %zu in pieces of %zu", len, piece_sizes[j]);
			sm_msg_aead_start(&a, key, &h);
			sm_msg_aead_ad(&a, ad + SM_MSG_HEADER_BYTES, 7);
			in_pieces(&a, text, len, piece_sizes[j], authenticate);
			ck_assert_int_eq(sm_msg_aead_verify(&a, tag), 0);
			in_pieces(&a, text, len, piece_sizes[(j + 3) % 7], sm_msg_aead_decrypt);
			sm_msg_aead_clear(&a);
			ck_assert_msg(memcmp(text, plain, len) == 0,
				      "opening length %zu in pieces of %zu", len, piece_sizes[j]);
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

Suite *unit_suite(void)
{
	Suite *s = suite_create("message");
	TCase *t = tcase_create("message");

	tcase_add_test(t, a_tag_made_in_pieces_is_the_aead_tag);
	tcase_add_test(t, text_sealed_and_opened_in_pieces_is_the_aead);
	tcase_add_test(t, sealing_is_xchacha20_poly1305_with_the_header_nonce);
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
	suite_add_tcase(s, t);
	return s;
}
