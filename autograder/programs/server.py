"""The student's server as the grader's users see it: connect, send, wait until it read.

A `Server` is one running copy of the student's server in its sandbox (TCP or UDP). Its
`wait_consumed` is the synchronisation point of every check: the next chunk goes out only
once the server's recv() has returned the previous one (read from the socket table of
its sandbox), so a server without framing still earns its core points.
"""

from __future__ import annotations

import ipaddress
import socket
import time

from autograder.evidence import timed_sleepers
from autograder.hints.common import STOPPED_ACCEPTING, TCP_SERVER, ServerHints
from autograder.i18n import Text
from autograder.netstat import SocketEntry, connection_consumed, datagrams_consumed
from autograder.peers import TcpPeer, UdpPeer
from autograder.quiescence import Quiescence, quiet_reason
from autograder.sandbox import Sandbox
from autograder.session import Session
from autograder.verdicts import CheckFailed, Hint, ProgramFailed

CONSUME_TIMEOUT = 3.0  # seconds a server gets to read what a client sent
JOIN_SETTLE = 0.12  # seconds a joined user waits at most for the server's timers (polling)
HANDLE_SETTLE = 0.3  # seconds a joined user waits at most for the server to be done with her
POLL = 0.003


class Server:
    """A running student server inside its sandbox."""

    def __init__(
        self,
        ctx: Session,
        box: Sandbox,
        listening: SocketEntry,
        hints: ServerHints = TCP_SERVER,
    ) -> None:
        self.ctx = ctx
        self.box = box
        self.hints = hints  # its protocol's words for dying or not reading
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
                hint=STOPPED_ACCEPTING,
            ) from None
        sock.settimeout(None)
        self.ctx.roster.add(name)
        peer = TcpPeer(name, sock, self.ctx.transcript, self.ctx.roster)
        self.ctx.closers.append(peer.close)
        self.ctx.peers.append(peer)
        return peer

    def quiet(self) -> Quiescence:
        """A fresh detector of this server having nothing more to say (see Quiescence)."""
        ports = {self.port} if self.box.isolation == "ports" else None
        peers = self.ctx.peers
        return Quiescence(
            self.box,
            lambda: sum(p.received_bytes for p in peers),
            ports,
            unread=lambda entries: any(p.unread(entries) for p in peers),
        )

    def connect(self, name: str, read: bool = True, rcvbuf: int | None = None) -> TcpPeer:
        """Connect, send the nickname line, and wait until the server has read it and is
        done with it (see `wait_handled` and `wait_timers`)."""
        busy_before = self.box.runnable_threads()
        peer = self.open(name, rcvbuf=rcvbuf)
        if read:
            peer.start_reading()
        peer.send(f"{name}\n")
        self.wait_consumed(peer)
        self.wait_handled(busy_before)
        self.wait_timers()
        return peer

    def wait_handled(self, busy_before: set[str], limit: float = HANDLE_SETTLE) -> None:
        """Wait (at most `limit`) until no thread of the server is runnable but those
        that were before the newcomers came (`busy_before`: a loop that spins): the
        threads that read the nicknames are done with them (put the users in the list,
        sent the notices) and wait again.

        A person types her first line seconds after her name; the grader would send it
        microseconds after. A server that does some work with a name before it adds the
        user (a slow hash, a file), or a thread that read it and waits for a core on a
        loaded machine, would then broadcast a line to a list without the newcomer: a
        miss no user of the server would ever meet. A server that waits for I/O, as
        nearly all do, costs one look."""
        deadline = time.monotonic() + limit
        while self.box.runnable_threads() - busy_before and time.monotonic() < deadline:
            time.sleep(POLL)

    def wait_timers(self, limit: float = JOIN_SETTLE) -> None:
        """Wait (at most `limit`) until no thread of the server is in time.sleep().

        Users join at a human pace: between two joins a server that polls (a loop with
        time.sleep(0.05) until someone is in its list) has long woken up and done what a
        newcomer means to it. Joined milliseconds apart, whether it saw one newcomer or
        three would be chance, and its score with it (a loop that reads its users in
        turn takes its list when it wakes). A server whose threads wait for I/O (also in
        select() with a timeout: it wakes on the newcomer), as nearly all do, costs one
        look.

        A sleeper that woke up is waited for until it has run (at most HANDLE_SETTLE
        more): on a loaded machine a thread whose sleep is over may wait for a core longer
        than the sleep itself, and a loop that then takes its list of users after the next
        ones joined sees several newcomers instead of one. Not covered yet: a main thread
        still starting up after listen() when the first user joins; it was never asleep,
        and wait_handled counts it among the threads that were running before."""
        deadline = time.monotonic() + limit
        pids = self.box.process_ids()
        woke: set[str] = set()  # the threads seen in time.sleep() during this wait
        run_by: float | None = None  # once they are awake: until when they may take to run
        while True:
            now = time.monotonic()
            asleep = timed_sleepers(pids)
            if asleep:
                woke |= asleep
                run_by = None
                if now > deadline:
                    return
            elif not woke & self.box.runnable_threads():
                return
            else:
                run_by = run_by or now + HANDLE_SETTLE
                if now > run_by:
                    return
            time.sleep(POLL)

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
        quiet = self.quiet()
        if wait_read(self.box, self.port, peer.local_port, timeout, quiet):
            return
        self.fail_if_dead()
        raise ProgramFailed(
            Text(
                f"сервер не прочитал данные от {peer.name}" + quiet_reason(quiet, timeout).ru,
                f"the server did not read what {peer.name} sent" + quiet_reason(quiet, timeout).en,
            ),
            hint=hint or self.hints.not_reading(self.stderr()),
        )

    def _wait_datagrams_read(self, peer: UdpPeer, timeout: float, hint: Hint | None) -> None:
        if wait_udp_consumed(self.box, self.entry, timeout):
            return
        self.fail_if_dead()
        raise ProgramFailed(
            Text(
                f"сервер за {timeout:.0f} с не прочитал датаграмму от {peer.name}",
                f"the server did not read {peer.name}'s datagram within {timeout:.0f}s",
            ),
            hint=hint or self.hints.not_reading(self.stderr()),
        )

    def alive(self) -> bool:
        return not self.box.exited.is_set()

    def stderr(self) -> str:
        """All the server has written to stderr so far (its pipe read to the end of what it
        holds now): the evidence a hint about its state is chosen from."""
        if self.box.stderr is not None:
            self.box.stderr.settle()
        return self.box.stderr_text()

    def fail_if_dead(self) -> None:
        if self.box.exited.wait(0.05) and self.box.exit_status is not None:
            raise ProgramFailed(
                Text(
                    f"сервер завершился (код {self.box.exit_status})",
                    f"the server exited (status {self.box.exit_status})",
                ),
                hint=self.hints.exited(self.stderr()),
            )


def wait_read(
    box: Sandbox, program_port: int, peer_port: int, timeout: float, quiet: Quiescence
) -> bool:
    """Wait until the program has read everything that came over its connection with the
    grader's `peer_port` (its recv() returned it: nothing left in its receive queue); False
    at the deadline or once it went quiet. Read from the socket table of its sandbox, for
    a server (the grader is its client) and a client (the grader is its server) alike."""
    deadline = time.monotonic() + timeout
    while True:
        entries = box.netstat()
        if entries is None:  # no socket table on this system: give the program a moment
            time.sleep(0.05)
            return True
        if connection_consumed(entries, program_port, peer_port):
            return True
        if time.monotonic() > deadline or quiet():
            return False
        time.sleep(POLL)


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
