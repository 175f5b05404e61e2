import socket

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 9090))
server.listen(1)
print("Waiting for a client...")

conn, addr = server.accept()
print("Client connected:", addr)

try:
    while True:
        data = conn.recv(4096)
        if not data:
            print("Client disconnected")
            break
        conn.sendall(data)
except ConnectionResetError:
    print("Connection lost")

conn.close()
server.close()
