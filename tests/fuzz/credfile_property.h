/* SPDX-License-Identifier: MIT */
/* credfile_property.h — the rewrite property of credfile, shared by the fuzz target and the
 * unit test. It sees each line's parse through credfile_lines.h (built with -DPAI_UNITTESTS).
 * credfile_property() sets kvs in profile of a copy of data and returns NULL when:
 *   - data does not parse (nothing to check), or set_profile refused and left it unchanged; or
 *   - every line outside the managed keys' lines of that profile is kept, byte for byte and in
 *     order (a former last line may gain a line ending; a new profile adds its blank line and
 *     header at the end), and the output parses to the same profiles with only those keys set.
 * Otherwise it returns what broke. */
#ifndef CREDFILE_PROPERTY_H
#define CREDFILE_PROPERTY_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "credfile_lines.h"

static bool prop_managed(const struct credfile *cf, size_t i, uint32_t target,
                         const struct credfile_kv *kvs, size_t n)
{
	const struct cf_line *l = &cf->lines[i];

	if (target == NO_SECT || (l->type != L_KEY && l->type != L_CONT) || l->sect != target)
		return false;
	return kv_index(cf, &cf->lines[l->owner], kvs, n) >= 0;
}

/* Indices of the kept lines. */
static size_t prop_filter(const struct credfile *cf, uint32_t target, const struct credfile_kv *kvs,
                          size_t n, size_t first_added, size_t *keep)
{
	size_t i, k = 0;
	const struct cf_line *l;

	for (i = 0; i < cf->nlines; i++) {
		l = &cf->lines[i];
		if (prop_managed(cf, i, target, kvs, n))
			continue;
		if (i >= first_added && (l->type == L_BLANK || l->type == L_SECTION))
			continue; /* the separator and header of a profile we added */
		keep[k++] = i;
	}
	return k;
}

/* Every (profile, key) of a's effective sections has the same value in b, except managed keys
 * of profile. */
static const char *prop_same_profiles(const struct credfile *a, const struct credfile *b,
                                      const char *profile, const struct credfile_kv *kvs, size_t n,
                                      char *va, char *vb, size_t vlen)
{
	size_t i;
	const struct cf_line *l;
	const struct cf_section *s;
	char key[CREDFILE_MAX_LINE + 1];
	pai_err ea, eb;

	for (i = 0; i < a->nlines; i++) {
		l = &a->lines[i];
		if (l->type != L_KEY)
			continue;
		s = &a->sects[l->sect];
		if (!s->is_profile || profile_section(a, s->profile) != l->sect)
			continue;
		if (!strcmp(s->profile, profile) && kv_index(a, l, kvs, n) >= 0)
			continue;
		memcpy(key, a->data + l->key_off, l->key_len);
		key[l->key_len] = '\0';
		ea = credfile_get(a, s->profile, key, va, vlen);
		eb = credfile_get(b, s->profile, key, vb, vlen);
		if (ea != eb || (!ea && strcmp(va, vb)))
			return "a value outside the managed keys changed";
	}
	return NULL;
}

static const char *credfile_property(const char *data, size_t len, enum credfile_kind kind,
                                     const char *profile, const struct credfile_kv *kvs, size_t n)
{
	struct credfile *old = NULL, *cf = NULL, *neu = NULL;
	struct buf out;
	size_t *ko = NULL, *kn = NULL, no, nn, i, first_added, vlen;
	uint32_t told, tnew;
	const char *why = NULL;
	char *va = NULL, *vb = NULL;
	const struct cf_line *a, *b;
	pai_err e;

	buf_init(&out, CREDFILE_MAX_SIZE);
	if (credfile_parse(data, len, kind, &old, NULL, 0) != PAI_OK)
		goto out;
	if (credfile_parse(data, len, kind, &cf, NULL, 0) != PAI_OK) {
		why = "a second parse of the same bytes failed";
		goto out;
	}
	e = credfile_set_profile(cf, profile, kvs, n);
	if (credfile_serialize(cf, &out) != PAI_OK) {
		why = "serialize failed";
		goto out;
	}
	if (e) {
		if (out.len != len || (len && memcmp(out.data, data, len)))
			why = "a refused edit changed the file";
		goto out;
	}
	if (credfile_parse(out.data ? out.data : "", out.len, kind, &neu, NULL, 0) != PAI_OK) {
		why = "the rewritten file does not parse";
		goto out;
	}
	told = profile_section(old, profile);
	tnew = profile_section(neu, profile);
	if (tnew == NO_SECT) {
		why = "the profile is missing after the edit";
		goto out;
	}
	first_added = told == NO_SECT ? old->nlines : SIZE_MAX;
	ko = calloc(old->nlines + 1, sizeof(*ko));
	kn = calloc(neu->nlines + 1, sizeof(*kn));
	vlen = out.len > len ? out.len + 1 : len + 1; /* no value is longer than its file */
	va = malloc(vlen);
	vb = malloc(vlen);
	if (!ko || !kn || !va || !vb)
		goto out;
	no = prop_filter(old, told, kvs, n, SIZE_MAX, ko);
	nn = prop_filter(neu, tnew, kvs, n, first_added, kn);
	if (no != nn) {
		why = "lines outside the managed keys were added or removed";
		goto out;
	}
	for (i = 0; i < no; i++) {
		a = &old->lines[ko[i]];
		b = &neu->lines[kn[i]];
		if (a->len != b->len || memcmp(old->data + a->off, neu->data + b->off, a->len)) {
			why = "a line outside the managed keys changed";
			goto out;
		}
		if (a->eol != b->eol && !(a->eol == EOL_NONE && ko[i] == old->nlines - 1)) {
			why = "a line ending changed";
			goto out;
		}
	}
	why = prop_same_profiles(old, neu, profile, kvs, n, va, vb, vlen);
	if (!why)
		why = prop_same_profiles(neu, old, profile, kvs, n, va, vb, vlen);
	for (i = 0; !why && i < n; i++) {
		e = credfile_get(neu, profile, kvs[i].key, va, vlen);
		if (kvs[i].value ? (e || strcmp(va, kvs[i].value)) : e != PAI_ERR_NOT_FOUND)
			why = "a managed key does not hold what was set";
	}
out:
	free(ko);
	free(kn);
	free(va);
	free(vb);
	buf_free(&out);
	credfile_free(old);
	credfile_free(cf);
	credfile_free(neu);
	return why;
}

#endif
