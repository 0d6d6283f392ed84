/* SPDX-License-Identifier: MIT */
/* fuzz_sigv4.c — libFuzzer target for the SigV4 signer and its raw-request reader: parse a
 * request, canonicalise and sign it, and check what must hold for every input: the path
 * and query lines hold only unreserved bytes and %XX escapes, signing is deterministic, and
 * the Authorization value has its fixed shape. fuzz-max-len: 65536 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "sigv4.h"
#include "sigv4_rawreq.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool is_unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static bool is_upper_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* Bytes [p, end) are unreserved, escapes, or one of extra. */
static void check_encoded(const char *p, const char *end, const char *extra)
{
	for (; p < end; p++) {
		if (*p == '%') {
			if (end - p < 3 || !is_upper_hex((unsigned char)p[1]) ||
			    !is_upper_hex((unsigned char)p[2]))
				abort();
			p += 2;
		} else if (!is_unreserved((unsigned char)*p) && !strchr(extra, *p)) {
			abort();
		}
	}
}

static void check_canonical(const struct buf *c)
{
	const char *method_end, *path_end, *query_end;

	method_end = memchr(c->data, '\n', c->len);
	if (!method_end)
		abort();
	path_end = strchr(method_end + 1, '\n');
	if (!path_end || method_end[1] != '/')
		abort();
	query_end = strchr(path_end + 1, '\n');
	if (!query_end)
		abort();
	check_encoded(method_end + 1, path_end, "/");
	check_encoded(path_end + 1, query_end, "=&");
	/* The payload hash ends it: 64 lowercase hex digits after the last newline. */
	if (c->len < 65 || c->data[c->len - 65] != '\n')
		abort();
}

static void check_authorization(const char *a)
{
	static const char head[] = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/";
	const char *sig = strstr(a, ", Signature=");
	size_t i;

	if (strncmp(a, head, sizeof(head) - 1) != 0 || !sig || strlen(sig + 12) != 64)
		abort();
	for (i = 0; i < 64; i++)
		if (!strchr("0123456789abcdef", sig[12 + i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char key_id[] = "AKIDEXAMPLE", secret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
	struct aws_creds creds = {key_id, secret, NULL, NULL};
	struct sigv4_rawreq raw;
	struct buf creq, a1, a2;

	/* The date checker sees the first bytes as a candidate date. */
	if (size >= SIGV4_DATE_LEN) {
		char date[SIGV4_DATE_LEN + 1];

		memcpy(date, data, SIGV4_DATE_LEN);
		date[SIGV4_DATE_LEN] = '\0';
		(void)sigv4_check_date(date);
	}
	if (sigv4_rawreq_parse(data, size, &raw) != PAI_OK)
		return 0;
	buf_init(&creq, 0);
	buf_init(&a1, 0);
	buf_init(&a2, 0);
	if (sigv4_canonical_request(&raw.req, &creq, NULL) == PAI_OK)
		check_canonical(&creq);
	/* Sign with the date the request carries, when it has a usable one. */
	if (sigv4_authorization(&raw.req, &creds, "20150830T123600Z", "us-east-1", "service",
	                        &a1) == PAI_OK) {
		check_authorization(a1.data);
		if (sigv4_authorization(&raw.req, &creds, "20150830T123600Z", "us-east-1",
		                        "service", &a2) != PAI_OK ||
		    strcmp(a1.data, a2.data) != 0)
			abort();
	}
	if (sigv4_rawreq_set_header(&raw, "X-Amz-Security-Token", "token") == PAI_OK) {
		buf_reset(&a1);
		(void)sigv4_authorization(&raw.req, &creds, "20150830T123600Z", "us-east-1",
		                          "service", &a1);
	}
	buf_free(&creq);
	buf_free(&a1);
	buf_free(&a2);
	sigv4_rawreq_free(&raw);
	return 0;
}
