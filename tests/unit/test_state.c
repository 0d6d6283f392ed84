/* SPDX-License-Identifier: MIT */
/* test_state.c — the state directory (state.h): per-user state files read back as written
 * and hostile contents refused, the state dir's ownership check, the per-user lock, the
 * account alias cache, the request allowance and the machine ID kept for a system without
 * /etc/machine-id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "state.h"

/* a deadline no test reaches */
#define SOON (clock_now_ms() + 10000)

static const char good_state[] = "login=alice\niam_user=alice\n"
                                 "arn=arn:aws:iam::123456789012:user/alice\n"
                                 "account=123456789012\nhost=hosta\nprofile=default\n"
                                 "key_id=AKIAAAAAAAAAAAAAAAAA\nkey_created=100\n"
                                 "verified_at=200\n"
                                 "url=https://123456789012.signin.aws.amazon.com/console\n";

static void state_parses_its_own_format(void **st)
{
	struct user_state s;

	(void)st;
	assert_int_equal(state_parse(good_state, strlen(good_state), "alice", &s), PAI_OK);
	assert_string_equal(s.key_id, "AKIAAAAAAAAAAAAAAAAA");
	assert_int_equal(s.key_created, 100);
	assert_int_equal(s.verified_at, 200);
	assert_false(s.setup_pending); /* absent: nothing pending (files of earlier versions) */
	{
		char pending[sizeof(good_state) + 32];

		snprintf(pending, sizeof(pending), "%ssetup_pending=1\n", good_state);
		assert_int_equal(state_parse(pending, strlen(pending), "alice", &s), PAI_OK);
		assert_true(s.setup_pending);
	}
	/* another login's file */
	assert_int_equal(state_parse(good_state, strlen(good_state), "bob", &s), PAI_ERR_INVALID);
	assert_string_equal(s.key_id, "");
}

static void state_refuses_hostile_contents(void **st)
{
	static const char *const bad[] = {
	    "",
	    "login=alice\n", /* no key */
	    "login=alice\nkey_id=AKIA/../../x\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nkey_created=-5\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nverified_at=12abc\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nurl=http://evil/\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nurl=https://x\"y\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nhost=a b\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\ngarbage line\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\naccount=1234\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nsetup_pending=yes\n",
	    "login=alice\nkey_id=AKIAAAAAAAAAAAAAAAAA\nsetup_pending=\n",
	};
	struct user_state s;
	char big[9000];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (state_parse(bad[i], strlen(bad[i]), "alice", &s) != PAI_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(state_parse("login=al\0ice", 12, "al", &s), PAI_ERR_INVALID);
	memset(big, 'a', sizeof(big));
	assert_int_equal(state_parse(big, sizeof(big), "alice", &s), PAI_ERR_INVALID);
	assert_false(state_valid_login("../x"));
	assert_false(state_valid_login(".hidden"));
	assert_false(state_valid_login("a/b"));
	assert_false(state_valid_login(""));
	assert_false(state_valid_login("-rf"));
	assert_true(state_valid_login("alice.smith@corp"));
	/* IAM's other characters are a login's too (they were refused as "not usable") */
	assert_true(state_valid_login("a+b=c,d"));
	assert_true(state_valid_login("_x"));
}

static void request_allowance_refills_and_survives_hostile_files(void **st)
{
	char dir[] = "/tmp/pai-bucket-XXXXXX", path[128], cmd[128], mid[HOSTID_LEN + 1],
	     mid2[HOSTID_LEN + 1];
	static const char *const bad[] = {
	    "",          "v1 5 5",    "v2 5 5\n",   "v1 -5 5\n", "v1 5 -5\n",
	    "v1 5\n",    "v1  5 5\n", "v1 5 5 5\n", "v1 x 5\n",  "v1 99999999999999999999 5\n",
	    "v1 5 5\n\n"};
	struct state_bucket b;
	long long wait = 0;
	size_t i;
	int fd, k, held;
	FILE *f;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (state_bucket_parse(bad[i], strlen(bad[i]), &b) == PAI_OK)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(state_bucket_parse("v1 5000 100\n", 12, &b), PAI_OK);
	assert_int_equal(b.tokens_milli, 5000);
	assert_int_equal(b.at, 100);
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_open(dir, &fd), PAI_OK);
	/* three at once, then one per 60 s */
	for (k = 0; k < 3; k++)
		assert_int_equal(state_take_request(fd, "alice", 1000, 3, 60, SOON, &wait), PAI_OK);
	assert_int_equal(state_take_request(fd, "alice", 1000, 3, 60, SOON, &wait), PAI_ERR_LIMIT);
	assert_int_equal(wait, 60);
	assert_int_equal(state_take_request(fd, "alice", 1030, 3, 60, SOON, &wait), PAI_ERR_LIMIT);
	assert_int_equal(wait, 30);
	assert_int_equal(state_take_request(fd, "alice", 1060, 3, 60, SOON, &wait), PAI_OK);
	assert_int_equal(state_take_request(fd, "bob", 1060, 3, 60, SOON, &wait),
	                 PAI_OK); /* per person */
	assert_int_equal(state_take_request(fd, "alice", 1060, 0, 60, SOON, &wait),
	                 PAI_OK); /* off */
	/* a garbled file is a full bucket, never a locked-out person */
	snprintf(path, sizeof(path), "%s/requests/alice", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("v1 garbage\n", f);
	fclose(f);
	assert_int_equal(state_take_request(fd, "alice", 1061, 3, 60, SOON, &wait), PAI_OK);
	/* a bucket whose lock a stopped run of the person holds: refused at the deadline, not
	 * waited on for ever (flock locks of two opens conflict within one process too) */
	held = open(path, O_RDWR);
	assert_true(held >= 0);
	assert_int_equal(flock(held, LOCK_EX), 0);
	assert_int_equal(state_take_request(fd, "alice", 1062, 3, 60, clock_now_ms() + 50, &wait),
	                 PAI_ERR_LIMIT);
	assert_int_equal(wait, 60);
	close(held);
	assert_int_equal(state_take_request(fd, "alice", 1062, 3, 60, SOON, &wait), PAI_OK);
	/* the machine ID a system without /etc/machine-id gets: made once, then the same */
	assert_int_equal(state_machine_id(fd, mid), PAI_OK);
	assert_true(hostid_valid_id(mid));
	assert_int_equal(state_machine_id(fd, mid2), PAI_OK);
	assert_string_equal(mid, mid2);
	close(fd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

static void state_dir_round_trip_lock_and_alias(void **st)
{
	char dir[] = "/tmp/pai-state-XXXXXX";
	struct user_state s = {0}, r;
	char alias[64];
	int fd, lock, lock2;

	(void)st;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_open(dir, &fd), PAI_OK);
	assert_int_equal(state_read(fd, "alice", &r), PAI_ERR_NOT_FOUND);
	assert_int_equal(state_parse(good_state, strlen(good_state), "alice", &s), PAI_OK);
	assert_int_equal(state_write(fd, &s), PAI_OK);
	assert_int_equal(state_read(fd, "alice", &r), PAI_OK);
	assert_memory_equal(&r, &s, sizeof(s));
	s.setup_pending = true;
	assert_int_equal(state_write(fd, &s), PAI_OK);
	assert_int_equal(state_read(fd, "alice", &r), PAI_OK);
	assert_true(r.setup_pending);
	s.setup_pending = false;
	assert_int_equal(state_write(fd, &s), PAI_OK);
	assert_int_equal(state_read(fd, "alice", &r), PAI_OK);
	assert_false(r.setup_pending);
	assert_int_equal(state_read_alias(fd, "123456789012", 1000, alias), PAI_ERR_NOT_FOUND);
	assert_int_equal(state_write_alias(fd, "123456789012", "corp", 1000), PAI_OK);
	assert_int_equal(state_read_alias(fd, "123456789012", 1000 + 60, alias), PAI_OK);
	assert_string_equal(alias, "corp");
	assert_int_equal(state_read_alias(fd, "123456789012", 1000 + STATE_ALIAS_TTL, alias),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(state_read_alias(fd, "999999999999", 1001, alias), PAI_ERR_NOT_FOUND);
	assert_int_equal(state_lock(fd, "alice", clock_now_ms() + 1000, &lock), PAI_OK);
	/* a second open file description waits, then gives up at the deadline */
	assert_int_equal(state_lock(fd, "alice", clock_now_ms() + 30, &lock2), PAI_ERR_TIMEOUT);
	state_unlock(lock);
	assert_int_equal(state_lock(fd, "alice", clock_now_ms() + 1000, &lock2), PAI_OK);
	state_unlock(lock2);
	assert_int_equal(state_remove(fd, "alice"), PAI_OK);
	assert_int_equal(state_read(fd, "alice", &r), PAI_ERR_NOT_FOUND);
	close(fd);
	/* group-writable state dir: refused */
	chmod(dir, 0770);
	assert_int_equal(state_open(dir, &fd), PAI_ERR_FILE);
	chmod(dir, 0700);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		assert_int_equal(system(cmd), 0);
	}
}

static void state_refuses_a_symlinked_state_file(void **st)
{
	char dir[] = "/tmp/pai-state-XXXXXX";
	char path[128];
	struct user_state r;
	int fd;

	(void)st;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_open(dir, &fd), PAI_OK);
	snprintf(path, sizeof(path), "%s/users/alice", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(state_read(fd, "alice", &r), PAI_ERR_FILE);
	unlink(path);
	close(fd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(state_parses_its_own_format),
	    cmocka_unit_test(state_refuses_hostile_contents),
	    cmocka_unit_test(state_dir_round_trip_lock_and_alias),
	    cmocka_unit_test(request_allowance_refills_and_survives_hostile_files),
	    cmocka_unit_test(state_refuses_a_symlinked_state_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
