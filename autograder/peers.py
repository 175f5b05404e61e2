"""The grader's own chat users: sockets that send, read in the background, and remember.

Every peer of a check writes to one `Transcript`, which becomes the "what we did" part of
a failure. A peer reads continuously on a thread (so a server that echoes to the sender
never blocks on us) unless it is told to play a client that stopped reading.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable

from autograder.i18n import Text
from autograder.netstat import SocketEntry
from autograder.textmatch import Match, Needle, ends_with_name, excerpt, search_lines
from autograder.verdicts import Transcript

RECV_KEEP = 8 << 20  # bytes of received text a peer keeps for matching
RESTART_LINES = 50  # at most this many lines ending in a cut-off name are read again
POLL_QUIET = 0.05  # how often a wait that may give up early asks whether it should


def set_send_timeout(sock: socket.socket, seconds: float) -> None:
    """A kernel-level timeout for sends only (SO_SNDTIMEO).

    `settimeout()` would switch the whole file to non-blocking mode under the reader
    thread's feet; SO_SNDTIMEO leaves receiving alone.
    """
    whole = int(seconds)
    sock.setsockopt(
        socket.SOL_SOCKET,
        socket.SO_SNDTIMEO,
        struct.pack("ll", whole, int((seconds - whole) * 1_000_000)),
    )


def describe_bytes(data: bytes, limit: int = 60) -> str:
    """A short rendering of bytes sent: text where it decodes, bytes where it does not."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        suffix = "" if len(data) <= limit else f"… ({len(data)} bytes)"
        return repr(data[:limit]) + suffix
    # JSON string syntax: Cyrillic stays readable, newlines and escapes show as \n, \u001b.
    if len(text) <= limit:
        return json.dumps(text, ensure_ascii=False)
    return json.dumps(text[:limit], ensure_ascii=False) + f"… ({len(data)} bytes)"


class TcpPeer:
    """One grader-side TCP user of the student's server."""

    def __init__(
        self,
        name: str,
        sock: socket.socket,
        transcript: Transcript,
        roster: set[str] | None = None,
    ) -> None:
        self.name = name
        self.sock = sock
        self.transcript = transcript
        # The nicknames of this check's users: matching rejoins a nickname that a
        # server left its line ending on ("alice\n: hi"), see textmatch.
        self.roster = roster if roster is not None else set()
        self.text = ""
        self.cut_total = 0  # characters dropped from the front of `text` so far
        self.raw = bytearray()  # the bytes as they came (an echo is judged byte for byte)
        self.received_bytes = 0
        self.closed_by_server = False
        self.mark = 0  # matching starts here; advanced by every successful expect
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._cond = threading.Condition()
        self._reader: threading.Thread | None = None
        self._table_key: tuple[str, int, int] | None = None  # (protocol, local, remote port)

    @property
    def local_port(self) -> int:
        return int(self.sock.getsockname()[1])

    def start_reading(self) -> None:
        if self._reader is None:
            with contextlib.suppress(OSError):
                self._table_key = self._key()
            self._reader = threading.Thread(target=self._read_loop, daemon=True)
            self._reader.start()

    def _key(self) -> tuple[str, int, int]:
        return "tcp", int(self.sock.getsockname()[1]), int(self.sock.getpeername()[1])

    def unread(self, entries: list[SocketEntry]) -> bool:
        """Are bytes waiting in this peer's socket for its reader thread (`entries`: the
        socket table)? Then something is still on its way to the grader: on a loaded
        machine the reader may not have had a core yet, and the student's program, though
        all asleep, is not done being heard."""
        key = self._table_key
        if key is None or self._reader is None or not self._reader.is_alive():
            return False
        return any(
            e.rx_queue > 0 and (e.protocol, e.local_port, e.remote_port) == key for e in entries
        )

    def _read_loop(self) -> None:
        while True:
            try:
                chunk = self.sock.recv(65536)
            except OSError:
                chunk = b""
            with self._cond:
                if not chunk:
                    self.closed_by_server = True
                    self.text += self._decoder.decode(b"", final=True)
                    self._cond.notify_all()
                    return
                self.received_bytes += len(chunk)
                self.raw += chunk
                if len(self.raw) > RECV_KEEP:
                    del self.raw[: len(self.raw) - RECV_KEEP]
                self.text += self._decoder.decode(chunk)
                if len(self.text) > RECV_KEEP:
                    cut = len(self.text) - RECV_KEEP
                    self.text = self.text[cut:]
                    self.mark = max(0, self.mark - cut)
                    self.cut_total += cut
                self._cond.notify_all()

    def send(self, data: bytes | str, timeout: float = 5.0, log: bool = True) -> bool:
        """Send everything; False if the server did not take it in time or closed."""
        raw = data.encode() if isinstance(data, str) else data
        if log:
            self.transcript.add(
                self.name, Text(f"отправляет {describe_bytes(raw)}", f"sends {describe_bytes(raw)}")
            )
        try:
            set_send_timeout(self.sock, timeout)
            self.sock.sendall(raw)
            return True
        except OSError:  # the timeout (EAGAIN), a reset, a closed socket
            return False

    def expect(
        self,
        *needles: Needle,
        timeout: float = 3.0,
        exclude: re.Pattern[str] | None = None,
        give_up: Callable[[], bool] | None = None,
        since: int | None = None,
    ) -> Match | None:
        """Wait for a line containing every needle; None at the deadline, on close, or
        once `give_up()` says nothing more will come (the program went quiet). `since`
        (from `line_start()`): only lines that began after that moment can match."""
        deadline = time.monotonic() + timeout
        resume, roster, cut = self.mark, frozenset(self.roster), self.cut_total
        if since is not None:
            resume = max(resume, since - self.cut_total)
        while True:
            with self._cond:
                if frozenset(self.roster) != roster:  # a new name may join lines differently
                    resume, roster = self.mark, frozenset(self.roster)
                resume, cut = max(0, resume - (self.cut_total - cut)), self.cut_total
                found, resume = search_lines(
                    self.text, needles, max(self.mark, resume), exclude, roster
                )
                if found:
                    self.mark = found.end
                    shown = excerpt(found.raw.strip() if found.name_break else found.segment, 80)
                    self.transcript.add(self.name, Text(f"пришло {shown}", f"got {shown}"))
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed_by_server:
                    return None
                self._cond.wait(min(remaining, POLL_QUIET) if give_up else remaining)
            if give_up is not None and give_up():  # asked outside the lock: it does I/O
                return self.expect(*needles, timeout=0, exclude=exclude)

    def wait_until(
        self,
        predicate: Callable[[str], bool],
        timeout: float,
        give_up: Callable[[], bool] | None = None,
    ) -> bool:
        """Wait until `predicate(text received so far)` holds (False at the deadline, or
        once `give_up()` says nothing more will come)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                if predicate(self.text):
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed_by_server:
                    return False
                self._cond.wait(min(remaining, POLL_QUIET) if give_up else remaining)
            if give_up is not None and give_up():
                with self._cond:
                    return predicate(self.text)

    def wait_for_bytes(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while self.received_bytes < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0 or self.closed_by_server:
                    return False
                self._cond.wait(remaining)
            return True

    def wait_closed(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not self.closed_by_server:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(remaining)
            return True

    def line_start(self) -> int:
        """Where the next line will begin (as `expect(since=...)` takes it): past every
        complete line received so far. A reply to something sent after this cannot be in
        those lines, and a flood before it need not be searched again."""
        with self._cond:
            start = self.text.rfind("\n") + 1
            # A nickname cut off by its own line ending ("carol⏎", " joined the chatcarol⏎"
            # from a server that ends none of its lines) begins the line that comes next:
            # start before the chain of such lines, so it is read whole (see textmatch).
            for _ in range(RESTART_LINES):
                before = self.text.rfind("\n", 0, max(start - 1, 0)) + 1
                if not start or not ends_with_name(self.text[before:start], self.roster, True):
                    break
                start = before
            return self.cut_total + start

    def received_since_mark(self) -> str:
        with self._cond:
            return self.text[self.mark :]

    def skip_to_end(self) -> None:
        """Forget what came so far: later expectations look at newer text only."""
        with self._cond:
            self.mark = len(self.text)

    def leave(self) -> None:
        """A clean close: FIN after everything sent."""
        self.transcript.add(self.name, Text("закрывает соединение", "closes the connection"))
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)

    def reset(self) -> None:
        """An abrupt close: SO_LINGER 0 makes close() send a TCP RST."""
        self.transcript.add(
            self.name, Text("обрывает соединение (RST)", "resets the connection (RST)")
        )
        with contextlib.suppress(OSError):
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            # The kernel sends the RST when the socket is finally released, which waits for
            # our reader thread's recv() to return: SHUT_RD wakes it without sending a thing.
            if self._reader is not None:
                self.sock.shutdown(socket.SHUT_RD)
                self._reader.join(2)
            self.sock.close()

    def close(self) -> None:
        """Close now: shutdown() sends our FIN at once (a plain close() waits for the reader
        thread's recv() to return), so the grader's side, not the server's, ends the
        connection and keeps its TIME_WAIT: the server's port is free for the next check."""
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        with contextlib.suppress(OSError):
            self.sock.close()


class UdpPeer(TcpPeer):
    """A grader-side UDP user: one datagram per message, replies read in the background."""

    def __init__(
        self,
        name: str,
        sock: socket.socket,
        transcript: Transcript,
        server: tuple[str, int],
        roster: set[str] | None = None,
    ) -> None:
        super().__init__(name, sock, transcript, roster)
        self.server = server

    def _key(self) -> tuple[str, int, int]:
        return "udp", int(self.sock.getsockname()[1]), 0  # not connected: no remote port

    def _read_loop(self) -> None:
        while True:
            try:
                chunk, _ = self.sock.recvfrom(65536)
            except OSError:
                return
            with self._cond:
                self.received_bytes += len(chunk)
                # One datagram is one message: terminate it so matching sees a line.
                text = chunk.decode("utf-8", errors="replace")
                self.text += text if text.endswith("\n") else text + "\n"
                self._cond.notify_all()

    def send(self, data: bytes | str, timeout: float = 5.0, log: bool = True) -> bool:
        raw = data.encode() if isinstance(data, str) else data
        if log:
            self.transcript.add(
                self.name,
                Text(
                    f"отправляет датаграмму {describe_bytes(raw)}",
                    f"sends a datagram {describe_bytes(raw)}",
                ),
            )
        try:
            self.sock.sendto(raw, self.server)
            return True
        except OSError:
            return False
