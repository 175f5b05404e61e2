"""How long a class takes: a batch of lesson-04 submissions, in parallel and one by one.

    python benchmarks/batch.py [--count 50] [--jobs 8 --jobs 12] [--skip-sequential]

Copies the known lesson-04 submissions (tests/submissions/04-*, every one of them,
repeated in order until there are --count) into a temporary folder, grades them with the real command line
`python -m autograder batch DIR --lesson 04 -j N` for each N given, then grades the same
folders one by one with `python -m autograder DIR --lesson 04 --format json` and prints
the wall times and the speed-up. Every batch must give each submission the verdicts that
the one-by-one gradings gave (it prints any difference). The full result goes to
benchmarks/results/batch-<UTC time>.json (not committed). Nothing is asserted.

Target (2 cores): 50 submissions in at most 60 s.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
TARGET_SECONDS = 60.0


def make_class(folder: Path, count: int) -> list[Path]:
    known = sorted(p for p in SUBMISSIONS.glob("04-*") if (p / "expected.toml").exists())
    made = []
    for index in range(count):
        source = known[index % len(known)]
        target = folder / f"{index + 1:03d}-{source.name}"
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("expected.toml"))
        made.append(target)
    return made


def run_batch(folder: Path, jobs: int, isolation: str, work: Path) -> dict:
    gradebook = work / f"gradebook-j{jobs}.csv"
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", "batch", str(folder), "--lesson", "04"]
        + ["-j", str(jobs), "--isolation", isolation, "--lang", "en", "-o", str(gradebook)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=3600,
        check=False,
    )
    elapsed = time.monotonic() - started
    with gradebook.open(encoding="utf-8", newline="") as f:
        rows = {row["submission"]: row for row in csv.DictReader(f)}
    return {
        "jobs": jobs,
        "seconds": round(elapsed, 2),
        "exit_code": proc.returncode,
        "outcomes": sorted({row["outcome"] for row in rows.values()}),
        "statuses": {
            name: {k[: -len(":status")]: v for k, v in row.items() if k.endswith(":status") and v}
            for name, row in rows.items()
        },
        "scores": {name: row["total"] for name, row in rows.items()},
        "summary": proc.stdout.strip().splitlines()[-5:],
    }


def run_one_by_one(folders: list[Path], isolation: str) -> dict:
    statuses, scores, times = {}, {}, []
    started = time.monotonic()
    for folder in folders:
        begin = time.monotonic()
        proc = subprocess.run(
            [sys.executable, "-m", "autograder", str(folder), "--lesson", "04"]
            + ["--format", "json", "--isolation", isolation, "--lang", "en"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=600,
            check=False,
        )
        times.append(time.monotonic() - begin)
        try:
            report = json.loads(proc.stdout)
        except json.JSONDecodeError:
            statuses[folder.name], scores[folder.name] = {}, "error"
            continue
        statuses[folder.name] = {c["id"]: c["status"] for c in report["checks"]}
        scores[folder.name] = report["score"]
    return {
        "seconds": round(time.monotonic() - started, 2),
        "median_grading_s": round(statistics.median(times), 2),
        "statuses": statuses,
        "scores": scores,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=50, help="submissions (default 50)")
    parser.add_argument(
        "--jobs", type=int, action="append", help="batch -j to measure (repeatable; default 8)"
    )
    parser.add_argument("--isolation", default="auto", choices=("auto", "netns", "ports"))
    parser.add_argument(
        "--skip-sequential", action="store_true", help="do not grade them one by one"
    )
    args = parser.parse_args(argv)
    jobs_list = args.jobs or [8]
    work = Path(tempfile.mkdtemp(prefix="batch-bench-"))
    work.chmod(0o755)
    try:
        folder = work / "class"
        folder.mkdir()
        folder.chmod(0o755)
        folders = make_class(folder, args.count)
        print(
            f"{args.count} submissions, {os.cpu_count()} CPU(s), isolation {args.isolation}, "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        batches = []
        for jobs in jobs_list:
            result = run_batch(folder, jobs, args.isolation, work)
            batches.append(result)
            verdict = "met" if result["seconds"] <= TARGET_SECONDS else "NOT met"
            print(
                f"batch -j {jobs:<3} {result['seconds']:7.1f} s  (target <= {TARGET_SECONDS:.0f} s: "
                f"{verdict}; exit {result['exit_code']}, outcomes {', '.join(result['outcomes'])})"
            )
        sequential = None
        if not args.skip_sequential:
            sequential = run_one_by_one(folders, args.isolation)
            print(
                f"one by one   {sequential['seconds']:7.1f} s  "
                f"(median grading {sequential['median_grading_s']} s)"
            )
            for result in batches:
                speedup = sequential["seconds"] / result["seconds"]
                result["speedup"] = round(speedup, 2)
                differ = {
                    name: (sequential["statuses"].get(name), statuses)
                    for name, statuses in result["statuses"].items()
                    if sequential["statuses"].get(name) != statuses
                }
                result["verdicts_differ"] = sorted(differ)
                print(
                    f"speed-up with -j {result['jobs']}: {speedup:.1f}x; "
                    f"verdicts differing from one by one: {len(differ)}"
                    + (f" ({', '.join(sorted(differ))})" if differ else "")
                )
        results_dir = Path(__file__).resolve().parent / "results"
        results_dir.mkdir(exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        out = results_dir / f"batch-{stamp}.json"
        out.write_text(
            json.dumps(
                {
                    "count": args.count,
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                    "python": platform.python_version(),
                    "isolation": args.isolation,
                    "load_average_after": os.getloadavg(),
                    "batches": batches,
                    "one_by_one": sequential,
                },
                indent=2,
            )
            + "\n"
        )
        print(f"written to {out.relative_to(ROOT)}")
    finally:
        subprocess.run(["rm", "-rf", str(work)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
