import socket

HOST = "127.0.0.1"
PORT = 9090

server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind((HOST, PORT))
server.listen(5)
print("Server is running on port", PORT)

while True:
    conn, addr = server.accept()
    print("Connection from", addr)
    data = conn.recv(1024)
    print("Received", len(data), "bytes")
    conn.send(data)
