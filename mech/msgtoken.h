/*
 * The per-message token format (see message.c), shared by the buffer
 * calls (message.c) and their IOV forms (iov.c).
 */
#ifndef SM_MSGTOKEN_H
#define SM_MSGTOKEN_H

#include <stdint.h>
#include <gssapi/gssapi.h>

#include <sodium.h>

#include "buf.h"
#include "context.h"

#define SM_MSG_TOKEN_MIC 0x0404
#define SM_MSG_TOKEN_WRAP 0x0504
#define SM_MSG_FLAG_SENT_BY_ACCEPTOR 0x01
#define SM_MSG_FLAG_SEALED 0x02
#define SM_MSG_HEADER_BYTES (12 + SM_CONTEXT_INSTANCE_BYTES)
#define SM_MSG_TAG_BYTES 16

struct sm_msg_header {
	uint16_t id;
	uint8_t flags;
	uint64_t seq;
	unsigned char bytes[SM_MSG_HEADER_BYTES];
};

/*
 * XChaCha20-Poly1305 (IETF) under `key` with the header's nonce: `len`
 * bytes of `plain` to `out` (which may be `plain`), the tag to `tag`, with
 * `ad` (the header first) authenticated too.  sm_msg_open checks the tag
 * and decrypts; it returns 0 when the tag is good.
 */
void sm_msg_seal(const unsigned char *key, const struct sm_msg_header *h,
		 const unsigned char *ad, size_t ad_len, const unsigned char *plain,
		 size_t len, unsigned char *out, unsigned char *tag);
int sm_msg_open(const unsigned char *key, const struct sm_msg_header *h,
		const unsigned char *ad, size_t ad_len, const unsigned char *cipher,
		size_t len, const unsigned char *tag, unsigned char *out)
	__attribute__((warn_unused_result));

/*
 * sm_msg_seal and sm_msg_open taken apart, for messages in pieces (a MIC
 * or an integrity-only wrap of a large message, the IOV forms), so that
 * every piece is authenticated and encrypted where it lies, without a
 * copy; the same bytes as sm_msg_seal over the pieces joined.  Start
 * (which authenticates the header), add the rest of the associated data,
 * then the text: sm_msg_aead_encrypt in place, or, to open,
 * sm_msg_aead_authenticate over every piece of ciphertext, then
 * sm_msg_aead_verify, and only when that succeeded sm_msg_aead_decrypt
 * over the same pieces in order, so no unauthenticated plaintext is ever
 * written.  Finish or verify wipes the state.
 */
struct sm_msg_aead {
	crypto_onetimeauth_poly1305_state poly;
	unsigned char subkey[crypto_core_hchacha20_OUTPUTBYTES];
	unsigned char nonce[crypto_stream_chacha20_ietf_NONCEBYTES];
	unsigned char block[64];	/* keystream of a block used in part */
	uint64_t ad_len, text_len, stream_pos;
};

void sm_msg_aead_start(struct sm_msg_aead *a, const unsigned char *key,
		       const struct sm_msg_header *h);
void sm_msg_aead_ad(struct sm_msg_aead *a, const void *data, size_t len);
void sm_msg_aead_encrypt(struct sm_msg_aead *a, unsigned char *data, size_t len);
void sm_msg_aead_authenticate(struct sm_msg_aead *a, const unsigned char *data, size_t len);
void sm_msg_aead_decrypt(struct sm_msg_aead *a, unsigned char *data, size_t len);
void sm_msg_aead_finish(struct sm_msg_aead *a, unsigned char tag[SM_MSG_TAG_BYTES]);
/* 0 when `tag` is the tag, in constant time; decryption may follow. */
int sm_msg_aead_verify(struct sm_msg_aead *a, const unsigned char tag[SM_MSG_TAG_BYTES])
	__attribute__((warn_unused_result));
/* Wipe the state (after decryption, or when it is abandoned). */
void sm_msg_aead_clear(struct sm_msg_aead *a);

const unsigned char *sm_msg_send_key(const struct sm_context *ctx);
const unsigned char *sm_msg_recv_key(const struct sm_context *ctx);

/* Take the next sequence number (atomically) and make an outgoing token's
 * header; GSS_S_CONTEXT_EXPIRED once the send counter is used up. */
OM_uint32 sm_msg_new_header(OM_uint32 *minor, struct sm_context *ctx, uint16_t id,
			    int sealed, struct sm_msg_header *h)
	__attribute__((warn_unused_result));

/* Parse an incoming header: token id, the peer's direction, known flags. */
OM_uint32 sm_msg_read_header(OM_uint32 *minor, const struct sm_context *ctx,
			     struct sm_reader *r, uint16_t want_id,
			     struct sm_msg_header *h, const char *what)
	__attribute__((warn_unused_result));

/* A whole wrap token in token[len]: its header, checked, and the length
 * of the message between the header and the tag. */
OM_uint32 sm_msg_read_wrap(OM_uint32 *minor, const struct sm_context *ctx,
			   const void *token, size_t len, struct sm_msg_header *h,
			   size_t *message_len)
	__attribute__((warn_unused_result));

OM_uint32 sm_msg_bad_signature(OM_uint32 *minor, const char *what)
	__attribute__((warn_unused_result));
OM_uint32 sm_msg_check_qop(OM_uint32 *minor, gss_qop_t qop)
	__attribute__((warn_unused_result));
OM_uint32 sm_msg_too_long(OM_uint32 *minor, size_t len)
	__attribute__((warn_unused_result));

/* After authentication: the replay window's verdict, and the QOP. */
OM_uint32 sm_msg_accept_sequence(OM_uint32 *minor, struct sm_context *ctx,
				 const struct sm_msg_header *h, gss_qop_t *qop)
	__attribute__((warn_unused_result));

#endif
