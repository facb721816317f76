/*
 * Resumed handshakes, in process: a full handshake leaves the initiator a
 * ticket, the next handshake resumes with it (NNpsk0), and every reason to
 * refuse a ticket makes the initiator fall back to a full handshake in the
 * same call sequence.  Replays, mutations of the new tokens, the ticket
 * cache file and the locked memory of tickets are checked here; the
 * mechglues and programs in tests/resumption.sh.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "context.h"
#include "creds.h"
#include "fixture.h"
#include "message.h"
#include "secmem.h"
#include "status.h"
#include "ticket.h"
#include "tickets.h"
#include "unit.h"

#define PATTERN_BYTE 3
#define PATTERN_IK 1
#define PATTERN_RESUME 3
/* Token 3, framed: 60 len 06 0a OID (10), then 01 03 02 reason tag (16). */
#define TOKEN_3_BYTES (4 + 10 + 4 + 16)
/* Longer than a ticket's default lifetime, 10 hours. */
#define TICKET_OUTLIVED (11 * 3600)

static unsigned char pattern_of(const gss_buffer_desc *token1)
{
	return fixture_inner_token(token1)[PATTERN_BYTE];
}

/* Messages go both ways between the two ends. */
static void assert_talks(struct pair *p)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, sealed, opened;
	OM_uint32 minor;
	int conf = 0;

	ck_assert_int_eq(sm_wrap(&minor, p->init, 1, 0, &msg, &conf, &sealed), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p->acc, &sealed, &opened, &conf, NULL), GSS_S_COMPLETE);
	ck_assert_mem_eq(opened.value, "hello", 5);
	free(sealed.value);
	free(opened.value);
	ck_assert_int_eq(sm_wrap(&minor, p->acc, 1, 0, &msg, &conf, &sealed), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p->init, &sealed, &opened, &conf, NULL), GSS_S_COMPLETE);
	free(sealed.value);
	free(opened.value);
}

/* A handshake whose token 1 has `pattern`, which must complete. */
static void handshake_with(unsigned char pattern)
{
	struct pair p;

	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), pattern);
	pair_establish_from_token1(&p);
	pair_release(&p);
}

/* A full handshake that leaves the initiator a ticket. */
static void first_handshake(void)
{
	handshake_with(PATTERN_IK);
}

/* The next handshake resumes, and completes. */
static void resumed_handshake(void)
{
	handshake_with(PATTERN_RESUME);
}

START_TEST(a_second_handshake_resumes)
{
	struct pair p;
	OM_uint32 minor, lifetime;

	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, GSS_C_REPLAY_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS),
			 GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_RESUME);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	ck_assert_str_eq(p.src->text, "alice");
	ck_assert_str_eq(p.acc->acceptor_name->text, "HTTP@web");
	ck_assert_int_eq(pair_finish(&p, &minor), GSS_S_COMPLETE);
	ck_assert_uint_eq(p.init_flags & GSS_C_REPLAY_FLAG, GSS_C_REPLAY_FLAG);
	ck_assert_uint_eq(p.init_flags, p.acc_flags);
	ck_assert_int_eq(sm_context_time(&minor, p.acc, &lifetime), GSS_S_COMPLETE);
	ck_assert_uint_gt(lifetime, 36000 - 10);
	assert_talks(&p);
	/* A resumed token 2 carries no new ticket. */
	ck_assert_uint_lt(p.token2.length, 100);
	pair_release(&p);
}
END_TEST

START_TEST(a_resumed_context_ends_with_its_ticket)
{
	struct pair p;
	OM_uint32 minor, lifetime;

	fixture_files("ticket_lifetime = 60\n", 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_RESUME);
	sm_clock_shift(50);
	pair_establish_from_token1(&p);
	ck_assert_int_eq(sm_context_time(&minor, p.init, &lifetime), GSS_S_COMPLETE);
	ck_assert_uint_le(lifetime, 10);
	sm_clock_shift(-50);
	pair_release(&p);
}
END_TEST

START_TEST(a_replayed_resumed_token_is_refused)
{
	struct sm_context *again = NULL;
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_context_accept(&minor, NULL, &again, &p.token1,
					   GSS_C_NO_CHANNEL_BINDINGS, NULL, &out, NULL, NULL),
			 GSS_S_FAILURE | GSS_S_DUPLICATE_TOKEN);
	ck_assert_int_eq(minor, GSS_SODIUM_S_HANDSHAKE_REPLAYED);
	ck_assert_ptr_null(again);
	ck_assert_uint_eq(out.length, 0);
	pair_release(&p);
}
END_TEST

/*
 * The initiator sends a resumed token 1; the acceptor must refuse the
 * ticket with token 3, and the initiator's next call sends a full token 1
 * that completes the handshake.  The initiator's name as the acceptor
 * sees it is returned.
 */
static void assert_falls_back_later(const char *expected_name, time_t later)
{
	gss_buffer_desc none = GSS_C_EMPTY_BUFFER, token3, full;
	struct pair p;
	OM_uint32 minor, major;

	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_RESUME);
	/* Time passes between token 1 and the acceptor. */
	sm_clock_shift(later);
	major = pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor);
	ck_assert_msg(major == GSS_S_CONTINUE_NEEDED, "accept: 0x%x %s", major,
		      sm_status_sentence(minor));
	ck_assert_ptr_nonnull(p.acc);
	ck_assert_mem_eq(fixture_inner_token(&p.token2), "\x01\x03\x02", 3);
	ck_assert_ptr_null(p.src);
	/* The application's loop: token 3 to the initiator... */
	token3 = p.token2;
	major = sm_context_initiate(&minor, NULL, &p.init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    &token3, &full, &p.init_flags, NULL);
	ck_assert_msg(major == GSS_S_CONTINUE_NEEDED, "init: 0x%x %s", major,
		      sm_status_sentence(minor));
	ck_assert_int_eq(pattern_of(&full), PATTERN_IK);
	free(token3.value);
	/* ...its full token 1 to the same acceptor context... */
	major = sm_context_accept(&minor, NULL, &p.acc, &full, GSS_C_NO_CHANNEL_BINDINGS, &p.src,
				  &p.token2, &p.acc_flags, NULL);
	free(full.value);
	ck_assert_msg(major == GSS_S_COMPLETE, "accept: 0x%x %s", major, sm_status_sentence(minor));
	ck_assert_str_eq(p.src->text, expected_name);
	/* ...and token 2 back. */
	major = sm_context_initiate(&minor, NULL, &p.init, NULL, 0, 0, GSS_C_NO_CHANNEL_BINDINGS,
				    &p.token2, &none, &p.init_flags, NULL);
	ck_assert_msg(major == GSS_S_COMPLETE, "init: 0x%x %s", major, sm_status_sentence(minor));
	assert_talks(&p);
	pair_release(&p);
	/* The new ticket works. */
	resumed_handshake();
	sm_clock_shift(-later);
}

static void assert_falls_back(const char *expected_name)
{
	assert_falls_back_later(expected_name, 0);
}

START_TEST(fallback_after_the_keyring_key_is_retired)
{
	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	fixture_keyring_add(2);
	fixture_keyring_retire(1);
	assert_falls_back("alice");
}
END_TEST

START_TEST(fallback_after_the_ticket_expires)
{
	fixture_files("ticket_lifetime = 100\n", 1);
	fixture_keyring_new();
	first_handshake();
	/* Sent while the ticket was valid, received when it no longer is. */
	assert_falls_back_later("alice", 101);
}
END_TEST

START_TEST(fallback_after_the_peers_file_renames_the_initiator_key)
{
	char *peers;

	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	/* The acceptor's peers file now gives alice's key another name. */
	peers = unit_read_file(getenv("GSS_SODIUM_PEERS"));
	ck_assert(strncmp(peers, "alice ", 6) == 0);
	unit_next_second();
	setenv("GSS_SODIUM_PEERS",
	       unit_write_file("peers-renamed", unit_format("alice-old %s", peers + 6), 0644), 1);
	free(peers);
	assert_falls_back("alice-old");
}
END_TEST

START_TEST(resumption_off_asks_for_and_issues_no_ticket)
{
	struct pair p;

	fixture_files("resumption = no\n", 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_IK);
	pair_establish_from_token1(&p);
	ck_assert_uint_lt(p.token2.length, 100);
	pair_release(&p);
}
END_TEST

START_TEST(no_ticket_without_a_keyring_or_for_anonymous_initiators)
{
	struct pair p;

	fixture_files("allow_anonymous = yes\n", 1);
	unsetenv("GSS_SODIUM_SEALKEYS");
	setenv("GSS_SODIUM_SEALKEYS", unit_format("%s/no-keyring", unit_tmpdir()), 1);
	first_handshake();
	first_handshake();
	fixture_keyring_new();
	ck_assert_int_eq(pair_start(&p, GSS_C_ANON_FLAG, 0, GSS_C_NO_CHANNEL_BINDINGS),
			 GSS_S_CONTINUE_NEEDED);
	pair_establish_from_token1(&p);
	ck_assert_uint_lt(p.token2.length, 100);
	pair_release(&p);
	first_handshake();
}
END_TEST

/* A second name for the acceptor's key: a ticket for HTTP@web offered to
 * an acceptor credential of HTTP@alias, which holds the same key. */
/* An application that gives up on a resumed handshake (it could not pass
 * token 3 back, say) deletes the context: the ticket goes with it, from
 * memory and from the file, so the next handshake is a full one. */
START_TEST(an_abandoned_resumed_handshake_drops_its_ticket)
{
	struct pair p;
	char *text;

	fixture_files("ticket_cache = file\n", 1);
	setenv("GSS_SODIUM_TICKETS", unit_format("%s/tickets", unit_tmpdir()), 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_RESUME);
	pair_release(&p);
	text = unit_read_file(getenv("GSS_SODIUM_TICKETS"));
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_IK);
	pair_establish_from_token1(&p);
	pair_release(&p);
	/* A completed resumed context keeps it. */
	resumed_handshake();
	resumed_handshake();
}
END_TEST

START_TEST(a_ticket_is_never_accepted_for_another_acceptor_name)
{
	struct sm_context *acc = NULL;
	struct sm_cred *alias = NULL;
	struct sm_name *name = fixture_name("HTTP@alias");
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	char *keytab;
	struct pair p;
	OM_uint32 minor, major;

	fixture_files("", 1);
	fixture_keyring_new();
	keytab = unit_read_file(getenv("GSS_SODIUM_KEYTAB"));
	setenv("GSS_SODIUM_KEYTAB",
	       unit_write_file("keytab-alias",
			       unit_format("%sHTTP@alias %s", keytab, strchr(keytab, ' ') + 1), 0600), 1);
	free(keytab);
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(sm_cred_acquire(&minor, name, GSS_C_ACCEPT, NULL, &alias), GSS_S_COMPLETE);
	major = sm_context_accept(&minor, alias, &acc, &p.token1, GSS_C_NO_CHANNEL_BINDINGS, NULL,
				  &out, NULL, NULL);
	ck_assert_int_eq(major, GSS_S_CONTINUE_NEEDED);
	ck_assert_mem_eq(fixture_inner_token(&out), "\x01\x03\x02\x07", 4);
	free(out.value);
	sm_context_free(&acc);
	/* The same token is good for the name it was issued to. */
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	sm_cred_free(&alias);
	sm_name_free(&name);
	pair_release(&p);
}
END_TEST

/* Mutation i of a token of n bytes, 0 <= i <= 2n: cut to i bytes (i < n),
 * byte i - n flipped (i < 2n), or a zero byte added (i = 2n). */
static void mutate(gss_buffer_desc *t, size_t i)
{
	size_t n = t->length;
	unsigned char *copy = realloc(t->value, n + 1);

	ck_assert_ptr_nonnull(copy);
	t->value = copy;
	if (i < n) {
		t->length = i;
	} else if (i < 2 * n) {
		copy[i - n] ^= 0x01;
	} else {
		copy[n] = 0;
		t->length = n + 1;
	}
}

START_TEST(every_truncation_and_byte_change_of_a_resumed_token_1_is_refused)
{
	struct pair p;
	OM_uint32 minor, major;
	size_t i, len;

	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	len = p.token1.length;
	for (i = 0; i < 2 * len + 1; i++) {
		struct sm_context *acc = NULL;
		gss_buffer_desc in = { len, malloc(len) }, out = GSS_C_EMPTY_BUFFER;

		ck_assert_ptr_nonnull(in.value);
		memcpy(in.value, p.token1.value, len);
		mutate(&in, i);
		major = sm_context_accept(&minor, NULL, &acc, &in, GSS_C_NO_CHANNEL_BINDINGS,
					  NULL, &out, NULL, NULL);
		/* Refused outright, or the ticket refused with token 3. */
		ck_assert_msg(major != GSS_S_COMPLETE, "case %zu completed", i);
		if (major == GSS_S_CONTINUE_NEEDED)
			ck_assert_mem_eq(fixture_inner_token(&out), "\x01\x03\x02", 3);
		else
			ck_assert_ptr_null(acc);
		free(in.value);
		free(out.value);
		sm_context_free(&acc);
	}
	/* The genuine token is still good: no mutation spent its record. */
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	pair_release(&p);
}
END_TEST

/* Token 2 of a full handshake with the ticket after its message: each
 * truncation, byte change and added byte is refused by the initiator. */
START_TEST(every_truncation_and_byte_change_of_a_token_2_with_a_ticket_is_refused)
{
	OM_uint32 minor, major;
	size_t i, len;
	struct pair p;

	fixture_files("resumption = yes\n", 1);
	fixture_keyring_new();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
	len = p.token2.length;
	pair_release(&p);
	for (i = 0; i < 2 * len + 1; i++) {
		/* A fresh handshake each time: a token 2 fits one initiator. */
		sm_tickets_clear_memory();
		ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS),
				 GSS_S_CONTINUE_NEEDED);
		ck_assert_int_eq(pair_accept(&p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_COMPLETE);
		ck_assert_uint_eq(p.token2.length, len);
		mutate(&p.token2, i);
		major = pair_finish(&p, &minor);
		ck_assert_msg(GSS_ERROR(major), "case %zu: 0x%x", i, major);
		ck_assert_int_eq(p.init->state, SM_CTX_FAILED);
		pair_release(&p);
	}
	/* None of them left a ticket behind. */
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_IK);
	pair_release(&p);
}
END_TEST

/* A fresh ticket, a resumed token 1 that uses it, and the acceptor's
 * token 3 for it in p->token2: the acceptor reads token 1 after the ticket
 * has expired. */
static void refused_pair(struct pair *p)
{
	OM_uint32 minor;

	sm_tickets_clear_memory();
	first_handshake();
	ck_assert_int_eq(pair_start(p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p->token1), PATTERN_RESUME);
	sm_clock_shift(TICKET_OUTLIVED);
	ck_assert_int_eq(pair_accept(p, GSS_C_NO_CHANNEL_BINDINGS, &minor), GSS_S_CONTINUE_NEEDED);
	sm_clock_shift(-TICKET_OUTLIVED);
	ck_assert_uint_eq(p->token2.length, TOKEN_3_BYTES);
	ck_assert_mem_eq(fixture_inner_token(&p->token2), "\x01\x03\x02\x06", 4);
}

/* The initiator's answer to `token`: an error, no output, a failed
 * context. */
static void assert_initiator_refuses(struct pair *p, gss_buffer_desc *token, const char *what)
{
	gss_buffer_desc out = GSS_C_EMPTY_BUFFER;
	OM_uint32 minor, major;

	major = sm_context_initiate(&minor, NULL, &p->init, NULL, 0, 0,
				    GSS_C_NO_CHANNEL_BINDINGS, token, &out, NULL, NULL);
	ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN, "%s: 0x%x", what, major);
	ck_assert_uint_eq(out.length, 0);
	ck_assert_int_eq(p->init->state, SM_CTX_FAILED);
}

/* Token 3 is authenticated: its tag, made with the acceptor's static key
 * and the initiator's ephemeral key, binds it to one resumed token 1.  Each
 * truncation, byte change and added byte is refused, and so is the genuine
 * token given to another resumed handshake or to an initiator that did not
 * resume; untouched, it makes its own initiator fall back. */
START_TEST(every_truncation_and_byte_change_of_token_3_is_refused)
{
	gss_buffer_desc full = GSS_C_EMPTY_BUFFER;
	struct pair p, other;
	OM_uint32 minor;
	size_t i;

	fixture_files("", 1);
	fixture_keyring_new();
	for (i = 0; i < 2 * TOKEN_3_BYTES + 1; i++) {
		refused_pair(&p);
		mutate(&p.token2, i);
		assert_initiator_refuses(&p, &p.token2, unit_format("case %zu", i));
		pair_release(&p);
	}

	refused_pair(&p);
	refused_pair(&other);
	assert_initiator_refuses(&other, &p.token2, "another resumed handshake's token 3");
	pair_release(&other);
	sm_tickets_clear_memory();
	ck_assert_int_eq(pair_start(&other, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&other.token1), PATTERN_IK);
	assert_initiator_refuses(&other, &p.token2, "a token 3 to an initiator that did not resume");
	pair_release(&other);

	ck_assert_int_eq(sm_context_initiate(&minor, NULL, &p.init, NULL, 0, 0,
					     GSS_C_NO_CHANNEL_BINDINGS, &p.token2, &full, NULL,
					     NULL),
			 GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&full), PATTERN_IK);
	free(full.value);
	pair_release(&p);
}
END_TEST

/* ---- the ticket cache file ------------------------------------------------- */

static const char *tickets_path(void)
{
	return getenv("GSS_SODIUM_TICKETS");
}

START_TEST(the_ticket_file_serves_the_next_process)
{
	struct stat st;
	char *text;

	fixture_files("ticket_cache = file\n", 1);
	setenv("GSS_SODIUM_TICKETS", unit_format("%s/tickets", unit_tmpdir()), 1);
	fixture_keyring_new();
	first_handshake();
	ck_assert_int_eq(stat(tickets_path(), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	text = unit_read_file(tickets_path());
	ck_assert(strncmp(text, "HTTP@web ", 9) == 0);
	ck_assert_ptr_null(strchr(strchr(text, '\n') + 1, '\n'));	/* one line */
	free(text);
	/* A new process: nothing in memory, the file has it. */
	sm_tickets_clear_memory();
	resumed_handshake();
}
END_TEST

START_TEST(a_corrupted_ticket_file_means_a_full_handshake)
{
	struct pair p;
	char *text;

	fixture_files("ticket_cache = file\n", 1);
	setenv("GSS_SODIUM_TICKETS", unit_format("%s/tickets", unit_tmpdir()), 1);
	fixture_keyring_new();
	/* Garbage: dropped, and replaced by the next ticket. */
	unit_write_file("tickets", "HTTP@web this is not a ticket\n\x01\x02garbage\n", 0600);
	first_handshake();
	text = unit_read_file(tickets_path());
	ck_assert_ptr_null(strstr(text, "garbage"));
	free(text);
	/* A ticket changed inside a well-formed line: the acceptor refuses it
	 * and the initiator falls back, then drops it from the file. */
	text = unit_read_file(tickets_path());
	{
		char *last = strrchr(text, ' ') + 20;

		*last = *last == 'A' ? 'B' : 'A';
	}
	unit_write_file("tickets", text, 0600);
	free(text);
	sm_tickets_clear_memory();
	assert_falls_back("alice");
	/* Nobody else may read it: a file others can read is not used, and
	 * not written over. */
	chmod(tickets_path(), 0640);
	sm_tickets_clear_memory();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(pattern_of(&p.token1), PATTERN_IK);
	pair_establish_from_token1(&p);
	pair_release(&p);
	{
		struct stat st;

		ck_assert_int_eq(stat(tickets_path(), &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0640);
	}
}
END_TEST

START_TEST(a_ticket_file_that_cannot_be_written_costs_nothing_but_the_ticket)
{
	fixture_files("ticket_cache = file\n", 1);
	setenv("GSS_SODIUM_TICKETS", "/nonexistent-dir/tickets", 1);
	fixture_keyring_new();
	first_handshake();
	/* The process still holds it. */
	resumed_handshake();
	/* Without XDG_RUNTIME_DIR or the variable there is no file at all. */
	unsetenv("GSS_SODIUM_TICKETS");
	unsetenv("XDG_RUNTIME_DIR");
	sm_tickets_clear_memory();
	first_handshake();
}
END_TEST

/* A ticket cache line for target svcN@host with a well-formed ticket
 * header (the box is never opened here). */
static void append_line(FILE *f, int n, time_t not_after)
{
	unsigned char ticket[SM_TICKET_HEADER_BYTES + 16] = "sodT\x02";
	char b64[256], key[64];
	int i;

	for (i = 0; i < 8; i++)
		ticket[20 + i] = (unsigned char)((uint64_t)not_after >> (56 - 8 * i));
	sodium_bin2base64(b64, sizeof(b64), ticket, sizeof(ticket), sodium_base64_VARIANT_ORIGINAL);
	memset(key, 'A', 43);
	strcpy(key + 43, "=");
	fprintf(f, "svc%d@host %s %s %lld %s %s\n", n, key, key, (long long)not_after, key, b64);
}

START_TEST(the_ticket_file_keeps_its_newest_lines)
{
	char *text, *p;
	size_t lines = 0;
	FILE *f;
	int i;

	fixture_files("ticket_cache = file\n", 1);
	setenv("GSS_SODIUM_TICKETS", unit_format("%s/tickets", unit_tmpdir()), 1);
	fixture_keyring_new();
	f = fopen(getenv("GSS_SODIUM_TICKETS"), "w");
	ck_assert_ptr_nonnull(f);
	for (i = 0; i < SM_TICKETS_FILE_MAX + 100; i++)
		append_line(f, i, time(NULL) + 3600);
	append_line(f, -1, time(NULL) - 1);	/* expired */
	fclose(f);
	chmod(getenv("GSS_SODIUM_TICKETS"), 0600);
	first_handshake();
	text = unit_read_file(getenv("GSS_SODIUM_TICKETS"));
	for (p = text; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	ck_assert_uint_eq(lines, SM_TICKETS_FILE_MAX);
	/* 612 others: the first 101 go, 511 stay with the new one. */
	ck_assert(strncmp(text, "svc101@host ", 12) == 0);
	ck_assert_ptr_null(strstr(text, "svc100@host "));
	ck_assert_ptr_null(strstr(text, "svc-1@host "));
	ck_assert_ptr_nonnull(strstr(text, "\nHTTP@web "));
	free(text);
	sm_tickets_clear_memory();
	resumed_handshake();
}
END_TEST

START_TEST(ticket_secrets_are_locked_and_wiped)
{
	size_t before;

	fixture_files("", 1);
	fixture_keyring_new();
	first_handshake();
	before = sm_secmem_in_use();
	sm_tickets_clear_memory();
	ck_assert_uint_eq(sm_secmem_in_use(), before - 1);
	ck_assert(sm_secmem_all_locked());
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("resume");
	TCase *t = tcase_create("resume");

	tcase_set_timeout(t, 120);
	tcase_add_test(t, a_second_handshake_resumes);
	tcase_add_test(t, a_resumed_context_ends_with_its_ticket);
	tcase_add_test(t, a_replayed_resumed_token_is_refused);
	tcase_add_test(t, fallback_after_the_keyring_key_is_retired);
	tcase_add_test(t, fallback_after_the_ticket_expires);
	tcase_add_test(t, fallback_after_the_peers_file_renames_the_initiator_key);
	tcase_add_test(t, resumption_off_asks_for_and_issues_no_ticket);
	tcase_add_test(t, no_ticket_without_a_keyring_or_for_anonymous_initiators);
	tcase_add_test(t, an_abandoned_resumed_handshake_drops_its_ticket);
	tcase_add_test(t, a_ticket_is_never_accepted_for_another_acceptor_name);
	tcase_add_test(t, every_truncation_and_byte_change_of_a_resumed_token_1_is_refused);
	tcase_add_test(t, every_truncation_and_byte_change_of_a_token_2_with_a_ticket_is_refused);
	tcase_add_test(t, every_truncation_and_byte_change_of_token_3_is_refused);
	tcase_add_test(t, the_ticket_file_serves_the_next_process);
	tcase_add_test(t, a_corrupted_ticket_file_means_a_full_handshake);
	tcase_add_test(t, a_ticket_file_that_cannot_be_written_costs_nothing_but_the_ticket);
	tcase_add_test(t, the_ticket_file_keeps_its_newest_lines);
	tcase_add_test(t, ticket_secrets_are_locked_and_wiped);
	suite_add_tcase(s, t);
	return s;
}
