"""The GitHub Classroom runner result that `autograding-grading-reporter` consumes.

Spec: the result that GitHub Classroom's runner actions (autograding-command-grader,
autograding-io-grader, autograding-python-grader in github.com/classroom-resources and
github.com/github-education-resources) set as their step output `result`, and that
autograding-grading-reporter reads back (src/main.js: the environment variable
`<RUNNER-ID>_RESULTS` of the reporter step, base64-decoded, then JSON-parsed):

    {"version": 1, "status": "pass" | "fail" | "error", "max_score": 100,
     "tests": [{"name": ..., "status": "pass" | "fail" | "error", "score": 2.5,
                "message": ..., "test_code": ..., "filename": ..., "line_no": 0,
                "duration": 123}]}          # duration in milliseconds, as the graders set it

The reporter adds up the tests' `score` for the points it sends to Classroom, against
`max_score`, and fails the job when any runner's `status` is "fail" (or "error"). So:
`status` is "pass" exactly when the report reaches the rubric's passing score, and each
test's `score` is the check's points with the UDP cap applied (they add up to the score).
A skipped check is "fail" (it earned nothing); a grader error is "error".

`to_classroom_base64` is the value of the step output: base64 of the compact JSON, as the
runner actions write it (`btoa(JSON.stringify(result))`).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from autograder.formats.common import check_explanation
from autograder.results import GradeReport

TEST_STATUS = {"passed": "pass", "failed": "fail", "skipped": "fail", "error": "error"}


def to_classroom(report: GradeReport, lang: str = "en") -> dict[str, Any]:
    rubric = report.rubric
    tests = []
    for check in report.checks:
        score = round(check.points * report.cap_percent / 100, 4)
        tests.append(
            {
                "name": f"{check.id}: {check.title(lang)}",
                "status": TEST_STATUS[check.status],
                "score": int(score) if float(score).is_integer() else score,
                "message": check_explanation(check, lang),
                # How to see this check again: the command a student can run themselves.
                "test_code": f"python -m autograder {report.path} --lesson {rubric.lesson} -k {check.id}",
                "filename": (rubric.client or "client.py")
                if check.program == "client"
                else rubric.server,
                "line_no": 0,
                "duration": round(check.duration_s * 1000),
            }
        )
    if report.interrupted:
        status = "error"
    else:
        status = "pass" if report.passed else "fail"
    return {"version": 1, "status": status, "max_score": report.max_score, "tests": tests}


def to_classroom_base64(report: GradeReport, lang: str = "en") -> str:
    compact = json.dumps(to_classroom(report, lang), ensure_ascii=False, separators=(",", ":"))
    return base64.b64encode(compact.encode("utf-8")).decode("ascii")
