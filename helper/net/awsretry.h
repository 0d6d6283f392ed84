/* SPDX-License-Identifier: MIT */
/* awsretry.h — AWS SDKs' "standard" retry mode: which failures are retried, how long to wait,
 * and which pai_err an AWS error code becomes. */
#ifndef PAI_AWSRETRY_H
#define PAI_AWSRETRY_H

#include <stdbool.h>
#include <stdint.h>
#include "err.h"

#define AWS_MAX_BACKOFF_MS 20000L

/* True when standard mode retries an error: a throttling or transient code (Secrets
 * Manager's ThrottlingException and InternalServiceError among them), or HTTP 429, 500, 502,
 * 503, 504. Never for LimitExceeded / LimitExceededException (quotas), whatever the status. */
bool aws_retryable(const char *code, long http_status);
/* True for throttling codes only: AWS refused the call without acting on it. */
bool aws_throttled(const char *code, long http_status);
/* NoSuchEntity, ResourceNotFoundException -> NOT_FOUND; EntityAlreadyExists,
 * ResourceExistsException -> EXISTS; LimitExceeded, LimitExceededException -> LIMIT;
 * authentication/authorisation codes of both protocols -> DENIED; anything else -> AWS. */
pai_err aws_error_status(const char *code);
/* Delay before the attempt after attempt number `attempt` (1-based): r/2^32 times
 * min(2^(attempt-1) s, 20 s), in ms. */
long aws_backoff_ms(int attempt, uint32_t r);
/* 32 random bits from the kernel (getrandom); a fixed midpoint if that ever fails. */
uint32_t aws_random32(void);

#endif
