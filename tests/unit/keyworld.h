/* SPDX-License-Identifier: MIT */
/* keyworld.h — what the two plan tests (test_keyplan.c, test_fleetplan.c) share: adding a key
 * as IAM lists it, and a mark's window, written here once and apart from the planners' own.
 * Include it after struct world, which both tests give keys[KEYPLAN_MAX_KEYS] and n_keys. */
#ifndef PAI_TEST_KEYWORLD_H
#define PAI_TEST_KEYWORLD_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>
#include "keyplan.h"
#include "ledger.h"

static void key(struct world *w, const char *id, bool active, time_t created)
{
	struct keyplan_key *k;

	assert_true(w->n_keys < KEYPLAN_MAX_KEYS);
	k = &w->keys[w->n_keys++];
	snprintf(k->id, sizeof(k->id), "%s", id);
	k->active = active;
	k->created = created;
}

/* A key created at created may be the one a mark set at at announced: the run's deadline,
 * LEDGER_PENDING_SLACK either side for the clocks of the host and of AWS. */
static bool in_mark_window(time_t created, time_t at, unsigned deadline)
{
	return created >= at - LEDGER_PENDING_SLACK &&
	       created <= at + (time_t)deadline + LEDGER_PENDING_SLACK;
}

#endif
