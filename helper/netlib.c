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

/* A directory or the library itself: root's, not writable by group or others. */
static pai_err check_node(int fd, const char *path, bool dir, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a %s; refusing to load it", path,
		         dir ? "directory" : "regular file");
		return PAI_ERR_CONFIG;
	}
	if (st.st_uid != 0) {
		snprintf(err, errlen,
		         "%s: not owned by root (uid %lu); refusing to load " NETLIB_NAME, path,
		         (unsigned long)st.st_uid);
		return PAI_ERR_CONFIG;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(
		    err, errlen,
		    "%s: writable by group or others (mode %04o); refusing to load " NETLIB_NAME,
		    path, (unsigned)(st.st_mode & 07777));
		return PAI_ERR_CONFIG;
	}
	return PAI_OK;
}

pai_err netlib_open_safe(const char *path, int *fd, char *err, size_t errlen)
{
	char p[PATH_MAX];
	char *name, *slash;
	int dfd, nfd;
	pai_err e;

	*fd = -1;
	if (path[0] != '/' || snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		snprintf(err, errlen, "%s: not a usable absolute path", path);
		return PAI_ERR_CONFIG;
	}
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "/: %s", strerror(errno));
		return PAI_ERR_FILE;
	}
	e = check_node(dfd, "/", true, err, errlen);
	name = p + 1;
	/* each directory is opened relative to the one checked before it, never following a
	 * symbolic link; p is cut at the component being checked so messages name it */
	while (!e && (slash = strchr(name, '/')) != NULL) {
		*slash = '\0';
		errno = EINVAL; /* an empty component: "//" */
		nfd = slash == name
		          ? -1
		          : openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			int en = errno;

			snprintf(err, errlen, "%s: %s", p, strerror(en));
			e = en == ELOOP || en == ENOTDIR || en == EINVAL ? PAI_ERR_CONFIG
			                                                 : PAI_ERR_FILE;
			break;
		}
		close(dfd);
		dfd = nfd;
		e = check_node(dfd, p, true, err, errlen);
		*slash = '/';
		name = slash + 1;
	}
	if (e)
		goto out;
	nfd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (nfd < 0) {
		int en = errno;

		snprintf(err, errlen, "%s: %s", p, strerror(en));
		e = en == ELOOP ? PAI_ERR_CONFIG : PAI_ERR_FILE;
		goto out;
	}
	e = check_node(nfd, p, false, err, errlen);
	if (e)
		close(nfd);
	else
		*fd = nfd;
out:
	close(dfd);
	return e;
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
