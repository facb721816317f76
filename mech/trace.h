/*
 * Tracing: when GSS_SODIUM_TRACE names a file, one line per event is
 * appended to it.  Never pass key bytes to it.
 */
#ifndef SM_TRACE_H
#define SM_TRACE_H

/* Open the trace file named by the environment, if any (called once). */
void sm_trace_open(void);

void sm_trace(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
