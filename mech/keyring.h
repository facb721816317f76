/*
 * The sealing keyring: lines 'ID KEY-BASE64 CREATED [retired]'.  The key
 * with the highest id that is not retired seals new exports; every key
 * that is not retired opens them.
 */
#ifndef SM_KEYRING_H
#define SM_KEYRING_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "rcache.h"

#define SM_SEAL_KEY_BYTES 32
/* "2026-11-28T06:30:00Z" */
#define SM_TIMESTAMP_CHARS 20

struct sm_seal_key {
	uint32_t id;
	unsigned char *key;	/* locked slot */
	time_t created;
	time_t seals_from;	/* 0: seals as soon as it is the newest key */
	int retired;
	/* For each use, BLAKE2b keyed with `key` and fed that use's label,
	 * ready for a header; in one locked slot, made when the keyring is
	 * parsed. */
	unsigned char *derivation;
	/* What names this key's records in a shared replay cache: BLAKE2b-8
	 * keyed with `key` of "gss-sodium replay scope", so that every host
	 * holding the key agrees on it and nobody else learns the key. */
	unsigned char scope[SM_RCACHE_SCOPE_BYTES];
};

/* What a keyring key seals; each use has its own label, so a box of one
 * use never opens as another's. */
enum sm_seal_use {
	SM_SEAL_EXPORT,		/* exported contexts: "gss-sodium export v2" */
	SM_SEAL_TICKET,		/* resumption tickets: "gss-sodium ticket v2" */
	SM_SEAL_USES
};

/* The secretbox key for a box of `use` with this header: BLAKE2b-256 keyed
 * with the keyring key, of the use's label and the header. */
void sm_seal_key_for_header(const struct sm_seal_key *key, enum sm_seal_use use,
			    const unsigned char *header, size_t header_len,
			    unsigned char out[SM_SEAL_KEY_BYTES]);

struct sm_keyring {
	size_t count;
	struct sm_seal_key *keys;
};

/* One line of a keyring, 'ID KEY-BASE64 CREATED [from=TIME] [retired]', as
 * read (`key` left NULL) for the tool's edits: returns 1 for a key line, 0
 * for a blank or comment line, -1 if bad. */
int sm_keyring_line(const char *line, size_t len, uint32_t *id, int *retired);

OM_uint32 sm_keyring_parse(OM_uint32 *minor, const char *path, const char *text,
			   size_t len, struct sm_keyring *ring)
	__attribute__((warn_unused_result));
OM_uint32 sm_keyring_load(OM_uint32 *minor, const char *path, int must_exist,
			  struct sm_keyring *ring)
	__attribute__((warn_unused_result));
void sm_keyring_clear(struct sm_keyring *ring);

const struct sm_seal_key *sm_keyring_find(const struct sm_keyring *ring, uint32_t id);
/* The sealing key at `now`: of the keys that are not retired and whose
 * from= time has come, the one with the highest id; or NULL.  A key added
 * with a later from= time opens tokens at once and seals only then, so a
 * farm can distribute it before any host seals with it. */
const struct sm_seal_key *sm_keyring_sealing_key(const struct sm_keyring *ring, time_t now);

/* UTC "YYYY-MM-DDTHH:MM:SSZ" and back (-1 when malformed). */
void sm_timestamp_format(time_t t, char out[SM_TIMESTAMP_CHARS + 1]);
time_t sm_timestamp_parse(const char *text, size_t len);
/* Any time in UTC for people; one past the year 9999 (which gmtime cannot
 * show portably) as a number of seconds.  64 bytes always suffice. */
void sm_clock_format(uint64_t t, char *out, size_t size);

/*
 * The process's keyring: read from GSS_SODIUM_SEALKEYS or the default
 * location, shared by threads, and read again by the rule of filecache.h,
 * which looks at the variable and the file at most once a second.  The
 * reference must be given back with sm_keyring_release().  `path` receives
 * the file's name (PATH_MAX).  A missing file gives an empty keyring.
 */
OM_uint32 sm_keyring_acquire(OM_uint32 *minor, const struct sm_keyring **ring,
			     char *path)
	__attribute__((warn_unused_result));
void sm_keyring_release(const struct sm_keyring *ring);

#endif
