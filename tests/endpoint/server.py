# SPDX-License-Identifier: MIT
"""The HTTP server: one port, dispatch by path and service, the call log, /_control.

  POST /          an AWS call: JSON protocol (X-Amz-Target: secretsmanager.ACTION) for
                  Secrets Manager; otherwise Query protocol (form body, Action=...) for
                  IAM and STS, picked by the service in the SigV4 credential scope.
  /latest/...     IMDSv2 (imds.py).
  /_control/...   the control API (control_api.py), loopback only.

Every AWS call goes the same way: read, verify the signature (sigv4_verify, principals),
pick this call's fault and hostile mode (faults), run the action in its model (model_*.py)
unless the fault says not to, record the call, and answer, hostile.py deciding how.
"""
import http.server
import ipaddress
import json
import socket
import ssl
import sys
import threading
import time
import urllib.parse

import faults
import hostile
import imds
import model_iam
import model_secretsmanager
import model_sts
import principals
import wire_json
import wire_query
from aws_common import ADMIN_USER, PARTITION_IAM_REGION, AwsError, request_id
from control_api import Control
from sigv4_verify import scope_service, verify_request

MAX_BODY = 1 << 20
QUERY_ACTIONS = {"iam": model_iam.ACTIONS, "sts": model_sts.ACTIONS}
JSON_ACTIONS = {"secretsmanager": model_secretsmanager.ACTIONS}   # target prefix = service
SENSITIVE_JSON = ("SecretString", "SecretBinary")


class Server(http.server.ThreadingHTTPServer):
	daemon_threads = True
	block_on_close = False
	allow_reuse_address = True
	request_queue_size = 128


class QueryCall:
	"""One Query-protocol call (IAM or STS): its parameters and how to answer it."""
	protocol = "query"

	def __init__(self, handler, body):
		path, _, query = handler.path.partition("?")
		if handler.command == "POST":
			ctype = (handler.headers.get("Content-Type") or "").split(";")[0].strip().lower()
			src = body.decode("utf-8", "replace") if ctype == \
				"application/x-www-form-urlencoded" else ""
		else:
			src = query
		try:
			self.plist = urllib.parse.parse_qsl(src, keep_blank_values=True,
			                                    strict_parsing=False)
		except ValueError:
			self.plist = []
		self.params = {}
		for k, v in self.plist:
			self.params.setdefault(k, v)
		self.action = self.params.get("Action")
		service = scope_service(handler.headers) or "iam"
		self.service = service if service in wire_query.VERSIONS else "iam"
		self.ns = wire_query.NAMESPACES[self.service]
		self.path = path

	def record_fields(self):
		return {"user": self.params.get("UserName"), "key_id": self.params.get("AccessKeyId"),
		        "params": {k: ("<redacted>" if k == "Password" else v) for k, v in self.plist}}

	def signature_scope(self, state):
		"""(services the scope may name, region_ok(service, region), region error)."""
		iam_region = PARTITION_IAM_REGION[state.partition]
		return (tuple(wire_query.VERSIONS),
		        lambda service, region: service != "iam" or region == iam_region,
		        "Credential should be scoped to a valid region. ")

	def check_action(self):
		version = self.params.get("Version")
		if self.action is None:
			raise AwsError("MissingAction", "Missing Action", 400)
		if version is None:
			raise AwsError("MissingParameter", "The request must contain the parameter "
			               "Version", 400)
		if self.action not in QUERY_ACTIONS[self.service] or \
		   version != wire_query.VERSIONS[self.service]:
			raise AwsError("InvalidAction", "Could not find operation %s for version %s"
			               % (self.action, version), 400)

	def error(self, err, rid):
		return wire_query.error_reply(err, self.ns, rid)

	def success(self, result, rid):
		return wire_query.success_reply(self.action, self.ns, result, rid)

	def stand_in(self, rid):
		"""What a hostile reply that skipped the action answers as if it had worked."""
		return wire_query.success_reply(self.action or "Unknown", self.ns, [
			("UserName", self.params.get("UserName") or ADMIN_USER)], rid)


class JsonCall:
	"""One JSON-protocol call (Secrets Manager): its request object and how to answer it."""
	protocol = "json"

	def __init__(self, handler, body):
		self.path = handler.path.partition("?")[0]
		target = handler.headers.get("X-Amz-Target") or ""
		prefix, _, action = target.partition(".")
		self.service = prefix if prefix in JSON_ACTIONS else "secretsmanager"
		self.known_target = prefix in JSON_ACTIONS and action in JSON_ACTIONS[prefix]
		self.action = action or None
		self.body_error = None
		try:
			self.params = json.loads(body.decode("utf-8")) if body.strip() else {}
			if not isinstance(self.params, dict):
				raise ValueError("not an object")
		except ValueError:
			self.params = {}
			self.body_error = "Start of structure or map found where not expected."

	def record_fields(self):
		p = self.params
		return {"user": None, "key_id": None,
		        "secret_id": p.get("SecretId") or p.get("Name"),
		        "params": {k: ("<redacted>" if k in SENSITIVE_JSON else v) for k, v in p.items()}}

	def signature_scope(self, state):
		return ((self.service,), lambda service, region: region == state.region,
		        "Credential should be scoped to a valid region. ")

	def check_action(self):
		if not self.known_target:
			raise AwsError("UnknownOperationException", "", 400)
		if self.body_error:
			raise AwsError("SerializationException", self.body_error, 400)

	def error(self, err, rid):
		r = wire_json.error_reply(err)
		r.headers = {"x-amzn-RequestId": rid}
		return r

	def success(self, result, rid):
		r = wire_json.success_reply(result)
		r.headers = {"x-amzn-RequestId": rid}
		return r

	def stand_in(self, rid):
		return self.success({}, rid)


def new_call(handler, body):
	"""The call object for this request's protocol."""
	if handler.headers.get("X-Amz-Target") is not None:
		return JsonCall(handler, body)
	return QueryCall(handler, body)


class Handler(http.server.BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	# Headers and body leave in two writes; with Nagle on, the body waits for the client's
	# delayed ACK and every call costs ~40 ms that AWS does not.
	disable_nagle_algorithm = True
	server_version = "pai-iam-endpoint"
	sys_version = ""

	state = None     # set by serve()
	controls = None
	verbose = False
	scheme = "http"

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
				imds.serve(self)
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

	# -- AWS calls
	def aws(self):
		s = self.state
		body = self.read_body()
		if body is None:
			return
		rid = request_id()
		call = new_call(self, body)
		record = {"service": call.service, "action": call.action, "caller_key": None,
		          "caller_arn": None, "status": None, "error": None, "fault": None,
		          "hostile": None, "method": self.command, "request_id": rid}
		record.update(call.record_fields())
		try:
			caller = self.authenticate(call, body)
			record["caller_key"] = caller["key"]
			record["caller_arn"] = caller["arn"]
		except AwsError as e:
			return self.finish_aws(record, call.error(e, rid), e.code, None, call)
		fault, hostile_mode = faults.pick(s, call.action)
		if fault and fault.get("latency_ms"):
			time.sleep(fault["latency_ms"] / 1000.0)
		kind = fault["kind"] if fault else None
		execute = not (kind and fault.get("apply", "before") == "before") and \
			(hostile_mode is None or hostile_mode.get("execute", True))
		reply, code = None, None
		if execute:
			reply, code = self.run_action(call, caller, rid)
		if kind in ("throttle", "error500"):
			e = faults.fault_error(fault, call.service, call.protocol)
			record["fault"] = kind
			return self.finish_aws(record, call.error(e, rid), e.code, None, call)
		if kind == "drop":
			record["fault"] = "drop"
			self.record(record, 0, None)
			self.close_connection = True
			self.connection.shutdown(socket.SHUT_RDWR)
			return
		if reply is None:  # hostile with execute=False: answer as if it had worked
			reply = call.stand_in(rid)
		return self.finish_aws(record, reply, code, hostile_mode, call)

	def authenticate(self, call, body):
		"""The verified caller of this call, or AwsError."""
		s = self.state
		if call.path != "/":
			raise AwsError("InvalidAction", "Unsupported path %s" % call.path, 404)
		host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
		services, region_ok, region_error = call.signature_scope(s)
		with s.lock:
			now = s.now()
		caller, scope = verify_request(
			self.command, self.path, self.headers, body, "%s://%s" % (self.scheme, host),
			lambda kid, token: self.find_signer(kid, token), now, services, region_ok,
			region_error)
		principals.check_session_service(caller, scope["service"])
		principals.mark_used(s, caller, scope["service"], scope["region"])
		caller["service"] = scope["service"]
		caller["region"] = scope["region"]
		return caller

	def find_signer(self, kid, token):
		with self.state.lock:
			return principals.find_signer(self.state, kid, token)

	def model(self, service):
		return {"iam": self.state.iam, "sts": self.state.sts,
		        "secretsmanager": self.state.sm}[service]

	def run_action(self, call, caller, rid):
		s = self.state
		try:
			call.check_action()
			with s.lock:
				s.sm.purge_expired()
				principals.authorize(s, caller, call.service, call.action,
				                     self.resource_of(call))
				result = getattr(self.model(call.service), call.action)(call.params, caller)
			return call.success(result, rid), None
		except AwsError as e:
			return call.error(e, rid), e.code

	def resource_of(self, call):
		"""The ARN an AccessDenied message names."""
		if call.service == "secretsmanager":
			sid = call.params.get("SecretId") or call.params.get("Name")
			sec = self.state.sm.find(sid) if isinstance(sid, str) else None
			return sec["arn"] if sec else "*"
		return "*"

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

	def finish_aws(self, record, reply, code, hostile_mode, call):
		extra = getattr(reply, "headers", None)
		if hostile_mode is None:
			self.record(record, reply.status, code)
			return self.send_bytes(reply.status, reply.body(), reply.content_type, extra)
		mode = hostile_mode["mode"]
		record["hostile"] = mode
		self.record(record, reply.status, code)
		if mode in hostile.REWRITING_MODES:
			status, body = hostile.transform(mode, reply, call.params, self.state)
			return self.send_bytes(status, body, reply.content_type, extra)
		return hostile.deliver(self, mode, reply.status, reply.body(), reply.content_type,
		                       hostile_mode)

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
		fn = getattr(self.controls, "ctl_" + what.replace("/", "_"), None)
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


def make_server(state, host, port, family, verbose, info):
	"""A bound Server whose handlers serve state; info feeds /_control/info."""
	Handler.state = state
	Handler.verbose = verbose
	Handler.controls = Control(state, info)
	Server.address_family = family
	return Server((host, port), Handler)
