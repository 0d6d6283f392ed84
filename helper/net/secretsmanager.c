/* SPDX-License-Identifier: MIT */
/* secretsmanager.c — typed Secrets Manager operations: check the inputs, build the request
 * with json-c, call aws_json_call with the reply reader of sm_reply.c. Nothing is sent for an
 * input that fails its pattern; a secret value goes into the request only while it is
 * serialised (aws_json_body), and the serialised request is wiped with the call. */
#include "secretsmanager.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hex.h"
#include "sm_reply.h"
#include "unittest.h"

#define CAS_NAME_MAX 4096 /* bytes of a sm_cas_token name */
#define UUID_BYTES   16

void sm_value_wipe(struct sm_value *v)
{
	if (!v)
		return;
	if (v->string) {
		secret_wipe(v->string, v->len);
		free(v->string);
	}
	secret_wipe(v, sizeof(*v));
}

/* What the reply of a call about secret_id must say. An ARN of another partition or region
 * than the client's is PAI_ERR_INVALID: no reply from this endpoint could be about it. */
static pai_err expect_init(struct aws_client *c, const char *secret_id, const char *version_id,
                           bool value_sent, struct sm_expect *x)
{
	char partition[SM_PARTITION_MAX], region[SM_REGION_MAX];

	memset(x, 0, sizeof(*x));
	if (sm_secret_id_scope(secret_id, partition, region))
		return PAI_ERR_INVALID;
	snprintf(x->partition, sizeof(x->partition), "%s", aws_client_partition(c));
	snprintf(x->region, sizeof(x->region), "%s", aws_client_region(c, AWS_SECRETS));
	if (partition[0] && (strcmp(partition, x->partition) || strcmp(region, x->region)))
		return PAI_ERR_INVALID;
	snprintf(x->secret_id, sizeof(x->secret_id), "%s", secret_id);
	snprintf(x->version_id, sizeof(x->version_id), "%s", version_id ? version_id : "");
	x->value_sent = value_sent;
	return PAI_OK;
}

/* A new request object; *e = PAI_ERR_NOMEM when there is none. */
static struct json_object *request(pai_err *e)
{
	struct json_object *o = json_object_new_object();

	*e = o ? PAI_OK : PAI_ERR_NOMEM;
	return o;
}

/* Adds key = value (a copy) to o unless an earlier add failed; the first error sticks. */
static void add(struct json_object *o, const char *key, const char *value, pai_err *e)
{
	struct json_object *v;

	if (*e)
		return;
	v = json_object_new_string(value);
	if (!v || json_object_object_add(o, key, v)) {
		json_object_put(v);
		*e = PAI_ERR_NOMEM;
	}
}

/* Sends body (consumed) as action; value, when not NULL, as its SecretString. */
static pai_err call(struct aws_client *c, const char *action, bool once, struct json_object *body,
                    pai_err built, const char *value, const struct sm_expect *x,
                    aws_json_parser parse, void *out, struct aws_result *res)
{
	struct aws_json_request rq = {
	    .action = action, .once = once, .body = body, .expect = x, .expect_len = sizeof(*x)};
	pai_err e = built;

	if (value) {
		rq.secret_member = "SecretString";
		rq.secret = value;
		rq.secret_len = strlen(value);
	}
	if (!e)
		e = aws_json_call(c, AWS_SECRETS, &rq, parse, out, res);
	json_object_put(body);
	return aws_result_unsent(res, e);
}

/* A SecretString or Description this client may send: bounded, valid UTF-8. */
static bool ok_text(const char *s, size_t max)
{
	return s && sm_valid_text(s, strnlen(s, max + 1), max);
}

pai_err sm_describe_secret(struct aws_client *c, const char *secret_id, struct sm_secret_info *out,
                           struct aws_result *res)
{
	struct sm_expect x;
	struct json_object *body;
	pai_err e, built;

	if (!c || !out || !sm_valid_secret_id(secret_id))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	e = expect_init(c, secret_id, NULL, false, &x);
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	body = request(&built);
	add(body, "SecretId", secret_id, &built);
	e = call(c, "DescribeSecret", false, body, built, NULL, &x, sm_parse_describe, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err sm_get_secret_value(struct aws_client *c, const char *secret_id, const char *version_id,
                            struct sm_value *out, struct aws_result *res)
{
	struct sm_expect x;
	struct json_object *body;
	pai_err e, built;

	if (!c || !out || !sm_valid_secret_id(secret_id) ||
	    (version_id && !sm_valid_token(version_id)))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	e = expect_init(c, secret_id, version_id, false, &x);
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	body = request(&built);
	add(body, "SecretId", secret_id, &built);
	/* AWSCURRENT named, though it is the default: the reader checks the reply holds it */
	if (version_id)
		add(body, "VersionId", version_id, &built);
	else
		add(body, "VersionStage", SM_CURRENT, &built);
	e = call(c, "GetSecretValue", false, body, built, NULL, &x, sm_parse_get_value, out, res);
	if (e && !res)
		sm_value_wipe(out);
	return aws_result_unsent(res, e);
}

pai_err sm_create_secret(struct aws_client *c, const char *name, const char *token,
                         const char *kms_key_id, const char *description, const char *value,
                         struct sm_written *out, struct aws_result *res)
{
	struct sm_expect x;
	struct json_object *body;
	pai_err e, built;

	if (!c || !out || !sm_valid_name(name) || !sm_valid_token(token) ||
	    (kms_key_id && !sm_valid_kms_key_id(kms_key_id)) ||
	    (description && !ok_text(description, SM_DESCRIPTION_MAX)) ||
	    (value && !ok_text(value, SM_VALUE_MAX)))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	e = expect_init(c, name, token, value != NULL, &x);
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	body = request(&built);
	add(body, "Name", name, &built);
	add(body, "ClientRequestToken", token, &built);
	if (kms_key_id)
		add(body, "KmsKeyId", kms_key_id, &built);
	if (description)
		add(body, "Description", description, &built);
	/* once: see secretsmanager.h */
	e = call(c, "CreateSecret", true, body, built, value, &x, sm_parse_create, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

pai_err sm_put_secret_value(struct aws_client *c, const char *secret_id, const char *token,
                            const char *value, struct sm_written *out, struct aws_result *res)
{
	struct sm_expect x;
	struct json_object *body;
	pai_err e, built;

	if (!c || !out || !sm_valid_secret_id(secret_id) || !sm_valid_token(token) ||
	    !ok_text(value, SM_VALUE_MAX))
		return aws_result_unsent(res, PAI_ERR_INVALID);
	e = expect_init(c, secret_id, token, true, &x);
	if (e)
		return aws_result_unsent(res, e);
	memset(out, 0, sizeof(*out));
	body = request(&built);
	add(body, "SecretId", secret_id, &built);
	add(body, "ClientRequestToken", token, &built);
	/* retried as any call: see secretsmanager.h */
	e = call(c, "PutSecretValue", false, body, built, value, &x, sm_parse_put, out, res);
	if (e && !res)
		memset(out, 0, sizeof(*out));
	return aws_result_unsent(res, e);
}

/* The 16 bytes of a UUID in its 8-4-4-4-12 text form. */
static pai_err uuid_bytes(const char *s, unsigned char out[UUID_BYTES])
{
	size_t i = 0, k;

	for (k = 0; k < UUID_BYTES; k++) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return PAI_ERR_INVALID;
			i++;
		}
		hi = hex_digit((unsigned char)s[i]);
		lo = hi < 0 ? -1 : hex_digit((unsigned char)s[i + 1]);
		if (lo < 0)
			return PAI_ERR_INVALID;
		out[k] = (unsigned char)(hi << 4 | lo);
		i += 2;
	}
	return s[i] ? PAI_ERR_INVALID : PAI_OK;
}

/* RFC 9562 section 5.5: the UUID version 5 of name (len bytes) in namespace ns_uuid (text). */
UNITTEST pai_err sm_uuid5(const char *ns_uuid, const char *name, size_t len, char out[SM_TOKEN_MAX])
{
	unsigned char ns[UUID_BYTES], md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	EVP_MD_CTX *ctx;
	int ok;

	out[0] = '\0';
	if (!ns_uuid || !name || uuid_bytes(ns_uuid, ns))
		return PAI_ERR_INVALID;
	/* SHA-1 of the namespace's bytes then the name's */
	ctx = EVP_MD_CTX_new();
	ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL) &&
	     EVP_DigestUpdate(ctx, ns, sizeof(ns)) && EVP_DigestUpdate(ctx, name, len) &&
	     EVP_DigestFinal_ex(ctx, md, &md_len) && md_len >= UUID_BYTES;
	EVP_MD_CTX_free(ctx);
	if (!ok)
		return PAI_ERR_CRYPTO;
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50); /* version 5 */
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80); /* variant 10 */
	snprintf(out, SM_TOKEN_MAX,
	         "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", md[0],
	         md[1], md[2], md[3], md[4], md[5], md[6], md[7], md[8], md[9], md[10], md[11],
	         md[12], md[13], md[14], md[15]);
	return PAI_OK;
}

pai_err sm_cas_token(const char *name, char out[SM_TOKEN_MAX])
{
	size_t n;

	if (!out)
		return PAI_ERR_INVALID;
	out[0] = '\0';
	n = name ? strnlen(name, CAS_NAME_MAX + 1) : 0;
	if (n == 0 || n > CAS_NAME_MAX)
		return PAI_ERR_INVALID;
	return sm_uuid5(SM_TOKEN_NAMESPACE, name, n, out);
}
