"""UDP chat client with select(): waits for the keyboard and the socket at once."""
import select
import socket
import sys

SERVER = ("127.0.0.1", 9090)

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
print("nickname?", flush=True)
nickname = sys.stdin.readline().strip()
sock.sendto(nickname.encode(), SERVER)

while True:
    ready, _, _ = select.select([sock, sys.stdin], [], [])
    if sock in ready:
        data, _ = sock.recvfrom(65535)
        print(data.decode(errors="replace"), end="", flush=True)  # the server ends lines
    if sys.stdin in ready:
        line = sys.stdin.readline()
        if not line or line.strip() == "exit":
            sock.sendto(b"exit", SERVER)
            break
        sock.sendto(line.strip().encode(), SERVER)
