/* SPDX-License-Identifier: MIT */
/* sm_reply.h — the reply readers behind secretsmanager.h, one per Secrets Manager reply
 * shape, and the service's value patterns. Each reader is an aws_json_parser: it checks the
 * reply against what was asked (struct sm_expect: the secret, the version or token, the
 * client's partition and region) and every value it hands back against the service's
 * documented bounds; anything missing, of the wrong JSON type, out of bounds, or about
 * another secret or version is PAI_ERR_REPLY, and the output is then cleared (a secret
 * value wiped). Members a reader does not use are ignored, whatever they hold. Exposed for
 * unit tests and fuzzing; production code calls secretsmanager.h. */
#ifndef PAI_SM_REPLY_H
#define PAI_SM_REPLY_H

#include <stdbool.h>
#include <stddef.h>
#include "awsjson.h"
#include "secretsmanager.h"

#define SM_STAGE_MAX       257 /* a staging label: 1-256 characters, NUL included */
#define SM_MAX_STAGES      20  /* labels on one version (SecretVersionStagesType) */
#define SM_PARTITION_MAX   16
#define SM_REGION_MAX      32
#define SM_DESCRIPTION_MAX 2048 /* bytes */
#define SM_SECRET_ID_MAX   2048 /* a name or an ARN */
#define SM_CURRENT         "AWSCURRENT"
#define SM_PREVIOUS        "AWSPREVIOUS"

/* What a reply must be about; filled by the operation, copied into the call. */
struct sm_expect {
	char secret_id[SM_ARN_MAX];    /* the name, full ARN or partial ARN asked for */
	char version_id[SM_TOKEN_MAX]; /* the VersionId asked for or the token sent; "" = none */
	char partition[SM_PARTITION_MAX];
	char region[SM_REGION_MAX];
	bool value_sent; /* CreateSecret with a value: the reply must name the new version */
};

/* DescribeSecret into a struct sm_secret_info: VersionIdsToStages at most SM_MAX_VERSIONS
 * versions, each with 1-20 distinct labels, no label on two versions, and AWSCURRENT on one
 * of them whenever any version has a label (the service keeps AWSCURRENT on the secret's
 * current version once it has one). */
pai_err sm_parse_describe(const struct json_reply *r, const void *expect, void *out);
/* GetSecretValue into a struct sm_value: VersionId the one asked for (or, asked for
 * AWSCURRENT, a version whose VersionStages hold AWSCURRENT); SecretString at most
 * SM_VALUE_MAX bytes; a SecretBinary refused. */
pai_err sm_parse_get_value(const struct json_reply *r, const void *expect, void *out);
/* CreateSecret into a struct sm_written: VersionId the token sent when a value was sent,
 * else absent. */
pai_err sm_parse_create(const struct json_reply *r, const void *expect, void *out);
/* PutSecretValue into a struct sm_written: VersionId the token sent. */
pai_err sm_parse_put(const struct json_reply *r, const void *expect, void *out);

/* Patterns (NULL is never valid). */
/* ClientRequestToken / VersionId: 32-64 of [A-Za-z0-9-] (the UUIDs SDKs and sm_cas_token
 * make; the service sets no pattern, this client is stricter). */
bool sm_valid_token(const char *s);
/* A staging label: 1-256 printable ASCII characters, no space. */
bool sm_valid_stage(const char *s);
/* KmsKeyId: 1-2048 printable ASCII characters, no space (key ID, alias or ARN). */
bool sm_valid_kms_key_id(const char *s);
/* SecretId: a secret name, or an ARN arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME
 * (NAME with or without the "-XXXXXX" the service appends), at most 2048 characters. */
bool sm_valid_secret_id(const char *s);
/* A SecretString or Description: valid UTF-8 without NUL, at most max bytes. */
bool sm_valid_text(const char *s, size_t len, size_t max);
/* The partition and region an ARN SecretId names ("" both for a name); PAI_ERR_INVALID when
 * secret_id is not valid. */
pai_err sm_secret_id_scope(const char *secret_id, char partition[SM_PARTITION_MAX],
                           char region[SM_REGION_MAX]);
/* Splits a secret's full ARN, arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-XXXXXX
 * (six letters or digits), into its partition, region and NAME; PAI_ERR_INVALID otherwise. */
pai_err sm_arn_split(const char *arn, char partition[SM_PARTITION_MAX], char region[SM_REGION_MAX],
                     char name[SM_NAME_MAX]);

#ifdef PAI_UNITTESTS
/* secretsmanager.c, behind sm_cas_token: the UUID version 5 of name (len bytes) in the
 * namespace ns_uuid (8-4-4-4-12 text), lowercase 8-4-4-4-12. */
pai_err sm_uuid5(const char *ns_uuid, const char *name, size_t len, char out[SM_TOKEN_MAX]);
#endif

#endif
