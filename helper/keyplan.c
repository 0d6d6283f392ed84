/* SPDX-License-Identifier: MIT */
/* keyplan.c — the decision over a person's keys (keyplan.h). */
#include "keyplan.h"

#include <string.h>
#include "buf.h"

#define DAY  86400
#define PROG "aws-iam-provision"

static const struct keyplan_key *in_iam(const struct keyplan_in *in, const char *id)
{
	size_t i;

	for (i = 0; id[0] && i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++)
		if (!strcmp(in->keys[i].id, id))
			return &in->keys[i];
	return NULL;
}

/* This host's entry: its ID, or (legacy) its short name on the key its state records. */
static bool mine(const struct keyplan_in *in, const struct ledger_entry *e)
{
	if (e->host_id[0])
		return !strcmp(e->host_id, in->host->id);
	return in->state_legacy_host && !strcmp(e->host_name, in->host->name) &&
	       !strcmp(e->key_id, in->state_key);
}

static bool in_window(const struct keyplan_in *in, time_t t, time_t at)
{
	return t >= at - LEDGER_PENDING_SLACK &&
	       t <= at + (time_t)in->deadline + LEDGER_PENDING_SLACK;
}

static bool expired(const struct keyplan_in *in, const struct ledger_mark *m)
{
	return !m->valid || in->now - m->at > LEDGER_PENDING_MAX_AGE;
}

/* A mark whose key was recorded: closed (the same TagUser records a key and closes its
 * mark), or this host holds an entry made after it (both times are this host's clock). */
static bool answered(const struct keyplan_in *in, const struct ledger_mark *m)
{
	size_t i;

	if (m->closed_by[0])
		return true;
	for (i = 0; i < in->ledger->n; i++) {
		const struct ledger_entry *e = &in->ledger->e[i];

		if (!strcmp(e->host_id, in->host->id) && !e->orphan && e->created > m->at)
			return true;
	}
	return false;
}

/* This host's mark, when a CreateAccessKey it announced may have a lost reply. */
static const struct ledger_mark *open_mark(const struct keyplan_in *in)
{
	const struct ledger_mark *m = ledger_mark_of(in->ledger, in->host->id);

	return m && !expired(in, m) && !answered(in, m) ? m : NULL;
}

/* True when this host's open mark proves k is the key of its lost reply: k has no entry and
 * is the only key without one made in the mark's window. A mark announces one
 * CreateAccessKey, never retried; with two such keys in its window one is someone else's
 * (the console, another tool), and nothing says which. */
static bool proven_by_mark(const struct keyplan_in *in, const struct ledger_mark *open,
                           const struct keyplan_key *k)
{
	size_t i, n = 0;

	if (!open || ledger_find(in->ledger, k->id) || !in_window(in, k->created, open->at))
		return false;
	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++)
		if (!ledger_find(in->ledger, in->keys[i].id) &&
		    in_window(in, in->keys[i].created, open->at))
			n++;
	return n == 1;
}

/* True when t lies in another host's open mark's window: that may be their key, in flight. */
static bool others_window(const struct keyplan_in *in, time_t t)
{
	size_t i;

	for (i = 0; i < in->ledger->n_marks; i++) {
		const struct ledger_mark *m = &in->ledger->m[i];

		if (m->valid && strcmp(m->host, in->host->id) != 0 && !m->closed_by[0] &&
		    !expired(in, m) && in_window(in, t, m->at))
			return true;
	}
	return false;
}

static void add_step(struct keyplan_step *list, size_t *n, const char *id, enum keyplan_why w)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i].key_id, id))
			return;
	if (*n >= KEYPLAN_MAX_KEYS)
		return;
	snprintf(list[*n].key_id, sizeof(list[*n].key_id), "%s", id);
	list[(*n)++].why = w;
}

static void add_tag(char list[][129], size_t *n, const char *tag)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (!strcmp(list[i], tag))
			return;
	if (*n < IAM_MAX_TAGS)
		snprintf(list[(*n)++], 129, "%s", tag);
}

static bool listed(const struct keyplan_step *list, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i].key_id, id))
			return true;
	return false;
}

bool keyplan_deletes(const struct keyplan *p, const char *key_id)
{
	return listed(p->delete_first, p->n_delete_first, key_id) ||
	       listed(p->delete_after, p->n_delete_after, key_id);
}

static void conflict(struct keyplan *p, const char *why)
{
	p->verdict = KEYPLAN_CONFLICT;
	snprintf(p->why, sizeof(p->why), "%s", why);
}

/* Which key this host holds; false (and a CONFLICT) when the profile holds one it cannot
 * prove it wrote. */
static bool find_ours(const struct keyplan_in *in, const struct ledger_mark *open,
                      struct keyplan *p)
{
	const char *pk = in->profile_key;
	const struct ledger_entry *e;
	const struct keyplan_key *k;
	char why[256];

	if (in->profile_not_a_key) {
		conflict(p, "holds a value that is not an access key ID: left unchanged");
		return false;
	}
	if (!pk[0]) {
		e = ledger_find(in->ledger, in->state_key);
		if (in->state_key[0] && (!e || mine(in, e)))
			snprintf(p->ours, sizeof(p->ours), "%s", in->state_key);
		return true;
	}
	e = ledger_find(in->ledger, pk);
	k = in_iam(in, pk);
	if (e && mine(in, e)) {
		p->record_ours = !e->host_id[0]; /* a legacy entry: rewrite it */
	} else if (e) {
		snprintf(why, sizeof(why), "holds key %s, made for host %s: left unchanged", pk,
		         e->host_name);
		conflict(p, why);
		return false;
	} else if (!strcmp(pk, in->state_key)) {
		p->record_ours = k != NULL; /* this host wrote it; its entry is missing */
	} else if (k && proven_by_mark(in, open, k)) {
		/* made under this host's open mark and written here: the entry and the state
		 * write failed after the file was written */
		p->record_ours = true;
		p->close_mark = true;
	} else {
		snprintf(why, sizeof(why),
		         "holds key %s that " PROG " did not write: left unchanged", pk);
		conflict(p, why);
		return false;
	}
	snprintf(p->ours, sizeof(p->ours), "%s", pk);
	return true;
}

/* Keys and tags this host may clean up whatever the verdict. */
static void cleanup(const struct keyplan_in *in, const struct ledger_mark *open, struct keyplan *p)
{
	const struct ledger *l = in->ledger;
	size_t i;

	for (i = 0; i < l->n; i++) {
		const struct ledger_entry *e = &l->e[i];
		const struct keyplan_key *k = in_iam(in, e->key_id);

		if (!k) {
			if (in->now - e->created > KEYPLAN_SETTLE) /* IAM lists new keys late */
				add_tag(p->untag, &p->n_untag, e->tag_key);
		} else if (mine(in, e) && strcmp(e->key_id, p->ours) != 0) {
			if (!e->orphan)
				add_step(p->delete_first, &p->n_delete_first, e->key_id,
				         KEYPLAN_WHY_STRAY);
			else if (!k->active && in->now - e->created > KEYPLAN_ORPHAN_GRACE)
				add_step(p->delete_first, &p->n_delete_first, e->key_id,
				         KEYPLAN_WHY_OLD_ORPHAN);
		}
	}
	for (i = 0; open && i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const struct keyplan_key *k = &in->keys[i];

		if (!strcmp(k->id, p->ours) || !strcmp(k->id, in->profile_key) ||
		    !proven_by_mark(in, open, k) || others_window(in, k->created))
			continue;
		add_step(p->deactivate, &p->n_deactivate, k->id, KEYPLAN_WHY_ORPHAN);
		p->close_mark = true;
	}
	for (i = 0; i < l->n_marks; i++) {
		const struct ledger_mark *m = &l->m[i];

		if (expired(in, m))
			add_tag(p->untag, &p->n_untag, m->tag_key);
		else if (m->closed_by[0])
			add_tag(p->prune, &p->n_prune, m->tag_key);
	}
}

static void describe(const struct keyplan_in *in, const struct keyplan *p, struct buf *b)
{
	size_t i;

	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
		const char *id = in->keys[i].id;
		const struct ledger_entry *e = ledger_find(in->ledger, id);

		if (!strcmp(id, p->ours))
			buf_appendf(b, "%s%s on this host", i ? ", " : "", id);
		else if (e)
			buf_appendf(b, "%s%s on host %s%s", i ? ", " : "", id, e->host_name,
			            e->orphan ? " (lost reply, inactive)" : "");
		else
			buf_appendf(b, "%s%s not made by " PROG, i ? ", " : "", id);
	}
}

/* Frees slots until a new key fits under IAM's two, or refuses. */
static void make_room(const struct keyplan_in *in, struct keyplan *p)
{
	size_t live = 0, i;

	for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++)
		if (!listed(p->delete_first, p->n_delete_first, in->keys[i].id))
			live++;
	while (live >= 2) {
		const struct keyplan_key *victim = NULL;
		enum keyplan_why why = KEYPLAN_WHY_OLD_ORPHAN;

		for (i = 0; i < in->n_keys && i < KEYPLAN_MAX_KEYS; i++) {
			const struct keyplan_key *k = &in->keys[i];
			const struct ledger_entry *e = ledger_find(in->ledger, k->id);

			if (listed(p->delete_first, p->n_delete_first, k->id) || !e)
				continue;
			if (e->orphan && mine(in, e) && !k->active &&
			    (!victim || k->created < victim->created))
				victim = k;
		}
		/* a key of a lost reply found this run: deactivating it is the reversible step,
		 * but its slot is needed now, and this host's open mark proves it ours */
		for (i = 0; !victim && i < p->n_deactivate; i++) {
			victim = in_iam(in, p->deactivate[i].key_id);
			why = KEYPLAN_WHY_ORPHAN;
			memmove(&p->deactivate[i], &p->deactivate[i + 1],
			        (p->n_deactivate - i - 1) * sizeof(p->deactivate[0]));
			p->n_deactivate--;
		}
		for (i = 0; !victim && in->replace_oldest_managed && i < in->n_keys &&
		            i < KEYPLAN_MAX_KEYS;
		     i++) {
			const struct keyplan_key *k = &in->keys[i];

			if (listed(p->delete_first, p->n_delete_first, k->id) ||
			    !ledger_find(in->ledger, k->id))
				continue;
			why = KEYPLAN_WHY_OLDEST_MANAGED;
			if (!victim || k->created < victim->created)
				victim = k;
		}
		if (!victim) {
			struct buf b;

			buf_init(&b, 400);
			describe(in, p, &b);
			snprintf(p->why, sizeof(p->why), "already has 2 access keys (%s); %s",
			         b.data ? b.data : "",
			         in->replace_oldest_managed ? "none made by " PROG " to replace"
			                                    : "none created (on_limit = fail)");
			buf_free(&b);
			p->verdict = KEYPLAN_REFUSE;
			p->n_delete_after = 0;
			return;
		}
		add_step(p->delete_first, &p->n_delete_first, victim->id, why);
		if (!strcmp(victim->id, p->ours))
			p->n_delete_after = 0; /* ours goes first: no slot otherwise */
		live--;
	}
}

void keyplan_make(const struct keyplan_in *in, struct keyplan *p)
{
	const struct ledger_mark *open = open_mark(in);
	const struct keyplan_key *k;

	memset(p, 0, sizeof(*p));
	if (!find_ours(in, open, p))
		return;
	cleanup(in, open, p);
	k = in_iam(in, p->ours);
	if (in->action == KEYPLAN_REVOKE) {
		p->verdict = p->ours[0] ? KEYPLAN_REVOKE_OURS : KEYPLAN_NOTHING;
		if (k)
			add_step(p->delete_first, &p->n_delete_first, p->ours, KEYPLAN_WHY_REVOKED);
		p->record_ours = false;
		return;
	}
	if (k && k->active && in->action == KEYPLAN_LOGIN &&
	    in->now - k->created < (time_t)in->max_age_days * DAY &&
	    !strcmp(in->profile_key, p->ours)) {
		p->verdict = KEYPLAN_VERIFY;
		return;
	}
	p->record_ours = false; /* it is being replaced */
	if (k) {
		p->verdict = KEYPLAN_REPLACE;
		add_step(p->delete_after, &p->n_delete_after, p->ours, KEYPLAN_WHY_REPLACED);
	} else {
		p->verdict = KEYPLAN_CREATE;
	}
	make_room(in, p);
}

const char *keyplan_why_text(enum keyplan_why w)
{
	switch (w) {
	case KEYPLAN_WHY_STRAY: return "made by this host, no longer in its home";
	case KEYPLAN_WHY_ORPHAN: return "made by this host, reply lost: its secret reached no one";
	case KEYPLAN_WHY_OLD_ORPHAN: return "this host's deactivated lost-reply key";
	case KEYPLAN_WHY_REPLACED: return "replaced";
	case KEYPLAN_WHY_OLDEST_MANAGED: return "oldest managed key (on_limit)";
	case KEYPLAN_WHY_REVOKED: return "revoked";
	}
	return "?";
}

void keyplan_print(const struct keyplan *p, FILE *f)
{
	static const char *const verdicts[] = {"verify", "create", "replace", "conflict",
	                                       "refuse", "revoke", "nothing"};
	size_t i;

	fprintf(f, "dry-run: plan: %s%s%s\n", verdicts[p->verdict], p->ours[0] ? " " : "", p->ours);
	if (p->why[0])
		fprintf(f, "dry-run: %s\n", p->why);
	for (i = 0; i < p->n_deactivate; i++)
		fprintf(f, "dry-run: would call UpdateAccessKey %s Inactive (%s)\n",
		        p->deactivate[i].key_id, keyplan_why_text(p->deactivate[i].why));
	for (i = 0; i < p->n_delete_first; i++)
		fprintf(f, "dry-run: would call DeleteAccessKey %s (%s)\n",
		        p->delete_first[i].key_id, keyplan_why_text(p->delete_first[i].why));
	if (p->verdict == KEYPLAN_CREATE || p->verdict == KEYPLAN_REPLACE) {
		fprintf(f, "dry-run: would call TagUser (this host's mark)\n");
		fprintf(f, "dry-run: would call CreateAccessKey\n");
		fprintf(f, "dry-run: would call TagUser (key ledger)\n");
	} else if (p->record_ours || p->n_deactivate) {
		fprintf(f, "dry-run: would call TagUser (key ledger)\n");
	}
	for (i = 0; i < p->n_delete_after; i++)
		fprintf(
		    f,
		    "dry-run: would call DeleteAccessKey %s (%s), after the new key is written\n",
		    p->delete_after[i].key_id, keyplan_why_text(p->delete_after[i].why));
	for (i = 0; i < p->n_untag; i++)
		fprintf(f, "dry-run: would call UntagUser %s\n", p->untag[i]);
}
