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

static const char *const generic_sentences[] = {
	[GSS_SODIUM_S_NO_MEMORY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: out of memory",
	[GSS_SODIUM_S_LIBRARY_INIT - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the mechanism could not be initialised",
	[GSS_SODIUM_S_NOT_YET_IMPLEMENTED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: this operation is not available in this version of the mechanism",
	[GSS_SODIUM_S_WRONG_MECH - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the requested mechanism is not gss-sodium",
	[GSS_SODIUM_S_BAD_NAME_SYNTAX - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the name is not valid; names look like 'alice' or 'service@host'",
	[GSS_SODIUM_S_BAD_NAME_TYPE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the name type is not supported; use a user name, a host-based service name, an anonymous name or an exported name",
	[GSS_SODIUM_S_BAD_EXPORT_NAME - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported name token is malformed or belongs to another mechanism",
	[GSS_SODIUM_S_NO_LOCAL_NAME - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: only user names have a local account name",
	[GSS_SODIUM_S_FILE_MISSING - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a key or settings file does not exist",
	[GSS_SODIUM_S_FILE_UNREADABLE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a key or settings file could not be read",
	[GSS_SODIUM_S_FILE_PERMISSIONS - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a key or settings file is open to other users and was refused",
	[GSS_SODIUM_S_FILE_SYNTAX - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a key file has a malformed line",
	[GSS_SODIUM_S_FILE_EMPTY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a key file holds no keys",
	[GSS_SODIUM_S_KEY_NOT_FOUND - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: no key for the requested name",
	[GSS_SODIUM_S_SETTINGS_SYNTAX - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the settings file has a malformed line",
	[GSS_SODIUM_S_SETTINGS_UNKNOWN_KEY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the settings file names an unknown setting",
	[GSS_SODIUM_S_SETTINGS_BAD_VALUE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the settings file gives a setting a value it cannot take",
	[GSS_SODIUM_S_BAD_CRED_STORE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the credential store gives a gss-sodium key more than once",
	[GSS_SODIUM_S_BAD_USAGE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the credential usage is not initiate, accept or both",
	[GSS_SODIUM_S_CRED_HAS_MECH - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the credential already holds a gss-sodium element",
	[GSS_SODIUM_S_NO_CONTEXT - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: no such security context",
	[GSS_SODIUM_S_BAD_STATUS_TYPE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: only mechanism status codes can be displayed by the mechanism",
	[GSS_SODIUM_S_UNKNOWN_CODE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: unknown minor status code",	/* followed by the code */
	[GSS_SODIUM_S_BAD_TOKEN - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the token is malformed or truncated",
	[GSS_SODIUM_S_BAD_VERSION - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the token has a protocol version this mechanism does not speak",
	[GSS_SODIUM_S_HANDSHAKE_FAILED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the handshake token failed authentication; it was altered or is not for this key",
	[GSS_SODIUM_S_NO_ACCEPTOR_KEY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the initiator addressed an acceptor key this credential does not hold",
	[GSS_SODIUM_S_NO_PEER_KEY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the target has no entry in the peers file",
	[GSS_SODIUM_S_UNTRUSTED_INITIATOR - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the initiator's key is not in the peers file",
	[GSS_SODIUM_S_ANONYMOUS_REFUSED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: anonymous initiators are not allowed (allow_anonymous = no)",
	[GSS_SODIUM_S_BINDINGS_MISMATCH - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the channel bindings of initiator and acceptor differ",
	[GSS_SODIUM_S_CONTEXT_EXPIRED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the security context has expired",
	[GSS_SODIUM_S_CONTEXT_NOT_OPEN - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the security context is not established",
	[GSS_SODIUM_S_BAD_SIGNATURE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the message token failed authentication; it was altered or belongs to another context",
	[GSS_SODIUM_S_REFLECTED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the message token was sent by this side of the context (reflected)",
	[GSS_SODIUM_S_BAD_QOP - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: only the default quality of protection (0) is supported",
	[GSS_SODIUM_S_MESSAGE_TOO_LONG - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the message is too long for one token",
	[GSS_SODIUM_S_CRED_USAGE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the credential cannot be used in this direction",
	[GSS_SODIUM_S_BAD_IOV - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the IOV buffers do not describe a token of this mechanism",
	[GSS_SODIUM_S_PRF_LENGTH - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the requested pseudo-random output is too long",
	[GSS_SODIUM_S_NO_SEALING_KEY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: no sealing key is configured; create one with 'gss-sodium sealkey new'",
	[GSS_SODIUM_S_UNKNOWN_SEALING_KEY - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context was sealed with a key this keyring does not hold or has retired",
	[GSS_SODIUM_S_SEALED_TOKEN_FORGED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context token failed authentication; it was altered, truncated or sealed under another key",
	[GSS_SODIUM_S_SEALED_TOKEN_EXPIRED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context token is past its not-after time",
	[GSS_SODIUM_S_WRONG_UID - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context token is bound to another user id",
	[GSS_SODIUM_S_TOKEN_REPLAYED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context token was already imported once (import_once = yes)",
	[GSS_SODIUM_S_RCACHE_UNUSABLE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: a replay cache cannot be used, so the import or handshake was refused",
	[GSS_SODIUM_S_SEALED_TOKEN_FUTURE - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the exported context token was created further in the future than clock_skew allows",
	[GSS_SODIUM_S_CLOCK_SKEW - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the initiator's clock and the acceptor's differ by more than clock_skew allows",
	[GSS_SODIUM_S_HANDSHAKE_REPLAYED - GSS_SODIUM_MINOR_BASE] =
		"gss-sodium: the initiator's token was accepted before; a handshake is accepted once",
};

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
