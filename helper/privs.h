/* SPDX-License-Identifier: MIT */
/* privs.h — the helper's privileges. It runs setuid to a dedicated unprivileged account
 * (the "helper ids": euid/egid at start) on behalf of the real uid (the caller). Admin
 * credentials and state are touched with the helper ids; the person's home only with the
 * person's uid and gid (privs_become_person). Not installed setuid, helper ids == caller's
 * ids and every switch is a no-op: same code path, the caller's own rights. */
#ifndef PAI_PRIVS_H
#define PAI_PRIVS_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>
#include "err.h"

#define PRIVS_MAX_GROUPS 256

struct privs {
	uid_t ruid, euid; /* caller; helper account */
	gid_t rgid, egid;
	bool privileged;                /* euid != ruid or egid != rgid at start */
	gid_t groups[PRIVS_MAX_GROUPS]; /* supplementary groups at start */
	int n_groups;
	/* the person whose home we touch (set by privs_set_person) */
	uid_t person_uid;
	gid_t person_gid;
	char person_name[256];
	bool as_person; /* effective ids are the person's right now */
};

/* The real uid's password entry, as privs_harden found it. */
struct privs_account {
	bool found; /* false: no entry, or a name or home too long for these buffers */
	uid_t uid;
	gid_t gid;
	char name[257];
	char home[1024];
};

/* First thing in main: no core dumps (PR_SET_DUMPABLE 0, RLIMIT_CORE 0), umask 077, the
 * caller's password entry into *caller, an empty environment with only
 * PATH=/usr/bin:/bin, SIGPIPE and SIGXFSZ ignored, fds > 2 closed, and fds 0-2 opened on /dev/null
 * if closed. Returns PAI_ERR_INVALID if any step fails. */
pai_err privs_harden(struct privs_account *caller);
/* Records the ids at start. */
pai_err privs_init(struct privs *p);
/* Sets the person whose home is touched by privs_become_person. */
void privs_set_person(struct privs *p, const char *name, uid_t uid, gid_t gid);
/* Effective ids -> the person's (gid first, then uid; each checked, then verified).
 * A root caller (ruid 0) also takes the person's supplementary groups (initgroups needs
 * euid 0, so only root callers can; others keep their own groups, which are the person's). */
pai_err privs_become_person(struct privs *p);
/* Effective ids -> the helper's (back from privs_become_person); checked, and a failure
 * ends the process (PAI_EXIT_INTERNAL, one line on stderr and syslog): going on would be
 * going on as the person, with the helper's work half done. */
void privs_become_helper(struct privs *p);

/* Blocks the signals a caller can send to interrupt a login (INT, TERM, HUP, QUIT, TSTP)
 * around a critical section; restores the previous mask after. */
void privs_block_signals(sigset_t *saved);
void privs_restore_signals(const sigset_t *saved);

#endif
