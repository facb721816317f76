/*
 * The exported GSS-API entry points the mechglue calls.  Each is a thin
 * layer over the internal functions of the module: it converts handles,
 * makes sure the mechanism is initialised, and fills optional outputs.
 * Nothing in the module calls these names: inside a process that has a
 * GSS library loaded they may bind to the mechglue's functions instead.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "context.h"
#include "creds.h"
#include "export.h"
#include "init.h"
#include "localname.h"
#include "message.h"
#include "names.h"
#include "oids.h"
#include "status.h"

#define NAME(h) ((struct sm_name *)(h))
#define CRED(h) ((struct sm_cred *)(h))
#define CONTEXT(h) ((struct sm_context *)(h))

/* MIT's mechglue asks each mechanism whether it owns an OID before
 * freeing it; no header declares this entry point. */
OM_uint32 gss_internal_release_oid(OM_uint32 *minor, gss_OID *oid);
/* Looked up by both mechglues; no public header declares it either. */
OM_uint32 gssspi_authorize_localname(OM_uint32 *minor, const gss_name_t name,
				     gss_const_buffer_t user, gss_const_OID user_type);

static void clear_buffer(gss_buffer_t b)
{
	if (b != GSS_C_NO_BUFFER) {
		b->length = 0;
		b->value = NULL;
	}
}

static OM_uint32 mech_set(OM_uint32 *minor, gss_OID_set *out)
{
	gss_OID mech = &sm_mech_oid;

	if (out == NULL)
		return sm_ok(minor);
	return sm_oid_set_from(minor, &mech, 1, out);
}

/* ---- names ---------------------------------------------------------- */

OM_uint32 gss_import_name(OM_uint32 *minor, gss_buffer_t input, gss_OID type,
			  gss_name_t *output)
{
	struct sm_name *name = NULL;
	OM_uint32 major;

	if (output == NULL)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE,
			       GSS_SODIUM_S_BAD_NAME_SYNTAX, "no place to store the name");
	major = sm_name_import(minor, input, type, &name);
	*output = (gss_name_t)name;
	return major;
}

OM_uint32 gss_display_name(OM_uint32 *minor, gss_name_t name, gss_buffer_t output,
			   gss_OID *type)
{
	if (name == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to display");
	return sm_name_display(minor, NAME(name), output, type);
}

OM_uint32 gss_compare_name(OM_uint32 *minor, gss_name_t a, gss_name_t b,
			   int *equal)
{
	if (a == GSS_C_NO_NAME || b == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to compare");
	*equal = sm_name_equal(NAME(a), NAME(b));
	return sm_ok(minor);
}

/* Names are canonical from the moment they are imported, so both
 * canonicalizing and duplicating make a copy. */
static OM_uint32 copy_name(OM_uint32 *minor, const gss_name_t input,
			   gss_name_t *output)
{
	struct sm_name *name = NULL;
	OM_uint32 major;

	if (input == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to copy or canonicalize");
	major = sm_name_duplicate(minor, NAME(input), &name);
	*output = (gss_name_t)name;
	return major;
}

OM_uint32 gss_canonicalize_name(OM_uint32 *minor, const gss_name_t input,
				const gss_OID mech, gss_name_t *output)
{
	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	return copy_name(minor, input, output);
}

OM_uint32 gss_duplicate_name(OM_uint32 *minor, const gss_name_t input,
			     gss_name_t *output)
{
	return copy_name(minor, input, output);
}

OM_uint32 gss_export_name(OM_uint32 *minor, const gss_name_t name,
			  gss_buffer_t output)
{
	clear_buffer(output);
	if (name == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to export");
	return sm_name_export(minor, NAME(name), output);
}

OM_uint32 gss_release_name(OM_uint32 *minor, gss_name_t *name)
{
	struct sm_name *n;

	if (name == NULL)
		return sm_ok(minor);
	n = NAME(*name);
	sm_name_free(&n);
	*name = GSS_C_NO_NAME;
	return sm_ok(minor);
}

OM_uint32 gss_localname(OM_uint32 *minor, const gss_name_t name,
			gss_const_OID mech, gss_buffer_t output)
{
	clear_buffer(output);
	if (name == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to map to a local account");
	if (output == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE,
			       GSS_SODIUM_S_BAD_ARGUMENT, "no buffer was given for the local name");
	return sm_localname(minor, NAME(name), output);
}

/* MIT and Heimdal look this SPI up under the gssspi_ prefix.  Without it
 * both would fall back to comparing the names, granting 'alice' the local
 * account alice whatever the settings say. */
OM_uint32 gssspi_authorize_localname(OM_uint32 *minor, const gss_name_t name,
				     gss_const_buffer_t user, gss_const_OID user_type)
{
	if (name == GSS_C_NO_NAME || user == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_READ,
			       GSS_SODIUM_S_BAD_ARGUMENT,
			       "no name or no local account was given to authorize");
	return sm_authorize_localname(minor, NAME(name), user, user_type);
}

/* RFC 6680: our names are mechanism names and carry no attributes. */
OM_uint32 gss_inquire_name(OM_uint32 *minor, gss_name_t name, int *name_is_MN,
			   gss_OID *MN_mech, gss_buffer_set_t *attrs)
{
	if (name == GSS_C_NO_NAME)
		return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
			       "no name was given to inquire");
	if (name_is_MN != NULL)
		*name_is_MN = 1;
	if (MN_mech != NULL)
		*MN_mech = &sm_mech_oid;
	if (attrs != NULL)
		*attrs = GSS_C_NO_BUFFER_SET;
	return sm_ok(minor);
}

OM_uint32 gss_inquire_names_for_mech(OM_uint32 *minor, gss_OID mech,
				     gss_OID_set *name_types)
{
	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	return sm_oid_set_name_types(minor, name_types);
}

OM_uint32 gss_inquire_mechs_for_name(OM_uint32 *minor, const gss_name_t name,
				     gss_OID_set *mech_types)
{
	return mech_set(minor, mech_types);
}

/* ---- credentials ---------------------------------------------------- */

static OM_uint32 acquire(OM_uint32 *minor, gss_name_t desired,
			 gss_OID_set desired_mechs, gss_cred_usage_t usage,
			 gss_const_key_value_set_t store, gss_cred_id_t *output,
			 gss_OID_set *actual_mechs, OM_uint32 *time_rec)
{
	struct sm_cred_files files;
	struct sm_cred *cred = NULL;
	OM_uint32 major;

	if (output != NULL)
		*output = GSS_C_NO_CREDENTIAL;
	if (actual_mechs != NULL)
		*actual_mechs = GSS_C_NO_OID_SET;
	if (time_rec != NULL)
		*time_rec = 0;
	if (output == NULL)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_BAD_USAGE,
			       "no place to store the credential");
	if (!sm_oid_set_allows_mech(desired_mechs))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	major = sm_init(minor);
	if (!GSS_ERROR(major))
		major = sm_cred_files_from_store(minor, store, &files);
	if (!GSS_ERROR(major))
		major = sm_cred_acquire(minor, NAME(desired), usage, &files, &cred);
	if (!GSS_ERROR(major))
		major = mech_set(minor, actual_mechs);
	if (GSS_ERROR(major)) {
		sm_cred_free(&cred);
		return major;
	}
	if (time_rec != NULL)
		*time_rec = GSS_C_INDEFINITE;
	*output = (gss_cred_id_t)cred;
	return major;
}

OM_uint32 gss_acquire_cred(OM_uint32 *minor, gss_name_t desired, OM_uint32 time_req,
			   gss_OID_set desired_mechs, gss_cred_usage_t usage,
			   gss_cred_id_t *output, gss_OID_set *actual_mechs,
			   OM_uint32 *time_rec)
{
	return acquire(minor, desired, desired_mechs, usage, GSS_C_NO_CRED_STORE,
		       output, actual_mechs, time_rec);
}

OM_uint32 gss_acquire_cred_from(OM_uint32 *minor, gss_name_t desired,
				OM_uint32 time_req, gss_OID_set desired_mechs,
				gss_cred_usage_t usage,
				gss_const_key_value_set_t store,
				gss_cred_id_t *output, gss_OID_set *actual_mechs,
				OM_uint32 *time_rec)
{
	return acquire(minor, desired, desired_mechs, usage, store, output,
		       actual_mechs, time_rec);
}

OM_uint32 gss_release_cred(OM_uint32 *minor, gss_cred_id_t *cred)
{
	struct sm_cred *c;

	if (cred == NULL)
		return sm_ok(minor);
	c = CRED(*cred);
	sm_cred_free(&c);
	*cred = GSS_C_NO_CREDENTIAL;
	return sm_ok(minor);
}

/* Inquire `cred`, or the default initiator credential when there is none
 * (RFC 2743 section 2.1.3). */
static OM_uint32 inquire(OM_uint32 *minor, gss_cred_id_t cred,
			 gss_name_t *name, OM_uint32 *lifetime,
			 gss_cred_usage_t *usage)
{
	struct sm_cred *deflt = NULL;
	struct sm_name *n = NULL;
	OM_uint32 major;

	if (cred == GSS_C_NO_CREDENTIAL) {
		major = sm_init(minor);
		if (!GSS_ERROR(major))
			major = sm_cred_acquire(minor, NULL, GSS_C_INITIATE, NULL, &deflt);
		if (GSS_ERROR(major))
			return major;
	}
	major = sm_cred_inquire(minor, deflt ? deflt : CRED(cred),
				name ? &n : NULL, lifetime, usage);
	sm_cred_free(&deflt);
	if (name != NULL)
		*name = (gss_name_t)n;
	return major;
}

OM_uint32 gss_inquire_cred(OM_uint32 *minor, gss_cred_id_t cred, gss_name_t *name,
			   OM_uint32 *lifetime, gss_cred_usage_t *usage,
			   gss_OID_set *mechanisms)
{
	OM_uint32 major;

	if (mechanisms != NULL)
		*mechanisms = GSS_C_NO_OID_SET;
	major = inquire(minor, cred, name, lifetime, usage);
	if (!GSS_ERROR(major) && mechanisms != NULL) {
		major = mech_set(minor, mechanisms);
		if (GSS_ERROR(major) && name != NULL) {
			struct sm_name *n = NAME(*name);

			sm_name_free(&n);
			*name = GSS_C_NO_NAME;
		}
	}
	return major;
}

OM_uint32 gss_inquire_cred_by_mech(OM_uint32 *minor, gss_cred_id_t cred,
				   gss_OID mech, gss_name_t *name,
				   OM_uint32 *initiator_lifetime,
				   OM_uint32 *acceptor_lifetime,
				   gss_cred_usage_t *usage)
{
	gss_cred_usage_t u;
	OM_uint32 lifetime, major;

	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	major = inquire(minor, cred, name, &lifetime, &u);
	if (GSS_ERROR(major))
		return major;
	if (initiator_lifetime != NULL)
		*initiator_lifetime = u != GSS_C_ACCEPT ? lifetime : 0;
	if (acceptor_lifetime != NULL)
		*acceptor_lifetime = u != GSS_C_INITIATE ? lifetime : 0;
	if (usage != NULL)
		*usage = u;
	return major;
}

OM_uint32 gss_add_cred(OM_uint32 *minor, const gss_cred_id_t input,
		       const gss_name_t desired, const gss_OID desired_mech,
		       gss_cred_usage_t usage, OM_uint32 initiator_time_req,
		       OM_uint32 acceptor_time_req, gss_cred_id_t *output,
		       gss_OID_set *actual_mechs, OM_uint32 *initiator_time_rec,
		       OM_uint32 *acceptor_time_rec)
{
	struct sm_cred *cred = NULL;
	OM_uint32 major;

	if (output != NULL)
		*output = GSS_C_NO_CREDENTIAL;
	if (actual_mechs != NULL)
		*actual_mechs = GSS_C_NO_OID_SET;
	if (desired_mech != GSS_C_NO_OID && !sm_oid_equal(desired_mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	/* RFC 2743 section 2.1.4: adding our element to a credential that has
	 * it already, in place, is a duplicate. */
	if (output == NULL)
		return sm_fail(minor, GSS_S_DUPLICATE_ELEMENT, GSS_SODIUM_S_CRED_HAS_MECH, NULL);
	major = sm_init(minor);
	if (!GSS_ERROR(major))
		major = sm_cred_add(minor, CRED(input), NAME(desired), usage, &cred);
	if (!GSS_ERROR(major))
		major = mech_set(minor, actual_mechs);
	if (GSS_ERROR(major)) {
		sm_cred_free(&cred);
		return major;
	}
	if (initiator_time_rec != NULL)
		*initiator_time_rec = cred->usage != GSS_C_ACCEPT ? GSS_C_INDEFINITE : 0;
	if (acceptor_time_rec != NULL)
		*acceptor_time_rec = cred->usage != GSS_C_INITIATE ? GSS_C_INDEFINITE : 0;
	*output = (gss_cred_id_t)cred;
	return major;
}

/* ---- the mechanism -------------------------------------------------- */

OM_uint32 gss_indicate_mechs(OM_uint32 *minor, gss_OID_set *mech_set_out)
{
	return mech_set(minor, mech_set_out);
}

OM_uint32 gss_inquire_attrs_for_mech(OM_uint32 *minor, gss_const_OID mech,
				     gss_OID_set *mech_attrs,
				     gss_OID_set *known_mech_attrs)
{
	OM_uint32 major;

	if (mech_attrs != NULL)
		*mech_attrs = GSS_C_NO_OID_SET;
	if (known_mech_attrs != NULL)
		*known_mech_attrs = GSS_C_NO_OID_SET;
	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	major = sm_init(minor);
	if (GSS_ERROR(major))
		return major;
	return sm_oid_set_mech_attrs(minor, sm_current_settings()->allow_anonymous,
				     mech_attrs, known_mech_attrs);
}

OM_uint32 gss_inquire_saslname_for_mech(OM_uint32 *minor, const gss_OID desired_mech,
					gss_buffer_t sasl_mech_name, gss_buffer_t mech_name,
					gss_buffer_t mech_description)
{
	clear_buffer(sasl_mech_name);
	clear_buffer(mech_name);
	clear_buffer(mech_description);
	if (desired_mech != GSS_C_NO_OID && !sm_oid_equal(desired_mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	return sm_mech_saslname(minor, sasl_mech_name, mech_name, mech_description);
}

/* Both mechglues ask every mechanism in turn, so another mechanism's name
 * is no error of ours: GSS_S_BAD_MECH with minor status 0. */
OM_uint32 gss_inquire_mech_for_saslname(OM_uint32 *minor, const gss_buffer_t sasl_mech_name,
					gss_OID *mech_type)
{
	if (mech_type != NULL)
		*mech_type = GSS_C_NO_OID;
	if (!sm_mech_has_saslname(sasl_mech_name))
		return sm_ok(minor) | GSS_S_BAD_MECH;
	if (mech_type != NULL)
		*mech_type = &sm_mech_oid;
	return sm_ok(minor);
}

OM_uint32 gss_display_status(OM_uint32 *minor, OM_uint32 status_value,
			     int status_type, gss_OID mech,
			     OM_uint32 *message_context, gss_buffer_t output)
{
	char unknown[80];
	const char *sentence;

	clear_buffer(output);
	if (message_context != NULL)
		*message_context = 0;
	if (status_type != GSS_C_MECH_CODE)
		return sm_fail(minor, GSS_S_BAD_STATUS, GSS_SODIUM_S_BAD_STATUS_TYPE, NULL);
	sentence = sm_status_sentence(status_value);
	if (sentence == NULL) {
		snprintf(unknown, sizeof(unknown), "%s %u",
			 sm_status_generic(GSS_SODIUM_S_UNKNOWN_CODE), status_value);
		sentence = unknown;
	}
	output->value = strdup(sentence);
	if (output->value == NULL)
		return sm_no_memory(minor);
	output->length = strlen(sentence);
	return sm_ok(minor);
}

OM_uint32 gss_internal_release_oid(OM_uint32 *minor, gss_OID *oid)
{
	*minor = 0;
	if (oid == NULL || !sm_oid_is_static(*oid))
		return GSS_S_CONTINUE_NEEDED;
	*oid = GSS_C_NO_OID;
	return GSS_S_COMPLETE;
}

/* ---- security contexts ---------------------------------------------- */

OM_uint32 gss_init_sec_context(OM_uint32 *minor, gss_cred_id_t cred,
			       gss_ctx_id_t *context, gss_name_t target,
			       gss_OID mech, OM_uint32 req_flags, OM_uint32 time_req,
			       gss_channel_bindings_t bindings, gss_buffer_t input,
			       gss_OID *actual_mech, gss_buffer_t output,
			       OM_uint32 *ret_flags, OM_uint32 *time_rec)
{
	struct sm_context *ctx;
	OM_uint32 major;

	if (actual_mech != NULL)
		*actual_mech = &sm_mech_oid;
	if (context == NULL || output == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_NO_CONTEXT,
			       "gss_init_sec_context: no place for the context or the token");
	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	ctx = CONTEXT(*context);
	major = sm_context_initiate(minor, CRED(cred), &ctx, NAME(target), req_flags,
				    time_req, bindings, input, output, ret_flags, time_rec);
	*context = (gss_ctx_id_t)ctx;
	return major;
}

OM_uint32 gss_accept_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
				 gss_cred_id_t cred, gss_buffer_t input,
				 gss_channel_bindings_t bindings, gss_name_t *src_name,
				 gss_OID *mech, gss_buffer_t output,
				 OM_uint32 *ret_flags, OM_uint32 *time_rec,
				 gss_cred_id_t *delegated)
{
	struct sm_context *ctx;
	struct sm_name *src = NULL;
	OM_uint32 major;

	if (mech != NULL)
		*mech = &sm_mech_oid;
	if (delegated != NULL)
		*delegated = GSS_C_NO_CREDENTIAL;
	if (context == NULL || output == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_NO_CONTEXT,
			       "gss_accept_sec_context: no place for the context or the token");
	ctx = CONTEXT(*context);
	major = sm_context_accept(minor, CRED(cred), &ctx, input, bindings,
				  src_name != NULL ? &src : NULL, output, ret_flags,
				  time_rec);
	if (src_name != NULL)
		*src_name = (gss_name_t)src;
	*context = (gss_ctx_id_t)ctx;
	return major;
}

OM_uint32 gss_process_context_token(OM_uint32 *minor, gss_ctx_id_t context,
				    gss_buffer_t token)
{
	if (context == GSS_C_NO_CONTEXT)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT, NULL);
	/* The mechanism sends no context-level tokens after establishment. */
	return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_TOKEN,
		       "gss_process_context_token: this mechanism sends no context tokens after establishment");
}

OM_uint32 gss_delete_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
				 gss_buffer_t output)
{
	struct sm_context *ctx;

	clear_buffer(output);
	if (context == NULL || *context == GSS_C_NO_CONTEXT)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT, NULL);
	ctx = CONTEXT(*context);
	sm_context_free(&ctx);
	*context = GSS_C_NO_CONTEXT;
	return sm_ok(minor);
}

OM_uint32 gss_context_time(OM_uint32 *minor, gss_ctx_id_t context,
			   OM_uint32 *time_rec)
{
	if (context == GSS_C_NO_CONTEXT)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT, NULL);
	return sm_context_time(minor, CONTEXT(context), time_rec);
}

OM_uint32 gss_inquire_context(OM_uint32 *minor, gss_ctx_id_t context,
			      gss_name_t *src_name, gss_name_t *targ_name,
			      OM_uint32 *lifetime, gss_OID *mech, OM_uint32 *flags,
			      int *locally_initiated, int *open)
{
	struct sm_name *src = NULL, *targ = NULL;
	OM_uint32 major;

	if (context == GSS_C_NO_CONTEXT)
		return sm_fail(minor, GSS_S_NO_CONTEXT, GSS_SODIUM_S_NO_CONTEXT, NULL);
	if (mech != NULL)
		*mech = &sm_mech_oid;
	major = sm_context_inquire(minor, CONTEXT(context), src_name ? &src : NULL,
				   targ_name ? &targ : NULL, lifetime, flags,
				   locally_initiated, open);
	if (src_name != NULL)
		*src_name = (gss_name_t)src;
	if (targ_name != NULL)
		*targ_name = (gss_name_t)targ;
	return major;
}

/* ---- per-message ---------------------------------------------------- */

static const gss_buffer_desc empty_buffer = { 0, NULL };

/* A NULL buffer is an empty message. */
static const gss_buffer_desc *message_or_empty(const gss_buffer_t b)
{
	return b != GSS_C_NO_BUFFER ? b : &empty_buffer;
}

OM_uint32 gss_get_mic(OM_uint32 *minor, gss_ctx_id_t context, gss_qop_t qop,
		      gss_buffer_t message, gss_buffer_t token)
{
	if (token == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_BAD_TOKEN,
			       "gss_get_mic: no place for the token");
	return sm_get_mic(minor, CONTEXT(context), qop, message_or_empty(message), token);
}

OM_uint32 gss_verify_mic(OM_uint32 *minor, gss_ctx_id_t context,
			 gss_buffer_t message, gss_buffer_t token, gss_qop_t *qop)
{
	return sm_verify_mic(minor, CONTEXT(context), message_or_empty(message),
			     message_or_empty(token), qop);
}

OM_uint32 gss_wrap(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
		   gss_qop_t qop, gss_buffer_t input, int *conf_state,
		   gss_buffer_t output)
{
	if (output == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_BAD_TOKEN,
			       "gss_wrap: no place for the token");
	return sm_wrap(minor, CONTEXT(context), conf_req, qop, message_or_empty(input),
		       conf_state, output);
}

OM_uint32 gss_unwrap(OM_uint32 *minor, gss_ctx_id_t context, gss_buffer_t input,
		     gss_buffer_t output, int *conf_state, gss_qop_t *qop)
{
	if (output == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_BAD_TOKEN,
			       "gss_unwrap: no place for the message");
	return sm_unwrap(minor, CONTEXT(context), message_or_empty(input), output,
			 conf_state, qop);
}

OM_uint32 gss_wrap_size_limit(OM_uint32 *minor, gss_ctx_id_t context,
			      int conf_req, gss_qop_t qop, OM_uint32 output_size,
			      OM_uint32 *max_input)
{
	return sm_wrap_size_limit(minor, CONTEXT(context), conf_req, qop, output_size,
				  max_input);
}

OM_uint32 gss_wrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
		       gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
		       int iov_count)
{
	return sm_wrap_iov(minor, CONTEXT(context), conf_req, qop, conf_state, iov,
			   iov_count);
}

OM_uint32 gss_wrap_iov_length(OM_uint32 *minor, gss_ctx_id_t context, int conf_req,
			      gss_qop_t qop, int *conf_state,
			      gss_iov_buffer_desc *iov, int iov_count)
{
	return sm_wrap_iov_length(minor, CONTEXT(context), conf_req, qop, conf_state,
				  iov, iov_count);
}

OM_uint32 gss_unwrap_iov(OM_uint32 *minor, gss_ctx_id_t context, int *conf_state,
			 gss_qop_t *qop, gss_iov_buffer_desc *iov, int iov_count)
{
	return sm_unwrap_iov(minor, CONTEXT(context), conf_state, qop, iov, iov_count);
}

OM_uint32 gss_pseudo_random(OM_uint32 *minor, gss_ctx_id_t context, int prf_key,
			    const gss_buffer_t prf_in, ssize_t desired_output_len,
			    gss_buffer_t prf_out)
{
	return sm_pseudo_random(minor, CONTEXT(context), prf_key, message_or_empty(prf_in),
				desired_output_len, prf_out);
}

/* ---- sealed context transfer ------------------------------------------ */

OM_uint32 gss_export_sec_context(OM_uint32 *minor, gss_ctx_id_t *context,
				 gss_buffer_t token)
{
	struct sm_context *ctx;
	OM_uint32 major;

	if (context == NULL || token == GSS_C_NO_BUFFER)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_NO_CONTEXT,
			       "gss_export_sec_context: no context or no place for the token");
	ctx = CONTEXT(*context);
	major = sm_export_context(minor, &ctx, token);
	*context = (gss_ctx_id_t)ctx;
	return major;
}

static OM_uint32 import_context(OM_uint32 *minor, gss_buffer_t token,
				gss_ctx_id_t *context)
{
	struct sm_context *ctx = NULL;
	OM_uint32 major;

	if (context == NULL)
		return sm_fail(minor, GSS_S_CALL_INACCESSIBLE_WRITE, GSS_SODIUM_S_NO_CONTEXT,
			       "gss_import_sec_context: no place for the context");
	major = sm_import_context(minor, message_or_empty(token), &ctx);
	*context = (gss_ctx_id_t)ctx;
	return major;
}

/* MIT's mechglue prefers this form when a mechanism has it. */
OM_uint32 gssspi_import_sec_context_by_mech(OM_uint32 *minor, gss_OID mech,
					    gss_buffer_t token, gss_ctx_id_t *context);

OM_uint32 gssspi_import_sec_context_by_mech(OM_uint32 *minor, gss_OID mech,
					    gss_buffer_t token, gss_ctx_id_t *context)
{
	if (mech != GSS_C_NO_OID && !sm_oid_equal(mech, &sm_mech_oid))
		return sm_fail(minor, GSS_S_BAD_MECH, GSS_SODIUM_S_WRONG_MECH, NULL);
	return import_context(minor, token, context);
}

OM_uint32 gss_import_sec_context(OM_uint32 *minor, gss_buffer_t token,
				 gss_ctx_id_t *context)
{
	return import_context(minor, token, context);
}
