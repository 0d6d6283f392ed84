# SPDX-License-Identifier: MIT
"""The helper's two halves, as the Makefile lists them: the setuid executable's core in
helper/ (libc and inih only) and what talks to AWS in helper/net/ (pai-network.so)."""
import glob
import os
import re
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("PAI_BUILD_DIR") or os.path.join(TOP, "build"))
NETWORK_LIBS = ("libcurl", "libssl", "libcrypto", "libxml2", "libjson-c", "libgnutls")


def make_list(name):
	"""A variable of the Makefile: its words, continuation lines joined."""
	with open(os.path.join(TOP, "Makefile")) as f:
		text = f.read().replace("\\\n", " ")
	m = re.search(r"^%s\s*:=\s*(.*)$" % re.escape(name), text, re.M)
	assert m, "Makefile has no %s" % name
	return m.group(1).split()


def test_every_source_is_listed_in_its_half():
	core, plan, net = make_list("CORE_SRCS"), make_list("PLAN_SRCS"), make_list("NET_SRCS")
	on_disk_core = sorted(os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, "helper/*.c")))
	on_disk_net = sorted(os.path.relpath(p, TOP) for p in glob.glob(os.path.join(TOP, "helper/net/*.c")))
	assert sorted(core + plan) == on_disk_core
	assert sorted(net) == on_disk_net
	assert not set(core) & set(plan)


def test_no_core_file_includes_a_network_header():
	net_headers = {os.path.basename(p) for p in glob.glob(os.path.join(TOP, "helper/net/*.h"))}
	bad = []
	for path in glob.glob(os.path.join(TOP, "helper/*.[ch]")):
		with open(path) as f:
			for n, line in enumerate(f, 1):
				m = re.match(r'\s*#\s*include\s*[<"]([^>"]+)[>"]', line)
				if m and (os.path.basename(m.group(1)) in net_headers or
				          m.group(1).split("/")[0] in ("curl", "openssl", "libxml", "json-c")):
					bad.append("%s:%d: %s" % (os.path.relpath(path, TOP), n, line.strip()))
	assert not bad, "core files naming the network half:\n" + "\n".join(bad)


@pytest.fixture(scope="module")
def built():
	helper = os.path.join(BUILD, "aws-iam-provision")
	lib = os.path.join(BUILD, "pai-network.so")
	if not (os.path.exists(helper) and os.path.exists(lib)):
		pytest.fail("%s or %s missing: run `make` first" % (helper, lib))
	return helper, lib


def test_the_executable_links_no_network_library(built):
	helper, lib = built
	out = subprocess.run(["ldd", helper], capture_output=True, text=True, check=True).stdout
	assert not [ln for ln in out.splitlines() if any(n in ln for n in NETWORK_LIBS)], out
	# the control: the network half does link them
	out = subprocess.run(["ldd", lib], capture_output=True, text=True, check=True).stdout
	assert "libcurl" in out and "libxml2" in out


def test_the_executable_holds_no_network_code(built):
	helper, _ = built
	syms = subprocess.run(["nm", helper], capture_output=True, text=True, check=True).stdout
	for name in ("aws_client_new", "iam_create_access_key", "sigv4_authorization", "provision_net_run",
	             "keyplan_make"):
		assert not re.search(r"\b%s\b" % name, syms), name


def test_the_network_library_exports_one_symbol(built):
	_, lib = built
	out = subprocess.run(["nm", "-D", "--defined-only", lib], capture_output=True, text=True,
	                     check=True).stdout
	assert [ln.split()[-1] for ln in out.splitlines() if ln.split()[1] in "TDBR"] == \
		["provision_net_run"]
