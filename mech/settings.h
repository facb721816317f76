/* The settings file, sodium.conf: 'key = value' lines. */
#ifndef SM_SETTINGS_H
#define SM_SETTINGS_H

#include <limits.h>
#include <stddef.h>
#include <gssapi/gssapi.h>

/* Bytes a replay cache may grow to unless rcache_max_size says otherwise. */
#define SM_RCACHE_MAX_SIZE_DEFAULT (512ULL << 20)

/* Which local account an authenticated user name may use (localname). */
enum sm_localname_policy {
	SM_LOCALNAME_NONE,	/* none: no name maps to an account */
	SM_LOCALNAME_SAME,	/* same: a user name to the account of that name */
	SM_LOCALNAME_MAP	/* map: as the local account map file says */
};

/* Where the replay caches keep their records (replay_cache). */
enum sm_ticket_cache {
	SM_TICKET_CACHE_MEMORY,	/* memory: for the life of the process */
	SM_TICKET_CACHE_FILE	/* file: also in the user's ticket cache file */
};

struct sm_replay_store {
	int redis;			/* 0: the files under rcache_dir */
	char host[256];			/* redis://HOST:PORT/DB; "" for a socket */
	unsigned port;
	char socket[108];		/* unix:PATH (sun_path's size) */
	unsigned db;
	char shown[400];		/* the setting as written, for sentences */
};

struct sm_settings {
	unsigned long context_lifetime;	/* seconds; capped by time_req */
	int allow_anonymous;		/* accept Noise NK (anonymous) initiators */
	int allow_unknown_initiators;	/* name untrusted initiators by key */
	unsigned long export_max_age;	/* seconds; 0: until the context expires */
	int import_once;		/* exported tokens import once */
	char rcache_dir[PATH_MAX];	/* "": sm_rcache_default_dir */
	unsigned long long rcache_max_size;	/* bytes a replay cache may grow to */
	int export_bind_uid;		/* tokens import only under the same euid */
	unsigned long clock_skew;	/* seconds a peer's clock may be ahead */
	int localname;			/* enum sm_localname_policy */
	struct sm_replay_store replay_cache;
	char replay_cache_auth[PATH_MAX];	/* "": no AUTH */
	unsigned long replay_cache_timeout;	/* milliseconds per round trip */
	int resumption;			/* issue, use and admit tickets */
	unsigned long ticket_lifetime;	/* seconds; capped by context_lifetime */
	int ticket_cache;		/* enum sm_ticket_cache */
};

void sm_settings_defaults(struct sm_settings *s);

/* Parse `text` read from `path` over the values already in `s`.  Unknown
 * keys, repeated keys, malformed lines and bad values are errors naming
 * the file and line; on error `s` is unspecified. */
OM_uint32 sm_settings_parse(OM_uint32 *minor, const char *path, const char *text,
			    size_t len, struct sm_settings *s)
	__attribute__((warn_unused_result));

/* Defaults, then the settings file if there is one (GSS_SODIUM_CONF names
 * one that must exist); `path_out` (PATH_MAX) receives the path read, or
 * an empty string when none was. */
OM_uint32 sm_settings_load(OM_uint32 *minor, struct sm_settings *s, char *path_out)
	__attribute__((warn_unused_result));

#endif
