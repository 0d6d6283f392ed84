/* SPDX-License-Identifier: MIT */
/* awsretry.c — standard-mode retry policy and AWS error code mapping. Code lists follow
 * botocore's retries/standard.py. */
#include "awsretry.h"

#include <string.h>
#include <sys/random.h>

static bool in_list(const char *code, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(code, *list) == 0)
			return true;
	return false;
}

/* botocore's standard-mode throttling codes, minus LimitExceededException: IAM's
 * LimitExceeded and Secrets Manager's LimitExceededException are quotas (keys per user,
 * versions per secret), which no wait lifts. */
static const char *const throttle_codes[] = {
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "EC2ThrottledException",
    NULL,
};
static const char *const transient_codes[] = {
    "RequestTimeout",
    "RequestTimeoutException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "InternalServiceError", /* Secrets Manager's 500 */
    NULL,
};
/* Quotas: never retried, whatever status carries them. */
static const char *const quota_codes[] = {
    "LimitExceeded",
    "LimitExceededException",
    NULL,
};
static const char *const denied_codes[] = {
    "AccessDenied",
    "AccessDeniedException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "ExpiredToken",
    "ExpiredTokenException",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "AuthFailure",
    "UnauthorizedOperation",
    "RequestExpired",
    "OptInRequired",
    /* the JSON services' framework codes (Secrets Manager) */
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    NULL,
};

bool aws_retryable(const char *code, long http_status)
{
	if (in_list(code, quota_codes))
		return false;
	if (in_list(code, throttle_codes) || in_list(code, transient_codes))
		return true;
	return http_status == 429 || http_status == 500 || http_status == 502 ||
	       http_status == 503 || http_status == 504;
}

bool aws_throttled(const char *code, long http_status)
{
	return in_list(code, throttle_codes) || (http_status == 429 && !code[0]);
}

pai_err aws_error_status(const char *code)
{
	if (strcmp(code, "NoSuchEntity") == 0 || strcmp(code, "ResourceNotFoundException") == 0)
		return PAI_ERR_NOT_FOUND;
	if (strcmp(code, "EntityAlreadyExists") == 0 ||
	    strcmp(code, "ResourceExistsException") == 0)
		return PAI_ERR_EXISTS;
	if (in_list(code, quota_codes))
		return PAI_ERR_LIMIT;
	if (in_list(code, denied_codes))
		return PAI_ERR_DENIED;
	return PAI_ERR_AWS;
}

long aws_backoff_ms(int attempt, uint32_t r)
{
	long cap_ms = 1000L << (attempt <= 1 ? 0 : attempt - 1 < 5 ? attempt - 1 : 5);

	if (cap_ms > AWS_MAX_BACKOFF_MS)
		cap_ms = AWS_MAX_BACKOFF_MS;
	return (long)((double)r / 4294967296.0 * (double)cap_ms);
}

uint32_t aws_random32(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
		return UINT32_C(1) << 31;
	return r;
}
