/* SPDX-License-Identifier: MIT */
/* test_secretsmanager.c — Secrets Manager through the one client: the JSON reader (awsjson.c)
 * on good and hostile text, the request body builder and its secret handling, requests as
 * they leave (body, Content-Type, X-Amz-Target, the signature) and error replies as they come
 * back, captured by a one-shot loopback server; the reply readers of sm_reply.c on good and
 * hostile replies; token derivation (UUIDv5) vectors; and input checks (nothing is sent for
 * a bad input). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dlfcn.h>
#include <json-c/json.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "awsclient.h"
#include "awsjson.h"
#include "buf.h"
#include "iam.h"
#include "secretsmanager.h"
#include "sigv4.h"
#include "sigv4_rawreq.h"
#include "sm_reply.h"

#define REGION  "us-west-2"
#define ACCOUNT "123456789012"
#define ARN_PFX "arn:aws:secretsmanager:" REGION ":" ACCOUNT ":secret:"
#define ARN_A   ARN_PFX "fleet/a-AbC123"
#define TOK1    "3f0b6b34-5f0d-5a3e-9f41-0c1e2d3c4b5a"
#define TOK2    "9b2e7c1a-0d4f-5e6b-8a9c-1d2e3f4a5b6c"

static const struct aws_creds test_creds = {
    .access_key_id = "AKIDEXAMPLE0000000000",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

/* ---- the JSON reader ---- */

static pai_err parse_text(const char *text, size_t len)
{
	struct json_reply *r = NULL;
	pai_err e = json_reply_parse(text, len, &r);

	if (e)
		assert_null(r);
	json_reply_free(r);
	return e;
}

static pai_err parse_str(const char *text)
{
	return parse_text(text, strlen(text));
}

static void json_reader_takes_plain_objects(void **state)
{
	struct json_reply *r = NULL;
	const char *s;
	size_t n;

	(void)state;
	assert_int_equal(parse_str("{}"), PAI_OK);
	assert_int_equal(parse_str(" {\"a\":1} \r\n"), PAI_OK);
	assert_int_equal(parse_str("{\"a\":[1,2.5e3,-1,true,false,null],\"b\":{\"c\":\"d\"}}"),
	                 PAI_OK);
	assert_int_equal(parse_str("{\"a\":\"\\u00e9\\\\\\\"\\/\"}"), PAI_OK);
	assert_int_equal(parse_str("{\"a\":\"\\ud83d\\ude00 \xf0\x9f\x98\x80\"}"), PAI_OK);
	assert_int_equal(json_reply_parse("{\"k\":\"caf\xc3\xa9\",\"n\":null}", 22, &r), PAI_OK);
	assert_int_equal(json_member_string(json_reply_root(r), "k", 1, 5, &s, &n), PAI_OK);
	assert_int_equal(n, 5);
	assert_memory_equal(s, "caf\xc3\xa9", 5);
	assert_int_equal(json_member_string(json_reply_root(r), "k", 1, 4, &s, &n), PAI_ERR_REPLY);
	assert_int_equal(json_member_string(json_reply_root(r), "n", 0, 4, &s, &n),
	                 PAI_ERR_NOT_FOUND); /* null is absent */
	assert_int_equal(json_member_string(json_reply_root(r), "x", 0, 4, &s, &n),
	                 PAI_ERR_NOT_FOUND);
	json_reply_free(r);
}

static void json_reader_refuses_hostile_text(void **state)
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
	    "{\"a\":\"unterminated}",
	    "{\"a\":1}x",
	    "{\"a\":1}{}",
	    "{\"a\":1,}",
	    "{'a':1}",
	    "{\"a\":'b'}",
	    "{\"a\":NaN}",
	    "{\"a\":Infinity}",
	    "{\"a\":-Infinity}",
	    "{\"a\":tru}",
	    "{\"a\":1,\"a\":2}",                         /* json-c would keep the last */
	    "{\"a\":1,\"\\u0061\":2}",                   /* the same key, escaped */
	    "{\"o\":{\"k\":1,\"k\":1}}",                 /* nested */
	    "{\"l\":[{\"k\":1},{\"k\":2,\"k\":3}]}",     /* in a list */
	    "{\"a\":{\"x\":1},\"a\":{\"x\":1,\"y\":2}}", /* a replaced object */
	    "{\"a\":\"x\\u0000y\"}",
	    "{\"a\\u0000b\":1,\"a\":2}",
	    "{\"a\":\"tab\there\"}",
	    "{\"a\":\"new\nline\"}",
	    "{\"a\":\"\xff\"}",
	    "{\"a\":\"\xc0\x80\"}",     /* overlong: json-c's own check lets it by */
	    "{\"a\":\"\xed\xa0\x80\"}", /* a surrogate, raw */
	    "{\"a\":\"\\ud800\"}",      /* a lone surrogate, escaped */
	    "{\"a\":\"\\udc00\\ud800\"}",
	    "{\"a\":\"\\ud800x\"}",
	    "<?xml version=\"1.0\"?><r/>",
	    "{\"a\":[[[[[[[[[1]]]]]]]]]}", /* nine deep */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(parse_str(bad[i]), PAI_ERR_REPLY);
	}
	assert_int_equal(parse_text("{\"a\":\"x\0y\"}", 11), PAI_ERR_REPLY); /* raw NUL */
	assert_int_equal(parse_text("{\"a\":1}\0", 8), PAI_ERR_REPLY);
	assert_int_equal(parse_str("{\"a\":[[[[[[1]]]]]]}"), PAI_OK); /* seven deep */
}

static void json_reader_bounds_the_size(void **state)
{
	size_t len = JSON_REPLY_MAX_BYTES + 1, i;
	char *big = malloc(len + 1);

	(void)state;
	assert_non_null(big);
	memcpy(big, "{\"a\":\"", 6);
	for (i = 6; i < len - 2; i++)
		big[i] = 'x';
	memcpy(big + len - 2, "\"}", 3);
	assert_int_equal(parse_text(big, len), PAI_ERR_TOOBIG);
	memcpy(big + len - 3, "\"}", 3);
	assert_int_equal(parse_text(big, len - 1), PAI_OK); /* exactly the bound */
	free(big);
}

static void json_errors_read_as_botocore_reads_them(void **state)
{
	static const struct {
		const char *body, *code, *message;
	} cases[] = {
	    {"{\"__type\":\"ResourceNotFoundException\",\"Message\":\"gone\"}",
	     "ResourceNotFoundException", "gone"},
	    {"{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\","
	     "\"message\":\"bad token\"}",
	     "UnrecognizedClientException", "bad token"},
	    {"{\"__type\":\"ValidationException:http://internal.amazon.com/coral/\"}",
	     "ValidationException", ""},
	    {"{\"__type\":\"a#b#ThrottlingException\",\"message\":\"m\",\"Message\":\"M\"}",
	     "ThrottlingException", "m"},
	    {"{\"__type\":\"X\",\"Message\":\"line\\nbreak\\u00e9\"}", "X", "line?break??"},
	    {"{\"__type\":7,\"Message\":\"odd\"}", "", "odd"},
	};
	struct aws_error e;
	struct json_reply *r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(&e, 'x', sizeof(e));
		assert_int_equal(json_reply_parse(cases[i].body, strlen(cases[i].body), &r),
		                 PAI_OK);
		assert_true(json_reply_error(r, &e));
		assert_string_equal(e.code, cases[i].code);
		assert_string_equal(e.message, cases[i].message);
		assert_string_equal(e.request_id, "");
		json_reply_free(r);
	}
	assert_int_equal(json_reply_parse("{\"Name\":\"x\"}", 12, &r), PAI_OK);
	assert_false(json_reply_error(r, &e));
	json_reply_free(r);
}

/* ---- the request body ---- */

static void body_is_plain_json_with_the_secret_escaped(void **state)
{
	struct json_object *o = json_object_new_object();
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	json_object_object_add(o, "SecretId", json_object_new_string("fleet/a"));
	json_object_object_add(o, "ClientRequestToken", json_object_new_string(TOK1));
	assert_int_equal(aws_json_body(o, "SecretString", "q\"b\\s/n\n\x01\xc3\xa9", 11, &b),
	                 PAI_OK);
	assert_string_equal(b.data, "{\"SecretId\":\"fleet/a\",\"ClientRequestToken\":\"" TOK1
	                            "\",\"SecretString\":\"q\\\"b\\\\s/n\\n\\u0001\xc3\xa9\"}");
	/* the object is left as it came: no SecretString */
	assert_false(json_object_object_get_ex(o, "SecretString", NULL));
	assert_int_equal(json_object_object_length(o), 2);
	buf_reset(&b);
	assert_int_equal(aws_json_body(o, NULL, NULL, 0, &b), PAI_OK);
	assert_string_equal(b.data,
	                    "{\"SecretId\":\"fleet/a\",\"ClientRequestToken\":\"" TOK1 "\"}");
	buf_free(&b);
	json_object_put(o);
}

static void body_refuses_what_it_cannot_send(void **state)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	json_object_object_add(o, "SecretString", json_object_new_string("there"));
	assert_int_equal(aws_json_body(o, "SecretString", "v", 1, &b), PAI_ERR_INVALID);
	assert_int_equal(aws_json_body(o, "Other", "a\0b", 3, &b), PAI_ERR_INVALID);
	assert_int_equal(aws_json_body(o, "Other", NULL, 0, &b), PAI_ERR_INVALID);
	assert_int_equal(aws_json_body(arr, NULL, NULL, 0, &b), PAI_ERR_INVALID);
	assert_int_equal(aws_json_body(NULL, NULL, NULL, 0, &b), PAI_ERR_INVALID);
	assert_null(b.data);
	buf_free(&b);
	buf_init(&b, 10);
	assert_int_equal(aws_json_body(o, "Other", "0123456789", 10, &b), PAI_ERR_TOOBIG);
	assert_false(json_object_object_get_ex(o, "Other", NULL));
	buf_free(&b);
	json_object_put(o);
	json_object_put(arr);
}

#ifndef __SANITIZE_ADDRESS__
/* realloc, watched: json-c's print buffer grows by realloc, which frees the old block with
 * whatever it held. Counts the blocks realloc gives up that hold the marker. */
static const char *watched_marker;
static int marker_reallocs;

void *realloc(void *p, size_t n)
{
	static void *(*next)(void *, size_t);

	if (!next)
		*(void **)&next = dlsym(RTLD_NEXT, "realloc");
	if (watched_marker && p &&
	    memmem(p, malloc_usable_size(p), watched_marker, strlen(watched_marker)))
		marker_reallocs++;
	return next(p, n);
}

/* Serialises {"SecretId":..., "SecretString": v} in one pass, as json-c alone would. */
static void serialise_naively(const char *v, size_t len)
{
	struct json_object *o = json_object_new_object();
	size_t out_len;

	json_object_object_add(o, "SecretId", json_object_new_string("fleet/a"));
	json_object_object_add(o, "SecretString", json_object_new_string_len(v, (int)len));
	assert_non_null(json_object_to_json_string_length(o, 0, &out_len));
	json_object_put(o);
}

static char *marked_value(size_t len, const char *marker)
{
	char *v = malloc(len + 1);
	size_t i;

	assert_non_null(v);
	for (i = 0; i < len; i++)
		v[i] = "ab\"\\\n\x01/"[i % 7];
	memcpy(v + len / 2 - 3, marker, 7);
	v[len] = '\0';
	return v;
}

static void secret_never_sits_in_a_buffer_json_c_reallocates(void **state)
{
	char marker[16], *v;
	size_t len;
	int it = 0;

	(void)state;
	/* the control: one pass leaves copies behind (unless realloc is not ours to watch, as
	 * under valgrind) */
	v = marked_value(4096, "#ctrl!#");
	watched_marker = "#ctrl!#";
	serialise_naively(v, 4096);
	watched_marker = NULL;
	free(v);
	if (!marker_reallocs)
		skip();
	marker_reallocs = 0;
	for (len = 12; len <= SM_VALUE_MAX; len += 1 + len / 5, it++) {
		struct json_object *o = json_object_new_object();
		struct buf b;

		snprintf(marker, sizeof(marker), "#%05d#", it);
		v = marked_value(len, marker);
		json_object_object_add(o, "SecretId", json_object_new_string("fleet/a"));
		buf_init(&b, 1u << 20);
		watched_marker = marker;
		assert_int_equal(aws_json_body(o, "SecretString", v, len, &b), PAI_OK);
		watched_marker = NULL;
		assert_int_equal(marker_reallocs, 0);
		buf_free(&b);
		json_object_put(o);
		secret_wipe(v, len);
		free(v);
	}
}
#else
static void secret_never_sits_in_a_buffer_json_c_reallocates(void **state)
{
	(void)state;
	skip(); /* ASan owns realloc */
}
#endif

/* ---- requests on the wire, replies from a loopback server ---- */

#define MAX_EXCHANGES 8

struct canned {
	int status;
	const char *body;
};

struct server {
	int fd, port;
	pthread_t thread;
	const struct canned *replies;
	size_t n_replies;
	char *requests[MAX_EXCHANGES];
	size_t request_len[MAX_EXCHANGES];
	size_t n_requests;
};

/* Reads one request (head, then Content-Length bytes of body) from c into s. */
static void read_request(struct server *s, int c)
{
	size_t cap = 1u << 20, len = 0, need = 0;
	char *buf = malloc(cap + 1), *end;
	ssize_t n;

	if (!buf)
		return;
	while (len < cap) {
		struct pollfd p = {c, POLLIN, 0};

		if (poll(&p, 1, 5000) <= 0)
			break;
		n = read(c, buf + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && !need) {
			char *cl = strcasestr(buf, "\r\nContent-Length:");

			need = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 17, NULL, 10) : 0);
		}
		if (need && len >= need)
			break;
	}
	s->requests[s->n_requests] = buf;
	s->request_len[s->n_requests++] = len;
}

static void *serve(void *arg)
{
	struct server *s = arg;
	char head[256];
	size_t i;

	for (i = 0; i < s->n_replies; i++) {
		struct pollfd p = {s->fd, POLLIN, 0};
		int c;

		if (poll(&p, 1, 3000) <= 0) /* past standard mode's longest backoff here */
			break;
		c = accept(s->fd, NULL, NULL);
		if (c < 0)
			break;
		read_request(s, c);
		snprintf(head, sizeof(head),
		         "HTTP/1.1 %d X\r\nContent-Type: application/x-amz-json-1.1\r\n"
		         "Content-Length: %zu\r\nConnection: close\r\n\r\n",
		         s->replies[i].status, strlen(s->replies[i].body));
		if (write(c, head, strlen(head)) < 0 ||
		    write(c, s->replies[i].body, strlen(s->replies[i].body)) < 0)
			i = s->n_replies;
		close(c);
	}
	return NULL;
}

static void server_start(struct server *s, const struct canned *replies, size_t n)
{
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);

	memset(s, 0, sizeof(*s));
	s->replies = replies;
	s->n_replies = n;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(s->fd, 8), 0);
	assert_int_equal(getsockname(s->fd, (struct sockaddr *)&a, &alen), 0);
	s->port = ntohs(a.sin_port);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* Waits for the server to end; what it received stays readable until server_free. */
static void server_stop(struct server *s)
{
	pthread_join(s->thread, NULL);
	close(s->fd);
}

static void server_free(struct server *s)
{
	size_t i;

	for (i = 0; i < s->n_requests; i++)
		free(s->requests[i]);
}

/* A client of region REGION whose Secrets Manager is the server; creds NULL = test_creds. */
static struct aws_client *client_for(struct server *s, const struct aws_creds *creds, int attempts)
{
	struct aws_client_opts o = {.region = REGION, .max_attempts = attempts};
	struct aws_client *c = NULL;
	char url[64];

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s->port);
	o.secretsmanager_endpoint = url;
	assert_int_equal(aws_client_new(&c, &o, creds ? creds : &test_creds), PAI_OK);
	return c;
}

static const char *header(const struct sigv4_rawreq *raw, const char *name)
{
	size_t i;

	const char *v;

	for (i = 0; i < raw->req.n_headers; i++) {
		if (strcasecmp(raw->req.headers[i].name, name))
			continue;
		for (v = raw->req.headers[i].value; *v == ' ' || *v == '\t'; v++)
			;
		return v;
	}
	return NULL;
}

/* Checks request i of s: POST /, JSON content type, the target, the exact body, and an
 * Authorization that signs signed_headers and that the signer reproduces from what arrived. */
static void check_request(const struct server *s, size_t i, const struct aws_creds *creds,
                          const char *target, const char *body, const char *signed_headers)
{
	struct sigv4_rawreq raw;
	struct sigv4_header sh[SIGV4_MAX_HEADERS];
	struct sigv4_request rq;
	struct buf auth;
	const char *authz, *p;
	char want[256], names[256], *tok, *save;
	size_t n = 0;

	assert_true(i < s->n_requests);
	assert_int_equal(sigv4_rawreq_parse(s->requests[i], s->request_len[i], &raw), PAI_OK);
	assert_string_equal(raw.req.method, "POST");
	assert_string_equal(raw.req.path, "/");
	assert_string_equal(header(&raw, "Content-Type"), "application/x-amz-json-1.1");
	assert_string_equal(header(&raw, "X-Amz-Target"), target);
	assert_int_equal(raw.req.body_len, strlen(body));
	assert_memory_equal(raw.req.body, body, strlen(body));
	authz = header(&raw, "Authorization");
	assert_non_null(authz);
	snprintf(want, sizeof(want), "/%s/secretsmanager/aws4_request, SignedHeaders=%s,", REGION,
	         signed_headers);
	assert_non_null(strstr(authz, want));
	/* recompute the signature over the headers it names, as they arrived */
	p = strstr(authz, "SignedHeaders=") + 14;
	snprintf(names, sizeof(names), "%.*s", (int)strcspn(p, ","), p);
	for (tok = strtok_r(names, ";", &save); tok; tok = strtok_r(NULL, ";", &save)) {
		sh[n].name = tok;
		sh[n].value = header(&raw, tok);
		assert_non_null(sh[n].value);
		n++;
	}
	rq = raw.req;
	rq.headers = sh;
	rq.n_headers = n;
	buf_init(&auth, 0);
	assert_int_equal(sigv4_authorization(&rq, creds ? creds : &test_creds,
	                                     header(&raw, "X-Amz-Date"), REGION, "secretsmanager",
	                                     &auth),
	                 PAI_OK);
	assert_string_equal(auth.data, authz);
	buf_free(&auth);
	sigv4_rawreq_free(&raw);
}

#define SIGNED_PLAIN   "content-type;host;x-amz-date;x-amz-target"
#define SIGNED_SESSION "content-type;host;x-amz-date;x-amz-security-token;x-amz-target"

static void put_request_is_built_and_signed_exactly(void **state)
{
	static const struct canned ok[] = {
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK2
	          "\",\"VersionStages\":[\"AWSCURRENT\"]}"},
	};
	struct server s;
	struct aws_client *c;
	struct sm_written w;

	(void)state;
	server_start(&s, ok, 1);
	c = client_for(&s, NULL, 0);
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK2, "v\"1/\xc3\xa9", &w, NULL),
	                 PAI_OK);
	assert_string_equal(w.arn, ARN_A);
	assert_string_equal(w.version_id, TOK2);
	aws_client_free(c);
	server_stop(&s);
	check_request(&s, 0, NULL, "secretsmanager.PutSecretValue",
	              "{\"SecretId\":\"fleet/a\",\"ClientRequestToken\":\"" TOK2
	              "\",\"SecretString\":\"v\\\"1/\xc3\xa9\"}",
	              SIGNED_PLAIN);
	server_free(&s);
}

static void every_operation_sends_its_own_body(void **state)
{
	static const struct canned replies[] = {
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1 "\"}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\"}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionIdsToStages\":{\"" TOK1
	          "\":[\"AWSCURRENT\"]}}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1
	          "\",\"VersionStages\":[\"AWSCURRENT\"],\"SecretString\":\"s\"}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1
	          "\",\"SecretString\":\"s\"}"},
	};
	struct server s;
	struct aws_client *c;
	struct sm_written w;
	struct sm_secret_info info;
	struct sm_value v;

	(void)state;
	server_start(&s, replies, 5);
	c = client_for(&s, NULL, 0);
	assert_int_equal(
	    sm_create_secret(c, "fleet/a", TOK1, "alias/pai", "the fleet", "{}", &w, NULL), PAI_OK);
	assert_string_equal(w.version_id, TOK1);
	assert_int_equal(sm_create_secret(c, "fleet/a", TOK1, NULL, NULL, NULL, &w, NULL), PAI_OK);
	assert_string_equal(w.version_id, "");
	assert_int_equal(sm_describe_secret(c, ARN_A, &info, NULL), PAI_OK);
	assert_string_equal(info.current, TOK1);
	assert_int_equal(sm_get_secret_value(c, "fleet/a", NULL, &v, NULL), PAI_OK);
	assert_string_equal(v.string, "s");
	sm_value_wipe(&v);
	assert_int_equal(sm_get_secret_value(c, "fleet/a", TOK1, &v, NULL), PAI_OK);
	sm_value_wipe(&v);
	assert_int_equal(aws_client_attempts(c), 5);
	aws_client_free(c);
	server_stop(&s);
	check_request(&s, 0, NULL, "secretsmanager.CreateSecret",
	              "{\"Name\":\"fleet/a\",\"ClientRequestToken\":\"" TOK1
	              "\",\"KmsKeyId\":\"alias/pai\",\"Description\":\"the fleet\","
	              "\"SecretString\":\"{}\"}",
	              SIGNED_PLAIN);
	check_request(&s, 1, NULL, "secretsmanager.CreateSecret",
	              "{\"Name\":\"fleet/a\",\"ClientRequestToken\":\"" TOK1 "\"}", SIGNED_PLAIN);
	check_request(&s, 2, NULL, "secretsmanager.DescribeSecret", "{\"SecretId\":\"" ARN_A "\"}",
	              SIGNED_PLAIN);
	check_request(&s, 3, NULL, "secretsmanager.GetSecretValue",
	              "{\"SecretId\":\"fleet/a\",\"VersionStage\":\"AWSCURRENT\"}", SIGNED_PLAIN);
	check_request(&s, 4, NULL, "secretsmanager.GetSecretValue",
	              "{\"SecretId\":\"fleet/a\",\"VersionId\":\"" TOK1 "\"}", SIGNED_PLAIN);
	server_free(&s);
}

static void session_credentials_sign_the_security_token(void **state)
{
	static const struct aws_creds session = {
	    .access_key_id = "ASIAEXAMPLE000000000",
	    .secret_access_key = "sEcReTsEcReTsEcReTsEcReTsEcReTsEcReT0000",
	    .session_token = "IQoJb3JpZ2luX2VjEXAMPLE+token/with=padding==",
	};
	static const struct canned ok[] = {
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\"}"},
	};
	struct server s;
	struct aws_client *c;
	struct sm_secret_info info;
	struct sigv4_rawreq raw;

	(void)state;
	server_start(&s, ok, 1);
	c = client_for(&s, &session, 0);
	assert_int_equal(sm_describe_secret(c, "fleet/a", &info, NULL), PAI_OK);
	aws_client_free(c);
	server_stop(&s);
	check_request(&s, 0, &session, "secretsmanager.DescribeSecret",
	              "{\"SecretId\":\"fleet/a\"}", SIGNED_SESSION);
	assert_int_equal(sigv4_rawreq_parse(s.requests[0], s.request_len[0], &raw), PAI_OK);
	assert_string_equal(header(&raw, "X-Amz-Security-Token"), session.session_token);
	assert_non_null(strstr(header(&raw, "Authorization"), "Credential=ASIAEXAMPLE000000000/"));
	sigv4_rawreq_free(&raw);
	server_free(&s);
}

/* One call against canned replies: its status, code, attempts. */
static void expect_outcome(const struct canned *replies, size_t n, bool create, pai_err want,
                           const char *code, int attempts)
{
	struct server s;
	struct aws_client *c;
	struct sm_written w;
	pai_err e;

	server_start(&s, replies, n);
	c = client_for(&s, NULL, 3);
	if (create)
		e = sm_create_secret(c, "fleet/a", TOK1, NULL, NULL, "v", &w, NULL);
	else
		e = sm_put_secret_value(c, "fleet/a", TOK1, "v", &w, NULL);
	assert_int_equal(e, want);
	if (e) {
		assert_string_equal(aws_client_last_error(c)->code, code);
		assert_true(all_zero(&w, sizeof(w)));
	}
	assert_int_equal(aws_client_last_error(c)->attempts, e ? attempts : 0);
	assert_int_equal((int)aws_client_attempts(c), attempts);
	aws_client_free(c);
	server_stop(&s);
	server_free(&s);
	assert_int_equal((int)s.n_requests, attempts);
}

#define PUT_OK                                                                                     \
	{                                                                                          \
		200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1 "\"}"     \
	}

static void error_codes_map_and_only_transient_ones_are_retried(void **state)
{
	static const struct canned not_found[] = {
	    {400, "{\"__type\":\"ResourceNotFoundException\",\"Message\":\"gone\"}"}};
	static const struct canned exists[] = {
	    {400, "{\"__type\":\"com.amazonaws.secretsmanager#ResourceExistsException\","
	          "\"message\":\"taken\"}"}};
	static const struct canned limit[] = {
	    {400, "{\"__type\":\"LimitExceededException\",\"Message\":\"100 versions\"}"}};
	static const struct canned denied[] = {
	    {400, "{\"__type\":\"AccessDeniedException\",\"Message\":\"no\"}"}};
	static const struct canned bad_sig[] = {
	    {400, "{\"__type\":\"com.amazon.coral.service#InvalidSignatureException\"}"}};
	static const struct canned unknown_key[] = {
	    {400, "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}"}};
	static const struct canned expired[] = {
	    {400, "{\"__type\":\"com.amazon.coral.service#ExpiredTokenException\"}"}};
	static const struct canned deleted[] = {
	    {400, "{\"__type\":\"InvalidRequestException\",\"Message\":\"marked for deletion\"}"}};
	static const struct canned error_in_200[] = {
	    {200, "{\"__type\":\"AccessDeniedException\",\"Message\":\"hostile\"}"}};
	static const struct canned throttled_then_ok[] = {
	    {400, "{\"__type\":\"com.amazon.coral.availability#ThrottlingException\"}"}, PUT_OK};
	static const struct canned too_many_then_ok[] = {
	    {429, "{\"__type\":\"TooManyRequestsException\"}"}, PUT_OK};
	static const struct canned internal_then_ok[] = {
	    {500, "{\"__type\":\"InternalServiceError\",\"Message\":\"oops\"}"}, PUT_OK};
	static const struct canned html_503_then_ok[] = {{503, "<html>busy</html>"}, PUT_OK};
	static const struct canned always_throttled[] = {
	    {400, "{\"__type\":\"ThrottlingException\"}"},
	    {400, "{\"__type\":\"ThrottlingException\"}"},
	    {400, "{\"__type\":\"ThrottlingException\"}"}};

	(void)state;
	expect_outcome(not_found, 1, false, PAI_ERR_NOT_FOUND, "ResourceNotFoundException", 1);
	expect_outcome(exists, 1, false, PAI_ERR_EXISTS, "ResourceExistsException", 1);
	expect_outcome(limit, 1, false, PAI_ERR_LIMIT, "LimitExceededException", 1);
	expect_outcome(denied, 1, false, PAI_ERR_DENIED, "AccessDeniedException", 1);
	expect_outcome(bad_sig, 1, false, PAI_ERR_DENIED, "InvalidSignatureException", 1);
	expect_outcome(unknown_key, 1, false, PAI_ERR_DENIED, "UnrecognizedClientException", 1);
	expect_outcome(expired, 1, false, PAI_ERR_DENIED, "ExpiredTokenException", 1);
	expect_outcome(deleted, 1, false, PAI_ERR_AWS, "InvalidRequestException", 1);
	expect_outcome(error_in_200, 1, false, PAI_ERR_DENIED, "AccessDeniedException", 1);
	expect_outcome(throttled_then_ok, 2, false, PAI_OK, "", 2);
	expect_outcome(too_many_then_ok, 2, false, PAI_OK, "", 2);
	expect_outcome(internal_then_ok, 2, false, PAI_OK, "", 2);
	expect_outcome(html_503_then_ok, 2, false, PAI_OK, "", 2);
	expect_outcome(always_throttled, 3, false, PAI_ERR_AWS, "ThrottlingException", 3);
	/* CreateSecret goes once: a 500 may have created it; throttling did nothing */
	expect_outcome(internal_then_ok, 1, true, PAI_ERR_AWS, "InternalServiceError", 1);
	expect_outcome(throttled_then_ok, 2, true, PAI_OK, "", 2);
}

static void hostile_success_replies_are_refused(void **state)
{
	static const struct canned replies[] = {
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1
	          "\",\"VersionId\":\"" TOK1 "\"}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\",\"VersionId\":\"" TOK1 "\""},
	    {200, ""},
	    {200, "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	          "<r>&x;</r>"},
	};
	struct server s;
	struct aws_client *c;
	struct sm_written w;
	size_t i;

	(void)state;
	server_start(&s, replies, 4);
	c = client_for(&s, NULL, 0);
	for (i = 0; i < 4; i++) {
		assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1, "v", &w, NULL),
		                 PAI_ERR_REPLY);
		assert_int_equal(aws_client_last_error(c)->attempts,
		                 1); /* a 2xx is never retried */
		assert_true(all_zero(&w, sizeof(w)));
	}
	aws_client_free(c);
	server_stop(&s);
	server_free(&s);
}

static void queued_calls_of_both_protocols_flush_together(void **state)
{
	static const struct canned replies[] = {
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\"}"},
	    {200, "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\"}"},
	};
	struct aws_client_opts o = {.region = REGION, .iam_endpoint = "http://127.0.0.1:1/"};
	struct server s;
	struct aws_client *c = NULL;
	struct sm_secret_info info[2];
	struct sts_identity id;
	struct aws_result res[3];
	char url[64];

	(void)state;
	server_start(&s, replies, 2);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", s.port);
	o.secretsmanager_endpoint = url;
	o.sts_endpoint = "http://127.0.0.1:1/";
	o.max_attempts = 1;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	assert_int_equal(sm_describe_secret(c, "fleet/a", &info[0], &res[0]), PAI_OK);
	assert_int_equal(sts_get_caller_identity(c, &id, &res[1]), PAI_OK);
	assert_int_equal(sm_describe_secret(c, ARN_A, &info[1], &res[2]), PAI_OK);
	assert_int_equal(aws_client_attempts(c), 0);
	assert_int_equal(aws_client_flush(c), PAI_ERR_NETWORK);
	assert_int_equal(res[0].status, PAI_OK);
	assert_int_equal(res[1].status, PAI_ERR_NETWORK);
	assert_int_equal(res[2].status, PAI_OK);
	assert_string_equal(info[0].name, "fleet/a");
	assert_string_equal(info[1].arn, ARN_A);
	aws_client_free(c);
	server_stop(&s);
	server_free(&s);
}

/* ---- the reply readers ---- */

static struct sm_expect want(const char *secret_id, const char *version_id, bool value_sent)
{
	struct sm_expect x;

	memset(&x, 0, sizeof(x));
	snprintf(x.secret_id, sizeof(x.secret_id), "%s", secret_id);
	snprintf(x.version_id, sizeof(x.version_id), "%s", version_id ? version_id : "");
	snprintf(x.partition, sizeof(x.partition), "aws");
	snprintf(x.region, sizeof(x.region), REGION);
	x.value_sent = value_sent;
	return x;
}

static pai_err read_reply(aws_json_parser parser, const char *text, const struct sm_expect *x,
                          void *out)
{
	struct json_reply *r = NULL;
	pai_err e = json_reply_parse(text, strlen(text), &r);

	if (e)
		return e;
	e = parser(r, x, out);
	json_reply_free(r);
	return e;
}

#define SECRET_A "\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\""

static void describe_reads_versions_and_deletion(void **state)
{
	struct sm_expect x = want("fleet/a", NULL, false);
	struct sm_secret_info info;

	(void)state;
	assert_int_equal(read_reply(sm_parse_describe,
	                            "{" SECRET_A
	                            ",\"KmsKeyId\":\"alias/pai\",\"RotationEnabled\":false,"
	                            "\"DeletedDate\":1.7e9,\"LastChangedDate\":1700000000.123,"
	                            "\"Tags\":[{\"Key\":\"k\",\"Value\":\"v\"}],"
	                            "\"VersionIdsToStages\":{\"" TOK1 "\":[\"AWSPREVIOUS\"],\"" TOK2
	                            "\":[\"AWSCURRENT\",\"pai:host\"]},\"Unknown\":{\"x\":[1]}}",
	                            &x, &info),
	                 PAI_OK);
	assert_string_equal(info.arn, ARN_A);
	assert_string_equal(info.name, "fleet/a");
	assert_string_equal(info.kms_key_id, "alias/pai");
	assert_string_equal(info.current, TOK2);
	assert_string_equal(info.previous, TOK1);
	assert_true(info.scheduled_for_deletion);
	assert_int_equal(info.n_versions, 2);
	/* a secret with no version yet, described by full and by partial ARN */
	x = want(ARN_A, NULL, false);
	assert_int_equal(read_reply(sm_parse_describe, "{" SECRET_A "}", &x, &info), PAI_OK);
	assert_int_equal(info.n_versions, 0);
	assert_string_equal(info.current, "");
	assert_false(info.scheduled_for_deletion);
	x = want(ARN_PFX "fleet/a", NULL, false);
	assert_int_equal(read_reply(sm_parse_describe,
	                            "{" SECRET_A ",\"KmsKeyId\":\"\",\"DeletedDate\":null}", &x,
	                            &info),
	                 PAI_OK);
}

static void describe_refuses_hostile_replies(void **state)
{
	static const char *const bad[] = {
	    "{\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"" ARN_A "\"}",
	    "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/b\"}",
	    "{\"ARN\":\"" ARN_PFX "fleet/b-AbC123\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"arn:aws:secretsmanager:eu-west-1:" ACCOUNT
	    ":secret:fleet/a-AbC123\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"arn:aws-cn:secretsmanager:" REGION ":" ACCOUNT
	    ":secret:fleet/a-AbC123\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"arn:aws:iam::" ACCOUNT ":secret:fleet/a-AbC123\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"" ARN_PFX "fleet/a\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"" ARN_PFX "fleet/a-AbC12\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"arn:aws:secretsmanager:" REGION ":12345:secret:fleet/a-AbC123\","
	    "\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"" ARN_A "\",\"Name\":\"fleet/a\\n[evil]\"}",
	    "{\"ARN\":\"" ARN_A "\\n\",\"Name\":\"fleet/a\"}",
	    "{\"ARN\":[\"" ARN_A "\"],\"Name\":\"fleet/a\"}",
	    "{\"ARN\":\"" ARN_A "\",\"Name\":7}",
	    "{" SECRET_A ",\"KmsKeyId\":\"has space\"}",
	    "{" SECRET_A ",\"KmsKeyId\":5}",
	    "{" SECRET_A ",\"DeletedDate\":\"yesterday\"}",
	    "{" SECRET_A ",\"DeletedDate\":-1}",
	    "{" SECRET_A ",\"DeletedDate\":1e300}",
	    "{" SECRET_A ",\"VersionIdsToStages\":[]}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"short\":[\"AWSCURRENT\"]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":\"AWSCURRENT\"}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[\"AWSCURRENT\",\"AWSCURRENT\"]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[\"AWSCURRENT\"],\"" TOK2
	    "\":[\"AWSCURRENT\"]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[\"AWSPREVIOUS\"]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[\"AWS CURRENT\"]}}",
	    "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1 "\":[1]}}",
	};
	struct sm_expect x = want("fleet/a", NULL, false);
	struct sm_secret_info info;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		memset(&info, 'x', sizeof(info));
		assert_int_equal(read_reply(sm_parse_describe, bad[i], &x, &info), PAI_ERR_REPLY);
		assert_true(all_zero(&info, sizeof(info)));
	}
}

static void describe_bounds_versions_and_labels(void **state)
{
	struct sm_expect x = want("fleet/a", NULL, false);
	struct sm_secret_info info;
	char *text = malloc(64 * 1024);
	size_t n, i;

	(void)state;
	assert_non_null(text);
	for (int extra = 0; extra <= 1; extra++) { /* SM_MAX_VERSIONS, then one more */
		n = (size_t)sprintf(text, "{" SECRET_A ",\"VersionIdsToStages\":{");
		for (i = 0; i < SM_MAX_VERSIONS + (size_t)extra; i++)
			n += (size_t)sprintf(text + n,
			                     "%s\"00000000-0000-5000-8000-%012zu\":[\"l%zu\"%s]",
			                     i ? "," : "", i, i, i ? "" : ",\"AWSCURRENT\"");
		sprintf(text + n, "}}");
		assert_int_equal(read_reply(sm_parse_describe, text, &x, &info),
		                 extra ? PAI_ERR_REPLY : PAI_OK);
		if (!extra)
			assert_int_equal(info.n_versions, SM_MAX_VERSIONS);
	}
	/* 20 labels on a version, then 21 */
	for (int extra = 0; extra <= 1; extra++) {
		n = (size_t)sprintf(text, "{" SECRET_A ",\"VersionIdsToStages\":{\"" TOK1
		                          "\":[\"AWSCURRENT\"");
		for (i = 1; i < 20 + (size_t)extra; i++)
			n += (size_t)sprintf(text + n, ",\"l%zu\"", i);
		sprintf(text + n, "]}}");
		assert_int_equal(read_reply(sm_parse_describe, text, &x, &info),
		                 extra ? PAI_ERR_REPLY : PAI_OK);
	}
	free(text);
}

static void get_value_reads_the_string_and_checks_the_version(void **state)
{
	struct sm_expect x = want("fleet/a", NULL, false);
	struct sm_value v;

	(void)state;
	assert_int_equal(read_reply(sm_parse_get_value,
	                            "{" SECRET_A ",\"VersionId\":\"" TOK1
	                            "\",\"VersionStages\":[\"AWSCURRENT\"],\"SecretString\":"
	                            "\"{\\\"k\\\":\\\"\\u00e9\\n\\\"}\",\"CreatedDate\":1.5e9}",
	                            &x, &v),
	                 PAI_OK);
	assert_string_equal(v.version_id, TOK1);
	assert_int_equal(v.len, 11);
	assert_string_equal(v.string, "{\"k\":\"\xc3\xa9\n\"}");
	sm_value_wipe(&v);
	assert_true(all_zero(&v, sizeof(v)));
	/* a version asked for by ID: its labels need not include AWSCURRENT, nor be there */
	x = want("fleet/a", TOK2, false);
	assert_int_equal(
	    read_reply(sm_parse_get_value,
	               "{" SECRET_A ",\"VersionId\":\"" TOK2 "\",\"SecretString\":\"\"}", &x, &v),
	    PAI_OK);
	assert_int_equal(v.len, 0);
	assert_string_equal(v.string, "");
	sm_value_wipe(&v);
}

static void get_value_refuses_hostile_replies(void **state)
{
	static const struct {
		const char *version; /* asked for; NULL = AWSCURRENT */
		const char *body;
	} bad[] = {
	    {NULL, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretString\":\"s\"}"},
	    {NULL, "{" SECRET_A ",\"VersionId\":\"" TOK1
	           "\",\"VersionStages\":[\"AWSPREVIOUS\"],\"SecretString\":\"s\"}"},
	    {TOK2, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretString\":\"s\"}"},
	    {TOK1, "{" SECRET_A ",\"SecretString\":\"s\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretBinary\":\"AAEC\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1
	           "\",\"SecretString\":\"s\",\"SecretBinary\":\"AAEC\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretString\":[\"s\"]}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretString\":\"a\\u0000b\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"VersionStages\":\"AWSCURRENT\","
	           "\"SecretString\":\"s\"}"},
	    {TOK1, "{\"ARN\":\"" ARN_PFX "other-AbC123\",\"Name\":\"other\",\"VersionId\":\"" TOK1
	           "\",\"SecretString\":\"s\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\\n[evil]\",\"SecretString\":\"s\"}"},
	    {TOK1, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"SecretString\":\"s\","
	           "\"SecretString\":\"t\"}"},
	};
	struct sm_expect x;
	struct sm_value v;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("case %zu\n", i);
		x = want("fleet/a", bad[i].version, false);
		memset(&v, 0, sizeof(v));
		assert_int_equal(read_reply(sm_parse_get_value, bad[i].body, &x, &v),
		                 PAI_ERR_REPLY);
		assert_true(all_zero(&v, sizeof(v)));
	}
}

static void get_value_bounds_the_string(void **state)
{
	struct sm_expect x = want("fleet/a", TOK1, false);
	size_t prefix, len, i;
	struct sm_value v;
	char *text;

	(void)state;
	for (len = SM_VALUE_MAX; len <= SM_VALUE_MAX + 1; len++) {
		text = malloc(len + 512);
		assert_non_null(text);
		prefix = (size_t)sprintf(text, "{" SECRET_A ",\"VersionId\":\"" TOK1
		                               "\",\"SecretString\":\"");
		for (i = 0; i < len; i++)
			text[prefix + i] = (char)('a' + i % 26);
		strcpy(text + prefix + len, "\"}");
		assert_int_equal(read_reply(sm_parse_get_value, text, &x, &v),
		                 len == SM_VALUE_MAX ? PAI_OK : PAI_ERR_REPLY);
		assert_int_equal(v.len, len == SM_VALUE_MAX ? len : 0);
		sm_value_wipe(&v);
		free(text);
	}
}

static void written_replies_name_the_token_sent(void **state)
{
	struct sm_expect x = want("fleet/a", TOK1, true);
	struct sm_written w;

	(void)state;
	assert_int_equal(
	    read_reply(sm_parse_create, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\"}", &x, &w),
	    PAI_OK);
	assert_string_equal(w.version_id, TOK1);
	assert_int_equal(
	    read_reply(sm_parse_create, "{" SECRET_A ",\"VersionId\":\"" TOK2 "\"}", &x, &w),
	    PAI_ERR_REPLY);
	assert_int_equal(read_reply(sm_parse_create, "{" SECRET_A "}", &x, &w), PAI_ERR_REPLY);
	x.value_sent = false; /* no value: no version, and none may be claimed */
	assert_int_equal(read_reply(sm_parse_create, "{" SECRET_A "}", &x, &w), PAI_OK);
	assert_string_equal(w.version_id, "");
	assert_int_equal(
	    read_reply(sm_parse_create, "{" SECRET_A ",\"VersionId\":\"" TOK1 "\"}", &x, &w),
	    PAI_ERR_REPLY);
	x = want("fleet/a", TOK1, true);
	assert_int_equal(
	    read_reply(sm_parse_put,
	               "{" SECRET_A ",\"VersionId\":\"" TOK1 "\",\"VersionStages\":[]}", &x, &w),
	    PAI_OK); /* a retried put whose version was since superseded */
	assert_int_equal(read_reply(sm_parse_put,
	                            "{" SECRET_A ",\"VersionId\":\"" TOK1
	                            "\",\"VersionStages\":[\"AWSCURRENT\",\"AWSCURRENT\"]}",
	                            &x, &w),
	                 PAI_ERR_REPLY);
	assert_true(all_zero(&w, sizeof(w)));
	assert_int_equal(read_reply(sm_parse_put,
	                            "{\"ARN\":\"" ARN_A
	                            "\",\"Name\":\"someone-else\",\"VersionId\":\"" TOK1 "\"}",
	                            &x, &w),
	                 PAI_ERR_REPLY);
}

/* ---- token derivation ---- */

static void cas_token_is_python_uuid5(void **state)
{
	/* uuid.uuid5(uuid.UUID(SM_TOKEN_NAMESPACE), name) */
	static const struct {
		const char *name, *token;
	} v[] = {
	    {"a", "57876b9e-14de-58f6-8dd7-5aa005217acc"},
	    {"AIDAEXAMPLE/abc", "4e3be64e-c8af-5d7b-a5f9-778b6448b6ac"},
	    {"AIDAJQABLZS4A3QDU576Q/12b814e1-9a54-5b8e-b209-6d9a47d7cba2",
	     "dda9e671-f198-5877-a360-040f1eb04dba"},
	    {"fleet/\xc3\xa9t\xc3\xa9", "8448ebd5-c758-5c3d-9ba3-bfa1122015e2"},
	};
	char token[SM_TOKEN_MAX], name[4098];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(sm_cas_token(v[i].name, token), PAI_OK);
		assert_string_equal(token, v[i].token);
		assert_true(sm_valid_token(token));
	}
	memset(name, 'x', 4096);
	name[4096] = '\0';
	assert_int_equal(sm_cas_token(name, token), PAI_OK);
	assert_string_equal(token, "6b376ee0-3995-54ae-a590-828b027fe4b7");
	name[4096] = 'x';
	name[4097] = '\0';
	assert_int_equal(sm_cas_token(name, token), PAI_ERR_INVALID);
	assert_string_equal(token, "");
	assert_int_equal(sm_cas_token("", token), PAI_ERR_INVALID);
	assert_int_equal(sm_cas_token(NULL, token), PAI_ERR_INVALID);
	assert_int_equal(sm_cas_token("a", NULL), PAI_ERR_INVALID);
}

static void uuid5_matches_rfc_9562(void **state)
{
	char out[SM_TOKEN_MAX];

	(void)state;
	/* RFC 9562 appendix A.4: "www.example.com" in the DNS namespace */
	assert_int_equal(
	    sm_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "www.example.com", 15, out), PAI_OK);
	assert_string_equal(out, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
	assert_int_equal(sm_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430c", "x", 1, out),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_uuid5("6ba7b8109dad-11d1-80b4-00c04fd430c8x", "x", 1, out),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_uuid5("6ba7b810-9dad-11d1-80b4-00c04fd430cg", "x", 1, out),
	                 PAI_ERR_INVALID);
}

/* ---- input checks ---- */

static void patterns_follow_the_service(void **state)
{
	char name[600];

	(void)state;
	assert_true(sm_valid_name("a"));
	assert_true(sm_valid_name("pam_aws_iam/AIDA0123456789ABCDEFG"));
	assert_true(sm_valid_name("A-z_0+9=.@/"));
	assert_false(sm_valid_name(""));
	assert_false(sm_valid_name(NULL));
	assert_false(sm_valid_name("a b"));
	assert_false(sm_valid_name("a:b"));
	assert_false(sm_valid_name("caf\xc3\xa9"));
	memset(name, 'n', 512);
	name[512] = '\0';
	assert_true(sm_valid_name(name));
	name[512] = 'n';
	name[513] = '\0';
	assert_false(sm_valid_name(name));

	assert_true(sm_valid_token(TOK1));
	assert_true(sm_valid_token("0123456789abcdef0123456789ABCDEF"));
	assert_false(sm_valid_token("0123456789abcdef0123456789ABCDE"));
	assert_false(
	    sm_valid_token("0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789ABCDEFx"));
	assert_false(sm_valid_token("0123456789abcdef_123456789ABCDEF"));
	assert_false(sm_valid_token(NULL));

	assert_true(sm_valid_secret_id("fleet/a"));
	assert_true(sm_valid_secret_id(ARN_A));
	assert_true(sm_valid_secret_id(ARN_PFX "fleet/a"));
	assert_false(sm_valid_secret_id(ARN_PFX));
	assert_false(sm_valid_secret_id("arn:aws:s3:::bucket"));
	assert_false(sm_valid_secret_id("arn:aws:secretsmanager:" REGION ":" ACCOUNT ":other:x"));
	assert_false(sm_valid_secret_id("arn:aws:secretsmanager:" REGION "::secret:x"));
	assert_false(sm_valid_secret_id(ARN_PFX "a b"));

	assert_true(sm_valid_stage("AWSCURRENT"));
	assert_true(sm_valid_stage("pai:host/1"));
	assert_false(sm_valid_stage(""));
	assert_false(sm_valid_stage("a b"));

	assert_true(sm_valid_text("", 0, 1));
	assert_true(sm_valid_text("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, 9));
	assert_false(sm_valid_text("\xc3\xa9", 2, 1));         /* over the bound */
	assert_false(sm_valid_text("a\0b", 3, 3));             /* NUL */
	assert_false(sm_valid_text("\xc0\x80", 2, 2));         /* overlong */
	assert_false(sm_valid_text("\xed\xa0\x80", 3, 3));     /* surrogate */
	assert_false(sm_valid_text("\xf4\x90\x80\x80", 4, 4)); /* past U+10FFFF */
	assert_false(sm_valid_text("\xe2\x82", 2, 2));         /* cut short */
	assert_false(sm_valid_text("\x80", 1, 1));             /* stray continuation */
}

static void bad_inputs_send_nothing(void **state)
{
	struct aws_client_opts o = {
	    .region = REGION, .secretsmanager_endpoint = "http://127.0.0.1:1/", .max_attempts = 1};
	struct aws_client *c = NULL;
	struct sm_secret_info info;
	struct sm_written w;
	struct sm_value v;
	struct sts_session sess;
	char *big;

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	big = malloc(SM_VALUE_MAX + 2);
	assert_non_null(big);
	memset(big, 'v', SM_VALUE_MAX + 1);
	big[SM_VALUE_MAX + 1] = '\0';
	assert_int_equal(sm_describe_secret(c, "a b", &info, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_describe_secret(c, "", &info, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_describe_secret(c, NULL, &info, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_describe_secret(c, "fleet/a", NULL, NULL), PAI_ERR_INVALID);
	/* an ARN of another region or partition could never be answered by this endpoint */
	assert_int_equal(
	    sm_describe_secret(c, "arn:aws:secretsmanager:eu-west-1:" ACCOUNT ":secret:a-AbC123",
	                       &info, NULL),
	    PAI_ERR_INVALID);
	assert_int_equal(
	    sm_describe_secret(
	        c, "arn:aws-cn:secretsmanager:" REGION ":" ACCOUNT ":secret:a-AbC123", &info, NULL),
	    PAI_ERR_INVALID);
	assert_int_equal(sm_get_secret_value(c, "fleet/a", "short", &v, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_create_secret(c, "fleet/a", "short", NULL, NULL, "v", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_create_secret(c, "bad name", TOK1, NULL, NULL, "v", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_create_secret(c, ARN_A, TOK1, NULL, NULL, "v", &w, NULL),
	                 PAI_ERR_INVALID); /* a name, not an ARN */
	assert_int_equal(sm_create_secret(c, "fleet/a", TOK1, "bad key", NULL, "v", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_create_secret(c, "fleet/a", TOK1, NULL, "\xff", "v", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_create_secret(c, "fleet/a", TOK1, NULL, NULL, big, &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1, NULL, &w, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1, big, &w, NULL), PAI_ERR_INVALID);
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1, "bad \xc3", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1 "!", "v", &w, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sts_get_session_token(c, STS_SESSION_MIN - 1, &sess, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(sts_get_session_token(c, STS_SESSION_MAX + 1, &sess, NULL),
	                 PAI_ERR_INVALID);
	assert_int_equal(aws_client_attempts(c), 0);
	big[SM_VALUE_MAX] = '\0'; /* exactly the bound is fine: it reaches the (closed) port */
	assert_int_equal(sm_put_secret_value(c, "fleet/a", TOK1, big, &w, NULL), PAI_ERR_NETWORK);
	free(big);
	aws_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(json_reader_takes_plain_objects),
	    cmocka_unit_test(json_reader_refuses_hostile_text),
	    cmocka_unit_test(json_reader_bounds_the_size),
	    cmocka_unit_test(json_errors_read_as_botocore_reads_them),
	    cmocka_unit_test(body_is_plain_json_with_the_secret_escaped),
	    cmocka_unit_test(body_refuses_what_it_cannot_send),
	    cmocka_unit_test(secret_never_sits_in_a_buffer_json_c_reallocates),
	    cmocka_unit_test(put_request_is_built_and_signed_exactly),
	    cmocka_unit_test(every_operation_sends_its_own_body),
	    cmocka_unit_test(session_credentials_sign_the_security_token),
	    cmocka_unit_test(error_codes_map_and_only_transient_ones_are_retried),
	    cmocka_unit_test(hostile_success_replies_are_refused),
	    cmocka_unit_test(queued_calls_of_both_protocols_flush_together),
	    cmocka_unit_test(describe_reads_versions_and_deletion),
	    cmocka_unit_test(describe_refuses_hostile_replies),
	    cmocka_unit_test(describe_bounds_versions_and_labels),
	    cmocka_unit_test(get_value_reads_the_string_and_checks_the_version),
	    cmocka_unit_test(get_value_refuses_hostile_replies),
	    cmocka_unit_test(get_value_bounds_the_string),
	    cmocka_unit_test(written_replies_name_the_token_sent),
	    cmocka_unit_test(cas_token_is_python_uuid5),
	    cmocka_unit_test(uuid5_matches_rfc_9562),
	    cmocka_unit_test(patterns_follow_the_service),
	    cmocka_unit_test(bad_inputs_send_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
