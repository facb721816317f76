/*
 * Writes the seed corpora: make_seeds DIR fills DIR/<harness>/ with real
 * tokens and files, each prefixed with the selector byte its harness reads
 * (see the comment at the top of each fuzz_*.c).
 *
 * It runs the same setup as the harnesses (fuzz_common.c: test-only keys,
 * deterministic random stream), so a token made here authenticates there,
 * and every run writes the same bytes.  Each token is checked before it is
 * written: a seed that no longer does what its name says is an error.
 *
 * Run it through "make fuzz-seeds", which empties fuzz/corpus first.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "export.h"
#include "fuzz_common.h"
#include "keyfile.h"
#include "message.h"
#include "msgtoken.h"
#include "names.h"
#include "oids.h"
#include "status.h"
#include "test_only_keys.h"

/* Fixed times, so that sealed tokens do not depend on the clock: created
 * 2024-06-01, not after 2100-01-01 (or, for the expired seed, 2024-06-01
 * plus ten minutes). */
#define SEED_CREATED 1717200000ull
#define SEED_NOT_AFTER 4102444800ull
#define SEED_EXPIRED 1717200600ull
/* Where a serialized state keeps the context's expiry (PROTOCOL.md 7.2). */
#define STATE_EXPIRES_OFFSET 5

static const char *outdir;
static size_t total_bytes, total_files;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("make_seeds: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ---- writing seeds ------------------------------------------------------- */

struct seed {
	unsigned char *data;
	size_t len;
};

static void add(struct seed *s, const void *p, size_t len)
{
	s->data = realloc(s->data, s->len + len + 1);
	if (s->data == NULL)
		die("out of memory");
	if (len > 0)
		memcpy(s->data + s->len, p, len);
	s->len += len;
}

static void add_byte(struct seed *s, unsigned b)
{
	unsigned char c = (unsigned char)b;

	add(s, &c, 1);
}

static void add_buffer(struct seed *s, const gss_buffer_desc *b)
{
	add(s, b->value, b->length);
}

static void add_text(struct seed *s, const char *text)
{
	add(s, text, strlen(text));
}

static void write_seed(const char *harness, const char *name, struct seed *s)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, harness);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		die("cannot make %s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, harness, name);
	f = fopen(path, "wbx");
	if (f == NULL)
		die("cannot create %s: %s (make fuzz-seeds empties the corpus first)", path,
		    strerror(errno));
	if (fwrite(s->data, 1, s->len, f) != s->len || fclose(f) != 0)
		die("cannot write %s", path);
	total_bytes += s->len;
	total_files++;
	free(s->data);
	s->data = NULL;
	s->len = 0;
}

/* One selector byte and a buffer. */
static void seed_buffer(const char *harness, const char *name, unsigned sel,
			const gss_buffer_desc *b)
{
	struct seed s = { NULL, 0 };

	add_byte(&s, sel);
	add_buffer(&s, b);
	write_seed(harness, name, &s);
}

static void seed_text(const char *harness, const char *name, unsigned sel,
		      const char *text)
{
	struct seed s = { NULL, 0 };

	add_byte(&s, sel);
	add_text(&s, text);
	write_seed(harness, name, &s);
}

static void release(gss_buffer_t b)
{
	free(b->value);
	b->value = NULL;
	b->length = 0;
}

/* ---- context tokens -------------------------------------------------------- */

/* Where the version byte of a context token lies: after the RFC 2743
 * framing (60, the DER length, 06, the OID length, the OID) and the token
 * id (2 bytes); PROTOCOL.md sections 4.1 and 4.2. */
static size_t version_offset(const gss_buffer_desc *t)
{
	const unsigned char *p = t->value;
	size_t at = 2 + ((p[1] & 0x80) ? (p[1] & 0x7f) : 0);

	if (t->length < at + 2 || p[0] != 0x60 || p[at] != 0x06 ||
	    p[at + 1] != sm_mech_oid.length || t->length < at + 2 + p[at + 1] + 3)
		die("a context token is not framed as PROTOCOL.md section 4 says");
	at += 2 + p[at + 1] + 2;
	if (p[at] != 2)
		die("a context token is not of protocol version 2");
	return at;
}

/* ---- accept: token 1 ----------------------------------------------------- */

static void accept_seed(const char *name, enum fuzz_identity who,
			enum fuzz_service target, unsigned init_sel, unsigned acc_sel)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc t2b = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL, *acc2 = NULL;
	struct sm_name *src = NULL;

	if (fuzz_initiate_first(who, target, init_sel, &init, &t1) != GSS_S_CONTINUE_NEEDED)
		die("accept/%s: the initiator did not start", name);
	if (fuzz_accept_token(acc_sel, &t1, &acc, &t2, &src) != GSS_S_COMPLETE)
		die("accept/%s: the acceptor refused the token", name);
	/* As the harness does: once more, refused as a replay. */
	if (fuzz_accept_token_again(acc_sel, &t1, &acc2, &t2b, NULL) !=
	    (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN))
		die("accept/%s: the token was accepted twice", name);
	seed_buffer("accept", name, acc_sel, &t1);
	if (strcmp(name, "ik-alice-http") == 0) {
		/* Refused variants of the same token. */
		gss_buffer_desc cut = { 40, t1.value };

		seed_buffer("accept", "truncated", acc_sel, &cut);
		/* A version 1 token 1 is refused (DEFECTIVE_TOKEN). */
		((unsigned char *)t1.value)[version_offset(&t1)] = 1;
		if (fuzz_accept_token(acc_sel, &t1, &acc2, &t2b, NULL) != GSS_S_DEFECTIVE_TOKEN)
			die("accept/wrong-version: not refused as defective");
		seed_buffer("accept", "wrong-version", acc_sel, &t1);
	}
	release(&t1);
	release(&t2);
	release(&t2b);
	sm_name_free(&src);
	sm_context_free(&init);
	sm_context_free(&acc);
	sm_context_free(&acc2);
}

/* A token 1 from an initiator whose clock is `offset` seconds off the
 * acceptor's (FUZZ_CLOCK), refused with `expect`. */
static void skewed_seed(const char *name, long offset, OM_uint32 expect)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL;
	OM_uint32 major;

	fuzz_clock_set(FUZZ_CLOCK + offset);
	major = fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_DETECT, &init, &t1);
	fuzz_clock_set(FUZZ_CLOCK);
	if (major != GSS_S_CONTINUE_NEEDED)
		die("accept/%s: the initiator did not start", name);
	major = fuzz_accept_token(0, &t1, &acc, &t2, NULL);
	if (major != expect)
		die("accept/%s: major %#x, expected %#x", name, major, expect);
	seed_buffer("accept", name, 0, &t1);
	release(&t1);
	sm_context_free(&init);
}

static void accept_seeds(void)
{
	accept_seed("ik-alice-http", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_DETECT, 0);
	accept_seed("ik-alice-host", FUZZ_ALICE, FUZZ_HOST, 0, 0);
	accept_seed("nk-anonymous", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_ANON, FUZZ_ACC_ALLOW_ANON);
	accept_seed("ik-bindings", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_DETECT | FUZZ_INIT_BINDINGS,
		    FUZZ_ACC_BINDINGS);
	accept_seed("ik-mallory-unknown", FUZZ_MALLORY, FUZZ_HTTP, 0, FUZZ_ACC_ALLOW_UNKNOWN);
	/* clock_skew is the default, 300 s. */
	skewed_seed("clock-ahead", 301, GSS_S_FAILURE);
	skewed_seed("clock-behind", -301, GSS_S_FAILURE | GSS_S_OLD_TOKEN);
}

/* ---- initiate: token 2 --------------------------------------------------- */

static void initiate_seed(const char *name, unsigned init_sel, unsigned acc_sel)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER, none = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL;
	OM_uint32 minor;

	if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1) != GSS_S_CONTINUE_NEEDED ||
	    fuzz_accept_token(acc_sel, &t1, &acc, &t2, NULL) != GSS_S_COMPLETE)
		die("initiate/%s: no handshake", name);
	sm_context_free(&init);
	release(&t1);
	/* As the harness does: a new initiator, then token 2. */
	if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1) != GSS_S_CONTINUE_NEEDED ||
	    sm_context_initiate(&minor, NULL, &init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS, &t2,
				&none, NULL, NULL) != GSS_S_COMPLETE)
		die("initiate/%s: the initiator refused token 2", name);
	seed_buffer("initiate", name, init_sel, &t2);
	if (init_sel == FUZZ_INIT_DETECT) {
		gss_buffer_desc cut = { 20, t2.value };

		seed_buffer("initiate", "truncated", init_sel, &cut);
		/* A version 1 token 2 is refused (DEFECTIVE_TOKEN). */
		((unsigned char *)t2.value)[version_offset(&t2)] = 1;
		sm_context_free(&init);
		release(&t1);
		if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1) !=
			    GSS_S_CONTINUE_NEEDED ||
		    sm_context_initiate(&minor, NULL, &init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
					&t2, &none, NULL, NULL) != GSS_S_DEFECTIVE_TOKEN)
			die("initiate/wrong-version: not refused as defective");
		seed_buffer("initiate", "wrong-version", init_sel, &t2);
	}
	release(&t1);
	release(&t2);
	release(&none);
	sm_context_free(&init);
	sm_context_free(&acc);
}

static void initiate_seeds(void)
{
	initiate_seed("ik-detect", FUZZ_INIT_DETECT, 0);
	initiate_seed("ik-plain", 0, 0);
	initiate_seed("nk-anonymous", FUZZ_INIT_ANON, FUZZ_ACC_ALLOW_ANON);
	initiate_seed("nk-anonymous-detect", FUZZ_INIT_ANON | FUZZ_INIT_DETECT, FUZZ_ACC_ALLOW_ANON);
	initiate_seed("ik-bindings", FUZZ_INIT_DETECT | FUZZ_INIT_BINDINGS, FUZZ_ACC_BINDINGS);
}

/* ---- message: per-message tokens ------------------------------------------ */

/* The receiver's verdict on a token, its window put back afterwards, as
 * the harness does. */
static void check_unwrap(struct sm_context *rx, const gss_buffer_desc *token, const char *name)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct sm_seqstate saved = rx->recv;
	OM_uint32 minor;

	if (GSS_ERROR(sm_unwrap(&minor, rx, token, &out, NULL, NULL)))
		die("message/%s: does not unwrap: %s", name, sm_status_sentence(minor));
	rx->recv = saved;
	release(&out);
}

static void check_mic(struct sm_context *rx, const gss_buffer_desc *msg,
		      const gss_buffer_desc *token, const char *name)
{
	struct sm_seqstate saved = rx->recv;
	OM_uint32 minor;

	if (GSS_ERROR(sm_verify_mic(&minor, rx, msg, token, NULL)))
		die("message/%s: does not verify: %s", name, sm_status_sentence(minor));
	rx->recv = saved;
}

static void message_seeds_for(struct fuzz_pair *p, unsigned pair_bit, const char *prefix)
{
	gss_buffer_desc msg = { 13, (void *)"hello, world!" }, empty = { 0, NULL };
	gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
	gss_iov_buffer_desc iov[4];
	unsigned char header[SM_MSG_HEADER_BYTES + SM_MSG_TAG_BYTES], data[13];
	unsigned char trailer[SM_MSG_TAG_BYTES];
	struct sm_context *ctx;
	struct seed s = { NULL, 0 };
	char name[128];
	OM_uint32 minor;
	int from_acceptor;

	for (from_acceptor = 0; from_acceptor < 2; from_acceptor++) {
		/* Sent by one side, so received by the other. */
		struct sm_context *tx = from_acceptor ? p->acc : p->init;
		struct sm_context *rx = from_acceptor ? p->init : p->acc;
		unsigned rx_bit = from_acceptor ? 0x04 : 0;
		const char *dir = from_acceptor ? "acc-to-init" : "init-to-acc";

		ctx = tx;
		if (GSS_ERROR(sm_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &tok)))
			die("wrap: %s", sm_status_sentence(minor));
		check_unwrap(rx, &tok, "wrap-sealed");
		snprintf(name, sizeof(name), "%s-%s-wrap-sealed", prefix, dir);
		seed_buffer("message", name, pair_bit | rx_bit | 0, &tok);
		snprintf(name, sizeof(name), "%s-%s-iov-stream", prefix, dir);
		seed_buffer("message", name, pair_bit | rx_bit | 2, &tok);
		release(&tok);

		if (GSS_ERROR(sm_wrap(&minor, ctx, 0, GSS_C_QOP_DEFAULT, &msg, NULL, &tok)))
			die("wrap: %s", sm_status_sentence(minor));
		check_unwrap(rx, &tok, "wrap-integrity");
		snprintf(name, sizeof(name), "%s-%s-wrap-integrity", prefix, dir);
		seed_buffer("message", name, pair_bit | rx_bit | 0, &tok);
		release(&tok);

		if (GSS_ERROR(sm_wrap(&minor, ctx, 1, GSS_C_QOP_DEFAULT, &empty, NULL, &tok)))
			die("wrap: %s", sm_status_sentence(minor));
		check_unwrap(rx, &tok, "wrap-empty");
		snprintf(name, sizeof(name), "%s-%s-wrap-empty", prefix, dir);
		seed_buffer("message", name, pair_bit | rx_bit | 0, &tok);
		release(&tok);

		if (GSS_ERROR(sm_get_mic(&minor, ctx, GSS_C_QOP_DEFAULT, &msg, &tok)))
			die("get_mic: %s", sm_status_sentence(minor));
		check_mic(rx, &msg, &tok, "mic");
		add_byte(&s, pair_bit | rx_bit | 1);
		add_byte(&s, (unsigned)tok.length);
		add_buffer(&s, &tok);
		add_buffer(&s, &msg);
		snprintf(name, sizeof(name), "%s-%s-mic", prefix, dir);
		write_seed("message", name, &s);
		release(&tok);

		/* IOV: HEADER, SIGN_ONLY, DATA, TRAILER (sealed). */
		memcpy(data, msg.value, sizeof(data));
		memset(iov, 0, sizeof(iov));
		iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
		iov[0].buffer.value = header;
		iov[0].buffer.length = SM_MSG_HEADER_BYTES;
		iov[1].type = GSS_IOV_BUFFER_TYPE_SIGN_ONLY;
		iov[1].buffer.value = (void *)"signed";
		iov[1].buffer.length = 6;
		iov[2].type = GSS_IOV_BUFFER_TYPE_DATA;
		iov[2].buffer.value = data;
		iov[2].buffer.length = sizeof(data);
		iov[3].type = GSS_IOV_BUFFER_TYPE_TRAILER;
		iov[3].buffer.value = trailer;
		iov[3].buffer.length = sizeof(trailer);
		if (GSS_ERROR(sm_wrap_iov(&minor, ctx, 1, GSS_C_QOP_DEFAULT, NULL, iov, 4)))
			die("wrap_iov: %s", sm_status_sentence(minor));
		add_byte(&s, pair_bit | rx_bit | 3);
		add_byte(&s, 6);
		add_text(&s, "signed");
		add(&s, header, SM_MSG_HEADER_BYTES);
		add(&s, data, sizeof(data));
		add(&s, trailer, sizeof(trailer));
		snprintf(name, sizeof(name), "%s-%s-iov-sign-only", prefix, dir);
		write_seed("message", name, &s);

		/* IOV: a 44-byte HEADER (header and tag) and DATA (integrity
		 * only), the DATA given back in two buffers. */
		memcpy(data, msg.value, sizeof(data));
		iov[0].buffer.length = sizeof(header);
		iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
		iov[1].buffer.value = data;
		iov[1].buffer.length = sizeof(data);
		if (GSS_ERROR(sm_wrap_iov(&minor, ctx, 0, GSS_C_QOP_DEFAULT, NULL, iov, 2)))
			die("wrap_iov: %s", sm_status_sentence(minor));
		add_byte(&s, pair_bit | rx_bit | 3 | 0x10 | 0x20);
		add_byte(&s, 0);
		add(&s, header, sizeof(header));
		add(&s, data, sizeof(data));
		snprintf(name, sizeof(name), "%s-%s-iov-header-data", prefix, dir);
		write_seed("message", name, &s);
	}
}

/* Sequence mode: a window, then sequence numbers (big-endian). */
static void sequence_seed(const char *name, unsigned sel, uint64_t next, uint64_t seen,
			  const uint64_t *seqs, int count)
{
	unsigned char b[8];
	struct seed s = { NULL, 0 };
	uint64_t v[2] = { next, seen };
	int i, j;

	add_byte(&s, sel | 0x40);
	for (i = 0; i < 2 + count; i++) {
		uint64_t x = i < 2 ? v[i] : seqs[i - 2];

		for (j = 0; j < 8; j++)
			b[j] = (unsigned char)(x >> (56 - 8 * j));
		add(&s, b, 8);
	}
	write_seed("message", name, &s);
}

static void message_seeds(void)
{
	static const uint64_t in_order[] = { 0, 1, 2, 3 };
	static const uint64_t shuffled[] = { 5, 3, 3, 70, 6, 200, 137, 136 };
	static const uint64_t late[] = { 1000, 999, 900, 1001, 935, 936 };

	struct fuzz_pair named, anonymous;

	/* The harness's pairs: the same keys, and fresh windows. */
	fuzz_pair_establish(FUZZ_PAIR_NAMED, &named);
	fuzz_pair_establish(FUZZ_PAIR_ANONYMOUS, &anonymous);
	message_seeds_for(&named, 0, "named");
	message_seeds_for(&anonymous, 0x08, "anon");
	sequence_seed("named-sequence-in-order", 0, 0, 0, in_order, 4);
	sequence_seed("named-sequence-shuffled", 0x04, 0, 0, shuffled, 8);
	sequence_seed("named-sequence-late-window", 0, 950, 0x5555555555555555ull, late, 6);
	sequence_seed("anon-sequence-shuffled", 0x08, 0, 0, shuffled, 8);
	fuzz_pair_release(&named);
	fuzz_pair_release(&anonymous);
}

/* ---- import: exported contexts ------------------------------------------- */

/* Export a context for real, then seal its state again with fixed times
 * and nonce: the token sm_export_context would have made at that moment.
 * The state goes to state[] (STATE_MAX bytes) and its length is returned. */
#define STATE_MAX 1024
static size_t export_state(struct sm_context **ctx, unsigned char *state)
{
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	struct fuzz_export_header h;
	OM_uint32 minor;
	size_t len;
	int i;

	if (GSS_ERROR(sm_export_context(&minor, ctx, &token)))
		die("export: %s", sm_status_sentence(minor));
	len = fuzz_unseal(&token, &h, state, STATE_MAX);
	if (len < STATE_EXPIRES_OFFSET + 8)
		die("export: the token does not open with the test keyring");
	for (i = 0; i < 8; i++)
		state[STATE_EXPIRES_OFFSET + i] = (unsigned char)(SEED_NOT_AFTER >> (56 - 8 * i));
	release(&token);
	return len;
}

static unsigned import_seeds_made;

static void import_seed(const char *name, const unsigned char *state, size_t len,
			uint32_t key_id, uint8_t flags, uint64_t not_after, OM_uint32 expect)
{
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	struct fuzz_export_header h;
	struct sm_context *ctx = NULL;
	OM_uint32 minor, major;

	memset(&h, 0, sizeof(h));
	h.key_id = key_id;
	h.flags = flags;
	h.uid = flags ? (uint32_t)geteuid() : 0;
	h.created = SEED_CREATED;
	h.not_after = not_after;
	memcpy(h.nonce, "gss-sodium fuzz seed ", 21);
	h.nonce[23] = (unsigned char)++import_seeds_made;
	fuzz_seal(&h, state, len, &token);
	major = sm_import_context(&minor, &token, &ctx);
	if (major != expect)
		die("import/%s: major %#x, expected %#x (%s)", name, major, expect,
		    sm_status_sentence(minor));
	sm_context_free(&ctx);
	seed_buffer("import", name, 0, &token);
	release(&token);
}

static void state_seed(const char *name, unsigned sel, const unsigned char *state, size_t len)
{
	gss_buffer_desc b = { len, (void *)state };

	seed_buffer("import", name, sel, &b);
}

static void import_seeds(void)
{
	unsigned char init_state[STATE_MAX], acc_state[STATE_MAX], anon_state[STATE_MAX];
	size_t init_len, acc_len, anon_len;
	struct fuzz_pair named, anonymous;
	gss_buffer_desc msg = { 2, (void *)"hi" }, tok[3], out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor;
	int i;

	fuzz_pair_establish(FUZZ_PAIR_NAMED, &named);
	fuzz_pair_establish(FUZZ_PAIR_ANONYMOUS, &anonymous);
	/* Some traffic first, received out of order, so the exported
	 * sequence state and replay window are not empty. */
	for (i = 0; i < 3; i++)
		if (GSS_ERROR(sm_wrap(&minor, named.acc, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &tok[i])))
			die("wrap: %s", sm_status_sentence(minor));
	for (i = 2; i >= 0; i -= 2) {
		/* The second one read is older than the first: a supplementary
		 * status, not an error. */
		if (GSS_ERROR(sm_unwrap(&minor, named.init, &tok[i], &out, NULL, NULL)))
			die("unwrap: %s", sm_status_sentence(minor));
		release(&out);
	}
	for (i = 0; i < 3; i++)
		release(&tok[i]);
	init_len = export_state(&named.init, init_state);
	acc_len = export_state(&named.acc, acc_state);
	anon_len = export_state(&anonymous.init, anon_state);
	fuzz_pair_release(&named);
	fuzz_pair_release(&anonymous);

	import_seed("sealed-initiator", init_state, init_len, FUZZ_SEAL_KEY, 0, SEED_NOT_AFTER,
		    GSS_S_COMPLETE);
	import_seed("sealed-acceptor", acc_state, acc_len, FUZZ_SEAL_KEY, 0, SEED_NOT_AFTER,
		    GSS_S_COMPLETE);
	import_seed("sealed-anonymous", anon_state, anon_len, FUZZ_SEAL_KEY, 0, SEED_NOT_AFTER,
		    GSS_S_COMPLETE);
	import_seed("sealed-uid-bound", acc_state, acc_len, FUZZ_SEAL_KEY, 1, SEED_NOT_AFTER,
		    GSS_S_COMPLETE);
	import_seed("retired-key", init_state, init_len, FUZZ_SEAL_KEY_RETIRED, 0,
		    SEED_NOT_AFTER, GSS_S_DEFECTIVE_TOKEN);
	import_seed("expired", init_state, init_len, FUZZ_SEAL_KEY, 0, SEED_EXPIRED,
		    GSS_S_CONTEXT_EXPIRED);

	state_seed("state-initiator", 1, init_state, init_len);
	state_seed("state-acceptor", 1, acc_state, acc_len);
	state_seed("state-anonymous", 1, anon_state, anon_len);
	state_seed("state-uid-bound", 1 | 2, acc_state, acc_len);
	state_seed("state-expired", 1 | 8, init_state, init_len);
}

/* ---- files: key files, settings, keyring, names -------------------------- */

static void files_seeds(void)
{
	char alice_pub[SM_KEY_BASE64_CHARS + 1], text[1024];
	unsigned char priv[SM_KEY_BYTES], pub[SM_KEY_BYTES];
	gss_buffer_desc exported = GSS_C_EMPTY_BUFFER;
	struct sm_name *name;
	OM_uint32 minor;
	size_t got;
	const char *names[] = { "alice", "HTTP@web" };
	int i;

	sodium_base642bin(priv, sizeof(priv), TEST_ONLY_ALICE_PRIVATE,
			  strlen(TEST_ONLY_ALICE_PRIVATE), NULL, &got, NULL,
			  sodium_base64_VARIANT_ORIGINAL);
	crypto_scalarmult_base(pub, priv);
	sm_key_to_base64(pub, alice_pub);

	seed_text("files", "keytab", 0,
		  "# test-only keys\n"
		  "HTTP@web " TEST_ONLY_HTTP_PRIVATE "\n"
		  "\thost@web\t" TEST_ONLY_HOST_PRIVATE "  # a comment\r\n"
		  "\n");
	seed_text("files", "keytab-bad-key", 0, "HTTP@web c2hvcnQ=\n");
	seed_text("files", "keytab-three-fields", 0,
		  "HTTP@web " TEST_ONLY_HTTP_PRIVATE " extra\n");
	seed_text("files", "identity", 1, "alice " TEST_ONLY_ALICE_PRIVATE "\n");
	seed_text("files", "identity-bad-name", 1, "al<ice " TEST_ONLY_ALICE_PRIVATE "\n");
	snprintf(text, sizeof(text), "alice %s\nHTTP@Web.Example %s\n", alice_pub, alice_pub);
	seed_text("files", "peers", 2, text);
	seed_text("files", "peers-no-key", 2, "alice\n");

	seed_text("files", "settings", 3,
		  "# sodium.conf\n"
		  "context_lifetime = 10h\n"
		  "allow_anonymous = yes\n"
		  "allow_unknown_initiators = off\n"
		  "export_max_age = 90m   # short\n"
		  "import_once = true\n"
		  "rcache_dir = /var/tmp/gss-sodium-test\n"
		  "export_bind_uid = 0\n");
	seed_text("files", "settings-bad-duration", 3, "context_lifetime = 2147483648\n");
	seed_text("files", "settings-twice", 3, "import_once = no\nimport_once = yes\n");
	seed_text("files", "settings-unknown", 3, "colour = blue\n");
	seed_text("files", "settings-relative-path", 3, "rcache_dir = tmp\n");

	seed_text("files", "sealkeys", 4,
		  "# sealing keyring\n"
		  "1 " TEST_ONLY_SEAL_KEY_1 " 2024-01-01T00:00:00Z retired\n"
		  "2 " TEST_ONLY_SEAL_KEY_2 " 2024-06-01T00:00:00Z\n");
	seed_text("files", "sealkeys-bad-date", 4,
		  "7 " TEST_ONLY_SEAL_KEY_1 " 2024-02-30T00:00:00Z\n");
	seed_text("files", "sealkeys-leading-zero", 4,
		  "07 " TEST_ONLY_SEAL_KEY_1 " 2024-01-01T00:00:00Z\n");
	seed_text("files", "sealkeys-twice", 4,
		  "4294967295 " TEST_ONLY_SEAL_KEY_1 " 2024-01-01T00:00:00Z\n"
		  "4294967295 " TEST_ONLY_SEAL_KEY_2 " 2024-01-01T00:00:00Z retired\n");

	for (i = 0; i < 2; i++) {
		if (GSS_ERROR(sm_name_from_canonical(&minor, names[i], strlen(names[i]), &name)) ||
		    GSS_ERROR(sm_name_export(&minor, name, &exported)))
			die("name %s", names[i]);
		snprintf(text, sizeof(text), "export-name-%s", i == 0 ? "user" : "service");
		seed_buffer("files", text, 5, &exported);
		if (i == 1) {
			/* The same token naming Kerberos instead. */
			static const unsigned char krb5[] = {
				0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02
			};
			struct seed s = { NULL, 0 };

			add_byte(&s, 5);
			add(&s, "\x04\x01\x00\x0b\x06\x09", 6);
			add(&s, krb5, sizeof(krb5));
			add(&s, "\x00\x00\x00\x08HTTP@web", 12);
			write_seed("files", "export-name-krb5", &s);
		}
		release(&exported);
		sm_name_free(&name);
	}
	if (GSS_ERROR(sm_name_anonymous(&minor, &name)) ||
	    GSS_ERROR(sm_name_export(&minor, name, &exported)))
		die("anonymous name");
	seed_buffer("files", "export-name-anonymous", 5, &exported);
	release(&exported);
	sm_name_free(&name);

	seed_text("files", "name-canonical-service", 6, "HTTP@Web.Example");
	seed_text("files", "name-canonical-user", 6, "alice");
	seed_text("files", "name-hostbased", 7, "host@WEB");
	seed_text("files", "name-hostbased-bare", 7, "HTTP");
	{
		struct seed s = { NULL, 0 };

		add_byte(&s, 8);
		add(&s, "alice", 6);	/* with the NUL some programs count */
		write_seed("files", "name-user-nul", &s);
	}
	seed_text("files", "name-user-at", 8, "alice@REALM");
}

/* ---- resp: a Redis server's replies -------------------------------------- */

/* Replies after the selector byte `first` (fuzz_resp.c), checked to give
 * `replies` replies and then fail for `why` ("" when both calls read one). */
static void resp_seed(const char *name, unsigned first, const char *wire, size_t len,
		      int replies, const char *why)
{
	struct seed s = { NULL, 0 };
	char got[SM_RESP_WHY_MAX];
	int n = fuzz_resp_exchange((const unsigned char *)wire, len, first, got);

	if (n != replies || (why[0] == '\0' ? got[0] != '\0' : strstr(got, why) == NULL))
		die("resp seed %s: %d replies (%s), not %d (%s)", name, n, got, replies, why);
	add_byte(&s, first);
	add(&s, wire, len);
	write_seed("resp", name, &s);
}

static void resp_text(const char *name, unsigned first, const char *wire, int replies,
		      const char *why)
{
	resp_seed(name, first, wire, strlen(wire), replies, why);
}

static void resp_seeds(void)
{
	static const char closed[] = "the server closed the connection";
	char wire[1100];
	size_t len;

	/* Each kind of reply, then the end of the stream. */
	resp_text("status", 0, "+OK\r\n", 1, closed);
	resp_text("error", 0, "-ERR x\r\n", 1, closed);
	resp_text("integer", 0, ":1\r\n", 1, closed);
	resp_text("integer-negative", 0, ":-1795911944\r\n", 1, closed);
	resp_text("nil", 0, "$-1\r\n", 1, closed);
	resp_text("bulk", 0, "$5\r\nhello\r\n", 1, closed);
	resp_text("bulk-empty", 0, "$0\r\n\r\n", 1, closed);
	/* Two back to back: the second is parsed from what the first left. */
	resp_text("two-status-integer", 0, "+OK\r\n:1\r\n", 2, "");
	resp_text("two-bulk-nil", 0, "$5\r\nhello\r\n$-1\r\n", 2, "");
	/* Cut by the server: the second reply's rest arrives after the
	 * first call, in its number, its data and its CRLF; a cut first reply
	 * is not answered in time. */
	resp_text("split-integer", 7, "+OK\r\n:42\r\n", 2, "");
	resp_text("split-bulk", 11, "$-1\r\n$5\r\nhello\r\n", 2, "");
	resp_text("split-crlf", 14, "-ERR x\r\n+PONG\r\n", 2, "");
	resp_text("split-first", 7, "$5\r\nhello\r\n", 0, "no answer within");
	/* The second reply crosses the end of the first read (SM_RESP_BUFFER). */
	len = (size_t)snprintf(wire, sizeof(wire), "$1000\r\n%01000d\r\n$20\r\n%020d\r\n", 0, 0);
	resp_seed("two-across-buffer", 0, wire, len, 2, "");
	/* Malformed. */
	resp_text("array", 0, "*1\r\n:1\r\n", 0, "a reply of a kind this client does not take");
	resp_text("integer-not-digits", 0, ":12x\r\n", 0, "holds no number");
	resp_text("integer-blank", 0, ": 1\r\n", 0, "holds no number");
	resp_seed("integer-nul", 0, ":4\0" "2\r\n", 6, 0, "holds no number");
	resp_text("integer-too-large", 0, ":99999999999999999999\r\n", 0, "holds no number");
	resp_text("bulk-too-long", 0, "$1024\r\n", 0, "longer than this client takes");
	resp_text("bulk-no-crlf", 0, "$3\r\nabcd\r\n", 0, "does not end in CRLF");
	resp_text("line-no-lf", 0, "+OK\rX\n", 0, "does not end in CRLF");
	resp_text("truncated", 0, "$5\r\nhel", 0, closed);
	resp_text("second-malformed", 0, "+OK\r\n:-\r\n", 1, "holds no number");
	memset(wire, 'a', sizeof(wire));
	wire[0] = '+';
	resp_seed("line-too-long", 0, wire, sizeof(wire), 0, "a reply line is too long");
}

int main(int argc, char **argv)
{
	if (argc != 2)
		die("usage: make_seeds DIR");
	outdir = argv[1];
	if (mkdir(outdir, 0755) != 0 && errno != EEXIST)
		die("cannot make %s: %s", outdir, strerror(errno));
	fuzz_setup();
	accept_seeds();
	initiate_seeds();
	message_seeds();
	import_seeds();
	files_seeds();
	resp_seeds();
	printf("make_seeds: %zu seeds, %zu bytes, in %s\n", total_files, total_bytes, outdir);
	return 0;
}
