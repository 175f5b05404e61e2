"""The course site in a real browser: Debian's Chromium, driven by Playwright.

The built site is served on 127.0.0.1 (a free port, http.server in a thread). One
browser session walks it as a student would: the home page in both languages, a lesson,
the language switch, search in Russian and English, mermaid diagrams rendered as SVG
(lessons 01, 04 and 05), a hint link from a real grader report, dark mode. Screenshots go to tests/artifacts/site/
(git-ignored). Any console error, page error, failed request or request that leaves
127.0.0.1 fails the test: the site must work offline.

Chromium: /usr/bin/chromium (or $COURSE_CHROMIUM). .ci/run installs Debian's package when
it is missing; only when it truly cannot be installed is this test skipped, loudly.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sitebuild import GENERATED, ROOT, build_site

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = ROOT / "tests" / "artifacts" / "site"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SEARCH_READY = re.compile("Начните печатать|Type to start")
TIMEOUT_MS = 20_000  # every wait in this test has this deadline
# Material renders a mermaid diagram into a closed shadow root. Opened here (test only)
# so the test can see the <svg> inside; the rendering itself is untouched.
OPEN_SHADOW_ROOTS = """
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  return attach.call(this, Object.assign({}, init, { mode: "open" }));
};
"""

if not CHROMIUM.exists():
    pytest.skip(
        f"!!! BROWSER TEST SKIPPED: no Chromium at {CHROMIUM}. Install Debian's package "
        "(apt-get install chromium; .ci/run does this as root) or set COURSE_CHROMIUM. !!!",
        allow_module_level=True,
    )

from playwright.sync_api import ConsoleMessage, Page, Request, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=TIMEOUT_MS)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    site = build_site().path
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(10)


class Problems:
    """Everything that went wrong in the browser, reported together at the end."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.items.append(f"console error: {message.text} ({message.location})")

    def page_error(self, error: Exception) -> None:
        self.items.append(f"page error: {error}")

    def request_failed(self, request: Request) -> None:
        # ERR_ABORTED: a request still in flight when the test navigated to the next page
        # (the search worker loads its language files in the background).
        if request.failure != "net::ERR_ABORTED":
            self.items.append(f"request failed: {request.url} ({request.failure})")

    def response(self, response) -> None:  # type: ignore[no-untyped-def]
        if response.status >= 400:
            self.items.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture
def browser_page(tmp_path: Path) -> Iterator[tuple[Page, Problems]]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = Problems()
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),  # a fresh profile for every run
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1280, "height": 900},
            color_scheme="light",
            locale="ru-RU",
        )
        context.set_default_timeout(TIMEOUT_MS)
        context.add_init_script(OPEN_SHADOW_ROOTS)

        def only_loopback(route, request) -> None:  # type: ignore[no-untyped-def]
            if urlsplit(request.url).hostname == "127.0.0.1":
                route.continue_()
            else:
                problems.items.append(f"request outside the site: {request.url}")
                route.abort()

        context.route("**/*", only_loopback)
        page = context.pages[0] if context.pages else context.new_page()
        page.on("console", problems.console)
        page.on("pageerror", problems.page_error)
        page.on("requestfailed", problems.request_failed)
        page.on("response", problems.response)
        try:
            yield page, problems
        finally:
            context.close()


def shot(page: Page, name: str, full_page: bool = False) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)


def open_search(page: Page, query: str) -> int:
    """Type `query` into the search box; the number of results shown."""
    box = page.locator("input.md-search__input")
    box.click()  # visible in the header at desktop width
    # Type only once the index is loaded: "Type to start searching", not "Initializing".
    expect(page.locator(".md-search-result__meta")).to_have_text(SEARCH_READY)
    box.press_sequentially(query, delay=20)
    # Playwright inserts Cyrillic letters as text, without the key events a Russian
    # keyboard makes; the search runs on a key event, so end with a real key press.
    box.press("End")
    results = page.locator(".md-search-result__item")
    expect(results.first).to_be_visible()
    return results.count()


def section_heading(page: Page, anchor: str):  # type: ignore[no-untyped-def]
    """The heading of the common-bugs section `anchor`: the <h2> with that id, or the first
    <h2> after the `<a id>` that marks it."""
    return page.locator(f"xpath=(//h2[@id='{anchor}'] | //*[@id='{anchor}']/following::h2[1])[1]")


def switch_language(page: Page, hreflang: str) -> None:
    page.locator(".md-header__option .md-select").hover()
    page.locator(f"a.md-select__link[hreflang='{hreflang}']").click()


def test_a_student_walks_the_site_in_a_real_browser(
    base_url: str, browser_page: tuple[Page, Problems]
) -> None:
    page, problems = browser_page

    # The home page in both languages.
    page.goto(f"{base_url}/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    expect(page.locator("article h1")).to_contain_text("Сокеты на Python")
    shot(page, "home-ru")
    page.goto(f"{base_url}/en/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("article h1")).to_contain_text("Sockets in Python")
    shot(page, "home-en")

    # Follow a lesson link from the Russian home page.
    page.goto(f"{base_url}/")
    page.locator("article a[href='lessons/04/']").first.click()
    page.wait_for_url(re.compile(r"/lessons/04/$"))
    expect(page.locator("article h1")).to_contain_text("Урок 04")
    shot(page, "lesson-04-ru")

    # Its mermaid diagrams are rendered as SVG, with the protocol's words in them.
    diagrams = page.locator("article div.mermaid")
    expect(diagrams).to_have_count(3)
    first = diagrams.first
    first.scroll_into_view_if_needed()
    svg = first.locator("svg")
    expect(svg).to_be_visible()
    expect(svg).to_contain_text("accept()")
    expect(diagrams.nth(1).locator("svg")).to_contain_text("put_nowait")  # the queue
    box = svg.bounding_box()
    assert box and box["height"] > 100 and box["width"] > 200, box
    first.screenshot(path=str(ARTIFACTS / "diagram-join-ru.png"))

    # Switch the language and land on the same page.
    switch_language(page, "en")
    page.wait_for_url(re.compile(r"/en/lessons/04/$"))
    expect(page.locator("article h1")).to_contain_text("Lesson 04")
    expect(page.locator("article div.mermaid svg")).to_have_count(3)
    shot(page, "lesson-04-en")
    switch_language(page, "ru")
    page.wait_for_url(re.compile(r"/lessons/04/$"))
    assert "/en/" not in page.url

    # The bonus lesson 05 in both languages: its diagram of a send that never waits.
    for prefix, title in (("", "Урок 05"), ("/en", "Lesson 05")):
        page.goto(f"{base_url}{prefix}/lessons/05/")
        expect(page.locator("article h1")).to_contain_text(title)
        diagram = page.locator("article div.mermaid svg")
        expect(diagram).to_have_count(1)
        diagram.scroll_into_view_if_needed()
        expect(diagram).to_contain_text("MSG_DONTWAIT")
        shot(page, f"lesson-05-{prefix.strip('/') or 'ru'}")

    # The byte-stream diagrams of lesson 01, and its client reading a reply up to "\n".
    page.goto(f"{base_url}/en/lessons/01/#tcp-byte-stream")
    expect(page.locator("article div.mermaid svg")).to_have_count(5)
    expect(page.locator("article div.mermaid svg").nth(3)).to_contain_text("client.py")
    page.locator("article div.mermaid").nth(2).scroll_into_view_if_needed()
    shot(page, "lesson-01-byte-stream-en")

    # "What next", reached from the navigation: its code is the real example files.
    for lang, prefix, title in (("ru", "", "Что дальше"), ("en", "/en", "What next")):
        page.goto(f"{base_url}{prefix}/lessons/04/")
        page.locator(f"nav.md-nav a[href$='next/']:has-text('{title}')").first.click()
        page.wait_for_url(re.compile(rf"{prefix}/next/$"))
        expect(page.locator("article h1")).to_contain_text(title)
        expect(page.locator("article pre").first).to_contain_text("def recv_exactly(sock, size):")
        expect(page.locator("article")).to_contain_text("dualstack_ipv6=True")
        shot(page, f"next-{lang}")

    # Search: a Russian word on the Russian site, an English word on the English one.
    page.goto(f"{base_url}/")
    assert open_search(page, "сообщение") > 0
    expect(page.locator(".md-search-result")).to_contain_text("recv")
    shot(page, "search-ru")
    page.goto(f"{base_url}/en/")
    assert open_search(page, "broadcast") > 0
    expect(page.locator(".md-search-result")).to_contain_text("Broadcast")
    shot(page, "search-en")

    # The student's guide shows a real report; its hint link lands on the section.
    for lang, prefix in (("ru", ""), ("en", "/en")):
        page.goto(f"{base_url}{prefix}/grader/")
        # The report (the page shows the watch and overview screens in the same frame).
        report = page.locator("pre.grader-report", has_text="tests/submissions/04-recv-is-message")
        expect(report).to_contain_text("04-recv-is-message")
        report.scroll_into_view_if_needed()
        shot(page, f"grader-report-{lang}")
        link = report.locator("a[href*='common-bugs/#']").first
        anchor = (link.get_attribute("href") or "").split("#", 1)[1]
        link.click()
        page.wait_for_url(re.compile(rf"{prefix}/common-bugs/#{anchor}$"))
        expect(page.locator(f"[id='{anchor}']")).to_be_attached()
        expect(section_heading(page, anchor)).to_be_in_viewport()
        shot(page, f"common-bugs-{lang}")

    # The link a real grader report prints when the site is configured
    # (AUTOGRADER_DOCS_URL pointing at this server) lands on its section too.
    from autograder.docs_links import docs_link

    for lang in ("ru", "en"):
        report = json.loads((GENERATED / f"report.{lang}.json").read_text(encoding="utf-8"))
        anchors = [c["docs"].split("#", 1)[1] for c in report["checks"] if c["docs"]]
        assert anchors, "the real report has no hint link"
        os.environ["AUTOGRADER_DOCS_URL"] = base_url
        try:
            url = docs_link(anchors[-1], lang)
        finally:
            del os.environ["AUTOGRADER_DOCS_URL"]
        page.goto(url)
        expect(section_heading(page, anchors[-1])).to_be_in_viewport()
        expect(page.locator("html")).to_have_attribute("lang", lang)

    # Dark mode: the palette toggle switches the scheme.
    page.goto(f"{base_url}/lessons/01/")
    body = page.locator("body")
    expect(body).to_have_attribute("data-md-color-scheme", "default")
    page.locator("form[data-md-component='palette'] label:visible").first.click()
    expect(body).to_have_attribute("data-md-color-scheme", "slate")
    shot(page, "lesson-01-dark-ru")
    page.goto(f"{base_url}/en/common-bugs/")  # the choice is remembered across pages
    expect(page.locator("body")).to_have_attribute("data-md-color-scheme", "slate")
    shot(page, "common-bugs-dark-en")

    assert not problems.items, "problems in the browser:\n" + "\n".join(problems.items)
