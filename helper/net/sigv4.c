/* SPDX-License-Identifier: MIT */
/* sigv4.c — AWS Signature Version 4: canonical request, string to sign, key derivation.
 *
 * Canonicalisation follows what AWS services (other than S3) verify:
 *  - path: dot segments removed, empty segments dropped, then every byte outside the RFC 3986
 *    unreserved set and '/' percent-encoded (so an already-encoded path is encoded twice);
 *  - query: split on '&', each pair on its first '=', both sides percent-decoded then
 *    re-encoded with the unreserved set, sorted by encoded name then encoded value;
 *  - headers: names lowercased and sorted, values trimmed with runs of blanks collapsed,
 *    repeated names joined with ',' in the order given. */
#include "sigv4.h"

#include "hex.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#define SHA256_LEN       32
#define SIGV4_MAX_SECRET 1024
#define SIGV4_MAX_KEY_ID 128
#define SIGV4_MAX_METHOD 16
/* Canonical request: every header at its bound, plus query and path fully encoded. */
#define SIGV4_MAX_CANONICAL                                                                        \
	(SIGV4_MAX_HEADERS * (2 * SIGV4_MAX_HEADER_NAME + SIGV4_MAX_HEADER_VALUE + 4) +            \
	 3 * SIGV4_MAX_QUERY + 3 * SIGV4_MAX_PATH + 128)

static const char hexdig[] = "0123456789ABCDEF";

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

/* RFC 7230 tchar. */
static bool is_tchar(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

static unsigned char ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* Appends p[0..n) with every byte outside the unreserved set (and keep, if not 0) as %XX. */
static pai_err append_encoded(struct buf *out, const unsigned char *p, size_t n, char keep)
{
	char esc[3] = {'%', 0, 0};
	size_t i, run = 0;
	pai_err e;

	for (i = 0; i < n; i++) {
		if (is_unreserved(p[i]) || (keep && p[i] == (unsigned char)keep)) {
			run++;
			continue;
		}
		if (run && (e = buf_append(out, p + i - run, run)))
			return e;
		run = 0;
		esc[1] = hexdig[p[i] >> 4];
		esc[2] = hexdig[p[i] & 15];
		if ((e = buf_append(out, esc, 3)))
			return e;
	}
	return run ? buf_append(out, p + n - run, run) : PAI_OK;
}

/* Appends the percent-decoded form of p[0..n) re-encoded with the unreserved set. */
static pai_err append_query_part(struct buf *out, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		pai_err e;

		if (c == '%') {
			int hi, lo;

			if (n - i < 3)
				return PAI_ERR_INVALID;
			hi = hex_digit((unsigned char)p[i + 1]);
			lo = hex_digit((unsigned char)p[i + 2]);
			if (hi < 0 || lo < 0)
				return PAI_ERR_INVALID;
			c = (unsigned char)(hi << 4 | lo);
			i += 2;
		}
		if ((e = append_encoded(out, &c, 1, 0)))
			return e;
	}
	return PAI_OK;
}

/* Bytes a path or query may hold: no controls, no fragment. */
static bool is_uri_text(const char *s, size_t n, bool query)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f || c == '#' || (!query && c == '?'))
			return false;
	}
	return true;
}

static pai_err canonical_path(const char *path, struct buf *out)
{
	struct seg {
		size_t off, len;
	} *segs = NULL;
	size_t n, i, nsegs = 0, maxsegs = 1, start;
	pai_err e = PAI_OK;

	n = strlen(path);
	if (n == 0)
		return buf_append_str(out, "/\n");
	if (n > SIGV4_MAX_PATH)
		return PAI_ERR_TOOBIG;
	if (path[0] != '/' || !is_uri_text(path, n, false))
		return PAI_ERR_INVALID;
	for (i = 0; i < n; i++)
		maxsegs += path[i] == '/';
	segs = calloc(maxsegs, sizeof(*segs));
	if (!segs)
		return PAI_ERR_NOMEM;
	/* RFC 3986 5.2.4 on whole segments; empty segments go too (AWS collapses "//"). */
	for (start = 1; start <= n; start = i + 1) {
		size_t len;

		for (i = start; i < n && path[i] != '/'; i++)
			;
		len = i - start;
		if (len == 0 || (len == 1 && path[start] == '.'))
			continue;
		if (len == 2 && path[start] == '.' && path[start + 1] == '.') {
			if (nsegs)
				nsegs--;
			continue;
		}
		segs[nsegs].off = start;
		segs[nsegs].len = len;
		nsegs++;
	}
	for (i = 0; i < nsegs && !e; i++) {
		e = buf_append(out, "/", 1);
		if (!e)
			e = append_encoded(out, (const unsigned char *)path + segs[i].off,
			                   segs[i].len, 0);
	}
	if (!e && (nsegs == 0 || path[n - 1] == '/'))
		e = buf_append(out, "/", 1);
	if (!e)
		e = buf_append(out, "\n", 1);
	free(segs);
	return e;
}

struct qparam {
	size_t key_off, key_len, val_off, val_len; /* into the encoded scratch buffer */
};

static int cmp_bytes(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return (alen > blen) - (alen < blen);
}

static int cmp_qparam(const void *pa, const void *pb, void *ctx)
{
	const struct qparam *a = pa, *b = pb;
	const char *base = ctx;
	int r = cmp_bytes(base + a->key_off, a->key_len, base + b->key_off, b->key_len);

	if (r)
		return r;
	return cmp_bytes(base + a->val_off, a->val_len, base + b->val_off, b->val_len);
}

static pai_err canonical_query(const char *query, struct buf *out)
{
	struct qparam *params = NULL;
	struct buf enc;
	const char *base;
	size_t n, i, np = 0, maxp = 1, start;
	pai_err e = PAI_OK;

	n = strlen(query);
	if (n > SIGV4_MAX_QUERY)
		return PAI_ERR_TOOBIG;
	if (!is_uri_text(query, n, true))
		return PAI_ERR_INVALID;
	if (n == 0)
		return buf_append(out, "\n", 1);
	for (i = 0; i < n; i++)
		maxp += query[i] == '&';
	params = calloc(maxp, sizeof(*params));
	if (!params)
		return PAI_ERR_NOMEM;
	buf_init(&enc, 3 * SIGV4_MAX_QUERY + 1);
	for (start = 0; start <= n && !e; start = i + 1) {
		const char *eq;
		size_t len;

		for (i = start; i < n && query[i] != '&'; i++)
			;
		len = i - start;
		if (len == 0)
			continue; /* "a=1&&b=2": an empty pair names nothing */
		eq = memchr(query + start, '=', len);
		params[np].key_off = enc.len;
		e = append_query_part(&enc, query + start, eq ? (size_t)(eq - query - start) : len);
		if (e)
			break;
		params[np].key_len = enc.len - params[np].key_off;
		params[np].val_off = enc.len;
		if (eq)
			e = append_query_part(&enc, eq + 1, (size_t)(query + i - eq - 1));
		params[np].val_len = enc.len - params[np].val_off;
		np++;
	}
	if (e)
		goto out;
	/* enc.data stays NULL when every name and value is empty ("?=") */
	base = enc.data ? enc.data : "";
	qsort_r(params, np, sizeof(*params), cmp_qparam, (void *)base);
	for (i = 0; i < np && !e; i++) {
		if (i)
			e = buf_append(out, "&", 1);
		if (!e)
			e = buf_append(out, base + params[i].key_off, params[i].key_len);
		if (!e)
			e = buf_append(out, "=", 1);
		if (!e)
			e = buf_append(out, base + params[i].val_off, params[i].val_len);
	}
	if (!e)
		e = buf_append(out, "\n", 1);
out:
	buf_free(&enc);
	free(params);
	return e;
}

struct hdr_ref {
	const char *name, *value;
	size_t name_len, order;
};

static int cmp_hdr(const void *pa, const void *pb)
{
	const struct hdr_ref *a = pa, *b = pb;
	size_t i, n = a->name_len < b->name_len ? a->name_len : b->name_len;

	for (i = 0; i < n; i++) {
		unsigned char ca = ascii_lower((unsigned char)a->name[i]);
		unsigned char cb = ascii_lower((unsigned char)b->name[i]);

		if (ca != cb)
			return ca < cb ? -1 : 1;
	}
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	/* Same name: keep the order the caller gave, so repeated values join in order. */
	return (a->order > b->order) - (a->order < b->order);
}

static bool same_name(const struct hdr_ref *a, const struct hdr_ref *b)
{
	size_t i;

	if (a->name_len != b->name_len)
		return false;
	for (i = 0; i < a->name_len; i++)
		if (ascii_lower((unsigned char)a->name[i]) !=
		    ascii_lower((unsigned char)b->name[i]))
			return false;
	return true;
}

static pai_err check_header(const struct sigv4_header *h, size_t *name_len)
{
	size_t i, n, vn;

	if (!h->name || !h->value)
		return PAI_ERR_INVALID;
	n = strnlen(h->name, SIGV4_MAX_HEADER_NAME + 1);
	vn = strnlen(h->value, SIGV4_MAX_HEADER_VALUE + 1);
	if (n > SIGV4_MAX_HEADER_NAME || vn > SIGV4_MAX_HEADER_VALUE)
		return PAI_ERR_TOOBIG;
	if (n == 0)
		return PAI_ERR_INVALID;
	for (i = 0; i < n; i++)
		if (!is_tchar((unsigned char)h->name[i]))
			return PAI_ERR_INVALID;
	for (i = 0; i < vn; i++) {
		unsigned char c = (unsigned char)h->value[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return PAI_ERR_INVALID;
	}
	*name_len = n;
	return PAI_OK;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Trimall: no leading or trailing blanks, each inner run of blanks becomes one space. */
static pai_err append_trimmed(struct buf *out, const char *v)
{
	const char *p = v, *word;
	bool first = true;

	for (;;) {
		pai_err e;

		while (is_blank(*p))
			p++;
		if (!*p)
			return PAI_OK;
		for (word = p; *p && !is_blank(*p); p++)
			;
		if (!first && (e = buf_append(out, " ", 1)))
			return e;
		if ((e = buf_append(out, word, (size_t)(p - word))))
			return e;
		first = false;
	}
}

static pai_err append_lower(struct buf *out, const char *s, size_t n)
{
	char lower[SIGV4_MAX_HEADER_NAME];
	size_t i;

	for (i = 0; i < n; i++)
		lower[i] = (char)ascii_lower((unsigned char)s[i]);
	return buf_append(out, lower, n);
}

/* Canonical headers block (ending with the blank line), then SignedHeaders on its own line;
 * the list also goes to signed_headers when given. */
static pai_err canonical_headers(const struct sigv4_request *req, struct buf *out,
                                 struct buf *signed_headers)
{
	struct hdr_ref *refs;
	struct buf list;
	size_t i;
	pai_err e = PAI_OK;

	if (req->n_headers > SIGV4_MAX_HEADERS)
		return PAI_ERR_TOOBIG;
	if (req->n_headers == 0 || !req->headers)
		return PAI_ERR_INVALID; /* host is always signed */
	refs = calloc(req->n_headers, sizeof(*refs));
	if (!refs)
		return PAI_ERR_NOMEM;
	buf_init(&list, SIGV4_MAX_HEADERS * (SIGV4_MAX_HEADER_NAME + 1));
	for (i = 0; i < req->n_headers && !e; i++) {
		e = check_header(&req->headers[i], &refs[i].name_len);
		refs[i].name = req->headers[i].name;
		refs[i].value = req->headers[i].value;
		refs[i].order = i;
	}
	if (e)
		goto out;
	qsort(refs, req->n_headers, sizeof(*refs), cmp_hdr);
	for (i = 0; i < req->n_headers && !e; i++) {
		bool repeat = i > 0 && same_name(&refs[i - 1], &refs[i]);

		if (repeat) {
			e = buf_append(out, ",", 1);
		} else {
			if (i > 0 && !(e = buf_append(out, "\n", 1)) && list.len)
				e = buf_append(&list, ";", 1);
			if (!e)
				e = append_lower(out, refs[i].name, refs[i].name_len);
			if (!e)
				e = append_lower(&list, refs[i].name, refs[i].name_len);
			if (!e)
				e = buf_append(out, ":", 1);
		}
		if (!e)
			e = append_trimmed(out, refs[i].value);
	}
	if (!e)
		e = buf_append(out, "\n\n", 2);
	if (!e)
		e = buf_append(out, list.data, list.len);
	if (!e)
		e = buf_append(out, "\n", 1);
	if (!e && signed_headers)
		e = buf_append(signed_headers, list.data, list.len);
out:
	buf_free(&list);
	free(refs);
	return e;
}

pai_err sigv4_sha256_hex(const void *p, size_t len, char out[65])
{
	unsigned char md[SHA256_LEN];
	unsigned int mdlen = 0;

	out[0] = '\0';
	if (!p && len)
		return PAI_ERR_INVALID;
	if (!EVP_Digest(p ? p : "", len, md, &mdlen, EVP_sha256(), NULL) || mdlen != SHA256_LEN)
		return PAI_ERR_CRYPTO;
	hex_encode(md, SHA256_LEN, out);
	secret_wipe(md, sizeof(md));
	return PAI_OK;
}

static bool is_method(const char *m)
{
	size_t i, n = strnlen(m, SIGV4_MAX_METHOD + 1);

	if (n == 0 || n > SIGV4_MAX_METHOD)
		return false;
	for (i = 0; i < n; i++)
		if (m[i] < 'A' || m[i] > 'Z')
			return false;
	return true;
}

pai_err sigv4_canonical_request(const struct sigv4_request *req, struct buf *out,
                                struct buf *signed_headers)
{
	char hash[65];
	struct buf tmp;
	pai_err e;

	if (!req || !out || !req->method || !req->path || !req->query)
		return PAI_ERR_INVALID;
	if (!is_method(req->method) || (!req->body && req->body_len))
		return PAI_ERR_INVALID;
	/* Built aside so out is untouched on failure. */
	buf_init(&tmp, SIGV4_MAX_CANONICAL);
	e = buf_append_str(&tmp, req->method);
	if (!e)
		e = buf_append(&tmp, "\n", 1);
	if (!e)
		e = canonical_path(req->path, &tmp);
	if (!e)
		e = canonical_query(req->query, &tmp);
	if (!e)
		e = canonical_headers(req, &tmp, signed_headers);
	if (!e)
		e = sigv4_sha256_hex(req->body, req->body_len, hash);
	if (!e)
		e = buf_append(&tmp, hash, 64);
	if (!e)
		e = buf_append(out, tmp.data, tmp.len);
	buf_free(&tmp);
	return e;
}

pai_err sigv4_check_date(const char *s)
{
	static const char pat[] = "DDDDDDDDTDDDDDDZ";
	static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	unsigned y, mo, d, h, mi, sec;
	size_t i;

	if (!s || strnlen(s, SIGV4_DATE_LEN + 1) != SIGV4_DATE_LEN)
		return PAI_ERR_INVALID;
	for (i = 0; i < SIGV4_DATE_LEN; i++) {
		if (pat[i] == 'D' ? (s[i] < '0' || s[i] > '9') : s[i] != pat[i])
			return PAI_ERR_INVALID;
	}
#define DIGITS2(o) ((unsigned)(s[o] - '0') * 10 + (unsigned)(s[o + 1] - '0'))
	y = DIGITS2(0) * 100 + DIGITS2(2);
	mo = DIGITS2(4);
	d = DIGITS2(6);
	h = DIGITS2(9);
	mi = DIGITS2(11);
	sec = DIGITS2(13);
#undef DIGITS2
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 ||
	    sec > 59)
		return PAI_ERR_INVALID;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return PAI_ERR_INVALID;
	return PAI_OK;
}

pai_err sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	struct tm tm;

	out[0] = '\0';
	if (!gmtime_r(&t, &tm) || tm.tm_year < 70 || tm.tm_year > 9999 - 1900)
		return PAI_ERR_INVALID;
	if (strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm) != SIGV4_DATE_LEN) {
		out[0] = '\0';
		return PAI_ERR_INVALID;
	}
	return PAI_OK;
}

/* Region and service names: [a-z0-9-]{1,63}. */
static bool is_scope_part(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	n = strnlen(s, SIGV4_MAX_SCOPE_PART + 1);
	if (n == 0 || n > SIGV4_MAX_SCOPE_PART)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

static bool is_key_id(const char *s)
{
	size_t i, n;

	if (!s)
		return false;
	n = strnlen(s, SIGV4_MAX_KEY_ID + 1);
	if (n == 0 || n > SIGV4_MAX_KEY_ID)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

pai_err sigv4_string_to_sign(const char *canonical_request, size_t len, const char *amz_date,
                             const char *region, const char *service, struct buf *out)
{
	char hash[65];
	pai_err e;

	if (!canonical_request || !out || sigv4_check_date(amz_date) || !is_scope_part(region) ||
	    !is_scope_part(service))
		return PAI_ERR_INVALID;
	if ((e = sigv4_sha256_hex(canonical_request, len, hash)))
		return e;
	return buf_appendf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s", amz_date,
	                   amz_date, region, service, hash);
}

static pai_err hmac(const void *key, size_t key_len, const void *msg, size_t msg_len,
                    unsigned char md[SHA256_LEN])
{
	unsigned int mdlen = 0;

	if (key_len > INT32_MAX)
		return PAI_ERR_TOOBIG;
	if (!HMAC(EVP_sha256(), key, (int)key_len, msg, msg_len, md, &mdlen) || mdlen != SHA256_LEN)
		return PAI_ERR_CRYPTO;
	return PAI_OK;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" secret, date), region), service), "aws4_request");
 * then the hex HMAC of the string to sign with it. */
static pai_err signature_hex(const char *secret, const char *amz_date, const char *region,
                             const char *service, const struct buf *sts, char sig[65])
{
	unsigned char ksecret[4 + SIGV4_MAX_SECRET];
	unsigned char k[SHA256_LEN], k2[SHA256_LEN], md[SHA256_LEN];
	size_t n = strnlen(secret, SIGV4_MAX_SECRET + 1);
	pai_err e;

	if (n == 0)
		return PAI_ERR_INVALID;
	if (n > SIGV4_MAX_SECRET)
		return PAI_ERR_TOOBIG;
	memcpy(ksecret, "AWS4", 4);
	memcpy(ksecret + 4, secret, n);
	e = hmac(ksecret, 4 + n, amz_date, 8, k);
	if (!e)
		e = hmac(k, sizeof(k), region, strlen(region), k2);
	if (!e)
		e = hmac(k2, sizeof(k2), service, strlen(service), k);
	if (!e)
		e = hmac(k, sizeof(k), "aws4_request", 12, k2);
	if (!e)
		e = hmac(k2, sizeof(k2), sts->data, sts->len, md);
	if (!e)
		hex_encode(md, SHA256_LEN, sig);
	secret_wipe(ksecret, sizeof(ksecret));
	secret_wipe(k, sizeof(k));
	secret_wipe(k2, sizeof(k2));
	secret_wipe(md, sizeof(md));
	return e;
}

static bool ascii_equal_nocase(const char *a, const char *b)
{
	for (; *a && *b; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* The trimmed value of the only header named name (any case); NULL if absent or repeated. */
static const char *single_header(const struct sigv4_request *req, const char *name)
{
	const char *found = NULL;
	size_t i;

	for (i = 0; i < req->n_headers; i++) {
		if (!ascii_equal_nocase(req->headers[i].name, name))
			continue;
		if (found)
			return NULL;
		found = req->headers[i].value;
	}
	while (found && is_blank(*found))
		found++;
	return found;
}

pai_err sigv4_authorization(const struct sigv4_request *req, const struct aws_creds *creds,
                            const char *amz_date, const char *region, const char *service,
                            struct buf *out)
{
	struct buf creq, sts, signed_hdrs;
	const char *date_hdr;
	char sig[65];
	pai_err e;

	if (!req || !creds || !out || !creds->secret_access_key || !is_key_id(creds->access_key_id))
		return PAI_ERR_INVALID;
	if (sigv4_check_date(amz_date) || !is_scope_part(region) || !is_scope_part(service))
		return PAI_ERR_INVALID;
	buf_init(&creq, SIGV4_MAX_CANONICAL);
	buf_init(&sts, 512);
	buf_init(&signed_hdrs, SIGV4_MAX_HEADERS * (SIGV4_MAX_HEADER_NAME + 1));
	sig[0] = '\0';
	e = sigv4_canonical_request(req, &creq, &signed_hdrs);
	if (e)
		goto out;
	/* Headers are checked by now: a request without one host and a matching x-amz-date
	 * would be refused by AWS, so refuse it here, where the cause is plain. */
	date_hdr = single_header(req, "x-amz-date");
	if (!single_header(req, "host") || !date_hdr || strncmp(date_hdr, amz_date, 16) != 0 ||
	    (date_hdr[16] && !is_blank(date_hdr[16]))) {
		e = PAI_ERR_INVALID;
		goto out;
	}
	e = sigv4_string_to_sign(creq.data, creq.len, amz_date, region, service, &sts);
	if (!e)
		e = signature_hex(creds->secret_access_key, amz_date, region, service, &sts, sig);
	if (!e)
		e = buf_appendf(out,
		                "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
		                "SignedHeaders=%s, Signature=%s",
		                creds->access_key_id, amz_date, region, service, signed_hdrs.data,
		                sig);
out:
	secret_wipe(sig, sizeof(sig));
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&signed_hdrs);
	return e;
}
