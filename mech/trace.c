/* One line per event in the file GSS_SODIUM_TRACE names. */
#include "config.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

static int trace_fd = -1;

void sm_trace_open(void)
{
	const char *path = secure_getenv("GSS_SODIUM_TRACE");

	if (path != NULL && path[0] != '\0')
		trace_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

void sm_trace(const char *fmt, ...)
{
	char line[1024];
	struct timespec now;
	va_list ap;
	int n, m;

	if (trace_fd < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &now);
	n = snprintf(line, sizeof(line), "%lld.%06ld [%d] ", (long long)now.tv_sec,
		     now.tv_nsec / 1000, (int)getpid());
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* One write per line keeps lines whole when processes share the file. */
	if (write(trace_fd, line, (size_t)n) < 0)
		return;
}
