"""Watch mode: how long from a save to the first line of the new report.

    python benchmarks/watch_latency.py [--runs N] [--folder solutions/04] [--lesson 04]

Copies FOLDER (default the reference solution of lesson 04) into a temporary folder,
starts `python -m autograder COPY --lesson NN --watch` in a pseudo-terminal (pexpect) as
a student would, waits for the first report, then saves `server.py` N times (default 10;
each save appends a different comment, so the file really changes), one save after the
previous report is complete. For each save it notes, from the moment just before the
write:

* `noticed`: the new grading's first line ("Grading #n: ... saved: server.py") is on the
  screen: the file event, the debounce (watch.QUIET_MS) and starting a grading;
* `first_line`: the first line of the new report (points and verdict) is on the screen:
  all of the above plus the whole grading;
* `grading`: the grading's own duration, as the report states it.

It prints every run, the median, min and max of each, the target for the median of
`first_line` (<= 2 s on this 2-core machine) and whether it is met, and the load average
before and after (the figures mean little on a loaded machine). The full result goes to
benchmarks/results/watch_latency-<UTC time>.json (not committed). Nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import pexpect

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent
TARGET_S = 2.0
TIMEOUT_S = 120.0
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\r")


def load_average() -> list[float] | None:
    return [round(x, 2) for x in os.getloadavg()] if hasattr(os, "getloadavg") else None


class Screen:
    """The watcher's output so far, read as it comes, with escapes removed."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.text = ""
        self.checked = 0  # where the last search ended

    def wait(self, pattern: str) -> tuple[float, re.Match[str]]:
        """The time (monotonic) at which `pattern` first appeared after the last match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            match = regex.search(self.text, self.checked)
            if match:
                self.checked = match.end()
                return time.monotonic(), match
            if time.monotonic() > deadline:
                raise TimeoutError(f"{pattern!r} did not appear within {TIMEOUT_S}s")
            try:
                chunk = self.child.read_nonblocking(65536, timeout=0.5)
            except pexpect.TIMEOUT:
                continue
            self.text += ANSI.sub("", chunk)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="saves to time (default 10)")
    parser.add_argument(
        "--folder", type=Path, default=ROOT / "solutions" / "04", help="what to watch"
    )
    parser.add_argument("--lesson", default="04", help="its lesson (default 04)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="watch-latency-"))
    folder = work / args.folder.name
    shutil.copytree(args.folder, folder, ignore=shutil.ignore_patterns("__pycache__"))
    server = folder / "server.py"
    original = server.read_text(encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AUTOGRADER_NO_RECORD": "1"}
    load_before = load_average()
    child = pexpect.spawn(
        sys.executable,
        ["-m", "autograder", str(folder), "--lesson", args.lesson, "--watch", "--lang", "en"],
        cwd=str(work),
        env=env,
        dimensions=(60, 200),
        encoding="utf-8",
        codec_errors="replace",
    )
    screen = Screen(child)
    runs = []
    try:
        screen.wait(r"#1 · \d\d:\d\d:\d\d")
        screen.wait(r"Watching")
        for n in range(2, args.runs + 2):
            saved = time.monotonic()
            server.write_text(original + f"\n# save {n}\n", encoding="utf-8")
            noticed, _ = screen.wait(rf"Grading #{n}: .*saved: server\.py")
            first, match = screen.wait(
                rf"(?P<score>[\d.]+)/(?P<max>\d+)[^\n]*#{n} · \d\d:\d\d:\d\d · (?P<grading>[\d.]+) s"
            )
            screen.wait(r"Watching")
            run = {
                "save": n,
                "noticed_s": round(noticed - saved, 3),
                "first_line_s": round(first - saved, 3),
                "grading_s": float(match["grading"]),
                "score": float(match["score"]),
            }
            runs.append(run)
            print(
                f"save {n - 1:>2}: noticed {run['noticed_s']:.2f} s · first line of the report "
                f"{run['first_line_s']:.2f} s (grading {run['grading_s']:.1f} s, "
                f"score {run['score']:g}/{match['max']})",
                flush=True,
            )
    finally:
        child.sendintr()
        child.expect(pexpect.EOF, timeout=TIMEOUT_S)
        child.close()
        shutil.rmtree(work, ignore_errors=True)
    load_after = load_average()

    summary = {}
    for key in ("noticed_s", "first_line_s", "grading_s"):
        values = [r[key] for r in runs]
        summary[key] = {
            "median": round(statistics.median(values), 3),
            "min": min(values),
            "max": max(values),
        }
    first_line = summary["first_line_s"]["median"]
    met = first_line <= TARGET_S
    print()
    for key, label in (
        ("noticed_s", "save -> grading starts"),
        ("first_line_s", "save -> first line of the report"),
        ("grading_s", "the grading itself"),
    ):
        s = summary[key]
        print(f"{label:<34} median {s['median']:.2f} s  min {s['min']:.2f}  max {s['max']:.2f}")
    print(
        f"target: median save -> first line <= {TARGET_S:.1f} s: {'met' if met else 'NOT met'}"
        f" · watcher exit code {child.exitstatus}"
    )
    print(f"load average before {load_before}, after {load_after}")

    out_dir = HERE / "results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out = out_dir / f"watch_latency-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "folder": str(args.folder),
                "lesson": args.lesson,
                "runs": runs,
                "summary": summary,
                "target_first_line_s": TARGET_S,
                "target_met": met,
                "watcher_exit_code": child.exitstatus,
                "load_average_before": load_before,
                "load_average_after": load_after,
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written: {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
