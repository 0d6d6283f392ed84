#!/usr/bin/python3
"""A local AWS IAM + STS + IMDSv2 endpoint for pam_aws_iam's tests.

One port serves:
  POST /            IAM (Version 2010-05-08) or STS (2011-06-15) Query API, picked by the
                    service in the SigV4 credential scope. Every request's signature is
                    verified with botocore's signer against the secret this server issued.
  /latest/...       IMDSv2 (token, role, temporary credentials acting as the admin).
  /_control/...     JSON control API for tests (unsigned, loopback only).

Usage: iam_endpoint.py [--port N] [--host 127.0.0.1] [--account ID] [--alias NAME]
                       [--partition aws|aws-cn|aws-us-gov] [--admin-credentials-file PATH]
                       [--tls-self-signed] [--verbose]
The first line on stdout is the base URL. SIGTERM/SIGINT stop it cleanly.
See tests/endpoint/README.md for the control API.
"""
import argparse
import base64
import copy
import datetime
import hashlib
import hmac
import http.server
import ipaddress
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import socketserver
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
import urllib.parse

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.compat import HTTPHeaders
from botocore.credentials import Credentials

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"
VERSIONS = {"iam": "2010-05-08", "sts": "2011-06-15"}
PARTITION_IAM_REGION = {"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
MAX_SKEW_S = 15 * 60
MAX_BODY = 1 << 20
ADMIN_USER = "pai-admin"
DEFAULT_GROUPS = ("developers", "operators", "readonly")
DEFAULT_CUSTOMER_POLICIES = ("pai-boundary", "developer-access")
INSTANCE_ID = "i-0123456789abcdef0"
HOSTILE_MODES = ("doctype_xxe", "entity_bomb", "huge", "slow_drip", "never_reply",
                 "reset_mid_body", "http200_error", "truncated", "garbage", "missing_fields",
                 "duplicated_fields", "newline_values", "other_user")
NEWLINE_PAYLOAD = "\n[evil]\naws_access_key_id=AKIAEVILEVILEVIL0000\n"
IMPORTANT_FIELDS = ("UserName", "UserId", "Arn", "AccessKeyId", "SecretAccessKey", "Status",
                    "Account", "Key", "Value", "member")

USER_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
PATH_RE = re.compile(r"(/)|(/[\x21-\x7e]+/)")
PATH_PREFIX_RE = re.compile(r"/[\x21-\x7f]*")
KEY_ID_RE = re.compile(r"[\w]+", re.ASCII)
ALIAS_RE = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
PASSWORD_RE = re.compile(r"[\t\n\r\x20-\xff]+")
MARKER_RE = re.compile(r"[\x20-\xff]+")
AMZ_DATE_RE = re.compile(r"^\d{8}T\d{6}Z$")


class AwsError(Exception):
	"""An AWS error reply: code, message, HTTP status, fault type."""

	def __init__(self, code, message, status=400, kind="Sender"):
		super().__init__(message)
		self.code = code
		self.message = message
		self.status = status
		self.kind = kind


def validation(field, value, constraint):
	shown = "null" if value is None else "'%s'" % value
	return AwsError("ValidationError", "1 validation error detected: Value %s at '%s' failed to "
	                "satisfy constraint: Member must %s" % (shown, field, constraint))


def now_utc():
	return datetime.datetime.now(datetime.timezone.utc)


def iso(dt):
	return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def rand_id(prefix, n=16, alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"):
	return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


def rand_secret():
	alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	return "".join(secrets.choice(alphabet) for _ in range(40))


def tag_chars_ok(s):
	for ch in s:
		if ch in "_.:/=+-@":
			continue
		if unicodedata.category(ch)[0] not in "LZN":
			return False
	return True


# ---------------------------------------------------------------- XML replies
# A node is (tag, value): value is a str (leaf), None (leaf left out) or a list of nodes.

def xml_escape(s):
	return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def serialize(root_tag, ns, children, doctype="", raw_leaf=None):
	"""Serialises a reply; raw_leaf=(tag, text) appends unescaped text (entities) to the first
	leaf of that tag."""
	out = [doctype, '<%s xmlns="%s">' % (root_tag, ns)]
	done = [False]

	def emit(node):
		tag, val = node
		if val is None:
			return
		if isinstance(val, list):
			out.append("<%s>" % tag)
			for c in val:
				emit(c)
			out.append("</%s>" % tag)
			return
		text = xml_escape(val)
		if raw_leaf and not done[0] and tag == raw_leaf[0]:
			text += raw_leaf[1]
			done[0] = True
		out.append("<%s>%s</%s>" % (tag, text, tag))

	for c in children:
		emit(c)
	out.append("</%s>" % root_tag)
	return "".join(out).encode("utf-8")


class Reply:
	"""What the AWS side answers before hostile transformation and delivery."""

	def __init__(self, status, root, ns, children):
		self.status = status
		self.root = root
		self.ns = ns
		self.children = children
		self.content_type = "text/xml"

	def body(self, **kw):
		return serialize(self.root, self.ns, self.children, **kw)


def error_reply(err, ns, request_id):
	return Reply(err.status, "ErrorResponse", ns, [
		("Error", [("Type", err.kind), ("Code", err.code), ("Message", err.message)]),
		("RequestId", request_id)])


def success_reply(action, ns, result, request_id):
	children = []
	if result is not None:
		children.append((action + "Result", result))
	children.append(("ResponseMetadata", [("RequestId", request_id)]))
	return Reply(200, action + "Response", ns, children)


def walk_leaves(children, fn):
	"""Calls fn(list, index, tag, value) for every leaf, depth first."""
	for i in range(len(children)):
		tag, val = children[i]
		if isinstance(val, list):
			walk_leaves(val, fn)
		elif val is not None:
			fn(children, i, tag, val)


# ---------------------------------------------------------------- state

class State:
	"""All IAM state; every access holds self.lock."""

	def __init__(self, account, partition, initial_alias):
		self.lock = threading.RLock()
		self.account = account
		self.partition = partition
		self.initial_alias = initial_alias
		self.admin_key = (rand_id("AKIA"), rand_secret())
		self.rng = random.Random(0)
		self.reset()

	def reset(self):
		with self.lock:
			self.users = {}      # lower name -> user dict
			self.keys = {}       # key id -> key dict
			self.groups = {}     # lower name -> group dict
			self.policies = set()
			self.alias = self.initial_alias
			self.calls = []
			self.seq = 0
			self.faults = None
			self.hostile = []
			self.denies = []
			self.password_policy = None
			self.config = {"page_size": 0, "clock_skew_s": 0, "new_key_delay_ms": 0}
			self.imds_tokens = {}
			self.imds = {"role": "pai-admin-role", "ttl_s": 6 * 3600, "enabled": True}
			self.temp = None
			self.rng = random.Random(0)
			for g in DEFAULT_GROUPS:
				self.add_group(g)
			for p in DEFAULT_CUSTOMER_POLICIES:
				self.policies.add(self.arn("policy/" + p))
			self.add_user(ADMIN_USER, tags=[["Role", "pam_aws_iam admin"]])
			self.add_key(ADMIN_USER, key_id=self.admin_key[0], secret=self.admin_key[1])

	def arn(self, resource, service="iam"):
		return "arn:%s:%s::%s:%s" % (self.partition, service, self.account, resource)

	def add_group(self, name, path="/"):
		g = {"name": name, "path": path, "id": rand_id("AGPA", 17),
		     "arn": self.arn("group" + path + name), "created": iso(now_utc())}
		self.groups[name.lower()] = g
		return g

	def add_user(self, name, path="/", tags=None, boundary=None):
		u = {"name": name, "path": path, "id": rand_id("AIDA", 17),
		     "arn": self.arn("user" + path + name), "created": iso(now_utc()),
		     "tags": [list(t) for t in (tags or [])], "boundary": boundary, "groups": [],
		     "policies": [], "login_profile": None}
		self.users[name.lower()] = u
		return u

	def add_key(self, user_name, key_id=None, secret=None, status="Active", created=None):
		k = {"id": key_id or rand_id("AKIA"), "secret": secret or rand_secret(),
		     "user": self.users[user_name.lower()]["name"], "status": status,
		     "created": created or iso(now_utc()), "last_used": None, "usable_after": 0.0}
		self.keys[k["id"]] = k
		return k

	def user_keys(self, name):
		return sorted((k for k in self.keys.values() if k["user"].lower() == name.lower()),
		              key=lambda k: (k["created"], k["id"]))

	def now(self):
		return time.time() + self.config.get("clock_skew_s", 0)

	def dump(self):
		users = []
		for u in self.users.values():
			d = copy.deepcopy(u)
			d["keys"] = [dict(k) for k in self.user_keys(u["name"])]
			users.append(d)
		return {"account": self.account, "partition": self.partition, "alias": self.alias,
		        "users": users, "keys": [dict(k) for k in self.keys.values()],
		        "groups": [dict(g) for g in self.groups.values()],
		        "policies": sorted(self.policies), "config": dict(self.config),
		        "faults": {k: v for k, v in self.faults.items() if k != "rng"} if self.faults
		        else None, "hostile": self.hostile, "denies": self.denies,
		        "password_policy": self.password_policy, "imds": dict(self.imds),
		        "temp_credentials": dict(self.temp) if self.temp else None}


# ---------------------------------------------------------------- parameters

def p_str(params, name, field, required=True, min_len=1, max_len=None, pattern=None,
          pattern_text=None):
	v = params.get(name)
	if v is None:
		if required:
			raise validation(field, None, "not be null")
		return None
	if len(v) < min_len:
		raise validation(field, v, "have length greater than or equal to %d" % min_len)
	if max_len is not None and len(v) > max_len:
		raise validation(field, v, "have length less than or equal to %d" % max_len)
	if pattern is not None and not pattern.fullmatch(v):
		raise validation(field, v, "satisfy regular expression pattern: %s"
		                 % (pattern_text or pattern.pattern))
	return v


def p_list(params, prefix):
	"""Collects PREFIX.member.N[.SUFFIX] into a list ordered by N (N >= 1)."""
	items = {}
	pat = re.compile(re.escape(prefix) + r"\.member\.(\d+)(?:\.(.+))?$")
	for k, v in params.items():
		m = pat.match(k)
		if not m:
			continue
		n = int(m.group(1))
		if n < 1:
			raise AwsError("MalformedQueryString", "Index %d of %s must be >= 1" % (n, prefix))
		if m.group(2):
			items.setdefault(n, {})[m.group(2)] = v
		else:
			items[n] = v
	return [items[n] for n in sorted(items)]


def p_user_name(params, field="userName", required=True, max_len=64):
	return p_str(params, "UserName", field, required, 1, max_len, USER_NAME_RE, r"[\w+=,.@-]+")


def p_max_items(params):
	v = params.get("MaxItems")
	if v is None:
		return 100
	try:
		n = int(v)
	except ValueError:
		raise AwsError("MalformedInput", "Invalid value for MaxItems: %s" % v)
	if n < 1 or n > 1000:
		raise validation("maxItems", v, "have value %s" % ("greater than or equal to 1" if n < 1
		                 else "less than or equal to 1000"))
	return n


def p_tags(params, prefix="Tags", field="tags"):
	raw = p_list(params, prefix)
	if len(raw) > 50:
		raise validation(field, "[...]", "have length less than or equal to 50")
	tags, seen = [], set()
	for i, t in enumerate(raw, 1):
		if not isinstance(t, dict):
			raise AwsError("MalformedQueryString", "Tag %d has no Key" % i)
		k, v = t.get("Key"), t.get("Value")
		if k is None:
			raise validation("%s.%d.member.key" % (field, i), None, "not be null")
		if v is None:
			raise validation("%s.%d.member.value" % (field, i), None, "not be null")
		if not 1 <= len(k) <= 128:
			raise validation("%s.%d.member.key" % (field, i), k,
			                 "have length between 1 and 128")
		if len(v) > 256:
			raise validation("%s.%d.member.value" % (field, i), v,
			                 "have length less than or equal to 256")
		if not tag_chars_ok(k):
			raise validation("%s.%d.member.key" % (field, i), k,
			                 r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+")
		if not tag_chars_ok(v):
			raise validation("%s.%d.member.value" % (field, i), v,
			                 r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]*")
		if k.lower().startswith("aws:"):
			raise AwsError("InvalidInput", "Tag keys starting with 'aws:' are reserved for "
			               "AWS use.")
		if k.lower() in seen:
			raise AwsError("InvalidInput", "Duplicate tag keys found. Please note that Tag keys "
			               "are case insensitive.")
		seen.add(k.lower())
		tags.append([k, v])
	return tags


def p_path(params, name="Path", field="path", prefix=False):
	if prefix:
		return p_str(params, name, field, False, 1, 512, PATH_PREFIX_RE,
		             r"\u002F[\u0021-\u007F]*")
	return p_str(params, name, field, False, 1, 512, PATH_RE,
	             r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)")


def tag_nodes(tags):
	return [("member", [("Key", k), ("Value", v)]) for k, v in tags]


# ---------------------------------------------------------------- the IAM / STS actions

class Api:
	"""The IAM and STS actions. Each returns the Result's children (or None)."""

	def __init__(self, state):
		self.s = state

	# -- helpers
	def user(self, name):
		u = self.s.users.get(name.lower())
		if u is None:
			raise AwsError("NoSuchEntity", "The user with name %s cannot be found." % name, 404)
		return u

	def target_user(self, params, caller, max_len=64):
		name = p_user_name(params, required=False, max_len=max_len)
		if name is None:
			if caller["kind"] != "user":
				raise AwsError("ValidationError", "Must specify userName when calling with "
				               "non-User credentials")
			name = caller["user"]
		return self.user(name)

	def policy_arn(self, params):
		arn = p_str(params, "PolicyArn", "policyArn", True, 20, 2048)
		pat = r"arn:%s:iam::(aws|\d{12}):policy/((?:[\x21-\x7e]+/)*)?[\w+=,.@-]{1,128}" % (
			re.escape(self.s.partition))
		if not re.fullmatch(pat, arn, re.ASCII):
			raise AwsError("InvalidInput", "ARN %s is not valid." % arn)
		return arn

	def policy_exists(self, arn):
		return arn.startswith("arn:%s:iam::aws:policy/" % self.s.partition) or arn in self.s.policies

	def paginate(self, items, params, kind):
		max_items = p_max_items(params)
		page = self.s.config.get("page_size") or 0
		if page:
			max_items = min(max_items, page)
		marker = p_str(params, "Marker", "marker", False, 1, 320, MARKER_RE)
		start = 0
		if marker is not None:
			try:
				d = json.loads(base64.b64decode(marker, validate=True))
				if d["k"] != kind:
					raise ValueError
				start = int(d["o"])
			except (ValueError, KeyError, TypeError):
				raise AwsError("ValidationError", "Invalid value for marker: %s" % marker)
		chunk = items[start:start + max_items]
		nxt = start + len(chunk)
		if nxt < len(items):
			tok = base64.b64encode(json.dumps({"k": kind, "o": nxt,
			                                   "r": secrets.token_hex(8)}).encode()).decode()
			return chunk, [("IsTruncated", "true"), ("Marker", tok)]
		return chunk, [("IsTruncated", "false")]

	def user_node(self, u, tags=True):
		n = [("Path", u["path"]), ("UserName", u["name"]), ("UserId", u["id"]),
		     ("Arn", u["arn"]), ("CreateDate", u["created"])]
		if u["boundary"] and tags:
			n.append(("PermissionsBoundary", [("PermissionsBoundaryType", "Policy"),
			                                  ("PermissionsBoundaryArn", u["boundary"])]))
		if tags and u["tags"]:
			n.append(("Tags", tag_nodes(u["tags"])))
		return n

	def key_for(self, params, caller):
		u = self.target_user(params, caller, max_len=128)
		kid = p_str(params, "AccessKeyId", "accessKeyId", True, 16, 128, KEY_ID_RE, r"[\w]+")
		k = self.s.keys.get(kid)
		if k is None or k["user"].lower() != u["name"].lower():
			raise AwsError("NoSuchEntity", "The Access Key with id %s cannot be found." % kid, 404)
		return u, k

	# -- IAM users
	def GetUser(self, params, caller):
		u = self.target_user(params, caller, max_len=128)
		return [("User", self.user_node(u))]

	def CreateUser(self, params, caller):
		name = p_user_name(params)
		path = p_path(params) or "/"
		boundary = params.get("PermissionsBoundary")
		if boundary is not None:
			boundary = self.policy_arn({"PolicyArn": boundary})
		tags = p_tags(params)
		if name.lower() in self.s.users:
			raise AwsError("EntityAlreadyExists", "User with name %s already exists." % name, 409)
		if boundary is not None and not self.policy_exists(boundary):
			raise AwsError("NoSuchEntity", "Scope ARN: %s does not exist or is not attachable."
			               % boundary, 404)
		u = self.s.add_user(name, path, tags, boundary)
		return [("User", self.user_node(u))]

	def DeleteUser(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		if self.s.user_keys(u["name"]):
			raise AwsError("DeleteConflict", "Cannot delete entity, must delete access keys "
			               "first.", 409)
		if u["login_profile"]:
			raise AwsError("DeleteConflict", "Cannot delete entity, must delete login profile "
			               "first.", 409)
		if u["groups"]:
			raise AwsError("DeleteConflict", "Cannot delete entity, must remove users from "
			               "group first.", 409)
		if u["policies"]:
			raise AwsError("DeleteConflict", "Cannot delete entity, must detach all policies "
			               "first.", 409)
		del self.s.users[u["name"].lower()]
		return None

	def ListUsers(self, params, caller):
		prefix = p_path(params, "PathPrefix", "pathPrefix", prefix=True) or "/"
		users = sorted((u for u in self.s.users.values() if u["path"].startswith(prefix)),
		               key=lambda u: u["name"].lower())
		page, tail = self.paginate(users, params, "users")
		return [("Users", [("member", self.user_node(u, tags=False)) for u in page])] + tail

	# -- tags
	def TagUser(self, params, caller):
		name = p_user_name(params, max_len=128)
		tags = p_tags(params)
		if not tags:
			raise validation("tags", None, "not be null")
		u = self.user(name)
		merged = [list(t) for t in u["tags"]]
		for k, v in tags:
			for t in merged:
				if t[0].lower() == k.lower():
					t[0], t[1] = k, v
					break
			else:
				merged.append([k, v])
		if len(merged) > 50:
			raise AwsError("LimitExceeded", "Cannot exceed quota for TagsPerUser: 50", 409)
		u["tags"] = merged
		return None

	def UntagUser(self, params, caller):
		name = p_user_name(params, max_len=128)
		keys = p_list(params, "TagKeys")
		if not keys:
			raise validation("tagKeys", None, "not be null")
		if len(keys) > 50:
			raise validation("tagKeys", "[...]", "have length less than or equal to 50")
		for i, k in enumerate(keys, 1):
			if not isinstance(k, str) or not 1 <= len(k) <= 128 or not tag_chars_ok(k):
				raise validation("tagKeys.%d.member" % i, k,
				                 r"satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+")
		u = self.user(name)
		drop = {k.lower() for k in keys}
		u["tags"] = [t for t in u["tags"] if t[0].lower() not in drop]
		return None

	def ListUserTags(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		page, tail = self.paginate(u["tags"], params, "tags:" + u["name"].lower())
		return [("Tags", tag_nodes(page))] + tail

	# -- groups and policies
	def AddUserToGroup(self, params, caller):
		g = p_str(params, "GroupName", "groupName", True, 1, 128, USER_NAME_RE, r"[\w+=,.@-]+")
		name = p_user_name(params, max_len=128)
		grp = self.s.groups.get(g.lower())
		if grp is None:
			raise AwsError("NoSuchEntity", "The group with name %s cannot be found." % g, 404)
		u = self.user(name)
		if grp["name"] not in u["groups"]:
			if len(u["groups"]) >= 10:
				raise AwsError("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
			u["groups"].append(grp["name"])
		return None

	def RemoveUserFromGroup(self, params, caller):
		g = p_str(params, "GroupName", "groupName", True, 1, 128, USER_NAME_RE, r"[\w+=,.@-]+")
		u = self.user(p_user_name(params, max_len=128))
		grp = self.s.groups.get(g.lower())
		if grp is None:
			raise AwsError("NoSuchEntity", "The group with name %s cannot be found." % g, 404)
		if grp["name"] not in u["groups"]:
			raise AwsError("NoSuchEntity", "User %s is not in group %s." % (u["name"], g), 404)
		u["groups"].remove(grp["name"])
		return None

	def ListGroupsForUser(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		groups = [self.s.groups[g.lower()] for g in u["groups"]]
		page, tail = self.paginate(groups, params, "groups:" + u["name"].lower())
		return [("Groups", [("member", [("Path", g["path"]), ("GroupName", g["name"]),
		                                ("GroupId", g["id"]), ("Arn", g["arn"]),
		                                ("CreateDate", g["created"])]) for g in page])] + tail

	def AttachUserPolicy(self, params, caller):
		name = p_user_name(params, max_len=128)
		arn = self.policy_arn(params)
		u = self.user(name)
		if not self.policy_exists(arn):
			raise AwsError("NoSuchEntity", "Policy %s does not exist or is not attachable." % arn,
			               404)
		if arn not in u["policies"]:
			if len(u["policies"]) >= 10:
				raise AwsError("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409)
			u["policies"].append(arn)
		return None

	def DetachUserPolicy(self, params, caller):
		name = p_user_name(params, max_len=128)
		arn = self.policy_arn(params)
		u = self.user(name)
		if arn not in u["policies"]:
			raise AwsError("NoSuchEntity", "Policy %s was not found." % arn, 404)
		u["policies"].remove(arn)
		return None

	def ListAttachedUserPolicies(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		page, tail = self.paginate(u["policies"], params, "policies:" + u["name"].lower())
		return [("AttachedPolicies", [("member", [("PolicyName", a.rsplit("/", 1)[1]),
		                                          ("PolicyArn", a)]) for a in page])] + tail

	# -- access keys
	def ListAccessKeys(self, params, caller):
		u = self.target_user(params, caller, max_len=128)
		page, tail = self.paginate(self.s.user_keys(u["name"]), params,
		                           "keys:" + u["name"].lower())
		return [("AccessKeyMetadata", [("member", [
			("UserName", k["user"]), ("AccessKeyId", k["id"]), ("Status", k["status"]),
			("CreateDate", k["created"])]) for k in page])] + tail

	def CreateAccessKey(self, params, caller):
		u = self.target_user(params, caller, max_len=128)
		if len(self.s.user_keys(u["name"])) >= 2:
			raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
		k = self.s.add_key(u["name"])
		delay = self.s.config.get("new_key_delay_ms") or 0
		k["usable_after"] = time.time() + delay / 1000.0
		return [("AccessKey", [("UserName", k["user"]), ("AccessKeyId", k["id"]),
		                       ("Status", k["status"]), ("SecretAccessKey", k["secret"]),
		                       ("CreateDate", k["created"])])]

	def UpdateAccessKey(self, params, caller):
		status = params.get("Status")
		if status is None:
			raise validation("status", None, "not be null")
		if status not in ("Active", "Inactive"):
			raise validation("status", status, "satisfy enum value set: [Active, Inactive, "
			                 "Expired]")
		u, k = self.key_for(params, caller)
		k["status"] = status
		return None

	def DeleteAccessKey(self, params, caller):
		u, k = self.key_for(params, caller)
		del self.s.keys[k["id"]]
		return None

	def GetAccessKeyLastUsed(self, params, caller):
		kid = p_str(params, "AccessKeyId", "accessKeyId", True, 16, 128, KEY_ID_RE, r"[\w]+")
		k = self.s.keys.get(kid)
		if k is None:
			raise AwsError("NoSuchEntity", "The Access Key with id %s cannot be found." % kid, 404)
		lu = k["last_used"]
		node = [("LastUsedDate", lu["date"] if lu else None),
		        ("ServiceName", lu["service"] if lu else "N/A"),
		        ("Region", lu["region"] if lu else "N/A")]
		return [("UserName", k["user"]), ("AccessKeyLastUsed", node)]

	# -- account
	def ListAccountAliases(self, params, caller):
		p_max_items(params)
		p_str(params, "Marker", "marker", False, 1, 320, MARKER_RE)
		members = [("member", self.s.alias)] if self.s.alias else []
		return [("AccountAliases", members), ("IsTruncated", "false")]

	# -- login profiles
	def check_password(self, user, pw):
		pol = self.s.password_policy
		if pol is None:  # AWS's default policy
			if len(pw) < 8:
				raise AwsError("PasswordPolicyViolation", "Password should have a minimum length "
				               "of 8")
			kinds = sum(bool(re.search(p, pw)) for p in (r"[A-Z]", r"[a-z]", r"[0-9]",
			                                             r"[^A-Za-z0-9]"))
			if kinds < 3:
				raise AwsError("PasswordPolicyViolation", "Password should include at least 3 "
				               "of: uppercase letters, lowercase letters, numbers, symbols")
			if pw.lower() == user.lower():
				raise AwsError("PasswordPolicyViolation", "Password should not be identical to "
				               "the user name")
			return
		if len(pw) < int(pol.get("minimum_length", 6)):
			raise AwsError("PasswordPolicyViolation", "Password should have a minimum length of "
			               "%d" % int(pol.get("minimum_length", 6)))
		for opt, pat, what in (("require_uppercase", r"[A-Z]", "uppercase letter"),
		                       ("require_lowercase", r"[a-z]", "lowercase letter"),
		                       ("require_numbers", r"[0-9]", "number"),
		                       ("require_symbols", r"[^A-Za-z0-9]", "symbol")):
			if pol.get(opt) and not re.search(pat, pw):
				raise AwsError("PasswordPolicyViolation", "Password should have at least one %s"
				               % what)

	def CreateLoginProfile(self, params, caller):
		u = self.target_user(params, caller)
		pw = p_str(params, "Password", "password", True, 1, 128, PASSWORD_RE,
		           r"[\u0009\u000A\u000D\u0020-\u00FF]+")
		reset = params.get("PasswordResetRequired", "false")
		if reset not in ("true", "false"):
			raise AwsError("MalformedInput", "Invalid boolean value for PasswordResetRequired")
		if u["login_profile"]:
			raise AwsError("EntityAlreadyExists", "Login Profile for user %s already exists."
			               % u["name"], 409)
		self.check_password(u["name"], pw)
		u["login_profile"] = {"created": iso(now_utc()), "reset_required": reset == "true",
		                      "password_sha256": hashlib.sha256(pw.encode()).hexdigest()}
		return [("LoginProfile", [("UserName", u["name"]), ("CreateDate", iso(now_utc())),
		                          ("PasswordResetRequired", reset)])]

	def GetLoginProfile(self, params, caller):
		u = self.target_user(params, caller)
		lp = u["login_profile"]
		if not lp:
			raise AwsError("NoSuchEntity", "Login Profile for User %s cannot be found."
			               % u["name"], 404)
		return [("LoginProfile", [("UserName", u["name"]), ("CreateDate", lp["created"]),
		                          ("PasswordResetRequired",
		                           "true" if lp["reset_required"] else "false")])]

	def DeleteLoginProfile(self, params, caller):
		u = self.target_user(params, caller)
		if not u["login_profile"]:
			raise AwsError("NoSuchEntity", "Login Profile for User %s cannot be found."
			               % u["name"], 404)
		u["login_profile"] = None
		return None

	# -- STS
	def GetCallerIdentity(self, params, caller):
		return [("Arn", caller["arn"]), ("UserId", caller["user_id"]),
		        ("Account", self.s.account)]


IAM_ACTIONS = ("GetUser", "CreateUser", "DeleteUser", "ListUsers", "TagUser", "UntagUser",
               "ListUserTags", "AddUserToGroup", "RemoveUserFromGroup", "ListGroupsForUser",
               "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies",
               "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
               "GetAccessKeyLastUsed", "ListAccountAliases", "CreateLoginProfile",
               "GetLoginProfile", "DeleteLoginProfile")
STS_ACTIONS = ("GetCallerIdentity",)


# ---------------------------------------------------------------- SigV4 verification

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
	try:
		return parse_authorization(headers.get("Authorization", ""))["service"]
	except AwsError:
		return None


def verify_request(state, method, raw_path, headers, body, host_url):
	"""Checks a SigV4 request; returns the caller principal or raises AwsError."""
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
	if service not in VERSIONS:
		raise AwsError("SignatureDoesNotMatch", "Credential should be scoped to correct service: "
		               "'iam'.", 403)
	# which secret?
	kid = a["key"]
	token = headers.get("X-Amz-Security-Token")
	with state.lock:
		k = state.keys.get(kid)
		temp = state.temp if state.temp and state.temp["id"] == kid else None
		if k is not None:
			if k["status"] != "Active" or time.time() < k["usable_after"] or token is not None:
				raise AwsError("InvalidClientTokenId", "The security token included in the "
				               "request is invalid.", 403)
			u = state.users.get(k["user"].lower())
			if u is None:
				raise AwsError("InvalidClientTokenId", "The security token included in the "
				               "request is invalid.", 403)
			secret = k["secret"]
			caller = {"kind": "user", "user": u["name"], "arn": u["arn"], "user_id": u["id"],
			          "key": kid}
		elif temp is not None:
			if token != temp["token"]:
				raise AwsError("InvalidClientTokenId", "The security token included in the "
				               "request is invalid.", 403)
			if state.now() >= temp["expires"]:
				raise AwsError("ExpiredToken", "The security token included in the request is "
				               "expired", 403)
			secret = temp["secret"]
			caller = {"kind": "role", "user": None, "key": kid,
			          "arn": "arn:%s:sts::%s:assumed-role/%s/%s" % (
			              state.partition, state.account, temp["role"], INSTANCE_ID),
			          "user_id": "%s:%s" % (temp["role_id"], INSTANCE_ID)}
		else:
			raise AwsError("InvalidClientTokenId", "The security token included in the request "
			               "is invalid.", 403)
		now = state.now()
	t = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(
		tzinfo=datetime.timezone.utc).timestamp()
	nowstr = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
	if t < now - MAX_SKEW_S:
		raise AwsError("SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s "
		               "(%s - 15 min.)" % (amz_date, time.strftime(
		                   "%Y%m%dT%H%M%SZ", time.gmtime(now - MAX_SKEW_S)), nowstr), 403)
	if t > now + MAX_SKEW_S:
		raise AwsError("SignatureDoesNotMatch", "Signature not yet current: %s is still later "
		               "than %s (%s + 15 min.)" % (amz_date, time.strftime(
		                   "%Y%m%dT%H%M%SZ", time.gmtime(now + MAX_SKEW_S)), nowstr), 403)
	if service == "iam" and a["region"] != PARTITION_IAM_REGION[state.partition]:
		raise AwsError("SignatureDoesNotMatch", "Credential should be scoped to a valid region. ",
		               403)
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
	with state.lock:
		if k is not None and kid in state.keys:
			state.keys[kid]["last_used"] = {"date": iso(now_utc()), "service": service,
			                                "region": a["region"]}
	caller["service"] = service
	caller["region"] = a["region"]
	return caller


# ---------------------------------------------------------------- hostile replies

def hostile_transform(mode, reply, params, state):
	"""Returns (status, body bytes) for the structural and XML hostile modes."""
	if mode == "http200_error":
		err = AwsError("AccessDenied", "User is not authorized to perform this action")
		r = error_reply(err, reply.ns, "hostile-200-error")
		return 200, r.body()
	if mode == "doctype_xxe":
		dt = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
		return reply.status, reply.body(doctype=dt, raw_leaf=(first_leaf_tag(reply), "&xxe;"))
	if mode == "entity_bomb":
		ents = ['<!ENTITY lol "lol">']
		for i in range(1, 10):
			prev = "lol" if i == 1 else "lol%d" % (i - 1)
			ents.append('<!ENTITY lol%d "%s">' % (i, ("&%s;" % prev) * 10))
		dt = '<?xml version="1.0"?><!DOCTYPE r [%s]>' % "".join(ents)
		return reply.status, reply.body(doctype=dt, raw_leaf=(first_leaf_tag(reply), "&lol9;"))
	children = copy.deepcopy(reply.children)
	if mode == "missing_fields":
		removed = [0]

		def drop(lst, i, tag, val):
			if tag in IMPORTANT_FIELDS:
				lst[i] = (tag, None)
				removed[0] += 1
		walk_leaves(children, drop)
		if not removed[0]:
			children = [c for c in children if not c[0].endswith("Result")]
	elif mode == "duplicated_fields":
		def dup(lst):
			out = []
			for tag, val in lst:
				if isinstance(val, list):
					out.append((tag, dup(val)))
				else:
					out.append((tag, val))
					if tag in IMPORTANT_FIELDS and val is not None:
						out.append((tag, other_value(tag, val)))
			return out
		children = dup(children)
	elif mode == "newline_values":
		def nl(lst, i, tag, val):
			if tag in IMPORTANT_FIELDS or tag == "member":
				lst[i] = (tag, val + NEWLINE_PAYLOAD)
		walk_leaves(children, nl)
	elif mode == "other_user":
		asked = params.get("UserName") or ""
		with state.lock:
			victim = state.users.get("administrator")
		other = {"name": "Administrator", "id": victim["id"] if victim else "AIDAOTHERUSER0000000",
		         "arn": victim["arn"] if victim else state.arn("user/Administrator")}

		def swap(lst, i, tag, val):
			if tag == "UserName":
				lst[i] = (tag, other["name"])
			elif tag == "Arn" and ":user/" in val:
				lst[i] = (tag, other["arn"])
			elif tag == "UserId":
				lst[i] = (tag, other["id"])
		walk_leaves(children, swap)
		if asked.lower() == "administrator":
			walk_leaves(children, lambda lst, i, tag, val: lst.__setitem__(
				i, (tag, "someone-else")) if tag == "UserName" else None)
	return reply.status, serialize(reply.root, reply.ns, children)


def first_leaf_tag(reply):
	found = []
	walk_leaves(reply.children, lambda lst, i, tag, val: found.append(tag)
	            if tag in IMPORTANT_FIELDS and not found else None)
	return found[0] if found else "RequestId"


def other_value(tag, val):
	if tag == "UserName":
		return "Administrator" if val != "Administrator" else "someone-else"
	if tag == "AccessKeyId":
		return "AKIAOTHERKEY00000000"
	if tag == "Status":
		return "Inactive" if val == "Active" else "Active"
	return val + "-other"


# ---------------------------------------------------------------- HTTP server

class Server(http.server.ThreadingHTTPServer):
	daemon_threads = True
	block_on_close = False
	allow_reuse_address = True
	request_queue_size = 128


class Handler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# Headers and body leave in two writes; with Nagle on, the body waits for the client's
	# delayed ACK and every call costs ~40 ms that AWS does not.
	disable_nagle_algorithm = True
	server_version = "pai-iam-endpoint"
	sys_version = ""

	state = None     # set by main()
	api = None
	verbose = False
	scheme = "http"
	extra_info = {}

	_conn_counter = iter(range(1, 1 << 62))
	_conn_lock = threading.Lock()

	def setup(self):
		super().setup()
		with Handler._conn_lock:
			self.conn_id = next(Handler._conn_counter)

	def log_message(self, fmt, *args):
		if self.verbose:
			sys.stderr.write("iam-endpoint: %s %s\n" % (self.address_string(), fmt % args))

	# -- plumbing
	def read_body(self):
		n = self.headers.get("Content-Length")
		if n is None:
			return b""
		try:
			n = int(n)
		except ValueError:
			n = -1
		if n < 0 or n > MAX_BODY:
			self.send_plain(413 if n > MAX_BODY else 400, "bad Content-Length\n")
			return None
		return self.rfile.read(n)

	def send_bytes(self, status, body, content_type, extra=None):
		self.send_response(status)
		self.send_header("Content-Type", content_type)
		self.send_header("Content-Length", str(len(body)))
		for k, v in (extra or {}).items():
			self.send_header(k, v)
		self.end_headers()
		if self.command != "HEAD":
			self.wfile.write(body)
		self.wfile.flush()

	def send_plain(self, status, text, extra=None):
		self.send_bytes(status, text.encode(), "text/plain", extra)

	def send_json(self, status, obj):
		self.send_bytes(status, json.dumps(obj, indent=1).encode() + b"\n", "application/json")

	def do_GET(self):
		self.dispatch()

	def do_POST(self):
		self.dispatch()

	def do_PUT(self):
		self.dispatch()

	def do_DELETE(self):
		self.dispatch()

	def dispatch(self):
		try:
			if self.path.startswith("/_control/"):
				self.control()
			elif self.path.startswith("/latest/"):
				self.imds()
			else:
				self.aws()
		except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
			self.close_connection = True
		except Exception:  # a bug here must show, not hang the client
			import traceback
			traceback.print_exc()
			self.close_connection = True
			try:
				self.send_plain(500, "iam endpoint bug: see its log\n")
			except OSError:
				pass

	# -- the AWS Query API
	def aws(self):
		s = self.state
		body = self.read_body()
		if body is None:
			return
		rid = "%08x-%04x-%04x-%04x-%012x" % tuple(secrets.randbits(b) for b in (32, 16, 16, 16, 48))
		path, _, query = self.path.partition("?")
		if self.command == "POST":
			ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
			params_src = body.decode("utf-8", "replace") if ctype == \
				"application/x-www-form-urlencoded" else ""
		else:
			params_src = query
		try:
			plist = urllib.parse.parse_qsl(params_src, keep_blank_values=True, strict_parsing=False)
		except ValueError:
			plist = []
		params = {}
		for k, v in plist:
			params.setdefault(k, v)
		action = params.get("Action")
		service = scope_service(self.headers) or "iam"
		if service not in VERSIONS:
			service = "iam"
		ns = STS_NS if service == "sts" else IAM_NS
		record = {"service": service, "action": action, "user": params.get("UserName"),
		          "key_id": params.get("AccessKeyId"), "caller_key": None, "caller_arn": None,
		          "status": None, "error": None, "fault": None, "hostile": None,
		          "params": {k: ("<redacted>" if k == "Password" else v) for k, v in plist},
		          "method": self.command, "request_id": rid}
		try:
			if path != "/":
				raise AwsError("InvalidAction", "Unsupported path %s" % path, 404)
			host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
			caller = verify_request(s, self.command, self.path, self.headers, body,
			                        "%s://%s" % (self.scheme, host))
			record["caller_key"] = caller["key"]
			record["caller_arn"] = caller["arn"]
		except AwsError as e:
			return self.finish_aws(record, error_reply(e, ns, rid), e.code, None, params)
		fault, hostile = self.pick_injections(action, service)
		if fault and fault.get("latency_ms"):
			time.sleep(fault["latency_ms"] / 1000.0)
		kind = fault["kind"] if fault else None
		execute = not (kind and fault.get("apply", "before") == "before") and \
			(hostile is None or hostile.get("execute", True))
		reply, code = None, None
		if execute:
			reply, code = self.run_action(service, action, params, caller, ns, rid)
		if kind == "throttle":
			e = AwsError(fault.get("throttle_code") or "Throttling", "Rate exceeded", 400)
			record["fault"] = "throttle"
			return self.finish_aws(record, error_reply(e, ns, rid), e.code, None, params)
		if kind == "error500":
			e = AwsError("ServiceFailure", "Service failure (injected)", 500, "Receiver")
			if service == "sts":
				e.code = "InternalFailure"
			record["fault"] = "error500"
			return self.finish_aws(record, error_reply(e, ns, rid), e.code, None, params)
		if kind == "drop":
			record["fault"] = "drop"
			self.record(record, 0, None)
			self.close_connection = True
			self.connection.shutdown(socket.SHUT_RDWR)
			return
		if reply is None:  # hostile with execute=False: answer as if it had worked
			reply = success_reply(action or "Unknown", ns, [("UserName", params.get(
				"UserName") or ADMIN_USER)], rid)
		return self.finish_aws(record, reply, code, hostile, params)

	def run_action(self, service, action, params, caller, ns, rid):
		s = self.state
		try:
			version = params.get("Version")
			if action is None:
				raise AwsError("MissingAction", "Missing Action", 400)
			if version is None:
				raise AwsError("MissingParameter", "The request must contain the parameter "
				               "Version", 400)
			names = IAM_ACTIONS if service == "iam" else STS_ACTIONS
			if action not in names or version != VERSIONS[service]:
				raise AwsError("InvalidAction", "Could not find operation %s for version %s"
				               % (action, version), 400)
			with s.lock:
				for d in s.denies:
					if (not d.get("actions") or action in d["actions"]) and \
					   (not d.get("principal") or d["principal"] in (caller["arn"],
					                                                caller.get("user"))):
						raise AwsError("AccessDenied", "User: %s is not authorized to perform: "
						               "%s:%s because no identity-based policy allows the %s:%s "
						               "action" % (caller["arn"], service, action, service,
						                           action), 403)
				result = getattr(self.api, action)(params, caller)
			return success_reply(action, ns, result, rid), None
		except AwsError as e:
			return error_reply(e, ns, rid), e.code

	def pick_injections(self, action, service):
		"""Chooses this call's fault and hostile mode (each consumes its count)."""
		s = self.state
		fault = hostile = None
		with s.lock:
			f = s.faults
			if f and (f["only_actions"] is None or action in f["only_actions"]) and \
			   f["remaining"] != 0:
				r = f["rng"].random()
				kind = None
				if r < f["throttle"]:
					kind = "throttle"
				elif r < f["throttle"] + f["error500"]:
					kind = "error500"
				elif r < f["throttle"] + f["error500"] + f["drop"]:
					kind = "drop"
				if kind or f["latency_ms"]:
					if f["remaining"] is not None and f["remaining"] > 0:
						f["remaining"] -= 1
					fault = {"kind": kind, "latency_ms": f["latency_ms"],
					         "throttle_code": f["throttle_code"], "apply": f["apply"]}
			for h in s.hostile:
				if h["remaining"] == 0:
					continue
				if h["actions"] is not None and action not in h["actions"]:
					continue
				if h["remaining"] is not None:
					h["remaining"] -= 1
				hostile = dict(h)
				break
			s.hostile = [h for h in s.hostile if h["remaining"] != 0]
		return fault, hostile

	def record(self, rec, status, code):
		s = self.state
		with s.lock:
			s.seq += 1
			rec["seq"] = s.seq
			rec["time"] = time.time()
			rec["conn"] = self.conn_id
			rec["status"] = status
			rec["error"] = code
			s.calls.append(rec)
			if len(s.calls) > 100000:
				del s.calls[:50000]

	def finish_aws(self, record, reply, code, hostile, params):
		if hostile is None:
			self.record(record, reply.status, code)
			return self.send_bytes(reply.status, reply.body(), reply.content_type)
		mode = hostile["mode"]
		record["hostile"] = mode
		self.record(record, reply.status, code)
		status, body = reply.status, reply.body()
		if mode in ("http200_error", "doctype_xxe", "entity_bomb", "missing_fields",
		            "duplicated_fields", "newline_values", "other_user"):
			status, body = hostile_transform(mode, reply, params, self.state)
			return self.send_bytes(status, body, reply.content_type)
		return self.deliver_hostile(mode, status, body, reply.content_type, hostile)

	def deliver_hostile(self, mode, status, body, ctype, h):
		"""Transport-level hostility: sizes, timing, broken connections, junk."""
		if mode == "truncated":
			return self.send_bytes(status, body[:max(1, len(body) // 2)], ctype)
		if mode == "garbage":
			rng = random.Random(h.get("seed", 1))
			junk = bytes(rng.randrange(256) for _ in range(int(h.get("size", 4096))))
			return self.send_bytes(200, junk, ctype)
		if mode == "huge":
			size = int(h.get("size", 50 * 1024 * 1024))
			head = body.split(b"</", 1)[0] if b"</" in body else body
			self.send_response(status)
			self.send_header("Content-Type", ctype)
			self.send_header("Content-Length", str(size))
			self.end_headers()
			self.wfile.write(head[:size])
			left = size - min(len(head), size)
			chunk = b"A" * 65536
			while left > 0:
				self.wfile.write(chunk[:left])
				left -= min(left, len(chunk))
			self.wfile.flush()
			return
		if mode == "slow_drip":
			interval = float(h.get("interval_ms", 1000)) / 1000.0
			self.send_response(status)
			self.send_header("Content-Type", ctype)
			self.send_header("Content-Length", str(len(body)))
			self.end_headers()
			self.wfile.flush()
			for i in range(len(body)):
				self.wfile.write(body[i:i + 1])
				self.wfile.flush()
				time.sleep(interval)
			return
		if mode == "never_reply":
			self.close_connection = True
			self.hold_open(float(h.get("max_hold_s", 300)))
			return
		if mode == "reset_mid_body":
			self.send_response(status)
			self.send_header("Content-Type", ctype)
			self.send_header("Content-Length", str(len(body)))
			self.end_headers()
			self.wfile.write(body[:len(body) // 2])
			self.wfile.flush()
			self.close_connection = True
			self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
			                           struct.pack("ii", 1, 0))
			self.connection.close()
			return
		return self.send_bytes(status, body, ctype)

	def hold_open(self, max_s):
		"""Waits, sending nothing, until the peer closes or max_s passes."""
		import select
		end = time.time() + max_s
		sock = self.connection
		while time.time() < end:
			r, _, _ = select.select([sock], [], [], 0.5)
			if r:
				try:
					if not sock.recv(4096):
						return
				except OSError:
					return

	# -- IMDSv2
	def imds(self):
		s = self.state
		path = self.path.split("?")[0]
		body = self.read_body()
		if body is None:
			return
		name = {"/latest/api/token": "imds-token",
		        "/latest/meta-data/iam/security-credentials/": "imds-role"}.get(path, "imds-get")
		if path.startswith("/latest/meta-data/iam/security-credentials/") and name != "imds-role":
			name = "imds-credentials"
		rec = {"service": "imds", "action": name, "user": None, "key_id": None,
		       "caller_key": None, "caller_arn": None, "fault": None, "hostile": None,
		       "params": {"path": path}, "method": self.command, "request_id": None}
		fault, hostile = self.pick_injections(name, "imds")
		if fault and fault.get("latency_ms"):
			time.sleep(fault["latency_ms"] / 1000.0)
		status, text, ctype, extra = self.imds_answer(path)
		if fault and fault["kind"] in ("throttle", "error500"):
			rec["fault"] = fault["kind"]
			status, text, extra = (429 if fault["kind"] == "throttle" else 500), "", {}
		if fault and fault["kind"] == "drop":
			rec["fault"] = "drop"
			self.record(rec, 0, None)
			self.close_connection = True
			self.connection.shutdown(socket.SHUT_RDWR)
			return
		self.record(rec, status, None if status == 200 else str(status))
		body = text.encode()
		if hostile:
			rec["hostile"] = hostile["mode"]
			mode = hostile["mode"]
			if mode in ("newline_values", "missing_fields", "duplicated_fields", "other_user") \
			   and ctype == "application/json":
				d = json.loads(text)
				if mode == "newline_values":
					for k in ("AccessKeyId", "SecretAccessKey", "Token"):
						d[k] += NEWLINE_PAYLOAD
					body = json.dumps(d).encode()
				elif mode == "missing_fields":
					for k in ("SecretAccessKey", "Token"):
						d.pop(k, None)
					body = json.dumps(d).encode()
				elif mode == "duplicated_fields":
					body = json.dumps(d).encode()[:-1] + b', "AccessKeyId": "AKIAOTHERKEY00000000"}'
				else:
					d["AccessKeyId"] = ADMIN_USER
					body = json.dumps(d).encode()
			elif mode == "http200_error":
				body = json.dumps({"Code": "Failure", "Message": "injected"}).encode()
				status = 200
			elif mode in ("doctype_xxe", "entity_bomb"):
				body = b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM ' \
					b'"file:///etc/passwd">]><r>&xxe;</r>'
			else:
				return self.deliver_hostile(mode, status, body, ctype, hostile)
		self.send_bytes(status, body, ctype, extra)

	def imds_answer(self, path):
		s = self.state
		with s.lock:
			if self.command == "PUT":
				if path != "/latest/api/token":
					return 405, "", "text/plain", {}
				if self.headers.get("X-Forwarded-For") is not None:
					return 403, "Forbidden", "text/plain", {}
				ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
				try:
					ttl = int(ttl)
				except (TypeError, ValueError):
					return 400, "Bad Request", "text/plain", {}
				if not 1 <= ttl <= 21600:
					return 400, "Bad Request", "text/plain", {}
				tok = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
				s.imds_tokens[tok] = time.time() + ttl
				return 200, tok, "text/plain", {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)}
			if self.command != "GET":
				return 405, "", "text/plain", {}
			tok = self.headers.get("X-aws-ec2-metadata-token")
			if tok is None or s.imds_tokens.get(tok, 0) < time.time():
				return 401, "Unauthorized", "text/plain", {}
			role = s.imds["role"] if s.imds["enabled"] else None
			if path == "/latest/meta-data/instance-id":
				return 200, INSTANCE_ID, "text/plain", {}
			if path == "/latest/meta-data/placement/region":
				return 200, PARTITION_IAM_REGION[s.partition], "text/plain", {}
			if path == "/latest/dynamic/instance-identity/document":
				doc = {"accountId": s.account, "instanceId": INSTANCE_ID,
				       "region": PARTITION_IAM_REGION[s.partition]}
				return 200, json.dumps(doc), "application/json", {}
			if path == "/latest/meta-data/iam/info" and role:
				doc = {"Code": "Success", "LastUpdated": iso(now_utc()),
				       "InstanceProfileArn": s.arn("instance-profile/" + role),
				       "InstanceProfileId": "AIPAEXAMPLEPROFILE000"}
				return 200, json.dumps(doc), "application/json", {}
			if path == "/latest/meta-data/iam/security-credentials/" and role:
				return 200, role, "text/plain", {}
			if role and path == "/latest/meta-data/iam/security-credentials/" + role:
				t = self.temp_credentials()
				doc = {"Code": "Success", "LastUpdated": t["updated"], "Type": "AWS-HMAC",
				       "AccessKeyId": t["id"], "SecretAccessKey": t["secret"],
				       "Token": t["token"], "Expiration": iso(datetime.datetime.fromtimestamp(
				           t["expires"], datetime.timezone.utc))}
				return 200, json.dumps(doc, indent=2), "application/json", {}
			return 404, "Not Found", "text/plain", {}

	def temp_credentials(self):
		s = self.state
		if s.temp is None or s.temp["expires"] - s.now() < 300:
			s.temp = {"id": rand_id("ASIA"), "secret": rand_secret(),
			          "token": base64.b64encode(secrets.token_bytes(300)).decode(),
			          "role": s.imds["role"], "role_id": rand_id("AROA", 17),
			          "expires": s.now() + s.imds["ttl_s"], "updated": iso(now_utc())}
		return s.temp

	# -- control API
	def control(self):
		if not ipaddress.ip_address(self.client_address[0]).is_loopback:
			return self.send_json(403, {"error": "control API is loopback-only"})
		body = self.read_body()
		if body is None:
			return
		try:
			req = json.loads(body) if body.strip() else {}
			if not isinstance(req, dict):
				raise ValueError("JSON object expected")
		except ValueError as e:
			return self.send_json(400, {"error": "bad JSON: %s" % e})
		what = self.path.split("?")[0][len("/_control/"):].strip("/")
		fn = getattr(self, "ctl_" + what.replace("/", "_"), None)
		if fn is None:
			return self.send_json(404, {"error": "no control %s" % what})
		try:
			with self.state.lock:
				out = fn(req)
		except (KeyError, ValueError, TypeError) as e:
			return self.send_json(400, {"error": "%s: %s" % (type(e).__name__, e)})
		except AwsError as e:
			return self.send_json(e.status, {"error": e.message, "code": e.code})
		self.send_json(200, out if out is not None else {"ok": True})

	def ctl_health(self, req):
		return {"ok": True}

	def ctl_info(self, req):
		s = self.state
		return dict(self.extra_info, account=s.account, partition=s.partition,
		            admin_key_id=s.admin_key[0], admin_secret=s.admin_key[1],
		            admin_user=ADMIN_USER, alias=s.alias)

	def ctl_reset(self, req):
		self.state.reset()

	def ctl_calls(self, req):
		return {"calls": list(self.state.calls)}

	def ctl_calls_clear(self, req):
		self.state.calls = []

	def ctl_faults(self, req):
		if not req:
			self.state.faults = None
			return
		known = {"throttle", "throttle_code", "error500", "drop", "latency_ms", "seed",
		         "only_actions", "count", "apply"}
		bad = set(req) - known
		if bad:
			raise ValueError("unknown fault option(s): %s" % ", ".join(sorted(bad)))
		if req.get("apply", "before") not in ("before", "after"):
			raise ValueError("apply must be 'before' or 'after'")
		f = {"throttle": float(req.get("throttle", 0)), "error500": float(req.get("error500", 0)),
		     "drop": float(req.get("drop", 0)), "latency_ms": int(req.get("latency_ms", 0)),
		     "throttle_code": req.get("throttle_code") or "Throttling",
		     "only_actions": req.get("only_actions"), "remaining": req.get("count"),
		     "apply": req.get("apply", "before"), "seed": req.get("seed", 0)}
		f["rng"] = random.Random(f["seed"])
		self.state.faults = f
		return {k: v for k, v in f.items() if k != "rng"}

	def ctl_hostile(self, req):
		if req.get("clear") or req.get("mode") is None:
			self.state.hostile = []
			return
		if req["mode"] not in HOSTILE_MODES:
			raise ValueError("unknown hostile mode %r (known: %s)" % (req["mode"],
			                                                          ", ".join(HOSTILE_MODES)))
		h = dict(req)
		h["remaining"] = req.get("count", 1)
		h["actions"] = req.get("actions")
		self.state.hostile.append(h)
		return h

	def ctl_deny(self, req):
		if not req:
			self.state.denies = []
			return
		self.state.denies.append({"actions": req.get("actions"), "principal": req.get("principal")})

	def ctl_users(self, req):
		s = self.state
		name = req["name"]
		if not USER_NAME_RE.fullmatch(name) or len(name) > 64:
			raise ValueError("bad user name %r" % name)
		if name.lower() in s.users:
			raise AwsError("EntityAlreadyExists", "User with name %s already exists." % name, 409)
		tags = req.get("tags") or []
		if isinstance(tags, dict):
			tags = [[k, v] for k, v in tags.items()]
		path = req.get("path") or "/"
		if not PATH_RE.fullmatch(path):
			raise ValueError("bad path %r" % path)
		u = s.add_user(name, path, tags, req.get("boundary"))
		for g in req.get("groups") or []:
			u["groups"].append(s.groups[g.lower()]["name"])
		u["policies"].extend(req.get("policies") or [])
		if req.get("password"):
			u["login_profile"] = {"created": iso(now_utc()), "reset_required": False,
			                      "password_sha256": hashlib.sha256(
			                          req["password"].encode()).hexdigest()}
		return copy.deepcopy(u)

	def ctl_users_delete(self, req):
		s = self.state
		u = s.users.pop(req["name"].lower())
		for k in s.user_keys(u["name"]):
			del s.keys[k["id"]]

	def ctl_keys(self, req):
		s = self.state
		if req["user"].lower() not in s.users:
			raise ValueError("no user %r" % req["user"])
		if len(s.user_keys(req["user"])) >= 2 and not req.get("force"):
			raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
		k = s.add_key(req["user"], status=req.get("status", "Active"),
		              created=req.get("create_date"))
		return dict(k)

	def ctl_keys_update(self, req):
		k = self.state.keys[req["id"]]
		for f, field in (("status", "status"), ("create_date", "created"),
		                 ("last_used", "last_used")):
			if f in req:
				k[field] = req[f]
		if "age_days" in req:
			k["created"] = iso(now_utc() - datetime.timedelta(days=float(req["age_days"])))
		return dict(k)

	def ctl_groups(self, req):
		return dict(self.state.add_group(req["name"], req.get("path", "/")))

	def ctl_policies(self, req):
		arn = req.get("arn") or self.state.arn("policy/" + req["name"])
		self.state.policies.add(arn)
		return {"arn": arn}

	def ctl_alias(self, req):
		alias = req.get("alias")
		if alias is not None and not ALIAS_RE.match(alias):
			raise ValueError("bad account alias %r" % alias)
		self.state.alias = alias

	def ctl_password_policy(self, req):
		self.state.password_policy = req or None

	def ctl_config(self, req):
		for k, v in req.items():
			if k not in self.state.config:
				raise ValueError("unknown config %r" % k)
			self.state.config[k] = v
		return dict(self.state.config)

	def ctl_imds(self, req):
		s = self.state
		for k in ("role", "ttl_s", "enabled"):
			if k in req:
				s.imds[k] = req[k]
		if req.get("rotate") or "role" in req or "ttl_s" in req:
			s.temp = None
		if req.get("expire_now") and s.temp:
			s.temp["expires"] = s.now() - 1
		return dict(s.imds)

	def ctl_state(self, req):
		return self.state.dump()


# ---------------------------------------------------------------- main

def make_tls_context(tmpdir):
	key = os.path.join(tmpdir, "key.pem")
	cert = os.path.join(tmpdir, "cert.pem")
	subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
	                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
	                "-keyout", key, "-out", cert], check=True, stdin=subprocess.DEVNULL,
	               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
	ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
	ctx.load_cert_chain(cert, key)
	return ctx, cert


def write_credentials(path, key_id, secret):
	fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
	with os.fdopen(fd, "w") as f:
		os.fchmod(f.fileno(), 0o600)
		f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		        % (key_id, secret))


def main(argv=None):
	ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
	ap.add_argument("--port", type=int, default=0)
	ap.add_argument("--host", default="127.0.0.1")
	ap.add_argument("--account", default="123456789012")
	ap.add_argument("--alias", default=None)
	ap.add_argument("--partition", default="aws", choices=sorted(PARTITION_IAM_REGION))
	ap.add_argument("--admin-credentials-file")
	ap.add_argument("--tls-self-signed", action="store_true")
	ap.add_argument("--verbose", action="store_true")
	a = ap.parse_args(argv)
	try:
		if not ipaddress.ip_address(a.host).is_loopback:
			raise ValueError
	except ValueError:
		ap.error("--host must be a loopback address (got %r)" % a.host)
	if not re.fullmatch(r"\d{12}", a.account):
		ap.error("--account must be 12 digits")
	if a.alias is not None and not ALIAS_RE.match(a.alias):
		ap.error("--alias is not a valid account alias")

	state = Handler.state = State(a.account, a.partition, a.alias)
	Handler.api = Api(state)
	Handler.verbose = a.verbose
	tmpdir = None
	info = {}
	if a.admin_credentials_file:
		write_credentials(a.admin_credentials_file, *state.admin_key)
		info["admin_credentials_file"] = os.path.abspath(a.admin_credentials_file)
	family = socket.AF_INET6 if ":" in a.host else socket.AF_INET
	Server.address_family = family
	srv = Server((a.host, a.port), Handler)
	scheme = "http"
	if a.tls_self_signed:
		tmpdir = tempfile.mkdtemp(prefix="pai-endpoint-tls-")
		ctx, cert = make_tls_context(tmpdir)
		srv.socket = ctx.wrap_socket(srv.socket, server_side=True,
		                             do_handshake_on_connect=False)
		scheme = "https"
		info["cert_file"] = cert
	Handler.scheme = scheme
	port = srv.server_address[1]
	host = "[%s]" % a.host if family == socket.AF_INET6 else a.host
	url = "%s://%s:%d" % (scheme, host, port)
	info["url"] = url
	Handler.extra_info = info

	def stop(signum, frame):
		raise SystemExit(0)
	signal.signal(signal.SIGTERM, stop)
	signal.signal(signal.SIGINT, stop)
	sys.stdout.write(url + "\n")
	sys.stdout.flush()
	try:
		srv.serve_forever(poll_interval=0.2)
	except SystemExit:
		pass
	finally:
		srv.server_close()
		if tmpdir:
			shutil.rmtree(tmpdir, ignore_errors=True)
	return 0


if __name__ == "__main__":
	sys.exit(main())
