"""Адреса: getaddrinfo, IPv6 рядом с IPv4 и что открывает bind(("", порт)).

Addresses: getaddrinfo, IPv6 next to IPv4, and what bind(("", port)) exposes.
"""

import socket


def connect(host, port, timeout=5.0):
    """Подключиться к host по любому из его адресов (IPv6 или IPv4) в порядке, который
    вернул getaddrinfo. Так же устроен socket.create_connection.

    Connect to host at any of its addresses (IPv6 or IPv4), in getaddrinfo's order.
    socket.create_connection works the same way.
    """
    error = None
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        sock = socket.socket(family, kind, proto)
        sock.settimeout(timeout)
        try:
            sock.connect(address)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(f"getaddrinfo found no address for {host!r}")


def listen_on_every_address(port):
    """Слушать все адреса машины, IPv6 и IPv4 одним сокетом: bind(("", порт)).

    Подключиться сможет любой, кто дотянется до машины: соседи по Wi-Fi, а без
    брандмауэра — весь интернет. Уроки поэтому слушают только "127.0.0.1" (loopback;
    в IPv6 это "::1"): к такому серверу подключаются лишь с этой же машины.

    Listen on every address of the machine, IPv6 and IPv4 with one socket. Anyone who
    can reach the machine can connect: the same Wi-Fi, and without a firewall the whole
    internet. That is why the lessons listen on "127.0.0.1" only (loopback; "::1" in
    IPv6): such a server takes connections from this machine alone.
    """
    return socket.create_server(("", port), family=socket.AF_INET6, dualstack_ipv6=True)
