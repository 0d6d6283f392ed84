#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Runs every test layer that exists and ends with one 'N passed, N failed' line.

Layers: cmocka unit binaries (build/tests/test_*), then pytest over tests/ (tree, endpoint,
component, analysis, PAM, system, attack, load: PYTEST_LAYERS), then the same unit binaries
and the component and PAM layers again against the ASan + UBSan tree of `make asan`
(PAI_ASAN_DIR, default build/asan), labelled "asan" (ASAN_LAYERS: the tree and analysis
layers check the sources or run tools of their own, so they run once). Skips are listed with
their reasons; they count as neither. The names of failed tests come last, above the summary
line.
"""
import glob
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
UNIT_TIMEOUT = 300
# The tree under test (make check passes $(B)); default build/.
BUILD_DIR = os.path.abspath(os.environ.get("PAI_BUILD_DIR") or os.path.join(TOP, "build"))
ASAN_DIR = os.path.abspath(os.environ.get("PAI_ASAN_DIR") or os.path.join(TOP, "build/asan"))
# Leak checks and a stop at the first report. The helper starts with a clean environment, so
# it never sees these: tests/sanitizer/options.c compiles the same into the asan tree.
ASAN_ENV = {"ASAN_OPTIONS": "detect_leaks=1:abort_on_error=1",
            "UBSAN_OPTIONS": "halt_on_error=1:print_stacktrace=1"}
PYTEST_LAYERS = ("tests/tree", "tests/endpoint", "tests/component", "tests/analysis",
                 "tests/pam", "tests/system", "tests/attack", "tests/load")
# Not tests/analysis: its fuzz targets are an ASan/UBSan tree of their own (tests/fuzz/run),
# and valgrind cannot run ASan binaries.
ASAN_LAYERS = ("tests/component", "tests/pam")
# Left out of the asan pass, and why (everything else in ASAN_LAYERS runs there).
ASAN_IGNORE = {
    "tests/component/test_sigv4_botocore.py": "1200 signer runs take ~4 min under ASan; "
    "the signer runs under ASan in test_sigv4 and fuzz_sigv4",
}
ASAN_DESELECT = {
    "valgrind": "valgrind cannot run ASan binaries",
    "pamtester": "pamtester is not built with ASan, so it cannot load the ASan module",
    "30_percent_throttling": "50 s of the same retry path test_provision's throttling test "
    "takes under ASan",
}


# Names of the tests that failed, printed last, just above the summary line.
FAILED = []


def unit_binaries(build_dir, label):
    """build_dir/tests/test_NAME for each tests/unit/test_NAME.c. A binary whose source is
    gone (a unit test renamed or split) is a stale build output: left out, and said so."""
    binaries = []
    for binary in sorted(glob.glob(os.path.join(build_dir, "tests/test_*"))):
        name = os.path.basename(binary)
        if os.path.exists(os.path.join(TOP, "tests/unit", name + ".c")):
            binaries.append(binary)
        else:
            print(f"{label}: left out {binary}: no tests/unit/{name}.c (a stale build output)")
    return binaries


def run_unit(build_dir, label="unit", env=None):
    passed = failed = skipped = 0
    for binary in unit_binaries(build_dir, label):
        name = os.path.basename(binary)
        try:
            p = subprocess.run([binary], cwd=TOP, capture_output=True, text=True,
                               timeout=UNIT_TIMEOUT, stdin=subprocess.DEVNULL,
                               env=dict(os.environ, **(env or {})))
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
        print(f"{label} {name}: {np} passed, {nf} failed, {ns} skipped [{status}]")
        if nf:
            sys.stdout.write(out[-4000:] + "\n")
            names = re.findall(r"\[  FAILED  \] (\w+)$", out, re.M) or ["(crashed)"]
            FAILED.extend(f"{label} {name}: {n}" for n in names)
        reasons = {}
        for line in out.splitlines():
            if "SKIP" in line and "reason" in line.lower():
                reasons[line.strip()] = reasons.get(line.strip(), 0) + 1
        for line, n in reasons.items():
            print("   ", line, f"({n} tests)" if n > 1 else "")
    return passed, failed, skipped


def pytest_file(classname):
    """tests.pam.test_x (junit's classname) -> tests/pam/test_x.py, as pytest names it."""
    parts = classname.split(".")
    for n in range(len(parts), 0, -1):
        path = "/".join(parts[:n]) + ".py"
        if os.path.exists(os.path.join(TOP, path)):
            return "::".join([path] + parts[n:])
    return classname


def run_pytest(layers=PYTEST_LAYERS, junit_name="pytest.xml", env=None, extra=(), label=""):
    tests = [d for d in layers if glob.glob(os.path.join(TOP, d, "test_*.py"))]
    if not tests:
        return 0, 0, 0
    junit = os.path.join(BUILD_DIR, junit_name)
    os.makedirs(os.path.dirname(junit), exist_ok=True)
    cmd = ["/usr/bin/python3", "-m", "pytest", "-q", "-rsfE", "-p", "no:cacheprovider",
           "--durations=15", f"--junitxml={junit}", *extra]
    # Most test time is spent waiting (deadlines, backoff, servers), so files run in
    # parallel; the tests of one file stay in one process, in order (groups: tests/conftest.py).
    try:
        import xdist  # noqa: F401
        cmd += ["-n", os.environ.get("PAI_TEST_JOBS", "4"), "--dist", "loadgroup"]
    except ImportError:
        print("pytest-xdist missing: python tests run one file at a time")
    cmd += tests
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    subprocess.run(cmd, cwd=TOP, env=env, stdin=subprocess.DEVNULL)
    try:
        root = ET.parse(junit).getroot()
    except (OSError, ET.ParseError):
        print("pytest: no report (crashed?)")
        return 0, 1, 0
    suites = [root] if root.tag == "testsuite" else list(root)
    for case in root.iter("testcase"):
        if case.find("failure") is not None or case.find("error") is not None:
            name = f"{pytest_file(case.get('classname', ''))}::{case.get('name', '')}"
            FAILED.append(f"{label}{name}")
    total = sum(int(s.get("tests", 0)) for s in suites)
    fail = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
    skip = sum(int(s.get("skipped", 0)) for s in suites)
    return total - fail - skip, fail, skip


def run_asan():
    """The asan pass: unit binaries and component + PAM tests against ASAN_DIR.
    Returns (unit counts, python counts), or None when the tree is not built."""
    if not os.path.exists(os.path.join(ASAN_DIR, "aws-iam-provision")):
        print(f"asan: SKIP: no ASan tree in {ASAN_DIR} (make asan; make check builds it)")
        return None
    print(f"asan pass: {ASAN_DIR}")
    for path, why in ASAN_IGNORE.items():
        print(f"asan: left out {path}: {why}")
    for word, why in ASAN_DESELECT.items():
        print(f"asan: left out tests named *{word}*: {why}")
    unit = run_unit(ASAN_DIR, "asan unit", ASAN_ENV)
    # PAI_BUILD: the PAM layer's older name for the build dir.
    env = dict(ASAN_ENV, PAI_BUILD_DIR=ASAN_DIR, PAI_BUILD=ASAN_DIR)
    extra = [f"--ignore={p}" for p in ASAN_IGNORE]
    extra += ["-k", " and ".join(f"not {w}" for w in ASAN_DESELECT)]
    py = run_pytest(ASAN_LAYERS, "pytest-asan.xml", env, extra, label="asan ")
    return unit, py


def main():
    # `make B=DIR check` puts B=DIR in MAKEFLAGS; a test that runs make (make deb, whose
    # debian/rules cleans its own $(B)) would inherit it and remove DIR, this very tree.
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES"):
        os.environ.pop(k, None)
    up, uf, us = run_unit(BUILD_DIR)
    pp, pf, ps = run_pytest()
    asan = run_asan()
    (aup, auf, aus), (app, apf, aps) = asan or ((0, 0, 0), (0, 0, 0))
    passed = up + pp + aup + app
    failed = uf + pf + auf + apf
    skipped = us + ps + aus + aps
    print(f"summary: unit {up} passed {uf} failed {us} skipped; "
          f"python {pp} passed {pf} failed {ps} skipped")
    if asan:
        print(f"summary (asan): unit {aup} passed {auf} failed {aus} skipped; "
              f"python {app} passed {apf} failed {aps} skipped")
    if skipped:
        print(f"{skipped} skipped (reasons above)")
    if FAILED:
        print("failed tests:")
        for name in FAILED:
            print(f"  FAILED {name}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or passed == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
