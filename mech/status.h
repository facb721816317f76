/* Minor status codes and the sentences gss_display_status() shows for them. */
#ifndef SM_STATUS_H
#define SM_STATUS_H

#include <gssapi/gssapi.h>
#include "gssapi/gssapi_sodium.h"

/*
 * Record a failure for the calling thread and return `major`.  *minor is set
 * to `code`; the formatted sentence (or the code's generic sentence when fmt
 * is NULL) is what gss_display_status() shows for that code in this thread
 * until the next failure.
 */
OM_uint32 sm_fail(OM_uint32 *minor, OM_uint32 major, OM_uint32 code,
		  const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* GSS_S_FAILURE for memory that could not be had, the one way to say it. */
OM_uint32 sm_no_memory(OM_uint32 *minor);

/* Forget the calling thread's last failure and set *minor to 0. */
OM_uint32 sm_ok(OM_uint32 *minor);

/* The sentence for `code` as this thread would display it now. */
const char *sm_status_sentence(OM_uint32 code);

/* The generic sentence for `code`, or NULL when the code is not ours. */
const char *sm_status_generic(OM_uint32 code);

/* Copy the calling thread's last failure (code and sentence) into `code` and
 * `buf`, so that a failure can be replayed later in another thread. */
void sm_status_save(OM_uint32 *code, char *buf, size_t bufsize);
OM_uint32 sm_status_replay(OM_uint32 *minor, OM_uint32 major, OM_uint32 code,
			   const char *sentence);


/* Write `text` (len bytes) into buf as a short printable quotation for an
 * error sentence: control and non-ASCII bytes escaped, long text cut. */
const char *sm_quote(const void *text, size_t len, char *buf, size_t bufsize);
#define SM_QUOTE_MAX 100

#endif
