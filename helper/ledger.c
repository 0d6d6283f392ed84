/* ledger.c — ownership and key-ledger tags on managed IAM users. */
#include "ledger.h"

#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "validate.h"

bool ledger_is_managed(const struct iam_tag *tags, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(tags[i].key, LEDGER_OWNER_KEY) == 0 &&
		    strcmp(tags[i].value, LEDGER_OWNER_VALUE) == 0)
			return true;
	return false;
}

bool ledger_valid_host(const char *host)
{
	size_t n = strlen(host);

	if (n < 1 || n >= LEDGER_HOST_MAX)
		return false;
	return strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") ==
	       n;
}

void ledger_format_time(time_t t, char out[32])
{
	struct tm tm;

	if (!gmtime_r(&t, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "1970-01-01T00:00:00Z");
}

pai_err ledger_parse_time(const char *s, time_t *out)
{
	struct tm tm;
	const char *end;

	if (!valid_iso8601(s))
		return PAI_ERR_INVALID;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		return PAI_ERR_INVALID;
	*out = timegm(&tm);
	return *out == (time_t)-1 ? PAI_ERR_INVALID : PAI_OK;
}

/* value: "<host> <time>" */
static bool parse_entry(const struct iam_tag *t, struct ledger_entry *e)
{
	size_t plen = strlen(LEDGER_KEY_PREFIX);
	const char *sp;
	size_t hl;

	if (strncmp(t->key, LEDGER_KEY_PREFIX, plen) != 0)
		return false;
	if (!valid_access_key_id(t->key + plen))
		return false;
	sp = strchr(t->value, ' ');
	if (!sp)
		return false;
	hl = (size_t)(sp - t->value);
	if (hl == 0 || hl >= sizeof(e->host))
		return false;
	memcpy(e->host, t->value, hl);
	e->host[hl] = '\0';
	if (!ledger_valid_host(e->host) || ledger_parse_time(sp + 1, &e->created))
		return false;
	snprintf(e->tag_key, sizeof(e->tag_key), "%s", t->key);
	snprintf(e->key_id, sizeof(e->key_id), "%s", t->key + plen);
	return true;
}

void ledger_from_tags(const struct iam_tag *tags, size_t n, struct ledger *out)
{
	size_t i;

	out->n = 0;
	for (i = 0; i < n && out->n < IAM_MAX_TAGS; i++)
		if (parse_entry(&tags[i], &out->e[out->n]))
			out->n++;
}

const struct ledger_entry *ledger_find(const struct ledger *l, const char *key_id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->e[i].key_id, key_id) == 0)
			return &l->e[i];
	return NULL;
}

pai_err ledger_make_tag(const char *key_id, const char *host, time_t created, struct iam_tag *out)
{
	char when[32];
	int n;

	if (!valid_access_key_id(key_id) || !ledger_valid_host(host))
		return PAI_ERR_INVALID;
	n = snprintf(out->key, sizeof(out->key), "%s%s", LEDGER_KEY_PREFIX, key_id);
	if (n < 0 || (size_t)n >= sizeof(out->key))
		return PAI_ERR_INVALID;
	ledger_format_time(created, when);
	snprintf(out->value, sizeof(out->value), "%s %s", host, when);
	if (!valid_tag_key(out->key) || !valid_tag_value(out->value))
		return PAI_ERR_INVALID;
	return PAI_OK;
}

pai_err ledger_make_pending_tag(const char *host, time_t t, struct iam_tag *out)
{
	int n;

	if (!ledger_valid_host(host))
		return PAI_ERR_INVALID;
	n = snprintf(out->key, sizeof(out->key), "%s%s", LEDGER_PENDING_PREFIX, host);
	if (n < 0 || (size_t)n >= sizeof(out->key))
		return PAI_ERR_INVALID;
	ledger_format_time(t, out->value);
	return valid_tag_key(out->key) && valid_tag_value(out->value) ? PAI_OK : PAI_ERR_INVALID;
}

static bool is_pending(const struct iam_tag *t)
{
	return strncmp(t->key, LEDGER_PENDING_PREFIX, strlen(LEDGER_PENDING_PREFIX)) == 0;
}

bool ledger_pending_time(const struct iam_tag *tags, size_t n, const char *host, time_t *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (is_pending(&tags[i]) &&
		    strcmp(tags[i].key + strlen(LEDGER_PENDING_PREFIX), host) == 0)
			return ledger_parse_time(tags[i].value, out) == PAI_OK;
	return false;
}

bool ledger_pending_expired(const struct iam_tag *tag, time_t now)
{
	time_t t;

	if (!is_pending(tag))
		return false;
	return ledger_parse_time(tag->value, &t) != PAI_OK || now - t > LEDGER_PENDING_MAX_AGE;
}

void ledger_owner_tag(struct iam_tag *out)
{
	snprintf(out->key, sizeof(out->key), "%s", LEDGER_OWNER_KEY);
	snprintf(out->value, sizeof(out->value), "%s", LEDGER_OWNER_VALUE);
}

pai_err ledger_short_hostname(char out[LEDGER_HOST_MAX])
{
	struct utsname u;
	size_t n;

	if (uname(&u) != 0)
		return PAI_ERR_INVALID;
	n = strcspn(u.nodename, ".");
	if (n == 0 || n >= LEDGER_HOST_MAX)
		return PAI_ERR_INVALID;
	memcpy(out, u.nodename, n);
	out[n] = '\0';
	return ledger_valid_host(out) ? PAI_OK : PAI_ERR_INVALID;
}
