/* SPDX-License-Identifier: MIT */
/* profile.h — the managed profile in the person's ~/.aws/credentials, and in ~/.aws/config its
 * region and, with [keys] deliver = process, its credential_process. Every function switches to the
 * person's ids (privs_become_person) for the whole of its file work, goes through safefile.h only,
 * and switches back before it returns, on every path. Messages name the path and reason, never a
 * value. */
#ifndef PAI_PROFILE_H
#define PAI_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include "err.h"
#include "privs.h"

#define PROFILE_INITIAL_PASSWORD_FILE "console-initial-password"
#define PROFILE_PROCESS_KEY           "credential_process"

struct profile_home {
	struct privs *pv;
	const char *home;    /* absolute path of the person's home */
	const char *profile; /* managed profile name */
};

/* The aws_access_key_id of the managed profile into out ("" when ~/.aws, the file, the
 * profile or the key is absent). A value that is no access key ID (validate.h) is not
 * returned: out is "" and *not_a_key is set. PAI_ERR_FILE / PAI_ERR_REFUSED for an unsafe
 * home or file, PAI_ERR_INVALID for a file botocore would refuse. */
pai_err profile_read_key_id(const struct profile_home *h, char *out, size_t outlen, bool *not_a_key,
                            char *err, size_t errlen);
/* Writes id and secret into the managed profile (removing a stale aws_session_token),
 * keeping every other byte; creates ~/.aws (0700) and the file (0600) when missing. When
 * region is non-empty and ~/.aws/config's profile has no region, sets it there too, and
 * removes its credential_process when that is exactly drop_process (non-NULL): a failure in
 * ~/.aws/config is reported in err but is not an error: the key is what matters. */
pai_err profile_write_key(const struct profile_home *h, const char *id, const char *secret,
                          const char *region, const char *drop_process, char *err, size_t errlen);
/* Removes the key lines from the managed profile when it holds key id expect_id. */
pai_err profile_remove_key(const struct profile_home *h, const char *expect_id, char *err,
                           size_t errlen);
/* ~/.aws/config's managed profile: credential_process set to line (and region, as above),
 * every other byte kept; ~/.aws (0700) and the file (0600) made when missing. */
pai_err profile_write_process(const struct profile_home *h, const char *line, const char *region,
                              char *err, size_t errlen);
/* Removes credential_process from the managed profile when it is exactly line. */
pai_err profile_remove_process(const struct profile_home *h, const char *line, char *err,
                               size_t errlen);
/* The credential_process of ~/.aws/config's managed profile into out ("" when absent or longer
 * than outlen). PAI_ERR_FILE / PAI_ERR_REFUSED for an unsafe home or file, PAI_ERR_INVALID for
 * a file botocore would refuse. */
pai_err profile_read_process(const struct profile_home *h, char *out, size_t outlen, char *err,
                             size_t errlen);
/* The managed profile's secret key, when its key ID is expect_id (moving a host-mode key into
 * the fleet store); PAI_ERR_NOT_FOUND otherwise. The caller wipes out. */
pai_err profile_read_secret(const struct profile_home *h, const char *expect_id, char *out,
                            size_t outlen, char *err, size_t errlen);
/* Creates ~/.aws/console-initial-password (0600) exclusively with the password and a
 * newline; PAI_ERR_EXISTS when something already has that name. */
pai_err profile_write_password(const struct profile_home *h, const char *password, char *err,
                               size_t errlen);
/* Removes ~/.aws/console-initial-password (after a failed CreateLoginProfile). */
void profile_remove_password(const struct profile_home *h);

#endif
