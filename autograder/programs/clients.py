"""The student's client, with the grader playing its server: TCP listeners or UDP sockets
on every port and address the client may use, the connection or datagrams it sends."""

from __future__ import annotations

import contextlib
import ipaddress
import select
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass

from autograder.hints.common import (
    CLIENT_NO_CONNECT,
    CLIENT_PORT_FALLBACK,
    UDP_CLIENT_SILENT,
)
from autograder.i18n import Text
from autograder.peers import TcpPeer, describe_bytes
from autograder.programs.console import EXPECT_TIMEOUT, ConsoleProgram
from autograder.sandbox import Sandbox
from autograder.session import Session
from autograder.textmatch import clean
from autograder.verdicts import CheckFailed

IP_PKTINFO = getattr(socket, "IP_PKTINFO", 8)  # Linux's value, where the module lacks the name


class ClientProgram(ConsoleProgram):
    """The student's console TCP client, with the grader playing its server."""

    def __init__(
        self,
        ctx: Session,
        box: Sandbox,
        listeners: list[socket.socket],
        ports: list[int] | None = None,
    ):
        super().__init__(ctx, box)
        self.listeners = listeners
        self.ports = ports or []
        self.prompt: str | None = None

    def accept(self, timeout: float = EXPECT_TIMEOUT) -> TcpPeer | None:
        """Wait for the client to connect to the grader's server."""
        if self.peer is not None:
            return self.peer
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
                self.peer = TcpPeer("server", sock, self.ctx.transcript, self.ctx.roster)
                self.port = sock.getpeername()[1]  # the client's end of its connection
                self.peer.start_reading()
                self.ctx.closers.append(self.peer.close)
                return self.peer
            time.sleep(0.01)
        return None

    def connect_back(self, timeout: float = 5.0) -> TcpPeer:
        """Wait for the client's connection to the grader's server, or fail."""
        conn = self.accept(timeout)
        if conn is None:
            exited = self.box.exited.is_set()
            if exited:
                self.drain()  # its traceback or usage line names the cause
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
            hint = self.silent_hint(hint, exited)
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
        self, ctx: Session, box: Sandbox, sockets: list[socket.socket], ports: list[int]
    ) -> None:
        super().__init__(ctx, box)
        self.sockets = sockets
        self.ports = ports
        self.datagrams: list[Datagram] = []
        self.next_datagram = 0  # matching starts at this datagram; advanced by every match

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
        """The first datagram from `next_datagram` on whose text (stripped) satisfies `wanted`."""
        deadline = time.monotonic() + timeout
        looked = False
        while True:
            for n in range(self.next_datagram, len(self.datagrams)):
                if wanted(self.datagrams[n].text):
                    self.next_datagram = n + 1
                    return self.datagrams[n]
            remaining = deadline - time.monotonic()
            if remaining <= 0 and looked:
                return None
            self._receive(min(max(remaining, 0.0), 0.05))  # at least once: what is waiting
            looked = True

    def _progress(self) -> object:
        return len(self.datagrams)

    def received(self) -> str:
        """The datagrams not matched yet, one a line (for a report's "received")."""
        return "\n".join(d.text for d in self.datagrams[self.next_datagram :])

    def first_datagram(self, timeout: float = 5.0) -> Datagram:
        """Wait for the client's first datagram to the grader's server, or fail. The wait
        ends early once the client is visibly quiet (as `accept` does for a TCP client):
        every thread asleep, e.g. in input() for a line the grader will not type."""
        deadline = time.monotonic() + timeout
        quiet = self.quiet()
        while not self.datagrams and time.monotonic() < deadline:
            self._receive(0.05)
            if not self.datagrams and quiet():
                break
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
        if exited:
            self.drain()
        hint = self.silent_hint(hint, exited)
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
