/* SPDX-License-Identifier: MIT */
/* test_jsonsafe.c — json-c for documents that carry secrets (jsonsafe.c): the one strict
 * parse refuses a key given twice and whatever RFC 8259 does not allow before json-c builds
 * anything, within explicit bounds; and no parse (jsonsafe_parse, json_reply_parse) nor
 * serialisation (jsonsafe_to_buf, aws_json_body, fleetdoc_serialize) leaves a copy of a
 * secret in memory that is freed, watched here through free and realloc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "awsjson.h"
#include "buf.h"
#include "fleetdoc.h"
#include "jsonsafe.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

static pai_err parse(const char *text, size_t len, int depth)
{
	struct json_object *o = NULL;
	pai_err e = jsonsafe_parse(text, len, 1u << 20, depth, &o);

	if (e)
		assert_null(o);
	jsonsafe_put(o);
	return e;
}

static pai_err parse_str(const char *text)
{
	return parse(text, strlen(text), 8);
}

static pai_err reply_str(const char *text)
{
	struct json_reply *r = NULL;
	pai_err e = json_reply_parse(text, strlen(text), &r);

	if (e)
		assert_null(r);
	json_reply_free(r);
	return e;
}

/* ---- what the parse takes and refuses ---- */

static void strict_parse_takes_plain_objects(void **state)
{
	static const char *const good[] = {
	    "{}",
	    " {\"a\":1} \r\n",
	    "{\"a\":[1,-0,2.5e3,-1.0E-2,1e+2,true,false,null],\"b\":{\"c\":\"d\"},\"e\":[]}",
	    "{\"a\":\"\\u00e9\\\\\\\"\\/\\b\\f\\n\\r\\t\"}",
	    "{\"a\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80 caf\xc3\xa9\"}",
	    "{\"l\":[{\"k\":1},{\"k\":2}],\"k\":{\"k\":{}}}", /* one key, different objects */
	    "{\"a\":1,\"ab\":2,\"b\":3}",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse_str(good[i]), PAI_OK);
		assert_int_equal(reply_str(good[i]), PAI_OK);
	}
}

static void strict_parse_refuses_what_json_c_would_bend(void **state)
{
	static const char *const bad[] = {
	    "",
	    " ",
	    "[]",
	    "\"text\"",
	    "1",
	    "null",
	    "{",
	    "{\"a\":1",
	    "{\"a\"}",
	    "{\"a\" 1}",
	    "{\"a\":1 \"b\":2}",
	    "{\"a\":}",
	    "{\"a\":\"unterminated}",
	    "{\"a\":1}x",
	    "{\"a\":1}{}",
	    "{\"a\":1,}",
	    "{\"a\":[1,]}",
	    "{\"a\":[,1]}",
	    "{,}",
	    "{1:2}",
	    "{'a':1}",
	    "{\"a\":'b'}",
	    "{\"a\":NaN}",
	    "{\"a\":Infinity}",
	    "{\"a\":-Infinity}",
	    "{\"a\":tru}",
	    "{\"a\":True}",
	    "{\"a\":nul}",
	    "{\"a\":01}",
	    "{\"a\":-}",
	    "{\"a\":+1}",
	    "{\"a\":.5}",
	    "{\"a\":1.}",
	    "{\"a\":1e}",
	    "{\"a\":1e+}",
	    "{\"a\":0x10}",
	    "{\"a\":1}/* c */",
	    "{\"a\":1,\"a\":2}", /* json-c would keep the last */
	    "{\"SecretString\":\"x\",\"SecretString\":\"y\"}",
	    "{\"a\":1,\"\\u0061\":2}", /* an escaped key: refused whole */
	    "{\"\\\"\":1}",
	    "{\"o\":{\"k\":1,\"k\":1}}",                 /* nested */
	    "{\"l\":[{\"k\":1},{\"k\":2,\"k\":3}]}",     /* in a list */
	    "{\"a\":{\"x\":1},\"a\":{\"x\":1,\"y\":2}}", /* a replaced object */
	    "{\"a\":\"x\\u0000y\"}",
	    "{\"a\\u0000b\":1,\"a\":2}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":\"new\nline\"}",
	    "{\"a\":\"\\x\"}",
	    "{\"a\":\"\\u12g4\"}",
	    "{\"a\":\"\\u12\"}",
	    "{\"a\":\"\xff\"}",
	    "{\"a\":\"\xc0\x80\"}",     /* overlong */
	    "{\"a\":\"\xed\xa0\x80\"}", /* a surrogate, raw */
	    "{\"a\":\"\xf4\x90\x80\x80\"}",
	    "{\"a\":\"\\ud800\"}", /* a lone surrogate, escaped */
	    "{\"a\":\"\\udc00\\ud800\"}",
	    "{\"a\":\"\\ud800x\"}",
	    "{\"a\":\"\\ud800\\u0041\"}",
	    "{\"a\":1}\x0b",
	    "<?xml version=\"1.0\"?><r/>",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse_str(bad[i]), PAI_ERR_REPLY);
		assert_int_equal(reply_str(bad[i]), PAI_ERR_REPLY);
	}
	assert_int_equal(parse("{\"a\":\"x\0y\"}", 11, 8), PAI_ERR_REPLY); /* raw NUL */
	assert_int_equal(parse("{\"a\":1}\0", 8, 8), PAI_ERR_REPLY);
	assert_int_equal(parse(NULL, 0, 8), PAI_ERR_INVALID);
	assert_int_equal(parse("{}", 3, 8), PAI_ERR_REPLY);
}

/* The parse refuses past json-c's own depth bound, and at exactly the same place: what
 * json-c refuses half way has built, and freed unwiped, the values before it. */
static void strict_parse_bounds_depth_as_json_c_does(void **state)
{
	(void)state;
	assert_int_equal(parse_str("{\"a\":[[[[[[1]]]]]]}"), PAI_OK);
	assert_int_equal(parse_str("{\"a\":[[[[[[[1]]]]]]]}"), PAI_ERR_REPLY);
	assert_int_equal(parse_str("{\"a\":[[[[[[[]]]]]]]}"), PAI_OK);
	assert_int_equal(parse("{\"a\":{\"b\":1}}", 13, 3), PAI_OK);
	assert_int_equal(parse("{\"a\":{\"b\":{}}}", 14, 3), PAI_OK);
	assert_int_equal(parse("{\"a\":[[]]}", 10, 3), PAI_OK);
	assert_int_equal(parse("{\"a\":{\"b\":{\"c\":1}}}", 19, 3), PAI_ERR_REPLY);
	assert_int_equal(parse("{\"a\":[[1]]}", 11, 3), PAI_ERR_REPLY);
	assert_int_equal(parse("{}", 2, 1), PAI_OK);
	assert_int_equal(parse("{\"a\":1}", 7, 1), PAI_ERR_REPLY);
	assert_int_equal(parse("{}", 2, 0), PAI_ERR_INVALID);
}

/* {"k0":0,...} with n members, appended to b. */
static void members(struct buf *b, size_t n, size_t first)
{
	size_t i;

	assert_int_equal(buf_append_str(b, "{"), PAI_OK);
	for (i = 0; i < n; i++)
		assert_int_equal(buf_appendf(b, "%s\"k%zu\":0", i ? "," : "", first + i), PAI_OK);
	assert_int_equal(buf_append_str(b, "}"), PAI_OK);
}

static void strict_parse_bounds_the_keys(void **state)
{
	struct buf b;
	size_t i;

	(void)state;
	buf_init(&b, 0);
	members(&b, JSONSAFE_MAX_OBJECT_KEYS, 0);
	assert_int_equal(parse(b.data, b.len, 8), PAI_OK);
	buf_reset(&b);
	members(&b, JSONSAFE_MAX_OBJECT_KEYS + 1, 0);
	assert_int_equal(parse(b.data, b.len, 8), PAI_ERR_REPLY);
	/* in all: objects of the largest size side by side in a list */
	buf_reset(&b);
	assert_int_equal(buf_append_str(&b, "{\"l\":["), PAI_OK);
	for (i = 0; i < JSONSAFE_MAX_KEYS / JSONSAFE_MAX_OBJECT_KEYS; i++) {
		if (i)
			assert_int_equal(buf_append_str(&b, ","), PAI_OK);
		members(&b, i ? JSONSAFE_MAX_OBJECT_KEYS : JSONSAFE_MAX_OBJECT_KEYS - 1, 0);
	}
	assert_int_equal(buf_append_str(&b, "]}"), PAI_OK);
	assert_int_equal(parse(b.data, b.len, 8), PAI_OK); /* exactly the bound */
	b.len -= 1;                                        /* one more member at the top */
	assert_int_equal(buf_append_str(&b, ",\"x\":0}"), PAI_OK);
	assert_int_equal(parse(b.data, b.len, 8), PAI_ERR_REPLY);
	buf_free(&b);
}

#ifndef __SANITIZE_ADDRESS__
/* free and realloc, watched: counts the blocks given up that hold 8 bytes in a row of the
 * watched secret (a moved print buffer may hold part of it only). Every block is zeroed as it
 * is given up, so that none counts twice or stale once reused. */
void __libc_free(void *p);

#define WINDOW 8
static const char *watched;
static int marked_blocks;

static void give_up(void *p)
{
	size_t n, i;

	if (!p)
		return;
	n = malloc_usable_size(p);
	for (i = 0; watched && i + WINDOW <= strlen(watched); i++)
		if (memmem(p, n, watched + i, WINDOW)) {
			marked_blocks++;
			break;
		}
	explicit_bzero(p, n);
	__libc_free(p);
}

void free(void *p)
{
	give_up(p);
}

void *realloc(void *p, size_t n)
{
	size_t have = p ? malloc_usable_size(p) : 0;
	void *q;

	if (p && !n) {
		give_up(p);
		return NULL;
	}
	q = malloc(n);
	if (!q)
		return NULL;
	if (p)
		memcpy(q, p, have < n ? have : n);
	give_up(p);
	return q;
}

/* Skips unless the watch sees what it should (not under valgrind, which owns malloc). */
static void watch_or_skip(const char *secret)
{
	char *control = strdup(secret);

	assert_non_null(control);
	watched = secret;
	marked_blocks = 0;
	free(control);
	watched = NULL;
	if (marked_blocks != 1)
		skip();
	marked_blocks = 0;
	watched = secret;
}

static int unwatch(void)
{
	int n = marked_blocks;

	watched = NULL;
	marked_blocks = 0;
	return n;
}

static void a_key_given_twice_leaves_no_secret_behind(void **state)
{
	static const char *const texts[] = {
	    "{\"SecretString\":\"" SECRET "\",\"SecretString\":\"x\"}",
	    "{\"Name\":\"n\",\"SecretString\":\"" SECRET "\",\"Name\":\"m\",\"SecretString\":\"\"}",
	    "{\"current\":{\"secret\":\"" SECRET "\",\"secret\":\"x\"}}",
	    "{\"SecretAccessKey\":{\"a\":\"" SECRET "\"},\"SecretAccessKey\":1}",
	    "{\"l\":[{\"s\":\"" SECRET "\",\"s\":1}]}",
	};
	struct json_object *o = NULL;
	struct json_reply *r = NULL;
	size_t i;

	(void)state;
	watch_or_skip(SECRET);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		print_message("case %zu\n", i);
		watched = SECRET;
		assert_int_equal(jsonsafe_parse(texts[i], strlen(texts[i]), 4096, 8, &o),
		                 PAI_ERR_REPLY);
		assert_null(o);
		assert_int_equal(json_reply_parse(texts[i], strlen(texts[i]), &r), PAI_ERR_REPLY);
		assert_null(r);
		assert_int_equal(unwatch(), 0);
	}
}

static void a_parse_leaves_no_secret_behind(void **state)
{
	static const char *const texts[] = {
	    "{\"SecretString\":\"" SECRET "\",\"Name\":\"n\"}",
	    "{\"SecretString\":\"" SECRET "\",\"x\":[[[[[[[1]]]]]]]}", /* too deep, late */
	    "{\"SecretString\":\"" SECRET "\",\"x\":\"\\ud800\"}",     /* bad, late */
	    "{\"SecretString\":\"" SECRET "\",\"x\":1,}",
	};
	struct json_object *o = NULL;
	struct json_reply *r = NULL;
	size_t i;

	(void)state;
	watch_or_skip(SECRET);
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		print_message("case %zu\n", i);
		watched = SECRET;
		assert_int_equal(jsonsafe_parse(texts[i], strlen(texts[i]), 4096, 8, &o),
		                 i ? PAI_ERR_REPLY : PAI_OK);
		jsonsafe_put(o);
		assert_int_equal(json_reply_parse(texts[i], strlen(texts[i]), &r),
		                 i ? PAI_ERR_REPLY : PAI_OK);
		json_reply_free(r);
		assert_int_equal(unwatch(), 0);
	}
}

/* A secret of len bytes, escapes and all, with SECRET's first 16 bytes in the middle. */
static char *marked_value(size_t len)
{
	char *v = malloc(len + 1);
	size_t i;

	assert_non_null(v);
	for (i = 0; i < len; i++)
		v[i] = "ab\"\\\n\x01/"[i % 7];
	memcpy(v + len / 2 - 8, SECRET, 16);
	v[len] = '\0';
	return v;
}

static void serialising_leaves_no_secret_behind(void **state)
{
	static const int flags[] = {JSON_C_TO_STRING_PLAIN,
	                            JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE};
	char marker[17];
	size_t len, f;

	(void)state;
	memcpy(marker, SECRET, 16);
	marker[16] = '\0';
	watch_or_skip(marker);
	watched = NULL;
	for (f = 0; f < 2; f++)
		for (len = 16; len <= 70000; len += 1 + len / 3) {
			struct json_object *o = json_object_new_object(),
			                   *l = json_object_new_array();
			char *v = marked_value(len);
			struct buf b;

			json_object_object_add(o, "Name", json_object_new_string("fleet/a"));
			json_object_object_add(o, "n", json_object_new_double(2.5));
			json_object_object_add(o, "l", l);
			json_object_array_add(l, json_object_new_string_len(v, (int)len));
			json_object_array_add(l, NULL);
			json_object_array_add(l, json_object_new_int(-7));
			json_object_object_add(o, "s", json_object_new_string_len(v, (int)len));
			buf_init(&b, 1u << 20);
			watched = marker;
			assert_int_equal(jsonsafe_to_buf(o, flags[f], &b), PAI_OK);
			assert_int_equal(unwatch(), 0);
			/* json-c's own text, byte for byte */
			assert_string_equal(b.data, json_object_to_json_string_ext(o, flags[f]));
			buf_free(&b);
			jsonsafe_put(o);
			secret_wipe(v, len);
			free(v);
		}
}

static void a_request_body_leaves_no_secret_behind(void **state)
{
	struct json_object *o = json_object_new_object();
	struct buf b;

	(void)state;
	json_object_object_add(o, "SecretId", json_object_new_string("fleet/a"));
	buf_init(&b, 1u << 20);
	watch_or_skip(SECRET);
	assert_int_equal(aws_json_body(o, "SecretString", SECRET SECRET SECRET SECRET SECRET,
	                               5 * strlen(SECRET), &b),
	                 PAI_OK);
	assert_int_equal(unwatch(), 0);
	assert_false(json_object_object_get_ex(o, "SecretString", NULL));
	buf_free(&b);
	json_object_put(o);
}

static void the_fleet_document_leaves_no_secret_behind(void **state)
{
	struct fleet_doc d;
	struct buf b;

	(void)state;
	memset(&d, 0, sizeof(d));
	d.state = FLEET_ACTIVE;
	snprintf(d.user, sizeof(d.user), "alice");
	snprintf(d.user_id, sizeof(d.user_id), "AIDAEXAMPLEEXAMPLE01");
	d.has_current = true;
	snprintf(d.current_id, sizeof(d.current_id), "AKIAAAAAAAAAAAAAAAA1");
	snprintf(d.current_secret, sizeof(d.current_secret), SECRET);
	d.current_created = 1767323045;
	d.has_previous = true;
	snprintf(d.previous_id, sizeof(d.previous_id), "AKIAAAAAAAAAAAAAAAA2");
	d.previous_until = 1767409445;
	snprintf(d.written_by.id, sizeof(d.written_by.id), "0123456789abcdef0123456789abcdef");
	snprintf(d.written_by.name, sizeof(d.written_by.name), "bastion");
	d.written_at = 1767323046;
	buf_init(&b, FLEETDOC_MAX_BYTES);
	watch_or_skip(SECRET);
	assert_int_equal(fleetdoc_serialize(&d, &b), PAI_OK);
	assert_int_equal(unwatch(), 0);
	assert_non_null(
	    strstr(b.data, "\"secret\":\"wJalrXUtnFEMI\\/K7MDENG+bPxRfiCYEXAMPLEKEY\""));
	buf_free(&b);
	fleet_doc_wipe(&d);
}
#else
/* ASan owns free and realloc. */
#define SKIPPED(name)                                                                              \
	static void name(void **state)                                                             \
	{                                                                                          \
		(void)state;                                                                       \
		skip();                                                                            \
	}
SKIPPED(a_key_given_twice_leaves_no_secret_behind)
SKIPPED(a_parse_leaves_no_secret_behind)
SKIPPED(serialising_leaves_no_secret_behind)
SKIPPED(a_request_body_leaves_no_secret_behind)
SKIPPED(the_fleet_document_leaves_no_secret_behind)
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(strict_parse_takes_plain_objects),
	    cmocka_unit_test(strict_parse_refuses_what_json_c_would_bend),
	    cmocka_unit_test(strict_parse_bounds_depth_as_json_c_does),
	    cmocka_unit_test(strict_parse_bounds_the_keys),
	    cmocka_unit_test(a_key_given_twice_leaves_no_secret_behind),
	    cmocka_unit_test(a_parse_leaves_no_secret_behind),
	    cmocka_unit_test(serialising_leaves_no_secret_behind),
	    cmocka_unit_test(a_request_body_leaves_no_secret_behind),
	    cmocka_unit_test(the_fleet_document_leaves_no_secret_behind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
