/* The mechanism's wall clock (see clock.h). */
#include "config.h"

#include "clock.h"

static time_t shift;

time_t sm_clock_now(void)
{
	return time(NULL) + __atomic_load_n(&shift, __ATOMIC_RELAXED);
}

void sm_clock_shift(time_t seconds)
{
	__atomic_add_fetch(&shift, seconds, __ATOMIC_RELAXED);
}
