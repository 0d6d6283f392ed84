/* SPDX-License-Identifier: MIT */
/* ledger.c — ownership, key entries and marks on managed IAM users (ledger.h). */
#include "ledger.h"

#include <stdio.h>
#include <string.h>
#include "clock.h"
#include "validate.h"

#define OWNER_PLAIN "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.=+@-"

/* Splits value into at most max space-separated words (copied into w, each < wlen).
 * Returns the number of words, or -1 when there are more, or one is empty or too long. */
static int split_words(const char *value, char w[][64], int max, size_t wlen)
{
	const char *p = value;
	int n = 0;

	while (*p) {
		size_t len = strcspn(p, " ");

		if (n == max || len == 0 || len >= wlen)
			return -1;
		memcpy(w[n], p, len);
		w[n++][len] = '\0';
		p += len;
		if (*p == ' ' && !*++p)
			return -1; /* a trailing space */
	}
	return n;
}

/* "<hostid> <time> <name>[ orphan]", or legacy "<name> <time>". */
static bool parse_entry(const struct iam_tag *t, struct ledger_entry *e)
{
	size_t plen = strlen(LEDGER_KEY_PREFIX);
	char w[4][64];
	int n;

	memset(e, 0, sizeof(*e));
	if (strncmp(t->key, LEDGER_KEY_PREFIX, plen) != 0 || !valid_access_key_id(t->key + plen))
		return false;
	n = split_words(t->value, w, 4, sizeof(w[0]));
	if (n == 2) {
		if (!hostid_valid_name(w[0]) || clock_parse_utc(w[1], &e->created))
			return false;
		snprintf(e->host_name, sizeof(e->host_name), "%s", w[0]);
	} else if (n == 3 || n == 4) {
		if (!hostid_valid_id(w[0]) || clock_parse_utc(w[1], &e->created) ||
		    !hostid_valid_name(w[2]) || (n == 4 && strcmp(w[3], LEDGER_ORPHAN_WORD) != 0))
			return false;
		snprintf(e->host_id, sizeof(e->host_id), "%.32s", w[0]);
		snprintf(e->host_name, sizeof(e->host_name), "%s", w[2]);
		e->orphan = n == 4;
	} else {
		return false;
	}
	snprintf(e->tag_key, sizeof(e->tag_key), "%s", t->key);
	snprintf(e->key_id, sizeof(e->key_id), "%s", t->key + plen);
	return true;
}

/* "<time>" (open) or "<time> <KEYID>" (closed); the host is the key's suffix. */
static void parse_mark(const struct iam_tag *t, struct ledger_mark *m)
{
	const char *host = t->key + strlen(LEDGER_PENDING_PREFIX);
	char w[2][64];
	int n;

	memset(m, 0, sizeof(*m));
	snprintf(m->tag_key, sizeof(m->tag_key), "%s", t->key);
	if (!hostid_valid_name(host)) /* a host ID passes as a name too */
		return;
	snprintf(m->host, sizeof(m->host), "%s", host);
	n = split_words(t->value, w, 2, sizeof(w[0]));
	if (n < 1 || clock_parse_utc(w[0], &m->at))
		return;
	if (n == 2) {
		if (!valid_access_key_id(w[1]))
			return;
		snprintf(m->closed_by, sizeof(m->closed_by), "%s", w[1]);
	}
	m->valid = true;
}

void ledger_read(const struct iam_tag *tags, size_t n, struct ledger *out)
{
	size_t i, plen = strlen(LEDGER_PENDING_PREFIX);

	out->n = 0;
	out->n_marks = 0;
	out->owner[0] = '\0';
	out->has_owner = false;
	for (i = 0; i < n && i < IAM_MAX_TAGS; i++) {
		const struct iam_tag *t = &tags[i];

		if (!strcmp(t->key, LEDGER_OWNER_KEY)) {
			out->has_owner = true;
			snprintf(out->owner, sizeof(out->owner), "%s", t->value);
		} else if (!strncmp(t->key, LEDGER_PENDING_PREFIX, plen)) {
			parse_mark(t, &out->m[out->n_marks++]);
		} else if (parse_entry(t, &out->e[out->n])) {
			out->n++;
		}
	}
}

const struct ledger_entry *ledger_find(const struct ledger *l, const char *key_id)
{
	size_t i;

	for (i = 0; key_id[0] && i < l->n; i++)
		if (strcmp(l->e[i].key_id, key_id) == 0)
			return &l->e[i];
	return NULL;
}

const struct ledger_mark *ledger_mark_of(const struct ledger *l, const char *host)
{
	size_t i;

	for (i = 0; i < l->n_marks; i++)
		if (l->m[i].valid && strcmp(l->m[i].host, host) == 0)
			return &l->m[i];
	return NULL;
}

pai_err ledger_owner_value(const char *login, char out[257])
{
	size_t o = 0;
	const unsigned char *p;

	for (p = (const unsigned char *)login; *p; p++) {
		if (o + 4 > 256)
			return PAI_ERR_INVALID;
		if (strchr(OWNER_PLAIN, *p))
			out[o++] = (char)*p;
		else
			o += (size_t)snprintf(out + o, 4, ":%02X", *p);
	}
	out[o] = '\0';
	return o ? PAI_OK : PAI_ERR_INVALID;
}

enum ledger_owner ledger_owner_of(const struct ledger *l, const char *login)
{
	char want[257];

	if (!l->has_owner)
		return LEDGER_OWNER_NONE;
	if (!strcmp(l->owner, LEDGER_OWNER_LEGACY))
		return LEDGER_OWNER_LEGACY_TAG;
	if (ledger_owner_value(login, want) == PAI_OK && !strcmp(l->owner, want))
		return LEDGER_OWNER_THIS;
	return LEDGER_OWNER_OTHER;
}

pai_err ledger_owner_tag(const char *login, struct iam_tag *out)
{
	snprintf(out->key, sizeof(out->key), "%s", LEDGER_OWNER_KEY);
	if (ledger_owner_value(login, out->value))
		return PAI_ERR_INVALID;
	return valid_tag_value(out->value) ? PAI_OK : PAI_ERR_INVALID;
}

pai_err ledger_make_tag(const char *key_id, const struct hostid *h, time_t created, bool orphan,
                        struct iam_tag *out)
{
	char when[32];
	int n;

	if (!valid_access_key_id(key_id) || !hostid_valid_id(h->id) || !hostid_valid_name(h->name))
		return PAI_ERR_INVALID;
	n = snprintf(out->key, sizeof(out->key), "%s%s", LEDGER_KEY_PREFIX, key_id);
	if (n < 0 || (size_t)n >= sizeof(out->key))
		return PAI_ERR_INVALID;
	clock_format_utc(created, when);
	snprintf(out->value, sizeof(out->value), "%s %s %s%s", h->id, when, h->name,
	         orphan ? " " LEDGER_ORPHAN_WORD : "");
	if (!valid_tag_key(out->key) || !valid_tag_value(out->value))
		return PAI_ERR_INVALID;
	return PAI_OK;
}

pai_err ledger_make_mark(const struct hostid *h, time_t t, const char *closed_by,
                         struct iam_tag *out)
{
	char when[32];
	int n;

	if (!hostid_valid_id(h->id) || (closed_by && !valid_access_key_id(closed_by)))
		return PAI_ERR_INVALID;
	n = snprintf(out->key, sizeof(out->key), "%s%s", LEDGER_PENDING_PREFIX, h->id);
	if (n < 0 || (size_t)n >= sizeof(out->key))
		return PAI_ERR_INVALID;
	clock_format_utc(t, when);
	snprintf(out->value, sizeof(out->value), "%s%s%s", when, closed_by ? " " : "",
	         closed_by ? closed_by : "");
	return valid_tag_key(out->key) && valid_tag_value(out->value) ? PAI_OK : PAI_ERR_INVALID;
}
