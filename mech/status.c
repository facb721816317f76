/* Minor status codes and their sentences. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "status.h"
#include "trace.h"

#define SENTENCE_MAX 1024

/* The most recent failure of this thread, with the details of that moment. */
static __thread struct {
	OM_uint32 code;
	char sentence[SENTENCE_MAX];
} last_failure;

#define SENTENCE_ENTRY(name, sentence) [GSS_SODIUM_S_##name - GSS_SODIUM_MINOR_BASE] = sentence,
static const char *const generic_sentences[] = {
	GSS_SODIUM_MINOR_STATUSES(SENTENCE_ENTRY)
};
#undef SENTENCE_ENTRY

const char *sm_status_generic(OM_uint32 code)
{
	if (code <= GSS_SODIUM_MINOR_BASE || code >= GSS_SODIUM_MINOR_END)
		return NULL;
	return generic_sentences[code - GSS_SODIUM_MINOR_BASE];
}

OM_uint32 sm_fail(OM_uint32 *minor, OM_uint32 major, OM_uint32 code,
		  const char *fmt, ...)
{
	const char *generic = sm_status_generic(code);
	va_list ap;

	last_failure.code = code;
	if (fmt != NULL) {
		/* Every detailed sentence carries the mechanism's name first. */
		int n = snprintf(last_failure.sentence, SENTENCE_MAX, "gss-sodium: ");
		va_start(ap, fmt);
		vsnprintf(last_failure.sentence + n, SENTENCE_MAX - n, fmt, ap);
		va_end(ap);
	} else {
		snprintf(last_failure.sentence, SENTENCE_MAX, "%s",
			 generic ? generic : "gss-sodium: error");
	}
	/* Mechglues may drop the minor status (Heimdal's gss_acquire_cred
	 * does), so the trace keeps every failure's sentence. */
	sm_trace("failure: %s", last_failure.sentence);
	if (minor != NULL)
		*minor = code;
	return major;
}

OM_uint32 sm_no_memory(OM_uint32 *minor)
{
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_NO_MEMORY, NULL);
}

OM_uint32 sm_ok(OM_uint32 *minor)
{
	if (minor != NULL)
		*minor = 0;
	return GSS_S_COMPLETE;
}

const char *sm_status_sentence(OM_uint32 code)
{
	if (code != 0 && code == last_failure.code)
		return last_failure.sentence;
	return sm_status_generic(code);
}

void sm_status_save(OM_uint32 *code, char *buf, size_t bufsize)
{
	*code = last_failure.code;
	snprintf(buf, bufsize, "%s", last_failure.sentence);
}

OM_uint32 sm_status_replay(OM_uint32 *minor, OM_uint32 major, OM_uint32 code,
			   const char *sentence)
{
	last_failure.code = code;
	snprintf(last_failure.sentence, SENTENCE_MAX, "%s", sentence);
	if (minor != NULL)
		*minor = code;
	return major;
}

const char *sm_quote(const void *text, size_t len, char *buf, size_t bufsize)
{
	const unsigned char *p = text;
	size_t used = 0, i;

	for (i = 0; i < len && used + 8 < bufsize; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			buf[used++] = (char)p[i];
		else
			used += (size_t)snprintf(buf + used, bufsize - used,
						 "\\x%02x", p[i]);
	}
	if (i < len && used + 4 <= bufsize) {
		memcpy(buf + used, "...", 3);
		used += 3;
	}
	buf[used] = '\0';
	return buf;
}
