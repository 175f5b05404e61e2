"""Echo server without threads: select() watches every socket at once."""
import argparse
import os
import select
import socket

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=int(os.environ.get("CHAT_PORT", 9090)))
port = parser.parse_args().port

listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", port))
listener.listen(socket.SOMAXCONN)
print(f"echo on {port}", flush=True)

watched = [listener]
while True:
    readable, _, _ = select.select(watched, [], [])
    for sock in readable:
        if sock is listener:
            conn, _ = listener.accept()
            watched.append(conn)
            continue
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        if data:
            try:
                sock.sendall(data)
                continue
            except OSError:
                pass
        watched.remove(sock)
        sock.close()
