/* Framing of the initial context token, so the mechglue can route it. */
#include "config.h"

#include <string.h>

#include "framing.h"
#include "oids.h"

#define TAG_APPLICATION_0 0x60
#define TAG_OID 0x06

/* The shortest definite form, as DER requires (and read_der_length
 * checks): one byte below 128, else 0x80 | n and n big-endian bytes. */
static void write_der_length(struct sm_writer *w, size_t len)
{
	size_t n = 1;

	if (len < 0x80) {
		sm_write_u8(w, (uint8_t)len);
		return;
	}
	while (n < 4 && (len >> (8 * n)) != 0)
		n++;
	sm_write_u8(w, (uint8_t)(0x80 | n));
	sm_write_be(w, len, n);
}

/* Definite lengths in their shortest form only, as DER requires. */
static int read_der_length(struct sm_reader *r, size_t *len)
{
	uint8_t first = sm_read_u8(r);
	size_t n, i, value = 0;

	if (first < 0x80) {
		*len = first;
		return !r->failed;
	}
	n = first & 0x7f;
	if (n == 0 || n > 4)
		return 0;
	for (i = 0; i < n; i++)
		value = (value << 8) | sm_read_u8(r);
	if (r->failed || value < 0x80 || (n > 1 && value < ((size_t)1 << (8 * (n - 1)))))
		return 0;
	*len = value;
	return 1;
}

void sm_frame_write(struct sm_writer *w, size_t inner_len)
{
	sm_write_u8(w, TAG_APPLICATION_0);
	write_der_length(w, 2 + sm_mech_oid.length + inner_len);
	sm_write_u8(w, TAG_OID);
	sm_write_u8(w, (uint8_t)sm_mech_oid.length);
	sm_write_bytes(w, sm_mech_oid.elements, sm_mech_oid.length);
}

int sm_frame_read(const gss_buffer_desc *token, struct sm_reader *inner)
{
	struct sm_reader r;
	const unsigned char *oid;
	size_t len;

	sm_reader_init(&r, token->value, token->length);
	if (sm_read_u8(&r) != TAG_APPLICATION_0 || !read_der_length(&r, &len) ||
	    len != r.left)
		return 0;
	if (sm_read_u8(&r) != TAG_OID || sm_read_u8(&r) != sm_mech_oid.length)
		return 0;
	oid = sm_read_bytes(&r, sm_mech_oid.length);
	if (oid == NULL || memcmp(oid, sm_mech_oid.elements, sm_mech_oid.length) != 0)
		return 0;
	sm_reader_init(inner, r.ptr, r.left);
	return 1;
}
