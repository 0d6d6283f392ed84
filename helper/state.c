/* SPDX-License-Identifier: MIT */
/* state.c — per-user state files, alias cache and per-user locks in the state dir. */
#include "state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "clock.h"
#include "hex.h"
#include "hostid.h"
#include "safefile.h"
#include "validate.h"

#define STATE_MAX_BYTES 8192

bool state_valid_login(const char *s)
{
	size_t n = strlen(s);

	/* IAM's characters (template.h maps none to others); as a file name: no leading '-' (an
	 * option to a tool reading the dir) and no leading '.' (".", "..", and the names of
	 * safefile's temporary files, ".NAME.XXXX.tmp") */
	if (n < 1 || n > 64 || s[0] == '-' || s[0] == '.')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@+=,-") ==
	       n;
}

/* The helper's own: its account's, no one else may change it (safefile.h's trust). */
static struct safefile_trust ours(mode_t type, enum safefile_dirs dirs)
{
	struct safefile_trust t = {
	    .type = type,
	    .owner = geteuid(),
	    .forbidden = S_IWGRP | S_IWOTH,
	    .dirs = dirs,
	    .max_size = type == S_IFREG ? STATE_MAX_BYTES : 0,
	    .refusing = "refusing to use it",
	};

	return t;
}

static pai_err open_subdir(int dirfd, const char *name)
{
	struct safefile_trust t = ours(S_IFDIR, SAFEFILE_DIRS_UNCHECKED);
	pai_err e;
	int fd;

	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
		return PAI_ERR_FILE;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return PAI_ERR_FILE;
	e = safefile_trust_fd(fd, name, &t, NULL, 0);
	close(fd);
	return e ? PAI_ERR_FILE : PAI_OK;
}

pai_err state_open(const char *dir, int *dirfd)
{
	/* and every directory above it: root's or the helper's, like /var/lib */
	struct safefile_trust t = ours(S_IFDIR, SAFEFILE_DIRS_OWNER_STICKY);
	int fd;

	*dirfd = -1;
	if (safefile_open_trusted(dir, &t, &fd, NULL, 0))
		return PAI_ERR_FILE;
	if (open_subdir(fd, "users") || open_subdir(fd, "locks") || open_subdir(fd, "requests")) {
		close(fd);
		return PAI_ERR_FILE;
	}
	*dirfd = fd;
	return PAI_OK;
}

/* Reads a whole small file of ours below dirfd; PAI_ERR_NOT_FOUND when absent. */
static pai_err read_small(int dirfd, const char *path, struct buf *b)
{
	struct safefile_trust t = ours(S_IFREG, SAFEFILE_DIRS_UNCHECKED);
	pai_err e;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? PAI_ERR_NOT_FOUND : PAI_ERR_FILE;
	e = safefile_trust_fd(fd, path, &t, NULL, 0);
	if (!e)
		e = safefile_read_fd(fd, path, STATE_MAX_BYTES, b, NULL, 0);
	close(fd);
	return e ? (e == PAI_ERR_NOMEM ? e : PAI_ERR_FILE) : PAI_OK;
}

/* True when dir/f is a state record whose first line is "login=NAME". */
static bool holds_record_of(int dfd, const char *f, const char *name)
{
	char head[80], want[80];
	ssize_t n;
	int fd = openat(dfd, f, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	int w = snprintf(want, sizeof(want), "login=%s\n", name);

	if (fd < 0)
		return false;
	n = pread(fd, head, sizeof(head), 0);
	close(fd);
	return w > 0 && w < (int)sizeof(want) && n >= w && !memcmp(head, want, (size_t)w);
}

/* Removes what killed writers left in dir: safefile_replace's temporary files of name
 * (".NAME.<12 hex digits>.tmp") at least min_age seconds old. Writers of users/NAME hold
 * NAME's lock, so for them any age will do. */
static void sweep_temps(int dfd, const char *name, time_t min_age)
{
	size_t n = strlen(name);
	struct dirent *de;
	struct stat st;
	time_t now = time(NULL);
	DIR *d;
	int fd = dup(dfd);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		const char *f = de->d_name;

		/* and those of writers before 0.2, "NAME.tmp.PID", when they hold NAME's record
		 * (a login may be called "NAME.tmp.42" too) */
		bool legacy = !strncmp(f, name, n) && !strncmp(f + n, ".tmp.", 5) && f[n + 5] &&
		              strspn(f + n + 5, "0123456789") == strlen(f + n + 5) &&
		              holds_record_of(dfd, f, name);

		if (!legacy &&
		    (strlen(f) != n + 18 || f[0] != '.' || strncmp(f + 1, name, n) != 0 ||
		     f[n + 1] != '.' || strspn(f + n + 2, "0123456789abcdef") != 12 ||
		     strcmp(f + n + 14, ".tmp") != 0))
			continue;
		if (fstatat(dfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0 && now - st.st_mtime >= min_age)
			unlinkat(dfd, f, 0);
	}
	closedir(d);
}

/* Replaces dir/name (dir: "users", "." or a subdir of the state dir) with data: safefile_replace's
 * random temporary name, fsync of the file, rename, checked fsync of the directory. */
static pai_err write_atomic(int dirfd, const char *dir, const char *name, const char *data,
                            size_t len, time_t sweep_age)
{
	struct safedir d = {-1, geteuid(), ""};
	char err[256];
	pai_err e;

	d.fd = openat(dirfd, dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d.fd < 0)
		return PAI_ERR_FILE;
	snprintf(d.path, sizeof(d.path), "%s", dir);
	sweep_temps(d.fd, name, sweep_age);
	e = safefile_replace(&d, name, data, len, 0600, err, sizeof(err));
	safedir_close(&d);
	return e;
}

static pai_err user_path(const char *login, char *out, size_t len)
{
	int n;

	if (!state_valid_login(login))
		return PAI_ERR_INVALID;
	n = snprintf(out, len, "users/%s", login);
	return n < 0 || (size_t)n >= len ? PAI_ERR_INVALID : PAI_OK;
}

static pai_err set_str(char *dst, size_t len, const char *v, bool (*ok)(const char *))
{
	if (strlen(v) >= len || (ok && v[0] && !ok(v)))
		return PAI_ERR_INVALID;
	snprintf(dst, len, "%s", v);
	return PAI_OK;
}

static pai_err set_time(time_t *dst, const char *v)
{
	char *end;
	long long t;

	errno = 0;
	t = strtoll(v, &end, 10);
	if (errno || end == v || *end || t < 0)
		return PAI_ERR_INVALID;
	*dst = (time_t)t;
	return PAI_OK;
}

static bool valid_url(const char *s)
{
	return strncmp(s, "https://", 8) == 0 && strspn(s + 8, "abcdefghijklmnopqrstuvwxyz"
	                                                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                       "0123456789.-/") == strlen(s + 8);
}

/* A Secrets Manager VersionId (a ClientRequestToken): 32-64 of [A-Za-z0-9-]. */
static bool valid_version_id(const char *s)
{
	size_t n = strlen(s);

	return n >= 32 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static pai_err set_field(struct user_state *st, const char *k, const char *v)
{
	if (!strcmp(k, "login"))
		return set_str(st->login, sizeof(st->login), v, state_valid_login);
	if (!strcmp(k, "iam_user"))
		return set_str(st->iam_user, sizeof(st->iam_user), v, valid_user_name);
	if (!strcmp(k, "arn"))
		return set_str(st->arn, sizeof(st->arn), v, valid_arn);
	if (!strcmp(k, "account"))
		return set_str(st->account, sizeof(st->account), v, valid_account_id);
	if (!strcmp(k, "host"))
		return set_str(st->host, sizeof(st->host), v, hostid_valid_name);
	if (!strcmp(k, "profile"))
		return set_str(st->profile, sizeof(st->profile), v, NULL);
	if (!strcmp(k, "key_id"))
		return set_str(st->key_id, sizeof(st->key_id), v, valid_access_key_id);
	if (!strcmp(k, "key_created"))
		return set_time(&st->key_created, v);
	if (!strcmp(k, "verified_at"))
		return set_time(&st->verified_at, v);
	if (!strcmp(k, "url"))
		return set_str(st->url, sizeof(st->url), v, valid_url);
	if (!strcmp(k, "store_version"))
		return set_str(st->store_version, sizeof(st->store_version), v, valid_version_id);
	if (!strcmp(k, "prev_key_id"))
		return set_str(st->prev_key_id, sizeof(st->prev_key_id), v, valid_access_key_id);
	if (!strcmp(k, "prev_until"))
		return set_time(&st->prev_until, v);
	if (!strcmp(k, "user_id"))
		return set_str(st->user_id, sizeof(st->user_id), v, valid_unique_id);
	if (!strcmp(k, "setup_pending")) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return PAI_ERR_INVALID;
		st->setup_pending = v[0] == '1';
		return PAI_OK;
	}
	return PAI_OK; /* unknown keys: written by a newer version, ignored */
}

pai_err state_parse(const char *data, size_t len, const char *login, struct user_state *st)
{
	struct buf b;
	char *line, *save = NULL;
	pai_err e;

	memset(st, 0, sizeof(*st));
	if (len > STATE_MAX_BYTES || memchr(data, '\0', len))
		return PAI_ERR_INVALID;
	buf_init(&b, STATE_MAX_BYTES);
	e = buf_append(&b, data, len);
	if (!e && !b.data)
		e = PAI_ERR_INVALID; /* empty */
	if (e)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');

		if (!eq) {
			e = PAI_ERR_INVALID;
			goto out;
		}
		*eq = '\0';
		e = set_field(st, line, eq + 1);
		if (e)
			goto out;
	}
	if (strcmp(st->login, login) != 0 || !st->key_id[0])
		e = PAI_ERR_INVALID;
out:
	buf_free(&b);
	if (e)
		memset(st, 0, sizeof(*st));
	return e;
}

pai_err state_read(int dirfd, const char *login, struct user_state *st)
{
	struct buf b;
	char path[128];
	pai_err e;

	memset(st, 0, sizeof(*st));
	e = user_path(login, path, sizeof(path));
	if (e)
		return e;
	buf_init(&b, STATE_MAX_BYTES);
	e = read_small(dirfd, path, &b);
	if (!e)
		e = state_parse(b.data ? b.data : "", b.len, login, st);
	buf_free(&b);
	return e;
}

pai_err state_write(int dirfd, const struct user_state *st)
{
	struct buf b;
	char path[128];
	pai_err e;

	e = user_path(st->login, path, sizeof(path));
	if (e)
		return e;
	buf_init(&b, STATE_MAX_BYTES);
	e = buf_appendf(&b,
	                "login=%s\niam_user=%s\narn=%s\naccount=%s\nhost=%s\nprofile=%s\n"
	                "key_id=%s\nkey_created=%lld\nverified_at=%lld\nurl=%s\n",
	                st->login, st->iam_user, st->arn, st->account, st->host, st->profile,
	                st->key_id, (long long)st->key_created, (long long)st->verified_at,
	                st->url);
	if (!e && st->setup_pending)
		e = buf_appendf(&b, "setup_pending=1\n");
	if (!e && st->store_version[0])
		e = buf_appendf(&b, "store_version=%s\n", st->store_version);
	if (!e && st->prev_key_id[0])
		e = buf_appendf(&b, "prev_key_id=%s\nprev_until=%lld\n", st->prev_key_id,
		                (long long)st->prev_until);
	if (!e && st->user_id[0])
		e = buf_appendf(&b, "user_id=%s\n", st->user_id);
	if (!e)
		e = write_atomic(dirfd, "users", st->login, b.data, b.len, 0);
	buf_free(&b);
	return e;
}

pai_err state_remove(int dirfd, const char *login)
{
	char path[128];
	pai_err e = user_path(login, path, sizeof(path));

	if (e)
		return e;
	if (unlinkat(dirfd, path, 0) != 0 && errno != ENOENT)
		return PAI_ERR_FILE;
	return PAI_OK;
}

/* SUBDIR/<login> into path; PAI_ERR_INVALID for a login or subdir no file name can hold. */
static pai_err sub_path(const char *subdir, const char *login, char *path, size_t len)
{
	int n;

	if (!state_valid_login(login) || !state_valid_login(subdir))
		return PAI_ERR_INVALID;
	n = snprintf(path, len, "%s/%s", subdir, login);
	return n < 0 || (size_t)n >= len ? PAI_ERR_INVALID : PAI_OK;
}

pai_err state_file_read(int dirfd, const char *subdir, const char *login, struct buf *b)
{
	char path[160];
	pai_err e = sub_path(subdir, login, path, sizeof(path));

	buf_reset(b);
	return e ? e : read_small(dirfd, path, b);
}

pai_err state_file_write(int dirfd, const char *subdir, const char *login, const char *data,
                         size_t len)
{
	char path[160];
	pai_err e = sub_path(subdir, login, path, sizeof(path));

	if (!e)
		e = open_subdir(dirfd, subdir);
	return e ? e : write_atomic(dirfd, subdir, login, data, len, 60);
}

pai_err state_file_remove(int dirfd, const char *subdir, const char *login)
{
	char path[160];
	pai_err e = sub_path(subdir, login, path, sizeof(path));

	if (e)
		return e;
	if (unlinkat(dirfd, path, 0) != 0 && errno != ENOENT)
		return PAI_ERR_FILE;
	return PAI_OK;
}

pai_err state_read_alias(int dirfd, const char *account, time_t now, char alias[64])
{
	struct buf b;
	char acct[16] = "", al[64] = "";
	long long fetched = -1;
	char *line, *save = NULL;
	pai_err e;

	alias[0] = '\0';
	buf_init(&b, STATE_MAX_BYTES);
	e = read_small(dirfd, "alias", &b);
	if (e)
		goto out;
	e = PAI_ERR_NOT_FOUND;
	if (!b.data)
		goto out;
	for (line = strtok_r(b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "account=", 8))
			snprintf(acct, sizeof(acct), "%s", line + 8);
		else if (!strncmp(line, "alias=", 6))
			snprintf(al, sizeof(al), "%s", line + 6);
		else if (!strncmp(line, "fetched=", 8))
			fetched = strtoll(line + 8, NULL, 10);
	}
	if (strcmp(acct, account) != 0 || fetched < 0 || now < fetched ||
	    now - fetched >= STATE_ALIAS_TTL || (al[0] && !valid_account_alias(al)))
		goto out;
	snprintf(alias, 64, "%s", al);
	e = PAI_OK;
out:
	buf_free(&b);
	return e;
}

pai_err state_write_alias(int dirfd, const char *account, const char *alias, time_t now)
{
	char data[160];
	int n;

	if (!valid_account_id(account) || (alias[0] && !valid_account_alias(alias)))
		return PAI_ERR_INVALID;
	n = snprintf(data, sizeof(data), "account=%s\nalias=%s\nfetched=%lld\n", account, alias,
	             (long long)now);
	if (n < 0 || (size_t)n >= sizeof(data))
		return PAI_ERR_INVALID;
	return write_atomic(dirfd, ".", "alias", data, (size_t)n, 600);
}

/* flock(fd, LOCK_EX), waiting until deadline_ms at most: a holder the person stopped
 * (SIGSTOP) keeps its lock, so no wait may be unbounded. PAI_ERR_TIMEOUT past it. */
static pai_err flock_until(int fd, long long deadline_ms)
{
	long long wait = 2;

	for (;;) {
		long long left;
		struct timespec ts;

		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return PAI_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return PAI_ERR_FILE;
		left = deadline_ms - clock_now_ms();
		if (left <= 0)
			return PAI_ERR_TIMEOUT;
		if (wait > left)
			wait = left;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		nanosleep(&ts, NULL);
		if (wait < 50)
			wait *= 2;
	}
}

/* Takes locks/<login><suffix>, waiting until deadline_ms. */
static pai_err lock_file(int dirfd, const char *login, const char *suffix, long long deadline_ms,
                         int *fd)
{
	struct safefile_trust mine = ours(S_IFREG, SAFEFILE_DIRS_UNCHECKED);
	char path[128];
	pai_err e;
	int n;

	*fd = -1;
	if (!state_valid_login(login))
		return PAI_ERR_INVALID;
	n = snprintf(path, sizeof(path), "locks/%s%s", login, suffix);
	if (n < 0 || (size_t)n >= sizeof(path))
		return PAI_ERR_INVALID;
	*fd = openat(dirfd, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return PAI_ERR_FILE;
	e = safefile_trust_fd(*fd, path, &mine, NULL, 0) ? PAI_ERR_FILE
	                                                 : flock_until(*fd, deadline_ms);
	if (e) {
		close(*fd);
		*fd = -1;
	}
	return e;
}

pai_err state_lock(int dirfd, const char *login, long long deadline_ms, int *fd)
{
	return lock_file(dirfd, login, ".lock", deadline_ms, fd);
}

pai_err state_lock_session(int dirfd, const char *login, long long deadline_ms, int *fd)
{
	return lock_file(dirfd, login, ".session", deadline_ms, fd);
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

pai_err state_machine_id(int dirfd, char out[HOSTID_LEN + 1])
{
	unsigned char rnd[16];
	char tmp[64], id[HOSTID_LEN + 2];
	struct buf b;
	pai_err e;
	int fd;

	buf_init(&b, 64);
	e = read_small(dirfd, "machine-id", &b);
	if (e == PAI_ERR_NOT_FOUND) {
		/* made whole under a temporary name, then linked: the first link wins */
		if (getentropy(rnd, sizeof(rnd)) != 0)
			goto out;
		rnd[6] = (unsigned char)((rnd[6] & 0x0f) | 0x40);
		rnd[8] = (unsigned char)((rnd[8] & 0x3f) | 0x80);
		hex_encode(rnd, 16, id);
		id[HOSTID_LEN] = '\n';
		snprintf(tmp, sizeof(tmp), ".machine-id.%02x%02x%02x%02x%02x%02x.tmp", rnd[10],
		         rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			goto out;
		if (write(fd, id, HOSTID_LEN + 1) == HOSTID_LEN + 1 && fsync(fd) == 0)
			(void)!linkat(dirfd, tmp, dirfd, "machine-id", 0); /* EEXIST: another won */
		close(fd);
		unlinkat(dirfd, tmp, 0);
		fsync(dirfd);
		buf_reset(&b);
		e = read_small(dirfd, "machine-id", &b);
	}
out:
	if (!e && (b.len != HOSTID_LEN + 1 || b.data[HOSTID_LEN] != '\n'))
		e = PAI_ERR_INVALID;
	if (!e) {
		b.data[HOSTID_LEN] = '\0';
		e = hostid_valid_id(b.data) ? PAI_OK : PAI_ERR_INVALID;
	}
	if (!e)
		memcpy(out, b.data, HOSTID_LEN + 1);
	else if (e == PAI_ERR_NOT_FOUND)
		e = PAI_ERR_FILE;
	buf_free(&b);
	return e;
}

pai_err state_bucket_parse(const char *data, size_t len, struct state_bucket *b)
{
	char s[64], *p, *end;

	memset(b, 0, sizeof(*b));
	if (len < 7 || len >= sizeof(s) || memchr(data, '\0', len) || data[len - 1] != '\n')
		return PAI_ERR_INVALID;
	memcpy(s, data, len - 1);
	s[len - 1] = '\0';
	if (strncmp(s, "v1 ", 3) != 0)
		return PAI_ERR_INVALID;
	p = s + 3;
	if (*p < '0' || *p > '9')
		return PAI_ERR_INVALID;
	errno = 0;
	b->tokens_milli = strtoll(p, &end, 10);
	if (errno || *end != ' ' || b->tokens_milli < 0)
		return PAI_ERR_INVALID;
	p = end + 1;
	if (*p < '0' || *p > '9')
		return PAI_ERR_INVALID;
	b->at = strtoll(p, &end, 10);
	if (errno || *end || b->at < 0)
		return PAI_ERR_INVALID;
	return PAI_OK;
}

pai_err state_take_request(int dirfd, const char *login, time_t now, unsigned burst,
                           unsigned interval, long long deadline_ms, long long *wait_s)
{
	struct safefile_trust mine = ours(S_IFREG, SAFEFILE_DIRS_UNCHECKED);
	struct state_bucket bk;
	long long full = (long long)burst * 1000, per = (long long)interval;
	char path[128], line[64];
	ssize_t n;
	int fd, len;
	pai_err e = PAI_OK;

	*wait_s = 0;
	if (burst == 0)
		return PAI_OK;
	if (!state_valid_login(login) ||
	    snprintf(path, sizeof(path), "requests/%s", login) >= (int)sizeof(path))
		return PAI_ERR_INVALID;
	fd = openat(dirfd, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || safefile_trust_fd(fd, path, &mine, NULL, 0)) {
		if (fd >= 0)
			close(fd);
		return PAI_OK; /* no bookkeeping: not the person's fault */
	}
	if (flock_until(fd, deadline_ms)) {
		/* held past the deadline: by a run the person stopped, so the person waits */
		close(fd);
		*wait_s = interval;
		return PAI_ERR_LIMIT;
	}
	n = pread(fd, line, sizeof(line), 0);
	if (n <= 0 || state_bucket_parse(line, (size_t)n, &bk) || bk.at > (long long)now) {
		bk.tokens_milli = full;
		bk.at = (long long)now;
	}
	/* refill: one token per interval since the last take, up to the burst */
	bk.tokens_milli += ((long long)now - bk.at) * 1000 / (per > 0 ? per : 1);
	if (bk.tokens_milli > full)
		bk.tokens_milli = full;
	bk.at = (long long)now;
	if (bk.tokens_milli < 1000) {
		*wait_s = ((1000 - bk.tokens_milli) * per + 999) / 1000;
		e = PAI_ERR_LIMIT;
	} else {
		bk.tokens_milli -= 1000;
	}
	len = snprintf(line, sizeof(line), "v1 %lld %lld\n", bk.tokens_milli, bk.at);
	if (pwrite(fd, line, (size_t)len, 0) == len)
		(void)!ftruncate(fd, len);
	close(fd);
	return e;
}
