/* Reading sodium.conf. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "files.h"
#include "settings.h"
#include "status.h"

enum value_type {
	DURATION, BOOLEAN, ABSOLUTE_PATH, SIZE, LOCALNAME_POLICY, REPLAY_STORE,
	MILLISECONDS, TICKET_CACHE
};

static const struct setting {
	const char *key;
	enum value_type type;
	size_t offset;
} settings_table[] = {
	{ "context_lifetime", DURATION, offsetof(struct sm_settings, context_lifetime) },
	{ "allow_anonymous", BOOLEAN, offsetof(struct sm_settings, allow_anonymous) },
	{ "allow_unknown_initiators", BOOLEAN, offsetof(struct sm_settings, allow_unknown_initiators) },
	{ "export_max_age", DURATION, offsetof(struct sm_settings, export_max_age) },
	{ "import_once", BOOLEAN, offsetof(struct sm_settings, import_once) },
	{ "rcache_dir", ABSOLUTE_PATH, offsetof(struct sm_settings, rcache_dir) },
	{ "rcache_max_size", SIZE, offsetof(struct sm_settings, rcache_max_size) },
	{ "export_bind_uid", BOOLEAN, offsetof(struct sm_settings, export_bind_uid) },
	{ "clock_skew", DURATION, offsetof(struct sm_settings, clock_skew) },
	{ "localname", LOCALNAME_POLICY, offsetof(struct sm_settings, localname) },
	{ "replay_cache", REPLAY_STORE, offsetof(struct sm_settings, replay_cache) },
	{ "replay_cache_auth", ABSOLUTE_PATH, offsetof(struct sm_settings, replay_cache_auth) },
	{ "replay_cache_timeout", MILLISECONDS, offsetof(struct sm_settings, replay_cache_timeout) },
	{ "resumption", BOOLEAN, offsetof(struct sm_settings, resumption) },
	{ "ticket_lifetime", DURATION, offsetof(struct sm_settings, ticket_lifetime) },
	{ "ticket_cache", TICKET_CACHE, offsetof(struct sm_settings, ticket_cache) },
};
#define SETTING_COUNT (sizeof(settings_table) / sizeof(settings_table[0]))
#define SETTING_NAMES "context_lifetime, allow_anonymous, allow_unknown_initiators, export_max_age, import_once, rcache_dir, rcache_max_size, export_bind_uid, clock_skew, localname, replay_cache, replay_cache_auth, replay_cache_timeout, resumption, ticket_lifetime, ticket_cache"

/* Longest duration accepted: a signed 32-bit count of seconds. */
#define DURATION_MAX 2147483647UL
#define SIZE_SETTING_MIN (8ULL << 20)
#define SIZE_SETTING_MAX (64ULL << 30)

void sm_settings_defaults(struct sm_settings *s)
{
	memset(s, 0, sizeof(*s));
	s->context_lifetime = 10 * 3600;
	/* An exported context is meant to be imported at once; a short life
	 * limits what a stolen token is worth and bounds the replay cache. */
	s->export_max_age = 600;
	s->import_once = 1;
	/* Enough for 10,000 imports a second, sustained, at the default
	 * export_max_age (tests/check_rcache.c measures it). */
	s->rcache_max_size = SM_RCACHE_MAX_SIZE_DEFAULT;
	/* krb5's clockskew. */
	s->clock_skew = 300;
	/* A shared replay cache on a local network answers in well under a
	 * millisecond; half a second means it is not answering. */
	s->replay_cache_timeout = 500;
	/* A resumed handshake costs a third of a full one; a ticket lives as
	 * long as a context may (a Kerberos ticket's ten hours). */
	s->resumption = 1;
	s->ticket_lifetime = 10 * 3600;
}

/* A number with an optional one-letter unit from `units` (a letter, then
 * its multiplier; the letter '\0' for none), from `min` to `max`. */
struct unit {
	char letter;
	unsigned long long times;
};

static int parse_scaled(const char *v, const struct unit *units, size_t unit_count,
			unsigned long long min, unsigned long long max,
			unsigned long long *out)
{
	unsigned long long n = 0;
	const char *p = v;
	size_t i;

	if (!isdigit((unsigned char)*p))
		return 0;
	for (; isdigit((unsigned char)*p); p++) {
		n = n * 10 + (unsigned long long)(*p - '0');
		if (n > max)
			return 0;
	}
	if (*p != '\0' && p[1] != '\0')
		return 0;
	for (i = 0; i < unit_count && units[i].letter != *p; i++)
		;
	if (i == unit_count || n > max / units[i].times || n * units[i].times < min)
		return 0;
	*out = n * units[i].times;
	return 1;
}

/* "36000", "45s", "90m", "10h", "2d". */
static int parse_duration(const char *v, unsigned long *out)
{
	static const struct unit units[] = {
		{ '\0', 1 }, { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }
	};
	unsigned long long n;

	if (!parse_scaled(v, units, sizeof(units) / sizeof(units[0]), 0, DURATION_MAX, &n))
		return 0;
	*out = (unsigned long)n;
	return 1;
}

/* "8388608", "8192K", "256M", "2G": bytes, at least 8M, at most 64G. */
static int parse_size(const char *v, unsigned long long *out)
{
	static const struct unit units[] = {
		{ '\0', 1 }, { 'K', 1ULL << 10 }, { 'M', 1ULL << 20 }, { 'G', 1ULL << 30 }
	};

	return parse_scaled(v, units, sizeof(units) / sizeof(units[0]), SIZE_SETTING_MIN,
			    SIZE_SETTING_MAX, out);
}

static int parse_boolean(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < 4; i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 1;
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 1;
	}
	return 0;
}

/* One of a setting's words, as its index. */
static int parse_word(const char *v, const char *const *words, int count, int *out)
{
	int i;

	for (i = 0; i < count; i++)
		if (strcmp(v, words[i]) == 0)
			return *out = i, 1;
	return 0;
}

static int parse_localname_policy(const char *v, int *out)
{
	static const char *const words[] = {
		[SM_LOCALNAME_NONE] = "none", [SM_LOCALNAME_SAME] = "same",
		[SM_LOCALNAME_MAP] = "map"
	};

	return parse_word(v, words, 3, out);
}

static int parse_ticket_cache(const char *v, int *out)
{
	static const char *const words[] = {
		[SM_TICKET_CACHE_MEMORY] = "memory", [SM_TICKET_CACHE_FILE] = "file"
	};

	return parse_word(v, words, 2, out);
}

/* "file", "redis://HOST:PORT" or "redis://HOST:PORT/DB" (HOST a name, an
 * IPv4 address or a bracketed IPv6 one), "unix:/PATH" or "unix:/PATH?db=DB". */
static int parse_replay_store(const char *v, struct sm_replay_store *out)
{
	const char *host, *end, *p;
	unsigned long n;
	char *stop;

	memset(out, 0, sizeof(*out));
	if (strlen(v) >= sizeof(out->shown))
		return 0;
	strcpy(out->shown, v);
	if (strcmp(v, "file") == 0)
		return 1;
	out->redis = 1;
	if (strncmp(v, "unix:/", 6) == 0) {
		p = strstr(v, "?db=");
		end = p != NULL ? p : v + strlen(v);
		if ((size_t)(end - (v + 5)) >= sizeof(out->socket))
			return 0;
		memcpy(out->socket, v + 5, (size_t)(end - (v + 5)));
		if (p == NULL)
			return 1;
		p += 4;
	} else if (strncmp(v, "redis://", 8) == 0) {
		host = v + 8;
		if (*host == '[') {
			end = strchr(++host, ']');
			p = end != NULL ? end + 1 : NULL;
		} else {
			end = strchr(host, ':');
			p = end;
		}
		if (end == NULL || p == NULL || *p != ':' || end == host ||
		    (size_t)(end - host) >= sizeof(out->host))
			return 0;
		memcpy(out->host, host, (size_t)(end - host));
		if (!isdigit((unsigned char)p[1]))
			return 0;
		n = strtoul(p + 1, &stop, 10);
		if (n == 0 || n > 65535)
			return 0;
		out->port = (unsigned)n;
		if (*stop == '\0')
			return 1;
		if (*stop != '/')
			return 0;
		p = stop + 1;
	} else {
		return 0;
	}
	if (!isdigit((unsigned char)*p))
		return 0;
	n = strtoul(p, &stop, 10);
	if (*stop != '\0' || n > 65535)
		return 0;
	out->db = (unsigned)n;
	return 1;
}

static OM_uint32 line_error(OM_uint32 *minor, OM_uint32 code, const char *path,
			    unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static OM_uint32 line_error(OM_uint32 *minor, OM_uint32 code, const char *path,
			    unsigned line, const char *fmt, ...)
{
	char what[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return sm_fail(minor, GSS_S_FAILURE, code, "%s line %u: %s", path, line, what);
}

static OM_uint32 apply(OM_uint32 *minor, const char *path, unsigned line,
		       const char *key, const char *value, struct sm_settings *s,
		       unsigned *seen)
{
	char qk[SM_QUOTE_MAX], qv[SM_QUOTE_MAX];
	const struct setting *st = NULL;
	void *field;
	size_t i;

	for (i = 0; i < SETTING_COUNT; i++)
		if (strcmp(key, settings_table[i].key) == 0)
			st = &settings_table[i];
	sm_quote(key, strlen(key), qk, sizeof(qk));
	sm_quote(value, strlen(value), qv, sizeof(qv));
	if (st == NULL)
		return line_error(minor, GSS_SODIUM_S_SETTINGS_UNKNOWN_KEY, path, line,
				  "unknown setting '%s'; the settings are %s", qk,
				  SETTING_NAMES);
	if (*seen & (1u << (st - settings_table)))
		return line_error(minor, GSS_SODIUM_S_SETTINGS_SYNTAX, path, line,
				  "'%s' is set a second time; keep one line", qk);
	*seen |= 1u << (st - settings_table);
	field = (char *)s + st->offset;
	switch (st->type) {
	case DURATION:
		if (!parse_duration(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not a duration such as 3600, 90m, 10h or 2d (at most 68 years)",
					  qk, qv);
		break;
	case BOOLEAN:
		if (!parse_boolean(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not yes or no", qk, qv);
		break;
	case ABSOLUTE_PATH:
		if (value[0] != '/' || strlen(value) >= PATH_MAX)
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not an absolute path", qk, qv);
		strcpy(field, value);
		break;
	case LOCALNAME_POLICY:
		if (!parse_localname_policy(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not none, same or map", qk, qv);
		break;
	case TICKET_CACHE:
		if (!parse_ticket_cache(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not memory or file", qk, qv);
		break;
	case REPLAY_STORE:
		if (!parse_replay_store(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not file, redis://HOST:PORT[/DB] or unix:/PATH[?db=DB]",
					  qk, qv);
		break;
	case MILLISECONDS: {
		static const struct unit ms[] = { { '\0', 1 } };
		unsigned long long n;

		if (!parse_scaled(value, ms, 1, 1, 60000, &n))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not a number of milliseconds from 1 to 60000",
					  qk, qv);
		*(unsigned long *)field = (unsigned long)n;
		break;
	}
	case SIZE:
		if (!parse_size(value, field))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_BAD_VALUE, path, line,
					  "%s = '%s' is not a size from 8M to 64G such as 512M or 2G",
					  qk, qv);
		break;
	}
	return sm_ok(minor);
}

/* A part of a line, without its blanks, as a string in buf (which holds
 * the line, so it is large enough). */
static char *trimmed(const char *text, size_t len, char *buf)
{
	text = sm_line_trim(text, &len);
	memcpy(buf, text, len);
	buf[len] = '\0';
	return buf;
}

OM_uint32 sm_settings_parse(OM_uint32 *minor, const char *path, const char *text,
			    size_t len, struct sm_settings *s)
{
	char key[PATH_MAX + 128], value[PATH_MAX + 128];
	const char *p, *content, *eq;
	size_t line_len, content_len;
	struct sm_lines lines;
	unsigned seen = 0;
	OM_uint32 major;

	sm_lines_init(&lines, text, len);
	while (sm_lines_next(&lines, &p, &line_len)) {
		const unsigned line = lines.number;

		if (line_len >= sizeof(key))
			return line_error(minor, GSS_SODIUM_S_SETTINGS_SYNTAX, path, line,
					  "the line is too long");
		if (memchr(p, '\0', line_len) != NULL)
			return line_error(minor, GSS_SODIUM_S_SETTINGS_SYNTAX, path, line,
					  "the line contains a NUL byte");
		content_len = line_len;
		content = sm_line_trim(p, &content_len);
		if (content_len == 0)
			continue;
		eq = memchr(content, '=', content_len);
		if (eq == NULL)
			return line_error(minor, GSS_SODIUM_S_SETTINGS_SYNTAX, path, line,
					  "expected 'key = value'");
		trimmed(content, (size_t)(eq - content), key);
		trimmed(eq + 1, content_len - (size_t)(eq + 1 - content), value);
		if (*key == '\0' || *value == '\0')
			return line_error(minor, GSS_SODIUM_S_SETTINGS_SYNTAX, path, line,
					  "expected 'key = value', with both present");
		major = apply(minor, path, line, key, value, s, &seen);
		if (GSS_ERROR(major))
			return major;
	}
	return sm_ok(minor);
}

OM_uint32 sm_settings_load(OM_uint32 *minor, struct sm_settings *s, char *path_out)
{
	struct sm_locations loc;
	OM_uint32 major;
	size_t len;
	char *text;

	sm_settings_defaults(s);
	path_out[0] = '\0';
	major = sm_locations(minor, SM_FILE_SETTINGS, &loc);
	if (GSS_ERROR(major))
		return major;
	major = sm_file_read(minor, SM_FILE_SETTINGS, loc.path[0],
			     loc.from_environment, &text, &len);
	if (GSS_ERROR(major) || text == NULL)
		return major;
	major = sm_settings_parse(minor, loc.path[0], text, len, s);
	sm_file_release(text, len);
	if (!GSS_ERROR(major))
		strcpy(path_out, loc.path[0]);
	return major;
}
