# SPDX-License-Identifier: MIT
"""AWS Secrets Manager (2017-10-17, JSON protocol): secrets, versions, staging labels.

Rules kept exactly, because the helper builds a compare-and-swap on them:
- VersionId == ClientRequestToken (32-64 chars). A new token makes a new version; the same
  token with the same value is a no-op answering the existing version; the same token with
  another value is ResourceExistsException.
- Each staging label is on one version at most. Moving AWSCURRENT moves AWSPREVIOUS to the
  version it left. A version without labels is deprecated (listed only with
  IncludeDeprecated).
- DeleteSecret schedules (7-30 days, default 30) or, forced, frees the name at once; while
  scheduled every call but DescribeSecret, DeleteSecret and RestoreSecret is
  InvalidRequestException.
Each action takes (request dict, caller) and returns the reply object.
"""
import base64
import re
import secrets
import uuid

from aws_common import AwsError
from wire_json import j_blob, j_bool, j_int, j_str, j_str_list, validation

ACTIONS = ("CreateSecret", "DescribeSecret", "GetSecretValue", "PutSecretValue",
           "UpdateSecretVersionStage", "ListSecretVersionIds", "DeleteSecret",
           "RestoreSecret", "TagResource")
NAME_RE = re.compile(r"[A-Za-z0-9/_+=.@-]+")
MAX_VALUE_BYTES = 65536
MAX_VERSIONS = 100
ARN_SUFFIX_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
DAY_S = 86400


def not_found():
	return AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified "
	                "secret.")


def marked_for_deletion():
	return AwsError("InvalidRequestException", "You can't perform this operation on the secret "
	                "because it was marked for deletion.")


def invalid_param(msg):
	return AwsError("InvalidParameterException", msg)


class SecretsModel:
	"""Secrets of one region; the caller holds state.lock."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		self.secrets = {}    # name -> secret dict

	def dump(self):
		return {"secrets": [self.show(s) for s in self.secrets.values()]}

	def show(self, sec):
		"""A secret with every version, its value and stages (control API only)."""
		out = {k: v for k, v in sec.items() if k != "versions"}
		out["versions"] = []
		for v in sec["versions"].values():
			d = dict(v)
			if d.get("binary") is not None:
				d["binary"] = d["binary"].hex()
			out["versions"].append(d)
		return out

	# -- helpers
	def now(self):
		return round(self.state.cred_now(), 3)

	def arn_prefix(self):
		return "arn:%s:secretsmanager:%s:%s:secret:" % (self.state.partition, self.state.region,
		                                               self.state.account)

	def find(self, secret_id):
		"""The secret named by name, full ARN or partial ARN (without -XXXXXX), or None."""
		sec = self.secrets.get(secret_id)
		if sec is not None:
			return sec
		prefix = self.arn_prefix()
		if secret_id.startswith(prefix):
			for s in self.secrets.values():
				if s["arn"] == secret_id:
					return s
			return self.secrets.get(secret_id[len(prefix):])
		return None

	def secret(self, req, allow_deleted=False):
		sid = j_str(req, "SecretId", True, 1, 2048)
		sec = self.find(sid)
		if sec is None:
			raise not_found()
		if sec["deleted_date"] is not None and not allow_deleted:
			raise marked_for_deletion()
		return sec

	def value_of(self, req):
		"""(kind, value) of SecretString / SecretBinary; (None, None) when neither."""
		s = j_str(req, "SecretString", max_len=MAX_VALUE_BYTES, sensitive=True)
		b = j_blob(req, "SecretBinary", MAX_VALUE_BYTES)
		if s is not None and b is not None:
			raise invalid_param("You can't specify both a binary secret value and a string "
			                    "secret value in the same secret.")
		if s is not None:
			if len(s.encode("utf-8")) > MAX_VALUE_BYTES:
				raise validation("secretString", "***", "have length less than or equal to %d"
				                 % MAX_VALUE_BYTES)
			return "string", s
		if b is not None:
			return "binary", b
		return None, None

	def token(self, req):
		return j_str(req, "ClientRequestToken", min_len=32, max_len=64) or str(uuid.uuid4())

	def stages_of(self, req):
		stages = j_str_list(req, "VersionStages", 1, 20, 1, 256)
		if stages is not None and len(set(stages)) != len(stages):
			raise invalid_param("You can't specify the same staging label more than once.")
		return stages

	def version_with(self, sec, label):
		for v in sec["versions"].values():
			if label in v["stages"]:
				return v
		return None

	def attach(self, sec, version, labels):
		"""Moves labels onto version; AWSCURRENT drags AWSPREVIOUS to the version it left."""
		for label in labels:
			old = self.version_with(sec, label)
			if old is version:
				continue
			if old is not None:
				old["stages"].remove(label)
				if label == "AWSCURRENT":
					prev = self.version_with(sec, "AWSPREVIOUS")
					if prev is not None:
						prev["stages"].remove("AWSPREVIOUS")
					if "AWSPREVIOUS" not in old["stages"]:
						old["stages"].append("AWSPREVIOUS")
			version["stages"].append(label)
		if "AWSCURRENT" in version["stages"] and "AWSPREVIOUS" in version["stages"]:
			version["stages"].remove("AWSPREVIOUS")

	def add_version(self, sec, vid, kind, value, stages):
		if sum(1 for v in sec["versions"].values() if v["stages"]) >= MAX_VERSIONS:
			raise AwsError("LimitExceededException", "You have exceeded the number of versions "
			               "(%d) allowed for this secret." % MAX_VERSIONS)
		v = {"id": vid, "kind": kind, "string": value if kind == "string" else None,
		     "binary": value if kind == "binary" else None, "created": self.now(),
		     "stages": [], "last_accessed": None}
		sec["versions"][vid] = v
		if not any(x["stages"] for x in sec["versions"].values() if x is not v) and \
		   "AWSCURRENT" not in stages:
			stages = list(stages) + ["AWSCURRENT"]  # the first version is always current
		self.attach(sec, v, stages)
		sec["last_changed"] = self.now()
		return v

	def same_value(self, v, kind, value):
		return v["kind"] == kind and (v["string"] if kind == "string" else v["binary"]) == value

	def idempotent(self, sec, vid, kind, value):
		"""The existing version vid when the same value is sent again; ResourceExistsException
		when another value is; None when vid is new."""
		v = sec["versions"].get(vid)
		if v is None:
			return None
		if not self.same_value(v, kind, value):
			raise AwsError("ResourceExistsException", "You can't modify an existing version, "
			               "you can only create new versions.")
		return v

	def tags_of(self, req):
		tags = req.get("Tags")
		if tags is None:
			return None
		if not isinstance(tags, list):
			raise AwsError("SerializationException", "Start of structure or map found where "
			               "not expected.")
		out = []
		for i, t in enumerate(tags, 1):
			if not isinstance(t, dict):
				raise AwsError("SerializationException", "Tag %d is not a structure" % i)
			k = j_str(t, "Key", False, 1, 128)
			v = j_str(t, "Value", False, 0, 256)
			if k is None or v is None:
				raise invalid_param("You must provide a value for the Key and Value of every "
				                    "tag.")
			out.append({"Key": k, "Value": v})
		if len(out) > 50:
			raise invalid_param("Number of tags exceeds the limit of 50.")
		return out

	def new_secret(self, name, description, kms_key_id, tags):
		suffix = "".join(secrets.choice(ARN_SUFFIX_ALPHABET) for _ in range(6))
		sec = {"name": name, "arn": self.arn_prefix() + name + "-" + suffix,
		       "description": description, "kms_key_id": kms_key_id, "tags": tags or [],
		       "created": self.now(), "last_changed": self.now(), "last_accessed": None,
		       "deleted_date": None, "deletion_date": None, "versions": {}}
		self.secrets[name] = sec
		return sec

	# -- actions
	def CreateSecret(self, req, caller):
		name = j_str(req, "Name", True, 1, 512)
		vid = self.token(req)
		description = j_str(req, "Description", max_len=2048)
		kms = j_str(req, "KmsKeyId", min_len=0, max_len=2048)
		kind, value = self.value_of(req)
		tags = self.tags_of(req)
		if j_bool(req, "ForceOverwriteReplicaSecret") or req.get("AddReplicaRegions"):
			raise invalid_param("This endpoint does not replicate secrets.")
		if not NAME_RE.fullmatch(name):
			raise validation("name", name, r"satisfy regular expression pattern: "
			                 r"^[a-zA-Z0-9/_+=.@-]+$")
		sec = self.secrets.get(name)
		if sec is not None:
			if sec["deleted_date"] is not None:
				raise AwsError("InvalidRequestException", "You can't create this secret because "
				               "a secret with this name is already scheduled for deletion.")
			if kind is not None and self.idempotent(sec, vid, kind, value) is not None:
				return {"ARN": sec["arn"], "Name": sec["name"], "VersionId": vid}
			raise AwsError("ResourceExistsException", "The operation failed because the secret "
			               "%s already exists." % name)
		sec = self.new_secret(name, description, kms, tags)
		out = {"ARN": sec["arn"], "Name": name}
		if kind is not None:
			self.add_version(sec, vid, kind, value, ["AWSCURRENT"])
			out["VersionId"] = vid
		return out

	def DescribeSecret(self, req, caller):
		sec = self.secret(req, allow_deleted=True)
		out = {"ARN": sec["arn"], "Name": sec["name"], "RotationEnabled": False,
		       "LastChangedDate": sec["last_changed"], "CreatedDate": sec["created"],
		       "VersionIdsToStages": {v["id"]: list(v["stages"])
		                              for v in sec["versions"].values() if v["stages"]}}
		for key, field in (("description", "Description"), ("kms_key_id", "KmsKeyId"),
		                   ("last_accessed", "LastAccessedDate"),
		                   ("deleted_date", "DeletedDate")):
			if sec[key] is not None:
				out[field] = sec[key]
		if sec["tags"]:
			out["Tags"] = [dict(t) for t in sec["tags"]]
		return out

	def GetSecretValue(self, req, caller):
		sec = self.secret(req)
		vid = j_str(req, "VersionId", min_len=32, max_len=64)
		stage = j_str(req, "VersionStage", min_len=1, max_len=256)
		if vid is not None:
			v = sec["versions"].get(vid)
			if v is None:
				raise AwsError("ResourceNotFoundException", "Secrets Manager can't find the "
				               "specified secret value for VersionId: %s" % vid)
			if stage is not None and stage not in v["stages"]:
				raise AwsError("InvalidRequestException", "You provided a VersionStage that is "
				               "not associated to the provided VersionId.")
		else:
			stage = stage or "AWSCURRENT"
			v = self.version_with(sec, stage)
			if v is None:
				raise AwsError("ResourceNotFoundException", "Secrets Manager can't find the "
				               "specified secret value for staging label: %s" % stage)
		now = self.now()
		sec["last_accessed"] = v["last_accessed"] = now - now % DAY_S
		out = {"ARN": sec["arn"], "Name": sec["name"], "VersionId": v["id"],
		       "VersionStages": list(v["stages"]), "CreatedDate": v["created"]}
		if v["kind"] == "string":
			out["SecretString"] = v["string"]
		else:
			out["SecretBinary"] = base64.b64encode(v["binary"]).decode()
		return out

	def PutSecretValue(self, req, caller):
		sec = self.secret(req)
		vid = self.token(req)
		kind, value = self.value_of(req)
		stages = self.stages_of(req)
		if kind is None:
			raise invalid_param("You must provide either SecretString or SecretBinary.")
		v = self.idempotent(sec, vid, kind, value)
		if v is None:
			v = self.add_version(sec, vid, kind, value,
			                     ["AWSCURRENT"] if stages is None else stages)
		return {"ARN": sec["arn"], "Name": sec["name"], "VersionId": v["id"],
		        "VersionStages": list(v["stages"])}

	def UpdateSecretVersionStage(self, req, caller):
		sec = self.secret(req)
		label = j_str(req, "VersionStage", True, 1, 256)
		remove_from = j_str(req, "RemoveFromVersionId", min_len=32, max_len=64)
		move_to = j_str(req, "MoveToVersionId", min_len=32, max_len=64)
		holder = self.version_with(sec, label)
		for vid in (remove_from, move_to):
			if vid is not None and vid not in sec["versions"]:
				raise invalid_param("The specified version %s doesn't exist." % vid)
		if move_to is None and remove_from is None:
			raise invalid_param("You must specify either MoveToVersionId or "
			                    "RemoveFromVersionId.")
		if holder is not None and holder["id"] != move_to and holder["id"] != remove_from:
			raise invalid_param("The staging label %s is currently attached to version %s, "
			                    "but you have specified RemoveFromVersionId %s."
			                    % (label, holder["id"], remove_from))
		if remove_from is not None and (holder is None or holder["id"] != remove_from):
			raise invalid_param("The staging label %s is not attached to version %s."
			                    % (label, remove_from))
		if move_to is None:
			if label == "AWSCURRENT":
				raise invalid_param("You can't remove the staging label AWSCURRENT from a "
				                    "version. Move it to another version instead.")
			holder["stages"].remove(label)
		else:
			self.attach(sec, sec["versions"][move_to], [label])
		sec["last_changed"] = self.now()
		return {"ARN": sec["arn"], "Name": sec["name"]}

	def ListSecretVersionIds(self, req, caller):
		sec = self.secret(req)
		max_results = j_int(req, "MaxResults", 1, 100) or 100
		token = j_str(req, "NextToken", min_len=1, max_len=4096)
		deprecated = j_bool(req, "IncludeDeprecated")
		versions = [v for v in sorted(sec["versions"].values(), key=lambda v: v["created"],
		                              reverse=True) if v["stages"] or deprecated]
		start = 0
		if token is not None:
			try:
				start = int(token.split(":", 1)[1]) if token.startswith("v:") else -1
			except ValueError:
				start = -1
			if not 0 <= start <= len(versions):
				raise AwsError("InvalidNextTokenException", "The NextToken value is invalid.")
		page = versions[start:start + max_results]
		out = {"ARN": sec["arn"], "Name": sec["name"], "Versions": []}
		for v in page:
			e = {"VersionId": v["id"], "CreatedDate": v["created"]}
			if v["stages"]:
				e["VersionStages"] = list(v["stages"])
			if v["last_accessed"] is not None:
				e["LastAccessedDate"] = v["last_accessed"]
			out["Versions"].append(e)
		if start + max_results < len(versions):
			out["NextToken"] = "v:%d" % (start + max_results)
		return out

	def DeleteSecret(self, req, caller):
		sec = self.secret(req, allow_deleted=True)
		days = j_int(req, "RecoveryWindowInDays")
		force = j_bool(req, "ForceDeleteWithoutRecovery")
		if force and days is not None:
			raise invalid_param("You can't use ForceDeleteWithoutRecovery in conjunction with "
			                    "RecoveryWindowInDays.")
		if days is not None and not 7 <= days <= 30:
			raise invalid_param("The RecoveryWindowInDays value must be between 7 and 30 days "
			                    "(inclusive).")
		now = self.now()
		if force:
			del self.secrets[sec["name"]]
			return {"ARN": sec["arn"], "Name": sec["name"], "DeletionDate": now}
		if sec["deleted_date"] is not None:
			raise marked_for_deletion()
		sec["deleted_date"] = now
		sec["deletion_date"] = now + (days or 30) * DAY_S
		return {"ARN": sec["arn"], "Name": sec["name"], "DeletionDate": sec["deletion_date"]}

	def RestoreSecret(self, req, caller):
		sec = self.secret(req, allow_deleted=True)
		sec["deleted_date"] = sec["deletion_date"] = None
		return {"ARN": sec["arn"], "Name": sec["name"]}

	def TagResource(self, req, caller):
		sec = self.secret(req)
		tags = self.tags_of(req)
		if tags is None:
			raise validation("tags", None, "not be null")
		merged = {t["Key"]: t for t in sec["tags"]}
		for t in tags:
			merged[t["Key"]] = t
		if len(merged) > 50:
			raise invalid_param("Number of tags exceeds the limit of 50.")
		sec["tags"] = list(merged.values())
		return None

	def purge_expired(self):
		"""Deletes secrets whose recovery window has ended (AWS does it in the background)."""
		now = self.now()
		for name in [n for n, s in self.secrets.items()
		             if s["deletion_date"] is not None and s["deletion_date"] <= now]:
			del self.secrets[name]
