/* SPDX-License-Identifier: MIT */
/* provision.h — aws-iam-provision's flow at a login:
 * target -> config -> scope -> fast path -> lock -> IAM -> file -> state -> cleanup.
 * main.c parses the command line into struct prov_opts and calls provision_main. */
#ifndef PAI_PROVISION_H
#define PAI_PROVISION_H

#include <stdbool.h>
#include "privs.h"

enum prov_action {
	PROV_LOGIN,              /* default: make sure the key is in place */
	PROV_STATUS,             /* --status */
	PROV_ROTATE,             /* --rotate */
	PROV_REVOKE,             /* --revoke */
	PROV_CHECK_CONFIG,       /* --check-config */
	PROV_UNREVOKE,           /* --unrevoke (fleet mode, root): keys may be made again */
	PROV_CREDENTIAL_PROCESS, /* --credential-process: an STS session as the SDKs read it */
};

struct prov_opts {
	enum prov_action action;
	const char *config;     /* --config; NULL = PAI_CONFIG_PATH */
	const char *user;       /* --user; NULL = the real uid's account */
	const char *home;       /* --home (tests, unprivileged only); NULL = from passwd */
	const char *host;       /* --host (tests, unprivileged only); NULL = uname */
	const char *machine_id; /* --machine-id (tests, with --host); NULL = derived from host */
	bool dry_run;
	bool now; /* --rotate --now (fleet mode, root): no grace for the replaced key */
	bool quiet;
	const struct privs_account *caller; /* from privs_harden; NULL = look the real uid up */
};

/* Runs one invocation with the process already hardened (privs_harden); returns a
 * PAI_EXIT_* status (exit_status.h). */
int provision_main(const struct prov_opts *o);

#endif
