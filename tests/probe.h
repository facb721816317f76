/*
 * What the programs that drive the mechanism through a real mechglue
 * share: TAP output, OIDs, names, and reading statuses back.
 */
#ifndef PROBE_H
#define PROBE_H

#include <stddef.h>
#include <gssapi/gssapi.h>

#include "glue.h"

static gss_OID_desc nt_user __attribute__((unused)) = { 10, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x01\x01" };
static gss_OID_desc nt_export __attribute__((unused)) = { 6, (void *)"\x2b\x06\x01\x05\x06\x04" };
static gss_OID_set_desc mech_only __attribute__((unused)) = { 1, &mech };

/* One TAP line, "ok N - MIT mechglue: ..." or "not ok ...". */
void check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The plan line; the exit status (0 when every check passed). */
int probe_finish(void);

int oid_eq(gss_const_OID a, gss_const_OID b);
int set_has(gss_OID_set set, gss_const_OID oid);
/* The mechanism's sentence for a minor status, as applications see it;
 * empty after success, so test descriptions show only real failures. */
const char *minor_text(OM_uint32 minor);
gss_name_t import(const char *text, gss_OID type);
int displays_as(gss_name_t name, const char *expected, gss_const_OID type);
/* Does the trace file (GSS_SODIUM_TRACE) contain `text`? */
int trace_has(const char *text);
/* The trace file's size now, and the lines with `text` written after that
 * size: what one step added, in a probe that does several. */
long trace_size(void);
int trace_count_since(long from, const char *text);
int buffer_is(const gss_buffer_desc *b, const char *text);
/* Two channel bindings that differ in their application data only. */
void probe_bindings(struct gss_channel_bindings_struct *a,
		    struct gss_channel_bindings_struct *b);

#endif
