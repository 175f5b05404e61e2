"""The same submission, the same points, run after run: racy student programs whose score
used to depend on the grader's timing (issue 16, "Determinism").

`04-round-robin-recv` reads its users in turn in one loop that sleeps while nobody is
in: whether it took its list with one newcomer or three depended on how fast the grader's
users joined (53-66 points over 10 runs, across the passing score). Users now join at a
human pace (`Server.wait_timers`). Graded three times here (the benchmark runs more).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RACY = ("04-round-robin-recv",)


def points(folder: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, "-m", "autograder", str(folder), "--format", "json", "--lang", "en"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=180,
        check=False,
    )
    report = json.loads(proc.stdout)
    return {c["id"]: c["points"] for c in report["checks"]}


@pytest.mark.slow
@pytest.mark.parametrize("name", RACY)
def test_every_run_gives_the_same_points(name: str) -> None:
    runs = [points(ROOT / "tests" / "submissions" / name) for _ in range(3)]
    varied = sorted(k for k in runs[0] if len({run[k] for run in runs}) > 1)
    assert not varied, f"{name}: points varied in {varied}: {runs}"
