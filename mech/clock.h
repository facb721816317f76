/*
 * The wall clock that every time check of the mechanism reads: context
 * expiry, the initiator's time in token 1, an exported token's times.  One
 * place, so that the unit tests move the clock instead of sleeping; the
 * module exports none of it.
 */
#ifndef SM_CLOCK_H
#define SM_CLOCK_H

#include <time.h>

/* Unix seconds, as time(NULL), plus any shift. */
time_t sm_clock_now(void);

/* Move the clock by `seconds` (negative: back), for the calling process. */
void sm_clock_shift(time_t seconds);

#endif
