/*
 * Names.  Every name has one canonical string, the form the key files hold:
 * 'service@host' for a host-based service (host in lower case), 'alice' for
 * a user; an anonymous name has the empty string.
 */
#ifndef SM_NAMES_H
#define SM_NAMES_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#define SM_NAME_MAX 255

enum sm_name_kind { SM_NAME_USER, SM_NAME_HOSTBASED, SM_NAME_ANONYMOUS };

struct sm_name {
	enum sm_name_kind kind;
	char text[];		/* canonical string, NUL-terminated */
};

/* What gss_display_name() shows for an anonymous name. */
#define SM_ANONYMOUS_DISPLAY "<anonymous>"

/* Parse a canonical string: with an '@' it is a host-based service name,
 * without one a user name. */
OM_uint32 sm_name_from_canonical(OM_uint32 *minor, const char *text, size_t len,
				 struct sm_name **out)
	__attribute__((warn_unused_result));

/* gss_import_name(): user, host-based (both OIDs), anonymous, export name,
 * or GSS_C_NO_OID for the canonical string. */
OM_uint32 sm_name_import(OM_uint32 *minor, const gss_buffer_desc *buf,
			 gss_const_OID type, struct sm_name **out)
	__attribute__((warn_unused_result));

OM_uint32 sm_name_display(OM_uint32 *minor, const struct sm_name *name,
			  gss_buffer_t out, gss_OID *type)
	__attribute__((warn_unused_result));
/* The RFC 2743 section 3.2 exported name token. */
OM_uint32 sm_name_export(OM_uint32 *minor, const struct sm_name *name,
			 gss_buffer_t out)
	__attribute__((warn_unused_result));
/* RFC 2743: anonymous names never compare equal. */
int sm_name_equal(const struct sm_name *a, const struct sm_name *b);
OM_uint32 sm_name_duplicate(OM_uint32 *minor, const struct sm_name *in,
			    struct sm_name **out)
	__attribute__((warn_unused_result));
void sm_name_free(struct sm_name **name);

/* A name from a state this mechanism wrote and sealed: only the shape is
 * checked (kind, length, no NUL, '@' exactly for services), not the
 * characters again. */
OM_uint32 sm_name_restore(OM_uint32 *minor, enum sm_name_kind kind, const char *text,
			  size_t len, struct sm_name **out)
	__attribute__((warn_unused_result));

/* A new anonymous name. */
OM_uint32 sm_name_anonymous(OM_uint32 *minor, struct sm_name **out)
	__attribute__((warn_unused_result));

#endif
