/*
 * The import-once replay cache, as importers meet it: two long-lived
 * importers, a full filesystem, a file truncated or deleted under a running
 * importer, another uid that reads the keyring, more live records than the
 * old fixed table held, and a clock stepped back.  Most tests go through
 * export and import, as a program would.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "export.h"
#include "fixture.h"
#include "init.h"
#include "keyring.h"
#include "rcache.h"
#include "status.h"
#include "unit.h"

/* The file caches do not use the scope of a shared one. */
static const unsigned char no_scope[SM_RCACHE_SCOPE_BYTES];

static char cache_dir[PATH_MAX];

/* Key files, a keyring of one key and settings whose rcache_dir is `dir`
 * (made 0700 unless it exists), or this test's own. */
static void files_with_cache_in(const char *dir, const char *extra)
{
	char settings[PATH_MAX + 256], ring[160], b64[45], when[SM_TIMESTAMP_CHARS + 1];
	unsigned char key[32];

	if (dir == NULL) {
		snprintf(cache_dir, sizeof(cache_dir), "%s/rcache", unit_tmpdir());
		dir = cache_dir;
	} else if (dir != cache_dir) {
		snprintf(cache_dir, sizeof(cache_dir), "%s", dir);
	}
	snprintf(settings, sizeof(settings), "rcache_dir = %s\n%s", dir, extra);
	fixture_files(settings, 1);
	randombytes_buf(key, sizeof(key));
	sodium_bin2base64(b64, sizeof(b64), key, sizeof(key), sodium_base64_VARIANT_ORIGINAL);
	sm_timestamp_format(time(NULL), when);
	snprintf(ring, sizeof(ring), "1 %s %s\n", b64, when);
	setenv("GSS_SODIUM_SEALKEYS", unit_write_file("sealkeys", ring, 0600), 1);
}

/* A new context exported: a token never imported. */
static gss_buffer_desc fresh_token(void)
{
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;

	pair_establish(&p, 0, 0);
	ck_assert_msg(sm_export_context(&minor, &p.acc, &token) == GSS_S_COMPLETE, "export: %s",
		      sm_status_sentence(minor));
	pair_release(&p);
	return token;
}

static OM_uint32 import(const gss_buffer_desc *token, OM_uint32 *minor,
			struct sm_context **ctx)
{
	*ctx = NULL;
	return sm_import_context(minor, token, ctx);
}

/* Import, then export again: the same context under a new token id. */
static OM_uint32 pass_on(gss_buffer_desc *token, OM_uint32 *minor)
{
	struct sm_context *ctx;
	OM_uint32 major = import(token, minor, &ctx);

	free(token->value);
	token->value = NULL;
	token->length = 0;
	if (major == GSS_S_COMPLETE)
		major = sm_export_context(minor, &ctx, token);
	sm_context_free(&ctx);
	return major;
}

/* Pass a new context on until the cache refuses (or 400,000 times); the
 * number of imports that succeeded. */
static int pass_on_until_refused(OM_uint32 *major, OM_uint32 *minor)
{
	gss_buffer_desc token = fresh_token();
	int imports = 0;

	while (imports < 400000 && (*major = pass_on(&token, minor)) == GSS_S_COMPLETE)
		imports++;
	free(token.value);
	return imports;
}

static void import_ok(const gss_buffer_desc *token)
{
	struct sm_context *ctx;
	OM_uint32 minor;

	ck_assert_msg(import(token, &minor, &ctx) == GSS_S_COMPLETE, "import: %s",
		      sm_status_sentence(minor));
	sm_context_free(&ctx);
}

/* The import-once cache file in cache_dir (beside the keytab's handshake
 * cache). */
static const char *cache_file(void)
{
	static char path[PATH_MAX + NAME_MAX + 2];
	struct dirent *e;
	DIR *d = opendir(cache_dir);

	ck_assert_ptr_nonnull(d);
	path[0] = '\0';
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "import-", 7) == 0)
			snprintf(path, sizeof(path), "%s/%s", cache_dir, e->d_name);
	closedir(d);
	ck_assert_msg(path[0] != '\0', "no cache file in %s", cache_dir);
	return path;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (now.tv_nsec - start->tv_nsec) / 1e9;
}

/* ---- no lock across calls ---------------------------------------------- */

START_TEST(a_long_lived_importer_does_not_block_another)
{
	gss_buffer_desc first, second;
	struct timespec start;
	int ready[2], hold[2], status;
	pid_t holder, other;
	char c;

	files_with_cache_in(NULL, "");
	first = fresh_token();
	second = fresh_token();
	ck_assert_int_eq(pipe(ready), 0);
	ck_assert_int_eq(pipe(hold), 0);
	holder = fork();
	if (holder == 0) {
		struct sm_context *ctx;
		OM_uint32 minor;

		close(hold[1]);
		c = import(&first, &minor, &ctx) == GSS_S_COMPLETE ? 'y' : 'n';
		(void)!write(ready[1], &c, 1);
		/* Alive, with the cache mapped, until told or for 6 s. */
		alarm(6);
		(void)!read(hold[0], &c, 1);
		_exit(0);
	}
	close(hold[0]);
	ck_assert_int_eq(read(ready[0], &c, 1), 1);
	ck_assert_int_eq(c, 'y');
	clock_gettime(CLOCK_MONOTONIC, &start);
	other = fork();
	if (other == 0) {
		struct sm_context *ctx;
		OM_uint32 minor;

		_exit(import(&second, &minor, &ctx) == GSS_S_COMPLETE ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(other, &status, 0), other);
	ck_assert_msg(seconds_since(&start) < 3.0,
		      "the second importer waited %.1f s for the first one to exit",
		      seconds_since(&start));
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(hold[1]);
	ck_assert_int_eq(waitpid(holder, &status, 0), holder);
	free(first.value);
	free(second.value);
}
END_TEST

/* Importers killed at random moments, inside the cache's lock too, leave a
 * cache that neither hangs nor forgets: the lock is robust, entries whole. */
START_TEST(importers_killed_at_random_leave_a_working_cache)
{
	enum { ROUNDS = 200 };
	gss_buffer_desc token, start;
	struct sm_context *ctx;
	OM_uint32 minor;
	int round, status;
	pid_t victim;

	files_with_cache_in(NULL, "");
	for (round = 0; round < ROUNDS; round++) {
		start = fresh_token();
		victim = fork();
		if (victim == 0) {
			for (;;)
				(void)pass_on(&start, &minor);
		}
		usleep(randombytes_uniform(3000));
		kill(victim, SIGKILL);
		ck_assert_int_eq(waitpid(victim, &status, 0), victim);
		/* The cache still answers, at once, both ways. */
		alarm(10);
		token = fresh_token();
		import_ok(&token);
		ck_assert_int_eq(import(&token, &minor, &ctx), GSS_S_UNAUTHORIZED);
		ck_assert_int_eq(minor, GSS_SODIUM_S_TOKEN_REPLAYED);
		alarm(0);
		free(token.value);
		free(start.value);
	}
}
END_TEST

/* ---- no signal --------------------------------------------------------- */

/* A tmpfs of `size` bytes at DIR/small in a mount namespace of this test
 * process's own (the tests run as root), so nothing outside it sees it. */
static const char *small_filesystem(const char *size)
{
	static char dir[PATH_MAX];
	char options[64];

	snprintf(dir, sizeof(dir), "%s/small", unit_tmpdir());
	snprintf(options, sizeof(options), "size=%s,mode=0700", size);
	ck_assert_msg(unshare(CLONE_NEWNS) == 0 &&
		      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		      mkdir(dir, 0700) == 0 &&
		      mount("gss-sodium-test", dir, "tmpfs", 0, options) == 0,
		      "a tmpfs of %s in a mount namespace of its own: %s", size, strerror(errno));
	return dir;
}

START_TEST(a_full_filesystem_is_a_refusal)
{
	const char *dir = small_filesystem("10m");
	gss_buffer_desc token;
	struct sm_context *ctx;
	char filler[PATH_MAX + 16], block[4096] = { 0 };
	OM_uint32 minor;
	int fd;

	/* The handshake's cache is made first, then the disk fills. */
	files_with_cache_in(dir, "");
	token = fresh_token();
	snprintf(filler, sizeof(filler), "%s/filler", dir);
	fd = open(filler, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	while (write(fd, block, sizeof(block)) > 0)
		;
	ck_assert_int_eq(errno, ENOSPC);
	close(fd);
	ck_assert_int_eq(import(&token, &minor, &ctx), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_RCACHE_UNUSABLE);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), dir) &&
		      unit_contains(sm_status_sentence(minor), strerror(ENOSPC)),
		      "%s", sm_status_sentence(minor));
	/* Room again: the same token imports. */
	ck_assert_int_eq(unlink(filler), 0);
	import_ok(&token);
	free(token.value);
}
END_TEST

START_TEST(a_cache_that_cannot_grow_is_a_refusal)
{
	/* Room for the header and the first table (4 MiB) of the import
	 * cache and of the keytab's handshake cache, not for a second table
	 * (8 MiB more). */
	const char *dir = small_filesystem("12m");
	OM_uint32 minor, major;
	int imports;

	files_with_cache_in(dir, "");
	imports = pass_on_until_refused(&major, &minor);
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_RCACHE_UNUSABLE);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "cannot grow") &&
		      unit_contains(sm_status_sentence(minor), strerror(ENOSPC)),
		      "%s", sm_status_sentence(minor));
	/* Single-choice buckets of four first overflow after about 18,000
	 * records in 262,144 entries; the cache refused only then. */
	ck_assert_int_gt(imports, 1000);
}
END_TEST

START_TEST(a_file_truncated_under_a_running_importer)
{
	gss_buffer_desc first, second;
	struct sm_context *ctx;
	OM_uint32 minor;

	files_with_cache_in(NULL, "");
	first = fresh_token();
	second = fresh_token();
	import_ok(&first);
	ck_assert_int_eq(truncate(cache_file(), 0), 0);
	/* This process looks at the file again in the next second. */
	unit_next_second();
	ck_assert_int_eq(import(&second, &minor, &ctx), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_RCACHE_UNUSABLE);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "truncated") &&
		      unit_contains(sm_status_sentence(minor), "delete it"),
		      "%s", sm_status_sentence(minor));
	/* Deleted as the sentence says: a new cache. */
	ck_assert_int_eq(unlink(cache_file()), 0);
	import_ok(&second);
	free(first.value);
	free(second.value);
}
END_TEST

START_TEST(old_and_new_processes_meet_in_a_replaced_file)
{
	gss_buffer_desc first, second;
	struct sm_context *ctx;
	OM_uint32 minor;
	int go[2], status;
	pid_t newer;
	char c;

	files_with_cache_in(NULL, "");
	first = fresh_token();
	second = fresh_token();
	ck_assert_int_eq(pipe(go), 0);
	/* A process that has not used the cache yet (forked now, it has no
	 * mapping of this one's)... */
	newer = fork();
	if (newer == 0) {
		close(go[1]);
		if (read(go[0], &c, 1) != 1)
			_exit(2);
		_exit(import(&second, &minor, &ctx) == GSS_S_COMPLETE ? 0 : 1);
	}
	close(go[0]);
	import_ok(&first);
	ck_assert_int_eq(unlink(cache_file()), 0);
	/* ...imports after the deletion, into a new file... */
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	ck_assert_int_eq(waitpid(newer, &status, 0), newer);
	ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* ...and this one, which mapped the old file, moves to the new one
	 * within a second. */
	unit_next_second();
	ck_assert_int_eq(import(&second, &minor, &ctx), GSS_S_UNAUTHORIZED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_TOKEN_REPLAYED);
	close(go[1]);
	free(first.value);
	free(second.value);
}
END_TEST

/* ---- scope: the key file ------------------------------------------------ */

/* The key file that `variable` names is read by `group`, which shares the
 * caches' directory (mode 2770) with root: how services of several uids
 * share one key file and its replay cache. */
static void share_with_group(gid_t group, const char *variable)
{
	char run_dir[PATH_MAX], dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s/shared-rcache", unit_tmpdir());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(chown(dir, 0, group), 0);
	ck_assert_int_eq(chmod(dir, 02770), 0);
	files_with_cache_in(dir, "");
	ck_assert_int_eq(chown(getenv(variable), 0, group), 0);
	ck_assert_int_eq(chmod(getenv(variable), 0640), 0);
	strcpy(run_dir, unit_tmpdir());
	*strrchr(run_dir, '/') = '\0';
	ck_assert_int_eq(chmod(run_dir, 0711), 0);
	ck_assert_int_eq(chmod(unit_tmpdir(), 0711), 0);
}

START_TEST(another_uid_that_reads_the_keyring_shares_its_cache)
{
	enum { OTHER = 64123 };
	gss_buffer_desc token;
	int status;
	pid_t other;

	share_with_group(OTHER, "GSS_SODIUM_SEALKEYS");
	token = fresh_token();
	import_ok(&token);
	other = fork();
	if (other == 0) {
		struct sm_context *ctx;
		OM_uint32 minor, major;
		gid_t group = OTHER;

		if (setgroups(1, &group) != 0 || setgid(OTHER) != 0 || setuid(OTHER) != 0)
			_exit(3);
		major = import(&token, &minor, &ctx);
		if (major != GSS_S_UNAUTHORIZED)
			fprintf(stderr, "uid %d: %s\n", OTHER, sm_status_sentence(minor));
		_exit(major == GSS_S_UNAUTHORIZED && minor == GSS_SODIUM_S_TOKEN_REPLAYED ? 0 :
		      major == GSS_S_COMPLETE ? 1 : 2);
	}
	ck_assert_int_eq(waitpid(other, &status, 0), other);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "uid %d, in the keyring's group: %s", OTHER,
		      WIFEXITED(status) && WEXITSTATUS(status) == 1 ? "imported the token again"
								     : "failed otherwise");
	free(token.value);
}
END_TEST

/* ---- handshakes: the keytab's cache ------------------------------------ */

/* Accept token 1 with the default acceptor credential; a refusal leaves no
 * context and no token. */
static OM_uint32 accept_token_1(const gss_buffer_desc *token1, OM_uint32 *minor)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct sm_context *acc = NULL;
	OM_uint32 major;

	major = sm_context_accept(minor, NULL, &acc, token1, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				  &out, NULL, NULL);
	if (GSS_ERROR(major)) {
		ck_assert_ptr_null(acc);
		ck_assert_uint_eq(out.length, 0);
	}
	sm_context_free(&acc);
	free(out.value);
	return major;
}

/* In a child process, as `uid` when it is not -1: 0 when token 1 was
 * refused as a replay, 1 when it was accepted, 2 otherwise. */
static int accept_in_child(const gss_buffer_desc *token1, int uid)
{
	OM_uint32 major, minor;
	int status;
	pid_t child = fork();

	if (child == 0) {
		gid_t group = (gid_t)uid;

		if (uid != -1 && (setgroups(1, &group) != 0 || setgid((gid_t)uid) != 0 ||
				  setuid((uid_t)uid) != 0))
			_exit(3);
		major = accept_token_1(token1, &minor);
		if (major != (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN))
			fprintf(stderr, "child: %s\n", sm_status_sentence(minor));
		_exit(major == (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN) &&
		      minor == GSS_SODIUM_S_HANDSHAKE_REPLAYED ? 0 : major == GSS_S_COMPLETE ? 1 : 2);
	}
	ck_assert_int_eq(waitpid(child, &status, 0), child);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 4;
}

START_TEST(a_replayed_token_1_is_refused_here_and_in_another_process)
{
	OM_uint32 minor, major;
	struct pair p;
	int anonymous;

	files_with_cache_in(NULL, "allow_anonymous = yes\n");
	for (anonymous = 0; anonymous < 2; anonymous++) {
		ck_assert_int_eq(pair_start(&p, anonymous ? GSS_C_ANON_FLAG : 0, 0,
					    GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
		major = accept_token_1(&p.token1, &minor);
		ck_assert_msg(major == GSS_S_COMPLETE, "%s", sm_status_sentence(minor));
		/* Fatal to GSS_ERROR(), which a supplementary bit alone is not. */
		major = accept_token_1(&p.token1, &minor);
		ck_assert_uint_eq(major, GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN);
		ck_assert(GSS_ERROR(major));
		ck_assert_uint_eq(minor, GSS_SODIUM_S_HANDSHAKE_REPLAYED);
		ck_assert(unit_contains(sm_status_sentence(minor), "was accepted before"));
		ck_assert_int_eq(accept_in_child(&p.token1, -1), 0);
		pair_release(&p);
	}
	/* Only authentic tokens are recorded: a copy with one byte of the
	 * payload changed (the ephemeral key left alone) is refused, and does
	 * not spend the original's record. */
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	((unsigned char *)p.token1.value)[p.token1.length - 1] ^= 1;
	ck_assert_uint_eq(accept_token_1(&p.token1, &minor), GSS_S_DEFECTIVE_TOKEN);
	((unsigned char *)p.token1.value)[p.token1.length - 1] ^= 1;
	major = accept_token_1(&p.token1, &minor);
	ck_assert_msg(major == GSS_S_COMPLETE, "%s", sm_status_sentence(minor));
	pair_release(&p);
}
END_TEST

START_TEST(another_uid_that_reads_the_keytab_shares_its_handshake_cache)
{
	enum { OTHER = 64124 };
	OM_uint32 minor, major;
	struct pair p;
	int verdict;

	share_with_group(OTHER, "GSS_SODIUM_KEYTAB");
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	major = accept_token_1(&p.token1, &minor);
	ck_assert_msg(major == GSS_S_COMPLETE, "%s", sm_status_sentence(minor));
	verdict = accept_in_child(&p.token1, OTHER);
	ck_assert_msg(verdict == 0, "uid %d, in the keytab's group: %s", OTHER,
		      verdict == 1 ? "accepted the token again" : "failed otherwise");
	pair_release(&p);
}
END_TEST

START_TEST(a_directory_others_may_write_is_refused)
{
	char dir[PATH_MAX];
	gss_buffer_desc token;
	struct sm_context *ctx;
	OM_uint32 minor;

	snprintf(dir, sizeof(dir), "%s/open-cache", unit_tmpdir());
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	files_with_cache_in(dir, "");
	token = fresh_token();
	ck_assert_int_eq(chmod(dir, 01777), 0);
	ck_assert_int_eq(import(&token, &minor, &ctx), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_RCACHE_UNUSABLE);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "chmod o-w"), "%s",
		      sm_status_sentence(minor));
	free(token.value);
}
END_TEST

/* ---- room ----------------------------------------------------------------- */

START_TEST(more_live_records_than_the_old_table_held)
{
	enum { IMPORTS = 300000 };
	gss_buffer_desc token;
	OM_uint32 minor;
	struct stat st;
	int i;

	files_with_cache_in(NULL, "");
	token = fresh_token();
	for (i = 0; i < IMPORTS; i++)
		ck_assert_msg(pass_on(&token, &minor) == GSS_S_COMPLETE, "import %d: %s", i,
			      sm_status_sentence(minor));
	ck_assert_int_eq(stat(cache_file(), &st), 0);
	fprintf(stderr, "# %d live records in a cache of %lld bytes\n", IMPORTS,
		(long long)st.st_size);
	free(token.value);
}
END_TEST

START_TEST(a_ceiling_is_a_refusal_with_a_sentence)
{
	OM_uint32 minor, major;

	files_with_cache_in(NULL, "rcache_max_size = 8M\n");
	ck_assert_int_gt(pass_on_until_refused(&major, &minor), 1000);
	ck_assert_int_eq(major, GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_RCACHE_UNUSABLE);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "raise rcache_max_size"), "%s",
		      sm_status_sentence(minor));
}
END_TEST

/* ---- the clock ----------------------------------------------------------- */

/* A process whose clock ran an hour ahead reclaims records that look
 * expired to it; back at real time their tokens must not import again. */
START_TEST(a_clock_stepped_back_revives_no_record)
{
	unsigned char id[SM_RCACHE_ID_MIN], other[SM_RCACHE_ID_MIN];
	struct sm_rcache_answer answer;
	time_t now = time(NULL);
	OM_uint32 minor;
	int i;

	files_with_cache_in(NULL, "");
	ck_assert_int_eq(sm_init(&minor), GSS_S_COMPLETE);
	randombytes_buf(id, sizeof(id));
	ck_assert_int_eq(sm_rcache_record(&minor, SM_RCACHE_IMPORT, getenv("GSS_SODIUM_SEALKEYS"),
					  no_scope, id, sizeof(id), now, now + 600, NULL, &answer),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(answer.verdict, SM_RCACHE_NEW);
	for (i = 0; i < 100000; i++) {
		randombytes_buf(other, sizeof(other));
		ck_assert_int_eq(sm_rcache_record(&minor, SM_RCACHE_IMPORT,
						  getenv("GSS_SODIUM_SEALKEYS"), no_scope, other,
						  sizeof(other), now + 3600, now + 4200, NULL,
						  &answer),
				 GSS_S_COMPLETE);
	}
	ck_assert_int_eq(sm_rcache_record(&minor, SM_RCACHE_IMPORT, getenv("GSS_SODIUM_SEALKEYS"),
					  no_scope, id, sizeof(id), now + 1, now + 600, NULL, &answer),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(answer.verdict, SM_RCACHE_TOO_OLD);
	ck_assert_int_eq(answer.clock, now + 3600);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("rcache");
	TCase *t = tcase_create("rcache");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, a_long_lived_importer_does_not_block_another);
	tcase_add_test(t, importers_killed_at_random_leave_a_working_cache);
	/* Mounts and other uids need root; make check runs as root in CI. */
	if (geteuid() == 0) {
		tcase_add_test(t, a_full_filesystem_is_a_refusal);
		tcase_add_test(t, a_cache_that_cannot_grow_is_a_refusal);
		tcase_add_test(t, another_uid_that_reads_the_keyring_shares_its_cache);
		tcase_add_test(t, another_uid_that_reads_the_keytab_shares_its_handshake_cache);
	} else {
		fprintf(stderr, "# 4 tests of check_rcache need root and were not run\n");
	}
	tcase_add_test(t, a_file_truncated_under_a_running_importer);
	tcase_add_test(t, old_and_new_processes_meet_in_a_replaced_file);
	tcase_add_test(t, a_directory_others_may_write_is_refused);
	tcase_add_test(t, more_live_records_than_the_old_table_held);
	tcase_add_test(t, a_ceiling_is_a_refusal_with_a_sentence);
	tcase_add_test(t, a_clock_stepped_back_revives_no_record);
	tcase_add_test(t, a_replayed_token_1_is_refused_here_and_in_another_process);
	suite_add_tcase(s, t);
	return s;
}
