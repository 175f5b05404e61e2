"""Report formats for CI and grading platforms: pure functions of a GradeReport.

Each format turns one `GradeReport` into the text a tool reads; none of them runs
anything or looks at the environment (the CLI decides where the text goes):

* `json`: the grader's own contract (`autograder.report.to_json`);
* `junit`: JUnit XML for GitLab, Jenkins and the GitHub test reporters (`junit.py`);
* `gradescope`: Gradescope's `results.json` (`gradescope.py`);
* `classroom`, `classroom-base64`: the GitHub Classroom runner result (`classroom.py`);
* `markdown`: a table and a block per failure for `$GITHUB_STEP_SUMMARY` (`markdown.py`).

The human `text` report is rendered by `autograder.report` (it streams while grading).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from autograder.formats.classroom import to_classroom, to_classroom_base64
from autograder.formats.gradescope import to_gradescope
from autograder.formats.junit import to_junit_xml
from autograder.formats.markdown import to_markdown
from autograder.report import to_json
from autograder.results import GradeReport

# The text report is not here: it is rendered onto a rich Console (see cli.py).
RENDERERS: dict[str, Callable[[GradeReport, str], str]] = {
    "json": lambda report, lang: (
        json.dumps(to_json(report, lang), ensure_ascii=False, indent=2) + "\n"
    ),
    "junit": to_junit_xml,
    "gradescope": lambda report, lang: (
        json.dumps(to_gradescope(report, lang), ensure_ascii=False, indent=2) + "\n"
    ),
    "classroom": lambda report, lang: (
        json.dumps(to_classroom(report, lang), ensure_ascii=False) + "\n"
    ),
    "classroom-base64": lambda report, lang: to_classroom_base64(report, lang) + "\n",
    "markdown": lambda report, lang: to_markdown(report, lang),
}
FORMATS = ("text", *RENDERERS)

__all__ = [
    "FORMATS",
    "RENDERERS",
    "to_classroom",
    "to_classroom_base64",
    "to_gradescope",
    "to_junit_xml",
    "to_markdown",
]
