/* SPDX-License-Identifier: MIT */
/* secretsmanager.h — typed AWS Secrets Manager operations (the JSON 1.1 protocol: POST /,
 * X-Amz-Target: secretsmanager.<Action>, regional, SigV4 service "secretsmanager"), through
 * the one client (awsclient.h): same retry loop, deadline and connection reuse as IAM. Each
 * operation validates its inputs against the service's documented bounds and every value of
 * its reply; secret values are wiped (sm_value_wipe). `res` as in aws_call: NULL = now,
 * non-NULL = queued for aws_client_flush. Error codes map to: ResourceNotFoundException ->
 * PAI_ERR_NOT_FOUND, ResourceExistsException -> PAI_ERR_EXISTS, LimitExceededException ->
 * PAI_ERR_LIMIT, access and signature errors -> PAI_ERR_DENIED, ThrottlingException and
 * InternalServiceError retried as standard mode retries them, anything else PAI_ERR_AWS with
 * the code in struct aws_error (InvalidRequestException: e.g. a secret marked for deletion).
 *
 * Every call is checked before anything is sent (PAI_ERR_INVALID): names and SecretIds
 * (an ARN must be of the client's partition and region), tokens (32-64 of [A-Za-z0-9-]),
 * values (valid UTF-8, no NUL, at most SM_VALUE_MAX bytes). Every reply must be about the
 * secret asked for (Name, ARN in the client's partition and region) and the version asked
 * for or written; anything else is PAI_ERR_REPLY with the output cleared (sm_reply.h).
 * A value's request body is wiped with the call; `out` is cleared when a call starts.
 * Policy: secretsmanager:DescribeSecret, GetSecretValue, CreateSecret, PutSecretValue on the
 * secrets used (and kms:Decrypt / kms:GenerateDataKey on a customer managed KmsKeyId). */
#ifndef PAI_SECRETSMANAGER_H
#define PAI_SECRETSMANAGER_H

#include <stdbool.h>
#include <stddef.h>
#include "awsclient.h"

#define SM_NAME_MAX     513 /* 1-512 of [A-Za-z0-9/_+=.@-], NUL included */
#define SM_ARN_MAX      2049
#define SM_TOKEN_MAX    65    /* ClientRequestToken = VersionId: 32-64 characters */
#define SM_VALUE_MAX    65536 /* SecretString, bytes */
#define SM_MAX_VERSIONS 64    /* versions with staging labels kept from DescribeSecret */
#define SM_KMS_MAX      2049

/* DescribeSecret: the versions that carry staging labels, never a secret value. */
struct sm_secret_info {
	char arn[SM_ARN_MAX];
	char name[SM_NAME_MAX];
	char kms_key_id[SM_KMS_MAX]; /* "" = the account's aws/secretsmanager key */
	char current[SM_TOKEN_MAX];  /* VersionId holding AWSCURRENT; "" when none */
	char previous[SM_TOKEN_MAX]; /* VersionId holding AWSPREVIOUS; "" when none */
	bool scheduled_for_deletion; /* DeletedDate present */
	size_t n_versions;           /* versions with at least one staging label */
};

/* GetSecretValue: the string (heap, NUL-terminated, at most SM_VALUE_MAX bytes; wiped and
 * freed by sm_value_wipe) and the version it came from. A binary secret is refused
 * (PAI_ERR_REPLY): this tool never writes one. */
struct sm_value {
	char version_id[SM_TOKEN_MAX];
	char *string;
	size_t len;
};

/* CreateSecret / PutSecretValue: the version that was made (or found, when the same token
 * and value were sent before: the call is idempotent). */
struct sm_written {
	char arn[SM_ARN_MAX];
	char version_id[SM_TOKEN_MAX];
};

void sm_value_wipe(struct sm_value *v);

/* DescribeSecret SecretId (name, full or partial ARN). A secret marked for deletion is
 * described (scheduled_for_deletion), where every other call is InvalidRequestException. */
pai_err sm_describe_secret(struct aws_client *c, const char *secret_id, struct sm_secret_info *out,
                           struct aws_result *res);
/* GetSecretValue of version_id, or of AWSCURRENT when version_id is NULL (the reply must then
 * say the version holds AWSCURRENT). out->string is new: sm_value_wipe it. */
pai_err sm_get_secret_value(struct aws_client *c, const char *secret_id, const char *version_id,
                            struct sm_value *out, struct aws_result *res);
/* CreateSecret name with ClientRequestToken token (32-64 characters); kms_key_id NULL = the
 * account's default key; value NULL = a secret with no version yet; description may be
 * NULL. Sent once: a retry after the request left would not be told from a rival. The
 * service's token idempotency covers the version only: a secret created with no value, or
 * one whose description or key differ, answers a retry ResourceExistsException, the same
 * answer a rival's secret gets. So once the request may have reached AWS only throttling
 * (AWS did nothing) is retried; a lost reply is reported (PAI_ERR_NETWORK, _TIMEOUT or a 5xx
 * PAI_ERR_AWS) and the caller learns what happened by reading the secret, as it must after
 * losing to a rival anyway. */
pai_err sm_create_secret(struct aws_client *c, const char *name, const char *token,
                         const char *kms_key_id, const char *description, const char *value,
                         struct sm_written *out, struct aws_result *res);
/* PutSecretValue: a new version with token (which AWS makes its VersionId) and value, moved
 * to AWSCURRENT. The same token with another value is PAI_ERR_EXISTS: with a token derived
 * from the version being replaced (sm_cas_token) that makes it a compare-and-swap. Retried
 * as any call (throttling, 5xx, connection errors), with the same body: if an earlier
 * attempt wrote the version, the retry finds token and value equal and succeeds without
 * writing again; if a rival wrote it, the values differ and the retry gets PAI_ERR_EXISTS.
 * Either answer is the truth, so a retry can neither write twice nor win a lost race.
 * Success means the version exists with this value; a rival may already have replaced it
 * as AWSCURRENT (read the secret before trusting that it is still current). */
pai_err sm_put_secret_value(struct aws_client *c, const char *secret_id, const char *token,
                            const char *value, struct sm_written *out, struct aws_result *res);
/* A deterministic ClientRequestToken: the UUID version 5 (RFC 9562, SHA-1) of name (1-4096
 * bytes) in the namespace below, lowercase 8-4-4-4-12, e.g. name = "<UserId>/<VersionId
 * being replaced>"; the same as Python's uuid.uuid5(UUID(SM_TOKEN_NAMESPACE), name).
 * PAI_ERR_INVALID for a bad name, PAI_ERR_CRYPTO when OpenSSL fails. */
#define SM_TOKEN_NAMESPACE "c0e1d3c2-b0f1-4dfd-bc06-84210930bc9a"
pai_err sm_cas_token(const char *name, char out[SM_TOKEN_MAX]);
/* True for a secret name Secrets Manager accepts: 1-512 of [A-Za-z0-9/_+=.@-]. */
bool sm_valid_name(const char *name);

#endif
