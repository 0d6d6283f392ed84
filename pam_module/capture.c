/* SPDX-License-Identifier: MIT */
/* capture.c — bounded capture of the helper's output and terminal-safe lines. */
#include <string.h>

#include "capture.h"

void capture_init(struct capture *c, enum capture_keep keep)
{
	c->keep = keep;
	c->len = 0;
	c->dropped = 0;
}

void capture_add(struct capture *c, const char *p, size_t n)
{
	size_t room = sizeof(c->data) - c->len;

	if (n <= room) {
		memcpy(c->data + c->len, p, n);
		c->len += n;
		return;
	}
	if (c->keep == CAPTURE_KEEP_HEAD) {
		memcpy(c->data + c->len, p, room);
		c->len += room;
		c->dropped += n - room;
		return;
	}
	/* Keep the tail: the newest sizeof(data) bytes of old + new. */
	if (n >= sizeof(c->data)) {
		c->dropped += c->len + n - sizeof(c->data);
		memcpy(c->data, p + n - sizeof(c->data), sizeof(c->data));
		c->len = sizeof(c->data);
		return;
	}
	size_t shift = n - room;
	memmove(c->data, c->data + shift, c->len - shift);
	memcpy(c->data + c->len - shift, p, n);
	c->len = sizeof(c->data);
	c->dropped += shift;
}

/* Cleans data[start, end) into line: printable ASCII only, so the helper cannot send terminal
 * escapes, C1 controls or anything a terminal might interpret; trailing blanks trimmed. */
static size_t clean_line(const char *data, size_t start, size_t end, char line[CAPTURE_LINE_MAX])
{
	size_t n = 0;

	for (size_t i = start; i < end && n < CAPTURE_LINE_MAX - 1; i++) {
		unsigned char ch = (unsigned char)data[i];

		if (ch == '\t')
			ch = ' ';
		if (ch < 0x20 || ch > 0x7e)
			continue;
		line[n++] = (char)ch;
	}
	while (n > 0 && line[n - 1] == ' ')
		n--;
	line[n] = '\0';
	return n;
}

int capture_next_line(const struct capture *c, size_t *pos, char line[CAPTURE_LINE_MAX])
{
	while (*pos < c->len) {
		size_t start = *pos;
		const char *nl = memchr(c->data + start, '\n', c->len - start);
		size_t end = nl ? (size_t)(nl - c->data) : c->len;

		*pos = nl ? end + 1 : c->len;
		if (clean_line(c->data, start, end, line) > 0)
			return 1;
	}
	return 0;
}

int capture_last_line(const struct capture *c, char line[CAPTURE_LINE_MAX])
{
	size_t pos = 0;
	int found = 0;
	char next[CAPTURE_LINE_MAX];

	while (capture_next_line(c, &pos, next)) {
		memcpy(line, next, sizeof(next));
		found = 1;
	}
	return found;
}
