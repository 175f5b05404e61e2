"""Чат на asyncio: один поток, корутина на клиента, рассылка без await.

Больше MAX_CLIENTS не пускаем: чтобы сервер не перегрузился.
"""

import asyncio

HOST = "127.0.0.1"
PORT = 9090
MAX_CLIENTS = 100
LIMIT = 4 * 1024 * 1024  # больше стольких байт не доставлено — клиент не читает

writers = {}  # writer -> имя


def broadcast(text, sender=None):
    data = (text + "\n").encode("utf-8")
    for w in list(writers):
        if w is sender or w.is_closing():
            continue
        w.write(data)
        if w.transport.get_write_buffer_size() > LIMIT:
            w.transport.abort()


async def handle(reader, writer):
    if len(writers) >= MAX_CLIENTS:
        writer.write("Сервер переполнен, попробуйте позже\n".encode("utf-8"))
        writer.close()
        return
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
                broadcast(f"{name} присоединился к чату", writer)
            elif text == "exit":
                break
            elif text:
                broadcast(f"{name}: {text}", writer)
    except (ConnectionError, ValueError):
        pass
    finally:
        writers.pop(writer, None)
        if name is not None:
            broadcast(f"{name} вышел из чата")
        writer.close()


async def main():
    server = await asyncio.start_server(handle, HOST, PORT, limit=1 << 20)
    print(f"Сервер запущен на {HOST}:{PORT}")
    async with server:
        await server.serve_forever()


asyncio.run(main())
