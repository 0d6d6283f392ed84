/* SPDX-License-Identifier: MIT */
/* jsonsafe.h — json-c for documents that carry secrets (IMDS credentials, the fleet store's
 * value, Secrets Manager replies): one strict parse with explicit bounds that leaves no copy
 * of a secret behind, one way to read a validated string member, and one release that
 * overwrites every string json-c holds. */
#ifndef PAI_JSONSAFE_H
#define PAI_JSONSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "buf.h"
#include "err.h"

/* Parses json (len bytes, at most max_len, nesting at most depth) strictly: one value, only
 * blanks after it, no NUL. *out is released with jsonsafe_put. The tokener's buffer is sized
 * up front (a realloc would leave a secret in freed memory) and wiped. PAI_ERR_REPLY for
 * anything else, PAI_ERR_TOOBIG past max_len. */
pai_err jsonsafe_parse(const char *json, size_t len, size_t max_len, int depth,
                       struct json_object **out);
/* A string member of obj that holds no NUL and passes ok (NULL: any); NULL otherwise. */
const char *jsonsafe_string(struct json_object *obj, const char *key, bool (*ok)(const char *));
/* Overwrites every string in o (nested objects and arrays too), then releases it. */
void jsonsafe_put(struct json_object *o);
/* The text of o (json-c's plain form) appended to out, then json-c's copy wiped. */
pai_err jsonsafe_to_buf(struct json_object *o, struct buf *out);

#endif
