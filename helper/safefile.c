/* SPDX-License-Identifier: MIT */
/* safefile.c — files in a person's home, opened relative to directory descriptors that were
 * checked once: no path is resolved twice, no symlink is followed, and a replacement is a
 * rename of a fully written and synced temporary file. */
#include "safefile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TEMP_TRIES 16

static const char *kind_of(mode_t m)
{
	if (S_ISLNK(m))
		return "a symbolic link";
	if (S_ISDIR(m))
		return "a directory";
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISREG(m))
		return "a regular file";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* One path component: no '/', not "." or "..", not empty. */
static bool valid_component(const char *name)
{
	return name && *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..") &&
	       strlen(name) < 256;
}

static pai_err check_dir(int fd, uid_t uid, const char *path, char *err, size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		pai_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (!S_ISDIR(st.st_mode)) {
		pai_seterr(err, errlen, "%s: not a directory", path);
		return PAI_ERR_FILE;
	}
	if (st.st_uid != uid) {
		pai_seterr(err, errlen, "%s: owned by uid %lu, not %lu; refusing to use it", path,
		           (unsigned long)st.st_uid, (unsigned long)uid);
		return PAI_ERR_REFUSED;
	}
	return PAI_OK;
}

/* ---- trust ---- */

static bool owner_ok(const struct stat *st, const struct safefile_trust *t)
{
	return t->any_owner || st->st_uid == t->owner || (t->root_too && st->st_uid == 0);
}

static void owner_text(const struct safefile_trust *t, char *out, size_t len)
{
	if (t->owner == 0 || (t->root_too && t->owner == 0))
		snprintf(out, len, "root");
	else if (t->root_too)
		snprintf(out, len, "root or uid %lu", (unsigned long)t->owner);
	else
		snprintf(out, len, "uid %lu", (unsigned long)t->owner);
}

pai_err safefile_trust_fd(int fd, const char *path, const struct safefile_trust *t, char *err,
                          size_t errlen)
{
	struct stat st;

	if (fstat(fd, &st) != 0) {
		pai_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	if ((st.st_mode & S_IFMT) != t->type) {
		pai_seterr(err, errlen, "%s: %s, not %s; %s", path, kind_of(st.st_mode),
		           t->type == S_IFDIR ? "a directory" : "a regular file", t->refusing);
		return PAI_ERR_REFUSED;
	}
	if (!owner_ok(&st, t)) {
		char who[64];

		owner_text(t, who, sizeof(who));
		pai_seterr(err, errlen, "%s: not owned by %s (uid %lu); %s", path, who,
		           (unsigned long)st.st_uid, t->refusing);
		return PAI_ERR_REFUSED;
	}
	if (st.st_mode & t->forbidden) {
		mode_t bad = st.st_mode & t->forbidden;

		pai_seterr(err, errlen, "%s: %s (mode %04o); %s", path,
		           t->forbidden == S_IWOTH     ? "writable by anyone"
		           : bad & (S_IWGRP | S_IWOTH) ? "writable by group or others"
		                                       : "readable by others",
		           (unsigned)(st.st_mode & 07777), t->refusing);
		return PAI_ERR_REFUSED;
	}
	if (t->max_size && st.st_size > t->max_size) {
		pai_seterr(err, errlen, "%s: larger than %lld bytes; %s", path,
		           (long long)t->max_size, t->refusing);
		return PAI_ERR_REFUSED;
	}
	return PAI_OK;
}

/* A directory above a trusted file (p is the path up to it, for messages). */
static pai_err trust_dir(int fd, const char *p, const struct safefile_trust *t, char *err,
                         size_t errlen)
{
	struct stat st;

	if (t->dirs == SAFEFILE_DIRS_UNCHECKED)
		return PAI_OK;
	if (fstat(fd, &st) != 0) {
		pai_seterr(err, errlen, "%s: %s", p, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (st.st_uid != 0 &&
	    (t->dirs == SAFEFILE_DIRS_ROOT || t->any_owner || st.st_uid != t->owner)) {
		pai_seterr(err, errlen, "%s: not owned by root (uid %lu); %s", p,
		           (unsigned long)st.st_uid, t->refusing);
		return PAI_ERR_REFUSED;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) &&
	    !(t->dirs == SAFEFILE_DIRS_OWNER_STICKY && (st.st_mode & S_ISVTX) && st.st_uid == 0)) {
		pai_seterr(err, errlen, "%s: writable by group or others (mode %04o); %s", p,
		           (unsigned)(st.st_mode & 07777), t->refusing);
		return PAI_ERR_REFUSED;
	}
	return PAI_OK;
}

pai_err safefile_open_trusted(const char *path, const struct safefile_trust *t, int *fd, char *err,
                              size_t errlen)
{
	char p[SAFEFILE_PATH_MAX];
	char *name, *slash;
	int dfd, nfd, en;
	pai_err e;

	*fd = -1;
	if (!path || path[0] != '/' || snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
		pai_seterr(err, errlen, "%.64s: not a usable absolute path", path ? path : "");
		return PAI_ERR_INVALID;
	}
	dfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		pai_seterr(err, errlen, "/: %s", strerror(errno));
		return PAI_ERR_FILE;
	}
	e = trust_dir(dfd, "/", t, err, errlen);
	name = p + 1;
	/* each directory opened relative to the one judged before it, never through a symbolic
	 * link; p is cut at the component being judged so messages name it */
	while (!e && (slash = strchr(name, '/')) != NULL && slash[1]) {
		*slash = '\0';
		errno = EINVAL; /* an empty component: "//" */
		nfd = slash == name
		          ? -1
		          : openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd < 0) {
			en = errno;
			pai_seterr(err, errlen, "%s: %s", p,
			           en == ELOOP || en == ENOTDIR
			               ? "a symbolic link or not a directory"
			               : strerror(en));
			e = en == ENOENT                   ? PAI_ERR_NOT_FOUND
			    : en == ELOOP || en == ENOTDIR ? PAI_ERR_REFUSED
			                                   : PAI_ERR_FILE;
			break;
		}
		close(dfd);
		dfd = nfd;
		e = trust_dir(dfd, p, t, err, errlen);
		*slash = '/';
		name = slash + 1;
	}
	if (e)
		goto out;
	if (t->type == S_IFDIR && name[strlen(name) - 1] == '/')
		name[strlen(name) - 1] = '\0';
	nfd = openat(dfd, name,
	             (t->type == S_IFDIR ? O_RDONLY | O_DIRECTORY : O_RDONLY | O_NOCTTY) |
	                 O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (nfd < 0) {
		struct stat st;

		en = errno;
		if (en == ENOENT) {
			pai_seterr(err, errlen, "%s: %s", path, strerror(en));
			e = PAI_ERR_NOT_FOUND;
		} else if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		           (st.st_mode & S_IFMT) != t->type) {
			pai_seterr(err, errlen, "%s: %s; %s", path, kind_of(st.st_mode),
			           t->refusing);
			e = PAI_ERR_REFUSED;
		} else {
			pai_seterr(err, errlen, "%s: %s", path, strerror(en));
			e = PAI_ERR_FILE;
		}
		goto out;
	}
	e = safefile_trust_fd(nfd, path, t, err, errlen);
	if (e)
		close(nfd);
	else
		*fd = nfd;
out:
	close(dfd);
	return e;
}

pai_err safedir_open_home(struct safedir *d, const char *path, uid_t uid, char *err, size_t errlen)
{
	int fd;
	pai_err e;

	d->fd = -1;
	d->uid = uid;
	if (!path || path[0] != '/' || strlen(path) >= sizeof(d->path)) {
		pai_seterr(err, errlen, "home directory '%.64s' is not an absolute path",
		           path ? path : "");
		return PAI_ERR_FILE;
	}
	snprintf(d->path, sizeof(d->path), "%s", path);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		struct stat st;

		if ((errno == ELOOP || errno == ENOTDIR) && lstat(path, &st) == 0)
			pai_seterr(err, errlen, "%s: %s, not a directory; refusing to use it", path,
			           kind_of(st.st_mode));
		else
			pai_seterr(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	e = check_dir(fd, uid, path, err, errlen);
	if (e) {
		close(fd);
		return e;
	}
	d->fd = fd;
	return PAI_OK;
}

pai_err safedir_open_sub(struct safedir *d, const struct safedir *parent, const char *name,
                         bool create, char *err, size_t errlen)
{
	struct stat st;
	int fd;
	pai_err e;

	d->fd = -1;
	d->uid = parent->uid;
	if (!valid_component(name))
		return PAI_ERR_INVALID;
	if (strlen(parent->path) + strlen(name) + 2 > sizeof(d->path))
		return PAI_ERR_INVALID;
	memcpy(d->path, parent->path, strlen(parent->path) + 1);
	if (d->path[strlen(d->path) - 1] != '/')
		strcat(d->path, "/");
	strcat(d->path, name);
	if (create && mkdirat(parent->fd, name, 0700) != 0 && errno != EEXIST) {
		pai_seterr(err, errlen, "%s: cannot create: %s", d->path, strerror(errno));
		return PAI_ERR_FILE;
	}
	fd = openat(parent->fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PAI_ERR_NOT_FOUND;
		if ((errno == ELOOP || errno == ENOTDIR) &&
		    fstatat(parent->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			pai_seterr(err, errlen, "%s: %s, not a directory; refusing to use it",
			           d->path, kind_of(st.st_mode));
			return PAI_ERR_FILE;
		}
		pai_seterr(err, errlen, "%s: %s", d->path, strerror(errno));
		return PAI_ERR_FILE;
	}
	e = check_dir(fd, d->uid, d->path, err, errlen);
	if (e) {
		close(fd);
		return e;
	}
	d->fd = fd;
	return PAI_OK;
}

void safedir_close(struct safedir *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
}

/* Opens name in d for reading after checking what it is; the fd is checked again with
 * fstat, which is what counts. */
static pai_err open_existing(const struct safedir *d, const char *name, int *fdp, struct stat *st,
                             char *err, size_t errlen)
{
	int fd;

	*fdp = -1;
	fd = openat(d->fd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return PAI_ERR_NOT_FOUND;
		if (fstatat(d->fd, name, st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st->st_mode)) {
			pai_seterr(err, errlen, "%s/%s: %s; refusing to use it", d->path, name,
			           kind_of(st->st_mode));
			return PAI_ERR_FILE;
		}
		pai_seterr(err, errlen, "%s/%s: %s", d->path, name, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (fstat(fd, st) != 0) {
		pai_seterr(err, errlen, "%s/%s: %s", d->path, name, strerror(errno));
		close(fd);
		return PAI_ERR_FILE;
	}
	if (!S_ISREG(st->st_mode)) {
		pai_seterr(err, errlen, "%s/%s: %s; refusing to use it", d->path, name,
		           kind_of(st->st_mode));
		close(fd);
		return PAI_ERR_FILE;
	}
	if (st->st_uid != d->uid) {
		pai_seterr(err, errlen, "%s/%s: owned by uid %lu, not %lu; refusing to use it",
		           d->path, name, (unsigned long)st->st_uid, (unsigned long)d->uid);
		close(fd);
		return PAI_ERR_REFUSED;
	}
	*fdp = fd;
	return PAI_OK;
}

pai_err safefile_read_fd(int fd, const char *path, size_t max, struct buf *out, char *err,
                         size_t errlen)
{
	char chunk[4096];
	pai_err e = PAI_OK;

	if (!max)
		max = SAFEFILE_MAX_READ;
	buf_reset(out);
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			pai_seterr(err, errlen, "%s: %s", path, strerror(errno));
			e = PAI_ERR_FILE;
			break;
		}
		if (n == 0)
			break;
		if (out->len + (size_t)n > max) {
			pai_seterr(err, errlen, "%s: larger than %zu bytes", path, max);
			e = PAI_ERR_TOOBIG;
			break;
		}
		e = buf_append(out, chunk, (size_t)n);
		if (e)
			break;
	}
	secret_wipe(chunk, sizeof(chunk));
	if (e)
		buf_reset(out);
	return e;
}

pai_err safefile_read(const struct safedir *d, const char *name, size_t max, struct buf *out,
                      char *err, size_t errlen)
{
	char path[SAFEFILE_PATH_MAX + 256];
	struct stat st;
	int fd;
	pai_err e;

	if (!valid_component(name))
		return PAI_ERR_INVALID;
	if (!max)
		max = SAFEFILE_MAX_READ;
	buf_reset(out);
	e = open_existing(d, name, &fd, &st, err, errlen);
	if (e)
		return e;
	snprintf(path, sizeof(path), "%s/%s", d->path, name);
	if ((size_t)st.st_size > max) {
		pai_seterr(err, errlen, "%s: larger than %zu bytes", path, max);
		e = PAI_ERR_TOOBIG;
	} else {
		e = safefile_read_fd(fd, path, max, out, err, errlen);
	}
	close(fd);
	return e;
}

static pai_err write_all(int fd, const void *data, size_t len)
{
	const char *p = data;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return PAI_ERR_FILE;
		}
		p += n;
		len -= (size_t)n;
	}
	return PAI_OK;
}

/* Writes, syncs and closes fd; errno tells why on failure. */
static pai_err finish_file(int fd, const void *data, size_t len, mode_t mode)
{
	pai_err e = write_all(fd, data, len);
	int saved;

	if (!e && fchmod(fd, mode) != 0)
		e = PAI_ERR_FILE;
	if (!e && fsync(fd) != 0)
		e = PAI_ERR_FILE;
	saved = errno;
	if (close(fd) != 0 && !e) {
		saved = errno;
		e = PAI_ERR_FILE;
	}
	errno = saved;
	return e;
}

/* The new name is durable only once the directory itself is on disk. */
static pai_err sync_dir(const struct safedir *d, char *err, size_t errlen)
{
	if (fsync(d->fd) != 0) {
		pai_seterr(err, errlen, "%s: cannot sync the directory: %s", d->path,
		           strerror(errno));
		return PAI_ERR_FILE;
	}
	return PAI_OK;
}

pai_err safefile_replace(const struct safedir *d, const char *name, const void *data, size_t len,
                         mode_t mode, char *err, size_t errlen)
{
	char tmp[300];
	unsigned char rnd[8];
	struct stat st;
	int fd = -1, i;
	pai_err e;

	if (!valid_component(name) || strlen(name) > 200 || (mode & ~0777u))
		return PAI_ERR_INVALID;
	/* Whatever has the name now must be ours and a regular file (or nothing). */
	e = open_existing(d, name, &fd, &st, err, errlen);
	if (e && e != PAI_ERR_NOT_FOUND)
		return e;
	if (fd >= 0)
		close(fd);
	fd = -1;
	for (i = 0; i < TEMP_TRIES && fd < 0; i++) {
		if (getentropy(rnd, sizeof(rnd)) != 0)
			return PAI_ERR_FILE;
		snprintf(tmp, sizeof(tmp), ".%s.%02x%02x%02x%02x%02x%02x.tmp", name, rnd[0], rnd[1],
		         rnd[2], rnd[3], rnd[4], rnd[5]);
		fd = openat(d->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		            mode & 0600);
		if (fd < 0 && errno != EEXIST) {
			pai_seterr(err, errlen, "%s/%s: cannot create a temporary file: %s",
			           d->path, name, strerror(errno));
			return PAI_ERR_FILE;
		}
	}
	if (fd < 0) {
		pai_seterr(err, errlen, "%s/%s: no free temporary file name", d->path, name);
		return PAI_ERR_FILE;
	}
	if (finish_file(fd, data, len, mode) != PAI_OK) {
		pai_seterr(err, errlen, "%s/%s: cannot write (%s); the old file is unchanged",
		           d->path, name, strerror(errno));
		unlinkat(d->fd, tmp, 0);
		return PAI_ERR_FILE;
	}
	if (renameat(d->fd, tmp, d->fd, name) != 0) {
		pai_seterr(err, errlen, "%s/%s: cannot rename into place: %s", d->path, name,
		           strerror(errno));
		unlinkat(d->fd, tmp, 0);
		return PAI_ERR_FILE;
	}
	return sync_dir(d, err, errlen);
}

pai_err safefile_create_new(const struct safedir *d, const char *name, const void *data, size_t len,
                            mode_t mode, char *err, size_t errlen)
{
	int fd;

	if (!valid_component(name) || (mode & ~0777u))
		return PAI_ERR_INVALID;
	fd = openat(d->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0600);
	if (fd < 0) {
		if (errno == EEXIST) {
			pai_seterr(err, errlen, "%s/%s: already exists", d->path, name);
			return PAI_ERR_EXISTS;
		}
		pai_seterr(err, errlen, "%s/%s: cannot create: %s", d->path, name, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (finish_file(fd, data, len, mode) != PAI_OK) {
		pai_seterr(err, errlen, "%s/%s: cannot write: %s", d->path, name, strerror(errno));
		unlinkat(d->fd, name, 0);
		return PAI_ERR_FILE;
	}
	return sync_dir(d, err, errlen);
}
