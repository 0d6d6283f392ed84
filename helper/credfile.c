/* SPDX-License-Identifier: MIT */
/* credfile.c — AWS shared credentials/config files, parsed and rewritten byte for byte.
 *
 * The parser mirrors Python 3's configparser._read as botocore runs it (RawConfigParser,
 * strict, '#' and ';' full-line comments, '=' or ':' delimiters, empty lines kept in values,
 * universal newlines, Unicode whitespace), so that "the profile this file holds" means the
 * same here as for the AWS CLI. Each line keeps its bytes and its line ending; an edit builds
 * the new text, parses it again and checks the result before it replaces the old one. */
#include "credfile.h"
#include "credfile_lines.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include "validate.h"

static const char *const eol_text[] = {"", "\n", "\r\n", "\r"};
static const size_t eol_len[] = {0, 1, 2, 1};

/* Length of the UTF-8 sequence at p if it is well formed (as Python's strict decoder
 * accepts it), else 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	uint32_t c;
	size_t k, i;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		k = 2, c = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		k = 3, c = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		k = 4, c = p[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((k == 3 && c < 0x800) || (k == 4 && (c < 0x10000 || c > 0x10ffff)) ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return k;
}

/* Bytes of the Python whitespace character (str.isspace) at p, else 0. Line breaks never
 * reach here: lines are split first. */
static size_t ws_len(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!n)
		return 0;
	if (p[0] == ' ' || p[0] == '\t' || p[0] == 0x0b || p[0] == 0x0c ||
	    (p[0] >= 0x1c && p[0] <= 0x1f))
		return 1;
	if (n >= 2 && p[0] == 0xc2 && (p[1] == 0x85 || p[1] == 0xa0))
		return 2;
	if (n >= 3 && p[0] == 0xe1 && p[1] == 0x9a && p[2] == 0x80)
		return 3; /* U+1680 */
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x80 &&
	    (p[2] <= 0x8a || p[2] == 0xa8 || p[2] == 0xa9 || p[2] == 0xaf) && p[2] >= 0x80)
		return 3; /* U+2000-200A, U+2028, U+2029, U+202F */
	if (n >= 3 && p[0] == 0xe2 && p[1] == 0x81 && p[2] == 0x9f)
		return 3; /* U+205F */
	if (n >= 3 && p[0] == 0xe3 && p[1] == 0x80 && p[2] == 0x80)
		return 3; /* U+3000 */
	return 0;
}

/* Trailing whitespace: walks back over whole characters (the text is valid UTF-8). */
static size_t rstrip_len(const char *s, size_t n)
{
	size_t i;

	while (n) {
		size_t back = 0;

		for (i = 1; i <= 3 && i <= n; i++) {
			if (ws_len(s + n - i, i) == i) {
				back = i;
				break;
			}
		}
		if (!back)
			break;
		n -= back;
	}
	return n;
}

/* Leading whitespace: bytes and characters (configparser compares indents in characters). */
static size_t lstrip(const char *s, size_t n, size_t *chars)
{
	size_t i = 0, w;

	*chars = 0;
	while (i < n && (w = ws_len(s + i, n - i)) != 0) {
		i += w;
		(*chars)++;
	}
	return i;
}

static int ascii_casecmp_n(const char *a, size_t an, const char *b, size_t bn)
{
	size_t i;

	if (an != bn)
		return 1;
	for (i = 0; i < an; i++) {
		unsigned char ca = (unsigned char)a[i];
		unsigned char cb = (unsigned char)b[i];

		if (ca >= 'A' && ca <= 'Z')
			ca += 32;
		if (cb >= 'A' && cb <= 'Z')
			cb += 32;
		if (ca != cb)
			return 1;
	}
	return 0;
}

/* A printable rendering of file text for messages: at most 40 bytes, others as '?'. */
static const char *shown(const char *s, size_t n, char out[48])
{
	size_t i, k = 0;

	for (i = 0; i < n && k < 40; i++)
		out[k++] = (s[i] >= 0x20 && s[i] < 0x7f) ? s[i] : '?';
	if (i < n) {
		memcpy(out + k, "...", 3);
		k += 3;
	}
	out[k] = '\0';
	return out;
}

/* shlex.split(name) in POSIX mode as botocore applies it to "profile NAME" headers: exactly
 * two words makes a profile named by the second. Returns false when it is not a profile. */
static bool config_profile_name(const char *s, size_t n, char *out, size_t outlen)
{
	char word[CREDFILE_MAX_PROFILE + 1];
	size_t i = 0, nwords = 0;
	char q;

	if (n < 7 || memcmp(s, "profile", 7) != 0)
		return false;
	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (i >= n)
			break;
		size_t wl = 0;
		bool in_word = true;

		while (i < n && in_word) {
			if (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n') {
				in_word = false;
				continue;
			}
			if (s[i] == '\'' || s[i] == '"') {
				q = s[i++];
				while (i < n && s[i] != q) {
					if (q == '"' && s[i] == '\\' && i + 1 < n &&
					    (s[i + 1] == '"' || s[i + 1] == '\\'))
						i++;
					if (wl >= sizeof(word) - 1)
						return false;
					word[wl++] = s[i++];
				}
				if (i >= n)
					return false; /* no closing quotation */
				i++;
				continue;
			}
			if (s[i] == '\\') {
				if (++i >= n)
					return false; /* no escaped character */
			}
			if (wl >= sizeof(word) - 1)
				return false;
			word[wl++] = s[i++];
		}
		word[wl] = '\0';
		if (++nwords == 2) {
			if (wl + 1 > outlen)
				return false;
			memcpy(out, word, wl + 1);
		}
	}
	secret_wipe(word, sizeof(word));
	return nwords == 2;
}

static void cf_release(struct credfile *cf)
{
	if (cf->data) {
		secret_wipe(cf->data, cf->len);
		free(cf->data);
	}
	if (cf->lines) {
		secret_wipe(cf->lines, cf->nlines * sizeof(*cf->lines));
		free(cf->lines);
	}
	if (cf->sects) {
		secret_wipe(cf->sects, cf->nsects * sizeof(*cf->sects));
		free(cf->sects);
	}
	cf->data = NULL;
	cf->lines = NULL;
	cf->sects = NULL;
	cf->len = cf->nlines = cf->nsects = 0;
	cf->ndefault_keys = 0;
}

void credfile_free(struct credfile *cf)
{
	if (!cf)
		return;
	cf_release(cf);
	free(cf);
}

/* Splits data into lines at LF, CRLF or a lone CR (Python's universal newlines), checking
 * bytes: no NUL, valid UTF-8, bounded line length and count. */
static pai_err split_lines(struct credfile *cf, char *err, size_t errlen)
{
	size_t i = 0, cap = 0, k;
	struct cf_line *l, *nl;

	while (i < cf->len) {
		size_t start = i;

		while (i < cf->len && cf->data[i] != '\n' && cf->data[i] != '\r') {
			if (cf->data[i] == '\0') {
				pai_seterr(err, errlen, "line %zu: NUL byte", cf->nlines + 1);
				return PAI_ERR_INVALID;
			}
			k = utf8_len((const unsigned char *)cf->data + i, cf->len - i);
			if (!k) {
				pai_seterr(err, errlen, "line %zu: not valid UTF-8",
				           cf->nlines + 1);
				return PAI_ERR_INVALID;
			}
			i += k;
		}
		if (i - start > CREDFILE_MAX_LINE) {
			pai_seterr(err, errlen, "line %zu: longer than %u bytes", cf->nlines + 1,
			           CREDFILE_MAX_LINE);
			return PAI_ERR_TOOBIG;
		}
		if (cf->nlines >= CF_MAX_LINES) {
			pai_seterr(err, errlen, "more than %u lines", CF_MAX_LINES);
			return PAI_ERR_TOOBIG;
		}
		if (cf->nlines == cap) {
			cap = cap ? cap * 2 : 64;
			nl = realloc(cf->lines, cap * sizeof(*nl));
			if (!nl)
				return PAI_ERR_NOMEM;
			cf->lines = nl;
		}
		l = &cf->lines[cf->nlines++];
		memset(l, 0, sizeof(*l));
		l->off = start;
		l->len = i - start;
		l->sect = NO_SECT;
		l->owner = l->vend = NO_LINE;
		if (i < cf->len && cf->data[i] == '\r' && i + 1 < cf->len &&
		    cf->data[i + 1] == '\n')
			l->eol = EOL_CRLF, i += 2;
		else if (i < cf->len && cf->data[i] == '\r')
			l->eol = EOL_CR, i += 1;
		else if (i < cf->len)
			l->eol = EOL_LF, i += 1;
		else
			l->eol = EOL_NONE;
	}
	return PAI_OK;
}

static pai_err add_section(struct credfile *cf, size_t lineno, size_t name_off, size_t name_len,
                           char *err, size_t errlen)
{
	const char *name = cf->data + name_off;
	struct cf_section *s, *ns;
	size_t j;
	char sh[48];
	bool defaults = name_len == 7 && memcmp(name, "DEFAULT", 7) == 0;

	for (j = 0; j < cf->nsects && !defaults; j++) {
		if (cf->sects[j].name_len == name_len &&
		    memcmp(cf->data + cf->sects[j].name_off, name, name_len) == 0) {
			pai_seterr(err, errlen,
			           "line %zu: section [%s] given twice (first on line %u)",
			           lineno + 1, shown(name, name_len, sh), cf->sects[j].line + 1);
			return PAI_ERR_INVALID;
		}
	}
	if (cf->nsects >= CREDFILE_MAX_SECTIONS) {
		pai_seterr(err, errlen, "line %zu: more than %u sections", lineno + 1,
		           CREDFILE_MAX_SECTIONS);
		return PAI_ERR_TOOBIG;
	}
	ns = realloc(cf->sects, (cf->nsects + 1) * sizeof(*ns));
	if (!ns)
		return PAI_ERR_NOMEM;
	cf->sects = ns;
	s = &cf->sects[cf->nsects++];
	memset(s, 0, sizeof(*s));
	s->name_off = name_off;
	s->name_len = name_len;
	s->line = (uint32_t)lineno;
	s->is_defaults = defaults;
	if (defaults)
		return PAI_OK;
	if (cf->kind == CREDFILE_CREDENTIALS) {
		if (name_len <= CREDFILE_MAX_PROFILE) {
			memcpy(s->profile, name, name_len);
			s->profile[name_len] = '\0';
			s->is_profile = true;
		}
	} else if (name_len == 7 && memcmp(name, "default", 7) == 0) {
		memcpy(s->profile, "default", 8);
		s->is_profile = true;
	} else {
		s->is_profile = config_profile_name(name, name_len, s->profile, sizeof(s->profile));
	}
	return PAI_OK;
}

/* Whether an earlier key line of the same section (DEFAULT sections count as one) has the
 * same name, compared as configparser's optionxform (lower case) does for ASCII. */
static uint32_t find_dup_key(const struct credfile *cf, size_t upto, const struct cf_line *k)
{
	size_t i;
	bool kdef = cf->sects[k->sect].is_defaults;

	/* A section's lines follow its header; only [DEFAULT] may be spread over the file. */
	for (i = kdef ? 0 : cf->sects[k->sect].line; i < upto; i++) {
		const struct cf_line *o = &cf->lines[i];

		if (o->type != L_KEY)
			continue;
		if (o->sect != k->sect && !(kdef && cf->sects[o->sect].is_defaults))
			continue;
		if (!ascii_casecmp_n(cf->data + o->key_off, o->key_len, cf->data + k->key_off,
		                     k->key_len))
			return (uint32_t)i;
	}
	return NO_LINE;
}

/* A key line: option up to the first '=' or ':', both sides stripped. */
static pai_err parse_key(struct credfile *cf, size_t i, size_t voff, size_t vlen, char *err,
                         size_t errlen)
{
	struct cf_line *l = &cf->lines[i];
	const char *v = cf->data + voff;
	size_t d, klen, c, dup;

	for (d = 0; d < vlen && v[d] != '=' && v[d] != ':'; d++)
		;
	if (d == vlen) {
		pai_seterr(err, errlen, "line %zu: neither a section, a key = value nor a comment",
		           i + 1);
		return PAI_ERR_INVALID;
	}
	klen = rstrip_len(v, d);
	if (klen == 0) {
		pai_seterr(err, errlen, "line %zu: key name missing before '%c'", i + 1, v[d]);
		return PAI_ERR_INVALID;
	}
	l->type = L_KEY;
	l->owner = l->vend = (uint32_t)i;
	l->key_off = voff;
	l->key_len = klen;
	d++;
	d += lstrip(v + d, vlen - d, &c);
	l->val_off = voff + d;
	l->val_len = vlen - d; /* vlen is already stripped on the right */
	if (++*(cf->sects[l->sect].is_defaults ? &cf->ndefault_keys : &cf->sects[l->sect].nkeys) >
	    CREDFILE_MAX_KEYS) {
		pai_seterr(err, errlen, "line %zu: more than %u keys in one section", i + 1,
		           CREDFILE_MAX_KEYS);
		return PAI_ERR_TOOBIG;
	}
	dup = find_dup_key(cf, i, l);
	if (dup != NO_LINE) {
		const struct cf_section *s = &cf->sects[l->sect];
		char sh[48], ss[48];

		pai_seterr(err, errlen,
		           "line %zu: key '%s' given twice in [%s] (first on line %zu)", i + 1,
		           shown(v, klen, sh), shown(cf->data + s->name_off, s->name_len, ss),
		           dup + 1);
		return PAI_ERR_INVALID;
	}
	return PAI_OK;
}

/* configparser._read, line by line. */
static pai_err classify(struct credfile *cf, char *err, size_t errlen)
{
	size_t i, chars, indent_level = 0, hdr_end;
	uint32_t cursect = NO_SECT, optline = NO_LINE;
	pai_err e;

	for (i = 0; i < cf->nlines; i++) {
		struct cf_line *l = &cf->lines[i];
		const char *t = cf->data + l->off;
		size_t lead = lstrip(t, l->len, &chars);
		size_t vlen = rstrip_len(t + lead, l->len - lead);

		l->indent_bytes = lead;
		l->sect = cursect;
		if (vlen && (t[lead] == '#' || t[lead] == ';')) {
			l->type = L_COMMENT;
			continue;
		}
		if (!vlen) {
			l->type = L_BLANK;
			if (cursect != NO_SECT && optline != NO_LINE) {
				l->in_value = 1;
				l->owner = optline;
			}
			continue;
		}
		if (cursect != NO_SECT && optline != NO_LINE && chars > indent_level) {
			l->type = L_CONT;
			l->owner = optline;
			l->val_off = l->off + lead;
			l->val_len = vlen;
			cf->lines[optline].vend = (uint32_t)i;
			continue;
		}
		indent_level = chars;
		if (t[lead] == '[') {
			for (hdr_end = vlen; hdr_end > 1 && t[lead + hdr_end - 1] != ']'; hdr_end--)
				;
			if (hdr_end > 2) {
				e = add_section(cf, i, l->off + lead + 1, hdr_end - 2, err, errlen);
				if (e)
					return e;
				cursect = (uint32_t)(cf->nsects - 1);
				l->type = L_SECTION;
				l->sect = cursect;
				optline = NO_LINE;
				continue;
			}
		}
		if (cursect == NO_SECT) {
			pai_seterr(err, errlen, "line %zu: text before the first [section]", i + 1);
			return PAI_ERR_INVALID;
		}
		e = parse_key(cf, i, l->off + lead, vlen, err, errlen);
		if (e)
			return e;
		optline = (uint32_t)i;
	}
	return PAI_OK;
}

static pai_err cf_parse_into(struct credfile *cf, const char *data, size_t len, char *err,
                             size_t errlen)
{
	pai_err e;

	if (len > CREDFILE_MAX_SIZE) {
		pai_seterr(err, errlen, "larger than %u bytes", CREDFILE_MAX_SIZE);
		return PAI_ERR_TOOBIG;
	}
	cf->data = malloc(len + 1);
	if (!cf->data)
		return PAI_ERR_NOMEM;
	if (len)
		memcpy(cf->data, data, len);
	cf->data[len] = '\0';
	cf->len = len;
	e = split_lines(cf, err, errlen);
	if (!e)
		e = classify(cf, err, errlen);
	return e;
}

pai_err credfile_parse(const char *data, size_t len, enum credfile_kind kind, struct credfile **out,
                       char *err, size_t errlen)
{
	struct credfile *cf;
	pai_err e;

	*out = NULL;
	if (!data && len)
		return PAI_ERR_INVALID;
	cf = calloc(1, sizeof(*cf));
	if (!cf)
		return PAI_ERR_NOMEM;
	cf->kind = kind;
	e = cf_parse_into(cf, data ? data : "", len, err, errlen);
	if (e) {
		credfile_free(cf);
		return e;
	}
	*out = cf;
	return PAI_OK;
}

pai_err credfile_new(enum credfile_kind kind, struct credfile **out)
{
	return credfile_parse("", 0, kind, out, NULL, 0);
}

UNITTEST uint32_t profile_section(const struct credfile *cf, const char *profile)
{
	size_t j;
	uint32_t found = NO_SECT;

	for (j = 0; j < cf->nsects; j++)
		if (cf->sects[j].is_profile && strcmp(cf->sects[j].profile, profile) == 0)
			found = (uint32_t)j;
	return found;
}

bool credfile_has_profile(const struct credfile *cf, const char *profile)
{
	return profile_section(cf, profile) != NO_SECT;
}

/* The key line of key in section s, or in a [DEFAULT] section when s lacks it. */
static uint32_t find_key(const struct credfile *cf, uint32_t s, const char *key, bool defaults)
{
	size_t i, kl = strlen(key);
	uint32_t dflt = NO_LINE;

	for (i = 0; i < cf->nlines; i++) {
		const struct cf_line *l = &cf->lines[i];

		if (l->type != L_KEY || ascii_casecmp_n(cf->data + l->key_off, l->key_len, key, kl))
			continue;
		if (l->sect == s)
			return (uint32_t)i;
		if (defaults && cf->sects[l->sect].is_defaults)
			dflt = (uint32_t)i;
	}
	return dflt;
}

/* The value as configparser joins it: lines with '\n', then right-stripped. */
static pai_err key_value(const struct credfile *cf, uint32_t k, struct buf *b)
{
	const struct cf_line *l = &cf->lines[k];
	size_t i, n;
	pai_err e;

	e = buf_append(b, cf->data + l->val_off, l->val_len);
	for (i = k + 1; !e && i <= l->vend; i++) {
		if (cf->lines[i].type == L_CONT) {
			e = buf_append(b, "\n", 1);
			if (!e)
				e = buf_append(b, cf->data + cf->lines[i].val_off,
				               cf->lines[i].val_len);
		} else if (cf->lines[i].type == L_BLANK && cf->lines[i].in_value) {
			e = buf_append(b, "\n", 1);
		}
	}
	if (e)
		return e;
	n = b->len;
	while (n && b->data[n - 1] == '\n')
		n--;
	b->len = n;
	b->data[n] = '\0';
	return PAI_OK;
}

pai_err credfile_get(const struct credfile *cf, const char *profile, const char *key, char *out,
                     size_t outlen)
{
	uint32_t s, k;
	struct buf b;
	pai_err e;

	if (!cf || !profile || !key || !out || !outlen)
		return PAI_ERR_INVALID;
	out[0] = '\0';
	s = profile_section(cf, profile);
	if (s == NO_SECT)
		return PAI_ERR_NOT_FOUND;
	k = find_key(cf, s, key, true);
	if (k == NO_LINE)
		return PAI_ERR_NOT_FOUND;
	buf_init(&b, CREDFILE_MAX_SIZE);
	e = key_value(cf, k, &b);
	if (!e && b.len + 1 > outlen)
		e = PAI_ERR_TOOBIG;
	if (!e)
		memcpy(out, b.data ? b.data : "", b.len + 1);
	buf_free(&b);
	return e;
}

static pai_err get_dup(const struct credfile *cf, const char *profile, const char *key, char **out)
{
	char *v;
	pai_err e;

	v = malloc(CREDFILE_MAX_VALUE + 1);
	if (!v)
		return PAI_ERR_NOMEM;
	e = credfile_get(cf, profile, key, v, CREDFILE_MAX_VALUE + 1);
	if (e) {
		secret_wipe(v, CREDFILE_MAX_VALUE + 1);
		free(v);
		return e == PAI_ERR_TOOBIG ? PAI_ERR_INVALID : e;
	}
	*out = v;
	return PAI_OK;
}

pai_err credfile_get_creds(const struct credfile *cf, const char *profile, struct aws_creds *c)
{
	pai_err e;

	memset(c, 0, sizeof(*c));
	e = get_dup(cf, profile, "aws_access_key_id", &c->access_key_id);
	if (!e)
		e = get_dup(cf, profile, "aws_secret_access_key", &c->secret_access_key);
	if (!e) {
		e = get_dup(cf, profile, "aws_session_token", &c->session_token);
		if (e == PAI_ERR_NOT_FOUND)
			e = PAI_OK;
	}
	if (!e &&
	    (!valid_access_key_id(c->access_key_id) || !valid_secret_key(c->secret_access_key) ||
	     (c->session_token && !c->session_token[0])))
		e = PAI_ERR_INVALID;
	if (e)
		aws_creds_wipe(c);
	return e;
}

pai_err credfile_serialize(const struct credfile *cf, struct buf *out)
{
	size_t i;
	pai_err e = PAI_OK;

	for (i = 0; !e && i < cf->nlines; i++) {
		const struct cf_line *l = &cf->lines[i];

		e = buf_append(out, cf->data + l->off, l->len);
		if (!e)
			e = buf_append(out, eol_text[l->eol], eol_len[l->eol]);
	}
	return e;
}

/* Names we write: a profile goes inside [..] or [profile ..] and through shlex, a key
 * before '='. Conservative sets keep both parsers of the file agreeing. */
static bool valid_profile_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CREDFILE_MAX_PROFILE || strcmp(s, "DEFAULT") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("_-.+=,@/", s[i])))
			return false;
	return true;
}

static bool valid_key_name(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > CREDFILE_MAX_KEY)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-' || s[i] == '.'))
			return false;
	return true;
}

/* Printable ASCII, no leading or trailing blank (configparser would strip it). */
static bool valid_value(const char *s)
{
	size_t i, n = strlen(s);

	if (n > CREDFILE_MAX_VALUE)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < 0x20 || s[i] > 0x7e)
			return false;
	return n == 0 || (s[0] != ' ' && s[n - 1] != ' ');
}

static enum eol_kind dominant_eol(const struct credfile *cf)
{
	size_t i, count[4] = {0, 0, 0, 0};

	for (i = 0; i < cf->nlines; i++)
		count[cf->lines[i].eol]++;
	if (count[EOL_CRLF] > count[EOL_LF] && count[EOL_CRLF] >= count[EOL_CR])
		return EOL_CRLF;
	if (count[EOL_CR] > count[EOL_LF] && count[EOL_CR] > count[EOL_CRLF])
		return EOL_CR;
	return EOL_LF;
}

UNITTEST ssize_t kv_index(const struct credfile *cf, const struct cf_line *l,
                          const struct credfile_kv *kvs, size_t n)
{
	size_t j;

	for (j = 0; j < n; j++)
		if (!ascii_casecmp_n(cf->data + l->key_off, l->key_len, kvs[j].key,
		                     strlen(kvs[j].key)))
			return (ssize_t)j;
	return -1;
}

/* Appends "key<sep>value" for a new key line, in the style of the model key line (NULL: no
 * key in the section yet, "key = value"). */
static pai_err emit_new_key(const struct credfile *cf, const struct cf_line *model,
                            const struct credfile_kv *kv, struct buf *b)
{
	const char *t;
	size_t kend, d;
	pai_err e;

	if (!model) {
		e = buf_append_str(b, kv->key);
		if (!e)
			e = buf_append_str(b, " = ");
		if (!e)
			e = buf_append_str(b, kv->value);
		return e;
	}
	t = cf->data + model->off;
	kend = model->key_off + model->key_len - model->off;
	for (d = kend; t[d] != '=' && t[d] != ':'; d++)
		;
	e = buf_append(b, t, model->indent_bytes);
	if (!e)
		e = buf_append_str(b, kv->key);
	if (model->val_len) {
		if (!e)
			e = buf_append(b, t + kend, model->val_off - model->off - kend);
	} else {
		if (!e)
			e = buf_append(b, t + kend, d + 1 - kend);
		if (!e && d > kend)
			e = buf_append(b, " ", 1);
	}
	if (!e)
		e = buf_append_str(b, kv->value);
	return e;
}

/* The line ending for a line we add after line i: its own, or the file's dominant one when
 * line i was the last line without one (it gets that ending and the new last line none). */
static pai_err emit_added(const struct credfile *cf, const struct cf_line *model,
                          const struct credfile_kv *kvs, size_t n, const bool *present,
                          enum eol_kind eol, bool last_has_none, struct buf *b)
{
	size_t j, left = 0;
	pai_err e = PAI_OK;

	for (j = 0; j < n; j++)
		if (kvs[j].value && !present[j])
			left++;
	for (j = 0; !e && j < n; j++) {
		if (!kvs[j].value || present[j])
			continue;
		e = emit_new_key(cf, model, &kvs[j], b);
		left--;
		if (!e && !(last_has_none && left == 0))
			e = buf_append(b, eol_text[eol], eol_len[eol]);
	}
	return e;
}

/* Writes the edited file into b. */
static pai_err build_edit(const struct credfile *cf, uint32_t s, const char *profile,
                          const struct credfile_kv *kvs, size_t n, bool *present, struct buf *b)
{
	size_t i, ins = NO_LINE, before;
	ssize_t j;
	const struct cf_line *l, *model = NULL;
	enum eol_kind dom = dominant_eol(cf), eol;
	bool dropping = false, adding = false;
	pai_err e = PAI_OK;

	if (s != NO_SECT) {
		ins = cf->sects[s].line;
		for (i = 0; i < cf->nlines; i++) {
			l = &cf->lines[i];
			if (l->type == L_KEY && l->sect == s) {
				ins = l->vend;
				model = l;
				j = kv_index(cf, l, kvs, n);
				if (j >= 0)
					present[j] = true;
			}
		}
	}
	for (i = 0; i < n; i++)
		if (kvs[i].value && !present[i])
			adding = true;
	for (i = 0; !e && i < cf->nlines; i++) {
		l = &cf->lines[i];
		if (l->type == L_KEY)
			dropping = false;
		if (l->type == L_KEY && l->sect == s && (j = kv_index(cf, l, kvs, n)) >= 0) {
			if (!kvs[j].value) {
				dropping = true;
			} else {
				dropping = true; /* its continuation lines go */
				e = buf_append(b, cf->data + l->off, l->val_off - l->off);
				if (!e)
					e = buf_append_str(b, kvs[j].value);
				before = l->val_off + l->val_len;
				if (!e)
					e = buf_append(b, cf->data + before,
					               l->off + l->len - before);
				eol = l->eol;
				if (eol == EOL_NONE && i == ins && adding)
					eol = dom;
				if (!e)
					e = buf_append(b, eol_text[eol], eol_len[eol]);
			}
		} else if (!(dropping && l->type == L_CONT)) {
			/* After a dropped line, "\r" then "\n" would read as one CRLF */
			if (!l->len && l->eol == EOL_LF && b->len && b->data[b->len - 1] == '\r')
				return PAI_ERR_INVALID;
			e = buf_append(b, cf->data + l->off, l->len);
			eol = l->eol;
			if (!e && eol == EOL_NONE && i == ins && adding)
				eol = dom;
			if (!e)
				e = buf_append(b, eol_text[eol], eol_len[eol]);
		}
		if (!e && i == ins && adding) {
			eol = l->eol == EOL_NONE ? dom : l->eol;
			e = emit_added(cf, model, kvs, n, present, eol, l->eol == EOL_NONE, b);
		}
	}
	if (e || s != NO_SECT || !adding)
		return e;
	/* A new profile at the end, after a blank line. */
	if (cf->nlines) {
		l = &cf->lines[cf->nlines - 1];
		if (l->eol == EOL_NONE)
			e = buf_append(b, eol_text[dom], eol_len[dom]);
		if (!e && l->type != L_BLANK) {
			eol = l->eol == EOL_CR ? EOL_CR : dom; /* "\r\n" would join the two */
			e = buf_append(b, eol_text[eol], eol_len[eol]);
		}
	}
	if (!e)
		e = buf_appendf(
		    b, "[%s%s]%s",
		    cf->kind == CREDFILE_CONFIG && strcmp(profile, "default") ? "profile " : "",
		    profile, eol_text[dom]);
	if (!e)
		e = emit_added(cf, NULL, kvs, n, present, dom, false, b);
	return e;
}

static pai_err check_edit(const struct credfile *cf, const char *profile,
                          const struct credfile_kv *kvs, size_t n)
{
	char *v;
	size_t j;
	pai_err e = PAI_OK;

	v = malloc(CREDFILE_MAX_VALUE + 1);
	if (!v)
		return PAI_ERR_NOMEM;
	for (j = 0; !e && j < n; j++) {
		e = credfile_get(cf, profile, kvs[j].key, v, CREDFILE_MAX_VALUE + 1);
		if (!kvs[j].value)
			e = e == PAI_ERR_NOT_FOUND ? PAI_OK : PAI_ERR_INVALID;
		else if (!e && strcmp(v, kvs[j].value) != 0)
			e = PAI_ERR_INVALID;
		else if (e)
			e = PAI_ERR_INVALID;
	}
	secret_wipe(v, CREDFILE_MAX_VALUE + 1);
	free(v);
	return e;
}

pai_err credfile_set_profile(struct credfile *cf, const char *profile,
                             const struct credfile_kv *kvs, size_t n)
{
	struct credfile next = {.kind = cf->kind};
	struct buf b;
	bool *present = NULL;
	size_t i, j;
	pai_err e;

	if (!valid_profile_name(profile) || n == 0 || n > 64)
		return PAI_ERR_INVALID;
	for (i = 0; i < n; i++) {
		if (!kvs[i].key || !valid_key_name(kvs[i].key) ||
		    (kvs[i].value && !valid_value(kvs[i].value)))
			return PAI_ERR_INVALID;
		for (j = 0; j < i; j++)
			if (!ascii_casecmp_n(kvs[i].key, strlen(kvs[i].key), kvs[j].key,
			                     strlen(kvs[j].key)))
				return PAI_ERR_INVALID;
	}
	present = calloc(n, sizeof(*present));
	if (!present)
		return PAI_ERR_NOMEM;
	buf_init(&b, CREDFILE_MAX_SIZE);
	e = build_edit(cf, profile_section(cf, profile), profile, kvs, n, present, &b);
	if (!e)
		e = cf_parse_into(&next, b.data ? b.data : "", b.len, NULL, 0);
	if (!e)
		e = check_edit(&next, profile, kvs, n);
	if (!e) {
		cf_release(cf);
		*cf = next;
	} else {
		cf_release(&next);
	}
	buf_free(&b);
	free(present);
	return e;
}
