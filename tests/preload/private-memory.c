/* SPDX-License-Identifier: MIT */
/* private-memory.c — an LD_PRELOAD library for make bench: when the process exits, the memory
 * that is its own is written to the file PAI_PRIVATE_MEMORY_OUT names (read when the library
 * loads, before the helper clears its environment): per mapping of /proc/self/smaps, the
 * larger of Anonymous and Private_Dirty (anonymous pages, and library pages the process wrote
 * to, such as relocations), summed; with the totals of each and the peak RSS (VmHWM), whose
 * shared pages of Debian's libraries this leaves out.
 *   private_kb: N\nanonymous_kb: N\nprivate_dirty_kb: N\nhwm_kb: N\n
 * An exit-time figure is the peak only if nothing was given back to the kernel before it:
 * the bench runs the helper with glibc's malloc told never to trim its heap nor to serve a
 * block with mmap (GLIBC_TUNABLES), and stacks are never unmapped. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out_path[4096];

__attribute__((constructor)) static void private_memory_init(void)
{
	const char *p = getenv("PAI_PRIVATE_MEMORY_OUT");

	if (p && strlen(p) < sizeof(out_path))
		memcpy(out_path, p, strlen(p) + 1);
}

static long field_kb(const char *line, const char *name)
{
	size_t n = strlen(name);

	return strncmp(line, name, n) == 0 ? strtol(line + n, NULL, 10) : -1;
}

__attribute__((destructor)) static void private_memory_report(void)
{
	long anon = 0, dirty = 0, priv = 0, hwm = 0, a = 0, d = 0, v;
	char line[512], buf[256];
	FILE *f;
	int fd, n;

	if (!out_path[0] || !(f = fopen("/proc/self/smaps", "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if ((v = field_kb(line, "Anonymous:")) >= 0) {
			a = v;
			anon += v;
		} else if ((v = field_kb(line, "Private_Dirty:")) >= 0) {
			d = v;
			dirty += v;
		} else if (strncmp(line, "VmFlags:", 8) == 0) { /* the last line of a mapping */
			priv += a > d ? a : d;
			a = d = 0;
		}
	}
	fclose(f);
	if ((f = fopen("/proc/self/status", "re"))) {
		while (fgets(line, sizeof(line), f))
			if ((v = field_kb(line, "VmHWM:")) >= 0)
				hwm = v;
		fclose(f);
	}
	n = snprintf(buf, sizeof(buf),
	             "private_kb: %ld\nanonymous_kb: %ld\nprivate_dirty_kb: %ld\nhwm_kb: %ld\n",
	             priv, anon, dirty, hwm);
	fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, buf, (size_t)n); /* the bench reads what arrived */
	close(fd);
}
