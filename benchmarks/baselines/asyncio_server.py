"""Baseline: the course's chat protocol on asyncio (one thread, an event loop).

Same protocol as solutions/04: UTF-8 lines, the first line is the nickname, join and leave
notices, "name: text" to everyone else. Same slow-consumer policy too: `write()` on an
asyncio transport sends at once what the kernel takes and buffers the rest, so nobody
waits; a client whose buffer passes SENDQ_LIMIT bytes is dropped and the others are told.
A comparison point for the threaded reference server, not teaching code.

    python asyncio_server.py [--port N]     (or CHAT_PORT; default 9090)
"""

import argparse
import asyncio
import os
import re
import signal

HOST = "127.0.0.1"
MAX_LINE = 64 * 1024 + 1024  # as in solutions/04
SENDQ_LIMIT = 4 * 1024 * 1024  # bytes buffered for one client before it is dropped
CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]|[\x00-\x1f\x7f-\x9f]")

clients: dict[asyncio.StreamWriter, str] = {}


def send(writer: asyncio.StreamWriter, data: bytes) -> None:
    if writer.is_closing():
        return
    writer.write(data)  # never waits: what the kernel does not take stays buffered
    if writer.transport.get_write_buffer_size() > SENDQ_LIMIT:
        name = clients.pop(writer, None)
        writer.transport.abort()
        if name is not None:
            broadcast(f"*** {name} вышел из чата (не успевает читать)")


def broadcast(text: str, sender: asyncio.StreamWriter | None = None) -> None:
    data = (text + "\n").encode()
    for writer in list(clients):
        if writer is not sender:
            send(writer, data)


def clean(line: bytes) -> str:
    return CONTROL.sub("", line.decode("utf-8", errors="replace")).strip()


async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    name = None
    try:
        while not name:
            line = await reader.readline()
            if not line:
                return
            name = clean(line)[:32]
            if name in clients.values():
                send(writer, "Имя занято, введите другое:\n".encode())
                name = None
        clients[writer] = name
        broadcast(f"*** {name} присоединился к чату", writer)
        while line := await reader.readline():
            text = clean(line)
            if text in ("exit", "/quit", "выйти"):
                break
            if text:
                broadcast(f"{name}: {text}", writer)
    except (ConnectionError, ValueError):  # reset, or a line over MAX_LINE
        pass
    finally:
        if clients.pop(writer, None) is not None:
            broadcast(f"*** {name} вышел из чата")
        writer.close()


async def serve(port: int) -> None:
    server = await asyncio.start_server(handle, HOST, port, limit=MAX_LINE, reuse_address=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"asyncio chat server on {HOST}:{port}", flush=True)
    async with server:
        await stop.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description="asyncio chat server (benchmark baseline)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("CHAT_PORT", 9090)))
    asyncio.run(serve(parser.parse_args().port))


if __name__ == "__main__":
    main()
