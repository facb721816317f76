/* main() and helpers for the Check unit tests; results are printed as TAP
 * when CK_TAP_LOG_FILE_NAME=- (as make check sets it). */
#include "config.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "unit.h"

/* One directory per run, made before the tests fork and removed after
 * them, holding one directory per test process. */
static char run_dir[64];
static char tmpdir[128];
static pid_t tmpdir_owner;

static int remove_entry(const char *path, const struct stat *st, int flag,
			struct FTW *ftw)
{
	return remove(path);
}

const char *unit_tmpdir(void)
{
	if (tmpdir[0] == '\0' || getpid() != tmpdir_owner) {
		snprintf(tmpdir, sizeof(tmpdir), "%s/test-XXXXXX", run_dir);
		ck_assert_ptr_nonnull(mkdtemp(tmpdir));
		tmpdir_owner = getpid();
	}
	return tmpdir;
}

const char *unit_write_file(const char *name, const char *text, mode_t mode)
{
	static char paths[8][PATH_MAX];
	static int next;
	char *path = paths[next++ % 8];
	size_t len = strlen(text);
	int fd;

	snprintf(path, PATH_MAX, "%s/%s", unit_tmpdir(), name);
	unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
	return path;
}

char *unit_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *text;
	long len;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	text = malloc((size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	text[len] = '\0';
	fclose(f);
	return text;
}

const char *unit_format(const char *fmt, ...)
{
	static char texts[4][4096];
	static int next;
	char *text = texts[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	ck_assert_int_lt(vsnprintf(text, sizeof(texts[0]), fmt, ap), (int)sizeof(texts[0]));
	va_end(ap);
	return text;
}

/* The VmFlags line of the mapping that holds `p`, from /proc/self/smaps. */
int unit_mapping_flags(const void *p, char *flags, size_t size)
{
	uintptr_t addr = (uintptr_t)p, lo, hi;
	char line[512];
	int inside = 0, found = 0;
	FILE *f = fopen("/proc/self/smaps", "r");

	ck_assert_ptr_nonnull(f);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' '))
			inside = addr >= lo && addr < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			snprintf(flags, size, "%s", line + 8);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

int unit_all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

int unit_contains(const char *haystack, const char *needle)
{
	return haystack != NULL && strstr(haystack, needle) != NULL;
}

void unit_next_second(void)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &start);
	do {
		usleep(10 * 1000);
		clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
	} while (now.tv_sec == start.tv_sec);
}

int main(void)
{
	SRunner *runner = srunner_create(unit_suite());
	int failed;

	if (sodium_init() < 0)
		return EXIT_FAILURE;
	strcpy(run_dir, "/tmp/gss-sodium-unit-XXXXXX");
	if (mkdtemp(run_dir) == NULL)
		return EXIT_FAILURE;
	srunner_run_all(runner, CK_ENV);
	failed = srunner_ntests_failed(runner);
	srunner_free(runner);
	nftw(run_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
