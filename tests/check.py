#!/usr/bin/python3
"""Runs every test layer that exists and ends with one 'N passed, N failed' line.

Layers: cmocka unit binaries (build/tests/test_*), then pytest over tests/ (endpoint,
component, PAM, system). Skips are listed with their reasons; they count as neither.
"""
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT_TIMEOUT = 300


def run_unit():
    passed = failed = skipped = 0
    for binary in sorted(glob.glob(os.path.join(TOP, "build/tests/test_*"))):
        name = os.path.basename(binary)
        try:
            p = subprocess.run([binary], cwd=TOP, capture_output=True, text=True,
                               timeout=UNIT_TIMEOUT, stdin=subprocess.DEVNULL)
            out = p.stdout + p.stderr
            rc = p.returncode
        except subprocess.TimeoutExpired:
            out, rc = "timed out", -1
        np = sum(int(n) for n in re.findall(r"\[  PASSED  \] (\d+) test", out))
        nf = sum(int(n) for n in re.findall(r"\[  FAILED  \] (\d+) test", out))
        ns = sum(int(n) for n in re.findall(r"\[  SKIPPED \] (\d+) test", out))
        if rc != 0 and nf == 0:
            nf = 1  # crashed or timed out before cmocka could count
        passed += np
        failed += nf
        skipped += ns
        status = "ok" if nf == 0 else "FAILED"
        print(f"unit {name}: {np} passed, {nf} failed, {ns} skipped [{status}]")
        if nf:
            sys.stdout.write(out[-4000:] + "\n")
        for line in out.splitlines():
            if "SKIP" in line and "reason" in line.lower():
                print("   ", line.strip())
    return passed, failed, skipped


def run_pytest():
    tests = [d for d in ("tests/endpoint", "tests/component", "tests/pam", "tests/system",
                         "tests/attack", "tests/load") if glob.glob(os.path.join(TOP, d, "test_*.py"))]
    if not tests:
        return 0, 0, 0
    junit = os.path.join(TOP, "build/pytest.xml")
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
           "--durations=15", f"--junitxml={junit}"]
    # Most test time is spent waiting (deadlines, backoff, servers), so files run in
    # parallel; the tests of one file stay in one process, in order (groups: tests/conftest.py).
    try:
        import xdist  # noqa: F401
        cmd += ["-n", os.environ.get("PAI_TEST_JOBS", "4"), "--dist", "loadgroup"]
    except ImportError:
        print("pytest-xdist missing: python tests run one file at a time")
    cmd += tests
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
    subprocess.run(cmd, cwd=TOP, env=env, stdin=subprocess.DEVNULL)
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        print("pytest: no report (crashed?)")
        return 0, 1, 0
    suites = [root] if root.tag == "testsuite" else list(root)
    total = sum(int(s.get("tests", 0)) for s in suites)
    fail = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skip = sum(int(s.get("skipped", 0)) for s in suites)
    return total - fail - skip, fail, skip


def main():
    up, uf, us = run_unit()
    pp, pf, ps = run_pytest()
    passed, failed, skipped = up + pp, uf + pf, us + ps
    print(f"summary: unit {up} passed {uf} failed {us} skipped; "
          f"python {pp} passed {pf} failed {ps} skipped")
    if skipped:
        print(f"{skipped} skipped (reasons above)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
