/* The Redis protocol client of the replay caches (resp.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "buf.h"
#include "resp.h"

/* Milliseconds left before `deadline` (CLOCK_MONOTONIC), at least 0. */
static int remaining(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000LL +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

static void set_deadline(struct timespec *deadline, unsigned long timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += (time_t)(timeout_ms / 1000);
	deadline->tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/* why = what || detail; returns -1. */
static int fail(char *why, const char *what, const char *detail)
{
	snprintf(why, SM_RESP_WHY_MAX, "%s%s", what, detail);
	return -1;
}

/* Wait until `fd` is ready for `events`; -1 with `why` at the deadline. */
static int wait_for(int fd, short events, const struct timespec *deadline, char *why)
{
	struct pollfd p = { fd, events, 0 };
	int n;

	for (;;) {
		n = poll(&p, 1, remaining(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return fail(why, "no answer within replay_cache_timeout", "");
		if (errno != EINTR)
			return fail(why, "poll: ", strerror(errno));
	}
}

static int connect_one(int family, const struct sockaddr *addr, socklen_t addr_len,
		       const struct timespec *deadline, char *why)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	int err = 0, one = 1;
	socklen_t len = sizeof(err);

	if (fd < 0)
		return fail(why, "socket: ", strerror(errno));
	if (connect(fd, addr, addr_len) != 0) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			fail(why, strerror(errno), "");
			close(fd);
			return -1;
		}
		if (wait_for(fd, POLLOUT, deadline, why) != 0) {
			close(fd);
			return -1;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
			fail(why, strerror(err != 0 ? err : errno), "");
			close(fd);
			return -1;
		}
	}
	if (family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

int sm_resp_connect(struct sm_resp *c, const struct sm_replay_store *store,
		    unsigned long timeout_ms, char *why)
{
	struct addrinfo hints, *list = NULL, *a;
	struct timespec deadline;
	struct sockaddr_un un;
	char port[8];
	int r;

	c->fd = -1;
	c->have = 0;
	c->pid = getpid();
	set_deadline(&deadline, timeout_ms);
	if (store->socket[0] != '\0') {
		memset(&un, 0, sizeof(un));
		un.sun_family = AF_UNIX;
		memcpy(un.sun_path, store->socket, strlen(store->socket));
		c->fd = connect_one(AF_UNIX, (struct sockaddr *)&un, sizeof(un), &deadline, why);
		return c->fd < 0 ? -1 : 0;
	}
	/* A name is resolved by the system's resolver, which the timeout does
	 * not bound (sodium.conf(5) says to give an address). */
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", store->port);
	r = getaddrinfo(store->host, port, &hints, &list);
	if (r != 0)
		return fail(why, "cannot resolve the host: ", gai_strerror(r));
	fail(why, "the host has no address", "");
	for (a = list; a != NULL && c->fd < 0 && remaining(&deadline) > 0; a = a->ai_next)
		c->fd = connect_one(a->ai_family, a->ai_addr, a->ai_addrlen, &deadline, why);
	freeaddrinfo(list);
	return c->fd < 0 ? -1 : 0;
}

void sm_resp_close(struct sm_resp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* Parse one reply from c->in: 1 (and consume it), 0 when more bytes are
 * needed, -1 for a reply this client does not take. */
static int parse_reply(struct sm_resp *c, struct sm_resp_reply *reply, char *why)
{
	struct sm_reader r;
	const unsigned char *line, *crlf, *bulk;
	size_t line_len, used;
	long long n = 0;
	char number[24];
	char *stop;
	int type;

	sm_reader_init(&r, c->in, c->have);
	if (c->have < 1)
		return 0;
	type = sm_read_u8(&r);
	crlf = memchr(r.ptr, '\r', r.left);
	if (crlf == NULL || (size_t)(crlf - r.ptr) + 2 > r.left)
		return c->have >= sizeof(c->in) ? fail(why, "a reply line is too long", "") : 0;
	line_len = (size_t)(crlf - r.ptr);
	line = sm_read_bytes(&r, line_len);
	if (sm_read_u8(&r) != '\r' || sm_read_u8(&r) != '\n')
		return fail(why, "a reply line does not end in CRLF", "");
	if (type == ':' || type == '$') {
		if (line_len == 0 || line_len >= sizeof(number))
			return fail(why, "a reply holds no number", "");
		memcpy(number, line, line_len);
		number[line_len] = '\0';
		errno = 0;
		n = strtoll(number, &stop, 10);
		/* A sign and digits only: strtoll also skips leading blanks,
		 * and would stop at a NUL in the line as at its end. */
		if (stop != number + line_len || errno != 0 ||
		    !isdigit((unsigned char)number[number[0] == '-' || number[0] == '+']))
			return fail(why, "a reply holds no number", "");
	}
	memset(reply, 0, sizeof(*reply));
	switch (type) {
	case '+':
	case '-':
		reply->type = type == '+' ? SM_RESP_STATUS : SM_RESP_ERROR;
		memcpy(reply->text, line, line_len);
		reply->len = line_len;
		break;
	case ':':
		reply->type = SM_RESP_INTEGER;
		reply->integer = n;
		break;
	case '$':
		if (n == -1) {
			reply->type = SM_RESP_NIL;
			break;
		}
		if (n < 0 || (size_t)n >= sizeof(reply->text))
			return fail(why, "a bulk reply is longer than this client takes", "");
		/* The reply and its header must fit the buffer at once. */
		if (r.left < (size_t)n + 2)
			return c->have >= sizeof(c->in)
				       ? fail(why, "a bulk reply is longer than this client takes", "")
				       : 0;
		bulk = sm_read_bytes(&r, (size_t)n);
		if (sm_read_u8(&r) != '\r' || sm_read_u8(&r) != '\n')
			return fail(why, "a bulk reply does not end in CRLF", "");
		reply->type = SM_RESP_BULK;
		memcpy(reply->text, bulk, (size_t)n);
		reply->len = (size_t)n;
		break;
	default:
		return fail(why, "the server sent a reply of a kind this client does not take", "");
	}
	if (r.failed)
		return fail(why, "a reply is malformed", "");
	used = c->have - r.left;
	memmove(c->in, c->in + used, r.left);
	c->have = r.left;
	return 1;
}

/* Send out[len] before the deadline; -1 with `why` when it cannot. */
static int send_all(struct sm_resp *c, const unsigned char *out, size_t len,
		    const struct timespec *deadline, char *why)
{
	size_t sent = 0;
	ssize_t n;

	while (sent < len) {
		n = send(c->fd, out + sent, len - sent, MSG_NOSIGNAL);
		if (n > 0) {
			sent += (size_t)n;
		} else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (wait_for(c->fd, POLLOUT, deadline, why) != 0)
				return -1;
		} else {
			return fail(why, n == 0 ? "the connection closed" : strerror(errno), "");
		}
	}
	return 0;
}

int sm_resp_call(struct sm_resp *c, int argc, const char *const *argv, const size_t *lens,
		 unsigned long timeout_ms, struct sm_resp_reply *reply, char *why)
{
	unsigned char out[2048];
	struct timespec deadline;
	struct sm_writer w;
	char head[32];
	ssize_t n;
	int i, r;

	sm_writer_init_fixed(&w, out, sizeof(out));
	snprintf(head, sizeof(head), "*%d\r\n", argc);
	sm_write_bytes(&w, head, strlen(head));
	for (i = 0; i < argc; i++) {
		snprintf(head, sizeof(head), "$%zu\r\n", lens[i]);
		sm_write_bytes(&w, head, strlen(head));
		sm_write_bytes(&w, argv[i], lens[i]);
		sm_write_bytes(&w, "\r\n", 2);
	}
	set_deadline(&deadline, timeout_ms);
	r = w.failed ? fail(why, "a command is longer than this client sends", "")
		     : send_all(c, out, w.len, &deadline, why);
	/* AUTH carries the password: nothing of a command stays behind. */
	sodium_memzero(out, sizeof(out));
	while (r == 0 && (r = parse_reply(c, reply, why)) == 0) {
		n = recv(c->fd, c->in + c->have, sizeof(c->in) - c->have, 0);
		if (n > 0)
			c->have += (size_t)n;
		else if (n < 0 && (errno == EAGAIN || errno == EINTR))
			r = wait_for(c->fd, POLLIN, &deadline, why);
		else
			r = fail(why, n == 0 ? "the server closed the connection" : strerror(errno),
				 "");
	}
	if (r > 0)
		return 0;
	sm_resp_close(c);
	return -1;
}
