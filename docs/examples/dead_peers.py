"""Пропавший собеседник: таймауты, TCP keepalive, «пульс» для UDP.

A peer that vanished: timeouts, TCP keepalive, heartbeats for UDP.

Выдернутый кабель, уснувший ноутбук, упавший Wi-Fi не присылают ни FIN, ни RST: recv
просто ждёт — вечно. Узнать, что собеседника больше нет, можно только по молчанию.
A pulled cable, a laptop gone to sleep, a dropped Wi-Fi send neither FIN nor RST: recv
just waits, forever. The only sign that the peer is gone is silence.
"""

import socket
import time


def enable_keepalive(sock, idle=60, interval=10, count=5):
    """TCP keepalive: после idle с тишины ядро шлёт пробы каждые interval с; нет ответа
    на count проб подряд — recv/send бросают TimeoutError (errno ETIMEDOUT).

    After idle seconds of silence the kernel sends a probe every interval seconds; with
    no answer to count probes in a row, recv/send raise TimeoutError (errno ETIMEDOUT).
    """
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    # Без этих трёх — системные значения Linux: первая проба через 2 часа.
    # Without these three, Linux's defaults apply: the first probe after 2 hours.
    if hasattr(socket, "TCP_KEEPIDLE"):  # Linux, Windows 10+; macOS: TCP_KEEPALIVE
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, idle)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, interval)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, count)


class Heartbeats:
    """UDP: кто молчит дольше timeout секунд, тот ушёл. Клиенты шлют «пульс» (любую
    датаграмму) чаще, чем раз в timeout / 3.

    UDP: whoever has been silent for more than timeout seconds is gone. Clients send a
    heartbeat (any datagram) more often than every timeout / 3 seconds.
    """

    def __init__(self, timeout=30.0, clock=time.monotonic):
        self.timeout = timeout
        self.clock = clock  # monotonic: часы, которые не переводят / never set back
        self.last_heard = {}  # адрес -> когда слышали последний раз / address -> when

    def heard(self, addr):
        """Пришла датаграмма от addr. A datagram came from addr."""
        self.last_heard[addr] = self.clock()

    def gone(self):
        """Забыть и вернуть адреса, молчащие дольше timeout. Forget and return the silent."""
        now = self.clock()
        silent = [a for a, t in self.last_heard.items() if now - t > self.timeout]
        for addr in silent:
            del self.last_heard[addr]
        return silent
