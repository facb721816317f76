/*
 * The initiator's processing of the acceptor's token: gss_init_sec_context
 * (sm_context_initiate) continued with the input.
 *
 * The first input byte chooses the initiator (the FUZZ_INIT_* bits:
 * anonymous, REPLAY and SEQUENCE requested, channel bindings given,
 * holding the ticket the acceptor issued at setup, resumption = no); the
 * rest is token 2, or token 3.  Per input a new initiator context sends
 * token 1 to HTTP@web as alice (or anonymously) from a reset random
 * stream and a ticket store that holds that ticket or nothing, so its
 * handshake state is the one the seed generator answered: a seed reply
 * authenticates and the code after the handshake is reached.
 *
 * A named initiator that keeps tickets asks for one, so token 2 may end
 * with a ticket (keep_ticket): one kept must be the acceptor's, which the
 * test keyring opens, naming alice and HTTP@web.  One holding the ticket
 * resumes (pattern 3); a token 3 then makes it drop the ticket and send a
 * full token 1, which a real acceptor must answer with a token 2 that
 * completes it.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "framing.h"
#include "fuzz_common.h"
#include "tickets.h"

/* PROTOCOL.md section 4.1: the pattern byte of token 1's inner token. */
#define PATTERN_OFFSET 3
#define PATTERN_IK 1
#define PATTERN_RESUME 3

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

static unsigned pattern_of(const gss_buffer_desc *token1)
{
	struct sm_reader r;

	if (!sm_frame_read(token1, &r) || r.left <= PATTERN_OFFSET)
		fuzz_die("the initiator's token 1 is not framed");
	return r.ptr[PATTERN_OFFSET];
}

/* A ticket kept from token 2 came through its authenticated box, so it
 * is the acceptor's own: the keyring opens it, for alice and HTTP@web. */
static void check_kept_ticket(void)
{
	struct sm_ticket_contents c;
	struct fuzz_ticket t;

	if (!fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &t))
		return;
	if (fuzz_ticket_open(t.ticket, t.len, &c) != SM_TICKET_OPENED ||
	    c.initiator_kind != SM_NAME_USER || strcmp(c.initiator_name, "alice") != 0 ||
	    c.acceptor_kind != SM_NAME_HOSTBASED || strcmp(c.acceptor_name, "HTTP@web") != 0)
		fuzz_die("the initiator kept a ticket that is not the acceptor's for alice and HTTP@web");
	sm_ticket_contents_clear(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gss_buffer_desc token, token1 = GSS_C_EMPTY_BUFFER, out = GSS_C_EMPTY_BUFFER;
	struct sm_context *ctx = NULL;
	struct fuzz_ticket held;
	size_t mark = fuzz_secmem_mark();
	OM_uint32 major, minor, flags, time_rec;
	unsigned sel;
	int local, open, resuming;

	if (size < 1)
		return 0;
	sel = data[0] & FUZZ_INIT_BITS;
	major = fuzz_initiate_first(FUZZ_ALICE, FUZZ_HTTP, sel, &ctx, &token1);
	if (major != GSS_S_CONTINUE_NEEDED || ctx == NULL)
		fuzz_die("the initiator did not start (major %#x)", major);
	resuming = (sel & (FUZZ_INIT_RESUME | FUZZ_INIT_ANON | FUZZ_INIT_NO_RESUMPTION)) ==
		   FUZZ_INIT_RESUME;
	if ((pattern_of(&token1) == PATTERN_RESUME) != resuming)
		fuzz_die("an initiator %s a ticket %s", resuming ? "holding" : "without",
			 resuming ? "did not resume" : "resumed");
	free(token1.value);
	token.value = (void *)(data + 1);
	token.length = size - 1;
	major = sm_context_initiate(&minor, NULL, &ctx, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    &token, &out, &flags, &time_rec);
	fuzz_report("initiate", major, minor);
	if (GSS_ERROR(sm_context_inquire(&minor, ctx, NULL, NULL, NULL, NULL, &local, &open)) ||
	    !local || open != (major == GSS_S_COMPLETE))
		fuzz_die("after major %#x the initiator's context is %s", major,
			 open ? "open" : "not open");
	if (major == GSS_S_CONTINUE_NEEDED) {
		/* Token 3: only a resumed handshake is refused, and then the
		 * ticket is dropped and a full token 1 sent. */
		if (!resuming || pattern_of(&out) != PATTERN_IK)
			fuzz_die("the initiator answered a token 3 with %s",
				 resuming ? "no full token 1" : "a token, not having resumed");
		if (fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &held))
			fuzz_die("the initiator kept a ticket the acceptor refused");
		fuzz_initiate_after_refusal(&ctx, &out);
		/* That full handshake asked for a ticket, and got one. */
		if (!fuzz_ticket_held(FUZZ_ALICE, FUZZ_HTTP, &held))
			fuzz_die("the full handshake after a refused ticket left the initiator none");
	} else if (out.value != NULL || out.length != 0) {
		fuzz_die("the initiator answered the acceptor's token 2");
	}
	if (!GSS_ERROR(major))
		check_kept_ticket();
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
