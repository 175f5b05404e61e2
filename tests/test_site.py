"""The course site: `mkdocs build --strict` passes, and what it built is whole.

* every anchor a grader hint links to has its section on the built Russian AND English
  common-bugs pages (new hint modules are found by walking the package);
* every internal link and anchor of the built HTML resolves (a small crawler);
* lesson pages are the lessons' own READMEs and real code, with no repository-relative
  link left over; the reference page lists every check and option; the grader page shows
  a real report;
* nothing is loaded from outside the site (students may be offline).
"""

from __future__ import annotations

import importlib.util
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from urllib.parse import unquote, urldefrag, urlsplit

import pytest
from sitebuild import GENERATED, ROOT, build_site

from autograder.cli import build_parser
from autograder.docs_links import hint_anchors
from autograder.lessons import available_lessons, rubric_for_lesson

LANG_PREFIX = {"ru": "", "en": "en/"}


class PageParser(HTMLParser):
    """The ids a page defines and the URLs it refers to (links, scripts, styles, images)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, url)
        self.loads: list[tuple[str, str]] = []  # resources the browser fetches by itself
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        for key in ("id", "name"):
            if values.get(key):
                self.ids.add(values[key])
        if tag == "a" and "href" in values:
            self.links.append((tag, values["href"]))
        if tag in ("script", "img", "iframe", "source") and values.get("src"):
            self.links.append((tag, values["src"]))
            self.loads.append((tag, values["src"]))
        if tag == "link" and values.get("href"):
            self.links.append((tag, values["href"]))
            if {"stylesheet", "icon", "preload", "modulepreload", "manifest"} & set(
                values.get("rel", "").split()
            ):
                self.loads.append((tag, values["href"]))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> PageParser:
    parser = PageParser()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site() -> Path:
    return build_site().path


def page(site: Path, lang: str, name: str) -> Path:
    return site / LANG_PREFIX[lang] / name / "index.html"


def text_of(path: Path) -> str:
    return re.sub(r"\s+", " ", "".join(parse(path).text))


def test_mkdocs_build_strict_passes_for_both_languages(site: Path) -> None:
    built = build_site()
    print(f"\nmkdocs build --strict: {built.seconds:.1f} s")
    for lang in ("ru", "en"):
        home = site / LANG_PREFIX[lang] / "index.html"
        assert home.exists(), f"no home page for {lang}"
        assert f'<html lang="{lang}"' in home.read_text(encoding="utf-8")


def test_every_hint_anchor_has_a_section_on_both_built_common_bugs_pages(site: Path) -> None:
    anchors = hint_anchors()
    assert len(anchors) >= 19, f"too few hint anchors found: {sorted(anchors)}"
    for lang in ("ru", "en"):
        ids = parse(page(site, lang, "common-bugs")).ids
        missing = {a: where for a, where in anchors.items() if a not in ids}
        assert not missing, f"common-bugs ({lang}) has no section for: {missing}"


def test_both_common_bugs_pages_have_the_same_sections_in_the_same_order() -> None:
    ru, en = (
        re.findall(r'<a id="([^"]+)"></a>', (ROOT / "docs" / name).read_text(encoding="utf-8"))
        for name in ("common-bugs.md", "common-bugs.en.md")
    )
    assert ru == en


def test_every_internal_link_and_anchor_of_the_built_site_resolves(site: Path) -> None:
    pages = {path: parse(path) for path in site.rglob("*.html")}
    broken: list[str] = []
    checked = 0
    for path, parsed in pages.items():
        for tag, url in parsed.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or not url:
                continue  # external (only ever <a>: see the offline test) or empty
            target_url, fragment = urldefrag(url)
            if target_url:
                base = site if target_url.startswith("/") else path.parent
                target = (base / unquote(target_url).lstrip("/")).resolve()
                if target.is_dir() or target_url.endswith("/"):
                    target = target / "index.html"
            else:
                target = path
            checked += 1
            if not target.exists():
                broken.append(f"{path.relative_to(site)}: <{tag}> {url} (no such file)")
                continue
            if fragment and target.suffix == ".html":
                ids = pages[target].ids if target in pages else parse(target).ids
                if unquote(fragment) not in ids:
                    broken.append(f"{path.relative_to(site)}: <{tag}> {url} (no such anchor)")
    for path in pages:
        ids = re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            broken.append(f"{path.relative_to(site)}: ids defined twice: {twice}")
    print(f"\nlink check: {checked} internal links in {len(pages)} pages, {len(broken)} broken")
    assert checked > 500
    assert not broken, "broken internal links:\n" + "\n".join(broken)


def test_the_site_loads_nothing_from_outside(site: Path) -> None:
    external = [
        f"{path.relative_to(site)}: <{tag}> {url}"
        for path in site.rglob("*.html")
        for tag, url in parse(path).loads
        if urlsplit(url).scheme or url.startswith("//")
    ]
    assert not external, "resources from outside the site:\n" + "\n".join(external)
    assert (site / "assets/vendor/mermaid/mermaid.min.js").stat().st_size > 1_000_000
    css = "".join(p.read_text(encoding="utf-8") for p in site.rglob("*.css"))
    assert "fonts.googleapis" not in css and "fonts.gstatic" not in css


@pytest.mark.parametrize("lesson", ["01", "02", "03", "04", "05"])
@pytest.mark.parametrize("lang", ["ru", "en"])
def test_lesson_page_is_the_lessons_readme_plus_real_code(
    site: Path, lesson: str, lang: str
) -> None:
    readme = ROOT / "lessons" / lesson / ("README.md" if lang == "ru" else "README.en.md")
    built = page(site, lang, f"lessons/{lesson}")
    text = text_of(built)
    title = readme.read_text(encoding="utf-8").splitlines()[0].lstrip("# ").strip()
    assert title in text, f"the README's title {title!r} is not on the page"
    # Every plain prose line of the README is on the page, whatever the formatting around.
    prose, fenced = [], False
    for line in readme.read_text(encoding="utf-8").splitlines():
        fenced ^= line.startswith("```")
        if not fenced and line[:1].isalpha() and not re.search(r"[`*\[\]|<>_\\]", line):
            prose.append(line.strip())
    assert len(prose) >= 3
    for paragraph in prose:
        assert paragraph in text
    # The starter code, from the file itself.
    for starter in sorted((ROOT / "lessons" / lesson).glob("*.py")):
        first_def = next(
            line
            for line in starter.read_text(encoding="utf-8").splitlines()
            if line.startswith("def ")
        )
        name = first_def.split("(")[0].removeprefix("def ")
        assert f"def {name}(" in text, f"{starter.name}: {name} is not shown"
    # No link written for the repository survived into the site.
    hrefs = [url for tag, url in parse(built).links if tag == "a"]
    leftovers = [h for h in hrefs if re.search(r"(\.py|README(\.en)?\.md|\.md)(#|$)", h)]
    assert not leftovers, f"repository links left on the page: {leftovers}"


def test_every_page_exists_in_both_languages_and_english_pages_are_english(site: Path) -> None:
    """The i18n plugin falls back to the Russian file for a page with no .en.md (so that
    images are shared): a missing translation must fail here, not show Russian text."""
    docs = ROOT / "docs"
    russian = {p.relative_to(docs) for p in docs.rglob("*.md") if not p.name.endswith(".en.md")}
    russian = {p for p in russian if p.parts[0] != "hooks"}
    missing = sorted(str(p) for p in russian if not (docs / p).with_suffix(".en.md").exists())
    assert not missing, f"pages with no English version: {missing}"
    for rel in sorted(russian):
        slug = "" if rel.stem == "index" else rel.with_suffix("").as_posix() + "/"
        html = (site / "en" / slug / "index.html").read_text(encoding="utf-8")
        article = html[html.find("<article") : html.find("</article>")]
        # Prose only: code, reports and diagrams show the real files, Russian comments too.
        prose = re.sub(r"<(pre|code|script|style|svg)\b.*?</\1>", " ", article, flags=re.S)
        prose = re.sub(r"<[^>]+>", " ", prose)
        cyrillic = sum("а" <= ch.lower() <= "я" for ch in prose)
        latin = sum("a" <= ch.lower() <= "z" for ch in prose)
        assert latin > 500 and cyrillic < latin / 20, (
            f"en/{slug} reads as Russian: {cyrillic} Cyrillic and {latin} Latin letters in its prose"
        )


def test_reference_page_lists_every_check_of_every_rubric_and_every_option(site: Path) -> None:
    from autograder import batch, load

    options = [
        s
        for parser in (build_parser(), batch.build_parser(), load.build_parser())
        for a in parser._actions
        for s in a.option_strings
    ]
    for lang in ("ru", "en"):
        text = text_of(page(site, lang, "reference"))
        for lesson in available_lessons():
            rubric = rubric_for_lesson(lesson)
            for item in (*rubric.items, *rubric.udp_items):
                assert item.id in text and item.title(lang) in text, (lang, lesson, item.id)
        for option in options:
            assert option in text, (lang, option)
        assert "EXIT_PASSED" in text and "EXIT_ERROR" in text


def test_grader_page_shows_a_real_report_with_working_hint_links(site: Path) -> None:
    for lang, total in (("ru", "Итого"), ("en", "Total")):
        built = page(site, lang, "grader")
        text = text_of(built)
        assert "tests/submissions/04-recv-is-message" in text and total in text
        assert "✗ framing" in text
        hint_links = [u for t, u in parse(built).links if "common-bugs/#" in u]
        assert "../common-bugs/#recv-is-not-a-message" in hint_links
    assert (GENERATED / "report.ru.html").exists() and (GENERATED / "report.en.json").exists()


def test_grader_page_shows_a_real_watch_session_and_course_overview(site: Path) -> None:
    words = {
        "ru": ("теперь проходят", "Слежу за lessons/04", "Дальше: урок 03"),
        "en": ("now pass", "Watching lessons/04", "Next: lesson 03"),
    }
    for lang, (now_pass, footer, next_step) in words.items():
        built = page(site, lang, "grader")
        text = text_of(built)
        # The screen after the second grading of the session: what changed, the first
        # failure in full with its working hint link, and the footer.
        assert re.search(r"#2 · \d\d:\d\d:\d\d", text) and now_pass in text
        assert "✗ framing" in text and footer in text
        assert "../common-bugs/#recv-is-not-a-message" in [u for _, u in parse(built).links]
        # The overview of the same session: four lessons, lesson 03 to do next.
        assert next_step in text and "lessons/03 --watch" in text
    for name in ("watch", "overview"):
        for lang in ("ru", "en"):
            assert (GENERATED / f"{name}.{lang}.html").exists()


# --- the hook that turns README links into site links ---------------------------------


def load_hook(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / "hooks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_readme_links_become_site_links_and_a_missing_target_is_an_error() -> None:
    hook = load_hook("lesson_pages")
    readme = "lessons/04/README.md"
    assert hook.rewrite_target("server.py", readme) == "#code"
    assert hook.rewrite_target("../03/README.md", readme) == "03.md"
    assert hook.rewrite_target("../03/README.en.md#goal", readme) == "03.md#goal"
    assert hook.rewrite_target("../../docs/common-bugs.md#port", readme) == (
        "../common-bugs.md#port"
    )
    assert hook.rewrite_target("https://example.org/x", readme) == "https://example.org/x"
    assert hook.rewrite_target("../../autograder/rubrics/04.toml", readme) is None
    with pytest.raises(ValueError, match="does not exist"):
        hook.rewrite_target("no-such-file.py", readme)
    lines = hook.rewrite_readme_lines(
        ["# Title", "", "[English version](README.en.md)", "See [`server.py`](server.py)."],
        readme,
    )
    assert lines == ["# Title", "", "See [`server.py`](#code)."]


def test_a_named_code_include_finds_the_function_in_the_real_file() -> None:
    hook = load_hook("lesson_pages")
    source = (ROOT / "solutions/04/client.py").read_text(encoding="utf-8")
    first, last = hook.find_definition(source, "receive_loop")
    lines = source.splitlines()
    assert lines[first - 1].startswith("def receive_loop(")
    assert lines[last - 1].strip() and (last == len(lines) or not lines[last].startswith(" "))
    assert hook.find_definition(source, "no_such_function") is None


def test_the_vendored_mermaid_is_the_release_its_source_file_names() -> None:
    import hashlib

    folder = ROOT / "docs/assets/vendor/mermaid"
    source = (folder / "SOURCE.txt").read_text(encoding="utf-8")
    expected = re.search(r"^sha256 ([0-9a-f]{64})$", source, re.M)
    assert expected, "SOURCE.txt names no sha256"
    actual = hashlib.sha256((folder / "mermaid.min.js").read_bytes()).hexdigest()
    assert actual == expected.group(1)
