/*
 * bench/replay: what the replay cache costs an import, with the backend
 * the settings name (GSS_SODIUM_CONF): the file cache, or a Redis server.
 * run.sh runs it once per backend in the same run and prints the rows
 * side by side.
 *
 * usage: replay [--quick] LABEL
 *
 * Rows, one CSV line each on standard output ("LABEL,ROW,N,median us,
 * per second"):
 *   PING      one PING over the module's own connection code (Redis only):
 *             the floor of a shared record, one round trip;
 *   record    one replay record of a fresh id, through the internal API;
 *   import    one gss_import_sec_context of a fresh token, through MIT's
 *             mechglue (tokens are made beforehand, untimed);
 *   import xN N processes importing their own tokens at once: imports per
 *             second of all of them together.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gssapi/gssapi.h>
#include <sodium.h>

#include "gssapi/gssapi_sodium.h"
#include "init.h"
#include "rcache.h"
#include "settings.h"
#include "status.h"

static gss_OID_desc mech = { GSS_SODIUM_MECH_OID_DER_LENGTH, (void *)GSS_SODIUM_MECH_OID_DER };
static gss_OID_desc nt_hostbased = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };
static const char *label;
static size_t tokens_per_process = 2000, pings = 5000;

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), by_value);
	return v[n / 2];
}

static void row(const char *name, size_t n, double median_us, double per_second)
{
	printf("%s,%s,%zu,%.1f,%.0f\n", label, name, n, median_us, per_second);
	fflush(stdout);
}

static void die(const char *what, OM_uint32 major, OM_uint32 minor)
{
	fprintf(stderr, "replay: %s failed: major 0x%x, %s\n", what, major,
		sm_status_sentence(minor));
	exit(1);
}

/* `count` exported contexts, each from a handshake made in this process. */
static gss_buffer_desc *make_tokens(size_t count)
{
	gss_buffer_desc target_text = { 14, (void *)"host@localhost" };
	gss_buffer_desc *tokens = calloc(count, sizeof(*tokens));
	gss_name_t target = GSS_C_NO_NAME;
	OM_uint32 major, minor;
	size_t i;

	if (tokens == NULL)
		die("calloc", GSS_S_FAILURE, 0);
	major = gss_import_name(&minor, &target_text, &nt_hostbased, &target);
	if (major != GSS_S_COMPLETE)
		die("gss_import_name", major, minor);
	for (i = 0; i < count; i++) {
		gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
		gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;

		major = gss_init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &ictx, target, &mech, 0,
					     0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL,
					     &t1, NULL, NULL);
		if (major != GSS_S_CONTINUE_NEEDED)
			die("gss_init_sec_context", major, minor);
		major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &t1,
					       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &t2, NULL,
					       NULL, NULL);
		if (major != GSS_S_COMPLETE)
			die("gss_accept_sec_context", major, minor);
		major = gss_export_sec_context(&minor, &actx, &tokens[i]);
		if (major != GSS_S_COMPLETE)
			die("gss_export_sec_context", major, minor);
		gss_release_buffer(&minor, &t1);
		gss_release_buffer(&minor, &t2);
		gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	}
	gss_release_name(&minor, &target);
	return tokens;
}

/* Import every token once; each import's time into us[] if not NULL. */
static void import_all(gss_buffer_desc *tokens, size_t count, double *us)
{
	OM_uint32 major, minor;
	double start;
	size_t i;

	for (i = 0; i < count; i++) {
		gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;

		start = now_us();
		major = gss_import_sec_context(&minor, &tokens[i], &ctx);
		if (us != NULL)
			us[i] = now_us() - start;
		if (major != GSS_S_COMPLETE)
			die("gss_import_sec_context", major, minor);
		gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
		gss_release_buffer(&minor, &tokens[i]);
	}
	free(tokens);
}

static void ping_row(void)
{
	const struct sm_settings *s = sm_current_settings();
	double *us = calloc(pings, sizeof(*us)), start;
	OM_uint32 minor;
	size_t i;

	if (!s->replay_cache.redis)
		return;
	for (i = 0; i < pings; i++) {
		start = now_us();
		if (GSS_ERROR(sm_rcache_redis_ping(&minor, s)))
			die("PING", GSS_S_FAILURE, minor);
		us[i] = now_us() - start;
	}
	row("PING", pings, median(us, pings), 0);
	free(us);
}

static void record_row(void)
{
	static const unsigned char scope[SM_RCACHE_SCOPE_BYTES];
	unsigned char id[SM_RCACHE_ID_MAX];
	struct sm_rcache_answer answer;
	double *us = calloc(pings, sizeof(*us)), start;
	char keyring[PATH_MAX];
	time_t t = time(NULL);
	OM_uint32 minor;
	size_t i;

	snprintf(keyring, sizeof(keyring), "%s", getenv("GSS_SODIUM_SEALKEYS"));
	for (i = 0; i < pings; i++) {
		randombytes_buf(id, sizeof(id));
		start = now_us();
		if (GSS_ERROR(sm_rcache_record(&minor, SM_RCACHE_IMPORT, keyring, scope, id,
					       sizeof(id), t, t + 600, NULL, &answer)) ||
		    answer.verdict != SM_RCACHE_NEW)
			die("record", GSS_S_FAILURE, minor);
		us[i] = now_us() - start;
	}
	row("record", pings, median(us, pings), 0);
	free(us);
}

static void import_row(void)
{
	double *us = calloc(tokens_per_process, sizeof(*us));

	import_all(make_tokens(tokens_per_process), tokens_per_process, us);
	row("import", tokens_per_process, median(us, tokens_per_process), 0);
	free(us);
}

/* N processes make their tokens, wait at a pipe, then import at once. */
static void processes_row(int n)
{
	int go[2], ready[2], k, status;
	char name[32], byte = 0;
	double start, seconds;
	pid_t pid;

	if (pipe(go) != 0 || pipe(ready) != 0)
		die("pipe", GSS_S_FAILURE, 0);
	for (k = 0; k < n; k++) {
		pid = fork();
		if (pid < 0)
			die("fork", GSS_S_FAILURE, 0);
		if (pid == 0) {
			gss_buffer_desc *tokens = make_tokens(tokens_per_process);

			close(go[1]);
			if (write(ready[1], &byte, 1) != 1 || read(go[0], &byte, 1) != 0)
				_exit(1);
			import_all(tokens, tokens_per_process, NULL);
			_exit(0);
		}
	}
	close(go[0]);
	close(ready[1]);
	for (k = 0; k < n; k++)
		if (read(ready[0], &byte, 1) != 1)
			die("a child", GSS_S_FAILURE, 0);
	start = now_us();
	close(go[1]);
	status = 0;
	for (k = 0; k < n; k++) {
		int st;

		wait(&st);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			status = 1;
	}
	seconds = (now_us() - start) / 1e6;
	close(ready[0]);
	if (status != 0)
		die("an importing process", GSS_S_FAILURE, 0);
	snprintf(name, sizeof(name), "import x%d", n);
	row(name, (size_t)n * tokens_per_process, 0, (double)n * tokens_per_process / seconds);
}

int main(int argc, char **argv)
{
	OM_uint32 minor;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--quick") == 0) {
			tokens_per_process = 50;
			pings = 100;
		} else if (label == NULL && argv[i][0] != '-') {
			label = argv[i];
		} else {
			fprintf(stderr, "usage: replay [--quick] LABEL\n");
			return 2;
		}
	}
	if (label == NULL) {
		fprintf(stderr, "usage: replay [--quick] LABEL\n");
		return 2;
	}
	if (GSS_ERROR(sm_init(&minor))) {
		fprintf(stderr, "replay: %s\n", sm_status_sentence(minor));
		return 1;
	}
	ping_row();
	record_row();
	import_row();
	for (i = 1; i <= 8; i *= 2)
		processes_row(i);
	return 0;
}
