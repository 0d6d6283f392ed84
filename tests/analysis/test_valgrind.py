# SPDX-License-Identifier: MIT
"""aws-iam-provision under valgrind memcheck against the local IAM endpoint: a first login, the
fast path that follows, and a login that ends in an AWS error. Each run must end with no
memory error and no leak (definitely, indirectly, possibly lost: 0). A block still reachable
at exit is accepted only when the dynamic loader allocated it: the helper dlopens its network
library (pai-network.so) and the libraries it needs stay mapped until exit, with the loader's
own records and the constructors' buffers (libstdc++'s exception pool). Any other still
reachable block (libcurl, OpenSSL or libxml2 global state, or the helper's own) fails.

Skipped, with the reason, when valgrind is missing or the helper in the build dir is the
ASan tree's (valgrind cannot run ASan binaries)."""
import os
import re
import shutil
import subprocess

import pytest

from pai_testlib import HELPER, clean_env

VALGRIND = shutil.which("valgrind")
ERROR_EXIT = 99

pytestmark = pytest.mark.skipif(not VALGRIND, reason="valgrind not installed")


def _is_asan(path):
	try:
		with open(path, "rb") as f:
			return b"libasan.so" in f.read()
	except OSError:
		return False


@pytest.fixture
def vg_helper(helper):
	if _is_asan(HELPER):
		pytest.skip("the helper in the build dir is built with ASan, which valgrind cannot run")
	return helper


def memcheck(helper, tmp_path, name, *args):
	"""Runs the helper once under memcheck; returns (CompletedProcess, valgrind log)."""
	log = str(tmp_path / ("valgrind-%s.log" % name))
	cmd = [VALGRIND, "--tool=memcheck", "--leak-check=full", "--show-leak-kinds=all",
	       "--errors-for-leak-kinds=definite,indirect,possible",
	       "--error-exitcode=%d" % ERROR_EXIT,
	       "--num-callers=30", "--log-file=" + log] + helper.argv(*args)
	p = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
	                   stdin=subprocess.DEVNULL, env=clean_env())
	with open(log) as f:
		text = f.read()
	return p, text


# Frames that show the dynamic loader made an allocation (ld.so sources, dlopen, constructors).
LOADER_FRAME = re.compile(r"\((dl-[a-z-]+\.c|rtld-malloc\.h|tls_get_addr\.S):\d+\)")


def reachable_records(log):
	"""The stacks of the 'still reachable' loss records, one string each."""
	records, cur = [], None
	for line in log.splitlines():
		body = re.sub(r"^==\d+== ?", "", line)
		if "are still reachable in loss record" in body:
			cur = [body]
			records.append(cur)
		elif cur is not None and body.strip():
			cur.append(body)
		else:
			cur = None
	return ["\n".join(r) for r in records]


def assert_clean(p, log):
	assert p.returncode != ERROR_EXIT, "memcheck found errors or leaks:\n" + log[-6000:]
	m = re.search(r"ERROR SUMMARY: (\d+) errors", log)
	assert m and m.group(1) == "0", log[-6000:]
	if "All heap blocks were freed -- no leaks are possible" in log:
		return
	for kind in ("definitely lost", "indirectly lost", "possibly lost"):
		assert re.search(kind + r": 0 bytes in 0 blocks", log), log[-6000:]
	for rec in reachable_records(log):
		assert LOADER_FRAME.search(rec), "still reachable, not the loader's:\n" + rec

def test_first_login_and_fast_path_are_clean_under_memcheck(vg_helper, tmp_path):
	ep = vg_helper.ep
	vg_helper.configure(user={"groups": "developers",
	                          "policies": "arn:aws:iam::%s:policy/developer-access" % ep.account})
	p, log = memcheck(vg_helper, tmp_path, "first")
	assert p.returncode == 0, p.stderr + log[-6000:]
	assert "CreateAccessKey" in ep.actions()
	assert vg_helper.profile_key() is not None
	assert_clean(p, log)

	ep.clear_calls()
	p, log = memcheck(vg_helper, tmp_path, "fast")
	assert p.returncode == 0, p.stderr + log[-6000:]
	assert ep.actions() == []
	assert_clean(p, log)


def test_a_failed_login_is_clean_under_memcheck(vg_helper, tmp_path):
	"""An AWS error half-way (CreateAccessKey refused) frees everything too."""
	ep = vg_helper.ep
	ep.deny(actions=["CreateAccessKey"])
	p, log = memcheck(vg_helper, tmp_path, "denied")
	assert p.returncode == 5, p.stderr + log[-6000:]
	assert vg_helper.credentials() is None
	assert_clean(p, log)

