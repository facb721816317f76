/*
 * gss-sodium inspect: show the header of an exported context token, bare or
 * in a mechglue's wrapping, of a resumption ticket, or of each ticket of a
 * ticket cache file, without decrypting anything.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "export.h"
#include "files.h"
#include "keyring.h"
#include "oids.h"
#include "ticket.h"
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
	"FILE may also be a resumption ticket, or a ticket cache file\n"
	"($XDG_RUNTIME_DIR/gss-sodium-tickets): each ticket's target, sealing key\n"
	"ID and times are shown, never its secret.\n"
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

/* Created, not after and expired, as import or an acceptor decides: a token
 * is good through its not-after second. */
static void show_times(uint64_t created_at, uint64_t not_after_at, uint64_t now)
{
	char created[64], not_after[64], left[64];

	sm_clock_format(created_at, created, sizeof(created));
	sm_clock_format(not_after_at, not_after, sizeof(not_after));
	format_duration(now > not_after_at ? now - not_after_at : not_after_at - now,
			left, sizeof(left));
	printf("created: %s\n", created);
	printf("not after: %s\n", not_after);
	if (now > not_after_at)
		printf("expired: yes, %s ago\n", left);
	else
		printf("expired: no, %s left\n", left);
}

static void show_header(const struct token_view *v, size_t total,
			const struct sm_export_header *h)
{
	uint64_t now = (uint64_t)time(NULL);

	if (v->wrapper != NULL)
		printf("mechanism: %s (gss-sodium, %s mechglue form)\n", v->oid, v->wrapper);
	else
		printf("mechanism: gss-sodium (bare token)\n");
	printf("format: version %u\n", h->version);
	printf("sealing key: %u\n", h->key_id);
	show_times(h->created, h->not_after, now);
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

/* One ticket's header; `target` is the ticket cache line's, or NULL. */
static int show_ticket(const char *shown, const char *target, const unsigned char *ticket,
		       size_t len)
{
	uint64_t now = (uint64_t)time(NULL);
	struct sm_ticket_header h;
	OM_uint32 minor;

	if (GSS_ERROR(sm_ticket_header_parse(&minor, ticket, len, &h))) {
		fprintf(stderr, "gss-sodium: %s%s%s holds a malformed resumption ticket:\n", shown,
			target != NULL ? ", the ticket for " : "", target != NULL ? target : "");
		return report(minor);
	}
	if (target != NULL)
		printf("ticket for: %s\n", target);
	printf("resumption ticket: format version %u\n", SM_TICKET_VERSION);
	printf("sealing key: %u\n", h.key_id);
	show_times(h.created, h.not_after, now);
	printf("size: %zu bytes (header %d, sealed %zu)\n", len, SM_TICKET_HEADER_BYTES,
	       len - SM_TICKET_HEADER_BYTES);
	show_key_state(h.key_id, (time_t)now);
	return 0;
}

/* A ticket cache file: each line's target and ticket (the last field). */
static int show_ticket_file(const char *shown, const unsigned char *data, size_t len)
{
	unsigned char ticket[SM_TICKET_MAX];
	const char *line, *field[6], *end;
	size_t line_len, field_len[6], ticket_len;
	char target[SM_NAME_MAX + 1];
	struct sm_lines lines;
	int rc = 0, tickets = 0;

	sm_lines_init(&lines, (const char *)data, len);
	while (sm_lines_next(&lines, &line, &line_len)) {
		size_t n = sm_line_fields(line, line_len, field, field_len, 6);

		if (n == 0)
			continue;
		if (n != 6 || field_len[0] > SM_NAME_MAX ||
		    sodium_base642bin(ticket, sizeof(ticket), field[5], field_len[5], NULL,
				      &ticket_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
		    end != field[5] + field_len[5]) {
			fprintf(stderr, "gss-sodium: %s line %u is not a gss-sodium ticket cache line\n",
				shown, lines.number);
			rc = EXIT_PROBLEM;
			continue;
		}
		memcpy(target, field[0], field_len[0]);
		target[field_len[0]] = '\0';
		if (tickets++ > 0)
			printf("\n");
		if (show_ticket(shown, target, ticket, ticket_len) != 0)
			rc = EXIT_PROBLEM;
	}
	if (tickets == 0 && rc == 0) {
		fprintf(stderr, "gss-sodium: %s is not a gss-sodium token or ticket cache: it holds no ticket\n",
			shown);
		rc = EXIT_PROBLEM;
	}
	return rc;
}

/* Text of printable ASCII lines: a ticket cache file, not a token. */
static int looks_like_text(const unsigned char *data, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if ((data[i] < 0x20 || data[i] > 0x7e) && data[i] != '\n' && data[i] != '\t')
			return 0;
	return len > 0 && memcmp(data, SM_EXPORT_MAGIC, 4) != 0;
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
	if (rc == 0 && len >= 4 && memcmp(data, SM_TICKET_MAGIC, 4) == 0) {
		rc = show_ticket(shown, NULL, data, len);
		free(data);
		return rc;
	}
	if (rc == 0 && looks_like_text(data, len)) {
		rc = show_ticket_file(shown, data, len);
		free(data);
		return rc;
	}
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
