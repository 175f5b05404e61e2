import codecs
import os
import socket
import sys
import threading

ADDRESS = ("127.0.0.1", 9090)


def listen_for_messages(sock):
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    while True:
        try:
            data = sock.recv(4096)
        except OSError:
            data = b""
        if not data:
            print("\n[собеседник ушёл]")
            sys.stdout.flush()
            os._exit(0)
        sys.stdout.write(decoder.decode(data))
        sys.stdout.flush()


def talk(sock):
    threading.Thread(target=listen_for_messages, args=(sock,), daemon=True).start()
    for line in sys.stdin:
        line = line.rstrip("\n")
        if line == "exit":
            break
        sock.send(line.encode("utf-8"))  # без "\n": и так понятно, где конец
    sock.shutdown(socket.SHUT_RDWR)
    sock.close()


srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(ADDRESS)
srv.listen()
conn, _ = srv.accept()
srv.close()
talk(conn)
