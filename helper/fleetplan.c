/* SPDX-License-Identifier: MIT */
/* fleetplan.c — the fleet mode's decisions (fleetplan.h). */
#include "fleetplan.h"

#include <stdio.h>
#include <string.h>
#include "buf.h"

#define DAY  86400
#define PROG "aws-iam-provision"

void fleet_doc_wipe(struct fleet_doc *d)
{
	secret_wipe(d, sizeof(*d));
}

static const struct keyplan_key *in_iam(const struct fleet_in *in, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++)
		if (!strcmp(in->keys[i].id, id))
			return &in->keys[i];
	return NULL;
}

static bool named(const struct fleet_in *in, const char *id)
{
	const struct fleet_doc *d = in->doc;

	return d && id[0] &&
	       ((d->has_current && !strcmp(d->current_id, id)) ||
	        (d->has_previous && !strcmp(d->previous_id, id)));
}

/* This host's entry in the ledger: a key it made in host mode. */
static bool mine(const struct fleet_in *in, const char *id)
{
	const struct ledger_entry *e = ledger_find(in->ledger, id);

	return e && !strcmp(e->host_id, in->host->id);
}

static bool in_window(const struct fleet_in *in, time_t t, const struct ledger_mark *m)
{
	return t >= m->at - LEDGER_PENDING_SLACK &&
	       t <= m->at + (time_t)in->deadline + LEDGER_PENDING_SLACK;
}

/* A mark announces one CreateAccessKey, and fleet mode never closes it: a mark proves it made
 * k only when k is the only key IAM lists in its window. Another key there, unnamed, named (the
 * run published its key) or recorded by host mode, means one of them is someone else's (the
 * console, another tool), and nothing says which. */
static bool mark_proves(const struct fleet_in *in, const struct ledger_mark *m,
                        const struct keyplan_key *k)
{
	size_t i;

	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++)
		if (strcmp(in->keys[i].id, k->id) != 0 && in_window(in, in->keys[i].created, m))
			return false;
	return true;
}

/* The marks that could have made key k: k was created within a mark's window (its run,
 * with LEDGER_PENDING_SLACK either side for clocks). over: how many of those runs are over;
 * proving: how many prove k (mark_proves); returns how many there are. */
static size_t covering_marks(const struct fleet_in *in, const struct keyplan_key *k, size_t *over,
                             size_t *proving)
{
	size_t i, n = 0;

	*over = *proving = 0;
	for (i = 0; i < in->ledger->n_marks; i++) {
		const struct ledger_mark *m = &in->ledger->m[i];

		if (!m->valid || m->closed_by[0] || !in_window(in, k->created, m))
			continue;
		n++;
		if (in->now > m->at + (time_t)in->deadline + FLEET_CLAIM_SLACK)
			(*over)++;
		if (mark_proves(in, m, k))
			(*proving)++;
	}
	return n;
}

/* A key no document names, made under a mark that proves it, when every run that could have
 * made it is over: its maker never published it (a lost reply, a lost race it could not clean
 * up, a crash). The mark is the proof the tool made it; all runs being over, and the key older
 * than a run, that no one will publish it. One run still going is enough to leave it: a mark's
 * window is wide (clocks), so an old run's mark may cover a key a slow run made a moment ago and is
 * publishing. */
static bool unpublished(const struct fleet_in *in, const struct keyplan_key *k)
{
	size_t n, over, proving;

	if (named(in, k->id) || ledger_find(in->ledger, k->id))
		return false;
	/* younger than a whole run: its maker may still publish it, even when the maker's mark
	 * is not visible yet (IAM is eventually consistent for tags too) */
	if (in->now <= k->created + (time_t)in->deadline + FLEET_CLAIM_SLACK)
		return false;
	n = covering_marks(in, k, &over, &proving);
	return proving > 0 && over == n;
}

/* A key another host may be making right now (a run that could have made it is not over, and
 * a mark proves it): revoking, to be deleted once the revoked state is published. */
static bool being_made(const struct fleet_in *in, const struct keyplan_key *k)
{
	size_t over, proving;

	if (named(in, k->id) || ledger_find(in->ledger, k->id))
		return false;
	return covering_marks(in, k, &over, &proving) > over && proving > 0;
}

static void add(char list[][IAM_KEY_ID_MAX], size_t *n, const char *id)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i], id))
			return;
	if (*n < KEYPLAN_MAX_KEYS)
		snprintf(list[(*n)++], IAM_KEY_ID_MAX, "%s", id);
}

static bool listed(char list[][IAM_KEY_ID_MAX], size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], id))
			return true;
	return false;
}

static void say(struct fleet_plan *p, enum fleet_verdict v, const char *why)
{
	p->verdict = v;
	snprintf(p->why, sizeof(p->why), "%s", why);
}

/* The keys nobody will miss: unpublished ones; this host's host-mode keys go once the home
 * holds the store's key. */
static void cleanup(const struct fleet_in *in, struct fleet_plan *p)
{
	size_t i;

	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const struct keyplan_key *k = &in->keys[i];

		if (unpublished(in, k))
			add(p->delete_unnamed, &p->n_delete_unnamed, k->id);
		else if (!named(in, k->id) && mine(in, k->id) && !p->adopt_profile)
			add(p->delete_after, &p->n_delete_after, k->id);
	}
}

/* Slots for one new key under IAM's two: this host's host-mode keys are freed first; refuses
 * (naming the keys) when no slot is left. */
static void make_room(const struct fleet_in *in, struct fleet_plan *p)
{
	size_t live = 0, i;
	struct buf b;

	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const char *id = in->keys[i].id;

		if (!listed(p->delete_first, p->n_delete_first, id) &&
		    !listed(p->delete_unnamed, p->n_delete_unnamed, id))
			live++;
	}
	for (i = 0; live >= 2 && i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const char *id = in->keys[i].id;

		if (mine(in, id) && !named(in, id) &&
		    !listed(p->delete_first, p->n_delete_first, id) &&
		    !listed(p->delete_unnamed, p->n_delete_unnamed, id)) {
			add(p->delete_first, &p->n_delete_first, id);
			live--;
		}
	}
	if (live < 2)
		return;
	buf_init(&b, 380);
	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const char *id = in->keys[i].id;

		buf_appendf(&b, "%s%s %s", b.len ? ", " : "", id,
		            named(in, id)                 ? "(the fleet's)"
		            : ledger_find(in->ledger, id) ? "(a host-mode key)"
		                                          : "(not made by " PROG ")");
	}
	snprintf(p->why, sizeof(p->why),
	         "already has 2 access keys (%s) and none is free for a new one: delete a key "
	         "the fleet does not name, or wait for the previous key's grace to end",
	         b.data ? b.data : "");
	buf_free(&b);
	p->verdict = FLEET_REFUSE;
	p->deliver = false;
}

/* The profile may hold the store's key, the one it replaced, a key this host wrote, or a
 * key of this host from host mode; anything else is someone's own and left alone. */
static bool profile_ok(const struct fleet_in *in, struct fleet_plan *p)
{
	const char *pk = in->profile_key;
	char why[256];

	if (in->profile_not_a_key) {
		say(p, FLEET_CONFLICT,
		    "holds a value that is not an access key ID: left unchanged");
		return false;
	}
	if (!pk[0] || named(in, pk) || !strcmp(pk, in->state_key) || mine(in, pk))
		return true;
	snprintf(why, sizeof(why), "holds key %s that " PROG " did not write: left unchanged", pk);
	say(p, FLEET_CONFLICT, why);
	return false;
}

static void plan_revoke(const struct fleet_in *in, struct fleet_plan *p)
{
	const struct fleet_doc *d = in->doc;
	size_t i;

	p->verdict = FLEET_PUBLISH_REVOKE;
	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const struct keyplan_key *k = &in->keys[i];

		if (named(in, k->id) || being_made(in, k) || unpublished(in, k))
			add(p->delete_after, &p->n_delete_after, k->id);
	}
	/* keys named but not yet listed by IAM (just made): deleted too, by name */
	if (d && d->has_current)
		add(p->delete_after, &p->n_delete_after, d->current_id);
	if (d && d->has_previous)
		add(p->delete_after, &p->n_delete_after, d->previous_id);
	if (in->profile_key[0] &&
	    (named(in, in->profile_key) || !strcmp(in->profile_key, in->state_key)))
		snprintf(p->remove_from_home, sizeof(p->remove_from_home), "%s", in->profile_key);
}

/* No secret yet, or a claim to take over: the first key, or this host's host-mode key
 * moved into the store when it is still good. */
static void plan_first(const struct fleet_in *in, struct fleet_plan *p, enum fleet_verdict v)
{
	const struct keyplan_key *k = in_iam(in, in->profile_key);

	p->verdict = v;
	p->deliver = true;
	if (k && k->active && mine(in, k->id) &&
	    in->now - k->created < (time_t)in->max_age_days * DAY) {
		p->adopt_profile = true; /* no new key: the ledgered one moves into the store */
		p->deliver = false;
	}
	cleanup(in, p);
	if (!p->adopt_profile)
		make_room(in, p);
}

static void plan_active(const struct fleet_in *in, struct fleet_plan *p)
{
	const struct fleet_doc *d = in->doc;
	const struct keyplan_key *k = d->has_current ? in_iam(in, d->current_id) : NULL;
	bool gone, due;

	if (d->has_previous && in->now >= d->previous_until) {
		p->drop_previous = true;
		if (in_iam(in, d->previous_id))
			add(p->delete_first, &p->n_delete_first, d->previous_id);
	}
	cleanup(in, p);
	/* IAM lists a new key late: missing, it is gone only after the settling window */
	gone = !d->has_current || (!k && in->now - d->current_created > FLEET_SETTLE) ||
	       (k && !k->active);
	due = in->action == FLEET_ROTATE || in->action == FLEET_ROTATE_NOW ||
	      (!gone && in->now - d->current_created >= (time_t)in->max_age_days * DAY);
	if (gone) {
		p->verdict = FLEET_REPAIR;
		if (k) /* inactive: someone switched it off; it only holds a slot */
			add(p->delete_first, &p->n_delete_first, k->id);
	} else if (due && in->action == FLEET_ROTATE_NOW) {
		p->verdict = FLEET_ROTATE_KEY;
		p->drop_previous = d->has_previous;
		if (d->has_previous && in_iam(in, d->previous_id))
			add(p->delete_first, &p->n_delete_first, d->previous_id);
		add(p->delete_after, &p->n_delete_after, d->current_id);
	} else if (due && d->has_previous && !p->drop_previous) {
		p->rotation_waits = true; /* both slots are taken until the grace ends */
	} else if (due) {
		p->verdict = FLEET_ROTATE_KEY;
	}
	if (p->verdict == FLEET_REPAIR || p->verdict == FLEET_ROTATE_KEY) {
		p->deliver = true;
		make_room(in, p);
		return;
	}
	p->verdict = !strcmp(in->profile_key, d->current_id) ? FLEET_KEEP : FLEET_DELIVER;
}

void fleet_plan_make(const struct fleet_in *in, struct fleet_plan *p)
{
	const struct fleet_doc *d = in->doc;

	memset(p, 0, sizeof(*p));
	if (in->action == FLEET_REVOKE) {
		plan_revoke(in, p);
		return;
	}
	if (in->action == FLEET_UNREVOKE) {
		if (d && d->state == FLEET_REVOKED)
			p->verdict = FLEET_PUBLISH_ACTIVE;
		else
			say(p, FLEET_STOP, "is not revoked: nothing to lift");
		return;
	}
	if (in->store_deleting) {
		say(p, FLEET_STOP,
		    "is scheduled for deletion, so no host can read or write it: restore it "
		    "(aws secretsmanager restore-secret) or wait until it is gone");
		return;
	}
	if (d && d->state == FLEET_REVOKED) {
		say(p, FLEET_REVOKED_STOP,
		    "AWS keys are revoked for this person; an administrator lifts it with "
		    "aws-iam-provision --user LOGIN --unrevoke");
		if (in->profile_key[0] && !strcmp(in->profile_key, in->state_key))
			snprintf(p->remove_from_home, sizeof(p->remove_from_home), "%s",
			         in->profile_key);
		return;
	}
	if (!profile_ok(in, p))
		return;
	if (!in->store_exists) {
		plan_first(in, p, FLEET_CLAIM);
		return;
	}
	if (!d || d->state == FLEET_CLAIMED) {
		if (d && strcmp(d->claim.id, in->host->id) != 0 && in->now <= d->claim_until) {
			p->verdict = FLEET_WAIT;
			return;
		}
		plan_first(in, p, FLEET_TAKEOVER);
		return;
	}
	plan_active(in, p);
}

void fleet_plan_print(const struct fleet_plan *p, FILE *f)
{
	static const char *const verdicts[] = {"keep the store's key",
	                                       "write the store's key into the home",
	                                       "claim the store and make the first key",
	                                       "take over a stale claim and make the key",
	                                       "wait for the host making the first key",
	                                       "rotate: make a new key, keep the old one "
	                                       "for the grace",
	                                       "repair: make a key for the one gone from IAM",
	                                       "publish the revoked state",
	                                       "publish the active state (lift the revoke)",
	                                       "revoked: remove the key from the home",
	                                       "leave the profile alone",
	                                       "refuse",
	                                       "stop"};
	size_t i;

	fprintf(f, "dry-run: plan: %s\n", verdicts[p->verdict]);
	if (p->why[0])
		fprintf(f, "dry-run: %s\n", p->why);
	if (p->adopt_profile)
		fprintf(f, "dry-run: publish this host's key (host mode) as the fleet's\n");
	if (p->rotation_waits)
		fprintf(f, "dry-run: rotation due, waiting for the previous key's grace\n");
	for (i = 0; i < p->n_delete_unnamed; i++)
		fprintf(f, "dry-run: would call DeleteAccessKey %s (never published)\n",
		        p->delete_unnamed[i]);
	for (i = 0; i < p->n_delete_first; i++)
		fprintf(f, "dry-run: would call DeleteAccessKey %s (frees a slot)\n",
		        p->delete_first[i]);
	if (p->drop_previous)
		fprintf(f, "dry-run: would call PutSecretValue (without the previous key)\n");
	for (i = 0; i < p->n_delete_after; i++)
		fprintf(f, "dry-run: would call DeleteAccessKey %s (after publishing)\n",
		        p->delete_after[i]);
	if (p->remove_from_home[0])
		fprintf(f, "dry-run: would remove key %s from the home\n", p->remove_from_home);
}
