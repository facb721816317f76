/*
 * The IOV forms of wrap and unwrap (MIT's gss_wrap_iov family).
 *
 * Every buffer is authenticated, and DATA encrypted or decrypted, where it
 * lies: nothing is gathered into a copy.
 *
 * The token is the same as gss_wrap's: a HEADER buffer receives the 28-byte
 * header and a TRAILER buffer the 16-byte tag; without a TRAILER the tag
 * follows the header in the HEADER buffer (44 bytes).  DATA buffers are
 * encrypted in place, in order, as one message; SIGN_ONLY buffers are
 * authenticated but not sent (for sealed tokens they extend the associated
 * data after the header; for integrity-only tokens they take their place
 * among the DATA buffers).  PADDING is always empty.  So HEADER, DATA,
 * TRAILER laid end to end is exactly the token gss_wrap makes, and
 * gss_unwrap_iov takes such a token whole as a STREAM buffer, beside one
 * DATA buffer and the SIGN_ONLY buffers it was wrapped with, in the same
 * places: the DATA buffer then points at the message inside the stream
 * (decrypted in place), or with ALLOCATE holds a copy of its own.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "message.h"
#include "msgtoken.h"
#include "status.h"

struct iov_layout {
	gss_iov_buffer_desc *header, *trailer, *padding, *stream;
	size_t data_len, sign_len;	/* bytes in DATA and SIGN_ONLY buffers */
	int data_count;
};

static OM_uint32 bad_iov(OM_uint32 *minor, const char *why)
{
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_BAD_IOV,
		       "the IOV buffers %s", why);
}

static OM_uint32 classify(OM_uint32 *minor, gss_iov_buffer_desc *iov, int count,
			  struct iov_layout *l)
{
	gss_iov_buffer_desc **slot;
	int i;

	memset(l, 0, sizeof(*l));
	if (iov == NULL || count < 0)
		return bad_iov(minor, "are missing");
	for (i = 0; i < count; i++) {
		switch (GSS_IOV_BUFFER_TYPE(iov[i].type)) {
		case GSS_IOV_BUFFER_TYPE_EMPTY:
			continue;
		case GSS_IOV_BUFFER_TYPE_DATA:
			l->data_len += iov[i].buffer.length;
			l->data_count++;
			continue;
		case GSS_IOV_BUFFER_TYPE_SIGN_ONLY:
			l->sign_len += iov[i].buffer.length;
			continue;
		case GSS_IOV_BUFFER_TYPE_HEADER:
			slot = &l->header;
			break;
		case GSS_IOV_BUFFER_TYPE_TRAILER:
			slot = &l->trailer;
			break;
		case GSS_IOV_BUFFER_TYPE_PADDING:
			slot = &l->padding;
			break;
		case GSS_IOV_BUFFER_TYPE_STREAM:
			slot = &l->stream;
			break;
		default:
			return bad_iov(minor, "hold a buffer type this mechanism does not use");
		}
		if (*slot != NULL)
			return bad_iov(minor, "hold a HEADER, TRAILER, PADDING or STREAM buffer twice");
		*slot = &iov[i];
	}
	return sm_ok(minor);
}

static size_t header_size(const struct iov_layout *l)
{
	return SM_MSG_HEADER_BYTES + (l->trailer == NULL ? SM_MSG_TAG_BYTES : 0);
}

/* Give a HEADER or TRAILER buffer `size` bytes: allocate it when asked,
 * else it must be large enough. */
static OM_uint32 size_buffer(OM_uint32 *minor, gss_iov_buffer_desc *b, size_t size)
{
	if (b->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) {
		if (b->type & GSS_IOV_BUFFER_FLAG_ALLOCATED)
			free(b->buffer.value);
		b->buffer.value = malloc(size);
		if (b->buffer.value == NULL)
			return sm_no_memory(minor);
		b->type |= GSS_IOV_BUFFER_FLAG_ALLOCATED;
	} else if (b->buffer.length < size || b->buffer.value == NULL) {
		return bad_iov(minor, "leave too little room for the header or trailer; ask gss_wrap_iov_length");
	}
	b->buffer.length = size;
	return sm_ok(minor);
}

/* Authenticate the associated data after the header, in place: the
 * SIGN_ONLY buffers (sealed) or the DATA and SIGN_ONLY buffers in their
 * order (integrity only). */
static void add_associated_data(struct sm_msg_aead *a, const gss_iov_buffer_desc *iov,
				int count, int sealed)
{
	int i, t;

	for (i = 0; i < count; i++) {
		t = (int)GSS_IOV_BUFFER_TYPE(iov[i].type);
		if (t == GSS_IOV_BUFFER_TYPE_SIGN_ONLY || (!sealed && t == GSS_IOV_BUFFER_TYPE_DATA))
			sm_msg_aead_ad(a, iov[i].buffer.value, iov[i].buffer.length);
	}
}

/* Apply `step` to each DATA buffer, in order. */
static void each_data_buffer(struct sm_msg_aead *a, gss_iov_buffer_desc *iov, int count,
			     void (*step)(struct sm_msg_aead *, unsigned char *, size_t))
{
	int i;

	for (i = 0; i < count; i++)
		if (GSS_IOV_BUFFER_TYPE(iov[i].type) == GSS_IOV_BUFFER_TYPE_DATA)
			step(a, iov[i].buffer.value, iov[i].buffer.length);
}

static void authenticate_text(struct sm_msg_aead *a, unsigned char *data, size_t len)
{
	sm_msg_aead_authenticate(a, data, len);
}

OM_uint32 sm_wrap_iov_length(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
			     gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov,
			     int count)
{
	struct iov_layout l;
	OM_uint32 major;

	major = sm_context_usable(minor, ctx, "gss_wrap_iov_length");
	if (!GSS_ERROR(major))
		major = sm_msg_check_qop(minor, qop);
	if (!GSS_ERROR(major))
		major = classify(minor, iov, count, &l);
	if (GSS_ERROR(major))
		return major;
	if (l.header == NULL || l.stream != NULL)
		return bad_iov(minor, "need one HEADER buffer and no STREAM buffer to wrap");
	l.header->buffer.length = header_size(&l);
	if (l.trailer != NULL)
		l.trailer->buffer.length = SM_MSG_TAG_BYTES;
	if (l.padding != NULL)
		l.padding->buffer.length = 0;
	if (conf_state != NULL)
		*conf_state = !!conf_req;
	return sm_ok(minor);
}

OM_uint32 sm_wrap_iov(OM_uint32 *minor, struct sm_context *ctx, int conf_req,
		      gss_qop_t qop, int *conf_state, gss_iov_buffer_desc *iov, int count)
{
	struct sm_msg_header h;
	struct sm_msg_aead a;
	struct iov_layout l;
	unsigned char *tag;
	OM_uint32 major;

	major = sm_context_usable(minor, ctx, "gss_wrap_iov");
	if (!GSS_ERROR(major))
		major = sm_msg_check_qop(minor, qop);
	if (!GSS_ERROR(major))
		major = classify(minor, iov, count, &l);
	if (!GSS_ERROR(major) && (l.header == NULL || l.stream != NULL))
		major = bad_iov(minor, "need one HEADER buffer and no STREAM buffer to wrap");
	if (!GSS_ERROR(major))
		major = sm_msg_too_long(minor, l.data_len + l.sign_len);
	if (!GSS_ERROR(major))
		major = sm_msg_new_header(minor, ctx, SM_MSG_TOKEN_WRAP, conf_req, &h);
	if (!GSS_ERROR(major))
		major = size_buffer(minor, l.header, header_size(&l));
	if (!GSS_ERROR(major) && l.trailer != NULL)
		major = size_buffer(minor, l.trailer, SM_MSG_TAG_BYTES);
	if (GSS_ERROR(major))
		return major;
	if (l.padding != NULL)
		l.padding->buffer.length = 0;
	tag = l.trailer != NULL ? l.trailer->buffer.value
				: (unsigned char *)l.header->buffer.value + SM_MSG_HEADER_BYTES;

	/* Every buffer is read, and DATA encrypted, where it lies. */
	sm_msg_aead_start(&a, sm_msg_send_key(ctx), &h);
	add_associated_data(&a, iov, count, conf_req);
	if (conf_req)
		each_data_buffer(&a, iov, count, sm_msg_aead_encrypt);
	sm_msg_aead_finish(&a, tag);
	sm_msg_aead_clear(&a);
	memcpy(l.header->buffer.value, h.bytes, SM_MSG_HEADER_BYTES);
	if (conf_state != NULL)
		*conf_state = !!conf_req;
	return sm_ok(minor);
}

/* A whole wrap token in a STREAM buffer: unwrap it as HEADER, DATA and
 * TRAILER buffers cut from it, in place of the STREAM and the caller's one
 * DATA buffer, beside the caller's SIGN_ONLY buffers in their places.  The
 * DATA buffer then points at the message inside the stream, decrypted in
 * place, or with ALLOCATE holds a copy of its own and the stream is left
 * as it was. */
static OM_uint32 unwrap_stream(OM_uint32 *minor, struct sm_context *ctx,
			       int *conf_state, gss_qop_t *qop,
			       gss_iov_buffer_desc *iov, int count,
			       const struct iov_layout *l)
{
	unsigned char *stream = l->stream->buffer.value, *copy = NULL;
	gss_iov_buffer_desc *cut, *data = NULL, *cut_data = NULL;
	struct sm_msg_header h;
	OM_uint32 major;
	size_t len;
	int i;

	if (l->data_count != 1 || l->header || l->trailer)
		return bad_iov(minor, "with a STREAM need exactly one DATA buffer and no HEADER or TRAILER");
	/* Refuse a short or malformed token as gss_unwrap does. */
	major = sm_msg_read_wrap(minor, ctx, stream, l->stream->buffer.length, &h, &len);
	if (GSS_ERROR(major))
		return major;
	cut = calloc((size_t)count + 1, sizeof(*cut));
	if (cut == NULL)
		return sm_no_memory(minor);
	for (i = 0; i < count; i++) {
		cut[i] = iov[i];
		if (&iov[i] == l->stream) {
			cut[i].type = GSS_IOV_BUFFER_TYPE_HEADER;
			cut[i].buffer.length = SM_MSG_HEADER_BYTES;
		} else if (GSS_IOV_BUFFER_TYPE(iov[i].type) == GSS_IOV_BUFFER_TYPE_DATA) {
			data = &iov[i];
			cut_data = &cut[i];
		}
	}
	cut[count].type = GSS_IOV_BUFFER_TYPE_TRAILER;
	cut[count].buffer.value = stream + SM_MSG_HEADER_BYTES + len;
	cut[count].buffer.length = SM_MSG_TAG_BYTES;
	cut_data->type = GSS_IOV_BUFFER_TYPE_DATA;
	cut_data->buffer.value = stream + SM_MSG_HEADER_BYTES;
	cut_data->buffer.length = len;
	if (data->type & GSS_IOV_BUFFER_FLAG_ALLOCATE) {
		/* One spare byte: an empty message still gets a buffer. */
		copy = malloc(len + 1);
		if (copy == NULL) {
			free(cut);
			return sm_no_memory(minor);
		}
		memcpy(copy, stream + SM_MSG_HEADER_BYTES, len);
		cut_data->buffer.value = copy;
	}
	/* No STREAM among the cut buffers: this is the other IOV form. */
	major = sm_unwrap_iov(minor, ctx, conf_state, qop, cut, count + 1);
	if (GSS_ERROR(major)) {
		if (copy != NULL)
			sodium_memzero(copy, len);
		free(copy);
	} else {
		if (data->type & GSS_IOV_BUFFER_FLAG_ALLOCATED)
			free(data->buffer.value);
		data->buffer = cut_data->buffer;
		if (copy != NULL)
			data->type |= GSS_IOV_BUFFER_FLAG_ALLOCATED;
		else
			data->type &= ~GSS_IOV_BUFFER_FLAG_ALLOCATED;
	}
	free(cut);
	return major;
}

OM_uint32 sm_unwrap_iov(OM_uint32 *minor, struct sm_context *ctx, int *conf_state,
			gss_qop_t *qop, gss_iov_buffer_desc *iov, int count)
{
	const unsigned char *tag;
	struct sm_msg_header h;
	struct sm_msg_aead a;
	struct sm_reader r;
	struct iov_layout l;
	OM_uint32 major;
	int is_sealed, bad;

	major = sm_context_usable(minor, ctx, "gss_unwrap_iov");
	if (!GSS_ERROR(major))
		major = classify(minor, iov, count, &l);
	if (GSS_ERROR(major))
		return major;
	if (l.stream != NULL)
		return unwrap_stream(minor, ctx, conf_state, qop, iov, count, &l);
	if (l.header == NULL || l.header->buffer.length != header_size(&l) ||
	    (l.trailer != NULL && l.trailer->buffer.length != SM_MSG_TAG_BYTES))
		return sm_fail(minor, GSS_S_DEFECTIVE_TOKEN, GSS_SODIUM_S_BAD_IOV,
			       "the IOV buffers do not hold a %d-byte header and a %d-byte tag",
			       SM_MSG_HEADER_BYTES, SM_MSG_TAG_BYTES);
	sm_reader_init(&r, l.header->buffer.value, SM_MSG_HEADER_BYTES);
	major = sm_msg_read_header(minor, ctx, &r, SM_MSG_TOKEN_WRAP, &h, "wrap");
	if (GSS_ERROR(major))
		return major;
	is_sealed = !!(h.flags & SM_MSG_FLAG_SEALED);
	tag = l.trailer != NULL ? l.trailer->buffer.value
				: (unsigned char *)l.header->buffer.value + SM_MSG_HEADER_BYTES;
	/* Authenticated first, where it lies; decrypted in place only then. */
	sm_msg_aead_start(&a, sm_msg_recv_key(ctx), &h);
	add_associated_data(&a, iov, count, is_sealed);
	if (is_sealed)
		each_data_buffer(&a, iov, count, authenticate_text);
	bad = sm_msg_aead_verify(&a, tag);
	if (!bad && is_sealed)
		each_data_buffer(&a, iov, count, sm_msg_aead_decrypt);
	sm_msg_aead_clear(&a);
	if (bad)
		return sm_msg_bad_signature(minor, "wrap");
	if (conf_state != NULL)
		*conf_state = is_sealed;
	return sm_msg_accept_sequence(minor, ctx, &h, qop);
}
