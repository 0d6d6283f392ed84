/* SPDX-License-Identifier: MIT */
/* sigv4_rawreq.h — reads a raw HTTP/1.1 request in the form the AWS SigV4 test suite uses
 * (.req files): request line, header lines (continuation lines folded), blank line, body.
 * For the signer's test tool, its tests and its fuzz target; the helper itself builds
 * requests, it never parses them. */
#ifndef PAI_SIGV4_RAWREQ_H
#define PAI_SIGV4_RAWREQ_H

#include <stddef.h>
#include "err.h"
#include "sigv4.h"

#define SIGV4_RAWREQ_MAX (2u * 1024u * 1024u) /* whole request, head and body */

struct sigv4_rawreq {
	struct sigv4_request req;                       /* view ready for the signer */
	struct sigv4_header headers[SIGV4_MAX_HEADERS]; /* req.headers points here */
	char *copy;                                     /* owns every string above */
	size_t copy_len;
};

/* Parses len bytes (CRLF or LF line ends). A line starting with a blank continues the
 * previous header, joined by one space. The target splits at its first '?'. NUL bytes are
 * refused before the body. PAI_ERR_INVALID with a malformed head, PAI_ERR_TOOBIG past the
 * bounds. On success free with sigv4_rawreq_free. */
pai_err sigv4_rawreq_parse(const void *data, size_t len, struct sigv4_rawreq *out);

/* Replaces every header named name (any case) with one name: value, added last. The
 * strings are not copied: they must outlive r. */
pai_err sigv4_rawreq_set_header(struct sigv4_rawreq *r, const char *name, const char *value);

/* Wipes and frees; safe on a zeroed struct. */
void sigv4_rawreq_free(struct sigv4_rawreq *r);

#endif
