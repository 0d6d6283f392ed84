/* SPDX-License-Identifier: MIT */
/* keyvault.c — the long-term key the helper holds for a person (keyvault.h). */
#include "keyvault.h"

#include <stdio.h>
#include <string.h>
#include "buf.h"
#include "record.h"
#include "state.h"
#include "validate.h"

void held_key_wipe(struct held_key *k)
{
	secret_wipe(k, sizeof(*k));
}

pai_err keyvault_parse(const char *data, size_t len, const char *login, struct held_key *k)
{
	char uid[24], created[24];
	const struct record_field f[] = {
	    {"login", k->login, sizeof(k->login), state_valid_login, true},
	    {"uid", uid, sizeof(uid), NULL, true},
	    {"user_id", k->user_id, sizeof(k->user_id), valid_unique_id, true},
	    {"key_id", k->key_id, sizeof(k->key_id), valid_access_key_id, true},
	    {"secret", k->secret, sizeof(k->secret), valid_secret_key, true},
	    {"created", created, sizeof(created), NULL, true},
	};
	unsigned long long u;
	pai_err e;

	memset(k, 0, sizeof(*k));
	e = record_parse(data, len, KEYVAULT_MAGIC, f, sizeof(f) / sizeof(f[0]));
	if (!e && (strcmp(k->login, login) != 0 || !record_num(uid, &u) || u != (uid_t)u ||
	           !record_time(created, &k->created)))
		e = PAI_ERR_INVALID;
	if (e)
		held_key_wipe(k);
	else
		k->uid = (uid_t)u;
	return e;
}

pai_err keyvault_read(int dirfd, const char *login, struct held_key *k)
{
	struct buf b;
	pai_err e;

	memset(k, 0, sizeof(*k));
	buf_init(&b, RECORD_MAX_BYTES);
	e = state_file_read(dirfd, KEYVAULT_SUBDIR, login, &b);
	if (!e)
		e = keyvault_parse(b.data ? b.data : "", b.len, login, k);
	buf_free(&b);
	return e;
}

void keyvault_key_id(int dirfd, const char *login, uid_t uid, char out[IAM_KEY_ID_MAX])
{
	struct held_key k;

	out[0] = '\0';
	if (keyvault_read(dirfd, login, &k) == PAI_OK && k.uid == uid)
		memcpy(out, k.key_id, IAM_KEY_ID_MAX);
	held_key_wipe(&k);
}

pai_err keyvault_serialize(const struct held_key *k, struct buf *b)
{
	pai_err e;

	if (!state_valid_login(k->login) || !valid_unique_id(k->user_id) ||
	    !valid_access_key_id(k->key_id) || !valid_secret_key(k->secret) || k->created < 0)
		return PAI_ERR_INVALID;
	e = buf_append_str(b, KEYVAULT_MAGIC "\n");
	if (!e)
		e = record_put(b, "login", k->login);
	if (!e)
		e = record_put_num(b, "uid", (unsigned long long)k->uid);
	if (!e)
		e = record_put(b, "user_id", k->user_id);
	if (!e)
		e = record_put(b, "key_id", k->key_id);
	if (!e)
		e = record_put(b, "secret", k->secret);
	if (!e)
		e = record_put_num(b, "created", (unsigned long long)k->created);
	return e;
}

pai_err keyvault_write(int dirfd, const struct held_key *k)
{
	struct buf b;
	pai_err e;

	buf_init(&b, RECORD_MAX_BYTES);
	e = keyvault_serialize(k, &b);
	if (!e)
		e = state_file_write(dirfd, KEYVAULT_SUBDIR, k->login, b.data, b.len);
	buf_free(&b);
	return e;
}

pai_err keyvault_remove(int dirfd, const char *login)
{
	return state_file_remove(dirfd, KEYVAULT_SUBDIR, login);
}
