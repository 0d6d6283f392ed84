/* SPDX-License-Identifier: MIT */
/* awsjson.c — JSON 1.1 request bodies and replies with json-c, bounded and wiped: replies
 * are size- and depth-capped, parsed strictly, and checked for what json-c lets through
 * (a key given twice, \u0000, raw control characters); secrets never stay behind in memory
 * json-c frees. */
#include "awsjson.h"

#include <json-c/json.h>
#include <json-c/printbuf.h>
#include <stdlib.h>
#include <string.h>
#include "jsonsafe.h"

#define BODY_FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* json-c escapes a control character as \u00XX: six bytes, its longest escape. */
#define STANDIN_CHAR '\x01'

struct json_reply {
	struct json_object *root;
};

pai_err aws_json_body(struct json_object *obj, const char *secret_member, const char *secret,
                      size_t secret_len, struct buf *b)
{
	struct json_object *standin, *real = NULL;
	const char *text;
	char *fill;
	size_t len = 0;
	pai_err e = PAI_ERR_NOMEM;

	if (!obj || !json_object_is_type(obj, json_type_object) || !b)
		return PAI_ERR_INVALID;
	if (secret_member) {
		if (!secret || secret_len > JSON_REPLY_MAX_BYTES ||
		    memchr(secret, '\0', secret_len) ||
		    json_object_object_get_ex(obj, secret_member, NULL))
			return PAI_ERR_INVALID;
		fill = malloc(secret_len + 1);
		if (!fill)
			return PAI_ERR_NOMEM;
		memset(fill, STANDIN_CHAR, secret_len);
		standin = json_object_new_string_len(fill, (int)secret_len);
		free(fill);
		if (!standin || json_object_object_add(obj, secret_member, standin)) {
			json_object_put(standin);
			return PAI_ERR_NOMEM;
		}
		/* Pass 1: the print buffer grows to the longest the body can be. */
		if (!json_object_to_json_string_length(obj, BODY_FLAGS, &len))
			goto out;
		real = json_object_new_string_len(secret, (int)secret_len);
		if (!real)
			goto out;
		json_object_object_add(obj, secret_member, real); /* frees the stand-in */
	}
	/* Pass 2 (or the only one): no realloc, so no copy of the secret left in freed memory. */
	text = json_object_to_json_string_length(obj, BODY_FLAGS, &len);
	if (text) {
		e = buf_append(b, text, len);
		secret_wipe((char *)text, len);
	}
out:
	if (real)
		secret_wipe((char *)json_object_get_string(real),
		            (size_t)json_object_get_string_len(real));
	if (secret_member)
		json_object_object_del(obj, secret_member);
	return e;
}

/* Members of every object below o, as json-c kept them (a repeated key counts once). */
static size_t tree_members(struct json_object *o)
{
	size_t i, n, total = 0;

	switch (json_object_get_type(o)) {
	case json_type_object: {
		total = (size_t)json_object_object_length(o);
		json_object_object_foreach(o, key, v)
		{
			(void)key;
			total += tree_members(v);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			total += tree_members(json_object_array_get_idx(o, i));
		break;
	default: break;
	}
	return total;
}

/* Length of the well-formed UTF-8 sequence at p (RFC 3629: no overlong form, no surrogate,
 * nothing past U+10FFFF), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned cp;

	if (p[0] < 0x80)
		return p[0] ? 1 : 0;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		len = 2, cp = p[0] & 0x1fu;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		len = 3, cp = p[0] & 0x0fu;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		len = 4, cp = p[0] & 0x07u;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3fu);
	}
	if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return len;
}

bool json_valid_utf8(const char *s, size_t len)
{
	size_t i = 0;

	if (!s)
		return false;
	while (i < len) {
		size_t k = utf8_seq((const unsigned char *)s + i, len - i);

		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* The code unit of the \uXXXX escape at s (6 bytes available), or -1. */
static long escape_unit(const char *s)
{
	long v = 0;
	int i;

	if (s[0] != '\\' || s[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		char c = s[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			v |= (c | 0x20) - 'a' + 10;
		else
			return -1;
	}
	return v;
}

/* Bytes of the escape at s[0..n) ("\\x", "\\uXXXX" or a surrogate pair of two); 0 for one
 * this reader refuses: \u0000 (it would cut a value or key short wherever it is read as a
 * C string) and a lone surrogate (json-c would put U+FFFD in its place, silently). */
static size_t escape_len(const char *s, size_t n)
{
	long u, lo;

	if (n < 2)
		return 0;
	if (s[1] != 'u')
		return 2;
	u = n >= 6 ? escape_unit(s) : -1;
	if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
		return 0;
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	lo = n >= 12 ? escape_unit(s + 6) : -1;
	return lo >= 0xdc00 && lo <= 0xdfff ? 12 : 0;
}

/* The letters a JSON text may hold outside strings: the three literals and an exponent.
 * json-c's strict mode still takes 'single-quoted' strings, NaN and Infinity. */
static bool literal_ok(const char *s, size_t n, size_t at)
{
	if ((n == 4 && !memcmp(s + at, "true", 4)) || (n == 5 && !memcmp(s + at, "false", 5)) ||
	    (n == 4 && !memcmp(s + at, "null", 4)))
		return true;
	return n == 1 && (s[at] == 'e' || s[at] == 'E') && at > 0 &&
	       ((s[at - 1] >= '0' && s[at - 1] <= '9') || s[at - 1] == '.');
}

static bool is_letter(char c)
{
	return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

/* Walks a text json-c has accepted: counts its members (each ':' outside strings is one) and
 * refuses what RFC 8259 or this reader does not take though json-c does: a raw control
 * character, ill-formed UTF-8 (json-c's check lets overlong forms by), \u0000 and lone
 * surrogates in a string; single quotes, NaN and Infinity outside. */
static bool scan_text(const char *s, size_t len, size_t *members)
{
	bool in_string = false;
	size_t i, n = 0, k;

	for (i = 0; i < len; i += k) {
		unsigned char ch = (unsigned char)s[i];

		k = 1;
		if (!in_string) {
			if (ch == '"') {
				in_string = true;
			} else if (ch == ':') {
				n++;
			} else if (is_letter((char)ch)) {
				while (i + k < len && is_letter(s[i + k]))
					k++;
				if (!literal_ok(s, k, i))
					return false;
			} else if (ch == '\0' || !strchr("{}[],-+.0123456789 \t\r\n", ch)) {
				return false;
			}
			continue;
		}
		if (ch < 0x20)
			return false;
		if (ch == '"')
			in_string = false;
		else if (ch == '\\')
			k = escape_len(s + i, len - i);
		else if (ch >= 0x80)
			k = utf8_seq((const unsigned char *)s + i, len - i);
		if (!k)
			return false;
	}
	*members = n;
	return !in_string;
}

/* The tokener gathers each string in its print buffer; sized up front so that it never
 * reallocs (which would leave a secret in freed memory), and wiped before it is freed. */
static struct json_tokener *tokener_new(size_t len)
{
	struct json_tokener *tok = json_tokener_new_ex(JSON_REPLY_MAX_DEPTH);

	if (!tok)
		return NULL;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	if (printbuf_memset(tok->pb, 0, 0, (int)len + 16) < 0) {
		json_tokener_free(tok);
		return NULL;
	}
	printbuf_reset(tok->pb);
	return tok;
}

static void tokener_free(struct json_tokener *tok)
{
	if (!tok)
		return;
	if (tok->pb && tok->pb->buf)
		secret_wipe(tok->pb->buf, (size_t)tok->pb->size);
	json_tokener_free(tok);
}

pai_err json_reply_parse(const char *body, size_t len, struct json_reply **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	struct json_reply *r = NULL;
	size_t end, members;
	pai_err e = PAI_ERR_REPLY;

	*out = NULL;
	if (!body)
		return PAI_ERR_INVALID;
	if (len > JSON_REPLY_MAX_BYTES)
		return PAI_ERR_TOOBIG;
	if (len == 0)
		return PAI_ERR_REPLY;
	tok = tokener_new(len);
	if (!tok)
		return PAI_ERR_NOMEM;
	obj = json_tokener_parse_ex(tok, body, (int)len);
	if (!obj || json_tokener_get_error(tok) != json_tokener_success ||
	    !json_object_is_type(obj, json_type_object))
		goto out;
	end = json_tokener_get_parse_end(tok);
	if (end > len || !scan_text(body, end, &members) || members != tree_members(obj))
		goto out;
	for (; end < len; end++)
		if (!strchr(" \t\r\n", body[end]) || !body[end])
			goto out;
	r = calloc(1, sizeof(*r));
	if (!r) {
		e = PAI_ERR_NOMEM;
		goto out;
	}
	r->root = obj;
	obj = NULL;
	*out = r;
	e = PAI_OK;
out:
	jsonsafe_put(obj);
	tokener_free(tok);
	return e;
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
