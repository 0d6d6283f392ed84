# SPDX-License-Identifier: MIT
"""The endpoint's Secrets Manager behaves as AWS's where the helper's fleet key store relies
on it: versions and staging labels, ClientRequestToken idempotency (the compare-and-swap),
deletion windows, JSON errors, signatures, faults and hostile replies.

Driven with botocore clients, raw signed requests (to break them on purpose) and one
/usr/bin/aws flow. The module shares one endpoint process, reset before each test.
"""
import base64
import datetime
import http.client
import json
import re
import threading
import time
import uuid

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError
from pai_testlib import run_aws

TOKEN_A = "a" * 32
TOKEN_B = "b" * 32
TOKEN_C = "c" * 32


@pytest.fixture
def iam_endpoint(iam_endpoint_session):
	iam_endpoint_session.reset()
	return iam_endpoint_session


@pytest.fixture
def sm(iam_endpoint):
	return iam_endpoint.botocore_client("secretsmanager")


def code_of(excinfo):
	r = excinfo.value.response
	return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def raw_call(ep, action, obj, key=None, secret=None, region=None, service="secretsmanager",
             tamper=None, sign=True):
	"""A JSON call as botocore would sign it; returns (status, headers, parsed body)."""
	data = json.dumps(obj).encode()
	req = AWSRequest(method="POST", url=ep.url + "/", data=data, headers={
		"Content-Type": "application/x-amz-json-1.1",
		"X-Amz-Target": "secretsmanager." + action})
	if sign:
		SigV4Auth(Credentials(key or ep.admin_key_id, secret or ep.admin_secret), service,
		          region or ep.service_region).add_auth(req)
	headers = dict(req.headers.items())
	if tamper:
		headers, data = tamper(headers, data)
	c = http.client.HTTPConnection(ep.host, ep.port, timeout=30)
	try:
		c.request("POST", "/", body=data, headers=headers)
		r = c.getresponse()
		body = r.read()
	finally:
		c.close()
	return r.status, dict(r.getheaders()), json.loads(body)


def stages(sm, name):
	return sm.describe_secret(SecretId=name)["VersionIdsToStages"]


# ---------------------------------------------------------------- create, read, describe

def test_create_secret_arn_version_and_kms_key(sm, iam_endpoint):
	r = sm.create_secret(Name="fleet/AIDAEXAMPLE", SecretString='{"k":1}',
	                     ClientRequestToken=TOKEN_A, KmsKeyId="alias/pai",
	                     Description="keys of one IAM user")
	assert re.fullmatch(r"arn:aws:secretsmanager:us-east-1:123456789012:secret:"
	                    r"fleet/AIDAEXAMPLE-[A-Za-z0-9]{6}", r["ARN"])
	assert r["Name"] == "fleet/AIDAEXAMPLE" and r["VersionId"] == TOKEN_A
	d = sm.describe_secret(SecretId="fleet/AIDAEXAMPLE")
	assert d["KmsKeyId"] == "alias/pai" and d["Description"] == "keys of one IAM user"
	assert d["VersionIdsToStages"] == {TOKEN_A: ["AWSCURRENT"]}
	assert "SecretString" not in d and "DeletedDate" not in d
	g = sm.get_secret_value(SecretId="fleet/AIDAEXAMPLE")
	assert (g["Name"], g["ARN"], g["VersionId"], g["VersionStages"], g["SecretString"]) == \
		("fleet/AIDAEXAMPLE", r["ARN"], TOKEN_A, ["AWSCURRENT"], '{"k":1}')
	assert isinstance(g["CreatedDate"], datetime.datetime)


def test_secret_id_is_a_name_a_full_arn_or_a_partial_arn(sm):
	arn = sm.create_secret(Name="s1", SecretString="x")["ARN"]
	for sid in ("s1", arn, arn[:-7]):
		assert sm.get_secret_value(SecretId=sid)["SecretString"] == "x"
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId=arn.replace("us-east-1", "eu-west-1"))
	assert code_of(e) == ("ResourceNotFoundException", 400)


def test_a_secret_without_value_has_no_version_until_the_first_put(sm):
	r = sm.create_secret(Name="empty", ClientRequestToken=TOKEN_A)
	assert "VersionId" not in r
	assert stages(sm, "empty") == {}
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId="empty")
	assert code_of(e) == ("ResourceNotFoundException", 400)
	assert "AWSCURRENT" in e.value.response["Error"]["Message"]
	p = sm.put_secret_value(SecretId="empty", SecretString="v1", ClientRequestToken=TOKEN_B,
	                        VersionStages=["AWSPENDING"])
	assert p["VersionStages"] == ["AWSPENDING", "AWSCURRENT"]  # the first is always current


def test_missing_secret_and_missing_version_are_not_found(sm):
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId="nope")
	assert code_of(e) == ("ResourceNotFoundException", 400)
	sm.create_secret(Name="s", SecretString="x", ClientRequestToken=TOKEN_A)
	for kw in ({"VersionId": TOKEN_B}, {"VersionStage": "AWSPREVIOUS"},
	           {"VersionStage": "custom"}):
		with pytest.raises(ClientError) as e:
			sm.get_secret_value(SecretId="s", **kw)
		assert code_of(e) == ("ResourceNotFoundException", 400)
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId="s", VersionId=TOKEN_A, VersionStage="AWSPENDING")
	assert code_of(e) == ("InvalidRequestException", 400)


@pytest.mark.parametrize("name", ["", "a b", "semi;colon", "x" * 513, "ünï"])
def test_bad_names_fail_validation(iam_endpoint, name):
	# raw: botocore itself refuses the lengths the model forbids before sending
	status, _, body = raw_call(iam_endpoint, "CreateSecret", {"Name": name,
	                                                          "SecretString": "x"})
	assert (status, body["__type"]) == (400, "com.amazon.coral.validate#ValidationException")
	assert "'name'" in body["Message"]


def test_name_rules_allow_every_documented_character(sm):
	name = "Az09/_+=.@-" + "x" * 501
	assert len(name) == 512
	assert sm.create_secret(Name=name, SecretString="x")["Name"] == name


def test_create_of_an_existing_name_and_create_token_idempotency(sm):
	first = sm.create_secret(Name="dup", SecretString="v", ClientRequestToken=TOKEN_A)
	again = sm.create_secret(Name="dup", SecretString="v", ClientRequestToken=TOKEN_A)
	assert (again["ARN"], again["VersionId"]) == (first["ARN"], TOKEN_A)
	for kw in ({"SecretString": "other", "ClientRequestToken": TOKEN_A},
	           {"SecretString": "v", "ClientRequestToken": TOKEN_B}):
		with pytest.raises(ClientError) as e:
			sm.create_secret(Name="dup", **kw)
		assert code_of(e) == ("ResourceExistsException", 400)
	assert stages(sm, "dup") == {TOKEN_A: ["AWSCURRENT"]}


# ---------------------------------------------------------------- versions and stages

def test_put_with_a_new_token_moves_current_and_previous(sm):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	r = sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B)
	assert (r["VersionId"], r["VersionStages"]) == (TOKEN_B, ["AWSCURRENT"])
	assert stages(sm, "s") == {TOKEN_A: ["AWSPREVIOUS"], TOKEN_B: ["AWSCURRENT"]}
	sm.put_secret_value(SecretId="s", SecretString="v3", ClientRequestToken=TOKEN_C)
	assert stages(sm, "s") == {TOKEN_B: ["AWSPREVIOUS"], TOKEN_C: ["AWSCURRENT"]}
	assert sm.get_secret_value(SecretId="s", VersionStage="AWSPREVIOUS")["SecretString"] == "v2"
	listed = sm.list_secret_version_ids(SecretId="s")["Versions"]
	assert {v["VersionId"] for v in listed} == {TOKEN_B, TOKEN_C}
	every = sm.list_secret_version_ids(SecretId="s", IncludeDeprecated=True)["Versions"]
	assert {v["VersionId"]: v.get("VersionStages") for v in every} == {
		TOKEN_A: None, TOKEN_B: ["AWSPREVIOUS"], TOKEN_C: ["AWSCURRENT"]}
	# a deprecated version can still be read by its id
	assert sm.get_secret_value(SecretId="s", VersionId=TOKEN_A)["SecretString"] == "v1"


def test_same_token_same_value_is_a_no_op_and_other_value_is_refused(sm, iam_endpoint):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B)
	again = sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B)
	assert (again["VersionId"], again["VersionStages"]) == (TOKEN_B, ["AWSCURRENT"])
	with pytest.raises(ClientError) as e:
		sm.put_secret_value(SecretId="s", SecretString="v2-other", ClientRequestToken=TOKEN_B)
	assert code_of(e) == ("ResourceExistsException", 400)
	# a retry of an old token changes nothing either: labels stay where they are
	sm.put_secret_value(SecretId="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	assert stages(sm, "s") == {TOKEN_A: ["AWSPREVIOUS"], TOKEN_B: ["AWSCURRENT"]}
	assert len(iam_endpoint.secret("s")["versions"]) == 2


def test_rivals_writing_from_the_same_predecessor_only_one_wins(iam_endpoint):
	"""The helper's compare-and-swap: the token is derived from the version it read, so two
	hosts that read the same AWSCURRENT collide on one token, and only one value lands."""
	clients = [iam_endpoint.botocore_client("secretsmanager") for _ in range(8)]
	clients[0].create_secret(Name="cas", SecretString="gen0", ClientRequestToken=TOKEN_A)
	pred = clients[0].get_secret_value(SecretId="cas")["VersionId"]
	token = str(uuid.uuid5(uuid.NAMESPACE_URL, "pai:" + pred))
	results = {}
	barrier = threading.Barrier(len(clients))

	def rival(i):
		barrier.wait(10)
		try:
			r = clients[i].put_secret_value(SecretId="cas", SecretString="host%d" % i,
			                                ClientRequestToken=token)
			results[i] = ("won", r["VersionId"])
		except ClientError as e:
			results[i] = ("lost", e.response["Error"]["Code"])
	threads = [threading.Thread(target=rival, args=(i,)) for i in range(len(clients))]
	for t in threads:
		t.start()
	for t in threads:
		t.join(30)
	winners = [i for i, r in results.items() if r[0] == "won"]
	assert len(winners) == 1 and results[winners[0]] == ("won", token)
	assert all(r == ("lost", "ResourceExistsException") for i, r in results.items()
	           if i != winners[0])
	cur = clients[0].get_secret_value(SecretId="cas")
	assert (cur["VersionId"], cur["SecretString"]) == (token, "host%d" % winners[0])
	assert stages(clients[0], "cas") == {TOKEN_A: ["AWSPREVIOUS"], token: ["AWSCURRENT"]}


def test_version_stages_on_put_leave_current_alone(sm):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	r = sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B,
	                        VersionStages=["AWSPENDING", "host-1"])
	assert r["VersionStages"] == ["AWSPENDING", "host-1"]
	assert sm.get_secret_value(SecretId="s")["VersionId"] == TOKEN_A
	assert sm.get_secret_value(SecretId="s", VersionStage="host-1")["SecretString"] == "v2"
	# a label lives on one version only: putting it elsewhere takes it away
	sm.put_secret_value(SecretId="s", SecretString="v3", ClientRequestToken=TOKEN_C,
	                    VersionStages=["host-1"])
	assert stages(sm, "s") == {TOKEN_A: ["AWSCURRENT"], TOKEN_B: ["AWSPENDING"],
	                           TOKEN_C: ["host-1"]}


def test_update_secret_version_stage_moves_labels_as_aws_does(sm):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B,
	                    VersionStages=["AWSPENDING"])
	with pytest.raises(ClientError) as e:   # AWSCURRENT is on A: RemoveFromVersionId needed
		sm.update_secret_version_stage(SecretId="s", VersionStage="AWSCURRENT",
		                               MoveToVersionId=TOKEN_B)
	assert code_of(e) == ("InvalidParameterException", 400)
	with pytest.raises(ClientError) as e:   # and it must name the version that has it
		sm.update_secret_version_stage(SecretId="s", VersionStage="AWSCURRENT",
		                               MoveToVersionId=TOKEN_B, RemoveFromVersionId=TOKEN_B)
	assert code_of(e) == ("InvalidParameterException", 400)
	sm.update_secret_version_stage(SecretId="s", VersionStage="AWSCURRENT",
	                               MoveToVersionId=TOKEN_B, RemoveFromVersionId=TOKEN_A)
	assert stages(sm, "s") == {TOKEN_A: ["AWSPREVIOUS"], TOKEN_B: ["AWSPENDING", "AWSCURRENT"]}
	sm.update_secret_version_stage(SecretId="s", VersionStage="AWSPENDING",
	                               RemoveFromVersionId=TOKEN_B)
	sm.update_secret_version_stage(SecretId="s", VersionStage="keep", MoveToVersionId=TOKEN_A)
	assert stages(sm, "s") == {TOKEN_A: ["AWSPREVIOUS", "keep"], TOKEN_B: ["AWSCURRENT"]}
	with pytest.raises(ClientError) as e:
		sm.update_secret_version_stage(SecretId="s", VersionStage="AWSCURRENT",
		                               RemoveFromVersionId=TOKEN_B)
	assert code_of(e) == ("InvalidParameterException", 400)
	with pytest.raises(ClientError) as e:
		sm.update_secret_version_stage(SecretId="s", VersionStage="x", MoveToVersionId=TOKEN_C)
	assert code_of(e) == ("InvalidParameterException", 400)


def test_put_needs_exactly_one_value_and_a_32_to_64_character_token(sm, iam_endpoint):
	sm.create_secret(Name="s", SecretString="v1")
	with pytest.raises(ClientError) as e:
		sm.put_secret_value(SecretId="s", ClientRequestToken=TOKEN_B)
	assert code_of(e) == ("InvalidParameterException", 400)
	with pytest.raises(ClientError) as e:
		sm.put_secret_value(SecretId="s", SecretString="x", SecretBinary=b"x")
	assert code_of(e) == ("InvalidParameterException", 400)
	for tok in ("t" * 31, "t" * 65):
		status, _, body = raw_call(iam_endpoint, "PutSecretValue", {
			"SecretId": "s", "SecretString": "x", "ClientRequestToken": tok})
		assert (status, body["__type"]) == (400,
		                                    "com.amazon.coral.validate#ValidationException")
		assert "clientRequestToken" in body["Message"]
	assert sm.put_secret_value(SecretId="s", SecretString="x",
	                           ClientRequestToken="t" * 64)["VersionId"] == "t" * 64


def test_sdk_generates_a_token_when_none_is_given(sm):
	r = sm.create_secret(Name="s", SecretString="v1")
	assert re.fullmatch(r"[0-9a-f-]{36}", r["VersionId"])


def test_a_value_is_at_most_65536_bytes(sm, iam_endpoint):
	sm.create_secret(Name="s", SecretString="x" * 65536)
	with pytest.raises(ClientError) as e:   # 32769 characters, 65538 bytes in UTF-8
		sm.put_secret_value(SecretId="s", SecretString="é" * 32769)
	assert code_of(e) == ("ValidationException", 400)
	for field, value in (("SecretString", "x" * 65537),
	                     ("SecretBinary", base64.b64encode(b"x" * 65537).decode())):
		status, _, body = raw_call(iam_endpoint, "PutSecretValue", {"SecretId": "s",
		                                                            field: value})
		assert (status, body["__type"]) == (400,
		                                    "com.amazon.coral.validate#ValidationException")
		assert value[:10] not in body["Message"]   # a secret is never echoed
	sm.put_secret_value(SecretId="s", SecretBinary=b"\x00\xff" * 32768)
	g = sm.get_secret_value(SecretId="s")
	assert g["SecretBinary"] == b"\x00\xff" * 32768 and "SecretString" not in g


def test_fields_of_the_wrong_json_type_or_size_are_refused(iam_endpoint):
	status, _, body = raw_call(iam_endpoint, "CreateSecret", {"Name": 5})
	assert status == 400 and body["__type"].endswith("#SerializationException")
	status, _, body = raw_call(iam_endpoint, "DescribeSecret", {"SecretId": "x" * 2049})
	assert status == 400 and body["__type"] == "com.amazon.coral.validate#ValidationException"
	assert "secretId" in body["Message"]
	status, _, body = raw_call(iam_endpoint, "DescribeSecret", {})
	assert status == 400 and "Member must not be null" in body["Message"]
	status, _, body = raw_call(iam_endpoint, "NoSuchAction", {})
	assert status == 400 and body["__type"].endswith("#UnknownOperationException")


def test_tag_resource_merges_tags(sm):
	sm.create_secret(Name="s", SecretString="v", Tags=[{"Key": "a", "Value": "1"}])
	sm.tag_resource(SecretId="s", Tags=[{"Key": "a", "Value": "2"}, {"Key": "b", "Value": ""}])
	assert sm.describe_secret(SecretId="s")["Tags"] == [{"Key": "a", "Value": "2"},
	                                                     {"Key": "b", "Value": ""}]


# ---------------------------------------------------------------- deletion

def test_delete_schedules_locks_and_restore_undoes(sm, iam_endpoint):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	before = datetime.datetime.now(datetime.timezone.utc)
	r = sm.delete_secret(SecretId="s")
	assert abs((r["DeletionDate"] - before).total_seconds() - 30 * 86400) < 60
	d = sm.describe_secret(SecretId="s")
	assert "DeletedDate" in d and d["VersionIdsToStages"] == {TOKEN_A: ["AWSCURRENT"]}
	locked = [lambda: sm.get_secret_value(SecretId="s"),
	          lambda: sm.put_secret_value(SecretId="s", SecretString="v2"),
	          lambda: sm.list_secret_version_ids(SecretId="s"),
	          lambda: sm.update_secret_version_stage(SecretId="s", VersionStage="x",
	                                                 MoveToVersionId=TOKEN_A),
	          lambda: sm.tag_resource(SecretId="s", Tags=[{"Key": "k", "Value": "v"}]),
	          lambda: sm.delete_secret(SecretId="s")]
	for fn in locked:
		with pytest.raises(ClientError) as e:
			fn()
		assert code_of(e) == ("InvalidRequestException", 400)
		assert "marked for deletion" in e.value.response["Error"]["Message"]
	with pytest.raises(ClientError) as e:
		sm.create_secret(Name="s", SecretString="again")
	assert code_of(e) == ("InvalidRequestException", 400)
	assert "already scheduled for deletion" in e.value.response["Error"]["Message"]
	sm.restore_secret(SecretId="s")
	assert "DeletedDate" not in sm.describe_secret(SecretId="s")
	assert sm.get_secret_value(SecretId="s")["SecretString"] == "v1"


def test_recovery_window_limits_and_forced_delete_frees_the_name(sm, iam_endpoint):
	arn = sm.create_secret(Name="s", SecretString="v1")["ARN"]
	for kw in ({"RecoveryWindowInDays": 6}, {"RecoveryWindowInDays": 31},
	           {"RecoveryWindowInDays": 7, "ForceDeleteWithoutRecovery": True}):
		with pytest.raises(ClientError) as e:
			sm.delete_secret(SecretId="s", **kw)
		assert code_of(e) == ("InvalidParameterException", 400)
	r = sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
	assert iam_endpoint.secret("s")["deletion_date"] - iam_endpoint.secret("s")[
		"deleted_date"] == pytest.approx(7 * 86400, abs=1)
	assert r["Name"] == "s"
	sm.delete_secret(SecretId="s", ForceDeleteWithoutRecovery=True)  # also when scheduled
	assert iam_endpoint.secret("s") is None
	with pytest.raises(ClientError) as e:
		sm.describe_secret(SecretId="s")
	assert code_of(e) == ("ResourceNotFoundException", 400)
	again = sm.create_secret(Name="s", SecretString="v2")
	assert again["ARN"][:-6] == arn[:-6]   # a new secret; its 6-character suffix is new
	assert sm.get_secret_value(SecretId="s")["SecretString"] == "v2"


def test_the_recovery_window_ends_on_the_credentials_clock(sm, iam_endpoint):
	sm.create_secret(Name="s", SecretString="v1")
	sm.delete_secret(SecretId="s", RecoveryWindowInDays=7)
	iam_endpoint.advance_clock(7 * 86400 + 1)
	with pytest.raises(ClientError) as e:
		sm.describe_secret(SecretId="s")
	assert code_of(e) == ("ResourceNotFoundException", 400)


# ---------------------------------------------------------------- wire, signatures, faults

def test_error_body_is_aws_json(iam_endpoint):
	status, headers, body = raw_call(iam_endpoint, "GetSecretValue", {"SecretId": "nope"})
	assert status == 400
	assert headers["Content-Type"] == "application/x-amz-json-1.1"
	assert headers["x-amzn-RequestId"]
	assert body == {"__type": "ResourceNotFoundException",
	                "Message": "Secrets Manager can't find the specified secret."}


def test_signature_scoped_to_another_region_is_refused(iam_endpoint):
	c = iam_endpoint.botocore_client("secretsmanager", region_name="eu-west-1")
	with pytest.raises(ClientError) as e:
		c.list_secret_version_ids(SecretId="x")
	assert code_of(e) == ("InvalidSignatureException", 400)
	assert "region" in e.value.response["Error"]["Message"]
	assert iam_endpoint.calls()[-1]["error"] == "SignatureDoesNotMatch"


def test_endpoint_region_flag(iam_endpoint_factory):
	ep = iam_endpoint_factory(region="eu-west-1")
	sm = ep.botocore_client("secretsmanager")
	assert ":eu-west-1:" in sm.create_secret(Name="s", SecretString="x")["ARN"]
	assert ep.botocore_client("iam").get_user()["User"]["UserName"] == "pai-admin"
	with pytest.raises(ClientError) as e:
		ep.botocore_client("secretsmanager", region_name="us-east-1").describe_secret(
			SecretId="s")
	assert code_of(e) == ("InvalidSignatureException", 400)


def test_signature_failures_answer_as_json_services_do(iam_endpoint):
	ep = iam_endpoint
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"}, secret="wrong" * 8)
	assert (status, body["__type"]) == (400, "com.amazon.coral.service#InvalidSignatureException")
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"},
	                           key="AKIAUNKNOWNKEY000000")
	assert (status, body["__type"]) == (400,
	                                    "com.amazon.coral.service#UnrecognizedClientException")
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"}, sign=False)
	assert (status, body["__type"]) == (
		400, "com.amazon.coral.service#MissingAuthenticationTokenException")
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"}, tamper=lambda h, d: (
		h, d.replace(b'"x"', b'"y"')))
	assert body["__type"].endswith("#InvalidSignatureException")
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"}, tamper=lambda h, d: (
		dict(h, Authorization=h["Authorization"].replace("Signature=", "Sig=")), d))
	assert body["__type"].endswith("#IncompleteSignatureException")
	status, _, body = raw_call(ep, "DescribeSecret", {"SecretId": "x"}, service="iam",
	                           region="us-east-1")
	assert body["__type"].endswith("#InvalidSignatureException")
	assert "secretsmanager" in body["Message"]


def test_throttling_is_retried_by_botocore(iam_endpoint):
	sm = iam_endpoint.botocore_client("secretsmanager",
	                                  retries={"total_max_attempts": 3, "mode": "standard"})
	sm.create_secret(Name="s", SecretString="v")
	iam_endpoint.clear_calls()
	iam_endpoint.faults(throttle=1.0, count=2, only_actions=["GetSecretValue"])
	r = sm.get_secret_value(SecretId="s")
	assert r["ResponseMetadata"]["RetryAttempts"] == 2
	calls = iam_endpoint.calls()
	assert [(c["fault"], c["error"]) for c in calls] == [
		("throttle", "ThrottlingException"), ("throttle", "ThrottlingException"), (None, None)]
	iam_endpoint.faults(throttle=1.0, count=1)
	one = iam_endpoint.botocore_client("secretsmanager")
	with pytest.raises(ClientError) as e:
		one.describe_secret(SecretId="s")
	assert code_of(e) == ("ThrottlingException", 400)


def test_error500_before_and_after_and_drop(iam_endpoint, sm):
	sm.create_secret(Name="s", SecretString="v1", ClientRequestToken=TOKEN_A)
	iam_endpoint.faults(error500=1.0, count=1)
	with pytest.raises(ClientError) as e:
		sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B)
	assert code_of(e) == ("InternalServiceError", 500)
	assert TOKEN_B not in stages(sm, "s")
	iam_endpoint.faults(error500=1.0, count=1, apply="after")
	with pytest.raises(ClientError):
		sm.put_secret_value(SecretId="s", SecretString="v2", ClientRequestToken=TOKEN_B)
	assert stages(sm, "s")[TOKEN_B] == ["AWSCURRENT"]   # it ran: a retry is a no-op
	assert sm.put_secret_value(SecretId="s", SecretString="v2",
	                           ClientRequestToken=TOKEN_B)["VersionId"] == TOKEN_B
	iam_endpoint.faults(drop=1.0, count=1)
	with pytest.raises(ConnectionClosedError):
		sm.describe_secret(SecretId="s")


def test_deny_rule_is_access_denied_exception(iam_endpoint, sm):
	iam_endpoint.deny(actions=["GetSecretValue"])
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId="s")
	assert code_of(e) == ("AccessDeniedException", 400)


def test_call_log_names_the_secret_and_never_holds_its_value(iam_endpoint, sm):
	sm.create_secret(Name="s", SecretString="hunter2")
	sm.put_secret_value(SecretId="s", SecretBinary=b"hunter3")
	calls = iam_endpoint.calls()
	assert [(c["service"], c["action"], c["secret_id"]) for c in calls] == [
		("secretsmanager", "CreateSecret", "s"), ("secretsmanager", "PutSecretValue", "s")]
	assert "hunter" not in json.dumps(calls)
	assert calls[0]["params"]["SecretString"] == "<redacted>"


# ---------------------------------------------------------------- hostile replies

def test_hostile_newline_values_in_secret_string(iam_endpoint, sm):
	sm.create_secret(Name="s", SecretString="v1")
	iam_endpoint.hostile("newline_values", actions=["GetSecretValue"])
	g = sm.get_secret_value(SecretId="s")
	assert g["SecretString"] == "v1\n[evil]\naws_access_key_id=AKIAEVILEVILEVIL0000\n"
	assert g["Name"].startswith("s\n[evil]")


def test_hostile_duplicated_and_missing_fields(iam_endpoint, sm):
	sm.create_secret(Name="s", SecretString="v1")
	iam_endpoint.hostile("duplicated_fields", actions=["GetSecretValue"])
	status, _, raw = raw_call_bytes(iam_endpoint, "GetSecretValue", {"SecretId": "s"})
	assert raw.count(b'"SecretString"') == 2 and raw.count(b'"VersionId"') == 2
	iam_endpoint.hostile("missing_fields", actions=["GetSecretValue"])
	g = sm.get_secret_value(SecretId="s")
	assert "SecretString" not in g and "VersionId" not in g


@pytest.mark.parametrize("mode", ["garbage", "truncated", "doctype_xxe"])
def test_hostile_unparseable_replies(iam_endpoint, sm, mode):
	sm.create_secret(Name="s", SecretString="v1")
	iam_endpoint.hostile(mode, actions=["GetSecretValue"])
	status, headers, raw = raw_call_bytes(iam_endpoint, "GetSecretValue", {"SecretId": "s"})
	with pytest.raises(ValueError):
		json.loads(raw)
	assert int(headers["Content-Length"]) == len(raw)
	assert iam_endpoint.calls()[-1]["hostile"] == mode
	# botocore, lenient, hands back no value rather than a wrong one
	iam_endpoint.hostile(mode, actions=["GetSecretValue"])
	try:
		assert "SecretString" not in sm.get_secret_value(SecretId="s")
	except Exception as e:   # garbage may not even decode
		assert not isinstance(e, AssertionError)


def test_hostile_never_reply_and_http200_error(iam_endpoint):
	sm = iam_endpoint.botocore_client("secretsmanager", read_timeout=1)
	sm.create_secret(Name="s", SecretString="v1")
	iam_endpoint.hostile("never_reply", actions=["GetSecretValue"], max_hold_s=5)
	with pytest.raises(ReadTimeoutError):
		sm.get_secret_value(SecretId="s")
	iam_endpoint.hostile("http200_error", actions=["GetSecretValue"])
	status, _, body = raw_call(iam_endpoint, "GetSecretValue", {"SecretId": "s"})
	assert status == 200 and body["__type"] == "AccessDeniedException"


def test_hostile_transport_modes_apply_to_json_replies(iam_endpoint):
	sm = iam_endpoint.botocore_client("secretsmanager", read_timeout=5)
	sm.create_secret(Name="s", SecretString="v1")
	iam_endpoint.hostile("reset_mid_body", actions=["GetSecretValue"])
	with pytest.raises(Exception) as e:
		sm.get_secret_value(SecretId="s")
	assert not isinstance(e.value, AssertionError)
	iam_endpoint.hostile("huge", actions=["GetSecretValue"], size=200000)
	status, headers, raw = raw_call_bytes(iam_endpoint, "GetSecretValue", {"SecretId": "s"})
	assert len(raw) == 200000 and raw.startswith(b"{")
	iam_endpoint.hostile("slow_drip", actions=["DescribeSecret"], interval_ms=1)
	assert sm.describe_secret(SecretId="s")["Name"] == "s"
	iam_endpoint.faults(latency_ms=300, count=1)
	t0 = time.monotonic()
	sm.describe_secret(SecretId="s")
	assert time.monotonic() - t0 >= 0.3
	assert [c["hostile"] for c in iam_endpoint.calls()[-4:]] == [
		"reset_mid_body", "huge", "slow_drip", None]


def raw_call_bytes(ep, action, obj):
	data = json.dumps(obj).encode()
	req = AWSRequest(method="POST", url=ep.url + "/", data=data, headers={
		"Content-Type": "application/x-amz-json-1.1",
		"X-Amz-Target": "secretsmanager." + action})
	SigV4Auth(Credentials(ep.admin_key_id, ep.admin_secret), "secretsmanager",
	          ep.service_region).add_auth(req)
	c = http.client.HTTPConnection(ep.host, ep.port, timeout=30)
	try:
		c.request("POST", "/", body=data, headers=dict(req.headers.items()))
		r = c.getresponse()
		return r.status, dict(r.getheaders()), r.read()
	finally:
		c.close()


# ---------------------------------------------------------------- control API and CLI

def test_control_api_reads_and_writes_secrets_as_an_administrator(iam_endpoint, sm):
	s = iam_endpoint.put_secret("admin/made", value="v1", token=TOKEN_A, kms_key_id="alias/k")
	assert s["versions"][0]["stages"] == ["AWSCURRENT"] and s["kms_key_id"] == "alias/k"
	iam_endpoint.put_secret("admin/made", value="v2", token=TOKEN_B, stages=["AWSPENDING"])
	s = iam_endpoint.secret(s["arn"])
	assert {v["id"]: (v["string"], v["stages"]) for v in s["versions"]} == {
		TOKEN_A: ("v1", ["AWSCURRENT"]), TOKEN_B: ("v2", ["AWSPENDING"])}
	assert sm.get_secret_value(SecretId="admin/made")["SecretString"] == "v1"
	iam_endpoint.put_secret("bin", binary_b64=base64.b64encode(b"\x01\x02").decode())
	assert iam_endpoint.secret("bin")["versions"][0]["binary"] == "0102"
	iam_endpoint.delete_secret("admin/made", days=7)
	assert iam_endpoint.secret("admin/made")["deleted_date"] is not None
	iam_endpoint.restore_secret("admin/made")
	assert iam_endpoint.secret("admin/made")["deleted_date"] is None
	assert {x["name"] for x in iam_endpoint.secrets()} == {"admin/made", "bin"}
	iam_endpoint.delete_secret("bin", force=True)
	assert iam_endpoint.secret("bin") is None


def test_debian_aws_cli_reads_and_writes_secrets(iam_endpoint, tmp_home):
	creds = iam_endpoint.admin_credentials_file
	r = run_aws(iam_endpoint, ["secretsmanager", "create-secret", "--name", "cli/s",
	                           "--secret-string", "v1", "--client-request-token", TOKEN_A],
	            tmp_home, creds)
	assert r.returncode == 0, r.stderr
	assert r.json()["VersionId"] == TOKEN_A
	r = run_aws(iam_endpoint, ["secretsmanager", "put-secret-value", "--secret-id", "cli/s",
	                           "--secret-string", "v2", "--client-request-token", TOKEN_B],
	            tmp_home, creds)
	assert r.returncode == 0, r.stderr
	r = run_aws(iam_endpoint, ["secretsmanager", "put-secret-value", "--secret-id", "cli/s",
	                           "--secret-string", "other", "--client-request-token", TOKEN_B],
	            tmp_home, creds)
	assert r.returncode != 0 and "ResourceExistsException" in r.stderr
	r = run_aws(iam_endpoint, ["secretsmanager", "get-secret-value", "--secret-id", "cli/s",
	                           "--version-stage", "AWSPREVIOUS"], tmp_home, creds)
	assert r.returncode == 0, r.stderr
	assert (r.json()["SecretString"], r.json()["VersionId"]) == ("v1", TOKEN_A)
	r = run_aws(iam_endpoint, ["secretsmanager", "delete-secret", "--secret-id", "cli/s",
	                           "--recovery-window-in-days", "7"], tmp_home, creds)
	assert r.returncode == 0, r.stderr
	r = run_aws(iam_endpoint, ["secretsmanager", "get-secret-value", "--secret-id", "cli/s"],
	            tmp_home, creds)
	assert r.returncode != 0 and "InvalidRequestException" in r.stderr
	assert iam_endpoint.actions() == ["CreateSecret", "PutSecretValue", "PutSecretValue",
	                                  "GetSecretValue", "DeleteSecret", "GetSecretValue"]
