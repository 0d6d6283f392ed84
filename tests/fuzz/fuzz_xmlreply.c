/* SPDX-License-Identifier: MIT */
/* fuzz_xmlreply.c — libFuzzer target for the XML reply reader: parse, error extraction and
 * the field reads every IAM/STS reply parser makes. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "xmlreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const paths[] = {
    "GetUserResult/User/UserName",
    "GetUserResult/User/Arn",
    "GetUserResult/User/Path",
    "CreateUserResult/User/UserId",
    "CreateAccessKeyResult/AccessKey/SecretAccessKey",
    "CreateAccessKeyResult/AccessKey/AccessKeyId",
    "GetCallerIdentityResult/Arn",
    "GetCallerIdentityResult/Account",
    "ListAccessKeysResult/IsTruncated",
    "ResponseMetadata/RequestId",
    "Error/Code",
    "Errors/Error/Message",
    "a/b/c",
};

static const struct {
	const char *list, *rel;
} lists[] = {
    {"ListAccessKeysResult/AccessKeyMetadata/member", "AccessKeyId"},
    {"ListAccessKeysResult/AccessKeyMetadata/member", "Status"},
    {"GetUserResult/User/Tags/member", "Key"},
    {"ListUserTagsResult/Tags/member", "Value"},
    {"ListAccountAliasesResult/AccountAliases/member", NULL},
    {"ListGroupsForUserResult/Groups/member", "GroupName"},
};

static void check_text(const char *v, size_t cap)
{
	size_t n = strnlen(v, cap);

	/* the contract: NUL-terminated within the buffer, no control characters */
	if (n == cap)
		__builtin_trap();
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] < 0x20 || (unsigned char)v[i] == 0x7f)
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_reply *r = NULL;
	struct aws_error e;
	char v[256];
	size_t i, j;

	if (xml_reply_parse((const char *)data, size, &r) != PAI_OK)
		return 0;
	memset(&e, 0, sizeof(e));
	if (xml_reply_error(r, &e)) {
		check_text(e.code, sizeof(e.code));
		check_text(e.message, sizeof(e.message));
		check_text(e.request_id, sizeof(e.request_id));
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (xml_reply_get(r, paths[i], v, sizeof(v)) == PAI_OK)
			check_text(v, sizeof(v));
		/* a tiny buffer exercises the does-not-fit path */
		if (xml_reply_get(r, paths[i], v, 4) == PAI_OK)
			check_text(v, 4);
	}
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		size_t n = xml_reply_count(r, lists[i].list);

		for (j = 0; j < n && j < 8; j++)
			if (xml_reply_get_nth(r, lists[i].list, j, lists[i].rel, v, sizeof(v)) ==
			    PAI_OK)
				check_text(v, sizeof(v));
		(void)xml_reply_get_nth(r, lists[i].list, n, lists[i].rel, v, sizeof(v));
	}
	xml_reply_free(r);
	return 0;
}
