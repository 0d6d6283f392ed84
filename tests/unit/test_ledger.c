/* SPDX-License-Identifier: MIT */
/* test_ledger.c — the tags the tool keeps on the users it manages (ledger.h): entries,
 * marks and ownership read back as written, hostile and legacy tags read safely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ledger.h"

#define HOST_A_ID "0123456789abcdef0123456789abcdef"

static void set_tag(struct iam_tag *t, const char *k, const char *v)
{
	snprintf(t->key, sizeof(t->key), "%s", k);
	snprintf(t->value, sizeof(t->value), "%s", v);
}

static const struct hostid host_a = {HOST_A_ID, "bastion-1"};

static void entries_round_trip_with_host_id_and_name(void **st)
{
	struct iam_tag t[2];
	struct ledger l;
	const struct ledger_entry *e;

	(void)st;
	assert_int_equal(ledger_make_tag("AKIAAAAAAAAAAAAAAAAA", &host_a, 1767323045, false, &t[0]),
	                 PAI_OK);
	assert_string_equal(t[0].key, "pam-aws-iam:key:AKIAAAAAAAAAAAAAAAAA");
	assert_string_equal(t[0].value, HOST_A_ID " 2026-01-02T03:04:05Z bastion-1");
	assert_int_equal(ledger_make_tag("AKIABBBBBBBBBBBBBBBB", &host_a, 1767323045, true, &t[1]),
	                 PAI_OK);
	assert_string_equal(t[1].value, HOST_A_ID " 2026-01-02T03:04:05Z bastion-1 orphan");
	ledger_read(t, 2, &l);
	assert_int_equal(l.n, 2);
	e = ledger_find(&l, "AKIAAAAAAAAAAAAAAAAA");
	assert_non_null(e);
	assert_string_equal(e->host_id, HOST_A_ID);
	assert_string_equal(e->host_name, "bastion-1");
	assert_int_equal(e->created, 1767323045);
	assert_false(e->orphan);
	assert_true(ledger_find(&l, "AKIABBBBBBBBBBBBBBBB")->orphan);
}

static void hostile_entries_are_skipped_never_trusted(void **st)
{
	struct iam_tag tags[10];
	struct ledger l;

	(void)st;
	set_tag(&tags[0], LEDGER_KEY_PREFIX "AKIAAAAAAAAAAAAAAAAA", "hosta 2026-01-02T03:04:05Z");
	set_tag(&tags[1], LEDGER_KEY_PREFIX "AKIA-BAD", "hosta 2026-01-02T03:04:05Z");
	set_tag(&tags[2], LEDGER_KEY_PREFIX "AKIABBBBBBBBBBBBBBBB", "host.b 2026-01-02T03:04:05Z");
	set_tag(&tags[3], LEDGER_KEY_PREFIX "AKIACCCCCCCCCCCCCCCC", "hostc yesterday");
	set_tag(&tags[4], LEDGER_KEY_PREFIX "AKIADDDDDDDDDDDDDDDD", "");
	set_tag(&tags[5], LEDGER_KEY_PREFIX "AKIAEEEEEEEEEEEEEEEE", " 2026-01-02T03:04:05Z");
	set_tag(&tags[6], LEDGER_KEY_PREFIX "AKIAFFFFFFFFFFFFFFFF", "hostf 2026-02-30T00:00:00Z x");
	set_tag(&tags[7], LEDGER_KEY_PREFIX "AKIAGGGGGGGGGGGGGGGG",
	        HOST_A_ID " 2026-01-02T03:04:05Z bastion-1 adopted"); /* unknown word */
	set_tag(&tags[8], LEDGER_KEY_PREFIX "AKIAHHHHHHHHHHHHHHHH",
	        "0123456789ABCDEF0123456789ABCDEF 2026-01-02T03:04:05Z b"); /* upper-case ID */
	set_tag(&tags[9], LEDGER_KEY_PREFIX "AKIAIIIIIIIIIIIIIIII",
	        HOST_A_ID "  2026-01-02T03:04:05Z bastion-1"); /* two spaces */
	ledger_read(tags, 10, &l);
	assert_int_equal(l.n, 1); /* only the legacy entry */
	assert_string_equal(l.e[0].key_id, "AKIAAAAAAAAAAAAAAAAA");
	assert_string_equal(l.e[0].host_id, "");
	assert_string_equal(l.e[0].host_name, "hosta");
}

static void marks_open_closed_and_malformed(void **st)
{
	struct iam_tag t[4];
	struct ledger l;
	const struct ledger_mark *m;

	(void)st;
	assert_int_equal(ledger_make_mark(&host_a, 1767323045, NULL, &t[0]), PAI_OK);
	assert_string_equal(t[0].key, "pam-aws-iam:pending:" HOST_A_ID);
	assert_string_equal(t[0].value, "2026-01-02T03:04:05Z");
	assert_int_equal(ledger_make_mark(&host_a, 1767323045, "AKIAAAAAAAAAAAAAAAAA", &t[1]),
	                 PAI_OK);
	assert_string_equal(t[1].value, "2026-01-02T03:04:05Z AKIAAAAAAAAAAAAAAAAA");
	set_tag(&t[1], "pam-aws-iam:pending:ffffffffffffffffffffffffffffffff",
	        "2026-01-02T03:04:05Z AKIAAAAAAAAAAAAAAAAA");
	set_tag(&t[2], "pam-aws-iam:pending:hostc", "yesterday\n[evil]");
	set_tag(&t[3], "pam-aws-iam:pending:bad host", "2026-01-02T03:04:05Z");
	ledger_read(t, 4, &l);
	assert_int_equal(l.n_marks, 4);
	m = ledger_mark_of(&l, HOST_A_ID);
	assert_non_null(m);
	assert_int_equal(m->at, 1767323045);
	assert_string_equal(m->closed_by, "");
	m = ledger_mark_of(&l, "ffffffffffffffffffffffffffffffff");
	assert_non_null(m);
	assert_string_equal(m->closed_by, "AKIAAAAAAAAAAAAAAAAA");
	assert_null(ledger_mark_of(&l, "hostc")); /* malformed: kept only to be pruned */
	assert_false(l.m[2].valid);
	assert_false(l.m[3].valid);
	assert_int_equal(ledger_make_mark(&host_a, 0, "AKIA\nX", &t[0]), PAI_ERR_INVALID);
}

static void ownership_names_the_login(void **st)
{
	struct iam_tag t[2];
	struct ledger l;
	char v[257];

	(void)st;
	assert_int_equal(ledger_owner_tag("rt-alice", &t[0]), PAI_OK);
	assert_string_equal(t[0].key, LEDGER_OWNER_KEY);
	assert_string_equal(t[0].value, "rt-alice");
	ledger_read(t, 1, &l);
	assert_int_equal(ledger_owner_of(&l, "rt-alice"), LEDGER_OWNER_THIS);
	assert_int_equal(ledger_owner_of(&l, "rt-Alice"), LEDGER_OWNER_OTHER);
	assert_int_equal(ledger_owner_of(&l, "RT-ALICE"), LEDGER_OWNER_OTHER);
	/* IAM's ',' is no tag value character: escaped, and so is the escape */
	assert_int_equal(ledger_owner_value("a,b:c+d=e", v), PAI_OK);
	assert_string_equal(v, "a:2Cb:3Ac+d=e");
	assert_int_equal(ledger_owner_value("", v), PAI_ERR_INVALID);
	set_tag(&t[0], LEDGER_OWNER_KEY, LEDGER_OWNER_LEGACY);
	ledger_read(t, 1, &l);
	assert_int_equal(ledger_owner_of(&l, "anyone"), LEDGER_OWNER_LEGACY_TAG);
	set_tag(&t[0], "team", "x");
	ledger_read(t, 1, &l);
	assert_int_equal(ledger_owner_of(&l, "anyone"), LEDGER_OWNER_NONE);
}

static void tags_that_cannot_be_made_are_refused(void **st)
{
	struct iam_tag t;
	struct hostid bad = {"not-an-id", "h"};
	char long_id[130];

	(void)st;
	assert_int_equal(ledger_make_tag("AKIAAAAAAAAAAAAAAAAA", &bad, 0, false, &t),
	                 PAI_ERR_INVALID);
	assert_int_equal(ledger_make_tag("AKIA\nX", &host_a, 0, false, &t), PAI_ERR_INVALID);
	memset(long_id, 'A', 120);
	long_id[120] = '\0'; /* valid key ID, but the tag key would pass 128 */
	assert_int_equal(ledger_make_tag(long_id, &host_a, 0, false, &t), PAI_ERR_INVALID);
	assert_int_equal(ledger_make_mark(&bad, 0, NULL, &t), PAI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(entries_round_trip_with_host_id_and_name),
	    cmocka_unit_test(hostile_entries_are_skipped_never_trusted),
	    cmocka_unit_test(marks_open_closed_and_malformed),
	    cmocka_unit_test(ownership_names_the_login),
	    cmocka_unit_test(tags_that_cannot_be_made_are_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
