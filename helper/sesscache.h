/* SPDX-License-Identifier: MIT */
/* sesscache.h — [keys] deliver = process: the STS session aws-iam-provision
 * --credential-process serves (credproc.h), cached by the helper in its state directory
 * (sessions/<login>, mode 0600, the helper's account; state.h), with the memory of its last
 * failed renewal. A cache belongs to one uid, login, IAM UserId and long-term key ID: a cache
 * that differs in any of them is no cache, so a reused uid or a re-created IAM user inherits
 * nothing. A record.h record:
 *   pam-aws-iam-session v1
 *   uid= login= user_id= key_id=                   whose it is
 *   access_key_id= secret= token= expires=          the session (absent: none)
 *   failed_at= failure=                             the last failed renewal (absent: none)
 * Every struct sess_cache holds secrets: sess_cache_wipe. */
#ifndef PAI_SESSCACHE_H
#define PAI_SESSCACHE_H

#include <stdbool.h>
#include <sys/types.h>
#include <time.h>
#include "aws_bounds.h"
#include "buf.h"
#include "err.h"

#define SESSCACHE_MAGIC     "pam-aws-iam-session v1"
#define SESSCACHE_SUBDIR    "sessions"
#define SESSCACHE_TOKEN_MAX 4096 /* bytes of a session token (as iam.h STS_SESSION_TOKEN_MAX) */
#define SESSCACHE_WHY_MAX   160  /* the failure's one line, NUL included */

struct sess_cache {
	uid_t uid;
	char login[65];
	char user_id[129];
	char key_id[IAM_KEY_ID_MAX]; /* the long-term key the session came from */
	bool has_session;
	char access_key_id[IAM_KEY_ID_MAX]; /* ASIA... */
	char secret[129];
	char token[SESSCACHE_TOKEN_MAX + 1];
	time_t expires;
	time_t failed_at; /* 0: the last renewal did not fail */
	char failure[SESSCACHE_WHY_MAX];
};

void sess_cache_wipe(struct sess_cache *c);
/* True when c is the cache of exactly this uid, login, UserId and key. */
bool sess_cache_belongs(const struct sess_cache *c, uid_t uid, const char *login,
                        const char *user_id, const char *key_id);
/* Parses a record's bytes; the login must be login. PAI_ERR_INVALID (c wiped) otherwise. */
pai_err sesscache_parse(const char *data, size_t len, const char *login, struct sess_cache *c);
/* Reads sessions/<login>: PAI_ERR_NOT_FOUND when absent, PAI_ERR_INVALID when unparsable,
 * PAI_ERR_FILE for a file not the helper's; c wiped on failure. */
pai_err sesscache_read(int dirfd, const char *login, struct sess_cache *c);
/* Appends c's record to b (a buf bound of RECORD_MAX_BYTES fits any); PAI_ERR_INVALID for
 * what the parser would refuse. */
pai_err sesscache_serialize(const struct sess_cache *c, struct buf *b);
/* Writes sessions/<login> atomically (0600); PAI_ERR_INVALID for what the parser refuses. */
pai_err sesscache_write(int dirfd, const struct sess_cache *c);
/* Removes sessions/<login>; absent is fine. */
pai_err sesscache_remove(int dirfd, const char *login);
/* The session as the AWS SDKs read a credential_process's output: one JSON object with
 * Version 1, AccessKeyId, SecretAccessKey, SessionToken and Expiration (RFC 3339, UTC).
 * Written to fd with write(2), so that no stdio buffer keeps a copy. PAI_ERR_INVALID when c
 * holds no session; PAI_ERR_FILE when fd cannot take it all. */
pai_err sesscache_print_json(const struct sess_cache *c, int fd);

#endif
