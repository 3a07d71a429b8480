"""Runs the integration tests (test/integration/test_it_*.py) and ends with the line
'integration: N passed, N failed'. Exit code 0 only when all passed.

    python3 test/integration/run_integration.py [PATTERN...] [--jobs N]

PATTERN: file names (glob) under test/integration/, default test_it_*.py; several
patterns run every file any of them names, once.

Each test file runs in its own process (its own broker and simulator), up
to --jobs at once (default: LGX_TEST_JOBS, else 2): the tests mostly wait
on Kafka, Odoo and timers, so two files side by side take about half the
time on two cores. The longest files start first. A file's output is
printed whole once it finished, so the log reads as with one at a time.
--jobs 1 runs them one after another."""
import argparse
import glob
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))

# Rough durations in seconds on two cores, longest first; others after.
SLOW = ["test_it_pod", "test_it_picks", "test_it_chaos", "test_it_milestones",
        "test_it_least_privilege", "test_it_shipments", "test_it_sla",
        "test_it_registry", "test_it_concurrency", "test_it_simulate",
        "test_it_ops"]


def run_one(module):
    start = time.monotonic()
    p = subprocess.run([sys.executable, "-m", "unittest", "-v", module],
                       cwd=HERE, capture_output=True, text=True,
                       errors="replace")
    out = p.stdout + p.stderr
    ran = re.findall(r"^Ran (\d+) tests?", out, re.M)
    total = int(ran[-1]) if ran else 0
    counts = {k: int(v) for k, v in
              re.findall(r"(failures|errors|skipped)=(\d+)", out.splitlines()[-1]
                         if out.strip() else "")}
    failed = counts.get("failures", 0) + counts.get("errors", 0)
    if p.returncode != 0 and failed == 0:
        failed = max(1, total)  # the file did not load or crashed
    passed = total - failed - counts.get("skipped", 0)
    return module, out, passed, failed, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("patterns", nargs="*", default=["test_it_*.py"])
    ap.add_argument("--jobs", type=int,
                    default=int(os.environ.get("LGX_TEST_JOBS", "2")))
    a = ap.parse_args()
    modules = sorted({os.path.basename(f)[:-3] for p in a.patterns
                      for f in glob.glob(os.path.join(HERE, p))})
    modules.sort(key=lambda m: SLOW.index(m) if m in SLOW else len(SLOW))
    passed = failed = 0
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        for module, out, p, f, secs in pool.map(run_one, modules):
            print("==== %s: %d passed, %d failed (%.0f s)" %
                  (module, p, f, secs))
            print(out, flush=True)
            passed += p
            failed += f
    print("integration: %d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
