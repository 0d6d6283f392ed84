/* provision_net.c — the half of the helper's flow that calls AWS, built into pai-network.so
 * (with libcurl, OpenSSL, libxml2 and json-c) and entered through provision_net_run after
 * provision.c has found the person, read the config, checked the scope and taken the lock.
 *
 * Order of the work that changes things (signals blocked throughout, so a caller's ^C cannot
 * leave it half done; kill -9 is covered by atomic writes and the ledger):
 *   CreateAccessKey -> TagUser (ledger) -> write ~/.aws/credentials -> write state
 *   -> DeleteAccessKey (the replaced key) -> UntagUser (its ledger tag, stale tags).
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
#include "template.h"

#define PASSWORD_LEN 24
#define MAX_UNTAG    (IAM_MAX_TAGS + 1)

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

/* The key this host holds for this login: the state's, else (state lost after the file
 * was written) the profile's when the ledger says this host made it. "" when none. */
static const char *our_key(const struct run *r)
{
	if (r->have_state && !strcmp(r->st.host, r->host) && !strcmp(r->st.iam_user, r->iam_name))
		return r->st.key_id;
	if (r->profile_key[0]) {
		const struct ledger_entry *le = ledger_find(&r->ledger, r->profile_key);
		if (le && !strcmp(le->host, r->host))
			return le->key_id;
	}
	return "";
}

static int conflict(struct run *r)
{
	prov_say(r,
	         "~/.aws/credentials profile '%s' holds key %s that " PROG " did not write: "
	         "left unchanged",
	         r->cfg.keys_profile, r->profile_key);
	prov_audit(r, "conflict-left-alone", r->profile_key);
	return PAI_EXIT_OK;
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
	snprintf(st.host, sizeof(st.host), "%s", r->host);
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

/* ---- keys ---- */

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

/* The keys as a person reads them: "AKIA... (host bastion1, 2026-01-02)". */
static void describe_keys(const struct run *r, char *out, size_t len)
{
	struct buf b;
	size_t i;

	buf_init(&b, len - 1);
	for (i = 0; i < r->keys.n; i++) {
		const struct ledger_entry *le = ledger_find(&r->ledger, r->keys.keys[i].id);

		if (le)
			buf_appendf(&b, "%s%s on host %s", i ? ", " : "", r->keys.keys[i].id,
			            le->host);
		else
			buf_appendf(&b, "%s%s not made by " PROG, i ? ", " : "",
			            r->keys.keys[i].id);
	}
	snprintf(out, len, "%s", b.data ? b.data : "none");
	buf_free(&b);
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

/* Deletes keys (queued together), then removes the listed ledger tags. Failures are
 * reported and leave the keys and tags in place. */
static void delete_keys(struct run *r, const char *const *ids, size_t n_ids,
                        const char *const *tags, size_t n_tags)
{
	struct aws_result res[IAM_MAX_KEYS];
	size_t i;

	for (i = 0; i < n_ids && i < IAM_MAX_KEYS; i++)
		iam_delete_access_key(r->c, r->iam_name, ids[i], &res[i]);
	if (n_ids)
		aws_client_flush(r->c);
	for (i = 0; i < n_ids && i < IAM_MAX_KEYS; i++) {
		if (res[i].status) {
			r->status = aws_fail("DeleteAccessKey", res[i].status, &res[i].error);
			return; /* keep the ledger tags of keys that may still exist */
		}
		prov_audit(r, "key-deleted", ids[i]);
	}
	if (n_tags && iam_untag_user(r->c, r->iam_name, tags, n_tags, NULL))
		sync_fail(r, "UntagUser", PAI_ERR_AWS); /* harmless: pruned next time */
}

/* The new key is created (and its ledger tag queued or done): write, record, clean up. */
static int save_new_key(struct run *r, struct iam_access_key *k, const char *old_id,
                        const char *const *stale, size_t n_stale)
{
	const char *tags[MAX_UNTAG];
	struct iam_tag tag = {{0}, {0}};
	char old_tag[129];
	char err[512] = "";
	size_t n = 0, i;
	time_t created = r->now;
	pai_err e;

	if (ledger_make_tag(k->id, r->host, created, &tag) == PAI_OK &&
	    iam_tag_user(r->c, r->iam_name, &tag, 1, NULL))
		r->status = sync_fail(r, "TagUser (key ledger)", PAI_ERR_AWS);
	e = profile_write_key(&r->hf, k->id, k->secret, r->cfg.region, err, sizeof(err));
	if (e) {
		/* the secret is gone with us: the new key is useless, take it back */
		const char *nid[1] = {k->id};
		const char *ntag[1] = {tag.key};

		prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
		delete_keys(r, nid, 1, ntag, tag.key[0] ? 1 : 0);
		return PAI_EXIT_FILE;
	}
	r->key_in_place = true;
	prov_audit(r, "key-written", k->id);
	prov_say(r,
	         "AWS access key %s written to profile '%s' in ~/.aws/credentials (new keys "
	         "take a few seconds to work)",
	         k->id, r->cfg.keys_profile);
	record(r, k->id, created);
	for (i = 0; i < n_stale && n < MAX_UNTAG - 1; i++)
		tags[n++] = stale[i];
	if (old_id && old_id[0]) {
		const char *ids[1] = {old_id};

		snprintf(old_tag, sizeof(old_tag), "%s%s", LEDGER_KEY_PREFIX, old_id);
		if (ledger_find(&r->ledger, old_id))
			tags[n++] = old_tag;
		delete_keys(r, ids, 1, tags, n);
	} else if (n) {
		delete_keys(r, NULL, 0, tags, n);
	}
	if (r->cfg.wait_until_usable)
		wait_usable(r, k);
	return PAI_EXIT_OK;
}

/* ---- IAM user ---- */

static int build_tags(struct run *r, struct iam_tag *tags, size_t *n)
{
	struct template_vars v = {r->login, r->host};
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
	ledger_owner_tag(&tags[(*n)++]);
	/* the new user's first CreateAccessKey is marked like every other (existing_user) */
	if (ledger_make_pending_tag(r->host, r->now, &tags[*n]) == PAI_OK)
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

/* ---- a login ---- */

static int new_user(struct run *r)
{
	struct iam_tag tags[IAM_MAX_TAGS];
	struct setup_calls setup;
	struct aws_result kres;
	struct aws_result lres = {PAI_ERR_INVALID, {0}};
	struct iam_access_key key = {0};
	char password[PASSWORD_LEN + 1] = "";
	char err[512] = "";
	bool with_password = false;
	size_t n_tags;
	int rc;

	if (!r->cfg.create)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s does not exist and [user] create = no", r->iam_name);
	if (r->profile_key[0] && !(prov_state_is_ours(r) && !strcmp(r->profile_key, r->st.key_id)))
		return conflict(r);
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
	if (with_password && lres.status) {
		profile_remove_password(&r->hf);
		r->status = aws_fail("CreateLoginProfile", lres.status, &lres.error);
	} else if (with_password) {
		prov_audit(r, "console-password-set", NULL);
	}
	if (kres.status) {
		rc = aws_fail("CreateAccessKey", kres.status, &kres.error);
		goto out;
	}
	prov_audit(r, "key-created", key.id);
	rc = save_new_key(r, &key, NULL, NULL, 0);
	if (!rc)
		show_url(r);
out:
	iam_access_key_wipe(&key);
	return login_status(r, rc);
}

static int adopt_or_refuse(struct run *r)
{
	struct iam_tag owner;

	if (ledger_is_managed(r->u.tags, r->u.n_tags))
		return PAI_EXIT_OK;
	if (!r->cfg.adopt_existing)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s exists but is not managed by " PROG
		                 " (no %s tag); nothing done (see adopt_existing)",
		                 r->iam_name, LEDGER_OWNER_KEY);
	if (r->o->dry_run) {
		plan(r, "TagUser", "(adopt: ownership tag)");
		return PAI_EXIT_OK;
	}
	ledger_owner_tag(&owner);
	if (iam_tag_user(r->c, r->iam_name, &owner, 1, NULL))
		return sync_fail(r, "TagUser (adopt)", PAI_ERR_AWS);
	prov_audit(r, "user-adopted", NULL);
	return PAI_EXIT_OK;
}

/* True when t lies in the window of a pending mark set at mark (see ledger.h). */
static bool in_pending_window(const struct run *r, time_t t, time_t mark)
{
	return t >= mark - LEDGER_PENDING_SLACK &&
	       t <= mark + (time_t)r->cfg.deadline + LEDGER_PENDING_SLACK;
}

/* A key nobody recorded (no ledger tag, not the one in this host's profile) that this host
 * created just after its pending mark: its CreateAccessKey reply was lost, so no one has its
 * secret. Not when it also falls in another host's window: that may be their key, in flight. */
static bool our_orphan(const struct run *r, const struct iam_key_meta *k, const char *ours)
{
	time_t mark, t = key_created(r, k);
	size_t i, plen = strlen(LEDGER_PENDING_PREFIX);

	if (ledger_find(&r->ledger, k->id) || !strcmp(k->id, ours) ||
	    !ledger_pending_time(r->u.tags, r->u.n_tags, r->host, &mark) ||
	    !in_pending_window(r, t, mark))
		return false;
	for (i = 0; i < r->u.n_tags; i++) {
		const struct iam_tag *tg = &r->u.tags[i];

		if (strncmp(tg->key, LEDGER_PENDING_PREFIX, plen) != 0 ||
		    !strcmp(tg->key + plen, r->host))
			continue;
		if (ledger_parse_time(tg->value, &mark) != PAI_OK || in_pending_window(r, t, mark))
			return false;
	}
	return true;
}

/* The existing user's keys against this host's view: verify, rotate, create or refuse. */
static int existing_user(struct run *r, bool force_rotate)
{
	const char *ours = our_key(r);
	const struct iam_key_meta *km = find_key(r, ours);
	const char *del_first[IAM_MAX_KEYS], *stale[IAM_MAX_TAGS];
	struct aws_result dres[IAM_MAX_KEYS], kres, pres;
	struct iam_access_key key = {0};
	struct iam_tag pending;
	size_t n_del = 0, n_stale = 0, n_keys, i;
	const char *old_id = "";
	int rc;

	if (r->profile_key[0] && strcmp(r->profile_key, ours) != 0)
		return conflict(r);
	/* ledger tags of keys that no longer exist; keys of this host nobody here holds
	 * (left by an interrupted run: created, never written) */
	for (i = 0; i < r->ledger.n; i++) {
		const struct ledger_entry *le = &r->ledger.e[i];

		if (!find_key(r, le->key_id))
			stale[n_stale++] = le->tag_key;
		else if (!strcmp(le->host, r->host) && strcmp(le->key_id, ours) != 0 &&
		         n_del < IAM_MAX_KEYS)
			del_first[n_del++] = le->key_id;
	}
	/* keys behind this host's lost CreateAccessKey replies; other hosts' old marks */
	for (i = 0; i < r->keys.n && n_del < IAM_MAX_KEYS; i++)
		if (our_orphan(r, &r->keys.keys[i], ours))
			del_first[n_del++] = r->keys.keys[i].id;
	for (i = 0; i < r->u.n_tags && n_stale < IAM_MAX_TAGS; i++)
		if (ledger_pending_expired(&r->u.tags[i], r->now) &&
		    strcmp(r->u.tags[i].key + strlen(LEDGER_PENDING_PREFIX), r->host) != 0)
			stale[n_stale++] = r->u.tags[i].key;
	if (km && !strcmp(km->status, "Active") && !force_rotate && !strcmp(r->profile_key, ours) &&
	    r->now - key_created(r, km) < (time_t)r->cfg.max_age_days * DAY && n_del == 0) {
		/* verified: IAM still has it, active */
		if (!r->o->dry_run && !ledger_find(&r->ledger, ours)) {
			struct iam_tag tag;

			if (ledger_make_tag(ours, r->host, key_created(r, km), &tag) == PAI_OK)
				iam_tag_user(r->c, r->iam_name, &tag, 1, NULL);
		}
		if (r->o->dry_run) {
			if (!r->o->quiet)
				printf("dry-run: nothing to change: key %s verified\n", ours);
			return PAI_EXIT_OK;
		}
		aws_client_flush(r->c);
		finish_url(r);
		r->key_in_place = true;
		record(r, ours, key_created(r, km));
		prov_audit(r, "key-verified", ours);
		show_url(r);
		return login_status(r, 0);
	}
	if (km)
		old_id = ours;
	n_keys = r->keys.n - n_del;
	if (n_keys >= 2) {
		const struct ledger_entry *victim = NULL;
		time_t victim_t = 0;
		char desc[512];

		describe_keys(r, desc, sizeof(desc));
		if (r->cfg.on_limit == PAI_ON_LIMIT_FAIL)
			return prov_fail(PAI_EXIT_REFUSED,
			                 "IAM user %s already has 2 access keys (%s); "
			                 "none created (on_limit = fail)",
			                 r->iam_name, desc);
		for (i = 0; i < r->ledger.n; i++) {
			const struct ledger_entry *le = &r->ledger.e[i];

			const struct iam_key_meta *vk = find_key(r, le->key_id);

			if (vk && (!victim || key_created(r, vk) < victim_t)) {
				victim = le;
				victim_t = key_created(r, vk);
			}
		}
		if (!victim)
			return prov_fail(PAI_EXIT_REFUSED,
			                 "IAM user %s has 2 access keys not made by " PROG
			                 " (%s); none deleted",
			                 r->iam_name, desc);
		del_first[n_del++] = victim->key_id;
		if (!strcmp(victim->key_id, old_id))
			old_id = "";
	}
	if (r->o->dry_run) {
		for (i = 0; i < n_del; i++)
			plan(r, "DeleteAccessKey", del_first[i]);
		plan(r, "TagUser", "(pending-creation mark)");
		plan(r, "CreateAccessKey", r->iam_name);
		plan(r, "TagUser", "(key ledger)");
		if (old_id[0])
			plan(r, "DeleteAccessKey", old_id);
		if (n_stale || old_id[0])
			plan(r, "UntagUser", "(key ledger)");
		return PAI_EXIT_OK;
	}
	/* Mark before creating, so a lost reply leaves a key this host can later tell as its
	 * own; with the deletions, in one round trip. */
	if (ledger_make_pending_tag(r->host, r->now, &pending))
		return prov_fail(PAI_EXIT_INTERNAL, "cannot make the pending-creation tag");
	iam_tag_user(r->c, r->iam_name, &pending, 1, &pres);
	for (i = 0; i < n_del; i++)
		iam_delete_access_key(r->c, r->iam_name, del_first[i], &dres[i]);
	if (aws_client_flush(r->c)) {
		for (i = 0; i < n_del; i++)
			if (dres[i].status)
				return aws_fail("DeleteAccessKey", dres[i].status, &dres[i].error);
		if (pres.status)
			return aws_fail("TagUser (pending-creation mark)", pres.status,
			                &pres.error);
	}
	for (i = 0; i < n_del; i++) {
		prov_audit(r, "key-deleted", del_first[i]);
		if (ledger_find(&r->ledger, del_first[i]) && n_stale < IAM_MAX_TAGS)
			stale[n_stale++] = ledger_find(&r->ledger, del_first[i])->tag_key;
	}
	iam_create_access_key(r->c, r->iam_name, &key, &kres);
	aws_client_flush(r->c);
	finish_url(r);
	if (kres.status)
		return aws_fail("CreateAccessKey", kres.status, &kres.error);
	prov_audit(r, old_id[0] ? "key-rotated" : "key-created", key.id);
	rc = save_new_key(r, &key, old_id, stale, n_stale);
	iam_access_key_wipe(&key);
	if (!rc)
		show_url(r);
	return login_status(r, rc);
}

static int get_user(struct run *r, bool *missing)
{
	pai_err e = iam_get_user(r->c, r->iam_name, &r->u, NULL);

	*missing = e == PAI_ERR_NOT_FOUND;
	if (e && !*missing)
		return sync_fail(r, "GetUser", e);
	if (!e)
		ledger_from_tags(r->u.tags, r->u.n_tags, &r->ledger);
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

static int do_login(struct run *r)
{
	bool missing;
	int rc;

	rc = get_user(r, &missing);
	if (rc)
		return rc;
	if (missing)
		return new_user(r);
	rc = adopt_or_refuse(r);
	if (!rc)
		rc = queue_alias(r);
	if (!rc)
		rc = list_keys(r);
	if (!rc && setup_needed(r)) {
		r->setup_pending = true;
		retry_setup(r);
	}
	if (!rc)
		rc = existing_user(r, r->o->action == PROV_ROTATE);
	return rc;
}

static int do_revoke(struct run *r)
{
	const char *ours;
	const struct ledger_entry *le;
	const char *ids[1], *tags[1];
	char err[512] = "";
	bool missing;
	int rc;

	rc = get_user(r, &missing);
	if (rc)
		return rc;
	if (missing) {
		state_remove(r->sdir, r->login);
		prov_say(r, "IAM user %s does not exist: nothing to revoke", r->iam_name);
		return PAI_EXIT_OK;
	}
	if (!ledger_is_managed(r->u.tags, r->u.n_tags))
		return prov_fail(PAI_EXIT_REFUSED, "IAM user %s is not managed by " PROG,
		                 r->iam_name);
	rc = list_keys(r);
	if (rc)
		return rc;
	ours = our_key(r);
	if (!ours[0]) {
		prov_say(r, "this host holds no key of IAM user %s: nothing to revoke",
		         r->iam_name);
		return PAI_EXIT_OK;
	}
	if (r->o->dry_run) {
		plan(r, "DeleteAccessKey", ours);
		plan(r, "UntagUser", "(key ledger)");
		return PAI_EXIT_OK;
	}
	ids[0] = ours;
	le = ledger_find(&r->ledger, ours);
	tags[0] = le ? le->tag_key : NULL;
	if (find_key(r, ours)) {
		delete_keys(r, ids, 1, tags, le ? 1 : 0);
		if (r->status)
			return r->status;
	} else if (le) {
		delete_keys(r, NULL, 0, tags, 1);
	}
	if (profile_remove_key(&r->hf, ours, err, sizeof(err)))
		return prov_fail(PAI_EXIT_FILE, "%s", err);
	state_remove(r->sdir, r->login);
	prov_audit(r, "key-revoked", ours);
	prov_say(r, "AWS access key %s deleted and removed from profile '%s'", ours,
	         r->cfg.keys_profile);
	return r->status;
}

static int do_status(struct run *r)
{
	struct iam_key_last_used lu = {0};
	struct aws_result lres = {0};
	const struct iam_key_meta *km;
	const char *ours;
	bool missing;
	size_t i;
	int rc;

	rc = get_user(r, &missing);
	if (rc)
		return rc;
	if (missing) {
		prov_say(r, "IAM user %s: does not exist yet", r->iam_name);
		return PAI_EXIT_OK;
	}
	if (!ledger_is_managed(r->u.tags, r->u.n_tags))
		return prov_fail(PAI_EXIT_REFUSED, "IAM user %s is not managed by " PROG,
		                 r->iam_name);
	rc = queue_alias(r);
	if (!rc)
		rc = list_keys(r);
	if (rc)
		return rc;
	ours = our_key(r);
	km = find_key(r, ours);
	lres.status = PAI_ERR_INVALID;
	if (km)
		iam_get_access_key_last_used(r->c, ours, &lu, &lres);
	aws_client_flush(r->c);
	finish_url(r);
	prov_say(r, "IAM user: %s (%s)", r->iam_name, r->u.arn);
	if (km)
		prov_say(r, "this host (%s): key %s, %s, %lld days old, last used %s", r->host,
		         ours, km->status, (long long)((r->now - key_created(r, km)) / DAY),
		         lres.status            ? "unknown"
		         : lu.last_used_date[0] ? lu.last_used_date
		                                : "never");
	else
		prov_say(r, "this host (%s): no key", r->host);
	for (i = 0; i < r->keys.n; i++) {
		const struct ledger_entry *le = ledger_find(&r->ledger, r->keys.keys[i].id);

		if (km && &r->keys.keys[i] == km)
			continue;
		prov_say(r, "other key: %s, %s, %s", r->keys.keys[i].id, r->keys.keys[i].status,
		         le ? le->host : "not made by " PROG);
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
