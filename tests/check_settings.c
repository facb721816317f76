/* sodium.conf: defaults, good files, every kind of bad line. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "init.h"
#include "settings.h"
#include "status.h"
#include "unit.h"

static OM_uint32 parse(const char *text, struct sm_settings *s, OM_uint32 *minor)
{
	sm_settings_defaults(s);
	return sm_settings_parse(minor, "/etc/test.conf", text, strlen(text), s);
}

START_TEST(defaults)
{
	struct sm_settings s;

	sm_settings_defaults(&s);
	ck_assert_uint_eq(s.context_lifetime, 36000);
	ck_assert_int_eq(s.allow_anonymous, 0);
	ck_assert_int_eq(s.allow_unknown_initiators, 0);
	ck_assert_uint_eq(s.export_max_age, 600);
	ck_assert_int_eq(s.import_once, 1);
	ck_assert_str_eq(s.rcache_dir, "");
	ck_assert_uint_eq(s.rcache_max_size, 512ULL << 20);
	ck_assert_int_eq(s.export_bind_uid, 0);
	ck_assert_uint_eq(s.clock_skew, 300);
	ck_assert_int_eq(s.localname, SM_LOCALNAME_NONE);
	ck_assert_int_eq(s.replay_cache.redis, 0);
	ck_assert_str_eq(s.replay_cache_auth, "");
	ck_assert_uint_eq(s.replay_cache_timeout, 500);
}
END_TEST

START_TEST(replay_stores)
{
	static const struct {
		const char *value, *host, *socket;
		unsigned port, db;
		int redis;
	} good[] = {
		{ "file", "", "", 0, 0, 0 },
		{ "redis://127.0.0.1:6379", "127.0.0.1", "", 6379, 0, 1 },
		{ "redis://cache.example:6380/3", "cache.example", "", 6380, 3, 1 },
		{ "redis://[::1]:6379/15", "::1", "", 6379, 15, 1 },
		{ "unix:/run/redis/redis.sock", "", "/run/redis/redis.sock", 0, 0, 1 },
		{ "unix:/run/redis.sock?db=2", "", "/run/redis.sock", 0, 2, 1 },
	};
	char text[128];
	struct sm_settings s;
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "replay_cache = %s\nreplay_cache_timeout = 250\n",
			 good[i].value);
		ck_assert_int_eq(parse(text, &s, &minor), GSS_S_COMPLETE);
		ck_assert_int_eq(s.replay_cache.redis, good[i].redis);
		ck_assert_str_eq(s.replay_cache.host, good[i].host);
		ck_assert_str_eq(s.replay_cache.socket, good[i].socket);
		ck_assert_uint_eq(s.replay_cache.port, good[i].port);
		ck_assert_uint_eq(s.replay_cache.db, good[i].db);
		ck_assert_str_eq(s.replay_cache.shown, good[i].value);
		ck_assert_uint_eq(s.replay_cache_timeout, 250);
	}
}
END_TEST

START_TEST(every_setting_parses)
{
	struct sm_settings s;
	OM_uint32 minor;

	ck_assert_int_eq(parse("# policy\n"
			       "context_lifetime = 2h   # two hours\n"
			       "\n"
			       "  allow_anonymous=yes\r\n"
			       "allow_unknown_initiators = TRUE\n"
			       "export_max_age = 90m\n"
			       "import_once = off\n"
			       "rcache_dir = /run/gss-sodium\n"
			       "rcache_max_size = 2G\n"
			       "clock_skew = 90s\n"
			       "export_bind_uid = 1", &s, &minor), GSS_S_COMPLETE);
	ck_assert_uint_eq(s.context_lifetime, 7200);
	ck_assert_int_eq(s.allow_anonymous, 1);
	ck_assert_int_eq(s.allow_unknown_initiators, 1);
	ck_assert_uint_eq(s.export_max_age, 5400);
	ck_assert_int_eq(s.import_once, 0);
	ck_assert_str_eq(s.rcache_dir, "/run/gss-sodium");
	ck_assert_uint_eq(s.rcache_max_size, 2ULL << 30);
	ck_assert_uint_eq(s.clock_skew, 90);
	ck_assert_int_eq(s.export_bind_uid, 1);
}
END_TEST

START_TEST(durations)
{
	static const struct {
		const char *value;
		unsigned long seconds;
	} good[] = { { "45", 45 }, { "45s", 45 }, { "3m", 180 }, { "10h", 36000 },
		     { "2d", 172800 }, { "0", 0 } };
	char text[64];
	struct sm_settings s;
	OM_uint32 minor;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		snprintf(text, sizeof(text), "context_lifetime = %s\n", good[i].value);
		ck_assert_int_eq(parse(text, &s, &minor), GSS_S_COMPLETE);
		ck_assert_uint_eq(s.context_lifetime, good[i].seconds);
	}
}
END_TEST

static const struct {
	const char *text;
	OM_uint32 code;
	const char *says;
} bad[] = {
	{ "lifetime = 10h", GSS_SODIUM_S_SETTINGS_UNKNOWN_KEY, "unknown setting 'lifetime'" },
	{ "context_lifetime = 10x", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not a duration" },
	{ "context_lifetime = -5", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "'-5'" },
	{ "context_lifetime = 5hh", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not a duration" },
	{ "context_lifetime = 99999999999", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not a duration" },
	{ "context_lifetime = 30000d", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "68 years" },
	{ "allow_anonymous = maybe", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not yes or no" },
	{ "rcache_dir = var/tmp", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not an absolute path" },
	{ "rcache_max_size = 4M", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "from 8M to 64G" },
	{ "rcache_max_size = 65G", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "from 8M to 64G" },
	{ "rcache_max_size = 1T", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "'1T' is not a size" },
	{ "rcache_max_size = 1MB", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not a size" },
	{ "clock_skew = soon", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not a duration" },
	{ "replay_cache = redis://host", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file, redis://HOST:PORT[/DB]" },
	{ "replay_cache = redis://host:0", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = redis://host:70000", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = redis://:6379", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = redis://h:6379/x", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = redis://[::1:6379", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = unix:run/redis.sock", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = unix:/r.sock?db=", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache = memcached://h:1", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "is not file" },
	{ "replay_cache_timeout = 0", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "milliseconds from 1 to 60000" },
	{ "replay_cache_timeout = 60001", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "milliseconds from 1 to 60000" },
	{ "replay_cache_timeout = 5s", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "milliseconds" },
	{ "replay_cache_auth = redis.pass", GSS_SODIUM_S_SETTINGS_BAD_VALUE, "not an absolute path" },
	{ "import_once", GSS_SODIUM_S_SETTINGS_SYNTAX, "expected 'key = value'" },
	{ "import_once =", GSS_SODIUM_S_SETTINGS_SYNTAX, "both present" },
	{ "= yes", GSS_SODIUM_S_SETTINGS_SYNTAX, "both present" },
	{ "import_once = yes\nimport_once = no", GSS_SODIUM_S_SETTINGS_SYNTAX, "second time" },
};

START_TEST(every_bad_line_names_file_and_line)
{
	char text[256];
	struct sm_settings s;
	OM_uint32 minor;

	/* The bad line comes after two good ones, so it is line 3 (or 4). */
	snprintf(text, sizeof(text), "# settings\nexport_bind_uid = no\n%s\n", bad[_i].text);
	ck_assert_int_eq(parse(text, &s, &minor), GSS_S_FAILURE);
	ck_assert_int_eq(minor, bad[_i].code);
	ck_assert_msg(unit_contains(sm_status_sentence(minor), "/etc/test.conf line "),
		      "'%s' names no file and line", sm_status_sentence(minor));
	ck_assert_msg(unit_contains(sm_status_sentence(minor),
				    strchr(bad[_i].text, '\n') ? "line 4" : "line 3"),
		      "'%s' names the wrong line", sm_status_sentence(minor));
	ck_assert_msg(unit_contains(sm_status_sentence(minor), bad[_i].says),
		      "'%s' lacks '%s'", sm_status_sentence(minor), bad[_i].says);
}
END_TEST

START_TEST(load_from_environment)
{
	char path_read[PATH_MAX];
	struct sm_settings s;
	OM_uint32 minor;
	const char *path = unit_write_file("sodium.conf", "allow_anonymous = yes\n", 0644);

	setenv("GSS_SODIUM_CONF", path, 1);
	ck_assert_int_eq(sm_settings_load(&minor, &s, path_read), GSS_S_COMPLETE);
	ck_assert_str_eq(path_read, path);
	ck_assert_int_eq(s.allow_anonymous, 1);
	/* A file the environment names must exist. */
	setenv("GSS_SODIUM_CONF", "/nonexistent/sodium.conf", 1);
	ck_assert_int_eq(sm_settings_load(&minor, &s, path_read), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_MISSING);
	ck_assert(unit_contains(sm_status_sentence(minor), "/nonexistent/sodium.conf"));
	/* A settings file anyone can change is refused. */
	setenv("GSS_SODIUM_CONF", unit_write_file("open.conf", "", 0666), 1);
	ck_assert_int_eq(sm_settings_load(&minor, &s, path_read), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_FILE_PERMISSIONS);
}
END_TEST

static void *init_in_thread(void *arg)
{
	OM_uint32 *minor = arg;

	return (void *)(uintptr_t)sm_init(minor);
}

START_TEST(bad_settings_fail_every_call_the_same_way)
{
	OM_uint32 minor, thread_minor;
	pthread_t thread;
	void *thread_major;

	setenv("GSS_SODIUM_CONF", unit_write_file("bad.conf", "colour = blue\n", 0644), 1);
	ck_assert_int_eq(sm_init(&minor), GSS_S_FAILURE);
	ck_assert_int_eq(minor, GSS_SODIUM_S_SETTINGS_UNKNOWN_KEY);
	ck_assert(unit_contains(sm_status_sentence(minor), "bad.conf line 1: unknown setting 'colour'"));
	/* Read once: fixing the file does not change this process... */
	unit_write_file("bad.conf", "", 0644);
	ck_assert_int_eq(sm_init(&minor), GSS_S_FAILURE);
	/* ...and another thread is told the same sentence. */
	pthread_create(&thread, NULL, init_in_thread, &thread_minor);
	pthread_join(thread, &thread_major);
	ck_assert_int_eq((OM_uint32)(uintptr_t)thread_major, GSS_S_FAILURE);
	ck_assert_int_eq(thread_minor, GSS_SODIUM_S_SETTINGS_UNKNOWN_KEY);
}
END_TEST

START_TEST(good_settings_reach_the_process)
{
	OM_uint32 minor;

	setenv("GSS_SODIUM_CONF", unit_write_file("good.conf", "context_lifetime = 1h\n", 0644), 1);
	ck_assert_int_eq(sm_init(&minor), GSS_S_COMPLETE);
	ck_assert_uint_eq(sm_current_settings()->context_lifetime, 3600);
}
END_TEST

Suite *unit_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *t = tcase_create("settings");

	tcase_add_test(t, defaults);
	tcase_add_test(t, every_setting_parses);
	tcase_add_test(t, durations);
	tcase_add_test(t, replay_stores);
	tcase_add_loop_test(t, every_bad_line_names_file_and_line, 0,
			    sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(t, load_from_environment);
	tcase_add_test(t, bad_settings_fail_every_call_the_same_way);
	tcase_add_test(t, good_settings_reach_the_process);
	suite_add_tcase(s, t);
	return s;
}
