/* SPDX-License-Identifier: MIT */
/* jsonsafe.c — json-c for documents that carry secrets (jsonsafe.h). */
#include "jsonsafe.h"

#include <json-c/printbuf.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "hex.h"

/* json-c escapes a control character as \u00XX: six bytes, the longest escape of a byte. */
#define STANDIN_CHAR '\x01'

/* ---- the strict reader: the raw text, checked before json-c sees it ---- */

struct key {
	size_t at, len; /* in the text; keys hold no escape, so bytes compare exactly */
};

struct scan {
	const char *s;
	size_t len, at;
	int depth;        /* json-c's bound: values sit inside at most depth - 1 containers */
	size_t keys_seen; /* in the whole text */
	struct key *open; /* the keys of the objects now open, innermost last */
	size_t open_n, open_cap;
};

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

/* The code unit of the \uXXXX escape at s (n bytes available), or -1. */
static long escape_unit(const char *s, size_t n)
{
	long v = 0;
	int i;

	if (n < 6 || s[0] != '\\' || s[1] != 'u')
		return -1;
	for (i = 2; i < 6; i++) {
		int d = hex_digit((unsigned char)s[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

/* Bytes of the escape at s[0..n) ("\\x", "\\uXXXX" or a surrogate pair of two); 0 for one
 * RFC 8259 does not have, and for \u0000 (it would cut a value short wherever it is read as
 * a C string) and a lone surrogate (json-c would put U+FFFD in its place, silently). */
static size_t escape_len(const char *s, size_t n)
{
	long u, lo;

	if (n < 2)
		return 0;
	if (s[1] != 'u')
		return strchr("\"\\/bfnrt", s[1]) && s[1] ? 2 : 0;
	u = escape_unit(s, n);
	if (u <= 0 || (u >= 0xdc00 && u <= 0xdfff))
		return 0;
	if (u < 0xd800 || u > 0xdbff)
		return 6;
	lo = escape_unit(s + 6, n - 6);
	return lo >= 0xdc00 && lo <= 0xdfff ? 12 : 0;
}

static void skip_blanks(struct scan *sc)
{
	while (sc->at < sc->len && strchr(" \t\r\n", sc->s[sc->at]) && sc->s[sc->at])
		sc->at++;
}

static bool eat(struct scan *sc, char c)
{
	skip_blanks(sc);
	if (sc->at >= sc->len || sc->s[sc->at] != c)
		return false;
	sc->at++;
	return true;
}

/* A string at sc->at; *escaped tells whether it held an escape. */
static bool scan_string(struct scan *sc, bool *escaped)
{
	*escaped = false;
	if (sc->at >= sc->len || sc->s[sc->at] != '"')
		return false;
	sc->at++;
	while (sc->at < sc->len) {
		unsigned char ch = (unsigned char)sc->s[sc->at];
		size_t k = 1;

		if (ch == '"') {
			sc->at++;
			return true;
		}
		if (ch < 0x20)
			return false;
		if (ch == '\\') {
			*escaped = true;
			k = escape_len(sc->s + sc->at, sc->len - sc->at);
		} else if (ch >= 0x80) {
			k = utf8_seq((const unsigned char *)sc->s + sc->at, sc->len - sc->at);
		}
		if (!k)
			return false;
		sc->at += k;
	}
	return false;
}

static size_t digits(struct scan *sc)
{
	size_t n = 0;

	while (sc->at < sc->len && sc->s[sc->at] >= '0' && sc->s[sc->at] <= '9')
		sc->at++, n++;
	return n;
}

static bool next_is(struct scan *sc, const char *set)
{
	return sc->at < sc->len && sc->s[sc->at] && strchr(set, sc->s[sc->at]);
}

/* -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool scan_number(struct scan *sc)
{
	if (next_is(sc, "-"))
		sc->at++;
	if (next_is(sc, "0"))
		sc->at++;
	else if (!digits(sc))
		return false;
	if (next_is(sc, ".")) {
		sc->at++;
		if (!digits(sc))
			return false;
	}
	if (next_is(sc, "eE")) {
		sc->at++;
		if (next_is(sc, "+-"))
			sc->at++;
		if (!digits(sc))
			return false;
	}
	return true;
}

static bool scan_literal(struct scan *sc)
{
	static const char *const words[] = {"true", "false", "null"};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);

		if (sc->len - sc->at >= n && !memcmp(sc->s + sc->at, words[i], n)) {
			sc->at += n;
			return true;
		}
	}
	return false;
}

static bool scan_value(struct scan *sc, int depth);

/* A key of the object whose keys start at open[first]: unescaped, new there, within bounds. */
static bool scan_key(struct scan *sc, size_t first)
{
	struct key k;
	bool escaped;
	size_t i;

	skip_blanks(sc);
	k.at = sc->at + 1;
	if (!scan_string(sc, &escaped) || escaped)
		return false;
	k.len = sc->at - 1 - k.at;
	if (sc->open_n - first >= JSONSAFE_MAX_OBJECT_KEYS || sc->keys_seen >= JSONSAFE_MAX_KEYS ||
	    sc->open_n >= sc->open_cap)
		return false;
	for (i = first; i < sc->open_n; i++)
		if (sc->open[i].len == k.len &&
		    !memcmp(sc->s + sc->open[i].at, sc->s + k.at, k.len))
			return false;
	sc->open[sc->open_n++] = k;
	sc->keys_seen++;
	return true;
}

/* An object or array at sc->at (its opening bracket), itself a value at depth. */
static bool scan_container(struct scan *sc, int depth)
{
	bool object = sc->s[sc->at] == '{';
	char close = object ? '}' : ']';
	size_t first = sc->open_n;

	sc->at++;
	if (eat(sc, close))
		return true;
	/* json-c refuses a value inside depth - 1 containers, but only once it has built the
	 * values before it */
	if (depth + 1 >= sc->depth)
		return false;
	do {
		if (object && (!scan_key(sc, first) || !eat(sc, ':')))
			return false;
		if (!scan_value(sc, depth + 1))
			return false;
	} while (eat(sc, ','));
	sc->open_n = first;
	return eat(sc, close);
}

static bool scan_value(struct scan *sc, int depth)
{
	bool escaped;

	skip_blanks(sc);
	if (sc->at >= sc->len)
		return false;
	switch (sc->s[sc->at]) {
	case '{':
	case '[': return scan_container(sc, depth);
	case '"': return scan_string(sc, &escaped);
	default: return next_is(sc, "-0123456789") ? scan_number(sc) : scan_literal(sc);
	}
}

/* PAI_OK when s[0..len) is one object as jsonsafe.h has it, and blanks. */
static pai_err scan_text(const char *s, size_t len, int depth)
{
	struct scan sc = {.s = s, .len = len, .depth = depth};
	bool ok;

	sc.open_cap = (size_t)depth * JSONSAFE_MAX_OBJECT_KEYS;
	if (sc.open_cap > JSONSAFE_MAX_KEYS)
		sc.open_cap = JSONSAFE_MAX_KEYS;
	sc.open = calloc(sc.open_cap, sizeof(*sc.open));
	if (!sc.open)
		return PAI_ERR_NOMEM;
	skip_blanks(&sc);
	ok = sc.at < len && s[sc.at] == '{' && scan_value(&sc, 0);
	skip_blanks(&sc);
	free(sc.open);
	return ok && sc.at == len ? PAI_OK : PAI_ERR_REPLY;
}

pai_err jsonsafe_parse(const char *json, size_t len, size_t max_len, int depth,
                       struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *obj;
	pai_err e;

	*out = NULL;
	if (!json || depth < 1)
		return PAI_ERR_INVALID;
	if (len > max_len || len > (size_t)(1 << 30))
		return PAI_ERR_TOOBIG;
	e = scan_text(json, len, depth);
	if (e)
		return e;
	tok = json_tokener_new_ex(depth);
	if (!tok)
		return PAI_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	/* the tokener gathers each string in its print buffer: sized so that it never grows */
	if (printbuf_memset(tok->pb, 0, 0, (int)len + 16) < 0) {
		json_tokener_free(tok);
		return PAI_ERR_NOMEM;
	}
	printbuf_reset(tok->pb);
	obj = json_tokener_parse_ex(tok, json, (int)len);
	e = PAI_ERR_REPLY;
	if (obj && json_tokener_get_error(tok) == json_tokener_success &&
	    json_object_is_type(obj, json_type_object)) {
		*out = obj;
		obj = NULL;
		e = PAI_OK;
	}
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

/* What set_strings writes into each string: nothing (a wipe), the stand-in, or the string
 * of the same place in another tree of the same shape. */
enum fill { FILL_WIPE, FILL_STANDIN, FILL_FROM };

/* Overwrites every string in o in place, keeping its length. */
static void set_strings(struct json_object *o, enum fill fill, struct json_object *from)
{
	size_t i, n;

	if (!o)
		return;
	switch (json_object_get_type(o)) {
	case json_type_string: {
		char *s = (char *)json_object_get_string(o);

		n = (size_t)json_object_get_string_len(o);
		if (fill == FILL_WIPE)
			secret_wipe(s, n);
		else if (fill == FILL_STANDIN)
			memset(s, STANDIN_CHAR, n);
		else
			memcpy(s, json_object_get_string(from), n);
		break;
	}
	case json_type_object: {
		json_object_object_foreach(o, key, v)
		{
			struct json_object *f = NULL;

			if (fill == FILL_FROM)
				json_object_object_get_ex(from, key, &f);
			set_strings(v, fill, f);
		}
		break;
	}
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			set_strings(json_object_array_get_idx(o, i), fill,
			            fill == FILL_FROM ? json_object_array_get_idx(from, i) : NULL);
		break;
	default: break;
	}
}

void jsonsafe_put(struct json_object *o)
{
	set_strings(o, FILL_WIPE, NULL);
	json_object_put(o);
}

pai_err jsonsafe_to_buf(struct json_object *o, int flags, struct buf *out)
{
	struct json_object *copy = NULL;
	const char *text;
	size_t len = 0;
	pai_err e = PAI_ERR_NOMEM;

	if (!o || !out)
		return PAI_ERR_INVALID;
	/* json-c copies each string at its exact size: no realloc */
	if (json_object_deep_copy(o, &copy, NULL) != 0)
		goto out;
	set_strings(copy, FILL_STANDIN, NULL);
	/* pass 1: the copy's print buffer grows to the longest the text can be */
	if (!json_object_to_json_string_length(copy, flags, &len))
		goto out;
	set_strings(copy, FILL_FROM, o);
	/* pass 2: the same buffer, reset, never grows */
	text = json_object_to_json_string_length(copy, flags, &len);
	if (!text)
		goto out;
	e = buf_append(out, text, len);
	secret_wipe((char *)text, len);
out:
	jsonsafe_put(copy);
	return e;
}
