"""What a grading earned: a result per check and the report of the whole grading.

Plain data, built by the runner and read by report.py and formats/; like verdicts.py it
holds no sockets and starts no programs (the rubric it names is data too).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.i18n import Text
from autograder.rubric import Rubric, RubricItem
from autograder.verdicts import Hint, StepResult
from autograder.walls import Walls


@dataclass
class CheckResult:
    id: str
    title: Text
    group: str
    status: str  # passed | failed | skipped | error
    points: float
    max_points: int
    message: Text | None = None
    expected: Text | None = None
    received: str | Text | None = None  # what came, or a description of it
    hint: Hint | None = None
    transcript: list[tuple[float, str, Text]] = field(default_factory=list)
    stderr: str = ""
    stderr_dropped: int = 0
    stdout: str = ""
    steps: list[StepResult] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    duration_s: float = 0.0
    blocking: bool = True
    program: str = "server"  # whose output stderr/stdout are: "server" or "client"
    other_failed_steps: list[StepResult] = field(default_factory=list)  # beside the shown one

    @classmethod
    def not_run(cls, item: RubricItem, status: str, message: Text, **extra: Any) -> CheckResult:
        """The result of a check that was skipped, stopped or never started."""
        return cls(
            item.id, item.title, item.group, status, 0.0, item.points, message=message, **extra
        )


@dataclass
class GradeReport:
    path: Path
    rubric: Rubric
    implementation: str
    isolation: str
    checks: list[CheckResult]
    duration_s: float
    cap_percent: int = 100
    interrupted: bool = False
    python: str = ""  # the interpreter that ran the student's programs
    python_version: str = ""
    walls: Walls | None = None  # which walls stood around the student's programs

    @property
    def max_score(self) -> int:
        return sum(c.max_points for c in self.checks)

    @property
    def raw_score(self) -> float:
        return round(sum(c.points for c in self.checks), 1)

    @property
    def score(self) -> float:
        return round(self.raw_score * self.cap_percent / 100, 1)

    @property
    def passed(self) -> bool:
        return self.score >= self.rubric.passing_score and not self.interrupted


@dataclass(frozen=True)
class GradingPlan:
    """What is about to be graded, known before any check runs (a report's header)."""

    path: Path
    rubric: Rubric
    implementation: str
    isolation: str
    python: str
    python_version: str
    check_ids: tuple[str, ...]
    walls: Walls | None = None
