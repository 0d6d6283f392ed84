# SPDX-License-Identifier: MIT
"""[keys] deliver = process against the local endpoint, unprivileged: the long-term key stays
with the helper, ~/.aws/config runs `aws-iam-provision --credential-process`, and the Debian
AWS CLI works with STS sessions. The home never holds the long-term key; parallel programs make
one GetSessionToken; a cache that ran out is renewed; outages are ridden out on a session still
valid; --revoke ends the sessions IAM gave."""
import configparser
import json
import os
import re
import subprocess
import time

import pytest

from pai_testlib import HOST, LOGIN, MUTATING, aws_cli_env, clean_env, run_aws

PROCESS = {"deliver": "process"}
# What a person already had in ~/.aws/config: kept byte for byte (CRLF, comment, no final LF).
SEEDED_CONFIG = b"# mine\r\n[profile work]\r\nregion = eu-west-1\r\noutput = json"


def login(helper, *args, **keys):
	helper.configure(keys=dict(PROCESS, **keys))
	p = helper.run(*args)
	assert p.returncode == 0, p.stderr
	return p


def config_path(helper):
	return os.path.join(helper.home, ".aws", "config")


def aws(helper, *args, timeout=120):
	"""The Debian AWS CLI with nothing but the home's ~/.aws/config (no credentials file)."""
	env = aws_cli_env(helper.home, config_file=config_path(helper))
	return run_aws(helper.ep, list(args), helper.home, env=env, timeout=timeout)


def credential_process(helper, env=None):
	p = subprocess.run(helper.argv("--credential-process"), capture_output=True, text=True,
	                   timeout=120, stdin=subprocess.DEVNULL, env=env or clean_env())
	p.json = lambda: json.loads(p.stdout)
	return p


def cache_path(helper):
	return os.path.join(helper.state, "sessions", LOGIN)


def rewrite_cache(helper, **fields):
	"""Sets fields of the session cache (the test owns the state dir: unprivileged)."""
	with open(cache_path(helper)) as f:
		lines = f.read().splitlines()
	out = [lines[0]]
	for ln in lines[1:]:
		k = ln.split("=", 1)[0]
		if k not in fields:
			out.append(ln)
	out += ["%s=%s" % kv for kv in fields.items()]
	with open(cache_path(helper), "w") as f:
		f.write("\n".join(out) + "\n")


def held_key(helper):
	"""(key id, secret) the helper keeps for the person."""
	with open(os.path.join(helper.state, "keys", LOGIN)) as f:
		rec = dict(ln.split("=", 1) for ln in f.read().splitlines()[1:])
	return rec["key_id"], rec["secret"]


def home_bytes(helper):
	"""Every byte of every file under the home, with its path."""
	out = {}
	for d, _, files in os.walk(helper.home):
		for n in files:
			p = os.path.join(d, n)
			with open(p, "rb") as f:
				out[os.path.relpath(p, helper.home)] = f.read()
	return out


def sessions_calls(ep):
	return [c for c in ep.calls() if c["action"] == "GetSessionToken"]


# ---------------------------------------------------------------- the login

def test_the_aws_cli_with_only_the_written_config_is_the_iam_user(helper):
	os.makedirs(os.path.dirname(config_path(helper)), mode=0o700)
	with open(config_path(helper), "wb") as f:
		f.write(SEEDED_CONFIG)
	p = login(helper)
	kid, secret = held_key(helper)
	assert kid in p.stdout and "credential_process" in p.stdout
	assert secret not in p.stdout + p.stderr
	assert sorted(os.listdir(os.path.join(helper.home, ".aws"))) == ["config"]
	with open(config_path(helper), "rb") as f:
		cfg = f.read()
	assert cfg.startswith(SEEDED_CONFIG)   # the person's own bytes, then the managed profile
	cp = configparser.RawConfigParser()
	cp.read_string(cfg.decode())
	line = cp.get("default", "credential_process")
	assert line.split()[:2] == [helper.argv()[0], "--credential-process"]
	helper.ep.clear_calls()
	r = aws(helper, "sts", "get-caller-identity")
	assert r.returncode == 0, r.stderr
	assert r.json()["Arn"] == helper.ep.user(LOGIN)["arn"]
	(gst,) = sessions_calls(helper.ep)
	assert gst["caller_key"] == kid and gst["params"]["DurationSeconds"] == "43200"
	(who,) = [c for c in helper.ep.calls() if c["action"] == "GetCallerIdentity"]
	assert who["caller_key"].startswith("ASIA") and who["caller_key"] != kid
	# nothing in the whole home names the long-term key
	for path, data in home_bytes(helper).items():
		assert kid.encode() not in data, path
		assert secret.encode() not in data, path


# Debian's botocore (1.29) has no per-service endpoint setting and builds the role
# provider's STS client without --endpoint-url: this AWS CLI plugin points its AssumeRole at
# the local endpoint before signing (so the signature covers the local host, checked there).
STS_HERE_PLUGIN = """import urllib.parse
def awscli_initialize(cli):
	def here(request, **kw):
		u = urllib.parse.urlsplit(request.url)
		request.url = urllib.parse.urljoin(%r, u.path + ("?" + u.query if u.query else ""))
	cli.register("before-sign.sts.AssumeRole", here)
"""


def test_a_role_arn_profile_over_the_managed_profile_keeps_working(helper):
	"""role_arn + source_profile: botocore runs the credential process for the source
	profile, then AssumeRole with its session (allowed to GetSessionToken credentials)."""
	login(helper)
	arn = helper.ep.create_role("deploy")
	plugin_dir = os.path.join(helper.home, "cli-plugin")
	os.mkdir(plugin_dir)
	with open(os.path.join(plugin_dir, "pai_sts_here.py"), "w") as f:
		f.write(STS_HERE_PLUGIN % helper.ep.url)
	with open(config_path(helper), "a") as f:
		f.write("\n[profile deploy]\nrole_arn = %s\nsource_profile = default\n"
		        "[plugins]\ncli_legacy_plugin_path = %s\nsts_here = pai_sts_here\n"
		        % (arn, plugin_dir))
	helper.ep.clear_calls()
	r = aws(helper, "--profile", "deploy", "sts", "get-caller-identity")
	assert r.returncode == 0, r.stderr
	assert r.json()["Arn"] == "arn:aws:sts::123456789012:assumed-role/deploy/" + \
		r.json()["UserId"].split(":", 1)[1]
	assert helper.ep.actions() == ["GetSessionToken", "AssumeRole", "GetCallerIdentity"]
	(assume,) = [c for c in helper.ep.calls() if c["action"] == "AssumeRole"]
	assert assume["caller_key"].startswith("ASIA")   # the session, not the held key
	assert assume["caller_key"] != held_key(helper)[0]


def test_state_holds_the_key_and_the_session_for_the_helper_alone(helper):
	login(helper)
	assert credential_process(helper).returncode == 0
	for sub in ("keys", "sessions"):
		d = os.path.join(helper.state, sub)
		assert os.stat(d).st_mode & 0o777 == 0o700
		assert os.stat(os.path.join(d, LOGIN)).st_mode & 0o777 == 0o600


def test_credential_process_prints_what_the_sdks_read(helper):
	login(helper, session_seconds="3600")
	p = credential_process(helper)
	assert p.returncode == 0, p.stderr
	assert p.stderr == ""
	c = p.json()
	assert set(c) == {"Version", "AccessKeyId", "SecretAccessKey", "SessionToken",
	                  "Expiration"}
	assert c["Version"] == 1 and c["AccessKeyId"].startswith("ASIA")
	assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", c["Expiration"])
	left = time.mktime(time.strptime(c["Expiration"], "%Y-%m-%dT%H:%M:%SZ")) - time.mktime(
		time.gmtime())
	assert 3600 - 120 < left <= 3600 + 5
	(s,) = helper.ep.sessions(LOGIN)
	assert s["id"] == c["AccessKeyId"] and s["source_key"] == held_key(helper)[0]


def test_a_cached_session_is_served_without_a_call_or_the_network_library(helper):
	login(helper)
	first = credential_process(helper).json()
	helper.ep.clear_calls()
	p = subprocess.run(helper.argv("--credential-process"), capture_output=True, text=True,
	                   timeout=60, stdin=subprocess.DEVNULL, env=clean_env(LD_DEBUG="files"))
	assert p.returncode == 0
	loaded = [ln.split("file=", 1)[1].split()[0] for ln in p.stderr.splitlines()
	          if "file=" in ln]
	assert [o for o in loaded if "libc.so" in o], "LD_DEBUG showed no loads: proves nothing"
	assert not [o for o in loaded if "pai-network.so" in o or "libcurl" in o], loaded
	assert json.loads(p.stdout) == first
	assert helper.ep.actions() == []


def test_twenty_parallel_aws_processes_make_one_get_session_token(helper):
	login(helper)
	helper.ep.clear_calls()
	env = aws_cli_env(helper.home, config_file=config_path(helper))
	cmd = ["/usr/bin/aws", "--endpoint-url", helper.ep.url, "--region", helper.ep.region,
	       "--output", "json", "sts", "get-caller-identity"]
	procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
	                          stdin=subprocess.DEVNULL, text=True) for _ in range(20)]
	try:
		outs = [p.communicate(timeout=300) for p in procs]
	finally:
		for p in procs:
			if p.poll() is None:
				p.kill()
				p.wait()
	assert [p.returncode for p in procs] == [0] * 20, [e for _, e in outs]
	assert {json.loads(o)["Arn"] for o, _ in outs} == {helper.ep.user(LOGIN)["arn"]}
	assert len(sessions_calls(helper.ep)) == 1
	who = [c for c in helper.ep.calls() if c["action"] == "GetCallerIdentity"]
	assert len(who) == 20 and len({c["caller_key"] for c in who}) == 1


def test_a_session_near_its_end_or_expired_is_renewed(helper):
	login(helper)
	first = credential_process(helper).json()
	# within session_refresh (1200 s) of its end: renewed
	rewrite_cache(helper, expires=int(time.time()) + 1000)
	second = credential_process(helper).json()
	assert second["AccessKeyId"] != first["AccessKeyId"]
	assert len(sessions_calls(helper.ep)) == 2
	# past its end (and the endpoint agrees: the session is over)
	helper.ep.expire_sessions(session_id=second["AccessKeyId"])
	rewrite_cache(helper, expires=int(time.time()) - 10)
	r = aws(helper, "sts", "get-caller-identity")
	assert r.returncode == 0, r.stderr
	assert len(sessions_calls(helper.ep)) == 3
	third = credential_process(helper).json()
	assert third["AccessKeyId"] not in (first["AccessKeyId"], second["AccessKeyId"])


def test_a_hostile_or_foreign_cache_is_no_cache(helper):
	login(helper)
	assert credential_process(helper).returncode == 0
	for junk in (b"\x00\xff garbage\n", b"pam-aws-iam-session v1\nuid=0\n", b""):
		with open(cache_path(helper), "wb") as f:
			f.write(junk)
		before = len(sessions_calls(helper.ep))
		p = credential_process(helper)
		assert p.returncode == 0, p.stderr
		assert len(sessions_calls(helper.ep)) == before + 1
	# a cache of another IAM user (a re-created one) is not served
	rewrite_cache(helper, user_id="AIDAOTHEROTHEROTHER00")
	before = len(sessions_calls(helper.ep))
	assert credential_process(helper).returncode == 0
	assert len(sessions_calls(helper.ep)) == before + 1


def test_a_cache_that_cannot_be_written_still_serves(helper):
	login(helper)
	os.makedirs(helper.state, exist_ok=True)
	with open(os.path.join(helper.state, "sessions"), "w") as f:
		f.write("not a directory\n")   # even root cannot write below it
	for n in (1, 2):
		p = credential_process(helper)
		assert p.returncode == 0, p.stderr
		assert p.json()["AccessKeyId"].startswith("ASIA")
		assert len(sessions_calls(helper.ep)) == n   # nothing cached: each call asks


def test_an_outage_is_ridden_out_on_the_cached_session_and_remembered(helper):
	login(helper)
	first = credential_process(helper).json()
	rewrite_cache(helper, expires=int(time.time()) + 600)   # due, but still good
	helper.ep.faults(error500=1.0, only_actions=["GetSessionToken"])
	p = credential_process(helper)
	assert p.returncode == 0, p.stderr
	assert p.json()["AccessKeyId"] == first["AccessKeyId"]
	tried = len(sessions_calls(helper.ep))
	assert tried >= 2   # the renewal was attempted (and retried)
	# remembered: the next calls serve at once, without asking STS again
	for _ in range(3):
		p = credential_process(helper)
		assert p.returncode == 0 and p.json()["AccessKeyId"] == first["AccessKeyId"]
	assert len(sessions_calls(helper.ep)) == tried  # the bound: no STS call, so no wait
	# with no session left to serve: one line, exit 5, at once, and no secret
	rewrite_cache(helper, expires=int(time.time()) + 30)
	p = credential_process(helper)
	assert p.returncode == 5 and p.stdout == ""
	assert len(p.stderr.splitlines()) == 1 and "GetSessionToken failed" in p.stderr
	assert "InternalFailure" in p.stderr and "tried again in" in p.stderr
	assert len(sessions_calls(helper.ep)) == tried
	assert held_key(helper)[1] not in p.stderr
	helper.ep.faults()


def test_a_key_made_a_moment_ago_is_waited_for(helper):
	helper.ep.config(new_key_delay_ms=2500)
	login(helper)
	p = credential_process(helper)
	assert p.returncode == 0, p.stderr
	codes = [c["error"] for c in sessions_calls(helper.ep)]
	assert codes[-1] is None and "InvalidClientTokenId" in codes


# ---------------------------------------------------------------- errors

def test_credential_process_errors_are_one_line_with_a_status(helper):
	helper.configure(keys=PROCESS)
	p = credential_process(helper)   # nothing held yet
	assert p.returncode == 6 and p.stdout == "" and len(p.stderr.splitlines()) == 1
	assert "no AWS key is held" in p.stderr and "log in" in p.stderr
	helper.configure()   # deliver = file
	p = credential_process(helper)
	assert p.returncode == 4 and "deliver = process" in p.stderr
	p = subprocess.run(helper.argv("--credential-process", "--dry-run"), capture_output=True,
	                   text=True, timeout=60, env=clean_env())
	assert p.returncode == 2


def test_a_held_key_deleted_in_iam_is_an_error_not_a_hang(helper):
	login(helper)
	kid, _ = held_key(helper)
	helper.ep.botocore_client("iam").delete_access_key(UserName=LOGIN, AccessKeyId=kid)
	p = credential_process(helper)
	assert p.returncode == 5 and len(p.stderr.splitlines()) == 1
	assert "InvalidClientTokenId" in p.stderr


def test_a_foreign_static_key_in_the_managed_profile_is_an_error_at_login(helper):
	os.makedirs(os.path.join(helper.home, ".aws"), mode=0o700)
	seeded = (b"[default]\naws_access_key_id = AKIAFOREIGNFOREIGN00\n"
	          b"aws_secret_access_key = foreignSECRETforeignSECRETforeignSECRET\n"
	          b"[other]\naws_access_key_id = AKIAOTHEROTHEROTHER0\n"
	          b"aws_secret_access_key = x\n")
	with open(helper.cred_path, "wb") as f:
		f.write(seeded)
	helper.configure(keys=PROCESS)
	p = helper.run()
	assert p.returncode == 6
	assert "AKIAFOREIGNFOREIGN00" in p.stderr and "did not write" in p.stderr
	assert "credential_process" in p.stderr and len(p.stderr.splitlines()) == 1
	assert "foreignSECRET" not in p.stdout + p.stderr
	assert helper.credentials() == seeded
	assert not os.path.exists(config_path(helper))
	assert helper.ep.user(LOGIN) is None   # nothing made
	# a static key in another profile is the person's business
	with open(helper.cred_path, "wb") as f:
		f.write(seeded.split(b"[other]")[0].replace(b"[default]", b"[mine]") +
		        b"[other]" + seeded.split(b"[other]")[1])
	p = helper.run()
	assert p.returncode == 0, p.stderr


# ---------------------------------------------------------------- switching delivery

def test_switching_from_file_to_process_replaces_the_key_and_takes_it_out_of_the_home(helper):
	os.makedirs(os.path.join(helper.home, ".aws"), mode=0o700)
	mine = b"# my keys\n[work]\naws_access_key_id = AKIAWORKWORKWORK0000\n" \
	       b"aws_secret_access_key = workSECRET\n"
	with open(helper.cred_path, "wb") as f:
		f.write(mine)
	assert helper.run().returncode == 0   # deliver = file
	old = helper.profile_key()
	p = login(helper)
	new, secret = held_key(helper)
	assert new != old
	assert "taken out of profile 'default'" in p.stdout
	# the person's own bytes, exactly; of the managed profile, its (now empty) header
	assert helper.credentials().startswith(mine)
	assert helper.profile_key() is None
	keys = [k["id"] for k in helper.ep.user(LOGIN)["keys"]]
	assert keys == [new]   # the key that sat in the home is deleted
	r = aws(helper, "sts", "get-caller-identity")
	assert r.returncode == 0, r.stderr
	for path, data in home_bytes(helper).items():
		assert new.encode() not in data and secret.encode() not in data, path
	helper.ep.clear_calls()
	assert helper.run().returncode == 0   # the fast path now
	assert helper.ep.actions() == []


def test_switching_back_to_file_takes_credential_process_out(helper):
	os.makedirs(os.path.join(helper.home, ".aws"), mode=0o700)
	with open(config_path(helper), "wb") as f:
		f.write(SEEDED_CONFIG)
	login(helper)
	assert credential_process(helper).returncode == 0
	helper.configure()   # deliver = file
	p = helper.run()
	assert p.returncode == 0, p.stderr
	with open(config_path(helper), "rb") as f:
		cfg = f.read()
	assert b"credential_process" not in cfg and cfg.startswith(SEEDED_CONFIG)
	assert not os.path.exists(os.path.join(helper.state, "keys", LOGIN))
	assert not os.path.exists(cache_path(helper))
	assert [k["id"] for k in helper.ep.user(LOGIN)["keys"]] == [helper.profile_key()]


def test_a_lost_credential_process_line_is_put_back_at_the_next_verify(helper):
	login(helper, verify_interval="0")
	kid, _ = held_key(helper)
	with open(config_path(helper), "w") as f:
		f.write("[default]\nregion = eu-west-1\n")
	helper.ep.clear_calls()
	p = login(helper, verify_interval="0")
	assert "credential_process set again" in p.stdout
	assert "CreateAccessKey" not in helper.ep.actions()
	assert held_key(helper)[0] == kid
	cp = configparser.RawConfigParser()
	cp.read(config_path(helper))
	assert cp.get("default", "region") == "eu-west-1"
	assert cp.get("default", "credential_process").endswith(
		"--config %s --home %s --host %s" % (helper.conf, helper.home, HOST))


# ---------------------------------------------------------------- status and revoke

def test_status_shows_the_sessions_expiry(helper):
	login(helper)
	p = helper.run("--status")
	assert "session: none cached" in p.stdout
	c = credential_process(helper).json()
	p = helper.run("--status")
	assert p.returncode == 0, p.stderr
	assert "session: %s, expires %s" % (c["AccessKeyId"], c["Expiration"]) in p.stdout
	assert "credential_process in profile 'default'" in p.stdout
	assert c["SecretAccessKey"] not in p.stdout and c["SessionToken"] not in p.stdout


def test_revoke_ends_the_sessions_iam_gave_and_drops_the_cache(helper):
	login(helper)
	old = credential_process(helper).json()
	ep = helper.ep
	ep.put_secret("probe", value="v")
	sm = ep.botocore_client("secretsmanager", old["AccessKeyId"], old["SecretAccessKey"],
	                        old["SessionToken"])
	assert sm.get_secret_value(SecretId="probe")["SecretString"] == "v"
	kid, _ = held_key(helper)
	p = login(helper, "--revoke")
	assert "IAM refuses every session" in p.stdout
	assert ep.user(LOGIN)["keys"] == []
	(doc,) = ep.user_policies(LOGIN).values()
	assert "aws:TokenIssueTime" in doc and '"Deny"' in doc
	acts = ep.actions()
	assert acts.index("DeleteAccessKey") < acts.index("PutUserPolicy")
	from botocore.exceptions import ClientError
	with pytest.raises(ClientError) as e:
		sm.get_secret_value(SecretId="probe")
	assert e.value.response["Error"]["Code"] == "AccessDeniedException"
	assert "explicit deny" in e.value.response["Error"]["Message"]
	assert not os.path.exists(cache_path(helper))
	assert not os.path.exists(os.path.join(helper.state, "keys", LOGIN))
	with open(config_path(helper)) as f:
		assert "credential_process" not in f.read()
	# the next login makes a new key, whose sessions work
	time.sleep(1.2)   # the deny covers the second of the revoke
	login(helper)
	assert held_key(helper)[0] != kid
	new = credential_process(helper).json()
	sm2 = ep.botocore_client("secretsmanager", new["AccessKeyId"], new["SecretAccessKey"],
	                         new["SessionToken"])
	assert sm2.get_secret_value(SecretId="probe")["SecretString"] == "v"


def test_dry_run_revoke_says_it_would_revoke_sessions_and_changes_nothing(helper):
	login(helper)
	credential_process(helper)
	helper.ep.clear_calls()
	p = login(helper, "--revoke", "--dry-run")
	assert "dry-run: would call PutUserPolicy %s" % "pam-aws-iam-revoke-older-sessions" \
		in p.stdout
	assert os.path.exists(cache_path(helper))
	assert not set(helper.ep.actions()) & MUTATING, helper.ep.actions()


# ---------------------------------------------------------------- fleet mode

def test_fleet_mode_keeps_the_stores_key_with_the_helper_and_a_revoke_ends_sessions(helper):
	ep = helper.ep
	helper.configure(aws={"region": ep.service_region, "secretsmanager_endpoint": ep.url},
	                 keys=dict(PROCESS, store="secretsmanager"))
	p = helper.run()
	assert p.returncode == 0, p.stderr
	kid, secret = held_key(helper)
	(sec,) = ep.secrets()
	assert kid in sec["versions"][-1]["string"]
	assert not os.path.exists(helper.cred_path)
	old = credential_process(helper).json()
	for path, data in home_bytes(helper).items():
		assert kid.encode() not in data and secret.encode() not in data, path
	p = helper.run("--revoke")
	assert p.returncode == 0, p.stderr
	assert "IAM refuses every session" in p.stdout
	assert ep.user(LOGIN)["keys"] == []
	sm = ep.botocore_client("secretsmanager", old["AccessKeyId"], old["SecretAccessKey"],
	                        old["SessionToken"])
	from botocore.exceptions import ClientError
	with pytest.raises(ClientError) as e:
		sm.describe_secret(SecretId=sec["name"])
	assert e.value.response["Error"]["Code"] == "AccessDeniedException"
	assert credential_process(helper).returncode == 6   # nothing held any more
