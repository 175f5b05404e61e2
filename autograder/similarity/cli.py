"""`python -m autograder similar DIR...`: the command line."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from autograder.atomic_file import write_text_atomically
from autograder.i18n import LANGUAGES, default_language
from autograder.similarity.errors import SimilarityError
from autograder.similarity.html_report import render_html
from autograder.similarity.ranking import TOP_DEFAULT, Comparison, Request, ranking_lines, run

EXIT_DONE, EXIT_ERROR = 0, 2


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
