/* SPDX-License-Identifier: MIT */
/* template.c — %u/%h/%% templates for the IAM user name and tag values. No character is
 * mapped to another: a mapping could send two logins to one IAM user. */
#include "template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "validate.h"

#define IAM_USER_MAX 64

/* "'x'" for a printable byte, else "byte 0xNN". */
static const char *char_name(unsigned char c, char out[16])
{
	if (c >= 0x21 && c < 0x7f)
		snprintf(out, 16, "'%c'", c);
	else if (c == ' ')
		snprintf(out, 16, "space");
	else
		snprintf(out, 16, "byte 0x%02x", c);
	return out;
}

pai_err template_check(const char *tmpl, char *err, size_t errlen)
{
	size_t i;
	char cn[16];

	if (!tmpl)
		return PAI_ERR_INVALID;
	for (i = 0; tmpl[i]; i++) {
		if (tmpl[i] != '%')
			continue;
		if (tmpl[i + 1] == 'u' || tmpl[i + 1] == 'h' || tmpl[i + 1] == '%') {
			i++;
			continue;
		}
		if (!tmpl[i + 1])
			pai_seterr(
			    err, errlen,
			    "template ends with a lone '%%' (write %%%% for a percent sign)");
		else
			pai_seterr(
			    err, errlen,
			    "unknown placeholder '%%' followed by %s (only %%u, %%h and %%%%)",
			    char_name((unsigned char)tmpl[i + 1], cn));
		return PAI_ERR_INVALID;
	}
	return PAI_OK;
}

static pai_err put(char *out, size_t outlen, size_t *n, const char *s, size_t len)
{
	if (len >= outlen - *n)
		return PAI_ERR_TOOBIG;
	memcpy(out + *n, s, len);
	*n += len;
	out[*n] = '\0';
	return PAI_OK;
}

pai_err template_expand(const char *tmpl, const struct template_vars *v, char *out, size_t outlen,
                        char *err, size_t errlen)
{
	size_t i, n = 0;
	const char *sub;
	pai_err e;

	if (!out || !outlen || !v)
		return PAI_ERR_INVALID;
	out[0] = '\0';
	e = template_check(tmpl, err, errlen);
	if (e)
		return e;
	for (i = 0; tmpl[i]; i++) {
		if (tmpl[i] != '%') {
			e = put(out, outlen, &n, tmpl + i, 1);
		} else {
			i++;
			sub = tmpl[i] == 'u' ? v->login : tmpl[i] == 'h' ? v->host : "%";
			if (!sub) {
				pai_seterr(err, errlen, "%%%c has no value here", tmpl[i]);
				return PAI_ERR_INVALID;
			}
			e = put(out, outlen, &n, sub, strlen(sub));
		}
		if (e) {
			pai_seterr(err, errlen, "expansion longer than %zu bytes", outlen - 1);
			out[0] = '\0';
			return e;
		}
	}
	return PAI_OK;
}

static bool iam_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("_+=,.@-", c) != NULL);
}

pai_err template_user_name(const char *tmpl, const struct template_vars *v, char *out,
                           size_t outlen, char *err, size_t errlen)
{
	char tmp[TEMPLATE_MAX_OUT], cn[16];
	size_t i, n;
	pai_err e;

	e = template_expand(tmpl, v, tmp, sizeof(tmp), err, errlen);
	if (e)
		return e == PAI_ERR_TOOBIG ? PAI_ERR_INVALID : e;
	n = strlen(tmp);
	if (n == 0) {
		pai_seterr(err, errlen, "IAM user name is empty");
		return PAI_ERR_INVALID;
	}
	for (i = 0; i < n; i++) {
		if (!iam_name_char(tmp[i])) {
			pai_seterr(err, errlen,
			           "IAM user name cannot contain %s (allowed: A-Z a-z 0-9 _+=,.@-)",
			           char_name((unsigned char)tmp[i], cn));
			return PAI_ERR_INVALID;
		}
	}
	if (n > IAM_USER_MAX) {
		pai_seterr(err, errlen, "IAM user name is %zu characters, longer than %d", n,
		           IAM_USER_MAX);
		return PAI_ERR_INVALID;
	}
	if (!valid_user_name(tmp) || n + 1 > outlen) {
		pai_seterr(err, errlen, "IAM user name does not fit");
		return PAI_ERR_INVALID;
	}
	memcpy(out, tmp, n + 1);
	return PAI_OK;
}

pai_err template_tag_value(const char *tmpl, const struct template_vars *v, char *out,
                           size_t outlen, char *err, size_t errlen)
{
	char tmp[TEMPLATE_MAX_OUT];
	size_t n;
	pai_err e;

	e = template_expand(tmpl, v, tmp, sizeof(tmp), err, errlen);
	if (e)
		return e == PAI_ERR_TOOBIG ? PAI_ERR_INVALID : e;
	n = strlen(tmp);
	if (!valid_tag_value(tmp)) {
		pai_seterr(err, errlen,
		           "tag value is not 0-256 of letters, digits, space and _.:/=+-@");
		return PAI_ERR_INVALID;
	}
	if (n + 1 > outlen) {
		pai_seterr(err, errlen, "tag value does not fit");
		return PAI_ERR_TOOBIG;
	}
	memcpy(out, tmp, n + 1);
	return PAI_OK;
}
