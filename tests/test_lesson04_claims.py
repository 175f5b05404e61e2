"""What lesson 04 says about `sendall` and a receiver that stops reading, checked on loopback.

lessons/04/README*.md (step 5, the pitfalls), the starter's TODO and
docs/common-bugs*.md#slow-consumer say: `sendall` returns as soon as the bytes fit in the
local send buffer, not when the receiver reads them; it blocks only when the receiver's
window and our send buffer are both full, and goes on once the receiver reads again. Every
wait here has a deadline; the timeouts only bound the test.
"""

from __future__ import annotations

import socket
import time

from conftest import HOST, wait_until

CHUNK = b"x" * 65536


def unread_bytes(sock: socket.socket) -> int:
    """How many bytes wait in `sock`'s receive buffer (peeked, not read)."""
    try:
        return len(sock.recv(1 << 24, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return 0


def test_sendall_returns_before_the_receiver_reads_and_blocks_only_when_buffers_are_full() -> None:
    with socket.create_server((HOST, 0)) as listener:
        sender = socket.create_connection(listener.getsockname(), timeout=5)
        receiver, _ = listener.accept()
        with sender, receiver:
            # The receiver never reads, and still sendall returns: the bytes are in the
            # kernel's buffers, waiting for the receiver.
            sender.sendall(b"hello\n")
            assert wait_until(lambda: unread_bytes(receiver) == 6, 5)

            # A blocking send (sendall calls it in a loop) waits once nothing more fits: the
            # receiver's window and our send buffer are full. What went in by then is far
            # more than one line.
            sender.settimeout(0.5)
            accepted = 6
            started = time.monotonic()
            blocked = False
            while time.monotonic() - started < 30:
                try:
                    accepted += sender.send(CHUNK)
                except TimeoutError:
                    blocked = True
                    break
            assert blocked, f"sendall never blocked after {accepted} bytes"
            assert accepted > 2 * len(CHUNK), accepted

            # Once the receiver reads, sending goes on.
            receiver.settimeout(5)
            drained = 0
            while drained < accepted:
                drained += len(receiver.recv(1 << 20))
            sender.settimeout(5)
            sender.sendall(b"more\n")
            assert receiver.recv(16) == b"more\n"
