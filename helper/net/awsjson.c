/* SPDX-License-Identifier: MIT */
/* awsjson.c — JSON 1.1 request bodies and replies with json-c, through jsonsafe.c: replies
 * are size- and depth-capped and parsed strictly; secrets never stay behind in memory json-c
 * frees. */
#include "awsjson.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "jsonsafe.h"

#define BODY_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)

struct json_reply {
	struct json_object *root;
};

pai_err aws_json_body(struct json_object *obj, const char *secret_member, const char *secret,
                      size_t secret_len, struct buf *b)
{
	struct json_object *real = NULL;
	pai_err e;

	if (!obj || !json_object_is_type(obj, json_type_object) || !b)
		return PAI_ERR_INVALID;
	if (secret_member) {
		if (!secret || secret_len > JSON_REPLY_MAX_BYTES ||
		    memchr(secret, '\0', secret_len) ||
		    json_object_object_get_ex(obj, secret_member, NULL))
			return PAI_ERR_INVALID;
		real = json_object_new_string_len(secret, (int)secret_len);
		if (!real || json_object_object_add(obj, secret_member, real)) {
			jsonsafe_put(real);
			return PAI_ERR_NOMEM;
		}
	}
	e = jsonsafe_to_buf(obj, BODY_FLAGS, b);
	if (real) {
		secret_wipe((char *)json_object_get_string(real),
		            (size_t)json_object_get_string_len(real));
		json_object_object_del(obj, secret_member);
	}
	return e;
}

pai_err json_reply_parse(const char *body, size_t len, struct json_reply **out)
{
	struct json_object *obj = NULL;
	pai_err e;

	*out = NULL;
	if (!body)
		return PAI_ERR_INVALID;
	e = jsonsafe_parse(body, len, JSON_REPLY_MAX_BYTES, JSON_REPLY_MAX_DEPTH, &obj);
	if (e)
		return e;
	*out = calloc(1, sizeof(**out));
	if (!*out) {
		jsonsafe_put(obj);
		return PAI_ERR_NOMEM;
	}
	(*out)->root = obj;
	return PAI_OK;
}

void json_reply_free(struct json_reply *r)
{
	if (!r)
		return;
	jsonsafe_put(r->root);
	free(r);
}

struct json_object *json_reply_root(const struct json_reply *r)
{
	return r ? r->root : NULL;
}

/* Copies n bytes of src as printable ASCII ('?' for anything else) into dst[size]. */
static void copy_printable(char *dst, size_t size, const char *src, size_t n)
{
	size_t i;

	if (n >= size)
		n = size - 1;
	for (i = 0; i < n; i++)
		dst[i] = src[i] >= 0x20 && src[i] <= 0x7e ? src[i] : '?';
	dst[n] = '\0';
}

bool json_reply_error(const struct json_reply *r, struct aws_error *e)
{
	const char *type, *msg, *hash;
	size_t n;

	if (!r || !json_object_object_get_ex(r->root, "__type", NULL))
		return false;
	e->code[0] = e->message[0] = e->request_id[0] = '\0';
	if (json_member_string(r->root, "__type", 1, 1024, &type, &n) == PAI_OK) {
		n = strcspn(type, ":"); /* "Code:http://internal..." */
		hash = memrchr(type, '#', n);
		if (hash) {
			n -= (size_t)(hash + 1 - type);
			type = hash + 1;
		}
		copy_printable(e->code, sizeof(e->code), type, n);
	}
	if (json_member_string(r->root, "message", 0, 65536, &msg, &n) == PAI_OK ||
	    json_member_string(r->root, "Message", 0, 65536, &msg, &n) == PAI_OK)
		copy_printable(e->message, sizeof(e->message), msg, n);
	return true;
}

struct json_object *json_member(const struct json_object *obj, const char *key)
{
	struct json_object *v = NULL;

	if (!obj || !json_object_object_get_ex(obj, key, &v))
		return NULL;
	return v; /* NULL for JSON null */
}

pai_err json_member_string(const struct json_object *obj, const char *key, size_t min, size_t max,
                           const char **s, size_t *len)
{
	struct json_object *v = json_member(obj, key);
	size_t n;

	*s = NULL;
	*len = 0;
	if (!v)
		return PAI_ERR_NOT_FOUND;
	if (!json_object_is_type(v, json_type_string))
		return PAI_ERR_REPLY;
	n = (size_t)json_object_get_string_len(v);
	if (n < min || n > max)
		return PAI_ERR_REPLY;
	*s = json_object_get_string(v);
	*len = n;
	return PAI_OK;
}

pai_err json_member_copy(const struct json_object *obj, const char *key, char *out, size_t outlen,
                         bool (*ok)(const char *))
{
	const char *s;
	size_t n;
	pai_err e;

	out[0] = '\0';
	e = json_member_string(obj, key, 0, outlen - 1, &s, &n);
	if (e)
		return e;
	memcpy(out, s, n);
	out[n] = '\0';
	if (ok && !ok(out)) {
		secret_wipe(out, outlen);
		return PAI_ERR_REPLY;
	}
	return PAI_OK;
}
