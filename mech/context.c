/*
 * Establishing security contexts, protocol version 2.
 *
 * Every token is framed with the mechanism OID (RFC 2743 section 3.1).
 * Token 1 (initiator), full:
 *   u16 0x0101 | u8 version 2 | u8 pattern (1 IK, 2 NK) | key hint (8) |
 *   Noise message 1, whose payload is
 *   u64 initiator's time | u32 requested flags | u32 time_req |
 *   u8 options (01: bindings present, 02: keeps tickets) | hash (32)
 * Token 1, resumed (pattern 3, Noise NNpsk0 with the ticket's secret):
 *   u16 0x0101 | u8 version 2 | u8 3 | key hint (8) | u16 ticket length |
 *   ticket | Noise message 1, with the same payload (option 02 clear)
 * Token 2 (acceptor):
 *   u16 0x0102 | u8 version 2 | Noise message 2, whose payload is
 *   u32 granted flags | u32 lifetime in seconds [| u8 ticket follows],
 *   the last byte present when token 1 asked for a ticket; when it is 1,
 *   u16 length | the ticket, sealed with ChaCha20-Poly1305 under a key
 *   derived from the new context's PRF key, follows the message.
 * Token 3 (acceptor, instead of token 2, when it refuses a ticket):
 *   u16 0x0103 | u8 version 2 | u8 reason | tag (16), the tag made with
 *   the DH of the acceptor's static key and the initiator's ephemeral key;
 *   the initiator then sends a full token 1 and the acceptor answers it
 *   with token 2.
 * The Noise prologue is "gss-sodium/2", the DER OID, token 1's header and,
 * when resuming, the ticket, so none of these can be changed unnoticed.
 * The acceptor admits a token 1 made within clock_skew of its own clock,
 * once: the initiator's ephemeral key is recorded in the keytab's handshake
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
#include "ticket.h"
#include "tickets.h"
#include "trace.h"

#define TOKEN_ID_INITIATOR 0x0101
#define TOKEN_ID_ACCEPTOR 0x0102
#define TOKEN_ID_REFUSAL 0x0103
#define PROTOCOL_VERSION 2
#define PATTERN_IK 1
#define PATTERN_NK 2
#define PATTERN_RESUME 3
#define OPTION_BINDINGS 0x01
#define OPTION_KEEPS_TICKETS 0x02
#define KEY_HINT_BYTES 8
#define REFUSAL_PREFIX_BYTES 4
#define REFUSAL_TAG_BYTES 16
#define REFUSAL_LABEL "gss-sodium/2 ticket refusal"
_Static_assert(KEY_HINT_BYTES == SM_RCACHE_SCOPE_BYTES, "a key hint names a shared cache's records");
#define INITIATOR_HEADER_BYTES (2 + 1 + 1 + KEY_HINT_BYTES)
#define PROLOGUE_LABEL "gss-sodium/2"
#define BINDINGS_HASH_BYTES 32
#define INITIATOR_PAYLOAD_BYTES (8 + 4 + 4 + 1 + BINDINGS_HASH_BYTES)
#define ACCEPTOR_PAYLOAD_BYTES (4 + 4)
/* With the byte that says whether a ticket follows. */
#define ACCEPTOR_PAYLOAD_MAX (ACCEPTOR_PAYLOAD_BYTES + 1)
#define HANDSHAKE_MESSAGE_MAX 256
#define TICKET_BOX_MAX (SM_TICKET_MAX + SM_NOISE_TAGLEN)
/* Derived with the PRF key as BLAKE2b's key.  The GSS PRF (message.c)
 * feeds it u32 i || u8 key type (0 or 1) first: these labels' fifth byte
 * is 's', so no PRF output is one of these. */
#define RESUMPTION_SECRET_LABEL "gss-sodium/2 resumption secret"
#define TICKET_TRANSPORT_LABEL "gss-sodium/2 ticket transport"
#define UNKNOWN_INITIATOR_PREFIX "key:"

/* What the Noise prologue binds: the protocol, the OID, token 1's header
 * and a resumed token's ticket. */
struct prologue {
	unsigned char bytes[sizeof(PROLOGUE_LABEL) - 1 + 2 + SM_MECH_OID_MAX + INITIATOR_HEADER_BYTES +
			    SM_TICKET_MAX];
	size_t len;
};

static void make_prologue(struct prologue *p, const unsigned char *header,
			  const unsigned char *ticket, size_t ticket_len)
{
	size_t n = 0;

	memcpy(p->bytes, PROLOGUE_LABEL, sizeof(PROLOGUE_LABEL) - 1);
	n += sizeof(PROLOGUE_LABEL) - 1;
	p->bytes[n++] = 0x06;
	p->bytes[n++] = (unsigned char)sm_mech_oid.length;
	memcpy(p->bytes + n, sm_mech_oid.elements, sm_mech_oid.length);
	n += sm_mech_oid.length;
	memcpy(p->bytes + n, header, INITIATOR_HEADER_BYTES);
	n += INITIATOR_HEADER_BYTES;
	if (ticket_len > 0)
		memcpy(p->bytes + n, ticket, ticket_len);
	p->len = n + ticket_len;
}

/* A key for this context's resumption, from its PRF key and a label. */
static void derive_from_prf(const struct sm_context *ctx, const char *label, unsigned char *out)
{
	crypto_generichash(out, SM_RESUMPTION_SECRET_BYTES, (const unsigned char *)label,
			   strlen(label), ctx->keys + SM_KEY_PRF, SM_NOISE_KEYLEN);
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
	/* A resumed handshake that never completed drops its ticket: an
	 * application that cannot run the round trip a refusal adds (Apache's
	 * mod_auth_gssapi without GssapiConnectionBound) gives up and deletes
	 * the context, and must not send the same refused ticket again. */
	if (ctx->initiator && ctx->resuming && ctx->state != SM_CTX_OPEN &&
	    ctx->acceptor_name != NULL) {
		sm_trace("init: the resumed handshake with '%s' did not complete; its ticket is dropped",
			 ctx->acceptor_name->text);
		sm_tickets_forget(ctx->acceptor_name->text, ctx->initiator_key);
	}
	sm_noise_clear(&ctx->handshake);
	sm_secmem_free(ctx->keys);
	sm_name_free(&ctx->initiator_name);
	sm_name_free(&ctx->acceptor_name);
	sodium_memzero(ctx, sizeof(*ctx));
	free(ctx);
	*context = NULL;
}

/* A continuation failed: no half-made context stays, the handshake and
 * any keys are spent, and only deletion remains. */
static void fail_context(struct sm_context *ctx)
{
	sm_noise_clear(&ctx->handshake);
	sm_secmem_free(ctx->keys);
	ctx->keys = NULL;
	ctx->state = SM_CTX_FAILED;
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

/* Token 1's header: token id, version, pattern and the key hint. */
static void write_header_1(unsigned char *header, uint8_t pattern, const unsigned char *peer_key)
{
	unsigned char hint[KEY_HINT_BYTES];
	struct sm_writer w;

	key_hint(peer_key, hint);
	sm_writer_init_fixed(&w, header, INITIATOR_HEADER_BYTES);
	sm_write_u16be(&w, TOKEN_ID_INITIATOR);
	sm_write_u8(&w, PROTOCOL_VERSION);
	sm_write_u8(&w, pattern);
	sm_write_bytes(&w, hint, sizeof(hint));
}

/* Noise message 1 with token 1's payload, after the handshake's init. */
static OM_uint32 write_message_1(OM_uint32 *minor, struct sm_context *ctx,
				 enum sm_noise_result result, gss_channel_bindings_t bindings,
				 unsigned char *message, size_t *message_len)
{
	unsigned char hash[BINDINGS_HASH_BYTES];
	struct sm_writer w;
	uint8_t options;

	options = (uint8_t)(bindings_hash(bindings, hash) ? OPTION_BINDINGS : 0);
	if (ctx->wants_ticket)
		options |= OPTION_KEEPS_TICKETS;
	sm_writer_init(&w);
	sm_write_u64be(&w, (uint64_t)sm_clock_now());
	sm_write_u32be(&w, ctx->flags);
	sm_write_u32be(&w, ctx->time_req);
	sm_write_u8(&w, options);
	sm_write_bytes(&w, hash, sizeof(hash));
	if (w.failed) {
		sm_writer_discard(&w);
		return sm_no_memory(minor);
	}
	if (result == SM_NOISE_OK)
		result = sm_noise_write_message(&ctx->handshake, w.data, w.len, message,
						HANDSHAKE_MESSAGE_MAX, message_len);
	sm_writer_discard(&w);
	if (result != SM_NOISE_OK)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_NO_MEMORY,
			       "the handshake could not start (out of locked memory)");
	return sm_ok(minor);
}

/* A full token 1: IK as the credential's identity, or NK anonymously. */
static OM_uint32 send_token_1(OM_uint32 *minor, struct sm_context *ctx,
			      const struct sm_cred *cred, int anonymous,
			      gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char header[INITIATOR_HEADER_BYTES], message[HANDSHAKE_MESSAGE_MAX];
	const struct sm_key_entry *identity = anonymous ? NULL : &cred->initiator.entries[0];
	struct prologue prologue;
	struct sm_writer w;
	size_t message_len = 0;
	OM_uint32 major;

	write_header_1(header, anonymous ? PATTERN_NK : PATTERN_IK, ctx->peer_key);
	make_prologue(&prologue, header, NULL, 0);
	major = write_message_1(minor, ctx,
				sm_noise_init(&ctx->handshake, anonymous ? SM_NOISE_NK : SM_NOISE_IK,
					      SM_NOISE_INITIATOR, prologue.bytes, prologue.len,
					      identity ? identity->private_key : NULL,
					      identity ? identity->public_key : NULL, ctx->peer_key),
				bindings, message, &message_len);
	if (GSS_ERROR(major))
		return major;
	sm_writer_init(&w);
	sm_frame_write(&w, sizeof(header) + message_len);
	sm_write_bytes(&w, header, sizeof(header));
	sm_write_bytes(&w, message, message_len);
	return give_buffer(minor, &w, output);
}

/* A resumed token 1: NNpsk0 with the ticket's secret, the ticket bound in
 * the prologue. */
static OM_uint32 send_resumed_token_1(OM_uint32 *minor, struct sm_context *ctx,
				      const struct sm_held_ticket *held,
				      gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char header[INITIATOR_HEADER_BYTES], message[HANDSHAKE_MESSAGE_MAX];
	enum sm_noise_result result;
	struct prologue prologue;
	struct sm_writer w;
	size_t message_len = 0;
	OM_uint32 major;

	write_header_1(header, PATTERN_RESUME, ctx->peer_key);
	make_prologue(&prologue, header, held->ticket, held->ticket_len);
	result = sm_noise_init(&ctx->handshake, SM_NOISE_NNPSK0, SM_NOISE_INITIATOR,
			       prologue.bytes, prologue.len, NULL, NULL, NULL);
	if (result == SM_NOISE_OK)
		result = sm_noise_set_psk(&ctx->handshake, held->secret);
	major = write_message_1(minor, ctx, result, bindings, message, &message_len);
	if (GSS_ERROR(major))
		return major;
	sm_writer_init(&w);
	sm_frame_write(&w, sizeof(header) + 2 + held->ticket_len + message_len);
	sm_write_bytes(&w, header, sizeof(header));
	sm_write_u16be(&w, (uint16_t)held->ticket_len);
	sm_write_bytes(&w, held->ticket, held->ticket_len);
	sm_write_bytes(&w, message, message_len);
	return give_buffer(minor, &w, output);
}

/* Resume with a held ticket when there is one; else a full token 1, which
 * asks for a ticket when the initiator keeps them. */
static OM_uint32 send_first_token(OM_uint32 *minor, struct sm_context *ctx,
				  const struct sm_cred *cred, int anonymous,
				  gss_channel_bindings_t bindings, gss_buffer_t output)
{
	struct sm_held_ticket held;
	char until[64];
	const char *why = "resumption = no";
	OM_uint32 major;

	ctx->wants_ticket = !anonymous && sm_current_settings()->resumption;
	if (ctx->wants_ticket && !ctx->resuming &&
	    sm_tickets_find(ctx->acceptor_name->text, ctx->initiator_key, ctx->peer_key,
			    sm_clock_now(), &held, &why)) {
		ctx->resuming = 1;
		ctx->wants_ticket = 0;
		major = send_resumed_token_1(minor, ctx, &held, bindings, output);
		sm_clock_format(held.not_after, until, sizeof(until));
		sm_held_ticket_clear(&held);
		if (!GSS_ERROR(major))
			sm_trace("init: sent resumed handshake (NNpsk0) to '%s' as '%s' with a ticket valid until %s",
				 ctx->acceptor_name->text, ctx->initiator_name->text, until);
		return major;
	}
	if (anonymous)
		why = "anonymous initiators get no tickets";
	else if (ctx->resuming)
		why = "the acceptor refused the ticket";
	ctx->resuming = 0;
	major = send_token_1(minor, ctx, cred, anonymous, bindings, output);
	if (!GSS_ERROR(major))
		sm_trace("init: sent %s handshake to '%s' as '%s' (not resumed: %s)",
			 anonymous ? "NK" : "IK", ctx->acceptor_name->text,
			 anonymous ? SM_ANONYMOUS_DISPLAY : ctx->initiator_name->text, why);
	return major;
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
	memcpy(ctx->peer_key, peer->public_key, SM_KEY_BYTES);
	if (!anonymous)
		memcpy(ctx->initiator_key, cred->initiator.entries[0].public_key, SM_KEY_BYTES);
	major = sm_name_duplicate(minor, target, &ctx->acceptor_name);
	if (!GSS_ERROR(major)) {
		if (anonymous)
			major = sm_name_anonymous(minor, &ctx->initiator_name);
		else
			major = sm_name_duplicate(minor, cred->initiator.entries[0].name,
						  &ctx->initiator_name);
	}
	if (!GSS_ERROR(major))
		major = send_first_token(minor, ctx, cred, anonymous, bindings, output);
	sm_cred_free(&owned);
	if (GSS_ERROR(major)) {
		sm_context_free(&ctx);
		return major;
	}
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	*context = ctx;
	return GSS_S_CONTINUE_NEEDED;
}

/* Why an acceptor refuses a ticket: token 3's reason byte. */
enum refusal {
	REFUSED_RESUMPTION_OFF = 1,
	REFUSED_NO_KEYRING,
	REFUSED_MALFORMED,
	REFUSED_UNKNOWN_KEY,
	REFUSED_FORGED,
	REFUSED_EXPIRED,
	REFUSED_OTHER_ACCEPTOR,
	REFUSED_INITIATOR_KEY,
	REFUSED_REASONS
};

static const char *const refusal_reason[REFUSED_REASONS] = {
	[0] = "for a reason this initiator does not know",
	[REFUSED_RESUMPTION_OFF] = "the acceptor has resumption = no",
	[REFUSED_NO_KEYRING] = "the acceptor cannot use its sealing keyring",
	[REFUSED_MALFORMED] = "the ticket is malformed",
	[REFUSED_UNKNOWN_KEY] = "the ticket's keyring key is retired or unknown to the acceptor",
	[REFUSED_FORGED] = "the ticket failed authentication",
	[REFUSED_EXPIRED] = "the ticket has expired",
	[REFUSED_OTHER_ACCEPTOR] = "the ticket was issued for another acceptor name or key",
	[REFUSED_INITIATOR_KEY] = "the acceptor's peers file no longer gives the initiator's name that key",
};

/* Token 3's first bytes, which its tag covers. */
static void refusal_prefix(uint8_t reason, unsigned char prefix[REFUSAL_PREFIX_BYTES])
{
	prefix[0] = TOKEN_ID_REFUSAL >> 8;
	prefix[1] = TOKEN_ID_REFUSAL & 0xff;
	prefix[2] = PROTOCOL_VERSION;
	prefix[3] = reason;
}

/* Token 3's tag (PROTOCOL.md section 4.2.1): keyed BLAKE2b over a label and
 * the token's first bytes, under a key hashed from `dh`, the DH of the
 * acceptor's static key and the initiator's ephemeral key, and from both
 * public keys (as crypto_kx does).  Only the acceptor can make it, and only
 * for this handshake. */
static void refusal_tag(const unsigned char dh[SM_NOISE_DHLEN],
			const unsigned char initiator_e[SM_NOISE_DHLEN],
			const unsigned char acceptor_s[SM_KEY_BYTES],
			const unsigned char prefix[REFUSAL_PREFIX_BYTES],
			unsigned char tag[REFUSAL_TAG_BYTES])
{
	unsigned char key[crypto_generichash_KEYBYTES];
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(key));
	crypto_generichash_update(&st, dh, SM_NOISE_DHLEN);
	crypto_generichash_update(&st, initiator_e, SM_NOISE_DHLEN);
	crypto_generichash_update(&st, acceptor_s, SM_KEY_BYTES);
	crypto_generichash_final(&st, key, sizeof(key));
	crypto_generichash_init(&st, key, sizeof(key), REFUSAL_TAG_BYTES);
	crypto_generichash_update(&st, (const unsigned char *)REFUSAL_LABEL,
				  sizeof(REFUSAL_LABEL) - 1);
	crypto_generichash_update(&st, prefix, REFUSAL_PREFIX_BYTES);
	crypto_generichash_final(&st, tag, REFUSAL_TAG_BYTES);
	sodium_memzero(key, sizeof(key));
	sodium_memzero(&st, sizeof(st));
}

/* Did the acceptor the context addresses refuse its ticket with `tag`? */
static int refusal_verifies(const struct sm_context *ctx, uint8_t reason,
			    const unsigned char *tag)
{
	unsigned char dh[SM_NOISE_DHLEN], prefix[REFUSAL_PREFIX_BYTES];
	unsigned char expected[REFUSAL_TAG_BYTES];
	int ok;

	if (sm_noise_ephemeral_dh(&ctx->handshake, ctx->peer_key, dh) != SM_NOISE_OK)
		return 0;
	refusal_prefix(reason, prefix);
	refusal_tag(dh, ctx->handshake.e_pub, ctx->peer_key, prefix, expected);
	ok = sodium_memcmp(expected, tag, REFUSAL_TAG_BYTES) == 0;
	sodium_memzero(dh, sizeof(dh));
	return ok;
}

/* Token 3: the acceptor refused the ticket.  The ticket is dropped and a
 * full token 1 goes out, from this call; the application sees one more
 * round trip, nothing else. */
static OM_uint32 fall_back(OM_uint32 *minor, struct sm_context *ctx, struct sm_cred *given,
			   struct sm_reader *r, gss_channel_bindings_t bindings,
			   gss_buffer_t output)
{
	struct sm_cred *owned = NULL, *cred = NULL;
	uint8_t reason = sm_read_u8(r);
	const unsigned char *tag = sm_read_bytes(r, REFUSAL_TAG_BYTES);
	OM_uint32 major;

	if (!sm_reader_done(r))
		return bad_token(minor, "acceptor's", "refuses the ticket in a malformed token");
	if (!ctx->resuming)
		return bad_token(minor, "acceptor's", "refuses a ticket the initiator did not send");
	if (!refusal_verifies(ctx, reason, tag))
		return bad_token(minor, "acceptor's",
				 "refuses the ticket with a tag that does not verify: the token was altered, or is not the acceptor's");
	sm_noise_clear(&ctx->handshake);
	sm_trace("init: '%s' refused the ticket (%s); falling back to a full handshake",
		 ctx->acceptor_name->text,
		 refusal_reason[reason < REFUSED_REASONS ? reason : 0]);
	sm_tickets_forget(ctx->acceptor_name->text, ctx->initiator_key);
	major = initiator_cred(minor, given, 0, &owned, &cred);
	if (!GSS_ERROR(major) &&
	    (cred->initiator.count == 0 ||
	     sodium_memcmp(cred->initiator.entries[0].public_key, ctx->initiator_key,
			   SM_KEY_BYTES) != 0))
		major = sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_CRED_USAGE,
				"gss_init_sec_context: the credential no longer holds the identity '%s' the context started with",
				ctx->initiator_name->text);
	if (!GSS_ERROR(major))
		major = send_first_token(minor, ctx, cred, 0, bindings, output);
	sm_cred_free(&owned);
	return GSS_ERROR(major) ? major : GSS_S_CONTINUE_NEEDED;
}

/* The ticket after token 2's message: open it with the new context's key
 * and keep it. */
static OM_uint32 keep_ticket(OM_uint32 *minor, struct sm_context *ctx, struct sm_reader *r)
{
	unsigned char key[SM_NOISE_KEYLEN], ticket[SM_TICKET_MAX], *secret;
	struct sm_ticket_header h;
	const unsigned char *box;
	uint16_t box_len;
	char until[64];
	int opened;

	box_len = sm_read_u16be(r);
	box = sm_read_bytes(r, box_len);
	if (box == NULL || !sm_reader_done(r) || box_len <= SM_NOISE_TAGLEN ||
	    box_len > TICKET_BOX_MAX)
		return bad_token(minor, "acceptor's", "carries a malformed ticket");
	derive_from_prf(ctx, TICKET_TRANSPORT_LABEL, key);
	opened = sm_noise_decrypt(key, 0, NULL, 0, box, box_len, ticket) == 0;
	sodium_memzero(key, sizeof(key));
	if (!opened)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_HANDSHAKE_FAILED,
			       "the ticket in the acceptor's token failed authentication; it was altered");
	if (GSS_ERROR(sm_ticket_header_parse(minor, ticket, box_len - SM_NOISE_TAGLEN, &h)))
		return GSS_S_DEFECTIVE_TOKEN;
	secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES);
	if (secret == NULL)
		return sm_no_memory(minor);
	derive_from_prf(ctx, RESUMPTION_SECRET_LABEL, secret);
	sm_tickets_keep(ctx->acceptor_name->text, ctx->initiator_key, ctx->peer_key, secret,
			ticket, box_len - SM_NOISE_TAGLEN, h.not_after);
	sm_secmem_free(secret);
	sm_clock_format(h.not_after, until, sizeof(until));
	sm_trace("init: kept a ticket for '%s' valid until %s", ctx->acceptor_name->text, until);
	return sm_ok(minor);
}

/* Token 2: the acceptor's half of the handshake and what it granted. */
static OM_uint32 initiate_second(OM_uint32 *minor, struct sm_context *ctx,
				 struct sm_cred *given, const gss_buffer_desc *input,
				 gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char payload[ACCEPTOR_PAYLOAD_MAX];
	size_t payload_len, message_len;
	OM_uint32 granted, lifetime, major;
	struct sm_reader r, p;
	uint16_t id;
	uint8_t version, ticket_follows = 0;

	if (!sm_frame_read(input, &r))
		return bad_token(minor, "acceptor's",
				 "is not framed with the gss-sodium OID (RFC 2743 section 3.1)");
	id = sm_read_u16be(&r);
	version = sm_read_u8(&r);
	if (r.failed)
		return bad_token(minor, "acceptor's", "is truncated");
	if (id != TOKEN_ID_ACCEPTOR && id != TOKEN_ID_REFUSAL)
		return bad_token(minor, "acceptor's", "does not start with the acceptor token id 01 02 or 01 03");
	if (version != PROTOCOL_VERSION)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_VERSION,
			       "the acceptor speaks protocol version %u; this initiator speaks %u",
			       version, PROTOCOL_VERSION);
	if (id == TOKEN_ID_REFUSAL)
		return fall_back(minor, ctx, given, &r, bindings, output);
	/* A ticket may follow the message only when one was asked for. */
	message_len = ctx->wants_ticket ? SM_NOISE_DHLEN + ACCEPTOR_PAYLOAD_MAX + SM_NOISE_TAGLEN
					: r.left;
	if (r.left < message_len)
		return bad_token(minor, "acceptor's", "is truncated");
	switch (sm_noise_read_message(&ctx->handshake, r.ptr, message_len, payload,
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
	(void)sm_read_bytes(&r, message_len);
	sm_reader_init(&p, payload, payload_len);
	granted = sm_read_u32be(&p);
	lifetime = sm_read_u32be(&p);
	if (ctx->wants_ticket)
		ticket_follows = sm_read_u8(&p);
	if (!sm_reader_done(&p) || ticket_follows > 1)
		return bad_token(minor, "acceptor's", "has a payload of the wrong size");
	/* Exactly what was asked: what every context has, the detection the
	 * initiator chose, and anonymity as it used NK. */
	if (granted != ctx->flags || lifetime == 0)
		return bad_token(minor, "acceptor's", "grants flags or a lifetime the initiator did not ask for");
	if (!ticket_follows && r.left != 0)
		return bad_token(minor, "acceptor's", "has bytes after its handshake message");
	if (ctx->time_req != 0 && lifetime > ctx->time_req)
		lifetime = ctx->time_req;
	ctx->flags = granted;
	major = open_context(minor, ctx, lifetime);
	if (!GSS_ERROR(major) && ticket_follows)
		major = keep_ticket(minor, ctx, &r);
	if (!GSS_ERROR(major))
		sm_trace("init: context with '%s' open for %u s%s", ctx->acceptor_name->text,
			 lifetime, ctx->resuming ? ", resumed" : "");
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
		major = initiate_second(minor, ctx, cred, input, bindings, output);
	if (GSS_ERROR(major)) {
		fail_context(ctx);
		return major;
	}
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	if (major == GSS_S_CONTINUE_NEEDED)
		return major;
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

/* The sentence for a handshake message that could not be read. */
static OM_uint32 noise_failure(OM_uint32 *minor, enum sm_noise_result result)
{
	if (result == SM_NOISE_E_MEMORY)
		return sm_no_memory(minor);
	if (result == SM_NOISE_E_SHORT)
		return bad_token(minor, "initiator's", "is truncated");
	if (result == SM_NOISE_E_SPACE)
		return bad_token(minor, "initiator's", "has a payload of the wrong size");
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_HANDSHAKE_FAILED, NULL);
}

static OM_uint32 no_acceptor_key(OM_uint32 *minor)
{
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_NO_ACCEPTOR_KEY,
		       "the initiator's token addresses an acceptor key this credential does not hold: the initiator's peers entry for this service is out of date, it meant another service, or the token was altered");
}

/* The first acceptor key at or after *from whose hint is `hint`. */
static const struct sm_key_entry *next_key_by_hint(const struct sm_cred *cred,
						   const unsigned char *hint, size_t *from)
{
	unsigned char candidate_hint[KEY_HINT_BYTES];

	for (; *from < cred->acceptor.count; (*from)++) {
		key_hint(cred->acceptor.entries[*from].public_key, candidate_hint);
		if (memcmp(candidate_hint, hint, KEY_HINT_BYTES) == 0)
			return &cred->acceptor.entries[(*from)++];
	}
	return NULL;
}

static const struct sm_key_entry *find_key_by_hint(const struct sm_cred *cred,
						   const unsigned char *hint)
{
	size_t from = 0;

	return next_key_by_hint(cred, hint, &from);
}

/* Read token 1 with the acceptor keys its hint names; the handshake is
 * left in ctx->handshake and the key used in *used. */
static OM_uint32 read_token_1(OM_uint32 *minor, struct sm_context *ctx,
			      const struct sm_cred *cred, struct sm_reader *r,
			      int anonymous, const unsigned char *header,
			      const unsigned char *hint, unsigned char *payload,
			      size_t *payload_len, const struct sm_key_entry **used)
{
	enum sm_noise_result result = SM_NOISE_E_STATE;
	const struct sm_key_entry *key;
	struct prologue prologue;
	size_t from = 0, candidates = 0;

	make_prologue(&prologue, header, NULL, 0);
	while ((key = next_key_by_hint(cred, hint, &from)) != NULL) {
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
			break;
	}
	if (candidates == 0)
		return no_acceptor_key(minor);
	return noise_failure(minor, result);
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

/* Decide the context from token 1's payload; fills flags, lifetime and
 * whether the initiator keeps tickets, and the time it sent the token. */
static OM_uint32 grant(OM_uint32 *minor, struct sm_context *ctx,
		       const unsigned char *payload, size_t payload_len,
		       gss_channel_bindings_t bindings, int anonymous,
		       OM_uint32 *lifetime, uint64_t *sent)
{
	unsigned char ours[BINDINGS_HASH_BYTES];
	const unsigned char *theirs;
	OM_uint32 requested, time_req;
	struct sm_reader p;
	uint8_t options;
	int they_bound;

	sm_reader_init(&p, payload, payload_len);
	*sent = sm_read_u64be(&p);
	requested = sm_read_u32be(&p);
	time_req = sm_read_u32be(&p);
	options = sm_read_u8(&p);
	theirs = sm_read_bytes(&p, BINDINGS_HASH_BYTES);
	/* Anonymous and resumed initiators are given no ticket, so they
	 * cannot ask for one. */
	if (!sm_reader_done(&p) || (options & ~(OPTION_BINDINGS | OPTION_KEEPS_TICKETS)) != 0 ||
	    ((options & OPTION_KEEPS_TICKETS) && (anonymous || ctx->resuming)) ||
	    *sent >= (uint64_t)SM_TIME_MAX)
		return bad_token(minor, "initiator's", "has a malformed payload");
	they_bound = options & OPTION_BINDINGS;
	ctx->wants_ticket = !!(options & OPTION_KEEPS_TICKETS);
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

/* Token 2's Noise message; its payload says whether a ticket follows when
 * token 1 asked for one. */
static OM_uint32 write_message_2(OM_uint32 *minor, struct sm_context *ctx, OM_uint32 lifetime,
				 int ticket_follows, unsigned char *message, size_t *message_len)
{
	enum sm_noise_result result;
	struct sm_writer w;

	sm_writer_init(&w);
	sm_write_u32be(&w, ctx->flags);
	sm_write_u32be(&w, lifetime);
	if (ctx->wants_ticket)
		sm_write_u8(&w, (uint8_t)ticket_follows);
	if (w.failed) {
		sm_writer_discard(&w);
		return sm_no_memory(minor);
	}
	result = sm_noise_write_message(&ctx->handshake, w.data, w.len, message,
					HANDSHAKE_MESSAGE_MAX, message_len);
	sm_writer_discard(&w);
	if (result != SM_NOISE_OK)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_NO_MEMORY,
			       "the handshake reply could not be made (out of locked memory)");
	return sm_ok(minor);
}

/* A ticket for the open context, sealed under `seal_key` and then for the
 * initiator under a key of this context: box[TICKET_BOX_MAX]. */
static OM_uint32 seal_ticket(OM_uint32 *minor, const struct sm_context *ctx,
			     const struct sm_seal_key *seal_key,
			     const struct sm_key_entry *acceptor_key, unsigned char *box,
			     size_t *box_len)
{
	const struct sm_settings *settings = sm_current_settings();
	unsigned char ticket[SM_TICKET_MAX], transport[SM_NOISE_KEYLEN], *secret;
	unsigned long life = settings->ticket_lifetime < settings->context_lifetime
				     ? settings->ticket_lifetime : settings->context_lifetime;
	time_t now = sm_clock_now();
	char until[64];
	size_t ticket_len = 0;
	OM_uint32 major;

	secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES);
	if (secret == NULL)
		return sm_no_memory(minor);
	derive_from_prf(ctx, RESUMPTION_SECRET_LABEL, secret);
	major = sm_ticket_seal(minor, seal_key, now, now + (time_t)life, secret,
			       ctx->initiator_key, acceptor_key->public_key, ctx->initiator_name,
			       acceptor_key->name, ticket, &ticket_len);
	sm_secmem_free(secret);
	if (GSS_ERROR(major))
		return major;
	derive_from_prf(ctx, TICKET_TRANSPORT_LABEL, transport);
	sm_noise_encrypt(transport, 0, NULL, 0, ticket, ticket_len, box);
	sodium_memzero(transport, sizeof(transport));
	*box_len = ticket_len + SM_NOISE_TAGLEN;
	sm_clock_format((uint64_t)(now + (time_t)life), until, sizeof(until));
	sm_trace("accept: issued '%s' a ticket sealed with key %u, valid until %s",
		 ctx->initiator_name->text, seal_key->id, until);
	return sm_ok(minor);
}

/* The keyring key that seals a ticket for this context, or NULL (with the
 * reason in the trace): *ring must be released by the caller. */
static const struct sm_seal_key *ticket_sealing_key(const struct sm_context *ctx,
						    const struct sm_keyring **ring)
{
	const struct sm_seal_key *key;
	char path[PATH_MAX];
	OM_uint32 minor;

	*ring = NULL;
	if (!ctx->wants_ticket || !sm_current_settings()->resumption)
		return NULL;
	if (GSS_ERROR(sm_keyring_acquire(&minor, ring, path))) {
		sm_trace("accept: no ticket issued: %s", sm_status_sentence(minor));
		return NULL;
	}
	key = sm_keyring_sealing_key(*ring, sm_clock_now());
	if (key == NULL)
		sm_trace("accept: no ticket issued: %s holds no key that may seal now", path);
	return key;
}

/* Answer token 1: message 2, the context opened, and a ticket when the
 * initiator keeps them and the keyring can seal one. */
static OM_uint32 send_token_2(OM_uint32 *minor, struct sm_context *ctx,
			      const struct sm_key_entry *acceptor_key, OM_uint32 lifetime,
			      gss_buffer_t output)
{
	unsigned char message[HANDSHAKE_MESSAGE_MAX], box[TICKET_BOX_MAX];
	const struct sm_keyring *ring;
	const struct sm_seal_key *seal_key = ticket_sealing_key(ctx, &ring);
	size_t message_len = 0, box_len = 0;
	struct sm_writer w;
	OM_uint32 major;

	major = write_message_2(minor, ctx, lifetime, seal_key != NULL, message, &message_len);
	if (!GSS_ERROR(major))
		major = open_context(minor, ctx, lifetime);
	if (!GSS_ERROR(major) && seal_key != NULL)
		major = seal_ticket(minor, ctx, seal_key, acceptor_key, box, &box_len);
	if (ring != NULL)
		sm_keyring_release(ring);
	if (GSS_ERROR(major))
		return major;
	sm_writer_init(&w);
	sm_frame_write(&w, 2 + 1 + message_len + (box_len > 0 ? 2 + box_len : 0));
	sm_write_u16be(&w, TOKEN_ID_ACCEPTOR);
	sm_write_u8(&w, PROTOCOL_VERSION);
	sm_write_bytes(&w, message, message_len);
	if (box_len > 0) {
		sm_write_u16be(&w, (uint16_t)box_len);
		sm_write_bytes(&w, box, box_len);
	}
	return give_buffer(minor, &w, output);
}

/* Token 3: the ticket is refused, and a full token 1 awaited.  The tag
 * is made with `key`, the acceptor key token 1 addressed, and the
 * initiator's ephemeral key from its message. */
static OM_uint32 refuse_ticket(OM_uint32 *minor, struct sm_context *ctx,
			       const struct sm_key_entry *key,
			       const unsigned char initiator_e[SM_NOISE_DHLEN],
			       enum refusal reason, gss_buffer_t output)
{
	unsigned char dh[SM_NOISE_DHLEN], prefix[REFUSAL_PREFIX_BYTES];
	unsigned char tag[REFUSAL_TAG_BYTES];
	struct sm_writer w;
	OM_uint32 major;

	sm_noise_clear(&ctx->handshake);
	if (crypto_scalarmult(dh, key->private_key, initiator_e) != 0) {
		sodium_memzero(dh, sizeof(dh));
		return noise_failure(minor, SM_NOISE_E_DH);
	}
	refusal_prefix((uint8_t)reason, prefix);
	refusal_tag(dh, initiator_e, key->public_key, prefix, tag);
	sodium_memzero(dh, sizeof(dh));
	sm_writer_init(&w);
	sm_frame_write(&w, REFUSAL_PREFIX_BYTES + REFUSAL_TAG_BYTES);
	sm_write_bytes(&w, prefix, REFUSAL_PREFIX_BYTES);
	sm_write_bytes(&w, tag, REFUSAL_TAG_BYTES);
	major = give_buffer(minor, &w, output);
	if (GSS_ERROR(major))
		return major;
	ctx->state = SM_CTX_AWAITING_FULL;
	sm_trace("accept: refused a resumed handshake (%s); asking for a full one",
		 refusal_reason[reason]);
	return GSS_S_CONTINUE_NEEDED;
}

/* May this ticket resume a context with `key`?  0 if so, with the
 * contents open and the initiator named; else the reason to refuse it. */
static enum refusal check_ticket(const struct sm_cred *cred, const struct sm_key_entry *key,
				 const unsigned char *ticket, size_t ticket_len, time_t t,
				 struct sm_ticket_contents *contents, struct sm_name **initiator)
{
	const struct sm_keyring *ring;
	enum sm_ticket_verdict verdict;
	char path[PATH_MAX];
	OM_uint32 minor;

	if (!sm_current_settings()->resumption)
		return REFUSED_RESUMPTION_OFF;
	if (GSS_ERROR(sm_keyring_acquire(&minor, &ring, path)))
		return REFUSED_NO_KEYRING;
	verdict = sm_ticket_open(ring, ticket, ticket_len, t, contents);
	sm_keyring_release(ring);
	switch (verdict) {
	case SM_TICKET_OPENED:
		break;
	case SM_TICKET_UNKNOWN_KEY:
		return REFUSED_UNKNOWN_KEY;
	case SM_TICKET_FORGED:
		return REFUSED_FORGED;
	case SM_TICKET_EXPIRED:
		return REFUSED_EXPIRED;
	case SM_TICKET_NO_MEMORY:
		return REFUSED_NO_KEYRING;
	default:
		return REFUSED_MALFORMED;
	}
	if (contents->acceptor_kind != key->name->kind ||
	    strcmp(contents->acceptor_name, key->name->text) != 0 ||
	    sodium_memcmp(contents->acceptor_key, key->public_key, SM_KEY_BYTES) != 0)
		return REFUSED_OTHER_ACCEPTOR;
	/* The peers file decides again who the initiator is. */
	if (GSS_ERROR(name_initiator(&minor, cred, contents->initiator_key, initiator)))
		return REFUSED_INITIATOR_KEY;
	if ((*initiator)->kind != contents->initiator_kind ||
	    strcmp((*initiator)->text, contents->initiator_name) != 0) {
		sm_name_free(initiator);
		return REFUSED_INITIATOR_KEY;
	}
	return 0;
}

/* A resumed token 1, after its header: the ticket, then NNpsk0's message 1
 * under the ticket's secret. */
static OM_uint32 accept_resumed(OM_uint32 *minor, struct sm_context *ctx,
				const struct sm_cred *cred, struct sm_reader *r,
				const unsigned char *header, const unsigned char *hint,
				gss_channel_bindings_t bindings, gss_buffer_t output)
{
	unsigned char payload[INITIATOR_PAYLOAD_BYTES];
	struct sm_ticket_contents contents = { 0 };
	struct sm_rcache_probe probe = { NULL, 0, { 0 } };
	const struct sm_key_entry *key;
	struct sm_name *initiator = NULL;
	const unsigned char *ticket;
	enum sm_noise_result result;
	struct prologue prologue;
	enum refusal refused;
	size_t payload_len = 0;
	OM_uint32 major, lifetime = 0;
	time_t t = sm_clock_now();
	uint64_t sent = 0;
	uint16_t ticket_len;

	ctx->resuming = 1;
	key = find_key_by_hint(cred, hint);
	if (key == NULL)
		return no_acceptor_key(minor);
	ticket_len = sm_read_u16be(r);
	ticket = sm_read_bytes(r, ticket_len);
	if (ticket == NULL)
		return bad_token(minor, "initiator's", "is truncated");
	if (ticket_len > SM_TICKET_MAX)
		return bad_token(minor, "initiator's", "carries a ticket longer than any ticket");
	if (r->left < SM_NOISE_DHLEN)
		return bad_token(minor, "initiator's", "is truncated");
	refused = check_ticket(cred, key, ticket, ticket_len, t, &contents, &initiator);
	if (refused) {
		sm_ticket_contents_clear(&contents);
		return refuse_ticket(minor, ctx, key, r->ptr, refused, output);
	}
	sm_rcache_prefetch(SM_RCACHE_HANDSHAKE, cred->keytab, r->ptr, SM_NOISE_DHLEN, &probe);
	make_prologue(&prologue, header, ticket, ticket_len);
	result = sm_noise_init(&ctx->handshake, SM_NOISE_NNPSK0, SM_NOISE_RESPONDER,
			       prologue.bytes, prologue.len, NULL, NULL, NULL);
	if (result == SM_NOISE_OK)
		result = sm_noise_set_psk(&ctx->handshake, contents.secret);
	if (result == SM_NOISE_OK)
		result = sm_noise_read_message(&ctx->handshake, r->ptr, r->left, payload,
					       sizeof(payload), &payload_len);
	major = result == SM_NOISE_OK ? sm_ok(minor) : noise_failure(minor, result);
	if (!GSS_ERROR(major))
		major = grant(minor, ctx, payload, payload_len, bindings, 0, &lifetime, &sent);
	if (!GSS_ERROR(major))
		major = admit_handshake(minor, cred, key, ctx->handshake.re, sent, t, &probe);
	sm_rcache_release(&probe);
	sodium_memzero(payload, sizeof(payload));
	if (!GSS_ERROR(major))
		major = sm_name_duplicate(minor, key->name, &ctx->acceptor_name);
	if (!GSS_ERROR(major)) {
		ctx->initiator_name = initiator;
		initiator = NULL;
		memcpy(ctx->initiator_key, contents.initiator_key, SM_KEY_BYTES);
		/* A resumed context ends with its ticket, at the latest. */
		if ((uint64_t)t + lifetime > contents.header.not_after)
			lifetime = (OM_uint32)(contents.header.not_after - (uint64_t)t);
		if (lifetime == 0)
			lifetime = 1;
		major = send_token_2(minor, ctx, key, lifetime, output);
	}
	sm_name_free(&initiator);
	sm_ticket_contents_clear(&contents);
	if (!GSS_ERROR(major))
		sm_trace("accept: resumed context from '%s' to '%s' open for %u s",
			 ctx->initiator_name->text, ctx->acceptor_name->text, lifetime);
	return major;
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
	if (pattern == PATTERN_RESUME && ctx->state == SM_CTX_AWAITING_FULL)
		return bad_token(minor, "initiator's", "resumes again after its ticket was refused");
	if (pattern == PATTERN_RESUME)
		return accept_resumed(minor, ctx, cred, &r, header, hint, bindings, output);
	if (pattern != PATTERN_IK && pattern != PATTERN_NK)
		return bad_token(minor, "initiator's", "names an unknown handshake pattern");
	anonymous = pattern == PATTERN_NK;
	ctx->resuming = 0;

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
		if (anonymous) {
			major = sm_name_anonymous(minor, &ctx->initiator_name);
		} else {
			memcpy(ctx->initiator_key, ctx->handshake.rs, SM_KEY_BYTES);
			major = name_initiator(minor, cred, ctx->handshake.rs,
					       &ctx->initiator_name);
		}
	}
	if (!GSS_ERROR(major))
		major = send_token_2(minor, ctx, key, lifetime, output);
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
	struct sm_context *ctx = *context;
	OM_uint32 major;

	clear_buffer(output);
	if (src_name != NULL)
		*src_name = NULL;
	if (ret_flags != NULL)
		*ret_flags = 0;
	if (time_rec != NULL)
		*time_rec = 0;
	if (ctx != NULL && (ctx->initiator || ctx->state != SM_CTX_AWAITING_FULL))
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_CONTEXT_NOT_OPEN,
			       "gss_accept_sec_context was called again on a context that %s",
			       ctx->state == SM_CTX_OPEN ? "is already established"
							 : "awaits no token");
	major = sm_init(minor);
	if (!GSS_ERROR(major))
		major = acceptor_cred(minor, given, &owned, &cred);
	if (GSS_ERROR(major))
		return major;
	if (ctx == NULL && (ctx = sm_context_new()) == NULL) {
		sm_cred_free(&owned);
		return sm_no_memory(minor);
	}
	major = accept_token_1(minor, ctx, cred, input, bindings, output);
	sm_cred_free(&owned);
	if (major == GSS_S_COMPLETE && src_name != NULL)
		major = sm_name_duplicate(minor, ctx->initiator_name, src_name);
	if (GSS_ERROR(major)) {
		if (output != GSS_C_NO_BUFFER) {
			free(output->value);
			clear_buffer(output);
		}
		if (*context == NULL) {
			sm_context_free(&ctx);
		} else {
			/* A continued context stays for gss_delete_sec_context. */
			fail_context(ctx);
		}
		return major;
	}
	*context = ctx;
	if (major == GSS_S_CONTINUE_NEEDED)
		return major;
	if (ret_flags != NULL)
		*ret_flags = ctx->flags;
	if (time_rec != NULL)
		*time_rec = seconds_left(ctx);
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
