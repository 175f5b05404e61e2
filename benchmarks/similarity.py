"""How long a class takes to compare: `python -m autograder similar` on lesson-04 submissions.

    python benchmarks/similarity.py [--count 50] [--runs 3]

Builds the class the batch benchmark grades (tests/submissions/04-*, repeated in order until
there are --count; benchmarks/batch.py's make_class), then runs the real command line
`python -m autograder similar DIR --lesson 04 --archive ARCHIVE --output report.html`, with
the course's lessons/04 as the starter and tests/similarity/archive as the archive, --runs
times, and prints each wall time (Python's start-up and the imports included) and CPU time
(which a machine loaded by others disturbs far less), the medians, and the top of the
ranking. The full result goes to benchmarks/results/similarity-<UTC
time>.json (not committed). Nothing is asserted.

Target (2 cores): 50 submissions in under 30 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from batch import make_class  # benchmarks/batch.py: the same class as the batch benchmark

ROOT = Path(__file__).resolve().parent.parent
ARCHIVE = ROOT / "tests" / "similarity" / "archive"
TARGET_SECONDS = 30.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="submissions (default 50)")
    parser.add_argument("--runs", type=int, default=3, help="runs to take the median of")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="similarity-bench-") as work:
        folder = Path(work) / "class"
        folder.mkdir()
        make_class(folder, args.count)
        report = Path(work) / "report.html"
        command = [sys.executable, "-m", "autograder", "similar", str(folder), "--lesson", "04"]
        command += ["--archive", str(ARCHIVE), "--output", str(report), "--lang", "en"]
        print(
            f"{args.count} submissions, {os.cpu_count()} CPU(s), "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        times, cpu, output = [], [], ""
        for run in range(1, args.runs + 1):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.monotonic()
            proc = subprocess.run(
                command, capture_output=True, text=True, cwd=ROOT, timeout=600, check=False
            )
            times.append(time.monotonic() - started)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0:
                print(proc.stderr, file=sys.stderr)
                return 1
            output = proc.stdout
            print(f"run {run}: {times[-1]:.2f} s wall, {cpu[-1]:.2f} s CPU")
        median = statistics.median(times)
        verdict = "met" if median < TARGET_SECONDS else "NOT met"
        print(
            f"median {median:.2f} s wall (target < {TARGET_SECONDS:.0f} s: {verdict}), "
            f"{statistics.median(cpu):.2f} s CPU; load average now {os.getloadavg()[0]:.2f}"
        )
        print(f"report: {report.stat().st_size // 1024} KiB")
        print("\n".join(output.splitlines()[:6]))
    results = Path(__file__).resolve().parent / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = results / f"similarity-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "count": args.count,
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "seconds": [round(t, 3) for t in times],
                "median_seconds": round(median, 3),
                "cpu_seconds": [round(t, 3) for t in cpu],
                "load_average_after": os.getloadavg(),
                "ranking_head": output.splitlines()[:6],
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
