# SPDX-License-Identifier: MIT
"""STS GetSessionToken and the sessions it issues behave as AWS's: durations, where session
credentials work (STS GetCallerIdentity, Secrets Manager) and where not (IAM without MFA,
other STS calls), survival of the source key's deletion, expiry, and the console's
"revoke active sessions" deny on aws:TokenIssueTime.
"""
import datetime
import http.client
import json
import time
import urllib.parse

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError
from pai_testlib import run_aws


@pytest.fixture
def iam_endpoint(iam_endpoint_session):
	iam_endpoint_session.reset()
	return iam_endpoint_session


def code_of(excinfo):
	r = excinfo.value.response
	return r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"]


def user_with_key(ep, name="alice"):
	ep.create_user(name)
	return ep.create_key(name)


def session(ep, key, **kw):
	"""GetSessionToken with the long-term key; returns its Credentials."""
	sts = ep.botocore_client("sts", *key)
	return sts.get_session_token(**kw)["Credentials"]


def as_session(ep, service, creds):
	return ep.botocore_client(service, creds["AccessKeyId"], creds["SecretAccessKey"],
	                          creds["SessionToken"])


def raw_sts(ep, key, **params):
	"""A signed STS call botocore would refuse to send (values under the model's minimum)."""
	req = AWSRequest(method="POST", url=ep.url + "/", data=urllib.parse.urlencode(
		dict(params, Version="2011-06-15")).encode(),
		headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
	SigV4Auth(Credentials(*key), "sts", "us-east-1").add_auth(req)
	c = http.client.HTTPConnection(ep.host, ep.port, timeout=10)
	c.request("POST", "/", body=req.body, headers=dict(req.headers.items()))
	r = c.getresponse()
	body = r.read().decode()
	c.close()
	return r.status, body


def revoke_policy(before):
	return json.dumps({"Version": "2012-10-17", "Statement": [{
		"Effect": "Deny", "Action": ["*"], "Resource": ["*"],
		"Condition": {"DateLessThan": {"aws:TokenIssueTime": before}}}]})


def iso_in(seconds):
	t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
	return t.strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- GetSessionToken

def test_get_session_token_credentials_and_default_duration(iam_endpoint):
	key = user_with_key(iam_endpoint)
	c = session(iam_endpoint, key)
	assert c["AccessKeyId"].startswith("ASIA") and len(c["AccessKeyId"]) == 20
	assert len(c["SecretAccessKey"]) == 40 and len(c["SessionToken"]) > 100
	left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
	assert 43200 - 60 < left <= 43200
	(s,) = iam_endpoint.sessions("alice")
	assert (s["id"], s["source_key"], s["expired"]) == (c["AccessKeyId"], key[0], False)


@pytest.mark.parametrize("seconds", [900, 129600])
def test_duration_limits_accepted(iam_endpoint, seconds):
	c = session(iam_endpoint, user_with_key(iam_endpoint), DurationSeconds=seconds)
	left = (c["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
	assert seconds - 60 < left <= seconds


@pytest.mark.parametrize("seconds", [899, 129601, 0])
def test_duration_outside_limits_is_validation_error(iam_endpoint, seconds):
	status, body = raw_sts(iam_endpoint, user_with_key(iam_endpoint),
	                       Action="GetSessionToken", DurationSeconds=str(seconds))
	assert status == 400
	assert "<Code>ValidationError</Code>" in body and "durationSeconds" in body
	assert iam_endpoint.sessions() == []


def test_inactive_or_unknown_key_gets_no_session(iam_endpoint):
	key = user_with_key(iam_endpoint)
	iam_endpoint.update_key(key[0], status="Inactive")
	with pytest.raises(ClientError) as e:
		session(iam_endpoint, key)
	assert code_of(e) == ("InvalidClientTokenId", 403)
	assert iam_endpoint.sessions() == []


def test_session_credentials_cannot_get_another_session(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "sts", c).get_session_token()
	assert code_of(e) == ("AccessDenied", 403)
	assert e.value.response["Error"]["Message"] == \
		"Cannot call GetSessionToken with session credentials"


def test_imds_role_credentials_cannot_get_a_session_either(iam_endpoint):
	import urllib.request
	base = iam_endpoint.url + "/latest/"
	req = urllib.request.Request(base + "api/token", method="PUT",
	                             headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
	tok = urllib.request.urlopen(req, timeout=10).read().decode()
	get = urllib.request.Request(base + "meta-data/iam/security-credentials/pai-admin-role",
	                             headers={"X-aws-ec2-metadata-token": tok})
	d = json.loads(urllib.request.urlopen(get, timeout=10).read())
	sts = iam_endpoint.botocore_client("sts", d["AccessKeyId"], d["SecretAccessKey"], d["Token"])
	with pytest.raises(ClientError) as e:
		sts.get_session_token()
	assert code_of(e) == ("AccessDenied", 403)


def test_mfa_is_not_emulated(iam_endpoint):
	with pytest.raises(ClientError) as e:
		session(iam_endpoint, user_with_key(iam_endpoint),
		        SerialNumber="arn:aws:iam::123456789012:mfa/alice", TokenCode="123456")
	assert code_of(e) == ("AccessDenied", 403)


# ---------------------------------------------------------------- what a session may call

def test_session_acts_as_the_user_for_sts_and_secrets_manager(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	me = as_session(iam_endpoint, "sts", c).get_caller_identity()
	alice = iam_endpoint.user("alice")
	assert (me["Arn"], me["UserId"], me["Account"]) == (alice["arn"], alice["id"],
	                                                     "123456789012")
	sm = as_session(iam_endpoint, "secretsmanager", c)
	sm.create_secret(Name="by-session", SecretString="v")
	assert sm.get_secret_value(SecretId="by-session")["SecretString"] == "v"
	call = iam_endpoint.calls()[-1]
	assert (call["caller_key"], call["caller_arn"]) == (c["AccessKeyId"], alice["arn"])


def test_session_cannot_call_iam_without_mfa(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "iam", c).get_user()
	assert code_of(e) == ("InvalidClientTokenId", 403)


def test_wrong_session_token_or_missing_token_is_refused(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	bad = iam_endpoint.botocore_client("sts", c["AccessKeyId"], c["SecretAccessKey"],
	                                   c["SessionToken"][:-4] + "AAAA")
	with pytest.raises(ClientError) as e:
		bad.get_caller_identity()
	assert code_of(e) == ("InvalidClientTokenId", 403)
	bare = iam_endpoint.botocore_client("secretsmanager", c["AccessKeyId"],
	                                    c["SecretAccessKey"])
	with pytest.raises(ClientError) as e:
		bare.describe_secret(SecretId="x")
	assert code_of(e) == ("UnrecognizedClientException", 400)


def test_session_survives_the_deletion_of_its_key(iam_endpoint):
	key = user_with_key(iam_endpoint)
	c = session(iam_endpoint, key)
	iam_endpoint.botocore_client("iam").delete_access_key(UserName="alice",
	                                                      AccessKeyId=key[0])
	assert as_session(iam_endpoint, "sts", c).get_caller_identity()["Arn"].endswith(
		":user/alice")
	with pytest.raises(ClientError) as e:
		session(iam_endpoint, key)
	assert code_of(e) == ("InvalidClientTokenId", 403)


def test_session_ends_with_its_user(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	iam_endpoint.delete_user("alice")
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "sts", c).get_caller_identity()
	assert code_of(e) == ("InvalidClientTokenId", 403)


# ---------------------------------------------------------------- expiry

def test_expired_session_is_expired_token_everywhere(iam_endpoint):
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	assert iam_endpoint.expire_sessions(user="alice") == 1
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "sts", c).get_caller_identity()
	assert code_of(e) == ("ExpiredToken", 403)
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "secretsmanager", c).describe_secret(SecretId="x")
	assert code_of(e) == ("ExpiredTokenException", 400)
	assert iam_endpoint.sessions()[0]["expired"] is True


def test_advancing_the_clock_passes_expiration_but_not_signatures(iam_endpoint):
	key = user_with_key(iam_endpoint)
	short = session(iam_endpoint, key, DurationSeconds=900)
	long = session(iam_endpoint, key, DurationSeconds=3600)
	assert iam_endpoint.advance_clock(901) == 901
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "sts", short).get_caller_identity()
	assert code_of(e) == ("ExpiredToken", 403)
	assert as_session(iam_endpoint, "sts", long).get_caller_identity()
	assert iam_endpoint.botocore_client("sts", *key).get_caller_identity()   # long-term key
	iam_endpoint.advance_clock(2700)
	with pytest.raises(ClientError):
		as_session(iam_endpoint, "sts", long).get_caller_identity()
	assert iam_endpoint.advance_clock(reset=True) == 0


# ---------------------------------------------------------------- revoking sessions

def test_token_issue_time_deny_revokes_older_sessions_only(iam_endpoint):
	key = user_with_key(iam_endpoint)
	old = session(iam_endpoint, key)
	iam_endpoint.advance_clock(60)   # the revocation is a minute after the old session
	iam = iam_endpoint.botocore_client("iam")
	iam.put_user_policy(UserName="alice", PolicyName="AWSRevokeOlderSessions",
	                    PolicyDocument=revoke_policy(iso_in(30)))
	iam_endpoint.advance_clock(60)
	new = session(iam_endpoint, key)
	iam_endpoint.put_secret("s", value="v")
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "secretsmanager", old).get_secret_value(SecretId="s")
	assert code_of(e) == ("AccessDeniedException", 400)
	msg = e.value.response["Error"]["Message"]
	assert "secretsmanager:GetSecretValue" in msg and "explicit deny" in msg
	assert ":secret:s-" in msg
	# AWS lets GetCallerIdentity through whatever a policy says
	assert as_session(iam_endpoint, "sts", old).get_caller_identity()
	assert as_session(iam_endpoint, "secretsmanager", new).get_secret_value(
		SecretId="s")["SecretString"] == "v"
	assert iam_endpoint.botocore_client("secretsmanager", *key).get_secret_value(SecretId="s")
	iam.delete_user_policy(UserName="alice", PolicyName="AWSRevokeOlderSessions")
	assert as_session(iam_endpoint, "secretsmanager", old).get_secret_value(SecretId="s")


def test_token_issue_time_deny_in_an_attached_managed_policy(iam_endpoint):
	key = user_with_key(iam_endpoint)
	old = session(iam_endpoint, key)
	arn = iam_endpoint.create_policy("revoke-alice", document={
		"Version": "2012-10-17", "Statement": {
			"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*",
			"Condition": {"DateLessThan": {"aws:tokenissuetime": iso_in(60)}}}})
	iam_endpoint.botocore_client("iam").attach_user_policy(UserName="alice", PolicyArn=arn)
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "secretsmanager", old).describe_secret(SecretId="x")
	assert code_of(e) == ("AccessDeniedException", 400)


def test_other_statements_are_not_evaluated(iam_endpoint):
	key = user_with_key(iam_endpoint)
	c = session(iam_endpoint, key)
	iam_endpoint.botocore_client("iam").put_user_policy(
		UserName="alice", PolicyName="p", PolicyDocument=json.dumps({
			"Version": "2012-10-17", "Statement": [
				{"Effect": "Deny", "Action": "sts:*", "Resource": "*",
				 "Condition": {"DateLessThan": {"aws:TokenIssueTime": iso_in(60)}}},
				{"Effect": "Deny", "Action": "*", "Resource": "*",
				 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "false"}}},
				{"Effect": "Deny", "Action": "*", "Resource": "*",
				 "Condition": {"DateLessThan": {"aws:TokenIssueTime": iso_in(-3600)}}}]}))
	sm = as_session(iam_endpoint, "secretsmanager", c)
	iam_endpoint.put_secret("s", value="v")
	assert sm.get_secret_value(SecretId="s")["SecretString"] == "v"


# ---------------------------------------------------------------- inline user policies

def test_user_policy_api(iam_endpoint):
	iam = iam_endpoint.botocore_client("iam")
	iam.create_user(UserName="bob")
	doc = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:List*",
	                                               "Resource": "*"}]}
	iam.put_user_policy(UserName="bob", PolicyName="list", PolicyDocument=json.dumps(doc))
	iam.put_user_policy(UserName="bob", PolicyName="a-first", PolicyDocument=json.dumps(doc))
	assert iam.list_user_policies(UserName="bob")["PolicyNames"] == ["a-first", "list"]
	got = iam.get_user_policy(UserName="bob", PolicyName="list")
	assert got["PolicyDocument"] == doc   # sent URL-encoded, decoded by botocore
	assert iam_endpoint.user_policies("bob") == {"list": json.dumps(doc),
	                                             "a-first": json.dumps(doc)}
	with pytest.raises(ClientError) as e:
		iam.delete_user(UserName="bob")
	assert code_of(e) == ("DeleteConflict", 409)
	iam.delete_user_policy(UserName="bob", PolicyName="list")
	with pytest.raises(ClientError) as e:
		iam.get_user_policy(UserName="bob", PolicyName="list")
	assert code_of(e) == ("NoSuchEntity", 404)
	with pytest.raises(ClientError) as e:
		iam.delete_user_policy(UserName="bob", PolicyName="list")
	assert code_of(e) == ("NoSuchEntity", 404)
	with pytest.raises(ClientError) as e:
		iam.put_user_policy(UserName="nobody", PolicyName="p", PolicyDocument=json.dumps(doc))
	assert code_of(e) == ("NoSuchEntity", 404)


def test_user_policy_list_pages(iam_endpoint):
	iam = iam_endpoint.botocore_client("iam")
	iam.create_user(UserName="bob")
	doc = json.dumps({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
	for i in range(3):
		iam.put_user_policy(UserName="bob", PolicyName="p%d" % i, PolicyDocument=doc)
	r = iam.list_user_policies(UserName="bob", MaxItems=2)
	assert r["PolicyNames"] == ["p0", "p1"] and r["IsTruncated"]
	r = iam.list_user_policies(UserName="bob", Marker=r["Marker"])
	assert r["PolicyNames"] == ["p2"] and not r["IsTruncated"]


@pytest.mark.parametrize("doc", ["not json", "[]", '{"Statement": [{"Effect": "Maybe", '
                                 '"Action": "*", "Resource": "*"}]}',
                                 '{"Statement": {"Effect": "Allow", "Resource": "*"}}',
                                 '{"Version": "2099-01-01", "Statement": []}',
                                 '{"Statement": {"Effect": "Allow", "Action": "*", '
                                 '"Resource": "*", "Principal": "*"}}'])
def test_malformed_policy_documents(iam_endpoint, doc):
	iam = iam_endpoint.botocore_client("iam")
	iam.create_user(UserName="bob")
	with pytest.raises(ClientError) as e:
		iam.put_user_policy(UserName="bob", PolicyName="p", PolicyDocument=doc)
	assert code_of(e) == ("MalformedPolicyDocument", 400)


def test_inline_policies_of_a_user_share_2048_non_space_characters(iam_endpoint):
	iam = iam_endpoint.botocore_client("iam")
	iam.create_user(UserName="bob")

	def doc(n):   # a document of exactly n non-white-space characters, padded with spaces
		base = '{"Statement":{"Effect":"Allow","Action":"*","Resource":"%s"}}'
		d = base % ("x" * (n - len(base % "")))
		assert len(d) == n
		return d.replace(",", ",   ")
	iam.put_user_policy(UserName="bob", PolicyName="a", PolicyDocument=doc(1000))
	iam.put_user_policy(UserName="bob", PolicyName="b", PolicyDocument=doc(1048))
	with pytest.raises(ClientError) as e:
		iam.put_user_policy(UserName="bob", PolicyName="c", PolicyDocument=doc(60))
	assert code_of(e) == ("LimitExceeded", 409)
	iam.put_user_policy(UserName="bob", PolicyName="b", PolicyDocument=doc(1000))  # replaces


# ---------------------------------------------------------------- IAM list lag

def test_list_lag_hides_a_new_key_that_works_and_counts(iam_endpoint):
	iam = iam_endpoint.botocore_client("iam")
	iam.create_user(UserName="carol")
	iam_endpoint.config(list_lag_ms=1500)
	k1 = iam.create_access_key(UserName="carol")["AccessKey"]
	assert iam.list_access_keys(UserName="carol")["AccessKeyMetadata"] == []
	me = iam_endpoint.botocore_client("sts", k1["AccessKeyId"], k1["SecretAccessKey"])
	assert me.get_caller_identity()["Arn"].endswith(":user/carol")
	iam.create_access_key(UserName="carol")
	with pytest.raises(ClientError) as e:
		iam.create_access_key(UserName="carol")
	assert code_of(e) == ("LimitExceeded", 409)
	time.sleep(1.6)
	listed = iam.list_access_keys(UserName="carol")["AccessKeyMetadata"]
	assert len(listed) == 2 and k1["AccessKeyId"] in {m["AccessKeyId"] for m in listed}
	assert iam_endpoint.config()["list_lag_ms"] == 1500


# ---------------------------------------------------------------- the AWS CLI

def test_debian_aws_cli_gets_and_uses_a_session(iam_endpoint, tmp_home, tmp_path):
	key = user_with_key(iam_endpoint)
	creds = tmp_path / "credentials"
	creds.write_text("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n" % key)
	r = run_aws(iam_endpoint, ["sts", "get-session-token", "--duration-seconds", "900"],
	            tmp_home, str(creds))
	assert r.returncode == 0, r.stderr
	c = r.json()["Credentials"]
	with open(creds, "a") as f:
		f.write("[session]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		        "aws_session_token = %s\n" % (c["AccessKeyId"], c["SecretAccessKey"],
		                                      c["SessionToken"]))
	r = run_aws(iam_endpoint, ["sts", "get-caller-identity"], tmp_home, str(creds),
	            profile="session")
	assert r.returncode == 0, r.stderr
	assert r.json()["Arn"] == "arn:aws:iam::123456789012:user/alice"
	r = run_aws(iam_endpoint, ["iam", "get-user"], tmp_home, str(creds), profile="session")
	assert r.returncode != 0 and "InvalidClientTokenId" in r.stderr
	iam_endpoint.expire_sessions()
	r = run_aws(iam_endpoint, ["sts", "get-caller-identity"], tmp_home, str(creds),
	            profile="session")
	assert r.returncode != 0 and "ExpiredToken" in r.stderr


# ---------------------------------------------------------------- AssumeRole (role_arn profiles)

def test_a_session_may_assume_a_role_and_acts_as_it(iam_endpoint):
	arn = iam_endpoint.create_role("deploy", max_session_s=7200)
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	r = as_session(iam_endpoint, "sts", c).assume_role(RoleArn=arn, RoleSessionName="alice")
	assert r["AssumedRoleUser"]["Arn"] == \
		"arn:aws:sts::123456789012:assumed-role/deploy/alice"
	rc = r["Credentials"]
	me = as_session(iam_endpoint, "sts", rc).get_caller_identity()
	assert me["Arn"] == r["AssumedRoleUser"]["Arn"]
	assert me["UserId"] == r["AssumedRoleUser"]["AssumedRoleId"]
	assert me["UserId"].startswith("AROA") and me["UserId"].endswith(":alice")
	# a role session is not GetSessionToken's: IAM takes it (the role's policies decide)
	as_session(iam_endpoint, "iam", rc).get_user(UserName="alice")


def test_assume_role_durations_and_chaining(iam_endpoint):
	arn = iam_endpoint.create_role("deploy", max_session_s=7200)
	sts = iam_endpoint.botocore_client("sts", *user_with_key(iam_endpoint))
	r = sts.assume_role(RoleArn=arn, RoleSessionName="s1")
	exp = r["Credentials"]["Expiration"]
	left = (exp - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
	assert 3500 < left <= 3600   # the default is one hour
	sts.assume_role(RoleArn=arn, RoleSessionName="s2", DurationSeconds=7200)
	with pytest.raises(ClientError) as e:   # past the role's maximum
		sts.assume_role(RoleArn=arn, RoleSessionName="s3", DurationSeconds=7201)
	assert code_of(e) == ("ValidationError", 400)
	key = iam_endpoint.create_key("alice")
	assert raw_sts(iam_endpoint, key, Action="AssumeRole", RoleArn=arn,
	               RoleSessionName="s3", DurationSeconds="899")[0] == 400
	chained = as_session(iam_endpoint, "sts", r["Credentials"])
	with pytest.raises(ClientError) as e:
		chained.assume_role(RoleArn=arn, RoleSessionName="s4", DurationSeconds=3601)
	assert code_of(e) == ("ValidationError", 400) and "chaining" in str(e.value)
	chained.assume_role(RoleArn=arn, RoleSessionName="s4", DurationSeconds=3600)


@pytest.mark.parametrize("arn", ["arn:aws:iam::123456789012:role/nobody",
                                 "arn:aws:iam::210987654321:role/deploy",
                                 "arn:aws-cn:iam::123456789012:role/deploy"])
def test_assume_role_of_an_unknown_or_foreign_role_is_access_denied(iam_endpoint, arn):
	iam_endpoint.create_role("deploy")
	sts = iam_endpoint.botocore_client("sts", *user_with_key(iam_endpoint))
	with pytest.raises(ClientError) as e:
		sts.assume_role(RoleArn=arn, RoleSessionName="s1")
	assert code_of(e) == ("AccessDenied", 403) and "sts:AssumeRole" in str(e.value)


@pytest.mark.parametrize("name", ["a", "x" * 65, "has space", "semi;colon"])
def test_assume_role_session_names_outside_the_pattern_are_refused(iam_endpoint, name):
	arn = iam_endpoint.create_role("deploy")
	status, body = raw_sts(iam_endpoint, user_with_key(iam_endpoint), Action="AssumeRole",
	                       RoleArn=arn, RoleSessionName=name)
	assert status == 400 and "<Code>ValidationError</Code>" in body
	assert iam_endpoint.state()["role_sessions"] == []


def test_a_role_session_expires_and_is_not_revoked_by_the_users_deny(iam_endpoint):
	arn = iam_endpoint.create_role("deploy")
	c = session(iam_endpoint, user_with_key(iam_endpoint))
	rc = as_session(iam_endpoint, "sts", c).assume_role(
		RoleArn=arn, RoleSessionName="alice")["Credentials"]
	iam_endpoint.botocore_client("iam").put_user_policy(
		UserName="alice", PolicyName="revoke", PolicyDocument=revoke_policy(iso_in(60)))
	with pytest.raises(ClientError) as e:   # the user's own session is revoked
		as_session(iam_endpoint, "sts", c).assume_role(RoleArn=arn, RoleSessionName="again")
	assert code_of(e) == ("AccessDenied", 403)
	as_session(iam_endpoint, "sts", rc).get_caller_identity()   # the role's is not
	iam_endpoint.advance_clock(3601)
	with pytest.raises(ClientError) as e:
		as_session(iam_endpoint, "sts", rc).get_caller_identity()
	assert code_of(e) == ("ExpiredToken", 403)
