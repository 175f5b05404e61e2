"""mkdocs hook: two small fixes of the rendered pages, for a clean browser console.

* Section anchors become heading ids. common-bugs pages mark each section with
  `<a id="anchor"></a>` on the line before its heading (that also works when the Markdown
  file is read on the Git hosting). On the site the heading itself takes the anchor as
  its id (and the table of contents and the heading's permalink follow): one id per
  section, never twice (the English "## Broadcast" would slug to "broadcast" too), and
  the reader lands on the heading, with the right entry highlighted in the contents.
* No `<link rel="alternate" hreflang>` in the page head. mkdocs-static-i18n points them at
  the same page in the other language, and Material then fetches `sitemap.xml` *under
  every page* (/lessons/04/sitemap.xml, a 404 in the console of every page). The
  language switcher in the header keeps its own per-page links and works without them.
"""

from __future__ import annotations

import re
from typing import Any

HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
SECTION_ANCHOR = re.compile(
    r'<p><a id="(?P<anchor>[^"]+)"></a></p>\s*<h(?P<level>[1-6]) id="(?P<slug>[^"]+)"'
)


def _rename_in_toc(items: Any, old: str, new: str) -> None:
    for item in items:
        if item.id == old:
            item.id = new
        _rename_in_toc(item.children, old, new)


def on_page_content(html: str, page: Any, config: Any, files: Any) -> str:
    renamed: dict[str, str] = {}

    def merge(match: re.Match[str]) -> str:
        renamed[match["slug"]] = match["anchor"]
        return f'<h{match["level"]} id="{match["anchor"]}"'

    html = SECTION_ANCHOR.sub(merge, html)
    for slug, anchor in renamed.items():
        html = html.replace(f'href="#{slug}"', f'href="#{anchor}"')
        _rename_in_toc(page.toc, slug, anchor)
    return html


def on_post_page(output: str, page: Any, config: Any) -> str:
    head, sep, body = output.partition("</head>")
    return HEAD_ALTERNATE.sub("", head) + sep + body
