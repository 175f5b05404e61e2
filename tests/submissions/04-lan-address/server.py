import socket
import threading

HOST = "192.168.1.5"
PORT = 9090

clients = {}
lock = threading.Lock()


def send_to_others(text, me):
    with lock:
        people = [c for c in clients if c != me]
    for c in people:
        try:
            c.sendall(text.encode("utf-8"))
        except OSError:
            pass


def serve(conn, addr):
    try:
        name = conn.recv(1024).decode("utf-8").strip()
        with lock:
            clients[conn] = name
        send_to_others(f"[{name} зашёл]\n", conn)
        rest = ""
        while True:
            data = conn.recv(1024)
            if not data:
                break
            rest += data.decode("utf-8", errors="ignore")
            *lines, rest = rest.split("\n")
            for line in lines:
                if line.strip():
                    send_to_others(f"[{name}] {line.strip()}\n", conn)
    except OSError:
        pass
    finally:
        with lock:
            name = clients.pop(conn, "?")
        send_to_others(f"[{name} ушёл]\n", conn)
        conn.close()


srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind((HOST, PORT))
srv.listen(64)
print("Слушаю", HOST, PORT)
while True:
    conn, addr = srv.accept()
    threading.Thread(target=serve, args=(conn, addr), daemon=True).start()
