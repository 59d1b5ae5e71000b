#!/usr/bin/python3
"""Many HTTP real servers in one process (100 python http.server processes would not fit the VM):
answers `200 ok` on 127.0.0.1:FIRST..FIRST+N-1. Usage: multi_echo.py FIRST N"""
import asyncio
import sys

REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n"


async def serve(reader, writer):
    try:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(REPLY)
        await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
        pass
    finally:
        writer.close()


async def main(first, n):
    servers = [await asyncio.start_server(serve, "127.0.0.1", first + i) for i in range(n)]
    print("ready", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
