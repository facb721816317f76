/* One-time initialisation of the mechanism in a process. */
#ifndef SM_INIT_H
#define SM_INIT_H

#include <gssapi/gssapi.h>

#include "settings.h"

/*
 * Initialise libsodium, tracing and the settings, once per process.  When
 * that failed (a bad settings file), every call returns the same error.
 */
OM_uint32 sm_init(OM_uint32 *minor)
	__attribute__((warn_unused_result));

/* The process's settings; valid after sm_init() succeeded. */
const struct sm_settings *sm_current_settings(void);

#endif
