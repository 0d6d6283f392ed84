/* SPDX-License-Identifier: MIT */
/* test_convplan.c — convergence decided (convplan.h), case by case, then by properties over
 * random worlds: nothing unrecorded is ever removed, a converged user needs no call, and two
 * hosts of different generations never flap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config.h"
#include "convplan.h"

#define NOW 1767323045

/* One host's config and one IAM user, as convplan_in wants them. */
struct world {
	struct hostid host;
	unsigned long gen;
	char digest[CONVREC_DIGEST_LEN + 1];
	const char *groups[PAI_CONF_MAX_GROUPS];
	size_t ng;
	const char *policies[PAI_CONF_MAX_POLICIES];
	size_t np;
	struct iam_tag tags[PAI_CONF_MAX_TAGS];
	size_t nt;
	/* the user */
	struct convrec rec;
	struct iam_tag utags[IAM_MAX_TAGS];
	size_t nut;
	const char *ugroups[32];
	size_t nug;
	const char *upolicies[32];
	size_t nup;
};

static void world(struct world *w, const char *host, unsigned long gen, const char *digest)
{
	memset(w, 0, sizeof(*w));
	snprintf(w->host.name, sizeof(w->host.name), "%s", host);
	snprintf(w->host.id, sizeof(w->host.id), "%s",
	         host[0] == 'a' ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	                        : "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	w->gen = gen;
	snprintf(w->digest, sizeof(w->digest), "%s", digest);
}

static void tag(struct iam_tag *t, size_t *n, const char *k, const char *v)
{
	snprintf(t[*n].key, sizeof(t[*n].key), "%s", k);
	snprintf(t[*n].value, sizeof(t[*n].value), "%s", v);
	(*n)++;
}

/* The record as another host (or this one) left it. */
static void recorded(struct world *w, unsigned long gen, const char *digest, const char *host_id,
                     const char *host_name)
{
	w->rec.present = true;
	w->rec.generation = gen;
	snprintf(w->rec.digest, sizeof(w->rec.digest), "%s", digest);
	snprintf(w->rec.host_id, sizeof(w->rec.host_id), "%s", host_id);
	snprintf(w->rec.host_name, sizeof(w->rec.host_name), "%s", host_name);
	w->rec.at = NOW - 3600;
}

static void record_added(struct world *w, enum convrec_kind k, const char *name)
{
	char id[CONVREC_ID_LEN + 1];

	convrec_id(k, name, id);
	convrec_add_id(&w->rec, k, id);
}

static void in_of(const struct world *w, struct convplan_in *in, bool lists)
{
	memset(in, 0, sizeof(*in));
	in->generation = w->gen;
	in->digest = w->digest;
	in->host = &w->host;
	in->now = NOW;
	in->groups = w->groups;
	in->n_groups = w->ng;
	in->policies = w->policies;
	in->n_policies = w->np;
	in->tags = w->tags;
	in->n_tags = w->nt;
	in->rec = &w->rec;
	in->user_tags = w->utags;
	in->n_user_tags = w->nut;
	in->have_lists = lists;
	in->user_groups = w->ugroups;
	in->n_user_groups = w->nug;
	in->user_policies = w->upolicies;
	in->n_user_policies = w->nup;
}

static enum convplan_verdict decide(const struct world *w, bool lists, struct convplan *p)
{
	struct convplan_in in;

	in_of(w, &in, lists);
	convplan_make(&in, p);
	return p->verdict;
}

static struct convplan p;

/* ---- from the record alone ---- */

static void a_record_of_this_generation_and_config_means_no_call(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 4, "DIGESTdigest");
	w.groups[w.ng++] = "developers";
	recorded(&w, 4, "DIGESTdigest", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_NOTHING);
}

static void a_user_from_before_convergence_with_nothing_configured_needs_nothing(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 0, "EMPTYemptyEM");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_NOTHING);
	/* with a generation, it is recorded once (one TagUser, no read) */
	w.gen = 2;
	assert_int_equal(decide(&w, false, &p), CONVPLAN_RECORD);
	assert_int_equal(p.rec.generation, 2);
	assert_string_equal(p.rec.host_id, w.host.id);
	assert_true(convplan_only_record(&p));
	/* with something configured, its groups and policies are read first */
	w.gen = 0;
	w.groups[w.ng++] = "developers";
	assert_int_equal(decide(&w, false, &p), CONVPLAN_READ);
}

static void an_older_generation_changes_nothing_and_says_why(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 3, "OLDoldOLDold");
	recorded(&w, 4, "NEWnewNEWnew", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_OLDER);
	assert_non_null(strstr(p.why, "generation 3 is older than generation 4"));
	assert_non_null(strstr(p.why, "host beta"));
	/* even with the lists read: nothing to call */
	w.groups[w.ng++] = "developers";
	assert_int_equal(decide(&w, true, &p), CONVPLAN_OLDER);
	assert_int_equal(p.n_add_groups, 0);
}

static void
the_same_generation_with_another_config_changes_nothing_but_for_its_recorder(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 4, "MINEmineMINE");
	recorded(&w, 4, "THEIRStheirs", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_CONFLICT);
	assert_non_null(strstr(p.why, "raise [user] generation"));
	/* this host recorded it: its own config was edited */
	recorded(&w, 4, "THEIRStheirs", w.host.id, "alpha");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_READ);
	/* a convergence that did not finish is done again, by any host of that generation */
	recorded(&w, 4, CONVREC_UNFINISHED, "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_READ);
	/* so is a record that cannot be read */
	recorded(&w, 4, "MINEmineMINE", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	w.rec.malformed = true;
	assert_int_equal(decide(&w, false, &p), CONVPLAN_READ);
}

static void a_newer_generation_of_the_same_config_writes_the_record_only(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 5, "SAMEsameSAME");
	w.groups[w.ng++] = "developers";
	recorded(&w, 4, "SAMEsameSAME", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	record_added(&w, CONVREC_GROUP, "developers");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_RECORD);
	assert_int_equal(p.rec.generation, 5);
	assert_true(convrec_has(&p.rec, CONVREC_GROUP, "developers")); /* kept */
	assert_string_equal(p.rec.host_name, "alpha");
	/* another config at a newer generation is read first */
	snprintf(w.digest, sizeof(w.digest), "NEWERnewerNE");
	assert_int_equal(decide(&w, false, &p), CONVPLAN_READ);
}

/* ---- with what the user has ---- */

static void what_is_missing_is_added_and_recorded(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 5, "NEWnewNEWnew");
	recorded(&w, 4, "OLDoldOLDold", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	w.groups[w.ng++] = "developers";
	w.groups[w.ng++] = "operators";
	w.policies[w.np++] = "arn:aws:iam::aws:policy/ReadOnlyAccess";
	tag(w.tags, &w.nt, "team", "platform");
	w.ugroups[w.nug++] = "developers"; /* already there: an administrator's */
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_add_groups, 1);
	assert_string_equal(p.add_groups[0], "operators");
	assert_int_equal(p.n_attach, 1);
	assert_int_equal(p.n_set_tags, 1);
	assert_int_equal(p.n_remove_groups + p.n_detach + p.n_untag, 0);
	assert_true(convrec_has(&p.rec, CONVREC_GROUP, "operators"));
	assert_false(convrec_has(&p.rec, CONVREC_GROUP, "developers")); /* not the tool's */
	assert_true(convrec_has(&p.rec, CONVREC_POLICY, "arn:aws:iam::aws:policy/ReadOnlyAccess"));
	assert_true(convrec_has(&p.rec, CONVREC_TAGKEY, "team"));
	assert_int_equal(p.rec.generation, 5);
	assert_string_equal(p.rec.digest, "NEWnewNEWnew");
	assert_int_equal(p.rec.at, NOW);
}

static void only_what_the_tool_added_is_removed(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 5, "NEWnewNEWnew");
	recorded(&w, 4, "OLDoldOLDold", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	record_added(&w, CONVREC_GROUP, "operators");
	record_added(&w, CONVREC_POLICY, "arn:aws:iam::aws:policy/A");
	record_added(&w, CONVREC_TAGKEY, "cost-center");
	w.ugroups[w.nug++] = "operators"; /* the tool's, no longer configured */
	w.ugroups[w.nug++] = "auditors";  /* added by hand */
	w.upolicies[w.nup++] = "arn:aws:iam::aws:policy/A";
	w.upolicies[w.nup++] = "arn:aws:iam::aws:policy/ByHand";
	tag(w.utags, &w.nut, "cost-center", "42");
	tag(w.utags, &w.nut, "owner", "alice"); /* by hand */
	tag(w.utags, &w.nut, "pam-aws-iam:managed", "alice");
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_remove_groups, 1);
	assert_string_equal(p.remove_groups[0], "operators");
	assert_int_equal(p.n_detach, 1);
	assert_string_equal(p.detach[0], "arn:aws:iam::aws:policy/A");
	assert_int_equal(p.n_untag, 1);
	assert_string_equal(p.untag[0], "cost-center");
	assert_int_equal(p.rec.added[CONVREC_GROUP].n + p.rec.added[CONVREC_POLICY].n +
	                     p.rec.added[CONVREC_TAGKEY].n,
	                 0);
}

static void a_configured_item_the_user_already_had_is_never_the_tools(void **state)
{
	struct world w;

	(void)state;
	/* generation 1 names developers, which an administrator had added by hand */
	world(&w, "alpha", 1, "ONEoneONEone");
	w.groups[w.ng++] = "developers";
	w.ugroups[w.nug++] = "developers";
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_add_groups, 0);
	w.rec = p.rec;
	/* generation 2 drops it: it stays */
	w.gen = 2;
	w.ng = 0;
	snprintf(w.digest, sizeof(w.digest), "TWOtwoTWOtwo");
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_remove_groups, 0);
}

static void group_names_and_tag_keys_compare_ignoring_case(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 1, "ONEoneONEone");
	w.groups[w.ng++] = "Developers";
	w.ugroups[w.nug++] = "developers";
	tag(w.tags, &w.nt, "Team", "x");
	tag(w.utags, &w.nut, "team", "x");
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_add_groups, 0);
	assert_int_equal(p.n_set_tags, 1); /* same tag, but its key's case is set as configured */
	/* and a recorded group listed in another case is still the tool's */
	world(&w, "alpha", 2, "TWOtwoTWOtwo");
	recorded(&w, 1, "ONEoneONEone", w.host.id, "alpha");
	record_added(&w, CONVREC_GROUP, "Developers");
	w.ugroups[w.nug++] = "DEVELOPERS";
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_remove_groups, 1);
}

static void tags_are_set_when_missing_or_different_and_the_tools_own_are_left_alone(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 1, "ONEoneONEone");
	tag(w.tags, &w.nt, "team", "platform");
	tag(w.tags, &w.nt, "host", "alpha");
	tag(w.tags, &w.nt, "same", "v");
	tag(w.utags, &w.nut, "team", "infra"); /* by hand, another value */
	tag(w.utags, &w.nut, "same", "v");
	tag(w.utags, &w.nut, "pam-aws-iam:key:AKIAAAAAAAAAAAAAAAAA", "x");
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_int_equal(p.n_set_tags, 2);
	assert_string_equal(p.set_tags[0]->key, "team");
	assert_string_equal(p.set_tags[1]->key, "host");
	assert_int_equal(p.n_untag, 0);
	assert_true(convrec_has(&p.rec, CONVREC_TAGKEY, "host"));
	assert_false(convrec_has(&p.rec, CONVREC_TAGKEY, "team")); /* its value set, not ours */
	assert_false(convrec_has(&p.rec, CONVREC_TAGKEY, "same"));
}

static void what_the_record_names_but_is_gone_is_forgotten_without_a_call(void **state)
{
	struct world w;

	(void)state;
	world(&w, "alpha", 2, "TWOtwoTWOtwo");
	recorded(&w, 1, "ONEoneONEone", w.host.id, "alpha");
	record_added(&w, CONVREC_GROUP, "operators"); /* removed by hand since */
	assert_int_equal(decide(&w, true, &p), CONVPLAN_CONVERGE);
	assert_true(convplan_only_record(&p));
	assert_int_equal(p.rec.added[CONVREC_GROUP].n, 0);
}

/* ---- after the calls ---- */

static struct convplan_outcome all_done(void)
{
	struct convplan_outcome o;

	memset(&o, 0, sizeof(o)); /* CONVPLAN_DONE is 0 */
	return o;
}

static void a_converging_world(struct world *w)
{
	world(w, "alpha", 5, "NEWnewNEWnew");
	recorded(w, 4, "OLDoldOLDold", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "beta");
	record_added(w, CONVREC_GROUP, "operators");
	w->groups[w->ng++] = "developers";
	w->groups[w->ng++] = "readonly";
	w->ugroups[w->nug++] = "operators";
}

static void settling_with_no_other_writer_writes_nothing_more(void **state)
{
	struct convplan_outcome o = all_done();
	struct convplan_in in;
	struct convrec out;
	struct world w;

	(void)state;
	a_converging_world(&w);
	in_of(&w, &in, true);
	convplan_make(&in, &p);
	assert_false(convplan_settle(&in, &p, &o, &p.rec, &out));
	assert_true(convrec_same(&out, &p.rec));
	assert_string_equal(out.digest, "NEWnewNEWnew");
}

static void a_refused_addition_is_not_recorded_and_the_convergence_is_unfinished(void **state)
{
	struct convplan_outcome o = all_done();
	struct convplan_in in;
	struct convrec out;
	struct world w;

	(void)state;
	a_converging_world(&w);
	in_of(&w, &in, true);
	convplan_make(&in, &p);
	assert_int_equal(p.n_add_groups, 2);
	o.add_groups[1] = CONVPLAN_REFUSED; /* readonly: NoSuchEntity, say */
	assert_true(convplan_settle(&in, &p, &o, &p.rec, &out));
	assert_true(convrec_has(&out, CONVREC_GROUP, "developers"));
	assert_false(convrec_has(&out, CONVREC_GROUP, "readonly"));
	assert_string_equal(out.digest, CONVREC_UNFINISHED);
	assert_int_equal(out.generation, 5);
	/* a lost reply may have added it: recorded */
	o.add_groups[1] = CONVPLAN_UNKNOWN;
	assert_true(convplan_settle(&in, &p, &o, &p.rec, &out));
	assert_true(convrec_has(&out, CONVREC_GROUP, "readonly"));
}

static void a_removal_that_failed_stays_recorded(void **state)
{
	struct convplan_outcome o = all_done();
	struct convplan_in in;
	struct convrec out;
	struct world w;

	(void)state;
	a_converging_world(&w);
	in_of(&w, &in, true);
	convplan_make(&in, &p);
	assert_int_equal(p.n_remove_groups, 1);
	o.remove_groups[0] = CONVPLAN_REFUSED;
	assert_true(convplan_settle(&in, &p, &o, &p.rec, &out));
	assert_true(convrec_has(&out, CONVREC_GROUP, "operators")); /* still there, still ours */
	assert_string_equal(out.digest, CONVREC_UNFINISHED);
}

static void another_hosts_record_written_meanwhile_is_merged_not_lost(void **state)
{
	struct convplan_outcome o = all_done();
	struct convplan_in in;
	struct convrec back, out;
	struct world w;
	char id[CONVREC_ID_LEN + 1];

	(void)state;
	/* both hosts at generation 5 with one config, at once: beta saw developers already in
	 * place (alpha had just added it) and recorded only readonly; its TagUser came last */
	a_converging_world(&w);
	in_of(&w, &in, true);
	convplan_make(&in, &p);
	back = p.rec;
	convrec_id(CONVREC_GROUP, "developers", id);
	convrec_remove_id(&back, CONVREC_GROUP, id);
	snprintf(back.host_id, sizeof(back.host_id), "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	snprintf(back.host_name, sizeof(back.host_name), "beta");
	assert_true(convplan_settle(&in, &p, &o, &back, &out));
	assert_true(convrec_has(&out, CONVREC_GROUP, "developers"));
	assert_true(convrec_has(&out, CONVREC_GROUP, "readonly"));
	assert_string_equal(out.digest, "NEWnewNEWnew"); /* same generation, same config */
	/* and once written, reading it back settles it */
	assert_false(convplan_settle(&in, &p, &o, &out, &back));
	/* an id only beta recorded stays too */
	back = p.rec;
	convrec_id(CONVREC_POLICY, "arn:aws:iam::aws:policy/Beta", id);
	convrec_add_id(&back, CONVREC_POLICY, id);
	assert_false(convplan_settle(&in, &p, &o, &back, &out));
	assert_true(convrec_has_id(&out, CONVREC_POLICY, id));
}

static void a_lower_or_newer_writer_meanwhile_leaves_the_convergence_unfinished(void **state)
{
	struct convplan_outcome o = all_done();
	struct convplan_in in;
	struct convrec back, out;
	struct world w;

	(void)state;
	a_converging_world(&w);
	in_of(&w, &in, true);
	convplan_make(&in, &p);
	/* a generation-4 host wrote last: its calls may have undone ours */
	back = w.rec;
	assert_true(convplan_settle(&in, &p, &o, &back, &out));
	assert_int_equal(out.generation, 5);
	assert_string_equal(out.digest, CONVREC_UNFINISHED);
	assert_true(convrec_has(&out, CONVREC_GROUP, "developers"));
	assert_false(convrec_has(&out, CONVREC_GROUP, "operators")); /* we removed it */
	/* a generation-6 host wrote last: its record stays its, marked unfinished */
	back = p.rec;
	back.generation = 6;
	snprintf(back.digest, sizeof(back.digest), "SIXsixSIXsix");
	assert_true(convplan_settle(&in, &p, &o, &back, &out));
	assert_int_equal(out.generation, 6);
	assert_string_equal(out.digest, CONVREC_UNFINISHED);
}

static void the_digest_follows_what_the_config_says_about_users_only(void **state)
{
	static struct pai_config a, b;
	char da[CONVREC_DIGEST_LEN + 1], db[CONVREC_DIGEST_LEN + 1];
	char err[256];

	(void)state;
	assert_int_equal(config_load_string("[user]\ngroups = developers, operators\n"
	                                    "tags = team=x, host=%h\n",
	                                    "a", &a, err, sizeof(err)),
	                 PAI_OK);
	assert_int_equal(config_load_string("[aws]\ndeadline = 9\n[user]\n"
	                                    "groups = Operators developers developers\n"
	                                    "tags = HOST=%h, team=x\ngeneration = 7\n",
	                                    "b", &b, err, sizeof(err)),
	                 PAI_OK);
	convplan_digest(&a, da);
	convplan_digest(&b, db);
	assert_string_equal(da, db);
	assert_int_equal(strlen(da), CONVREC_DIGEST_LEN);
	assert_int_equal(config_load_string("[user]\ngroups = developers, operators\n"
	                                    "tags = team=y, host=%h\n",
	                                    "b", &b, err, sizeof(err)),
	                 PAI_OK);
	convplan_digest(&b, db);
	assert_string_not_equal(da, db);
	/* a group is not a tag */
	assert_int_equal(config_load_string("[user]\ngroups = x\n", "a", &a, err, sizeof(err)),
	                 PAI_OK);
	assert_int_equal(config_load_string("[user]\ntags = x=\n", "b", &b, err, sizeof(err)),
	                 PAI_OK);
	convplan_digest(&a, da);
	convplan_digest(&b, db);
	assert_string_not_equal(da, db);
}

/* ---- properties over random worlds ---- */

static const char *const names[] = {"developers", "operators", "readonly", "auditors",
                                    "Admins",     "ops",       "data",     "ml"};
static const char *const arns[] = {"arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B",
                                   "arn:aws:iam::aws:policy/C", "arn:aws:iam::aws:policy/D",
                                   "arn:aws:iam::123456789012:policy/E"};
static const char *const keys[] = {"team", "cost", "owner", "env", "Project"};
#define N(a) (sizeof(a) / sizeof(a[0]))

/* A simulated IAM user. */
struct sim {
	bool group[N(names)], policy[N(arns)], tag[N(keys)];
	char value[N(keys)][8];
	struct convrec rec;
	bool by_hand_group[N(names)], by_hand_policy[N(arns)], by_hand_tag[N(keys)];
};

/* A host's config: a random subset of everything. */
struct host_cfg {
	bool group[N(names)], policy[N(arns)], tag[N(keys)];
	char value[N(keys)][8];
	unsigned long gen;
	char digest[CONVREC_DIGEST_LEN + 1];
	struct hostid id;
};

static void random_cfg(struct host_cfg *h, unsigned long gen, const char *name, char idc)
{
	size_t i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < N(names); i++)
		h->group[i] = rand() % 3 == 0;
	for (i = 0; i < N(arns); i++)
		h->policy[i] = rand() % 3 == 0;
	for (i = 0; i < N(keys); i++) {
		h->tag[i] = rand() % 3 == 0;
		snprintf(h->value[i], sizeof(h->value[i]), "v%d", rand() % 2);
	}
	h->gen = gen;
	snprintf(h->digest, sizeof(h->digest), "D%011d", rand() % 1000);
	snprintf(h->id.name, sizeof(h->id.name), "%s", name);
	memset(h->id.id, idc, HOSTID_LEN);
	h->id.id[HOSTID_LEN] = '\0';
}

/* The world one host sees of the simulated user. */
static void view(const struct host_cfg *h, const struct sim *s, struct world *w)
{
	size_t i;

	memset(w, 0, sizeof(*w));
	w->host = h->id;
	w->gen = h->gen;
	memcpy(w->digest, h->digest, sizeof(w->digest));
	for (i = 0; i < N(names); i++) {
		if (h->group[i])
			w->groups[w->ng++] = names[i];
		if (s->group[i])
			w->ugroups[w->nug++] = names[i];
	}
	for (i = 0; i < N(arns); i++) {
		if (h->policy[i])
			w->policies[w->np++] = arns[i];
		if (s->policy[i])
			w->upolicies[w->nup++] = arns[i];
	}
	for (i = 0; i < N(keys); i++) {
		if (h->tag[i])
			tag(w->tags, &w->nt, keys[i], h->value[i]);
		if (s->tag[i])
			tag(w->utags, &w->nut, keys[i], s->value[i]);
	}
	w->rec = s->rec;
}

static size_t index_of(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(list[i], s))
			return i;
	fail_msg("%s is no known name", s);
	return 0;
}

/* Carries a plan out on the simulated user, every call going through. */
static void apply(const struct convplan *pl, struct sim *s)
{
	size_t i, k;

	if (pl->verdict != CONVPLAN_CONVERGE && pl->verdict != CONVPLAN_RECORD)
		return;
	for (i = 0; i < pl->n_add_groups; i++)
		s->group[index_of(names, N(names), pl->add_groups[i])] = true;
	for (i = 0; i < pl->n_remove_groups; i++) {
		k = index_of(names, N(names), pl->remove_groups[i]);
		assert_false(s->by_hand_group[k]);
		s->group[k] = false;
	}
	for (i = 0; i < pl->n_attach; i++)
		s->policy[index_of(arns, N(arns), pl->attach[i])] = true;
	for (i = 0; i < pl->n_detach; i++) {
		k = index_of(arns, N(arns), pl->detach[i]);
		assert_false(s->by_hand_policy[k]);
		s->policy[k] = false;
	}
	for (i = 0; i < pl->n_set_tags; i++) {
		k = index_of(keys, N(keys), pl->set_tags[i]->key);
		s->tag[k] = true;
		snprintf(s->value[k], sizeof(s->value[k]), "%.7s", pl->set_tags[i]->value);
	}
	for (i = 0; i < pl->n_untag; i++) {
		k = index_of(keys, N(keys), pl->untag[i]);
		assert_false(s->by_hand_tag[k]);
		s->tag[k] = false;
	}
	/* the record goes through its tags, as IAM keeps it */
	{
		struct iam_tag t[CONVREC_TAGS];

		assert_int_equal(convrec_make_tags(&pl->rec, t), PAI_OK);
		convrec_read(t, CONVREC_TAGS, &s->rec);
		assert_false(s->rec.malformed);
	}
}

/* What an administrator may have done by hand beforehand (never to be undone). */
static void by_hand(struct sim *s)
{
	size_t i;

	for (i = 0; i < N(names); i++)
		if (rand() % 4 == 0)
			s->group[i] = s->by_hand_group[i] = true;
	for (i = 0; i < N(arns); i++)
		if (rand() % 4 == 0)
			s->policy[i] = s->by_hand_policy[i] = true;
	for (i = 0; i < N(keys); i++)
		if (rand() % 4 == 0) {
			s->tag[i] = s->by_hand_tag[i] = true;
			snprintf(s->value[i], sizeof(s->value[i]), "h");
		}
}

/* Converges the simulated user for host h (the read when asked), returning the verdict. */
static enum convplan_verdict login(const struct host_cfg *h, struct sim *s)
{
	struct world w;
	struct convplan pl;

	view(h, s, &w);
	if (decide(&w, false, &pl) == CONVPLAN_READ)
		decide(&w, true, &pl);
	apply(&pl, s);
	return pl.verdict;
}

static void converged_users_need_no_call_and_nothing_by_hand_is_removed(void **state)
{
	int round;

	(void)state;
	srand(20261129);
	for (round = 0; round < 3000; round++) {
		struct host_cfg h;
		struct sim s;
		size_t i;

		memset(&s, 0, sizeof(s));
		by_hand(&s);
		random_cfg(&h, 1 + (unsigned long)(rand() % 3), "alpha", 'a');
		login(&h, &s); /* apply() asserts that nothing by hand is removed */
		/* exactly as configured, where the config says anything */
		for (i = 0; i < N(names); i++)
			if (h.group[i])
				assert_true(s.group[i]);
		for (i = 0; i < N(arns); i++)
			if (h.policy[i])
				assert_true(s.policy[i]);
		for (i = 0; i < N(keys); i++)
			if (h.tag[i])
				assert_true(s.tag[i] && !strcmp(s.value[i], h.value[i]));
		assert_int_equal(login(&h, &s), CONVPLAN_NOTHING);
		/* the next generation drops some: only what the tool added goes */
		h.gen++;
		for (i = 0; i < N(names); i++)
			if (rand() % 2)
				h.group[i] = false;
		for (i = 0; i < N(keys); i++)
			if (rand() % 2)
				h.tag[i] = false;
		snprintf(h.digest, sizeof(h.digest), "N%011d", rand() % 1000);
		login(&h, &s);
		for (i = 0; i < N(names); i++)
			assert_true(s.group[i] == (h.group[i] || s.by_hand_group[i]));
		for (i = 0; i < N(keys); i++)
			assert_true(s.tag[i] == (h.tag[i] || s.by_hand_tag[i]));
		assert_int_equal(login(&h, &s), CONVPLAN_NOTHING);
	}
}

static void two_generations_alternating_never_flap(void **state)
{
	int round;

	(void)state;
	srand(4242);
	for (round = 0; round < 2000; round++) {
		struct host_cfg h3, h4;
		struct sim s, after;
		int step;
		bool seen4 = false;

		memset(&s, 0, sizeof(s));
		by_hand(&s);
		random_cfg(&h3, 3, "alpha", 'a');
		random_cfg(&h4, 4, "beta", 'b');
		for (step = 0; step < 8; step++) {
			const struct host_cfg *h = rand() % 2 ? &h3 : &h4;
			enum convplan_verdict v = login(h, &s);

			if (h == &h4 && !seen4) {
				seen4 = true;
				after = s;
				continue;
			}
			if (!seen4)
				continue;
			/* from generation 4's first verify on, nobody changes anything */
			assert_true(v == (h == &h3 ? CONVPLAN_OLDER : CONVPLAN_NOTHING));
			assert_memory_equal(&after, &s, sizeof(s));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_record_of_this_generation_and_config_means_no_call),
	    cmocka_unit_test(a_user_from_before_convergence_with_nothing_configured_needs_nothing),
	    cmocka_unit_test(an_older_generation_changes_nothing_and_says_why),
	    cmocka_unit_test(
	        the_same_generation_with_another_config_changes_nothing_but_for_its_recorder),
	    cmocka_unit_test(a_newer_generation_of_the_same_config_writes_the_record_only),
	    cmocka_unit_test(what_is_missing_is_added_and_recorded),
	    cmocka_unit_test(only_what_the_tool_added_is_removed),
	    cmocka_unit_test(a_configured_item_the_user_already_had_is_never_the_tools),
	    cmocka_unit_test(group_names_and_tag_keys_compare_ignoring_case),
	    cmocka_unit_test(
	        tags_are_set_when_missing_or_different_and_the_tools_own_are_left_alone),
	    cmocka_unit_test(what_the_record_names_but_is_gone_is_forgotten_without_a_call),
	    cmocka_unit_test(settling_with_no_other_writer_writes_nothing_more),
	    cmocka_unit_test(a_refused_addition_is_not_recorded_and_the_convergence_is_unfinished),
	    cmocka_unit_test(a_removal_that_failed_stays_recorded),
	    cmocka_unit_test(another_hosts_record_written_meanwhile_is_merged_not_lost),
	    cmocka_unit_test(a_lower_or_newer_writer_meanwhile_leaves_the_convergence_unfinished),
	    cmocka_unit_test(the_digest_follows_what_the_config_says_about_users_only),
	    cmocka_unit_test(converged_users_need_no_call_and_nothing_by_hand_is_removed),
	    cmocka_unit_test(two_generations_alternating_never_flap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
