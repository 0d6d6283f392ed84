/* SPDX-License-Identifier: MIT */
/* credproc.h — aws-iam-provision --credential-process, with [keys] deliver = process: what the
 * AWS CLI and SDKs run (~/.aws/config's credential_process) to get credentials. It prints an
 * STS session of the person's IAM user, got with the long-term key the helper holds for them
 * (keyvault.h) and cached (sesscache.h):
 *   - a cached session with more than session_refresh seconds left is served as it is: no
 *     AWS call, and pai-network.so is not even loaded (credproc.c, the core);
 *   - else, under the person's session lock (state_lock_session), one process renews it with
 *     sts:GetSessionToken (net/credproc_net.c) while the others wait and then serve what it
 *     cached. The wait is bounded by half of [aws] deadline: a holder that is stopped or
 *     killed delays the next call by that much at most, and then that call renews on its own;
 *   - a renewal that fails for a reason that may pass (network, timeout, throttling, a server
 *     error) is remembered for CREDPROC_FAIL_MEMORY_S: meanwhile a still-valid cached session
 *     is served, and a call with none fails at once instead of waiting on STS again;
 *   - a cache that cannot be written costs the next call a renewal, never this one's
 *     credentials.
 * Errors are one line on stderr (never a secret) and a PAI_EXIT_* status. */
#ifndef PAI_CREDPROC_H
#define PAI_CREDPROC_H

#include <stddef.h>
#include "err.h"
#include "keyvault.h"
#include "sesscache.h"

#define CREDPROC_FAIL_MEMORY_S 60 /* s a failed renewal is not tried again */
#define CREDPROC_MIN_LEFT_S    60 /* s a session must have left to be served after a failure */
#define CREDPROC_KEY_SETTLE_S  60 /* s a new key may be refused by STS before it works */
#define CREDPROC_WHY_MAX       SESSCACHE_WHY_MAX

struct run; /* provision_run.h */

/* One --credential-process run's key and cache, shared by the two halves (struct run's cp). */
struct credproc {
	struct held_key key;     /* the person's long-term key */
	struct sess_cache cache; /* sessions/<login> as read (identity set); then what to serve */
	char why[CREDPROC_WHY_MAX]; /* a failed renewal, for the person */
	bool transient;             /* ...that may pass: it is remembered */
};

/* The whole run once prepare() has found the person, the config, the scope and the state
 * dir (provision.c). Returns a PAI_EXIT_* status; the output is on stdout. */
int credproc_run(struct run *r);
/* What credential_process says for this run: the installed helper (PAI_HELPER_PATH) when
 * privileged; else the running executable with the --config, --home, --host and --machine-id
 * this run was given (tests, a build tree). PAI_ERR_INVALID, with the reason in err, when a word
 * holds a character a shell (botocore splits the line as one) would take apart. */
pai_err credproc_command(const struct run *r, char *out, size_t len, char *err, size_t errlen);

#endif
