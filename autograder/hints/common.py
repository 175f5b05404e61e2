"""Hints of the grader itself and of every lesson: a program that does not start, dies,
stops reading or accepting, a client that never connects, a file Python cannot parse, and
the bugs that every chat shares (a reset, a character split between reads, not UTF-8).

Each hint names the likely bug in words a student can act on and the anchor of its
section in docs/common-bugs.md. The choosers are pure functions of the evidence (the exit
status, the stderr, what the student's Python said), written as tables where they read
stderr: tested in tests/test_hints.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from autograder.i18n import Text
from autograder.source import SyntaxProblem
from autograder.verdicts import Hint

# --- a server that does not start ------------------------------------------------------
EXITED_CLEANLY = Hint(
    Text(
        "Сервер сам завершился без ошибки: главный поток дошёл до конца программы (нет "
        "вечного цикла accept(), или все потоки — daemon), либо сервер ушёл в фон "
        "(fork). Сервер должен работать на переднем плане, пока его не остановят.",
        "The server ended by itself without an error: the main thread reached the end "
        "of the program (no endless accept() loop, or only daemon threads left), or it "
        "went to the background (fork). A server must keep running in the foreground "
        "until it is stopped.",
    ),
    "server-exits",
)

CRASHED_AT_START = Hint(
    Text(
        "Сервер упал при запуске: причина — в последней строке трассировки ниже.",
        "The server crashed while starting: the cause is on the last line of the traceback below.",
    ),
    "server-exits",
)

PORT_IN_USE = Hint(
    Text(
        "«Address already in use»: порт занят другим процессом (например, прошлым запуском "
        "вашего сервера) или сервер не ставит SO_REUSEADDR перед bind().",
        "'Address already in use': the port is taken by another process (say, an earlier "
        "run of your server) or the server does not set SO_REUSEADDR before bind().",
    ),
    "port",
)

BIND_ADDRESS = Hint(
    Text(
        "«Cannot assign requested address»: сервер привязывается (bind) к адресу, которого "
        "у этой машины нет (например, адрес вашей сети дома). Слушайте 127.0.0.1 (или '' — "
        "все адреса).",
        "'Cannot assign requested address': the server binds an address this machine does "
        "not have (say, your home network's address). Listen on 127.0.0.1 (or '' for every "
        "address).",
    ),
    "port",
)

NOT_LISTENING = Hint(
    Text(
        "Сервер должен вызвать bind() и listen() сразу при запуске: до этого "
        "к нему никто не может подключиться. Не ждёт ли он ввода или не "
        "крутится ли в цикле до listen()?",
        "The server must call bind() and listen() right at start: until then "
        "nobody can connect. Is it waiting for input or looping before listen()?",
    ),
    "listen",
)
SYNTAX_ERROR = Hint(
    Text(
        "Файл не разбирается Python: исправьте синтаксическую ошибку (строка указана).",
        "Python cannot parse the file: fix the syntax error (the line is shown).",
    ),
    "syntax-error",
)

RANDOM_PORT = Hint(
    Text(
        "Сервер слушает случайный порт: клиенты его не найдут. Слушайте 9090 (или порт "
        "из --port / CHAT_PORT), как в заготовке.",
        "The server listens on a random port that clients cannot find. Listen on 9090 "
        "(or --port / CHAT_PORT), as the starter code does.",
    ),
    "port",
)

# Clues in a program's stderr: regular expressions that must all be found.
Clues = tuple[str, ...]


def first_match(table: tuple[tuple[Clues, Hint], ...], stderr: str, default: Hint) -> Hint:
    """The hint of the first row of `table` all of whose clues are in `stderr`."""
    for clues, hint in table:
        if all(re.search(clue, stderr) for clue in clues):
            return hint
    return default


# Why a server ended before it listened (after an exit with status 0 and a syntax error,
# told apart first): the first row whose clues are in its stderr.
STARTUP_ERRORS: tuple[tuple[Clues, Hint], ...] = (
    ((r"Address already in use",), PORT_IN_USE),
    ((r"Cannot assign requested address",), BIND_ADDRESS),
)


def syntax_hint(problem: SyntaxProblem | None) -> Hint:
    """The syntax-error hint, saying so when a newer Python would accept the file."""
    if problem is None or problem.accepted_by is None:
        return SYNTAX_ERROR
    feature = problem.feature or Text("", "")
    ru = f" ({feature.ru})" if feature.ru else ""
    en = f" ({feature.en})" if feature.en else ""
    return Hint(
        Text(
            f"{problem.accepted_by} принимает эту строку{ru}, а автопроверка запускает "
            f"программы на Python {problem.python}: в этой версии такого синтаксиса ещё нет. "
            "Перепишите строку без него (или попросите преподавателя поставить Python новее).",
            f"{problem.accepted_by} accepts this line{en}, but the grader runs programs "
            f"with Python {problem.python}, which does not have that syntax yet. Rewrite the "
            "line without it (or ask the course staff for a newer Python).",
        ),
        "syntax-error",
    )


def startup_hint(
    status: int | None,
    stderr: str,
    syntax: SyntaxProblem | None = None,
    errors: tuple[tuple[Clues, Hint], ...] = STARTUP_ERRORS,
) -> Hint:
    """The likely bug behind a server that exited before it listened."""
    if status == 0:
        return EXITED_CLEANLY
    if "SyntaxError" in stderr or "IndentationError" in stderr:
        return syntax_hint(syntax)
    return first_match(errors, stderr, CRASHED_AT_START)


# --- a server that dies, stops reading or accepting ------------------------------------
SERVER_EXITED = Hint(
    Text(
        "Сервер не должен завершаться из-за одного клиента: исключение в потоке клиента "
        "(см. трассировку) или break/exit там, где клиент уходит.",
        "The server must not exit because of one client: an exception in a client thread "
        "(see the traceback) or a break/exit where a client leaves.",
    ),
    "server-exits",
)

NOBODY_READS = Hint(
    Text(
        "Соединение принято, но recv() для него не вызывается: нужен "
        "отдельный поток на каждого клиента, и имя читается в нём, а не "
        "в цикле accept().",
        "The connection was accepted but nobody calls recv() on it: each "
        "client needs its own thread, and the nickname is read there, not "
        "in the accept() loop.",
    ),
    "thread-per-client",
)

STOPPED_ACCEPTING = Hint(
    Text(
        "Сервер перестал принимать соединения: accept() больше не вызывается?",
        "The server stopped accepting connections: is accept() still called?",
    ),
    "accept-loop",
)

NO_ACCEPT = Hint(
    Text(
        "Соединение ждёт в очереди: сервер не вызывает accept().",
        "The connection waits in the queue: the server never calls accept().",
    ),
    "accept-loop",
)

CRASHED = Hint(
    Text(
        "Программа упала: причина — в последней строке трассировки ниже.",
        "The program crashed: the cause is on the last line of the traceback below.",
    ),
    "server-exits",
)


@dataclass(frozen=True)
class ServerHints:
    """The words for a server that exited, stopped reading or did not start, in its
    protocol's terms; each chooses from the server's stderr (and exit status)."""

    exited: Callable[[str], Hint]
    not_reading: Callable[[str], Hint]
    startup: Callable[[int | None, str, SyntaxProblem | None], Hint]


# A TCP server: the words of a thread per client (lesson 03's UDP_SERVER is the other).
TCP_SERVER = ServerHints(
    exited=lambda _stderr: SERVER_EXITED,
    not_reading=lambda _stderr: NOBODY_READS,
    startup=startup_hint,
)

# --- what every chat gets wrong ---------------------------------------------------------
RESET_CRASH = Hint(
    Text(
        "При обрыве соединения recv() бросает ConnectionResetError. Ловите OSError в "
        "потоке клиента и обрабатывайте как обычный выход.",
        "On an abrupt reset recv() raises ConnectionResetError. Catch OSError in the "
        "client's thread and treat it as an ordinary leave.",
    ),
    "connection-reset",
)
SPLIT_CHARACTER = Hint(
    Text(
        "Буква, разрезанная между двумя recv(), сломалась: если декодировать каждый кусок "
        "отдельно, chunk.decode() половины буквы бросает UnicodeDecodeError (поток падает) "
        'или даёт «�». Декодируйте целые строки (разрежьте байты по b"\\n", потом '
        "decode) или используйте codecs.getincrementaldecoder.",
        "A letter split between two recv() calls broke: decoding each chunk on its own, "
        "chunk.decode() of half a letter raises UnicodeDecodeError (the thread dies) or "
        "gives '�'. Decode whole lines (cut the bytes at b\"\\n\", then decode) or use "
        "codecs.getincrementaldecoder.",
    ),
    "split-utf8",
)
NOT_UTF8 = Hint(
    Text(
        "Текст нужно кодировать и декодировать как UTF-8 (encode()/decode() без "
        "аргументов или 'utf-8'), а не 'ascii' или 'latin-1'.",
        "Encode and decode text as UTF-8 (encode()/decode() with no argument or "
        "'utf-8'), not 'ascii' or 'latin-1'.",
    ),
    "split-utf8",
)
CLIENT_NOT_UTF8 = Hint(
    Text(
        "Строку на латинице клиент напечатал, а строку по-русски — нет: он декодирует "
        "входящие байты не как UTF-8 (decode('ascii') падает на кириллице, и голый except "
        "это прячет). Используйте decode() без аргумента или decode('utf-8', "
        "errors='replace').",
        "The client printed a Latin line but not a Cyrillic one: it decodes incoming bytes "
        "as something other than UTF-8 (decode('ascii') fails on Cyrillic, and a bare except "
        "hides it). Use decode() with no argument or decode('utf-8', errors='replace').",
    ),
    "client-utf8",
)

# --- a program that is not there -------------------------------------------------------
UNUSABLE_PROGRAM = Hint(
    Text(
        "Автопроверка запускает и читает только файлы самого решения: ссылку на файл вне "
        "папки, именованный канал или папку вместо программы она не открывает. Положите в "
        "папку сам файл программы.",
        "The grader runs and reads only the submission's own files: it does not open a "
        "link to a file outside the folder, a FIFO or a folder in place of the program. "
        "Put the program file itself in the folder.",
    ),
    "submission-files",
)

# --- a client that never connects -------------------------------------------------------
CLIENT_NO_CONNECT = Hint(
    Text(
        "Автопроверка ждала клиента на всех адресах этой машины и на всех портах, что "
        "записаны в client.py и server.py (и 9090, 9091), но клиент не подключился. "
        "Порт вычисляется или спрашивается через input()? Возьмите его из --port / "
        "CHAT_PORT, как в заготовке. Трассировка клиента — ниже.",
        "The grader waited for the client on every address of this machine and every "
        "port written in client.py and server.py (and 9090, 9091), but it did not connect. "
        "Is the port computed or asked with input()? Take it from --port / CHAT_PORT, as "
        "the starter code does. The client's traceback is below.",
    ),
    "client",
)

CLIENT_PORT_FALLBACK = Hint(
    Text(
        "Без сетевых пространств имён автопроверка может слушать только порт, переданный "
        "клиенту через --port и CHAT_PORT: клиент должен брать порт оттуда, как в "
        "заготовке. Трассировка клиента — ниже.",
        "Without network namespaces the grader can only listen on the port it hands the "
        "client with --port and CHAT_PORT: the client must take its port from there, as "
        "the starter code does. The client's traceback is below.",
    ),
    "client",
)

UDP_CLIENT_SILENT = Hint(
    Text(
        "Автопроверка ждала датаграммы на всех адресах этой машины и на всех портах, что "
        "записаны в client.py и server.py (и 9090, 9091), но клиент не прислал ни одной. "
        "Имя, набранное пользователем, нужно сразу отправить серверу: sock.sendto(name."
        "encode(), (HOST, PORT)). Порт вычисляется или спрашивается через input()? "
        "Возьмите его из --port / CHAT_PORT, как в заготовке. Трассировка клиента — ниже.",
        "The grader waited for datagrams on every address of this machine and every port "
        "written in client.py and server.py (and 9090, 9091), but the client sent none. "
        "Send the nickname the user typed right away: sock.sendto(name.encode(), (HOST, "
        "PORT)). Is the port computed or asked with input()? Take it from --port / "
        "CHAT_PORT, as the starter code does. The client's traceback is below.",
    ),
    "udp-client",
)

NO_CLIENT_FILE = Hint(
    Text("Положите client.py рядом с server.py.", "Put client.py next to server.py."),
    "client",
)


# --- a chat's words, per transport (TCP_CHAT in lesson04.py, UDP_CHAT in lesson03.py) ---
@dataclass(frozen=True)
class DeliveryHints:
    """What a missing message means: it did not arrive, it came without the sender's
    name, or it went back to its sender only."""

    missing: Hint
    no_name: Hint
    echo_only: Hint


@dataclass(frozen=True)
class ChatHints:
    """A transport's words for the chat's bugs."""

    delivery: DeliveryHints
    nothing_to_others: Hint  # a user got nothing at all during a whole check
    no_join_notice: Hint
    no_leave_notice: Hint
    not_utf8: Hint  # Cyrillic and emoji do not get through
    many_clients: Hint  # a crowd is not served
    many_clients_unread: Hint | None  # the crowd's first message not read (None: its state)
    client_no_name: Hint
    client_no_send: Hint
    client_no_receiver: Hint
    client_no_exit: Hint
