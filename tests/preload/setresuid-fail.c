/* SPDX-License-Identifier: MIT */
/* setresuid-fail.c — an LD_PRELOAD library for tests: the Nth call of setresuid() fails with
 * EPERM, N taken from PAI_FAIL_SETRESUID_CALL when the library loads (before the helper
 * clears its environment); the others do what they would. An unprivileged helper's switches
 * to the person and back are calls that cannot fail otherwise; this makes one of them fail
 * where a test chooses. */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

static long fail_at;
static long calls;

__attribute__((constructor)) static void fail_init(void)
{
	const char *p = getenv("PAI_FAIL_SETRESUID_CALL");

	fail_at = p ? strtol(p, NULL, 10) : 0;
}

int setresuid(uid_t r, uid_t e, uid_t s)
{
	int (*real)(uid_t, uid_t, uid_t) =
	    (int (*)(uid_t, uid_t, uid_t))dlsym(RTLD_NEXT, "setresuid");

	if (fail_at > 0 && ++calls == fail_at) {
		errno = EPERM;
		return -1;
	}
	return real ? real(r, e, s) : -1;
}
