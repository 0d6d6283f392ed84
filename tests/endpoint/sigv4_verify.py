# SPDX-License-Identifier: MIT
"""SigV4 verification with botocore's signer.

verify_request() recomputes the signature of a received request over the headers the client
listed in SignedHeaders, the body as received and X-Amz-Date, with the secret that
find_signer(key_id, token) returns, and compares. It knows nothing of IAM: the caller says
which credentials exist and which service and region the signature must be scoped to.
Errors are raised with the Query protocol's codes (wire_json renames them for JSON services).
"""
import datetime
import hashlib
import hmac
import re
import time
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

from aws_common import AwsError

MAX_SKEW_S = 15 * 60
AMZ_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class _ScopedSigner(SigV4Auth):
	"""botocore's SigV4 signer restricted to the headers the client said it signed."""

	def __init__(self, credentials, service, region, signed, headers):
		super().__init__(credentials, service, region)
		self._signed = signed
		self._headers = headers

	def headers_to_sign(self, request):
		m = HTTPHeaders()
		for name in self._signed:
			for v in self._headers.get_all(name) or []:
				m[name] = v
		return m


def parse_authorization(value):
	alg, _, rest = value.strip().partition(" ")
	if alg != "AWS4-HMAC-SHA256":
		raise AwsError("IncompleteSignature", "Unsupported AWS 'algorithm': '%s'" % alg)
	fields = {}
	for part in rest.split(","):
		k, eq, v = part.strip().partition("=")
		if eq:
			fields[k] = v
	for need in ("Credential", "SignedHeaders", "Signature"):
		if need not in fields:
			raise AwsError("IncompleteSignature", "Authorization header requires '%s' "
			               "parameter. Authorization=%s" % (need, value))
	scope = fields["Credential"].split("/")
	if len(scope) != 5 or scope[4] != "aws4_request":
		raise AwsError("IncompleteSignature", "Credential should have the form "
		               "<key>/<date>/<region>/<service>/aws4_request, got '%s'"
		               % fields["Credential"])
	return {"key": scope[0], "date": scope[1], "region": scope[2], "service": scope[3],
	        "signed": [h.strip().lower() for h in fields["SignedHeaders"].split(";")],
	        "signature": fields["Signature"]}


def scope_service(headers):
	"""The service named in the Authorization header's credential scope, or None."""
	try:
		return parse_authorization(headers.get("Authorization", ""))["service"]
	except AwsError:
		return None


def _stamp(t):
	return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(t))


def verify_request(method, raw_path, headers, body, host_url, find_signer, now, services,
                   region_ok, region_error="Credential should be scoped to a valid region. "):
	"""Checks a SigV4 request. find_signer(key_id, token) -> (secret, caller) or raises
	AwsError; now is the server's clock (epoch s); services: the scope services this endpoint
	path accepts (the first is named in the error); region_ok(service, region) -> bool.
	Returns (caller, scope dict)."""
	authz = headers.get("Authorization")
	if not authz:
		raise AwsError("MissingAuthenticationToken", "Request is missing Authentication Token",
		               403)
	a = parse_authorization(authz)
	amz_date = headers.get("X-Amz-Date")
	if amz_date is None:
		raise AwsError("IncompleteSignature", "Authorization header requires existence of "
		               "either a 'X-Amz-Date' or a 'Date' header. Authorization=%s" % authz)
	if not AMZ_DATE_RE.match(amz_date):
		raise AwsError("IncompleteSignature", "Date must be in ISO-8601 'basic format'. Got "
		               "'%s'." % amz_date)
	if "host" not in a["signed"]:
		raise AwsError("SignatureDoesNotMatch", "'Host' or ':authority' must be a 'SignedHeader' "
		               "in the AWS Authorization.", 403)
	if a["date"] != amz_date[:8]:
		raise AwsError("SignatureDoesNotMatch", "Date in Credential scope does not match "
		               "YYYYMMDD from ISO-8601 version of date from HTTP: '%s' != '%s', from "
		               "ISO-8601 string: '%s'." % (a["date"], amz_date[:8], amz_date), 403)
	service = a["service"]
	if service not in services:
		raise AwsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: "
		               "'%s'." % services[0], 403)
	kid = a["key"]
	secret, caller = find_signer(kid, headers.get("X-Amz-Security-Token"))
	t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
		tzinfo=datetime.timezone.utc).timestamp()
	if t < now - MAX_SKEW_S:
		raise AwsError("SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s "
		               "(%s - 15 min.)" % (amz_date, _stamp(now - MAX_SKEW_S), _stamp(now)), 403)
	if t > now + MAX_SKEW_S:
		raise AwsError("SignatureDoesNotMatch", "Signature not yet current: %s is still later "
		               "than %s (%s + 15 min.)" % (amz_date, _stamp(now + MAX_SKEW_S),
		                                           _stamp(now)), 403)
	if not region_ok(service, a["region"]):
		raise AwsError("SignatureDoesNotMatch", region_error, 403)
	declared = headers.get("X-Amz-Content-SHA256")
	if declared is not None and declared != hashlib.sha256(body).hexdigest():
		raise AwsError("SignatureDoesNotMatch", "The provided 'x-amz-content-sha256' header does "
		               "not match what was computed.", 403)
	for h in a["signed"]:
		if headers.get(h) is None:
			raise AwsError("SignatureDoesNotMatch", "The request signature we calculated does "
			               "not match the signature you provided: signed header '%s' is missing."
			               % h, 403)
	path, _, query = raw_path.partition("?")
	req = AWSRequest(method=method, url=host_url + path, data=body)
	req.params = urllib.parse.parse_qsl(query, keep_blank_values=True)
	req.context["timestamp"] = amz_date
	signer = _ScopedSigner(Credentials(kid, secret), service, a["region"], a["signed"], headers)
	creq = signer.canonical_request(req)
	expected = signer.signature(signer.string_to_sign(req, creq), req)
	if not hmac.compare_digest(expected, a["signature"]):
		raise AwsError("SignatureDoesNotMatch", "The request signature we calculated does not "
		               "match the signature you provided. Check your AWS Secret Access Key and "
		               "signing method. Consult the service documentation for details.", 403)
	return caller, a
