/*
 * gss-sodium sealkey: add, list, retire and prune the keys of the keyring
 * that seals exported contexts.  Edits lock the keyring's directory and
 * replace the file atomically (replace.c).
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "files.h"
#include "keyfile.h"
#include "keyring.h"
#include "secmem.h"
#include "tool.h"

/* Sealing keys are written with the keyfile's base64 helper. */
_Static_assert(SM_SEAL_KEY_BYTES == SM_KEY_BYTES, "sealing keys are 32 bytes");

static const char sealkey_usage[] =
	"usage: gss-sodium sealkey new [--after SECONDS] [-f FILE]\n"
	"       gss-sodium sealkey list [-f FILE]\n"
	"       gss-sodium sealkey retire ID [-f FILE]\n"
	"       gss-sodium sealkey prune [-f FILE]\n"
	"\n"
	"Manage the sealing keyring, whose lines are\n"
	"'ID KEY-BASE64 CREATED [from=TIME] [retired]'.  Of the keys that are not\n"
	"retired and whose from= time has come, the one with the highest ID seals new\n"
	"exported contexts; every key that is not retired opens them.\n"
	"\n"
	"  new     add a key with the highest ID plus one, which seals from now on, or\n"
	"          with --after from SECONDS later (it opens tokens at once: a farm\n"
	"          copies it to every host before any host seals with it); print its\n"
	"          ID on standard output (FILE is created with mode 0600)\n"
	"  list    print 'ID CREATED STATUS' for each key, STATUS being 'sealing',\n"
	"          'opens', 'opens, seals from TIME' or 'retired' (key bytes are\n"
	"          never shown)\n"
	"  retire  stop key ID from opening tokens; if it was sealing, the next\n"
	"          highest key that is not retired seals instead\n"
	"  prune   remove the lines of retired keys\n"
	"\n"
	"FILE defaults to $GSS_SODIUM_SEALKEYS, else " SM_KEYDIR "/sealkeys.\n"
	"new, retire and prune replace FILE atomically, keeping comments, owner,\n"
	"group and mode (less any write bit of the group and all bits of others).\n";

/* A keyring opened for an edit: locked, read once and validated, so the
 * text that is changed is the text that was checked. */
struct keyring_file {
	char path[PATH_MAX];
	int dir_fd;
	char *text;
	size_t len;
	struct sm_keyring ring;
};

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
static int sealkey_arguments(int argc, char **argv, int takes_id, int takes_after,
			     struct arguments *a, char *path)
{
	int rc = parse_arguments(argc, argv, sealkey_usage, a);

	if (rc != 0 || a->help)
		return rc;
	if (a->after != NULL && !takes_after)
		return usage_error(sealkey_usage, "--after is for 'sealkey new' only");
	if (a->name != NULL && !takes_id)
		return usage_error(sealkey_usage, "unexpected argument '%s'", a->name);
	return file_path(SM_FILE_SEALKEYS, a->file, path);
}

/* Everything that holds the new key's bytes, in one locked slot that
 * sm_secmem_free() wipes. */
struct fresh_key {
	unsigned char key[SM_SEAL_KEY_BYTES];
	char base64[SM_KEY_BASE64_CHARS + 1];
	char line[SM_KEY_BASE64_CHARS + 2 * SM_TIMESTAMP_CHARS + 24];
};

/* The line of a new key with `id`, made `now`, sealing from `from` (0: at
 * once); its length, or -1. */
static int make_key_line(uint32_t id, time_t now, time_t from, struct fresh_key *k)
{
	char created[SM_TIMESTAMP_CHARS + 1], seals[SM_TIMESTAMP_CHARS + 8] = "";

	randombytes_buf(k->key, sizeof(k->key));
	sm_key_to_base64(k->key, k->base64);
	sm_timestamp_format(now, created);
	if (from != 0) {
		strcpy(seals, " from=");
		sm_timestamp_format(from, seals + 6);
	}
	return snprintf(k->line, sizeof(k->line), "%u %s %s%s\n", id, k->base64, created,
			seals);
}

/* --after SECONDS: 1 to 31622400 (a year), digits only. */
static int parse_after(const char *text, time_t *seconds)
{
	unsigned long v = 0;
	const char *p;

	for (p = text; *p >= '0' && *p <= '9' && v <= 31622400; p++)
		v = v * 10 + (unsigned long)(*p - '0');
	if (p == text || *p != '\0' || v == 0 || v > 31622400)
		return usage_error(sealkey_usage,
				   "--after takes a number of seconds from 1 to 31622400, not '%s'",
				   text);
	*seconds = (time_t)v;
	return 0;
}

static int cmd_sealkey_new(int argc, char **argv)
{
	char from_text[SM_TIMESTAMP_CHARS + 1];
	time_t now = time(NULL), after = 0;
	struct keyring_file kf;
	struct fresh_key *k;
	struct arguments a;
	uint32_t id = 0;
	size_t i;
	int rc, len;

	rc = sealkey_arguments(argc, argv, 0, 1, &a, kf.path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (a.after != NULL && (rc = parse_after(a.after, &after)) != 0)
		return rc;
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
	len = make_key_line(++id, now, after != 0 ? now + after : 0, k);
	rc = add_line(kf.path, kf.dir_fd, kf.text, kf.len, k->line, (size_t)len);
	if (rc == 0 && after == 0) {
		printf("%u\n", id);
		fprintf(stderr, "gss-sodium: added sealing key %u to %s; it seals new exports\n",
			id, kf.path);
	} else if (rc == 0) {
		printf("%u\n", id);
		sm_timestamp_format(now + after, from_text);
		fprintf(stderr, "gss-sodium: added sealing key %u to %s; it opens tokens now and seals new exports from %s (in %ld s): copy the keyring to every host before then\n",
			id, kf.path, from_text, (long)after);
	}
	sm_secmem_free(k);
	close_keyring(&kf);
	return rc;
}

const char *sealkey_status(const struct sm_seal_key *key, const struct sm_seal_key *sealing,
			   time_t now, char *out)
{
	char from[SM_TIMESTAMP_CHARS + 1];

	if (key->retired)
		return "retired";
	if (key == sealing)
		return "sealing";
	if (key->seals_from <= now)
		return "opens";
	sm_timestamp_format(key->seals_from, from);
	snprintf(out, 64, "opens, seals from %s", from);
	return out;
}

static int cmd_sealkey_list(int argc, char **argv)
{
	const struct sm_seal_key *sealing;
	char path[PATH_MAX], created[SM_TIMESTAMP_CHARS + 1], status[64];
	time_t now = time(NULL);
	struct sm_keyring ring;
	struct arguments a;
	OM_uint32 minor;
	size_t i;
	int rc;

	rc = sealkey_arguments(argc, argv, 0, 0, &a, path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (GSS_ERROR(sm_keyring_load(&minor, path, 1, &ring)))
		return report(minor);
	sealing = sm_keyring_sealing_key(&ring, now);
	for (i = 0; i < ring.count; i++) {
		sm_timestamp_format(ring.keys[i].created, created);
		printf("%u %s %s\n", ring.keys[i].id, created,
		       sealkey_status(&ring.keys[i], sealing, now, status));
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

/* Copy `n` bytes to the end of the edited text. */
static void put(char *out, size_t *used, const char *p, size_t n)
{
	memcpy(out + *used, p, n);
	*used += n;
}

/* The keyring text with every line verbatim but the one edited: key `id`
 * gains ' retired' (EDIT_RETIRE) or retired keys go (EDIT_PRUNE).  `out`
 * has room for the text and one ' retired'; the edited length. */
static size_t edit_text(char *out, const char *text, size_t len, enum keyring_edit edit,
			uint32_t id)
{
	const char *p = text, *end = text + len, *nl;
	size_t line_len, with_nl, cut, used = 0;
	uint32_t line_id;
	int retired;

	for (; p < end; p += with_nl) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line_len = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);
		with_nl = line_len + (nl != NULL);
		if (sm_keyring_line(p, line_len, &line_id, &retired) != 1) {
			put(out, &used, p, with_nl);
		} else if (edit == EDIT_PRUNE && retired) {
			continue;
		} else if (edit == EDIT_RETIRE && line_id == id) {
			cut = fields_end(p, line_len);
			put(out, &used, p, cut);
			put(out, &used, " retired", 8);
			put(out, &used, p + cut, with_nl - cut);
		} else {
			put(out, &used, p, with_nl);
		}
	}
	return used;
}

/* Replace the keyring with its edited text, so that readers see the old
 * file or the new. */
static int rewrite_keyring(const struct keyring_file *kf, enum keyring_edit edit,
			   uint32_t id)
{
	size_t room = kf->len + 8, used;
	char *out = malloc(room);
	int rc;

	if (out == NULL) {
		fprintf(stderr, "gss-sodium: out of memory\n");
		return EXIT_PROBLEM;
	}
	used = edit_text(out, kf->text, kf->len, edit, id);
	rc = replace_file(kf->path, kf->dir_fd, out, used);
	sm_file_release(out, room);	/* the text holds keys: wiped */
	return rc;
}

/* Retire key `id` in the open keyring and say what seals from now on. */
static int retire_key(struct keyring_file *kf, uint32_t id)
{
	const struct sm_seal_key *before = sm_keyring_sealing_key(&kf->ring, time(NULL)), *after;
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
	after = sm_keyring_sealing_key(&kf->ring, time(NULL));
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

	rc = sealkey_arguments(argc, argv, 1, 0, &a, kf.path);
	if (rc != 0 || a.help)
		return a.help ? (fputs(sealkey_usage, stdout), 0) : rc;
	if (a.name == NULL)
		return usage_error(sealkey_usage, "sealkey retire needs an ID");
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

	rc = sealkey_arguments(argc, argv, 0, 0, &a, kf.path);
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

int cmd_sealkey(int argc, char **argv)
{
	return dispatch(sealkey_commands, sizeof(sealkey_commands) / sizeof(sealkey_commands[0]),
			argc, argv, sealkey_usage);
}
