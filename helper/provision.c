/* SPDX-License-Identifier: MIT */
/* provision.c — the helper's flow up to the network: who, config, scope, fast path, lock.
 * Needs libc and inih only, so a login whose key is in place (the fast path) loads no
 * network library; the rest of the flow is provision_net.c, in pai-network.so, loaded
 * through netlib.h only when the run must call AWS. */
#include "provision.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "config.h"
#include "credproc.h"
#include "exit_status.h"
#include "hostid.h"
#include "keyvault.h"
#include "netlib.h"
#include "privs.h"
#include "profile.h"
#include "provision_run.h"
#include "safefile.h"
#include "scope.h"
#include "state.h"
#include "template.h"

/* ---- target, config, scope ---- */

static int find_target(struct run *r)
{
	const struct prov_opts *o = r->o;
	const struct privs_account *me = o->caller;
	struct passwd one = {0}, *pw = &one;

	if (!o->user && me && me->found && me->uid == r->pv.ruid) {
		/* the caller, as privs_harden looked it up */
		one.pw_name = (char *)me->name;
		one.pw_dir = (char *)me->home;
		one.pw_uid = me->uid;
		one.pw_gid = me->gid;
	} else {
		errno = 0;
		pw = o->user ? getpwnam(o->user) : getpwuid(r->pv.ruid);
	}
	if (!pw)
		return prov_fail(o->user ? PAI_EXIT_REFUSED : PAI_EXIT_INTERNAL,
		                 "no such account: %s", o->user ? o->user : "(real uid)");
	if (pw->pw_uid != r->pv.ruid && r->pv.ruid != 0)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "only root may act for another account (--user %s)", o->user);
	if (snprintf(r->login, sizeof(r->login), "%s", pw->pw_name) >= (int)sizeof(r->login) ||
	    snprintf(r->home, sizeof(r->home), "%s", o->home ? o->home : pw->pw_dir) >=
	        (int)sizeof(r->home))
		return prov_fail(PAI_EXIT_INTERNAL, "account name or home too long");
	privs_set_person(&r->pv, r->login, pw->pw_uid, pw->pw_gid);
	return PAI_EXIT_OK;
}

static const struct safefile_trust config_trust = {
    .type = S_IFREG,
    .owner = 0,
    .forbidden = S_IWGRP | S_IWOTH,
    .dirs = SAFEFILE_DIRS_OWNER_STICKY, /* root's; a sticky /tmp for a config being tried */
    .refusing = "refusing to run",
};

/* The main file, judged as doas judges its config when privileged (root's, writable by no
 * one else, and the very descriptor judged is the one parsed), else simply opened. */
static pai_err open_main_config(const struct run *r, const char *path, int *fd, char *err,
                                size_t errlen)
{
	if (r->pv.privileged)
		return safefile_open_trusted(path, &config_trust, fd, err, errlen);
	*fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (*fd >= 0)
		return PAI_OK;
	snprintf(err, errlen, "%.400s: %s", path, strerror(errno));
	return PAI_ERR_CONFIG;
}

/* The drop-in directory (FILE.d) by the same policy as the file; *fd -1 when there is none. */
static pai_err open_dropin_dir(const struct run *r, const char *dir, int *fd, char *err,
                               size_t errlen)
{
	struct safefile_trust dir_trust = config_trust;

	dir_trust.type = S_IFDIR;
	if (r->pv.privileged) {
		pai_err e = safefile_open_trusted(dir, &dir_trust, fd, err, errlen);

		return e == PAI_ERR_NOT_FOUND ? PAI_OK : e;
	}
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd >= 0 || errno == ENOENT)
		return PAI_OK;
	snprintf(err, errlen, "%.400s: %s", dir, strerror(errno));
	return PAI_ERR_CONFIG;
}

/* The config file, then its drop-ins in name order; --check-config prints the result with
 * where each value was set. */
static int load_config(struct run *r)
{
	const struct prov_opts *o = r->o;
	const char *path = o->config ? o->config : PAI_CONFIG_PATH;
	struct pai_config_sources src;
	char err[512] = "", dir[PAI_CONF_PATH_MAX];
	pai_err e;
	int fd, dfd = -1;

	if (r->pv.privileged && r->pv.ruid != 0 &&
	    (o->config || o->home || o->host || o->machine_id))
		return prov_fail(PAI_EXIT_REFUSED,
		                 "--config, --home, --host and --machine-id are for "
		                 "root or an unprivileged build only");
	if ((o->now || o->action == PROV_UNREVOKE) && r->pv.privileged && r->pv.ruid != 0)
		return prov_fail(PAI_EXIT_REFUSED,
		                 "--rotate --now and --unrevoke are for root only");
	if (r->pv.privileged && (o->home || o->host || o->machine_id))
		return prov_fail(PAI_EXIT_REFUSED,
		                 "--home, --host and --machine-id are refused while privileged");
	if (config_dropin_dir(path, dir, sizeof(dir)))
		return prov_fail(PAI_EXIT_CONFIG, "%s: path too long", path);
	config_begin(&r->cfg, &src);
	e = open_main_config(r, path, &fd, err, sizeof(err));
	if (!e) {
		e = config_add_fd(&r->cfg, &src, fd, path, err, sizeof(err));
		close(fd);
	}
	if (!e)
		e = open_dropin_dir(r, dir, &dfd, err, sizeof(err));
	src.dropin_dir = strdup(dir);
	src.dropin_dir_found = dfd >= 0;
	if (!e && dfd >= 0)
		e = config_add_dropins(&r->cfg, &src, dfd, dir,
		                       r->pv.privileged ? &config_trust : NULL, err, sizeof(err));
	if (dfd >= 0)
		close(dfd);
	if (!e)
		e = config_end(&r->cfg, &src, err, sizeof(err));
	if (!e && o->action == PROV_CHECK_CONFIG)
		config_print_sources(&r->cfg, &src, stdout);
	config_sources_free(&src);
	if (e) {
		config_defaults(&r->cfg);
		return prov_fail(PAI_EXIT_CONFIG, "%s", err[0] ? err : path);
	}
	return PAI_EXIT_OK;
}

static int check_scope(struct run *r)
{
	const char *groups[PAI_CONF_MAX_LINUX], *excl[PAI_CONF_MAX_LINUX];
	struct scope_rules rules = {r->cfg.min_uid, groups, r->cfg.n_scope_groups, excl,
	                            r->cfg.n_exclude};
	const char *why;
	size_t i;

	for (i = 0; i < r->cfg.n_scope_groups; i++)
		groups[i] = r->cfg.scope_groups[i];
	for (i = 0; i < r->cfg.n_exclude; i++)
		excl[i] = r->cfg.exclude[i];
	if (scope_allows(&rules, r->login, r->pv.person_uid, r->pv.person_gid, &why))
		return PAI_EXIT_OK;
	if (!r->o->quiet)
		fprintf(stderr, PROG ": %s is not in scope here (%s)\n", r->login, why);
	return PAI_EXIT_NOT_IN_SCOPE;
}

static int name_things(struct run *r)
{
	struct template_vars v = {r->login, NULL};
	char err[256] = "";

	if (r->o->host) {
		char mid[HOSTID_LEN + 1];

		/* a stand-in machine (tests): without --machine-id, one per name */
		if (!hostid_valid_name(r->o->host))
			return prov_fail(PAI_EXIT_USAGE, "--host: not a short host name");
		if (r->o->machine_id)
			snprintf(mid, sizeof(mid), "%s", r->o->machine_id);
		else
			hostid_name_machine_id(r->o->host, mid);
		if (hostid_make(&r->host, mid, r->o->host))
			return prov_fail(PAI_EXIT_USAGE, "--machine-id: not 32 hex digits");
	} else if (r->o->machine_id) {
		return prov_fail(PAI_EXIT_USAGE, "--machine-id needs --host");
	} else {
		char mid[HOSTID_LEN + 1] = "00000000000000000000000000000000";

		/* the name now (templates use it); the ID once the state dir is open */
		if (hostid_make(&r->host, mid, NULL))
			return prov_fail(PAI_EXIT_INTERNAL,
			                 "this machine's host name is not usable in a tag");
		r->host.id[0] = '\0';
	}
	v.host = r->host.name;
	if (template_user_name(r->cfg.name_template, &v, r->iam_name, sizeof(r->iam_name), err,
	                       sizeof(err)))
		return prov_fail(PAI_EXIT_REFUSED, "no IAM user name for %s: %s", r->login, err);
	if (!state_valid_login(r->login))
		return prov_fail(PAI_EXIT_REFUSED,
		                 "login name %s is not usable as a state file name", r->login);
	return PAI_EXIT_OK;
}

/* This machine's ID: /etc/machine-id (hostid.h), else one kept in the state dir. */
static int identify_host(struct run *r)
{
	char mid[HOSTID_LEN + 1];

	if (r->host.id[0])
		return PAI_EXIT_OK;
	if (hostid_read_machine_id(mid) != PAI_OK && state_machine_id(r->sdir, mid) != PAI_OK)
		return prov_fail(
		    PAI_EXIT_FILE,
		    "no machine ID: neither /etc/machine-id nor %s/machine-id is usable",
		    r->cfg.state_dir);
	if (hostid_derive(mid, r->host.id))
		return prov_fail(PAI_EXIT_INTERNAL, "cannot derive this machine's ID");
	return PAI_EXIT_OK;
}

/* ---- local view: state and the managed profile ---- */

/* deliver = process: the key the helper holds, and what the home says: the credential_process
 * line, and a static key the AWS CLI would take first. */
static int read_local_process(struct run *r)
{
	char err[512] = "", line[PROCESS_LINE_MAX];
	pai_err e;

	keyvault_key_id(r->sdir, r->login, r->pv.person_uid, r->profile_key);
	e = profile_read_key_id(&r->hf, r->home_key, sizeof(r->home_key), &r->home_not_a_key, err,
	                        sizeof(err));
	if (!e)
		e = profile_read_process(&r->hf, line, sizeof(line), err, sizeof(err));
	if (e)
		return prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
	r->home_process_ok = !strcmp(line, r->process_line);
	/* this host wrote it there (deliver = file before): taken out once the held key works */
	r->home_key_ours =
	    r->home_key[0] && ((prov_state_is_ours(r) && !strcmp(r->home_key, r->st.key_id)) ||
	                       !strcmp(r->home_key, r->profile_key));
	return PAI_EXIT_OK;
}

static int read_local(struct run *r)
{
	char err[512] = "";
	pai_err e;

	r->have_state = state_read(r->sdir, r->login, &r->st) == PAI_OK;
	if (r->cfg.deliver == PAI_DELIVER_PROCESS)
		return read_local_process(r);
	e = profile_read_key_id(&r->hf, r->profile_key, sizeof(r->profile_key),
	                        &r->profile_not_a_key, err, sizeof(err));
	if (e)
		return prov_fail(PAI_EXIT_FILE, "%s", err[0] ? err : pai_strerror(e));
	return PAI_EXIT_OK;
}

/* The home is as this host left it: the profile holds the key (deliver = file), or
 * credential_process is in place and no static key stands in front of it (deliver = process). */
static bool home_in_place(const struct run *r)
{
	if (r->cfg.deliver == PAI_DELIVER_FILE)
		return true;
	return r->home_process_ok && !r->home_key[0] && !r->home_not_a_key;
}

/* This host wrote the profile's key, it is young enough and set up; verified is whether it
 * was also verified within verify_interval (the fast path). */
static bool key_in_place(const struct run *r, bool verified)
{
	return prov_state_is_ours(r) && !r->st.setup_pending && r->profile_key[0] &&
	       !strcmp(r->profile_key, r->st.key_id) && home_in_place(r) &&
	       r->now >= r->st.key_created &&
	       r->now - r->st.key_created < (time_t)r->cfg.max_age_days * DAY &&
	       (!verified || (r->now >= r->st.verified_at &&
	                      r->now - r->st.verified_at < (time_t)r->cfg.verify_interval));
}

static bool fast_path_ok(const struct run *r)
{
	return key_in_place(r, true);
}

static int fast_path(const struct run *r)
{
	if (r->cfg.show_url && r->st.url[0])
		prov_say(r, "AWS console: %s", r->st.url);
	return PAI_EXIT_OK;
}

/* ---- the network half ---- */

/* Loads pai-network.so (netlib.h) and runs the part of the flow that calls AWS. */
int prov_call_network(struct run *r)
{
	provision_net_fn fn;
	char err[512] = "";
	void *sym;
	pai_err e;

	e = netlib_load(r->pv.privileged, PROVISION_NET_ENTRY, &sym, err, sizeof(err));
	if (e)
		return prov_fail(e == PAI_ERR_CONFIG ? PAI_EXIT_CONFIG : PAI_EXIT_INTERNAL, "%s",
		                 err[0] ? err : pai_strerror(e));
	*(void **)&fn = sym; /* dlsym's way to a function (POSIX) */
	return fn(r, sizeof(*r), PAI_VERSION);
}

/* ---- the run ---- */

static int prepare(struct run *r)
{
	char err[512] = "";
	int rc;

	rc = find_target(r);
	if (!rc)
		rc = load_config(r);
	if (rc)
		return rc;
	if (r->o->action == PROV_CHECK_CONFIG)
		return -1; /* load_config printed it */
	rc = name_things(r);
	if (!rc)
		rc = check_scope(r);
	if (rc)
		return rc;
	if (state_open(r->cfg.state_dir, &r->sdir))
		return prov_fail(PAI_EXIT_FILE,
		                 "state directory %s: missing, or not a 0700 directory "
		                 "of the helper's account",
		                 r->cfg.state_dir);
	rc = identify_host(r);
	if (rc)
		return rc;
	r->hf.pv = &r->pv;
	r->hf.home = r->home;
	r->hf.profile = r->cfg.keys_profile;
	if (r->o->action == PROV_CREDENTIAL_PROCESS)
		return PAI_EXIT_OK; /* the home is the person's business there */
	/* deliver = file takes this line out of ~/.aws/config, where deliver = process put it */
	if (credproc_command(r, r->process_line, sizeof(r->process_line), err, sizeof(err)) &&
	    r->cfg.deliver == PAI_DELIVER_PROCESS)
		return prov_fail(PAI_EXIT_FILE, "cannot write credential_process: %s", err);
	return read_local(r);
}

/* A person (not root) may make AWS calls request_burst times at once, then one per
 * request_interval: IAM throttles per account, so one person's loop of --rotate would
 * otherwise fail everyone's logins. */
bool prov_take_request(struct run *r, long long *wait_s)
{
	*wait_s = 0;
	return r->pv.ruid == 0 ||
	       state_take_request(
	           r->sdir, r->login, time(NULL), r->cfg.request_burst, r->cfg.request_interval,
	           r->start_ms + (long long)r->cfg.deadline * 1000, wait_s) != PAI_ERR_LIMIT;
}

/* A login over the limit whose key is in place keeps it unverified until the next login. */
static int take_request(struct run *r)
{
	static const char *const what[] = {"a login",
	                                   "--status",
	                                   "--rotate",
	                                   "--revoke",
	                                   "",
	                                   "--unrevoke",
	                                   "--credential-process"};
	long long wait_s = 0;

	if (prov_take_request(r, &wait_s))
		return PAI_EXIT_OK;
	prov_audit(r, "rate-limited", NULL);
	if (r->o->action == PROV_LOGIN && key_in_place(r, false))
		return fast_path(r) == PAI_EXIT_OK ? -1 : PAI_EXIT_INTERNAL;
	return prov_fail(PAI_EXIT_BUSY,
	                 "%s needs AWS, and %s has asked too often (%u at once, then one every "
	                 "%u s): try again in %lld s",
	                 what[r->o->action], r->login, r->cfg.request_burst,
	                 r->cfg.request_interval, wait_s);
}

static int run_locked(struct run *r)
{
	int rc;

	if (r->o->action != PROV_STATUS) {
		pai_err e = state_lock(r->sdir, r->login, prov_deadline_ms(r), &r->lock);

		if (e)
			return prov_fail(e == PAI_ERR_TIMEOUT ? PAI_EXIT_AWS : PAI_EXIT_FILE,
			                 "cannot lock %s's state: %s", r->login, pai_strerror(e));
		/* a parallel login may just have done the work */
		rc = read_local(r);
		if (rc)
			return rc;
		r->now = time(NULL);
		if (r->o->action == PROV_LOGIN && fast_path_ok(r))
			return fast_path(r);
	}
	rc = take_request(r);
	if (rc)
		return rc == -1 ? PAI_EXIT_OK : rc;
	return prov_call_network(r);
}

int provision_main(const struct prov_opts *o)
{
	struct run *r;
	int rc;

	openlog(PROG, LOG_PID, LOG_AUTHPRIV);
	r = calloc(1, sizeof(*r));
	if (!r)
		return prov_fail(PAI_EXIT_INTERNAL, "out of memory");
	r->o = o;
	r->sdir = -1;
	r->lock = -1;
	r->start_ms = clock_now_ms();
	r->now = time(NULL);
	if (privs_init(&r->pv)) {
		rc = prov_fail(PAI_EXIT_INTERNAL, "cannot read the process ids");
		goto out;
	}
	rc = prepare(r);
	if (rc == -1) {
		rc = PAI_EXIT_OK;
		goto out;
	}
	if (rc)
		goto out;
	if (o->action == PROV_CREDENTIAL_PROCESS) {
		rc = credproc_run(r);
		goto out;
	}
	if (o->action == PROV_LOGIN && fast_path_ok(r)) {
		rc = fast_path(r);
		goto out;
	}
	rc = run_locked(r);
out:
	state_unlock(r->lock);
	if (r->sdir >= 0)
		close(r->sdir);
	/* No whole-struct wipe: struct run holds no secret (a new key's secret lives in a
	 * struct iam_access_key and the credentials file's bytes in credfile's buffers, each
	 * wiped where it is dropped), and wiping its ~150 KB would fault in every page a fast
	 * path never touched. */
	free(r);
	closelog();
	return rc;
}
