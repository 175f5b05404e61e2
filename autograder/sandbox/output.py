"""A program's stdout or stderr, read to its end with only a bounded tail kept."""

from __future__ import annotations

import contextlib
import os
import select
import struct
import threading
import time
from collections import deque


class OutputTail:
    """Reads a pipe to its end and keeps only the last `limit` bytes."""

    def __init__(self, stream, limit: int = 64 * 1024) -> None:
        self._stream = stream
        self._limit = limit
        self._chunks: deque[bytes] = deque()
        self._kept = 0
        self.total = 0
        self._busy = False
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        fd = self._stream.fileno()
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            with contextlib.suppress(OSError):
                poller.poll()  # readable or at its end: the read below does not block
            # From here until the chunk is kept the pump is "busy": the bytes may have left
            # the pipe and not be in the tail yet (see settle).
            with self._lock:
                self._busy = True
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                self._busy = False
                if not chunk:
                    self._changed.notify_all()
                    return
                self._chunks.append(chunk)
                self._kept += len(chunk)
                self.total += len(chunk)
                while self._kept - len(self._chunks[0]) >= self._limit:
                    self._kept -= len(self._chunks.popleft())
                self._changed.notify_all()

    @property
    def dropped(self) -> int:
        with self._lock:
            return self.total - min(self._kept, self._limit)

    def data(self) -> bytes:
        with self._lock:
            return b"".join(self._chunks)[-self._limit :]

    def text(self) -> str:
        return self.data().decode("utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float) -> bool:
        """Wait until `needle` appears in the kept output (False at the deadline)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                text = b"".join(self._chunks).decode("utf-8", errors="replace")
                if needle in text:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not self._thread.is_alive():
                    return needle in text
                self._changed.wait(remaining)

    def join(self, timeout: float = 2.0) -> None:
        self._thread.join(timeout)

    def settle(self, timeout: float = 1.0) -> None:
        """Wait (at most `timeout`) until everything the pipe holds has been kept: nothing
        unread in the pipe and no chunk on its way from the pipe to the tail. A program
        that has exited may still have its last lines (a traceback, "Address already in
        use") in the pipe, and the pipe's end may never come while another process holds
        it open. Exact, not a guess from timing: the pump marks itself busy before it
        reads, so at every moment the bytes are in the pipe, in flight, or kept."""
        import fcntl
        import termios

        deadline = time.monotonic() + timeout
        while self._thread.is_alive():
            try:
                fd = self._stream.fileno()
                pending = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0" * 4))[0]
            except (OSError, ValueError):  # closed meanwhile: nothing more to wait for
                return
            with self._lock:
                busy = self._busy
            if (pending == 0 and not busy) or time.monotonic() >= deadline:
                return
            time.sleep(0.005)
