/* The module's locks, taken around fork() (see locks.h). */
#include "config.h"

#include <pthread.h>

#include "locks.h"

static pthread_mutex_t locks[SM_LOCK_COUNT] = {
	[0 ... SM_LOCK_COUNT - 1] = PTHREAD_MUTEX_INITIALIZER
};
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;

static void take_all(void)
{
	int i;

	for (i = 0; i < SM_LOCK_COUNT; i++)
		pthread_mutex_lock(&locks[i]);
}

static void release_all(void)
{
	int i;

	for (i = SM_LOCK_COUNT - 1; i >= 0; i--)
		pthread_mutex_unlock(&locks[i]);
}

static void register_atfork(void)
{
	pthread_atfork(take_all, release_all, release_all);
}

void sm_lock_take(enum sm_lock lock)
{
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&locks[lock]);
}

void sm_lock_release(enum sm_lock lock)
{
	pthread_mutex_unlock(&locks[lock]);
}
