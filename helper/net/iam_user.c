/* SPDX-License-Identifier: MIT */
/* iam_user.c — the person's IAM user: whose it is (exact name, an ownership tag naming this
 * login, adopt_existing), its creation with the configured path, boundary, tags, groups and
 * policies (and the convergence record saying they are the tool's), groups and policies
 * again when a login must (converge.c when the config changed), and the first console
 * password. */
#include "netrun.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include "buf.h"
#include "exit_status.h"

#define PASSWORD_LEN 24

/* AddUserToGroup and AttachUserPolicy for everything the config names, queued. Both are
 * idempotent in IAM, so a retry may repeat the ones that worked. */
struct setup_calls {
	struct aws_result g[PAI_CONF_MAX_GROUPS], p[PAI_CONF_MAX_POLICIES];
};

static void queue_setup(struct netrun *nr, struct setup_calls *s)
{
	struct run *r = nr->r;
	size_t i;

	for (i = 0; i < r->cfg.n_user_groups; i++)
		iam_add_user_to_group(nr->c, r->iam_name, r->cfg.user_groups[i], &s->g[i]);
	for (i = 0; i < r->cfg.n_policies; i++)
		iam_attach_user_policy(nr->c, r->iam_name, r->cfg.policies[i], &s->p[i]);
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
static void check_setup(struct netrun *nr, const struct setup_calls *s)
{
	struct run *r = nr->r;
	size_t i;

	nr->setup_pending = false;
	for (i = 0; i < r->cfg.n_user_groups; i++)
		if (s->g[i].status) {
			nr->status = setup_fail("AddUserToGroup", &s->g[i]);
			nr->setup_pending = true;
		}
	for (i = 0; i < r->cfg.n_policies; i++)
		if (s->p[i].status) {
			nr->status = setup_fail("AttachUserPolicy", &s->p[i]);
			nr->setup_pending = true;
		}
}

static void plan_setup(const struct netrun *nr)
{
	const struct run *r = nr->r;
	size_t i;

	for (i = 0; i < r->cfg.n_user_groups; i++)
		net_plan_line(nr, "AddUserToGroup", r->cfg.user_groups[i]);
	for (i = 0; i < r->cfg.n_policies; i++)
		net_plan_line(nr, "AttachUserPolicy", r->cfg.policies[i]);
}

/* After CreateLoginProfile: the password file goes only when IAM definitely did not take
 * this password; a lost reply may have set it, and then the file is all anyone has. */
static void check_password(struct netrun *nr, const struct aws_result *lres)
{
	struct run *r = nr->r;
	if (!lres->status) {
		prov_audit(r, "console-password-set", NULL);
		return;
	}
	if (lres->error.code[0]) {
		profile_remove_password(&r->hf);
		nr->status = net_fail("CreateLoginProfile", lres->status, &lres->error);
		return;
	}
	nr->status =
	    prov_fail(prov_exit_for(lres->status),
	              "CreateLoginProfile: no reply (%s); the console password may be set: "
	              "~/.aws/" PROFILE_INITIAL_PASSWORD_FILE " is kept",
	              pai_strerror(lres->status));
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

/* The config's tags, the ownership tag, this host's mark and the convergence record: all
 * the configured groups, policies and tags of a new user are the tool's. */
static int build_tags(struct netrun *nr, struct iam_tag *tags, size_t *n)
{
	struct run *r = nr->r;
	int rc;

	rc = converge_expand_tags(r, tags, n);
	if (!rc)
		rc = converge_created_tags(nr, &tags[*n]);
	if (rc)
		return rc;
	*n += CONVREC_TAGS;
	if (ledger_owner_tag(r->login, &tags[(*n)++]))
		return prov_fail(PAI_EXIT_REFUSED, "login %s does not fit in a tag value",
		                 r->login);
	/* the new user's first CreateAccessKey is marked like every other (first_round) */
	if (ledger_make_mark(&r->host, r->now, NULL, &tags[*n]) == PAI_OK)
		(*n)++;
	return PAI_EXIT_OK;
}

int iam_user_create(struct netrun *nr)
{
	struct run *r = nr->r;
	struct iam_tag tags[IAM_MAX_TAGS];
	struct setup_calls setup;
	struct aws_result kres;
	struct aws_result lres = {PAI_ERR_INVALID, {0}};
	struct iam_access_key key = {0};
	struct keyplan none;
	char password[PASSWORD_LEN + 1] = "";
	char err[512] = "";
	bool with_password = false, fleet = r->cfg.store == PAI_STORE_SECRETSMANAGER;
	size_t n_tags;
	pai_err e;
	int rc;

	if (!r->cfg.create)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s does not exist and [user] create = no", r->iam_name);
	key_actions_plan(nr, KEYPLAN_LOGIN, &none); /* no user: only the profile can object */
	if (none.verdict == KEYPLAN_CONFLICT)
		return key_actions_conflict(nr, &none);
	if (r->o->dry_run) {
		net_plan_line(nr, "CreateUser", r->iam_name);
		plan_setup(nr);
		if (r->cfg.password == PAI_PASSWORD_INITIAL)
			net_plan_line(nr, "CreateLoginProfile", r->iam_name);
		if (fleet) {
			net_plan_line(nr, "CreateSecret", "(the fleet's store, claimed)");
			net_plan_line(nr, "CreateAccessKey", r->iam_name);
			net_plan_line(nr, "PutSecretValue", "(the key, published)");
		} else {
			net_plan_line(nr, "CreateAccessKey", r->iam_name);
			net_plan_line(nr, "TagUser", "(key ledger)");
		}
		return PAI_EXIT_OK;
	}
	rc = build_tags(nr, tags, &n_tags);
	if (rc)
		return rc;
	e = iam_create_user(nr->c, r->iam_name, r->cfg.path,
	                    r->cfg.permissions_boundary[0] ? r->cfg.permissions_boundary : NULL,
	                    tags, n_tags, &nr->u, NULL);
	if (e == PAI_ERR_EXISTS)
		return IAM_USER_RACED; /* another host made it a moment ago: it is an existing one
		                        */
	if (e)
		return net_call_fail(nr, "CreateUser", PAI_ERR_AWS);
	prov_audit(r, "user-created", NULL);
	nr->mark_set = true; /* CreateUser's tags held this host's mark */
	rc = net_queue_alias(nr);
	if (rc)
		return rc;
	queue_setup(nr, &setup);
	if (r->cfg.password == PAI_PASSWORD_INITIAL &&
	    make_password(password, sizeof(password)) == PAI_OK &&
	    profile_write_password(&r->hf, password, err, sizeof(err)) == PAI_OK) {
		with_password = true;
		iam_create_login_profile(nr->c, r->iam_name, password, true, &lres);
	} else if (r->cfg.password == PAI_PASSWORD_INITIAL) {
		nr->status = prov_fail(PAI_EXIT_FILE, "no initial console password: %s", err);
	}
	if (fleet) /* the key comes from the store, made by whichever host claims it */
		kres.status = PAI_OK;
	else
		iam_create_access_key(nr->c, r->iam_name, &key, &kres);
	aws_client_flush(nr->c);
	secret_wipe(password, sizeof(password));
	net_finish_url(nr);
	check_setup(nr, &setup);
	if (with_password)
		check_password(nr, &lres);
	if (fleet) {
		ledger_read(nr->u.tags, nr->u.n_tags, &nr->ledger);
		return fleet_actions_login(nr, FLEET_LOGIN);
	}
	if (kres.status) {
		rc = net_fail("CreateAccessKey", kres.status, &kres.error);
		goto out;
	}
	prov_audit(r, "key-created", key.id);
	rc = key_actions_save_first(nr, &key);
	if (!rc)
		net_show_url(nr);
out:
	iam_access_key_wipe(&key);
	return net_login_status(nr, rc);
}

/* The user IAM returned must be this login's: its exact name (IAM names ignore case, so
 * GetUser rt-Alice answers with rt-alice), and an ownership tag naming this login. */
static int check_owner(struct netrun *nr)
{
	struct run *r = nr->r;
	struct iam_tag owner;

	if (strcmp(nr->u.name, r->iam_name) != 0)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s exists as %s (IAM user names ignore case): not %s's; "
		                 "nothing done",
		                 r->iam_name, nr->u.name, r->login);
	switch (ledger_owner_of(&nr->ledger, r->login)) {
	case LEDGER_OWNER_THIS: return PAI_EXIT_OK;
	case LEDGER_OWNER_LEGACY_TAG: nr->owner_upgrade = true; return PAI_EXIT_OK;
	case LEDGER_OWNER_OTHER:
		return prov_fail(
		    PAI_EXIT_REFUSED,
		    "IAM user %s belongs to login %s (tag %s), not to %s; nothing done",
		    r->iam_name, nr->ledger.owner, LEDGER_OWNER_KEY, r->login);
	case LEDGER_OWNER_NONE: break;
	}
	if (!r->cfg.adopt_existing)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "IAM user %s exists but is not managed by " PROG
		                 " (no %s tag); nothing done (see adopt_existing)",
		                 r->iam_name, LEDGER_OWNER_KEY);
	if (r->o->dry_run) {
		net_plan_line(nr, "TagUser", "(adopt: ownership tag)");
		return PAI_EXIT_OK;
	}
	if (ledger_owner_tag(r->login, &owner) || iam_tag_user(nr->c, r->iam_name, &owner, 1, NULL))
		return net_call_fail(nr, "TagUser (adopt)", PAI_ERR_AWS);
	prov_audit(r, "user-adopted", NULL);
	return PAI_EXIT_OK;
}

static int get_user(struct netrun *nr, bool *missing)
{
	struct run *r = nr->r;
	pai_err e = iam_get_user(nr->c, r->iam_name, &nr->u, NULL);

	*missing = e == PAI_ERR_NOT_FOUND;
	if (e && !*missing)
		return net_call_fail(nr, "GetUser", e);
	if (!e)
		ledger_read(nr->u.tags, nr->u.n_tags, &nr->ledger);
	return PAI_EXIT_OK;
}

int iam_user_list_keys(struct netrun *nr)
{
	struct run *r = nr->r;
	pai_err e;

	if (converge_reads(nr))
		return converge_read_with_keys(nr);
	e = iam_list_access_keys(nr->c, r->iam_name, &nr->keys, NULL);
	return e ? net_call_fail(nr, "ListAccessKeys", e) : PAI_EXIT_OK;
}

/* Whether an existing user's groups and policies must be applied (again): an earlier login
 * of this host recorded a failure, or the user holds no key and no ledger entry at all (a
 * first login that ended after CreateUser, say at its deadline, recorded nothing). */
static bool setup_needed(const struct netrun *nr)
{
	const struct run *r = nr->r;
	if (r->cfg.n_user_groups + r->cfg.n_policies == 0)
		return false;
	if (prov_state_is_ours(r) && r->st.setup_pending)
		return true;
	return nr->keys.n == 0 && nr->ledger.n == 0;
}

/* Applies them, with whatever is queued (the alias call): one round trip, only when
 * setup_needed. */
static void retry_setup(struct netrun *nr)
{
	struct run *r = nr->r;
	struct setup_calls setup;

	if (r->o->dry_run) {
		plan_setup(nr);
		return;
	}
	queue_setup(nr, &setup);
	aws_client_flush(nr->c);
	check_setup(nr, &setup);
	if (!nr->setup_pending)
		prov_audit(r, "setup-completed", NULL);
}

/* GetUser, then the ownership checks; *missing when there is no such user. */
int iam_user_managed(struct netrun *nr, bool *missing)
{
	int rc = get_user(nr, missing);

	if (rc || *missing)
		return rc;
	rc = check_owner(nr);
	return rc ? rc : converge_begin(nr);
}

void iam_user_setup_if_needed(struct netrun *nr)
{
	if (converge_run(nr))
		return; /* convergence adds what is missing, or must leave the user as it is */
	if (!setup_needed(nr))
		return;
	nr->setup_pending = true;
	retry_setup(nr);
}
