/* SPDX-License-Identifier: MIT */
/* keyplan.h — what to do with a person's access keys on this host, decided by one pure
 * function from what IAM, the ledger (ledger.h), this host's state and the person's profile
 * say; provision_net.c carries the plan out and --dry-run prints it.
 *
 * The rule it keeps: a key is deleted only with proof that this
 * tool made it. Proof is this host's ledger entry, this host's own state record, or, for
 * on_limit = replace-oldest-managed, any host's ledger entry. A key with no entry that was
 * created under this host's still-open mark (its CreateAccessKey reply was lost, so nobody
 * holds its secret), when it is the only key with no entry in that mark's window (a mark
 * announces one CreateAccessKey), is only deactivated and recorded as an orphan, a reversible
 * step; it is deleted when its slot is needed (then, or at a later run) or after
 * KEYPLAN_ORPHAN_GRACE. Any other key is never touched. */
#ifndef PAI_KEYPLAN_H
#define PAI_KEYPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include "hostid.h"
#include "aws_bounds.h"
#include "ledger.h"

#define KEYPLAN_MAX_KEYS     16          /* as iam.h IAM_MAX_KEYS: IAM allows 2 */
#define KEYPLAN_SETTLE       120         /* s: IAM may not list a key this young yet */
#define KEYPLAN_ORPHAN_GRACE (7 * 86400) /* s: a deactivated orphan is deleted after this */

enum keyplan_action {
	KEYPLAN_LOGIN,  /* make sure the key is in place */
	KEYPLAN_ROTATE, /* --rotate: replace ours whatever its age */
	KEYPLAN_REVOKE, /* --revoke: delete ours */
};

/* One access key as IAM lists it. */
struct keyplan_key {
	char id[IAM_KEY_ID_MAX];
	bool active;
	time_t created;
};

struct keyplan_in {
	enum keyplan_action action;
	const struct keyplan_key *keys; /* IAM's, at most KEYPLAN_MAX_KEYS */
	size_t n_keys;
	const struct ledger *ledger;
	const struct hostid *host;
	const char *state_key;   /* the key this host's state records for this login, IAM user
	                          * and profile; "" = none */
	bool state_legacy_host;  /* that record names this host by its short name (before 0.2) */
	const char *profile_key; /* aws_access_key_id of the managed profile; "" = none */
	bool profile_not_a_key;  /* the profile holds a value that is no access key ID */
	time_t now;
	unsigned max_age_days;
	unsigned deadline; /* s: a mark's window spans the run that set it */
	bool replace_oldest_managed;
};

enum keyplan_verdict {
	KEYPLAN_VERIFY,   /* ours is in place, active and young enough: keep it */
	KEYPLAN_CREATE,   /* this host holds no key: create one */
	KEYPLAN_REPLACE,  /* ours must be replaced (age, --rotate, inactive, gone from the
	                   * profile): create, write, then delete ours */
	KEYPLAN_CONFLICT, /* the profile holds a key this host cannot prove it wrote: left alone */
	KEYPLAN_REFUSE,   /* no slot for a new key, and none this tool may free */
	KEYPLAN_REVOKE_OURS, /* delete ours and remove it from the profile */
	KEYPLAN_NOTHING,     /* --revoke, and this host holds no key */
};

enum keyplan_why {
	KEYPLAN_WHY_STRAY,          /* this host's entry, not the key this host holds */
	KEYPLAN_WHY_ORPHAN,         /* made under this host's open mark, never recorded:
	                             * deactivated, or deleted when its slot is needed now */
	KEYPLAN_WHY_OLD_ORPHAN,     /* this host's deactivated orphan: slot needed, or grace over */
	KEYPLAN_WHY_REPLACED,       /* the key a new one replaces */
	KEYPLAN_WHY_OLDEST_MANAGED, /* on_limit = replace-oldest-managed */
	KEYPLAN_WHY_REVOKED,
};

struct keyplan_step {
	char key_id[IAM_KEY_ID_MAX];
	enum keyplan_why why;
};

struct keyplan {
	enum keyplan_verdict verdict;
	char ours[IAM_KEY_ID_MAX]; /* the key this host holds ("" = none) */
	bool record_ours;          /* write ours's entry (missing, or in the legacy form) */
	bool close_mark;           /* this host's open mark is answered: close it */
	/* deactivate and record as orphans (before anything else) */
	struct keyplan_step deactivate[KEYPLAN_MAX_KEYS];
	size_t n_deactivate;
	/* delete, then untag their entries: before creating (or, verifying, now) */
	struct keyplan_step delete_first[KEYPLAN_MAX_KEYS];
	size_t n_delete_first;
	/* delete once the new key is on disk (the key it replaces) */
	struct keyplan_step delete_after[KEYPLAN_MAX_KEYS];
	size_t n_delete_after;
	/* tags to remove: entries of keys gone from IAM, stale marks */
	char untag[IAM_MAX_TAGS][129];
	size_t n_untag;
	/* closed marks of other hosts: removed only along with other tag writes */
	char prune[IAM_MAX_TAGS][129];
	size_t n_prune;
	char why[512]; /* CONFLICT, REFUSE: one line for the person */
};

/* Decides. Pure: reads only in, writes only out. */
void keyplan_make(const struct keyplan_in *in, struct keyplan *out);
/* True when the plan deletes key_id (in either list). */
bool keyplan_deletes(const struct keyplan *p, const char *key_id);
/* --dry-run: the plan, one "dry-run: ..." line per step. */
void keyplan_print(const struct keyplan *p, FILE *f);
const char *keyplan_why_text(enum keyplan_why w);

#endif
