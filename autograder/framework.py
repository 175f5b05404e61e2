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
import errno
import ipaddress
import os
import select
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from autograder.i18n import Text
from autograder.netstat import SocketEntry, connection_consumed, datagrams_consumed
from autograder.peers import TcpPeer, Transcript, UdpPeer, describe_bytes
from autograder.sandbox import (
    PortLock,
    Sandbox,
    SandboxError,
    SandboxFactory,
    minimal_environment,
)
from autograder.source import MAX_PORTS, SourceFacts, SyntaxProblem
from autograder.textmatch import clean, excerpt

READY_TIMEOUT = 5.0  # seconds a server gets to start listening
START_STRETCH = 3.0  # ... stretched up to this many times while it computes on a busy machine
CONSUME_TIMEOUT = 3.0  # seconds a server gets to read what a client sent
EXPECT_TIMEOUT = 3.0  # seconds a message gets to arrive
POLL = 0.003


PORT_WAIT = 45.0  # seconds a check waits for its turn on a fixed port (fallback mode)
# Seconds a check with its turn on a fixed port waits for a program without a turn (one
# started before its port was known to be fixed) to give the port back (fallback mode).
PORT_BIND_WAIT = 5.0
QUIET_WINDOW = 0.5  # seconds a program must stay visibly idle before a wait ends early
QUIET_SAMPLE = 0.05  # seconds between two looks at it
QUIET_FIRST_LOOK = 0.1  # seconds into a wait before the first look
# AUTOGRADER_WAIT_FULL=1: never end a wait early (to compare, or to rule it out).
WAIT_FULL = os.environ.get("AUTOGRADER_WAIT_FULL") == "1"


class Quiescence:
    """Has a student program visibly nothing more to say? Then a wait may end early.

    Quiet means, for QUIET_WINDOW seconds on end: every thread of the program asleep in
    the kernel on something other than a timer (a `time.sleep()` wakes up by itself),
    nothing moving in its socket tables (queues, connection states), no new output, no
    new bytes at the grader's users and no CPU time used. Then nothing can change any more: a failing check
    ends in about half a second instead of waiting out its full timeout. A thread that
    is runnable but waits for a core (a loaded machine) is "R", never quiet; so a slow
    machine only makes waits longer, never verdicts different.
    """

    def __init__(
        self,
        box: Sandbox,
        activity: Callable[[], object],
        ports: set[int] | None = None,
        window: float = QUIET_WINDOW,
    ) -> None:
        self.box = box
        self.activity = activity  # e.g. bytes the grader's users received so far
        self.ports = ports  # on a shared host (ports mode): only these ports' sockets
        self.window = window
        self.concluded = False  # True once a wait ended early because of it
        self._signature: object = None
        self._since = 0.0
        # Most waits end within milliseconds: looking costs a few (the socket tables, the
        # process tree), so the first look comes only once a wait has lasted a while.
        self._next = time.monotonic() + QUIET_FIRST_LOOK

    def __call__(self) -> bool:
        now = time.monotonic()
        if now < self._next or WAIT_FULL:
            return False
        self._next = now + QUIET_SAMPLE
        if self.box.exited.is_set():
            self.concluded = True
            return True
        states = self.box.thread_activity()
        if not states or any(state not in ("S", "Z") for state in states):
            self._signature = None
            return False
        entries = self.box.netstat() or []
        if self.ports is not None:
            entries = [e for e in entries if {e.local_port, e.remote_port} & self.ports]
        signature = (
            sorted(
                (e.protocol, e.local_port, e.remote_port, e.state, e.tx_queue, e.rx_queue)
                for e in entries
            ),
            self.activity(),
            self.box.stdout.total if self.box.stdout else 0,
            self.box.stderr.total if self.box.stderr else 0,
            # CPU time too: an interpreter still starting up on a loaded machine reads its
            # modules in short sleeps ("S") between bursts of work, and must not pass for
            # a program that is done. One that waits for I/O uses none.
            self.box.cpu_seconds(),
        )
        if signature != self._signature:
            self._signature, self._since = signature, now
            return False
        if now - self._since >= self.window:
            self.concluded = True
            return True
        return False


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
        received: str | Text | None = None,
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


class CheckSkipped(CheckFailed):
    """The check cannot judge its own point because something else is missing (another
    check covers that): reported as skipped with the reason, not as a failure."""

    def __init__(self, message: Text) -> None:
        super().__init__(message)
        self.blocking = False


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
    server_facts: SourceFacts = field(default_factory=SourceFacts)
    client_facts: SourceFacts = field(default_factory=SourceFacts)
    # Files the student's interpreter cannot compile, by file name (filled by the runner).
    syntax: dict[str, SyntaxProblem] = field(default_factory=dict)
    # Why a program the student meant cannot be used, by role ("server", "client"): a
    # link out of the submission, a FIFO, a folder (see submission_copy).
    unusable: dict[str, Text] = field(default_factory=dict)

    def missing(self, role: str, default: Text, hint: Hint | None = None) -> StudentProgramMissing:
        """The failure of a check that needs the program `role` when there is none."""
        reason = self.unusable.get(role)
        if reason is not None:
            return StudentProgramMissing(reason, hint=UNUSABLE_PROGRAM)
        return StudentProgramMissing(default, hint=hint)

    def client_ports(self) -> list[int]:
        """Where the student's client may connect: the course's ports, then the ports its
        own source and its own server's source name (a client meets its own server)."""
        ports = [9090, 9091, *self.client_facts.ports, *self.server_facts.ports]
        return list(dict.fromkeys(ports))[: MAX_PORTS + 2]

    def handshake(self) -> str | None:
        """The word the student's client waits for before it sends its nickname ("NICK")."""
        words = self.client_facts.handshake_words
        return words[0] if words else None


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
                    f"{name}: не удалось подключиться: {exc}",
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
        self.ctx.roster.add(name)
        peer = TcpPeer(name, sock, self.ctx.transcript, self.ctx.roster)
        self.ctx._closers.append(peer.close)
        self.ctx.peers.append(peer)
        return peer

    def quiet(self) -> Quiescence:
        """A fresh detector of this server having nothing more to say (see Quiescence)."""
        ports = {self.port} if self.box.isolation == "ports" else None
        peers = self.ctx.peers
        return Quiescence(self.box, lambda: sum(p.received_bytes for p in peers), ports)

    def connect(self, name: str, read: bool = True, rcvbuf: int | None = None) -> TcpPeer:
        """Connect, send the nickname line, and wait until the server has read it."""
        peer = self.open(name, rcvbuf=rcvbuf)
        if read:
            peer.start_reading()
        peer.send(f"{name}\n")
        self.wait_consumed(peer)
        return peer

    def wait_consumed(
        self, peer: TcpPeer, timeout: float = CONSUME_TIMEOUT, hint: Hint | None = None
    ) -> None:
        """Block until the server has read everything `peer` sent (its recv returned it).

        This is the synchronisation point that lets a server without framing keep its
        core points: the next chunk is only sent once the previous one was read. `hint`:
        the check's own idea of why reading stopped (its input may have killed the thread).
        A UDP peer has no connection of its own: see `wait_udp_consumed`.
        """
        if isinstance(peer, UdpPeer):
            self._wait_datagrams_read(peer, timeout, hint)
            return
        deadline = time.monotonic() + timeout
        local = peer.local_port
        quiet = self.quiet()
        while True:
            entries = self.box.netstat()
            if entries is None:  # no socket table on this system: give the server a moment
                time.sleep(0.05)
                return
            if connection_consumed(entries, self.port, local):
                return
            if time.monotonic() > deadline or quiet():
                self.fail_if_dead()
                raise CheckFailed(
                    Text(
                        f"сервер не прочитал данные от {peer.name}"
                        + quiet_reason(quiet, timeout).ru,
                        f"the server did not read what {peer.name} sent"
                        + quiet_reason(quiet, timeout).en,
                    ),
                    hint=hint
                    or Hint(
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

    def _wait_datagrams_read(self, peer: UdpPeer, timeout: float, hint: Hint | None) -> None:
        if wait_udp_consumed(self.box, self.entry, timeout):
            return
        self.fail_if_dead()
        raise CheckFailed(
            Text(
                f"сервер за {timeout:.0f} с не прочитал датаграмму от {peer.name}",
                f"the server did not read {peer.name}'s datagram within {timeout:.0f}s",
            ),
            hint=hint or UDP_NOT_READING,
        )

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


def wait_udp_consumed(
    box: Sandbox, entry: SocketEntry, timeout: float = CONSUME_TIMEOUT, idle: float = 1.0
) -> bool:
    """Wait until the program has read every datagram waiting at its UDP socket `entry`
    and finished handling them; False at the deadline or when the program is gone.

    The UDP counterpart of `Server.wait_consumed`: the socket table's receive queue of
    the server's one socket drops to zero once recvfrom() took everything. Reading is
    not handling yet, and a server may hand each datagram to a thread of its own, so
    then wait (at most `idle` seconds) until no thread of the program is running.
    """
    deadline = time.monotonic() + timeout
    while True:
        if box.exited.is_set():
            return False
        entries = box.netstat()
        if entries is None:  # no socket table on this system: give the server a moment
            time.sleep(0.05)
            return True
        # No socket at all (None) is not "read": the program closed it or is dying.
        if datagrams_consumed(entries, entry.local_ip, entry.local_port):
            break
        if time.monotonic() > deadline:
            return False
        time.sleep(POLL)
    end = time.monotonic() + idle
    while "R" in box.thread_states() and time.monotonic() < end:
        time.sleep(POLL)
    return not box.exited.is_set()


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


class ConsoleProgram:
    """A student's console program the grader types into and reads the output of."""

    def __init__(self, ctx: CheckContext, box: Sandbox) -> None:
        self.ctx = ctx
        self.box = box

    def type(self, line: str) -> None:
        self.ctx.transcript.add("stdin", Text(f"набираем {line!r}", f"type {line!r}"))
        if not self.box.write_stdin(line + "\n"):
            self.ctx.transcript.add(
                "stdin",
                Text("(клиент больше не читает stdin)", "(the client no longer reads stdin)"),
            )

    def output(self) -> str:
        return clean(self.box.stdout_text())

    def _progress(self) -> object:
        """What the grader has received from the program so far (see Quiescence)."""
        return 0

    def quiet(self) -> Quiescence:
        """A detector of the program having nothing more to do (see Quiescence)."""
        return Quiescence(self.box, self._progress)

    def wait_output(self, needle: str, timeout: float = EXPECT_TIMEOUT) -> bool:
        """Wait until the program has printed `needle` (terminal escapes ignored)."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while True:
            if needle.casefold() in self.output().casefold():
                return True
            if time.monotonic() > deadline or quiet():
                return needle.casefold() in self.output().casefold()
            time.sleep(0.01)

    def wait_exit(self, timeout: float) -> bool:
        """Wait until the program has ended (False at the deadline, or once it is visibly
        waiting for something that will not come)."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while not self.box.exited.wait(0.02):
            if time.monotonic() > deadline or quiet():
                return self.box.exited.is_set()
        return True


class ClientProgram(ConsoleProgram):
    """The student's console TCP client, with the grader playing its server."""

    def __init__(
        self,
        ctx: CheckContext,
        box: Sandbox,
        listeners: list[socket.socket],
        ports: list[int] | None = None,
    ):
        super().__init__(ctx, box)
        self.listeners = listeners
        self.ports = ports or []
        self.conn: TcpPeer | None = None
        self.prompt: str | None = None

    def accept(self, timeout: float = EXPECT_TIMEOUT) -> TcpPeer | None:
        """Wait for the client to connect to the grader's server."""
        if self.conn is not None:
            return self.conn
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while time.monotonic() < deadline and not self.box.exited.is_set() and not quiet():
            for listener in self.listeners:
                try:
                    sock, _ = listener.accept()
                except (BlockingIOError, TimeoutError):
                    continue
                sock.setblocking(True)
                host, port = sock.getsockname()[:2]
                self.ctx.transcript.add(
                    "server",
                    Text(
                        f"клиент подключился к {host}:{port}",
                        f"the client connected to {host}:{port}",
                    ),
                )
                self.conn = TcpPeer("server", sock, self.ctx.transcript, self.ctx.roster)
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
            ports = ", ".join(map(str, self.ports))
            if self.box.isolation == "ports":
                where = Text(
                    f"подключение к 127.0.0.1:{ports} (порт передан через --port и CHAT_PORT)",
                    f"a connection to 127.0.0.1:{ports} (handed over with --port and CHAT_PORT)",
                )
                hint = CLIENT_PORT_FALLBACK
            else:
                where = Text(
                    f"подключение к любому адресу этой машины (127.x.x.x, её имя) на один из "
                    f"портов {ports}",
                    f"a connection to any address of this machine (127.x.x.x, its name) on "
                    f"one of the ports {ports}",
                )
                hint = CLIENT_NO_CONNECT
            raise CheckFailed(
                Text(
                    "клиент не подключился к серверу"
                    + (f" (завершился с кодом {self.box.exit_status})" if exited else ""),
                    "the client did not connect to the server"
                    + (f" (exited with status {self.box.exit_status})" if exited else ""),
                ),
                where,
                hint=hint,
            )
        if self.prompt:
            conn.send(self.prompt)
        return conn

    def _progress(self) -> object:
        return self.conn.received_bytes if self.conn else 0


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
IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux's value, where the module lacks the name


@dataclass
class Datagram:
    """One datagram the student's client sent to the grader's server."""

    data: bytes
    sender: tuple[str, int]  # the client's address: where answers go
    local: str  # the address the client sent it to: answers come from there
    sock: socket.socket

    @property
    def text(self) -> str:
        return clean(self.data.decode("utf-8", errors="replace")).strip()


class UdpClientProgram(ConsoleProgram):
    """The student's console UDP client, with the grader playing its server.

    One UDP socket on every port the client may send to (in a namespace: on every local
    address at once, 0.0.0.0 and ::). Answers go back from the very address the client
    sent to (IP_PKTINFO): a client that connect()s its socket, or drops datagrams from
    any address but its server's, accepts nothing else.
    """

    def __init__(
        self, ctx: CheckContext, box: Sandbox, sockets: list[socket.socket], ports: list[int]
    ) -> None:
        super().__init__(ctx, box)
        self.sockets = sockets
        self.ports = ports
        self.datagrams: list[Datagram] = []
        self.mark = 0  # matching starts at this datagram; advanced by every match

    def _receive(self, timeout: float) -> None:
        """Take every datagram that is waiting or arrives within `timeout` seconds."""
        if not self.sockets:
            time.sleep(max(timeout, 0))
            return
        poller = select.poll()  # not select(): no limit on descriptor numbers (batch gradings)
        for sock in self.sockets:
            poller.register(sock, select.POLLIN)
        ready = {fd for fd, _events in poller.poll(max(timeout, 0) * 1000)}
        for sock in self.sockets:
            if sock.fileno() not in ready:
                continue
            while True:
                try:
                    data, ancillary, _flags, sender = sock.recvmsg(65536, socket.CMSG_SPACE(20))
                except OSError:  # nothing more waiting (EAGAIN), or the socket is closed
                    break
                local = str(sock.getsockname()[0])
                for level, kind, value in ancillary:
                    if (level, kind) == (socket.IPPROTO_IP, IP_PKTINFO) and len(value) >= 12:
                        local = socket.inet_ntop(socket.AF_INET, value[8:12])
                    elif (level, kind) == (socket.IPPROTO_IPV6, socket.IPV6_PKTINFO):
                        local = socket.inet_ntop(socket.AF_INET6, value[:16])
                where = f"{local}:{sock.getsockname()[1]}"
                shown = describe_bytes(data)
                if not self.datagrams:
                    got = Text(
                        f"пришла датаграмма {shown} на {where}",
                        f"got a datagram {shown} at {where}",
                    )
                else:
                    got = Text(f"пришла датаграмма {shown}", f"got a datagram {shown}")
                self.ctx.transcript.add("server", got)
                self.datagrams.append(Datagram(data, sender[:2], local, sock))

    def wait_datagram(
        self, wanted: Callable[[str], bool], timeout: float = EXPECT_TIMEOUT
    ) -> Datagram | None:
        """The first datagram after the mark whose text (stripped) satisfies `wanted`."""
        deadline = time.monotonic() + timeout
        looked = False
        while True:
            for n in range(self.mark, len(self.datagrams)):
                if wanted(self.datagrams[n].text):
                    self.mark = n + 1
                    return self.datagrams[n]
            remaining = deadline - time.monotonic()
            if remaining <= 0 and looked:
                return None
            self._receive(min(max(remaining, 0.0), 0.05))  # at least once: what is waiting
            looked = True

    def _progress(self) -> object:
        return len(self.datagrams)

    def received(self) -> str:
        """The datagrams after the mark, one a line (for a report's "received")."""
        return "\n".join(d.text for d in self.datagrams[self.mark :])

    def first_datagram(self, timeout: float = 5.0) -> Datagram:
        """Wait for the client's first datagram to the grader's server, or fail."""
        deadline = time.monotonic() + timeout
        while not self.datagrams and time.monotonic() < deadline:
            self._receive(0.05)
            if self.box.exited.is_set():
                self._receive(0)  # what it sent just before it ended
                break
        if self.datagrams:
            return self.datagrams[0]
        exited = self.box.exited.is_set()
        ports = ", ".join(map(str, self.ports))
        if self.box.isolation == "ports":
            where = Text(
                f"датаграмма на 127.0.0.1:{ports} (порт передан через --port и CHAT_PORT)",
                f"a datagram to 127.0.0.1:{ports} (handed over with --port and CHAT_PORT)",
            )
            hint = CLIENT_PORT_FALLBACK
        else:
            where = Text(
                f"датаграмма на любой адрес этой машины (127.x.x.x, её имя) на один из "
                f"портов {ports}",
                f"a datagram to any address of this machine (127.x.x.x, its name) on one of "
                f"the ports {ports}",
            )
            hint = UDP_CLIENT_SILENT
        raise CheckFailed(
            Text(
                "клиент не прислал ни одной датаграммы"
                + (f" (завершился с кодом {self.box.exit_status})" if exited else ""),
                "the client sent no datagram"
                + (f" (exited with status {self.box.exit_status})" if exited else ""),
            ),
            where,
            hint=hint,
        )

    def send(self, text: str) -> None:
        """Answer the client's latest datagram, from the address it was sent to."""
        if not self.datagrams:
            raise CheckFailed(Text("клиенту некуда отвечать", "nowhere to answer the client"))
        last = self.datagrams[-1]
        raw = text.encode()
        self.ctx.transcript.add(
            "server",
            Text(f"отправляет датаграмму {describe_bytes(raw)}", f"sends {describe_bytes(raw)}"),
        )
        bound = str(last.sock.getsockname()[0])
        with contextlib.suppress(OSError):
            if not ipaddress.ip_address(bound).is_unspecified:
                last.sock.sendto(raw, last.sender)
            elif last.sock.family == socket.AF_INET6:
                info = socket.inet_pton(socket.AF_INET6, last.local) + struct.pack("I", 0)
                last.sock.sendmsg(
                    [raw], [(socket.IPPROTO_IPV6, socket.IPV6_PKTINFO, info)], 0, last.sender
                )
            else:
                info = struct.pack("i4s4s", 0, socket.inet_aton(last.local), bytes(4))
                last.sock.sendmsg([raw], [(socket.IPPROTO_IP, IP_PKTINFO, info)], 0, last.sender)


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
    roster: set[str] = field(default_factory=set)  # nicknames this check's users sent
    peers: list[TcpPeer] = field(default_factory=list)  # the grader's users in this check
    _client: ClientProgram | None = None  # the student's client this check drives, if any
    _port_locks: list[PortLock] = field(default_factory=list)
    _locked_ports: set[int] = field(default_factory=set)

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
        if self._server is None:
            self._server = self.launch_server()
        return self._server

    def launch_server(self, probe: bool = False) -> Server:
        """Start another copy of the server in a sandbox of its own (`server()` starts the
        one a check talks to; a second start, `probe`, tells whether its port is fixed: it
        fails at once when the port is taken, it never waits for a turn)."""
        path = self.submission.server
        if path is None:
            raise self.submission.missing("server", Text("нет файла сервера", "no server file"))
        protocol = "udp" if self.submission.implementation == "udp" else "tcp"
        problem = self.submission.syntax.get(path.name)
        shared_host = self.factory.isolation == "ports"
        if shared_host and self.factory.fixed_port is not None and not probe:
            # Its port is known to be fixed: wait for our turn on it (see PortLock).
            self._lock_ports([self.factory.fixed_port])
        deadline = time.monotonic() + PORT_BIND_WAIT
        while True:
            box = self._new_box()
            self.transcript.add("grader", Text(f"запускаем {path.name}", f"start {path.name}"))
            box.start(self._program_argv(path, box), minimal_environment(box.home))
            try:
                entry = wait_listening(box, protocol, syntax=problem)
            except CheckFailed:
                taken = shared_host and "Address already in use" in box.stderr_text()
                if probe or not taken or time.monotonic() > deadline:
                    raise
                # On a shared host another grading's copy holds the fixed port. Wait for
                # our turn on the ports the source names (unless this check has its turn
                # already: locks are only ever taken in port order, so never a cycle),
                # then once more: a copy started before it knew the port was fixed gives
                # the port back as soon as it sees our lock (below).
                if not self._locked_ports:
                    self._lock_ports(self.submission.server_facts.ports)
                    deadline = time.monotonic() + PORT_BIND_WAIT
                self._retire(box)
                self.transcript.add(
                    "grader",
                    Text(
                        "порт занят другой программой; ждём своей очереди",
                        "the port is taken by another program; waiting for our turn",
                    ),
                )
                time.sleep(0.2)
                continue
            if not probe:
                self.factory.port_known = True
            if not shared_host or entry.local_port == box.port or probe:
                break
            self.factory.fixed_port = entry.local_port
            if self._lock_ports([entry.local_port], timeout=0):
                break  # ours now, until the end of the check
            # This copy took the fixed port before anyone knew it was fixed, while the port
            # is another check's (or grading's) turn: a listener of the grader playing the
            # server for a client, say, which could not bind it. Give it back, wait for our
            # turn and start again (holding no other lock: no cycle).
            self._retire(box)
            self.transcript.add(
                "grader",
                Text(
                    f"порт {entry.local_port} сейчас нужен другой проверке; ждём своей очереди",
                    f"port {entry.local_port} is another check's turn now; waiting for ours",
                ),
            )
            self._lock_ports([entry.local_port])
            deadline = time.monotonic() + PORT_BIND_WAIT
        self.transcript.add(
            "grader",
            Text(
                f"сервер слушает {entry.local_ip}:{entry.local_port}",
                f"the server listens on {entry.local_ip}:{entry.local_port}",
            ),
        )
        return Server(self, box, entry)

    def _retire(self, box: Sandbox) -> None:
        """Stop a program of this check for good, before the check ends."""
        self.factory.release(box)
        if box in self._boxes:
            self._boxes.remove(box)

    def udp_peer(self, name: str, join: bool = True) -> UdpPeer:
        """A new UDP user of the server; `join`: its nickname datagram is sent and read."""
        server = self.server()
        try:
            sock = server.box.socket(server.family, socket.SOCK_DGRAM)
        except SandboxError:
            server.fail_if_dead()  # the program died, and its network namespace with it
            raise
        sock.bind(("::1" if server.family == socket.AF_INET6 else "127.0.0.1", 0))
        self.roster.add(name)
        peer = UdpPeer(name, sock, self.transcript, server.address, self.roster)
        self._closers.append(peer.close)
        peer.start_reading()
        if join:
            peer.send(name)
            server.wait_consumed(peer)
        return peer

    def _client_path(self) -> Path:
        path = self.submission.client
        if path is None:
            raise self.submission.missing(
                "client",
                Text("нет файла клиента (client.py)", "no client file (client.py)"),
                Hint(
                    Text(
                        "Положите client.py рядом с server.py.", "Put client.py next to server.py."
                    )
                ),
            )
        return path

    def _served_endpoints(self, box: Sandbox) -> tuple[list[int], tuple[str, str]]:
        """Where the grader plays the server for the student's client."""
        if box.isolation == "ports":
            # The host's network is shared: the port handed over with --port/CHAT_PORT, and
            # the fixed ports the submission names whose turn we get (see PortLock).
            wanted = [p for p in self.submission.client_ports() if p != box.port]
            return [box.port, *self._lock_ports(wanted)], ("127.0.0.1", "::1")
        # A private namespace: serve every port the submission names, on every local
        # address (all of 127.0.0.0/8, the host's own name, the addresses in its source).
        return self.submission.client_ports(), ("0.0.0.0", "::")

    def _serve(self, box: Sandbox, kind: int) -> tuple[list[socket.socket], list[int]]:
        """The grader's sockets playing the server for a student's client (`kind`: TCP
        listeners or UDP sockets), and the ports they are on."""
        ports, hosts = self._served_endpoints(box)
        sockets = []
        deadline = time.monotonic() + PORT_BIND_WAIT
        for port in ports:
            for host in hosts:
                while True:
                    try:
                        sock = _served_socket(box, kind, host, port)
                    except OSError as error:
                        taken = error.errno == errno.EADDRINUSE and box.isolation == "ports"
                        if taken and port in self._locked_ports and time.monotonic() < deadline:
                            # Our turn on the port, but a copy of a server that did not yet
                            # know its port is fixed holds it: it gives it back once it
                            # sees our lock (see launch_server).
                            time.sleep(0.05)
                            continue
                        if taken:
                            self.transcript.add(
                                "grader",
                                Text(
                                    f"порт {port} ({host}) занят другой программой на этой "
                                    "машине: клиент может попасть к ней, а не к автопроверке",
                                    f"port {port} ({host}) is taken by another program on "
                                    "this machine: the client may reach it, not the grader",
                                ),
                            )
                        break
                    sockets.append(sock)
                    self._closers.append(sock.close)
                    break
        return sockets, ports

    def client(self, prompt: str | None = "Введите имя:\n") -> ClientProgram:
        """Start the student's client against a server the grader plays."""
        path = self._client_path()
        box = self._new_box()
        if self._client is not None:  # a second run of the client: it gets the ports now
            for listener in self._client.listeners:
                with contextlib.suppress(OSError):
                    listener.close()
        listeners, ports = self._serve(box, socket.SOCK_STREAM)
        handshake = self.submission.handshake()
        self.transcript.add(
            "grader",
            Text(
                f"запускаем {path.name}; сервер изображает автопроверка (порты "
                f"{', '.join(map(str, ports))})",
                f"start {path.name}; the grader plays the server (ports "
                f"{', '.join(map(str, ports))})",
            ),
        )
        box.start(self._program_argv(path, box), minimal_environment(box.home))
        program = ClientProgram(self, box, listeners, ports)
        self._client = program
        # A client that waits for its own server's handshake word ("NICK") before it sends
        # the nickname gets exactly that word; any other client gets an ordinary prompt.
        program.prompt = handshake if handshake is not None else prompt
        return program

    def udp_client(self) -> UdpClientProgram:
        """Start the student's UDP client against a UDP server the grader plays."""
        path = self._client_path()
        box = self._new_box()
        sockets, ports = self._serve(box, socket.SOCK_DGRAM)
        self.transcript.add(
            "grader",
            Text(
                f"запускаем {path.name}; UDP-сервер изображает автопроверка (порты "
                f"{', '.join(map(str, ports))})",
                f"start {path.name}; the grader plays the UDP server (ports "
                f"{', '.join(map(str, ports))})",
            ),
        )
        box.start(self._program_argv(path, box), minimal_environment(box.home))
        return UdpClientProgram(self, box, sockets, ports)

    # --- verdicts ----------------------------------------------------------------------
    def fail(
        self,
        message: Text,
        expected: Text | None = None,
        received: str | Text | None = None,
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
        silence_expected: bool = False,
        nothing_hint: Hint | None = None,
    ) -> str:
        """Wait for a segment with every needle at `peer`, or fail with what came.

        `nothing_hint`: what a user who got nothing at all in the whole check means, in
        the words of the check's protocol (the TCP one by default)."""
        quiet = self.quiet()
        found = peer.expect(*needles, timeout=timeout, exclude=exclude, give_up=quiet)
        if found is None:
            # A user who got nothing at all in the whole check: the server sends nothing
            # to others, whatever this expectation was about (except a join notice, the
            # first thing a user may ever receive: nothing is exactly its symptom).
            if peer.received_bytes == 0 and peer.name != "server" and not silence_expected:
                from autograder.hints import NOTHING_TO_OTHERS

                hint = nothing_hint or NOTHING_TO_OTHERS
            came = peer.received_since_mark()
            self.fail(
                Text(
                    f"к {peer.name} не пришло ожидаемое" + quiet_reason(quiet, timeout).ru,
                    f"what {peer.name} expected did not come" + quiet_reason(quiet, timeout).en,
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

    def quiet(self) -> Quiescence | None:
        """A detector of the student's program going quiet, for a wait that may end early:
        the server a check talks to, or else the client it drives."""
        if self._server is not None:
            return self._server.quiet()
        return self._client.quiet() if self._client is not None else None

    def skip(self, reason: Text) -> None:
        """Stop: this check cannot judge its point here (the reason names what is missing)."""
        raise CheckSkipped(reason)

    def server_spinning(self, window: float = 0.3) -> bool:
        """Is a thread of the server busy nearly all of `window` seconds? (a loop that
        never blocks, e.g. on recv() == b''; robust to a loaded machine, see thread_states)"""
        if self._server is None:
            return False
        samples = busy = 0
        end = time.monotonic() + window
        while time.monotonic() < end:
            states = self._server.box.thread_states()
            samples += 1
            busy += "R" in states
            time.sleep(0.02)
        return samples > 2 and busy / samples >= 0.6

    def note(self, text: Text) -> None:
        self.notes.append(text)

    # --- teardown ----------------------------------------------------------------------
    def _lock_ports(self, ports: list[int], timeout: float = PORT_WAIT) -> list[int]:
        """Take the host-wide locks of `ports` (fallback mode), in order, for the rest of
        this check; the ports whose lock was had (see PortLock)."""
        deadline = time.monotonic() + timeout
        for port in sorted(set(ports) - self._locked_ports):
            lock = PortLock(port)
            if lock.acquire(max(0.0, deadline - time.monotonic())):
                self._locked_ports.add(port)
                self._port_locks.append(lock)
        return [p for p in dict.fromkeys(ports) if p in self._locked_ports]

    def close(self) -> None:
        for closer in self._closers:
            with contextlib.suppress(Exception):
                closer()
        for box in self._boxes:
            self.factory.release(box)
        # Only now, with every program of this check gone, may another use the ports.
        for lock in self._port_locks:
            lock.release()

    @property
    def main_box(self) -> Sandbox | None:
        """The program whose output and stderr the report shows: the first one started,
        unless a check said which one its failure happened in (`report_output_of`)."""
        return self._boxes[0] if self._boxes else None

    def report_output_of(self, box: Sandbox) -> None:
        """A check that runs its program several times: show this run's output and stderr
        in the report (the one its failure happened in), not the first run's."""
        if box in self._boxes:
            self._boxes.remove(box)
            self._boxes.insert(0, box)


def quiet_reason(quiet: Quiescence | None, timeout: float) -> Text:
    """How long the grader waited, in words: the full timeout, or until the program went
    quiet (every thread waiting, nothing in flight: nothing more could come)."""
    if quiet is not None and quiet.concluded:
        if quiet.box.exited.is_set():
            return Text(" (программа завершилась)", " (the program has exited)")
        return Text(
            " (программа затихла: все её потоки ждут, в сети ничего не движется)",
            " (the program went quiet: all its threads wait, nothing moves on the network)",
        )
    return Text(f" за {timeout:.0f} с", f" within {timeout:.0f}s")


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


def _served_socket(box: Sandbox, kind: int, host: str, port: int) -> socket.socket:
    """One socket of the grader playing the server: a TCP listener, or a UDP socket that
    learns which address each datagram was sent to (to answer from that address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = box.socket(family, kind)
    try:
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if kind == socket.SOCK_STREAM:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        elif family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_RECVPKTINFO, 1)
        else:
            sock.setsockopt(socket.IPPROTO_IP, IP_PKTINFO, 1)
        sock.bind((host, port))
        if kind == socket.SOCK_STREAM:
            sock.listen(8)
        sock.setblocking(False)
    except OSError:
        sock.close()
        raise
    return sock


def wait_listening(
    box: Sandbox,
    protocol: str = "tcp",
    timeout: float = READY_TIMEOUT,
    syntax: SyntaxProblem | None = None,
) -> SocketEntry:
    """Wait until the program has a listening TCP (or bound UDP) socket; never connects."""
    start = time.monotonic()
    deadline = start + timeout
    last_cpu: float | None = None
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
                hint=startup_hint(box.exit_status, box.stderr_text(), syntax),
            )
        now = time.monotonic()
        if now > deadline:
            cpu = box.cpu_seconds()
            busy = cpu > timeout * 0.5
            computing = last_cpu is None or cpu > last_cpu or "R" in box.thread_states()
            if computing and cpu < timeout and now - start < timeout * START_STRETCH:
                # Still computing, but it has had less CPU than the timeout: a loaded
                # machine is slowing it down. Give it the CPU time it would get on an idle
                # one, so the verdict does not depend on what else the machine runs (a
                # program asleep in input() uses none: it fails at the timeout).
                last_cpu = cpu
                deadline = now + 0.2
                continue
            if "Traceback (most recent call last)" in box.stderr_text() and box.exited.wait(1.0):
                continue  # it is dying of an exception: report that, not the timeout
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
