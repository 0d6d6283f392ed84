/* SPDX-License-Identifier: MIT */
/* spawn.h — runs the helper the way a login process must: absolute path, sanitised child,
 * optional full switch to the user, output captured within bounds, a hard deadline, and
 * the child (and anything it left in its process group) killed and reaped before return. */
#ifndef PAM_AWS_IAM_SPAWN_H
#define PAM_AWS_IAM_SPAWN_H

#include <sys/types.h>

#include "capture.h"

/* The only environment the helper gets. */
#define SPAWN_PATH_ENV "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

struct spawn_req {
	const char *path;  /* absolute path of the program; never searched for */
	char *const *argv; /* argv[0] included, NULL-terminated */
	int become_user;   /* switch to uid and gid before execve (caller is root); the only
	                    * group left is gid: no supplementary group */
	uid_t uid;
	gid_t gid;
	unsigned timeout_ms; /* from the start of the child to its exit */
};

enum spawn_how {
	SPAWN_EXITED,   /* code is the exit status */
	SPAWN_SIGNALED, /* code is the signal that ended it */
	SPAWN_TIMEOUT,  /* killed at the deadline */
	SPAWN_FAILED,   /* never ran or could not be waited for; code is an errno value */
};

struct spawn_result {
	enum spawn_how how;
	int code;
	struct capture out; /* its stdout: meant for the person */
	struct capture err; /* its stderr: the reason when it fails */
};

/* Runs req and fills res; always returns with no child of ours left behind and SIGCHLD's
 * disposition and the signal mask as they were. */
void spawn_run(const struct spawn_req *req, struct spawn_result *res);

#endif
