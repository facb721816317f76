/*
 * Key files: keytab and identity ('NAME PRIVATE-KEY-BASE64' lines) and
 * peers ('NAME PUBLIC-KEY-BASE64' lines).  Keys are X25519; private keys
 * live in locked memory.
 */
#ifndef SM_KEYFILE_H
#define SM_KEYFILE_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "files.h"
#include "names.h"

#define SM_KEY_BYTES 32
/* Base64 (with padding) of a 32-byte key, without the NUL. */
#define SM_KEY_BASE64_CHARS 44

struct sm_key_entry {
	struct sm_name *name;
	unsigned char public_key[SM_KEY_BYTES];
	unsigned char *private_key;	/* locked slot; NULL for a peer */
};

struct sm_keys {
	size_t count;
	struct sm_key_entry *entries;
};

/*
 * Parse `text`, a file of kind `which` read from `path` (named in errors),
 * appending its entries to `keys`.  On failure `keys` is left as it was.
 */
OM_uint32 sm_keys_parse(OM_uint32 *minor, enum sm_file which, const char *path,
			const char *text, size_t len, struct sm_keys *keys)
	__attribute__((warn_unused_result));

/* Read and parse one file; a missing file adds nothing unless must_exist. */
OM_uint32 sm_keys_load(OM_uint32 *minor, enum sm_file which, const char *path,
		       int must_exist, struct sm_keys *keys)
	__attribute__((warn_unused_result));

/* Append a copy of `entry` (private key included) to `keys`. */
OM_uint32 sm_keys_add_copy(OM_uint32 *minor, const struct sm_key_entry *entry,
			   struct sm_keys *keys)
	__attribute__((warn_unused_result));

/* The first entry for `name` at or after index *from (updated), or NULL. */
const struct sm_key_entry *sm_keys_find(const struct sm_keys *keys,
					const struct sm_name *name, size_t *from);

/* Release every entry, wiping private keys. */
void sm_keys_clear(struct sm_keys *keys);

/* A new private key and its public key (the private one in a locked slot). */
int sm_key_generate(unsigned char **private_key,
		    unsigned char public_key[SM_KEY_BYTES]);

/* Base64 of a key, NUL-terminated, into out[SM_KEY_BASE64_CHARS + 1]. */
void sm_key_to_base64(const unsigned char key[SM_KEY_BYTES],
		      char out[SM_KEY_BASE64_CHARS + 1]);

#endif
