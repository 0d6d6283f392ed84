/* SPDX-License-Identifier: MIT */
/* netlib-rss — the resident size a process reaches by loading the helper's network half and
 * nothing else: dlopen(PATH) as netlib.c does it (RTLD_NOW | RTLD_LOCAL), no call into it.
 * That is the floor under the helper's first-login peak RSS, for make bench.
 *
 *   netlib-rss PATH   prints "before_kb: N", "after_kb: N" (VmHWM from /proc/self/status)
 *
 * Exit 0, 1 when the library does not load or /proc cannot be read, 2 on bad usage. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long peak_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmHWM:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

int main(int argc, char **argv)
{
	long before, after;

	if (argc != 2 || argv[1][0] != '/') {
		fprintf(stderr, "usage: netlib-rss /ABSOLUTE/PATH/pai-network.so\n");
		return 2;
	}
	before = peak_kb();
	if (!dlopen(argv[1], RTLD_NOW | RTLD_LOCAL)) {
		fprintf(stderr, "netlib-rss: %s\n", dlerror());
		return 1;
	}
	after = peak_kb();
	if (before < 0 || after < 0) {
		fprintf(stderr, "netlib-rss: cannot read /proc/self/status\n");
		return 1;
	}
	printf("before_kb: %ld\nafter_kb: %ld\n", before, after);
	return 0;
}
