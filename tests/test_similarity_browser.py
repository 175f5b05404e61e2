"""The similarity report in a real browser: Debian's Chromium, driven by Playwright.

The report of the small class in tests/similarity/ is made by the real code (the same
function docs/hooks/similarity_screenshot.py uses for the docs' screenshot), opened from
disk (file://) as an instructor opens it, and used: the ranking's first row is the pair
that differs only in names and comments, its link leads to the side-by-side code, the
shared regions are highlighted on both sides, and a click on one shows its counterpart in
the other pane. Any request other than the file itself, any console error or page error
fails the test: the report must work offline. Screenshots go to tests/artifacts/similarity/
(git-ignored).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "tests" / "artifacts" / "similarity"
TIMEOUT_MS = 20_000

if not CHROMIUM.exists():
    pytest.skip(
        f"!!! BROWSER TEST SKIPPED: no Chromium at {CHROMIUM}. Install Debian's package "
        "(apt-get install chromium; .ci/run does this as root) or set COURSE_CHROMIUM. !!!",
        allow_module_level=True,
    )

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

sys.path.insert(0, str(ROOT / "docs" / "hooks"))
import similarity_screenshot  # noqa: E402

expect.set_options(timeout=TIMEOUT_MS)


@pytest.fixture
def page_and_problems() -> Iterator[tuple[Page, list[str]]]:
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        context = browser.new_context(viewport=similarity_screenshot.VIEWPORT)
        context.set_default_timeout(TIMEOUT_MS)

        def only_the_file(route, request) -> None:  # type: ignore[no-untyped-def]
            if request.url.startswith("file://") and request.url.endswith(".html"):
                route.continue_()
            else:
                problems.append(f"request outside the report: {request.url}")
                route.abort()

        context.route("**/*", only_the_file)
        page = context.new_page()
        page.on("console", lambda m: m.type == "error" and problems.append(f"console: {m.text}"))
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        try:
            yield page, problems
        finally:
            context.close()
            browser.close()


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_an_instructor_reads_the_report_offline_in_a_real_browser(
    lang: str, tmp_path: Path, page_and_problems: tuple[Page, list[str]]
) -> None:
    page, problems = page_and_problems
    report = similarity_screenshot.make_report(tmp_path, lang)
    page.goto(report.as_uri())
    expect(page.locator("html")).to_have_attribute("lang", lang)

    first = page.locator("table.ranking tbody tr").first
    expect(first).to_contain_text("alice ↔ bob")
    expect(first).to_contain_text("100%")
    expect(page.locator("table.ranking tbody tr").nth(1)).to_contain_text("erin ↔ archive/2025-")
    similarity_screenshot.shoot(page, ARTIFACTS / f"report-{lang}.png")

    first.locator("a").click()
    section = page.locator("#pair-04-1")
    expect(section).to_be_in_viewport()
    left = section.locator('[data-pane="a"] mark')
    right = section.locator('[data-pane="b"] mark')
    assert left.count() > 3 and right.count() > 3
    expect(left.first).to_be_visible()
    # bob's renamed code is what is highlighted on the right
    expect(section.locator('[data-pane="b"]')).to_contain_text("get_lines")
    expect(section.locator('[data-pane="a"] .starter').first).to_be_attached()

    # A click on a shared region shows (and flashes) the same region on the other side.
    region = left.nth(2)
    number = region.get_attribute("data-r")
    region.click()
    counterpart = section.locator(f'[data-pane="b"] mark[data-r="{number}"]').first
    expect(counterpart).to_have_class("flash")
    expect(counterpart).to_be_in_viewport()
    page.screenshot(path=str(ARTIFACTS / f"pair-{lang}.png"))

    assert not problems, "problems in the browser:\n" + "\n".join(problems)
