/*
 * Establishing security contexts, protocol version 2.
 *
 * Both tokens are framed with the mechanism OID (RFC 2743 section 3.1).
 * Token 1 (initiator):
 *   u16 0x0101 | u8 version 2 | u8 pattern (1 IK, 2 NK) | key hint (8) |
 *   Noise message 1, whose payload is
 *   u64 initiator's time | u32 requested flags | u32 time_req |
 *   u8 bindings present | hash (32)
 * Token 2 (acceptor):
 *   u16 0x0102 | u8 version 2 | Noise message 2, whose payload is
 *   u32 granted flags | u32 lifetime in seconds
 * The Noise prologue is "gss-sodium/2", the DER OID and token 1's header,
 * so neither the mechanism nor the header can be changed unnoticed.  The
 * acceptor admits a token 1 made within clock_skew of its own clock, once:
 * the initiator's ephemeral key is recorded in the keytab's handshake
 * replay cache until that window has passed.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "clock.h"
#include "context.h"
#include "framing.h"
#include "init.h"
#include "keyring.h"
#include "oids.h"
#include "rcache.h"
#include "secmem.h"
#include "settings.h"
#include "status.h"
#include "trace.h"

#define TOKEN_ID_INITIATOR 0x0101
#define TOKEN_ID_ACCEPTOR 0x0102
#define PROTOCOL_VERSION 2
#define PATTERN_IK 1
#define PATTERN_NK 2
#define KEY_HINT_BYTES 8
_Static_assert(KEY_HINT_BYTES == SM_RCACHE_SCOPE_BYTES, "a key hint names a shared cache's records");
#define INITIATOR_HEADER_BYTES (2 + 1 + 1 + KEY_HINT_BYTES)
#define PROLOGUE_LABEL "gss-sodium/2"
#define BINDINGS_HASH_BYTES 32
#define INITIATOR_PAYLOAD_BYTES (8 + 4 + 4 + 1 + BINDINGS_HASH_BYTES)
#define ACCEPTOR_PAYLOAD_BYTES (4 + 4)
#define HANDSHAKE_MESSAGE_MAX 256
#define UNKNOWN_INITIATOR_PREFIX "key:"

/* What the Noise prologue binds: the protocol, the OID, token 1's header. */
struct prologue {
	unsigned char bytes[sizeof(PROLOGUE_LABEL) - 1 + 2 + SM_MECH_OID_MAX + INITIATOR_HEADER_BYTES];
	size_t len;
};

static void make_prologue(struct prologue *p, const unsigned char *header)
{
	size_t n = 0;

	memcpy(p->bytes, PROLOGUE_LABEL, sizeof(PROLOGUE_LABEL) - 1);
	n += sizeof(PROLOGUE_LABEL) - 1;
	p->bytes[n++] = 0x06;
	p->bytes[n++] = (unsigned char)sm_mech_oid.length;
	memcpy(p->bytes + n, sm_mech_oid.elements, sm_mech_oid.length);
	n += sm_mech_oid.length;
	memcpy(p->bytes + n, header, INITIATOR_HEADER_BYTES);
	p->len = n + INITIATOR_HEADER_BYTES;
}

/* The first bytes of BLAKE2b-256 of the acceptor's public key: lets an
 * acceptor with several keys pick the right one without trial decryption. */
static void key_hint(const unsigned char *public_key, unsigned char hint[KEY_HINT_BYTES])
{
	unsigned char h[32];

	crypto_generichash(h, sizeof(h), public_key, SM_KEY_BYTES, NULL, 0);
	memcpy(hint, h, KEY_HINT_BYTES);
}

/* Channel bindings are compared by a hash of their application data. */
static int bindings_hash(gss_channel_bindings_t b, unsigned char hash[BINDINGS_HASH_BYTES])
{
	memset(hash, 0, BINDINGS_HASH_BYTES);
	if (b == GSS_C_NO_CHANNEL_BINDINGS)
		return 0;
	crypto_generichash(hash, BINDINGS_HASH_BYTES, b->application_data.value,
			   b->application_data.length, NULL, 0);
	return 1;
}

static OM_uint32 bad_token(OM_uint32 *minor, const char *which, const char *why)
{
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
		       "the %s context token %s", which, why);
}

/* What RFC 2743 reports as a context's lifetime: seconds left once open
 * (0 when expired), the requested lifetime while establishing. */
static OM_uint32 seconds_left(const struct sm_context *ctx)
{
	time_t t = sm_clock_now();

	if (ctx->state != SM_CTX_OPEN)
		return ctx->time_req;
	/* Compared first, so the subtraction cannot overflow. */
	return ctx->expires > t ? (OM_uint32)(ctx->expires - t) : 0;
}

static void clear_buffer(gss_buffer_t b)
{
	if (b != GSS_C_NO_BUFFER) {
		b->length = 0;
		b->value = NULL;
	}
}

/* Hand a writer's bytes to the caller as a gss_buffer_t. */
static OM_uint32 give_buffer(OM_uint32 *minor, struct sm_writer *w, gss_buffer_t out)
{
	if (w->failed) {
		sm_writer_discard(w);
		return sm_no_memory(minor);
	}
	out->value = w->data;
	out->length = w->len;
	return sm_ok(minor);
}

struct sm_context *sm_context_new(void)
{
	/* Not calloc, nor malloc and memset (which GCC makes a calloc):
	 * glibc's calloc skips the per-thread cache, so a context made at
	 * every import came from, and went back to, the top of the heap. */
	struct sm_context *ctx = malloc(sizeof(*ctx));

	if (ctx != NULL)
		*ctx = (struct sm_context){ 0 };
	return ctx;
}

void sm_context_free(struct sm_context **context)
{
	struct sm_context *ctx = *context;

	if (ctx == NULL)
		return;
	sm_noise_clear(&ctx->handshake);
	sm_secmem_free(ctx->keys);
	sm_name_free(&ctx->initiator_name);
	sm_name_free(&ctx->acceptor_name);
	sodium_memzero(ctx, sizeof(*ctx));
	free(ctx);
	*context = NULL;
}

/* Make the handshake's outcome the context's keys; the handshake state is
 * wiped by the split. */
static OM_uint32 open_context(OM_uint32 *minor, struct sm_context *ctx,
			      OM_uint32 lifetime)
{
	unsigned char *to_acceptor, *to_initiator, hash[SM_NOISE_HASHLEN];

	ctx->keys = sm_secmem_alloc(SM_CONTEXT_KEYS);
	if (ctx->keys == NULL)
		return sm_no_memory(minor);
	to_acceptor = ctx->keys + (ctx->initiator ? SM_KEY_SEND : SM_KEY_RECV);
	to_initiator = ctx->keys + (ctx->initiator ? SM_KEY_RECV : SM_KEY_SEND);
	if (sm_noise_split(&ctx->handshake, to_acceptor, to_initiator,
			   ctx->keys + SM_KEY_PRF, hash) != SM_NOISE_OK)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_HANDSHAKE_FAILED,
			       "the handshake could not be completed");
	sodium_memzero(hash, sizeof(hash));
	ctx->flags |= GSS_C_PROT_READY_FLAG;
	ctx->expires = sm_clock_now() + lifetime;
	ctx->send_seq = 0;
	randombytes_buf(ctx->instance, sizeof(ctx->instance));
	sm_seqstate_init(&ctx->recv, 0, !!(ctx->flags & GSS_C_REPLAY_FLAG),
			 !!(ctx->flags & GSS_C_SEQUENCE_FLAG));
	ctx->state = SM_CTX_OPEN;
	return sm_ok(minor);
}

/* ---- initiator ------------------------------------------------------ */

static const struct sm_key_entry *find_peer_by_name(const struct sm_keys *peers,
						    const struct sm_name *name)
{
	size_t from = 0;

	return sm_keys_find(peers, name, &from);
}

/* A credential for the initiator: the caller's, or the default one (an
 * anonymous one when the caller asked for anonymity). */
static OM_uint32 initiator_cred(OM_uint32 *minor, struct sm_cred *given,
				int anonymous, struct sm_cred **owned,
				struct sm_cred **cred)
{
	struct sm_name *anon = NULL;
	OM_uint32 major;

	*owned = NULL;
	if (given != NULL) {
		if (given->usage == GSS_C_ACCEPT)
			return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_CRED_USAGE,
				       "the credential given to gss_init_sec_context can only accept");
		*cred = given;
		return sm_ok(minor);
	}
	if (anonymous) {
		major = sm_name_anonymous(minor, &anon);
		if (GSS_ERROR(major))
			return major;
	}
	major = sm_cred_acquire(minor, anon, GSS_C_INITIATE, NULL, owned);
	sm_name_free(&anon);
	*cred = *owned;
	return major;
}

static OM_uint32 send_token_1(OM_uint32 *minor, struct sm_context *ctx,
			      const struct sm_cred *cred,
			      const struct sm_key_entry *peer, int anonymous,
			      gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char header[INITIATOR_HEADER_BYTES], message[HANDSHAKE_MESSAGE_MAX];
	unsigned char hint[KEY_HINT_BYTES];
	unsigned char hash[BINDINGS_HASH_BYTES];
	const struct sm_key_entry *identity = NULL;
	struct sm_writer w;
	enum sm_noise_result result;
	struct prologue prologue;
	size_t message_len;
	int has_bindings;

	key_hint(peer->public_key, hint);
	sm_writer_init_fixed(&w, header, sizeof(header));
	sm_write_u16be(&w, TOKEN_ID_INITIATOR);
	sm_write_u8(&w, PROTOCOL_VERSION);
	sm_write_u8(&w, anonymous ? PATTERN_NK : PATTERN_IK);
	sm_write_bytes(&w, hint, sizeof(hint));
	if (!sm_writer_full(&w))
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_BAD_TOKEN,
			       "the initiator's token header could not be written");
	make_prologue(&prologue, header);

	has_bindings = bindings_hash(bindings, hash);
	sm_writer_init(&w);
	sm_write_u64be(&w, (uint64_t)sm_clock_now());
	sm_write_u32be(&w, ctx->flags);
	sm_write_u32be(&w, ctx->time_req);
	sm_write_u8(&w, (uint8_t)has_bindings);
	sm_write_bytes(&w, hash, sizeof(hash));
	if (w.failed) {
		sm_writer_discard(&w);
		return sm_no_memory(minor);
	}
	if (!anonymous)
		identity = &cred->initiator.entries[0];
	result = sm_noise_init(&ctx->handshake, anonymous ? SM_NOISE_NK : SM_NOISE_IK,
			       SM_NOISE_INITIATOR, prologue.bytes, prologue.len,
			       identity ? identity->private_key : NULL,
			       identity ? identity->public_key : NULL, peer->public_key);
	if (result == SM_NOISE_OK)
		result = sm_noise_write_message(&ctx->handshake, w.data, w.len, message,
						sizeof(message), &message_len);
	sm_writer_discard(&w);
	if (result != SM_NOISE_OK)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_NO_MEMORY,
			       "the handshake could not start (out of locked memory)");

	sm_writer_init(&w);
	sm_frame_write(&w, sizeof(header) + message_len);
	sm_write_bytes(&w, header, sizeof(header));
	sm_write_bytes(&w, message, message_len);
	return give_buffer(minor, &w, output);
}

static OM_uint32 initiate_first(OM_uint32 *minor, struct sm_cred *given,
				struct sm_context **context,
				const struct sm_name *target, OM_uint32 req_flags,
				OM_uint32 time_req, gss_channel_bindings_t bindings,
				gss_buffer_t output, OM_uint32 *ret_flags)
{
	struct sm_cred *owned = NULL, *cred = NULL;
	const struct sm_key_entry *peer;
	struct sm_context *ctx;
	int anonymous;
	OM_uint32 major;

	if (target == NULL || target->kind == SM_NAME_ANONYMOUS)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_NO_PEER_KEY,
			       "gss_init_sec_context needs a target name such as 'service@host'");
	major = initiator_cred(minor, given, !!(req_flags & GSS_C_ANON_FLAG), &owned, &cred);
	if (GSS_ERROR(major))
		return major;
	anonymous = (req_flags & GSS_C_ANON_FLAG) || cred->initiator.count == 0;
	peer = find_peer_by_name(&cred->peers, target);
	if (peer == NULL) {
		sm_cred_free(&owned);
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_NO_PEER_KEY,
			       "no peers entry for '%s': add the line 'gss-sodium pubkey %s' prints on the acceptor to the peers file",
			       target->text, target->text);
	}
	ctx = sm_context_new();
	if (ctx == NULL) {
		sm_cred_free(&owned);
		return sm_no_memory(minor);
	}
	ctx->initiator = 1;
	ctx->state = SM_CTX_AWAITING_REPLY;
	ctx->flags = (req_flags & SM_FLAGS_CHOSEN) | SM_FLAGS_ALWAYS |
		     (anonymous ? GSS_C_ANON_FLAG : 0);
	ctx->time_req = time_req == GSS_C_INDEFINITE ? 0 : time_req;
	major = sm_name_duplicate(minor, target, &ctx->acceptor_name);
	if (!GSS_ERROR(major)) {
		if (anonymous)
			major = sm_name_anonymous(minor, &ctx->initiator_name);
		else
			major = sm_name_duplicate(minor, cred->initiator.entries[0].name,
						  &ctx->initiator_name);
	}
	if (!GSS_ERROR(major))
		major = send_token_1(minor, ctx, cred, peer, anonymous, bindings, output);
	sm_cred_free(&owned);
	if (GSS_ERROR(major)) {
		sm_context_free(&ctx);
		return major;
	}
	sm_trace("init: sent %s handshake to '%s' as '%s'", anonymous ? "NK" : "IK",
		 target->text, anonymous ? SM_ANONYMOUS_DISPLAY : ctx->initiator_name->text);
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	*context = ctx;
	return GSS_S_CONTINUE_NEEDED;
}

/* Token 2: the acceptor's half of the handshake and what it granted. */
static OM_uint32 initiate_second(OM_uint32 *minor, struct sm_context *ctx,
				 const gss_buffer_desc *input)
{
	unsigned char payload[ACCEPTOR_PAYLOAD_BYTES];
	OM_uint32 granted, lifetime, major;
	struct sm_reader r, p;
	size_t payload_len;
	uint8_t version;

	if (!sm_frame_read(input, &r))
		return bad_token(minor, "acceptor's",
				 "is not framed with the gss-sodium OID (RFC 2743 section 3.1)");
	if (sm_read_u16be(&r) != TOKEN_ID_ACCEPTOR)
		return bad_token(minor, "acceptor's", "does not start with the acceptor token id 01 02");
	version = sm_read_u8(&r);
	if (r.failed)
		return bad_token(minor, "acceptor's", "is truncated");
	if (version != PROTOCOL_VERSION)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_VERSION,
			       "the acceptor speaks protocol version %u; this initiator speaks %u",
			       version, PROTOCOL_VERSION);
	switch (sm_noise_read_message(&ctx->handshake, r.ptr, r.left, payload,
				      sizeof(payload), &payload_len)) {
	case SM_NOISE_OK:
		break;
	case SM_NOISE_E_SHORT:
		return bad_token(minor, "acceptor's", "is truncated");
	case SM_NOISE_E_SPACE:
		return bad_token(minor, "acceptor's", "has a payload of the wrong size");
	default:
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_HANDSHAKE_FAILED, NULL);
	}
	sm_reader_init(&p, payload, payload_len);
	granted = sm_read_u32be(&p);
	lifetime = sm_read_u32be(&p);
	if (!sm_reader_done(&p))
		return bad_token(minor, "acceptor's", "has a payload of the wrong size");
	/* Exactly what was asked: what every context has, the detection the
	 * initiator chose, and anonymity as it used NK. */
	if (granted != ctx->flags || lifetime == 0)
		return bad_token(minor, "acceptor's", "grants flags or a lifetime the initiator did not ask for");
	if (ctx->time_req != 0 && lifetime > ctx->time_req)
		lifetime = ctx->time_req;
	ctx->flags = granted;
	major = open_context(minor, ctx, lifetime);
	if (!GSS_ERROR(major))
		sm_trace("init: context with '%s' open for %u s", ctx->acceptor_name->text, lifetime);
	return major;
}

OM_uint32 sm_context_initiate(OM_uint32 *minor, struct sm_cred *cred,
			      struct sm_context **context,
			      const struct sm_name *target, OM_uint32 req_flags,
			      OM_uint32 time_req, gss_channel_bindings_t bindings,
			      const gss_buffer_desc *input, gss_buffer_t output,
			      OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
	struct sm_context *ctx = *context;
	OM_uint32 major;

	clear_buffer(output);
	if (ret_flags != NULL)
		*ret_flags = 0;
	if (time_rec != NULL)
		*time_rec = 0;
	major = sm_init(minor);
	if (GSS_ERROR(major))
		return major;
	if (ctx == NULL) {
		if (input != GSS_C_NO_BUFFER && input->length != 0)
			return bad_token(minor, "first", "was given to an initiator that has not started");
		return initiate_first(minor, cred, context, target, req_flags, time_req,
				      bindings, output, ret_flags);
	}
	if (!ctx->initiator || ctx->state != SM_CTX_AWAITING_REPLY)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_CONTEXT_NOT_OPEN,
			       "gss_init_sec_context was called again on a context that is %s",
			       ctx->state == SM_CTX_OPEN ? "already established" : "not an initiator's or has failed");
	if (input == GSS_C_NO_BUFFER || input->length == 0)
		major = sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
				"gss_init_sec_context needs the acceptor's token to continue");
	else
		major = initiate_second(minor, ctx, input);
	if (GSS_ERROR(major)) {
		/* No half-made context: the handshake is spent. */
		sm_noise_clear(&ctx->handshake);
		ctx->state = SM_CTX_FAILED;
		return major;
	}
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	if (time_rec != NULL)
		*time_rec = seconds_left(ctx);
	return sm_ok(minor);
}

/* ---- acceptor ------------------------------------------------------- */

static const struct sm_key_entry *find_peer_by_key(const struct sm_keys *peers,
						   const unsigned char *public_key)
{
	size_t i;

	for (i = 0; i < peers->count; i++)
		if (sodium_memcmp(peers->entries[i].public_key, public_key, SM_KEY_BYTES) == 0)
			return &peers->entries[i];
	return NULL;
}

/* Name the initiator as the peers file does, or by its key when policy
 * admits initiators the file does not know. */
static OM_uint32 name_initiator(OM_uint32 *minor, const struct sm_cred *cred,
				const unsigned char *public_key, struct sm_name **name)
{
	char text[sizeof(UNKNOWN_INITIATOR_PREFIX) + SM_KEY_BASE64_CHARS];
	const struct sm_key_entry *peer = find_peer_by_key(&cred->peers, public_key);

	if (peer != NULL)
		return sm_name_duplicate(minor, peer->name, name);
	memcpy(text, UNKNOWN_INITIATOR_PREFIX, sizeof(UNKNOWN_INITIATOR_PREFIX) - 1);
	sm_key_to_base64(public_key, text + sizeof(UNKNOWN_INITIATOR_PREFIX) - 1);
	if (!sm_current_settings()->allow_unknown_initiators)
		return sm_fail(minor, GSS_S_DEFECTIVE_CREDENTIAL,
			       GSS_SODIUM_S_UNTRUSTED_INITIATOR,
			       "the initiator's key %s is not in the peers file; add its peers line, or set allow_unknown_initiators = yes",
			       text + sizeof(UNKNOWN_INITIATOR_PREFIX) - 1);
	return sm_name_from_canonical(minor, text, strlen(text), name);
}

/* Read token 1 with the acceptor keys its hint names; the handshake is
 * left in ctx->handshake and the key used in *used. */
static OM_uint32 read_token_1(OM_uint32 *minor, struct sm_context *ctx,
			      const struct sm_cred *cred, struct sm_reader *r,
			      int anonymous, const unsigned char *header,
			      const unsigned char *hint, unsigned char *payload,
			      size_t *payload_len, const struct sm_key_entry **used)
{
	unsigned char candidate_hint[KEY_HINT_BYTES];
	enum sm_noise_result result = SM_NOISE_E_STATE;
	struct prologue prologue;
	int candidates = 0;
	size_t i;

	make_prologue(&prologue, header);
	for (i = 0; i < cred->acceptor.count; i++) {
		const struct sm_key_entry *key = &cred->acceptor.entries[i];

		key_hint(key->public_key, candidate_hint);
		if (memcmp(candidate_hint, hint, KEY_HINT_BYTES) != 0)
			continue;
		candidates++;
		result = sm_noise_init(&ctx->handshake, anonymous ? SM_NOISE_NK : SM_NOISE_IK,
				       SM_NOISE_RESPONDER, prologue.bytes, prologue.len,
				       key->private_key, key->public_key, NULL);
		if (result == SM_NOISE_OK)
			result = sm_noise_read_message(&ctx->handshake, r->ptr, r->left,
						       payload, INITIATOR_PAYLOAD_BYTES,
						       payload_len);
		if (result == SM_NOISE_OK) {
			*used = key;
			return sm_ok(minor);
		}
		sm_noise_clear(&ctx->handshake);
		if (result == SM_NOISE_E_MEMORY)
			return sm_no_memory(minor);
	}
	if (candidates == 0)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_NO_ACCEPTOR_KEY,
			       "the initiator's token addresses an acceptor key this credential does not hold: the initiator's peers entry for this service is out of date, it meant another service, or the token was altered");
	if (result == SM_NOISE_E_SHORT)
		return bad_token(minor, "initiator's", "is truncated");
	if (result == SM_NOISE_E_SPACE)
		return bad_token(minor, "initiator's", "has a payload of the wrong size");
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_HANDSHAKE_FAILED, NULL);
}

static OM_uint32 acceptor_cred(OM_uint32 *minor, struct sm_cred *given,
			       struct sm_cred **owned, struct sm_cred **cred)
{
	OM_uint32 major;

	*owned = NULL;
	if (given != NULL) {
		if (given->usage == GSS_C_INITIATE)
			return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_CRED_USAGE,
				       "the credential given to gss_accept_sec_context can only initiate");
		*cred = given;
		return sm_ok(minor);
	}
	/* The default acceptor credential: every key of the keytab. */
	major = sm_cred_acquire(minor, NULL, GSS_C_ACCEPT, NULL, owned);
	*cred = *owned;
	return major;
}

/* Decide the context from token 1's payload; fills flags and lifetime,
 * and the time the initiator sent it. */
static OM_uint32 grant(OM_uint32 *minor, struct sm_context *ctx,
		       const unsigned char *payload, size_t payload_len,
		       gss_channel_bindings_t bindings, int anonymous,
		       OM_uint32 *lifetime, uint64_t *sent)
{
	unsigned char ours[BINDINGS_HASH_BYTES];
	const unsigned char *theirs;
	OM_uint32 requested, time_req;
	struct sm_reader p;
	int they_bound;

	sm_reader_init(&p, payload, payload_len);
	*sent = sm_read_u64be(&p);
	requested = sm_read_u32be(&p);
	time_req = sm_read_u32be(&p);
	they_bound = sm_read_u8(&p);
	theirs = sm_read_bytes(&p, BINDINGS_HASH_BYTES);
	if (!sm_reader_done(&p) || they_bound > 1 || *sent >= (uint64_t)SM_TIME_MAX)
		return bad_token(minor, "initiator's", "has a malformed payload");
	/* Bindings given by the acceptor must be matched; an acceptor that
	 * gives none does not care. */
	if (bindings_hash(bindings, ours) &&
	    (!they_bound || sodium_memcmp(ours, theirs, BINDINGS_HASH_BYTES) != 0))
		return sm_fail(minor, GSS_S_BAD_BINDINGS, GSS_SODIUM_S_BINDINGS_MISMATCH,
			       they_bound ? "the channel bindings of initiator and acceptor differ"
					  : "the acceptor requires channel bindings and the initiator gave none");
	ctx->flags = SM_FLAGS_ALWAYS | (requested & SM_FLAGS_CHOSEN) |
		     (anonymous ? GSS_C_ANON_FLAG : 0);
	*lifetime = (OM_uint32)sm_current_settings()->context_lifetime;
	if (time_req != 0 && time_req < *lifetime)
		*lifetime = time_req;
	if (*lifetime == 0)
		*lifetime = 1;
	return sm_ok(minor);
}

/* RFC 2744 makes GSS_S_DUPLICATE_TOKEN and GSS_S_OLD_TOKEN fatal to
 * establishment, but they are supplementary bits that GSS_ERROR() does not
 * see: an application (Apache's mod_auth_gssapi among them) would take
 * them alone for success.  So they come with GSS_S_FAILURE. */
#define REFUSED_AS(supplementary) (GSS_S_FAILURE | (supplementary))

/* An authentic token 1, made at `sent`, is admitted when that is within
 * clock_skew of this host's clock and it was not admitted before: its
 * ephemeral key is recorded in the keytab's handshake replay cache until
 * `sent + clock_skew`, after which the time check refuses it. */
static OM_uint32 admit_handshake(OM_uint32 *minor, const struct sm_cred *cred,
				 const struct sm_key_entry *key, const unsigned char *ephemeral,
				 uint64_t sent, time_t t, struct sm_rcache_probe *probe)
{
	uint64_t skew = sm_current_settings()->clock_skew;
	int ahead = sent > (uint64_t)t + skew, behind = sent + skew < (uint64_t)t;
	struct sm_rcache_answer answer = { SM_RCACHE_NEW, t };
	char theirs[64], ours[64];
	OM_uint32 major;

	if (!ahead && !behind) {
		/* On a shared cache, the acceptor key's hint names the records. */
		unsigned char scope[KEY_HINT_BYTES];

		key_hint(key->public_key, scope);
		major = sm_rcache_record(minor, SM_RCACHE_HANDSHAKE, cred->keytab, scope, ephemeral,
					 SM_NOISE_DHLEN, t, (time_t)(sent + skew), probe, &answer);
		if (GSS_ERROR(major) || answer.verdict == SM_RCACHE_NEW)
			return major;
	}
	/* A refusal: only its sentence needs the clocks in words. */
	sm_clock_format(sent, theirs, sizeof(theirs));
	sm_clock_format((uint64_t)t, ours, sizeof(ours));
	if (ahead)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_CLOCK_SKEW,
			       "the initiator's clock (%s) is %llu seconds ahead of this host's (%s), more than clock_skew (%llu s) allows; check both clocks",
			       theirs, (unsigned long long)(sent - (uint64_t)t), ours,
			       (unsigned long long)skew);
	if (behind)
		return sm_fail(minor, REFUSED_AS(GSS_S_OLD_TOKEN), GSS_SODIUM_S_CLOCK_SKEW,
			       "the initiator's token was made at %s, %llu seconds before this host's clock (%s), more than clock_skew (%llu s) allows: it is a replay, or the clocks differ",
			       theirs, (unsigned long long)((uint64_t)t - sent), ours,
			       (unsigned long long)skew);
	if (answer.verdict == SM_RCACHE_SEEN)
		return sm_fail(minor, REFUSED_AS(GSS_S_DUPLICATE_TOKEN), GSS_SODIUM_S_HANDSHAKE_REPLAYED,
			       "the initiator's token (made at %s) was accepted before %s %s: a handshake is accepted once, so this replay is refused",
			       theirs,
			       sm_current_settings()->replay_cache.redis ? "by an acceptor of the replay cache on" : "with",
			       sm_current_settings()->replay_cache.redis ? sm_current_settings()->replay_cache.shown : cred->keytab);
	sm_clock_format((uint64_t)answer.clock, ours, sizeof(ours));
	return sm_fail(minor, REFUSED_AS(GSS_S_OLD_TOKEN), GSS_SODIUM_S_CLOCK_SKEW,
		       "the initiator's token was made at %s, more than clock_skew (%llu s) before the handshake replay cache's clock (%s), which runs ahead of this host's (the clock was stepped back); it is refused because its record may be gone",
		       theirs, (unsigned long long)skew, ours);
}

static OM_uint32 send_token_2(OM_uint32 *minor, struct sm_context *ctx,
			      OM_uint32 lifetime, gss_buffer_t output)
{
	unsigned char message[HANDSHAKE_MESSAGE_MAX];
	enum sm_noise_result result;
	size_t message_len;
	struct sm_writer w;

	sm_writer_init(&w);
	sm_write_u32be(&w, ctx->flags);
	sm_write_u32be(&w, lifetime);
	if (w.failed) {
		sm_writer_discard(&w);
		return sm_no_memory(minor);
	}
	result = sm_noise_write_message(&ctx->handshake, w.data, w.len, message,
					sizeof(message), &message_len);
	sm_writer_discard(&w);
	if (result != SM_NOISE_OK)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_NO_MEMORY,
			       "the handshake reply could not be made (out of locked memory)");
	sm_writer_init(&w);
	sm_frame_write(&w, 2 + 1 + message_len);
	sm_write_u16be(&w, TOKEN_ID_ACCEPTOR);
	sm_write_u8(&w, PROTOCOL_VERSION);
	sm_write_bytes(&w, message, message_len);
	return give_buffer(minor, &w, output);
}

static OM_uint32 accept_token_1(OM_uint32 *minor, struct sm_context *ctx,
				const struct sm_cred *cred, const gss_buffer_desc *input,
				gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char payload[INITIATOR_PAYLOAD_BYTES];
	const unsigned char *header;
	const struct sm_key_entry *key = NULL;
	struct sm_rcache_probe probe = { NULL, 0, { 0 } };
	struct sm_reader r;
	size_t payload_len = 0;
	OM_uint32 major, lifetime = 0;
	const unsigned char *hint;
	time_t t = sm_clock_now();
	uint64_t sent = 0;
	uint16_t id;
	uint8_t version, pattern;
	int anonymous;

	if (input == GSS_C_NO_BUFFER || !sm_frame_read(input, &r))
		return bad_token(minor, "initiator's",
				 "is not framed with the gss-sodium OID (RFC 2743 section 3.1)");
	/* The header is read twice: its fields, and whole for the prologue. */
	header = r.ptr;
	id = sm_read_u16be(&r);
	version = sm_read_u8(&r);
	pattern = sm_read_u8(&r);
	hint = sm_read_bytes(&r, KEY_HINT_BYTES);
	if (hint == NULL)
		return bad_token(minor, "initiator's", "is truncated");
	if (id != TOKEN_ID_INITIATOR)
		return bad_token(minor, "initiator's", "does not start with the initiator token id 01 01");
	if (version != PROTOCOL_VERSION)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_VERSION,
			       "the initiator speaks protocol version %u; this acceptor speaks %u",
			       version, PROTOCOL_VERSION);
	if (pattern != PATTERN_IK && pattern != PATTERN_NK)
		return bad_token(minor, "initiator's", "names an unknown handshake pattern");
	anonymous = pattern == PATTERN_NK;

	/* Message 1 starts with the initiator's ephemeral key in the clear:
	 * its replay-cache bucket loads during the key agreement. */
	if (r.left >= SM_NOISE_DHLEN)
		sm_rcache_prefetch(SM_RCACHE_HANDSHAKE, cred->keytab, r.ptr, SM_NOISE_DHLEN, &probe);
	major = read_token_1(minor, ctx, cred, &r, anonymous, header, hint, payload,
			     &payload_len, &key);
	if (!GSS_ERROR(major))
		major = grant(minor, ctx, payload, payload_len, bindings, anonymous, &lifetime,
			      &sent);
	/* Replay and policy apply to authentic tokens only: an altered byte
	 * fails authentication above, so nobody can spend another's record. */
	if (!GSS_ERROR(major))
		major = admit_handshake(minor, cred, key, ctx->handshake.re, sent, t, &probe);
	sm_rcache_release(&probe);
	if (!GSS_ERROR(major) && anonymous && !sm_current_settings()->allow_anonymous)
		major = sm_fail(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_ANONYMOUS_REFUSED,
				"an anonymous initiator was refused; set allow_anonymous = yes in the settings file to admit such initiators");
	if (!GSS_ERROR(major))
		major = sm_name_duplicate(minor, key->name, &ctx->acceptor_name);
	if (!GSS_ERROR(major)) {
		if (anonymous)
			major = sm_name_anonymous(minor, &ctx->initiator_name);
		else
			major = name_initiator(minor, cred, ctx->handshake.rs,
					       &ctx->initiator_name);
	}
	if (!GSS_ERROR(major))
		major = send_token_2(minor, ctx, lifetime, output);
	if (!GSS_ERROR(major)) {
		major = open_context(minor, ctx, lifetime);
		if (GSS_ERROR(major)) {
			free(output->value);
			clear_buffer(output);
		}
	}
	sodium_memzero(payload, sizeof(payload));
	if (!GSS_ERROR(major))
		sm_trace("accept: context from '%s' to '%s' open for %u s",
			 anonymous ? SM_ANONYMOUS_DISPLAY : ctx->initiator_name->text,
			 ctx->acceptor_name->text, lifetime);
	return major;
}

OM_uint32 sm_context_accept(OM_uint32 *minor, struct sm_cred *given,
			    struct sm_context **context,
			    const gss_buffer_desc *input,
			    gss_channel_bindings_t bindings,
			    struct sm_name **src_name, gss_buffer_t output,
			    OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
	struct sm_cred *owned = NULL, *cred = NULL;
	struct sm_context *ctx;
	OM_uint32 major;

	clear_buffer(output);
	if (src_name != NULL)
		*src_name = NULL;
	if (ret_flags != NULL)
		*ret_flags = 0;
	if (time_rec != NULL)
		*time_rec = 0;
	if (*context != NULL)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_CONTEXT_NOT_OPEN,
			       "gss_accept_sec_context was called again on a context; this mechanism's acceptor completes in one step");
	major = sm_init(minor);
	if (!GSS_ERROR(major))
		major = acceptor_cred(minor, given, &owned, &cred);
	if (GSS_ERROR(major))
		return major;
	ctx = sm_context_new();
	if (ctx == NULL) {
		sm_cred_free(&owned);
		return sm_no_memory(minor);
	}
	major = accept_token_1(minor, ctx, cred, input, bindings, output);
	sm_cred_free(&owned);
	if (!GSS_ERROR(major) && src_name != NULL)
		major = sm_name_duplicate(minor, ctx->initiator_name, src_name);
	if (GSS_ERROR(major)) {
		if (output != GSS_C_NO_BUFFER) {
			free(output->value);
			clear_buffer(output);
		}
		sm_context_free(&ctx);
		return major;
	}
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	if (time_rec != NULL)
		*time_rec = seconds_left(ctx);
	*context = ctx;
	return sm_ok(minor);
}

/* ---- inquiry -------------------------------------------------------- */

OM_uint32 sm_context_time(OM_uint32 *minor, const struct sm_context *ctx,
			  OM_uint32 *time_rec)
{
	OM_uint32 left = seconds_left(ctx);

	if (time_rec != NULL)
		*time_rec = left;
	if (ctx->state == SM_CTX_OPEN && left == 0)
		return sm_fail(minor, GSS_S_CONTEXT_EXPIRED, GSS_SODIUM_S_CONTEXT_EXPIRED, NULL);
	return sm_ok(minor);
}

OM_uint32 sm_context_usable(OM_uint32 *minor, const struct sm_context *ctx,
			    const char *call)
{
	if (ctx == NULL)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT,
			       "%s: no security context was given", call);
	if (ctx->state != SM_CTX_OPEN)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_CONTEXT_NOT_OPEN,
			       "%s: the security context is %s", call,
			       ctx->state == SM_CTX_FAILED ? "a failed one" : "not established yet");
	if (sm_clock_now() >= ctx->expires)
		return sm_fail(minor, GSS_S_CONTEXT_EXPIRED, GSS_SODIUM_S_CONTEXT_EXPIRED,
			       "%s: the security context has expired", call);
	return sm_ok(minor);
}

OM_uint32 sm_context_inquire(OM_uint32 *minor, const struct sm_context *ctx,
			     struct sm_name **src_name, struct sm_name **targ_name,
			     OM_uint32 *lifetime, OM_uint32 *flags,
			     int *locally_initiated, int *open)
{
	OM_uint32 major = sm_ok(minor);

	if (src_name != NULL)
		*src_name = NULL;
	if (targ_name != NULL)
		*targ_name = NULL;
	if (lifetime != NULL)
		*lifetime = seconds_left(ctx);
	if (flags != NULL)
		*flags = ctx->flags;
	if (locally_initiated != NULL)
		*locally_initiated = ctx->initiator;
	if (open != NULL)
		*open = ctx->state == SM_CTX_OPEN;
	if (src_name != NULL && ctx->initiator_name != NULL)
		major = sm_name_duplicate(minor, ctx->initiator_name, src_name);
	if (!GSS_ERROR(major) && targ_name != NULL && ctx->acceptor_name != NULL)
		major = sm_name_duplicate(minor, ctx->acceptor_name, targ_name);
	if (GSS_ERROR(major) && src_name != NULL)
		sm_name_free(src_name);
	return GSS_ERROR(major) ? major : sm_ok(minor);
}
