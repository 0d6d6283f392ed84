# SPDX-License-Identifier: MIT
"""aws-iam-provision installed setuid to a dedicated system account, run by a throwaway login
account (root only: creates and removes real accounts). The login gets its key in its own
home, owned by it; it cannot act for another account, read the admin credentials, choose the
config or make the helper write through a symlink."""
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile

import pytest

from pai_testlib import HELPER, build_path, clean_env, netlib_installed

SYS_ACCOUNT = "_pai_test_helper"
LOGIN = "paitestuser"
# A caller cannot choose the config of a setuid helper, so the test config goes where the
# helper looks (the real one, if any, is put back at teardown).
SYSTEM_CONFIG = "/etc/security/pam_aws_iam.conf"
OTHER = "paitestother"

pytestmark = [
	pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates system and login accounts"),
	pytest.mark.skipif(not os.path.exists(HELPER), reason="helper not built"),
]


def sh(*argv):
	subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, capture_output=True)


def remove_accounts():
	for name in (LOGIN, OTHER):
		subprocess.run(["userdel", "-r", "-f", name], capture_output=True)
	subprocess.run(["userdel", "-f", SYS_ACCOUNT], capture_output=True)
	subprocess.run(["groupdel", SYS_ACCOUNT], capture_output=True)


class Setuid:
	def __init__(self, ep):
		self.ep = ep
		self.base = None
		self.saved = None
		self.conf = SYSTEM_CONFIG
		self.dropins = SYSTEM_CONFIG + ".d"
		self.saved_dropins = None
		self.wrote_conf = False
		self.installed = contextlib.ExitStack()

	def setup(self):
		ep = self.ep
		remove_accounts()
		sh("useradd", "--system", "--user-group", "--no-create-home", "--shell",
		   "/usr/sbin/nologin", SYS_ACCOUNT)
		sh("useradd", "-m", "-s", "/bin/sh", LOGIN)
		sh("useradd", "-m", "-s", "/bin/sh", OTHER)
		self.sys = pwd.getpwnam(SYS_ACCOUNT)
		self.user = pwd.getpwnam(LOGIN)
		self.other = pwd.getpwnam(OTHER)
		# the setuid copy loads its network half from the compiled-in path only
		self.installed.enter_context(netlib_installed())
		self.base = tempfile.mkdtemp(prefix="pai-setuid-", dir="/var/tmp")
		os.chmod(self.base, 0o755)
		self.helper = os.path.join(self.base, "aws-iam-provision")
		shutil.copy(HELPER, self.helper)
		os.chown(self.helper, self.sys.pw_uid, 0)
		os.chmod(self.helper, 0o4755)
		self.admin = os.path.join(self.base, "admin-credentials")
		shutil.copy(ep.admin_credentials_file, self.admin)
		os.chown(self.admin, self.sys.pw_uid, self.sys.pw_gid)
		os.chmod(self.admin, 0o600)
		self.state = os.path.join(self.base, "state")
		os.mkdir(self.state, 0o700)
		os.chown(self.state, self.sys.pw_uid, self.sys.pw_gid)
		if os.path.lexists(self.conf):
			self.saved = os.path.join(self.base, "saved.conf")
			shutil.copy2(self.conf, self.saved)
		if os.path.lexists(self.dropins):  # the real drop-ins, if any, wait aside
			self.saved_dropins = os.path.join(self.base, "saved.conf.d")
			os.rename(self.dropins, self.saved_dropins)
		os.makedirs(os.path.dirname(self.conf), exist_ok=True)
		self.wrote_conf = True
		with open(self.conf, "w") as f:
			f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\ncredentials = %s\ndeadline = 30\n"
			        "[state]\ndir = %s\n" % (ep.url, ep.url, self.admin, self.state))
		os.chown(self.conf, 0, 0)
		os.chmod(self.conf, 0o644)
		self.cred = os.path.join(self.user.pw_dir, ".aws", "credentials")

	def run_as(self, pw, *args, argv=None):
		cmd = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--init-groups",
		       "--"] + (argv or [self.helper] + list(args))
		return subprocess.run(cmd, capture_output=True, text=True, env=clean_env(),
		                      stdin=subprocess.DEVNULL, timeout=60, cwd="/")

	def close(self):
		if self.saved:
			shutil.copy2(self.saved, self.conf)
		elif self.wrote_conf and os.path.lexists(self.conf):
			os.unlink(self.conf)
		if os.path.islink(self.dropins) or os.path.isfile(self.dropins):
			os.unlink(self.dropins)
		elif os.path.lexists(self.dropins):
			shutil.rmtree(self.dropins)
		if self.saved_dropins:
			os.rename(self.saved_dropins, self.dropins)
		if self.base:
			shutil.rmtree(self.base, ignore_errors=True)
		self.installed.close()
		remove_accounts()


@pytest.fixture
def setuid(system_lock, iam_endpoint):
	s = Setuid(iam_endpoint)
	try:
		s.setup()
		probe = s.run_as(s.user, "--home", "/tmp", "--check-config")
		if probe.returncode != 7:
			pytest.skip("the setuid bit does not take effect here (nosuid mount?): %s"
			            % probe.stderr.strip())
		yield s
	finally:
		s.close()


def test_login_gets_its_key_in_its_own_home(setuid):
	p = setuid.run_as(setuid.user)
	assert p.returncode == 0, p.stderr
	st = os.stat(setuid.cred)
	assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == \
		(setuid.user.pw_uid, setuid.user.pw_gid, 0o600)
	d = os.stat(os.path.dirname(setuid.cred))
	assert d.st_uid == setuid.user.pw_uid and d.st_mode & 0o777 == 0o700
	u = setuid.ep.user(LOGIN)
	assert u and len(u["keys"]) == 1
	assert os.stat(os.path.join(setuid.state, "users", LOGIN)).st_uid == setuid.sys.pw_uid
	# the fast path, as the person, with no call
	setuid.ep.clear_calls()
	p = setuid.run_as(setuid.user)
	assert p.returncode == 0 and setuid.ep.actions() == []


def test_cannot_act_for_another_account(setuid):
	p = setuid.run_as(setuid.user, "--user", OTHER)
	assert p.returncode == 7
	assert setuid.ep.actions() == []
	assert not os.path.exists(os.path.join(setuid.other.pw_dir, ".aws"))
	# naming oneself is fine
	p = setuid.run_as(setuid.user, "--user", LOGIN)
	assert p.returncode == 0, p.stderr


def test_cannot_read_the_admin_credentials(setuid):
	p = setuid.run_as(setuid.user, argv=["cat", setuid.admin])
	assert p.returncode != 0
	p = setuid.run_as(setuid.user, "--status")
	assert setuid.ep.admin_secret not in p.stdout + p.stderr
	assert setuid.ep.admin_key_id not in p.stdout + p.stderr


def test_cannot_choose_the_config(setuid):
	mine = os.path.join(setuid.user.pw_dir, "evil.conf")
	with open(mine, "w") as f:
		f.write("[aws]\ncredentials = %s\n" % setuid.admin)
	os.chown(mine, setuid.user.pw_uid, setuid.user.pw_gid)
	p = subprocess.run(["setpriv", "--reuid=%d" % setuid.user.pw_uid,
	                    "--regid=%d" % setuid.user.pw_gid, "--init-groups", "--",
	                    setuid.helper, "--config", mine, "--check-config"],
	                   capture_output=True, text=True, env=clean_env(), cwd="/")
	assert p.returncode == 7
	assert setuid.ep.actions() == []


def test_an_unsafe_config_is_refused(setuid):
	os.chown(setuid.conf, setuid.user.pw_uid, 0)
	p = setuid.run_as(setuid.user, argv=[setuid.helper])
	assert p.returncode == 4
	os.chmod(setuid.conf, 0o666)
	os.chown(setuid.conf, 0, 0)
	p = setuid.run_as(setuid.user, argv=[setuid.helper])
	assert p.returncode == 4
	assert setuid.ep.actions() == []


def make_dropin(setuid, text, name="10-site.conf", mode=0o644):
	os.makedirs(setuid.dropins, exist_ok=True)
	os.chown(setuid.dropins, 0, 0)
	os.chmod(setuid.dropins, 0o755)
	path = os.path.join(setuid.dropins, name)
	with open(path, "w") as f:
		f.write(text)
	os.chown(path, 0, 0)
	os.chmod(path, mode)
	return path


def test_a_root_owned_dropin_is_read_by_the_setuid_helper(setuid):
	path = make_dropin(setuid, "[user]\ngroups = developers\ntags = site=yes\n")
	p = setuid.run_as(setuid.user, "--check-config")
	assert p.returncode == 0, p.stderr
	assert "# read: %s\n" % path in p.stdout
	assert "# drop-ins: %s/*.conf\n" % setuid.dropins in p.stdout
	p = setuid.run_as(setuid.user)
	assert p.returncode == 0, p.stderr
	u = setuid.ep.user(LOGIN)
	assert u["groups"] == ["developers"] and ["site", "yes"] in u["tags"]


@pytest.mark.parametrize("how", ["not-root-owned", "group-writable", "other-writable", "symlink",
                                 "directory-group-writable", "directory-not-root-owned",
                                 "directory-symlink"])
def test_an_unsafe_dropin_is_refused_like_the_main_file(setuid, how):
	uid = setuid.user.pw_uid
	path = make_dropin(setuid, "[aws]\ncredentials = %s\n" % setuid.admin)
	if how == "not-root-owned":
		os.chown(path, uid, 0)
	elif how == "group-writable":
		os.chmod(path, 0o664)
	elif how == "other-writable":
		os.chmod(path, 0o646)
	elif how == "symlink":  # a safe root-owned file, reached through a link
		real = os.path.join(setuid.base, "real.conf")
		shutil.move(path, real)
		os.symlink(real, path)
	elif how == "directory-group-writable":
		os.chmod(setuid.dropins, 0o775)
	elif how == "directory-not-root-owned":
		os.chown(setuid.dropins, uid, 0)
	elif how == "directory-symlink":
		real = os.path.join(setuid.base, "real.d")
		shutil.move(setuid.dropins, real)
		os.symlink(real, setuid.dropins)
	p = setuid.run_as(setuid.user)
	assert p.returncode == 4, (p.returncode, p.stdout, p.stderr)
	assert "refusing to run" in p.stderr or "symbolic link" in p.stderr, p.stderr
	assert setuid.ep.actions() == []
	assert not os.path.exists(setuid.cred)


@pytest.mark.parametrize("target", ["system", "other-user"])
def test_no_write_through_a_symlink(setuid, target):
	if target == "system":
		victim = os.path.join(setuid.base, "victim")
		with open(victim, "w") as f:
			f.write("root's file\n")
		os.chmod(victim, 0o644)
	else:
		d = os.path.join(setuid.other.pw_dir, ".aws")
		os.makedirs(d, mode=0o700)
		victim = os.path.join(d, "credentials")
		with open(victim, "w") as f:
			f.write("[default]\nregion = x\n")
		for pth in (d, victim):
			os.chown(pth, setuid.other.pw_uid, setuid.other.pw_gid)
		os.chmod(setuid.other.pw_dir, 0o755)
	before = open(victim, "rb").read()
	aws = os.path.dirname(setuid.cred)
	os.makedirs(aws, mode=0o700)
	os.chown(aws, setuid.user.pw_uid, setuid.user.pw_gid)
	os.symlink(victim, setuid.cred)
	os.lchown(setuid.cred, setuid.user.pw_uid, setuid.user.pw_gid)
	p = setuid.run_as(setuid.user)
	assert p.returncode == 6, p.stdout + p.stderr
	assert open(victim, "rb").read() == before
	assert os.path.islink(setuid.cred)
	assert "CreateAccessKey" not in setuid.ep.actions()


def test_root_may_act_for_an_account_and_writes_as_it(setuid):
	p = subprocess.run([setuid.helper, "--user", LOGIN], capture_output=True, text=True,
	                   env=clean_env(), stdin=subprocess.DEVNULL, timeout=60, cwd="/")
	assert p.returncode == 0, p.stderr
	st = os.stat(setuid.cred)
	assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == \
		(setuid.user.pw_uid, setuid.user.pw_gid, 0o600)
	assert os.stat(os.path.join(setuid.state, "users", LOGIN)).st_uid == setuid.sys.pw_uid


# A helper built to load its network half from this fixed directory only (Makefile:
# NETLIB_TEST_PATH), so that a test may make the library unsafe without touching an install.
NETLIB_TEST = build_path("tests/aws-iam-provision-netlibtest")
NETLIB_DIR = "/run/pai-netlib-test"


@pytest.mark.skipif(not os.path.exists(NETLIB_TEST), reason="make test-bins not run")
@pytest.mark.parametrize("how", ["safe", "group-writable", "other-writable", "not-root-owned",
                                 "directory-group-writable", "directory-not-root-owned",
                                 "symlink"])
def test_a_setuid_helper_loads_only_a_root_owned_network_library(setuid, how):
	lib = os.path.join(NETLIB_DIR, "pai-network.so")
	shutil.rmtree(NETLIB_DIR, ignore_errors=True)
	os.mkdir(NETLIB_DIR, 0o755)
	try:
		os.chmod(NETLIB_DIR, 0o755)
		real = lib
		if how == "symlink":  # a root-owned, safe library, but reached through a link
			real = os.path.join(NETLIB_DIR, "real.so")
			os.symlink(real, lib)
		shutil.copyfile(build_path("pai-network.so"), real)
		os.chmod(real, 0o644)
		uid = setuid.user.pw_uid
		{"group-writable": lambda: os.chmod(lib, 0o664),
		 "other-writable": lambda: os.chmod(lib, 0o646),
		 "not-root-owned": lambda: os.chown(lib, uid, 0),
		 "directory-group-writable": lambda: os.chmod(NETLIB_DIR, 0o775),
		 "directory-not-root-owned": lambda: os.chown(NETLIB_DIR, uid, 0),
		 }.get(how, lambda: None)()
		helper = os.path.join(setuid.base, "aws-iam-provision-netlibtest")
		shutil.copy(NETLIB_TEST, helper)
		os.chown(helper, setuid.sys.pw_uid, 0)
		os.chmod(helper, 0o4755)
		p = setuid.run_as(setuid.user, argv=[helper])
		if how == "safe":  # the control: this helper really loads from NETLIB_DIR
			assert p.returncode == 0, p.stderr
			assert os.path.exists(setuid.cred)
			return
		assert p.returncode == 4, (p.returncode, p.stderr)
		assert "refusing to load pai-network.so" in p.stderr or "symbolic link" in p.stderr \
			or "Too many levels" in p.stderr, p.stderr
		assert not os.path.exists(setuid.cred)
	finally:
		shutil.rmtree(NETLIB_DIR, ignore_errors=True)
