/* Key files: good files, every kind of bad file, permissions. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keyfile.h"
#include "keyring.h"
#include "secmem.h"
#include "status.h"
#include "trace.h"
#include "unit.h"

/* RFC 7748 section 6.1: Alice's X25519 private and public keys. */
#define ALICE_PRIVATE "dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo="
#define ALICE_PUBLIC "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo="
#define BOB_PUBLIC "3p7bfXt9wbTTW2HC7OQ1Nz+DQ8hbeGdNrfx+FG+IK08="
#define SEAL_LINE "1 " ALICE_PRIVATE " 2026-11-28T06:30:00Z\n"

static OM_uint32 load(enum sm_file which, const char *text, mode_t mode,
		      struct sm_keys *keys, OM_uint32 *minor, const char **path)
{
	*path = unit_write_file(which == SM_FILE_PEERS ? "peers" : "keytab", text, mode);
	return sm_keys_load(minor, which, *path, 1, keys);
}

START_TEST(good_keytab_with_comments_blanks_and_crlf)
{
	struct sm_keys keys = { 0, NULL };
	char b64[SM_KEY_BASE64_CHARS + 1];
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(load(SM_FILE_KEYTAB,
			      "# acceptor keys\n"
			      "\n"
			      "HTTP@Web.Example " ALICE_PRIVATE "   # the web server\r\n"
			      "\t  ldap@db\t" ALICE_PRIVATE "\n"
			      "HTTP@web.example " ALICE_PRIVATE,	/* no final newline */
			      0600, &keys, &minor, &path), GSS_S_COMPLETE);
	ck_assert_int_eq(keys.count, 3);
	ck_assert_str_eq(keys.entries[0].name->text, "HTTP@web.example");
	ck_assert_str_eq(keys.entries[1].name->text, "ldap@db");
	ck_assert_ptr_nonnull(keys.entries[0].private_key);
	/* The public key is derived from the private one. */
	sm_key_to_base64(keys.entries[0].public_key, b64);
	ck_assert_str_eq(b64, ALICE_PUBLIC);
	ck_assert_int_eq(sm_secmem_in_use(), 3);
	sm_keys_clear(&keys);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
	ck_assert_int_eq(keys.count, 0);
}
END_TEST

START_TEST(good_peers_file)
{
	struct sm_keys keys = { 0, NULL };
	char b64[SM_KEY_BASE64_CHARS + 1];
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(load(SM_FILE_PEERS, "alice " ALICE_PUBLIC "\nbob " BOB_PUBLIC "\n",
			      0644, &keys, &minor, &path), GSS_S_COMPLETE);
	ck_assert_int_eq(keys.count, 2);
	ck_assert_ptr_null(keys.entries[1].private_key);
	sm_key_to_base64(keys.entries[1].public_key, b64);
	ck_assert_str_eq(b64, BOB_PUBLIC);
	sm_keys_clear(&keys);
}
END_TEST

static const struct {
	const char *line;
	const char *says;
} bad_lines[] = {
	{ "alice", "two fields" },
	{ "alice " ALICE_PRIVATE " extra", "two fields" },
	{ "alice not-base64-at-all", "base64 form of 32 bytes" },
	/* 31 and 33 bytes */
	{ "alice dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LA==", "32 bytes" },
	{ "alice dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCoA", "32 bytes" },
	/* unpadded */
	{ "alice dwdtCnMYpX08FsFyUbJmRd9ML4frwJkqsXf7pR25LCo", "32 bytes" },
	{ "alice@REALM@x " ALICE_PRIVATE, "more than one '@'" },
	{ "@host " ALICE_PRIVATE, "no service" },
	{ "al\x01ice " ALICE_PRIVATE, "control character" },
};

START_TEST(every_bad_line_names_file_and_line)
{
	struct sm_keys keys = { 0, NULL };
	char text[512], where[600];
	const char *path;
	OM_uint32 minor;

	snprintf(text, sizeof(text), "# ok\nbob %s\n%s\n", ALICE_PRIVATE,
		 bad_lines[_i].line);
	ck_assert_int_eq(load(SM_FILE_IDENTITY, text, 0600, &keys, &minor, &path),
			 GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_SYNTAX);
	snprintf(where, sizeof(where), "%s line 3: ", path);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), where),
		      "'%s' lacks '%s'", sm_status_sentence(minor), where);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), bad_lines[_i].says),
		      "'%s' lacks '%s'", sm_status_sentence(minor), bad_lines[_i].says);
	/* Nothing of a bad file is kept, and no key memory leaks. */
	ck_assert_int_eq(keys.count, 0);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

START_TEST(nul_byte_is_a_line_error)
{
	struct sm_keys keys = { 0, NULL };
	const char *path = unit_write_file("nul", "x", 0600);
	OM_uint32 minor;
	FILE *f = fopen(path, "w");

	fwrite("bob " ALICE_PUBLIC "\nal\0ice " ALICE_PUBLIC "\n", 1, 4 + 44 + 1 + 7 + 44 + 1, f);
	fclose(f);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, path, 1, &keys), GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "line 2: contains a NUL byte"));
}
END_TEST

START_TEST(failed_parse_leaves_earlier_entries)
{
	struct sm_keys keys = { 0, NULL };
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(load(SM_FILE_PEERS, "alice " ALICE_PUBLIC "\n", 0644, &keys,
			      &minor, &path), GSS_S_COMPLETE);
	ck_assert_int_eq(load(SM_FILE_PEERS, "bob " BOB_PUBLIC "\nbroken\n", 0644,
			      &keys, &minor, &path), GSS_S_NO_CRED);
	ck_assert_int_eq(keys.count, 1);
	ck_assert_str_eq(keys.entries[0].name->text, "alice");
	sm_keys_clear(&keys);
}
END_TEST

START_TEST(private_file_readable_by_all_is_refused)
{
	struct sm_keys keys = { 0, NULL };
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(load(SM_FILE_KEYTAB, "svc@h " ALICE_PRIVATE "\n", 0644, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert(unit_contains(sm_status_sentence(minor), path));
	ck_assert(unit_contains(sm_status_sentence(minor), "chmod 600"));
	ck_assert_int_eq(keys.count, 0);
	/* Group-readable is the administrator's choice. */
	ck_assert_int_eq(load(SM_FILE_KEYTAB, "svc@h " ALICE_PRIVATE "\n", 0640, &keys,
			      &minor, &path), GSS_S_COMPLETE);
	sm_keys_clear(&keys);
}
END_TEST

START_TEST(any_file_writable_by_all_is_refused)
{
	struct sm_keys keys = { 0, NULL };
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(load(SM_FILE_PEERS, "alice " ALICE_PUBLIC "\n", 0666, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert(unit_contains(sm_status_sentence(minor), "chmod o-w"));
	ck_assert_int_eq(load(SM_FILE_KEYTAB, "svc@h " ALICE_PRIVATE "\n", 0602, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "changed by any user"));
}
END_TEST

/* Is `minor` the permission refusal of `path`, giving `fix`? */
static void assert_refused(OM_uint32 minor, const char *path, const char *fix)
{
	const char *sentence = sm_status_sentence(minor);

	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	ck_assert_msg(unit_contains(sentence, path), "'%s' lacks '%s'", sentence, path);
	ck_assert_msg(unit_contains(sentence, fix), "'%s' lacks '%s'", sentence, fix);
}

/* Whoever may change a file of secret keys may add a key that the
 * mechanism uses: an acceptor key, or the key that seals every later
 * export.  Whoever may change a peers or settings file decides whom the
 * mechanism trusts.  So a group with write permission is refused, as
 * OpenSSH's StrictModes refuses it. */
START_TEST(group_writable_files_are_refused)
{
	struct sm_keys keys = { 0, NULL };
	struct sm_keyring ring;
	const char *path;
	OM_uint32 minor;
	size_t len;
	char *text;

	path = unit_write_file("sealkeys", SEAL_LINE, 0660);
	ck_assert_int_eq(sm_keyring_load(&minor, path, 1, &ring), GSS_S_FAILURE);
	assert_refused(minor, path, "chmod g-w");
	ck_assert(unit_contains(sm_status_sentence(minor), "its group"));
	ck_assert_int_eq(load(SM_FILE_KEYTAB, "svc@h " ALICE_PRIVATE "\n", 0620, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	assert_refused(minor, path, "chmod g-w");
	ck_assert_int_eq(load(SM_FILE_IDENTITY, "alice " ALICE_PRIVATE "\n", 0660, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	assert_refused(minor, path, "chmod g-w");
	ck_assert_int_eq(load(SM_FILE_PEERS, "alice " ALICE_PUBLIC "\n", 0664, &keys,
			      &minor, &path), GSS_S_NO_CRED);
	assert_refused(minor, path, "chmod g-w");
	path = unit_write_file("sodium.conf", "", 0660);
	ck_assert_int_eq(sm_file_read(&minor, SM_FILE_SETTINGS, path, 1, &text, &len),
			 GSS_S_FAILURE);
	assert_refused(minor, path, "chmod g-w");
	ck_assert_ptr_null(text);
	ck_assert_int_eq(keys.count, 0);
	ck_assert_int_eq(sm_secmem_in_use(), 0);
}
END_TEST

/* Reading stays the group's: that is how a service group shares a keytab
 * or the keyring. */
START_TEST(group_readable_files_are_accepted)
{
	struct sm_keys keys = { 0, NULL };
	struct sm_keyring ring;
	const char *path;
	OM_uint32 minor;

	path = unit_write_file("sealkeys", SEAL_LINE, 0640);
	ck_assert_int_eq(sm_keyring_load(&minor, path, 1, &ring), GSS_S_COMPLETE);
	ck_assert_uint_eq(ring.count, 1);
	sm_keyring_clear(&ring);
	path = unit_write_file("sealkeys", SEAL_LINE, 0440);
	ck_assert_int_eq(sm_keyring_load(&minor, path, 1, &ring), GSS_S_COMPLETE);
	sm_keyring_clear(&ring);
	ck_assert_int_eq(load(SM_FILE_IDENTITY, "alice " ALICE_PRIVATE "\n", 0640, &keys,
			      &minor, &path), GSS_S_COMPLETE);
	ck_assert_int_eq(load(SM_FILE_PEERS, "bob " BOB_PUBLIC "\n", 0644, &keys,
			      &minor, &path), GSS_S_COMPLETE);
	ck_assert_uint_eq(keys.count, 2);
	sm_keys_clear(&keys);
}
END_TEST

/* Let uid 1234 reach the files of this test's directory. */
static void open_directories(void)
{
	char dir[PATH_MAX];

	strcpy(dir, unit_tmpdir());
	ck_assert_int_eq(chmod(dir, 0711), 0);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(chmod(dir, 0711), 0);
}

/* The owner of a file may change its mode and its text at will: a file of
 * a user other than root and the process's own is refused.  (Root only:
 * making such a file takes chown.) */
START_TEST(a_file_of_another_user_is_refused)
{
	struct sm_keys keys = { 0, NULL };
	char keytab[PATH_MAX], peers[PATH_MAX];
	struct sm_keyring ring;
	const char *path;
	OM_uint32 minor;
	size_t len;
	char *text;

	path = unit_write_file("sealkeys", SEAL_LINE, 0600);
	ck_assert_int_eq(chown(path, 1234, 0), 0);
	ck_assert_int_eq(sm_keyring_load(&minor, path, 1, &ring), GSS_S_FAILURE);
	assert_refused(minor, path, "chown root");
	ck_assert(unit_contains(sm_status_sentence(minor), "uid 1234"));
	strcpy(keytab, unit_write_file("keytab", "svc@h " ALICE_PRIVATE "\n", 0600));
	ck_assert_int_eq(chown(keytab, 1234, 0), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_KEYTAB, keytab, 1, &keys), GSS_S_NO_CRED);
	assert_refused(minor, keytab, "chown root");
	strcpy(peers, unit_write_file("peers", "bob " BOB_PUBLIC "\n", 0644));
	ck_assert_int_eq(chown(peers, 1234, 1234), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, peers, 1, &keys), GSS_S_NO_CRED);
	assert_refused(minor, peers, "chown root");
	path = unit_write_file("sodium.conf", "", 0644);
	ck_assert_int_eq(chown(path, 1234, 0), 0);
	ck_assert_int_eq(sm_file_read(&minor, SM_FILE_SETTINGS, path, 1, &text, &len),
			 GSS_S_FAILURE);
	assert_refused(minor, path, "chown root");
	ck_assert_uint_eq(keys.count, 0);
	/* Its owner may use it, and anyone a file of root's (this test runs
	 * in a child of its own). */
	path = unit_write_file("root-peers", "alice " ALICE_PUBLIC "\n", 0644);
	open_directories();
	ck_assert_int_eq(seteuid(1234), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_KEYTAB, keytab, 1, &keys), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, peers, 1, &keys), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, path, 1, &keys), GSS_S_COMPLETE);
	ck_assert_uint_eq(keys.count, 3);
	ck_assert_int_eq(seteuid(0), 0);
	sm_keys_clear(&keys);
}
END_TEST

/* A reading that a process keeps serves only callers that would accept the
 * file: one kept while the process ran as the file's owner is not served
 * once it runs as root again. */
START_TEST(a_kept_file_of_another_user_is_refused)
{
	struct sm_keys keys = { 0, NULL };
	char path[PATH_MAX];
	struct stat st;
	OM_uint32 minor;

	strcpy(path, unit_write_file("identity", "alice " ALICE_PRIVATE "\n", 0600));
	ck_assert_int_eq(chown(path, 1234, 0), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	while (time(NULL) - st.st_ctim.tv_sec < 2)
		usleep(100 * 1000);
	open_directories();
	ck_assert_int_eq(seteuid(1234), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &keys), GSS_S_COMPLETE);
	sm_keys_clear(&keys);
	ck_assert_int_eq(seteuid(0), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &keys), GSS_S_NO_CRED);
	assert_refused(minor, path, "chown root");
	ck_assert_uint_eq(keys.count, 0);
}
END_TEST

START_TEST(missing_file)
{
	struct sm_keys keys = { 0, NULL };
	char path[256];
	OM_uint32 minor;

	snprintf(path, sizeof(path), "%s/absent", unit_tmpdir());
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, path, 0, &keys), GSS_S_COMPLETE);
	ck_assert_int_eq(keys.count, 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &keys), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert(unit_contains(sm_status_sentence(minor), path));
	ck_assert(unit_contains(sm_status_sentence(minor), "gss-sodium keygen"));
}
END_TEST

START_TEST(directory_and_huge_file_are_refused)
{
	struct sm_keys keys = { 0, NULL };
	char *big = malloc(1024 * 1024 + 2);
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_PEERS, unit_tmpdir(), 1, &keys),
			 GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "not a regular file"));
	memset(big, '#', 1024 * 1024 + 1);
	big[1024 * 1024 + 1] = '\0';
	ck_assert_int_eq(load(SM_FILE_PEERS, big, 0644, &keys, &minor, &path), GSS_S_NO_CRED);
	ck_assert(unit_contains(sm_status_sentence(minor), "larger than 1 MiB"));
	free(big);
}
END_TEST

START_TEST(generated_keys_round_trip_through_a_file)
{
	struct sm_keys keys = { 0, NULL };
	unsigned char *private_key, public_key[SM_KEY_BYTES];
	char priv64[SM_KEY_BASE64_CHARS + 1], text[128];
	const char *path;
	OM_uint32 minor;

	ck_assert_int_eq(sm_key_generate(&private_key, public_key), 0);
	sm_key_to_base64(private_key, priv64);
	snprintf(text, sizeof(text), "carol %s\n", priv64);
	ck_assert_int_eq(load(SM_FILE_IDENTITY, text, 0600, &keys, &minor, &path),
			 GSS_S_COMPLETE);
	ck_assert_mem_eq(keys.entries[0].public_key, public_key, SM_KEY_BYTES);
	ck_assert_mem_eq(keys.entries[0].private_key, private_key, SM_KEY_BYTES);
	sm_secmem_free(private_key);
	sm_keys_clear(&keys);
}
END_TEST

START_TEST(find_by_name)
{
	struct sm_keys keys = { 0, NULL };
	struct sm_name *svc;
	const char *path;
	OM_uint32 minor;
	size_t from = 0;

	ck_assert_int_eq(load(SM_FILE_KEYTAB, "a@h " ALICE_PRIVATE "\nb@h " ALICE_PRIVATE
			      "\na@h " ALICE_PRIVATE "\n", 0600, &keys, &minor, &path),
			 GSS_S_COMPLETE);
	ck_assert_int_eq(sm_name_from_canonical(&minor, "a@H", 3, &svc), GSS_S_COMPLETE);
	ck_assert_ptr_eq(sm_keys_find(&keys, svc, &from), &keys.entries[0]);
	ck_assert_ptr_eq(sm_keys_find(&keys, svc, &from), &keys.entries[2]);
	ck_assert_ptr_null(sm_keys_find(&keys, svc, &from));
	sm_name_free(&svc);
	sm_keys_clear(&keys);
}
END_TEST

/* How many times the trace says `path` was read. */
static int reads_of(const char *trace, const char *path)
{
	char line[1024];
	FILE *f = fopen(trace, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, " key(s) from ") != NULL && strstr(line, path) != NULL;
	fclose(f);
	return n;
}

/* Rewrite `path` in place (same inode), as an editor that truncates does. */
static void rewrite_in_place(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

START_TEST(a_process_keeps_a_settled_file_until_it_changes)
{
	const char *zero_private = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
	struct sm_keys a = { 0, NULL }, b = { 0, NULL };
	char trace[PATH_MAX], path[PATH_MAX], text[128];
	struct stat st;
	OM_uint32 minor;
	size_t in_use = sm_secmem_in_use();

	snprintf(trace, sizeof(trace), "%s/trace", unit_tmpdir());
	setenv("GSS_SODIUM_TRACE", trace, 1);
	sm_trace_open();
	strcpy(path, unit_write_file("identity", "alice " ALICE_PRIVATE "\n", 0600));
	/* A file changed within two seconds of its reading is read every time. */
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &a), GSS_S_COMPLETE);
	sm_keys_clear(&a);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &a), GSS_S_COMPLETE);
	sm_keys_clear(&a);
	ck_assert_int_eq(reads_of(trace, path), 2);
	/* Once settled, it is read once and then kept. */
	ck_assert_int_eq(stat(path, &st), 0);
	while (time(NULL) - st.st_ctim.tv_sec < 2)
		usleep(100 * 1000);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &a), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &b), GSS_S_COMPLETE);
	ck_assert_int_eq(reads_of(trace, path), 3);
	ck_assert_uint_eq(b.count, 1);
	ck_assert_str_eq(b.entries[0].name->text, "alice");
	ck_assert_mem_eq(b.entries[0].public_key, a.entries[0].public_key, SM_KEY_BYTES);
	ck_assert_mem_eq(b.entries[0].private_key, a.entries[0].private_key, SM_KEY_BYTES);
	/* Copies: each credential owns (and wipes) its own private key. */
	ck_assert_ptr_ne(b.entries[0].private_key, a.entries[0].private_key);
	sm_keys_clear(&b);
	/* A change of the same size, at once, is seen. */
	snprintf(text, sizeof(text), "alice %s\n", zero_private);
	rewrite_in_place(path, text);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &b), GSS_S_COMPLETE);
	ck_assert_int_eq(reads_of(trace, path), 4);
	ck_assert_mem_ne(b.entries[0].public_key, a.entries[0].public_key, SM_KEY_BYTES);
	sm_keys_clear(&b);
	/* The old key was wiped with its reading, and the new reading (of a
	 * file just changed) was not kept: only `a`'s key is left. */
	ck_assert_uint_eq(sm_secmem_in_use(), in_use + 1);
	/* So is a change of permissions: the rules apply to every reading. */
	ck_assert_int_eq(chmod(path, 0644), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &b), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
	sm_keys_clear(&a);
}
END_TEST

START_TEST(a_kept_file_serves_only_callers_that_may_read_it)
{
	struct sm_keys keys = { 0, NULL };
	char path[PATH_MAX], dir[PATH_MAX];
	struct stat st;
	OM_uint32 minor;

	strcpy(path, unit_write_file("identity", "alice " ALICE_PRIVATE "\n", 0600));
	ck_assert_int_eq(stat(path, &st), 0);
	while (time(NULL) - st.st_ctim.tv_sec < 2)
		usleep(100 * 1000);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &keys), GSS_S_COMPLETE);
	sm_keys_clear(&keys);
	/* The file is root's (0600): another uid (this test runs in a child
	 * of its own), for which the directories are open so that its stat
	 * matches, gets the error its own reading would give. */
	strcpy(dir, unit_tmpdir());
	ck_assert_int_eq(chmod(dir, 0711), 0);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_eq(chmod(dir, 0711), 0);
	ck_assert_int_eq(seteuid(65534), 0);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(sm_keys_load(&minor, SM_FILE_IDENTITY, path, 1, &keys), GSS_S_NO_CRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_UNREADABLE);
	ck_assert_uint_eq(keys.count, 0);
	ck_assert_int_eq(seteuid(0), 0);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("keyfile");
	TCase *t = tcase_create("keyfile");

	tcase_add_test(t, good_keytab_with_comments_blanks_and_crlf);
	tcase_add_test(t, good_peers_file);
	tcase_add_loop_test(t, every_bad_line_names_file_and_line, 0,
			    sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(t, nul_byte_is_a_line_error);
	tcase_add_test(t, failed_parse_leaves_earlier_entries);
	tcase_add_test(t, private_file_readable_by_all_is_refused);
	tcase_add_test(t, any_file_writable_by_all_is_refused);
	tcase_add_test(t, group_writable_files_are_refused);
	tcase_add_test(t, group_readable_files_are_accepted);
	tcase_add_test(t, missing_file);
	tcase_add_test(t, directory_and_huge_file_are_refused);
	tcase_add_test(t, generated_keys_round_trip_through_a_file);
	tcase_add_test(t, find_by_name);
	tcase_add_test(t, a_process_keeps_a_settled_file_until_it_changes);
	/* Becoming another uid takes root; without it the test is not run
	 * (rather than run and passed). */
	if (geteuid() == 0) {
		tcase_add_test(t, a_kept_file_serves_only_callers_that_may_read_it);
		tcase_add_test(t, a_file_of_another_user_is_refused);
		tcase_add_test(t, a_kept_file_of_another_user_is_refused);
	} else {
		/* A TAP comment, so that the log shows what was left out. */
		printf("# not run without root: a_kept_file_serves_only_callers_that_may_read_it, "
		       "a_file_of_another_user_is_refused, a_kept_file_of_another_user_is_refused "
		       "(they chown files and change the effective uid)\n");
		fflush(stdout);
	}
	suite_add_tcase(s, t);
	return s;
}
