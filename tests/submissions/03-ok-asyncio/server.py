import asyncio


class Chat(asyncio.DatagramProtocol):
    def __init__(self):
        self.names = {}

    def connection_made(self, transport):
        self.transport = transport

    def send_others(self, text, sender):
        for addr in self.names:
            if addr != sender:
                self.transport.sendto(text.encode(), addr)

    def datagram_received(self, data, addr):
        text = data.decode(errors="replace").rstrip("\r\n")
        if addr not in self.names:
            if text.strip():
                self.names[addr] = text.strip()
                self.send_others(f"{text.strip()} joined", addr)
        elif text.strip() == "exit":
            self.send_others(f"{self.names.pop(addr)} left", addr)
        elif text.strip():
            self.send_others(f"{self.names[addr]}: {text}", addr)


async def main():
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(Chat, local_addr=("0.0.0.0", 9090))
    print("UDP chat on port 9090")
    try:
        await asyncio.Event().wait()
    finally:
        transport.close()


asyncio.run(main())
