import socket


def main():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("localhost", 9090))
    print("UDP сервер запущен")
    members = {}
    while True:
        data, address = sock.recvfrom(65535)
        text = data.decode("utf-8", errors="replace").strip()
        if not text:
            continue
        if address not in members:
            members[address] = text
            notice = f"{text} присоединился к чату"
        elif text == "exit":
            notice = f"{members.pop(address)} вышел из чата"
        else:
            notice = f"{members[address]}: {text}"
        for other in members:
            if other != address:
                sock.sendto(notice.encode("utf-8"), other)


if __name__ == "__main__":
    main()
