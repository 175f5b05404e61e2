"""Половинное закрытие: «я всё отправил» — и дальше только читаем.

Half-close: "I have sent everything", and from then on we only read.

shutdown(SHUT_WR) отправляет собеседнику FIN: его recv вернёт b"", и он знает, что
запрос кончился, — а соединение в обратную сторону живо, и ответ ещё придёт.
shutdown(SHUT_WR) sends the peer a FIN: its recv returns b"", so it knows the request
is over, while the other direction stays open and the answer can still come back.
"""

import socket


def ask(sock, request):
    """Отправить весь запрос, закрыть свою сторону, прочитать весь ответ до b"".

    Send the whole request, close our side, read the whole answer up to b"".
    """
    sock.sendall(request)
    sock.shutdown(socket.SHUT_WR)  # FIN: «больше не пишу» / "no more from me"
    answer = bytearray()
    while chunk := sock.recv(4096):
        answer += chunk
    sock.close()
    return bytes(answer)


def answer_with_count(conn):
    """Сервер: читать до b"" (до FIN собеседника), затем ответить и закрыть.

    Server side: read up to b"" (the peer's FIN), then answer and close.
    """
    received = 0
    while chunk := conn.recv(4096):
        received += len(chunk)
    conn.sendall(f"получено {received} байт\n".encode())
    conn.close()
