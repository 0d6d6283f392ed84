/* SPDX-License-Identifier: MIT */
/* validate.c — IAM's documented value patterns, checked byte by byte (no regex engine).
 * Every check is ASCII-only: a byte >= 0x80 never passes, so no UTF-8 trickery reaches an
 * INI file, a log line or a request. */
#include "validate.h"

#include <string.h>

#define ARN_MAX 2048

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static bool is_alnum(char c)
{
	return is_digit(c) || is_lower(c) || (c >= 'A' && c <= 'Z');
}

/* \w in IAM's (Java) patterns: [A-Za-z0-9_]. */
static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool is_visible(char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* Length of s if it is at most max bytes, else max + 1 (never reads past max + 1). */
static size_t bounded_len(const char *s, size_t max)
{
	return strnlen(s, max + 1);
}

/* True when s is min..max bytes, each accepted by ok(). */
static bool all_of(const char *s, size_t min, size_t max, bool (*ok)(char))
{
	size_t n, i;

	if (!s)
		return false;
	n = bounded_len(s, max);
	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (!ok(s[i]))
			return false;
	return true;
}

static bool is_name_char(char c)
{
	return is_word(c) || strchr("+=,.@-", c) != NULL;
}

bool valid_user_name(const char *s)
{
	return all_of(s, 1, 64, is_name_char);
}

bool valid_group_name(const char *s)
{
	return all_of(s, 1, 128, is_name_char);
}

bool valid_path(const char *s)
{
	size_t n;

	if (!all_of(s, 1, 512, is_visible))
		return false;
	n = strlen(s);
	return s[0] == '/' && s[n - 1] == '/';
}

bool valid_access_key_id(const char *s)
{
	return all_of(s, 16, 128, is_alnum);
}

bool valid_secret_key(const char *s)
{
	return all_of(s, 1, 128, is_visible);
}

bool valid_account_id(const char *s)
{
	return all_of(s, 12, 12, is_digit);
}

static bool is_arn_token_char(char c)
{
	return is_lower(c) || is_digit(c) || c == '-';
}

/* Reads a ':'-terminated field of [a-z0-9-] (possibly empty) at *p, advancing past the ':'.
 * Returns its length, or -1 when a bad byte or no ':' is found. */
static int arn_field(const char **p)
{
	const char *s = *p;
	int n = 0;

	while (*s && *s != ':') {
		if (!is_arn_token_char(*s))
			return -1;
		s++;
		n++;
	}
	if (*s != ':')
		return -1;
	*p = s + 1;
	return n;
}

static bool partition_ok(const char *s, size_t n)
{
	return (n == 3 && memcmp(s, "aws", 3) == 0) || (n > 4 && memcmp(s, "aws-", 4) == 0);
}

bool valid_arn(const char *s)
{
	const char *p, *part, *acct;
	int n_part, n_svc, n_acct;
	size_t len;

	if (!s)
		return false;
	len = bounded_len(s, ARN_MAX);
	if (len < 20 || len > ARN_MAX || strncmp(s, "arn:", 4) != 0)
		return false;
	p = part = s + 4;
	n_part = arn_field(&p);
	if (n_part < 0 || !partition_ok(part, (size_t)n_part))
		return false;
	n_svc = arn_field(&p);
	if (n_svc < 1 || arn_field(&p) < 0) /* service, then region (may be empty) */
		return false;
	acct = p;
	n_acct = arn_field(&p);
	if (n_acct != 0 && n_acct != 12 && !(n_acct == 3 && memcmp(acct, "aws", 3) == 0))
		return false;
	if (n_acct == 12) {
		int i;

		for (i = 0; i < 12; i++)
			if (!is_digit(acct[i]))
				return false;
	}
	return all_of(p, 1, ARN_MAX, is_visible);
}

bool valid_policy_arn(const char *s)
{
	const char *p;
	size_t plen;

	if (!valid_arn(s))
		return false;
	p = s + 4;
	plen = strcspn(p, ":");
	p += plen;
	if (strncmp(p, ":iam::", 6) != 0)
		return false;
	p += 6;
	if (strncmp(p, "aws:", 4) == 0)
		p += 4;
	else if (strnlen(p, 13) == 13 && p[12] == ':') /* 12 digits, checked by valid_arn */
		p += 13;
	else
		return false;
	return strncmp(p, "policy/", 7) == 0 && p[7] != '\0';
}

bool valid_account_alias(const char *s)
{
	size_t n, i;

	if (!s)
		return false;
	n = bounded_len(s, 63);
	if (n < 3 || n > 63)
		return false;
	if (s[0] == '-' || s[n - 1] == '-')
		return false;
	for (i = 0; i < n; i++) {
		if (is_lower(s[i]) || is_digit(s[i]))
			continue;
		if (s[i] == '-' && s[i + 1] != '-')
			continue;
		return false;
	}
	return true;
}

/* [\p{L}\p{Z}\p{N}_.:/=+\-@] restricted to ASCII: letters, digits, space and _.:/=+-@. */
static bool is_tag_char(char c)
{
	return is_alnum(c) || c == ' ' || strchr("_.:/=+-@", c) != NULL;
}

bool valid_tag_key(const char *s)
{
	return all_of(s, 1, 128, is_tag_char);
}

bool valid_tag_value(const char *s)
{
	return all_of(s, 0, 256, is_tag_char);
}

bool valid_unique_id(const char *s)
{
	return all_of(s, 16, 128, is_word);
}

/* n digits at s, their value in *v, within lo..hi. */
static bool digits(const char *s, int n, int lo, int hi, int *v)
{
	int i, x = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		x = x * 10 + (s[i] - '0');
	}
	if (v)
		*v = x;
	return x >= lo && x <= hi;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

bool valid_iso8601(const char *s)
{
	int y, m, d;
	size_t n, i;

	if (!s)
		return false;
	n = bounded_len(s, 32);
	if (n < 20 || n > 30)
		return false;
	if (!digits(s, 4, 1970, 9999, &y) || s[4] != '-' || !digits(s + 5, 2, 1, 12, &m) ||
	    s[7] != '-' || !digits(s + 8, 2, 1, 31, &d) || d > days_in_month(y, m) ||
	    s[10] != 'T' || !digits(s + 11, 2, 0, 23, NULL) || s[13] != ':' ||
	    !digits(s + 14, 2, 0, 59, NULL) || s[16] != ':' || !digits(s + 17, 2, 0, 60, NULL))
		return false;
	i = 19;
	if (s[i] == '.') {
		size_t start = ++i;

		while (is_digit(s[i]))
			i++;
		if (i == start || i - start > 9)
			return false;
	}
	return s[i] == 'Z' && s[i + 1] == '\0';
}

bool valid_key_status(const char *s)
{
	return s && (strcmp(s, "Active") == 0 || strcmp(s, "Inactive") == 0 ||
	             strcmp(s, "Expired") == 0);
}
