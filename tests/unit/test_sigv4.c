/* SPDX-License-Identifier: MIT */
/* test_sigv4.c — the SigV4 signer against every case of the AWS test suite (canonical
 * request, string to sign, Authorization), then hostile and edge input: bounds, bad dates,
 * control bytes, NUL bytes, malformed escapes, missing arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "sigv4.h"
#include "sigv4_rawreq.h"

#define N(a)        (sizeof(a) / sizeof((a)[0]))
#define SUITE_DIR   "../shared/aws-sigv4-testsuite"
#define SUITE_CASES 34
#define DATE        "20150830T123600Z"
#define EMPTY_HASH  "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Inputs every suite case assumes (README.txt of the suite). */
static char suite_key_id[] = "AKIDEXAMPLE";
static char suite_secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/* get-vanilla-with-session-token signs this token, which its .req does not carry. */
static const char suite_token[] =
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

static const char *const suite_cases[SUITE_CASES] = {
    "get-header-key-duplicate",
    "get-header-value-multiline",
    "get-header-value-order",
    "get-header-value-trim",
    "get-unreserved",
    "get-utf8",
    "get-vanilla",
    "get-vanilla-empty-query-key",
    "get-vanilla-query",
    "get-vanilla-query-order-encoded",
    "get-vanilla-query-order-key",
    "get-vanilla-query-order-key-case",
    "get-vanilla-query-order-value",
    "get-vanilla-query-unreserved",
    "get-vanilla-utf8-query",
    "get-vanilla-with-session-token",
    "normalize-path/get-relative",
    "normalize-path/get-relative-relative",
    "normalize-path/get-slash",
    "normalize-path/get-slash-dot-slash",
    "normalize-path/get-slash-pointless-dot",
    "normalize-path/get-slashes",
    "normalize-path/get-space",
    "normalize-path/get-special-character",
    "post-header-key-case",
    "post-header-key-sort",
    "post-header-value-case",
    "post-sts-token/post-sts-header-after",
    "post-sts-token/post-sts-header-before",
    "post-vanilla",
    "post-vanilla-empty-query-value",
    "post-vanilla-query",
    "post-x-www-form-urlencoded",
    "post-x-www-form-urlencoded-parameters",
};

static int suite_present(void)
{
	struct stat st;

	if (stat(SUITE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
		return 1;
	print_message("SKIP reason: %s not found (run from the repo top with ../shared present)\n",
	              SUITE_DIR);
	return 0;
}

/* Whole file into a NUL-terminated heap buffer; *len gets its size. */
static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (!f)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n >= 0 && n < 1 << 20);
	rewind(f);
	p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	p[n] = '\0';
	fclose(f);
	if (len)
		*len = (size_t)n;
	return p;
}

static char *case_file(const char *name, const char *ext, size_t *len)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
	char path[512];

	snprintf(path, sizeof(path), "%s/%s/%s.%s", SUITE_DIR, name, base, ext);
	return slurp(path, len);
}

static void suite_case(void **state)
{
	const char *name = *state;
	struct aws_creds creds = {suite_key_id, suite_secret, NULL, NULL};
	struct sigv4_rawreq raw;
	struct buf creq, sts, authz;
	char *req, *want_creq, *want_sts, *want_authz;
	size_t req_len;

	if (!suite_present())
		skip();
	req = case_file(name, "req", &req_len);
	want_creq = case_file(name, "creq", NULL);
	want_sts = case_file(name, "sts", NULL);
	want_authz = case_file(name, "authz", NULL);
	assert_int_equal(sigv4_rawreq_parse(req, req_len, &raw), PAI_OK);
	if (strcmp(name, "get-vanilla-with-session-token") == 0)
		assert_int_equal(sigv4_rawreq_set_header(&raw, "X-Amz-Security-Token", suite_token),
		                 PAI_OK);
	buf_init(&creq, 0);
	buf_init(&sts, 0);
	buf_init(&authz, 0);
	assert_int_equal(sigv4_canonical_request(&raw.req, &creq, NULL), PAI_OK);
	assert_string_equal(creq.data, want_creq);
	assert_int_equal(
	    sigv4_string_to_sign(creq.data, creq.len, DATE, "us-east-1", "service", &sts), PAI_OK);
	assert_string_equal(sts.data, want_sts);
	assert_int_equal(
	    sigv4_authorization(&raw.req, &creds, DATE, "us-east-1", "service", &authz), PAI_OK);
	assert_string_equal(authz.data, want_authz);
	buf_free(&creq);
	buf_free(&sts);
	buf_free(&authz);
	sigv4_rawreq_free(&raw);
	free(req);
	free(want_creq);
	free(want_sts);
	free(want_authz);
}

/* Counts NAME.req files under dir, so a case added to the suite cannot go untested. */
static size_t count_req_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[512];
		struct stat st;
		size_t l = strlen(e->d_name);

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			n += count_req_files(path);
		else if (l > 4 && strcmp(e->d_name + l - 4, ".req") == 0)
			n++;
	}
	closedir(d);
	return n;
}

static void suite_has_every_case_listed(void **state)
{
	(void)state;
	if (!suite_present())
		skip();
	assert_int_equal(count_req_files(SUITE_DIR), SUITE_CASES);
}

/* ---- a small valid request to mutate ---------------------------------------------- */

static struct sigv4_header base_headers[] = {
    {"Host", "iam.amazonaws.com"},
    {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
    {"X-Amz-Date", DATE},
};

static struct sigv4_request base_request(void)
{
	struct sigv4_request r = {
	    "POST", "/", "", base_headers, N(base_headers), "Action=GetUser&Version=2010-05-08",
	    33};
	return r;
}

static struct aws_creds base_creds(void)
{
	struct aws_creds c = {suite_key_id, suite_secret, NULL, NULL};
	return c;
}

static pai_err sign(const struct sigv4_request *r, struct buf *out)
{
	struct aws_creds c = base_creds();

	return sigv4_authorization(r, &c, DATE, "us-east-1", "iam", out);
}

static pai_err canon(const struct sigv4_request *r, struct buf *out)
{
	buf_reset(out);
	return sigv4_canonical_request(r, out, NULL);
}

/* Line i (0-based) of a canonical request, copied into line. */
static const char *creq_line(const char *creq, int i, char *line, size_t size)
{
	const char *p = creq, *nl;

	while (i-- > 0) {
		p = strchr(p, '\n');
		assert_non_null(p);
		p++;
	}
	nl = strchr(p, '\n');
	snprintf(line, size, "%.*s", (int)(nl ? (size_t)(nl - p) : strlen(p)), p);
	return line;
}

static void signs_a_plain_iam_post(void **state)
{
	static const char prefix[] =
	    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/"
	    "iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, "
	    "Signature=";
	struct sigv4_request r = base_request();
	struct buf out, again;

	(void)state;
	buf_init(&out, 0);
	buf_init(&again, 0);
	assert_int_equal(sign(&r, &out), PAI_OK);
	assert_true(strncmp(out.data, prefix, sizeof(prefix) - 1) == 0);
	assert_int_equal(strlen(strstr(out.data, "Signature=") + 10), 64);
	assert_int_equal(sign(&r, &again), PAI_OK);
	assert_string_equal(out.data, again.data);
	/* One byte of body more, another signature. */
	r.body_len--;
	buf_reset(&again);
	assert_int_equal(sign(&r, &again), PAI_OK);
	assert_string_not_equal(out.data, again.data);
	buf_free(&out);
	buf_free(&again);
}

static void output_untouched_on_failure(void **state)
{
	struct sigv4_request r = base_request();
	struct buf out;

	(void)state;
	buf_init(&out, 0);
	assert_int_equal(buf_append_str(&out, "Authorization: "), PAI_OK);
	r.path = "no-slash";
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	assert_string_equal(out.data, "Authorization: ");
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	assert_int_equal(out.len, 0);
	buf_free(&out);
	/* An output buffer too small for the value: TOOBIG, nothing half-written. */
	r = base_request();
	buf_init(&out, 100);
	assert_int_equal(sign(&r, &out), PAI_ERR_TOOBIG);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void refuses_bad_dates(void **state)
{
	static const char *const bad[] = {
	    "",
	    "2015083T123600Z",
	    "20150830T123600",
	    "20150830T123600ZZ",
	    "20150830 123600Z",
	    "20150830t123600Z",
	    "20151330T123600Z",
	    "20150001T123600Z",
	    "20150100T123600Z",
	    "20150431T123600Z",
	    "20150229T123600Z",
	    "21000229T000000Z",
	    "20150830T243600Z",
	    "20150830T126000Z",
	    "20150830T123660Z",
	    "19691231T235959Z",
	    "2O150830T123600Z",
	    "-0150830T123600Z",
	    "20150830T12:600Z",
	};
	static const char *const good[] = {"20000229T000000Z", "20240229T235959Z",
	                                   "19700101T000000Z", "99991231T235959Z"};
	struct sigv4_request r = base_request();
	struct aws_creds c = base_creds();
	struct buf out;
	size_t i;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < N(bad); i++) {
		if (sigv4_check_date(bad[i]) != PAI_ERR_INVALID)
			fail_msg("date \"%s\" accepted", bad[i]);
		assert_int_equal(sigv4_authorization(&r, &c, bad[i], "us-east-1", "iam", &out),
		                 PAI_ERR_INVALID);
		assert_int_equal(sigv4_string_to_sign("x", 1, bad[i], "us-east-1", "iam", &out),
		                 PAI_ERR_INVALID);
	}
	for (i = 0; i < N(good); i++)
		if (sigv4_check_date(good[i]) != PAI_OK)
			fail_msg("date \"%s\" refused", good[i]);
	assert_int_equal(sigv4_check_date(NULL), PAI_ERR_INVALID);
	/* The date must be the one the request carries in x-amz-date. */
	assert_int_equal(sigv4_authorization(&r, &c, "20150830T123601Z", "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void formats_amz_dates(void **state)
{
	char d[SIGV4_DATE_LEN + 1];

	(void)state;
	assert_int_equal(sigv4_amz_date(0, d), PAI_OK);
	assert_string_equal(d, "19700101T000000Z");
	assert_int_equal(sigv4_amz_date(1440938160, d), PAI_OK);
	assert_string_equal(d, DATE);
	assert_int_equal(sigv4_amz_date(951868799, d), PAI_OK); /* 2000-02-29 23:59:59 */
	assert_string_equal(d, "20000229T235959Z");
	assert_int_equal(sigv4_check_date(d), PAI_OK);
	assert_int_equal(sigv4_amz_date(-1, d), PAI_ERR_INVALID);
	assert_string_equal(d, "");
	assert_int_equal(sigv4_amz_date((time_t)INT64_MAX, d), PAI_ERR_INVALID);
	assert_int_equal(sigv4_amz_date((time_t)253402300800LL, d), PAI_ERR_INVALID); /* 10000 */
}

static void refuses_bad_scope_and_credentials(void **state)
{
	static char too_long[SIGV4_MAX_SCOPE_PART + 2];
	const char *const bad_scope[] = {"",        "US-EAST-1", "us_east_1", "us-east-1/x",
	                                 "us east", "\xc3\xa9",  too_long};
	struct sigv4_request r = base_request();
	struct aws_creds c = base_creds();
	char long_secret[1100], bad_key[] = "AKID/EXAMPLE", long_key[200];
	struct buf out;
	size_t i;

	(void)state;
	memset(too_long, 'a', SIGV4_MAX_SCOPE_PART + 1);
	buf_init(&out, 0);
	for (i = 0; i < N(bad_scope); i++) {
		assert_int_equal(sigv4_authorization(&r, &c, DATE, bad_scope[i], "iam", &out),
		                 PAI_ERR_INVALID);
		assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", bad_scope[i], &out),
		                 PAI_ERR_INVALID);
	}
	assert_int_equal(sigv4_authorization(&r, &c, DATE, NULL, "iam", &out), PAI_ERR_INVALID);
	assert_int_equal(sigv4_authorization(NULL, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	assert_int_equal(sigv4_authorization(&r, NULL, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", NULL),
	                 PAI_ERR_INVALID);
	c.access_key_id = NULL;
	assert_int_equal(sign(&r, &out), PAI_OK); /* sign() uses its own creds */
	buf_reset(&out);
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	c.access_key_id = bad_key;
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	memset(long_key, 'A', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	c.access_key_id = long_key;
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	c = base_creds();
	c.secret_access_key = NULL;
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	c.secret_access_key = (char *)"";
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_INVALID);
	memset(long_secret, 's', sizeof(long_secret) - 1);
	long_secret[sizeof(long_secret) - 1] = '\0';
	c.secret_access_key = long_secret;
	assert_int_equal(sigv4_authorization(&r, &c, DATE, "us-east-1", "iam", &out),
	                 PAI_ERR_TOOBIG);
	assert_int_equal(out.len, 0);
	buf_free(&out);
}

static void needs_one_host_and_the_date_header(void **state)
{
	struct sigv4_header no_host[] = {{"X-Amz-Date", DATE}};
	struct sigv4_header no_date[] = {{"Host", "h"}};
	struct sigv4_header two_dates[] = {
	    {"Host", "h"}, {"X-Amz-Date", DATE}, {"x-amz-date", DATE}};
	struct sigv4_header two_hosts[] = {{"Host", "h"}, {"HOST", "h"}, {"X-Amz-Date", DATE}};
	struct sigv4_header padded[] = {{"host", "h"}, {"x-AMZ-date", "  " DATE "  "}};
	struct sigv4_request r = base_request();
	struct buf out;

	(void)state;
	buf_init(&out, 0);
	r.headers = no_host, r.n_headers = N(no_host);
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	r.headers = no_date, r.n_headers = N(no_date);
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	r.headers = two_dates, r.n_headers = N(two_dates);
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	r.headers = two_hosts, r.n_headers = N(two_hosts);
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	r.headers = NULL, r.n_headers = 0;
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	r.headers = NULL, r.n_headers = 2;
	assert_int_equal(sign(&r, &out), PAI_ERR_INVALID);
	assert_int_equal(out.len, 0);
	r.headers = padded, r.n_headers = N(padded);
	assert_int_equal(sign(&r, &out), PAI_OK);
	buf_free(&out);
}

static pai_err sign_headers(const struct sigv4_header *h, size_t n, struct buf *out)
{
	struct sigv4_request r = base_request();

	r.headers = h;
	r.n_headers = n;
	return sign(&r, out);
}

static void header_bounds_and_bytes(void **state)
{
	struct sigv4_header h[SIGV4_MAX_HEADERS + 1];
	char names[SIGV4_MAX_HEADERS + 1][16];
	char *big = malloc(SIGV4_MAX_HEADER_VALUE + 2);
	char long_name[SIGV4_MAX_HEADER_NAME + 2];
	static const char *const bad_values[] = {"a\rb", "a\nb",  "a\r\nb",
	                                         "\x01", "a\x7f", "\x1b[31m"};
	static const char *const bad_names[] = {"",    "a b", "a:b", "a\tb",
	                                        "(x)", "é",   "a/b", "a\x7f"};
	struct sigv4_request r = base_request();
	struct buf out;
	size_t i;

	(void)state;
	assert_non_null(big);
	buf_init(&out, 0);
	/* 64 headers is the bound; 65 is refused. */
	h[0] = (struct sigv4_header){"Host", "h"};
	h[1] = (struct sigv4_header){"X-Amz-Date", DATE};
	for (i = 2; i < N(h); i++) {
		snprintf(names[i], sizeof(names[i]), "X-H%zu", i);
		h[i] = (struct sigv4_header){names[i], "v"};
	}
	r.n_headers = SIGV4_MAX_HEADERS;
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_OK);
	buf_reset(&out);
	r.n_headers = SIGV4_MAX_HEADERS + 1;
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_ERR_TOOBIG);
	/* A value at the bound is signed; one byte more is refused. */
	r.n_headers = 3;
	memset(big, 'v', SIGV4_MAX_HEADER_VALUE + 1);
	big[SIGV4_MAX_HEADER_VALUE] = '\0';
	h[2].value = big;
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_OK);
	buf_reset(&out);
	big[SIGV4_MAX_HEADER_VALUE] = 'v';
	big[SIGV4_MAX_HEADER_VALUE + 1] = '\0';
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_ERR_TOOBIG);
	memset(long_name, 'n', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	h[2] = (struct sigv4_header){long_name, "v"};
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_ERR_TOOBIG);
	h[2].name = long_name + 1; /* exactly at the bound */
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_OK);
	buf_reset(&out);
	for (i = 0; i < N(bad_values); i++) {
		h[2] = (struct sigv4_header){"X-Bad", bad_values[i]};
		if (sign_headers(h, r.n_headers, &out) != PAI_ERR_INVALID)
			fail_msg("header value %zu accepted", i);
	}
	for (i = 0; i < N(bad_names); i++) {
		h[2] = (struct sigv4_header){bad_names[i], "v"};
		if (sign_headers(h, r.n_headers, &out) != PAI_ERR_INVALID)
			fail_msg("header name \"%s\" accepted", bad_names[i]);
	}
	h[2] = (struct sigv4_header){NULL, "v"};
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_ERR_INVALID);
	h[2] = (struct sigv4_header){"X-Null", NULL};
	assert_int_equal(sign_headers(h, r.n_headers, &out), PAI_ERR_INVALID);
	assert_int_equal(out.len, 0);
	/* Tabs and bytes above 0x7f are text; tabs collapse like spaces. */
	h[2] = (struct sigv4_header){"X-Ok", "\t a \t\t b\xc3\xa9  "};
	r.headers = h;
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_non_null(strstr(out.data, "\nx-ok:a b\xc3\xa9\n"));
	buf_free(&out);
	free(big);
}

static void headers_sort_and_join(void **state)
{
	struct sigv4_header h[] = {
	    {"X-B", "2"},         {"Host", "h"},    {"x-b", "  1  "}, {"X-A", ""},
	    {"X-Amz-Date", DATE}, {"X-B", "a   b"}, {"x_c", "z"},     {"X-A-B", "y"},
	};
	struct sigv4_request r = base_request();
	struct buf out, sh;
	char line[256];

	(void)state;
	buf_init(&out, 0);
	buf_init(&sh, 0);
	r.headers = h;
	r.n_headers = N(h);
	assert_int_equal(sigv4_canonical_request(&r, &out, &sh), PAI_OK);
	assert_string_equal(creq_line(out.data, 3, line, sizeof(line)), "host:h");
	assert_string_equal(creq_line(out.data, 4, line, sizeof(line)), "x-a:");
	assert_string_equal(creq_line(out.data, 5, line, sizeof(line)), "x-a-b:y");
	assert_string_equal(creq_line(out.data, 7, line, sizeof(line)), "x-b:2,1,a b");
	assert_string_equal(creq_line(out.data, 8, line, sizeof(line)), "x_c:z");
	assert_string_equal(sh.data, "host;x-a;x-a-b;x-amz-date;x-b;x_c");
	buf_free(&out);
	buf_free(&sh);
}

static void path_edges(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"", "/"},
	    {"/", "/"},
	    {"//", "/"},
	    {"/..", "/"},
	    {"/../../a", "/a"},
	    {"/a/./b/../c//d/", "/a/c/d/"},
	    {"/a/..", "/"},
	    {"/a/../", "/"},
	    {"/.../x", "/.../x"},
	    {"/%2F", "/%252F"},
	    {"/a b+c", "/a%20b%2Bc"},
	    {"/\xe1\x88\xb4", "/%E1%88%B4"},
	    {"/~_-.", "/~_-."},
	};
	static const char *const bad[] = {"a", "/a?b", "/a#b", "/a\tb", "/a\rb", "/\x7f"};
	struct sigv4_request r = base_request();
	struct buf out;
	char line[256], *huge;
	size_t i;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < N(ok); i++) {
		r.path = ok[i].in;
		assert_int_equal(canon(&r, &out), PAI_OK);
		assert_string_equal(creq_line(out.data, 1, line, sizeof(line)), ok[i].out);
	}
	for (i = 0; i < N(bad); i++) {
		r.path = bad[i];
		if (canon(&r, &out) != PAI_ERR_INVALID)
			fail_msg("path \"%s\" accepted", bad[i]);
	}
	r.path = NULL;
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	/* At the bound: 2048 "/." pairs collapse to "/"; one byte more is refused. */
	huge = malloc(SIGV4_MAX_PATH + 2);
	assert_non_null(huge);
	for (i = 0; i < SIGV4_MAX_PATH; i += 2)
		memcpy(huge + i, "/.", 2);
	huge[SIGV4_MAX_PATH] = '\0';
	r.path = huge;
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_string_equal(creq_line(out.data, 1, line, sizeof(line)), "/");
	huge[SIGV4_MAX_PATH] = '/';
	huge[SIGV4_MAX_PATH + 1] = '\0';
	assert_int_equal(canon(&r, &out), PAI_ERR_TOOBIG);
	/* Every byte needing an escape: the canonical path triples, within its bound. */
	memset(huge + 1, ' ', SIGV4_MAX_PATH - 1);
	huge[SIGV4_MAX_PATH] = '\0';
	assert_int_equal(canon(&r, &out), PAI_OK);
	free(huge);
	buf_free(&out);
}

static void query_edges(void **state)
{
	static const struct {
		const char *in, *out;
	} ok[] = {
	    {"", ""},
	    {"a", "a="},
	    {"a=", "a="},
	    {"=", "="},
	    {"&&a=1&&", "a=1"},
	    {"b=2&a=1&a=0", "a=0&a=1&b=2"},
	    {"a-b=1&a=2", "a=2&a-b=1"},
	    {"a=%2f&a=/", "a=%2F&a=%2F"},
	    {"x=a+b%20c", "x=a%2Bb%20c"},
	    {"x=%00", "x=%00"},
	    {"x=1=2", "x=1%3D2"},
	    {"%41%7e=%7E", "A~=~"},
	    {"k=\xe1\x88\xb4", "k=%E1%88%B4"},
	    {"K=1&k=1", "K=1&k=1"},
	};
	static const char *const bad[] = {"%",  "a=%4", "a=%zz", "a=%4g",
	                                  "%%", "a#b",  "a=\n",  "a=\x7f"};
	struct sigv4_request r = base_request();
	struct buf out;
	char line[256], *huge;
	size_t i;

	(void)state;
	buf_init(&out, 0);
	for (i = 0; i < N(ok); i++) {
		r.query = ok[i].in;
		assert_int_equal(canon(&r, &out), PAI_OK);
		assert_string_equal(creq_line(out.data, 2, line, sizeof(line)), ok[i].out);
	}
	for (i = 0; i < N(bad); i++) {
		r.query = bad[i];
		if (canon(&r, &out) != PAI_ERR_INVALID)
			fail_msg("query \"%s\" accepted", bad[i]);
	}
	r.query = NULL;
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	/* At the bound, as many one-letter pairs as fit; sorted without trouble. */
	huge = malloc(SIGV4_MAX_QUERY + 2);
	assert_non_null(huge);
	for (i = 0; i < SIGV4_MAX_QUERY; i += 2) {
		huge[i] = (char)('a' + (i / 2) % 26);
		huge[i + 1] = '&';
	}
	huge[SIGV4_MAX_QUERY] = '\0';
	r.query = huge;
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_true(strncmp(creq_line(out.data, 2, line, sizeof(line)), "a=&a=&a=", 8) == 0);
	huge[SIGV4_MAX_QUERY] = 'x';
	huge[SIGV4_MAX_QUERY + 1] = '\0';
	assert_int_equal(canon(&r, &out), PAI_ERR_TOOBIG);
	/* Every byte escaped: the encoded query triples, still within the buffers' bounds. */
	memset(huge, '%', SIGV4_MAX_QUERY);
	for (i = 0; i + 3 <= SIGV4_MAX_QUERY; i += 3)
		memcpy(huge + i, "%FF", 3);
	huge[i] = '\0';
	assert_int_equal(canon(&r, &out), PAI_OK);
	free(huge);
	buf_free(&out);
}

static void body_bytes_and_methods(void **state)
{
	static const unsigned char nul_body[] = {'a', 0, 'b', 0};
	struct sigv4_request r = base_request();
	struct buf out;
	char hash[65], line[256];

	(void)state;
	buf_init(&out, 0);
	/* NUL bytes in the body are hashed like any other byte. */
	r.body = nul_body;
	r.body_len = sizeof(nul_body);
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_int_equal(sigv4_sha256_hex(nul_body, sizeof(nul_body), hash), PAI_OK);
	assert_non_null(strstr(out.data, hash));
	assert_string_not_equal(hash, EMPTY_HASH);
	r.body = NULL;
	r.body_len = 0;
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_non_null(strstr(out.data, "\n" EMPTY_HASH));
	r.body_len = 1;
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	assert_int_equal(sigv4_sha256_hex(NULL, 1, hash), PAI_ERR_INVALID);
	assert_int_equal(sigv4_sha256_hex("abc", 3, hash), PAI_OK);
	assert_string_equal(hash,
	                    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	r = base_request();
	r.method = "get";
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	r.method = "";
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	r.method = "GETTTTTTTTTTTTTTT";
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	r.method = NULL;
	assert_int_equal(canon(&r, &out), PAI_ERR_INVALID);
	r.method = "DELETE";
	assert_int_equal(canon(&r, &out), PAI_OK);
	assert_string_equal(creq_line(out.data, 0, line, sizeof(line)), "DELETE");
	assert_int_equal(sigv4_canonical_request(NULL, &out, NULL), PAI_ERR_INVALID);
	assert_int_equal(sigv4_canonical_request(&r, NULL, NULL), PAI_ERR_INVALID);
	buf_free(&out);
}

static void raw_requests_hostile(void **state)
{
	static const char *const bad[] = {
	    "",
	    "\n",
	    "GET\n",
	    "GET /\n",
	    "GET / FTP/1.0\n",
	    " GET / HTTP/1.1\n",
	    "GET / HTTP/1.1\n continued-first\n",
	    "GET / HTTP/1.1\nNoColon\n",
	    "GET / HTTP/1.1\n:empty-name\n",
	    "GET / HTTP/1.1\nName :space-before-colon\n",
	};
	static const char nul_head[] = "GET / HTTP/1.1\nHost:a\0b\n\nbody";
	static const char nul_body[] = "GET / HTTP/1.1\nHost:a\n\nb\0dy";
	static const char folded[] = "POST /x?q=1 HTTP/1.1\r\nHost:h\r\nX-F:one\r\n  two\r\n\tthree"
	                             "\r\nX-Amz-Date:" DATE "\r\n\r\nbody\r\n\r\nmore";
	struct sigv4_rawreq raw;
	char *big;
	size_t i, n;

	(void)state;
	for (i = 0; i < N(bad); i++)
		if (sigv4_rawreq_parse(bad[i], strlen(bad[i]), &raw) != PAI_ERR_INVALID)
			fail_msg("raw request %zu accepted", i);
	assert_int_equal(sigv4_rawreq_parse(nul_head, sizeof(nul_head) - 1, &raw), PAI_ERR_INVALID);
	assert_int_equal(sigv4_rawreq_parse(NULL, 1, &raw), PAI_ERR_INVALID);
	assert_int_equal(sigv4_rawreq_parse(nul_body, sizeof(nul_body) - 1, &raw), PAI_OK);
	assert_int_equal(raw.req.body_len, 4);
	assert_memory_equal(raw.req.body, "b\0dy", 4);
	sigv4_rawreq_free(&raw);

	assert_int_equal(sigv4_rawreq_parse(folded, sizeof(folded) - 1, &raw), PAI_OK);
	assert_string_equal(raw.req.method, "POST");
	assert_string_equal(raw.req.path, "/x");
	assert_string_equal(raw.req.query, "q=1");
	assert_int_equal(raw.req.n_headers, 3);
	assert_string_equal(raw.req.headers[1].name, "X-F");
	assert_string_equal(raw.req.headers[1].value, "one two three");
	assert_int_equal(raw.req.body_len, 12);
	assert_memory_equal(raw.req.body, "body\r\n\r\nmore", 12);
	/* set_header replaces every spelling of the name, once. */
	assert_int_equal(sigv4_rawreq_set_header(&raw, "x-f", "new"), PAI_OK);
	assert_int_equal(raw.req.n_headers, 3);
	assert_string_equal(raw.req.headers[2].value, "new");
	sigv4_rawreq_free(&raw);
	sigv4_rawreq_free(&raw); /* twice is harmless */

	/* 65 headers, and the whole-request bound. */
	big = malloc(SIGV4_RAWREQ_MAX + 2);
	assert_non_null(big);
	n = (size_t)snprintf(big, SIGV4_RAWREQ_MAX, "GET / HTTP/1.1\n");
	for (i = 0; i <= SIGV4_MAX_HEADERS; i++)
		n += (size_t)snprintf(big + n, SIGV4_RAWREQ_MAX - n, "X-H%zu:v\n", i);
	assert_int_equal(sigv4_rawreq_parse(big, n, &raw), PAI_ERR_TOOBIG);
	memset(big, 'x', SIGV4_RAWREQ_MAX + 1);
	assert_int_equal(sigv4_rawreq_parse(big, SIGV4_RAWREQ_MAX + 1, &raw), PAI_ERR_TOOBIG);
	/* A head of one huge line: parsed, then the signer refuses the header's size. */
	n = (size_t)snprintf(big, 64, "GET / HTTP/1.1\nX-Big:");
	memset(big + n, 'v', SIGV4_RAWREQ_MAX - n);
	assert_int_equal(sigv4_rawreq_parse(big, SIGV4_RAWREQ_MAX, &raw), PAI_OK);
	{
		struct buf out;

		buf_init(&out, 0);
		assert_int_equal(sigv4_canonical_request(&raw.req, &out, NULL), PAI_ERR_TOOBIG);
		buf_free(&out);
	}
	sigv4_rawreq_free(&raw);
	free(big);
}

int main(void)
{
	struct CMUnitTest tests[SUITE_CASES + 16];
	size_t i, n = 0;

	for (i = 0; i < SUITE_CASES; i++) {
		struct CMUnitTest t = cmocka_unit_test_prestate(suite_case, (void *)suite_cases[i]);

		t.name = suite_cases[i];
		tests[n++] = t;
	}
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(suite_has_every_case_listed);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(signs_a_plain_iam_post);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(output_untouched_on_failure);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(refuses_bad_dates);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(formats_amz_dates);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(refuses_bad_scope_and_credentials);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(needs_one_host_and_the_date_header);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(header_bounds_and_bytes);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(headers_sort_and_join);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(path_edges);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(query_edges);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(body_bytes_and_methods);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(raw_requests_hostile);
	return _cmocka_run_group_tests("sigv4", tests, n, NULL, NULL);
}
