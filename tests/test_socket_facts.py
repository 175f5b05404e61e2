"""What the lessons say sockets do, checked on this machine's loopback (Linux).

Every behavioural claim of the lesson texts, the starters' comments and the docs that is
about the kernel rather than about our programs has a test here, named by the claim:
UDP loss on a full receive buffer, datagram sizes and the MTU, `close()` versus
`shutdown()` for a thread blocked in `recv`/`recvfrom`, partial `send`, TIME_WAIT and
SO_REUSEADDR; and lesson 05's: `MSG_DONTWAIT`, a send on a closed socket, asyncio's
`drain()` and `select()`'s 1024 descriptors. None of them races a timer: losses are
counted by the kernel's own drop counter, a thread is known to be blocked by reading its
system call from /proc, and the only fixed waits are upper bounds on something that must
*not* happen (a thread that stays asleep, a drain that never ends), which load can only
make longer, never wrong.
"""

from __future__ import annotations

import asyncio
import errno
import json
import os
import resource
import select
import selectors
import socket
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from typing import Any

import pytest
from conftest import HOST, LOOPBACK_UP, private_network_namespace, wait_until

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="facts about the Linux network stack"
)

# Not exported by Python's socket module (Linux values, <linux/in.h>).
IP_MTU = 14

TIME_WAIT = "06"  # the state column of /proc/net/tcp
STAYS_ASLEEP = 0.5  # seconds a thread that was not woken is watched for


# --- helpers ---------------------------------------------------------------------------


def blocked_in_syscall_on(thread: threading.Thread, fd: int) -> bool:
    """Is `thread` sleeping inside a system call whose first argument is `fd`?

    /proc/self/task/TID/syscall reads "NR arg1 arg2 ..." while the thread is in a system
    call and "running" otherwise: recv/recvfrom on a socket has the socket's fd first.
    """
    try:
        with open(f"/proc/self/task/{thread.native_id}/syscall") as file:
            fields = file.read().split()
    except OSError:
        return False
    return len(fields) > 1 and fields[0] not in ("running", "-1") and int(fields[1], 16) == fd


class Receiver:
    """A thread that makes one blocking call on a socket and keeps what it got."""

    def __init__(self, call: Callable[[], Any], sock: socket.socket) -> None:
        self.result: Any = None
        self.fd = sock.fileno()

        def run() -> None:
            try:
                self.result = call()
            except OSError as exc:
                self.result = exc

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        assert wait_until(lambda: blocked_in_syscall_on(self.thread, self.fd), 10), (
            "the receiving thread never blocked in its system call"
        )

    def woken_within(self, seconds: float) -> bool:
        self.thread.join(seconds)
        return not self.thread.is_alive()


def udp_drops(port: int) -> int:
    """The kernel's count of datagrams dropped for the UDP socket bound to `port`."""
    with open("/proc/net/udp") as file:
        for line in file.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                return int(fields[-1])
    raise AssertionError(f"no UDP socket on port {port} in /proc/net/udp")


def backlog_drops() -> int:
    """Packets the kernel dropped before any socket saw them (its per-CPU input queues
    were full): the second column of /proc/net/softnet_stat, summed over the CPUs."""
    with open("/proc/net/softnet_stat") as file:
        return sum(int(line.split()[1], 16) for line in file)


def tcp_states(port: int, other_port: int | None = None) -> list[tuple[int, int, str]]:
    """(local port, remote port, state) of every TCP socket on `port` (to `other_port`)."""
    found = []
    with open("/proc/net/tcp") as file:
        for line in file.readlines()[1:]:
            fields = line.split()
            local = int(fields[1].split(":")[1], 16)
            remote = int(fields[2].split(":")[1], 16)
            if port in (local, remote) and other_port in (None, local, remote):
                found.append((local, remote, fields[3]))
    return found


@pytest.fixture
def udp_socket() -> Iterator[Callable[[], socket.socket]]:
    """Factory of UDP sockets bound to a free loopback port, all closed at the end."""
    made: list[socket.socket] = []

    def make() -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        made.append(sock)
        sock.bind((HOST, 0))
        return sock

    yield make
    for sock in made:
        sock.close()


@pytest.fixture
def tcp_pair() -> Iterator[Callable[..., tuple[socket.socket, socket.socket]]]:
    """Factory: (client, server-side) sockets of one loopback TCP connection.

    `buffer=N` makes both kernel buffers small (SO_SNDBUF on the client, SO_RCVBUF on the
    server side; the kernel doubles the value) so that "full" comes quickly.
    """
    made: list[socket.socket] = []

    def make(buffer: int | None = None) -> tuple[socket.socket, socket.socket]:
        with closing(socket.socket()) as listener:
            if buffer:
                listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
            listener.bind((HOST, 0))
            listener.listen()
            client = socket.socket()
            made.append(client)
            if buffer:
                client.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, buffer)
            client.connect(listener.getsockname())
            server_side, _ = listener.accept()
            made.append(server_side)
        return client, server_side

    yield make
    for sock in made:
        sock.close()


def read_until_eof(sock: socket.socket, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    got = bytearray()
    while chunk := sock.recv(1 << 20):
        got += chunk
    return bytes(got)


# --- UDP: loss, size, MTU --------------------------------------------------------------


@pytest.mark.parametrize(("buffer", "count"), [(16 * 1024, 200), (None, 20_000)])
def test_loopback_drops_datagrams_that_do_not_fit_the_receivers_buffer(udp_socket, buffer, count):
    """Lesson 03: "on one machine datagrams are not lost" was untrue. A burst to a
    receiver that is not reading overflows its receive buffer, and the kernel drops the
    rest without a word: only what fits arrives. With the default buffer (208 KiB on
    Linux), fewer than a hundred of 20,000 datagrams of 1,400 bytes."""
    receiver = udp_socket()
    if buffer:
        receiver.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, buffer)
    port = receiver.getsockname()[1]
    sender = udp_socket()
    dropped_before_any_socket = backlog_drops()
    for number in range(count):
        sender.sendto(number.to_bytes(4, "big") + b"x" * 1396, (HOST, port))

    receiver.setblocking(False)
    received: list[int] = []

    def dropped() -> int:
        return udp_drops(port) + backlog_drops() - dropped_before_any_socket

    def all_accounted_for() -> bool:
        while True:
            try:
                received.append(int.from_bytes(receiver.recv(2048)[:4], "big"))
            except BlockingIOError:
                return len(received) + dropped() >= count

    assert wait_until(all_accounted_for, 10), (len(received), dropped())
    assert 0 < len(received) < count
    assert udp_drops(port) > 0  # no error anywhere: the kernel dropped them, silently
    # What arrived is what the buffer held (the kernel counts overhead per datagram too).
    assert len(received) * 1400 <= receiver.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)


def test_sendto_refuses_a_datagram_above_65507_bytes_with_emsgsize(udp_socket):
    """Lesson 03, solutions/03/client.py: 65,535 (the IPv4 length field) - 20 (IP
    header) - 8 (UDP header) = 65,507 bytes is the most one datagram can carry; sendto
    of more raises OSError "Message too long" (EMSGSIZE) and sends nothing."""
    receiver, sender = udp_socket(), udp_socket()
    with pytest.raises(OSError) as refused:
        sender.sendto(b"y" * 65_508, receiver.getsockname())
    assert refused.value.errno == errno.EMSGSIZE

    sender.sendto(b"x" * 65_507, receiver.getsockname())
    receiver.settimeout(5)
    assert receiver.recv(65_535) == b"x" * 65_507  # the largest one arrives, and only it


def test_loopback_mtu_carries_even_the_largest_datagram_unfragmented(udp_socket):
    """Lesson 03's 60 KB datagram goes in one packet on loopback only: lo's MTU is about
    64 KiB, so nothing legal is ever fragmented there."""
    receiver, sender = udp_socket(), udp_socket()
    sender.connect(receiver.getsockname())
    assert sender.getsockopt(socket.IPPROTO_IP, IP_MTU) >= 65_507 + 28


FRAGMENTATION_PROBE = textwrap.dedent(
    """
    import json
    set_loopback(up=True, mtu=1500)  # like Ethernet

    def fragments_made():
        head, values = open("/proc/net/snmp").read().splitlines()[:2]
        return int(values.split()[head.split().index("FragCreates")])

    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5)
    sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sender.connect(receiver.getsockname())
    result = {"fragments": {}, "arrived": {}}
    for size in (1472, 1473, 61440):
        before = fragments_made()
        sender.send(b"x" * size)
        result["arrived"][size] = len(receiver.recv(65535))
        result["fragments"][size] = fragments_made() - before
    # IP_MTU_DISCOVER = IP_PMTUDISC_DO: the Don't Fragment bit; too big -> EMSGSIZE
    sender.setsockopt(socket.IPPROTO_IP, 10, 2)
    result["dont_fragment"] = {}
    for size in (1472, 1473):
        try:
            sender.send(b"x" * size)
            result["dont_fragment"][size] = "sent"
        except OSError as exc:
            result["dont_fragment"][size] = exc.errno
    print(json.dumps(result))
    """
)
NETNS = private_network_namespace()


@pytest.mark.skipif(NETNS is None, reason="needs a private network namespace (unshare --net)")
def test_above_1472_bytes_a_datagram_is_fragmented_on_an_ethernet_sized_mtu():
    """Lesson 03, docs: over real Ethernet (MTU 1,500) a datagram carries at most
    1,500 - 20 - 8 = 1,472 bytes in one packet; above that IP cuts it into fragments
    (and losing one loses the whole datagram). Shown on a loopback whose MTU is set to
    1,500, in a network namespace of its own, so nothing leaves this machine."""
    assert NETNS is not None
    probe = subprocess.run(
        [*NETNS, sys.executable, "-c", LOOPBACK_UP + FRAGMENTATION_PROBE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    result = json.loads(probe.stdout)
    assert result["fragments"] == {"1472": 0, "1473": 2, "61440": 42}
    assert result["arrived"] == {"1472": 1472, "1473": 1473, "61440": 61440}
    assert result["dont_fragment"] == {"1472": "sent", "1473": errno.EMSGSIZE}


# --- close() versus shutdown() for a blocked receiver ----------------------------------


def test_close_from_another_thread_does_not_wake_a_thread_blocked_in_recvfrom(udp_socket):
    """solutions/03/client.py, docs/common-bugs (udp-client-thread): on Linux, closing a
    UDP socket does not wake the thread waiting in recvfrom on it. The thread sleeps on,
    on the closed socket's port: only a datagram sent there wakes it. (The lesson 03
    client's receiving thread ends because it is a daemon, not because of close().)"""
    sock = udp_socket()
    address = sock.getsockname()
    receiver = Receiver(lambda: sock.recvfrom(100), sock)
    sock.close()
    assert not receiver.woken_within(STAYS_ASLEEP)

    sender = udp_socket()
    sender.sendto(b"still here", address)
    assert receiver.woken_within(10)
    assert receiver.result[0] == b"still here"


def test_shutdown_wakes_a_thread_blocked_in_recvfrom_although_it_raises_enotconn(udp_socket):
    """The way to wake a UDP receiver on Linux is shutdown(SHUT_RD): on an unconnected
    UDP socket it raises ENOTCONN, yet the blocked recvfrom returns (b"", None)."""
    sock = udp_socket()
    receiver = Receiver(lambda: sock.recvfrom(100), sock)
    with pytest.raises(OSError) as raised:
        sock.shutdown(socket.SHUT_RD)
    assert raised.value.errno == errno.ENOTCONN
    assert receiver.woken_within(10)
    assert receiver.result == (b"", None)


def test_close_does_not_wake_a_thread_blocked_in_tcp_recv_but_shutdown_does(tcp_pair):
    """Lesson 02, docs (leaving): close() leaves a thread blocked in recv() asleep;
    shutdown() wakes it with b"" (and sends the peer a FIN)."""
    client, server_side = tcp_pair()
    receiver = Receiver(lambda: client.recv(100), client)
    client.close()
    assert not receiver.woken_within(STAYS_ASLEEP)
    server_side.sendall(b"late")  # the connection is still there underneath
    assert receiver.woken_within(10)
    assert receiver.result == b"late"

    client, server_side = tcp_pair()
    receiver = Receiver(lambda: client.recv(100), client)
    client.shutdown(socket.SHUT_RDWR)
    assert receiver.woken_within(10)
    assert receiver.result == b""
    server_side.settimeout(5)
    assert server_side.recv(100) == b""  # the peer got our FIN


# --- partial send ----------------------------------------------------------------------


def test_send_takes_only_what_fits_and_the_rest_stays_with_the_program(tcp_pair):
    """Lesson 01: send() may take part of the data and return how much; nothing is lost,
    the kernel never took the rest, and sending it is the program's job."""
    client, server_side = tcp_pair(buffer=64 * 1024)
    data = bytes(range(256)) * 4096  # 1 MiB; the peer reads nothing yet
    client.settimeout(5)  # a socket with a timeout (or non-blocking) returns at once
    taken = client.send(data)
    assert 0 < taken < len(data)

    reader_got: list[bytes] = []
    reader = threading.Thread(target=lambda: reader_got.append(read_until_eof(server_side)))
    reader.start()
    client.sendall(data[taken:])  # the program sends the rest itself...
    client.shutdown(socket.SHUT_WR)
    reader.join(30)
    assert reader_got == [data]  # ...and every byte arrives, in order


def test_sendall_that_fails_has_sent_an_unknown_part(tcp_pair):
    """Lesson 01: when sendall raises (here: its timeout, the peer does not read), part
    of the data has gone out, and the exception does not say how much."""
    client, server_side = tcp_pair(buffer=64 * 1024)
    data = bytes(range(256)) * 4096 * 8  # 8 MiB: far more than both buffers hold
    client.settimeout(0.3)
    with pytest.raises(TimeoutError) as raised:
        client.sendall(data)
    assert raised.value.args == ("timed out",)  # no count anywhere
    client.close()  # what the kernel took still goes out, then the FIN
    arrived = read_until_eof(server_side)
    assert 0 < len(arrived) < len(data)
    assert arrived == data[: len(arrived)]


# --- TIME_WAIT and SO_REUSEADDR --------------------------------------------------------


@pytest.mark.parametrize("first", ["server", "client"])
def test_time_wait_stays_with_the_side_that_closes_first(tcp_pair, first):
    """Lessons 01-04 (SO_REUSEADDR comments): TIME_WAIT is kept by whoever closes first.
    A server whose clients leave first keeps none; one that closes first (it was stopped
    with clients connected) keeps one per connection, on its own port."""
    client, server_side = tcp_pair()
    server_port = server_side.getsockname()[1]
    client_port = client.getsockname()[1]
    closer, other = (server_side, client) if first == "server" else (client, server_side)
    closer_port = server_port if first == "server" else client_port
    closer.close()
    other.settimeout(5)
    assert other.recv(1) == b""  # the FIN has arrived
    other.close()

    def settled() -> bool:
        return [state for _, _, state in tcp_states(server_port, client_port)] == [TIME_WAIT]

    assert wait_until(settled, 10), tcp_states(server_port, client_port)
    (local, _, _), *_ = tcp_states(server_port, client_port)
    assert local == closer_port


@pytest.mark.parametrize(("first", "reuse", "bind_works"), [
    ("server", False, False),
    ("server", True, True),
    ("client", False, True),
])  # fmt: skip
def test_a_restarted_server_needs_so_reuseaddr_only_after_closing_first(first, reuse, bind_works):
    """Lesson 01 step 1, the starters: without SO_REUSEADDR a restart fails with
    "Address already in use" while the old server's own connections sit in TIME_WAIT,
    i.e. when the server closed them first. On Linux both the old and the new server
    must set it (the same program does)."""
    with closing(socket.socket()) as listener:
        if reuse:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((HOST, 0))
        listener.listen()
        port = listener.getsockname()[1]
        client = socket.create_connection((HOST, port))
        server_side, _ = listener.accept()
    closer, other = (server_side, client) if first == "server" else (client, server_side)
    closer.close()
    other.settimeout(5)
    assert other.recv(1) == b""
    other.close()
    assert wait_until(lambda: TIME_WAIT in {state for *_, state in tcp_states(port)}, 10)

    with closing(socket.socket()) as restarted:
        if reuse:
            restarted.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if bind_works:
            restarted.bind((HOST, port))
            restarted.listen()
        else:
            with pytest.raises(OSError) as refused:
                restarted.bind((HOST, port))
            assert refused.value.errno == errno.EADDRINUSE


def test_so_reuseaddr_does_not_let_two_live_servers_share_a_port():
    """Lesson 01 pitfall, docs (port): SO_REUSEADDR gets past TIME_WAIT, not past a
    running server. A second listener on the same port fails even with it."""
    with closing(socket.socket()) as first, closing(socket.socket()) as second:
        for sock in (first, second):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        first.bind((HOST, 0))
        first.listen()
        with pytest.raises(OSError) as refused:
            second.bind(first.getsockname())
        assert refused.value.errno == errno.EADDRINUSE


# --- the accept queue ------------------------------------------------------------------


def test_a_full_accept_queue_makes_new_clients_wait_instead_of_refusing_them():
    """docs/common-bugs (accept-loop, shared-state): while nobody calls accept() and the
    backlog is full, a new client is not refused: its SYN is dropped and connect() waits
    (here until its 1 s timeout). Once accept() makes room, a client gets in."""
    with closing(socket.socket()) as listener:
        listener.bind((HOST, 0))
        listener.listen(1)  # Linux queues backlog + 1 = 2 finished handshakes
        address = listener.getsockname()
        queued = [socket.create_connection(address, timeout=5) for _ in range(2)]
        try:
            with closing(socket.socket()) as waiting:
                waiting.settimeout(1.0)
                with pytest.raises(TimeoutError):  # not ConnectionRefusedError
                    waiting.connect(address)
            # Closed before accept(): a socket whose connect() timed out in Python is still
            # SYN_SENT in the kernel and retransmits its SYN (after 1 s, then 3 s), which
            # could take the room accept() makes before the next client gets to it.
            accepted, _ = listener.accept()
            with closing(socket.create_connection(address, timeout=5)):
                pass
            accepted.close()
        finally:
            for sock in queued:
                sock.close()


# --- lesson 05: sending without waiting ---------------------------------------------------


def test_msg_dontwait_takes_what_fits_then_raises_blockingioerror(tcp_pair):
    """Lesson 05: send(data, MSG_DONTWAIT) on a blocking socket puts what fits into the
    kernel's buffer and returns the count; once nothing fits it raises BlockingIOError
    instead of waiting for the peer, who reads nothing here."""
    client, _server_side = tcp_pair(buffer=64 * 1024)
    taken = 0
    with pytest.raises(BlockingIOError):
        for _ in range(10_000):  # far more than any buffer: it must stop by raising
            taken += client.send(b"x" * 65536, socket.MSG_DONTWAIT)
    assert taken > 0 and client.gettimeout() is None  # the socket itself stays blocking


def test_a_send_on_a_closed_socket_object_is_refused_with_ebadf():
    """Lesson 05: after close(), a later send() of the same Python socket object raises
    EBADF; it cannot reach whatever connection the OS gives that number to next."""
    sock = socket.socket()
    sock.close()
    with pytest.raises(OSError) as raised:
        sock.send(b"late")
    assert raised.value.errno == errno.EBADF


def test_asyncio_drain_waits_above_the_high_water_mark_of_64_kib_while_the_peer_reads_nothing():
    """Lesson 05 and common-bugs#drain-in-broadcast: write() never waits; once the
    transport's buffer is above its high-water mark (64 KiB by default), drain() waits
    until it falls below the low-water mark, which for a peer that reads nothing is never."""

    async def scenario() -> tuple[tuple[int, int], int, bool]:
        server = await asyncio.start_server(lambda r, w: None, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection(HOST, port)
        limits = writer.transport.get_write_buffer_limits()
        for _ in range(200):  # 25 MB: far more than the kernel's buffers take
            writer.write(b"x" * 131072)  # returns at once, whatever the buffer holds
        buffered = writer.transport.get_write_buffer_size()
        try:
            await asyncio.wait_for(writer.drain(), STAYS_ASLEEP)
            drained = True
        except asyncio.TimeoutError:
            drained = False
        writer.transport.abort()
        server.close()
        return limits, buffered, drained

    limits, buffered, drained = asyncio.run(scenario())
    assert limits == (16 * 1024, 64 * 1024)
    assert buffered > 64 * 1024 and not drained


def test_select_refuses_a_descriptor_of_1024_or_more():
    """common-bugs#many-connections: select() handles descriptors below FD_SETSIZE (1024)
    only; selectors and asyncio use epoll, which has no such limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 1100:
        pytest.skip(f"this process may open only {hard} files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 1100), hard))
    try:
        with socket.socket() as sock:
            high = os.dup2(sock.fileno(), 1050)  # the same socket, as descriptor 1050
            try:
                with pytest.raises(ValueError, match="out of range"):
                    select.select([high], [], [], 0)
                with selectors.DefaultSelector() as selector:  # epoll on Linux
                    selector.register(high, selectors.EVENT_READ)
            finally:
                os.close(high)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
