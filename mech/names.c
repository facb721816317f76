/* Importing, canonicalizing, comparing and exporting names. */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "names.h"
#include "oids.h"
#include "status.h"

#define EXPORT_NAME_TOKEN_ID 0x0401
#define DER_OID_TAG 0x06

/* Bytes a name may hold: no space or control character, and none of the
 * characters the key files or display forms give a meaning to. */
static int name_byte_ok(unsigned char c)
{
	switch (c) {
	case '#': case '<': case '>': case '"': case '\\': case 0x7f:
		return 0;
	default:
		return c > 0x20;
	}
}

static OM_uint32 new_name(OM_uint32 *minor, enum sm_name_kind kind,
			  const char *text, size_t len, struct sm_name **out)
{
	/* One allocation, and malloc rather than calloc: glibc's calloc
	 * skips the per-thread cache that an import's names come from. */
	struct sm_name *name = malloc(sizeof(*name) + len + 1);

	if (name == NULL)
		return sm_no_memory(minor);
	memcpy(name->text, text, len);
	name->text[len] = '\0';
	name->kind = kind;
	*out = name;
	return sm_ok(minor);
}

static OM_uint32 bad_syntax(OM_uint32 *minor, const char *text, size_t len,
			    const char *why)
{
	char q[SM_QUOTE_MAX];

	return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_NAME_SYNTAX,
		       "the name '%s' %s; names look like 'alice' or 'service@host'",
		       sm_quote(text, len, q, sizeof(q)), why);
}

/* Check length and characters. */
static OM_uint32 check_chars(OM_uint32 *minor, const char *text, size_t len)
{
	size_t i;

	if (len == 0)
		return bad_syntax(minor, text, len, "is empty");
	if (len > SM_NAME_MAX)
		return bad_syntax(minor, text, len, "is longer than 255 bytes");
	for (i = 0; i < len; i++)
		if (!name_byte_ok((unsigned char)text[i]))
			return bad_syntax(minor, text, len,
					  "contains a space, a control character or one of # < > \" \\");
	return sm_ok(minor);
}

static OM_uint32 user_name(OM_uint32 *minor, const char *text, size_t len,
			   struct sm_name **out)
{
	OM_uint32 major = check_chars(minor, text, len);

	if (GSS_ERROR(major))
		return major;
	if (memchr(text, '@', len) != NULL)
		return bad_syntax(minor, text, len,
				  "is a user name containing '@'; user names are bare, without a realm or host");
	return new_name(minor, SM_NAME_USER, text, len, out);
}

/* 'service@host' with the host lower-cased, or 'service' completed with the
 * local host name. */
static OM_uint32 hostbased_name(OM_uint32 *minor, const char *text, size_t len,
				int bare_service_ok, struct sm_name **out)
{
	char canon[SM_NAME_MAX + 1], local_host[HOST_NAME_MAX + 1];
	const char *at = memchr(text, '@', len), *host;
	size_t service_len = at ? (size_t)(at - text) : len, host_len, i;
	OM_uint32 major = check_chars(minor, text, len);

	if (GSS_ERROR(major))
		return major;
	if (service_len == 0)
		return bad_syntax(minor, text, len, "has no service before '@'");
	if (at == NULL) {
		if (!bare_service_ok)
			return bad_syntax(minor, text, len, "has no host");
		if (gethostname(local_host, sizeof(local_host)) != 0)
			return bad_syntax(minor, text, len,
					  "names no host and the local host name is unknown");
		local_host[sizeof(local_host) - 1] = '\0';
		host = local_host;
		host_len = strlen(host);
	} else {
		host = at + 1;
		host_len = len - service_len - 1;
		if (host_len == 0)
			return bad_syntax(minor, text, len, "has no host after '@'");
		if (memchr(host, '@', host_len) != NULL)
			return bad_syntax(minor, text, len, "contains more than one '@'");
	}
	/* Measured before anything is copied into canon. */
	if (service_len + 1 + host_len > SM_NAME_MAX)
		return bad_syntax(minor, text, len, "is longer than 255 bytes");
	memcpy(canon, text, service_len);
	canon[service_len] = '@';
	for (i = 0; i < host_len; i++)
		canon[service_len + 1 + i] = (char)tolower((unsigned char)host[i]);
	major = check_chars(minor, canon, service_len + 1 + host_len);
	if (GSS_ERROR(major))
		return major;
	return new_name(minor, SM_NAME_HOSTBASED, canon, service_len + 1 + host_len, out);
}

OM_uint32 sm_name_from_canonical(OM_uint32 *minor, const char *text, size_t len,
				 struct sm_name **out)
{
	if (memchr(text, '@', len) != NULL)
		return hostbased_name(minor, text, len, 0, out);
	return user_name(minor, text, len, out);
}

static OM_uint32 bad_export(OM_uint32 *minor, const char *why)
{
	return sm_fail(minor, GSS_S_BAD_NAME, GSS_SODIUM_S_BAD_EXPORT_NAME,
		       "the exported name token %s", why);
}

/* RFC 2743 section 3.2: 04 01, OID length (2), DER OID, name length (4),
 * name. */
static OM_uint32 import_export_name(OM_uint32 *minor, const gss_buffer_desc *buf,
				    struct sm_name **out)
{
	struct sm_reader r;
	const unsigned char *oid, *text;
	uint16_t oid_len;
	uint32_t text_len;

	sm_reader_init(&r, buf->value, buf->length);
	if (sm_read_u16be(&r) != EXPORT_NAME_TOKEN_ID)
		return bad_export(minor, "does not start with 04 01");
	oid_len = sm_read_u16be(&r);
	oid = sm_read_bytes(&r, oid_len);
	if (oid == NULL)
		return bad_export(minor, "is shorter than its OID length says");
	if (oid_len < 2 || oid[0] != DER_OID_TAG || oid[1] != oid_len - 2 ||
	    oid[1] != sm_mech_oid.length ||
	    memcmp(oid + 2, sm_mech_oid.elements, sm_mech_oid.length) != 0)
		return bad_export(minor, "names another mechanism than gss-sodium");
	text_len = sm_read_u32be(&r);
	text = sm_read_bytes(&r, text_len);
	if (text == NULL)
		return bad_export(minor, "is shorter than its name length says");
	if (!sm_reader_done(&r))
		return bad_export(minor, "has bytes after the name");
	if (text_len == 0)
		return sm_name_anonymous(minor, out);
	return sm_name_from_canonical(minor, (const char *)text, text_len, out);
}

OM_uint32 sm_name_restore(OM_uint32 *minor, enum sm_name_kind kind, const char *text,
			  size_t len, struct sm_name **out)
{
	int has_at = memchr(text, '@', len) != NULL;

	*out = NULL;
	if (kind == SM_NAME_ANONYMOUS && len == 0)
		return sm_name_anonymous(minor, out);
	if ((kind != SM_NAME_USER && kind != SM_NAME_HOSTBASED) || len == 0 ||
	    len > SM_NAME_MAX || memchr(text, '\0', len) != NULL ||
	    has_at != (kind == SM_NAME_HOSTBASED))
		return bad_syntax(minor, text, len, "is not a name this mechanism wrote");
	return new_name(minor, kind, text, len, out);
}

OM_uint32 sm_name_anonymous(OM_uint32 *minor, struct sm_name **out)
{
	return new_name(minor, SM_NAME_ANONYMOUS, "", 0, out);
}

OM_uint32 sm_name_import(OM_uint32 *minor, const gss_buffer_desc *buf,
			 gss_const_OID type, struct sm_name **out)
{
	const char *text = buf != NULL ? buf->value : NULL;
	size_t len = buf != NULL ? buf->length : 0;

	*out = NULL;
	if (sm_oid_equal(type, &sm_nt_anonymous))
		return sm_name_anonymous(minor, out);
	if (text == NULL && len != 0)
		return bad_syntax(minor, "", 0, "is missing");
	if (text == NULL)
		text = "";	/* an empty name, refused below as such */
	if (sm_oid_equal(type, &sm_nt_export_name))
		return import_export_name(minor, buf, out);
	/* Programs such as gss-sample's gss-server count the string's NUL in
	 * the buffer length, and MIT krb5 accepts that; so do we. */
	if (len > 0 && text[len - 1] == '\0')
		len--;
	if (sm_oid_equal(type, &sm_nt_hostbased_service) ||
	    sm_oid_equal(type, &sm_nt_hostbased_service_x))
		return hostbased_name(minor, text, len, 1, out);
	if (sm_oid_equal(type, &sm_nt_user_name))
		return user_name(minor, text, len, out);
	if (type == GSS_C_NO_OID)
		return sm_name_from_canonical(minor, text, len, out);
	return sm_fail(minor, GSS_S_BAD_NAMETYPE, GSS_SODIUM_S_BAD_NAME_TYPE, NULL);
}

OM_uint32 sm_name_display(OM_uint32 *minor, const struct sm_name *name,
			  gss_buffer_t out, gss_OID *type)
{
	const char *shown = name->kind == SM_NAME_ANONYMOUS ? SM_ANONYMOUS_DISPLAY
							    : name->text;

	if (type != NULL)
		*type = name->kind == SM_NAME_USER ? &sm_nt_user_name :
			name->kind == SM_NAME_HOSTBASED ? &sm_nt_hostbased_service :
			&sm_nt_anonymous;
	return sm_buffer_copy(minor, shown, strlen(shown), out);
}

OM_uint32 sm_name_export(OM_uint32 *minor, const struct sm_name *name,
			 gss_buffer_t out)
{
	struct sm_writer w;
	size_t len = strlen(name->text);

	sm_writer_init(&w);
	sm_write_u16be(&w, EXPORT_NAME_TOKEN_ID);
	sm_write_u16be(&w, (uint16_t)(2 + sm_mech_oid.length));
	sm_write_u8(&w, DER_OID_TAG);
	sm_write_u8(&w, (uint8_t)sm_mech_oid.length);
	sm_write_bytes(&w, sm_mech_oid.elements, sm_mech_oid.length);
	sm_write_u32be(&w, (uint32_t)len);
	sm_write_bytes(&w, name->text, len);
	if (w.failed) {
		sm_writer_discard(&w);
		return sm_no_memory(minor);
	}
	out->value = w.data;
	out->length = w.len;
	return sm_ok(minor);
}

int sm_name_equal(const struct sm_name *a, const struct sm_name *b)
{
	return a->kind != SM_NAME_ANONYMOUS && a->kind == b->kind &&
	       strcmp(a->text, b->text) == 0;
}

OM_uint32 sm_name_duplicate(OM_uint32 *minor, const struct sm_name *in,
			    struct sm_name **out)
{
	return new_name(minor, in->kind, in->text, strlen(in->text), out);
}

void sm_name_free(struct sm_name **name)
{
	if (*name == NULL)
		return;
	free(*name);
	*name = NULL;
}
