# SPDX-License-Identifier: MIT
"""Every typed IAM/STS operation of helper/iam.c, through build/iam-op, against the local
endpoint: results, error mapping (each error a single call: never retried), pagination,
hostile replies, and the admin identity from a credentials file or IMDSv2."""
import os
import subprocess

import pytest

from pai_testlib import build_path, clean_env, run_aws

IAM_OP = build_path("iam-op")
EXIT_BASE = 10
# pai_err values (helper/err.h)
OK, NOMEM, INVALID, TOOBIG, NETWORK, TIMEOUT, REPLY, AWS, NOT_FOUND, EXISTS, LIMIT, DENIED, \
	CONFIG, FILE, REFUSED, CRYPTO = range(16)

pytestmark = pytest.mark.skipif(not os.path.exists(IAM_OP), reason="build/iam-op not built")


class Result:
	def __init__(self, p):
		self.rc = p.returncode
		self.stdout = p.stdout
		self.stderr = p.stderr
		self.err = None if p.returncode in (0, 2) else p.returncode - EXIT_BASE
		self.kv = {}
		self.lines = p.stdout.splitlines()
		for line in self.lines:
			k, _, v = line.partition("=")
			self.kv[k] = v

	def __getitem__(self, k):
		return self.kv[k]


def iam_op(ep, *args, creds=None, imds=False, opts=(), timeout=60):
	cmd = [IAM_OP, "--endpoint", ep.url]
	if imds:
		cmd += ["--imds", ep.url]
	else:
		cmd += ["--credentials-file", creds or ep.admin_credentials_file]
	cmd += list(opts) + [str(a) for a in args]
	p = subprocess.run(cmd, env=clean_env(), capture_output=True, text=True, timeout=timeout,
	                   stdin=subprocess.DEVNULL)
	return Result(p)


@pytest.fixture
def ep(iam_endpoint_session):
	iam_endpoint_session.reset()
	return iam_endpoint_session


def calls_of(ep, action):
	return [c for c in ep.calls() if c["action"] == action]


# ---- STS and users

def test_get_caller_identity_names_the_admin(ep):
	r = iam_op(ep, "get-caller-identity")
	assert r.rc == 0, r.stderr
	assert r["account"] == ep.account
	assert r["arn"] == "arn:aws:iam::%s:user/%s" % (ep.account, ep.admin_user)
	assert [c["service"] for c in ep.calls()] == ["sts"]


def test_get_user_returns_tags(ep):
	ep.create_user("alice", tags={"team": "dev", "pam_aws_iam:managed": "host1"}, path="/pam/")
	r = iam_op(ep, "get-user", "ALICE")
	assert r.rc == 0, r.stderr
	assert r["user_name"] == "alice"
	assert r["path"] == "/pam/"
	assert r["arn"] == "arn:aws:iam::%s:user/pam/alice" % ep.account
	assert r["tag.team"] == "dev"
	assert r["tag.pam_aws_iam:managed"] == "host1"


def test_get_user_missing_is_not_found_in_one_call(ep):
	r = iam_op(ep, "get-user", "nobody")
	assert r.err == NOT_FOUND
	assert "NoSuchEntity" in r.stderr and "request id" in r.stderr
	assert len(calls_of(ep, "GetUser")) == 1


def test_create_user_sends_path_boundary_and_tags(ep):
	boundary = "arn:aws:iam::%s:policy/pai-boundary" % ep.account
	r = iam_op(ep, "create-user", "bob", "--path", "/pam/", "--boundary", boundary,
	           "--tag", "team=ops", "--tag", "empty=")
	assert r.rc == 0, r.stderr
	assert r["path"] == "/pam/"
	u = ep.user("bob")
	assert u["path"] == "/pam/"
	assert u["boundary"] == boundary
	assert sorted(map(tuple, u["tags"])) == [("empty", ""), ("team", "ops")]


def test_create_user_existing_is_exists(ep):
	ep.create_user("carol")
	r = iam_op(ep, "create-user", "Carol")
	assert r.err == EXISTS
	assert "EntityAlreadyExists" in r.stderr
	assert len(calls_of(ep, "CreateUser")) == 1


@pytest.mark.parametrize("args", [
	("create-user", "bad name"),
	("create-user", "x" * 65),
	("create-user", "ok", "--path", "nopath"),
	("create-user", "ok", "--boundary", "arn:aws:s3:::bucket"),
	("create-user", "ok", "--tag", "a=1", "--tag", "A=2"),
	("get-user", "a/b"),
	("tag-user", "ok", "bad\tkey=1"),
	("update-access-key", "ok", "AKIAIOSFODNN7EXAMPLE", "Enabled"),
	("delete-access-key", "ok", "AKIA-NOT-A-KEY-ID"),
	("attach-user-policy", "ok", "not-an-arn"),
	("add-user-to-group", "ok", "bad group"),
])
def test_bad_input_is_refused_before_any_call(ep, args):
	r = iam_op(ep, *args)
	assert r.err == INVALID, (r.rc, r.stderr)
	assert ep.actions() == []


def test_51_tags_are_refused_before_any_call(ep):
	tags = ["k%d=v" % i for i in range(51)]
	r = iam_op(ep, "tag-user", ep.admin_user, *tags)
	assert r.err == INVALID
	assert ep.actions() == []


# ---- tags

def test_tag_untag_and_list_user_tags(ep):
	ep.create_user("dave", tags={"a": "1"})
	r = iam_op(ep, "tag-user", "dave", "b=2", "c=three")
	assert r.rc == 0, r.stderr
	r = iam_op(ep, "untag-user", "dave", "a")
	assert r.rc == 0, r.stderr
	r = iam_op(ep, "list-user-tags", "dave")
	assert r.rc == 0, r.stderr
	assert r["tag_count"] == "2"
	assert r["tag.b"] == "2" and r["tag.c"] == "three"


def test_reserved_tag_key_is_invalid_input_and_not_retried(ep):
	ep.create_user("erin")
	r = iam_op(ep, "tag-user", "erin", "aws:owner=x")
	assert r.err == AWS
	assert "InvalidInput" in r.stderr
	assert len(calls_of(ep, "TagUser")) == 1


def test_too_many_tags_on_server_is_limit_exceeded_once(ep):
	ep.create_user("fay", tags={"t%d" % i: "v" for i in range(45)})
	r = iam_op(ep, "tag-user", "fay", *["n%d=v" % i for i in range(10)])
	assert r.err == LIMIT
	assert len(calls_of(ep, "TagUser")) == 1


def test_list_user_tags_follows_every_page(ep):
	tags = {"k%02d" % i: "v%d" % i for i in range(50)}
	ep.create_user("gus", tags=tags)
	ep.config(page_size=7)
	r = iam_op(ep, "list-user-tags", "gus")
	assert r.rc == 0, r.stderr
	assert r["tag_count"] == "50"
	assert {k[4:]: v for k, v in r.kv.items() if k.startswith("tag.")} == tags
	pages = calls_of(ep, "ListUserTags")
	assert len(pages) == 8  # ceil(50 / 7)
	assert "Marker" not in pages[0]["params"]
	assert all("Marker" in c["params"] for c in pages[1:])


def test_list_user_tags_one_per_page(ep):
	ep.create_user("gil", tags={"k%02d" % i: "v" for i in range(50)})
	ep.config(page_size=1)
	r = iam_op(ep, "list-user-tags", "gil")
	assert r.rc == 0, r.stderr
	assert r["tag_count"] == "50"
	assert len(calls_of(ep, "ListUserTags")) == 50


def test_get_user_with_hostile_other_user_is_refused(ep):
	ep.create_user("hal")
	ep.hostile("other_user", actions=["GetUser"])
	r = iam_op(ep, "get-user", "hal")
	assert r.err == REPLY
	assert "user_name=" not in r.stdout


@pytest.mark.parametrize("mode", ["missing_fields", "duplicated_fields", "newline_values",
                                  "garbage", "truncated", "doctype_xxe"])
def test_hostile_get_user_replies_are_refused(ep, mode):
	ep.create_user("ivy")
	ep.hostile(mode, actions=["GetUser"])
	r = iam_op(ep, "get-user", "ivy")
	assert r.err in (REPLY, TOOBIG), (mode, r.rc, r.stderr)
	assert r.stdout == ""


# ---- groups and policies

def test_add_user_to_group_and_attach_policy(ep):
	ep.create_user("jo")
	policy = "arn:aws:iam::%s:policy/developer-access" % ep.account
	assert iam_op(ep, "add-user-to-group", "jo", "developers").rc == 0
	assert iam_op(ep, "attach-user-policy", "jo", policy).rc == 0
	u = ep.user("jo")
	assert u["groups"] == ["developers"]
	assert u["policies"] == [policy]
	r = iam_op(ep, "add-user-to-group", "jo", "no-such-group")
	assert r.err == NOT_FOUND


# ---- access keys

def test_create_access_key_masks_the_secret_unless_asked(ep):
	ep.create_user("kim")
	r = iam_op(ep, "create-access-key", "kim")
	assert r.rc == 0, r.stderr
	assert r["secret_access_key"] == "********"
	key = [k for k in ep.state()["keys"] if k["id"] == r["access_key_id"]]
	assert key and key[0]["secret"] not in r.stdout + r.stderr
	r = iam_op(ep, "create-access-key", "kim", opts=["--show-secret"])
	key = [k for k in ep.state()["keys"] if k["id"] == r["access_key_id"]][0]
	assert r["secret_access_key"] == key["secret"]
	assert r["status"] == "Active"


def test_created_key_works_with_the_aws_cli(ep, tmp_path):
	ep.create_user("lee")
	r = iam_op(ep, "create-access-key", "lee", opts=["--show-secret"])
	assert r.rc == 0, r.stderr
	home = str(tmp_path)
	creds = os.path.join(home, "credentials")
	with open(creds, "w") as f:
		f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
		        % (r["access_key_id"], r["secret_access_key"]))
	os.chmod(creds, 0o600)
	p = run_aws(ep, ["sts", "get-caller-identity"], home, credentials_file=creds)
	assert p.returncode == 0, p.stderr
	assert p.json()["Arn"].endswith(":user/lee")


def test_third_key_is_limit_exceeded_and_never_retried(ep):
	ep.create_user("max")
	ep.create_key("max")
	ep.create_key("max")
	r = iam_op(ep, "create-access-key", "max")
	assert r.err == LIMIT
	assert "LimitExceeded" in r.stderr
	assert len(calls_of(ep, "CreateAccessKey")) == 1


def test_create_access_key_hostile_replies_are_refused(ep):
	ep.create_user("ned")
	for mode in ("missing_fields", "other_user", "newline_values"):
		ep.hostile(mode, actions=["CreateAccessKey"])
		r = iam_op(ep, "create-access-key", "ned", opts=["--show-secret"])
		assert r.err == REPLY, (mode, r.rc, r.stderr)
		assert r.stdout == ""
		for k in ep.state()["keys"]:  # no secret of any key reaches the output
			assert k["secret"] not in r.stderr
		ep.delete_user("ned")
		ep.create_user("ned")


def test_list_access_keys_follows_every_page(ep):
	ep.create_user("olga")
	ids = {ep.create_key("olga")[0], ep.create_key("olga", status="Inactive")[0]}
	ep.config(page_size=1)
	r = iam_op(ep, "list-access-keys", "olga")
	assert r.rc == 0, r.stderr
	assert r["key_count"] == "2"
	assert {k[4:] for k in r.kv if k.startswith("key.")} == ids
	assert len(calls_of(ep, "ListAccessKeys")) == 2


def test_list_access_keys_of_missing_user(ep):
	r = iam_op(ep, "list-access-keys", "nobody")
	assert r.err == NOT_FOUND


def test_update_and_delete_access_key(ep):
	ep.create_user("pat")
	kid, _ = ep.create_key("pat")
	assert iam_op(ep, "update-access-key", "pat", kid, "Inactive").rc == 0
	r = iam_op(ep, "list-access-keys", "pat")
	assert r["key." + kid].startswith("Inactive ")
	assert iam_op(ep, "delete-access-key", "pat", kid).rc == 0
	assert iam_op(ep, "list-access-keys", "pat")["key_count"] == "0"
	r = iam_op(ep, "delete-access-key", "pat", kid)
	assert r.err == NOT_FOUND


def test_get_access_key_last_used(ep):
	ep.create_user("quin")
	kid, _ = ep.create_key("quin")
	r = iam_op(ep, "get-access-key-last-used", kid)
	assert r.rc == 0, r.stderr
	assert r["last_used_date"] == "" and r["service"] == "N/A"
	ep.update_key(kid, last_used={"date": "2024-05-06T07:08:09Z", "service": "s3",
	                              "region": "eu-west-1"})
	r = iam_op(ep, "get-access-key-last-used", kid)
	assert r.rc == 0, r.stderr
	assert (r["last_used_date"], r["service"], r["region"]) == \
		("2024-05-06T07:08:09Z", "s3", "eu-west-1")


# ---- account alias, login profile

def test_list_account_aliases(ep):
	r = iam_op(ep, "list-account-aliases")
	assert r.rc == 0, r.stderr
	assert r["alias"] == ""
	ep.set_alias("example-corp")
	assert iam_op(ep, "list-account-aliases")["alias"] == "example-corp"


def test_create_login_profile_reads_the_password_from_a_file(ep, tmp_path):
	ep.create_user("rae")
	pw = tmp_path / "pw"
	pw.write_text("Corr3ct-Horse-Battery!\n")
	r = iam_op(ep, "create-login-profile", "rae", "--password-file", str(pw),
	           "--reset-required")
	assert r.rc == 0, r.stderr
	assert "Corr3ct" not in r.stdout + r.stderr
	assert ep.user("rae")["login_profile"]["reset_required"] is True
	r = iam_op(ep, "create-login-profile", "rae", "--password-file", str(pw))
	assert r.err == EXISTS


def test_password_policy_violation_is_an_aws_error(ep, tmp_path):
	ep.create_user("sam")
	ep.set_password_policy(minimum_length=30)
	pw = tmp_path / "pw"
	pw.write_text("short-Pass1")
	r = iam_op(ep, "create-login-profile", "sam", "--password-file", str(pw))
	assert r.err == AWS
	assert "PasswordPolicyViolation" in r.stderr
	assert "short-Pass1" not in r.stderr


# ---- retries and denial

def test_throttling_is_retried_but_access_denied_is_not(ep):
	ep.faults(throttle=1.0, count=1, only_actions=["GetUser"])
	r = iam_op(ep, "get-user", ep.admin_user)
	assert r.rc == 0, r.stderr
	assert len(calls_of(ep, "GetUser")) == 2
	ep.faults()
	ep.clear_calls()
	ep.deny(actions=["GetUser"])
	r = iam_op(ep, "get-user", ep.admin_user)
	assert r.err == DENIED
	assert len(calls_of(ep, "GetUser")) == 1


# ---- batch (queued, concurrent)

def test_batch_runs_queued_operations_in_one_flush(ep):
	r = iam_op(ep, "batch", "create-user", "u1", "--", "create-user", "u2", "--",
	           "create-user", "u3", "--", "get-user", ep.admin_user, "--",
	           "list-account-aliases")
	assert r.rc == 0, r.stderr
	assert [r["%d.user_name" % i] for i in range(3)] == ["u1", "u2", "u3"]
	assert r["3.user_name"] == ep.admin_user
	assert r["4.alias"] == ""
	assert sorted(ep.actions()) == ["CreateUser"] * 3 + ["GetUser", "ListAccountAliases"]


def test_batch_reports_each_failure_on_its_own(ep):
	r = iam_op(ep, "batch", "create-user", "v1", "--", "get-user", "nobody", "--",
	           "create-user", "v1x")
	assert r.err == NOT_FOUND
	assert r["0.user_name"] == "v1"
	assert r["1.status"] == str(NOT_FOUND)
	assert r["2.user_name"] == "v1x"


def test_batch_refuses_list_operations(ep):
	r = iam_op(ep, "batch", "list-access-keys", ep.admin_user)
	assert r.rc == 2
	assert ep.actions() == []


# ---- admin credentials: file

def write_creds(path, text, mode=0o600):
	with open(path, "w") as f:
		f.write(text)
	os.chmod(path, mode)
	return str(path)


def admin_text(ep, profile="default"):
	return "# admin\n[other]\naws_access_key_id = AKIAOTHEROTHEROTHER0\n" \
	       "aws_secret_access_key = x\n\n[%s]\naws_access_key_id = %s\n" \
	       "aws_secret_access_key = %s\n" % (profile, ep.admin_key_id, ep.admin_secret)


def test_admin_credentials_from_a_named_profile(ep, tmp_path):
	f = write_creds(tmp_path / "c", admin_text(ep, "pam"))
	r = iam_op(ep, "get-caller-identity", creds=f, opts=["--profile", "pam"])
	assert r.rc == 0, r.stderr
	assert r["arn"].endswith(":user/" + ep.admin_user)
	r = iam_op(ep, "get-caller-identity", creds=f, opts=["--profile", "missing"])
	assert r.err == NOT_FOUND
	assert "[missing]" in r.stderr
	assert ep.admin_secret not in r.stderr


def test_admin_credentials_file_refusals(ep, tmp_path):
	ww = write_creds(tmp_path / "ww", admin_text(ep), 0o666)
	os.chmod(ww, 0o666)
	r = iam_op(ep, "get-caller-identity", creds=ww)
	assert r.err == REFUSED and "writable by anyone" in r.stderr
	r = iam_op(ep, "get-caller-identity", creds=str(tmp_path))
	assert r.err == REFUSED and "not a regular file" in r.stderr
	big = write_creds(tmp_path / "big", admin_text(ep) + "#" * (70 * 1024) + "\n")
	r = iam_op(ep, "get-caller-identity", creds=big)
	assert r.err == REFUSED
	r = iam_op(ep, "get-caller-identity", creds=str(tmp_path / "absent"))
	assert r.err == FILE
	bad = write_creds(tmp_path / "bad", "[default]\naws_access_key_id = short\n"
	                  "aws_secret_access_key = s\n")
	r = iam_op(ep, "get-caller-identity", creds=bad)
	assert r.err == INVALID
	assert ep.actions() == []


def test_strict_mode_refuses_a_group_or_world_readable_file(ep, tmp_path):
	readable = write_creds(tmp_path / "r", admin_text(ep), 0o644)
	r = iam_op(ep, "get-caller-identity", creds=readable, opts=["--strict"])
	assert r.err == REFUSED and "mode 0644" in r.stderr
	r = iam_op(ep, "get-caller-identity", creds=readable)  # not privileged: allowed
	assert r.rc == 0, r.stderr
	private = write_creds(tmp_path / "p", admin_text(ep), 0o640)
	r = iam_op(ep, "get-caller-identity", creds=private, opts=["--strict"])
	assert r.rc == 0, r.stderr


# ---- admin credentials: IMDSv2

def test_admin_credentials_from_imdsv2(ep):
	r = iam_op(ep, "get-caller-identity", imds=True)
	assert r.rc == 0, r.stderr
	assert ":assumed-role/pai-admin-role/" in r["arn"]
	imds = ep.calls("imds")
	assert [c["action"] for c in imds] == ["imds-token", "imds-role", "imds-credentials"]
	assert imds[0]["method"] == "PUT"
	r = iam_op(ep, "get-user", ep.admin_user, imds=True)
	assert r.rc == 0, r.stderr


def test_imds_without_a_role_is_not_found(ep):
	ep.imds(enabled=False)
	r = iam_op(ep, "get-caller-identity", imds=True)
	assert r.err == NOT_FOUND
	assert "no IAM role" in r.stderr
	assert ep.actions() == []


@pytest.mark.parametrize("mode", ["missing_fields", "newline_values", "http200_error",
                                  "duplicated_fields", "other_user", "garbage", "truncated"])
def test_hostile_imds_credentials_are_refused(ep, mode):
	ep.hostile(mode, actions=["imds-credentials"])
	r = iam_op(ep, "get-caller-identity", imds=True)
	if mode == "duplicated_fields":
		# json-c keeps the last of duplicated keys: the key ID then does not match the
		# secret and STS refuses the signature; either way nothing is trusted blindly.
		assert r.err in (REPLY, DENIED), (r.rc, r.stderr)
	else:
		assert r.err == REPLY, (mode, r.rc, r.stderr)
		assert ep.actions() == []
	assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1


def test_imds_failures_are_reported_not_retried_forever(ep):
	ep.faults(error500=1.0, only_actions=["imds-token"])
	r = iam_op(ep, "get-caller-identity", imds=True)
	assert r.err == REPLY
	assert "HTTP 500" in r.stderr
	assert len(ep.calls("imds")) == 1
