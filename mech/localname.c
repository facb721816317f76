/* Mapping authenticated names to local accounts. */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "files.h"
#include "init.h"
#include "localname.h"
#include "oids.h"
#include "status.h"

/* LOGIN_NAME_MAX on Linux, without its NUL. */
#define ACCOUNT_MAX 255

/* An account name as useradd(8) and the POSIX portable set allow it: no
 * blank, no '/', no ':', no control character, not starting with '-'. */
static int account_ok(const char *text, size_t len)
{
	size_t i;

	if (len == 0 || len > ACCOUNT_MAX || text[0] == '-')
		return 0;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c <= ' ' || c == 0x7f || c == '/' || c == ':')
			return 0;
	}
	return 1;
}

static OM_uint32 map_error(OM_uint32 *minor, const char *path, unsigned line,
			   const char *why)
{
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_LOCALNAME_MAP_SYNTAX,
		       "%s line %u: %s", path, line, why);
}

/*
 * Walk the local account map (its path to `path`) for the accounts of the
 * user `user` (NULL: none, only check the file): `first` (ACCOUNT_MAX + 1)
 * receives the first, or "", and *granted says whether `account` (if not
 * NULL) is among them.  The whole file is checked, so that a malformed
 * line is an error wherever it is, never skipped.
 */
static OM_uint32 search_map(OM_uint32 *minor, const char *user, const char *account,
			    size_t account_len, char *path, char *first, int *granted)
{
	const char *field[2], *line;
	size_t field_len[2], line_len, n;
	struct sm_locations loc;
	struct sm_lines lines;
	OM_uint32 major;
	char *text;
	size_t len;

	*granted = 0;
	first[0] = '\0';
	major = sm_locations(minor, SM_FILE_LOCALNAMES, &loc);
	if (GSS_ERROR(major))
		return major;
	strcpy(path, loc.path[0]);
	major = sm_file_read(minor, SM_FILE_LOCALNAMES, loc.path[0], 1, &text, &len);
	if (GSS_ERROR(major))
		return major;
	sm_lines_init(&lines, text, len);
	while (sm_lines_next(&lines, &line, &line_len)) {
		if (memchr(line, '\0', line_len) != NULL) {
			major = map_error(minor, loc.path[0], lines.number, "contains a NUL byte");
			break;
		}
		n = sm_line_fields(line, line_len, field, field_len, 2);
		if (n == 0)
			continue;
		if (n != 2) {
			major = map_error(minor, loc.path[0], lines.number,
					  "expected 'NAME ACCOUNT'");
			break;
		}
		if (field_len[0] > SM_NAME_MAX || memchr(field[0], '@', field_len[0]) != NULL) {
			major = map_error(minor, loc.path[0], lines.number,
					  "the name is not a user name; host-based names never map to a local account");
			break;
		}
		if (!account_ok(field[1], field_len[1])) {
			major = map_error(minor, loc.path[0], lines.number,
					  "the account is not a user name such as 'alice' (no blank, '/' or ':', at most 255 bytes)");
			break;
		}
		if (user == NULL || field_len[0] != strlen(user) ||
		    memcmp(field[0], user, field_len[0]) != 0)
			continue;
		if (first[0] == '\0') {
			memcpy(first, field[1], field_len[1]);
			first[field_len[1]] = '\0';
		}
		if (account != NULL && field_len[1] == account_len &&
		    memcmp(field[1], account, account_len) == 0)
			*granted = 1;
	}
	sm_file_release(text, len);
	return major;
}

static OM_uint32 no_account(OM_uint32 *minor, OM_uint32 major, OM_uint32 code,
			    const struct sm_name *name, const char *why)
{
	char shown[SM_QUOTE_MAX];

	if (name->kind == SM_NAME_ANONYMOUS)
		strcpy(shown, SM_ANONYMOUS_DISPLAY);
	else
		sm_quote(name->text, strlen(name->text), shown, sizeof(shown));
	return sm_fail(minor, major, code, "'%s' %s", shown, why);
}

/* Why a name has no account before any file is read, or NULL. */
static const char *never_maps(const struct sm_name *name, int policy)
{
	if (name->kind == SM_NAME_ANONYMOUS)
		return "is anonymous, and anonymous names never map to a local account";
	if (name->kind != SM_NAME_USER)
		return "is a host-based name, and host-based names never map to a local account";
	if (policy == SM_LOCALNAME_NONE)
		return "maps to no local account: the settings file says localname = none (set same or map to allow it)";
	return NULL;
}

OM_uint32 sm_localname(OM_uint32 *minor, const struct sm_name *name, gss_buffer_t out)
{
	char account[ACCOUNT_MAX + 1], path[PATH_MAX];
	const char *why;
	OM_uint32 major;
	int policy, granted;

	major = sm_init(minor);
	if (GSS_ERROR(major))
		return major;
	policy = sm_current_settings()->localname;
	why = never_maps(name, policy);
	if (why != NULL)
		return no_account(minor, GSS_S_UNAVAILABLE, GSS_SODIUM_S_NO_LOCAL_NAME, name, why);
	if (policy == SM_LOCALNAME_SAME)
		return sm_buffer_copy(minor, name->text, strlen(name->text), out);
	major = search_map(minor, name->text, NULL, 0, path, account, &granted);
	if (GSS_ERROR(major))
		return major;
	if (account[0] == '\0')
		return no_account(minor, GSS_S_UNAVAILABLE, GSS_SODIUM_S_NO_LOCAL_NAME, name,
				  "has no line in the local account map");
	return sm_buffer_copy(minor, account, strlen(account), out);
}

OM_uint32 sm_authorize_localname(OM_uint32 *minor, const struct sm_name *name,
				 const gss_buffer_desc *user, gss_const_OID user_type)
{
	char first[ACCOUNT_MAX + 1], asked[SM_QUOTE_MAX], why[SM_QUOTE_MAX + 128];
	char path[PATH_MAX];
	const char *never;
	OM_uint32 major;
	int policy, granted;

	major = sm_init(minor);
	if (GSS_ERROR(major))
		return major;
	if (user_type != GSS_C_NO_OID && !sm_oid_equal(user_type, &sm_nt_user_name))
		return sm_fail(minor, GSS_S_BAD_NAMETYPE, GSS_SODIUM_S_BAD_NAME_TYPE,
			       "a local account is named by a user name (GSS_C_NT_USER_NAME)");
	sm_quote(user->value, user->length, asked, sizeof(asked));
	policy = sm_current_settings()->localname;
	never = never_maps(name, policy);
	if (never != NULL)
		return no_account(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_NOT_AUTHORIZED, name,
				  never);
	if (policy == SM_LOCALNAME_SAME) {
		granted = user->length == strlen(name->text) &&
			  memcmp(user->value, name->text, user->length) == 0;
	} else {
		major = search_map(minor, name->text, user->value, user->length, path, first,
				   &granted);
		if (GSS_ERROR(major))
			return major;
	}
	if (granted)
		return sm_ok(minor);
	snprintf(why, sizeof(why), "may not use the local account '%s'%s", asked,
		 policy == SM_LOCALNAME_SAME ? " (localname = same allows only the account of the same name)"
					     : "; the local account map has no line giving it");
	return no_account(minor, GSS_S_UNAUTHORIZED, GSS_SODIUM_S_NOT_AUTHORIZED, name, why);
}

OM_uint32 sm_localname_map_check(OM_uint32 *minor, char *path)
{
	char first[ACCOUNT_MAX + 1];
	int granted;

	return search_map(minor, NULL, NULL, 0, path, first, &granted);
}
