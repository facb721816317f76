/* Shared by the Check unit test programs. */
#ifndef UNIT_H
#define UNIT_H

#include <check.h>
#include <stddef.h>
#include <sys/types.h>

/* Each test program defines its suite. */
Suite *unit_suite(void);

/* A fresh temporary directory for this test process, removed when the
 * process that made it exits (tests run in forked children). */
const char *unit_tmpdir(void);

/* Write `text` to DIR/NAME with `mode`; returns the path (static storage
 * rotated among 8 buffers). */
const char *unit_write_file(const char *name, const char *text, mode_t mode);

/* The whole file, NUL-terminated, to be freed. */
char *unit_read_file(const char *path);

/* printf into one of four static buffers (4 KiB each). */
const char *unit_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The VmFlags line of the mapping that holds `p`, from /proc/self/smaps;
 * 0 when no mapping holds it. */
int unit_mapping_flags(const void *p, char *flags, size_t size);

/* Return once CLOCK_MONOTONIC_COARSE has reached the next second: a
 * process looks at the sealing keyring (variable and file) at most once a
 * second by that clock, and looks again after this. */
void unit_next_second(void);

/* AddressSanitizer's mlock() does nothing (and reports success), so the
 * tests of locked memory run only in a build without it. */
#if defined(__SANITIZE_ADDRESS__)
#define UNIT_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNIT_UNDER_ASAN 1
#endif
#endif

/* Are the `n` bytes at `p` all zero? (For asserting that keys were wiped.) */
int unit_all_zero(const void *p, size_t n);

/* Does `haystack` contain `needle`? (For asserting on sentences.) */
int unit_contains(const char *haystack, const char *needle);

#endif
