/* SPDX-License-Identifier: MIT */
/* converge.c — an existing managed IAM user brought to this host's groups, managed policies
 * and tags when a login verifies: convplan.h decides, this carries it out, --dry-run prints
 * the calls and --status what differs. Never on the fast path.
 * Cost: nothing when the record on the user (convrec.h) says this host's generation and
 * config. Otherwise the user's groups, policies and tags are read together with its keys
 * (the round trip ListAccessKeys takes anyway), what differs is called in one round trip
 * with the record's TagUser, and, when that changed the ids the record holds, the record is
 * read back with the key work's last round trip; it is written again, a bounded number of
 * times, only when another host's record went in meanwhile (TagUser replaces whole values:
 * convplan_settle merges the two) or a call failed. */
#include "netrun.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "clock.h"
#include "convplan.h"
#include "exit_status.h"
#include "template.h"

struct converge {
	/* this host's config, as cv->in points at it */
	const char *groups[PAI_CONF_MAX_GROUPS];
	const char *policies[PAI_CONF_MAX_POLICIES];
	struct iam_tag tags[PAI_CONF_MAX_TAGS];
	char digest[CONVREC_DIGEST_LEN + 1];
	/* the user */
	struct convrec rec;
	bool reads;            /* its groups and policies are read with its keys */
	bool reads_failed;     /* ... and could not be: no convergence this time */
	struct iam_user fresh; /* GetUser again, with the lists: the freshest record */
	struct iam_listed groups_read, policies_read;
	const char *user_groups[IAM_MAX_LISTED], *user_policies[IAM_MAX_LISTED];
	struct iam_key_listing keys;
	/* the decision and how it went */
	struct convplan_in in;
	struct convplan plan;
	struct convplan_outcome outcome;
	bool wrote;           /* the record's TagUser was sent */
	bool read_back;       /* ... changing its ids: it is read back (queued) */
	struct iam_user back; /* the record read back */
	struct aws_result back_res;
};

/* One syslog line (AUTHPRIV notice) about this run's person: action and detail. */
static void conv_log(const struct run *r, const char *action, const char *detail)
{
	char login[300], safe[600];

	prov_escape(r->login, login, sizeof(login));
	prov_escape(detail ? detail : "", safe, sizeof(safe));
	syslog(LOG_NOTICE, "user=%s iam_user=%s host=%s host_id=%s action=%s%s%s", login,
	       r->iam_name, r->host.name, r->host.id, action, safe[0] ? " " : "", safe);
}

int converge_expand_tags(const struct run *r, struct iam_tag *tags, size_t *n)
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
	return PAI_EXIT_OK;
}

/* cv->in's side of this host: the config's groups, policies, expanded tags and digest. */
static int config_side(struct netrun *nr, struct converge *cv)
{
	struct run *r = nr->r;
	size_t i, n_tags;
	int rc;

	for (i = 0; i < r->cfg.n_user_groups; i++)
		cv->groups[i] = r->cfg.user_groups[i];
	for (i = 0; i < r->cfg.n_policies; i++)
		cv->policies[i] = r->cfg.policies[i];
	rc = converge_expand_tags(r, cv->tags, &n_tags);
	if (rc)
		return rc;
	convplan_digest(&r->cfg, cv->digest);
	cv->in.generation = r->cfg.generation;
	cv->in.digest = cv->digest;
	cv->in.host = &r->host;
	cv->in.now = r->now;
	cv->in.groups = cv->groups;
	cv->in.n_groups = r->cfg.n_user_groups;
	cv->in.policies = cv->policies;
	cv->in.n_policies = r->cfg.n_policies;
	cv->in.tags = cv->tags;
	cv->in.n_tags = n_tags;
	cv->in.rec = &cv->rec;
	return PAI_EXIT_OK;
}

static struct converge *cv_new(struct netrun *nr)
{
	if (!nr->cv)
		nr->cv = calloc(1, sizeof(*nr->cv));
	return nr->cv;
}

void converge_free(struct netrun *nr)
{
	free(nr->cv); /* no secret in it */
	nr->cv = NULL;
}

int converge_created_tags(struct netrun *nr, struct iam_tag out[CONVREC_TAGS])
{
	struct converge *cv = cv_new(nr);
	struct convrec rec;
	int rc;

	if (!cv)
		return prov_fail(PAI_EXIT_INTERNAL, "out of memory");
	rc = config_side(nr, cv);
	if (rc)
		return rc;
	convplan_created(&cv->in, &rec);
	if (convrec_make_tags(&rec, out))
		return prov_fail(PAI_EXIT_INTERNAL, "cannot make the convergence record");
	return PAI_EXIT_OK;
}

/* The user's side of cv->in from a GetUser (its tags and record) and, once read, its lists. */
static void user_side(struct converge *cv, const struct iam_user *u, bool lists)
{
	size_t i;

	convrec_read(u->tags, u->n_tags, &cv->rec);
	cv->in.user_tags = u->tags;
	cv->in.n_user_tags = u->n_tags;
	cv->in.have_lists = lists;
	for (i = 0; lists && i < cv->groups_read.n; i++)
		cv->user_groups[i] = cv->groups_read.item[i];
	for (i = 0; lists && i < cv->policies_read.n; i++)
		cv->user_policies[i] = cv->policies_read.item[i];
	cv->in.user_groups = cv->user_groups;
	cv->in.n_user_groups = lists ? cv->groups_read.n : 0;
	cv->in.user_policies = cv->user_policies;
	cv->in.n_user_policies = lists ? cv->policies_read.n : 0;
}

int converge_begin(struct netrun *nr)
{
	struct run *r = nr->r;
	enum prov_action a = r->o->action;
	struct converge *cv;
	int rc;

	if (a != PROV_LOGIN && a != PROV_ROTATE && a != PROV_STATUS)
		return PAI_EXIT_OK;
	cv = cv_new(nr);
	if (!cv)
		return prov_fail(PAI_EXIT_INTERNAL, "out of memory");
	rc = config_side(nr, cv);
	if (rc) { /* a tag this login cannot carry: the key is still worth verifying */
		nr->status = rc;
		converge_free(nr);
		return PAI_EXIT_OK;
	}
	cv->in.compare_all = a == PROV_STATUS;
	user_side(cv, &nr->u, false);
	convplan_make(&cv->in, &cv->plan);
	cv->reads = cv->in.compare_all || cv->plan.verdict == CONVPLAN_READ;
	if (a != PROV_STATUS && !r->o->dry_run &&
	    (cv->plan.verdict == CONVPLAN_OLDER || cv->plan.verdict == CONVPLAN_CONFLICT))
		conv_log(r,
		         cv->plan.verdict == CONVPLAN_OLDER
		             ? "converge-skipped-older-generation"
		             : "converge-skipped-generation-conflict",
		         cv->plan.why);
	return PAI_EXIT_OK;
}

bool converge_reads(const struct netrun *nr)
{
	return nr->cv && nr->cv->reads;
}

/* A list read's failure: a warning, and no convergence this time. */
static void read_failed(struct netrun *nr, const char *call, const struct aws_result *res)
{
	nr->status = net_fail(call, res->status, &res->error);
	nr->cv->reads_failed = true;
}

int converge_read_with_keys(struct netrun *nr)
{
	struct run *r = nr->r;
	struct converge *cv = nr->cv;
	bool status = r->o->action == PROV_STATUS;
	struct aws_result kres = {PAI_ERR_INVALID, {0}}, gres = {PAI_ERR_INVALID, {0}},
	                  pres = {PAI_ERR_INVALID, {0}}, ures = {PAI_OK, {0}};
	pai_err e;

	iam_queue_list_access_keys(nr->c, r->iam_name, &cv->keys, &kres);
	iam_list_groups_for_user(nr->c, r->iam_name, &cv->groups_read, &gres);
	iam_list_attached_user_policies(nr->c, r->iam_name, &cv->policies_read, &pres);
	if (!status) { /* the record as it is now, not as it was one round trip ago */
		ures.status = PAI_ERR_INVALID;
		iam_get_user(nr->c, r->iam_name, &cv->fresh, &ures);
	}
	aws_client_flush(nr->c);
	if (kres.status)
		return net_fail("ListAccessKeys", kres.status, &kres.error);
	nr->keys = cv->keys.list;
	if (cv->keys.more && (e = iam_list_access_keys(nr->c, r->iam_name, &nr->keys, NULL)))
		return net_call_fail(nr, "ListAccessKeys", e);
	if (!gres.status && cv->groups_read.more)
		gres.status = iam_list_groups_for_user(nr->c, r->iam_name, &cv->groups_read, NULL);
	if (!pres.status && cv->policies_read.more)
		pres.status =
		    iam_list_attached_user_policies(nr->c, r->iam_name, &cv->policies_read, NULL);
	if (gres.status)
		read_failed(nr, "ListGroupsForUser", &gres);
	else if (pres.status)
		read_failed(nr, "ListAttachedUserPolicies", &pres);
	else if (ures.status)
		read_failed(nr, "GetUser (convergence record)", &ures);
	if (cv->reads_failed)
		return PAI_EXIT_OK; /* the keys are read: the login goes on */
	user_side(cv, status ? &nr->u : &cv->fresh, true);
	convplan_make(&cv->in, &cv->plan);
	return PAI_EXIT_OK;
}

/* DONE, REFUSED (IAM said no) or UNKNOWN (no answer) for a call's result; a removal of
 * what is already gone is done. */
static enum convplan_result result_of(const struct aws_result *res, bool removal)
{
	if (res->status == PAI_OK || (removal && res->status == PAI_ERR_NOT_FOUND))
		return CONVPLAN_DONE;
	return res->error.code[0] ? CONVPLAN_REFUSED : CONVPLAN_UNKNOWN;
}

/* Each failed call is one line and a warning; each change one syslog line. */
static void report(struct netrun *nr, const char *call, const char *what,
                   const struct aws_result *res, enum convplan_result out, const char *action)
{
	char line[300];

	snprintf(line, sizeof(line), "%s %s", call, what);
	if (out == CONVPLAN_DONE) {
		conv_log(nr->r, action, what);
		return;
	}
	nr->status = net_fail(line, res->status, &res->error);
	nr->setup_pending = true; /* the next login converges again */
}

/* The plan's calls and the record, in one round trip; then the record's read-back queued
 * to go with the key work's next round trip. */
static void execute(struct netrun *nr)
{
	struct run *r = nr->r;
	struct converge *cv = nr->cv;
	const struct convplan *p = &cv->plan;
	struct convplan_outcome *o = &cv->outcome;
	struct aws_result ag[CONVPLAN_MAX_ITEMS], rg[CONVPLAN_MAX_ITEMS], at[CONVPLAN_MAX_ITEMS],
	    dt[CONVPLAN_MAX_ITEMS], tres = {PAI_ERR_INVALID, {0}}, ures = {PAI_OK, {0}};
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t i, n = 0;

	for (i = 0; i < p->n_add_groups; i++)
		iam_add_user_to_group(nr->c, r->iam_name, p->add_groups[i], &ag[i]);
	for (i = 0; i < p->n_remove_groups; i++)
		iam_remove_user_from_group(nr->c, r->iam_name, p->remove_groups[i], &rg[i]);
	for (i = 0; i < p->n_attach; i++)
		iam_attach_user_policy(nr->c, r->iam_name, p->attach[i], &at[i]);
	for (i = 0; i < p->n_detach; i++)
		iam_detach_user_policy(nr->c, r->iam_name, p->detach[i], &dt[i]);
	for (i = 0; i < p->n_set_tags && n < IAM_MAX_TAGS - CONVREC_TAGS; i++)
		tags[n++] = *p->set_tags[i];
	if (convrec_make_tags(&p->rec, &tags[n]) == PAI_OK)
		n += CONVREC_TAGS;
	iam_tag_user(nr->c, r->iam_name, tags, n, &tres);
	if (p->n_untag)
		iam_untag_user(nr->c, r->iam_name, p->untag, p->n_untag, &ures);
	aws_client_flush(nr->c);
	if (p->verdict == CONVPLAN_CONVERGE)
		nr->setup_pending =
		    false; /* everything configured was called: a pending setup too */
	for (i = 0; i < p->n_add_groups; i++) {
		o->add_groups[i] = result_of(&ag[i], false);
		report(nr, "AddUserToGroup", p->add_groups[i], &ag[i], o->add_groups[i],
		       "group-added");
	}
	for (i = 0; i < p->n_remove_groups; i++) {
		o->remove_groups[i] = result_of(&rg[i], true);
		report(nr, "RemoveUserFromGroup", p->remove_groups[i], &rg[i], o->remove_groups[i],
		       "group-removed");
	}
	for (i = 0; i < p->n_attach; i++) {
		o->attach[i] = result_of(&at[i], false);
		report(nr, "AttachUserPolicy", p->attach[i], &at[i], o->attach[i],
		       "policy-attached");
	}
	for (i = 0; i < p->n_detach; i++) {
		o->detach[i] = result_of(&dt[i], true);
		report(nr, "DetachUserPolicy", p->detach[i], &dt[i], o->detach[i],
		       "policy-detached");
	}
	o->set_tags = result_of(&tres, false);
	report(nr, "TagUser", "(config tags and convergence record)", &tres, o->set_tags,
	       "converged");
	o->untag = result_of(&ures, true);
	if (p->n_untag)
		report(nr, "UntagUser", "(tags no longer configured)", &ures, o->untag,
		       "tags-removed");
	if (!nr->setup_pending && !convplan_only_record(p))
		prov_say(r,
		         "IAM user %s: groups, policies and tags brought to config generation %lu",
		         r->iam_name, p->rec.generation);
	cv->wrote = true;
	/* Only a write that changes which ids the record holds can lose another host's ids, or
	 * have its own lost: a host that writes the same ids over them loses nothing (each host
	 * reads back what it added). Then the record is read back, with the key work's next
	 * round trip. */
	cv->read_back = !convrec_same_ids(&p->rec, &cv->rec) || o->set_tags != CONVPLAN_DONE;
	if (cv->read_back) {
		cv->back_res.status = PAI_ERR_INVALID;
		iam_get_user(nr->c, r->iam_name, &cv->back, &cv->back_res);
	}
}

bool converge_run(struct netrun *nr)
{
	struct run *r = nr->r;
	struct converge *cv = nr->cv;

	if (!cv || r->o->action == PROV_STATUS)
		return false;
	if (cv->reads_failed)
		return true; /* nothing known to go by: next time */
	switch (cv->plan.verdict) {
	case CONVPLAN_NOTHING: return false; /* a pending setup may still be retried */
	case CONVPLAN_READ: return true;     /* not read (cannot happen once read) */
	case CONVPLAN_OLDER:
	case CONVPLAN_CONFLICT:
		/* this host's groups and policies would undo the recorded generation's */
		if (r->o->dry_run && !r->o->quiet)
			convplan_print(&cv->plan, stdout);
		return true;
	case CONVPLAN_RECORD:
	case CONVPLAN_CONVERGE: break;
	}
	if (r->o->dry_run) {
		if (!r->o->quiet)
			convplan_print(&cv->plan, stdout);
	} else {
		execute(nr);
	}
	/* the same config at a newer generation: a pending setup of it is still retried */
	return cv->plan.verdict == CONVPLAN_CONVERGE;
}

int converge_finish(struct netrun *nr, int rc)
{
	struct run *r = nr->r;
	struct converge *cv = nr->cv;
	struct convrec back, want;
	struct iam_tag t[CONVREC_TAGS];
	int round;
	pai_err e;

	if (!cv || !cv->wrote)
		return rc;
	if (cv->read_back) {
		aws_client_flush(
		    nr->c); /* the read-back, unless the key work's round trip took it */
		e = cv->back_res.status;
	} else {
		e = PAI_OK; /* the record is what was written */
	}
	for (round = 1;; round++) {
		if (e) {
			nr->status = net_fail("GetUser (convergence record read back)", e,
			                      round == 1 ? &cv->back_res.error
			                                 : aws_client_last_error(nr->c));
			break;
		}
		if (round == 1 && !cv->read_back)
			back = cv->plan.rec;
		else
			convrec_read(cv->back.tags, cv->back.n_tags, &back);
		if (!convplan_settle(&cv->in, &cv->plan, &cv->outcome, &back, &want))
			break; /* the record on the user is this run's, merged with any other's */
		if (round == CONVPLAN_MAX_WRITES) {
			nr->status = prov_fail(PAI_EXIT_WARNING,
			                       "the convergence record of %s kept changing under "
			                       "other hosts' writes (%d attempts); the next verify "
			                       "converges again",
			                       r->iam_name, CONVPLAN_MAX_WRITES);
			break;
		}
		conv_log(r, "converge-record-merged", back.host_name);
		if (convrec_make_tags(&want, t) ||
		    iam_tag_user(nr->c, r->iam_name, t, CONVREC_TAGS, NULL)) {
			nr->status = net_call_fail(nr, "TagUser (convergence record)", PAI_ERR_AWS);
			break;
		}
		e = iam_get_user(nr->c, r->iam_name, &cv->back, NULL);
	}
	return net_login_status(nr, rc);
}

void converge_status(struct netrun *nr)
{
	struct run *r = nr->r;
	struct converge *cv = nr->cv;
	const struct convplan *p;
	size_t i, n = 0;

	if (!cv || cv->reads_failed)
		return;
	p = &cv->plan;
	if (cv->rec.present) {
		char when[32];

		clock_format_utc(cv->rec.at, when);
		prov_say(r,
		         "config: generation %lu here; the user is at generation %lu%s, by host %s "
		         "at %s",
		         (unsigned long)r->cfg.generation, cv->rec.generation,
		         !strcmp(cv->rec.digest, CONVREC_UNFINISHED) ? " (unfinished)" : "",
		         cv->rec.host_name, when);
	} else {
		prov_say(r, "config: generation %lu here; the user has no convergence record yet",
		         (unsigned long)r->cfg.generation);
	}
	for (i = 0; i < p->n_add_groups; i++, n++)
		prov_say(r, "config: group %s is configured and missing", p->add_groups[i]);
	for (i = 0; i < p->n_remove_groups; i++, n++)
		prov_say(r, "config: group %s was added by " PROG " and is no longer configured",
		         p->remove_groups[i]);
	for (i = 0; i < p->n_attach; i++, n++)
		prov_say(r, "config: policy %s is configured and not attached", p->attach[i]);
	for (i = 0; i < p->n_detach; i++, n++)
		prov_say(r,
		         "config: policy %s was attached by " PROG " and is no longer configured",
		         p->detach[i]);
	for (i = 0; i < p->n_set_tags; i++, n++)
		prov_say(r, "config: tag %s should be '%s'", p->set_tags[i]->key,
		         p->set_tags[i]->value);
	for (i = 0; i < p->n_untag; i++, n++)
		prov_say(r, "config: tag %s was set by " PROG " and is no longer configured",
		         p->untag[i]);
	switch (p->verdict) {
	case CONVPLAN_OLDER:
	case CONVPLAN_CONFLICT: prov_say(r, "config: %s", p->why); break;
	case CONVPLAN_NOTHING:
		if (n)
			prov_say(r, "config: the user is at this host's generation and config: "
			            "changes made by hand stay until the config changes");
		else
			prov_say(r, "config: groups, policies and tags are as configured");
		break;
	case CONVPLAN_RECORD:
		prov_say(r,
		         "config: the next verify here records generation %lu (the config is the "
		         "recorded one)%s",
		         (unsigned long)r->cfg.generation,
		         n ? "; changes made by hand stay until the config changes" : "");
		break;
	case CONVPLAN_READ:
	case CONVPLAN_CONVERGE:
		prov_say(r, "config: %s",
		         n ? "the next verify here makes these changes"
		           : "the next verify here records this generation");
		break;
	}
}
