/* SPDX-License-Identifier: MIT */
/* scope.c — min_uid, exclude and group membership. */
#include "scope.h"

#include <grp.h>
#include <string.h>

#define SCOPE_MAX_GROUPS 1024

static bool in_group_list(const char *const *names, size_t n, const gid_t *gids, int n_gids)
{
	size_t i;
	int j;

	for (i = 0; i < n; i++) {
		struct group *g = getgrnam(names[i]);

		if (!g)
			continue;
		for (j = 0; j < n_gids; j++)
			if (gids[j] == g->gr_gid)
				return true;
	}
	return false;
}

bool scope_allows(const struct scope_rules *r, const char *login, uid_t uid, gid_t gid,
                  const char **why)
{
	gid_t gids[SCOPE_MAX_GROUPS];
	int n = SCOPE_MAX_GROUPS;
	size_t i;

	*why = NULL;
	if ((unsigned long)uid < r->min_uid) {
		*why = "uid below min_uid";
		return false;
	}
	for (i = 0; i < r->n_exclude; i++) {
		if (strcmp(r->exclude[i], login) == 0) {
			*why = "login listed in exclude";
			return false;
		}
	}
	if (r->n_groups == 0)
		return true;
	/* getgrouplist fails (-1) when the list does not fit: out of scope, never guessed */
	if (getgrouplist(login, gid, gids, &n) < 0) {
		*why = "too many groups to check";
		return false;
	}
	if (in_group_list(r->groups, r->n_groups, gids, n))
		return true;
	*why = "not a member of the configured groups";
	return false;
}
