/* The sequence window, as tables of (received number, expected status). */
#include "config.h"

#include "seqstate.h"
#include "unit.h"

struct step {
	uint64_t seq;
	OM_uint32 status;
};

#define OK GSS_S_COMPLETE
#define DUP GSS_S_DUPLICATE_TOKEN
#define OLD GSS_S_OLD_TOKEN
#define UNSEQ GSS_S_UNSEQ_TOKEN
#define GAP GSS_S_GAP_TOKEN

static const struct table {
	const char *what;
	int replay, order;
	struct step steps[12];
	int count;
} tables[] = {
	{ "no detection accepts anything", 0, 0,
	  { { 0, OK }, { 0, OK }, { 5, OK }, { 1, OK } }, 4 },
	{ "replay: in order", 1, 0,
	  { { 0, OK }, { 1, OK }, { 2, OK } }, 3 },
	{ "replay: duplicates are reported, late ones accepted", 1, 0,
	  { { 0, OK }, { 1, OK }, { 1, DUP }, { 0, DUP }, { 5, OK }, { 3, OK }, { 3, DUP } }, 7 },
	{ "replay: older than the window", 1, 0,
	  { { 0, OK }, { 100, OK }, { 37, OK }, { 37, DUP }, { 36, OLD } }, 5 },
	{ "sequence: gaps and late tokens", 0, 1,
	  { { 0, OK }, { 2, GAP }, { 1, UNSEQ }, { 1, UNSEQ }, { 3, OK } }, 5 },
	{ "sequence: too old is out of sequence", 0, 1,
	  { { 0, OK }, { 200, GAP }, { 10, UNSEQ } }, 3 },
	{ "both: duplicate beats out-of-sequence", 1, 1,
	  { { 0, OK }, { 1, OK }, { 3, GAP }, { 2, UNSEQ }, { 2, DUP }, { 0, DUP }, { 4, OK } }, 7 },
	{ "both: a first token after zero is a gap", 1, 1,
	  { { 7, GAP }, { 8, OK } }, 2 },
	{ "window edge: exactly 63 back is checked, 64 back is old", 1, 0,
	  { { 0, OK }, { 64, OK }, { 1, OK }, { 1, DUP }, { 0, OLD } }, 5 },
	{ "a jump of the whole window clears it", 1, 0,
	  { { 0, OK }, { 1000, OK }, { 999, OK }, { 937, OK }, { 936, OLD } }, 5 },
};

START_TEST(window_table)
{
	const struct table *t = &tables[_i];
	struct sm_seqstate st;
	int i;

	sm_seqstate_init(&st, 0, t->replay, t->order);
	for (i = 0; i < t->count; i++)
		ck_assert_msg(sm_seqstate_check(&st, t->steps[i].seq) == t->steps[i].status,
			      "%s: step %d (seq %llu) expected 0x%x", t->what, i,
			      (unsigned long long)t->steps[i].seq, t->steps[i].status);
}
END_TEST

START_TEST(continues_from_a_saved_state)
{
	struct sm_seqstate st;

	sm_seqstate_init(&st, 0, 1, 1);
	ck_assert_int_eq(sm_seqstate_check(&st, 0), OK);
	ck_assert_int_eq(sm_seqstate_check(&st, 1), OK);
	/* A copy (as an exported context carries) detects the same replays. */
	{
		struct sm_seqstate copy = st;

		ck_assert_int_eq(sm_seqstate_check(&copy, 1), DUP);
		ck_assert_int_eq(sm_seqstate_check(&copy, 2), OK);
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("seqstate");
	TCase *t = tcase_create("seqstate");

	tcase_add_loop_test(t, window_table, 0, sizeof(tables) / sizeof(tables[0]));
	tcase_add_test(t, continues_from_a_saved_state);
	suite_add_tcase(s, t);
	return s;
}
