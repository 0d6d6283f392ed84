/* SPDX-License-Identifier: MIT */
/* provision_net.c — the half of the helper's flow that calls AWS, built into pai-network.so
 * (with libcurl, OpenSSL, libxml2 and json-c) and entered through provision_net_run after
 * provision.c has found the person, read the config, checked the scope and taken the lock.
 * The login, --revoke and --status flows, the AWS client and the account's sign-in URL; the
 * IAM user is iam_user.c's, the keys key_actions.c's (netrun.h). Signals are blocked for the
 * whole run, so a caller's ^C cannot leave a change half done. */
#include "netrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "admincreds.h"
#include "clock.h"
#include "exit_status.h"

#define DAY_S 86400

int net_fail(const char *call, pai_err e, const struct aws_error *ae)
{
	if (ae && ae->code[0])
		return prov_fail(prov_exit_for(e), "%s failed: %s: %s", call, ae->code,
		                 ae->message);
	return prov_fail(prov_exit_for(e), "%s failed: %s", call, pai_strerror(e));
}

int net_call_fail(const struct netrun *nr, const char *call, pai_err e)
{
	return net_fail(call, e, aws_client_last_error(nr->c));
}

static int open_client(struct netrun *nr)
{
	struct run *r = nr->r;
	struct aws_creds creds = {0};
	struct admincreds_opts ao = {0};
	struct aws_client_opts co = {0};
	long left = (long)(prov_deadline_ms(r) - clock_now_ms());
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
	co.region = r->cfg.aws_region[0] ? r->cfg.aws_region : NULL;
	co.secretsmanager_endpoint =
	    r->cfg.secretsmanager_endpoint[0] ? r->cfg.secretsmanager_endpoint : NULL;
	co.connect_timeout_ms = (long)r->cfg.connect_timeout * 1000;
	co.deadline_ms = left;
	co.max_attempts = (int)r->cfg.max_attempts;
	e = aws_client_new(&nr->c, &co, &creds);
	aws_creds_wipe(&creds);
	if (e)
		return prov_fail(prov_exit_for(e), "cannot set up the AWS client: %s",
		                 pai_strerror(e));
	return PAI_EXIT_OK;
}

/* Learns partition and account from the user's ARN and queues ListAccountAliases unless
 * the alias is cached (then alias_known). */
int net_queue_alias(struct netrun *nr)
{
	struct run *r = nr->r;
	if (iam_arn_partition(nr->u.arn, nr->partition) || iam_arn_account(nr->u.arn, nr->account))
		return prov_fail(PAI_EXIT_AWS, "IAM user ARN %s holds no account ID", nr->u.arn);
	nr->alias_known = state_read_alias(r->sdir, nr->account, r->now, nr->alias) == PAI_OK;
	if (nr->alias_known || !r->cfg.show_url)
		return PAI_EXIT_OK;
	nr->alias_res.status = PAI_ERR_INVALID; /* until flushed */
	if (iam_list_account_aliases(nr->c, nr->alias, &nr->alias_res))
		nr->alias[0] = '\0';
	return PAI_EXIT_OK;
}

/* After the flush: caches the alias; builds the URL (account form when the alias is
 * unknown: ListAccountAliases may well be denied, which costs nothing but the alias). */
void net_finish_url(struct netrun *nr)
{
	struct run *r = nr->r;
	if (!nr->alias_known && nr->alias_res.status == PAI_OK) {
		nr->alias_known = true;
		state_write_alias(r->sdir, nr->account, nr->alias, r->now);
	}
	if (!nr->alias_known)
		nr->alias[0] = '\0';
	if (signin_url(nr->partition, nr->account, nr->alias, nr->url, sizeof(nr->url)))
		nr->url[0] = '\0';
}

void net_show_url(const struct netrun *nr)
{
	const struct run *r = nr->r;
	if (r->cfg.show_url && nr->url[0])
		prov_say(r, "AWS console: %s", nr->url);
}

void net_record(struct netrun *nr, const char *key_id, time_t created)
{
	struct run *r = nr->r;
	struct user_state st = {0};

	snprintf(st.login, sizeof(st.login), "%.64s", r->login);
	snprintf(st.iam_user, sizeof(st.iam_user), "%s", r->iam_name);
	snprintf(st.arn, sizeof(st.arn), "%s", nr->u.arn);
	snprintf(st.account, sizeof(st.account), "%s", nr->account);
	snprintf(st.host, sizeof(st.host), "%s", r->host.id);
	snprintf(st.profile, sizeof(st.profile), "%s", r->cfg.keys_profile);
	snprintf(st.key_id, sizeof(st.key_id), "%s", key_id);
	st.key_created = created;
	st.verified_at = r->now;
	snprintf(st.url, sizeof(st.url), "%s", nr->url);
	st.setup_pending = nr->setup_pending;
	snprintf(st.store_version, sizeof(st.store_version), "%s", nr->store_version);
	snprintf(st.prev_key_id, sizeof(st.prev_key_id), "%s", nr->prev_key_id);
	st.prev_until = nr->prev_until;
	snprintf(st.user_id, sizeof(st.user_id), "%s", nr->u.user_id);
	if (state_write(r->sdir, &st))
		nr->status = prov_fail(PAI_EXIT_FILE, "cannot write state for %s in %s", r->login,
		                       r->cfg.state_dir);
}

/* The exit status of a login: what stopped it, else its last warning, which is
 * PAI_EXIT_WARNING once the key is in place (the person has a working key either way). */
int net_login_status(const struct netrun *nr, int rc)
{
	if (rc)
		return rc;
	return nr->status && nr->key_in_place ? PAI_EXIT_WARNING : nr->status;
}

void net_plan_line(const struct netrun *nr, const char *call, const char *arg)
{
	const struct run *r = nr->r;
	if (!r->o->quiet)
		printf("dry-run: would call %s %s\n", call, arg ? arg : "");
}

static int do_login(struct netrun *nr)
{
	struct run *r = nr->r;
	bool missing;
	int rc;

	rc = iam_user_managed(nr, &missing);
	if (!rc)
		rc = delivery_check_home(nr); /* before anything is made */
	if (!rc && missing) {
		rc = iam_user_create(nr);
		if (rc != IAM_USER_RACED)
			return rc;
		rc =
		    iam_user_managed(nr, &missing); /* another host made it: an existing user now */
		if (!rc && missing)
			rc = prov_fail(PAI_EXIT_AWS, "IAM user %s was made and is gone again",
			               r->iam_name);
	}
	if (rc)
		return rc;
	rc = net_queue_alias(nr);
	if (!rc)
		rc = iam_user_list_keys(nr);
	if (rc)
		return rc;
	iam_user_setup_if_needed(nr);
	if (r->cfg.store == PAI_STORE_SECRETSMANAGER)
		rc = fleet_actions_login(nr, r->o->action != PROV_ROTATE ? FLEET_LOGIN
		                             : r->o->now                 ? FLEET_ROTATE_NOW
		                                                         : FLEET_ROTATE);
	else
		rc = key_actions_login(nr, r->o->action == PROV_ROTATE ? KEYPLAN_ROTATE
		                                                       : KEYPLAN_LOGIN);
	return converge_finish(nr, rc);
}

static int do_revoke(struct netrun *nr)
{
	struct run *r = nr->r;
	bool missing;
	int rc;

	rc = iam_user_managed(nr, &missing);
	if (rc)
		return rc;
	if (missing) {
		char err[512] = "";

		state_remove(r->sdir, r->login);
		/* a held key and session of a user now gone */
		if (r->cfg.deliver == PAI_DELIVER_PROCESS &&
		    delivery_remove(nr, "", err, sizeof(err)))
			prov_fail(PAI_EXIT_FILE, "%s", err);
		prov_say(r, "IAM user %s does not exist: nothing to revoke", r->iam_name);
		return PAI_EXIT_OK;
	}
	rc = iam_user_list_keys(nr);
	if (rc)
		return rc;
	if (r->cfg.store == PAI_STORE_SECRETSMANAGER)
		return fleet_actions_revoke(nr, r->o->action == PROV_UNREVOKE);
	return key_actions_revoke(nr);
}

static int do_status(struct netrun *nr)
{
	struct run *r = nr->r;
	struct iam_key_last_used lu = {0};
	struct aws_result lres = {0};
	const struct iam_key_meta *km;
	struct keyplan p;
	bool missing;
	size_t i;
	int rc;

	rc = iam_user_managed(nr, &missing);
	if (rc)
		return rc;
	if (missing) {
		prov_say(r, "IAM user %s: does not exist yet", r->iam_name);
		return PAI_EXIT_OK;
	}
	rc = net_queue_alias(nr);
	if (!rc)
		rc = iam_user_list_keys(nr);
	if (rc)
		return rc;
	key_actions_plan(nr, KEYPLAN_LOGIN, &p);
	km = key_actions_find(nr, p.ours);
	lres.status = PAI_ERR_INVALID;
	if (km)
		iam_get_access_key_last_used(nr->c, p.ours, &lu, &lres);
	aws_client_flush(nr->c);
	net_finish_url(nr);
	prov_say(r, "IAM user: %s (%s)", r->iam_name, nr->u.arn);
	if (km)
		prov_say(r, "this host (%s): key %s, %s, %lld days old, last used %s", r->host.name,
		         p.ours, km->status,
		         (long long)((r->now - key_actions_created(nr, km)) / DAY_S),
		         lres.status            ? "unknown"
		         : lu.last_used_date[0] ? lu.last_used_date
		                                : "never");
	else
		prov_say(r, "this host (%s): no key", r->host.name);
	if (p.verdict == KEYPLAN_CONFLICT)
		prov_say(r, "~/.aws/credentials profile '%s' %s", r->cfg.keys_profile, p.why);
	for (i = 0; i < nr->keys.n; i++) {
		const struct iam_key_meta *k = &nr->keys.keys[i];
		const struct ledger_entry *le = ledger_find(&nr->ledger, k->id);

		if (k == km)
			continue;
		if (le && le->orphan)
			prov_say(
			    r,
			    "other key: %s, %s, made by host %s but its CreateAccessKey reply was "
			    "lost (nobody holds its secret): deleted when its slot is needed or "
			    "%d days after it was made",
			    k->id, k->status, le->host_name, KEYPLAN_ORPHAN_GRACE / DAY_S);
		else if (keyplan_deletes(&p, k->id) || (p.n_deactivate && !le))
			prov_say(
			    r,
			    "other key: %s, %s, host %s: the next login of this host cleans it up",
			    k->id, k->status, le ? le->host_name : "this (a lost reply)");
		else
			prov_say(r, "other key: %s, %s, %s%s", k->id, k->status, le ? "host " : "",
			         le ? le->host_name : "not made by " PROG);
	}
	if (r->cfg.store == PAI_STORE_SECRETSMANAGER)
		fleet_actions_status(nr);
	delivery_status(nr);
	converge_status(nr);
	net_show_url(nr);
	return PAI_EXIT_OK;
}

int provision_net_run(struct run *r, size_t run_size, const char *version)
{
	struct netrun *nr;
	sigset_t saved;
	int rc;

	if (run_size != sizeof(*r) || !version || strcmp(version, PAI_VERSION) != 0)
		return prov_fail(PAI_EXIT_INTERNAL,
		                 "pai-network.so is from another build (version %s); reinstall",
		                 PAI_VERSION);
	if (r->o->action == PROV_CREDENTIAL_PROCESS)
		return credproc_net_refresh(r); /* the person's own key: no admin identity */
	nr = calloc(1, sizeof(*nr));
	if (!nr)
		return prov_fail(PAI_EXIT_INTERNAL, "out of memory");
	nr->r = r;
	rc = open_client(nr);
	if (rc)
		goto out;
	privs_block_signals(&saved);
	switch (r->o->action) {
	case PROV_STATUS: rc = do_status(nr); break;
	case PROV_REVOKE:
	case PROV_UNREVOKE: rc = do_revoke(nr); break;
	default: rc = do_login(nr); break;
	}
	privs_restore_signals(&saved);
out:
	converge_free(nr);
	if (nr->c)
		aws_client_free(nr->c);
	free(nr); /* no secret in it: a new key's lives in its struct iam_access_key */
	return rc;
}
