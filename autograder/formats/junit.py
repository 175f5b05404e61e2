"""JUnit XML: one <testcase> per check, for GitLab, Jenkins and the GitHub test reporters.

The shape follows the de facto JUnit XML schema that these tools read (Jenkins'
`junit-10.xsd`, GitLab's "Unit test reports" page for `artifacts:reports:junit`, and what
pytest's `--junitxml` writes):

    <testsuites name tests failures errors skipped time>
      <testsuite name tests failures errors skipped time>
        <properties><property name value/>...</properties>   score, passing score, ...
        <testcase classname name time>
          <properties><property name="points" value="2.5"/>...</properties>
          <failure message type>text</failure> | <error .../> | <skipped message/>
          <system-err>the program's stderr tail</system-err>
        </testcase>

A check that fails (also with partial credit) is a <failure> whose text is the same
explanation as on the terminal: the message, what the grader did (transcript), what it
expected and received, the program's stderr and the likely bug with its docs link. A
grader error (a check stopped at its deadline, an interrupt) is an <error>; a check
skipped because its prerequisite failed is <skipped>. Points are properties of the
testcase (`points`, `max_points`) and of the suite (`score`, `max_score`,
`passing_score`, `passed`). Characters XML cannot hold (NUL, ESC from a student's
output) are dropped, so every parser accepts the file.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping

from autograder.formats.common import (
    check_explanation,
    number,
    one_line,
    verdict_line,
    xml_safe,
)
from autograder.report import STDERR_LINES, check_message, tail
from autograder.runner import CheckResult, GradeReport


def _properties(parent: ET.Element, values: Mapping[str, object]) -> None:
    properties = ET.SubElement(parent, "properties")
    for name, value in values.items():
        if value is None:
            continue
        text = str(value).lower() if isinstance(value, bool) else str(value)
        ET.SubElement(properties, "property", name=name, value=xml_safe(text))


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _testcase(suite: ET.Element, check: CheckResult, lesson: str, lang: str) -> None:
    case = ET.SubElement(
        suite,
        "testcase",
        classname=f"lesson{lesson}.{check.group}",
        name=xml_safe(f"{check.id}: {check.title(lang)}"),
        time=_seconds(check.duration_s),
    )
    _properties(
        case,
        {
            "check_id": check.id,
            "status": check.status,
            "points": number(check.points),
            "max_points": check.max_points,
            "hint_anchor": check.hint.anchor if check.hint and check.hint.anchor else None,
        },
    )
    message = xml_safe(one_line(check_message(check, lang)))
    if check.status == "failed":
        failure = ET.SubElement(
            case,
            "failure",
            message=message,
            type=check.hint.anchor if check.hint and check.hint.anchor else "failed",
        )
        failure.text = xml_safe(check_explanation(check, lang))
    elif check.status == "error":
        error = ET.SubElement(case, "error", message=message, type="grader-error")
        error.text = xml_safe(check_explanation(check, lang))
    elif check.status == "skipped":
        ET.SubElement(case, "skipped", message=message)
    if check.status in ("failed", "error") and check.stderr.strip():
        err = ET.SubElement(case, "system-err")
        err.text = xml_safe(tail(check.stderr, STDERR_LINES))


def to_junit_xml(report: GradeReport, lang: str = "en") -> str:
    """The report as a JUnit XML document (a string with its XML declaration)."""
    counts = {
        "tests": len(report.checks),
        "failures": sum(c.status == "failed" for c in report.checks),
        "errors": sum(c.status == "error" for c in report.checks),
        "skipped": sum(c.status == "skipped" for c in report.checks),
    }
    attributes = {key: str(value) for key, value in counts.items()}
    rubric = report.rubric
    root = ET.Element(
        "testsuites", {"name": "autograder", "time": _seconds(report.duration_s), **attributes}
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": xml_safe(f"lesson {rubric.lesson}: {rubric.title(lang)}"),
            "time": _seconds(report.duration_s),
            **attributes,
        },
    )
    _properties(
        suite,
        {
            "submission": str(report.path),
            "lesson": rubric.lesson,
            "score": number(report.score),
            "max_score": report.max_score,
            "passing_score": rubric.passing_score,
            "passed": report.passed,
            "verdict": verdict_line(report, lang),
            "implementation": report.implementation,
            "cap_percent": report.cap_percent,
            "isolation": report.isolation,
            "walls_down": ", ".join(report.walls.down()) if report.walls else None,
            "python": report.python_version or None,
            "interrupted": report.interrupted,
        },
    )
    for check in report.checks:
        _testcase(suite, check, rubric.lesson, lang)
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
