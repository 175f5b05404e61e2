"""Reading the kernel's socket tables (`/proc/net/tcp` and friends) without any socket.

The grader watches the student's server from outside instead of poking it: a listening
socket appearing means "ready"; a connection's receive queue dropping to zero means "the
server has read what we sent", the synchronisation point that lets a server without any
framing still earn its core points. Pure functions, tested on sample tables.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

TCP_STATES = {
    1: "ESTABLISHED",
    2: "SYN_SENT",
    3: "SYN_RECV",
    4: "FIN_WAIT1",
    5: "FIN_WAIT2",
    6: "TIME_WAIT",
    7: "CLOSE",
    8: "CLOSE_WAIT",
    9: "LAST_ACK",
    10: "LISTEN",
    11: "CLOSING",
}
LISTEN = 10


@dataclass(frozen=True)
class SocketEntry:
    """One row of a /proc/net table."""

    protocol: str  # "tcp" or "udp"
    local_ip: str
    local_port: int
    remote_ip: str
    remote_port: int
    state: int
    tx_queue: int
    rx_queue: int

    @property
    def listening(self) -> bool:
        return self.protocol == "tcp" and self.state == LISTEN


@lru_cache(maxsize=4096)
def _decode_address(text: str) -> tuple[str, int]:
    host_hex, port_hex = text.split(":")
    raw = bytes.fromhex(host_hex)
    # The kernel prints each 32-bit word in host (little-endian) order.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    ip = ipaddress.ip_address(words)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return str(ip), int(port_hex, 16)


# The grader reads the tables every few milliseconds while a program works, and most rows
# come back unchanged from one look to the next: each distinct row is decoded once (the
# entries are frozen, so sharing them is safe). Without this, decoding addresses was a
# third of the grader's own CPU time in a lesson-04 grading.
@lru_cache(maxsize=8192)
def _entry(protocol: str, local: str, remote: str, state: str, queues: str) -> SocketEntry:
    local_ip, local_port = _decode_address(local)
    remote_ip, remote_port = _decode_address(remote)
    tx_hex, rx_hex = queues.split(":")
    return SocketEntry(
        protocol=protocol,
        local_ip=local_ip,
        local_port=local_port,
        remote_ip=remote_ip,
        remote_port=remote_port,
        state=int(state, 16),
        tx_queue=int(tx_hex, 16),
        rx_queue=int(rx_hex, 16),
    )


def parse_table(text: str, protocol: str) -> list[SocketEntry]:
    """Parse the text of /proc/net/tcp, tcp6, udp or udp6."""
    entries = []
    for line in text.splitlines()[1:]:
        fields = line.split(None, 5)
        if len(fields) < 5:
            continue
        entries.append(_entry(protocol, fields[1], fields[2], fields[3], fields[4]))
    return entries


def parse_tables(tables: dict[str, str]) -> list[SocketEntry]:
    """Parse {"tcp": text, "tcp6": text, "udp": text, "udp6": text} into one list."""
    entries = []
    for name, text in tables.items():
        entries += parse_table(text, "tcp" if name.startswith("tcp") else "udp")
    return entries


def connection_consumed(entries: list[SocketEntry], server_port: int, client_port: int) -> bool:
    """True when everything the client sent has reached the server and the server read it.

    Both ends must agree: the client's send queue is empty (the server's kernel has it)
    and the server's receive queue is empty (the program called recv). A connection the
    server has not accepted yet still shows its bytes in the receive queue.
    """
    server_side = [
        e
        for e in entries
        if e.protocol == "tcp"
        and e.local_port == server_port
        and e.remote_port == client_port
        and e.state != LISTEN
    ]
    client_side = [
        e
        for e in entries
        if e.protocol == "tcp" and e.local_port == client_port and e.remote_port == server_port
    ]
    if not server_side:
        # The server closed its end completely: nothing left unread.
        return all(e.tx_queue == 0 for e in client_side)
    return all(e.rx_queue == 0 for e in server_side) and all(e.tx_queue == 0 for e in client_side)


def accept_queue_length(entries: list[SocketEntry], port: int) -> int | None:
    """Connections waiting in a listening socket's accept queue (None: not listening)."""
    for e in entries:
        if e.listening and e.local_port == port:
            return e.rx_queue
    return None


def datagrams_consumed(entries: list[SocketEntry], local_ip: str, local_port: int) -> bool | None:
    """True when the UDP socket bound at local_ip:local_port has read every datagram sent
    to it (its receive queue is empty); None when there is no such socket any more.

    UDP has no connection and so no per-client queue: datagrams from every user wait in
    the one queue of the server's socket, in arrival order. Loopback delivers a datagram
    into that queue before `sendto` returns, so "empty" really means "read".
    """
    own = [
        e
        for e in entries
        if e.protocol == "udp"
        and e.local_port == local_port
        and e.local_ip == local_ip
        and e.remote_port == 0
    ]
    if not own:
        return None
    return all(e.rx_queue == 0 for e in own)
