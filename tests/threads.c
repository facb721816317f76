/*
 * Many threads of one process using the mechanism at once: each
 * establishes contexts, wraps and unwraps, makes and verifies MICs, exports
 * both ends and imports them again, in a loop, while the process-wide state
 * is shared between them: the one-time initialisation (settings, trace),
 * the locked-memory pool, the cached sealing keyring (rotated by another
 * thread meanwhile, so that it is read again under the workers' feet) and
 * the import-once replay cache.  Then all threads import one token at the
 * same moment, and exactly one of them may succeed, and likewise accept
 * one initiator's token at the same moment; and all threads wrap
 * and make MICs on one shared context, and no sequence number (the nonce's
 * counter) may be drawn twice.
 *
 * A make check program (TAP) that must pass, and the program that
 * scripts/sanitizers builds with ThreadSanitizer, where any report fails.
 *
 *   threads [THREADS [ROUNDS [SECONDS]]]
 *
 * Each of THREADS threads (default 8) runs ROUNDS rounds (default 40), and
 * more until SECONDS (default 2) have passed, so that the keyring, which a
 * process looks at again at most once a second, is read anew meanwhile.
 *
 * Key files, settings and the first sealing key are written once, into a
 * scratch directory, before any thread starts; the replay cache lives
 * there too (rcache_dir), so nothing outside it is touched, unless the
 * environment's THREADS_SETTINGS adds settings lines that say otherwise.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "context.h"
#include "export.h"
#include "keyfile.h"
#include "keyring.h"
#include "message.h"
#include "names.h"
#include "secmem.h"
#include "status.h"

#define MAX_THREADS 64
#define RACE_ROUNDS 16
/* Tokens each thread makes on the shared context. */
#define SHARED_TOKENS 500
#define MAX_KEYS 16
/* Private keys of the identity and keytab files (one each). */
#define KEPT_FILE_KEYS 2
/* The resumption secret of the one target's ticket the initiator keeps. */
#define KEPT_TICKETS 1

static char dir[64];
static int n_threads = 8, n_rounds = 40;
static double n_seconds = 2;
static struct timespec started;

static double elapsed(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - started.tv_sec) +
	       (double)(now.tv_nsec - started.tv_nsec) / 1e9;
}

/* ---- failures ----------------------------------------------------------- */

static pthread_mutex_t report_lock = PTHREAD_MUTEX_INITIALIZER;
static int failures;
static char first_failure[1024];

/* Record a failure (the first one is kept for the TAP diagnostics). */
static void failed(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void failed(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&report_lock);
	if (failures++ == 0) {
		va_start(ap, fmt);
		vsnprintf(first_failure, sizeof(first_failure), fmt, ap);
		va_end(ap);
	}
	pthread_mutex_unlock(&report_lock);
}

static int failure_count(void)
{
	int n;

	pthread_mutex_lock(&report_lock);
	n = failures;
	pthread_mutex_unlock(&report_lock);
	return n;
}

/* Did a call give `want`?  If not, record where and why. */
static int expect(OM_uint32 major, OM_uint32 minor, OM_uint32 want, const char *what)
{
	if (major == want)
		return 1;
	failed("%s: major 0x%x (expected 0x%x): %s", what, (unsigned)major, (unsigned)want,
	       minor ? sm_status_sentence(minor) : "no minor status");
	return 0;
}

/* ---- the files, written before the threads start ------------------------ */

static void die(const char *what)
{
	printf("Bail out! %s: %s\n", what, strerror(errno));
	exit(1);
}

static const char *path_of(const char *name)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *p = paths[next++ % 8];

	snprintf(p, PATH_MAX, "%s/%s", dir, name);
	return p;
}

/* Write `text` to DIR/NAME (mode 0600) through a temporary file and a
 * rename, so that a reader sees the old file or the new one, whole. */
static void write_file(const char *name, const char *text)
{
	char tmp[PATH_MAX];
	size_t len = strlen(text);
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, name);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, text, len) != (ssize_t)len || close(fd) != 0)
		die(tmp);
	if (rename(tmp, path_of(name)) != 0)
		die(name);
}

/* A key pair; the private key in base64 into priv64, the public into pub64. */
static void new_key_pair(char priv64[SM_KEY_BASE64_CHARS + 1],
			 char pub64[SM_KEY_BASE64_CHARS + 1])
{
	unsigned char *priv, pub[SM_KEY_BYTES];

	if (sm_key_generate(&priv, pub) != 0) {
		printf("Bail out! no locked memory for a key\n");
		exit(1);
	}
	sm_key_to_base64(priv, priv64);
	sm_key_to_base64(pub, pub64);
	sm_secmem_free(priv);
}

/* The sealing keyring: key lines are only ever added, so that every token
 * sealed earlier in the run still opens. */
static char keyring_text[MAX_KEYS * 128];
static int keyring_count;

static void add_sealing_key(void)
{
	unsigned char key[SM_SEAL_KEY_BYTES];
	char b64[64], when[SM_TIMESTAMP_CHARS + 1];
	size_t used = strlen(keyring_text);

	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sodium_memzero(key, sizeof(key));
	sm_timestamp_format(time(NULL), when);
	snprintf(keyring_text + used, sizeof(keyring_text) - used, "%d %s %s\n",
		 ++keyring_count, b64, when);
	write_file("sealkeys", keyring_text);
}

static void make_files(void)
{
	char priv64[SM_KEY_BASE64_CHARS + 1], pub64[SM_KEY_BASE64_CHARS + 1];
	char text[512], peers[512];

	strcpy(dir, "/tmp/gss-sodium-threads-XXXXXX");
	if (getenv("TMPDIR") != NULL && strlen(getenv("TMPDIR")) < 30)
		snprintf(dir, sizeof(dir), "%s/gss-sodium-threads-XXXXXX", getenv("TMPDIR"));
	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	new_key_pair(priv64, pub64);
	snprintf(text, sizeof(text), "alice %s\n", priv64);
	write_file("identity", text);
	snprintf(peers, sizeof(peers), "alice %s\n", pub64);
	new_key_pair(priv64, pub64);
	snprintf(text, sizeof(text), "HTTP@web.example %s\n", priv64);
	write_file("keytab", text);
	snprintf(peers + strlen(peers), sizeof(peers) - strlen(peers), "HTTP@web.example %s\n",
		 pub64);
	write_file("peers", peers);
	/* THREADS_SETTINGS adds lines, such as a shared replay_cache (farm.sh). */
	snprintf(text, sizeof(text), "rcache_dir = %s/rcache\nimport_once = yes\n%s\n", dir,
		 getenv("THREADS_SETTINGS") != NULL ? getenv("THREADS_SETTINGS") : "");
	write_file("sodium.conf", text);
	add_sealing_key();
	setenv("GSS_SODIUM_IDENTITY", path_of("identity"), 1);
	setenv("GSS_SODIUM_KEYTAB", path_of("keytab"), 1);
	setenv("GSS_SODIUM_PEERS", path_of("peers"), 1);
	setenv("GSS_SODIUM_CONF", path_of("sodium.conf"), 1);
	setenv("GSS_SODIUM_SEALKEYS", path_of("sealkeys"), 1);
	setenv("GSS_SODIUM_TRACE", path_of("trace"), 1);
}

static void remove_files(void)
{
	static const char *const names[] = {
		"identity", "keytab", "peers", "sodium.conf", "sealkeys", "trace",
	};
	char cache[PATH_MAX * 2];
	struct dirent *e;
	DIR *caches;
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		unlink(path_of(names[i]));
	/* The replay caches, named after the key files they serve. */
	if ((caches = opendir(path_of("rcache"))) != NULL) {
		while ((e = readdir(caches)) != NULL) {
			snprintf(cache, sizeof(cache), "%s/%s", path_of("rcache"), e->d_name);
			unlink(cache);
		}
		closedir(caches);
	}
	rmdir(path_of("rcache"));
	rmdir(dir);
}

/* ---- one conversation ----------------------------------------------------- */

struct pair {
	struct sm_context *init, *acc;
};

static int establish(struct pair *p)
{
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER,
			none = GSS_C_EMPTY_BUFFER;
	struct sm_name *target = NULL, *src = NULL;
	OM_uint32 major, minor = 0, flags = 0;
	int ok = 0;

	p->init = p->acc = NULL;
	major = sm_name_from_canonical(&minor, "HTTP@web.example", 16, &target);
	if (!expect(major, minor, GSS_S_COMPLETE, "name"))
		return 0;
	major = sm_context_initiate(&minor, NULL, &p->init, target,
				    GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG |
					    GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG,
				    0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, &t1, &flags, NULL);
	if (!expect(major, minor, GSS_S_CONTINUE_NEEDED, "init_sec_context (token 1)"))
		goto out;
	major = sm_context_accept(&minor, NULL, &p->acc, &t1, GSS_C_NO_CHANNEL_BINDINGS, &src,
				  &t2, &flags, NULL);
	if (!expect(major, minor, GSS_S_COMPLETE, "accept_sec_context"))
		goto out;
	if (src == NULL || strcmp(src->text, "alice") != 0) {
		failed("accept_sec_context named the initiator '%s'", src ? src->text : "(none)");
		goto out;
	}
	major = sm_context_initiate(&minor, NULL, &p->init, NULL, 0, 0,
				    GSS_C_NO_CHANNEL_BINDINGS, &t2, &none, &flags, NULL);
	ok = expect(major, minor, GSS_S_COMPLETE, "init_sec_context (token 2)");
	free(none.value);
out:
	free(t1.value);
	free(t2.value);
	sm_name_free(&src);
	sm_name_free(&target);
	if (!ok) {
		sm_context_free(&p->init);
		sm_context_free(&p->acc);
	}
	return ok;
}

static void release(struct pair *p)
{
	sm_context_free(&p->init);
	sm_context_free(&p->acc);
}

/* A sealed message from `from` that `to` opens to the same bytes. */
static int wrap_unwrap(struct sm_context *from, struct sm_context *to, const char *text)
{
	gss_buffer_desc msg = { strlen(text), (void *)text }, token, out = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor = 0;
	int conf = 0, ok;

	major = sm_wrap(&minor, from, 1, 0, &msg, &conf, &token);
	if (!expect(major, minor, GSS_S_COMPLETE, "wrap"))
		return 0;
	major = sm_unwrap(&minor, to, &token, &out, &conf, NULL);
	ok = expect(major, minor, GSS_S_COMPLETE, "unwrap");
	if (ok && (out.length != msg.length || memcmp(out.value, text, msg.length) != 0 ||
		   !conf)) {
		failed("unwrap gave other bytes than were wrapped");
		ok = 0;
	}
	free(out.value);
	free(token.value);
	return ok;
}

static int mic(struct sm_context *from, struct sm_context *to)
{
	gss_buffer_desc msg = { 9, (void *)"signed it" }, token;
	OM_uint32 major, minor = 0;
	int ok;

	major = sm_get_mic(&minor, from, 0, &msg, &token);
	if (!expect(major, minor, GSS_S_COMPLETE, "get_mic"))
		return 0;
	major = sm_verify_mic(&minor, to, &msg, &token, NULL);
	ok = expect(major, minor, GSS_S_COMPLETE, "verify_mic");
	/* The same token again is a duplicate (replay detection is on). */
	if (ok) {
		major = sm_verify_mic(&minor, to, &msg, &token, NULL);
		ok = expect(major, minor, GSS_S_DUPLICATE_TOKEN, "verify_mic of a replayed MIC");
	}
	free(token.value);
	return ok;
}

struct worker {
	pthread_t thread;
	int index;
	unsigned rounds, rounds_done, imports, replays;
	unsigned char keys_used[MAX_KEYS + 1];	/* sealing key ids seen */
};

/* Export *ctx (which ends it here) and import it again into *ctx; the
 * token must then not import a second time. */
static int export_import(struct sm_context **ctx, struct worker *w)
{
	struct sm_export_header h;
	gss_buffer_desc token;
	struct sm_context *again = NULL;
	OM_uint32 major, minor = 0;
	int ok;

	major = sm_export_context(&minor, ctx, &token);
	if (!expect(major, minor, GSS_S_COMPLETE, "export_sec_context"))
		return 0;
	if (*ctx != NULL) {
		failed("export_sec_context left the context behind");
		return 0;
	}
	major = sm_export_header_parse(&minor, token.value, token.length, &h);
	if (expect(major, minor, GSS_S_COMPLETE, "the exported token's header") &&
	    h.key_id <= MAX_KEYS)
		w->keys_used[h.key_id] = 1;
	major = sm_import_context(&minor, &token, ctx);
	ok = expect(major, minor, GSS_S_COMPLETE, "import_sec_context");
	if (ok)
		w->imports++;
	if (ok) {
		major = sm_import_context(&minor, &token, &again);
		if (major == GSS_S_UNAUTHORIZED && minor == GSS_SODIUM_S_TOKEN_REPLAYED)
			w->replays++;
		else
			ok = expect(major, minor, GSS_S_UNAUTHORIZED, "a second import of one token");
		sm_context_free(&again);
	}
	free(token.value);
	return ok;
}

/* ---- the workers ----------------------------------------------------------- */

static void *work(void *arg)
{
	struct worker *w = arg;
	char text[64];
	struct pair p;
	int round;

	for (round = 0; round < n_rounds || elapsed() < n_seconds; round++) {
		w->rounds++;
		if (!establish(&p))
			continue;
		snprintf(text, sizeof(text), "thread %d round %d", w->index, round);
		if (wrap_unwrap(p.init, p.acc, text) && wrap_unwrap(p.acc, p.init, text) &&
		    mic(p.init, p.acc) &&
		    /* The acceptor's end travels and comes back; the
		     * conversation goes on both ways, then the initiator's. */
		    export_import(&p.acc, w) &&
		    wrap_unwrap(p.init, p.acc, text) && wrap_unwrap(p.acc, p.init, text) &&
		    export_import(&p.init, w) &&
		    wrap_unwrap(p.init, p.acc, text) && mic(p.acc, p.init))
			w->rounds_done++;
		release(&p);
	}
	return NULL;
}

/* The keyring is rotated while the workers run: a new sealing key every
 * 150 ms, so the process's cached keyring is read again (it looks at the
 * file at most once a second) while references to the old one are held. */
static pthread_mutex_t rotate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t rotate_stop = PTHREAD_COND_INITIALIZER;
static int stopping;

static void *rotate(void *arg)
{
	int *rotations = arg;
	struct timespec until;

	pthread_mutex_lock(&rotate_lock);
	while (!stopping && keyring_count < MAX_KEYS) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 150 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (pthread_cond_timedwait(&rotate_stop, &rotate_lock, &until) == ETIMEDOUT &&
		    !stopping) {
			add_sealing_key();
			(*rotations)++;
		}
	}
	pthread_mutex_unlock(&rotate_lock);
	return NULL;
}

/* ---- all threads import one token at the same moment ------------------- */

struct racer {
	pthread_t thread;
	pthread_barrier_t *start;
	const gss_buffer_desc *token;
	int handshake;		/* accept token 1, else import */
	int won, refused;
};

static void *race(void *arg)
{
	struct racer *r = arg;
	struct sm_context *ctx = NULL;
	OM_uint32 major, minor = 0;

	gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;

	pthread_barrier_wait(r->start);
	if (r->handshake)
		major = sm_context_accept(&minor, NULL, &ctx, r->token, GSS_C_NO_CHANNEL_BINDINGS,
					  NULL, &reply, NULL, NULL);
	else
		major = sm_import_context(&minor, r->token, &ctx);
	if (major == GSS_S_COMPLETE)
		r->won = 1;
	else if (r->handshake ? major == (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN) &&
				minor == GSS_SODIUM_S_HANDSHAKE_REPLAYED
			      : major == GSS_S_UNAUTHORIZED && minor == GSS_SODIUM_S_TOKEN_REPLAYED)
		r->refused = 1;
	else
		expect(major, minor, GSS_S_COMPLETE,
		       r->handshake ? "accept_sec_context in the race" : "import_sec_context in the race");
	free(reply.value);
	sm_context_free(&ctx);
	return NULL;
}

/* Token 1 of a new handshake, which no acceptor has seen. */
static int first_token(gss_buffer_desc *token1, struct sm_context **init)
{
	struct sm_name *target = NULL;
	OM_uint32 major, minor = 0;

	major = sm_name_from_canonical(&minor, "HTTP@web.example", 16, &target);
	if (expect(major, minor, GSS_S_COMPLETE, "name"))
		major = sm_context_initiate(&minor, NULL, init, target, 0, 0,
					    GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, token1,
					    NULL, NULL);
	sm_name_free(&target);
	return expect(major, minor, GSS_S_CONTINUE_NEEDED, "init_sec_context for the race");
}

/* Rounds in which exactly one thread imported the exported token, or
 * accepted token 1 (`handshake`). */
static int race_rounds(int handshake)
{
	struct racer racers[MAX_THREADS];
	pthread_barrier_t start;
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 major, minor = 0;
	int round, i, won, refused, good = 0;

	for (round = 0; round < RACE_ROUNDS; round++) {
		if (handshake) {
			p.init = p.acc = NULL;
			if (!first_token(&token, &p.init))
				continue;
			release(&p);
		} else {
			if (!establish(&p))
				continue;
			major = sm_export_context(&minor, &p.acc, &token);
			release(&p);
			if (!expect(major, minor, GSS_S_COMPLETE, "export_sec_context for the race"))
				continue;
		}
		pthread_barrier_init(&start, NULL, (unsigned)n_threads);
		for (i = 0; i < n_threads; i++) {
			memset(&racers[i], 0, sizeof(racers[i]));
			racers[i].start = &start;
			racers[i].token = &token;
			racers[i].handshake = handshake;
			if (pthread_create(&racers[i].thread, NULL, race, &racers[i]) != 0)
				die("pthread_create");
		}
		won = refused = 0;
		for (i = 0; i < n_threads; i++) {
			pthread_join(racers[i].thread, NULL);
			won += racers[i].won;
			refused += racers[i].refused;
		}
		pthread_barrier_destroy(&start);
		free(token.value);
		if (won == 1 && refused == n_threads - 1)
			good++;
		else
			failed("race round %d: %d %s succeeded and %d were refused as replays",
			       round, won, handshake ? "accepts" : "imports", refused);
	}
	return good;
}

/* ---- one context, many senders -------------------------------------------- */

struct sender {
	pthread_t thread;
	pthread_barrier_t *start;
	struct sm_context *ctx;
	uint64_t seqs[SHARED_TOKENS];
};

/* Wraps and MICs alternately on the shared context; each token's sequence
 * number (bytes 4 to 11 of its header) is kept. */
static void *send_on_shared(void *arg)
{
	struct sender *s = arg;
	gss_buffer_desc msg = { 5, (void *)"hello" }, token;
	OM_uint32 major, minor = 0;
	int i, j;

	pthread_barrier_wait(s->start);
	for (i = 0; i < SHARED_TOKENS; i++) {
		if (i % 2 == 0)
			major = sm_wrap(&minor, s->ctx, 1, 0, &msg, NULL, &token);
		else
			major = sm_get_mic(&minor, s->ctx, 0, &msg, &token);
		if (!expect(major, minor, GSS_S_COMPLETE, i % 2 == 0 ? "shared wrap" : "shared MIC"))
			return NULL;
		s->seqs[i] = 0;
		for (j = 4; j < 12; j++)
			s->seqs[i] = (s->seqs[i] << 8) | ((unsigned char *)token.value)[j];
		free(token.value);
	}
	return NULL;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Every thread sends on one context: the numbers drawn are 0 to N-1, each
 * once.  Returns the count of distinct numbers. */
static size_t shared_context_numbers(size_t *total)
{
	static struct sender senders[MAX_THREADS];
	static uint64_t all[MAX_THREADS * SHARED_TOKENS];
	pthread_barrier_t start;
	struct pair p;
	size_t i, n = 0, distinct = 0;

	*total = (size_t)n_threads * SHARED_TOKENS;
	if (!establish(&p))
		return 0;
	pthread_barrier_init(&start, NULL, (unsigned)n_threads);
	for (i = 0; i < (size_t)n_threads; i++) {
		senders[i].start = &start;
		senders[i].ctx = p.init;
		if (pthread_create(&senders[i].thread, NULL, send_on_shared, &senders[i]) != 0)
			die("pthread_create");
	}
	for (i = 0; i < (size_t)n_threads; i++) {
		pthread_join(senders[i].thread, NULL);
		memcpy(all + n, senders[i].seqs, sizeof(senders[i].seqs));
		n += SHARED_TOKENS;
	}
	pthread_barrier_destroy(&start);
	release(&p);
	qsort(all, n, sizeof(all[0]), compare_u64);
	for (i = 0; i < n; i++)
		if (all[i] == i)
			distinct++;
	return distinct;
}

/* ---- main ------------------------------------------------------------------ */

static void tap(int ok, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void tap(int ok, int *n, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - ", ok ? "" : "not ", ++*n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok && first_failure[0] != '\0') {
		printf("# first failure: %s\n", first_failure);
		first_failure[0] = '\0';
	}
}

int main(int argc, char **argv)
{
	struct worker workers[MAX_THREADS];
	pthread_t rotator;
	unsigned done = 0, imports = 0, replays = 0, want = 0;
	unsigned char keys_used[MAX_KEYS + 1] = { 0 };
	int i, j, n = 0, rotations = 0, good, handshake_good, keys_before, distinct = 0;
	size_t in_use, shared_total, shared_distinct;

	if (argc > 1)
		n_threads = atoi(argv[1]);
	if (argc > 2)
		n_rounds = atoi(argv[2]);
	if (argc > 3)
		n_seconds = atof(argv[3]);
	if (n_threads < 2 || n_threads > MAX_THREADS || n_rounds < 1 || n_seconds < 0) {
		fprintf(stderr, "usage: threads [THREADS (2-%d) [ROUNDS [SECONDS]]]\n", MAX_THREADS);
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (sodium_init() < 0) {
		printf("Bail out! sodium_init failed\n");
		return 1;
	}
	make_files();
	clock_gettime(CLOCK_MONOTONIC, &started);

	/* The threads are the first to call into the mechanism: the one-time
	 * initialisation happens in whichever of them comes first. */
	if (pthread_create(&rotator, NULL, rotate, &rotations) != 0)
		die("pthread_create");
	for (i = 0; i < n_threads; i++) {
		memset(&workers[i], 0, sizeof(workers[i]));
		workers[i].index = i;
		if (pthread_create(&workers[i].thread, NULL, work, &workers[i]) != 0)
			die("pthread_create");
	}
	for (i = 0; i < n_threads; i++) {
		pthread_join(workers[i].thread, NULL);
		want += workers[i].rounds;
		done += workers[i].rounds_done;
		for (j = 0; j <= MAX_KEYS; j++)
			keys_used[j] |= workers[i].keys_used[j];
		imports += workers[i].imports;
		replays += workers[i].replays;
	}
	pthread_mutex_lock(&rotate_lock);
	stopping = 1;
	pthread_cond_signal(&rotate_stop);
	keys_before = keyring_count;
	pthread_mutex_unlock(&rotate_lock);
	pthread_join(rotator, NULL);

	for (j = 0; j <= MAX_KEYS; j++)
		distinct += keys_used[j];
	tap(done == want, &n,
	    "%d threads, %u rounds in %.1f s: establish, wrap both ways, MICs, export and import "
	    "both ends, and the conversation goes on (%u rounds whole)",
	    n_threads, want, elapsed(), done);
	tap(imports == 2 * want && replays == imports, &n,
	    "every exported token imported once (%u) and was refused the second time (%u)",
	    imports, replays);
	tap(rotations > 0 && distinct >= 2, &n,
	    "the sealing keyring was rotated %d times meanwhile (%d keys) and read again: "
	    "tokens were sealed with %d different keys",
	    rotations, keys_before, distinct);
	good = race_rounds(0);
	tap(good == RACE_ROUNDS, &n,
	    "%d threads importing one token at the same moment: exactly one succeeds (%d of %d rounds)",
	    n_threads, good, RACE_ROUNDS);
	handshake_good = race_rounds(1);
	tap(handshake_good == RACE_ROUNDS, &n,
	    "%d threads accepting one token 1 at the same moment: exactly one succeeds "
	    "(%d of %d rounds)", n_threads, handshake_good, RACE_ROUNDS);
	shared_distinct = shared_context_numbers(&shared_total);
	tap(shared_distinct == shared_total, &n,
	    "%d threads wrapping and making MICs on one context drew %zu distinct sequence "
	    "numbers for %zu tokens, 0 to %zu",
	    n_threads, shared_distinct, shared_total, shared_total - 1);
	/* What stays locked is the process's cached keyring (each key and its
	 * prepared derivations), the key files it keeps once they have been
	 * unchanged for two seconds (the identity's key and the keytab's) and
	 * the ticket it keeps; every context's and every token's slots are
	 * back. */
	in_use = sm_secmem_in_use();
	tap(in_use <= 2 * (size_t)keyring_count + KEPT_FILE_KEYS + KEPT_TICKETS, &n,
	    "no locked memory slot is left behind (%zu in use; the keyring's %d keys hold %d, "
	    "the kept identity and keytab at most %d, the kept ticket %d)",
	    in_use, keyring_count, 2 * keyring_count, KEPT_FILE_KEYS, KEPT_TICKETS);
	tap(failure_count() == 0, &n, "no call failed (%d failures)", failure_count());
	printf("1..%d\n", n);
	remove_files();
	return failure_count() == 0 && done == want && good == RACE_ROUNDS &&
	       handshake_good == RACE_ROUNDS && shared_distinct == shared_total ? 0 : 1;
}
