"""Fixtures for the helper's component tests: aws-iam-provision, unprivileged, against the
local IAM endpoint, with its own config, state dir and home (--home, honoured only when the
helper is not setuid). The login is whoever runs the tests (root in CI): tests set
min_uid = 0 and an empty exclude, and never touch the real home.
"""
import os
import pwd
import subprocess

import pytest

import importlib.util

# tests/conftest.py by path: "conftest" is this file's module name too.
_spec = importlib.util.spec_from_file_location(
	"pai_tests_conftest",
	os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conftest.py"))
top = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(top)
build_path, clean_env, make_tmp_home = top.build_path, top.clean_env, top.make_tmp_home
# Other tests in this directory do `from conftest import ...` and get this module (pytest
# imports each directory's conftest as "conftest"): re-export tests/conftest.py's helpers,
# not its fixtures (those are already registered from there).
for _name, _val in vars(top).items():
	if not _name.startswith("_") and _name not in globals() and \
			not hasattr(_val, "_pytestfixturefunction"):
		globals()[_name] = _val

HELPER = build_path("aws-iam-provision")
LOGIN = pwd.getpwuid(os.getuid()).pw_name
HOST = "hosta"


class Helper:
	"""One person's view: config, state dir, home; run() invokes the helper."""

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
		import configparser
		cp = configparser.RawConfigParser()
		cp.read(self.cred_path)
		if not cp.has_section(profile) or not cp.has_option(profile, "aws_access_key_id"):
			return None
		return cp.get(profile, "aws_access_key_id")


@pytest.fixture
def helper(tmp_path, iam_endpoint):
	if not os.path.exists(HELPER):
		pytest.skip("helper not built: %s" % HELPER)
	return Helper(tmp_path, iam_endpoint)
