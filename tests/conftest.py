# SPDX-License-Identifier: MIT
"""pytest fixtures and hooks shared by every test layer of pam_aws_iam.

The helpers these fixtures use (paths, environments, the endpoint client, the helper runner)
are in tests/pai_testlib.py, a plain module: test files and layer conftest.py files import it
with `import pai_testlib` or `from pai_testlib import ...`. The line below puts tests/ on
sys.path, so that works from `make check` (pytest from the top over several layer
directories, with xdist) and from a single-file run alike; helpers shared by the attack and
load layers are in tests/pai_attack.py, imported the same way.

Fixtures:
  iam_endpoint          a fresh local IAM/STS/Secrets Manager/IMDSv2 endpoint per test
  iam_endpoint_session  one endpoint for the whole session (call .reset() between uses)
  iam_endpoint_factory  start endpoints with options: factory(tls=True, alias="corp", ...)
  tmp_home              a private HOME directory (0700) for one test
  helper                pai_testlib.Helper: one person's config, state dir and home against
                        iam_endpoint, running the built helper unprivileged (skips when the
                        helper is not built)
  system_lock           held for one test that changes machine-wide state

Hook: pytest_collection_modifyitems groups tests for xdist (SERIAL_FILES below).

A layer directory's own conftest.py holds that layer's fixtures only (tests/README.md).
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pai_testlib import Helper, HELPER, make_tmp_home, start_endpoint, system_lock_held  # noqa: E402


@pytest.fixture
def iam_endpoint(tmp_path):
	"""A fresh endpoint for this test; stopped and reaped at teardown, even on failure."""
	ep = start_endpoint(str(tmp_path / "iam-endpoint"))
	try:
		yield ep
	finally:
		ep.stop()


@pytest.fixture(scope="session")
def iam_endpoint_session(tmp_path_factory):
	"""One endpoint for the session; tests that use it call .reset() first."""
	ep = start_endpoint(str(tmp_path_factory.mktemp("iam-endpoint-session")))
	try:
		yield ep
	finally:
		ep.stop()


@pytest.fixture
def iam_endpoint_factory(tmp_path):
	"""factory(**start_endpoint options) -> Endpoint; every one is stopped at teardown."""
	started = []

	def factory(**kw):
		ep = start_endpoint(str(tmp_path / ("iam-endpoint-%d" % len(started))), **kw)
		started.append(ep)
		return ep
	try:
		yield factory
	finally:
		for ep in started:
			ep.stop()


@pytest.fixture
def tmp_home(tmp_path):
	return make_tmp_home(tmp_path)


@pytest.fixture
def helper(tmp_path, iam_endpoint):
	if not os.path.exists(HELPER):
		pytest.skip("helper not built: %s" % HELPER)
	return Helper(tmp_path, iam_endpoint)


@pytest.fixture
def system_lock():
	"""system_lock_held() for one test (request it before fixtures that change the system)."""
	with system_lock_held():
		yield


# Files that change system-wide state (accounts, /etc/security/pam_aws_iam.conf, the
# installed package) run one after another in one xdist worker; every other file is a
# group of its own, so the tests of one file stay together and in order (check.py runs
# pytest with --dist loadgroup).
SERIAL_FILES = {"test_setuid.py", "test_local_attackers.py", "test_system.py",
                "test_pam_module.py"}


def pytest_collection_modifyitems(config, items):
	for item in items:
		name = os.path.basename(str(item.fspath))
		group = "system-state" if name in SERIAL_FILES else str(item.fspath)
		item.add_marker(pytest.mark.xdist_group(name=group))
