/* SPDX-License-Identifier: MIT */
/* record.c — the helper's small secret-holding records (record.h). */
#include "record.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

static bool printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void wipe_all(const struct record_field *f, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		secret_wipe(f[i].value, f[i].size);
}

/* The field named by the key [k, k + klen), or NULL. */
static const struct record_field *field_of(const struct record_field *f, size_t n, const char *k,
                                           size_t klen)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(f[i].key) == klen && !memcmp(f[i].key, k, klen))
			return &f[i];
	return NULL;
}

pai_err record_parse(const char *data, size_t len, const char *magic, const struct record_field *f,
                     size_t n)
{
	bool seen[RECORD_MAX_FIELDS] = {false};
	size_t mlen = strlen(magic), pos, i;

	if (n > RECORD_MAX_FIELDS)
		return PAI_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (f[i].size)
			f[i].value[0] = '\0';
	if (!data || len > RECORD_MAX_BYTES || len < mlen + 1 || data[len - 1] != '\n' ||
	    memcmp(data, magic, mlen) != 0 || data[mlen] != '\n')
		return PAI_ERR_INVALID;
	for (pos = mlen + 1; pos < len;) {
		const char *line = data + pos, *nl = memchr(line, '\n', len - pos), *eq;
		size_t llen = (size_t)(nl - line), klen, vlen;
		const struct record_field *fd;

		pos += llen + 1;
		eq = memchr(line, '=', llen);
		if (!eq || eq == line || !printable(line, llen))
			goto bad;
		klen = (size_t)(eq - line);
		vlen = llen - klen - 1;
		fd = field_of(f, n, line, klen);
		if (!fd)
			continue; /* a newer version's field */
		if (seen[fd - f] || vlen >= fd->size)
			goto bad;
		seen[fd - f] = true;
		memcpy(fd->value, eq + 1, vlen);
		fd->value[vlen] = '\0';
		if (fd->ok && !fd->ok(fd->value))
			goto bad;
	}
	for (i = 0; i < n; i++)
		if (f[i].required && !seen[i])
			goto bad;
	return PAI_OK;
bad:
	wipe_all(f, n);
	return PAI_ERR_INVALID;
}

pai_err record_put(struct buf *b, const char *key, const char *value)
{
	pai_err e;

	if (!printable(value, strlen(value)) || !key[0] || strchr(key, '=') ||
	    !printable(key, strlen(key)))
		return PAI_ERR_INVALID;
	e = buf_append_str(b, key);
	if (!e)
		e = buf_append(b, "=", 1);
	if (!e)
		e = buf_append_str(b, value);
	if (!e)
		e = buf_append(b, "\n", 1);
	return e;
}

pai_err record_put_num(struct buf *b, const char *key, unsigned long long v)
{
	char s[24];

	snprintf(s, sizeof(s), "%llu", v);
	return record_put(b, key, s);
}

bool record_num(const char *s, unsigned long long *v)
{
	unsigned long long x = 0;
	size_t n = strlen(s), i;

	if (n < 1 || n > 19)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		x = x * 10 + (unsigned long long)(s[i] - '0');
	}
	*v = x;
	return true;
}

bool record_time(const char *s, time_t *t)
{
	unsigned long long v;

	if (!record_num(s, &v) || v > (unsigned long long)LLONG_MAX)
		return false;
	*t = (time_t)v;
	return true;
}
