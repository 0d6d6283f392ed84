/* SPDX-License-Identifier: MIT */
/* err.h — the one status type every helper library returns. */
#ifndef PAI_ERR_H
#define PAI_ERR_H

#include <stddef.h>

typedef enum {
	PAI_OK = 0,
	PAI_ERR_NOMEM,     /* allocation failed */
	PAI_ERR_INVALID,   /* bad argument or a value that fails its documented pattern */
	PAI_ERR_TOOBIG,    /* input or reply over its explicit bound */
	PAI_ERR_NETWORK,   /* connect, TLS or transfer failure */
	PAI_ERR_TIMEOUT,   /* the run's deadline passed */
	PAI_ERR_REPLY,     /* a reply we cannot trust: malformed, hostile, missing fields */
	PAI_ERR_AWS,       /* AWS answered with an error (see struct aws_error) */
	PAI_ERR_NOT_FOUND, /* AWS NoSuchEntity */
	PAI_ERR_EXISTS,    /* AWS EntityAlreadyExists */
	PAI_ERR_LIMIT,     /* AWS LimitExceeded (a quota; never retried) */
	PAI_ERR_DENIED,    /* AWS AccessDenied / signature / token errors */
	PAI_ERR_CONFIG,    /* configuration error */
	PAI_ERR_FILE,      /* local file problem (see errno / message) */
	PAI_ERR_REFUSED,   /* refused on policy or security grounds */
	PAI_ERR_CRYPTO,    /* OpenSSL failure */
} pai_err;

/* Short English description of a status, never NULL. */
const char *pai_strerror(pai_err e);
/* printf-style one-line message into a caller's buffer; nothing when err is NULL or errlen 0. */
void pai_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
