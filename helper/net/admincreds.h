/* SPDX-License-Identifier: MIT */
/* admincreds.h — the admin identity the helper calls IAM with: a key from a file in AWS
 * shared-credentials format, or the EC2 instance role's credentials (IMDSv2). */
#ifndef PAI_ADMINCREDS_H
#define PAI_ADMINCREDS_H

#include <stdbool.h>
#include <stddef.h>
#include "awscreds.h"
#include "err.h"

#define ADMINCREDS_INSTANCE "instance" /* credentials = instance: use IMDSv2 */
#define ADMINCREDS_MAX_FILE (64u * 1024u)

struct admincreds_opts {
	const char *credentials; /* path of a shared-credentials file, or ADMINCREDS_INSTANCE */
	const char *profile;     /* NULL = "default" */
	const char *imds_url;    /* NULL = IMDS_DEFAULT_URL */
	long timeout_ms;         /* budget of the IMDS requests; 0 = IMDS_DEFAULT_TIMEOUT */
	bool strict;             /* privileged run: the file must be owned by root or the
	                          * effective uid, and neither group-writable nor readable or
	                          * writable by others */
};

/* Loads the admin credentials into out (aws_creds_wipe). Refuses a file that is not a
 * regular file, is world-writable, is over ADMINCREDS_MAX_FILE, or (strict) fails the
 * ownership and mode rules: PAI_ERR_REFUSED. PAI_ERR_FILE when it cannot be read,
 * PAI_ERR_INVALID for a malformed file or value, PAI_ERR_NOT_FOUND for a missing profile or
 * key; IMDS errors as imds_get_credentials. A one-line reason naming the file, never a
 * secret, in err. */
pai_err admincreds_load(const struct admincreds_opts *o, struct aws_creds *out, char *err,
                        size_t errlen);

#endif
