/* SPDX-License-Identifier: MIT */
/* buf.h — a growable byte buffer with an explicit size bound; the one way helper code
 * accumulates bytes. Data is always NUL-terminated (the NUL is not counted in len). */
#ifndef PAI_BUF_H
#define PAI_BUF_H

#include <stddef.h>
#include "err.h"

struct buf {
	char *data; /* NULL until the first append */
	size_t len; /* bytes used, excluding the terminating NUL */
	size_t cap; /* bytes allocated */
	size_t max; /* len never exceeds this; 0 means 1 MiB */
};

/* Starts an empty buffer that may hold at most max bytes (0 = 1 MiB). */
void buf_init(struct buf *b, size_t max);
/* Appends n bytes; PAI_ERR_TOOBIG past the bound (buffer unchanged), PAI_ERR_NOMEM. */
pai_err buf_append(struct buf *b, const void *p, size_t n);
pai_err buf_append_str(struct buf *b, const char *s);
/* printf-style append, same bounds. */
pai_err buf_appendf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Empties the buffer, wiping the old contents, keeping the allocation. */
void buf_reset(struct buf *b);
/* Wipes every allocated byte (secrets may have passed through) and frees. */
void buf_free(struct buf *b);

/* Zeroes memory in a way the compiler may not elide. */
void secret_wipe(void *p, size_t n);
/* Wipes and frees a NUL-terminated heap string; NULL is fine. */
void secret_free(char *s);

#endif
