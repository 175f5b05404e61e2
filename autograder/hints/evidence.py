"""Hints named from the program's own evidence: a thread that died (its last exception and
the student's line), a receiving thread that ended without a word. Chosen by
autograder/evidence.py; each has its section in docs/common-bugs.md."""

from __future__ import annotations

from autograder.i18n import Text
from autograder.tracebacks import Crash
from autograder.verdicts import Hint


def _at(crash: Crash) -> Text:
    """ " в server.py, строка 37 (clients.pop(sock))" / " at server.py line 37 (...)"."""
    if crash.file is None:
        return Text("", "")
    line_ru = f", строка {crash.line}" if crash.line else ""
    code = f" ({crash.code})" if crash.code else ""
    return Text(f" в {crash.file}{line_ru}{code}", f" at {crash.where}{code}")


def thread_died(crash: Crash) -> Hint:
    """A thread of the program is not missing: it ran and died on `crash`. (A traceback
    that no thread's death announced, "Exception in thread ...", may have been printed by
    the program itself and its thread gone on: then only the exception is named.)"""
    at = _at(crash)
    if crash.thread is None:
        return Hint(
            Text(
                f"Программа получила исключение: {crash.summary}{at.ru}; трассировка — в "
                "stderr в этом отчёте. То, что должно было случиться после этой строки, не "
                "случилось: "
                "исправьте её или ловите исключение там, где его можно пережить.",
                f"Your program hit an exception: {crash.summary}{at.en}; its traceback is in "
                "the stderr of this report. What was to happen after that line did not: fix "
                "it, or catch the "
                "exception where the program can go on.",
            ),
            "thread-died",
        )
    if crash.file is not None and "client" in crash.file.casefold():
        who = Text("Поток-получатель клиента", "Your client's receiving thread")
    else:
        who = Text("Поток, который обслуживает клиента,", "The thread that serves a client")
    return Hint(
        Text(
            f"{who.ru} есть, но он упал: {crash.summary}{at.ru}; трассировка — в stderr в "
            "этом отчёте. "
            "Исправьте эту строку или ловите исключение внутри цикла потока, чтобы одна "
            "ошибка не обрывала его.",
            f"{who.en} exists but died: {crash.summary}{at.en}; its traceback is in the "
            "stderr of this report. "
            "Fix that line, or catch the exception inside the thread's loop so that one "
            "error does not end it.",
        ),
        "thread-died",
    )


def closed_socket_kept(crash: Crash) -> Hint:
    """A thread died writing to a connection that was closed (by the server: EBADF; by its
    user: a broken pipe) but stayed in the client list."""
    at = _at(crash)
    return Hint(
        Text(
            f"Поток упал: {crash.summary}{at.ru} — он писал в соединение, которое уже "
            "закрыто, но осталось в списке клиентов. Убирайте соединение из списка, когда "
            "клиент уходит или вы его закрываете "
            "(при b'' и при ошибке recv), и ловите OSError вокруг каждой отправки, "
            "чтобы один ушедший не убивал поток отправителя.",
            f"A thread died: {crash.summary}{at.en}: it wrote to a connection that was "
            "already closed but stayed in the client list. Remove a connection from the "
            "list when its user leaves or you close it (on b'' and on a recv error), and "
            "catch OSError around each send "
            "so that one user who left does not kill the sender's thread.",
        ),
        "leaver-kept",
    )


RECEIVER_ENDED = Hint(
    Text(
        "Поток-получатель у клиента есть, но он закончился: остался только главный поток, "
        "он ждёт input(), а трассировки нет. Цикл приёма выходит на том, чего не ждал "
        "(break, return или голый except, который прячет исключение) — здесь на обычной "
        "строке сервера. Читайте, пока recv() не вернёт b''; неожиданную строку печатайте "
        "как есть, а исключение печатайте, а не прячьте.",
        "Your client has a receiving thread, but it has ended: only the main thread is "
        "left, waiting in input(), and there is no traceback. The receiving loop stops on "
        "something it did not expect (a break, a return, or a bare except that hides the "
        "exception), here on an ordinary line from the server. Keep reading until recv() "
        "returns b''; print an unexpected line as it is, and print an exception instead "
        "of hiding it.",
    ),
    "thread-died",
)

ONE_READER = Hint(
    Text(
        "Все клиенты читаются одним потоком по очереди: он ждёт recv() от того, чья "
        "очередь, и пока тот молчит, сообщения (и уход) остальных никто не читает. Нужен "
        "отдельный поток на каждого клиента: в нём свой цикл recv(), и имя читается "
        "там же.",
        "One thread reads every client in turn: it waits in recv() for the one whose turn "
        "it is, and while that one is silent nobody reads the others' messages (or notices "
        "them leave). Give each client its own thread with its own recv() loop, and read "
        "the nickname there too.",
    ),
    "thread-per-client",
)
