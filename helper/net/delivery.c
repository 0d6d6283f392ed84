/* SPDX-License-Identifier: MIT */
/* delivery.c — where the person's key goes ([keys] deliver, netrun.h). With deliver = file it
 * is written into the managed profile of ~/.aws/credentials. With deliver = process the
 * long-term key never enters the home: the helper keeps it (keyvault.h) and the managed
 * profile of ~/.aws/config runs aws-iam-provision --credential-process, which hands out STS
 * sessions (credproc.h). Switching from one to the other takes out what the other put there,
 * and only that: the exact credential_process line, a key this host wrote. */
#include "netrun.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "credproc.h"
#include "exit_status.h"
#include "keyvault.h"
#include "sesscache.h"

static bool by_process(const struct netrun *nr)
{
	return nr->r->cfg.deliver == PAI_DELIVER_PROCESS;
}

pai_err delivery_put(struct netrun *nr, const char *id, const char *secret, time_t created,
                     char *err, size_t errlen)
{
	struct run *r = nr->r;
	struct held_key k;
	pai_err e;

	if (!by_process(nr)) {
		e = profile_write_key(&r->hf, id, secret, r->cfg.region,
		                      r->process_line[0] ? r->process_line : NULL, err, errlen);
		if (!e) {
			keyvault_remove(r->sdir, r->login);
			sesscache_remove(r->sdir, r->login);
		}
		return e;
	}
	/* the line first: written before the key, a failure leaves the held key as it was */
	e = profile_write_process(&r->hf, r->process_line, r->cfg.region, err, errlen);
	if (e)
		return e;
	r->home_process_ok = true;
	memset(&k, 0, sizeof(k));
	snprintf(k.login, sizeof(k.login), "%.64s", r->login);
	k.uid = r->pv.person_uid;
	snprintf(k.user_id, sizeof(k.user_id), "%s", nr->u.user_id);
	snprintf(k.key_id, sizeof(k.key_id), "%s", id);
	snprintf(k.secret, sizeof(k.secret), "%s", secret);
	k.created = created;
	e = keyvault_write(r->sdir, &k);
	held_key_wipe(&k);
	if (e) {
		snprintf(err, errlen, "cannot keep the key in %s/" KEYVAULT_SUBDIR ": %s",
		         r->cfg.state_dir, pai_strerror(e));
		return e;
	}
	snprintf(r->profile_key, sizeof(r->profile_key), "%s", id);
	sesscache_remove(r->sdir, r->login); /* the replaced key's session */
	return PAI_OK;
}

void delivery_tidy(struct netrun *nr)
{
	struct run *r = nr->r;
	char err[512] = "";

	if (!by_process(nr) || !r->home_key[0] || !r->home_key_ours)
		return;
	if (profile_remove_key(&r->hf, r->home_key, err, sizeof(err))) {
		nr->status = prov_fail(PAI_EXIT_FILE, "%s", err);
		return;
	}
	prov_audit(r, "key-removed-from-home", r->home_key);
	prov_say(r,
	         "key %s taken out of profile '%s' of ~/.aws/credentials: credential_process "
	         "hands out short-lived credentials instead",
	         r->home_key, r->cfg.keys_profile);
	r->home_key[0] = '\0';
}

void delivery_ensure(struct netrun *nr)
{
	struct run *r = nr->r;

	if (!by_process(nr))
		return;
	if (!r->home_process_ok) {
		char err[512] = "";

		if (profile_write_process(&r->hf, r->process_line, r->cfg.region, err,
		                          sizeof(err))) {
			nr->status = prov_fail(PAI_EXIT_FILE, "%s", err);
			return;
		}
		r->home_process_ok = true;
		prov_say(r, "credential_process set again in profile '%s' of ~/.aws/config",
		         r->cfg.keys_profile);
	}
	delivery_tidy(nr);
}

int delivery_check_home(struct netrun *nr)
{
	struct run *r = nr->r;
	const struct ledger_entry *e;

	if (!by_process(nr))
		return PAI_EXIT_OK;
	if (r->home_not_a_key)
		return prov_fail(
		    PAI_EXIT_FILE,
		    "~/.aws/credentials profile '%s' holds an aws_access_key_id that is "
		    "no key ID, and the AWS CLI and SDKs read it before credential_process: "
		    "take it out, then log in again",
		    r->cfg.keys_profile);
	if (!r->home_key[0] || r->home_key_ours)
		return PAI_EXIT_OK;
	e = ledger_find(&nr->ledger, r->home_key);
	if (e && e->host_id[0] && !strcmp(e->host_id, r->host.id)) {
		r->home_key_ours = true; /* this host wrote it (its record of that went missing) */
		return PAI_EXIT_OK;
	}
	prov_audit(r, "conflict-left-alone", r->home_key);
	return prov_fail(
	    PAI_EXIT_FILE,
	    "~/.aws/credentials profile '%s' holds key %s that aws-iam-provision did "
	    "not write, and the AWS CLI and SDKs use it instead of credential_process: "
	    "move it to a profile of its own (or take it out), then log in again",
	    r->cfg.keys_profile, r->home_key);
}

pai_err delivery_remove(struct netrun *nr, const char *expect_id, char *err, size_t errlen)
{
	struct run *r = nr->r;
	pai_err e;

	if (!by_process(nr))
		return profile_remove_key(&r->hf, expect_id, err, errlen);
	keyvault_remove(r->sdir, r->login);
	sesscache_remove(r->sdir, r->login);
	r->profile_key[0] = '\0';
	e = profile_remove_process(&r->hf, r->process_line, err, errlen);
	if (!e && r->home_key[0] && r->home_key_ours)
		e = profile_remove_key(&r->hf, r->home_key, err, errlen);
	return e;
}

int delivery_revoke_sessions(struct netrun *nr)
{
	struct run *r = nr->r;
	pai_err e;

	if (!by_process(nr))
		return PAI_EXIT_OK;
	if (r->o->dry_run) {
		net_plan_line(nr, "PutUserPolicy", IAM_REVOKE_POLICY_NAME);
		return PAI_EXIT_OK;
	}
	sesscache_remove(r->sdir, r->login);
	/* a second on: a session issued within the second of this call is before it too */
	e = iam_deny_sessions_before(nr->c, r->iam_name, time(NULL) + 1);
	if (e)
		return net_call_fail(nr, "PutUserPolicy (revoking older sessions)", e);
	prov_audit(r, "sessions-revoked", NULL);
	prov_say(r, "IAM refuses every session of IAM user %s issued before now", r->iam_name);
	return PAI_EXIT_OK;
}

pai_err delivery_read_secret(struct netrun *nr, const char *expect_id, char *out, size_t outlen,
                             char *err, size_t errlen)
{
	struct run *r = nr->r;
	struct held_key k;
	pai_err e;

	if (!by_process(nr))
		return profile_read_secret(&r->hf, expect_id, out, outlen, err, errlen);
	out[0] = '\0';
	e = keyvault_read(r->sdir, r->login, &k);
	if (!e && (strcmp(k.key_id, expect_id) != 0 || k.uid != r->pv.person_uid))
		e = PAI_ERR_NOT_FOUND;
	if (!e && (size_t)snprintf(out, outlen, "%s", k.secret) >= outlen)
		e = PAI_ERR_TOOBIG;
	if (e)
		secret_wipe(out, outlen);
	held_key_wipe(&k);
	return e;
}

void delivery_say(const struct netrun *nr, const char *id, const char *more)
{
	const struct run *r = nr->r;

	if (!by_process(nr))
		prov_say(r, "AWS access key %s written to profile '%s' in ~/.aws/credentials%s", id,
		         r->cfg.keys_profile, more);
	else
		prov_say(r,
		         "AWS access key %s kept for you by " PROG
		         "; profile '%s' of ~/.aws/config "
		         "gets short-lived credentials from it (credential_process)%s",
		         id, r->cfg.keys_profile, more);
}

void delivery_status(const struct netrun *nr)
{
	const struct run *r = nr->r;
	struct sess_cache c;
	char held[IAM_KEY_ID_MAX];

	if (!by_process(nr))
		return;
	prov_say(r, "delivery: credential_process in profile '%s' of ~/.aws/config%s",
	         r->cfg.keys_profile,
	         r->home_process_ok ? "" : " (missing: the next login sets it)");
	if (r->home_key[0])
		prov_say(r, "~/.aws/credentials profile '%s' holds static key %s%s",
		         r->cfg.keys_profile, r->home_key,
		         r->home_key_ours ? " (this host's, taken out at the next login)"
		                          : ": the AWS CLI uses it before credential_process");
	keyvault_key_id(r->sdir, r->login, r->pv.person_uid, held);
	if (sesscache_read(r->sdir, r->login, &c) == PAI_OK && c.has_session &&
	    !strcmp(c.key_id, held) && c.uid == r->pv.person_uid) {
		char when[32];

		clock_format_utc(c.expires, when);
		prov_say(r, "session: %s, expires %s%s (renewed %u s before it does)",
		         c.access_key_id, when, c.expires <= r->now ? " (expired)" : "",
		         r->cfg.session_refresh);
	} else {
		prov_say(r, "session: none cached (the next AWS call gets one)");
	}
	if (c.failed_at)
		prov_say(r, "session: the last renewal failed: %s", c.failure);
	sess_cache_wipe(&c);
}
