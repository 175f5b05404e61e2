"""Chat server on select(): one thread, every socket in one loop."""
import select
import socket

ADDRESS = ("127.0.0.1", 9090)

listener = socket.create_server(ADDRESS, reuse_port=False)
listener.setblocking(False)
names = {}     # socket -> nickname (None until the first line)
buffers = {}   # socket -> bytes received but not yet a whole line


def send_line(line, but=None):
    payload = line.encode() + b"\n"
    for peer, nick in list(names.items()):
        if peer is but or nick is None:
            continue
        try:
            peer.send(payload)
        except BlockingIOError:
            pass


def drop(peer):
    nick = names.pop(peer, None)
    buffers.pop(peer, None)
    peer.close()
    if nick:
        send_line(f"* {nick} left")


while True:
    readable, _, _ = select.select([listener, *names], [], [])
    for ready in readable:
        if ready is listener:
            peer, _ = listener.accept()
            peer.setblocking(False)
            names[peer], buffers[peer] = None, b""
            continue
        try:
            chunk = ready.recv(4096)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            drop(ready)
            continue
        buffers[ready] += chunk
        *complete, buffers[ready] = buffers[ready].split(b"\n")
        for raw in complete:
            line = raw.decode(errors="replace").rstrip("\r")
            if names[ready] is None:
                names[ready] = line
                send_line(f"* {line} joined", but=ready)
            else:
                send_line(f"{names[ready]}: {line}", but=ready)
