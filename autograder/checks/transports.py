"""How a chat travels: TCP lines (lesson 04) or UDP datagrams (lesson 03).

The chat scenarios (checks/chat.py) are written once. A `Transport` says what is the
protocol's own in them: how a user joins, speaks and leaves, how long a reply may take,
what leaving means, how a crowd joins, how the student's client is driven, and in which
words a failure is explained (its `ChatHints`, from hints/lesson04.py or hints/lesson03.py).
So a UDP server's missing broadcast is named in UDP's words when the failure is made,
never swapped for them afterwards.

TCP: a message is a line; the next chunk is sent only once the server has read the
previous one (`Server.wait_consumed`). UDP: a message is one datagram; the first one from
a new address is the nickname, the datagram `exit` leaves; replies are expected quickly,
since a datagram is only awaited after the server has read the one that causes it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from autograder.checks.common import settle
from autograder.context import CheckContext
from autograder.hints import lesson03 as udp_hints
from autograder.hints import lesson04 as tcp_hints
from autograder.hints.common import NOT_UTF8, ChatHints, DeliveryHints
from autograder.i18n import Text
from autograder.peers import TcpPeer
from autograder.programs.clients import ClientProgram, UdpClientProgram
from autograder.programs.console import ConsoleProgram
from autograder.quiescence import quiet_reason
from autograder.textmatch import Needle, excerpt, find_segment, loose, rewritten
from autograder.verdicts import CheckFailed, Hint, ProgramFailed


def missing_hint(
    sender: TcpPeer,
    receiver: TcpPeer,
    text: str,
    advice: DeliveryHints,
    default: Hint | None = None,
    require_name: bool = False,
) -> Hint:
    """Why `text` from `sender` did not reach `receiver`, judged by what did arrive."""
    if require_name and find_segment(receiver.received_since_mark(), (loose(text),)):
        return advice.no_name
    if find_segment(sender.received_since_mark(), (loose(text),)):
        return advice.echo_only
    return default or advice.missing


# A way to leave: its share of `leave`'s points, its title, and how a user leaves so.
LeaveWay = tuple[float, Text, Callable[[CheckContext, TcpPeer], None]]


CROWD_HANDLE_SETTLE = 3.0  # seconds a crowd waits at most for the server to be done with it
FLOOD_COPIES = 3  # the same line this many times right after a leave is a flood
FLOOD_BYTES = 1 << 16  # this much text after a leave, none of it a notice, is a flood


def repeated(peer: TcpPeer, line: str, wait: float = 0.1) -> bool:
    """Does `line` come again and again at `peer` (`FLOOD_COPIES` times, within `wait`
    seconds)? A server whose loop never stops on b'' sends the same line over and over
    (" говорит > carol"): it names the user, but it is not a notice."""
    return peer.wait_until(lambda text: text.count(line) >= FLOOD_COPIES, timeout=wait)


class Transport:
    """What the chat scenarios need of a protocol (see the module docstring)."""

    hints: ChatHints
    name_not_read: Hint  # the name line came back relayed as a message: no name was read
    client_prefix: Callable[[str], Hint]  # the client signs the typed line itself
    unit: Text  # what carries one message ("строка"/"line")
    unit_acc: Text  # ... as an object in Russian ("строку")
    reply_timeout: float  # seconds a reply gets to arrive (ends early once quiet)
    crowd_size: int  # users in `many_clients`
    crowd_text: str
    crowd_timeout: float

    # --- the grader's users ------------------------------------------------------------
    def join(self, ctx: CheckContext, name: str) -> TcpPeer:
        """A new user whose nickname the server has read."""
        raise NotImplementedError

    def frame(self, text: str) -> str:
        """One message as it goes on the wire."""
        raise NotImplementedError

    def send(self, ctx: CheckContext, sender: TcpPeer, text: str, hint: Hint | None = None) -> None:
        """`sender` says `text`; wait until the server has read it (`hint`: the check's
        own idea of why it did not)."""
        sender.send(self.frame(text))
        ctx.server().wait_consumed(sender, hint=hint)

    def say(
        self,
        ctx: CheckContext,
        sender: TcpPeer,
        text: str,
        receivers: list[TcpPeer],
        timeout: float | None = None,
        hint: Hint | None = None,
        require_name: bool = False,
    ) -> None:
        """`sender` says `text`; every receiver must get it.

        Only `broadcast` requires the sender's name with it (`require_name`): every other
        check that sends a message is about something else, and must not fail a server
        that forgets the name (each check fails for its own reason only). When the message
        does not arrive, what did arrive names the likely bug: the text without the name,
        the text back at the sender only, or nothing at all.

        The text is matched loosely (`textmatch.loose`: its words with any punctuation
        between them); a server that rewrites it pays for that once, in `broadcast`
        (`require_name`), where the text must arrive as sent.
        """
        timeout = self.reply_timeout if timeout is None else timeout
        # The message is not sent yet: no line complete now can carry it.
        starts = [receiver.line_start() for receiver in receivers]
        self.send(ctx, sender, text, hint)
        needles = (sender.name, loose(text)) if require_name else (loose(text),)
        for receiver, since in zip(receivers, starts, strict=True):
            quiet = ctx.quiet()
            found = receiver.expect(*needles, timeout=timeout, give_up=quiet, since=since)
            changed = rewritten(text, found.segment) if found and require_name else None
            if changed is not None:
                ctx.fail(
                    Text(
                        f"до {receiver.name} сообщение {sender.name} дошло изменённым",
                        f"{sender.name}'s message reached {receiver.name} changed",
                    ),
                    Text(
                        f'у {receiver.name} {self.unit.ru} с "{sender.name}" и "{text}"',
                        f'{receiver.name} gets a {self.unit.en} with "{sender.name}" and "{text}"',
                    ),
                    excerpt(found.segment) if found else None,
                    tcp_hints.text_rewritten_hint(text, changed),
                )
            if found:
                continue
            came = receiver.received_since_mark()
            likely = missing_hint(sender, receiver, text, self.hints.delivery, hint, require_name)
            unit = self.unit
            # The text came, only without the sender's name: say so, not "did not get".
            nameless = require_name and likely is self.hints.delivery.no_name
            ctx.fail(
                Text(
                    f"сообщение {sender.name} пришло к {receiver.name} без имени автора"
                    if nameless
                    else f"до {receiver.name} не дошло сообщение {sender.name}"
                    + quiet_reason(quiet, timeout).ru,
                    f"{sender.name}'s message reached {receiver.name} without the sender's name"
                    if nameless
                    else f"{receiver.name} did not get {sender.name}'s message"
                    + quiet_reason(quiet, timeout).en,
                ),
                Text(
                    f'у {receiver.name} {unit.ru} с "{sender.name}" и "{text}"'
                    if require_name
                    else f'у {receiver.name} {unit.ru} с "{text}"',
                    f'{receiver.name} gets a {unit.en} with "{sender.name}" and "{text}"'
                    if require_name
                    else f'{receiver.name} gets a {unit.en} with "{text}"',
                ),
                excerpt(came) or None,
                likely,
            )

    def expect(
        self,
        ctx: CheckContext,
        peer: TcpPeer,
        *needles: Needle,
        expected: Text,
        hint: Hint,
        nothing: bool = True,
        exclude: re.Pattern[str] | None = None,
    ) -> str:
        """`ctx.expect` in this transport's time and words; `nothing`: a user who got
        nothing at all in the whole check means no broadcast (not for a join notice, the
        first thing a user may ever get: nothing is exactly its symptom)."""
        return ctx.expect(
            peer,
            *needles,
            expected=expected,
            hint=hint,
            timeout=self.reply_timeout,
            exclude=exclude,
            nothing_hint=self.hints.nothing_to_others if nothing else None,
        )

    def cyrillic(self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
        """alice's Cyrillic and emoji text reaches bob intact."""
        raise NotImplementedError

    # --- leaving -------------------------------------------------------------------------
    @property
    def leave_ways(self) -> tuple[LeaveWay, ...]:
        """Every way this protocol's users leave, each with its share of `leave`'s points
        (the rest is `after_leaving`'s) and its title; one user leaves each way in turn."""
        raise NotImplementedError

    def expect_leave_notice(
        self,
        ctx: CheckContext,
        peer: TcpPeer,
        name: str,
        not_a_notice: re.Pattern[str],
        hint: Hint | Callable[[], Hint] | None = None,
    ) -> None:
        """`peer` must be told that `name` left (text it had not seen before, see
        `before_leaving`); `hint`: what a missing notice means, if not the usual."""
        quiet = ctx.quiet()
        start = peer.received_bytes

        def give_up() -> bool:
            # A flood (64 KB of anything but a notice) will not turn into one: stop waiting.
            return peer.received_bytes - start > FLOOD_BYTES or bool(quiet and quiet())

        found = peer.expect(name, timeout=self.reply_timeout, exclude=not_a_notice, give_up=give_up)
        flood = found is not None and repeated(peer, found.segment)
        if found is not None and not flood:
            return
        came = peer.received_since_mark()
        if flood:  # one line of an endless flood names her: not a notice the server composed
            hint = tcp_hints.EMPTY_RECV_SPIN
        ctx.fail(
            Text(
                f"к {peer.name} не пришло уведомление о выходе {name}"
                + quiet_reason(quiet, self.reply_timeout).ru,
                f"{peer.name} got no notice that {name} left"
                + quiet_reason(quiet, self.reply_timeout).en,
            ),
            Text(
                f"у {peer.name} уведомление о выходе {name}",
                f"{peer.name} gets a notice that {name} left",
            ),
            excerpt(came, 200) or None,
            self.leave_hint(ctx, peer, name, came, hint),
        )

    def leave_hint(
        self,
        ctx: CheckContext,
        peer: TcpPeer,
        name: str,
        came: str,
        hint: Hint | Callable[[], Hint] | None,
    ) -> Hint:
        """Why `peer` got no notice that `name` left, from what it got instead."""
        raise NotImplementedError

    def after_leaving(
        self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer, carol: TcpPeer
    ) -> None:
        """The steps of `leave` after the notice: what else leaving must do here."""
        raise NotImplementedError

    # --- a crowd -------------------------------------------------------------------------
    def crowd(self, ctx: CheckContext) -> list[TcpPeer]:
        """`crowd_size` users join at once; their nicknames are read."""
        raise NotImplementedError

    def crowd_hint(
        self, sender: TcpPeer, receivers: list[TcpPeer], missing: list[TcpPeer], text: str
    ) -> Hint:
        """Why `text` did not reach the `missing` ones of a crowd."""
        raise NotImplementedError

    # --- the student's client ------------------------------------------------------------
    def start_client(self, ctx: CheckContext) -> ConsoleProgram:
        """The student's client, started, with the grader playing its server."""
        raise NotImplementedError

    def connected(self, client: ConsoleProgram) -> None:
        """Wait until the client has reached the grader's server at all, or fail."""
        raise NotImplementedError

    def joined_client(self, ctx: CheckContext, first_run: bool) -> ConsoleProgram:
        """The student's client with the user's nickname "alice" typed and received."""
        raise NotImplementedError

    def expect_sent(
        self, ctx: CheckContext, client: ConsoleProgram, needle: str, expected: Text, hint: Hint
    ) -> str:
        """The client must send a message with `needle` to the grader's server: that
        message (a line, a datagram), as it came."""
        raise NotImplementedError

    def expect_nickname(self, ctx: CheckContext, client: ConsoleProgram) -> None:
        """The client must send the nickname "alice" the user typed, as this protocol's
        servers take it."""
        self.expect_sent(
            ctx,
            client,
            "alice",
            Text("серверу приходит имя alice", "the server receives the nickname alice"),
            self.hints.client_no_name,
        )

    def answer(self, client: ConsoleProgram, text: str) -> None:
        """The grader's server sends the client one message."""
        raise NotImplementedError

    def client_ends(self, ctx: CheckContext, client: ConsoleProgram) -> None:
        """The user typed exit: the client must leave as this protocol's clients do."""
        raise NotImplementedError


class TcpLines(Transport):
    hints = tcp_hints.TCP_CHAT
    name_not_read = tcp_hints.NAME_NOT_READ
    client_prefix = staticmethod(tcp_hints.client_prefix_hint)
    unit = Text("строка", "line")
    unit_acc = Text("строку", "line")
    reply_timeout = 3.0
    crowd_size = 50
    crowd_text = "hello to all forty-nine of you"
    crowd_timeout = 5.0

    def join(self, ctx: CheckContext, name: str) -> TcpPeer:
        return ctx.server().connect(name)

    def frame(self, text: str) -> str:
        return f"{text}\n"

    def cyrillic(self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
        text = "привет, мир 👋"
        self.send(ctx, alice, text, hint=NOT_UTF8)
        self.expect(
            ctx,
            bob,
            loose(text),
            expected=Text(f'у bob строка "alice: {text}"', f'bob gets "alice: {text}"'),
            hint=NOT_UTF8,
        )

    @property
    def leave_ways(self) -> tuple[LeaveWay, ...]:
        """The exit word and a half-close (many students' clients), then a plain close with
        no word (the course's client, and a closed window): a server that only reacts to
        the word, or only to the close, earns half of the notice's points."""
        return (
            (0.3, Text("выход словом exit", "leaving with the word exit"), self.leaves_with_word),
            (
                0.3,
                Text("выход без слова: соединение закрыто", "leaving with no word: a plain close"),
                self.leaves_by_closing,
            ),
        )

    @staticmethod
    def leaves_with_word(ctx: CheckContext, peer: TcpPeer) -> None:
        peer.send("exit\n")
        peer.leave()

    @staticmethod
    def leaves_by_closing(ctx: CheckContext, peer: TcpPeer) -> None:
        """As solutions/04/client.py leaves: shutdown(SHUT_RDWR) and close, no word."""
        peer.transcript.add(
            peer.name, Text("закрывает соединение без слова exit", "closes with no exit word")
        )
        peer.close()

    def leave_hint(
        self,
        ctx: CheckContext,
        peer: TcpPeer,
        name: str,
        came: str,
        hint: Hint | Callable[[], Hint] | None,
    ) -> Hint:
        # A server that spins on the closed connection, or floods "carol: " lines, has the
        # classic bug: its loop never stops on recv() == b''.
        if len(came) > 2000 or ctx.server_spinning():
            return tcp_hints.EMPTY_RECV_SPIN
        if callable(hint):
            return hint()
        return hint or self.hints.no_leave_notice

    def after_leaving(
        self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer, carol: TcpPeer
    ) -> None:
        with ctx.step(0.2, Text("нет потока пустых сообщений", "no flood of empty messages")):
            before = alice.received_bytes
            settle([alice], quiet=0.2, limit=0.6)
            flood = alice.received_bytes - before
            if flood > 2000:
                ctx.fail(
                    Text(
                        f"после выхода carol к alice пришло ещё {flood} байт",
                        f"after carol left alice received another {flood} bytes",
                    ),
                    Text("тишину", "silence"),
                    excerpt(alice.received_since_mark(), 120),
                    tcp_hints.EMPTY_RECV_FLOOD,
                )
        with ctx.step(
            0.2,
            Text("новый участник и пишет, и читает", "a newcomer both talks and hears the others"),
        ):
            erin = self.join(ctx, "erin")
            self.say(ctx, erin, "is anyone still here", [alice])
            # Both ways: a server that keeps carol's dead connection in its list fails its
            # next send to it, and a wrong `except` then drops a living user instead.
            self.say(ctx, alice, "yes, welcome erin", [erin], hint=tcp_hints.LEAVER_KEPT)

    def crowd(self, ctx: CheckContext) -> list[TcpPeer]:
        server = ctx.server()
        busy_before = server.box.runnable_threads()
        peers: list[TcpPeer] = []
        for n in range(self.crowd_size):
            peer = server.open(f"user{n:02d}", log=False)
            peer.start_reading()
            peer.send(f"{peer.name}\n", log=False)
            peers.append(peer)
        ctx.transcript.add(
            "grader",
            Text(
                f"{self.crowd_size} участников подключились и отправили имена",
                f"{self.crowd_size} users connected and sent their nicknames",
            ),
        )
        for n, peer in enumerate(peers):
            try:
                server.wait_consumed(peer, timeout=10 if n else 3)
            except CheckFailed as failure:
                if n:  # the first user was served: it is the number of users that hurts
                    failure.hint = self.hints.many_clients
                raise
        server.wait_handled(busy_before, limit=CROWD_HANDLE_SETTLE)
        return peers

    def crowd_hint(
        self, sender: TcpPeer, receivers: list[TcpPeer], missing: list[TcpPeer], text: str
    ) -> Hint:
        return missing_hint(sender, missing[0], text, self.hints.delivery, self.hints.many_clients)

    def start_client(self, ctx: CheckContext) -> ClientProgram:
        return ctx.client()

    def connected(self, client: ConsoleProgram) -> None:
        assert isinstance(client, ClientProgram)
        client.connect_back()

    def joined_client(self, ctx: CheckContext, first_run: bool) -> ConsoleProgram:
        client = self.start_client(ctx)
        client.type("alice")
        conn = client.connect_back()
        conn.expect("alice", timeout=3, give_up=ctx.quiet())
        return client

    def expect_sent(
        self, ctx: CheckContext, client: ConsoleProgram, needle: str, expected: Text, hint: Hint
    ) -> str:
        return ctx.expect(client.connection, needle, expected=expected, hint=hint)

    def answer(self, client: ConsoleProgram, text: str) -> None:
        client.connection.send(self.frame(text))

    def client_ends(self, ctx: CheckContext, client: ConsoleProgram) -> None:
        if not client.wait_exit(3):
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text("клиент завершается за 3 с", "the client ends within 3s"),
                Text("клиент всё ещё работает", "the client is still running"),
                self.hints.client_no_exit,
            )


def _contains(needle: str) -> Callable[[str], bool]:
    return lambda text: needle.casefold() in text.casefold()


def _is_exit(text: str) -> bool:
    return text.casefold() == "exit"


class UdpDatagrams(Transport):
    hints = udp_hints.UDP_CHAT
    name_not_read = udp_hints.UDP_NAME_NOT_READ
    client_prefix = staticmethod(udp_hints.udp_client_prefix_hint)
    unit = Text("датаграмма", "datagram")
    unit_acc = Text("датаграмму", "datagram")
    # Short on purpose: a datagram is only expected after the server has read the one
    # that causes it and gone idle again (`Server.wait_consumed`), and by then whatever it
    # sent is already at our sockets; what is left is our own reader.
    reply_timeout = 1.0
    crowd_size = 20
    crowd_text = "hello to all nineteen of you"
    crowd_timeout = 1.0

    def join(self, ctx: CheckContext, name: str) -> TcpPeer:
        return ctx.udp_peer(name)

    def frame(self, text: str) -> str:
        return text  # one datagram is one message: no line ending

    def cyrillic(self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer) -> None:
        """The Latin text first: when it does not arrive, delivery itself is the bug
        (named as such); when it does and the Cyrillic one does not, the encoding is
        (unless the server died or stopped reading: then its state is)."""
        self.say(ctx, alice, "plain latin text", [bob])
        try:
            self.say(ctx, alice, "привет, мир 👋", [bob])
        except CheckFailed as failure:
            if not isinstance(failure, ProgramFailed):
                failure.hint = self.hints.not_utf8
            raise

    @property
    def leave_ways(self) -> tuple[LeaveWay, ...]:
        """UDP has no connection to close: the datagram exit is the only way."""
        return ((0.5, Text("уведомление о выходе", "leave notice"), self.leaves),)

    @staticmethod
    def leaves(ctx: CheckContext, peer: TcpPeer) -> None:
        peer.send("exit")
        ctx.server().wait_consumed(peer)

    def leave_hint(
        self,
        ctx: CheckContext,
        peer: TcpPeer,
        name: str,
        came: str,
        hint: Hint | Callable[[], Hint] | None,
    ) -> Hint:
        exit_word = rf"{re.escape(name)}\W{{0,3}}\s*exit\s*$"
        if re.search(exit_word, came, re.IGNORECASE | re.MULTILINE):
            return udp_hints.UDP_EXIT_AS_MESSAGE
        if peer.received_bytes == 0:
            return self.hints.nothing_to_others
        return self.hints.no_leave_notice

    def after_leaving(
        self, ctx: CheckContext, alice: TcpPeer, bob: TcpPeer, carol: TcpPeer
    ) -> None:
        with ctx.step(
            0.5,
            Text(
                "после exit сервер забывает адрес carol и работает дальше",
                "after exit the server forgets carol's address and goes on",
            ),
        ):
            carol.skip_to_end()
            self.say(ctx, alice, "carol is gone", [bob])
            # Handled after alice's message: once it is at alice, anything the server sent
            # carol for alice's message has come too (a short quiet period covers threads).
            self.say(ctx, bob, "so it seems", [alice])
            settle([carol], quiet=0.1, limit=0.5)
            late = carol.received_since_mark()
            if "carol is gone" in late or "so it seems" in late:
                ctx.fail(
                    Text(
                        "после exit к carol всё ещё приходят сообщения чата",
                        "after exit carol still receives the chat's messages",
                    ),
                    Text("carol после exit ничего не получает", "carol gets nothing after exit"),
                    excerpt(late, 200),
                    udp_hints.UDP_LEAVER_KEPT,
                )

    def crowd(self, ctx: CheckContext) -> list[TcpPeer]:
        peers: list[TcpPeer] = [
            ctx.udp_peer(f"user{n:02d}", join=False) for n in range(self.crowd_size)
        ]
        for peer in peers:
            peer.send(peer.name, log=False)
        ctx.transcript.add(
            "grader",
            Text(
                f"{self.crowd_size} участников разом прислали имена",
                f"{self.crowd_size} users sent their nicknames at once",
            ),
        )
        ctx.server().wait_consumed(peers[-1], timeout=10)
        return peers

    def crowd_hint(
        self, sender: TcpPeer, receivers: list[TcpPeer], missing: list[TcpPeer], text: str
    ) -> Hint:
        if len(missing) == len(receivers):  # nobody: delivery itself is broken, not the count
            return missing_hint(sender, receivers[0], text, self.hints.delivery)
        return self.hints.many_clients

    def start_client(self, ctx: CheckContext) -> UdpClientProgram:
        return ctx.udp_client()

    def connected(self, client: ConsoleProgram) -> None:
        assert isinstance(client, UdpClientProgram)
        client.first_datagram()

    def joined_client(self, ctx: CheckContext, first_run: bool) -> ConsoleProgram:
        """On the first run, a client that sends no datagram at all leaves nowhere to
        answer: skipped (client_sends fails it), not failed twice."""
        client = self.start_client(ctx)
        client.type("alice")
        try:
            client.first_datagram()
        except CheckFailed:
            if not first_run:
                raise
            ctx.skip(
                Text(
                    "клиент не прислал ни одной датаграммы, отвечать некуда (см. client_sends)",
                    "the client sent no datagram, so there is nowhere to answer (see client_sends)",
                )
            )
        client.wait_datagram(_contains("alice"), timeout=1)
        return client

    def expect_nickname(self, ctx: CheckContext, client: ConsoleProgram) -> None:
        """The first datagram is the nickname itself: a course server takes the whole first
        datagram from a new address as the name ("alice connect" or "__join" would be it)."""
        assert isinstance(client, UdpClientProgram)
        first = client.first_datagram().text.strip()
        if first.casefold() != "alice":
            if client.next_datagram == 0:
                client.next_datagram = 1  # judged: later datagrams are the typed lines
            ctx.fail(
                Text(
                    f"первая датаграмма клиента — {first!r}, а не имя",
                    f"the client's first datagram is {first!r}, not the nickname",
                ),
                Text(
                    "первая датаграмма — имя, как его набрали: alice",
                    "the first datagram is the nickname as typed: alice",
                ),
                excerpt(first) or None,
                udp_hints.udp_client_first_datagram_hint(first)
                if first
                else self.hints.client_no_name,
            )
        client.next_datagram = max(client.next_datagram, 1)

    def expect_sent(
        self, ctx: CheckContext, client: ConsoleProgram, needle: str, expected: Text, hint: Hint
    ) -> str:
        assert isinstance(client, UdpClientProgram)
        datagram = client.wait_datagram(_contains(needle))
        if datagram is None:
            ctx.fail(
                Text(
                    f"серверу не пришла датаграмма с {needle!r}",
                    f"no datagram with {needle!r} reached the server",
                ),
                expected,
                excerpt(client.received()) or None,
                hint,
            )
        return datagram.text

    def answer(self, client: ConsoleProgram, text: str) -> None:
        assert isinstance(client, UdpClientProgram)
        client.send(text)

    def client_ends(self, ctx: CheckContext, client: ConsoleProgram) -> None:
        """It ends, and before that it sends the datagram exit (the server learns that a
        user left from nothing else)."""
        assert isinstance(client, UdpClientProgram)
        said_exit = None
        deadline = time.monotonic() + 3
        while True:
            said_exit = said_exit or client.wait_datagram(_is_exit, timeout=0.05)
            if client.box.exited.is_set():
                # Everything it sent before it ended is waiting at the grader's sockets.
                said_exit = said_exit or client.wait_datagram(_is_exit, timeout=0)
                break
            if time.monotonic() > deadline:
                break
        if not client.box.exited.is_set():
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text("клиент завершается за 3 с", "the client ends within 3s"),
                Text("клиент всё ещё работает", "the client is still running"),
                self.hints.client_no_exit,
            )
        if said_exit is None:
            ctx.fail(
                Text("набрали exit", "typed exit"),
                Text(
                    "серверу приходит датаграмма exit, клиент завершается",
                    "the server gets the datagram exit, the client ends",
                ),
                Text(
                    "клиент завершился, не отправив exit",
                    "the client ended without sending exit",
                ),
                udp_hints.UDP_CLIENT_NO_EXIT_DATAGRAM,
            )


TCP = TcpLines()
UDP = UdpDatagrams()
