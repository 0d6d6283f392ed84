/* SPDX-License-Identifier: MIT */
/* record.h — the one reader and writer of the helper's own small records that hold secrets
 * (keyvault.h, sesscache.h): a first line naming the format and its version, then one
 * "key=value" line per field, every line ending in LF. The reader is strict and bounded:
 * NUL bytes, bytes outside printable ASCII, a line without '=', a field given twice, a
 * value too long for its buffer or failing its check, or a missing required field refuse the
 * whole record; an unknown key (written by a newer version) is skipped. Values are copied
 * straight from the input into the caller's buffers: no other copy of a secret is made. */
#ifndef PAI_RECORD_H
#define PAI_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include "buf.h"
#include "err.h"

#define RECORD_MAX_BYTES  8192 /* a whole record */
#define RECORD_MAX_FIELDS 16

struct record_field {
	const char *key;
	char *value;              /* filled with the value, NUL-terminated; "" when absent */
	size_t size;              /* of value, NUL included */
	bool (*ok)(const char *); /* NULL: any printable ASCII */
	bool required;
};

/* Parses len bytes whose first line is magic into the n fields (at most RECORD_MAX_FIELDS).
 * PAI_ERR_INVALID for anything the header above refuses; every value is then wiped. */
pai_err record_parse(const char *data, size_t len, const char *magic, const struct record_field *f,
                     size_t n);
/* Appends "key=value\n" (value printable ASCII, at most RECORD_MAX_BYTES); PAI_ERR_INVALID for
 * a value the reader would refuse. */
pai_err record_put(struct buf *b, const char *key, const char *value);
/* The same for a time (decimal seconds) or an unsigned number. */
pai_err record_put_num(struct buf *b, const char *key, unsigned long long v);
/* A decimal number (1-19 digits, no sign, no blank) into *v; false otherwise. */
bool record_num(const char *s, unsigned long long *v);
/* record_num as a time_t (what record_put_num wrote for one). */
bool record_time(const char *s, time_t *t);

#endif
