"""Многопользовательский чат: клиент."""

import os
import socket
import sys
import threading

PORT = (
    int(sys.argv[sys.argv.index("--port") + 1])
    if "--port" in sys.argv
    else int(os.environ.get("CHAT_PORT", "9090"))
)


def receive(sock):
    while True:
        data = sock.recv(4096)
        if not data:
            break
        print(data.decode("utf-8", errors="replace"), end="", flush=True)
    os._exit(0)


def main():
    name = input("Ваше имя: ")
    sock = socket.create_connection(("127.0.0.1", PORT))
    threading.Thread(target=receive, args=(sock,), daemon=True).start()
    sock.sendall((name + "\n").encode("utf-8"))
    while True:
        try:
            line = input()
        except EOFError:
            break
        if line.strip() in ("exit", "выйти"):
            break
        sock.sendall((line + "\n").encode("utf-8"))
    sock.close()


if __name__ == "__main__":
    main()
