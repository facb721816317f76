/* The helpers of the mechglue probes (probe.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"

static int tests_run, tests_failed;

void check(int ok, const char *fmt, ...)
{
	va_list ap;

	tests_run++;
	if (!ok)
		tests_failed++;
	printf("%s %d - " GLUE " mechglue: ", ok ? "ok" : "not ok", tests_run);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

int oid_eq(gss_const_OID a, gss_const_OID b)
{
	return a != NULL && b != NULL && a->length == b->length &&
	       memcmp(a->elements, b->elements, a->length) == 0;
}

int set_has(gss_OID_set set, gss_const_OID oid)
{
	size_t i;

	for (i = 0; set != GSS_C_NO_OID_SET && i < set->count; i++)
		if (oid_eq(&set->elements[i], oid))
			return 1;
	return 0;
}

const char *minor_text(OM_uint32 minor)
{
	static char text[1024];
	gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 m, ctx = 0;

	text[0] = '\0';
	if (minor != 0 && gss_display_status(&m, minor, GSS_C_MECH_CODE, &mech, &ctx, &buf) ==
	    GSS_S_COMPLETE) {
		snprintf(text, sizeof(text), "%.*s", (int)buf.length, (char *)buf.value);
		gss_release_buffer(&m, &buf);
	}
	return text;
}

gss_name_t import(const char *text, gss_OID type)
{
	gss_buffer_desc buf = { strlen(text), (void *)text };
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 minor;

	gss_import_name(&minor, &buf, type, &name);
	return name;
}

int displays_as(gss_name_t name, const char *expected, gss_const_OID type)
{
	gss_buffer_desc buf = GSS_C_EMPTY_BUFFER;
	gss_OID shown_type = GSS_C_NO_OID;
	OM_uint32 minor;
	int ok;

	if (gss_display_name(&minor, name, &buf, &shown_type) != GSS_S_COMPLETE)
		return 0;
	ok = buf.length == strlen(expected) && memcmp(buf.value, expected, buf.length) == 0 &&
	     (type == GSS_C_NO_OID || oid_eq(shown_type, type));
	if (!ok)
		printf("# displayed '%.*s'\n", (int)buf.length, (char *)buf.value);
	gss_release_buffer(&minor, &buf);
	return ok;
}

int trace_has(const char *text)
{
	char line[2048];
	int found = 0;
	FILE *f = fopen(getenv("GSS_SODIUM_TRACE"), "r");

	while (f != NULL && !found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

long trace_size(void)
{
	FILE *f = fopen(getenv("GSS_SODIUM_TRACE"), "r");
	long size = 0;

	if (f != NULL && fseek(f, 0, SEEK_END) == 0)
		size = ftell(f);
	if (f != NULL)
		fclose(f);
	return size < 0 ? 0 : size;
}

int trace_count_since(long from, const char *text)
{
	char line[2048];
	int count = 0;
	FILE *f = fopen(getenv("GSS_SODIUM_TRACE"), "r");

	if (f != NULL && fseek(f, from, SEEK_SET) == 0)
		while (fgets(line, sizeof(line), f) != NULL)
			count += strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return count;
}

int buffer_is(const gss_buffer_desc *b, const char *text)
{
	return b->length == strlen(text) && memcmp(b->value, text, b->length) == 0;
}

void probe_bindings(struct gss_channel_bindings_struct *a,
		    struct gss_channel_bindings_struct *b)
{
	memset(a, 0, sizeof(*a));
	memset(b, 0, sizeof(*b));
	a->application_data.value = (void *)"tls-server-end-point:1";
	a->application_data.length = 22;
	b->application_data.value = (void *)"tls-server-end-point:2";
	b->application_data.length = 22;
}

int probe_finish(void)
{
	printf("1..%d\n", tests_run);
	return tests_failed == 0 ? 0 : 1;
}
