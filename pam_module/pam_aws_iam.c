/* SPDX-License-Identifier: MIT */
/* pam_aws_iam.c — the session module. It runs aws-iam-provision for the user whose session
 * opens, as that user, within a deadline; relays what it prints; maps its exit status. It
 * links libpam only: no network, TLS or XML code ever runs inside the login process. */
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PAM_SM_SESSION
#include <security/pam_modules.h>
#include <security/pam_ext.h>

#include "exit_status.h"
#include "capture.h"
#include "options.h"
#include "safefile.h"
#include "spawn.h"

#define RELAY_MAX_LINES 10            /* lines of the helper's stdout shown to the person */
#define PWBUF_MAX       (1024 * 1024) /* getpwnam_r buffer bound */

/* The helper runs with the user's uid and primary gid and no supplementary group: it needs
 * none (it is setuid to its own account, takes the person from its real uid, and checks
 * [scope] groups itself), and enumerating a user's groups here would put an unbounded NSS
 * query (LDAP, sssd) in the login process ahead of the helper's deadline. */
struct account {
	uid_t uid;
	gid_t gid;
};

/* One line to the person, unless they asked for silence. */
static void tell_failure(pam_handle_t *pamh, int silent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void tell_failure(pam_handle_t *pamh, int silent, const char *fmt, ...)
{
	char reason[CAPTURE_LINE_MAX + 64];
	va_list ap;

	if (silent)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	pam_error(pamh, "AWS keys were not set up: %s", reason);
}

static int lookup_account(pam_handle_t *pamh, const char *user, struct account *a)
{
	struct passwd pw, *found = NULL;
	size_t size = 4096;
	char *buf = NULL;
	int err;

	for (;;) {
		char *bigger = realloc(buf, size);

		if (!bigger) {
			err = ENOMEM;
			break;
		}
		buf = bigger;
		err = getpwnam_r(user, &pw, buf, size, &found);
		if (err != ERANGE || size >= PWBUF_MAX)
			break;
		size *= 2;
	}
	if (found) {
		a->uid = pw.pw_uid;
		a->gid = pw.pw_gid;
	}
	free(buf);
	if (found)
		return PAM_SUCCESS;
	if (err) {
		errno = err;
		pam_syslog(pamh, LOG_ERR, "cannot look up user %s: %m", user);
		return PAM_SYSTEM_ERR;
	}
	pam_syslog(pamh, LOG_ERR, "user %s: not in the password database", user);
	return PAM_USER_UNKNOWN;
}

/* The helper must be a regular file nobody but its owner can change, in directories only
 * root can change (sticky ones like /tmp allowed): safefile.h's trust, as the helper judges
 * its own files. */
static int helper_usable(pam_handle_t *pamh, const char *path)
{
	static const struct safefile_trust helper = {
	    .type = S_IFREG,
	    .any_owner = true, /* installed setuid, it is its account's */
	    .forbidden = S_IWGRP | S_IWOTH,
	    .dirs = SAFEFILE_DIRS_OWNER_STICKY,
	    .refusing = "not running it",
	};
	char err[512];
	int fd;

	if (safefile_open_trusted(path, &helper, &fd, err, sizeof(err)) != PAI_OK) {
		pam_syslog(pamh, LOG_ERR, "helper %s", err);
		return 0;
	}
	close(fd);
	return 1;
}

static void relay_output(pam_handle_t *pamh, const struct options *o, int silent,
                         const struct capture *out)
{
	char line[CAPTURE_LINE_MAX];
	size_t pos = 0;
	int shown = 0;

	if (silent)
		return;
	while (shown < RELAY_MAX_LINES && capture_next_line(out, &pos, line)) {
		pam_info(pamh, "%s", line);
		shown++;
	}
	if ((o->flags & OPT_DEBUG) && (capture_next_line(out, &pos, line) || out->dropped))
		pam_syslog(pamh, LOG_DEBUG, "helper output cut to %d lines (%zu bytes dropped)",
		           shown, out->dropped);
}

static const char *describe_exit(int code)
{
	switch (code) {
	case PAI_EXIT_INTERNAL: return "internal error in the helper";
	case PAI_EXIT_USAGE: return "the helper was called wrongly";
	case PAI_EXIT_CONFIG: return "configuration problem";
	case PAI_EXIT_AWS: return "AWS could not be reached or answered with an error";
	case PAI_EXIT_FILE: return "problem with a local file";
	case PAI_EXIT_REFUSED: return "refused";
	case PAI_EXIT_WARNING: return "a step after the key failed";
	case PAI_EXIT_BUSY: return "asked too often; try again later";
	case 127: return "the helper could not be started";
	}
	return "the helper failed";
}

/* The helper's last stderr line without its "name: " prefix, or "" when it said nothing. */
static const char *error_line(const struct spawn_result *res, const char *helper,
                              char line[CAPTURE_LINE_MAX])
{
	const char *slash = strrchr(helper, '/');
	const char *name = slash ? slash + 1 : helper;
	size_t n = strlen(name);

	if (!capture_last_line(&res->err, line))
		return "";
	if (n > 0 && strncmp(line, name, n) == 0 && line[n] == ':' && line[n + 1] == ' ')
		return line + n + 2;
	return line;
}

/* Exit status to PAM code; failures get one line to the person and one to syslog, and so
 * does a warning (exit 8: the key is in place, the session opens). */
static int map_result(pam_handle_t *pamh, const struct options *o, int silent, const char *user,
                      const struct spawn_result *res)
{
	char line[CAPTURE_LINE_MAX];
	const char *said = error_line(res, o->helper, line);

	switch (res->how) {
	case SPAWN_EXITED:
		if (res->code == PAI_EXIT_OK) {
			if ((o->flags & OPT_DEBUG) && *said)
				pam_syslog(pamh, LOG_DEBUG, "user %s: helper said: %s", user, said);
			return PAM_SUCCESS;
		}
		if (res->code == PAI_EXIT_NOT_IN_SCOPE) {
			if (o->flags & OPT_DEBUG)
				pam_syslog(pamh, LOG_DEBUG, "user %s: not in scope", user);
			return PAM_IGNORE;
		}
		if (res->code == PAI_EXIT_WARNING) {
			/* the key works: the session is fine, the person hears what is missing */
			pam_syslog(pamh, LOG_WARNING, "user %s: %s: key in place, but: %s", user,
			           o->helper, *said ? said : describe_exit(res->code));
			if (!silent)
				pam_info(pamh, "AWS keys are in place, but: %s",
				         *said ? said : describe_exit(res->code));
			return PAM_SUCCESS;
		}
		pam_syslog(pamh, LOG_ERR, "user %s: %s exited with status %d (%s)%s%s", user,
		           o->helper, res->code, describe_exit(res->code), *said ? ": " : "", said);
		tell_failure(pamh, silent, "%s", *said ? said : describe_exit(res->code));
		return PAM_SESSION_ERR;
	case SPAWN_SIGNALED:
		pam_syslog(pamh, LOG_ERR, "user %s: %s killed by signal %d%s%s", user, o->helper,
		           res->code, *said ? ": " : "", said);
		tell_failure(pamh, silent, "the helper crashed (signal %d)", res->code);
		return PAM_SESSION_ERR;
	case SPAWN_TIMEOUT:
		pam_syslog(pamh, LOG_ERR, "user %s: %s did not finish within %u s; killed", user,
		           o->helper, o->timeout_s);
		tell_failure(pamh, silent, "no answer within %u s", o->timeout_s);
		return PAM_SESSION_ERR;
	case SPAWN_FAILED: break;
	}
	errno = res->code;
	pam_syslog(pamh, LOG_ERR, "user %s: cannot run %s: %m", user, o->helper);
	tell_failure(pamh, silent, "%s", "the helper could not be started");
	return PAM_SESSION_ERR;
}

/* Whom to run the helper as. Root switches to the user for good; anyone else runs it only for
 * themselves (a screen locker, a test): never on someone else's behalf. Root is never
 * provisioned. Returns PAM_SUCCESS to go on, PAM_IGNORE to skip. */
static int decide_identity(pam_handle_t *pamh, const struct options *o, const char *user,
                           const struct account *a, int *become)
{
	*become = 0;
	if (a->uid == 0) {
		if (o->flags & OPT_DEBUG)
			pam_syslog(pamh, LOG_DEBUG, "user %s has uid 0: not provisioned", user);
		return PAM_IGNORE;
	}
	if (geteuid() == 0) {
		*become = 1;
		return PAM_SUCCESS;
	}
	if (getuid() == a->uid)
		return PAM_SUCCESS;
	if (o->flags & OPT_DEBUG)
		pam_syslog(pamh, LOG_DEBUG,
		           "not root and %s is not the caller (uid %u): helper not "
		           "run",
		           user, (unsigned)getuid());
	return PAM_IGNORE;
}

PAM_EXTERN int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct account acct = {0, 0};
	struct spawn_result res;
	struct spawn_req req;
	struct options o;
	const void *item = NULL;
	const char *user;
	char *helper_argv[4];
	int silent, become, ret;

	options_parse(pamh, argc, argv, &o);
	silent = (flags & PAM_SILENT) || (o.flags & OPT_QUIET);
	if (o.bad) {
		tell_failure(pamh, silent, "%s", "the module's PAM configuration is invalid");
		return PAM_SESSION_ERR;
	}
	if (pam_get_item(pamh, PAM_USER, &item) != PAM_SUCCESS || !item || !*(const char *)item) {
		pam_syslog(pamh, LOG_ERR, "no user name");
		tell_failure(pamh, silent, "%s", "no user name");
		return PAM_SESSION_ERR;
	}
	user = item;

	ret = lookup_account(pamh, user, &acct);
	if (ret == PAM_SUCCESS)
		ret = decide_identity(pamh, &o, user, &acct, &become);
	if (ret == PAM_SUCCESS && !helper_usable(pamh, o.helper))
		ret = PAM_SESSION_ERR;
	if (ret != PAM_SUCCESS) {
		if (ret != PAM_IGNORE) {
			tell_failure(pamh, silent, "%s", "the helper could not be started");
			ret = PAM_SESSION_ERR;
		}
		goto out;
	}

	helper_argv[0] = (char *)o.helper;
	helper_argv[1] = o.config ? (char *)"--config" : NULL;
	helper_argv[2] = (char *)o.config;
	helper_argv[3] = NULL;
	req = (struct spawn_req){
	    .path = o.helper,
	    .argv = helper_argv,
	    .become_user = become,
	    .uid = acct.uid,
	    .gid = acct.gid,
	    .timeout_ms = o.timeout_s * 1000,
	};
	if (o.flags & OPT_DEBUG)
		pam_syslog(pamh, LOG_DEBUG,
		           "user %s: running %s as uid %u, config %s, timeout %u s", user, o.helper,
		           (unsigned)(become ? acct.uid : getuid()),
		           o.config ? o.config : "the helper's default (" PAI_CONFIG_PATH ")",
		           o.timeout_s);
	spawn_run(&req, &res);
	relay_output(pamh, &o, silent, &res.out);
	ret = map_result(pamh, &o, silent, user, &res);
out:
	return ret;
}

PAM_EXTERN int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}
