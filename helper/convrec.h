/* SPDX-License-Identifier: MIT */
/* convrec.h — what the tool records on a managed IAM user about its groups, managed policies
 * and tags (convergence, convplan.h), and the one reader of that record. Three tags:
 *   pam-aws-iam:converged = <generation> <digest> <hostid> <time> <host>
 *        the [user] generation and config digest (convplan_digest) the user was last brought
 *        to, the host that did it (hostid.h: ID and short name) and when (ISO 8601 UTC);
 *        digest "-": that convergence did not complete, and the next verify does it again
 *   pam-aws-iam:added = g<ids> p<ids>
 *        the groups (g) and managed policies (p) the tool added to the user
 *   pam-aws-iam:added-tags = t<ids>
 *        the keys of the tags the tool set on the user
 * An id is the first 36 bits of SHA-256 of "g:" and the group name in lower case (IAM group
 * names ignore case), "p:" and the policy ARN, or "t:" and the tag key in lower case (so do
 * tag keys), as 6 characters of [A-Za-z0-9_-]: names and ARNs hold characters a tag value
 * may not, and 10 groups and 20 policies fit in one value, 42 tag keys in another. An
 * added item is removed only when its id is recorded: a record the tool cannot read makes
 * it remove nothing. The ids in a value are sorted, so equal records are equal strings. */
#ifndef PAI_CONVREC_H
#define PAI_CONVREC_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "aws_bounds.h"
#include "err.h"
#include "hostid.h"

#define CONVREC_TAG          "pam-aws-iam:converged"
#define CONVREC_ADDED_TAG    "pam-aws-iam:added"
#define CONVREC_ADDED_TAGS   "pam-aws-iam:added-tags"
#define CONVREC_TAGS         3  /* counted in ledger.h LEDGER_RESERVED_TAGS */
#define CONVREC_ID_LEN       6  /* 36 bits */
#define CONVREC_DIGEST_LEN   12 /* 72 bits */
#define CONVREC_UNFINISHED   "-"
#define CONVREC_MAX_GROUPS   10 /* as config.h: IAM's groups per user */
#define CONVREC_MAX_POLICIES 20 /* as config.h: IAM's managed policies per user */
#define CONVREC_MAX_TAGKEYS  42 /* as config.h PAI_CONF_MAX_TAGS */
#define CONVREC_MAX_IDS      CONVREC_MAX_TAGKEYS
#define CONVREC_MAX_GEN      4294967295ul

enum convrec_kind { CONVREC_GROUP, CONVREC_POLICY, CONVREC_TAGKEY, CONVREC_KINDS };

struct convrec_ids {
	char id[CONVREC_MAX_IDS][CONVREC_ID_LEN + 1];
	size_t n;
};

struct convrec {
	bool present;   /* a converged tag the reader accepts */
	bool malformed; /* a record tag it does not: the next convergence rewrites the record */
	unsigned long generation;
	char digest[CONVREC_DIGEST_LEN + 1]; /* or CONVREC_UNFINISHED */
	char host_id[HOSTID_LEN + 1];
	char host_name[HOSTID_NAME_MAX];
	time_t at;
	struct convrec_ids added[CONVREC_KINDS];
};

/* Reads the record from a user's tags (keys matched exactly, as the tool writes them).
 * Ids that fail their pattern make their whole value unread (malformed, no ids of that
 * kind): never trusted, never a reason to remove anything. */
void convrec_read(const struct iam_tag *tags, size_t n, struct convrec *out);
/* The id of name (a group, policy ARN or tag key). */
void convrec_id(enum convrec_kind k, const char *name, char out[CONVREC_ID_LEN + 1]);
/* True when the record holds the id of name. */
bool convrec_has(const struct convrec *r, enum convrec_kind k, const char *name);
bool convrec_has_id(const struct convrec *r, enum convrec_kind k, const char *id);
/* Adds or removes an id (sets: no duplicates; adding past the bound drops it, which can
 * only make the tool leave something in place). */
void convrec_add_id(struct convrec *r, enum convrec_kind k, const char *id);
void convrec_remove_id(struct convrec *r, enum convrec_kind k, const char *id);
/* The three tags of r (present, host ID and name valid); PAI_ERR_INVALID otherwise. */
pai_err convrec_make_tags(const struct convrec *r, struct iam_tag out[CONVREC_TAGS]);
/* Same generation, digest and host, and the same ids of every kind (the time aside). */
bool convrec_same(const struct convrec *a, const struct convrec *b);
/* The same ids of every kind. */
bool convrec_same_ids(const struct convrec *a, const struct convrec *b);
/* True for a key of the tool's own (pam-aws-iam:..., any case): never the config's. */
bool convrec_is_tool_tag(const char *key);

#endif
