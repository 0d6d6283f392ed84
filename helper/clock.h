/* SPDX-License-Identifier: MIT */
/* clock.h — the one clock every deadline is measured on. */
#ifndef PAI_CLOCK_H
#define PAI_CLOCK_H

/* CLOCK_MONOTONIC in milliseconds: deadlines and waits, never the time of day. */
long long clock_now_ms(void);

#endif
