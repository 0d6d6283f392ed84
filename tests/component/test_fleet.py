# SPDX-License-Identifier: MIT
"""Fleet mode ([keys] store = secretsmanager): every host hands a person the same key, kept
in one Secrets Manager secret per IAM user, against the local endpoint. Hosts are stand-ins
(--host and --machine-id), each with its own home and state dir (tests/fleetsim.py)."""
import concurrent.futures
import json
import os
import time

import pytest

import fleetsim
import pai_testlib as tl

MUTATING = tl.MUTATING


@pytest.fixture
def fleet(tmp_path, iam_endpoint):
	def make(hosts=3, people=1, **kw):
		return fleetsim.Fleet(iam_endpoint, str(tmp_path), hosts, people, **kw)
	return make


def one(f, host=0, person=0):
	return f.p[(f.hosts[host], f.names[person])]


def login(f, host=0, person=0, *args):
	r = f.run(one(f, host, person), *args)
	return r


def test_every_host_gets_the_same_key_and_iam_holds_one(fleet):
	f = fleet(hosts=3)
	ep = f.ep
	r = login(f, 0)
	assert r.rc == 0, r.err
	acts = ep.actions()
	assert acts[:2] == ["GetUser", "CreateUser"] and acts.count("CreateAccessKey") == 1
	assert "CreateSecret" in acts and "PutSecretValue" in acts
	doc = f.store("person000")
	assert doc["state"] == "active" and doc["current"]["id"] == one(f, 0).key()
	for h in (1, 2):
		ep.clear_calls()
		r = login(f, h)
		assert r.rc == 0, r.err
		assert "CreateAccessKey" not in ep.actions()
		assert sorted(ep.actions()) == sorted(["GetUser", "ListAccessKeys", "DescribeSecret",
		                                       "GetSecretValue"])
	assert {one(f, h).key() for h in range(3)} == {doc["current"]["id"]}
	assert list(f.iam_keys("person000")) == [doc["current"]["id"]]
	assert f.check(settled=True) == []
	assert f.leaks() == []


def test_the_fast_path_makes_no_call_and_a_verify_fetches_no_value(fleet):
	f = fleet(hosts=1)
	assert login(f).rc == 0
	f.ep.clear_calls()
	assert login(f).rc == 0 and f.ep.actions() == []
	time.sleep(f.verify_interval + 1)
	r = login(f)
	assert r.rc == 0, r.err
	assert sorted(f.ep.actions()) == ["DescribeSecret", "GetUser", "ListAccessKeys"]


def test_first_logins_on_many_hosts_at_once_make_one_key_and_none_fails(fleet):
	f = fleet(hosts=6)
	f.ep.faults(latency_ms=1500, only_actions=["CreateAccessKey"])  # the others wait a while
	res = f.logins(f.everyone(), workers=6)
	f.ep.faults()
	assert [r.rc for r in res] == [0] * 6, [r.err for r in res]
	assert f.ep.actions().count("CreateAccessKey") == 1
	# a waiting host reads the value only when the version moved: the claim, then the key
	print("GetSecretValue %d, DescribeSecret %d" % (
		f.ep.actions().count("GetSecretValue"), f.ep.actions().count("DescribeSecret")))
	assert f.ep.actions().count("GetSecretValue") <= 2 * 6
	assert f.check(settled=True) == []


def test_rotation_is_fleet_wide_and_the_old_key_goes_after_the_grace(fleet):
	f = fleet(hosts=3, grace=6, verify_interval=2)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	old = f.store("person000")["current"]["id"]
	r = login(f, 0, 0, "--rotate")
	assert r.rc == 0, r.err
	doc = f.store("person000")
	new = doc["current"]["id"]
	assert new != old and doc["previous"]["id"] == old
	assert sorted(f.iam_keys("person000")) == sorted([old, new])
	# a second --rotate inside the grace waits, with a message, and makes no key
	f.ep.clear_calls()
	r = login(f, 1, 0, "--rotate")
	assert r.rc == 0 and "rotation_grace" in r.out, r.out + r.err
	assert "CreateAccessKey" not in f.ep.actions()
	time.sleep(f.verify_interval + 1)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	assert {one(f, h).key() for h in range(3)} == {new}
	assert f.check() == []
	time.sleep(f.grace + 1)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	assert list(f.iam_keys("person000")) == [new]
	assert "previous" not in f.store("person000")
	assert f.check(settled=True) == []


def test_revoke_reaches_every_host_and_only_an_administrator_lifts_it(fleet):
	f = fleet(hosts=2)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	r = login(f, 0, 0, "--revoke")
	assert r.rc == 0, r.err
	assert "--unrevoke" in r.out
	assert f.store("person000")["state"] == "revoked"
	assert f.iam_keys("person000") == {}
	assert one(f, 0).key() is None
	# host 1 learns it at its next verify (the fast path makes no call)
	time.sleep(f.verify_interval + 1)
	r = login(f, 1)
	assert r.rc == 7 and "revoked" in r.err, r.err
	assert one(f, 1).key() is None
	assert f.iam_keys("person000") == {}
	r = login(f, 1, 0, "--unrevoke")
	assert r.rc == 0, r.err
	r = login(f, 1)
	assert r.rc == 0, r.err
	assert f.check(settled=False) == []
	assert len(f.iam_keys("person000")) == 1


def test_a_host_mode_key_moves_into_the_store_without_a_new_key(fleet, tmp_path):
	f = fleet(hosts=1)
	p = one(f)
	host_conf = open(p.conf).read().replace("store = secretsmanager", "store = host")
	with open(p.conf, "w") as fh:
		fh.write(host_conf)
	r = f.run(p)
	assert r.rc == 0, r.err
	assert f.store("person000") is None  # host mode indeed: nothing in the store yet
	kid = p.key()
	p.write_config()  # fleet mode again
	f.ep.clear_calls()
	time.sleep(f.verify_interval + 1)
	r = f.run(p)
	assert r.rc == 0, r.err
	assert "CreateAccessKey" not in f.ep.actions()
	assert f.store("person000")["current"]["id"] == kid
	assert p.key() == kid


def test_a_store_scheduled_for_deletion_or_holding_garbage_is_refused(fleet):
	f = fleet(hosts=1)
	assert login(f).rc == 0
	uid = f.ep.user("person000")["id"]
	f.ep.put_secret("pam-aws-iam/" + uid, value='{"not":"ours"}')
	time.sleep(f.verify_interval + 1)
	r = login(f)
	assert r.rc == 7 and "no pam_aws_iam document" in r.err, r.err
	f.ep.delete_secret("pam-aws-iam/" + uid, days=7)
	r = login(f)
	assert r.rc == 7 and "scheduled for deletion" in r.err, r.err


def test_a_new_key_missing_from_a_lagging_iam_is_not_repaired(fleet):
	f = fleet(hosts=2)
	f.ep.config(list_lag_ms=4000)
	assert login(f, 0).rc == 0
	f.ep.clear_calls()
	r = login(f, 1)
	assert r.rc == 0, r.err
	assert "CreateAccessKey" not in f.ep.actions()
	assert one(f, 1).key() == one(f, 0).key()


def test_syslog_names_the_store_version(fleet, tmp_path):
	f = fleet(hosts=2)
	capture = str(tmp_path / "syslog")
	for h in (0, 1):
		assert f.run(one(f, h), env=tl.syslog_env(capture)).rc == 0
	version = [v for v in f.ep.secret("pam-aws-iam/" + f.ep.user("person000")["id"])["versions"]
	           if "AWSCURRENT" in v["stages"]][0]["id"]
	with open(capture) as fh:
		lines = fh.read().splitlines()
	assert [ln for ln in lines if "action=store-published" in ln and version in ln], lines
	assert [ln for ln in lines if "action=key-written" in ln and "host=host001" in ln
	        and "store_version=" + version in ln], lines


def test_status_and_dry_run(fleet):
	f = fleet(hosts=1)
	assert login(f).rc == 0
	r = login(f, 0, 0, "--status")
	assert r.rc == 0 and "store: secret pam-aws-iam/" in r.out and "version" in r.out, r.out
	f.ep.clear_calls()
	r = login(f, 0, 0, "--rotate", "--dry-run")
	assert r.rc == 0 and "rotate" in r.out, r.out
	assert not set(f.ep.actions()) & MUTATING


def test_an_emergency_rotation_deletes_the_old_key_at_once(fleet):
	f = fleet(hosts=2)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	old = f.store("person000")["current"]["id"]
	r = login(f, 0, 0, "--rotate", "--now")
	assert r.rc == 0, r.err
	doc = f.store("person000")
	new = doc["current"]["id"]
	assert new != old and "previous" not in doc
	assert list(f.iam_keys("person000")) == [new]
	assert one(f, 0).key() == new
	time.sleep(f.verify_interval + 1)
	assert login(f, 1).rc == 0 and one(f, 1).key() == new
	assert f.check(settled=True) == []


def test_a_revoke_racing_a_rotation_is_not_undone(fleet):
	"""The rotation is slowed between making its key and publishing it; the revoke is
	published in between. The rotation loses its compare-and-swap and deletes the key it
	made: the store stays revoked and IAM holds no key."""
	f = fleet(hosts=2)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	f.ep.faults(latency_ms=1500, only_actions=["CreateAccessKey"], count=1)
	with concurrent.futures.ThreadPoolExecutor(2) as ex:
		rot = ex.submit(login, f, 0, 0, "--rotate")
		time.sleep(0.7)
		rev = ex.submit(login, f, 1, 0, "--revoke")
		rot, rev = rot.result(), rev.result()
	assert rev.rc == 0, rev.err
	assert f.store("person000")["state"] == "revoked"
	assert f.iam_keys("person000") == {}, (rot.rc, rot.err, f.ep.actions())
	assert one(f, 0).key() is None and one(f, 1).key() is None


def test_a_key_made_by_hand_in_the_second_slot_gets_a_clear_bounded_answer(fleet):
	f = fleet(hosts=1)
	assert login(f).rc == 0
	cur = one(f).key()
	by_hand, _ = f.ep.create_key("person000")
	f.ep.clear_calls()
	r = login(f, 0, 0, "--rotate")
	assert r.rc != 0 and by_hand in r.err, r.err
	assert len(f.ep.actions()) <= 8, f.ep.actions()
	assert sorted(f.iam_keys("person000")) == sorted([cur, by_hand])
	assert one(f).key() == cur
	assert f.store("person000")["current"]["id"] == cur


@pytest.mark.parametrize("secret", ["x" * 39 + "\n[evil]", "a" * 40 + "\r", "short"])
def test_a_stored_secret_that_is_not_a_secret_never_reaches_a_home(fleet, secret):
	f = fleet(hosts=2)
	assert login(f, 0).rc == 0
	uid = f.ep.user("person000")["id"]
	doc = f.store("person000")
	doc["current"]["secret"] = secret
	f.ep.put_secret("pam-aws-iam/" + uid, value=json.dumps(doc))
	r = login(f, 1)
	assert r.rc == 7, r.err
	assert one(f, 1).key() is None
	cred = os.path.join(one(f, 1).home, ".aws", "credentials")
	assert not os.path.exists(cred) or "evil" not in open(cred).read()
	assert secret not in r.out + r.err


def test_host_mode_and_fleet_mode_hosts_of_one_person_do_not_take_each_others_keys(fleet):
	f = fleet(hosts=2)
	a = one(f, 0)
	with open(a.conf) as fh:
		text = fh.read()
	with open(a.conf, "w") as fh:
		fh.write(text.replace("store = secretsmanager", "store = host"))
	assert f.run(a).rc == 0
	ka = a.key()
	assert login(f, 1).rc == 0
	kb = one(f, 1).key()
	assert ka != kb and sorted(f.iam_keys("person000")) == sorted([ka, kb])
	for _ in range(2):
		time.sleep(f.verify_interval + 1)
		ra, rb = f.run(a), login(f, 1)
		assert ra.rc == 0 and rb.rc == 0, ra.err + rb.err
		assert (a.key(), one(f, 1).key()) == (ka, kb)
		assert sorted(f.iam_keys("person000")) == sorted([ka, kb])


def test_a_key_being_published_is_not_taken_for_an_old_marks_orphan(fleet, tmp_path):
	"""A host's mark covers keys made up to LEDGER_PENDING_SLACK (120 s) around it. Another
	host's mark set 80 s ago (its run long over) covered the key a slow rotation had just
	made and not yet published: a verifying host deleted it as that old run's orphan, and the
	rotation then published a key IAM no longer held."""
	f = fleet(hosts=2, grace=60, verify_interval=2)
	assert all(r.rc == 0 for r in f.logins(f.everyone()))
	old = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 80))
	p = tl.run_aws(f.ep, ["iam", "tag-user", "--user-name", "person000", "--tags",
	                      "Key=%s%s,Value=%s" % (tl.MARK_TAG, "0" * 32, old)],
	               str(tmp_path), credentials_file=f.ep.admin_credentials_file)
	assert p.returncode == 0, p.stderr
	time.sleep(f.verify_interval + 1)
	f.ep.faults(latency_ms=4000, only_actions=["PutSecretValue"], count=1)
	with concurrent.futures.ThreadPoolExecutor(2) as ex:
		rot = ex.submit(login, f, 0, 0, "--rotate")
		time.sleep(1.5)
		verify = login(f, 1)
		rot = rot.result()
	assert rot.rc == 0 and verify.rc == 0, rot.err + verify.err
	new = f.store("person000")["current"]["id"]
	assert new in f.iam_keys("person000"), f.ep.actions()
	assert f.check() == []


def test_a_write_refused_to_the_end_names_aws_s_reason(fleet):
	"""The write's error was read after the check that it had not landed, which succeeded
	and cleared it: the person saw "AWS error" and no reason."""
	f = fleet(hosts=1)
	assert login(f).rc == 0
	f.ep.faults(throttle=1.0, only_actions=["PutSecretValue"])
	r = login(f, 0, 0, "--rotate")
	assert r.rc == 5 and "PutSecretValue" in r.err and "ThrottlingException" in r.err, r.err
	assert len(f.iam_keys("person000")) == 1  # the key it made and could not publish went
