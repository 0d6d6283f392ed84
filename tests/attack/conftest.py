# SPDX-License-Identifier: MIT
"""Fixtures of the attack layer; the helpers live in tests/pai_attack.py."""
import pytest

import pai_attack
import pai_testlib


@pytest.fixture(scope="module")
def module_endpoint(tmp_path_factory):
	"""One endpoint for a module; each test's person fixture resets it."""
	ep = pai_testlib.start_endpoint(str(tmp_path_factory.mktemp("attack-endpoint")))
	try:
		yield ep
	finally:
		ep.stop()


@pytest.fixture
def person(tmp_path, module_endpoint):
	return pai_attack.fixture_person(tmp_path, module_endpoint)
