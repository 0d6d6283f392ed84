/* SPDX-License-Identifier: MIT */
/* awscreds.h — an AWS identity's credentials, as held in memory. Every field is a heap
 * string wiped on release. */
#ifndef PAI_AWSCREDS_H
#define PAI_AWSCREDS_H

#include "err.h"

struct aws_creds {
	char *access_key_id;     /* [A-Za-z0-9]{16,128} */
	char *secret_access_key; /* secret */
	char *session_token;     /* secret; NULL for long-term keys */
	char *expiration;        /* ISO 8601 from IMDS, NULL for long-term keys */
};

/* Deep copy; PAI_ERR_NOMEM. */
pai_err aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src);
/* Wipes and frees every field; safe on a zeroed struct. */
void aws_creds_wipe(struct aws_creds *c);

#endif
