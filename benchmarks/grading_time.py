"""How long one grading takes, end to end, through the real command line.

    python benchmarks/grading_time.py [--runs N] [--jobs J] [--lesson NN]

Grades each case N times (default 5) with `python -m autograder PATH --lesson NN --format
json` as a subprocess, and prints the median, min and max wall time per case, the score,
and the target for the median (met or not). The full result is written as JSON to
benchmarks/results/ (not committed). Nothing is asserted: this measures, it does not test.

Cases and targets (on a 2-core machine):
  reference         solutions/04, every check passes                 median <= 1.5 s
  never_answers     accepts connections and never reads or answers   median <= 15 s
  crashes_at_start  raises before it listens                         median <= 1 s
  reference_03      solutions/03 (UDP), every check passes           median <= 1.5 s
  starter_03        lessons/03 untouched: reads, answers nothing     median <= 10 s
  echo_only_03      every message back to its sender only            median <= 10 s
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
CASES = [
    # name, folder, lesson, target median in seconds
    ("reference", ROOT / "solutions" / "04", "04", 1.5),
    ("never_answers", HERE / "fixtures" / "never_answers", "04", 15.0),
    ("crashes_at_start", HERE / "fixtures" / "crashes_at_start", "04", 1.0),
    ("reference_03", ROOT / "solutions" / "03", "03", 1.5),
    # The untouched starter: every server check waits out its reply deadlines, the client
    # checks their first datagram.
    ("starter_03", ROOT / "lessons" / "03", "03", 10.0),
    ("echo_only_03", ROOT / "tests" / "submissions" / "03-echo-only", "03", 10.0),
]


def grade_once(folder: Path, lesson: str, extra: list[str]) -> tuple[float, int, dict | None, str]:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", str(folder), "--lesson", lesson]
        + ["--format", "json", "--lang", "en", *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    elapsed = time.monotonic() - started
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        report = None
    return elapsed, proc.returncode, report, proc.stderr[-500:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="gradings per case (default 5)")
    parser.add_argument("--isolation", default="auto", choices=("auto", "netns", "ports"))
    parser.add_argument("--jobs", type=int, default=None, help="passed on as --jobs")
    parser.add_argument("--lesson", help="only the cases of this lesson (e.g. 03)")
    args = parser.parse_args(argv)
    extra = ["--isolation", args.isolation]
    if args.jobs:
        extra += ["--jobs", str(args.jobs)]

    results = []
    print(f"{args.runs} run(s) per case, {os.cpu_count()} CPU(s), isolation {args.isolation}\n")
    print(f"{'case':<18}{'median':>8}{'min':>8}{'max':>8}  {'score':>6}  {'target':>10}")
    for name, folder, lesson, target in CASES:
        if args.lesson and lesson != args.lesson.zfill(2):
            continue
        times, scores, codes, isolation, problems = [], [], [], None, []
        for _ in range(args.runs):
            elapsed, code, report, stderr = grade_once(folder, lesson, extra)
            times.append(elapsed)
            codes.append(code)
            if report is None:
                problems.append(f"exit {code}, no report: {stderr.strip()}")
                continue
            scores.append(report["score"])
            isolation = report["isolation"]
        median = statistics.median(times)
        met = median <= target
        score = "/".join(str(s) for s in sorted(set(scores))) or "-"
        print(
            f"{name:<18}{median:>7.2f}s{min(times):>7.2f}s{max(times):>7.2f}s  {score:>6}"
            f"  <= {target:>4.1f} s {'met' if met else 'NOT MET'}"
        )
        for problem in problems:
            print(f"    {problem}")
        results.append(
            {
                "case": name,
                "folder": str(folder.relative_to(ROOT)),
                "lesson": lesson,
                "runs": args.runs,
                "seconds": [round(t, 3) for t in times],
                "median_s": round(median, 3),
                "min_s": round(min(times), 3),
                "max_s": round(max(times), 3),
                "target_median_s": target,
                "target_met": met,
                "scores": scores,
                "exit_codes": codes,
                "isolation": isolation,
            }
        )

    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    out = out_dir / f"grading_time-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "benchmark": "grading_time",
                "when": stamp,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": os.cpu_count(),
                "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
                "isolation": args.isolation,
                "cases": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
