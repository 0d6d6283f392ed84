/* SPDX-License-Identifier: MIT */
/* buf.c — bounded growable buffer and secret wiping. */
#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUF_DEFAULT_MAX (1024u * 1024u)

void secret_wipe(void *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void secret_free(char *s)
{
	if (!s)
		return;
	secret_wipe(s, strlen(s));
	free(s);
}

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max ? max : BUF_DEFAULT_MAX;
}

/* Grows to hold need bytes plus the NUL; old contents are copied then wiped so no secret
 * stays behind in freed memory. */
static pai_err buf_reserve(struct buf *b, size_t need)
{
	size_t cap;
	char *p;

	if (need > b->max)
		return PAI_ERR_TOOBIG;
	if (need + 1 <= b->cap)
		return PAI_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need + 1)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = malloc(cap);
	if (!p)
		return PAI_ERR_NOMEM;
	if (b->data) {
		memcpy(p, b->data, b->len + 1);
		secret_wipe(b->data, b->cap);
		free(b->data);
	} else {
		p[0] = '\0';
	}
	b->data = p;
	b->cap = cap;
	return PAI_OK;
}

pai_err buf_append(struct buf *b, const void *p, size_t n)
{
	pai_err e;

	if (n > b->max - b->len)
		return PAI_ERR_TOOBIG;
	e = buf_reserve(b, b->len + n);
	if (e)
		return e;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return PAI_OK;
}

pai_err buf_append_str(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

pai_err buf_appendf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	pai_err e;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return PAI_ERR_INVALID;
	if ((size_t)n > b->max - b->len)
		return PAI_ERR_TOOBIG;
	e = buf_reserve(b, b->len + (size_t)n);
	if (e)
		return e;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return PAI_OK;
}

void buf_reset(struct buf *b)
{
	if (b->data) {
		secret_wipe(b->data, b->cap);
		b->data[0] = '\0';
	}
	b->len = 0;
}

void buf_free(struct buf *b)
{
	if (b->data) {
		secret_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = 0;
}
