"""Where a hint sends the student: a section of the common-bugs page, in the report's language.

The course site (mkdocs, see mkdocs.yml) serves Russian at `/common-bugs/` and English at
`/en/common-bugs/`; both pages carry the same section anchors. The base URL of the site is:

1. the `AUTOGRADER_DOCS_URL` environment variable, when set (an instructor's choice
   for one run or one CI job);
2. otherwise `site_url` in the repository's `mkdocs.yml`, when it is set there (the
   published course site);
3. otherwise there is no site, and the link names the Markdown file in the repository,
   which a student can open in an editor or on the Git hosting page.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

DOCS_PAGE = "common-bugs"
MKDOCS_YML = Path(__file__).resolve().parent.parent / "mkdocs.yml"
# A top-level `site_url: ...` line; mkdocs.yml holds YAML tags that a plain YAML
# loader rejects, and the grader does not depend on a YAML library at all.
_SITE_URL = re.compile(r"""^site_url:[ \t]*(?P<quote>["']?)(?P<url>[^"'#\s]+)(?P=quote)""", re.M)


def site_url(mkdocs_yml: Path | None = None) -> str:
    """The `site_url` of mkdocs.yml, or "" when it is unset or the file cannot be read."""
    try:
        text = (mkdocs_yml or MKDOCS_YML).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""  # an installed grader without the repository: no site known
    match = _SITE_URL.search(text)
    return match.group("url") if match else ""


def docs_base_url() -> str:
    """The course site's base URL without a trailing slash, or "" when there is none."""
    base = os.environ.get("AUTOGRADER_DOCS_URL", "").strip() or site_url()
    return base.rstrip("/")


def docs_link(anchor: str, lang: str) -> str:
    """The link to the section `anchor` of the common-bugs page in language `lang`."""
    base = docs_base_url()
    if base:
        prefix = "" if lang == "ru" else f"/{lang}"
        return f"{base}{prefix}/{DOCS_PAGE}/#{anchor}"
    suffix = "" if lang == "ru" else f".{lang}"
    return f"docs/{DOCS_PAGE}{suffix}.md#{anchor}"


def hint_anchors() -> dict[str, list[str]]:
    """Every anchor a grader hint may link to, with where it is used ("module:line").

    Found two ways, so that a new check module is covered without being listed here:
    every module of the package is imported and its module-level `Hint` objects taken;
    and every module's source is parsed for `Hint(...)` calls written inline, whose
    anchor must then be a string literal. Used by the docs (the reference page) and by
    the test that every anchor has a section on both common-bugs pages.
    """
    import ast
    import importlib
    import pkgutil

    import autograder
    from autograder.verdicts import Hint

    found: dict[str, list[str]] = {}
    for info in pkgutil.walk_packages(autograder.__path__, "autograder."):
        if info.name.endswith("__main__"):
            continue  # running it would start the grader
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Hint) and value.anchor:
                found.setdefault(value.anchor, []).append(f"{info.name}.{name}")
        source_file = getattr(module, "__file__", None)
        if not source_file:
            continue
        tree = ast.parse(Path(source_file).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called != "Hint":
                continue
            anchor_node = node.args[1] if len(node.args) > 1 else None
            for keyword in node.keywords:
                if keyword.arg == "anchor":
                    anchor_node = keyword.value
            if anchor_node is None:
                continue  # a hint without a link
            if not (isinstance(anchor_node, ast.Constant) and isinstance(anchor_node.value, str)):
                raise ValueError(
                    f"{info.name}:{node.lineno}: a Hint's anchor must be a string literal"
                )
            if anchor_node.value:
                found.setdefault(anchor_node.value, []).append(f"{info.name}:{node.lineno}")
    return found
