/*
 * The initiator's resumption tickets (see tickets.h).
 *
 * The ticket cache file holds one line per ticket:
 *   TARGET INITIATOR-KEY PEER-KEY NOT-AFTER SECRET TICKET
 * keys, secret and ticket in base64, NOT-AFTER in Unix seconds.  It is
 * replaced whole (a new file renamed over it), so a reader sees the old
 * file or the new one; a line that does not parse is dropped.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "clock.h"
#include "files.h"
#include "init.h"
#include "locks.h"
#include "secmem.h"
#include "settings.h"
#include "status.h"
#include "tickets.h"
#include "trace.h"

/* Base64 of n bytes and its NUL. */
#define BASE64_SPACE(n) sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)

struct entry {
	int used;
	char target[SM_NAME_MAX + 1];
	unsigned char initiator_key[SM_KEY_BYTES];
	unsigned char peer_key[SM_KEY_BYTES];
	unsigned char *secret;		/* locked */
	unsigned char ticket[SM_TICKET_MAX];
	size_t ticket_len;
	uint64_t not_after;
};

static struct entry table[SM_TICKETS_MAX];

static void drop(struct entry *e)
{
	sm_secmem_free(e->secret);
	sodium_memzero(e, sizeof(*e));
}

static struct entry *lookup(const char *target, const unsigned char *initiator_key)
{
	size_t i;

	for (i = 0; i < SM_TICKETS_MAX; i++)
		if (table[i].used && strcmp(table[i].target, target) == 0 &&
		    memcmp(table[i].initiator_key, initiator_key, SM_KEY_BYTES) == 0)
			return &table[i];
	return NULL;
}

/* The entry for target and key, else a free one, else the one that
 * expires first, emptied. */
static struct entry *slot_for(const char *target, const unsigned char *initiator_key)
{
	struct entry *e = lookup(target, initiator_key), *first = &table[0];
	size_t i;

	for (i = 0; e == NULL && i < SM_TICKETS_MAX; i++) {
		if (!table[i].used)
			e = &table[i];
		else if (table[i].not_after < first->not_after)
			first = &table[i];
	}
	if (e == NULL)
		e = first;
	drop(e);
	return e;
}

/* Fill a slot; 0 when no locked memory was left. */
static int fill(struct entry *e, const char *target, const unsigned char *initiator_key,
		const unsigned char *peer_key, const unsigned char *secret,
		const unsigned char *ticket, size_t ticket_len, uint64_t not_after)
{
	e->secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES);
	if (e->secret == NULL || strlen(target) > SM_NAME_MAX || ticket_len > SM_TICKET_MAX) {
		drop(e);
		return 0;
	}
	e->used = 1;
	strcpy(e->target, target);
	memcpy(e->initiator_key, initiator_key, SM_KEY_BYTES);
	memcpy(e->peer_key, peer_key, SM_KEY_BYTES);
	memcpy(e->secret, secret, SM_RESUMPTION_SECRET_BYTES);
	memcpy(e->ticket, ticket, ticket_len);
	e->ticket_len = ticket_len;
	e->not_after = not_after;
	return 1;
}

/* ---- the file -------------------------------------------------------------- */

static int file_wanted(char *path)
{
	struct sm_locations where;
	OM_uint32 minor;

	if (sm_current_settings()->ticket_cache != SM_TICKET_CACHE_FILE)
		return 0;
	if (GSS_ERROR(sm_locations(&minor, SM_FILE_TICKETS, &where)))
		return 0;
	if (where.count == 0) {
		sm_trace("tickets: ticket_cache = file, but neither GSS_SODIUM_TICKETS nor XDG_RUNTIME_DIR names a place for the file; tickets last as long as the process");
		return 0;
	}
	strcpy(path, where.path[0]);
	return 1;
}

static int decode(const char *b64, size_t len, unsigned char *out, size_t cap, size_t *got)
{
	const char *end = NULL;

	return sodium_base642bin(out, cap, b64, len, NULL, got, &end,
				 sodium_base64_VARIANT_ORIGINAL) == 0 && end == b64 + len;
}

/* One line of the file as an entry (not marked used); 0 if malformed.
 * `secret` is locked memory for the line's secret. */
static int parse_line(const char *line, size_t len, struct entry *e, unsigned char *secret)
{
	const char *field[6];
	size_t field_len[6], got;
	struct sm_ticket_header h;
	unsigned long long not_after = 0;
	OM_uint32 minor;
	size_t i;

	/* A target is a name's text, which holds no NUL. */
	if (sm_line_fields(line, len, field, field_len, 6) != 6 || field_len[0] > SM_NAME_MAX ||
	    memchr(field[0], '\0', field_len[0]) != NULL)
		return 0;
	for (i = 0; i < field_len[3]; i++) {
		if (field[3][i] < '0' || field[3][i] > '9' || not_after > (1ULL << 40))
			return 0;
		not_after = not_after * 10 + (unsigned long long)(field[3][i] - '0');
	}
	memcpy(e->target, field[0], field_len[0]);
	e->target[field_len[0]] = '\0';
	e->not_after = not_after;
	if (field_len[3] == 0 ||
	    !decode(field[1], field_len[1], e->initiator_key, SM_KEY_BYTES, &got) ||
	    got != SM_KEY_BYTES ||
	    !decode(field[2], field_len[2], e->peer_key, SM_KEY_BYTES, &got) ||
	    got != SM_KEY_BYTES ||
	    !decode(field[4], field_len[4], secret, SM_RESUMPTION_SECRET_BYTES, &got) ||
	    got != SM_RESUMPTION_SECRET_BYTES ||
	    !decode(field[5], field_len[5], e->ticket, SM_TICKET_MAX, &e->ticket_len))
		return 0;
	/* The line's time is the ticket's own. */
	return !GSS_ERROR(sm_ticket_header_parse(&minor, e->ticket, e->ticket_len, &h)) &&
	       h.not_after == e->not_after;
}

/* Read the file; for each well-formed line call `each`, which may keep
 * it.  Returns 0 when the file cannot be used (the trace says why). */
typedef void (*line_fn)(const struct entry *e, const unsigned char *secret, void *arg);

static int read_file(const char *path, line_fn each, void *arg)
{
	unsigned char *secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES);
	struct entry *e = malloc(sizeof(*e));
	struct sm_lines lines;
	const char *line;
	OM_uint32 minor;
	size_t len, text_len;
	char *text;

	if (secret == NULL || e == NULL) {
		sm_secmem_free(secret);
		free(e);
		return 0;
	}
	if (GSS_ERROR(sm_file_read(&minor, SM_FILE_TICKETS, path, 0, &text, &text_len))) {
		sm_trace("tickets: the ticket cache %s was not used: %s", path,
			 sm_status_sentence(minor));
		sm_secmem_free(secret);
		free(e);
		return 0;
	}
	sm_lines_init(&lines, text, text_len);
	while (text != NULL && sm_lines_next(&lines, &line, &len)) {
		if (sm_line_fields(line, len, NULL, NULL, 0) == 0)
			continue;
		memset(e, 0, sizeof(*e));
		if (parse_line(line, len, e, secret))
			each(e, secret, arg);
		else
			sm_trace("tickets: %s line %u is malformed and was dropped", path,
				 lines.number);
	}
	sodium_memzero(e, sizeof(*e));
	free(e);
	sm_secmem_free(secret);
	sm_file_release(text, text_len);
	return 1;
}

static void write_line(struct sm_writer *w, const struct entry *e, const unsigned char *secret)
{
	char key[SM_KEY_BASE64_CHARS + 1], number[24];
	char *b64;

	sm_write_bytes(w, e->target, strlen(e->target));
	sm_key_to_base64(e->initiator_key, key);
	sm_write_u8(w, ' ');
	sm_write_bytes(w, key, SM_KEY_BASE64_CHARS);
	sm_key_to_base64(e->peer_key, key);
	sm_write_u8(w, ' ');
	sm_write_bytes(w, key, SM_KEY_BASE64_CHARS);
	snprintf(number, sizeof(number), " %llu ", (unsigned long long)e->not_after);
	sm_write_bytes(w, number, strlen(number));
	/* Each base64 field's NUL becomes the blank or newline after it. */
	b64 = (char *)sm_write_space(w, BASE64_SPACE(SM_RESUMPTION_SECRET_BYTES));
	if (b64 != NULL) {
		sodium_bin2base64(b64, BASE64_SPACE(SM_RESUMPTION_SECRET_BYTES), secret,
				  SM_RESUMPTION_SECRET_BYTES, sodium_base64_VARIANT_ORIGINAL);
		b64[BASE64_SPACE(SM_RESUMPTION_SECRET_BYTES) - 1] = ' ';
	}
	b64 = (char *)sm_write_space(w, BASE64_SPACE(e->ticket_len));
	if (b64 != NULL) {
		sodium_bin2base64(b64, BASE64_SPACE(e->ticket_len), e->ticket, e->ticket_len,
				  sodium_base64_VARIANT_ORIGINAL);
		b64[BASE64_SPACE(e->ticket_len) - 1] = '\n';
	}
}

/* What a rewrite keeps: the other tickets still valid, and ours; of the
 * others, the last SM_TICKETS_FILE_MAX - 1 (the file is appended to, so
 * the first lines are the oldest). */
struct rewrite {
	struct sm_writer w;
	const char *target;
	const unsigned char *initiator_key;
	uint64_t now;
	size_t skip;		/* lines to leave out first */
	size_t kept;		/* lines seen that would be kept */
};

static void keep_other(const struct entry *e, const unsigned char *secret, void *arg)
{
	struct rewrite *rw = arg;

	if (e->not_after < rw->now || (strcmp(e->target, rw->target) == 0 &&
				       memcmp(e->initiator_key, rw->initiator_key, SM_KEY_BYTES) == 0))
		return;
	if (rw->kept++ >= rw->skip)
		write_line(&rw->w, e, secret);
}

/* Replace the file by its other valid lines and `ours` (or none). */
static void rewrite_file(const char *path, const char *target, const unsigned char *initiator_key,
			 const struct entry *ours)
{
	struct rewrite rw = { .target = target, .initiator_key = initiator_key,
			      .now = (uint64_t)sm_clock_now() };
	char temp[PATH_MAX + 8];
	size_t done = 0;
	ssize_t n;
	int fd;

	sm_writer_init(&rw.w);
	if (!read_file(path, keep_other, &rw)) {
		sm_writer_discard(&rw.w);
		return;
	}
	/* Too many: read it again, leaving out the oldest. */
	if (rw.kept > SM_TICKETS_FILE_MAX - 1) {
		sm_writer_discard(&rw.w);
		rw.skip = rw.kept - (SM_TICKETS_FILE_MAX - 1);
		rw.kept = 0;
		if (!read_file(path, keep_other, &rw)) {
			sm_writer_discard(&rw.w);
			return;
		}
	}
	if (ours != NULL)
		write_line(&rw.w, ours, ours->secret);
	if (snprintf(temp, sizeof(temp), "%s.XXXXXX", path) >= (int)sizeof(temp) || rw.w.failed) {
		sm_writer_discard(&rw.w);
		return;
	}
	/* mkstemp makes the file 0600 and ours; rename replaces the old one
	 * in one step. */
	fd = mkstemp(temp);
	if (fd < 0) {
		sm_trace("tickets: the ticket cache %s cannot be written (%s)", path, strerror(errno));
		sm_writer_discard(&rw.w);
		return;
	}
	errno = 0;
	while (done < rw.w.len && ((n = write(fd, rw.w.data + done, rw.w.len - done)) > 0 ||
				   (n < 0 && errno == EINTR)))
		done += n > 0 ? (size_t)n : 0;
	if (close(fd) != 0 || done != rw.w.len || rename(temp, path) != 0) {
		sm_trace("tickets: the ticket cache %s cannot be written (%s)", path,
			 errno ? strerror(errno) : "short write");
		unlink(temp);
	}
	sm_writer_discard(&rw.w);
}

/* ---- the store ------------------------------------------------------------- */

struct file_search {
	const char *target;
	const unsigned char *initiator_key;
	int found;
};

static void take_ours(const struct entry *e, const unsigned char *secret, void *arg)
{
	struct file_search *s = arg;

	if (strcmp(e->target, s->target) != 0 ||
	    memcmp(e->initiator_key, s->initiator_key, SM_KEY_BYTES) != 0)
		return;
	sm_lock_take(SM_LOCK_TICKETS);
	s->found = fill(slot_for(e->target, e->initiator_key), e->target, e->initiator_key,
			e->peer_key, secret, e->ticket, e->ticket_len, e->not_after);
	sm_lock_release(SM_LOCK_TICKETS);
}

int sm_tickets_find(const char *target, const unsigned char *initiator_key,
		    const unsigned char *peer_key, time_t now, struct sm_held_ticket *out,
		    const char **why)
{
	struct file_search search = { target, initiator_key, 0 };
	char path[PATH_MAX];
	struct entry *e;
	int found = 0;

	memset(out, 0, sizeof(*out));
	sm_lock_take(SM_LOCK_TICKETS);
	e = lookup(target, initiator_key);
	sm_lock_release(SM_LOCK_TICKETS);
	/* Not held: perhaps an earlier process left one in the file.  The
	 * file is read without the lock. */
	if (e == NULL && file_wanted(path) && read_file(path, take_ours, &search) && search.found)
		sm_trace("tickets: ticket for '%s' read from %s", target, path);
	sm_lock_take(SM_LOCK_TICKETS);
	e = lookup(target, initiator_key);
	if (e == NULL) {
		*why = "no ticket is held for it";
	} else if (e->not_after < (uint64_t)now) {
		*why = "its ticket has expired";
		drop(e);
	} else if (sodium_memcmp(e->peer_key, peer_key, SM_KEY_BYTES) != 0) {
		*why = "the peers file gives it another key than when the ticket was issued";
		drop(e);
	} else if ((out->secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES)) == NULL) {
		*why = "no locked memory is left";
	} else {
		memcpy(out->secret, e->secret, SM_RESUMPTION_SECRET_BYTES);
		memcpy(out->ticket, e->ticket, e->ticket_len);
		out->ticket_len = e->ticket_len;
		out->not_after = e->not_after;
		found = 1;
	}
	sm_lock_release(SM_LOCK_TICKETS);
	return found;
}

void sm_tickets_keep(const char *target, const unsigned char *initiator_key,
		     const unsigned char *peer_key, const unsigned char *secret,
		     const unsigned char *ticket, size_t ticket_len, uint64_t not_after)
{
	struct entry *ours = NULL;
	char path[PATH_MAX];
	int kept;

	sm_lock_take(SM_LOCK_TICKETS);
	kept = fill(slot_for(target, initiator_key), target, initiator_key, peer_key, secret,
		    ticket, ticket_len, not_after);
	sm_lock_release(SM_LOCK_TICKETS);
	if (!kept || !file_wanted(path))
		return;
	/* The file gets a copy made outside the lock. */
	ours = malloc(sizeof(*ours));
	if (ours != NULL && fill(ours, target, initiator_key, peer_key, secret, ticket,
				 ticket_len, not_after)) {
		rewrite_file(path, target, initiator_key, ours);
		drop(ours);
	}
	free(ours);
}

void sm_tickets_forget(const char *target, const unsigned char *initiator_key)
{
	char path[PATH_MAX];
	struct entry *e;

	sm_lock_take(SM_LOCK_TICKETS);
	e = lookup(target, initiator_key);
	if (e != NULL)
		drop(e);
	sm_lock_release(SM_LOCK_TICKETS);
	if (file_wanted(path))
		rewrite_file(path, target, initiator_key, NULL);
}

void sm_held_ticket_clear(struct sm_held_ticket *t)
{
	sm_secmem_free(t->secret);
	sodium_memzero(t, sizeof(*t));
}

void sm_tickets_clear_memory(void)
{
	size_t i;

	sm_lock_take(SM_LOCK_TICKETS);
	for (i = 0; i < SM_TICKETS_MAX; i++)
		drop(&table[i]);
	sm_lock_release(SM_LOCK_TICKETS);
}
