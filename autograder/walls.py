"""Which walls stood between a grading's student programs and the rest of the machine.

The sandbox (autograder/sandbox/, its jail.py) raises what the system allows; reports say which stood,
so an instructor knows what a hostile submission could have reached. Pure data and words:
reports and formats import this without any of the sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograder.i18n import Text

# What each wall keeps out, in the words a report uses when that wall was not up.
MISSING = {
    "network": Text(
        "сеть (порты машины общие)",
        "network (the machine's ports are shared)",
    ),
    "processes": Text(
        "процессы (видны процессы машины)",
        "processes (the machine's processes are visible)",
    ),
    "files": Text(
        "файлы (программам студента видно всё, что может читать любой пользователь машины)",
        "files (student programs can read whatever any user of this machine may read)",
    ),
    "user": Text(
        "пользователь (программы студента работают от пользователя автопроверки)",
        "user (student programs run as the grader's user)",
    ),
}


@dataclass(frozen=True)
class Walls:
    """Which walls stood around a grading's programs."""

    network: bool  # a network namespace of its own: its loopback, nothing else
    processes: bool  # a PID namespace of its own: sees and signals only its own processes
    files: bool  # a mount namespace of its own: sees only its copy and a read-only runtime
    user: bool  # runs as a uid of this grading's own, not as the grader's user

    def as_dict(self) -> dict[str, bool]:
        return {name: bool(getattr(self, name)) for name in MISSING}

    def down(self, include_user: bool = True) -> list[str]:
        """The walls that were not up (`include_user`: also the uid wall, which does not
        matter when a student grades their own work on their own machine)."""
        return [
            name
            for name, up in self.as_dict().items()
            if not up and (include_user or name != "user")
        ]

    def describe_down(self, lang: str, include_user: bool = True) -> str:
        return "; ".join(MISSING[name](lang) for name in self.down(include_user))
