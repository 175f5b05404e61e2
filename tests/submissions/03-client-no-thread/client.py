import socket

server_address = ("localhost", 9090)
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.settimeout(0.5)

name = input("Как вас зовут? ")
sock.sendto(name.encode(), server_address)

while True:
    message = input("> ")
    if message == "exit":
        sock.sendto(b"exit", server_address)
        break
    sock.sendto(message.encode(), server_address)
    # проверяем, не написал ли кто-нибудь
    try:
        while True:
            data, _ = sock.recvfrom(65535)
            print(data.decode())
    except socket.timeout:
        pass

sock.close()
