/* Shared by the fuzzing harnesses and the seed generator (fuzz_common.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "export.h"
#include "framing.h"
#include "fuzz_common.h"
#include "init.h"
#include "keyfile.h"
#include "keyring.h"
#include "rcache.h"
#include "secmem.h"
#include "status.h"
#include "test_only_keys.h"
#include "tickets.h"

void fuzz_die(const char *fmt, ...)
{
	va_list ap;

	fputs("fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

/* FUZZ_VERBOSE is set (and not 0). */
static int verbose(void)
{
	static int on = -1;
	const char *v;

	if (on < 0) {
		v = getenv("FUZZ_VERBOSE");
		on = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
	}
	return on;
}

void fuzz_report(const char *call, OM_uint32 major, OM_uint32 minor)
{
	if (!verbose())
		return;
	if (GSS_ERROR(major))
		fprintf(stderr, "fuzz: %s: major %#x: %s\n", call, major, sm_status_sentence(minor));
	else
		fprintf(stderr, "fuzz: %s: major %#x (ok)\n", call, major);
}

/* ---- a deterministic random stream ---------------------------------------- */

/*
 * libsodium draws every random byte through this implementation, installed
 * before sodium_init(): block i of the stream after a reset is ChaCha20
 * keyed with BLAKE2b-256(seed || i).  Only for fuzzing: it makes a token
 * made by the seed generator authentic in a harness, and a crash
 * reproducible from its input alone.
 */
static unsigned char rng_seed[32];
static uint64_t rng_block;

void fuzz_rng_reset(const char *label)
{
	static const char prefix[] = "gss-sodium fuzz TEST-ONLY random stream: ";
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, sizeof(rng_seed));
	crypto_generichash_update(&st, (const unsigned char *)prefix, sizeof(prefix) - 1);
	crypto_generichash_update(&st, (const unsigned char *)label, strlen(label));
	crypto_generichash_final(&st, rng_seed, sizeof(rng_seed));
	rng_block = 0;
}

static void rng_buf(void *buf, size_t size)
{
	unsigned char counter[8], seed[randombytes_SEEDBYTES];
	crypto_generichash_state st;
	int i;

	for (i = 0; i < 8; i++)
		counter[i] = (unsigned char)(rng_block >> (8 * i));
	rng_block++;
	crypto_generichash_init(&st, NULL, 0, sizeof(seed));
	crypto_generichash_update(&st, rng_seed, sizeof(rng_seed));
	crypto_generichash_update(&st, counter, sizeof(counter));
	crypto_generichash_final(&st, seed, sizeof(seed));
	randombytes_buf_deterministic(buf, size, seed);
}

static uint32_t rng_random(void)
{
	uint32_t v;

	rng_buf(&v, sizeof(v));
	return v;
}

static uint32_t rng_uniform(const uint32_t upper)
{
	uint32_t min, v;

	if (upper < 2)
		return 0;
	min = (1U + ~upper) % upper;	/* 2**32 mod upper */
	do
		v = rng_random();
	while (v < min);
	return v % upper;
}

static const char *rng_name(void)
{
	return "gss-sodium-fuzz-deterministic";
}

static void rng_stir(void)
{
}

static int rng_close(void)
{
	return 0;
}

static struct randombytes_implementation rng_implementation = {
	rng_name, rng_random, rng_stir, rng_uniform, rng_buf, rng_close
};

/* ---- a fixed clock --------------------------------------------------------- */

/*
 * fuzz/fuzz.mk links every harness and make_seeds with -Wl,--wrap=time, so
 * that each call of time() in the mechanism's objects and in fuzz/ comes
 * here.  A token 1 carries its maker's clock, in the Noise payload that the
 * handshake hash covers: with the real clock a seed made yesterday would
 * be too old for the acceptor, and token 2 answers only a token 1 made in
 * the same second.  (clock_gettime, which the caches use for their
 * once-a-second checks, is not wrapped.)
 */
static time_t clock_now = FUZZ_CLOCK;

time_t __wrap_time(time_t *t);
time_t __wrap_time(time_t *t)
{
	if (t != NULL)
		*t = clock_now;
	return clock_now;
}

void fuzz_clock_set(time_t t)
{
	clock_now = t;
}

/* ---- the temporary directory and its files ------------------------------- */

#define MAX_FILES 8
static char tmpdir[PATH_MAX];
static char file_paths[MAX_FILES][PATH_MAX];
static int file_count;

const char *fuzz_tmpdir(void)
{
	return tmpdir;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	char *path;
	size_t len = strlen(text);
	int fd;

	if (file_count == MAX_FILES)
		fuzz_die("too many files");
	path = file_paths[file_count++];
	if (snprintf(path, PATH_MAX, "%s/%s", tmpdir, name) >= PATH_MAX)
		fuzz_die("temporary path too long");
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || fchmod(fd, mode) != 0 ||
	    close(fd) != 0)
		fuzz_die("cannot write %s", path);
	return path;
}

/* The replay caches the mechanism made in tmpdir/rcache (4 MiB each). */
static void remove_rcache_dir(void)
{
	char path[PATH_MAX];
	struct dirent *e;
	DIR *d;

	if (snprintf(path, sizeof(path), "%s/rcache", tmpdir) >= (int)sizeof(path))
		return;
	d = opendir(path);
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	rmdir(path);
}

static void remove_tmpdir(void)
{
	int i;

	for (i = 0; i < file_count; i++)
		unlink(file_paths[i]);
	if (tmpdir[0] != '\0') {
		remove_rcache_dir();
		rmdir(tmpdir);
	}
}

static void public_base64(const char *private_b64, char out[SM_KEY_BASE64_CHARS + 1])
{
	unsigned char priv[SM_KEY_BYTES], pub[SM_KEY_BYTES];
	size_t got = 0;

	if (sodium_base642bin(priv, sizeof(priv), private_b64, strlen(private_b64), NULL,
			      &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != SM_KEY_BYTES)
		fuzz_die("bad test key %s", private_b64);
	crypto_scalarmult_base(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	sm_key_to_base64(pub, out);
}

/* Made by fuzz_setup. */
static struct sm_cred *alice_cred, *mallory_cred, *acceptor_cred;
static struct sm_name *service_names[2];
static struct gss_channel_bindings_struct bindings;
static const char *tickets_path;
static struct fuzz_ticket issued;
static gss_buffer_desc full_token1;

static void issue_ticket(void);

/* ---- the handshake replay cache --------------------------------------------- */

/*
 * The acceptor records the ephemeral key of every token 1 it admits in the
 * keytab's handshake replay cache (PROTOCOL.md section 4.5), and refuses
 * that key afterwards.  With the fixed clock no record ever expires, and
 * every initiator of a process draws the same ephemeral key from the reset
 * random stream: left alone, the cache would admit each seed once per
 * process, and a harness would stop reaching what follows admission
 * (policy, names, token 2) after the first input.  So the harnesses empty
 * it before each acceptance, through a mapping of their own of the file,
 * whose layout is section 8's: a 4096-byte header (magic "gsrc0003", u32
 * layout word, u32 tables in use, s64 clock, ...), then 64-byte buckets of
 * four 16-byte entries, an entry being free when its 4-byte expiry is 0.
 * Removing the file would not do: a process looks whether the path still
 * names its file at most once a second, and keeps recording in its mapping
 * meanwhile.
 */
#define RCACHE_HEADER_BYTES 4096
#define RCACHE_TABLES_OFFSET 12
#define RCACHE_CLOCK_OFFSET 16
#define RCACHE_TABLE0_BYTES (65536 * 64)

static unsigned char *hs_cache;
static size_t hs_cache_len;

/* Called at setup: the cache is made now, so that no input draws from the
 * random stream to make it, and mapped. */
static void handshake_cache_open(void)
{
	static const unsigned char some_key[SM_RCACHE_ID_MIN];
	struct sm_rcache_probe probe = { NULL, 0, { 0 } };
	char path[PATH_MAX];
	long long size = -1;
	OM_uint32 minor;
	uint32_t tables;
	int fd;

	sm_rcache_prefetch(SM_RCACHE_HANDSHAKE, acceptor_cred->keytab, some_key,
			   sizeof(some_key), &probe);
	if (probe.cache == NULL)
		fuzz_die("the handshake replay cache of %s cannot be made in %s/rcache",
			 acceptor_cred->keytab, tmpdir);
	sm_rcache_release(&probe);
	if (GSS_ERROR(sm_rcache_inspect(&minor, SM_RCACHE_HANDSHAKE, acceptor_cred->keytab,
					sm_current_settings()->rcache_dir, path, &size)) ||
	    size < 0)
		fuzz_die("the handshake replay cache: %s", sm_status_sentence(minor));
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		fuzz_die("cannot open %s", path);
	hs_cache_len = (size_t)size;
	hs_cache = mmap(NULL, hs_cache_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (hs_cache == MAP_FAILED)
		fuzz_die("cannot map %s", path);
	memcpy(&tables, hs_cache + RCACHE_TABLES_OFFSET, sizeof(tables));
	if (memcmp(hs_cache, "gsrc0003", 8) != 0 || tables != 1 ||
	    hs_cache_len != RCACHE_HEADER_BYTES + RCACHE_TABLE0_BYTES)
		fuzz_die("%s is not laid out as fuzz_common.c expects (PROTOCOL.md section 8 changed?)",
			 path);
}

void fuzz_handshake_cache_forget(void)
{
	int64_t clock;
	uint32_t tables;

	/* Every record raises the header's clock from the 0 left here. */
	memcpy(&clock, hs_cache + RCACHE_CLOCK_OFFSET, sizeof(clock));
	if (clock == 0)
		return;
	memcpy(&tables, hs_cache + RCACHE_TABLES_OFFSET, sizeof(tables));
	if (tables != 1)
		fuzz_die("the handshake replay cache grew to %u tables", tables);
	memset(hs_cache + RCACHE_HEADER_BYTES, 0, hs_cache_len - RCACHE_HEADER_BYTES);
	memset(hs_cache + RCACHE_CLOCK_OFFSET, 0, sizeof(clock));
}

/* ---- setup ----------------------------------------------------------------- */

static struct sm_name *make_name(const char *text)
{
	struct sm_name *n;
	OM_uint32 minor;

	if (GSS_ERROR(sm_name_from_canonical(&minor, text, strlen(text), &n)))
		fuzz_die("name %s: %s", text, sm_status_sentence(minor));
	return n;
}

void fuzz_setup(void)
{
	static int done;
	char alice[SM_KEY_BASE64_CHARS + 1], http[SM_KEY_BASE64_CHARS + 1];
	char host[SM_KEY_BASE64_CHARS + 1], text[1024 + PATH_MAX];
	struct sm_cred_files mallory_files = { NULL, NULL, NULL };
	const struct sm_keyring *ring;
	const char *base = getenv("TMPDIR");
	char path[PATH_MAX];
	OM_uint32 minor;

	if (done++)
		return;
	if (time(NULL) != FUZZ_CLOCK)
		fuzz_die("time() is not the fixed clock: link with -Wl,--wrap=time (fuzz/fuzz.mk)");
	/* Before sodium_init(), which sm_init() calls. */
	randombytes_set_implementation(&rng_implementation);
	fuzz_rng_reset("setup");
	if (sodium_init() < 0)
		fuzz_die("sodium_init failed");

	if (base == NULL || base[0] == '\0')
		base = "/tmp";
	if (snprintf(tmpdir, sizeof(tmpdir), "%s/gss-sodium-fuzz-XXXXXX", base) >=
	    (int)sizeof(tmpdir) || mkdtemp(tmpdir) == NULL)
		fuzz_die("cannot make a temporary directory in %s", base);
	atexit(remove_tmpdir);
	/* The settings want absolute paths (TMPDIR may be relative). */
	if (realpath(tmpdir, path) == NULL || strlen(path) >= sizeof(tmpdir))
		fuzz_die("cannot resolve %s", tmpdir);
	strcpy(tmpdir, path);

	/* Only the files below, never the machine's own, and no trace file. */
	unsetenv("GSS_SODIUM_TRACE");
	public_base64(TEST_ONLY_ALICE_PRIVATE, alice);
	public_base64(TEST_ONLY_HTTP_PRIVATE, http);
	public_base64(TEST_ONLY_HOST_PRIVATE, host);
	setenv("GSS_SODIUM_KEYTAB", write_file("keytab",
		"# TEST ONLY\n"
		"HTTP@web " TEST_ONLY_HTTP_PRIVATE "\n"
		"host@web " TEST_ONLY_HOST_PRIVATE "\n", 0600), 1);
	setenv("GSS_SODIUM_IDENTITY", write_file("identity",
		"alice " TEST_ONLY_ALICE_PRIVATE "\n", 0600), 1);
	mallory_files.identity = write_file("identity-mallory",
		"mallory " TEST_ONLY_MALLORY_PRIVATE "\n", 0600);
	snprintf(text, sizeof(text), "alice %s\nHTTP@web %s\nhost@web %s\n", alice, http, host);
	setenv("GSS_SODIUM_PEERS", write_file("peers", text, 0644), 1);
	setenv("GSS_SODIUM_SEALKEYS", write_file("sealkeys",
		"1 " TEST_ONLY_SEAL_KEY_1 " 2024-01-01T00:00:00Z retired\n"
		"2 " TEST_ONLY_SEAL_KEY_2 " 2024-06-01T00:00:00Z\n", 0600), 1);
	/* A long context life, so the established pairs outlive any run;
	 * import_once off, so no import replay cache is written.  The
	 * acceptor's handshake replay cache is, in rcache_dir here
	 * (handshake_cache_open); clock_skew keeps its default, 300 s, as the
	 * clock is fixed. */
	snprintf(text, sizeof(text),
		 "context_lifetime = 3650d\n"
		 "allow_anonymous = no\n"
		 "allow_unknown_initiators = no\n"
		 "export_max_age = 0\n"
		 "import_once = no\n"
		 "export_bind_uid = no\n"
		 "rcache_dir = %s/rcache\n", tmpdir);
	setenv("GSS_SODIUM_CONF", write_file("sodium.conf", text, 0644), 1);
	/* Read and written only with ticket_cache = file (fuzz_tickets_file);
	 * named here so that it never is $XDG_RUNTIME_DIR's. */
	tickets_path = write_file("tickets", "", 0600);
	setenv("GSS_SODIUM_TICKETS", tickets_path, 1);

	if (GSS_ERROR(sm_init(&minor)))
		fuzz_die("sm_init: %s", sm_status_sentence(minor));
	if (GSS_ERROR(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, NULL, &alice_cred)) ||
	    GSS_ERROR(sm_cred_acquire(&minor, NULL, GSS_C_INITIATE, &mallory_files,
				      &mallory_cred)) ||
	    GSS_ERROR(sm_cred_acquire(&minor, NULL, GSS_C_ACCEPT, NULL, &acceptor_cred)))
		fuzz_die("credentials: %s", sm_status_sentence(minor));
	service_names[FUZZ_HTTP] = make_name("HTTP@web");
	service_names[FUZZ_HOST] = make_name("host@web");
	bindings.application_data.value = (void *)"gss-sodium fuzz channel bindings";
	bindings.application_data.length = strlen(bindings.application_data.value);
	/* Load the keyring now, so that its cache (which holds locked slots)
	 * is not counted against the first input. */
	if (GSS_ERROR(sm_keyring_acquire(&minor, &ring, path)))
		fuzz_die("keyring: %s", sm_status_sentence(minor));
	sm_keyring_release(ring);
	handshake_cache_open();
	issue_ticket();
}

struct sm_cred *fuzz_initiator_cred(enum fuzz_identity who)
{
	return who == FUZZ_MALLORY ? mallory_cred : alice_cred;
}

struct sm_cred *fuzz_acceptor_cred(void)
{
	return acceptor_cred;
}

const struct sm_name *fuzz_service_name(enum fuzz_service which)
{
	return service_names[which];
}

gss_channel_bindings_t fuzz_bindings(void)
{
	return &bindings;
}

struct sm_settings *fuzz_settings(void)
{
	return (struct sm_settings *)sm_current_settings();
}

/* ---- handshake ----------------------------------------------------------- */

/* The keys a ticket of `who` for `target` is kept under: who's own, and
 * the target's in the peers file. */
static void ticket_keys(enum fuzz_identity who, enum fuzz_service target,
			const unsigned char **own, const unsigned char **peer)
{
	const struct sm_cred *cred = fuzz_initiator_cred(who);
	const struct sm_key_entry *e;
	size_t from = 0;

	e = sm_keys_find(&cred->peers, service_names[target], &from);
	if (e == NULL || cred->initiator.count == 0)
		fuzz_die("no keys to keep a ticket for %s under", service_names[target]->text);
	*own = cred->initiator.entries[0].public_key;
	*peer = e->public_key;
}

/* Put `t` in the initiator's ticket store, as keep_ticket would have. */
static void hold(enum fuzz_identity who, const struct fuzz_ticket *t)
{
	const unsigned char *own, *peer;

	ticket_keys(who, t->target, &own, &peer);
	sm_tickets_keep(service_names[t->target]->text, own, peer, t->secret, t->ticket, t->len,
			t->not_after);
}

int fuzz_ticket_held(enum fuzz_identity who, enum fuzz_service target, struct fuzz_ticket *out)
{
	const unsigned char *own, *peer;
	struct sm_held_ticket held;
	const char *why;

	ticket_keys(who, target, &own, &peer);
	if (!sm_tickets_find(service_names[target]->text, own, peer, time(NULL), &held, &why))
		return 0;
	if (held.ticket_len > sizeof(out->ticket))
		fuzz_die("a ticket of %zu bytes is held", held.ticket_len);
	out->target = target;
	memcpy(out->secret, held.secret, sizeof(out->secret));
	memcpy(out->ticket, held.ticket, held.ticket_len);
	out->len = held.ticket_len;
	out->not_after = held.not_after;
	sm_held_ticket_clear(&held);
	return 1;
}

const struct fuzz_ticket *fuzz_ticket_issued(void)
{
	return &issued;
}

OM_uint32 fuzz_initiate_holding(enum fuzz_identity who, enum fuzz_service target,
				unsigned sel, const struct fuzz_ticket *held,
				struct sm_context **ctx, gss_buffer_t token1)
{
	OM_uint32 minor, major, flags = GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG;
	struct sm_settings *s = fuzz_settings();
	int resumption = s->resumption;

	if (sel & FUZZ_INIT_ANON)
		flags |= GSS_C_ANON_FLAG;
	if (sel & FUZZ_INIT_DETECT)
		flags |= GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG;
	/* A ticket an earlier handshake of the process left would make
	 * this one resume. */
	sm_tickets_clear_memory();
	if (held != NULL)
		hold(who, held);
	s->resumption = !(sel & FUZZ_INIT_NO_RESUMPTION);
	*ctx = NULL;
	fuzz_rng_reset("initiator");
	major = sm_context_initiate(&minor, fuzz_initiator_cred(who), ctx,
				    fuzz_service_name(target), flags, 0,
				    (sel & FUZZ_INIT_BINDINGS) ? fuzz_bindings()
							       : GSS_C_NO_CHANNEL_BINDINGS,
				    GSS_C_NO_BUFFER, token1, NULL, NULL);
	s->resumption = resumption;
	return major;
}

OM_uint32 fuzz_initiate_first(enum fuzz_identity who, enum fuzz_service target,
			      unsigned sel, struct sm_context **ctx,
			      gss_buffer_t token1)
{
	return fuzz_initiate_holding(who, target, sel, (sel & FUZZ_INIT_RESUME) ? &issued : NULL,
				     ctx, token1);
}

/* Give token1 to *ctx (NULL: a new acceptor context). */
static OM_uint32 accept_token(unsigned sel, const gss_buffer_desc *token1,
			      struct sm_context **ctx, gss_buffer_t token2,
			      struct sm_name **src, const char *call)
{
	struct sm_settings *s = fuzz_settings();
	int anon = s->allow_anonymous, unknown = s->allow_unknown_initiators;
	int resumption = s->resumption;
	OM_uint32 minor, major;

	s->allow_anonymous = !!(sel & FUZZ_ACC_ALLOW_ANON);
	s->allow_unknown_initiators = !!(sel & FUZZ_ACC_ALLOW_UNKNOWN);
	s->resumption = !(sel & FUZZ_ACC_NO_RESUMPTION);
	fuzz_rng_reset("acceptor");
	major = sm_context_accept(&minor, acceptor_cred, ctx, token1,
				  (sel & FUZZ_ACC_BINDINGS) ? fuzz_bindings()
							    : GSS_C_NO_CHANNEL_BINDINGS,
				  src, token2, NULL, NULL);
	fuzz_report(call, major, minor);
	s->allow_anonymous = anon;
	s->allow_unknown_initiators = unknown;
	s->resumption = resumption;
	return major;
}

OM_uint32 fuzz_accept_token(unsigned sel, const gss_buffer_desc *token1,
			    struct sm_context **ctx, gss_buffer_t token2,
			    struct sm_name **src)
{
	fuzz_handshake_cache_forget();
	*ctx = NULL;
	return accept_token(sel, token1, ctx, token2, src, "accept");
}

OM_uint32 fuzz_accept_token_again(unsigned sel, const gss_buffer_desc *token1,
				  struct sm_context **ctx, gss_buffer_t token2,
				  struct sm_name **src)
{
	*ctx = NULL;
	return accept_token(sel, token1, ctx, token2, src, "accept again");
}

/* PROTOCOL.md section 4.2.1: the token id, the reasons and the tag of
 * token 3. */
#define TOKEN_ID_REFUSAL 0x0103
#define REFUSAL_REASON_MAX 8
#define REFUSAL_TAG_BYTES 16

unsigned fuzz_accept_after_refusal(unsigned sel, struct sm_context **ctx,
				   const gss_buffer_desc *token3)
{
	gss_buffer_desc token2 = GSS_C_EMPTY_BUFFER;
	struct sm_name *src = NULL;
	struct sm_reader r;
	OM_uint32 minor, major;
	unsigned reason;
	int local, open;

	if (!sm_frame_read(token3, &r) || sm_read_u16be(&r) != TOKEN_ID_REFUSAL ||
	    sm_read_u8(&r) != 2)
		fuzz_die("the acceptor refused a ticket with a token that is not a token 3");
	reason = sm_read_u8(&r);
	(void)sm_read_bytes(&r, REFUSAL_TAG_BYTES);
	if (!sm_reader_done(&r) || reason == 0 || reason > REFUSAL_REASON_MAX)
		fuzz_die("the acceptor refused a ticket for reason %u, which PROTOCOL.md does not give",
			 reason);
	if (verbose())
		fprintf(stderr, "fuzz: accept: token 3, reason %u\n", reason);
	if (*ctx == NULL ||
	    GSS_ERROR(sm_context_inquire(&minor, *ctx, NULL, NULL, NULL, NULL, &local, &open)) ||
	    local || open)
		fuzz_die("the acceptor refused a ticket without a context that awaits a full token 1");
	major = accept_token(sel, &full_token1, ctx, &token2, &src, "accept after refusal");
	if (major != GSS_S_COMPLETE || token2.length == 0 || src == NULL ||
	    strcmp(src->text, "alice") != 0)
		fuzz_die("after refusing a ticket the acceptor did not complete alice's full token 1 (major %#x)",
			 major);
	free(token2.value);
	sm_name_free(&src);
	return reason;
}

/* The acceptor (policy `acc_sel`) answers t1 into *acc, and the
 * initiator *init, which sent t1, reads the answer: its major. */
static OM_uint32 answer(unsigned acc_sel, const gss_buffer_desc *t1, struct sm_context **init,
			struct sm_context **acc, const char *what)
{
	gss_buffer_desc t2 = GSS_C_EMPTY_BUFFER, none = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor, major;

	major = fuzz_accept_token(acc_sel, t1, acc, &t2, NULL);
	if (major != GSS_S_COMPLETE)
		fuzz_die("%s: accept failed (major %#x)", what, major);
	major = sm_context_initiate(&minor, NULL, init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    &t2, &none, NULL, NULL);
	fuzz_report(what, major, minor);
	if (none.length != 0)
		fuzz_die("%s: the initiator answered token 2", what);
	free(t2.value);
	free(none.value);
	return major;
}

void fuzz_initiate_after_refusal(struct sm_context **ctx, const gss_buffer_desc *token1)
{
	struct sm_context *acc = NULL;

	if (answer(0, token1, ctx, &acc, "initiate after refusal") != GSS_S_COMPLETE)
		fuzz_die("after falling back, the initiator did not complete its full handshake");
	sm_context_free(&acc);
}

void fuzz_pair_establish(enum fuzz_pair_kind kind, struct fuzz_pair *p)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER;
	int named = kind == FUZZ_PAIR_NAMED;
	OM_uint32 major;

	memset(p, 0, sizeof(*p));
	major = fuzz_initiate_first(FUZZ_ALICE, named ? FUZZ_HTTP : FUZZ_HOST,
				    named ? FUZZ_INIT_DETECT : FUZZ_INIT_ANON, &p->init, &t1);
	if (major != GSS_S_CONTINUE_NEEDED)
		fuzz_die("pair: initiate failed (major %#x)", major);
	if (answer(named ? 0 : FUZZ_ACC_ALLOW_ANON, &t1, &p->init, &p->acc, "pair") !=
	    GSS_S_COMPLETE)
		fuzz_die("pair: the initiator did not finish");
	free(t1.value);
}

/*
 * At setup: the named pair's handshake leaves alice the acceptor's ticket
 * for HTTP@web, the same in every process (random stream and clock
 * fixed), which FUZZ_INIT_RESUME then holds; and alice's full token 1,
 * which fuzz_accept_after_refusal gives.  The store is left empty.
 */
static void issue_ticket(void)
{
	struct sm_context *ctx = NULL;
	struct fuzz_pair p;

	fuzz_pair_establish(FUZZ_PAIR_NAMED, &p);
	if (!fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &issued))
		fuzz_die("the named pair's handshake left alice no ticket");
	fuzz_pair_release(&p);
	if (fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, FUZZ_INIT_BINDINGS, &ctx, &full_token1) !=
	    GSS_S_CONTINUE_NEEDED)
		fuzz_die("alice's full token 1 was not made");
	sm_context_free(&ctx);
	sm_tickets_clear_memory();
}

void fuzz_pair_release(struct fuzz_pair *p)
{
	sm_context_free(&p->init);
	sm_context_free(&p->acc);
}

/* ---- sealed export ------------------------------------------------------- */

static void put_be(unsigned char *p, uint64_t v, int bytes)
{
	int i;

	for (i = bytes - 1; i >= 0; i--, v >>= 8)
		p[i] = (unsigned char)v;
}

static uint64_t get_be(const unsigned char *p, int bytes)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < bytes; i++)
		v = (v << 8) | p[i];
	return v;
}

/* The 56-byte header of doc/PROTOCOL.md section 7.2, format version 2
 * (whose box key sm_seal_key_for_header derives with the label
 * "gss-sodium export v2"). */
_Static_assert(FUZZ_EXPORT_HEADER_BYTES == SM_EXPORT_HEADER_BYTES &&
	       FUZZ_EXPORT_NONCE_BYTES == SM_EXPORT_NONCE_BYTES,
	       "the exported token format changed");
#define FUZZ_EXPORT_VERSION 2
_Static_assert(FUZZ_EXPORT_VERSION == SM_EXPORT_VERSION, "the export format version changed");

static void write_header(const struct fuzz_export_header *h,
			 unsigned char out[FUZZ_EXPORT_HEADER_BYTES])
{
	memcpy(out, "sodX", 4);
	out[4] = FUZZ_EXPORT_VERSION;
	out[5] = h->flags;
	out[6] = out[7] = 0;
	put_be(out + 8, h->key_id, 4);
	put_be(out + 12, h->created, 8);
	put_be(out + 20, h->not_after, 8);
	put_be(out + 28, h->uid, 4);
	memcpy(out + 32, h->nonce, FUZZ_EXPORT_NONCE_BYTES);
}

/* The box key for a header of `use`, from the test keyring the process
 * reads. */
static void box_key(enum sm_seal_use use, uint32_t key_id, const unsigned char *header,
		    size_t header_len, unsigned char k[crypto_secretbox_KEYBYTES])
{
	const struct sm_keyring *ring;
	const struct sm_seal_key *key;
	char path[PATH_MAX];
	OM_uint32 minor;

	if (GSS_ERROR(sm_keyring_acquire(&minor, &ring, path)))
		fuzz_die("keyring: %s", sm_status_sentence(minor));
	key = sm_keyring_find(ring, key_id);
	if (key == NULL)
		fuzz_die("no test sealing key %u", key_id);
	sm_seal_key_for_header(key, use, header, header_len, k);
	sm_keyring_release(ring);
}

/* header[header_len], then plain[len] sealed under key_id's key for that
 * header and `use`, with `nonce`: malloc()ed, header_len + 16 + len bytes. */
static unsigned char *seal_box(enum sm_seal_use use, uint32_t key_id,
			       const unsigned char *header, size_t header_len,
			       const unsigned char *nonce, const unsigned char *plain, size_t len)
{
	unsigned char k[crypto_secretbox_KEYBYTES], *out;

	out = malloc(header_len + crypto_secretbox_MACBYTES + len);
	if (out == NULL)
		fuzz_die("out of memory");
	memcpy(out, header, header_len);
	box_key(use, key_id, out, header_len, k);
	crypto_secretbox_easy(out + header_len, plain, len, nonce, k);
	sodium_memzero(k, sizeof(k));
	return out;
}

void fuzz_seal(const struct fuzz_export_header *h, const unsigned char *state,
	       size_t len, gss_buffer_t out)
{
	unsigned char header[FUZZ_EXPORT_HEADER_BYTES];

	write_header(h, header);
	out->value = seal_box(SM_SEAL_EXPORT, h->key_id, header, sizeof(header), h->nonce, state,
			      len);
	out->length = FUZZ_EXPORT_HEADER_BYTES + crypto_secretbox_MACBYTES + len;
}

size_t fuzz_unseal(const gss_buffer_desc *token, struct fuzz_export_header *h,
		   unsigned char *state, size_t cap)
{
	const unsigned char *t = token->value;
	unsigned char k[crypto_secretbox_KEYBYTES];
	size_t sealed_len;
	int failed;

	if (token->length < FUZZ_EXPORT_HEADER_BYTES + crypto_secretbox_MACBYTES ||
	    memcmp(t, "sodX", 4) != 0 || t[4] != FUZZ_EXPORT_VERSION)
		return 0;
	sealed_len = token->length - FUZZ_EXPORT_HEADER_BYTES;
	if (sealed_len - crypto_secretbox_MACBYTES > cap)
		return 0;
	h->flags = t[5];
	h->key_id = (uint32_t)get_be(t + 8, 4);
	h->created = get_be(t + 12, 8);
	h->not_after = get_be(t + 20, 8);
	h->uid = (uint32_t)get_be(t + 28, 4);
	memcpy(h->nonce, t + 32, FUZZ_EXPORT_NONCE_BYTES);
	box_key(SM_SEAL_EXPORT, h->key_id, t, FUZZ_EXPORT_HEADER_BYTES, k);
	failed = crypto_secretbox_open_easy(state, t + FUZZ_EXPORT_HEADER_BYTES, sealed_len,
					    h->nonce, k) != 0;
	sodium_memzero(k, sizeof(k));
	return failed ? 0 : sealed_len - crypto_secretbox_MACBYTES;
}

/* ---- tickets ------------------------------------------------------------- */

/* The 52-byte header of doc/PROTOCOL.md section 4.6, format version 2
 * (whose box key sm_seal_key_for_header derives with the label
 * "gss-sodium ticket v2"). */
#define FUZZ_TICKET_HEADER_BYTES 52
#define FUZZ_TICKET_VERSION 2
_Static_assert(FUZZ_TICKET_HEADER_BYTES == SM_TICKET_HEADER_BYTES &&
	       FUZZ_TICKET_VERSION == SM_TICKET_VERSION, "the ticket format changed");

/* What sm_ticket_open's read_name may give: a user or a service, 1 to 255
 * bytes (a NUL inside would only shorten the text, which fuzz_ticket
 * compares with the bytes sealed). */
static void check_ticket_name(enum sm_name_kind kind, const char *text, const char *which)
{
	size_t n = strnlen(text, SM_NAME_MAX + 1);

	if ((kind != SM_NAME_USER && kind != SM_NAME_HOSTBASED) || n == 0 || n > SM_NAME_MAX)
		fuzz_die("an opened ticket's %s name is of kind %d and %zu bytes long", which,
			 (int)kind, n);
}

enum sm_ticket_verdict fuzz_ticket_open(const unsigned char *ticket, size_t len,
					struct sm_ticket_contents *c)
{
	static const char *const verdicts[] = {
		[SM_TICKET_OPENED] = "opened", [SM_TICKET_MALFORMED] = "malformed",
		[SM_TICKET_UNKNOWN_KEY] = "unknown or retired key", [SM_TICKET_FORGED] = "forged",
		[SM_TICKET_EXPIRED] = "expired", [SM_TICKET_NO_MEMORY] = "no memory"
	};
	const struct sm_keyring *ring;
	enum sm_ticket_verdict v;
	char path[PATH_MAX];
	OM_uint32 minor;

	if (GSS_ERROR(sm_keyring_acquire(&minor, &ring, path)))
		fuzz_die("keyring: %s", sm_status_sentence(minor));
	v = sm_ticket_open(ring, ticket, len, time(NULL), c);
	sm_keyring_release(ring);
	if (verbose())
		fprintf(stderr, "fuzz: ticket_open: %s\n", verdicts[v]);
	if (v != SM_TICKET_OPENED) {
		if (c->secret != NULL)
			fuzz_die("a ticket that did not open (verdict %d) holds a secret", (int)v);
		return v;
	}
	check_ticket_name(c->initiator_kind, c->initiator_name, "initiator's");
	check_ticket_name(c->acceptor_kind, c->acceptor_name, "acceptor's");
	/* Key 1 is retired, so only key 2 opens. */
	if (c->secret == NULL || c->header.key_id != FUZZ_SEAL_KEY ||
	    c->header.not_after < (uint64_t)time(NULL))
		fuzz_die("a ticket opened without a secret, under key %u, or after its not-after",
			 c->header.key_id);
	return v;
}

enum sm_ticket_verdict fuzz_ticket_open_contents(const unsigned char *contents, size_t len,
						 struct sm_ticket_contents *c)
{
	static const unsigned char nonce[SM_TICKET_NONCE_BYTES] = "gss-sodium fuzz ticket";
	unsigned char header[FUZZ_TICKET_HEADER_BYTES], *ticket;
	enum sm_ticket_verdict v;

	memcpy(header, "sodT", 4);
	header[4] = FUZZ_TICKET_VERSION;
	header[5] = header[6] = header[7] = 0;
	put_be(header + 8, FUZZ_SEAL_KEY, 4);
	put_be(header + 12, (uint64_t)FUZZ_CLOCK - 60, 8);
	put_be(header + 20, (uint64_t)FUZZ_CLOCK + 3600, 8);
	memcpy(header + 28, nonce, sizeof(nonce));
	ticket = seal_box(SM_SEAL_TICKET, FUZZ_SEAL_KEY, header, sizeof(header), nonce, contents,
			  len);
	v = fuzz_ticket_open(ticket, sizeof(header) + crypto_secretbox_MACBYTES + len, c);
	free(ticket);
	return v;
}

static void tickets_file_write(const unsigned char *text, size_t len)
{
	int fd = open(tickets_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (len > 0 && write(fd, text, len) != (ssize_t)len) ||
	    fchmod(fd, 0600) != 0 || close(fd) != 0)
		fuzz_die("cannot write %s", tickets_path);
}

/* The ticket cache file as it is now: malloc()ed. */
static unsigned char *tickets_file_read(size_t *len)
{
	unsigned char *text;
	struct stat st;
	int fd = open(tickets_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0)
		fuzz_die("cannot read %s", tickets_path);
	text = malloc((size_t)st.st_size + 1);
	if (text == NULL || read(fd, text, (size_t)st.st_size) != (ssize_t)st.st_size)
		fuzz_die("cannot read %s", tickets_path);
	close(fd);
	*len = (size_t)st.st_size;
	return text;
}

/* Forget alice's ticket to HTTP@web, which rewrites the file: its text. */
static unsigned char *tickets_file_forget(size_t *len)
{
	const unsigned char *own, *peer;

	ticket_keys(FUZZ_ALICE, FUZZ_HTTP, &own, &peer);
	sm_tickets_forget(service_names[FUZZ_HTTP]->text, own);
	return tickets_file_read(len);
}

int fuzz_tickets_file(const unsigned char *text, size_t len, int rewrite)
{
	struct sm_settings *s = fuzz_settings();
	int cache = s->ticket_cache, found;
	unsigned char *once, *twice;
	struct sm_ticket_header h;
	struct fuzz_ticket t;
	size_t once_len, twice_len;
	OM_uint32 minor;

	tickets_file_write(text, len);
	sm_tickets_clear_memory();
	s->ticket_cache = SM_TICKET_CACHE_FILE;
	found = fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &t);
	if (verbose())
		fprintf(stderr, "fuzz: tickets_find: %s\n", found ? "found" : "none");
	/* A line gives a ticket whose header parses and whose not-after
	 * is the line's, and sm_tickets_find one not past it. */
	if (found && (GSS_ERROR(sm_ticket_header_parse(&minor, t.ticket, t.len, &h)) ||
		      h.not_after != t.not_after || t.not_after < (uint64_t)time(NULL)))
		fuzz_die("the ticket cache gave a ticket its line does not describe");
	if (rewrite) {
		once = tickets_file_forget(&once_len);
		sm_tickets_clear_memory();
		if (fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &t))
			fuzz_die("a forgotten ticket was read from the ticket cache again");
		twice = tickets_file_forget(&twice_len);
		if (once_len != twice_len || memcmp(once, twice, once_len) != 0)
			fuzz_die("the ticket cache file changed when written again (%zu bytes, then %zu): a line the mechanism writes does not read back",
				 once_len, twice_len);
		free(once);
		free(twice);
	}
	s->ticket_cache = cache;
	sm_tickets_clear_memory();
	return found;
}

void fuzz_tickets_file_of(const struct fuzz_ticket *t, unsigned char **text, size_t *len)
{
	struct sm_settings *s = fuzz_settings();
	int cache = s->ticket_cache;

	tickets_file_write(NULL, 0);
	s->ticket_cache = SM_TICKET_CACHE_FILE;
	hold(FUZZ_ALICE, t);
	s->ticket_cache = cache;
	sm_tickets_clear_memory();
	*text = tickets_file_read(len);
}

/* ---- the Redis protocol client ------------------------------------------- */

/* Every byte a call may read was sent before it, or the sending end is
 * shut: a call never waits, and one that needs more than was sent fails
 * at once, as at the end of replay_cache_timeout. */
#define RESP_TIMEOUT_MS 0

/* Send p[len] as the server, then shut its sending end if `last`.  All of
 * it must fit the socket's buffer: nothing reads it before the call. */
static void resp_send(int fd, const unsigned char *p, size_t len, int last)
{
	ssize_t n;

	for (; len > 0; p += n, len -= (size_t)n) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			fuzz_die("resp: %zu bytes of replies do not fit the socket: %s", len,
				 n < 0 ? strerror(errno) : "nothing sent");
	}
	if (last && shutdown(fd, SHUT_WR) != 0)
		fuzz_die("resp: shutdown: %s", strerror(errno));
}

/* An optional sign and decimal digits: the number after ':' or '$'. */
static int resp_is_number(const unsigned char *p, size_t len)
{
	size_t i = len > 0 && (p[0] == '+' || p[0] == '-');

	if (i == len)
		return 0;
	for (; i < len; i++)
		if (p[i] < '0' || p[i] > '9')
			return 0;
	return 1;
}

/* A reply is the bytes the call took, wire[len]: its type's first byte,
 * its text as sent, its numbers a sign and digits, each line's CRLF. */
static void resp_check_reply(const struct sm_resp_reply *reply, const unsigned char *wire,
			     size_t len)
{
	static const char first[] = {
		[SM_RESP_STATUS] = '+', [SM_RESP_ERROR] = '-', [SM_RESP_INTEGER] = ':',
		[SM_RESP_BULK] = '$', [SM_RESP_NIL] = '$'
	};
	size_t n = reply->len, head;
	int ok;

	if ((unsigned)reply->type > SM_RESP_NIL)
		fuzz_die("resp: a reply of type %d", (int)reply->type);
	if (n >= sizeof(reply->text) || reply->text[n] != '\0')
		fuzz_die("resp: a reply of %zu bytes is not NUL-terminated in its buffer", n);
	ok = len >= 3 && wire[0] == first[reply->type] && memcmp(wire + len - 2, "\r\n", 2) == 0;
	switch (reply->type) {
	case SM_RESP_STATUS:
	case SM_RESP_ERROR:
		ok = ok && len == n + 3 && memcmp(wire + 1, reply->text, n) == 0;
		break;
	case SM_RESP_INTEGER:
	case SM_RESP_NIL:
		ok = ok && n == 0 && resp_is_number(wire + 1, len - 3);
		break;
	case SM_RESP_BULK:
		/* $, head, CRLF, n bytes, CRLF */
		head = len - n - 5;
		ok = ok && len >= n + 6 && resp_is_number(wire + 1, head) &&
		     memcmp(wire + 1 + head, "\r\n", 2) == 0 &&
		     memcmp(wire + 3 + head, reply->text, n) == 0;
		break;
	}
	if (!ok)
		fuzz_die("resp: a reply of type %d, %zu bytes, is not the %zu bytes read",
			 (int)reply->type, n, len);
}

/*
 * One call on `c` after the server sent wire[sent], checked: a failure
 * gives a reason and closes the connection; a reply is the bytes from
 * *taken on (resp_check_reply), past which *taken then moves.
 */
static int resp_call(struct sm_resp *c, int argc, const char *const *argv,
		     const unsigned char *wire, size_t sent, size_t *taken,
		     struct sm_resp_reply *reply, char *why)
{
	static const char *const kinds[] = {
		[SM_RESP_STATUS] = "status", [SM_RESP_ERROR] = "error",
		[SM_RESP_INTEGER] = "integer", [SM_RESP_BULK] = "bulk", [SM_RESP_NIL] = "nil"
	};
	size_t lens[5], left;
	int fd = c->fd, i, r, unread;

	for (i = 0; i < argc; i++)
		lens[i] = strlen(argv[i]);
	/* Whatever the call does not write stays visibly unwritten. */
	memset(reply, 0xa5, sizeof(*reply));
	memset(why, 'x', SM_RESP_WHY_MAX);
	r = sm_resp_call(c, argc, argv, lens, RESP_TIMEOUT_MS, reply, why);
	if (r == -1) {
		if (memchr(why, '\0', SM_RESP_WHY_MAX) == NULL || why[0] == '\0')
			fuzz_die("resp: %s failed without a reason", argv[0]);
		if (c->fd != -1 || c->have != 0 || fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			fuzz_die("resp: %s failed (%s) and left its connection open", argv[0], why);
		if (verbose())
			fprintf(stderr, "fuzz: resp: %s: %s\n", argv[0], why);
		return -1;
	}
	if (r != 0)
		fuzz_die("resp: %s returned %d", argv[0], r);
	if (c->fd != fd || c->have > sizeof(c->in) || ioctl(fd, FIONREAD, &unread) != 0)
		fuzz_die("resp: %s returned a reply and broke its connection", argv[0]);
	/* Taken: what was sent, less what the socket and the buffer still hold. */
	left = (size_t)unread + c->have;
	if (left > sent - *taken)
		fuzz_die("resp: %s holds %zu bytes, more than the %zu not taken before",
			 argv[0], left, sent - *taken);
	resp_check_reply(reply, wire + *taken, sent - left - *taken);
	*taken = sent - left;
	if (verbose() && reply->type == SM_RESP_INTEGER)
		fprintf(stderr, "fuzz: resp: %s: integer %lld\n", argv[0], reply->integer);
	else if (verbose())
		fprintf(stderr, "fuzz: resp: %s: %s, %zu bytes\n", argv[0], kinds[reply->type],
			reply->len);
	return 0;
}

int fuzz_resp_exchange(const unsigned char *wire, size_t len, size_t first, char *why)
{
	static const char *const ping[] = { "PING" };
	/* Shaped like the replay cache's record (mech/rcache_redis.c). */
	static const char *const eval[] = {
		"EVAL", "return 1", "1", "gss-sodium:handshake:fuzz", "1735690200"
	};
	struct sm_resp_reply reply;
	struct sm_resp c;
	size_t taken = 0;
	int sv[2], replies = 0;

	if (len > FUZZ_RESP_MAX)
		len = FUZZ_RESP_MAX;
	if (first == 0 || first > len)
		first = len;
	/* As sm_resp_connect makes its socket: non-blocking, close-on-exec. */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
		fuzz_die("resp: socketpair: %s", strerror(errno));
	c.fd = sv[0];
	c.pid = getpid();
	c.have = 0;
	resp_send(sv[1], wire, first, first == len);
	if (resp_call(&c, 1, ping, wire, first, &taken, &reply, why) == 0) {
		replies++;
		resp_send(sv[1], wire + first, len - first, first < len);
		if (resp_call(&c, 5, eval, wire, len, &taken, &reply, why) == 0) {
			replies++;
			why[0] = '\0';
			sm_resp_close(&c);
		}
	}
	close(sv[1]);
	return replies;
}

/* ---- resource accounting ------------------------------------------------- */

size_t fuzz_secmem_mark(void)
{
	return sm_secmem_in_use();
}

void fuzz_secmem_check(size_t mark, const char *where)
{
	size_t now = sm_secmem_in_use();

	if (now != mark)
		fuzz_die("%s: %zu locked key slot(s) in use after the input, %zu before: a slot was leaked or freed twice",
			 where, now, mark);
}
