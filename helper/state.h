/* SPDX-License-Identifier: MIT */
/* state.h — the helper's own state directory (default /var/lib/pam_aws_iam, owned by the
 * helper's account, 0700), always used with the helper's ids:
 *   users/<login>      which key this host wrote for the login, when, when last verified
 *   alias              the account alias cache (one account per config), refreshed daily
 *   locks/<login>.lock per-user flock serialising parallel logins of one person
 *   requests/<login>   the person's request allowance (--status, --rotate, --revoke)
 *   machine-id         this machine's ID when the system has none (hostid.h), made once
 *   keys/<login>       deliver = process: the person's long-term key (keyvault.h)
 *   sessions/<login>   deliver = process: the cached STS session (sesscache.h)
 *   locks/<login>.session  per-user flock serialising the refresh of that session
 * Files are key=value lines, written atomically (temp file, fsync, rename, fsync dir). */
#ifndef PAI_STATE_H
#define PAI_STATE_H

#include <stdbool.h>
#include <time.h>
#include "err.h"
#include "hostid.h"
#include "aws_bounds.h"
#include "buf.h"

#define STATE_ALIAS_TTL (24 * 3600)

struct user_state {
	char login[65];
	char iam_user[65];
	char arn[2049];
	char account[13];
	char host[64];
	char profile[129];
	char key_id[129];
	time_t key_created;
	time_t verified_at;
	char url[SIGNIN_URL_MAX];
	bool setup_pending;     /* a group or policy of the IAM user is not applied yet: the next
	                         * login applies them again (file: setup_pending=1; absent = 0) */
	char store_version[65]; /* fleet mode: the store's version the key came from ("" none), */
	char prev_key_id[129];  /* the key it replaced ("" none), */
	time_t prev_until;      /* valid until then */
	char user_id[129];      /* the IAM user's UserId ("" in older records) */
};

/* Opens (creating users/, locks/ and requests/ as needed) the state dir. It must be a directory
 * owned by the effective uid and not writable by group or other: else PAI_ERR_FILE. */
pai_err state_open(const char *dir, int *dirfd);
/* True for a login usable as a state file name: 1-64 of IAM's [A-Za-z0-9_+=,.@-], not
 * starting with '-' or '.'. */
bool state_valid_login(const char *login);
/* Reads users/<login>; PAI_ERR_NOT_FOUND when absent; PAI_ERR_FILE when it is not a regular
 * file of ours; PAI_ERR_INVALID when a value fails validation (then treat as absent). */
pai_err state_read(int dirfd, const char *login, struct user_state *st);
/* Parses a state file's bytes (the contents of users/<login>); every value validated, the
 * login must match; PAI_ERR_INVALID otherwise (st zeroed). */
pai_err state_parse(const char *data, size_t len, const char *login, struct user_state *st);
pai_err state_write(int dirfd, const struct user_state *st);
/* Removes users/<login>; absent is fine. */
pai_err state_remove(int dirfd, const char *login);
/* The cached alias of account ("" = the account has none); PAI_ERR_NOT_FOUND when absent,
 * for another account, or older than STATE_ALIAS_TTL. */
pai_err state_read_alias(int dirfd, const char *account, time_t now, char alias[64]);
pai_err state_write_alias(int dirfd, const char *account, const char *alias, time_t now);
/* Takes the per-user lock, waiting until deadline_ms (clock.h); *fd holds it.
 * PAI_ERR_TIMEOUT when the deadline passes first. */
pai_err state_lock(int dirfd, const char *login, long long deadline_ms, int *fd);
/* The same with locks/<login>.session, the lock of one person's session refresh (credproc.h),
 * apart from the login's so that a login does not hold up the person's programs. */
pai_err state_lock_session(int dirfd, const char *login, long long deadline_ms, int *fd);
void state_unlock(int fd);

/* One person's file in a subdirectory of the state dir that is made (0700) when first written:
 * SUBDIR/<login>, judged as every state file (the helper's, not group/other-writable, at most
 * 8 KiB). Reading: PAI_ERR_NOT_FOUND when the file or the subdirectory is absent, b reset
 * first (b's bound must allow 8 KiB; the caller frees it, which wipes it). Writing is atomic
 * (mode 0600). Removing an absent file is fine. */
pai_err state_file_read(int dirfd, const char *subdir, const char *login, struct buf *b);
pai_err state_file_write(int dirfd, const char *subdir, const char *login, const char *data,
                         size_t len);
pai_err state_file_remove(int dirfd, const char *subdir, const char *login);
/* A machine ID (hostid.h) kept in the state dir, for systems without /etc/machine-id: read,
 * or made once (random, exclusively: parallel first runs agree on one). */
pai_err state_machine_id(int dirfd, char out[HOSTID_LEN + 1]);

/* A token bucket per person: burst requests at once, then one per interval seconds. */
struct state_bucket {
	long long tokens_milli; /* tokens x 1000 */
	long long at;           /* when tokens_milli was right (Unix seconds) */
};
/* Parses requests/<login>'s bytes: "v1 TOKENS_MILLI TIME\n"; PAI_ERR_INVALID otherwise. */
pai_err state_bucket_parse(const char *data, size_t len, struct state_bucket *b);
/* Takes one request from login's bucket (burst 0 = no limit). PAI_ERR_LIMIT when it is
 * empty, with *wait_s the seconds until the next one, and when its lock is still held at
 * deadline_ms (clock_now_ms; a run of the person's that they stopped holds it). A bucket
 * file that cannot be read is a full one; one that cannot be written costs the request
 * nothing. */
pai_err state_take_request(int dirfd, const char *login, time_t now, unsigned burst,
                           unsigned interval, long long deadline_ms, long long *wait_s);

#endif
