"""Hints of the grader itself, for any lesson: a program that does not start, dies, stops
reading or accepting, a client that never connects, a file Python cannot parse.

Each names the likely bug in words a student can act on and the anchor of its section in
docs/common-bugs.md. The choosers (`startup_hint`, `syntax_hint`) are pure functions of
the evidence: the exit status, the stderr, what the student's Python said.
"""

from __future__ import annotations

from autograder.i18n import Text
from autograder.source import SyntaxProblem
from autograder.verdicts import Hint

SERVER_EXITED = Hint(
    Text(
        "Сервер не должен завершаться из-за одного клиента: исключение в потоке клиента "
        "(см. трассировку) или break/exit там, где клиент уходит.",
        "The server must not exit because of one client: an exception in a client thread "
        "(see the traceback) or a break/exit where a client leaves.",
    ),
    "server-exits",
)

UDP_NOT_READING = Hint(
    Text(
        "Датаграмма ждёт в очереди сокета сервера, а recvfrom() её не забирает: цикл "
        "приёма остановился. Поток с recvfrom() упал (см. трассировку) или застрял "
        "(input(), блокировка, бесконечный цикл).",
        "The datagram waits in the server socket's queue and recvfrom() does not take it: "
        "the receiving loop has stopped. The thread that calls recvfrom() died (see the "
        "traceback) or is stuck (input(), a lock, an endless loop).",
    ),
    "udp-server-crash",
)

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
SYNTAX_AT_START = Hint(
    Text(
        "Python не смог разобрать файл: исправьте синтаксическую ошибку (файл и строка — "
        "в трассировке ниже).",
        "Python could not parse the file: fix the syntax error (file and line are in the "
        "traceback below).",
    ),
    "syntax-error",
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


def syntax_hint(problem: SyntaxProblem | None) -> Hint:
    """The syntax-error hint, saying so when a newer Python would accept the file."""
    if problem is None or problem.accepted_by is None:
        return SYNTAX_AT_START
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


def startup_hint(status: int | None, stderr: str, syntax: SyntaxProblem | None = None) -> Hint:
    """The likely bug behind a server that exited before it listened."""
    if status == 0:
        return EXITED_CLEANLY
    if "SyntaxError" in stderr or "IndentationError" in stderr:
        return syntax_hint(syntax)
    if "Address already in use" in stderr:
        return PORT_IN_USE
    if "Cannot assign requested address" in stderr:
        return BIND_ADDRESS
    return CRASHED_AT_START


STOPPED_ACCEPTING = Hint(
    Text(
        "Сервер перестал принимать соединения: accept() больше не вызывается?",
        "The server stopped accepting connections: is accept() still called?",
    ),
    "accept-loop",
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
NO_CLIENT_FILE = Hint(
    Text("Положите client.py рядом с server.py.", "Put client.py next to server.py.")
)
