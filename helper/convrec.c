/* SPDX-License-Identifier: MIT */
/* convrec.c — the convergence record on a managed IAM user (convrec.h). */
#include "convrec.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "clock.h"
#include "ledger.h"
#include "sha256.h"
#include "validate.h"

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char kind_letter[CONVREC_KINDS] = {'g', 'p', 't'};
static const size_t kind_max[CONVREC_KINDS] = {CONVREC_MAX_GROUPS, CONVREC_MAX_POLICIES,
                                               CONVREC_MAX_TAGKEYS};

_Static_assert(1 + CONVREC_MAX_GROUPS * CONVREC_ID_LEN + 2 +
                       CONVREC_MAX_POLICIES * CONVREC_ID_LEN <=
                   256,
               "groups and policies fit in one tag value");
_Static_assert(1 + CONVREC_MAX_TAGKEYS * CONVREC_ID_LEN <= 256, "tag keys fit in one value");

void convrec_id(enum convrec_kind k, const char *name, char out[CONVREC_ID_LEN + 1])
{
	unsigned char d[SHA256_LEN];
	struct sha256 c;
	char prefix[2] = {kind_letter[k], ':'};
	size_t i;

	sha256_init(&c);
	sha256_update(&c, prefix, sizeof(prefix));
	for (i = 0; name[i]; i++) {
		unsigned char ch = (unsigned char)name[i];

		if (k != CONVREC_POLICY)
			ch = (unsigned char)tolower(
			    ch); /* IAM: group names and tag keys ignore case */
		sha256_update(&c, &ch, 1);
	}
	sha256_final(&c, d);
	/* 36 bits: six characters of six bits each */
	for (i = 0; i < CONVREC_ID_LEN; i++) {
		size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
		unsigned v = ((unsigned)d[byte] << 8 | d[byte + 1]) >> (10 - shift);

		out[i] = b64url[v & 63];
	}
	out[CONVREC_ID_LEN] = '\0';
}

static bool id_char(char c)
{
	return c && strchr(b64url, c) != NULL;
}

bool convrec_has_id(const struct convrec *r, enum convrec_kind k, const char *id)
{
	size_t i;

	for (i = 0; i < r->added[k].n; i++)
		if (!strcmp(r->added[k].id[i], id))
			return true;
	return false;
}

bool convrec_has(const struct convrec *r, enum convrec_kind k, const char *name)
{
	char id[CONVREC_ID_LEN + 1];

	convrec_id(k, name, id);
	return convrec_has_id(r, k, id);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(a, b);
}

void convrec_add_id(struct convrec *r, enum convrec_kind k, const char *id)
{
	struct convrec_ids *s = &r->added[k];

	if (convrec_has_id(r, k, id) || s->n >= kind_max[k])
		return;
	memcpy(s->id[s->n++], id, CONVREC_ID_LEN + 1);
	qsort(s->id, s->n, sizeof(s->id[0]), by_id);
}

void convrec_remove_id(struct convrec *r, enum convrec_kind k, const char *id)
{
	struct convrec_ids *s = &r->added[k];
	size_t i;

	for (i = 0; i < s->n; i++) {
		if (strcmp(s->id[i], id))
			continue;
		memmove(s->id[i], s->id[i + 1], (s->n - i - 1) * sizeof(s->id[0]));
		s->n--;
		return;
	}
}

/* One word "<letter><ids>" of a value: the ids of kind k, at most its bound, no repeats. */
static bool read_ids(const char *w, size_t len, enum convrec_kind k, struct convrec *r)
{
	size_t i, n;

	if (len < 1 || w[0] != kind_letter[k] || (len - 1) % CONVREC_ID_LEN)
		return false;
	n = (len - 1) / CONVREC_ID_LEN;
	if (n > kind_max[k])
		return false;
	for (i = 1; i < len; i++)
		if (!id_char(w[i]))
			return false;
	for (i = 0; i < n; i++) {
		char id[CONVREC_ID_LEN + 1];

		memcpy(id, w + 1 + i * CONVREC_ID_LEN, CONVREC_ID_LEN);
		id[CONVREC_ID_LEN] = '\0';
		if (convrec_has_id(r, k, id))
			return false;
		convrec_add_id(r, k, id);
	}
	return true;
}

/* The value of CONVREC_ADDED_TAG ("g<ids> p<ids>") or CONVREC_ADDED_TAGS ("t<ids>"). */
static void read_added(const char *v, bool tagkeys, struct convrec *r)
{
	const char *sp = strchr(v, ' ');
	bool ok;

	if (tagkeys) {
		ok = !sp && read_ids(v, strlen(v), CONVREC_TAGKEY, r);
		if (!ok)
			r->added[CONVREC_TAGKEY].n = 0;
	} else {
		ok = sp && !strchr(sp + 1, ' ') &&
		     read_ids(v, (size_t)(sp - v), CONVREC_GROUP, r) &&
		     read_ids(sp + 1, strlen(sp + 1), CONVREC_POLICY, r);
		if (!ok)
			r->added[CONVREC_GROUP].n = r->added[CONVREC_POLICY].n = 0;
	}
	if (!ok)
		r->malformed = true;
}

static bool read_generation(const char *w, unsigned long *out)
{
	char *end;

	if (!w[0] || strlen(w) > 10 || (w[0] == '0' && w[1]) || w[0] < '0' || w[0] > '9')
		return false;
	*out = strtoul(w, &end, 10);
	return !*end && *out <= CONVREC_MAX_GEN;
}

static bool read_digest(const char *w)
{
	size_t i;

	if (!strcmp(w, CONVREC_UNFINISHED))
		return true;
	for (i = 0; w[i]; i++)
		if (!id_char(w[i]))
			return false;
	return i == CONVREC_DIGEST_LEN;
}

/* "<generation> <digest> <hostid> <time> <host>", single spaces. */
static bool read_converged(const char *v, struct convrec *r)
{
	char w[5][64];
	const char *p = v;
	size_t n = 0;

	for (;;) {
		size_t len = strcspn(p, " ");

		if (n == 5 || len == 0 || len >= sizeof(w[0]))
			return false;
		memcpy(w[n], p, len);
		w[n++][len] = '\0';
		p += len;
		if (!*p)
			break;
		p++; /* the one space between words */
	}
	if (n != 5)
		return false;
	if (!read_generation(w[0], &r->generation) || !read_digest(w[1]) ||
	    !hostid_valid_id(w[2]) || clock_parse_utc(w[3], &r->at) || !hostid_valid_name(w[4]))
		return false;
	snprintf(r->digest, sizeof(r->digest), "%.12s", w[1]);
	snprintf(r->host_id, sizeof(r->host_id), "%.32s", w[2]);
	snprintf(r->host_name, sizeof(r->host_name), "%s", w[4]);
	return true;
}

void convrec_read(const struct iam_tag *tags, size_t n, struct convrec *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n && i < IAM_MAX_TAGS; i++) {
		const struct iam_tag *t = &tags[i];

		if (!strcmp(t->key, CONVREC_TAG)) {
			out->present = read_converged(t->value, out);
			if (!out->present) {
				out->generation = 0;
				out->digest[0] = out->host_id[0] = out->host_name[0] = '\0';
				out->at = 0;
				out->malformed = true;
			}
		} else if (!strcmp(t->key, CONVREC_ADDED_TAG)) {
			read_added(t->value, false, out);
		} else if (!strcmp(t->key, CONVREC_ADDED_TAGS)) {
			read_added(t->value, true, out);
		}
	}
}

static void put_ids(char *out, size_t len, const struct convrec *r, enum convrec_kind k)
{
	size_t i, o = strlen(out);

	if (o + 1 < len)
		out[o++] = kind_letter[k];
	for (i = 0; i < r->added[k].n && o + CONVREC_ID_LEN < len; i++, o += CONVREC_ID_LEN)
		memcpy(out + o, r->added[k].id[i], CONVREC_ID_LEN);
	out[o] = '\0';
}

pai_err convrec_make_tags(const struct convrec *r, struct iam_tag out[CONVREC_TAGS])
{
	char when[32];
	size_t i;

	if (!r->present || !hostid_valid_id(r->host_id) || !hostid_valid_name(r->host_name) ||
	    !read_digest(r->digest) || r->generation > CONVREC_MAX_GEN)
		return PAI_ERR_INVALID;
	memset(out, 0, CONVREC_TAGS * sizeof(out[0]));
	clock_format_utc(r->at, when);
	snprintf(out[0].key, sizeof(out[0].key), "%s", CONVREC_TAG);
	snprintf(out[0].value, sizeof(out[0].value), "%lu %s %s %s %s", r->generation, r->digest,
	         r->host_id, when, r->host_name);
	snprintf(out[1].key, sizeof(out[1].key), "%s", CONVREC_ADDED_TAG);
	put_ids(out[1].value, sizeof(out[1].value), r, CONVREC_GROUP);
	strcat(out[1].value, " ");
	put_ids(out[1].value, sizeof(out[1].value), r, CONVREC_POLICY);
	snprintf(out[2].key, sizeof(out[2].key), "%s", CONVREC_ADDED_TAGS);
	put_ids(out[2].value, sizeof(out[2].value), r, CONVREC_TAGKEY);
	for (i = 0; i < CONVREC_TAGS; i++)
		if (!valid_tag_key(out[i].key) || !valid_tag_value(out[i].value))
			return PAI_ERR_INVALID;
	return PAI_OK;
}

bool convrec_same(const struct convrec *a, const struct convrec *b)
{
	return a->present == b->present && a->generation == b->generation &&
	       !strcmp(a->digest, b->digest) && !strcmp(a->host_id, b->host_id) &&
	       convrec_same_ids(a, b);
}

bool convrec_same_ids(const struct convrec *a, const struct convrec *b)
{
	int k;
	size_t i;

	for (k = 0; k < CONVREC_KINDS; k++) {
		if (a->added[k].n != b->added[k].n)
			return false;
		for (i = 0; i < a->added[k].n; i++)
			if (!convrec_has_id(b, (enum convrec_kind)k, a->added[k].id[i]))
				return false;
	}
	return true;
}

bool convrec_is_tool_tag(const char *key)
{
	return strncasecmp(key, "pam-aws-iam:", 12) == 0;
}
