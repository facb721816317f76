/*
 * The Redis protocol client of the replay caches (mech/resp.c): a server's
 * replies, read by sm_resp_call from one end of a socket pair into which
 * the harness wrote them (fuzz_resp_exchange), so that the real reading
 * and parsing run without a server.
 *
 * The first input byte is where the server pauses: 0 (or at least the
 * rest's length) sends the rest whole, then shuts its end, before a PING;
 * n sends the rest's first n bytes before the PING and the others only
 * once it returned a reply, as a server whose reply arrives in two pieces.
 * The rest is the replies: one to the PING and, if that parsed, one to an
 * EVAL on the same connection, read from what the PING left in the
 * client's buffer and from the socket.
 */
#include "config.h"

#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[SM_RESP_WHY_MAX];

	if (size < 1)
		return 0;
	fuzz_resp_exchange(data + 1, size - 1, data[0], why);
	return 0;
}
