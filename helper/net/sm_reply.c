/* SPDX-License-Identifier: MIT */
/* sm_reply.c — reads Secrets Manager replies into the typed structs of secretsmanager.h,
 * trusting nothing: every value passes its pattern, lists and maps are bounded, and a reply
 * about another secret, version, partition or region is refused. */
#include "sm_reply.h"

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "validate.h"

#define ARN_SUFFIX_LEN 7              /* "-XXXXXX" */
#define MAX_EPOCH_S    253402300799.0 /* 9999-12-31T23:59:59Z */

static bool is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* n characters at most (and at least lo) of s that each pass ok. */
static bool all_of(const char *s, size_t lo, size_t hi, bool (*ok)(char))
{
	size_t n;

	if (!s)
		return false;
	for (n = 0; s[n]; n++)
		if (n >= hi || !ok(s[n]))
			return false;
	return n >= lo;
}

static bool name_char(char c)
{
	return is_alnum(c) || (c && strchr("/_+=.@-", c));
}

static bool token_char(char c)
{
	return is_alnum(c) || c == '-';
}

static bool visible_char(char c)
{
	return c > 0x20 && c < 0x7f;
}

bool sm_valid_name(const char *s)
{
	return all_of(s, 1, SM_NAME_MAX - 1, name_char);
}

bool sm_valid_token(const char *s)
{
	return all_of(s, 32, SM_TOKEN_MAX - 1, token_char);
}

bool sm_valid_stage(const char *s)
{
	return all_of(s, 1, SM_STAGE_MAX - 1, visible_char);
}

bool sm_valid_kms_key_id(const char *s)
{
	return all_of(s, 1, SM_KMS_MAX - 1, visible_char);
}

bool sm_valid_text(const char *s, size_t len, size_t max)
{
	return s && len <= max && json_valid_utf8(s, len);
}

/* Splits arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:REST; *rest points into arn. */
static pai_err arn_fields(const char *arn, char partition[SM_PARTITION_MAX],
                          char region[SM_REGION_MAX], const char **rest)
{
	const char *f[6], *p = arn;
	size_t i, n;

	if (!arn || strlen(arn) > SM_SECRET_ID_MAX || !valid_arn(arn))
		return PAI_ERR_INVALID;
	for (i = 0; i < 6; i++) { /* arn, partition, service, region, account, resource */
		f[i] = p;
		if (i < 5) {
			p = strchr(p, ':');
			if (!p)
				return PAI_ERR_INVALID;
			p++;
		}
	}
	n = (size_t)(f[2] - f[1] - 1);
	if (n == 0 || n >= SM_PARTITION_MAX)
		return PAI_ERR_INVALID;
	memcpy(partition, f[1], n);
	partition[n] = '\0';
	if (strncmp(f[2], "secretsmanager:", 15))
		return PAI_ERR_INVALID;
	n = (size_t)(f[4] - f[3] - 1);
	if (n == 0 || n >= SM_REGION_MAX)
		return PAI_ERR_INVALID;
	memcpy(region, f[3], n);
	region[n] = '\0';
	for (i = 0; i < n; i++)
		if (!((region[i] >= 'a' && region[i] <= 'z') ||
		      (region[i] >= '0' && region[i] <= '9') || region[i] == '-'))
			return PAI_ERR_INVALID;
	if (f[5] - f[4] - 1 != 12 || strncmp(f[5], "secret:", 7)) /* a 12-digit account */
		return PAI_ERR_INVALID;
	*rest = f[5] + 7;
	return PAI_OK;
}

bool sm_valid_secret_id(const char *s)
{
	char partition[SM_PARTITION_MAX], region[SM_REGION_MAX];
	const char *rest;

	if (!s)
		return false;
	if (strncmp(s, "arn:", 4))
		return sm_valid_name(s);
	return arn_fields(s, partition, region, &rest) == PAI_OK && sm_valid_name(rest);
}

pai_err sm_secret_id_scope(const char *secret_id, char partition[SM_PARTITION_MAX],
                           char region[SM_REGION_MAX])
{
	const char *rest;

	partition[0] = region[0] = '\0';
	if (!sm_valid_secret_id(secret_id))
		return PAI_ERR_INVALID;
	if (strncmp(secret_id, "arn:", 4))
		return PAI_OK;
	return arn_fields(secret_id, partition, region, &rest);
}

pai_err sm_arn_split(const char *arn, char partition[SM_PARTITION_MAX], char region[SM_REGION_MAX],
                     char name[SM_NAME_MAX])
{
	const char *rest;
	size_t n, i;

	name[0] = '\0';
	if (arn_fields(arn, partition, region, &rest))
		goto bad;
	n = strlen(rest);
	if (n <= ARN_SUFFIX_LEN || n - ARN_SUFFIX_LEN >= SM_NAME_MAX ||
	    rest[n - ARN_SUFFIX_LEN] != '-')
		goto bad;
	for (i = n - ARN_SUFFIX_LEN + 1; i < n; i++)
		if (!is_alnum(rest[i]))
			goto bad;
	memcpy(name, rest, n - ARN_SUFFIX_LEN);
	name[n - ARN_SUFFIX_LEN] = '\0';
	if (sm_valid_name(name))
		return PAI_OK;
bad:
	partition[0] = region[0] = name[0] = '\0';
	return PAI_ERR_INVALID;
}

/* ---- reading ---- */

/* The string member key into out when it passes ok; absent is fine unless required. */
static pai_err text(const struct json_object *o, const char *key, char *out, size_t len,
                    bool (*ok)(const char *), bool required)
{
	pai_err e = json_member_copy(o, key, out, len, ok);

	if (e == PAI_ERR_NOT_FOUND && !required)
		return PAI_OK;
	return e == PAI_OK || e == PAI_ERR_NOMEM ? e : PAI_ERR_REPLY;
}

/* The reply's ARN and Name name the secret asked for, in the client's partition and region:
 * Name equals a name asked for, ARN equals a full ARN asked for or extends a partial one by
 * the service's "-XXXXXX", and the ARN's own name is Name. */
static bool about_secret(const struct sm_expect *x, const char *arn, const char *name)
{
	char partition[SM_PARTITION_MAX], region[SM_REGION_MAX], arn_name[SM_NAME_MAX];
	size_t n;

	if (sm_arn_split(arn, partition, region, arn_name) || strcmp(arn_name, name) ||
	    strcmp(partition, x->partition) || strcmp(region, x->region))
		return false;
	if (strncmp(x->secret_id, "arn:", 4))
		return !strcmp(name, x->secret_id);
	n = strlen(x->secret_id);
	return !strcmp(arn, x->secret_id) ||
	       (!strncmp(arn, x->secret_id, n) && strlen(arn) == n + ARN_SUFFIX_LEN);
}

/* ARN and Name (arn[SM_ARN_MAX], name[SM_NAME_MAX]), both required, about the secret asked
 * for. */
static pai_err read_secret(const struct json_object *o, const struct sm_expect *x, char *arn,
                           char *name)
{
	pai_err e;

	e = text(o, "ARN", arn, SM_ARN_MAX, NULL, true);
	if (!e)
		e = text(o, "Name", name, SM_NAME_MAX, sm_valid_name, true);
	if (!e && !about_secret(x, arn, name))
		e = PAI_ERR_REPLY;
	return e;
}

/* A VersionId, required, equal to the one expected when one is. */
static pai_err read_version(const struct json_object *o, const struct sm_expect *x, char *out)
{
	pai_err e = text(o, "VersionId", out, SM_TOKEN_MAX, sm_valid_token, true);

	if (!e && x->version_id[0] && strcmp(out, x->version_id))
		e = PAI_ERR_REPLY;
	return e;
}

/* A list of staging labels, min..SM_MAX_STAGES of them, distinct: appended to labels[*n]
 * (borrowed from the reply, bounded by cap). */
static pai_err read_stages(struct json_object *list, size_t min, const char **labels, size_t *n,
                           size_t cap)
{
	size_t count, i, j, start = *n;

	if (!json_object_is_type(list, json_type_array))
		return PAI_ERR_REPLY;
	count = json_object_array_length(list);
	if (count < min || count > SM_MAX_STAGES || count > cap - *n)
		return PAI_ERR_REPLY;
	for (i = 0; i < count; i++) {
		struct json_object *v = json_object_array_get_idx(list, i);
		const char *s;

		if (!json_object_is_type(v, json_type_string))
			return PAI_ERR_REPLY;
		s = json_object_get_string(v);
		if (!sm_valid_stage(s))
			return PAI_ERR_REPLY;
		for (j = start; j < *n; j++)
			if (!strcmp(labels[j], s))
				return PAI_ERR_REPLY;
		labels[(*n)++] = s;
	}
	return PAI_OK;
}

static bool has_label(const char *const *labels, size_t n, const char *want)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(labels[i], want))
			return true;
	return false;
}

/* A timestamp as the JSON protocol sends it: seconds since the epoch, maybe fractional. */
static bool valid_epoch(struct json_object *v)
{
	double d;

	if (json_object_is_type(v, json_type_int))
		return json_object_get_int64(v) >= 0 && json_object_get_int64(v) <= MAX_EPOCH_S;
	if (!json_object_is_type(v, json_type_double))
		return false;
	d = json_object_get_double(v);
	return isfinite(d) && d >= 0 && d <= MAX_EPOCH_S;
}

/* VersionIdsToStages: each version's labels; AWSCURRENT and AWSPREVIOUS noted. */
static pai_err read_versions(struct json_object *map, struct sm_secret_info *s)
{
	static const size_t cap = SM_MAX_VERSIONS * SM_MAX_STAGES;
	const char *labels[SM_MAX_VERSIONS * SM_MAX_STAGES];
	size_t n = 0, i;

	if (!json_object_is_type(map, json_type_object) ||
	    json_object_object_length(map) > SM_MAX_VERSIONS)
		return PAI_ERR_REPLY;
	json_object_object_foreach(map, id, stages)
	{
		size_t before = n;
		pai_err e;

		if (!sm_valid_token(id))
			return PAI_ERR_REPLY;
		e = read_stages(stages, 1, labels, &n, cap);
		if (e)
			return e;
		for (i = before; i < n; i++) /* a label is on one version at most */
			if (has_label(labels, before, labels[i]))
				return PAI_ERR_REPLY;
		if (has_label(labels + before, n - before, SM_CURRENT))
			snprintf(s->current, sizeof(s->current), "%s", id);
		if (has_label(labels + before, n - before, SM_PREVIOUS))
			snprintf(s->previous, sizeof(s->previous), "%s", id);
		s->n_versions++;
	}
	return s->n_versions && !s->current[0] ? PAI_ERR_REPLY : PAI_OK;
}

pai_err sm_parse_describe(const struct json_reply *r, const void *expect, void *out)
{
	const struct json_object *o = json_reply_root(r);
	struct sm_secret_info *s = out;
	struct json_object *v;
	pai_err e;

	memset(s, 0, sizeof(*s));
	e = read_secret(o, expect, s->arn, s->name);
	if (!e) /* "" (or absent): the account's default key */
		e = text(o, "KmsKeyId", s->kms_key_id, sizeof(s->kms_key_id), NULL, false);
	if (!e && s->kms_key_id[0] && !sm_valid_kms_key_id(s->kms_key_id))
		e = PAI_ERR_REPLY;
	v = e ? NULL : json_member(o, "DeletedDate");
	if (v) {
		s->scheduled_for_deletion = true;
		if (!valid_epoch(v))
			e = PAI_ERR_REPLY;
	}
	v = e ? NULL : json_member(o, "VersionIdsToStages");
	if (v)
		e = read_versions(v, s);
	if (e)
		memset(s, 0, sizeof(*s));
	return e;
}

/* The optional VersionStages of a reply: 0-20 distinct labels; AWSCURRENT among them when
 * must_be_current (AWSCURRENT was asked for: the version that holds it, said so). */
static pai_err read_reply_stages(const struct json_object *o, bool must_be_current)
{
	const char *labels[SM_MAX_STAGES];
	struct json_object *stages = json_member(o, "VersionStages");
	size_t n = 0;
	pai_err e = stages ? read_stages(stages, 0, labels, &n, SM_MAX_STAGES) : PAI_OK;

	if (!e && must_be_current && !has_label(labels, n, SM_CURRENT))
		e = PAI_ERR_REPLY;
	return e;
}

/* SecretString into a new heap string; a SecretBinary is refused (this tool never writes
 * one). */
static pai_err read_value(const struct json_object *o, struct sm_value *val)
{
	const char *str;
	size_t len;
	pai_err e;

	if (json_member(o, "SecretBinary"))
		return PAI_ERR_REPLY;
	e = json_member_string(o, "SecretString", 0, SM_VALUE_MAX, &str, &len);
	if (e || !sm_valid_text(str, len, SM_VALUE_MAX))
		return e == PAI_ERR_NOMEM ? e : PAI_ERR_REPLY;
	val->string = malloc(len + 1);
	if (!val->string)
		return PAI_ERR_NOMEM;
	memcpy(val->string, str, len);
	val->string[len] = '\0';
	val->len = len;
	return PAI_OK;
}

pai_err sm_parse_get_value(const struct json_reply *r, const void *expect, void *out)
{
	const struct sm_expect *x = expect;
	const struct json_object *o = json_reply_root(r);
	struct sm_value *val = out;
	char arn[SM_ARN_MAX], name[SM_NAME_MAX];
	pai_err e;

	memset(val, 0, sizeof(*val));
	e = read_secret(o, x, arn, name);
	if (!e)
		e = read_version(o, x, val->version_id);
	if (!e)
		e = read_reply_stages(o, !x->version_id[0]);
	if (!e)
		e = read_value(o, val);
	if (e)
		sm_value_wipe(val);
	return e;
}

/* CreateSecret and PutSecretValue: the secret and the version written. */
static pai_err read_written(const struct json_reply *r, const struct sm_expect *x, bool put,
                            struct sm_written *w)
{
	const struct json_object *o = json_reply_root(r);
	char name[SM_NAME_MAX];
	pai_err e;

	memset(w, 0, sizeof(*w));
	e = read_secret(o, x, w->arn, name);
	if (!e && (put || x->value_sent))
		e = read_version(o, x, w->version_id);
	else if (!e && json_member(o, "VersionId")) /* no value, no version: it is another's */
		e = PAI_ERR_REPLY;
	/* the labels the new version carries; a retried put whose version was since superseded
	 * may carry none */
	if (!e && put)
		e = read_reply_stages(o, false);
	if (e)
		memset(w, 0, sizeof(*w));
	return e;
}

pai_err sm_parse_create(const struct json_reply *r, const void *expect, void *out)
{
	return read_written(r, expect, false, out);
}

pai_err sm_parse_put(const struct json_reply *r, const void *expect, void *out)
{
	return read_written(r, expect, true, out);
}
