/* SPDX-License-Identifier: MIT */
/* convplan.c — convergence decided (convplan.h). */
#include "convplan.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sha256.h"

/* ---- the config's digest ---- */

static int by_string(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Feeds the sorted items of one kind, each with its length, after the kind's letter. */
static void digest_items(struct sha256 *c, char kind, char **items, size_t n)
{
	size_t i;

	sha256_update(c, &kind, 1);
	qsort(items, n, sizeof(items[0]), by_string);
	for (i = 0; i < n; i++) {
		unsigned char len[2] = {(unsigned char)(strlen(items[i]) >> 8),
		                        (unsigned char)strlen(items[i])};

		if (i && !strcmp(items[i], items[i - 1]))
			continue; /* named twice is named once */
		sha256_update(c, len, sizeof(len));
		sha256_update(c, items[i], strlen(items[i]));
	}
}

static char *lower_dup(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = suffix ? strlen(suffix) : 0, i;
	char *out = malloc(n + m + 2);

	if (!out)
		return NULL;
	for (i = 0; i < n; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	out[n] = '\0';
	if (suffix) {
		out[n] = '=';
		memcpy(out + n + 1, suffix, m + 1);
	}
	return out;
}

void convplan_digest(const struct pai_config *cfg, char out[CONVREC_DIGEST_LEN + 1])
{
	static const char b64url[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *items[PAI_CONF_MAX_TAGS + PAI_CONF_MAX_POLICIES + PAI_CONF_MAX_GROUPS];
	unsigned char d[SHA256_LEN];
	struct sha256 c;
	size_t i, n = 0, bit;
	bool ok = true;

	sha256_init(&c);
	for (i = 0; i < cfg->n_user_groups; i++)
		ok &= (items[n++] = lower_dup(cfg->user_groups[i], NULL)) != NULL;
	digest_items(&c, 'g', items, n);
	for (i = 0; i < cfg->n_policies; i++)
		items[n + i] = (char *)cfg->policies[i];
	digest_items(&c, 'p', items + n, cfg->n_policies);
	for (i = 0; i < cfg->n_tags; i++)
		ok &= (items[n + i] = lower_dup(cfg->tags[i].key, cfg->tags[i].value)) != NULL;
	digest_items(&c, 't', items + n, cfg->n_tags);
	sha256_final(&c, d);
	for (i = 0; i < cfg->n_user_groups; i++)
		free(items[i]);
	for (i = 0; i < cfg->n_tags; i++)
		free(items[n + i]);
	for (i = 0, bit = 0; i < CONVREC_DIGEST_LEN; i++, bit += 6)
		out[i] =
		    b64url[((unsigned)d[bit / 8] << 8 | d[bit / 8 + 1]) >> (10 - bit % 8) & 63];
	out[CONVREC_DIGEST_LEN] = '\0';
	if (!ok) /* out of memory: a digest no record holds, so the next verify converges */
		snprintf(out, CONVREC_DIGEST_LEN + 1, "%s", CONVREC_UNFINISHED);
}

/* ---- deciding ---- */

static bool config_is_empty(const struct convplan_in *in)
{
	return in->n_groups + in->n_policies + in->n_tags == 0;
}

/* What the record alone says: NOTHING, OLDER, CONFLICT, RECORD or READ. */
static enum convplan_verdict from_record(const struct convplan_in *in, struct convplan *p)
{
	const struct convrec *r = in->rec;

	if (r->malformed)
		return CONVPLAN_READ;
	if (!r->present) { /* a user from before convergence, or whose record went missing */
		if (!config_is_empty(in) || r->added[CONVREC_GROUP].n ||
		    r->added[CONVREC_POLICY].n || r->added[CONVREC_TAGKEY].n)
			return CONVPLAN_READ;
		return in->generation ? CONVPLAN_RECORD : CONVPLAN_NOTHING;
	}
	if (in->generation < r->generation) {
		snprintf(p->why, sizeof(p->why),
		         "config generation %lu is older than generation %lu, recorded by host %s: "
		         "this host changes nothing",
		         in->generation, r->generation, r->host_name);
		return CONVPLAN_OLDER;
	}
	if (in->generation == r->generation) {
		if (!strcmp(in->digest, r->digest))
			return CONVPLAN_NOTHING;
		if (!strcmp(r->digest, CONVREC_UNFINISHED) || !strcmp(r->host_id, in->host->id))
			return CONVPLAN_READ;
		snprintf(p->why, sizeof(p->why),
		         "config generation %lu was recorded by host %s with another config: "
		         "this host changes nothing (raise [user] generation with each change)",
		         in->generation, r->host_name);
		return CONVPLAN_CONFLICT;
	}
	return !strcmp(in->digest, r->digest) ? CONVPLAN_RECORD : CONVPLAN_READ;
}

static bool listed_ci(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcasecmp(list[i], s))
			return true;
	return false;
}

static bool listed(const char *const *list, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(list[i], s))
			return true;
	return false;
}

/* The user's tag of key (IAM: keys ignore case), or NULL; the tool's own are not the
 * user's. */
static const struct iam_tag *user_tag(const struct convplan_in *in, const char *key)
{
	size_t i;

	for (i = 0; i < in->n_user_tags; i++)
		if (!strcasecmp(in->user_tags[i].key, key) &&
		    !convrec_is_tool_tag(in->user_tags[i].key))
			return &in->user_tags[i];
	return NULL;
}

static bool configured_tag(const struct convplan_in *in, const char *key)
{
	size_t i;

	for (i = 0; i < in->n_tags; i++)
		if (!strcasecmp(in->tags[i].key, key))
			return true;
	return false;
}

static void push(const char **list, size_t *n, const char *s)
{
	if (*n < CONVPLAN_MAX_ITEMS)
		list[(*n)++] = s;
}

/* Groups: add the configured ones the user lacks; remove the recorded ones no longer
 * configured; record the configured ones that are the tool's (added now or recorded). */
static void plan_groups(const struct convplan_in *in, struct convplan *p, struct convrec *rec)
{
	char id[CONVREC_ID_LEN + 1];
	size_t i;

	for (i = 0; i < in->n_groups; i++) {
		bool has = listed_ci(in->user_groups, in->n_user_groups, in->groups[i]);

		if (!has)
			push(p->add_groups, &p->n_add_groups, in->groups[i]);
		convrec_id(CONVREC_GROUP, in->groups[i], id);
		if (!has || convrec_has_id(in->rec, CONVREC_GROUP, id))
			convrec_add_id(rec, CONVREC_GROUP, id);
	}
	for (i = 0; i < in->n_user_groups; i++)
		if (!listed_ci(in->groups, in->n_groups, in->user_groups[i]) &&
		    convrec_has(in->rec, CONVREC_GROUP, in->user_groups[i]))
			push(p->remove_groups, &p->n_remove_groups, in->user_groups[i]);
}

/* Managed policies, likewise (ARNs compared exactly, as IAM lists them). */
static void plan_policies(const struct convplan_in *in, struct convplan *p, struct convrec *rec)
{
	char id[CONVREC_ID_LEN + 1];
	size_t i;

	for (i = 0; i < in->n_policies; i++) {
		bool has = listed(in->user_policies, in->n_user_policies, in->policies[i]);

		if (!has)
			push(p->attach, &p->n_attach, in->policies[i]);
		convrec_id(CONVREC_POLICY, in->policies[i], id);
		if (!has || convrec_has_id(in->rec, CONVREC_POLICY, id))
			convrec_add_id(rec, CONVREC_POLICY, id);
	}
	for (i = 0; i < in->n_user_policies; i++)
		if (!listed(in->policies, in->n_policies, in->user_policies[i]) &&
		    convrec_has(in->rec, CONVREC_POLICY, in->user_policies[i]))
			push(p->detach, &p->n_detach, in->user_policies[i]);
}

/* Tags: set the configured ones missing or with another value; untag the recorded ones no
 * longer configured. */
static void plan_tags(const struct convplan_in *in, struct convplan *p, struct convrec *rec)
{
	char id[CONVREC_ID_LEN + 1];
	size_t i;

	for (i = 0; i < in->n_tags; i++) {
		const struct iam_tag *has = user_tag(in, in->tags[i].key);

		if (!has || strcmp(has->value, in->tags[i].value) ||
		    strcmp(has->key, in->tags[i].key))
			if (p->n_set_tags < CONVPLAN_MAX_ITEMS)
				p->set_tags[p->n_set_tags++] = &in->tags[i];
		convrec_id(CONVREC_TAGKEY, in->tags[i].key, id);
		if (!has || convrec_has_id(in->rec, CONVREC_TAGKEY, id))
			convrec_add_id(rec, CONVREC_TAGKEY, id);
	}
	for (i = 0; i < in->n_user_tags; i++) {
		const char *k = in->user_tags[i].key;

		if (!convrec_is_tool_tag(k) && !configured_tag(in, k) &&
		    convrec_has(in->rec, CONVREC_TAGKEY, k))
			push(p->untag, &p->n_untag, k);
	}
}

/* This host's record: its generation and digest, now, and the ids in rec. */
static void stamp(const struct convplan_in *in, struct convrec *rec)
{
	rec->present = true;
	rec->malformed = false;
	rec->generation = in->generation;
	snprintf(rec->digest, sizeof(rec->digest), "%s", in->digest);
	snprintf(rec->host_id, sizeof(rec->host_id), "%s", in->host->id);
	snprintf(rec->host_name, sizeof(rec->host_name), "%s", in->host->name);
	rec->at = in->now;
}

void convplan_make(const struct convplan_in *in, struct convplan *out)
{
	enum convplan_verdict v;

	memset(out, 0, sizeof(*out));
	v = from_record(in, out);
	if (v == CONVPLAN_RECORD) {
		out->rec = *in->rec; /* the same ids: the config did not change */
		out->rec.malformed = false;
		stamp(in, &out->rec);
	}
	if (!in->have_lists) {
		out->verdict = v;
		return;
	}
	if (v == CONVPLAN_READ || in->compare_all) {
		struct convrec rec;

		memset(&rec, 0, sizeof(rec));
		plan_groups(in, out, &rec);
		plan_policies(in, out, &rec);
		plan_tags(in, out, &rec);
		if (v == CONVPLAN_READ) {
			out->rec = rec;
			stamp(in, &out->rec);
		}
	}
	out->verdict = v == CONVPLAN_READ ? CONVPLAN_CONVERGE : v;
}

void convplan_created(const struct convplan_in *in, struct convrec *out)
{
	char id[CONVREC_ID_LEN + 1];
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < in->n_groups; i++) {
		convrec_id(CONVREC_GROUP, in->groups[i], id);
		convrec_add_id(out, CONVREC_GROUP, id);
	}
	for (i = 0; i < in->n_policies; i++) {
		convrec_id(CONVREC_POLICY, in->policies[i], id);
		convrec_add_id(out, CONVREC_POLICY, id);
	}
	for (i = 0; i < in->n_tags; i++) {
		convrec_id(CONVREC_TAGKEY, in->tags[i].key, id);
		convrec_add_id(out, CONVREC_TAGKEY, id);
	}
	stamp(in, out);
}

bool convplan_only_record(const struct convplan *p)
{
	return p->n_add_groups + p->n_remove_groups + p->n_attach + p->n_detach + p->n_set_tags +
	           p->n_untag ==
	       0;
}

/* ---- after the calls ---- */

/* Ids of every kind, up to twice a record's: what a run adds to or takes from one. */
struct idsets {
	char id[CONVREC_KINDS][2 * CONVREC_MAX_IDS][CONVREC_ID_LEN + 1];
	size_t n[CONVREC_KINDS];
};

static void idsets_add(struct idsets *s, enum convrec_kind k, const char *id)
{
	size_t i;

	for (i = 0; i < s->n[k]; i++)
		if (!strcmp(s->id[k][i], id))
			return;
	if (s->n[k] < 2 * CONVREC_MAX_IDS)
		memcpy(s->id[k][s->n[k]++], id, CONVREC_ID_LEN + 1);
}

/* The ids this run decided: those that must be recorded (*plus) and those that must not
 * (*minus: recorded before or written now, but removed or refused), from the record before
 * (in->rec), the one written (p->rec) and how the calls went. Any other id in the record is
 * another host's, and stays. */
static void deltas(const struct convplan_in *in, const struct convplan *p,
                   const struct convplan_outcome *o, struct idsets *plus, struct idsets *minus,
                   bool *all_done)
{
	struct convrec want = p->rec; /* becomes: what the record says, given the outcome */
	char id[CONVREC_ID_LEN + 1];
	size_t i;
	int k;

	*all_done = true;
	for (i = 0; i < p->n_add_groups; i++) {
		*all_done &= o->add_groups[i] == CONVPLAN_DONE;
		convrec_id(CONVREC_GROUP, p->add_groups[i], id);
		if (o->add_groups[i] == CONVPLAN_REFUSED &&
		    !convrec_has_id(in->rec, CONVREC_GROUP, id))
			convrec_remove_id(&want, CONVREC_GROUP, id);
	}
	for (i = 0; i < p->n_remove_groups; i++) {
		*all_done &= o->remove_groups[i] == CONVPLAN_DONE;
		convrec_id(CONVREC_GROUP, p->remove_groups[i], id);
		if (o->remove_groups[i] != CONVPLAN_DONE) /* still there, still ours */
			convrec_add_id(&want, CONVREC_GROUP, id);
	}
	for (i = 0; i < p->n_attach; i++) {
		*all_done &= o->attach[i] == CONVPLAN_DONE;
		convrec_id(CONVREC_POLICY, p->attach[i], id);
		if (o->attach[i] == CONVPLAN_REFUSED &&
		    !convrec_has_id(in->rec, CONVREC_POLICY, id))
			convrec_remove_id(&want, CONVREC_POLICY, id);
	}
	for (i = 0; i < p->n_detach; i++) {
		*all_done &= o->detach[i] == CONVPLAN_DONE;
		convrec_id(CONVREC_POLICY, p->detach[i], id);
		if (o->detach[i] != CONVPLAN_DONE)
			convrec_add_id(&want, CONVREC_POLICY, id);
	}
	*all_done &= o->set_tags == CONVPLAN_DONE && (!p->n_untag || o->untag == CONVPLAN_DONE);
	for (i = 0; i < p->n_set_tags && o->set_tags == CONVPLAN_REFUSED; i++) {
		convrec_id(CONVREC_TAGKEY, p->set_tags[i]->key, id);
		if (!convrec_has_id(in->rec, CONVREC_TAGKEY, id))
			convrec_remove_id(&want, CONVREC_TAGKEY, id);
	}
	for (i = 0; i < p->n_untag && o->untag != CONVPLAN_DONE; i++) {
		convrec_id(CONVREC_TAGKEY, p->untag[i], id);
		convrec_add_id(&want, CONVREC_TAGKEY, id);
	}
	memset(plus, 0, sizeof(*plus));
	memset(minus, 0, sizeof(*minus));
	for (k = 0; k < CONVREC_KINDS; k++) {
		enum convrec_kind kd = (enum convrec_kind)k;

		for (i = 0; i < want.added[kd].n; i++)
			idsets_add(plus, kd, want.added[kd].id[i]);
		for (i = 0; i < in->rec->added[kd].n; i++)
			if (!convrec_has_id(&want, kd, in->rec->added[kd].id[i]))
				idsets_add(minus, kd, in->rec->added[kd].id[i]);
		for (i = 0; i < p->rec.added[kd].n; i++)
			if (!convrec_has_id(&want, kd, p->rec.added[kd].id[i]))
				idsets_add(minus, kd, p->rec.added[kd].id[i]);
	}
}

bool convplan_settle(const struct convplan_in *in, const struct convplan *p,
                     const struct convplan_outcome *o, const struct convrec *back,
                     struct convrec *out)
{
	struct idsets plus, minus;
	bool all_done;
	size_t i;
	int k;

	deltas(in, p, o, &plus, &minus, &all_done);
	/* other hosts' ids in what was read back stay; this run's changes go on top */
	*out = *back;
	out->malformed = false;
	for (k = 0; k < CONVREC_KINDS; k++) {
		for (i = 0; i < minus.n[k]; i++)
			convrec_remove_id(out, (enum convrec_kind)k, minus.id[k][i]);
		for (i = 0; i < plus.n[k]; i++)
			convrec_add_id(out, (enum convrec_kind)k, plus.id[k][i]);
	}
	if (back->present && back->generation > in->generation) {
		/* a newer generation converged meanwhile, and this run's calls may undo some of
		 * it: its hosts converge again at their next verify */
		snprintf(out->digest, sizeof(out->digest), "%s", CONVREC_UNFINISHED);
	} else {
		bool ours = convrec_same(back, &p->rec) ||
		            (back->present && back->generation == in->generation &&
		             !strcmp(back->digest, in->digest)); /* a host of the same config */

		out->present = true;
		out->generation = in->generation;
		snprintf(out->digest, sizeof(out->digest), "%s",
		         ours && all_done ? in->digest : CONVREC_UNFINISHED);
		snprintf(out->host_id, sizeof(out->host_id), "%s", in->host->id);
		snprintf(out->host_name, sizeof(out->host_name), "%s", in->host->name);
		out->at = back->present && convrec_same(back, out) ? back->at : in->now;
	}
	return !convrec_same(back, out) || back->malformed;
}

/* ---- --dry-run ---- */

void convplan_print(const struct convplan *p, FILE *f)
{
	size_t i;

	for (i = 0; i < p->n_add_groups; i++)
		fprintf(f, "dry-run: would call AddUserToGroup %s\n", p->add_groups[i]);
	for (i = 0; i < p->n_remove_groups; i++)
		fprintf(f,
		        "dry-run: would call RemoveUserFromGroup %s (added by the tool, no longer "
		        "configured)\n",
		        p->remove_groups[i]);
	for (i = 0; i < p->n_attach; i++)
		fprintf(f, "dry-run: would call AttachUserPolicy %s\n", p->attach[i]);
	for (i = 0; i < p->n_detach; i++)
		fprintf(f,
		        "dry-run: would call DetachUserPolicy %s (attached by the tool, no "
		        "longer configured)\n",
		        p->detach[i]);
	if (p->verdict == CONVPLAN_RECORD || p->verdict == CONVPLAN_CONVERGE) {
		fprintf(f, "dry-run: would call TagUser");
		for (i = 0; i < p->n_set_tags; i++)
			fprintf(f, " %s=%s", p->set_tags[i]->key, p->set_tags[i]->value);
		fprintf(f, " (convergence record: generation %lu)\n", p->rec.generation);
	}
	if (p->n_untag) {
		fprintf(f, "dry-run: would call UntagUser");
		for (i = 0; i < p->n_untag; i++)
			fprintf(f, " %s", p->untag[i]);
		fprintf(f, " (set by the tool, no longer configured)\n");
	}
	if (p->verdict == CONVPLAN_OLDER || p->verdict == CONVPLAN_CONFLICT)
		fprintf(f, "dry-run: groups, policies and tags left as they are: %s\n", p->why);
}
