#!/usr/bin/python3
"""The Python peer of tick-ws's benchmark: the broadcast server kdb+
tutorials build (a FastAPI/websockets proxy), on Debian's python3-websockets.
It waits for CONNS clients, then sends each line of MESSAGES (tick-ws's own
update messages, recorded) to every client with websockets.broadcast, the
library's fast path, yielding to the loop between messages and waiting while
a client has more than 4 MiB unsent; then it stays up until killed.
usage: ws_peer.py PORT CONNS MESSAGES"""
import asyncio
import sys

import websockets

port, want, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
with open(path) as f:
    messages = [line.rstrip('\n') for line in f]
clients = set()
all_in = asyncio.Event()


async def handler(ws, *_):
    clients.add(ws)
    if len(clients) >= want:
        all_in.set()
    try:
        async for _ in ws:  # (a subscription: nothing to do, everyone gets everything)
            pass
    finally:
        clients.discard(ws)


async def main():
    async with websockets.serve(handler, '127.0.0.1', port, compression=None, max_queue=None):
        await all_in.wait()
        await asyncio.sleep(0.3)
        for i, m in enumerate(messages):
            websockets.broadcast(clients, m)
            if i % 64 == 0:
                while any(c.transport.get_write_buffer_size() > 4 << 20 for c in clients):
                    await asyncio.sleep(0.001)
            await asyncio.sleep(0)
        await asyncio.Future()

asyncio.run(main())
