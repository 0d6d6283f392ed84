# SPDX-License-Identifier: MIT
"""Hostile replies: what a broken, malicious or impersonating server sends.

Modes that rewrite the reply (XML or JSON) are applied by transform(); transport-level
modes (sizes, timing, broken connections, junk) by deliver(), which writes to the handler's
connection itself.
"""
import copy
import json
import random
import socket
import struct
import time

from aws_common import NEWLINE_PAYLOAD, AwsError
from wire_query import error_reply, serialize, walk_leaves

HOSTILE_MODES = ("doctype_xxe", "entity_bomb", "huge", "slow_drip", "never_reply",
                 "reset_mid_body", "http200_error", "truncated", "garbage", "missing_fields",
                 "duplicated_fields", "newline_values", "other_user")
REWRITING_MODES = ("http200_error", "doctype_xxe", "entity_bomb", "missing_fields",
                   "duplicated_fields", "newline_values", "other_user")
IMPORTANT_FIELDS = ("UserName", "UserId", "Arn", "AccessKeyId", "SecretAccessKey", "Status",
                    "Account", "Key", "Value", "member")


def configure(req):
	"""A hostile entry for a /_control/hostile request."""
	if req["mode"] not in HOSTILE_MODES:
		raise ValueError("unknown hostile mode %r (known: %s)" % (req["mode"],
		                                                          ", ".join(HOSTILE_MODES)))
	h = dict(req)
	h["remaining"] = req.get("count", 1)
	h["actions"] = req.get("actions")
	return h


def transform(mode, reply, params, state):
	"""(status, body) of a rewriting mode applied to reply (XML or JSON)."""
	if reply.protocol == "json":
		return json_transform(mode, reply, state)
	return hostile_transform(mode, reply, params, state)


# ---------------------------------------------------------------- XML (Query protocol)

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
			victim = state.iam.users.get("administrator")
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


# ---------------------------------------------------------------- JSON (Secrets Manager)

JSON_IMPORTANT = ("SecretString", "SecretBinary", "VersionId", "ARN", "Name", "VersionStages",
                  "VersionIdsToStages", "Versions", "DeletionDate")


def json_other(key, val):
	if key == "Name":
		return "someone-else"
	if key == "VersionId":
		return "00000000-0000-4000-8000-000000000000"
	if isinstance(val, str):
		return val + "-other"
	return val


def json_transform(mode, reply, state):
	obj = copy.deepcopy(reply.obj)
	if mode == "http200_error":
		return 200, json.dumps({"__type": "AccessDeniedException", "Message": "User is not "
		                        "authorized to perform this action"}).encode()
	if mode in ("doctype_xxe", "entity_bomb"):
		return reply.status, b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY xxe SYSTEM ' \
			b'"file:///etc/passwd">]><r>&xxe;</r>'
	if mode == "missing_fields":
		gone = [k for k in JSON_IMPORTANT if k in obj]
		for k in gone:
			del obj[k]
		return reply.status, json.dumps(obj if gone else {}).encode()
	if mode == "duplicated_fields":
		parts = []
		for k, v in obj.items():
			parts.append("%s:%s" % (json.dumps(k), json.dumps(v)))
			if k in JSON_IMPORTANT:
				parts.append("%s:%s" % (json.dumps(k), json.dumps(json_other(k, v))))
		return reply.status, ("{" + ",".join(parts) + "}").encode()
	if mode == "newline_values":
		for k in ("SecretString", "Name", "ARN", "VersionId"):
			if isinstance(obj.get(k), str):
				obj[k] += NEWLINE_PAYLOAD
		return reply.status, json.dumps(obj).encode()
	if mode == "other_user":
		with state.lock:
			others = [s for s in state.sm.secrets.values() if s["name"] != obj.get("Name")]
		if "Name" in obj:
			obj["Name"] = others[0]["name"] if others else "Administrator"
		if "ARN" in obj:
			obj["ARN"] = others[0]["arn"] if others else \
				state.sm.arn_prefix() + "Administrator-AbCdEf"
		return reply.status, json.dumps(obj).encode()
	return reply.status, reply.body()


# ---------------------------------------------------------------- transport

def deliver(handler, mode, status, body, ctype, h):
	"""Transport-level hostility on handler's connection: sizes, timing, broken
	connections, junk."""
	if mode == "truncated":
		return handler.send_bytes(status, body[:max(1, len(body) // 2)], ctype)
	if mode == "garbage":
		rng = random.Random(h.get("seed", 1))
		junk = bytes(rng.randrange(256) for _ in range(int(h.get("size", 4096))))
		return handler.send_bytes(200, junk, ctype)
	if mode == "huge":
		size = int(h.get("size", 50 * 1024 * 1024))
		head = body.split(b"</", 1)[0] if b"</" in body else body
		handler.send_response(status)
		handler.send_header("Content-Type", ctype)
		handler.send_header("Content-Length", str(size))
		handler.end_headers()
		handler.wfile.write(head[:size])
		left = size - min(len(head), size)
		chunk = b"A" * 65536
		while left > 0:
			handler.wfile.write(chunk[:left])
			left -= min(left, len(chunk))
		handler.wfile.flush()
		return
	if mode == "slow_drip":
		interval = float(h.get("interval_ms", 1000)) / 1000.0
		handler.send_response(status)
		handler.send_header("Content-Type", ctype)
		handler.send_header("Content-Length", str(len(body)))
		handler.end_headers()
		handler.wfile.flush()
		for i in range(len(body)):
			handler.wfile.write(body[i:i + 1])
			handler.wfile.flush()
			time.sleep(interval)
		return
	if mode == "never_reply":
		handler.close_connection = True
		hold_open(handler, float(h.get("max_hold_s", 300)))
		return
	if mode == "reset_mid_body":
		handler.send_response(status)
		handler.send_header("Content-Type", ctype)
		handler.send_header("Content-Length", str(len(body)))
		handler.end_headers()
		handler.wfile.write(body[:len(body) // 2])
		handler.wfile.flush()
		handler.close_connection = True
		handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
		                           struct.pack("ii", 1, 0))
		handler.connection.close()
		return
	return handler.send_bytes(status, body, ctype)

def hold_open(handler, max_s):
	"""Waits, sending nothing, until the peer closes or max_s passes."""
	import select
	end = time.time() + max_s
	sock = handler.connection
	while time.time() < end:
		r, _, _ = select.select([sock], [], [], 0.5)
		if r:
			try:
				if not sock.recv(4096):
					return
			except OSError:
				return

