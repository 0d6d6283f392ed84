/* SPDX-License-Identifier: MIT */
/* http.h — the HTTP transport on libcurl. One multi handle per run holds the connection
 * cache; every request goes through it, so sequential calls reuse one easy handle and one
 * connection, and concurrent calls share the cache. Every transfer is locked down the same
 * way: TLS verified against the system CA store, plain http to loopback literals only, no
 * proxy, no redirect, http/https only, bounded time and reply size. */
#ifndef PAI_HTTP_H
#define PAI_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "buf.h"

#define HTTP_MAX_HEADERS        16
#define HTTP_MAX_HOST           256
#define HTTP_MAX_PATH           256
#define HTTP_MAX_URL            1024
#define HTTP_DEFAULT_CONNECT_MS 2000
#define HTTP_DEFAULT_MAX_REPLY  (1024u * 1024u)
#define HTTP_CA_FILE            "/etc/ssl/certs/ca-certificates.crt"
#define HTTP_CA_PATH            "/etc/ssl/certs"

struct http;      /* a run's multi handle, connection cache and synchronous transfer */
struct http_xfer; /* a reusable transfer slot (one easy handle) */

struct http_opts {
	long connect_timeout_ms; /* 0 = HTTP_DEFAULT_CONNECT_MS */
	size_t max_reply_bytes;  /* 0 = HTTP_DEFAULT_MAX_REPLY */
};

/* A checked URL, split the way the signer needs it. */
struct http_url {
	char url[HTTP_MAX_URL];   /* normalised by libcurl; the one actually requested */
	char host[HTTP_MAX_HOST]; /* Host header: lowercase host, ":port" unless the default */
	char path[HTTP_MAX_PATH]; /* "/" when the URL has none */
	bool https;
};

struct http_request {
	const char *url;
	const char *method;                    /* "POST" (NULL), "GET" or "PUT" */
	const char *headers[HTTP_MAX_HEADERS]; /* "Name: value"; copied by libcurl's list */
	size_t n_headers;
	const char *body; /* must live until the transfer is done; may be NULL */
	size_t body_len;
	/* On a new connection, never a kept-alive one: libcurl re-sends by itself a request
	 * whose reused connection closed before any reply byte, and the server may have acted
	 * on the first. A request that must not run twice sets this. */
	bool fresh_connection;
};

struct http_result {
	pai_err err;      /* PAI_OK when a complete HTTP reply arrived, whatever its status;
	                   * PAI_ERR_TIMEOUT, PAI_ERR_NETWORK, PAI_ERR_TOOBIG, PAI_ERR_REFUSED,
	                   * PAI_ERR_NOMEM otherwise */
	bool retryable;   /* a connection-level failure worth another attempt */
	bool sent;        /* some of the request left: AWS may have acted on it */
	long status;      /* HTTP status; 0 when none arrived */
	long connects;    /* new connections this transfer opened */
	struct buf body;  /* the reply body (wiped on reuse and free) */
	char detail[256]; /* libcurl's description of a failure; "" on success */
};

/* Checks a URL for AWS calls: https, or http to a loopback literal (127.0.0.0/8, [::1]);
 * no user info, query or fragment. PAI_ERR_INVALID when malformed, PAI_ERR_REFUSED when
 * plain http names any other host. */
pai_err http_check_url(const char *url, struct http_url *out);

pai_err http_new(struct http **out, const struct http_opts *o);
/* Frees the transfers' easy handles (each must be freed first) and the connection cache. */
void http_free(struct http *h);
/* Connections opened so far by every transfer of h (libcurl's CURLINFO_NUM_CONNECTS). */
long http_connects(const struct http *h);

/* Runs rq to completion on h's one reused easy handle, within timeout_ms. Returns the
 * result's err; *res stays valid (and its body unwiped) until the next http_perform. */
pai_err http_perform(struct http *h, const struct http_request *rq, long timeout_ms,
                     struct http_result **res);

/* Concurrent transfers: create slots, start them, drive them with http_run until each one
 * reports done. A slot may be started again once done; it reuses its easy handle. */
pai_err http_xfer_new(struct http *h, struct http_xfer **out);
void http_xfer_free(struct http_xfer *x);
/* Starts rq on an idle slot; fails (result err set too) when the URL is refused. */
pai_err http_xfer_start(struct http_xfer *x, const struct http_request *rq, long timeout_ms);
bool http_xfer_done(const struct http_xfer *x);
struct http_result *http_xfer_result(struct http_xfer *x);
/* Moves every started transfer forward, waiting at most wait_ms for network activity;
 * marks finished slots done. PAI_ERR_NETWORK when libcurl's multi interface fails. */
pai_err http_run(struct http *h, long wait_ms);

/* One plain-HTTP request to the EC2 instance metadata service (IMDSv2 GET/PUT): the URL
 * must be http:// to 169.254.169.254, [fd00:ec2::254] or a loopback literal (tests). Same
 * lockdown as AWS calls, its own short-lived handle, reply capped at max_reply bytes.
 * res->body must be freed with buf_free. */
pai_err http_imds(const struct http_request *rq, long connect_timeout_ms, long timeout_ms,
                  size_t max_reply, struct http_result *res);

#endif
