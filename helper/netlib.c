/* SPDX-License-Identifier: MIT */
/* netlib.c — finds, checks and loads pai-network.so (netlib.h). */
#include "netlib.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "safefile.h"

pai_err netlib_open_safe(const char *path, int *fd, char *err, size_t errlen)
{
	static const struct safefile_trust lib = {
	    .type = S_IFREG,
	    .owner = 0,
	    .forbidden = S_IWGRP | S_IWOTH,
	    .dirs = SAFEFILE_DIRS_ROOT,
	    .refusing = "refusing to load " NETLIB_NAME,
	};
	pai_err e = safefile_open_trusted(path, &lib, fd, err, errlen);

	return e == PAI_ERR_REFUSED ? PAI_ERR_CONFIG : e == PAI_ERR_NOT_FOUND ? PAI_ERR_FILE : e;
}

/* The library next to the running executable, if there is one there. */
static bool beside_exe(char *out, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = '\0';
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = '\0';
	if (snprintf(out, len, "%s/" NETLIB_NAME, exe) >= (int)len)
		return false;
	return access(out, F_OK) == 0;
}

pai_err netlib_load(bool privileged, const char *symbol, void **sym, char *err, size_t errlen)
{
	char path[PATH_MAX], fdpath[64];
	const char *what = path;
	void *h;
	int fd = -1;

	*sym = NULL;
	if (privileged) {
		pai_err e = netlib_open_safe(PAI_NETLIB_PATH, &fd, err, errlen);
		if (e)
			return e;
		snprintf(path, sizeof(path), "%s", PAI_NETLIB_PATH);
		/* load the very file that was checked, not whatever the path names by now */
		snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
		what = fdpath;
	} else if (!beside_exe(path, sizeof(path))) {
		snprintf(path, sizeof(path), "%s", PAI_NETLIB_PATH);
	}
	h = dlopen(what, RTLD_NOW | RTLD_LOCAL);
	if (fd >= 0)
		close(fd);
	if (!h) {
		const char *why = dlerror();

		snprintf(err, errlen, "cannot load %s: %s", path, why ? why : "unknown error");
		return PAI_ERR_FILE;
	}
	*sym = dlsym(h, symbol);
	if (!*sym) {
		snprintf(err, errlen, "%s: no %s in it", path, symbol);
		return PAI_ERR_INVALID;
	}
	return PAI_OK;
}
