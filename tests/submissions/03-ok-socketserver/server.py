"""UDP chat on socketserver: every datagram is handled in a thread of its own."""
import socketserver
import threading

users = {}  # (ip, port) -> nickname
users_lock = threading.Lock()


class ChatHandler(socketserver.BaseRequestHandler):
    def handle(self):
        data, sock = self.request
        text = data.decode("utf-8", errors="replace").strip()
        if not text:
            return
        with users_lock:
            if self.client_address not in users:
                users[self.client_address] = text
                line = f"* {text} вошёл в чат"
            elif text == "exit":
                line = f"* {users.pop(self.client_address)} вышел из чата"
            else:
                line = f"<{users[self.client_address]}> {text}"
            receivers = [a for a in users if a != self.client_address]
        for address in receivers:
            sock.sendto((line + "\n").encode("utf-8"), address)


class ChatServer(socketserver.ThreadingUDPServer):
    allow_reuse_address = True
    max_packet_size = 65535


if __name__ == "__main__":
    with ChatServer(("127.0.0.1", 9090), ChatHandler) as server:
        print("chat on udp://127.0.0.1:9090", flush=True)
        server.serve_forever()
