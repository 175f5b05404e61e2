import socket

HOST = '127.0.0.1'
PORT = 9090
JOIN = '__join'

srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind((HOST, PORT))

clients = {}     # addr -> ник (None, пока не прислал ник)
print('UDP чат на', PORT)

while True:
    data, addr = srv.recvfrom(65535)
    text = data.decode('utf-8', errors='replace').strip()
    if not text:
        continue
    if text == JOIN:
        clients[addr] = None
        continue
    if addr not in clients or clients[addr] is None:
        clients[addr] = text
        out = f'{text} зашёл в чат'
    elif text == 'exit':
        out = f'{clients.pop(addr)} вышел из чата'
    else:
        out = f'{clients[addr]}: {text}'
    for a in list(clients):
        if a != addr:
            srv.sendto(out.encode('utf-8'), a)
