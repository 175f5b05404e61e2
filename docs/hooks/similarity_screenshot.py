"""The screenshot of a real similarity report on the instructors' page.

    python docs/hooks/similarity_screenshot.py [OUT_DIR]   (default: docs/assets/similarity)

Compares the small class of tests/similarity/ (lesson 04, its archive, the course's
lessons/04 as the starter) with the real code of `python -m autograder similar`, renders
the report in Russian and English, opens each in Debian's Chromium (Playwright) from disk,
and saves what the browser shows as `report-{ru,en}.png`. tests/test_similarity_browser.py
runs the same functions into tests/artifacts/ (git-ignored); the PNGs under
docs/assets/similarity/ are made by running this script, never drawn by hand.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder import similarity  # noqa: E402

CLASS = ROOT / "tests" / "similarity" / "class"
ARCHIVE = ROOT / "tests" / "similarity" / "archive"
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
DEFAULT_OUT = ROOT / "docs" / "assets" / "similarity"
TOP = 6  # a short ranking: the table and the first pair fit in one screen
VIEWPORT = {"width": 1280, "height": 1000}


def make_report(folder: Path, lang: str) -> Path:
    """The report of the test class, as `similar` writes it, in `folder`."""
    comparisons = similarity.run(similarity.Request([CLASS], "04", None, [ARCHIVE]))
    report = folder / f"similarity.{lang}.html"
    previous = Path.cwd()
    os.chdir(ROOT)  # the starter is shown as lessons/04, as an instructor in the repo sees it
    try:
        similarity.write_report(comparisons, report, lang, TOP)
    finally:
        os.chdir(previous)
    return report


def shoot(page, png: Path) -> None:  # type: ignore[no-untyped-def]
    """The ranking and the first pair, side by side, its code scrolled to the shared part."""
    page.locator("#pair-04-1 pre").first.wait_for()
    page.evaluate("window.scrollTo(0, 0)")
    png.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(png), full_page=False)


def main(argv: list[str]) -> int:
    from playwright.sync_api import sync_playwright

    out = Path(argv[0]) if argv else DEFAULT_OUT
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            for lang in ("ru", "en"):
                report = make_report(out, lang)
                page = browser.new_page(viewport=VIEWPORT, locale=f"{lang}-RU")
                page.goto(report.as_uri())
                shoot(page, out / f"report-{lang}.png")
                page.close()
                report.unlink()
                print(out / f"report-{lang}.png")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
