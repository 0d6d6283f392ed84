# SPDX-License-Identifier: MIT
"""STS (2011-06-15): GetCallerIdentity, GetSessionToken and AssumeRole, and the sessions
they issued.

A session (ASIA key, secret, token) from GetSessionToken acts as the IAM user whose long-term
key asked for it, until its Expiration; it outlives that key (AWS does not revoke sessions
with the key). A role session from AssumeRole acts as the role
(arn:PARTITION:sts::ACCOUNT:assumed-role/NAME/SESSION). Roles are made through the control
API (create_role) and trust every principal of the account: trust policies are not
evaluated. What sessions may call is decided in principals.py.
"""
import base64
import re
import secrets

from aws_common import AwsError, iso_epoch, rand_id, rand_secret
from wire_query import p_int, p_str

ACTIONS = ("GetCallerIdentity", "GetSessionToken", "AssumeRole")
SESSION_MIN_S, SESSION_MAX_S, SESSION_DEFAULT_S = 900, 129600, 43200
ROLE_DEFAULT_S, ROLE_CHAINED_MAX_S = 3600, 3600
ROLE_SESSION_NAME_RE = r"[\w+=,.@-]*"


class StsModel:
	"""STS's sessions and actions; the caller holds state.lock."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		self.sessions = {}        # ASIA key id -> session dict (GetSessionToken)
		self.roles = {}           # lower role name -> role dict
		self.role_sessions = {}   # ASIA key id -> role session dict (AssumeRole)

	def dump(self):
		return {"sessions": [dict(s) for s in self.sessions.values()],
		        "roles": [dict(r) for r in self.roles.values()],
		        "role_sessions": [dict(s) for s in self.role_sessions.values()]}

	def add_role(self, name, max_session_s=ROLE_DEFAULT_S):
		r = {"name": name, "arn": self.state.arn("role/" + name), "id": rand_id("AROA", 17),
		     "max_session_s": max_session_s}
		self.roles[name.lower()] = r
		return r

	def new_credentials(self):
		return {"id": rand_id("ASIA"), "secret": rand_secret(),
		        "token": "IQoJb3JpZ2luX2VjE" + base64.b64encode(secrets.token_bytes(280)).decode()}

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
		s = dict(self.new_credentials(), user=caller["user"], user_id=caller["user_id"],
		         arn=caller["arn"], source_key=caller["key"], issued=now,
		         expires=now + (duration or SESSION_DEFAULT_S))
		self.sessions[s["id"]] = s
		return [("Credentials", [("AccessKeyId", s["id"]), ("SecretAccessKey", s["secret"]),
		                         ("SessionToken", s["token"]),
		                         ("Expiration", iso_epoch(s["expires"]))])]

	def AssumeRole(self, params, caller):
		arn = p_str(params, "RoleArn", "roleArn", True, 20, 2048)
		name = p_str(params, "RoleSessionName", "roleSessionName", True, 2, 64,
		             re.compile(ROLE_SESSION_NAME_RE, re.ASCII), ROLE_SESSION_NAME_RE)
		duration = p_int(params, "DurationSeconds", "durationSeconds", False, 900, 43200)
		m = re.fullmatch(r"arn:([\w-]+):iam::(\d{12}):role/(?:[\x21-\x7e]*/)?([\w+=,.@-]+)", arn)
		role = self.roles.get(m.group(3).lower()) if m and m.group(1) == self.state.partition \
			and m.group(2) == self.state.account else None
		if role is None or role["arn"] != arn:
			raise AwsError("AccessDenied", "User: %s is not authorized to perform: "
			               "sts:AssumeRole on resource: %s" % (caller["arn"], arn), 403)
		chained = caller["kind"] == "role"
		limit = ROLE_CHAINED_MAX_S if chained else role["max_session_s"]
		if duration is not None and duration > limit:
			raise AwsError("ValidationError", "The requested DurationSeconds exceeds the 1 hour "
			               "session limit for roles assumed by role chaining." if chained else
			               "The requested DurationSeconds exceeds the MaxSessionDuration set "
			               "for this role.")
		now = self.state.cred_now()
		s = dict(self.new_credentials(), role=role["name"], role_id=role["id"],
		         session_name=name, arn=self.state.arn("assumed-role/%s/%s" % (
		             role["name"], name), service="sts"),
		         user_id="%s:%s" % (role["id"], name), source_key=caller["key"],
		         source_arn=caller["arn"], issued=now,
		         expires=now + (duration or ROLE_DEFAULT_S))
		self.role_sessions[s["id"]] = s
		return [("Credentials", [("AccessKeyId", s["id"]), ("SecretAccessKey", s["secret"]),
		                         ("SessionToken", s["token"]),
		                         ("Expiration", iso_epoch(s["expires"]))]),
		        ("AssumedRoleUser", [("AssumedRoleId", s["user_id"]), ("Arn", s["arn"])])]
