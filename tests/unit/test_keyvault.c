/* SPDX-License-Identifier: MIT */
/* test_keyvault.c — the long-term key the helper keeps for a person with deliver = process
 * (keyvault.h) and the record format it shares with the session cache (record.h): read back as
 * written, 0600 in keys/, hostile records refused whole, a key of another uid no key. */
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

#include "keyvault.h"
#include "record.h"
#include "state.h"

#define GOOD                                                                                       \
	"pam-aws-iam-key v1\nlogin=alice\nuid=1000\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"               \
	"key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/0000\n"            \
	"created=1700000000\n"

static void record_reader_is_strict_and_bounded(void **st)
{
	char a[8], b[8];
	const struct record_field f[] = {{"a", a, sizeof(a), NULL, true},
	                                 {"b", b, sizeof(b), NULL, false}};
	static const char *const bad[] = {
	    "",
	    "v1",                  /* no newline */
	    "v2\na=1\n",           /* another format */
	    "v1\n",                /* a required field missing */
	    "v1\na=1",             /* the last line unterminated */
	    "v1\na=1\na=2\n",      /* twice */
	    "v1\na=1\n\n",         /* an empty line */
	    "v1\na=1\nnoequals\n", /* not key=value */
	    "v1\na=1\n=x\n",       /* no key */
	    "v1\na=1234567890\n",  /* too long for its buffer */
	    "v1\na=1\tb\n",        /* a control byte */
	    "v1\na=\xc3\xa9\n",    /* not ASCII */
	    "v1\r\na=1\n",         /* CR */
	};
	unsigned long long n;
	static const char newer[] = "v1\na=1\nzz=new field\nb=x=y\n";
	size_t i;

	(void)st;
	assert_int_equal(record_parse(newer, strlen(newer), "v1", f, 2), PAI_OK);
	assert_string_equal(a, "1");
	assert_string_equal(b, "x=y"); /* the value is all after the first '=' */
	assert_int_equal(record_parse("v1\na=\n", 6, "v1", f, 2), PAI_OK);
	assert_string_equal(a, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (record_parse(bad[i], strlen(bad[i]), "v1", f, 2) != PAI_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
	assert_int_equal(record_parse("v1\na=1\0\n", sizeof("v1\na=1\0\n") - 1, "v1", f, 2),
	                 PAI_ERR_INVALID);
	assert_string_equal(a, ""); /* wiped on refusal */
	assert_true(record_num("0", &n) && n == 0);
	assert_true(record_num("1234567890123456789", &n));
	assert_false(record_num("12345678901234567890", &n)); /* 20 digits: past a long long */
	assert_false(record_num("-1", &n));
	assert_false(record_num("+1", &n));
	assert_false(record_num(" 1", &n));
	assert_false(record_num("", &n));
}

static void record_writer_refuses_what_the_reader_would(void **st)
{
	struct buf b;

	(void)st;
	buf_init(&b, RECORD_MAX_BYTES);
	assert_int_equal(record_put(&b, "k", "v=1 x"), PAI_OK);
	assert_int_equal(record_put(&b, "k", "line\nbreak"), PAI_ERR_INVALID);
	assert_int_equal(record_put(&b, "k=", "v"), PAI_ERR_INVALID);
	assert_int_equal(record_put(&b, "", "v"), PAI_ERR_INVALID);
	assert_int_equal(record_put_num(&b, "n", 42), PAI_OK);
	assert_string_equal(b.data, "k=v=1 x\nn=42\n");
	buf_free(&b);
}

static void held_key_parses_and_refuses_hostile_records(void **st)
{
	static const char *const bad[] = {
	    "pam-aws-iam-key v1\nlogin=alice\n",
	    "pam-aws-iam-key v2\nlogin=alice\nuid=1000\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=x\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=-1\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=x\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=99999999999\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=x\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=1\nuser_id=AIDA/../x\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=x\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=1\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIA AAAAAAAAAAAAAAA\nsecret=x\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=1\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=has space\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=1\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=\ncreated=1\n",
	    "pam-aws-iam-key v1\nlogin=alice\nuid=1\nuser_id=AIDAAAAAAAAAAAAAAAAAA\n"
	    "key_id=AKIAAAAAAAAAAAAAAAAA\nsecret=x\ncreated=soon\n",
	};
	struct held_key k;
	size_t i;

	(void)st;
	assert_int_equal(keyvault_parse(GOOD, strlen(GOOD), "alice", &k), PAI_OK);
	assert_string_equal(k.key_id, "AKIAAAAAAAAAAAAAAAAA");
	assert_string_equal(k.secret, "s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/0000");
	assert_int_equal(k.uid, 1000);
	assert_int_equal(k.created, 1700000000);
	/* another login's record */
	assert_int_equal(keyvault_parse(GOOD, strlen(GOOD), "bob", &k), PAI_ERR_INVALID);
	assert_string_equal(k.secret, "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (keyvault_parse(bad[i], strlen(bad[i]), "alice", &k) != PAI_ERR_INVALID)
			fail_msg("accepted: %s", bad[i]);
}

static void held_key_round_trip_in_the_state_dir(void **st)
{
	char dir[] = "/tmp/pai-vault-XXXXXX", path[128], id[IAM_KEY_ID_MAX];
	struct held_key k, r;
	struct stat sb;
	int fd;

	(void)st;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(state_open(dir, &fd), PAI_OK);
	assert_int_equal(keyvault_read(fd, "alice", &r), PAI_ERR_NOT_FOUND); /* no keys/ yet */
	assert_int_equal(keyvault_parse(GOOD, strlen(GOOD), "alice", &k), PAI_OK);
	assert_int_equal(keyvault_write(fd, &k), PAI_OK);
	snprintf(path, sizeof(path), "%s/keys/alice", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	snprintf(path, sizeof(path), "%s/keys", dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_int_equal(keyvault_read(fd, "alice", &r), PAI_OK);
	assert_memory_equal(&r, &k, sizeof(k));
	keyvault_key_id(fd, "alice", 1000, id);
	assert_string_equal(id, "AKIAAAAAAAAAAAAAAAAA");
	keyvault_key_id(fd, "alice", 1001, id); /* the uid was reused: nothing is its */
	assert_string_equal(id, "");
	/* what the reader refuses is never written */
	snprintf(r.secret, sizeof(r.secret), "two\nlines");
	assert_int_equal(keyvault_write(fd, &r), PAI_ERR_INVALID);
	snprintf(r.secret, sizeof(r.secret), "ok");
	snprintf(r.login, sizeof(r.login), "../etc");
	assert_int_equal(keyvault_write(fd, &r), PAI_ERR_INVALID);
	/* a group-writable record is not the helper's */
	snprintf(path, sizeof(path), "%s/keys/alice", dir);
	chmod(path, 0620);
	assert_int_equal(keyvault_read(fd, "alice", &r), PAI_ERR_FILE);
	chmod(path, 0600);
	assert_int_equal(keyvault_remove(fd, "alice"), PAI_OK);
	assert_int_equal(keyvault_remove(fd, "alice"), PAI_OK);
	assert_int_equal(keyvault_read(fd, "alice", &r), PAI_ERR_NOT_FOUND);
	held_key_wipe(&k);
	close(fd);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(record_reader_is_strict_and_bounded),
	    cmocka_unit_test(record_writer_refuses_what_the_reader_would),
	    cmocka_unit_test(held_key_parses_and_refuses_hostile_records),
	    cmocka_unit_test(held_key_round_trip_in_the_state_dir),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
