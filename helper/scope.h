/* SPDX-License-Identifier: MIT */
/* scope.h — is this account managed here? Decided from the password and group databases
 * only, before any lock or network call. */
#ifndef PAI_SCOPE_H
#define PAI_SCOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct scope_rules {
	unsigned long min_uid;
	const char *const *groups; /* Linux groups; n_groups == 0 = everyone */
	size_t n_groups;
	const char *const *exclude; /* login names never in scope */
	size_t n_exclude;
};

/* True when the account (login, uid, primary gid) is in scope: uid >= min_uid, login not
 * excluded, and, when groups are configured, a member of one of them (primary group or
 * supplementary). *why is set to a short reason when it is not. */
bool scope_allows(const struct scope_rules *r, const char *login, uid_t uid, gid_t gid,
                  const char **why);

#endif
