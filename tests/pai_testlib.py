# SPDX-License-Identifier: MIT
"""Shared helpers for every test layer of pam_aws_iam: a plain module, imported as
`import pai_testlib` or `from pai_testlib import ...` (tests/conftest.py puts tests/ on
sys.path; scripts outside pytest, such as tests/bench/bench.py, add it themselves).

  paths         REPO_ROOT, BUILD_DIR ($PAI_BUILD_DIR or build/), build_path(name), HELPER,
                ENDPOINT_SCRIPT, PYTHON, AWS_CLI
  environment   clean_env(**extra), aws_cli_env(home, ...), make_tmp_home(base)
  AWS CLI       run_aws(endpoint, args, home, ...), read_credentials(path, profile)
  endpoint      start_endpoint(workdir, ...) -> Endpoint (the local IAM/STS/Secrets Manager/
                IMDSv2 endpoint and its control API; see tests/endpoint/README.md),
                stop_process(proc), ControlError
  the tool's    OWNER_TAG, LEDGER_TAG, MARK_TAG, host_id(name, machine_id),
  IAM records   ledger_value(host, when, ...)
  the helper    Helper(tmp_path, endpoint): one person's config, state dir and home, running
                the helper unprivileged (the `helper` fixture); LOGIN, HOST
  the machine   system_lock_held(), netlib_installed() (root)

The pytest fixtures built on these live in tests/conftest.py.
"""
import configparser
import contextlib
import fcntl
import hashlib
import hmac
import http.client
import json
import os
import pwd
import select
import shutil
import ssl
import subprocess
import tempfile
import time
import urllib.parse

import pytest

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Per-person build dirs (make B=build-NAME): PAI_BUILD_DIR names one; default build/.
BUILD_DIR = os.path.abspath(os.environ.get("PAI_BUILD_DIR") or os.path.join(REPO_ROOT, "build"))
ENDPOINT_SCRIPT = os.path.join(REPO_ROOT, "tests", "endpoint", "iam_endpoint.py")
PYTHON = "/usr/bin/python3"
AWS_CLI = "/usr/bin/aws"
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 5


# The tool's tags on the users it manages (helper/ledger.h), computed here on their own:
# what the helper writes must match.
OWNER_TAG = "pam-aws-iam:managed"
LEDGER_TAG = "pam-aws-iam:key:"
MARK_TAG = "pam-aws-iam:pending:"
# Every call the helper may make that changes IAM or the fleet store: a run that must change
# nothing makes none of them.
MUTATING = frozenset({
	"CreateUser", "TagUser", "UntagUser", "AddUserToGroup", "RemoveUserFromGroup",
	"AttachUserPolicy", "DetachUserPolicy", "CreateAccessKey", "DeleteAccessKey",
	"UpdateAccessKey", "CreateLoginProfile", "PutUserPolicy", "CreateSecret",
	"PutSecretValue"})
HOSTID_APP_ID = "5763c968d42d4d3da1ff18d462c15879"


def host_id(name, machine_id=None):
	"""The ledger identity of a machine (helper/hostid.h): systemd's app-specific machine ID.
	Without machine_id, the stand-in the helper's --host NAME uses: SHA-256(NAME)'s first 16
	bytes as the machine ID."""
	mid = bytes.fromhex(machine_id) if machine_id else hashlib.sha256(name.encode()).digest()[:16]
	b = bytearray(hmac.new(mid, bytes.fromhex(HOSTID_APP_ID), hashlib.sha256).digest()[:16])
	b[6] = (b[6] & 0x0F) | 0x40
	b[8] = (b[8] & 0x3F) | 0x80
	return b.hex()


def ledger_value(host, when, orphan=False, machine_id=None):
	"""The value of a key's ledger entry made by host (a short name) at when (ISO 8601)."""
	return "%s %s %s%s" % (host_id(host, machine_id), when, host, " orphan" if orphan else "")


def build_path(name):
	"""Path of a build output (binary or test tool) in the build dir in use."""
	return os.path.join(BUILD_DIR, name)


def make_tmp_home(base):
	"""Creates base/home (0700) and returns its path; base is a test's tmp_path."""
	home = os.path.join(str(base), "home")
	os.makedirs(home, mode=0o700, exist_ok=True)
	os.chmod(home, 0o700)
	return home


def clean_env(**extra):
	"""A minimal environment: no AWS_*, proxy, CURL_* or SSL_* variables leak in."""
	env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
	for k in ("TMPDIR",):
		if k in os.environ:
			env[k] = os.environ[k]
	env.update({k: str(v) for k, v in extra.items() if v is not None})
	return env


def syslog_env(capture, **extra):
	"""The helper's environment with tests/preload/syslog-capture.so recording its syslog
	lines into the file capture (an ASan helper needs its runtime first in LD_PRELOAD)."""
	out = subprocess.run(["ldd", build_path("aws-iam-provision")], capture_output=True,
	                     text=True).stdout
	asan = [ln.split("=>")[1].split()[0] for ln in out.splitlines() if "libasan" in ln]
	return clean_env(LD_PRELOAD=" ".join(asan + [build_path("tests/syslog-capture.so")]),
	                 PAI_SYSLOG_CAPTURE=capture, **extra)


def aws_cli_env(home, credentials_file=None, config_file=None, profile=None, **extra):
	"""Environment for /usr/bin/aws against the local endpoint: no proxy, no IMDS, no pager."""
	if config_file is None:
		config_file = os.path.join(str(home), ".aws-empty-config")
		if not os.path.exists(config_file):
			open(config_file, "w").close()
	return clean_env(HOME=home,
	                 AWS_SHARED_CREDENTIALS_FILE=credentials_file
	                 or os.path.join(str(home), ".aws", "credentials"),
	                 AWS_CONFIG_FILE=config_file, AWS_EC2_METADATA_DISABLED="true",
	                 AWS_PAGER="", AWS_PROFILE=profile, AWS_MAX_ATTEMPTS="1",
	                 AWS_RETRY_MODE="standard", **extra)


def run_aws(endpoint, args, home, credentials_file=None, profile=None, timeout=60, env=None):
	"""Runs `aws --endpoint-url URL --region R --output json ARGS`; returns CompletedProcess.
	.json() on the result parses stdout."""
	cmd = [AWS_CLI, "--endpoint-url", endpoint.url, "--region", endpoint.region,
	       "--output", "json"]
	if endpoint.url.startswith("https:") and endpoint.cert_file:
		cmd += ["--ca-bundle", endpoint.cert_file]
	cmd += list(args)
	e = env or aws_cli_env(home, credentials_file, profile=profile)
	p = subprocess.run(cmd, env=e, capture_output=True, text=True, timeout=timeout,
	                   stdin=subprocess.DEVNULL)
	p.json = lambda: json.loads(p.stdout)
	return p


class ControlError(Exception):
	def __init__(self, status, body):
		super().__init__("control API %d: %s" % (status, body))
		self.status = status
		self.body = body


class Endpoint:
	"""A running iam_endpoint.py process and its control API."""

	def __init__(self, proc, url, workdir, log_path):
		self.proc = proc
		self.url = url
		self.workdir = workdir
		self.log_path = log_path
		u = urllib.parse.urlsplit(url)
		self.host, self.port, self.scheme = u.hostname, u.port, u.scheme
		info = self._control("GET", "info")
		self.account = info["account"]
		self.partition = info["partition"]
		self.admin_key_id = info["admin_key_id"]
		self.admin_secret = info["admin_secret"]
		self.admin_user = info["admin_user"]
		self.admin_credentials_file = info.get("admin_credentials_file")
		self.cert_file = info.get("cert_file")
		self.region = {"aws": "us-east-1", "aws-cn": "cn-north-1",
		               "aws-us-gov": "us-gov-west-1"}[self.partition]
		# Secrets Manager's region (--region); IAM and STS are signed for self.region.
		self.service_region = info.get("region") or self.region

	# -- control API
	def _control(self, method, what, payload=None):
		if self.scheme == "https":
			conn = http.client.HTTPSConnection(self.host, self.port, timeout=30,
			                                   context=ssl._create_unverified_context())
		else:
			conn = http.client.HTTPConnection(self.host, self.port, timeout=30)
		try:
			body = json.dumps(payload).encode() if payload is not None else b""
			conn.request(method, "/_control/" + what, body=body,
			             headers={"Content-Type": "application/json"})
			r = conn.getresponse()
			data = r.read()
		finally:
			conn.close()
		if r.status != 200:
			raise ControlError(r.status, data.decode("utf-8", "replace"))
		return json.loads(data)

	def calls(self, service=None):
		"""Every recorded call (dicts: action, service, user, key_id, caller_key, status,
		error, fault, hostile, params, time, seq, conn = the TCP connection's number);
		IMDS calls have service "imds"."""
		c = self._control("GET", "calls")["calls"]
		return [x for x in c if service is None or x["service"] == service]

	def actions(self):
		"""Names of the recorded IAM/STS actions, in order (IMDS calls left out)."""
		return [c["action"] for c in self.calls() if c["service"] != "imds"]

	def clear_calls(self):
		self._control("POST", "calls/clear", {})

	def faults(self, **kw):
		"""throttle/error500/drop (fractions), throttle_code, latency_ms, seed, only_actions,
		count (then off), apply ("before": the action does not run; "after": it runs, then
		the fault replaces the reply). No arguments: faults off."""
		return self._control("POST", "faults", kw)

	def hostile(self, mode, count=1, actions=None, **opts):
		"""Next `count` replies (None: unlimited) matching `actions` are made hostile.
		mode=None clears. opts: execute (default True), size, interval_ms, max_hold_s, seed."""
		if mode is None:
			return self._control("POST", "hostile", {"clear": True})
		return self._control("POST", "hostile", dict(opts, mode=mode, count=count,
		                                               actions=actions))

	def deny(self, actions=None, principal=None, clear=False):
		"""AccessDenied for these actions (all when None) for principal (ARN or user name;
		everyone when None). clear=True removes every rule."""
		if clear:
			return self._control("POST", "deny", {})
		return self._control("POST", "deny", {"actions": actions, "principal": principal})

	def create_user(self, name, tags=None, path="/", groups=None, policies=None,
	                boundary=None, password=None):
		return self._control("POST", "users", {"name": name, "tags": tags or {}, "path": path,
		                                       "groups": groups, "policies": policies,
		                                       "boundary": boundary, "password": password})

	def delete_user(self, name):
		return self._control("POST", "users/delete", {"name": name})

	def create_key(self, user, status="Active", create_date=None, force=False):
		k = self._control("POST", "keys", {"user": user, "status": status,
		                                   "create_date": create_date, "force": force})
		return k["id"], k["secret"]

	def update_key(self, key_id, **kw):
		"""status, create_date (ISO), age_days, last_used {date, service, region}."""
		return self._control("POST", "keys/update", dict(kw, id=key_id))

	def create_group(self, name, path="/"):
		return self._control("POST", "groups", {"name": name, "path": path})

	def create_policy(self, name=None, arn=None, document=None):
		"""A customer managed policy; document (dict or JSON text) is what the endpoint
		reads for the revoke-older-sessions deny when the policy is attached to a user."""
		return self._control("POST", "policies", {"name": name, "arn": arn,
		                                          "document": document})["arn"]

	def create_role(self, name, max_session_s=None):
		"""A role every principal of the account may assume (AssumeRole); returns its ARN."""
		return self._control("POST", "roles", {"name": name,
		                                       "max_session_s": max_session_s})["arn"]

	def set_alias(self, name):
		return self._control("POST", "alias", {"alias": name})

	def set_password_policy(self, **policy):
		"""minimum_length, require_uppercase/lowercase/numbers/symbols; none = AWS default."""
		return self._control("POST", "password_policy", policy)

	def config(self, **kw):
		"""page_size (server-side page cap), clock_skew_s, new_key_delay_ms, list_lag_ms (a
		new key is missing from ListAccessKeys for that long, but works and counts)."""
		return self._control("POST", "config", kw)

	def imds(self, **kw):
		"""role, ttl_s, enabled, rotate, expire_now."""
		return self._control("POST", "imds", kw)

	def state(self):
		return self._control("GET", "state")

	# -- Secrets Manager, as an administrator sees it
	def secret(self, name):
		"""The secret (name or ARN) with every version: {"name", "arn", "kms_key_id",
		"deleted_date", "deletion_date", "versions": [{"id", "kind", "string", "binary"
		(hex), "stages", "created"}], ...}, or None."""
		s = self._control("POST", "secrets", {"name": name})
		return None if s.get("secret", True) is None else s

	def secrets(self):
		return self._control("POST", "secrets", {})["secrets"]

	def put_secret(self, name, value=None, binary_b64=None, token=None, stages=None,
	               kms_key_id=None, description=None, tags=None):
		"""Creates the secret if missing and stores value as a new version (PutSecretValue's
		rules: token idempotency, stages; default AWSCURRENT). Returns the secret; "put"
		holds the PutSecretValue reply."""
		return self._control("POST", "secrets/put", {
			"name": name, "value": value, "binary_b64": binary_b64, "token": token,
			"stages": stages, "kms_key_id": kms_key_id, "description": description,
			"tags": tags})

	def delete_secret(self, name, days=None, force=False):
		"""Schedules deletion in `days` (7-30, default 30), or deletes at once (force)."""
		return self._control("POST", "secrets/delete", {"name": name, "days": days,
		                                                 "force": force})

	def restore_secret(self, name):
		return self._control("POST", "secrets/restore", {"name": name})

	# -- STS sessions, the credentials clock, inline policies
	def sessions(self, user=None):
		"""GetSessionToken sessions: {"id", "user", "user_id", "arn", "source_key",
		"issued", "expires", "expired"} (epoch seconds on the credentials clock)."""
		return self._control("POST", "sessions", {"user": user})["sessions"]

	def expire_sessions(self, user=None, session_id=None):
		"""Ends sessions now (one, a user's, or all); returns how many."""
		return self._control("POST", "sessions/expire", {"user": user,
		                                                  "id": session_id})["expired"]

	def advance_clock(self, seconds=0, reset=False):
		"""Moves the credentials clock on (session/IMDS expiry, secrets' dates) without
		moving the clock signatures are checked against. Returns the offset in force."""
		return self._control("POST", "clock", {"advance_s": seconds,
		                                       "reset": reset})["advance_s"]

	def user_policies(self, user):
		"""A user's inline policies: {name: document text}."""
		return self._control("POST", "user_policies", {"user": user})["policies"]

	def user(self, name):
		"""The user's state dict (with "keys"), or None."""
		for u in self.state()["users"]:
			if u["name"].lower() == name.lower():
				return u
		return None

	def reset(self):
		return self._control("POST", "reset", {})

	# -- clients
	def botocore_client(self, service="iam", key_id=None, secret=None, token=None, **cfg):
		import botocore.config
		import botocore.session
		sess = botocore.session.Session()
		cfg.setdefault("retries", {"total_max_attempts": 1, "mode": "standard"})
		region = cfg.pop("region_name", None) or (
			self.service_region if service == "secretsmanager" else self.region)
		conf = botocore.config.Config(**cfg)
		return sess.create_client(service, region_name=region, endpoint_url=self.url,
		                          aws_access_key_id=key_id or self.admin_key_id,
		                          aws_secret_access_key=secret or self.admin_secret,
		                          aws_session_token=token,
		                          verify=self.cert_file if self.cert_file else True,
		                          config=conf)

	def stop(self):
		stop_process(self.proc)

	def log(self):
		try:
			with open(self.log_path, errors="replace") as f:
				return f.read()
		except OSError:
			return ""


def _die_with_parent():
	"""preexec_fn: the kernel sends SIGTERM to the child if pytest itself dies (even kill -9),
	so no endpoint outlives its test run."""
	import ctypes
	import signal
	PR_SET_PDEATHSIG = 1
	ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def stop_process(proc):
	"""Terminates and reaps proc; kills it when it does not stop in time."""
	if proc.poll() is None:
		proc.terminate()
		try:
			proc.wait(STOP_TIMEOUT_S)
		except subprocess.TimeoutExpired:
			proc.kill()
			proc.wait()
	if proc.stdout:
		proc.stdout.close()


def start_endpoint(workdir, tls=False, alias=None, account=None, partition=None,
                   verbose=False, region=None):
	"""Starts iam_endpoint.py writing its admin credentials into workdir; returns Endpoint.
	The caller must .stop() it (the fixtures do)."""
	os.makedirs(workdir, exist_ok=True)
	creds = os.path.join(workdir, "admin-credentials")
	log_path = os.path.join(workdir, "endpoint.log")
	cmd = [PYTHON, ENDPOINT_SCRIPT, "--port", "0", "--admin-credentials-file", creds]
	if tls:
		cmd.append("--tls-self-signed")
	if alias:
		cmd += ["--alias", alias]
	if account:
		cmd += ["--account", account]
	if partition:
		cmd += ["--partition", partition]
	if region:
		cmd += ["--region", region]
	if verbose:
		cmd.append("--verbose")
	env = clean_env(PYTHONDONTWRITEBYTECODE="1")
	with open(log_path, "wb") as log:
		proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
		                        stderr=log, env=env, cwd=workdir,
		                        preexec_fn=_die_with_parent)
	try:
		line = b""
		deadline = time.monotonic() + START_TIMEOUT_S
		while not line.endswith(b"\n"):
			left = deadline - time.monotonic()
			if left <= 0:
				raise RuntimeError("iam endpoint did not print its URL in %ds" % START_TIMEOUT_S)
			r, _, _ = select.select([proc.stdout], [], [], left)
			if r:
				b = os.read(proc.stdout.fileno(), 1)
				if not b:
					raise RuntimeError("iam endpoint exited (%s): %s" % (
						proc.wait(), open(log_path, errors="replace").read()[-2000:]))
				line += b
		url = line.decode().strip()
		ep = Endpoint(proc, url, workdir, log_path)
	except BaseException:
		stop_process(proc)
		raise
	return ep


def read_credentials(path, profile="default"):
	"""(key id, secret) of a profile in an AWS shared-credentials file."""
	cp = configparser.RawConfigParser()
	cp.read(path)
	return cp.get(profile, "aws_access_key_id"), cp.get(profile, "aws_secret_access_key")


SYSTEM_LOCK_PATH = os.path.join(tempfile.gettempdir(), "pam_aws_iam-tests-system.lock")
SYSTEM_LOCK_WAIT_S = 1200


@contextlib.contextmanager
def system_lock_held():
	"""Held while a test changes machine-wide things (/etc/security/pam_aws_iam.conf, the
	installed package, kernel.core_pattern): check.py runs test files in parallel, and two
	such files would overwrite each other's config. Waits up to SYSTEM_LOCK_WAIT_S."""
	fd = os.open(SYSTEM_LOCK_PATH, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
	try:
		end = time.monotonic() + SYSTEM_LOCK_WAIT_S
		while True:
			try:
				fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
				break
			except BlockingIOError:
				if time.monotonic() > end:
					pytest.fail("machine-wide test lock %s still busy after %d s" % (
						SYSTEM_LOCK_PATH, SYSTEM_LOCK_WAIT_S))
				time.sleep(0.2)
		yield
	finally:
		os.close(fd)


@contextlib.contextmanager
def netlib_installed():
	"""The build's pai-network.so at the path compiled into its helper (read from
	BUILD_DIR/pai-network.path), root:root 0644: a setuid copy of the helper loads its network
	half from there only. Whatever was there is put back, and directories made are removed.
	Root only; hold system_lock_held() around it."""
	with open(build_path("pai-network.path")) as f:
		path = f.read().strip()
	made, d = [], os.path.dirname(path)
	while not os.path.isdir(d):
		made.append(d)
		d = os.path.dirname(d)
	for d in reversed(made):
		os.mkdir(d)
		os.chmod(d, 0o755)
	saved = path + ".pai-test-saved"
	had = os.path.lexists(path)
	if had:
		os.rename(path, saved)
	try:
		tmp = path + ".pai-test-new"
		shutil.copyfile(build_path("pai-network.so"), tmp)
		os.chown(tmp, 0, 0)
		os.chmod(tmp, 0o644)
		os.rename(tmp, path)
		yield path
	finally:
		for f in (path, path + ".pai-test-new"):
			if os.path.lexists(f):
				os.unlink(f)
		if had:
			os.rename(saved, path)
		for d in made:
			os.rmdir(d)


# The helper under test, the login that runs it (whoever runs the tests: root in CI) and the
# host name the component tests pass to --host.
HELPER = build_path("aws-iam-provision")
LOGIN = pwd.getpwuid(os.getuid()).pw_name
HOST = "hosta"


class Helper:
	"""One person's view: config, state dir, home; run() invokes the helper.

	aws-iam-provision runs unprivileged against the local IAM endpoint, with its own config,
	state dir and home (--home, honoured only when the helper is not setuid). The login is
	whoever runs the tests (root in CI): the config sets min_uid = 0 and an empty exclude,
	and the real home is never touched."""

	def __init__(self, tmp_path, ep):
		self.ep = ep
		self.tmp = tmp_path
		self.home = make_tmp_home(tmp_path)
		self.state = str(tmp_path / "state")
		os.makedirs(self.state, mode=0o700, exist_ok=True)
		os.chmod(self.state, 0o700)
		self.conf = str(tmp_path / "pam_aws_iam.conf")
		self.cred_path = os.path.join(self.home, ".aws", "credentials")
		self.configure()

	def configure(self, aws=None, scope=None, user=None, keys=None, console=None):
		"""Writes the config; each argument is a dict of extra keys for that section."""
		sections = {
			"aws": {"endpoint": self.ep.url, "sts_endpoint": self.ep.url,
			        "credentials": self.ep.admin_credentials_file, "deadline": "30"},
			"scope": {"min_uid": "0", "exclude": ""},
			"user": {},
			# no rate limit: a non-root developer's test run makes many network runs of one
			# person (root, as in CI, is not limited anyway); tests that want one set it
			"keys": {"request_burst": "0"},
			"console": {},
			"state": {"dir": self.state},
		}
		for name, extra in (("aws", aws), ("scope", scope), ("user", user), ("keys", keys),
		                    ("console", console)):
			sections[name].update(extra or {})
		with open(self.conf, "w") as f:
			for name, kv in sections.items():
				f.write("[%s]\n" % name)
				for k, v in kv.items():
					f.write("%s = %s\n" % (k, v) if v != "" else "%s =\n" % k)
				f.write("\n")

	def argv(self, *args, host=HOST, home=None):
		a = [HELPER, "--config", self.conf, "--home", home or self.home]
		if host:
			a += ["--host", host]
		return a + list(args)

	def run(self, *args, host=HOST, home=None, timeout=60):
		p = subprocess.run(self.argv(*args, host=host, home=home), capture_output=True,
		                   text=True, timeout=timeout, stdin=subprocess.DEVNULL,
		                   env=clean_env())
		return p

	def credentials(self):
		try:
			with open(self.cred_path, "rb") as f:
				return f.read()
		except FileNotFoundError:
			return None

	def profile_key(self, profile="default"):
		cp = configparser.RawConfigParser()
		cp.read(self.cred_path)
		if not cp.has_section(profile) or not cp.has_option(profile, "aws_access_key_id"):
			return None
		return cp.get(profile, "aws_access_key_id")
