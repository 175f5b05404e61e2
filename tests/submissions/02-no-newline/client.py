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


talk(socket.create_connection(ADDRESS))
