# SPDX-License-Identifier: MIT
"""What every part of the endpoint shares: the AWS error, clocks, IDs, fixed names."""
import datetime
import secrets

PARTITION_IAM_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
ADMIN_USER = "pai-admin"
INSTANCE_ID = "i-0123456789abcdef0"
NEWLINE_PAYLOAD = "\n[evil]\naws_access_key_id=AKIAEVILEVILEVIL0000\n"


class AwsError(Exception):
	"""An AWS error reply: code, message, HTTP status, fault type. Codes are the Query
	protocol's (IAM/STS); the JSON protocol renames the authentication ones (wire_json)."""

	def __init__(self, code, message, status=400, kind="Sender"):
		super().__init__(message)
		self.code = code
		self.message = message
		self.status = status
		self.kind = kind


def now_utc():
	return datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
	return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_epoch(t):
	"""ISO 8601 (seconds, Z) of an epoch time."""
	return iso(datetime.datetime.fromtimestamp(t, datetime.timezone.utc))


def rand_id(prefix, n=16, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"):
	return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


def rand_secret():
	alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return "".join(secrets.choice(alphabet) for _ in range(40))


def request_id():
	return "%08x-%04x-%04x-%04x-%012x" % tuple(secrets.randbits(b) for b in (32, 16, 16, 16, 48))
