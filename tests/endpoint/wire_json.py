# SPDX-License-Identifier: MIT
"""The JSON protocol (Secrets Manager, x-amz-json-1.1): replies, errors, field checks.

A request is `POST /` with `X-Amz-Target: <prefix>.<Action>` and a JSON object body. A
reply is a JSON object; an error is HTTP 400 (5xx for server faults) with
`{"__type": CODE, "Message": TEXT}` (botocore reads `message` or `Message`, and keeps what
follows the last `#` of `__type`). Errors raised by AWS's request framework rather than
the service (authentication, throttling, validation) carry the framework's namespace, as
AWS's JSON services send them: `com.amazon.coral.service#UnrecognizedClientException`.
"""
import base64
import json

from aws_common import AwsError

CONTENT_TYPE = "application/x-amz-json-1.1"

# Query-protocol codes (what sigv4_verify and principals raise) -> JSON services' codes.
AUTH_CODES = {
	"MissingAuthenticationToken": ("com.amazon.coral.service#MissingAuthenticationTokenException",
	                               "Missing Authentication Token"),
	"InvalidClientTokenId": ("com.amazon.coral.service#UnrecognizedClientException",
	                         "The security token included in the request is invalid."),
	"SignatureDoesNotMatch": ("com.amazon.coral.service#InvalidSignatureException", None),
	"IncompleteSignature": ("com.amazon.coral.service#IncompleteSignatureException", None),
	"ExpiredToken": ("com.amazon.coral.service#ExpiredTokenException",
	                 "The security token included in the request is expired"),
	"AccessDenied": ("AccessDeniedException", None),
	"Throttling": ("com.amazon.coral.availability#ThrottlingException", None),
}
FRAMEWORK_CODES = {"ValidationException": "com.amazon.coral.validate#ValidationException",
                   "SerializationException": "com.amazon.coral.service#SerializationException",
                   "UnknownOperationException":
                   "com.amazon.coral.service#UnknownOperationException",
                   "ThrottlingException": "com.amazon.coral.availability#ThrottlingException"}


class JsonReply:
	protocol = "json"
	content_type = CONTENT_TYPE

	def __init__(self, status, obj):
		self.status = status
		self.obj = obj

	def body(self, **kw):
		return json.dumps(self.obj, separators=(",", ":")).encode()


def error_reply(err):
	code, message = err.code, err.message
	status = err.status
	if code in AUTH_CODES:
		code, fixed = AUTH_CODES[code]
		message = fixed or message
		status = 500 if status >= 500 else 400
	code = FRAMEWORK_CODES.get(code, code)
	return JsonReply(status, {"__type": code, "Message": message})


def success_reply(result):
	return JsonReply(200, result if result is not None else {})


# ---------------------------------------------------------------- request fields

def validation(field, value, constraint):
	shown = "null" if value is None else "'%s'" % value
	if isinstance(value, str) and len(value) > 200:
		shown = "'%s...'" % value[:200]
	return AwsError("ValidationException", "1 validation error detected: Value %s at '%s' "
	                "failed to satisfy constraint: Member must %s" % (shown, field, constraint))


def field_name(name):
	return name[:1].lower() + name[1:]


def j_str(req, name, required=False, min_len=None, max_len=None, sensitive=False):
	v = req.get(name)
	field = field_name(name)
	if v is None:
		if required:
			raise validation(field, None, "not be null")
		return None
	if not isinstance(v, str):
		raise AwsError("SerializationException", "STRING_VALUE can not be converted to a "
		               "%s" % type(v).__name__)
	shown = "***" if sensitive else v
	if min_len is not None and len(v) < min_len:
		raise validation(field, shown, "have length greater than or equal to %d" % min_len)
	if max_len is not None and len(v) > max_len:
		raise validation(field, shown, "have length less than or equal to %d" % max_len)
	return v


def j_bool(req, name):
	v = req.get(name)
	if v is None:
		return None
	if not isinstance(v, bool):
		raise AwsError("SerializationException", "NUMBER_VALUE or STRING_VALUE can not be "
		               "converted to a Boolean")
	return v


def j_int(req, name, lo=None, hi=None):
	v = req.get(name)
	if v is None:
		return None
	if isinstance(v, bool) or not isinstance(v, int):
		raise AwsError("SerializationException", "STRING_VALUE can not be converted to a Long")
	field = field_name(name)
	if lo is not None and v < lo:
		raise validation(field, str(v), "have value greater than or equal to %d" % lo)
	if hi is not None and v > hi:
		raise validation(field, str(v), "have value less than or equal to %d" % hi)
	return v


def j_blob(req, name, max_len=None):
	v = req.get(name)
	if v is None:
		return None
	if not isinstance(v, str):
		raise AwsError("SerializationException", "Blob value must be a base64 string")
	try:
		raw = base64.b64decode(v, validate=True)
	except ValueError:
		raise AwsError("SerializationException", "Base64 encoded value is not valid")
	if max_len is not None and len(raw) > max_len:
		raise validation(field_name(name), "***", "have length less than or equal to %d"
		                 % max_len)
	return raw


def j_str_list(req, name, min_items=None, max_items=None, min_len=None, max_len=None):
	v = req.get(name)
	field = field_name(name)
	if v is None:
		return None
	if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
		raise AwsError("SerializationException", "Start of list found where not expected"
		               if not isinstance(v, list) else "STRING_VALUE expected in list")
	if min_items is not None and len(v) < min_items:
		raise validation(field, str(v), "have length greater than or equal to %d" % min_items)
	if max_items is not None and len(v) > max_items:
		raise validation(field, str(v), "have length less than or equal to %d" % max_items)
	for i, x in enumerate(v, 1):
		if min_len is not None and len(x) < min_len:
			raise validation("%s.%d.member" % (field, i), x,
			                 "have length greater than or equal to %d" % min_len)
		if max_len is not None and len(x) > max_len:
			raise validation("%s.%d.member" % (field, i), x,
			                 "have length less than or equal to %d" % max_len)
	return v
