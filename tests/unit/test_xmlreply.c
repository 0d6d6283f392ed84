/* SPDX-License-Identifier: MIT */
/* test_xmlreply.c — the XML reply reader against real-shaped IAM/STS replies and hostile
 * ones: DOCTYPE/XXE, entity bombs, truncation, garbage, over-size, control characters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xmlreply.h"

#define NS "https://iam.amazonaws.com/doc/2010-05-08/"

static const char get_user_ns[] =
    "<GetUserResponse xmlns=\"" NS "\">\n"
    "  <GetUserResult>\n"
    "    <User>\n"
    "      <Path>/pam/</Path>\n"
    "      <UserName>alice</UserName>\n"
    "      <UserId>AIDAEXAMPLE123456789</UserId>\n"
    "      <Arn>arn:aws:iam::123456789012:user/pam/alice</Arn>\n"
    "      <CreateDate>2024-01-02T03:04:05Z</CreateDate>\n"
    "      <Tags>\n"
    "        <member><Key>managed-by</Key><Value>pam_aws_iam</Value></member>\n"
    "        <member><Key>team</Key><Value>ops</Value></member>\n"
    "      </Tags>\n"
    "    </User>\n"
    "  </GetUserResult>\n"
    "  <ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>"
    "</ResponseMetadata>\n"
    "</GetUserResponse>\n";

static const char get_user_plain[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    "<GetUserResponse><GetUserResult><User><UserName>bob</UserName></User></GetUserResult>"
    "</GetUserResponse>";

static const char get_user_prefixed[] =
    "<iam:GetUserResponse xmlns:iam=\"" NS "\"><iam:GetUserResult><iam:User>"
    "<iam:UserName>carol</iam:UserName></iam:User></iam:GetUserResult>"
    "</iam:GetUserResponse>";

static const char list_keys[] =
    "<ListAccessKeysResponse xmlns=\"" NS "\"><ListAccessKeysResult>"
    "<AccessKeyMetadata>"
    "<member><UserName>alice</UserName><AccessKeyId>AKIAAAAAAAAAAAAAAAAA</AccessKeyId>"
    "<Status>Active</Status><CreateDate>2024-01-01T00:00:00Z</CreateDate></member>"
    "<member><UserName>alice</UserName><AccessKeyId>AKIABBBBBBBBBBBBBBBB</AccessKeyId>"
    "<Status>Inactive</Status></member>"
    "</AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult>"
    "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>"
    "</ListAccessKeysResponse>";

static struct xml_reply *parse_ok(const char *s)
{
	struct xml_reply *r = NULL;

	assert_int_equal(xml_reply_parse(s, strlen(s), &r), PAI_OK);
	assert_non_null(r);
	return r;
}

static pai_err parse_status(const char *s, size_t len)
{
	struct xml_reply *r = (struct xml_reply *)1;
	pai_err rc = xml_reply_parse(s, len, &r);

	if (rc != PAI_OK)
		assert_null(r);
	xml_reply_free(rc == PAI_OK ? r : NULL);
	return rc;
}

static void test_namespaced_reply_reads_fields(void **state)
{
	struct xml_reply *r = parse_ok(get_user_ns);
	char v[128];

	(void)state;
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "alice");
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/Arn", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "arn:aws:iam::123456789012:user/pam/alice");
	assert_int_equal(xml_reply_get(r, "ResponseMetadata/RequestId", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE");
	assert_false(xml_reply_error(r, NULL));
	xml_reply_free(r);
}

static void test_plain_and_prefixed_replies_read_alike(void **state)
{
	struct xml_reply *r;
	char v[32];

	(void)state;
	r = parse_ok(get_user_plain);
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "bob");
	xml_reply_free(r);
	r = parse_ok(get_user_prefixed);
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "carol");
	xml_reply_free(r);
}

static void test_missing_field_is_not_found(void **state)
{
	struct xml_reply *r = parse_ok(get_user_ns);
	char v[32] = "junk";

	(void)state;
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/PasswordLastUsed", v, sizeof(v)),
	                 PAI_ERR_NOT_FOUND);
	assert_string_equal(v, "");
	/* the root itself is not part of the path */
	assert_int_equal(xml_reply_get(r, "GetUserResponse/GetUserResult", v, sizeof(v)),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(xml_reply_count(r, "GetUserResult/User/Nope"), 0);
	xml_reply_free(r);
}

static void test_duplicate_field_is_refused(void **state)
{
	static const char dup[] = "<R><Result><UserName>a</UserName><UserName>b</UserName>"
	                          "</Result></R>";
	struct xml_reply *r = parse_ok(dup);
	char v[32];

	(void)state;
	assert_int_equal(xml_reply_get(r, "Result/UserName", v, sizeof(v)), PAI_ERR_REPLY);
	assert_int_equal(xml_reply_count(r, "Result/UserName"), 2);
	xml_reply_free(r);
}

static void test_duplicate_parent_is_refused(void **state)
{
	static const char dup[] = "<R><Result><User><UserName>a</UserName></User></Result>"
	                          "<Result><User><UserName>b</UserName></User></Result></R>";
	struct xml_reply *r = parse_ok(dup);
	char v[32];

	(void)state;
	assert_int_equal(xml_reply_get(r, "Result/User/UserName", v, sizeof(v)), PAI_ERR_REPLY);
	xml_reply_free(r);
}

static void test_element_with_children_is_refused(void **state)
{
	struct xml_reply *r = parse_ok(get_user_ns);
	char v[256];

	(void)state;
	assert_int_equal(xml_reply_get(r, "GetUserResult/User", v, sizeof(v)), PAI_ERR_REPLY);
	xml_reply_free(r);
}

static void test_value_that_does_not_fit_is_refused(void **state)
{
	struct xml_reply *r = parse_ok(get_user_ns);
	char v[6];

	(void)state;
	/* "alice" needs 6 bytes with the NUL: fits exactly */
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, 6), PAI_OK);
	assert_string_equal(v, "alice");
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, 5), PAI_ERR_REPLY);
	assert_int_equal(v[0], '\0');
	xml_reply_free(r);
}

static void test_empty_element_is_empty_string(void **state)
{
	struct xml_reply *r = parse_ok("<R><Res><Marker/><M2></M2></Res></R>");
	char v[8] = "x";

	(void)state;
	assert_int_equal(xml_reply_get(r, "Res/Marker", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "");
	assert_int_equal(xml_reply_get(r, "Res/M2", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "");
	xml_reply_free(r);
}

static void test_predefined_entities_and_cdata_decode(void **state)
{
	struct xml_reply *r = parse_ok("<R><A>a&amp;b&lt;c&gt;&quot;&apos;</A>"
	                               "<B><![CDATA[x<y]]></B></R>");
	char v[32];

	(void)state;
	assert_int_equal(xml_reply_get(r, "A", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "a&b<c>\"'");
	assert_int_equal(xml_reply_get(r, "B", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "x<y");
	xml_reply_free(r);
}

static void test_values_with_control_characters_are_refused(void **state)
{
	struct xml_reply *r =
	    parse_ok("<R><A>line1&#10;line2</A><B>x&#13;</B><C>a\tb</C>"
	             "<D>a\nb</D><E>tab&#9;</E><F>del&#127;</F><G>caf\xc3\xa9</G></R>");
	char v[32];

	(void)state;
	assert_int_equal(xml_reply_get(r, "A", v, sizeof(v)), PAI_ERR_REPLY);
	assert_string_equal(v, "");
	assert_int_equal(xml_reply_get(r, "B", v, sizeof(v)), PAI_ERR_REPLY);
	assert_int_equal(xml_reply_get(r, "C", v, sizeof(v)), PAI_ERR_REPLY);
	assert_int_equal(xml_reply_get(r, "D", v, sizeof(v)), PAI_ERR_REPLY);
	assert_int_equal(xml_reply_get(r, "E", v, sizeof(v)), PAI_ERR_REPLY);
	assert_int_equal(xml_reply_get(r, "F", v, sizeof(v)), PAI_ERR_REPLY);
	/* UTF-8 is passed through: the validators decide what a field may hold */
	assert_int_equal(xml_reply_get(r, "G", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "caf\xc3\xa9");
	xml_reply_free(r);
}

static void test_list_count_and_nth(void **state)
{
	struct xml_reply *r = parse_ok(list_keys);
	const char *lp = "ListAccessKeysResult/AccessKeyMetadata/member";
	char v[64];

	(void)state;
	assert_int_equal(xml_reply_count(r, lp), 2);
	assert_int_equal(xml_reply_get_nth(r, lp, 0, "AccessKeyId", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "AKIAAAAAAAAAAAAAAAAA");
	assert_int_equal(xml_reply_get_nth(r, lp, 1, "AccessKeyId", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "AKIABBBBBBBBBBBBBBBB");
	assert_int_equal(xml_reply_get_nth(r, lp, 1, "Status", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "Inactive");
	assert_int_equal(xml_reply_get_nth(r, lp, 1, "CreateDate", v, sizeof(v)),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(xml_reply_get_nth(r, lp, 2, "AccessKeyId", v, sizeof(v)),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(xml_reply_get_nth(r, lp, SIZE_MAX, "AccessKeyId", v, sizeof(v)),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(xml_reply_get(r, "ListAccessKeysResult/IsTruncated", v, sizeof(v)),
	                 PAI_OK);
	assert_string_equal(v, "false");
	xml_reply_free(r);
}

static void test_nth_of_text_list(void **state)
{
	struct xml_reply *r = parse_ok(
	    "<ListAccountAliasesResponse xmlns=\"" NS "\"><ListAccountAliasesResult>"
	    "<AccountAliases><member>corp-a</member><member>corp-b</member></AccountAliases>"
	    "</ListAccountAliasesResult></ListAccountAliasesResponse>");
	const char *lp = "ListAccountAliasesResult/AccountAliases/member";
	char v[64];

	(void)state;
	assert_int_equal(xml_reply_count(r, lp), 2);
	assert_int_equal(xml_reply_get_nth(r, lp, 1, NULL, v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "corp-b");
	assert_int_equal(xml_reply_get_nth(r, lp, 0, "", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "corp-a");
	xml_reply_free(r);
}

static void test_list_spread_over_parents_counts_all(void **state)
{
	struct xml_reply *r = parse_ok("<R><L><m>1</m><m>2</m></L><L><m>3</m></L></R>");
	char v[8];

	(void)state;
	assert_int_equal(xml_reply_count(r, "L/m"), 3);
	assert_int_equal(xml_reply_get_nth(r, "L/m", 2, NULL, v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "3");
	xml_reply_free(r);
}

static void test_bad_paths_are_invalid(void **state)
{
	struct xml_reply *r = parse_ok(get_user_ns);
	char v[64];
	char longname[200];

	(void)state;
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(xml_reply_get(r, "", v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, "GetUserResult//User", v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, "/GetUserResult", v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, "GetUserResult/", v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, longname, v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, "a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a/a", v, sizeof(v)),
	                 PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(r, "GetUserResult/User/UserName", v, 0), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_get(NULL, "A", v, sizeof(v)), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_count(NULL, "A"), 0);
	assert_int_equal(xml_reply_count(r, "x//y"), 0);
	xml_reply_free(r);
}

static void test_error_response_plain(void **state)
{
	struct xml_reply *r = parse_ok(
	    "<ErrorResponse xmlns=\"" NS "\"><Error><Type>Sender</Type>"
	    "<Code>NoSuchEntity</Code><Message>The user with name bob cannot be found.</Message>"
	    "</Error><RequestId>4a3b-1</RequestId></ErrorResponse>");
	struct aws_error e;

	(void)state;
	memset(&e, 'x', sizeof(e));
	e.http_status = 404;
	assert_true(xml_reply_error(r, &e));
	assert_string_equal(e.code, "NoSuchEntity");
	assert_string_equal(e.message, "The user with name bob cannot be found.");
	assert_string_equal(e.request_id, "4a3b-1");
	assert_int_equal(e.http_status, 404); /* left to the caller */
	xml_reply_free(r);
}

static void test_error_response_with_errors_wrapper(void **state)
{
	struct xml_reply *r = parse_ok("<ErrorResponse><Errors><Error><Code>Throttling</Code>"
	                               "<Message>Rate exceeded</Message></Error></Errors>"
	                               "<RequestID>rid-2</RequestID></ErrorResponse>");
	struct aws_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_true(xml_reply_error(r, &e));
	assert_string_equal(e.code, "Throttling");
	assert_string_equal(e.message, "Rate exceeded");
	assert_string_equal(e.request_id, "rid-2");
	xml_reply_free(r);
}

static void test_ec2_style_response_errors(void **state)
{
	struct xml_reply *r = parse_ok(
	    "<Response><Errors><Error><Code>AuthFailure</Code><Message>no</Message></Error>"
	    "</Errors><RequestID>ec2-rid</RequestID></Response>");
	struct aws_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_true(xml_reply_error(r, &e));
	assert_string_equal(e.code, "AuthFailure");
	assert_string_equal(e.request_id, "ec2-rid");
	xml_reply_free(r);
	/* a plain <Response> without <Errors> is not an error */
	r = parse_ok("<Response><Result>ok</Result></Response>");
	assert_false(xml_reply_error(r, &e));
	xml_reply_free(r);
}

static void test_error_without_fields_gives_empty_strings(void **state)
{
	struct xml_reply *r = parse_ok("<ErrorResponse/>");
	struct aws_error e;

	(void)state;
	memset(&e, 'x', sizeof(e));
	assert_true(xml_reply_error(r, &e));
	assert_string_equal(e.code, "");
	assert_string_equal(e.message, "");
	assert_string_equal(e.request_id, "");
	xml_reply_free(r);
}

static void test_error_text_is_sanitised_and_truncated(void **state)
{
	char body[2048];
	struct xml_reply *r;
	struct aws_error e;
	char big[600];
	size_t i;

	(void)state;
	memset(big, 'M', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(body, sizeof(body),
	         "<ErrorResponse><Error><Code>Bad\tCode&#127;\xc3\xa9</Code>"
	         "<Message>line1&#10;line2\t%s</Message></Error>"
	         "<RequestId>%s</RequestId></ErrorResponse>",
	         big, big);
	r = parse_ok(body);
	assert_true(xml_reply_error(r, &e));
	assert_string_equal(e.code, "Bad Code???");
	assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
	assert_memory_equal(e.message, "line1 line2 MMM", 15);
	assert_int_equal(strlen(e.request_id), sizeof(e.request_id) - 1);
	for (i = 0; e.message[i]; i++)
		assert_true(e.message[i] >= 0x20 && e.message[i] <= 0x7e);
	xml_reply_free(r);
}

static void test_success_reply_is_not_error(void **state)
{
	struct xml_reply *r = parse_ok(list_keys);
	struct aws_error e;

	(void)state;
	memset(&e, 0, sizeof(e));
	assert_false(xml_reply_error(r, &e));
	xml_reply_free(r);
}

static void test_doctype_xxe_is_refused(void **state)
{
	static const char xxe[] =
	    "<?xml version=\"1.0\"?>"
	    "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<GetUserResponse><GetUserResult><User><UserName>&x;</UserName></User>"
	    "</GetUserResult></GetUserResponse>";
	static const char ext_dtd[] = "<!DOCTYPE r SYSTEM \"file:///etc/passwd\"><r>a</r>";
	static const char param[] = "<!DOCTYPE r [<!ENTITY % p SYSTEM \"http://127.0.0.1:1/x\">"
	                            "%p;]><r/>";
	static const char bare[] = "<!DOCTYPE r><r/>";
	static const char later[] = "<r><!DOCTYPE r></r>";
	static const char lower[] = "<!doctype r><r/>";

	(void)state;
	assert_int_equal(parse_status(xxe, strlen(xxe)), PAI_ERR_REPLY);
	assert_int_equal(parse_status(ext_dtd, strlen(ext_dtd)), PAI_ERR_REPLY);
	assert_int_equal(parse_status(param, strlen(param)), PAI_ERR_REPLY);
	assert_int_equal(parse_status(bare, strlen(bare)), PAI_ERR_REPLY);
	assert_int_equal(parse_status(later, strlen(later)), PAI_ERR_REPLY);
	assert_int_equal(parse_status(lower, strlen(lower)), PAI_ERR_REPLY);
}

static void test_utf16_doctype_is_refused(void **state)
{
	static const char ascii[] = "<!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	                            "<r>&x;</r>";
	char body[2 + 2 * sizeof(ascii)];
	size_t i, n = 0;

	(void)state;
	body[n++] = (char)0xff;
	body[n++] = (char)0xfe;
	for (i = 0; i < strlen(ascii); i++) {
		body[n++] = ascii[i];
		body[n++] = '\0';
	}
	assert_int_equal(parse_status(body, n), PAI_ERR_REPLY);
}

static void test_billion_laughs_is_refused(void **state)
{
	static const char bomb[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
	    "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
	    "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
	    "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
	    "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
	    "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
	    "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
	    "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
	    "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
	    "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
	    "]><lolz>&lol9;</lolz>";

	(void)state;
	assert_int_equal(parse_status(bomb, strlen(bomb)), PAI_ERR_REPLY);
}

static void test_undeclared_entity_is_refused(void **state)
{
	static const char ent[] = "<r><a>&x;</a></r>";
	static const char xinc[] = "<r xmlns:xi=\"http://www.w3.org/2001/XInclude\">"
	                           "<xi:include href=\"/etc/passwd\" parse=\"text\"/></r>";
	struct xml_reply *r;
	char v[4096];

	(void)state;
	assert_int_equal(parse_status(ent, strlen(ent)), PAI_ERR_REPLY);
	/* XInclude is never processed: the element stays an empty element */
	r = parse_ok(xinc);
	assert_int_equal(xml_reply_get(r, "include", v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "");
	xml_reply_free(r);
}

static void test_truncated_and_garbage_are_refused(void **state)
{
	static const char *const bad[] = {
	    "<GetUserResponse><GetUserResult><User><UserName>alice</UserName>",
	    "<GetUserResponse><GetUserResult",
	    "<",
	    "not xml at all",
	    "{\"json\": true}",
	    "<a></b>",
	    "<a><b></a></b>",
	    "<a x='1' x='2'/>",
	    "<a/><b/>",
	    "   ",
	    "<?xml version=\"1.0\"?>",
	    "<a>\x80\x81</a>",
	    "<a>\xc3</a>",
	    "<a>&#0;</a>",
	    "<a>&#xD800;</a>",
	    "<a>&#1114112;</a>",
	    "<a>&;</a>",
	    "<a>&</a>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_status(bad[i], strlen(bad[i])) != PAI_ERR_REPLY)
			fail_msg("accepted bad input #%zu: %s", i, bad[i]);
	}
	assert_int_equal(parse_status("<a>\0</a>", 8), PAI_ERR_REPLY);
	assert_int_equal(parse_status("", 0), PAI_ERR_REPLY);
}

static void test_null_arguments(void **state)
{
	struct xml_reply *r = NULL;

	(void)state;
	assert_int_equal(xml_reply_parse(NULL, 3, &r), PAI_ERR_INVALID);
	assert_int_equal(xml_reply_parse("<a/>", 4, NULL), PAI_ERR_INVALID);
	xml_reply_free(NULL);
	assert_false(xml_reply_error(NULL, NULL));
}

static void test_oversize_is_toobig(void **state)
{
	size_t n = XML_REPLY_MAX_BYTES + 1, i;
	char *body = malloc(n);

	(void)state;
	assert_non_null(body);
	memcpy(body, "<a>", 3);
	for (i = 3; i < n - 4; i++)
		body[i] = 'x';
	memcpy(body + n - 4, "</a>", 4);
	assert_int_equal(parse_status(body, n), PAI_ERR_TOOBIG);
	/* exactly at the cap is accepted */
	memcpy(body + n - 5, "</a>", 4);
	assert_int_equal(parse_status(body, n - 1), PAI_OK);
	free(body);
}

static void test_deep_nesting_is_refused(void **state)
{
	size_t depth = 100000, i, n = 0;
	char *body = malloc(depth * 7 + 1);

	(void)state;
	assert_non_null(body);
	for (i = 0; i < depth; i++) {
		memcpy(body + n, "<a>", 3);
		n += 3;
	}
	for (i = 0; i < depth; i++) {
		memcpy(body + n, "</a>", 4);
		n += 4;
	}
	assert_int_equal(parse_status(body, n), PAI_ERR_REPLY);
	free(body);
}

static void test_many_elements_count(void **state)
{
	size_t members = 20000, i, n = 0;
	char *body = malloc(members * 12 + 64);
	struct xml_reply *r = NULL;
	char v[8];

	(void)state;
	assert_non_null(body);
	n += (size_t)sprintf(body + n, "<R><L>");
	for (i = 0; i < members; i++)
		n += (size_t)sprintf(body + n, "<m>%zu</m>", i % 10);
	n += (size_t)sprintf(body + n, "</L></R>");
	assert_int_equal(xml_reply_parse(body, n, &r), PAI_OK);
	assert_int_equal(xml_reply_count(r, "L/m"), members);
	assert_int_equal(xml_reply_get_nth(r, "L/m", members - 1, NULL, v, sizeof(v)), PAI_OK);
	assert_string_equal(v, "9");
	xml_reply_free(r);
	free(body);
}

/* libxml2 must never write to stderr: the helper's stderr reaches the person logging in. */
static void test_parse_errors_print_nothing(void **state)
{
	static const char *const bad[] = {"<a></b>", "<a>&x;</a>", "<a", "\x80<a/>",
	                                  "<a xmlns:p=\"\"><p:b/></a>"};
	char path[] = "/tmp/test_xmlreply_stderr.XXXXXX";
	int fd = mkstemp(path), saved;
	struct stat st;
	size_t i;

	(void)state;
	assert_true(fd >= 0);
	unlink(path);
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0);
	assert_true(dup2(fd, 2) == 2);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		parse_status(bad[i], strlen(bad[i]));
	fflush(stderr);
	assert_true(dup2(saved, 2) == 2);
	close(saved);
	assert_int_equal(fstat(fd, &st), 0);
	close(fd);
	assert_int_equal(st.st_size, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_namespaced_reply_reads_fields),
	    cmocka_unit_test(test_plain_and_prefixed_replies_read_alike),
	    cmocka_unit_test(test_missing_field_is_not_found),
	    cmocka_unit_test(test_duplicate_field_is_refused),
	    cmocka_unit_test(test_duplicate_parent_is_refused),
	    cmocka_unit_test(test_element_with_children_is_refused),
	    cmocka_unit_test(test_value_that_does_not_fit_is_refused),
	    cmocka_unit_test(test_empty_element_is_empty_string),
	    cmocka_unit_test(test_predefined_entities_and_cdata_decode),
	    cmocka_unit_test(test_values_with_control_characters_are_refused),
	    cmocka_unit_test(test_list_count_and_nth),
	    cmocka_unit_test(test_nth_of_text_list),
	    cmocka_unit_test(test_list_spread_over_parents_counts_all),
	    cmocka_unit_test(test_bad_paths_are_invalid),
	    cmocka_unit_test(test_error_response_plain),
	    cmocka_unit_test(test_error_response_with_errors_wrapper),
	    cmocka_unit_test(test_ec2_style_response_errors),
	    cmocka_unit_test(test_error_without_fields_gives_empty_strings),
	    cmocka_unit_test(test_error_text_is_sanitised_and_truncated),
	    cmocka_unit_test(test_success_reply_is_not_error),
	    cmocka_unit_test(test_doctype_xxe_is_refused),
	    cmocka_unit_test(test_utf16_doctype_is_refused),
	    cmocka_unit_test(test_billion_laughs_is_refused),
	    cmocka_unit_test(test_undeclared_entity_is_refused),
	    cmocka_unit_test(test_truncated_and_garbage_are_refused),
	    cmocka_unit_test(test_null_arguments),
	    cmocka_unit_test(test_oversize_is_toobig),
	    cmocka_unit_test(test_deep_nesting_is_refused),
	    cmocka_unit_test(test_many_elements_count),
	    cmocka_unit_test(test_parse_errors_print_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
