"""How a check is written: a small function, registered with its id, given a context.

    @CHECKS.check("join")
    def join(ctx: CheckContext) -> None:
        '''A newcomer's nickname reaches those already in.'''
        server = ctx.server()            # a fresh server for this check, already listening
        alice = server.connect("alice")  # sends "alice\\n", waits until the server read it
        server.connect("bob")
        ctx.expect(alice, "bob", expected=Text(...), hint=NO_JOIN_NOTICE)

A check passes by returning; `ctx.fail(...)` (or a failed `ctx.expect`) stops it with what
was expected, what came and a hint. `with ctx.step(weight, title):` gives partial credit:
a failed step is recorded and the check goes on. Every server and client a check starts
is torn down when it ends, whatever happened.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.i18n import Text
from autograder.netstat import SocketEntry, connection_consumed
from autograder.peers import TcpPeer, Transcript, UdpPeer
from autograder.sandbox import Sandbox, SandboxFactory, minimal_environment
from autograder.textmatch import clean, excerpt

READY_TIMEOUT = 5.0  # seconds a server gets to start listening
CONSUME_TIMEOUT = 3.0  # seconds a server gets to read what a client sent
EXPECT_TIMEOUT = 3.0  # seconds a message gets to arrive
POLL = 0.003


@dataclass(frozen=True)
class Hint:
    """The likely bug behind a failure, and the docs section that explains it."""

    text: Text
    anchor: str = ""


class CheckFailed(Exception):
    def __init__(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | None = None,
        hint: Hint | None = None,
    ) -> None:
        super().__init__(message.en)
        self.message = message
        self.expected = expected
        self.received = received
        self.hint = hint
        self.blocking = True  # a failed prerequisite skips the checks that depend on it


class StudentProgramMissing(CheckFailed):
    pass


@dataclass
class StepResult:
    title: Text
    weight: float
    passed: bool
    failure: CheckFailed | None = None


@dataclass
class CheckOutcome:
    """What running one check produced, before points are attached."""

    status: str  # passed | failed | skipped | error
    fraction: float = 0.0
    failure: CheckFailed | None = None
    steps: list[StepResult] = field(default_factory=list)
    transcript: list[str] = field(default_factory=list)
    stderr: str = ""
    stderr_dropped: int = 0
    stdout: str = ""
    duration_s: float = 0.0
    blocks_dependents: bool = False
    notes: list[Text] = field(default_factory=list)


@dataclass
class Submission:
    path: Path
    server: Path | None
    client: Path | None
    implementation: str  # "tcp" or "udp"


class Server:
    """A running student server inside its sandbox."""

    def __init__(self, ctx: CheckContext, box: Sandbox, listening: SocketEntry) -> None:
        self.ctx = ctx
        self.box = box
        self.entry = listening
        self.port = listening.local_port
        ip = ipaddress.ip_address(listening.local_ip)
        if ip.is_unspecified:
            ip = ipaddress.ip_address("::1" if ip.version == 6 else "127.0.0.1")
        self.family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
        self.address = (str(ip), self.port)

    # --- connections -------------------------------------------------------------------
    def open(self, name: str, rcvbuf: int | None = None, log: bool = True) -> TcpPeer:
        """A new TCP connection, nothing sent yet, not reading yet."""
        sock = self.box.socket(self.family, socket.SOCK_STREAM)
        if rcvbuf:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.settimeout(5)
        if log:
            self.ctx.transcript.add(name, Text("подключается", "connects"))
        try:
            sock.connect(self.address)
        except OSError as exc:
            sock.close()
            self.fail_if_dead()
            raise CheckFailed(
                Text(
                    f"{name} не смог подключиться: {exc}",
                    f"{name} could not connect: {exc}",
                ),
                hint=Hint(
                    Text(
                        "Сервер перестал принимать соединения: accept() больше не вызывается?",
                        "The server stopped accepting connections: is accept() still called?",
                    ),
                    "accept-loop",
                ),
            ) from None
        sock.settimeout(None)
        peer = TcpPeer(name, sock, self.ctx.transcript)
        self.ctx._closers.append(peer.close)
        return peer

    def connect(self, name: str, read: bool = True, rcvbuf: int | None = None) -> TcpPeer:
        """Connect, send the nickname line, and wait until the server has read it."""
        peer = self.open(name, rcvbuf=rcvbuf)
        if read:
            peer.start_reading()
        peer.send(f"{name}\n")
        self.wait_consumed(peer)
        return peer

    def wait_consumed(self, peer: TcpPeer, timeout: float = CONSUME_TIMEOUT) -> None:
        """Block until the server has read everything `peer` sent (its recv returned it).

        This is the synchronisation point that lets a server without framing keep its
        core points: the next chunk is only sent once the previous one was read.
        """
        deadline = time.monotonic() + timeout
        local = peer.local_port
        while True:
            entries = self.box.netstat()
            if entries is None:  # no socket table on this system: give the server a moment
                time.sleep(0.05)
                return
            if connection_consumed(entries, self.port, local):
                return
            if time.monotonic() > deadline:
                self.fail_if_dead()
                raise CheckFailed(
                    Text(
                        f"сервер не прочитал то, что отправил {peer.name}, за {timeout:.0f} с",
                        f"the server did not read what {peer.name} sent within {timeout:.0f}s",
                    ),
                    hint=Hint(
                        Text(
                            "Соединение принято, но recv() для него не вызывается: нужен "
                            "отдельный поток на каждого клиента, и имя читается в нём, а не "
                            "в цикле accept().",
                            "The connection was accepted but nobody calls recv() on it: each "
                            "client needs its own thread, and the nickname is read there, not "
                            "in the accept() loop.",
                        ),
                        "thread-per-client",
                    ),
                )
            time.sleep(POLL)

    def alive(self) -> bool:
        return not self.box.exited.is_set()

    def fail_if_dead(self) -> None:
        if self.box.exited.wait(0.05) and self.box.exit_status is not None:
            raise CheckFailed(
                Text(
                    f"сервер завершился (код {self.box.exit_status})",
                    f"the server exited (status {self.box.exit_status})",
                ),
                hint=SERVER_EXITED,
            )


SERVER_EXITED = Hint(
    Text(
        "Сервер не должен завершаться из-за одного клиента: исключение в потоке клиента "
        "(см. трассировку) или break/exit там, где клиент уходит.",
        "The server must not exit because of one client: an exception in a client thread "
        "(see the traceback) or a break/exit where a client leaves.",
    ),
    "server-exits",
)


class ClientProgram:
    """The student's console client, with the grader playing its server."""

    def __init__(self, ctx: CheckContext, box: Sandbox, listeners: list[socket.socket]):
        self.ctx = ctx
        self.box = box
        self.listeners = listeners
        self.conn: TcpPeer | None = None
        self.prompt: str | None = None

    def type(self, line: str) -> None:
        self.ctx.transcript.add("stdin", Text(f"набираем {line!r}", f"type {line!r}"))
        if not self.box.write_stdin(line + "\n"):
            self.ctx.transcript.add(
                "stdin",
                Text("(клиент больше не читает stdin)", "(the client no longer reads stdin)"),
            )

    def accept(self, timeout: float = EXPECT_TIMEOUT) -> TcpPeer | None:
        """Wait for the client to connect to the grader's server."""
        if self.conn is not None:
            return self.conn
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not self.box.exited.is_set():
            for listener in self.listeners:
                try:
                    sock, _ = listener.accept()
                except (BlockingIOError, TimeoutError):
                    continue
                sock.setblocking(True)
                self.ctx.transcript.add(
                    "server", Text("клиент подключился", "the client connected")
                )
                self.conn = TcpPeer("server", sock, self.ctx.transcript)
                self.conn.start_reading()
                self.ctx._closers.append(self.conn.close)
                return self.conn
            time.sleep(0.01)
        return None

    def connect_back(self, timeout: float = 5.0) -> TcpPeer:
        """Wait for the client's connection to the grader's server, or fail."""
        conn = self.accept(timeout)
        if conn is None:
            exited = self.box.exited.is_set()
            raise CheckFailed(
                Text(
                    "клиент не подключился к серверу"
                    + (f" (завершился с кодом {self.box.exit_status})" if exited else ""),
                    "the client did not connect to the server"
                    + (f" (exited with status {self.box.exit_status})" if exited else ""),
                ),
                Text(
                    "подключение к 127.0.0.1:9090 (или порту из --port / CHAT_PORT)",
                    "a connection to 127.0.0.1:9090 (or the --port / CHAT_PORT port)",
                ),
                hint=Hint(
                    Text(
                        "Клиент должен подключаться к 127.0.0.1 на порт 9090 (или из --port / "
                        "CHAT_PORT), как в заготовке. Трассировка — ниже.",
                        "The client must connect to 127.0.0.1 port 9090 (or --port / "
                        "CHAT_PORT), as in the starter code. The traceback is below.",
                    ),
                    "client",
                ),
            )
        if self.prompt:
            conn.send(self.prompt)
        return conn

    def output(self) -> str:
        return clean(self.box.stdout_text())

    def wait_output(self, needle: str, timeout: float = EXPECT_TIMEOUT) -> bool:
        """Wait until the client has printed `needle` (terminal escapes ignored)."""
        deadline = time.monotonic() + timeout
        while True:
            if needle.casefold() in self.output().casefold():
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)


@dataclass
class CheckContext:
    """Everything one check may use; cleans up after it."""

    factory: SandboxFactory
    submission: Submission
    transcript: Transcript = field(default_factory=Transcript)
    steps: list[StepResult] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    _boxes: list[Sandbox] = field(default_factory=list)
    _closers: list[Callable[[], None]] = field(default_factory=list)
    _server: Server | None = None
    cancelled: threading.Event = field(default_factory=threading.Event)

    # --- programs ----------------------------------------------------------------------
    def _program_argv(self, path: Path, box: Sandbox) -> list[str]:
        relative = path.relative_to(self.submission.path)
        argv = [self.factory.python, "-u", str(relative)]
        if box.isolation == "ports":
            argv += ["--port", str(box.port)]
        return argv

    def _new_box(self) -> Sandbox:
        box = self.factory.create()
        self._boxes.append(box)
        return box

    def server(self) -> Server:
        """Start a fresh copy of the student's server and wait until it listens."""
        if self._server is not None:
            return self._server
        path = self.submission.server
        if path is None:
            raise StudentProgramMissing(Text("нет файла сервера", "no server file"))
        box = self._new_box()
        self.transcript.add("grader", Text(f"запускаем {path.name}", f"start {path.name}"))
        box.start(self._program_argv(path, box), minimal_environment(box.home))
        protocol = "udp" if self.submission.implementation == "udp" else "tcp"
        entry = wait_listening(box, protocol)
        self.transcript.add(
            "grader",
            Text(
                f"сервер слушает {entry.local_ip}:{entry.local_port}",
                f"the server listens on {entry.local_ip}:{entry.local_port}",
            ),
        )
        self._server = Server(self, box, entry)
        return self._server

    def udp_peer(self, name: str, join: bool = True) -> UdpPeer:
        server = self.server()
        sock = server.box.socket(server.family, socket.SOCK_DGRAM)
        sock.bind(("::1" if server.family == socket.AF_INET6 else "127.0.0.1", 0))
        peer = UdpPeer(name, sock, self.transcript, server.address)
        self._closers.append(peer.close)
        peer.start_reading()
        if join:
            peer.send(name)
        return peer

    def client(self, prompt: str | None = "Введите имя:\n") -> ClientProgram:
        """Start the student's client against a server the grader plays."""
        path = self.submission.client
        if path is None:
            raise StudentProgramMissing(
                Text("нет файла клиента (client.py)", "no client file (client.py)"),
                hint=Hint(
                    Text(
                        "Положите client.py рядом с server.py.", "Put client.py next to server.py."
                    )
                ),
            )
        box = self._new_box()
        listeners = []
        ports = [box.port] if box.isolation == "ports" else [9090, 9091]
        for port in ports:
            for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
                with contextlib.suppress(OSError):
                    listener = box.socket(family, socket.SOCK_STREAM)
                    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    listener.bind((host, port))
                    listener.listen(8)
                    listener.setblocking(False)
                    listeners.append(listener)
                    self._closers.append(listener.close)
        self.transcript.add(
            "grader",
            Text(
                f"запускаем {path.name} (сервер изображает грейдер)",
                f"start {path.name} (the grader plays the server)",
            ),
        )
        box.start(self._program_argv(path, box), minimal_environment(box.home))
        program = ClientProgram(self, box, listeners)
        program.prompt = prompt
        return program

    # --- verdicts ----------------------------------------------------------------------
    def fail(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | None = None,
        hint: Hint | None = None,
    ) -> None:
        if self._server is not None:
            self._server.fail_if_dead()
        raise CheckFailed(message, expected, received, hint)

    def expect(
        self,
        peer: TcpPeer,
        *needles: str,
        expected: Text,
        hint: Hint,
        timeout: float = EXPECT_TIMEOUT,
        exclude=None,
    ) -> str:
        """Wait for a segment with every needle at `peer`, or fail with what came."""
        found = peer.expect(*needles, timeout=timeout, exclude=exclude)
        if found is None:
            if peer.received_bytes == 0 and peer.name != "server":
                from autograder.hints import NOTHING_TO_OTHERS

                hint = NOTHING_TO_OTHERS
            came = peer.received_since_mark()
            self.fail(
                Text(
                    f"к {peer.name} не пришло ожидаемое за {timeout:.0f} с",
                    f"what {peer.name} expected did not come within {timeout:.0f}s",
                ),
                expected,
                excerpt(came) if came else None,
                hint,
            )
            raise AssertionError("unreachable")
        return found.segment

    @contextlib.contextmanager
    def step(self, weight: float, title: Text) -> Iterator[None]:
        """A part of a check worth `weight` of its points; a failure here is recorded."""
        try:
            yield
        except CheckFailed as failure:
            self.steps.append(StepResult(title, weight, False, failure))
            if isinstance(failure, StudentProgramMissing) or (
                self._server is not None and not self._server.alive()
            ):
                raise
        else:
            self.steps.append(StepResult(title, weight, True))

    def soft_fail(self, message: Text, hint: Hint) -> None:
        """Fail this check without skipping the checks that depend on it."""
        failure = CheckFailed(message, hint=hint)
        failure.blocking = False
        raise failure

    def note(self, text: Text) -> None:
        self.notes.append(text)

    # --- teardown ----------------------------------------------------------------------
    def close(self) -> None:
        for closer in self._closers:
            with contextlib.suppress(Exception):
                closer()
        for box in self._boxes:
            self.factory.release(box)

    @property
    def main_box(self) -> Sandbox | None:
        return self._boxes[0] if self._boxes else None


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


def startup_hint(status: int | None, stderr: str) -> Hint:
    """The likely bug behind a server that exited before it listened."""
    if status == 0:
        return EXITED_CLEANLY
    if "SyntaxError" in stderr or "IndentationError" in stderr:
        return SYNTAX_AT_START
    if "Address already in use" in stderr:
        return PORT_IN_USE
    return CRASHED_AT_START


def wait_listening(
    box: Sandbox, protocol: str = "tcp", timeout: float = READY_TIMEOUT
) -> SocketEntry:
    """Wait until the program has a listening TCP (or bound UDP) socket; never connects."""
    deadline = time.monotonic() + timeout
    while True:
        entries = listening_sockets(box, protocol)
        if entries:
            preferred = [e for e in entries if e.local_port in (box.port, 9090)]
            return (preferred or entries)[0]
        if box.exited.is_set():
            raise CheckFailed(
                Text(
                    f"сервер завершился при запуске (код {box.exit_status})",
                    f"the server exited while starting (status {box.exit_status})",
                ),
                hint=startup_hint(box.exit_status, box.stderr_text()),
            )
        if time.monotonic() > deadline:
            cpu = box.cpu_seconds()
            busy = cpu > timeout * 0.5
            raise CheckFailed(
                Text(
                    f"сервер не начал слушать порт за {timeout:.0f} с"
                    + (f" (занят вычислениями: {cpu:.1f} с CPU)" if busy else ""),
                    f"the server did not start listening within {timeout:.0f}s"
                    + (f" (busy computing: {cpu:.1f}s of CPU)" if busy else ""),
                ),
                hint=Hint(
                    Text(
                        "Сервер должен вызвать bind() и listen() сразу при запуске: до этого "
                        "к нему никто не может подключиться. Не ждёт ли он ввода или не "
                        "крутится ли в цикле до listen()?",
                        "The server must call bind() and listen() right at start: until then "
                        "nobody can connect. Is it waiting for input or looping before listen()?",
                    ),
                    "listen",
                ),
            )
        time.sleep(0.005)


def listening_sockets(box: Sandbox, protocol: str) -> list[SocketEntry]:
    if box.isolation == "netns":
        entries = box.netstat() or []
    else:
        entries = _process_sockets(box)
    if protocol == "udp":
        return [e for e in entries if e.protocol == "udp" and e.remote_port == 0]
    return [e for e in entries if e.listening]


def _process_sockets(box: Sandbox) -> list[SocketEntry]:
    """Sockets owned by the program's processes (the host is shared in port mode)."""
    import psutil

    found = []
    for pid in box.process_ids():
        with contextlib.suppress(psutil.Error):
            for c in psutil.Process(pid).net_connections(kind="inet"):
                if not c.laddr:
                    continue
                protocol = "tcp" if c.type == socket.SOCK_STREAM else "udp"
                state = 10 if c.status == psutil.CONN_LISTEN else 1
                remote = c.raddr if c.raddr else ("0.0.0.0", 0)
                found.append(
                    SocketEntry(
                        protocol, c.laddr.ip, c.laddr.port, remote[0], remote[1], state, 0, 0
                    )
                )
    return found


CheckFunction = Callable[[CheckContext], None]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    function: CheckFunction
    description: str
    depends: tuple[str, ...]
    needs: str  # "static", "server" or "client"
    long: bool = False  # takes seconds by design: scheduled first so it does not end last


class CheckSet:
    """The checks of one lesson and implementation, in registration order."""

    def __init__(self, lesson: str, implementation: str = "tcp") -> None:
        self.lesson = lesson
        self.implementation = implementation
        self.checks: dict[str, CheckSpec] = {}

    def check(
        self,
        check_id: str,
        depends: tuple[str, ...] = ("starts",),
        needs: str = "server",
        long: bool = False,
    ) -> Callable[[CheckFunction], CheckFunction]:
        def register(function: CheckFunction) -> CheckFunction:
            if check_id in self.checks:
                raise ValueError(f"check {check_id!r} registered twice")
            self.checks[check_id] = CheckSpec(
                check_id, function, (function.__doc__ or "").strip(), depends, needs, long
            )
            return function

        return register
