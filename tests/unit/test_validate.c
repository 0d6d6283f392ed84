/* SPDX-License-Identifier: MIT */
/* test_validate.c — table tests for every IAM value pattern: edge lengths, bad bytes,
 * UTF-8 bytes, NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "validate.h"

struct vcase {
	const char *s;
	bool ok;
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void run_table(bool (*fn)(const char *), const char *name, const struct vcase *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fn(c[i].s) != c[i].ok)
			fail_msg("%s(\"%s\") should be %s", name, c[i].s ? c[i].s : "(null)",
			         c[i].ok ? "true" : "false");
	if (fn(NULL))
		fail_msg("%s(NULL) should be false", name);
}

/* A heap string of n copies of ch, with prefix and suffix. */
static char *rep(const char *prefix, char ch, size_t n, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);
	char *s = malloc(pl + n + sl + 1);

	assert_non_null(s);
	memcpy(s, prefix, pl);
	memset(s + pl, ch, n);
	memcpy(s + pl + n, suffix, sl + 1);
	return s;
}

/* Checks that a run of n copies of ch (with prefix/suffix) gives want. */
static void len_case(bool (*fn)(const char *), const char *prefix, char ch, size_t n,
                     const char *suffix, bool want)
{
	char *s = rep(prefix, ch, n, suffix);

	if (fn(s) != want)
		fail_msg("length %zu+%zu+%zu: want %d", strlen(prefix), n, strlen(suffix), want);
	free(s);
}

static void test_user_name(void **state)
{
	static const struct vcase c[] = {
	    {"alice", true},
	    {"a", true},
	    {"Alice_Smith+ops=1,x.y@corp-1", true},
	    {"", false},
	    {"al ice", false},
	    {"al/ice", false},
	    {"al:ice", false},
	    {"al*ice", false},
	    {"al\tice", false},
	    {"al\nice", false},
	    {"caf\xc3\xa9", false},
	    {"\xff", false},
	    {"root;", false},
	    {"a#b", false},
	};

	(void)state;
	run_table(valid_user_name, "valid_user_name", c, N(c));
	len_case(valid_user_name, "", 'a', 64, "", true);
	len_case(valid_user_name, "", 'a', 65, "", false);
}

static void test_group_name(void **state)
{
	static const struct vcase c[] = {
	    {"developers", true}, {"ops+dev=1,a.b@c-d_e", true}, {"", false}, {"dev ops", false},
	    {"dev/ops", false},   {"d\xc3\xa9v", false},
	};

	(void)state;
	run_table(valid_group_name, "valid_group_name", c, N(c));
	len_case(valid_group_name, "", 'g', 128, "", true);
	len_case(valid_group_name, "", 'g', 129, "", false);
}

static void test_path(void **state)
{
	static const struct vcase c[] = {
	    {"/", true},       {"/pam/", true},    {"/a/b/c/", true}, {"/!~/", true},
	    {"//", true},      {"", false},        {"pam/", false},   {"/pam", false},
	    {"/p am/", false}, {"/p\x7f/", false}, {"/p\tx/", false}, {"/caf\xc3\xa9/", false},
	};

	(void)state;
	run_table(valid_path, "valid_path", c, N(c));
	len_case(valid_path, "/", 'p', 510, "/", true);
	len_case(valid_path, "/", 'p', 511, "/", false);
}

static void test_access_key_id(void **state)
{
	static const struct vcase c[] = {
	    {"AKIAIOSFODNN7EXAMPLE", true},
	    {"ASIA1234567890ABCDEF", true},
	    {"AKIAIOSFODNN7EX", false}, /* 15 */
	    {"AKIAIOSFODNN7EXA", true}, /* 16 */
	    {"AKIA_OSFODNN7EXAMPLE", false},
	    {"AKIA OSFODNN7EXAMPLE", false},
	    {"AKIAIOSFODNN7EXAMPL\xc3\xa9", false},
	    {"", false},
	};

	(void)state;
	run_table(valid_access_key_id, "valid_access_key_id", c, N(c));
	len_case(valid_access_key_id, "AKIA", 'X', 124, "", true);
	len_case(valid_access_key_id, "AKIA", 'X', 125, "", false);
}

static void test_secret_key(void **state)
{
	static const struct vcase c[] = {
	    {"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", true},
	    {"a+b/c=d", true},
	    {"x", true},
	    {"", false},
	    {"with space", false},
	    {"tab\there", false},
	    {"nl\n", false},
	    {"del\x7f", false},
	    {"\xc3\xa9", false},
	};

	(void)state;
	run_table(valid_secret_key, "valid_secret_key", c, N(c));
	len_case(valid_secret_key, "", 'k', 128, "", true);
	len_case(valid_secret_key, "", 'k', 129, "", false);
}

static void test_account_id(void **state)
{
	static const struct vcase c[] = {
	    {"123456789012", true},   {"000000000000", true},  {"12345678901", false},
	    {"1234567890123", false}, {"12345678901a", false}, {"", false},
	    {" 23456789012", false},  {"-12345678901", false},
	};

	(void)state;
	run_table(valid_account_id, "valid_account_id", c, N(c));
}

static void test_arn(void **state)
{
	static const struct vcase c[] = {
	    {"arn:aws:iam::123456789012:user/alice", true},
	    {"arn:aws:iam::123456789012:user/pam/alice+x=1,y.z@w-v_u", true},
	    {"arn:aws-cn:iam::123456789012:user/bob", true},
	    {"arn:aws-us-gov:iam::123456789012:user/bob", true},
	    {"arn:aws:sts::123456789012:assumed-role/Admin/session", true},
	    {"arn:aws:iam::aws:policy/ReadOnlyAccess", true},
	    {"arn:aws:s3:::my-bucket-name/key", true},
	    {"arn:aws:ec2:us-east-1:123456789012:instance/i-1", true},
	    {"arn:aws:iam::123456789012:", false},          /* empty resource */
	    {"arn:aws:iam::12345678901:user/alice", false}, /* 11-digit account */
	    {"arn:aws:iam::1234567890123:user/al", false},
	    {"arn:aws:iam::12345678901x:user/al", false},
	    {"arn:azure:iam::123456789012:user/a", false},
	    {"arn:awsx:iam::123456789012:user/a", false},
	    {"arn:aws-:iam::123456789012:user/al", false},
	    {"arn:aws::us-east-1:123456789012:x", false}, /* empty service */
	    {"arn:AWS:iam::123456789012:user/alice", false},
	    {"arn:aws:IAM::123456789012:user/alice", false},
	    {"arn:aws:iam::123456789012:user/al ice", false},
	    {"arn:aws:iam::123456789012:user/al\nice", false},
	    {"arn:aws:iam::123456789012:user/caf\xc3\xa9", false},
	    {"ARN:aws:iam::123456789012:user/alice", false},
	    {"arn:aws:iam", false},
	    {"arn:a:b::", false},
	    {"", false},
	};

	(void)state;
	run_table(valid_arn, "valid_arn", c, N(c));
	len_case(valid_arn, "arn:aws:iam::123456789012:user/", 'a', 2048 - 31, "", true);
	len_case(valid_arn, "arn:aws:iam::123456789012:user/", 'a', 2049 - 31, "", false);
	len_case(valid_arn, "arn:aws:s3:::", 'b', 7, "", true);  /* 20 bytes */
	len_case(valid_arn, "arn:aws:s3:::", 'b', 6, "", false); /* 19 bytes */
}

static void test_policy_arn(void **state)
{
	static const struct vcase c[] = {
	    {"arn:aws:iam::aws:policy/ReadOnlyAccess", true},
	    {"arn:aws:iam::aws:policy/service-role/AWSLambdaRole", true},
	    {"arn:aws:iam::123456789012:policy/pam/Boundary", true},
	    {"arn:aws-cn:iam::123456789012:policy/x", true},
	    {"arn:aws-us-gov:iam::aws:policy/ReadOnlyAccess", true},
	    {"arn:aws:iam::123456789012:user/alice", false},
	    {"arn:aws:iam::123456789012:policy/", false},
	    {"arn:aws:iam::123456789012:policyx/a", false},
	    {"arn:aws:s3::123456789012:policy/abc", false},
	    {"arn:aws:iam:us-east-1:123456789012:policy/a", false},
	    {"arn:aws:iam::awsx:policy/ReadOnlyAccess", false},
	    {"arn:aws:iam::123456789012:role/policy/x", false},
	    {"", false},
	};

	(void)state;
	run_table(valid_policy_arn, "valid_policy_arn", c, N(c));
}

static void test_account_alias(void **state)
{
	static const struct vcase c[] = {
	    {"examplecorp", true}, {"abc", true},         {"a-b", true},   {"a-b-c-1", true},
	    {"123", true},         {"ab", false},         {"-abc", false}, {"abc-", false},
	    {"a--b", false},       {"Abc", false},        {"ab_c", false}, {"ab.c", false},
	    {"ab c", false},       {"ab\xc3\xa9", false}, {"", false},     {"---", false},
	};

	(void)state;
	run_table(valid_account_alias, "valid_account_alias", c, N(c));
	len_case(valid_account_alias, "", 'a', 63, "", true);
	len_case(valid_account_alias, "", 'a', 64, "", false);
}

static void test_tag_key_and_value(void **state)
{
	static const struct vcase keys[] = {
	    {"managed-by", true},
	    {"Cost Center", true},
	    {"a_b.c:d/e=f+g-h@i", true},
	    {"0", true},
	    {"", false},
	    {"a,b", false},
	    {"a*b", false},
	    {"a\tb", false},
	    {"a\nb", false},
	    {"caf\xc3\xa9", false}, /* \p{L} beyond ASCII is not accepted here */
	    {"a\"b", false},
	    {"a#b", false},
	};
	static const struct vcase values[] = {
	    {"", true},     {"pam_aws_iam", true}, {"Human Resources", true}, {"x@y.z:1/2", true},
	    {"a;b", false}, {"a\nb", false},       {"\xe2\x80\x8b", false},
	};

	(void)state;
	run_table(valid_tag_key, "valid_tag_key", keys, N(keys));
	run_table(valid_tag_value, "valid_tag_value", values, N(values));
	len_case(valid_tag_key, "", 'k', 128, "", true);
	len_case(valid_tag_key, "", 'k', 129, "", false);
	len_case(valid_tag_value, "", 'v', 256, "", true);
	len_case(valid_tag_value, "", 'v', 257, "", false);
}

static void test_unique_id(void **state)
{
	static const struct vcase c[] = {
	    {"AIDACKCEVSQ6C2EXAMPLE", true},
	    {"AIDA_CKCEVSQ6C2EX", true},
	    {"AIDACKCEVSQ6C2E", false},
	    {"AIDACKCEVSQ6C2EX", true},
	    {"AIDACKCEVSQ6C2E-", false},
	    {"AIDACKCEVSQ6C2E\xc3\xa9", false},
	    {"", false},
	};

	(void)state;
	run_table(valid_unique_id, "valid_unique_id", c, N(c));
	len_case(valid_unique_id, "", 'U', 128, "", true);
	len_case(valid_unique_id, "", 'U', 129, "", false);
}

static void test_iso8601(void **state)
{
	static const struct vcase c[] = {
	    {"2024-01-02T03:04:05Z", true},
	    {"2024-01-02T03:04:05.123Z", true},
	    {"2024-01-02T03:04:05.1Z", true},
	    {"2024-01-02T03:04:05.123456789Z", true},
	    {"2024-02-29T00:00:00Z", true},
	    {"2000-02-29T00:00:00Z", true},
	    {"2016-12-31T23:59:60Z", true}, /* leap second */
	    {"2023-02-29T00:00:00Z", false},
	    {"1900-02-29T00:00:00Z", false},
	    {"2024-04-31T00:00:00Z", false},
	    {"2024-13-01T00:00:00Z", false},
	    {"2024-00-01T00:00:00Z", false},
	    {"2024-01-00T00:00:00Z", false},
	    {"2024-01-01T24:00:00Z", false},
	    {"2024-01-01T00:60:00Z", false},
	    {"2024-01-01T00:00:61Z", false},
	    {"2024-01-02T03:04:05", false},
	    {"2024-01-02T03:04:05.Z", false},
	    {"2024-01-02T03:04:05.1234567890Z", false},
	    {"2024-01-02T03:04:05+00:00", false},
	    {"2024-01-02 03:04:05Z", false},
	    {"2024-01-02T03:04:05Zjunk", false},
	    {"2024-1-02T03:04:05Z", false},
	    {"+024-01-02T03:04:05Z", false},
	    {"2024-01-02T03:04:05z", false},
	    {"", false},
	};

	(void)state;
	run_table(valid_iso8601, "valid_iso8601", c, N(c));
}

static void test_key_status(void **state)
{
	static const struct vcase c[] = {
	    {"Active", true},   {"Inactive", true}, {"Expired", true},  {"active", false},
	    {"Active ", false}, {"", false},        {"Activex", false},
	};

	(void)state;
	run_table(valid_key_status, "valid_key_status", c, N(c));
}

/* Every byte >= 0x80 and every control byte is refused by every validator. */
static void test_no_validator_accepts_high_or_control_bytes(void **state)
{
	bool (*const fns[])(const char *) = {
	    valid_user_name,     valid_group_name, valid_path,       valid_access_key_id,
	    valid_secret_key,    valid_arn,        valid_policy_arn, valid_account_id,
	    valid_account_alias, valid_tag_key,    valid_tag_value,  valid_unique_id,
	    valid_iso8601,       valid_key_status,
	};
	static const char *const good[] = {
	    "alice",
	    "devs",
	    "/pam/",
	    "AKIAIOSFODNN7EXAMPLE",
	    "secret",
	    "arn:aws:iam::123456789012:user/alice",
	    "arn:aws:iam::aws:policy/ReadOnlyAccess",
	    "123456789012",
	    "corp",
	    "key",
	    "value",
	    "AIDACKCEVSQ6C2EXAMPLE",
	    "2024-01-02T03:04:05Z",
	    "Active",
	};
	char s[64];
	size_t f;
	int b;

	(void)state;
	for (f = 0; f < N(fns); f++) {
		assert_true(fns[f](good[f]));
		for (b = 1; b < 256; b++) {
			size_t n = strlen(good[f]);

			if (b >= 0x20 && b < 0x7f)
				continue;
			/* insert the byte in the middle of a value that is otherwise good */
			memcpy(s, good[f], n / 2);
			s[n / 2] = (char)b;
			memcpy(s + n / 2 + 1, good[f] + n / 2, n - n / 2 + 1);
			if (fns[f](s))
				fail_msg("validator %zu accepted byte 0x%02x", f, b);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_user_name),
	    cmocka_unit_test(test_group_name),
	    cmocka_unit_test(test_path),
	    cmocka_unit_test(test_access_key_id),
	    cmocka_unit_test(test_secret_key),
	    cmocka_unit_test(test_account_id),
	    cmocka_unit_test(test_arn),
	    cmocka_unit_test(test_policy_arn),
	    cmocka_unit_test(test_account_alias),
	    cmocka_unit_test(test_tag_key_and_value),
	    cmocka_unit_test(test_unique_id),
	    cmocka_unit_test(test_iso8601),
	    cmocka_unit_test(test_key_status),
	    cmocka_unit_test(test_no_validator_accepts_high_or_control_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
