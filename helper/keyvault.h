/* SPDX-License-Identifier: MIT */
/* keyvault.h — [keys] deliver = process: the person's long-term access key, kept by the helper
 * in its state directory (keys/<login>, mode 0600, the helper's account; state.h) instead of
 * the person's home. Only the helper reads it: at --credential-process, to ask STS for a
 * session (credproc.h). It names the account (login and uid) and the IAM user (UserId) it
 * belongs to: a key held for another uid or IAM user is no key. A record.h record:
 *   pam-aws-iam-key v1
 *   login= uid= user_id= key_id= secret= created=
 * Every struct held_key holds a secret: held_key_wipe. */
#ifndef PAI_KEYVAULT_H
#define PAI_KEYVAULT_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>
#include "aws_bounds.h"
#include "buf.h"
#include "err.h"

#define KEYVAULT_MAGIC  "pam-aws-iam-key v1"
#define KEYVAULT_SUBDIR "keys"

struct held_key {
	char login[65];
	uid_t uid;
	char user_id[129]; /* IAM UserId, [\w]{16,128} */
	char key_id[IAM_KEY_ID_MAX];
	char secret[129];
	time_t created; /* when the key was made (IAM's time): a young key may not work yet */
};

void held_key_wipe(struct held_key *k);
/* Parses a record's bytes; the login must be login. PAI_ERR_INVALID (k wiped) otherwise. */
pai_err keyvault_parse(const char *data, size_t len, const char *login, struct held_key *k);
/* Reads keys/<login>; PAI_ERR_NOT_FOUND when absent, PAI_ERR_INVALID for a record that fails
 * keyvault_parse, PAI_ERR_FILE for a file that is not the helper's. k is wiped on failure. */
pai_err keyvault_read(int dirfd, const char *login, struct held_key *k);
/* The same, for the key ID only (the secret is wiped before it returns): out "" when absent,
 * unreadable or held for another uid. */
void keyvault_key_id(int dirfd, const char *login, uid_t uid, char out[IAM_KEY_ID_MAX]);
/* Appends k's record to b (a buf bound of RECORD_MAX_BYTES fits any); PAI_ERR_INVALID for a
 * value the parser would refuse. */
pai_err keyvault_serialize(const struct held_key *k, struct buf *b);
/* Writes keys/<login> atomically (0600). PAI_ERR_INVALID for a value the parser would refuse. */
pai_err keyvault_write(int dirfd, const struct held_key *k);
/* Removes keys/<login>; absent is fine. */
pai_err keyvault_remove(int dirfd, const char *login);

#endif
