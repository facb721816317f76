/*
 * gss-sodium inspect: show the header of an exported context token, bare or
 * in a mechglue's wrapping, without decrypting anything.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "export.h"
#include "keyring.h"
#include "oids.h"
#include "tool.h"

/* Exported tokens are a few hundred bytes; anything past this is not one. */
#define INSPECT_MAX (1024 * 1024)

static const char inspect_usage[] =
	"usage: gss-sodium inspect [FILE|-]\n"
	"\n"
	"Show the header of an exported context token (from gss_export_sec_context)\n"
	"read from FILE or, by default or for '-', standard input: mechanism, format\n"
	"version, sealing key ID, creation and expiry times, uid binding and sizes.\n"
	"Nothing is decrypted and no key is needed.  The token may be bare or carry\n"
	"the mechanism OID that MIT's or Heimdal's mechglue puts in front of it.\n"
	"Exits 0 for a well-formed token, expired or not, and 1 for anything else.\n";

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

/* The state of key `id` in the keyring this user would use, when it can be
 * read: a staged key opens tokens before it seals, a retired one opens
 * none.  The key is found by its ID only; nothing is decrypted. */
static void show_key_state(uint32_t id, time_t now)
{
	const struct sm_seal_key *key;
	char path[PATH_MAX], status[64];
	struct sm_keyring ring;
	OM_uint32 minor;

	if (file_path(SM_FILE_SEALKEYS, NULL, path) != 0 ||
	    GSS_ERROR(sm_keyring_load(&minor, path, 1, &ring)))
		return;
	key = sm_keyring_find(&ring, id);
	if (key == NULL)
		printf("keyring %s: holds no key %u, so the token does not open here\n", path, id);
	else
		printf("keyring %s: key %u %s\n", path, id,
		       sealkey_status(key, sm_keyring_sealing_key(&ring, now), now, status));
	sm_keyring_clear(&ring);
}

static void show_header(const struct token_view *v, size_t total,
			const struct sm_export_header *h)
{
	char created[64], not_after[64], left[64];
	uint64_t now = (uint64_t)time(NULL);

	sm_clock_format(h->created, created, sizeof(created));
	sm_clock_format(h->not_after, not_after, sizeof(not_after));
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
	show_key_state(h->key_id, (time_t)now);
}

int cmd_inspect(int argc, char **argv)
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
		return usage_error(inspect_usage, "inspect takes the token's FILE as its argument, without -f");
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
