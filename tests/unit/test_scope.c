/* SPDX-License-Identifier: MIT */
/* test_scope.c — who the helper provisions (scope.h): min_uid, the exclude list and the
 * configured Linux groups. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "scope.h"

static void scope_min_uid_and_exclude(void **st)
{
	static const char *const excl[] = {"root", "svc"};
	static const char *const groups[] = {"no-such-group-pai"};
	struct scope_rules r = {1000, NULL, 0, excl, 2};
	const char *why;

	(void)st;
	assert_true(scope_allows(&r, "alice", 1000, 1000, &why));
	assert_false(scope_allows(&r, "alice", 999, 1000, &why));
	assert_non_null(why);
	assert_false(scope_allows(&r, "svc", 5000, 1000, &why));
	r.groups = groups;
	r.n_groups = 1;
	assert_false(scope_allows(&r, "alice", 5000, 5000, &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(scope_min_uid_and_exclude),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
