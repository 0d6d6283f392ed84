# SPDX-License-Identifier: MIT
"""The /_control JSON API that tests drive (unsigned, loopback only; see README.md).

Each ctl_NAME(req) answers POST or GET /_control/NAME (a "/" in the path is a "_" here)
with a JSON object; the server holds state.lock around it. KeyError, ValueError and
TypeError answer 400; an AwsError answers with its status.
"""
import base64
import copy
import datetime
import hashlib
import json
import re

import faults
import hostile
from aws_common import ADMIN_USER, AwsError, iso, now_utc
from model_iam import ALIAS_RE
from wire_query import PATH_RE, USER_NAME_RE


class Control:
	def __init__(self, state, info):
		self.state = state
		self.extra_info = info

	def ctl_health(self, req):
		return {"ok": True}

	def ctl_info(self, req):
		s = self.state
		return dict(self.extra_info, account=s.account, partition=s.partition, region=s.region,
		            admin_key_id=s.admin_key[0], admin_secret=s.admin_key[1],
		            admin_user=ADMIN_USER, alias=s.iam.alias)

	def ctl_reset(self, req):
		self.state.reset()

	def ctl_calls(self, req):
		return {"calls": list(self.state.calls)}

	def ctl_calls_clear(self, req):
		self.state.calls = []

	def ctl_faults(self, req):
		f = faults.configure(req)
		self.state.faults = f
		return faults.shown(f) if f else None

	def ctl_hostile(self, req):
		if req.get("clear") or req.get("mode") is None:
			self.state.hostile = []
			return
		h = hostile.configure(req)
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
		if name.lower() in s.iam.users:
			raise AwsError("EntityAlreadyExists", "User with name %s already exists." % name, 409)
		tags = req.get("tags") or []
		if isinstance(tags, dict):
			tags = [[k, v] for k, v in tags.items()]
		path = req.get("path") or "/"
		if not PATH_RE.fullmatch(path):
			raise ValueError("bad path %r" % path)
		u = s.iam.add_user(name, path, tags, req.get("boundary"))
		for g in req.get("groups") or []:
			u["groups"].append(s.iam.groups[g.lower()]["name"])
		u["policies"].extend(req.get("policies") or [])
		if req.get("password"):
			u["login_profile"] = {"created": iso(now_utc()), "reset_required": False,
			                      "password_sha256": hashlib.sha256(
			                          req["password"].encode()).hexdigest()}
		return copy.deepcopy(u)

	def ctl_users_delete(self, req):
		s = self.state
		u = s.iam.users.pop(req["name"].lower())
		for k in s.iam.user_keys(u["name"]):
			del s.iam.keys[k["id"]]

	def ctl_keys(self, req):
		s = self.state
		if req["user"].lower() not in s.iam.users:
			raise ValueError("no user %r" % req["user"])
		if len(s.iam.user_keys(req["user"])) >= 2 and not req.get("force"):
			raise AwsError("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2", 409)
		k = s.iam.add_key(req["user"], status=req.get("status", "Active"),
		              created=req.get("create_date"))
		return dict(k)

	def ctl_keys_update(self, req):
		k = self.state.iam.keys[req["id"]]
		for f, field in (("status", "status"), ("create_date", "created"),
		                 ("last_used", "last_used")):
			if f in req:
				k[field] = req[f]
		if "age_days" in req:
			k["created"] = iso(now_utc() - datetime.timedelta(days=float(req["age_days"])))
		return dict(k)

	def ctl_groups(self, req):
		return dict(self.state.iam.add_group(req["name"], req.get("path", "/")))

	def ctl_policies(self, req):
		arn = req.get("arn") or self.state.arn("policy/" + req["name"])
		self.state.iam.policies.add(arn)
		if req.get("document") is not None:
			doc = req["document"]
			self.state.iam.policy_documents[arn] = doc if isinstance(doc, str) else \
				json.dumps(doc)
		return {"arn": arn}

	def ctl_roles(self, req):
		"""A role any principal of the account may assume (trust is not evaluated)."""
		name = req["name"]
		if not re.fullmatch(r"[\w+=,.@-]{1,64}", name, re.ASCII):
			raise ValueError("bad role name %r" % name)
		return dict(self.state.sts.add_role(name, int(req.get("max_session_s") or 3600)))

	def ctl_alias(self, req):
		alias = req.get("alias")
		if alias is not None and not ALIAS_RE.match(alias):
			raise ValueError("bad account alias %r" % alias)
		self.state.iam.alias = alias

	def ctl_password_policy(self, req):
		self.state.iam.password_policy = req or None

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
				s.imds.settings[k] = req[k]
		if req.get("rotate") or "role" in req or "ttl_s" in req:
			s.imds.temp = None
		if req.get("expire_now") and s.imds.temp:
			s.imds.temp["expires"] = s.cred_now() - 1
		return dict(s.imds.settings)

	def ctl_state(self, req):
		return self.state.dump()

	# -- STS sessions and the credentials clock
	def ctl_sessions(self, req):
		s = self.state
		now = s.cred_now()
		return {"sessions": [dict(x, expired=now >= x["expires"]) for x in
		                     s.sts.sessions.values()
		                     if not req.get("user") or x["user"].lower() == req["user"].lower()],
		        "now": now}

	def ctl_sessions_expire(self, req):
		"""Ends sessions now: one (id), a user's (user) or all."""
		s = self.state
		n = 0
		for x in s.sts.sessions.values():
			if req.get("id") and x["id"] != req["id"]:
				continue
			if req.get("user") and x["user"].lower() != req["user"].lower():
				continue
			x["expires"] = min(x["expires"], s.cred_now() - 1)
			n += 1
		return {"expired": n}

	def ctl_clock(self, req):
		"""advance_s moves the credentials clock on (session and IMDS expiry, secret dates);
		reset puts it back. Signatures keep being checked against the real clock."""
		s = self.state
		if req.get("reset"):
			s.clock_advance_s = 0.0
		s.clock_advance_s += float(req.get("advance_s", 0))
		return {"advance_s": s.clock_advance_s, "now": s.cred_now()}

	# -- IAM inline policies
	def ctl_user_policies(self, req):
		u = self.state.iam.users[req["user"].lower()]
		return {"policies": dict(u["inline_policies"])}

	# -- Secrets Manager, as an administrator would use it
	def ctl_secrets(self, req):
		"""One secret (name or ARN) with all versions, values and stages; or all of them."""
		sm = self.state.sm
		if req.get("name"):
			sec = sm.find(req["name"])
			return sm.show(sec) if sec else {"secret": None}
		return {"secrets": [sm.show(x) for x in sm.secrets.values()]}

	def ctl_secrets_put(self, req):
		"""Creates the secret when missing, then stores a value (value, or binary_b64) as a
		new version through PutSecretValue's own rules (token, stages)."""
		sm = self.state.sm
		sec = sm.find(req["name"])
		if sec is None:
			create = {"Name": req["name"]}
			for k, f in (("description", "Description"), ("kms_key_id", "KmsKeyId"),
			             ("tags", "Tags")):
				if req.get(k) is not None:
					create[f] = req[k]
			sm.CreateSecret(create, None)
		put = {"SecretId": req["name"]}
		if req.get("value") is not None:
			put["SecretString"] = req["value"]
		elif req.get("binary_b64") is not None:
			base64.b64decode(req["binary_b64"], validate=True)
			put["SecretBinary"] = req["binary_b64"]
		else:
			return sm.show(sm.find(req["name"]))
		if req.get("token"):
			put["ClientRequestToken"] = req["token"]
		if req.get("stages") is not None:
			put["VersionStages"] = req["stages"]
		out = sm.PutSecretValue(put, None)
		return dict(sm.show(sm.find(req["name"])), put=out)

	def ctl_secrets_delete(self, req):
		"""Schedules deletion (days, default 30) or, with force, deletes at once."""
		d = {"SecretId": req["name"]}
		if req.get("force"):
			d["ForceDeleteWithoutRecovery"] = True
		elif req.get("days") is not None:
			d["RecoveryWindowInDays"] = int(req["days"])
		return self.state.sm.DeleteSecret(d, None)

	def ctl_secrets_restore(self, req):
		return self.state.sm.RestoreSecret({"SecretId": req["name"]}, None)
