/* SPDX-License-Identifier: MIT */
/* fleet_actions.c — fleet mode ([keys] store = secretsmanager): the store read, the plan
 * asked (fleetplan.h), the plan carried out. One secret per IAM user, named by the prefix
 * and the user's UserId (names ignore case and may hold ',', and a re-created user must not
 * inherit a key); its value is a fleetdoc.h document. Every write is a compare-and-swap: the
 * ClientRequestToken is derived from the version it replaces, so a rival writing other data
 * over the same version fails (PAI_ERR_EXISTS) and takes the winner's document instead.
 *
 * Order of what changes things: [delete unpublished and freed keys, set this host's mark,
 * claim] -> CreateAccessKey -> PutSecretValue (publish) -> write the home -> write state ->
 * delete what the publication made obsolete. A key made and not published is deleted by its
 * maker when it loses; if its maker dies, by anyone once the maker's run is over (its mark). */
#include "netrun.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "exit_status.h"
#include "fleetdoc.h"

#define WAIT_POLL_MS 300
#define CAS_TRIES    3
#define DAY_S        86400

struct store {
	char name[SM_NAME_MAX];
	bool exists;
	bool deleting;
	char version[SM_TOKEN_MAX]; /* AWSCURRENT */
	bool have_doc;              /* doc read from that version (secret included) */
	struct fleet_doc doc;
	struct aws_error write_error; /* why the last publish failed (the read after it is OK) */
	bool write_absent;            /* ...and the store shows it never landed */
};

static void store_wipe(struct store *s)
{
	fleet_doc_wipe(&s->doc);
	s->have_doc = false;
}

static int store_fail(const struct netrun *nr, const struct store *s, const char *what, pai_err e,
                      const struct aws_error *ae)
{
	(void)nr;
	if (ae && ae->code[0])
		return prov_fail(prov_exit_for(e), "%s %s failed: %s: %s", what, s->name, ae->code,
		                 ae->message);
	return prov_fail(prov_exit_for(e), "%s %s failed: %s", what, s->name, pai_strerror(e));
}

/* DescribeSecret: exists, scheduled for deletion, the current version. */
static int describe(struct netrun *nr, struct store *s)
{
	struct sm_secret_info info;
	pai_err e = sm_describe_secret(nr->c, s->name, &info, NULL);

	s->exists = e == PAI_OK;
	s->deleting = false;
	s->version[0] = '\0';
	if (e == PAI_ERR_NOT_FOUND)
		return PAI_EXIT_OK;
	if (e)
		return store_fail(nr, s, "DescribeSecret", e, aws_client_last_error(nr->c));
	s->deleting = info.scheduled_for_deletion;
	snprintf(s->version, sizeof(s->version), "%s", info.current);
	return PAI_EXIT_OK;
}

/* GetSecretValue of the current version, read strictly and checked to be this user's. */
static int fetch(struct netrun *nr, struct store *s)
{
	struct sm_value v = {{0}, NULL, 0};
	pai_err e;

	store_wipe(s);
	if (!s->exists || s->deleting || !s->version[0])
		return PAI_EXIT_OK;
	e = sm_get_secret_value(nr->c, s->name, NULL, &v, NULL);
	if (e == PAI_ERR_NOT_FOUND) /* a secret with no value (made by hand): as none */
		return PAI_EXIT_OK;
	if (e)
		return store_fail(nr, s, "GetSecretValue", e, aws_client_last_error(nr->c));
	snprintf(s->version, sizeof(s->version), "%s", v.version_id);
	e = fleetdoc_parse(v.string, v.len, &s->doc);
	sm_value_wipe(&v);
	if (e)
		return prov_fail(
		    PAI_EXIT_REFUSED,
		    "secret %s holds no pam_aws_iam document: nothing done (restore or "
		    "delete it)",
		    s->name);
	if (strcmp(s->doc.user_id, nr->u.user_id) != 0) {
		store_wipe(s);
		return prov_fail(PAI_EXIT_REFUSED,
		                 "secret %s belongs to another IAM user (UserId %s): nothing done",
		                 s->name, s->doc.user_id);
	}
	s->have_doc = true;
	return PAI_EXIT_OK;
}

/* Reads the store: always its description; the value when the version is not the one this
 * host last took its key from, or when the caller needs it. */
static int read_store(struct netrun *nr, struct store *s, bool need_value)
{
	const struct run *r = nr->r;
	int rc = describe(nr, s);

	if (rc)
		return rc;
	if (!need_value && prov_state_is_ours(r) && !strcmp(r->st.store_version, s->version) &&
	    s->version[0] && !strcmp(r->profile_key, r->st.key_id)) {
		/* the version this host took its key from: its record stands in for the value */
		store_wipe(s);
		s->doc.state = FLEET_ACTIVE;
		snprintf(s->doc.user, sizeof(s->doc.user), "%s", nr->u.name);
		snprintf(s->doc.user_id, sizeof(s->doc.user_id), "%s", nr->u.user_id);
		s->doc.has_current = true;
		snprintf(s->doc.current_id, sizeof(s->doc.current_id), "%s", r->st.key_id);
		s->doc.current_created = r->st.key_created;
		if (r->st.prev_key_id[0]) {
			s->doc.has_previous = true;
			snprintf(s->doc.previous_id, sizeof(s->doc.previous_id), "%s",
			         r->st.prev_key_id);
			s->doc.previous_until = r->st.prev_until;
		}
		return PAI_EXIT_OK; /* have_doc stays false: no secret in hand */
	}
	return fetch(nr, s);
}

static void plan_for(struct netrun *nr, const struct store *s, enum fleet_action a,
                     struct fleet_plan *p)
{
	const struct run *r = nr->r;
	struct keyplan_key keys[KEYPLAN_MAX_KEYS];
	struct fleet_in in = {0};

	in.action = a;
	in.store_exists = s->exists;
	in.store_deleting = s->deleting;
	in.doc = s->exists && (s->have_doc || s->doc.has_current || s->doc.state) ? &s->doc : NULL;
	in.n_keys = key_actions_plan_keys(nr, keys);
	in.keys = keys;
	in.ledger = &nr->ledger;
	in.host = &r->host;
	in.profile_key = r->profile_key;
	in.profile_not_a_key = r->profile_not_a_key;
	in.state_key = prov_state_is_ours(r) ? r->st.key_id : "";
	in.now = r->now;
	in.max_age_days = r->cfg.max_age_days;
	in.grace = r->cfg.rotation_grace;
	in.deadline = r->cfg.deadline;
	fleet_plan_make(&in, p);
}

/* The document this host publishes: state and keys as given, user and writer filled in. */
static void doc_init(const struct netrun *nr, struct fleet_doc *d, enum fleet_state state)
{
	const struct run *r = nr->r;

	memset(d, 0, sizeof(*d));
	d->state = state;
	snprintf(d->user, sizeof(d->user), "%s", nr->u.name);
	snprintf(d->user_id, sizeof(d->user_id), "%s", nr->u.user_id);
	d->written_by = r->host;
	d->written_at = r->now;
}

/* The token that makes a write a compare-and-swap over version (or over "the secret does not
 * exist yet", for the first write). */
static pai_err cas_token(const struct netrun *nr, const char *over, char out[SM_TOKEN_MAX])
{
	char name[300];

	snprintf(name, sizeof(name), "%s/%s", nr->u.user_id, over[0] ? over : "create");
	return sm_cas_token(name, out);
}

/* True when the secret has no version token: a write with that token never landed. */
static bool version_absent(struct netrun *nr, const struct store *s, const char *token)
{
	struct sm_value v = {{0}, NULL, 0};
	pai_err e = sm_get_secret_value(nr->c, s->name, token, &v, NULL);

	sm_value_wipe(&v);
	return e == PAI_ERR_NOT_FOUND;
}

/* Publishes d over the store's current version (or creates the secret). PAI_ERR_EXISTS when
 * a rival wrote first; *version is the new current version on success. */
static pai_err publish(struct netrun *nr, struct store *s, const struct fleet_doc *d,
                       char version[SM_TOKEN_MAX])
{
	const struct run *r = nr->r;
	struct sm_written w;
	char token[SM_TOKEN_MAX];
	struct buf b;
	pai_err e;

	buf_init(&b, FLEETDOC_MAX_BYTES);
	e = fleetdoc_serialize(d, &b);
	if (!e)
		e = cas_token(nr, s->exists ? s->version : "", token);
	if (e) { /* nothing was sent: no write to look for */
		buf_free(&b);
		memset(&s->write_error, 0, sizeof(s->write_error));
		s->write_absent = true;
		return e;
	}
	if (s->exists)
		e = sm_put_secret_value(nr->c, s->name, token, b.data, &w, NULL);
	else
		e = sm_create_secret(
		    nr->c, s->name, token, r->cfg.kms_key[0] ? r->cfg.kms_key : NULL,
		    "pam_aws_iam: the fleet's access key of one IAM user", b.data, &w, NULL);
	buf_free(&b);
	if (e == PAI_ERR_EXISTS)
		return e;
	if (e) {
		/* did it land anyway (a lost reply)? the version it makes is the token sent */
		s->write_error = *aws_client_last_error(nr->c);
		s->write_absent = false;
		if (describe(nr, s) != PAI_EXIT_OK)
			return e;
		if (strcmp(s->version, token) != 0) {
			s->write_absent = !s->exists || version_absent(nr, s, token);
			return e;
		}
	}
	snprintf(version, SM_TOKEN_MAX, "%s", token);
	prov_audit_version(r, "store-published", d->has_current ? d->current_id : "-", token);
	return PAI_OK;
}

/* Deletes keys (queued together); *failed when one could not be deleted (it stays). */
static void delete_keys(struct netrun *nr, const char (*ids)[IAM_KEY_ID_MAX], size_t n,
                        bool *failed)
{
	struct aws_result res[KEYPLAN_MAX_KEYS];
	size_t i;

	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++)
		iam_delete_access_key(nr->c, nr->r->iam_name, ids[i], &res[i]);
	if (n)
		aws_client_flush(nr->c);
	for (i = 0; i < n && i < KEYPLAN_MAX_KEYS; i++) {
		if (res[i].status && res[i].status != PAI_ERR_NOT_FOUND) {
			nr->status = net_fail("DeleteAccessKey", res[i].status, &res[i].error);
			if (failed)
				*failed = true;
			continue;
		}
		prov_audit(nr->r, "key-deleted", ids[i]);
	}
}

/* What this host records: the store's key, the version it came from, the key it replaced. */
static void remember(struct netrun *nr, const struct store *s, const struct fleet_doc *d)
{
	snprintf(nr->store_version, sizeof(nr->store_version), "%s", s->version);
	nr->prev_key_id[0] = '\0';
	nr->prev_until = 0;
	if (d->has_previous) {
		snprintf(nr->prev_key_id, sizeof(nr->prev_key_id), "%s", d->previous_id);
		nr->prev_until = d->previous_until;
	}
	net_record(nr, d->current_id, d->current_created);
	nr->key_in_place = true;
	delivery_ensure(nr);
}

/* The store's current key into the home (the value fetched when not in hand). */
static int deliver(struct netrun *nr, struct store *s)
{
	struct run *r = nr->r;
	char err[512] = "", more[64];
	pai_err e;

	if (!s->have_doc) {
		int rc = fetch(nr, s);

		if (rc)
			return rc;
		if (!s->have_doc || !s->doc.has_current)
			return prov_fail(PAI_EXIT_AWS,
			                 "secret %s changed while it was read: the next "
			                 "login tries again",
			                 s->name);
	}
	e = delivery_put(nr, s->doc.current_id, s->doc.current_secret, s->doc.current_created, err,
	                 sizeof(err));
	if (e)
		return prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
	prov_audit_version(r, "key-written", s->doc.current_id, s->version);
	snprintf(more, sizeof(more), " (the fleet's, store version %.8s)", s->version);
	delivery_say(nr, s->doc.current_id, more);
	return PAI_EXIT_OK;
}

/* The host making the first key publishes it within its deadline: re-read until then. */
static int wait_for_key(struct netrun *nr, struct store *s)
{
	const struct run *r = nr->r;
	char claimer[HOSTID_NAME_MAX], seen[SM_TOKEN_MAX];

	snprintf(claimer, sizeof(claimer), "%s", s->doc.claim.name);
	snprintf(seen, sizeof(seen), "%s", s->version);
	while (aws_client_remaining_ms(nr->c) > WAIT_POLL_MS + 500) {
		struct timespec ts = {0, WAIT_POLL_MS * 1000000L};
		int rc;

		nanosleep(&ts, NULL);
		rc = describe(nr, s);
		if (rc)
			return rc;
		if (s->exists && !s->deleting && strcmp(s->version, seen) == 0)
			continue; /* still the claim's version: its value is known */
		rc = fetch(nr, s);
		if (rc)
			return rc;
		snprintf(seen, sizeof(seen), "%s", s->version);
		if (s->have_doc && s->doc.state != FLEET_CLAIMED)
			return PAI_EXIT_OK;
	}
	return prov_fail(PAI_EXIT_AWS,
	                 "host %s is making %s's first AWS key and has not published it within "
	                 "this login's deadline (%u s): the next login takes it",
	                 claimer, r->iam_name, r->cfg.deadline);
}

/* A run lost a compare-and-swap: another host wrote first; its document stands. */
#define LOST 1000

/* CLAIM, TAKEOVER, ROTATE_KEY, REPAIR: a new key (or, from host mode, the profile's) made,
 * published over the version read, delivered. LOST when a rival published first. */
static int make_key(struct netrun *nr, struct store *s, const struct fleet_plan *p,
                    enum fleet_action a)
{
	struct run *r = nr->r;
	struct fleet_doc d;
	struct iam_access_key key = {0};
	struct aws_result kres, mres = {PAI_OK, {0}};
	struct iam_tag mark;
	char version[SM_TOKEN_MAX], err[512] = "";
	bool first = p->verdict == FLEET_CLAIM || p->verdict == FLEET_TAKEOVER, failed = false;
	pai_err e;
	int rc = PAI_EXIT_OK;

	if (first && !p->adopt_profile) {
		/* the claim: others wait for this host instead of making keys of their own */
		doc_init(nr, &d, FLEET_CLAIMED);
		d.claim = r->host;
		d.claim_until = r->now + (time_t)r->cfg.deadline + FLEET_CLAIM_SLACK;
		e = publish(nr, s, &d, version);
		if (e == PAI_ERR_EXISTS)
			return LOST;
		if (e)
			return store_fail(nr, s, !s->exists ? "CreateSecret" : "PutSecretValue", e,
			                  &s->write_error);
		s->exists = true;
		snprintf(s->version, sizeof(s->version), "%s", version);
	}
	doc_init(nr, &d, FLEET_ACTIVE);
	if (p->adopt_profile) {
		/* this host's host-mode key, still good, becomes the fleet's: no new key */
		const struct iam_key_meta *k = key_actions_find(nr, r->profile_key);

		snprintf(key.id, sizeof(key.id), "%s", r->profile_key);
		if (!k ||
		    delivery_read_secret(nr, r->profile_key, key.secret, sizeof(key.secret), err,
		                         sizeof(err)) ||
		    !fleetdoc_valid_secret(key.secret)) {
			iam_access_key_wipe(&key);
			return prov_fail(PAI_EXIT_FILE, "cannot move key %s into the store: %s",
			                 r->profile_key,
			                 err[0] ? err : "its secret is not readable");
		}
		d.current_created = key_actions_created(nr, k);
	} else {
		delete_keys(nr, p->delete_unnamed, p->n_delete_unnamed, NULL);
		if (!nr->mark_set && ledger_make_mark(&r->host, r->now, NULL, &mark) == PAI_OK)
			iam_tag_user(nr->c, r->iam_name, &mark, 1, &mres);
		delete_keys(nr, p->delete_first, p->n_delete_first, &failed);
		if (failed)
			return nr->status; /* their slots were needed */
		if (mres.status)
			return net_fail("TagUser (this host's mark)", mres.status, &mres.error);
		iam_create_access_key(nr->c, r->iam_name, &key, &kres);
		aws_client_flush(nr->c);
		if (kres.status)
			return net_fail("CreateAccessKey", kres.status, &kres.error);
		prov_audit(r, first ? "key-created" : "key-rotated", key.id);
		d.current_created = r->now;
	}
	d.has_current = true;
	snprintf(d.current_id, sizeof(d.current_id), "%s", key.id);
	snprintf(d.current_secret, sizeof(d.current_secret), "%s", key.secret);
	if (p->verdict == FLEET_ROTATE_KEY && a != FLEET_ROTATE_NOW) {
		/* the old key keeps working for the grace, counted from its publication: a run
		 * slowed by throttling must not publish a grace partly spent */
		d.has_previous = true;
		snprintf(d.previous_id, sizeof(d.previous_id), "%s", s->doc.current_id);
		d.previous_until = time(NULL) + (time_t)r->cfg.rotation_grace;
	} else if (p->verdict == FLEET_REPAIR && s->doc.has_previous && !p->drop_previous) {
		d.has_previous = true;
		snprintf(d.previous_id, sizeof(d.previous_id), "%s", s->doc.previous_id);
		d.previous_until = s->doc.previous_until;
	}
	e = publish(nr, s, &d, version);
	if (e) {
		if (!p->adopt_profile && (e == PAI_ERR_EXISTS || s->write_absent)) {
			/* lost, or the write never landed: the key this host made is no one's */
			char mine[1][IAM_KEY_ID_MAX];

			snprintf(mine[0], sizeof(mine[0]), "%s", key.id);
			delete_keys(nr, mine, 1, NULL);
		}
		rc = e == PAI_ERR_EXISTS ? LOST
		                         : store_fail(nr, s, "PutSecretValue", e, &s->write_error);
		goto out;
	}
	snprintf(s->version, sizeof(s->version), "%s", version);
	store_wipe(s);
	s->doc = d;
	s->have_doc = true;
	if (!p->adopt_profile) {
		rc = deliver(nr, s);
		if (rc)
			goto out;
	}
	remember(nr, s, &d);
	delete_keys(nr, p->delete_after, p->n_delete_after, NULL);
	if (r->cfg.wait_until_usable && !p->adopt_profile)
		key_actions_wait_usable(nr, key.id, key.secret);
out:
	fleet_doc_wipe(&d);
	iam_access_key_wipe(&key);
	return rc;
}

/* KEEP, DELIVER: the store's key stays; what its grace ended is cleaned up. */
static int keep(struct netrun *nr, struct store *s, const struct fleet_plan *p)
{
	struct run *r = nr->r;

	delete_keys(nr, p->delete_unnamed, p->n_delete_unnamed, NULL);
	if (p->drop_previous) {
		bool failed = false;

		delete_keys(nr, p->delete_first, p->n_delete_first, &failed);
		if (!failed && (s->have_doc || fetch(nr, s) == PAI_EXIT_OK)) {
			struct fleet_doc d = s->doc;
			char version[SM_TOKEN_MAX];

			d.has_previous = false;
			memset(d.previous_id, 0, sizeof(d.previous_id));
			d.previous_until = 0;
			d.written_by = r->host;
			d.written_at = r->now;
			if (publish(nr, s, &d, version) == PAI_OK) {
				snprintf(s->version, sizeof(s->version), "%s", version);
				s->doc = d;
			} /* a rival's write stands; the next run sees it */
			fleet_doc_wipe(&d);
		}
	}
	if (p->verdict == FLEET_DELIVER) {
		int rc = deliver(nr, s);

		if (rc)
			return rc;
	} else {
		prov_audit_version(r, "key-verified", s->doc.current_id, s->version);
	}
	if (p->rotation_waits)
		prov_say(r,
		         "key %s is due for rotation; that waits until the key it replaced stops "
		         "working (rotation_grace)",
		         s->doc.current_id);
	remember(nr, s, &s->doc);
	delete_keys(nr, p->delete_after, p->n_delete_after, NULL);
	return PAI_EXIT_OK;
}

static int store_name(const struct netrun *nr, struct store *s)
{
	const struct run *r = nr->r;

	memset(s, 0, sizeof(*s));
	if (snprintf(s->name, sizeof(s->name), "%s%s", r->cfg.secret_prefix, nr->u.user_id) >=
	        (int)sizeof(s->name) ||
	    !sm_valid_name(s->name))
		return prov_fail(PAI_EXIT_CONFIG,
		                 "secret name %s%s is not one Secrets Manager takes",
		                 r->cfg.secret_prefix, nr->u.user_id);
	return PAI_EXIT_OK;
}

int fleet_actions_login(struct netrun *nr, enum fleet_action a)
{
	struct run *r = nr->r;
	struct store s;
	struct fleet_plan p;
	char err[512] = "";
	int rc, tries;

	rc = store_name(nr, &s);
	if (!rc)
		rc = read_store(nr, &s, a != FLEET_LOGIN);
	for (tries = 0; !rc && tries < CAS_TRIES; tries++) {
		plan_for(nr, &s, a, &p);
		if (r->o->dry_run) {
			if (!r->o->quiet)
				fleet_plan_print(&p, stdout);
			break;
		}
		switch (p.verdict) {
		case FLEET_KEEP:
		case FLEET_DELIVER: rc = keep(nr, &s, &p); break;
		case FLEET_WAIT:
			rc = wait_for_key(nr, &s);
			if (!rc)
				continue; /* plan again with the published key */
			break;
		case FLEET_CLAIM:
		case FLEET_TAKEOVER:
		case FLEET_ROTATE_KEY:
		case FLEET_REPAIR:
			rc = make_key(nr, &s, &p, a);
			if (rc == LOST) {
				rc = read_store(nr, &s, true); /* the winner's document */
				a = FLEET_LOGIN;
				continue;
			}
			break;
		case FLEET_CONFLICT:
			prov_say(r, "~/.aws/credentials profile '%s' %s", r->cfg.keys_profile,
			         p.why);
			prov_audit(r, "conflict-left-alone", r->profile_key);
			break;
		case FLEET_REVOKED_STOP:
			if (p.remove_from_home[0] &&
			    delivery_remove(nr, p.remove_from_home, err, sizeof(err)))
				prov_fail(PAI_EXIT_FILE, "%s", err);
			state_remove(r->sdir, r->login);
			rc = prov_fail(PAI_EXIT_REFUSED, "%s", p.why);
			break;
		case FLEET_REFUSE:
			delete_keys(nr, p.delete_unnamed, p.n_delete_unnamed, NULL);
			rc = prov_fail(PAI_EXIT_REFUSED, "IAM user %s %s", r->iam_name, p.why);
			break;
		default: rc = prov_fail(PAI_EXIT_REFUSED, "secret %s %s", s.name, p.why); break;
		}
		break;
	}
	if (!rc && tries == CAS_TRIES)
		rc = prov_fail(PAI_EXIT_AWS,
		               "secret %s changed under %d writes in a row: the next "
		               "login tries again",
		               s.name, CAS_TRIES);
	if (!rc && nr->key_in_place) {
		net_finish_url(nr);
		net_show_url(nr);
	}
	store_wipe(&s);
	return net_login_status(nr, rc);
}

int fleet_actions_revoke(struct netrun *nr, bool lift)
{
	struct run *r = nr->r;
	struct store s;
	struct fleet_plan p;
	struct fleet_doc d;
	char version[SM_TOKEN_MAX], err[512] = "";
	pai_err e = PAI_ERR_EXISTS;
	int rc, tries;

	rc = store_name(nr, &s);
	for (tries = 0; !rc && e == PAI_ERR_EXISTS && tries < CAS_TRIES; tries++) {
		rc = read_store(nr, &s, true);
		if (rc)
			break;
		plan_for(nr, &s, lift ? FLEET_UNREVOKE : FLEET_REVOKE, &p);
		if (r->o->dry_run) {
			if (!r->o->quiet)
				fleet_plan_print(&p, stdout);
			if (!lift)
				delivery_revoke_sessions(nr);
			store_wipe(&s);
			return PAI_EXIT_OK;
		}
		if (p.verdict == FLEET_STOP) {
			rc = prov_fail(PAI_EXIT_REFUSED, "secret %s %s", s.name, p.why);
			break;
		}
		doc_init(nr, &d, lift ? FLEET_ACTIVE : FLEET_REVOKED);
		d.revoked_at = lift ? 0 : r->now;
		e = publish(nr, &s, &d, version);
		fleet_doc_wipe(&d);
		if (e && e != PAI_ERR_EXISTS)
			rc = store_fail(nr, &s, "PutSecretValue", e, &s.write_error);
	}
	if (!rc && e)
		rc =
		    prov_fail(PAI_EXIT_AWS, "secret %s changed under %d writes in a row: try again",
		              s.name, CAS_TRIES);
	if (!rc && lift) {
		prov_audit(r, "store-revoke-lifted", NULL);
		prov_say(r,
		         "AWS keys of IAM user %s may be made again: the next login makes one "
		         "(store version %.8s)",
		         r->iam_name, version);
	} else if (!rc) {
		/* published first: a rotation racing this loses its compare-and-swap; then the
		 * keys, then the sessions they gave, which outlive them */
		int src;

		delete_keys(nr, p.delete_after, p.n_delete_after, NULL);
		src = delivery_revoke_sessions(nr);
		if ((p.remove_from_home[0] || r->cfg.deliver == PAI_DELIVER_PROCESS) &&
		    delivery_remove(nr, p.remove_from_home, err, sizeof(err)))
			prov_fail(PAI_EXIT_FILE, "%s", err);
		state_remove(r->sdir, r->login);
		prov_audit(r, "store-revoked", NULL);
		prov_say(r,
		         "AWS keys of IAM user %s revoked on every host (store version %.8s); an "
		         "administrator lifts it with: aws-iam-provision --user %s --unrevoke",
		         r->iam_name, version, r->login);
		rc = src ? src : nr->status;
	}
	store_wipe(&s);
	return rc;
}

void fleet_actions_status(struct netrun *nr)
{
	const struct run *r = nr->r;
	struct store s;
	char when[32], until[32];

	if (store_name(nr, &s) || read_store(nr, &s, true))
		return;
	if (!s.exists) {
		prov_say(r, "store: secret %s does not exist yet (the first login makes it)",
		         s.name);
		return;
	}
	if (s.deleting) {
		prov_say(r, "store: secret %s is scheduled for deletion", s.name);
		return;
	}
	clock_format_utc(s.doc.written_at, when);
	prov_say(r, "store: secret %s, version %s, written by %s at %s", s.name, s.version,
	         s.doc.written_by.name, when);
	if (s.doc.state == FLEET_REVOKED) {
		clock_format_utc(s.doc.revoked_at, when);
		prov_say(r, "store: revoked at %s", when);
	} else if (s.doc.state == FLEET_CLAIMED) {
		clock_format_utc(s.doc.claim_until, until);
		prov_say(r, "store: host %s is making the first key (claim until %s)",
		         s.doc.claim.name, until);
	} else if (s.doc.has_current) {
		prov_say(r, "store: key %s, %lld days old%s", s.doc.current_id,
		         (long long)((r->now - s.doc.current_created) / DAY_S),
		         strcmp(r->profile_key, s.doc.current_id) ? "; not yet in this home" : "");
		if (s.doc.has_previous) {
			clock_format_utc(s.doc.previous_until, until);
			prov_say(r, "store: the key it replaced, %s, works until %s",
			         s.doc.previous_id, until);
		}
	}
	store_wipe(&s);
}
