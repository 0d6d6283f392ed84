/* SPDX-License-Identifier: MIT */
/* credproc_net.c — --credential-process's renewal (credproc.h): one sts:GetSessionToken
 * signed with the long-term key the helper holds for the person, the session cached for the
 * next calls. The admin identity is not used: the session is the person's own. */
#include "netrun.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "credproc.h"
#include "exit_status.h"

#define YOUNG_KEY_POLL_MS 500

_Static_assert(SESSCACHE_TOKEN_MAX == STS_SESSION_TOKEN_MAX, "a cached token fits any STS token");

/* Failures that may pass: the next calls do not wait on STS again for a while. */
static bool transient(pai_err e, const struct aws_error *ae)
{
	if (e == PAI_ERR_NETWORK || e == PAI_ERR_TIMEOUT || e == PAI_ERR_REPLY)
		return true;
	return e == PAI_ERR_AWS && (ae->http_status >= 500 || ae->http_status == 429 ||
	                            strstr(ae->code, "Throttl") != NULL);
}

static void say_why(struct credproc *cp, pai_err e, const struct aws_error *ae)
{
	if (ae && ae->code[0])
		snprintf(cp->why, sizeof(cp->why), "GetSessionToken failed: %.63s: %.60s", ae->code,
		         ae->message);
	else
		snprintf(cp->why, sizeof(cp->why), "GetSessionToken failed: %s", pai_strerror(e));
}

static pai_err open_client(const struct run *r, struct aws_client **c)
{
	const struct held_key *k = &r->cp->key;
	struct aws_creds creds = {(char *)k->key_id, (char *)k->secret, NULL, NULL};
	struct aws_client_opts co = {0};
	long left = (long)(prov_deadline_ms(r) - clock_now_ms());

	if (left <= 0)
		return PAI_ERR_TIMEOUT;
	co.partition = config_partition_name(r->cfg.partition);
	co.iam_endpoint = r->cfg.endpoint[0] ? r->cfg.endpoint : NULL;
	co.sts_endpoint = r->cfg.sts_endpoint[0] ? r->cfg.sts_endpoint : NULL;
	co.connect_timeout_ms = (long)r->cfg.connect_timeout * 1000;
	co.deadline_ms = left;
	co.max_attempts = (int)r->cfg.max_attempts;
	return aws_client_new(c, &co, &creds); /* copies the key; wiped at aws_client_free */
}

/* GetSessionToken; a key made a moment ago may not work yet (IAM takes seconds to spread it):
 * asked again until the deadline. */
static pai_err get_session(const struct run *r, struct aws_client *c, struct sts_session *s)
{
	struct timespec ts = {0, YOUNG_KEY_POLL_MS * 1000000L};

	for (;;) {
		pai_err e = sts_get_session_token(c, r->cfg.session_seconds, s, NULL);
		if (e != PAI_ERR_DENIED ||
		    time(NULL) - r->cp->key.created >= CREDPROC_KEY_SETTLE_S ||
		    aws_client_remaining_ms(c) < 2 * YOUNG_KEY_POLL_MS)
			return e;
		nanosleep(&ts, NULL);
	}
}

static void keep(struct run *r, const struct sts_session *s)
{
	struct sess_cache *c = &r->cp->cache;

	c->has_session = true;
	snprintf(c->access_key_id, sizeof(c->access_key_id), "%s", s->access_key_id);
	snprintf(c->secret, sizeof(c->secret), "%s", s->secret_access_key);
	snprintf(c->token, sizeof(c->token), "%s", s->session_token);
	c->expires = s->expires;
	c->failed_at = 0;
	c->failure[0] = '\0';
	if (sesscache_write(r->sdir, c))
		prov_fail(PAI_EXIT_FILE,
		          "cannot cache the session in %s/" SESSCACHE_SUBDIR
		          ": the next call asks STS again",
		          r->cfg.state_dir);
}

int credproc_net_refresh(struct run *r)
{
	struct credproc *cp = r->cp;
	struct aws_client *c = NULL;
	struct sts_session s = {0};
	const struct aws_error *ae = NULL;
	pai_err e;

	e = open_client(r, &c);
	if (!e) {
		e = get_session(r, c, &s);
		ae = aws_client_last_error(c);
	}
	if (!e && s.expires - time(NULL) <= CREDPROC_MIN_LEFT_S) {
		char when[32];

		clock_format_utc(s.expires, when);
		snprintf(cp->why, sizeof(cp->why),
		         "GetSessionToken gave a session that expires at %s: is this host's clock "
		         "right?",
		         when);
		sts_session_wipe(&s);
		aws_client_free(c);
		return PAI_EXIT_AWS;
	}
	if (!e) {
		keep(r, &s);
		prov_audit(r, "session-issued", cp->key.key_id);
	} else {
		say_why(cp, e, ae);
		cp->transient = transient(e, ae ? ae : &(struct aws_error){0});
		if (cp->transient) {
			cp->cache.failed_at = time(NULL);
			snprintf(cp->cache.failure, sizeof(cp->cache.failure), "%s", cp->why);
			sesscache_write(r->sdir, &cp->cache); /* else the next call tries at once */
		}
	}
	sts_session_wipe(&s);
	if (c)
		aws_client_free(c);
	return e ? prov_exit_for(e) : PAI_EXIT_OK;
}
