/* SPDX-License-Identifier: MIT */
/* test_iam_replies.c — the IAM/STS reply parsers against canned replies: namespaced and not,
 * missing, duplicated and malformed fields, replies about another user, oversized lists;
 * and the operations' input checks (nothing is sent for a bad input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"
#include "iam.h"
#include "iam_reply.h"
#include "xmlreply.h"

#define NS " xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\""
#define META                                                                                       \
	"<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></"           \
	"ResponseMetadata>"
#define ARN_ALICE "arn:aws:iam::123456789012:user/alice"
#define USER_ID   "AIDACKCEVSQ6C2EXAMPLE"
#define DATE      "2024-01-02T03:04:05Z"

static struct xml_reply *parse(const char *xml)
{
	struct xml_reply *r = NULL;

	assert_int_equal(xml_reply_parse(xml, strlen(xml), &r), PAI_OK);
	return r;
}

/* Runs parser over xml with out, returns its status. */
static pai_err run(aws_reply_parser parser, const char *xml, void *out)
{
	struct xml_reply *r = parse(xml);
	pai_err e = parser(r, out);

	xml_reply_free(r);
	return e;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

/* ---- GetUser / CreateUser ---- */

static const char get_user_ok[] =
    "<GetUserResponse" NS "><GetUserResult><User>"
    "<UserId>" USER_ID "</UserId><Path>/</Path><UserName>alice</UserName>"
    "<Arn>" ARN_ALICE "</Arn><CreateDate>" DATE "</CreateDate>"
    "<Tags><member><Key>pam_aws_iam:managed</Key><Value>host1</Value></member>"
    "<member><Key>team</Key><Value></Value></member></Tags>"
    "</User></GetUserResult>" META "</GetUserResponse>";

static void want_user(struct iam_user *u, const char *name, const char *path)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	snprintf(u->path, sizeof(u->path), "%s", path);
}

static void get_user_reads_every_field_and_tags(void **state)
{
	struct iam_user u;

	(void)state;
	want_user(&u, "alice", "");
	assert_int_equal(run(iam_parse_get_user, get_user_ok, &u), PAI_OK);
	assert_string_equal(u.name, "alice");
	assert_string_equal(u.user_id, USER_ID);
	assert_string_equal(u.arn, ARN_ALICE);
	assert_string_equal(u.path, "/");
	assert_string_equal(u.create_date, DATE);
	assert_int_equal(u.n_tags, 2);
	assert_string_equal(u.tags[0].key, "pam_aws_iam:managed");
	assert_string_equal(u.tags[0].value, "host1");
	assert_string_equal(u.tags[1].key, "team");
	assert_string_equal(u.tags[1].value, "");
}

static void get_user_without_namespace_or_tags(void **state)
{
	static const char xml[] =
	    "<GetUserResponse><GetUserResult><User>"
	    "<UserId>" USER_ID "</UserId><Path>/staff/</Path><UserName>bob</UserName>"
	    "<Arn>arn:aws-cn:iam::123456789012:user/staff/bob</Arn>"
	    "<CreateDate>2024-01-02T03:04:05.123Z</CreateDate>"
	    "</User></GetUserResult></GetUserResponse>";
	struct iam_user u;

	(void)state;
	want_user(&u, "bob", "");
	assert_int_equal(run(iam_parse_get_user, xml, &u), PAI_OK);
	assert_string_equal(u.path, "/staff/");
	assert_int_equal(u.n_tags, 0);
}

static void get_user_name_matches_case_insensitively(void **state)
{
	struct iam_user u;

	(void)state;
	want_user(&u, "ALICE", "");
	assert_int_equal(run(iam_parse_get_user, get_user_ok, &u), PAI_OK);
	assert_string_equal(u.name, "alice"); /* IAM's stored spelling */
}

static void get_user_about_another_user_is_refused(void **state)
{
	struct iam_user u;

	(void)state;
	want_user(&u, "alice2", "");
	assert_int_equal(run(iam_parse_get_user, get_user_ok, &u), PAI_ERR_REPLY);
	assert_true(all_zero(&u, sizeof(u)));
	want_user(&u, "", ""); /* no name to match: never trusted */
	assert_int_equal(run(iam_parse_get_user, get_user_ok, &u), PAI_ERR_REPLY);
}

/* Builds a GetUser reply with one part replaced. */
static void user_xml(char *out, size_t len, const char *name, const char *arn, const char *path,
                     const char *date, const char *extra)
{
	snprintf(out, len,
	         "<GetUserResponse" NS "><GetUserResult><User>"
	         "<UserId>" USER_ID "</UserId><Path>%s</Path><UserName>%s</UserName>"
	         "<Arn>%s</Arn><CreateDate>%s</CreateDate>%s"
	         "</User></GetUserResult></GetUserResponse>",
	         path, name, arn, date, extra);
}

static void get_user_bad_values_are_refused(void **state)
{
	static const struct {
		const char *name, *arn, *path, *date, *extra;
	} bad[] = {
	    {"alice", "arn:aws:iam::123456789012:user/bob", "/", DATE, ""},     /* ARN of another */
	    {"alice", "arn:aws:iam::12345678901:user/alice", "/", DATE, ""},    /* 11 digits */
	    {"alice", "arn:aws:sts::123456789012:user/alice", "/", DATE, ""},   /* not IAM */
	    {"alice", "arn:aws:iam::123456789012:user/x/alice", "/", DATE, ""}, /* path */
	    {"alice", "arn:evil:iam::123456789012:user/alice", "/", DATE, ""},
	    {"alice", ARN_ALICE, "/", "yesterday", ""},
	    {"alice", ARN_ALICE, "nopath", DATE, ""},
	    {"al ice", ARN_ALICE, "/", DATE, ""},
	    {"alice", ARN_ALICE, "/", DATE, "<UserName>alice</UserName>"}, /* duplicated */
	    {"alice", ARN_ALICE, "/", DATE, "<Tags><member><Key>a</Key></member></Tags>"},
	    {"alice", ARN_ALICE, "/", DATE,
	     "<Tags><member><Key>a</Key><Value>1</Value></member>"
	     "<member><Key>A</Key><Value>2</Value></member></Tags>"},
	    {"alice", ARN_ALICE, "/", DATE,
	     "<Tags><member><Key>a&amp;b</Key><Value/></member></Tags>"},
	    {"alice", ARN_ALICE, "/", DATE,
	     "<Tags><member><Key>k</Key><Value>v<b/></Value></member></Tags>"},
	    {"<x>alice</x>", ARN_ALICE, "/", DATE, ""}, /* element where text belongs */
	};
	char xml[4096];
	struct iam_user u;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		user_xml(xml, sizeof(xml), bad[i].name, bad[i].arn, bad[i].path, bad[i].date,
		         bad[i].extra);
		want_user(&u, "alice", "");
		print_message("case %zu\n", i);
		assert_int_equal(run(iam_parse_get_user, xml, &u), PAI_ERR_REPLY);
		assert_true(all_zero(&u, sizeof(u)));
	}
}

static void get_user_missing_fields_are_refused(void **state)
{
	static const char *const fields[] = {"UserId", "Path", "UserName", "Arn", "CreateDate"};
	char xml[2048], cut[2048];
	struct iam_user u;
	size_t i;

	(void)state;
	user_xml(xml, sizeof(xml), "alice", ARN_ALICE, "/", DATE, "");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		char open[32];
		const char *a, *b;

		snprintf(open, sizeof(open), "<%s>", fields[i]);
		a = strstr(xml, open);
		snprintf(open, sizeof(open), "</%s>", fields[i]);
		b = strstr(xml, open) + strlen(open);
		snprintf(cut, sizeof(cut), "%.*s%s", (int)(a - xml), xml, b);
		want_user(&u, "alice", "");
		assert_int_equal(run(iam_parse_get_user, cut, &u), PAI_ERR_REPLY);
	}
}

static void get_user_with_51_tags_is_refused(void **state)
{
	char tags[8192], xml[10000];
	size_t i, n = 0;
	struct iam_user u;

	(void)state;
	n += (size_t)snprintf(tags + n, sizeof(tags) - n, "<Tags>");
	for (i = 0; i < 51; i++)
		n += (size_t)snprintf(tags + n, sizeof(tags) - n,
		                      "<member><Key>k%zu</Key><Value>v</Value></member>", i);
	snprintf(tags + n, sizeof(tags) - n, "</Tags>");
	user_xml(xml, sizeof(xml), "alice", ARN_ALICE, "/", DATE, tags);
	want_user(&u, "alice", "");
	assert_int_equal(run(iam_parse_get_user, xml, &u), PAI_ERR_REPLY);
}

static void create_user_checks_the_path_asked_for(void **state)
{
	static const char xml[] =
	    "<CreateUserResponse" NS "><CreateUserResult><User>"
	    "<UserId>" USER_ID "</UserId><Path>/pam/</Path><UserName>carol</UserName>"
	    "<Arn>arn:aws:iam::123456789012:user/pam/carol</Arn><CreateDate>" DATE
	    "</CreateDate></User></CreateUserResult>" META "</CreateUserResponse>";
	struct iam_user u;

	(void)state;
	want_user(&u, "carol", "/pam/");
	assert_int_equal(run(iam_parse_create_user, xml, &u), PAI_OK);
	assert_string_equal(u.arn, "arn:aws:iam::123456789012:user/pam/carol");
	want_user(&u, "carol", "/");
	assert_int_equal(run(iam_parse_create_user, xml, &u), PAI_ERR_REPLY);
	want_user(&u, "carol", "");
	assert_int_equal(run(iam_parse_get_user, xml, &u), PAI_ERR_REPLY); /* wrong action */
}

/* ---- ListAccessKeys ---- */

static void key_member(char *out, size_t len, const char *user, const char *id, const char *status)
{
	snprintf(out, len,
	         "<member><UserName>%s</UserName><AccessKeyId>%s</AccessKeyId>"
	         "<Status>%s</Status><CreateDate>" DATE "</CreateDate></member>",
	         user, id, status);
}

static void key_page(char *out, size_t len, const char *members, const char *tail)
{
	snprintf(out, len,
	         "<ListAccessKeysResponse" NS "><ListAccessKeysResult>"
	         "<AccessKeyMetadata>%s</AccessKeyMetadata>%s"
	         "</ListAccessKeysResult>" META "</ListAccessKeysResponse>",
	         members, tail);
}

static void key_page_reads_keys_and_marker(void **state)
{
	char m1[512], m2[512], both[1024], xml[2048];
	struct iam_key_list kl = {0};
	struct iam_key_page pg = {.user = "alice", .list = &kl};

	(void)state;
	key_member(m1, sizeof(m1), "alice", "AKIAIOSFODNN7EXAMPLE", "Active");
	key_member(m2, sizeof(m2), "Alice", "AKIAI44QH8DHBEXAMPLE", "Inactive");
	snprintf(both, sizeof(both), "%s%s", m1, m2);
	key_page(xml, sizeof(xml), both, "<IsTruncated>true</IsTruncated><Marker>m-1</Marker>");
	assert_int_equal(run(iam_parse_key_page, xml, &pg), PAI_OK);
	assert_int_equal(kl.n, 2);
	assert_true(pg.truncated);
	assert_string_equal(pg.marker, "m-1");
	assert_string_equal(kl.keys[1].id, "AKIAI44QH8DHBEXAMPLE");
	assert_string_equal(kl.keys[1].status, "Inactive");

	/* the same key again on the next page is a hostile server */
	key_page(xml, sizeof(xml), m1, "<IsTruncated>false</IsTruncated>");
	assert_int_equal(run(iam_parse_key_page, xml, &pg), PAI_ERR_REPLY);
	assert_int_equal(kl.n, 2);
}

static void key_page_empty_list_is_fine(void **state)
{
	char xml[1024];
	struct iam_key_list kl = {0};
	struct iam_key_page pg = {.user = "alice", .list = &kl};

	(void)state;
	key_page(xml, sizeof(xml), "", "<IsTruncated>false</IsTruncated>");
	assert_int_equal(run(iam_parse_key_page, xml, &pg), PAI_OK);
	assert_int_equal(kl.n, 0);
	assert_false(pg.truncated);
}

static void key_page_bad_members_are_refused(void **state)
{
	static const struct {
		const char *user, *id, *status, *tail;
	} bad[] = {
	    {"bob", "AKIAIOSFODNN7EXAMPLE", "Active", ""},
	    {"alice", "AKIA-BAD", "Active", ""},
	    {"alice", "AKIAIOSFODNN7EXAMPLE", "active", ""},
	    {"alice", "AKIAIOSFODNN7EXAMPLE", "Active", "<IsTruncated>true</IsTruncated>"},
	    {"alice", "AKIAIOSFODNN7EXAMPLE", "Active", "<IsTruncated>maybe</IsTruncated>"},
	    {"alice", "AKIAIOSFODNN7EXAMPLE", "Active",
	     "<IsTruncated>true</IsTruncated><Marker>a\x7f</Marker>"},
	    {"alice", "AKIAIOSFODNN7EXAMPLE", "Active",
	     "<IsTruncated>false</IsTruncated><IsTruncated>false</IsTruncated>"},
	};
	char m[512], xml[2048];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct iam_key_list kl = {0};
		struct iam_key_page pg = {.user = "alice", .list = &kl};

		key_member(m, sizeof(m), bad[i].user, bad[i].id, bad[i].status);
		key_page(xml, sizeof(xml), m, bad[i].tail);
		print_message("case %zu\n", i);
		assert_int_equal(run(iam_parse_key_page, xml, &pg), PAI_ERR_REPLY);
		assert_int_equal(kl.n, 0);
		assert_true(all_zero(&kl, sizeof(kl)));
	}
}

static void key_page_over_iam_max_keys_is_refused(void **state)
{
	char members[IAM_MAX_KEYS * 256 + 512], m[256], xml[sizeof(members) + 512];
	struct iam_key_list kl = {0};
	struct iam_key_page pg = {.user = "alice", .list = &kl};
	size_t i, n = 0;

	(void)state;
	for (i = 0; i <= IAM_MAX_KEYS; i++) {
		char id[32];

		snprintf(id, sizeof(id), "AKIAIOSFODNN7EXA%04zu", i);
		key_member(m, sizeof(m), "alice", id, "Active");
		n += (size_t)snprintf(members + n, sizeof(members) - n, "%s", m);
	}
	key_page(xml, sizeof(xml), members, "");
	assert_int_equal(run(iam_parse_key_page, xml, &pg), PAI_ERR_REPLY);
	assert_int_equal(kl.n, 0);
}

/* ---- ListUserTags ---- */

static void tag_page_appends_across_pages_up_to_the_bound(void **state)
{
	static const char page1[] = "<ListUserTagsResponse" NS "><ListUserTagsResult><Tags>"
	                            "<member><Key>a</Key><Value>1</Value></member>"
	                            "<member><Key>b</Key><Value>2</Value></member></Tags>"
	                            "<IsTruncated>true</IsTruncated><Marker>next</Marker>"
	                            "</ListUserTagsResult>" META "</ListUserTagsResponse>";
	static const char page2[] =
	    "<ListUserTagsResponse><ListUserTagsResult><Tags>"
	    "<member><Key>c</Key><Value>3</Value></member></Tags>"
	    "<IsTruncated>false</IsTruncated></ListUserTagsResult></ListUserTagsResponse>";
	static const char dup[] =
	    "<ListUserTagsResponse><ListUserTagsResult><Tags>"
	    "<member><Key>a</Key><Value>3</Value></member></Tags>"
	    "<IsTruncated>false</IsTruncated></ListUserTagsResult></ListUserTagsResponse>";
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t n = 0;
	struct iam_tag_page pg = {.tags = tags, .n = &n};

	(void)state;
	memset(tags, 0, sizeof(tags));
	assert_int_equal(run(iam_parse_tag_page, page1, &pg), PAI_OK);
	assert_true(pg.truncated);
	assert_string_equal(pg.marker, "next");
	assert_int_equal(run(iam_parse_tag_page, page2, &pg), PAI_OK);
	assert_false(pg.truncated);
	assert_int_equal(n, 3);
	assert_string_equal(tags[2].key, "c");
	assert_int_equal(run(iam_parse_tag_page, dup, &pg), PAI_ERR_REPLY);
	assert_int_equal(n, 3);

	n = IAM_MAX_TAGS - 1; /* page1's two tags would overflow */
	assert_int_equal(run(iam_parse_tag_page, page1, &pg), PAI_ERR_REPLY);
	assert_int_equal(n, IAM_MAX_TAGS - 1);
}

/* ---- CreateAccessKey ---- */

static void create_key_xml(char *out, size_t len, const char *user, const char *secret,
                           const char *extra)
{
	snprintf(out, len,
	         "<CreateAccessKeyResponse" NS "><CreateAccessKeyResult><AccessKey>"
	         "<UserName>%s</UserName><AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId>"
	         "<Status>Active</Status>%s<CreateDate>" DATE "</CreateDate>%s"
	         "</AccessKey></CreateAccessKeyResult>" META "</CreateAccessKeyResponse>",
	         user, secret, extra);
}

static void create_key_reads_secret(void **state)
{
	char xml[2048];
	struct iam_access_key k;

	(void)state;
	create_key_xml(
	    xml, sizeof(xml), "alice",
	    "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>", "");
	memset(&k, 0, sizeof(k));
	strcpy(k.id, "Alice");
	assert_int_equal(run(iam_parse_create_access_key, xml, &k), PAI_OK);
	assert_string_equal(k.id, "AKIAIOSFODNN7EXAMPLE");
	assert_string_equal(k.secret, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY");
	assert_string_equal(k.status, "Active");
	iam_access_key_wipe(&k);
	assert_true(all_zero(&k, sizeof(k)));
}

static void create_key_bad_replies_wipe_everything(void **state)
{
	static const struct {
		const char *user, *secret, *extra;
	} bad[] = {
	    {"bob", "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG</SecretAccessKey>", ""},
	    {"alice", "", ""},
	    {"alice", "<SecretAccessKey>has space</SecretAccessKey>", ""},
	    {"alice", "<SecretAccessKey></SecretAccessKey>", ""},
	    {"alice", "<SecretAccessKey>wJalrXUtnFEMI/K7MDENG</SecretAccessKey>",
	     "<SecretAccessKey>second</SecretAccessKey>"},
	};
	char xml[2048];
	struct iam_access_key k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		create_key_xml(xml, sizeof(xml), bad[i].user, bad[i].secret, bad[i].extra);
		memset(&k, 0, sizeof(k));
		strcpy(k.id, "alice");
		print_message("case %zu\n", i);
		assert_int_equal(run(iam_parse_create_access_key, xml, &k), PAI_ERR_REPLY);
		assert_true(all_zero(&k, sizeof(k)));
	}
}

/* ---- GetAccessKeyLastUsed ---- */

static void key_last_used_never_and_used(void **state)
{
	static const char never[] =
	    "<GetAccessKeyLastUsedResponse" NS "><GetAccessKeyLastUsedResult>"
	    "<AccessKeyLastUsed><ServiceName>N/A</ServiceName><Region>N/A</Region>"
	    "</AccessKeyLastUsed><UserName>alice</UserName></GetAccessKeyLastUsedResult>" META
	    "</GetAccessKeyLastUsedResponse>";
	static const char used[] =
	    "<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult>"
	    "<AccessKeyLastUsed><LastUsedDate>" DATE "</LastUsedDate>"
	    "<ServiceName>s3</ServiceName><Region>eu-west-1</Region>"
	    "</AccessKeyLastUsed><UserName>alice</UserName></GetAccessKeyLastUsedResult>"
	    "</GetAccessKeyLastUsedResponse>";
	static const char bad[] =
	    "<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult>"
	    "<AccessKeyLastUsed><LastUsedDate>never</LastUsedDate>"
	    "<ServiceName>s3</ServiceName><Region>eu-west-1</Region>"
	    "</AccessKeyLastUsed></GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>";
	static const char bad_service[] =
	    "<GetAccessKeyLastUsedResponse><GetAccessKeyLastUsedResult>"
	    "<AccessKeyLastUsed><ServiceName>S3;rm</ServiceName><Region>N/A</Region>"
	    "</AccessKeyLastUsed></GetAccessKeyLastUsedResult></GetAccessKeyLastUsedResponse>";
	struct iam_key_last_used u;

	(void)state;
	assert_int_equal(run(iam_parse_key_last_used, never, &u), PAI_OK);
	assert_string_equal(u.last_used_date, "");
	assert_string_equal(u.service, "N/A");
	assert_int_equal(run(iam_parse_key_last_used, used, &u), PAI_OK);
	assert_string_equal(u.last_used_date, DATE);
	assert_string_equal(u.region, "eu-west-1");
	assert_int_equal(run(iam_parse_key_last_used, bad, &u), PAI_ERR_REPLY);
	assert_true(all_zero(&u, sizeof(u)));
	assert_int_equal(run(iam_parse_key_last_used, bad_service, &u), PAI_ERR_REPLY);
}

/* ---- ListAccountAliases ---- */

static void account_aliases(void **state)
{
	static const char none[] =
	    "<ListAccountAliasesResponse" NS "><ListAccountAliasesResult>"
	    "<IsTruncated>false</IsTruncated><AccountAliases/></ListAccountAliasesResult>" META
	    "</ListAccountAliasesResponse>";
	static const char one[] =
	    "<ListAccountAliasesResponse><ListAccountAliasesResult><AccountAliases>"
	    "<member>example-corp</member></AccountAliases></ListAccountAliasesResult>"
	    "</ListAccountAliasesResponse>";
	static const char two[] =
	    "<ListAccountAliasesResponse><ListAccountAliasesResult><AccountAliases>"
	    "<member>a-corp</member><member>b-corp</member></AccountAliases>"
	    "</ListAccountAliasesResult></ListAccountAliasesResponse>";
	static const char bad[] =
	    "<ListAccountAliasesResponse><ListAccountAliasesResult><AccountAliases>"
	    "<member>Evil.Example</member></AccountAliases></ListAccountAliasesResult>"
	    "</ListAccountAliasesResponse>";
	static const char other[] = "<GetUserResponse><GetUserResult/></GetUserResponse>";
	char alias[64];

	(void)state;
	assert_int_equal(run(iam_parse_account_aliases, none, alias), PAI_OK);
	assert_string_equal(alias, "");
	assert_int_equal(run(iam_parse_account_aliases, one, alias), PAI_OK);
	assert_string_equal(alias, "example-corp");
	assert_int_equal(run(iam_parse_account_aliases, two, alias), PAI_ERR_REPLY);
	assert_int_equal(run(iam_parse_account_aliases, bad, alias), PAI_ERR_REPLY);
	assert_string_equal(alias, "");
	assert_int_equal(run(iam_parse_account_aliases, other, alias), PAI_ERR_REPLY);
}

/* ---- STS GetCallerIdentity ---- */

static void caller_identity(void **state)
{
	static const char ok[] =
	    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
	    "<GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/admin/i-0abc"
	    "</Arn><UserId>AROACKCEVSQ6C2EXAMPLE:i-0abc</UserId><Account>123456789012</Account>"
	    "</GetCallerIdentityResult>" META "</GetCallerIdentityResponse>";
	static const char mismatch[] =
	    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::999999999999:user/admin</Arn><UserId>" USER_ID "</UserId>"
	    "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
	static const char bad_account[] =
	    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::123456789012:user/admin</Arn><UserId>" USER_ID "</UserId>"
	    "<Account>1234567890123</Account></GetCallerIdentityResult></"
	    "GetCallerIdentityResponse>";
	static const char no_user_id[] =
	    "<GetCallerIdentityResponse><GetCallerIdentityResult>"
	    "<Arn>arn:aws:iam::123456789012:user/admin</Arn>"
	    "<Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>";
	struct sts_identity id;

	(void)state;
	assert_int_equal(run(sts_parse_caller_identity, ok, &id), PAI_OK);
	assert_string_equal(id.account, "123456789012");
	assert_string_equal(id.user_id, "AROACKCEVSQ6C2EXAMPLE:i-0abc");
	assert_int_equal(run(sts_parse_caller_identity, mismatch, &id), PAI_ERR_REPLY);
	assert_true(all_zero(&id, sizeof(id)));
	assert_int_equal(run(sts_parse_caller_identity, bad_account, &id), PAI_ERR_REPLY);
	assert_int_equal(run(sts_parse_caller_identity, no_user_id, &id), PAI_ERR_REPLY);
}

/* ---- ARN helpers ---- */

/* ---- STS GetSessionToken ---- */

#define STS_NS         " xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\""
#define SESSION_KEY    "ASIAIOSFODNN7EXAMPLE"
#define SESSION_SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY"
#define SESSION_TOKEN  "AQoEXAMPLEH4aoAH0gNCAPyJxz4BlCFFxWNE1OPTgk5TthT+FvwqnKwRcOIfrRh3c/L="

static void session_xml(char *out, size_t len, const char *id, const char *secret,
                        const char *token, const char *exp, const char *extra)
{
	snprintf(out, len,
	         "<GetSessionTokenResponse" STS_NS "><GetSessionTokenResult><Credentials>"
	         "<SessionToken>%s</SessionToken><SecretAccessKey>%s</SecretAccessKey>"
	         "<Expiration>%s</Expiration><AccessKeyId>%s</AccessKeyId>%s"
	         "</Credentials></GetSessionTokenResult>" META "</GetSessionTokenResponse>",
	         token, secret, exp, id, extra);
}

static void session_token_reads_temporary_credentials(void **state)
{
	char xml[8192], token[STS_SESSION_TOKEN_MAX + 2];
	struct sts_session s;

	(void)state;
	session_xml(xml, sizeof(xml), SESSION_KEY, SESSION_SECRET, SESSION_TOKEN,
	            "2011-07-11T19:55:29.611Z", "");
	memset(&s, 'x', sizeof(s));
	assert_int_equal(run(sts_parse_session_token, xml, &s), PAI_OK);
	assert_string_equal(s.access_key_id, SESSION_KEY);
	assert_string_equal(s.secret_access_key, SESSION_SECRET);
	assert_string_equal(s.session_token, SESSION_TOKEN);
	assert_string_equal(s.expiration, "2011-07-11T19:55:29.611Z");
	assert_int_equal((long long)s.expires, 1310414129LL);
	sts_session_wipe(&s);
	assert_true(all_zero(&s, sizeof(s)));
	/* a token of exactly the bound */
	memset(token, 'A', STS_SESSION_TOKEN_MAX);
	token[STS_SESSION_TOKEN_MAX] = '\0';
	session_xml(xml, sizeof(xml), SESSION_KEY, SESSION_SECRET, token, DATE, "");
	assert_int_equal(run(sts_parse_session_token, xml, &s), PAI_OK);
	assert_int_equal(strlen(s.session_token), STS_SESSION_TOKEN_MAX);
	sts_session_wipe(&s);
}

static void session_token_bad_replies_wipe_everything(void **state)
{
	static const struct {
		const char *id, *secret, *token, *exp, *extra;
	} bad[] = {
	    {"AKIAIOSFODNN7EXAMPLE", SESSION_SECRET, SESSION_TOKEN, DATE, ""}, /* long-term */
	    {"ASIA-BAD", SESSION_SECRET, SESSION_TOKEN, DATE, ""},
	    {SESSION_KEY, "has space", SESSION_TOKEN, DATE, ""},
	    {SESSION_KEY, SESSION_SECRET, "tok\n[evil]", DATE, ""},
	    {SESSION_KEY, SESSION_SECRET, "tok en", DATE, ""},
	    {SESSION_KEY, SESSION_SECRET, "", DATE, ""},
	    {SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, "tomorrow", ""},
	    {SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, "2024-13-02T03:04:05Z", ""},
	    {SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, DATE, "<SessionToken>x</SessionToken>"},
	    {SESSION_KEY, SESSION_SECRET, SESSION_TOKEN, DATE,
	     "<AccessKeyId>ASIAOTHER0000000</AccessKeyId>"},
	};
	char xml[8192], token[STS_SESSION_TOKEN_MAX + 2];
	struct sts_session s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		session_xml(xml, sizeof(xml), bad[i].id, bad[i].secret, bad[i].token, bad[i].exp,
		            bad[i].extra);
		memset(&s, 'x', sizeof(s));
		assert_int_equal(run(sts_parse_session_token, xml, &s), PAI_ERR_REPLY);
		assert_true(all_zero(&s, sizeof(s)));
	}
	memset(token, 'A', STS_SESSION_TOKEN_MAX + 1); /* one byte over */
	token[STS_SESSION_TOKEN_MAX + 1] = '\0';
	session_xml(xml, sizeof(xml), SESSION_KEY, SESSION_SECRET, token, DATE, "");
	assert_int_equal(run(sts_parse_session_token, xml, &s), PAI_ERR_REPLY);
	assert_true(all_zero(&s, sizeof(s)));
	/* another action's reply */
	assert_int_equal(run(sts_parse_session_token,
	                     "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>"
	                     "123456789012</Account></GetCallerIdentityResult>"
	                     "</GetCallerIdentityResponse>",
	                     &s),
	                 PAI_ERR_REPLY);
}

static void arn_account_and_partition(void **state)
{
	char account[13], partition[16];

	(void)state;
	assert_int_equal(iam_arn_account(ARN_ALICE, account), PAI_OK);
	assert_string_equal(account, "123456789012");
	assert_int_equal(iam_arn_partition(ARN_ALICE, partition), PAI_OK);
	assert_string_equal(partition, "aws");
	assert_int_equal(iam_arn_partition("arn:aws-us-gov:iam::123456789012:user/x", partition),
	                 PAI_OK);
	assert_string_equal(partition, "aws-us-gov");
	assert_int_equal(iam_arn_account("arn:aws:s3:::bucket", account), PAI_ERR_INVALID);
	assert_string_equal(account, "");
	assert_int_equal(iam_arn_account("arn:aws:iam::12345678901x:user/x", account),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_arn_account("not an arn", account), PAI_ERR_INVALID);
	assert_int_equal(iam_arn_account(NULL, account), PAI_ERR_INVALID);
	assert_int_equal(iam_arn_partition("arn:gcp:iam::123456789012:user/x", partition),
	                 PAI_ERR_INVALID);
}

/* ---- operations refuse bad input before any call ---- */

/* Never dereferenced: every call below fails its input checks first. */
static char not_a_client;
#define C ((struct aws_client *)&not_a_client)

static void operations_refuse_bad_input(void **state)
{
	struct iam_user u;
	struct iam_tag tags[IAM_MAX_TAGS + 1];
	struct iam_key_list kl;
	struct iam_access_key k;
	struct iam_key_last_used lu;
	struct aws_result res;
	const char *keys[] = {"ok", "bad\x01"};
	size_t n, i;

	(void)state;
	memset(tags, 0, sizeof(tags));
	for (i = 0; i <= IAM_MAX_TAGS; i++)
		snprintf(tags[i].key, sizeof(tags[i].key), "k%zu", i);
	assert_int_equal(iam_get_user(C, "bad name", &u, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_get_user(C, "", &u, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_get_user(C, NULL, &u, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_get_user(NULL, "alice", &u, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_create_user(C, "alice", "nopath", NULL, NULL, 0, &u, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(
	    iam_create_user(C, "alice", "/", "arn:aws:iam::123:policy/x", NULL, 0, &u, NULL),
	    PAI_ERR_INVALID);
	assert_int_equal(iam_create_user(C, "alice", NULL, NULL, tags, IAM_MAX_TAGS + 1, &u, NULL),
	                 PAI_ERR_INVALID);
	strcpy(tags[1].key, "k0"); /* duplicate key */
	assert_int_equal(iam_tag_user(C, "alice", tags, 2, NULL), PAI_ERR_INVALID);
	strcpy(tags[1].key, "k1");
	assert_int_equal(iam_tag_user(C, "alice", tags, 0, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_untag_user(C, "alice", keys, 2, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_list_user_tags(C, "alice", tags, &n, &res), PAI_ERR_INVALID);
	assert_int_equal(res.status, PAI_ERR_INVALID);
	assert_int_equal(iam_list_access_keys(C, "alice", &kl, &res), PAI_ERR_INVALID);
	assert_int_equal(iam_add_user_to_group(C, "alice", "bad group", NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_attach_user_policy(C, "alice", "arn:aws:s3:::b", NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_create_access_key(C, "a/b", &k, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_update_access_key(C, "alice", "AKIAIOSFODNN7EXAMPLE", "Expired", NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_update_access_key(C, "alice", "short", "Active", NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_delete_access_key(C, "alice", "AKIA_BAD_KEY_ID_XX", NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_get_access_key_last_used(C, "", &lu, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_create_login_profile(C, "alice", "", false, NULL), PAI_ERR_INVALID);
	assert_int_equal(iam_create_login_profile(C, "alice", "pw\x01", false, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(iam_list_account_aliases(NULL, (char[64]){0}, NULL), PAI_ERR_INVALID);
	assert_int_equal(sts_get_caller_identity(C, NULL, NULL), PAI_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(get_user_reads_every_field_and_tags),
	    cmocka_unit_test(get_user_without_namespace_or_tags),
	    cmocka_unit_test(get_user_name_matches_case_insensitively),
	    cmocka_unit_test(get_user_about_another_user_is_refused),
	    cmocka_unit_test(get_user_bad_values_are_refused),
	    cmocka_unit_test(get_user_missing_fields_are_refused),
	    cmocka_unit_test(get_user_with_51_tags_is_refused),
	    cmocka_unit_test(create_user_checks_the_path_asked_for),
	    cmocka_unit_test(key_page_reads_keys_and_marker),
	    cmocka_unit_test(key_page_empty_list_is_fine),
	    cmocka_unit_test(key_page_bad_members_are_refused),
	    cmocka_unit_test(key_page_over_iam_max_keys_is_refused),
	    cmocka_unit_test(tag_page_appends_across_pages_up_to_the_bound),
	    cmocka_unit_test(create_key_reads_secret),
	    cmocka_unit_test(create_key_bad_replies_wipe_everything),
	    cmocka_unit_test(key_last_used_never_and_used),
	    cmocka_unit_test(account_aliases),
	    cmocka_unit_test(caller_identity),
	    cmocka_unit_test(session_token_reads_temporary_credentials),
	    cmocka_unit_test(session_token_bad_replies_wipe_everything),
	    cmocka_unit_test(arn_account_and_partition),
	    cmocka_unit_test(operations_refuse_bad_input),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
