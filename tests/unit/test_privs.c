/* SPDX-License-Identifier: MIT */
/* test_privs.c — the helper's switches between its own ids and the person's (privs.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "privs.h"

#define SUID_DUMPABLE "/proc/sys/fs/suid_dumpable"

static int read_sysctl(char *out, size_t len)
{
	int fd = open(SUID_DUMPABLE, O_RDONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, out, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	out[n] = '\0';
	return 0;
}

static int write_sysctl(const char *v)
{
	int fd = open(SUID_DUMPABLE, O_WRONLY);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, v, strlen(v));
	close(fd);
	return n == (ssize_t)strlen(v) ? 0 : -1;
}

static char saved[16]; /* fs.suid_dumpable before the test changed it */

/* A change of the effective ids resets the dumpable flag to fs.suid_dumpable: with it at 1
 * (as some systems set it), both switches must leave the helper not dumpable. */
static void no_switch_makes_the_helper_dumpable(void **st)
{
	struct passwd *pw = getpwnam("nobody");
	struct privs p;

	(void)st;
	if (geteuid() != 0 || !pw || read_sysctl(saved, sizeof(saved)) != 0 ||
	    write_sysctl("1") != 0) {
		saved[0] = '\0';
		print_message(
		    "SKIP reason: needs root, the nobody account and a writable " SUID_DUMPABLE
		    " (runs in CI as root)\n");
		skip();
	}
	assert_int_equal(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), 0);
	assert_int_equal(privs_init(&p), PAI_OK);
	privs_set_person(&p, "nobody", pw->pw_uid, pw->pw_gid);
	assert_int_equal(privs_become_person(&p), PAI_OK);
	assert_int_equal(geteuid(), pw->pw_uid);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	privs_become_helper(&p);
	assert_int_equal(geteuid(), 0);
	assert_int_equal(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
}

/* the system's setting back, whatever the test did */
static int restore_sysctl(void **st)
{
	(void)st;
	if (geteuid() != 0 && setresuid(-1, 0, -1) != 0) /* a failed assertion as nobody */
		return -1;
	return saved[0] && write_sysctl(saved) != 0 ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(no_switch_makes_the_helper_dumpable, restore_sysctl),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
