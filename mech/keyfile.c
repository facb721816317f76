/* Parsing the keytab, identity and peers files. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "filecache.h"
#include "files.h"
#include "keyfile.h"
#include "secmem.h"
#include "status.h"
#include "trace.h"

static OM_uint32 line_error(OM_uint32 *minor, const char *path, unsigned line,
			    const char *what)
{
	return sm_fail(minor, GSS_S_NO_CRED, GSS_SODIUM_S_FILE_SYNTAX,
		       "%s line %u: %s", path, line, what);
}

/* Turn the failure of a name parser into a line error of the file. */
static OM_uint32 name_error(OM_uint32 *minor, const char *path, unsigned line)
{
	const char *sentence = sm_status_sentence(*minor);
	const char *prefix = "gss-sodium: ";
	char copy[512];

	if (sentence == NULL)
		sentence = "";
	if (strncmp(sentence, prefix, strlen(prefix)) == 0)
		sentence += strlen(prefix);
	snprintf(copy, sizeof(copy), "%s", sentence);
	return line_error(minor, path, line, copy);
}

static OM_uint32 grow(OM_uint32 *minor, struct sm_keys *keys)
{
	struct sm_key_entry *bigger;

	bigger = realloc(keys->entries, (keys->count + 1) * sizeof(*bigger));
	if (bigger == NULL)
		return sm_no_memory(minor);
	keys->entries = bigger;
	memset(&keys->entries[keys->count], 0, sizeof(*bigger));
	return sm_ok(minor);
}

static void clear_entry(struct sm_key_entry *e)
{
	sm_name_free(&e->name);
	sm_secmem_free(e->private_key);
	e->private_key = NULL;
}

/* Drop the entries from index `count` on, leaving `keys` as it was when
 * it had `count` (no array at all for none). */
static void truncate_keys(struct sm_keys *keys, size_t count)
{
	while (keys->count > count)
		clear_entry(&keys->entries[--keys->count]);
	if (keys->count == 0) {
		free(keys->entries);
		keys->entries = NULL;
	}
}

/* Decode a base64 key; 0 unless it is exactly 32 bytes of padded base64. */
static int decode_key(const char *b64, size_t len, unsigned char *out)
{
	unsigned char decoded[SM_KEY_BYTES];
	const char *end = NULL;
	size_t got = 0;
	int ok;

	ok = len == SM_KEY_BASE64_CHARS &&
	     sodium_base642bin(decoded, sizeof(decoded), b64, len, NULL, &got,
			       &end, sodium_base64_VARIANT_ORIGINAL) == 0 &&
	     got == SM_KEY_BYTES && end == b64 + len;
	if (ok)
		memcpy(out, decoded, SM_KEY_BYTES);
	sodium_memzero(decoded, sizeof(decoded));
	return ok;
}

/* Parse one line (without its newline) into a new entry of `keys`. */
static OM_uint32 parse_line(OM_uint32 *minor, enum sm_file which, const char *path,
			    unsigned line, const char *p, size_t len,
			    struct sm_keys *keys)
{
	int is_private = sm_file_is_private(which);
	const char *field[2];
	size_t field_len[2], n = sm_line_fields(p, len, field, field_len, 2);
	struct sm_key_entry *e;
	OM_uint32 major;

	if (n == 0)
		return sm_ok(minor);
	if (n != 2)
		return line_error(minor, path, line, is_private
			? "expected 'NAME PRIVATE-KEY-BASE64' (two fields)"
			: "expected 'NAME PUBLIC-KEY-BASE64' (two fields)");

	major = grow(minor, keys);
	if (GSS_ERROR(major))
		return major;
	e = &keys->entries[keys->count];
	major = sm_name_from_canonical(minor, field[0], field_len[0], &e->name);
	if (GSS_ERROR(major))
		return name_error(minor, path, line);
	if (is_private) {
		e->private_key = sm_secmem_alloc(SM_KEY_BYTES);
		if (e->private_key == NULL) {
			clear_entry(e);
			return sm_no_memory(minor);
		}
	}
	if (!decode_key(field[1], field_len[1], is_private ? e->private_key : e->public_key)) {
		clear_entry(e);
		return line_error(minor, path, line, is_private
			? "the private key is not the base64 form of 32 bytes; make keys with 'gss-sodium keygen'"
			: "the public key is not the base64 form of 32 bytes; copy it from 'gss-sodium pubkey'");
	}
	if (is_private)
		crypto_scalarmult_base(e->public_key, e->private_key);
	keys->count++;
	return sm_ok(minor);
}

OM_uint32 sm_keys_parse(OM_uint32 *minor, enum sm_file which, const char *path,
			const char *text, size_t len, struct sm_keys *keys)
{
	size_t first_new = keys->count, line_len;
	struct sm_lines lines;
	const char *p;
	OM_uint32 major;

	sm_lines_init(&lines, text, len);
	while (sm_lines_next(&lines, &p, &line_len)) {
		if (memchr(p, '\0', line_len) != NULL)
			major = line_error(minor, path, lines.number, "contains a NUL byte");
		else
			major = parse_line(minor, which, path, lines.number, p, line_len,
					   keys);
		if (GSS_ERROR(major)) {
			truncate_keys(keys, first_new);
			return major;
		}
	}
	return sm_ok(minor);
}

/* ---- key files read before ------------------------------------------------ */

/* Append copies of `from`'s entries to `keys`; on failure `keys` is left
 * as it was. */
static OM_uint32 append_copies(OM_uint32 *minor, const struct sm_keys *from,
			       struct sm_keys *keys)
{
	size_t first_new = keys->count, i;
	OM_uint32 major = GSS_S_COMPLETE;

	for (i = 0; i < from->count && !GSS_ERROR(major); i++)
		major = sm_keys_add_copy(minor, &from->entries[i], keys);
	if (GSS_ERROR(major))
		truncate_keys(keys, first_new);
	return major;
}

static OM_uint32 parse_reading(OM_uint32 *minor, enum sm_file which, const char *path,
			       const char *text, size_t len, void *reading)
{
	struct sm_keys *keys = reading;
	OM_uint32 major = sm_keys_parse(minor, which, path, text, len, keys);

	if (!GSS_ERROR(major))
		sm_trace("read %zu key(s) from %s", keys->count, path);
	return major;
}

static void clear_reading(void *reading)
{
	sm_keys_clear(reading);
}

/*
 * A process keeps the key files it read (filecache.h), because reading
 * one again means a scalar multiplication per private key to derive its
 * public key, at every credential acquired.  It looks at them at every
 * use, so that a change takes effect at the next acquisition.
 */
#define KEY_KIND(which) { which, 0, sizeof(struct sm_keys), parse_reading, clear_reading }
static const struct sm_fcache_kind key_kinds[] = {
	[SM_FILE_KEYTAB] = KEY_KIND(SM_FILE_KEYTAB),
	[SM_FILE_IDENTITY] = KEY_KIND(SM_FILE_IDENTITY),
	[SM_FILE_PEERS] = KEY_KIND(SM_FILE_PEERS),
};

OM_uint32 sm_keys_load(OM_uint32 *minor, enum sm_file which, const char *path,
		       int must_exist, struct sm_keys *keys)
{
	const void *reading;
	OM_uint32 major;

	major = sm_fcache_take(minor, &key_kinds[which], path, must_exist, NULL, &reading);
	if (GSS_ERROR(major))
		return major;
	/* Copies: each credential owns (and wipes) its own private keys. */
	major = append_copies(minor, reading, keys);
	sm_fcache_give_back(reading);
	return major;
}

OM_uint32 sm_keys_add_copy(OM_uint32 *minor, const struct sm_key_entry *entry,
			   struct sm_keys *keys)
{
	struct sm_key_entry *e;
	OM_uint32 major;

	major = grow(minor, keys);
	if (GSS_ERROR(major))
		return major;
	e = &keys->entries[keys->count];
	major = sm_name_duplicate(minor, entry->name, &e->name);
	if (GSS_ERROR(major))
		return major;
	memcpy(e->public_key, entry->public_key, SM_KEY_BYTES);
	if (entry->private_key != NULL) {
		e->private_key = sm_secmem_alloc(SM_KEY_BYTES);
		if (e->private_key == NULL) {
			clear_entry(e);
			return sm_no_memory(minor);
		}
		memcpy(e->private_key, entry->private_key, SM_KEY_BYTES);
	}
	keys->count++;
	return sm_ok(minor);
}

const struct sm_key_entry *sm_keys_find(const struct sm_keys *keys,
					const struct sm_name *name, size_t *from)
{
	size_t i;

	for (i = *from; i < keys->count; i++) {
		if (sm_name_equal(keys->entries[i].name, name)) {
			*from = i + 1;
			return &keys->entries[i];
		}
	}
	*from = keys->count;
	return NULL;
}

void sm_keys_clear(struct sm_keys *keys)
{
	truncate_keys(keys, 0);
}

int sm_key_generate(unsigned char **private_key,
		    unsigned char public_key[SM_KEY_BYTES])
{
	*private_key = sm_secmem_alloc(SM_KEY_BYTES);
	if (*private_key == NULL)
		return -1;
	randombytes_buf(*private_key, SM_KEY_BYTES);
	crypto_scalarmult_base(public_key, *private_key);
	return 0;
}

void sm_key_to_base64(const unsigned char key[SM_KEY_BYTES],
		      char out[SM_KEY_BASE64_CHARS + 1])
{
	sodium_bin2base64(out, SM_KEY_BASE64_CHARS + 1, key, SM_KEY_BYTES,
			  sodium_base64_VARIANT_ORIGINAL);
}
