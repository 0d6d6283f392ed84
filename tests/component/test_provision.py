# SPDX-License-Identifier: MIT
"""aws-iam-provision against the local IAM endpoint, unprivileged, with a temporary home,
state dir and config. Every branch of the flow, and the exact API calls it makes."""
import configparser
import os
import pwd
import random
import signal
import stat
import subprocess
import time

import pytest

import pai_testlib
from pai_testlib import HOST, LOGIN, clean_env, host_id, ledger_value, run_aws
from pai_testlib import LEDGER_TAG as LEDGER, MARK_TAG as MARK, OWNER_TAG as OWNER

MUTATING = pai_testlib.MUTATING


def tags(ep, name):
	return {k: v for k, v in ep.user(name)["tags"]}


def keys(ep, name):
	u = ep.user(name)
	return [k["id"] for k in u["keys"]] if u else []


def managed_user(ep, name, ledger=(), owner=LOGIN):
	"""A user the tool manages for login owner, with keys made on the given hosts (oldest
	first; None: made by hand)."""
	ep.create_user(name, tags={OWNER: owner})
	ids = []
	for i, host in enumerate(ledger):
		kid, _ = ep.create_key(name)
		ep.update_key(kid, age_days=10 - i)
		if host:
			c = ep.botocore_client()
			c.tag_user(UserName=name, Tags=[{
				"Key": LEDGER + kid,
				"Value": ledger_value(host, "2026-01-0%dT00:00:00Z" % (i + 1))}])
		ids.append(kid)
	ep.clear_calls()
	return ids


def now_iso(delta_s=0):
	return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + delta_s))


# ---------------------------------------------------------------- first login and fast path

def test_first_login_makes_exactly_the_seven_calls(helper):
	ep = helper.ep
	helper.configure(user={"groups": "developers",
	                       "policies": "arn:aws:iam::%s:policy/developer-access" % ep.account})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	acts = ep.actions()
	assert acts[:2] == ["GetUser", "CreateUser"]
	assert sorted(acts[2:6]) == sorted(["AddUserToGroup", "AttachUserPolicy",
	                                    "ListAccountAliases", "CreateAccessKey"])
	assert acts[6:] == ["TagUser"]
	u = ep.user(LOGIN)
	assert u["groups"] == ["developers"] and len(u["policies"]) == 1
	t = tags(ep, LOGIN)
	assert t[OWNER] == LOGIN  # the login it belongs to
	(kid,) = keys(ep, LOGIN)
	assert t[LEDGER + kid].startswith(host_id(HOST) + " ") and t[LEDGER + kid].endswith(" " + HOST)
	# this host's mark, closed by the key it announced in the same TagUser
	assert t[MARK + host_id(HOST)].endswith(" " + kid)
	assert helper.profile_key() == kid
	lines = p.stdout.strip().splitlines()
	assert 1 <= len(lines) <= 3
	assert kid in lines[0]
	assert "https://%s.signin.aws.amazon.com/console" % ep.account in p.stdout


def test_written_files_are_private_and_the_secret_is_not_printed(helper):
	p = helper.run()
	assert p.returncode == 0, p.stderr
	aws_dir = os.path.join(helper.home, ".aws")
	assert stat.S_IMODE(os.stat(aws_dir).st_mode) == 0o700
	st = os.stat(helper.cred_path)
	assert stat.S_IMODE(st.st_mode) == 0o600 and st.st_uid == os.getuid()
	cp = configparser.RawConfigParser()
	cp.read(helper.cred_path)
	secret = cp.get("default", "aws_secret_access_key")
	assert secret not in p.stdout + p.stderr


def test_second_login_takes_the_fast_path_with_zero_calls(helper):
	assert helper.run().returncode == 0
	helper.ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert helper.ep.actions() == []
	assert p.stdout.strip().startswith("AWS console: https://")


NETWORK_LIBS = ("pai-network.so", "libcurl", "libssl", "libcrypto", "libxml2", "libjson-c")


def loaded_objects(helper):
	"""Runs the helper with the loader's LD_DEBUG=files trace (honoured: not setuid) and
	returns what it says it loaded, at start or by dlopen."""
	p = subprocess.run(helper.argv(), capture_output=True, text=True, timeout=60,
	                   stdin=subprocess.DEVNULL, env=clean_env(LD_DEBUG="files"))
	assert p.returncode == 0, p.stderr
	return [line.split("file=", 1)[1].split()[0] for line in p.stderr.splitlines()
	        if "file=" in line]


def test_the_fast_path_loads_no_network_library(helper):
	first = loaded_objects(helper)  # the control: a first login must load them
	assert any(o.endswith("/pai-network.so") for o in first), first
	assert any("libcurl" in o for o in first), first
	helper.ep.clear_calls()
	fast = loaded_objects(helper)
	assert helper.ep.actions() == []
	assert fast, "no LD_DEBUG trace: the test proves nothing"
	assert not [o for o in fast if any(n in o for n in NETWORK_LIBS)], fast


def test_alias_form_of_the_url(helper):
	helper.ep.set_alias("corp-main")
	p = helper.run()
	assert "https://corp-main.signin.aws.amazon.com/console" in p.stdout


def test_verification_after_the_interval_is_two_reads(helper):
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	kid = helper.profile_key()
	helper.ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert helper.ep.actions() == ["GetUser", "ListAccessKeys"]  # alias cached
	assert helper.profile_key() == kid


def with_group_and_policy(helper):
	"""One group and one policy in the config: what the next two tests break and repair."""
	helper.configure(user={"groups": "developers",
	                       "policies": "arn:aws:iam::%s:policy/developer-access" % helper.ep.account})


def repaired_login(helper):
	"""Lifts the deny and logs in: GetUser, ListAccessKeys, then the group and the policy
	again (together), exit 0. Returns the calls after those four."""
	helper.ep.deny(clear=True)
	helper.ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	acts = helper.ep.actions()
	assert acts[:2] == ["GetUser", "ListAccessKeys"]
	assert sorted(acts[2:4]) == ["AddUserToGroup", "AttachUserPolicy"]
	return acts[4:]


def test_a_group_or_policy_that_failed_is_applied_again_at_the_next_login(helper):
	"""A first login whose AddUserToGroup fails still writes the key (exit 8: key in place,
	with one line that says what failed); state keeps the setup pending, so the next logins
	are not the fast path: each applies the groups and policies again until one gets them
	all through."""
	ep = helper.ep
	with_group_and_policy(helper)
	ep.deny(actions=["AddUserToGroup"])
	p = helper.run()
	assert p.returncode == 8, p.stderr
	kid = helper.profile_key()
	assert keys(ep, LOGIN) == [kid]
	assert "AddUserToGroup failed" in p.stderr and "the next login tries again" in p.stderr
	assert ep.user(LOGIN)["groups"] == [] and len(ep.user(LOGIN)["policies"]) == 1
	ep.clear_calls()
	p = helper.run()  # still denied: tried again, still pending, the key kept
	assert p.returncode == 8, p.stderr
	assert sorted(ep.actions()) == sorted(["GetUser", "AddUserToGroup", "AttachUserPolicy",
	                                       "ListAccessKeys"])
	assert helper.profile_key() == kid
	assert repaired_login(helper) == []
	assert ep.user(LOGIN)["groups"] == ["developers"]
	assert helper.profile_key() == kid and keys(ep, LOGIN) == [kid]
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0 and ep.actions() == [], p.stderr  # the fast path again


def test_a_first_login_that_ended_after_createuser_is_completed_by_the_next(helper):
	"""CreateUser done, then the group and the key both failed: nothing was recorded. The
	next login finds the user with no key and no ledger entry and adds the groups and
	policies along with the key."""
	ep = helper.ep
	with_group_and_policy(helper)
	ep.deny(actions=["AddUserToGroup", "AttachUserPolicy", "CreateAccessKey"])
	p = helper.run()
	assert p.returncode == 5, p.stderr
	assert ep.user(LOGIN) and keys(ep, LOGIN) == [] and ep.user(LOGIN)["groups"] == []
	assert helper.profile_key() in (None, "")
	assert repaired_login(helper) == ["TagUser", "CreateAccessKey", "TagUser"]
	assert ep.user(LOGIN)["groups"] == ["developers"] and len(ep.user(LOGIN)["policies"]) == 1
	(kid,) = keys(ep, LOGIN)
	assert helper.profile_key() == kid
	ep.clear_calls()
	assert helper.run().returncode == 0 and ep.actions() == []


def test_not_in_scope_makes_no_call(helper):
	helper.configure(scope={"min_uid": "4000000000"})
	p = helper.run()
	assert p.returncode == 3
	assert helper.ep.actions() == []
	helper.configure(scope={"exclude": LOGIN})
	assert helper.run().returncode == 3
	assert helper.ep.actions() == []


# ---------------------------------------------------------------- ownership

def test_unmanaged_user_is_refused(helper):
	ep = helper.ep
	ep.create_user("Administrator")
	kid, _ = ep.create_key("Administrator")
	helper.configure(user={"name": "Administrator"})
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 7
	assert "not managed" in p.stderr
	assert not (set(ep.actions()) & MUTATING)
	assert helper.credentials() is None
	assert keys(ep, "Administrator") == [kid]


def test_adopt_existing_tags_and_manages_the_user(helper):
	ep = helper.ep
	ep.create_user("adoptee")
	helper.configure(user={"name": "adoptee", "adopt_existing": "yes"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert tags(ep, "adoptee")[OWNER] == LOGIN
	assert helper.profile_key() in keys(ep, "adoptee")


def test_create_no_and_a_missing_user_is_refused(helper):
	helper.configure(user={"create": "no"})
	p = helper.run()
	assert p.returncode == 7
	assert "CreateUser" not in helper.ep.actions()


# ---------------------------------------------------------------- key limit

def test_on_limit_fail_names_the_hosts_and_creates_nothing(helper):
	ep = helper.ep
	managed_user(ep, LOGIN, ledger=("hostb", "hostc"))
	p = helper.run()
	assert p.returncode == 7
	assert "hostb" in p.stderr and "hostc" in p.stderr
	assert "CreateAccessKey" not in ep.actions()
	assert helper.credentials() is None


def test_replace_oldest_managed_deletes_the_oldest_ledger_key(helper):
	ep = helper.ep
	old, newer = managed_user(ep, LOGIN, ledger=("hostb", "hostc"))
	helper.configure(keys={"on_limit": "replace-oldest-managed"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	ks = keys(ep, LOGIN)
	assert old not in ks and newer in ks and helper.profile_key() in ks
	assert LEDGER + old not in tags(ep, LOGIN)


def test_replace_oldest_managed_never_deletes_a_key_without_ledger_tag(helper):
	ep = helper.ep
	a, b = managed_user(ep, LOGIN, ledger=(None, None))
	helper.configure(keys={"on_limit": "replace-oldest-managed"})
	p = helper.run()
	assert p.returncode == 7
	assert sorted(keys(ep, LOGIN)) == sorted([a, b])
	assert "DeleteAccessKey" not in ep.actions()


# ---------------------------------------------------------------- rotation

def test_rotation_after_max_age_deletes_the_old_key_last(helper):
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	old = helper.profile_key()
	ep.update_key(old, age_days=100)
	ep.clear_calls()
	p = helper.run()
	assert p.returncode == 0, p.stderr
	new = helper.profile_key()
	assert new != old and keys(ep, LOGIN) == [new]
	acts = ep.actions()
	# mark (pending-creation tag), create, record (ledger tag), only then delete the old key
	assert acts == ["GetUser", "ListAccessKeys", "TagUser", "CreateAccessKey", "TagUser",
	                "DeleteAccessKey", "UntagUser"]
	assert LEDGER + old not in tags(ep, LOGIN) and LEDGER + new in tags(ep, LOGIN)


def lost_reply(helper):
	"""A CreateAccessKey whose reply never comes (the login ends at its deadline): IAM made a
	key nobody holds. Returns it."""
	ep = helper.ep
	before = set(keys(ep, LOGIN))
	ep.hostile("never_reply", count=1, actions=["CreateAccessKey"], max_hold_s=3)
	helper.configure(aws={"deadline": "2"}, keys={"verify_interval": "0"})
	assert helper.run().returncode == 5
	ep.hostile(None)
	helper.configure(aws={"deadline": "8"}, keys={"verify_interval": "0"})
	(orphan,) = set(keys(ep, LOGIN)) - before
	assert LEDGER + orphan not in tags(ep, LOGIN)
	return orphan


def test_a_lost_replys_key_is_deactivated_and_recorded_not_deleted(helper):
	"""The first login's reply is lost: the next one deactivates that key (reversible) and
	records it as this host's orphan, makes the person's key, and --status says so."""
	ep = helper.ep
	orphan = lost_reply(helper)
	p = helper.run()
	assert p.returncode == 0, p.stderr
	mine = helper.profile_key()
	assert sorted(keys(ep, LOGIN)) == sorted([orphan, mine])
	assert [k["status"] for k in ep.user(LOGIN)["keys"] if k["id"] == orphan] == ["Inactive"]
	assert tags(ep, LOGIN)[LEDGER + orphan].endswith(" orphan")
	assert "UpdateAccessKey" in ep.actions() and "DeleteAccessKey" not in ep.actions()
	p = helper.run("--status")
	assert "lost" in p.stdout and orphan in p.stdout, p.stdout
	# a rotation needs the slot: then it goes, by its entry
	ep.clear_calls()
	p = helper.run("--rotate")
	assert p.returncode == 0, p.stderr
	assert keys(ep, LOGIN) == [helper.profile_key()]


def test_a_lost_replys_key_is_deleted_when_a_rotation_needs_its_slot(helper):
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	held = helper.profile_key()
	ep.update_key(held, age_days=100)
	orphan = lost_reply(helper)
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert orphan not in keys(ep, LOGIN)
	assert keys(ep, LOGIN) == [helper.profile_key()]


def test_a_key_made_by_hand_near_this_hosts_mark_is_never_touched(helper):
	"""The mark stayed open after its key was recorded, and a key an
	administrator made within its window was deleted as this host's orphan, and the person's
	own key rotated with it."""
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	mine = helper.profile_key()
	by_hand, _ = ep.create_key(LOGIN)
	ep.clear_calls()
	for _ in range(2):
		p = helper.run()
		assert p.returncode == 0, p.stderr
	assert sorted(keys(ep, LOGIN)) == sorted([mine, by_hand])
	assert helper.profile_key() == mine
	assert all(k["status"] == "Active" for k in ep.user(LOGIN)["keys"])
	assert not (set(ep.actions()) & {"DeleteAccessKey", "UpdateAccessKey", "CreateAccessKey"})


def test_an_untagged_key_near_another_hosts_mark_is_left_alone(helper):
	ep = helper.ep
	helper.configure(keys={"verify_interval": "0"})
	assert helper.run().returncode == 0
	mine = helper.profile_key()
	# another host marked a creation just now and its key is not tagged yet: maybe in flight
	foreign, _ = ep.create_key(LOGIN)
	now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
	ep.botocore_client().tag_user(UserName=LOGIN, Tags=[
		{"Key": "pam-aws-iam:pending:otherhost", "Value": now}])
	# it is also in this host's window (the mark set at CreateUser): still not ours to delete
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert sorted(keys(ep, LOGIN)) == sorted([mine, foreign])


def test_failed_delete_leaves_the_new_key_in_the_file_and_the_old_one_in_iam(helper):
	ep = helper.ep
	assert helper.run().returncode == 0
	old = helper.profile_key()
	ep.deny(actions=["DeleteAccessKey"])
	p = helper.run("--rotate")
	new = helper.profile_key()
	assert new != old
	assert sorted(keys(ep, LOGIN)) == sorted([old, new])
	assert p.returncode == 8  # the new key is in place; the old one could not be deleted


def test_rotate_and_revoke_and_status(helper):
	ep = helper.ep
	assert helper.run().returncode == 0
	first = helper.profile_key()
	p = helper.run("--rotate")
	assert p.returncode == 0, p.stderr
	second = helper.profile_key()
	assert second != first and keys(ep, LOGIN) == [second]
	p = helper.run("--status")
	assert p.returncode == 0, p.stderr
	assert second in p.stdout and HOST in p.stdout and "AWS console" in p.stdout
	p = helper.run("--revoke")
	assert p.returncode == 0, p.stderr
	assert keys(ep, LOGIN) == []
	assert helper.profile_key() is None
	assert not [k for k in tags(ep, LOGIN) if k.startswith(LEDGER)]


def test_status_lists_other_hosts_keys(helper):
	ep = helper.ep
	managed_user(ep, LOGIN, ledger=("hostb",))
	assert helper.run().returncode == 0
	p = helper.run("--status")
	assert "hostb" in p.stdout


# ---------------------------------------------------------------- the credentials file

def test_other_profiles_comments_crlf_and_no_final_newline_are_kept(helper):
	os.makedirs(os.path.dirname(helper.cred_path), mode=0o700)
	before = (b"# my keys\r\n[work]\r\naws_access_key_id = AKIAWORKWORKWORK0000\r\n"
	          b"aws_secret_access_key = c2VjcmV0\r\n\r\n; note\r\n[other]\r\nregion=x")
	with open(helper.cred_path, "wb") as f:
		f.write(before)
	os.chmod(helper.cred_path, 0o600)
	p = helper.run()
	assert p.returncode == 0, p.stderr
	after = helper.credentials()
	assert after.startswith(before)
	kid = helper.profile_key()
	assert kid in keys(helper.ep, LOGIN)
	# rotating changes the key lines only
	p = helper.run("--rotate")
	assert p.returncode == 0, p.stderr
	again = helper.credentials()
	assert again.startswith(before)
	assert len(again) == len(after)


def test_a_foreign_key_in_the_managed_profile_is_left_alone(helper):
	os.makedirs(os.path.dirname(helper.cred_path), mode=0o700)
	before = b"[default]\naws_access_key_id = AKIAFOREIGNFOREIGN00\naws_secret_access_key = x\n"
	with open(helper.cred_path, "wb") as f:
		f.write(before)
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert "did not write" in p.stdout
	assert helper.credentials() == before
	assert not (set(helper.ep.actions()) & MUTATING)


def test_a_symlinked_credentials_file_is_refused(helper, tmp_path):
	target = tmp_path / "elsewhere"
	target.write_bytes(b"[x]\n")
	os.makedirs(os.path.dirname(helper.cred_path), mode=0o700)
	os.symlink(str(target), helper.cred_path)
	p = helper.run()
	assert p.returncode == 6
	assert target.read_bytes() == b"[x]\n"


def test_missing_home_is_a_clear_file_error(helper, tmp_path):
	p = helper.run(home=str(tmp_path / "nohome"))
	assert p.returncode == 6
	assert "nohome" in p.stderr


def test_region_goes_into_the_config_file_when_absent(helper):
	helper.configure(keys={"region": "eu-west-1"})
	assert helper.run().returncode == 0
	cp = configparser.RawConfigParser()
	cp.read(os.path.join(helper.home, ".aws", "config"))
	assert cp.get("default", "region") == "eu-west-1"


def test_initial_console_password_goes_only_into_its_file(helper):
	helper.configure(console={"password": "initial"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	path = os.path.join(helper.home, ".aws", "console-initial-password")
	st = os.stat(path)
	assert stat.S_IMODE(st.st_mode) == 0o600
	pw = open(path).read().strip()
	assert len(pw) >= 20 and pw not in p.stdout + p.stderr
	assert helper.ep.user(LOGIN)["login_profile"]["reset_required"] is True
	assert "CreateLoginProfile" in helper.ep.actions()


def test_the_aws_cli_works_with_the_written_profile(helper):
	assert helper.run().returncode == 0
	p = run_aws(helper.ep, ["sts", "get-caller-identity"], helper.home)
	assert p.returncode == 0, p.stderr
	assert p.json()["Arn"].endswith(":user/" + LOGIN)


def test_wait_until_usable_polls_sts_with_the_new_key(helper):
	helper.ep.config(new_key_delay_ms=1500)
	helper.configure(keys={"wait_until_usable": "10"})
	p = helper.run()
	assert p.returncode == 0, p.stderr
	sts = [c for c in helper.ep.calls() if c["action"] == "GetCallerIdentity"]
	assert sts and sts[-1]["status"] == 200
	assert len(sts) <= 25


# ---------------------------------------------------------------- concurrency and crashes

def test_twenty_parallel_logins_create_exactly_one_key(helper):
	procs = [subprocess.Popen(helper.argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
	                          stdin=subprocess.DEVNULL, env=clean_env()) for _ in range(20)]
	rcs = [p.wait(120) for p in procs]
	for p in procs:
		p.stdout.close()
		p.stderr.close()
	assert rcs == [0] * 20
	assert helper.ep.actions().count("CreateAccessKey") == 1
	assert len(keys(helper.ep, LOGIN)) == 1


def test_kill_9_at_random_points_leaves_a_whole_file(helper):
	helper.configure(keys={"on_limit": "replace-oldest-managed"})
	assert helper.run().returncode == 0
	rng = random.Random(1234)
	seen = set()
	for _ in range(25):
		before = helper.profile_key()
		p = subprocess.Popen(helper.argv("--rotate"), stdout=subprocess.DEVNULL,
		                     stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
		                     env=clean_env())
		time.sleep(rng.uniform(0, 0.08))
		p.send_signal(signal.SIGKILL)
		p.wait(30)
		data = helper.credentials()
		cp = configparser.RawConfigParser()
		cp.read_string(data.decode())
		kid = cp.get("default", "aws_access_key_id")
		assert cp.get("default", "aws_secret_access_key")
		seen.add(kid != before)
		leftovers = [n for n in os.listdir(os.path.dirname(helper.cred_path))
		             if n not in ("credentials", "config")]
		assert leftovers == [] or all(".tmp" in n for n in leftovers)
	# after the storm an ordinary run still converges on one working key
	p = helper.run("--rotate")
	assert p.returncode == 0, p.stderr
	assert helper.profile_key() in keys(helper.ep, LOGIN)


# ---------------------------------------------------------------- CLI

def test_dry_run_makes_no_mutating_call(helper):
	p = helper.run("--dry-run")
	assert p.returncode == 0, p.stderr
	assert "CreateUser" in p.stdout and "CreateAccessKey" in p.stdout
	assert not (set(helper.ep.actions()) & MUTATING)
	assert helper.ep.user(LOGIN) is None
	assert helper.credentials() is None


def test_check_config_prints_the_effective_config(helper):
	p = helper.run("--check-config")
	assert p.returncode == 0, p.stderr
	assert "[keys]" in p.stdout and "max_age_days" in p.stdout
	assert helper.ep.actions() == []


def test_bad_config_is_a_config_error_with_file_and_line(helper):
	with open(helper.conf, "a") as f:
		f.write("[keys]\nno_such_key = 1\n")
	p = helper.run()
	assert p.returncode == 4
	assert helper.conf in p.stderr


@pytest.mark.parametrize("args", [["--bogus"], ["--status", "--revoke"], ["extra"],
                                  ["--user"], ["--config"], ["--home", "relative"]])
def test_bad_arguments_exit_with_usage(helper, args):
	p = subprocess.run(["%s" % helper.argv()[0]] + args, capture_output=True, text=True,
	                   env=clean_env(), stdin=subprocess.DEVNULL)
	assert p.returncode == 2
	assert "usage:" in p.stderr


def test_version_and_help(helper):
	p = subprocess.run([helper.argv()[0], "--version"], capture_output=True, text=True)
	assert p.returncode == 0 and p.stdout.startswith("aws-iam-provision ")
	p = subprocess.run([helper.argv()[0], "--help"], capture_output=True, text=True)
	assert p.returncode == 0 and "--rotate" in p.stdout


def test_environment_is_not_trusted(helper):
	env = clean_env(HOME="/nonexistent", AWS_ACCESS_KEY_ID="AKIAENVENVENVENV0000",
	                AWS_SECRET_ACCESS_KEY="x", AWS_CONFIG_FILE="/dev/null")
	p = subprocess.run(helper.argv(), capture_output=True, text=True, env=env,
	                   stdin=subprocess.DEVNULL)
	assert p.returncode == 0, p.stderr
	assert helper.profile_key() in keys(helper.ep, LOGIN)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root: acts for another account")
def test_root_acts_for_another_account_with_its_ids(helper):
	import shutil
	import tempfile
	nobody = pwd.getpwnam("nobody")
	base = tempfile.mkdtemp(prefix="pai-nobody-", dir="/var/tmp")
	try:
		os.chmod(base, 0o755)
		home = os.path.join(base, "home")
		os.mkdir(home, 0o700)
		os.chown(home, nobody.pw_uid, nobody.pw_gid)
		p = helper.run("--user", "nobody", home=home)
		assert p.returncode == 0, p.stderr
		st = os.stat(os.path.join(home, ".aws", "credentials"))
		assert (st.st_uid, st.st_gid, st.st_mode & 0o777) == \
			(nobody.pw_uid, nobody.pw_gid, 0o600)
		assert helper.ep.user("nobody") is not None
		# the test's own home (root's rights would allow it) is not where nobody's key went
		assert helper.credentials() is None
	finally:
		shutil.rmtree(base, ignore_errors=True)


# ---------------------------------------------------------------- hostile and flaky IAM

@pytest.mark.parametrize("mode", ["garbage", "truncated", "newline_values", "missing_fields",
                                  "other_user", "doctype_xxe", "http200_error"])
def test_a_hostile_create_access_key_reply_writes_nothing(helper, mode):
	helper.ep.hostile(mode, count=None, actions=["CreateAccessKey"])
	p = helper.run()
	assert p.returncode == 5, p.stdout + p.stderr
	assert helper.credentials() is None
	assert "AKIAEVIL" not in p.stdout + p.stderr


@pytest.mark.parametrize("mode", ["garbage", "other_user", "newline_values"])
def test_a_hostile_get_user_reply_changes_nothing(helper, mode):
	assert helper.run().returncode == 0
	before = helper.credentials()
	helper.configure(keys={"verify_interval": "0"})
	helper.ep.hostile(mode, count=None, actions=["GetUser"])
	helper.ep.clear_calls()
	p = helper.run()
	assert p.returncode == 5, p.stdout + p.stderr
	assert helper.credentials() == before
	assert not (set(helper.ep.actions()) & MUTATING)


def test_throttled_calls_are_retried_and_the_login_still_works(helper):
	helper.ep.faults(throttle=1.0, count=2, only_actions=["CreateAccessKey"])
	p = helper.run()
	assert p.returncode == 0, p.stderr
	assert helper.ep.actions().count("CreateAccessKey") == 3
	helper.ep.faults()  # (the endpoint's state dump cannot show an active fault's RNG)
	assert len(keys(helper.ep, LOGIN)) == 1


def test_an_unreachable_endpoint_is_an_aws_error_and_changes_nothing(helper):
	helper.configure(aws={"endpoint": "http://127.0.0.1:9", "sts_endpoint": "http://127.0.0.1:9",
	                      "deadline": "3", "connect_timeout": "1"})
	p = helper.run()
	assert p.returncode == 5
	assert helper.credentials() is None
