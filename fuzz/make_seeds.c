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
#include "keyring.h"
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

/* Token 1's pattern (PROTOCOL.md section 4.1): 1 IK, 2 NK, 3 resumed. */
#define PATTERN_RESUME 3
static unsigned pattern_of(const gss_buffer_desc *token1)
{
	return ((const unsigned char *)token1->value)[version_offset(token1) + 1];
}

/* ---- tickets --------------------------------------------------------------- */

/*
 * Tickets for alice's resumed token 1s, besides the one the acceptor
 * issued (fuzz_ticket_issued): sealed by the mechanism (sm_ticket_seal)
 * with the test keyring's key `key_id` and fixed times, for HTTP@web and
 * the initiator `who`.  Held as if valid until the issued one's not-after,
 * so that the initiator sends them.
 */
static void seal_ticket(const char *label, uint32_t key_id, uint64_t not_after,
			enum fuzz_identity who, struct fuzz_ticket *t)
{
	const struct sm_cred *cred = fuzz_initiator_cred(who);
	const struct sm_key_entry *acceptor;
	const struct sm_keyring *ring;
	char path[PATH_MAX];
	size_t from = 0;
	OM_uint32 minor;

	*t = *fuzz_ticket_issued();
	acceptor = sm_keys_find(&fuzz_acceptor_cred()->acceptor, fuzz_service_name(FUZZ_HTTP),
				&from);
	if (acceptor == NULL || GSS_ERROR(sm_keyring_acquire(&minor, &ring, path)) ||
	    sm_keyring_find(ring, key_id) == NULL)
		die("ticket %s: no acceptor key or no keyring key %u", label, key_id);
	/* The nonce is drawn from the random stream. */
	fuzz_rng_reset(label);
	if (GSS_ERROR(sm_ticket_seal(&minor, sm_keyring_find(ring, key_id), SEED_CREATED,
				     (time_t)not_after, t->secret,
				     cred->initiator.entries[0].public_key, acceptor->public_key,
				     cred->initiator.entries[0].name, acceptor->name, t->ticket,
				     &t->len)))
		die("ticket %s: %s", label, sm_status_sentence(minor));
	sm_keyring_release(ring);
}

/* Where a ticket's header keeps its version, flags and key id
 * (PROTOCOL.md 4.6). */
#define TICKET_VERSION_OFFSET 4
#define TICKET_FLAGS_OFFSET 5
#define TICKET_KEY_ID_OFFSET 8

/* The issued ticket with byte `at` changed to `value`. */
static void altered_ticket(size_t at, unsigned value, struct fuzz_ticket *t)
{
	*t = *fuzz_ticket_issued();
	t->ticket[at] = (unsigned char)value;
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
	if ((pattern_of(&t1) == PATTERN_RESUME) != !!(init_sel & FUZZ_INIT_RESUME))
		die("accept/%s: the initiator resumed or not, as it should not", name);
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

/* A resumed token 1 from alice to `target`, holding `held`, whose ticket
 * the acceptor refuses for `reason` with token 3; as the harness does, the
 * same acceptor context then completes alice's full token 1. */
static void refused_seed(const char *name, enum fuzz_service target,
			 const struct fuzz_ticket *held, unsigned acc_sel, unsigned reason)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t3 = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL;
	unsigned got;

	if (fuzz_initiate_holding(FUZZ_ALICE, target, 0, held, &init, &t1) !=
		    GSS_S_CONTINUE_NEEDED ||
	    pattern_of(&t1) != PATTERN_RESUME)
		die("accept/%s: the initiator did not resume", name);
	if (fuzz_accept_token(acc_sel, &t1, &acc, &t3, NULL) != GSS_S_CONTINUE_NEEDED)
		die("accept/%s: the acceptor did not refuse the ticket", name);
	got = fuzz_accept_after_refusal(acc_sel, &acc, &t3);
	if (got != reason)
		die("accept/%s: refused for reason %u, not %u", name, got, reason);
	seed_buffer("accept", name, acc_sel, &t1);
	release(&t1);
	release(&t3);
	sm_context_free(&init);
	sm_context_free(&acc);
}

static void accept_seeds(void)
{
	struct fuzz_ticket t;

	accept_seed("ik-alice-http", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_DETECT, 0);
	accept_seed("ik-alice-host", FUZZ_ALICE, FUZZ_HOST, 0, 0);
	accept_seed("nk-anonymous", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_ANON, FUZZ_ACC_ALLOW_ANON);
	accept_seed("ik-bindings", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_DETECT | FUZZ_INIT_BINDINGS,
		    FUZZ_ACC_BINDINGS);
	accept_seed("ik-mallory-unknown", FUZZ_MALLORY, FUZZ_HTTP, 0, FUZZ_ACC_ALLOW_UNKNOWN);
	accept_seed("ik-no-ticket-issued", FUZZ_ALICE, FUZZ_HTTP, 0, FUZZ_ACC_NO_RESUMPTION);
	accept_seed("ik-no-ticket-asked", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_NO_RESUMPTION, 0);
	/* clock_skew is the default, 300 s. */
	skewed_seed("clock-ahead", 301, GSS_S_FAILURE);
	skewed_seed("clock-behind", -301, GSS_S_FAILURE | GSS_S_OLD_TOKEN);

	/* Resumed with the issued ticket: admitted, then a replay. */
	accept_seed("resumed", FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_RESUME | FUZZ_INIT_DETECT, 0);
	accept_seed("resumed-bindings", FUZZ_ALICE, FUZZ_HTTP,
		    FUZZ_INIT_RESUME | FUZZ_INIT_BINDINGS, FUZZ_ACC_BINDINGS);
	/* Each reason of PROTOCOL.md section 4.2.1 but 2 (no keyring). */
	refused_seed("refused-resumption-off", FUZZ_HTTP, fuzz_ticket_issued(),
		     FUZZ_ACC_NO_RESUMPTION, 1);
	altered_ticket(TICKET_FLAGS_OFFSET, 1, &t);
	refused_seed("refused-malformed", FUZZ_HTTP, &t, 0, 3);
	seal_ticket("retired", FUZZ_SEAL_KEY_RETIRED, SEED_NOT_AFTER, FUZZ_ALICE, &t);
	refused_seed("refused-retired-key", FUZZ_HTTP, &t, 0, 4);
	altered_ticket(fuzz_ticket_issued()->len - 1,
		       fuzz_ticket_issued()->ticket[fuzz_ticket_issued()->len - 1] ^ 0xff, &t);
	refused_seed("refused-forged", FUZZ_HTTP, &t, 0, 5);
	seal_ticket("expired", FUZZ_SEAL_KEY, SEED_EXPIRED, FUZZ_ALICE, &t);
	refused_seed("refused-expired", FUZZ_HTTP, &t, 0, 6);
	/* HTTP@web's ticket, sent to host@web. */
	t = *fuzz_ticket_issued();
	t.target = FUZZ_HOST;
	refused_seed("refused-other-acceptor", FUZZ_HOST, &t, 0, 7);
	/* Sealed for mallory, whom the peers file does not name. */
	seal_ticket("mallory", FUZZ_SEAL_KEY, SEED_NOT_AFTER, FUZZ_MALLORY, &t);
	refused_seed("refused-initiator-key", FUZZ_HTTP, &t, FUZZ_ACC_ALLOW_UNKNOWN, 8);
}

/* ---- initiate: token 2 --------------------------------------------------- */

/* The initiator `init_sel` given `token`: its major; with a token 3, it
 * then completes its fallback as the harness has it do. */
static OM_uint32 initiate_with(unsigned init_sel, const gss_buffer_desc *token)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL;
	OM_uint32 minor, major;

	if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1) !=
	    GSS_S_CONTINUE_NEEDED)
		die("initiate: the initiator did not start");
	major = sm_context_initiate(&minor, NULL, &init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    token, &out, NULL, NULL);
	if (major == GSS_S_CONTINUE_NEEDED)
		fuzz_initiate_after_refusal(&init, &out);
	release(&t1);
	release(&out);
	sm_context_free(&init);
	return major;
}

/* The acceptor's answer (policy `acc_sel`) to the initiator `init_sel`:
 * token 2, or token 3 when it refuses the ticket. */
static void initiate_seed(const char *name, unsigned init_sel, unsigned acc_sel)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL;
	OM_uint32 major;

	major = fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1);
	if (major == GSS_S_CONTINUE_NEEDED)
		major = fuzz_accept_token(acc_sel, &t1, &acc, &t2, NULL);
	if (major != GSS_S_COMPLETE && major != GSS_S_CONTINUE_NEEDED)
		die("initiate/%s: no handshake", name);
	sm_context_free(&init);
	release(&t1);
	/* As the harness does: a new initiator, then token 2 (or 3). */
	if (initiate_with(init_sel, &t2) != major)
		die("initiate/%s: the initiator did not take the acceptor's token", name);
	seed_buffer("initiate", name, init_sel, &t2);
	if (init_sel == FUZZ_INIT_DETECT) {
		gss_buffer_desc cut = { 20, t2.value };

		seed_buffer("initiate", "truncated", init_sel, &cut);
		/* A version 1 token 2 is refused (DEFECTIVE_TOKEN). */
		((unsigned char *)t2.value)[version_offset(&t2)] = 1;
		if (initiate_with(init_sel, &t2) != GSS_S_DEFECTIVE_TOKEN)
			die("initiate/wrong-version: not refused as defective");
		seed_buffer("initiate", "wrong-version", init_sel, &t2);
	}
	release(&t2);
	sm_context_free(&acc);
}

/* The acceptor's (`acc_sel`) answer to the initiator `init_sel`, its byte
 * `at` from the end xored with `flip`, given to the initiator `to_sel`,
 * which must answer `expect`. */
static void initiate_altered(const char *name, unsigned init_sel, unsigned acc_sel,
			     size_t at, unsigned flip, unsigned to_sel, OM_uint32 expect)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t = GSS_C_EMPTY_BUFFER;
	struct sm_context *init = NULL, *acc = NULL;
	OM_uint32 major;

	if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, init_sel, &init, &t1) !=
	    GSS_S_CONTINUE_NEEDED)
		die("initiate/%s: the initiator did not start", name);
	(void)fuzz_accept_token(acc_sel, &t1, &acc, &t, NULL);
	if (t.length <= at)
		die("initiate/%s: the acceptor's token is too short", name);
	((unsigned char *)t.value)[t.length - 1 - at] ^= (unsigned char)flip;
	major = initiate_with(to_sel, &t);
	if (major != expect)
		die("initiate/%s: major %#x, expected %#x", name, major, expect);
	seed_buffer("initiate", name, to_sel, &t);
	release(&t1);
	release(&t);
	sm_context_free(&init);
	sm_context_free(&acc);
}

static void initiate_seeds(void)
{
	const unsigned resume = FUZZ_INIT_RESUME;

	/* A named initiator asks for a ticket: its token 2s end with one. */
	initiate_seed("ik-detect", FUZZ_INIT_DETECT, 0);
	initiate_seed("ik-plain", 0, 0);
	initiate_seed("nk-anonymous", FUZZ_INIT_ANON, FUZZ_ACC_ALLOW_ANON);
	initiate_seed("nk-anonymous-detect", FUZZ_INIT_ANON | FUZZ_INIT_DETECT, FUZZ_ACC_ALLOW_ANON);
	initiate_seed("ik-bindings", FUZZ_INIT_DETECT | FUZZ_INIT_BINDINGS, FUZZ_ACC_BINDINGS);
	initiate_seed("ik-no-ticket-issued", 0, FUZZ_ACC_NO_RESUMPTION);
	initiate_seed("ik-no-ticket-asked", FUZZ_INIT_NO_RESUMPTION, 0);
	/* The ticket's last byte changed: its box does not open. */
	initiate_altered("ik-ticket-altered", 0, 0, 0, 0xff, 0, GSS_S_DEFECTIVE_TOKEN);
	/* Resumed with the issued ticket: token 2 carries none. */
	initiate_seed("resumed", resume, 0);
	initiate_seed("resumed-detect-bindings", resume | FUZZ_INIT_DETECT | FUZZ_INIT_BINDINGS,
		      FUZZ_ACC_BINDINGS);
	/* Token 3 (reason 1, resumption = no), to an initiator that resumed
	 * and falls back; with its reason (16 bytes from the end, before the
	 * tag) or its tag changed; and to one that did not resume. */
	initiate_seed("refused", resume, FUZZ_ACC_NO_RESUMPTION);
	initiate_altered("refused-other-reason", resume, FUZZ_ACC_NO_RESUMPTION, 16, 0xfe, resume,
			 GSS_S_DEFECTIVE_TOKEN);
	initiate_altered("refused-tag-altered", resume, FUZZ_ACC_NO_RESUMPTION, 0, 0x01, resume,
			 GSS_S_DEFECTIVE_TOKEN);
	initiate_altered("refused-not-resuming", resume, FUZZ_ACC_NO_RESUMPTION, 0, 0, 0,
			 GSS_S_DEFECTIVE_TOKEN);
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

/* ---- ticket: tickets and the ticket cache file ----------------------------- */

/* A ticket for the harness's selector `sel` (0 header, 1 open), checked
 * to parse (sel 0) or to give the verdict `expect` (sel 1). */
static void ticket_seed(const char *name, unsigned sel, const struct fuzz_ticket *t,
			int expect)
{
	gss_buffer_desc b = { t->len, (void *)t->ticket };
	struct sm_ticket_contents c;
	struct sm_ticket_header h;
	OM_uint32 minor;
	int got;

	if (sel == 0)
		got = !GSS_ERROR(sm_ticket_header_parse(&minor, t->ticket, t->len, &h));
	else
		got = (int)fuzz_ticket_open(t->ticket, t->len, &c);
	if (got != expect)
		die("ticket/%s: %d, expected %d", name, got, expect);
	if (sel == 1)
		sm_ticket_contents_clear(&c);
	seed_buffer("ticket", name, sel, &b);
}

static void add_name(struct seed *s, enum sm_name_kind kind, const char *text, size_t len)
{
	add_byte(s, kind);
	add_byte(s, (unsigned)len);
	add(s, text, len);
}

/* Contents for the harness to seal (selector 2): the issued ticket's, with
 * the initiator's name `initiator` (whose kind is a user's) of len bytes,
 * checked to give the verdict `expect`. */
static void contents_seed(const char *name, const char *initiator, size_t len,
			  enum sm_ticket_verdict expect)
{
	const struct fuzz_ticket *issued = fuzz_ticket_issued();
	struct sm_ticket_contents c, got;
	struct seed s = { NULL, 0 };

	if (fuzz_ticket_open(issued->ticket, issued->len, &c) != SM_TICKET_OPENED)
		die("ticket/%s: the issued ticket does not open", name);
	add_byte(&s, 2);
	add(&s, c.secret, SM_RESUMPTION_SECRET_BYTES);
	add(&s, c.initiator_key, SM_KEY_BYTES);
	add(&s, c.acceptor_key, SM_KEY_BYTES);
	add_name(&s, SM_NAME_USER, initiator, len);
	add_name(&s, c.acceptor_kind, c.acceptor_name, strlen(c.acceptor_name));
	sm_ticket_contents_clear(&c);
	if (fuzz_ticket_open_contents(s.data + 1, s.len - 1, &got) != expect)
		die("ticket/%s: not the verdict expected", name);
	sm_ticket_contents_clear(&got);
	write_seed("ticket", name, &s);
}

/* The ticket cache file text[len] (selector 3, and 4 to rewrite it),
 * checked to give alice's ticket to HTTP@web or not. */
static void file_seed(const char *name, unsigned sel, const char *text, int found)
{
	struct seed s = { NULL, 0 };

	if (fuzz_tickets_file((const unsigned char *)text, strlen(text), sel & 4) != found)
		die("ticket/%s: the ticket was %sfound", name, found ? "not " : "");
	add_byte(&s, sel);
	add_text(&s, text);
	write_seed("ticket", name, &s);
}

/* The line the mechanism writes for `t` (TARGET INITIATOR-KEY PEER-KEY
 * NOT-AFTER SECRET TICKET), as a string. */
static char *file_line(const struct fuzz_ticket *t)
{
	unsigned char *text;
	size_t len;

	fuzz_tickets_file_of(t, &text, &len);
	text[len] = '\0';
	if (len == 0 || text[len - 1] != '\n' || strchr((char *)text, '\n') != (char *)text + len - 1)
		die("ticket: the mechanism wrote %zu bytes, not one line", len);
	return (char *)text;
}

/* `line` with its field i (from 0) replaced by `value`, into out[cap]. */
static void line_with(const char *line, int i, const char *value, char *out, size_t cap)
{
	const char *start = line, *end;
	int n;

	for (n = 0; n < i; n++)
		start = strchr(start, ' ') + 1;
	end = start + strcspn(start, " \n");
	if (snprintf(out, cap, "%.*s%s%s", (int)(start - line), line, value, end) >= (int)cap)
		die("ticket: a line does not fit");
}

static void ticket_seeds(void)
{
	const struct fuzz_ticket *issued = fuzz_ticket_issued();
	struct fuzz_ticket t;
	char text[4 * SM_TICKET_MAX], field[64], *line;

	ticket_seed("header", 0, issued, 1);
	altered_ticket(TICKET_VERSION_OFFSET, 1, &t);
	ticket_seed("header-version-1", 0, &t, 0);

	ticket_seed("open", 1, issued, SM_TICKET_OPENED);
	seal_ticket("retired", FUZZ_SEAL_KEY_RETIRED, SEED_NOT_AFTER, FUZZ_ALICE, &t);
	ticket_seed("open-retired-key", 1, &t, SM_TICKET_UNKNOWN_KEY);
	altered_ticket(TICKET_KEY_ID_OFFSET + 3, 9, &t);
	ticket_seed("open-unknown-key", 1, &t, SM_TICKET_UNKNOWN_KEY);
	altered_ticket(issued->len - 1, issued->ticket[issued->len - 1] ^ 0xff, &t);
	ticket_seed("open-forged", 1, &t, SM_TICKET_FORGED);
	seal_ticket("expired", FUZZ_SEAL_KEY, SEED_EXPIRED, FUZZ_ALICE, &t);
	ticket_seed("open-expired", 1, &t, SM_TICKET_EXPIRED);

	contents_seed("contents", "alice", 5, SM_TICKET_OPENED);
	contents_seed("contents-name-nul", "al\0ce", 5, SM_TICKET_MALFORMED);

	line = file_line(issued);
	file_seed("file", 3, line, 1);
	/* Another target's line, a comment and a blank line kept by the
	 * rewrite; ours dropped. */
	line_with(line, 0, "host@web", text, sizeof(text));
	snprintf(text + strlen(text), sizeof(text) - strlen(text), "# a comment\n\n%s", line);
	file_seed("file-rewrite", 3 | 4, text, 1);
	/* Another peer key (alice's own): the ticket is dropped. */
	snprintf(field, sizeof(field), "%.*s", (int)strcspn(line + strcspn(line, " ") + 1, " "),
		 line + strcspn(line, " ") + 1);
	line_with(line, 2, field, text, sizeof(text));
	file_seed("file-other-peer-key", 3, text, 0);
	/* A not-after that is not the ticket's: the line is malformed. */
	snprintf(field, sizeof(field), "%llu", (unsigned long long)issued->not_after + 1);
	line_with(line, 3, field, text, sizeof(text));
	file_seed("file-not-after-differs", 3, text, 0);
	free(line);
	/* An expired ticket: read, then dropped. */
	seal_ticket("expired", FUZZ_SEAL_KEY, SEED_EXPIRED, FUZZ_ALICE, &t);
	t.not_after = SEED_EXPIRED;
	line = file_line(&t);
	file_seed("file-expired", 3, line, 0);
	free(line);
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
	ticket_seeds();
	resp_seeds();
	printf("make_seeds: %zu seeds, %zu bytes, in %s\n", total_files, total_bytes, outdir);
	return 0;
}
