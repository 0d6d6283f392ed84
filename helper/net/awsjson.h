/* SPDX-License-Identifier: MIT */
/* awsjson.h — the AWS JSON 1.1 protocol (Secrets Manager): the request body, built with
 * json-c, and the one bounded reply reader, also json-c. What xmlreply.h and awsquery.h are to
 * the Query protocol. */
#ifndef PAI_AWSJSON_H
#define PAI_AWSJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json_types.h>

#include "awsclient.h"
#include "buf.h"
#include "err.h"
#include "jsonsafe.h"

#define JSON_CONTENT_TYPE    "application/x-amz-json-1.1"
#define JSON_REPLY_MAX_BYTES (1024u * 1024u)
/* Secrets Manager's deepest reply is 3 (VersionIdsToStages -> list -> string); 8 leaves room
 * for fields this client ignores and stops a nesting bomb long before json-c's default 32. */
#define JSON_REPLY_MAX_DEPTH 8

struct json_reply;

/* Appends obj, serialised plainly (no spaces, '/' not escaped), to b, through jsonsafe_to_buf
 * (no copy of a string left in memory json-c frees). When secret_member is not NULL, the member
 * secret_member = secret (secret_len bytes, no NUL) is added for the call only: json-c's copy
 * is wiped and the member removed (obj is left as it came). PAI_ERR_INVALID when obj is not an
 * object or already holds secret_member, PAI_ERR_TOOBIG past b's bound. The caller wipes b. */
pai_err aws_json_body(struct json_object *obj, const char *secret_member, const char *secret,
                      size_t secret_len, struct buf *b);

/* Parses a reply body with jsonsafe_parse (jsonsafe.h: one JSON object, strict, checked in
 * full before json-c builds anything: no key twice, no ill-formed UTF-8, no \u0000...) at most
 * JSON_REPLY_MAX_DEPTH deep. PAI_ERR_TOOBIG over JSON_REPLY_MAX_BYTES, PAI_ERR_REPLY for
 * anything else wrong. json-c's copies of every string are wiped by json_reply_free. */
pai_err json_reply_parse(const char *body, size_t len, struct json_reply **out);
void json_reply_free(struct json_reply *r);
/* The top-level object (borrowed: valid until json_reply_free). */
struct json_object *json_reply_root(const struct json_reply *r);

/* True when the reply is an AWS error: it carries "__type". Fills code from it, as botocore
 * reads it ("ns.service#Code:extra" -> "Code"), and message from "message" or "Message";
 * printable ASCII only, truncated to fit. */
bool json_reply_error(const struct json_reply *r, struct aws_error *e);

/* The string member key of obj: *s borrowed, *len its length, min..max bytes. PAI_ERR_NOT_FOUND
 * when absent (or JSON null), PAI_ERR_REPLY when another type or out of bounds. */
pai_err json_member_string(const struct json_object *obj, const char *key, size_t min, size_t max,
                           const char **s, size_t *len);
/* Like json_member_string, copied into out (outlen, NUL included) when ok (NULL = any) accepts
 * it; out is "" on any failure. */
pai_err json_member_copy(const struct json_object *obj, const char *key, char *out, size_t outlen,
                         bool (*ok)(const char *));
/* The member key of obj (borrowed), or NULL when it is absent or JSON null. */
struct json_object *json_member(const struct json_object *obj, const char *key);

#endif
