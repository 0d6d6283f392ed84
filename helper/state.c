/* state.c — per-user state files, alias cache and per-user locks in the state dir. */
#include "state.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include "buf.h"
#include "validate.h"
#include "ledger.h"

#define STATE_MAX_BYTES 8192

long long state_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool state_valid_login(const char *s)
{
	size_t n = strlen(s);
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_";

	if (n < 1 || n > 64 || !strchr(ok, s[0]) || s[0] == '\0')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@-") == n;
}

static bool ours(const struct stat *st, mode_t type)
{
	return (st->st_mode & S_IFMT) == type && st->st_uid == geteuid() &&
	       (st->st_mode & 022) == 0;
}

static pai_err open_subdir(int dirfd, const char *name)
{
	struct stat st;
	int fd;

	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
		return PAI_ERR_FILE;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return PAI_ERR_FILE;
	if (fstat(fd, &st) != 0 || !ours(&st, S_IFDIR)) {
		close(fd);
		return PAI_ERR_FILE;
	}
	close(fd);
	return PAI_OK;
}

pai_err state_open(const char *dir, int *dirfd)
{
	struct stat st;
	int fd;

	*dirfd = -1;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return PAI_ERR_FILE;
	if (fstat(fd, &st) != 0 || !ours(&st, S_IFDIR) || open_subdir(fd, "users") ||
	    open_subdir(fd, "locks")) {
		close(fd);
		return PAI_ERR_FILE;
	}
	*dirfd = fd;
	return PAI_OK;
}

/* Reads a whole small file of ours below dirfd; PAI_ERR_NOT_FOUND when absent. */
static pai_err read_small(int dirfd, const char *path, struct buf *b)
{
	struct stat st;
	char chunk[1024];
	ssize_t n;
	pai_err e = PAI_OK;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT ? PAI_ERR_NOT_FOUND : PAI_ERR_FILE;
	if (fstat(fd, &st) != 0 || !ours(&st, S_IFREG)) {
		e = PAI_ERR_FILE;
		goto out;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = PAI_ERR_FILE;
			goto out;
		}
		e = buf_append(b, chunk, (size_t)n);
		if (e)
			goto out;
	}
out:
	close(fd);
	return e;
}

/* Writes data to dirfd/path atomically: temp file beside it, fsync, rename, fsync dir. */
static pai_err write_atomic(int dirfd, const char *path, const char *data, size_t len)
{
	char tmp[256];
	size_t off = 0;
	int fd, n, dfd;
	const char *slash = strrchr(path, '/');

	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return PAI_ERR_INVALID;
	unlinkat(dirfd, tmp, 0);
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return PAI_ERR_FILE;
	while (off < len) {
		ssize_t w = write(fd, data + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		off += (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	close(fd);
	if (renameat(dirfd, tmp, dirfd, path) != 0) {
		unlinkat(dirfd, tmp, 0);
		return PAI_ERR_FILE;
	}
	if (slash) {
		char sub[256];

		snprintf(sub, sizeof(sub), "%.*s", (int)(slash - path), path);
		dfd = openat(dirfd, sub, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	} else {
		dfd = dup(dirfd);
	}
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return PAI_OK;
fail:
	close(fd);
	unlinkat(dirfd, tmp, 0);
	return PAI_ERR_FILE;
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
		return set_str(st->host, sizeof(st->host), v, ledger_valid_host);
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
	if (!e)
		e = write_atomic(dirfd, path, b.data, b.len);
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
	return write_atomic(dirfd, "alias", data, (size_t)n);
}

pai_err state_lock(int dirfd, const char *login, long long deadline_ms, int *fd)
{
	char path[128];
	struct stat st;
	long long wait = 2;
	int n;

	*fd = -1;
	if (!state_valid_login(login))
		return PAI_ERR_INVALID;
	n = snprintf(path, sizeof(path), "locks/%s.lock", login);
	if (n < 0 || (size_t)n >= sizeof(path))
		return PAI_ERR_INVALID;
	*fd = openat(dirfd, path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (*fd < 0)
		return PAI_ERR_FILE;
	if (fstat(*fd, &st) != 0 || !ours(&st, S_IFREG))
		goto file_err;
	for (;;) {
		long long left;
		struct timespec ts;

		if (flock(*fd, LOCK_EX | LOCK_NB) == 0)
			return PAI_OK;
		if (errno != EWOULDBLOCK && errno != EINTR)
			goto file_err;
		left = deadline_ms - state_now_ms();
		if (left <= 0)
			break;
		if (wait > left)
			wait = left;
		ts.tv_sec = wait / 1000;
		ts.tv_nsec = (wait % 1000) * 1000000;
		nanosleep(&ts, NULL);
		if (wait < 50)
			wait *= 2;
	}
	close(*fd);
	*fd = -1;
	return PAI_ERR_TIMEOUT;
file_err:
	close(*fd);
	*fd = -1;
	return PAI_ERR_FILE;
}

void state_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}
