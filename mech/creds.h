/*
 * Credentials: an initiator identity (one private key, or none when
 * anonymous), the acceptor keys from the keytab, and the trusted peers.
 */
#ifndef SM_CREDS_H
#define SM_CREDS_H

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "keyfile.h"
#include "names.h"

struct sm_cred {
	gss_cred_usage_t usage;
	/* The identity's name for an initiator, the requested name for a
	 * named acceptor; NULL for a default acceptor, which accepts with
	 * every keytab key. */
	struct sm_name *name;
	struct sm_keys initiator;	/* the identity; empty when anonymous */
	struct sm_keys acceptor;	/* keys to accept with */
	char *keytab;			/* their file, whose handshake replay
					 * cache the acceptor records in */
	struct sm_keys peers;		/* trusted public keys */
};

/* Files named in a credential store; NULL means environment or default. */
struct sm_cred_files {
	const char *keytab, *identity, *peers;
};

/* The files a gss_acquire_cred_from() store names.  Keys of other
 * mechanisms are ignored, as one store may serve several mechanisms. */
OM_uint32 sm_cred_files_from_store(OM_uint32 *minor,
				   gss_const_key_value_set_t store,
				   struct sm_cred_files *files)
	__attribute__((warn_unused_result));

OM_uint32 sm_cred_acquire(OM_uint32 *minor, const struct sm_name *desired,
			  gss_cred_usage_t usage, const struct sm_cred_files *files,
			  struct sm_cred **out)
	__attribute__((warn_unused_result));

/* The credential's name (a copy, or NULL for a default acceptor), usage
 * and lifetime (always GSS_C_INDEFINITE: keys do not expire). */
OM_uint32 sm_cred_inquire(OM_uint32 *minor, const struct sm_cred *cred,
			  struct sm_name **name, OM_uint32 *lifetime,
			  gss_cred_usage_t *usage)
	__attribute__((warn_unused_result));

/* gss_add_cred(): a new credential that holds `base` (if any) widened by
 * `usage` for `desired` (or base's name). */
OM_uint32 sm_cred_add(OM_uint32 *minor, const struct sm_cred *base,
		      const struct sm_name *desired, gss_cred_usage_t usage,
		      struct sm_cred **out)
	__attribute__((warn_unused_result));

void sm_cred_free(struct sm_cred **cred);

#endif
