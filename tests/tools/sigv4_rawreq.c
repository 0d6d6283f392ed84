/* SPDX-License-Identifier: MIT */
/* sigv4_rawreq.c — parses SigV4 test-suite style raw requests (see sigv4_rawreq.h). */
#include "sigv4_rawreq.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* One line of the head: [*pos, end of line) with the line end and a trailing CR cut off;
 * *pos moves past the line end. Returns false at the end of the input. */
static bool next_line(char *s, size_t len, size_t *pos, char **line, size_t *line_len)
{
	size_t start = *pos, i;

	if (start >= len)
		return false;
	for (i = start; i < len && s[i] != '\n'; i++)
		;
	*pos = i < len ? i + 1 : len;
	*line = s + start;
	*line_len = i - start;
	if (*line_len && s[i - 1] == '\r')
		(*line_len)--;
	(*line)[*line_len] = '\0';
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static pai_err parse_request_line(struct sigv4_rawreq *r, char *line, size_t n)
{
	char *sp1, *sp2, *q;

	sp1 = memchr(line, ' ', n);
	sp2 = strrchr(line, ' ');
	if (!sp1 || sp2 == sp1 || sp1 == line || strncmp(sp2 + 1, "HTTP/", 5) != 0)
		return PAI_ERR_INVALID;
	*sp1 = '\0';
	*sp2 = '\0';
	r->req.method = line;
	r->req.path = sp1 + 1;
	q = strchr(sp1 + 1, '?');
	if (q) {
		*q = '\0';
		r->req.query = q + 1;
	} else {
		r->req.query = sp2; /* the empty string just cut */
	}
	return PAI_OK;
}

pai_err sigv4_rawreq_parse(const void *data, size_t len, struct sigv4_rawreq *out)
{
	struct sigv4_rawreq r;
	char *line, *value_end = NULL;
	size_t pos = 0, n, head_end;
	bool body_found = false;
	pai_err e;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (!data && len)
		return PAI_ERR_INVALID;
	if (len > SIGV4_RAWREQ_MAX)
		return PAI_ERR_TOOBIG;
	r.copy = malloc(len + 1);
	if (!r.copy)
		return PAI_ERR_NOMEM;
	r.copy_len = len;
	if (len)
		memcpy(r.copy, data, len);
	r.copy[len] = '\0';
	r.req.headers = r.headers;

	/* The head ends at the first empty line; no NUL may hide in it. */
	for (head_end = 0; head_end < len; head_end++) {
		if (r.copy[head_end] == '\0') {
			e = PAI_ERR_INVALID;
			goto fail;
		}
		if (r.copy[head_end] == '\n' &&
		    (head_end + 1 == len || r.copy[head_end + 1] == '\n' ||
		     (r.copy[head_end + 1] == '\r' && head_end + 2 < len &&
		      r.copy[head_end + 2] == '\n')))
			break;
	}

	if (!next_line(r.copy, len, &pos, &line, &n)) {
		e = PAI_ERR_INVALID;
		goto fail;
	}
	if ((e = parse_request_line(&r, line, n)))
		goto fail;
	while (next_line(r.copy, len, &pos, &line, &n)) {
		char *colon;

		if (n == 0) {
			body_found = true;
			break;
		}
		if (is_blank(line[0])) {
			/* obs-fold: the previous value goes on after one space. Moving text left
			 * within the copy is safe: the write point trails the read point. */
			size_t skip = 0;

			if (!value_end) {
				e = PAI_ERR_INVALID;
				goto fail;
			}
			while (is_blank(line[skip]))
				skip++;
			*value_end++ = ' ';
			memmove(value_end, line + skip, n - skip);
			value_end += n - skip;
			*value_end = '\0';
			continue;
		}
		colon = memchr(line, ':', n);
		if (!colon || colon == line || is_blank(colon[-1])) {
			e = PAI_ERR_INVALID;
			goto fail;
		}
		if (r.req.n_headers == SIGV4_MAX_HEADERS) {
			e = PAI_ERR_TOOBIG;
			goto fail;
		}
		*colon = '\0';
		r.headers[r.req.n_headers].name = line;
		r.headers[r.req.n_headers].value = colon + 1;
		r.req.n_headers++;
		value_end = line + n;
	}
	if (body_found) {
		r.req.body = r.copy + pos;
		r.req.body_len = len - pos;
	} else {
		r.req.body = r.copy + len;
		r.req.body_len = 0;
	}
	*out = r;
	out->req.headers = out->headers; /* not the local copy's */
	return PAI_OK;
fail:
	sigv4_rawreq_free(&r);
	return e;
}

static bool ascii_equal_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++) {
		char ca = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char cb = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

pai_err sigv4_rawreq_set_header(struct sigv4_rawreq *r, const char *name, const char *value)
{
	size_t i, kept = 0;

	if (!r || !name || !value)
		return PAI_ERR_INVALID;
	for (i = 0; i < r->req.n_headers; i++)
		if (!ascii_equal_nocase(r->headers[i].name, name))
			r->headers[kept++] = r->headers[i];
	r->req.n_headers = kept;
	if (kept == SIGV4_MAX_HEADERS)
		return PAI_ERR_TOOBIG;
	r->headers[kept].name = name;
	r->headers[kept].value = value;
	r->req.n_headers++;
	return PAI_OK;
}

void sigv4_rawreq_free(struct sigv4_rawreq *r)
{
	if (!r)
		return;
	if (r->copy) {
		secret_wipe(r->copy, r->copy_len + 1);
		free(r->copy);
	}
	memset(r, 0, sizeof(*r));
}
