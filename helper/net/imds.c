/* SPDX-License-Identifier: MIT */
/* imds.c — IMDSv2: PUT a session token, GET the role name, GET its credentials. Every
 * reply is bounded and checked; every secret (IMDS token, keys, JSON text) is wiped. */
#include "imds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jsonsafe.h"
#include "buf.h"
#include "http.h"
#include "validate.h"

#define IMDS_CONNECT_MS 1000
#define IMDS_JSON_DEPTH 4

static bool is_b64ish(const char *s, size_t max)
{
	size_t n;

	for (n = 0; s[n]; n++)
		if (!((s[n] >= 'A' && s[n] <= 'Z') || (s[n] >= 'a' && s[n] <= 'z') ||
		      (s[n] >= '0' && s[n] <= '9') || strchr("+/=_-", s[n])))
			return false;
	return n > 0 && n <= max;
}

static bool valid_sts_token(const char *s)
{
	return is_b64ish(s, IMDS_MAX_STS_TOKEN);
}

static bool is_success(const char *s)
{
	return !strcmp(s, "Success");
}

static pai_err dup_into(char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst ? PAI_OK : PAI_ERR_NOMEM;
}

pai_err imds_parse_credentials(const char *json, size_t len, struct aws_creds *c)
{
	struct json_object *obj = NULL;
	const char *id, *secret, *token, *exp;
	pai_err e;

	memset(c, 0, sizeof(*c));
	e = jsonsafe_parse(json, len, IMDS_MAX_REPLY, IMDS_JSON_DEPTH, &obj);
	if (e)
		return e == PAI_ERR_NOMEM || e == PAI_ERR_INVALID || e == PAI_ERR_TOOBIG
		           ? e
		           : PAI_ERR_REPLY;
	e = PAI_ERR_REPLY;
	if (!json_object_is_type(obj, json_type_object))
		goto out;
	id = jsonsafe_string(obj, "AccessKeyId", valid_access_key_id);
	secret = jsonsafe_string(obj, "SecretAccessKey", valid_secret_key);
	token = jsonsafe_string(obj, "Token", valid_sts_token);
	exp = jsonsafe_string(obj, "Expiration", valid_iso8601);
	if (!jsonsafe_string(obj, "Code", is_success) || !id || !secret || !token || !exp)
		goto out;
	e = dup_into(&c->access_key_id, id);
	if (!e)
		e = dup_into(&c->secret_access_key, secret);
	if (!e)
		e = dup_into(&c->session_token, token);
	if (!e)
		e = dup_into(&c->expiration, exp);
out:
	if (e)
		aws_creds_wipe(c);
	jsonsafe_put(obj);
	return e;
}

pai_err imds_parse_role(const char *body, size_t len, char out[65])
{
	size_t n = len;

	out[0] = '\0';
	if (!body)
		return PAI_ERR_INVALID;
	if (n > 0 && body[n - 1] == '\n')
		n--;
	if (n == 0 || n > 64 || memchr(body, '\0', n))
		return PAI_ERR_REPLY;
	memcpy(out, body, n);
	out[n] = '\0';
	if (!valid_user_name(out)) { /* role names share the user-name pattern */
		out[0] = '\0';
		return PAI_ERR_REPLY;
	}
	return PAI_OK;
}

struct imds_run {
	char base[HTTP_MAX_URL];
	long deadline; /* monotonic ms */
	char *err;
	size_t errlen;
};

/* One request; on success *res holds a 200 reply (free its body with buf_free). */
static pai_err imds_request(struct imds_run *run, const char *method, const char *path,
                            const char *header, struct http_result *res)
{
	struct http_request rq;
	char url[HTTP_MAX_URL + 128];
	long left = run->deadline - (long)clock_now_ms();
	pai_err e;

	memset(res, 0, sizeof(*res));
	buf_init(&res->body, IMDS_MAX_REPLY);
	if (left <= 0) {
		snprintf(run->err, run->errlen, "instance metadata: deadline passed");
		return PAI_ERR_TIMEOUT;
	}
	snprintf(url, sizeof(url), "%s%s", run->base, path);
	memset(&rq, 0, sizeof(rq));
	rq.url = url;
	rq.method = method;
	rq.headers[0] = header;
	rq.n_headers = 1;
	e = http_imds(&rq, left < IMDS_CONNECT_MS ? left : IMDS_CONNECT_MS, left, IMDS_MAX_REPLY,
	              res);
	if (e) {
		snprintf(run->err, run->errlen, "instance metadata %s %s: %s%s%s", method, path,
		         pai_strerror(e), res->detail[0] ? ": " : "", res->detail);
		return e;
	}
	if (res->status == 200)
		return PAI_OK;
	snprintf(run->err, run->errlen, "instance metadata %s %s: HTTP %ld%s", method, path,
	         res->status,
	         res->status == 404 ? " (no IAM role attached to this instance?)" : "");
	buf_free(&res->body);
	if (res->status == 404)
		return PAI_ERR_NOT_FOUND;
	if (res->status == 401 || res->status == 403)
		return PAI_ERR_DENIED;
	return PAI_ERR_REPLY;
}

#define CREDS_PATH "/latest/meta-data/iam/security-credentials/"

pai_err imds_get_credentials(const char *base_url, long timeout_ms, struct aws_creds *c, char *err,
                             size_t errlen)
{
	struct imds_run run = {.err = err, .errlen = errlen};
	struct http_result res;
	char header[64 + IMDS_MAX_TOKEN], role[65], path[sizeof(CREDS_PATH) + 64];
	size_t n;
	pai_err e;

	memset(c, 0, sizeof(*c));
	memset(header, 0, sizeof(header));
	if (errlen)
		err[0] = '\0';
	if (!base_url)
		base_url = IMDS_DEFAULT_URL;
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof(run.base)) {
		snprintf(err, errlen, "instance metadata: bad URL");
		return PAI_ERR_INVALID;
	}
	memcpy(run.base, base_url, n);
	run.base[n] = '\0';
	run.deadline = (long)clock_now_ms() + (timeout_ms > 0 ? timeout_ms : IMDS_DEFAULT_TIMEOUT);

	e = imds_request(&run, "PUT", "/latest/api/token",
	                 "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL_S, &res);
	if (e)
		goto out;
	if (!is_b64ish(res.body.data ? res.body.data : "", IMDS_MAX_TOKEN)) {
		snprintf(err, errlen, "instance metadata: malformed session token");
		e = PAI_ERR_REPLY;
		buf_free(&res.body);
		goto out;
	}
	snprintf(header, sizeof(header), "X-aws-ec2-metadata-token: %s", res.body.data);
	buf_free(&res.body);

	e = imds_request(&run, "GET", CREDS_PATH, header, &res);
	if (e)
		goto out;
	e = imds_parse_role(res.body.data ? res.body.data : "", res.body.len, role);
	buf_free(&res.body);
	if (e) {
		snprintf(err, errlen, "instance metadata: malformed role name");
		goto out;
	}

	snprintf(path, sizeof(path), "%s%s", CREDS_PATH, role);
	e = imds_request(&run, "GET", path, header, &res);
	if (e)
		goto out;
	e = imds_parse_credentials(res.body.data ? res.body.data : "", res.body.len, c);
	buf_free(&res.body);
	if (e)
		snprintf(err, errlen, "instance metadata: credentials of role %s: %s", role,
		         e == PAI_ERR_REPLY ? "malformed or Code is not Success" : pai_strerror(e));
out:
	secret_wipe(header, sizeof(header));
	return e;
}
