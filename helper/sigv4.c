/* sigv4.c — AWS Signature Version 4 signing (stub; full implementation follows). */
#include "sigv4.h"

pai_err sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	(void)t;
	out[0] = '\0';
	return PAI_ERR_INVALID;
}

pai_err sigv4_check_date(const char *s)
{
	(void)s;
	return PAI_ERR_INVALID;
}

pai_err sigv4_canonical_request(const struct sigv4_request *req, struct buf *out,
				struct buf *signed_headers)
{
	(void)req;
	(void)out;
	(void)signed_headers;
	return PAI_ERR_INVALID;
}

pai_err sigv4_string_to_sign(const char *canonical_request, size_t len, const char *amz_date,
			     const char *region, const char *service, struct buf *out)
{
	(void)canonical_request;
	(void)len;
	(void)amz_date;
	(void)region;
	(void)service;
	(void)out;
	return PAI_ERR_INVALID;
}

pai_err sigv4_authorization(const struct sigv4_request *req, const struct aws_creds *creds,
			    const char *amz_date, const char *region, const char *service,
			    struct buf *out)
{
	(void)req;
	(void)creds;
	(void)amz_date;
	(void)region;
	(void)service;
	(void)out;
	return PAI_ERR_INVALID;
}

pai_err sigv4_sha256_hex(const void *p, size_t len, char out[65])
{
	(void)p;
	(void)len;
	out[0] = '\0';
	return PAI_ERR_INVALID;
}
