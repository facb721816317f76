/* Resumption tickets (see ticket.h for the format). */
#include "config.h"

#include <string.h>

#include <sodium.h>

#include "buf.h"
#include "secmem.h"
#include "status.h"
#include "ticket.h"

#define CONTENTS_MAX (SM_TICKET_MAX - SM_TICKET_HEADER_BYTES - crypto_secretbox_MACBYTES)

_Static_assert(SM_TICKET_HEADER_BYTES == 4 + 1 + 1 + 2 + 4 + 8 + 8 + SM_TICKET_NONCE_BYTES,
	       "the header's fields fill it");
_Static_assert(CONTENTS_MAX <= 1024, "a ticket's contents fit one large locked slot");

static OM_uint32 bad_ticket(OM_uint32 *minor, const char *why)
{
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
		       "the resumption ticket %s", why);
}

OM_uint32 sm_ticket_header_parse(OM_uint32 *minor, const unsigned char *ticket, size_t len,
				 struct sm_ticket_header *h)
{
	const unsigned char *magic, *nonce;
	uint8_t version, flags;
	uint16_t reserved;
	struct sm_reader r;

	sm_reader_init(&r, ticket, len);
	magic = sm_read_bytes(&r, 4);
	if (magic == NULL || memcmp(magic, SM_TICKET_MAGIC, 4) != 0)
		return bad_ticket(minor, "is not a gss-sodium ticket (no 'sodT' magic)");
	version = sm_read_u8(&r);
	flags = sm_read_u8(&r);
	reserved = sm_read_u16be(&r);
	h->key_id = sm_read_u32be(&r);
	h->created = sm_read_u64be(&r);
	h->not_after = sm_read_u64be(&r);
	nonce = sm_read_bytes(&r, SM_TICKET_NONCE_BYTES);
	if (nonce == NULL)
		return bad_ticket(minor, "is shorter than its header");
	if (version != SM_TICKET_VERSION)
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_VERSION,
			       "the resumption ticket has format version %u; this mechanism reads version %u",
			       version, SM_TICKET_VERSION);
	if (flags != 0 || reserved != 0)
		return bad_ticket(minor, "has header bits this version does not define");
	if (r.left < crypto_secretbox_MACBYTES || len > SM_TICKET_MAX)
		return bad_ticket(minor, "has a sealed part of impossible length");
	memcpy(h->nonce, nonce, SM_TICKET_NONCE_BYTES);
	return sm_ok(minor);
}

static void write_name(struct sm_writer *w, const struct sm_name *n)
{
	size_t len = strlen(n->text);

	sm_write_u8(w, (uint8_t)n->kind);
	sm_write_u8(w, (uint8_t)len);
	sm_write_bytes(w, n->text, len);
}

OM_uint32 sm_ticket_seal(OM_uint32 *minor, const struct sm_seal_key *key, time_t now,
			 time_t not_after, const unsigned char *secret,
			 const unsigned char *initiator_key, const unsigned char *acceptor_key,
			 const struct sm_name *initiator_name, const struct sm_name *acceptor_name,
			 unsigned char *out, size_t *out_len)
{
	unsigned char nonce[SM_TICKET_NONCE_BYTES], k[crypto_secretbox_KEYBYTES], *contents;
	struct sm_writer w, c;

	randombytes_buf(nonce, sizeof(nonce));
	sm_writer_init_fixed(&w, out, SM_TICKET_HEADER_BYTES);
	sm_write_bytes(&w, SM_TICKET_MAGIC, 4);
	sm_write_u8(&w, SM_TICKET_VERSION);
	sm_write_u8(&w, 0);
	sm_write_u16be(&w, 0);
	sm_write_u32be(&w, key->id);
	sm_write_u64be(&w, (uint64_t)now);
	sm_write_u64be(&w, (uint64_t)not_after);
	sm_write_bytes(&w, nonce, sizeof(nonce));

	/* The contents hold the resumption secret: built in locked memory. */
	contents = sm_secmem_alloc(CONTENTS_MAX);
	if (contents == NULL)
		return sm_no_memory(minor);
	sm_writer_init_fixed(&c, contents, CONTENTS_MAX);
	sm_write_bytes(&c, secret, SM_RESUMPTION_SECRET_BYTES);
	sm_write_bytes(&c, initiator_key, SM_KEY_BYTES);
	sm_write_bytes(&c, acceptor_key, SM_KEY_BYTES);
	write_name(&c, initiator_name);
	write_name(&c, acceptor_name);
	if (!sm_writer_full(&w) || c.failed) {
		sm_secmem_free(contents);
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_BAD_TOKEN,
			       "a resumption ticket could not be written");
	}
	sm_seal_key_for_header(key, SM_SEAL_TICKET, out, SM_TICKET_HEADER_BYTES, k);
	crypto_secretbox_easy(out + SM_TICKET_HEADER_BYTES, contents, c.len, nonce, k);
	sodium_memzero(k, sizeof(k));
	sm_secmem_free(contents);
	*out_len = SM_TICKET_HEADER_BYTES + crypto_secretbox_MACBYTES + c.len;
	return sm_ok(minor);
}

/* A name as sealed: a user or a service, whose text has no NUL. */
static int read_name(struct sm_reader *r, enum sm_name_kind *kind, char *text)
{
	uint8_t k = sm_read_u8(r), len = sm_read_u8(r);
	const unsigned char *bytes = sm_read_bytes(r, len);

	if (bytes == NULL || len == 0 || k > SM_NAME_HOSTBASED || memchr(bytes, 0, len) != NULL)
		return 0;
	*kind = (enum sm_name_kind)k;
	memcpy(text, bytes, len);
	text[len] = '\0';
	return 1;
}

static enum sm_ticket_verdict read_contents(const unsigned char *contents, size_t len,
					    struct sm_ticket_contents *out)
{
	const unsigned char *secret, *initiator_key, *acceptor_key;
	struct sm_reader r;

	sm_reader_init(&r, contents, len);
	secret = sm_read_bytes(&r, SM_RESUMPTION_SECRET_BYTES);
	initiator_key = sm_read_bytes(&r, SM_KEY_BYTES);
	acceptor_key = sm_read_bytes(&r, SM_KEY_BYTES);
	/* Sealed by this mechanism, so only the shape is checked. */
	if (acceptor_key == NULL ||
	    !read_name(&r, &out->initiator_kind, out->initiator_name) ||
	    !read_name(&r, &out->acceptor_kind, out->acceptor_name) || !sm_reader_done(&r))
		return SM_TICKET_MALFORMED;
	out->secret = sm_secmem_alloc(SM_RESUMPTION_SECRET_BYTES);
	if (out->secret == NULL)
		return SM_TICKET_NO_MEMORY;
	memcpy(out->secret, secret, SM_RESUMPTION_SECRET_BYTES);
	memcpy(out->initiator_key, initiator_key, SM_KEY_BYTES);
	memcpy(out->acceptor_key, acceptor_key, SM_KEY_BYTES);
	return SM_TICKET_OPENED;
}

enum sm_ticket_verdict sm_ticket_open(const struct sm_keyring *ring, const unsigned char *ticket,
				      size_t len, time_t now, struct sm_ticket_contents *out)
{
	unsigned char k[crypto_secretbox_KEYBYTES], *contents;
	const struct sm_seal_key *key;
	enum sm_ticket_verdict verdict;
	size_t sealed_len;
	OM_uint32 minor;

	memset(out, 0, sizeof(*out));
	/* A malformed ticket is a reason to fall back, not a failure: its
	 * sentence is not kept. */
	if (GSS_ERROR(sm_ticket_header_parse(&minor, ticket, len, &out->header)))
		return SM_TICKET_MALFORMED;
	key = sm_keyring_find(ring, out->header.key_id);
	if (key == NULL || key->retired)
		return SM_TICKET_UNKNOWN_KEY;
	sealed_len = len - SM_TICKET_HEADER_BYTES;
	contents = sm_secmem_alloc(CONTENTS_MAX);
	if (contents == NULL)
		return SM_TICKET_NO_MEMORY;
	sm_seal_key_for_header(key, SM_SEAL_TICKET, ticket, SM_TICKET_HEADER_BYTES, k);
	if (crypto_secretbox_open_easy(contents, ticket + SM_TICKET_HEADER_BYTES, sealed_len,
				       out->header.nonce, k) != 0)
		verdict = SM_TICKET_FORGED;
	else if ((uint64_t)now > out->header.not_after)
		verdict = SM_TICKET_EXPIRED;
	else
		verdict = read_contents(contents, sealed_len - crypto_secretbox_MACBYTES, out);
	sodium_memzero(k, sizeof(k));
	sm_secmem_free(contents);
	if (verdict != SM_TICKET_OPENED) {
		/* The header stays, for the sentence that says why. */
		struct sm_ticket_header h = out->header;

		sm_ticket_contents_clear(out);
		out->header = h;
	}
	return verdict;
}

void sm_ticket_contents_clear(struct sm_ticket_contents *c)
{
	sm_secmem_free(c->secret);
	sodium_memzero(c, sizeof(*c));
}
