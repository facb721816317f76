/*
 * Resumption tickets: what an acceptor gives an initiator after a full
 * handshake so that the next handshake between them can be a resumed one
 * (see context.c and doc/PROTOCOL.md section 5).  A ticket is sealed under
 * the sealing keyring, so every acceptor holding the keyring opens it, and
 * nobody else can read or change it.
 *
 * Ticket: a 52-byte header, then crypto_secretbox (XSalsa20-Poly1305) of the
 * contents under BLAKE2b-256 keyed with the keyring key, of the label
 * "gss-sodium ticket v2" and the whole header, with the header's nonce.
 *   header: magic "sodT" | u8 version 2 | u8 flags 0 | u16 0 | u32 key id |
 *           u64 created | u64 not-after | nonce (24)
 *   contents: resumption secret (32) | initiator's static key (32) |
 *             acceptor's static key (32) | initiator's name | acceptor's name
 *   name: u8 kind (0 user, 1 host-based service) | u8 length | text
 */
#ifndef SM_TICKET_H
#define SM_TICKET_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "keyfile.h"
#include "keyring.h"
#include "names.h"

#define SM_TICKET_MAGIC "sodT"
#define SM_TICKET_VERSION 2
#define SM_TICKET_NONCE_BYTES 24
#define SM_TICKET_HEADER_BYTES 52
#define SM_RESUMPTION_SECRET_BYTES 32
/* Header, the box's tag, three keys and two names of at most 255 bytes. */
#define SM_TICKET_MAX (SM_TICKET_HEADER_BYTES + 16 + 3 * 32 + 2 * (2 + SM_NAME_MAX))

struct sm_ticket_header {
	uint32_t key_id;
	uint64_t created, not_after;	/* Unix seconds */
	unsigned char nonce[SM_TICKET_NONCE_BYTES];
};

/* Check a ticket's shape and read its header; nothing is decrypted
 * (gss-sodium inspect and the initiator's ticket cache use this). */
OM_uint32 sm_ticket_header_parse(OM_uint32 *minor, const unsigned char *ticket, size_t len,
				 struct sm_ticket_header *h)
	__attribute__((warn_unused_result));

/* What a ticket holds, once opened. */
struct sm_ticket_contents {
	unsigned char *secret;		/* locked, SM_RESUMPTION_SECRET_BYTES */
	unsigned char initiator_key[SM_KEY_BYTES];
	unsigned char acceptor_key[SM_KEY_BYTES];
	enum sm_name_kind initiator_kind, acceptor_kind;
	char initiator_name[SM_NAME_MAX + 1];
	char acceptor_name[SM_NAME_MAX + 1];
	struct sm_ticket_header header;
};

/* Seal a ticket valid until `not_after` with keyring key `key`: out holds
 * SM_TICKET_MAX bytes.  The names must be a user or a service. */
OM_uint32 sm_ticket_seal(OM_uint32 *minor, const struct sm_seal_key *key, time_t now,
			 time_t not_after, const unsigned char *secret,
			 const unsigned char *initiator_key, const unsigned char *acceptor_key,
			 const struct sm_name *initiator_name, const struct sm_name *acceptor_name,
			 unsigned char *out, size_t *out_len)
	__attribute__((warn_unused_result));

/* Why a ticket was not opened; each is a reason to fall back to a full
 * handshake, never an error of the application's. */
enum sm_ticket_verdict {
	SM_TICKET_OPENED,
	SM_TICKET_MALFORMED,		/* not a ticket of this version */
	SM_TICKET_UNKNOWN_KEY,		/* key id not in the keyring, or retired */
	SM_TICKET_FORGED,		/* the box does not open */
	SM_TICKET_EXPIRED,		/* past its not-after */
	SM_TICKET_NO_MEMORY
};

/* Open a ticket with the keyring at `now`; on SM_TICKET_OPENED *out holds
 * its contents (release with sm_ticket_contents_clear). */
enum sm_ticket_verdict sm_ticket_open(const struct sm_keyring *ring, const unsigned char *ticket,
				      size_t len, time_t now, struct sm_ticket_contents *out);

void sm_ticket_contents_clear(struct sm_ticket_contents *c);

#endif
