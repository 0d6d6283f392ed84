/* SPDX-License-Identifier: MIT */
/* awsquery.c — the Query API request body. */
#include "awsquery.h"

#include <string.h>

#include "endpoints.h"

/* Percent-encodes s with RFC 3986's unreserved set, as SigV4 and the Query API expect. */
static pai_err form_encode(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[3] = {'%', 0, 0};
	unsigned char ch;
	pai_err e;

	while (*s) {
		size_t run =
		    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~");
		if (run) {
			e = buf_append(b, s, run);
			if (e)
				return e;
			s += run;
			continue;
		}
		ch = (unsigned char)*s++;
		esc[1] = hex[ch >> 4];
		esc[2] = hex[ch & 15];
		e = buf_append(b, esc, 3);
		if (e)
			return e;
	}
	return PAI_OK;
}

/* Action, Version, then the parameters in the caller's order. */
pai_err aws_query_body(enum aws_service s, const struct aws_query *q, struct buf *b)
{
	pai_err e;
	size_t i;

	if (!q || !q->action || !q->action[0] || q->n > AWS_QUERY_MAX_PARAMS)
		return PAI_ERR_INVALID;
	e = buf_append_str(b, "Action=");
	if (!e)
		e = form_encode(b, q->action);
	if (!e)
		e = buf_appendf(b, "&Version=%s", endpoints_api_version(s));
	for (i = 0; !e && i < q->n; i++) {
		if (!q->p[i].name || !q->p[i].name[0] || !q->p[i].value)
			return PAI_ERR_INVALID;
		e = buf_append_str(b, "&");
		if (!e)
			e = form_encode(b, q->p[i].name);
		if (!e)
			e = buf_append_str(b, "=");
		if (!e)
			e = form_encode(b, q->p[i].value);
	}
	return e;
}
