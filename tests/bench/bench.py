#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""make bench: the project's figures in one table, each the median of RUNS runs taken in this
invocation, against the local IAM endpoint (tests/endpoint), and written to BENCHMARKS.md.

  fast path, module + helper   pam_open_session through real libpam (build/pam-session) with
                               pam_aws_iam.so running the built helper for a throwaway account
                               (root only: useradd, removed after; skipped with the reason
                               otherwise, since the module passes only --config and the helper
                               takes the home from the password database)
  fast path, helper alone      aws-iam-provision with state and profile in agreement
  first login                  new IAM user with one group and one policy, new key: wall time,
                               API calls, sequential round trips, with 0 and 50 ms latency
  AWS CLI script               the same steps with /usr/bin/aws (cli_first_login.sh); ratio
  --credential-process         ([keys] deliver = process) a cached session served, and a
                               renewal (one GetSessionToken)
  peak private memory          of the helper's first login: anonymous and private dirty pages
                               (build/tests/private-memory.so at exit, malloc never trimming)
  peak RSS                     the same run's resident size, for scale (/usr/bin/time -f %M):
                               mostly the shared pages of Debian's libcurl, OpenSSL, libxml2
  50-person burst              50 different people at once, 30 % of calls throttled

Processes are started with posix_spawn and reaped with wait4, so each run also gives the
child's CPU time. The machine is shared: the load average is recorded with the
figures, and CPU time (less sensitive to load than wall time) is shown next to wall time.

Usage: bench.py [-n RUNS] [-b BUILD_DIR] [-o REPORT.md]   (RUNS >= 5)
"""
import argparse
import datetime
import os
import platform
import pwd
import re
import secrets
import select
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The tests' helpers (tests/pai_testlib.py, tests/pai_attack.py): a script run by path has only
# its own directory on sys.path.
sys.path.insert(0, os.path.join(TOP, "tests"))
import pai_attack  # noqa: E402
from pai_testlib import clean_env, read_credentials, start_endpoint  # noqa: E402

TIME = "/usr/bin/time"      # Debian package "time" (tests/install-deps)
CLI_SCRIPT = os.path.join(TOP, "tests", "bench", "cli_first_login.sh")
GROUP = "developers"
HOST = "benchhost"
LATENCY_MS = 50
BURST_PEOPLE = 50
BURST_THROTTLE = 0.3
BURST_DEADLINE_S = 8        # the config's default [aws] deadline, which the burst keeps
MODULE_TIMEOUT_S = 10       # pam_aws_iam.so's default timeout=: what a login can wait at most
CLI_RUNS = 5                # each run starts /usr/bin/aws 7 times (about 1-3 s each)
BURST_RUNS = 5              # each burst is 50 helpers at once: seconds of the whole machine

# The targets each figure is held to.
FAST_PATH_MS = 5.0
CLI_RATIO = 30.0
LATENCY_FIRST_MS = 300.0
CREDPROC_MS = 5.0
PRIVATE_KB = 4 * 1024
# glibc's malloc never gives memory back (no trim, no mmap'd blocks), so what a process holds
# at exit is its peak (tests/preload/private-memory.c)
NO_TRIM = "glibc.malloc.trim_threshold=4294967295:glibc.malloc.mmap_threshold=33554432"


class Bench(Exception):
	pass


# ---- processes: posix_spawn + pidfd + wait4 (wall, CPU and peak RSS of each child) ----

# Held at a gate: a shell waiting for EOF on fd 3, then exec'ing the command. Started one by
# one, the 50 people of a burst would be spread over the seconds their execs take.
GATE = ["/bin/sh", "-c", 'read _ <&3; exec 3<&- "$@"', "gate"]


class Proc:
	def __init__(self, argv, env, out_dir, name, gate_fd=None):
		self.out_path = os.path.join(out_dir, name + ".out")
		self.err_path = os.path.join(out_dir, name + ".err")
		acts = [(os.POSIX_SPAWN_OPEN, 0, "/dev/null", os.O_RDONLY, 0),
		        (os.POSIX_SPAWN_OPEN, 1, self.out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
		         0o600),
		        (os.POSIX_SPAWN_OPEN, 2, self.err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC,
		         0o600)]
		if gate_fd is not None:
			acts.append((os.POSIX_SPAWN_DUP2, gate_fd, 3))
			argv = GATE + list(argv)
		self.t0 = time.perf_counter()
		self.pid = os.posix_spawn(argv[0], argv, env, file_actions=acts)
		self.pidfd = os.pidfd_open(self.pid)
		self.wall_ms = self.cpu_ms = self.rss_kb = None
		self.status = None

	def reap(self):
		_, status, ru = os.wait4(self.pid, 0)
		self.wall_ms = (time.perf_counter() - self.t0) * 1000
		os.close(self.pidfd)
		self.status = status
		self.cpu_ms = (ru.ru_utime + ru.ru_stime) * 1000
		self.rss_kb = ru.ru_maxrss

	@property
	def rc(self):
		return os.waitstatus_to_exitcode(self.status)

	def out(self):
		with open(self.out_path, errors="replace") as f:
			return f.read()

	def err(self):
		with open(self.err_path, errors="replace") as f:
			return f.read()


def at_gate(procs, timeout_s=30):
	"""Waits until every gated shell sleeps in its read of the gate pipe."""
	end = time.monotonic() + timeout_s
	for p in procs:
		while time.monotonic() < end:
			try:
				with open("/proc/%d/wchan" % p.pid) as f:
					if "pipe_read" in f.read():
						break
			except OSError:
				return
			time.sleep(0.01)


def wait_all(procs, timeout_s=120):
	"""Reaps every process as soon as it ends (its wall time stops then)."""
	left = {p.pidfd: p for p in procs}
	poll = select.poll()
	for fd in left:
		poll.register(fd, select.POLLIN)
	deadline = time.monotonic() + timeout_s
	while left:
		ms = int((deadline - time.monotonic()) * 1000)
		if ms <= 0:
			for p in left.values():
				os.kill(p.pid, 9)
			raise Bench("processes still running after %d s" % timeout_s)
		for fd, _ in poll.poll(ms):
			poll.unregister(fd)
			left.pop(fd).reap()
	return procs


def run(argv, env, out_dir, name="run", check=True):
	p = Proc(argv, env, out_dir, name)
	wait_all([p])
	if check and p.rc != 0:
		raise Bench("%s failed (%d): %s" % (" ".join(argv[:1]), p.rc, p.err().strip()[-500:]))
	return p


# ---- the helper's config and one person's files ----

def write_config(path, ep, state, name_tmpl=None, extra_aws="deadline = 30\n", extra_keys=""):
	with open(path, "w") as f:
		f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\ncredentials = %s\n%s\n"
		        "[scope]\nmin_uid = 0\nexclude =\n\n"
		        "[user]\n%sgroups = %s\npolicies = arn:aws:iam::%s:policy/developer-access\n\n"
		        "[keys]\n%s\n[state]\ndir = %s\n"
		        % (ep.url, ep.url, ep.admin_credentials_file, extra_aws,
		           "name = %s\n" % name_tmpl if name_tmpl else "", GROUP, ep.account,
		           extra_keys, state))


class Person:
	"""Home, state dir and config of one login, under base/name."""

	def __init__(self, base, name, ep, name_tmpl=None, extra_aws="deadline = 30\n"):
		self.dir = os.path.join(base, name)
		self.home = os.path.join(self.dir, "home")
		self.state = os.path.join(self.dir, "state")
		self.conf = os.path.join(self.dir, "conf")
		os.makedirs(self.home, mode=0o700)
		os.makedirs(self.state, mode=0o700)
		self.ep = ep
		self.name_tmpl = name_tmpl
		self.extra_aws = extra_aws
		write_config(self.conf, ep, self.state, name_tmpl, extra_aws)

	def reconfigure(self, extra_keys):
		write_config(self.conf, self.ep, self.state, self.name_tmpl, self.extra_aws, extra_keys)

	def argv(self, helper):
		return [helper, "--config", self.conf, "--home", self.home, "--host", HOST, "--quiet"]

	def key_id(self):
		try:
			return read_credentials(os.path.join(self.home, ".aws", "credentials"))[0]
		except Exception:
			return None


def round_trips(calls, latency_ms):
	"""Sequential round trips of a run with injected latency: replies that arrive within half
	the latency of the previous one answered requests sent together."""
	t = sorted(c["time"] for c in calls)
	if not t:
		return 0
	return 1 + sum(1 for a, b in zip(t, t[1:]) if (b - a) * 1000 >= latency_ms / 2)


# ---- the measurements ----

def med(xs):
	return statistics.median(xs) if xs else None


def bench_spawn(n, tmp, argv):
	"""Wall and CPU of a process that does (next to) nothing: what any exec costs right now."""
	env = clean_env()
	ps = [run(argv, env, tmp) for _ in range(n)]
	return {"wall": [p.wall_ms for p in ps], "cpu": [p.cpu_ms for p in ps]}


def peak_rss_kb(argv, env, out_dir):
	"""Peak RSS of argv, by /usr/bin/time (a child of a small process: wait4 on a child of
	this Python process would report Python's own RSS, which exec carries into ru_maxrss)."""
	f = os.path.join(out_dir, "rss")
	run([TIME, "-f", "%M", "-o", f] + argv, env, out_dir, "rss")
	with open(f) as fh:
		return int(fh.read().split()[-1])


def private_memory_kb(argv, out_dir, build):
	"""The memory a run holds as its own (anonymous and private dirty pages) at its peak:
	{private, anonymous, private_dirty, hwm} in KiB (tests/preload/private-memory.c)."""
	out = os.path.join(out_dir, "private-memory")
	env = clean_env(LD_PRELOAD=os.path.join(build, "tests", "private-memory.so"),
	                PAI_PRIVATE_MEMORY_OUT=out, GLIBC_TUNABLES=NO_TRIM)
	run(argv, env, out_dir, "private-memory")
	with open(out) as f:
		got = dict(ln.split(": ") for ln in f.read().splitlines())
	return {k[:-3]: int(v) for k, v in got.items()}


def bench_netlib_rss(build, n, base):
	"""Peak RSS of a process that only loads pai-network.so (build/netlib-rss): the floor
	under a first login's, since the helper is the same libc process plus this library."""
	tool, lib = os.path.join(build, "netlib-rss"), os.path.join(build, "pai-network.so")
	if not os.path.exists(tool):
		return None
	loaded, at_exit = [], []
	for _ in range(n):
		p = run([tool, lib], clean_env(), base, "netlib-rss")
		m = re.search(r"^after_kb: (\d+)$", p.out(), re.M)
		if not m:
			raise Bench("netlib-rss printed no figure: %s" % p.out().strip()[-200:])
		loaded.append(int(m.group(1)))
		at_exit.append(peak_rss_kb([tool, lib], clean_env(), base))
	return {"loaded": loaded, "exit": at_exit}


def bench_helper(helper, ep, n, base, latency_ms=0):
	"""n first logins (fresh IAM, state and home each), each followed (0 ms only) by three
	fast-path runs and one verify run. Returns a dict of lists."""
	r = {k: [] for k in ("first", "first_cpu", "rss", "fast", "fast_cpu", "fast_rss",
	                     "verify", "private", "anonymous", "private_dirty")}
	r["calls_first"] = r["calls_fast"] = r["calls_verify"] = None
	r["rounds"] = []
	env = clean_env()
	for i in range(n):
		ep.reset()
		if latency_ms:
			ep.faults(latency_ms=latency_ms)
		who = Person(base, "l%d-%d" % (latency_ms, i), ep)
		p = run(who.argv(helper), env, who.dir, "first")
		calls = [c for c in ep.calls() if c["service"] != "imds"]
		r["first"].append(p.wall_ms)
		r["first_cpu"].append(p.cpu_ms)
		r["calls_first"] = [c["action"] for c in calls]
		if latency_ms:
			r["rounds"].append(round_trips(calls, latency_ms))
			continue
		for j in range(3):
			ep.clear_calls()
			p = run(who.argv(helper), env, who.dir, "fast")
			r["fast"].append(p.wall_ms)
			r["fast_cpu"].append(p.cpu_ms)
			r["calls_fast"] = ep.actions()
		r["fast_rss"].append(peak_rss_kb(who.argv(helper), env, who.dir))
		who.reconfigure("verify_interval = 0\n")
		ep.clear_calls()
		r["verify"].append(run(who.argv(helper), env, who.dir, "verify").wall_ms)
		r["calls_verify"] = ep.actions()
		# Peak RSS of a first login: a run of its own (time's wrapper stays out of the walls).
		ep.reset()
		who = Person(base, "rss-%d" % i, ep)
		r["rss"].append(peak_rss_kb(who.argv(helper), env, who.dir))
		# ...and of the memory that is its own (anonymous, private dirty), in another
		ep.reset()
		who = Person(base, "priv-%d" % i, ep)
		m = private_memory_kb(who.argv(helper), who.dir, os.path.dirname(helper))
		for k in ("private", "anonymous", "private_dirty"):
			r[k].append(m[k])
	return r


def bench_credproc(helper, ep, n, base):
	"""[keys] deliver = process: after one login, 3n runs of --credential-process serving
	the cached session and n renewals (the cache file removed before each: one
	GetSessionToken), in turn."""
	ep.reset()
	who = Person(base, "credproc", ep)
	who.reconfigure("deliver = process\n")
	run(who.argv(helper), clean_env(), who.dir, "login")
	argv = [helper, "--config", who.conf, "--home", who.home, "--host", HOST,
	        "--credential-process"]
	cache = os.path.join(who.state, "sessions", pwd.getpwuid(os.getuid()).pw_name)
	r = {"cached": [], "cached_cpu": [], "renewal": [], "renewal_cpu": [], "calls_cached": None,
	     "calls_renewal": None}
	env = clean_env()
	for i in range(n):
		if os.path.exists(cache):
			os.unlink(cache)
		ep.clear_calls()
		p = run(argv, env, who.dir, "renewal")
		r["renewal"].append(p.wall_ms)
		r["renewal_cpu"].append(p.cpu_ms)
		r["calls_renewal"] = ep.actions()
		for j in range(3):
			ep.clear_calls()
			p = run(argv, env, who.dir, "cached")
			if '"AccessKeyId": "ASIA' not in p.out():
				raise Bench("--credential-process printed no session")
			r["cached"].append(p.wall_ms)
			r["cached_cpu"].append(p.cpu_ms)
			# the most any one cached run made
			if r["calls_cached"] is None or len(ep.actions()) > len(r["calls_cached"]):
				r["calls_cached"] = ep.actions()
	return r


def bench_cli(ep, runs, base):
	"""The first login as a shell script of /usr/bin/aws calls; wall times and calls."""
	walls, calls = [], None
	for i in range(runs):
		ep.reset()
		d = os.path.join(base, "cli%d" % i)
		home = os.path.join(d, "home")
		os.makedirs(home, mode=0o700)
		env = clean_env(ENDPOINT=ep.url, REGION=ep.region,
		                ADMIN_CREDS=ep.admin_credentials_file, IAM_USER="cli-person",
		                GROUP=GROUP,
		                POLICY_ARN="arn:aws:iam::%s:policy/developer-access" % ep.account,
		                HOST=HOST, PERSON_HOME=home)
		p = run(["/bin/sh", CLI_SCRIPT], env, d, "cli")
		kid = read_credentials(os.path.join(home, ".aws", "credentials"))[0]
		u = ep.user("cli-person")
		if not u or kid not in [k["id"] for k in u["keys"]]:
			raise Bench("CLI script: the key on disk is not the user's")
		walls.append(p.wall_ms)
		calls = ep.actions()
	return walls, calls


def attack_people(helper):
	"""tests/pai_attack.py (its Person and checks, shared with tests/attack and tests/load),
	made to run this helper."""
	pai_attack.HELPER = helper
	return pai_attack


def burst_outcome(ac, ep, who, p, iam_keys):
	"""ok | kept | clean | bad: the classes of tests/load/test_load.py (a working key, exit 0;
	a working key with a warning, exit 8; one clean error line with nothing changed)."""
	out, err = p.out(), p.err()
	try:
		ac.check_no_leak(out + err, ep)
	except AssertionError as e:
		return "bad", str(e)
	kid = who.profile_key()
	if kid is not None:
		with open(who.cred_path, "rb") as f:
			whole = f.read().startswith(ac.SEEDED_CREDENTIALS)
		if p.rc in (ac.EXIT_OK, ac.EXIT_WARNING) and whole and list(iam_keys) == [kid]:
			return ("ok" if p.rc == ac.EXIT_OK else "kept"), None
		return "bad", "key %s on disk, IAM holds %s, file whole: %s" % (kid, list(iam_keys),
		                                                                 whole)
	lines = err.splitlines()
	if p.rc == ac.EXIT_AWS and 1 <= len(lines) <= 3 and who.snapshot() == who.before and \
			not iam_keys and all(l.startswith(ac.PROG) and l.isprintable() for l in lines):
		# tests/load asks for exactly one line; two parallel calls failing print two
		if len(lines) > 1:
			return "clean", "clean, but %d error lines: %r" % (len(lines), lines)
		return "clean", None
	return "bad", "no key on disk, IAM holds %s, stderr %r" % (list(iam_keys), lines[:3])


def bench_burst(helper, ep, n, base):
	"""n bursts of BURST_PEOPLE first logins started at once, 30 % of calls throttled. Each
	person is tests/attack's (home seeded with other profiles, own state dir and config)."""
	ac = attack_people(helper)
	env = clean_env()
	res = []
	for b in range(n):
		ep.reset()
		d = os.path.join(base, "burst%d" % b)
		os.makedirs(d)
		people = []
		for i in range(BURST_PEOPLE):
			who = ac.Person(d, ep, name="p%02d" % i)
			who.iam_name = "bench-p%02d" % i
			who.configure(aws={"deadline": str(BURST_DEADLINE_S)},
			              user={"name": who.iam_name, "groups": GROUP,
			                    "policies": "arn:aws:iam::%s:policy/developer-access"
			                                % ep.account})
			who.before = who.snapshot()
			people.append(who)
		gate_r, gate_w = os.pipe()
		procs = []
		try:
			for i, who in enumerate(people):
				procs.append(Proc(who.argv(), env, d, "login%02d" % i, gate_r))
		except BaseException:
			os.close(gate_w)
			for p in procs:
				os.kill(p.pid, 9)
			wait_all(procs)
			raise
		finally:
			os.close(gate_r)
		at_gate(procs)
		ep.faults(throttle=BURST_THROTTLE, seed=b + 1)
		t0 = time.perf_counter()
		for p in procs:
			p.t0 = t0
		os.close(gate_w)
		wait_all(procs)
		total = (time.perf_counter() - t0) * 1000
		ep.faults()
		count = {"ok": 0, "kept": 0, "clean": 0, "bad": 0, "multiline": 0}
		problems = []
		st = ep.state()
		users = {u["name"]: u for u in st["users"]}
		for who, p in zip(people, procs):
			keys = {k["id"]: k for k in users.get(who.iam_name, {}).get("keys", [])}
			kind, why = burst_outcome(ac, ep, who, p, keys)
			count[kind] += 1
			count["multiline"] += kind == "clean" and why is not None
			if why:
				problems.append("%s: exit %d in %.0f ms: %s" % (who.iam_name, p.rc, p.wall_ms,
				                                                 why))
		on_disk = {who.profile_key() for who in people}
		orphans = sum(1 for u in st["users"] if u["name"].startswith("bench-p")
		              for k in u["keys"] if k["id"] not in on_disk)
		res.append(dict(count, orphans=orphans, total=total,
		                slowest=max(p.wall_ms for p in procs),
		                over=sum(1 for p in procs if p.wall_ms > BURST_DEADLINE_S * 1000),
		                problems=problems))
	return res


class Account:
	"""A throwaway login account (root only) whose home is a temp dir; removed by close()."""

	def __init__(self, base):
		self.name = "pai-b%s" % secrets.token_hex(3)
		self.home = os.path.join(base, "home")
		subprocess.run(["useradd", "-M", "-U", "-d", self.home, "-s", "/usr/sbin/nologin",
		                self.name], check=True, capture_output=True)
		pw = pwd.getpwnam(self.name)
		self.uid, self.gid = pw.pw_uid, pw.pw_gid
		os.makedirs(self.home, mode=0o700)
		os.chown(self.home, self.uid, self.gid)

	def close(self):
		subprocess.run(["userdel", self.name], check=False, capture_output=True)
		subprocess.run(["groupdel", self.name], check=False, capture_output=True)


def bench_pam(build, helper, ep, n, base):
	"""Session open through real libpam, fast path: (module+helper walls, module with a
	trivial helper walls, calls during the fast-path sessions, shown lines) or a skip reason."""
	if os.geteuid() != 0:
		return "not root: needs a throwaway account whose home the password database names"
	module, driver = os.path.join(build, "pam_aws_iam.so"), os.path.join(build, "pam-session")
	for f in (module, driver):
		if not os.path.exists(f):
			return "%s missing" % f
	work = os.path.join(base, "pam")
	os.makedirs(work)
	os.chmod(base, 0o755)
	os.chmod(work, 0o755)
	acct = Account(work)
	try:
		state = os.path.join(work, "state")
		os.makedirs(state, mode=0o700)
		os.chown(state, acct.uid, acct.gid)
		creds = os.path.join(work, "admin-credentials")
		shutil.copyfile(ep.admin_credentials_file, creds)
		os.chmod(creds, 0o600)
		os.chown(creds, acct.uid, acct.gid)
		conf = os.path.join(work, "pam_aws_iam.conf")
		with open(conf, "w") as f:
			f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\ncredentials = %s\n\n"
			        "[user]\ngroups = %s\npolicies = arn:aws:iam::%s:policy/developer-access\n\n"
			        "[state]\ndir = %s\n" % (ep.url, ep.url, creds, GROUP, ep.account, state))
		os.chmod(conf, 0o644)
		trivial = os.path.join(work, "trivial-helper")
		with open(trivial, "w") as f:
			f.write("#!/bin/sh\necho 'Sign in: https://%s.signin.aws.amazon.com/console'\n"
			        % ep.account)
		os.chmod(trivial, 0o755)
		with open(os.path.join(work, "other"), "w") as f:
			f.write("#\n")
		for svc, h in (("bench", helper), ("trivial", trivial)):
			with open(os.path.join(work, svc), "w") as f:
				f.write("session required %s helper=%s config=%s\n" % (module, h, conf))
		env = {"PATH": "/usr/bin:/bin"}
		ep.reset()
		first = run([driver, work, "bench", acct.name], env, work, "pam-first", check=False)
		if first.rc != 0 or not os.path.exists(os.path.join(acct.home, ".aws", "credentials")):
			raise Bench("PAM first login failed: %s" % first.out().strip()[-500:])
		out = {"fast": [], "trivial": [], "calls": None, "shown": None}
		ep.clear_calls()
		# 3n of each, taken in turn, so both see the same moments of a shared machine.
		for i in range(3 * n):
			for svc, key in (("bench", "fast"), ("trivial", "trivial")):
				p = run([driver, "--time", work, svc, acct.name], env, work, "pam")
				m = re.search(r"^open_session_us: (\d+)$", p.out(), re.M)
				if not m or "pam_open_session: PAM_SUCCESS" not in p.out():
					raise Bench("PAM session failed: %s" % p.out().strip()[-500:])
				out[key].append(int(m.group(1)) / 1000)
				if svc == "bench":
					out["shown"] = [l[6:] for l in p.out().splitlines()
					                if l.startswith("INFO: ")]
		out["calls"] = ep.actions()  # the trivial helper calls nothing
		return out
	finally:
		acct.close()


# ---- report ----

def bench_fleet(ep, base, hosts=100, people=50):
	"""The fleet simulation at scale: every person logs in on every host on day one (first
	logins), again after verify_interval (day two), then a fleet-wide rotation of everyone
	from one host and logins until every host holds the new key."""
	import fleetsim
	work = os.path.join(base, "fleet")
	os.makedirs(work)
	ep.reset()
	f = fleetsim.Fleet(ep, work, hosts, people, grace=3600, verify_interval=1, deadline=60,
	                   seed=3)
	out = {"hosts": hosts, "people": people}

	def day(label, pairs, args=()):
		ep.clear_calls()
		n0 = len(f.results)
		res = f.logins(pairs, workers=4, args=args)
		out[label + "_calls"] = len(ep.calls()) / max(1, len(res))
		out[label + "_slowest"] = max(r.took for r in res) * 1000
		out[label + "_failed"] = sum(1 for r in res if r.rc != 0)
		out[label + "_n"] = len(f.results) - n0
		return res

	day("day1", f.everyone())
	time.sleep(1.5)
	day("day2", f.everyone())
	day("rotate", [(f.hosts[0], n) for n in f.names], args=("--rotate",))
	time.sleep(1.5)
	# logins until every host of every person holds the new key, counted from the homes
	# that do not hold it yet (the rotating host's already do)

	def behind():
		cur = {n: f.store(n)["current"]["id"] for n in f.names}
		return {(h, n) for (h, n) in f.everyone() if f.p[(h, n)].key() != cur[n]}

	pending = behind()
	out["converge_target"] = len(pending)
	logins = failed = 0
	while pending and logins < 4 * hosts * people:
		res = f.logins(sorted(pending), workers=4)
		logins += len(res)
		failed += sum(1 for x in res if x.rc != 0)
		pending = behind()
	out["converge_logins"] = logins
	out["converge_failed"] = failed
	out["converged"] = not pending
	out["invariants"] = f.check()
	return out


def machine():
	model = "?"
	try:
		with open("/proc/cpuinfo") as f:
			for line in f:
				if line.startswith("model name"):
					model = line.split(":", 1)[1].strip()
					break
	except OSError:
		pass
	try:
		commit = subprocess.run(["git", "-C", TOP, "rev-parse", "--short", "HEAD"],
		                        capture_output=True, text=True).stdout.strip()
		if subprocess.run(["git", "-C", TOP, "diff", "--quiet", "HEAD", "--", "helper",
		                   "pam_module"]).returncode:
			commit += " + uncommitted changes in helper/ or pam_module/"
	except OSError:
		commit = "?"
	return {"cpu": model, "cores": os.cpu_count(), "kernel": platform.release(),
	        "host": socket.gethostname(), "load": os.getloadavg(), "commit": commit,
	        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


def verdict(ok):
	return "PASS" if ok else "MISS"


def fmt_ms(x):
	return "%.1f ms" % x if x is not None else "-"


def build_table(r, n):
	rows = []  # (figure, value, target, verdict)
	sp = r["spawn"]
	rows.append(("for scale: /bin/true, spawn to reap (CPU %.1f ms)" % med(sp["cpu"]),
	             fmt_ms(med(sp["wall"])), "", ""))
	cu = r["curl"]
	rows.append(("for scale: /usr/bin/curl --version, libcurl's libraries (CPU %.1f ms)"
	             % med(cu["cpu"]), fmt_ms(med(cu["wall"])), "", ""))
	rows.append(("helper process start: --version", fmt_ms(med(r["version"])), "", ""))
	pam = r["pam"]
	if isinstance(pam, str):
		rows.append(("fast-path session open, module + helper", "skipped: " + pam,
		             "< %.0f ms" % FAST_PATH_MS, "-"))
	else:
		m = med(pam["fast"])
		rows.append(("fast-path session open, module + helper (%d API calls; min %.1f ms)"
		             % (len(pam["calls"]), min(pam["fast"])), fmt_ms(m),
		             "< %.0f ms" % FAST_PATH_MS, verdict(m < FAST_PATH_MS)))
		rows.append(("  for scale: module + a trivial /bin/sh helper (min %.1f ms)"
		             % min(pam["trivial"]), fmt_ms(med(pam["trivial"])), "", ""))
	h = r["h0"]
	m = med(h["fast"])
	rows.append(("fast path, helper alone (%d API calls; CPU %.1f ms; min %.1f ms; RSS %.1f MiB)"
	             % (len(h["calls_fast"]), med(h["fast_cpu"]), min(h["fast"]),
	                med(h["fast_rss"]) / 1024), fmt_ms(m),
	             "< %.0f ms" % FAST_PATH_MS, verdict(m < FAST_PATH_MS)))
	rows.append(("verify_interval passed, helper (%d API calls)" % len(h["calls_verify"]),
	             fmt_ms(med(h["verify"])), "", ""))
	first = med(h["first"])
	rows.append(("first login, 0 ms latency (%d API calls; CPU %.1f ms)"
	             % (len(h["calls_first"]), med(h["first_cpu"])), fmt_ms(first), "", ""))
	h50 = r["h50"]
	m50 = med(h50["first"])
	rows.append(("first login, %d ms latency per call (%d API calls, %d sequential round "
	             "trips)" % (LATENCY_MS, len(h50["calls_first"]), med(h50["rounds"])),
	             fmt_ms(m50), "< %.0f ms" % LATENCY_FIRST_MS, verdict(m50 < LATENCY_FIRST_MS)))
	cli = med(r["cli"])
	rows.append(("first login as an AWS CLI shell script (%d aws processes, %d API calls; "
	             "median of %d)" % (len(r["cli_calls"]), len(r["cli_calls"]), len(r["cli"])),
	             fmt_ms(cli), "", ""))
	ratio = cli / first
	rows.append(("ratio CLI script / helper, first login", "%.1fx" % ratio,
	             ">= %.0fx" % CLI_RATIO, verdict(ratio >= CLI_RATIO)))
	cp = r.get("credproc")
	if cp:
		m = med(cp["cached"])
		rows.append(("--credential-process, cached session (%d API calls; CPU %.1f ms; min "
		             "%.1f ms)" % (len(cp["calls_cached"]), med(cp["cached_cpu"]),
		                           min(cp["cached"])), fmt_ms(m), "< %.0f ms" % CREDPROC_MS,
		             verdict(m < CREDPROC_MS)))
		rows.append(("--credential-process, renewal (%s; CPU %.1f ms)"
		             % (", ".join(cp["calls_renewal"]), med(cp["renewal_cpu"])),
		             fmt_ms(med(cp["renewal"])), "", ""))
	priv = med(h["private"])
	rows.append(("helper peak private memory, first login (anonymous + private dirty; "
	             "max %d KiB)" % max(h["private"]), "%.1f MiB" % (priv / 1024),
	             "< %d MiB" % (PRIVATE_KB // 1024), verdict(priv < PRIVATE_KB)))
	rss = med(h["rss"])
	rows.append(("  for scale: its peak RSS, mostly shared library pages (max %d KiB)"
	             % max(h["rss"]), "%.1f MiB" % (rss / 1024), "", ""))
	nl = r.get("netlib")
	if nl:
		rows.append(("  for scale: a process that only loads pai-network.so (its libraries; "
		             "%.1f MiB at exit)" % (med(nl["exit"]) / 1024),
		             "%.1f MiB" % (med(nl["loaded"]) / 1024), "", ""))
	bu = r["burst"]
	rows.append(("%d-person burst, %d %% of calls throttled: exit 0, working key"
	             % (BURST_PEOPLE, BURST_THROTTLE * 100), "%g" % med([b["ok"] for b in bu]),
	             "", ""))
	rows.append(("  exit 8: key in place, a later step failed (the next login retries)",
	             "%g" % med([b["kept"] for b in bu]), "", ""))
	rows.append(("  clean failure (error line, files unchanged; %d of all with 2-3 lines)"
	             % sum(b["multiline"] for b in bu),
	             "%g" % med([b["clean"] for b in bu]), "", ""))
	bad = max(b["bad"] for b in bu)
	rows.append(("  anything else (worst of the bursts)", "%d" % bad, "0", verdict(bad == 0)))
	rows.append(("  keys in IAM that no home holds (all bursts)",
	             "%d" % sum(b["orphans"] for b in bu), "", ""))
	worst = max(b["slowest"] for b in bu)
	rows.append(("  slowest login (worst burst %.0f ms; past the %d s deadline: %d)"
	             % (worst, BURST_DEADLINE_S, sum(b["over"] for b in bu)),
	             fmt_ms(med([b["slowest"] for b in bu])),
	             "<= %d s (module timeout)" % MODULE_TIMEOUT_S,
	             verdict(worst <= MODULE_TIMEOUT_S * 1000)))
	rows.append(("  total wall time of the burst", fmt_ms(med([b["total"] for b in bu])),
	             "", ""))
	fl = r.get("fleet")
	if fl:
		rows.append(("fleet of %d hosts x %d people (store = secretsmanager):" % (
			fl["hosts"], fl["people"]), "", "", ""))
		rows.append(("  API calls per login, day one (first login on each host)",
		             "%.2f" % fl["day1_calls"], "", ""))
		rows.append(("  API calls per login, day two (verify_interval passed)",
		             "%.2f" % fl["day2_calls"], "", ""))
		rows.append(("  logins until every host holds a rotated key (homes behind: %d)"
		             % fl["converge_target"], "%d" % fl["converge_logins"],
		             "%d" % fl["converge_target"],
		             verdict(fl["converged"] and fl["converge_logins"] <= fl["converge_target"])))
		rows.append(("  slowest login, day one / day two / rotation (ms)", "%.0f / %.0f / %.0f" % (
			fl["day1_slowest"], fl["day2_slowest"], fl["rotate_slowest"]), "", ""))
		failed = (fl["day1_failed"] + fl["day2_failed"] + fl["rotate_failed"]
		          + fl["converge_failed"])
		rows.append(("  failed logins (all days); invariant breaks", "%d; %d" % (
			failed, len(fl["invariants"])), "0; 0",
			verdict(not fl["invariants"] and not failed)))
	return rows


def render(rows):
	w = [max(len(r[i]) for r in rows + [("figure", "median", "target", "")]) for i in range(4)]
	lines = ["| %s | %s | %s | %s |" % ("figure".ljust(w[0]), "median".rjust(w[1]),
	                                     "target".ljust(w[2]), "".ljust(w[3])),
	         "|%s|%s:|%s|%s|" % ("-" * (w[0] + 2), "-" * (w[1] + 1), "-" * (w[2] + 2),
	                            "-" * (w[3] + 2))]
	for f, v, t, ok in rows:
		lines.append("| %s | %s | %s | %s |" % (f.ljust(w[0]), v.rjust(w[1]), t.ljust(w[2]),
		                                         ok.ljust(w[3])))
	return "\n".join(lines)


def report_md(table, mach, r, n, load_end, elapsed):
	h, h50, pam = r["h0"], r["h50"], r["pam"]
	out = ["# Benchmarks", "",
	       "Generated by `make bench` (tests/bench/bench.py); do not edit by hand. Each figure "
	       "is the median of the runs taken in one invocation (%d runs each; the fast path, "
	       "helper alone and through the module, %d; the AWS CLI script %d; %d bursts of %d "
	       "people), against the local IAM endpoint (tests/endpoint, one Python process on "
	       "127.0.0.1, plain HTTP)." % (
	           n, 3 * n, len(r["cli"]), len(r["burst"]), BURST_PEOPLE), "",
	       "## Machine", "",
	       "- CPU: %s, %d cores" % (mach["cpu"], mach["cores"]),
	       "- kernel: Linux %s" % mach["kernel"],
	       "- load average at start: %.2f %.2f %.2f; at end: %.2f %.2f %.2f (the machine is "
	       "shared; wall times scale with it)" % (mach["load"] + load_end),
	       "- date: %s; commit %s; bench took %.0f s" % (mach["date"], mach["commit"], elapsed),
	       "", "## Figures", "", table, "",
	       "## What each figure is", "",
	       "- Wall times are spawn to reap (posix_spawn, wait4) as seen by the bench, except the "
	       "session opens, which are the time of `pam_open_session` inside build/pam-session. "
	       "CPU is the child's user + system time from wait4. Peak RSS is GNU time's %M, in "
	       "runs of their own (ru_maxrss of a child of the Python driver would carry Python's "
	       "RSS across exec). `min` is the fastest run, the least disturbed by the load.",
	       "- Session open: a throwaway account (useradd, home in a temp dir, removed after) "
	       "whose home the password database names, because the module passes the helper only "
	       "`--config`; the service file names the built module with `helper=` the built "
	       "helper and `config=` a test config; the first session provisions, the timed ones "
	       "take the fast path, in turn with the same module running a two-line /bin/sh helper "
	       "(%s). Needs root; skipped with the reason otherwise." % (
	           "API calls during them: %d; shown: %s" % (len(pam["calls"]), " / ".join(
	               pam["shown"] or [])) if not isinstance(pam, str) else pam),
	       "- --credential-process ([keys] deliver = process, what the AWS CLI and SDKs run for "
	       "credentials): one person logged in once; a cached session is served from the "
	       "helper's state dir without loading pai-network.so; a renewal (the cached session "
	       "file removed first) makes one GetSessionToken with the held key and writes the "
	       "cache.",
	       "- Peak private memory: the first login with build/tests/private-memory.so preloaded, "
	       "which sums at exit, per mapping of /proc/self/smaps, the larger of Anonymous and "
	       "Private_Dirty (pages that are the process's own: its heap and stacks, and the "
	       "relocated data of the libraries it loaded), with glibc's malloc told never to give "
	       "memory back (GLIBC_TUNABLES trim and mmap thresholds), so that exit is the peak. "
	       "The peak RSS beside it counts the shared text of Debian's libcurl, OpenSSL and "
	       "libxml2 too, which every process using them shares.",
	       "- Peak RSS floor: build/netlib-rss dlopen()s pai-network.so as the helper does "
	       "(libcurl, OpenSSL, libxml2, json-c and what Debian built them against) and calls "
	       "nothing; its VmHWM right after the load is shown, and GNU time's figure for the "
	       "same process (the libraries' exit handlers add pages). A first login is that "
	       "process plus the work.",
	       "- First login calls (0 ms): %s." % " ".join(h["calls_first"]),
	       "- With %d ms latency (the endpoint's latency fault on every call) the sequential "
	       "round trips are counted from the reply times in the endpoint's call log (replies "
	       "closer than half the latency belong to one round); the data dependencies force 4: "
	       "GetUser, CreateUser, CreateAccessKey, TagUser (the ledger tag names the new key)."
	       % LATENCY_MS,
	       "- AWS CLI script: tests/bench/cli_first_login.sh, the same calls and parameters in "
	       "sequence, one `/usr/bin/aws` process each, then the credentials file written by "
	       "hand. Calls: %s." % " ".join(r["cli_calls"]),
	       "- Burst: %d different people (own config, state dir, home and IAM user each) "
	       "started at once against one endpoint that throttles %d %% of calls; the helpers "
	       "keep the default deadline (%d s, counted from the helper's start of work) and "
	       "max_attempts (3), and have a home seeded with other profiles (tests/attack's "
	       "Person). Classes as in tests/load/test_load.py: a working key (exit 0, the file "
	       "whole, IAM holding exactly that key); a working key with a warning (exit 8: a "
	       "later step such as the group, policy or ledger tag failed after the key was "
	       "written); a clean failure (exit 5, `aws-iam-provision:` lines, the home "
	       "byte-identical, no key in IAM, one line per failed call: two parallel calls "
	       "failing give two, counted below); anything else (a leaked secret, a signal, a "
	       "broken file, a key IAM holds that no home does) is counted against the target. "
	       "The slowest login is judged against the PAM module's default timeout (%d s), past "
	       "which the module kills the helper and the login goes on." % (
	           BURST_PEOPLE, BURST_THROTTLE * 100, BURST_DEADLINE_S, MODULE_TIMEOUT_S),
	       "- Fleet: tests/fleetsim.py against the local endpoint's IAM and Secrets Manager, "
	       "every host its own --host, state dir and home, 4 logins at a time, no faults. Day "
	       "one: every person logs in on every host (the first host of a person claims and "
	       "publishes the key, the others take it). Day two: the same logins after "
	       "verify_interval (1 s): GetUser, ListAccessKeys, DescribeSecret, and GetSecretValue "
	       "only when the version changed. Rotation: `--rotate` of every person on one host, "
	       "then logins of the homes still behind until every host of every person holds the new "
	       "key (the target: one login per home behind, the rotating host's homes already "
	       "hold it; failures there count among the failed logins). The cached "
	       "--credential-process row shows the most API calls any one cached run made. Calls per login are the endpoint's call count over the "
	       "logins of that day; the invariants are those of the simulation in make check "
	       "(tests/load/test_fleet_sim.py).", ""]
	problems = [p for b in r["burst"] for p in b["problems"]]
	if problems:
		out += ["Burst logins to look at:", ""] + ["- " + p for p in problems[:20]] + [""]
	return "\n".join(out)


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("-n", type=int, default=7)
	ap.add_argument("-b", default=os.environ.get("B") or "build")
	ap.add_argument("-o", default=None, help="write the report here (BENCHMARKS.md)")
	a = ap.parse_args()
	n = max(a.n, 5)
	build = os.path.abspath(a.b if os.path.isabs(a.b) else os.path.join(TOP, a.b))
	helper = os.path.join(build, "aws-iam-provision")
	if not os.path.exists(helper):
		sys.exit("bench: %s missing (make B=... all)" % helper)
	mach = machine()
	print("bench: %s, %d cores, load %.2f %.2f %.2f, helper %s" % (
		mach["cpu"], mach["cores"], *mach["load"], helper), flush=True)
	t_start = time.monotonic()
	base = tempfile.mkdtemp(prefix="pai-bench-")
	ep = start_endpoint(os.path.join(base, "endpoint"))
	r = {}
	try:
		env = clean_env()
		steps = [
			("spawn", lambda: bench_spawn(n, base, ["/bin/true"])),
			("curl", lambda: bench_spawn(n, base, ["/usr/bin/curl", "--version"])),
			("version", lambda: [run([helper, "--version"], env, base).wall_ms
			                     for _ in range(n)]),
			("h0", lambda: bench_helper(helper, ep, n, base)),
			("h50", lambda: bench_helper(helper, ep, n, base, LATENCY_MS)),
			("credproc", lambda: bench_credproc(helper, ep, n, base)),
			("pam", lambda: bench_pam(build, helper, ep, n, base)),
			("netlib", lambda: bench_netlib_rss(build, n, base)),
			("burst", lambda: bench_burst(helper, ep, BURST_RUNS, base)),
			("fleet", lambda: bench_fleet(ep, base)),
		]
		for name, fn in steps:
			t = time.monotonic()
			r[name] = fn()
			print("bench: %s done in %.1f s" % (name, time.monotonic() - t), flush=True)
		t = time.monotonic()
		r["cli"], r["cli_calls"] = bench_cli(ep, CLI_RUNS, base)
		print("bench: cli done in %.1f s" % (time.monotonic() - t), flush=True)
	except Bench as e:
		sys.exit("bench: %s" % e)
	finally:
		ep.stop()
		shutil.rmtree(base, ignore_errors=True)
	load_end = os.getloadavg()
	table = render(build_table(r, n))
	print()
	print(table)
	print("\nload average at start %.2f %.2f %.2f, at end %.2f %.2f %.2f"
	      % (mach["load"] + load_end))
	if a.o:
		path = a.o if os.path.isabs(a.o) else os.path.join(TOP, a.o)
		with open(path, "w") as f:
			f.write(report_md(table, mach, r, n, load_end, time.monotonic() - t_start))
		print("bench: wrote %s" % os.path.relpath(path, TOP))


if __name__ == "__main__":
	main()
