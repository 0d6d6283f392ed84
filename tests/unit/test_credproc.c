/* SPDX-License-Identifier: MIT */
/* test_credproc.c — the credential_process line a login writes (credproc_command): the
 * installed helper when privileged, whatever a caller passed left out; the very executable
 * with its test options otherwise; and never a word botocore's shell split would take apart. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "credproc.h"
#include "provision_run.h"

static struct run *new_run(struct prov_opts *o, bool privileged)
{
	struct run *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->o = o;
	r->pv.privileged = privileged;
	return r;
}

static void privileged_names_the_installed_helper_only(void **st)
{
	struct prov_opts o = {.config = "/tmp/x.conf", .home = "/tmp/h", .host = "hosta"};
	struct run *r = new_run(&o, true);
	char line[PROCESS_LINE_MAX], err[256];

	(void)st;
	assert_int_equal(credproc_command(r, line, sizeof(line), err, sizeof(err)), PAI_OK);
	assert_string_equal(line, PAI_HELPER_PATH " --credential-process");
	free(r);
}

static void unprivileged_names_this_executable_and_its_options(void **st)
{
	struct prov_opts o = {.config = "/tmp/x.conf",
	                      .home = "/tmp/h",
	                      .host = "hosta",
	                      .machine_id = "0123456789abcdef0123456789abcdef"};
	struct run *r = new_run(&o, false);
	char line[PROCESS_LINE_MAX], want[PROCESS_LINE_MAX + PATH_MAX], exe[PATH_MAX], err[256];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	(void)st;
	assert_true(n > 0);
	exe[n] = '\0';
	assert_int_equal(credproc_command(r, line, sizeof(line), err, sizeof(err)), PAI_OK);
	snprintf(want, sizeof(want),
	         "%s --credential-process --config /tmp/x.conf --home /tmp/h --host hosta "
	         "--machine-id 0123456789abcdef0123456789abcdef",
	         exe);
	assert_string_equal(line, want);
	o.config = o.home = o.host = o.machine_id = NULL;
	assert_int_equal(credproc_command(r, line, sizeof(line), err, sizeof(err)), PAI_OK);
	snprintf(want, sizeof(want), "%s --credential-process", exe);
	assert_string_equal(line, want);
	free(r);
}

static void words_a_shell_would_split_are_refused(void **st)
{
	static const char *const bad[] = {"/tmp/my home", "/tmp/a'b",  "/tmp/a\"b", "/tmp/$HOME",
	                                  "/tmp/a;b",     "/tmp/a\\b", "/tmp/a\tb", "/tmp/*"};
	struct prov_opts o = {0};
	struct run *r = new_run(&o, false);
	char line[PROCESS_LINE_MAX], err[256];
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		o.home = bad[i];
		err[0] = '\0';
		assert_int_equal(credproc_command(r, line, sizeof(line), err, sizeof(err)),
		                 PAI_ERR_INVALID);
		assert_string_equal(line, "");
		assert_non_null(strstr(err, "a shell would split"));
	}
	o.home = "/tmp/h";
	assert_int_equal(credproc_command(r, line, 16, err, sizeof(err)), PAI_ERR_INVALID);
	assert_string_equal(line, "");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(privileged_names_the_installed_helper_only),
	    cmocka_unit_test(unprivileged_names_this_executable_and_its_options),
	    cmocka_unit_test(words_a_shell_would_split_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
