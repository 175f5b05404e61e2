"""Чат на asyncio: один поток, корутина на клиента."""

import asyncio

HOST = "127.0.0.1"
PORT = 9090

writers = {}  # writer -> имя


async def broadcast(text, sender=None):
    data = (text + "\n").encode("utf-8")
    for w in list(writers):
        if w is sender:
            continue
        try:
            w.write(data)
            await w.drain()  # дождаться, пока данные уйдут, чтобы буфер не рос
        except ConnectionError:
            pass


async def handle(reader, writer):
    name = None
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            text = line.decode("utf-8", errors="replace").strip()
            if name is None:
                name = text
                writers[writer] = name
                await broadcast(f"{name} присоединился к чату", writer)
            elif text == "exit":
                break
            elif text:
                await broadcast(f"{name}: {text}", writer)
    except (ConnectionError, ValueError):
        pass
    finally:
        writers.pop(writer, None)
        if name is not None:
            await broadcast(f"{name} вышел из чата")
        writer.close()


async def main():
    server = await asyncio.start_server(handle, HOST, PORT, limit=1 << 20)
    print(f"Сервер запущен на {HOST}:{PORT}")
    async with server:
        await server.serve_forever()


asyncio.run(main())
