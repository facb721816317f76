/* The Noise engine: the cacophony and snow vectors for every pattern in the
 * table, psk patterns included, and refusals of truncated, altered and
 * out-of-turn messages. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <sodium.h>

#include "noise.h"
#include "secmem.h"
#include "staticdh.h"
#include "unit.h"

#define MAX_BYTES 1024
#define SUFFIX "_25519_ChaChaPoly_BLAKE2b"

/* ---- the vector files --------------------------------------------------- */

/* Each file is named by an environment variable that make check sets. */
struct vector_file {
	const char *variable, *file;
};

static const struct vector_file plain_vectors = {
	"NOISE_VECTORS", "noise-25519-chachapoly-blake2b.json"
};
static const struct vector_file psk_vectors = {
	"NOISE_PSK_VECTORS", "noise-psk-25519-chachapoly-blake2b.json"
};

/* The "vectors" array of the file (the caller puts the returned root), or
 * NULL with a reason. */
static struct json_object *load_vectors(const struct vector_file *f, struct json_object **array,
					const char **why)
{
	static char reason[256];
	const char *path = getenv(f->variable);
	struct json_object *root;

	*array = NULL;
	*why = reason;
	if (path == NULL || *path == '\0') {
		snprintf(reason, sizeof(reason), "%s is not set (make check sets it; by hand, "
			 "point it at %s)", f->variable, f->file);
		return NULL;
	}
	if ((root = json_object_from_file(path)) == NULL) {
		snprintf(reason, sizeof(reason), "the file named by %s is missing or is not JSON",
			 f->variable);
		return NULL;
	}
	if (!json_object_object_get_ex(root, "vectors", array) ||
	    !json_object_is_type(*array, json_type_array) ||
	    json_object_array_length(*array) == 0) {
		json_object_put(root);
		snprintf(reason, sizeof(reason), "the file named by %s has no \"vectors\" array",
			 f->variable);
		return NULL;
	}
	return root;
}

struct bytes {
	unsigned char b[MAX_BYTES];
	size_t len;
	int present;
};

static void parse_hex(struct json_object *field, const char *what, struct bytes *out)
{
	const char *hex = json_object_get_string(field);

	ck_assert_msg(hex != NULL && sodium_hex2bin(out->b, sizeof(out->b), hex, strlen(hex),
						    NULL, &out->len, NULL) == 0,
		      "field %s is not hex", what);
	out->present = 1;
}

static void get_hex(struct json_object *obj, const char *key, struct bytes *out)
{
	struct json_object *field;

	memset(out, 0, sizeof(*out));
	if (json_object_object_get_ex(obj, key, &field))
		parse_hex(field, key, out);
}

static void assert_bytes(const unsigned char *got, size_t got_len, const struct bytes *want,
			 const char *what, size_t index)
{
	static char got_hex[2 * MAX_BYTES + 1], want_hex[2 * MAX_BYTES + 1];

	if (got_len == want->len && (got_len == 0 || memcmp(got, want->b, got_len) == 0))
		return;
	sodium_bin2hex(got_hex, sizeof(got_hex), got, got_len < MAX_BYTES ? got_len : MAX_BYTES);
	sodium_bin2hex(want_hex, sizeof(want_hex), want->b, want->len);
	ck_abort_msg("%s %zu differs:\n  got  %s\n  want %s", what, index, got_hex, want_hex);
}

static const struct {
	const char *name;
	enum sm_noise_pattern pattern;
} pattern_names[] = {
	{ "NN", SM_NOISE_NN }, { "NK", SM_NOISE_NK }, { "KK", SM_NOISE_KK },
	{ "IN", SM_NOISE_IN }, { "XK", SM_NOISE_XK }, { "IK", SM_NOISE_IK },
	{ "XX", SM_NOISE_XX },
	{ "NNpsk0", SM_NOISE_NNPSK0 }, { "NNpsk2", SM_NOISE_NNPSK2 },
	{ "NKpsk0", SM_NOISE_NKPSK0 }, { "NKpsk2", SM_NOISE_NKPSK2 },
	{ "KKpsk0", SM_NOISE_KKPSK0 }, { "KKpsk2", SM_NOISE_KKPSK2 },
	{ "IKpsk1", SM_NOISE_IKPSK1 }, { "IKpsk2", SM_NOISE_IKPSK2 },
};

/* "Noise_XX_25519_ChaChaPoly_BLAKE2b" -> SM_NOISE_XX, or -1; the pattern
 * name includes its modifier ("NNpsk0"). */
static int parse_protocol(const char *protocol)
{
	size_t i, n;

	if (strncmp(protocol, "Noise_", 6) != 0)
		return -1;
	protocol += 6;
	n = strcspn(protocol, "_");
	if (strcmp(protocol + n, SUFFIX) != 0)
		return -1;
	for (i = 0; i < sizeof(pattern_names) / sizeof(pattern_names[0]); i++)
		if (strlen(pattern_names[i].name) == n &&
		    strncmp(pattern_names[i].name, protocol, n) == 0)
			return (int)pattern_names[i].pattern;
	return -1;
}

/* A side's PSK from its array (key "init_psks" or "resp_psks"): absent or
 * empty gives none; the engine takes at most one. */
static void get_psk(struct json_object *v, const char *key, const char *protocol,
		    struct bytes *out)
{
	struct json_object *psks;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
	if (json_object_object_get_ex(v, key, &psks)) {
		ck_assert_msg(json_object_is_type(psks, json_type_array), "%s: %s is not an array",
			      protocol, key);
		n = json_object_array_length(psks);
	}
	ck_assert_msg(n <= 1, "%s uses %zu pre-shared keys (%s); the engine takes one",
		      protocol, n, key);
	if (n == 0)
		return;
	parse_hex(json_object_array_get_idx(psks, 0), key, out);
	ck_assert_msg(out->len == SM_NOISE_PSKLEN, "%s: a PSK of %zu bytes in %s", protocol,
		      out->len, key);
}

static void message_field(struct json_object *messages, size_t i, const char *key,
			  struct bytes *out)
{
	get_hex(json_object_array_get_idx(messages, i), key, out);
	ck_assert_msg(out->present, "message %zu has no %s", i, key);
}

/* ---- one vector: handshake, split, transport ---------------------------- */

static void run_vector(const struct vector_file *f, int index)
{
	struct json_object *root, *vectors, *v, *field, *messages;
	const char *why = NULL, *protocol;
	struct sm_noise_handshake ini, resp, *sender, *receiver;
	struct bytes ip, rp, is, irs, ie, rs, rrs, re, ipsk, rpsk, hash, payload, ct;
	unsigned char out[SM_NOISE_MAX_MESSAGE], pt[SM_NOISE_MAX_MESSAGE];
	unsigned char ini_keys[3][SM_NOISE_KEYLEN], resp_keys[3][SM_NOISE_KEYLEN];
	unsigned char ini_hash[SM_NOISE_HASHLEN], resp_hash[SM_NOISE_HASHLEN];
	uint64_t nonces[2] = { 0, 0 };
	size_t i, n, out_len, pt_len, handshake_messages;
	int pattern;

	root = load_vectors(f, &vectors, &why);
	ck_assert_msg(root != NULL, "cannot read the Noise vectors: %s", why);
	ck_assert_msg((size_t)index < json_object_array_length(vectors), "no vector %d", index);
	v = json_object_array_get_idx(vectors, index);
	ck_assert_msg(json_object_object_get_ex(v, "protocol_name", &field),
		      "vector %d has no protocol_name", index);
	protocol = json_object_get_string(field);
	pattern = parse_protocol(protocol);
	ck_assert_msg(pattern >= 0, "vector %d: %s is not a pattern of the engine", index,
		      protocol);
	get_psk(v, "init_psks", protocol, &ipsk);
	get_psk(v, "resp_psks", protocol, &rpsk);

	get_hex(v, "init_prologue", &ip);
	get_hex(v, "resp_prologue", &rp);
	get_hex(v, "init_static", &is);
	get_hex(v, "init_remote_static", &irs);
	get_hex(v, "init_ephemeral", &ie);
	get_hex(v, "resp_static", &rs);
	get_hex(v, "resp_remote_static", &rrs);
	get_hex(v, "resp_ephemeral", &re);
	get_hex(v, "handshake_hash", &hash);
	ck_assert_msg(ie.present && re.present, "%s: ephemeral keys missing", protocol);
	ck_assert_msg(json_object_object_get_ex(v, "messages", &messages), "no messages");
	n = json_object_array_length(messages);

	ck_assert_int_eq(sm_noise_init(&ini, (enum sm_noise_pattern)pattern, SM_NOISE_INITIATOR,
				       ip.b, ip.len, is.present ? is.b : NULL, NULL,
				       irs.present ? irs.b : NULL), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_init(&resp, (enum sm_noise_pattern)pattern, SM_NOISE_RESPONDER,
				       rp.b, rp.len, rs.present ? rs.b : NULL,
				       irs.present ? irs.b : NULL,
				       rrs.present ? rrs.b : NULL), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(&ini, ie.b), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(&resp, re.b), SM_NOISE_OK);
	if (ipsk.present)
		ck_assert_int_eq(sm_noise_set_psk(&ini, ipsk.b), SM_NOISE_OK);
	if (rpsk.present)
		ck_assert_int_eq(sm_noise_set_psk(&resp, rpsk.b), SM_NOISE_OK);

	/* Handshake messages alternate, the initiator first. */
	for (i = 0; !sm_noise_done(&ini); i++) {
		ck_assert_msg(i < n, "%s: the vector ends inside the handshake", protocol);
		ck_assert(!sm_noise_done(&resp));
		sender = i % 2 == 0 ? &ini : &resp;
		receiver = i % 2 == 0 ? &resp : &ini;
		ck_assert(sm_noise_my_turn(sender));
		ck_assert(!sm_noise_my_turn(receiver));
		message_field(messages, i, "payload", &payload);
		message_field(messages, i, "ciphertext", &ct);
		ck_assert_int_eq(sm_noise_write_message(sender, payload.b, payload.len, out,
							sizeof(out), &out_len), SM_NOISE_OK);
		assert_bytes(out, out_len, &ct, "handshake message", i);
		ck_assert_int_eq(sm_noise_read_message(receiver, out, out_len, pt, sizeof(pt),
						       &pt_len), SM_NOISE_OK);
		assert_bytes(pt, pt_len, &payload, "handshake payload", i);
	}
	handshake_messages = i;
	ck_assert(sm_noise_done(&resp));

	ck_assert_int_eq(sm_noise_split(&ini, ini_keys[0], ini_keys[1], ini_keys[2], ini_hash),
			 SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_split(&resp, resp_keys[0], resp_keys[1], resp_keys[2],
					resp_hash), SM_NOISE_OK);
	ck_assert_mem_eq(ini_keys, resp_keys, sizeof(ini_keys));
	ck_assert_mem_eq(ini_hash, resp_hash, sizeof(ini_hash));
	if (hash.present)
		assert_bytes(ini_hash, sizeof(ini_hash), &hash, "handshake hash", 0);

	/* Transport messages keep alternating; each direction has its own key
	 * and its nonces count from 0. */
	for (i = handshake_messages; i < n; i++) {
		int from_initiator = i % 2 == 0;
		const unsigned char *send_key = ini_keys[from_initiator ? 0 : 1];
		const unsigned char *recv_key = resp_keys[from_initiator ? 0 : 1];
		uint64_t nonce = nonces[from_initiator ? 0 : 1]++;

		message_field(messages, i, "payload", &payload);
		message_field(messages, i, "ciphertext", &ct);
		ck_assert_uint_le(payload.len + SM_NOISE_TAGLEN, sizeof(out));
		sm_noise_encrypt(send_key, nonce, NULL, 0, payload.b, payload.len, out);
		assert_bytes(out, payload.len + SM_NOISE_TAGLEN, &ct, "transport message", i);
		ck_assert_int_eq(sm_noise_decrypt(recv_key, nonce, NULL, 0, ct.b, ct.len, pt), 0);
		assert_bytes(pt, ct.len - SM_NOISE_TAGLEN, &payload, "transport payload", i);
	}
	sodium_memzero(ini_keys, sizeof(ini_keys));
	sodium_memzero(resp_keys, sizeof(resp_keys));
	json_object_put(root);
}

START_TEST(vector)
{
	run_vector(&plain_vectors, _i);
}
END_TEST

START_TEST(psk_vector)
{
	run_vector(&psk_vectors, _i);
}
END_TEST

/* ---- an IK handshake of our own, for the refusals ------------------------ */

static const unsigned char prologue[] = "gss-sodium test";
static const unsigned char payload1[] = "who goes there?";
static const unsigned char payload2[] = "a friend";

struct ik_keys {
	unsigned char is[SM_NOISE_DHLEN], rs[SM_NOISE_DHLEN], rs_pub[SM_NOISE_DHLEN];
	unsigned char ie[SM_NOISE_DHLEN], re[SM_NOISE_DHLEN];
};

/* Fixed keys, so that every run builds the same messages. */
static void ik_keys(struct ik_keys *k)
{
	unsigned char seed[randombytes_SEEDBYTES];

	memset(seed, 'k', sizeof(seed));
	randombytes_buf_deterministic(k, sizeof(*k), seed);
	ck_assert_int_eq(crypto_scalarmult_base(k->rs_pub, k->rs), 0);
}

static void ik_initiator(struct sm_noise_handshake *hs, const struct ik_keys *k)
{
	ck_assert_int_eq(sm_noise_init(hs, SM_NOISE_IK, SM_NOISE_INITIATOR, prologue,
				       sizeof(prologue), k->is, NULL, k->rs_pub), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(hs, k->ie), SM_NOISE_OK);
}

static void ik_responder(struct sm_noise_handshake *hs, const struct ik_keys *k)
{
	ck_assert_int_eq(sm_noise_init(hs, SM_NOISE_IK, SM_NOISE_RESPONDER, prologue,
				       sizeof(prologue), k->rs, k->rs_pub, NULL), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(hs, k->re), SM_NOISE_OK);
}

static void write_ok(struct sm_noise_handshake *hs, const unsigned char *payload, size_t len,
		     unsigned char *out, size_t cap, size_t *out_len)
{
	ck_assert_int_eq(sm_noise_write_message(hs, payload, len, out, cap, out_len), SM_NOISE_OK);
}

static void read_ok(struct sm_noise_handshake *hs, const unsigned char *msg, size_t len)
{
	unsigned char pt[256];
	size_t pt_len;

	ck_assert_int_eq(sm_noise_read_message(hs, msg, len, pt, sizeof(pt), &pt_len), SM_NOISE_OK);
}

/* The two IK messages, built by a handshake that is then discarded. */
static void ik_messages(const struct ik_keys *k, unsigned char msg1[256], size_t *len1,
			unsigned char msg2[256], size_t *len2)
{
	struct sm_noise_handshake ini, resp;

	ik_initiator(&ini, k);
	ik_responder(&resp, k);
	write_ok(&ini, payload1, sizeof(payload1), msg1, 256, len1);
	read_ok(&resp, msg1, *len1);
	write_ok(&resp, payload2, sizeof(payload2), msg2, 256, len2);
	read_ok(&ini, msg2, *len2);
	sm_noise_clear(&ini);
	sm_noise_clear(&resp);
}

/* Read msg[len] at the point of the handshake where `which` (1 or 2) is
 * due; the handshake is discarded afterwards. */
static enum sm_noise_result ik_read(const struct ik_keys *k, int which,
				    const unsigned char *msg, size_t len)
{
	struct sm_noise_handshake hs;
	unsigned char pt[256], first[256];
	size_t pt_len = 12345, first_len;
	enum sm_noise_result r;

	memset(pt, 0xaa, sizeof(pt));
	if (which == 1) {
		ik_responder(&hs, k);
	} else {
		ik_initiator(&hs, k);
		write_ok(&hs, payload1, sizeof(payload1), first, sizeof(first), &first_len);
	}
	r = sm_noise_read_message(&hs, msg, len, pt, sizeof(pt), &pt_len);
	if (r != SM_NOISE_OK) {
		/* Nothing reaches the caller, and the state is gone. */
		ck_assert_uint_eq(pt_len, 12345);
		ck_assert_uint_eq(pt[0], 0xaa);
		ck_assert_uint_eq(pt[sizeof(pt) - 1], 0xaa);
		ck_assert(unit_all_zero(&hs, sizeof(hs)));
	}
	sm_noise_clear(&hs);
	return r;
}

START_TEST(truncated_messages_are_refused)
{
	struct ik_keys k;
	unsigned char msg1[256], msg2[256];
	size_t len1, len2, len;
	/* e, encrypted s, payload tag; then e and payload tag. */
	const size_t overhead1 = 32 + 48 + 16, overhead2 = 32 + 16;

	ik_keys(&k);
	ik_messages(&k, msg1, &len1, msg2, &len2);
	ck_assert_uint_eq(len1, overhead1 + sizeof(payload1));
	ck_assert_uint_eq(len2, overhead2 + sizeof(payload2));
	ck_assert_int_eq(ik_read(&k, 1, msg1, len1), SM_NOISE_OK);
	ck_assert_int_eq(ik_read(&k, 2, msg2, len2), SM_NOISE_OK);
	for (len = 0; len < len1; len++)
		ck_assert_int_eq(ik_read(&k, 1, msg1, len),
				 len < overhead1 ? SM_NOISE_E_SHORT : SM_NOISE_E_DECRYPT);
	for (len = 0; len < len2; len++)
		ck_assert_int_eq(ik_read(&k, 2, msg2, len),
				 len < overhead2 ? SM_NOISE_E_SHORT : SM_NOISE_E_DECRYPT);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* Every byte of either message, each bit flipped and all bits flipped: the
 * top bit of a key's last byte, which X25519 ignores, is caught because
 * the key is hashed as sent. */
START_TEST(altered_messages_are_refused)
{
	static const unsigned char masks[] = { 1, 2, 4, 8, 16, 32, 64, 128, 0xff };
	struct ik_keys k;
	unsigned char msgs[2][256], bad[256];
	size_t lens[2], i, m;
	int which;
	enum sm_noise_result r;

	ik_keys(&k);
	ik_messages(&k, msgs[0], &lens[0], msgs[1], &lens[1]);
	for (which = 1; which <= 2; which++)
		for (i = 0; i < lens[which - 1]; i++)
			for (m = 0; m < sizeof(masks); m++) {
				memcpy(bad, msgs[which - 1], lens[which - 1]);
				bad[i] ^= masks[m];
				r = ik_read(&k, which, bad, lens[which - 1]);
				ck_assert_msg(r == SM_NOISE_E_DECRYPT || r == SM_NOISE_E_DH,
					      "message %d byte %zu ^ %02x: result %d",
					      which, i, masks[m], (int)r);
			}
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(low_order_ephemeral_keys_are_refused)
{
	struct ik_keys k;
	unsigned char msgs[2][256];
	size_t lens[2];
	int which;

	ik_keys(&k);
	ik_messages(&k, msgs[0], &lens[0], msgs[1], &lens[1]);
	for (which = 1; which <= 2; which++) {
		/* u = 0 and u = 1 both give the all-zero shared secret. */
		memset(msgs[which - 1], 0, SM_NOISE_DHLEN);
		ck_assert_int_eq(ik_read(&k, which, msgs[which - 1], lens[which - 1]), SM_NOISE_E_DH);
		msgs[which - 1][0] = 1;
		ck_assert_int_eq(ik_read(&k, which, msgs[which - 1], lens[which - 1]), SM_NOISE_E_DH);
	}
}
END_TEST

START_TEST(out_of_turn_calls_are_refused)
{
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char msg[256], pt[256];
	size_t len, pt_len;

	ik_keys(&k);
	ik_initiator(&ini, &k);
	ck_assert(sm_noise_my_turn(&ini));
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	ik_responder(&resp, &k);
	ck_assert(!sm_noise_my_turn(&resp));
	/* The responder writes first: refused, and the handshake is gone. */
	ck_assert_int_eq(sm_noise_write_message(&resp, NULL, 0, msg, sizeof(msg), &len),
			 SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&resp, sizeof(resp)));
	ck_assert_int_eq(sm_noise_read_message(&resp, msg, len, pt, sizeof(pt), &pt_len),
			 SM_NOISE_E_STATE);

	/* The initiator reads when it should write. */
	sm_noise_clear(&ini);
	ik_initiator(&ini, &k);
	ck_assert_int_eq(sm_noise_read_message(&ini, msg, len, pt, sizeof(pt), &pt_len),
			 SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));

	/* Split before the end, and messages after it. */
	ik_initiator(&ini, &k);
	ck_assert_int_eq(sm_noise_split(&ini, pt, pt + 32, pt + 64, pt + 128), SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	ik_initiator(&ini, &k);
	ik_responder(&resp, &k);
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	read_ok(&resp, msg, len);
	write_ok(&resp, payload2, sizeof(payload2), msg, sizeof(msg), &len);
	read_ok(&ini, msg, len);
	ck_assert(sm_noise_done(&ini) && sm_noise_done(&resp));
	ck_assert_int_eq(sm_noise_write_message(&ini, NULL, 0, msg, sizeof(msg), &len),
			 SM_NOISE_E_STATE);
	ck_assert_int_eq(sm_noise_read_message(&resp, msg, len, pt, sizeof(pt), &pt_len),
			 SM_NOISE_E_STATE);
	/* An ephemeral key can only be set before it is sent. */
	ik_initiator(&ini, &k);
	ck_assert_int_eq(sm_noise_set_ephemeral(&ini, k.ie), SM_NOISE_E_STATE);
	sm_noise_clear(&ini);
	sm_noise_clear(&ini);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(missing_keys_are_refused)
{
	struct ik_keys k;
	struct sm_noise_handshake hs;

	ik_keys(&k);
	ck_assert_int_eq(sm_noise_init(&hs, SM_NOISE_IK, SM_NOISE_INITIATOR, NULL, 0,
				       k.is, NULL, NULL),
			 SM_NOISE_E_STATE);
	ck_assert_int_eq(sm_noise_init(&hs, SM_NOISE_IK, SM_NOISE_INITIATOR, NULL, 0, NULL, NULL,
				       k.rs_pub), SM_NOISE_E_STATE);
	ck_assert_int_eq(sm_noise_init(&hs, SM_NOISE_IK, SM_NOISE_RESPONDER, NULL, 0,
				       NULL, NULL, NULL),
			 SM_NOISE_E_STATE);
	ck_assert_int_eq(sm_noise_init(&hs, SM_NOISE_XX, SM_NOISE_INITIATOR, NULL, 0,
				       NULL, NULL, NULL),
			 SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&hs, sizeof(hs)));
	/* An anonymous NK initiator needs no static key of its own. */
	ck_assert_int_eq(sm_noise_init(&hs, SM_NOISE_NK, SM_NOISE_INITIATOR, NULL, 0, NULL, NULL,
				       k.rs_pub), SM_NOISE_OK);
	ck_assert_ptr_null(hs.s);
	sm_noise_clear(&hs);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* ---- pre-shared keys ---------------------------------------------------- */

/* Both sides of a psk pattern with the IK keys (which NN ignores) and the
 * PSKs given, or none where NULL.  The ephemeral keys are set in advance,
 * as the vectors do: a random one would take its slot mid-message, and
 * could take the one the PSK has just left, which a test inspects. */
static void psk_pair(struct sm_noise_handshake *ini, struct sm_noise_handshake *resp,
		     enum sm_noise_pattern pattern, const struct ik_keys *k,
		     const unsigned char *ini_psk, const unsigned char *resp_psk)
{
	ck_assert_int_eq(sm_noise_init(ini, pattern, SM_NOISE_INITIATOR, prologue,
				       sizeof(prologue), k->is, NULL, k->rs_pub), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_init(resp, pattern, SM_NOISE_RESPONDER, prologue,
				       sizeof(prologue), k->rs, k->rs_pub, NULL), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(ini, k->ie), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(resp, k->re), SM_NOISE_OK);
	if (ini_psk != NULL)
		ck_assert_int_eq(sm_noise_set_psk(ini, ini_psk), SM_NOISE_OK);
	if (resp_psk != NULL)
		ck_assert_int_eq(sm_noise_set_psk(resp, resp_psk), SM_NOISE_OK);
}

/* A pattern whose psk token is still to come refuses any message without
 * a PSK; a PSK is refused where no psk token is left to spend it. */
START_TEST(missing_psk_is_refused)
{
	static const enum sm_noise_pattern with_psk[] = {
		SM_NOISE_NNPSK0, SM_NOISE_NNPSK2, SM_NOISE_IKPSK1, SM_NOISE_IKPSK2
	};
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char psk[SM_NOISE_PSKLEN], msg[256], pt[256];
	size_t len, pt_len = 777, i;

	ik_keys(&k);
	memset(psk, 'p', sizeof(psk));
	for (i = 0; i < sizeof(with_psk) / sizeof(with_psk[0]); i++) {
		/* The initiator has none: its first message does not go out. */
		psk_pair(&ini, &resp, with_psk[i], &k, NULL, psk);
		memset(msg, 0xaa, sizeof(msg));
		len = 777;
		ck_assert_int_eq(sm_noise_write_message(&ini, payload1, sizeof(payload1), msg,
							sizeof(msg), &len), SM_NOISE_E_STATE);
		ck_assert_uint_eq(len, 777);
		ck_assert_uint_eq(msg[0], 0xaa);
		ck_assert(unit_all_zero(&ini, sizeof(ini)));
		sm_noise_clear(&resp);

		/* The responder has none: it does not read even a first message
		 * that comes before the psk token (psk2). */
		psk_pair(&ini, &resp, with_psk[i], &k, psk, NULL);
		write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
		ck_assert_int_eq(sm_noise_read_message(&resp, msg, len, pt, sizeof(pt), &pt_len),
				 SM_NOISE_E_STATE);
		ck_assert_uint_eq(pt_len, 777);
		ck_assert(unit_all_zero(&resp, sizeof(resp)));
		sm_noise_clear(&ini);
	}

	/* No psk token: IK. */
	ik_initiator(&ini, &k);
	ck_assert_int_eq(sm_noise_set_psk(&ini, psk), SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	/* Twice, and after psk0 has spent it. */
	psk_pair(&ini, &resp, SM_NOISE_NNPSK0, &k, psk, NULL);
	ck_assert_int_eq(sm_noise_set_psk(&ini, psk), SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	sm_noise_clear(&resp);
	psk_pair(&ini, &resp, SM_NOISE_NNPSK0, &k, psk, NULL);
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	ck_assert_int_eq(sm_noise_set_psk(&ini, psk), SM_NOISE_E_STATE);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	sm_noise_clear(&resp);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* Different PSKs: the first payload encrypted under a key drawn from the
 * PSK does not decrypt, nothing reaches the reader's buffer, and the
 * reader's state is gone.  The same PSK on both sides is the control. */
START_TEST(wrong_psk_is_refused)
{
	static const struct {
		enum sm_noise_pattern pattern;
		int fails_at;		/* the message after the psk token */
	} cases[] = {
		{ SM_NOISE_NNPSK0, 0 }, { SM_NOISE_NNPSK2, 1 },
		{ SM_NOISE_IKPSK1, 0 }, { SM_NOISE_IKPSK2, 1 },
	};
	struct ik_keys k;
	struct sm_noise_handshake ini, resp, *sender, *receiver;
	unsigned char psk[2][SM_NOISE_PSKLEN], msg[256], pt[256];
	size_t len, pt_len, i;
	int m, same;

	ik_keys(&k);
	memset(psk[0], 'p', SM_NOISE_PSKLEN);
	memcpy(psk[1], psk[0], SM_NOISE_PSKLEN);
	psk[1][SM_NOISE_PSKLEN - 1] ^= 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (same = 1; same >= 0; same--) {
			psk_pair(&ini, &resp, cases[i].pattern, &k, psk[0], psk[same ? 0 : 1]);
			for (m = 0; m < 2; m++) {
				sender = m == 0 ? &ini : &resp;
				receiver = m == 0 ? &resp : &ini;
				write_ok(sender, payload1, sizeof(payload1), msg, sizeof(msg), &len);
				if (same || m < cases[i].fails_at) {
					read_ok(receiver, msg, len);
					continue;
				}
				memset(pt, 0xaa, sizeof(pt));
				pt_len = 777;
				ck_assert_int_eq(sm_noise_read_message(receiver, msg, len, pt,
								       sizeof(pt), &pt_len),
						 SM_NOISE_E_DECRYPT);
				ck_assert_uint_eq(pt_len, 777);
				ck_assert_uint_eq(pt[0], 0xaa);
				ck_assert(unit_all_zero(receiver, sizeof(*receiver)));
				break;
			}
			ck_assert(same ? sm_noise_done(&ini) && sm_noise_done(&resp) : m < 2);
			sm_noise_clear(&ini);
			sm_noise_clear(&resp);
		}
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(buffers_are_checked)
{
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	static unsigned char big[SM_NOISE_MAX_MESSAGE + 1], out[SM_NOISE_MAX_MESSAGE + 1];
	unsigned char msg[256], pt[256];
	size_t len = 777, pt_len = 777;

	ik_keys(&k);
	/* One byte short of the message: refused, nothing written. */
	ik_initiator(&ini, &k);
	memset(msg, 0xaa, sizeof(msg));
	ck_assert_int_eq(sm_noise_write_message(&ini, payload1, sizeof(payload1), msg,
						96 + sizeof(payload1) - 1, &len), SM_NOISE_E_SPACE);
	ck_assert_uint_eq(len, 777);
	ck_assert_uint_eq(msg[0], 0xaa);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));

	/* The payload does not fit the reader's buffer. */
	ik_initiator(&ini, &k);
	ik_responder(&resp, &k);
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	memset(pt, 0xaa, sizeof(pt));
	ck_assert_int_eq(sm_noise_read_message(&resp, msg, len, pt, sizeof(payload1) - 1,
					       &pt_len), SM_NOISE_E_SPACE);
	ck_assert_uint_eq(pt_len, 777);
	ck_assert_uint_eq(pt[0], 0xaa);
	sm_noise_clear(&ini);

	/* NN's first message is e and the payload: 65535 bytes at most. */
	ck_assert_int_eq(sm_noise_init(&ini, SM_NOISE_NN, SM_NOISE_INITIATOR, NULL, 0,
				       NULL, NULL, NULL),
			 SM_NOISE_OK);
	write_ok(&ini, big, SM_NOISE_MAX_MESSAGE - 32, out, sizeof(out), &len);
	ck_assert_uint_eq(len, SM_NOISE_MAX_MESSAGE);
	sm_noise_clear(&ini);
	ck_assert_int_eq(sm_noise_init(&ini, SM_NOISE_NN, SM_NOISE_INITIATOR, NULL, 0,
				       NULL, NULL, NULL),
			 SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_write_message(&ini, big, SM_NOISE_MAX_MESSAGE - 31, out,
						sizeof(out), &len), SM_NOISE_E_SPACE);
	ck_assert_int_eq(sm_noise_init(&resp, SM_NOISE_NN, SM_NOISE_RESPONDER, NULL, 0,
				       NULL, NULL, NULL),
			 SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_read_message(&resp, big, SM_NOISE_MAX_MESSAGE + 1, out,
					       sizeof(out), &len), SM_NOISE_E_SPACE);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* Both sides split: the structs are all zero and every locked slot is
 * back in the pool; the ephemeral keys went as soon as they were spent. */
START_TEST(split_wipes_everything)
{
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char msg[256], keys[2][3][SM_NOISE_KEYLEN], hash[2][SM_NOISE_HASHLEN];
	size_t len;

	ik_keys(&k);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ik_initiator(&ini, &k);
	ik_responder(&resp, &k);
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	ck_assert_ptr_nonnull(ini.e);	/* still needed for ee */
	read_ok(&resp, msg, len);
	write_ok(&resp, payload2, sizeof(payload2), msg, sizeof(msg), &len);
	ck_assert_ptr_null(resp.e);	/* se was its last use */
	read_ok(&ini, msg, len);
	ck_assert_ptr_null(ini.e);
	ck_assert_int_gt(sm_secmem_in_use(), 0);
	ck_assert_int_eq(sm_noise_split(&ini, keys[0][0], keys[0][1], keys[0][2], hash[0]),
			 SM_NOISE_OK);
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	ck_assert_int_eq(sm_noise_split(&resp, keys[1][0], keys[1][1], keys[1][2], hash[1]),
			 SM_NOISE_OK);
	ck_assert(unit_all_zero(&resp, sizeof(resp)));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ck_assert_mem_eq(keys[0], keys[1], sizeof(keys[0]));
	ck_assert_mem_eq(hash[0], hash[1], sizeof(hash[0]));
	/* Three distinct keys. */
	ck_assert(memcmp(keys[0][0], keys[0][1], SM_NOISE_KEYLEN) != 0);
	ck_assert(memcmp(keys[0][0], keys[0][2], SM_NOISE_KEYLEN) != 0);
	ck_assert(memcmp(keys[0][1], keys[0][2], SM_NOISE_KEYLEN) != 0);
}
END_TEST

/* XX: the initiator's ephemeral key is spent at its es, before the third
 * message; the responder's lasts until se in that message. */
START_TEST(ephemeral_keys_go_after_their_last_use)
{
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char msg[256];
	size_t len;

	ik_keys(&k);
	ck_assert_int_eq(sm_noise_init(&ini, SM_NOISE_XX, SM_NOISE_INITIATOR, NULL, 0,
				       k.is, NULL, NULL),
			 SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_init(&resp, SM_NOISE_XX, SM_NOISE_RESPONDER, NULL, 0,
				       k.rs, NULL, NULL),
			 SM_NOISE_OK);
	write_ok(&ini, NULL, 0, msg, sizeof(msg), &len);
	read_ok(&resp, msg, len);
	write_ok(&resp, NULL, 0, msg, sizeof(msg), &len);
	ck_assert_ptr_nonnull(resp.e);
	read_ok(&ini, msg, len);
	ck_assert_ptr_null(ini.e);
	write_ok(&ini, NULL, 0, msg, sizeof(msg), &len);
	read_ok(&resp, msg, len);
	ck_assert_ptr_null(resp.e);
	ck_assert(memcmp(ini.rs, k.rs_pub, SM_NOISE_DHLEN) == 0);
	sm_noise_clear(&ini);
	sm_noise_clear(&resp);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* The PSK's slot holds it until its psk token, then is wiped and returned:
 * at the start of message 1 with psk0, at the end of message 2 with psk2.
 * A handshake cleared before then wipes it too.  (The pool keeps its pages
 * mapped, so the old slot can be inspected.) */
START_TEST(psk_goes_after_its_use)
{
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char psk[SM_NOISE_PSKLEN], msg[256], *ini_slot, *resp_slot;
	size_t len;

	ik_keys(&k);
	memset(psk, 'p', sizeof(psk));
	psk_pair(&ini, &resp, SM_NOISE_NNPSK0, &k, psk, psk);
	ini_slot = ini.psk;
	resp_slot = resp.psk;
	ck_assert_mem_eq(ini_slot, psk, sizeof(psk));
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	ck_assert_ptr_null(ini.psk);
	ck_assert(unit_all_zero(ini_slot, sizeof(psk)));
	read_ok(&resp, msg, len);
	ck_assert_ptr_null(resp.psk);
	ck_assert(unit_all_zero(resp_slot, sizeof(psk)));
	sm_noise_clear(&ini);
	sm_noise_clear(&resp);

	psk_pair(&ini, &resp, SM_NOISE_NNPSK2, &k, psk, psk);
	ini_slot = ini.psk;
	resp_slot = resp.psk;
	write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
	read_ok(&resp, msg, len);
	ck_assert_mem_eq(ini_slot, psk, sizeof(psk));
	ck_assert_mem_eq(resp_slot, psk, sizeof(psk));
	write_ok(&resp, payload2, sizeof(payload2), msg, sizeof(msg), &len);
	ck_assert_ptr_null(resp.psk);
	ck_assert(unit_all_zero(resp_slot, sizeof(psk)));
	ck_assert_mem_eq(ini_slot, psk, sizeof(psk));
	read_ok(&ini, msg, len);
	ck_assert_ptr_null(ini.psk);
	ck_assert(unit_all_zero(ini_slot, sizeof(psk)));
	sm_noise_clear(&ini);
	sm_noise_clear(&resp);
	ck_assert_int_eq(sm_secmem_in_use(), 0);

	psk_pair(&ini, &resp, SM_NOISE_IKPSK2, &k, psk, psk);
	ini_slot = ini.psk;
	sm_noise_clear(&ini);
	ck_assert(unit_all_zero(ini_slot, sizeof(psk)));
	ck_assert(unit_all_zero(&ini, sizeof(ini)));
	sm_noise_clear(&resp);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* Random ephemeral keys, then transport both ways. */
START_TEST(random_ephemerals_agree)
{
	static const enum sm_noise_pattern both[] = { SM_NOISE_IK, SM_NOISE_NK };
	struct ik_keys k;
	struct sm_noise_handshake ini, resp;
	unsigned char msg[256], pt[256], keys[2][2][SM_NOISE_KEYLEN];
	size_t len, i;

	ik_keys(&k);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(sm_noise_init(&ini, both[i], SM_NOISE_INITIATOR, NULL, 0,
					       k.is, NULL, k.rs_pub), SM_NOISE_OK);
		ck_assert_int_eq(sm_noise_init(&resp, both[i], SM_NOISE_RESPONDER, NULL, 0,
					       k.rs, NULL, NULL), SM_NOISE_OK);
		write_ok(&ini, payload1, sizeof(payload1), msg, sizeof(msg), &len);
		read_ok(&resp, msg, len);
		write_ok(&resp, payload2, sizeof(payload2), msg, sizeof(msg), &len);
		read_ok(&ini, msg, len);
		ck_assert_int_eq(sm_noise_split(&ini, keys[0][0], keys[0][1], NULL, NULL),
				 SM_NOISE_OK);
		ck_assert_int_eq(sm_noise_split(&resp, keys[1][0], keys[1][1], NULL, NULL),
				 SM_NOISE_OK);
		ck_assert_mem_eq(keys[0], keys[1], sizeof(keys[0]));

		sm_noise_encrypt(keys[0][0], 7, prologue, 3, payload1, sizeof(payload1), msg);
		ck_assert_int_eq(sm_noise_decrypt(keys[1][0], 7, prologue, 3, msg,
						  sizeof(payload1) + SM_NOISE_TAGLEN, pt), 0);
		ck_assert_mem_eq(pt, payload1, sizeof(payload1));
		ck_assert_int_eq(sm_noise_decrypt(keys[1][1], 7, prologue, 3, msg,
						  sizeof(payload1) + SM_NOISE_TAGLEN, pt), -1);
		ck_assert_int_eq(sm_noise_decrypt(keys[1][0], 8, prologue, 3, msg,
						  sizeof(payload1) + SM_NOISE_TAGLEN, pt), -1);
		ck_assert_int_eq(sm_noise_decrypt(keys[1][0], 7, prologue, 2, msg,
						  sizeof(payload1) + SM_NOISE_TAGLEN, pt), -1);
	}
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(transport_decrypt_checks_length_and_tag)
{
	unsigned char key[SM_NOISE_KEYLEN], ct[SM_NOISE_TAGLEN + 4], pt[4];
	size_t i;

	randombytes_buf(key, sizeof(key));
	sm_noise_encrypt(key, 0, NULL, 0, NULL, 0, ct);
	ck_assert_int_eq(sm_noise_decrypt(key, 0, NULL, 0, ct, SM_NOISE_TAGLEN, NULL), 0);
	for (i = 0; i < SM_NOISE_TAGLEN; i++)
		ck_assert_int_eq(sm_noise_decrypt(key, 0, NULL, 0, ct, i, pt), -1);
	sm_noise_encrypt(key, 1, NULL, 0, (const unsigned char *)"abcd", 4, ct);
	for (i = 0; i < sizeof(ct); i++) {
		ct[i] ^= 0x40;
		ck_assert_int_eq(sm_noise_decrypt(key, 1, NULL, 0, ct, sizeof(ct), pt), -1);
		ct[i] ^= 0x40;
	}
	ck_assert_int_eq(sm_noise_decrypt(key, 1, NULL, 0, ct, sizeof(ct), pt), 0);
	ck_assert_mem_eq(pt, "abcd", 4);
	/* 2^64-1 is reserved: never accepted. */
	sm_noise_encrypt(key, UINT64_MAX, NULL, 0, (const unsigned char *)"abcd", 4, ct);
	ck_assert_int_eq(sm_noise_decrypt(key, UINT64_MAX, NULL, 0, ct, sizeof(ct), pt), -1);
}
END_TEST

/* One test per vector; when the file cannot be read there is still one,
 * which fails and says why. */
static int count_vectors(const struct vector_file *f)
{
	struct json_object *root, *vectors;
	const char *why;
	int n;

	if ((root = load_vectors(f, &vectors, &why)) == NULL)
		return 1;
	n = (int)json_object_array_length(vectors);
	json_object_put(root);
	return n;
}

/*
 * Forward secrecy, which the mechanism claims (GSS_C_MA_PFS): someone who
 * later holds both static private keys and the recorded messages, but no
 * ephemeral private key, cannot derive the session keys.  Playing the
 * responder, she reads message 1 (IK does not hide the initiator from the
 * responder's key: PROTOCOL section 9) and gets keys of her own; playing
 * the initiator, she cannot read message 2.  With the responder's real
 * ephemeral key she would get the real keys, which shows that the
 * ephemeral key is the one piece missing.
 */
START_TEST(static_keys_and_transcript_do_not_give_the_session_keys)
{
	struct sm_noise_handshake ini, resp, thief;
	unsigned char msg1[256], msg2[256], mine[256], pt[256];
	unsigned char real[2][SM_NOISE_KEYLEN], got[2][SM_NOISE_KEYLEN];
	unsigned char other_e[SM_NOISE_DHLEN];
	size_t len1, len2, mine_len, pt_len;
	struct ik_keys k;

	ik_keys(&k);
	memset(other_e, 0x5a, sizeof(other_e));
	ik_initiator(&ini, &k);
	ik_responder(&resp, &k);
	write_ok(&ini, payload1, sizeof(payload1), msg1, sizeof(msg1), &len1);
	read_ok(&resp, msg1, len1);
	write_ok(&resp, payload2, sizeof(payload2), msg2, sizeof(msg2), &len2);
	read_ok(&ini, msg2, len2);
	ck_assert_int_eq(sm_noise_split(&ini, real[0], real[1], NULL, NULL), SM_NOISE_OK);
	sm_noise_clear(&resp);

	/* The responder's side, with another ephemeral key. */
	ck_assert_int_eq(sm_noise_init(&thief, SM_NOISE_IK, SM_NOISE_RESPONDER, prologue,
				       sizeof(prologue), k.rs, k.rs_pub, NULL), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(&thief, other_e), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_read_message(&thief, msg1, len1, pt, sizeof(pt), &pt_len),
			 SM_NOISE_OK);
	write_ok(&thief, payload2, sizeof(payload2), mine, sizeof(mine), &mine_len);
	ck_assert_int_eq(sm_noise_split(&thief, got[0], got[1], NULL, NULL), SM_NOISE_OK);
	ck_assert(memcmp(got[0], real[0], SM_NOISE_KEYLEN) != 0);
	ck_assert(memcmp(got[1], real[1], SM_NOISE_KEYLEN) != 0);

	/* The initiator's side, with another ephemeral key. */
	ck_assert_int_eq(sm_noise_init(&thief, SM_NOISE_IK, SM_NOISE_INITIATOR, prologue,
				       sizeof(prologue), k.is, NULL, k.rs_pub), SM_NOISE_OK);
	ck_assert_int_eq(sm_noise_set_ephemeral(&thief, other_e), SM_NOISE_OK);
	write_ok(&thief, payload1, sizeof(payload1), mine, sizeof(mine), &mine_len);
	ck_assert_int_eq(sm_noise_read_message(&thief, msg2, len2, pt, sizeof(pt), &pt_len),
			 SM_NOISE_E_DECRYPT);
	sm_noise_clear(&thief);

	/* The control: the responder's real ephemeral key gives the real keys. */
	ik_responder(&thief, &k);
	read_ok(&thief, msg1, len1);
	write_ok(&thief, payload2, sizeof(payload2), mine, sizeof(mine), &mine_len);
	ck_assert_int_eq(sm_noise_split(&thief, got[0], got[1], NULL, NULL), SM_NOISE_OK);
	ck_assert_mem_eq(got, real, sizeof(real));
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* IK's ss is computed once per pair of static keys: a second handshake
 * between the same keys takes it from the cache on both sides and builds
 * the very same messages; another initiator key finds nothing. */
START_TEST(the_static_dh_is_kept_per_pair_of_keys)
{
	struct ik_keys k;
	unsigned char first[2][256], again[2][256];
	size_t first_len[2], again_len[2];
	unsigned long hits;

	sm_static_dh_forget();
	ik_keys(&k);
	hits = sm_static_dh_hits();
	ik_messages(&k, first[0], &first_len[0], first[1], &first_len[1]);
	ck_assert_uint_eq(sm_static_dh_hits(), hits);
	ik_messages(&k, again[0], &again_len[0], again[1], &again_len[1]);
	ck_assert_uint_eq(sm_static_dh_hits(), hits + 2);
	ck_assert_uint_eq(again_len[0], first_len[0]);
	ck_assert_uint_eq(again_len[1], first_len[1]);
	ck_assert_mem_eq(again[0], first[0], first_len[0]);
	ck_assert_mem_eq(again[1], first[1], first_len[1]);

	k.is[1] ^= 1;	/* not a bit that X25519 clears */
	ik_messages(&k, again[0], &again_len[0], again[1], &again_len[1]);
	ck_assert_uint_eq(sm_static_dh_hits(), hits + 2);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* The handshake uses the kept value and does not compute it again: a
 * wrong one makes the responder fail to open the first payload. */
START_TEST(the_handshake_uses_the_kept_static_dh)
{
	struct ik_keys k;
	unsigned char is_pub[SM_NOISE_DHLEN], wrong[SM_STATIC_DH_BYTES];
	unsigned char msg1[256], msg2[256];
	size_t len1, len2;

	sm_static_dh_forget();
	ik_keys(&k);
	ik_messages(&k, msg1, &len1, msg2, &len2);
	ck_assert_int_eq(crypto_scalarmult_base(is_pub, k.is), 0);
	memset(wrong, 0x77, sizeof(wrong));
	sm_static_dh_keep(k.rs_pub, is_pub, wrong);	/* already kept: unchanged */
	ck_assert_int_eq(ik_read(&k, 1, msg1, len1), SM_NOISE_OK);

	sm_static_dh_forget();
	sm_static_dh_keep(k.rs_pub, is_pub, wrong);
	ck_assert_int_eq(ik_read(&k, 1, msg1, len1), SM_NOISE_E_DECRYPT);
	sm_static_dh_forget();
	ck_assert_int_eq(ik_read(&k, 1, msg1, len1), SM_NOISE_OK);
}
END_TEST

/* A new pair takes the place of the one used least recently. */
START_TEST(the_least_recently_used_pair_makes_way)
{
	unsigned char local[SM_STATIC_DH_BYTES], remote[SM_STATIC_DH_BYTES];
	unsigned char value[SM_STATIC_DH_BYTES], got[SM_STATIC_DH_BYTES];
	int i;

	sm_static_dh_forget();
	memset(local, 'L', sizeof(local));
	memset(remote, 'R', sizeof(remote));
	for (i = 0; i <= SM_STATIC_DH_PAIRS; i++) {
		remote[0] = (unsigned char)i;
		memset(value, i, sizeof(value));
		sm_static_dh_keep(local, remote, value);
		if (i == SM_STATIC_DH_PAIRS - 1) {
			remote[0] = 0;	/* pair 0 is used again: pair 1 is now the oldest */
			ck_assert_int_eq(sm_static_dh_find(local, remote, got), 1);
		}
	}
	for (i = 0; i <= SM_STATIC_DH_PAIRS; i++) {
		remote[0] = (unsigned char)i;
		memset(value, i, sizeof(value));
		ck_assert_int_eq(sm_static_dh_find(local, remote, got), i != 1);
		if (i != 1)
			ck_assert_mem_eq(got, value, sizeof(value));
	}
	/* The same remote key beside another local key is another pair. */
	remote[0] = 0;
	local[0] ^= 1;
	ck_assert_int_eq(sm_static_dh_find(local, remote, got), 0);
	sm_static_dh_forget();
	local[0] ^= 1;
	ck_assert_int_eq(sm_static_dh_find(local, remote, got), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("noise");
	TCase *vectors = tcase_create("vectors");
	TCase *refusals = tcase_create("refusals");
	TCase *memory = tcase_create("memory");
	TCase *static_dh = tcase_create("static DH");

	tcase_add_loop_test(vectors, vector, 0, count_vectors(&plain_vectors));
	tcase_add_loop_test(vectors, psk_vector, 0, count_vectors(&psk_vectors));
	suite_add_tcase(s, vectors);

	/* A few thousand handshakes; room for slow machines. */
	tcase_set_timeout(refusals, 60);
	tcase_add_test(refusals, truncated_messages_are_refused);
	tcase_add_test(refusals, altered_messages_are_refused);
	tcase_add_test(refusals, low_order_ephemeral_keys_are_refused);
	tcase_add_test(refusals, out_of_turn_calls_are_refused);
	tcase_add_test(refusals, missing_keys_are_refused);
	tcase_add_test(refusals, missing_psk_is_refused);
	tcase_add_test(refusals, wrong_psk_is_refused);
	tcase_add_test(refusals, buffers_are_checked);
	tcase_add_test(refusals, transport_decrypt_checks_length_and_tag);
	suite_add_tcase(s, refusals);

	tcase_add_test(memory, split_wipes_everything);
	tcase_add_test(memory, ephemeral_keys_go_after_their_last_use);
	tcase_add_test(memory, psk_goes_after_its_use);
	tcase_add_test(memory, random_ephemerals_agree);
	tcase_add_test(memory, static_keys_and_transcript_do_not_give_the_session_keys);
	suite_add_tcase(s, memory);

	tcase_add_test(static_dh, the_static_dh_is_kept_per_pair_of_keys);
	tcase_add_test(static_dh, the_handshake_uses_the_kept_static_dh);
	tcase_add_test(static_dh, the_least_recently_used_pair_makes_way);
	suite_add_tcase(s, static_dh);
	return s;
}
