/*
 * One acceptor host of tests/farm.sh: a long-lived process, linked with
 * MIT's mechglue, that reads commands on standard input and answers each
 * with one line on standard output, so that the test can stop and start
 * the shared Redis server under it and see it recover without a restart.
 * Its settings, keys and trace come from the environment (GSS_SODIUM_*),
 * its target name from FARM_TARGET.
 *
 *   export FILE        a context made in this process (initiator and
 *                      acceptor), the acceptor's side exported to FILE
 *   token1 FILE        an initiator's first token to FILE
 *   import FILE [AT]   import FILE (at AT, Unix milliseconds, if given)
 *   accept FILE [AT]   accept the first token in FILE (likewise)
 *   fork FILE          import FILE in a child process, after this process
 *                      has used its connection to the replay cache: the
 *                      child must make its own, never share the parent's
 *
 * Answers: "ok ..." or "refused 0xMAJOR SENTENCE".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe.h"

static gss_name_t target;

static void refused(OM_uint32 major, OM_uint32 minor)
{
	printf("refused 0x%08x %s\n", major, minor_text(minor));
}

static int write_file(const char *path, const gss_buffer_desc *b)
{
	FILE *f = fopen(path, "wb");
	int ok = f != NULL && fwrite(b->value, 1, b->length, f) == b->length;

	if (f != NULL && fclose(f) != 0)
		ok = 0;
	return ok;
}

static int read_file(const char *path, gss_buffer_desc *b)
{
	static char data[65536];
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return 0;
	b->length = fread(data, 1, sizeof(data), f);
	b->value = data;
	fclose(f);
	return b->length > 0;
}

/* Sleep until `at`, Unix milliseconds (0: now), so that several hosts
 * offer one token at the same moment. */
static void wait_until(unsigned long long at)
{
	struct timespec now, t;
	long long left;

	if (at == 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	left = (long long)at - (now.tv_sec * 1000LL + now.tv_nsec / 1000000);
	if (left <= 0)
		return;
	t.tv_sec = left / 1000;
	t.tv_nsec = (left % 1000) * 1000000L;
	nanosleep(&t, NULL);
}

static void first_token(gss_ctx_id_t *ctx, gss_buffer_desc *t1, OM_uint32 *major,
			OM_uint32 *minor)
{
	*major = gss_init_sec_context(minor, GSS_C_NO_CREDENTIAL, ctx, target, &mech,
				      GSS_C_MUTUAL_FLAG | GSS_C_REPLAY_FLAG | GSS_C_CONF_FLAG |
					      GSS_C_INTEG_FLAG,
				      0, GSS_C_NO_CHANNEL_BINDINGS, GSS_C_NO_BUFFER, NULL, t1,
				      NULL, NULL);
}

static void do_export(const char *path)
{
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT, actx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER, t2 = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;

	first_token(&ictx, &t1, &major, &minor);
	if (major == GSS_S_CONTINUE_NEEDED)
		major = gss_accept_sec_context(&minor, &actx, GSS_C_NO_CREDENTIAL, &t1,
					       GSS_C_NO_CHANNEL_BINDINGS, NULL, NULL, &t2, NULL,
					       NULL, NULL);
	if (major == GSS_S_COMPLETE)
		major = gss_export_sec_context(&minor, &actx, &token);
	if (major != GSS_S_COMPLETE)
		refused(major, minor);
	else if (!write_file(path, &token))
		printf("refused 0 cannot write %s\n", path);
	else
		printf("ok exported\n");
	gss_release_buffer(&minor, &t1);
	gss_release_buffer(&minor, &t2);
	gss_release_buffer(&minor, &token);
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
	gss_delete_sec_context(&minor, &actx, GSS_C_NO_BUFFER);
}

static void do_token1(const char *path)
{
	gss_ctx_id_t ictx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t1 = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;

	first_token(&ictx, &t1, &major, &minor);
	if (major != GSS_S_CONTINUE_NEEDED)
		refused(major, minor);
	else if (!write_file(path, &t1))
		printf("refused 0 cannot write %s\n", path);
	else
		printf("ok token1\n");
	gss_release_buffer(&minor, &t1);
	gss_delete_sec_context(&minor, &ictx, GSS_C_NO_BUFFER);
}

static void do_import(const char *path, unsigned long long at)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc token;
	OM_uint32 major, minor;

	if (!read_file(path, &token)) {
		printf("refused 0 cannot read %s\n", path);
		return;
	}
	wait_until(at);
	major = gss_import_sec_context(&minor, &token, &ctx);
	if (major == GSS_S_COMPLETE)
		printf("ok imported\n");
	else
		refused(major, minor);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

static void do_accept(const char *path, unsigned long long at)
{
	gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
	gss_buffer_desc t1, t2 = GSS_C_EMPTY_BUFFER, shown = GSS_C_EMPTY_BUFFER;
	gss_name_t src = GSS_C_NO_NAME;
	OM_uint32 major, minor;

	if (!read_file(path, &t1)) {
		printf("refused 0 cannot read %s\n", path);
		return;
	}
	wait_until(at);
	major = gss_accept_sec_context(&minor, &ctx, GSS_C_NO_CREDENTIAL, &t1,
				       GSS_C_NO_CHANNEL_BINDINGS, &src, NULL, &t2, NULL, NULL,
				       NULL);
	if (major == GSS_S_COMPLETE && gss_display_name(&minor, src, &shown, NULL) == 0)
		printf("ok accepted %.*s\n", (int)shown.length, (char *)shown.value);
	else
		refused(major, minor);
	gss_release_buffer(&minor, &t2);
	gss_release_buffer(&minor, &shown);
	gss_release_name(&minor, &src);
	gss_delete_sec_context(&minor, &ctx, GSS_C_NO_BUFFER);
}

/* The child's answer is its own line, then this process's: "ok forked"
 * once the child has exited 0. */
static void do_fork(const char *path)
{
	int status = 0;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		do_import(path, 0);
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0)
		printf("refused 0 the child failed\n");
	else
		printf("ok forked\n");
}

int main(void)
{
	char line[4096], command[16], path[4000];
	const char *name = getenv("FARM_TARGET");
	unsigned long long at;
	OM_uint32 minor;
	int n;

	if (name == NULL) {
		fprintf(stderr, "farm_node: FARM_TARGET is not set\n");
		return 2;
	}
	target = import(name, &nt_hostbased);
	while (fgets(line, sizeof(line), stdin) != NULL) {
		at = 0;
		n = sscanf(line, "%15s %3999s %llu", command, path, &at);
		if (n >= 2 && strcmp(command, "export") == 0)
			do_export(path);
		else if (n >= 2 && strcmp(command, "token1") == 0)
			do_token1(path);
		else if (n >= 2 && strcmp(command, "import") == 0)
			do_import(path, at);
		else if (n >= 2 && strcmp(command, "fork") == 0)
			do_fork(path);
		else if (n >= 2 && strcmp(command, "accept") == 0)
			do_accept(path, at);
		else
			printf("refused 0 unknown command: %s", line);
		fflush(stdout);
	}
	gss_release_name(&minor, &target);
	return 0;
}
