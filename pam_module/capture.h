/* SPDX-License-Identifier: MIT */
/* capture.h — what the helper prints, kept within fixed bounds, and turned into lines that are
 * safe to show on a terminal. The module's only text handling; no allocation. */
#ifndef PAM_AWS_IAM_CAPTURE_H
#define PAM_AWS_IAM_CAPTURE_H

#include <stddef.h>

#define CAPTURE_MAX_BYTES 4096 /* kept per stream; the rest is read and dropped */
#define CAPTURE_LINE_MAX  512  /* longest line shown, NUL included; longer lines are cut */

enum capture_keep {
	CAPTURE_KEEP_HEAD, /* stdout: the first bytes matter (the sign-in URL comes early) */
	CAPTURE_KEEP_TAIL, /* stderr: the last line is the error */
};

struct capture {
	enum capture_keep keep;
	size_t len;     /* bytes held in data */
	size_t dropped; /* bytes read past the bound and thrown away */
	char data[CAPTURE_MAX_BYTES];
};

/* Empties c; it keeps the head or the tail of what it is given. */
void capture_init(struct capture *c, enum capture_keep keep);
/* Takes n more bytes; never holds more than CAPTURE_MAX_BYTES. */
void capture_add(struct capture *c, const char *p, size_t n);
/* Copies the next non-empty line at or after *pos into line (size CAPTURE_LINE_MAX), keeping
 * printable ASCII only (tab becomes a space), cut to fit; returns 0 when no line is left. */
int capture_next_line(const struct capture *c, size_t *pos, char line[CAPTURE_LINE_MAX]);
/* Copies the last non-empty line, cleaned as above; returns 0 when there is none. */
int capture_last_line(const struct capture *c, char line[CAPTURE_LINE_MAX]);

#endif
