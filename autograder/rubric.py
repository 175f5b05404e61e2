"""Rubrics: which checks a lesson has, their points, titles and the passing score.

One TOML file per lesson in `autograder/rubrics/`, inside the grader package so a
submission cannot edit its own rubric (which lessons there are: autograder/lessons.py).
An instructor may pass `--rubric FILE` instead. A lesson whose programs need more than the
sandbox's usual limits (lesson 05: hundreds of clients, a thread each) says so in its
`[limits]` table (the names of `autograder.sandbox.Limits`); the rest stay as they are.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, fields, replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from autograder.i18n import Text
from autograder.sandbox.base import Limits


class RubricError(ValueError):
    """The rubric file is missing or malformed."""


@dataclass(frozen=True)
class RubricItem:
    id: str
    group: str
    points: int
    title: Text


@dataclass(frozen=True)
class Rubric:
    lesson: str
    title: Text
    passing_score: int
    server: str
    client: str | None
    items: tuple[RubricItem, ...]
    udp_items: tuple[RubricItem, ...] = ()
    udp_cap_percent: int = 100
    implementation: str = "tcp"  # what `items` grade; `udp_items` are the UDP alternative
    limits: tuple[tuple[str, int], ...] = ()  # the sandbox limits this lesson sets itself

    def sandbox_limits(self) -> Limits:
        """The sandbox's usual limits, with this lesson's own `[limits]` in their place."""
        return replace(Limits(), **dict(self.limits))

    def items_for(self, implementation: str) -> tuple[RubricItem, ...]:
        return self.items if implementation == self.implementation else self.udp_items

    @property
    def max_score(self) -> int:
        return sum(item.points for item in self.items)


def _text(value: object, where: str) -> Text:
    if isinstance(value, str):
        return Text(value, value)
    if isinstance(value, dict) and "ru" in value and "en" in value:
        return Text(str(value["ru"]), str(value["en"]))
    raise RubricError(f"{where}: expected a string or {{ru, en}}")


def _items(raw: object, where: str) -> tuple[RubricItem, ...]:
    if not isinstance(raw, list) or not raw:
        raise RubricError(f"{where}: no checks")
    items = []
    for n, entry in enumerate(raw):
        try:
            items.append(
                RubricItem(
                    id=str(entry["id"]),
                    group=str(entry.get("group", "core")),
                    points=int(entry["points"]),
                    title=_text(entry["title"], f"{where}[{n}].title"),
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise RubricError(f"{where}[{n}]: {exc}") from exc
    ids = [i.id for i in items]
    if len(set(ids)) != len(ids):
        raise RubricError(f"{where}: duplicate check ids")
    if sum(i.points for i in items) != 100:
        raise RubricError(f"{where}: points add up to {sum(i.points for i in items)}, not 100")
    return tuple(items)


LIMIT_NAMES = tuple(f.name for f in fields(Limits))


def _limits(raw: object) -> tuple[tuple[str, int], ...]:
    if not isinstance(raw, dict):
        raise RubricError("limits: expected a table")
    unknown = sorted(set(raw) - set(LIMIT_NAMES))
    if unknown:
        raise RubricError(f"limits: unknown {', '.join(unknown)} (known: {', '.join(LIMIT_NAMES)})")
    if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in raw.values()):
        raise RubricError("limits: every limit is a positive whole number")
    return tuple(sorted(raw.items()))


def load_rubric(path: Path) -> Rubric:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"{path}: {exc}") from exc
    udp = data.get("udp", {})
    try:
        return Rubric(
            lesson=str(data["lesson"]),
            title=_text(data["title"], "title"),
            passing_score=int(data["passing_score"]),
            server=str(data.get("server", "server.py")),
            client=data.get("client"),
            items=_items(data.get("checks"), "checks"),
            udp_items=_items(udp["checks"], "udp.checks") if udp else (),
            udp_cap_percent=int(udp.get("cap_percent", 100)),
            implementation=str(data.get("implementation", "tcp")),
            limits=_limits(data.get("limits", {})),
        )
    except KeyError as exc:
        raise RubricError(f"{path}: missing {exc}") from exc
