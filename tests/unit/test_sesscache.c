/* SPDX-License-Identifier: MIT */
/* test_sesscache.c — the session --credential-process caches (sesscache.h): read back as
 * written, hostile records and half sessions refused whole, a cache of another uid, login,
 * IAM user or key not the person's, and the JSON the AWS SDKs read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "sesscache.h"
#include "state.h"

#define WHO                                                                                        \
	"pam-aws-iam-session v1\nuid=1000\nlogin=alice\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"           \
	"key_id=AKIAAAAAAAAAAAAAAAAA\n"
#define SESSION                                                                                    \
	"access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/0000\n"     \
	"token=IQoJb3JpZ2luX2VjE+/=\nexpires=1700043200\n"

static void cache_parses_its_own_format(void **st)
{
	static const char good[] = WHO SESSION "failed_at=1700000100\nfailure=GetSessionToken "
	                                       "failed: Throttling: Rate exceeded\n";
	static const char bare[] = WHO "failed_at=5\n";
	struct sess_cache c;

	(void)st;
	assert_int_equal(sesscache_parse(good, strlen(good), "alice", &c), PAI_OK);
	assert_true(c.has_session);
	assert_string_equal(c.access_key_id, "ASIABBBBBBBBBBBBBBBB");
	assert_string_equal(c.token, "IQoJb3JpZ2luX2VjE+/=");
	assert_int_equal(c.expires, 1700043200);
	assert_int_equal(c.failed_at, 1700000100);
	assert_string_equal(c.failure, "GetSessionToken failed: Throttling: Rate exceeded");
	assert_true(
	    sess_cache_belongs(&c, 1000, "alice", "AIDAAAAAAAAAAAAAAAAAA", "AKIAAAAAAAAAAAAAAAAA"));
	/* a reused uid, a re-created IAM user, a rotated key: none of them is served this one */
	assert_false(
	    sess_cache_belongs(&c, 1001, "alice", "AIDAAAAAAAAAAAAAAAAAA", "AKIAAAAAAAAAAAAAAAAA"));
	assert_false(
	    sess_cache_belongs(&c, 1000, "alice", "AIDACCCCCCCCCCCCCCCCC", "AKIAAAAAAAAAAAAAAAAA"));
	assert_false(
	    sess_cache_belongs(&c, 1000, "alice", "AIDAAAAAAAAAAAAAAAAAA", "AKIADDDDDDDDDDDDDDDD"));
	assert_false(
	    sess_cache_belongs(&c, 1000, "bob", "AIDAAAAAAAAAAAAAAAAAA", "AKIAAAAAAAAAAAAAAAAA"));
	/* only the memory of a failure, no session */
	assert_int_equal(sesscache_parse(bare, strlen(bare), "alice", &c), PAI_OK);
	assert_false(c.has_session);
	assert_int_equal(c.failed_at, 5);
	assert_int_equal(sesscache_parse(good, strlen(good), "bob", &c), PAI_ERR_INVALID);
	assert_string_equal(c.secret, "");
}

static void cache_refuses_hostile_records(void **st)
{
	static const char *const bad[] = {
	    /* half a session: every part or none */
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\n",
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=abc\n",
	    WHO "secret=x\ntoken=abc\nexpires=5\n",
	    /* a long-term key where a session's belongs */
	    WHO "access_key_id=AKIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=abc\nexpires=5\n",
	    /* a token that JSON would have to escape, or is not one */
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=a\"b\nexpires=5\n",
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=a b\nexpires=5\n",
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=abc\nexpires=-5\n",
	    WHO "access_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=abc\nexpires=5s\n",
	    WHO "failure=a reason with no time\n",
	    WHO "failed_at=0\nfailure=a reason at no time\n",
	    WHO "failed_at=x\n",
	    "pam-aws-iam-session v1\nuid=1000\nlogin=alice\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n",
	    "pam-aws-iam-session v1\nuid=x\nlogin=alice\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\n",
	    "pam-aws-iam-key v1\nuid=1000\nlogin=alice\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\n",
	};
	char big[RECORD_MAX_BYTES];
	struct sess_cache c;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (sesscache_parse(bad[i], strlen(bad[i]), "alice", &c) != PAI_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
	/* a token past 4096 bytes, in a record under the size bound */
	snprintf(big, sizeof(big), "%saccess_key_id=ASIABBBBBBBBBBBBBBBB\nsecret=x\ntoken=", WHO);
	i = strlen(big);
	memset(big + i, 'A', SESSCACHE_TOKEN_MAX + 1);
	snprintf(big + i + SESSCACHE_TOKEN_MAX + 1, sizeof(big) - i - SESSCACHE_TOKEN_MAX - 1,
	         "\nexpires=5\n");
	assert_true(strlen(big) < RECORD_MAX_BYTES);
	assert_int_equal(sesscache_parse(big, strlen(big), "alice", &c), PAI_ERR_INVALID);
	/* and one of exactly 4096 is a token */
	memmove(big + i + SESSCACHE_TOKEN_MAX, big + i + SESSCACHE_TOKEN_MAX + 1,
	        strlen(big + i + SESSCACHE_TOKEN_MAX + 1) + 1);
	assert_int_equal(sesscache_parse(big, strlen(big), "alice", &c), PAI_OK);
}

static void cache_round_trip_and_json(void **st)
{
	char dir[] = "/tmp/pai-sess-XXXXXX", path[128], out[8192];
	static const char good[] = WHO SESSION;
	struct sess_cache c, r;
	struct stat sb;
	ssize_t n;
	int fd, p[2];

	(void)st;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_open(dir, &fd), PAI_OK);
	assert_int_equal(sesscache_read(fd, "alice", &r), PAI_ERR_NOT_FOUND);
	assert_int_equal(sesscache_parse(good, strlen(good), "alice", &c), PAI_OK);
	assert_int_equal(sesscache_write(fd, &c), PAI_OK);
	snprintf(path, sizeof(path), "%s/sessions/alice", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	assert_int_equal(sesscache_read(fd, "alice", &r), PAI_OK);
	assert_memory_equal(&r, &c, sizeof(c));
	/* the JSON the SDKs read: a secret's '"' and '\' escaped */
	snprintf(c.secret, sizeof(c.secret), "a\"b\\c");
	assert_int_equal(pipe(p), 0);
	assert_int_equal(sesscache_print_json(&c, p[1]), PAI_OK);
	close(p[1]);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	assert_true(n > 0);
	out[n] = '\0';
	assert_string_equal(out, "{\"Version\": 1, \"AccessKeyId\": \"ASIABBBBBBBBBBBBBBBB\", "
	                         "\"SecretAccessKey\": \"a\\\"b\\\\c\", \"SessionToken\": "
	                         "\"IQoJb3JpZ2luX2VjE+/=\", \"Expiration\": "
	                         "\"2023-11-15T10:13:20Z\"}\n");
	/* no session, nothing printed; what the reader refuses is never written */
	c.has_session = false;
	assert_int_equal(sesscache_print_json(&c, STDOUT_FILENO), PAI_ERR_INVALID);
	c.has_session = true;
	snprintf(c.token, sizeof(c.token), "two\nlines");
	assert_int_equal(sesscache_write(fd, &c), PAI_ERR_INVALID);
	/* a symlink where the cache belongs is not read through */
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(sesscache_read(fd, "alice", &r), PAI_ERR_FILE);
	assert_int_equal(sesscache_remove(fd, "alice"), PAI_OK);
	assert_int_equal(sesscache_read(fd, "alice", &r), PAI_ERR_NOT_FOUND);
	sess_cache_wipe(&c);
	close(fd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cache_parses_its_own_format),
	    cmocka_unit_test(cache_refuses_hostile_records),
	    cmocka_unit_test(cache_round_trip_and_json),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
