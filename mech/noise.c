#include "config.h"

/*
 * The Noise Protocol Framework, revision 34, suite 25519_ChaChaPoly_BLAKE2b.
 *
 * A handshake walks its pattern's table entry one token at a time; the
 * writer and the reader run the same steps, so the DH tokens are shared and
 * only 'e' and 's' differ by direction.  Any error clears the state: a
 * half-run handshake must never be resumed.
 *
 * The psk modifier (section 9) is a token like the others, MixKeyAndHash of
 * the pre-shared key; a pattern that has one also makes every 'e' a MixKey.
 */

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "noise.h"
#include "secmem.h"
#include "staticdh.h"

#define BLOCKLEN 128		/* BLAKE2b's block length, for HMAC */
#define MAX_MESSAGES 3
#define MAX_TOKENS 5		/* IKpsk1's first message: e, es, s, ss, psk */

enum token { TOK_END = 0, TOK_E, TOK_S, TOK_EE, TOK_ES, TOK_SE, TOK_SS, TOK_PSK };

/* Message i is sent by the initiator when i is even, as in every
 * interactive pattern.  Pre-messages are only ever a static key.  A pattern
 * has at most one psk token, as the one PSK of the API has one use. */
struct sm_noise_pattern_def {
	const char *protocol_name;
	unsigned char initiator_pre_s;	/* "-> s" before "..." */
	unsigned char responder_pre_s;	/* "<- s" before "..." */
	unsigned n_messages;
	unsigned char tokens[MAX_MESSAGES][MAX_TOKENS + 1];
};

static const struct sm_noise_pattern_def patterns[] = {
	[SM_NOISE_NN] = { "Noise_NN_25519_ChaChaPoly_BLAKE2b", 0, 0, 2,
		{ { TOK_E }, { TOK_E, TOK_EE } } },
	[SM_NOISE_NK] = { "Noise_NK_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_E, TOK_ES }, { TOK_E, TOK_EE } } },
	[SM_NOISE_KK] = { "Noise_KK_25519_ChaChaPoly_BLAKE2b", 1, 1, 2,
		{ { TOK_E, TOK_ES, TOK_SS }, { TOK_E, TOK_EE, TOK_SE } } },
	[SM_NOISE_IN] = { "Noise_IN_25519_ChaChaPoly_BLAKE2b", 0, 0, 2,
		{ { TOK_E, TOK_S }, { TOK_E, TOK_EE, TOK_SE } } },
	[SM_NOISE_XK] = { "Noise_XK_25519_ChaChaPoly_BLAKE2b", 0, 1, 3,
		{ { TOK_E, TOK_ES }, { TOK_E, TOK_EE }, { TOK_S, TOK_SE } } },
	[SM_NOISE_IK] = { "Noise_IK_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_E, TOK_ES, TOK_S, TOK_SS }, { TOK_E, TOK_EE, TOK_SE } } },
	[SM_NOISE_XX] = { "Noise_XX_25519_ChaChaPoly_BLAKE2b", 0, 0, 3,
		{ { TOK_E }, { TOK_E, TOK_EE, TOK_S, TOK_ES }, { TOK_S, TOK_SE } } },
	/* psk0 starts the first message; pskN ends message N. */
	[SM_NOISE_NNPSK0] = { "Noise_NNpsk0_25519_ChaChaPoly_BLAKE2b", 0, 0, 2,
		{ { TOK_PSK, TOK_E }, { TOK_E, TOK_EE } } },
	[SM_NOISE_NNPSK2] = { "Noise_NNpsk2_25519_ChaChaPoly_BLAKE2b", 0, 0, 2,
		{ { TOK_E }, { TOK_E, TOK_EE, TOK_PSK } } },
	[SM_NOISE_NKPSK0] = { "Noise_NKpsk0_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_PSK, TOK_E, TOK_ES }, { TOK_E, TOK_EE } } },
	[SM_NOISE_NKPSK2] = { "Noise_NKpsk2_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_E, TOK_ES }, { TOK_E, TOK_EE, TOK_PSK } } },
	[SM_NOISE_KKPSK0] = { "Noise_KKpsk0_25519_ChaChaPoly_BLAKE2b", 1, 1, 2,
		{ { TOK_PSK, TOK_E, TOK_ES, TOK_SS }, { TOK_E, TOK_EE, TOK_SE } } },
	[SM_NOISE_KKPSK2] = { "Noise_KKpsk2_25519_ChaChaPoly_BLAKE2b", 1, 1, 2,
		{ { TOK_E, TOK_ES, TOK_SS }, { TOK_E, TOK_EE, TOK_SE, TOK_PSK } } },
	[SM_NOISE_IKPSK1] = { "Noise_IKpsk1_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_E, TOK_ES, TOK_S, TOK_SS, TOK_PSK }, { TOK_E, TOK_EE, TOK_SE } } },
	[SM_NOISE_IKPSK2] = { "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2b", 0, 1, 2,
		{ { TOK_E, TOK_ES, TOK_S, TOK_SS }, { TOK_E, TOK_EE, TOK_SE, TOK_PSK } } },
};

#define N_PATTERNS (sizeof(patterns) / sizeof(patterns[0]))

/* ---- hash, HMAC, HKDF -------------------------------------------------- */

static void mix_hash(struct sm_noise_handshake *hs, const unsigned char *data, size_t len)
{
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, SM_NOISE_HASHLEN);
	crypto_generichash_update(&st, hs->h, SM_NOISE_HASHLEN);
	crypto_generichash_update(&st, data, len);
	crypto_generichash_final(&st, hs->h, SM_NOISE_HASHLEN);
}

/* RFC 2104 HMAC over BLAKE2b-512 with a HASHLEN key, on a || b.  (Keyed
 * BLAKE2b is a different function; Noise's vectors need real HMAC.) */
static void hmac(unsigned char out[SM_NOISE_HASHLEN], const unsigned char key[SM_NOISE_HASHLEN],
		 const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len)
{
	unsigned char pad[BLOCKLEN], inner[SM_NOISE_HASHLEN];
	crypto_generichash_state st;
	size_t i;

	memset(pad, 0, sizeof(pad));
	memcpy(pad, key, SM_NOISE_HASHLEN);
	for (i = 0; i < BLOCKLEN; i++)
		pad[i] ^= 0x36;
	crypto_generichash_init(&st, NULL, 0, SM_NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	crypto_generichash_update(&st, a, a_len);
	crypto_generichash_update(&st, b, b_len);
	crypto_generichash_final(&st, inner, SM_NOISE_HASHLEN);

	for (i = 0; i < BLOCKLEN; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	crypto_generichash_init(&st, NULL, 0, SM_NOISE_HASHLEN);
	crypto_generichash_update(&st, pad, BLOCKLEN);
	crypto_generichash_update(&st, inner, SM_NOISE_HASHLEN);
	crypto_generichash_final(&st, out, SM_NOISE_HASHLEN);

	sodium_memzero(pad, sizeof(pad));
	sodium_memzero(inner, sizeof(inner));
	sodium_memzero(&st, sizeof(st));
}

/* Noise's HKDF with two or three outputs (out3 may be NULL).  out1 may be
 * ck itself: ck is read only before out1 is written. */
static void hkdf(const unsigned char *ck, const unsigned char *ikm, size_t ikm_len,
		 unsigned char *out1, unsigned char *out2, unsigned char *out3)
{
	static const unsigned char one = 1, two = 2, three = 3;
	unsigned char temp_key[SM_NOISE_HASHLEN];

	hmac(temp_key, ck, ikm, ikm_len, NULL, 0);
	hmac(out1, temp_key, &one, 1, NULL, 0);
	hmac(out2, temp_key, out1, SM_NOISE_HASHLEN, &two, 1);
	if (out3 != NULL)
		hmac(out3, temp_key, out2, SM_NOISE_HASHLEN, &three, 1);
	sodium_memzero(temp_key, sizeof(temp_key));
}

/* ---- CipherState ------------------------------------------------------- */

static void make_nonce(unsigned char nonce[12], uint64_t n)
{
	int i;

	memset(nonce, 0, 4);
	for (i = 0; i < 8; i++)
		nonce[4 + i] = (unsigned char)(n >> (8 * i));
}

/* The raw ENCRYPT() of the spec: any nonce, including 2^64-1, which Rekey
 * needs; the reserved-nonce rule belongs to whoever counts the nonces. */
void sm_noise_encrypt(const unsigned char key[SM_NOISE_KEYLEN], uint64_t n,
		      const unsigned char *ad, size_t ad_len,
		      const unsigned char *plaintext, size_t len, unsigned char *out)
{
	unsigned char nonce[12];

	make_nonce(nonce, n);
	crypto_aead_chacha20poly1305_ietf_encrypt(out, NULL, plaintext, len, ad, ad_len,
						  NULL, nonce, key);
}

/* A receiver never accepts the reserved nonce: no sender may use it for a
 * message. */
int sm_noise_decrypt(const unsigned char key[SM_NOISE_KEYLEN], uint64_t n,
		     const unsigned char *ad, size_t ad_len,
		     const unsigned char *ciphertext, size_t len, unsigned char *out)
{
	unsigned char nonce[12];

	if (ciphertext == NULL || len < SM_NOISE_TAGLEN || n == UINT64_MAX)
		return -1;
	make_nonce(nonce, n);
	if (crypto_aead_chacha20poly1305_ietf_decrypt(out, NULL, NULL, ciphertext, len,
						      ad, ad_len, nonce, key) != 0)
		return -1;
	return 0;
}

/* ---- SymmetricState ---------------------------------------------------- */

/* MixKey, or with and_hash MixKeyAndHash: its middle output goes to h and
 * the third becomes the cipher key. */
static enum sm_noise_result mix_key(struct sm_noise_handshake *hs,
				    const unsigned char *ikm, size_t len, int and_hash)
{
	unsigned char temp_h[SM_NOISE_HASHLEN], k[SM_NOISE_HASHLEN];

	if (hs->cipher.key == NULL && (hs->cipher.key = sm_secmem_alloc(SM_NOISE_KEYLEN)) == NULL)
		return SM_NOISE_E_MEMORY;
	if (and_hash) {
		hkdf(hs->ck, ikm, len, hs->ck, temp_h, k);
		mix_hash(hs, temp_h, sizeof(temp_h));
		sodium_memzero(temp_h, sizeof(temp_h));
	} else {
		hkdf(hs->ck, ikm, len, hs->ck, k, NULL);
	}
	memcpy(hs->cipher.key, k, SM_NOISE_KEYLEN);
	hs->cipher.nonce = 0;
	sodium_memzero(k, sizeof(k));
	return SM_NOISE_OK;
}

/* out receives len bytes, plus a tag once there is a key; *out_len says. */
static enum sm_noise_result encrypt_and_hash(struct sm_noise_handshake *hs,
					     const unsigned char *pt, size_t len,
					     unsigned char *out, size_t *out_len)
{
	if (hs->cipher.key != NULL) {
		if (hs->cipher.nonce == UINT64_MAX)
			return SM_NOISE_E_STATE;
		sm_noise_encrypt(hs->cipher.key, hs->cipher.nonce++, hs->h, SM_NOISE_HASHLEN,
				 pt, len, out);
		len += SM_NOISE_TAGLEN;
	} else if (len > 0) {
		memcpy(out, pt, len);
	}
	mix_hash(hs, out, len);
	*out_len = len;
	return SM_NOISE_OK;
}

/* ct[len] must already be known to hold a tag when there is a key. */
static enum sm_noise_result decrypt_and_hash(struct sm_noise_handshake *hs,
					     const unsigned char *ct, size_t len,
					     unsigned char *out)
{
	if (hs->cipher.key != NULL) {
		if (hs->cipher.nonce == UINT64_MAX)
			return SM_NOISE_E_STATE;
		if (sm_noise_decrypt(hs->cipher.key, hs->cipher.nonce, hs->h, SM_NOISE_HASHLEN,
				     ct, len, out) != 0)
			return SM_NOISE_E_DECRYPT;
		hs->cipher.nonce++;
	} else if (len > 0) {
		memcpy(out, ct, len);
	}
	mix_hash(hs, ct, len);
	return SM_NOISE_OK;
}

/* ---- tokens ------------------------------------------------------------ */

/* Does this DH token use our ephemeral (else our static) private key?  In
 * "es" the initiator's e meets the responder's s, and so on. */
static int local_is_e(const struct sm_noise_handshake *hs, int token)
{
	int initiator = hs->role == SM_NOISE_INITIATOR;

	return token == TOK_EE || (token == TOK_ES && initiator) ||
	       (token == TOK_SE && !initiator);
}

static int remote_is_e(const struct sm_noise_handshake *hs, int token)
{
	int initiator = hs->role == SM_NOISE_INITIATOR;

	return token == TOK_EE || (token == TOK_ES && !initiator) ||
	       (token == TOK_SE && initiator);
}

static int is_dh(int token)
{
	return token == TOK_EE || token == TOK_ES || token == TOK_SE || token == TOK_SS;
}

static int sends(const struct sm_noise_handshake *hs, unsigned message)
{
	return (message % 2 == 0) == (hs->role == SM_NOISE_INITIATOR);
}

/* Does `token` occur in message `from` or a later one? */
static int has_token(const struct sm_noise_pattern_def *p, unsigned from, int token)
{
	unsigned m, t;

	for (m = from; m < p->n_messages; m++)
		for (t = 0; t < MAX_TOKENS && p->tokens[m][t] != TOK_END; t++)
			if (p->tokens[m][t] == token)
				return 1;
	return 0;
}

/* Is a psk token still to come with no PSK to give it?  Checked before
 * every message, so that none is written or read without it. */
static int psk_missing(const struct sm_noise_handshake *hs)
{
	return hs->psk == NULL && has_token(hs->pattern, hs->next_message, TOK_PSK);
}

/* Will we need a static private key: a pre-message, an 's' we send, or a
 * DH with our s? */
static int needs_local_s(const struct sm_noise_handshake *hs)
{
	const struct sm_noise_pattern_def *p = hs->pattern;
	unsigned m, t;

	if (hs->role == SM_NOISE_INITIATOR ? p->initiator_pre_s : p->responder_pre_s)
		return 1;
	for (m = 0; m < p->n_messages; m++)
		for (t = 0; t < MAX_TOKENS && p->tokens[m][t] != TOK_END; t++) {
			int token = p->tokens[m][t];

			if ((token == TOK_S && sends(hs, m)) ||
			    (is_dh(token) && !local_is_e(hs, token)))
				return 1;
		}
	return 0;
}

/* Release the ephemeral private key once no token from (message, token)
 * on will use it, so that a later compromise cannot recover it. */
static void drop_spent_ephemeral(struct sm_noise_handshake *hs, unsigned message, unsigned token)
{
	const struct sm_noise_pattern_def *p = hs->pattern;

	if (hs->e == NULL)
		return;
	for (; message < p->n_messages; message++, token = 0)
		for (; token < MAX_TOKENS && p->tokens[message][token] != TOK_END; token++)
			if (is_dh(p->tokens[message][token]) &&
			    local_is_e(hs, p->tokens[message][token]))
				return;
	sm_secmem_free(hs->e);
	hs->e = NULL;
}

static enum sm_noise_result mix_dh(struct sm_noise_handshake *hs, int token)
{
	const unsigned char *priv = local_is_e(hs, token) ? hs->e : hs->s;
	const unsigned char *pub;
	unsigned char shared[SM_NOISE_DHLEN];
	enum sm_noise_result r;

	if (remote_is_e(hs, token))
		pub = hs->has_re ? hs->re : NULL;
	else
		pub = hs->has_rs ? hs->rs : NULL;
	if (priv == NULL || pub == NULL)
		return SM_NOISE_E_STATE;
	if (token != TOK_SS || !sm_static_dh_find(hs->s_pub, pub, shared)) {
		if (crypto_scalarmult(shared, priv, pub) != 0) {
			sodium_memzero(shared, sizeof(shared));
			return SM_NOISE_E_DH;
		}
		if (token == TOK_SS)
			sm_static_dh_keep(hs->s_pub, pub, shared);
	}
	r = mix_key(hs, shared, sizeof(shared), 0);
	sodium_memzero(shared, sizeof(shared));
	return r;
}

enum sm_noise_result sm_noise_ephemeral_dh(const struct sm_noise_handshake *hs,
					   const unsigned char pub[SM_NOISE_DHLEN],
					   unsigned char shared[SM_NOISE_DHLEN])
{
	if (hs->e == NULL)
		return SM_NOISE_E_STATE;
	if (crypto_scalarmult(shared, hs->e, pub) != 0) {
		sodium_memzero(shared, SM_NOISE_DHLEN);
		return SM_NOISE_E_DH;
	}
	return SM_NOISE_OK;
}

/* The PSK has one use: it is wiped as soon as it is mixed in. */
static enum sm_noise_result mix_psk(struct sm_noise_handshake *hs)
{
	enum sm_noise_result r = mix_key(hs, hs->psk, SM_NOISE_PSKLEN, 1);

	sm_secmem_free(hs->psk);
	hs->psk = NULL;
	return r;
}

/* Either side's 'e'.  With a PSK it is also a MixKey, so that no key drawn
 * from the PSK encrypts without a fresh ephemeral in it (section 9.2: the
 * ephemeral serves as a random nonce). */
static enum sm_noise_result mix_e(struct sm_noise_handshake *hs,
				  const unsigned char pub[SM_NOISE_DHLEN])
{
	mix_hash(hs, pub, SM_NOISE_DHLEN);
	if (has_token(hs->pattern, 0, TOK_PSK))
		return mix_key(hs, pub, SM_NOISE_DHLEN, 0);
	return SM_NOISE_OK;
}

static enum sm_noise_result write_e(struct sm_noise_handshake *hs, unsigned char *out)
{
	if (!hs->has_e_pub) {
		if ((hs->e = sm_secmem_alloc(SM_NOISE_DHLEN)) == NULL)
			return SM_NOISE_E_MEMORY;
		randombytes_buf(hs->e, SM_NOISE_DHLEN);
		if (crypto_scalarmult_base(hs->e_pub, hs->e) != 0)
			return SM_NOISE_E_DH;
		hs->has_e_pub = 1;
	}
	memcpy(out, hs->e_pub, SM_NOISE_DHLEN);
	return mix_e(hs, hs->e_pub);
}

/* Bytes a message adds around its payload: keys, and a tag on the static
 * key and on the payload once a DH, a psk or (with a PSK) an 'e' has
 * produced a cipher key. */
static size_t message_overhead(const struct sm_noise_handshake *hs, const unsigned char *tokens)
{
	int keyed = hs->cipher.key != NULL, psk = has_token(hs->pattern, 0, TOK_PSK);
	size_t n = 0;
	unsigned t;

	for (t = 0; t < MAX_TOKENS && tokens[t] != TOK_END; t++) {
		if (tokens[t] == TOK_E) {
			n += SM_NOISE_DHLEN;
			keyed |= psk;
		} else if (tokens[t] == TOK_S) {
			n += SM_NOISE_DHLEN + (keyed ? SM_NOISE_TAGLEN : 0);
		} else {
			keyed = 1;
		}
	}
	return n + (keyed ? SM_NOISE_TAGLEN : 0);
}

static enum sm_noise_result fail(struct sm_noise_handshake *hs, enum sm_noise_result r)
{
	sm_noise_clear(hs);
	return r;
}

/* ---- HandshakeState ---------------------------------------------------- */

enum sm_noise_result sm_noise_init(struct sm_noise_handshake *hs,
				   enum sm_noise_pattern pattern,
				   enum sm_noise_role role,
				   const unsigned char *prologue, size_t prologue_len,
				   const unsigned char *s, const unsigned char *s_pub,
				   const unsigned char *rs)
{
	const struct sm_noise_pattern_def *p;
	size_t name_len;
	int remote_pre;

	memset(hs, 0, sizeof(*hs));
	if ((size_t)pattern >= N_PATTERNS ||
	    (role != SM_NOISE_INITIATOR && role != SM_NOISE_RESPONDER) ||
	    (prologue == NULL && prologue_len > 0))
		return SM_NOISE_E_STATE;
	p = &patterns[pattern];
	hs->pattern = p;
	hs->role = role;

	/* Only the keys the pattern uses are kept: an unused static is one
	 * secret less to hold, and a remote static that the pattern sends
	 * must come from the message. */
	remote_pre = role == SM_NOISE_INITIATOR ? p->responder_pre_s : p->initiator_pre_s;
	if ((needs_local_s(hs) && s == NULL) || (remote_pre && rs == NULL))
		return fail(hs, SM_NOISE_E_STATE);
	if ((hs->ck = sm_secmem_alloc(SM_NOISE_HASHLEN)) == NULL)
		return fail(hs, SM_NOISE_E_MEMORY);
	if (needs_local_s(hs)) {
		if ((hs->s = sm_secmem_alloc(SM_NOISE_DHLEN)) == NULL)
			return fail(hs, SM_NOISE_E_MEMORY);
		memcpy(hs->s, s, SM_NOISE_DHLEN);
		if (s_pub != NULL)
			memcpy(hs->s_pub, s_pub, SM_NOISE_DHLEN);
		else if (crypto_scalarmult_base(hs->s_pub, hs->s) != 0)
			return fail(hs, SM_NOISE_E_DH);
	}
	if (remote_pre) {
		memcpy(hs->rs, rs, SM_NOISE_DHLEN);
		hs->has_rs = 1;
	}

	name_len = strlen(p->protocol_name);
	if (name_len <= SM_NOISE_HASHLEN)
		memcpy(hs->h, p->protocol_name, name_len);	/* h is zero-padded */
	else
		crypto_generichash(hs->h, SM_NOISE_HASHLEN,
				   (const unsigned char *)p->protocol_name, name_len, NULL, 0);
	memcpy(hs->ck, hs->h, SM_NOISE_HASHLEN);
	mix_hash(hs, prologue, prologue_len);
	/* The initiator's pre-message comes first. */
	if (p->initiator_pre_s)
		mix_hash(hs, role == SM_NOISE_INITIATOR ? hs->s_pub : hs->rs, SM_NOISE_DHLEN);
	if (p->responder_pre_s)
		mix_hash(hs, role == SM_NOISE_RESPONDER ? hs->s_pub : hs->rs, SM_NOISE_DHLEN);
	return SM_NOISE_OK;
}

enum sm_noise_result sm_noise_set_ephemeral(struct sm_noise_handshake *hs,
					    const unsigned char e[SM_NOISE_DHLEN])
{
	if (hs->pattern == NULL || hs->has_e_pub || e == NULL)
		return fail(hs, SM_NOISE_E_STATE);
	if ((hs->e = sm_secmem_alloc(SM_NOISE_DHLEN)) == NULL)
		return fail(hs, SM_NOISE_E_MEMORY);
	memcpy(hs->e, e, SM_NOISE_DHLEN);
	if (crypto_scalarmult_base(hs->e_pub, hs->e) != 0)
		return fail(hs, SM_NOISE_E_DH);
	hs->has_e_pub = 1;
	return SM_NOISE_OK;
}

enum sm_noise_result sm_noise_set_psk(struct sm_noise_handshake *hs,
				      const unsigned char psk[SM_NOISE_PSKLEN])
{
	if (hs->pattern == NULL || hs->psk != NULL || psk == NULL ||
	    !has_token(hs->pattern, hs->next_message, TOK_PSK))
		return fail(hs, SM_NOISE_E_STATE);
	if ((hs->psk = sm_secmem_alloc(SM_NOISE_PSKLEN)) == NULL)
		return fail(hs, SM_NOISE_E_MEMORY);
	memcpy(hs->psk, psk, SM_NOISE_PSKLEN);
	return SM_NOISE_OK;
}

int sm_noise_my_turn(const struct sm_noise_handshake *hs)
{
	return hs->pattern != NULL && sends(hs, hs->next_message);
}

int sm_noise_done(const struct sm_noise_handshake *hs)
{
	return hs->pattern != NULL && hs->next_message >= hs->pattern->n_messages;
}

/* The end of a message made or read in the scratch buffer buf[n]: on
 * success the turn passes and the bytes go to out; either way the scratch
 * buffer is wiped and freed, and a failure spends the handshake. */
static enum sm_noise_result finish_message(struct sm_noise_handshake *hs,
					   enum sm_noise_result r, unsigned char *buf,
					   size_t n, unsigned char *out, size_t *out_len)
{
	if (r == SM_NOISE_OK) {
		hs->next_message++;
		if (n > 0)
			memcpy(out, buf, n);
		if (out_len != NULL)
			*out_len = n;
	}
	sodium_memzero(buf, n);
	free(buf);
	return r == SM_NOISE_OK ? SM_NOISE_OK : fail(hs, r);
}

/* The message is built in a scratch buffer so that the caller's output is
 * only written once the whole message has succeeded. */
enum sm_noise_result sm_noise_write_message(struct sm_noise_handshake *hs,
					    const unsigned char *payload,
					    size_t payload_len, unsigned char *out,
					    size_t cap, size_t *out_len)
{
	const unsigned char *tokens;
	unsigned char *buf;
	size_t need, pos = 0, n;
	enum sm_noise_result r = SM_NOISE_OK;
	unsigned t;

	if (hs->pattern == NULL || sm_noise_done(hs) || !sm_noise_my_turn(hs) ||
	    psk_missing(hs) || (payload == NULL && payload_len > 0))
		return fail(hs, SM_NOISE_E_STATE);
	tokens = hs->pattern->tokens[hs->next_message];
	need = message_overhead(hs, tokens);
	if (payload_len > SM_NOISE_MAX_MESSAGE - need || need + payload_len > cap ||
	    out == NULL)
		return fail(hs, SM_NOISE_E_SPACE);
	need += payload_len;
	if ((buf = malloc(need > 0 ? need : 1)) == NULL)
		return fail(hs, SM_NOISE_E_MEMORY);

	for (t = 0; r == SM_NOISE_OK && t < MAX_TOKENS && tokens[t] != TOK_END; t++) {
		switch (tokens[t]) {
		case TOK_E:
			r = write_e(hs, buf + pos);
			pos += SM_NOISE_DHLEN;
			break;
		case TOK_S:
			if (hs->s == NULL) {
				r = SM_NOISE_E_STATE;
				break;
			}
			r = encrypt_and_hash(hs, hs->s_pub, SM_NOISE_DHLEN, buf + pos, &n);
			pos += n;
			break;
		case TOK_PSK:
			r = mix_psk(hs);
			break;
		default:
			r = mix_dh(hs, tokens[t]);
		}
		drop_spent_ephemeral(hs, hs->next_message, t + 1);
	}
	if (r == SM_NOISE_OK)
		r = encrypt_and_hash(hs, payload, payload_len, buf + pos, &n);
	return finish_message(hs, r, buf, need, out, out_len);
}

/* Lengths are checked against the pattern before any byte is used; the
 * payload is decrypted into a scratch buffer so that a failed message
 * leaves the caller's buffer untouched. */
enum sm_noise_result sm_noise_read_message(struct sm_noise_handshake *hs,
					   const unsigned char *message, size_t len,
					   unsigned char *payload, size_t cap,
					   size_t *payload_len)
{
	const unsigned char *tokens;
	unsigned char *buf, key[SM_NOISE_DHLEN];
	size_t overhead, plen, pos = 0, n;
	enum sm_noise_result r = SM_NOISE_OK;
	unsigned t;

	if (hs->pattern == NULL || sm_noise_done(hs) || sm_noise_my_turn(hs) ||
	    psk_missing(hs) || (message == NULL && len > 0))
		return fail(hs, SM_NOISE_E_STATE);
	tokens = hs->pattern->tokens[hs->next_message];
	overhead = message_overhead(hs, tokens);
	if (len > SM_NOISE_MAX_MESSAGE)
		return fail(hs, SM_NOISE_E_SPACE);
	if (len < overhead)
		return fail(hs, SM_NOISE_E_SHORT);
	plen = len - overhead;
	if (plen > cap || (payload == NULL && plen > 0))
		return fail(hs, SM_NOISE_E_SPACE);
	if ((buf = malloc(plen > 0 ? plen : 1)) == NULL)
		return fail(hs, SM_NOISE_E_MEMORY);

	for (t = 0; r == SM_NOISE_OK && t < MAX_TOKENS && tokens[t] != TOK_END; t++) {
		switch (tokens[t]) {
		case TOK_E:
			if (hs->has_re) {
				r = SM_NOISE_E_STATE;
				break;
			}
			memcpy(hs->re, message + pos, SM_NOISE_DHLEN);
			hs->has_re = 1;
			r = mix_e(hs, hs->re);
			pos += SM_NOISE_DHLEN;
			break;
		case TOK_S:
			if (hs->has_rs) {
				r = SM_NOISE_E_STATE;
				break;
			}
			n = SM_NOISE_DHLEN + (hs->cipher.key != NULL ? SM_NOISE_TAGLEN : 0);
			r = decrypt_and_hash(hs, message + pos, n, key);
			if (r == SM_NOISE_OK) {
				memcpy(hs->rs, key, SM_NOISE_DHLEN);
				hs->has_rs = 1;
			}
			pos += n;
			break;
		case TOK_PSK:
			r = mix_psk(hs);
			break;
		default:
			r = mix_dh(hs, tokens[t]);
		}
		drop_spent_ephemeral(hs, hs->next_message, t + 1);
	}
	if (r == SM_NOISE_OK)
		r = decrypt_and_hash(hs, message + pos, len - pos, buf);
	return finish_message(hs, r, buf, plen, payload, payload_len);
}

enum sm_noise_result sm_noise_split(struct sm_noise_handshake *hs,
				    unsigned char *initiator_to_responder,
				    unsigned char *responder_to_initiator,
				    unsigned char *extra_key,
				    unsigned char hash[SM_NOISE_HASHLEN])
{
	unsigned char k1[SM_NOISE_HASHLEN], k2[SM_NOISE_HASHLEN], k3[SM_NOISE_HASHLEN];

	if (!sm_noise_done(hs))
		return fail(hs, SM_NOISE_E_STATE);
	hkdf(hs->ck, NULL, 0, k1, k2, k3);
	if (initiator_to_responder != NULL)
		memcpy(initiator_to_responder, k1, SM_NOISE_KEYLEN);
	if (responder_to_initiator != NULL)
		memcpy(responder_to_initiator, k2, SM_NOISE_KEYLEN);
	if (extra_key != NULL)
		memcpy(extra_key, k3, SM_NOISE_KEYLEN);
	if (hash != NULL)
		memcpy(hash, hs->h, SM_NOISE_HASHLEN);
	sodium_memzero(k1, sizeof(k1));
	sodium_memzero(k2, sizeof(k2));
	sodium_memzero(k3, sizeof(k3));
	sm_noise_clear(hs);
	return SM_NOISE_OK;
}

void sm_noise_clear(struct sm_noise_handshake *hs)
{
	if (hs == NULL)
		return;
	sm_secmem_free(hs->ck);
	sm_secmem_free(hs->cipher.key);
	sm_secmem_free(hs->s);
	sm_secmem_free(hs->e);
	sm_secmem_free(hs->psk);
	sodium_memzero(hs, sizeof(*hs));
}
