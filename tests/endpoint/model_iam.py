# SPDX-License-Identifier: MIT
"""IAM (2010-05-08): its entities, its rules and its actions.

IamModel holds users, access keys, groups, customer policies, the account alias and the
password policy. Each action takes (params, caller) and returns the children of the
<ActionResult> element (or None); rules are IAM's, with its error codes and wording.
"""
import base64
import copy
import hashlib
import json
import re
import secrets
import time
import urllib.parse

import policy_deny
from aws_common import ADMIN_USER, AwsError, iso, now_utc, rand_id, rand_secret
from wire_query import (MARKER_RE, USER_NAME_RE, p_list, p_max_items, p_path, p_str, p_tags,
                        p_user_name, tag_chars_ok, tag_nodes, validation)

DEFAULT_GROUPS = ("developers", "operators", "readonly")
DEFAULT_CUSTOMER_POLICIES = ("pai-boundary", "developer-access")
KEY_ID_RE = re.compile(r"[\w]+", re.ASCII)
PASSWORD_RE = re.compile(r"[\t\n\r\x20-\xff]+")
ALIAS_RE = re.compile(r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
ACTIONS = ("GetUser", "CreateUser", "DeleteUser", "ListUsers", "TagUser", "UntagUser",
           "ListUserTags", "AddUserToGroup", "RemoveUserFromGroup", "ListGroupsForUser",
           "AttachUserPolicy", "DetachUserPolicy", "ListAttachedUserPolicies",
           "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey",
           "GetAccessKeyLastUsed", "ListAccountAliases", "CreateLoginProfile",
           "GetLoginProfile", "DeleteLoginProfile", "PutUserPolicy", "GetUserPolicy",
           "DeleteUserPolicy", "ListUserPolicies")
POLICY_NAME_RE = re.compile(r"[\w+=,.@-]+", re.ASCII)
POLICY_DOC_RE = re.compile(r"[\t\n\r\x20-\xff]+")
USER_POLICY_SIZE_QUOTA = 2048   # all of a user's inline policies, non-white-space characters


class IamModel:
	"""IAM's state and actions; the caller holds state.lock."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		s = self.state
		self.users = {}      # lower name -> user dict
		self.keys = {}       # key id -> key dict
		self.groups = {}     # lower name -> group dict
		self.policies = set()
		self.policy_documents = {}   # customer managed policy ARN -> JSON text
		self.alias = s.initial_alias
		self.password_policy = None
		for g in DEFAULT_GROUPS:
			self.add_group(g)
		for p in DEFAULT_CUSTOMER_POLICIES:
			self.policies.add(s.arn("policy/" + p))
		self.add_user(ADMIN_USER, tags=[["Role", "pam_aws_iam admin"]])
		self.add_key(ADMIN_USER, key_id=s.admin_key[0], secret=s.admin_key[1])

	def dump(self):
		users = []
		for u in self.users.values():
			d = copy.deepcopy(u)
			d["keys"] = [dict(k) for k in self.user_keys(u["name"])]
			users.append(d)
		return {"alias": self.alias, "users": users, "keys": [dict(k) for k in self.keys.values()],
		        "groups": [dict(g) for g in self.groups.values()],
		        "policies": sorted(self.policies), "policy_documents": dict(self.policy_documents),
		        "password_policy": self.password_policy}

	# -- entities (also used by the control API)
	def add_group(self, name, path="/"):
		g = {"name": name, "path": path, "id": rand_id("AGPA", 17),
		     "arn": self.state.arn("group" + path + name), "created": iso(now_utc())}
		self.groups[name.lower()] = g
		return g

	def add_user(self, name, path="/", tags=None, boundary=None):
		u = {"name": name, "path": path, "id": rand_id("AIDA", 17),
		     "arn": self.state.arn("user" + path + name), "created": iso(now_utc()),
		     "tags": [list(t) for t in (tags or [])], "boundary": boundary, "groups": [],
		     "policies": [], "login_profile": None, "inline_policies": {}}
		self.users[name.lower()] = u
		return u

	def add_key(self, user_name, key_id=None, secret=None, status="Active", created=None):
		k = {"id": key_id or rand_id("AKIA"), "secret": secret or rand_secret(),
		     "user": self.users[user_name.lower()]["name"], "status": status,
		     "created": created or iso(now_utc()), "last_used": None, "usable_after": 0.0,
		     "listed_after": 0.0}
		self.keys[k["id"]] = k
		return k

	def user_keys(self, name):
		return sorted((k for k in self.keys.values() if k["user"].lower() == name.lower()),
		              key=lambda k: (k["created"], k["id"]))


	# -- helpers for the actions
	def user(self, name):
		u = self.users.get(name.lower())
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
			re.escape(self.state.partition))
		if not re.fullmatch(pat, arn, re.ASCII):
			raise AwsError("InvalidInput", "ARN %s is not valid." % arn)
		return arn

	def policy_exists(self, arn):
		return arn.startswith("arn:%s:iam::aws:policy/" % self.state.partition) or arn in self.policies

	def paginate(self, items, params, kind):
		max_items = p_max_items(params)
		page = self.state.config.get("page_size") or 0
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
		k = self.keys.get(kid)
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
		if name.lower() in self.users:
			raise AwsError("EntityAlreadyExists", "User with name %s already exists." % name, 409)
		if boundary is not None and not self.policy_exists(boundary):
			raise AwsError("NoSuchEntity", "Scope ARN: %s does not exist or is not attachable."
			               % boundary, 404)
		u = self.add_user(name, path, tags, boundary)
		return [("User", self.user_node(u))]

	def DeleteUser(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		if self.user_keys(u["name"]):
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
		if u["inline_policies"]:
			raise AwsError("DeleteConflict", "Cannot delete entity, must delete policies first.",
			               409)
		del self.users[u["name"].lower()]
		return None

	def ListUsers(self, params, caller):
		prefix = p_path(params, "PathPrefix", "pathPrefix", prefix=True) or "/"
		users = sorted((u for u in self.users.values() if u["path"].startswith(prefix)),
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
		grp = self.groups.get(g.lower())
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
		grp = self.groups.get(g.lower())
		if grp is None:
			raise AwsError("NoSuchEntity", "The group with name %s cannot be found." % g, 404)
		if grp["name"] not in u["groups"]:
			raise AwsError("NoSuchEntity", "User %s is not in group %s." % (u["name"], g), 404)
		u["groups"].remove(grp["name"])
		return None

	def ListGroupsForUser(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		groups = [self.groups[g.lower()] for g in u["groups"]]
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
		now = time.time()   # list_lag_ms: a new key is usable before ListAccessKeys shows it
		listed = [k for k in self.user_keys(u["name"]) if k["listed_after"] <= now]
		page, tail = self.paginate(listed, params, "keys:" + u["name"].lower())
		return [("AccessKeyMetadata", [("member", [
			("UserName", k["user"]), ("AccessKeyId", k["id"]), ("Status", k["status"]),
			("CreateDate", k["created"])]) for k in page])] + tail

	def CreateAccessKey(self, params, caller):
		u = self.target_user(params, caller, max_len=128)
		if len(self.user_keys(u["name"])) >= 2:
			raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
		k = self.add_key(u["name"])
		delay = self.state.config.get("new_key_delay_ms") or 0
		k["usable_after"] = time.time() + delay / 1000.0
		k["listed_after"] = time.time() + (self.state.config.get("list_lag_ms") or 0) / 1000.0
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
		del self.keys[k["id"]]
		return None

	def GetAccessKeyLastUsed(self, params, caller):
		kid = p_str(params, "AccessKeyId", "accessKeyId", True, 16, 128, KEY_ID_RE, r"[\w]+")
		k = self.keys.get(kid)
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
		members = [("member", self.alias)] if self.alias else []
		return [("AccountAliases", members), ("IsTruncated", "false")]

	# -- login profiles
	def check_password(self, user, pw):
		pol = self.password_policy
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

	# -- inline user policies
	def policy_name(self, params):
		return p_str(params, "PolicyName", "policyName", True, 1, 128, POLICY_NAME_RE,
		             r"[\w+=,.@-]+")

	def inline_policy(self, u, name):
		for n, doc in u["inline_policies"].items():
			if n.lower() == name.lower():
				return n, doc
		raise AwsError("NoSuchEntity", "The user policy with name %s cannot be found." % name,
		               404)

	def PutUserPolicy(self, params, caller):
		name = p_user_name(params, max_len=128)
		pname = self.policy_name(params)
		doc = p_str(params, "PolicyDocument", "policyDocument", True, 1, 131072, POLICY_DOC_RE,
		            r"[\u0009\u000A\u000D\u0020-\u00FF]+")
		u = self.user(name)
		policy_deny.parse(doc)
		others = [d for n, d in u["inline_policies"].items() if n.lower() != pname.lower()]
		if sum(policy_deny.size(d) for d in others + [doc]) > USER_POLICY_SIZE_QUOTA:
			raise AwsError("LimitExceeded", "Maximum policy size of %d bytes exceeded for user %s"
			               % (USER_POLICY_SIZE_QUOTA, u["name"]), 409)
		for n in [n for n in u["inline_policies"] if n.lower() == pname.lower()]:
			del u["inline_policies"][n]
		u["inline_policies"][pname] = doc
		return None

	def GetUserPolicy(self, params, caller):
		name = p_user_name(params, max_len=128)
		pname = self.policy_name(params)
		u = self.user(name)
		n, doc = self.inline_policy(u, pname)
		# IAM sends policy documents URL-encoded (RFC 3986); botocore decodes them.
		return [("UserName", u["name"]), ("PolicyName", n),
		        ("PolicyDocument", urllib.parse.quote(doc, safe="-_.~"))]

	def DeleteUserPolicy(self, params, caller):
		name = p_user_name(params, max_len=128)
		pname = self.policy_name(params)
		u = self.user(name)
		n, _ = self.inline_policy(u, pname)
		del u["inline_policies"][n]
		return None

	def ListUserPolicies(self, params, caller):
		u = self.user(p_user_name(params, max_len=128))
		names = sorted(u["inline_policies"], key=str.lower)
		page, tail = self.paginate(names, params, "inline:" + u["name"].lower())
		return [("PolicyNames", [("member", n) for n in page])] + tail

	def user_policy_documents(self, name):
		"""Every policy document that applies to the user: inline ones, then the documents of
		the managed policies attached to it (those the control API gave one)."""
		u = self.users.get(name.lower())
		if u is None:
			return []
		docs = list(u["inline_policies"].values())
		docs += [self.policy_documents[a] for a in u["policies"] if a in self.policy_documents]
		return docs
