/* SPDX-License-Identifier: MIT */
/* convplan.h — convergence: what to do with an existing managed IAM user's groups, managed
 * policies and tags so that they follow this host's config, decided by pure functions from
 * the config, the record on the user (convrec.h) and what the user has; iam_user.c carries
 * the plan out, --dry-run prints its calls and --status what differs.
 *
 * The rules it keeps:
 *   - What the config names and the user lacks is added; a configured tag whose value
 *     differs is set again.
 *   - Only what the record says the tool added, and the config no longer names, is removed.
 *     A configured item the user already had is not recorded as the tool's: an
 *     administrator's, it is never removed.
 *   - [user] generation orders configs. A host whose generation is lower than the recorded
 *     one changes nothing. At the recorded generation another config changes nothing either
 *     (two configs claim one generation: raise it), unless this host recorded it (its own
 *     config was edited) or that convergence did not finish. A higher generation converges.
 *   - Cost: the record alone tells whether anything may differ; only then are the user's
 *     groups and policies read (CONVPLAN_READ), and only what differs is called. */
#ifndef PAI_CONVPLAN_H
#define PAI_CONVPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>
#include "aws_bounds.h"
#include "config.h"
#include "convrec.h"
#include "hostid.h"

#define CONVPLAN_MAX_ITEMS  IAM_MAX_TAGS /* of any list a plan holds */
#define CONVPLAN_MAX_WRITES 3            /* record writes per run: one, and two retries */

enum convplan_verdict {
	CONVPLAN_NOTHING,  /* the record is this host's generation and config */
	CONVPLAN_OLDER,    /* this host's generation is lower than the recorded one */
	CONVPLAN_CONFLICT, /* the recorded generation is this host's, with another config */
	CONVPLAN_RECORD,   /* the same config at a higher generation: write the record only */
	CONVPLAN_READ,     /* read the user's groups and policies, then decide again */
	CONVPLAN_CONVERGE, /* make the calls below and write the record */
};

struct convplan_in {
	/* this host */
	unsigned long generation;
	const char *digest; /* convplan_digest of its config */
	const struct hostid *host;
	time_t now;
	const char *const *groups; /* configured */
	size_t n_groups;
	const char *const *policies;
	size_t n_policies;
	const struct iam_tag *tags; /* configured, values expanded for this user and host */
	size_t n_tags;
	/* the user */
	const struct convrec *rec; /* as read from its tags */
	const struct iam_tag *user_tags;
	size_t n_user_tags;
	bool have_lists; /* its groups and policies below were read */
	const char *const *user_groups;
	size_t n_user_groups;
	const char *const *user_policies;
	size_t n_user_policies;
	bool compare_all; /* --status: fill in what differs whatever the verdict */
};

/* The calls, as pointers into the convplan_in they were made from. */
struct convplan {
	enum convplan_verdict verdict;
	const char *add_groups[CONVPLAN_MAX_ITEMS];
	size_t n_add_groups;
	const char *remove_groups[CONVPLAN_MAX_ITEMS];
	size_t n_remove_groups;
	const char *attach[CONVPLAN_MAX_ITEMS];
	size_t n_attach;
	const char *detach[CONVPLAN_MAX_ITEMS];
	size_t n_detach;
	const struct iam_tag *set_tags[CONVPLAN_MAX_ITEMS];
	size_t n_set_tags;
	const char *untag[CONVPLAN_MAX_ITEMS]; /* tag keys */
	size_t n_untag;
	struct convrec rec; /* the record to write (RECORD, CONVERGE) */
	char why[256];      /* OLDER, CONFLICT: one line for the person and syslog */
};

/* How each call of a plan went (same order as its lists). */
enum convplan_result {
	CONVPLAN_DONE,    /* it happened (a removal of what was already gone counts) */
	CONVPLAN_REFUSED, /* IAM answered no: it did not happen */
	CONVPLAN_UNKNOWN, /* no answer: it may have happened */
};

struct convplan_outcome {
	enum convplan_result add_groups[CONVPLAN_MAX_ITEMS];
	enum convplan_result remove_groups[CONVPLAN_MAX_ITEMS];
	enum convplan_result attach[CONVPLAN_MAX_ITEMS];
	enum convplan_result detach[CONVPLAN_MAX_ITEMS];
	enum convplan_result set_tags; /* one TagUser: the tags and the record */
	enum convplan_result untag;    /* one UntagUser */
};

/* The digest of what a config says about users' groups, policies and tags (the tag values
 * as templates, so that every host of a fleet computes the same one). */
void convplan_digest(const struct pai_config *cfg, char out[CONVREC_DIGEST_LEN + 1]);
/* Decides. Pure: reads only in, writes only out. */
void convplan_make(const struct convplan_in *in, struct convplan *out);
/* The record of a user this host creates with everything configured: all of it the tool's
 * (in's user side is not read). */
void convplan_created(const struct convplan_in *in, struct convrec *out);
/* True when the plan calls nothing but the record's TagUser. */
bool convplan_only_record(const struct convplan *p);
/* After the calls of p (o) and a fresh read of the record (back): the record that must be
 * on the user now (*out), and whether it must be written again (false: back is it). What
 * the tool added is recorded unless IAM refused it; what it removed is not; other hosts'
 * records in back are kept; a record some other host wrote over this one's (or a call that
 * failed) leaves the digest unfinished, so that the next verify converges again. */
bool convplan_settle(const struct convplan_in *in, const struct convplan *p,
                     const struct convplan_outcome *o, const struct convrec *back,
                     struct convrec *out);
/* --dry-run: one "dry-run: would call ..." line per call. */
void convplan_print(const struct convplan *p, FILE *f);

#endif
