/* SPDX-License-Identifier: MIT */
/* privs.c — hardening at start and effective-id switching for the setuid helper. */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include "exit_status.h"

/* fds 0-2 always exist (a closed stdout must not become the credentials file); nothing
 * else inherited stays open. */
static pai_err fix_fds(void)
{
	int fd;
	long max;

	for (fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		if (open("/dev/null", O_RDWR) != fd)
			return PAI_ERR_INVALID;
	}
	if (close_range(3, ~0U, 0) == 0)
		return PAI_OK;
	max = sysconf(_SC_OPEN_MAX);
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		close(fd);
	return PAI_OK;
}

pai_err privs_harden(struct privs_account *caller)
{
	struct rlimit no_core = {0, 0};
	struct passwd *pw;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0)
		return PAI_ERR_INVALID;
	if (setrlimit(RLIMIT_CORE, &no_core) != 0)
		return PAI_ERR_INVALID;
	umask(077);
	if (fix_fds())
		return PAI_ERR_INVALID;
	/* Look the caller up while the environment is still there: an unprivileged run under
	 * nss_wrapper (make demo) reads its files from variables, once. A privileged run cannot
	 * be steered here: ld.so ignores LD_PRELOAD for setuid programs and glibc's NSS reads no
	 * variable. The copy spares the run a second lookup. */
	memset(caller, 0, sizeof(*caller));
	pw = getpwuid(getuid());
	if (pw && strlen(pw->pw_name) < sizeof(caller->name) &&
	    strlen(pw->pw_dir) < sizeof(caller->home)) {
		caller->uid = pw->pw_uid;
		caller->gid = pw->pw_gid;
		memcpy(caller->name, pw->pw_name, strlen(pw->pw_name) + 1);
		memcpy(caller->home, pw->pw_dir, strlen(pw->pw_dir) + 1);
		caller->found = true;
	}
	if (clearenv() != 0 || setenv("PATH", "/usr/bin:/bin", 1) != 0)
		return PAI_ERR_INVALID;
	/* a caller's RLIMIT_FSIZE must not kill the helper at a write of its choosing: the
	 * write fails (EFBIG) and the run reports it like a full disk */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR || signal(SIGXFSZ, SIG_IGN) == SIG_ERR)
		return PAI_ERR_INVALID;
	return PAI_OK;
}

pai_err privs_init(struct privs *p)
{
	memset(p, 0, sizeof(*p));
	p->ruid = getuid();
	p->euid = geteuid();
	p->rgid = getgid();
	p->egid = getegid();
	p->privileged = p->ruid != p->euid || p->rgid != p->egid;
	p->n_groups = getgroups(PRIVS_MAX_GROUPS, p->groups);
	if (p->n_groups < 0)
		return PAI_ERR_INVALID;
	return PAI_OK;
}

void privs_set_person(struct privs *p, const char *name, uid_t uid, gid_t gid)
{
	snprintf(p->person_name, sizeof(p->person_name), "%s", name);
	p->person_uid = uid;
	p->person_gid = gid;
}

/* Every change of the effective ids resets the process's dumpable flag to
 * fs.suid_dumpable (prctl(2)): with 1 or 2 and a core_pattern pipe (apport), a signal from
 * the person could dump memory holding a new key. Set it again after each switch. */
static pai_err no_dumps(void)
{
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == 0 ? PAI_OK : PAI_ERR_REFUSED;
}

static bool ids_are(uid_t uid, gid_t gid)
{
	return geteuid() == uid && getegid() == gid;
}

pai_err privs_become_person(struct privs *p)
{
	if (p->as_person)
		return PAI_OK;
	/* from the first change on, a failure part-way leaves ids privs_become_helper must put
	 * back (a set group but not the uid, say), or the run ends */
	p->as_person = true;
	if (p->ruid == 0 && geteuid() != 0) {
		/* a root caller of a setuid copy: back to euid 0 to take the person's ids */
		if (setresuid(-1, 0, -1) != 0)
			return PAI_ERR_REFUSED;
	}
	if (geteuid() == 0 && p->person_uid != 0) {
		if (initgroups(p->person_name, p->person_gid) != 0)
			return PAI_ERR_REFUSED;
	}
	if (setresgid(-1, p->person_gid, -1) != 0)
		return PAI_ERR_REFUSED;
	if (setresuid(-1, p->person_uid, -1) != 0)
		return PAI_ERR_REFUSED;
	if (!ids_are(p->person_uid, p->person_gid))
		return PAI_ERR_REFUSED;
	return no_dumps();
}

/* A failed switch back leaves the process as the person, with the helper's work half done:
 * it cannot go on (OpenSSH's restore_uid treats this as fatal too). */
static void restore_failed(void)
{
	static const char msg[] = "aws-iam-provision: cannot switch back to the helper's ids\n";

	syslog(LOG_ERR, "cannot switch back to the helper's ids; stopping");
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(PAI_EXIT_INTERNAL);
}

void privs_become_helper(struct privs *p)
{
	if (!p->as_person)
		return;
	if (p->ruid == 0 && geteuid() != 0 && setresuid(-1, 0, -1) != 0)
		restore_failed();
	if (geteuid() == 0 && setgroups((size_t)p->n_groups, p->groups) != 0)
		restore_failed();
	if (setresgid(-1, p->egid, -1) != 0 || setresuid(-1, p->euid, -1) != 0 ||
	    !ids_are(p->euid, p->egid))
		restore_failed();
	p->as_person = false;
	if (no_dumps())
		restore_failed();
}

void privs_block_signals(sigset_t *saved)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGQUIT);
	sigaddset(&set, SIGTSTP);
	sigprocmask(SIG_BLOCK, &set, saved);
}

void privs_restore_signals(const sigset_t *saved)
{
	sigprocmask(SIG_SETMASK, saved, NULL);
}
