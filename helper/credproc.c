/* SPDX-License-Identifier: MIT */
/* credproc.c — aws-iam-provision --credential-process: the cached session served, or renewed
 * once under the person's session lock (credproc.h). Libc only: serving from the cache loads
 * no network library; a renewal loads pai-network.so (prov_call_network). */
#include "credproc.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "exit_status.h"
#include "provision_run.h"
#include "state.h"

/* A word botocore's shell split (shlex) keeps whole, and an INI value keeps as it is. */
static bool shell_safe(const char *s)
{
	return s[0] &&
	       strspn(s,
	              "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_.,+=@:%-") ==
	           strlen(s);
}

static pai_err add_word(char *out, size_t len, const char *opt, const char *word, char *err,
                        size_t errlen)
{
	size_t n = strlen(out);

	if (!word)
		return PAI_OK;
	if (!shell_safe(word)) {
		snprintf(err, errlen, "'%.200s' holds a character a shell would split or quote",
		         word);
		return PAI_ERR_INVALID;
	}
	if (snprintf(out + n, len - n, "%s%s%s%s", n ? " " : "", opt ? opt : "", opt ? " " : "",
	             word) >= (int)(len - n)) {
		snprintf(err, errlen, "the command is longer than %zu characters", len - 1);
		return PAI_ERR_INVALID;
	}
	return PAI_OK;
}

pai_err credproc_command(const struct run *r, char *out, size_t len, char *err, size_t errlen)
{
	char exe[PATH_MAX];
	const char *self = PAI_HELPER_PATH;
	pai_err e;

	out[0] = '\0';
	if (!r->pv.privileged) {
		/* a build tree or a test: this very executable, with what it was told */
		ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

		if (n <= 0) {
			snprintf(err, errlen, "/proc/self/exe: cannot read the helper's path");
			return PAI_ERR_INVALID;
		}
		exe[n] = '\0';
		self = exe;
	}
	e = add_word(out, len, NULL, self, err, errlen);
	if (!e)
		e = add_word(out, len, NULL, "--credential-process", err, errlen);
	if (!e && !r->pv.privileged) {
		e = add_word(out, len, "--config", r->o->config, err, errlen);
		if (!e)
			e = add_word(out, len, "--home", r->o->home, err, errlen);
		if (!e)
			e = add_word(out, len, "--host", r->o->host, err, errlen);
		if (!e)
			e = add_word(out, len, "--machine-id", r->o->machine_id, err, errlen);
	}
	if (e)
		out[0] = '\0';
	return e;
}

/* ---- the cache ---- */

static bool has_left(const struct sess_cache *c, time_t now, time_t left)
{
	return c->has_session && c->expires > now && c->expires - now > left;
}

/* Served as it is: more than session_refresh seconds left. */
static bool fresh(const struct run *r)
{
	return has_left(&r->cp->cache, time(NULL), (time_t)r->cfg.session_refresh);
}

/* A renewal failed a moment ago for a reason that may pass: not tried again yet. */
static bool failure_remembered(const struct run *r)
{
	const struct sess_cache *c = &r->cp->cache;
	time_t now = time(NULL);

	return c->failed_at && now >= c->failed_at && now - c->failed_at < CREDPROC_FAIL_MEMORY_S;
}

/* sessions/<login> into r->cp->cache when it is this person's, this key's: else an empty
 * cache of theirs (what a renewal writes). */
static void read_cache(struct run *r)
{
	struct credproc *cp = r->cp;
	struct sess_cache *c = &cp->cache;

	if (sesscache_read(r->sdir, r->login, c) != PAI_OK ||
	    !sess_cache_belongs(c, r->pv.person_uid, r->login, cp->key.user_id, cp->key.key_id)) {
		sess_cache_wipe(c);
		c->uid = r->pv.person_uid;
		snprintf(c->login, sizeof(c->login), "%.64s", r->login);
		snprintf(c->user_id, sizeof(c->user_id), "%s", cp->key.user_id);
		snprintf(c->key_id, sizeof(c->key_id), "%s", cp->key.key_id);
	}
}

static int serve(const struct run *r)
{
	if (sesscache_print_json(&r->cp->cache, STDOUT_FILENO))
		return prov_fail(PAI_EXIT_INTERNAL,
		                 "cannot write the credentials to standard output");
	return PAI_EXIT_OK;
}

/* After a failed renewal (now, or remembered): a session that still works is served, else
 * the failure is the run's. */
static int serve_or_fail(struct run *r, int status)
{
	struct credproc *cp = r->cp;

	if (has_left(&cp->cache, time(NULL), CREDPROC_MIN_LEFT_S)) {
		char when[32];

		clock_format_utc(cp->cache.expires, when);
		syslog(LOG_WARNING,
		       "user=%s: renewing the session failed (%s); serving the cached "
		       "one until %s",
		       r->login, cp->why[0] ? cp->why : cp->cache.failure, when);
		return serve(r);
	}
	if (!cp->why[0]) {
		long long again =
		    (long long)cp->cache.failed_at + CREDPROC_FAIL_MEMORY_S - (long long)time(NULL);

		return prov_fail(
		    status, "%s (%lld s ago; tried again in %lld s)",
		    cp->cache.failure[0] ? cp->cache.failure : "renewing the session failed",
		    (long long)time(NULL) - (long long)cp->cache.failed_at, again > 0 ? again : 0);
	}
	return prov_fail(status, "%s", cp->why);
}

/* ---- the run ---- */

static int renew(struct run *r)
{
	struct credproc *cp = r->cp;
	long long wait_s = 0;
	int lock = -1, rc;

	/* bounded: a holder stopped or killed mid-renewal costs half the deadline at most, then
	 * this run renews on its own */
	state_lock_session(r->sdir, r->login, r->start_ms + (long long)r->cfg.deadline * 500,
	                   &lock);
	read_cache(r); /* the holder may just have renewed it, or failed */
	if (fresh(r)) {
		rc = serve(r);
		goto out;
	}
	if (failure_remembered(r)) {
		rc = serve_or_fail(r, PAI_EXIT_AWS);
		goto out;
	}
	if (!prov_take_request(r, &wait_s)) {
		snprintf(
		    cp->why, sizeof(cp->why),
		    "renewing the session needs AWS, and %.64s has asked too often: try again in "
		    "%lld s",
		    r->login, wait_s);
		rc = serve_or_fail(r, PAI_EXIT_BUSY);
		goto out;
	}
	rc = prov_call_network(r);
	if (!rc)
		rc = serve(r);
	else if (cp->why[0])
		rc = serve_or_fail(r, rc);
	/* else: prov_call_network said why already (pai-network.so is not loadable) */
out:
	state_unlock(lock);
	return rc;
}

int credproc_run(struct run *r)
{
	struct credproc *cp;
	int rc;

	if (r->cfg.deliver != PAI_DELIVER_PROCESS)
		return prov_fail(PAI_EXIT_CONFIG,
		                 "--credential-process needs [keys] deliver = process; this host "
		                 "puts keys in ~/.aws/credentials: take credential_process out of "
		                 "profile '%s' of ~/.aws/config",
		                 r->cfg.keys_profile);
	cp = calloc(1, sizeof(*cp));
	if (!cp)
		return prov_fail(PAI_EXIT_INTERNAL, "out of memory");
	r->cp = cp;
	if (keyvault_read(r->sdir, r->login, &cp->key) != PAI_OK ||
	    cp->key.uid != r->pv.person_uid) {
		rc = prov_fail(PAI_EXIT_FILE,
		               "no AWS key is held for %s on this host yet: log in again, or run "
		               "aws-iam-provision",
		               r->login);
		goto out;
	}
	read_cache(r);
	if (fresh(r))
		rc = serve(r);
	else if (failure_remembered(r))
		rc = serve_or_fail(r, PAI_EXIT_AWS);
	else
		rc = renew(r);
out:
	held_key_wipe(&cp->key);
	sess_cache_wipe(&cp->cache);
	free(cp);
	r->cp = NULL;
	return rc;
}
