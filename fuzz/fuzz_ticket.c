/*
 * Resumption tickets: what an acceptor reads from a resumed token 1
 * (sm_ticket_header_parse, sm_ticket_open, with the test-only sealing
 * keyring: key 1 retired, key 2 current) and what an initiator reads from
 * its ticket cache file (sm_tickets_find with ticket_cache = file).
 *
 * The first input byte, its low two bits, chooses:
 *   0 the rest is a ticket, whose header sm_ticket_header_parse reads;
 *   1 the rest is a ticket, which sm_ticket_open opens at the fixed clock;
 *   2 the rest is a ticket's contents (PROTOCOL.md section 4.6), which the
 *     harness seals under key 2 with a fixed header before opening it, so
 *     that the contents' parser behind the box is reached
 *     (fuzz_ticket_open_contents);
 *   3 the rest is the ticket cache file, from which alice's ticket to
 *     HTTP@web is read; with bit 2, the ticket is then forgotten, which
 *     writes the file again, and forgotten again, which must write the
 *     same bytes (fuzz_tickets_file).
 * The header and the contents are checked against an independent reading
 * of the format: what parses, and what the parser gives back.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "fuzz_common.h"

/* PROTOCOL.md section 4.6. */
#define HEADER_BYTES 52
#define TAG_BYTES 16
#define KEY_BYTES 32
#define SECRET_BYTES 32
_Static_assert(HEADER_BYTES == SM_TICKET_HEADER_BYTES && TAG_BYTES == crypto_secretbox_MACBYTES &&
	       KEY_BYTES == SM_KEY_BYTES && SECRET_BYTES == SM_RESUMPTION_SECRET_BYTES,
	       "the ticket format changed");

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

/* Does the format admit this header (whatever the box holds)? */
static int header_admitted(const uint8_t *p, size_t len)
{
	return len >= HEADER_BYTES + TAG_BYTES && len <= SM_TICKET_MAX &&
	       memcmp(p, "sodT", 4) == 0 && p[4] == SM_TICKET_VERSION && p[5] == 0 &&
	       p[6] == 0 && p[7] == 0;
}

static void header(const uint8_t *p, size_t len)
{
	struct sm_ticket_header h;
	struct sm_reader r;
	OM_uint32 major, minor;
	int ok;

	memset(&h, 0xa5, sizeof(h));
	major = sm_ticket_header_parse(&minor, p, len, &h);
	fuzz_report("ticket_header_parse", major, minor);
	if ((GSS_ERROR(major) == 0) != header_admitted(p, len))
		fuzz_die("a ticket header was %s", GSS_ERROR(major) ? "refused" : "admitted");
	if (GSS_ERROR(major))
		return;
	sm_reader_init(&r, p + 8, HEADER_BYTES - 8);
	ok = h.key_id == sm_read_u32be(&r) && h.created == sm_read_u64be(&r) &&
	     h.not_after == sm_read_u64be(&r) &&
	     memcmp(h.nonce, sm_read_bytes(&r, SM_TICKET_NONCE_BYTES), SM_TICKET_NONCE_BYTES) == 0;
	if (!ok || !sm_reader_done(&r))
		fuzz_die("a ticket header parsed into other fields than its bytes");
}

static void open_ticket(const uint8_t *p, size_t len)
{
	struct sm_ticket_contents c;
	enum sm_ticket_verdict v = fuzz_ticket_open(p, len, &c);
	int admitted = header_admitted(p, len);
	uint32_t key_id = c.header.key_id;

	if (!admitted && v != SM_TICKET_MALFORMED)
		fuzz_die("a ticket whose header is refused was given verdict %d", (int)v);
	/* Key 1 is retired and no other is in the keyring. */
	if (admitted && (key_id != FUZZ_SEAL_KEY) != (v == SM_TICKET_UNKNOWN_KEY))
		fuzz_die("a ticket of key %u was given verdict %d", key_id, (int)v);
	sm_ticket_contents_clear(&c);
}

/* A name of the contents at *at: u8 kind (user or service), u8 length,
 * that many bytes without a NUL.  Its start, or NULL. */
static const uint8_t *name_at(const uint8_t *p, size_t len, size_t *at)
{
	const uint8_t *n = p + *at;

	if (len - *at < 2 || n[0] > SM_NAME_HOSTBASED || n[1] == 0 ||
	    len - *at - 2 < n[1] || memchr(n + 2, 0, n[1]) != NULL)
		return NULL;
	*at += 2 + (size_t)n[1];
	return n;
}

static int same_name(const uint8_t *n, enum sm_name_kind kind, const char *text)
{
	return kind == (enum sm_name_kind)n[0] && strlen(text) == n[1] &&
	       memcmp(text, n + 2, n[1]) == 0;
}

/* The contents sealed by the harness: the box opens, so only the contents
 * decide, and an opened ticket holds exactly what was sealed. */
static void contents(const uint8_t *p, size_t len)
{
	enum sm_ticket_verdict v;
	const uint8_t *initiator = NULL, *acceptor = NULL;
	struct sm_ticket_contents c;
	size_t at = SECRET_BYTES + 2 * KEY_BYTES;
	int well_formed;

	v = fuzz_ticket_open_contents(p, len, &c);
	if (len >= at) {
		initiator = name_at(p, len, &at);
		acceptor = initiator != NULL ? name_at(p, len, &at) : NULL;
	}
	well_formed = acceptor != NULL && at == len;
	if (v != (well_formed ? SM_TICKET_OPENED : SM_TICKET_MALFORMED))
		fuzz_die("sealed contents of %zu bytes that are %s gave verdict %d", len,
			 well_formed ? "well-formed" : "malformed", (int)v);
	if (v == SM_TICKET_OPENED &&
	    (sodium_memcmp(c.secret, p, SECRET_BYTES) != 0 ||
	     memcmp(c.initiator_key, p + SECRET_BYTES, KEY_BYTES) != 0 ||
	     memcmp(c.acceptor_key, p + SECRET_BYTES + KEY_BYTES, KEY_BYTES) != 0 ||
	     !same_name(initiator, c.initiator_kind, c.initiator_name) ||
	     !same_name(acceptor, c.acceptor_kind, c.acceptor_name)))
		fuzz_die("an opened ticket holds other contents than were sealed");
	sm_ticket_contents_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t mark = fuzz_secmem_mark();

	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0: header(data + 1, size - 1); break;
	case 1: open_ticket(data + 1, size - 1); break;
	case 2: contents(data + 1, size - 1); break;
	case 3: fuzz_tickets_file(data + 1, size - 1, data[0] & 4); break;
	}
	fuzz_secmem_check(mark, "ticket");
	return 0;
}
