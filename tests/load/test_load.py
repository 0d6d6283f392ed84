# SPDX-License-Identifier: MIT
"""Load: the helper against the local endpoint with 30 % of calls throttled.

- 50 different people log in at once (50 homes, state dirs and IAM users; one unprivileged
  helper run each, all started together on this 2-core machine): each ends with a working key
  or a clean, bounded failure; the counts and the slowest run are printed.
- 20 simultaneous logins of one person create exactly one key and leave a whole file.
"""
import configparser
import os
import statistics
import subprocess
import threading
import time

import pytest

import pai_attack as ac
from pai_testlib import clean_env, read_credentials, start_endpoint

PEOPLE = 50
SAME_PERSON = 20
THROTTLE = 0.3
DEADLINE = 8           # the default [aws] deadline
SLACK = 20.0           # generous: 50 processes and a python endpoint on 2 cores
SEED = 6

pytestmark = pytest.mark.skipif(not ac.helper_built(), reason="helper not built: %s" % ac.HELPER)


@pytest.fixture
def endpoint(tmp_path):
	ep = start_endpoint(str(tmp_path / "endpoint"))
	try:
		yield ep
	finally:
		ep.stop()


def run_all(argvs, env=None):
	"""Starts every argv at once; returns [(returncode, stdout, stderr, seconds)]."""
	out = [None] * len(argvs)
	go = threading.Event()

	def one(i):
		go.wait()
		t0 = time.monotonic()
		p = subprocess.Popen(argvs[i], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
		                     stdin=subprocess.DEVNULL, env=env or clean_env())
		try:
			so, se = p.communicate(timeout=DEADLINE + SLACK + 30)
		except subprocess.TimeoutExpired:
			p.kill()
			so, se = p.communicate()
			out[i] = (None, so.decode(errors="replace"), se.decode(errors="replace"),
			          time.monotonic() - t0)
			return
		out[i] = (p.returncode, so.decode(errors="replace"), se.decode(errors="replace"),
		          time.monotonic() - t0)

	threads = [threading.Thread(target=one, args=(i,)) for i in range(len(argvs))]
	for t in threads:
		t.start()
	go.set()
	for t in threads:
		t.join()
	return out


def read_profile(path):
	with open(path, "rb") as f:
		data = f.read()
	cp = configparser.RawConfigParser()
	cp.read_string(data.decode())
	return data, cp


def test_fifty_people_at_once_with_throttling(tmp_path, endpoint):
	ep = endpoint
	people = []
	for i in range(PEOPLE):
		p = ac.Person(tmp_path, ep, name="p%02d" % i)
		p.iam_name = "load-person-%02d" % i
		p.configure(aws={"deadline": str(DEADLINE)}, user={"name": p.iam_name})
		p.before = p.snapshot()
		people.append(p)
	ep.faults(throttle=THROTTLE, seed=SEED)
	t0 = time.monotonic()
	results = run_all([p.argv() for p in people])
	wall = time.monotonic() - t0
	ep.faults()
	calls = ep.calls()
	throttled = sum(1 for c in calls if c["fault"] == "throttle")
	state = {u["name"].lower(): u for u in ep.state()["users"]}
	ok, warned, failed = [], [], []
	for p, (rc, so, se, secs) in zip(people, results):
		label = "%s: exit %s in %.2f s" % (p.iam_name, rc, secs)
		assert rc is not None, "%s: still running after %d s" % (label, DEADLINE + SLACK + 30)
		assert rc >= 0, "%s: killed by signal %d" % (label, -rc)
		assert rc in (ac.EXIT_OK, ac.EXIT_AWS, ac.EXIT_WARNING), "%s: %s" % (label, se)
		assert secs < DEADLINE + SLACK, label
		ac.check_no_leak(so + se, ep)
		u = state.get(p.iam_name.lower())
		iam_keys = {k["id"]: k["secret"] for k in (u["keys"] if u else [])}
		kid = p.profile_key()
		if kid is not None:
			# a working key: a whole file (the person's profiles intact) whose key IAM holds
			data, cp = read_profile(p.cred_path)
			assert data.startswith(ac.SEEDED_CREDENTIALS), label
			assert iam_keys.get(kid) == cp.get("default", "aws_secret_access_key"), \
				"%s: the file's key does not work" % label
			assert list(iam_keys) == [kid], "%s: IAM holds keys not on disk: %s" % (
				label, list(iam_keys))
			# exit 0, or 8: key in place, a later step (group, policy, ledger) failed
			assert rc in (ac.EXIT_OK, ac.EXIT_WARNING), label
			(ok if rc == ac.EXIT_OK else warned).append((secs, p, se.strip()))
		else:
			# a clean failure: a line per failed call (two parallel calls may both fail),
			# nothing written, no key left in IAM
			assert rc == ac.EXIT_AWS, label
			lines = se.splitlines()
			assert 1 <= len(lines) <= 3 and all(ln.startswith(ac.PROG) for ln in lines), \
				"%s: %r" % (label, lines)
			assert p.snapshot() == p.before, "%s: files changed" % label
			assert iam_keys == {}, "%s: IAM holds keys not on disk: %s" % (label, list(iam_keys))
			failed.append((secs, p, lines[0]))
	times = sorted(r[3] for r in results)
	slow = max(results, key=lambda r: r[3])
	print("\n%d people at once, %d%% of calls throttled (%d of %d calls): "
	      "%d working keys (exit 0), %d working keys with a warning (exit 8), "
	      "%d clean failures (exit 5); wall %.2f s; median %.2f s; slowest %.2f s (exit %s)" % (
	          PEOPLE, THROTTLE * 100, throttled, len(calls), len(ok), len(warned), len(failed),
	          wall, statistics.median(times), slow[3], slow[0]))
	for secs, p, msg in warned + failed:
		print("  %s %.2f s: %s" % (p.iam_name, secs, msg))
	assert len(ok) + len(warned) + len(failed) == PEOPLE
	assert ok, "nobody got a key"
	# every IAM user of a load person holds no more keys than its file records
	for name, u in state.items():
		if name.startswith("load-person-"):
			assert len(u["keys"]) <= 1, (name, [k["id"] for k in u["keys"]])
	# and the keys really work: STS answers each of them (faults off now)
	for secs, p, _ in ok + warned:
		kid, secret = read_credentials(p.cred_path)
		ident = ep.botocore_client("sts", key_id=kid, secret=secret).get_caller_identity()
		assert ident["Arn"].endswith(":user/" + p.iam_name)


def test_twenty_simultaneous_logins_of_one_person_make_one_key(tmp_path, endpoint):
	ep = endpoint
	p = ac.Person(tmp_path, ep, name="one")
	p.configure(aws={"deadline": str(DEADLINE)})
	ep.faults(throttle=THROTTLE, seed=SEED + 1)
	results = run_all([p.argv() for _ in range(SAME_PERSON)])
	ep.faults()
	rcs = [r[0] for r in results]
	slow = max(r[3] for r in results)
	created = [c for c in ep.calls() if c["action"] == "CreateAccessKey" and c["status"] == 200]
	print("\n%d logins of one person at once: exit statuses %s; slowest %.2f s; "
	      "CreateAccessKey done %d time(s)" % (SAME_PERSON, {r: rcs.count(r) for r in set(rcs)},
	                                          slow, len(created)))
	for rc, so, se, secs in results:
		assert rc is not None and rc >= 0, (rc, se)
		assert rc in (ac.EXIT_OK, ac.EXIT_AWS, ac.EXIT_WARNING), se
		assert secs < DEADLINE + SLACK
		ac.check_no_leak(so + se, ep)
	u = ep.user(ac.LOGIN)
	assert u is not None and len(u["keys"]) == 1, u and [k["id"] for k in u["keys"]]
	assert len(created) == 1
	data, cp = read_profile(p.cred_path)
	assert data.startswith(ac.SEEDED_CREDENTIALS)
	assert cp.get("default", "aws_access_key_id") == u["keys"][0]["id"]
	assert cp.get("default", "aws_secret_access_key") == u["keys"][0]["secret"]
	leftovers = [n for n in os.listdir(p.aws_dir) if n not in ("credentials", "config")]
	assert leftovers == []
	assert rcs.count(ac.EXIT_OK) >= 1
