# SPDX-License-Identifier: MIT
"""A throwaway login account attacks the installed setuid helper.

Installed like a real host: a system account owns a setuid (4755) copy of the helper, a
root-owned 0644 config (the compiled-in /etc/security/pam_aws_iam.conf: a caller cannot name
another one) points to a 0600 admin credentials file and a 0700 state dir owned by that
account. The login account runs the helper through setpriv with its own uid, gid and groups,
as it would from a shell. Each attack must be refused or harmless: nothing outside the home
touched, nothing lost inside it, no secret printed, no hang.

Root only (creates and removes real accounts, sets kernel.core_pattern for one test and puts
it back); skipped with the reason otherwise.
"""
import configparser
import contextlib
import fcntl
import json
import os
import pwd
import random
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import threading
import time

import pytest

import pai_attack as ac
from pai_testlib import PYTHON, build_path, clean_env, netlib_installed, system_lock_held

SYS_ACCOUNT = "_paitest_helper"
LOGIN = "paitestatk"
OTHER = "paitestoth"
ADMIN_LOGIN = "administrator"  # IAM names are case-insensitive: this is IAM's "Administrator"
SYSTEM_CONFIG = "/etc/security/pam_aws_iam.conf"
CORE_PATTERN = "/proc/sys/kernel/core_pattern"
HOST_DEADLINE = 10
RUN_TIMEOUT = 60
OTHER_SECRET = "otherSECRETotherSECRETotherSECRETotherSEC"
SHADOW_LINE = "root:$6$notreal$abcdefghijklmnop:19000:0:99999:7:::\n"

pytestmark = [
	pytest.mark.skipif(os.geteuid() != 0, reason="needs root: creates a system account, a "
	                   "setuid helper and throwaway login accounts"),
	pytest.mark.skipif(not ac.helper_built(), reason="helper not built: %s" % ac.HELPER),
]


def sh(*argv):
	subprocess.run(argv, check=True, stdin=subprocess.DEVNULL, capture_output=True)


def account_cmd(*argv, want_exists):
	"""useradd/userdel, retried while another process holds /etc/passwd's lock (other test
	files create accounts in parallel), until the account exists or is gone as wanted."""
	name = argv[-1]
	for _ in range(50):
		p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
		if _exists(name) == want_exists:
			return
		time.sleep(0.2)
	raise RuntimeError("%s: %s" % (" ".join(argv), p.stderr.strip()))


def remove_accounts():
	for name in (LOGIN, OTHER, ADMIN_LOGIN, SYS_ACCOUNT):
		if _exists(name):
			account_cmd("userdel", "-r", "-f", name, want_exists=False)
	subprocess.run(["groupdel", SYS_ACCOUNT], capture_output=True)


def _exists(name):
	try:
		pwd.getpwnam(name)
		return True
	except KeyError:
		return False


def file_facts(path):
	"""What must not change about a file outside the home: bytes, owner, mode, mtime."""
	st = os.lstat(path)
	data = None
	if stat.S_ISREG(st.st_mode):
		with open(path, "rb") as f:
			data = f.read()
	return (data, st.st_uid, st.st_gid, st.st_mode, st.st_mtime_ns, st.st_nlink)


class Install:
	"""The installed helper, its accounts and the attacker's home; reset() between tests."""

	def __init__(self, ep):
		self.ep = ep
		self.base = None
		self.saved_conf = None
		self.wrote_conf = False
		self.installed = contextlib.ExitStack()

	def setup(self):
		if _exists(ADMIN_LOGIN):
			pytest.skip("an account named %s exists on this machine" % ADMIN_LOGIN)
		remove_accounts()
		account_cmd("useradd", "--system", "--user-group", "--no-create-home", "--shell",
		            "/usr/sbin/nologin", SYS_ACCOUNT, want_exists=True)
		for name in (LOGIN, OTHER, ADMIN_LOGIN):
			account_cmd("useradd", "-m", "-s", "/bin/sh", name, want_exists=True)
		self.sys = pwd.getpwnam(SYS_ACCOUNT)
		self.user = pwd.getpwnam(LOGIN)
		self.other = pwd.getpwnam(OTHER)
		self.admin_login = pwd.getpwnam(ADMIN_LOGIN)
		# a setuid copy loads its network half (if the build splits one off) from the
		# compiled-in path only
		if os.path.exists(build_path("pai-network.path")):
			self.installed.enter_context(netlib_installed())
		self.base = tempfile.mkdtemp(prefix="pai-attack-", dir="/var/tmp")
		os.chmod(self.base, 0o755)
		self.helper = os.path.join(self.base, "aws-iam-provision")
		shutil.copy(ac.HELPER, self.helper)
		os.chown(self.helper, self.sys.pw_uid, 0)
		os.chmod(self.helper, 0o4755)
		self.admin = os.path.join(self.base, "admin-credentials")
		shutil.copy(self.ep.admin_credentials_file, self.admin)
		os.chown(self.admin, self.sys.pw_uid, self.sys.pw_gid)
		os.chmod(self.admin, 0o600)
		self.state = os.path.join(self.base, "state")
		os.mkdir(self.state, 0o700)
		os.chown(self.state, self.sys.pw_uid, self.sys.pw_gid)
		# a world-writable sticky dir outside every home (like /tmp)
		self.pub = os.path.join(self.base, "pub")
		os.mkdir(self.pub)
		os.chmod(self.pub, 0o1777)
		if os.path.lexists(SYSTEM_CONFIG):
			self.saved_conf = os.path.join(self.base, "saved.conf")
			shutil.copy2(SYSTEM_CONFIG, self.saved_conf)
		os.makedirs(os.path.dirname(SYSTEM_CONFIG), exist_ok=True)
		self.wrote_conf = True
		self.configure()

	def configure(self, url=None, **sections):
		"""Rewrites the system config (root 0644); sections: dicts of extra keys."""
		cfg = {"aws": {"endpoint": url or self.ep.url, "sts_endpoint": url or self.ep.url,
		               "credentials": self.admin, "deadline": str(HOST_DEADLINE),
		               "connect_timeout": "2"},
		       # a test's person runs many times: no rate limit unless a test sets one
		       "keys": {"request_burst": "0"}, "state": {"dir": self.state}}
		for k, v in sections.items():
			cfg.setdefault(k, {}).update(v)
		tmp = SYSTEM_CONFIG + ".pai-test"
		with open(tmp, "w") as f:
			for name, kv in cfg.items():
				f.write("[%s]\n" % name)
				for k, v in kv.items():
					f.write("%s = %s\n" % (k, v))
		os.chown(tmp, 0, 0)
		os.chmod(tmp, 0o644)
		os.rename(tmp, SYSTEM_CONFIG)

	def reset(self):
		"""Fresh endpoint state, empty state dir, the attacker's home seeded again, victims."""
		self.ep.faults()
		self.ep.hostile(None)
		self.ep.reset()
		self.configure()
		for n in os.listdir(self.state):
			p = os.path.join(self.state, n)
			shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
		for n in os.listdir(self.pub):
			p = os.path.join(self.pub, n)
			shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
		for pw in (self.user, self.other):
			for n in os.listdir(pw.pw_dir):
				p = os.path.join(pw.pw_dir, n)
				shutil.rmtree(p) if os.path.isdir(p) and not os.path.islink(p) else os.unlink(p)
		self.aws = os.path.join(self.user.pw_dir, ".aws")
		self.cred = os.path.join(self.aws, "credentials")
		self.seed_home()
		# victims: a root file like /etc/shadow, another person's credentials (readable, to
		# see that their content is never printed), a file of the helper's own account
		self.shadow = os.path.join(self.base, "shadow")
		with open(self.shadow, "w") as f:
			f.write(SHADOW_LINE)
		os.chmod(self.shadow, 0o640)
		os.chmod(self.other.pw_dir, 0o755)
		od = os.path.join(self.other.pw_dir, ".aws")
		os.mkdir(od, 0o755)
		self.other_cred = os.path.join(od, "credentials")
		with open(self.other_cred, "w") as f:
			f.write("[default]\naws_access_key_id = AKIAOTHEROTHEROTHER0\n"
			        "aws_secret_access_key = %s\n" % OTHER_SECRET)
		os.chmod(self.other_cred, 0o644)
		for p in (od, self.other_cred):
			os.chown(p, self.other.pw_uid, self.other.pw_gid)
		self.sysfile = os.path.join(self.state, "sysfile")
		with open(self.sysfile, "w") as f:
			f.write("helper account's file\n")
		os.chown(self.sysfile, self.sys.pw_uid, self.sys.pw_gid)
		os.chmod(self.sysfile, 0o600)
		self.outside_before = self.outside()

	def seed_home(self):
		os.mkdir(self.aws, 0o700)
		with open(self.cred, "wb") as f:
			f.write(ac.SEEDED_CREDENTIALS)
		os.chmod(self.cred, 0o600)
		for p in (self.aws, self.cred):
			os.chown(p, self.user.pw_uid, self.user.pw_gid)

	def outside(self):
		"""Everything outside the attacker's home that an attack could aim at."""
		out = {}
		for root in (self.base, self.other.pw_dir, self.admin_login.pw_dir):
			for d, dirs, files in os.walk(root):
				dirs[:] = [x for x in dirs if os.path.join(d, x) != self.state]
				for n in files + dirs:
					p = os.path.join(d, n)
					if os.path.islink(p) or os.path.isfile(p):
						out[p] = file_facts(p)
					else:
						out[p] = "dir"
		out[self.admin] = file_facts(self.admin)
		out[self.sysfile] = file_facts(self.sysfile)
		out[SYSTEM_CONFIG] = file_facts(SYSTEM_CONFIG)
		return out

	def assert_outside_untouched(self):
		now = self.outside()
		changed = sorted(p for p in set(now) | set(self.outside_before)
		                 if now.get(p) != self.outside_before.get(p))
		assert changed == [], "touched outside the home: %s" % changed

	def as_user_argv(self, argv, pw=None):
		pw = pw or self.user
		return ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid,
		        "--init-groups", "--"] + list(argv)

	def run(self, *args, pw=None, env=None, argv=None, cwd="/", timeout=RUN_TIMEOUT):
		"""The helper (or argv) as the login account; CompletedProcess with .elapsed."""
		t0 = time.monotonic()
		p = subprocess.run(self.as_user_argv(argv or [self.helper] + list(args), pw),
		                   capture_output=True, text=True, errors="backslashreplace",
		                   env=env or clean_env(), stdin=subprocess.DEVNULL,
		                   timeout=timeout, cwd=cwd)
		p.elapsed = time.monotonic() - t0
		print("%s: exit %d in %.2f s: %s" % (" ".join(args) or "login", p.returncode,
		                                      p.elapsed, p.stderr.strip()[:300]))
		return p

	def popen(self, *args, env=None, argv=None, cwd="/"):
		return subprocess.Popen(self.as_user_argv(argv or [self.helper] + list(args)),
		                        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
		                        stdin=subprocess.DEVNULL, env=env or clean_env(), cwd=cwd)

	def check_output_clean(self, p):
		out = p.stdout + p.stderr
		ac.check_no_leak(out, self.ep)
		assert OTHER_SECRET not in out and "$6$" not in out
		with open(self.admin) as f:
			for line in f:
				if "secret" in line:
					assert line.split("=", 1)[1].strip() not in out

	def assert_seed_kept(self):
		"""The person's other profiles are still there, byte for byte, in a whole file."""
		with open(self.cred, "rb") as f:
			data = f.read()
		assert data.startswith(ac.SEEDED_CREDENTIALS), data[:200]
		cp = configparser.RawConfigParser()
		cp.read_string(data.decode())
		return cp

	def close(self):
		if self.saved_conf:
			shutil.copy2(self.saved_conf, SYSTEM_CONFIG)
		elif self.wrote_conf and os.path.lexists(SYSTEM_CONFIG):
			os.unlink(SYSTEM_CONFIG)
		if self.base:
			shutil.rmtree(self.base, ignore_errors=True)
		self.installed.close()
		remove_accounts()


@pytest.fixture(scope="module")
def installed(module_endpoint):
	# the system config and kernel.core_pattern are the machine's: one test file at a time
	with system_lock_held():
		inst = Install(module_endpoint)
		try:
			inst.setup()
			inst.reset()
			probe = inst.run("--home", "/tmp", "--check-config")
			if probe.returncode != ac.EXIT_REFUSED:
				pytest.skip("the setuid bit does not take effect here (nosuid mount?): %s"
				            % probe.stderr.strip())
			yield inst
		finally:
			inst.close()


@pytest.fixture
def box(installed):
	installed.reset()
	return installed


def test_the_install_works_for_the_login(box):
	"""The baseline every attack is measured against: a plain login gets its key."""
	p = box.run()
	assert p.returncode == ac.EXIT_OK, p.stderr
	cp = box.assert_seed_kept()
	kid = cp.get("default", "aws_access_key_id")
	assert kid in [k["id"] for k in box.ep.user(LOGIN)["keys"]]
	st = os.stat(box.cred)
	assert (st.st_uid, st.st_mode & 0o777) == (box.user.pw_uid, 0o600)
	box.check_output_clean(p)
	box.assert_outside_untouched()


# ---------------------------------------------------------------- the file and its directory

CRED_TARGETS = ["root-shadow-like", "other-persons-credentials", "helper-account-file",
                "admin-credentials", "dangling-in-sticky-dir"]


def cred_target(box, which):
	return {"root-shadow-like": box.shadow, "other-persons-credentials": box.other_cred,
	        "helper-account-file": box.sysfile, "admin-credentials": box.admin,
	        "dangling-in-sticky-dir": os.path.join(box.pub, "planted")}[which]


@pytest.mark.parametrize("which", CRED_TARGETS)
def test_credentials_symlink_is_refused(box, which):
	target = cred_target(box, which)
	os.unlink(box.cred)
	os.symlink(target, box.cred)
	os.lchown(box.cred, box.user.pw_uid, box.user.pw_gid)
	p = box.run()
	assert p.returncode == ac.EXIT_FILE, p.stdout + p.stderr
	assert len(p.stderr.splitlines()) == 1
	assert os.readlink(box.cred) == target
	assert "CreateAccessKey" not in box.ep.actions()
	box.check_output_clean(p)
	box.assert_outside_untouched()


AWS_DIR_TARGETS = ["other-persons-aws-dir", "sticky-world-writable-dir", "helper-state-dir",
                   "root-dir"]


@pytest.mark.parametrize("which", AWS_DIR_TARGETS)
def test_aws_dir_symlink_is_refused(box, which):
	target = {"other-persons-aws-dir": os.path.dirname(box.other_cred),
	          "sticky-world-writable-dir": box.pub, "helper-state-dir": box.state,
	          "root-dir": box.base}[which]
	shutil.rmtree(box.aws)
	os.symlink(target, box.aws)
	os.lchown(box.aws, box.user.pw_uid, box.user.pw_gid)
	p = box.run()
	assert p.returncode == ac.EXIT_FILE, p.stdout + p.stderr
	assert os.readlink(box.aws) == target
	assert "CreateAccessKey" not in box.ep.actions()
	assert not {"credentials", "config"} & set(os.listdir(box.state))
	box.check_output_clean(p)
	box.assert_outside_untouched()


@pytest.mark.parametrize("what", ["credentials-fifo", "credentials-dir", "aws-dir-fifo",
                                  "aws-dir-regular-file", "credentials-hardlink-to-root-file"])
def test_fifo_directory_or_foreign_file_in_place_is_refused_without_hanging(box, what):
	if what == "credentials-fifo":
		os.unlink(box.cred)
		os.mkfifo(box.cred, 0o600)
	elif what == "credentials-dir":
		os.unlink(box.cred)
		os.mkdir(box.cred, 0o700)
	elif what == "aws-dir-fifo":
		shutil.rmtree(box.aws)
		os.mkfifo(box.aws, 0o600)
	elif what == "aws-dir-regular-file":
		shutil.rmtree(box.aws)
		with open(box.aws, "w") as f:
			f.write("not a directory\n")
	else:
		# what fs.protected_hardlinks=0 would let the person do: a hard link to root's file
		os.unlink(box.cred)
		os.link(box.shadow, box.cred)
	for p in (box.aws, box.cred):
		if os.path.lexists(p) and not (what.endswith("hardlink-to-root-file") and p == box.cred):
			os.lchown(p, box.user.pw_uid, box.user.pw_gid)
	box.outside_before = box.outside()
	p = box.run(timeout=HOST_DEADLINE + 20)
	assert p.returncode == ac.EXIT_FILE, p.stdout + p.stderr
	assert p.elapsed < HOST_DEADLINE + 10
	assert len(p.stderr.splitlines()) == 1
	assert "CreateAccessKey" not in box.ep.actions()
	box.check_output_clean(p)
	box.assert_outside_untouched()


RACER = r"""
import os, signal, sys, time
aws, pub = sys.argv[1], sys.argv[2]
home = os.path.dirname(aws)
cred = os.path.join(aws, "credentials")
park_file = os.path.join(aws, "parked")
evil = os.path.join(aws, "evil")
park_dir = os.path.join(home, ".aws-parked")
evil_dir = os.path.join(home, ".aws-evil")
stop = []
signal.signal(signal.SIGTERM, lambda s, f: stop.append(1))
n = 0
while not stop:
	try:
		if n % 2 == 0:      # swap the credentials file for a symlink, and back
			os.rename(cred, park_file); os.rename(evil, cred)
			os.rename(cred, evil); os.rename(park_file, cred)
		else:               # swap ~/.aws itself for a symlink to the sticky dir, and back
			os.rename(aws, park_dir); os.rename(evil_dir, aws)
			os.rename(aws, evil_dir); os.rename(park_dir, aws)
	except OSError:
		pass
	n += 1
print(n)
"""


def test_symlink_swapped_in_a_loop_while_the_helper_writes(box):
	"""A racer (the login account) swaps ~/.aws/credentials and ~/.aws with symlinks to
	files outside the home as fast as it can while the helper rotates the key again and
	again: never a write outside the home, never a hang, never a crash, every file it left
	in the home whole. (The racer may well shuffle the person's own files around: that is
	the person's business, not an escalation.)"""
	box.configure(keys={"on_limit": "replace-oldest-managed"})
	assert box.run().returncode == ac.EXIT_OK
	victim_user = os.path.join(box.pub, "victim-owned-by-the-person")
	with open(victim_user, "w") as f:
		f.write("the person's own file outside the home\n")
	os.chown(victim_user, box.user.pw_uid, box.user.pw_gid)
	evil = os.path.join(box.aws, "evil")
	os.symlink(victim_user, evil)
	evil_dir = os.path.join(box.user.pw_dir, ".aws-evil")
	os.symlink(box.pub, evil_dir)
	for p in (evil, evil_dir):
		os.lchown(p, box.user.pw_uid, box.user.pw_gid)
	box.outside_before = box.outside()
	racer = subprocess.Popen(box.as_user_argv([PYTHON, "-c", RACER, box.aws, box.pub]),
	                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
	                         stdin=subprocess.DEVNULL, env=clean_env())
	results = {}
	try:
		time.sleep(0.3)
		for _ in range(20):
			p = box.run("--rotate", timeout=HOST_DEADLINE + 30)
			assert p.returncode >= 0, "killed by signal %d" % -p.returncode
			assert p.returncode in (ac.EXIT_OK, ac.EXIT_FILE), p.stdout + p.stderr
			assert p.elapsed < HOST_DEADLINE + 10
			box.check_output_clean(p)
			results[p.returncode] = results.get(p.returncode, 0) + 1
	finally:
		racer.send_signal(signal.SIGTERM)
		try:
			out, _ = racer.communicate(timeout=10)
		except subprocess.TimeoutExpired:
			racer.kill()
			out, _ = racer.communicate()
	print("racer swaps: %s; helper runs by exit status: %s" % (out.decode().strip() or "?",
	                                                           results))
	box.assert_outside_untouched()
	assert sorted(os.listdir(box.pub)) == ["victim-owned-by-the-person"]
	seeded = 0
	for d, _, files in os.walk(box.user.pw_dir):
		for n in files:
			path = os.path.join(d, n)
			if os.path.islink(path) or not os.path.isfile(path) or "/.aws" not in path:
				continue
			st = os.lstat(path)
			assert st.st_uid == box.user.pw_uid and st.st_mode & 0o077 == 0, path
			with open(path, "rb") as f:
				data = f.read()
			if n.startswith(".") or ".tmp" in n:
				continue  # a temp file of a run killed mid-write (none here: no kill)
			cp = configparser.RawConfigParser()
			cp.read_string(data.decode())
			# whole: the seeded file (perhaps with the managed profile), or one the helper
			# made when the racer had moved the person's file out of its way
			if data.startswith(ac.SEEDED_CREDENTIALS):
				seeded += 1
			else:
				assert cp.sections() == ["default"], (path, data[:100])
			if cp.has_section("default"):
				assert cp.get("default", "aws_access_key_id") and \
					cp.get("default", "aws_secret_access_key"), path
	# Not asserted: a racer that moves the person's own file away between the helper's read
	# and its rename can make the helper replace it with the copy it read (no inode check
	# before renameat in safefile.c): the person racing themselves, reported as a note.
	print("whole files holding the person's other profiles after the race: %d" % seeded)
	# the person tidies up; the next login works at once (no stray lock)
	for n in (".aws", ".aws-evil", ".aws-parked"):
		p = os.path.join(box.user.pw_dir, n)
		if os.path.islink(p) or os.path.isfile(p):
			os.unlink(p)
		elif os.path.isdir(p):
			shutil.rmtree(p)
	box.seed_home()
	p = box.run()
	assert p.returncode == ac.EXIT_OK, p.stderr
	box.assert_seed_kept()


# ---------------------------------------------------------------- the caller's environment

PRELOAD_C = r"""
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void)
{
	char exe[512], path[1024];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	const char *b;
	int fd;

	if (n < 0)
		return;
	exe[n] = '\0';
	b = strrchr(exe, '/');
	snprintf(path, sizeof(path), "%s/loaded-in-%s", MARKDIR, b ? b + 1 : exe);
	fd = open(path, O_WRONLY | O_CREAT, 0666);
	if (fd >= 0)
		close(fd);
}
"""


def test_ld_preload_is_not_loaded(box):
	src = os.path.join(box.base, "preload.c")
	lib = os.path.join(box.base, "preload.so")
	with open(src, "w") as f:
		f.write(PRELOAD_C)
	sh("cc", "-shared", "-fPIC", "-o", lib, src, '-DMARKDIR="%s"' % box.pub)
	os.chmod(lib, 0o755)
	box.outside_before = box.outside()
	env = clean_env(LD_PRELOAD=lib, LD_LIBRARY_PATH=box.pub)
	# env(1) is an ordinary program: it loads the library (the control); the setuid helper
	# it then executes must not
	p = box.run(argv=["env", "LD_PRELOAD=" + lib, box.helper], env=env)
	assert p.returncode == ac.EXIT_OK, p.stderr
	marks = sorted(n for n in os.listdir(box.pub) if n.startswith("loaded-in-"))
	print("markers:", marks)
	assert "loaded-in-env" in marks, "control failed: the library never loads"
	assert "loaded-in-aws-iam-provision" not in marks


class ConnectionRecorder:
	"""A TCP listener on loopback that counts the connections it receives."""

	def __init__(self):
		self.sock = socket.socket()
		self.sock.bind(("127.0.0.1", 0))
		self.sock.listen(16)
		self.sock.settimeout(0.2)
		self.port = self.sock.getsockname()[1]
		self.count = 0
		self.stop = False
		self.t = threading.Thread(target=self.loop, daemon=True)
		self.t.start()

	def loop(self):
		while not self.stop:
			try:
				c, _ = self.sock.accept()
			except socket.timeout:
				continue
			except OSError:
				return
			self.count += 1
			c.close()

	def close(self):
		self.stop = True
		self.t.join(2)
		self.sock.close()


def test_proxy_variables_are_ignored(box):
	rec = ConnectionRecorder()
	try:
		proxy = "http://127.0.0.1:%d" % rec.port
		env = clean_env(http_proxy=proxy, https_proxy=proxy, HTTP_PROXY=proxy,
		                HTTPS_PROXY=proxy, ALL_PROXY=proxy, all_proxy=proxy)
		# control: libcurl (the curl tool) does use such a proxy
		c = subprocess.run(["curl", "-s", "-m", "3", "-o", "/dev/null",
		                    box.ep.url + "/_control/health"], env=env,
		                   stdin=subprocess.DEVNULL, capture_output=True)
		control = rec.count
		p = box.run(env=env)
		print("proxy connections: curl %d, helper %d" % (control, rec.count - control))
		assert control >= 1, "control failed: curl did not use the proxy (%d)" % c.returncode
		assert p.returncode == ac.EXIT_OK, p.stderr
		assert rec.count == control, "the helper connected to the caller's proxy"
		assert "GetUser" in box.ep.actions()
	finally:
		rec.close()


def test_home_and_aws_variables_are_ignored(box):
	fake_home = os.path.join(box.pub, "fake-home")
	os.mkdir(fake_home, 0o700)
	os.chown(fake_home, box.user.pw_uid, box.user.pw_gid)
	box.outside_before = box.outside()
	env = clean_env(HOME=fake_home, USER=OTHER, LOGNAME=OTHER,
	                AWS_SHARED_CREDENTIALS_FILE=os.path.join(box.pub, "creds"),
	                AWS_CONFIG_FILE=os.path.join(box.pub, "config"),
	                AWS_ACCESS_KEY_ID="AKIAENVENVENVENV0000",
	                AWS_SECRET_ACCESS_KEY="envSECRETenvSECRETenvSECRETenvSECRETenvS",
	                AWS_PROFILE="evil", AWS_DEFAULT_PROFILE="evil",
	                AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_CA_BUNDLE="/dev/null",
	                AWS_EC2_METADATA_SERVICE_ENDPOINT="http://127.0.0.1:9",
	                TZ="../../../../%s/tz" % box.pub, LOCALDOMAIN="evil",
	                HOSTALIASES=os.path.join(box.pub, "hosts"))
	p = box.run(env=env)
	assert p.returncode == ac.EXIT_OK, p.stderr
	assert os.listdir(fake_home) == []
	box.assert_outside_untouched()
	cp = box.assert_seed_kept()
	assert cp.get("default", "aws_access_key_id") in [k["id"] for k in
	                                                   box.ep.user(LOGIN)["keys"]]
	callers = {c["caller_key"] for c in box.ep.calls()}
	assert callers == {box.ep.admin_key_id}, callers
	assert box.ep.user(OTHER) is None


def test_tls_variables_are_ignored(box, iam_endpoint_factory):
	"""CURL_CA_BUNDLE / SSL_CERT_FILE / SSL_CERT_DIR naming the untrusted endpoint's own
	certificate do not make it trusted, and SSLKEYLOGFILE gets no TLS secrets."""
	tls = iam_endpoint_factory(tls=True)
	keylog = os.path.join(box.pub, "keylog")
	ctl_log = os.path.join(box.pub, "control-keylog")
	env = clean_env(CURL_CA_BUNDLE=tls.cert_file, SSL_CERT_FILE=tls.cert_file,
	                SSL_CERT_DIR=os.path.dirname(tls.cert_file), SSLKEYLOGFILE=keylog)
	# control: libcurl honours SSLKEYLOGFILE (the curl tool, same library)
	subprocess.run(["curl", "-s", "-k", "-m", "5", "-o", "/dev/null", tls.url + "/"],
	               env=dict(env, SSLKEYLOGFILE=ctl_log), stdin=subprocess.DEVNULL,
	               capture_output=True)
	control = os.path.exists(ctl_log)
	if control:
		os.unlink(ctl_log)
	tls.clear_calls()
	box.configure(url=tls.url)
	box.outside_before = box.outside()
	os.chmod(tls.cert_file, 0o644)
	os.chmod(os.path.dirname(tls.cert_file), 0o755)
	p = box.run(env=env)
	print("keylog control (curl wrote one): %s" % control)
	assert p.returncode == ac.EXIT_AWS, p.stdout + p.stderr
	assert tls.actions() == []
	assert not os.path.exists(keylog)
	box.assert_outside_untouched()


# ---------------------------------------------------------------- arguments

ABUSE = [
	["--user", OTHER], ["--user", "root"], ["--user", SYS_ACCOUNT], ["--user", "0"],
	["--user", "../../etc/passwd"], ["--user", OTHER, "--status"], ["--user", OTHER, "--revoke"],
	["--config", "USERCONF"], ["--config", SYSTEM_CONFIG], ["--config", "/proc/self/environ"],
	["--config", "USERCONF", "--check-config"], ["--home", "/tmp"],
	["--home", "OTHERHOME"], ["--host", "otherhost"],
]


@pytest.mark.parametrize("args", ABUSE, ids=lambda a: " ".join(a).replace("/", "_"))
def test_user_and_config_abuse_is_refused(box, args):
	mine = os.path.join(box.user.pw_dir, "evil.conf")
	with open(mine, "w") as f:
		f.write("[aws]\ncredentials = %s\nendpoint = http://127.0.0.1:9\n[state]\ndir = %s\n"
		        % (box.admin, box.pub))
	os.chown(mine, box.user.pw_uid, box.user.pw_gid)
	args = [{"USERCONF": mine, "OTHERHOME": box.other.pw_dir}.get(a, a) for a in args]
	other_before = ac.tree_snapshot(box.other.pw_dir)
	p = box.run(*args)
	assert p.returncode == ac.EXIT_REFUSED, p.stdout + p.stderr
	assert len(p.stderr.splitlines()) == 1
	assert box.ep.actions() == []
	assert ac.tree_snapshot(box.other.pw_dir) == other_before
	box.check_output_clean(p)
	box.assert_outside_untouched()
	assert box.ep.user(OTHER) is None and box.ep.user("root") is None


def test_naming_oneself_is_fine(box):
	p = box.run("--user", LOGIN)
	assert p.returncode == ac.EXIT_OK, p.stderr


# ---------------------------------------------------------------- signals and core dumps

SIGNALS = ["TERM", "INT", "HUP", "QUIT", "KILL", "STOPCONT"]


def test_signals_mid_run_never_break_the_file_or_lose_a_key(box):
	"""Many runs (logins and rotations) each hit by a signal at a random moment."""
	box.configure(keys={"on_limit": "replace-oldest-managed"})
	assert box.run().returncode == ac.EXIT_OK
	box.ep.faults(latency_ms=40)  # every call takes a while: signals land mid-flow
	rng = random.Random(6)
	hits = {}
	tmp_left = 0
	for i in range(36):
		sig = SIGNALS[i % len(SIGNALS)]
		action = rng.choice([[], ["--rotate"]])
		p = box.popen(*action)
		time.sleep(rng.uniform(0.0, 0.6))
		if sig == "STOPCONT":
			p.send_signal(signal.SIGSTOP)
			time.sleep(0.3)
			p.send_signal(signal.SIGCONT)
		else:
			p.send_signal(getattr(signal, "SIG" + sig))
		try:
			p.wait(HOST_DEADLINE + 20)
		except subprocess.TimeoutExpired:
			p.kill()
			p.wait()
			pytest.fail("run %d (%s) hung after SIG%s" % (i, action, sig))
		out = p.stdout.read().decode(errors="replace") + p.stderr.read().decode(errors="replace")
		p.stdout.close()
		p.stderr.close()
		ac.check_no_leak(out, box.ep)
		hits.setdefault(sig, []).append(p.returncode)
		if p.returncode > 0:
			print("SIG%s run %d %s: exit %d: %s" % (sig, i, action, p.returncode, out.strip()))
		cp = box.assert_seed_kept()
		kid = cp.get("default", "aws_access_key_id")
		assert cp.get("default", "aws_secret_access_key")
		assert kid in [k["id"] for k in box.ep.user(LOGIN)["keys"]], \
			"after SIG%s the file's key %s no longer exists in IAM" % (sig, kid)
		tmp_left = len([n for n in os.listdir(box.aws) if n not in ("credentials", "config")])
	box.ep.faults()
	print("exit statuses by signal:", hits)
	print("temp files left in ~/.aws after the storm:", tmp_left)
	# no stray lock: the next login goes through at once, and a verify pass cleans up
	box.configure(keys={"on_limit": "replace-oldest-managed", "verify_interval": "0"})
	p = box.run(timeout=HOST_DEADLINE + 20)
	assert p.returncode == ac.EXIT_OK, p.stderr
	assert p.elapsed < HOST_DEADLINE
	calls = box.ep.calls()
	created = sum(1 for c in calls if c["action"] == "CreateAccessKey" and c["status"] == 200)
	deleted = sum(1 for c in calls if c["action"] == "DeleteAccessKey" and c["status"] == 200)
	u = box.ep.user(LOGIN)
	kid = box.assert_seed_kept().get("default", "aws_access_key_id")
	tagged = {k[len(ac.LEDGER_TAG):] for k, _ in u["tags"] if k.startswith(ac.LEDGER_TAG)}
	untracked = [k["id"] for k in u["keys"] if k["id"] != kid and k["id"] not in tagged]
	print("keys created %d, deleted %d, in IAM now %d (file's key %s), untracked %s" % (
		created, deleted, len(u["keys"]), kid, untracked))
	assert kid in [k["id"] for k in u["keys"]]
	assert len(u["keys"]) <= 2
	assert not untracked, "keys no run can attribute: %s" % untracked
	# a SIGKILL between CreateAccessKey and the key reaching the home leaves a key under
	# this host's open mark: the verify deactivates it and records it as this host's orphan
	entries = dict(u["tags"])
	orphans = [k["id"] for k in u["keys"] if k["id"] != kid and k["status"] == "Inactive"
	           and entries.get(ac.LEDGER_TAG + k["id"], "").endswith(" orphan")]
	print("orphans deactivated and recorded:", orphans)
	assert sorted(k["id"] for k in u["keys"]) == sorted([kid] + orphans)


def core_files(*dirs):
	found = []
	for d in dirs:
		for root, _, files in os.walk(d):
			found += [os.path.join(root, n) for n in files if n.startswith("core")]
	return found


@pytest.fixture
def core_dir(box):
	"""kernel.core_pattern aimed at a temp dir for this test (put back afterwards)."""
	with open(CORE_PATTERN) as f:
		saved = f.read().rstrip("\n")
	cores = os.path.join(box.base, "cores")
	shutil.rmtree(cores, ignore_errors=True)
	os.mkdir(cores)
	os.chmod(cores, 0o1777)
	try:
		with open(CORE_PATTERN, "w") as f:
			f.write(os.path.join(cores, "core.%e.%p"))
	except OSError as e:
		pytest.skip("cannot set kernel.core_pattern (was %r): %s" % (saved, e))
	try:
		yield cores
	finally:
		with open(CORE_PATTERN, "w") as f:
			f.write(saved)


def killed_mid_run(box, argv, sig, cwd):
	"""argv under `ulimit -c unlimited` as the login, killed by sig mid-run; its status."""
	script = 'ulimit -c unlimited && exec "$@"'
	p = subprocess.Popen(box.as_user_argv(["/bin/sh", "-c", script, "sh"] + argv),
	                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
	                     stdin=subprocess.DEVNULL, env=clean_env(), cwd=cwd)
	time.sleep(0.8)
	p.send_signal(sig)
	try:
		return p.wait(HOST_DEADLINE + 20)
	except subprocess.TimeoutExpired:
		p.kill()
		p.wait()
		pytest.fail("%s did not end after signal %d" % (argv, sig))


@pytest.mark.parametrize("how", ["setuid", "plain-copy"])
def test_no_core_dump(box, core_dir, how):
	cwd = os.path.join(box.pub, "cwd")
	os.mkdir(cwd)
	os.chown(cwd, box.user.pw_uid, box.user.pw_gid)
	# control: an ordinary program of the login's, same limits, same signal, dumps core
	st = killed_mid_run(box, ["sleep", "30"], signal.SIGSEGV, cwd)
	time.sleep(0.5)
	control = core_files(core_dir, cwd)
	print("control: sleep ended %d, cores %s" % (st, control))
	if not control:
		pytest.skip("no core dump even for an ordinary process here: nothing to prove")
	for c in control:
		os.unlink(c)
	if how == "setuid":
		argv = [box.helper]
	else:
		# not installed setuid: the helper's own PR_SET_DUMPABLE/RLIMIT_CORE are all that
		# stand between the admin secret it reads and a core file
		plain = os.path.join(box.base, "plain-provision")
		shutil.copy(ac.HELPER, plain)
		os.chmod(plain, 0o755)
		admin = os.path.join(box.pub, "admin-copy")
		shutil.copy(box.admin, admin)
		state = os.path.join(box.pub, "state-plain")
		os.mkdir(state, 0o700)
		conf = os.path.join(box.pub, "plain.conf")
		with open(conf, "w") as f:
			f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\ncredentials = %s\ndeadline = %d\n"
			        "[state]\ndir = %s\n" % (box.ep.url, box.ep.url, admin, HOST_DEADLINE, state))
		for pth in (admin, state, conf):
			os.chown(pth, box.user.pw_uid, box.user.pw_gid)
		argv = [plain, "--config", conf]
	box.ep.faults(latency_ms=1500)  # the helper sits in its first call when the signal comes
	statuses = []
	for sig in (signal.SIGSEGV, signal.SIGABRT, signal.SIGQUIT):
		statuses.append(killed_mid_run(box, argv, sig, cwd))
	box.ep.faults()
	time.sleep(0.5)
	print("helper (%s) ended %s; calls seen %s" % (how, statuses, box.ep.actions()))
	assert "GetUser" in box.ep.actions(), "the signals did not land mid-run"
	assert core_files(core_dir, cwd, box.user.pw_dir, box.base) == []


# ---------------------------------------------------------------- IAM users it does not own

@pytest.mark.parametrize("case", ["administrator", "own-name-untagged"])
def test_account_named_after_an_unmanaged_iam_user_gets_nothing(box, case):
	ep = box.ep
	if case == "administrator":
		pw, iam_name = box.admin_login, "Administrator"
	else:
		pw, iam_name = box.user, LOGIN
	ep.create_user(iam_name, tags={"team": "platform"})
	kid, secret = ep.create_key(iam_name)
	before = ep.user(iam_name)
	home_before = ac.tree_snapshot(pw.pw_dir)
	ep.clear_calls()
	p = box.run(pw=pw)
	assert p.returncode == ac.EXIT_REFUSED, p.stdout + p.stderr
	# refused: not the tool's user, or (administrator) not even this exact name
	assert ("not managed" in p.stderr or "exists as Administrator" in p.stderr) and \
		len(p.stderr.splitlines()) == 1
	assert secret not in p.stdout + p.stderr
	assert not set(ep.actions()) & ac.MUTATING, ep.actions()
	after = ep.user(iam_name)
	assert after["tags"] == before["tags"] and \
		[k["id"] for k in after["keys"]] == [kid]
	assert ac.tree_snapshot(pw.pw_dir) == home_before
	box.check_output_clean(p)
	box.assert_outside_untouched()


# ---------------------------------------------------------------- whose IAM user, how often

@contextlib.contextmanager
def more_accounts(*names):
	"""Login accounts beyond the box's (Debian's useradd takes upper case and, with
	--badname, IAM's + = , too); removed after."""
	for n in names:
		account_cmd("useradd", "--badname", "-m", "-s", "/bin/sh", n, want_exists=True)
	try:
		yield [pwd.getpwnam(n) for n in names]
	finally:
		for n in names:
			if _exists(n):
				account_cmd("userdel", "-r", "-f", n, want_exists=False)
			subprocess.run(["groupdel", n], capture_output=True)


def home_key(pw):
	cp = configparser.RawConfigParser()
	cp.read(os.path.join(pw.pw_dir, ".aws", "credentials"))
	return cp.get("default", "aws_access_key_id", fallback=None)


def test_a_login_differing_only_in_case_cannot_take_over_an_iam_user(box):
	"""useradd rt-alice; useradd rt-Alice: rt-Alice's GetUser answered with rt-alice, and the
	helper handed rt-Alice a key of rt-alice's, deleting rt-alice's own."""
	ep = box.ep
	with more_accounts("rt-alice", "rt-Alice") as (lower, upper):
		p = box.run(pw=lower)
		assert p.returncode == ac.EXIT_OK, p.stderr
		k1 = home_key(lower)
		p = box.run(pw=upper)
		assert p.returncode == ac.EXIT_REFUSED, p.stderr
		assert "exists as rt-alice" in p.stderr and len(p.stderr.splitlines()) == 1
		assert home_key(upper) is None
		assert [k["id"] for k in ep.user("rt-alice")["keys"]] == [k1]
		box.configure(keys={"verify_interval": "0"})
		for pw in (lower, upper, lower):
			box.run(pw=pw)
		assert [k["id"] for k in ep.user("rt-alice")["keys"]] == [k1]
		assert home_key(lower) == k1 and home_key(upper) is None
		box.check_output_clean(p)


def test_a_login_with_iams_plus_equals_and_comma_gets_its_key(box):
	"""pam_aws_iam.conf(5) refuses only characters outside IAM's set, yet such a login was
	refused as "not usable as a state file name"."""
	ep = box.ep
	with more_accounts("paitest+a=b,c") as (pw,):
		p = box.run(pw=pw)
		assert p.returncode == ac.EXIT_OK, p.stderr
		kid = home_key(pw)
		assert [k["id"] for k in ep.user("paitest+a=b,c")["keys"]] == [kid]
		assert os.path.exists(os.path.join(box.state, "users", "paitest+a=b,c"))
		ep.clear_calls()
		p = box.run(pw=pw)
		assert p.returncode == ac.EXIT_OK and ep.actions() == []


def test_one_person_cannot_throttle_the_whole_account(box):
	"""--rotate 20 times in a second made about 150 IAM calls a second; IAM throttles per
	account, so everyone's logins failed with it. A person gets request_burst runs that call
	AWS at once, then one per request_interval; root is not limited."""
	ep = box.ep
	box.configure(keys={"request_burst": "3", "request_interval": "60"})
	assert box.run().returncode == ac.EXIT_OK  # the first login: one of the three
	ep.clear_calls()
	results = [box.run("--rotate") for _ in range(20)]
	codes = [r.returncode for r in results]
	assert codes.count(ac.EXIT_OK) == 2, codes
	assert codes.count(ac.EXIT_BUSY) == 18, codes
	busy = [r for r in results if r.returncode == ac.EXIT_BUSY][0]
	assert "try again in" in busy.stderr and len(busy.stderr.splitlines()) == 1
	assert len(ep.calls()) <= 2 * 7, ep.actions()  # the refused 18 made none
	# --status is a request too; a login over the limit keeps the key in place, unverified
	assert box.run("--status").returncode == ac.EXIT_BUSY
	box.configure(keys={"request_burst": "3", "request_interval": "60", "verify_interval": "0"})
	ep.clear_calls()
	p = box.run()
	assert p.returncode == ac.EXIT_OK and ep.actions() == [], p.stderr
	# root acting for the person is not limited
	p = subprocess.run([box.helper, "--user", LOGIN, "--status"], capture_output=True, text=True,
	                   env=clean_env(), stdin=subprocess.DEVNULL, timeout=RUN_TIMEOUT)
	assert p.returncode == ac.EXIT_OK, p.stderr


# ---------------------------------------------------------------- deliver = process

def cannot_read(box, path, pw=None):
	"""True when the login account cannot open path for reading."""
	p = box.run(argv=["/bin/cat", path], pw=pw)
	return p.returncode != 0 and p.stdout == ""


def session_of(p):
	assert p.returncode == ac.EXIT_OK, p.stderr
	return json.loads(p.stdout)


def test_process_mode_keeps_every_long_term_key_and_session_from_the_people(box):
	"""With deliver = process the long-term key never reaches the home: the person cannot
	read it, nor another person's cached session or key, and --credential-process serves
	only the caller."""
	ep = box.ep
	box.configure(keys={"deliver": "process"})
	shutil.rmtree(os.path.dirname(box.other_cred))  # no static key in front of theirs
	for pw in (box.user, box.other):
		p = box.run(pw=pw)
		assert p.returncode == ac.EXIT_OK, p.stderr
		box.check_output_clean(p)
	mine = session_of(box.run("--credential-process"))
	theirs = session_of(box.run("--credential-process", pw=box.other))
	by_id = {s["id"]: s["user"] for s in ep.sessions()}
	assert by_id[mine["AccessKeyId"]] == LOGIN and by_id[theirs["AccessKeyId"]] == OTHER
	for sub in ("keys", "sessions"):
		d = os.path.join(box.state, sub)
		st = os.stat(d)
		assert (st.st_uid, st.st_mode & 0o777) == (box.sys.pw_uid, 0o700)
		for who in (LOGIN, OTHER):
			f = os.path.join(d, who)
			st = os.stat(f)
			assert (st.st_uid, st.st_mode & 0o777) == (box.sys.pw_uid, 0o600)
			assert cannot_read(box, f), f   # not even one's own
	# no long-term key anywhere in the home
	with open(os.path.join(box.state, "keys", LOGIN)) as f:
		rec = dict(ln.split("=", 1) for ln in f.read().splitlines()[1:])
	for d, _, files in os.walk(box.user.pw_dir):
		for n in files:
			with open(os.path.join(d, n), "rb") as f:
				data = f.read()
			assert rec["key_id"].encode() not in data and rec["secret"].encode() not in data
	# --credential-process for another person: refused, nothing of theirs printed
	p = box.run("--credential-process", "--user", OTHER)
	assert p.returncode == ac.EXIT_REFUSED and p.stdout == ""
	assert theirs["SecretAccessKey"] not in p.stderr and theirs["AccessKeyId"] not in p.stderr
	assert len(p.stderr.splitlines()) == 1
	box.check_output_clean(p)
	# naming oneself is fine, and is oneself
	assert session_of(box.run("--credential-process", "--user", LOGIN)) == mine
	# a caller-chosen config or home cannot point the setuid helper elsewhere
	for extra in (["--config", "/tmp/x.conf"], ["--home", box.other.pw_dir]):
		p = box.run("--credential-process", *extra)
		assert p.returncode == ac.EXIT_REFUSED and p.stdout == ""


@pytest.mark.parametrize("how", ["stop", "kill"])
def test_a_helper_stopped_or_killed_mid_renewal_does_not_block_the_next_call(box, how):
	"""The person may SIGSTOP or SIGKILL their own setuid helper while it holds the session
	lock (in its GetSessionToken call): the next call waits half of [aws] deadline at most,
	then renews on its own."""
	ep = box.ep
	box.configure(keys={"deliver": "process"})
	assert box.run().returncode == ac.EXIT_OK
	lock = os.path.join(box.state, "locks", LOGIN + ".session")
	ep.faults(latency_ms=30000, only_actions=["GetSessionToken"])
	holder = box.popen("--credential-process")
	try:
		held = False
		end = time.monotonic() + 20
		while not held and time.monotonic() < end and holder.poll() is None:
			if os.path.exists(lock):
				fd = os.open(lock, os.O_RDONLY)
				try:
					fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
					fcntl.flock(fd, fcntl.LOCK_UN)
				except BlockingIOError:
					held = True
				finally:
					os.close(fd)
			time.sleep(0.05)
		assert held, "the first helper never took the session lock"
		# it is in its GetSessionToken call now (the latency holds it there)
		os.kill(holder.pid, signal.SIGSTOP if how == "stop" else signal.SIGKILL)
		ep.faults()
		p = box.run("--credential-process")
		s = session_of(p)
		assert s["AccessKeyId"].startswith("ASIA")
		bound = HOST_DEADLINE / 2 if how == "stop" else 0
		assert p.elapsed < bound + 5, "waited %.1f s (bound %.1f s)" % (p.elapsed, bound)
		box.check_output_clean(p)
	finally:
		if holder.poll() is None:
			holder.kill()
			os.kill(holder.pid, signal.SIGCONT)
		holder.wait()
		ep.faults()
	# and the one after is served from the cache the second one wrote
	ep.clear_calls()
	assert session_of(box.run("--credential-process")) == s
	assert ep.actions() == []
