/*
 * Per-message tokens on established contexts: gss_unwrap, gss_verify_mic
 * and gss_unwrap_iov (sm_unwrap, sm_verify_mic, sm_unwrap_iov).
 *
 * Two pairs of contexts are established once, the same as the seed
 * generator's (fuzz_pair_establish): alice -> HTTP@web with REPLAY and
 * SEQUENCE detection, and an anonymous one -> host@web without.
 *
 * The first input byte:
 *   bits 0-1  0 unwrap: the rest is the token;
 *             1 verify_mic: then one byte L, a token of L bytes, and the
 *               rest is the message;
 *             2 unwrap_iov with the rest as one STREAM buffer;
 *             3 unwrap_iov with HEADER, DATA and TRAILER buffers: then one
 *               byte S and S bytes for a SIGN_ONLY buffer; the rest is the
 *               token, cut into a 28-byte HEADER, DATA and a 16-byte
 *               TRAILER (or a 44-byte HEADER and DATA, with bit 4), the
 *               DATA in two buffers with bit 5;
 *   bit 2     the initiator receives (tokens sent by the acceptor), else
 *             the acceptor;
 *   bit 3     the anonymous pair, else the named one;
 *   bit 6     sequence mode instead of the above: then 8 bytes (big-endian)
 *             set the receiver's next expected sequence number, 8 more its
 *             window map, and each following 8 bytes (at most 32 times) a
 *             sequence number that the sender wraps a message with, for the
 *             receiver to unwrap twice: an authentic token must always
 *             unwrap (but for the reserved number 2**64 - 1, which must
 *             not), and with REPLAY detection the second time must be
 *             reported as a duplicate or an old token.
 * The receiver's replay window (and in sequence mode the sender's counter)
 * is put back after each input, so the outcome depends on the input alone.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "message.h"
#include "msgtoken.h"

/* doc/PROTOCOL.md section 5: the header, and the tag that follows it in a
 * HEADER buffer without a TRAILER. */
#define HEADER_BYTES 28
#define TAG_BYTES 16
_Static_assert(HEADER_BYTES == SM_MSG_HEADER_BYTES && TAG_BYTES == SM_MSG_TAG_BYTES,
	       "the per-message token format changed");

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fuzz_pair pairs[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	fuzz_pair_establish(FUZZ_PAIR_NAMED, &pairs[0]);
	fuzz_pair_establish(FUZZ_PAIR_ANONYMOUS, &pairs[1]);
	return 0;
}

/* A writable copy of exactly `len` bytes (unwrap_iov decrypts in place). */
static unsigned char *copy(const uint8_t *p, size_t len)
{
	unsigned char *c = malloc(len > 0 ? len : 1);

	if (c == NULL)
		fuzz_die("out of memory");
	if (len > 0)
		memcpy(c, p, len);
	return c;
}

static void check_output(OM_uint32 major, const gss_buffer_desc *out, const char *call)
{
	if (GSS_ERROR(major) && (out->value != NULL || out->length != 0))
		fuzz_die("%s failed (major %#x) but returned a message", call, major);
	if (!GSS_ERROR(major) && out->value == NULL)
		fuzz_die("%s succeeded without a message buffer", call);
}

static void iov_split(struct sm_context *ctx, unsigned sel, const uint8_t *p, size_t n)
{
	gss_iov_buffer_desc iov[5];
	unsigned char *sign, *token;
	size_t sign_len, header, trailer, data, first;
	OM_uint32 major, minor;
	int count = 0, conf;
	gss_qop_t qop;

	if (n < 1)
		return;
	sign_len = p[0] < n - 1 ? p[0] : n - 1;
	sign = copy(p + 1, sign_len);
	p += 1 + sign_len;
	n -= 1 + sign_len;
	token = copy(p, n);
	if (sel & 0x10) {
		header = n < HEADER_BYTES + TAG_BYTES ? n : HEADER_BYTES + TAG_BYTES;
		trailer = 0;
	} else {
		header = n < HEADER_BYTES ? n : HEADER_BYTES;
		trailer = n - header < TAG_BYTES ? n - header : TAG_BYTES;
	}
	data = n - header - trailer;
	first = (sel & 0x20) ? data / 2 : data;
	memset(iov, 0, sizeof(iov));
	iov[count].type = GSS_IOV_BUFFER_TYPE_HEADER;
	iov[count].buffer.value = token;
	iov[count++].buffer.length = header;
	iov[count].type = GSS_IOV_BUFFER_TYPE_SIGN_ONLY;
	iov[count].buffer.value = sign;
	iov[count++].buffer.length = sign_len;
	iov[count].type = GSS_IOV_BUFFER_TYPE_DATA;
	iov[count].buffer.value = token + header;
	iov[count++].buffer.length = first;
	if (sel & 0x20) {
		iov[count].type = GSS_IOV_BUFFER_TYPE_DATA;
		iov[count].buffer.value = token + header + first;
		iov[count++].buffer.length = data - first;
	}
	if (!(sel & 0x10)) {
		iov[count].type = GSS_IOV_BUFFER_TYPE_TRAILER;
		iov[count].buffer.value = token + header + data;
		iov[count++].buffer.length = trailer;
	}
	major = sm_unwrap_iov(&minor, ctx, &conf, &qop, iov, count);
	fuzz_report("unwrap_iov", major, minor);
	free(sign);
	free(token);
}

static void iov_stream(struct sm_context *ctx, const uint8_t *p, size_t n)
{
	gss_iov_buffer_desc iov[2];
	unsigned char *token = copy(p, n);
	OM_uint32 major, minor;
	int conf;
	gss_qop_t qop;

	memset(iov, 0, sizeof(iov));
	iov[0].type = GSS_IOV_BUFFER_TYPE_STREAM;
	iov[0].buffer.value = token;
	iov[0].buffer.length = n;
	iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
	major = sm_unwrap_iov(&minor, ctx, &conf, &qop, iov, 2);
	fuzz_report("unwrap_iov stream", major, minor);
	/* The message must lie inside the stream. */
	if (!GSS_ERROR(major) &&
	    ((unsigned char *)iov[1].buffer.value < token ||
	     (unsigned char *)iov[1].buffer.value + iov[1].buffer.length > token + n))
		fuzz_die("unwrap_iov put the message outside the STREAM buffer");
	free(token);
}

static uint64_t be64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = (v << 8) | p[i];
	return v;
}

/* Authentic tokens with chosen sequence numbers against a chosen window. */
static void sequence(struct sm_context *tx, struct sm_context *rx, const uint8_t *p,
		     size_t n)
{
	gss_buffer_desc msg = { 1, (void *)"x" }, token = GSS_C_EMPTY_BUFFER;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	uint64_t saved_send = tx->send_seq, seq;
	OM_uint32 major, minor;
	int i;

	if (n < 16)
		return;
	rx->recv.next = be64(p);
	rx->recv.seen = be64(p + 8);
	for (i = 0, p += 16, n -= 16; i < 32 && n >= 8; i++, p += 8, n -= 8) {
		seq = be64(p);
		tx->send_seq = seq;
		major = sm_wrap(&minor, tx, (int)(seq & 1), GSS_C_QOP_DEFAULT, &msg, NULL, &token);
		/* 2**64 - 1 is Noise's reserved nonce: a sender whose counter
		 * reached it refuses to send. */
		if (seq == UINT64_MAX) {
			if (major != GSS_S_CONTEXT_EXPIRED)
				fuzz_die("a wrap with the reserved sequence number 2**64 - 1 was made");
			continue;
		}
		if (GSS_ERROR(major))
			fuzz_die("wrap failed on an open context");
		major = sm_unwrap(&minor, rx, &token, &out, NULL, NULL);
		fuzz_report("unwrap (sequence)", major, minor);
		free(out.value);
		out.value = NULL;
		if (GSS_ERROR(major))
			fuzz_die("an authentic token with sequence number %llu was refused (major %#x)",
				 (unsigned long long)seq, major);
		/* Replayed at once: a duplicate, or too old to tell. */
		major = sm_unwrap(&minor, rx, &token, &out, NULL, NULL);
		if (GSS_ERROR(major))
			fuzz_die("an authentic token was refused when replayed (major %#x)", major);
		if (rx->recv.detect_replay && !(major & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN)))
			fuzz_die("token %llu replayed at once was not reported (major %#x)",
				 (unsigned long long)seq, major);
		free(out.value);
		out.value = NULL;
		free(token.value);
		token.value = NULL;
	}
	tx->send_seq = saved_send;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gss_buffer_desc token, message, out = GSS_C_EMPTY_BUFFER;
	struct fuzz_pair *pair;
	struct sm_context *ctx;
	struct sm_seqstate saved;
	size_t mark = fuzz_secmem_mark(), len;
	OM_uint32 major, minor;
	unsigned sel;
	int conf;
	gss_qop_t qop;

	if (size < 1)
		return 0;
	sel = data[0];
	pair = &pairs[(sel & 0x08) ? 1 : 0];
	ctx = (sel & 0x04) ? pair->init : pair->acc;
	saved = ctx->recv;
	data++;
	size--;
	if (sel & 0x40) {
		sequence((sel & 0x04) ? pair->acc : pair->init, ctx, data, size);
		ctx->recv = saved;
		fuzz_secmem_check(mark, "message");
		return 0;
	}
	switch (sel & 3) {
	case 0:
		token.value = (void *)data;
		token.length = size;
		major = sm_unwrap(&minor, ctx, &token, &out, &conf, &qop);
		fuzz_report("unwrap", major, minor);
		check_output(major, &out, "unwrap");
		free(out.value);
		break;
	case 1:
		if (size < 1)
			break;
		len = data[0] < size - 1 ? data[0] : size - 1;
		token.value = (void *)(data + 1);
		token.length = len;
		message.value = (void *)(data + 1 + len);
		message.length = size - 1 - len;
		major = sm_verify_mic(&minor, ctx, &message, &token, &qop);
		fuzz_report("verify_mic", major, minor);
		break;
	case 2:
		iov_stream(ctx, data, size);
		break;
	case 3:
		iov_split(ctx, sel, data, size);
		break;
	}
	ctx->recv = saved;
	fuzz_secmem_check(mark, "message");
	return 0;
}
