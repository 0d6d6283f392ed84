/* SPDX-License-Identifier: MIT */
/* options.c — sanitizer defaults linked into every binary and the PAM module of the ASan +
 * UBSan tree (`make asan`). The helper is started with a clean environment, so ASAN_OPTIONS
 * may never reach it: what must hold there is compiled in here. ASAN_OPTIONS/UBSAN_OPTIONS
 * in the environment still override these.
 *
 * exitcode=86: a sanitizer report never looks like one of the helper's own statuses (0-7),
 * so a test that expects any of them fails. LeakSanitizer stops the process with ptrace,
 * which the kernel refuses for a setuid process (real uid is not the effective one); such a
 * run checks everything but leaks instead of dying with "LeakSanitizer has encountered a
 * fatal error". */
#include <unistd.h>

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

const char *__asan_default_options(void)
{
	if (getuid() != geteuid() || getgid() != getegid())
		return "exitcode=86:detect_leaks=0:abort_on_error=0";
	return "exitcode=86:detect_leaks=1:abort_on_error=0";
}

const char *__ubsan_default_options(void)
{
	return "exitcode=86:print_stacktrace=1:halt_on_error=1";
}
