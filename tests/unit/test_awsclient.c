/* SPDX-License-Identifier: MIT */
/* test_awsclient.c — the AWS Query client's rules that need no server: the partition table,
 * the request body, standard-mode retry decisions and delays, error-code mapping, option
 * checks, and calls that end before or at connect (deadline passed, port closed). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <time.h>

#include "awsclient.h"
#include "awsquery.h"
#include "awsretry.h"
#include "endpoints.h"
#include "iam.h"

static const struct aws_creds test_creds = {
    .access_key_id = "AKIDEXAMPLE0000000000",
    .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
};

static void partition_table(void **state)
{
	const struct aws_partition *p;

	(void)state;
	p = endpoints_partition(NULL);
	assert_non_null(p);
	assert_string_equal(p->name, "aws");
	assert_string_equal(endpoints_url(p, AWS_IAM), "https://iam.amazonaws.com/");
	assert_string_equal(endpoints_region(p, AWS_IAM), "us-east-1");
	assert_string_equal(endpoints_url(p, AWS_STS), "https://sts.amazonaws.com/");
	assert_string_equal(endpoints_region(p, AWS_STS), "us-east-1");
	p = endpoints_partition("aws-cn");
	assert_string_equal(endpoints_url(p, AWS_IAM), "https://iam.cn-north-1.amazonaws.com.cn/");
	assert_string_equal(endpoints_region(p, AWS_IAM), "cn-north-1");
	assert_string_equal(endpoints_url(p, AWS_STS), "https://sts.cn-north-1.amazonaws.com.cn/");
	p = endpoints_partition("aws-us-gov");
	assert_string_equal(endpoints_url(p, AWS_IAM), "https://iam.us-gov.amazonaws.com/");
	assert_string_equal(endpoints_region(p, AWS_IAM), "us-gov-west-1");
	assert_string_equal(endpoints_url(p, AWS_STS), "https://sts.us-gov-west-1.amazonaws.com/");
	assert_null(endpoints_partition("aws-iso"));
	assert_null(endpoints_partition(""));
	assert_null(endpoints_partition("AWS"));
	assert_string_equal(endpoints_api_version(AWS_IAM), "2010-05-08");
	assert_string_equal(endpoints_api_version(AWS_STS), "2011-06-15");
	assert_string_equal(endpoints_service_name(AWS_STS), "sts");
	assert_string_equal(endpoints_service_name(AWS_SECRETS), "secretsmanager");
	assert_string_equal(endpoints_api_version(AWS_SECRETS), "2017-10-17");
	assert_int_equal(endpoints_protocol(AWS_IAM), AWS_PROTOCOL_QUERY);
	assert_int_equal(endpoints_protocol(AWS_STS), AWS_PROTOCOL_QUERY);
	assert_int_equal(endpoints_protocol(AWS_SECRETS), AWS_PROTOCOL_JSON);
	assert_null(endpoints_url(endpoints_partition(NULL), AWS_SECRETS)); /* regional */
}

static void secrets_manager_is_regional_per_partition(void **state)
{
	const struct aws_partition *aws = endpoints_partition("aws"),
	                           *cn = endpoints_partition("aws-cn"),
	                           *gov = endpoints_partition("aws-us-gov");
	char url[128];

	(void)state;
	assert_int_equal(endpoints_regional_url(aws, AWS_SECRETS, "eu-west-1", url, sizeof(url)),
	                 PAI_OK);
	assert_string_equal(url, "https://secretsmanager.eu-west-1.amazonaws.com/");
	assert_int_equal(
	    endpoints_regional_url(cn, AWS_SECRETS, "cn-northwest-1", url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://secretsmanager.cn-northwest-1.amazonaws.com.cn/");
	assert_int_equal(
	    endpoints_regional_url(gov, AWS_SECRETS, "us-gov-east-1", url, sizeof(url)), PAI_OK);
	assert_string_equal(url, "https://secretsmanager.us-gov-east-1.amazonaws.com/");
	/* a region belongs to one partition */
	assert_int_equal(endpoints_regional_url(aws, AWS_SECRETS, "cn-north-1", url, sizeof(url)),
	                 PAI_ERR_INVALID);
	assert_string_equal(url, "");
	assert_int_equal(endpoints_regional_url(cn, AWS_SECRETS, "us-east-1", url, sizeof(url)),
	                 PAI_ERR_INVALID);
	assert_int_equal(endpoints_regional_url(aws, AWS_IAM, "us-east-1", url, sizeof(url)),
	                 PAI_ERR_INVALID);
	assert_int_equal(endpoints_regional_url(aws, AWS_SECRETS, "us-east-1", url, 20),
	                 PAI_ERR_TOOBIG);
	assert_true(endpoints_valid_region(aws, "us-east-1"));
	assert_true(endpoints_valid_region(aws, "ap-southeast-3"));
	assert_true(endpoints_valid_region(aws, "il-central-1"));
	assert_false(endpoints_valid_region(aws, "us-gov-west-1"));
	assert_false(endpoints_valid_region(aws, "us-iso-east-1"));
	assert_false(endpoints_valid_region(aws, "us-east"));
	assert_false(endpoints_valid_region(aws, "us-east-123"));
	assert_false(endpoints_valid_region(aws, "US-east-1"));
	assert_false(endpoints_valid_region(aws, "us-east-1.evil.com/x"));
	assert_false(endpoints_valid_region(aws, "us--1"));
	assert_false(endpoints_valid_region(aws, ""));
	assert_false(endpoints_valid_region(aws, NULL));
	assert_true(endpoints_valid_region(gov, "us-gov-west-1"));
	assert_false(endpoints_valid_region(gov, "us-east-1"));
	assert_true(endpoints_valid_region(cn, "cn-north-1"));
	assert_false(endpoints_valid_region(cn, "cn-north"));
}

static void body_is_action_version_then_params_encoded(void **state)
{
	struct aws_query q = {.action = "CreateLoginProfile"};
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(aws_query_add(&q, "UserName", "bob+1@x.com"), PAI_OK);
	assert_int_equal(aws_query_add(&q, "Password", "p w/=&?%\xc3\xa9~-_."), PAI_OK);
	assert_int_equal(aws_query_body(AWS_IAM, &q, &b), PAI_OK);
	assert_string_equal(b.data, "Action=CreateLoginProfile&Version=2010-05-08"
	                            "&UserName=bob%2B1%40x.com"
	                            "&Password=p%20w%2F%3D%26%3F%25%C3%A9~-_.");
	buf_reset(&b);
	q = (struct aws_query){.action = "GetCallerIdentity"};
	assert_int_equal(aws_query_body(AWS_STS, &q, &b), PAI_OK);
	assert_string_equal(b.data, "Action=GetCallerIdentity&Version=2011-06-15");
	buf_free(&b);
}

static void body_refuses_bad_queries(void **state)
{
	struct aws_query q = {.action = ""};
	struct buf b;

	(void)state;
	buf_init(&b, 0);
	assert_int_equal(aws_query_body(AWS_IAM, &q, &b), PAI_ERR_INVALID);
	assert_int_equal(aws_query_body(AWS_IAM, NULL, &b), PAI_ERR_INVALID);
	q.action = "GetUser";
	q.n = 1;
	q.p[0].name = "UserName";
	q.p[0].value = NULL;
	assert_int_equal(aws_query_body(AWS_IAM, &q, &b), PAI_ERR_INVALID);
	buf_free(&b);
	/* A bound that the body does not fit. */
	buf_init(&b, 20);
	q.p[0].value = "alice";
	assert_int_equal(aws_query_body(AWS_IAM, &q, &b), PAI_ERR_TOOBIG);
	buf_free(&b);
}

static void query_add_bounds(void **state)
{
	struct aws_query q = {.action = "TagUser"};
	size_t i;

	(void)state;
	assert_int_equal(aws_query_add(&q, NULL, "v"), PAI_ERR_INVALID);
	assert_int_equal(aws_query_add(&q, "", "v"), PAI_ERR_INVALID);
	assert_int_equal(aws_query_add(&q, "n", NULL), PAI_ERR_INVALID);
	for (i = 0; i < AWS_QUERY_MAX_PARAMS; i++)
		assert_int_equal(aws_query_add(&q, "n", "v"), PAI_OK);
	assert_int_equal(aws_query_add(&q, "n", "v"), PAI_ERR_TOOBIG);
	assert_int_equal(q.n, AWS_QUERY_MAX_PARAMS);
}

static void retried_errors_are_throttling_transient_and_5xx_only(void **state)
{
	static const char *const retried[] = {
	    "Throttling",
	    "ThrottlingException",
	    "ThrottledException",
	    "RequestThrottledException",
	    "TooManyRequestsException",
	    "ProvisionedThroughputExceededException",
	    "TransactionInProgressException",
	    "RequestLimitExceeded",
	    "BandwidthLimitExceeded",
	    "SlowDown",
	    "PriorRequestNotComplete",
	    "EC2ThrottledException",
	    "RequestTimeout",
	    "InternalError",
	    "InternalServiceError",
	};
	static const char *const never[] = {
	    "LimitExceeded",
	    "NoSuchEntity",
	    "EntityAlreadyExists",
	    "AccessDenied",
	    "SignatureDoesNotMatch",
	    "ValidationError",
	    "InvalidAction",
	    "",
	    "throttling",
	    "LimitExceededException",
	    "ResourceExistsException",
	    "InvalidRequestException",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(retried) / sizeof(retried[0]); i++)
		assert_true(aws_retryable(retried[i], 400));
	for (i = 0; i < sizeof(never) / sizeof(never[0]); i++)
		assert_false(aws_retryable(never[i], 400));
	assert_true(aws_retryable("", 500));
	assert_true(aws_retryable("ServiceFailure", 500));
	assert_true(aws_retryable("", 502));
	assert_true(aws_retryable("", 503));
	assert_true(aws_retryable("", 504));
	assert_true(aws_retryable("", 429));
	assert_false(aws_retryable("", 501));
	assert_false(aws_retryable("", 403));
	assert_false(aws_retryable("", 404));
	assert_false(aws_retryable("", 200));
	/* A quota stays a quota whatever status carries it. */
	assert_false(aws_retryable("LimitExceeded", 500));
	assert_false(aws_retryable("LimitExceeded", 503));
	assert_false(aws_retryable("LimitExceededException", 500));
	assert_false(aws_throttled("LimitExceededException", 400));
	assert_true(aws_throttled("ThrottlingException", 400));
	assert_true(aws_throttled("TooManyRequestsException", 429));
	assert_false(aws_throttled("InternalServiceError", 500));
}

static void backoff_is_jittered_exponential_capped_at_20s(void **state)
{
	(void)state;
	assert_int_equal(aws_backoff_ms(1, 0), 0);
	assert_int_equal(aws_backoff_ms(1, UINT32_C(1) << 31), 500);
	assert_in_range(aws_backoff_ms(1, UINT32_MAX), 999, 999);
	assert_int_equal(aws_backoff_ms(2, UINT32_C(1) << 31), 1000);
	assert_in_range(aws_backoff_ms(2, UINT32_MAX), 1999, 1999);
	assert_int_equal(aws_backoff_ms(3, UINT32_C(1) << 31), 2000);
	assert_int_equal(aws_backoff_ms(5, UINT32_C(1) << 31), 8000);
	assert_in_range(aws_backoff_ms(6, UINT32_MAX), 19999, 19999); /* 2^5 s capped at 20 */
	assert_in_range(aws_backoff_ms(40, UINT32_MAX), 19999, 19999);
	assert_int_equal(aws_backoff_ms(0, UINT32_C(1) << 31), 500);
}

static void random_source_varies(void **state)
{
	uint32_t a = aws_random32(), b = aws_random32(), c = aws_random32();

	(void)state;
	assert_false(a == b && b == c);
}

static void error_codes_map_to_statuses(void **state)
{
	(void)state;
	assert_int_equal(aws_error_status("NoSuchEntity"), PAI_ERR_NOT_FOUND);
	assert_int_equal(aws_error_status("EntityAlreadyExists"), PAI_ERR_EXISTS);
	assert_int_equal(aws_error_status("LimitExceeded"), PAI_ERR_LIMIT);
	assert_int_equal(aws_error_status("AccessDenied"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("InvalidClientTokenId"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("SignatureDoesNotMatch"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("ExpiredToken"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("Throttling"), PAI_ERR_AWS);
	assert_int_equal(aws_error_status("ServiceFailure"), PAI_ERR_AWS);
	assert_int_equal(aws_error_status("nosuchentity"), PAI_ERR_AWS);
	assert_int_equal(aws_error_status(""), PAI_ERR_AWS);
	/* Secrets Manager (JSON 1.1) */
	assert_int_equal(aws_error_status("ResourceNotFoundException"), PAI_ERR_NOT_FOUND);
	assert_int_equal(aws_error_status("ResourceExistsException"), PAI_ERR_EXISTS);
	assert_int_equal(aws_error_status("LimitExceededException"), PAI_ERR_LIMIT);
	assert_int_equal(aws_error_status("AccessDeniedException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("UnrecognizedClientException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("InvalidSignatureException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("IncompleteSignatureException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("MissingAuthenticationTokenException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("ExpiredTokenException"), PAI_ERR_DENIED);
	assert_int_equal(aws_error_status("InvalidRequestException"), PAI_ERR_AWS);
	assert_int_equal(aws_error_status("InternalServiceError"), PAI_ERR_AWS);
}

static void client_options_are_checked(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {0};
	struct aws_creds nokey = {.secret_access_key = "s"};

	(void)state;
	assert_int_equal(aws_client_new(&c, NULL, &test_creds), PAI_OK);
	assert_string_equal(aws_client_region(c, AWS_IAM), "us-east-1");
	assert_in_range(aws_client_remaining_ms(c), 7000, 8000);
	assert_int_equal(aws_client_attempts(c), 0);
	aws_client_free(c);
	o.partition = "aws-us-gov";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	assert_string_equal(aws_client_region(c, AWS_IAM), "us-gov-west-1");
	assert_string_equal(aws_client_region(c, AWS_SECRETS), "us-gov-west-1"); /* the default */
	assert_string_equal(aws_client_partition(c), "aws-us-gov");
	aws_client_free(c);
	o.region = "us-gov-east-1";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	assert_string_equal(aws_client_region(c, AWS_SECRETS), "us-gov-east-1");
	assert_string_equal(aws_client_region(c, AWS_STS), "us-gov-west-1");
	aws_client_free(c);
	o.region = "eu-west-1"; /* not a GovCloud region */
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	o.partition = NULL;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	assert_string_equal(aws_client_region(c, AWS_SECRETS), "eu-west-1");
	aws_client_free(c);
	o.secretsmanager_endpoint = "http://secretsmanager.example.com/";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	o.secretsmanager_endpoint = "http://127.0.0.1:9/";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	aws_client_free(c);
	o.secretsmanager_endpoint = NULL;
	o.region = NULL;
	o.partition = "mars";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	assert_null(c);
	o.partition = NULL;
	o.iam_endpoint = "http://iam.example.com/";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	o.iam_endpoint = "http://127.0.0.1:9/";
	o.sts_endpoint = "http://10.0.0.1/";
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	o.sts_endpoint = NULL;
	o.max_attempts = -1;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_ERR_INVALID);
	o.max_attempts = 0;
	assert_int_equal(aws_client_new(&c, &o, &nokey), PAI_ERR_INVALID);
	assert_int_equal(aws_client_new(&c, &o, NULL), PAI_ERR_INVALID);
}

static void call_after_the_deadline_sends_nothing(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {.iam_endpoint = "http://127.0.0.1:1/", .deadline_ms = 1};
	struct aws_query q = {.action = "GetUser"};
	struct timespec ts = {0, 20 * 1000000L};

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	nanosleep(&ts, NULL);
	assert_int_equal(aws_client_remaining_ms(c), 0);
	assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, NULL), PAI_ERR_TIMEOUT);
	assert_int_equal(aws_client_attempts(c), 0);
	assert_int_equal(aws_client_last_error(c)->attempts, 0);
	assert_true(aws_client_last_error(c)->message[0] != '\0');
	assert_int_equal(aws_client_connects(c), 0);
	aws_client_free(c);
}

static void queued_calls_report_each_result(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {.iam_endpoint = "http://127.0.0.1:1/", .max_attempts = 1};
	struct aws_query q = {.action = "GetUser"};
	struct aws_json_request jq = {.action = "DescribeSecret"};
	struct aws_result res[3];
	int i;

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	for (i = 0; i < 3; i++)
		assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, &res[i]), PAI_OK);
	assert_int_equal(aws_client_attempts(c), 0); /* nothing sent before the flush */
	assert_int_equal(aws_client_flush(c), PAI_ERR_NETWORK);
	for (i = 0; i < 3; i++) {
		assert_int_equal(res[i].status, PAI_ERR_NETWORK);
		assert_int_equal(res[i].error.attempts, 1);
		assert_int_equal(res[i].error.http_status, 0);
	}
	assert_int_equal(aws_client_attempts(c), 3);
	/* An empty queue flushes to success; a bad query is refused at queue time. */
	assert_int_equal(aws_client_flush(c), PAI_OK);
	q.action = "";
	assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, &res[0]), PAI_ERR_INVALID);
	/* each protocol's entry point takes its own services only */
	q.action = "GetUser";
	assert_int_equal(aws_call(c, AWS_SECRETS, &q, NULL, NULL, NULL), PAI_ERR_INVALID);
	assert_int_equal(aws_json_call(c, AWS_IAM, &jq, NULL, NULL, NULL), PAI_ERR_INVALID);
	jq.action = "Describe.Secret";
	assert_int_equal(aws_json_call(c, AWS_SECRETS, &jq, NULL, NULL, NULL), PAI_ERR_INVALID);
	jq.action = "DescribeSecret";
	jq.expect_len = AWS_JSON_MAX_EXPECT + 1;
	jq.expect = &jq;
	assert_int_equal(aws_json_call(c, AWS_SECRETS, &jq, NULL, NULL, NULL), PAI_ERR_INVALID);
	assert_int_equal(aws_client_attempts(c), 3);
	aws_client_free(c);
}

static void queue_is_bounded(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {.iam_endpoint = "http://127.0.0.1:1/"};
	struct aws_query q = {.action = "GetUser"};
	static struct aws_result res[100];
	int i, queued = 0;

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	for (i = 0; i < 100; i++)
		if (aws_call(c, AWS_IAM, &q, NULL, NULL, &res[i]) == PAI_OK)
			queued++;
		else
			break;
	assert_in_range(queued, 1, 99);
	assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, &res[queued]), PAI_ERR_TOOBIG);
	aws_client_free(c); /* frees (and wipes) unflushed calls */
}

/* A call refused before it was queued was never sent, and its result slot says so even when
 * it held an earlier call's success: a caller reading results after the flush never takes an
 * unsent DeleteAccessKey or CreateAccessKey for one that ran. */
static void a_call_refused_at_queue_time_leaves_an_unsent_result(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {.iam_endpoint = "http://127.0.0.1:1/"};
	struct aws_query q = {.action = ""};
	struct aws_json_request jq = {.action = "Describe.Secret"};
	static struct aws_result res[100];
	struct aws_result r;
	int i;

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	memset(&r, 0, sizeof(r)); /* a stale success */
	assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, &r), PAI_ERR_INVALID);
	assert_int_equal(r.status, PAI_ERR_INVALID);
	assert_string_equal(r.error.code, "");
	memset(&r, 0, sizeof(r));
	assert_int_equal(aws_json_call(c, AWS_SECRETS, &jq, NULL, NULL, &r), PAI_ERR_INVALID);
	assert_int_equal(r.status, PAI_ERR_INVALID);
	memset(&r, 0, sizeof(r));
	assert_int_equal(iam_delete_access_key(c, "alice", "not-a-key-id", &r), PAI_ERR_INVALID);
	assert_int_equal(r.status, PAI_ERR_INVALID);
	q.action = "GetUser";
	for (i = 0; i < 100 && aws_call(c, AWS_IAM, &q, NULL, NULL, &res[i]) == PAI_OK; i++)
		;
	assert_true(i < 100);
	assert_int_equal(res[i].status, PAI_ERR_TOOBIG); /* the queue was full */
	aws_client_free(c);
}

static void closed_port_is_retried_then_reported(void **state)
{
	struct aws_client *c = NULL;
	struct aws_client_opts o = {.iam_endpoint = "http://127.0.0.1:1/", .max_attempts = 2};
	struct aws_query q = {.action = "GetUser"};

	(void)state;
	assert_int_equal(aws_client_new(&c, &o, &test_creds), PAI_OK);
	assert_int_equal(aws_call(c, AWS_IAM, &q, NULL, NULL, NULL), PAI_ERR_NETWORK);
	assert_int_equal(aws_client_last_error(c)->attempts, 2);
	assert_int_equal(aws_client_attempts(c), 2);
	assert_true(aws_client_last_error(c)->message[0] != '\0');
	aws_client_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(partition_table),
	    cmocka_unit_test(secrets_manager_is_regional_per_partition),
	    cmocka_unit_test(body_is_action_version_then_params_encoded),
	    cmocka_unit_test(body_refuses_bad_queries),
	    cmocka_unit_test(query_add_bounds),
	    cmocka_unit_test(retried_errors_are_throttling_transient_and_5xx_only),
	    cmocka_unit_test(backoff_is_jittered_exponential_capped_at_20s),
	    cmocka_unit_test(random_source_varies),
	    cmocka_unit_test(error_codes_map_to_statuses),
	    cmocka_unit_test(client_options_are_checked),
	    cmocka_unit_test(call_after_the_deadline_sends_nothing),
	    cmocka_unit_test(queued_calls_report_each_result),
	    cmocka_unit_test(queue_is_bounded),
	    cmocka_unit_test(a_call_refused_at_queue_time_leaves_an_unsent_result),
	    cmocka_unit_test(closed_port_is_retried_then_reported),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
