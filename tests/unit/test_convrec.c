/* SPDX-License-Identifier: MIT */
/* test_convrec.c — the convergence record on a managed IAM user (convrec.h): ids, the three
 * tags written and read back, and values the reader must not trust. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "convrec.h"
#include "validate.h"

#define HOST_ID "0123456789abcdef0123456789abcdef"
#define NOW     1767323045 /* 2026-01-02T03:04:05Z */

static void set(struct iam_tag *t, const char *k, const char *v)
{
	snprintf(t->key, sizeof(t->key), "%s", k);
	snprintf(t->value, sizeof(t->value), "%s", v);
}

static void ids_are_six_url_safe_characters_and_ignore_case_where_iam_does(void **state)
{
	char a[CONVREC_ID_LEN + 1], b[CONVREC_ID_LEN + 1];
	size_t i;

	(void)state;
	convrec_id(CONVREC_GROUP, "Developers", a);
	convrec_id(CONVREC_GROUP, "developers", b);
	assert_string_equal(a, b); /* IAM group names ignore case */
	assert_int_equal(strlen(a), CONVREC_ID_LEN);
	for (i = 0; a[i]; i++)
		assert_non_null(strchr(
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", a[i]));
	convrec_id(CONVREC_TAGKEY, "Team", a);
	convrec_id(CONVREC_TAGKEY, "team", b);
	assert_string_equal(a, b); /* so do tag keys */
	convrec_id(CONVREC_POLICY, "arn:aws:iam::aws:policy/ReadOnlyAccess", a);
	convrec_id(CONVREC_POLICY, "arn:aws:iam::aws:policy/readonlyaccess", b);
	assert_string_not_equal(a, b); /* ARNs are compared exactly */
	convrec_id(CONVREC_GROUP, "team", a);
	convrec_id(CONVREC_TAGKEY, "team", b);
	assert_string_not_equal(a, b); /* a group is not a tag key */
}

static void fill(struct convrec *r)
{
	memset(r, 0, sizeof(*r));
	r->present = true;
	r->generation = 4;
	snprintf(r->digest, sizeof(r->digest), "AbCdEf-_0123");
	snprintf(r->host_id, sizeof(r->host_id), HOST_ID);
	snprintf(r->host_name, sizeof(r->host_name), "bastion-1");
	r->at = NOW;
}

static void a_record_round_trips_through_its_three_tags(void **state)
{
	struct convrec r, back;
	struct iam_tag t[CONVREC_TAGS];
	char id[CONVREC_ID_LEN + 1];

	(void)state;
	fill(&r);
	convrec_id(CONVREC_GROUP, "developers", id);
	convrec_add_id(&r, CONVREC_GROUP, id);
	convrec_id(CONVREC_POLICY, "arn:aws:iam::aws:policy/A", id);
	convrec_add_id(&r, CONVREC_POLICY, id);
	convrec_id(CONVREC_TAGKEY, "team", id);
	convrec_add_id(&r, CONVREC_TAGKEY, id);
	assert_int_equal(convrec_make_tags(&r, t), PAI_OK);
	assert_string_equal(t[0].key, "pam-aws-iam:converged");
	assert_string_equal(t[0].value,
	                    "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z bastion-1");
	assert_string_equal(t[1].key, "pam-aws-iam:added");
	assert_int_equal(strlen(t[1].value), 1 + 6 + 1 + 1 + 6);
	assert_int_equal(t[1].value[0], 'g');
	assert_int_equal(t[1].value[8], 'p');
	assert_string_equal(t[2].key, "pam-aws-iam:added-tags");
	convrec_read(t, CONVREC_TAGS, &back);
	assert_true(back.present);
	assert_false(back.malformed);
	assert_true(convrec_same(&r, &back));
	assert_int_equal(back.at, NOW);
	assert_true(convrec_has(&back, CONVREC_GROUP, "Developers"));
	assert_true(convrec_has(&back, CONVREC_TAGKEY, "TEAM"));
	assert_false(convrec_has(&back, CONVREC_GROUP, "operators"));
}

static void an_empty_record_is_written_as_kind_letters(void **state)
{
	struct convrec r, back;
	struct iam_tag t[CONVREC_TAGS];

	(void)state;
	fill(&r);
	snprintf(r.digest, sizeof(r.digest), CONVREC_UNFINISHED);
	r.generation = 0;
	assert_int_equal(convrec_make_tags(&r, t), PAI_OK);
	assert_string_equal(t[1].value, "g p");
	assert_string_equal(t[2].value, "t");
	convrec_read(t, CONVREC_TAGS, &back);
	assert_true(back.present && !back.malformed);
	assert_string_equal(back.digest, "-");
}

static void the_bounds_fit_in_tag_values_and_no_more_is_kept(void **state)
{
	struct convrec r, back;
	struct iam_tag t[CONVREC_TAGS];
	char name[32], id[CONVREC_ID_LEN + 1];
	size_t i;

	(void)state;
	fill(&r);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "item%zu", i);
		convrec_id(CONVREC_GROUP, name, id);
		convrec_add_id(&r, CONVREC_GROUP, id);
		convrec_id(CONVREC_POLICY, name, id);
		convrec_add_id(&r, CONVREC_POLICY, id);
		convrec_id(CONVREC_TAGKEY, name, id);
		convrec_add_id(&r, CONVREC_TAGKEY, id);
	}
	assert_int_equal(r.added[CONVREC_GROUP].n, CONVREC_MAX_GROUPS);
	assert_int_equal(r.added[CONVREC_POLICY].n, CONVREC_MAX_POLICIES);
	assert_int_equal(r.added[CONVREC_TAGKEY].n, CONVREC_MAX_TAGKEYS);
	assert_int_equal(convrec_make_tags(&r, t), PAI_OK);
	for (i = 0; i < CONVREC_TAGS; i++)
		assert_true(valid_tag_value(t[i].value));
	convrec_read(t, CONVREC_TAGS, &back);
	assert_false(back.malformed);
	assert_true(convrec_same(&r, &back));
}

/* Reading tags: the kind whose value is bad is not read at all. */
static void read_one(const char *key, const char *value, struct convrec *r)
{
	struct iam_tag t[CONVREC_TAGS + 1];
	struct convrec good;

	fill(&good);
	assert_int_equal(convrec_make_tags(&good, t), PAI_OK);
	set(&t[CONVREC_TAGS], "team", "x"); /* not the tool's: ignored */
	if (!strcmp(key, CONVREC_TAG))
		set(&t[0], key, value);
	else if (!strcmp(key, CONVREC_ADDED_TAG))
		set(&t[1], key, value);
	else
		set(&t[2], key, value);
	convrec_read(t, CONVREC_TAGS + 1, r);
}

static void hostile_values_are_never_trusted(void **state)
{
	static const char *const converged[] = {
	    "",
	    "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z",            /* four words */
	    "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b extra",    /* six */
	    "4  AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b",         /* two spaces */
	    "04 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b",         /* leading zero */
	    "4294967296 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b", /* past 32 bits */
	    "-1 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b",         /* negative */
	    "4 AbCdEf-_012 " HOST_ID " 2026-01-02T03:04:05Z b",           /* short digest */
	    "4 AbCdEf+_0123 " HOST_ID " 2026-01-02T03:04:05Z b",          /* '+' */
	    "4 AbCdEf-_0123 0123456789ABCDEF0123456789abcdef 2026-01-02T03:04:05Z b",
	    "4 AbCdEf-_0123 " HOST_ID " 2026-13-02T03:04:05Z b",         /* month 13 */
	    "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b.example", /* not a short name */
	    "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b ",        /* trailing space */
	};
	static const char *const added[] = {
	    "",    "g",   "p",           "gAAAAA p",  "g pAAAAA",
	    "x p", "g x", "g p ",        " g p",      "g  p",
	    "p g", "g t", "gAAAAAA\n p", "gAAA+AA p", "gAAAAAAAAAAAA p", /* an id twice */
	};
	static const char *const added_tags[] = {"",   "g",      "tAAAAA", "tAAAAAAAAAAAA",
	                                         "t ", "tAA=AAA"};
	struct convrec r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(converged) / sizeof(converged[0]); i++) {
		read_one(CONVREC_TAG, converged[i], &r);
		if (r.present || !r.malformed || r.generation || r.host_id[0])
			fail_msg("trusted converged value '%s'", converged[i]);
	}
	for (i = 0; i < sizeof(added) / sizeof(added[0]); i++) {
		read_one(CONVREC_ADDED_TAG, added[i], &r);
		if (!r.malformed || r.added[CONVREC_GROUP].n || r.added[CONVREC_POLICY].n)
			fail_msg("trusted added value '%s'", added[i]);
		assert_true(r.present); /* the other tags are still read */
	}
	for (i = 0; i < sizeof(added_tags) / sizeof(added_tags[0]); i++) {
		read_one(CONVREC_ADDED_TAGS, added_tags[i], &r);
		if (!r.malformed || r.added[CONVREC_TAGKEY].n)
			fail_msg("trusted added-tags value '%s'", added_tags[i]);
	}
	/* more ids than a config can name */
	{
		char v[257] = "g";
		size_t n;

		for (n = 0; n <= CONVREC_MAX_GROUPS; n++)
			snprintf(v + 1 + n * 6, sizeof(v) - 1 - n * 6, "A%05zu", n);
		strcat(v, " p");
		read_one(CONVREC_ADDED_TAG, v, &r);
		assert_true(r.malformed);
		assert_int_equal(r.added[CONVREC_GROUP].n, 0);
	}
}

static void only_the_tools_exact_keys_are_read(void **state)
{
	struct iam_tag t[3];
	struct convrec r;

	(void)state;
	set(&t[0], "PAM-AWS-IAM:converged", "4 AbCdEf-_0123 " HOST_ID " 2026-01-02T03:04:05Z b");
	set(&t[1], "pam-aws-iam:added ", "gAAAAAA p");
	set(&t[2], "added", "gAAAAAA p");
	convrec_read(t, 3, &r);
	assert_false(r.present);
	assert_false(r.malformed);
	assert_int_equal(r.added[CONVREC_GROUP].n, 0);
	assert_true(convrec_is_tool_tag("Pam-Aws-Iam:anything"));
	assert_false(convrec_is_tool_tag("pam-aws-iam"));
}

static void sameness_ignores_order_and_time_but_not_ids(void **state)
{
	struct convrec a, b;

	(void)state;
	fill(&a);
	fill(&b);
	b.at = NOW + 60;
	convrec_add_id(&a, CONVREC_GROUP, "BBBBBB");
	convrec_add_id(&a, CONVREC_GROUP, "AAAAAA");
	convrec_add_id(&b, CONVREC_GROUP, "AAAAAA");
	convrec_add_id(&b, CONVREC_GROUP, "BBBBBB");
	assert_true(convrec_same(&a, &b));
	convrec_remove_id(&b, CONVREC_GROUP, "BBBBBB");
	assert_false(convrec_same(&a, &b));
	convrec_add_id(&b, CONVREC_GROUP, "BBBBBB");
	b.generation = 5;
	assert_false(convrec_same(&a, &b));
	/* nothing to write for a record that is not there */
	{
		struct convrec none;
		struct iam_tag t[CONVREC_TAGS];

		memset(&none, 0, sizeof(none));
		assert_int_equal(convrec_make_tags(&none, t), PAI_ERR_INVALID);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(ids_are_six_url_safe_characters_and_ignore_case_where_iam_does),
	    cmocka_unit_test(a_record_round_trips_through_its_three_tags),
	    cmocka_unit_test(an_empty_record_is_written_as_kind_letters),
	    cmocka_unit_test(the_bounds_fit_in_tag_values_and_no_more_is_kept),
	    cmocka_unit_test(hostile_values_are_never_trusted),
	    cmocka_unit_test(only_the_tools_exact_keys_are_read),
	    cmocka_unit_test(sameness_ignores_order_and_time_but_not_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
