/*
 * Shared by the libFuzzer harnesses and the seed generator: a private
 * temporary directory with the test-only key files and settings (named
 * through the environment), a deterministic random stream, credentials
 * acquired once, and the handshake and sealing steps the harnesses and the
 * seeds must perform identically.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "context.h"
#include "creds.h"
#include "resp.h"
#include "settings.h"
#include "ticket.h"

/*
 * Once per process (LLVMFuzzerInitialize, or the seed generator's main):
 * install the deterministic random stream (before sodium_init), make
 * ${TMPDIR:-/tmp}/gss-sodium-fuzz-XXXXXX with the key files, the sealing
 * keyring and the settings, point GSS_SODIUM_* at them, initialise the
 * mechanism, acquire the credentials and make the acceptor's handshake
 * replay cache (in the directory's rcache/).  The directory is removed at
 * exit.  Any failure aborts.
 */
void fuzz_setup(void);
const char *fuzz_tmpdir(void);

/* With FUZZ_VERBOSE=1 in the environment, print each call's outcome to
 * standard error (for checking what a seed or a crash input reaches). */
void fuzz_report(const char *call, OM_uint32 major, OM_uint32 minor);

/* Print a message and abort (a crash to libFuzzer). */
void fuzz_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* Restart the random stream at the point named by `label`: everything the
 * mechanism draws afterwards (ephemeral keys, export nonces) is fixed. */
void fuzz_rng_reset(const char *label);

/*
 * The clock: time(), in the mechanism and here, is FUZZ_CLOCK
 * (2025-01-01T00:00:00Z) in every harness and in the seed generator, which
 * are linked with -Wl,--wrap=time.  A token 1 carries its maker's time, so
 * a seed made at another time would be refused once clock_skew had passed,
 * and a token 2 seed would answer no token 1 the harness makes.  The seed
 * generator moves the clock to make token 1s from a skewed initiator.
 */
#define FUZZ_CLOCK ((time_t)1735689600)
void fuzz_clock_set(time_t t);

/* ---- credentials and names ----------------------------------------------- */

enum fuzz_identity { FUZZ_ALICE, FUZZ_MALLORY };
enum fuzz_service { FUZZ_HTTP, FUZZ_HOST };

struct sm_cred *fuzz_initiator_cred(enum fuzz_identity who);
struct sm_cred *fuzz_acceptor_cred(void);
const struct sm_name *fuzz_service_name(enum fuzz_service which);

/* The channel bindings both sides give when asked to. */
gss_channel_bindings_t fuzz_bindings(void);

/* ---- settings ------------------------------------------------------------ */

/*
 * The process's settings are read once; the harnesses change a few of them
 * per input through this pointer (the object itself is not const) and put
 * them back afterwards.
 */
struct sm_settings *fuzz_settings(void);

/* ---- handshake ----------------------------------------------------------- */

/* Initiator selector bits (fuzz_initiate's first input byte). */
#define FUZZ_INIT_ANON 0x01	/* GSS_C_ANON_FLAG: Noise NK */
#define FUZZ_INIT_DETECT 0x02	/* request REPLAY and SEQUENCE detection */
#define FUZZ_INIT_BINDINGS 0x04	/* give channel bindings */
#define FUZZ_INIT_RESUME 0x08	/* hold the issued ticket: a named initiator
				 * to HTTP@web resumes (pattern 3) */
#define FUZZ_INIT_NO_RESUMPTION 0x10	/* resumption = no: no ticket asked
					 * for, none used */
#define FUZZ_INIT_BITS 0x1f

/*
 * A ticket as an initiator holds it (mech/tickets.h), for `target` as
 * seen by either identity: the ticket, its resumption secret and its
 * not-after.  Test-only, so the secret is in ordinary memory.
 */
struct fuzz_ticket {
	enum fuzz_service target;
	unsigned char secret[SM_RESUMPTION_SECRET_BYTES];
	unsigned char ticket[SM_TICKET_MAX];
	size_t len;
	uint64_t not_after;
};

/* The ticket the acceptor issued alice at setup, in the named pair's
 * handshake (fuzz_pair_establish): the same in every process. */
const struct fuzz_ticket *fuzz_ticket_issued(void);

/*
 * Token 1 from a new initiator context: the initiator's ticket store is
 * emptied (then given the issued ticket with FUZZ_INIT_RESUME) and the
 * random stream reset first, so the same arguments always give the same
 * token and the same handshake state.
 */
OM_uint32 fuzz_initiate_first(enum fuzz_identity who, enum fuzz_service target,
			      unsigned sel, struct sm_context **ctx,
			      gss_buffer_t token1);

/* The same, the initiator holding `held` (NULL: no ticket) whatever the
 * selector's FUZZ_INIT_RESUME says. */
OM_uint32 fuzz_initiate_holding(enum fuzz_identity who, enum fuzz_service target,
				unsigned sel, const struct fuzz_ticket *held,
				struct sm_context **ctx, gss_buffer_t token1);

/* The ticket `who` holds for `target` now, from memory (or the ticket
 * cache file when ticket_cache = file): 1 with *out, or 0. */
int fuzz_ticket_held(enum fuzz_identity who, enum fuzz_service target,
		     struct fuzz_ticket *out);

/*
 * After the acceptor's token 3 made an initiator fall back: its full
 * token 1 (`token1`, from that same call) is accepted by a new acceptor,
 * and the token 2 completes the initiator.  fuzz_die otherwise.
 */
void fuzz_initiate_after_refusal(struct sm_context **ctx, const gss_buffer_desc *token1);

/* Acceptor selector bits (fuzz_accept's first input byte). */
#define FUZZ_ACC_ALLOW_ANON 0x01	/* allow_anonymous = yes */
#define FUZZ_ACC_ALLOW_UNKNOWN 0x02	/* allow_unknown_initiators = yes */
#define FUZZ_ACC_BINDINGS 0x04		/* the acceptor gives channel bindings */
#define FUZZ_ACC_NO_RESUMPTION 0x08	/* resumption = no: no ticket issued,
					 * every ticket refused (reason 1) */
#define FUZZ_ACC_BITS 0x0f

/*
 * Accept token 1 with the fixed acceptor credential under the settings the
 * selector names (restored afterwards); the handshake replay cache is
 * emptied and the random stream reset first, so the outcome depends on the
 * token alone.  `src` may be NULL.
 */
OM_uint32 fuzz_accept_token(unsigned sel, const gss_buffer_desc *token1,
			    struct sm_context **ctx, gss_buffer_t token2,
			    struct sm_name **src);

/* The same, without emptying the handshake replay cache: a token that
 * fuzz_accept_token admitted just before must be refused as a replay. */
OM_uint32 fuzz_accept_token_again(unsigned sel, const gss_buffer_desc *token1,
				  struct sm_context **ctx, gss_buffer_t token2,
				  struct sm_name **src);

/* Forget every token 1 the acceptor admitted (fuzz_accept_token does it
 * before each acceptance). */
void fuzz_handshake_cache_forget(void);

/*
 * After the acceptor refused a ticket (token 3, GSS_S_CONTINUE_NEEDED,
 * context *ctx awaiting a full token 1): check token 3 (PROTOCOL.md
 * section 4.2.1, a known reason), then give *ctx the full token 1 that
 * alice sends (made at setup, with channel bindings, so that every
 * selector admits it), which must complete it with alice's name.
 * Returns the reason.  fuzz_die otherwise.
 */
unsigned fuzz_accept_after_refusal(unsigned sel, struct sm_context **ctx,
				   const gss_buffer_desc *token3);

/* Two established pairs, the same in every process. */
enum fuzz_pair_kind {
	FUZZ_PAIR_NAMED,	/* alice -> HTTP@web, IK, REPLAY and SEQUENCE */
	FUZZ_PAIR_ANONYMOUS	/* anonymous -> host@web, NK, no detection */
};
struct fuzz_pair {
	struct sm_context *init, *acc;
};
void fuzz_pair_establish(enum fuzz_pair_kind kind, struct fuzz_pair *p);
void fuzz_pair_release(struct fuzz_pair *p);

/* ---- sealed export ------------------------------------------------------- */

#define FUZZ_SEAL_KEY_RETIRED 1
#define FUZZ_SEAL_KEY 2
#define FUZZ_EXPORT_HEADER_BYTES 56
#define FUZZ_EXPORT_NONCE_BYTES 24

struct fuzz_export_header {
	uint32_t key_id;
	uint8_t flags;		/* 01: uid-bound */
	uint32_t uid;
	uint64_t created, not_after;
	unsigned char nonce[FUZZ_EXPORT_NONCE_BYTES];
};

/* Seal `state` as sm_export_context would, under the test keyring's key
 * h->key_id (which need not be one that seals); *out is malloc()ed. */
void fuzz_seal(const struct fuzz_export_header *h, const unsigned char *state,
	       size_t len, gss_buffer_t out);

/* Open a token of the test keyring: its header into *h and its state into
 * state[cap]; returns the state's length, 0 if it does not open. */
size_t fuzz_unseal(const gss_buffer_desc *token, struct fuzz_export_header *h,
		   unsigned char *state, size_t cap);

/* ---- tickets ------------------------------------------------------------- */

/* Open a ticket with the test keyring at the fixed clock, as an acceptor
 * does (sm_ticket_open), and check what it gives back: an opened ticket's
 * names are of a user or a service, NUL-terminated after 1 to 255 bytes
 * without a NUL, its key the one that seals, its not-after not past, its
 * secret held; a ticket that did not open holds no secret.  *c as
 * sm_ticket_open leaves it. */
enum sm_ticket_verdict fuzz_ticket_open(const unsigned char *ticket, size_t len,
					struct sm_ticket_contents *c);

/* Seal contents[len] as sm_ticket_seal would, under key 2 with a fixed
 * header (valid for an hour from the fixed clock), and open the ticket
 * with fuzz_ticket_open: the contents' parser, behind the box. */
enum sm_ticket_verdict fuzz_ticket_open_contents(const unsigned char *contents, size_t len,
						 struct sm_ticket_contents *c);

/*
 * The ticket cache file: text[len] is written to the file that
 * GSS_SODIUM_TICKETS names (mode 0600) and read, with ticket_cache = file,
 * for alice's ticket to HTTP@web (sm_tickets_find); a ticket found is
 * checked against its line's rules.  With `rewrite`, the ticket is then
 * forgotten, which writes the file again without it, and forgotten once
 * more, which must write the same bytes (what the mechanism writes, it
 * reads back).  The store in memory is emptied before and after.
 * Returns whether a ticket was found.
 */
int fuzz_tickets_file(const unsigned char *text, size_t len, int rewrite);

/* The ticket cache file the mechanism writes when alice keeps `t` (with
 * ticket_cache = file, the file empty before): *text malloc()ed. */
void fuzz_tickets_file_of(const struct fuzz_ticket *t, unsigned char **text, size_t *len);

/* ---- the Redis protocol client ------------------------------------------- */

/* Only this much of the replies is sent (libFuzzer's default -max_len):
 * a socket's buffer takes it whole, and the two calls read at most
 * 2 * SM_RESP_BUFFER bytes of it. */
#define FUZZ_RESP_MAX 4096

/*
 * A server's replies, wire[len], read by sm_resp_call from a socket pair:
 * the first `first` bytes (all, if `first` is 0 or at least `len`) before
 * a PING, the others, if the PING got a reply, before an EVAL on the same
 * connection; the sending end is shut after the last byte.  Each call's
 * outcome is checked (fuzz_die).  Returns how many replies were parsed,
 * 0, 1 or 2, with the failed call's reason in why[SM_RESP_WHY_MAX] ("" if
 * none failed).
 */
int fuzz_resp_exchange(const unsigned char *wire, size_t len, size_t first, char *why);

/* ---- resource accounting ------------------------------------------------- */

/* Locked key slots are not malloc()ed, so LeakSanitizer cannot see them:
 * every harness checks that an input gave back all it took. */
size_t fuzz_secmem_mark(void);
void fuzz_secmem_check(size_t mark, const char *where);

#endif
