"""mkdocs hook: lesson pages built from the lessons' own READMEs, and code from real files.

Two jobs, both so that the site never holds a second copy of anything:

* **README links.** `docs/lessons/NN.md` includes `lessons/NN/README.md` with
  pymdownx.snippets. The README's relative links are written for the repository
  (`server.py`, `README.en.md`, `../../docs/common-bugs.md#port`, `../03/README.md`); on
  the site they would point nowhere. Every snippet line that includes a lesson README is
  wrapped in markers here, and a Markdown preprocessor that runs right after snippets
  rewrites the links between the markers:

  - a link alone on its line to the README in the other language -> dropped (the site
    has a language switcher);
  - `docs/X.md` -> the site page X; `lessons/MM/README*.md` -> the lesson page MM;
  - a file of this lesson that the page shows (`server.py`, `client.py`) -> `#code`,
    the page's "lesson code" section;
  - any other file that exists in the repository -> its path as code, unlinked;
  - a target that does not exist -> a warning, which `mkdocs build --strict` turns into
    a failed build.

* **Named code includes.** `--8<-- "solutions/04/server.py:read_lines"` includes the
  function (or class) `read_lines` of that file. When the file has snippet section
  markers (`# --8<-- [start:read_lines]`) snippets uses them as usual; otherwise the name
  is found with `ast` and the line is turned into a line-range include, so teaching code
  needs no markers and the include survives edits around the function. An unknown name
  is a warning (a failed build under --strict).
"""

from __future__ import annotations

import ast
import logging
import posixpath
import re
from pathlib import Path
from typing import Any

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

log = logging.getLogger("mkdocs.hooks.lesson_pages")

ROOT = Path(__file__).resolve().parents[2]
START = "<!-- lesson-readme: {path} -->"
END = "<!-- /lesson-readme -->"
START_RE = re.compile(r"^<!-- lesson-readme: (?P<path>\S+) -->$")
README_INCLUDE = re.compile(r'^--8<-- "(?P<path>lessons/\d\d/README(?:\.en)?\.md)"\s*$', re.M)
NAMED_INCLUDE = re.compile(
    r'^(?P<indent>[ \t]*)--8<-- "(?P<path>[^":]+\.py):(?P<name>[A-Za-z_][\w.]*)"\s*$', re.M
)
LINK = re.compile(r"(?P<text>\[[^\]]*\])\((?P<target>[^)\s]+)\)")
LANGUAGE_SWITCH_LINE = re.compile(r"^\s*\[[^\]]*\]\(README(?:\.en)?\.md\)\s*$")
LESSON_README = re.compile(r"^lessons/(?P<lesson>\d\d)/README(?:\.en)?\.md$")
SHOWN_ON_PAGE = {"server.py", "client.py"}


# --- README links ---------------------------------------------------------------------


def rewrite_target(target: str, readme: str) -> str | None:
    """The site link for `target` found in `readme`; None: show it as unlinked text.

    Raises ValueError when the target does not exist in the repository.
    """
    if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
        return target  # an absolute URL or an anchor on this page: nothing to do
    path, _, fragment = target.partition("#")
    anchor = f"#{fragment}" if fragment else ""
    lesson_dir = posixpath.dirname(readme)
    resolved = posixpath.normpath(posixpath.join(lesson_dir, path))
    if not (ROOT / resolved).exists():
        raise ValueError(f"{readme}: link to {target!r}: {resolved} does not exist")
    if resolved.startswith("docs/") and resolved.endswith(".md"):
        page = resolved[len("docs/") :]
        page = re.sub(r"\.en\.md$", ".md", page)  # the i18n plugin picks the language
        return posixpath.relpath(page, "lessons") + anchor
    match = LESSON_README.match(resolved)
    if match:
        return f"{match['lesson']}.md{anchor}"
    if posixpath.dirname(resolved) == lesson_dir and posixpath.basename(resolved) in SHOWN_ON_PAGE:
        return "#code"
    return None


def rewrite_readme_lines(lines: list[str], readme: str) -> list[str]:
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        stripped = line.lstrip()
        if fence is None and stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
        elif fence is not None and stripped.startswith(fence):
            fence = None
        if fence is not None or stripped.startswith(("```", "~~~")):
            out.append(line)
            continue
        if LANGUAGE_SWITCH_LINE.match(line):
            continue

        def replace(match: re.Match[str]) -> str:
            target = match["target"]
            try:
                new = rewrite_target(target, readme)
            except ValueError as exc:
                log.warning("broken link in a lesson README: %s", exc)
                return match.group(0)
            if new is None:
                text = match["text"][1:-1]
                return text if text.startswith("`") else f"`{text}`"
            return f"{match['text']}({new})"

        out.append(LINK.sub(replace, line))
    return out


class ReadmeLinks(Preprocessor):
    """Rewrites the links of included lesson READMEs (between the markers)."""

    def run(self, lines: list[str]) -> list[str]:
        out: list[str] = []
        readme: str | None = None
        chunk: list[str] = []
        for line in lines:
            start = START_RE.match(line.strip())
            if start:
                readme, chunk = start["path"], []
            elif readme is not None and line.strip() == END:
                out += rewrite_readme_lines(chunk, readme)
                readme = None
            elif readme is not None:
                chunk.append(line)
            else:
                out.append(line)
        if readme is not None:
            log.warning("lesson README include %s has no end marker", readme)
            out += chunk
        return out


class ReadmeLinksExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Markdown's API name
        # pymdownx.snippets runs at priority 32; this must see the included text.
        md.preprocessors.register(ReadmeLinks(md), "lesson_readme_links", 31)


# --- named code includes --------------------------------------------------------------


def find_definition(source: str, name: str) -> tuple[int, int] | None:
    """First and last line (1-based) of the def or class `name` (`Class.method` too)."""
    body: list[ast.stmt] = ast.parse(source).body
    node: ast.stmt | None = None
    for part in name.split("."):
        node = next(
            (
                n
                for n in body
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                and n.name == part
            ),
            None,
        )
        if node is None:
            return None
        body = node.body  # type: ignore[attr-defined]
    assert node is not None and node.end_lineno is not None
    first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])
    return first, node.end_lineno


def resolve_named_include(match: re.Match[str]) -> str:
    path, name = match["path"], match["name"]
    file = ROOT / path
    try:
        source = file.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("code include %s:%s: cannot read the file (%s)", path, name, exc)
        return match.group(0)
    if f"[start:{name}]" in source:
        return match.group(0)  # real snippet section markers: snippets handles it
    try:
        lines = find_definition(source, name)
    except SyntaxError as exc:
        log.warning("code include %s:%s: the file does not parse (%s)", path, name, exc)
        return match.group(0)
    if lines is None:
        log.warning(
            "code include %s:%s: no def or class %r in %s (renamed? update the docs page)",
            path,
            name,
            name,
            path,
        )
        return match.group(0)
    return f'{match["indent"]}--8<-- "{path}:{lines[0]}:{lines[1]}"'


# --- mkdocs events --------------------------------------------------------------------


def on_config(config: Any) -> Any:
    # Snippet paths are relative to the repository root, wherever mkdocs was started.
    snippets = config.mdx_configs.setdefault("pymdownx.snippets", {})
    snippets["base_path"] = [str(ROOT)]
    if not any(isinstance(e, ReadmeLinksExtension) for e in config.markdown_extensions):
        config.markdown_extensions.append(ReadmeLinksExtension())
    return config


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    markdown = README_INCLUDE.sub(
        lambda m: f"{START.format(path=m['path'])}\n{m.group(0)}\n{END}", markdown
    )
    return NAMED_INCLUDE.sub(resolve_named_include, markdown)
