/* iam_tag.h — an IAM tag, and IAM's bounds on the things both halves of the helper count:
 * the core reads the ledger from tags (ledger.h) without any network type. */
#ifndef PAI_IAM_TAG_H
#define PAI_IAM_TAG_H

#define IAM_MAX_TAGS      50  /* per user */
#define IAM_KEY_ID_MAX    129 /* access key ID, NUL included (IAM: 16-128) */
#define IAM_USER_NAME_MAX 65  /* NUL included */

struct iam_tag {
	char key[129];   /* 1-128 of [\p{L}\p{Z}\p{N}_.:/=+\-@] */
	char value[257]; /* 0-256 */
};

#endif
