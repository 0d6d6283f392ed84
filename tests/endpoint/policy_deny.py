# SPDX-License-Identifier: MIT
"""IAM policy documents: the checks PutUserPolicy makes, and the one pattern the endpoint
evaluates, the IAM console's "revoke active sessions" statement:

  {"Effect": "Deny", "Action": "*", "Resource": "*",
   "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2024-05-01T12:00:00Z"}}}

Every other statement is accepted and ignored: the endpoint does not evaluate policies.
"""
import datetime
import fnmatch
import json

from aws_common import AwsError

VERSIONS = ("2012-10-17", "2008-10-17")
STATEMENT_KEYS = {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource",
                  "Condition", "Principal", "NotPrincipal"}


def malformed(msg):
	return AwsError("MalformedPolicyDocument", msg)


def as_list(v):
	return v if isinstance(v, list) else [v]


def parse(text):
	"""The statements of an identity policy, or MalformedPolicyDocument as IAM words it."""
	try:
		doc = json.loads(text)
	except ValueError:
		raise malformed("Syntax errors in policy.")
	if not isinstance(doc, dict):
		raise malformed("Syntax errors in policy.")
	if "Version" in doc and doc["Version"] not in VERSIONS:
		raise malformed("The policy must contain a valid version string")
	if "Statement" not in doc:
		raise malformed("Syntax errors in policy.")
	statements = as_list(doc["Statement"])
	for st in statements:
		if not isinstance(st, dict) or set(st) - STATEMENT_KEYS:
			raise malformed("Syntax errors in policy.")
		if st.get("Effect") not in ("Allow", "Deny"):
			raise malformed("Syntax errors in policy.")
		if "Principal" in st or "NotPrincipal" in st:
			raise malformed("Policy document should not specify a principal.")
		if "Action" not in st and "NotAction" not in st:
			raise malformed("Policy statement must contain actions.")
		if "Resource" not in st and "NotResource" not in st:
			raise malformed("Policy statement must contain resources.")
		cond = st.get("Condition", {})
		if not isinstance(cond, dict) or not all(isinstance(v, dict) for v in cond.values()):
			raise malformed("Syntax errors in policy.")
	return statements


def size(text):
	"""A policy's size as IAM counts it against quotas: characters other than white space."""
	return sum(1 for ch in text if not ch.isspace())


def parse_date(v):
	if isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit()):
		return float(v)
	s = str(v).strip().replace("Z", "+00:00")
	try:
		t = datetime.datetime.fromisoformat(s)
	except ValueError:
		return None
	if t.tzinfo is None:
		t = t.replace(tzinfo=datetime.timezone.utc)
	return t.timestamp()


def action_matches(patterns, service, action):
	want = ("%s:%s" % (service, action)).lower()
	return any(isinstance(p, str) and fnmatch.fnmatchcase(want, p.lower())
	           for p in as_list(patterns))


def revoking_statement(statements, service, action, issued):
	"""The first Deny statement that refuses service:action to a session issued at epoch
	time `issued` through DateLessThan aws:TokenIssueTime, or None."""
	for st in statements:
		if st.get("Effect") != "Deny" or "Action" not in st:
			continue
		if not action_matches(st["Action"], service, action):
			continue
		if "*" not in as_list(st.get("Resource")):
			continue
		cond = st.get("Condition") or {}
		if set(cond) != {"DateLessThan"}:
			continue
		keys = {k.lower(): v for k, v in cond["DateLessThan"].items()}
		if set(keys) != {"aws:tokenissuetime"}:
			continue
		limits = [parse_date(v) for v in as_list(keys["aws:tokenissuetime"])]
		if any(t is not None and issued < t for t in limits):
			return st
	return None
