"""Two languages for everything a student reads: Russian first, English too.

Messages that belong to a check are written next to it as `Text(ru=..., en=...)`; the
report's own words live in `MESSAGES` below.
"""

from __future__ import annotations

import locale
import os
from typing import NamedTuple


class Text(NamedTuple):
    ru: str
    en: str

    def __call__(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en

    def format(self, **values: object) -> Text:  # type: ignore[override]
        return Text(self.ru.format(**values), self.en.format(**values))


LANGUAGES = ("ru", "en")


def default_language() -> str:
    """Russian when the user's locale says so, English otherwise."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG", "LANGUAGE"):
        value = os.environ.get(var, "")
        if value:
            return "ru" if value.lower().startswith("ru") else "en"
    try:
        loc = locale.getlocale()[0] or ""
    except ValueError:
        loc = ""
    return "ru" if loc.lower().startswith("ru") else "en"


MESSAGES: dict[str, Text] = {
    "grading": Text("Проверка", "Grading"),
    "lesson": Text("урок", "lesson"),
    "isolation": Text("изоляция", "isolation"),
    "isolation.netns": Text("сетевое пространство имён", "network namespace"),
    "isolation.ports": Text("свободный порт (без пространств имён)", "free port (no namespaces)"),
    "walls_down": Text("Без изоляции", "Not isolated"),
    "implementation.udp": Text(
        "Найдена реализация на UDP: проверки UDP, не больше {cap}% баллов (правило задания).",
        "UDP implementation detected: graded with the UDP checks, capped at {cap}% (the assignment's rule).",
    ),
    "total": Text("Итого", "Total"),
    "passed_verdict": Text("зачтено", "passed"),
    "failed_verdict": Text("не зачтено", "not passed"),
    "passing_score": Text("проходной балл", "passing score"),
    "capped": Text("ограничено {cap}% за UDP", "capped at {cap}% for UDP"),
    "did": Text("Что делали", "What we did"),
    "expected": Text("Ожидали", "Expected"),
    "received": Text("Получили", "Received"),
    "stderr": Text("Вывод сервера в stderr (последние строки)", "Server stderr (last lines)"),
    "client_stdout": Text("Вывод клиента (последние строки)", "Client output (last lines)"),
    "client_stderr": Text("stderr клиента (последние строки)", "Client stderr (last lines)"),
    "hint": Text("Вероятная ошибка", "Likely bug"),
    "also_failed": Text("Также не прошло", "Also failed"),
    "more": Text("Подробнее", "Read more"),
    "skipped_because": Text(
        "пропущена: не прошла проверка «{parent}»", "skipped: check '{parent}' failed"
    ),
    "dropped": Text("(пропущено {n} байт вывода)", "({n} bytes of output dropped)"),
    "nothing": Text("ничего", "nothing"),
    "same_failure": Text("Так же не прошли", "Failed the same way"),
    "running": Text("Выполняется", "Running"),
    "error_status": Text("ошибка автопроверки", "grader error"),
    "duration": Text("Время", "Time"),
}


def tr(key: str, lang: str, **values: object) -> str:
    text = MESSAGES[key]
    return text(lang).format(**values) if values else text(lang)


# The grader's own roles, as a message names them ("к серверу", "the server"); users' names
# ("bob") stay as they are.
ROLES = {
    "server": (Text("серверу", "the server"), Text("сервер", "the server")),
    "client": (Text("клиенту", "the client"), Text("клиент", "the client")),
}


def to_whom(name: str) -> Text:
    """`name` as the one something comes to: "к серверу" / "what the server ..."."""
    return ROLES[name][0] if name in ROLES else Text(name, name)
