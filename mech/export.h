/* Sealed context transfer (see export.c for the token format). */
#ifndef SM_EXPORT_H
#define SM_EXPORT_H

#include <stddef.h>
#include <stdint.h>
#include <gssapi/gssapi.h>

#include "context.h"

#define SM_EXPORT_MAGIC "sodX"
#define SM_EXPORT_VERSION 2
#define SM_EXPORT_FLAG_UID_BOUND 0x01
#define SM_EXPORT_NONCE_BYTES 24
#define SM_EXPORT_HEADER_BYTES 56

struct sm_export_header {
	uint8_t version, flags;
	uint32_t key_id, uid;
	uint64_t created, not_after;	/* Unix seconds */
	unsigned char nonce[SM_EXPORT_NONCE_BYTES];
	unsigned char bytes[SM_EXPORT_HEADER_BYTES];
	size_t sealed_len;		/* bytes after the header */
};

/* Check the header's shape and read it; nothing is decrypted (gss-sodium
 * inspect uses this too). */
OM_uint32 sm_export_header_parse(OM_uint32 *minor, const void *token, size_t len,
				 struct sm_export_header *h)
	__attribute__((warn_unused_result));

/* On success the context is freed (keys wiped) and *context is NULL; on
 * failure it is left as it was. */
OM_uint32 sm_export_context(OM_uint32 *minor, struct sm_context **context,
			    gss_buffer_t token)
	__attribute__((warn_unused_result));

OM_uint32 sm_import_context(OM_uint32 *minor, const gss_buffer_desc *token,
			    struct sm_context **context)
	__attribute__((warn_unused_result));

#endif
