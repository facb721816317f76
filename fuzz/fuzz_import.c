/*
 * gss_import_sec_context (sm_import_context) on the input, with the
 * test-only sealing keyring (key 1 retired, key 2 current) and
 * import_once = no.
 *
 * The first input byte chooses:
 *   bit 0 clear  the rest is the token, given as it is;
 *   bit 0 set    the rest is a serialized context state (doc/PROTOCOL.md
 *                section 7.2), which the harness seals under key 2 with a
 *                fresh header, so that the state parser behind the seal is
 *                reached; then
 *                bit 1  the header binds the token to a uid,
 *                bit 2  ... to another uid than this process's,
 *                bit 3  the token expired a second ago.
 * A context that imports is used (inquiry, wrap, MIC, PRF) and exported
 * again, as a program that imported it would.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "export.h"
#include "fuzz_common.h"
#include "message.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_setup();
	return 0;
}

static void release(gss_buffer_t b)
{
	free(b->value);
	b->value = NULL;
	b->length = 0;
}

/* What a program does with an imported context. */
static void use_context(struct sm_context **ctx)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, out = GSS_C_EMPTY_BUFFER;
	struct sm_name *src = NULL, *targ = NULL;
	OM_uint32 minor, lifetime, flags, limit;
	int local, open;

	fuzz_report("inquire_context",
		    sm_context_inquire(&minor, *ctx, &src, &targ, &lifetime, &flags, &local, &open),
		    minor);
	sm_name_free(&src);
	sm_name_free(&targ);
	fuzz_report("wrap", sm_wrap(&minor, *ctx, 1, GSS_C_QOP_DEFAULT, &msg, NULL, &out), minor);
	release(&out);
	fuzz_report("wrap", sm_wrap(&minor, *ctx, 0, GSS_C_QOP_DEFAULT, &msg, NULL, &out), minor);
	release(&out);
	fuzz_report("get_mic", sm_get_mic(&minor, *ctx, GSS_C_QOP_DEFAULT, &msg, &out), minor);
	release(&out);
	fuzz_report("wrap_size_limit",
		    sm_wrap_size_limit(&minor, *ctx, 1, GSS_C_QOP_DEFAULT, 1000, &limit), minor);
	fuzz_report("pseudo_random",
		    sm_pseudo_random(&minor, *ctx, GSS_C_PRF_KEY_FULL, &msg, 100, &out), minor);
	release(&out);
	/* On success the context is gone and the token ours. */
	fuzz_report("export", sm_export_context(&minor, ctx, &out), minor);
	release(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gss_buffer_desc token = GSS_C_EMPTY_BUFFER;
	struct fuzz_export_header h;
	struct sm_context *ctx = NULL;
	size_t mark = fuzz_secmem_mark();
	OM_uint32 major, minor;
	time_t now;
	int sealed;

	if (size < 1)
		return 0;
	sealed = data[0] & 1;
	if (!sealed) {
		token.value = (void *)(data + 1);
		token.length = size - 1;
	} else {
		now = time(NULL);
		memset(&h, 0, sizeof(h));
		h.key_id = FUZZ_SEAL_KEY;
		h.flags = (data[0] & 2) ? 1 : 0;
		h.uid = (data[0] & 2) ? (uint32_t)geteuid() + ((data[0] & 4) ? 1 : 0) : 0;
		h.created = (uint64_t)now - 1;
		h.not_after = (data[0] & 8) ? (uint64_t)now - 1 : (uint64_t)now + 600;
		memcpy(h.nonce, "gss-sodium fuzz nonce...", FUZZ_EXPORT_NONCE_BYTES);
		fuzz_seal(&h, data + 1, size - 1, &token);
	}
	major = sm_import_context(&minor, &token, &ctx);
	fuzz_report("import", major, minor);
	if (!GSS_ERROR(major) && ctx != NULL)
		use_context(&ctx);
	sm_context_free(&ctx);
	if (sealed)
		release(&token);
	fuzz_secmem_check(mark, "import");
	return 0;
}
