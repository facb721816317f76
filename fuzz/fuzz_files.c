/*
 * The parsers of what a user or administrator writes, and of exported
 * names: the key files (sm_keys_parse), the settings file
 * (sm_settings_parse), the sealing keyring (sm_keyring_parse) and
 * gss_import_name (sm_name_import).
 *
 * The first input byte, modulo 9, chooses:
 *   0 keytab, 1 identity, 2 peers (key file lines; private keys for the
 *     first two), 3 settings, 4 sealing keyring: the rest is the file's
 *     text, handed over as sm_file_read() would (NUL-terminated);
 *   5 exported name (GSS_C_NT_EXPORT_NAME), 6 canonical string
 *     (GSS_C_NO_OID), 7 host-based service, 8 user name: the rest is the
 *     import buffer, exactly its length.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_common.h"
#include "keyfile.h"
#include "keyring.h"
#include "names.h"
#include "oids.h"
#include "settings.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

static void key_file(enum sm_file which, const char *text, size_t len)
{
	struct sm_keys keys = { 0, NULL };
	OM_uint32 major, minor;
	size_t i, from = 0;

	major = sm_keys_parse(&minor, which, "fuzz-keyfile", text, len, &keys);
	fuzz_report("keys_parse", major, minor);
	if (GSS_ERROR(major) && keys.count != 0)
		fuzz_die("a key file that failed to parse left %zu entries", keys.count);
	for (i = 0; i < keys.count; i++) {
		if (keys.entries[i].name == NULL ||
		    (sm_file_is_private(which) != (keys.entries[i].private_key != NULL)))
			fuzz_die("key file entry %zu is incomplete", i);
		/* Every entry is found by its name. */
		from = 0;
		if (sm_keys_find(&keys, keys.entries[i].name, &from) == NULL)
			fuzz_die("key file entry %zu is not found by its name", i);
	}
	sm_keys_clear(&keys);
}

static void settings_file(const char *text, size_t len)
{
	struct sm_settings s;
	OM_uint32 major, minor;

	sm_settings_defaults(&s);
	major = sm_settings_parse(&minor, "fuzz-settings", text, len, &s);
	fuzz_report("settings_parse", major, minor);
	if (!GSS_ERROR(major) &&
	    (s.rcache_dir[0] != '\0' && s.rcache_dir[0] != '/'))
		fuzz_die("settings accepted a relative rcache_dir");
}

static void keyring_file(const char *text, size_t len)
{
	struct sm_keyring ring = { 0, NULL };
	const struct sm_seal_key *key;
	unsigned char k[SM_SEAL_KEY_BYTES], header[56];
	OM_uint32 major, minor;

	major = sm_keyring_parse(&minor, "fuzz-sealkeys", text, len, &ring);
	fuzz_report("keyring_parse", major, minor);
	if (GSS_ERROR(major)) {
		if (ring.count != 0)
			fuzz_die("a keyring that failed to parse left %zu keys", ring.count);
		return;
	}
	key = sm_keyring_sealing_key(&ring, time(NULL));
	if (key != NULL) {
		memset(header, 0, sizeof(header));
		sm_seal_key_for_header(key, SM_SEAL_EXPORT, header, sizeof(header), k);
	}
	sm_keyring_clear(&ring);
}

static void name_import(gss_const_OID type, const uint8_t *p, size_t len)
{
	gss_buffer_desc buf, exported = GSS_C_EMPTY_BUFFER;
	struct sm_name *name = NULL, *again = NULL;
	OM_uint32 major, minor;

	buf.value = len > 0 ? (void *)p : NULL;
	buf.length = len;
	major = sm_name_import(&minor, &buf, type, &name);
	fuzz_report("name_import", major, minor);
	if (GSS_ERROR(major)) {
		if (name != NULL)
			fuzz_die("a name that failed to import was returned");
		return;
	}
	if (GSS_ERROR(sm_name_display(&minor, name, &exported, NULL)))
		fuzz_die("an imported name does not display");
	free(exported.value);
	exported.value = NULL;
	exported.length = 0;
	/* A name that imports exports, and its export imports as the same. */
	if (GSS_ERROR(sm_name_export(&minor, name, &exported)))
		fuzz_die("an imported name does not export");
	if (GSS_ERROR(sm_name_import(&minor, &exported, &sm_nt_export_name, &again)))
		fuzz_die("an exported name does not import again");
	if (again->kind != name->kind || strcmp(again->text, name->text) != 0)
		fuzz_die("an exported name imports as another name");
	free(exported.value);
	sm_name_free(&again);
	sm_name_free(&name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t mark = fuzz_secmem_mark(), len;
	char *text;

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 9) {
	case 0: case 1: case 2: case 3: case 4:
		/* As sm_file_read() hands a file over: NUL-terminated. */
		text = malloc(len + 1);
		if (text == NULL)
			fuzz_die("out of memory");
		memcpy(text, data + 1, len);
		text[len] = '\0';
		switch (data[0] % 9) {
		case 0: key_file(SM_FILE_KEYTAB, text, len); break;
		case 1: key_file(SM_FILE_IDENTITY, text, len); break;
		case 2: key_file(SM_FILE_PEERS, text, len); break;
		case 3: settings_file(text, len); break;
		case 4: keyring_file(text, len); break;
		}
		free(text);
		break;
	case 5: name_import(&sm_nt_export_name, data + 1, len); break;
	case 6: name_import(GSS_C_NO_OID, data + 1, len); break;
	case 7: name_import(&sm_nt_hostbased_service, data + 1, len); break;
	case 8: name_import(&sm_nt_user_name, data + 1, len); break;
	}
	fuzz_secmem_check(mark, "files");
	return 0;
}
