/* admincreds.c — loads the admin identity: a shared-credentials file (checked the way doas
 * checks its config, then parsed by credfile) or the instance role through IMDSv2. */
#include "admincreds.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "credfile.h"
#include "imds.h"
#include "validate.h"

/* The opened file must be safe to trust with the admin identity. */
static pai_err check_file(const char *path, const struct stat *st, bool strict, char *err,
                          size_t errlen)
{
	if (!S_ISREG(st->st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		return PAI_ERR_REFUSED;
	}
	if (st->st_size > (off_t)ADMINCREDS_MAX_FILE) {
		snprintf(err, errlen, "%s: larger than %u bytes", path, ADMINCREDS_MAX_FILE);
		return PAI_ERR_REFUSED;
	}
	if (st->st_mode & S_IWOTH) {
		snprintf(err, errlen, "%s: writable by anyone", path);
		return PAI_ERR_REFUSED;
	}
	if (!strict)
		return PAI_OK;
	if (st->st_uid != 0 && st->st_uid != geteuid()) {
		snprintf(err, errlen, "%s: owned by uid %u, not by root or uid %u", path,
		         (unsigned)st->st_uid, (unsigned)geteuid());
		return PAI_ERR_REFUSED;
	}
	if (st->st_mode & (S_IWGRP | S_IRWXO)) {
		snprintf(err, errlen,
		         "%s: mode %04o lets others read or change it (use 0600 or 0640)", path,
		         (unsigned)(st->st_mode & 07777));
		return PAI_ERR_REFUSED;
	}
	return PAI_OK;
}

/* Reads the whole file into b (bounded by ADMINCREDS_MAX_FILE, wiped by the caller). */
static pai_err read_file(const char *path, bool strict, struct buf *b, char *err, size_t errlen)
{
	char chunk[4096];
	struct stat st;
	pai_err e = PAI_OK;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	if (fstat(fd, &st) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		e = PAI_ERR_FILE;
		goto out;
	}
	e = check_file(path, &st, strict, err, errlen);
	if (e)
		goto out;
	for (;;) {
		n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			e = PAI_ERR_FILE;
			break;
		}
		if (n == 0)
			break;
		e = buf_append(b, chunk, (size_t)n);
		if (e) { /* grew while we read it */
			snprintf(err, errlen, "%s: larger than %u bytes", path,
			         ADMINCREDS_MAX_FILE);
			e = e == PAI_ERR_TOOBIG ? PAI_ERR_REFUSED : e;
			break;
		}
	}
out:
	secret_wipe(chunk, sizeof(chunk));
	close(fd);
	return e;
}

static pai_err load_file(const struct admincreds_opts *o, struct aws_creds *out, char *err,
                         size_t errlen)
{
	const char *profile = o->profile ? o->profile : "default";
	struct credfile *cf = NULL;
	struct buf b;
	char why[256] = "";
	pai_err e;

	buf_init(&b, ADMINCREDS_MAX_FILE);
	e = read_file(o->credentials, o->strict, &b, err, errlen);
	if (e)
		goto out;
	e = credfile_parse(b.data ? b.data : "", b.len, CREDFILE_CREDENTIALS, &cf, why,
	                   sizeof(why));
	if (e) {
		snprintf(err, errlen, "%s: %s", o->credentials, why[0] ? why : pai_strerror(e));
		goto out;
	}
	e = credfile_get_creds(cf, profile, out);
	if (e == PAI_ERR_NOT_FOUND)
		snprintf(err, errlen,
		         "%s: profile [%s] missing or without aws_access_key_id and "
		         "aws_secret_access_key",
		         o->credentials, profile);
	else if (e)
		snprintf(err, errlen, "%s: profile [%s]: %s", o->credentials, profile,
		         e == PAI_ERR_INVALID ? "malformed key ID, secret or token"
		                              : pai_strerror(e));
out:
	credfile_free(cf);
	buf_free(&b);
	return e;
}

pai_err admincreds_load(const struct admincreds_opts *o, struct aws_creds *out, char *err,
                        size_t errlen)
{
	pai_err e;

	if (errlen)
		err[0] = '\0';
	if (!o || !out || !o->credentials || !o->credentials[0]) {
		snprintf(err, errlen, "admin credentials: no file or \"instance\" given");
		return PAI_ERR_INVALID;
	}
	memset(out, 0, sizeof(*out));
	if (!strcmp(o->credentials, ADMINCREDS_INSTANCE))
		e = imds_get_credentials(o->imds_url, o->timeout_ms, out, err, errlen);
	else
		e = load_file(o, out, err, errlen);
	if (!e && (!out->access_key_id || !valid_access_key_id(out->access_key_id) ||
	           !out->secret_access_key || !valid_secret_key(out->secret_access_key))) {
		snprintf(err, errlen, "admin credentials: malformed key ID or secret");
		e = PAI_ERR_INVALID;
	}
	if (e)
		aws_creds_wipe(out);
	return e;
}
