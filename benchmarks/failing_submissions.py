"""How fast failing work is graded: the known failing submissions of a lesson, one run.

    python benchmarks/failing_submissions.py [--runs N] [--isolation auto|ports] [--lesson NN]
                                             [--no-full-waits]

Grades every buggy submission of the lesson (04 unless told) under tests/submissions/
(not the `ok-*` ones, which pass, nor the `hostile-*` ones, which attack the grader) with the real command line,
one grading at a time, twice per round: as the grader runs by default (a wait ends as soon
as the student's program has visibly gone quiet) and with `AUTOGRADER_WAIT_FULL=1` (every
wait lasts its full timeout, the grader before early endings). Both in the same run, so the
ratio is fair on a noisy machine (`--no-full-waits`: the default only, in half the time). Each grading's verdicts are compared with the folder's
expected.toml: a speed-up that changes a verdict is a bug, and is reported as one.

Targets: a median <= 3 s over these submissions and none over 10 s (issue 16), verdicts
unchanged. With `--runs N` it also prints each submission's spread of scores over the
rounds: the same submission must get the same score every run (a racy student program is
graded by the majority of repeated runs, checks/chat.py `graded_by_majority`).
The result is printed as a table and written as JSON to benchmarks/results/ (not
committed). Nothing is asserted: this measures.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
SUBMISSIONS = ROOT / "tests" / "submissions"
TARGET_MEDIAN = 3.0
TARGET_MAX = 10.0


def failing_submissions(lesson: str = "04", folders: Path = SUBMISSIONS) -> list[Path]:
    """`lesson` "all": every lesson's; `folders`: where they are (another branch's corpus)."""
    pattern = "[0-9][0-9]-*" if lesson == "all" else f"{lesson}-*"
    return sorted(
        p
        for p in folders.glob(pattern)
        if (p / "expected.toml").exists()
        and not p.name[3:].startswith(("ok-", "hostile-"))
        and "failed" in tomllib.loads((p / "expected.toml").read_text())["verdicts"].values()
    )


def grade(folder: Path, wait_full: bool, isolation: str) -> tuple[float, bool, str, float | None]:
    """Seconds, whether the verdicts match expected.toml, what differed, and the score."""
    env = {**os.environ, "AUTOGRADER_WAIT_FULL": "1" if wait_full else "0"}
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", str(folder), "--format", "json"]
        + ["--isolation", isolation],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
        check=False,
    )
    seconds = time.monotonic() - started
    expected = tomllib.loads((folder / "expected.toml").read_text())["verdicts"]
    try:
        report = json.loads(proc.stdout)
        got = {c["id"]: c["status"] for c in report["checks"]}
    except (ValueError, KeyError):
        return seconds, False, f"no report: {proc.stderr[-200:]}", None
    differs = {k: (expected.get(k), v) for k, v in got.items() if expected.get(k) != v}
    return seconds, not differs, json.dumps(differs) if differs else "", report.get("score")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="rounds over all submissions")
    parser.add_argument("--isolation", default="auto", choices=("auto", "netns", "ports"))
    parser.add_argument("--lesson", default="04", help="whose submissions (default 04; all)")
    parser.add_argument("--folders", type=Path, default=SUBMISSIONS, help="where they are")
    parser.add_argument(
        "--no-full-waits", action="store_true", help="grade only as the grader runs by default"
    )
    args = parser.parse_args()
    folders = failing_submissions(args.lesson, args.folders.resolve())
    # As a user's Python has it after the first run (even where PYTHONDONTWRITEBYTECODE is
    # set): every grading would otherwise compile the grader again.
    compileall.compile_dir(ROOT / "autograder", quiet=1)
    rows = []
    for round_ in range(args.runs):
        for folder in folders:
            early = grade(folder, wait_full=False, isolation=args.isolation)
            full = (
                early
                if args.no_full_waits
                else grade(folder, wait_full=True, isolation=args.isolation)
            )
            rows.append({"submission": folder.name, "round": round_, "early": early, "full": full})
            print(
                f"{folder.name:30} {early[0]:6.1f} s"
                f"{'' if args.no_full_waits else f'  (full waits {full[0]:6.1f} s)'}"
                f"{'' if early[1] else '  VERDICTS DIFFER ' + early[2]}"
                f"{'' if full[1] else '  (full waits: verdicts differ ' + full[2] + ')'}",
                flush=True,
            )
    early_times = [r["early"][0] for r in rows]
    full_times = [r["full"][0] for r in rows]
    wrong = [r["submission"] for r in rows if not r["early"][1]]
    median, full_median = statistics.median(early_times), statistics.median(full_times)
    print()
    print(
        f"lesson {args.lesson}: {len(folders)} submissions × {args.runs} round(s), "
        f"isolation {args.isolation}"
    )
    print(
        f"median {median:.1f} s (target ≤ {TARGET_MEDIAN:.0f} s: {'met' if median <= TARGET_MEDIAN else 'NOT met'})"
    )
    slowest = max(early_times)
    print(
        f"  p90 {statistics.quantiles(early_times, n=10)[-1]:.1f} s, max {slowest:.1f} s "
        f"(target ≤ {TARGET_MAX:.0f} s: {'met' if slowest <= TARGET_MAX else 'NOT met'})"
    )
    print(
        "spread of scores over every grading, default and full waits (the same submission, "
        "the same score):"
    )
    varied = []
    for folder in folders:
        mine = [r for r in rows if r["submission"] == folder.name]
        scores = [r["early"][3] for r in mine] + [r["full"][3] for r in mine]
        known = [x for x in scores if x is not None]
        spread = max(known) - min(known) if known else 0.0
        if spread:
            varied.append(folder.name)
        default = ", ".join("—" if r["early"][3] is None else f"{r['early'][3]:g}" for r in mine)
        full = ", ".join("—" if r["full"][3] is None else f"{r['full'][3]:g}" for r in mine)
        print(f"  {folder.name:30} spread {spread:5.1f}  (default {default}; full waits {full})")
    print(f"submissions whose score varied: {len(varied)} {varied if varied else ''}")
    if not args.no_full_waits:
        print(f"with full waits: median {full_median:.1f} s; speed-up ×{full_median / median:.1f}")
    print(f"verdicts that differ from expected.toml: {len(wrong)} {wrong if wrong else ''}")
    print(f"load average: {os.getloadavg()}")
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    (out / f"failing_submissions-{stamp}.json").write_text(
        json.dumps(
            {
                "lesson": args.lesson,
                "rows": rows,
                "median": median,
                "full_median": full_median,
                "load_average": os.getloadavg(),
            },
            indent=1,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
