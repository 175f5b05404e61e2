import socket

sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
sock.connect(("127.0.0.1", 9090))


def read_line():
    # читаем до \n, потому что recv может вернуть кусок
    buf = b""
    while b"\n" not in buf:
        chunk = sock.recv(1024)
        if not chunk:
            return None
        buf += chunk
    return buf.split(b"\n")[0].decode()


while True:
    line = input()
    sock.sendall(line.encode())
    answer = read_line()
    if answer is None:
        print("сервер отключился")
        break
    print(answer)
