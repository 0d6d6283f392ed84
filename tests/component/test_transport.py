# SPDX-License-Identifier: MIT
"""The transport and the AWS Query client (helper/http.c, helper/awsclient.c) against the local
IAM endpoint, through build/aws-query. Every test asserts on statuses, attempt counts,
connection counts and the endpoint's call log, never on timing; wall times are printed."""
import os
import re
import subprocess

import pytest

from pai_testlib import build_path, clean_env

AWS_QUERY = build_path("aws-query")
RUN_TIMEOUT_S = 120

pytestmark = pytest.mark.skipif(not os.access(AWS_QUERY, os.X_OK),
                                reason="build/aws-query not built (make test-bins)")


class Run:
	"""One aws-query run: its per-call lines and summary, parsed."""

	def __init__(self, p):
		self.rc = p.returncode
		self.out = p.stdout
		self.err = p.stderr
		self.calls = []
		self.summary = {}
		for line in p.stdout.splitlines():
			if line.startswith("call="):
				head, _, msg = line.partition(" message=")
				d = dict(kv.split("=", 1) for kv in head.split(" "))
				d["message"] = msg
				self.calls.append(d)
			elif line.startswith("summary "):
				self.summary = {k: int(v) for k, v in
				                (kv.split("=", 1) for kv in line.split(" ")[1:])}

	@property
	def one(self):
		assert len(self.calls) == 1, self.out
		return self.calls[0]


def query(ep, action, *params, creds=None, service="iam", endpoint=None, env=None, **opts):
	"""Runs aws-query against ep; opts become --name-with-dashes values."""
	cmd = [AWS_QUERY, "--endpoint", endpoint or ep.url, "--service", service,
	       "--credentials-file", creds or ep.admin_credentials_file]
	for k, v in opts.items():
		if isinstance(v, (list, tuple)):
			for x in v:
				cmd += ["--" + k.replace("_", "-"), str(x)]
		else:
			cmd += ["--" + k.replace("_", "-"), str(v)]
	cmd += [action, *params]
	p = subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
	                   env=env or clean_env(), stdin=subprocess.DEVNULL)
	assert p.returncode in (0, 1), "aws-query crashed or misused (rc %d): %s %s" % (
		p.returncode, p.stdout, p.stderr)
	r = Run(p)
	print(p.stdout.strip())
	return r


def write_creds(tmp_path, key_id, secret, name="creds"):
	path = tmp_path / name
	path.write_text("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
	                % (key_id, secret))
	path.chmod(0o600)
	return str(path)


def aws_calls(ep, action=None):
	return [c for c in ep.calls() if c["service"] != "imds"
	        and (action is None or c["action"] == action)]


# ------------------------------------------------------------------ success and signing

def test_get_user_signed_call_is_accepted_and_parsed(iam_endpoint):
	r = query(iam_endpoint, "GetUser", get="GetUserResult/User/UserName")
	assert r.rc == 0
	assert r.one["status"] == "OK" and r.one["attempts"] == "1"
	assert r.one["GetUserResult/User/UserName"] == iam_endpoint.admin_user
	log = aws_calls(iam_endpoint)
	assert len(log) == 1
	assert log[0]["status"] == 200 and log[0]["caller_key"] == iam_endpoint.admin_key_id


def test_sts_call_signs_for_sts(iam_endpoint):
	r = query(iam_endpoint, "GetCallerIdentity", service="sts",
	          get="GetCallerIdentityResult/Account")
	assert r.one["status"] == "OK"
	assert r.one["GetCallerIdentityResult/Account"] == iam_endpoint.account
	assert aws_calls(iam_endpoint)[0]["service"] == "sts"


def test_parameters_are_form_encoded(iam_endpoint):
	"""Characters outside RFC 3986's unreserved set survive encoding and signing."""
	tag = "a b+c/d=e@f:g"
	r = query(iam_endpoint, "CreateUser", "UserName=enc+test=,.@-_", "Path=/x/y/",
	          "Tags.member.1.Key=k", "Tags.member.1.Value=" + tag,
	          get="CreateUserResult/User/UserName")
	assert r.one["status"] == "OK", r.out
	assert r.one["CreateUserResult/User/UserName"] == "enc+test=,.@-_"
	u = iam_endpoint.user("enc+test=,.@-_")
	assert u is not None and u["path"] == "/x/y/"
	assert aws_calls(iam_endpoint)[0]["params"]["Tags.member.1.Value"] == tag


# ------------------------------------------------------------------ error mapping

def test_no_such_entity_maps_to_not_found(iam_endpoint):
	r = query(iam_endpoint, "GetUser", "UserName=nobody")
	assert r.rc == 1
	assert (r.one["status"], r.one["code"], r.one["http"], r.one["attempts"]) == \
		("NOT_FOUND", "NoSuchEntity", "404", "1")
	assert "nobody" in r.one["message"]


def test_entity_already_exists_maps_to_exists(iam_endpoint):
	r = query(iam_endpoint, "CreateUser", "UserName=" + iam_endpoint.admin_user)
	assert (r.one["status"], r.one["code"]) == ("EXISTS", "EntityAlreadyExists")


def test_access_denied_maps_to_denied(iam_endpoint):
	iam_endpoint.deny(actions=["GetUser"])
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["code"], r.one["http"], r.one["attempts"]) == \
		("DENIED", "AccessDenied", "403", "1")


def test_wrong_secret_is_signature_mismatch(iam_endpoint, tmp_path):
	creds = write_creds(tmp_path, iam_endpoint.admin_key_id, "x" * 40)
	r = query(iam_endpoint, "GetUser", creds=creds)
	assert (r.one["status"], r.one["code"], r.one["attempts"]) == \
		("DENIED", "SignatureDoesNotMatch", "1")


def test_unknown_key_is_invalid_client_token(iam_endpoint, tmp_path):
	creds = write_creds(tmp_path, "AKIAUNKNOWNUNKNOWN00", "x" * 40)
	r = query(iam_endpoint, "GetUser", creds=creds)
	assert (r.one["status"], r.one["code"]) == ("DENIED", "InvalidClientTokenId")


def test_unknown_action_is_a_plain_aws_error(iam_endpoint):
	r = query(iam_endpoint, "FrobnicateUser")
	assert (r.one["status"], r.one["code"], r.one["attempts"]) == ("AWS", "InvalidAction", "1")


def test_http200_carrying_an_error_is_an_error(iam_endpoint):
	iam_endpoint.hostile("http200_error", count=1)
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["code"], r.one["http"]) == ("DENIED", "AccessDenied", "200")


# ------------------------------------------------------------------ retries

def test_retries_under_30_percent_throttling(iam_endpoint):
	"""50 sequential calls, 30% of all requests throttled: standard mode absorbs nearly all."""
	iam_endpoint.faults(throttle=0.3, seed=7)
	r = query(iam_endpoint, "GetUser", repeat=50, deadline_ms=120000)
	s = r.summary
	log = aws_calls(iam_endpoint)
	throttled = sum(1 for c in log if c.get("fault") == "throttle")
	print("30%% throttling: calls=%d ok=%d attempts=%d throttled=%d connects=%d wall_ms=%d" %
	      (s["calls"], s["ok"], s["attempts"], throttled, s["connects"], s["wall_ms"]))
	assert s["calls"] == 50
	assert s["attempts"] == len(log) == 50 + throttled - sum(
		1 for c in r.calls if c["status"] != "OK")
	assert throttled > 0 and s["attempts"] > 50
	assert s["ok"] >= 45  # P(3 throttles in a row) = 2.7%
	for c in r.calls:
		assert int(c["attempts"]) <= 3
		if c["status"] != "OK":
			assert (c["status"], c["code"], c["attempts"]) == ("AWS", "Throttling", "3")
	assert s["connects"] == 1  # throttling replies keep the connection alive


@pytest.mark.parametrize("code", ["ThrottlingException", "RequestLimitExceeded",
                                  "TooManyRequestsException", "SlowDown"])
def test_every_standard_throttling_code_is_retried(iam_endpoint, code):
	iam_endpoint.faults(throttle=1.0, throttle_code=code, count=1)
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["attempts"]) == ("OK", "2")


def test_limit_exceeded_is_never_retried(iam_endpoint):
	iam_endpoint.create_user("limited")
	iam_endpoint.create_key("limited")
	iam_endpoint.create_key("limited")
	iam_endpoint.clear_calls()
	r = query(iam_endpoint, "CreateAccessKey", "UserName=limited")
	assert (r.one["status"], r.one["code"], r.one["attempts"]) == ("LIMIT", "LimitExceeded", "1")
	assert len(aws_calls(iam_endpoint, "CreateAccessKey")) == 1


def test_injected_limit_exceeded_is_not_retried(iam_endpoint):
	iam_endpoint.faults(throttle=1.0, throttle_code="LimitExceeded")
	r = query(iam_endpoint, "GetUser", max_attempts=5)
	assert (r.one["status"], r.one["attempts"]) == ("LIMIT", "1")
	assert len(aws_calls(iam_endpoint)) == 1


def test_4xx_errors_are_not_retried(iam_endpoint):
	r = query(iam_endpoint, "GetUser", "UserName=nobody", max_attempts=5)
	assert r.one["attempts"] == "1" and len(aws_calls(iam_endpoint)) == 1


def test_http_500_is_retried(iam_endpoint):
	iam_endpoint.faults(error500=1.0, count=2)
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["attempts"]) == ("OK", "3")
	assert [c.get("fault") for c in aws_calls(iam_endpoint)] == ["error500", "error500", None]


def test_http_500_until_attempts_run_out(iam_endpoint):
	iam_endpoint.faults(error500=1.0)
	r = query(iam_endpoint, "GetUser", max_attempts=2)
	assert (r.one["status"], r.one["http"], r.one["code"], r.one["attempts"]) == \
		("AWS", "500", "ServiceFailure", "2")


def test_dropped_connection_is_retried(iam_endpoint):
	iam_endpoint.faults(drop=1.0, count=1)
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["attempts"]) == ("OK", "2")
	assert r.summary["connects"] == 2


def test_connection_refused_is_retried_then_reported(iam_endpoint):
	r = query(iam_endpoint, "GetUser", endpoint="http://127.0.0.1:1/")
	assert (r.one["status"], r.one["http"], r.one["attempts"]) == ("NETWORK", "0", "3")


def test_deadline_shorter_than_latency_times_out(iam_endpoint):
	iam_endpoint.faults(latency_ms=4000)
	r = query(iam_endpoint, "GetUser", deadline_ms=1000, max_attempts=3)
	print("deadline 1000 ms, latency 4000 ms: status=%s attempts=%s wall_ms=%d" %
	      (r.one["status"], r.one["attempts"], r.summary["wall_ms"]))
	assert (r.one["status"], r.one["attempts"]) == ("TIMEOUT", "1")


def test_backoff_never_sleeps_past_the_deadline(iam_endpoint):
	iam_endpoint.faults(throttle=1.0)
	r = query(iam_endpoint, "GetUser", deadline_ms=1500, max_attempts=10)
	assert r.one["status"] in ("AWS", "TIMEOUT")
	assert int(r.one["attempts"]) < 10
	assert int(r.one["attempts"]) == len(aws_calls(iam_endpoint))


# ------------------------------------------------------------------ bounds and hostility

def test_reply_over_the_size_cap_is_refused(iam_endpoint):
	r = query(iam_endpoint, "GetUser", max_reply=100)
	assert (r.one["status"], r.one["attempts"]) == ("TOOBIG", "1")


def test_huge_reply_is_cut_at_the_cap(iam_endpoint):
	iam_endpoint.hostile("huge", count=None, size=50 * 1024 * 1024)
	r = query(iam_endpoint, "GetUser")
	assert (r.one["status"], r.one["attempts"]) == ("TOOBIG", "1")


TRANSPORT_HOSTILE = {
	# mode: (options, acceptable statuses)
	"doctype_xxe": ({}, {"REPLY"}),
	"entity_bomb": ({}, {"REPLY"}),
	"huge": ({}, {"TOOBIG"}),
	"slow_drip": ({"interval_ms": 500}, {"TIMEOUT", "NETWORK"}),
	"never_reply": ({"max_hold_s": 30}, {"TIMEOUT"}),
	"reset_mid_body": ({}, {"NETWORK"}),
	"http200_error": ({}, {"DENIED"}),
	"truncated": ({}, {"REPLY"}),
	"garbage": ({}, {"REPLY"}),
}
# Structurally valid XML with wrong content: iam.c's parsers judge it; here it must not crash.
SEMANTIC_HOSTILE = ("missing_fields", "duplicated_fields", "newline_values", "other_user")


@pytest.mark.parametrize("mode", sorted(TRANSPORT_HOSTILE))
def test_hostile_reply_ends_in_a_clear_error(iam_endpoint, mode):
	opts, statuses = TRANSPORT_HOSTILE[mode]
	iam_endpoint.hostile(mode, count=None, **opts)
	r = query(iam_endpoint, "GetUser", deadline_ms=3000, get="GetUserResult/User/UserName")
	print("%s: status=%s attempts=%s wall_ms=%d" % (mode, r.one["status"], r.one["attempts"],
	                                                 r.summary["wall_ms"]))
	assert r.rc == 1
	assert r.one["status"] in statuses, r.out
	assert r.one["message"] and all(0x20 <= ord(ch) < 0x7f for ch in r.one["message"])
	assert "root:" not in r.out  # no external entity was ever read


@pytest.mark.parametrize("mode", SEMANTIC_HOSTILE)
def test_semantically_hostile_reply_does_not_crash(iam_endpoint, mode):
	iam_endpoint.hostile(mode, count=None)
	r = query(iam_endpoint, "GetUser", get="GetUserResult/User/UserName")
	assert r.one["status"] in ("OK", "REPLY")
	assert "\n[evil]" not in r.out


# ------------------------------------------------------------------ URL and TLS policy

@pytest.mark.parametrize("url", ["http://192.0.2.1/", "http://localhost:8080/",
                                 "http://iam.amazonaws.com/", "ftp://127.0.0.1/",
                                 "https://user:pw@iam.amazonaws.com/",
                                 "https://iam.amazonaws.com/?Action=GetUser",
                                 "file:///etc/passwd", "not a url"])
def test_plain_http_to_a_non_loopback_host_and_odd_urls_are_refused(iam_endpoint, url):
	r = query(iam_endpoint, "GetUser", endpoint=url)
	assert (r.one["status"], r.one["attempts"]) == ("INVALID", "0")
	assert r.summary["connects"] == 0


def test_untrusted_self_signed_certificate_is_refused(iam_endpoint_factory):
	ep = iam_endpoint_factory(tls=True)
	assert ep.url.startswith("https://")
	# Neither variable may widen the trust store: the helper trusts no environment.
	env = clean_env(CURL_CA_BUNDLE=ep.cert_file, SSL_CERT_FILE=ep.cert_file)
	r = query(ep, "GetUser", env=env)
	assert (r.one["status"], r.one["http"], r.one["attempts"]) == ("NETWORK", "0", "1")
	assert "certificate" in r.one["message"].lower() or "ssl" in r.one["message"].lower()
	assert aws_calls(ep) == []


def test_proxy_variables_are_ignored(iam_endpoint):
	env = clean_env(http_proxy="http://127.0.0.1:1", HTTP_PROXY="http://127.0.0.1:1",
	                https_proxy="http://127.0.0.1:1", ALL_PROXY="http://127.0.0.1:1")
	r = query(iam_endpoint, "GetUser", env=env)
	assert r.one["status"] == "OK"


# ------------------------------------------------------------------ connections

def test_sequential_calls_share_one_connection(iam_endpoint):
	r = query(iam_endpoint, "GetUser", repeat=10)
	assert r.summary["ok"] == 10 and r.summary["attempts"] == 10
	assert r.summary["connects"] == 1
	print("10 sequential calls: connects=%d wall_ms=%d" % (r.summary["connects"],
	                                                         r.summary["wall_ms"]))


def test_concurrent_calls_all_return_their_results(iam_endpoint):
	r = query(iam_endpoint, "GetUser", concurrent=8, get="GetUserResult/User/UserName")
	assert r.rc == 0 and len(r.calls) == 8
	for c in r.calls:
		assert c["status"] == "OK" and c["GetUserResult/User/UserName"] == iam_endpoint.admin_user
	assert 1 <= r.summary["connects"] <= 4  # the multi handle's per-host bound
	assert len(aws_calls(iam_endpoint)) == 8


def test_concurrent_calls_retry_independently(iam_endpoint):
	iam_endpoint.faults(throttle=0.3, seed=3)
	r = query(iam_endpoint, "GetUser", concurrent=16, deadline_ms=60000)
	log = aws_calls(iam_endpoint)
	print("16 concurrent, 30%% throttling: ok=%d attempts=%d connects=%d wall_ms=%d" %
	      (r.summary["ok"], r.summary["attempts"], r.summary["connects"], r.summary["wall_ms"]))
	assert r.summary["attempts"] == len(log) == sum(int(c["attempts"]) for c in r.calls)
	for c in r.calls:
		assert 1 <= int(c["attempts"]) <= 3
		assert c["status"] == "OK" or (c["status"], c["code"]) == ("AWS", "Throttling")
	assert r.summary["ok"] >= 12
