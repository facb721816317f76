/*
 * gss_accept_sec_context (sm_context_accept) on a first context token,
 * with the test-only keytab (HTTP@web and host@web) and peers file (alice
 * and the two services).
 *
 * The first input byte sets the acceptor's policy for this input (the
 * FUZZ_ACC_* bits: allow_anonymous, allow_unknown_initiators, channel
 * bindings given by the acceptor, resumption = no); the rest is the
 * token: a full one (IK, NK), or a resumed one (pattern 3) with a ticket,
 * which the test keyring (key 2) opens when it is the ticket the acceptor
 * issued at setup (fuzz_ticket_issued).  The random stream is reset and
 * the handshake replay cache emptied per input, and the clock is fixed
 * (fuzz_common.h), so the acceptor's ephemeral key, and so any outcome,
 * depends on the input alone: a seed token 1 is admitted on every run, and
 * the code after admission is reached.  A token that was accepted is
 * given again, and must then be refused as a replay.  A ticket that was
 * refused must give a token 3 and a context that then completes alice's
 * full token 1, as the initiator's fallback sends it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

/* The token again, after it was accepted: a replay (PROTOCOL.md section
 * 4.5), refused with GSS_S_FAILURE so that GSS_ERROR() sees it. */
static void replay(unsigned sel, const gss_buffer_desc *token)
{
	gss_buffer_desc reply = GSS_C_EMPTY_BUFFER;
	struct sm_context *ctx = NULL;
	struct sm_name *src = NULL;
	OM_uint32 major;

	major = fuzz_accept_token_again(sel, token, &ctx, &reply, &src);
	if (major != (GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN))
		fuzz_die("a token 1 accepted once gave major %#x when given again, not a refused duplicate",
			 major);
	if (ctx != NULL || reply.value != NULL || src != NULL)
		fuzz_die("a replayed token 1 was refused but returned a context, a reply or a name");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gss_buffer_desc token, reply = GSS_C_EMPTY_BUFFER;
	struct sm_context *ctx = NULL;
	struct sm_name *src = NULL;
	size_t mark = fuzz_secmem_mark();
	OM_uint32 major, minor, lifetime;
	unsigned sel;
	int local, open;

	if (size < 1)
		return 0;
	sel = data[0] & FUZZ_ACC_BITS;
	token.value = (void *)(data + 1);
	token.length = size - 1;
	major = fuzz_accept_token(sel, &token, &ctx, &reply, &src);
	if (major == GSS_S_CONTINUE_NEEDED) {
		if (src != NULL)
			fuzz_die("accept refused a ticket but returned a name");
		fuzz_accept_after_refusal(sel, &ctx, &reply);
	} else if (!GSS_ERROR(major)) {
		if (ctx == NULL || reply.length == 0 || src == NULL)
			fuzz_die("accept succeeded without a context, a reply or a name");
		if (GSS_ERROR(sm_context_inquire(&minor, ctx, NULL, NULL, &lifetime, NULL,
						 &local, &open)) || local || !open)
			fuzz_die("accept succeeded with a context that is not an open acceptor's");
		replay(sel, &token);
	} else if (ctx != NULL || reply.value != NULL || src != NULL) {
		fuzz_die("accept failed (major %#x) but returned a context, a reply or a name",
			 major);
	}
	free(reply.value);
	sm_name_free(&src);
	sm_context_free(&ctx);
	fuzz_secmem_check(mark, "accept");
	return 0;
}
