/*
 * Sealed export and import: every field survives, every change of a token
 * is refused, keyrings rotate and retire, tokens expire, bind to a uid and
 * import once, also when processes race.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "export.h"
#include "fixture.h"
#include "keyring.h"
#include "message.h"
#include "secmem.h"
#include "status.h"
#include "unit.h"

static gss_buffer_desc export_ok(struct sm_context **ctx)
{
	gss_buffer_desc token;
	OM_uint32 minor;

	ck_assert_msg(sm_export_context(&minor, ctx, &token) == GSS_S_COMPLETE,
		      "export: %s", sm_status_sentence(minor));
	ck_assert_ptr_null(*ctx);
	return token;
}

static struct sm_context *import_ok(const gss_buffer_desc *token)
{
	struct sm_context *ctx = NULL;
	OM_uint32 minor;

	ck_assert_msg(sm_import_context(&minor, token, &ctx) == GSS_S_COMPLETE,
		      "import: %s", sm_status_sentence(minor));
	return ctx;
}

static OM_uint32 import_fails(const gss_buffer_desc *token, OM_uint32 *minor)
{
	struct sm_context *ctx = NULL;
	OM_uint32 major = sm_import_context(minor, token, &ctx);

	ck_assert_msg(GSS_ERROR(major), "import succeeded");
	ck_assert_ptr_null(ctx);
	return major;
}

START_TEST(two_instances_of_one_context_never_share_a_nonce)
{
	gss_buffer_desc msg = { 16, (void *)"the same message" }, token, w1, w2, out;
	struct sm_context *first, *second;
	unsigned char *c1, *c2;
	struct pair p;
	OM_uint32 minor;
	size_t i, differ = 0;

	/* Two imports of one token, as import_once = no (or two hosts with
	 * caches of their own) allows: the same keys and sequence numbers. */
	fixture_files("import_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, GSS_C_REPLAY_FLAG, 0);
	token = export_ok(&p.acc);
	first = import_ok(&token);
	second = import_ok(&token);
	ck_assert_int_eq(sm_wrap(&minor, first, 1, 0, &msg, NULL, &w1), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_wrap(&minor, second, 1, 0, &msg, NULL, &w2), GSS_S_COMPLETE);
	ck_assert_uint_eq(w1.length, 28 + msg.length + 16);
	ck_assert_uint_eq(w2.length, w1.length);
	c1 = w1.value;
	c2 = w2.value;
	/* One sequence number (bytes 4-11), two instances (bytes 12-27)... */
	ck_assert_mem_eq(c1 + 4, c2 + 4, 8);
	ck_assert(memcmp(c1 + 12, c2 + 12, 16) != 0);
	/* ...so one plaintext gives two keystreams: the ciphertexts' XOR is
	 * not the plaintexts' (zero), nor are the tags alike. */
	for (i = 0; i < msg.length; i++)
		differ += (c1[28 + i] ^ c2[28 + i]) != 0;
	ck_assert_uint_gt(differ, msg.length / 2);
	ck_assert(memcmp(c1 + 28 + msg.length, c2 + 28 + msg.length, 16) != 0);
	/* The peer reads the first and reports the second as a duplicate. */
	ck_assert_int_eq(sm_unwrap(&minor, p.init, &w1, &out, NULL, NULL), GSS_S_COMPLETE);
	ck_assert_mem_eq(out.value, msg.value, msg.length);
	free(out.value);
	ck_assert_int_eq(sm_unwrap(&minor, p.init, &w2, &out, NULL, NULL), GSS_S_DUPLICATE_TOKEN);
	ck_assert_mem_eq(out.value, msg.value, msg.length);
	free(out.value);
	free(w1.value);
	free(w2.value);
	free(token.value);
	sm_context_free(&first);
	sm_context_free(&second);
	pair_release(&p);
}
END_TEST

START_TEST(every_field_survives_the_round_trip)
{
	gss_buffer_desc msg = { 5, (void *)"hello" }, t1, t2, token, out, prf_in = { 3, (void *)"abc" };
	gss_buffer_desc prf_before, prf_after;
	struct sm_context *copy;
	struct pair p;
	OM_uint32 minor;
	time_t expires;
	int side;

	fixture_files("", 1);
	fixture_keyring_new();
	pair_establish(&p, GSS_C_REPLAY_FLAG | GSS_C_SEQUENCE_FLAG, 0);
	for (side = 0; side < 2; side++) {
		struct sm_context **mine = side ? &p.init : &p.acc;
		struct sm_context *peer = side ? p.acc : p.init;
		unsigned char keys[SM_CONTEXT_KEYS];
		struct sm_name *init_name = NULL, *acc_name = NULL;
		OM_uint32 flags = (*mine)->flags;
		uint64_t send_seq;

		/* Some traffic first, so the sequence state is not fresh. */
		ck_assert_int_eq(sm_wrap(&minor, peer, 1, 0, &msg, NULL, &t1), GSS_S_COMPLETE);
		ck_assert_int_eq(sm_wrap(&minor, peer, 1, 0, &msg, NULL, &t2), GSS_S_COMPLETE);
		ck_assert_int_eq(sm_unwrap(&minor, *mine, &t1, &out, NULL, NULL), GSS_S_COMPLETE);
		free(out.value);
		ck_assert_int_eq(sm_wrap(&minor, *mine, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
		ck_assert_int_eq(sm_unwrap(&minor, peer, &token, &out, NULL, NULL), GSS_S_COMPLETE);
		free(out.value);
		free(token.value);
		ck_assert_int_eq(sm_pseudo_random(&minor, *mine, 0, &prf_in, 40, &prf_before),
				 GSS_S_COMPLETE);
		memcpy(keys, (*mine)->keys, SM_CONTEXT_KEYS);
		ck_assert_int_eq(sm_name_duplicate(&minor, (*mine)->initiator_name, &init_name),
				 GSS_S_COMPLETE);
		ck_assert_int_eq(sm_name_duplicate(&minor, (*mine)->acceptor_name, &acc_name),
				 GSS_S_COMPLETE);
		send_seq = (*mine)->send_seq;
		expires = (*mine)->expires;

		token = export_ok(mine);
		ck_assert_uint_le(token.length, 400);
		copy = import_ok(&token);
		ck_assert_int_eq(copy->initiator, side);
		ck_assert_uint_eq(copy->flags, flags);
		ck_assert_int_eq(copy->expires, expires);
		ck_assert(sm_name_equal(copy->initiator_name, init_name));
		ck_assert(sm_name_equal(copy->acceptor_name, acc_name));
		ck_assert_mem_eq(copy->keys, keys, SM_CONTEXT_KEYS);
		ck_assert_uint_eq(copy->send_seq, send_seq);
		/* The replay window came along: t1 is still a duplicate, t2
		 * (never received) is still welcome. */
		ck_assert_int_eq(sm_unwrap(&minor, copy, &t1, &out, NULL, NULL),
				 GSS_S_DUPLICATE_TOKEN);
		free(out.value);
		ck_assert_int_eq(sm_unwrap(&minor, copy, &t2, &out, NULL, NULL), GSS_S_COMPLETE);
		free(out.value);
		/* The conversation with the original peer goes on. */
		free(t1.value);
		ck_assert_int_eq(sm_wrap(&minor, copy, 1, 0, &msg, NULL, &t1), GSS_S_COMPLETE);
		ck_assert_int_eq(sm_unwrap(&minor, peer, &t1, &out, NULL, NULL), GSS_S_COMPLETE);
		ck_assert_mem_eq(out.value, "hello", 5);
		free(out.value);
		ck_assert_int_eq(sm_pseudo_random(&minor, copy, 0, &prf_in, 40, &prf_after),
				 GSS_S_COMPLETE);
		ck_assert_mem_eq(prf_before.value, prf_after.value, 40);
		free(prf_before.value);
		free(prf_after.value);
		free(t1.value);
		free(t2.value);
		free(token.value);
		sm_name_free(&init_name);
		sm_name_free(&acc_name);
		*mine = copy;
	}
	pair_release(&p);
	/* What stays locked is the process's cached keyring (one key and its
	 * prepared derivations) and the ticket's secret the initiator kept. */
	ck_assert_int_eq(sm_secmem_in_use(), 3);
}
END_TEST

START_TEST(key_memory_is_wiped_after_export)
{
	gss_buffer_desc token;
	unsigned char *keys;
	struct pair p;
	size_t i;

	fixture_files("", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	keys = p.acc->keys;
	token = export_ok(&p.acc);
	for (i = 0; i < SM_CONTEXT_KEYS; i++)
		ck_assert_int_eq(keys[i], 0);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(every_bit_flip_and_truncation_is_refused)
{
	gss_buffer_desc token, changed;
	unsigned char *copy;
	struct pair p;
	OM_uint32 minor, major;
	size_t i;
	int bit;

	fixture_files("import_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	copy = malloc(token.length);
	changed.value = copy;
	for (i = 0; i < token.length; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, token.value, token.length);
			copy[i] ^= (unsigned char)(1 << bit);
			changed.length = token.length;
			major = import_fails(&changed, &minor);
			ck_assert_msg(major == GSS_S_DEFECTIVE_TOKEN, "byte %zu bit %d: 0x%x (%s)",
				      i, bit, major, sm_status_sentence(minor));
		}
		memcpy(copy, token.value, token.length);
		changed.length = i;
		ck_assert_int_eq(import_fails(&changed, &minor), GSS_S_DEFECTIVE_TOKEN);
	}
	/* The genuine token still imports: nothing above left a trace. */
	sm_context_free(&p.acc);
	p.acc = import_ok(&token);
	free(copy);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(a_header_change_gives_the_reason)
{
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;
	unsigned char *b;

	fixture_files("import_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	b = token.value;
	b[0] = 'x';
	import_fails(&token, &minor);
	ck_assert(unit_contains(sm_status_sentence(minor), "no 'sodX' magic"));
	b[0] = 's';
	b[4] = 1;	/* version 1 held keys for protocol version 1 */
	import_fails(&token, &minor);
	ck_assert_int_eq(minor, GSS_SODIUM_S_BAD_VERSION);
	ck_assert(unit_contains(sm_status_sentence(minor), "has format version 1; this mechanism reads version 2"));
	b[4] = 2;
	b[11] = 9;	/* key id 9 */
	import_fails(&token, &minor);
	ck_assert_int_eq(minor, GSS_SODIUM_S_UNKNOWN_SEALING_KEY);
	ck_assert(unit_contains(sm_status_sentence(minor), "sealed with key 9, which this keyring does not hold"));
	b[11] = 1;
	b[30] ^= 1;	/* not-after */
	import_fails(&token, &minor);
	ck_assert_int_eq(minor, GSS_SODIUM_S_SEALED_TOKEN_FORGED);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(another_keyring_does_not_open_it)
{
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	fixture_keyring_new();	/* key 1 again, other bytes */
	ck_assert_int_eq(import_fails(&token, &minor), GSS_S_DEFECTIVE_TOKEN);
	ck_assert_int_eq(minor, GSS_SODIUM_S_SEALED_TOKEN_FORGED);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(rotation_and_retirement)
{
	gss_buffer_desc old_token, new_token;
	struct sm_export_header h;
	struct sm_context *ctx;
	struct pair p;
	OM_uint32 minor;

	fixture_files("import_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	old_token = export_ok(&p.acc);
	/* A second key seals from now on; key 1's tokens still open. */
	fixture_keyring_add(2);
	ctx = import_ok(&old_token);
	new_token = export_ok(&ctx);
	ck_assert_int_eq(sm_export_header_parse(&minor, new_token.value, new_token.length, &h),
			 GSS_S_COMPLETE);
	ck_assert_uint_eq(h.key_id, 2);
	/* Key 1 retired: its tokens stop opening; key 2's still open. */
	fixture_keyring_retire(1);
	ck_assert_int_eq(import_fails(&old_token, &minor), GSS_S_DEFECTIVE_TOKEN);
	ck_assert(unit_contains(sm_status_sentence(minor), "sealed with key 1, which is retired"));
	ctx = import_ok(&new_token);
	/* Retiring the sealing key leaves none: export is unavailable. */
	fixture_keyring_retire(2);
	free(old_token.value);
	ck_assert_int_eq(sm_export_context(&minor, &ctx, &old_token), GSS_S_UNAVAILABLE);
	sm_context_free(&ctx);
	free(new_token.value);
	pair_release(&p);
}
END_TEST

/* Found by fuzzing: an expiry near the ends of the time range made the
 * remaining-time arithmetic overflow; such a state is malformed. */
START_TEST(an_absurd_expiry_is_refused)
{
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;

	fixture_files("import_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	p.acc->expires = INT64_MAX - 5;
	token = export_ok(&p.acc);
	ck_assert_int_eq(import_fails(&token, &minor), GSS_S_DEFECTIVE_TOKEN);
	ck_assert(unit_contains(sm_status_sentence(minor), "malformed context"));
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(export_failures_leave_the_context)
{
	gss_buffer_desc token, msg = { 2, (void *)"hi" }, out;
	struct sm_context *none = NULL;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	ck_assert_int_eq(sm_export_context(&minor, &none, &token), GSS_S_NO_CONTEXT);
	/* A keyring without keys. */
	fixture_keyring_empty();
	pair_establish(&p, 0, 0);
	ck_assert_int_eq(sm_export_context(&minor, &p.acc, &token), GSS_S_UNAVAILABLE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_NO_SEALING_KEY);
	ck_assert(unit_contains(sm_status_sentence(minor), "gss-sodium sealkey new"));
	ck_assert_ptr_nonnull(p.acc);
	ck_assert_uint_eq(token.length, 0);
	/* Only retired keys: the same. */
	fixture_keyring_new();
	fixture_keyring_retire(1);
	ck_assert_int_eq(sm_export_context(&minor, &p.acc, &token), GSS_S_UNAVAILABLE);
	/* The context still works, in both directions. */
	ck_assert_int_eq(sm_wrap(&minor, p.acc, 1, 0, &msg, NULL, &token), GSS_S_COMPLETE);
	ck_assert_int_eq(sm_unwrap(&minor, p.init, &token, &out, NULL, NULL), GSS_S_COMPLETE);
	free(out.value);
	free(token.value);
	pair_release(&p);
	/* A context that is not established cannot be exported. */
	fixture_keyring_new();
	ck_assert_int_eq(pair_start(&p, 0, 0, GSS_C_NO_CHANNEL_BINDINGS), GSS_S_CONTINUE_NEEDED);
	ck_assert_int_eq(sm_export_context(&minor, &p.init, &token), GSS_S_UNAVAILABLE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_CONTEXT_NOT_OPEN);
	ck_assert_ptr_nonnull(p.init);
	pair_release(&p);
}
END_TEST

START_TEST(expiry)
{
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;

	/* export_max_age shortens the token's life below the context's. */
	fixture_files("export_max_age = 1\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	sm_clock_shift(2);
	ck_assert_int_eq(import_fails(&token, &minor), GSS_S_CONTEXT_EXPIRED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_SEALED_TOKEN_EXPIRED);
	free(token.value);
	pair_release(&p);
	/* An expired context is not exported. */
	fixture_files("", 1);
	pair_establish(&p, 0, 1);
	sm_clock_shift(2);
	ck_assert_int_eq(sm_export_context(&minor, &p.init, &token), GSS_S_CONTEXT_EXPIRED);
	ck_assert_ptr_nonnull(p.init);
	pair_release(&p);
}
END_TEST

START_TEST(uid_binding)
{
	struct sm_export_header h;
	gss_buffer_desc token;
	struct sm_context *ctx;
	struct pair p;
	OM_uint32 minor;

	fixture_files("export_bind_uid = yes\nimport_once = no\n", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	ck_assert_int_eq(sm_export_header_parse(&minor, token.value, token.length, &h),
			 GSS_S_COMPLETE);
	ck_assert(h.flags & SM_EXPORT_FLAG_UID_BOUND);
	ck_assert_uint_eq(h.uid, geteuid());
	ctx = import_ok(&token);
	sm_context_free(&ctx);
	if (geteuid() == 0) {
		/* Another uid (this test runs in a child of its own).  In the
		 * next second the process looks at the keyring again: that uid
		 * reaches the file, through the directories opened here, and
		 * sees it unchanged, so the uid binding is what refuses. */
		char run_dir[PATH_MAX];

		strcpy(run_dir, unit_tmpdir());
		*strrchr(run_dir, '/') = '\0';
		ck_assert_int_eq(chmod(run_dir, 0711), 0);
		ck_assert_int_eq(chmod(unit_tmpdir(), 0711), 0);
		unit_next_second();
		ck_assert_int_eq(seteuid(65534), 0);
		ck_assert_int_eq(import_fails(&token, &minor), GSS_S_UNAUTHORIZED);
		ck_assert_int_eq(minor, GSS_SODIUM_S_WRONG_UID);
		ck_assert(unit_contains(sm_status_sentence(minor), "bound to uid 0"));
		ck_assert_int_eq(seteuid(0), 0);
	}
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(import_once)
{
	gss_buffer_desc token;
	struct sm_context *ctx;
	struct pair p;
	OM_uint32 minor;

	fixture_files("", 1);
	fixture_keyring_new();
	pair_establish(&p, 0, 0);
	token = export_ok(&p.acc);
	ctx = import_ok(&token);
	ck_assert_int_eq(import_fails(&token, &minor), GSS_S_UNAUTHORIZED);
	ck_assert_int_eq(minor, GSS_SODIUM_S_TOKEN_REPLAYED);
	/* A new export of the same context is a new token. */
	free(token.value);
	token = export_ok(&ctx);
	ctx = import_ok(&token);
	sm_context_free(&ctx);
	free(token.value);
	pair_release(&p);
}
END_TEST

START_TEST(processes_racing_for_one_token)
{
	enum { ROUNDS = 20, RACERS = 8 };
	gss_buffer_desc token;
	struct pair p;
	OM_uint32 minor;
	int round, i, status, winners;
	pid_t pids[RACERS];

	fixture_files("", 1);
	fixture_keyring_new();
	for (round = 0; round < ROUNDS; round++) {
		pair_establish(&p, 0, 0);
		token = export_ok(&p.acc);
		for (i = 0; i < RACERS; i++) {
			pids[i] = fork();
			if (pids[i] == 0) {
				struct sm_context *mine = NULL;

				_exit(sm_import_context(&minor, &token, &mine) == GSS_S_COMPLETE ? 0 :
				      minor == GSS_SODIUM_S_TOKEN_REPLAYED ? 1 : 2);
			}
		}
		for (i = 0, winners = 0; i < RACERS; i++) {
			ck_assert_int_eq(waitpid(pids[i], &status, 0), pids[i]);
			ck_assert(WIFEXITED(status) && WEXITSTATUS(status) < 2);
			winners += WEXITSTATUS(status) == 0;
		}
		ck_assert_msg(winners == 1, "round %d: %d processes imported the token", round,
			      winners);
		/* This process, later, is refused as well. */
		ck_assert_int_eq(import_fails(&token, &minor), GSS_S_UNAUTHORIZED);
		free(token.value);
		pair_release(&p);
	}
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("export");
	TCase *t = tcase_create("export");

	tcase_set_timeout(t, 60);
	tcase_add_test(t, every_field_survives_the_round_trip);
	tcase_add_test(t, key_memory_is_wiped_after_export);
	tcase_add_test(t, every_bit_flip_and_truncation_is_refused);
	tcase_add_test(t, a_header_change_gives_the_reason);
	tcase_add_test(t, another_keyring_does_not_open_it);
	tcase_add_test(t, rotation_and_retirement);
	tcase_add_test(t, an_absurd_expiry_is_refused);
	tcase_add_test(t, export_failures_leave_the_context);
	tcase_add_test(t, expiry);
	tcase_add_test(t, uid_binding);
	tcase_add_test(t, import_once);
	tcase_add_test(t, two_instances_of_one_context_never_share_a_nonce);
	tcase_add_test(t, processes_racing_for_one_token);
	suite_add_tcase(s, t);
	return s;
}
