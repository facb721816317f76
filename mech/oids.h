/* The object identifiers the mechanism knows, and OID set helpers. */
#ifndef SM_OIDS_H
#define SM_OIDS_H

#include <gssapi/gssapi.h>

#include "gssapi/gssapi_sodium.h"

/* The longest mechanism OID (DER contents octets) configure accepts:
 * tokens and exported names give its length in one byte (DER's short form,
 * below 128), and fixed buffers hold it. */
#define SM_MECH_OID_MAX 64
_Static_assert(GSS_SODIUM_MECH_OID_DER_LENGTH <= SM_MECH_OID_MAX,
	       "configure refuses longer mechanism OIDs");

/* Our own copies: the module must not reference the GSS library's. */
extern gss_OID_desc sm_mech_oid;
extern gss_OID_desc sm_nt_user_name;
extern gss_OID_desc sm_nt_hostbased_service;
extern gss_OID_desc sm_nt_hostbased_service_x;
extern gss_OID_desc sm_nt_anonymous;
extern gss_OID_desc sm_nt_export_name;

int sm_oid_equal(gss_const_OID a, gss_const_OID b);

/* True when `oid` is one of the static OIDs above (never to be freed). */
int sm_oid_is_static(gss_const_OID oid);

/* True when `set` is empty/absent or contains our mechanism. */
int sm_oid_set_allows_mech(const gss_OID_set_desc *set);

/* A malloc()ed set holding copies of `oids`, which the mechglue can release
 * with gss_release_oid_set(). */
OM_uint32 sm_oid_set_from(OM_uint32 *minor, gss_OID const *oids, size_t n,
			  gss_OID_set *out)
	__attribute__((warn_unused_result));

/* The name types gss_inquire_names_for_mech() reports. */
OM_uint32 sm_oid_set_name_types(OM_uint32 *minor, gss_OID_set *out)
	__attribute__((warn_unused_result));

/* RFC 5587 attributes: the ones the mechanism has, given whether the
 * settings admit anonymous initiators, and the ones it knows. */
OM_uint32 sm_oid_set_mech_attrs(OM_uint32 *minor, int anonymous_admitted,
				gss_OID_set *attrs, gss_OID_set *known)
	__attribute__((warn_unused_result));

/* RFC 5801 section 3.1: the SASL name (computed by configure), the short
 * name and a description, each into a buffer that may be NULL. */
OM_uint32 sm_mech_saslname(OM_uint32 *minor, gss_buffer_t sasl_name,
			   gss_buffer_t mech_name, gss_buffer_t description)
	__attribute__((warn_unused_result));

/* Is `sasl_name` this mechanism's SASL name? */
int sm_mech_has_saslname(const gss_buffer_desc *sasl_name);

/* Release a set made by sm_oid_set_from(). */
void sm_oid_set_free(gss_OID_set *set);

#endif
