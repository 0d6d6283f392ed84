/* SPDX-License-Identifier: MIT */
/* sigv4.h — AWS Signature Version 4 (AWS4-HMAC-SHA256) for header-signed requests to
 * non-S3 services (IAM, STS). Pure computation: no I/O, no clock, no globals.
 *
 * Every header the caller passes is signed, so pass exactly the headers that will be sent
 * (host and x-amz-date at least; x-amz-security-token when the credentials carry a session
 * token). Values are signed as AWS canonicalises them: trimmed, internal runs of blanks
 * collapsed to one space, duplicate names joined with ',' in the order given. Leave out
 * headers a proxy or libcurl may add or rewrite (User-Agent, Expect, Transfer-Encoding).
 * sigv4_authorization refuses a request without exactly one host and one x-amz-date equal
 * to amz_date, since AWS would refuse it. */
#ifndef PAI_SIGV4_H
#define PAI_SIGV4_H

#include <stddef.h>
#include <time.h>
#include "err.h"
#include "buf.h"
#include "awscreds.h"

/* Bounds on every input; anything larger is PAI_ERR_TOOBIG. */
#define SIGV4_MAX_HEADERS      64
#define SIGV4_MAX_HEADER_NAME  128
#define SIGV4_MAX_HEADER_VALUE 16384 /* session tokens run to a few KiB */
#define SIGV4_MAX_PATH         4096
#define SIGV4_MAX_QUERY        65536
#define SIGV4_MAX_SCOPE_PART   63 /* region, service */
#define SIGV4_DATE_LEN         16 /* YYYYMMDDTHHMMSSZ */

struct sigv4_header {
	const char *name;  /* token characters only; any case */
	const char *value; /* printable text and tabs; no CR, LF or other controls */
};

struct sigv4_request {
	const char *method;                 /* "GET", "POST", ... */
	const char *path;                   /* as sent on the wire, no query; "" means "/" */
	const char *query;                  /* raw text after '?', "" when none */
	const struct sigv4_header *headers; /* as they will be sent */
	size_t n_headers;
	const void *body; /* may be NULL when body_len is 0 */
	size_t body_len;
};

/* Formats t (UTC) as YYYYMMDDTHHMMSSZ into out; PAI_ERR_INVALID if out of range. */
pai_err sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1]);

/* Checks that s is a real UTC date-time in YYYYMMDDTHHMMSSZ form. */
pai_err sigv4_check_date(const char *s);

/* Appends the canonical request to out and, when signed_headers is not NULL, the
 * SignedHeaders list ("host;x-amz-date") to signed_headers. */
pai_err sigv4_canonical_request(const struct sigv4_request *req, struct buf *out,
                                struct buf *signed_headers);

/* Appends the string to sign for a canonical request to out. */
pai_err sigv4_string_to_sign(const char *canonical_request, size_t len, const char *amz_date,
                             const char *region, const char *service, struct buf *out);

/* Appends "AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
 * SignedHeaders=..., Signature=<64 hex>" to out. Derived keys are wiped before returning. */
pai_err sigv4_authorization(const struct sigv4_request *req, const struct aws_creds *creds,
                            const char *amz_date, const char *region, const char *service,
                            struct buf *out);

/* Lowercase hex SHA-256 of len bytes into out (65 bytes with the NUL). */
pai_err sigv4_sha256_hex(const void *p, size_t len, char out[65]);

#endif
