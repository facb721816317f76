/*
 * gss-sodium: make and inspect the keys of the gss-sodium mechanism, manage
 * its sealing keyring, look inside exported context tokens, and check its
 * files.  Exit status: 0 ok, 1 a problem was found, 2 usage.
 *
 * sealkey.c holds the sealkey commands, inspect.c inspect and tool.h
 * what the files share.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "files.h"
#include "keyfile.h"
#include "keyring.h"
#include "localname.h"
#include "names.h"
#include "rcache.h"
#include "secmem.h"
#include "settings.h"
#include "status.h"
#include "tool.h"

static const char main_usage[] =
	"usage: gss-sodium COMMAND [ARGUMENTS]\n"
	"\n"
	"Commands:\n"
	"  keygen NAME [-f FILE]    make a key for NAME, append it to FILE and print\n"
	"                           the line that peers add to their peers file\n"
	"  pubkey [-f FILE] [NAME]  print the peers lines of the keys in FILE\n"
	"  sealkey new|list|retire ID|prune [-f FILE]\n"
	"                           manage the keyring that seals exported contexts\n"
	"  inspect [FILE|-]         show the header of an exported context token or tickets\n"
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

static const char check_usage[] =
	"usage: gss-sodium check\n"
	"\n"
	"Read the settings file, the keytab, the identity file, the peers files and\n"
	"the sealing keyring from the locations the environment and the defaults\n"
	"give, and report each.  Exits 1 when any of them has a problem.\n";

int usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gss-sodium: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n\n%s", usage);
	return EXIT_USAGE;
}

int report(OM_uint32 minor)
{
	const char *sentence = sm_status_sentence(minor);

	fprintf(stderr, "%s\n", sentence ? sentence : "gss-sodium: unknown error");
	return EXIT_PROBLEM;
}

/* Run the command that argv[1] names. */
int dispatch(const struct command *commands, size_t count, int argc,
	     char **argv, const char *usage)
{
	size_t i;

	if (argc < 2)
		return usage_error(usage, "no command given");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0)
		return fputs(usage, stdout), 0;
	for (i = 0; i < count; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	return usage_error(usage, "unknown command '%s'", argv[1]);
}

int parse_arguments(int argc, char **argv, const char *usage,
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
				return usage_error(usage, "-f may be given once");
			a->file = argv[i];
		} else if (strcmp(argv[i], "--after") == 0) {
			if (++i == argc)
				return usage_error(usage, "--after needs a number of seconds");
			if (a->after != NULL)
				return usage_error(usage, "--after may be given once");
			a->after = argv[i];
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
int file_path(enum sm_file which, const char *file, char *path)
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
int make_parent_directories(const char *path)
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

/* A key file opened for keygen: its directory locked and its text read
 * and checked as the mechanism reads it, so that a key is added only to a
 * file that works, and to the very text that was checked. */
struct key_file {
	int dir_fd;
	char *text;	/* NULL for a file that does not exist yet */
	size_t len;
};

static int open_key_file(enum sm_file which, const char *path, struct key_file *kf)
{
	struct sm_keys keys = { 0, NULL };
	OM_uint32 minor;

	kf->text = NULL;
	kf->len = 0;
	if (make_parent_directories(path) != 0) {
		fprintf(stderr, "gss-sodium: %s: cannot create its directory: %s\n",
			path, strerror(errno));
		return EXIT_PROBLEM;
	}
	kf->dir_fd = lock_directory(path);
	if (kf->dir_fd < 0)
		return EXIT_PROBLEM;
	if (!GSS_ERROR(sm_file_read(&minor, which, path, 0, &kf->text, &kf->len)) &&
	    (kf->text == NULL ||
	     !GSS_ERROR(sm_keys_parse(&minor, which, path, kf->text, kf->len, &keys)))) {
		sm_keys_clear(&keys);
		return 0;
	}
	sm_file_release(kf->text, kf->len);
	close(kf->dir_fd);
	return report(minor);
}

static void close_key_file(struct key_file *kf)
{
	sm_file_release(kf->text, kf->len);	/* it holds keys: wiped */
	close(kf->dir_fd);
}

/* Add a new key for `name` to the open key file; print its peers line. */
static int add_key(const struct sm_name *name, const char *path, struct key_file *kf)
{
	char b64[SM_KEY_BASE64_CHARS + 1], line[SM_NAME_MAX + 64];
	unsigned char *private_key, public_key[SM_KEY_BYTES];
	int rc, len;

	if (sm_key_generate(&private_key, public_key) != 0) {
		fprintf(stderr, "gss-sodium: out of memory\n");
		return EXIT_PROBLEM;
	}
	sm_key_to_base64(private_key, b64);
	sm_secmem_free(private_key);
	len = snprintf(line, sizeof(line), "%s %s\n", name->text, b64);
	sodium_memzero(b64, sizeof(b64));
	rc = add_line(path, kf->dir_fd, kf->text, kf->len, line, (size_t)len);
	sodium_memzero(line, sizeof(line));
	if (rc != 0)
		return rc;
	sm_key_to_base64(public_key, b64);
	printf("%s %s\n", name->text, b64);
	fprintf(stderr, "gss-sodium: added a key for %s to %s\n", name->text, path);
	return 0;
}

static int cmd_keygen(int argc, char **argv)
{
	struct sm_name *name = NULL;
	char path[PATH_MAX];
	struct key_file kf;
	struct arguments a;
	enum sm_file which;
	OM_uint32 minor;
	int rc;

	rc = parse_arguments(argc, argv, keygen_usage, &a);
	if (rc != 0 || a.help)
		return a.help ? (fputs(keygen_usage, stdout), 0) : rc;
	if (a.name == NULL)
		return usage_error(keygen_usage, "keygen needs a NAME");
	if (GSS_ERROR(sm_name_from_canonical(&minor, a.name, strlen(a.name), &name)))
		return report(minor);
	rc = default_file(name, a.file, &which, path);
	if (rc == 0)
		rc = open_key_file(which, path, &kf);
	if (rc == 0) {
		rc = add_key(name, path, &kf);
		close_key_file(&kf);
	}
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
	sealing = sm_keyring_sealing_key(&ring, time(NULL));
	printf("ok: sealkeys %s (%zu key%s, ", loc.path[0], ring.count,
	       ring.count == 1 ? "" : "s");
	if (sealing != NULL)
		printf("sealing key %u)\n", sealing->id);
	else
		printf("none seals new exports)\n");
	sm_keyring_clear(&ring);
	return 0;
}

/* Check the `use` replay cache of the key file `which` (when it exists),
 * without making it; returns the number of problems. */
static int check_rcache(const struct sm_settings *settings, enum sm_rcache_use use,
			enum sm_file which, const char *cache, const char *maker)
{
	struct sm_locations loc;
	char path[PATH_MAX];
	long long size;
	OM_uint32 minor;

	if (GSS_ERROR(sm_locations(&minor, which, &loc)))
		return report(minor);
	if (access(loc.path[0], F_OK) != 0)
		return 0;
	if (GSS_ERROR(sm_rcache_inspect(&minor, use, loc.path[0], settings->rcache_dir, path,
					&size)))
		return report(minor);
	if (size < 0)
		printf("ok: %s directory %s (the first %s makes the cache)\n", cache, path, maker);
	else
		printf("ok: %s %s (%lld bytes)\n", cache, path, size);
	return 0;
}

static int cmd_check(int argc, char **argv)
{
	struct sm_settings settings;
	char path[PATH_MAX];
	OM_uint32 minor;
	int problems = 0, settings_ok;

	if (argc > 1) {
		if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
			return fputs(check_usage, stdout), 0;
		return usage_error(check_usage, "unexpected argument '%s'", argv[1]);
	}
	settings_ok = !GSS_ERROR(sm_settings_load(&minor, &settings, path));
	if (!settings_ok) {
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
	if (settings_ok && settings.localname == SM_LOCALNAME_MAP) {
		if (GSS_ERROR(sm_localname_map_check(&minor, path)))
			problems += report(minor);
		else
			printf("ok: local account map %s\n", path);
	}
	if (settings_ok && settings.replay_cache.redis) {
		if (GSS_ERROR(sm_rcache_redis_ping(&minor, &settings)))
			problems += report(minor);
		else
			printf("ok: replay caches on %s\n", settings.replay_cache.shown);
	} else if (settings_ok) {
		problems += check_rcache(&settings, SM_RCACHE_HANDSHAKE, SM_FILE_KEYTAB,
					 "handshake replay cache", "accepted handshake");
		if (settings.import_once)
			problems += check_rcache(&settings, SM_RCACHE_IMPORT, SM_FILE_SEALKEYS,
						 "import-once replay cache", "import");
		else
			printf("absent: import-once replay cache (import_once = no)\n");
	}
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
