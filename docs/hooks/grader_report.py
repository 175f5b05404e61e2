"""A real grader report for the docs: grade a known-buggy submission, save what it printed.

    python docs/hooks/grader_report.py [OUT_DIR]      (default: build/docs-generated)

Runs the real grader (`autograder.runner.grade`) once on SUBMISSION, a lesson 04 chat
that takes one `recv()` for one message, and renders that one run with the grader's own
renderers, in both languages:

* `report.{ru,en}.html`: the terminal report exactly as `python -m autograder` prints
  it (`render_terminal`), recorded by rich and exported as HTML with its colours; the
  "read more" links are made clickable, pointing at this site's common-bugs sections;
* `report.{ru,en}.json`: the `--format json` report of the same run;
* `report-check.{ru,en}.json`: one failed check of it, for the reference page.

The docs build runs this through docs/hooks/generated.py (only when the grader or the
submission changed); nothing here is pasted by hand, and nothing generated is committed.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SUBMISSION = "tests/submissions/04-recv-is-message"
DEFAULT_OUT = ROOT / "build" / "docs-generated"
WIDTH = 110
LANGUAGES = ("ru", "en")
# The report links a hint either to the Markdown file or to a configured site.
HINT_LINK = re.compile(
    r"(?P<shown>(?:docs/common-bugs(?:\.en)?\.md|\S*/common-bugs/)#(?P<anchor>[a-z0-9-]+))"
)


def clickable(html: str) -> str:
    """Hint links as links to this site's page (relative: /grader/ and /en/grader/ alike)."""
    return HINT_LINK.sub(
        lambda m: f'<a href="../common-bugs/#{m["anchor"]}">{m["shown"]}</a>', html
    )


def generate(out_dir: Path = DEFAULT_OUT) -> list[Path]:
    sys.path.insert(0, str(ROOT))
    from rich.console import Console
    from rich.terminal_theme import MONOKAI

    from autograder.lessons import rubric_for_lesson
    from autograder.report import render_terminal, to_json
    from autograder.runner import grade

    report = grade(ROOT / SUBMISSION, rubric_for_lesson("04"), jobs=2)
    report.path = Path(SUBMISSION)  # as a student would type it, not this machine's path
    failed = [c for c in report.checks if c.status == "failed"]
    if not failed:
        raise RuntimeError(f"{SUBMISSION} passed every check: no failure to show in the docs")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for lang in LANGUAGES:
        console = Console(
            record=True,
            file=io.StringIO(),
            width=WIDTH,
            force_terminal=True,
            color_system="truecolor",
            highlight=False,
            soft_wrap=True,
        )
        render_terminal(report, console, lang)
        html = console.export_html(
            theme=MONOKAI,
            inline_styles=True,
            code_format='<pre class="grader-report"><code>{code}</code></pre>',
        )
        data = to_json(report, lang)
        check = next(c for c in data["checks"] if c["status"] == "failed")
        for name, text in (
            (f"report.{lang}.html", clickable(html)),
            (f"report.{lang}.json", json.dumps(data, ensure_ascii=False, indent=2)),
            (f"report-check.{lang}.json", json.dumps(check, ensure_ascii=False, indent=2)),
        ):
            path = out_dir / name
            path.write_text(text + "\n", encoding="utf-8")
            written.append(path)
    return written


if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    for path in generate(out):
        print(path)
