/* SPDX-License-Identifier: MIT */
/* awsclient.h — the one way to call AWS: one retry loop, one curl handle (or multi handle for
 * concurrent calls) per run, one deadline shared by every call of the run, for both wire
 * protocols AWS speaks to this tool: the Query API (IAM, STS: form-encoded request, XML
 * reply) and JSON 1.1 (Secrets Manager: JSON request and reply, X-Amz-Target). A call
 * differs by protocol only in how its body is built and its reply read; signing, sending,
 * retrying and queueing are the same code.
 *
 * Typed operations (iam.h, secretsmanager.h) are thin: they fill a struct aws_query or a
 * struct aws_json_request, pick a reply parser, and call aws_call() or aws_json_call(). */
#ifndef PAI_AWSCLIENT_H
#define PAI_AWSCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "awscreds.h"

struct aws_client;
struct xml_reply;   /* xmlreply.h */
struct json_reply;  /* awsjson.h */
struct json_object; /* json-c */

/* IAM and STS speak the Query protocol, Secrets Manager JSON 1.1 (endpoints.h). */
enum aws_service { AWS_IAM, AWS_STS, AWS_SECRETS };
#define AWS_N_SERVICES 3

struct aws_client_opts {
	const char *partition;    /* "aws" | "aws-cn" | "aws-us-gov"; NULL = "aws" */
	const char *iam_endpoint; /* URL override (tests); NULL = the partition's */
	const char *sts_endpoint; /* URL override (tests); NULL = the partition's */
	/* Region of the regional services (Secrets Manager): their signing region and default
	 * endpoint https://secretsmanager.REGION.amazonaws.com/ (.com.cn in aws-cn). Must belong
	 * to the partition (PAI_ERR_INVALID otherwise); NULL = the partition's IAM region. */
	const char *region;
	const char *secretsmanager_endpoint; /* URL override (tests); still signed for region */
	long connect_timeout_ms;             /* 0 = 2000 */
	long deadline_ms;                    /* whole run, counted from aws_client_new; 0 = 8000 */
	int max_attempts;                    /* per call, AWS standard mode; 0 = 3 */
	size_t max_reply_bytes;              /* 0 = 1 MiB */
};

/* AWS error details of the last failed call (or of one queued call). */
struct aws_error {
	long http_status;  /* 0 when no HTTP reply arrived */
	char code[64];     /* e.g. "NoSuchEntity"; "" when none */
	char message[256]; /* sanitised: printable ASCII only */
	char request_id[64];
	int attempts; /* attempts made for this call */
};

/* Creates a client; creds are copied (and wiped at free). URLs are checked: https, or http
 * to a loopback address only (PAI_ERR_INVALID otherwise). */
pai_err aws_client_new(struct aws_client **out, const struct aws_client_opts *o,
                       const struct aws_creds *creds);
void aws_client_free(struct aws_client *c);

/* Details of the most recent failed synchronous call; zeroed on success. JSON replies carry
 * their request id in a header the transport does not keep: request_id stays "" there. */
const struct aws_error *aws_client_last_error(const struct aws_client *c);
/* Total HTTP attempts made by this client (retries included). */
unsigned aws_client_attempts(const struct aws_client *c);
/* Milliseconds left before the run's deadline (0 when passed). */
long aws_client_remaining_ms(const struct aws_client *c);
/* Connections the client has opened so far (keep-alive makes this 1 for a sequential run). */
long aws_client_connects(const struct aws_client *c);
/* Signing region of a service for this client (e.g. "us-east-1"): the partition's for IAM
 * and STS, the client's region for Secrets Manager. */
const char *aws_client_region(const struct aws_client *c, enum aws_service s);
/* The client's partition ("aws", "aws-cn", "aws-us-gov"). */
const char *aws_client_partition(const struct aws_client *c);

/* A request's parameters, in order; Action and Version are added by aws_call. */
#define AWS_QUERY_MAX_PARAMS 128
struct aws_query {
	const char *action;
	/* A call that must not run twice (CreateAccessKey makes a new key each time): once the
	 * request may have reached AWS, only a throttling reply is retried. */
	bool once;
	size_t n;
	struct {
		const char *name;
		const char *value; /* may hold secrets (CreateLoginProfile): the body is wiped */
	} p[AWS_QUERY_MAX_PARAMS];
};
/* Appends a parameter; PAI_ERR_TOOBIG when full. Strings are not copied. */
pai_err aws_query_add(struct aws_query *q, const char *name, const char *value);

/* Parses a successful reply into out; returns PAI_ERR_REPLY for anything it cannot trust. */
typedef pai_err (*aws_reply_parser)(const struct xml_reply *r, void *out);

/* A JSON 1.1 request. The body is serialised when the call is made (queued or not), so
 * nothing here needs to outlive aws_json_call. */
#define AWS_JSON_MAX_EXPECT 4096
struct aws_json_request {
	const char
	    *action; /* sent as X-Amz-Target: SERVICE.ACTION ("secretsmanager.PutSecretValue") */
	bool once;   /* as in struct aws_query */
	struct json_object *body; /* the request object, built with json-c; not consumed */
	/* A member holding a secret value: added to body only while it is serialised, so that
	 * no copy of it outlives the call (awsjson.h: aws_json_body); NULL = none. */
	const char *secret_member;
	const char *secret;
	size_t secret_len;
	/* What the reply must say (the name asked for, the token sent...): copied into the call
	 * and handed to the parser, so a queued call needs no caller memory for it but out. */
	const void *expect;
	size_t expect_len; /* at most AWS_JSON_MAX_EXPECT */
};

/* Reads a successful JSON reply into out, checking it against expect (as given in struct
 * aws_json_request); returns PAI_ERR_REPLY for anything it cannot trust. */
typedef pai_err (*aws_json_parser)(const struct json_reply *r, const void *expect, void *out);

/* The outcome of a queued call, filled by aws_client_flush. */
struct aws_result {
	pai_err status;
	struct aws_error error;
};

/* A call that returns an error without being queued was never sent: its result (when there
 * is one) says so, status e and no AWS error code, so that a caller reading results after
 * the flush never reads one that was not set. Returns e. Every function taking a result
 * slot (awsclient, iam, secretsmanager) ends its early returns through this. */
pai_err aws_result_unsent(struct aws_result *res, pai_err e);

/* Runs one call: sign, send, read, retry (standard mode: throttling codes, 5xx and
 * connection errors only; never LimitExceeded; never past the deadline), then hands the
 * parsed reply to parse (may be NULL).
 * With res == NULL it runs now and returns its status (details: aws_client_last_error).
 * With res != NULL it is queued and returns PAI_OK; queued calls run concurrently at the
 * next aws_client_flush, which fills each *res; q's strings and out must live until then.
 * AWS error codes map to: NoSuchEntity -> PAI_ERR_NOT_FOUND, EntityAlreadyExists ->
 * PAI_ERR_EXISTS, LimitExceeded -> PAI_ERR_LIMIT, AccessDenied/InvalidClientTokenId/
 * SignatureDoesNotMatch/... -> PAI_ERR_DENIED, anything else -> PAI_ERR_AWS. */
pai_err aws_call(struct aws_client *c, enum aws_service s, const struct aws_query *q,
                 aws_reply_parser parse, void *out, struct aws_result *res);
/* aws_call for a JSON 1.1 service (s = AWS_SECRETS): POST / with Content-Type
 * application/x-amz-json-1.1 and X-Amz-Target, both signed; the same retry loop, deadline,
 * queue and connection reuse. An error is a reply with "__type" (whatever its status) or a
 * non-2xx status; its code maps as above, plus ResourceNotFoundException -> NOT_FOUND,
 * ResourceExistsException -> EXISTS, LimitExceededException -> LIMIT, and the JSON services'
 * authentication codes (UnrecognizedClientException, InvalidSignatureException, ...) ->
 * DENIED. */
pai_err aws_json_call(struct aws_client *c, enum aws_service s, const struct aws_json_request *rq,
                      aws_json_parser parse, void *out, struct aws_result *res);
/* Runs every queued call concurrently (bounded by the deadline). Returns PAI_OK when all
 * succeeded, else the status of the first failed one in queue order. */
pai_err aws_client_flush(struct aws_client *c);

#endif
