/*
 * Which local account an authenticated name may use (RFC 6680's
 * gss_localname and MIT's and Heimdal's authorize_localname), as the
 * administrator's localname setting says: none, the account of the same
 * name, or the local account map file.  Host-based and anonymous names
 * never map to an account.
 */
#ifndef SM_LOCALNAME_H
#define SM_LOCALNAME_H

#include <gssapi/gssapi.h>

#include "names.h"

/* The account `name` maps to (the first the map gives it). */
OM_uint32 sm_localname(OM_uint32 *minor, const struct sm_name *name, gss_buffer_t out)
	__attribute__((warn_unused_result));

/* GSS_S_COMPLETE when `name` may use the account `user` (a user name, of
 * type `user_type`), GSS_S_UNAUTHORIZED with a sentence when not. */
OM_uint32 sm_authorize_localname(OM_uint32 *minor, const struct sm_name *name,
				 const gss_buffer_desc *user, gss_const_OID user_type)
	__attribute__((warn_unused_result));

/* Read the whole local account map (its path to `path`, PATH_MAX), as
 * gss-sodium check does. */
OM_uint32 sm_localname_map_check(OM_uint32 *minor, char *path)
	__attribute__((warn_unused_result));

#endif
