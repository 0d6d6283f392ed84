/* SPDX-License-Identifier: MIT */
/* sesscache.c — the cached STS session of --credential-process (sesscache.h). */
#include "sesscache.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "buf.h"
#include "clock.h"
#include "record.h"
#include "state.h"
#include "validate.h"

void sess_cache_wipe(struct sess_cache *c)
{
	secret_wipe(c, sizeof(*c));
}

bool sess_cache_belongs(const struct sess_cache *c, uid_t uid, const char *login,
                        const char *user_id, const char *key_id)
{
	return c->uid == uid && !strcmp(c->login, login) && !strcmp(c->user_id, user_id) &&
	       !strcmp(c->key_id, key_id);
}

static bool valid_session_key_id(const char *s)
{
	return valid_access_key_id(s) && !strncmp(s, "ASIA", 4);
}

/* Printed into JSON without escaping: base64 (the alphabets STS and IMDS use) only. */
static bool valid_token(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-");

	return n > 0 && !s[n] && n <= SESSCACHE_TOKEN_MAX;
}

pai_err sesscache_parse(const char *data, size_t len, const char *login, struct sess_cache *c)
{
	char uid[24], expires[24], failed_at[24];
	const struct record_field f[] = {
	    {"uid", uid, sizeof(uid), NULL, true},
	    {"login", c->login, sizeof(c->login), state_valid_login, true},
	    {"user_id", c->user_id, sizeof(c->user_id), valid_unique_id, true},
	    {"key_id", c->key_id, sizeof(c->key_id), valid_access_key_id, true},
	    {"access_key_id", c->access_key_id, sizeof(c->access_key_id), valid_session_key_id,
	     false},
	    {"secret", c->secret, sizeof(c->secret), valid_secret_key, false},
	    {"token", c->token, sizeof(c->token), valid_token, false},
	    {"expires", expires, sizeof(expires), NULL, false},
	    {"failed_at", failed_at, sizeof(failed_at), NULL, false},
	    {"failure", c->failure, sizeof(c->failure), NULL, false},
	};
	unsigned long long u;
	pai_err e;

	memset(c, 0, sizeof(*c));
	e = record_parse(data, len, SESSCACHE_MAGIC, f, sizeof(f) / sizeof(f[0]));
	if (!e && (strcmp(c->login, login) != 0 || !record_num(uid, &u) || u != (uid_t)u))
		e = PAI_ERR_INVALID;
	if (!e) {
		c->uid = (uid_t)u;
		/* a session is all four fields or none */
		c->has_session = c->access_key_id[0] != '\0';
		if ((c->has_session != (c->secret[0] != '\0')) ||
		    (c->has_session != (c->token[0] != '\0')) ||
		    (c->has_session != (expires[0] != '\0')) ||
		    (c->has_session && !record_time(expires, &c->expires)))
			e = PAI_ERR_INVALID;
	}
	if (!e && ((failed_at[0] && !record_time(failed_at, &c->failed_at)) ||
	           (c->failure[0] && !c->failed_at)))
		e = PAI_ERR_INVALID; /* a failure is remembered with its time */
	secret_wipe(expires, sizeof(expires));
	if (e)
		sess_cache_wipe(c);
	return e;
}

pai_err sesscache_read(int dirfd, const char *login, struct sess_cache *c)
{
	struct buf b;
	pai_err e;

	memset(c, 0, sizeof(*c));
	buf_init(&b, RECORD_MAX_BYTES);
	e = state_file_read(dirfd, SESSCACHE_SUBDIR, login, &b);
	if (!e)
		e = sesscache_parse(b.data ? b.data : "", b.len, login, c);
	buf_free(&b);
	return e;
}

pai_err sesscache_serialize(const struct sess_cache *c, struct buf *b)
{
	pai_err e;

	if (!state_valid_login(c->login) || !valid_unique_id(c->user_id) ||
	    !valid_access_key_id(c->key_id) ||
	    (c->has_session &&
	     (!valid_session_key_id(c->access_key_id) || !valid_secret_key(c->secret) ||
	      !valid_token(c->token) || c->expires < 0)) ||
	    c->failed_at < 0)
		return PAI_ERR_INVALID;
	e = buf_append_str(b, SESSCACHE_MAGIC "\n");
	if (!e)
		e = record_put_num(b, "uid", (unsigned long long)c->uid);
	if (!e)
		e = record_put(b, "login", c->login);
	if (!e)
		e = record_put(b, "user_id", c->user_id);
	if (!e)
		e = record_put(b, "key_id", c->key_id);
	if (!e && c->has_session) {
		e = record_put(b, "access_key_id", c->access_key_id);
		if (!e)
			e = record_put(b, "secret", c->secret);
		if (!e)
			e = record_put(b, "token", c->token);
		if (!e)
			e = record_put_num(b, "expires", (unsigned long long)c->expires);
	}
	if (!e && c->failed_at) {
		e = record_put_num(b, "failed_at", (unsigned long long)c->failed_at);
		if (!e && c->failure[0])
			e = record_put(b, "failure", c->failure);
	}
	return e;
}

pai_err sesscache_write(int dirfd, const struct sess_cache *c)
{
	struct buf b;
	pai_err e;

	buf_init(&b, RECORD_MAX_BYTES);
	e = sesscache_serialize(c, &b);
	if (!e)
		e = state_file_write(dirfd, SESSCACHE_SUBDIR, c->login, b.data, b.len);
	buf_free(&b);
	return e;
}

pai_err sesscache_remove(int dirfd, const char *login)
{
	return state_file_remove(dirfd, SESSCACHE_SUBDIR, login);
}

/* A JSON string of printable ASCII: '"' and '\' escaped, nothing else needs it. */
static void json_string(struct buf *b, const char *s, pai_err *e)
{
	const char *p;

	if (!*e)
		*e = buf_append(b, "\"", 1);
	for (p = s; *p && !*e; p++)
		*e = *p == '"' || *p == '\\' ? buf_appendf(b, "\\%c", *p) : buf_append(b, p, 1);
	if (!*e)
		*e = buf_append(b, "\"", 1);
}

/* All of len bytes to fd, straight (no stdio buffer keeps a copy of them). */
static pai_err write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return PAI_ERR_FILE;
		p += n;
		len -= (size_t)n;
	}
	return PAI_OK;
}

pai_err sesscache_print_json(const struct sess_cache *c, int fd)
{
	char when[32];
	struct buf b;
	pai_err e = PAI_OK;

	if (!c->has_session || !valid_session_key_id(c->access_key_id) ||
	    !valid_secret_key(c->secret) || !valid_token(c->token))
		return PAI_ERR_INVALID;
	clock_format_utc(c->expires, when);
	buf_init(&b, RECORD_MAX_BYTES);
	e = buf_append_str(&b, "{\"Version\": 1, \"AccessKeyId\": ");
	json_string(&b, c->access_key_id, &e);
	if (!e)
		e = buf_append_str(&b, ", \"SecretAccessKey\": ");
	json_string(&b, c->secret, &e);
	if (!e)
		e = buf_append_str(&b, ", \"SessionToken\": ");
	json_string(&b, c->token, &e);
	if (!e)
		e = buf_append_str(&b, ", \"Expiration\": ");
	json_string(&b, when, &e);
	if (!e)
		e = buf_append_str(&b, "}\n");
	if (!e)
		e = write_all(fd, b.data, b.len);
	buf_free(&b);
	return e;
}
