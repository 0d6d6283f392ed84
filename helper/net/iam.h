/* SPDX-License-Identifier: MIT */
/* iam.h — typed IAM and STS operations. Each one validates its inputs against IAM's
 * documented patterns, goes through aws_call (awsclient.h), and validates every value it
 * returns. `res` behaves as in aws_call: NULL = run now; non-NULL = queue for
 * aws_client_flush (outputs are filled then). */
#ifndef PAI_IAM_H
#define PAI_IAM_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "awsclient.h"
#include "aws_bounds.h"

#define IAM_MAX_KEYS 16 /* IAM allows 2 per user; anything more in a reply is refused */

#define STS_SESSION_MIN       900 /* GetSessionToken DurationSeconds, in seconds */
#define STS_SESSION_MAX       129600
#define STS_SESSION_TOKEN_MAX 4096 /* bytes of a SessionToken this client accepts */

struct iam_user {
	char name[65];
	char user_id[129];
	char arn[2049];
	char path[513];
	char create_date[32]; /* ISO 8601 as AWS sent it */
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t n_tags;
};

struct iam_key_meta {
	char id[129];
	char status[16]; /* "Active" | "Inactive" */
	char create_date[32];
};

struct iam_key_list {
	struct iam_key_meta keys[IAM_MAX_KEYS];
	size_t n;
};

/* A newly created key; secret is wiped by iam_access_key_wipe. */
struct iam_access_key {
	char id[129];
	char secret[129];
	char status[16];
	char create_date[32];
};

struct iam_key_last_used {
	char last_used_date[32]; /* "" when never used */
	char service[64];
	char region[32];
};

struct sts_identity {
	char account[13];
	char arn[2049];
	char user_id[129];
};

/* Temporary credentials from GetSessionToken; secret and token wiped by sts_session_wipe.
 * expiration is ISO 8601 UTC as STS sent it, and as a time_t. They sign like any key: give
 * aws_client_new a struct aws_creds whose session_token is set and every request carries
 * X-Amz-Security-Token (signed). STS refuses IAM calls signed with them (no MFA). */
struct sts_session {
	char access_key_id[129]; /* ASIA..., [A-Za-z0-9]{16,128} */
	char secret_access_key[129];
	char *session_token; /* heap, up to STS_SESSION_TOKEN_MAX bytes */
	char expiration[32];
	time_t expires;
};

void iam_access_key_wipe(struct iam_access_key *k);
/* Wipes and frees what s holds; safe on a zeroed struct. */
void sts_session_wipe(struct sts_session *s);

/* GetUser with its tags; PAI_ERR_NOT_FOUND when the user does not exist. */
pai_err iam_get_user(struct aws_client *c, const char *name, struct iam_user *out,
                     struct aws_result *res);
/* CreateUser; path NULL = "/", boundary_arn NULL = none. */
pai_err iam_create_user(struct aws_client *c, const char *name, const char *path,
                        const char *boundary_arn, const struct iam_tag *tags, size_t n_tags,
                        struct iam_user *out, struct aws_result *res);
pai_err iam_tag_user(struct aws_client *c, const char *name, const struct iam_tag *tags,
                     size_t n_tags, struct aws_result *res);
pai_err iam_untag_user(struct aws_client *c, const char *name, const char *const *keys,
                       size_t n_keys, struct aws_result *res);
/* Every page; at most IAM_MAX_TAGS. Synchronous only: res must be NULL. */
pai_err iam_list_user_tags(struct aws_client *c, const char *name, struct iam_tag *tags,
                           size_t *n_tags, struct aws_result *res);
pai_err iam_add_user_to_group(struct aws_client *c, const char *user, const char *group,
                              struct aws_result *res);
pai_err iam_attach_user_policy(struct aws_client *c, const char *user, const char *policy_arn,
                               struct aws_result *res);
/* Every page (follows Marker while IsTruncated). Synchronous only: res must be NULL. */
pai_err iam_list_access_keys(struct aws_client *c, const char *user, struct iam_key_list *out,
                             struct aws_result *res);
pai_err iam_create_access_key(struct aws_client *c, const char *user, struct iam_access_key *out,
                              struct aws_result *res);
/* status: "Active" | "Inactive". */
pai_err iam_update_access_key(struct aws_client *c, const char *user, const char *key_id,
                              const char *status, struct aws_result *res);
pai_err iam_delete_access_key(struct aws_client *c, const char *user, const char *key_id,
                              struct aws_result *res);
pai_err iam_get_access_key_last_used(struct aws_client *c, const char *key_id,
                                     struct iam_key_last_used *out, struct aws_result *res);
/* The account alias, or "" when the account has none. */
pai_err iam_list_account_aliases(struct aws_client *c, char alias[64], struct aws_result *res);
pai_err iam_create_login_profile(struct aws_client *c, const char *user, const char *password,
                                 bool reset_required, struct aws_result *res);
/* The inline user policy --revoke puts on a user with [keys] deliver = process (the IAM
 * console's "Revoke active sessions" does the same): every action denied to credentials whose
 * aws:TokenIssueTime is before a moment. Long-term keys carry no issue time and are not
 * affected; STS GetCallerIdentity is never denied (AWS). Put again, it replaces itself. */
#define IAM_REVOKE_POLICY_NAME "pam-aws-iam-revoke-older-sessions"
/* PutUserPolicy of that policy with the moment before, run now (details of a failure:
 * aws_client_last_error). */
pai_err iam_deny_sessions_before(struct aws_client *c, const char *user, time_t before);
/* STS GetCallerIdentity with the client's credentials. */
pai_err sts_get_caller_identity(struct aws_client *c, struct sts_identity *out,
                                struct aws_result *res);
/* sts:GetSessionToken with the client's (long-term) credentials, for duration_s seconds
 * (STS_SESSION_MIN-STS_SESSION_MAX; PAI_ERR_INVALID otherwise). out is cleared first and its
 * token is new: sts_session_wipe it. Session credentials cannot ask for another session
 * (STS: AccessDenied -> PAI_ERR_DENIED). Retried as any call: a second session is harmless. */
pai_err sts_get_session_token(struct aws_client *c, unsigned duration_s, struct sts_session *out,
                              struct aws_result *res);

/* The 12-digit account ID of an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:...);
 * PAI_ERR_INVALID when the ARN is malformed or holds no account ID. */
pai_err iam_arn_account(const char *arn, char out[13]);
/* The partition of an ARN ("aws", "aws-cn", "aws-us-gov", ...); PAI_ERR_INVALID when
 * malformed. */
pai_err iam_arn_partition(const char *arn, char out[16]);

/* ---- convergence (iam_user.c): a user's groups and managed policies, and lists read
 * together with other calls ---- */

#define IAM_MAX_LISTED 32 /* groups (IAM: 10) or attached policies (IAM: 20) of one user */

/* Group names (ListGroupsForUser) or managed policy ARNs (ListAttachedUserPolicies). With
 * res == NULL every page is read. With res != NULL only the first page is queued: after
 * aws_client_flush, more tells that others follow (then call again with res == NULL). */
struct iam_listed {
	char item[IAM_MAX_LISTED][2049];
	size_t n;
	bool more;
	char marker[1025]; /* the next page's, while reading */
};
pai_err iam_list_groups_for_user(struct aws_client *c, const char *user, struct iam_listed *out,
                                 struct aws_result *res);
pai_err iam_list_attached_user_policies(struct aws_client *c, const char *user,
                                        struct iam_listed *out, struct aws_result *res);
pai_err iam_remove_user_from_group(struct aws_client *c, const char *user, const char *group,
                                   struct aws_result *res);
pai_err iam_detach_user_policy(struct aws_client *c, const char *user, const char *policy_arn,
                               struct aws_result *res);

/* ListAccessKeys's first page, queued (res != NULL) to run with other calls; after the
 * flush, more tells that others follow (then read the whole list with
 * iam_list_access_keys). */
struct iam_key_listing {
	struct iam_key_list list;
	bool more;
	char user[65];
	char marker[1025];
};
pai_err iam_queue_list_access_keys(struct aws_client *c, const char *user,
                                   struct iam_key_listing *out, struct aws_result *res);

#endif
