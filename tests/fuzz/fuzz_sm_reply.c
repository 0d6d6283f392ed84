/* SPDX-License-Identifier: MIT */
/* fuzz_sm_reply.c — libFuzzer target for the JSON 1.1 reply reader (awsjson.c) and every
 * Secrets Manager reply reader of sm_reply.c, each run against expectations by name, by full
 * ARN and by partial ARN, with and without a version. Whatever a reader accepts must pass the
 * patterns the fleet code relies on and be about the secret and version asked for; a refused
 * reply leaves its output cleared. The first byte picks the expectation, the rest is the
 * reply. fuzz-max-len: 140000 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "awsjson.h"
#include "secretsmanager.h"
#include "sm_reply.h"

#define ARN "arn:aws:secretsmanager:us-west-2:123456789012:secret:fleet/a-AbC123"
#define TOK "3f0b6b34-5f0d-5a3e-9f41-0c1e2d3c4b5a"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

/* ARN and name are about what x asked for, in its partition and region. */
static void check_secret(const struct sm_expect *x, const char *arn, const char *name)
{
	char partition[SM_PARTITION_MAX], region[SM_REGION_MAX], arn_name[SM_NAME_MAX];

	if (sm_arn_split(arn, partition, region, arn_name) || strcmp(partition, "aws") ||
	    strcmp(region, "us-west-2") || (name && strcmp(name, arn_name)))
		abort();
	if (!strcmp(x->secret_id, ARN) && strcmp(arn, ARN))
		abort();
	if (!strncmp(x->secret_id, "arn:", 4) && strncmp(arn, x->secret_id, strlen(x->secret_id)))
		abort();
	if (strncmp(x->secret_id, "arn:", 4) && strcmp(arn_name, x->secret_id))
		abort();
}

static void check_version(const struct sm_expect *x, const char *v, bool required)
{
	if ((required || v[0]) && !sm_valid_token(v))
		abort();
	if (x->version_id[0] && v[0] && strcmp(v, x->version_id))
		abort();
}

static void run_readers(const struct json_reply *r, const struct sm_expect *x)
{
	static struct sm_secret_info info;
	static struct sm_value val;
	static struct sm_written w;

	if (sm_parse_describe(r, x, &info) == PAI_OK) {
		check_secret(x, info.arn, info.name);
		if (info.n_versions > SM_MAX_VERSIONS || (info.n_versions && !info.current[0]))
			abort();
		check_version(&(struct sm_expect){0}, info.current, false);
		check_version(&(struct sm_expect){0}, info.previous, false);
		if (info.current[0] && !strcmp(info.current, info.previous))
			abort();
		if (info.kms_key_id[0] && !sm_valid_kms_key_id(info.kms_key_id))
			abort();
	} else if (!zero(&info, sizeof(info))) {
		abort();
	}
	if (sm_parse_get_value(r, x, &val) == PAI_OK) {
		check_version(x, val.version_id, true);
		if (!val.string || val.len > SM_VALUE_MAX || strlen(val.string) != val.len ||
		    !json_valid_utf8(val.string, val.len))
			abort();
		sm_value_wipe(&val);
	} else if (!zero(&val, sizeof(val))) {
		abort();
	}
	if (sm_parse_create(r, x, &w) == PAI_OK) {
		check_secret(x, w.arn, NULL);
		check_version(x, w.version_id, x->value_sent);
		if (!x->value_sent && w.version_id[0])
			abort();
	} else if (!zero(&w, sizeof(w))) {
		abort();
	}
	if (sm_parse_put(r, x, &w) == PAI_OK) {
		check_secret(x, w.arn, NULL);
		check_version(x, w.version_id, true);
	} else if (!zero(&w, sizeof(w))) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = {"fleet/a", ARN,
	                                  "arn:aws:secretsmanager:us-west-2:123456789012:secret:"
	                                  "fleet/a"};
	struct json_reply *r = NULL;
	struct sm_expect x;
	struct aws_error err;

	if (size < 1)
		return 0;
	memset(&x, 0, sizeof(x));
	strcpy(x.secret_id, ids[data[0] % 3]);
	if (data[0] & 4)
		strcpy(x.version_id, TOK);
	x.value_sent = data[0] & 8;
	strcpy(x.partition, "aws");
	strcpy(x.region, "us-west-2");
	if (json_reply_parse((const char *)data + 1, size - 1, &r) != PAI_OK) {
		if (r)
			abort();
		return 0;
	}
	if (json_reply_error(r, &err) &&
	    (strlen(err.code) >= sizeof(err.code) || strlen(err.message) >= sizeof(err.message)))
		abort();
	run_readers(r, &x);
	json_reply_free(r);
	return 0;
}
