/* SPDX-License-Identifier: MIT */
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
#include "safefile.h"
#include "validate.h"

/* Reads the whole file into b (bounded by ADMINCREDS_MAX_FILE, wiped by the caller) once it
 * is safe to trust with the admin identity: privileged, the helper's account's (or root's),
 * readable by no other account, in directories no one else can change. */
static pai_err read_file(const char *path, bool strict, struct buf *b, char *err, size_t errlen)
{
	const struct safefile_trust checked = {
	    .type = S_IFREG,
	    .owner = geteuid(),
	    .root_too = true,
	    .forbidden = S_IWGRP | S_IRWXO,
	    .dirs = SAFEFILE_DIRS_OWNER_STICKY,
	    .max_size = ADMINCREDS_MAX_FILE,
	    .refusing = "refusing to use it (make it 0600)",
	};
	const struct safefile_trust plain = {
	    .type = S_IFREG,
	    .any_owner = true,
	    .forbidden = S_IWOTH,
	    .max_size = ADMINCREDS_MAX_FILE,
	    .refusing = "refusing to use it",
	};
	pai_err e;
	int fd;

	e = safefile_open_trusted(path, strict ? &checked : &plain, &fd, err, errlen);
	if (e)
		return e == PAI_ERR_REFUSED ? e : PAI_ERR_FILE;
	e = safefile_read_fd(fd, path, ADMINCREDS_MAX_FILE, b, err, errlen);
	close(fd);
	return e == PAI_ERR_TOOBIG ? PAI_ERR_REFUSED : e; /* it grew while being read */
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
