# SPDX-License-Identifier: MIT
"""The C SigV4 signer (through build/sigv4-sign) against botocore's SigV4Auth.

Each generated request is signed twice with a fixed date: by botocore.auth.SigV4Auth on an
AWSRequest, and by sigv4-sign on the raw HTTP text of the same request. The Authorization
values must be equal.

Where botocore and the C signer read a request differently, and how the generator keeps
the two inputs equivalent:
- Query. botocore signs `request.params` (what its serialisers fill) by URI-encoding each
  name and value; a query left inside the URL it signs as written, without decoding or
  re-encoding. AWS decodes the query it receives and re-encodes it, and the C signer does
  the same. So botocore gets the decoded parameters and the raw request gets a query that
  encodes them in some legal way (reserved characters sometimes raw, hex in either case,
  UTF-8 raw or escaped); both must canonicalise to one string.
- Empty pairs ("a=1&&b=2"): the C signer drops them (they name nothing); botocore's
  URL-query path would sign "=". Not generated.
- Paths: both remove dot segments, collapse "//" and encode once more what is already
  percent-encoded (AWS's rule for services other than S3). Identical; '?' and '#' are not
  generated (they end a path) nor are controls (Python's urlsplit deletes tabs/newlines).
- Header values: botocore collapses every Unicode whitespace (str.split()); the C signer
  collapses spaces and tabs and refuses other control characters (CR, LF, ...). Values are
  generated from printable ASCII, spaces and tabs; folded lines in the raw request are
  joined by one space, as botocore sees them.
- botocore never signs expect, transfer-encoding, user-agent, x-amzn-trace-id, replaces
  Date/X-Amz-Date and X-Amz-Security-Token, and trusts a caller's X-Amz-Content-SHA256. The
  C signer signs every header it is given (the transport passes none of these), so the
  generator does not produce them.
"""
import concurrent.futures
import datetime
import os
import random
import subprocess
import sys
from unittest import mock

import pytest

try:
	import botocore.auth
	import botocore.awsrequest
	import botocore.credentials
except ImportError:  # pragma: no cover
	botocore = None

from pai_testlib import build_path  # noqa: E402

TOOL = build_path("sigv4-sign")
DATE = "20240229T235959Z"
SEED = 20240229
N_RANDOM = 1200
WORKERS = 4

pytestmark = [
	pytest.mark.skipif(not os.access(TOOL, os.X_OK), reason="%s not built" % TOOL),
	pytest.mark.skipif(botocore is None, reason="python3-botocore missing"),
]

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
# RFC 3986 sub-delims and gen-delims that may stand raw inside a query name or value.
QUERY_RAW_OK = "!$'()*,;:@/?+"
PATH_RAW_OK = "!$&'()*+,;=:@"
ODD = " !\"$%&'()*+,/:;<=>?@[\\]^`{|}~"
UNICODE = "éüßøñ中文日本ሴ€😀"
TCHAR_EXTRA = "!#$%&'*+-.^_`|~"
AVOID_HEADERS = {"expect", "transfer-encoding", "user-agent", "x-amzn-trace-id",
                 "authorization", "date", "x-amz-date", "x-amz-security-token",
                 "x-amz-content-sha256", "host"}
REGIONS = ["us-east-1", "cn-north-1", "us-gov-west-1", "eu-west-3", "ap-southeast-2"]
SERVICES = ["iam", "sts", "service", "execute-api"]


class FixedDatetime(datetime.datetime):
	@classmethod
	def utcnow(cls):
		return cls.strptime(DATE, "%Y%m%dT%H%M%SZ")

	@classmethod
	def now(cls, tz=None):
		return cls.strptime(DATE, "%Y%m%dT%H%M%SZ").replace(tzinfo=tz)


class Case:
	"""One request: what botocore gets, and the raw text sigv4-sign gets."""

	def __init__(self, method, host, path, params, raw_query, headers, raw_headers, body,
	             key_id, secret, token, region, service):
		self.method, self.host, self.path = method, host, path
		self.params, self.raw_query = params, raw_query
		self.headers, self.raw_headers = headers, raw_headers
		self.body, self.key_id, self.secret, self.token = body, key_id, secret, token
		self.region, self.service = region, service

	def raw(self):
		target = self.path + ("?" + self.raw_query if self.raw_query else "")
		head = "%s %s HTTP/1.1\r\n" % (self.method, target)
		head += "".join(self.raw_headers)
		return head.encode("utf-8") + b"\r\n" + self.body

	def describe(self):
		return "%s %s params=%r headers=%r body=%r" % (self.method, self.path, self.params,
		                                               self.headers, self.body[:80])


def botocore_authorization(case):
	creds = botocore.credentials.Credentials(case.key_id, case.secret, case.token)
	req = botocore.awsrequest.AWSRequest(method=case.method, url="http://" + case.host +
	                                     case.path, data=case.body, params=case.params)
	for name, value in case.headers:
		req.headers[name] = value  # HTTPHeaders appends: repeated names stay repeated
	with mock.patch.object(botocore.auth.datetime, "datetime", FixedDatetime):
		botocore.auth.SigV4Auth(creds, case.service, case.region).add_auth(req)
	return req.headers["Authorization"]


def tool_authorization(case, tmp_path, canonical=False, tag=""):
	secret_file = tmp_path / ("secret" + tag)
	secret_file.write_text(case.secret + "\n")
	cmd = [TOOL, "--access-key", case.key_id, "--secret-file", str(secret_file),
	       "--date", DATE, "--region", case.region, "--service", case.service]
	if case.token is not None:
		token_file = tmp_path / ("token" + tag)
		token_file.write_text(case.token)
		cmd += ["--token-file", str(token_file)]
	if canonical:
		cmd.append("--canonical")
	p = subprocess.run(cmd, input=case.raw(), capture_output=True, timeout=30)
	return p


# -- generator -------------------------------------------------------------------------

def rand_text(rng, alphabet, lo, hi):
	return "".join(rng.choice(alphabet) for _ in range(rng.randint(lo, hi)))


def rand_param_text(rng, lo=0, hi=12):
	pools = [UNRESERVED, UNRESERVED + ODD, UNRESERVED + UNICODE, ODD + UNICODE, "=&+%"]
	return rand_text(rng, rng.choice(pools), lo, hi)


def encode_query_part(rng, s):
	"""A legal raw encoding of s: must decode (percent-decoding only) back to s."""
	out = []
	for ch in s:
		b = ch.encode("utf-8")
		if ch in UNRESERVED and rng.random() < 0.9:
			out.append(ch)
		elif ch in QUERY_RAW_OK and rng.random() < 0.5:
			out.append(ch)
		elif ord(ch) > 127 and rng.random() < 0.3:
			out.append(ch)  # raw UTF-8 on the request line, as in get-vanilla-utf8-query
		else:
			hexfmt = "%%%02X" if rng.random() < 0.7 else "%%%02x"
			out.append("".join(hexfmt % c for c in b))
	return "".join(out)


def gen_query(rng):
	params, raw = [], []
	names = [rand_param_text(rng, 1, 8) for _ in range(rng.randint(1, 4))]
	for _ in range(rng.randint(1, 8)):
		name = rng.choice(names) if rng.random() < 0.5 else rand_param_text(rng, 0, 10)
		value = "" if rng.random() < 0.2 else rand_param_text(rng)
		params.append((name, value))
		enc = encode_query_part(rng, name)
		if value == "" and name != "" and rng.random() < 0.5:
			raw.append(enc)  # "name" alone means an empty value ("" alone: no pair)
		else:
			raw.append(enc + "=" + encode_query_part(rng, value))
	return params, "&".join(raw)


def gen_path(rng):
	if rng.random() < 0.3:
		return "/"
	segs = []
	for _ in range(rng.randint(1, 6)):
		r = rng.random()
		if r < 0.12:
			segs.append(".")
		elif r < 0.24:
			segs.append("..")
		elif r < 0.34:
			segs.append("")
		elif r < 0.44:
			segs.append("%" + rng.choice(["2F", "20", "41", "e1%88%b4", "25"]))
		else:
			segs.append(rand_text(rng, rng.choice([UNRESERVED, UNRESERVED + PATH_RAW_OK,
			                                        UNRESERVED + UNICODE + " "]), 1, 10))
	path = "/" + "/".join(segs)
	if rng.random() < 0.3:
		path += "/"
	return path


def rand_header_name(rng):
	while True:
		name = rand_text(rng, rng.choice([UNRESERVED.replace("~", ""),
		                                  UNRESERVED + TCHAR_EXTRA]), 1, 20)
		if name.lower() not in AVOID_HEADERS:
			return "".join(c.upper() if rng.random() < 0.4 else c for c in name)


def rand_header_value(rng):
	printable = "".join(chr(c) for c in range(0x21, 0x7f))
	words = [rand_text(rng, printable, 1, 12) for _ in range(rng.randint(0, 5))]
	seps = [" ", "  ", "\t", " \t  ", "\t\t"]
	v = "".join(w + rng.choice(seps) for w in words[:-1]) + (words[-1] if words else "")
	if rng.random() < 0.3:
		v = rng.choice(seps) + v
	if rng.random() < 0.3:
		v = v + rng.choice(seps)
	return v


def raw_header_line(rng, name, value):
	"""Name:value, sometimes folded over continuation lines (obs-fold) at a blank."""
	sep = rng.choice([":", ": ", ":  ", ":\t"])
	words = value.split(" ")
	if len(words) > 2 and rng.random() < 0.2 and value.strip() == value:
		cut = rng.randint(1, len(words) - 1)
		first, rest = " ".join(words[:cut]), " ".join(words[cut:])
		if first.strip() and rest.strip():
			return "%s%s%s\r\n%s%s\r\n" % (name, sep, first, rng.choice([" ", "\t", "   "]), rest)
	return "%s%s%s\r\n" % (name, sep, value)


def gen_form_body(rng):
	actions = ["CreateUser", "GetUser", "ListAccessKeys", "CreateAccessKey", "TagUser",
	           "AttachUserPolicy", "GetCallerIdentity"]
	fields = [("Action", rng.choice(actions)), ("Version", "2010-05-08")]
	for i in range(rng.randint(0, 6)):
		fields.append((rng.choice(["UserName", "Path", "Tags.member.%d.Key" % (i + 1),
		                           "Tags.member.%d.Value" % (i + 1), "PolicyArn"]),
		               rand_param_text(rng, 0, 30)))
	parts = []
	for k, v in fields:
		enc = encode_query_part(rng, v)
		if rng.random() < 0.3:
			enc = enc.replace("%20", "+")
		parts.append(k + "=" + enc)
	body = "&".join(parts).encode("utf-8")
	if rng.random() < 0.05:
		body += bytes(rng.randrange(256) for _ in range(rng.randint(1, 40)))  # any bytes
	return body


def gen_case(rng):
	kind = rng.random()
	host = rng.choice(["iam.amazonaws.com", "sts.amazonaws.com", "127.0.0.1:8080",
	                   "iam.cn-north-1.amazonaws.com.cn", "example.amazonaws.com"])
	headers = []
	if kind < 0.45:  # IAM-style form POST
		method, path = "POST", "/"
		params, raw_query = ([], "") if rng.random() < 0.8 else gen_query(rng)
		body = gen_form_body(rng)
		headers.append((rng.choice(["Content-Type", "content-type", "CONTENT-TYPE"]),
		                rng.choice(["application/x-www-form-urlencoded; charset=utf-8",
		                            "application/x-www-form-urlencoded"])))
	else:  # GET (or another verb) with an odd path and query
		method = rng.choice(["GET", "GET", "GET", "PUT", "DELETE", "HEAD", "PATCH"])
		path = gen_path(rng)
		params, raw_query = gen_query(rng) if rng.random() < 0.85 else ([], "")
		body = b"" if method in ("GET", "HEAD") or rng.random() < 0.5 else \
			bytes(rng.randrange(256) for _ in range(rng.randint(0, 200)))
	for _ in range(rng.randint(0, 6)):
		name = rand_header_name(rng)
		for _ in range(1 if rng.random() < 0.7 else rng.randint(2, 4)):
			# repeated names, sometimes spelt in another case
			spelt = name if rng.random() < 0.5 else name.swapcase()
			headers.append((spelt, rand_header_value(rng)))
	rng.shuffle(headers)
	host_name = rng.choice(["Host", "host", "HOST"])
	token = None
	if rng.random() < 0.25:
		token = rand_text(rng, UNRESERVED + "/+=", 16, 600)
	key_id = rand_text(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 20)
	secret = rand_text(rng, UNRESERVED + "/+", 20, 60)
	raw_headers = [raw_header_line(rng, host_name, host)]
	raw_headers += [raw_header_line(rng, n, v) for n, v in headers]
	raw_headers.insert(rng.randint(0, len(raw_headers)), "X-Amz-Date:%s\r\n" % DATE)
	all_headers = [(host_name, host)] + headers
	return Case(method, host, path, params, raw_query, all_headers, raw_headers, body,
	            key_id, secret, token, rng.choice(REGIONS), rng.choice(SERVICES))


def compare(case, tmp_path, tag=""):
	"""(agreed, detail)."""
	want = botocore_authorization(case)
	p = tool_authorization(case, tmp_path, tag=tag)
	got = p.stdout.decode("utf-8", "replace").split("\n", 1)[0]
	if p.returncode != 0 or got != want:
		c = tool_authorization(case, tmp_path, canonical=True, tag=tag)
		return False, "%s\n  botocore: %s\n  sigv4-sign (rc %d): %s %s\n%s" % (
			case.describe(), want, p.returncode, got, p.stderr.decode(errors="replace"),
			c.stdout.decode(errors="replace"))
	return True, ""


# -- tests -----------------------------------------------------------------------------

def test_botocore_agrees_on_generated_requests(tmp_path):
	rng = random.Random(SEED)
	cases = [gen_case(rng) for _ in range(N_RANDOM)]
	# botocore signs in this thread (its clock is patched here); the tool runs in a few
	# worker threads, each case with its own secret file.
	wanted = [botocore_authorization(c) for c in cases]
	with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
		runs = list(pool.map(lambda ic: tool_authorization(ic[1], tmp_path, tag="-%d" % ic[0]),
		                     enumerate(cases)))
	agreed, failures = 0, []
	for i, (case, want, p) in enumerate(zip(cases, wanted, runs)):
		if p.returncode == 0 and p.stdout.decode("utf-8", "replace").split("\n", 1)[0] == want:
			agreed += 1
		else:
			failures.append(compare(case, tmp_path, tag="-%d" % i)[1])
	print("sigv4-sign and botocore agreed on %d of %d generated requests" % (agreed, N_RANDOM),
	      file=sys.stderr)
	assert not failures, "%d of %d disagree; first:\n%s" % (len(failures), N_RANDOM,
	                                                       "\n".join(failures[:3]))
	assert agreed == N_RANDOM


def fixed_case(**kw):
	c = dict(method="POST", host="iam.amazonaws.com", path="/", params=[], raw_query="",
	         headers=None, raw_headers=None, body=b"Action=GetUser&Version=2010-05-08",
	         key_id="AKIDEXAMPLEAKIDEXAMPLE", secret="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
	         token=None, region="us-east-1", service="iam")
	c.update(kw)
	if c["headers"] is None:
		c["headers"] = [("Host", c["host"]),
		                ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
	if c["raw_headers"] is None:
		c["raw_headers"] = ["%s:%s\r\n" % h for h in c["headers"]] + ["X-Amz-Date:%s\r\n" % DATE]
	return Case(**c)


def assert_agrees(case, tmp_path):
	ok, detail = compare(case, tmp_path)
	assert ok, detail


def test_iam_form_post_like_the_transport_sends(tmp_path):
	assert_agrees(fixed_case(body=b"Action=CreateUser&Version=2010-05-08&UserName=a%2Bb%40c"
	                             b"&Tags.member.1.Key=managed-by&Tags.member.1.Value=pam"),
	              tmp_path)


def test_session_token_is_signed_as_x_amz_security_token(tmp_path):
	case = fixed_case(token="FwoGZXIvYXdzEBYaDH+/token==", service="sts")
	assert_agrees(case, tmp_path)
	out = tool_authorization(case, tmp_path).stdout.decode()
	assert "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token," in out


def test_session_token_replaces_one_the_request_carries(tmp_path):
	case = fixed_case(token="the-real-token")
	case.raw_headers.append("X-Amz-Security-Token: stale-token\r\n")
	assert_agrees(case, tmp_path)


def test_query_reserved_characters_raw_or_encoded_sign_alike(tmp_path):
	params = [("a b", "c/d?e"), ("a b", ""), ("ሴ", "x+y"), ("k", "=&")]
	raws = ["a%20b=c/d?e&a%20b&ሴ=x+y&k=%3D%26",
	        "a%20b=c%2fd%3fe&a%20b=&%E1%88%B4=x%2By&k=%3d%26"]
	for raw in raws:
		assert_agrees(fixed_case(method="GET", body=b"", params=params, raw_query=raw),
		              tmp_path)


def test_path_dot_segments_and_double_encoding(tmp_path):
	for path in ["/a/./b/../c//d/", "/%2F/x%20y/", "/..", "//", "/ሴ/ $!"]:
		assert_agrees(fixed_case(method="GET", body=b"", path=path), tmp_path)


def test_repeated_and_folded_headers(tmp_path):
	headers = [("Host", "iam.amazonaws.com"), ("X-Multi", " one  two "), ("x-multi", "three"),
	           ("X-Tab", "a\t\tb")]
	raw = ["Host:iam.amazonaws.com\r\n", "X-Multi: one\r\n   two \r\n", "x-multi:three\r\n",
	       "X-Tab:a\t\tb\r\n", "X-Amz-Date:%s\r\n" % DATE]
	assert_agrees(fixed_case(headers=headers, raw_headers=raw), tmp_path)


def run_tool(tmp_path, raw, *extra, date=DATE):
	(tmp_path / "secret").write_text("secret\n")
	cmd = [TOOL, "--access-key", "AKID", "--secret-file", str(tmp_path / "secret"),
	       "--date", date, "--region", "us-east-1", "--service", "iam", *extra]
	return subprocess.run(cmd, input=raw, capture_output=True, timeout=30)


GOOD = ("POST / HTTP/1.1\nHost:iam.amazonaws.com\nX-Amz-Date:%s\n\nAction=GetUser" % DATE).encode()


BAD_REQUESTS = [
	(b"", "empty input"),
	(b"GET\n", "no target"),
	(b"GET / HTTP/1.1\n Host:x\n", "continuation before any header"),
	(b"GET / HTTP/1.1\nHost x\nX-Amz-Date:" + DATE.encode() + b"\n", "no colon"),
	(b"GET / HTTP/1.1\nHost:x\x00y\nX-Amz-Date:" + DATE.encode() + b"\n", "NUL in head"),
	(b"GET / HTTP/1.1\nHost:x\n", "no x-amz-date"),
	(b"GET / HTTP/1.1\nX-Amz-Date:" + DATE.encode() + b"\n", "no host"),
	(b"GET / HTTP/1.1\nHost:x\nX-Amz-Date:20150830T123600Z\n", "x-amz-date differs"),
	(b"GET /?a=%zz HTTP/1.1\nHost:x\nX-Amz-Date:" + DATE.encode() + b"\n", "bad escape"),
	(b"GET / HTTP/1.1\nHost:x\nBad Name:v\nX-Amz-Date:" + DATE.encode() + b"\n", "bad name"),
	(b"get / HTTP/1.1\nHost:x\nX-Amz-Date:" + DATE.encode() + b"\n", "lowercase method"),
	(b"GET / HTTP/1.1\n" + b"".join(b"X-H%d:v\n" % i for i in range(80)) + b"Host:x\n",
	 "too many headers"),
	(b"GET / HTTP/1.1\nHost:" + b"x" * 20000 + b"\nX-Amz-Date:" + DATE.encode() + b"\n",
	 "huge header"),
]


@pytest.mark.parametrize("raw,why", BAD_REQUESTS, ids=[w for _, w in BAD_REQUESTS])
def test_tool_refuses_bad_requests_with_one_line(tmp_path, raw, why):
	p = run_tool(tmp_path, raw)
	assert p.returncode == 1, why
	assert p.stdout == b""
	err = p.stderr.decode()
	assert err.startswith("sigv4-sign: ") and err.count("\n") == 1, (why, err)


def test_tool_refuses_bad_dates(tmp_path):
	for date in ["20150830T123600", "20150230T000000Z", "2015083OT123600Z", "20150830T246000Z",
	             "19690101T000000Z", "20150830t123600z", ""]:
		p = run_tool(tmp_path, GOOD, date=date)
		assert p.returncode == 1, date
		assert b"secret" not in p.stderr


def test_tool_usage_and_secret_file_errors(tmp_path):
	p = subprocess.run([TOOL, "--access-key", "AKID"], capture_output=True, timeout=30)
	assert p.returncode == 2 and p.stderr.startswith(b"usage:")
	(tmp_path / "empty").write_text("")
	p = subprocess.run([TOOL, "--access-key", "AKID", "--secret-file", str(tmp_path / "empty"),
	                    "--date", DATE, "--region", "us-east-1", "--service", "iam"],
	                   input=GOOD, capture_output=True, timeout=30)
	assert p.returncode == 1 and b"one non-empty line" in p.stderr
	p = subprocess.run([TOOL, "--access-key", "AKID", "--secret-file",
	                    str(tmp_path / "missing"), "--date", DATE, "--region", "us-east-1",
	                    "--service", "iam"], input=GOOD, capture_output=True, timeout=30)
	assert p.returncode == 1 and b"cannot open secret file" in p.stderr


def test_tool_accepts_lf_and_crlf_alike(tmp_path):
	a = run_tool(tmp_path, GOOD)
	b = run_tool(tmp_path, GOOD.replace(b"\n", b"\r\n"))
	assert a.returncode == 0 and a.stdout == b.stdout
