/* The Redis protocol client, against a scripted server on a Unix socket:
 * replies whole, in pieces, malformed, late, or never. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "resp.h"
#include "unit.h"

/* What the scripted server does with one connection: read one command,
 * then send `reply` in pieces of `piece` bytes (0: whole), `delay_ms`
 * before each piece; `close_after` closes instead of answering. */
struct script {
	const char *reply;
	size_t piece;
	unsigned delay_ms;
	int close_after;
	int listen_fd;
	char command[4096];
	size_t command_len;
};

static void sleep_ms(unsigned ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

static void *serve(void *arg)
{
	struct script *s = arg;
	size_t at = 0, n, len = strlen(s->reply);
	ssize_t got;
	int fd = accept(s->listen_fd, NULL, NULL);

	if (fd < 0)
		return NULL;
	/* One command: read until the client stops sending for a moment. */
	got = recv(fd, s->command, sizeof(s->command), 0);
	s->command_len = got > 0 ? (size_t)got : 0;
	if (!s->close_after) {
		while (at < len) {
			n = s->piece == 0 || s->piece > len - at ? len - at : s->piece;
			sleep_ms(s->delay_ms);
			if (send(fd, s->reply + at, n, MSG_NOSIGNAL) < 0)
				break;
			at += n;
		}
		sleep_ms(200);
	}
	close(fd);
	return NULL;
}

static struct sm_replay_store store;

static void start(struct script *s, pthread_t *thread)
{
	struct sockaddr_un un;

	memset(&store, 0, sizeof(store));
	store.redis = 1;
	snprintf(store.socket, sizeof(store.socket), "%s/redis.sock", unit_tmpdir());
	unlink(store.socket);
	memset(&un, 0, sizeof(un));
	un.sun_family = AF_UNIX;
	strcpy(un.sun_path, store.socket);
	s->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(s->listen_fd, 0);
	ck_assert_int_eq(bind(s->listen_fd, (struct sockaddr *)&un, sizeof(un)), 0);
	ck_assert_int_eq(listen(s->listen_fd, 1), 0);
	ck_assert_int_eq(pthread_create(thread, NULL, serve, s), 0);
}

/* One PING against the script; returns sm_resp_call's result. */
static int ping(struct script *s, unsigned long timeout_ms, struct sm_resp_reply *reply,
		char *why)
{
	const char *argv[1] = { "PING" };
	size_t lens[1] = { 4 };
	struct sm_resp c;
	pthread_t thread;
	int r;

	start(s, &thread);
	ck_assert_int_eq(sm_resp_connect(&c, &store, 1000, why), 0);
	r = sm_resp_call(&c, 1, argv, lens, timeout_ms, reply, why);
	if (r == 0)
		sm_resp_close(&c);
	else
		ck_assert_int_eq(c.fd, -1);
	pthread_join(thread, NULL);
	close(s->listen_fd);
	return r;
}

START_TEST(commands_are_arrays_of_bulk_strings)
{
	struct script s = { "+PONG\r\n", 0, 0, 0, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];

	ck_assert_int_eq(ping(&s, 1000, &reply, why), 0);
	ck_assert_uint_eq(s.command_len, 14);
	ck_assert_mem_eq(s.command, "*1\r\n$4\r\nPING\r\n", 14);
	ck_assert_int_eq(reply.type, SM_RESP_STATUS);
	ck_assert_str_eq(reply.text, "PONG");
}
END_TEST

/* Each reply, whole and one byte at a time. */
START_TEST(replies_whole_and_in_pieces)
{
	static const struct {
		const char *wire;
		enum sm_resp_type type;
		long long integer;
		const char *text;
	} cases[] = {
		{ ":1\r\n", SM_RESP_INTEGER, 1, "" },
		{ ":-1795911944\r\n", SM_RESP_INTEGER, -1795911944LL, "" },
		{ "$-1\r\n", SM_RESP_NIL, 0, "" },
		{ "$5\r\nhello\r\n", SM_RESP_BULK, 0, "hello" },
		{ "$0\r\n\r\n", SM_RESP_BULK, 0, "" },
		{ "-OOM command not allowed when used memory > 'maxmemory'.\r\n", SM_RESP_ERROR, 0,
		  "OOM command not allowed when used memory > 'maxmemory'." },
	};
	size_t i = (size_t)_i / 2;
	struct script s = { cases[i].wire, _i % 2, 0, 0, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];

	ck_assert_msg(ping(&s, 2000, &reply, why) == 0, "case %zu: %s", i, why);
	ck_assert_int_eq(reply.type, cases[i].type);
	ck_assert_int_eq(reply.integer, cases[i].integer);
	ck_assert_str_eq(reply.text, cases[i].text);
}
END_TEST

/* Each bad reply closes the connection with a phrase, never a crash. */
START_TEST(bad_replies_are_refused)
{
	static const struct {
		const char *wire, *why;
	} cases[] = {
		{ "*2\r\n:1\r\n:2\r\n", "a reply of a kind this client does not take" },
		{ ":12x\r\n", "holds no number" },
		{ ":\r\n", "holds no number" },
		{ ":99999999999999999999999\r\n", "holds no number" },
		{ ": 1\r\n", "holds no number" },
		{ "$\t5\r\nhello\r\n", "holds no number" },
		{ "$3\r\nabcd\r\n", "does not end in CRLF" },
		{ "$-2\r\n", "longer than this client takes" },
		{ "$999999\r\n", "longer than this client takes" },
		{ "+OK\rX\n", "does not end in CRLF" },
		{ "hello\r\n", "a reply of a kind" },
	};
	struct script s = { cases[_i].wire, 0, 0, 0, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];

	ck_assert_int_eq(ping(&s, 1000, &reply, why), -1);
	ck_assert_msg(strstr(why, cases[_i].why) != NULL, "case %d: %s", _i, why);
}
END_TEST

START_TEST(a_line_longer_than_the_buffer_is_refused)
{
	char *wire = malloc(SM_RESP_BUFFER + 16);
	struct script s = { NULL, 0, 0, 0, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];

	memset(wire, 'x', SM_RESP_BUFFER + 8);
	wire[0] = '+';
	strcpy(wire + SM_RESP_BUFFER + 8, "\r\n");
	s.reply = wire;
	ck_assert_int_eq(ping(&s, 1000, &reply, why), -1);
	ck_assert(strstr(why, "too long") != NULL);
	free(wire);
}
END_TEST

/* A bulk reply that passes the length check but cannot fit the buffer with
 * its header and CRLFs is refused as too long, not taken for a close. */
START_TEST(a_bulk_reply_that_cannot_fit_says_so)
{
	char *wire = malloc(SM_RESP_BUFFER + 32);
	struct script s = { NULL, 0, 0, 0, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];
	int n = snprintf(wire, 16, "$%d\r\n", SM_RESP_BUFFER - 4);

	memset(wire + n, 'x', SM_RESP_BUFFER - 4);
	strcpy(wire + n + SM_RESP_BUFFER - 4, "\r\n");
	s.reply = wire;
	ck_assert_int_eq(ping(&s, 1000, &reply, why), -1);
	ck_assert_msg(strstr(why, "longer than this client takes") != NULL, "%s", why);
	free(wire);
}
END_TEST

START_TEST(silence_and_closing_are_failures_in_time)
{
	struct script late = { ":1\r\n", 0, 800, 0, -1, "", 0 };
	struct script closing = { ":1\r\n", 0, 0, 1, -1, "", 0 };
	struct sm_resp_reply reply;
	char why[SM_RESP_WHY_MAX];

	ck_assert_int_eq(ping(&late, 100, &reply, why), -1);
	ck_assert(strstr(why, "no answer within replay_cache_timeout") != NULL);
	ck_assert_int_eq(ping(&closing, 1000, &reply, why), -1);
	ck_assert(strstr(why, "closed the connection") != NULL);
}
END_TEST

START_TEST(connecting_to_nothing_says_why)
{
	struct sm_replay_store nowhere;
	struct sm_resp c;
	char why[SM_RESP_WHY_MAX];

	memset(&nowhere, 0, sizeof(nowhere));
	nowhere.redis = 1;
	snprintf(nowhere.socket, sizeof(nowhere.socket), "%s/none.sock", unit_tmpdir());
	ck_assert_int_eq(sm_resp_connect(&c, &nowhere, 500, why), -1);
	ck_assert_msg(strstr(why, "No such file") != NULL, "%s", why);
	memset(&nowhere, 0, sizeof(nowhere));
	nowhere.redis = 1;
	strcpy(nowhere.host, "127.0.0.1");
	nowhere.port = 1;
	ck_assert_int_eq(sm_resp_connect(&c, &nowhere, 500, why), -1);
	ck_assert_msg(strstr(why, "refused") != NULL, "%s", why);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("resp");
	TCase *t = tcase_create("resp");

	/* A writer to a closed socket must not raise SIGPIPE: not ignored. */
	signal(SIGPIPE, SIG_DFL);
	tcase_add_test(t, commands_are_arrays_of_bulk_strings);
	tcase_add_loop_test(t, replies_whole_and_in_pieces, 0, 12);
	tcase_add_loop_test(t, bad_replies_are_refused, 0, 11);
	tcase_add_test(t, a_line_longer_than_the_buffer_is_refused);
	tcase_add_test(t, a_bulk_reply_that_cannot_fit_says_so);
	tcase_add_test(t, silence_and_closing_are_failures_in_time);
	tcase_add_test(t, connecting_to_nothing_says_why);
	suite_add_tcase(s, t);
	return s;
}
