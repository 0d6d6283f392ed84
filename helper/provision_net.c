/* provision_net.c — the half of the helper's flow that calls AWS, built into pai-network.so
 * (with libcurl, OpenSSL, libxml2 and json-c) and entered through provision_net_run after
 * provision.c has found the person, read the config, checked the scope and taken the lock.
 *
 * What to do with the person's keys is keyplan.h's decision; this file reads what it needs
 * (GetUser, ListAccessKeys), asks it, and carries the plan out. Order of the work that
 * changes things (signals blocked throughout, so a caller's ^C cannot leave it half done;
 * kill -9 is covered by atomic writes, the ledger and the marks):
 *   [deactivate orphans, delete strays, set this host's mark] -> CreateAccessKey
 *   -> TagUser (ledger entry; the mark closed by naming the key) -> write ~/.aws/credentials
 *   -> write state -> DeleteAccessKey (the replaced key) -> UntagUser (its entry, stale tags).
 * A failed call never deletes anything that was working. */
#include "provision_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "admincreds.h"
#include "awsclient.h"
#include "buf.h"
#include "exit_status.h"
#include "iam.h"
#include "keyplan.h"
#include "template.h"

#define PASSWORD_LEN 24

/* ---- AWS errors ---- */

static int aws_fail(const char *call, pai_err e, const struct aws_error *ae)
{
	if (ae && ae->code[0])
		return prov_fail(prov_exit_for(e), "%s failed: %s: %s", call, ae->code,
		                 ae->message);
	return prov_fail(prov_exit_for(e), "%s failed: %s", call, pai_strerror(e));
}

static int sync_fail(const struct run *r, const char *call, pai_err e)
{
	return aws_fail(call, e, aws_client_last_error(r->c));
}

/* ---- AWS client and the account's sign-in URL ---- */

static int open_client(struct run *r)
{
	struct aws_creds creds = {0};
	struct admincreds_opts ao = {0};
	struct aws_client_opts co = {0};
	long left = (long)(prov_deadline_ms(r) - state_now_ms());
	char err[512] = "";
	pai_err e;

	if (left <= 0)
		return prov_fail(PAI_EXIT_AWS, "deadline passed before calling AWS");
	ao.credentials = r->cfg.credentials_instance ? ADMINCREDS_INSTANCE : r->cfg.credentials;
	ao.profile = r->cfg.profile;
	ao.imds_url = r->cfg.imds_endpoint[0] ? r->cfg.imds_endpoint : NULL;
	ao.timeout_ms = left < 2000 ? left : 2000;
	ao.strict = r->pv.privileged;
	e = admincreds_load(&ao, &creds, err, sizeof(err));
	if (e) {
		aws_creds_wipe(&creds);
		return prov_fail(e == PAI_ERR_NETWORK || e == PAI_ERR_TIMEOUT ? PAI_EXIT_AWS
		                                                              : PAI_EXIT_CONFIG,
		                 "admin credentials: %s", err[0] ? err : pai_strerror(e));
	}
	co.partition = config_partition_name(r->cfg.partition);
	co.iam_endpoint = r->cfg.endpoint[0] ? r->cfg.endpoint : NULL;
	co.sts_endpoint = r->cfg.sts_endpoint[0] ? r->cfg.sts_endpoint : NULL;
	co.connect_timeout_ms = (long)r->cfg.connect_timeout * 1000;
	co.deadline_ms = left;
	co.max_attempts = (int)r->cfg.max_attempts;
	e = aws_client_new(&r->c, &co, &creds);
	aws_creds_wipe(&creds);
	if (e)
		return prov_fail(prov_exit_for(e), "cannot set up the AWS client: %s",
		                 pai_strerror(e));
	return PAI_EXIT_OK;
}

/* Learns partition and account from the user's ARN and queues ListAccountAliases unless
 * the alias is cached (then alias_known). */
static int queue_alias(struct run *r)
{
	if (iam_arn_partition(r->u.arn, r->partition) || iam_arn_account(r->u.arn, r->account))
		return prov_fail(PAI_EXIT_AWS, "IAM user ARN %s holds no account ID", r->u.arn);
	r->alias_known = state_read_alias(r->sdir, r->account, r->now, r->alias) == PAI_OK;
	if (r->alias_known || !r->cfg.show_url)
		return PAI_EXIT_OK;
	r->alias_res.status = PAI_ERR_INVALID; /* until flushed */
	if (iam_list_account_aliases(r->c, r->alias, &r->alias_res))
		r->alias[0] = '\0';
	return PAI_EXIT_OK;
}

/* After the flush: caches the alias; builds the URL (account form when the alias is
 * unknown: ListAccountAliases may well be denied, which costs nothing but the alias). */
static void finish_url(struct run *r)
{
	if (!r->alias_known && r->alias_res.status == PAI_OK) {
		r->alias_known = true;
		state_write_alias(r->sdir, r->account, r->alias, r->now);
	}
	if (!r->alias_known)
		r->alias[0] = '\0';
	if (signin_url(r->partition, r->account, r->alias, r->url, sizeof(r->url)))
		r->url[0] = '\0';
}

static void show_url(const struct run *r)
{
	if (r->cfg.show_url && r->url[0])
		prov_say(r, "AWS console: %s", r->url);
}

/* ---- state ---- */

static void record(struct run *r, const char *key_id, time_t created)
{
	struct user_state st = {0};

	snprintf(st.login, sizeof(st.login), "%.64s", r->login);
	snprintf(st.iam_user, sizeof(st.iam_user), "%s", r->iam_name);
	snprintf(st.arn, sizeof(st.arn), "%s", r->u.arn);
	snprintf(st.account, sizeof(st.account), "%s", r->account);
	snprintf(st.host, sizeof(st.host), "%s", r->host.id);
	snprintf(st.profile, sizeof(st.profile), "%s", r->cfg.keys_profile);
	snprintf(st.key_id, sizeof(st.key_id), "%s", key_id);
	st.key_created = created;
	st.verified_at = r->now;
	snprintf(st.url, sizeof(st.url), "%s", r->url);
	st.setup_pending = r->setup_pending;
	if (state_write(r->sdir, &st))
		r->status = prov_fail(PAI_EXIT_FILE, "cannot write state for %s in %s", r->login,
		                      r->cfg.state_dir);
}

/* The exit status of a login: what stopped it, else its last warning, which is
 * PAI_EXIT_WARNING once the key is in place (the person has a working key either way). */
static int login_status(const struct run *r, int rc)
{
	if (rc)
		return rc;
	return r->status && r->key_in_place ? PAI_EXIT_WARNING : r->status;
}

/* ---- keys: what IAM says, and the plan ---- */

static const struct iam_key_meta *find_key(const struct run *r, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < r->keys.n; i++)
		if (!strcmp(r->keys.keys[i].id, id))
			return &r->keys.keys[i];
	return NULL;
}

static time_t key_created(const struct run *r, const struct iam_key_meta *k)
{
	const struct ledger_entry *le;
	time_t t;

	/* IAM's CreateDate is the truth; the ledger's time only when IAM's is unreadable */
	if (ledger_parse_time(k->create_date, &t) == PAI_OK)
		return t;
	le = ledger_find(&r->ledger, k->id);
	return le ? le->created : r->now;
}

/* Asks keyplan.h what to do, from what this run has read. */
static void make_plan(const struct run *r, enum keyplan_action a, struct keyplan *p)
{
	struct keyplan_key keys[KEYPLAN_MAX_KEYS] = {{{0}, false, 0}};
	struct keyplan_in in = {0};
	size_t i;

	for (i = 0; i < r->keys.n && i < KEYPLAN_MAX_KEYS; i++) {
		snprintf(keys[i].id, sizeof(keys[i].id), "%s", r->keys.keys[i].id);
		keys[i].active = !strcmp(r->keys.keys[i].status, "Active");
		keys[i].created = key_created(r, &r->keys.keys[i]);
	}
	in.action = a;
	in.keys = keys;
	in.n_keys = i;
	in.ledger = &r->ledger;
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

static int conflict(struct run *r, const struct keyplan *p)
{
	prov_say(r, "~/.aws/credentials profile '%s' %s", r->cfg.keys_profile, p->why);
	prov_audit(r, "conflict-left-alone", r->profile_key);
	return PAI_EXIT_OK;
}

/* ---- keys: carrying the plan out ---- */

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
static void ledger_tags(struct run *r, const struct keyplan *p, const bool *deactivated,
                        bool verifying, struct tag_batch *b)
{
	const struct ledger_mark *m = ledger_mark_of(&r->ledger, r->host.id);
	const char *closed_by = NULL;
	size_t i;

	for (i = 0; deactivated && i < p->n_deactivate; i++) {
		const struct iam_key_meta *k = find_key(r, p->deactivate[i].key_id);

		if (!deactivated[i] || !k)
			continue;
		if (ledger_make_tag(k->id, &r->host, key_created(r, k), true, &b->t[b->n]) ==
		    PAI_OK)
			b->n++;
		if (!closed_by)
			closed_by = k->id;
	}
	if (p->record_ours && find_key(r, p->ours) &&
	    ledger_make_tag(p->ours, &r->host, key_created(r, find_key(r, p->ours)), false,
	                    &b->t[b->n]) == PAI_OK) {
		b->n++;
		if (!closed_by && p->close_mark)
			closed_by = p->ours;
	}
	if (verifying && closed_by && m && !m->closed_by[0] &&
	    ledger_make_mark(&r->host, m->at, closed_by, &b->t[b->n]) == PAI_OK)
		b->n++;
	if (r->owner_upgrade && ledger_owner_tag(r->login, &b->t[b->n]) == PAI_OK)
		b->n++;
}

/* The first round of a plan, one round trip: deactivate orphans, delete strays and the keys
 * whose slots a new key needs, remove stale tags, and (creating) set this host's mark.
 * deactivated[i] tells which deactivations worked; *deleted collects the entries of deleted
 * keys. A failure that stops a creation is returned; others become warnings. */
static int first_round(struct run *r, const struct keyplan *p, bool creating,
                       bool deactivated[KEYPLAN_MAX_KEYS], struct untag_batch *deleted)
{
	struct aws_result ures[KEYPLAN_MAX_KEYS], dres[KEYPLAN_MAX_KEYS], mres, tres;
	struct untag_batch stale = {{0}, 0};
	struct iam_tag mark;
	const char *own = NULL;
	size_t i;

	mres.status = tres.status = PAI_OK;
	if (creating) {
		if (ledger_make_mark(&r->host, r->now, NULL, &mark))
			return prov_fail(PAI_EXIT_INTERNAL, "cannot make this host's mark");
		own = mark.key; /* set now: not also removed in the same round */
		iam_tag_user(r->c, r->iam_name, &mark, 1, &mres);
	}
	for (i = 0; i < p->n_deactivate; i++)
		iam_update_access_key(r->c, r->iam_name, p->deactivate[i].key_id, "Inactive",
		                      &ures[i]);
	for (i = 0; i < p->n_delete_first; i++)
		iam_delete_access_key(r->c, r->iam_name, p->delete_first[i].key_id, &dres[i]);
	for (i = 0; i < p->n_untag; i++)
		untag_add(&stale, p->untag[i], own);
	/* closed marks cost a call of their own only when the run writes tags anyway */
	if (creating || stale.n || p->n_deactivate || p->n_delete_first || p->record_ours ||
	    r->owner_upgrade)
		for (i = 0; i < p->n_prune; i++)
			untag_add(&stale, p->prune[i], own);
	if (stale.n)
		iam_untag_user(r->c, r->iam_name, stale.k, stale.n, &tres);
	if (!creating && !p->n_deactivate && !p->n_delete_first && !stale.n)
		return PAI_EXIT_OK;
	aws_client_flush(r->c);
	for (i = 0; i < p->n_deactivate; i++) {
		deactivated[i] = ures[i].status == PAI_OK;
		if (deactivated[i])
			prov_audit(r, "orphan-deactivated", p->deactivate[i].key_id);
		else
			r->status = aws_fail("UpdateAccessKey (a lost reply's key)", ures[i].status,
			                     &ures[i].error);
	}
	for (i = 0; i < p->n_delete_first; i++) {
		const struct ledger_entry *le = ledger_find(&r->ledger, p->delete_first[i].key_id);

		if (dres[i].status) {
			int rc = aws_fail("DeleteAccessKey", dres[i].status, &dres[i].error);

			if (creating)
				return rc; /* its slot was needed */
			r->status = rc;
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
		return aws_fail("TagUser (this host's mark)", mres.status, &mres.error);
	return PAI_EXIT_OK;
}

/* Deletes keys (queued together), then removes the listed tags and the entries of the keys
 * deleted. Failures are reported and leave the keys and their entries in place. */
static void delete_keys(struct run *r, const struct keyplan_step *steps, size_t n,
                        struct untag_batch *tags)
{
	struct aws_result res[KEYPLAN_MAX_KEYS];
	size_t i;

	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++)
		iam_delete_access_key(r->c, r->iam_name, steps[i].key_id, &res[i]);
	if (n)
		aws_client_flush(r->c);
	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++) {
		const struct ledger_entry *le = ledger_find(&r->ledger, steps[i].key_id);

		if (res[i].status) {
			r->status = aws_fail("DeleteAccessKey", res[i].status, &res[i].error);
			continue; /* keep its entry: the key may still exist */
		}
		prov_audit(r, "key-deleted", steps[i].key_id);
		if (le)
			untag_add(tags, le->tag_key, NULL);
	}
	if (tags->n && iam_untag_user(r->c, r->iam_name, tags->k, tags->n, NULL))
		sync_fail(r, "UntagUser", PAI_ERR_AWS); /* harmless: pruned next time */
}

/* Writes a random password meeting IAM's default policy (upper, lower, digit, symbol). */
static pai_err make_password(char *out, size_t len)
{
	static const char set[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
	                          "!@#$%^&*()-_=+[]{}";
	unsigned char rnd[64];
	int tries;
	size_t i, n;

	if (len < PASSWORD_LEN + 1)
		return PAI_ERR_INVALID;
	for (tries = 0; tries < 100; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			return PAI_ERR_CRYPTO;
		for (i = 0, n = 0; i < sizeof(rnd) && n < PASSWORD_LEN; i++)
			if (rnd[i] < 256 - 256 % (sizeof(set) - 1))
				out[n++] = set[rnd[i] % (sizeof(set) - 1)];
		out[n] = '\0';
		secret_wipe(rnd, sizeof(rnd));
		if (n == PASSWORD_LEN && strpbrk(out, "ABCDEFGHJKLMNPQRSTUVWXYZ") &&
		    strpbrk(out, "abcdefghijkmnopqrstuvwxyz") && strpbrk(out, "23456789") &&
		    strpbrk(out, "!@#$%^&*()-_=+[]{}"))
			return PAI_OK;
	}
	secret_wipe(out, len);
	return PAI_ERR_CRYPTO;
}

/* Polls STS with the new key until it works or wait_until_usable (and the deadline) ends. */
static void wait_usable(struct run *r, const struct iam_access_key *k)
{
	struct aws_creds nc = {(char *)k->id, (char *)k->secret, NULL, NULL};
	struct aws_client_opts co = {0};
	struct aws_client *c2 = NULL;
	struct sts_identity id;
	long long until = state_now_ms() + (long long)r->cfg.wait_until_usable * 1000;
	long left;

	if (until > prov_deadline_ms(r))
		until = prov_deadline_ms(r);
	left = (long)(until - state_now_ms());
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
	while (state_now_ms() < until) {
		struct timespec ts = {0, 500 * 1000000L};

		if (sts_get_caller_identity(c2, &id, NULL) == PAI_OK)
			break;
		nanosleep(&ts, NULL);
	}
	aws_client_free(c2);
}

/* The new key exists: its entry (closing this host's mark, with any other ledger tags of
 * the plan), the file, the state, then the keys it replaces. */
static int save_new_key(struct run *r, struct iam_access_key *k, const struct keyplan *p,
                        const bool *deactivated, struct untag_batch *deleted)
{
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
	ledger_tags(r, p, deactivated, false, &b);
	if (iam_tag_user(r->c, r->iam_name, b.t, b.n, NULL))
		r->status = sync_fail(r, "TagUser (key ledger)", PAI_ERR_AWS);
	e = profile_write_key(&r->hf, k->id, k->secret, r->cfg.region, err, sizeof(err));
	if (e) {
		/* the secret is gone with us: the new key is useless, take it back */
		struct keyplan_step s = {{0}, KEYPLAN_WHY_REPLACED};
		struct untag_batch t = {{0}, 0};

		prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
		snprintf(s.key_id, sizeof(s.key_id), "%s", k->id);
		untag_add(&t, b.t[0].key, NULL);
		delete_keys(r, &s, 1, &t);
		return PAI_EXIT_FILE;
	}
	r->key_in_place = true;
	prov_audit(r, "key-written", k->id);
	prov_say(r,
	         "AWS access key %s written to profile '%s' in ~/.aws/credentials (new keys "
	         "take a few seconds to work)",
	         k->id, r->cfg.keys_profile);
	record(r, k->id, created);
	if (p->n_delete_after || deleted->n)
		delete_keys(r, p->delete_after, p->n_delete_after, deleted);
	if (r->cfg.wait_until_usable)
		wait_usable(r, k);
	return PAI_EXIT_OK;
}

/* CreateAccessKey under this host's mark (set in the first round), then save_new_key. */
static int create_key(struct run *r, const struct keyplan *p, const bool *deactivated,
                      struct untag_batch *deleted)
{
	struct iam_access_key key = {0};
	struct aws_result kres;
	int rc;

	iam_create_access_key(r->c, r->iam_name, &key, &kres);
	aws_client_flush(r->c);
	finish_url(r);
	if (kres.status) {
		rc = aws_fail("CreateAccessKey", kres.status, &kres.error);
		if (kres.error.code[0]) {
			/* a definite refusal: the mark announces nothing */
			struct iam_tag mark;

			if (ledger_make_mark(&r->host, r->now, NULL, &mark) == PAI_OK) {
				const char *k[1] = {mark.key};

				iam_untag_user(r->c, r->iam_name, k, 1, NULL);
			}
		}
		return rc;
	}
	prov_audit(r, p->verdict == KEYPLAN_REPLACE ? "key-rotated" : "key-created", key.id);
	rc = save_new_key(r, &key, p, deactivated, deleted);
	iam_access_key_wipe(&key);
	if (!rc)
		show_url(r);
	return login_status(r, rc);
}

/* A verified key: the plan's cleanup and ledger tags, then the state. */
static int keep_key(struct run *r, const struct keyplan *p, const bool *deactivated,
                    struct untag_batch *deleted)
{
	const struct iam_key_meta *km = find_key(r, p->ours);
	struct tag_batch b = {0};
	struct aws_result tres = {PAI_OK, {0}}, ures = {PAI_OK, {0}};

	ledger_tags(r, p, deactivated, true, &b);
	if (b.n)
		iam_tag_user(r->c, r->iam_name, b.t, b.n, &tres);
	if (deleted->n)
		iam_untag_user(r->c, r->iam_name, deleted->k, deleted->n, &ures);
	aws_client_flush(r->c);
	if (tres.status)
		r->status = aws_fail("TagUser (key ledger)", tres.status, &tres.error);
	finish_url(r);
	r->key_in_place = true;
	record(r, p->ours, key_created(r, km));
	prov_audit(r, "key-verified", p->ours);
	show_url(r);
	return login_status(r, 0);
}

/* The existing user's keys against this host's view: verify, create, replace or refuse. */
static int existing_user(struct run *r, enum keyplan_action a)
{
	bool deactivated[KEYPLAN_MAX_KEYS] = {false};
	struct untag_batch deleted = {{0}, 0};
	struct keyplan p;
	bool creating;
	int rc;

	make_plan(r, a, &p);
	if (r->o->dry_run) {
		if (!r->o->quiet)
			keyplan_print(&p, stdout);
		return PAI_EXIT_OK;
	}
	if (p.verdict == KEYPLAN_CONFLICT)
		return conflict(r, &p);
	creating = p.verdict == KEYPLAN_CREATE || p.verdict == KEYPLAN_REPLACE;
	rc = first_round(r, &p, creating, deactivated, &deleted);
	if (rc)
		return rc;
	if (p.verdict == KEYPLAN_REFUSE)
		return prov_fail(PAI_EXIT_REFUSED, "IAM user %s %s", r->iam_name, p.why);
	if (p.verdict == KEYPLAN_VERIFY)
		return keep_key(r, &p, deactivated, &deleted);
	return create_key(r, &p, deactivated, &deleted);
}

/* ---- the IAM user ---- */

static int build_tags(struct run *r, struct iam_tag *tags, size_t *n)
{
	struct template_vars v = {r->login, r->host.name};
	char err[256] = "";
	size_t i;

	*n = 0;
	for (i = 0; i < r->cfg.n_tags && i < PAI_CONF_MAX_TAGS; i++) {
		snprintf(tags[*n].key, sizeof(tags[*n].key), "%s", r->cfg.tags[i].key);
		if (template_tag_value(r->cfg.tags[i].value, &v, tags[*n].value,
		                       sizeof(tags[*n].value), err, sizeof(err)))
			return prov_fail(PAI_EXIT_CONFIG, "tag %s: %s", r->cfg.tags[i].key, err);
		(*n)++;
	}
	if (ledger_owner_tag(r->login, &tags[(*n)++]))
		return prov_fail(PAI_EXIT_REFUSED, "login %s does not fit in a tag value",
		                 r->login);
	/* the new user's first CreateAccessKey is marked like every other (first_round) */
	if (ledger_make_mark(&r->host, r->now, NULL, &tags[*n]) == PAI_OK)
		(*n)++;
	return PAI_EXIT_OK;
}

static void plan(const struct run *r, const char *call, const char *arg)
{
	if (!r->o->quiet)
		printf("dry-run: would call %s %s\n", call, arg ? arg : "");
}

/* ---- the user's groups and policies ---- */

/* AddUserToGroup and AttachUserPolicy for everything the config names, queued. Both are
 * idempotent in IAM, so a retry may repeat the ones that worked. */
struct setup_calls {
	struct aws_result g[PAI_CONF_MAX_GROUPS], p[PAI_CONF_MAX_POLICIES];
};

static void queue_setup(struct run *r, struct setup_calls *s)
{
	size_t i;

	for (i = 0; i < r->cfg.n_user_groups; i++)
		iam_add_user_to_group(r->c, r->iam_name, r->cfg.user_groups[i], &s->g[i]);
	for (i = 0; i < r->cfg.n_policies; i++)
		iam_attach_user_policy(r->c, r->iam_name, r->cfg.policies[i], &s->p[i]);
}

static int setup_fail(const char *call, const struct aws_result *res)
{
	if (res->error.code[0])
		return prov_fail(prov_exit_for(res->status),
		                 "%s failed: %s: %s (the next login tries again)", call,
		                 res->error.code, res->error.message);
	return prov_fail(prov_exit_for(res->status), "%s failed: %s (the next login tries again)",
	                 call, pai_strerror(res->status));
}

/* After the flush: each failure is one line and the exit status; setup stays pending in
 * state until a login gets them all through. */
static void check_setup(struct run *r, const struct setup_calls *s)
{
	size_t i;

	r->setup_pending = false;
	for (i = 0; i < r->cfg.n_user_groups; i++)
		if (s->g[i].status) {
			r->status = setup_fail("AddUserToGroup", &s->g[i]);
			r->setup_pending = true;
		}
	for (i = 0; i < r->cfg.n_policies; i++)
		if (s->p[i].status) {
			r->status = setup_fail("AttachUserPolicy", &s->p[i]);
			r->setup_pending = true;
		}
}

static void plan_setup(const struct run *r)
{
	size_t i;

	for (i = 0; i < r->cfg.n_user_groups; i++)
		plan(r, "AddUserToGroup", r->cfg.user_groups[i]);
	for (i = 0; i < r->cfg.n_policies; i++)
		plan(r, "AttachUserPolicy", r->cfg.policies[i]);
}

/* After CreateLoginProfile: the password file goes only when IAM definitely did not take
 * this password; a lost reply may have set it, and then the file is all anyone has. */
static void check_password(struct run *r, const struct aws_result *lres)
{
	if (!lres->status) {
		prov_audit(r, "console-password-set", NULL);
		return;
	}
	if (lres->error.code[0]) {
		profile_remove_password(&r->hf);
		r->status = aws_fail("CreateLoginProfile", lres->status, &lres->error);
		return;
	}
	r->status = prov_fail(prov_exit_for(lres->status),
	                      "CreateLoginProfile: no reply (%s); the console password may be set: "
	                      "~/.aws/" PROFILE_INITIAL_PASSWORD_FILE " is kept",
	                      pai_strerror(lres->status));
}

/* ---- a login ---- */

static int new_user(struct run *r)
{
	struct iam_tag tags[IAM_MAX_TAGS];
	struct setup_calls setup;
	struct aws_result kres;
	struct aws_result lres = {PAI_ERR_INVALID, {0}};
	struct iam_access_key key = {0};
	struct keyplan none;
	struct untag_batch deleted = {{0}, 0};
	char password[PASSWORD_LEN + 1] = "";
	char err[512] = "";
	bool with_password = false;
	size_t n_tags;
	int rc;

	if (!r->cfg.create)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s does not exist and [user] create = no", r->iam_name);
	make_plan(r, KEYPLAN_LOGIN, &none); /* no user: only the profile can object */
	if (none.verdict == KEYPLAN_CONFLICT)
		return conflict(r, &none);
	if (r->o->dry_run) {
		plan(r, "CreateUser", r->iam_name);
		plan_setup(r);
		if (r->cfg.password == PAI_PASSWORD_INITIAL)
			plan(r, "CreateLoginProfile", r->iam_name);
		plan(r, "CreateAccessKey", r->iam_name);
		plan(r, "TagUser", "(key ledger)");
		return PAI_EXIT_OK;
	}
	rc = build_tags(r, tags, &n_tags);
	if (rc)
		return rc;
	if (iam_create_user(r->c, r->iam_name, r->cfg.path,
	                    r->cfg.permissions_boundary[0] ? r->cfg.permissions_boundary : NULL,
	                    tags, n_tags, &r->u, NULL))
		return sync_fail(r, "CreateUser", PAI_ERR_AWS);
	prov_audit(r, "user-created", NULL);
	rc = queue_alias(r);
	if (rc)
		return rc;
	queue_setup(r, &setup);
	if (r->cfg.password == PAI_PASSWORD_INITIAL &&
	    make_password(password, sizeof(password)) == PAI_OK &&
	    profile_write_password(&r->hf, password, err, sizeof(err)) == PAI_OK) {
		with_password = true;
		iam_create_login_profile(r->c, r->iam_name, password, true, &lres);
	} else if (r->cfg.password == PAI_PASSWORD_INITIAL) {
		r->status = prov_fail(PAI_EXIT_FILE, "no initial console password: %s", err);
	}
	iam_create_access_key(r->c, r->iam_name, &key, &kres);
	aws_client_flush(r->c);
	secret_wipe(password, sizeof(password));
	finish_url(r);
	check_setup(r, &setup);
	if (with_password)
		check_password(r, &lres);
	if (kres.status) {
		rc = aws_fail("CreateAccessKey", kres.status, &kres.error);
		goto out;
	}
	prov_audit(r, "key-created", key.id);
	none.verdict = KEYPLAN_CREATE;
	rc = save_new_key(r, &key, &none, NULL, &deleted);
	if (!rc)
		show_url(r);
out:
	iam_access_key_wipe(&key);
	return login_status(r, rc);
}

/* The user IAM returned must be this login's: its exact name (IAM names ignore case, so
 * GetUser rt-Alice answers with rt-alice), and an ownership tag naming this login. */
static int check_owner(struct run *r)
{
	struct iam_tag owner;

	if (strcmp(r->u.name, r->iam_name) != 0)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s exists as %s (IAM user names ignore case): not %s's; "
		                 "nothing done",
		                 r->iam_name, r->u.name, r->login);
	switch (ledger_owner_of(&r->ledger, r->login)) {
	case LEDGER_OWNER_THIS: return PAI_EXIT_OK;
	case LEDGER_OWNER_LEGACY_TAG: r->owner_upgrade = true; return PAI_EXIT_OK;
	case LEDGER_OWNER_OTHER:
		return prov_fail(
		    PAI_EXIT_REFUSED,
		    "IAM user %s belongs to login %s (tag %s), not to %s; nothing done",
		    r->iam_name, r->ledger.owner, LEDGER_OWNER_KEY, r->login);
	case LEDGER_OWNER_NONE: break;
	}
	if (!r->cfg.adopt_existing)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s exists but is not managed by " PROG
		                 " (no %s tag); nothing done (see adopt_existing)",
		                 r->iam_name, LEDGER_OWNER_KEY);
	if (r->o->dry_run) {
		plan(r, "TagUser", "(adopt: ownership tag)");
		return PAI_EXIT_OK;
	}
	if (ledger_owner_tag(r->login, &owner) || iam_tag_user(r->c, r->iam_name, &owner, 1, NULL))
		return sync_fail(r, "TagUser (adopt)", PAI_ERR_AWS);
	prov_audit(r, "user-adopted", NULL);
	return PAI_EXIT_OK;
}

static int get_user(struct run *r, bool *missing)
{
	pai_err e = iam_get_user(r->c, r->iam_name, &r->u, NULL);

	*missing = e == PAI_ERR_NOT_FOUND;
	if (e && !*missing)
		return sync_fail(r, "GetUser", e);
	if (!e)
		ledger_read(r->u.tags, r->u.n_tags, &r->ledger);
	return PAI_EXIT_OK;
}

static int list_keys(struct run *r)
{
	pai_err e = iam_list_access_keys(r->c, r->iam_name, &r->keys, NULL);

	return e ? sync_fail(r, "ListAccessKeys", e) : PAI_EXIT_OK;
}

/* Whether an existing user's groups and policies must be applied (again): an earlier login
 * of this host recorded a failure, or the user holds no key and no ledger entry at all (a
 * first login that ended after CreateUser, say at its deadline, recorded nothing). */
static bool setup_needed(const struct run *r)
{
	if (r->cfg.n_user_groups + r->cfg.n_policies == 0)
		return false;
	if (prov_state_is_ours(r) && r->st.setup_pending)
		return true;
	return r->keys.n == 0 && r->ledger.n == 0;
}

/* Applies them, with whatever is queued (the alias call): one round trip, only when
 * setup_needed. */
static void retry_setup(struct run *r)
{
	struct setup_calls setup;

	if (r->o->dry_run) {
		plan_setup(r);
		return;
	}
	queue_setup(r, &setup);
	aws_client_flush(r->c);
	check_setup(r, &setup);
	if (!r->setup_pending)
		prov_audit(r, "setup-completed", NULL);
}

/* GetUser, then the ownership checks; *missing when there is no such user. */
static int managed_user(struct run *r, bool *missing)
{
	int rc = get_user(r, missing);

	if (rc || *missing)
		return rc;
	return check_owner(r);
}

static int do_login(struct run *r)
{
	bool missing;
	int rc;

	rc = managed_user(r, &missing);
	if (rc)
		return rc;
	if (missing)
		return new_user(r);
	rc = queue_alias(r);
	if (!rc)
		rc = list_keys(r);
	if (!rc && setup_needed(r)) {
		r->setup_pending = true;
		retry_setup(r);
	}
	if (!rc)
		rc = existing_user(r, r->o->action == PROV_ROTATE ? KEYPLAN_ROTATE : KEYPLAN_LOGIN);
	return rc;
}

static int do_revoke(struct run *r)
{
	bool deactivated[KEYPLAN_MAX_KEYS] = {false};
	struct untag_batch deleted = {{0}, 0};
	struct keyplan p;
	char err[512] = "";
	bool missing;
	int rc;

	rc = managed_user(r, &missing);
	if (rc)
		return rc;
	if (missing) {
		state_remove(r->sdir, r->login);
		prov_say(r, "IAM user %s does not exist: nothing to revoke", r->iam_name);
		return PAI_EXIT_OK;
	}
	rc = list_keys(r);
	if (rc)
		return rc;
	make_plan(r, KEYPLAN_REVOKE, &p);
	if (r->o->dry_run) {
		if (!r->o->quiet)
			keyplan_print(&p, stdout);
		return PAI_EXIT_OK;
	}
	if (p.verdict == KEYPLAN_CONFLICT)
		return conflict(r, &p);
	rc = first_round(r, &p, false, deactivated, &deleted);
	if (deleted.n && iam_untag_user(r->c, r->iam_name, deleted.k, deleted.n, NULL))
		sync_fail(r, "UntagUser", PAI_ERR_AWS); /* harmless: pruned next time */
	if (rc || r->status)
		return rc ? rc : r->status;
	if (p.verdict == KEYPLAN_NOTHING) {
		prov_say(r, "this host holds no key of IAM user %s: nothing to revoke",
		         r->iam_name);
		return PAI_EXIT_OK;
	}
	if (profile_remove_key(&r->hf, p.ours, err, sizeof(err)))
		return prov_fail(PAI_EXIT_FILE, "%s", err);
	state_remove(r->sdir, r->login);
	prov_audit(r, "key-revoked", p.ours);
	prov_say(r, "AWS access key %s deleted and removed from profile '%s'", p.ours,
	         r->cfg.keys_profile);
	return r->status;
}

static int do_status(struct run *r)
{
	struct iam_key_last_used lu = {0};
	struct aws_result lres = {0};
	const struct iam_key_meta *km;
	struct keyplan p;
	bool missing;
	size_t i;
	int rc;

	rc = managed_user(r, &missing);
	if (rc)
		return rc;
	if (missing) {
		prov_say(r, "IAM user %s: does not exist yet", r->iam_name);
		return PAI_EXIT_OK;
	}
	rc = queue_alias(r);
	if (!rc)
		rc = list_keys(r);
	if (rc)
		return rc;
	make_plan(r, KEYPLAN_LOGIN, &p);
	km = find_key(r, p.ours);
	lres.status = PAI_ERR_INVALID;
	if (km)
		iam_get_access_key_last_used(r->c, p.ours, &lu, &lres);
	aws_client_flush(r->c);
	finish_url(r);
	prov_say(r, "IAM user: %s (%s)", r->iam_name, r->u.arn);
	if (km)
		prov_say(r, "this host (%s): key %s, %s, %lld days old, last used %s", r->host.name,
		         p.ours, km->status, (long long)((r->now - key_created(r, km)) / DAY),
		         lres.status            ? "unknown"
		         : lu.last_used_date[0] ? lu.last_used_date
		                                : "never");
	else
		prov_say(r, "this host (%s): no key", r->host.name);
	if (p.verdict == KEYPLAN_CONFLICT)
		prov_say(r, "~/.aws/credentials profile '%s' %s", r->cfg.keys_profile, p.why);
	for (i = 0; i < r->keys.n; i++) {
		const struct iam_key_meta *k = &r->keys.keys[i];
		const struct ledger_entry *le = ledger_find(&r->ledger, k->id);

		if (k == km)
			continue;
		if (le && le->orphan)
			prov_say(
			    r,
			    "other key: %s, %s, made by host %s but its CreateAccessKey reply was "
			    "lost (nobody holds its secret): deleted when its slot is needed or "
			    "%d days after it was made",
			    k->id, k->status, le->host_name, KEYPLAN_ORPHAN_GRACE / DAY);
		else if (keyplan_deletes(&p, k->id) || (p.n_deactivate && !le))
			prov_say(
			    r,
			    "other key: %s, %s, host %s: the next login of this host cleans it up",
			    k->id, k->status, le ? le->host_name : "this (a lost reply)");
		else
			prov_say(r, "other key: %s, %s, %s%s", k->id, k->status, le ? "host " : "",
			         le ? le->host_name : "not made by " PROG);
	}
	show_url(r);
	return PAI_EXIT_OK;
}

/* ---- the entry point (the only symbol pai-network.so exports) ---- */

int provision_net_run(struct run *r, size_t run_size, const char *version)
{
	sigset_t saved;
	int rc;

	if (run_size != sizeof(*r) || !version || strcmp(version, PAI_VERSION) != 0)
		return prov_fail(PAI_EXIT_INTERNAL,
		                 "pai-network.so is from another build (version %s); reinstall",
		                 PAI_VERSION);
	rc = open_client(r);
	if (rc)
		goto out;
	privs_block_signals(&saved);
	switch (r->o->action) {
	case PROV_STATUS: rc = do_status(r); break;
	case PROV_REVOKE: rc = do_revoke(r); break;
	default: rc = do_login(r); break;
	}
	privs_restore_signals(&saved);
out:
	if (r->c)
		aws_client_free(r->c);
	r->c = NULL;
	return rc;
}
