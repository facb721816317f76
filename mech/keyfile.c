/* Parsing the keytab, identity and peers files. */
#include "config.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

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
	const char *p = text, *end = text + len, *nl;
	unsigned line = 0;
	OM_uint32 major;

	while (p < end) {
		line++;
		nl = memchr(p, '\n', (size_t)(end - p));
		line_len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (memchr(p, '\0', line_len) != NULL)
			major = line_error(minor, path, line, "contains a NUL byte");
		else
			major = parse_line(minor, which, path, line, p, line_len, keys);
		if (GSS_ERROR(major)) {
			truncate_keys(keys, first_new);
			return major;
		}
		p += line_len + 1;
	}
	return sm_ok(minor);
}

/* ---- key files read before ------------------------------------------------ */

/*
 * A process keeps the key files it read, because reading one again means
 * a scalar multiplication per private key to derive its public key, at
 * every credential acquired.  A kept reading serves while a stat of the
 * path shows the same file unchanged and the caller may still read it.
 * File times advance in clock ticks, so a change within the tick of a
 * reading could leave every stat field as it was: a file changed within
 * SETTLE_SECONDS before its reading is not kept (git treats its "racily
 * clean" index entries the same way).
 */
#define KEPT_FILES 8
#define SETTLE_SECONDS 2

struct kept_file {
	enum sm_file which;
	char path[PATH_MAX];	/* "" for an unused slot */
	struct stat st;
	struct sm_keys keys;
	unsigned long last_used;
};

static pthread_mutex_t kept_lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept_file kept[KEPT_FILES];
static unsigned long kept_clock;

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

/* Copy the kept reading of `path` into `keys` if the file is as `st` shows
 * it now; true when it served (its outcome in *major).  A reading of a
 * file that has changed, or that the caller may not read or whose owner
 * it does not trust (`st` NULL), is dropped, so that no old key outlives
 * its file here. */
static int take_kept(OM_uint32 *minor, enum sm_file which, const char *path,
		     const struct stat *st, struct sm_keys *keys, OM_uint32 *major)
{
	struct kept_file *k;
	int served = 0;

	pthread_mutex_lock(&kept_lock);
	for (k = kept; k < kept + KEPT_FILES; k++) {
		if (k->which != which || strcmp(k->path, path) != 0)
			continue;
		if (st != NULL && sm_file_unchanged(&k->st, st)) {
			k->last_used = ++kept_clock;
			*major = append_copies(minor, &k->keys, keys);
			served = 1;
		} else {
			sm_keys_clear(&k->keys);
			k->path[0] = '\0';
			k->last_used = 0;
		}
		break;
	}
	pthread_mutex_unlock(&kept_lock);
	return served;
}

/* Keep `keys`, read from `path` as `st` showed it before the reading, in
 * place of the least recently used reading; `keys` is emptied. */
static void keep(enum sm_file which, const char *path, const struct stat *st,
		 struct sm_keys *keys)
{
	struct kept_file *k, *slot = kept;

	pthread_mutex_lock(&kept_lock);
	for (k = kept; k < kept + KEPT_FILES; k++) {
		if (k->which == which && strcmp(k->path, path) == 0) {
			slot = k;
			break;
		}
		if (k->last_used < slot->last_used)
			slot = k;
	}
	sm_keys_clear(&slot->keys);
	slot->which = which;
	strcpy(slot->path, path);
	slot->st = *st;
	slot->keys = *keys;
	slot->last_used = ++kept_clock;
	pthread_mutex_unlock(&kept_lock);
	keys->count = 0;
	keys->entries = NULL;
}

OM_uint32 sm_keys_load(OM_uint32 *minor, enum sm_file which, const char *path,
		       int must_exist, struct sm_keys *keys)
{
	struct sm_keys parsed = { 0, NULL };
	OM_uint32 major;
	struct stat st;
	int keepable;
	size_t len;
	char *text;

	/* The stat comes before the reading: a change after it shows at the
	 * next look, never the other way round.  A kept reading serves only
	 * a caller that may read the file and trusts its owner (the effective
	 * uid may have changed since). */
	keepable = strlen(path) < PATH_MAX && stat(path, &st) == 0 &&
		   sm_file_owner_trusted(&st) &&
		   faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0;
	if (take_kept(minor, which, path, keepable ? &st : NULL, keys, &major))
		return major;
	major = sm_file_read(minor, which, path, must_exist, &text, &len);
	if (GSS_ERROR(major) || text == NULL)
		return major;
	major = sm_keys_parse(minor, which, path, text, len, &parsed);
	sm_file_release(text, len);
	if (!GSS_ERROR(major))
		major = append_copies(minor, &parsed, keys);
	if (GSS_ERROR(major)) {
		sm_keys_clear(&parsed);
		return major;
	}
	sm_trace("read %zu key(s) from %s", parsed.count, path);
	if (keepable && time(NULL) - st.st_ctim.tv_sec >= SETTLE_SECONDS)
		keep(which, path, &st, &parsed);
	else
		sm_keys_clear(&parsed);
	return sm_ok(minor);
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
