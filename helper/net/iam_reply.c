/* SPDX-License-Identifier: MIT */
/* iam_reply.c — reads IAM/STS success replies into the typed structs of iam.h, trusting
 * nothing: every value passes its validate.h pattern, lists are bounded, and a reply about
 * another user than the one asked for is refused. */
#include "iam_reply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "buf.h"
#include "clock.h"
#include "validate.h"

typedef bool (*validator)(const char *);

/* An absent, duplicated, oversized or invalid value is an untrusted reply. */
static pai_err reply_status(pai_err e)
{
	return e == PAI_ERR_NOMEM ? e : PAI_ERR_REPLY;
}

/* The single value at base/rel that passes ok (NULL = any). */
static pai_err field(const struct xml_reply *r, const char *base, const char *rel, char *out,
                     size_t len, validator ok)
{
	char path[256];
	int n;
	pai_err e;

	n = snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (n < 0 || (size_t)n >= sizeof(path))
		return PAI_ERR_INVALID;
	e = xml_reply_get(r, path, out, len);
	if (e == PAI_OK && (!ok || ok(out)))
		return PAI_OK;
	secret_wipe(out, len);
	return reply_status(e);
}

/* Like field, but an absent element leaves out "" and is not an error. */
static pai_err field_opt(const struct xml_reply *r, const char *base, const char *rel, char *out,
                         size_t len, validator ok)
{
	pai_err e = field(r, base, rel, out, len, ok);
	char path[256];

	if (e != PAI_ERR_REPLY)
		return e;
	snprintf(path, sizeof(path), "%s/%s", base, rel);
	if (xml_reply_count(r, path) != 0)
		return PAI_ERR_REPLY;
	out[0] = '\0';
	return PAI_OK;
}

/* The single value at rel below the i-th element of list that passes ok. */
static pai_err field_nth(const struct xml_reply *r, const char *list, size_t i, const char *rel,
                         char *out, size_t len, validator ok)
{
	pai_err e = xml_reply_get_nth(r, list, i, rel, out, len);

	if (e == PAI_OK && (!ok || ok(out)))
		return PAI_OK;
	secret_wipe(out, len);
	return reply_status(e);
}

static bool valid_bool(const char *s)
{
	return !strcmp(s, "true") || !strcmp(s, "false");
}

/* Markers are opaque; IAM documents [\u0020-\u00FF]+ up to 320 characters. We accept
 * printable ASCII only, which is what IAM sends. */
static bool valid_marker(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (s[n] < 0x20 || s[n] > 0x7e)
			return false;
	return n > 0 && n <= 1024;
}

/* ServiceName / Region of GetAccessKeyLastUsed: "N/A" or [a-z0-9-]. */
static bool valid_service_or_region(const char *s)
{
	size_t n = 0;

	if (!strcmp(s, "N/A"))
		return true;
	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9') || s[n] == '-'))
			return false;
	return n > 0;
}

/* STS UserId: a unique ID, "AROA...:session", "ACCOUNT:name" or an account ID. */
static bool valid_sts_user_id(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') ||
		      (s[n] >= '0' && s[n] <= '9') || strchr("_+=,.@:-", s[n])))
			return false;
	return n > 0 && n <= 128;
}

/* IsTruncated / Marker of a list page: absent IsTruncated means the last page; a truncated
 * page must carry a marker. */
static pai_err page_end(const struct xml_reply *r, const char *base, bool *truncated, char *marker,
                        size_t len)
{
	char t[8];
	pai_err e;

	*truncated = false;
	marker[0] = '\0';
	e = field_opt(r, base, "IsTruncated", t, sizeof(t), valid_bool);
	if (e)
		return e;
	if (strcmp(t, "true"))
		return PAI_OK;
	*truncated = true;
	return field(r, base, "Marker", marker, len, valid_marker);
}

/* Appends the tags of list (…/Tags/member) to tags[*n], refusing more than IAM_MAX_TAGS in
 * total and a key given twice. */
static pai_err read_tags(const struct xml_reply *r, const char *list, struct iam_tag *tags,
                         size_t *n)
{
	size_t count = xml_reply_count(r, list), i, j;

	if (count > IAM_MAX_TAGS || *n > IAM_MAX_TAGS - count)
		return PAI_ERR_REPLY;
	for (i = 0; i < count; i++) {
		struct iam_tag *t = &tags[*n];
		pai_err e;

		e = field_nth(r, list, i, "Key", t->key, sizeof(t->key), valid_tag_key);
		if (!e)
			e = field_nth(r, list, i, "Value", t->value, sizeof(t->value),
			              valid_tag_value);
		if (e)
			return e;
		for (j = 0; j < *n; j++)
			if (!strcasecmp(tags[j].key, t->key)) /* IAM: keys ignore case */
				return PAI_ERR_REPLY;
		(*n)++;
	}
	return PAI_OK;
}

/* A user's ARN is arn:PARTITION:iam::ACCOUNT:user + path + name. */
static bool user_arn_matches(const char *arn, const char *path, const char *name)
{
	char account[13], partition[16], want[2100];
	int n;

	if (iam_arn_account(arn, account) || iam_arn_partition(arn, partition))
		return false;
	n = snprintf(want, sizeof(want), "arn:%s:iam::%s:user%s%s", partition, account, path, name);
	return n > 0 && (size_t)n < sizeof(want) && !strcmp(arn, want);
}

static pai_err read_user(const struct xml_reply *r, const char *base, struct iam_user *u)
{
	char want_name[sizeof(u->name)], want_path[sizeof(u->path)];
	pai_err e;

	snprintf(want_name, sizeof(want_name), "%s", u->name);
	snprintf(want_path, sizeof(want_path), "%s", u->path);
	memset(u, 0, sizeof(*u));
	e = field(r, base, "UserName", u->name, sizeof(u->name), valid_user_name);
	if (!e)
		e = field(r, base, "UserId", u->user_id, sizeof(u->user_id), valid_unique_id);
	if (!e)
		e = field(r, base, "Arn", u->arn, sizeof(u->arn), valid_arn);
	if (!e)
		e = field(r, base, "Path", u->path, sizeof(u->path), valid_path);
	if (!e)
		e = field(r, base, "CreateDate", u->create_date, sizeof(u->create_date),
		          valid_iso8601);
	if (!e && (!want_name[0] || strcasecmp(u->name, want_name)))
		e = PAI_ERR_REPLY;
	if (!e && want_path[0] && strcmp(u->path, want_path))
		e = PAI_ERR_REPLY;
	if (!e && !user_arn_matches(u->arn, u->path, u->name))
		e = PAI_ERR_REPLY;
	if (!e) {
		char list[128];

		snprintf(list, sizeof(list), "%s/Tags/member", base);
		e = read_tags(r, list, u->tags, &u->n_tags);
	}
	if (e)
		memset(u, 0, sizeof(*u));
	return e;
}

pai_err iam_parse_get_user(const struct xml_reply *r, void *out)
{
	return read_user(r, "GetUserResult/User", out);
}

pai_err iam_parse_create_user(const struct xml_reply *r, void *out)
{
	return read_user(r, "CreateUserResult/User", out);
}

pai_err iam_parse_key_page(const struct xml_reply *r, void *out)
{
	static const char base[] = "ListAccessKeysResult";
	static const char list[] = "ListAccessKeysResult/AccessKeyMetadata/member";
	struct iam_key_page *pg = out;
	struct iam_key_list *kl = pg->list;
	size_t count = xml_reply_count(r, list), start = kl->n, i, j;
	char user[65];
	pai_err e = PAI_OK;

	if (count > IAM_MAX_KEYS || kl->n > IAM_MAX_KEYS - count)
		return PAI_ERR_REPLY;
	for (i = 0; i < count && !e; i++) {
		struct iam_key_meta *k = &kl->keys[kl->n];

		e = field_nth(r, list, i, "UserName", user, sizeof(user), valid_user_name);
		if (!e && strcasecmp(user, pg->user))
			e = PAI_ERR_REPLY;
		if (!e)
			e = field_nth(r, list, i, "AccessKeyId", k->id, sizeof(k->id),
			              valid_access_key_id);
		if (!e)
			e = field_nth(r, list, i, "Status", k->status, sizeof(k->status),
			              valid_key_status);
		if (!e)
			e = field_nth(r, list, i, "CreateDate", k->create_date,
			              sizeof(k->create_date), valid_iso8601);
		for (j = 0; !e && j < kl->n; j++)
			if (!strcmp(kl->keys[j].id, k->id))
				e = PAI_ERR_REPLY;
		if (!e)
			kl->n++;
	}
	if (!e)
		e = page_end(r, base, &pg->truncated, pg->marker, sizeof(pg->marker));
	if (e) {
		memset(&kl->keys[start], 0, sizeof(kl->keys) - start * sizeof(kl->keys[0]));
		kl->n = start;
	}
	return e;
}

pai_err iam_parse_tag_page(const struct xml_reply *r, void *out)
{
	struct iam_tag_page *pg = out;
	size_t start = *pg->n;
	pai_err e;

	e = read_tags(r, "ListUserTagsResult/Tags/member", pg->tags, pg->n);
	if (!e)
		e = page_end(r, "ListUserTagsResult", &pg->truncated, pg->marker,
		             sizeof(pg->marker));
	if (e) {
		memset(&pg->tags[start], 0, (IAM_MAX_TAGS - start) * sizeof(pg->tags[0]));
		*pg->n = start;
	}
	return e;
}

pai_err iam_parse_create_access_key(const struct xml_reply *r, void *out)
{
	static const char base[] = "CreateAccessKeyResult/AccessKey";
	struct iam_access_key *k = out;
	char want[sizeof(((struct iam_access_key *)0)->id)], user[65];
	pai_err e;

	snprintf(want, sizeof(want), "%s", k->id);
	iam_access_key_wipe(k);
	e = field(r, base, "UserName", user, sizeof(user), valid_user_name);
	if (!e && (!want[0] || strcasecmp(user, want)))
		e = PAI_ERR_REPLY;
	if (!e)
		e = field(r, base, "AccessKeyId", k->id, sizeof(k->id), valid_access_key_id);
	if (!e)
		e = field(r, base, "Status", k->status, sizeof(k->status), valid_key_status);
	if (!e)
		e = field(r, base, "SecretAccessKey", k->secret, sizeof(k->secret),
		          valid_secret_key);
	if (!e)
		e = field(r, base, "CreateDate", k->create_date, sizeof(k->create_date),
		          valid_iso8601);
	if (e)
		iam_access_key_wipe(k);
	return e;
}

pai_err iam_parse_key_last_used(const struct xml_reply *r, void *out)
{
	static const char base[] = "GetAccessKeyLastUsedResult/AccessKeyLastUsed";
	struct iam_key_last_used *u = out;
	char user[65];
	pai_err e;

	memset(u, 0, sizeof(*u));
	e = field_opt(r, "GetAccessKeyLastUsedResult", "UserName", user, sizeof(user),
	              valid_user_name);
	if (!e)
		e = field_opt(r, base, "LastUsedDate", u->last_used_date, sizeof(u->last_used_date),
		              valid_iso8601);
	if (!e)
		e = field(r, base, "ServiceName", u->service, sizeof(u->service),
		          valid_service_or_region);
	if (!e)
		e = field(r, base, "Region", u->region, sizeof(u->region), valid_service_or_region);
	if (e)
		memset(u, 0, sizeof(*u));
	return e;
}

pai_err iam_parse_account_aliases(const struct xml_reply *r, void *out)
{
	static const char list[] = "ListAccountAliasesResult/AccountAliases/member";
	char *alias = out;
	size_t count = xml_reply_count(r, list);
	pai_err e;

	alias[0] = '\0';
	if (count == 0) /* an empty list must still be a ListAccountAliases reply */
		return xml_reply_count(r, "ListAccountAliasesResult/AccountAliases") == 1
		           ? PAI_OK
		           : PAI_ERR_REPLY;
	if (count > 1) /* an account has at most one alias */
		return PAI_ERR_REPLY;
	e = xml_reply_get(r, list, alias, 64);
	if (!e && !valid_account_alias(alias))
		e = PAI_ERR_REPLY;
	if (e)
		alias[0] = '\0';
	return e ? reply_status(e) : PAI_OK;
}

pai_err sts_parse_caller_identity(const struct xml_reply *r, void *out)
{
	static const char base[] = "GetCallerIdentityResult";
	struct sts_identity *id = out;
	char account[13];
	pai_err e;

	memset(id, 0, sizeof(*id));
	e = field(r, base, "Account", id->account, sizeof(id->account), valid_account_id);
	if (!e)
		e = field(r, base, "Arn", id->arn, sizeof(id->arn), valid_arn);
	if (!e)
		e = field(r, base, "UserId", id->user_id, sizeof(id->user_id), valid_sts_user_id);
	if (!e && (iam_arn_account(id->arn, account) || strcmp(account, id->account)))
		e = PAI_ERR_REPLY;
	if (e)
		memset(id, 0, sizeof(*id));
	return e;
}

/* An STS session token: base64 (the alphabet IMDS uses too), 1-STS_SESSION_TOKEN_MAX bytes. */
static bool valid_session_token(const char *s)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || strchr("+/=_-", s[n])))
			return false;
	return n > 0 && n <= STS_SESSION_TOKEN_MAX;
}

/* Temporary credentials' key IDs start ASIA; a long-term AKIA key here is not a session. */
static bool valid_session_key_id(const char *s)
{
	return valid_access_key_id(s) && !strncmp(s, "ASIA", 4);
}

pai_err sts_parse_session_token(const struct xml_reply *r, void *out)
{
	static const char base[] = "GetSessionTokenResult/Credentials";
	struct sts_session *s = out;
	char token[STS_SESSION_TOKEN_MAX + 1];
	pai_err e;

	memset(s, 0, sizeof(*s));
	e = field(r, base, "AccessKeyId", s->access_key_id, sizeof(s->access_key_id),
	          valid_session_key_id);
	if (!e)
		e = field(r, base, "SecretAccessKey", s->secret_access_key,
		          sizeof(s->secret_access_key), valid_secret_key);
	if (!e)
		e = field(r, base, "Expiration", s->expiration, sizeof(s->expiration),
		          valid_iso8601);
	if (!e)
		e = clock_parse_utc(s->expiration, &s->expires) ? PAI_ERR_REPLY : PAI_OK;
	if (!e)
		e = field(r, base, "SessionToken", token, sizeof(token), valid_session_token);
	if (!e) {
		s->session_token = strdup(token);
		if (!s->session_token)
			e = PAI_ERR_NOMEM;
	}
	secret_wipe(token, sizeof(token));
	if (e)
		sts_session_wipe(s);
	return e;
}

/* ---- convergence ---- */

/* One page of names at list/rel into out, each passing ok; then IsTruncated and Marker. */
static pai_err read_listed(const struct xml_reply *r, const char *base, const char *list,
                           const char *rel, validator ok, bool ignore_case, struct iam_listed *out)
{
	size_t count = xml_reply_count(r, list), start = out->n, i, j;
	pai_err e = PAI_OK;

	if (count > IAM_MAX_LISTED || out->n > IAM_MAX_LISTED - count)
		return PAI_ERR_REPLY;
	for (i = 0; i < count && !e; i++) {
		char *item = out->item[out->n];

		e = field_nth(r, list, i, rel, item, sizeof(out->item[0]), ok);
		for (j = 0; !e && j < out->n; j++)
			if (ignore_case ? !strcasecmp(out->item[j], item)
			                : !strcmp(out->item[j], item))
				e = PAI_ERR_REPLY;
		if (!e)
			out->n++;
	}
	if (!e)
		e = page_end(r, base, &out->more, out->marker, sizeof(out->marker));
	if (e) {
		for (i = start; i < IAM_MAX_LISTED; i++)
			memset(out->item[i], 0, sizeof(out->item[i]));
		out->n = start;
		out->more = false;
		out->marker[0] = '\0';
	}
	return e;
}

pai_err iam_parse_groups_page(const struct xml_reply *r, void *out)
{
	return read_listed(r, "ListGroupsForUserResult", "ListGroupsForUserResult/Groups/member",
	                   "GroupName", valid_group_name, true, out);
}

pai_err iam_parse_policies_page(const struct xml_reply *r, void *out)
{
	return read_listed(r, "ListAttachedUserPoliciesResult",
	                   "ListAttachedUserPoliciesResult/AttachedPolicies/member", "PolicyArn",
	                   valid_policy_arn, false, out);
}

pai_err iam_parse_key_listing(const struct xml_reply *r, void *out)
{
	struct iam_key_listing *kl = out;
	struct iam_key_page pg;
	pai_err e;

	memset(&pg, 0, sizeof(pg));
	pg.user = kl->user;
	pg.list = &kl->list;
	e = iam_parse_key_page(r, &pg);
	kl->more = !e && pg.truncated;
	return e;
}
