"""Gradescope's `results.json`, as its autograder specification defines it.

Spec: Gradescope "Autograder Specifications", section "Output format"
(gradescope-autograders.readthedocs.io/en/latest/specs/, also docs/specs.md in
github.com/gradescope/autograder_samples), and the per-test "status" key that
gradescope-utils' JSONTestRunner writes ("passed" / "failed"):

    {"score": 87.5,                 # top level: overrides the sum of the tests' scores
     "execution_time": 12,          # seconds
     "output": "Total: 87.5/100 ...",
     "tests": [{"name": ..., "number": "1", "score": 2.5, "max_score": 5,
                "status": "failed", "output": ..., "tags": ["robustness"],
                "visibility": "visible"}],
     "extra_data": {...}}           # "optional extra data to be stored"

The top-level `score` is the report's score, so the UDP cap (80%) is applied even though
each test shows the check's own points. Only keys the specification names are used; what
else an instructor may want (the maximum, the passing score, the isolation) goes into
`extra_data`, which Gradescope stores without interpreting.
"""

from __future__ import annotations

import math
from typing import Any

from autograder.formats.common import check_explanation, number, verdict_line
from autograder.runner import GradeReport

VISIBILITY = "visible"  # Gradescope's default; a course may post-process the file


def to_gradescope(report: GradeReport, lang: str = "en") -> dict[str, Any]:
    tests = []
    for index, check in enumerate(report.checks, start=1):
        test: dict[str, Any] = {
            "name": f"{check.id}: {check.title(lang)}",
            "number": str(index),
            "score": number(check.points),
            "max_score": check.max_points,
            "status": "passed" if check.status == "passed" else "failed",
            "tags": [check.group],
            "visibility": VISIBILITY,
        }
        output = check_explanation(check, lang)
        if output:
            test["output"] = output
        tests.append(test)
    rubric = report.rubric
    return {
        "score": number(report.score),
        "execution_time": math.ceil(report.duration_s),
        "output": verdict_line(report, lang),
        "visibility": VISIBILITY,
        "tests": tests,
        "extra_data": {
            "lesson": rubric.lesson,
            "max_score": report.max_score,
            "passing_score": rubric.passing_score,
            "passed": report.passed,
            "implementation": report.implementation,
            "cap_percent": report.cap_percent,
            "isolation": report.isolation,
            "walls": report.walls.as_dict() if report.walls else None,
            "interrupted": report.interrupted,
        },
    }
