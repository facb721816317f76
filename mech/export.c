/*
 * Sealed context transfer: gss_export_sec_context and
 * gss_import_sec_context.
 *
 * Token: a 56-byte header, then crypto_secretbox (XSalsa20-Poly1305) of the
 * serialized context under a key derived from the keyring key and the whole
 * header (keyed BLAKE2b-256), with the header's random nonce.  Any change
 * of a header byte changes the key, so the box no longer opens.
 *   magic "sodX" | u8 version 2 | u8 flags (01: uid-bound) | u16 0 |
 *   u32 key id | u64 created | u64 not-after | u32 uid | nonce (24)
 * Import checks, in order: header shape, known key id, the box opens,
 * not-after, policy (uid binding, import once), then builds the context.
 */
#include "config.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "clock.h"
#include "export.h"
#include "init.h"
#include "keyring.h"
#include "rcache.h"
#include "secmem.h"
#include "status.h"
#include "trace.h"

#define STATE_MAX SM_SECMEM_LARGE_SLOT_SIZE

/* ---- nonces -------------------------------------------------------------- */

/* Export nonces must be unique, not secret: a random prefix per process
 * (drawn again in a forked child) and a counter, so an export makes no
 * system call for randomness. */
#define NONCE_PREFIX_BYTES 16
static pthread_once_t nonce_once = PTHREAD_ONCE_INIT;
static unsigned char nonce_prefix[NONCE_PREFIX_BYTES];
static uint64_t nonce_counter;

static void nonce_reseed(void)
{
	randombytes_buf(nonce_prefix, sizeof(nonce_prefix));
	nonce_counter = 0;
}

static void nonce_start(void)
{
	nonce_reseed();
	pthread_atfork(NULL, NULL, nonce_reseed);
}

static void next_nonce(unsigned char nonce[SM_EXPORT_NONCE_BYTES])
{
	uint64_t n;
	int i;

	pthread_once(&nonce_once, nonce_start);
	n = __atomic_fetch_add(&nonce_counter, 1, __ATOMIC_RELAXED);
	memcpy(nonce, nonce_prefix, NONCE_PREFIX_BYTES);
	for (i = 0; i < 8; i++)
		nonce[NONCE_PREFIX_BYTES + i] = (unsigned char)(n >> (8 * i));
}

/* ---- the header --------------------------------------------------------- */

_Static_assert(SM_EXPORT_HEADER_BYTES == 4 + 1 + 1 + 2 + 4 + 8 + 8 + 4 + SM_EXPORT_NONCE_BYTES,
	       "the header's fields fill it");

/* Fills out[SM_EXPORT_HEADER_BYTES] exactly, or returns 0. */
static int write_header(unsigned char *out, const struct sm_export_header *h)
{
	struct sm_writer w;

	sm_writer_init_fixed(&w, out, SM_EXPORT_HEADER_BYTES);
	sm_write_bytes(&w, SM_EXPORT_MAGIC, 4);
	sm_write_u8(&w, SM_EXPORT_VERSION);
	sm_write_u8(&w, h->flags);
	sm_write_u16be(&w, 0);
	sm_write_u32be(&w, h->key_id);
	sm_write_u64be(&w, h->created);
	sm_write_u64be(&w, h->not_after);
	sm_write_u32be(&w, h->uid);
	sm_write_bytes(&w, h->nonce, sizeof(h->nonce));
	return sm_writer_full(&w);
}

static OM_uint32 bad_shape(OM_uint32 *minor, const char *why)
{
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
		       "the exported context token %s", why);
}

OM_uint32 sm_export_header_parse(OM_uint32 *minor, const void *token, size_t len,
				 struct sm_export_header *h)
{
	const unsigned char *magic, *nonce;
	struct sm_reader r;
	uint16_t reserved;

	sm_reader_init(&r, token, len);
	magic = sm_read_bytes(&r, 4);
	if (magic == NULL || memcmp(magic, SM_EXPORT_MAGIC, 4) != 0)
		return bad_shape(minor, "is not a gss-sodium exported context (no 'sodX' magic)");
	h->version = sm_read_u8(&r);
	h->flags = sm_read_u8(&r);
	reserved = sm_read_u16be(&r);
	h->key_id = sm_read_u32be(&r);
	h->created = sm_read_u64be(&r);
	h->not_after = sm_read_u64be(&r);
	h->uid = sm_read_u32be(&r);
	nonce = sm_read_bytes(&r, sizeof(h->nonce));
	if (nonce == NULL)
		return bad_shape(minor, "is shorter than its header");
	if (h->version != SM_EXPORT_VERSION)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_VERSION,
			       "the exported context token has format version %u; this mechanism reads version %u",
			       h->version, SM_EXPORT_VERSION);
	if ((h->flags & ~SM_EXPORT_FLAG_UID_BOUND) != 0 || reserved != 0)
		return bad_shape(minor, "has header bits this version does not define");
	memcpy(h->nonce, nonce, sizeof(h->nonce));
	memcpy(h->bytes, token, SM_EXPORT_HEADER_BYTES);
	if (r.left < crypto_secretbox_MACBYTES)
		return bad_shape(minor, "is shorter than its header and tag");
	h->sealed_len = r.left;
	return sm_ok(minor);
}

/* ---- the serialized context --------------------------------------------- */

static void write_name(struct sm_writer *w, const struct sm_name *n)
{
	size_t len = strlen(n->text);

	sm_write_u8(w, (uint8_t)n->kind);
	sm_write_u16be(w, (uint16_t)len);
	sm_write_bytes(w, n->text, len);
}

static void write_state(struct sm_writer *w, const struct sm_context *ctx)
{
	sm_write_u8(w, (uint8_t)ctx->initiator);
	sm_write_u32be(w, ctx->flags);
	sm_write_u64be(w, (uint64_t)ctx->expires);
	write_name(w, ctx->initiator_name);
	write_name(w, ctx->acceptor_name);
	sm_write_bytes(w, ctx->keys, SM_CONTEXT_KEYS);
	sm_write_u64be(w, ctx->send_seq);
	sm_write_u64be(w, ctx->recv.next);
	sm_write_u64be(w, ctx->recv.seen);
}

static OM_uint32 read_name(OM_uint32 *minor, struct sm_reader *r, struct sm_name **out)
{
	uint8_t kind = sm_read_u8(r);
	uint16_t len = sm_read_u16be(r);
	const unsigned char *text = sm_read_bytes(r, len);

	/* The state was sealed by this mechanism: the names were checked
	 * when they were made; only their shape is checked again. */
	if (text == NULL || kind > SM_NAME_ANONYMOUS ||
	    GSS_ERROR(sm_name_restore(minor, (enum sm_name_kind)kind, (const char *)text, len,
				      out)))
		return bad_shape(minor, "holds a malformed name");
	return sm_ok(minor);
}

static OM_uint32 read_state(OM_uint32 *minor, const unsigned char *state, size_t len,
			    struct sm_context *ctx)
{
	const unsigned char *keys;
	struct sm_reader r;
	uint64_t expires;
	uint8_t role;
	OM_uint32 major;

	sm_reader_init(&r, state, len);
	role = sm_read_u8(&r);
	ctx->flags = sm_read_u32be(&r);
	expires = sm_read_u64be(&r);
	/* An open context's flags: all every context has, and no unknown one. */
	if (r.failed || role > 1 || expires == 0 || expires > (uint64_t)SM_TIME_MAX ||
	    (ctx->flags & ~SM_FLAGS_OPEN_ALL) != 0 ||
	    (ctx->flags & (SM_FLAGS_ALWAYS | GSS_C_PROT_READY_FLAG)) !=
		    (SM_FLAGS_ALWAYS | GSS_C_PROT_READY_FLAG))
		return bad_shape(minor, "holds a malformed context");
	ctx->expires = (time_t)expires;
	ctx->initiator = role;
	major = read_name(minor, &r, &ctx->initiator_name);
	if (!GSS_ERROR(major))
		major = read_name(minor, &r, &ctx->acceptor_name);
	if (GSS_ERROR(major))
		return major;
	keys = sm_read_bytes(&r, SM_CONTEXT_KEYS);
	ctx->send_seq = sm_read_u64be(&r);
	sm_seqstate_init(&ctx->recv, sm_read_u64be(&r),
			 !!(ctx->flags & GSS_C_REPLAY_FLAG), !!(ctx->flags & GSS_C_SEQUENCE_FLAG));
	ctx->recv.seen = sm_read_u64be(&r);
	if (keys == NULL || !sm_reader_done(&r))
		return bad_shape(minor, "holds a malformed context");
	ctx->keys = sm_secmem_alloc(SM_CONTEXT_KEYS);
	if (ctx->keys == NULL)
		return sm_no_memory(minor);
	memcpy(ctx->keys, keys, SM_CONTEXT_KEYS);
	/* A new instance: its nonces differ from any other import's. */
	randombytes_buf(ctx->instance, sizeof(ctx->instance));
	ctx->state = SM_CTX_OPEN;
	return sm_ok(minor);
}

/* ---- export ------------------------------------------------------------- */

/* Seal `ctx` into a token; the context is not changed. */
static OM_uint32 seal(OM_uint32 *minor, const struct sm_context *ctx,
		      const struct sm_seal_key *key, gss_buffer_t token)
{
	const struct sm_settings *settings = sm_current_settings();
	unsigned char k[crypto_secretbox_KEYBYTES], *state, *out;
	struct sm_export_header h;
	struct sm_writer sw;
	time_t now = sm_clock_now();
	size_t total;

	memset(&h, 0, sizeof(h));
	h.flags = settings->export_bind_uid ? SM_EXPORT_FLAG_UID_BOUND : 0;
	h.key_id = key->id;
	h.created = (uint64_t)now;
	h.not_after = (uint64_t)ctx->expires;
	if (settings->export_max_age > 0 && now + (time_t)settings->export_max_age < ctx->expires)
		h.not_after = (uint64_t)(now + (time_t)settings->export_max_age);
	h.uid = settings->export_bind_uid ? (uint32_t)geteuid() : 0;
	next_nonce(h.nonce);

	/* The state holds the context's keys: it is built in locked memory. */
	state = sm_secmem_alloc(STATE_MAX);
	if (state == NULL)
		return sm_no_memory(minor);
	sm_writer_init_fixed(&sw, state, STATE_MAX);
	write_state(&sw, ctx);
	/* One allocation of the exact size: header, then the box. */
	total = SM_EXPORT_HEADER_BYTES + crypto_secretbox_MACBYTES + sw.len;
	out = sw.failed ? NULL : malloc(total);
	if (out != NULL && !write_header(out, &h)) {
		free(out);
		out = NULL;
	}
	if (out != NULL) {
		sm_seal_key_for_header(key, SM_SEAL_EXPORT, out, SM_EXPORT_HEADER_BYTES, k);
		crypto_secretbox_easy(out + SM_EXPORT_HEADER_BYTES, state, sw.len, h.nonce, k);
		sodium_memzero(k, sizeof(k));
	}
	sm_secmem_free(state);
	if (out == NULL)
		return sm_no_memory(minor);
	token->value = out;
	token->length = total;
	sm_trace("export: context with '%s' sealed with key %u, %zu bytes, not after %llu",
		 ctx->initiator ? ctx->acceptor_name->text : ctx->initiator_name->text,
		 key->id, total, (unsigned long long)h.not_after);
	return sm_ok(minor);
}

OM_uint32 sm_export_context(OM_uint32 *minor, struct sm_context **context,
			    gss_buffer_t token)
{
	const struct sm_keyring *ring = NULL;
	const struct sm_seal_key *key;
	char path[PATH_MAX];
	OM_uint32 major;

	token->length = 0;
	token->value = NULL;
	if (*context == NULL)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT, NULL);
	major = sm_init(minor);
	if (GSS_ERROR(major))
		return major;
	if ((*context)->state != SM_CTX_OPEN)
		return sm_fail(minor, GSS_S_UNAVAILABLE, GSS_SODIUM_S_CONTEXT_NOT_OPEN,
			       "gss_export_sec_context: the context is not established; finish the handshake before exporting it");
	major = sm_context_usable(minor, *context, "gss_export_sec_context");
	if (GSS_ERROR(major))
		return major;
	major = sm_keyring_acquire(minor, &ring, path);
	if (GSS_ERROR(major))
		return major;
	key = sm_keyring_sealing_key(ring, sm_clock_now());
	if (key == NULL)
		major = sm_fail(minor, GSS_S_UNAVAILABLE, GSS_SODIUM_S_NO_SEALING_KEY,
				"gss_export_sec_context: %s holds no sealing key that is not retired and may seal now; create one with 'gss-sodium sealkey new -f %s'",
				path, path);
	else
		major = seal(minor, *context, key, token);
	sm_keyring_release(ring);
	if (GSS_ERROR(major))
		return major;
	/* RFC 2743: a successful export ends the context in this process. */
	sm_context_free(context);
	return sm_ok(minor);
}

/* ---- import ------------------------------------------------------------- */

/* Open the box into locked memory; returns the state's length or 0. */
static size_t open_box(const struct sm_export_header *h, const unsigned char *sealed,
		       const struct sm_seal_key *key, unsigned char *state)
{
	unsigned char k[crypto_secretbox_KEYBYTES];
	size_t len = h->sealed_len - crypto_secretbox_MACBYTES;
	int failed;

	if (len > STATE_MAX)
		return 0;
	sm_seal_key_for_header(key, SM_SEAL_EXPORT, h->bytes, SM_EXPORT_HEADER_BYTES, k);
	failed = crypto_secretbox_open_easy(state, sealed, h->sealed_len, h->nonce, k) != 0;
	sodium_memzero(k, sizeof(k));
	return failed ? 0 : len;
}

/* The nonce's last 16 bytes (8 random bytes of the exporting process and
 * its counter) identify the token in the import-once replay cache. */
static const unsigned char *token_id(const struct sm_export_header *h)
{
	return h->nonce + SM_EXPORT_NONCE_BYTES - SM_RCACHE_ID_MIN;
}

/* The token's times and the policy, on an authentic token, against one
 * reading of the clock. */
static OM_uint32 admit(OM_uint32 *minor, const struct sm_export_header *h, const char *keyring,
		       const unsigned char scope[SM_RCACHE_SCOPE_BYTES], time_t now,
		       struct sm_rcache_probe *probe)
{
	const struct sm_settings *settings = sm_current_settings();
	struct sm_rcache_answer answer;
	OM_uint32 major;

	if (h->created > (uint64_t)now + settings->clock_skew)
		return sm_fail(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_SEALED_TOKEN_FUTURE,
			       "the exported context token was created %llu seconds ahead of this host's clock, more than clock_skew (%lu s) allows; check the clocks of the exporting and the importing host",
			       (unsigned long long)(h->created - (uint64_t)now),
			       settings->clock_skew);
	if ((uint64_t)now > h->not_after)
		return sm_fail(minor, GSS_S_CONTEXT_EXPIRED, GSS_SODIUM_S_SEALED_TOKEN_EXPIRED,
			       "the exported context token expired %llu seconds ago",
			       (unsigned long long)((uint64_t)now - h->not_after));
	if ((h->flags & SM_EXPORT_FLAG_UID_BOUND) && h->uid != (uint32_t)geteuid())
		return sm_fail(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_WRONG_UID,
			       "the exported context token is bound to uid %u; this process runs as uid %u",
			       h->uid, (unsigned)geteuid());
	if (!settings->import_once)
		return sm_ok(minor);
	major = sm_rcache_record(minor, SM_RCACHE_IMPORT, keyring, scope, token_id(h),
				 SM_RCACHE_ID_MIN, now, (time_t)h->not_after, probe, &answer);
	if (GSS_ERROR(major))
		return major;
	if (answer.verdict == SM_RCACHE_SEEN)
		return sm_fail(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_TOKEN_REPLAYED, NULL);
	if (answer.verdict == SM_RCACHE_TOO_OLD)
		return sm_fail(minor, GSS_S_CONTEXT_EXPIRED, GSS_SODIUM_S_SEALED_TOKEN_EXPIRED,
			       "the exported context token expired %llu seconds before the import-once replay cache's clock, which runs %lld seconds ahead of this host's (the clock was stepped back); it is refused because its record may be gone",
			       (unsigned long long)((uint64_t)answer.clock - h->not_after),
			       (long long)(answer.clock - now));
	return sm_ok(minor);
}

OM_uint32 sm_import_context(OM_uint32 *minor, const gss_buffer_desc *token,
			    struct sm_context **context)
{
	const struct sm_keyring *ring = NULL;
	const struct sm_seal_key *key;
	struct sm_rcache_probe probe = { NULL, 0, { 0 } };
	unsigned char scope[SM_RCACHE_SCOPE_BYTES];
	struct sm_export_header h;
	struct sm_context *ctx = NULL;
	unsigned char *state = NULL;
	char path[PATH_MAX];
	size_t state_len = 0;
	OM_uint32 major;

	*context = NULL;
	major = sm_init(minor);
	if (!GSS_ERROR(major))
		major = sm_export_header_parse(minor, token->value, token->length, &h);
	if (!GSS_ERROR(major))
		major = sm_keyring_acquire(minor, &ring, path);
	if (GSS_ERROR(major))
		return major;
	/* The replay cache's memory loads while the box opens. */
	if (sm_current_settings()->import_once)
		sm_rcache_prefetch(SM_RCACHE_IMPORT, path, token_id(&h), SM_RCACHE_ID_MIN, &probe);
	key = sm_keyring_find(ring, h.key_id);
	if (key == NULL || key->retired) {
		major = sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_UNKNOWN_SEALING_KEY,
				"the exported context was sealed with key %u, which %s %s",
				h.key_id, key == NULL ? "this keyring does not hold:" : "is retired in",
				path);
	} else if ((state = sm_secmem_alloc(STATE_MAX)) == NULL) {
		major = sm_no_memory(minor);
	} else if ((state_len = open_box(&h, (const unsigned char *)token->value +
					 SM_EXPORT_HEADER_BYTES, key, state)) == 0) {
		major = sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_SEALED_TOKEN_FORGED, NULL);
	}
	if (!GSS_ERROR(major))
		memcpy(scope, key->scope, sizeof(scope));
	sm_keyring_release(ring);
	if (!GSS_ERROR(major))
		major = admit(minor, &h, path, scope, sm_clock_now(), &probe);
	sm_rcache_release(&probe);
	if (!GSS_ERROR(major)) {
		ctx = sm_context_new();
		major = ctx == NULL ? sm_no_memory(minor)
				    : read_state(minor, state, state_len, ctx);
	}
	sm_secmem_free(state);
	if (GSS_ERROR(major)) {
		sm_context_free(&ctx);
		return major;
	}
	sm_trace("import: context with '%s' opened from key %u",
		 ctx->initiator ? ctx->acceptor_name->text : ctx->initiator_name->text, h.key_id);
	*context = ctx;
	return sm_ok(minor);
}
