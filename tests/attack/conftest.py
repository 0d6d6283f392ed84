"""Fixtures of the attack layer (issue 6); the helpers live in attack_common.py."""
import importlib.util
import os
import sys

import pytest


def _common():
	name = "pai_attack_common"
	if name not in sys.modules:
		spec = importlib.util.spec_from_file_location(
			name, os.path.join(os.path.dirname(os.path.abspath(__file__)), "attack_common.py"))
		mod = importlib.util.module_from_spec(spec)
		sys.modules[name] = mod
		spec.loader.exec_module(mod)
	return sys.modules[name]


ac = _common()


@pytest.fixture(scope="module")
def module_endpoint(tmp_path_factory):
	"""One endpoint for a module; each test's person fixture resets it."""
	ep = ac.top.start_endpoint(str(tmp_path_factory.mktemp("attack-endpoint")))
	try:
		yield ep
	finally:
		ep.stop()


@pytest.fixture
def person(tmp_path, module_endpoint):
	return ac.fixture_person(tmp_path, module_endpoint)
