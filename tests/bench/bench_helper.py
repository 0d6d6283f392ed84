#!/usr/bin/python3
"""Wall time of aws-iam-provision against the local IAM endpoint (unprivileged, temporary
home, state dir and config), and the API calls each kind of login makes.

  first login: a new IAM user with one group and one policy, a new key (fresh IAM, state
               and home for every run)
  fast path:   the same person again: state and profile agree, nothing to ask IAM
  verify:      verify_interval passed: the key is checked in IAM

Usage: bench_helper.py [-n RUNS] [-b BUILD_DIR]   (median of RUNS runs each, RUNS >= 5)
"""
import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_spec = importlib.util.spec_from_file_location("pai_tests_conftest",
                                               os.path.join(TOP, "tests", "conftest.py"))
top = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(top)


def write_config(path, ep, state, extra_keys=""):
	with open(path, "w") as f:
		f.write("[aws]\nendpoint = %s\nsts_endpoint = %s\ncredentials = %s\ndeadline = 30\n\n"
		        "[scope]\nmin_uid = 0\nexclude =\n\n"
		        "[user]\ngroups = developers\npolicies = arn:aws:iam::%s:policy/developer-access\n\n"
		        "[keys]\n%s\n[state]\ndir = %s\n"
		        % (ep.url, ep.url, ep.admin_credentials_file, ep.account, extra_keys, state))


def fresh(base, i):
	d = os.path.join(base, "run%d" % i)
	home, state = os.path.join(d, "home"), os.path.join(d, "state")
	os.makedirs(home, mode=0o700)
	os.makedirs(state, mode=0o700)
	return d, home, state


def timed(helper, conf, home):
	argv = [helper, "--config", conf, "--home", home, "--host", "benchhost", "--quiet"]
	t0 = time.perf_counter()
	p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
	                   env=top.clean_env())
	ms = (time.perf_counter() - t0) * 1000
	if p.returncode != 0:
		sys.exit("bench: helper failed (%d): %s" % (p.returncode, p.stderr.strip()))
	return ms


def timed_plain(argv):
	t0 = time.perf_counter()
	subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, env=top.clean_env())
	return (time.perf_counter() - t0) * 1000


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("-n", type=int, default=9)
	ap.add_argument("-b", default=os.environ.get("B") or "build")
	a = ap.parse_args()
	n = max(a.n, 5)
	build = a.b if os.path.isabs(a.b) else os.path.join(TOP, a.b)
	helper = os.path.join(build, "aws-iam-provision")
	if not os.path.exists(helper):
		sys.exit("bench: %s missing (make B=... all)" % helper)
	base = tempfile.mkdtemp(prefix="pai-bench-")
	ep = top.start_endpoint(os.path.join(base, "endpoint"))
	try:
		start = [timed_plain([helper, "--version"]) for _ in range(n)]
		first, fast, verify = [], [], []
		calls_first = calls_fast = calls_verify = None
		for i in range(n):
			ep.reset()
			d, home, state = fresh(base, i)
			conf = os.path.join(d, "conf")
			write_config(conf, ep, state)
			first.append(timed(helper, conf, home))
			calls_first = ep.actions()
			ep.clear_calls()
			fast.append(timed(helper, conf, home))
			calls_fast = ep.actions()
			write_config(conf, ep, state, "verify_interval = 0\n")
			ep.clear_calls()
			verify.append(timed(helper, conf, home))
			calls_verify = ep.actions()
		print("aws-iam-provision against the local endpoint, median of %d runs:" % n)
		print("  process start (--version, no work): %7.2f ms" % statistics.median(start))
		print("  first login: %7.2f ms  %d calls: %s" % (statistics.median(first),
		      len(calls_first), " ".join(calls_first)))
		print("  fast path:   %7.2f ms  %d calls" % (statistics.median(fast), len(calls_fast)))
		print("  verify:      %7.2f ms  %d calls: %s" % (statistics.median(verify),
		      len(calls_verify), " ".join(calls_verify)))
	finally:
		ep.stop()
		shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
	main()
