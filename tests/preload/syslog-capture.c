/* SPDX-License-Identifier: MIT */
/* syslog-capture.c — an LD_PRELOAD library for tests: what an unprivileged helper sends to
 * syslog is appended to the file PAI_SYSLOG_CAPTURE names (read when the library loads,
 * before the helper clears its environment), one record per call as
 * "REC <priority> <bytes as given>\n". A record whose bytes hold a line break shows up as a
 * line that does not start with "REC ": the very injection the tests look for. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static char capture_path[4096];

__attribute__((constructor)) static void capture_init(void)
{
	const char *p = getenv("PAI_SYSLOG_CAPTURE");

	if (p && strlen(p) < sizeof(capture_path))
		memcpy(capture_path, p, strlen(p) + 1);
}

static void record(int pri, const char *fmt, va_list ap)
{
	char buf[8192];
	int n, h, fd;

	if (!capture_path[0])
		return;
	h = snprintf(buf, sizeof(buf), "REC %d ", pri);
	n = vsnprintf(buf + h, sizeof(buf) - (size_t)h - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - (size_t)h - 2)
		n = (int)(sizeof(buf) - (size_t)h - 2);
	buf[h + n] = '\n';
	fd = open(capture_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	(void)!write(fd, buf, (size_t)(h + n + 1)); /* a test reads what arrived */
	close(fd);
}

void openlog(const char *ident, int option, int facility)
{
	(void)ident;
	(void)option;
	(void)facility;
}

void closelog(void)
{
}

void vsyslog(int pri, const char *fmt, va_list ap)
{
	record(pri, fmt, ap);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}

/* _FORTIFY_SOURCE turns syslog() into these */
void __syslog_chk(int pri, int flag, const char *fmt, ...);
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap);

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	record(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	record(pri, fmt, ap);
}
