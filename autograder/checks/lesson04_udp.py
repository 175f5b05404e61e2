"""Lesson 04 submitted as a UDP chat: graded by these checks, then capped (rubric).

One datagram is one message; the first datagram from a new address is its nickname;
the datagram `exit` leaves. The grader's users are UDP sockets inside the sandbox.
"""

from __future__ import annotations

import contextlib
import re
import socket
import time

from autograder import hints
from autograder.checks.common import deliver, static_requirements
from autograder.framework import CheckContext, CheckFailed, CheckSet, Hint
from autograder.i18n import Text
from autograder.peers import UdpPeer
from autograder.sandbox import minimal_environment
from autograder.textmatch import excerpt

CHECKS = CheckSet("04", "udp")

NO_DATAGRAM = Hint(
    Text(
        "Клиент должен отправить имя первой датаграммой (sendto на адрес сервера).",
        "The client must send the nickname as its first datagram (sendto the server).",
    ),
    "udp",
)


@CHECKS.check("requirements", depends=(), needs="static")
def requirements(ctx: CheckContext) -> None:
    """The server uses socket; the client runs a receiving thread (threading)."""
    static_requirements(ctx, server_modules=("socket",), client_modules=("threading",))


@CHECKS.check("starts", depends=())
def starts(ctx: CheckContext) -> None:
    """The server starts and binds its UDP port."""
    ctx.server()


@CHECKS.check("join")
def join(ctx: CheckContext) -> None:
    """A newcomer's nickname reaches those already in."""
    alice = ctx.udp_peer("alice")
    _sync(ctx, alice)
    ctx.udp_peer("bob")
    ctx.expect(
        alice,
        "bob",
        expected=Text("у alice датаграмма с именем bob", "alice gets a datagram with bob's name"),
        hint=hints.NO_JOIN_NOTICE,
    )


def _sync(ctx: CheckContext, peer: UdpPeer) -> None:
    """Datagrams from different sockets may be handled in any order; give the server a
    moment to register `peer` before the next one acts (a bounded wait for its reply)."""
    peer.expect("", timeout=0.3)


@CHECKS.check("broadcast")
def broadcast(ctx: CheckContext) -> None:
    """With three users, each message reaches both others with the sender's name."""
    users = []
    for name in ("alice", "bob", "carol"):
        users.append(ctx.udp_peer(name))
        _sync(ctx, users[-1])
    texts = ("good morning everyone", "the weather is fine", "see you at the lecture")
    for sender, text in zip(users, texts, strict=True):
        with ctx.step(1 / 3, Text(f"сообщение {sender.name}", f"{sender.name}'s message")):
            deliver(ctx, None, sender, text, [u for u in users if u is not sender])


@CHECKS.check("leave")
def leave(ctx: CheckContext) -> None:
    """After `exit` the others are told, and the server keeps serving."""
    users = []
    for name in ("alice", "bob", "carol"):
        users.append(ctx.udp_peer(name))
        _sync(ctx, users[-1])
    alice, bob, carol = users
    alice.skip_to_end()
    carol.send("exit")
    with ctx.step(0.6, Text("уведомление о выходе", "leave notice")):
        ctx.expect(
            alice,
            "carol",
            exclude=re.compile(r"carol\W{0,3}\s*exit\s*$", re.IGNORECASE),
            expected=Text(
                "у alice уведомление о выходе carol", "alice gets a notice that carol left"
            ),
            hint=hints.NO_LEAVE_NOTICE,
        )
    with ctx.step(0.4, Text("сервер работает дальше", "the server keeps serving")):
        deliver(ctx, None, alice, "carol is gone", [bob])


@CHECKS.check("utf8")
def utf8(ctx: CheckContext) -> None:
    """Cyrillic and emoji arrive intact; an invalid datagram does not break the server."""
    alice = ctx.udp_peer("alice")
    _sync(ctx, alice)
    bob = ctx.udp_peer("bob")
    _sync(ctx, bob)
    with ctx.step(0.5, Text("кириллица и эмодзи", "Cyrillic and emoji")):
        deliver(ctx, None, alice, "привет, мир 👋", [bob], hint=hints.NOT_UTF8)
    with ctx.step(0.5, Text("неверный UTF-8", "invalid UTF-8")):
        alice.send(b"\xff\xfe broken \xc3\x28")
        deliver(ctx, None, alice, "still here", [bob], hint=hints.BAD_INPUT)


class _UdpServerRole:
    """The grader as a UDP chat server for the student's client."""

    def __init__(self, ctx: CheckContext) -> None:
        self.ctx = ctx
        path = ctx.submission.client
        if path is None:
            raise CheckFailed(Text("нет файла клиента (client.py)", "no client file (client.py)"))
        self.box = ctx._new_box()
        ports = [self.box.port] if self.box.isolation == "ports" else [9090, 9091]
        self.sockets = []
        for port in ports:
            with contextlib.suppress(OSError):
                s = self.box.socket(socket.AF_INET, socket.SOCK_DGRAM)
                s.bind(("127.0.0.1", port))
                s.settimeout(0.05)
                self.sockets.append(s)
                ctx._closers.append(s.close)
        self.client_address: tuple[str, int] | None = None
        self.reply_socket: socket.socket | None = None
        self.received = ""
        ctx.transcript.add(
            "grader",
            Text(
                f"запускаем {path.name}; UDP-сервер изображает автопроверка",
                f"start {path.name} (the grader plays the UDP server)",
            ),
        )
        self.box.start(ctx._program_argv(path, self.box), minimal_environment(self.box.home))

    def type(self, line: str) -> None:
        self.ctx.transcript.add("stdin", Text(f"набираем {line!r}", f"type {line!r}"))
        self.box.write_stdin(line + "\n")

    def wait_datagram(self, needle: str, timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.received:
                return True
            for s in self.sockets:
                try:
                    data, address = s.recvfrom(65536)
                except (TimeoutError, BlockingIOError):
                    continue
                self.client_address, self.reply_socket = address, s
                text = data.decode("utf-8", errors="replace")
                self.ctx.transcript.add("server", Text(f"пришло {text!r}", f"got {text!r}"))
                self.received += text + "\n"
        return needle in self.received

    def send(self, text: str) -> None:
        assert self.reply_socket is not None and self.client_address is not None
        self.ctx.transcript.add("server", Text(f"отправляет {text!r}", f"sends {text!r}"))
        self.reply_socket.sendto(text.encode(), self.client_address)

    def output(self) -> str:
        return self.box.stdout_text()


@CHECKS.check("client_sends", depends=(), needs="client")
def client_sends(ctx: CheckContext) -> None:
    """The client sends the nickname, then each typed line, as datagrams."""
    role = _UdpServerRole(ctx)
    role.type("alice")
    with ctx.step(0.5, Text("имя", "nickname")):
        if not role.wait_datagram("alice"):
            ctx.fail(
                Text("имя не пришло", "no nickname arrived"),
                Text("датаграмма alice", "a datagram alice"),
                excerpt(role.received) or None,
                NO_DATAGRAM,
            )
    with ctx.step(0.5, Text("набранная строка", "a typed line")):
        role.type("hello from the keyboard")
        if not role.wait_datagram("hello from the keyboard"):
            ctx.fail(
                Text("строка не пришла", "the line did not arrive"),
                Text("датаграмма с набранной строкой", "a datagram with the typed line"),
                excerpt(role.received) or None,
                hints.CLIENT_NO_SEND,
            )


@CHECKS.check("client_receives", depends=(), needs="client")
def client_receives(ctx: CheckContext) -> None:
    """The client prints incoming datagrams while waiting for input, and exits on exit."""
    role = _UdpServerRole(ctx)
    role.type("alice")
    if not role.wait_datagram("alice"):
        ctx.fail(Text("клиент не прислал имя", "the client sent no nickname"), hint=NO_DATAGRAM)
    with ctx.step(0.6, Text("входящее печатается", "incoming text is printed")):
        text = "bob: привет из сервера"
        role.send(text)
        deadline = time.monotonic() + 3
        while text not in role.output() and time.monotonic() < deadline:
            time.sleep(0.01)
        if text not in role.output():
            ctx.fail(
                Text("сервер прислал датаграмму", "the server sent a datagram"),
                Text(f'клиент печатает "{text}"', f'the client prints "{text}"'),
                excerpt(role.output(), 200) or None,
                hints.CLIENT_NO_RECEIVER,
            )
    with ctx.step(0.4, Text("выход по exit", "exit on 'exit'")):
        role.type("exit")
        if not role.box.exited.wait(3):
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text("клиент завершается за 3 с", "the client ends within 3s"),
                None,
                hints.CLIENT_NO_EXIT,
            )
