# SPDX-License-Identifier: MIT
"""A fleet: 12 hosts, 20 people, logins in random order and in parallel, 30 % of calls
throttled and IAM listing new keys 3 s late; a fleet-wide rotation and a revoke in the middle;
a grace that passes. After every step the invariants hold (tests/fleetsim.py check()): at
most two keys per IAM user, every live key named by the store, every exit-0 home holding the
store's current key or its previous one within the grace; after the grace and one verify per
host, every host holds the same key and IAM exactly that one. No login fails because another
host won, and no secret shows in any output."""
import time

import fleetsim

HOSTS, PEOPLE = 12, 20
GRACE, VERIFY = 12, 2


def failures(results, allowed=()):
	"""Logins that failed for anything but throttling that outlasted the retries (or an
	allowed reason); a lost race is never allowed."""
	bad = []
	for r in results:
		if r.rc == 0 or any(a in r.err for a in allowed):
			continue
		if r.rc == 5 and ("Throttling" in r.err or "deadline" in r.err):
			continue
		bad.append("%s on %s %s: exit %d: %s" % (r.person.name, r.person.host, r.args, r.rc,
		                                         r.err.strip()[:300]))
	return bad


def test_a_fleet_converges_through_rotation_revoke_throttling_and_lag(tmp_path, iam_endpoint):
	ep = iam_endpoint
	f = fleetsim.Fleet(ep, str(tmp_path), HOSTS, PEOPLE, grace=GRACE, verify_interval=VERIFY,
	                   deadline=40, max_attempts=5, seed=11)
	ep.config(list_lag_ms=3000)
	ep.faults(throttle=0.3, seed=5)

	# day one: everyone logs in everywhere, in random order, 8 at a time
	res = f.logins(f.everyone(), workers=8)
	assert failures(res) == []
	bad = f.check()
	assert bad == [], f.explain(bad)
	lost = [r for r in res if "has not published" in r.err]
	assert lost == []

	# a second round lets the throttled ones in, then the fleet is settled
	time.sleep(VERIFY + 1)
	res = f.logins(f.everyone(), workers=8)
	assert failures(res) == []
	ep.faults()
	time.sleep(VERIFY + 1)
	f.logins([hn for hn in f.everyone() if f.p[hn].key() is None], workers=8)
	bad = f.check(settled=True)
	assert bad == [], f.explain(bad)

	# while everyone logs in everywhere: a third of the people rotated and two revoked, each
	# from a random host
	ep.faults(throttle=0.3, seed=6)
	rotated = f.names[: PEOPLE // 3]
	revoked = f.names[-2:]
	before = {n: f.store(n)["current"]["id"] for n in rotated}
	jobs = [(h, n, ()) for h, n in f.everyone()]
	jobs += [(f.rng.choice(f.hosts), n, ("--rotate",)) for n in rotated]
	jobs += [(f.rng.choice(f.hosts), n, ("--revoke",)) for n in revoked]
	res = f.jobs(jobs, workers=8)
	assert failures(res, allowed=("revoked",)) == []
	done = {r.person.name for r in res if r.args == ("--rotate",) and r.rc == 0}
	bad = f.check()
	assert bad == [], f.explain(bad)
	for n in revoked:
		assert f.store(n)["state"] == "revoked" and f.iam_keys(n) == {}
	time.sleep(VERIFY + 1)
	res = f.logins(f.everyone(), workers=8)
	assert failures(res, allowed=("revoked",)) == []
	bad = f.check()
	assert bad == [], f.explain(bad)
	assert done, "no rotation went through"
	for n in done:
		assert f.store(n)["current"]["id"] != before[n]

	# the grace passes; one verify per host; everyone holds the one key the store names
	ep.faults()
	time.sleep(GRACE + 1)
	res = f.logins([hn for hn in f.everyone() if hn[1] not in revoked], workers=8)
	assert failures(res) == []
	res = f.logins([hn for hn in f.everyone() if hn[1] not in revoked], workers=8)
	assert failures(res) == []
	f.names = [n for n in f.names if n not in revoked]
	bad = f.check(settled=True)
	assert bad == [], f.explain(bad)
	assert f.leaks() == []
	calls = f.calls_by_action()
	print("fleet simulation: %d logins, calls %s" % (len(f.results), calls))
