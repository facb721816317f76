/* One-time initialisation: libsodium, tracing, settings. */
#include "config.h"

#include <limits.h>
#include <pthread.h>

#include <sodium.h>

#include "init.h"
#include "status.h"
#include "trace.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
/* Read once per process, not kept by the rule of filecache.h for the key
 * files: sodium.conf(5) promises that a change takes effect in processes
 * started afterwards, the settings are handed out as a pointer that is
 * never given back, and a context's lifetime and the replay cache it
 * uses (rcache_dir, rcache_max_size) must not change under it. */
static struct sm_settings process_settings;
/* The outcome of initialisation, replayed to every later caller. */
static OM_uint32 init_major, init_code;
static char init_sentence[1024];

static void initialise(void)
{
	char path[PATH_MAX];
	OM_uint32 minor;

	sm_trace_open();
	if (sodium_init() < 0) {
		init_major = sm_fail(&minor, GSS_S_FAILURE, GSS_SODIUM_S_LIBRARY_INIT,
				     "libsodium could not be initialised");
	} else {
		init_major = sm_settings_load(&minor, &process_settings, path);
		if (!GSS_ERROR(init_major))
			sm_trace("settings: %s", path[0] ? path : "defaults (no settings file)");
	}
	if (GSS_ERROR(init_major)) {
		sm_status_save(&init_code, init_sentence, sizeof(init_sentence));
		sm_trace("initialisation failed: %s", init_sentence);
	}
}

OM_uint32 sm_init(OM_uint32 *minor)
{
	pthread_once(&init_once, initialise);
	if (GSS_ERROR(init_major))
		return sm_status_replay(minor, init_major, init_code, init_sentence);
	return sm_ok(minor);
}

const struct sm_settings *sm_current_settings(void)
{
	return &process_settings;
}
