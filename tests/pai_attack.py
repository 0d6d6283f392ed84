# SPDX-License-Identifier: MIT
"""Helpers for the attack and load layers: a person (home seeded with other
profiles, state dir, config) running the helper unprivileged against the local endpoint, and
the checks every hostile run must pass (bounded, one-line error, no crash, no secret or local
file content in the output, the person's files intact).

A plain module: `import pai_attack` (tests/conftest.py puts tests/ on sys.path; so does
tests/bench/bench.py, which runs its Person in its burst benchmark).
"""
import configparser
import hashlib
import os
import signal
import subprocess
import time

import pai_testlib

from pai_testlib import HELPER, HOST, LEDGER_TAG, LOGIN, OWNER_TAG  # noqa: F401 (re-exported)
PROG = "aws-iam-provision: "
EXIT_OK, EXIT_AWS, EXIT_FILE, EXIT_REFUSED, EXIT_WARNING, EXIT_BUSY = 0, 5, 6, 7, 8, 9
MUTATING = pai_testlib.MUTATING

# A person's existing files: other profiles, a comment, CRLF, no final newline. The helper
# may add its managed profile on success; on any failure these bytes must stay as they are.
SEEDED_CREDENTIALS = (b"# my keys; do not lose them\n"
                      b"[work]\naws_access_key_id = AKIAWORKWORKWORK0000\n"
                      b"aws_secret_access_key = workSECRETworkSECRETworkSECRETworkSECRE\n\r\n"
                      b"[personal]\r\naws_access_key_id = AKIAPERSONALPERS0000\r\n"
                      b"aws_secret_access_key = persSECRETpersSECRETpersSECRETpersSECRE")
SEEDED_CONFIG = b"[profile work]\nregion = eu-west-1\n"
# First line of /etc/passwd and friends: must never show up in anything the helper prints.
LOCAL_FILE_MARKERS = ("root:x:0:0", "root:*:", "daemon:x:", "/bin/bash", "/usr/sbin/nologin")


def helper_built():
	return os.path.exists(HELPER)


def write_config(path, ep, state_dir, aws=None, scope=None, user=None, keys=None, url=None):
	"""The helper's config for the local endpoint; each dict adds or overrides keys."""
	sections = {
		"aws": {"endpoint": url or ep.url, "sts_endpoint": url or ep.url,
		        "credentials": ep.admin_credentials_file, "deadline": "30"},
		"scope": {"min_uid": "0", "exclude": ""},
		"user": dict(user or {}),
		"keys": dict({"request_burst": "0"}, **(keys or {})),  # a test's person runs often
		"state": {"dir": state_dir},
	}
	sections["aws"].update(aws or {})
	sections["scope"].update(scope or {})
	with open(path, "w") as f:
		for name, kv in sections.items():
			f.write("[%s]\n" % name)
			for k, v in kv.items():
				f.write("%s = %s\n" % (k, v) if v != "" else "%s =\n" % k)
			f.write("\n")


class Person:
	"""One person: home (seeded with other profiles), state dir, config; unprivileged runs."""

	def __init__(self, base, ep, name="p", seed=True):
		self.ep = ep
		self.base = str(base)
		self.home = os.path.join(self.base, name + "-home")
		os.makedirs(self.home, mode=0o700, exist_ok=True)
		self.aws_dir = os.path.join(self.home, ".aws")
		self.cred_path = os.path.join(self.aws_dir, "credentials")
		self.config_path = os.path.join(self.aws_dir, "config")
		self.state = os.path.join(self.base, name + "-state")
		os.makedirs(self.state, mode=0o700, exist_ok=True)
		os.chmod(self.state, 0o700)
		self.conf = os.path.join(self.base, name + ".conf")
		if seed:
			os.makedirs(self.aws_dir, mode=0o700, exist_ok=True)
			for path, data in ((self.cred_path, SEEDED_CREDENTIALS),
			                   (self.config_path, SEEDED_CONFIG)):
				fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
				os.write(fd, data)
				os.close(fd)
		self.configure()

	def configure(self, **kw):
		write_config(self.conf, self.ep, self.state, **kw)

	def argv(self, *args, host=HOST):
		return [HELPER, "--config", self.conf, "--home", self.home, "--host", host] + list(args)

	def run(self, *args, env=None, timeout=120):
		"""Runs the helper; returns CompletedProcess with .elapsed (seconds)."""
		t0 = time.monotonic()
		p = subprocess.run(self.argv(*args), capture_output=True, text=True,
		                   errors="backslashreplace", timeout=timeout,
		                   stdin=subprocess.DEVNULL, env=env or pai_testlib.clean_env())
		p.elapsed = time.monotonic() - t0
		return p

	def snapshot(self):
		"""{relative path: (mode, sha256 or symlink target)} of everything under the home."""
		return tree_snapshot(self.home)

	def profile_key(self, profile="default"):
		return profile_key(self.cred_path, profile)


def tree_snapshot(root):
	out = {}
	for d, dirs, files in os.walk(root):
		for n in dirs + files:
			p = os.path.join(d, n)
			st = os.lstat(p)
			rel = os.path.relpath(p, root)
			if os.path.islink(p):
				out[rel] = ("link", os.readlink(p))
			elif os.path.isfile(p):
				with open(p, "rb") as f:
					out[rel] = (st.st_mode, hashlib.sha256(f.read()).hexdigest())
			else:
				out[rel] = (st.st_mode, None)
	return out


def profile_key(cred_path, profile="default"):
	cp = configparser.RawConfigParser()
	try:
		with open(cred_path) as f:
			cp.read_string(f.read())
	except FileNotFoundError:
		return None
	if not cp.has_section(profile) or not cp.has_option(profile, "aws_access_key_id"):
		return None
	return cp.get(profile, "aws_access_key_id")


def all_secrets(ep):
	"""The admin secret and every secret the endpoint ever issued that still exists."""
	st = ep.state()
	out = {ep.admin_secret}
	for k in st["keys"]:
		out.add(k["secret"])
	if st.get("temp_credentials"):
		out.add(st["temp_credentials"]["secret"])
	return out


def check_clean_failure(p, ep, status=EXIT_AWS, deadline=None, slack=10.0, label=""):
	"""The run ended with `status`, within the deadline plus slack, without a signal, with
	one printable error line and no secret or local file content anywhere in its output."""
	out = p.stdout + p.stderr
	print("%s: exit %s in %.2f s; stderr: %s" % (label, p.returncode, p.elapsed,
	                                               p.stderr.strip()[:300]))
	assert p.returncode >= 0, "killed by signal %d" % -p.returncode
	assert p.returncode == status, out
	if deadline is not None:
		assert p.elapsed < deadline + slack, "ran %.1f s past a %d s deadline" % (
			p.elapsed, deadline)
	lines = p.stderr.splitlines()
	assert len(lines) == 1, "expected one error line, got %r" % lines
	assert lines[0].startswith(PROG), lines
	assert all(0x20 <= ord(ch) < 0x7f for ch in lines[0]), "unprintable: %r" % lines[0]
	assert len(lines[0]) <= 1024
	check_no_leak(out, ep)


def check_no_leak(out, ep):
	for s in all_secrets(ep):
		assert s not in out, "a secret was printed"
	for m in LOCAL_FILE_MARKERS:
		assert m not in out, "local file content printed: %r" % m
	assert "AKIAEVIL" not in out and "[evil]" not in out


def wait_all(procs, timeout):
	"""Waits for every Popen; kills (and reports) any still running after timeout."""
	end = time.monotonic() + timeout
	hung = []
	for p in procs:
		try:
			p.wait(max(0.1, end - time.monotonic()))
		except subprocess.TimeoutExpired:
			hung.append(p.pid)
			p.send_signal(signal.SIGKILL)
			p.wait()
	return hung




def fixture_person(tmp_path, ep):
	"""What the person fixtures return: a fresh endpoint state and a seeded person."""
	if not helper_built():
		import pytest
		pytest.skip("helper not built: %s" % HELPER)
	ep.reset()
	return Person(tmp_path, ep)
