# SPDX-License-Identifier: MIT
"""The local IAM/STS/IMDSv2 endpoint behaves like AWS where the helper depends on it.

Proved with botocore clients, raw signed requests (to break signatures on purpose), and a
few /usr/bin/aws runs. Each test gets a fresh endpoint process (the iam_endpoint fixture).
"""
import datetime
import http.client
import json
import os
import socket
import subprocess
import threading
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError, SSLError
from pai_testlib import ENDPOINT_SCRIPT, PYTHON, read_credentials, run_aws, start_endpoint

IAM_NS = "{https://iam.amazonaws.com/doc/2010-05-08/}"
STS_NS = "{https://sts.amazonaws.com/doc/2011-06-15/}"


# ---------------------------------------------------------------- helpers

def amz_now(offset_s=0):
	t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
	return t.strftime("%Y%m%dT%H%M%SZ")


def sign(ep, params, service="iam", key=None, secret=None, token=None, amz_date=None,
         region=None, body=None):
	"""A signed POST as botocore would make it; returns (headers dict, body bytes)."""
	data = body if body is not None else urllib.parse.urlencode(params).encode()
	req = AWSRequest(method="POST", url=ep.url + "/", data=data, headers={
		"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
	signer = SigV4Auth(Credentials(key or ep.admin_key_id, secret or ep.admin_secret, token),
	                   service, region or ep.region)
	req.context["timestamp"] = amz_date or amz_now()
	signer._modify_request_before_signing(req)
	cr = signer.canonical_request(req)
	sig = signer.signature(signer.string_to_sign(req, cr), req)
	signer._inject_signature_to_request(req, sig)
	return dict(req.headers.items()), data


def send(ep, method, path, body=b"", headers=None, conn=None):
	c = conn or http.client.HTTPConnection(ep.host, ep.port, timeout=30)
	try:
		c.request(method, path, body=body, headers=headers or {})
		r = c.getresponse()
		return r.status, dict(r.getheaders()), r.read()
	finally:
		if conn is None:
			c.close()


def call(ep, params, service="iam", **kw):
	"""Signed raw call; returns (status, root element, body)."""
	if "Version" not in params:
		params = dict(params, Version="2011-06-15" if service == "sts" else "2010-05-08")
	after = kw.pop("tamper", None)
	headers, data = sign(ep, params, service, **kw)
	if after:
		headers, data = after(headers, data)
	status, _, body = send(ep, "POST", "/", data, headers)
	return status, ET.fromstring(body), body


def err_code(root):
	return root.find(IAM_NS + "Error/" + IAM_NS + "Code").text


def client_error(excinfo):
	e = excinfo.value.response
	return e["Error"]["Code"], e["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def iam_endpoint(iam_endpoint_session):
	"""This module shares one endpoint process and resets it before each test (a start costs
	about a second on a busy machine); the fixture of the same name in tests/conftest.py
	starts a fresh process per test."""
	iam_endpoint_session.reset()
	return iam_endpoint_session


@pytest.fixture
def iam(iam_endpoint):
	return iam_endpoint.botocore_client("iam")


@pytest.fixture
def sts(iam_endpoint):
	return iam_endpoint.botocore_client("sts")


def raw_exchange(ep, params, read_timeout=10):
	"""Sends a signed call on a bare socket; returns (header bytes, body bytes, error)."""
	headers, data = sign(ep, dict(params, Version="2010-05-08"))
	s = socket.create_connection((ep.host, ep.port), timeout=read_timeout)
	req = ["POST / HTTP/1.1", "Host: %s:%d" % (ep.host, ep.port),
	       "Content-Length: %d" % len(data)]
	req += ["%s: %s" % kv for kv in headers.items()]
	s.sendall(("\r\n".join(req) + "\r\n\r\n").encode() + data)
	buf, err, want = bytearray(), None, None
	try:
		while want is None or len(buf) < want:
			b = s.recv(1 << 20)
			if not b:
				break
			buf += b
			if want is None and b"\r\n\r\n" in buf:
				head = bytes(buf).partition(b"\r\n\r\n")[0]
				n = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
				     if line.lower().startswith(b"content-length:")]
				want = len(head) + 4 + (n[0] if n else 0)
	except OSError as e:
		err = e
	finally:
		s.close()
	buf = bytes(buf)
	head, _, rest = buf.partition(b"\r\n\r\n")
	return head, rest, err


# ---------------------------------------------------------------- process

def test_start_prints_url_and_writes_private_admin_credentials(iam_endpoint_factory):
	iam_endpoint = iam_endpoint_factory()
	assert iam_endpoint.url.startswith("http://127.0.0.1:")
	path = iam_endpoint.admin_credentials_file
	assert os.stat(path).st_mode & 0o777 == 0o600
	assert read_credentials(path) == (iam_endpoint.admin_key_id, iam_endpoint.admin_secret)
	assert iam_endpoint.admin_key_id.startswith("AKIA") and len(iam_endpoint.admin_key_id) == 20
	assert len(iam_endpoint.admin_secret) == 40


@pytest.mark.parametrize("host", ["0.0.0.0", "example.com"])
def test_refuses_to_listen_beyond_loopback(host):
	p = subprocess.run([PYTHON, ENDPOINT_SCRIPT, "--host", host, "--port", "0"],
	                   capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
	assert p.returncode == 2
	assert "loopback" in p.stderr
	assert p.stdout == ""


def test_sigterm_stops_it_cleanly(tmp_path):
	ep = start_endpoint(str(tmp_path))
	ep.proc.terminate()
	assert ep.proc.wait(10) == 0
	ep.stop()


def test_keep_alive_serves_several_calls_on_one_connection(iam_endpoint):
	conn = http.client.HTTPConnection(iam_endpoint.host, iam_endpoint.port, timeout=10)
	for _ in range(3):
		h, d = sign(iam_endpoint, {"Action": "GetCallerIdentity", "Version": "2011-06-15"},
		            "sts")
		status, headers, _ = send(iam_endpoint, "POST", "/", d, h, conn=conn)
		assert status == 200
		assert "Content-Length" in headers
	conn.close()
	calls = iam_endpoint.calls()
	assert len(calls) == 3 and len({c["conn"] for c in calls}) == 1
	call(iam_endpoint, {"Action": "GetUser"})
	assert iam_endpoint.calls()[-1]["conn"] != calls[0]["conn"]


def test_concurrent_calls_all_answered(iam_endpoint):
	results = []

	def worker(i):
		c = iam_endpoint.botocore_client("iam")
		c.create_user(UserName="par%d" % i)
		results.append(c.get_user(UserName="par%d" % i)["User"]["UserName"])
	threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
	for t in threads:
		t.start()
	for t in threads:
		t.join(60)
	assert sorted(results) == sorted("par%d" % i for i in range(16))


# ---------------------------------------------------------------- reply shapes

def test_success_reply_shape_matches_iam(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "GetUser", "UserName": "pai-admin"})
	assert status == 200
	assert root.tag == IAM_NS + "GetUserResponse"
	user = root.find(IAM_NS + "GetUserResult/" + IAM_NS + "User")
	assert user.find(IAM_NS + "UserName").text == "pai-admin"
	assert user.find(IAM_NS + "Arn").text == "arn:aws:iam::123456789012:user/pai-admin"
	assert user.find(IAM_NS + "UserId").text.startswith("AIDA")
	assert root.find(IAM_NS + "ResponseMetadata/" + IAM_NS + "RequestId").text


def test_error_reply_shape_matches_iam(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "GetUser", "UserName": "nobody"})
	assert status == 404
	assert root.tag == IAM_NS + "ErrorResponse"
	assert [c.tag for c in root] == [IAM_NS + "Error", IAM_NS + "RequestId"]
	e = root.find(IAM_NS + "Error")
	assert [c.tag[len(IAM_NS):] for c in e] == ["Type", "Code", "Message"]
	assert e.find(IAM_NS + "Type").text == "Sender"
	assert err_code(root) == "NoSuchEntity"
	assert "nobody" in e.find(IAM_NS + "Message").text


def test_sts_reply_uses_sts_namespace(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts")
	assert status == 200
	assert root.tag == STS_NS + "GetCallerIdentityResponse"
	r = root.find(STS_NS + "GetCallerIdentityResult")
	assert r.find(STS_NS + "Account").text == "123456789012"


def test_iam_action_signed_for_sts_is_unknown_there(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "GetUser", "Version": "2011-06-15"}, "sts")
	assert status == 400
	assert root.find(STS_NS + "Error/" + STS_NS + "Code").text == "InvalidAction"


def test_unknown_action_and_wrong_version(iam_endpoint):
	assert err_code(call(iam_endpoint, {"Action": "FlyToMoon"})[1]) == "InvalidAction"
	assert err_code(call(iam_endpoint, {"Action": "GetUser",
	                                    "Version": "2011-06-15"})[1]) == "InvalidAction"


# ---------------------------------------------------------------- signatures

def test_unknown_key_is_invalid_client_token(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, key="AKIAUNKNOWNUNKNOWN00",
	                       secret="x" * 40)
	assert (status, err_code(root)) == (403, "InvalidClientTokenId")


def test_wrong_secret_is_signature_mismatch(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, secret="y" * 40)
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")


def test_body_changed_after_signing_is_signature_mismatch(iam_endpoint):
	def tamper(h, d):
		return h, d.replace(b"pai-admin", b"pai-admix")
	status, root, _ = call(iam_endpoint, {"Action": "GetUser", "UserName": "pai-admin"},
	                       tamper=tamper)
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")


def test_signed_header_changed_after_signing_is_signature_mismatch(iam_endpoint):
	def tamper(h, d):
		h["Content-Type"] = "application/x-www-form-urlencoded"
		return h, d
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, tamper=tamper)
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")


@pytest.mark.parametrize("offset", [-16 * 60, 16 * 60])
def test_date_more_than_15_minutes_off_is_refused(iam_endpoint, offset):
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, amz_date=amz_now(offset))
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")
	msg = root.find(IAM_NS + "Error/" + IAM_NS + "Message").text
	assert "Signature expired" in msg or "not yet current" in msg


def test_date_within_skew_is_accepted(iam_endpoint):
	status, _, _ = call(iam_endpoint, {"Action": "ListUsers"}, amz_date=amz_now(-10 * 60))
	assert status == 200


def test_server_clock_skew_is_configurable(iam_endpoint):
	iam_endpoint.config(clock_skew_s=3600)
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"})
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")
	assert call(iam_endpoint, {"Action": "ListUsers"}, amz_date=amz_now(3600))[0] == 200


def test_missing_authorization_is_refused(iam_endpoint):
	body = b"Action=ListUsers&Version=2010-05-08"
	status, _, data = send(iam_endpoint, "POST", "/", body,
	                       {"Content-Type": "application/x-www-form-urlencoded"})
	assert status == 403
	assert err_code(ET.fromstring(data)) == "MissingAuthenticationToken"


def test_iam_must_be_signed_for_its_region(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, region="eu-west-1")
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")
	# STS has regional endpoints: any region signs.
	assert call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts", region="eu-west-1")[0] \
		== 200


def test_security_token_on_a_long_term_key_is_refused(iam_endpoint):
	status, root, _ = call(iam_endpoint, {"Action": "ListUsers"}, token="bogus")
	assert (status, err_code(root)) == (403, "InvalidClientTokenId")


def test_every_call_is_recorded_even_refused_ones(iam_endpoint):
	call(iam_endpoint, {"Action": "ListUsers"}, secret="z" * 40)
	call(iam_endpoint, {"Action": "GetUser", "UserName": "nobody"})
	c = iam_endpoint.calls()
	assert [(x["action"], x["status"], x["error"]) for x in c] == [
		("ListUsers", 403, "SignatureDoesNotMatch"), ("GetUser", 404, "NoSuchEntity")]
	assert c[1]["user"] == "nobody" and c[1]["caller_key"] == iam_endpoint.admin_key_id
	iam_endpoint.clear_calls()
	assert iam_endpoint.calls() == []


# ---------------------------------------------------------------- users

def test_create_user_with_path_boundary_and_tags(iam):
	boundary = "arn:aws:iam::123456789012:policy/pai-boundary"
	u = iam.create_user(UserName="alice", Path="/pam/", PermissionsBoundary=boundary,
	                    Tags=[{"Key": "managed-by", "Value": "pam_aws_iam"},
	                          {"Key": "host", "Value": "ws1.example"}])["User"]
	assert u["Arn"] == "arn:aws:iam::123456789012:user/pam/alice"
	g = iam.get_user(UserName="alice")["User"]
	assert g["Path"] == "/pam/"
	assert g["PermissionsBoundary"]["PermissionsBoundaryArn"] == boundary
	assert {t["Key"]: t["Value"] for t in g["Tags"]} == {"managed-by": "pam_aws_iam",
	                                                     "host": "ws1.example"}


def test_user_names_are_unique_case_insensitively(iam):
	iam.create_user(UserName="Bob")
	with pytest.raises(ClientError) as e:
		iam.create_user(UserName="bOB")
	assert client_error(e) == ("EntityAlreadyExists", 409)
	assert iam.get_user(UserName="BOB")["User"]["UserName"] == "Bob"


@pytest.mark.parametrize("name", ["has space", "x" * 65, "", "semi;colon", "ümlaut"])
def test_bad_user_names_fail_validation(iam_endpoint, name):
	status, root, _ = call(iam_endpoint, {"Action": "CreateUser", "UserName": name})
	assert (status, err_code(root)) == (400, "ValidationError")
	assert iam_endpoint.user(name or "x") is None


@pytest.mark.parametrize("path", ["pam/", "/pam", "/a b/", "//x" + "y" * 600 + "/"])
def test_bad_paths_fail_validation(iam_endpoint, path):
	status, root, _ = call(iam_endpoint, {"Action": "CreateUser", "UserName": "p",
	                                      "Path": path})
	assert (status, err_code(root)) == (400, "ValidationError")


def test_bad_boundary_arn_is_invalid_input_and_missing_one_no_such_entity(iam):
	with pytest.raises(ClientError) as e:
		iam.create_user(UserName="c1", PermissionsBoundary="arn:aws:iam::12:polic/x" + "y" * 9)
	assert client_error(e) == ("InvalidInput", 400)
	with pytest.raises(ClientError) as e:
		iam.create_user(UserName="c1",
		                PermissionsBoundary="arn:aws:iam::123456789012:policy/nope")
	assert client_error(e) == ("NoSuchEntity", 404)


def test_get_user_without_name_is_the_caller(iam):
	assert iam.get_user()["User"]["UserName"] == "pai-admin"


def test_list_users_pages_and_path_prefix(iam):
	for n in ("u1", "u2", "u3"):
		iam.create_user(UserName=n, Path="/pam/")
	r = iam.list_users(PathPrefix="/pam/", MaxItems=2)
	assert [u["UserName"] for u in r["Users"]] == ["u1", "u2"] and r["IsTruncated"]
	r2 = iam.list_users(PathPrefix="/pam/", Marker=r["Marker"])
	assert [u["UserName"] for u in r2["Users"]] == ["u3"] and not r2["IsTruncated"]


def test_delete_user_conflicts_while_it_has_keys(iam):
	iam.create_user(UserName="d1")
	k = iam.create_access_key(UserName="d1")["AccessKey"]
	with pytest.raises(ClientError) as e:
		iam.delete_user(UserName="d1")
	assert client_error(e) == ("DeleteConflict", 409)
	iam.delete_access_key(UserName="d1", AccessKeyId=k["AccessKeyId"])
	iam.delete_user(UserName="d1")
	with pytest.raises(ClientError) as e:
		iam.get_user(UserName="d1")
	assert client_error(e) == ("NoSuchEntity", 404)


# ---------------------------------------------------------------- tags

def test_tag_rules(iam):
	iam.create_user(UserName="t1")
	with pytest.raises(ClientError) as e:
		iam.create_user(UserName="t2", Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(51)])
	assert client_error(e) == ("ValidationError", 400)
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="t1", Tags=[{"Key": "aws:x", "Value": "v"}])
	assert client_error(e) == ("InvalidInput", 400)
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="t1", Tags=[{"Key": "Team", "Value": "a"},
		                                  {"Key": "team", "Value": "b"}])
	assert client_error(e) == ("InvalidInput", 400)
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="t1", Tags=[{"Key": "bad*key", "Value": "v"}])
	assert client_error(e) == ("ValidationError", 400)
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="t1", Tags=[{"Key": "k", "Value": "v" * 257}])
	assert client_error(e) == ("ValidationError", 400)
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="nobody", Tags=[{"Key": "k", "Value": "v"}])
	assert client_error(e) == ("NoSuchEntity", 404)


def test_tag_user_overwrites_case_insensitively_and_caps_at_50(iam):
	iam.create_user(UserName="t3", Tags=[{"Key": "Team", "Value": "a"}])
	iam.tag_user(UserName="t3", Tags=[{"Key": "team", "Value": "b"}])
	assert iam.list_user_tags(UserName="t3")["Tags"] == [{"Key": "team", "Value": "b"}]
	iam.tag_user(UserName="t3", Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(49)])
	with pytest.raises(ClientError) as e:
		iam.tag_user(UserName="t3", Tags=[{"Key": "one-too-many", "Value": "v"}])
	assert client_error(e) == ("LimitExceeded", 409)


def test_untag_and_list_user_tags_pagination(iam):
	iam.create_user(UserName="t4", Tags=[{"Key": "k%d" % i, "Value": "v%d" % i}
	                                     for i in range(5)])
	iam.untag_user(UserName="t4", TagKeys=["K0", "missing"])
	r = iam.list_user_tags(UserName="t4", MaxItems=3)
	assert [t["Key"] for t in r["Tags"]] == ["k1", "k2", "k3"] and r["IsTruncated"]
	r2 = iam.list_user_tags(UserName="t4", MaxItems=3, Marker=r["Marker"])
	assert [t["Key"] for t in r2["Tags"]] == ["k4"] and not r2["IsTruncated"]


def test_unicode_tag_values_allowed(iam):
	iam.create_user(UserName="t5", Tags=[{"Key": "Name", "Value": "José Müller"}])
	assert iam.get_user(UserName="t5")["User"]["Tags"][0]["Value"] == "José Müller"


# ---------------------------------------------------------------- groups, policies

def test_add_user_to_group(iam, iam_endpoint):
	iam.create_user(UserName="g1")
	iam.add_user_to_group(UserName="g1", GroupName="developers")
	iam.add_user_to_group(UserName="g1", GroupName="developers")  # idempotent
	with pytest.raises(ClientError) as e:
		iam.add_user_to_group(UserName="g1", GroupName="wizards")
	assert client_error(e) == ("NoSuchEntity", 404)
	iam_endpoint.create_group("wizards")
	iam.add_user_to_group(UserName="g1", GroupName="wizards")
	assert iam_endpoint.user("g1")["groups"] == ["developers", "wizards"]
	assert [g["GroupName"] for g in iam.list_groups_for_user(UserName="g1")["Groups"]] == [
		"developers", "wizards"]


def test_attach_user_policy(iam, iam_endpoint):
	iam.create_user(UserName="p1")
	iam.attach_user_policy(UserName="p1", PolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
	iam.attach_user_policy(UserName="p1",
	                       PolicyArn="arn:aws:iam::123456789012:policy/developer-access")
	with pytest.raises(ClientError) as e:
		iam.attach_user_policy(UserName="p1", PolicyArn="arn:aws:iam::123456789012:policy/nope")
	assert client_error(e) == ("NoSuchEntity", 404)
	with pytest.raises(ClientError) as e:
		iam.attach_user_policy(UserName="p1", PolicyArn="arn:aws:s3:::bucket/some-object")
	assert client_error(e) == ("InvalidInput", 400)
	arn = iam_endpoint.create_policy("later")
	iam.attach_user_policy(UserName="p1", PolicyArn=arn)
	assert len(iam_endpoint.user("p1")["policies"]) == 3


# ---------------------------------------------------------------- access keys

def test_two_access_keys_at_most(iam, iam_endpoint):
	iam.create_user(UserName="k1")
	k = iam.create_access_key(UserName="k1")["AccessKey"]
	assert k["AccessKeyId"].startswith("AKIA") and len(k["SecretAccessKey"]) == 40
	iam.create_access_key(UserName="k1")
	with pytest.raises(ClientError) as e:
		iam.create_access_key(UserName="k1")
	assert client_error(e) == ("LimitExceeded", 409)
	assert len(iam_endpoint.user("k1")["keys"]) == 2


def test_new_key_signs_as_its_user(iam, iam_endpoint):
	iam.create_user(UserName="k2", Path="/pam/")
	k = iam.create_access_key(UserName="k2")["AccessKey"]
	sts = iam_endpoint.botocore_client("sts", k["AccessKeyId"], k["SecretAccessKey"])
	ident = sts.get_caller_identity()
	assert ident["Arn"] == "arn:aws:iam::123456789012:user/pam/k2"
	assert ident["Account"] == "123456789012"


def test_list_access_keys_paginates(iam, iam_endpoint):
	iam.create_user(UserName="k3")
	ids = [iam.create_access_key(UserName="k3")["AccessKey"]["AccessKeyId"] for _ in range(2)]
	r = iam.list_access_keys(UserName="k3", MaxItems=1)
	assert r["IsTruncated"] and len(r["AccessKeyMetadata"]) == 1
	r2 = iam.list_access_keys(UserName="k3", MaxItems=1, Marker=r["Marker"])
	assert not r2["IsTruncated"]
	got = [m["AccessKeyId"] for m in r["AccessKeyMetadata"] + r2["AccessKeyMetadata"]]
	assert sorted(got) == sorted(ids)
	# The server may return fewer than MaxItems while more remain.
	iam_endpoint.config(page_size=1)
	r = iam.list_access_keys(UserName="k3")
	assert r["IsTruncated"] and len(r["AccessKeyMetadata"]) == 1
	with pytest.raises(ClientError) as e:
		iam.list_access_keys(UserName="k3", Marker="not-a-marker")
	assert client_error(e) == ("ValidationError", 400)


def test_list_access_keys_of_missing_user(iam):
	with pytest.raises(ClientError) as e:
		iam.list_access_keys(UserName="ghost")
	assert client_error(e) == ("NoSuchEntity", 404)


def test_inactive_key_is_refused_and_can_be_reactivated(iam, iam_endpoint):
	iam.create_user(UserName="k4")
	k = iam.create_access_key(UserName="k4")["AccessKey"]
	kid, secret = k["AccessKeyId"], k["SecretAccessKey"]
	iam.update_access_key(UserName="k4", AccessKeyId=kid, Status="Inactive")
	status, root, _ = call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts", key=kid,
	                       secret=secret)
	assert status == 403 and root.find(STS_NS + "Error/" + STS_NS + "Code").text == \
		"InvalidClientTokenId"
	iam.update_access_key(UserName="k4", AccessKeyId=kid, Status="Active")
	assert call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts", key=kid,
	            secret=secret)[0] == 200
	with pytest.raises(ClientError) as e:
		iam.update_access_key(UserName="k4", AccessKeyId=kid, Status="Paused")
	assert client_error(e) == ("ValidationError", 400)


def test_deleted_key_stops_working(iam, iam_endpoint):
	iam.create_user(UserName="k5")
	k = iam.create_access_key(UserName="k5")["AccessKey"]
	iam.delete_access_key(UserName="k5", AccessKeyId=k["AccessKeyId"])
	status, _, _ = call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts",
	                    key=k["AccessKeyId"], secret=k["SecretAccessKey"])
	assert status == 403
	with pytest.raises(ClientError) as e:
		iam.delete_access_key(UserName="k5", AccessKeyId=k["AccessKeyId"])
	assert client_error(e) == ("NoSuchEntity", 404)


def test_key_of_another_user_cannot_be_touched(iam, iam_endpoint):
	iam.create_user(UserName="k6")
	with pytest.raises(ClientError) as e:
		iam.delete_access_key(UserName="k6", AccessKeyId=iam_endpoint.admin_key_id)
	assert client_error(e) == ("NoSuchEntity", 404)


def test_access_key_last_used(iam, iam_endpoint):
	iam.create_user(UserName="k7")
	k = iam.create_access_key(UserName="k7")["AccessKey"]
	r = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])
	assert r["UserName"] == "k7"
	assert r["AccessKeyLastUsed"]["ServiceName"] == "N/A"
	assert "LastUsedDate" not in r["AccessKeyLastUsed"]
	iam_endpoint.botocore_client("sts", k["AccessKeyId"], k["SecretAccessKey"]) \
		.get_caller_identity()
	r = iam.get_access_key_last_used(AccessKeyId=k["AccessKeyId"])["AccessKeyLastUsed"]
	assert (r["ServiceName"], r["Region"]) == ("sts", "us-east-1") and r["LastUsedDate"]


def test_new_key_delay_emulates_propagation(iam, iam_endpoint):
	iam_endpoint.config(new_key_delay_ms=600000)
	iam.create_user(UserName="k8")
	k = iam.create_access_key(UserName="k8")["AccessKey"]
	status, _, _ = call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts",
	                    key=k["AccessKeyId"], secret=k["SecretAccessKey"])
	assert status == 403


def test_control_keys_and_ageing(iam_endpoint, iam):
	iam_endpoint.create_user("Administrator", tags={"owner": "someone-else"})
	kid, secret = iam_endpoint.create_key("Administrator")
	iam_endpoint.update_key(kid, age_days=100)
	meta = iam.list_access_keys(UserName="Administrator")["AccessKeyMetadata"][0]
	assert meta["AccessKeyId"] == kid
	age = datetime.datetime.now(datetime.timezone.utc) - meta["CreateDate"]
	assert 99 < age.days <= 100
	state = iam_endpoint.state()
	assert any(k["id"] == kid and k["secret"] == secret for k in state["keys"])


# ---------------------------------------------------------------- account, login profile

def test_account_alias(iam, iam_endpoint):
	assert iam.list_account_aliases()["AccountAliases"] == []
	iam_endpoint.set_alias("example-corp")
	assert iam.list_account_aliases()["AccountAliases"] == ["example-corp"]
	iam_endpoint.set_alias(None)
	assert iam.list_account_aliases()["AccountAliases"] == []


def test_login_profile(iam, iam_endpoint):
	iam.create_user(UserName="l1")
	for weak in ("short1A", "alllowercaseletters", "l1l1l1l1"):
		with pytest.raises(ClientError) as e:
			iam.create_login_profile(UserName="l1", Password=weak)
		assert client_error(e) == ("PasswordPolicyViolation", 400)
	r = iam.create_login_profile(UserName="l1", Password="Tr0ub4dor&3x",
	                             PasswordResetRequired=True)["LoginProfile"]
	assert r["UserName"] == "l1" and r["PasswordResetRequired"] is True
	with pytest.raises(ClientError) as e:
		iam.create_login_profile(UserName="l1", Password="Tr0ub4dor&3x")
	assert client_error(e) == ("EntityAlreadyExists", 409)
	assert iam.get_login_profile(UserName="l1")["LoginProfile"]["PasswordResetRequired"]
	iam_endpoint.set_password_policy(minimum_length=20, require_symbols=True)
	iam.create_user(UserName="l2")
	with pytest.raises(ClientError) as e:
		iam.create_login_profile(UserName="l2", Password="Tr0ub4dor&3x")
	assert client_error(e) == ("PasswordPolicyViolation", 400)


def test_access_denied_rule(iam, iam_endpoint):
	iam_endpoint.deny(actions=["CreateUser"])
	with pytest.raises(ClientError) as e:
		iam.create_user(UserName="x1")
	assert client_error(e) == ("AccessDenied", 403)
	iam.get_user()
	iam_endpoint.deny(clear=True)
	iam.create_user(UserName="x1")


def test_reset_restores_the_initial_state(iam, iam_endpoint):
	iam.create_user(UserName="r1")
	iam_endpoint.set_alias("zzz-corp")
	iam_endpoint.faults(throttle=1.0, only_actions=["Nothing"])
	iam_endpoint.reset()
	assert [u["name"] for u in iam_endpoint.state()["users"]] == ["pai-admin"]
	assert iam_endpoint.calls() == []
	assert iam.get_user()["User"]["UserName"] == "pai-admin"


# ---------------------------------------------------------------- faults

def test_throttle_count_then_success(iam, iam_endpoint):
	iam_endpoint.faults(throttle=1.0, count=2)
	for _ in range(2):
		with pytest.raises(ClientError) as e:
			iam.get_user()
		assert client_error(e) == ("Throttling", 400)
	iam.get_user()
	assert [c["fault"] for c in iam_endpoint.calls()] == ["throttle", "throttle", None]


def test_throttle_code_and_only_actions(iam, iam_endpoint):
	iam_endpoint.faults(throttle=1.0, throttle_code="RequestLimitExceeded",
	                    only_actions=["ListAccessKeys"])
	iam.get_user()
	with pytest.raises(ClientError) as e:
		iam.list_access_keys()
	assert client_error(e)[0] == "RequestLimitExceeded"


def test_error500_before_and_after_the_action_runs(iam, iam_endpoint):
	iam.create_user(UserName="f1")
	iam_endpoint.faults(error500=1.0, count=1)
	with pytest.raises(ClientError) as e:
		iam.create_access_key(UserName="f1")
	assert client_error(e) == ("ServiceFailure", 500)
	assert iam_endpoint.user("f1")["keys"] == []
	iam_endpoint.faults(error500=1.0, count=1, apply="after")
	with pytest.raises(ClientError):
		iam.create_access_key(UserName="f1")
	assert len(iam_endpoint.user("f1")["keys"]) == 1  # it ran; the reply was lost


def test_drop_closes_without_reply(iam_endpoint):
	iam_endpoint.faults(drop=1.0, count=1)
	head, body, _ = raw_exchange(iam_endpoint, {"Action": "GetUser"})
	assert head == b"" and body == b""
	assert iam_endpoint.calls()[-1]["fault"] == "drop"


def test_fault_fractions_are_seeded(iam_endpoint):
	def pattern():
		iam_endpoint.faults(throttle=0.5, seed=42)
		out = [call(iam_endpoint, {"Action": "GetUser"})[0] for _ in range(12)]
		iam_endpoint.faults()
		return out
	a, b = pattern(), pattern()
	assert a == b and 400 in a and 200 in a


def test_latency_is_added(iam_endpoint):
	iam_endpoint.faults(latency_ms=300, count=1)
	t = time.monotonic()
	assert call(iam_endpoint, {"Action": "GetUser"})[0] == 200
	assert time.monotonic() - t >= 0.3


# ---------------------------------------------------------------- hostile replies

def hostile_get(ep, mode, params=None, **opts):
	ep.hostile(mode, **opts)
	return raw_exchange(ep, params or {"Action": "GetUser", "UserName": "pai-admin"})


def test_hostile_doctype_xxe(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "doctype_xxe")
	assert b"<!DOCTYPE" in body and b"file:///etc/passwd" in body and b"&xxe;" in body
	assert iam_endpoint.calls()[-1]["hostile"] == "doctype_xxe"


def test_hostile_entity_bomb(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "entity_bomb")
	assert b"<!ENTITY lol9" in body and b"&lol9;" in body
	assert len(body) < 10000  # the bomb is for the parser, not the wire


def test_hostile_huge_is_50_mib(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "huge")
	assert b"Content-Length: 52428800" in head
	assert len(body) == 52428800
	assert body.startswith(b"<GetUserResponse")


def test_hostile_slow_drip_sends_one_byte_at_a_time(iam_endpoint):
	iam_endpoint.hostile("slow_drip", interval_ms=5, actions=["ListAccountAliases"])
	headers, data = sign(iam_endpoint, {"Action": "ListAccountAliases",
	                                    "Version": "2010-05-08"})
	c = http.client.HTTPConnection(iam_endpoint.host, iam_endpoint.port, timeout=30)
	c.request("POST", "/", data, headers)
	r = c.getresponse()
	chunks = []
	while True:
		b = r.read1(65536)
		if not b:
			break
		chunks.append(b)
	c.close()
	body = b"".join(chunks)
	ET.fromstring(body)
	# bytes leave one at a time; a busy reader may find a few queued together
	sizes = sorted(len(x) for x in chunks)
	assert sizes[len(sizes) // 2] <= 2 and len(chunks) > len(body) // 8


def test_hostile_never_reply_sends_nothing(iam_endpoint):
	iam_endpoint.hostile("never_reply", max_hold_s=30)
	head, body, err = raw_exchange(iam_endpoint, {"Action": "GetUser"}, read_timeout=1.5)
	assert isinstance(err, socket.timeout) and head == b"" and body == b""


def test_hostile_reset_mid_body(iam_endpoint):
	head, body, err = hostile_get(iam_endpoint, "reset_mid_body")
	assert head.startswith(b"HTTP/1.1 200")
	n = int([h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")][0]
	        .split(b":")[1])
	assert len(body) < n
	assert err is None or isinstance(err, ConnectionResetError)


def test_hostile_http200_error(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "http200_error")
	assert head.startswith(b"HTTP/1.1 200")
	assert ET.fromstring(body).tag == IAM_NS + "ErrorResponse"


@pytest.mark.parametrize("mode", ["truncated", "garbage"])
def test_hostile_unparseable(iam_endpoint, mode):
	head, body, _ = hostile_get(iam_endpoint, mode)
	assert head.startswith(b"HTTP/1.1 200") and body
	with pytest.raises(ET.ParseError):
		ET.fromstring(body)


def test_hostile_missing_fields(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "missing_fields",
	                            {"Action": "CreateAccessKey", "UserName": "pai-admin"})
	key = ET.fromstring(body).find(".//" + IAM_NS + "AccessKey")
	assert key.find(IAM_NS + "AccessKeyId") is None
	assert key.find(IAM_NS + "SecretAccessKey") is None


def test_hostile_duplicated_fields(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "duplicated_fields")
	names = [e.text for e in ET.fromstring(body).iter(IAM_NS + "UserName")]
	assert len(names) == 2 and names[0] != names[1]


def test_hostile_newline_values(iam_endpoint):
	head, body, _ = hostile_get(iam_endpoint, "newline_values",
	                            {"Action": "CreateAccessKey", "UserName": "pai-admin"})
	root = ET.fromstring(body)
	for f in ("AccessKeyId", "SecretAccessKey"):
		v = root.find(".//" + IAM_NS + f).text
		assert "\n[evil]\naws_access_key_id=" in v


def test_hostile_other_user(iam_endpoint):
	iam_endpoint.create_user("alice")
	iam_endpoint.create_user("Administrator")
	head, body, _ = hostile_get(iam_endpoint, "other_user",
	                            {"Action": "GetUser", "UserName": "alice"})
	u = ET.fromstring(body).find(".//" + IAM_NS + "User")
	assert u.find(IAM_NS + "UserName").text == "Administrator"
	assert u.find(IAM_NS + "Arn").text.endswith(":user/Administrator")


def test_hostile_count_and_action_filter(iam, iam_endpoint):
	iam_endpoint.hostile("garbage", count=2, actions=["ListAccessKeys"])
	iam.get_user()
	for _ in range(2):
		with pytest.raises(Exception):
			iam.list_access_keys()
	iam.list_access_keys()
	assert [c["hostile"] for c in iam_endpoint.calls()] == [None, "garbage", "garbage", None]


def test_hostile_modes_are_validated(iam_endpoint):
	with pytest.raises(Exception):
		iam_endpoint.hostile("no-such-mode")


# ---------------------------------------------------------------- IMDSv2

def imds_token(ep, ttl="60", extra=None):
	h = {"X-aws-ec2-metadata-token-ttl-seconds": ttl} if ttl is not None else {}
	h.update(extra or {})
	return send(ep, "PUT", "/latest/api/token", b"", h)


def imds_get(ep, path, token):
	return send(ep, "GET", path, headers={"X-aws-ec2-metadata-token": token} if token else {})


def test_imds_token_rules(iam_endpoint):
	assert imds_token(iam_endpoint, None)[0] == 400
	assert imds_token(iam_endpoint, "0")[0] == 400
	assert imds_token(iam_endpoint, "21601")[0] == 400
	assert imds_token(iam_endpoint, "60", {"X-Forwarded-For": "1.2.3.4"})[0] == 403
	status, headers, tok = imds_token(iam_endpoint, "60")
	assert status == 200 and headers["X-aws-ec2-metadata-token-ttl-seconds"] == "60"
	path = "/latest/meta-data/iam/security-credentials/"
	assert imds_get(iam_endpoint, path, None)[0] == 401
	assert imds_get(iam_endpoint, path, "forged")[0] == 401
	assert imds_get(iam_endpoint, path, tok.decode())[2] == b"pai-admin-role"
	assert imds_get(iam_endpoint, path + "other-role", tok.decode())[0] == 404


def test_imds_credentials_act_as_the_admin(iam_endpoint):
	tok = imds_token(iam_endpoint)[2].decode()
	status, headers, body = imds_get(iam_endpoint,
	                                 "/latest/meta-data/iam/security-credentials/pai-admin-role",
	                                 tok)
	d = json.loads(body)
	assert set(d) == {"Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token",
	                  "Expiration"}
	assert d["Code"] == "Success" and d["AccessKeyId"].startswith("ASIA")
	sts = iam_endpoint.botocore_client("sts", d["AccessKeyId"], d["SecretAccessKey"], d["Token"])
	ident = sts.get_caller_identity()
	assert ident["Arn"].startswith("arn:aws:sts::123456789012:assumed-role/pai-admin-role/i-")
	iam = iam_endpoint.botocore_client("iam", d["AccessKeyId"], d["SecretAccessKey"],
	                                   d["Token"])
	iam.create_user(UserName="via-role")
	with pytest.raises(ClientError) as e:
		iam.list_access_keys()  # no UserName with role credentials
	assert client_error(e) == ("ValidationError", 400)
	# The token is required and must match.
	assert call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts", key=d["AccessKeyId"],
	            secret=d["SecretAccessKey"])[0] == 403
	assert call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts", key=d["AccessKeyId"],
	            secret=d["SecretAccessKey"], token=d["Token"][:-4] + "AAAA")[0] == 403
	iam_endpoint.imds(expire_now=True)
	status, root, _ = call(iam_endpoint, {"Action": "GetCallerIdentity"}, "sts",
	                       key=d["AccessKeyId"], secret=d["SecretAccessKey"], token=d["Token"])
	assert status == 403
	assert root.find(STS_NS + "Error/" + STS_NS + "Code").text == "ExpiredToken"


def test_botocore_imds_fetcher_works_against_it(iam_endpoint):
	from botocore.utils import InstanceMetadataFetcher
	f = InstanceMetadataFetcher(timeout=5, num_attempts=1, base_url=iam_endpoint.url + "/")
	creds = f.retrieve_iam_role_credentials()
	assert creds["role_name"] == "pai-admin-role" and creds["access_key"].startswith("ASIA")
	calls = iam_endpoint.calls("imds")
	assert {c["action"] for c in calls} == {"imds-token", "imds-role", "imds-credentials"}
	assert all(c["status"] == 200 for c in calls)


def test_imds_hostile_newline_values(iam_endpoint):
	iam_endpoint.hostile("newline_values", actions=["imds-credentials"])
	tok = imds_token(iam_endpoint)[2].decode()
	body = imds_get(iam_endpoint, "/latest/meta-data/iam/security-credentials/pai-admin-role",
	                tok)[2]
	assert "\n[evil]" in json.loads(body)["SecretAccessKey"]


# ---------------------------------------------------------------- TLS, partitions

def test_tls_self_signed_is_refused_by_default_and_trusted_with_its_cert(iam_endpoint_factory):
	ep = iam_endpoint_factory(tls=True)
	assert ep.url.startswith("https://127.0.0.1:") and os.path.exists(ep.cert_file)
	import botocore.config
	import botocore.session
	untrusting = botocore.session.Session().create_client(
		"sts", region_name="us-east-1", endpoint_url=ep.url, aws_access_key_id=ep.admin_key_id,
		aws_secret_access_key=ep.admin_secret,
		config=botocore.config.Config(retries={"total_max_attempts": 1}))
	with pytest.raises(SSLError):
		untrusting.get_caller_identity()
	assert ep.botocore_client("sts").get_caller_identity()["Account"] == "123456789012"


def test_china_partition(iam_endpoint_factory):
	ep = iam_endpoint_factory(partition="aws-cn", account="210987654321")
	iam = ep.botocore_client("iam")
	assert iam.create_user(UserName="cn1")["User"]["Arn"] == \
		"arn:aws-cn:iam::210987654321:user/cn1"
	status, root, _ = call(ep, {"Action": "ListUsers"}, region="us-east-1")
	assert (status, err_code(root)) == (403, "SignatureDoesNotMatch")


# ---------------------------------------------------------------- the Debian aws CLI

def test_debian_aws_cli_works_against_it(iam_endpoint, tmp_home):
	creds = iam_endpoint.admin_credentials_file
	r = run_aws(iam_endpoint, ["sts", "get-caller-identity"], tmp_home, creds)
	assert r.returncode == 0, r.stderr
	assert r.json()["Arn"] == "arn:aws:iam::123456789012:user/pai-admin"
	iam_endpoint.create_user("carol", tags={"team": "ops"})
	r = run_aws(iam_endpoint, ["iam", "get-user", "--user-name", "carol"], tmp_home, creds)
	assert r.returncode == 0, r.stderr
	assert r.json()["User"]["Tags"] == [{"Key": "team", "Value": "ops"}]
	r = run_aws(iam_endpoint, ["iam", "create-access-key", "--user-name", "carol"], tmp_home,
	            creds)
	assert r.returncode == 0, r.stderr
	kid = r.json()["AccessKey"]["AccessKeyId"]
	r = run_aws(iam_endpoint, ["iam", "list-access-keys", "--user-name", "carol"], tmp_home,
	            creds)
	assert r.returncode == 0, r.stderr
	assert [m["AccessKeyId"] for m in r.json()["AccessKeyMetadata"]] == [kid]
	assert iam_endpoint.actions() == ["GetCallerIdentity", "GetUser", "CreateAccessKey",
	                                  "ListAccessKeys"]
	assert all(c["status"] == 200 for c in iam_endpoint.calls())


def test_endpoint_dies_with_its_parent(tmp_path):
	"""A killed test run leaves no endpoint behind (PR_SET_PDEATHSIG)."""
	script = ("import sys, time; sys.path.insert(0, %r)\n"
	          "from pai_testlib import start_endpoint\n"
	          "ep = start_endpoint(%r)\n"
	          "print(ep.proc.pid, flush=True)\n"
	          "time.sleep(60)\n") % (os.path.dirname(os.path.dirname(ENDPOINT_SCRIPT)),
	                                 str(tmp_path / "ep"))
	parent = subprocess.Popen([PYTHON, "-c", script], stdout=subprocess.PIPE, text=True,
	                          stdin=subprocess.DEVNULL)
	try:
		child = int(parent.stdout.readline())
	finally:
		parent.kill()
		parent.wait()
		parent.stdout.close()
	for _ in range(100):
		try:
			os.kill(child, 0)
		except ProcessLookupError:
			break
		with open("/proc/%d/stat" % child) as f:
			if f.read().split(") ")[1].startswith("Z"):
				break  # exited; reaped by init shortly
		time.sleep(0.1)
	else:
		os.kill(child, 9)
		pytest.fail("endpoint outlived its parent")


def test_get_with_query_parameters_is_verified_too(iam_endpoint):
	params = {"Action": "GetUser", "UserName": "pai-admin", "Version": "2010-05-08"}
	q = urllib.parse.urlencode(params)
	req = AWSRequest(method="GET", url=iam_endpoint.url + "/?" + q)
	SigV4Auth(Credentials(iam_endpoint.admin_key_id, iam_endpoint.admin_secret), "iam",
	          "us-east-1").add_auth(req)
	status, _, body = send(iam_endpoint, "GET", "/?" + q, headers=dict(req.headers.items()))
	assert status == 200 and b"<UserName>pai-admin</UserName>" in body
	status, _, body = send(iam_endpoint, "GET", "/?" + q.replace("pai-admin", "other"),
	                       headers=dict(req.headers.items()))
	assert status == 403 and b"SignatureDoesNotMatch" in body
