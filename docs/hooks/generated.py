"""mkdocs hook: pages' generated parts, made at build time from the code they describe.

Written to build/docs-generated/ (git-ignored, outside docs/ so `mkdocs serve` does not
rebuild in a loop) and included by the pages with pymdownx.snippets:

* `report.*`: a real grader run on a known-buggy submission (docs/hooks/grader_report.py,
  run in its own process; redone only when the grader, the rubrics or the submission
  changed). If it cannot run, the page shows why and the build logs a warning, which
  `mkdocs build --strict` turns into a failure: never a silently empty report.
* `watch.*`, `overview.*`: the screens of watch mode and of the course overview from a
  real session in a pseudo-terminal (docs/hooks/watch_screens.py), made the same way.
* `reference-*.{ru,en}.md`: the reference page's tables: the CLI options (from argparse
  in autograder/cli.py), the exit codes (autograder.cli.EXIT_*), the output formats
  (autograder.formats.FORMATS), the options of `batch` and `load` and the checks of every lesson that has a rubric file
  (autograder/rubrics/*.toml; lessons appear here as their rubrics are added), and
  every common-bugs section a grader hint links to (autograder.docs_links.hint_anchors).
"""

from __future__ import annotations

import hashlib
import html
import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.generated")

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "build" / "docs-generated"
REPORT_SCRIPT = Path(__file__).with_name("grader_report.py")
WATCH_SCRIPT = Path(__file__).with_name("watch_screens.py")
REPORT_TIMEOUT = 300  # seconds; grading the submission takes about 5, the watch screens 20
LANGUAGES = ("ru", "en")

# --- words the code does not carry itself ---------------------------------------------

EXIT_CODES = {
    "EXIT_PASSED": (
        "набран проходной балл рубрики",
        "the score reaches the rubric's passing score",
    ),
    "EXIT_FAILED": ("проходной балл не набран", "the score is below the passing score"),
    "EXIT_ERROR": (
        "проверить не удалось: нет папки или файла сервера, неизвестный урок, ошибка в "
        "рубрике, внутренняя ошибка автопроверки, прерывание (Ctrl+C)",
        "could not grade: no such folder or no server file, unknown lesson, a broken "
        "rubric, an internal error of the grader, interrupted (Ctrl+C)",
    ),
}
FORMATS = {
    "text": (
        "отчёт для человека: баллы, по каждой неудаче — что делали, что ожидали, что "
        "получили, stderr, вероятная ошибка и ссылка",
        "the human report: points, and for each failure what was done, expected and "
        "received, stderr, the likely bug and a link",
    ),
    "json": (
        "отчёт для программ (CI, ведомости): стабильные ключи и id проверок",
        "the report for programs (CI, gradebooks): stable keys and check ids",
    ),
    "junit": (
        "JUnit XML: testcase на проверку, у неудачи — сообщение, протокол и подсказка, "
        "баллы — свойства (GitLab, Jenkins, отчёты о тестах на GitHub)",
        "JUnit XML: a testcase per check, a failure carries the message, transcript and "
        "hint, points are properties (GitLab, Jenkins, GitHub test reporters)",
    ),
    "gradescope": (
        "results.json по спецификации автопроверок Gradescope",
        "results.json as Gradescope's autograder specification defines it",
    ),
    "classroom": (
        "результат для репортера GitHub Classroom (version 1, status, max_score, tests)",
        "the result GitHub Classroom's grading reporter reads (version 1, status, "
        "max_score, tests)",
    ),
    "classroom-base64": (
        "то же в base64, как выход шага result",
        "the same in base64, as the step output result",
    ),
    "markdown": (
        "таблица баллов и раскрывающийся блок на каждую неудачу — для "
        "$GITHUB_STEP_SUMMARY и комментариев к пулл-реквестам",
        "a table of points and a collapsible block per failure, for $GITHUB_STEP_SUMMARY "
        "and pull-request comments",
    ),
}
# Russian for argparse's help strings; an option without one shows its English help.
OPTION_HELP_RU = {
    # python -m autograder PATH
    "grade": {
        "path": "папка с server.py (и client.py)",
        "lesson": "номер урока (по умолчанию — из имени папки, например lessons/04)",
        "rubric": "файл рубрики TOML вместо рубрики урока",
        "formats": "формат отчёта (text, json, junit, gradescope, classroom, "
        "classroom-base64, markdown), в ФАЙЛ, если указан; можно несколько раз (по "
        "умолчанию text; в stdout — не больше одного отчёта)",
        "output": "записать в этот файл отчёт, указанный без =ФАЙЛ",
        "no_step_summary": "не дописывать Markdown-отчёт в $GITHUB_STEP_SUMMARY",
        "student_uid": "под root: запускать программы студента с этим uid (по умолчанию "
        "у каждой проверки свой, из диапазона, которым не пользуется ни одна учётная запись)",
        "lang": "язык отчёта (по умолчанию — по локали)",
        "only": "запустить только эту проверку (можно несколько раз)",
        "list": "напечатать рубрику и выйти (-v: что делает каждая проверка)",
        "verbose": "полные протоколы",
        "isolation": "netns: своё сетевое пространство имён на проверку; ports: свободные "
        "порты (по умолчанию netns, где возможно)",
        "jobs": "сколько проверок идут одновременно (по умолчанию 4)",
        "within": "не проверять, если папка (со всеми ссылками) лежит не внутри ПАПКИ (CI: "
        "папка урока из пулл-реквеста, которая оказалась ссылкой за пределы рабочей копии)",
        "watch": "проверять заново при каждом сохранении файла .py в папке (только в "
        "терминале; Ctrl-C — выход)",
        "no_record": "не сохранять эту проверку для обзора курса (под CI и с "
        "AUTOGRADER_NO_RECORD=1 не сохраняется никогда)",
        "help": "показать справку и выйти",
    },
    # python -m autograder batch DIR...
    "batch": {
        "dirs": "папка решения или папка с папками решений",
        "lesson": "номер урока (по умолчанию — из имени каждой папки)",
        "jobs": "сколько решений проверяются одновременно (по умолчанию 4 на процессор: "
        "проверки в основном ждут)",
        "output": "ведомость CSV (по умолчанию gradebook.csv); отчёты — в <имя>-reports/",
        "isolation": "как при проверке одного решения",
        "timeout": "сколько секунд может идти одна проверка, прежде чем её остановят "
        "(по умолчанию 300)",
        "check_jobs": "сколько проверок одновременно внутри одной проверки решения",
        "lang": "язык отчётов",
        "regrade": "проверить заново все решения, готовые тоже",
        "retry_errors": "проверить заново решения, чья запись — ошибка или превышение времени",
        "uid_base": "под root: одновременные проверки запускают студентов с uid начиная "
        "с этого (по умолчанию 2000000000)",
        "similarity": "затем ранжировать пары решений по общему коду (как `python -m "
        "autograder similar`): <ведомость>-similarity.html и ещё два столбца",
        "starter": "заготовка, которую получил каждый студент (по умолчанию lessons/NN курса)",
        "archive": "прошлые решения или публичный код: сравнивать с ними, но не друг с "
        "другом (можно несколько раз)",
        "help": "показать справку и выйти",
    },
    # python -m autograder similar DIR...
    "similar": {
        "dirs": "папка решения или папка с папками решений",
        "lesson": "номер урока (по умолчанию — из имени каждой папки)",
        "starter": "заготовка, которую получил каждый студент (по умолчанию lessons/NN курса)",
        "archive": "прошлые решения или публичный код: сравнивать с ними, но не друг с "
        "другом (можно несколько раз)",
        "output": "HTML-отчёт (по умолчанию similarity.html)",
        "top": "сколько пар показать (по умолчанию 20)",
        "lang": "язык отчёта",
        "help": "показать справку и выйти",
    },
    # python -m autograder load PATH
    "load": {
        "path": "папка с server.py или файл сервера .py",
        "clients": "сколько клиентов читают (по умолчанию 50)",
        "rate": "строк в секунду (по умолчанию 100)",
        "duration": "сколько секунд отправлять (по умолчанию 5)",
        "size": "байт в строке (по умолчанию 100)",
        "senders": "сколько клиентов отправляют (по умолчанию 1)",
        "slow": "затем ещё раз — с одним клиентом, который не читает, и большими строками "
        "(--slow-size)",
        "slow_size": "байт в строке во втором прогоне (20000)",
        "plot": "сохранить график задержек (.png или .svg; нужен extra plot)",
        "format": "формат отчёта",
        "output": "записать отчёт в этот файл",
        "isolation": "как при проверке",
        "help": "показать справку и выйти",
    },
}
HEAD = {
    "options": (
        "| параметр | значение | по умолчанию | что делает |",
        "| option | value | default | what it does |",
    ),
    "exit": ("| код | имя в коде | когда |", "| code | name in the code | when |"),
    "formats": ("| `--format` | что это |", "| `--format` | what it is |"),
    "checks": (
        "| id | группа | баллы | что проверяет |",
        "| id | group | points | what it checks |",
    ),
}


def _cell(text: object) -> str:
    return html.escape(str(text)).replace("|", "\\|").replace("\n", " ")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[0] if lang == "ru" else pair[1]


# --- the reference tables -------------------------------------------------------------


def _parsers() -> dict[str, Any]:
    from autograder import batch, cli, load, similarity

    return {
        "grade": cli.build_parser,
        "batch": batch.build_parser,
        "load": load.build_parser,
        "similar": similarity.build_parser,
    }


def options_table(lang: str, command: str = "grade") -> str:
    """The options of one command; every option must have its Russian help here."""
    rows = [_pick(HEAD["options"], lang), "|---|---|---|---|"]
    russian = OPTION_HELP_RU[command]
    for action in _parsers()[command]()._actions:
        names = ", ".join(f"`{s}`" for s in action.option_strings) or f"`{action.dest.upper()}`"
        if action.choices:
            value = " \\| ".join(f"`{c}`" for c in action.choices)
        elif action.nargs == 0:
            value = "—"
        else:
            value = f"`{action.metavar or action.dest.upper()}`"
        default = action.default
        shown_default = "—" if default in (None, False, "==SUPPRESS==") else f"`{default}`"
        text = action.help or ""
        if lang == "ru":
            if action.dest not in russian:
                log.warning(
                    "%s option %s has no Russian help in %s", command, action.dest, __file__
                )
            text = russian.get(action.dest, text)
        rows.append(f"| {names} | {value} | {shown_default} | {_cell(text)} |")
    return "\n".join(rows) + "\n"


def exit_codes_table(lang: str) -> str:
    from autograder import cli

    rows = [_pick(HEAD["exit"], lang), "|---|---|---|"]
    constants = sorted(
        (value, name) for name, value in vars(cli).items() if name.startswith("EXIT_")
    )
    for value, name in constants:
        if name not in EXIT_CODES:
            log.warning("exit code %s = %s is not described in %s", name, value, __file__)
        words = _pick(EXIT_CODES.get(name, (name, name)), lang)
        rows.append(f"| `{value}` | `{name}` | {_cell(words)} |")
    return "\n".join(rows) + "\n"


def formats_table(lang: str) -> str:
    from autograder.formats import FORMATS as NAMES

    rows = [_pick(HEAD["formats"], lang), "|---|---|"]
    for name in NAMES:
        if name not in FORMATS:
            log.warning("format %s is not described in %s", name, __file__)
        words = _pick(FORMATS.get(name, (name, name)), lang)
        rows.append(f"| `{name}` | {_cell(words)} |")
    return "\n".join(rows) + "\n"


def checks_tables(lang: str) -> str:
    from autograder.lessons import available_lessons, check_set, rubric_for_lesson

    parts = []
    for lesson in available_lessons():
        rubric = rubric_for_lesson(lesson)
        passing = "проходной балл" if lang == "ru" else "passing score"
        lesson_word = "Урок" if lang == "ru" else "Lesson"
        parts.append(
            f"### {lesson_word} {lesson}: {rubric.title(lang)} {{#checks-{lesson}}}\n\n"
            f"`autograder/rubrics/{lesson}.toml` · {passing} {rubric.passing_score}\n"
        )
        for implementation, items in (("tcp", rubric.items), ("udp", rubric.udp_items)):
            if not items:
                continue
            if implementation == "udp":
                cap = rubric.udp_cap_percent
                parts.append(
                    f"**UDP** (не больше {cap}% итога):\n"
                    if lang == "ru"
                    else f"**UDP** (capped at {cap}% of the total):\n"
                )
            checks = check_set(lesson, implementation)
            rows = [_pick(HEAD["checks"], lang), "|---|---|---|---|"]
            for item in items:
                text = item.title(lang)
                spec = checks.checks.get(item.id) if checks else None
                if lang == "en" and spec and spec.description:
                    text = f"{text}. {spec.description.splitlines()[0]}"
                rows.append(f"| `{item.id}` | {item.group} | {item.points} | {_cell(text)} |")
            parts.append("\n".join(rows) + "\n")
    return "\n".join(parts)


def _module_of(place: str) -> str:
    """ "autograder.hints.common:12" or "autograder.hints.common.NO_ACCEPT" -> "autograder.hints.common"."""
    return place.split(":")[0] if ":" in place else place.rsplit(".", 1)[0]


def hints_table(lang: str) -> str:
    """Every anchor a hint links to, with the modules that use it."""
    from autograder.docs_links import hint_anchors

    head = "| раздел | где в коде |" if lang == "ru" else "| section | where in the code |"
    rows = [head, "|---|---|"]
    for anchor, places in sorted(hint_anchors().items()):
        modules = sorted({_module_of(place) for place in places})
        rows.append(
            f"| [{anchor}](common-bugs.md#{anchor}) | {', '.join(f'`{m}`' for m in modules)} |"
        )
    return "\n".join(rows) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    """Rewrite only on change: `mkdocs serve` must not see a new file on every build."""
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


def generate_reference() -> None:
    sys.path.insert(0, str(ROOT))
    OUT.mkdir(parents=True, exist_ok=True)
    for lang in LANGUAGES:
        for name, make in (
            ("options", options_table),
            ("options-batch", lambda lang: options_table(lang, "batch")),
            ("options-load", lambda lang: options_table(lang, "load")),
            ("options-similar", lambda lang: options_table(lang, "similar")),
            ("exit-codes", exit_codes_table),
            ("formats", formats_table),
            ("checks", checks_tables),
            ("hints", hints_table),
        ):
            write_if_changed(OUT / f"reference-{name}.{lang}.md", make(lang))


# --- the real report ------------------------------------------------------------------


def inputs_key(script: Path, folders: tuple[str, ...]) -> str:
    """A digest of everything a generated part depends on: the grader, its script, the
    site's configuration and the submissions it grades."""
    digest = hashlib.sha256()
    sources = [script, ROOT / "mkdocs.yml"]
    for folder in (ROOT / "autograder", *(ROOT / f for f in folders)):
        sources += sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".toml"))
    for path in sources:
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def run_generator(name: str, script: Path, folders: tuple[str, ...], outputs: list[Path]) -> None:
    """Run `script` OUT unless its inputs are unchanged since its outputs were made."""
    key_file = OUT / f"{script.stem}.key"
    key = inputs_key(script, folders)
    if key_file.exists() and key_file.read_text() == key and all(p.exists() for p in outputs):
        return
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRADER_DOCS_URL"}
    error = ""
    try:
        proc = subprocess.run(
            [sys.executable, str(script), str(OUT)],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=REPORT_TIMEOUT,
            check=False,
        )
        if proc.returncode != 0:
            error = f"exit {proc.returncode}: {proc.stderr.strip()[-2000:]}"
    except (OSError, subprocess.TimeoutExpired) as exc:
        error = str(exc)
    if error:
        log.warning("could not generate the %s for the docs: %s", name, error)
        for path in outputs:
            path.write_text(
                '<div class="admonition failure"><p class="admonition-title">'
                f"The {html.escape(name)} could not be generated at build time</p>"
                f"<pre>{html.escape(error)}</pre></div>\n",
                encoding="utf-8",
            )
        key_file.unlink(missing_ok=True)
        return
    key_file.write_text(key)


def generate_report() -> None:
    run_generator(
        "grader report",
        REPORT_SCRIPT,
        ("tests/submissions/04-recv-is-message",),
        [OUT / f"report.{lang}.html" for lang in LANGUAGES],
    )


def generate_watch_screens() -> None:
    """Watch mode and the course overview, from a real session (watch_screens.py)."""
    run_generator(
        "watch mode screens",
        WATCH_SCRIPT,
        (
            "solutions/01",
            "solutions/02",
            "tests/submissions/03-echo-only",
            "tests/submissions/04-syntax-error",
            "tests/submissions/04-recv-is-message",
        ),
        [OUT / f"{name}.{lang}.html" for name in ("watch", "overview") for lang in LANGUAGES],
    )


def on_pre_build(config: Any) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    generate_reference()
    generate_report()
    generate_watch_screens()
