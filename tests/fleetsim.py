# SPDX-License-Identifier: MIT
"""A fleet of hosts in fleet mode ([keys] store = secretsmanager) against one local endpoint:
each host a --host/--machine-id of its own, each (host, person) its own home, state dir and
config (the person is the IAM user the config names; every run is the test's own login).

Used by tests/load/test_fleet_sim.py (make check) and tests/bench/bench.py (make bench).
check() holds the invariants the fleet keeps after every step."""
import calendar
import concurrent.futures
import configparser
import hashlib
import json
import os
import random
import subprocess
import time

import pai_testlib as tl

DAY = 86400


def _epoch(iso):
	return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


class Person:
	def __init__(self, sim, host, name):
		self.sim, self.host, self.name = sim, host, name
		base = os.path.join(sim.base, host, name)
		self.home = os.path.join(base, "home")
		self.state = os.path.join(base, "state")
		os.makedirs(self.home, mode=0o700)
		os.makedirs(self.state, mode=0o700)
		os.chmod(self.home, 0o700)
		os.chmod(self.state, 0o700)
		self.conf = os.path.join(base, "pam_aws_iam.conf")
		self.write_config()

	def write_config(self):
		s = self.sim
		with open(self.conf, "w") as f:
			f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\nsecretsmanager_endpoint = %s\n"
			        "region = %s\ncredentials = %s\ndeadline = %d\nconnect_timeout = 5\n"
			        "max_attempts = %d\n"
			        "[scope]\nmin_uid = 0\nexclude =\n[user]\nname = %s\npath = /fleet/\n"
			        "[keys]\nstore = secretsmanager\nsecret_prefix = pam-aws-iam/\n"
			        "rotation_grace = %d\nverify_interval = %d\nmax_age_days = %d\n"
			        "request_burst = 0\n[state]\ndir = %s\n"
			        % (s.ep.url, s.ep.url, s.ep.url, s.ep.service_region,
			           s.ep.admin_credentials_file, s.deadline, s.max_attempts, self.name,
			           s.grace, s.verify_interval, s.max_age_days, self.state))

	def argv(self, *args):
		return [tl.HELPER, "--config", self.conf, "--home", self.home, "--host", self.host,
		        "--machine-id", self.sim.machine_id(self.host)] + list(args)

	def key(self):
		cp = configparser.RawConfigParser()
		cp.read(os.path.join(self.home, ".aws", "credentials"))
		if not cp.has_option("default", "aws_access_key_id"):
			return None
		return cp.get("default", "aws_access_key_id")


class Result:
	def __init__(self, person, args, proc, took, start, end):
		self.person, self.args, self.rc, self.took = person, args, proc.returncode, took
		self.start, self.end = start, end  # wall clock, as the store's times
		self.out, self.err = proc.stdout, proc.stderr


class Fleet:
	def __init__(self, ep, base, hosts, people, grace=20, verify_interval=3, deadline=30,
	             max_age_days=90, max_attempts=3, seed=1):
		self.ep, self.base = ep, base
		self.grace, self.verify_interval = grace, verify_interval
		self.deadline, self.max_age_days, self.max_attempts = deadline, max_age_days, max_attempts
		self.hosts = ["host%03d" % i for i in range(hosts)]
		self.names = ["person%03d" % i for i in range(people)]
		self.rng = random.Random(seed)
		self.p = {(h, n): Person(self, h, n) for h in self.hosts for n in self.names}
		self.results = []
		self.revoked = set()

	@staticmethod
	def machine_id(host):
		return hashlib.sha256(("machine " + host).encode()).hexdigest()[:32]

	def run(self, person, *args, env=None):
		t0, start = time.monotonic(), time.time()
		p = subprocess.run(person.argv(*args), capture_output=True, text=True, timeout=180,
		                   stdin=subprocess.DEVNULL, env=env or tl.clean_env())
		r = Result(person, args, p, time.monotonic() - t0, start, time.time())
		self.results.append(r)
		return r

	def logins(self, pairs, workers=8, args=()):
		"""Logs each (host, name) in once, in random order, workers at a time."""
		pairs = list(pairs)
		self.rng.shuffle(pairs)
		with concurrent.futures.ThreadPoolExecutor(workers) as ex:
			return list(ex.map(lambda hn: self.run(self.p[hn], *args), pairs))

	def jobs(self, jobs, workers=8):
		"""Runs each (host, name, args) once, in random order, workers at a time."""
		jobs = list(jobs)
		self.rng.shuffle(jobs)
		with concurrent.futures.ThreadPoolExecutor(workers) as ex:
			return list(ex.map(lambda j: self.run(self.p[(j[0], j[1])], *j[2]), jobs))

	def everyone(self):
		return [(h, n) for h in self.hosts for n in self.names]

	# ---- what the endpoint holds ----

	def store(self, name):
		"""The store's current document for IAM user name, or None."""
		u = self.ep.user(name)
		if not u:
			return None
		s = self.ep.secret("pam-aws-iam/" + u["id"])
		if not s:
			return None
		for v in s["versions"]:
			if "AWSCURRENT" in v["stages"]:
				return json.loads(v["string"]) if v.get("string") else None
		return None

	def iam_keys(self, name):
		u = self.ep.user(name)
		return {k["id"]: k for k in u["keys"]} if u else {}

	def secrets_of(self):
		"""Every secret of a person's key the fleet handled (to look for leaks): the keys IAM
		holds now and every key any version of the store named, rotated or revoked ones
		included."""
		out = set()
		for n in self.names:
			for k in self.iam_keys(n).values():
				out.add(k["secret"])
			for _, doc in self.history(n):
				if (doc.get("current") or {}).get("secret"):
					out.add(doc["current"]["secret"])
		return out

	# ---- the invariants ----

	def check(self, settled=False):
		"""After a step: at most two keys per IAM user; every live key named by the store;
		every home that got exit 0 holds the store's current key or, within the grace, its
		previous one. settled: every host holds the current key and IAM exactly that one."""
		bad = []
		for n in self.names:
			keys = self.iam_keys(n)
			doc = self.store(n)
			if len(keys) > 2:
				bad.append("%s: %d keys in IAM" % (n, len(keys)))
			named = set()
			if doc and doc.get("current"):
				named.add(doc["current"]["id"])
			if doc and doc.get("previous"):
				named.add(doc["previous"]["id"])
			for kid in keys:
				if kid not in named:
					bad.append("%s: live key %s not named by the store (%s)" % (
						n, kid, doc and doc.get("state")))
			if settled and not doc:
				bad.append("%s: no store document after the fleet settled" % n)
			if settled and doc and doc.get("state") == "active":
				cur = doc["current"]["id"]
				if set(keys) != {cur}:
					bad.append("%s: IAM holds %s, the store %s" % (n, sorted(keys), cur))
				for h in self.hosts:
					if self.p[(h, n)].key() != cur:
						bad.append("%s on %s holds %s, not %s" % (
							n, h, self.p[(h, n)].key(), cur))
		last = {}
		for r in self.results:
			last[(r.person.host, r.person.name)] = r
		for (h, n), r in last.items():
			if r.rc != 0 or r.args:
				continue
			doc = self.store(n)
			if not doc or doc.get("state") != "active":
				continue
			held = self.p[(h, n)].key()
			ok = self.valid_during(n, r.start, r.end)
			if held not in ok:
				bad.append("%s on %s: exit 0 but the home holds %s, the store %s" % (
					n, h, held, sorted(ok)))
		return bad

	def history(self, name):
		"""The store's versions of IAM user name, oldest first: (created, document)."""
		u = self.ep.user(name)
		s = self.ep.secret("pam-aws-iam/" + u["id"]) if u else None
		out = []
		for v in (s or {}).get("versions", []):
			out.append((v["created"], json.loads(v["string"]) if v.get("string") else {}))
		return sorted(out, key=lambda cv: cv[0])

	def valid_during(self, name, start, end):
		"""The keys a login that ran from start to end may leave in a home: the current key of
		every version that was current during the login, and a previous one whose grace had
		not ended when the login did. (A home keeps its key until its next login: after the
		grace it may hold a key no longer valid, as the README says.)"""
		ok = set()
		hist = self.history(name)
		live = [d for c, d in hist if c <= start][-1:] + [d for c, d in hist if start < c <= end]
		for d in live:
			if d.get("current"):
				ok.add(d["current"]["id"])
			prev = d.get("previous")
			if prev and end <= _epoch(prev["until"]) + 1:
				ok.add(prev["id"])
		return ok

	def explain(self, bad):
		"""For a failed check: the store's versions, the key calls and the runs of each person
		named in bad (no secrets)."""
		out = []
		for n in sorted({b.split()[0].rstrip(":") for b in bad} & set(self.names)):
			out.append("== %s" % n)
			for c, d in self.history(n):
				d = json.loads(json.dumps(d))
				if d.get("current"):
					d["current"].pop("secret", None)
				out.append("version %.3f %s" % (c, json.dumps(d)))
			for c in self.ep.calls():
				if c.get("user") == n and c["action"] in ("CreateAccessKey", "DeleteAccessKey",
				                                         "UpdateAccessKey"):
					out.append("call %.3f %s %s %s %s" % (c.get("time", 0), c["action"],
					                                      c.get("key_id"), c.get("status"),
					                                      c.get("fault")))
			for r in self.results:
				if r.person.name == n:
					out.append("run %.3f-%.3f %s %s exit %d: %s" % (
						r.start, r.end, r.person.host, " ".join(r.args), r.rc,
						(r.out + r.err).strip().replace("\n", " | ")[-240:]))
		return "\n".join(out)

	def leaks(self):
		"""Secrets (of IAM users' keys, of the admin) in any output."""
		secrets = self.secrets_of() | {self.ep.admin_secret}
		found = []
		for r in self.results:
			for s in secrets:
				if s and (s in r.out or s in r.err):
					found.append("%s on %s %s" % (r.person.name, r.person.host, r.args))
		return found

	def calls_by_action(self):
		out = {}
		for c in self.ep.calls():
			out[c["action"]] = out.get(c["action"], 0) + 1
		return out
