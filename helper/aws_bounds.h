/* SPDX-License-Identifier: MIT */
/* aws_bounds.h — what both halves of the helper count with: IAM's bounds, an IAM tag and the
 * size of a console sign-in URL. The core reads the ledger from tags (ledger.h) and keeps the
 * URL in its state (state.h) without any network type. */
#ifndef PAI_AWS_BOUNDS_H
#define PAI_AWS_BOUNDS_H

#define IAM_MAX_TAGS      50  /* per user */
#define IAM_KEY_ID_MAX    129 /* access key ID, NUL included (IAM: 16-128) */
#define IAM_USER_NAME_MAX 65  /* NUL included */
#define SIGNIN_URL_MAX    128 /* https://ALIAS.signin.aws.amazon.com/console, NUL included */

struct iam_tag {
	char key[129];   /* 1-128 of [\p{L}\p{Z}\p{N}_.:/=+\-@] */
	char value[257]; /* 0-256 */
};

#endif
