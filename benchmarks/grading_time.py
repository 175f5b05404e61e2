"""How long one grading takes, end to end, through the real command line.

    python benchmarks/grading_time.py [--runs N] [--jobs J] [--lesson NN ...]

Grades each case N times (default 5) with `python -m autograder PATH --lesson NN --format
json` as a subprocess, and prints the median, min and max wall time per case, the score,
and the target for the median (met or not), with the machine's load average before and
after. The full result is written as JSON to benchmarks/results/ (not committed). Nothing
is asserted: this measures, it does not test.

Cases and targets (on a 2-core machine):
  04 reference         solutions/04, every check passes               median <= 1.5 s
  04 never_answers     accepts connections and never reads or answers median <= 15 s
  04 crashes_at_start  raises before it listens                       median <= 1 s
  01 reference         solutions/01                                   median <= 1.5 s
  01 starter           lessons/01, untouched (closes every connection) median <= 10 s
  01 broken            01-send-once-1mib: one recv()/send() per client median <= 10 s
  02 reference         solutions/02                                   median <= 1.5 s
  02 starter           lessons/02, untouched (never chats nor ends)   median <= 10 s
  02 broken            02-relay-two-clients: waits for two clients    median <= 10 s
  03 reference         solutions/03 (UDP), every check passes         median <= 1.5 s
  03 starter           lessons/03 untouched: reads, answers nothing   median <= 10 s
  03 broken            03-echo-only: every message back to its sender median <= 10 s
  05 reference         solutions/05 (SendQ), every check passes       median <= 15 s
  05 starter           lessons/05 untouched: sends nothing            median <= 15 s
  05 broken            05-blocking-sendall: stalls on a slow reader   median <= 15 s

Lesson 05 (bonus) checks under load by design (a slow reader among ten clients, 29 MB
past a client that never reads, 300 connections): 15 s is the bound its checks were
sized for (issue 17), well under the 60 s deadline of each check.
"""

from __future__ import annotations

import argparse
import compileall
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
SUBMISSIONS = ROOT / "tests" / "submissions"
CASES = [
    # lesson, name, folder, target median in seconds
    ("04", "reference", ROOT / "solutions" / "04", 1.5),
    ("04", "never_answers", HERE / "fixtures" / "never_answers", 15.0),
    ("04", "crashes_at_start", HERE / "fixtures" / "crashes_at_start", 1.0),
    ("01", "reference", ROOT / "solutions" / "01", 1.5),
    ("01", "starter", ROOT / "lessons" / "01", 10.0),
    ("01", "broken", SUBMISSIONS / "01-send-once-1mib", 10.0),
    ("02", "reference", ROOT / "solutions" / "02", 1.5),
    ("02", "starter", ROOT / "lessons" / "02", 10.0),
    ("02", "broken", SUBMISSIONS / "02-relay-two-clients", 10.0),
    ("03", "reference", ROOT / "solutions" / "03", 1.5),
    # The untouched starter: every server check waits out its reply deadlines, the client
    # checks their first datagram.
    ("03", "starter", ROOT / "lessons" / "03", 10.0),
    ("03", "broken", SUBMISSIONS / "03-echo-only", 10.0),
    ("05", "reference", ROOT / "solutions" / "05", 15.0),
    ("05", "starter", ROOT / "lessons" / "05", 15.0),
    ("05", "broken", SUBMISSIONS / "05-blocking-sendall", 15.0),
]


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


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
    parser.add_argument(
        "--lesson", action="append", help="only this lesson's cases (repeatable; default all)"
    )
    args = parser.parse_args(argv)
    # As a user's Python has it after the first run, even under PYTHONDONTWRITEBYTECODE.
    compileall.compile_dir(ROOT / "autograder", quiet=1)
    extra = ["--isolation", args.isolation]
    if args.jobs:
        extra += ["--jobs", str(args.jobs)]

    results = []
    load_before = load_average()
    print(
        f"{args.runs} run(s) per case, {os.cpu_count()} CPU(s), isolation {args.isolation}, "
        f"load average {load_before}\n"
    )
    print(f"{'case':<21}{'median':>8}{'min':>8}{'max':>8}  {'score':>6}  {'target':>10}")
    for lesson, name, folder, target in CASES:
        if args.lesson and lesson not in args.lesson:
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
            f"{lesson + ' ' + name:<21}{median:>7.2f}s{min(times):>7.2f}s{max(times):>7.2f}s  {score:>6}"
            f"  <= {target:>4.1f} s {'met' if met else 'NOT MET'}"
        )
        for problem in problems:
            print(f"    {problem}")
        results.append(
            {
                "lesson": lesson,
                "case": name,
                "folder": str(folder.relative_to(ROOT)),
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
                "load_average": load_before,
                "load_average_after": load_average(),
                "isolation": args.isolation,
                "cases": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"\nload average after: {load_average()}")
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
