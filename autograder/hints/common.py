"""Hints of the grader itself and of every lesson: a program that does not start, dies,
stops reading or accepting, a client that never connects, a file Python cannot parse, and
the bugs that every chat shares (a reset, a character split between reads, not UTF-8).

Each hint names the likely bug in words a student can act on and the anchor of its
section in docs/common-bugs.md. The choosers are pure functions of the evidence (the exit
status, the stderr, what the student's Python said), written as tables where they read
stderr: tested in tests/test_hints.py.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass

from autograder.i18n import Text
from autograder.source import SyntaxProblem
from autograder.tracebacks import Crash, last_crash
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


# --- why a program ended (or waits) before it did anything: server and client alike -----
def _where(crash: Crash) -> Text:
    if crash.file is None or crash.line is None:
        return Text("", "")
    code = f' "{crash.code}"' if crash.code else ""
    return Text(
        f" в {crash.file}, строка {crash.line}{code}",
        f" at {crash.file}, line {crash.line}{code}",
    )


# Standard-library stand-ins for the third-party modules students reach for.
STDLIB_INSTEAD = {
    "loguru": "logging",
    "colorama": "print() без цветов / print() without colours",
    "termcolor": "print() без цветов / print() without colours",
    "rich": "print()",
    "dotenv": "os.environ",
    "requests": "urllib.request",
}


def third_party_module_hint(module: str, python: str, role: str) -> Hint:
    """A program that imports a module its interpreter does not have."""
    instead = STDLIB_INSTEAD.get(module, "")
    ru_instead, en_instead = (instead.split(" / ") + [instead])[:2] if instead else ("", "")
    ran = python or "Python"
    return Hint(
        Text(
            f"Модуля {module} нет в стандартной библиотеке Python, и его нет в папке "
            f"решения: автопроверка запускает {ran} без сторонних пакетов, а курс "
            "использует только стандартную библиотеку. Уберите import "
            f"{module}" + (f" (вместо него — {ru_instead})" if ru_instead else "") + ".",
            f"The module {module} is not part of Python's standard library and not in "
            f"your folder: the grader runs {ran} without third-party packages, and the "
            f"course uses the standard library only. Remove import {module}"
            + (f" (use {en_instead} instead)" if en_instead else "")
            + ".",
        ),
        "third-party-module",
    )


def needs_arguments_hint(role: str, crash: Crash | None) -> Hint:
    """A program that wants command-line arguments the grader does not give."""
    who = Text("Сервер", "The server") if role == "server" else Text("Клиент", "The client")
    if crash is not None:
        seen = Text(
            f"упал с {crash.exception} на sys.argv{_where(crash).ru}",
            f"crashed with {crash.exception} on sys.argv{_where(crash).en}",
        )
    else:
        seen = Text(
            "напечатал, как его запускать (Usage: …), и завершился",
            "printed how to run it (Usage: …) and exited",
        )
    run = f"python {role}.py"
    return Hint(
        Text(
            f"{who.ru} {seen.ru}: он требует аргументы командной строки, а автопроверка "
            f"запускает его без них ({run}). Если аргументов нет, берите значения по "
            "умолчанию: 127.0.0.1 и порт 9090.",
            f"{who.en} {seen.en}: it needs command-line arguments, and the grader runs it "
            f"with none ({run}). When there are none, use defaults: 127.0.0.1 and port "
            "9090.",
        ),
        "needs-arguments",
    )


def port_below_1024_hint(crash: Crash) -> Hint:
    """bind() of a port below 1024 by an ordinary user: PermissionError."""
    return Hint(
        Text(
            f"bind() бросил PermissionError{_where(crash).ru}: порты ниже 1024 может "
            "открывать только root (администратор), а сервер запускается обычным "
            "пользователем. Возьмите порт от 1024 и выше, например 9090, и тот же в "
            "клиенте.",
            f"bind() raised PermissionError{_where(crash).en}: only root (the "
            "administrator) may listen on a port below 1024, and the server runs as an "
            "ordinary user. Use a port from 1024 up, say 9090, and the same in the client.",
        ),
        "port-below-1024",
    )


def input_at_start_hint(crash: Crash | None) -> Hint:
    """A server that asks for something with input() before it listens."""
    where = _where(crash) if crash is not None else Text("", "")
    return Hint(
        Text(
            f"Сервер ждёт ввода с клавиатуры, input(){where.ru}, ещё до bind() и "
            "listen(): автопроверка ничего не набирает, и порт так и не открылся. Возьмите "
            "адрес и порт без вопросов (127.0.0.1 и 9090, или из --port / CHAT_PORT).",
            f"The server waits for keyboard input, input(){where.en}, before bind() and "
            "listen(): the grader types nothing, so the port never opened. Take the "
            "address and port without asking (127.0.0.1 and 9090, or --port / CHAT_PORT).",
        ),
        "listen",
    )


USAGE = re.compile(r"^\s*(usage|использование|запуск)\s*:", re.IGNORECASE | re.MULTILINE)


def start_hint(
    status: int | None, stderr: str, stdout: str, role: str, python: str = ""
) -> Hint | None:
    """Why a program ended (or stopped) before it listened or connected, when its own
    output says so: a third-party module, missing command-line arguments, a port below
    1024, input() at start. None when the evidence does not name one of these."""
    crash = last_crash(stderr)
    if crash is not None:
        if crash.exception == "ModuleNotFoundError":
            found = re.search(r"No module named '([\w.]+)'", crash.message)
            module = found[1].split(".")[0] if found else ""
            if module and module not in sys.stdlib_module_names:
                return third_party_module_hint(module, python, role)
        if crash.exception == "IndexError" and "argv" in (crash.code or ""):
            return needs_arguments_hint(role, crash)
        if (
            crash.exception == "PermissionError"
            and ".bind(" in (crash.code or "")
            and role == "server"
        ):
            return port_below_1024_hint(crash)
        if crash.exception == "EOFError" and role == "server":
            return input_at_start_hint(crash)
        return None
    if status not in (None, 0) and USAGE.search(stdout + "\n" + stderr):
        return needs_arguments_hint(role, None)
    return None


TRACEBACK_BELOW = Text(" Трассировка клиента — ниже.", " The client's traceback is below.")


def client_silent_hint(
    hint: Hint, status: int | None, stderr: str, stdout: str, python: str = ""
) -> Hint:
    """Why the student's client never reached the grader's server (`hint`: the usual words
    for it, CLIENT_NO_CONNECT and its kin): what its own output names first (a module it
    lacks, arguments it wants), and the traceback promised only when there is one."""
    if status is not None:
        asked = start_hint(status, stderr, stdout, "client", python)
        if asked is not None:
            return asked
    if "Traceback (most recent call last)" in stderr:
        return hint
    return dataclasses.replace(
        hint,
        text=Text(
            hint.text.ru.replace(TRACEBACK_BELOW.ru, ""),
            hint.text.en.replace(TRACEBACK_BELOW.en, ""),
        ),
    )


# --- a chat that speaks a protocol of its own ---------------------------------------------
def protocol_name(kind: str, detail: str = "") -> Text:
    """The student's own framing in words: JSON, a binary length, a fixed text header."""
    if kind == "json":
        return Text("JSON-объекты вместо строк", "JSON objects instead of lines")
    if kind == "length":
        size = Text(f"{detail}-байтовая ", f"{detail}-byte ") if detail else Text("", "")
        return Text(
            f"{size.ru}двоичная длина через struct перед каждым сообщением",
            f"a {size.en}binary length, packed with struct, before every message",
        )
    size = Text(f"из {detail} символов ", f"{detail}-character ") if detail else Text("", "")
    return Text(
        f"заголовок {size.ru}с длиной перед каждым сообщением",
        f"a {size.en}header holding the length before every message",
    )


def own_protocol_hint(kind: str, detail: str, role: str) -> Hint:
    """A server (or client) that frames messages its own way, not as the course's lines."""
    framing = protocol_name(kind, detail)
    if role == "server":
        who = Text(
            "Сервер говорит на своём протоколе",
            "The server speaks a protocol of its own",
        )
        what = Text(
            "а чат курса — это строки текста: клиент сначала шлёт имя строкой «alice\\n», "
            "потом по строке на сообщение, и сервер рассылает строки. Строк ваш сервер не "
            "понимает, поэтому остальные проверки сервера его не оценивают.",
            "while the course's chat is lines of text: a client first sends its nickname "
            "as a line 'alice\\n', then one line per message, and the server sends lines. "
            "Your server does not understand lines, so the other server checks do not "
            "judge it.",
        )
    elif role == "client-sends":
        who = Text("Клиент говорит на своём протоколе", "The client speaks a protocol of its own")
        what = Text(
            "а сервер курса читает обычные строки: набранная строка должна уйти как есть, "
            "«hello\\n», а клиент отправляет её внутри своей рамки.",
            "while the course's server reads plain lines: a typed line must go out as it is, "
            "'hello\\n', and the client sends it inside its own frame.",
        )
    else:
        who = Text("Клиент ждёт свой протокол", "The client expects a protocol of its own")
        what = Text(
            "а сервер курса присылает обычные строки текста («bob: привет\\n»): поток "
            "приёма у клиента есть, но такую строку он не печатает.",
            "while the course's server sends plain lines of text ('bob: hello\\n'): the "
            "client has a receiving thread, but it does not print such a line.",
        )
    return Hint(
        Text(
            f"{who.ru} ({framing.ru}), {what.ru} Для этого задания читайте и отправляйте "
            "строки, как в заготовке.",
            f"{who.en} ({framing.en}), {what.en} For this assignment read and send lines, "
            "as the starter code does.",
        ),
        "own-protocol",
    )
