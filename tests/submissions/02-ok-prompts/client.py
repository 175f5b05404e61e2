"""Chat for two: a prompt, lines read with makefile(), labels in brackets."""
import argparse
import os
import socket
import threading

PROMPT = "Вы: "


class Chat:
    def __init__(self, sock):
        self.sock = sock
        self.leaving = False

    def show(self, text):
        # Redraw the prompt under the incoming line, like a real chat does.
        print(f"\r[Друг] {text}\n{PROMPT}", end="", flush=True)

    def receive(self):
        with self.sock.makefile("rb") as lines:  # whole lines, however TCP cut them
            try:
                for raw in lines:
                    self.show(raw.rstrip(b"\r\n").decode("utf-8", errors="replace"))
            except OSError:
                pass
        if not self.leaving:
            print("\r[Друг ушёл]", flush=True)
            os._exit(0)

    def run(self):
        threading.Thread(target=self.receive, daemon=True).start()
        while True:
            try:
                text = input(PROMPT)
            except (EOFError, KeyboardInterrupt):
                break
            if text.strip().lower() in ("exit", "/quit"):
                break
            if text:
                self.sock.sendall(f"{text}\n".encode("utf-8"))
        self.leaving = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        print("\nДо встречи!")


parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, default=int(os.environ.get("CHAT_PORT", 9090)))
port = parser.parse_args().port
Chat(socket.create_connection(("127.0.0.1", port))).run()
