import socket
from threading import Thread

SERVER_HOST = "127.0.0.1"
SERVER_PORT = 9090
separator_token = "<SEP>"

client_sockets = set()

s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((SERVER_HOST, SERVER_PORT))
s.listen(5)
print(f"[*] Listening as {SERVER_HOST}:{SERVER_PORT}")


def send_all(text, cs):
    for client_socket in list(client_sockets):
        if client_socket is cs:
            continue
        try:
            client_socket.send(text.encode())
        except Exception:
            client_sockets.discard(client_socket)


def listen_for_client(cs, name):
    send_all(f"[+] {name} joined\n", cs)
    buf = b""
    while True:
        try:
            data = cs.recv(1024)
        except Exception as e:
            print(f"[!] Error: {e}")
            break
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            msg = line.decode(errors="replace").strip()
            if msg:
                send_all(f"{name}: {msg}\n", cs)
    client_sockets.discard(cs)
    cs.close()
    send_all(f"[-] {name} left\n", cs)


while True:
    client_socket, client_address = s.accept()
    print(f"[+] {client_address} connected.")
    name = client_socket.recv(1024)
    client_sockets.add(client_socket)
    t = Thread(target=listen_for_client, args=(client_socket, name))
    t.daemon = True
    t.start()
