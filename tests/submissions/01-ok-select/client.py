"""Line echo client in another style: the socket as a file, readline() reads up to \n."""
import os
import socket
import sys

port = int(sys.argv[sys.argv.index("--port") + 1]) if "--port" in sys.argv else None
port = port or int(os.environ.get("CHAT_PORT", 9090))

with socket.create_connection(("localhost", port)) as sock, sock.makefile("rb") as replies:
    for line in sys.stdin:
        sock.sendall(line.rstrip("\n").encode() + b"\n")
        reply = replies.readline()
        if not reply:
            print("server gone", flush=True)
            break
        print("echo:", reply.decode("utf-8", "replace").rstrip("\r\n"), flush=True)
