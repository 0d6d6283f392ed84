/* SPDX-License-Identifier: MIT */
/* http.c — libcurl transport. One multi handle per run owns the connection cache; the
 * synchronous path reuses one easy handle through it, so a run's sequential calls ride one
 * kept-alive connection, and concurrent slots draw from the same cache. */
#include "http.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "hostaddr.h"

#ifndef PAI_VERSION
#define PAI_VERSION "0"
#endif

/* A reply slower than this over this many seconds is dead; the deadline bounds it anyway. */
#define LOW_SPEED_BYTES   64
#define LOW_SPEED_SECONDS 5
/* Response headers beyond this are hostile; libcurl's own per-header cap is larger. */
#define MAX_HEADER_BYTES     (64u * 1024u)
#define MAX_HOST_CONNECTIONS 4
#define RUN_SLICE_MS         1000

struct http_xfer {
	struct http *h;         /* NULL for the one-shot IMDS handle */
	struct http_xfer *next; /* h's list of slots */
	CURL *easy;
	struct curl_slist *hdrs;
	struct http_result res;
	size_t header_bytes;
	bool running;
	bool done;
	pai_err write_err;
	char errbuf[CURL_ERROR_SIZE];
};

struct http {
	CURLM *multi;
	struct http_xfer *sync;
	struct http_xfer *xfers;
	long connect_timeout_ms;
	size_t max_reply;
	long connects;
};

static bool curl_ready;

static pai_err global_init(void)
{
	if (curl_ready)
		return PAI_OK;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return PAI_ERR_NOMEM;
	curl_ready = true;
	return PAI_OK;
}

static bool imds_host(const char *host)
{
	return hostaddr_is_imds(host) || hostaddr_is_loopback(host);
}

/* Host names and IP literals only: no percent-encoding, no IDN, nothing a Host header or the
 * signer's canonical form could disagree about. */
static bool host_chars_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= HTTP_MAX_HOST - 8)
		return false;
	if (s[0] == '[')
		return n > 2 && s[n - 1] == ']' && strspn(s + 1, "0123456789abcdef:.") == n - 2;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == n;
}

static bool path_chars_ok(const char *s)
{
	size_t n = strlen(s);

	return n >= 1 && n < HTTP_MAX_PATH && s[0] == '/' &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._~-") ==
	           n;
}

static bool has_part(CURLU *u, CURLUPart part)
{
	char *v = NULL;
	bool has = curl_url_get(u, part, &v, 0) == CURLUE_OK && v && v[0];

	curl_free(v);
	return has;
}

/* Splits and checks url; imds switches the plain-http rule to the metadata service's. */
static pai_err url_split(const char *url, struct http_url *out, bool imds)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *full = NULL;
	const char *defport;
	pai_err e = PAI_ERR_INVALID;
	int n;
	char *p;

	memset(out, 0, sizeof(*out));
	if (!url || strlen(url) >= HTTP_MAX_URL)
		return PAI_ERR_INVALID;
	if (global_init())
		return PAI_ERR_NOMEM;
	u = curl_url();
	if (!u)
		return PAI_ERR_NOMEM;
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
		goto out;
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK)
		goto out;
	if (has_part(u, CURLUPART_USER) || has_part(u, CURLUPART_PASSWORD) ||
	    has_part(u, CURLUPART_QUERY) || has_part(u, CURLUPART_FRAGMENT) ||
	    has_part(u, CURLUPART_ZONEID))
		goto out;
	for (p = host; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	if (!host_chars_ok(host))
		goto out;
	if (strcmp(scheme, "https") == 0) {
		out->https = true;
		defport = "443";
	} else if (strcmp(scheme, "http") == 0) {
		defport = "80";
	} else {
		goto out;
	}
	if (imds ? out->https || !imds_host(host) : !out->https && !hostaddr_is_loopback(host)) {
		e = PAI_ERR_REFUSED;
		goto out;
	}
	if (curl_url_get(u, CURLUPART_PORT, &port, 0) != CURLUE_OK) {
		curl_free(port);
		port = NULL;
	}
	if (curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK)
		goto out;
	if (path[0] == '\0') {
		if (snprintf(out->path, sizeof(out->path), "/") < 0)
			goto out;
	} else if (path_chars_ok(path)) {
		memcpy(out->path, path, strlen(path) + 1);
	} else {
		goto out;
	}
	if (port && strcmp(port, defport) != 0)
		n = snprintf(out->host, sizeof(out->host), "%s:%s", host, port);
	else
		n = snprintf(out->host, sizeof(out->host), "%s", host);
	if (n < 0 || (size_t)n >= sizeof(out->host))
		goto out;
	if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK || strlen(full) >= HTTP_MAX_URL)
		goto out;
	memcpy(out->url, full, strlen(full) + 1);
	e = PAI_OK;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(full);
	curl_url_cleanup(u);
	if (e)
		memset(out, 0, sizeof(*out));
	return e;
}

pai_err http_check_url(const char *url, struct http_url *out)
{
	return url_split(url, out, false);
}

static size_t on_body(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nmemb;
	pai_err e = buf_append(&x->res.body, ptr, n);

	if (e) {
		x->write_err = e;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *arg)
{
	struct http_xfer *x = arg;
	size_t n = size * nmemb;

	(void)ptr;
	if (n > MAX_HEADER_BYTES - x->header_bytes) {
		x->write_err = PAI_ERR_TOOBIG;
		return 0;
	}
	x->header_bytes += n;
	return n;
}

/* The options every transfer carries, whatever it talks to. */
static bool lockdown(struct http_xfer *x, long connect_ms, size_t max_reply)
{
	CURL *c = x->easy;
	bool ok = true;

	ok &= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_MAXREDIRS, 0L) == CURLE_OK;
	/* An empty proxy disables the *_proxy environment variables altogether. */
	ok &= curl_easy_setopt(c, CURLOPT_PROXY, "") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NOPROXY, "*") == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_IGNORED) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
	/* Set explicitly so CURL_CA_BUNDLE / SSL_CERT_FILE in the environment play no part. */
	ok &= curl_easy_setopt(c, CURLOPT_CAINFO, HTTP_CA_FILE) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_CAPATH, HTTP_CA_PATH) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_USERAGENT, "pam_aws_iam/" PAI_VERSION) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_WRITEDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HEADERDATA, x) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, x->errbuf) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_PRIVATE, x) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)LOW_SPEED_BYTES) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)LOW_SPEED_SECONDS) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_reply) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) == CURLE_OK;
	/* Wait for a multiplexable connection rather than open a second one. */
	ok &= curl_easy_setopt(c, CURLOPT_PIPEWAIT, 1L) == CURLE_OK;
	return ok;
}

static pai_err xfer_alloc(struct http *h, size_t max_reply, struct http_xfer **out)
{
	struct http_xfer *x = calloc(1, sizeof(*x));

	*out = NULL;
	if (!x)
		return PAI_ERR_NOMEM;
	x->h = h;
	buf_init(&x->res.body, max_reply);
	x->easy = curl_easy_init();
	if (!x->easy) {
		free(x);
		return PAI_ERR_NOMEM;
	}
	*out = x;
	return PAI_OK;
}

static void result_reset(struct http_xfer *x)
{
	buf_reset(&x->res.body);
	x->res.err = PAI_OK;
	x->res.retryable = false;
	x->res.sent = false;
	x->res.status = 0;
	x->res.connects = 0;
	x->res.detail[0] = '\0';
	x->errbuf[0] = '\0';
	x->header_bytes = 0;
	x->write_err = PAI_OK;
	x->done = false;
}

static void set_detail(struct http_xfer *x, const char *msg)
{
	size_t i;

	snprintf(x->res.detail, sizeof(x->res.detail), "%s", msg);
	for (i = 0; x->res.detail[i]; i++)
		if (x->res.detail[i] < 0x20 || x->res.detail[i] > 0x7e)
			x->res.detail[i] = '?';
	/* libcurl ends some messages with a newline, now a '?' */
	if (i && x->res.detail[i - 1] == '?')
		x->res.detail[i - 1] = '\0';
}

static void fail_start(struct http_xfer *x, pai_err e, const char *why)
{
	x->res.err = e;
	set_detail(x, why);
	x->done = true;
}

/* Sets the per-request options; headers are copied into x->hdrs. */
static pai_err prepare(struct http_xfer *x, const struct http_request *rq, long timeout_ms,
                       const struct http_url *u)
{
	CURL *c = x->easy;
	const char *method = rq->method ? rq->method : "POST";
	struct curl_slist *l;
	bool ok = true;
	size_t i;

	curl_slist_free_all(x->hdrs);
	/* No "Expect: 100-continue" round trip. */
	x->hdrs = curl_slist_append(NULL, "Expect:");
	for (i = 0; x->hdrs && i < rq->n_headers && i < HTTP_MAX_HEADERS; i++) {
		l = curl_slist_append(x->hdrs, rq->headers[i]);
		if (!l) {
			curl_slist_free_all(x->hdrs);
			x->hdrs = NULL;
		}
		x->hdrs = l;
	}
	if (!x->hdrs)
		return PAI_ERR_NOMEM;
	ok &= curl_easy_setopt(c, CURLOPT_URL, u->url) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_HTTPHEADER, x->hdrs) == CURLE_OK;
	ok &= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) == CURLE_OK;
	ok &=
	    curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, rq->fresh_connection ? 1L : 0L) == CURLE_OK;
	if (strcmp(method, "GET") == 0) {
		ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) == CURLE_OK;
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		ok &= curl_easy_setopt(c, CURLOPT_POST, 1L) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                       (curl_off_t)(rq->body ? rq->body_len : 0)) == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body ? rq->body : "") == CURLE_OK;
		ok &= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST,
		                       strcmp(method, "PUT") == 0 ? "PUT" : NULL) == CURLE_OK;
	} else {
		return PAI_ERR_INVALID;
	}
	return ok ? PAI_OK : PAI_ERR_INVALID;
}

static bool retryable_code(CURLcode cc)
{
	switch (cc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_OPERATION_TIMEDOUT: return true;
	default: return false;
	}
}

/* Records how a transfer ended. */
static void finish(struct http_xfer *x, CURLcode cc)
{
	long v = 0;

	if (curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &v) == CURLE_OK) {
		x->res.connects = v;
		if (x->h)
			x->h->connects += v;
	}
	if (curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &v) == CURLE_OK)
		x->res.status = v;
	x->done = true;
	x->running = false;
	curl_slist_free_all(x->hdrs);
	x->hdrs = NULL;
	if (cc == CURLE_OK)
		return;
	if (x->write_err || cc == CURLE_FILESIZE_EXCEEDED) {
		x->res.err = x->write_err ? x->write_err : PAI_ERR_TOOBIG;
		set_detail(x, x->res.err == PAI_ERR_TOOBIG ? "reply over the size limit"
		                                           : "out of memory");
		return;
	}
	x->res.err = cc == CURLE_OPERATION_TIMEDOUT ? PAI_ERR_TIMEOUT : PAI_ERR_NETWORK;
	x->res.retryable = retryable_code(cc);
	x->res.sent = curl_easy_getinfo(x->easy, CURLINFO_REQUEST_SIZE, &v) != CURLE_OK || v > 0;
	set_detail(x, x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
}

pai_err http_new(struct http **out, const struct http_opts *o)
{
	struct http *h;
	pai_err e;

	*out = NULL;
	e = global_init();
	if (e)
		return e;
	h = calloc(1, sizeof(*h));
	if (!h)
		return PAI_ERR_NOMEM;
	h->connect_timeout_ms =
	    o && o->connect_timeout_ms > 0 ? o->connect_timeout_ms : HTTP_DEFAULT_CONNECT_MS;
	h->max_reply = o && o->max_reply_bytes ? o->max_reply_bytes : HTTP_DEFAULT_MAX_REPLY;
	h->multi = curl_multi_init();
	if (!h->multi) {
		free(h);
		return PAI_ERR_NOMEM;
	}
	curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)MAX_HOST_CONNECTIONS);
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)MAX_HOST_CONNECTIONS);
	e = http_xfer_new(h, &h->sync);
	if (e) {
		curl_multi_cleanup(h->multi);
		free(h);
		return e;
	}
	*out = h;
	return PAI_OK;
}

void http_free(struct http *h)
{
	if (!h)
		return;
	http_xfer_free(h->sync);
	curl_multi_cleanup(h->multi);
	free(h);
}

long http_connects(const struct http *h)
{
	return h->connects;
}

pai_err http_xfer_new(struct http *h, struct http_xfer **out)
{
	pai_err e = xfer_alloc(h, h->max_reply, out);

	if (e)
		return e;
	if (!lockdown(*out, h->connect_timeout_ms, h->max_reply)) {
		http_xfer_free(*out);
		*out = NULL;
		return PAI_ERR_INVALID;
	}
	(*out)->next = h->xfers;
	h->xfers = *out;
	return PAI_OK;
}

void http_xfer_free(struct http_xfer *x)
{
	struct http_xfer **pp;

	if (!x)
		return;
	if (x->running && x->h)
		curl_multi_remove_handle(x->h->multi, x->easy);
	for (pp = x->h ? &x->h->xfers : NULL; pp && *pp; pp = &(*pp)->next) {
		if (*pp == x) {
			*pp = x->next;
			break;
		}
	}
	curl_easy_cleanup(x->easy);
	curl_slist_free_all(x->hdrs);
	buf_free(&x->res.body);
	free(x);
}

pai_err http_xfer_start(struct http_xfer *x, const struct http_request *rq, long timeout_ms)
{
	struct http_url u;
	long connect_ms;
	pai_err e;

	if (x->running)
		return PAI_ERR_INVALID;
	result_reset(x);
	if (timeout_ms <= 0) {
		fail_start(x, PAI_ERR_TIMEOUT, "deadline passed before the request");
		return PAI_ERR_TIMEOUT;
	}
	e = http_check_url(rq->url, &u);
	if (e) {
		fail_start(x, e,
		           e == PAI_ERR_REFUSED ? "plain http to a non-loopback host"
		                                : "malformed URL");
		return e;
	}
	e = prepare(x, rq, timeout_ms, &u);
	connect_ms = x->h->connect_timeout_ms < timeout_ms ? x->h->connect_timeout_ms : timeout_ms;
	if (!e && curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK)
		e = PAI_ERR_INVALID;
	if (!e && curl_multi_add_handle(x->h->multi, x->easy) != CURLM_OK)
		e = PAI_ERR_NOMEM;
	if (e) {
		fail_start(x, e, "cannot set up the request");
		return e;
	}
	x->running = true;
	return PAI_OK;
}

bool http_xfer_done(const struct http_xfer *x)
{
	return x->done;
}

struct http_result *http_xfer_result(struct http_xfer *x)
{
	return &x->res;
}

/* Marks finished transfers done; returns how many finished. */
static int collect(struct http *h)
{
	CURLMsg *m;
	int left, n = 0;
	struct http_xfer *x;

	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
		curl_multi_remove_handle(h->multi, m->easy_handle);
		if (x)
			finish(x, m->data.result);
		n++;
	}
	return n;
}

/* The multi interface itself failed: end every running transfer so no caller waits on it. */
static pai_err abort_all(struct http *h)
{
	struct http_xfer *x;

	for (x = h->xfers; x; x = x->next) {
		if (!x->running)
			continue;
		curl_multi_remove_handle(h->multi, x->easy);
		x->running = false;
		x->done = true;
		x->res.err = PAI_ERR_NETWORK;
		set_detail(x, "libcurl multi interface failed");
	}
	return PAI_ERR_NETWORK;
}

pai_err http_run(struct http *h, long wait_ms)
{
	int running = 0;

	if (curl_multi_perform(h->multi, &running) != CURLM_OK)
		return abort_all(h);
	/* A transfer that just finished goes back to the caller now, not after the wait: its
	 * caller may have the next request ready (a lost wait here cost a whole slice). */
	if (collect(h) > 0 || wait_ms <= 0)
		return PAI_OK;
	if (wait_ms > RUN_SLICE_MS)
		wait_ms = RUN_SLICE_MS;
	/* With no transfer running this simply sleeps, which is what a backoff wants. */
	if (curl_multi_poll(h->multi, NULL, 0, (int)wait_ms, NULL) != CURLM_OK)
		return abort_all(h);
	if (curl_multi_perform(h->multi, &running) != CURLM_OK)
		return abort_all(h);
	collect(h);
	return PAI_OK;
}

pai_err http_perform(struct http *h, const struct http_request *rq, long timeout_ms,
                     struct http_result **res)
{
	struct http_xfer *x = h->sync;
	long stop;
	pai_err e;

	*res = &x->res;
	e = http_xfer_start(x, rq, timeout_ms);
	if (e)
		return e;
	/* libcurl enforces timeout_ms; the wall-clock stop only guards against a stuck loop. */
	stop = (long)clock_now_ms() + timeout_ms + 2000;
	for (;;) {
		http_run(h, RUN_SLICE_MS);
		if (http_xfer_done(x))
			break;
		if ((long)clock_now_ms() > stop) {
			curl_multi_remove_handle(h->multi, x->easy);
			x->running = false;
			x->done = true;
			x->res.err = PAI_ERR_TIMEOUT;
			set_detail(x, "transfer did not finish");
			break;
		}
	}
	return x->res.err;
}

pai_err http_imds(const struct http_request *rq, long connect_timeout_ms, long timeout_ms,
                  size_t max_reply, struct http_result *res)
{
	struct http_xfer *x = NULL;
	struct http_url u;
	pai_err e;

	memset(res, 0, sizeof(*res));
	buf_init(&res->body, max_reply);
	if (timeout_ms <= 0)
		return res->err = PAI_ERR_TIMEOUT;
	e = url_split(rq->url, &u, true);
	if (e) {
		snprintf(res->detail, sizeof(res->detail), "%s",
		         e == PAI_ERR_REFUSED ? "not an instance metadata address"
		                              : "malformed URL");
		return res->err = e;
	}
	e = global_init();
	if (!e)
		e = xfer_alloc(NULL, max_reply ? max_reply : HTTP_DEFAULT_MAX_REPLY, &x);
	if (e)
		return res->err = e;
	if (connect_timeout_ms <= 0 || connect_timeout_ms > timeout_ms)
		connect_timeout_ms = timeout_ms;
	if (!lockdown(x, connect_timeout_ms, x->res.body.max))
		e = PAI_ERR_INVALID;
	if (!e)
		e = prepare(x, rq, timeout_ms, &u);
	if (e) {
		x->res.err = e;
		set_detail(x, "cannot set up the request");
	} else {
		finish(x, curl_easy_perform(x->easy));
	}
	/* Hand the result, body included, to the caller. */
	*res = x->res;
	buf_init(&x->res.body, 0);
	http_xfer_free(x);
	return res->err;
}
