# SPDX-License-Identifier: MIT
"""Short libFuzzer runs of every tests/fuzz/fuzz_NAME.c target (20 s each, via tests/fuzz/run;
PAI_FUZZ_SHORT_SECONDS overrides).

The full runs are `make fuzz` (FUZZ_SECONDS per target); these only prove that every target
builds with ASan/UBSan and survives its seeds plus a few seconds of mutation. Skipped, with
the reason, when clang or libFuzzer is missing (Debian: clang libclang-rt-14-dev).
"""
import fcntl
import glob
import os
import subprocess

import pytest

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUN = os.path.join(TOP, "tests/fuzz/run")
SECONDS = int(os.environ.get("PAI_FUZZ_SHORT_SECONDS", "20"))
SKIP = 77

TARGETS = sorted(os.path.basename(p)[len("fuzz_"):-len(".c")]
                 for p in glob.glob(os.path.join(TOP, "tests/fuzz/fuzz_*.c")))


def _run(args, timeout):
    return subprocess.run([RUN, *args], cwd=TOP, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def built():
    """Builds every target once; later runs pass --no-build. Under xdist this fixture may run
    in several workers at once: the lock makes them build in turn (the later ones find
    everything up to date) instead of racing on the same archive."""
    out = os.path.join(TOP, os.environ.get("B") or "build")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, ".fuzz-build.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        p = _run(["--build-only"], timeout=900)
    if p.returncode == SKIP:
        pytest.skip(p.stdout.strip() or "clang/libFuzzer not available")
    assert p.returncode == 0, f"fuzz build failed:\n{p.stdout}\n{p.stderr}"


@pytest.mark.parametrize("name", TARGETS)
def test_fuzz_target_survives_short_run(built, name):
    p = _run(["--no-build", str(SECONDS), name], timeout=SECONDS + 180)
    assert p.returncode == 0, f"fuzz target {name} failed:\n{p.stdout}\n{p.stderr}"
    line = next((ln for ln in p.stdout.splitlines() if ln.startswith(f"fuzz {name}:")), "")
    assert "PASS" in line, p.stdout
    # it really ran: libFuzzer reported a number of executions
    execs = line.split("PASS", 1)[1].split()[0]
    assert execs.isdigit() and int(execs) > 0, line
