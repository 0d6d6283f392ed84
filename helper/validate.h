/* SPDX-License-Identifier: MIT */
/* validate.h — IAM's documented value patterns. Every value from a reply, the config or a
 * login name passes one of these before use. All take NUL-terminated strings. */
#ifndef PAI_VALIDATE_H
#define PAI_VALIDATE_H

#include <stdbool.h>

bool valid_user_name(const char *s);     /* [\w+=,.@-]{1,64} */
bool valid_group_name(const char *s);    /* [\w+=,.@-]{1,128} */
bool valid_path(const char *s);          /* "/" or "/.../" of printable ASCII 0x21-0x7E, <=512 */
bool valid_access_key_id(const char *s); /* [A-Za-z0-9]{16,128} */
bool valid_secret_key(const char *s);    /* printable ASCII without space, 1-128 */
bool valid_arn(const char *s);           /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, <=2048 */
bool valid_policy_arn(const char *s);    /* arn:aws*:iam::(ACCOUNT|aws):policy/... */
bool valid_account_id(const char *s);    /* 12 digits */
bool valid_account_alias(const char *s); /* ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$ */
bool valid_tag_key(const char *s);       /* 1-128 of [\p{L}\p{Z}\p{N}_.:/=+\-@], ASCII subset */
bool valid_tag_value(const char *s);     /* 0-256 of the same set */
bool valid_unique_id(const char *s);     /* [\w]+, 16-128 */
bool valid_iso8601(const char *s);       /* YYYY-MM-DDTHH:MM:SS[.fff]Z */
bool valid_key_status(const char *s);    /* Active | Inactive | Expired (IAM statusType) */

#endif
