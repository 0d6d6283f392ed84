/* SPDX-License-Identifier: MIT */
/* iam.c — typed IAM and STS operations: check the inputs, fill a query, call aws_call with
 * the reply parser of iam_reply.c. Nothing is sent for an input that fails its pattern. */
#include "iam.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "clock.h"
#include "iam_reply.h"
#include "validate.h"

/* Pages the list operations follow: every page but the last must bring an item, so a
 * list of at most N items takes at most N + 1 pages; more is a server that loops. */
#define IAM_MAX_TAG_PAGES (IAM_MAX_TAGS + 1)
#define IAM_MAX_KEY_PAGES (IAM_MAX_KEYS + 1)

/* Parameter names are string literals so that queued calls may hold them until flush. */
/* clang-format off */
#define NUMBERS \
	X(1)  X(2)  X(3)  X(4)  X(5)  X(6)  X(7)  X(8)  X(9)  X(10) \
	X(11) X(12) X(13) X(14) X(15) X(16) X(17) X(18) X(19) X(20) \
	X(21) X(22) X(23) X(24) X(25) X(26) X(27) X(28) X(29) X(30) \
	X(31) X(32) X(33) X(34) X(35) X(36) X(37) X(38) X(39) X(40) \
	X(41) X(42) X(43) X(44) X(45) X(46) X(47) X(48) X(49) X(50)
/* clang-format on */
#define X(n) {"Tags.member." #n ".Key", "Tags.member." #n ".Value"},
static const char *const tag_param[][2] = {NUMBERS};
#undef X
#define X(n) "TagKeys.member." #n,
static const char *const tag_key_param[] = {NUMBERS};
#undef X
_Static_assert(sizeof(tag_param) / sizeof(tag_param[0]) == IAM_MAX_TAGS, "tag names");
_Static_assert(sizeof(tag_key_param) / sizeof(tag_key_param[0]) == IAM_MAX_TAGS, "tag keys");

/* Adds a parameter unless an earlier add failed; the first error sticks. */
static void add(struct aws_query *q, pai_err *e, const char *name, const char *value)
{
	if (!*e)
		*e = aws_query_add(q, name, value);
}

static bool valid_tags(const struct iam_tag *tags, size_t n)
{
	size_t i, j;

	if (n > IAM_MAX_TAGS || (n && !tags))
		return false;
	for (i = 0; i < n; i++) {
		if (!valid_tag_key(tags[i].key) || !valid_tag_value(tags[i].value))
			return false;
		for (j = 0; j < i; j++)
			if (!strcasecmp(tags[i].key, tags[j].key)) /* IAM: keys ignore case */
				return false;
	}
	return true;
}

static void add_tags(struct aws_query *q, pai_err *e, const struct iam_tag *tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		add(q, e, tag_param[i][0], tags[i].key);
		add(q, e, tag_param[i][1], tags[i].value);
	}
}

/* IAM passwords: 1-128 characters of tab, LF, CR and 0x20-0xFF. */
static bool valid_password(const char *s)
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++) {
		unsigned char ch = (unsigned char)s[n];

		if (ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r')
			return false;
		if (n >= 128)
			return false;
	}
	return n > 0;
}

/* NULL-safe wrappers: every validator below takes NULL as invalid. */
static bool ok_user(const char *s)
{
	return s && valid_user_name(s);
}

static bool ok_key_id(const char *s)
{
	return s && valid_access_key_id(s);
}

static pai_err call(struct aws_client *c, enum aws_service s, const struct aws_query *q,
                    pai_err built, aws_reply_parser parse, void *out, struct aws_result *res)
{
	if (built)
		return aws_result_unsent(res, built);
	return aws_call(c, s, q, parse, out, res);
}

void iam_access_key_wipe(struct iam_access_key *k)
{
	if (k)
		secret_wipe(k, sizeof(*k));
}

void sts_session_wipe(struct sts_session *s)
{
	if (!s)
		return;
	secret_free(s->session_token);
	secret_wipe(s, sizeof(*s));
}

/* Copies the name (and path) the reply must carry into out, which the parser reads. */
static void expect_user(struct iam_user *out, const char *name, const char *path)
{
	char n[sizeof(out->name)], p[sizeof(out->path)];

	snprintf(n, sizeof(n), "%s", name);
	snprintf(p, sizeof(p), "%s", path ? path : "");
	memset(out, 0, sizeof(*out));
	memcpy(out->name, n, sizeof(n));
	memcpy(out->path, p, sizeof(p));
}

pai_err iam_get_user(struct aws_client *c, const char *name, struct iam_user *out,
                     struct aws_result *res)
{
	struct aws_query q = {.action = "GetUser"};
	pai_err e = PAI_OK;

	if (!c || !out || !ok_user(name))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "UserName", name);
	if (e)
		return aws_result_unsent(res, e);
	expect_user(out, name, NULL);
	e = aws_call(c, AWS_IAM, &q, iam_parse_get_user, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err iam_create_user(struct aws_client *c, const char *name, const char *path,
                        const char *boundary_arn, const struct iam_tag *tags, size_t n_tags,
                        struct iam_user *out, struct aws_result *res)
{
	struct aws_query q = {.action = "CreateUser"};
	pai_err e = PAI_OK;

	if (!c || !out || !ok_user(name) || (path && !valid_path(path)) ||
	    (boundary_arn && !valid_policy_arn(boundary_arn)) || !valid_tags(tags, n_tags))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "UserName", name);
	if (path)
		add(&q, &e, "Path", path);
	if (boundary_arn)
		add(&q, &e, "PermissionsBoundary", boundary_arn);
	add_tags(&q, &e, tags, n_tags);
	if (e)
		return aws_result_unsent(res, e);
	expect_user(out, name, path ? path : "/");
	e = aws_call(c, AWS_IAM, &q, iam_parse_create_user, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err iam_tag_user(struct aws_client *c, const char *name, const struct iam_tag *tags,
                     size_t n_tags, struct aws_result *res)
{
	struct aws_query q = {.action = "TagUser"};
	pai_err e = PAI_OK;

	if (!c || !ok_user(name) || n_tags == 0 || !valid_tags(tags, n_tags))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "UserName", name);
	add_tags(&q, &e, tags, n_tags);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_untag_user(struct aws_client *c, const char *name, const char *const *keys,
                       size_t n_keys, struct aws_result *res)
{
	struct aws_query q = {.action = "UntagUser"};
	pai_err e = PAI_OK;
	size_t i;

	if (!c || !ok_user(name) || n_keys == 0 || n_keys > IAM_MAX_TAGS || !keys)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	for (i = 0; i < n_keys; i++)
		if (!keys[i] || !valid_tag_key(keys[i]))
			return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "UserName", name);
	for (i = 0; i < n_keys; i++)
		add(&q, &e, tag_key_param[i], keys[i]);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_list_user_tags(struct aws_client *c, const char *name, struct iam_tag *tags,
                           size_t *n_tags, struct aws_result *res)
{
	struct iam_tag_page pg;
	char marker[sizeof(pg.marker)] = "";
	pai_err e = PAI_OK;
	int page;

	if (res) { /* several pages cannot be queued */
		res->status = PAI_ERR_INVALID;
		return aws_result_unsent(res, PAI_ERR_INVALID);
	}
	if (!c || !ok_user(name) || !tags || !n_tags)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	*n_tags = 0;
	memset(tags, 0, IAM_MAX_TAGS * sizeof(*tags));
	memset(&pg, 0, sizeof(pg));
	pg.tags = tags;
	pg.n = n_tags;
	for (page = 0; page < IAM_MAX_TAG_PAGES; page++) {
		struct aws_query q = {.action = "ListUserTags"};
		size_t before = *n_tags;

		add(&q, &e, "UserName", name);
		if (marker[0])
			add(&q, &e, "Marker", marker);
		e = call(c, AWS_IAM, &q, e, iam_parse_tag_page, &pg, NULL);
		if (e)
			goto fail;
		if (!pg.truncated)
			return PAI_OK;
		if (*n_tags == before || !strcmp(pg.marker, marker)) /* a server that loops */
			break;
		memcpy(marker, pg.marker, sizeof(marker));
	}
	e = PAI_ERR_REPLY;
fail:
	memset(tags, 0, IAM_MAX_TAGS * sizeof(*tags));
	*n_tags = 0;
	return aws_result_unsent(res, e);
}

/* An action on a user and one named thing (a group, a policy): both checked, then called. */
static pai_err user_and_one(struct aws_client *c, const char *action, const char *user,
                            const char *param, const char *value, bool (*ok)(const char *),
                            struct aws_result *res)
{
	struct aws_query q = {.action = action};
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || !value || !ok(value))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, param, value);
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_add_user_to_group(struct aws_client *c, const char *user, const char *group,
                              struct aws_result *res)
{
	return user_and_one(c, "AddUserToGroup", user, "GroupName", group, valid_group_name, res);
}

pai_err iam_attach_user_policy(struct aws_client *c, const char *user, const char *policy_arn,
                               struct aws_result *res)
{
	return user_and_one(c, "AttachUserPolicy", user, "PolicyArn", policy_arn, valid_policy_arn,
	                    res);
}

pai_err iam_list_access_keys(struct aws_client *c, const char *user, struct iam_key_list *out,
                             struct aws_result *res)
{
	struct iam_key_page pg;
	char marker[sizeof(pg.marker)] = "";
	pai_err e = PAI_OK;
	int page;

	if (res) { /* several pages cannot be queued */
		res->status = PAI_ERR_INVALID;
		return aws_result_unsent(res, PAI_ERR_INVALID);
	}
	if (!c || !ok_user(user) || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	memset(&pg, 0, sizeof(pg));
	pg.user = user;
	pg.list = out;
	for (page = 0; page < IAM_MAX_KEY_PAGES; page++) {
		struct aws_query q = {.action = "ListAccessKeys"};
		size_t before = out->n;

		add(&q, &e, "UserName", user);
		if (marker[0])
			add(&q, &e, "Marker", marker);
		e = call(c, AWS_IAM, &q, e, iam_parse_key_page, &pg, NULL);
		if (e)
			goto fail;
		if (!pg.truncated)
			return PAI_OK;
		if (pg.list->n == before || !strcmp(pg.marker, marker)) /* a server that loops */
			break;
		memcpy(marker, pg.marker, sizeof(marker));
	}
	e = PAI_ERR_REPLY;
fail:
	memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err iam_create_access_key(struct aws_client *c, const char *user, struct iam_access_key *out,
                              struct aws_result *res)
{
	struct aws_query q = {.action = "CreateAccessKey", .once = true};
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "UserName", user);
	if (e)
		return aws_result_unsent(res, e);
	/* The parser checks the key belongs to this user; it reads the name from out->id. */
	iam_access_key_wipe(out);
	snprintf(out->id, sizeof(out->id), "%s", user);
	e = aws_call(c, AWS_IAM, &q, iam_parse_create_access_key, out, res);
	if (e && !res)
		iam_access_key_wipe(out);
	return aws_result_unsent(res, e);
}

pai_err iam_update_access_key(struct aws_client *c, const char *user, const char *key_id,
                              const char *status, struct aws_result *res)
{
	struct aws_query q = {.action = "UpdateAccessKey"};
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || !ok_key_id(key_id) || !status ||
	    (strcmp(status, "Active") && strcmp(status, "Inactive")))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "AccessKeyId", key_id);
	add(&q, &e, "Status", status);
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_delete_access_key(struct aws_client *c, const char *user, const char *key_id,
                              struct aws_result *res)
{
	struct aws_query q = {.action = "DeleteAccessKey"};
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || !ok_key_id(key_id))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "AccessKeyId", key_id);
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_get_access_key_last_used(struct aws_client *c, const char *key_id,
                                     struct iam_key_last_used *out, struct aws_result *res)
{
	struct aws_query q = {.action = "GetAccessKeyLastUsed"};
	pai_err e = PAI_OK;

	if (!c || !ok_key_id(key_id) || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "AccessKeyId", key_id);
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	e = aws_call(c, AWS_IAM, &q, iam_parse_key_last_used, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err iam_list_account_aliases(struct aws_client *c, char alias[64], struct aws_result *res)
{
	struct aws_query q = {.action = "ListAccountAliases"};
	pai_err e;

	if (!c || !alias)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	alias[0] = '\0';
	e = aws_call(c, AWS_IAM, &q, iam_parse_account_aliases, alias, res);
	if (e && !res)
		alias[0] = '\0';
	return aws_result_unsent(res, e);
}

pai_err iam_create_login_profile(struct aws_client *c, const char *user, const char *password,
                                 bool reset_required, struct aws_result *res)
{
	/* once: a retry after the request left would meet EntityAlreadyExists for a profile
	 * holding this very password */
	struct aws_query q = {.action = "CreateLoginProfile", .once = true};
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || !valid_password(password))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	add(&q, &e, "Password", password);
	add(&q, &e, "PasswordResetRequired", reset_required ? "true" : "false");
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, NULL, NULL, res);
}

pai_err iam_deny_sessions_before(struct aws_client *c, const char *user, time_t before)
{
	struct aws_query q = {.action = "PutUserPolicy"};
	char when[CLOCK_UTC_LEN], doc[400];
	pai_err e = PAI_OK;

	if (!c || !ok_user(user) || before < 0)
		return PAI_ERR_INVALID;
	clock_format_utc(before, when);
	snprintf(doc, sizeof(doc),
	         "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"RevokeOlderSessions\","
	         "\"Effect\":\"Deny\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":"
	         "{\"DateLessThan\":{\"aws:TokenIssueTime\":\"%s\"}}}]}",
	         when);
	add(&q, &e, "PolicyDocument", doc);
	add(&q, &e, "PolicyName", IAM_REVOKE_POLICY_NAME);
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, NULL, NULL, NULL);
}

pai_err sts_get_caller_identity(struct aws_client *c, struct sts_identity *out,
                                struct aws_result *res)
{
	struct aws_query q = {.action = "GetCallerIdentity"};
	pai_err e;

	if (!c || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	e = aws_call(c, AWS_STS, &q, sts_parse_caller_identity, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err sts_get_session_token(struct aws_client *c, unsigned duration_s, struct sts_session *out,
                              struct aws_result *res)
{
	struct aws_query q = {.action = "GetSessionToken"};
	char duration[16];
	pai_err e = PAI_OK;

	if (!c || !out || duration_s < STS_SESSION_MIN || duration_s > STS_SESSION_MAX)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	snprintf(duration, sizeof(duration), "%u", duration_s);
	add(&q, &e, "DurationSeconds", duration); /* the body is built before aws_call returns */
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	e = aws_call(c, AWS_STS, &q, sts_parse_session_token, out, res);
	if (e && !res)
		sts_session_wipe(out);
	return aws_result_unsent(res, e);
}

/* Splits arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; field i (0 = "arn") into out. */
static pai_err arn_field(const char *arn, int i, char *out, size_t len)
{
	const char *p = arn, *end;
	int f;

	if (!arn || !valid_arn(arn))
		return PAI_ERR_INVALID;
	for (f = 0; f < i; f++) {
		p = strchr(p, ':');
		if (!p)
			return PAI_ERR_INVALID;
		p++;
	}
	end = strchr(p, ':');
	if (!end || (size_t)(end - p) >= len)
		return PAI_ERR_INVALID;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return PAI_OK;
}

pai_err iam_arn_account(const char *arn, char out[13])
{
	pai_err e = arn_field(arn, 4, out, 13);

	if (!e && !valid_account_id(out))
		e = PAI_ERR_INVALID;
	if (e)
		out[0] = '\0';
	return e;
}

pai_err iam_arn_partition(const char *arn, char out[16])
{
	pai_err e = arn_field(arn, 1, out, 16);
	size_t i;

	for (i = 0; !e && out[i]; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') || out[i] == '-'))
			e = PAI_ERR_INVALID;
	if (!e && (!out[0] || strncmp(out, "aws", 3)))
		e = PAI_ERR_INVALID;
	if (e)
		out[0] = '\0';
	return e;
}

/* ---- convergence ---- */

/* A list of names, every page (res NULL), or its first page queued (res non-NULL). */
static pai_err list_names(struct aws_client *c, const char *action, const char *user,
                          aws_reply_parser parse, struct iam_listed *out, struct aws_result *res)
{
	char marker[sizeof(out->marker)] = "";
	pai_err e = PAI_OK;
	int page;

	if (!c || !ok_user(user) || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	for (page = 0; page < IAM_MAX_LISTED + 1; page++) {
		struct aws_query q = {.action = action};
		size_t before = out->n;

		add(&q, &e, "UserName", user);
		if (marker[0])
			add(&q, &e, "Marker", marker);
		e = call(c, AWS_IAM, &q, e, parse, out, res);
		if (e || res) /* queued: the caller reads out->more after the flush */
			goto done;
		if (!out->more)
			return PAI_OK;
		if (out->n == before || !strcmp(out->marker, marker)) /* a server that loops */
			break;
		memcpy(marker, out->marker, sizeof(marker));
	}
	e = PAI_ERR_REPLY;
done:
	if (e)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err iam_list_groups_for_user(struct aws_client *c, const char *user, struct iam_listed *out,
                                 struct aws_result *res)
{
	return list_names(c, "ListGroupsForUser", user, iam_parse_groups_page, out, res);
}

pai_err iam_list_attached_user_policies(struct aws_client *c, const char *user,
                                        struct iam_listed *out, struct aws_result *res)
{
	return list_names(c, "ListAttachedUserPolicies", user, iam_parse_policies_page, out, res);
}

pai_err iam_remove_user_from_group(struct aws_client *c, const char *user, const char *group,
                                   struct aws_result *res)
{
	return user_and_one(c, "RemoveUserFromGroup", user, "GroupName", group, valid_group_name,
	                    res);
}

pai_err iam_detach_user_policy(struct aws_client *c, const char *user, const char *policy_arn,
                               struct aws_result *res)
{
	return user_and_one(c, "DetachUserPolicy", user, "PolicyArn", policy_arn, valid_policy_arn,
	                    res);
}

pai_err iam_queue_list_access_keys(struct aws_client *c, const char *user,
                                   struct iam_key_listing *out, struct aws_result *res)
{
	struct aws_query q = {.action = "ListAccessKeys"};
	pai_err e = PAI_OK;

	if (!res || !c || !ok_user(user) || !out)
		return aws_result_unsent(res, PAI_ERR_INVALID);
	memset(out, 0, sizeof(*out));
	snprintf(out->user, sizeof(out->user), "%s", user);
	add(&q, &e, "UserName", user);
	return call(c, AWS_IAM, &q, e, iam_parse_key_listing, out, res);
}
