/*
 * gss-sodium: make and inspect the keys of the gss-sodium mechanism, manage
 * its sealing keyring, look inside exported context tokens, and check its
 * files.  Exit status: 0 ok, 1 a problem was found, 2 usage.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "export.h"
#include "files.h"
#include "keyfile.h"
#include "keyring.h"
#include "names.h"
#include "oids.h"
#include "secmem.h"
#include "settings.h"
#include "status.h"

#define EXIT_PROBLEM 1
#define EXIT_USAGE 2
/* Exported tokens are a few hundred bytes; anything past this is not one. */
#define INSPECT_MAX (1024 * 1024)

/* Sealing keys are written with the keyfile's base64 helper. */
_Static_assert(SM_SEAL_KEY_BYTES == SM_KEY_BYTES, "sealing keys are 32 bytes");

static const char main_usage[] =
	"usage: gss-sodium COMMAND [ARGUMENTS]\n"
	"\n"
	"Commands:\n"
	"  keygen NAME [-f FILE]    make a key for NAME, append it to FILE and print\n"
	"                           the line that peers add to their peers file\n"
	"  pubkey [-f FILE] [NAME]  print the peers lines of the keys in FILE\n"
	"  sealkey new|list|retire ID|prune [-f FILE]\n"
	"                           manage the keyring that seals exported contexts\n"
	"  inspect [FILE|-]         show the header of an exported context token\n"
	"  check                    check every key and settings file and the keyring\n"
	"\n"
	"'gss-sodium COMMAND --help' describes a command.\n";

static const char keygen_usage[] =
	"usage: gss-sodium keygen NAME [-f FILE]\n"
	"\n"
	"Make a new X25519 key for NAME ('service@host' or a user name such as\n"
	"'alice') and append it to FILE, which is created with mode 0600 if needed.\n"
	"FILE defaults to the keytab for a 'service@host' name and to the identity\n"
	"file for a user name ($GSS_SODIUM_KEYTAB, $GSS_SODIUM_IDENTITY or their\n"
	"default locations).\n"
	"\n"
	"Standard output receives exactly the peers line 'NAME PUBLIC-KEY', so\n"
	"  gss-sodium keygen alice -f alice.key >> peers\n"
	"works; everything else goes to standard error.\n";

static const char pubkey_usage[] =
	"usage: gss-sodium pubkey [-f FILE] [NAME]\n"
	"\n"
	"Print the peers line 'NAME PUBLIC-KEY' of every key in FILE, or of NAME's\n"
	"keys only.  FILE defaults as for keygen (the identity file when no NAME\n"
	"is given).\n";

static const char sealkey_usage[] =
	"usage: gss-sodium sealkey new [-f FILE]\n"
	"       gss-sodium sealkey list [-f FILE]\n"
	"       gss-sodium sealkey retire ID [-f FILE]\n"
	"       gss-sodium sealkey prune [-f FILE]\n"
	"\n"
	"Manage the sealing keyring, whose lines are 'ID KEY-BASE64 CREATED [retired]'.\n"
	"The key with the highest ID that is not retired seals new exported contexts;\n"
	"every key that is not retired opens them.\n"
	"\n"
	"  new     add a key with the highest ID plus one, which seals from now on;\n"
	"          print its ID on standard output (FILE is created with mode 0600)\n"
	"  list    print 'ID CREATED STATUS' for each key, STATUS being 'sealing',\n"
	"          'opens' or 'retired' (key bytes are never shown)\n"
	"  retire  stop key ID from opening tokens; if it was sealing, the next\n"
	"          highest key that is not retired seals instead\n"
	"  prune   remove the lines of retired keys\n"
	"\n"
	"FILE defaults to $GSS_SODIUM_SEALKEYS, else /etc/gss/sodium/sealkeys.\n"
	"retire and prune replace FILE atomically, keeping comments, owner and mode.\n";

static const char inspect_usage[] =
	"usage: gss-sodium inspect [FILE|-]\n"
	"\n"
	"Show the header of an exported context token (from gss_export_sec_context)\n"
	"read from FILE or, by default or for '-', standard input: mechanism, format\n"
	"version, sealing key ID, creation and expiry times, uid binding and sizes.\n"
	"Nothing is decrypted and no key is needed.  The token may be bare or carry\n"
	"the mechanism OID that MIT's or Heimdal's mechglue puts in front of it.\n"
	"Exits 0 for a well-formed token, expired or not, and 1 for anything else.\n";

static const char check_usage[] =
	"usage: gss-sodium check\n"
	"\n"
	"Read the settings file, the keytab, the identity file, the peers files and\n"
	"the sealing keyring from the locations the environment and the defaults\n"
	"give, and report each.  Exits 1 when any of them has a problem.\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
	fprintf(stderr, "gss-sodium: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n\n%s", usage);
	return EXIT_USAGE;
}

static int report(OM_uint32 minor)
{
	const char *sentence = sm_status_sentence(minor);

	fprintf(stderr, "%s\n", sentence ? sentence : "gss-sodium: unknown error");
	return EXIT_PROBLEM;
}

/* A command or a sealkey subcommand: argv[0] is its name. */
struct command {
	const char *name;
	int (*run)(int, char **);
};

/* Run the command that argv[1] names. */
static int dispatch(const struct command *commands, size_t count, int argc,
		    char **argv, const char *usage)
{
	size_t i;

	if (argc < 2)
		return usage_error(usage, "%s", "no command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return fputs(usage, stdout), 0;
	for (i = 0; i < count; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	return usage_error(usage, "unknown command '%s'", argv[1]);
}

/* Arguments of every command: at most one operand (a NAME, an ID or the
 * token FILE of inspect) and one '-f FILE'; each command says which it takes. */
struct arguments {
	const char *name, *file;
	int help;
};

static int parse_arguments(int argc, char **argv, const char *usage,
			   struct arguments *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			a->help = 1;
		} else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--file") == 0) {
			if (++i == argc)
				return usage_error(usage, "%s needs a file name", argv[i - 1]);
			if (a->file != NULL)
				return usage_error(usage, "%s", "-f may be given once");
			a->file = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return usage_error(usage, "unknown option '%s'", argv[i]);
		} else if (a->name == NULL) {
			a->name = argv[i];
		} else {
			return usage_error(usage, "unexpected argument '%s'", argv[i]);
		}
	}
	return 0;
}

/* The file to use: '-f FILE' when given, else the one the environment or
 * the default names for `which`. */
static int file_path(enum sm_file which, const char *file, char *path)
{
	struct sm_locations loc;
	OM_uint32 minor;

	if (file != NULL) {
		if (strlen(file) >= PATH_MAX) {
			fprintf(stderr, "gss-sodium: the file name is longer than %d bytes\n",
				PATH_MAX - 1);
			return EXIT_PROBLEM;
		}
		strcpy(path, file);
		return 0;
	}
	if (GSS_ERROR(sm_locations(&minor, which, &loc)))
		return report(minor);
	strcpy(path, loc.path[0]);
	return 0;
}

/* The file a NAME's key belongs in: the keytab for services, the identity
 * file for users. */
static int default_file(const struct sm_name *name, const char *file,
			enum sm_file *which, char *path)
{
	*which = name != NULL && name->kind == SM_NAME_HOSTBASED ? SM_FILE_KEYTAB
								  : SM_FILE_IDENTITY;
	return file_path(*which, file, path);
}

/* mkdir -p for the directory that will hold `path`. */
static int make_parent_directories(const char *path)
{
	char dir[PATH_MAX], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0;
	*slash = '\0';
	for (slash = dir + 1; (slash = strchr(slash, '/')) != NULL; slash++) {
		*slash = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return mkdir(dir, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

static int append_key(const char *path, const char *line, size_t len)
{
	struct stat st;
	char last = '\n';
	int fd, ok;

	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -1;
	ok = fstat(fd, &st) == 0;
	/* Keep the new key on a line of its own. */
	if (ok && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
		ok = 0;
	if (ok && last != '\n')
		ok = write(fd, "\n", 1) == 1;
	if (ok)
		ok = write(fd, line, len) == (ssize_t)len;
	return close(fd) == 0 && ok ? 0 : -1;
}

static int cmd_keygen(int argc, char **argv)
{
	char path[PATH_MAX], b64[SM_KEY_BASE64_CHARS + 1], line[SM_NAME_MAX + 64];
	struct sm_keys existing = { 0, NULL };
	unsigned char *private_key, public_key[SM_KEY_BYTES];
	struct sm_name *name = NULL;
	struct arguments a;
	enum sm_file which;
	OM_uint32 minor;
	int rc, len;

	rc = parse_arguments(argc, argv, keygen_usage, &a);
	if (rc != 0 || a.help)
		return a.help ? (fputs(keygen_usage, stdout), 0) : rc;
	if (a.name == NULL)
		return usage_error(keygen_usage, "%s", "keygen needs a NAME");
	if (GSS_ERROR(sm_name_from_canonical(&minor, a.name, strlen(a.name), &name)))
		return report(minor);
	rc = default_file(name, a.file, &which, path);
	/* Refuse to add to a file the mechanism would refuse to read. */
	if (rc == 0 && GSS_ERROR(sm_keys_load(&minor, which, path, 0, &existing)))
		rc = report(minor);
	sm_keys_clear(&existing);
	if (rc == 0 && make_parent_directories(path) != 0) {
		fprintf(stderr, "gss-sodium: %s: cannot create its directory: %s\n",
			path, strerror(errno));
		rc = EXIT_PROBLEM;
	}
	if (rc == 0 && sm_key_generate(&private_key, public_key) != 0) {
		fprintf(stderr, "gss-sodium: out of memory\n");
		rc = EXIT_PROBLEM;
	}
	if (rc != 0) {
		sm_name_free(&name);
		return rc;
	}
	sm_key_to_base64(private_key, b64);
	sm_secmem_free(private_key);
	len = snprintf(line, sizeof(line), "%s %s\n", name->text, b64);
	sodium_memzero(b64, sizeof(b64));
	if (append_key(path, line, (size_t)len) != 0) {
		fprintf(stderr, "gss-sodium: %s: cannot add the key: %s\n", path,
			strerror(errno));
		rc = EXIT_PROBLEM;
	} else {
		sm_key_to_base64(public_key, b64);
		printf("%s %s\n", name->text, b64);
		fprintf(stderr, "gss-sodium: added a key for %s to %s\n", name->text, path);
	}
	sodium_memzero(line, sizeof(line));
	sm_name_free(&name);
	return rc;
}

static int cmd_pubkey(int argc, char **argv)
{
	struct sm_keys keys = { 0, NULL };
	char path[PATH_MAX], b64[SM_KEY_BASE64_CHARS + 1];
	struct sm_name *name = NULL;
	struct arguments a;
	enum sm_file which;
	OM_uint32 minor;
	size_t i, shown = 0;
	int rc;

	rc = parse_arguments(argc, argv, pubkey_usage, &a);
	if (rc != 0 || a.help)
		return a.help ? (fputs(pubkey_usage, stdout), 0) : rc;
	if (a.name != NULL &&
	    GSS_ERROR(sm_name_from_canonical(&minor, a.name, strlen(a.name), &name)))
		return report(minor);
	rc = default_file(name, a.file, &which, path);
	if (rc == 0 && GSS_ERROR(sm_keys_load(&minor, which, path, 1, &keys)))
		rc = report(minor);
	for (i = 0; rc == 0 && i < keys.count; i++) {
		if (name != NULL && !sm_name_equal(name, keys.entries[i].name))
			continue;
		sm_key_to_base64(keys.entries[i].public_key, b64);
		printf("%s %s\n", keys.entries[i].name->text, b64);
		shown++;
	}
	if (rc == 0 && shown == 0) {
		fprintf(stderr, "gss-sodium: %s holds no key%s%s\n", path,
			name ? " for " : "", name ? name->text : "");
		rc = EXIT_PROBLEM;
	}
	sm_keys_clear(&keys);
	sm_name_free(&name);
	return rc;
}

/* ---- sealkey ------------------------------------------------------------ */

/* A keyring opened for an edit: locked, read once and validated, so the
 * text that is changed is the text that was checked. */
struct keyring_file {
	char path[PATH_MAX];
	int dir_fd;
	char *text;
	size_t len;
	struct sm_keyring ring;
};

/* Serialise the tool's edits of keyrings: two 'sealkey new' at once would
 * pick the same ID, which makes the keyring unusable, and a key appended
 * during a rewrite would be lost.  The directory is locked because a
 * rewrite replaces the file; its descriptor also syncs the rename. */
static int lock_directory(const char *path)
{
	char dir[PATH_MAX], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';		/* a file in / */
	else
		*slash = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX) != 0) {
		close(fd);
		fd = -1;
	}
	if (fd < 0)
		fprintf(stderr, "gss-sodium: %s: cannot lock its directory %s: %s\n", path,
			dir, strerror(errno));
	return fd;
}

static void close_keyring(struct keyring_file *kf)
{
	sm_keyring_clear(&kf->ring);
	sm_file_release(kf->text, kf->len);	/* the text holds keys: wiped */
	kf->text = NULL;
	if (kf->dir_fd >= 0)
		close(kf->dir_fd);
	kf->dir_fd = -1;
}

/* Lock, read and validate the keyring at kf->path; the checks are those of
 * sm_keyring_load(): no malformed line, not open to other users. */
static int open_keyring(struct keyring_file *kf, int must_exist)
{
	OM_uint32 minor;

	kf->text = NULL;
	kf->len = 0;
	kf->ring.count = 0;
	kf->ring.keys = NULL;
	kf->dir_fd = lock_directory(kf->path);
	if (kf->dir_fd < 0)
		return EXIT_PROBLEM;
	if (GSS_ERROR(sm_file_read(&minor, SM_FILE_SEALKEYS, kf->path, must_exist,
				   &kf->text, &kf->len)) ||
	    (kf->text != NULL &&
	     GSS_ERROR(sm_keyring_parse(&minor, kf->path, kf->text, kf->len, &kf->ring)))) {
		close_keyring(kf);
		return report(minor);
	}
	return 0;
}

/* The arguments of a sealkey subcommand, and the keyring's path from
 * '-f FILE' or the defaults; only retire takes an operand (the ID). */
static int sealkey_arguments(int argc, char **argv, int takes_id, struct arguments *a,
			     char *path)
{
	int rc = parse_arguments(argc, argv, sealkey_usage, a);

	if (rc != 0 || a->help)
		return rc;
	if (a->name != NULL && !takes_id)
		return usage_error(sealkey_usage, "unexpected argument '%s'", a->name);
	return file_path(SM_FILE_SEALKEYS, a->file, path);
}

/* Everything that holds the new key's bytes, in one locked slot that
 * sm_secmem_free() wipes. */
struct fresh_key {
	unsigned char key[SM_SEAL_KEY_BYTES];
	char base64[SM_KEY_BASE64_CHARS + 1];
	char line[SM_KEY_BASE64_CHARS + SM_TIMESTAMP_CHARS + 16];
};

/* The line of a new key with `id`, made now; its length, or -1. */
static int make_key_line(uint32_t id, struct fresh_key *k)
{
	char created[SM_TIMESTAMP_CHARS + 1];

	randombytes_buf(k->key, sizeof(k->key));
	sm_key_to_base64(k->key, k->base64);
	sm_timestamp_format(time(NULL), created);
	return snprintf(k->line, sizeof(k->line), "%u %s %s\n", id,
			k->base64, created);
}

static int cmd_sealkey_new(int argc, char **argv)
{
	struct keyring_file kf;
	struct fresh_key *k;
	struct arguments a;
	uint32_t id = 0;
	size_t i;
	int rc, len;

	rc = sealkey_arguments(argc, argv, 0, &a, kf.path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (make_parent_directories(kf.path) != 0) {
		fprintf(stderr, "gss-sodium: %s: cannot create its directory: %s\n",
			kf.path, strerror(errno));
		return EXIT_PROBLEM;
	}
	/* Refuse to add to a file the mechanism would refuse to read. */
	rc = open_keyring(&kf, 0);
	if (rc != 0)
		return rc;
	for (i = 0; i < kf.ring.count; i++)
		if (kf.ring.keys[i].id > id)
			id = kf.ring.keys[i].id;
	k = id < UINT32_MAX ? sm_secmem_alloc(sizeof(*k)) : NULL;
	if (k == NULL) {
		if (id == UINT32_MAX)
			fprintf(stderr, "gss-sodium: %s already holds key %u, the highest ID there is\n",
				kf.path, id);
		else
			fprintf(stderr, "gss-sodium: out of memory\n");
		close_keyring(&kf);
		return EXIT_PROBLEM;
	}
	len = make_key_line(++id, k);
	if (len < 0 || append_key(kf.path, k->line, (size_t)len) != 0) {
		fprintf(stderr, "gss-sodium: %s: cannot add the key: %s\n", kf.path,
			strerror(errno));
		rc = EXIT_PROBLEM;
	} else {
		printf("%u\n", id);
		fprintf(stderr, "gss-sodium: added sealing key %u to %s; it seals new exports\n",
			id, kf.path);
	}
	sm_secmem_free(k);
	close_keyring(&kf);
	return rc;
}

static const char *key_status(const struct sm_seal_key *key,
			      const struct sm_seal_key *sealing)
{
	return key->retired ? "retired" : key == sealing ? "sealing" : "opens";
}

static int cmd_sealkey_list(int argc, char **argv)
{
	const struct sm_seal_key *sealing;
	char path[PATH_MAX], created[SM_TIMESTAMP_CHARS + 1];
	struct sm_keyring ring;
	struct arguments a;
	OM_uint32 minor;
	size_t i;
	int rc;

	rc = sealkey_arguments(argc, argv, 0, &a, path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (GSS_ERROR(sm_keyring_load(&minor, path, 1, &ring)))
		return report(minor);
	sealing = sm_keyring_sealing_key(&ring);
	for (i = 0; i < ring.count; i++) {
		sm_timestamp_format(ring.keys[i].created, created);
		printf("%u %s %s\n", ring.keys[i].id, created,
		       key_status(&ring.keys[i], sealing));
	}
	if (sealing == NULL)
		fprintf(stderr, "gss-sodium: %s holds no key that seals new exports; add one with 'gss-sodium sealkey new -f %s'\n",
			path, path);
	sm_keyring_clear(&ring);
	return 0;
}

/* An ID operand, written as in the keyring: 1 to 4294967295, no sign, no
 * leading zero. */
static int parse_key_id(const char *text, uint32_t *id)
{
	unsigned long long v = 0;
	size_t i, len = strlen(text);

	if (len == 0 || len > 10 || text[0] == '0')
		return 0;
	for (i = 0; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return 0;
		v = v * 10 + (unsigned)(text[i] - '0');
	}
	if (v > UINT32_MAX)
		return 0;
	*id = (uint32_t)v;
	return 1;
}

static int write_all(int fd, const char *data, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return 0;
		data += n;
		len -= (size_t)n;
	}
	return 1;
}

/* Where ' retired' goes in a key line: after its last field, before any
 * trailing blanks or comment, so that a comment stays a comment. */
static size_t fields_end(const char *line, size_t len)
{
	const char *hash = memchr(line, '#', len);
	size_t end = hash != NULL ? (size_t)(hash - line) : len;

	while (end > 0 && (line[end - 1] == ' ' || line[end - 1] == '\t' ||
			   line[end - 1] == '\r'))
		end--;
	return end;
}

enum keyring_edit { EDIT_RETIRE, EDIT_PRUNE };

/* Write the keyring text to fd, every line verbatim but the one edited:
 * key `id` gains ' retired' (EDIT_RETIRE) or retired keys go (EDIT_PRUNE). */
static int write_edited(int fd, const char *text, size_t len, enum keyring_edit edit,
			uint32_t id)
{
	const char *p = text, *end = text + len, *nl;
	size_t line_len, with_nl, cut;
	uint32_t line_id;
	int retired, ok = 1;

	for (; ok && p < end; p += with_nl) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line_len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		with_nl = line_len + (nl != NULL);
		if (sm_keyring_line(p, line_len, &line_id, &retired) != 1)
			ok = write_all(fd, p, with_nl);
		else if (edit == EDIT_PRUNE && retired)
			continue;
		else if (edit == EDIT_RETIRE && line_id == id) {
			cut = fields_end(p, line_len);
			ok = write_all(fd, p, cut) && write_all(fd, " retired", 8) &&
			     write_all(fd, p + cut, with_nl - cut);
		} else
			ok = write_all(fd, p, with_nl);
	}
	return ok;
}

/* Give the new file the owner, group and permissions of the one it
 * replaces, before a key is written to it, so that a service account or
 * group that reads the keyring still can.  World bits were refused when the
 * keyring was read. */
static int keep_owner_and_mode(int fd, const struct stat *st)
{
	struct stat now;

	if (fstat(fd, &now) != 0)
		return 0;
	if ((now.st_uid != st->st_uid || now.st_gid != st->st_gid) &&
	    fchown(fd, st->st_uid, st->st_gid) != 0)
		return 0;
	return fchmod(fd, st->st_mode & (S_IRWXU | S_IRWXG)) == 0;
}

/* Replace the keyring with its edited text: a temporary file in the same
 * directory (mode 0600 from mkstemp until it takes the old file's mode),
 * synced, then renamed over it, so readers see the old file or the new. */
static int rewrite_keyring(const struct keyring_file *kf, enum keyring_edit edit,
			   uint32_t id)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd = -1, ok, saved;

	if (lstat(kf->path, &st) != 0 || !S_ISREG(st.st_mode)) {
		fprintf(stderr, "gss-sodium: %s is not a regular file (a symbolic link?); edit the file itself\n",
			kf->path);
		return EXIT_PROBLEM;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", kf->path) >= (int)sizeof(tmp)) {
		fprintf(stderr, "gss-sodium: %s: the name is too long for a temporary file beside it\n",
			kf->path);
		return EXIT_PROBLEM;
	}
	ok = (fd = mkstemp(tmp)) >= 0 && keep_owner_and_mode(fd, &st) &&
	     write_edited(fd, kf->text, kf->len, edit, id) && fsync(fd) == 0;
	if (fd >= 0 && close(fd) != 0)
		ok = 0;
	if (ok && rename(tmp, kf->path) != 0)
		ok = 0;
	if (!ok) {
		saved = errno;
		if (fd >= 0)
			unlink(tmp);
		fprintf(stderr, "gss-sodium: %s: cannot replace it: %s; it was not changed\n",
			kf->path, strerror(saved));
		return EXIT_PROBLEM;
	}
	fsync(kf->dir_fd);	/* make the rename itself durable */
	return 0;
}

/* Retire key `id` in the open keyring and say what seals from now on. */
static int retire_key(struct keyring_file *kf, uint32_t id)
{
	const struct sm_seal_key *before = sm_keyring_sealing_key(&kf->ring), *after;
	struct sm_seal_key *key = NULL;
	size_t i;
	int rc;

	for (i = 0; i < kf->ring.count; i++)
		if (kf->ring.keys[i].id == id)
			key = &kf->ring.keys[i];
	if (key == NULL) {
		fprintf(stderr, "gss-sodium: %s holds no key %u\n", kf->path, id);
		return EXIT_PROBLEM;
	}
	if (key->retired) {
		fprintf(stderr, "gss-sodium: key %u in %s is already retired\n",
			id, kf->path);
		return 0;
	}
	rc = rewrite_keyring(kf, EDIT_RETIRE, id);
	if (rc != 0)
		return rc;
	key->retired = 1;
	after = sm_keyring_sealing_key(&kf->ring);
	fprintf(stderr, "gss-sodium: retired key %u in %s; tokens sealed with it no longer open\n",
		id, kf->path);
	if (before == key && after != NULL)
		fprintf(stderr, "gss-sodium: key %u seals new exports now\n",
			after->id);
	else if (before == key)
		fprintf(stderr, "gss-sodium: no key is left to seal new exports; they fail until 'gss-sodium sealkey new -f %s'\n",
			kf->path);
	return 0;
}

static int cmd_sealkey_retire(int argc, char **argv)
{
	struct keyring_file kf;
	struct arguments a;
	uint32_t id;
	int rc;

	rc = sealkey_arguments(argc, argv, 1, &a, kf.path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (a.name == NULL)
		return usage_error(sealkey_usage, "%s", "sealkey retire needs an ID");
	if (!parse_key_id(a.name, &id))
		return usage_error(sealkey_usage, "'%s' is not a key ID (1 to 4294967295)", a.name);
	rc = open_keyring(&kf, 1);
	if (rc != 0)
		return rc;
	rc = retire_key(&kf, id);
	close_keyring(&kf);
	return rc;
}

static int cmd_sealkey_prune(int argc, char **argv)
{
	struct keyring_file kf;
	struct arguments a;
	size_t i, retired = 0;
	int rc;

	rc = sealkey_arguments(argc, argv, 0, &a, kf.path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	rc = open_keyring(&kf, 1);
	if (rc != 0)
		return rc;
	for (i = 0; i < kf.ring.count; i++)
		retired += kf.ring.keys[i].retired;
	if (retired == 0)
		fprintf(stderr, "gss-sodium: %s holds no retired key; nothing to remove\n", kf.path);
	else if ((rc = rewrite_keyring(&kf, EDIT_PRUNE, 0)) == 0)
		fprintf(stderr, "gss-sodium: removed %zu retired key%s from %s\n", retired,
			retired == 1 ? "" : "s", kf.path);
	close_keyring(&kf);
	return rc;
}

static const struct command sealkey_commands[] = {
	{ "new", cmd_sealkey_new },
	{ "list", cmd_sealkey_list },
	{ "retire", cmd_sealkey_retire },
	{ "prune", cmd_sealkey_prune },
};

static int cmd_sealkey(int argc, char **argv)
{
	return dispatch(sealkey_commands, sizeof(sealkey_commands) / sizeof(sealkey_commands[0]),
			argc, argv, sealkey_usage);
}

/* ---- inspect ------------------------------------------------------------ */

/* Read the token from `name` ('-': standard input) into a malloc()ed
 * buffer, refusing more than INSPECT_MAX bytes. */
static int read_token(const char *name, const char *shown, unsigned char **data,
		      size_t *len)
{
	int fd = strcmp(name, "-") == 0 ? STDIN_FILENO
					: open(name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	unsigned char *buf = NULL;
	size_t got = 0;
	ssize_t n = 0;

	if (fd >= 0)
		buf = malloc(INSPECT_MAX + 1);
	while (buf != NULL && got <= INSPECT_MAX &&
	       ((n = read(fd, buf + got, INSPECT_MAX + 1 - got)) > 0 ||
		(n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	if (fd < 0 || n < 0)
		fprintf(stderr, "gss-sodium: %s: cannot read it: %s\n", shown, strerror(errno));
	else if (buf == NULL)
		fprintf(stderr, "gss-sodium: out of memory\n");
	else if (got > INSPECT_MAX)
		fprintf(stderr, "gss-sodium: %s is larger than 1 MiB, so it is not an exported context token\n",
			shown);
	if (fd > STDIN_FILENO)
		close(fd);
	if (fd < 0 || n < 0 || buf == NULL || got > INSPECT_MAX) {
		free(buf);
		return EXIT_PROBLEM;
	}
	*data = buf;
	*len = got;
	return 0;
}

/* The dotted form of an OID's DER contents; 0 when they are malformed or
 * do not fit. */
static int oid_to_dotted(const unsigned char *der, size_t len, char *out, size_t size)
{
	unsigned long long arc = 0;
	size_t i, used = 0;
	int n;

	if (len == 0 || (der[len - 1] & 0x80))
		return 0;
	for (i = 0; i < len; i++) {
		/* A leading 0x80 pads an arc, which DER forbids. */
		if ((arc == 0 && der[i] == 0x80) || arc >> 57 != 0)
			return 0;
		arc = (arc << 7) | (der[i] & 0x7f);
		if (der[i] & 0x80)
			continue;
		if (used == 0)	/* the first arc holds two: 40 * X + Y */
			n = snprintf(out, size, "%u.%llu", arc < 80 ? (unsigned)(arc / 40) : 2,
				     arc < 80 ? arc % 40 : arc - 80);
		else
			n = snprintf(out + used, size - used, ".%llu", arc);
		if (n < 0 || (size_t)n >= size - used)
			return 0;
		used += (size_t)n;
		arc = 0;
	}
	return 1;
}

/* An exported token as given: the mechanism's own bytes, possibly behind
 * the mechanism OID a mechglue puts in front. */
struct token_view {
	const unsigned char *token;	/* from the 'sodX' magic on */
	size_t len;
	const char *wrapper;		/* "MIT" or "Heimdal"; NULL when bare */
	char oid[128];			/* the wrapper's OID, dotted */
};

/*
 * Find the mechanism token.  MIT's gss_export_sec_context writes
 * u32 OID length || OID contents || token, Heimdal's u16 length || OID ||
 * token; no OID is empty, so 00 00 starts MIT's form and 00 nn Heimdal's,
 * and neither is the 's' of a bare token.
 */
static int unwrap_token(const char *shown, const unsigned char *data, size_t len,
			struct token_view *v)
{
	const unsigned char *oid;
	gss_OID_desc found;
	struct sm_reader r;
	size_t oid_len;

	memset(v, 0, sizeof(*v));
	v->token = data;
	v->len = len;
	if (len >= 4 && memcmp(data, SM_EXPORT_MAGIC, 4) == 0)
		return 0;
	sm_reader_init(&r, data, len);
	oid_len = sm_read_u16be(&r);
	v->wrapper = "Heimdal";
	if (oid_len == 0) {
		oid_len = sm_read_u16be(&r);
		v->wrapper = "MIT";
	}
	oid = sm_read_bytes(&r, oid_len);
	if (oid == NULL || !oid_to_dotted(oid, oid_len, v->oid, sizeof(v->oid))) {
		fprintf(stderr, "gss-sodium: %s is not a gss-sodium exported context token: it starts neither with '%s' nor with a mechglue's mechanism OID\n",
			shown, SM_EXPORT_MAGIC);
		return EXIT_PROBLEM;
	}
	found.length = (OM_uint32)oid_len;
	found.elements = (void *)oid;
	if (!sm_oid_equal(&found, &sm_mech_oid)) {
		fprintf(stderr, "gss-sodium: %s is not a gss-sodium token: it is the exported context of mechanism %s\n",
			shown, v->oid);
		return EXIT_PROBLEM;
	}
	v->token = r.ptr;
	v->len = r.left;
	return 0;
}

/* "2d3h4m5s": the units that are not zero, largest first. */
static void format_duration(uint64_t seconds, char *out, size_t size)
{
	static const struct {
		uint64_t seconds;
		char unit;
	} units[] = { { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' }, { 1, 's' } };
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(units) / sizeof(units[0]) && used < size; i++) {
		if (seconds < units[i].seconds && !(units[i].seconds == 1 && used == 0))
			continue;
		used += (size_t)snprintf(out + used, size - used, "%llu%c",
					 (unsigned long long)(seconds / units[i].seconds),
					 units[i].unit);
		seconds %= units[i].seconds;
	}
}

/* A header time in UTC; one past year 9999 (which gmtime cannot show
 * portably) is given as a number. */
static void format_time(uint64_t t, char *out, size_t size)
{
	if (t <= 253402300799ULL && size > SM_TIMESTAMP_CHARS)
		sm_timestamp_format((time_t)t, out);
	else
		snprintf(out, size, "%llu seconds after 1970", (unsigned long long)t);
}

static void show_header(const struct token_view *v, size_t total,
			const struct sm_export_header *h)
{
	char created[64], not_after[64], left[64];
	uint64_t now = (uint64_t)time(NULL);

	format_time(h->created, created, sizeof(created));
	format_time(h->not_after, not_after, sizeof(not_after));
	format_duration(now > h->not_after ? now - h->not_after : h->not_after - now,
			left, sizeof(left));
	if (v->wrapper != NULL)
		printf("mechanism: %s (gss-sodium, %s mechglue form)\n", v->oid, v->wrapper);
	else
		printf("mechanism: gss-sodium (bare token)\n");
	printf("format: version %u\n", h->version);
	printf("sealing key: %u\n", h->key_id);
	printf("created: %s\n", created);
	printf("not after: %s\n", not_after);
	/* As import decides: a token is good through its not-after second. */
	if (now > h->not_after)
		printf("expired: yes, %s ago\n", left);
	else
		printf("expired: no, %s left\n", left);
	if (h->flags & SM_EXPORT_FLAG_UID_BOUND)
		printf("uid-bound: yes, uid %u\n", h->uid);
	else
		printf("uid-bound: no\n");
	printf("size: %zu bytes (", total);
	if (v->wrapper != NULL)
		printf("mechglue prefix %zu, ", total - v->len);
	printf("header %d, sealed %zu)\n", SM_EXPORT_HEADER_BYTES, h->sealed_len);
}

static int cmd_inspect(int argc, char **argv)
{
	struct sm_export_header h;
	unsigned char *data = NULL;
	const char *name, *shown;
	struct token_view v;
	struct arguments a;
	OM_uint32 minor;
	size_t len = 0;
	int rc;

	rc = parse_arguments(argc, argv, inspect_usage, &a);
	if (rc != 0 || a.help)
		return a.help ? (fputs(inspect_usage, stdout), 0) : rc;
	if (a.file != NULL)
		return usage_error(inspect_usage, "%s",
				   "inspect takes the token's FILE as its argument, without -f");
	name = a.name != NULL ? a.name : "-";
	shown = strcmp(name, "-") == 0 ? "standard input" : name;
	rc = read_token(name, shown, &data, &len);
	if (rc == 0)
		rc = unwrap_token(shown, data, len, &v);
	if (rc == 0 && GSS_ERROR(sm_export_header_parse(&minor, v.token, v.len, &h))) {
		fprintf(stderr, "gss-sodium: %s is not a well-formed gss-sodium exported context token:\n",
			shown);
		rc = report(minor);
	}
	if (rc == 0)
		show_header(&v, len, &h);
	free(data);
	return rc;
}

/* A default location that does not exist is simply empty; a file that the
 * environment names must exist, so it is never merely absent. */
static int absent(const struct sm_locations *loc, size_t i, const char *what)
{
	struct stat st;

	if (loc->from_environment || stat(loc->path[i], &st) == 0 || errno != ENOENT)
		return 0;
	printf("absent: %s %s\n", what, loc->path[i]);
	return 1;
}

/* Check the files of one kind; returns the number of problems. */
static int check_keys(enum sm_file which, const char *what)
{
	struct sm_locations loc;
	struct sm_keys keys;
	OM_uint32 minor;
	int problems = 0;
	size_t i;

	if (GSS_ERROR(sm_locations(&minor, which, &loc)))
		return report(minor);
	for (i = 0; i < loc.count; i++) {
		keys.count = 0;
		keys.entries = NULL;
		if (absent(&loc, i, what))
			continue;
		if (GSS_ERROR(sm_keys_load(&minor, which, loc.path[i], 1, &keys))) {
			report(minor);
			problems++;
		} else {
			printf("ok: %s %s (%zu key%s)\n", what, loc.path[i], keys.count,
			       keys.count == 1 ? "" : "s");
		}
		sm_keys_clear(&keys);
	}
	return problems;
}

/* Check the sealing keyring; returns the number of problems. */
static int check_sealkeys(void)
{
	const struct sm_seal_key *sealing;
	struct sm_locations loc;
	struct sm_keyring ring;
	OM_uint32 minor;

	if (GSS_ERROR(sm_locations(&minor, SM_FILE_SEALKEYS, &loc)))
		return report(minor);
	if (absent(&loc, 0, "sealkeys"))
		return 0;
	if (GSS_ERROR(sm_keyring_load(&minor, loc.path[0], 1, &ring)))
		return report(minor);
	sealing = sm_keyring_sealing_key(&ring);
	printf("ok: sealkeys %s (%zu key%s, ", loc.path[0], ring.count,
	       ring.count == 1 ? "" : "s");
	if (sealing != NULL)
		printf("sealing key %u)\n", sealing->id);
	else
		printf("none seals new exports)\n");
	sm_keyring_clear(&ring);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct sm_settings settings;
	char path[PATH_MAX];
	OM_uint32 minor;
	int problems = 0;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
			return fputs(check_usage, stdout), 0;
		return usage_error(check_usage, "unexpected argument '%s'", argv[1]);
	}
	if (GSS_ERROR(sm_settings_load(&minor, &settings, path))) {
		report(minor);
		problems++;
	} else if (path[0] != '\0') {
		printf("ok: settings %s\n", path);
	} else {
		printf("absent: settings file (defaults apply)\n");
	}
	problems += check_keys(SM_FILE_KEYTAB, "keytab");
	problems += check_keys(SM_FILE_IDENTITY, "identity");
	problems += check_keys(SM_FILE_PEERS, "peers");
	problems += check_sealkeys();
	if (problems > 0)
		fprintf(stderr, "gss-sodium: %d problem%s found\n", problems,
			problems == 1 ? "" : "s");
	return problems > 0 ? EXIT_PROBLEM : 0;
}

int main(int argc, char **argv)
{
	static const struct command commands[] = {
		{ "keygen", cmd_keygen },
		{ "pubkey", cmd_pubkey },
		{ "sealkey", cmd_sealkey },
		{ "inspect", cmd_inspect },
		{ "check", cmd_check },
	};

	if (sodium_init() < 0) {
		fprintf(stderr, "gss-sodium: libsodium could not be initialised\n");
		return EXIT_PROBLEM;
	}
	return dispatch(commands, sizeof(commands) / sizeof(commands[0]), argc, argv,
			main_usage);
}
