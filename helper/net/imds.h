/* SPDX-License-Identifier: MIT */
/* imds.h — the instance role's credentials from the EC2 instance metadata service, IMDSv2
 * only (a session token first, then the role, then its credentials), with json-c. */
#ifndef PAI_IMDS_H
#define PAI_IMDS_H

#include <stddef.h>
#include "awscreds.h"
#include "err.h"

#define IMDS_DEFAULT_URL     "http://169.254.169.254"
#define IMDS_TOKEN_TTL_S     "60"   /* the token outlives no run */
#define IMDS_MAX_REPLY       16384u /* credentials JSON is ~1.5 KiB with a session token */
#define IMDS_MAX_TOKEN       1024u  /* session token of IMDS itself */
#define IMDS_MAX_STS_TOKEN   8192u  /* session token of the role's credentials */
#define IMDS_DEFAULT_TIMEOUT 2000   /* ms, for all three requests together */

/* Parses the JSON of /latest/meta-data/iam/security-credentials/ROLE into c (heap strings;
 * aws_creds_wipe). PAI_ERR_TOOBIG over IMDS_MAX_REPLY; PAI_ERR_REPLY unless it is one object
 * whose Code is "Success" and whose AccessKeyId, SecretAccessKey, Token and Expiration are
 * strings passing their patterns. json-c's copies of the values are wiped. */
pai_err imds_parse_credentials(const char *json, size_t len, struct aws_creds *c);

/* The role name from the security-credentials/ listing: exactly one line holding an IAM
 * role name. PAI_ERR_REPLY otherwise. */
pai_err imds_parse_role(const char *body, size_t len, char out[65]);

/* Fetches the instance role's credentials from base_url (NULL = IMDS_DEFAULT_URL; http to
 * the IMDS addresses or loopback only) within timeout_ms (0 = IMDS_DEFAULT_TIMEOUT) for all
 * requests. PAI_ERR_NOT_FOUND when the instance has no role; a one-line reason, never a
 * secret, in err. */
pai_err imds_get_credentials(const char *base_url, long timeout_ms, struct aws_creds *c, char *err,
                             size_t errlen);

#endif
