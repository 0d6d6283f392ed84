# SPDX-License-Identifier: MIT
"""Who signed a request, and whether they may make this call.

find_signer() maps an access key ID (and security token) to its secret and the caller: an
IAM user's long-term key, an STS session (GetSessionToken), a role session (AssumeRole), or
the IMDS role's temporary credentials. check_session_service() refuses what AWS refuses to session credentials
before it looks at the action; authorize() applies the control API's deny rules, STS's
limits on session credentials, and the "revoke older sessions" deny (policy_deny).
"""
import time

import policy_deny
from aws_common import INSTANCE_ID, AwsError, iso, now_utc


def invalid_token():
	return AwsError("InvalidClientTokenId", "The security token included in the request is "
	                "invalid.", 403)


def find_signer(state, kid, token):
	"""(secret, caller) for the key ID kid, or AwsError. The caller holds state.lock."""
	k = state.iam.keys.get(kid)
	if k is not None:
		return long_term_signer(state, k, token)
	sess = state.sts.sessions.get(kid)
	if sess is not None:
		return session_signer(state, sess, token)
	rs = state.sts.role_sessions.get(kid)
	if rs is not None:
		return role_session_signer(state, rs, token)
	temp = state.imds.temp if state.imds.temp and state.imds.temp["id"] == kid else None
	if temp is not None:
		if token != temp["token"]:
			raise invalid_token()
		if state.cred_now() >= temp["expires"]:
			raise AwsError("ExpiredToken", "The security token included in the request is "
			               "expired", 403)
		return temp["secret"], {
			"kind": "role", "user": None, "key": kid,
			"arn": "arn:%s:sts::%s:assumed-role/%s/%s" % (
				state.partition, state.account, temp["role"], INSTANCE_ID),
			"user_id": "%s:%s" % (temp["role_id"], INSTANCE_ID)}
	raise invalid_token()


def long_term_signer(state, k, token):
	if k["status"] != "Active" or time.time() < k["usable_after"] or token is not None:
		raise invalid_token()
	u = state.iam.users.get(k["user"].lower())
	if u is None:
		raise invalid_token()
	return k["secret"], {"kind": "user", "user": u["name"], "arn": u["arn"],
	                     "user_id": u["id"], "key": k["id"]}


def session_signer(state, sess, token):
	if token != sess["token"]:
		raise invalid_token()
	if state.cred_now() >= sess["expires"]:
		raise expired_token()
	u = state.iam.users.get(sess["user"].lower())
	if u is None or u["id"] != sess["user_id"]:   # the user was deleted (and maybe remade)
		raise invalid_token()
	return sess["secret"], {"kind": "session", "user": u["name"], "arn": u["arn"],
	                        "user_id": u["id"], "key": sess["id"], "issued": sess["issued"]}


def role_session_signer(state, rs, token):
	if token != rs["token"]:
		raise invalid_token()
	if state.cred_now() >= rs["expires"]:
		raise expired_token()
	role = state.sts.roles.get(rs["role"].lower())
	if role is None or role["id"] != rs["role_id"]:   # the role was deleted (and maybe remade)
		raise invalid_token()
	return rs["secret"], {"kind": "role", "user": None, "arn": rs["arn"],
	                      "user_id": rs["user_id"], "key": rs["id"], "issued": rs["issued"]}


def expired_token():
	return AwsError("ExpiredToken", "The security token included in the request is expired",
	                403)


def check_session_service(caller, service):
	"""GetSessionToken credentials without MFA cannot call IAM at all: AWS answers as if
	the token were unknown."""
	if caller["kind"] == "session" and service == "iam":
		raise invalid_token()


def mark_used(state, caller, service, region):
	"""Records the last use of a long-term key, as GetAccessKeyLastUsed reports it."""
	with state.lock:
		k = state.iam.keys.get(caller["key"])
		if caller["kind"] == "user" and k is not None:
			k["last_used"] = {"date": iso(now_utc()), "service": service, "region": region}


def authorize(state, caller, service, action, resource="*"):
	"""Raises AccessDenied when the call is refused. The caller holds state.lock."""
	for d in state.denies:
		if (not d.get("actions") or action in d["actions"]) and \
		   (not d.get("principal") or d["principal"] in (caller["arn"], caller.get("user"))):
			raise AwsError("AccessDenied", "User: %s is not authorized to perform: %s:%s "
			               "because no identity-based policy allows the %s:%s action"
			               % (caller["arn"], service, action, service, action), 403)
	if caller["kind"] in ("session", "role") and service == "sts" and \
	   action not in ("GetCallerIdentity", "AssumeRole"):
		raise AwsError("AccessDenied", "Cannot call %s with session credentials" % action, 403)
	# No policy can deny GetCallerIdentity (AWS: "you can still perform this operation").
	if caller["kind"] == "session" and not (service == "sts" and action == "GetCallerIdentity"):
		for doc in state.iam.user_policy_documents(caller["user"]):
			try:
				statements = policy_deny.parse(doc)
			except AwsError:
				continue
			if policy_deny.revoking_statement(statements, service, action, caller["issued"]):
				raise AwsError("AccessDenied", "User: %s is not authorized to perform: %s:%s on "
				               "resource: %s with an explicit deny in an identity-based policy"
				               % (caller["arn"], service, action, resource), 403)
