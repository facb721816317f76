/*
 * For the programs linked with a system GSS-API library (MIT's, or
 * Heimdal's with PROBE_HEIMDAL): which one, and the OIDs they use.  The two
 * libraries export different symbols for the standard name types, so the
 * programs carry their own copies.
 */
#ifndef GLUE_H
#define GLUE_H

#include <gssapi/gssapi.h>

#include "gssapi/gssapi_sodium.h"

#ifdef PROBE_HEIMDAL
#define GLUE "Heimdal"
#else
#define GLUE "MIT"
#endif

static gss_OID_desc mech = { GSS_SODIUM_MECH_OID_DER_LENGTH,
			     (void *)GSS_SODIUM_MECH_OID_DER };
static gss_OID_desc nt_hostbased __attribute__((unused)) = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04" };

#endif
