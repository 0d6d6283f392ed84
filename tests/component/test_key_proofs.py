# SPDX-License-Identifier: MIT
"""The holes an outside review found in key handling, one test each, in the layer where a
person meets them (the helper against the local IAM endpoint). Each failed before it was
closed. The root-only ones, with real accounts and the setuid helper, are in
tests/attack/test_local_attackers.py; the purge in tests/system."""
import os
import resource
import shutil
import subprocess
import time

import pytest

from pai_testlib import LOGIN, build_path, clean_env, host_id, make_tmp_home, syslog_env
from pai_testlib import LEDGER_TAG as LEDGER, OWNER_TAG as OWNER



def tags(ep, name):
	return {k: v for k, v in ep.user(name)["tags"]}


def keys(ep, name):
	u = ep.user(name)
	return sorted(k["id"] for k in u["keys"]) if u else []


# ---- 1: the IAM user must be this login's, exactly

def test_a_name_differing_only_in_case_is_refused_and_keys_are_untouched(helper):
	"""IAM names ignore case: GetUser rt-Alice answers with rt-alice. The helper used to hand
	that user's key to rt-Alice and delete rt-alice's."""
	ep = helper.ep
	helper.configure(user={"name": "rt-alice"})
	assert helper.run().returncode == 0
	k1 = helper.profile_key()
	other = helper.tmp / "other"
	other.mkdir()
	home2 = make_tmp_home(other)
	helper.configure(user={"name": "rt-Alice"})
	ep.clear_calls()
	p = helper.run(home=home2)
	assert p.returncode == 7, p.stderr
	assert "exists as rt-alice" in p.stderr
	assert not os.path.exists(os.path.join(home2, ".aws", "credentials"))
	assert keys(ep, "rt-alice") == [k1]
	assert ep.actions() == ["GetUser"]


def test_a_user_recorded_for_another_login_is_refused(helper):
	ep = helper.ep
	ep.create_user("shared", tags={OWNER: "someone-else"})
	kid, _ = ep.create_key("shared")
	helper.configure(user={"name": "shared"})
	p = helper.run()
	assert p.returncode == 7
	assert "belongs to login someone-else" in p.stderr
	assert keys(ep, "shared") == [kid] and helper.credentials() is None


def test_adopt_existing_does_not_adopt_a_name_in_another_case(helper):
	ep = helper.ep
	ep.create_user("RT-DAVE")
	helper.configure(user={"name": "rt-dave", "adopt_existing": "yes"})
	p = helper.run()
	assert p.returncode == 7 and "exists as RT-DAVE" in p.stderr
	assert OWNER not in tags(ep, "RT-DAVE")
	assert "TagUser" not in ep.actions()


def test_a_legacy_ownership_tag_is_rewritten_naming_the_login(helper):
	ep = helper.ep
	ep.create_user(LOGIN, tags={OWNER: "true"})
	assert helper.run().returncode == 0
	assert tags(ep, LOGIN)[OWNER] == LOGIN


# ---- 3: two machines with one short name

def test_hosts_with_the_same_short_name_keep_each_others_keys(helper, tmp_path):
	"""bastion.prod and bastion.stage are both "bastion": they used to delete each other's
	keys at every verify. Their machine IDs differ."""
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	b = tmp_path / "b"
	b.mkdir()
	home_b, state_b = make_tmp_home(b), str(b / "state")
	os.mkdir(state_b, 0o700)
	conf_b = str(b / "b.conf")
	with open(helper.conf) as f:
		text = f.read().replace(helper.state, state_b)
	with open(conf_b, "w") as f:
		f.write(text)

	def run(which):
		if which == "a":
			argv = helper.argv(host="bastion") + ["--machine-id", "a" * 32]
		else:
			argv = [build_path("aws-iam-provision"), "--config", conf_b, "--home", home_b,
			        "--host", "bastion", "--machine-id", "b" * 32]
		p = subprocess.run(argv, capture_output=True, text=True, env=clean_env(),
		                   stdin=subprocess.DEVNULL, timeout=60)
		assert p.returncode == 0, p.stderr
		return p

	run("a")
	run("b")
	both = keys(ep, LOGIN)
	assert len(both) == 2
	for which in "abab":
		run(which)
	assert keys(ep, LOGIN) == both
	entries = [v for k, v in ep.user(LOGIN)["tags"] if k.startswith(LEDGER)]
	assert sorted(e.split()[0] for e in entries) == sorted(
		[host_id("bastion", "a" * 32), host_id("bastion", "b" * 32)])
	assert all(e.endswith(" bastion") for e in entries)


# ---- 4: a state write that fails after the key reached the home

def test_a_failed_state_write_during_rotation_heals_at_the_next_login(helper):
	"""RLIMIT_FSIZE lets the ~100-byte credentials file through and stops the ~400-byte state
	file: the new key is in the home, the state still names the old one. Every later login
	used to say the profile "holds a key aws-iam-provision did not write"."""
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	old = helper.profile_key()

	def small_files():
		resource.setrlimit(resource.RLIMIT_FSIZE, (200, 200))

	p = subprocess.run(helper.argv("--rotate"), capture_output=True, text=True,
	                   env=clean_env(), stdin=subprocess.DEVNULL, timeout=60,
	                   preexec_fn=small_files)
	new = helper.profile_key()
	assert new != old, p.stderr
	assert p.returncode == 8, (p.returncode, p.stderr)
	assert "cannot write state" in p.stderr
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert "did not write" not in p.stdout
	assert keys(ep, LOGIN) == [new] and helper.profile_key() == new
	ep.clear_calls()
	assert helper.run().returncode == 0
	assert "CreateAccessKey" not in ep.actions()


# ---- 5: CreateLoginProfile's lost reply

def test_the_initial_password_is_kept_when_createloginprofiles_reply_is_lost(helper):
	"""IAM set the password, the reply was lost; the helper retried, met
	EntityAlreadyExists and deleted the only copy of the password."""
	ep = helper.ep
	helper.configure(console={"password": "initial"})
	ep.faults(drop=1.0, only_actions=["CreateLoginProfile"], apply="after", count=1)
	p = helper.run()
	assert p.returncode == 8, p.stderr
	path = os.path.join(helper.home, ".aws", "console-initial-password")
	assert os.path.exists(path), p.stderr
	assert ep.user(LOGIN)["login_profile"] is not None
	assert [c["action"] for c in ep.calls()].count("CreateLoginProfile") == 1
	assert "may be set" in p.stderr


@pytest.mark.parametrize("action,rotation", [("CreateAccessKey", False),
                                             ("CreateAccessKey", True),
                                             ("CreateLoginProfile", False)],
                         ids=["first-key", "rotated-key", "login-profile"])
def test_a_call_that_must_run_once_is_not_resent_when_its_connection_dies(helper, action,
                                                                          rotation):
	"""AWS acted, then the kept-alive connection closed before any reply byte. libcurl
	re-sends such a request by itself, below the client's retry loop, whenever the
	connection had been reused: IAM made a second key (or answered EntityAlreadyExists and
	the initial password was thrown away). A call that must run once gets a connection of
	its own. With the alias lookup off every call of the run is sequential, so the call
	would reuse the connection: the test does not depend on timing."""
	ep = helper.ep
	helper.configure(console={"show_url": "no", "password": "initial"})
	held = None
	if rotation:
		assert helper.run().returncode == 0
		held = helper.profile_key()
		ep.update_key(held, age_days=100)
		helper.configure(console={"show_url": "no", "password": "initial"},
		                 keys={"verify_interval": "0"})
		ep.clear_calls()
	ep.faults(drop=1.0, only_actions=[action], apply="after", count=1)
	p = helper.run()
	assert ep.actions().count(action) == 1, (ep.actions(), p.stderr)
	if action == "CreateAccessKey":
		assert p.returncode == 5, p.stderr
		assert len(keys(ep, LOGIN)) == (2 if rotation else 1)
		if rotation:  # the person keeps the key they hold
			assert helper.profile_key() == held and held in keys(ep, LOGIN)
	else:
		assert os.path.exists(os.path.join(helper.home, ".aws", "console-initial-password"))


def test_the_initial_password_file_goes_when_iam_refused_it(helper):
	ep = helper.ep
	helper.configure(console={"password": "initial"})
	ep.deny(actions=["CreateLoginProfile"])
	p = helper.run()
	assert p.returncode == 8
	assert not os.path.exists(os.path.join(helper.home, ".aws", "console-initial-password"))


# ---- 6: what a person writes never reaches the audit log raw

def test_a_hostile_key_id_in_the_home_never_reaches_syslog_or_the_terminal(helper):
	os.makedirs(os.path.dirname(helper.cred_path), mode=0o700)
	evil = (b"[default]\naws_access_key_id = AKIAEVILEVILEVIL0000\n"
	        b"  \x1b[2K\rEVIL user=root iam_user=Administrator action=key-deleted\n"
	        b"aws_secret_access_key = x\n")
	with open(helper.cred_path, "wb") as f:
		f.write(evil)
	capture = str(helper.tmp / "syslog")
	p = subprocess.run(helper.argv(), capture_output=True, env=syslog_env(capture),
	                   stdin=subprocess.DEVNULL, timeout=60)
	assert p.returncode == 0, p.stderr
	out = p.stdout + p.stderr
	assert b"\x1b" not in out and b"EVIL" not in out
	assert b"not an access key ID" in p.stdout
	with open(capture, "rb") as f:
		log = f.read()
	assert log, "nothing captured: the test proves nothing"
	assert b"conflict-left-alone" in log
	for line in log.splitlines():
		assert line.startswith(b"REC "), line
	assert b"\x1b" not in log and b"EVIL" not in log
	assert helper.credentials() == evil


def test_server_text_in_errors_is_escaped_in_syslog(helper):
	capture = str(helper.tmp / "syslog")
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	helper.ep.hostile("newline_values", actions=["GetUser"])
	p = subprocess.run(helper.argv(), capture_output=True, env=syslog_env(capture),
	                   stdin=subprocess.DEVNULL, timeout=60)
	assert p.returncode != 0
	with open(capture, "rb") as f:
		log = f.read()
	assert log, "nothing captured: the test proves nothing"
	for line in log.splitlines():
		assert line.startswith(b"REC ") and not any(c < 0x20 for c in line), line


# ---- 7: the tool's own tags fit beside the configured ones

def test_the_most_tags_the_config_allows_still_leave_room_for_the_tools_own(helper):
	ep = helper.ep
	# 42: IAM's 50 less the tool's 8 (ownership, two key entries, two marks and the three
	# tags of the convergence record)
	tag_list = ",\n  ".join("t%02d=v" % i for i in range(42))  # continued on indented lines
	helper.configure(user={"tags": tag_list})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert len(tags(ep, LOGIN)) <= 50
	p = helper.run("--rotate")
	assert p.returncode == 0, p.stderr
	# and a second host's mark and key on top
	managed = helper.run("--rotate", host="hostb")
	assert managed.returncode in (0, 7), managed.stderr
	assert "LimitExceeded" not in managed.stderr
	helper.configure(user={"tags": tag_list + ",\n  t42=v"})
	p = helper.run("--check-config")
	assert p.returncode == 4 and "more than 42 tags" in p.stderr


# ---- 8: what a killed state write leaves behind

def test_temporary_files_of_killed_state_writes_are_removed(helper):
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	users = os.path.join(helper.state, "users")
	legacy = os.path.join(users, LOGIN + ".tmp.4242")   # a writer before 0.2, killed
	current = os.path.join(users, ".%s.0123456789ab.tmp" % LOGIN)
	for path in (legacy, current):
		with open(path, "w") as f:
			f.write("login=%s\nkey_id=AKIAAAAAAAAAAAAAAAAA\n" % LOGIN)
	other = os.path.join(users, LOGIN + ".tmp.7")  # another login's record by that name
	with open(other, "w") as f:
		f.write("login=%s.tmp.7\nkey_id=AKIAAAAAAAAAAAAAAAAA\n" % LOGIN)
	assert helper.run().returncode == 0
	assert not os.path.exists(legacy) and not os.path.exists(current)
	assert os.path.exists(other)
	assert os.path.exists(os.path.join(users, LOGIN))


# ---- 11: logins with IAM's + = ,

def test_a_login_with_plus_equals_and_comma_gets_its_key(system_lock, helper):
	"""As the component layer cannot make such an account, root runs it with --user in
	tests/attack; here the state layer takes the name. Its own account name (the attack
	test makes paitest+a=b,c) and the system lock, so that no useradd of another test
	meets /etc/passwd's lock."""
	if os.geteuid() != 0:
		pytest.skip("needs root: --user for an account named with + = , (runs in CI)")
	import pwd
	import shutil
	import tempfile
	name = "paitest+p=q,r"
	base = tempfile.mkdtemp(prefix="pai-plus-", dir="/var/tmp")  # a home the account reaches
	os.chmod(base, 0o755)
	home = os.path.join(base, "home")
	for _ in range(50):  # another test file may hold /etc/passwd's lock a moment
		subprocess.run(["useradd", "--badname", "-M", "-d", home, name],
		               capture_output=True)
		try:
			pwd.getpwnam(name)
			break
		except KeyError:
			time.sleep(0.2)
	try:
		pw = pwd.getpwnam(name)
		os.mkdir(home, 0o700)
		os.chown(home, pw.pw_uid, pw.pw_gid)
		p = helper.run("--user", name, home=home)
		assert p.returncode == 0, p.stderr
		assert os.path.exists(os.path.join(home, ".aws", "credentials"))
		assert os.path.exists(os.path.join(helper.state, "users", name))
		assert tags(helper.ep, name)[OWNER] == "paitest+p=q:2Cr"
		helper.ep.clear_calls()
		assert helper.run("--user", name, home=home).returncode == 0
		assert helper.ep.actions() == []  # the fast path, from its state file
	finally:
		subprocess.run(["userdel", name], check=False)
		subprocess.run(["groupdel", name], check=False, capture_output=True)
		shutil.rmtree(base, ignore_errors=True)


# ---- a switch back to the helper's ids that fails ends the run

def test_a_failed_switch_back_to_the_helpers_ids_ends_the_run_and_loses_no_key(helper):
	"""Each setresuid of a first login made to fail in turn, alone
	(tests/preload/setresuid-fail.c): where the switch back to the helper's ids fails, the run
	stops there with exit 1 and one line, whatever it was doing; where the switch to the
	person fails, the ids are put back and the run refuses that step; no key IAM holds is missing from the home, and the next
	login ends with exactly the home's key."""
	ep = helper.ep
	switch_backs = after_write = 0
	for n in range(1, 60):
		ep.reset()
		shutil.rmtree(os.path.join(helper.home, ".aws"), ignore_errors=True)
		for name in os.listdir(helper.state):
			p = os.path.join(helper.state, name)
			shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
		capture = str(helper.tmp / ("syslog.%d" % n))
		env = syslog_env(capture, PAI_FAIL_SETRESUID_CALL=n)
		env["LD_PRELOAD"] += " " + build_path("tests/setresuid-fail.so")
		p = subprocess.run(helper.argv(), capture_output=True, text=True, env=env,
		                   stdin=subprocess.DEVNULL, timeout=60)
		if p.returncode == 0:
			break   # past the run's last switch: nothing failed
		if "cannot switch back" in p.stderr:
			switch_backs += 1
			assert p.returncode == 1, (n, p.stderr)
			assert p.stderr.strip().splitlines()[-1] == \
				"aws-iam-provision: cannot switch back to the helper's ids", (n, p.stderr)
			with open(capture) as f:
				assert "cannot switch back to the helper's ids; stopping" in f.read()
		held = keys(ep, LOGIN)
		assert set(held) <= {helper.profile_key()}, (n, held, p.stderr)
		if held and "cannot switch back" in p.stderr:
			after_write += 1   # stopped with the new key in the home: it stays
		p2 = helper.run()
		assert p2.returncode == 0, (n, p2.stderr)
		assert keys(ep, LOGIN) == [helper.profile_key()], n
	else:
		pytest.fail("the run never got past its switches")
	assert switch_backs >= 2 and after_write >= 1, (switch_backs, after_write)
