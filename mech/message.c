/*
 * Per-message tokens: MIC, wrap (sealed or integrity only), their IOV
 * forms, and the RFC 4401 pseudo-random function.
 *
 * Every token starts with a 28-byte header:
 *   u16 token id (0x0404 MIC, 0x0504 wrap) | u8 flags | u8 0xff |
 *   u64 sequence number | instance (16)
 * flags: 0x01 sent by the acceptor, 0x02 sealed.  The sender's direction key
 * drives XChaCha20-Poly1305 with the header's last 24 bytes as the nonce and
 * the header as associated data; integrity-only tokens authenticate the
 * message as associated data too.  One counter per direction serves MIC and
 * wrap, so no nonce repeats under a key in one instance of a context; the
 * instance bytes, random for each instance (established or imported), keep
 * two instances of one context (an exported token imported twice) apart.
 *   MIC:                 header | tag
 *   wrap, sealed:        header | ciphertext | tag
 *   wrap, integrity:     header | message | tag
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "context.h"
#include "message.h"
#include "msgtoken.h"
#include "status.h"

#define FILLER 0xff
/* Tokens stay below 4 GiB, as the buffer lengths of 32-bit peers allow. */
#define MESSAGE_MAX (0xffffffffu - SM_MSG_HEADER_BYTES - SM_MSG_TAG_BYTES)
#define PRF_OUTPUT_MAX (1u << 20)

const unsigned char *sm_msg_send_key(const struct sm_context *ctx)
{
	return ctx->keys + SM_KEY_SEND;
}

const unsigned char *sm_msg_recv_key(const struct sm_context *ctx)
{
	return ctx->keys + SM_KEY_RECV;
}

/* The nonce: sequence number || instance, as the header carries them. */
#define NONCE_OFFSET 4
_Static_assert(SM_MSG_HEADER_BYTES == 2 + 1 + 1 + 8 + SM_CONTEXT_INSTANCE_BYTES,
	       "the header's fields fill it");
_Static_assert(SM_MSG_HEADER_BYTES - NONCE_OFFSET ==
	       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "the header ends with the nonce");
_Static_assert(SM_MSG_TAG_BYTES == crypto_aead_xchacha20poly1305_ietf_ABYTES, "tag size");

void sm_msg_seal(const unsigned char *key, const struct sm_msg_header *h,
		 const unsigned char *ad, size_t ad_len, const unsigned char *plain,
		 size_t len, unsigned char *out, unsigned char *tag)
{
	crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out, tag, NULL, plain, len, ad,
							    ad_len, NULL,
							    h->bytes + NONCE_OFFSET, key);
}

int sm_msg_open(const unsigned char *key, const struct sm_msg_header *h,
		const unsigned char *ad, size_t ad_len, const unsigned char *cipher,
		size_t len, const unsigned char *tag, unsigned char *out)
{
	return crypto_aead_xchacha20poly1305_ietf_decrypt_detached(out, NULL, cipher, len, tag,
								   ad, ad_len,
								   h->bytes + NONCE_OFFSET, key);
}

/* Take the next sequence number and make the header of an outgoing token.
 * The number is taken atomically: threads that share a context (against
 * RFC 2743's advice, but it happens) must never draw one number twice,
 * since a repeated nonce breaks the cipher.  The last number is never sent
 * (Noise reserves it), and the counter never wraps. */
OM_uint32 sm_msg_new_header(OM_uint32 *minor, struct sm_context *ctx, uint16_t id,
			    int sealed, struct sm_msg_header *h)
{
	uint64_t seq = __atomic_load_n(&ctx->send_seq, __ATOMIC_RELAXED);
	struct sm_writer w;

	do {
		if (seq == UINT64_MAX)
			return sm_fail(minor, GSS_S_CONTEXT_EXPIRED, GSS_SODIUM_S_CONTEXT_EXPIRED,
				       "the context has used all its sequence numbers; establish a new one");
	} while (!__atomic_compare_exchange_n(&ctx->send_seq, &seq, seq + 1, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	h->id = id;
	h->flags = (ctx->initiator ? 0 : SM_MSG_FLAG_SENT_BY_ACCEPTOR) | (sealed ? SM_MSG_FLAG_SEALED : 0);
	h->seq = seq;
	sm_writer_init_fixed(&w, h->bytes, SM_MSG_HEADER_BYTES);
	sm_write_u16be(&w, h->id);
	sm_write_u8(&w, h->flags);
	sm_write_u8(&w, FILLER);
	sm_write_u64be(&w, h->seq);
	sm_write_bytes(&w, ctx->instance, SM_CONTEXT_INSTANCE_BYTES);
	if (!sm_writer_full(&w))
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_BAD_TOKEN,
			       "a message token's header could not be written");
	return sm_ok(minor);
}

/* Parse and check an incoming header: our token id, the peer's direction,
 * no unknown flag.  Returns the GSS status. */
OM_uint32 sm_msg_read_header(OM_uint32 *minor, const struct sm_context *ctx,
			     struct sm_reader *r, uint16_t want_id,
			     struct sm_msg_header *h, const char *what)
{
	const unsigned char *start = r->ptr;
	uint8_t filler, peer_flag = ctx->initiator ? SM_MSG_FLAG_SENT_BY_ACCEPTOR : 0;

	h->id = sm_read_u16be(r);
	h->flags = sm_read_u8(r);
	filler = sm_read_u8(r);
	h->seq = sm_read_u64be(r);
	sm_read_bytes(r, SM_CONTEXT_INSTANCE_BYTES);
	if (r->failed)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
			       "the %s token is shorter than its header", what);
	if (h->id != want_id || filler != FILLER || h->seq == UINT64_MAX ||
	    (h->flags & ~(SM_MSG_FLAG_SENT_BY_ACCEPTOR | SM_MSG_FLAG_SEALED)) != 0 ||
	    (want_id == SM_MSG_TOKEN_MIC && (h->flags & SM_MSG_FLAG_SEALED)))
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
			       "the %s token has a malformed header", what);
	if ((h->flags & SM_MSG_FLAG_SENT_BY_ACCEPTOR) != peer_flag)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_REFLECTED, NULL);
	memcpy(h->bytes, start, SM_MSG_HEADER_BYTES);
	return sm_ok(minor);
}

OM_uint32 sm_msg_read_wrap(OM_uint32 *minor, const struct sm_context *ctx,
			   const void *token, size_t len, struct sm_msg_header *h,
			   size_t *message_len)
{
	struct sm_reader r;
	OM_uint32 major;

	sm_reader_init(&r, token, len);
	major = sm_msg_read_header(minor, ctx, &r, SM_MSG_TOKEN_WRAP, h, "wrap");
	if (GSS_ERROR(major))
		return major;
	if (r.left < SM_MSG_TAG_BYTES)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
			       "the wrap token is too short to hold its tag");
	*message_len = r.left - SM_MSG_TAG_BYTES;
	return sm_ok(minor);
}

OM_uint32 sm_msg_bad_signature(OM_uint32 *minor, const char *what)
{
	return sm_fail(minor, GSS_S_BAD_SIG, GSS_SODIUM_S_BAD_SIGNATURE,
		       "the %s token failed authentication; it was altered or belongs to another context",
		       what);
}

OM_uint32 sm_msg_check_qop(OM_uint32 *minor, gss_qop_t qop)
{
	if (qop != GSS_C_QOP_DEFAULT)
		return sm_fail(minor, GSS_S_BAD_QOP, GSS_SODIUM_S_BAD_QOP, NULL);
	return sm_ok(minor);
}

/*
 * XChaCha20-Poly1305 (IETF) taken apart: the HChaCha20 subkey; the
 * Poly1305 key from ChaCha20 block 0 under it; the text XORed with blocks
 * 1, 2, ...; Poly1305 over ad || zeros to a multiple of 16 || ciphertext
 * || zeros to a multiple of 16 || u64le ad length || u64le text length
 * (RFC 8439 section 2.8).
 */
void sm_msg_aead_start(struct sm_msg_aead *a, const unsigned char *key,
		       const struct sm_msg_header *h)
{
	unsigned char poly_key[crypto_onetimeauth_poly1305_KEYBYTES];
	const unsigned char *n = h->bytes + NONCE_OFFSET;

	crypto_core_hchacha20(a->subkey, n, key, NULL);
	memset(a->nonce, 0, 4);
	memcpy(a->nonce + 4, n + crypto_core_hchacha20_INPUTBYTES, 8);
	crypto_stream_chacha20_ietf(poly_key, sizeof(poly_key), a->nonce, a->subkey);
	crypto_onetimeauth_poly1305_init(&a->poly, poly_key);
	sodium_memzero(poly_key, sizeof(poly_key));
	a->ad_len = a->text_len = a->stream_pos = 0;
	sm_msg_aead_ad(a, h->bytes, SM_MSG_HEADER_BYTES);
}

static void pad16(struct sm_msg_aead *a, uint64_t len)
{
	static const unsigned char zeros[16];

	crypto_onetimeauth_poly1305_update(&a->poly, zeros, (16 - len % 16) % 16);
}

void sm_msg_aead_ad(struct sm_msg_aead *a, const void *data, size_t len)
{
	if (len == 0)
		return;
	crypto_onetimeauth_poly1305_update(&a->poly, data, len);
	a->ad_len += len;
}

/* Poly1305 over a piece of ciphertext; the associated data ends here. */
void sm_msg_aead_authenticate(struct sm_msg_aead *a, const unsigned char *data, size_t len)
{
	if (len == 0)
		return;
	if (a->text_len == 0)
		pad16(a, a->ad_len);
	crypto_onetimeauth_poly1305_update(&a->poly, data, len);
	a->text_len += len;
}

/* XOR with the keystream from where the last piece ended: whole blocks
 * straight from ChaCha20, a block used in part from a->block. */
static void apply_stream(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	size_t offset, n, i;

	while (len > 0) {
		offset = (size_t)(a->stream_pos % 64);
		if (offset == 0 && len >= 64) {
			n = len - len % 64;
			crypto_stream_chacha20_ietf_xor_ic(data, data, n, a->nonce,
							   (uint32_t)(1 + a->stream_pos / 64),
							   a->subkey);
		} else {
			if (offset == 0) {
				memset(a->block, 0, sizeof(a->block));
				crypto_stream_chacha20_ietf_xor_ic(a->block, a->block,
								   sizeof(a->block), a->nonce,
								   (uint32_t)(1 + a->stream_pos / 64),
								   a->subkey);
			}
			n = 64 - offset < len ? 64 - offset : len;
			for (i = 0; i < n; i++)
				data[i] ^= a->block[offset + i];
		}
		data += n;
		len -= n;
		a->stream_pos += n;
	}
}

void sm_msg_aead_encrypt(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	apply_stream(a, data, len);
	sm_msg_aead_authenticate(a, data, len);
}

void sm_msg_aead_decrypt(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	apply_stream(a, data, len);
}

void sm_msg_aead_finish(struct sm_msg_aead *a, unsigned char tag[SM_MSG_TAG_BYTES])
{
	unsigned char lengths[16];
	int i;

	if (a->text_len == 0)
		pad16(a, a->ad_len);
	else
		pad16(a, a->text_len);
	for (i = 0; i < 8; i++) {
		lengths[i] = (unsigned char)(a->ad_len >> (8 * i));
		lengths[8 + i] = (unsigned char)(a->text_len >> (8 * i));
	}
	crypto_onetimeauth_poly1305_update(&a->poly, lengths, sizeof(lengths));
	crypto_onetimeauth_poly1305_final(&a->poly, tag);
	sodium_memzero(&a->poly, sizeof(a->poly));
}

int sm_msg_aead_verify(struct sm_msg_aead *a, const unsigned char tag[SM_MSG_TAG_BYTES])
{
	unsigned char expected[SM_MSG_TAG_BYTES];
	int bad;

	sm_msg_aead_finish(a, expected);
	bad = crypto_verify_16(expected, tag);
	sodium_memzero(expected, sizeof(expected));
	return bad;
}

void sm_msg_aead_clear(struct sm_msg_aead *a)
{
	sodium_memzero(a, sizeof(*a));
}

/* The tag over header || message. */
static void integrity_tag(const unsigned char *key, const struct sm_msg_header *h,
			  const void *msg, size_t len, unsigned char tag[SM_MSG_TAG_BYTES])
{
	struct sm_msg_aead a;

	sm_msg_aead_start(&a, key, h);
	sm_msg_aead_ad(&a, msg, len);
	sm_msg_aead_finish(&a, tag);
	sm_msg_aead_clear(&a);
}

/* Check a tag over header || message: GSS_S_BAD_SIG when it is wrong. */
static OM_uint32 integrity_check(OM_uint32 *minor, const unsigned char *key,
				 const struct sm_msg_header *h, const void *msg, size_t len,
				 const unsigned char *tag, const char *what)
{
	struct sm_msg_aead a;
	int bad;

	sm_msg_aead_start(&a, key, h);
	sm_msg_aead_ad(&a, msg, len);
	bad = sm_msg_aead_verify(&a, tag);
	sm_msg_aead_clear(&a);
	return bad ? sm_msg_bad_signature(minor, what) : sm_ok(minor);
}

OM_uint32 sm_msg_too_long(OM_uint32 *minor, size_t len)
{
	if (len > MESSAGE_MAX)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_MESSAGE_TOO_LONG, NULL);
	return sm_ok(minor);
}

/* What gss_get_mic and gss_wrap check before a token is made. */
static OM_uint32 ready_to_send(OM_uint32 *minor, const struct sm_context *ctx, gss_qop_t qop,
			       size_t len, const char *call)
{
	OM_uint32 major = sm_context_usable(minor, ctx, call);

	if (!GSS_ERROR(major))
		major = sm_msg_check_qop(minor, qop);
	if (!GSS_ERROR(major))
		major = sm_msg_too_long(minor, len);
	return major;
}

OM_uint32 sm_get_mic(OM_uint32 *minor, struct sm_context *ctx, gss_qop_t qop,
		     const gss_buffer_desc *message, gss_buffer_t token)
{
	unsigned char tag[SM_MSG_TAG_BYTES];
	struct sm_msg_header h;
	OM_uint32 major;

	token->length = 0;
	token->value = NULL;
	major = ready_to_send(minor, ctx, qop, message->length, "gss_get_mic");
	if (GSS_ERROR(major))
		return major;
	token->value = malloc(SM_MSG_HEADER_BYTES + SM_MSG_TAG_BYTES);
	if (token->value == NULL)
		return sm_no_memory(minor);
	major = sm_msg_new_header(minor, ctx, SM_MSG_TOKEN_MIC, 0, &h);
	if (GSS_ERROR(major)) {
		free(token->value);
		token->value = NULL;
		return major;
	}
	integrity_tag(sm_msg_send_key(ctx), &h, message->value, message->length, tag);
	memcpy(token->value, h.bytes, SM_MSG_HEADER_BYTES);
	memcpy((unsigned char *)token->value + SM_MSG_HEADER_BYTES, tag, SM_MSG_TAG_BYTES);
	token->length = SM_MSG_HEADER_BYTES + SM_MSG_TAG_BYTES;
	return sm_ok(minor);
}

/* After authentication: the sequence window's verdict, and the QOP. */
OM_uint32 sm_msg_accept_sequence(OM_uint32 *minor, struct sm_context *ctx,
				  const struct sm_msg_header *h, gss_qop_t *qop)
{
	if (qop != NULL)
		*qop = GSS_C_QOP_DEFAULT;
	sm_ok(minor);
	return sm_seqstate_check(&ctx->recv, h->seq);
}

OM_uint32 sm_verify_mic(OM_uint32 *minor, struct sm_context *ctx,
			const gss_buffer_desc *message, const gss_buffer_desc *token,
			gss_qop_t *qop)
{
	const unsigned char *tag;
	struct sm_reader r;
	struct sm_msg_header h;
	OM_uint32 major;

	major = sm_context_usable(minor, ctx, "gss_verify_mic");
	if (GSS_ERROR(major))
		return major;
	sm_reader_init(&r, token->value, token->length);
	major = sm_msg_read_header(minor, ctx, &r, SM_MSG_TOKEN_MIC, &h, "MIC");
	if (GSS_ERROR(major))
		return major;
	tag = sm_read_bytes(&r, SM_MSG_TAG_BYTES);
	if (tag == NULL || !sm_reader_done(&r))
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
			       "the MIC token is not %d bytes long", SM_MSG_HEADER_BYTES + SM_MSG_TAG_BYTES);
	major = integrity_check(minor, sm_msg_recv_key(ctx), &h, message->value, message->length,
				tag, "MIC");
	if (GSS_ERROR(major))
		return major;
	return sm_msg_accept_sequence(minor, ctx, &h, qop);
}

OM_uint32 sm_wrap(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
		  gss_qop_t qop, const gss_buffer_desc *input, int *conf_state,
		  gss_buffer_t output)
{
	unsigned char *out, *body;
	struct sm_msg_header h;
	OM_uint32 major;

	output->length = 0;
	output->value = NULL;
	major = ready_to_send(minor, ctx, qop, input->length, "gss_wrap");
	if (GSS_ERROR(major))
		return major;
	out = malloc(SM_MSG_HEADER_BYTES + input->length + SM_MSG_TAG_BYTES);
	if (out == NULL)
		return sm_no_memory(minor);
	major = sm_msg_new_header(minor, ctx, SM_MSG_TOKEN_WRAP, conf_req, &h);
	if (GSS_ERROR(major)) {
		free(out);
		return major;
	}
	memcpy(out, h.bytes, SM_MSG_HEADER_BYTES);
	body = out + SM_MSG_HEADER_BYTES;
	if (conf_req) {
		sm_msg_seal(sm_msg_send_key(ctx), &h, h.bytes, SM_MSG_HEADER_BYTES,
			    input->value, input->length, body, body + input->length);
	} else {
		if (input->length > 0)
			memcpy(body, input->value, input->length);
		integrity_tag(sm_msg_send_key(ctx), &h, input->value, input->length,
			      body + input->length);
	}
	if (conf_state != NULL)
		*conf_state = !!conf_req;
	output->value = out;
	output->length = SM_MSG_HEADER_BYTES + input->length + SM_MSG_TAG_BYTES;
	return sm_ok(minor);
}

OM_uint32 sm_unwrap(OM_uint32 *minor, struct sm_context *ctx,
		    const gss_buffer_desc *input, gss_buffer_t output,
		    int *conf_state, gss_qop_t *qop)
{
	unsigned char *plain;
	const unsigned char *body, *tag;
	struct sm_msg_header h;
	size_t len;
	OM_uint32 major;

	output->length = 0;
	output->value = NULL;
	major = sm_context_usable(minor, ctx, "gss_unwrap");
	if (GSS_ERROR(major))
		return major;
	major = sm_msg_read_wrap(minor, ctx, input->value, input->length, &h, &len);
	if (GSS_ERROR(major))
		return major;
	body = (const unsigned char *)input->value + SM_MSG_HEADER_BYTES;
	tag = body + len;
	/* One spare byte: an empty message still gets a buffer. */
	plain = malloc(len + 1);
	if (plain == NULL)
		return sm_no_memory(minor);
	if (h.flags & SM_MSG_FLAG_SEALED) {
		if (sm_msg_open(sm_msg_recv_key(ctx), &h, h.bytes, SM_MSG_HEADER_BYTES, body, len,
				tag, plain) != 0) {
			free(plain);
			return sm_msg_bad_signature(minor, "wrap");
		}
	} else {
		major = integrity_check(minor, sm_msg_recv_key(ctx), &h, body, len, tag, "wrap");
		if (GSS_ERROR(major)) {
			free(plain);
			return major;
		}
		if (len > 0)
			memcpy(plain, body, len);
	}
	if (conf_state != NULL)
		*conf_state = !!(h.flags & SM_MSG_FLAG_SEALED);
	output->value = plain;
	output->length = len;
	return sm_msg_accept_sequence(minor, ctx, &h, qop);
}

OM_uint32 sm_wrap_size_limit(OM_uint32 *minor, struct sm_context *ctx,
			     int conf_req, gss_qop_t qop, OM_uint32 output_size,
			     OM_uint32 *max_input)
{
	OM_uint32 major = sm_context_usable(minor, ctx, "gss_wrap_size_limit");

	if (!GSS_ERROR(major))
		major = sm_msg_check_qop(minor, qop);
	if (GSS_ERROR(major))
		return major;
	*max_input = output_size > SM_MSG_HEADER_BYTES + SM_MSG_TAG_BYTES
		? output_size - SM_MSG_HEADER_BYTES - SM_MSG_TAG_BYTES : 0;
	return sm_ok(minor);
}

/* ---- pseudo-random function ---------------------------------------- */

OM_uint32 sm_pseudo_random(OM_uint32 *minor, struct sm_context *ctx, int key_type,
			   const gss_buffer_desc *input, ssize_t desired,
			   gss_buffer_t output)
{
	crypto_generichash_state state;
	unsigned char block[crypto_generichash_BYTES_MAX], prefix[4 + 1];
	struct sm_writer w;
	unsigned char *out;
	size_t done, n;
	uint32_t counter;
	OM_uint32 major;

	output->length = 0;
	output->value = NULL;
	major = sm_context_usable(minor, ctx, "gss_pseudo_random");
	if (GSS_ERROR(major))
		return major;
	if (key_type != GSS_C_PRF_KEY_FULL && key_type != GSS_C_PRF_KEY_PARTIAL)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_PRF_LENGTH,
			       "gss_pseudo_random: unknown key type %d", key_type);
	if (desired < 0 || (size_t)desired > PRF_OUTPUT_MAX)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_PRF_LENGTH,
			       "gss_pseudo_random: %zd bytes were asked for; at most %u can be had",
			       desired, PRF_OUTPUT_MAX);
	out = malloc((size_t)desired + 1);
	if (out == NULL)
		return sm_no_memory(minor);
	/* Counter mode over keyed BLAKE2b-512: block i is
	 * BLAKE2b(key = PRF key, u32 i || u8 key type || input).  Both key
	 * types use the one PRF key: the mechanism has a single session key
	 * shared by both sides (RFC 4401 section 2). */
	for (done = 0, counter = 1; done < (size_t)desired; done += n, counter++) {
		sm_writer_init_fixed(&w, prefix, sizeof(prefix));
		sm_write_u32be(&w, counter);
		sm_write_u8(&w, (uint8_t)key_type);
		crypto_generichash_init(&state, ctx->keys + SM_KEY_PRF, SM_NOISE_KEYLEN,
					sizeof(block));
		crypto_generichash_update(&state, prefix, sizeof(prefix));
		crypto_generichash_update(&state, input->value, input->length);
		crypto_generichash_final(&state, block, sizeof(block));
		n = (size_t)desired - done < sizeof(block) ? (size_t)desired - done : sizeof(block);
		memcpy(out + done, block, n);
	}
	sodium_memzero(block, sizeof(block));
	sodium_memzero(&state, sizeof(state));
	output->value = out;
	output->length = (size_t)desired;
	return sm_ok(minor);
}
