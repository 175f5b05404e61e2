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

The package, by seam: `reading` (untrusted files), `fingerprints` (copydetect), `ranking`
(pairs, what to compare, gradebook columns), `html_report`, `cli`.
"""

from autograder.similarity.cli import add_options, build_parser, main, write_report
from autograder.similarity.errors import SimilarityError
from autograder.similarity.html_report import render_html
from autograder.similarity.ranking import (
    TOP_DEFAULT,
    Comparison,
    Pair,
    Request,
    check_request,
    gradebook_columns,
    ranking_lines,
    run,
)
from autograder.similarity.reading import MAX_FILE_BYTES, read_python_files

__all__ = [
    "MAX_FILE_BYTES",
    "TOP_DEFAULT",
    "Comparison",
    "Pair",
    "Request",
    "SimilarityError",
    "add_options",
    "build_parser",
    "check_request",
    "gradebook_columns",
    "main",
    "ranking_lines",
    "read_python_files",
    "render_html",
    "run",
    "write_report",
]
