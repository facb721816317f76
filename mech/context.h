/*
 * Security contexts: establishment (one round trip of a Noise IK or NK
 * handshake, or of a resumed NNpsk0 handshake with a ticket, which takes a
 * second round trip when the acceptor refuses the ticket), inquiry,
 * lifetime and deletion.
 */
#ifndef SM_CONTEXT_H
#define SM_CONTEXT_H

#include <stdint.h>
#include <time.h>
#include <gssapi/gssapi.h>

#include "creds.h"
#include "names.h"
#include "noise.h"
#include "seqstate.h"

/* Layout of the locked key slot of an open context. */
#define SM_KEY_SEND 0
#define SM_KEY_RECV 32
#define SM_KEY_PRF 64
#define SM_CONTEXT_KEYS 96

/* Random bytes of each instance of a context (made by establishment or by
 * an import) that its outgoing nonces carry: two instances of one context
 * never share a (key, nonce) pair. */
#define SM_CONTEXT_INSTANCE_BYTES 16

/* Flags every open context has, the detection flags the initiator
 * chooses, and all an open context can hold. */
#define SM_FLAGS_ALWAYS (GSS_C_MUTUAL_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG | \
			 GSS_C_TRANS_FLAG)
#define SM_FLAGS_CHOSEN (GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG)
#define SM_FLAGS_OPEN_ALL (SM_FLAGS_ALWAYS | SM_FLAGS_CHOSEN | GSS_C_ANON_FLAG | \
			   GSS_C_PROT_READY_FLAG)

/* Expiry times past this (about the year 36800) are malformed. */
#define SM_TIME_MAX ((time_t)1 << 40)

enum sm_context_state {
	SM_CTX_AWAITING_REPLY,	/* initiator: token 1 sent, token 2 awaited */
	SM_CTX_AWAITING_FULL,	/* acceptor: ticket refused, full token 1 awaited */
	SM_CTX_OPEN,		/* established */
	SM_CTX_FAILED		/* establishment failed; only deletion remains */
};

struct sm_context {
	enum sm_context_state state;
	int initiator;			/* locally initiated */
	OM_uint32 flags;		/* granted (requested while establishing) */
	OM_uint32 time_req;		/* initiator's request, while establishing */
	time_t expires;			/* absolute, wall clock */
	struct sm_name *initiator_name;	/* anonymous for NK */
	struct sm_name *acceptor_name;
	struct sm_noise_handshake handshake;	/* while establishing */
	/* The initiator's, while establishing: a resumed token 1 was sent,
	 * a ticket was asked for, and the public keys the ticket is kept
	 * under (its own, and the target's from the peers file). */
	int resuming;
	int wants_ticket;
	unsigned char initiator_key[SM_KEY_BYTES];
	unsigned char peer_key[SM_KEY_BYTES];
	unsigned char *keys;		/* locked; send, receive, PRF keys */
	uint64_t send_seq;		/* next sequence number to send */
	unsigned char instance[SM_CONTEXT_INSTANCE_BYTES];
	struct sm_seqstate recv;	/* window of received numbers */
};

OM_uint32 sm_context_initiate(OM_uint32 *minor, struct sm_cred *cred,
			      struct sm_context **context,
			      const struct sm_name *target, OM_uint32 req_flags,
			      OM_uint32 time_req, gss_channel_bindings_t bindings,
			      const gss_buffer_desc *input, gss_buffer_t output,
			      OM_uint32 *ret_flags, OM_uint32 *time_rec)
	__attribute__((warn_unused_result));

OM_uint32 sm_context_accept(OM_uint32 *minor, struct sm_cred *cred,
			    struct sm_context **context,
			    const gss_buffer_desc *input,
			    gss_channel_bindings_t bindings,
			    struct sm_name **src_name, gss_buffer_t output,
			    OM_uint32 *ret_flags, OM_uint32 *time_rec)
	__attribute__((warn_unused_result));

/* Seconds left (0 once expired), and GSS_S_CONTEXT_EXPIRED then. */
OM_uint32 sm_context_time(OM_uint32 *minor, const struct sm_context *ctx,
			  OM_uint32 *time_rec)
	__attribute__((warn_unused_result));

/* GSS_S_COMPLETE when the context is open and not expired; else the
 * status a per-message call must return. */
OM_uint32 sm_context_usable(OM_uint32 *minor, const struct sm_context *ctx,
			    const char *call)
	__attribute__((warn_unused_result));

OM_uint32 sm_context_inquire(OM_uint32 *minor, const struct sm_context *ctx,
			     struct sm_name **src_name, struct sm_name **targ_name,
			     OM_uint32 *lifetime, OM_uint32 *flags,
			     int *locally_initiated, int *open)
	__attribute__((warn_unused_result));

/* An empty context (all fields zero), or NULL when memory is short. */
struct sm_context *sm_context_new(void);

/* Wipe all keys and free the context; NULL is ignored. */
void sm_context_free(struct sm_context **context);

#endif
