/* Object identifiers: the mechanism, name types, RFC 5587 attributes. */
#include "config.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "oids.h"
#include "status.h"

#define OID(der) { sizeof(der) - 1, (void *)(der) }

gss_OID_desc sm_mech_oid = { GSS_SODIUM_MECH_OID_DER_LENGTH,
			     (void *)GSS_SODIUM_MECH_OID_DER };
/* RFC 2744 section 4 and RFC 2743 section 4. */
gss_OID_desc sm_nt_user_name = OID("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01");
gss_OID_desc sm_nt_hostbased_service = OID("\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x04");
gss_OID_desc sm_nt_hostbased_service_x = OID("\x2b\x06\x01\x05\x06\x02");
gss_OID_desc sm_nt_anonymous = OID("\x2b\x06\x01\x05\x06\x03");
gss_OID_desc sm_nt_export_name = OID("\x2b\x06\x01\x05\x06\x04");

/* RFC 5587 mechanism attributes, 1.3.6.1.5.5.13.N; rfc5587_attrs[N - 1]. */
enum {
	MA_MECH_CONCRETE = 1, MA_ITOK_FRAMED = 9, MA_AUTH_INIT = 10,
	MA_AUTH_TARG = 11, MA_AUTH_INIT_ANON = 14, MA_INTEG_PROT = 17,
	MA_CONF_PROT = 18, MA_MIC = 19, MA_WRAP = 20,
	MA_REPLAY_DET = 22, MA_OOS_DET = 23, MA_CBINDINGS = 24, MA_PFS = 25,
	MA_CTX_TRANS = 27, MA_KNOWN_COUNT = 28
};
#define MA(arc) OID("\x2b\x06\x01\x05\x05\x0d" arc)
static gss_OID_desc rfc5587_attrs[MA_KNOWN_COUNT] = {
	MA("\x01"),
	MA("\x02"),
	MA("\x03"),
	MA("\x04"),
	MA("\x05"),
	MA("\x06"),
	MA("\x07"),
	MA("\x08"),
	MA("\x09"),
	MA("\x0a"),
	MA("\x0b"),
	MA("\x0c"),
	MA("\x0d"),
	MA("\x0e"),
	MA("\x0f"),
	MA("\x10"),
	MA("\x11"),
	MA("\x12"),
	MA("\x13"),
	MA("\x14"),
	MA("\x15"),
	MA("\x16"),
	MA("\x17"),
	MA("\x18"),
	MA("\x19"),
	MA("\x1a"),
	MA("\x1b"),
	MA("\x1c"),
};

int sm_oid_equal(gss_const_OID a, gss_const_OID b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return a->length == b->length &&
	       (a->length == 0 || memcmp(a->elements, b->elements, a->length) == 0);
}

int sm_oid_is_static(gss_const_OID oid)
{
	return oid == &sm_mech_oid || oid == &sm_nt_user_name ||
	       oid == &sm_nt_hostbased_service ||
	       oid == &sm_nt_hostbased_service_x || oid == &sm_nt_anonymous ||
	       oid == &sm_nt_export_name ||
	       (oid >= &rfc5587_attrs[0] && oid < &rfc5587_attrs[MA_KNOWN_COUNT]);
}

int sm_oid_set_allows_mech(const gss_OID_set_desc *set)
{
	size_t i;

	if (set == GSS_C_NO_OID_SET || set->count == 0)
		return 1;
	for (i = 0; i < set->count; i++)
		if (sm_oid_equal(&set->elements[i], &sm_mech_oid))
			return 1;
	return 0;
}

/*
 * Who frees the bytes of a set's OIDs: MIT's gss_release_oid_set frees each
 * element's bytes, Heimdal's only the element array (Heimdal copies OIDs
 * shallowly and never frees their bytes).  So under MIT each element gets
 * malloc()ed bytes, and under Heimdal a pointer to our static copy.
 * Heimdal alone defines gss_mo_get.
 */
static int glue_frees_oid_bytes(void)
{
	static int frees = -1;

	if (frees < 0)
		frees = dlsym(RTLD_DEFAULT, "gss_mo_get") == NULL;
	return frees;
}

void sm_oid_set_free(gss_OID_set *set)
{
	size_t i;

	if (*set == GSS_C_NO_OID_SET)
		return;
	for (i = 0; i < (*set)->count && glue_frees_oid_bytes(); i++)
		free((*set)->elements[i].elements);
	free((*set)->elements);
	free(*set);
	*set = GSS_C_NO_OID_SET;
}

OM_uint32 sm_oid_set_from(OM_uint32 *minor, gss_OID const *oids, size_t n,
			  gss_OID_set *out)
{
	gss_OID_set set;
	size_t i;

	*out = GSS_C_NO_OID_SET;
	set = calloc(1, sizeof(*set));
	if (set == NULL)
		goto nomem;
	set->elements = calloc(n ? n : 1, sizeof(*set->elements));
	if (set->elements == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (glue_frees_oid_bytes()) {
			set->elements[i].elements = malloc(oids[i]->length);
			if (set->elements[i].elements == NULL)
				goto nomem;
			memcpy(set->elements[i].elements, oids[i]->elements, oids[i]->length);
		} else {
			set->elements[i].elements = oids[i]->elements;
		}
		set->elements[i].length = oids[i]->length;
		set->count++;
	}
	*out = set;
	return sm_ok(minor);
nomem:
	sm_oid_set_free(&set);
	return sm_no_memory(minor);
}

OM_uint32 sm_oid_set_name_types(OM_uint32 *minor, gss_OID_set *out)
{
	gss_OID types[] = { &sm_nt_user_name, &sm_nt_hostbased_service,
			    &sm_nt_hostbased_service_x, &sm_nt_anonymous,
			    &sm_nt_export_name };

	return sm_oid_set_from(minor, types, sizeof(types) / sizeof(types[0]), out);
}

OM_uint32 sm_oid_set_mech_attrs(OM_uint32 *minor, int anonymous_admitted,
				gss_OID_set *attrs, gss_OID_set *known)
{
	/* A concrete mechanism whose context tokens are all framed; named
	 * initiators (Noise IK) and targets are authenticated; anonymous
	 * initiators (Noise NK) only where the settings admit them, since
	 * SASL's default 'noanonymous' rightly drops a mechanism that claims
	 * them.  Forward secrecy from the ephemeral-ephemeral DH; protected
	 * messages with replay and order detection; channel bindings;
	 * transferable contexts.  Not PROT_READY: no message is protected
	 * before the one round trip completes. */
	static const int have[] = {
		MA_MECH_CONCRETE, MA_ITOK_FRAMED, MA_AUTH_INIT, MA_AUTH_TARG,
		MA_INTEG_PROT, MA_CONF_PROT, MA_MIC, MA_WRAP, MA_REPLAY_DET,
		MA_OOS_DET, MA_CBINDINGS, MA_PFS, MA_CTX_TRANS
	};
	gss_OID list[MA_KNOWN_COUNT];
	OM_uint32 major;
	size_t i, n = 0;

	if (attrs != NULL) {
		for (i = 0; i < sizeof(have) / sizeof(have[0]); i++)
			list[n++] = &rfc5587_attrs[have[i] - 1];
		if (anonymous_admitted)
			list[n++] = &rfc5587_attrs[MA_AUTH_INIT_ANON - 1];
		major = sm_oid_set_from(minor, list, n, attrs);
		if (GSS_ERROR(major))
			return major;
	}
	if (known != NULL) {
		for (i = 0; i < MA_KNOWN_COUNT; i++)
			list[i] = &rfc5587_attrs[i];
		major = sm_oid_set_from(minor, list, MA_KNOWN_COUNT, known);
		if (GSS_ERROR(major)) {
			if (attrs != NULL)
				sm_oid_set_free(attrs);
			return major;
		}
	}
	return sm_ok(minor);
}

OM_uint32 sm_mech_saslname(OM_uint32 *minor, gss_buffer_t sasl_name,
			   gss_buffer_t mech_name, gss_buffer_t description)
{
	static const char *const text[3] = {
		GSS_SODIUM_SASL_NAME, GSS_SODIUM_MECH_NAME,
		"gss-sodium: Noise IK/NK on X25519, ChaCha20-Poly1305 and BLAKE2b, with sealed context export"
	};
	gss_buffer_t out[3] = { sasl_name, mech_name, description };
	OM_uint32 major = GSS_S_COMPLETE;
	size_t i;

	for (i = 0; i < 3 && !GSS_ERROR(major); i++)
		if (out[i] != GSS_C_NO_BUFFER)
			major = sm_buffer_copy(minor, text[i], strlen(text[i]), out[i]);
	while (GSS_ERROR(major) && i-- > 0)
		if (out[i] != GSS_C_NO_BUFFER && out[i]->value != NULL) {
			free(out[i]->value);
			out[i]->value = NULL;
			out[i]->length = 0;
		}
	return GSS_ERROR(major) ? major : sm_ok(minor);
}

int sm_mech_has_saslname(const gss_buffer_desc *sasl_name)
{
	return sasl_name != GSS_C_NO_BUFFER &&
	       sasl_name->length == sizeof(GSS_SODIUM_SASL_NAME) - 1 &&
	       memcmp(sasl_name->value, GSS_SODIUM_SASL_NAME, sasl_name->length) == 0;
}
