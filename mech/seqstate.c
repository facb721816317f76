/* The receive window for replay and order detection. */
#include "config.h"

#include "seqstate.h"

void sm_seqstate_init(struct sm_seqstate *st, uint64_t first, int detect_replay,
		      int detect_order)
{
	st->next = first;
	st->seen = 0;
	st->detect_replay = detect_replay;
	st->detect_order = detect_order;
}

OM_uint32 sm_seqstate_check(struct sm_seqstate *st, uint64_t seq)
{
	uint64_t age, jump;

	if (!st->detect_replay && !st->detect_order)
		return GSS_S_COMPLETE;
	if (seq >= st->next) {
		/* The expected token, or a later one: slide the window. */
		jump = seq - st->next + 1;
		st->seen = jump >= SM_SEQ_WINDOW ? 0 : st->seen << jump;
		st->seen |= 1;
		st->next = seq + 1;
		return jump > 1 && st->detect_order ? GSS_S_GAP_TOKEN : GSS_S_COMPLETE;
	}
	age = st->next - 1 - seq;
	if (age >= SM_SEQ_WINDOW) {
		/* Too old to tell whether it was seen before. */
		return st->detect_replay ? GSS_S_OLD_TOKEN : GSS_S_UNSEQ_TOKEN;
	}
	if (st->seen & ((uint64_t)1 << age))
		return st->detect_replay ? GSS_S_DUPLICATE_TOKEN : GSS_S_UNSEQ_TOKEN;
	st->seen |= (uint64_t)1 << age;
	return st->detect_order ? GSS_S_UNSEQ_TOKEN : GSS_S_COMPLETE;
}
