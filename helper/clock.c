/* SPDX-License-Identifier: MIT */
/* clock.c — the one clock every deadline is measured on, and the one form of a date
 * (clock.h). */
#include "clock.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "validate.h"

long long clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void clock_format_utc(time_t t, char out[CLOCK_UTC_LEN])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, CLOCK_UTC_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, CLOCK_UTC_LEN, "1970-01-01T00:00:00Z");
}

pai_err clock_parse_utc(const char *s, time_t *out)
{
	struct tm tm;

	if (!valid_iso8601(s))
		return PAI_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return PAI_ERR_INVALID;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? PAI_ERR_INVALID : PAI_OK;
}
