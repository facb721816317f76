/* Per-message protection and the pseudo-random function of open contexts. */
#ifndef SM_MESSAGE_H
#define SM_MESSAGE_H

#include <sys/types.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>

#include "context.h"

OM_uint32 sm_get_mic(OM_uint32 *minor, struct sm_context *ctx, gss_qop_t qop,
		     const gss_buffer_desc *message, gss_buffer_t token)
	__attribute__((warn_unused_result));
OM_uint32 sm_verify_mic(OM_uint32 *minor, struct sm_context *ctx,
			const gss_buffer_desc *message, const gss_buffer_desc *token,
			gss_qop_t *qop)
	__attribute__((warn_unused_result));
OM_uint32 sm_wrap(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
		  gss_qop_t qop, const gss_buffer_desc *input, int *conf_state,
		  gss_buffer_t output)
	__attribute__((warn_unused_result));
OM_uint32 sm_unwrap(OM_uint32 *minor, struct sm_context *ctx,
		    const gss_buffer_desc *input, gss_buffer_t output,
		    int *conf_state, gss_qop_t *qop)
	__attribute__((warn_unused_result));
OM_uint32 sm_wrap_size_limit(OM_uint32 *minor, struct sm_context *ctx,
			     int conf_req, gss_qop_t qop, OM_uint32 output_size,
			     OM_uint32 *max_input)
	__attribute__((warn_unused_result));
/* MIT's IOV forms (iov.c). */
OM_uint32 sm_wrap_iov(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
		      gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
		      int count)
	__attribute__((warn_unused_result));
OM_uint32 sm_wrap_iov_length(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
			     gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
			     int count)
	__attribute__((warn_unused_result));
OM_uint32 sm_unwrap_iov(OM_uint32 *minor, struct sm_context *ctx, int *conf_state,
			gss_qop_t *qop, gss_iov_buffer_desc *iov, int count)
	__attribute__((warn_unused_result));
/* RFC 4401, both key types; at most 1 MiB of output. */
OM_uint32 sm_pseudo_random(OM_uint32 *minor, struct sm_context *ctx, int key_type,
			   const gss_buffer_desc *input, ssize_t desired,
			   gss_buffer_t output)
	__attribute__((warn_unused_result));

#endif
