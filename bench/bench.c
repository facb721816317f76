/*
 * bench: gss-sodium against MIT krb5's Kerberos mechanism, in one process and
 * through the one mechglue of MIT's libgssapi_krb5, and both against a floor:
 * libsodium alone doing the cryptography gss-sodium's protocol needs.  One
 * row, the handshake replay record, times a part of gss-sodium's handshake
 * alone, through the mechanism's internal library; it has no krb5 or floor
 * column (see op_handshake_record).
 *
 * Each operation is timed as a warm-up, a calibration that picks N so that
 * a batch of N iterations lasts about the batch target, then B batches,
 * taken in turn with those of the row's other two columns; the figure
 * reported is the median over the batches of the batch time divided by N.
 * The median of batches, rather than the mean of iterations, keeps a
 * stray page fault, KDC log flush or scheduler hiccup out of the result.
 * The rows of 1 MiB messages also report how much memory one operation
 * makes resident, measured in a child process (see "peak memory").
 *
 * Environment (bench/run.sh sets all of it up): for krb5, KRB5_CONFIG,
 * KRB5CCNAME (a FILE ccache holding a TGT), KRB5_KTNAME (the service
 * keytab); for gss-sodium, GSS_MECH_CONFIG (the mechglue line), the
 * GSS_SODIUM_* key files, and GSS_SODIUM_CONF, a settings file whose
 * rcache_dir is a scratch directory (the handshake record row writes
 * there).  Both mechanisms use their default credentials.
 */
#include "config.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <sodium.h>

#include "gssapi/gssapi_sodium.h"

/* The mechanism's internal library, for the handshake record row only. */
#include "files.h"
#include "init.h"
#include "noise.h"
#include "rcache.h"
#include "status.h"

#define CONTEXT_FLAGS (GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG | \
		       GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)
#define MAX_ROUNDS 8		/* establishment steps before we call it a loop */
#define MAX_MESSAGE (1024 * 1024)
#define MAX_BATCHES 1000
#define EXPORT_FLOOR_BYTES 300	/* about one exported context's secrets and state */

/*
 * The handshake floor.  The mechanism runs Noise IK, and a handshake here
 * runs both ends: each computes the pattern's four DH values (es, ss for
 * message 1, ee, se for message 2) and makes one ephemeral key pair.  The
 * same two keys meet at every handshake of a run, so each end takes ss
 * from its static-static cache (mech/staticdh.h) after the first: the
 * floor is six crypto_scalarmult and two crypto_scalarmult_base.  (A first
 * meeting costs two crypto_scalarmult more.)  The static public keys are
 * known in advance and not recomputed; hashing and the AEAD over the short
 * payloads cost a few microseconds and are left out.
 */
#define HANDSHAKE_FLOOR_DH 6
#define HANDSHAKE_FLOOR_KEYGEN 2
/*
 * A resumed handshake runs Noise NNpsk0: each end makes one ephemeral key
 * pair and computes ee, so its floor is two crypto_scalarmult and two
 * crypto_scalarmult_base.  Opening the ticket (crypto_secretbox of about
 * 100 bytes) and the hashing are left out, as above.
 */
#define RESUMED_FLOOR_DH 2
#define RESUMED_FLOOR_KEYGEN 2

/*
 * Every gss-sodium import adds a record to the import-once replay cache
 * until the token expires; capping the iterations of a transfer batch keeps
 * a run's cache small.  2000 round trips per batch are plenty for a stable
 * median.
 */
#define TRANSFER_MAX_N 2000
/*
 * The handshake record row adds one live record to the handshake replay
 * cache per iteration, each kept for clock_skew: the same cap leaves the
 * cache with some 35,000 records at the end of the row, what an acceptor
 * admitting a hundred handshakes a second holds with the default
 * clock_skew of 300 s, rather than whatever 30 ms batches of
 * sub-microsecond records would fill it to.
 */
#define RECORD_MAX_N 2000
/* A cold import costs a handshake and a new process around it. */
#define COLD_MAX_N 10
#define MAX_PROCESSES 8
#define NO_CAP ((size_t)1 << 30)
/* Children per peak memory figure, each running the operation once. */
#define PEAK_CHILDREN 3

/* ---- settings -------------------------------------------------------------- */

static struct {
	int batches;		/* B */
	double batch_ns;	/* the duration a batch of N iterations aims at */
	const char *csv_path;
	const char *krb5_target;
	const char *sodium_target;
	int verbose;
	int resumed;		/* --resumed: the resumed handshake row only */
} settings = { 15, 30e6, NULL, "host@localhost", "host@localhost", 0, 0 };

/* ---- what is measured ------------------------------------------------------ */

/* NO_EQUIVALENT: the column has nothing to compare (the floor of a row that
 * measures processes, krb5 in the handshake record row). */
enum outcome { DONE, UNAVAILABLE, FAILED, NO_EQUIVALENT };

/*
 * Runs n iterations of one operation on `state` with messages of `size`
 * bytes and adds the time they took, in nanoseconds, to *ns.  The operation
 * decides what is inside the clock: a handshake leaves out deleting the
 * contexts it made, everything else times its whole loop.
 */
typedef enum outcome (*op_fn)(void *state, size_t size, size_t n, double *ns);

struct measurement {
	enum outcome outcome;
	double us;		/* median time per iteration */
	double min_us, max_us;	/* fastest and slowest batch, for --verbose */
	size_t n;		/* iterations per batch */
};

/* Two ends of one security context, both in this process. */
struct pair {
	gss_ctx_id_t initiator;
	gss_ctx_id_t acceptor;
};

struct mech {
	const char *label;
	gss_OID_desc oid;
	const char *target_text;
	gss_name_t target;
	gss_cred_id_t initiator_cred;
	gss_cred_id_t acceptor_cred;
	struct pair traffic;	/* carries the wrap and MIC rows */
	struct pair transfer;	/* its acceptor is exported and imported */
	size_t token_size;	/* the last exported context token */
	size_t message_token;	/* the last wrap or MIC token, bytes */
	int ready;		/* credentials and both pairs were set up */
};

/*
 * The per-message construction of protocol version 2 (doc/PROTOCOL.md
 * section 5), as the floor does it: a 28-byte header (token id, flags,
 * filler, big-endian u64 sequence number, 16 instance bytes) whose last 24
 * bytes are the XChaCha20-Poly1305 (IETF) nonce, and a 16-byte tag.
 */
#define FLOOR_HEADER_BYTES 28
#define FLOOR_NONCE_OFFSET 4
#define FLOOR_INSTANCE_BYTES 16
_Static_assert(FLOOR_HEADER_BYTES - FLOOR_NONCE_OFFSET ==
	       crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, "the header ends with the nonce");
_Static_assert(FLOOR_NONCE_OFFSET + 8 + FLOOR_INSTANCE_BYTES == FLOOR_HEADER_BYTES,
	       "the nonce is sequence number || instance");

/* libsodium's side: keys, a sequence counter, and room for the outputs. */
struct floor_state {
	unsigned char aead_key[crypto_aead_xchacha20poly1305_ietf_KEYBYTES];
	unsigned char instance[FLOOR_INSTANCE_BYTES];
	unsigned char box_key[crypto_secretbox_KEYBYTES];
	unsigned char box_nonce[crypto_secretbox_NONCEBYTES];
	unsigned char secret[HANDSHAKE_FLOOR_DH][crypto_scalarmult_SCALARBYTES];
	unsigned char public[HANDSHAKE_FLOOR_DH][crypto_scalarmult_BYTES];
	unsigned long long sequence;
	unsigned char header[FLOOR_HEADER_BYTES];
	unsigned char tag[crypto_aead_xchacha20poly1305_ietf_ABYTES];
	unsigned char sealed[MAX_MESSAGE];
	unsigned char opened[MAX_MESSAGE];
	/* header || message, laid out once: a MIC's associated data. */
	unsigned char framed[FLOOR_HEADER_BYTES + MAX_MESSAGE];
};

/* The message every operation protects, random bytes. */
static unsigned char message[MAX_MESSAGE];

static gss_OID_desc krb5_oid = { 9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02" };
static gss_OID_desc sodium_oid = { GSS_SODIUM_MECH_OID_DER_LENGTH,
				   (void *)GSS_SODIUM_MECH_OID_DER };

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* ---- errors ---------------------------------------------------------------- */

/* Appends the mechglue's sentences for one kind of status code to stderr. */
static void print_status(OM_uint32 code, int type, gss_OID mech_oid)
{
	OM_uint32 minor, context = 0;
	gss_buffer_desc text = GSS_C_EMPTY_BUFFER;

	do {
		if (GSS_ERROR(gss_display_status(&minor, code, type, mech_oid, &context, &text)))
			return;
		fprintf(stderr, "; %.*s", (int)text.length, (char *)text.value);
		gss_release_buffer(&minor, &text);
	} while (context != 0);
}

static void report(const struct mech *m, const char *call, OM_uint32 major, OM_uint32 minor)
{
	fprintf(stderr, "bench: %s: %s failed (major 0x%x)", m->label, call, major);
	print_status(major, GSS_C_GSS_CODE, GSS_C_NO_OID);
	if (minor != 0)
		print_status(minor, GSS_C_MECH_CODE, (gss_OID)&m->oid);
	fputc('\n', stderr);
}

static void complain(const char *fmt, ...)
{
	va_list ap;

	fputs("bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int same_bytes(const gss_buffer_desc *b, const void *bytes, size_t size)
{
	return b->length == size && memcmp(b->value, bytes, size) == 0;
}

/* ---- contexts -------------------------------------------------------------- */

static void delete_pair(struct pair *p)
{
	OM_uint32 minor;

	if (p->initiator != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &p->initiator, GSS_C_NO_BUFFER);
	if (p->acceptor != GSS_C_NO_CONTEXT)
		gss_delete_sec_context(&minor, &p->acceptor, GSS_C_NO_BUFFER);
}

/*
 * Passes tokens between initiator and acceptor until both say COMPLETE.
 * Written for any number of legs, so it does not assume that mutual
 * authentication takes exactly one round trip in either mechanism.
 */
static int establish(const struct mech *m, struct pair *p, int default_creds)
{
	gss_cred_id_t initiator_cred = default_creds ? GSS_C_NO_CREDENTIAL : m->initiator_cred;
	gss_cred_id_t acceptor_cred = default_creds ? GSS_C_NO_CREDENTIAL : m->acceptor_cred;
	gss_buffer_desc to_acceptor = GSS_C_EMPTY_BUFFER, to_initiator = GSS_C_EMPTY_BUFFER;
	OM_uint32 imajor = GSS_S_CONTINUE_NEEDED, amajor = GSS_S_CONTINUE_NEEDED;
	OM_uint32 minor, ignored;
	int step;

	for (step = 0; step < MAX_ROUNDS; step++) {
		if (imajor == GSS_S_CONTINUE_NEEDED) {
			imajor = gss_init_sec_context(&minor, initiator_cred, &p->initiator,
						      m->target, (gss_OID)&m->oid, CONTEXT_FLAGS, 0,
						      GSS_C_NO_CHANNEL_BINDINGS,
						      step == 0 ? GSS_C_NO_BUFFER : &to_initiator,
						      NULL, &to_acceptor, NULL, NULL);
			gss_release_buffer(&ignored, &to_initiator);
			if (GSS_ERROR(imajor)) {
				report(m, "gss_init_sec_context", imajor, minor);
				break;
			}
		}
		if (to_acceptor.length > 0) {
			amajor = gss_accept_sec_context(&minor, &p->acceptor, acceptor_cred,
							&to_acceptor, GSS_C_NO_CHANNEL_BINDINGS,
							NULL, NULL, &to_initiator, NULL, NULL, NULL);
			gss_release_buffer(&ignored, &to_acceptor);
			if (GSS_ERROR(amajor)) {
				report(m, "gss_accept_sec_context", amajor, minor);
				break;
			}
		}
		if (imajor == GSS_S_COMPLETE && amajor == GSS_S_COMPLETE &&
		    to_initiator.length == 0)
			return 1;
		if (to_initiator.length == 0 && imajor == GSS_S_CONTINUE_NEEDED) {
			complain("%s: the initiator waits for a token the acceptor did not send",
				 m->label);
			break;
		}
	}
	if (step == MAX_ROUNDS)
		complain("%s: no context after %d rounds", m->label, MAX_ROUNDS);
	gss_release_buffer(&ignored, &to_acceptor);
	gss_release_buffer(&ignored, &to_initiator);
	return 0;
}

static int acquire(struct mech *m, gss_cred_usage_t usage, gss_cred_id_t *cred)
{
	gss_OID_set_desc only = { 1, &m->oid };
	OM_uint32 major, minor;

	major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &only, usage,
				 cred, NULL, NULL);
	if (GSS_ERROR(major))
		report(m, usage == GSS_C_INITIATE ? "gss_acquire_cred (initiator)"
						  : "gss_acquire_cred (acceptor)", major, minor);
	return !GSS_ERROR(major);
}

/* Both ends must have what was asked for, or the mechanisms would not be
 * doing the same work. */
static int has_all_flags(const struct mech *m, gss_ctx_id_t context)
{
	OM_uint32 major, minor, flags = 0;

	major = gss_inquire_context(&minor, context, NULL, NULL, NULL, NULL, &flags, NULL, NULL);
	if (GSS_ERROR(major)) {
		report(m, "gss_inquire_context", major, minor);
		return 0;
	}
	if ((flags & CONTEXT_FLAGS) != CONTEXT_FLAGS) {
		complain("%s: the context has flags 0x%x, not all of 0x%x", m->label, flags,
			 CONTEXT_FLAGS);
		return 0;
	}
	return 1;
}

/*
 * The default credentials are acquired once, restricted to the one
 * mechanism, so that the handshake row measures the protocol (with krb5
 * still reading its cached service ticket from the ccache file each time)
 * and not the mechglue's search for a default credential among all
 * mechanisms.  The handshake/no-cred row shows what most programs pay.
 */
static int set_up(struct mech *m)
{
	gss_buffer_desc text = { strlen(m->target_text), (void *)m->target_text };
	OM_uint32 major, minor;

	major = gss_import_name(&minor, &text, GSS_C_NT_HOSTBASED_SERVICE, &m->target);
	if (GSS_ERROR(major)) {
		report(m, "gss_import_name", major, minor);
		return 0;
	}
	m->ready = acquire(m, GSS_C_INITIATE, &m->initiator_cred) &&
		   acquire(m, GSS_C_ACCEPT, &m->acceptor_cred) &&
		   establish(m, &m->traffic, 0) && establish(m, &m->transfer, 0) &&
		   has_all_flags(m, m->traffic.initiator) && has_all_flags(m, m->traffic.acceptor);
	return m->ready;
}

static void tear_down(struct mech *m)
{
	OM_uint32 minor;

	delete_pair(&m->traffic);
	delete_pair(&m->transfer);
	gss_release_cred(&minor, &m->initiator_cred);
	gss_release_cred(&minor, &m->acceptor_cred);
	gss_release_name(&minor, &m->target);
}

/*
 * bench --resumed times handshakes that resume with the ticket set_up's
 * handshakes left: check that the next one does (its token 1 names pattern
 * 3 after the mechanism OID), so that the row does not time full ones.
 */
static int sodium_resumes(const struct mech *m)
{
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	const unsigned char *oid = NULL;
	OM_uint32 major, minor;
	int resumes;

	major = gss_init_sec_context(&minor, m->initiator_cred, &ctx, m->target,
				     (gss_OID)&m->oid, CONTEXT_FLAGS, 0, GSS_C_NO_CHANNEL_BINDINGS,
				     GSS_C_NO_BUFFER, NULL, &token, NULL, NULL);
	if (major == GSS_S_CONTINUE_NEEDED)
		oid = memmem(token.value, token.length, m->oid.elements, m->oid.length);
	/* The inner token: id (2), version, pattern. */
	resumes = oid != NULL && oid + m->oid.length + 4 <= (unsigned char *)token.value + token.length &&
		  oid[m->oid.length + 3] == 3;
	if (!resumes)
		complain("sodium: the handshake does not resume (is resumption = yes, and is there a sealing keyring?)");
	gss_release_buffer(&minor, &token);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
	return resumes;
}

/* ---- operations through the mechglue ------------------------------------- */

static enum outcome handshakes(struct mech *m, size_t n, double *ns, int default_creds)
{
	struct pair p;
	double start;
	size_t i;
	int ok;

	for (i = 0; i < n; i++) {
		p.initiator = p.acceptor = GSS_C_NO_CONTEXT;
		start = now_ns();
		ok = establish(m, &p, default_creds);
		*ns += now_ns() - start;
		delete_pair(&p);
		if (!ok)
			return FAILED;
	}
	return DONE;
}

/* With the credentials acquired once (see set_up). */
static enum outcome op_handshake(void *state, size_t size, size_t n, double *ns)
{
	(void)size;
	return handshakes(state, n, ns, 0);
}

/* With GSS_C_NO_CREDENTIAL at both ends, as gss-client, curl and most
 * programs call: each end finds its default credential at every call
 * (krb5 reads the ccache or keytab, gss-sodium looks at its key files). */
static enum outcome op_handshake_default_creds(void *state, size_t size, size_t n, double *ns)
{
	(void)size;
	return handshakes(state, n, ns, 1);
}

/*
 * export(acceptor) -> token -> import(token) -> acceptor, n times: the
 * imported context is exported again, so one established context serves
 * every round trip.
 */
static enum outcome op_transfer(void *state, size_t size, size_t n, double *ns)
{
	struct mech *m = state;
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, ignored;
	double start = now_ns();
	size_t i;

	(void)size;
	for (i = 0; i < n; i++) {
		major = gss_export_sec_context(&minor, &m->transfer.acceptor, &token);
		if (major == GSS_S_UNAVAILABLE)
			return UNAVAILABLE;
		if (GSS_ERROR(major)) {
			report(m, "gss_export_sec_context", major, minor);
			return FAILED;
		}
		m->token_size = token.length;
		major = gss_import_sec_context(&minor, &token, &m->transfer.acceptor);
		gss_release_buffer(&ignored, &token);
		if (major == GSS_S_UNAVAILABLE) {
			complain("%s: export works but import is unavailable", m->label);
			return UNAVAILABLE;
		}
		if (GSS_ERROR(major)) {
			report(m, "gss_import_sec_context", major, minor);
			return FAILED;
		}
	}
	*ns += now_ns() - start;
	return DONE;
}

/*
 * --import-one: this program again, in a new process, imports the token on
 * its standard input and prints how long gss_import_sec_context took, in
 * nanoseconds.  As the process's first GSS-API call it reads the mechglue's
 * configuration and loads the mechanism; gss-sodium also maps the replay
 * cache.
 */
static int import_one(void)
{
	static unsigned char bytes[64 * 1024];
	gss_buffer_desc token = { 0, bytes };
	gss_ctx_id_t context = GSS_C_NO_CONTEXT;
	OM_uint32 major, minor;
	double start, took;
	ssize_t got;

	while ((got = read(0, bytes + token.length, sizeof(bytes) - token.length)) > 0)
		token.length += (size_t)got;
	start = now_ns();
	major = gss_import_sec_context(&minor, &token, &context);
	took = now_ns() - start;
	if (GSS_ERROR(major)) {
		complain("--import-one: gss_import_sec_context failed (major 0x%x, minor %u)",
			 major, minor);
		return 1;
	}
	gss_delete_sec_context(&minor, &context, GSS_C_NO_BUFFER);
	printf("%.0f\n", took);
	return 0;
}

/* Run --import-one on `token`; its import time in nanoseconds, or -1. */
static double import_in_new_process(const struct mech *m, const gss_buffer_desc *token)
{
	int to_child[2], from_child[2], status;
	char answer[64] = "";
	ssize_t got;
	pid_t child;

	if (pipe(to_child) != 0 || pipe(from_child) != 0) {
		complain("%s: pipe failed", m->label);
		return -1;
	}
	child = fork();
	if (child == 0) {
		dup2(to_child[0], 0);
		dup2(from_child[1], 1);
		close(to_child[1]);
		close(from_child[0]);
		execl("/proc/self/exe", "bench", "--import-one", (char *)NULL);
		_exit(127);
	}
	close(to_child[0]);
	close(from_child[1]);
	if (write(to_child[1], token->value, token->length) != (ssize_t)token->length)
		complain("%s: the token did not reach the new process", m->label);
	close(to_child[1]);
	got = read(from_child[0], answer, sizeof(answer) - 1);
	close(from_child[0]);
	if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0 || got <= 0) {
		complain("%s: the new process did not import the token", m->label);
		return -1;
	}
	return strtod(answer, NULL);
}

/* A cold importer: each iteration makes a context, exports it, and times
 * the import in a new process (the handshake and the process start are
 * outside the clock). */
static enum outcome op_import_cold(void *state, size_t size, size_t n, double *ns)
{
	struct mech *m = state;
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, ignored;
	struct pair p;
	double took;
	size_t i;

	(void)size;
	for (i = 0; i < n; i++) {
		p.initiator = p.acceptor = GSS_C_NO_CONTEXT;
		if (!establish(m, &p, 0))
			return FAILED;
		major = gss_export_sec_context(&minor, &p.acceptor, &token);
		delete_pair(&p);
		if (major == GSS_S_UNAVAILABLE)
			return UNAVAILABLE;
		if (GSS_ERROR(major)) {
			report(m, "gss_export_sec_context", major, minor);
			return FAILED;
		}
		took = import_in_new_process(m, &token);
		gss_release_buffer(&ignored, &token);
		if (took < 0)
			return FAILED;
		*ns += took;
	}
	return DONE;
}

/*
 * `procs` processes (forked from this one, each with its copy of the
 * transfer context) run n export+import round trips each, all at once.
 * The clock runs from the start signal to the last process's end of its
 * loop, as each one reads it (CLOCK_MONOTONIC is the machine's), so that
 * forking and exiting are left out; the time added is that divided by
 * `procs`, so a row reads as the time per round trip of the processes
 * together: 1/throughput.  gss-sodium's processes share the import-once
 * replay cache.
 */
static enum outcome op_transfer_processes(void *state, size_t procs, size_t n, double *ns)
{
	struct mech *m = state;
	int ready[2], go[2], done[2], status, failed = 0;
	pid_t child[MAX_PROCESSES];
	double start, end, last = 0, ignored;
	char c = 'g';
	size_t i;

	if (procs > MAX_PROCESSES || pipe(ready) != 0 || pipe(go) != 0 || pipe(done) != 0)
		return FAILED;
	for (i = 0; i < procs; i++) {
		child[i] = fork();
		if (child[i] == 0) {
			ignored = 0;
			if (write(ready[1], &c, 1) != 1 || read(go[0], &c, 1) != 1)
				_exit(2);
			if (op_transfer(m, 0, n, &ignored) != DONE)
				_exit(1);
			end = now_ns();
			_exit(write(done[1], &end, sizeof(end)) == (ssize_t)sizeof(end) ? 0 : 2);
		}
		if (child[i] < 0)
			return FAILED;
	}
	for (i = 0; i < procs; i++)
		if (read(ready[0], &c, 1) != 1)
			failed = 1;
	start = now_ns();
	for (i = 0; i < procs; i++)
		if (write(go[1], &c, 1) != 1)
			failed = 1;
	for (i = 0; i < procs; i++) {
		if (waitpid(child[i], &status, 0) != child[i] || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0 || read(done[0], &end, sizeof(end)) != sizeof(end))
			failed = 1;
		else if (end > last)
			last = end;
	}
	*ns += (last - start) / (double)procs;
	for (i = 0; i < 2; i++) {
		close(ready[i]);
		close(go[i]);
		close(done[i]);
	}
	if (failed)
		complain("%s: a process of the %zu-process transfer failed", m->label, procs);
	return failed ? FAILED : DONE;
}

/* One wrap from `from` unwrapped by `to`, checked for content and for
 * sealing as conf_req asked; the token's length goes to *token_len unless
 * it is NULL. */
static int wrap_reaches(const struct mech *m, gss_ctx_id_t from, gss_ctx_id_t to,
			int conf_req, size_t size, int check_content, size_t *token_len)
{
	gss_buffer_desc plain = { size, message }, token = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, ignored;
	int sealed = 0, ok = 0;

	major = gss_wrap(&minor, from, conf_req, GSS_C_QOP_DEFAULT, &plain, &sealed, &token);
	if (GSS_ERROR(major)) {
		report(m, "gss_wrap", major, minor);
	} else if (sealed != conf_req) {
		complain("%s: gss_wrap %s the message", m->label, sealed ? "sealed" : "did not seal");
	} else {
		if (token_len != NULL)
			*token_len = token.length;
		major = gss_unwrap(&minor, to, &token, &out, &sealed, NULL);
		if (major != GSS_S_COMPLETE)
			report(m, "gss_unwrap", major, minor);
		else if (sealed != conf_req ||
			 (check_content && !same_bytes(&out, message, size)))
			complain("%s: gss_unwrap did not give the message back", m->label);
		else
			ok = 1;
	}
	gss_release_buffer(&ignored, &token);
	gss_release_buffer(&ignored, &out);
	return ok;
}

/* The initiator wraps, the acceptor unwraps; the first message of each
 * call is compared with what was sent, the rest only need to unwrap. */
static enum outcome wraps(struct mech *m, int conf_req, size_t size, size_t n, double *ns)
{
	double start = now_ns();
	size_t i;

	for (i = 0; i < n; i++)
		if (!wrap_reaches(m, m->traffic.initiator, m->traffic.acceptor, conf_req, size,
				  i == 0, &m->message_token))
			return FAILED;
	*ns += now_ns() - start;
	return DONE;
}

static enum outcome op_wrap(void *state, size_t size, size_t n, double *ns)
{
	return wraps(state, 1, size, n, ns);
}

/* conf_req = 0: the token carries the message in the clear and a tag over
 * it, the work of a MIC plus copying the message into the token and out
 * again. */
static enum outcome op_wrap_integrity(void *state, size_t size, size_t n, double *ns)
{
	return wraps(state, 0, size, n, ns);
}

static enum outcome op_mic(void *state, size_t size, size_t n, double *ns)
{
	struct mech *m = state;
	gss_buffer_desc text = { size, message }, mic = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor, ignored;
	double start = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		major = gss_get_mic(&minor, m->traffic.initiator, GSS_C_QOP_DEFAULT, &text, &mic);
		if (GSS_ERROR(major)) {
			report(m, "gss_get_mic", major, minor);
			return FAILED;
		}
		m->message_token = mic.length;
		major = gss_verify_mic(&minor, m->traffic.acceptor, &text, &mic, NULL);
		gss_release_buffer(&ignored, &mic);
		if (major != GSS_S_COMPLETE) {
			report(m, "gss_verify_mic", major, minor);
			return FAILED;
		}
	}
	*ns += now_ns() - start;
	return DONE;
}

/* The imported context must still talk to its initiator, both ways. */
static int transfer_kept_context(const struct mech *m)
{
	return wrap_reaches(m, m->transfer.initiator, m->transfer.acceptor, 1, 64, 1, NULL) &&
	       wrap_reaches(m, m->transfer.acceptor, m->transfer.initiator, 1, 64, 1, NULL);
}

/* ---- gss-sodium alone: the handshake replay record ------------------------ */

/*
 * Protocol version 2's acceptor records every handshake it admits: the
 * initiator's ephemeral key, 32 bytes, goes into the handshake replay
 * cache of its keytab until the token's time plus clock_skew.  The
 * handshake rows include that record among everything else; this row
 * times it alone, with the acceptor's two calls (sm_rcache_prefetch when
 * message 1 arrives, sm_rcache_record once it is authentic) on a fresh id
 * each iteration, through the mechanism's internal library linked into
 * this program.  The cache is the keytab's own, the file the module's
 * handshakes in this run record into, in the rcache_dir that the settings
 * file (GSS_SODIUM_CONF) names; without an rcache_dir this program would
 * write into the host's cache, so the row is then left out.
 *
 * The ids are 24 random bytes and a counter: the cache hashes them with
 * its own SipHash key, so they spread as random keys do, and no system
 * call for random bytes lands inside the clock.  The clock is read once
 * per batch, as the acceptor reads it once per handshake, outside the
 * record.  The cache is used as it comes: the file's first table is
 * 4 MiB, so early records fault its pages in, and a record whose bucket is
 * full in every table grows the file by a table (posix_fallocate).  Those
 * costs are rare and land in a batch or two, which the median leaves out;
 * --verbose shows the slowest batch.
 *
 * krb5 has no column: MIT's replay cache (krb5_rc_store) is internal to
 * libkrb5, and the krb5 handshake row already includes it (run.sh points
 * KRB5RCACHENAME at a file2 cache in the scratch directory).  Nor is there a
 * floor: a record is a hash, a lock and a cache line or two, nothing that
 * libsodium alone does.
 */
static struct {
	int ready;
	char keytab[PATH_MAX];
	unsigned long skew;
	unsigned char scope[SM_RCACHE_SCOPE_BYTES];	/* only a shared cache reads it */
	unsigned char id[SM_NOISE_DHLEN];	/* random bytes || counter */
	uint64_t counter;
} handshake_record;

static void record_set_up(void)
{
	struct sm_locations keytab;
	OM_uint32 minor;

	if (GSS_ERROR(sm_init(&minor)) ||
	    GSS_ERROR(sm_locations(&minor, SM_FILE_KEYTAB, &keytab))) {
		complain("handshake record: %s", sm_status_sentence(minor));
		return;
	}
	if (sm_current_settings()->rcache_dir[0] == '\0') {
		complain("handshake record: no rcache_dir in the settings file (GSS_SODIUM_CONF), "
			 "so the row would write into %s; it is left out", sm_rcache_default_dir);
		return;
	}
	snprintf(handshake_record.keytab, sizeof(handshake_record.keytab), "%s", keytab.path[0]);
	handshake_record.skew = sm_current_settings()->clock_skew;
	randombytes_buf(handshake_record.id, sizeof(handshake_record.id));
	handshake_record.ready = 1;
}

static enum outcome op_handshake_record(void *state, size_t size, size_t n, double *ns)
{
	const size_t counter_at = sizeof(handshake_record.id) - sizeof(handshake_record.counter);
	struct sm_rcache_probe probe;
	struct sm_rcache_answer answer;
	time_t t = time(NULL);
	OM_uint32 major, minor;
	double start;
	size_t i;

	(void)state;
	(void)size;
	if (!handshake_record.ready)
		return UNAVAILABLE;
	start = now_ns();
	for (i = 0; i < n; i++) {
		handshake_record.counter++;
		memcpy(handshake_record.id + counter_at, &handshake_record.counter,
		       sizeof(handshake_record.counter));
		sm_rcache_prefetch(SM_RCACHE_HANDSHAKE, handshake_record.keytab,
				   handshake_record.id, sizeof(handshake_record.id), &probe);
		major = sm_rcache_record(&minor, SM_RCACHE_HANDSHAKE, handshake_record.keytab,
					 handshake_record.scope, handshake_record.id, sizeof(handshake_record.id), t,
					 t + (time_t)handshake_record.skew, &probe, &answer);
		if (GSS_ERROR(major)) {
			complain("handshake record: %s", sm_status_sentence(minor));
			return FAILED;
		}
		if (answer.verdict != SM_RCACHE_NEW) {
			complain("handshake record: a fresh id was not new to the cache");
			return FAILED;
		}
	}
	*ns += now_ns() - start;
	return DONE;
}

/* ---- the floor: libsodium alone ------------------------------------------ */

/* The tokens the floor makes, for their headers. */
enum floor_token { FLOOR_MIC, FLOOR_WRAP_SEALED, FLOOR_WRAP_INTEGRITY };

/* The next token's header, as the mechanism writes it, into `out`. */
static void next_header(struct floor_state *f, unsigned char out[FLOOR_HEADER_BYTES],
			enum floor_token kind)
{
	unsigned long long seq = f->sequence++;
	int i;

	out[0] = kind == FLOOR_MIC ? 0x04 : 0x05;
	out[1] = 0x04;
	/* Sealed or not; sent by the initiator. */
	out[2] = kind == FLOOR_WRAP_SEALED ? 0x02 : 0x00;
	out[3] = 0xff;
	for (i = 0; i < 8; i++)
		out[FLOOR_NONCE_OFFSET + i] = (unsigned char)(seq >> (8 * (7 - i)));
	memcpy(out + FLOOR_NONCE_OFFSET + 8, f->instance, FLOOR_INSTANCE_BYTES);
}

/*
 * Floor of wrap+unwrap: the message sealed with the header as associated
 * data and the header's nonce, and opened again; the tag is kept apart, as
 * the mechanism's detached calls do.
 */
static enum outcome floor_wrap(void *state, size_t size, size_t n, double *ns)
{
	struct floor_state *f = state;
	const unsigned char *nonce = f->header + FLOOR_NONCE_OFFSET;
	double start = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		next_header(f, f->header, FLOOR_WRAP_SEALED);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(f->sealed, f->tag, NULL,
								    message, size, f->header,
								    FLOOR_HEADER_BYTES, NULL,
								    nonce, f->aead_key);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(f->opened, NULL, f->sealed,
									size, f->tag, f->header,
									FLOOR_HEADER_BYTES,
									nonce, f->aead_key) != 0)
			return FAILED;
	}
	*ns += now_ns() - start;
	return memcmp(f->opened, message, size) == 0 ? DONE : FAILED;
}

/*
 * Floor of get_mic+verify_mic, and with a wrap header of an integrity-only
 * wrap+unwrap: a tag over header || message, nothing encrypted.  The message already lies after room for the header (set up
 * once), so the floor writes 28 bytes per token and copies nothing; what
 * the mechanism spends on putting header and message side by side is its
 * own cost, above the floor.
 */
static enum outcome integrity_tags(struct floor_state *f, enum floor_token kind, size_t size,
				   size_t n, double *ns)
{
	const unsigned char *nonce = f->framed + FLOOR_NONCE_OFFSET;
	double start = now_ns();
	size_t i;

	for (i = 0; i < n; i++) {
		next_header(f, f->framed, kind);
		crypto_aead_xchacha20poly1305_ietf_encrypt_detached(f->sealed, f->tag, NULL,
								    message, 0,
								    f->framed,
								    FLOOR_HEADER_BYTES + size,
								    NULL, nonce, f->aead_key);
		if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(f->opened, NULL,
									f->sealed, 0, f->tag,
									f->framed,
									FLOOR_HEADER_BYTES + size,
									nonce, f->aead_key) != 0)
			return FAILED;
	}
	*ns += now_ns() - start;
	return DONE;
}

static enum outcome floor_mic(void *state, size_t size, size_t n, double *ns)
{
	return integrity_tags(state, FLOOR_MIC, size, n, ns);
}

/* Floor of an integrity-only wrap+unwrap: the same tag as a MIC's, the
 * header a wrap token's.  Putting the message into the token and out of it
 * again is the mechanism's own cost, as with the MIC floor. */
static enum outcome floor_wrap_integrity(void *state, size_t size, size_t n, double *ns)
{
	return integrity_tags(state, FLOOR_WRAP_INTEGRITY, size, n, ns);
}

/* Floor of export+import: a context's worth of bytes sealed and opened. */
static enum outcome floor_transfer(void *state, size_t size, size_t n, double *ns)
{
	struct floor_state *f = state;
	double start = now_ns();
	size_t i;

	(void)size;
	for (i = 0; i < n; i++) {
		crypto_secretbox_easy(f->sealed, message, EXPORT_FLOOR_BYTES, f->box_nonce,
				      f->box_key);
		if (crypto_secretbox_open_easy(f->opened, f->sealed,
					       EXPORT_FLOOR_BYTES + crypto_secretbox_MACBYTES,
					       f->box_nonce, f->box_key) != 0)
			return FAILED;
	}
	*ns += now_ns() - start;
	return DONE;
}

/* n times: `keygens` crypto_scalarmult_base and `dhs` crypto_scalarmult. */
static enum outcome floor_x25519(struct floor_state *f, int keygens, int dhs, size_t n,
				 double *ns)
{
	unsigned char shared[crypto_scalarmult_BYTES], ephemeral[crypto_scalarmult_BYTES];
	double start = now_ns();
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < keygens; k++)
			crypto_scalarmult_base(ephemeral, f->secret[k]);
		for (k = 0; k < dhs; k++)
			if (crypto_scalarmult(shared, f->secret[k], f->public[k]) != 0)
				return FAILED;
	}
	*ns += now_ns() - start;
	return DONE;
}

/* Floor of the handshake: see HANDSHAKE_FLOOR_DH. */
static enum outcome floor_handshake(void *state, size_t size, size_t n, double *ns)
{
	(void)size;
	return floor_x25519(state, HANDSHAKE_FLOOR_KEYGEN, HANDSHAKE_FLOOR_DH, n, ns);
}

/* Floor of a resumed handshake: see RESUMED_FLOOR_DH. */
static enum outcome floor_resumed(void *state, size_t size, size_t n, double *ns)
{
	(void)size;
	return floor_x25519(state, RESUMED_FLOOR_KEYGEN, RESUMED_FLOOR_DH, n, ns);
}

static void floor_set_up(struct floor_state *f)
{
	int k;

	memset(f, 0, sizeof(*f));
	crypto_aead_xchacha20poly1305_ietf_keygen(f->aead_key);
	randombytes_buf(f->instance, sizeof(f->instance));
	memcpy(f->framed + FLOOR_HEADER_BYTES, message, MAX_MESSAGE);
	crypto_secretbox_keygen(f->box_key);
	randombytes_buf(f->box_nonce, sizeof(f->box_nonce));
	/* Each DH meets a real peer key, as in the handshake. */
	for (k = 0; k < HANDSHAKE_FLOOR_DH; k++) {
		unsigned char peer[crypto_scalarmult_SCALARBYTES];

		randombytes_buf(f->secret[k], sizeof(f->secret[k]));
		randombytes_buf(peer, sizeof(peer));
		crypto_scalarmult_base(f->public[k], peer);
	}
}

/* ---- peak memory ----------------------------------------------------------- */

/*
 * The extra memory one operation needs, in KiB: how far the resident set
 * of a child process rises while it runs the operation once.  The child is
 * forked after the timed rows, so it inherits every context, credential
 * and lazy set-up the mechanisms made and sets up nothing new; the message
 * (random bytes written at the start) is already resident.
 *
 * Linux keeps a high-water mark of the resident set, VmHWM in
 * /proc/self/status, and writing "5" to /proc/self/clear_refs resets it to
 * the resident set of the moment.  Read around the operation as it comes,
 * the resident set and the mark would be wrong in three ways:
 *
 *  - Freed memory stays resident in malloc's heap.  glibc mmaps a request
 *    over its mmap threshold, but raises the threshold to the size of each
 *    mmapped chunk freed: after the first 1 MiB buffer freed the next ones
 *    come from the heap, which keeps what is freed below a trim threshold
 *    raised with it.  The timed rows leave megabytes of it resident and the
 *    fork hands them on: an operation that wrote a fresh 1 MiB copy into
 *    them would not raise the resident set at all.
 *
 *  - fork does not copy the page tables of file mappings, so the child
 *    faults in the code it runs, some 64 KiB at a time, and that counts as
 *    resident: reading /proc/self/status for the first time raised the
 *    resident set by 248 KiB.
 *
 *  - Linux moves the mark only when the resident set is about to fall
 *    (munmap, a heap trim) and when it is reset, both times from an
 *    approximate count (per-CPU counters): on a 2-CPU machine, buffers of
 *    256 KiB to 4 MiB mmapped, written and unmapped read up to 228 KiB
 *    short, and a mark reset just after malloc_trim stood up to 120 KiB
 *    above the resident set.  The resident set itself, VmRSS, is counted
 *    exactly.
 *
 * So the child sets its malloc to keep what is freed (M_MMAP_MAX 0: every
 * allocation from the heap; the trim threshold at its largest: the heap
 * never shrinks), runs the operation once, not measured, to map the code
 * it runs and the code that reads /proc, and gives every free page back
 * with malloc_trim(0): no longer resident, so writing it again faults it
 * in and counts.  Then it measures a second run.  Its resident set cannot
 * fall, so the resident set after it is the peak, and the figure is VmRSS
 * after less VmRSS before.  The mark, reset before the run, is the check
 * that nothing fell regardless (a library's own munmap): above both the
 * resident set after and its reset value, it refutes the figure, which is
 * then not given.  Memory only allocated and never written does not count,
 * rightly: it costs nothing resident.
 *
 * The figure is how much memory the operation made resident: its largest
 * set of live buffers as malloc laid them out (a buffer freed and another
 * put in its place count once, as in a long-running program).  Each is
 * the median of PEAK_CHILDREN children; peak_check runs the method on a
 * buffer of the message's size, written and freed, which must read as that
 * many KiB.
 */

/* A "Name:   value kB" line of /proc/self/status, in KiB; -1 if it is not
 * there.  read(2) into the stack: stdio would allocate. */
static long status_kib(const char *name)
{
	char text[4096], key[32], *at;
	ssize_t got;
	int fd;

	fd = open("/proc/self/status", O_RDONLY);
	if (fd < 0)
		return -1;
	got = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (got <= 0)
		return -1;
	text[got] = '\0';
	snprintf(key, sizeof(key), "\n%s:", name);
	at = strstr(text, key);
	return at == NULL ? -1 : strtol(at + strlen(key), NULL, 10);
}

/* The high-water mark down to the resident set of now. */
static int reset_peak(void)
{
	int fd = open("/proc/self/clear_refs", O_WRONLY), ok;

	if (fd < 0)
		return 0;
	ok = write(fd, "5", 1) == 1;
	close(fd);
	return ok;
}

/* In the child: the growth of the resident set over one operation, or -1
 * if it cannot be read or the resident set fell on the way. */
static long peak_in_child(op_fn op, void *state, size_t size)
{
#ifdef __GLIBC__
	double ignored = 0;
	long mark, before, after, highest;

	/* Nothing mmapped, the heap never trimmed; a first run of all that
	 * runs below maps its code. */
	if (mallopt(M_MMAP_MAX, 0) != 1 || mallopt(M_TRIM_THRESHOLD, INT_MAX) != 1 ||
	    !reset_peak() || status_kib("VmHWM") < 0 || status_kib("VmRSS") < 0 ||
	    op(state, size, 1, &ignored) != DONE)
		return -1;
	malloc_trim(0);
	if (!reset_peak() || (mark = status_kib("VmHWM")) < 0 ||
	    (before = status_kib("VmRSS")) < 0 || op(state, size, 1, &ignored) != DONE ||
	    (after = status_kib("VmRSS")) < 0 || (highest = status_kib("VmHWM")) < 0)
		return -1;
	if (after < before || (highest > after && highest > mark)) {
		complain("the resident set fell during one operation of %zu bytes", size);
		return -1;
	}
	return after - before;
#else
	(void)op;
	(void)state;
	(void)size;
	return -1;	/* the malloc set-up is glibc's */
#endif
}

/* One figure, from a new child; -1 if there is none. */
static long peak_growth(op_fn op, void *state, size_t size)
{
	int answer[2], status;
	long growth = -1;
	pid_t child;

	if (pipe(answer) != 0)
		return -1;
	child = fork();
	if (child == 0) {
		close(answer[0]);
		growth = peak_in_child(op, state, size);
		_exit(write(answer[1], &growth, sizeof(growth)) == (ssize_t)sizeof(growth) ? 0 : 1);
	}
	close(answer[1]);
	if (child > 0 && (read(answer[0], &growth, sizeof(growth)) != (ssize_t)sizeof(growth) ||
			  waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
			  WEXITSTATUS(status) != 0))
		growth = -1;
	close(answer[0]);
	return growth;
}

static int compare_longs(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

/* The median of PEAK_CHILDREN figures; -1 if any child had none. */
static long peak_median(op_fn op, void *state, size_t size)
{
	long figure[PEAK_CHILDREN];
	int i;

	for (i = 0; i < PEAK_CHILDREN; i++)
		if ((figure[i] = peak_growth(op, state, size)) < 0)
			return -1;
	qsort(figure, PEAK_CHILDREN, sizeof(figure[0]), compare_longs);
	return figure[PEAK_CHILDREN / 2];
}

/* The method's check: a buffer of `size` bytes, written and freed. */
static enum outcome peak_check(void *state, size_t size, size_t n, double *ns)
{
	unsigned char *buffer;

	(void)state;
	(void)n;
	(void)ns;
	if ((buffer = malloc(size)) == NULL)
		return FAILED;
	/* Every byte written, as the old copy did; never optimised away. */
	sodium_memzero(buffer, size);
	free(buffer);
	return DONE;
}

/* ---- measurement ----------------------------------------------------------- */

static int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int count)
{
	qsort(v, (size_t)count, sizeof(*v), compare_doubles);
	return count % 2 ? v[count / 2] : (v[count / 2 - 1] + v[count / 2]) / 2;
}

/*
 * Doubles N until a batch lasts half the target, then scales it to the
 * target.  The doubling runs are the warm-up proper: caches, branch
 * predictors and the CPU clock settle before anything is kept.
 */
static enum outcome calibrate(op_fn op, void *state, size_t size, size_t max_n, size_t *n)
{
	enum outcome outcome;
	double ns = 0, scaled;

	for (*n = 1;; *n *= 2) {
		ns = 0;
		if ((outcome = op(state, size, *n, &ns)) != DONE)
			return outcome;
		if (ns >= settings.batch_ns / 2 || *n >= max_n)
			break;
	}
	scaled = (double)*n * settings.batch_ns / (ns > 0 ? ns : 1);
	*n = scaled < 1 ? 1 : scaled > (double)max_n ? max_n : (size_t)scaled;
	return DONE;
}

/* ---- the table ------------------------------------------------------------- */

enum column { KRB5, SODIUM, FLOOR, COLUMNS };

static const char *const column_label[COLUMNS] = { "krb5", "sodium", "floor" };

struct row {
	const char *operation;
	size_t size;		/* message bytes; 0 where it means nothing */
	op_fn mech_op;
	op_fn floor_op;
	size_t max_n;		/* most iterations per batch through the mechglue */
	int has_token;		/* makes export tokens: token_size */
	int has_message_token;	/* makes wrap or MIC tokens: message_token */
	int size_is_processes;	/* `size` counts processes, not message bytes */
	int sodium_only;	/* krb5 has nothing comparable: "-" */
	int peak_memory;	/* also measure the peak memory of one operation */
	int resumed;		/* measured by bench --resumed (see run_resumed) */
	struct measurement cell[COLUMNS];
	size_t token_size[2];	/* krb5, sodium; 0 when none was made */
	size_t message_token[2];	/* the same for a wrap or MIC token */
	long peak_kib[2];	/* krb5, sodium: see "peak memory"; -1 if none */
};

static struct row rows[] = {
	{ .operation = "handshake", .mech_op = op_handshake, .floor_op = floor_handshake,
	  .max_n = NO_CAP },
	{ .operation = "handshake/resumed", .mech_op = op_handshake, .floor_op = floor_resumed,
	  .max_n = NO_CAP, .resumed = 1 },
	{ .operation = "handshake/no-cred", .mech_op = op_handshake_default_creds,
	  .floor_op = floor_handshake, .max_n = NO_CAP },
	{ .operation = "handshake record", .mech_op = op_handshake_record,
	  .max_n = RECORD_MAX_N, .sodium_only = 1 },
	{ .operation = "export+import", .mech_op = op_transfer, .floor_op = floor_transfer,
	  .max_n = TRANSFER_MAX_N, .has_token = 1 },
	{ .operation = "import/cold", .mech_op = op_import_cold, .max_n = COLD_MAX_N },
	{ .operation = "export+import x1", .size = 1, .size_is_processes = 1,
	  .mech_op = op_transfer_processes, .max_n = TRANSFER_MAX_N },
	{ .operation = "export+import x2", .size = 2, .size_is_processes = 1,
	  .mech_op = op_transfer_processes, .max_n = TRANSFER_MAX_N },
	{ .operation = "export+import x4", .size = 4, .size_is_processes = 1,
	  .mech_op = op_transfer_processes, .max_n = TRANSFER_MAX_N },
	{ .operation = "export+import x8", .size = 8, .size_is_processes = 1,
	  .mech_op = op_transfer_processes, .max_n = TRANSFER_MAX_N },
	{ .operation = "wrap+unwrap", .size = 64, .mech_op = op_wrap, .floor_op = floor_wrap,
	  .max_n = NO_CAP, .has_message_token = 1 },
	{ .operation = "wrap+unwrap", .size = 1024, .mech_op = op_wrap, .floor_op = floor_wrap,
	  .max_n = NO_CAP, .has_message_token = 1 },
	{ .operation = "wrap+unwrap", .size = 65536, .mech_op = op_wrap, .floor_op = floor_wrap,
	  .max_n = NO_CAP, .has_message_token = 1 },
	{ .operation = "get_mic+verify_mic", .size = 1024, .mech_op = op_mic,
	  .floor_op = floor_mic, .max_n = NO_CAP, .has_message_token = 1 },
	{ .operation = "get_mic+verify_mic", .size = 1048576, .mech_op = op_mic,
	  .floor_op = floor_mic, .max_n = NO_CAP, .has_message_token = 1, .peak_memory = 1 },
	{ .operation = "wrap+unwrap integrity", .size = 1048576, .mech_op = op_wrap_integrity,
	  .floor_op = floor_wrap_integrity, .max_n = NO_CAP, .has_message_token = 1,
	  .peak_memory = 1 },
};
#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* Is the row measured by this run: the resumed row by bench --resumed, the
 * others by bench alone? */
static int in_this_run(const struct row *r)
{
	return r->resumed == settings.resumed;
}

static void say_progress(const struct row *r, enum column c)
{
	const struct measurement *m = &r->cell[c];

	if (settings.verbose && m->outcome == DONE)
		fprintf(stderr, "bench: %-6s %-21s %7zu: N=%zu, batches %.3f..%.3f us\n",
			column_label[c], r->operation, r->size, m->n, m->min_us, m->max_us);
}

/* One cell while its row is measured. */
struct timing {
	op_fn op;		/* NULL: nothing to time, for the reason `none` gives */
	enum outcome none;
	void *state;
	size_t max_n;
	double per_iteration[MAX_BATCHES];
};

/*
 * The three cells of a row, their batches taken in turn (krb5, gss-sodium,
 * floor, krb5, ...), so that a change of machine load or CPU clock lands on
 * all three alike: on a virtual machine the speed can drift by a quarter
 * for seconds, longer than all the batches of one cell take.
 */
static void measure_row(struct row *r, struct timing t[COLUMNS])
{
	struct measurement *m;
	double ns;
	int b, c;

	for (c = 0; c < COLUMNS; c++) {
		m = &r->cell[c];
		*m = (struct measurement){ t[c].op != NULL ? DONE : t[c].none, 0, 0, 0, 0 };
		if (m->outcome != DONE)
			continue;
		/* A first run apart: for krb5 it fetches the service ticket. */
		ns = 0;
		if ((m->outcome = t[c].op(t[c].state, r->size, 2, &ns)) == DONE)
			m->outcome = calibrate(t[c].op, t[c].state, r->size, t[c].max_n, &m->n);
	}
	for (b = 0; b < settings.batches; b++) {
		for (c = 0; c < COLUMNS; c++) {
			m = &r->cell[c];
			ns = 0;
			if (m->outcome == DONE &&
			    (m->outcome = t[c].op(t[c].state, r->size, m->n, &ns)) == DONE)
				t[c].per_iteration[b] = ns / (double)m->n / 1000;
		}
	}
	for (c = 0; c < COLUMNS; c++) {
		m = &r->cell[c];
		if (m->outcome != DONE)
			continue;
		m->us = median(t[c].per_iteration, settings.batches);	/* sorts */
		m->min_us = t[c].per_iteration[0];
		m->max_us = t[c].per_iteration[settings.batches - 1];
	}
}

static void measure_all(struct mech *krb5, struct mech *sodium, struct floor_state *f)
{
	struct mech *const mechs[2] = { krb5, sodium };
	struct timing t[COLUMNS];
	struct row *r;
	size_t i;
	int c;

	for (i = 0; i < N_ROWS; i++) {
		r = &rows[i];
		if (!in_this_run(r))
			continue;
		for (c = KRB5; c <= SODIUM; c++) {
			t[c].op = mechs[c]->ready ? r->mech_op : NULL;
			t[c].none = FAILED;	/* the mechanism was not set up */
			t[c].state = mechs[c];
			t[c].max_n = r->max_n;
		}
		if (r->sodium_only) {
			t[KRB5].op = NULL;
			t[KRB5].none = NO_EQUIVALENT;
		}
		/* The cap is for the mechanisms' sake; libsodium alone has none. */
		t[FLOOR].op = r->floor_op;
		t[FLOOR].none = NO_EQUIVALENT;
		t[FLOOR].state = f;
		t[FLOOR].max_n = NO_CAP;
		for (c = KRB5; c <= SODIUM; c++)
			mechs[c]->message_token = 0;
		measure_row(r, t);
		for (c = KRB5; c <= SODIUM; c++) {
			if (r->has_message_token && r->cell[c].outcome == DONE)
				r->message_token[c] = mechs[c]->message_token;
			if (!r->has_token || r->cell[c].outcome != DONE)
				continue;
			r->token_size[c] = mechs[c]->token_size;
			if (!transfer_kept_context(mechs[c])) {
				complain("%s: the imported context does not work", mechs[c]->label);
				r->cell[c].outcome = FAILED;
			}
		}
		for (c = 0; c < COLUMNS; c++)
			say_progress(r, (enum column)c);
	}
}

/* The method's check (peak_check) on a buffer of MAX_MESSAGE bytes, KiB. */
static long peak_check_kib = -1;

/* After the timed rows: the peak memory of the rows that ask for it, for
 * each mechanism that was measured, and the method's check. */
static void measure_peaks(struct mech *krb5, struct mech *sodium)
{
	struct mech *const mechs[2] = { krb5, sodium };
	struct row *r;
	size_t i;
	int c;

	peak_check_kib = peak_median(peak_check, NULL, MAX_MESSAGE);
	for (i = 0; i < N_ROWS; i++) {
		r = &rows[i];
		for (c = KRB5; c <= SODIUM; c++) {
			r->peak_kib[c] = -1;
			if (!r->peak_memory || r->cell[c].outcome != DONE)
				continue;
			r->peak_kib[c] = peak_median(r->mech_op, mechs[c], r->size);
			if (r->peak_kib[c] < 0)
				complain("%s: no peak memory for %s (/proc/self/clear_refs, glibc)",
					 mechs[c]->label, r->operation);
		}
	}
}

static int has_value(const struct measurement *m)
{
	return m->outcome == DONE;
}

/* A cell of the printed table: the number, or why there is none. */
static void format_time(char *out, size_t len, const struct measurement *m)
{
	if (m->outcome == DONE)
		snprintf(out, len, "%.2f", m->us);
	else
		snprintf(out, len, "%s", m->outcome == UNAVAILABLE ? "unavailable"
					 : m->outcome == NO_EQUIVALENT ? "-" : "failed");
}

static void format_ratio(char *out, size_t len, const struct measurement *num,
			 const struct measurement *den)
{
	if (has_value(num) && has_value(den) && den->us > 0)
		snprintf(out, len, "%.2f", num->us / den->us);
	else
		snprintf(out, len, "-");
}

static void format_count(char *out, size_t len, size_t value)
{
	if (value > 0)
		snprintf(out, len, "%zu", value);
	else
		snprintf(out, len, "-");
}

static void print_table(void)
{
	char t[COLUMNS][32], ratio[2][32], size[32], token[2][32];
	size_t i;
	int c;

	printf("Median of %d batches of N iterations (a batch ~%.0f ms); times in "
	       "microseconds per operation.\n\n", settings.batches, settings.batch_ns / 1e6);
	/* "µs" is two bytes of UTF-8 and one column wide: one more byte of width. */
	printf("%-21s %7s %13s %13s %13s %13s %13s %15s %15s\n", "operation", "size",
	       "krb5 (µs)", "sodium (µs)", "floor (µs)", "sodium/krb5", "sodium/floor",
	       "krb5 export B", "sodium export B");
	for (i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (!in_this_run(r))
			continue;
		for (c = 0; c < COLUMNS; c++)
			format_time(t[c], sizeof(t[c]), &r->cell[c]);
		format_ratio(ratio[0], sizeof(ratio[0]), &r->cell[SODIUM], &r->cell[KRB5]);
		format_ratio(ratio[1], sizeof(ratio[1]), &r->cell[SODIUM], &r->cell[FLOOR]);
		format_count(size, sizeof(size), r->size_is_processes ? 0 : r->size);
		format_count(token[0], sizeof(token[0]), r->token_size[KRB5]);
		format_count(token[1], sizeof(token[1]), r->token_size[SODIUM]);
		printf("%-21s %7s %12s %12s %12s %13s %13s %15s %15s\n", r->operation, size,
		       t[KRB5], t[SODIUM], t[FLOOR], ratio[0], ratio[1], token[0], token[1]);
	}
	printf("\nfloor = libsodium alone: handshake %d crypto_scalarmult + %d "
	       "crypto_scalarmult_base;\nexport+import crypto_secretbox_easy + open_easy of "
	       "%d bytes; wrap+unwrap\nXChaCha20-Poly1305 (IETF) seal + open of the message "
	       "with the %d-byte header as\nassociated data and its last 24 bytes as the nonce; "
	       "MIC the same with an empty\nplaintext and header || message as associated data; "
	       "wrap+unwrap integrity the\nMIC's tag with a wrap token's header.  "
	       "Export token sizes are what\ngss_export_sec_context returns.  "
	       "import/cold: the first gss_import_sec_context\nof a new process (mechglue "
	       "configuration, mechanism loading, replay cache).\nexport+import xN: N processes "
	       "at once, time per round trip of all of them\ntogether (1/throughput).  "
	       "handshake record: sm_rcache_prefetch + sm_rcache_record\nof a fresh 32-byte id "
	       "in the keytab's handshake replay cache, as the acceptor\nrecords each handshake "
	       "it admits (at most %d per batch).\n"
	       "handshake/resumed (bench --resumed, its own process, resumption = yes): the\n"
	       "gss-sodium handshake resumes with a ticket (Noise NNpsk0), its floor %d\n"
	       "crypto_scalarmult + %d crypto_scalarmult_base; the krb5 column is krb5's\n"
	       "handshake with its cached service ticket, timed in the same process.\n",
	       HANDSHAKE_FLOOR_DH, HANDSHAKE_FLOOR_KEYGEN, EXPORT_FLOOR_BYTES, FLOOR_HEADER_BYTES,
	       RECORD_MAX_N, RESUMED_FLOOR_DH, RESUMED_FLOOR_KEYGEN);
}

/*
 * The enctype of the key krb5's wrap and MIC tokens use (the acceptor's
 * subkey, or the session key without one), as MIT's krb5 mechanism answers
 * GSS_C_INQ_SSPI_SESSION_KEY: the key, then an OID that is
 * 1.2.840.113554.1.2.2.4 with the enctype number appended.  0 when unknown.
 */
static long krb5_enctype(const struct mech *m)
{
	static const unsigned char prefix[] = "\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x04";
	gss_buffer_set_t data = GSS_C_NO_BUFFER_SET;
	OM_uint32 major, minor;
	const unsigned char *oid;
	long enctype = 0;
	size_t i, len;

	if (!m->ready)
		return 0;
	major = gss_inquire_sec_context_by_oid(&minor, m->traffic.initiator,
					       GSS_C_INQ_SSPI_SESSION_KEY, &data);
	if (GSS_ERROR(major) || data == GSS_C_NO_BUFFER_SET || data->count < 2) {
		if (!GSS_ERROR(major))
			gss_release_buffer_set(&minor, &data);
		return 0;
	}
	oid = data->elements[1].value;
	len = data->elements[1].length;
	if (len > sizeof(prefix) - 1 && memcmp(oid, prefix, sizeof(prefix) - 1) == 0)
		for (i = sizeof(prefix) - 1; i < len && enctype < (1L << 24); i++)
			enctype = enctype << 7 | (oid[i] & 0x7f);
	/* The key itself is not wanted here: wiped before it is freed. */
	sodium_memzero(data->elements[0].value, data->elements[0].length);
	gss_release_buffer_set(&minor, &data);
	return enctype;
}

static const char *enctype_name(long enctype)
{
	switch (enctype) {
	case 17: return "aes128-cts-hmac-sha1-96";
	case 18: return "aes256-cts-hmac-sha1-96";
	case 19: return "aes128-cts-hmac-sha256-128";
	case 20: return "aes256-cts-hmac-sha384-192";
	case 23: return "arcfour-hmac";
	case 25: return "camellia128-cts-cmac";
	case 26: return "camellia256-cts-cmac";
	default: return "unknown";
	}
}

/*
 * Token sizes, from the last wrap and MIC token each mechanism made in the
 * timed rows: a wrap token's bytes over its message, and a MIC token's
 * length.
 */
static void print_token_sizes(const struct mech *krb5)
{
	long enctype = krb5_enctype(krb5);
	char value[2][32];
	size_t i;
	int c;

	printf("\nToken sizes in bytes, from the last token each row made; krb5's wrap and MIC\n"
	       "key: ");
	if (enctype > 0)
		printf("%s (enctype %ld).\n", enctype_name(enctype), enctype);
	else
		printf("enctype unknown.\n");
	printf("%-40s %8s %8s\n", "token", "krb5", "sodium");
	for (i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		int mic = r->mech_op == op_mic, integrity = r->mech_op == op_wrap_integrity;
		char label[64];

		if (!r->has_message_token)
			continue;
		for (c = KRB5; c <= SODIUM; c++) {
			size_t made = r->message_token[c], over = mic ? 0 : r->size;

			if (made == 0 || made < over)
				snprintf(value[c], sizeof(value[c]), "-");
			else
				snprintf(value[c], sizeof(value[c]), "%zu", made - over);
		}
		snprintf(label, sizeof(label), mic ? "MIC, whole token (%zu B message)"
					       : integrity ? "integrity wrap, over a %zu B message"
					       : "sealed wrap, over a %zu B message", r->size);
		printf("%-40s %8s %8s\n", label, value[KRB5], value[SODIUM]);
	}
}

static void format_kib(char *out, size_t len, long kib)
{
	if (kib >= 0)
		snprintf(out, len, "%ld", kib);
	else
		snprintf(out, len, "-");
}

/* The peak memory figures (see "peak memory"), beside the method's check. */
static void print_peaks(void)
{
	char value[2][32], size[32];
	size_t i;
	int c;

	printf("\nPeak extra memory of one operation, KiB: how far the resident set of a child\n"
	       "process rises while it runs the operation once on the message, already in\n"
	       "memory, with its malloc made to keep what is freed (see \"peak memory\" in\n"
	       "bench/bench.c); median of %d children.\n", PEAK_CHILDREN);
	printf("%-21s %7s %8s %8s\n", "operation", "size", "krb5", "sodium");
	for (i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];

		if (!r->peak_memory)
			continue;
		for (c = KRB5; c <= SODIUM; c++)
			format_kib(value[c], sizeof(value[c]), r->peak_kib[c]);
		format_count(size, sizeof(size), r->size);
		printf("%-21s %7s %8s %8s\n", r->operation, size, value[KRB5], value[SODIUM]);
	}
	format_kib(value[0], sizeof(value[0]), peak_check_kib);
	printf("The method's check: malloc, write and free %d bytes: %s KiB.\n", MAX_MESSAGE,
	       value[0]);
}

/* CSV: the table's columns, plain numbers, empty where there is none. */
static void csv_number(FILE *f, int present, double value, int decimals)
{
	fputc(',', f);
	if (present)
		fprintf(f, "%.*f", decimals, value);
}

static int write_csv(const char *path)
{
	/* bench --resumed adds its row to the file bench wrote. */
	FILE *f = fopen(path, settings.resumed ? "a" : "w");
	size_t i;

	if (f == NULL) {
		complain("cannot write %s", path);
		return 0;
	}
	if (!settings.resumed)
		fprintf(f, "operation,size_bytes,krb5_us,sodium_us,floor_us,sodium_over_krb5,"
			   "sodium_over_floor,krb5_export_token_bytes,sodium_export_token_bytes\n");
	for (i = 0; i < N_ROWS; i++) {
		const struct row *r = &rows[i];
		const struct measurement *k = &r->cell[KRB5], *s = &r->cell[SODIUM],
					 *fl = &r->cell[FLOOR];

		if (!in_this_run(r))
			continue;
		fputs(r->operation, f);
		csv_number(f, r->size > 0 && !r->size_is_processes, (double)r->size, 0);
		csv_number(f, has_value(k), k->us, 4);
		csv_number(f, has_value(s), s->us, 4);
		csv_number(f, has_value(fl), fl->us, 4);
		csv_number(f, has_value(s) && has_value(k), s->us / k->us, 4);
		csv_number(f, has_value(s) && has_value(fl), s->us / fl->us, 4);
		csv_number(f, r->token_size[KRB5] > 0, (double)r->token_size[KRB5], 0);
		csv_number(f, r->token_size[SODIUM] > 0, (double)r->token_size[SODIUM], 0);
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		complain("cannot write %s", path);
		return 0;
	}
	return 1;
}

/* Any FAILED cell fails the run; UNAVAILABLE is a state of the mechanism. */
static int all_measured(void)
{
	size_t i;
	int c;

	for (i = 0; i < N_ROWS; i++)
		for (c = 0; c < COLUMNS; c++)
			if (rows[i].cell[c].outcome == FAILED)
				return 0;
	return 1;
}

/* ---- command line ------------------------------------------------------- */

static void usage(FILE *out)
{
	fprintf(out,
		"usage: bench [--quick] [--batches B] [--csv FILE] [--krb5-target SERVICE@HOST]\n"
		"             [--sodium-target SERVICE@HOST] [--resumed] [--verbose]\n"
		"Times krb5 and gss-sodium through MIT's mechglue against libsodium alone.\n"
		"  --quick          3 batches of ~5 ms: a smoke test, not a measurement\n"
		"  --batches B      batches per operation (default 15, at most %d)\n"
		"  --csv FILE       also write the table as CSV\n"
		"  --krb5-target    acceptor name for krb5 (default host@localhost)\n"
		"  --sodium-target  acceptor name for gss-sodium (default host@localhost)\n"
		"  --resumed        only the handshake/resumed row, appended to the CSV; the\n"
		"                   settings must have resumption = yes and the others no\n"
		"  --verbose        N and the fastest and slowest batch of each cell, on stderr\n",
		MAX_BATCHES);
}

static int parse_args(int argc, char **argv)
{
	static const struct option options[] = {
		{ "quick", no_argument, NULL, 'q' },
		{ "batches", required_argument, NULL, 'b' },
		{ "csv", required_argument, NULL, 'c' },
		{ "krb5-target", required_argument, NULL, 'k' },
		{ "sodium-target", required_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "resumed", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int opt, batches = -1;
	char *end;

	while ((opt = getopt_long(argc, argv, "qb:c:k:s:vrh", options, NULL)) != -1) {
		switch (opt) {
		case 'q':
			settings.batches = 3;
			settings.batch_ns = 5e6;
			break;
		case 'b':
			batches = (int)strtol(optarg, &end, 10);
			if (*end != '\0' || batches < 1 || batches > MAX_BATCHES) {
				complain("--batches wants 1 to %d", MAX_BATCHES);
				return 0;
			}
			break;
		case 'c':
			settings.csv_path = optarg;
			break;
		case 'k':
			settings.krb5_target = optarg;
			break;
		case 's':
			settings.sodium_target = optarg;
			break;
		case 'v':
			settings.verbose = 1;
			break;
		case 'r':
			settings.resumed = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return 0;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 0;
	}
	if (batches > 0)	/* after --quick, whatever the order */
		settings.batches = batches;
	return 1;
}

int main(int argc, char **argv)
{
	static struct floor_state alone;	/* large: not on the stack */
	struct mech krb5, sodium;
	int ok;

	if (argc == 2 && strcmp(argv[1], "--import-one") == 0)
		return import_one();
	if (!parse_args(argc, argv))
		return 2;
	if (sodium_init() < 0) {
		complain("libsodium cannot be initialised");
		return 1;
	}
	randombytes_buf(message, sizeof(message));
	/* The members not named are null: GSS_C_NO_NAME, GSS_C_NO_CREDENTIAL
	 * and GSS_C_NO_CONTEXT. */
	krb5 = (struct mech){ .label = "krb5", .oid = krb5_oid,
			      .target_text = settings.krb5_target };
	sodium = (struct mech){ .label = "sodium", .oid = sodium_oid,
				.target_text = settings.sodium_target };

	/* A mechanism that cannot be set up leaves its column "failed"; the
	 * other one is still measured. */
	set_up(&krb5);
	set_up(&sodium);
	floor_set_up(&alone);
	if (settings.resumed && sodium.ready && !sodium_resumes(&sodium))
		sodium.ready = 0;
	if (!settings.resumed)
		record_set_up();
	measure_all(&krb5, &sodium, &alone);
	if (!settings.resumed)
		measure_peaks(&krb5, &sodium);
	print_table();
	if (!settings.resumed) {
		print_token_sizes(&krb5);
		print_peaks();
	}
	ok = all_measured();
	if (settings.csv_path != NULL && !write_csv(settings.csv_path))
		ok = 0;
	tear_down(&krb5);
	tear_down(&sodium);
	return ok ? 0 : 1;
}
