"""The ranking as one self-contained HTML page: side-by-side code, shared regions highlighted."""

from __future__ import annotations

import datetime
import html
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from autograder.i18n import Text
from autograder.similarity.fingerprints import (
    NOISE,
    Entry,
    FileFingerprint,
    _copydetect,
    matched_mask,
)
from autograder.similarity.ranking import TOP_DEFAULT, Comparison, Pair, percent

# --- the report ---------------------------------------------------------------------------------
WORDS: dict[str, Text] = {
    "title": Text("Похожие решения", "Similar submissions"),
    "lesson": Text("Урок {lesson}", "Lesson {lesson}"),
    "summary": Text(
        "{n} решений, {a} в архиве; заготовка {starter} не учитывается. Создано {when}.",
        "{n} submissions, {a} in the archive; the starter code {starter} is left out. Made {when}.",
    ),
    "no_starter": Text("без заготовки", "none"),
    "how": Text(
        "Балл пары — доля собственного кода одного решения (без заготовки), найденная в "
        "другом; из двух долей берётся большая, для архива — доля решения студента. "
        "Имена переменных, комментарии, пробелы и тексты строк не влияют. Совпадение — "
        "повод посмотреть код, а не доказательство списывания.",
        "A pair's score is the share of one submission's own code (the starter left out) "
        "that is found in the other; the larger of the two shares, and for the archive the "
        "student's share. Names, comments, whitespace and string contents do not matter. "
        "A match is a reason to read the code, not proof of copying.",
    ),
    "rank": Text("№", "#"),
    "score": Text("Балл", "Score"),
    "pair": Text("Пара", "Pair"),
    "share_of": Text("Доля {name}", "Share of {name}"),
    "shares": Text("Доли", "Shares"),
    "lines": Text("Строк совпало", "Lines matched"),
    "archive": Text("архив", "archive"),
    "no_pairs": Text("Общего кода не найдено.", "No shared code found."),
    "more_pairs": Text(
        "Ещё {n} пар с общим кодом не показаны (--top).",
        "{n} more pairs with shared code are not shown (--top).",
    ),
    "file_no_match": Text("нет совпадений", "no match"),
    "legend": Text(
        "Выделено — найдено в другом решении (щелчок — показать там); серым — заготовка.",
        "Highlighted: found in the other submission (click to show it there); grey: starter code.",
    ),
    "skipped": Text("Не прочитано", "Not read"),
    "no_code": Text("нет файлов .py", "no .py files"),
    "method": Text(
        "Отпечатки: copydetect {version} (k = {k} нормализованных символов, все k-граммы); "
        "время сравнения {seconds:.1f} с.",
        "Fingerprints: copydetect {version} (k = {k} normalised characters, every k-gram); "
        "compared in {seconds:.1f} s.",
    ),
}


def w(key: str, lang: str, **values: object) -> str:
    text = WORDS[key](lang)
    return text.format(**values) if values else text


def e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _shown_path(path: Path) -> str:
    """A path as the instructor would type it: relative to the current folder if inside."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _runs(mask: Any) -> list[tuple[int, int]]:
    """[start, end) of every run of True in a bool mask."""
    import numpy as np

    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def _to_source(file: FileFingerprint, runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Normalised [start, end) runs as [start, end) in the source text (copydetect's way of
    undoing its filter, as in its compare_files)."""
    import numpy as np

    if not runs:
        return []
    slices = np.array(runs, dtype=np.int64).T.copy()
    offsets = file.offsets
    if len(offsets) > 0:
        where = np.clip(np.searchsorted(offsets[:, 0], slices), 0, offsets.shape[0] - 1)
        slices += offsets[:, 1][where]
    limit = len(file.source.text)
    return [
        (min(int(s), limit), min(int(t), limit)) for s, t in zip(slices[0], slices[1], strict=True)
    ]


@dataclass
class Side:
    """One submission of a shown pair: its files, the regions found in the other."""

    entry: Entry
    regions: dict[str, list[tuple[int, int, int]]]  # file -> (start, end, region number)
    starter: dict[str, list[tuple[int, int]]]  # file -> source ranges of starter code
    lines: int = 0


def _sides(pair: Pair) -> tuple[Side, Side]:
    """The shared regions of both submissions, numbered so that region n of one side is
    (one of) the places of region n's code in the other."""
    left, right = Side(pair.a, {}, {}), Side(pair.b, {}, {})
    where_right: dict[int, tuple[str, int]] = {}  # hash -> (file, normalised start) in b
    for file in pair.b.files:
        for h in file.own_hashes & pair.a.hashes:
            where_right.setdefault(h, (file.source.path, file.positions[h][0]))
    right_runs: dict[str, list[tuple[int, int]]] = {}
    for file in pair.b.files:
        right_runs[file.source.path] = _runs(matched_mask(file, pair.a.hashes))
    right_number: dict[tuple[str, int], int] = {}
    number = 0
    for file in pair.a.files:
        runs = _runs(matched_mask(file, pair.b.hashes))
        starts = {i: h for h in file.own_hashes & pair.b.hashes for i in file.positions[h]}
        numbered = []
        for start, end in runs:
            number += 1
            numbered.append(number)
            # the first k-gram of this run that b has, and the run of b that holds it
            first = min((i for i in starts if start <= i < end), default=None)
            if first is not None and starts[first] in where_right:
                path, at = where_right[starts[first]]
                for j, (s, t) in enumerate(right_runs[path]):
                    if s <= at < t:
                        right_number.setdefault((path, j), number)
        spans = _to_source(file, runs)
        left.regions[file.source.path] = [
            (s, t, n) for (s, t), n in zip(spans, numbered, strict=True)
        ]
    for file in pair.b.files:
        runs = right_runs[file.source.path]
        spans = _to_source(file, runs)
        right.regions[file.source.path] = [
            (s, t, right_number.get((file.source.path, j), 0)) for j, (s, t) in enumerate(spans)
        ]
    for side in (left, right):
        for file in side.entry.files:
            side.starter[file.source.path] = _to_source(file, _runs(file.starter))
            side.lines += _count_lines(file.source.text, side.regions[file.source.path])
    return left, right


def _count_lines(text: str, regions: list[tuple[int, int, int]]) -> int:
    lines: set[int] = set()
    for start, end, _ in regions:
        first = text.count("\n", 0, start)
        lines.update(range(first, first + text.count("\n", start, end) + 1))
    return len(lines)


def _render_code(
    text: str, regions: list[tuple[int, int, int]], starter: list[tuple[int, int]], side: str
) -> str:
    """Numbered lines of `text`, shared regions as <mark data-r=n>, starter code greyed.
    Every character of the student's text is escaped."""
    kind = [0] * (len(text) + 1)  # 0 plain, 1 starter, 2 shared
    region = [0] * (len(text) + 1)
    for start, end in starter:
        for i in range(start, end):
            kind[i] = 1
    for start, end, number in regions:
        for i in range(start, end):
            kind[i], region[i] = 2, number
    rows = []
    position = 0
    for number, line in enumerate(text.split("\n"), start=1):
        parts = []
        i = 0
        while i < len(line):
            j = i
            here = (kind[position + i], region[position + i])
            while j < len(line) and (kind[position + j], region[position + j]) == here:
                j += 1
            chunk = e(line[i:j])
            if here[0] == 2:
                parts.append(f'<mark data-side="{side}" data-r="{here[1]}">{chunk}</mark>')
            elif here[0] == 1:
                parts.append(f'<span class="starter">{chunk}</span>')
            else:
                parts.append(chunk)
            i = j
        rows.append(f'<span class="ln">{number}</span>{"".join(parts)}')
        position += len(line) + 1
    return "\n".join(rows)


def _render_side(side: Side, pane: str, lang: str) -> str:
    out = [f'<div class="pane" data-pane="{pane}">']
    out.append(f"<h4>{e(side.entry.name)}")
    if side.entry.archive:
        out.append(f' <span class="tag">{e(w("archive", lang))}</span>')
    out.append("</h4>")
    for file in side.entry.files:
        regions = side.regions.get(file.source.path, [])
        note = "" if regions else f' <span class="muted">({e(w("file_no_match", lang))})</span>'
        opened = " open" if regions else ""
        code = _render_code(file.source.text, regions, side.starter[file.source.path], pane)
        out.append(
            f"<details{opened}><summary>{e(file.source.path)}{note}</summary>"
            f"<pre>{code}</pre></details>"
        )
    if not side.entry.files:
        out.append(f'<p class="muted">{e(w("no_code", lang))}</p>')
    out.append("</div>")
    return "".join(out)


STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1500px;padding:0 1.5em 3em;color:#1b1b1f}
h1{font-size:1.6em;margin:.8em 0 .2em} h2{margin-top:1.6em} h3{margin:1.8em 0 .3em}
h4{margin:.2em 0 .4em;font-size:1em}
.muted{color:#666} .tag{font-size:.8em;background:#eef;border:1px solid #99c;border-radius:3px;padding:0 .3em}
table{border-collapse:collapse;margin:.6em 0} td,th{border-bottom:1px solid #ddd;padding:.25em .7em;text-align:left}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.bar{display:inline-block;height:.7em;background:#c62828;vertical-align:middle;margin-right:.4em}
.pair{border-top:2px solid #ccc;margin-top:1.5em}
.panes{display:grid;grid-template-columns:1fr 1fr;gap:1em}
.pane{min-width:0} details{margin:.3em 0} summary{cursor:pointer;font-family:monospace}
pre{position:relative;background:#fafafa;border:1px solid #ddd;padding:.5em;overflow:auto;max-height:75vh;font-size:12.5px;line-height:1.4;margin:.3em 0}
.ln{display:inline-block;width:3.2em;color:#999;user-select:none;text-align:right;padding-right:.8em}
mark{background:#ffcdd2;color:inherit;cursor:pointer} mark.flash{outline:2px solid #c62828}
.starter{color:#9e9e9e}
"""

SCRIPT = """
// Each code pane opens at its first shared region, not at the starter's header.
document.querySelectorAll("pre").forEach(function (pre) {
  var first = pre.querySelector("mark");
  if (first) pre.scrollTop = Math.max(0, first.offsetTop - 48);
});
document.addEventListener("click", function (event) {
  var mark = event.target.closest("mark[data-r]");
  if (!mark || mark.dataset.r === "0") return;
  var pair = mark.closest(".pair");
  var other = mark.dataset.side === "a" ? "b" : "a";
  var target = pair.querySelector('mark[data-side="' + other + '"][data-r="' + mark.dataset.r + '"]');
  if (!target) return;
  target.closest("details").open = true;
  target.scrollIntoView({block: "center"});
  target.classList.add("flash");
  setTimeout(function () { target.classList.remove("flash"); }, 1200);
});
"""


def render_html(comparisons: list[Comparison], lang: str, top: int = TOP_DEFAULT) -> str:
    copydetect = _copydetect()
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    body = [f"<h1>{e(w('title', lang))}</h1>", f'<p class="muted">{e(w("how", lang))}</p>']
    for comparison in comparisons:
        body.append(f"<h2>{e(w('lesson', lang, lesson=comparison.lesson))}</h2>")
        starter = _shown_path(comparison.starter) if comparison.starter else w("no_starter", lang)
        body.append(
            "<p>"
            + e(
                w(
                    "summary",
                    lang,
                    n=len(comparison.submissions),
                    a=len(comparison.archive),
                    starter=starter,
                    when=when,
                )
            )
            + "</p>"
        )
        shown = [pair for pair in comparison.pairs if pair.score > 0][:top]
        if not shown:
            body.append(f"<p>{e(w('no_pairs', lang))}</p>")
        else:
            body.append(
                f'<table class="ranking"><thead><tr><th class="num">{e(w("rank", lang))}</th>'
                f'<th class="num">{e(w("score", lang))}</th><th>{e(w("pair", lang))}</th>'
                f'<th class="num">{e(w("shares", lang))}</th></tr></thead><tbody>'
            )
            for n, pair in enumerate(shown, start=1):
                archive = (
                    f' <span class="tag">{e(w("archive", lang))}</span>' if pair.b.archive else ""
                )
                body.append(
                    f'<tr><td class="num">{n}</td><td class="num">'
                    f'<span class="bar" style="width:{round(60 * pair.score)}px"></span>'
                    f"{percent(pair.score)}</td>"
                    f'<td><a href="#pair-{e(comparison.lesson)}-{n}">{e(pair.a.name)} ↔ '
                    f"{e(pair.b.name)}</a>{archive}</td>"
                    f'<td class="num">{percent(pair.share_a)} / {percent(pair.share_b)}</td></tr>'
                )
            body.append("</tbody></table>")
            rest = len([p for p in comparison.pairs if p.score > 0]) - len(shown)
            if rest > 0:
                body.append(f'<p class="muted">{e(w("more_pairs", lang, n=rest))}</p>')
            body.append(f'<p class="muted">{e(w("legend", lang))}</p>')
            for n, pair in enumerate(shown, start=1):
                left, right = _sides(pair)
                body.append(
                    f'<section class="pair" id="pair-{e(comparison.lesson)}-{n}">'
                    f"<h3>{n}. {e(pair.a.name)} ↔ {e(pair.b.name)}: {percent(pair.score)}</h3>"
                    f'<p class="muted">{e(w("share_of", lang, name=pair.a.name))}: '
                    f"{percent(pair.share_a)}, {e(w('share_of', lang, name=pair.b.name))}: "
                    f"{percent(pair.share_b)}; {e(w('lines', lang))}: {left.lines} / "
                    f"{right.lines}</p>"
                    f'<div class="panes">{_render_side(left, "a", lang)}'
                    f"{_render_side(right, 'b', lang)}</div></section>"
                )
        skipped = [
            (entry.name, note)
            for entry in (*comparison.submissions, *comparison.archive)
            for note in (entry.skipped or ([w("no_code", lang)] if not entry.files else []))
        ]
        if skipped:
            body.append(f"<h3>{e(w('skipped', lang))}</h3><ul>")
            body.extend(f"<li>{e(name)}: {e(note)}</li>" for name, note in skipped)
            body.append("</ul>")
        body.append(
            '<p class="muted">'
            + e(
                w(
                    "method",
                    lang,
                    version=copydetect.__version__,
                    k=NOISE,
                    seconds=comparison.seconds,
                )
            )
            + "</p>"
        )
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{e(w('title', lang))}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}<script>{SCRIPT}</script></body></html>\n"
    )
