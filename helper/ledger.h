/* SPDX-License-Identifier: MIT */
/* ledger.h — what the tool records on the IAM users it manages, as tags, and the one reader
 * of those tags. IAM is the one state hosts share; the ledger is how each host proves which
 * keys it made; no key is deleted without that proof.
 *   pam-aws-iam:managed = <login>            ownership: set at CreateUser (or adoption); names
 *                                            the login the user belongs to (ledger_owner_value;
 *                                            "true" before 0.2, accepted and rewritten)
 *   pam-aws-iam:key:<KEYID> = <hostid> <time> <host>[ orphan]
 *                                            one per key the tool made: the host's identity
 *                                            (hostid.h), the ISO 8601 UTC time and the short
 *                                            host name for people; "orphan" for a key this
 *                                            host made whose secret never reached a home (its
 *                                            CreateAccessKey reply was lost), deactivated
 *                                            ("<host> <time>" before 0.2: a legacy entry)
 *   pam-aws-iam:pending:<hostid> = <time>[ <KEYID>]
 *                                            the host's mark, set just before it calls
 *                                            CreateAccessKey; open until the key it announced
 *                                            is recorded, when the same TagUser closes it by
 *                                            naming the key. An open mark is the only proof a
 *                                            key with no entry can be this host's.
 *   pam-aws-iam:converged, pam-aws-iam:added, pam-aws-iam:added-tags
 *                                            what the tool did to the user's groups, policies
 *                                            and tags, and at which config generation
 *                                            (convrec.h reads and writes them) */
#ifndef PAI_LEDGER_H
#define PAI_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "err.h"
#include "hostid.h"
#include "aws_bounds.h"
#include "convrec.h"

#define LEDGER_OWNER_KEY      "pam-aws-iam:managed"
#define LEDGER_OWNER_LEGACY   "true"
#define LEDGER_KEY_PREFIX     "pam-aws-iam:key:"
#define LEDGER_PENDING_PREFIX "pam-aws-iam:pending:"
#define LEDGER_ORPHAN_WORD    "orphan"
/* A key created within this many seconds of a mark (either side: host and AWS clocks
 * differ; after it, the run's deadline too) is the mark's; marks older than a day are
 * pruned. */
#define LEDGER_PENDING_SLACK   120
#define LEDGER_PENDING_MAX_AGE 86400
/* Tags the tool may hold on one user at a time: ownership, two key entries, two marks, and
 * the three of its convergence record (convrec.h). The config's own tags must leave room for
 * them (config.h PAI_CONF_MAX_TAGS). */
#define LEDGER_RESERVED_TAGS (5 + CONVREC_TAGS)

struct ledger_entry {
	char tag_key[129];
	char key_id[IAM_KEY_ID_MAX];
	char host_id[HOSTID_LEN + 1];    /* "" in a legacy entry */
	char host_name[HOSTID_NAME_MAX]; /* for people (and legacy entries) */
	time_t created;
	bool orphan;
};

struct ledger_mark {
	char tag_key[129];
	char host[HOSTID_NAME_MAX]; /* a host ID, or a legacy short name */
	time_t at;
	char closed_by[IAM_KEY_ID_MAX]; /* the key that answered it; "" = open */
	bool valid;                     /* false: malformed, prune it */
};

enum ledger_owner {
	LEDGER_OWNER_NONE,       /* no ownership tag: not the tool's */
	LEDGER_OWNER_THIS,       /* names this login */
	LEDGER_OWNER_LEGACY_TAG, /* "true": the tool's, for whichever login has its exact name */
	LEDGER_OWNER_OTHER,      /* names another login */
};

struct ledger {
	struct ledger_entry e[IAM_MAX_TAGS];
	size_t n;
	struct ledger_mark m[IAM_MAX_TAGS];
	size_t n_marks;
	char owner[257]; /* the ownership tag's value; "" = none */
	bool has_owner;
};

/* Reads the ledger from a user's tags: entries, marks and ownership. Malformed entries are
 * skipped, never trusted; malformed marks are kept with valid = false (to be pruned). */
void ledger_read(const struct iam_tag *tags, size_t n, struct ledger *out);
/* The entry for key_id, or NULL. */
const struct ledger_entry *ledger_find(const struct ledger *l, const char *key_id);
/* The mark of host (an ID), or NULL. */
const struct ledger_mark *ledger_mark_of(const struct ledger *l, const char *host);
/* Whose user it is, for login. */
enum ledger_owner ledger_owner_of(const struct ledger *l, const char *login);

/* The ownership tag naming login (ledger_owner_value); PAI_ERR_INVALID when it cannot fit. */
pai_err ledger_owner_tag(const char *login, struct iam_tag *out);
/* login as a tag value: [A-Za-z0-9_.=+@-] as they are, any other byte as ":XX" (hex). */
pai_err ledger_owner_value(const char *login, char out[257]);
/* The entry tag for a key this host made (orphan: deactivated, secret never delivered). */
pai_err ledger_make_tag(const char *key_id, const struct hostid *h, time_t created, bool orphan,
                        struct iam_tag *out);
/* host's mark at time t; closed_by NULL = open, else the key that answered it. */
pai_err ledger_make_mark(const struct hostid *h, time_t t, const char *closed_by,
                         struct iam_tag *out);

#endif
