/* SPDX-License-Identifier: MIT */
/* key_actions.c — the person's keys on this host: what IAM, the ledger, the state and the
 * profile say is handed to keyplan.h, and its plan is carried out here, in one place.
 * Order of the work that changes things (kill -9 is covered by atomic writes, the ledger
 * and the marks):
 *   [deactivate orphans, delete strays, set this host's mark] -> CreateAccessKey
 *   -> TagUser (ledger entry; the mark closed by naming the key) -> write ~/.aws/credentials
 *   -> write state -> DeleteAccessKey (the replaced key) -> UntagUser (its entry, stale tags).
 * A failed call never deletes anything that was working. */
#include "netrun.h"

#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "exit_status.h"

const struct iam_key_meta *key_actions_find(const struct netrun *nr, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < nr->keys.n; i++)
		if (!strcmp(nr->keys.keys[i].id, id))
			return &nr->keys.keys[i];
	return NULL;
}

time_t key_actions_created(const struct netrun *nr, const struct iam_key_meta *k)
{
	const struct run *r = nr->r;
	const struct ledger_entry *le;
	time_t t;

	/* IAM's CreateDate is the truth; the ledger's time only when IAM's is unreadable */
	if (clock_parse_utc(k->create_date, &t) == PAI_OK)
		return t;
	le = ledger_find(&nr->ledger, k->id);
	return le ? le->created : r->now;
}

size_t key_actions_plan_keys(const struct netrun *nr, struct keyplan_key keys[KEYPLAN_MAX_KEYS])
{
	size_t i;

	memset(keys, 0, KEYPLAN_MAX_KEYS * sizeof(*keys));
	for (i = 0; i < nr->keys.n && i < KEYPLAN_MAX_KEYS; i++) {
		snprintf(keys[i].id, sizeof(keys[i].id), "%s", nr->keys.keys[i].id);
		keys[i].active = !strcmp(nr->keys.keys[i].status, "Active");
		keys[i].created = key_actions_created(nr, &nr->keys.keys[i]);
	}
	return i;
}

/* Asks keyplan.h what to do, from what this run has read. */
void key_actions_plan(const struct netrun *nr, enum keyplan_action a, struct keyplan *p)
{
	const struct run *r = nr->r;
	struct keyplan_key keys[KEYPLAN_MAX_KEYS];
	struct keyplan_in in = {0};

	in.action = a;
	in.n_keys = key_actions_plan_keys(nr, keys);
	in.keys = keys;
	in.ledger = &nr->ledger;
	in.host = &r->host;
	in.state_key = prov_state_is_ours(r) ? r->st.key_id : "";
	in.state_legacy_host = prov_state_is_legacy(r);
	in.profile_key = r->profile_key;
	in.profile_not_a_key = r->profile_not_a_key;
	in.now = r->now;
	in.max_age_days = r->cfg.max_age_days;
	in.deadline = r->cfg.deadline;
	in.replace_oldest_managed = r->cfg.on_limit == PAI_ON_LIMIT_REPLACE_OLDEST_MANAGED;
	keyplan_make(&in, p);
}

int key_actions_conflict(struct netrun *nr, const struct keyplan *p)
{
	struct run *r = nr->r;
	prov_say(r, "~/.aws/credentials profile '%s' %s", r->cfg.keys_profile, p->why);
	prov_audit(r, "conflict-left-alone", r->profile_key);
	return PAI_EXIT_OK;
}

/* Tags for one TagUser call, and keys for one UntagUser call. */
struct tag_batch {
	struct iam_tag t[IAM_MAX_TAGS];
	size_t n;
};
struct untag_batch {
	const char *k[IAM_MAX_TAGS];
	size_t n;
};

static void untag_add(struct untag_batch *u, const char *key, const char *except)
{
	size_t i;

	if (except && !strcmp(key, except))
		return;
	for (i = 0; i < u->n; i++)
		if (!strcmp(u->k[i], key))
			return;
	if (u->n < IAM_MAX_TAGS)
		u->k[u->n++] = key;
}

/* The ledger tags the run writes along with its other tags: entries of deactivated orphans,
 * ours when its entry is missing or legacy, the ownership tag when it is legacy; verifying,
 * this host's open mark closed by the key that answered it (creating, save_new_key closes
 * the mark it set). */
static void ledger_tags(struct netrun *nr, const struct keyplan *p, const bool *deactivated,
                        bool verifying, struct tag_batch *b)
{
	struct run *r = nr->r;
	const struct ledger_mark *m = ledger_mark_of(&nr->ledger, r->host.id);
	const char *closed_by = NULL;
	size_t i;

	for (i = 0; deactivated && i < p->n_deactivate; i++) {
		const struct iam_key_meta *k = key_actions_find(nr, p->deactivate[i].key_id);

		if (!deactivated[i] || !k)
			continue;
		if (ledger_make_tag(k->id, &r->host, key_actions_created(nr, k), true,
		                    &b->t[b->n]) == PAI_OK)
			b->n++;
		if (!closed_by)
			closed_by = k->id;
	}
	if (p->record_ours && key_actions_find(nr, p->ours) &&
	    ledger_make_tag(p->ours, &r->host,
	                    key_actions_created(nr, key_actions_find(nr, p->ours)), false,
	                    &b->t[b->n]) == PAI_OK) {
		b->n++;
		if (!closed_by && p->close_mark)
			closed_by = p->ours;
	}
	if (verifying && closed_by && m && !m->closed_by[0] &&
	    ledger_make_mark(&r->host, m->at, closed_by, &b->t[b->n]) == PAI_OK)
		b->n++;
	if (nr->owner_upgrade && ledger_owner_tag(r->login, &b->t[b->n]) == PAI_OK)
		b->n++;
}

/* The first round of a plan, one round trip: deactivate orphans, delete strays and the keys
 * whose slots a new key needs, remove stale tags, and (creating) set this host's mark.
 * deactivated[i] tells which deactivations worked; *deleted collects the entries of deleted
 * keys. A failure that stops a creation is returned; others become warnings. */
static int first_round(struct netrun *nr, const struct keyplan *p, bool creating,
                       bool deactivated[KEYPLAN_MAX_KEYS], struct untag_batch *deleted)
{
	struct run *r = nr->r;
	struct aws_result ures[KEYPLAN_MAX_KEYS], dres[KEYPLAN_MAX_KEYS], mres, tres;
	struct untag_batch stale = {{0}, 0};
	struct iam_tag mark[1 + KEYPLAN_MAX_KEYS];
	const char *own = NULL;
	size_t i;

	mres.status = tres.status = PAI_OK;
	if (creating) {
		size_t n_mark = 1;

		if (ledger_make_mark(&r->host, r->now, NULL, &mark[0]))
			return prov_fail(PAI_EXIT_INTERNAL, "cannot make this host's mark");
		own = mark[0].key; /* set now: not also removed in the same round */
		/* the new mark replaces the one that proves the orphans: their entries go with it,
		 * or a CreateAccessKey lost again would leave them proven by nothing */
		for (i = 0; i < p->n_deactivate; i++) {
			const struct iam_key_meta *k =
			    key_actions_find(nr, p->deactivate[i].key_id);

			if (k && ledger_make_tag(k->id, &r->host, key_actions_created(nr, k), true,
			                         &mark[n_mark]) == PAI_OK)
				n_mark++;
		}
		iam_tag_user(nr->c, r->iam_name, mark, n_mark, &mres);
	}
	for (i = 0; i < p->n_deactivate; i++)
		iam_update_access_key(nr->c, r->iam_name, p->deactivate[i].key_id, "Inactive",
		                      &ures[i]);
	for (i = 0; i < p->n_delete_first; i++)
		iam_delete_access_key(nr->c, r->iam_name, p->delete_first[i].key_id, &dres[i]);
	for (i = 0; i < p->n_untag; i++)
		untag_add(&stale, p->untag[i], own);
	/* closed marks cost a call of their own only when the run writes tags anyway */
	if (creating || stale.n || p->n_deactivate || p->n_delete_first || p->record_ours ||
	    nr->owner_upgrade)
		for (i = 0; i < p->n_prune; i++)
			untag_add(&stale, p->prune[i], own);
	if (stale.n)
		iam_untag_user(nr->c, r->iam_name, stale.k, stale.n, &tres);
	if (!creating && !p->n_deactivate && !p->n_delete_first && !stale.n)
		return PAI_EXIT_OK;
	aws_client_flush(nr->c);
	for (i = 0; i < p->n_deactivate; i++) {
		deactivated[i] = ures[i].status == PAI_OK;
		if (deactivated[i])
			prov_audit(r, "orphan-deactivated", p->deactivate[i].key_id);
		else
			nr->status = net_fail("UpdateAccessKey (a lost reply's key)",
			                      ures[i].status, &ures[i].error);
	}
	for (i = 0; i < p->n_delete_first; i++) {
		const struct ledger_entry *le = ledger_find(&nr->ledger, p->delete_first[i].key_id);

		if (dres[i].status) {
			int rc = net_fail("DeleteAccessKey", dres[i].status, &dres[i].error);

			if (creating)
				return rc; /* its slot was needed */
			nr->status = rc;
			continue;
		}
		prov_audit(r,
		           p->delete_first[i].why == KEYPLAN_WHY_REVOKED ? "key-revoked"
		                                                         : "key-deleted",
		           p->delete_first[i].key_id);
		if (le)
			untag_add(deleted, le->tag_key, NULL);
	}
	if (mres.status)
		return net_fail("TagUser (this host's mark)", mres.status, &mres.error);
	return PAI_EXIT_OK;
}

/* Deletes keys (queued together), then removes the listed tags and the entries of the keys
 * deleted. Failures are reported and leave the keys and their entries in place. */
static void delete_keys(struct netrun *nr, const struct keyplan_step *steps, size_t n,
                        struct untag_batch *tags)
{
	struct run *r = nr->r;
	struct aws_result res[KEYPLAN_MAX_KEYS];
	size_t i;

	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++)
		iam_delete_access_key(nr->c, r->iam_name, steps[i].key_id, &res[i]);
	if (n)
		aws_client_flush(nr->c);
	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++) {
		const struct ledger_entry *le = ledger_find(&nr->ledger, steps[i].key_id);

		if (res[i].status) {
			nr->status = net_fail("DeleteAccessKey", res[i].status, &res[i].error);
			continue; /* keep its entry: the key may still exist */
		}
		prov_audit(r, "key-deleted", steps[i].key_id);
		if (le)
			untag_add(tags, le->tag_key, NULL);
	}
	if (tags->n && iam_untag_user(nr->c, r->iam_name, tags->k, tags->n, NULL))
		net_call_fail(nr, "UntagUser", PAI_ERR_AWS); /* harmless: pruned next time */
}

/* Polls STS with the new key until it works or wait_until_usable (and the deadline) ends. */
void key_actions_wait_usable(struct netrun *nr, const char *id, const char *secret)
{
	struct run *r = nr->r;
	struct aws_creds nc = {(char *)id, (char *)secret, NULL, NULL};
	struct aws_client_opts co = {0};
	struct aws_client *c2 = NULL;
	struct sts_identity who;
	long long until = clock_now_ms() + (long long)r->cfg.wait_until_usable * 1000;
	long left;

	if (until > prov_deadline_ms(r))
		until = prov_deadline_ms(r);
	left = (long)(until - clock_now_ms());
	if (left <= 0)
		return;
	co.partition = config_partition_name(r->cfg.partition);
	co.iam_endpoint = r->cfg.endpoint[0] ? r->cfg.endpoint : NULL;
	co.sts_endpoint = r->cfg.sts_endpoint[0] ? r->cfg.sts_endpoint : NULL;
	co.connect_timeout_ms = (long)r->cfg.connect_timeout * 1000;
	co.deadline_ms = left;
	co.max_attempts = 1;
	if (aws_client_new(&c2, &co, &nc))
		return;
	while (clock_now_ms() < until) {
		struct timespec ts = {0, 500 * 1000000L};

		if (sts_get_caller_identity(c2, &who, NULL) == PAI_OK)
			break;
		nanosleep(&ts, NULL);
	}
	aws_client_free(c2);
}

/* The new key exists: its entry (closing this host's mark, with any other ledger tags of
 * the plan), the file, the state, then the keys it replaces. */
static int save_new_key(struct netrun *nr, struct iam_access_key *k, const struct keyplan *p,
                        const bool *deactivated, struct untag_batch *deleted)
{
	struct run *r = nr->r;
	struct tag_batch b = {0};
	char err[512] = "";
	time_t created = r->now;
	pai_err e;

	/* the entry and the mark this run set, closed by naming the key, in one TagUser: both
	 * are written or neither */
	if (ledger_make_tag(k->id, &r->host, created, false, &b.t[b.n]) == PAI_OK)
		b.n++;
	if (ledger_make_mark(&r->host, r->now, k->id, &b.t[b.n]) == PAI_OK)
		b.n++;
	ledger_tags(nr, p, deactivated, false, &b);
	if (iam_tag_user(nr->c, r->iam_name, b.t, b.n, NULL))
		nr->status = net_call_fail(nr, "TagUser (key ledger)", PAI_ERR_AWS);
	e = delivery_put(nr, k->id, k->secret, created, err, sizeof(err));
	if (e) {
		/* the secret is gone with us: the new key is useless, take it back */
		struct keyplan_step s = {{0}, KEYPLAN_WHY_REPLACED};
		struct untag_batch t = {{0}, 0};

		prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
		snprintf(s.key_id, sizeof(s.key_id), "%s", k->id);
		untag_add(&t, b.t[0].key, NULL);
		delete_keys(nr, &s, 1, &t);
		return PAI_EXIT_FILE;
	}
	nr->key_in_place = true;
	prov_audit(r, "key-written", k->id);
	delivery_say(nr, k->id, " (new keys take a few seconds to work)");
	net_record(nr, k->id, created);
	delivery_tidy(nr);
	if (p->n_delete_after || deleted->n)
		delete_keys(nr, p->delete_after, p->n_delete_after, deleted);
	if (r->cfg.wait_until_usable)
		key_actions_wait_usable(nr, k->id, k->secret);
	return PAI_EXIT_OK;
}

/* CreateAccessKey under this host's mark (set in the first round), then save_new_key. */
static int create_key(struct netrun *nr, const struct keyplan *p, const bool *deactivated,
                      struct untag_batch *deleted)
{
	struct run *r = nr->r;
	struct iam_access_key key = {0};
	struct aws_result kres;
	int rc;

	iam_create_access_key(nr->c, r->iam_name, &key, &kres);
	aws_client_flush(nr->c);
	net_finish_url(nr);
	if (kres.status) {
		rc = net_fail("CreateAccessKey", kres.status, &kres.error);
		if (kres.error.code[0]) {
			/* a definite refusal: the mark announces nothing */
			struct iam_tag mark;

			if (ledger_make_mark(&r->host, r->now, NULL, &mark) == PAI_OK) {
				const char *k[1] = {mark.key};

				iam_untag_user(nr->c, r->iam_name, k, 1, NULL);
			}
		}
		return rc;
	}
	prov_audit(r, p->verdict == KEYPLAN_REPLACE ? "key-rotated" : "key-created", key.id);
	rc = save_new_key(nr, &key, p, deactivated, deleted);
	iam_access_key_wipe(&key);
	if (!rc)
		net_show_url(nr);
	return net_login_status(nr, rc);
}

/* A verified key: the plan's cleanup and ledger tags, then the state. */
static int keep_key(struct netrun *nr, const struct keyplan *p, const bool *deactivated,
                    struct untag_batch *deleted)
{
	struct run *r = nr->r;
	const struct iam_key_meta *km = key_actions_find(nr, p->ours);
	struct tag_batch b = {0};
	struct aws_result tres = {PAI_OK, {0}}, ures = {PAI_OK, {0}};

	ledger_tags(nr, p, deactivated, true, &b);
	if (b.n)
		iam_tag_user(nr->c, r->iam_name, b.t, b.n, &tres);
	if (deleted->n)
		iam_untag_user(nr->c, r->iam_name, deleted->k, deleted->n, &ures);
	aws_client_flush(nr->c);
	if (tres.status)
		nr->status = net_fail("TagUser (key ledger)", tres.status, &tres.error);
	net_finish_url(nr);
	nr->key_in_place = true;
	net_record(nr, p->ours, key_actions_created(nr, km));
	delivery_ensure(nr);
	prov_audit(r, "key-verified", p->ours);
	net_show_url(nr);
	return net_login_status(nr, 0);
}

/* Asks for the plan; true (with *rc) when the run ends there: --dry-run printed it, or the
 * profile holds a key this host cannot prove it wrote. */
static bool plan_or_stop(struct netrun *nr, enum keyplan_action a, struct keyplan *p, int *rc)
{
	const struct run *r = nr->r;

	key_actions_plan(nr, a, p);
	*rc = PAI_EXIT_OK;
	if (r->o->dry_run) {
		if (!r->o->quiet)
			keyplan_print(p, stdout);
		return true;
	}
	if (p->verdict == KEYPLAN_CONFLICT) {
		*rc = key_actions_conflict(nr, p);
		return true;
	}
	return false;
}

/* The existing user's keys against this host's view: verify, create, replace or refuse. */
int key_actions_login(struct netrun *nr, enum keyplan_action a)
{
	struct run *r = nr->r;
	bool deactivated[KEYPLAN_MAX_KEYS] = {false};
	struct untag_batch deleted = {{0}, 0};
	struct keyplan p;
	bool creating;
	int rc;

	if (plan_or_stop(nr, a, &p, &rc))
		return rc;
	creating = p.verdict == KEYPLAN_CREATE || p.verdict == KEYPLAN_REPLACE;
	rc = first_round(nr, &p, creating, deactivated, &deleted);
	if (rc)
		return rc;
	if (p.verdict == KEYPLAN_REFUSE)
		return prov_fail(PAI_EXIT_REFUSED, "IAM user %s %s", r->iam_name, p.why);
	if (p.verdict == KEYPLAN_VERIFY)
		return keep_key(nr, &p, deactivated, &deleted);
	return create_key(nr, &p, deactivated, &deleted);
}

int key_actions_revoke(struct netrun *nr)
{
	struct run *r = nr->r;
	bool deactivated[KEYPLAN_MAX_KEYS] = {false};
	struct untag_batch deleted = {{0}, 0};
	struct keyplan p;
	char err[512] = "";
	int rc, src;

	if (plan_or_stop(nr, KEYPLAN_REVOKE, &p, &rc)) {
		if (r->o->dry_run)
			delivery_revoke_sessions(nr);
		return rc;
	}
	rc = first_round(nr, &p, false, deactivated, &deleted);
	if (deleted.n && iam_untag_user(nr->c, r->iam_name, deleted.k, deleted.n, NULL))
		net_call_fail(nr, "UntagUser", PAI_ERR_AWS); /* harmless: pruned next time */
	/* the key is gone, so no session can be newer than now: end those it gave */
	src = delivery_revoke_sessions(nr);
	if (rc || nr->status)
		return rc ? rc : nr->status;
	if (p.verdict == KEYPLAN_NOTHING) {
		if (r->cfg.deliver == PAI_DELIVER_PROCESS &&
		    delivery_remove(nr, "", err, sizeof(err)))
			return prov_fail(PAI_EXIT_FILE, "%s", err);
		prov_say(r, "this host holds no key of IAM user %s: nothing to revoke",
		         r->iam_name);
		return src;
	}
	if (delivery_remove(nr, p.ours, err, sizeof(err)))
		return prov_fail(PAI_EXIT_FILE, "%s", err);
	state_remove(r->sdir, r->login);
	prov_audit(r, "key-revoked", p.ours);
	prov_say(r, "AWS access key %s deleted and removed from profile '%s'%s", p.ours,
	         r->cfg.keys_profile,
	         r->cfg.deliver == PAI_DELIVER_PROCESS ? " (credential_process taken out)" : "");
	return src ? src : nr->status;
}

int key_actions_save_first(struct netrun *nr, struct iam_access_key *k)
{
	struct untag_batch deleted = {{0}, 0};
	struct keyplan none;

	memset(&none, 0, sizeof(none));
	none.verdict = KEYPLAN_CREATE;
	return save_new_key(nr, k, &none, NULL, &deleted);
}
