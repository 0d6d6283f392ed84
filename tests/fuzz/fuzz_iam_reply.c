/* SPDX-License-Identifier: MIT */
/* fuzz_iam_reply.c — libFuzzer target for the IAM/STS reply parsers of iam_reply.c: every
 * value a parser accepts must pass its pattern, and a refused reply leaves its output
 * cleared. fuzz-max-len: 16384 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "iam_reply.h"
#include "validate.h"
#include "xmlreply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool zero(const void *p, size_t n)
{
	const unsigned char *c = p;

	while (n--)
		if (*c++)
			return false;
	return true;
}

static void check_user(const struct xml_reply *r,
                       pai_err (*parse)(const struct xml_reply *, void *))
{
	static struct iam_user u;
	size_t i;

	memset(&u, 0, sizeof(u));
	strcpy(u.name, "alice");
	if (parse(r, &u) != PAI_OK) {
		if (!zero(&u, sizeof(u)))
			abort();
		return;
	}
	if (strcasecmp(u.name, "alice") || !valid_arn(u.arn) || !valid_path(u.path) ||
	    !valid_unique_id(u.user_id) || !valid_iso8601(u.create_date) || u.n_tags > IAM_MAX_TAGS)
		abort();
	for (i = 0; i < u.n_tags; i++)
		if (!valid_tag_key(u.tags[i].key) || !valid_tag_value(u.tags[i].value))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xml_reply *r = NULL;
	struct iam_key_list kl;
	struct iam_key_page kp = {.user = "alice", .list = &kl};
	struct iam_tag tags[IAM_MAX_TAGS];
	size_t n_tags = 0, i;
	struct iam_tag_page tp = {.tags = tags, .n = &n_tags};
	struct iam_access_key k;
	struct iam_key_last_used lu;
	struct sts_identity id;
	struct sts_session sess;
	char alias[64];

	if (xml_reply_parse((const char *)data, size, &r) != PAI_OK)
		return 0;
	check_user(r, iam_parse_get_user);
	check_user(r, iam_parse_create_user);

	memset(&kl, 0, sizeof(kl));
	if (iam_parse_key_page(r, &kp) == PAI_OK) {
		if (kl.n > IAM_MAX_KEYS || (kp.truncated && !kp.marker[0]))
			abort();
		for (i = 0; i < kl.n; i++)
			if (!valid_access_key_id(kl.keys[i].id) ||
			    !valid_key_status(kl.keys[i].status))
				abort();
	} else if (kl.n) {
		abort();
	}
	memset(tags, 0, sizeof(tags));
	if (iam_parse_tag_page(r, &tp) == PAI_OK && n_tags > IAM_MAX_TAGS)
		abort();

	memset(&k, 0, sizeof(k));
	strcpy(k.id, "alice");
	if (iam_parse_create_access_key(r, &k) == PAI_OK) {
		if (!valid_access_key_id(k.id) || !valid_secret_key(k.secret))
			abort();
	} else if (!zero(&k, sizeof(k))) {
		abort();
	}
	iam_access_key_wipe(&k);

	if (iam_parse_key_last_used(r, &lu) != PAI_OK && !zero(&lu, sizeof(lu)))
		abort();
	if (iam_parse_account_aliases(r, alias) == PAI_OK && alias[0] &&
	    !valid_account_alias(alias))
		abort();
	if (sts_parse_caller_identity(r, &id) == PAI_OK &&
	    (!valid_account_id(id.account) || !valid_arn(id.arn)))
		abort();
	if (sts_parse_session_token(r, &sess) == PAI_OK) {
		if (!valid_access_key_id(sess.access_key_id) ||
		    strncmp(sess.access_key_id, "ASIA", 4) ||
		    !valid_secret_key(sess.secret_access_key) || !sess.session_token ||
		    !sess.session_token[0] || strlen(sess.session_token) > STS_SESSION_TOKEN_MAX ||
		    !valid_iso8601(sess.expiration))
			abort();
		sts_session_wipe(&sess);
	} else if (!zero(&sess, sizeof(sess))) {
		abort();
	}
	xml_reply_free(r);
	return 0;
}
