"""Who signed a request, and whether they may make this call.

find_signer() maps an access key ID (and security token) to its secret and the caller: an
IAM user's long-term key, or the IMDS role's temporary credentials. authorize() applies
the control API's deny rules.
"""
from aws_common import INSTANCE_ID, AwsError, iso, now_utc


def invalid_token():
	return AwsError("InvalidClientTokenId", "The security token included in the request is "
	                "invalid.", 403)


def find_signer(state, kid, token):
	"""(secret, caller) for the key ID kid, or AwsError. The caller holds state.lock."""
	k = state.iam.keys.get(kid)
	if k is not None:
		return long_term_signer(state, k, token)
	temp = state.imds.temp if state.imds.temp and state.imds.temp["id"] == kid else None
	if temp is not None:
		if token != temp["token"]:
			raise invalid_token()
		if state.now() >= temp["expires"]:
			raise AwsError("ExpiredToken", "The security token included in the request is "
			               "expired", 403)
		return temp["secret"], {
			"kind": "role", "user": None, "key": kid,
			"arn": "arn:%s:sts::%s:assumed-role/%s/%s" % (
				state.partition, state.account, temp["role"], INSTANCE_ID),
			"user_id": "%s:%s" % (temp["role_id"], INSTANCE_ID)}
	raise invalid_token()


def long_term_signer(state, k, token):
	import time
	if k["status"] != "Active" or time.time() < k["usable_after"] or token is not None:
		raise invalid_token()
	u = state.iam.users.get(k["user"].lower())
	if u is None:
		raise invalid_token()
	return k["secret"], {"kind": "user", "user": u["name"], "arn": u["arn"],
	                     "user_id": u["id"], "key": k["id"]}


def mark_used(state, caller, service, region):
	"""Records the last use of a long-term key, as GetAccessKeyLastUsed reports it."""
	with state.lock:
		k = state.iam.keys.get(caller["key"])
		if caller["kind"] == "user" and k is not None:
			k["last_used"] = {"date": iso(now_utc()), "service": service, "region": region}


def authorize(state, caller, service, action):
	"""Raises AccessDenied when a deny rule of the control API matches. Holds state.lock."""
	for d in state.denies:
		if (not d.get("actions") or action in d["actions"]) and \
		   (not d.get("principal") or d["principal"] in (caller["arn"], caller.get("user"))):
			raise AwsError("AccessDenied", "User: %s is not authorized to perform: %s:%s "
			               "because no identity-based policy allows the %s:%s action"
			               % (caller["arn"], service, action, service, action), 403)
