/* SPDX-License-Identifier: MIT */
/* test_template.c — %u/%h/%% templates; IAM user names refused (never mapped) with a message
 * naming the character; bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include "template.h"
#include "validate.h"

static char out[TEMPLATE_MAX_OUT], err[256];

static pai_err user(const char *tmpl, const char *login)
{
	struct template_vars v = {.login = login, .host = "bastion1"};

	err[0] = '\0';
	return template_user_name(tmpl, &v, out, sizeof(out), err, sizeof(err));
}

static void expands_placeholders(void **state)
{
	struct template_vars v = {.login = "alice", .host = "web-1"};

	(void)state;
	assert_int_equal(template_expand("%u", &v, out, sizeof(out), err, sizeof(err)), PAI_OK);
	assert_string_equal(out, "alice");
	assert_int_equal(template_expand("x%%u-%u@%h%%", &v, out, sizeof(out), err, sizeof(err)),
	                 PAI_OK);
	assert_string_equal(out, "x%u-alice@web-1%");
	assert_int_equal(template_expand("", &v, out, sizeof(out), err, sizeof(err)), PAI_OK);
	assert_string_equal(out, "");
}

static void bad_syntax_is_refused(void **state)
{
	struct template_vars v = {.login = "a", .host = "h"};

	(void)state;
	assert_int_equal(template_check("%d", err, sizeof(err)), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "'d'"));
	assert_int_equal(template_check("abc%", err, sizeof(err)), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "lone '%'"));
	assert_int_equal(template_check("%\x01", err, sizeof(err)), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "byte 0x01"));
	assert_int_equal(template_expand("%U", &v, out, sizeof(out), err, sizeof(err)),
	                 PAI_ERR_INVALID);
	assert_string_equal(out, "");
}

static void output_is_bounded(void **state)
{
	struct template_vars v = {.login = "abcdefgh", .host = "h"};
	char small[8];

	(void)state;
	assert_int_equal(template_expand("%u", &v, small, sizeof(small), err, sizeof(err)),
	                 PAI_ERR_TOOBIG);
	assert_string_equal(small, "");
	v.login = "abcdefg";
	assert_int_equal(template_expand("%u", &v, small, sizeof(small), err, sizeof(err)), PAI_OK);
	assert_string_equal(small, "abcdefg");
}

static void user_names_follow_iam_rules(void **state)
{
	(void)state;
	assert_int_equal(user("%u", "alice"), PAI_OK);
	assert_string_equal(out, "alice");
	assert_int_equal(user("%u@%h", "first.last+x=y,z-1_2"), PAI_OK);
	assert_string_equal(out, "first.last+x=y,z-1_2@bastion1");
	assert_int_equal(user("%u", "john doe"), PAI_ERR_INVALID);
	assert_string_equal(err,
	                    "IAM user name cannot contain space (allowed: A-Z a-z 0-9 _+=,.@-)");
	assert_int_equal(user("%u", "DOMAIN\\bob"), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "'\\'"));
	assert_int_equal(user("%u", "b\xc3\xb6rje"), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "byte 0xc3"));
	assert_int_equal(user("%u", "a~b"), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "'~'"));
	assert_int_equal(user("%u", ""), PAI_ERR_INVALID);
	assert_string_equal(err, "IAM user name is empty");
	assert_int_equal(
	    user("%u", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), PAI_OK);
	assert_int_equal(
	    user("%u", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    PAI_ERR_INVALID);
	assert_string_equal(err, "IAM user name is 65 characters, longer than 64");
	assert_int_equal(
	    user("%u%u%u%u%u", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
	    PAI_ERR_INVALID); /* 275 bytes: over the expansion buffer, still refused */
	assert_int_equal(user("%u", "\n"), PAI_ERR_INVALID);
	assert_non_null(strstr(err, "byte 0x0a"));
}

static void every_byte_is_judged_like_validate(void **state)
{
	char login[2] = {0, 0};
	int c;

	(void)state;
	for (c = 1; c < 256; c++) {
		login[0] = (char)c;
		assert_int_equal(user("%u", login) == PAI_OK, valid_user_name(login));
	}
}

static void tag_values(void **state)
{
	struct template_vars v = {.login = "alice", .host = "h1"};

	(void)state;
	assert_int_equal(
	    template_tag_value("login %u on %h: ok/@+=-_.", &v, out, sizeof(out), err, sizeof(err)),
	    PAI_OK);
	assert_string_equal(out, "login alice on h1: ok/@+=-_.");
	assert_int_equal(template_tag_value("a!b", &v, out, sizeof(out), err, sizeof(err)),
	                 PAI_ERR_INVALID);
	v.login = "x<y";
	assert_int_equal(template_tag_value("%u", &v, out, sizeof(out), err, sizeof(err)),
	                 PAI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(expands_placeholders),
	    cmocka_unit_test(bad_syntax_is_refused),
	    cmocka_unit_test(output_is_bounded),
	    cmocka_unit_test(user_names_follow_iam_rules),
	    cmocka_unit_test(every_byte_is_judged_like_validate),
	    cmocka_unit_test(tag_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
