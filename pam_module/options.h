/* SPDX-License-Identifier: MIT */
/* options.h — the module's arguments from the PAM service file. */
#ifndef PAM_AWS_IAM_OPTIONS_H
#define PAM_AWS_IAM_OPTIONS_H

#include <security/pam_modules.h>

#ifndef PAI_HELPER_PATH
#define PAI_HELPER_PATH "/usr/bin/aws-iam-provision"
#endif
#ifndef PAI_CONFIG_PATH
#define PAI_CONFIG_PATH "/etc/security/pam_aws_iam.conf"
#endif

#define OPT_TIMEOUT_DEFAULT 10  /* seconds */
#define OPT_TIMEOUT_MAX     300 /* no login should wait longer than sshd's grace time */

#define OPT_QUIET 0x1 /* nothing to the person: the helper's lines nor the error line */
#define OPT_DEBUG 0x2 /* decisions at LOG_DEBUG */

struct options {
	const char *helper; /* absolute; points into argv or at the default */
	const char *config; /* absolute, or NULL: the helper uses its own default */
	unsigned timeout_s; /* 1..OPT_TIMEOUT_MAX */
	unsigned flags;     /* OPT_* */
	int bad;            /* a path option was refused: run nothing */
};

/* Reads argv into o. Unknown options and bad timeouts are logged and ignored (defaults kept);
 * a relative or empty helper= or config= is logged and sets o->bad. */
void options_parse(pam_handle_t *pamh, int argc, const char **argv, struct options *o);

#endif
