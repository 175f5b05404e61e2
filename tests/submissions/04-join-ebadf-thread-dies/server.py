import socket
import threading

# сервер чата, задание 4
IP = "127.0.0.1"
PORT = 9090

users = []      # [(conn, name)]


def send_to_all(msg, who=None):
    for conn, name in users:
        if conn != who:
            conn.send((msg + "\n").encode("utf-8"))


def handle(conn, addr):
    name = conn.recv(1024).decode("utf-8").strip()
    users.append((conn, name))
    send_to_all(name + " присоединился к чату", conn)
    while True:
        try:
            data = conn.recv(1024)
        except ConnectionResetError:
            # обрыв - убираем сразу
            users.remove((conn, name))
            send_to_all(name + " отключился")
            return
        text = data.decode("utf-8", errors="ignore").strip()
        if not data or text == "exit":
            break
        if text:
            send_to_all(name + ": " + text, conn)
    conn.close()
    send_to_all(name + " вышел из чата", conn)
    print(name, "ушёл")


s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((IP, PORT))
s.listen(100)
print("Сервер ждёт подключений...")
while True:
    conn, addr = s.accept()
    print("Подключение", addr)
    threading.Thread(target=handle, args=(conn, addr)).start()
