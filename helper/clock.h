/* SPDX-License-Identifier: MIT */
/* clock.h — the one clock every deadline is measured on, and the one form of a date. */
#ifndef PAI_CLOCK_H
#define PAI_CLOCK_H

#include <time.h>
#include "err.h"

/* CLOCK_MONOTONIC in milliseconds: deadlines and waits, never the time of day. */
long long clock_now_ms(void);

/* The one written form of a time of day everywhere (ledger and record tags, the fleet
 * document, the session cache, --status): YYYY-MM-DDTHH:MM:SSZ, UTC, 20 characters. */
#define CLOCK_UTC_LEN 32
void clock_format_utc(time_t t, char out[CLOCK_UTC_LEN]);
/* YYYY-MM-DDTHH:MM:SS[.fff]Z (validate.h valid_iso8601) as a time_t; PAI_ERR_INVALID else. */
pai_err clock_parse_utc(const char *s, time_t *out);

#endif
