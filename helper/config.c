/* SPDX-License-Identifier: MIT */
/* config.c — /etc/security/pam_aws_iam.conf, read with inih and checked key by key.
 *
 * inih reads lines into a 200-byte buffer and would parse the rest of a longer line as a
 * line of its own, so the text reaches it through our own reader, which refuses long lines,
 * NUL bytes and tells the handler the line number and whether the line is a continuation
 * (allowed for list keys only: that is how a long list is written). */
#include "hostaddr.h"
#include "ledger.h"
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "safefile.h"
#include "template.h"
#include "validate.h"

#define LINE_MAX_CHARS (INI_MAX_LINE - 2) /* room for the newline and the NUL */

/* One file being read (or, for config_end, the checks across files). */
struct loader {
	struct pai_config *cfg;
	struct pai_config_sources *src;
	int file; /* index in src->file of the file being read */
	const char *name;
	const char *text; /* the reader's position */
	size_t lineno;    /* line the reader returned last */
	bool cont;        /* that line starts with a blank */
	size_t bad_line;  /* first line the reader refused, 0 if none */
	const char *bad_why;
	bool failed;     /* a handler or check error: err_file, err_line, msg */
	int err_file;    /* its file (index in src->file) */
	size_t err_line; /* its line, 0 if none */
	char msg[256];
	uint64_t seen[8];                  /* keys already given in this file, by table index */
	size_t last_key;                   /* table index of the previous key, for continuations */
	size_t line_of[PAI_CONF_MAX_KEYS]; /* line each key was given on in this file */
};

enum ktype { K_UINT, K_BOOL, K_ENUM, K_STR, K_LIST };

struct key_def {
	const char *section;
	const char *name;
	enum ktype type;
	size_t off;                 /* offsetof in struct pai_config */
	size_t size;                /* K_STR: field size; K_LIST: item size */
	unsigned long min, max;     /* K_UINT range; K_LIST: max items in max */
	const char *const *choices; /* K_ENUM, NULL-terminated; index stored as int */
	bool (*check)(struct loader *, const char *); /* K_STR, K_LIST items */
	size_t count_off;                             /* K_LIST: offsetof the size_t count */
};

static void fail(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void fail(struct loader *ld, const char *fmt, ...)
{
	va_list ap;

	if (ld->failed)
		return;
	ld->failed = true;
	ld->err_file = ld->file;
	ld->err_line = ld->lineno;
	va_start(ap, fmt);
	vsnprintf(ld->msg, sizeof(ld->msg), fmt, ap);
	va_end(ap);
}

/* ---- value checks ---- */

/* scheme://host[:port][/path], printable ASCII, no userinfo, query or fragment. */
static bool check_url_common(struct loader *ld, const char *v, bool imds)
{
	char hostbuf[256];
	const char *host, *end, *p;
	size_t hl;
	bool https;

	for (p = v; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '@' || *p == '?' || *p == '#' || *p == '\\') {
			fail(ld, "URL contains a character not allowed here: '%c'",
			     *p > 0x20 && *p < 0x7f ? *p : '?');
			return false;
		}
	}
	https = strncmp(v, "https://", 8) == 0;
	if (!https && strncmp(v, "http://", 7) != 0) {
		fail(ld, "URL must start with https:// (or http:// to a loopback address)");
		return false;
	}
	host = v + (https ? 8 : 7);
	end = host + strcspn(host, "/");
	if (*host == '[') {
		p = memchr(host, ']', (size_t)(end - host));
		if (!p) {
			fail(ld, "URL has an unterminated [IPv6] host");
			return false;
		}
		hl = (size_t)(p + 1 - host);
	} else {
		hl = strcspn(host, ":/");
		for (p = host; p < host + hl; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')) {
				fail(ld, "URL host has a character not allowed in a host name");
				return false;
			}
	}
	if (hl == 0) {
		fail(ld, "URL has no host");
		return false;
	}
	if (host[hl] == ':') {
		unsigned long port = strtoul(host + hl + 1, (char **)&p, 10);
		if (p == host + hl + 1 || p != end || port == 0 || port > 65535) {
			fail(ld, "URL port must be 1-65535");
			return false;
		}
	} else if (host + hl != end) {
		fail(ld, "URL host is malformed");
		return false;
	}
	if (hl >= sizeof(hostbuf)) {
		fail(ld, "URL host is longer than %zu characters", sizeof(hostbuf) - 1);
		return false;
	}
	memcpy(hostbuf, host, hl);
	hostbuf[hl] = '\0';
	if (!https && !hostaddr_is_loopback(hostbuf) && !(imds && hostaddr_is_imds(hostbuf))) {
		fail(ld, "plain http is allowed only to a loopback address (127.0.0.0/8, [::1])%s",
		     imds ? " or the instance metadata address" : "");
		return false;
	}
	return true;
}

static bool check_url(struct loader *ld, const char *v)
{
	return check_url_common(ld, v, false);
}

static bool check_imds_url(struct loader *ld, const char *v)
{
	return check_url_common(ld, v, true);
}

static bool check_abs_path(struct loader *ld, const char *v)
{
	const char *p;

	if (v[0] != '/') {
		fail(ld, "must be an absolute path");
		return false;
	}
	for (p = v; *p; p++)
		if (*p < 0x20 || *p == 0x7f) {
			fail(ld, "path contains a control character");
			return false;
		}
	if (strstr(v, "/../") || (strlen(v) >= 3 && strcmp(v + strlen(v) - 3, "/..") == 0)) {
		fail(ld, "path must not contain '..'");
		return false;
	}
	return true;
}

static bool check_credentials(struct loader *ld, const char *v)
{
	if (strcmp(v, "instance") == 0) {
		ld->cfg->credentials_instance = true;
		return true;
	}
	ld->cfg->credentials_instance = false;
	return check_abs_path(ld, v);
}

/* What credfile can write and botocore read back: [A-Za-z0-9_.+=,@/-]{1,128}. */
static bool check_profile(struct loader *ld, const char *v)
{
	const char *p;

	if (!*v || strcmp(v, "DEFAULT") == 0)
		goto bad;
	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_-.+=,@/", *p)))
			goto bad;
	return true;
bad:
	fail(ld, "profile name must be 1-128 of A-Z a-z 0-9 _-.+=,@/ (and not DEFAULT)");
	return false;
}

static bool check_linux_name(struct loader *ld, const char *v)
{
	const char *p;

	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || strchr("_-.@$", *p)))
			break;
	if (!*v || *p || v[0] == '-') {
		fail(ld, "'%.64s' is not a valid Linux user or group name", v);
		return false;
	}
	return true;
}

static bool check_name_template(struct loader *ld, const char *v)
{
	struct template_vars tv = {.login = "a", .host = "h"};
	char out[TEMPLATE_MAX_OUT], why[160];

	if (template_user_name(v, &tv, out, sizeof(out), why, sizeof(why)) != PAI_OK) {
		fail(ld, "user name template: %s", why);
		return false;
	}
	return true;
}

static bool check_iam_path(struct loader *ld, const char *v)
{
	if (!valid_path(v)) {
		fail(ld, "IAM path must be / or /.../ of printable ASCII, at most 512");
		return false;
	}
	return true;
}

static bool check_group(struct loader *ld, const char *v)
{
	if (!valid_group_name(v)) {
		fail(ld, "'%.64s' is not a valid IAM group name", v);
		return false;
	}
	return true;
}

static bool check_policy(struct loader *ld, const char *v)
{
	if (!valid_policy_arn(v)) {
		fail(ld,
		     "'%.96s' is not a managed policy ARN (arn:aws:iam::ACCOUNT|aws:policy/NAME)",
		     v);
		return false;
	}
	return true;
}

/* Secret names are 1-512 of [A-Za-z0-9/_+=.@-]; a prefix leaves room for a UserId (128). */
static bool check_secret_prefix(struct loader *ld, const char *v)
{
	if (strlen(v) > 256 ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_+=.@-") !=
	        strlen(v)) {
		fail(ld, "secret_prefix must be at most 256 of A-Z a-z 0-9 /_+=.@-");
		return false;
	}
	return true;
}

/* A KMS key ARN, alias (alias/NAME or its ARN) or key ID, as Secrets Manager takes them. */
static bool check_kms_key(struct loader *ld, const char *v)
{
	if (!*v ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789:/_-") ==
	        strlen(v))
		return true;
	fail(ld, "kms_key must be a KMS key ARN, alias/NAME or key ID");
	return false;
}

static bool check_region(struct loader *ld, const char *v)
{
	const char *p;

	if (!*v)
		return true;
	for (p = v; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			break;
	if (*p || v[0] < 'a' || v[0] > 'z' || strlen(v) < 4) {
		fail(ld, "'%.64s' is not a region name like eu-west-1", v);
		return false;
	}
	return true;
}

/* ---- the schema ---- */

static const char *const partitions[] = {"aws", "aws-cn", "aws-us-gov", NULL};
static const char *const on_limits[] = {"fail", "replace-oldest-managed", NULL};
static const char *const passwords[] = {"no", "initial", NULL};
static const char *const stores[] = {"host", "secretsmanager", NULL};
static const char *const delivers[] = {"file", "process", NULL};

#define OFF(f)  offsetof(struct pai_config, f)
#define SZ(f)   sizeof(((struct pai_config *)0)->f)
#define ITEM(f) sizeof(((struct pai_config *)0)->f[0])

static const struct key_def keys[] = {
    {"aws", "partition", K_ENUM, OFF(partition), 0, 0, 0, partitions, NULL, 0},
    {"aws", "endpoint", K_STR, OFF(endpoint), SZ(endpoint), 0, 0, NULL, check_url, 0},
    {"aws", "sts_endpoint", K_STR, OFF(sts_endpoint), SZ(sts_endpoint), 0, 0, NULL, check_url, 0},
    {"aws", "imds_endpoint", K_STR, OFF(imds_endpoint), SZ(imds_endpoint), 0, 0, NULL,
     check_imds_url, 0},
    {"aws", "credentials", K_STR, OFF(credentials), SZ(credentials), 0, 0, NULL, check_credentials,
     0},
    {"aws", "profile", K_STR, OFF(profile), SZ(profile), 0, 0, NULL, check_profile, 0},
    {"aws", "connect_timeout", K_UINT, OFF(connect_timeout), 0, 1, 60, NULL, NULL, 0},
    {"aws", "deadline", K_UINT, OFF(deadline), 0, 1, 300, NULL, NULL, 0},
    {"aws", "max_attempts", K_UINT, OFF(max_attempts), 0, 1, 10, NULL, NULL, 0},
    {"aws", "region", K_STR, OFF(aws_region), SZ(aws_region), 0, 0, NULL, check_region, 0},
    {"aws", "secretsmanager_endpoint", K_STR, OFF(secretsmanager_endpoint),
     SZ(secretsmanager_endpoint), 0, 0, NULL, check_url, 0},
    {"scope", "min_uid", K_UINT, OFF(min_uid), 0, 0, 4294967294ul, NULL, NULL, 0},
    {"scope", "groups", K_LIST, OFF(scope_groups), ITEM(scope_groups), 0, PAI_CONF_MAX_LINUX, NULL,
     check_linux_name, OFF(n_scope_groups)},
    {"scope", "exclude", K_LIST, OFF(exclude), ITEM(exclude), 0, PAI_CONF_MAX_LINUX, NULL,
     check_linux_name, OFF(n_exclude)},
    {"user", "name", K_STR, OFF(name_template), SZ(name_template), 0, 0, NULL, check_name_template,
     0},
    {"user", "path", K_STR, OFF(path), SZ(path), 0, 0, NULL, check_iam_path, 0},
    {"user", "create", K_BOOL, OFF(create), 0, 0, 0, NULL, NULL, 0},
    {"user", "adopt_existing", K_BOOL, OFF(adopt_existing), 0, 0, 0, NULL, NULL, 0},
    {"user", "groups", K_LIST, OFF(user_groups), ITEM(user_groups), 0, PAI_CONF_MAX_GROUPS, NULL,
     check_group, OFF(n_user_groups)},
    {"user", "policies", K_LIST, OFF(policies), ITEM(policies), 0, PAI_CONF_MAX_POLICIES, NULL,
     check_policy, OFF(n_policies)},
    {"user", "permissions_boundary", K_STR, OFF(permissions_boundary), SZ(permissions_boundary), 0,
     0, NULL, check_policy, 0},
    {"user", "tags", K_LIST, OFF(tags), 0, 0, PAI_CONF_MAX_TAGS, NULL, NULL, OFF(n_tags)},
    {"user", "generation", K_UINT, OFF(generation), 0, 0, 4294967295ul, NULL, NULL, 0},
    {"keys", "profile", K_STR, OFF(keys_profile), SZ(keys_profile), 0, 0, NULL, check_profile, 0},
    {"keys", "max_age_days", K_UINT, OFF(max_age_days), 0, 1, 3650, NULL, NULL, 0},
    {"keys", "verify_interval", K_UINT, OFF(verify_interval), 0, 0, 604800, NULL, NULL, 0},
    {"keys", "on_limit", K_ENUM, OFF(on_limit), 0, 0, 0, on_limits, NULL, 0},
    {"keys", "wait_until_usable", K_UINT, OFF(wait_until_usable), 0, 0, 300, NULL, NULL, 0},
    {"keys", "region", K_STR, OFF(region), SZ(region), 0, 0, NULL, check_region, 0},
    {"keys", "request_burst", K_UINT, OFF(request_burst), 0, 0, 100, NULL, NULL, 0},
    {"keys", "request_interval", K_UINT, OFF(request_interval), 0, 1, 86400, NULL, NULL, 0},
    {"keys", "store", K_ENUM, OFF(store), 0, 0, 0, stores, NULL, 0},
    {"keys", "secret_prefix", K_STR, OFF(secret_prefix), SZ(secret_prefix), 0, 0, NULL,
     check_secret_prefix, 0},
    {"keys", "kms_key", K_STR, OFF(kms_key), SZ(kms_key), 0, 0, NULL, check_kms_key, 0},
    {"keys", "rotation_grace", K_UINT, OFF(rotation_grace), 0, 0, 2592000, NULL, NULL, 0},
    {"keys", "deliver", K_ENUM, OFF(deliver), 0, 0, 0, delivers, NULL, 0},
    {"keys", "session_seconds", K_UINT, OFF(session_seconds), 0, 900, 129600, NULL, NULL, 0},
    {"keys", "session_refresh", K_UINT, OFF(session_refresh), 0, 900, 128700, NULL, NULL, 0},
    {"console", "show_url", K_BOOL, OFF(show_url), 0, 0, 0, NULL, NULL, 0},
    {"console", "password", K_ENUM, OFF(password), 0, 0, 0, passwords, NULL, 0},
    {"state", "dir", K_STR, OFF(state_dir), SZ(state_dir), 0, 0, NULL, check_abs_path, 0},
};
#define NKEYS (sizeof(keys) / sizeof(keys[0]))
_Static_assert(NKEYS <= PAI_CONF_MAX_KEYS, "struct pai_config_sources keeps PAI_CONF_MAX_KEYS");
_Static_assert(PAI_CONF_MAX_TAGS + LEDGER_RESERVED_TAGS <= IAM_MAX_TAGS,
               "the config's tags must leave room for the tool's own");
_Static_assert(PAI_CONF_MAX_TAGS == CONVREC_MAX_TAGKEYS &&
                   PAI_CONF_MAX_GROUPS == CONVREC_MAX_GROUPS &&
                   PAI_CONF_MAX_POLICIES == CONVREC_MAX_POLICIES,
               "the convergence record holds an id for each item a config may name");

/* The list storage is the struct's tail (config.h): everything before it is zeroed. */
#define CONF_LISTS_START offsetof(struct pai_config, scope_groups)
_Static_assert(offsetof(struct pai_config, exclude) > CONF_LISTS_START &&
                   offsetof(struct pai_config, user_groups) > CONF_LISTS_START &&
                   offsetof(struct pai_config, policies) > CONF_LISTS_START &&
                   offsetof(struct pai_config, tags) > CONF_LISTS_START &&
                   offsetof(struct pai_config, state_dir) < CONF_LISTS_START,
               "pai_config: list storage must come last");

void config_defaults(struct pai_config *cfg)
{
	memset(cfg, 0, CONF_LISTS_START);
	cfg->partition = PAI_PARTITION_AWS;
	snprintf(cfg->credentials, sizeof(cfg->credentials), "%s",
	         "/etc/security/pam_aws_iam.credentials");
	snprintf(cfg->profile, sizeof(cfg->profile), "default");
	cfg->connect_timeout = 2;
	cfg->deadline = 8;
	cfg->max_attempts = 3;
	cfg->min_uid = 1000;
	snprintf(cfg->exclude[0], sizeof(cfg->exclude[0]), "root");
	cfg->n_exclude = 1;
	snprintf(cfg->name_template, sizeof(cfg->name_template), "%%u");
	snprintf(cfg->path, sizeof(cfg->path), "/");
	cfg->create = true;
	snprintf(cfg->keys_profile, sizeof(cfg->keys_profile), "default");
	cfg->max_age_days = 90;
	cfg->verify_interval = 3600;
	cfg->on_limit = PAI_ON_LIMIT_FAIL;
	cfg->request_burst = 5;
	cfg->request_interval = 60;
	cfg->store = PAI_STORE_HOST;
	snprintf(cfg->secret_prefix, sizeof(cfg->secret_prefix), "pam-aws-iam/");
	cfg->rotation_grace = 86400;
	cfg->deliver = PAI_DELIVER_FILE;
	cfg->session_seconds = 43200;
	cfg->session_refresh = 1200;
	cfg->show_url = true;
	cfg->password = PAI_PASSWORD_NO;
	snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/pam_aws_iam");
}

/* ---- setting values ---- */

static bool set_uint(struct loader *ld, const struct key_def *k, const char *v)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		goto bad;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || *end || n < k->min || n > k->max)
		goto bad;
	if (k->off == OFF(min_uid))
		ld->cfg->min_uid = n;
	else
		*(unsigned *)((char *)ld->cfg + k->off) = (unsigned)n;
	return true;
bad:
	fail(ld, "%s must be a whole number from %lu to %lu", k->name, k->min, k->max);
	return false;
}

static bool set_bool(struct loader *ld, const struct key_def *k, const char *v)
{
	bool *b = (bool *)((char *)ld->cfg + k->off);

	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1"))
		*b = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "off") || !strcmp(v, "0"))
		*b = false;
	else {
		fail(ld, "%s must be yes or no", k->name);
		return false;
	}
	return true;
}

static bool set_enum(struct loader *ld, const struct key_def *k, const char *v)
{
	size_t i;

	for (i = 0; k->choices[i]; i++) {
		if (strcmp(v, k->choices[i]) == 0) {
			*(int *)((char *)ld->cfg + k->off) = (int)i;
			return true;
		}
	}
	if (i == 2)
		fail(ld, "%s must be %s or %s", k->name, k->choices[0], k->choices[1]);
	else
		fail(ld, "%s must be %s, %s or %s", k->name, k->choices[0], k->choices[1],
		     k->choices[2]);
	return false;
}

static bool set_str(struct loader *ld, const struct key_def *k, const char *v)
{
	char *dst = (char *)ld->cfg + k->off;

	if (strlen(v) >= k->size) {
		fail(ld, "%s is longer than %zu characters", k->name, k->size - 1);
		return false;
	}
	if (k->check && *v && !k->check(ld, v))
		return false;
	if (k->off == OFF(credentials) && !*v) {
		fail(ld, "credentials must be a path or 'instance'");
		return false;
	}
	if ((k->off == OFF(name_template) || k->off == OFF(path) || k->off == OFF(profile) ||
	     k->off == OFF(keys_profile) || k->off == OFF(state_dir)) &&
	    !*v) {
		fail(ld, "%s must not be empty", k->name);
		return false;
	}
	memcpy(dst, v, strlen(v) + 1);
	return true;
}

static bool add_tag(struct loader *ld, char *item)
{
	struct pai_config *c = ld->cfg;
	struct template_vars tv = {.login = "a", .host = "h"};
	char *eq = strchr(item, '='), *key = item, *val, out[TEMPLATE_MAX_OUT], why[160];
	size_t i;

	if (!eq) {
		fail(ld, "tag '%.64s' is not key=value", item);
		return false;
	}
	*eq = '\0';
	val = eq + 1;
	while (*val == ' ' || *val == '\t')
		val++;
	for (i = strlen(key); i && (key[i - 1] == ' ' || key[i - 1] == '\t'); i--)
		key[i - 1] = '\0';
	if (!valid_tag_key(key) || strncasecmp(key, "aws:", 4) == 0 ||
	    strncasecmp(key, "pam-aws-iam:", 12) == 0) {
		fail(ld,
		     "tag key '%.64s' is not 1-128 of letters, digits, space and _.:/=+-@ "
		     "(and may not start with aws: or with pam-aws-iam:, the tool's own)",
		     key);
		return false;
	}
	if (strlen(val) >= PAI_CONF_TAG_VALUE_MAX) {
		fail(ld, "tag value of '%.64s' is longer than %d", key, PAI_CONF_TAG_VALUE_MAX - 1);
		return false;
	}
	if (template_tag_value(val, &tv, out, sizeof(out), why, sizeof(why)) != PAI_OK) {
		fail(ld, "tag '%.64s': %s", key, why);
		return false;
	}
	for (i = 0; i < c->n_tags; i++)
		if (strcasecmp(c->tags[i].key, key) == 0) {
			fail(ld, "tag key '%.64s' given twice", key);
			return false;
		}
	if (c->n_tags >= PAI_CONF_MAX_TAGS) {
		fail(ld, "more than %d tags (IAM allows 50 per user; %d are the tool's own)",
		     PAI_CONF_MAX_TAGS, LEDGER_RESERVED_TAGS);
		return false;
	}
	memcpy(c->tags[c->n_tags].key, key, strlen(key) + 1);
	memcpy(c->tags[c->n_tags].value, val, strlen(val) + 1);
	c->n_tags++;
	return true;
}

/* Items separated by commas (and, except for tags, blanks). */
static bool add_list(struct loader *ld, const struct key_def *k, const char *v)
{
	char tmp[INI_MAX_LINE], *item, *save = NULL;
	size_t *count = (size_t *)((char *)ld->cfg + k->count_off);
	bool is_tags = k->off == OFF(tags);
	char *base = (char *)ld->cfg + k->off, *slot;

	snprintf(tmp, sizeof(tmp), "%s", v);
	for (item = strtok_r(tmp, is_tags ? "," : ", \t", &save); item;
	     item = strtok_r(NULL, is_tags ? "," : ", \t", &save)) {
		size_t i;

		while (*item == ' ' || *item == '\t')
			item++;
		i = strlen(item);
		while (i && (item[i - 1] == ' ' || item[i - 1] == '\t'))
			item[--i] = '\0';
		if (!*item)
			continue;
		if (is_tags) {
			if (!add_tag(ld, item))
				return false;
			continue;
		}
		if (i >= k->size) {
			fail(ld, "'%.64s' is longer than %zu characters", item, k->size - 1);
			return false;
		}
		if (!k->check(ld, item))
			return false;
		if (*count >= k->max) {
			fail(ld, "%s has more than %lu entries", k->name, k->max);
			return false;
		}
		slot = base + *count * k->size;
		memcpy(slot, item, i + 1);
		(*count)++;
	}
	return true;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct loader *ld = user;
	const struct key_def *k = NULL;
	size_t i;

	if (ld->failed)
		return 1; /* report the first error only */
	for (i = 0; i < NKEYS; i++) {
		if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0) {
			k = &keys[i];
			break;
		}
	}
	if (!k) {
		for (i = 0; i < NKEYS && strcmp(keys[i].section, section); i++)
			;
		if (i == NKEYS)
			fail(ld, "unknown section [%.64s]", section);
		else
			fail(ld, "unknown key '%.64s' in [%s]", name, section);
		return 0;
	}
	if (ld->cont && ld->last_key != NKEYS) {
		if (k->type != K_LIST || ld->last_key != i) {
			fail(ld, "only list keys may continue on an indented line");
			return 0;
		}
		return add_list(ld, k, value) ? 1 : 0;
	}
	if (ld->seen[i / 64] & (1ull << (i % 64))) {
		fail(ld, "%s given twice in [%s] (first on line %zu)", name, section,
		     ld->line_of[i]);
		return 0;
	}
	ld->seen[i / 64] |= 1ull << (i % 64);
	ld->line_of[i] = ld->lineno;
	ld->last_key = i;
	ld->src->key_file[i] = ld->file; /* a later file's value replaces an earlier one's */
	ld->src->key_line[i] = ld->lineno;
	switch (k->type) {
	case K_UINT: return set_uint(ld, k, value);
	case K_BOOL: return set_bool(ld, k, value);
	case K_ENUM: return set_enum(ld, k, value);
	case K_STR: return set_str(ld, k, value);
	case K_LIST:
		*(size_t *)((char *)ld->cfg + k->count_off) = 0; /* replaces the default */
		return add_list(ld, k, value);
	}
	return 0;
}

/* inih's reader: one line per call, refusing what inih would mangle. */
static char *reader(char *str, int num, void *stream)
{
	struct loader *ld = stream;
	size_t n;

	if (!*ld->text || ld->bad_line)
		return NULL;
	n = strcspn(ld->text, "\n");
	ld->lineno++;
	if (n > LINE_MAX_CHARS || n + 2 > (size_t)num) {
		ld->bad_line = ld->lineno;
		ld->bad_why =
		    "line longer than 198 characters (continue a long list on indented lines)";
		return NULL;
	}
	memcpy(str, ld->text, n);
	str[n] = '\n';
	str[n + 1] = '\0';
	ld->cont = n > 0 && (ld->text[0] == ' ' || ld->text[0] == '\t');
	if (ld->text[strspn(ld->text, " \t")] == '[')
		ld->last_key = NKEYS; /* inih forgets the previous key at a section header */
	ld->text += n + (ld->text[n] == '\n');
	return str;
}

/* Makes the file and line that set section/name the place of the next fail(); false when
 * the key kept its default. */
static bool at_key(struct loader *ld, const char *section, const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].section, section) && !strcmp(keys[i].name, name))
			break;
	if (i == NKEYS || ld->src->key_file[i] < 0)
		return false;
	ld->file = ld->src->key_file[i];
	ld->lineno = ld->src->key_line[i];
	return true;
}

static const char *partition_prefix(enum pai_partition p)
{
	switch (p) {
	case PAI_PARTITION_AWS: return "arn:aws:";
	case PAI_PARTITION_AWS_CN: return "arn:aws-cn:";
	case PAI_PARTITION_AWS_US_GOV: return "arn:aws-us-gov:";
	}
	return "arn:aws:";
}

/* Checks across keys, once every file is read; each error names where its key was set. */
static void check_whole(struct loader *ld)
{
	const struct pai_config *c = ld->cfg;
	const char *pre = partition_prefix(c->partition);
	size_t i;

	if (c->connect_timeout > c->deadline) {
		if (!at_key(ld, "aws", "connect_timeout"))
			at_key(ld, "aws", "deadline");
		fail(ld, "connect_timeout (%u) is longer than deadline (%u)", c->connect_timeout,
		     c->deadline);
	}
	if (c->store == PAI_STORE_SECRETSMANAGER && !c->aws_region[0]) {
		at_key(ld, "keys", "store");
		fail(ld, "store = secretsmanager needs [aws] region (Secrets Manager is regional)");
	}
	if (c->store == PAI_STORE_SECRETSMANAGER && c->verify_interval >= c->rotation_grace) {
		if (!at_key(ld, "keys", "verify_interval"))
			at_key(ld, "keys", "rotation_grace");
		fail(ld,
		     "verify_interval (%u) must be below rotation_grace (%u): a host must see a "
		     "rotation before the replaced key stops working",
		     c->verify_interval, c->rotation_grace);
	}
	if (c->session_seconds < c->session_refresh + 900) {
		if (!at_key(ld, "keys", "session_seconds"))
			at_key(ld, "keys", "session_refresh");
		fail(ld,
		     "session_seconds (%u) must be at least session_refresh (%u) + 900: a new "
		     "session must be served for 15 minutes before it is renewed",
		     c->session_seconds, c->session_refresh);
	}
	if (c->wait_until_usable >= c->deadline) {
		if (!at_key(ld, "keys", "wait_until_usable"))
			at_key(ld, "aws", "deadline");
		fail(ld, "wait_until_usable (%u) must be shorter than deadline (%u)",
		     c->wait_until_usable, c->deadline);
	}
	for (i = 0; i < c->n_policies; i++) {
		if (strncmp(c->policies[i], pre, strlen(pre)) != 0) {
			if (!at_key(ld, "user", "policies"))
				at_key(ld, "aws", "partition");
			fail(ld, "policy '%.96s' is not in partition %s", c->policies[i],
			     config_partition_name(c->partition));
		}
	}
	if (c->permissions_boundary[0] && strncmp(c->permissions_boundary, pre, strlen(pre))) {
		at_key(ld, "user", "permissions_boundary");
		fail(ld, "permissions_boundary is not in partition %s",
		     config_partition_name(c->partition));
	}
}

void config_begin(struct pai_config *cfg, struct pai_config_sources *src)
{
	size_t i;

	config_defaults(cfg);
	memset(src, 0, sizeof(*src));
	for (i = 0; i < PAI_CONF_MAX_KEYS; i++)
		src->key_file[i] = -1;
}

void config_sources_free(struct pai_config_sources *src)
{
	size_t i;

	for (i = 0; i < src->n_files; i++)
		free(src->file[i]);
	free(src->dropin_dir);
	src->n_files = 0;
	src->dropin_dir = NULL;
}

/* An error: the one line into err, cfg back to the defaults. */
static pai_err refuse(struct pai_config *cfg, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static pai_err refuse(struct pai_config *cfg, char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	config_defaults(cfg);
	return PAI_ERR_CONFIG;
}

pai_err config_add_string(struct pai_config *cfg, struct pai_config_sources *src, const char *text,
                          const char *name, char *err, size_t errlen)
{
	struct loader ld;
	int r;

	name = name ? name : "config";
	text = text ? text : "";
	if (src->n_files >= sizeof(src->file) / sizeof(src->file[0]))
		return refuse(cfg, err, errlen, "%s: more than %d drop-in files", name,
		              PAI_CONF_MAX_DROPINS);
	if (strlen(text) > PAI_CONF_FILE_MAX)
		return refuse(cfg, err, errlen, "%s: larger than %d bytes", name,
		              PAI_CONF_FILE_MAX);
	src->file[src->n_files] = strdup(name);
	if (!src->file[src->n_files])
		return refuse(cfg, err, errlen, "%s: out of memory", name);
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.src = src;
	ld.file = (int)src->n_files++;
	ld.name = src->file[ld.file];
	ld.text = text;
	ld.last_key = NKEYS;
	r = ini_parse_stream(reader, &ld, handler, &ld);
	if (r < 0)
		return refuse(cfg, err, errlen, "%s: out of memory", ld.name);
	if (ld.bad_line && (!ld.failed || ld.bad_line < ld.err_line))
		return refuse(cfg, err, errlen, "%s:%zu: %s", ld.name, ld.bad_line, ld.bad_why);
	if (r > 0 && (!ld.failed || (size_t)r < ld.err_line))
		return refuse(cfg, err, errlen,
		              "%s:%d: not a [section], key = value or comment line", ld.name, r);
	if (ld.failed)
		return refuse(cfg, err, errlen, "%s:%zu: %s", ld.name, ld.err_line, ld.msg);
	return PAI_OK;
}

pai_err config_end(struct pai_config *cfg, struct pai_config_sources *src, char *err, size_t errlen)
{
	struct loader ld;
	const char *name;

	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.src = src;
	check_whole(&ld);
	if (!ld.failed)
		return PAI_OK;
	name = ld.err_file < (int)src->n_files && src->file[ld.err_file] ? src->file[ld.err_file]
	                                                                 : "config";
	if (ld.err_line)
		return refuse(cfg, err, errlen, "%s:%zu: %s", name, ld.err_line, ld.msg);
	return refuse(cfg, err, errlen, "%s: %s", name, ld.msg);
}

pai_err config_load_string(const char *text, const char *name, struct pai_config *cfg, char *err,
                           size_t errlen)
{
	struct pai_config_sources src;
	pai_err e;

	config_begin(cfg, &src);
	e = config_add_string(cfg, &src, text, name, err, errlen);
	if (!e)
		e = config_end(cfg, &src, err, errlen);
	config_sources_free(&src);
	return e;
}

pai_err config_add_fd(struct pai_config *cfg, struct pai_config_sources *src, int fd,
                      const char *name, char *err, size_t errlen)
{
	struct stat st;
	char *text;
	ssize_t n = 0;
	size_t got = 0;
	pai_err e;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		return refuse(cfg, err, errlen, "%s: not a regular file", name);
	if (st.st_size > PAI_CONF_FILE_MAX)
		return refuse(cfg, err, errlen, "%s: larger than %d bytes", name,
		              PAI_CONF_FILE_MAX);
	text = malloc(PAI_CONF_FILE_MAX + 2);
	if (!text)
		return refuse(cfg, err, errlen, "%s: out of memory", name);
	while (got <= PAI_CONF_FILE_MAX) {
		n = read(fd, text + got, PAI_CONF_FILE_MAX + 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (n < 0) {
		e = refuse(cfg, err, errlen, "%s: %s", name, strerror(errno));
	} else if (got > PAI_CONF_FILE_MAX) {
		e = refuse(cfg, err, errlen, "%s: larger than %d bytes", name, PAI_CONF_FILE_MAX);
	} else if (memchr(text, '\0', got)) {
		e = refuse(cfg, err, errlen, "%s: contains a NUL byte", name);
	} else {
		text[got] = '\0';
		e = config_add_string(cfg, src, text, name, err, errlen);
	}
	free(text);
	return e;
}

pai_err config_load_fd(int fd, const char *name, struct pai_config *cfg, char *err, size_t errlen)
{
	struct pai_config_sources src;
	pai_err e;

	config_begin(cfg, &src);
	e = config_add_fd(cfg, &src, fd, name, err, errlen);
	if (!e)
		e = config_end(cfg, &src, err, errlen);
	config_sources_free(&src);
	return e;
}

pai_err config_load_file(const char *path, struct pai_config *cfg, char *err, size_t errlen)
{
	int fd;
	pai_err e;

	config_defaults(cfg);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_CONFIG;
	}
	e = config_load_fd(fd, path, cfg, err, errlen);
	close(fd);
	return e;
}

pai_err config_dropin_dir(const char *path, char *dir, size_t dirlen)
{
	int n = snprintf(dir, dirlen, "%s%s", path, PAI_CONF_DROPIN_DIR);

	return n > 0 && (size_t)n < dirlen ? PAI_OK : PAI_ERR_INVALID;
}

/* A drop-in's name: NAME.conf, NAME not empty and not starting with '.' (editors' and
 * dpkg's leftovers, NAME.conf~ and NAME.conf.dpkg-old, do not end in .conf). */
static bool dropin_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".conf") == 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The drop-in names of dirfd, sorted, into names (each owned); *n of them. */
static pai_err list_dropins(int dirfd, const char *dirpath, char **names, size_t *n, char *err,
                            size_t errlen)
{
	struct dirent *de;
	DIR *d;
	int fd;

	*n = 0;
	fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dirpath, strerror(errno));
		if (fd >= 0)
			close(fd);
		return PAI_ERR_CONFIG;
	}
	while ((de = readdir(d)) != NULL) {
		if (!dropin_name(de->d_name))
			continue;
		if (*n == PAI_CONF_MAX_DROPINS) {
			snprintf(err, errlen, "%s: more than %d drop-in files", dirpath,
			         PAI_CONF_MAX_DROPINS);
			closedir(d);
			return PAI_ERR_CONFIG;
		}
		names[*n] = strdup(de->d_name);
		if (!names[*n]) {
			snprintf(err, errlen, "%s: out of memory", dirpath);
			closedir(d);
			return PAI_ERR_CONFIG;
		}
		(*n)++;
	}
	closedir(d);
	qsort(names, *n, sizeof(names[0]), by_name);
	return PAI_OK;
}

/* Opens the drop-in name of dirfd and, with trust, judges the very descriptor read. */
static pai_err open_dropin(int dirfd, const char *name, const char *path,
                           const struct safefile_trust *trust, int *fd, char *err, size_t errlen)
{
	*fd = openat(dirfd, name,
	             O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | (trust ? O_NOFOLLOW : 0));
	if (*fd < 0) {
		if (trust && errno == ELOOP)
			snprintf(err, errlen, "%s: a symbolic link, %s", path, trust->refusing);
		else
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_CONFIG;
	}
	if (trust && safefile_trust_fd(*fd, path, trust, err, errlen) != PAI_OK) {
		close(*fd);
		*fd = -1;
		return PAI_ERR_CONFIG;
	}
	return PAI_OK;
}

pai_err config_add_dropins(struct pai_config *cfg, struct pai_config_sources *src, int dirfd,
                           const char *dirpath, const struct safefile_trust *trust, char *err,
                           size_t errlen)
{
	char *names[PAI_CONF_MAX_DROPINS], path[PAI_CONF_PATH_MAX];
	size_t n = 0, i;
	pai_err e;
	int fd;

	e = list_dropins(dirfd, dirpath, names, &n, err, errlen);
	for (i = 0; !e && i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dirpath, names[i]) >= (int)sizeof(path)) {
			snprintf(err, errlen, "%s/%s: path too long", dirpath, names[i]);
			e = PAI_ERR_CONFIG;
			break;
		}
		e = open_dropin(dirfd, names[i], path, trust, &fd, err, errlen);
		if (e)
			break;
		e = config_add_fd(cfg, src, fd, path, err, errlen);
		close(fd);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	if (e)
		config_defaults(cfg);
	return e;
}

const char *config_partition_name(enum pai_partition p)
{
	return p <= PAI_PARTITION_AWS_US_GOV ? partitions[p] : "aws";
}

/* One key's effective value as it would be written in the file. */
static void print_value(const struct pai_config *c, const struct key_def *k, FILE *f)
{
	const char *base = (const char *)c + k->off;
	size_t i, n;

	switch (k->type) {
	case K_UINT:
		if (k->off == OFF(min_uid))
			fprintf(f, "%lu", c->min_uid);
		else
			fprintf(f, "%u", *(const unsigned *)(const void *)base);
		return;
	case K_BOOL: fputs(*(const bool *)(const void *)base ? "yes" : "no", f); return;
	case K_ENUM: fputs(k->choices[*(const int *)(const void *)base], f); return;
	case K_STR:
		fputs(k->off == OFF(credentials) && c->credentials_instance ? "instance" : base, f);
		return;
	case K_LIST:
		n = *(const size_t *)(const void *)((const char *)c + k->count_off);
		for (i = 0; i < n; i++) {
			if (k->off == OFF(tags))
				fprintf(f, "%s%s=%s", i ? ", " : "", c->tags[i].key,
				        c->tags[i].value);
			else
				fprintf(f, "%s%s", i ? ", " : "", base + i * k->size);
		}
		return;
	}
}

/* Every key, section by section in the schema's order; with src, each followed by where its
 * value was set. */
static void print_keys(const struct pai_config *c, const struct pai_config_sources *src, FILE *f)
{
	const char *section = NULL;
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const struct key_def *k = &keys[i];
		char *value = NULL;
		size_t len = 0;
		int w;
		FILE *m = open_memstream(&value, &len);

		if (m) {
			print_value(c, k, m);
			fclose(m);
		}
		if (!section || strcmp(section, k->section))
			fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
		section = k->section;
		w = fprintf(f, "%s =%s%s", k->name, value && *value ? " " : "", value ? value : "");
		if (src && src->key_file[i] >= 0 && (size_t)src->key_file[i] < src->n_files)
			fprintf(f, "%*s # %s:%zu", w < 39 ? 39 - w : 0, "",
			        src->file[src->key_file[i]], src->key_line[i]);
		else if (src)
			fprintf(f, "%*s # default", w < 39 ? 39 - w : 0, "");
		fputc('\n', f);
		free(value);
	}
}

void config_print(const struct pai_config *c, FILE *f)
{
	print_keys(c, NULL, f);
}

void config_print_sources(const struct pai_config *c, const struct pai_config_sources *src, FILE *f)
{
	size_t i;

	fputs("# the effective configuration; after each value, the file and line that set it\n",
	      f);
	for (i = 0; i < src->n_files; i++)
		fprintf(f, "# read: %s\n", src->file[i]);
	if (src->dropin_dir)
		fprintf(f, "# drop-ins: %s/*.conf%s\n", src->dropin_dir,
		        src->dropin_dir_found ? "" : " (no such directory)");
	print_keys(c, src, f);
}
