/* SPDX-License-Identifier: MIT */
/* jsonsafe.c — json-c for documents that carry secrets (jsonsafe.h). */
#include "jsonsafe.h"

#include <json-c/printbuf.h>
#include <string.h>
#include "buf.h"

pai_err jsonsafe_parse(const char *json, size_t len, size_t max_len, int depth,
                       struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj = NULL;
	pai_err e = PAI_ERR_REPLY;
	size_t end;

	*out = NULL;
	if (!json)
		return PAI_ERR_INVALID;
	if (len > max_len || len > (size_t)(1 << 30))
		return PAI_ERR_TOOBIG;
	if (memchr(json, '\0', len))
		return PAI_ERR_REPLY;
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return PAI_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	if (printbuf_memset(tok->pb, 0, 0, (int)len + 16) < 0) {
		json_tokener_free(tok);
		return PAI_ERR_NOMEM;
	}
	printbuf_reset(tok->pb);
	obj = json_tokener_parse_ex(tok, json, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success)
		goto out;
	for (end = json_tokener_get_parse_end(tok); end < len; end++)
		if (!strchr(" \t\r\n", json[end]))
			goto out;
	*out = obj;
	obj = NULL;
	e = PAI_OK;
out:
	jsonsafe_put(obj);
	if (tok->pb && tok->pb->buf)
		secret_wipe(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
	return e;
}

const char *jsonsafe_string(struct json_object *obj, const char *key, bool (*ok)(const char *))
{
	struct json_object *v;
	const char *s;

	if (!obj || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	s = json_object_get_string(v);
	if (!s || strlen(s) != (size_t)json_object_get_string_len(v) || (ok && !ok(s)))
		return NULL;
	return s;
}

static void wipe_all(struct json_object *o)
{
	size_t i, n;

	if (!o)
		return;
	switch (json_object_get_type(o)) {
	case json_type_string:
		secret_wipe((char *)json_object_get_string(o),
		            (size_t)json_object_get_string_len(o));
		break;
	case json_type_object: {
		json_object_object_foreach(o, key, v)
		{
			(void)key;
			wipe_all(v);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			wipe_all(json_object_array_get_idx(o, i));
		break;
	default: break;
	}
}

void jsonsafe_put(struct json_object *o)
{
	wipe_all(o);
	json_object_put(o);
}

pai_err jsonsafe_to_buf(struct json_object *o, struct buf *out)
{
	size_t len = 0;
	const char *s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	pai_err e;

	if (!s)
		return PAI_ERR_NOMEM;
	e = buf_append(out, s, len);
	secret_wipe((char *)s, len);
	return e;
}
