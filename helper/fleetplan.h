/* SPDX-License-Identifier: MIT */
/* fleetplan.h — fleet mode ([keys] store = secretsmanager): every host hands a person the same
 * key, kept in one AWS Secrets Manager secret per IAM user. This is the store's document and
 * the one pure function that decides, from what the store, IAM, this host's state and the
 * person's profile say, what a run does; net/fleet_actions.c carries the plan out and
 * net/fleetdoc.c reads and writes the document.
 *
 * The invariant it keeps: every live IAM key of the user is named by the store (current, or
 * previous within its grace), never more than two. Writes to the store are compare-and-swap
 * (a token derived from the version replaced): a host that loses a race takes the winner's
 * document and deletes only the key it made itself and never published. */
#ifndef PAI_FLEETPLAN_H
#define PAI_FLEETPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include "aws_bounds.h"
#include "hostid.h"
#include "keyplan.h"
#include "ledger.h"

#define FLEETDOC_FORMAT   "pam-aws-iam/1"
#define FLEET_SECRET_MAX  129            /* an access key's secret, NUL included (AWS: 40) */
#define FLEET_CLAIM_SLACK 30             /* s a claim outlives its holder's deadline */
#define FLEET_SETTLE      KEYPLAN_SETTLE /* s a new key may be missing from ListAccessKeys */

enum fleet_state {
	FLEET_ACTIVE,  /* the current key (if any) is the person's */
	FLEET_CLAIMED, /* a host is making the first key; others wait (or take over when stale) */
	FLEET_REVOKED, /* no key until an administrator lifts it (--unrevoke) */
};

/* The store's document, one JSON object (net/fleetdoc.c). */
struct fleet_doc {
	enum fleet_state state;
	char user[IAM_USER_NAME_MAX]; /* the IAM user it belongs to, and its UserId */
	char user_id[129];
	bool has_current;
	char current_id[IAM_KEY_ID_MAX];
	char current_secret[FLEET_SECRET_MAX]; /* wiped by fleet_doc_wipe */
	time_t current_created;
	bool has_previous; /* the key the current one replaced, valid until previous_until */
	char previous_id[IAM_KEY_ID_MAX];
	time_t previous_until;
	struct hostid claim; /* FLEET_CLAIMED: who, and until when the claim holds */
	time_t claim_until;
	time_t revoked_at;
	struct hostid written_by; /* who wrote this version, and when (for --status) */
	time_t written_at;
};

void fleet_doc_wipe(struct fleet_doc *d);

enum fleet_action {
	FLEET_LOGIN,
	FLEET_ROTATE,     /* --rotate: after the previous key's grace */
	FLEET_ROTATE_NOW, /* --rotate --now (root): no grace */
	FLEET_REVOKE,     /* --revoke: revoked state first, then every named key deleted */
	FLEET_UNREVOKE,   /* --unrevoke (root): active again, with no key */
};

struct fleet_in {
	enum fleet_action action;
	bool store_exists;              /* a secret of that name exists */
	bool store_deleting;            /* ...scheduled for deletion: nothing can be written */
	const struct fleet_doc *doc;    /* its current value; NULL when it has none */
	const struct keyplan_key *keys; /* IAM's */
	size_t n_keys;
	const struct ledger *ledger; /* the user's tags (marks, host-mode entries) */
	const struct hostid *host;
	const char *profile_key; /* "" = none */
	bool profile_not_a_key;
	const char *state_key; /* the key this host's state says it wrote ("" = none) */
	time_t now;
	unsigned max_age_days;
	unsigned grace;    /* rotation_grace, s */
	unsigned deadline; /* s: a claim's and a mark's window */
};

enum fleet_verdict {
	FLEET_KEEP,       /* the home holds the current key: record it */
	FLEET_DELIVER,    /* write the current key into the home */
	FLEET_CLAIM,      /* no secret yet: claim it (CreateSecret), make the first key, publish */
	FLEET_TAKEOVER,   /* a stale claim: take it over (compare-and-swap), then as CLAIM */
	FLEET_WAIT,       /* another host is making the first key: wait for it */
	FLEET_ROTATE_KEY, /* make a new key, publish it with the old one as previous */
	FLEET_REPAIR,     /* the current key is gone or inactive in IAM: make one, publish */
	FLEET_PUBLISH_REVOKE, /* publish the revoked state, then delete every named key */
	FLEET_PUBLISH_ACTIVE, /* publish active with no key (an administrator lifts a revoke) */
	FLEET_REVOKED_STOP,   /* revoked: take the key out of the home, say so, refuse */
	FLEET_CONFLICT,       /* the profile holds a key the store does not name: left alone */
	FLEET_REFUSE,         /* no slot for a new key, and none this tool may free */
	FLEET_STOP,           /* the store cannot be written (scheduled for deletion): say so */
};

struct fleet_plan {
	enum fleet_verdict verdict;
	bool deliver;       /* ROTATE_KEY/REPAIR/CLAIM too: the new key goes into the home */
	bool drop_previous; /* the previous key's grace is over: delete it and publish without it */
	bool adopt_profile; /* CLAIM/TAKEOVER from host mode: publish the profile's key itself */
	bool rotation_waits; /* rotation is due but the previous key is still in its grace */
	char delete_first[KEYPLAN_MAX_KEYS][IAM_KEY_ID_MAX]; /* before making a key (slots) */
	size_t n_delete_first;
	char delete_unnamed[KEYPLAN_MAX_KEYS][IAM_KEY_ID_MAX]; /* never published: the only key
	                                                        * in the window of a mark whose
	                                                        * run is over */
	size_t n_delete_unnamed;
	char delete_after[KEYPLAN_MAX_KEYS][IAM_KEY_ID_MAX]; /* once published (ROTATE_NOW,
	                                                      * REVOKE: every named key) */
	size_t n_delete_after;
	char remove_from_home[IAM_KEY_ID_MAX]; /* a key no longer valid, when the home holds it */
	char why[512];
};

/* Decides. Pure: reads only in, writes only out. */
void fleet_plan_make(const struct fleet_in *in, struct fleet_plan *out);
/* --dry-run: the plan, one "dry-run: ..." line per step. */
void fleet_plan_print(const struct fleet_plan *p, FILE *f);

#endif
