/* SPDX-License-Identifier: MIT */
/* fuzz_iam_lists.c — libFuzzer target for the reply parsers convergence reads with
 * (iam_reply.c): ListGroupsForUser and ListAttachedUserPolicies pages, and ListAccessKeys's
 * first page read with them. Every name accepted must pass its pattern, none twice; a
 * truncated page must carry a marker; a refused page leaves nothing. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iam_reply.h"
#include "validate.h"
#include "xmlreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct iam_listed listed;
static struct iam_key_listing keys;

static void check(pai_err (*parse)(const struct xml_reply *, void *), bool (*ok)(const char *),
                  const struct xml_reply *r)
{
	size_t i, j;

	memset(&listed, 0, sizeof(listed));
	if (parse(r, &listed) != PAI_OK) {
		if (listed.n || listed.more)
			abort();
		return;
	}
	if (listed.n > IAM_MAX_LISTED || (listed.more && !listed.marker[0]))
		abort();
	for (i = 0; i < listed.n; i++) {
		if (!ok(listed.item[i]))
			abort();
		for (j = 0; j < i; j++)
			if (!strcasecmp(listed.item[i], listed.item[j]) && ok == valid_group_name)
				abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_reply *r = NULL;
	size_t i;

	if (xml_reply_parse((const char *)data, size, &r) != PAI_OK)
		return 0;
	check(iam_parse_groups_page, valid_group_name, r);
	check(iam_parse_policies_page, valid_policy_arn, r);
	memset(&keys, 0, sizeof(keys));
	strcpy(keys.user, "alice");
	if (iam_parse_key_listing(r, &keys) == PAI_OK) {
		if (keys.list.n > IAM_MAX_KEYS)
			abort();
		for (i = 0; i < keys.list.n; i++)
			if (!valid_access_key_id(keys.list.keys[i].id))
				abort();
	} else if (keys.list.n || keys.more) {
		abort();
	}
	xml_reply_free(r);
	return 0;
}
