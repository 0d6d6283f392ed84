/* SPDX-License-Identifier: MIT */
/* fuzz_convrec.c — libFuzzer target for the convergence record reader (convrec_read) and the
 * plan made from what it read: the input is split into tag key/value pairs at NUL bytes (as
 * fuzz_ledger.c). A record it accepts must re-encode to tags it reads back the same, with
 * no more ids than a config can name; a plan over it must never remove a group, policy or
 * tag whose id the record does not hold, nor one the config names. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convplan.h"
#include "convrec.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct iam_tag tags[IAM_MAX_TAGS];
static struct convrec rec, again;
static struct convplan plan;

static const char *const groups[] = {"developers", "Operators"};
static const char *const user_groups[] = {"developers", "operators", "auditors", "ops"};
static const char *const policies[] = {"arn:aws:iam::aws:policy/A"};
static const char *const user_policies[] = {"arn:aws:iam::aws:policy/A",
                                            "arn:aws:iam::aws:policy/B"};
static const struct iam_tag conf_tags[] = {{"team", "x"}};

static void check_plan(size_t n)
{
	struct hostid host = {"0123456789abcdef0123456789abcdef", "fuzz"};
	struct convplan_in in;
	size_t i;

	memset(&in, 0, sizeof(in));
	in.generation = rec.generation;
	in.digest = "AAAAAAAAAAAA";
	in.host = &host;
	in.groups = groups;
	in.n_groups = 2;
	in.policies = policies;
	in.n_policies = 1;
	in.tags = conf_tags;
	in.n_tags = 1;
	in.rec = &rec;
	in.user_tags = tags;
	in.n_user_tags = n;
	in.have_lists = true;
	in.user_groups = user_groups;
	in.n_user_groups = 4;
	in.user_policies = user_policies;
	in.n_user_policies = 2;
	convplan_make(&in, &plan);
	for (i = 0; i < plan.n_remove_groups; i++)
		if (!convrec_has(&rec, CONVREC_GROUP, plan.remove_groups[i]) ||
		    !strcasecmp(plan.remove_groups[i], "operators"))
			abort();
	for (i = 0; i < plan.n_detach; i++)
		if (!convrec_has(&rec, CONVREC_POLICY, plan.detach[i]) ||
		    !strcmp(plan.detach[i], policies[0]))
			abort();
	for (i = 0; i < plan.n_untag; i++)
		if (!convrec_has(&rec, CONVREC_TAGKEY, plan.untag[i]) ||
		    !strcasecmp(plan.untag[i], "team") || convrec_is_tool_tag(plan.untag[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = 0, i, field = 0, len = 0;
	int k;

	memset(tags, 0, sizeof(tags));
	for (i = 0; i < size && n < IAM_MAX_TAGS; i++) {
		char *dst = field ? tags[n].value : tags[n].key;
		size_t cap = field ? sizeof(tags[n].value) : sizeof(tags[n].key);

		if (data[i] == 0) {
			len = 0;
			if (field)
				n++;
			field = !field;
			continue;
		}
		if (len + 1 < cap)
			dst[len++] = (char)data[i];
	}
	if (field && n < IAM_MAX_TAGS)
		n++;
	convrec_read(tags, n, &rec);
	if (rec.added[CONVREC_GROUP].n > CONVREC_MAX_GROUPS ||
	    rec.added[CONVREC_POLICY].n > CONVREC_MAX_POLICIES ||
	    rec.added[CONVREC_TAGKEY].n > CONVREC_MAX_TAGKEYS)
		abort();
	if (rec.present) {
		struct iam_tag out[CONVREC_TAGS];

		if (!hostid_valid_id(rec.host_id) || !hostid_valid_name(rec.host_name) ||
		    convrec_make_tags(&rec, out) != PAI_OK)
			abort();
		for (k = 0; k < CONVREC_TAGS; k++)
			if (!valid_tag_key(out[k].key) || !valid_tag_value(out[k].value))
				abort();
		convrec_read(out, CONVREC_TAGS, &again);
		if (!again.present || again.malformed || !convrec_same(&rec, &again) ||
		    again.at != rec.at)
			abort();
	}
	check_plan(n);
	return 0;
}
