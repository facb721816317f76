/* RFC 2743 section 3.1 framing of initial context tokens:
 * 0x60, DER length, 0x06, OID length, OID, inner token. */
#ifndef SM_FRAMING_H
#define SM_FRAMING_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "buf.h"

/* Write the framing for an inner token of `inner_len` bytes that follows. */
void sm_frame_write(struct sm_writer *w, size_t inner_len);

/* Check the framing and the mechanism OID; on success `inner` reads the
 * inner token.  Returns 0 when the token is not a framed token of ours. */
int sm_frame_read(const gss_buffer_desc *token, struct sm_reader *inner);

#endif
