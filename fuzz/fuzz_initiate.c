/*
 * The initiator's processing of the acceptor's token: gss_init_sec_context
 * (sm_context_initiate) continued with the input.
 *
 * The first input byte chooses the initiator (the FUZZ_INIT_* bits:
 * anonymous, REPLAY and SEQUENCE requested, channel bindings given); the
 * rest is token 2.  Per input a new initiator context sends token 1 to
 * HTTP@web as alice (or anonymously) from a reset random stream, so its
 * handshake state is the one the seed generator answered: a seed reply
 * authenticates and the code after the handshake is reached.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "tickets.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gss_buffer_desc token, token1 = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	struct sm_context *ctx = NULL;
	size_t mark = fuzz_secmem_mark();
	OM_uint32 major, minor, flags, time_rec;
	int local, open;

	if (size < 1)
		return 0;
	major = fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, data[0] & FUZZ_INIT_BITS, &ctx,
				    &token1);
	if (major != GSS_S_CONTINUE_NEEDED || ctx == NULL)
		fuzz_die("the initiator did not start (major %#x)", major);
	free(token1.value);
	token.value = (void *)(data + 1);
	token.length = size - 1;
	major = sm_context_initiate(&minor, NULL, &ctx, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    &token, &out, &flags, &time_rec);
	fuzz_report("initiate", major, minor);
	if (out.value != NULL || out.length != 0)
		fuzz_die("the initiator answered the acceptor's token");
	if (GSS_ERROR(sm_context_inquire(&minor, ctx, NULL, NULL, NULL, NULL, &local, &open)) ||
	    !local || open != !GSS_ERROR(major))
		fuzz_die("after major %#x the initiator's context is %s", major,
			 open ? "open" : "not open");
	/* A failed initiator can only be deleted; a second token must not
	 * revive it. */
	if (GSS_ERROR(major) &&
	    !GSS_ERROR(sm_context_initiate(&minor, NULL, &ctx, NULL, 0, 0,
					   GSS_C_NO_CHANNEL_BINDINGS, &token, &out, NULL, NULL)))
		fuzz_die("a failed initiator context accepted a second token");
	free(out.value);
	sm_context_free(&ctx);
	/* The store's tickets are the process's, not this input's leak. */
	sm_tickets_clear_memory();
	fuzz_secmem_check(mark, "initiate");
	return 0;
}
