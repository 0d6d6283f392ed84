/* SPDX-License-Identifier: MIT */
/* test_keyplan.c — every key decision, case by case (keyplan.h), and a property: over random
 * keys, ledgers, marks, states and profiles, a key without proof of authorship is never in
 * a delete list, and only the one key with no entry under this host's open mark is ever
 * deactivated; the generator puts keys around marks often enough to reach both. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keyplan.h"

#define NOW  1767323045 /* 2026-01-02T03:04:05Z */
#define DAY  86400
#define A_ID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B_ID "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define K1   "AKIAAAAAAAAAAAAAAAA1"
#define K2   "AKIAAAAAAAAAAAAAAAA2"
#define K3   "AKIAAAAAAAAAAAAAAAA3"

static const struct hostid host_a = {A_ID, "bastion"};
static const struct hostid host_b = {B_ID, "bastion"}; /* same short name, other machine */

/* One scenario: what IAM lists, the user's tags, this host's state and profile. */
struct world {
	struct keyplan_key keys[KEYPLAN_MAX_KEYS];
	size_t n_keys;
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t n_tags;
	struct ledger ledger;
	struct keyplan_in in;
	struct keyplan p;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->in.action = KEYPLAN_LOGIN;
	w->in.host = &host_a;
	w->in.state_key = "";
	w->in.profile_key = "";
	w->in.now = NOW;
	w->in.max_age_days = 90;
	w->in.deadline = 8;
}

#include "keyworld.h"

static void entry(struct world *w, const char *id, const struct hostid *h, time_t t, bool orphan)
{
	assert_int_equal(ledger_make_tag(id, h, t, orphan, &w->tags[w->n_tags++]), PAI_OK);
}

static void legacy_entry(struct world *w, const char *id, const char *name, const char *when)
{
	struct iam_tag *t = &w->tags[w->n_tags++];

	snprintf(t->key, sizeof(t->key), "%s%s", LEDGER_KEY_PREFIX, id);
	snprintf(t->value, sizeof(t->value), "%s %s", name, when);
}

static void mark(struct world *w, const struct hostid *h, time_t t, const char *closed_by)
{
	assert_int_equal(ledger_make_mark(h, t, closed_by, &w->tags[w->n_tags++]), PAI_OK);
}

static const struct keyplan *plan(struct world *w)
{
	ledger_read(w->tags, w->n_tags, &w->ledger);
	w->in.keys = w->keys;
	w->in.n_keys = w->n_keys;
	w->in.ledger = &w->ledger;
	keyplan_make(&w->in, &w->p);
	return &w->p;
}

static bool deactivates(const struct keyplan *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->n_deactivate; i++)
		if (!strcmp(p->deactivate[i].key_id, id))
			return true;
	return false;
}

static size_t touched(const struct keyplan *p)
{
	return p->n_deactivate + p->n_delete_first + p->n_delete_after;
}

/* ---- the ordinary cases ---- */

static void our_key_in_place_is_verified(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	entry(&w, K1, &host_a, NOW - DAY, false);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_string_equal(w.p.ours, K1);
	assert_int_equal(touched(&w.p), 0);
	assert_false(w.p.record_ours);
}

static void no_key_creates_one(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_int_equal(touched(&w.p), 0);
}

static void an_old_key_or_rotate_is_replaced_and_deleted_after(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	entry(&w, K1, &host_a, NOW - 91 * DAY, false);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_int_equal(w.p.n_delete_after, 1);
	assert_string_equal(w.p.delete_after[0].key_id, K1);
	assert_int_equal(w.p.n_delete_first, 0);
	w.keys[0].created = NOW - DAY;
	w.in.action = KEYPLAN_ROTATE;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_string_equal(w.p.delete_after[0].key_id, K1);
}

static void a_key_gone_from_the_profile_is_replaced(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	entry(&w, K1, &host_a, NOW - DAY, false);
	w.in.state_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_string_equal(w.p.ours, K1);
}

static void a_foreign_key_in_the_profile_is_left_alone(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CONFLICT);
	assert_int_equal(touched(&w.p), 0);
	assert_non_null(strstr(w.p.why, "did not write"));
	/* another host's key (a shared home): left alone too, naming the host */
	entry(&w, K1, &host_b, NOW - DAY, false);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CONFLICT);
	assert_non_null(strstr(w.p.why, "host bastion"));
	/* not a key ID at all: never echoed */
	world_init(&w);
	w.in.profile_not_a_key = true;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CONFLICT);
	assert_null(strstr(w.p.why, "AKIA"));
}

static void on_limit_fail_names_the_keys_and_touches_none(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 10 * DAY);
	key(&w, K2, true, NOW - 9 * DAY);
	entry(&w, K1, &host_b, NOW - 10 * DAY, false);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REFUSE);
	assert_int_equal(touched(&w.p), 0);
	assert_non_null(strstr(w.p.why, K1 " on host bastion"));
	assert_non_null(strstr(w.p.why, K2 " not made by"));
}

static void replace_oldest_managed_takes_the_oldest_ledger_key_only(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.in.replace_oldest_managed = true;
	key(&w, K1, true, NOW - 10 * DAY);
	key(&w, K2, true, NOW - 20 * DAY); /* older, but made by hand */
	entry(&w, K1, &host_b, NOW - 10 * DAY, false);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_int_equal(w.p.n_delete_first, 1);
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	assert_int_equal(w.p.delete_first[0].why, KEYPLAN_WHY_OLDEST_MANAGED);
	/* two keys, neither the tool's: refused */
	world_init(&w);
	w.in.replace_oldest_managed = true;
	key(&w, K1, true, NOW - 10 * DAY);
	key(&w, K2, true, NOW - 20 * DAY);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REFUSE);
	assert_int_equal(touched(&w.p), 0);
}

static void a_stray_of_this_host_is_deleted_without_rotating_ours(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 2 * DAY);
	key(&w, K2, true, NOW - DAY);
	entry(&w, K1, &host_a, NOW - 2 * DAY, false);
	entry(&w, K2, &host_a, NOW - DAY, false);
	w.in.state_key = K2;
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(w.p.n_delete_first, 1);
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	assert_int_equal(w.p.delete_first[0].why, KEYPLAN_WHY_STRAY);
}

static void revoke_deletes_ours_and_nothing_else_foreign(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.in.action = KEYPLAN_REVOKE;
	key(&w, K1, true, NOW - DAY);
	key(&w, K2, true, NOW - DAY);
	entry(&w, K1, &host_a, NOW - DAY, false);
	entry(&w, K2, &host_b, NOW - DAY, false);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REVOKE_OURS);
	assert_int_equal(w.p.n_delete_first, 1);
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	w.in.profile_key = "";
	w.in.state_key = "";
	assert_int_equal(plan(&w)->verdict, KEYPLAN_NOTHING);
	assert_int_equal(w.p.n_delete_first, 1); /* this host's stray, by its entry */
}

/* ---- the holes an outside review found, one case each ---- */

/* 2: a key made by hand near this host's mark, once the mark's key was recorded */
static void a_hand_made_key_near_a_closed_mark_is_never_touched(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 100);
	key(&w, K2, true, NOW - 90); /* made by an administrator 10 s later */
	entry(&w, K1, &host_a, NOW - 100, false);
	mark(&w, &host_a, NOW - 101, K1); /* closed by the key it announced */
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
	/* even when the close itself was lost, the recorded key answers the mark */
	world_init(&w);
	key(&w, K1, true, NOW - 100);
	key(&w, K2, true, NOW - 90);
	entry(&w, K1, &host_a, NOW - 100, false);
	mark(&w, &host_a, NOW - 101, NULL);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
}

/* an entry recorded before a mark (in the same second, say) does not answer it */
static void an_older_entry_does_not_answer_a_later_mark(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	entry(&w, K1, &host_a, NOW - 60, false);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K2, true, NOW - 59);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_true(keyplan_deletes(&w.p, K2));
}

/* the lost reply: a key under this host's open mark is deactivated, never deleted now */
static void a_lost_replys_key_is_deactivated_not_deleted(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K1, true, NOW - 59);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_true(deactivates(&w.p, K1));
	assert_int_equal(w.p.deactivate[0].why, KEYPLAN_WHY_ORPHAN);
	assert_false(keyplan_deletes(&w.p, K1));
	assert_true(w.p.close_mark);
	/* in another host's window too: that may be theirs, in flight */
	mark(&w, &host_b, NOW - 70, NULL);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_int_equal(touched(&w.p), 0);
}

/* one mark announces one CreateAccessKey: with two unrecorded keys in its window, one was made
 * by someone else (the console, another tool), and nothing says which */
static void two_keys_under_one_mark_are_neither_deactivated_nor_deleted(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K1, true, NOW - 59);
	key(&w, K2, true, NOW - 30); /* made by hand 29 s later */
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REFUSE);
	assert_int_equal(touched(&w.p), 0);
	assert_false(w.p.close_mark); /* the mark stays open until it expires */
	w.in.replace_oldest_managed = true;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REFUSE);
	assert_int_equal(touched(&w.p), 0);
	/* one slot free, nothing needs it: still untouched */
	world_init(&w);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K1, false, NOW - 59);
	key(&w, K2, false, NOW - 30);
	w.in.action = KEYPLAN_REVOKE;
	plan(&w);
	assert_int_equal(touched(&w.p), 0);
	/* the key this host's state names is one of the two: the other is not the mark's */
	world_init(&w);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K1, true, NOW - 59);
	key(&w, K2, true, NOW - 30);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	plan(&w);
	assert_false(deactivates(&w.p, K2));
	assert_false(keyplan_deletes(&w.p, K2));
	/* nor does the profile's key count as the mark's when another shares the window */
	w.in.state_key = "";
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CONFLICT);
	assert_int_equal(touched(&w.p), 0);
}

/* rotating with a lost reply's key in the second slot: that slot is needed now */
static void a_lost_replys_key_is_deleted_when_its_slot_is_needed_now(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	entry(&w, K1, &host_a, NOW - 91 * DAY, false);
	mark(&w, &host_a, NOW - 60, NULL);
	key(&w, K2, true, NOW - 59);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_false(deactivates(&w.p, K2));
	assert_int_equal(w.p.n_delete_first, 1);
	assert_string_equal(w.p.delete_first[0].key_id, K2);
	assert_int_equal(w.p.delete_first[0].why, KEYPLAN_WHY_ORPHAN);
	assert_string_equal(w.p.delete_after[0].key_id, K1);
}

static void a_deactivated_orphan_goes_when_its_slot_is_needed_or_its_grace_ends(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, false, NOW - 2 * DAY);
	key(&w, K2, true, NOW - 91 * DAY);
	entry(&w, K1, &host_a, NOW - 2 * DAY, true);
	entry(&w, K2, &host_a, NOW - 91 * DAY, false);
	w.in.state_key = K2;
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_REPLACE);
	assert_int_equal(w.p.n_delete_first, 1);
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	assert_int_equal(w.p.delete_first[0].why, KEYPLAN_WHY_OLD_ORPHAN);
	assert_string_equal(w.p.delete_after[0].key_id, K2);
	/* verifying with a slot to spare: kept until its grace ends */
	w.keys[1].created = NOW - DAY;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
	w.keys[0].created = NOW - 8 * DAY;
	world_init(&w);
	key(&w, K1, false, NOW - 8 * DAY);
	entry(&w, K1, &host_a, NOW - 8 * DAY, true);
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	/* re-activated by someone: they meant it, it stays */
	w.keys[0].active = true;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_CREATE);
	assert_int_equal(touched(&w.p), 0);
}

/* 3: two machines named bastion never take each other's keys */
static void hosts_with_one_short_name_keep_their_own_keys(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	key(&w, K2, true, NOW - DAY);
	entry(&w, K1, &host_a, NOW - DAY, false);
	entry(&w, K2, &host_b, NOW - DAY, false);
	w.in.state_key = K1;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
	w.in.host = &host_b;
	w.in.state_key = K2;
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
}

/* 4: the state write failed after the new key reached the home: the ledger says it is ours */
static void a_failed_state_write_heals_from_the_ledger(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	key(&w, K2, true, NOW - 100);
	entry(&w, K1, &host_a, NOW - 91 * DAY, false);
	entry(&w, K2, &host_a, NOW - 100, false);
	w.in.state_key = K1; /* the state still names the old key */
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_string_equal(w.p.ours, K2);
	assert_int_equal(w.p.n_delete_first, 1); /* the replaced key, by its entry */
	assert_string_equal(w.p.delete_first[0].key_id, K1);
	/* and the entry too was lost: this host's open mark proves the profile's key */
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	key(&w, K2, true, NOW - 100);
	entry(&w, K1, &host_a, NOW - 91 * DAY, false);
	mark(&w, &host_a, NOW - 101, NULL);
	w.in.state_key = K1;
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_string_equal(w.p.ours, K2);
	assert_true(w.p.record_ours);
	assert_true(w.p.close_mark);
	assert_false(deactivates(&w.p, K2));
}

static void a_legacy_entry_of_this_host_is_recognised_and_rewritten(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	legacy_entry(&w, K1, "bastion", "2026-01-01T03:04:05Z");
	w.in.state_key = K1;
	w.in.state_legacy_host = true;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_true(w.p.record_ours);
	/* another legacy key of a "bastion": not provably this machine's */
	key(&w, K2, true, NOW - DAY);
	legacy_entry(&w, K2, "bastion", "2026-01-01T03:04:05Z");
	assert_int_equal(plan(&w)->verdict, KEYPLAN_VERIFY);
	assert_int_equal(touched(&w.p), 0);
}

static void stale_entries_and_marks_are_untagged_after_settling(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	entry(&w, K1, &host_b, NOW - 1000, false); /* its key is gone */
	entry(&w, K2, &host_b, NOW - 30, false);   /* too young: IAM may not list it yet */
	mark(&w, &host_b, NOW - 2 * DAY, NULL);    /* expired */
	mark(&w, &host_a, NOW - 60, K3);           /* closed: pruned with other writes */
	plan(&w);
	assert_int_equal(w.p.n_untag, 2);
	assert_string_equal(w.p.untag[0], LEDGER_KEY_PREFIX K1);
	assert_int_equal(w.p.n_prune, 1);
}

/* ---- the property ---- */

/* This host's mark proves a key with no entry: the mark is open, the key was made in its window
 * and is the only key with no entry made there (a mark announces one CreateAccessKey). */
static bool mark_proves(const struct world *w, const char *id)
{
	const struct ledger_mark *own = ledger_mark_of(&w->ledger, w->in.host->id);
	bool in = false;
	size_t i, n = 0;

	if (!own || own->closed_by[0] || ledger_find(&w->ledger, id))
		return false;
	for (i = 0; i < w->n_keys; i++) {
		if (ledger_find(&w->ledger, w->keys[i].id) ||
		    !in_mark_window(w->keys[i].created, own->at, w->in.deadline))
			continue;
		n++;
		in = in || !strcmp(w->keys[i].id, id);
	}
	return in && n == 1;
}

/* Proof of authorship, decided here apart from keyplan.c's own reasoning. */
static bool proven(const struct world *w, const struct keyplan_step *s)
{
	const struct ledger_entry *e = ledger_find(&w->ledger, s->key_id);

	if (s->why == KEYPLAN_WHY_OLDEST_MANAGED)
		return e != NULL && w->in.replace_oldest_managed;
	if (s->why == KEYPLAN_WHY_ORPHAN) /* no entry, the one key of this host's open mark */
		return mark_proves(w, s->key_id);
	if (e && !strcmp(e->host_id, w->in.host->id))
		return true; /* this host's entry */
	if (w->in.state_key[0] && !strcmp(s->key_id, w->in.state_key))
		return true; /* this host's own record of the key it wrote */
	/* the key in this host's profile, the one key of this host's open mark */
	return !strcmp(s->key_id, w->in.profile_key) && mark_proves(w, s->key_id);
}

/* Two keys with no entry in this host's open mark's window: the case the mark proves nothing. */
static bool mark_shared(const struct world *w)
{
	const struct ledger_mark *own = ledger_mark_of(&w->ledger, w->in.host->id);
	size_t i, n = 0;

	for (i = 0; own && !own->closed_by[0] && i < w->n_keys; i++)
		if (!ledger_find(&w->ledger, w->keys[i].id) &&
		    in_mark_window(w->keys[i].created, own->at, w->in.deadline))
			n++;
	return n >= 2;
}

static void random_worlds_never_delete_a_key_without_proof(void **st)
{
	static const char *const ids[] = {K1, K2, K3, "AKIAAAAAAAAAAAAAAAA4"};
	const struct hostid *hosts[] = {&host_a, &host_b};
	unsigned seed = 20261129, round;
	/* rounds that reached each dangerous path: the property means little otherwise */
	unsigned n_deactivating = 0, n_orphan_deleting = 0, n_shared_untouched = 0;
	struct world w;

	(void)st;
	for (round = 0; round < 20000; round++) {
		time_t at[2];
		bool has_mark[2], near = rand_r(&seed) % 3 == 0, orphan_deleted = false;
		size_t i, j;

		world_init(&w);
		w.in.action = (enum keyplan_action)(rand_r(&seed) % 3);
		w.in.replace_oldest_managed = rand_r(&seed) % 2;
		w.in.deadline = 1 + rand_r(&seed) % 30;
		for (j = 0; j < 2; j++) {
			has_mark[j] = rand_r(&seed) % 2;
			at[j] = NOW - (time_t)(rand_r(&seed) % (2 * DAY));
		}
		for (i = 0; i < 4; i++) {
			time_t t = NOW - (time_t)(rand_r(&seed) % (10 * DAY));

			/* a third of the rounds: a key or two made around a mark's time, where
			 * a mark is the proof (or, with two, no proof at all) */
			if (near && rand_r(&seed) % 2) {
				j = rand_r(&seed) % 4 ? 0 : 1;
				t = at[j] - 130 + (time_t)(rand_r(&seed) % 271);
			}
			if (rand_r(&seed) % 3 == 0)
				continue;
			if (w.n_keys < 2 ||
			    rand_r(&seed) % 4 == 0) /* now and then over IAM's limit */
				key(&w, ids[i], rand_r(&seed) % 4 != 0, t);
			switch (rand_r(&seed) % 4) {
			case 0: break; /* made by hand, or the lost reply of a mark */
			case 1:
				entry(&w, ids[i], hosts[rand_r(&seed) % 2], t,
				      rand_r(&seed) % 5 == 0);
				break;
			case 2: legacy_entry(&w, ids[i], "bastion", "2026-01-01T00:00:00Z"); break;
			default:
				if (rand_r(&seed) % 2)
					entry(&w, ids[i], &host_b, t, false);
				break;
			}
		}
		for (j = 0; j < 2; j++)
			if (has_mark[j])
				mark(&w, hosts[j], at[j],
				     rand_r(&seed) % 3 ? NULL : ids[rand_r(&seed) % 4]);
		if (rand_r(&seed) % 2)
			w.in.state_key = ids[rand_r(&seed) % 4];
		if (rand_r(&seed) % 2)
			w.in.profile_key = ids[rand_r(&seed) % 4];
		w.in.state_legacy_host = rand_r(&seed) % 2;
		w.in.profile_not_a_key = rand_r(&seed) % 20 == 0;
		plan(&w);
		for (i = 0; i < w.p.n_delete_first; i++) {
			if (!proven(&w, &w.p.delete_first[i]))
				fail_msg("round %u: deletes %s (%s) without proof", round,
				         w.p.delete_first[i].key_id,
				         keyplan_why_text(w.p.delete_first[i].why));
			orphan_deleted |= w.p.delete_first[i].why == KEYPLAN_WHY_ORPHAN;
		}
		for (i = 0; i < w.p.n_delete_after; i++)
			if (!proven(&w, &w.p.delete_after[i]))
				fail_msg("round %u: replaces %s without proof", round,
				         w.p.delete_after[i].key_id);
		for (i = 0; i < w.p.n_deactivate; i++)
			if (!mark_proves(&w, w.p.deactivate[i].key_id))
				fail_msg("round %u: deactivates %s, not the one key of this host's "
				         "open mark",
				         round, w.p.deactivate[i].key_id);
		if (w.p.verdict == KEYPLAN_CONFLICT && touched(&w.p))
			fail_msg("round %u: a conflict touches keys", round);
		n_deactivating += w.p.n_deactivate > 0;
		n_orphan_deleting += orphan_deleted;
		n_shared_untouched += mark_shared(&w);
	}
	print_message("rounds deactivating %u, deleting a lost reply's key %u, with two keys "
	              "under this host's mark %u\n",
	              n_deactivating, n_orphan_deleting, n_shared_untouched);
	assert_true(n_deactivating > 0);
	assert_true(n_orphan_deleting > 0);
	assert_true(n_shared_untouched > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(our_key_in_place_is_verified),
	    cmocka_unit_test(no_key_creates_one),
	    cmocka_unit_test(an_old_key_or_rotate_is_replaced_and_deleted_after),
	    cmocka_unit_test(a_key_gone_from_the_profile_is_replaced),
	    cmocka_unit_test(a_foreign_key_in_the_profile_is_left_alone),
	    cmocka_unit_test(on_limit_fail_names_the_keys_and_touches_none),
	    cmocka_unit_test(replace_oldest_managed_takes_the_oldest_ledger_key_only),
	    cmocka_unit_test(a_stray_of_this_host_is_deleted_without_rotating_ours),
	    cmocka_unit_test(revoke_deletes_ours_and_nothing_else_foreign),
	    cmocka_unit_test(a_hand_made_key_near_a_closed_mark_is_never_touched),
	    cmocka_unit_test(an_older_entry_does_not_answer_a_later_mark),
	    cmocka_unit_test(a_lost_replys_key_is_deactivated_not_deleted),
	    cmocka_unit_test(two_keys_under_one_mark_are_neither_deactivated_nor_deleted),
	    cmocka_unit_test(a_lost_replys_key_is_deleted_when_its_slot_is_needed_now),
	    cmocka_unit_test(a_deactivated_orphan_goes_when_its_slot_is_needed_or_its_grace_ends),
	    cmocka_unit_test(hosts_with_one_short_name_keep_their_own_keys),
	    cmocka_unit_test(a_failed_state_write_heals_from_the_ledger),
	    cmocka_unit_test(a_legacy_entry_of_this_host_is_recognised_and_rewritten),
	    cmocka_unit_test(stale_entries_and_marks_are_untagged_after_settling),
	    cmocka_unit_test(random_worlds_never_delete_a_key_without_proof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
