"""Launching the student's programs for a check, and taking turns on fixed ports.

A check's context is a `Launcher`: `server()` starts the student's server in a sandbox of
its own and waits until it listens (`wait_listening`: never a fixed sleep, a program that
died is reported at once with the likely reason); `client()` and `udp_client()` start the
student's client with the grader playing its server on every port and address the client
may use. On a shared host (the fallback isolation, ports mode) a server that ignores the
port it is handed takes turns on its fixed port with every other check and grading
(`PortLock`): whose turn it is, is decided here. Everything started is stopped when the
check ends (`close`).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.hints.common import NO_CLIENT_FILE, NOT_LISTENING, TCP_SERVER, ServerHints
from autograder.i18n import Text
from autograder.netstat import SocketEntry
from autograder.peers import UdpPeer
from autograder.programs.clients import IP_PKTINFO, ClientProgram, UdpClientProgram
from autograder.programs.server import Server
from autograder.sandbox import (
    PortLock,
    Sandbox,
    SandboxError,
    SandboxFactory,
    minimal_environment,
)
from autograder.session import Session
from autograder.source import SyntaxProblem
from autograder.submission import Submission
from autograder.verdicts import CheckFailed, ProgramFailed

READY_TIMEOUT = 5.0  # seconds a server gets to start listening
START_STRETCH = 3.0  # ... stretched up to this many times while it computes on a busy machine
PORT_WAIT = 45.0  # seconds a check waits for its turn on a fixed port (fallback mode)
# Seconds a check with its turn on a fixed port waits for a program without a turn (one
# started before its port was known to be fixed) to give the port back (fallback mode).
PORT_BIND_WAIT = 5.0


@dataclass
class Launcher(Session):
    """The programs of one check: started on demand, all stopped by `close()`."""

    factory: SandboxFactory
    submission: Submission
    cancelled: threading.Event = field(default_factory=threading.Event)
    _boxes: list[Sandbox] = field(default_factory=list)
    _server: Server | None = None
    _client: ClientProgram | None = None  # the student's client this check drives, if any
    _port_locks: list[PortLock] = field(default_factory=list)
    _locked_ports: set[int] = field(default_factory=set)
    # The words for a server that dies, stops reading or does not start (its protocol's).
    server_hints: ServerHints = TCP_SERVER

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
                entry = wait_listening(box, protocol, syntax=problem, hints=self.server_hints)
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
        return Server(self, box, entry, self.server_hints)

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
        self.closers.append(peer.close)
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
                NO_CLIENT_FILE,
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
                    self.closers.append(sock.close)
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
                f"запускаем {path.name}; роль сервера играет автопроверка (порты "
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
                f"запускаем {path.name}; роль UDP-сервера играет автопроверка (порты "
                f"{', '.join(map(str, ports))})",
                f"start {path.name}; the grader plays the UDP server (ports "
                f"{', '.join(map(str, ports))})",
            ),
        )
        box.start(self._program_argv(path, box), minimal_environment(box.home))
        return UdpClientProgram(self, box, sockets, ports)

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
        for closer in self.closers:
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
    hints: ServerHints = TCP_SERVER,
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
            raise ProgramFailed(
                Text(
                    f"сервер завершился при запуске (код {box.exit_status})",
                    f"the server exited while starting (status {box.exit_status})",
                ),
                hint=hints.startup(box.exit_status, box.stderr_text(), syntax),
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
            raise ProgramFailed(
                Text(
                    f"сервер не начал слушать порт за {timeout:.0f} с"
                    + (f" (занят вычислениями: {cpu:.1f} с CPU)" if busy else ""),
                    f"the server did not start listening within {timeout:.0f}s"
                    + (f" (busy computing: {cpu:.1f}s of CPU)" if busy else ""),
                ),
                hint=NOT_LISTENING,
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
