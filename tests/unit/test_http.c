/* SPDX-License-Identifier: MIT */
/* test_http.c — the transport's rules that need no server: which URLs may be requested and
 * how they split for signing, loopback detection, the IMDS address rule, and failures that
 * end before or at connect. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "hostaddr.h"
#include "http.h"

static void https_url_splits_for_signing(void **state)
{
	struct http_url u;

	(void)state;
	assert_int_equal(http_check_url("https://iam.amazonaws.com/", &u), PAI_OK);
	assert_true(u.https);
	assert_string_equal(u.host, "iam.amazonaws.com");
	assert_string_equal(u.path, "/");
	assert_int_equal(http_check_url("https://IAM.AmazonAWS.com", &u), PAI_OK);
	assert_string_equal(u.host, "iam.amazonaws.com");
	assert_string_equal(u.path, "/");
}

static void default_port_is_dropped_from_host_other_ports_kept(void **state)
{
	struct http_url u;

	(void)state;
	assert_int_equal(http_check_url("https://sts.amazonaws.com:443/", &u), PAI_OK);
	assert_string_equal(u.host, "sts.amazonaws.com");
	assert_int_equal(http_check_url("https://sts.amazonaws.com:8443/", &u), PAI_OK);
	assert_string_equal(u.host, "sts.amazonaws.com:8443");
	assert_int_equal(http_check_url("http://127.0.0.1:80/", &u), PAI_OK);
	assert_string_equal(u.host, "127.0.0.1");
	assert_int_equal(http_check_url("http://127.0.0.1:4566/", &u), PAI_OK);
	assert_string_equal(u.host, "127.0.0.1:4566");
	assert_false(u.https);
}

static void plain_http_only_to_loopback_literals(void **state)
{
	struct http_url u;

	(void)state;
	assert_int_equal(http_check_url("http://127.0.0.1:1234/", &u), PAI_OK);
	assert_int_equal(http_check_url("http://127.9.8.7/", &u), PAI_OK);
	assert_int_equal(http_check_url("http://[::1]:1234/", &u), PAI_OK);
	assert_string_equal(u.host, "[::1]:1234");
	assert_int_equal(http_check_url("http://localhost/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://10.0.0.1/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://169.254.169.254/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://iam.amazonaws.com/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://[::2]/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://[::ffff:127.0.0.1]/", &u), PAI_ERR_REFUSED);
	assert_int_equal(http_check_url("http://128.0.0.1/", &u), PAI_ERR_REFUSED);
}

static void odd_urls_are_invalid(void **state)
{
	static const char *const bad[] = {
	    "",
	    "not a url",
	    "ftp://127.0.0.1/",
	    "file:///etc/passwd",
	    "gopher://127.0.0.1/",
	    "https://user:pw@iam.amazonaws.com/",
	    "https://user@iam.amazonaws.com/",
	    "https://iam.amazonaws.com/?Action=GetUser",
	    "https://iam.amazonaws.com/#frag",
	    "https://iam.amazonaws.com/a%2Fb",
	    "https://iam.amazonaws.com/a b",
	    "https://xn--nxa.example.com%00/",
	    "https://iam.amazonaws.com/\r\nX-Evil: 1",
	    "//iam.amazonaws.com/",
	};
	struct http_url u;
	char longurl[HTTP_MAX_URL + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u.host[0] = 'x';
		assert_int_equal(http_check_url(bad[i], &u), PAI_ERR_INVALID);
		assert_string_equal(u.host, ""); /* nothing half-filled */
	}
	assert_int_equal(http_check_url(NULL, &u), PAI_ERR_INVALID);
	memset(longurl, 'a', sizeof(longurl) - 1);
	longurl[sizeof(longurl) - 1] = '\0';
	memcpy(longurl, "https://", 8);
	assert_int_equal(http_check_url(longurl, &u), PAI_ERR_INVALID);
}

static void loopback_detection(void **state)
{
	(void)state;
	assert_true(hostaddr_is_loopback("127.0.0.1"));
	assert_true(hostaddr_is_loopback("127.255.255.254"));
	assert_true(hostaddr_is_loopback("[::1]"));
	assert_false(hostaddr_is_loopback("localhost"));
	assert_false(hostaddr_is_loopback("::1")); /* URL hosts carry brackets */
	assert_false(hostaddr_is_loopback("126.0.0.1"));
	assert_false(hostaddr_is_loopback("127.1"));
	assert_false(hostaddr_is_loopback("[::]"));
	assert_false(hostaddr_is_loopback(""));
	assert_true(hostaddr_is_imds("169.254.169.254"));
	assert_true(hostaddr_is_imds("[fd00:ec2::254]"));
	assert_false(hostaddr_is_imds("[fd00:ec2::254"));
	assert_false(hostaddr_is_imds("169.254.169.25"));
	assert_false(hostaddr_is_loopback(NULL));
}

static void imds_requests_only_go_to_the_metadata_service(void **state)
{
	struct http_request rq = {.method = "GET"};
	struct http_result res;

	(void)state;
	rq.url = "http://10.1.2.3/latest/api/token";
	assert_int_equal(http_imds(&rq, 100, 100, 1024, &res), PAI_ERR_REFUSED);
	buf_free(&res.body);
	rq.url = "https://169.254.169.254/latest/api/token";
	assert_int_equal(http_imds(&rq, 100, 100, 1024, &res), PAI_ERR_REFUSED);
	buf_free(&res.body);
	rq.url = "http://169.254.169.254.evil.com/";
	assert_int_equal(http_imds(&rq, 100, 100, 1024, &res), PAI_ERR_REFUSED);
	buf_free(&res.body);
	rq.url = "http://169.254.169.254/latest/api/token";
	assert_int_equal(http_imds(&rq, 100, 0, 1024, &res), PAI_ERR_TIMEOUT);
	buf_free(&res.body);
	/* A closed loopback port: connection refused, reported, retryable. */
	rq.url = "http://127.0.0.1:1/latest/api/token";
	assert_int_equal(http_imds(&rq, 500, 1000, 1024, &res), PAI_ERR_NETWORK);
	assert_true(res.retryable);
	assert_true(res.detail[0] != '\0');
	assert_int_equal(res.status, 0);
	buf_free(&res.body);
}

static void perform_refuses_before_connecting(void **state)
{
	struct http *h = NULL;
	struct http_result *res = NULL;
	struct http_request rq = {.url = "http://192.0.2.1/", .body = "x", .body_len = 1};

	(void)state;
	assert_int_equal(http_new(&h, NULL), PAI_OK);
	assert_int_equal(http_perform(h, &rq, 1000, &res), PAI_ERR_REFUSED);
	assert_int_equal(res->err, PAI_ERR_REFUSED);
	rq.url = "https://iam.amazonaws.com/";
	assert_int_equal(http_perform(h, &rq, 0, &res), PAI_ERR_TIMEOUT);
	rq.url = "http://127.0.0.1:1/";
	rq.method = "DELETE";
	assert_int_equal(http_perform(h, &rq, 1000, &res), PAI_ERR_INVALID);
	assert_int_equal(http_connects(h), 0);
	http_free(h);
}

static void closed_port_is_a_retryable_network_error(void **state)
{
	struct http *h = NULL;
	struct http_result *res = NULL;
	struct http_request rq = {.url = "http://127.0.0.1:1/", .body = "x", .body_len = 1};

	(void)state;
	assert_int_equal(http_new(&h, NULL), PAI_OK);
	assert_int_equal(http_perform(h, &rq, 2000, &res), PAI_ERR_NETWORK);
	assert_true(res->retryable);
	assert_int_equal(res->status, 0);
	http_free(h);
}

static void slots_run_concurrently_and_report_each(void **state)
{
	struct http *h = NULL;
	struct http_xfer *x[3];
	struct http_request rq = {.url = "http://127.0.0.1:1/"};
	int i, rounds = 0;

	(void)state;
	assert_int_equal(http_new(&h, NULL), PAI_OK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(http_xfer_new(h, &x[i]), PAI_OK);
		assert_false(http_xfer_done(x[i]));
	}
	assert_int_equal(http_xfer_start(x[0], &rq, 2000), PAI_OK);
	assert_int_equal(http_xfer_start(x[1], &rq, 2000), PAI_OK);
	rq.url = "http://10.0.0.1/";
	assert_int_equal(http_xfer_start(x[2], &rq, 2000), PAI_ERR_REFUSED);
	assert_true(http_xfer_done(x[2]));
	while ((!http_xfer_done(x[0]) || !http_xfer_done(x[1])) && rounds++ < 50)
		assert_int_equal(http_run(h, 100), PAI_OK);
	assert_int_equal(http_xfer_result(x[0])->err, PAI_ERR_NETWORK);
	assert_int_equal(http_xfer_result(x[1])->err, PAI_ERR_NETWORK);
	assert_int_equal(http_xfer_result(x[2])->err, PAI_ERR_REFUSED);
	/* A done slot can be started again. */
	rq.url = "http://127.0.0.1:1/";
	assert_int_equal(http_xfer_start(x[0], &rq, 2000), PAI_OK);
	assert_int_equal(http_xfer_start(x[0], &rq, 2000), PAI_ERR_INVALID); /* busy */
	for (i = 0; i < 3; i++)
		http_xfer_free(x[i]); /* x[0] still running: freed cleanly */
	http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(https_url_splits_for_signing),
	    cmocka_unit_test(default_port_is_dropped_from_host_other_ports_kept),
	    cmocka_unit_test(plain_http_only_to_loopback_literals),
	    cmocka_unit_test(odd_urls_are_invalid),
	    cmocka_unit_test(loopback_detection),
	    cmocka_unit_test(imds_requests_only_go_to_the_metadata_service),
	    cmocka_unit_test(perform_refuses_before_connecting),
	    cmocka_unit_test(closed_port_is_a_retryable_network_error),
	    cmocka_unit_test(slots_run_concurrently_and_report_each),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
