/* SPDX-License-Identifier: MIT */
/* test_fleetdoc.c — the fleet store's document: what it writes it reads back, and any
 * value that is not exactly a document of its format is refused whole. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "fleetdoc.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static void sample(struct fleet_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->state = FLEET_ACTIVE;
	snprintf(d->user, sizeof(d->user), "alice");
	snprintf(d->user_id, sizeof(d->user_id), "AIDAEXAMPLEEXAMPLE01");
	d->has_current = true;
	snprintf(d->current_id, sizeof(d->current_id), "AKIAAAAAAAAAAAAAAAA1");
	snprintf(d->current_secret, sizeof(d->current_secret), SECRET);
	d->current_created = 1767323045;
	d->has_previous = true;
	snprintf(d->previous_id, sizeof(d->previous_id), "AKIAAAAAAAAAAAAAAAA2");
	d->previous_until = 1767409445;
	snprintf(d->written_by.id, sizeof(d->written_by.id), "0123456789abcdef0123456789abcdef");
	snprintf(d->written_by.name, sizeof(d->written_by.name), "bastion");
	d->written_at = 1767323046;
}

static void documents_round_trip(void **st)
{
	struct fleet_doc d, r;
	struct buf b;

	(void)st;
	sample(&d);
	buf_init(&b, FLEETDOC_MAX_BYTES);
	assert_int_equal(fleetdoc_serialize(&d, &b), PAI_OK);
	assert_non_null(strstr(b.data, "\"format\":\"pam-aws-iam\\/1\"")
	                    ?: strstr(b.data, "\"format\":\"pam-aws-iam/1\""));
	assert_int_equal(fleetdoc_parse(b.data, b.len, &r), PAI_OK);
	assert_memory_equal(&d, &r, sizeof(d));
	buf_free(&b);
	/* a claim, a revoked store */
	memset(&d, 0, sizeof(d));
	sample(&d);
	d.has_current = d.has_previous = false;
	d.state = FLEET_CLAIMED;
	d.claim = d.written_by;
	d.claim_until = 1767323100;
	buf_init(&b, FLEETDOC_MAX_BYTES);
	assert_int_equal(fleetdoc_serialize(&d, &b), PAI_OK);
	assert_int_equal(fleetdoc_parse(b.data, b.len, &r), PAI_OK);
	assert_int_equal(r.state, FLEET_CLAIMED);
	assert_string_equal(r.claim.name, "bastion");
	buf_free(&b);
	d.state = FLEET_REVOKED;
	memset(&d.claim, 0, sizeof(d.claim));
	d.revoked_at = 1767323200;
	buf_init(&b, FLEETDOC_MAX_BYTES);
	assert_int_equal(fleetdoc_serialize(&d, &b), PAI_OK);
	assert_int_equal(fleetdoc_parse(b.data, b.len, &r), PAI_OK);
	assert_int_equal(r.revoked_at, 1767323200);
	buf_free(&b);
}

static void anything_else_is_refused_whole(void **st)
{
	static const char *const bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    /* a line break in the secret: must never reach a credentials file */
	    "{\"format\":\"pam-aws-iam/1\",\"state\":\"active\",\"user\":\"a\",\"user_id\":"
	    "\"AIDAEXAMPLEEXAMPLE01\",\"current\":{\"id\":\"AKIAAAAAAAAAAAAAAAA1\",\"secret\":"
	    "\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKE\\n\",\"created\":\"2026-01-02T03:04:05Z\"},"
	    "\"written\":{\"host\":\"0123456789abcdef0123456789abcdef\",\"name\":\"b\",\"at\":"
	    "\"2026-01-02T03:04:05Z\"}}",
	    /* an unknown member */
	    "{\"format\":\"pam-aws-iam/1\",\"state\":\"active\",\"user\":\"a\",\"user_id\":"
	    "\"AIDAEXAMPLEEXAMPLE01\",\"extra\":1,\"written\":{\"host\":"
	    "\"0123456789abcdef0123456789abcdef\",\"name\":\"b\",\"at\":\"2026-01-02T03:04:05Z\"}}",
	    /* a newer format */
	    "{\"format\":\"pam-aws-iam/2\",\"state\":\"active\",\"user\":\"a\",\"user_id\":"
	    "\"AIDAEXAMPLEEXAMPLE01\",\"written\":{\"host\":\"0123456789abcdef0123456789abcdef\","
	    "\"name\":\"b\",\"at\":\"2026-01-02T03:04:05Z\"}}",
	    /* revoked, yet naming a key */
	    "{\"format\":\"pam-aws-iam/1\",\"state\":\"revoked\",\"user\":\"a\",\"user_id\":"
	    "\"AIDAEXAMPLEEXAMPLE01\",\"current\":{\"id\":\"AKIAAAAAAAAAAAAAAAA1\",\"secret\":"
	    "\"wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\",\"created\":\"2026-01-02T03:04:05Z\"},"
	    "\"revoked_at\":\"2026-01-02T03:04:05Z\",\"written\":{\"host\":"
	    "\"0123456789abcdef0123456789abcdef\",\"name\":\"b\",\"at\":\"2026-01-02T03:04:05Z\"}}",
	    /* a number where a string belongs */
	    "{\"format\":\"pam-aws-iam/1\",\"state\":\"active\",\"user\":7,\"user_id\":"
	    "\"AIDAEXAMPLEEXAMPLE01\",\"written\":{\"host\":\"0123456789abcdef0123456789abcdef\","
	    "\"name\":\"b\",\"at\":\"2026-01-02T03:04:05Z\"}}",
	    /* trailing garbage; too deep */
	    "{\"format\":\"pam-aws-iam/1\"} x",
	    "{\"a\":{\"b\":{\"c\":{\"d\":{}}}}}",
	};
	struct fleet_doc d;
	size_t i;

	(void)st;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fleetdoc_parse(bad[i], strlen(bad[i]), &d) == PAI_OK)
			fail_msg("accepted #%zu: %s", i, bad[i]);
	assert_int_equal(fleetdoc_parse("{\"a\":\"b\\u0000c\"}", 17, &d), PAI_ERR_REPLY);
	assert_true(fleetdoc_valid_secret(SECRET));
	assert_false(fleetdoc_valid_secret(SECRET "A"));
	assert_false(fleetdoc_valid_secret("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKE="));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(documents_round_trip),
	    cmocka_unit_test(anything_else_is_refused_whole),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
