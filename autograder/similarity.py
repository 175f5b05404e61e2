"""`python -m autograder similar DIR...`: which submissions of a class share code.

For instructors: the pairs of submissions ranked by how much code they share, with the
lesson's starter code (`lessons/NN/`) left out, so that every student's copy of the TODO
skeleton does not count, and optionally against archive folders (last year's class, public
repositories), which are compared with the class but not with each other. The result is a
self-contained HTML page (side-by-side code, the shared regions highlighted; no network,
opened from disk) and, for `batch ... --similarity`, two columns of the gradebook.

The fingerprinting is copydetect's (MIT, PyPI): Pygments tokenises Python, every name
becomes one symbol, comments and whitespace are dropped and strings are reduced to a
symbol, so renamed variables and rewritten comments still match; every k-gram of 25
normalised characters is hashed. We keep all k-grams (window 1, copydetect's default):
unlike a winnowing window, the result then does not depend on Python's per-process string
hashing, so the same class gets the same ranking on every run. What is ours is the
aggregation: a submission is all its `.py` files; the starter is removed position by
position (a k-gram that straddles starter code and the student's own code does not count),
and a share is the part of one submission's own normalised code that is found in the other.

A pair's score is the larger of its two shares (a small submission copied whole into a
larger one still ranks high); against an archive entry it is the class submission's share.
Submissions are untrusted: files are read by `read_python_files` alone, which never follows
a link and bounds what it reads, and everything shown in the report is escaped.
"""

from __future__ import annotations

import argparse
import datetime
import html
import io
import os
import stat
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.atomic_file import write_text_atomically
from autograder.i18n import LANGUAGES, Text, default_language

EXIT_DONE, EXIT_ERROR = 0, 2
NOISE = 25  # copydetect's default noise threshold: k-grams of 25 normalised characters
MIN_OWN = (
    200  # a share is of at least this much own code: a near-empty submission is not "100% copied"
)
TOP_DEFAULT = 20  # pairs shown in the report and on the terminal
# What one submission may make us read (submissions are untrusted).
MAX_FILE_BYTES = 256 * 1024
MAX_SUBMISSION_BYTES = 2 * 1024 * 1024
MAX_FILES = 200
SKIPPED_FOLDERS = {"__pycache__", "node_modules", "site-packages", "venv", "env"}
COURSE_ROOT = Path(__file__).resolve().parent.parent  # where lessons/NN/ live in a clone


class SimilarityError(Exception):
    """Nothing can be compared as asked (exit 2)."""


# --- reading untrusted folders -----------------------------------------------------------------
@dataclass(frozen=True)
class SourceFile:
    path: str  # relative to the submission folder, with "/"
    text: str


@dataclass
class FolderContents:
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "x.py: why it was not read"


def read_python_files(root: Path) -> FolderContents:
    """Every regular `*.py` file under `root`, read without ever following a link.

    A link (to a file or a folder) and a special file (FIFO, device, socket) is skipped and
    noted, so is a file over MAX_FILE_BYTES and whatever is past MAX_FILES or
    MAX_SUBMISSION_BYTES; hidden folders, caches and virtual environments are not entered.
    The grader will get one shared symlink-safe reader of submissions: this function is the
    one place to swap for it.
    """
    contents = FolderContents()
    if not stat.S_ISDIR(os.lstat(root).st_mode):
        raise SimilarityError(f"not a folder (or a link to one): {root}")
    total = 0
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        kept = []
        for name in sorted(dirnames):
            relative = (here / name).relative_to(root).as_posix()
            if os.path.islink(here / name):
                contents.skipped.append(f"{relative}/: a link, not followed")
            elif not name.startswith(".") and name not in SKIPPED_FOLDERS:
                kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(".py"):
                continue
            path = here / name
            relative = path.relative_to(root).as_posix()
            try:
                info = os.lstat(path)
            except OSError as exc:
                contents.skipped.append(f"{relative}: {exc.strerror}")
                continue
            if stat.S_ISLNK(info.st_mode):
                contents.skipped.append(f"{relative}: a link, not followed")
                continue
            if not stat.S_ISREG(info.st_mode):
                contents.skipped.append(f"{relative}: not a regular file")
                continue
            if info.st_size > MAX_FILE_BYTES:
                contents.skipped.append(f"{relative}: larger than {MAX_FILE_BYTES} bytes")
                continue
            if len(contents.files) >= MAX_FILES or total + info.st_size > MAX_SUBMISSION_BYTES:
                contents.skipped.append(f"{relative}: over the limit of one submission")
                continue
            flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
            try:
                fd = os.open(path, flags)
            except OSError as exc:
                contents.skipped.append(f"{relative}: {exc.strerror}")
                continue
            with os.fdopen(fd, "rb") as file:
                opened = os.fstat(fd)
                if (opened.st_dev, opened.st_ino) != (info.st_dev, info.st_ino):
                    contents.skipped.append(f"{relative}: changed while being read")
                    continue
                data = file.read(MAX_FILE_BYTES + 1)
            if len(data) > MAX_FILE_BYTES:
                contents.skipped.append(f"{relative}: larger than {MAX_FILE_BYTES} bytes")
                continue
            total += len(data)
            contents.files.append(SourceFile(relative, data.decode("utf-8", errors="replace")))
    return contents


# --- fingerprints -------------------------------------------------------------------------------
def _copydetect() -> Any:
    try:
        import copydetect
    except ImportError as exc:
        raise SimilarityError(
            f"copydetect is not installed ({exc}); install the course with "
            '`pip install -e ".[dev]"` (or the extra ".[similarity]")'
        ) from None
    return copydetect


@dataclass
class FileFingerprint:
    source: SourceFile
    normalised: str  # copydetect's filtered code: names as V, no comments, no whitespace
    offsets: Any  # copydetect's map from normalised positions back to the source text
    positions: dict[int, list[int]]  # hash of a k-gram -> where it starts in `normalised`
    own: Any  # numpy bool per normalised character: the student's own code
    own_hashes: set[int]
    own_count: int
    starter: Any  # numpy bool per normalised character: inside a k-gram of the starter


@dataclass
class Entry:
    """A submission of the class or an archive entry, read and fingerprinted."""

    name: str
    path: Path
    archive: bool
    files: list[FileFingerprint]
    skipped: list[str]
    hashes: set[int] = field(default_factory=set)  # every own k-gram of every file
    own_count: int = 0


def _covered(starts: Iterable[int], length: int) -> Any:
    """A bool mask over `length` normalised characters: those inside a k-gram at `starts`."""
    import numpy as np

    index = np.fromiter(starts, dtype=np.int64)
    # +1 where a k-gram starts, -1 where it ends: covered where the running sum is > 0
    opened = np.bincount(index, minlength=length + 1)
    closed = np.bincount(np.minimum(index + NOISE, length), minlength=length + 1)
    return (np.cumsum(opened - closed) > 0)[:length]


def fingerprint_file(source: SourceFile, starter_hashes: set[int]) -> FileFingerprint:
    code = _copydetect().CodeFingerprint(
        source.path, NOISE, 1, None, True, "python", fp=io.StringIO(source.text)
    )
    import numpy as np

    length = len(code.filtered_code)
    in_starter = code.hashes & starter_hashes
    starter = _covered((i for h in in_starter for i in code.hash_idx[h]), length)
    # Only k-grams wholly outside the starter count: one that straddles the end of a
    # starter line and the first characters of the student's own code is in everyone's.
    starter_before = np.concatenate(([0], np.cumsum(starter)))
    positions: dict[int, list[int]] = {}
    for h in code.hashes - in_starter:
        kept = [i for i in code.hash_idx[h] if starter_before[i + NOISE] == starter_before[i]]
        if kept:
            positions[h] = kept
    # The student's own code: what such k-grams cover (a stretch of own code shorter
    # than k between two starter lines can match nothing, so it is not counted either).
    own = _covered((i for starts in positions.values() for i in starts), length)
    return FileFingerprint(
        source=source,
        normalised=code.filtered_code,
        offsets=code.offsets,
        positions=positions,
        own=own,
        own_hashes=set(positions),
        own_count=int(own.sum()),
        starter=starter,
    )


def starter_hashes(folder: Path | None) -> set[int]:
    if folder is None:
        return set()
    hashes: set[int] = set()
    for source in read_python_files(folder).files:
        code = _copydetect().CodeFingerprint(
            source.path, NOISE, 1, None, True, "python", fp=io.StringIO(source.text)
        )
        hashes |= set(code.hashes)
    return hashes


def make_entry(
    name: str, path: Path, archive: bool, contents: FolderContents, starter: set[int]
) -> Entry:
    files = [fingerprint_file(source, starter) for source in contents.files]
    entry = Entry(name, path, archive, files, contents.skipped)
    for file in files:
        entry.hashes |= file.own_hashes
        entry.own_count += file.own_count
    return entry


def matched_mask(file: FileFingerprint, other_hashes: set[int]) -> Any:
    """The own normalised characters of `file` inside a k-gram that `other_hashes` has."""
    common = file.own_hashes & other_hashes
    return _covered((i for h in common for i in file.positions[h]), len(file.normalised)) & file.own


def share(entry: Entry, other: Entry) -> tuple[float, int]:
    """How much of `entry`'s own code is found in `other`: (fraction, characters)."""
    matched = 0
    for file in entry.files:
        if file.own_hashes & other.hashes:
            matched += int(matched_mask(file, other.hashes).sum())
    return matched / max(entry.own_count, MIN_OWN), matched


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


# --- the report ---------------------------------------------------------------------------------
WORDS: dict[str, Text] = {
    "title": Text("Похожие решения", "Similar submissions"),
    "lesson": Text("Урок {lesson}", "Lesson {lesson}"),
    "summary": Text(
        "{n} решений, {a} в архиве; заготовка {starter} не учитывается. Создано {when}.",
        "{n} submissions, {a} in the archive; the starter code {starter} is left out. Made {when}.",
    ),
    "no_starter": Text("без заготовки", "none"),
    "how": Text(
        "Балл пары — доля собственного кода одного решения (без заготовки), найденная в "
        "другом; из двух долей берётся большая, для архива — доля решения студента. "
        "Имена переменных, комментарии, пробелы и тексты строк не влияют. Совпадение — "
        "повод посмотреть код, а не доказательство списывания.",
        "A pair's score is the share of one submission's own code (the starter left out) "
        "that is found in the other; the larger of the two shares, and for the archive the "
        "student's share. Names, comments, whitespace and string contents do not matter. "
        "A match is a reason to read the code, not proof of copying.",
    ),
    "rank": Text("№", "#"),
    "score": Text("Балл", "Score"),
    "pair": Text("Пара", "Pair"),
    "share_of": Text("Доля {name}", "Share of {name}"),
    "shares": Text("Доли", "Shares"),
    "lines": Text("Строк совпало", "Lines matched"),
    "archive": Text("архив", "archive"),
    "no_pairs": Text("Общего кода не найдено.", "No shared code found."),
    "more_pairs": Text(
        "Ещё {n} пар с общим кодом не показаны (--top).",
        "{n} more pairs with shared code are not shown (--top).",
    ),
    "file_no_match": Text("нет совпадений", "no match"),
    "legend": Text(
        "Выделено — найдено в другом решении (щелчок — показать там); серым — заготовка.",
        "Highlighted: found in the other submission (click to show it there); grey: starter code.",
    ),
    "skipped": Text("Не прочитано", "Not read"),
    "no_code": Text("нет файлов .py", "no .py files"),
    "method": Text(
        "Отпечатки: copydetect {version} (k = {k} нормализованных символов, все k-граммы); "
        "время сравнения {seconds:.1f} с.",
        "Fingerprints: copydetect {version} (k = {k} normalised characters, every k-gram); "
        "compared in {seconds:.1f} s.",
    ),
}


def w(key: str, lang: str, **values: object) -> str:
    text = WORDS[key](lang)
    return text.format(**values) if values else text


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def percent(fraction: float) -> str:
    return f"{round(100 * fraction)}%"


def _shown_path(path: Path) -> str:
    """A path as the instructor would type it: relative to the current folder if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _runs(mask: Any) -> list[tuple[int, int]]:
    """[start, end) of every run of True in a bool mask."""
    import numpy as np

    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _to_source(file: FileFingerprint, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Normalised [start, end) runs as [start, end) in the source text (copydetect's way of
    undoing its filter, as in its compare_files)."""
    import numpy as np

    if not runs:
        return []
    slices = np.array(runs, dtype=np.int64).T.copy()
    offsets = file.offsets
    if len(offsets) > 0:
        where = np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)
        slices += offsets[:, 1][where]
    limit = len(file.source.text)
    return [
        (min(int(s), limit), min(int(t), limit)) for s, t in zip(slices[0], slices[1], strict=True)
    ]


@dataclass
class Side:
    """One submission of a shown pair: its files, the regions found in the other."""

    entry: Entry
    regions: dict[str, list[tuple[int, int, int]]]  # file -> (start, end, region number)
    starter: dict[str, list[tuple[int, int]]]  # file -> source ranges of starter code
    lines: int = 0


def _sides(pair: Pair) -> tuple[Side, Side]:
    """The shared regions of both submissions, numbered so that region n of one side is
    (one of) the places of region n's code in the other."""
    left, right = Side(pair.a, {}, {}), Side(pair.b, {}, {})
    where_right: dict[int, tuple[str, int]] = {}  # hash -> (file, normalised start) in b
    for file in pair.b.files:
        for h in file.own_hashes & pair.a.hashes:
            where_right.setdefault(h, (file.source.path, file.positions[h][0]))
    right_runs: dict[str, list[tuple[int, int]]] = {}
    for file in pair.b.files:
        right_runs[file.source.path] = _runs(matched_mask(file, pair.a.hashes))
    right_number: dict[tuple[str, int], int] = {}
    number = 0
    for file in pair.a.files:
        runs = _runs(matched_mask(file, pair.b.hashes))
        starts = {i: h for h in file.own_hashes & pair.b.hashes for i in file.positions[h]}
        numbered = []
        for start, end in runs:
            number += 1
            numbered.append(number)
            # the first k-gram of this run that b has, and the run of b that holds it
            first = min((i for i in starts if start <= i < end), default=None)
            if first is not None and starts[first] in where_right:
                path, at = where_right[starts[first]]
                for j, (s, t) in enumerate(right_runs[path]):
                    if s <= at < t:
                        right_number.setdefault((path, j), number)
        spans = _to_source(file, runs)
        left.regions[file.source.path] = [
            (s, t, n) for (s, t), n in zip(spans, numbered, strict=True)
        ]
    for file in pair.b.files:
        runs = right_runs[file.source.path]
        spans = _to_source(file, runs)
        right.regions[file.source.path] = [
            (s, t, right_number.get((file.source.path, j), 0)) for j, (s, t) in enumerate(spans)
        ]
    for side in (left, right):
        for file in side.entry.files:
            side.starter[file.source.path] = _to_source(file, _runs(file.starter))
            side.lines += _count_lines(file.source.text, side.regions[file.source.path])
    return left, right


def _count_lines(text: str, regions: list[tuple[int, int, int]]) -> int:
    lines: set[int] = set()
    for start, end, _ in regions:
        first = text.count("\n", 0, start)
        lines.update(range(first, first + text.count("\n", start, end) + 1))
    return len(lines)


def _render_code(
    text: str, regions: list[tuple[int, int, int]], starter: list[tuple[int, int]], side: str
) -> str:
    """Numbered lines of `text`, shared regions as <mark data-r=n>, starter code greyed.
    Every character of the student's text is escaped."""
    kind = [0] * (len(text) + 1)  # 0 plain, 1 starter, 2 shared
    region = [0] * (len(text) + 1)
    for start, end in starter:
        for i in range(start, end):
            kind[i] = 1
    for start, end, number in regions:
        for i in range(start, end):
            kind[i], region[i] = 2, number
    rows = []
    position = 0
    for number, line in enumerate(text.split("\n"), start=1):
        parts = []
        i = 0
        while i < len(line):
            j = i
            here = (kind[position + i], region[position + i])
            while j < len(line) and (kind[position + j], region[position + j]) == here:
                j += 1
            chunk = e(line[i:j])
            if here[0] == 2:
                parts.append(f'<mark data-side="{side}" data-r="{here[1]}">{chunk}</mark>')
            elif here[0] == 1:
                parts.append(f'<span class="starter">{chunk}</span>')
            else:
                parts.append(chunk)
            i = j
        rows.append(f'<span class="ln">{number}</span>{"".join(parts)}')
        position += len(line) + 1
    return "\n".join(rows)


def _render_side(side: Side, pane: str, lang: str) -> str:
    out = [f'<div class="pane" data-pane="{pane}">']
    out.append(f"<h4>{e(side.entry.name)}")
    if side.entry.archive:
        out.append(f' <span class="tag">{e(w("archive", lang))}</span>')
    out.append("</h4>")
    for file in side.entry.files:
        regions = side.regions.get(file.source.path, [])
        note = "" if regions else f' <span class="muted">({e(w("file_no_match", lang))})</span>'
        opened = " open" if regions else ""
        code = _render_code(file.source.text, regions, side.starter[file.source.path], pane)
        out.append(
            f"<details{opened}><summary>{e(file.source.path)}{note}</summary>"
            f"<pre>{code}</pre></details>"
        )
    if not side.entry.files:
        out.append(f'<p class="muted">{e(w("no_code", lang))}</p>')
    out.append("</div>")
    return "".join(out)


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1500px;padding:0 1.5em 3em;color:#1b1b1f}
h1{font-size:1.6em;margin:.8em 0 .2em} h2{margin-top:1.6em} h3{margin:1.8em 0 .3em}
h4{margin:.2em 0 .4em;font-size:1em}
.muted{color:#666} .tag{font-size:.8em;background:#eef;border:1px solid #99c;border-radius:3px;padding:0 .3em}
table{border-collapse:collapse;margin:.6em 0} td,th{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.7em;background:#c62828;vertical-align:middle;margin-right:.4em}
.pair{border-top:2px solid #ccc;margin-top:1.5em}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.pane{min-width:0} details{margin:.3em 0} summary{cursor:pointer;font-family:monospace}
pre{position:relative;background:#fafafa;border:1px solid #ddd;padding:.5em;overflow:auto;max-height:75vh;font-size:12.5px;line-height:1.4;margin:.3em 0}
.ln{display:inline-block;width:3.2em;color:#999;user-select:none;text-align:right;padding-right:.8em}
mark{background:#ffcdd2;color:inherit;cursor:pointer} mark.flash{outline:2px solid #c62828}
.starter{color:#9e9e9e}
"""

SCRIPT = """
// Each code pane opens at its first shared region, not at the starter's header.
document.querySelectorAll("pre").forEach(function (pre) {
  var first = pre.querySelector("mark");
  if (first) pre.scrollTop = Math.max(0, first.offsetTop - 48);
});
document.addEventListener("click", function (event) {
  var mark = event.target.closest("mark[data-r]");
  if (!mark || mark.dataset.r === "0") return;
  var pair = mark.closest(".pair");
  var other = mark.dataset.side === "a" ? "b" : "a";
  var target = pair.querySelector('mark[data-side="' + other + '"][data-r="' + mark.dataset.r + '"]');
  if (!target) return;
  target.closest("details").open = true;
  target.scrollIntoView({block: "center"});
  target.classList.add("flash");
  setTimeout(function () { target.classList.remove("flash"); }, 1200);
});
"""


def render_html(comparisons: list[Comparison], lang: str, top: int = TOP_DEFAULT) -> str:
    copydetect = _copydetect()
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = [f"<h1>{e(w('title', lang))}</h1>", f'<p class="muted">{e(w("how", lang))}</p>']
    for comparison in comparisons:
        body.append(f"<h2>{e(w('lesson', lang, lesson=comparison.lesson))}</h2>")
        starter = _shown_path(comparison.starter) if comparison.starter else w("no_starter", lang)
        body.append(
            "<p>"
            + e(
                w(
                    "summary",
                    lang,
                    n=len(comparison.submissions),
                    a=len(comparison.archive),
                    starter=starter,
                    when=when,
                )
            )
            + "</p>"
        )
        shown = [pair for pair in comparison.pairs if pair.score > 0][:top]
        if not shown:
            body.append(f"<p>{e(w('no_pairs', lang))}</p>")
        else:
            body.append(
                f'<table class="ranking"><thead><tr><th class="num">{e(w("rank", lang))}</th>'
                f'<th class="num">{e(w("score", lang))}</th><th>{e(w("pair", lang))}</th>'
                f'<th class="num">{e(w("shares", lang))}</th></tr></thead><tbody>'
            )
            for n, pair in enumerate(shown, start=1):
                archive = (
                    f' <span class="tag">{e(w("archive", lang))}</span>' if pair.b.archive else ""
                )
                body.append(
                    f'<tr><td class="num">{n}</td><td class="num">'
                    f'<span class="bar" style="width:{round(60 * pair.score)}px"></span>'
                    f"{percent(pair.score)}</td>"
                    f'<td><a href="#pair-{e(comparison.lesson)}-{n}">{e(pair.a.name)} ↔ '
                    f"{e(pair.b.name)}</a>{archive}</td>"
                    f'<td class="num">{percent(pair.share_a)} / {percent(pair.share_b)}</td></tr>'
                )
            body.append("</tbody></table>")
            rest = len([p for p in comparison.pairs if p.score > 0]) - len(shown)
            if rest > 0:
                body.append(f'<p class="muted">{e(w("more_pairs", lang, n=rest))}</p>')
            body.append(f'<p class="muted">{e(w("legend", lang))}</p>')
            for n, pair in enumerate(shown, start=1):
                left, right = _sides(pair)
                body.append(
                    f'<section class="pair" id="pair-{e(comparison.lesson)}-{n}">'
                    f"<h3>{n}. {e(pair.a.name)} ↔ {e(pair.b.name)}: {percent(pair.score)}</h3>"
                    f'<p class="muted">{e(w("share_of", lang, name=pair.a.name))}: '
                    f"{percent(pair.share_a)}, {e(w('share_of', lang, name=pair.b.name))}: "
                    f"{percent(pair.share_b)}; {e(w('lines', lang))}: {left.lines} / "
                    f"{right.lines}</p>"
                    f'<div class="panes">{_render_side(left, "a", lang)}'
                    f"{_render_side(right, 'b', lang)}</div></section>"
                )
        skipped = [
            (entry.name, note)
            for entry in (*comparison.submissions, *comparison.archive)
            for note in (entry.skipped or ([w("no_code", lang)] if not entry.files else []))
        ]
        if skipped:
            body.append(f"<h3>{e(w('skipped', lang))}</h3><ul>")
            body.extend(f"<li>{e(name)}: {e(note)}</li>" for name, note in skipped)
            body.append("</ul>")
        body.append(
            '<p class="muted">'
            + e(
                w(
                    "method",
                    lang,
                    version=copydetect.__version__,
                    k=NOISE,
                    seconds=comparison.seconds,
                )
            )
            + "</p>"
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(w('title', lang))}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}<script>{SCRIPT}</script></body></html>\n"
    )


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


# --- command line ----------------------------------------------------------------------------------
def add_options(parser: argparse.ArgumentParser) -> None:
    """--starter and --archive, the same for `similar` and `batch --similarity`."""
    parser.add_argument(
        "--starter",
        type=Path,
        help="the starter code every student got (default: the course's lessons/NN)",
    )
    parser.add_argument(
        "--archive",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="past submissions or public code to compare against, not with each other (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m autograder similar",
        description="Rank the pairs of submissions of a class by how much code they share "
        "(the starter code left out) into an HTML report.",
    )
    parser.add_argument(
        "dirs",
        nargs="+",
        type=Path,
        metavar="DIR",
        help="a submission folder, or a folder of submission folders",
    )
    parser.add_argument("--lesson", help="lesson number (default: from each folder's name)")
    add_options(parser)
    parser.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("similarity.html"),
        help="the HTML report (default similarity.html)",
    )
    parser.add_argument(
        "--top", type=int, default=TOP_DEFAULT, help=f"pairs to show (default {TOP_DEFAULT})"
    )
    parser.add_argument("--lang", choices=LANGUAGES, default=None, help="language of the report")
    return parser


def write_report(comparisons: list[Comparison], output: Path, lang: str, top: int) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomically(output, render_html(comparisons, lang, top))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    lang = args.lang or default_language()
    started = time.monotonic()
    try:
        if args.top < 1:
            raise SimilarityError("--top must be positive")
        request = Request(args.dirs, args.lesson, args.starter, args.archive)
        comparisons = run(request)
        write_report(comparisons, args.output, lang, args.top)
    except SimilarityError as exc:
        print(f"autograder similar: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"autograder similar: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for line in ranking_lines(comparisons, args.top):
        print(line)
    print(f"report: {args.output} ({time.monotonic() - started:.1f} s)")
    return EXIT_DONE
