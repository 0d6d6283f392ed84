/* SPDX-License-Identifier: MIT */
/* profile.c — the managed profile in the person's home, always with the person's ids. */
#include "profile.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "credfile.h"
#include "safefile.h"
#include "validate.h"

#define CREDENTIALS_FILE "credentials"
#define CONFIG_FILE      "config"

/* Enters the person's ids and opens home and ~/.aws. On PAI_ERR_NOT_FOUND (no ~/.aws and
 * !create) home is open and aws is closed. The caller always calls leave(). */
static pai_err enter(const struct profile_home *h, struct safedir *home, struct safedir *aws,
                     bool create, char *err, size_t errlen)
{
	pai_err e;

	home->fd = -1;
	aws->fd = -1;
	e = privs_become_person(h->pv);
	if (e) {
		snprintf(err, errlen, "cannot switch to %s's user and group ids",
		         h->pv->person_name);
		return e;
	}
	e = safedir_open_home(home, h->home, h->pv->person_uid, err, errlen);
	if (e)
		return e;
	return safedir_open_sub(aws, home, ".aws", create, err, errlen);
}

static pai_err leave(const struct profile_home *h, struct safedir *home, struct safedir *aws,
                     pai_err e)
{
	safedir_close(aws);
	safedir_close(home);
	privs_become_helper(h->pv);
	return e;
}

/* Reads and parses a file of ~/.aws; a missing file is an empty one. */
static pai_err load(const struct safedir *aws, const char *name, enum credfile_kind kind,
                    struct credfile **cf, char *err, size_t errlen)
{
	struct buf b;
	char perr[160] = "";
	pai_err e;

	*cf = NULL;
	buf_init(&b, CREDFILE_MAX_SIZE);
	e = safefile_read(aws, name, CREDFILE_MAX_SIZE, &b, err, errlen);
	if (e == PAI_ERR_NOT_FOUND) {
		e = credfile_new(kind, cf);
		goto out;
	}
	if (e)
		goto out;
	e = credfile_parse(b.data ? b.data : "", b.len, kind, cf, perr, sizeof(perr));
	if (e)
		snprintf(err, errlen, "%s/%s: %s", aws->path, name, perr[0] ? perr : "unreadable");
out:
	buf_free(&b);
	return e;
}

static pai_err save(const struct safedir *aws, const char *name, const struct credfile *cf,
                    char *err, size_t errlen)
{
	struct buf b;
	pai_err e;

	buf_init(&b, CREDFILE_MAX_SIZE + 4096);
	e = credfile_serialize(cf, &b);
	if (!e)
		e = safefile_replace(aws, name, b.data ? b.data : "", b.len, 0600, err, errlen);
	else
		snprintf(err, errlen, "%s/%s: %s", aws->path, name, pai_strerror(e));
	buf_free(&b);
	return e;
}

pai_err profile_read_key_id(const struct profile_home *h, char *out, size_t outlen, bool *not_a_key,
                            char *err, size_t errlen)
{
	struct safedir home, aws;
	struct credfile *cf = NULL;
	pai_err e;

	out[0] = '\0';
	*not_a_key = false;
	e = enter(h, &home, &aws, false, err, errlen);
	if (e == PAI_ERR_NOT_FOUND && home.fd >= 0) {
		e = PAI_OK; /* no ~/.aws yet */
		goto out;
	}
	if (e)
		goto out;
	e = load(&aws, CREDENTIALS_FILE, CREDFILE_CREDENTIALS, &cf, err, errlen);
	if (e)
		goto out;
	e = credfile_get(cf, h->profile, "aws_access_key_id", out, outlen);
	if (e == PAI_ERR_NOT_FOUND)
		e = PAI_OK;
	if (e == PAI_ERR_TOOBIG || (!e && out[0] && !valid_access_key_id(out))) {
		/* the person's own bytes: never repeated in a message or a log */
		*not_a_key = true;
		e = PAI_OK;
		out[0] = '\0';
	}
	if (e)
		out[0] = '\0';
out:
	credfile_free(cf);
	return leave(h, &home, &aws, e);
}

/* What one edit changes (edit()): in ~/.aws/credentials, cred (n_cred of them) when the
 * profile's key is expect_id (NULL: whatever it is); in ~/.aws/config, region when the profile
 * has none, credential_process set to set_process, or removed when it is exactly
 * drop_process. */
struct edit_spec {
	const struct credfile_kv *cred;
	size_t n_cred;
	const char *expect_id;
	bool create; /* make ~/.aws and the files as needed */
	const char *region;
	const char *set_process;
	const char *drop_process;
};

/* The config file's part of an edit; nothing is written when nothing changes. */
static pai_err edit_config(const struct safedir *aws, const char *profile,
                           const struct edit_spec *s, char *err, size_t errlen)
{
	struct credfile *cf = NULL;
	struct credfile_kv kv[2];
	char cur[CREDFILE_MAX_VALUE + 1];
	size_t n = 0;
	pai_err e;

	e = load(aws, CONFIG_FILE, CREDFILE_CONFIG, &cf, err, errlen);
	if (e)
		goto out;
	if (s->region && s->region[0] &&
	    credfile_get(cf, profile, "region", cur, sizeof(cur)) == PAI_ERR_NOT_FOUND)
		kv[n++] = (struct credfile_kv){"region", s->region}; /* the person's own stays */
	e = credfile_get(cf, profile, PROFILE_PROCESS_KEY, cur, sizeof(cur));
	if (s->set_process && (e || strcmp(cur, s->set_process) != 0))
		kv[n++] = (struct credfile_kv){PROFILE_PROCESS_KEY, s->set_process};
	else if (s->drop_process && !e && !strcmp(cur, s->drop_process))
		kv[n++] = (struct credfile_kv){PROFILE_PROCESS_KEY, NULL};
	e = PAI_OK;
	if (!n)
		goto out;
	e = credfile_set_profile(cf, profile, kv, n);
	if (e)
		snprintf(err, errlen, "%s/%s: cannot set profile '%s'", aws->path, CONFIG_FILE,
		         profile);
	else
		e = save(aws, CONFIG_FILE, cf, err, errlen);
out:
	credfile_free(cf);
	return e;
}

/* The one edit of the managed profile, keeping every other byte of both files: the
 * credentials file's part (the key) first; then the config file's, whose failure is the
 * edit's only when the edit has no credentials part (a region that cannot be set costs the
 * person nothing: the key is what matters). */
static pai_err edit(const struct profile_home *h, const struct edit_spec *s, char *err,
                    size_t errlen)
{
	struct safedir home, aws;
	struct credfile *cf = NULL;
	char cur[129];
	pai_err e;

	e = enter(h, &home, &aws, s->create, err, errlen);
	if (e == PAI_ERR_NOT_FOUND && home.fd >= 0 && !s->create) {
		e = PAI_OK; /* no ~/.aws: nothing to remove */
		goto out;
	}
	if (e || !s->n_cred)
		goto config;
	e = load(&aws, CREDENTIALS_FILE, CREDFILE_CREDENTIALS, &cf, err, errlen);
	if (e)
		goto out;
	if (s->expect_id && (credfile_get(cf, h->profile, "aws_access_key_id", cur, sizeof(cur)) ||
	                     strcmp(cur, s->expect_id) != 0))
		goto out; /* not ours: left alone */
	e = credfile_set_profile(cf, h->profile, s->cred, s->n_cred);
	if (e) {
		snprintf(err, errlen, "%s/%s: cannot set profile '%s'", aws.path, CREDENTIALS_FILE,
		         h->profile);
		goto out;
	}
	e = save(&aws, CREDENTIALS_FILE, cf, err, errlen);
config:
	if (!e && (s->region || s->set_process || s->drop_process)) {
		pai_err ce = edit_config(&aws, h->profile, s, err, errlen);

		if (!s->n_cred)
			e = ce;
	}
out:
	credfile_free(cf);
	return leave(h, &home, &aws, e);
}

pai_err profile_write_key(const struct profile_home *h, const char *id, const char *secret,
                          const char *region, const char *drop_process, char *err, size_t errlen)
{
	const struct credfile_kv kv[3] = {
	    {"aws_access_key_id", id},
	    {"aws_secret_access_key", secret},
	    {"aws_session_token", NULL},
	};
	struct edit_spec s = {kv, 3, NULL, true, region, NULL, drop_process};

	return edit(h, &s, err, errlen);
}

pai_err profile_remove_key(const struct profile_home *h, const char *expect_id, char *err,
                           size_t errlen)
{
	const struct credfile_kv kv[3] = {
	    {"aws_access_key_id", NULL},
	    {"aws_secret_access_key", NULL},
	    {"aws_session_token", NULL},
	};
	struct edit_spec s = {kv, 3, expect_id, false, NULL, NULL, NULL};

	return edit(h, &s, err, errlen);
}

pai_err profile_write_process(const struct profile_home *h, const char *line, const char *region,
                              char *err, size_t errlen)
{
	struct edit_spec s = {NULL, 0, NULL, true, region, line, NULL};

	return edit(h, &s, err, errlen);
}

pai_err profile_remove_process(const struct profile_home *h, const char *line, char *err,
                               size_t errlen)
{
	struct edit_spec s = {NULL, 0, NULL, false, NULL, NULL, line};

	return edit(h, &s, err, errlen);
}

pai_err profile_read_process(const struct profile_home *h, char *out, size_t outlen, char *err,
                             size_t errlen)
{
	struct safedir home, aws;
	struct credfile *cf = NULL;
	pai_err e;

	out[0] = '\0';
	e = enter(h, &home, &aws, false, err, errlen);
	if (e == PAI_ERR_NOT_FOUND && home.fd >= 0) {
		e = PAI_OK; /* no ~/.aws yet */
		goto out;
	}
	if (!e)
		e = load(&aws, CONFIG_FILE, CREDFILE_CONFIG, &cf, err, errlen);
	if (!e && credfile_get(cf, h->profile, PROFILE_PROCESS_KEY, out, outlen) != PAI_OK)
		out[0] = '\0'; /* absent, or too long to be ours */
out:
	credfile_free(cf);
	return leave(h, &home, &aws, e);
}

pai_err profile_read_secret(const struct profile_home *h, const char *expect_id, char *out,
                            size_t outlen, char *err, size_t errlen)
{
	struct safedir home, aws;
	struct credfile *cf = NULL;
	char cur[129];
	pai_err e;

	out[0] = '\0';
	e = enter(h, &home, &aws, false, err, errlen);
	if (!e)
		e = load(&aws, CREDENTIALS_FILE, CREDFILE_CREDENTIALS, &cf, err, errlen);
	if (!e && (credfile_get(cf, h->profile, "aws_access_key_id", cur, sizeof(cur)) ||
	           strcmp(cur, expect_id) != 0))
		e = PAI_ERR_NOT_FOUND;
	if (!e)
		e = credfile_get(cf, h->profile, "aws_secret_access_key", out, outlen);
	if (e)
		secret_wipe(out, outlen);
	credfile_free(cf);
	return leave(h, &home, &aws, e);
}

pai_err profile_write_password(const struct profile_home *h, const char *password, char *err,
                               size_t errlen)
{
	struct safedir home, aws;
	struct buf b;
	pai_err e;

	buf_init(&b, 512);
	e = enter(h, &home, &aws, true, err, errlen);
	if (e)
		goto out;
	e = buf_appendf(&b, "%s\n", password);
	if (!e)
		e = safefile_create_new(&aws, PROFILE_INITIAL_PASSWORD_FILE, b.data, b.len, 0600,
		                        err, errlen);
out:
	buf_free(&b);
	return leave(h, &home, &aws, e);
}

void profile_remove_password(const struct profile_home *h)
{
	struct safedir home, aws;
	char err[256];

	if (!enter(h, &home, &aws, false, err, sizeof(err)))
		unlinkat(aws.fd, PROFILE_INITIAL_PASSWORD_FILE, 0);
	leave(h, &home, &aws, PAI_OK);
}
