# SPDX-License-Identifier: MIT
"""Every Secrets Manager operation of helper/net/secretsmanager.c, and STS GetSessionToken,
through build/sm-op against the local endpoint, which checks every signature with botocore and
keeps Secrets Manager's own rules: results and what the endpoint stored, the compare-and-swap
of two rivals, a secret marked for deletion, retries (throttling, 5xx, CreateSecret's once)
bounded by the call log, hostile JSON replies, one connection for a run, and calls signed with
a GetSessionToken session."""
import os
import subprocess
import time
import uuid

import pytest

from pai_testlib import build_path, clean_env

SM_OP = build_path("sm-op")
EXIT_BASE = 10
# pai_err values (helper/err.h)
OK, NOMEM, INVALID, TOOBIG, NETWORK, TIMEOUT, REPLY, AWS, NOT_FOUND, EXISTS, LIMIT, DENIED, \
	CONFIG, FILE, REFUSED, CRYPTO = range(16)
NAMESPACE = uuid.UUID("c0e1d3c2-b0f1-4dfd-bc06-84210930bc9a")  # SM_TOKEN_NAMESPACE
USER_ID = "AIDAJQABLZS4A3QDU576Q"

pytestmark = pytest.mark.skipif(not os.path.exists(SM_OP), reason="build/sm-op not built")


class Result:
	def __init__(self, p, elapsed):
		self.rc = p.returncode
		self.stdout = p.stdout
		self.stderr = p.stderr
		self.elapsed = elapsed
		self.err = None if p.returncode in (0, 2) else p.returncode - EXIT_BASE
		self.kv = {}
		for line in p.stdout.splitlines():
			k, _, v = line.partition("=")
			self.kv[k] = v

	def __getitem__(self, k):
		return self.kv[k]


def sm_op(ep, *args, opts=(), region=None, timeout=60):
	cmd = [SM_OP, "--endpoint", ep.url, "--credentials-file", ep.admin_credentials_file,
	       "--region", region or ep.service_region] + list(opts) + [str(a) for a in args]
	start = time.monotonic()
	p = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True, timeout=timeout,
	                   stdin=subprocess.DEVNULL)
	return Result(p, time.monotonic() - start)


def token(name):
	"""What the fleet code derives: uuid5(SM_TOKEN_NAMESPACE, name)."""
	return str(uuid.uuid5(NAMESPACE, name))


@pytest.fixture
def ep(iam_endpoint_session):
	iam_endpoint_session.reset()
	return iam_endpoint_session


@pytest.fixture
def value_file(tmp_path):
	"""value_file(text or bytes) -> path of a file holding it."""
	n = [0]

	def make(v):
		n[0] += 1
		path = tmp_path / ("value-%d" % n[0])
		path.write_bytes(v.encode() if isinstance(v, str) else v)
		return str(path)
	return make


def sm_calls(ep, action=None):
	return [c for c in ep.calls("secretsmanager") if action is None or c["action"] == action]


def versions(sec):
	return {v["id"]: v for v in sec["versions"]}


# ---- every operation, signed as botocore signs

def test_create_describe_get_put_round_trip(ep, value_file):
	name = "pam_aws_iam/" + USER_ID
	t0 = token(USER_ID + "/")
	r = sm_op(ep, "create", name, t0, "--value-file", value_file('{"key":"AKIA..."}'),
	          "--description", "fleet key of alice", "--kms-key-id", "alias/pai")
	assert r.rc == 0, r.stderr
	sec = ep.secret(name)
	assert r["arn"] == sec["arn"] and r["version_id"] == t0
	assert sec["description"] == "fleet key of alice" and sec["kms_key_id"] == "alias/pai"
	assert versions(sec)[t0]["string"] == '{"key":"AKIA..."}'
	assert versions(sec)[t0]["stages"] == ["AWSCURRENT"]

	r = sm_op(ep, "describe", name)
	assert r.rc == 0, r.stderr
	assert (r["name"], r["current"], r["previous"], r["n_versions"]) == (name, t0, "", "1")
	assert r["scheduled_for_deletion"] == "0" and r["kms_key_id"] == "alias/pai"

	t1 = token(USER_ID + "/" + t0)
	r = sm_op(ep, "put", r["arn"], t1, "--value-file", value_file("second"))
	assert r.rc == 0, r.stderr
	assert r["version_id"] == t1
	r = sm_op(ep, "describe", name)
	assert (r["current"], r["previous"], r["n_versions"]) == (t1, t0, "2")

	r = sm_op(ep, "get", name, opts=["--show-secret"])
	assert r.rc == 0, r.stderr
	assert r["version_id"] == t1 and bytes.fromhex(r["value_hex"]) == b"second"
	r = sm_op(ep, "get", name, t0)
	assert r.rc == 0, r.stderr
	assert r["version_id"] == t0 and r["value"] == "********" and r["value_len"] == "17"

	calls = sm_calls(ep)
	assert [c["action"] for c in calls] == ["CreateSecret", "DescribeSecret", "PutSecretValue",
	                                        "DescribeSecret", "GetSecretValue",
	                                        "GetSecretValue"]
	assert all(c["status"] == 200 and c["caller_key"] == ep.admin_key_id for c in calls)
	assert calls[0]["params"]["SecretString"] == "<redacted>"
	assert calls[0]["params"]["ClientRequestToken"] == t0
	assert calls[4]["params"] == {"SecretId": name, "VersionStage": "AWSCURRENT"}
	assert calls[5]["params"] == {"SecretId": name, "VersionId": t0}


def test_values_travel_byte_for_byte(ep, value_file):
	value = ("\"quoted\" \\back\\ /slash\n\ttab \x01\x1f caf\u00e9 \U0001f600 " * 900)[:60000]
	r = sm_op(ep, "create", "bytes", token("bytes"), "--value-file", value_file(value))
	assert r.rc == 0, r.stderr
	assert versions(ep.secret("bytes"))[token("bytes")]["string"] == value
	r = sm_op(ep, "get", "bytes", opts=["--show-secret"])
	assert r.rc == 0, r.stderr
	assert bytes.fromhex(r["value_hex"]) == value.encode()


def test_64_kib_is_the_bound(ep, value_file):
	ep.put_secret("big", value="v")
	r = sm_op(ep, "put", "big", token("big/1"), "--value-file", value_file("x" * 65536))
	assert r.rc == 0, r.stderr
	r = sm_op(ep, "put", "big", token("big/2"), "--value-file", value_file("x" * 65537))
	assert r.err == INVALID
	assert len(sm_calls(ep, "PutSecretValue")) == 1


def test_a_secret_created_without_a_value_has_no_version(ep):
	r = sm_op(ep, "create", "empty", token("empty"))
	assert r.rc == 0, r.stderr
	assert r["version_id"] == ""
	r = sm_op(ep, "describe", "empty")
	assert (r["n_versions"], r["current"]) == ("0", "")
	r = sm_op(ep, "get", "empty")
	assert r.err == NOT_FOUND and "ResourceNotFoundException" in r.stderr


def test_missing_secret_is_not_found_in_one_call(ep):
	r = sm_op(ep, "describe", "nobody")
	assert r.err == NOT_FOUND
	assert "ResourceNotFoundException" in r.stderr
	assert len(sm_calls(ep)) == 1


def test_create_of_an_existing_name_is_exists_in_one_call(ep, value_file):
	ep.put_secret("taken", value="theirs")
	r = sm_op(ep, "create", "taken", token("taken/mine"), "--value-file", value_file("mine"))
	assert r.err == EXISTS
	assert "ResourceExistsException" in r.stderr
	assert len(sm_calls(ep, "CreateSecret")) == 1


@pytest.mark.parametrize("args", [
	("describe", "bad name"),
	("describe", "x" * 513),
	("describe", "arn:aws:s3:::bucket"),
	("describe", "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a-AbCdEf"),
	("get", "ok", "short-token"),
	("get", "ok", "0123456789abcdef0123456789abcde_"),
	("create", "bad name", "0123456789abcdef0123456789abcdef"),
	("create", "ok", "too-short"),
	("create", "ok", "0123456789abcdef0123456789abcdef", "--kms-key-id", "has space"),
])
def test_bad_input_is_refused_before_any_call(ep, args):
	r = sm_op(ep, *args)
	assert r.err == INVALID, (r.rc, r.stderr)
	assert ep.calls() == []


def test_invalid_utf8_value_is_refused_before_any_call(ep, value_file):
	r = sm_op(ep, "put", "ok", token("ok"), "--value-file", value_file(b"caf\xc3"))
	assert r.err == INVALID
	assert ep.calls() == []


def test_a_region_the_endpoint_does_not_serve_fails_the_signature(ep):
	ep.put_secret("here", value="v")
	r = sm_op(ep, "describe", "here", region="eu-west-1")
	assert r.err == DENIED
	assert "InvalidSignatureException" in r.stderr
	assert len(sm_calls(ep)) == 1  # never retried


def test_access_denied_is_denied_and_not_retried(ep):
	ep.put_secret("guarded", value="v")
	ep.deny(actions=["GetSecretValue"])
	r = sm_op(ep, "get", "guarded")
	assert r.err == DENIED and "AccessDeniedException" in r.stderr
	assert len(sm_calls(ep, "GetSecretValue")) == 1


def test_a_binary_secret_is_refused(ep):
	ep.put_secret("binary", binary_b64="AAECAwQ=")
	r = sm_op(ep, "get", "binary", opts=["--show-secret"])
	assert r.err == REPLY
	assert "value_hex" not in r.stdout


# ---- compare-and-swap

def test_two_rivals_with_the_same_token_one_wins(ep, value_file):
	"""Two hosts replace the same version: both derive the token from it, so the second
	write of another value is refused and the first stays current."""
	name = "pam_aws_iam/" + USER_ID
	v0 = ep.put_secret(name, value="v0", token=token("seed"))["put"]["VersionId"]
	t = token(USER_ID + "/" + v0)
	a = sm_op(ep, "put", name, t, "--value-file", value_file("host A's key"))
	b = sm_op(ep, "put", name, t, "--value-file", value_file("host B's key"))
	assert a.rc == 0, a.stderr
	assert b.err == EXISTS and "ResourceExistsException" in b.stderr
	sec = ep.secret(name)
	assert versions(sec)[t]["string"] == "host A's key"
	assert versions(sec)[t]["stages"] == ["AWSCURRENT"]
	assert versions(sec)[v0]["stages"] == ["AWSPREVIOUS"]
	assert len(sec["versions"]) == 2
	# A again, same token and value (a retry): answered by its own version, nothing new
	a2 = sm_op(ep, "put", name, t, "--value-file", value_file("host A's key"))
	assert a2.rc == 0 and a2["version_id"] == t
	assert len(ep.secret(name)["versions"]) == 2


def test_two_rivals_at_the_same_moment_one_wins(ep, value_file):
	"""The same race with both requests in flight at once (one flush, two connections)."""
	name = "race"
	v0 = ep.put_secret(name, value="v0", token=token("race-seed"))["put"]["VersionId"]
	t = token("race/" + v0)
	r = sm_op(ep, "batch", "put", name, t, "--value-file", value_file("A"), "--",
	          "put", name, t, "--value-file", value_file("B"))
	statuses = sorted([r.kv.get("0.status", "0"), r.kv.get("1.status", "0")])
	assert statuses == ["0", str(EXISTS)], r.stdout + r.stderr
	sec = ep.secret(name)
	assert len(sec["versions"]) == 2
	assert versions(sec)[t]["string"] in ("A", "B")
	assert len(sm_calls(ep, "PutSecretValue")) == 2


def test_a_lost_reply_of_put_is_retried_into_the_same_version(ep, value_file):
	"""PutSecretValue acted, then the reply was lost (a 500 after the action): the retry,
	with the same token and value, is answered by that version and writes nothing new."""
	ep.put_secret("lost", value="v0", token=token("lost-seed"))
	t = token("lost/1")
	ep.faults(error500=1.0, count=1, apply="after", only_actions=["PutSecretValue"])
	r = sm_op(ep, "put", "lost", t, "--value-file", value_file("new"))
	assert r.rc == 0, r.stderr
	assert r["version_id"] == t
	puts = sm_calls(ep, "PutSecretValue")
	assert [c["fault"] for c in puts] == ["error500", None]
	assert len(ep.secret("lost")["versions"]) == 2


def test_create_secret_is_sent_once_after_it_may_have_acted(ep, value_file):
	ep.faults(error500=1.0, count=1, apply="after", only_actions=["CreateSecret"])
	r = sm_op(ep, "create", "once", token("once"), "--value-file", value_file("v"))
	assert r.err == AWS and "InternalServiceError" in r.stderr
	assert len(sm_calls(ep, "CreateSecret")) == 1
	assert ep.secret("once") is not None  # it did act: the caller must read to know
	# throttling means AWS did nothing: that is retried
	ep.faults(throttle=1.0, count=1, only_actions=["CreateSecret"])
	r = sm_op(ep, "create", "once-2", token("once-2"), "--value-file", value_file("v"))
	assert r.rc == 0, r.stderr
	assert len(sm_calls(ep, "CreateSecret")) == 3


# ---- a secret marked for deletion

def test_a_secret_marked_for_deletion(ep, value_file):
	ep.put_secret("doomed", value="v", token=token("doomed"))
	ep.delete_secret("doomed", days=7)
	r = sm_op(ep, "describe", "doomed")
	assert r.rc == 0, r.stderr
	assert r["scheduled_for_deletion"] == "1"
	for args in (("get", "doomed"),
	             ("put", "doomed", token("doomed/2"), "--value-file", value_file("w")),
	             ("create", "doomed", token("doomed/3"), "--value-file", value_file("w"))):
		r = sm_op(ep, *args)
		assert r.err == AWS, (args, r.rc, r.stderr)
		assert "InvalidRequestException" in r.stderr
	assert all(c["error"] == "InvalidRequestException" for c in sm_calls(ep)[1:])
	assert len(sm_calls(ep)) == 4  # none retried
	ep.restore_secret("doomed")
	assert sm_op(ep, "get", "doomed").rc == 0


# ---- retries within the deadline

def test_throttling_is_retried(ep):
	ep.put_secret("busy", value="v")
	ep.faults(throttle=1.0, count=2, only_actions=["GetSecretValue"])
	r = sm_op(ep, "get", "busy")
	assert r.rc == 0, r.stderr
	gets = sm_calls(ep, "GetSecretValue")
	assert [c["fault"] for c in gets] == ["throttle", "throttle", None]
	assert r["attempts"] == "3"


@pytest.mark.parametrize("code", ["TooManyRequestsException", "RequestLimitExceeded"])
def test_other_throttling_codes_are_retried(ep, code):
	ep.put_secret("busy", value="v")
	ep.faults(throttle=1.0, count=1, throttle_code=code, only_actions=["DescribeSecret"])
	r = sm_op(ep, "describe", "busy")
	assert r.rc == 0, r.stderr
	assert len(sm_calls(ep, "DescribeSecret")) == 2


def test_internal_errors_are_retried_but_not_forever(ep):
	ep.put_secret("flaky", value="v")
	ep.faults(error500=1.0, only_actions=["DescribeSecret"])
	r = sm_op(ep, "describe", "flaky")
	assert r.err == AWS and "InternalServiceError" in r.stderr and "3 attempt" in r.stderr
	assert len(sm_calls(ep, "DescribeSecret")) == 3


def test_endless_throttling_ends_within_the_deadline(ep):
	ep.put_secret("busy", value="v")
	ep.faults(throttle=1.0, only_actions=["GetSecretValue"])
	r = sm_op(ep, "get", "busy", opts=["--deadline-ms", "1500", "--max-attempts", "10"])
	assert r.err in (AWS, TIMEOUT), r.stderr
	assert "ThrottlingException" in r.stderr or r.err == TIMEOUT
	assert 1 <= len(sm_calls(ep, "GetSecretValue")) <= 10
	assert r.elapsed < 1.5 + 2.0  # the deadline, plus process start (under ASan too)


# ---- hostile JSON replies

@pytest.mark.parametrize("mode,want", [
	("missing_fields", (REPLY,)),
	("duplicated_fields", (REPLY,)),
	("newline_values", (REPLY,)),
	("other_user", (REPLY,)),
	("http200_error", (DENIED,)),
	("doctype_xxe", (REPLY,)),
	("entity_bomb", (REPLY,)),
	("garbage", (REPLY,)),
	("truncated", (REPLY,)),
	("huge", (TOOBIG,)),
])
@pytest.mark.parametrize("action", ["GetSecretValue", "DescribeSecret"])
def test_hostile_replies_end_in_a_clear_error(ep, mode, want, action):
	ep.put_secret("victim", value="the-secret-value", token=token("victim"))
	ep.put_secret("other", value="another-secret", token=token("other"))
	opts = {"size": 2 * 1024 * 1024} if mode == "huge" else {}
	ep.hostile(mode, actions=[action], **opts)
	r = sm_op(ep, "get" if action == "GetSecretValue" else "describe", "victim",
	          opts=["--show-secret"])
	assert r.err in want, (mode, r.rc, r.stderr)
	assert "arn=" not in r.stdout and "value_hex" not in r.stdout
	assert "the-secret-value" not in r.stderr and "another-secret" not in r.stderr
	assert len(r.stderr.strip().splitlines()) == 1
	assert len(sm_calls(ep, action)) == 1  # a 2xx is never retried


# ---- one connection, one client for both protocols

def test_a_run_uses_one_connection_for_sts_and_secrets_manager(ep, value_file):
	ep.put_secret("one", value="v", token=token("one"))
	r = sm_op(ep, "seq", "get-caller-identity", "--", "describe", "one", "--", "get", "one",
	          "--", "put", "one", token("one/2"), "--value-file", value_file("w"))
	assert r.rc == 0, r.stderr
	assert r["connects"] == "1" and r["attempts"] == "4"
	calls = ep.calls()
	assert [c["action"] for c in calls] == ["GetCallerIdentity", "DescribeSecret",
	                                        "GetSecretValue", "PutSecretValue"]
	assert len({c["conn"] for c in calls}) == 1


def test_queued_calls_report_each_result(ep):
	ep.put_secret("q1", value="a", token=token("q1"))
	ep.put_secret("q2", value="b", token=token("q2"))
	r = sm_op(ep, "batch", "describe", "q1", "--", "get", "q2", "--", "describe", "missing",
	          "--", "get-caller-identity")
	assert r.err == NOT_FOUND
	assert r["0.name"] == "q1" and r["1.version_id"] == token("q2")
	assert r["2.status"] == str(NOT_FOUND) and r["2.code"] == "ResourceNotFoundException"
	assert r["3.account"] == ep.account
	assert r["attempts"] == "4"


# ---- STS sessions

def test_get_session_token_returns_working_credentials(ep):
	r = sm_op(ep, "get-session-token", 900)
	assert r.rc == 0, r.stderr
	assert r["access_key_id"].startswith("ASIA")
	assert r["secret_access_key"] == "********"
	s = [x for x in ep.sessions() if x["id"] == r["access_key_id"]]
	assert s and s[0]["user"] == ep.admin_user
	assert int(r["expires"]) == int(s[0]["expires"])
	assert calls_params(ep, "GetSessionToken") == [{"Action": "GetSessionToken",
	                                                "Version": "2011-06-15",
	                                                "DurationSeconds": "900"}]


def calls_params(ep, action):
	return [c["params"] for c in ep.calls() if c["action"] == action]


@pytest.mark.parametrize("duration", [899, 129601])
def test_session_duration_is_bounded_before_any_call(ep, duration):
	r = sm_op(ep, "get-session-token", duration)
	assert r.err == INVALID
	assert ep.calls() == []


def test_a_session_signs_sts_and_secrets_manager_calls(ep, value_file):
	ep.put_secret("viasession", value="v", token=token("viasession"))
	r = sm_op(ep, "seq", "get-caller-identity", "--", "get", "viasession", "--",
	          "put", "viasession", token("viasession/2"), "--value-file", value_file("w"),
	          opts=["--session-duration", "900"])
	assert r.rc == 0, r.stderr
	assert r["0.arn"] == "arn:aws:iam::%s:user/%s" % (ep.account, ep.admin_user)
	session_key = r["session_key_id"]
	assert session_key.startswith("ASIA")
	calls = ep.calls()
	assert [c["action"] for c in calls] == ["GetSessionToken", "GetCallerIdentity",
	                                        "GetSecretValue", "PutSecretValue"]
	assert calls[0]["caller_key"] == ep.admin_key_id
	assert all(c["caller_key"] == session_key and c["status"] == 200 for c in calls[1:])


def test_a_session_cannot_ask_for_another(ep):
	r = sm_op(ep, "get-session-token", 900, opts=["--session-duration", "900"])
	assert r.err == DENIED and "AccessDenied" in r.stderr
	assert [c["action"] for c in ep.calls()] == ["GetSessionToken", "GetSessionToken"]


# ---- other partitions

def test_china_partition_signs_for_its_region(iam_endpoint_factory, value_file):
	ep = iam_endpoint_factory(partition="aws-cn", region="cn-northwest-1")
	r = sm_op(ep, "create", "cn", token("cn"), "--value-file", value_file("v"),
	          opts=["--partition", "aws-cn"], region="cn-northwest-1")
	assert r.rc == 0, r.stderr
	assert r["arn"].startswith("arn:aws-cn:secretsmanager:cn-northwest-1:")
	r = sm_op(ep, "get", "cn", opts=["--partition", "aws-cn"], region="cn-northwest-1")
	assert r.rc == 0, r.stderr
	r = sm_op(ep, "get", "cn", opts=["--partition", "aws-cn"], region="us-east-1")
	assert r.err == INVALID  # not a region of aws-cn: nothing sent
	assert len(sm_calls(ep)) == 2
