"""The kernel socket tables are parsed right, and 'consumed' means what it says."""

from autograder.netstat import accept_queue_length, connection_consumed, parse_table, parse_tables

HEADER = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
# 127.0.0.1:9090 listening with 2 connections waiting to be accepted; a client at
# 127.0.0.1:40000 connected to it with 5 bytes the server has not read yet.
TCP = HEADER + (
    "   0: 0100007F:2382 00000000:0000 0A 00000000:00000002 00:00000000 00000000 0 0 1 1\n"
    "   1: 0100007F:2382 0100007F:9C40 01 00000000:00000005 00:00000000 00000000 0 0 2 1\n"
    "   2: 0100007F:9C40 0100007F:2382 01 00000000:00000000 00:00000000 00000000 0 0 3 1\n"
)
TCP6 = HEADER + (
    "   0: 00000000000000000000000001000000:2383 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000 0 0 4 1\n"
    "   1: 0000000000000000FFFF00000100007F:1F90 00000000000000000000000000000000:0000 0A "
    "00000000:00000000 00:00000000 00000000 0 0 5 1\n"
)


def test_ipv4_entries_decode_addresses_ports_and_queues() -> None:
    listen, server_side, client_side = parse_table(TCP, "tcp")
    assert (listen.local_ip, listen.local_port, listen.listening) == ("127.0.0.1", 9090, True)
    assert (server_side.remote_port, server_side.rx_queue, server_side.state) == (40000, 5, 1)
    assert client_side.tx_queue == 0


def test_ipv6_loopback_and_v4_mapped_addresses() -> None:
    loopback, mapped = parse_table(TCP6, "tcp")
    assert (loopback.local_ip, loopback.local_port) == ("::1", 9091)
    assert (mapped.local_ip, mapped.local_port) == ("127.0.0.1", 8080)


def test_unread_bytes_are_not_consumed_until_the_server_reads_them() -> None:
    entries = parse_tables({"tcp": TCP, "tcp6": ""})
    assert not connection_consumed(entries, 9090, 40000)
    read = TCP.replace("00000000:00000005", "00000000:00000000")
    assert connection_consumed(parse_tables({"tcp": read}), 9090, 40000)


def test_bytes_still_in_flight_are_not_consumed() -> None:
    in_flight = TCP.replace("00000000:00000005", "00000000:00000000").replace(
        "0100007F:2382 01 00000000:00000000", "0100007F:2382 01 00000007:00000000"
    )
    assert not connection_consumed(parse_tables({"tcp": in_flight}), 9090, 40000)


def test_accept_queue_length_of_a_listening_port() -> None:
    entries = parse_tables({"tcp": TCP})
    assert accept_queue_length(entries, 9090) == 2
    assert accept_queue_length(entries, 1234) is None


def test_this_machines_real_table_parses() -> None:
    with open("/proc/net/tcp") as f:
        entries = parse_table(f.read(), "tcp")
    assert all(0 <= e.local_port < 65536 for e in entries)


UDP = HEADER + (
    # 0.0.0.0:9090 with 0x340 bytes of datagrams waiting; 127.0.0.1:40000 a user's socket.
    "   0: 00000000:2382 00000000:0000 07 00000000:00000340 00:00000000 00000000 0 0 6 2\n"
    "   1: 0100007F:9C40 00000000:0000 07 00000000:00000000 00:00000000 00000000 0 0 7 2\n"
)


def test_udp_consumed_looks_at_the_servers_own_socket_only() -> None:
    from autograder.netstat import datagrams_consumed

    entries = parse_table(UDP, "udp")
    assert datagrams_consumed(entries, "0.0.0.0", 9090) is False
    assert datagrams_consumed(entries, "127.0.0.1", 40000) is True
    assert datagrams_consumed(entries, "127.0.0.1", 9090) is None  # no such socket
    read = parse_table(UDP.replace("00000000:00000340", "00000000:00000000"), "udp")
    assert datagrams_consumed(read, "0.0.0.0", 9090) is True
