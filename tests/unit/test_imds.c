/* SPDX-License-Identifier: MIT */
/* test_imds.c — the IMDS credentials JSON and role listing parsers against hostile input,
 * and admincreds_load's file checks (no network). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "admincreds.h"
#include "buf.h"
#include "imds.h"

#define KEY_ID "ASIAIOSFODNN7EXAMPLE"
#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#define TOKEN  "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQD+token=="
#define EXP    "2024-05-06T13:08:09Z"

static const char good[] = "{\n  \"Code\" : \"Success\",\n  \"LastUpdated\" : \"" EXP "\",\n"
                           "  \"Type\" : \"AWS-HMAC\",\n  \"AccessKeyId\" : \"" KEY_ID "\",\n"
                           "  \"SecretAccessKey\" : \"" SECRET "\",\n"
                           "  \"Token\" : \"" TOKEN "\",\n  \"Expiration\" : \"" EXP "\"\n}\n";

static pai_err parse(const char *json, struct aws_creds *c)
{
	return imds_parse_credentials(json, strlen(json), c);
}

static void assert_empty(const struct aws_creds *c)
{
	assert_null(c->access_key_id);
	assert_null(c->secret_access_key);
	assert_null(c->session_token);
	assert_null(c->expiration);
}

static void credentials_json_is_read(void **state)
{
	struct aws_creds c;

	(void)state;
	assert_int_equal(parse(good, &c), PAI_OK);
	assert_string_equal(c.access_key_id, KEY_ID);
	assert_string_equal(c.secret_access_key, SECRET);
	assert_string_equal(c.session_token, TOKEN);
	assert_string_equal(c.expiration, EXP);
	aws_creds_wipe(&c);
	assert_empty(&c);
}

static void credentials_json_input_is_not_modified(void **state)
{
	char copy[sizeof(good)];
	struct aws_creds c;

	(void)state;
	memcpy(copy, good, sizeof(good));
	assert_int_equal(imds_parse_credentials(copy, strlen(copy), &c), PAI_OK);
	assert_memory_equal(copy, good, sizeof(good)); /* the caller owns and wipes it */
	aws_creds_wipe(&c);
}

/* Replaces the first occurrence of from in good with to. */
static void variant(char *out, size_t len, const char *from, const char *to)
{
	const char *p = strstr(good, from);

	assert_non_null(p);
	snprintf(out, len, "%.*s%s%s", (int)(p - good), good, to, p + strlen(from));
}

static void hostile_credentials_json_is_refused(void **state)
{
	static const struct {
		const char *from, *to;
	} bad[] = {
	    {"\"Success\"", "\"Failure\""},
	    {"\"Success\"", "\"success\""},
	    {"\"Success\"", "true"},
	    {"\"Code\"", "\"Kode\""},
	    {"\"" KEY_ID "\"", "12345"},
	    {"\"" KEY_ID "\"", "[\"" KEY_ID "\"]"},
	    {"\"" KEY_ID "\"", "null"},
	    {"\"" KEY_ID "\"", "\"" KEY_ID "\\n[evil]\""},
	    {"\"" KEY_ID "\"", "\"ASIA\\u0000IOSFODNN7EXAMPLE\""},
	    {"\"" KEY_ID "\"", "\"short\""},
	    {"\"" SECRET "\"", "\"has space\""},
	    {"\"" SECRET "\"", "\"\""},
	    {"\"" SECRET "\"", "{\"a\":1}"},
	    {"\"" TOKEN "\"", "\"tok en\""},
	    {"\"" TOKEN "\"", "\"\""},
	    {"\"" EXP "\"\n}", "\"tomorrow\"\n}"},
	    {"\"Expiration\"", "\"Expires\""},
	    {"\"AccessKeyId\"", "\"AccessKeyID\""},
	    {"\"Token\"", "\"token\""},
	    {"\n}\n", "\n}\n}"},
	    {"\n}\n", "\n} trailing"},
	    {"\n}\n", "\n"},
	    {"{\n", "[{\n"},
	    {"{\n", "{\"nest\":[[[[[[[[[[1]]]]]]]]]],\n"},
	};
	char json[4096];
	struct aws_creds c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		variant(json, sizeof(json), bad[i].from, bad[i].to);
		print_message("case %zu\n", i);
		assert_int_equal(parse(json, &c), PAI_ERR_REPLY);
		assert_empty(&c);
	}
}

static void non_json_is_refused(void **state)
{
	static const char *const bad[] = {"",
	                                  " ",
	                                  "null",
	                                  "[]",
	                                  "\"Success\"",
	                                  "{",
	                                  "{}",
	                                  "<html>Success</html>",
	                                  "{\"Code\":\"Success\"}"};
	struct aws_creds c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(parse(bad[i], &c), PAI_ERR_REPLY);
	/* a NUL inside the length given is not the end of the document */
	assert_int_equal(imds_parse_credentials(good, sizeof(good), &c), PAI_ERR_REPLY);
	assert_int_equal(imds_parse_credentials(NULL, 0, &c), PAI_ERR_INVALID);
}

static void huge_json_is_refused(void **state)
{
	size_t n = IMDS_MAX_REPLY + 1;
	char *big = malloc(n + 1);
	struct aws_creds c;

	(void)state;
	assert_non_null(big);
	memset(big, ' ', n);
	memcpy(big, good, strlen(good));
	big[n] = '\0';
	assert_int_equal(imds_parse_credentials(big, n, &c), PAI_ERR_TOOBIG);
	assert_empty(&c);
	/* just under the bound, padded with whitespace: fine */
	assert_int_equal(imds_parse_credentials(big, IMDS_MAX_REPLY, &c), PAI_OK);
	aws_creds_wipe(&c);
	free(big);
}

static void huge_token_is_refused(void **state)
{
	char tok[IMDS_MAX_STS_TOKEN + 4], json[IMDS_MAX_STS_TOKEN + 1024];
	struct aws_creds c;

	(void)state;
	memset(tok, 'A', sizeof(tok));
	tok[0] = '"';
	tok[IMDS_MAX_STS_TOKEN + 2] = '"';
	tok[IMDS_MAX_STS_TOKEN + 3] = '\0';
	variant(json, sizeof(json), "\"" TOKEN "\"", tok);
	assert_int_equal(parse(json, &c), PAI_ERR_REPLY);
	tok[IMDS_MAX_STS_TOKEN + 1] = '"';
	tok[IMDS_MAX_STS_TOKEN + 2] = '\0';
	variant(json, sizeof(json), "\"" TOKEN "\"", tok);
	assert_int_equal(parse(json, &c), PAI_OK);
	assert_int_equal(strlen(c.session_token), IMDS_MAX_STS_TOKEN);
	aws_creds_wipe(&c);
}

static void role_listing(void **state)
{
	char role[65];

	(void)state;
	assert_int_equal(imds_parse_role("pai-admin-role", 14, role), PAI_OK);
	assert_string_equal(role, "pai-admin-role");
	assert_int_equal(imds_parse_role("r+=,.@_-1\n", 10, role), PAI_OK);
	assert_string_equal(role, "r+=,.@_-1");
	assert_int_equal(imds_parse_role("a\nb\n", 4, role), PAI_ERR_REPLY);
	assert_string_equal(role, "");
	assert_int_equal(imds_parse_role("", 0, role), PAI_ERR_REPLY);
	assert_int_equal(imds_parse_role("\n", 1, role), PAI_ERR_REPLY);
	assert_int_equal(imds_parse_role("../../etc", 9, role), PAI_ERR_REPLY);
	assert_int_equal(imds_parse_role("a b", 3, role), PAI_ERR_REPLY);
	assert_int_equal(imds_parse_role("a\0b", 3, role), PAI_ERR_REPLY);
	assert_int_equal(
	    imds_parse_role("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 65,
	                    role),
	    PAI_ERR_REPLY);
	assert_int_equal(imds_parse_role(NULL, 0, role), PAI_ERR_INVALID);
}

/* ---- admincreds_load: files ---- */

static char dir[64];

static int make_dir(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/test_imds.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const char *text, mode_t mode)
{
	static char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	assert_int_equal(chmod(path, mode), 0);
	return path;
}

static const char creds_text[] = "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                                 "aws_secret_access_key = " SECRET "\n\n[pam]\n"
                                 "aws_access_key_id = AKIAI44QH8DHBEXAMPLE\n"
                                 "aws_secret_access_key = other/secret\n"
                                 "aws_session_token = " TOKEN "\n";

static pai_err load(const char *path, const char *profile, bool strict, struct aws_creds *c,
                    char *err, size_t errlen)
{
	struct admincreds_opts o = {.credentials = path, .profile = profile, .strict = strict};

	return admincreds_load(&o, c, err, errlen);
}

static void admin_credentials_from_file(void **state)
{
	const char *p = write_file("ok", creds_text, 0600);
	struct aws_creds c;
	char err[256];

	(void)state;
	assert_int_equal(load(p, NULL, true, &c, err, sizeof(err)), PAI_OK);
	assert_string_equal(c.access_key_id, "AKIAIOSFODNN7EXAMPLE");
	assert_string_equal(c.secret_access_key, SECRET);
	assert_null(c.session_token);
	aws_creds_wipe(&c);
	assert_int_equal(load(p, "pam", true, &c, err, sizeof(err)), PAI_OK);
	assert_string_equal(c.access_key_id, "AKIAI44QH8DHBEXAMPLE");
	assert_string_equal(c.session_token, TOKEN);
	aws_creds_wipe(&c);
	assert_int_equal(load(p, "nope", false, &c, err, sizeof(err)), PAI_ERR_NOT_FOUND);
	assert_non_null(strstr(err, "[nope]"));
	assert_empty(&c);
}

static void unsafe_admin_files_are_refused(void **state)
{
	struct aws_creds c;
	char err[256], big[ADMINCREDS_MAX_FILE + 64];
	const char *p;

	(void)state;
	assert_int_equal(load(dir, NULL, false, &c, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "not a regular file"));

	p = write_file("ww", creds_text, 0666);
	assert_int_equal(load(p, NULL, false, &c, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "writable by anyone"));

	p = write_file("r", creds_text, 0644);
	assert_int_equal(load(p, NULL, true, &c, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "0644"));
	assert_int_equal(load(p, NULL, false, &c, err, sizeof(err)), PAI_OK);
	aws_creds_wipe(&c);

	p = write_file("gw", creds_text, 0620);
	assert_int_equal(load(p, NULL, true, &c, err, sizeof(err)), PAI_ERR_REFUSED);

	memset(big, '#', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	p = write_file("big", big, 0600);
	assert_int_equal(load(p, NULL, false, &c, err, sizeof(err)), PAI_ERR_REFUSED);

	snprintf(big, sizeof(big), "%s/absent", dir);
	assert_int_equal(load(big, NULL, false, &c, err, sizeof(err)), PAI_ERR_FILE);

	p = write_file("bad", "[default]\naws_access_key_id = bad id\naws_secret_access_key = s\n",
	               0600);
	assert_int_equal(load(p, NULL, false, &c, err, sizeof(err)), PAI_ERR_INVALID);
	assert_null(strstr(err, "bad id"));
	assert_empty(&c);
}

static void errors_never_hold_the_secret(void **state)
{
	const char *p = write_file("dup",
	                           "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
	                           "aws_secret_access_key = " SECRET "\n"
	                           "aws_secret_access_key = " SECRET "\n",
	                           0600);
	struct aws_creds c;
	char err[256];

	(void)state;
	assert_int_not_equal(load(p, NULL, false, &c, err, sizeof(err)), PAI_OK);
	assert_null(strstr(err, SECRET));
	assert_empty(&c);
}

static void imds_url_must_be_imds_or_loopback(void **state)
{
	struct admincreds_opts o = {
	    .credentials = ADMINCREDS_INSTANCE, .imds_url = "http://10.1.2.3", .timeout_ms = 200};
	struct aws_creds c;
	char err[256];

	(void)state;
	assert_int_not_equal(admincreds_load(&o, &c, err, sizeof(err)), PAI_OK);
	assert_non_null(strstr(err, "instance metadata"));
	assert_empty(&c);
	o.imds_url = "https://169.254.169.254";
	assert_int_not_equal(admincreds_load(&o, &c, err, sizeof(err)), PAI_OK);
	o.credentials = "";
	assert_int_equal(admincreds_load(&o, &c, err, sizeof(err)), PAI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(credentials_json_is_read),
	    cmocka_unit_test(credentials_json_input_is_not_modified),
	    cmocka_unit_test(hostile_credentials_json_is_refused),
	    cmocka_unit_test(non_json_is_refused),
	    cmocka_unit_test(huge_json_is_refused),
	    cmocka_unit_test(huge_token_is_refused),
	    cmocka_unit_test(role_listing),
	    cmocka_unit_test(admin_credentials_from_file),
	    cmocka_unit_test(unsafe_admin_files_are_refused),
	    cmocka_unit_test(errors_never_hold_the_secret),
	    cmocka_unit_test(imds_url_must_be_imds_or_loopback),
	};
	return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
