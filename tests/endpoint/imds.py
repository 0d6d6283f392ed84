# SPDX-License-Identifier: MIT
"""IMDSv2 on the same port: token, instance identity, and the instance role's temporary
credentials (an ASIA key and token that act as the admin, see principals.find_signer)."""
import base64
import datetime
import json
import secrets
import socket
import time

import faults
from aws_common import (ADMIN_USER, INSTANCE_ID, NEWLINE_PAYLOAD, iso, now_utc, rand_id,
                        rand_secret)
from hostile import deliver as deliver_hostile


class ImdsModel:
	"""IMDS settings, issued tokens and the role's current credentials."""

	def __init__(self, state):
		self.state = state

	def reset(self):
		self.tokens = {}
		self.settings = {"role": "pai-admin-role", "ttl_s": 6 * 3600, "enabled": True}
		self.temp = None

	def dump(self):
		return {"imds": dict(self.settings),
		        "temp_credentials": dict(self.temp) if self.temp else None}


def serve(handler):
	s = handler.state
	path = handler.path.split("?")[0]
	body = handler.read_body()
	if body is None:
		return
	name = {"/latest/api/token": "imds-token",
	        "/latest/meta-data/iam/security-credentials/": "imds-role"}.get(path, "imds-get")
	if path.startswith("/latest/meta-data/iam/security-credentials/") and name != "imds-role":
		name = "imds-credentials"
	rec = {"service": "imds", "action": name, "user": None, "key_id": None,
	       "caller_key": None, "caller_arn": None, "fault": None, "hostile": None,
	       "params": {"path": path}, "method": handler.command, "request_id": None}
	fault, hostile = faults.pick(s, name)
	if fault and fault.get("latency_ms"):
		time.sleep(fault["latency_ms"] / 1000.0)
	status, text, ctype, extra = answer(handler, path)
	if fault and fault["kind"] in ("throttle", "error500"):
		rec["fault"] = fault["kind"]
		status, text, extra = (429 if fault["kind"] == "throttle" else 500), "", {}
	if fault and fault["kind"] == "drop":
		rec["fault"] = "drop"
		handler.record(rec, 0, None)
		handler.close_connection = True
		handler.connection.shutdown(socket.SHUT_RDWR)
		return
	handler.record(rec, status, None if status == 200 else str(status))
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
			return deliver_hostile(handler, mode, status, body, ctype, hostile)
	handler.send_bytes(status, body, ctype, extra)

def answer(handler, path):
	s = handler.state
	with s.lock:
		if handler.command == "PUT":
			if path != "/latest/api/token":
				return 405, "", "text/plain", {}
			if handler.headers.get("X-Forwarded-For") is not None:
				return 403, "Forbidden", "text/plain", {}
			ttl = handler.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
			try:
				ttl = int(ttl)
			except (TypeError, ValueError):
				return 400, "Bad Request", "text/plain", {}
			if not 1 <= ttl <= 21600:
				return 400, "Bad Request", "text/plain", {}
			tok = base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()
			s.imds.tokens[tok] = time.time() + ttl
			return 200, tok, "text/plain", {"X-aws-ec2-metadata-token-ttl-seconds": str(ttl)}
		if handler.command != "GET":
			return 405, "", "text/plain", {}
		tok = handler.headers.get("X-aws-ec2-metadata-token")
		if tok is None or s.imds.tokens.get(tok, 0) < time.time():
			return 401, "Unauthorized", "text/plain", {}
		role = s.imds.settings["role"] if s.imds.settings["enabled"] else None
		if path == "/latest/meta-data/instance-id":
			return 200, INSTANCE_ID, "text/plain", {}
		if path == "/latest/meta-data/placement/region":
			return 200, s.region, "text/plain", {}
		if path == "/latest/dynamic/instance-identity/document":
			doc = {"accountId": s.account, "instanceId": INSTANCE_ID,
			       "region": s.region}
			return 200, json.dumps(doc), "application/json", {}
		if path == "/latest/meta-data/iam/info" and role:
			doc = {"Code": "Success", "LastUpdated": iso(now_utc()),
			       "InstanceProfileArn": s.arn("instance-profile/" + role),
			       "InstanceProfileId": "AIPAEXAMPLEPROFILE000"}
			return 200, json.dumps(doc), "application/json", {}
		if path == "/latest/meta-data/iam/security-credentials/" and role:
			return 200, role, "text/plain", {}
		if role and path == "/latest/meta-data/iam/security-credentials/" + role:
			t = temp_credentials(s)
			doc = {"Code": "Success", "LastUpdated": t["updated"], "Type": "AWS-HMAC",
			       "AccessKeyId": t["id"], "SecretAccessKey": t["secret"],
			       "Token": t["token"], "Expiration": iso(datetime.datetime.fromtimestamp(
			           t["expires"], datetime.timezone.utc))}
			return 200, json.dumps(doc, indent=2), "application/json", {}
		return 404, "Not Found", "text/plain", {}

def temp_credentials(s):
	"""The role's credentials, renewed 5 minutes before they expire."""
	if s.imds.temp is None or s.imds.temp["expires"] - s.cred_now() < 300:
		s.imds.temp = {"id": rand_id("ASIA"), "secret": rand_secret(),
		          "token": base64.b64encode(secrets.token_bytes(300)).decode(),
		          "role": s.imds.settings["role"], "role_id": rand_id("AROA", 17),
		          "expires": s.cred_now() + s.imds.settings["ttl_s"], "updated": iso(now_utc())}
	return s.imds.temp

