# SPDX-License-Identifier: MIT
"""The tree passes cppcheck (make cppcheck) and clang-format (.clang-format) as checked in."""
import glob
import os
import shutil
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.skipif(not shutil.which("cppcheck"), reason="cppcheck not installed")
def test_cppcheck_reports_nothing():
	p = subprocess.run(["make", "-s", "-C", TOP, "cppcheck"], capture_output=True, text=True,
	                   timeout=600, stdin=subprocess.DEVNULL)
	assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.skipif(not shutil.which("clang-format"), reason="clang-format not installed")
def test_c_sources_are_clang_formatted():
	# helper/** and pam_module/**: the helper's sources are split into subdirectories
	files = sorted(glob.glob(os.path.join(TOP, "helper/**/*.[ch]"), recursive=True) +
	               glob.glob(os.path.join(TOP, "pam_module/**/*.[ch]"), recursive=True) +
	               glob.glob(os.path.join(TOP, "tests/unit/*.[ch]")) +
	               glob.glob(os.path.join(TOP, "tests/preload/*.c")))
	bad = []
	for f in files:
		p = subprocess.run(["clang-format", "--dry-run", "--Werror", f], capture_output=True,
		                   text=True, timeout=60)
		if p.returncode != 0:
			bad.append(os.path.relpath(f, TOP))
	assert not bad, "not clang-formatted: %s" % bad
