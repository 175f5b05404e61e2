"""Which pairs of a class share code, ranked; what to compare (class, starter, archive)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from autograder.similarity.errors import SimilarityError
from autograder.similarity.fingerprints import Entry, _copydetect, make_entry, share, starter_hashes
from autograder.similarity.reading import read_python_files

TOP_DEFAULT = 20  # pairs shown in the report and on the terminal
COURSE_ROOT = Path(__file__).resolve().parents[2]  # where lessons/NN/ live in a clone


def percent(fraction: float) -> str:
    return f"{round(100 * fraction)}%"


# --- ranking ------------------------------------------------------------------------------------
@dataclass
class Pair:
    a: Entry  # always a class submission
    b: Entry  # a class submission or an archive entry
    share_a: float
    share_b: float
    matched: int  # normalised characters of `a` found in `b` and of `b` in `a`, the larger

    @property
    def score(self) -> float:
        return self.share_a if self.b.archive else max(self.share_a, self.share_b)


@dataclass
class Closest:
    name: str
    share: float  # of the submission's own code found in `name`


@dataclass
class Comparison:
    """One lesson's class compared: every pair with something in common, best first."""

    lesson: str
    starter: Path | None
    submissions: list[Entry]
    archive: list[Entry]
    pairs: list[Pair]
    closest: dict[str, Closest]
    seconds: float


def compare(
    lesson: str, submissions: list[Entry], archive: list[Entry], starter: Path | None
) -> Comparison:
    started = time.monotonic()
    pairs: list[Pair] = []
    best: dict[str, tuple[float, int, str]] = {}

    def consider(entry: Entry, other: Entry, fraction: float, chars: int) -> None:
        key = (fraction, chars, other.name)
        if chars and (entry.name not in best or key[:2] > best[entry.name][:2]):
            best[entry.name] = key

    for i, a in enumerate(submissions):
        others = [*submissions[i + 1 :], *archive]
        for b in others:
            if not a.hashes & b.hashes:
                continue
            share_a, chars_a = share(a, b)
            share_b, chars_b = share(b, a)
            if not (chars_a or chars_b):
                continue
            pairs.append(Pair(a, b, share_a, share_b, max(chars_a, chars_b)))
            consider(a, b, share_a, chars_a)
            if not b.archive:
                consider(b, a, share_b, chars_b)
    pairs.sort(key=lambda p: (-p.score, -p.matched, p.a.name, p.b.name))
    closest = {name: Closest(other, fraction) for name, (fraction, _, other) in best.items()}
    return Comparison(
        lesson, starter, submissions, archive, pairs, closest, time.monotonic() - started
    )


# --- what to compare ------------------------------------------------------------------------------
@dataclass
class Request:
    dirs: list[Path]
    lesson: str | None = None
    starter: Path | None = None  # None: lessons/NN of the course
    archive: list[Path] = field(default_factory=list)


def default_starter(lesson: str) -> Path:
    return COURSE_ROOT / "lessons" / lesson


def _starter_for(request: Request, lesson: str) -> Path:
    folder = request.starter if request.starter is not None else default_starter(lesson)
    if not folder.is_dir():
        raise SimilarityError(
            f"no starter code for lesson {lesson} at {folder}: give its folder with --starter DIR"
        )
    return folder


def _jobs(dirs: list[Path], lesson: str | None) -> list[tuple[str, Path, str]]:
    from autograder.jobs import BatchError, find_jobs

    try:
        return [(job.key, job.path, job.lesson) for job in find_jobs(dirs, lesson)]
    except BatchError as exc:
        raise SimilarityError(str(exc)) from None


def check_request(request: Request, submissions: Sequence[tuple[str, Path, str]]) -> None:
    """What can be told before anything is read: folders exist, a starter for each lesson."""
    _copydetect()
    for folder in request.archive:
        if not folder.is_dir():
            raise SimilarityError(f"archive is not a folder: {folder}")
    lessons = sorted({lesson for _, _, lesson in submissions})
    for lesson in lessons:
        _starter_for(request, lesson)
    if len(submissions) < 2 and not request.archive:
        names = ", ".join(name for name, _, _ in submissions) or "none"
        raise SimilarityError(
            f"only one submission ({names}): nothing to compare it with; "
            "give the folder of the whole class, or an --archive"
        )


def run(
    request: Request, submissions: Sequence[tuple[str, Path, str]] | None = None
) -> list[Comparison]:
    """Compare the class (`submissions`: (name, folder, lesson), as batch names them; by
    default found in request.dirs as batch finds them), one comparison per lesson."""
    if submissions is None:
        submissions = _jobs(request.dirs, request.lesson)
    check_request(request, submissions)
    comparisons = []
    for lesson in sorted({lesson for _, _, lesson in submissions}):
        starter = _starter_for(request, lesson)
        hashes = starter_hashes(starter)
        members = [
            make_entry(name, path, False, read_python_files(path), hashes)
            for name, path, their_lesson in submissions
            if their_lesson == lesson
        ]
        archive = []
        for folder in request.archive:
            for name, path, _ in _jobs([folder], request.lesson or lesson):
                label = folder.name if path == folder.resolve() else f"{folder.name}/{name}"
                archive.append(make_entry(label, path, True, read_python_files(path), hashes))
        with_code = [entry for entry in members if entry.files]
        if not with_code:
            raise SimilarityError(
                f"no Python code in any submission of lesson {lesson} "
                f"({', '.join(str(d) for d in request.dirs)})"
            )
        if len(with_code) < 2 and not any(entry.files for entry in archive):
            raise SimilarityError(
                f"only one submission with Python code in lesson {lesson} "
                f"({with_code[0].name}): nothing to compare it with"
            )
        comparisons.append(compare(lesson, members, archive, starter))
    return comparisons


def gradebook_columns(comparisons: list[Comparison]) -> tuple[list[str], dict[str, dict[str, str]]]:
    """The batch gradebook's two extra columns: each submission's closest match and the
    share of its own code found there (percent)."""
    columns = ["closest_match", "closest_match_score"]
    values: dict[str, dict[str, str]] = {}
    for comparison in comparisons:
        for entry in comparison.submissions:
            found = comparison.closest.get(entry.name)
            values[entry.name] = {
                "closest_match": found.name if found else "",
                "closest_match_score": str(round(100 * found.share)) if found else "",
            }
    return columns, values


def ranking_lines(comparisons: list[Comparison], top: int) -> list[str]:
    lines = []
    for comparison in comparisons:
        shown = [pair for pair in comparison.pairs if pair.score > 0][:top]
        lines.append(
            f"lesson {comparison.lesson}: {len(comparison.submissions)} submissions, "
            f"{len(comparison.archive)} archived, {len(shown)} pairs shown"
        )
        width = max((len(pair.a.name) for pair in shown), default=0)
        for n, pair in enumerate(shown, start=1):
            archive = "  (archive)" if pair.b.archive else ""
            lines.append(
                f"{n:>3}. {percent(pair.score):>4}  {pair.a.name:<{width}}  {pair.b.name}"
                f"  [{percent(pair.share_a)} / {percent(pair.share_b)}]{archive}"
            )
    return lines
