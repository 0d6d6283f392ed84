/* SPDX-License-Identifier: MIT */
/* iam_reply.h — the reply parsers behind iam.h, one per IAM/STS reply shape. Each is an
 * aws_reply_parser: it checks every value it hands back against its documented pattern and
 * returns PAI_ERR_REPLY for anything missing, duplicated, malformed or about another user
 * than the one asked for (the output is then cleared). Exposed for unit tests and fuzzing;
 * production code calls the operations in iam.h. */
#ifndef PAI_IAM_REPLY_H
#define PAI_IAM_REPLY_H

#include <stdbool.h>
#include "iam.h"
#include "xmlreply.h"

/* One page of ListAccessKeys: keys are appended to list (bounded by IAM_MAX_KEYS). */
struct iam_key_page {
	const char *user; /* the user asked for; every member must name it */
	struct iam_key_list *list;
	bool truncated;
	char marker[1025];
};

/* One page of ListUserTags: tags are appended to tags[*n] (bounded by IAM_MAX_TAGS). */
struct iam_tag_page {
	struct iam_tag *tags;
	size_t *n;
	bool truncated;
	char marker[1025];
};

/* GetUser / CreateUser into a struct iam_user. On entry out->name holds the name asked for
 * (matched case-insensitively) and out->path "" or the path the reply must carry. */
pai_err iam_parse_get_user(const struct xml_reply *r, void *out);
pai_err iam_parse_create_user(const struct xml_reply *r, void *out);
/* ListAccessKeys / ListUserTags pages (struct iam_key_page / struct iam_tag_page). */
pai_err iam_parse_key_page(const struct xml_reply *r, void *out);
pai_err iam_parse_tag_page(const struct xml_reply *r, void *out);
/* CreateAccessKey into a struct iam_access_key; on entry out->id holds the user name the
 * key must belong to. */
pai_err iam_parse_create_access_key(const struct xml_reply *r, void *out);
/* GetAccessKeyLastUsed into a struct iam_key_last_used. */
pai_err iam_parse_key_last_used(const struct xml_reply *r, void *out);
/* ListAccountAliases into a char[64]: the alias, or "" when none. */
pai_err iam_parse_account_aliases(const struct xml_reply *r, void *out);
/* STS GetCallerIdentity into a struct sts_identity. */
pai_err sts_parse_caller_identity(const struct xml_reply *r, void *out);
/* STS GetSessionToken into a struct sts_session (zeroed on entry): an ASIA access key ID, a
 * secret key, a base64 session token of at most STS_SESSION_TOKEN_MAX bytes and an ISO 8601
 * Expiration. */
pai_err sts_parse_session_token(const struct xml_reply *r, void *out);

/* ---- convergence ---- */
/* One page of ListGroupsForUser / ListAttachedUserPolicies into a struct iam_listed (appended,
 * bounded by IAM_MAX_LISTED; a name listed twice is refused; more and marker set). */
pai_err iam_parse_groups_page(const struct xml_reply *r, void *out);
pai_err iam_parse_policies_page(const struct xml_reply *r, void *out);
/* ListAccessKeys's first page into a struct iam_key_listing (its user on entry). */
pai_err iam_parse_key_listing(const struct xml_reply *r, void *out);

#endif
