/* SPDX-License-Identifier: MIT */
/* test_iam_lists.c — what convergence reads from IAM: ListGroupsForUser and
 * ListAttachedUserPolicies pages, and ListAccessKeys's first page read together with them,
 * against canned replies, hostile ones included; and the operations' input checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "iam.h"
#include "iam_reply.h"
#include "xmlreply.h"

#define NS " xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""
#define META                                                                                       \
	"<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></"           \
	"ResponseMetadata>"

static struct iam_listed listed;

static pai_err run(aws_reply_parser parser, const char *xml, void *out)
{
	struct xml_reply *r = NULL;
	pai_err e;

	assert_int_equal(xml_reply_parse(xml, strlen(xml), &r), PAI_OK);
	e = parser(r, out);
	xml_reply_free(r);
	return e;
}

#define GROUP(n)                                                                                   \
	"<member><Path>/</Path><GroupName>" n                                                      \
	"</GroupName><GroupId>AGPAEXAMPLE0000000001</GroupId>"                                     \
	"<Arn>arn:aws:iam::123456789012:group/" n "</Arn>"                                         \
	"<CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
#define GROUPS(members, tail)                                                                      \
	"<ListGroupsForUserResponse" NS "><ListGroupsForUserResult><Groups>" members               \
	"</Groups>" tail "</ListGroupsForUserResult>" META "</ListGroupsForUserResponse>"
#define POLICY(arn) "<member><PolicyName>x</PolicyName><PolicyArn>" arn "</PolicyArn></member>"
#define POLICIES(members, tail)                                                                    \
	"<ListAttachedUserPoliciesResponse><ListAttachedUserPoliciesResult><"                      \
	"AttachedPolicies>" members "</AttachedPolicies>" tail                                     \
	"</ListAttachedUserPoliciesResult></ListAttachedUserPoliciesResponse>"

static void groups_pages_are_read_and_appended(void **state)
{
	(void)state;
	memset(&listed, 0, sizeof(listed));
	assert_int_equal(run(iam_parse_groups_page,
	                     GROUPS(GROUP("developers") GROUP("ops"),
	                            "<IsTruncated>true</IsTruncated><Marker>m1</Marker>"),
	                     &listed),
	                 PAI_OK);
	assert_int_equal(listed.n, 2);
	assert_string_equal(listed.item[1], "ops");
	assert_true(listed.more);
	assert_string_equal(listed.marker, "m1");
	assert_int_equal(run(iam_parse_groups_page, GROUPS(GROUP("auditors"), ""), &listed),
	                 PAI_OK);
	assert_int_equal(listed.n, 3);
	assert_false(listed.more);
	memset(&listed, 0, sizeof(listed));
	assert_int_equal(
	    run(iam_parse_groups_page, GROUPS("", "<IsTruncated>false</IsTruncated>"), &listed),
	    PAI_OK);
	assert_int_equal(listed.n, 0);
}

static void policies_pages_are_read(void **state)
{
	(void)state;
	memset(&listed, 0, sizeof(listed));
	assert_int_equal(run(iam_parse_policies_page,
	                     POLICIES(POLICY("arn:aws:iam::aws:policy/ReadOnlyAccess")
	                                  POLICY("arn:aws:iam::123456789012:policy/p/Mine"),
	                              ""),
	                     &listed),
	                 PAI_OK);
	assert_int_equal(listed.n, 2);
	assert_string_equal(listed.item[1], "arn:aws:iam::123456789012:policy/p/Mine");
}

static void hostile_lists_are_refused_and_leave_nothing(void **state)
{
	static const char *const groups[] = {
	    GROUPS(GROUP("dev\nops"), ""),                       /* a newline */
	    GROUPS(GROUP("a b"), ""),                            /* a blank */
	    GROUPS(GROUP("developers") GROUP("Developers"), ""), /* twice */
	    GROUPS("<member><GroupName>x</GroupName><GroupName>y</GroupName></member>", ""),
	    GROUPS("<member><Path>/</Path></member>", ""),          /* no name */
	    GROUPS(GROUP("ok"), "<IsTruncated>true</IsTruncated>"), /* no marker */
	    GROUPS(GROUP("ok"), "<IsTruncated>maybe</IsTruncated>"),
	};
	static const char *const policies[] = {
	    POLICIES(POLICY("not-an-arn"), ""),
	    POLICIES(POLICY("arn:aws:iam::aws:policy/A") POLICY("arn:aws:iam::aws:policy/A"), ""),
	    POLICIES(POLICY("arn:aws:iam::aws:policy/A\n[evil]"), ""),
	};
	char many[16384];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(groups) / sizeof(groups[0]); i++) {
		memset(&listed, 0, sizeof(listed));
		if (run(iam_parse_groups_page, groups[i], &listed) != PAI_ERR_REPLY || listed.n ||
		    listed.more)
			fail_msg("accepted %s", groups[i]);
	}
	for (i = 0; i < sizeof(policies) / sizeof(policies[0]); i++) {
		memset(&listed, 0, sizeof(listed));
		if (run(iam_parse_policies_page, policies[i], &listed) != PAI_ERR_REPLY || listed.n)
			fail_msg("accepted %s", policies[i]);
	}
	/* more names than a user can have */
	n = (size_t)snprintf(many, sizeof(many),
	                     "<ListGroupsForUserResponse><ListGroupsForUserResult>"
	                     "<Groups>");
	for (i = 0; i <= IAM_MAX_LISTED; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n,
		                      "<member><GroupName>g%zu</GroupName></member>", i);
	snprintf(many + n, sizeof(many) - n,
	         "</Groups></ListGroupsForUserResult>"
	         "</ListGroupsForUserResponse>");
	memset(&listed, 0, sizeof(listed));
	assert_int_equal(run(iam_parse_groups_page, many, &listed), PAI_ERR_REPLY);
	assert_int_equal(listed.n, 0);
	/* a page after a good one that fails leaves the good one */
	assert_int_equal(run(iam_parse_groups_page, GROUPS(GROUP("a"), ""), &listed), PAI_OK);
	assert_int_equal(run(iam_parse_groups_page, groups[0], &listed), PAI_ERR_REPLY);
	assert_int_equal(listed.n, 1);
	assert_string_equal(listed.item[0], "a");
}

static void the_first_key_page_says_whether_more_follow(void **state)
{
	static const char page[] =
	    "<ListAccessKeysResponse" NS "><ListAccessKeysResult><AccessKeyMetadata><member>"
	    "<UserName>alice</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
	    "<Status>Active</Status><CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
	    "</AccessKeyMetadata><IsTruncated>true</IsTruncated><Marker>m1</Marker>"
	    "</ListAccessKeysResult></ListAccessKeysResponse>";
	static const char other_user[] =
	    "<ListAccessKeysResponse><ListAccessKeysResult><AccessKeyMetadata><member>"
	    "<UserName>Administrator</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
	    "<Status>Active</Status><CreateDate>2024-01-02T03:04:05Z</CreateDate></member>"
	    "</AccessKeyMetadata></ListAccessKeysResult></ListAccessKeysResponse>";
	static struct iam_key_listing kl;

	(void)state;
	memset(&kl, 0, sizeof(kl));
	snprintf(kl.user, sizeof(kl.user), "alice");
	assert_int_equal(run(iam_parse_key_listing, page, &kl), PAI_OK);
	assert_int_equal(kl.list.n, 1);
	assert_true(kl.more);
	memset(&kl, 0, sizeof(kl));
	snprintf(kl.user, sizeof(kl.user), "alice");
	assert_int_equal(run(iam_parse_key_listing, other_user, &kl), PAI_ERR_REPLY);
	assert_int_equal(kl.list.n, 0);
	assert_false(kl.more);
}

static void bad_inputs_send_nothing(void **state)
{
	struct aws_client *c = (struct aws_client *)&listed; /* never reached */
	static struct iam_key_listing kl;
	struct aws_result res;

	(void)state;
	assert_int_equal(iam_remove_user_from_group(c, "alice", "a b", NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_remove_user_from_group(c, "al ice", "g", NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_detach_user_policy(c, "alice", "arn:aws:s3:::x", NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_detach_user_policy(c, "alice", NULL, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_list_groups_for_user(c, "", &listed, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_list_attached_user_policies(NULL, "alice", &listed, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_queue_list_access_keys(c, "alice", &kl, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_queue_list_access_keys(c, "a\nb", &kl, &res), PAI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(groups_pages_are_read_and_appended),
	    cmocka_unit_test(policies_pages_are_read),
	    cmocka_unit_test(hostile_lists_are_refused_and_leave_nothing),
	    cmocka_unit_test(the_first_key_page_says_whether_more_follow),
	    cmocka_unit_test(bad_inputs_send_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
