import socket

HOST = '127.0.0.1'
PORT = 9090

sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind((HOST, PORT))
print('UDP сервер слушает', PORT)

members = {}   # адрес -> ник

while True:
    data, addr = sock.recvfrom(65535)
    text = data.decode('utf-8', errors='replace').strip()
    if not text:
        continue
    if addr not in members:
        members[addr] = text
        out = f'{text} присоединился'
    elif text == 'exit':
        out = f'{members.pop(addr)} вышел'
    else:
        out = f'{members[addr]}: {text}'
    print(out)
    for member in members:
        if member == addr:
            continue
    sock.sendto(out.encode('utf-8'), member)
