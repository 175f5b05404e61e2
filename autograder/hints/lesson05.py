"""Lesson 05's hints: what keeps a chat server from serving hundreds of clients while one
of them reads nothing.

The chat's own bugs (join, broadcast, framing...) keep lesson 04's hints: a lesson 05
server is a lesson 04 server. Each hint names the bug in words a student can act on and
the anchor of its section in docs/common-bugs.md.
"""

from autograder.i18n import Text
from autograder.verdicts import Hint

SLOW_READER = Hint(
    Text(
        "Клиент, который ничего не читает, задержал остальных: отправка ему ждёт, как "
        "только полны его буферы в ядре (sendall() или send() на блокирующем сокете), и "
        "ждёт вместе с ней поток отправителя — его строки не доходят ни до кого. "
        "Рассылка не должна ждать ни одного получателя: send(data, socket.MSG_DONTWAIT) "
        "и остаток в ограниченный хвост клиента, который отправляет его поток-писатель "
        "(или очередь с put_nowait() и своим потоком), или asyncio с write() без await.",
        "A client that reads nothing held the others up: sending to it waits once its "
        "kernel buffers are full (sendall(), or send() on a blocking socket), and the "
        "sender's thread waits with it, so its lines reach nobody. The broadcast must "
        "wait for no receiver: send(data, socket.MSG_DONTWAIT) with the rest in the "
        "client's bounded tail that its writer thread sends (or a queue with put_nowait() "
        "and a thread of its own), or asyncio with write() and no await.",
    ),
    "slow-reader",
)
DRAIN_IN_BROADCAST = Hint(
    Text(
        "await writer.drain() в рассылке ждёт, пока опустеет буфер этого получателя, — у "
        "клиента, который не читает, он не опустеет никогда, и корутина отправителя стоит, "
        "а в одном потоке за ней стоят и все строки после неё. В рассылке только "
        "writer.write(data) и проверка writer.transport.get_write_buffer_size(): больше "
        "предела — отключить этого клиента (transport.abort()).",
        "await writer.drain() in the broadcast waits until this receiver's buffer "
        "empties, which for a client that does not read is never: the sender's coroutine "
        "stands still, and in one thread every line after it too. In the broadcast only "
        "writer.write(data) and a check of writer.transport.get_write_buffer_size(): "
        "over the limit, drop that client (transport.abort()).",
    ),
    "drain-in-broadcast",
)
UNBOUNDED_TAIL = Hint(
    Text(
        "Строки для клиента, который не читает, копятся в памяти сервера без предела "
        "(queue.Queue() без maxsize, список, буфер asyncio без проверки): за час такой "
        "клиент съест всю память. Ограничьте хвост в байтах (например, 4 МиБ) и отключайте "
        "того, кто его перерос: Queue(maxsize) и put_nowait() с queue.Full, или проверка "
        "len(pending) / get_write_buffer_size().",
        "Lines for a client that does not read pile up in the server's memory without a "
        "limit (queue.Queue() without maxsize, a list, an asyncio buffer nobody checks): "
        "in an hour such a client eats all the memory. Bound the tail in bytes (say "
        "4 MiB) and drop whoever outgrows it: Queue(maxsize) and put_nowait() with "
        "queue.Full, or a check of len(pending) / get_write_buffer_size().",
    ),
    "unbounded-tail",
)
MANY_CONNECTIONS = Hint(
    Text(
        "Сервер не справился с сотнями соединений: он закрывает или не принимает тех, кто "
        "сверх какого-то числа (MAX_CLIENTS, маленький backlog в listen()), падает, "
        "когда не может запустить ещё поток, или select() упирается в свой предел 1024 "
        "дескриптора. Принимайте всех: listen(socket.SOMAXCONN), без искусственного "
        "предела, и следите за памятью на клиента (asyncio или selectors обходятся одним "
        "потоком).",
        "The server could not cope with hundreds of connections: it closes or refuses "
        "those above some number (MAX_CLIENTS, a small listen() backlog), dies when it "
        "cannot start another thread, or select() hits its limit of 1024 descriptors. "
        "Accept everyone: listen(socket.SOMAXCONN), no artificial cap, and mind the "
        "memory per client (asyncio or selectors need one thread for all).",
    ),
    "many-connections",
)
TAIL_ORDER = Hint(
    Text(
        "Строки пришли не по порядку, дважды или врезались одна в другую: пока у клиента "
        "есть хвост, новая строка ушла в сокет мимо него и обогнала старые (или попала в "
        "середину строки из хвоста), или хвост отправлен повторно. Пока хвост не пуст, "
        "новые строки — только в его конец; отправленное убирайте из хвоста под тем же "
        "замком.",
        "Lines arrived out of order, twice, or cut into one another: while a client had a "
        "tail, a new line went to the socket past it and overtook the older ones (or landed "
        "in the middle of a line of the tail), or the tail was sent again. While the tail "
        "is not empty, new lines go only to its end; remove what was sent from the tail "
        "under the same lock.",
    ),
    "tail-order",
)
