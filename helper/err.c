/* SPDX-License-Identifier: MIT */
/* err.c — descriptions of pai_err. */
#include "err.h"

#include <stdarg.h>
#include <stdio.h>

const char *pai_strerror(pai_err e)
{
	switch (e) {
	case PAI_OK: return "success";
	case PAI_ERR_NOMEM: return "out of memory";
	case PAI_ERR_INVALID: return "invalid value";
	case PAI_ERR_TOOBIG: return "over size limit";
	case PAI_ERR_NETWORK: return "network error";
	case PAI_ERR_TIMEOUT: return "deadline passed";
	case PAI_ERR_REPLY: return "malformed or untrusted reply";
	case PAI_ERR_AWS: return "AWS error";
	case PAI_ERR_NOT_FOUND: return "no such entity";
	case PAI_ERR_EXISTS: return "entity already exists";
	case PAI_ERR_LIMIT: return "limit exceeded";
	case PAI_ERR_DENIED: return "access denied";
	case PAI_ERR_CONFIG: return "configuration error";
	case PAI_ERR_FILE: return "local file error";
	case PAI_ERR_REFUSED: return "refused";
	case PAI_ERR_CRYPTO: return "cryptography error";
	}
	return "unknown error";
}

void pai_seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
