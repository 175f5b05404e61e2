"""copydetect's Python-aware fingerprints of a submission, the starter code left out."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.similarity.errors import SimilarityError
from autograder.similarity.reading import FolderContents, SourceFile, read_python_files

NOISE = 25  # copydetect's default noise threshold: k-grams of 25 normalised characters
# A share is of at least this much own code: a near-empty submission is not "100% copied".
MIN_OWN = 200


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
