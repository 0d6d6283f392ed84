/* SPDX-License-Identifier: MIT */
/* test_signin.c — the console sign-in URL (signin.h) for each partition, with and without
 * an account alias; bad partitions, account IDs, aliases and short buffers refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "signin.h"

static void signin_urls_per_partition(void **st)
{
	char url[SIGNIN_URL_MAX];

	(void)st;
	assert_int_equal(signin_url("aws", "123456789012", "", url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://123456789012.signin.aws.amazon.com/console");
	assert_int_equal(signin_url("aws", "123456789012", "corp", url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://corp.signin.aws.amazon.com/console");
	assert_int_equal(signin_url("aws-cn", "123456789012", NULL, url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://123456789012.signin.amazonaws.cn/console");
	assert_int_equal(signin_url("aws-us-gov", "123456789012", "gov", url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://gov.signin.amazonaws-us-gov.com/console");
	assert_int_equal(signin_url("aws-iso", "123456789012", "", url, sizeof(url)),
	                 PAI_ERR_INVALID);
	assert_int_equal(signin_url("aws", "12345678901", "", url, sizeof(url)), PAI_ERR_INVALID);
	assert_int_equal(signin_url("aws", "123456789012", "evil.com/x#", url, sizeof(url)),
	                 PAI_ERR_INVALID);
	assert_int_equal(signin_url("aws", "123456789012", "", url, 20), PAI_ERR_TOOBIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(signin_urls_per_partition),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
