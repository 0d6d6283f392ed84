# SPDX-License-Identifier: MIT
"""STS (2011-06-15): GetCallerIdentity and GetSessionToken, and the sessions it issued.

A session (ASIA key, secret, token) acts as the IAM user whose long-term key asked for it,
until its Expiration; it outlives that key (AWS does not revoke sessions with the key).
What sessions may call is decided in principals.py.
"""
import base64
import secrets

from aws_common import AwsError, iso_epoch, rand_id, rand_secret
from wire_query import p_int, p_str

ACTIONS = ("GetCallerIdentity", "GetSessionToken")
SESSION_MIN_S, SESSION_MAX_S, SESSION_DEFAULT_S = 900, 129600, 43200


class StsModel:
	"""STS's sessions and actions; the caller holds state.lock."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		self.sessions = {}   # ASIA key id -> session dict

	def dump(self):
		return {"sessions": [dict(s) for s in self.sessions.values()]}

	def GetCallerIdentity(self, params, caller):
		return [("Arn", caller["arn"]), ("UserId", caller["user_id"]),
		        ("Account", self.state.account)]

	def GetSessionToken(self, params, caller):
		duration = p_int(params, "DurationSeconds", "durationSeconds", False, SESSION_MIN_S,
		                 SESSION_MAX_S)
		serial = p_str(params, "SerialNumber", "serialNumber", False, 9, 256)
		code = p_str(params, "TokenCode", "tokenCode", False, 6, 6)
		if caller["kind"] != "user":
			raise AwsError("AccessDenied", "Cannot call GetSessionToken with session "
			               "credentials", 403)
		if serial is not None or code is not None:
			raise AwsError("AccessDenied", "MultiFactorAuthentication failed, unable to validate "
			               "MFA code. Please verify your MFA serial number is valid and "
			               "associated with this user.", 403)
		now = self.state.cred_now()
		s = {"id": rand_id("ASIA"), "secret": rand_secret(),
		     "token": "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(280)).decode(),
		     "user": caller["user"], "user_id": caller["user_id"], "arn": caller["arn"],
		     "source_key": caller["key"], "issued": now,
		     "expires": now + (duration or SESSION_DEFAULT_S)}
		self.sessions[s["id"]] = s
		return [("Credentials", [("AccessKeyId", s["id"]), ("SecretAccessKey", s["secret"]),
		                         ("SessionToken", s["token"]),
		                         ("Expiration", iso_epoch(s["expires"]))])]
