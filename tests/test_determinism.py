"""The same submission, the same score (issue 16): racy student programs graded 10 times.

A client whose two threads recv() on one socket, a server that drops the wrong user after
a plain close, one that floods after a reset, the tutorial chat that spins on b'': each
graded 10 times in a row must get identical points for every check (a racy step is judged
by the majority of repeated runs, checks/chat.py `graded_by_majority`). The benchmark
benchmarks/failing_submissions.py --runs N prints the spread for every submission.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_submissions import ROOT, grade

RACY = ("04-client-second-recv", "04-leave-word-only-wrong-user", "04-notice-in-flood")
RUNS = 10


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", RACY)
def test_a_racy_submission_gets_the_same_points_every_run(name: str) -> None:
    folder: Path = ROOT / "tests" / "submissions" / name
    seen = []
    reports = []
    for _ in range(RUNS):
        _, report, _ = grade(folder)
        seen.append({c["id"]: c["points"] for c in report["checks"]})
        reports.append(report)
    varied = {
        check: sorted({run[check] for run in seen})
        for check in seen[0]
        if len({run[check] for run in seen}) > 1
    }
    assert not varied, f"{name}: points varied over {RUNS} gradings: {varied}\n" + "\n".join(
        explain(reports, check) for check in varied
    )


def explain(reports: list[dict], check: str) -> str:
    """The evidence of each distinct outcome of `check`: what to read when points vary."""
    shown: dict[float, str] = {}
    for report in reports:
        result = next(c for c in report["checks"] if c["id"] == check)
        if result["points"] not in shown:
            shown[result["points"]] = (
                f"--- {check} = {result['points']}: {result['message']} | hint "
                f"{result['hint_anchor']} | steps {result['steps']} | transcript "
                f"{result['transcript'][-12:]}"
            )
    return "\n".join(shown.values())
