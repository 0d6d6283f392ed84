/* SPDX-License-Identifier: MIT */
/* awsclient.c — the one retry loop for every AWS call. A call is a POST / signed with SigV4:
 * a form-encoded Query request read with xmlreply (IAM, STS), or a JSON 1.1 request read
 * with awsjson (Secrets Manager). Everything past the body and the reply reader is shared:
 * signing, the connection, the queue, standard-mode retries and the run's single deadline. */
#include "awsclient.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "buf.h"
#include "endpoints.h"
#include "awsjson.h"
#include "awsquery.h"
#include "awsretry.h"
#include "http.h"
#include "sigv4.h"
#include "xmlreply.h"

#define DEFAULT_DEADLINE_MS  8000
#define DEFAULT_MAX_ATTEMPTS 3
#define MAX_ATTEMPTS_BOUND   10
/* A 64 KiB secret value can take six bytes a byte once JSON-escaped. */
#define MAX_BODY_BYTES (512u * 1024u)
#define MAX_QUEUE      64
/* Standard mode's retry quota: a run cannot turn an outage into a retry storm. */
#define RETRY_QUOTA        500
#define RETRY_COST         5
#define RETRY_COST_TIMEOUT 10
#define NO_RETRY_INCREMENT 1
#define FORM_CONTENT_TYPE  "application/x-www-form-urlencoded; charset=utf-8"

#define MAX_TARGET 128 /* "secretsmanager.ACTION" */

/* One call, queued or running, with its own retry state. */
struct aws_pending {
	enum aws_service svc;
	bool once;               /* must not run twice: see struct aws_query */
	struct buf body;         /* the request: may hold a password or a secret value, wiped */
	char target[MAX_TARGET]; /* JSON protocol: the X-Amz-Target value */
	union {
		aws_reply_parser xml;
		aws_json_parser json;
	} parse;      /* by the service's protocol; may be NULL */
	void *expect; /* JSON protocol: the parser's copy of what the reply must say */
	void *out;
	struct aws_result *res;
	struct http_xfer *x; /* slot while queued calls run */
	int attempts;
	int retry_cost; /* quota taken by the latest retry */
	long next_at;   /* monotonic ms before which the next attempt may not start */
	bool in_flight;
	bool finished;
	pai_err status;
	struct aws_error err;
};

struct aws_client {
	struct http *http;
	struct aws_creds creds;
	const struct aws_partition *part;
	struct http_url url[AWS_N_SERVICES];
	char region[ENDPOINTS_REGION_MAX]; /* of the regional services */
	long deadline;                     /* monotonic ms */
	int max_attempts;
	int retry_quota;
	unsigned attempts;
	struct aws_error last;
	struct aws_pending *queue[MAX_QUEUE];
	size_t n_queue;
	struct http_xfer *slots[MAX_QUEUE];
	size_t n_slots;
};

static void copy_text(char *dst, size_t n, const char *src)
{
	size_t i;

	snprintf(dst, n, "%s", src ? src : "");
	for (i = 0; dst[i]; i++)
		if (dst[i] < 0x20 || dst[i] > 0x7e)
			dst[i] = '?';
}

pai_err aws_query_add(struct aws_query *q, const char *name, const char *value)
{
	if (!q || !name || !name[0] || !value)
		return PAI_ERR_INVALID;
	if (q->n >= AWS_QUERY_MAX_PARAMS)
		return PAI_ERR_TOOBIG;
	q->p[q->n].name = name;
	q->p[q->n].value = value;
	q->n++;
	return PAI_OK;
}

/* How one protocol reads a complete reply: parse the body, tell an AWS error, hand a
 * success to the call's own parser. */
struct reply_reader {
	const char *content_type; /* of requests */
	const char *unreadable;   /* what a body that does not parse is called */
	pai_err (*parse)(const char *body, size_t len, void **doc);
	bool (*error)(const void *doc, struct aws_error *err);
	pai_err (*deliver)(const void *doc, const struct aws_pending *p);
	void (*free)(void *doc);
};

static pai_err xml_parse(const char *body, size_t len, void **doc)
{
	struct xml_reply *r = NULL;
	pai_err e = xml_reply_parse(body, len, &r);

	*doc = r;
	return e;
}

static bool xml_error(const void *doc, struct aws_error *err)
{
	return xml_reply_error(doc, err);
}

static pai_err xml_deliver(const void *doc, const struct aws_pending *p)
{
	return p->parse.xml ? p->parse.xml(doc, p->out) : PAI_OK;
}

static void xml_free(void *doc)
{
	xml_reply_free(doc);
}

static pai_err json_parse(const char *body, size_t len, void **doc)
{
	struct json_reply *r = NULL;
	pai_err e = json_reply_parse(body, len, &r);

	*doc = r;
	return e;
}

static bool json_error(const void *doc, struct aws_error *err)
{
	return json_reply_error(doc, err);
}

static pai_err json_deliver(const void *doc, const struct aws_pending *p)
{
	return p->parse.json ? p->parse.json(doc, p->expect, p->out) : PAI_OK;
}

static void json_free(void *doc)
{
	json_reply_free(doc);
}

static const struct reply_reader readers[] = {
    [AWS_PROTOCOL_QUERY] = {FORM_CONTENT_TYPE, "an unreadable XML reply", xml_parse, xml_error,
                            xml_deliver, xml_free},
    [AWS_PROTOCOL_JSON] = {JSON_CONTENT_TYPE, "an unreadable JSON reply", json_parse, json_error,
                           json_deliver, json_free},
};

static const struct reply_reader *reader_of(enum aws_service s)
{
	return &readers[endpoints_protocol(s)];
}

/* Reads one attempt's outcome into err; *retry says whether standard mode tries again. */
static pai_err evaluate(struct http_result *hr, const struct aws_pending *p, struct aws_error *err,
                        bool *retry)
{
	const struct reply_reader *rd = reader_of(p->svc);
	bool ok2xx = hr->status >= 200 && hr->status < 300, once = p->once;
	void *r = NULL;
	pai_err e;

	*retry = false;
	err->http_status = hr->status;
	if (hr->err) {
		copy_text(err->message, sizeof(err->message), hr->detail);
		*retry = hr->retryable && !(once && hr->sent);
		return hr->err;
	}
	e = rd->parse(hr->body.data ? hr->body.data : "", hr->body.len, &r);
	if (e) {
		*retry = !ok2xx &&
		         (once ? aws_throttled("", hr->status) : aws_retryable("", hr->status));
		snprintf(err->message, sizeof(err->message), "HTTP %ld with %s", hr->status,
		         e == PAI_ERR_TOOBIG ? "a reply over the size limit" : rd->unreadable);
		return ok2xx ? e : PAI_ERR_AWS;
	}
	if (rd->error(r, err) || !ok2xx) {
		err->http_status = hr->status;
		if (!err->code[0] && !err->message[0])
			snprintf(err->message, sizeof(err->message),
			         "HTTP %ld without an AWS error code", hr->status);
		*retry = once ? aws_throttled(err->code, hr->status)
		              : aws_retryable(err->code, hr->status);
		e = err->code[0] ? aws_error_status(err->code) : PAI_ERR_AWS;
		goto out;
	}
	e = rd->deliver(r, p);
	if (e)
		copy_text(err->message, sizeof(err->message), "reply lacks expected fields");
out:
	rd->free(r);
	return e;
}

long aws_client_remaining_ms(const struct aws_client *c)
{
	long left = c->deadline - (long)clock_now_ms();

	return left > 0 ? left : 0;
}

/* Decides what follows one attempt: done (status and err filled) or a retry at next_at. */
static void after_attempt(struct aws_client *c, struct aws_pending *p, struct http_result *hr)
{
	struct aws_error err = {0};
	long delay, left;
	int cost;
	bool retry;
	pai_err e;

	e = evaluate(hr, p, &err, &retry);
	buf_reset(&hr->body); /* replies carry secret keys */
	err.attempts = p->attempts;
	p->status = e;
	p->err = err;
	if (!e) {
		/* Standard mode gives quota back on success. */
		c->retry_quota += p->retry_cost ? p->retry_cost : NO_RETRY_INCREMENT;
		if (c->retry_quota > RETRY_QUOTA)
			c->retry_quota = RETRY_QUOTA;
		p->finished = true;
		return;
	}
	left = aws_client_remaining_ms(c);
	if (left == 0 && hr->err == PAI_ERR_TIMEOUT)
		p->status = PAI_ERR_TIMEOUT;
	if (!retry || p->attempts >= c->max_attempts || left == 0) {
		p->finished = true;
		return;
	}
	cost = e == PAI_ERR_TIMEOUT ? RETRY_COST_TIMEOUT : RETRY_COST;
	delay = aws_backoff_ms(p->attempts, aws_random32());
	/* Never sleep into the deadline: report the last error instead. */
	if (cost > c->retry_quota || delay >= left) {
		p->finished = true;
		return;
	}
	c->retry_quota -= cost;
	p->retry_cost = cost;
	p->next_at = (long)clock_now_ms() + delay;
}

/* The signed headers of one attempt, as "Name: value" lines kept until libcurl copies them. */
struct attempt_headers {
	char host[HTTP_MAX_HOST + 8];
	char ctype[64];
	char date[40];
	char target[MAX_TARGET + 16];
	struct buf auth;
	struct buf token;
	struct http_request rq;
};

static void headers_free(struct attempt_headers *h)
{
	buf_free(&h->auth);
	buf_free(&h->token);
	secret_wipe(h, sizeof(*h));
}

static pai_err sign_request(struct aws_client *c, const struct aws_pending *p,
                            struct attempt_headers *ah)
{
	const struct http_url *u = &c->url[p->svc];
	const char *ctype = reader_of(p->svc)->content_type;
	struct sigv4_header sh[5];
	struct sigv4_request sr = {0};
	char amz_date[SIGV4_DATE_LEN + 1];
	size_t n = 0;
	pai_err e;

	buf_init(&ah->auth, 4096);
	buf_init(&ah->token, SIGV4_MAX_HEADER_VALUE + 64);
	e = sigv4_amz_date(time(NULL), amz_date);
	if (e)
		return e;
	sh[n++] = (struct sigv4_header){"Host", u->host};
	sh[n++] = (struct sigv4_header){"Content-Type", ctype};
	sh[n++] = (struct sigv4_header){"X-Amz-Date", amz_date};
	if (c->creds.session_token)
		sh[n++] = (struct sigv4_header){"X-Amz-Security-Token", c->creds.session_token};
	if (p->target[0])
		sh[n++] = (struct sigv4_header){"X-Amz-Target", p->target};
	sr.method = "POST";
	sr.path = u->path;
	sr.query = "";
	sr.headers = sh;
	sr.n_headers = n;
	sr.body = p->body.data;
	sr.body_len = p->body.len;
	e = buf_append_str(&ah->auth, "Authorization: ");
	if (!e)
		e = sigv4_authorization(&sr, &c->creds, amz_date, aws_client_region(c, p->svc),
		                        endpoints_service_name(p->svc), &ah->auth);
	if (!e && c->creds.session_token)
		e = buf_appendf(&ah->token, "X-Amz-Security-Token: %s", c->creds.session_token);
	if (e)
		return e;
	snprintf(ah->host, sizeof(ah->host), "Host: %s", u->host);
	snprintf(ah->ctype, sizeof(ah->ctype), "Content-Type: %s", ctype);
	snprintf(ah->date, sizeof(ah->date), "X-Amz-Date: %s", amz_date);
	snprintf(ah->target, sizeof(ah->target), "X-Amz-Target: %s", p->target);
	ah->rq.url = u->url;
	ah->rq.method = "POST";
	ah->rq.headers[0] = ah->host;
	ah->rq.headers[1] = ah->ctype;
	ah->rq.headers[2] = ah->date;
	ah->rq.headers[3] = ah->auth.data;
	ah->rq.n_headers = 4;
	if (c->creds.session_token)
		ah->rq.headers[ah->rq.n_headers++] = ah->token.data;
	if (p->target[0])
		ah->rq.headers[ah->rq.n_headers++] = ah->target;
	ah->rq.body = p->body.data;
	ah->rq.body_len = p->body.len;
	ah->rq.fresh_connection = p->once;
	return PAI_OK;
}

/* Starts one attempt: synchronously on the client's reused handle when x is NULL, else on
 * slot x. Returns the result to evaluate now (sync, or a start that failed), else NULL. */
static struct http_result *attempt(struct aws_client *c, struct aws_pending *p, struct http_xfer *x,
                                   struct http_result *local)
{
	struct attempt_headers ah;
	struct http_result *hr = NULL;
	pai_err e;

	memset(&ah, 0, sizeof(ah));
	p->attempts++;
	c->attempts++;
	e = sign_request(c, p, &ah);
	if (e) {
		memset(local, 0, sizeof(*local));
		local->err = e;
		snprintf(local->detail, sizeof(local->detail), "cannot sign the request: %s",
		         pai_strerror(e));
		hr = local;
	} else if (!x) {
		http_perform(c->http, &ah.rq, aws_client_remaining_ms(c), &hr);
	} else if (http_xfer_start(x, &ah.rq, aws_client_remaining_ms(c))) {
		hr = http_xfer_result(x);
	}
	headers_free(&ah);
	return hr;
}

static void pending_free(struct aws_pending *p)
{
	if (!p)
		return;
	buf_free(&p->body);
	free(p->expect);
	secret_wipe(p, sizeof(*p));
	free(p);
}

pai_err aws_client_new(struct aws_client **out, const struct aws_client_opts *o,
                       const struct aws_creds *creds)
{
	static const struct aws_client_opts defaults = {0};
	struct aws_client *c;
	struct http_opts ho = {0};
	const char *url, *region;
	char regional[HTTP_MAX_URL];
	pai_err e;
	int s;

	*out = NULL;
	if (!o)
		o = &defaults;
	if (!creds || !creds->access_key_id || !creds->access_key_id[0] ||
	    !creds->secret_access_key || !creds->secret_access_key[0])
		return PAI_ERR_INVALID;
	if (o->max_attempts < 0 || o->max_attempts > MAX_ATTEMPTS_BOUND || o->deadline_ms < 0 ||
	    o->connect_timeout_ms < 0)
		return PAI_ERR_INVALID;
	c = calloc(1, sizeof(*c));
	if (!c)
		return PAI_ERR_NOMEM;
	c->deadline =
	    (long)clock_now_ms() + (o->deadline_ms ? o->deadline_ms : DEFAULT_DEADLINE_MS);
	c->max_attempts = o->max_attempts ? o->max_attempts : DEFAULT_MAX_ATTEMPTS;
	c->retry_quota = RETRY_QUOTA;
	e = PAI_ERR_INVALID;
	c->part = endpoints_partition(o->partition);
	if (!c->part)
		goto fail;
	region = o->region ? o->region : c->part->iam_region;
	if (!endpoints_valid_region(c->part, region))
		goto fail;
	snprintf(c->region, sizeof(c->region), "%s", region);
	for (s = 0; s < AWS_N_SERVICES; s++) {
		url = s == AWS_IAM   ? o->iam_endpoint
		      : s == AWS_STS ? o->sts_endpoint
		                     : o->secretsmanager_endpoint;
		if (!url && endpoints_is_regional((enum aws_service)s)) {
			if (endpoints_regional_url(c->part, (enum aws_service)s, c->region,
			                           regional, sizeof(regional)))
				goto fail;
			url = regional;
		} else if (!url) {
			url = endpoints_url(c->part, (enum aws_service)s);
		}
		if (http_check_url(url, &c->url[s]))
			goto fail; /* the contract's PAI_ERR_INVALID, refused http included */
	}
	e = aws_creds_copy(&c->creds, creds);
	if (e)
		goto fail;
	ho.connect_timeout_ms = o->connect_timeout_ms;
	ho.max_reply_bytes = o->max_reply_bytes;
	e = http_new(&c->http, &ho);
	if (e)
		goto fail;
	*out = c;
	return PAI_OK;
fail:
	aws_client_free(c);
	return e;
}

void aws_client_free(struct aws_client *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->n_queue; i++)
		pending_free(c->queue[i]);
	for (i = 0; i < c->n_slots; i++)
		http_xfer_free(c->slots[i]);
	http_free(c->http);
	aws_creds_wipe(&c->creds);
	secret_wipe(c, sizeof(*c));
	free(c);
}

const struct aws_error *aws_client_last_error(const struct aws_client *c)
{
	return &c->last;
}

unsigned aws_client_attempts(const struct aws_client *c)
{
	return c->attempts;
}

const char *aws_client_region(const struct aws_client *c, enum aws_service s)
{
	if ((unsigned)s >= AWS_N_SERVICES)
		return "";
	return endpoints_is_regional(s) ? c->region : endpoints_region(c->part, s);
}

const char *aws_client_partition(const struct aws_client *c)
{
	return c->part->name;
}

/* Connections opened so far (for tests and the keep-alive check). */
long aws_client_connects(const struct aws_client *c)
{
	return http_connects(c->http);
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0)
		;
}

static pai_err call_now(struct aws_client *c, struct aws_pending *p)
{
	memset(&c->last, 0, sizeof(c->last));
	while (!p->finished) {
		struct http_result local, *hr;
		long wait;

		if (aws_client_remaining_ms(c) == 0) {
			p->status = PAI_ERR_TIMEOUT;
			if (!p->err.message[0])
				copy_text(p->err.message, sizeof(p->err.message),
				          "deadline passed before the call");
			break;
		}
		wait = p->next_at - (long)clock_now_ms();
		if (wait > 0)
			sleep_ms(wait);
		hr = attempt(c, p, NULL, &local);
		after_attempt(c, p, hr);
	}
	p->err.attempts = p->attempts;
	if (p->status)
		c->last = p->err;
	return p->status;
}

/* A new call of service s, or NULL (*e set) when the queue is full or memory short. */
static struct aws_pending *pending_new(struct aws_client *c, enum aws_service s, bool once,
                                       struct aws_result *res, pai_err *e)
{
	struct aws_pending *p;

	*e = PAI_OK;
	if (res && c->n_queue >= MAX_QUEUE) {
		*e = PAI_ERR_TOOBIG;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p) {
		*e = PAI_ERR_NOMEM;
		return NULL;
	}
	p->svc = s;
	p->once = once;
	p->res = res;
	buf_init(&p->body, MAX_BODY_BYTES);
	return p;
}

pai_err aws_result_unsent(struct aws_result *res, pai_err e)
{
	if (res && e) {
		memset(res, 0, sizeof(*res));
		res->status = e;
	}
	return e;
}

/* Queues p (when it has a result slot) or runs it now. built is how building its request
 * went: a request that could not be built is dropped before anything is sent. */
static pai_err submit(struct aws_client *c, struct aws_pending *p, pai_err built)
{
	struct aws_result *res = p->res;
	pai_err e;

	if (built) {
		pending_free(p);
		if (!res) {
			memset(&c->last, 0, sizeof(c->last));
			copy_text(c->last.message, sizeof(c->last.message), "invalid request");
		}
		return aws_result_unsent(res, built);
	}
	if (res) {
		memset(res, 0, sizeof(*res));
		c->queue[c->n_queue++] = p;
		return PAI_OK;
	}
	e = call_now(c, p);
	pending_free(p);
	return e;
}

pai_err aws_call(struct aws_client *c, enum aws_service s, const struct aws_query *q,
                 aws_reply_parser parse, void *out, struct aws_result *res)
{
	struct aws_pending *p;
	pai_err e;

	if (!c || !q || (s != AWS_IAM && s != AWS_STS))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	p = pending_new(c, s, q->once, res, &e);
	if (!p)
		return aws_result_unsent(res, e);
	p->parse.xml = parse;
	p->out = out;
	/* Built now, so the caller's query struct need not outlive a queued call. */
	return submit(c, p, aws_query_body(s, q, &p->body));
}

/* An operation name as X-Amz-Target carries it: 1-64 letters and digits. */
static bool valid_action(const char *a)
{
	size_t n;

	if (!a)
		return false;
	for (n = 0; a[n]; n++)
		if (!((a[n] >= 'A' && a[n] <= 'Z') || (a[n] >= 'a' && a[n] <= 'z') ||
		      (a[n] >= '0' && a[n] <= '9')))
			return false;
	return n > 0 && n <= 64;
}

/* The JSON request body of rq (an empty object when it has none) into p. */
static pai_err json_body(const struct aws_json_request *rq, struct aws_pending *p)
{
	struct json_object *empty = NULL, *body = rq->body;
	pai_err e;

	if (!body) {
		empty = json_object_new_object();
		if (!empty)
			return PAI_ERR_NOMEM;
		body = empty;
	}
	e = aws_json_body(body, rq->secret_member, rq->secret, rq->secret_len, &p->body);
	json_object_put(empty);
	return e;
}

pai_err aws_json_call(struct aws_client *c, enum aws_service s, const struct aws_json_request *rq,
                      aws_json_parser parse, void *out, struct aws_result *res)
{
	struct aws_pending *p;
	pai_err e;

	if (!c || !rq || (unsigned)s >= AWS_N_SERVICES ||
	    endpoints_protocol(s) != AWS_PROTOCOL_JSON || !valid_action(rq->action) ||
	    rq->expect_len > AWS_JSON_MAX_EXPECT || (rq->expect_len && !rq->expect))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	p = pending_new(c, s, rq->once, res, &e);
	if (!p)
		return aws_result_unsent(res, e);
	p->parse.json = parse;
	p->out = out;
	snprintf(p->target, sizeof(p->target), "%s.%s", endpoints_service_name(s), rq->action);
	if (rq->expect_len) {
		p->expect = malloc(rq->expect_len);
		if (!p->expect)
			return submit(c, p, PAI_ERR_NOMEM);
		memcpy(p->expect, rq->expect, rq->expect_len);
	}
	return submit(c, p, json_body(rq, p));
}

static pai_err slot_for(struct aws_client *c, size_t i, struct http_xfer **x)
{
	while (c->n_slots <= i) {
		pai_err e = http_xfer_new(c->http, &c->slots[c->n_slots]);
		if (e)
			return e;
		c->n_slots++;
	}
	*x = c->slots[i];
	return PAI_OK;
}

/* Starts every queued call whose backoff is over; returns how long the loop may wait. */
static long start_due(struct aws_client *c, long wait)
{
	struct http_result local, *hr;
	struct aws_pending *p;
	long now = (long)clock_now_ms(), until;
	size_t i;

	for (i = 0; i < c->n_queue; i++) {
		p = c->queue[i];
		if (p->finished || p->in_flight)
			continue;
		if (aws_client_remaining_ms(c) == 0) {
			p->status = PAI_ERR_TIMEOUT;
			p->finished = true;
			continue;
		}
		until = p->next_at - now;
		if (until > 0) {
			if (until < wait)
				wait = until;
			continue;
		}
		hr = attempt(c, p, p->x, &local);
		if (hr) {
			after_attempt(c, p, hr);
			wait = 0;
		} else {
			p->in_flight = true;
		}
	}
	return wait;
}

pai_err aws_client_flush(struct aws_client *c)
{
	struct aws_pending *p;
	pai_err e = PAI_OK, first = PAI_OK;
	size_t i;

	for (i = 0; i < c->n_queue && !e; i++)
		e = slot_for(c, i, &c->queue[i]->x);
	for (i = 0; e && i < c->n_queue; i++) {
		c->queue[i]->status = e;
		c->queue[i]->finished = true;
	}
	for (;;) {
		long wait = start_due(c, aws_client_remaining_ms(c));
		size_t left = 0;

		for (i = 0; i < c->n_queue; i++)
			left += !c->queue[i]->finished;
		if (!left)
			break;
		/* A failing multi interface ends its transfers itself (http_run). */
		http_run(c->http, wait);
		for (i = 0; i < c->n_queue; i++) {
			p = c->queue[i];
			if (p->in_flight && http_xfer_done(p->x)) {
				p->in_flight = false;
				after_attempt(c, p, http_xfer_result(p->x));
			}
		}
	}
	for (i = 0; i < c->n_queue; i++) {
		p = c->queue[i];
		p->err.attempts = p->attempts;
		if (p->status == PAI_ERR_TIMEOUT && !p->err.message[0])
			copy_text(p->err.message, sizeof(p->err.message), "deadline passed");
		p->res->status = p->status;
		p->res->error = p->err;
		if (p->status && !first)
			first = p->status;
		pending_free(p);
		c->queue[i] = NULL;
	}
	c->n_queue = 0;
	return first;
}
