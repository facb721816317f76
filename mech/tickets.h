/*
 * The initiator's resumption tickets, one per target name and initiator
 * key: in locked memory for the life of the process and, with
 * ticket_cache = file, in the user's ticket cache file as well, so that
 * the next process (another curl) resumes too.
 *
 * Losing a ticket costs one full handshake, never a failure: every problem
 * with the file (missing directory, full disk, a malformed line, a mode
 * that lets others read it) is written to the trace and the handshake goes
 * on without it.  No lock is held across a handshake; two processes
 * storing at once may keep only one's ticket.
 */
#ifndef SM_TICKETS_H
#define SM_TICKETS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "keyfile.h"
#include "ticket.h"

/* Tickets kept in memory at once; the one that expires first goes. */
#define SM_TICKETS_MAX 64
/* Lines the ticket cache file keeps (about 500 KiB, below the 1 MiB any
 * file may have); the oldest go first. */
#define SM_TICKETS_FILE_MAX 512

/* A ticket taken out of the store for one handshake. */
struct sm_held_ticket {
	unsigned char *secret;		/* locked, SM_RESUMPTION_SECRET_BYTES */
	unsigned char ticket[SM_TICKET_MAX];
	size_t ticket_len;
	uint64_t not_after;
};

/*
 * The ticket to use for `target` (a canonical name) as the initiator with
 * public key `initiator_key`, when the peers file now gives the target the
 * key `peer_key`: 1 with *out filled, or 0 with *why saying why none.  A
 * ticket obtained under another peer key, or expired, is dropped.
 */
int sm_tickets_find(const char *target, const unsigned char *initiator_key,
		    const unsigned char *peer_key, time_t now, struct sm_held_ticket *out,
		    const char **why);

/* Keep a new ticket, replacing the one held for the same target and key. */
void sm_tickets_keep(const char *target, const unsigned char *initiator_key,
		     const unsigned char *peer_key, const unsigned char *secret,
		     const unsigned char *ticket, size_t ticket_len, uint64_t not_after);

/* Drop the ticket for target and key (the acceptor refused it). */
void sm_tickets_forget(const char *target, const unsigned char *initiator_key);

void sm_held_ticket_clear(struct sm_held_ticket *t);

/* For tests: drop every ticket held in memory (not the file's). */
void sm_tickets_clear_memory(void);

#endif
