r"""Сообщения с длиной впереди: 4 байта длины, затем сами байты.

Length-prefixed messages: a 4-byte length, then the bytes themselves.

Строки с "\n" (уроки 02 и 04) не годятся, если в сообщении может быть "\n" или это не
текст вовсе (картинка, файл). Тогда перед каждым сообщением пишут его длину.
Lines ending in "\n" do not work when a message may contain "\n" or is not text at
all; then each message is sent after its length.
"""

import struct

HEADER = struct.Struct("!I")  # "!" — сетевой порядок байтов, "I" — 4 байта без знака
# Собеседнику нельзя верить на слово: длина 4 ГБ не должна заставить нас ждать 4 ГБ.
# Never trust the peer: a length of 4 GB must not make us wait for (and store) 4 GB.
MAX_MESSAGE = 1024 * 1024


def send_message(sock, payload):
    """Отправить одно сообщение (bytes): длину, затем байты. Send one message."""
    if len(payload) > MAX_MESSAGE:
        raise ValueError(f"message of {len(payload)} bytes, the limit is {MAX_MESSAGE}")
    sock.sendall(HEADER.pack(len(payload)) + payload)


def recv_exactly(sock, size):
    """Ровно size байт: recv отдаёт сколько-то, поэтому — в цикле. Меньше — только если
    собеседник закрыл соединение. Exactly size bytes (fewer only if the peer closed).
    """
    data = bytearray()
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:  # b"": соединение закрыто / the connection is closed
            break
        data += chunk
    return bytes(data)


def recv_message(sock):
    """Следующее сообщение (bytes) или None, если соединение закрыто между сообщениями.

    The next message (bytes), or None when the connection closed between messages.
    """
    header = recv_exactly(sock, HEADER.size)
    if not header:
        return None  # закрыто между сообщениями — обычный конец / a clean end
    if len(header) < HEADER.size:
        raise EOFError("the connection closed inside a length")
    (size,) = HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise ValueError(f"the peer announced {size} bytes, the limit is {MAX_MESSAGE}")
    payload = recv_exactly(sock, size)
    if len(payload) < size:
        raise EOFError(f"the connection closed after {len(payload)} of {size} bytes")
    return payload
