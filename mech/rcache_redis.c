/*
 * The replay caches on a Redis server shared by a farm of hosts
 * (replay_cache = redis://... or unix:...).
 *
 * A record is one key, gss-sodium:USE:SCOPE:ID, set only if absent and
 * expiring at the record's expiry, by a script that first compares that
 * expiry with the server's clock: the server's clock is the farm's clock
 * for records, so a host whose clock is behind cannot record (and so
 * admit) a token whose record the server would drop at once.  One round
 * trip per record.
 *
 * The process keeps one idle connection.  A call takes it (or makes a new
 * one when another thread holds it), uses it without a lock, and puts it
 * back unless another connection went back first; so no lock is held
 * across the round trip, and a child process, which sees a connection made
 * by another pid, drops its copy instead of sharing the parent's stream.
 * Any failure fails closed: the caller refuses, never falls back to the
 * files, which would let a token be admitted on two hosts.
 */
#include "config.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "files.h"
#include "init.h"
#include "rcache.h"
#include "resp.h"
#include "status.h"
#include "trace.h"

/* KEYS[1] the record, ARGV[1] its expiry (Unix seconds).  Returns 1 when
 * recorded now, 0 when recorded before, and minus the server's clock when
 * the expiry is not after it. */
static const char record_script[] =
	"local now = tonumber(redis.call('TIME')[1]) "
	"if tonumber(ARGV[1]) <= now then return -now end "
	"if redis.call('SET', KEYS[1], '1', 'NX', 'EXAT', ARGV[1]) then return 1 end "
	"return 0";

static _Atomic(struct sm_resp *) idle_connection;

static OM_uint32 unusable(OM_uint32 *minor, const struct sm_settings *s, enum sm_rcache_use use,
			  const char *why)
{
	return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_RCACHE_UNUSABLE,
		       "the %s on %s cannot be used (%s), so the %s was refused",
		       sm_rcache_uses[use].cache, s->replay_cache.shown, why,
		       sm_rcache_uses[use].word);
}

/* AUTH with the user and password of replay_cache_auth, when set. */
static int authenticate(struct sm_resp *c, const struct sm_settings *s, char *why)
{
	const char *field[2], *found[2], *argv[3], *line;
	size_t field_len[2], found_len[2], len, lens[3], line_len, k, n = 0;
	struct sm_resp_reply *reply;
	struct sm_lines lines;
	int r, count = 0;
	OM_uint32 minor;
	char *text;

	if (s->replay_cache_auth[0] == '\0')
		return 0;
	if (GSS_ERROR(sm_file_read(&minor, SM_FILE_REPLAY_AUTH, s->replay_cache_auth, 1, &text,
				   &len))) {
		snprintf(why, SM_RESP_WHY_MAX, "%s", sm_status_sentence(minor));
		return -1;
	}
	sm_lines_init(&lines, text, len);
	while (sm_lines_next(&lines, &line, &line_len)) {
		k = sm_line_fields(line, line_len, found, found_len, 2);
		if (k > 0 && ++count == 1 && k <= 2) {
			n = k;
			memcpy(field, found, sizeof(found));
			memcpy(field_len, found_len, sizeof(found_len));
		}
	}
	if (count != 1 || n == 0) {
		sm_file_release(text, len);
		snprintf(why, SM_RESP_WHY_MAX, "%.150s must hold one line, 'USER PASSWORD' or 'PASSWORD'",
			 s->replay_cache_auth);
		return -1;
	}
	argv[0] = "AUTH";
	lens[0] = 4;
	memcpy(&argv[1], field, n * sizeof(field[0]));
	memcpy(&lens[1], field_len, n * sizeof(field_len[0]));
	reply = malloc(sizeof(*reply));
	r = reply == NULL ? (snprintf(why, SM_RESP_WHY_MAX, "out of memory"), -1)
			  : sm_resp_call(c, (int)n + 1, argv, lens, s->replay_cache_timeout, reply,
					 why);
	sm_file_release(text, len);
	if (r == 0 && reply->type != SM_RESP_STATUS) {
		snprintf(why, SM_RESP_WHY_MAX, "AUTH: %.200s", reply->text);
		r = -1;
	}
	if (reply != NULL)
		sodium_memzero(reply, sizeof(*reply));
	free(reply);
	return r;
}

static int select_db(struct sm_resp *c, const struct sm_settings *s, struct sm_resp_reply *reply,
		     char *why)
{
	char db[16];
	const char *argv[2] = { "SELECT", db };
	size_t lens[2] = { 6, 0 };

	if (s->replay_cache.db == 0)
		return 0;
	lens[1] = (size_t)snprintf(db, sizeof(db), "%u", s->replay_cache.db);
	if (sm_resp_call(c, 2, argv, lens, s->replay_cache_timeout, reply, why) != 0)
		return -1;
	if (reply->type != SM_RESP_STATUS) {
		snprintf(why, SM_RESP_WHY_MAX, "SELECT %s: %.200s", db, reply->text);
		return -1;
	}
	return 0;
}

/* The idle connection if it is this process's (*reused set), else a new
 * one. */
static struct sm_resp *take_connection(const struct sm_settings *s, struct sm_resp_reply *reply,
				       char *why, int *reused)
{
	struct sm_resp *c = atomic_exchange(&idle_connection, NULL);

	*reused = c != NULL && c->pid == getpid();
	if (*reused)
		return c;
	if (c != NULL) {
		/* Made before a fork: the stream is the parent's. */
		sm_resp_close(c);
	} else if ((c = malloc(sizeof(*c))) == NULL) {
		snprintf(why, SM_RESP_WHY_MAX, "out of memory");
		return NULL;
	}
	if (sm_resp_connect(c, &s->replay_cache, s->replay_cache_timeout, why) != 0 ||
	    authenticate(c, s, why) != 0 || select_db(c, s, reply, why) != 0) {
		sm_resp_close(c);
		free(c);
		return NULL;
	}
	sm_trace("replay cache: connected to %s", s->replay_cache.shown);
	return c;
}

static void give_back(struct sm_resp *c)
{
	struct sm_resp *none = NULL;

	if (c->fd < 0 || !atomic_compare_exchange_strong(&idle_connection, &none, c)) {
		sm_resp_close(c);
		free(c);
	}
}

OM_uint32 sm_rcache_redis_record(OM_uint32 *minor, enum sm_rcache_use use,
				 const unsigned char scope[SM_RCACHE_SCOPE_BYTES],
				 const unsigned char *id, size_t id_len, time_t now, time_t expires,
				 struct sm_rcache_answer *answer)
{
	const struct sm_settings *s = sm_current_settings();
	char key[96 + 2 * SM_RCACHE_ID_MAX], when[24], why[SM_RESP_WHY_MAX];
	char scope_hex[2 * SM_RCACHE_SCOPE_BYTES + 1], id_hex[2 * SM_RCACHE_ID_MAX + 1];
	const char *argv[5] = { "EVAL", record_script, "1", key, when };
	size_t lens[5] = { 4, sizeof(record_script) - 1, 1, 0, 0 };
	struct sm_resp_reply reply;
	struct sm_resp *c;
	int r, reused;

	sodium_bin2hex(scope_hex, sizeof(scope_hex), scope, SM_RCACHE_SCOPE_BYTES);
	sodium_bin2hex(id_hex, sizeof(id_hex), id, id_len);
	lens[3] = (size_t)snprintf(key, sizeof(key), "gss-sodium:%s:%s:%s",
				   sm_rcache_uses[use].word, scope_hex, id_hex);
	lens[4] = (size_t)snprintf(when, sizeof(when), "%lld", (long long)expires);
	c = take_connection(s, &reply, why, &reused);
	if (c == NULL)
		return unusable(minor, s, use, why);
	r = sm_resp_call(c, 5, argv, lens, s->replay_cache_timeout, &reply, why);
	/* An idle connection may have died with a restart of the server or
	 * its idle timeout: one more try on a new one.  If the first try was
	 * recorded after all, the second sees the record and refuses, which
	 * is safe. */
	if (r != 0 && reused) {
		give_back(c);
		c = take_connection(s, &reply, why, &reused);
		if (c == NULL)
			return unusable(minor, s, use, why);
		r = sm_resp_call(c, 5, argv, lens, s->replay_cache_timeout, &reply, why);
	}
	give_back(c);
	if (r != 0)
		return unusable(minor, s, use, why);
	if (reply.type != SM_RESP_INTEGER) {
		snprintf(why, sizeof(why), "the server answered '%.200s'",
			 reply.type == SM_RESP_NIL ? "(nil)" : reply.text);
		return unusable(minor, s, use, why);
	}
	answer->clock = now;
	if (reply.integer == 1) {
		answer->verdict = SM_RCACHE_NEW;
	} else if (reply.integer == 0) {
		answer->verdict = SM_RCACHE_SEEN;
	} else {
		answer->verdict = SM_RCACHE_TOO_OLD;
		answer->clock = (time_t)-reply.integer;
	}
	return sm_ok(minor);
}

OM_uint32 sm_rcache_redis_ping(OM_uint32 *minor, const struct sm_settings *s)
{
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];
	int r, reused;
	struct sm_resp *c = take_connection(s, &reply, why, &reused);

	if (c == NULL)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_RCACHE_UNUSABLE,
			       "the replay cache server %s cannot be used (%s)",
			       s->replay_cache.shown, why);
	r = sm_resp_call(c, 1, argv, lens, s->replay_cache_timeout, &reply, why);
	give_back(c);
	if (r == 0 && reply.type != SM_RESP_STATUS) {
		snprintf(why, sizeof(why), "PING: %.200s", reply.text);
		r = -1;
	}
	if (r != 0)
		return sm_fail(minor, GSS_S_FAILURE, GSS_SODIUM_S_RCACHE_UNUSABLE,
			       "the replay cache server %s cannot be used (%s)",
			       s->replay_cache.shown, why);
	return sm_ok(minor);
}
