import socket
import struct
import threading

HOST = '127.0.0.1'
PORT = 9090


def recv_exact(sock, n):
    data = b''
    while len(data) < n:
        part = sock.recv(n - len(data))
        if not part:
            return None
        data += part
    return data


def send_msg(sock, text):
    data = text.encode('utf-8')
    sock.sendall(struct.pack('!I', len(data)) + data)


def listen(sock):
    while True:
        try:
            head = recv_exact(sock, 4)
        except OSError:
            break
        if head is None:
            break
        (length,) = struct.unpack('!I', head)
        body = recv_exact(sock, length)
        if body is None:
            break
        print(body.decode('utf-8', 'replace'))


sock = socket.socket()
sock.connect((HOST, PORT))
send_msg(sock, input('Ваше имя: '))
threading.Thread(target=listen, args=(sock,), daemon=True).start()
while True:
    text = input()
    send_msg(sock, text)
    if text == 'exit':
        break
sock.close()
