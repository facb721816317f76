/*
 * Replay and order detection for received per-message tokens, with the
 * semantics of RFC 2743 section 1.2.3 and RFC 4121: a window of the last
 * 64 sequence numbers.  Sequence numbers are 64 bits and never wrap.
 */
#ifndef SM_SEQSTATE_H
#define SM_SEQSTATE_H

#include <stdint.h>
#include <gssapi/gssapi.h>

#define SM_SEQ_WINDOW 64

struct sm_seqstate {
	uint64_t next;		/* the sequence number expected next */
	uint64_t seen;		/* bit i: next - 1 - i has been received */
	int detect_replay;	/* GSS_C_REPLAY_FLAG */
	int detect_order;	/* GSS_C_SEQUENCE_FLAG */
};

void sm_seqstate_init(struct sm_seqstate *st, uint64_t first, int detect_replay,
		      int detect_order);

/*
 * Record an authenticated token's sequence number and classify it:
 * GSS_S_COMPLETE, or the supplementary status GSS_S_DUPLICATE_TOKEN,
 * GSS_S_OLD_TOKEN, GSS_S_UNSEQ_TOKEN or GSS_S_GAP_TOKEN, as the flags ask.
 */
OM_uint32 sm_seqstate_check(struct sm_seqstate *st, uint64_t seq)
	__attribute__((warn_unused_result));

#endif
