/* SPDX-License-Identifier: MIT */
/* test_fleetplan.c — the fleet mode's decisions (fleetplan.h), case by case, and a property:
 * over random stores, keys, ledgers and profiles, no key is ever deleted without proof (the
 * store names it, this host's ledger entry, or a mark whose window holds that key alone); the
 * generator puts keys around marks often enough to reach the deletions a mark allows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetplan.h"

#define NOW  1767323045
#define DAY  86400
#define A_ID "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B_ID "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define K1   "AKIAAAAAAAAAAAAAAAA1"
#define K2   "AKIAAAAAAAAAAAAAAAA2"
#define K3   "AKIAAAAAAAAAAAAAAAA3"

static const struct hostid host_a = {A_ID, "bastion-a"};
static const struct hostid host_b = {B_ID, "bastion-b"};

struct world {
	struct keyplan_key keys[KEYPLAN_MAX_KEYS];
	size_t n_keys;
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t n_tags;
	struct ledger ledger;
	struct fleet_doc doc;
	bool has_doc;
	struct fleet_in in;
	struct fleet_plan p;
};

static void world_init(struct world *w)
{
	memset(w, 0, sizeof(*w));
	w->in.action = FLEET_LOGIN;
	w->in.store_exists = true;
	w->in.host = &host_a;
	w->in.profile_key = "";
	w->in.state_key = "";
	w->in.now = NOW;
	w->in.max_age_days = 90;
	w->in.grace = DAY;
	w->in.deadline = 8;
}

#include "keyworld.h"

static void current(struct world *w, const char *id, time_t created)
{
	w->has_doc = true;
	w->doc.state = FLEET_ACTIVE;
	w->doc.has_current = true;
	snprintf(w->doc.current_id, sizeof(w->doc.current_id), "%s", id);
	snprintf(w->doc.current_secret, sizeof(w->doc.current_secret), "%040d", 7);
	w->doc.current_created = created;
}

static void previous(struct world *w, const char *id, time_t until)
{
	w->doc.has_previous = true;
	snprintf(w->doc.previous_id, sizeof(w->doc.previous_id), "%s", id);
	w->doc.previous_until = until;
}

static void host_mode_entry(struct world *w, const char *id, const struct hostid *h)
{
	assert_int_equal(ledger_make_tag(id, h, NOW - DAY, false, &w->tags[w->n_tags++]), PAI_OK);
}

static void mark(struct world *w, const struct hostid *h, time_t t)
{
	assert_int_equal(ledger_make_mark(h, t, NULL, &w->tags[w->n_tags++]), PAI_OK);
}

static const struct fleet_plan *plan(struct world *w)
{
	ledger_read(w->tags, w->n_tags, &w->ledger);
	w->in.keys = w->keys;
	w->in.n_keys = w->n_keys;
	w->in.ledger = &w->ledger;
	w->in.doc = w->has_doc ? &w->doc : NULL;
	fleet_plan_make(&w->in, &w->p);
	return &w->p;
}

static bool in_list(char list[][IAM_KEY_ID_MAX], size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], id))
			return true;
	return false;
}

static bool deletes(const struct fleet_plan *p, const char *id)
{
	struct fleet_plan *q = (struct fleet_plan *)p;

	return in_list(q->delete_first, q->n_delete_first, id) ||
	       in_list(q->delete_unnamed, q->n_delete_unnamed, id) ||
	       in_list(q->delete_after, q->n_delete_after, id);
}

static size_t deleted(const struct fleet_plan *p)
{
	return p->n_delete_first + p->n_delete_unnamed + p->n_delete_after;
}

/* ---- first logins ---- */

static void no_store_claims_and_makes_the_first_key(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.in.store_exists = false;
	assert_int_equal(plan(&w)->verdict, FLEET_CLAIM);
	assert_true(w.p.deliver);
	assert_false(w.p.adopt_profile);
	assert_int_equal(deleted(&w.p), 0);
}

static void a_host_mode_key_of_this_host_moves_into_the_store(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.in.store_exists = false;
	key(&w, K1, true, NOW - 10 * DAY);
	host_mode_entry(&w, K1, &host_a);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_CLAIM);
	assert_true(w.p.adopt_profile);
	assert_false(w.p.deliver);
	assert_int_equal(deleted(&w.p), 0);
	/* too old to move: a new key, and the old one goes once the new is home */
	w.keys[0].created = NOW - 91 * DAY;
	assert_int_equal(plan(&w)->verdict, FLEET_CLAIM);
	assert_false(w.p.adopt_profile);
	assert_true(in_list(w.p.delete_after, w.p.n_delete_after, K1));
}

static void another_hosts_claim_is_waited_for_then_taken_over(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.has_doc = true;
	w.doc.state = FLEET_CLAIMED;
	w.doc.claim = host_b;
	w.doc.claim_until = NOW + 10;
	assert_int_equal(plan(&w)->verdict, FLEET_WAIT);
	w.doc.claim_until = NOW - 1;
	assert_int_equal(plan(&w)->verdict, FLEET_TAKEOVER);
	assert_true(w.p.deliver);
	/* this host's own claim, from a run that died: taken over at once */
	w.doc.claim = host_a;
	w.doc.claim_until = NOW + 10;
	assert_int_equal(plan(&w)->verdict, FLEET_TAKEOVER);
}

/* ---- an active store ---- */

static void the_store_key_is_kept_or_delivered(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	current(&w, K1, NOW - DAY);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_int_equal(deleted(&w.p), 0);
	w.in.profile_key = "";
	assert_int_equal(plan(&w)->verdict, FLEET_DELIVER);
	/* the home still holds the key the current one replaced */
	key(&w, K2, true, NOW - 30 * DAY);
	previous(&w, K2, NOW + 3600);
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, FLEET_DELIVER);
	assert_int_equal(deleted(&w.p), 0);
}

static void an_old_key_rotates_fleet_wide_keeping_the_old_for_the_grace(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	current(&w, K1, NOW - 91 * DAY);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_ROTATE_KEY);
	assert_true(w.p.deliver);
	assert_int_equal(deleted(&w.p), 0); /* the old key lives on as previous */
	/* --rotate again while the previous key is in its grace: waits, keeps the key */
	world_init(&w);
	key(&w, K1, true, NOW - 100);
	key(&w, K2, true, NOW - 91 * DAY);
	current(&w, K1, NOW - 100);
	previous(&w, K2, NOW + DAY - 100);
	w.in.action = FLEET_ROTATE;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_true(w.p.rotation_waits);
	assert_int_equal(deleted(&w.p), 0);
	/* after the grace: the previous key goes first, then the rotation */
	w.in.now = NOW + DAY;
	assert_int_equal(plan(&w)->verdict, FLEET_ROTATE_KEY);
	assert_true(w.p.drop_previous);
	assert_true(in_list(w.p.delete_first, w.p.n_delete_first, K2));
}

static void the_previous_key_goes_after_its_grace_even_without_a_rotation(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 2 * DAY);
	key(&w, K2, true, NOW - 95 * DAY);
	current(&w, K1, NOW - 2 * DAY);
	previous(&w, K2, NOW - DAY);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_true(w.p.drop_previous);
	assert_true(in_list(w.p.delete_first, w.p.n_delete_first, K2));
}

static void a_current_key_missing_from_iam_is_repaired_only_after_settling(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	current(&w, K1, NOW - 5); /* just made: ListAccessKeys may not show it yet */
	assert_int_equal(plan(&w)->verdict, FLEET_DELIVER);
	current(&w, K1, NOW - FLEET_SETTLE - 1);
	assert_int_equal(plan(&w)->verdict, FLEET_REPAIR);
	assert_true(w.p.deliver);
	/* switched off in IAM: repaired, the inactive key deleted (the store names it) */
	key(&w, K1, false, NOW - FLEET_SETTLE - 1);
	assert_int_equal(plan(&w)->verdict, FLEET_REPAIR);
	assert_true(in_list(w.p.delete_first, w.p.n_delete_first, K1));
}

static void a_key_made_by_hand_in_the_second_slot_gets_a_clear_refusal(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 91 * DAY);
	key(&w, K2, true, NOW - DAY); /* made by hand */
	current(&w, K1, NOW - 91 * DAY);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_REFUSE);
	assert_non_null(strstr(w.p.why, K2 " (not made by"));
	assert_int_equal(deleted(&w.p), 0);
}

static void rotate_now_deletes_the_old_key_once_the_new_is_published(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 100);
	key(&w, K2, true, NOW - 91 * DAY);
	current(&w, K1, NOW - 100);
	previous(&w, K2, NOW + DAY);
	w.in.action = FLEET_ROTATE_NOW;
	assert_int_equal(plan(&w)->verdict, FLEET_ROTATE_KEY);
	assert_true(in_list(w.p.delete_first, w.p.n_delete_first, K2));
	assert_true(in_list(w.p.delete_after, w.p.n_delete_after, K1));
	assert_true(w.p.drop_previous);
}

static void revoke_publishes_first_then_deletes_every_named_and_in_flight_key(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - 100);
	key(&w, K2, true, NOW - 91 * DAY);
	current(&w, K1, NOW - 100);
	previous(&w, K2, NOW + DAY);
	w.in.action = FLEET_REVOKE;
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_PUBLISH_REVOKE);
	assert_true(in_list(w.p.delete_after, w.p.n_delete_after, K1));
	assert_true(in_list(w.p.delete_after, w.p.n_delete_after, K2));
	assert_string_equal(w.p.remove_from_home, K1);
	/* a key another host is making right now is deleted too; one made by hand is not */
	world_init(&w);
	mark(&w, &host_b, NOW - 2);
	key(&w, K3, true, NOW - 1);
	key(&w, K2, true, NOW - 10 * DAY);
	w.in.action = FLEET_REVOKE;
	assert_int_equal(plan(&w)->verdict, FLEET_PUBLISH_REVOKE);
	assert_true(deletes(&w.p, K3));
	assert_false(deletes(&w.p, K2));
}

static void a_revoked_store_stops_logins_until_it_is_lifted(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	w.has_doc = true;
	w.doc.state = FLEET_REVOKED;
	w.in.profile_key = K1;
	w.in.state_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_REVOKED_STOP);
	assert_string_equal(w.p.remove_from_home, K1);
	assert_non_null(strstr(w.p.why, "--unrevoke"));
	w.in.action = FLEET_UNREVOKE;
	assert_int_equal(plan(&w)->verdict, FLEET_PUBLISH_ACTIVE);
	/* active again with no key: the next login repairs */
	w.doc.state = FLEET_ACTIVE;
	w.in.action = FLEET_LOGIN;
	w.in.profile_key = "";
	assert_int_equal(plan(&w)->verdict, FLEET_REPAIR);
	w.in.action = FLEET_UNREVOKE;
	assert_int_equal(plan(&w)->verdict, FLEET_STOP);
}

static void a_foreign_key_in_the_profile_and_a_deleting_store_are_left_alone(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	current(&w, K1, NOW - DAY);
	w.in.profile_key = K3;
	assert_int_equal(plan(&w)->verdict, FLEET_CONFLICT);
	assert_int_equal(deleted(&w.p), 0);
	w.in.profile_key = K1;
	w.in.store_deleting = true;
	assert_int_equal(plan(&w)->verdict, FLEET_STOP);
	assert_non_null(strstr(w.p.why, "restore-secret"));
}

static void an_unpublished_key_goes_once_its_makers_run_is_over(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	current(&w, K1, NOW - DAY);
	mark(&w, &host_b, NOW - 3);
	key(&w, K2, true, NOW - 2); /* host b is publishing it right now: left alone */
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_int_equal(deleted(&w.p), 0);
	w.in.now = NOW + 8 + FLEET_CLAIM_SLACK + 1; /* b's run is over: it never published */
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_true(in_list(w.p.delete_unnamed, w.p.n_delete_unnamed, K2));
}

static void an_old_runs_mark_does_not_make_a_key_being_published_an_orphan(void **st)
{
	static const struct hostid host_c = {"cccccccccccccccccccccccccccccccc", "bastion-c"};
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	current(&w, K1, NOW - DAY);
	w.in.profile_key = K1;
	mark(&w, &host_b, NOW - 80); /* b's run is long over; its window reaches NOW + 48 */
	mark(&w, &host_c, NOW - 2);  /* c made K2 a moment ago and is publishing it */
	key(&w, K2, true, NOW - 1);
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_false(deletes(&w.p, K2));
	/* c's mark not visible yet (IAM's tags are eventually consistent): still left alone */
	w.n_tags = 1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_false(deletes(&w.p, K2));
	/* both runs over and the key older than a run: it was never published */
	w.n_tags = 2;
	w.in.now = NOW + 8 + FLEET_CLAIM_SLACK + 1;
	plan(&w);
	assert_true(in_list(w.p.delete_unnamed, w.p.n_delete_unnamed, K2));
}

/* a mark announces one CreateAccessKey: with another key in its window, the unnamed one may be
 * someone's own (the console, another tool), and nothing says which */
static void a_mark_with_two_keys_in_its_window_proves_neither(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	current(&w, K1, NOW - DAY);
	w.in.profile_key = K1;
	mark(&w, &host_b, NOW - 60);
	key(&w, K2, true, NOW - 59);
	key(&w, K3, true, NOW - 30); /* made by hand 29 s later */
	w.in.now = NOW + 60;         /* b's run is long over, both keys older than a run */
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_int_equal(deleted(&w.p), 0);
	/* revoking while that run may still be going: neither is deleted either */
	w.in.now = NOW - 25;
	w.keys[2].created = NOW - 50;
	w.in.action = FLEET_REVOKE;
	assert_int_equal(plan(&w)->verdict, FLEET_PUBLISH_REVOKE);
	assert_false(deletes(&w.p, K2));
	assert_false(deletes(&w.p, K3));
	/* the mark's run published its key (marks stay open in fleet mode): a key made by hand
	 * in the same window is not the mark's */
	world_init(&w);
	mark(&w, &host_b, NOW - 60);
	key(&w, K1, true, NOW - 59);
	current(&w, K1, NOW - 59);
	w.in.profile_key = K1;
	key(&w, K3, true, NOW - 30);
	w.in.now = NOW + 60;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_int_equal(deleted(&w.p), 0);
}

static void a_host_mode_key_of_this_host_goes_once_the_store_key_is_home(void **st)
{
	struct world w;

	(void)st;
	world_init(&w);
	key(&w, K1, true, NOW - DAY);
	key(&w, K2, true, NOW - 10 * DAY);
	current(&w, K1, NOW - DAY);
	host_mode_entry(&w, K2, &host_a);
	w.in.profile_key = K2;
	assert_int_equal(plan(&w)->verdict, FLEET_DELIVER);
	assert_true(in_list(w.p.delete_after, w.p.n_delete_after, K2));
	/* another host's host-mode key: never this host's to delete (no fight over slots) */
	w.tags[0].key[0] = '\0';
	w.n_tags = 0;
	host_mode_entry(&w, K2, &host_b);
	w.in.profile_key = K1;
	assert_int_equal(plan(&w)->verdict, FLEET_KEEP);
	assert_int_equal(deleted(&w.p), 0);
}

/* ---- the property ---- */

static bool doc_names(const struct world *w, const char *id)
{
	return w->has_doc && ((w->doc.has_current && !strcmp(w->doc.current_id, id)) ||
	                      (w->doc.has_previous && !strcmp(w->doc.previous_id, id)));
}

/* Some mark proves key id: id was made in its window and is the only key IAM lists there (a
 * mark announces one CreateAccessKey). */
static bool a_mark_proves(const struct world *w, const char *id)
{
	size_t i, j, n, in;

	for (j = 0; j < w->ledger.n_marks; j++) {
		const struct ledger_mark *m = &w->ledger.m[j];

		if (!m->valid || m->closed_by[0])
			continue;
		for (i = n = in = 0; i < w->n_keys; i++)
			if (in_mark_window(w->keys[i].created, m->at, w->in.deadline)) {
				n++;
				in += !strcmp(w->keys[i].id, id);
			}
		if (in && n == 1)
			return true;
	}
	return false;
}

/* Proof of authorship, decided here apart from fleetplan.c's own reasoning: the store names
 * the key, this host's host-mode entry, or a mark proves it. */
static bool proven(const struct world *w, const char *id)
{
	const struct ledger_entry *e = ledger_find(&w->ledger, id);

	if (doc_names(w, id))
		return true;
	if (e)
		return !strcmp(e->host_id, w->in.host->id);
	return a_mark_proves(w, id);
}

/* Deleted, named by nothing: the keys whose only proof is a mark. */
static size_t unnamed_deleted(const struct world *w)
{
	size_t i, n = 0;

	for (i = 0; i < w->n_keys; i++)
		n += deletes(&w->p, w->keys[i].id) && !doc_names(w, w->keys[i].id) &&
		     !ledger_find(&w->ledger, w->keys[i].id);
	return n;
}

static void random_fleets_never_delete_a_key_without_proof(void **st)
{
	static const char *const ids[] = {K1, K2, K3, "AKIAAAAAAAAAAAAAAAA4"};
	unsigned seed = 20261130, round;
	/* rounds that reached each dangerous path: the property means little otherwise */
	unsigned n_unnamed = 0, n_revoking_unnamed = 0;
	struct world w;

	(void)st;
	for (round = 0; round < 20000; round++) {
		time_t at[2];
		bool has_mark[2], near = rand_r(&seed) % 3 == 0;
		size_t i, j;

		world_init(&w);
		w.in.action = (enum fleet_action)(rand_r(&seed) % 5);
		w.in.store_exists = rand_r(&seed) % 6 != 0;
		w.in.deadline = 1 + rand_r(&seed) % 30;
		/* now and then within a run of the marks, so that a run may still be going */
		w.in.now = NOW + (time_t)(rand_r(&seed) % 4 ? rand_r(&seed) % (3 * DAY)
		                                            : rand_r(&seed) % 60);
		for (j = 0; j < 2; j++) {
			has_mark[j] = rand_r(&seed) % 2;
			at[j] = NOW - (time_t)(rand_r(&seed) % 200);
		}
		for (i = 0; i < 4; i++) {
			time_t t = NOW - (time_t)(rand_r(&seed) % (100 * DAY));

			/* a third of the rounds: a key or two made around a mark's time, where
			 * a mark is the proof (or, with another key there, no proof at all) */
			if (near && rand_r(&seed) % 2)
				t = at[rand_r(&seed) % 2] - 130 + (time_t)(rand_r(&seed) % 271);
			switch (rand_r(&seed) % 5) {
			case 0: break;
			case 1: key(&w, ids[i], rand_r(&seed) % 5 != 0, t); break; /* by hand */
			case 2:
				key(&w, ids[i], true, t);
				host_mode_entry(&w, ids[i], rand_r(&seed) % 2 ? &host_a : &host_b);
				break;
			default: key(&w, ids[i], rand_r(&seed) % 6 != 0, t); break;
			}
		}
		if (w.in.store_exists && rand_r(&seed) % 5) {
			const char *c = ids[rand_r(&seed) % 4];

			current(&w, c, NOW - (time_t)(rand_r(&seed) % (100 * DAY)));
			if (rand_r(&seed) % 2) {
				const char *pv = ids[rand_r(&seed) % 4];

				if (strcmp(pv, c) != 0)
					previous(&w, pv,
					         NOW + (time_t)(rand_r(&seed) % (2 * DAY)) - DAY);
			}
			w.doc.state = (enum fleet_state)(rand_r(&seed) % 3);
			w.doc.claim = rand_r(&seed) % 2 ? host_a : host_b;
			w.doc.claim_until = NOW + (time_t)(rand_r(&seed) % 100) - 50;
		}
		for (j = 0; j < 2; j++)
			if (has_mark[j])
				mark(&w, j ? &host_b : &host_a, at[j]);
		w.in.profile_key = rand_r(&seed) % 2 ? ids[rand_r(&seed) % 4] : "";
		w.in.state_key = rand_r(&seed) % 2 ? ids[rand_r(&seed) % 4] : "";
		plan(&w);
		for (i = 0; i < w.n_keys; i++)
			if (deletes(&w.p, w.keys[i].id) && !proven(&w, w.keys[i].id))
				fail_msg("round %u: deletes %s without proof", round, w.keys[i].id);
		if ((w.p.verdict == FLEET_CONFLICT || w.p.verdict == FLEET_WAIT ||
		     w.p.verdict == FLEET_STOP) &&
		    deleted(&w.p))
			fail_msg("round %u: verdict %d deletes", round, w.p.verdict);
		n_unnamed += w.p.n_delete_unnamed > 0;
		n_revoking_unnamed += w.p.verdict == FLEET_PUBLISH_REVOKE && unnamed_deleted(&w);
	}
	print_message("rounds deleting an unpublished key %u, revoking one in flight or "
	              "unpublished %u\n",
	              n_unnamed, n_revoking_unnamed);
	assert_true(n_unnamed > 0);
	assert_true(n_revoking_unnamed > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(no_store_claims_and_makes_the_first_key),
	    cmocka_unit_test(a_host_mode_key_of_this_host_moves_into_the_store),
	    cmocka_unit_test(another_hosts_claim_is_waited_for_then_taken_over),
	    cmocka_unit_test(the_store_key_is_kept_or_delivered),
	    cmocka_unit_test(an_old_key_rotates_fleet_wide_keeping_the_old_for_the_grace),
	    cmocka_unit_test(the_previous_key_goes_after_its_grace_even_without_a_rotation),
	    cmocka_unit_test(a_current_key_missing_from_iam_is_repaired_only_after_settling),
	    cmocka_unit_test(a_key_made_by_hand_in_the_second_slot_gets_a_clear_refusal),
	    cmocka_unit_test(rotate_now_deletes_the_old_key_once_the_new_is_published),
	    cmocka_unit_test(revoke_publishes_first_then_deletes_every_named_and_in_flight_key),
	    cmocka_unit_test(a_revoked_store_stops_logins_until_it_is_lifted),
	    cmocka_unit_test(a_foreign_key_in_the_profile_and_a_deleting_store_are_left_alone),
	    cmocka_unit_test(an_unpublished_key_goes_once_its_makers_run_is_over),
	    cmocka_unit_test(an_old_runs_mark_does_not_make_a_key_being_published_an_orphan),
	    cmocka_unit_test(a_mark_with_two_keys_in_its_window_proves_neither),
	    cmocka_unit_test(a_host_mode_key_of_this_host_goes_once_the_store_key_is_home),
	    cmocka_unit_test(random_fleets_never_delete_a_key_without_proof),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
