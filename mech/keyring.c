/* The sealing keyring and its per-process cache. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "filecache.h"
#include "files.h"
#include "keyring.h"
#include "secmem.h"
#include "status.h"

#define MAX_FIELDS 5
#define RETIRED_WORD "retired"
#define FROM_PREFIX "from="
static const char *const derivation_label[SM_SEAL_USES] = {
	[SM_SEAL_EXPORT] = "gss-sodium export v2",
	[SM_SEAL_TICKET] = "gss-sodium ticket v2",
};
#define SCOPE_LABEL "gss-sodium replay scope"

void sm_timestamp_format(time_t t, char out[SM_TIMESTAMP_CHARS + 1])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, SM_TIMESTAMP_CHARS + 1, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void sm_clock_format(uint64_t t, char *out, size_t size)
{
	if (t <= 253402300799ULL && size > SM_TIMESTAMP_CHARS)
		sm_timestamp_format((time_t)t, out);
	else
		snprintf(out, size, "%llu seconds after 1970", (unsigned long long)t);
}

time_t sm_timestamp_parse(const char *text, size_t len)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:ddZ";
	char again[SM_TIMESTAMP_CHARS + 1];
	struct tm tm;
	time_t t;
	size_t i;

	if (len != SM_TIMESTAMP_CHARS)
		return -1;
	for (i = 0; i < len; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != shape[i])
			return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = atoi(text) - 1900;
	tm.tm_mon = atoi(text + 5) - 1;
	tm.tm_mday = atoi(text + 8);
	tm.tm_hour = atoi(text + 11);
	tm.tm_min = atoi(text + 14);
	tm.tm_sec = atoi(text + 17);
	t = timegm(&tm);
	/* timegm() normalises 2026-13-40; a real date formats back the same. */
	sm_timestamp_format(t, again);
	return memcmp(again, text, SM_TIMESTAMP_CHARS) == 0 ? t : -1;
}

static int parse_id(const char *text, size_t len, uint32_t *id)
{
	unsigned long long v = 0;
	size_t i;

	if (len == 0 || len > 10 || text[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (!isdigit((unsigned char)text[i]))
			return 0;
		v = v * 10 + (unsigned)(text[i] - '0');
	}
	if (v > UINT32_MAX)
		return 0;
	*id = (uint32_t)v;
	return 1;
}

/* Parse a line; `key` (SM_SEAL_KEY_BYTES) may be NULL.  Returns 1 for a
 * key line, 0 for an empty one, or -1 with `why` set. */
static int parse_line(const char *line, size_t len, struct sm_seal_key *out,
		      unsigned char *key, const char **why)
{
	const char *field[MAX_FIELDS], *end;
	size_t field_len[MAX_FIELDS], n, got;
	unsigned char decoded[SM_SEAL_KEY_BYTES];

	n = sm_line_fields(line, len, field, field_len, MAX_FIELDS);
	if (n == 0)
		return 0;
	*why = "expected 'ID KEY-BASE64 CREATED [from=TIME] [retired]'";
	if (n < 3 || n > MAX_FIELDS)
		return -1;
	if (!parse_id(field[0], field_len[0], &out->id)) {
		*why = "the ID is not a number from 1 to 4294967295";
		return -1;
	}
	if (sodium_base642bin(decoded, sizeof(decoded), field[1], field_len[1], NULL, &got,
			      &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
	    got != SM_SEAL_KEY_BYTES || end != field[1] + field_len[1]) {
		sodium_memzero(decoded, sizeof(decoded));
		*why = "the key is not the base64 form of 32 bytes; make keys with 'gss-sodium sealkey new'";
		return -1;
	}
	if (key != NULL)
		memcpy(key, decoded, SM_SEAL_KEY_BYTES);
	sodium_memzero(decoded, sizeof(decoded));
	out->created = sm_timestamp_parse(field[2], field_len[2]);
	if (out->created == (time_t)-1) {
		*why = "CREATED is not a UTC time such as 2026-11-28T06:30:00Z";
		return -1;
	}
	out->seals_from = 0;
	out->retired = field_len[n - 1] == strlen(RETIRED_WORD) &&
		       memcmp(field[n - 1], RETIRED_WORD, field_len[n - 1]) == 0;
	if ((size_t)(3 + out->retired) == n)
		return 1;
	*why = "after CREATED a line may only have 'from=TIME' and then 'retired'";
	if ((size_t)(4 + out->retired) != n || field_len[3] <= strlen(FROM_PREFIX) ||
	    memcmp(field[3], FROM_PREFIX, strlen(FROM_PREFIX)) != 0)
		return -1;
	out->seals_from = sm_timestamp_parse(field[3] + strlen(FROM_PREFIX),
					     field_len[3] - strlen(FROM_PREFIX));
	if (out->seals_from == (time_t)-1) {
		*why = "from= is not a UTC time such as 2026-11-28T06:30:00Z";
		return -1;
	}
	return 1;
}

int sm_keyring_line(const char *line, size_t len, uint32_t *id, int *retired)
{
	struct sm_seal_key k;
	const char *why;
	int r = parse_line(line, len, &k, NULL, &why);

	if (r == 1) {
		*id = k.id;
		*retired = k.retired;
	}
	return r;
}

void sm_keyring_clear(struct sm_keyring *ring)
{
	size_t i;

	for (i = 0; i < ring->count; i++) {
		sm_secmem_free(ring->keys[i].key);
		sm_secmem_free(ring->keys[i].derivation);
	}
	free(ring->keys);
	ring->keys = NULL;
	ring->count = 0;
}

OM_uint32 sm_keyring_parse(OM_uint32 *minor, const char *path, const char *text,
			   size_t len, struct sm_keyring *ring)
{
	const char *p, *why = "";
	struct sm_seal_key k, *bigger;
	int use;
	struct sm_lines lines;
	unsigned char *key;
	size_t line_len;
	int r;

	sm_lines_init(&lines, text, len);
	while (sm_lines_next(&lines, &p, &line_len)) {
		key = sm_secmem_alloc(SM_SEAL_KEY_BYTES);
		if (key == NULL) {
			sm_keyring_clear(ring);
			return sm_no_memory(minor);
		}
		r = memchr(p, '\0', line_len) ? (why = "contains a NUL byte", -1)
					      : parse_line(p, line_len, &k, key, &why);
		if (r == 1 && sm_keyring_find(ring, k.id) != NULL) {
			why = "the ID is given twice";
			r = -1;
		}
		if (r != 1) {
			sm_secmem_free(key);
			if (r == 0)
				continue;
			sm_keyring_clear(ring);
			return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_FILE_SYNTAX,
				       "%s line %u: %s", path, lines.number, why);
		}
		k.key = key;
		k.derivation = sm_secmem_alloc(SM_SEAL_USES * sizeof(crypto_generichash_state));
		bigger = k.derivation == NULL ? NULL
			 : realloc(ring->keys, (ring->count + 1) * sizeof(*bigger));
		if (bigger == NULL) {
			sm_secmem_free(key);
			sm_secmem_free(k.derivation);
			sm_keyring_clear(ring);
			return sm_no_memory(minor);
		}
		/* Keying BLAKE2b costs a block: do it once per key and use. */
		for (use = 0; use < SM_SEAL_USES; use++) {
			crypto_generichash_state *st =
				(crypto_generichash_state *)k.derivation + use;

			crypto_generichash_init(st, key, SM_SEAL_KEY_BYTES, SM_SEAL_KEY_BYTES);
			crypto_generichash_update(st, (const unsigned char *)derivation_label[use],
						  strlen(derivation_label[use]));
		}
		crypto_generichash(k.scope, sizeof(k.scope), (const unsigned char *)SCOPE_LABEL,
				   sizeof(SCOPE_LABEL) - 1, key, SM_SEAL_KEY_BYTES);
		ring->keys = bigger;
		ring->keys[ring->count++] = k;
	}
	return sm_ok(minor);
}

OM_uint32 sm_keyring_load(OM_uint32 *minor, const char *path, int must_exist,
			  struct sm_keyring *ring)
{
	OM_uint32 major;
	size_t len;
	char *text;

	ring->count = 0;
	ring->keys = NULL;
	major = sm_file_read(minor, SM_FILE_SEALKEYS, path, must_exist, &text, &len);
	if (GSS_ERROR(major) || text == NULL)
		return major;
	major = sm_keyring_parse(minor, path, text, len, ring);
	sm_file_release(text, len);
	return major;
}

void sm_seal_key_for_header(const struct sm_seal_key *key, enum sm_seal_use use,
			    const unsigned char *header, size_t header_len,
			    unsigned char out[SM_SEAL_KEY_BYTES])
{
	crypto_generichash_state st;

	memcpy(&st, key->derivation + use * sizeof(st), sizeof(st));
	crypto_generichash_update(&st, header, header_len);
	crypto_generichash_final(&st, out, SM_SEAL_KEY_BYTES);
	sodium_memzero(&st, sizeof(st));
}

const struct sm_seal_key *sm_keyring_find(const struct sm_keyring *ring, uint32_t id)
{
	size_t i;

	for (i = 0; i < ring->count; i++)
		if (ring->keys[i].id == id)
			return &ring->keys[i];
	return NULL;
}

const struct sm_seal_key *sm_keyring_sealing_key(const struct sm_keyring *ring, time_t now)
{
	const struct sm_seal_key *best = NULL;
	size_t i;

	for (i = 0; i < ring->count; i++)
		if (!ring->keys[i].retired && ring->keys[i].seals_from <= now &&
		    (best == NULL || ring->keys[i].id > best->id))
			best = &ring->keys[i];
	return best;
}

/* ---- the process's keyring ------------------------------------------------ */

static OM_uint32 parse_reading(OM_uint32 *minor, enum sm_file which, const char *path,
			       const char *text, size_t len, void *reading)
{
	return sm_keyring_parse(minor, path, text, len, reading);
}

static void clear_reading(void *reading)
{
	sm_keyring_clear(reading);
}

/* Looked at most once a second: a stat() per export and import would cost
 * more than the sealing. */
static const struct sm_fcache_kind keyring_kind = {
	SM_FILE_SEALKEYS, 1, sizeof(struct sm_keyring), parse_reading, clear_reading
};

OM_uint32 sm_keyring_acquire(OM_uint32 *minor, const struct sm_keyring **ring,
			     char *path)
{
	const void *reading;
	OM_uint32 major;

	major = sm_fcache_take(minor, &keyring_kind, NULL, 0, path, &reading);
	*ring = reading;
	return major;
}

void sm_keyring_release(const struct sm_keyring *ring)
{
	sm_fcache_give_back(ring);
}
