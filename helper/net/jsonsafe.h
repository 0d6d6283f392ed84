/* SPDX-License-Identifier: MIT */
/* jsonsafe.h — json-c for documents that carry secrets (IMDS credentials, the fleet store's
 * value, Secrets Manager replies and requests): one strict parse with explicit bounds that
 * leaves no copy of a secret behind, one way to read a validated string member, one
 * serialisation that leaves none behind either, and one release that overwrites every string
 * json-c holds. */
#ifndef PAI_JSONSAFE_H
#define PAI_JSONSAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include "buf.h"
#include "err.h"

/* Members one object may have, and a whole text. The largest reply read (DescribeSecret)
 * holds some dozens, a version map of at most ~100 versions included. */
#define JSONSAFE_MAX_OBJECT_KEYS 256
#define JSONSAFE_MAX_KEYS        4096

/* Parses json (len bytes, at most max_len) as one JSON object (RFC 8259) with nothing but
 * blanks after it. The raw text is checked in full before json-c builds anything, because
 * json-c frees what it has built unwiped when it meets an error or a key given twice (it
 * keeps the last): refused are a key given twice in one object, a key holding a backslash
 * escape (so keys compare byte for byte), a raw control character, ill-formed UTF-8, \u0000 or
 * a lone surrogate in a string, single quotes, NaN, Infinity, any value nested deeper than
 * depth - 1 containers (json-c's own bound, json_tokener_new_ex), more than
 * JSONSAFE_MAX_OBJECT_KEYS members in an object or JSONSAFE_MAX_KEYS in all. The tokener's
 * buffer is sized up front (a realloc would leave a secret in freed memory) and wiped. *out is
 * released with jsonsafe_put. PAI_ERR_TOOBIG past max_len, PAI_ERR_INVALID for a NULL text or
 * depth < 1, PAI_ERR_REPLY for anything else wrong. */
pai_err jsonsafe_parse(const char *json, size_t len, size_t max_len, int depth,
                       struct json_object **out);
/* A string member of obj that holds no NUL and passes ok (NULL: any); NULL otherwise. */
const char *jsonsafe_string(struct json_object *obj, const char *key, bool (*ok)(const char *));
/* Overwrites every string in o (nested objects and arrays too), then releases it. */
void jsonsafe_put(struct json_object *o);
/* Appends the text of o (json_object_to_json_string_ext with flags) to out. json-c's print
 * buffer grows by realloc, freeing what it held unwiped; so a copy of o whose every string is
 * a stand-in of the same length that escapes to the longest form is printed first, growing the
 * buffer to its final size, then the same copy with the real strings back: no realloc. Every
 * copy is wiped. PAI_ERR_INVALID for a NULL o, PAI_ERR_TOOBIG past out's bound. */
pai_err jsonsafe_to_buf(struct json_object *o, int flags, struct buf *out);

/* True when s[0..len) is well-formed UTF-8 (RFC 3629: no overlong form, no surrogate, no NUL,
 * nothing past U+10FFFF). */
bool json_valid_utf8(const char *s, size_t len);

#endif
