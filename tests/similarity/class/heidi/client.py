"""Chat client: stdin and the socket in one select() loop."""
import select
import socket
import sys

conn = socket.create_connection(("127.0.0.1", 9090))
conn.sendall(input("nick> ").encode() + b"\n")
while True:
    ready, _, _ = select.select([conn, sys.stdin], [], [])
    if conn in ready:
        data = conn.recv(4096)
        if not data:
            print("server closed the connection")
            break
        sys.stdout.write(data.decode(errors="replace"))
        sys.stdout.flush()
    if sys.stdin in ready:
        typed = sys.stdin.readline()
        if not typed or typed.strip() == "/quit":
            break
        conn.sendall(typed.encode())
conn.close()
