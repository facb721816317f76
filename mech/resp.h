/*
 * A client of the Redis serialization protocol (RESP2), as much as the
 * replay caches need: commands sent as arrays of bulk strings, and replies
 * that are one simple string, error, integer or bulk string (or nil).
 * Every call has one deadline; no call raises a signal (MSG_NOSIGNAL) or
 * leaves a socket to an exec'd program (SOCK_CLOEXEC).  Written here
 * rather than taken from hiredis so that the module keeps linking
 * libsodium and libc only, and so that every reply goes through the one
 * bounds-checked reader (buf.h).
 */
#ifndef SM_RESP_H
#define SM_RESP_H

#include <stddef.h>
#include <sys/types.h>

#include "settings.h"

#define SM_RESP_BUFFER 1024
#define SM_RESP_WHY_MAX 256

struct sm_resp {
	int fd;
	pid_t pid;		/* the process that connected */
	size_t have;		/* bytes of `in` not yet parsed */
	unsigned char in[SM_RESP_BUFFER];
};

enum sm_resp_type {
	SM_RESP_STATUS,		/* +OK */
	SM_RESP_ERROR,		/* -ERR ... */
	SM_RESP_INTEGER,	/* :42 */
	SM_RESP_BULK,		/* $n, then n bytes */
	SM_RESP_NIL		/* $-1 */
};

struct sm_resp_reply {
	enum sm_resp_type type;
	long long integer;
	size_t len;
	char text[SM_RESP_BUFFER];	/* status, error or bulk, NUL-terminated */
};

/*
 * Connect to `store` within `timeout_ms`.  On failure returns -1 with a
 * phrase in why[SM_RESP_WHY_MAX], such as "connection refused".
 */
int sm_resp_connect(struct sm_resp *c, const struct sm_replay_store *store,
		    unsigned long timeout_ms, char *why);

/*
 * Send one command of `argc` arguments and read its reply within
 * `timeout_ms`.  On a failure of the connection (not an error reply)
 * returns -1 with a phrase in `why`; the connection is then closed.
 */
int sm_resp_call(struct sm_resp *c, int argc, const char *const *argv, const size_t *lens,
		 unsigned long timeout_ms, struct sm_resp_reply *reply, char *why);

/* Close the connection. */
void sm_resp_close(struct sm_resp *c);

#endif
