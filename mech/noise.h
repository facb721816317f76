/*
 * The Noise Protocol Framework (revision 34) for the suite
 * 25519_ChaChaPoly_BLAKE2b, over libsodium.
 *
 * A handshake is a small state machine that walks a pattern's message
 * tokens (e, s, ee, es, se, ss, psk).  Patterns are table entries; the
 * mechanism uses IK (named initiators) and NK (anonymous initiators); the
 * others are there because the test vectors exercise the same engine
 * through them.  The psk modifier (section 9) is there for the same reason,
 * with the patterns the vectors have: NNpsk0/2, NKpsk0/2, KKpsk0/2 and
 * IKpsk1/2, each with one pre-shared key.
 *
 * Every secret (static and ephemeral private keys, pre-shared key, chaining
 * key, cipher key) lives in locked memory (secmem.h) and is wiped as soon
 * as it is spent: the ephemeral private key once the handshake has used it
 * for the last time, the pre-shared key at its psk token, the handshake
 * state at split.  The one secret kept past the handshake is the ss
 * token's DH, which depends on the static keys alone (staticdh.h).
 */
#ifndef SM_NOISE_H
#define SM_NOISE_H

#include <stddef.h>
#include <stdint.h>

#define SM_NOISE_DHLEN 32
#define SM_NOISE_HASHLEN 64
#define SM_NOISE_KEYLEN 32
#define SM_NOISE_TAGLEN 16
#define SM_NOISE_PSKLEN 32
#define SM_NOISE_MAX_MESSAGE 65535

enum sm_noise_pattern {
	SM_NOISE_NN, SM_NOISE_NK, SM_NOISE_KK, SM_NOISE_IN, SM_NOISE_XK,
	SM_NOISE_IK, SM_NOISE_XX,
	SM_NOISE_NNPSK0, SM_NOISE_NNPSK2, SM_NOISE_NKPSK0, SM_NOISE_NKPSK2,
	SM_NOISE_KKPSK0, SM_NOISE_KKPSK2, SM_NOISE_IKPSK1, SM_NOISE_IKPSK2
};

enum sm_noise_role { SM_NOISE_INITIATOR, SM_NOISE_RESPONDER };

/* Outcome of an operation.  Any error leaves the handshake unusable (it
 * must be cleared); nothing is written to the output on error. */
enum sm_noise_result {
	SM_NOISE_OK = 0,
	SM_NOISE_E_STATE,	/* wrong turn, finished, or missing key or PSK */
	SM_NOISE_E_SHORT,	/* message shorter than its pattern needs */
	SM_NOISE_E_DECRYPT,	/* authentication failed */
	SM_NOISE_E_SPACE,	/* output buffer too small / message too long */
	SM_NOISE_E_MEMORY,	/* no locked memory */
	SM_NOISE_E_DH		/* a DH produced the all-zero output */
};

struct sm_noise_pattern_def;

/* A CipherState: key and 64-bit nonce.  The key is a locked slot or NULL
 * (no key yet). */
struct sm_noise_cipher {
	unsigned char *key;
	uint64_t nonce;
};

struct sm_noise_handshake {
	const struct sm_noise_pattern_def *pattern;
	enum sm_noise_role role;
	unsigned next_message;		/* index into the pattern's messages */
	unsigned char *ck;		/* chaining key, locked, HASHLEN */
	unsigned char h[SM_NOISE_HASHLEN];
	struct sm_noise_cipher cipher;
	unsigned char *s;		/* local static private key, locked, or NULL */
	unsigned char s_pub[SM_NOISE_DHLEN];
	unsigned char *e;		/* local ephemeral private key, locked, or NULL */
	unsigned char e_pub[SM_NOISE_DHLEN];
	int has_e_pub;
	unsigned char rs[SM_NOISE_DHLEN];
	int has_rs;
	unsigned char re[SM_NOISE_DHLEN];
	int has_re;
	unsigned char *psk;		/* pre-shared key, locked, until its psk token */
};

/*
 * Initialize for `pattern` and `role` with a prologue.  `s` is the local
 * static private key (copied into locked memory) or NULL; `s_pub` its
 * public key, or NULL to have it computed (a scalar multiplication that a
 * caller holding the key pair saves; it must be s's, since it also names
 * the pair in the static-static cache, staticdh.h); `rs` the remote static public key
 * known in advance (pre-message) or NULL.  The keys the pattern's
 * pre-messages need must be given.
 */
enum sm_noise_result sm_noise_init(struct sm_noise_handshake *hs,
				   enum sm_noise_pattern pattern,
				   enum sm_noise_role role,
				   const unsigned char *prologue, size_t prologue_len,
				   const unsigned char *s, const unsigned char *s_pub,
				   const unsigned char *rs);

/* For test vectors only: use this ephemeral private key instead of a
 * random one.  Call before the message that sends 'e'. */
enum sm_noise_result sm_noise_set_ephemeral(struct sm_noise_handshake *hs,
					    const unsigned char e[SM_NOISE_DHLEN]);

/* Give the pre-shared key (copied into locked memory) of a pattern with a
 * psk token, before its first message: a message of such a pattern is
 * refused while the PSK is missing, and the PSK is refused by a pattern
 * with no psk token left to use it. */
enum sm_noise_result sm_noise_set_psk(struct sm_noise_handshake *hs,
				      const unsigned char psk[SM_NOISE_PSKLEN]);

/* Write the next handshake message, carrying `payload`, into out[cap]. */
enum sm_noise_result sm_noise_write_message(struct sm_noise_handshake *hs,
					    const unsigned char *payload,
					    size_t payload_len, unsigned char *out,
					    size_t cap, size_t *out_len);

/* Read the next handshake message; its payload goes to payload[cap]. */
enum sm_noise_result sm_noise_read_message(struct sm_noise_handshake *hs,
					   const unsigned char *message, size_t len,
					   unsigned char *payload, size_t cap,
					   size_t *payload_len);

/* X25519 of the local ephemeral private key with `pub`, outside the
 * pattern (the mechanism authenticates a refusal with it): E_STATE when
 * the key is not (or no longer) held, E_DH for an all-zero result. */
enum sm_noise_result sm_noise_ephemeral_dh(const struct sm_noise_handshake *hs,
					   const unsigned char pub[SM_NOISE_DHLEN],
					   unsigned char shared[SM_NOISE_DHLEN]);

/* Is it this side's turn to write (1) or read (0)?  Undefined once done. */
int sm_noise_my_turn(const struct sm_noise_handshake *hs);

/* Have all the pattern's messages been written or read? */
int sm_noise_done(const struct sm_noise_handshake *hs);

/*
 * After the last message: Split() into the initiator-to-responder and
 * responder-to-initiator keys, plus a third HKDF output (Noise's HKDF with
 * three outputs over the same chaining key) that the mechanism uses as its
 * PRF key, and the handshake hash.  Each key output is SM_NOISE_KEYLEN bytes
 * written to caller memory (the caller provides locked memory).  Then the
 * whole handshake state is wiped, as by sm_noise_clear().
 */
enum sm_noise_result sm_noise_split(struct sm_noise_handshake *hs,
				    unsigned char *initiator_to_responder,
				    unsigned char *responder_to_initiator,
				    unsigned char *extra_key,
				    unsigned char hash[SM_NOISE_HASHLEN]);

/* Wipe and release everything the handshake holds; safe to call twice. */
void sm_noise_clear(struct sm_noise_handshake *hs);

/*
 * Transport encryption with a cipher key and an explicit 64-bit nonce, as
 * Noise's EncryptWithAd/DecryptWithAd with ChaChaPoly: ChaCha20-Poly1305
 * (IETF), nonce = 4 zero bytes || little-endian 64-bit n.  out must hold
 * len + SM_NOISE_TAGLEN bytes (encrypt) or len - SM_NOISE_TAGLEN (decrypt).
 */
void sm_noise_encrypt(const unsigned char key[SM_NOISE_KEYLEN], uint64_t n,
		      const unsigned char *ad, size_t ad_len,
		      const unsigned char *plaintext, size_t len, unsigned char *out);
int sm_noise_decrypt(const unsigned char key[SM_NOISE_KEYLEN], uint64_t n,
		     const unsigned char *ad, size_t ad_len,
		     const unsigned char *ciphertext, size_t len, unsigned char *out);

#endif
