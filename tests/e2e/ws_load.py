#!/usr/bin/python3
"""tick-ws under load, with python3-websockets clients; this script writes
the feed into tick-ws's stdin (a FIFO) once its clients are subscribed.

  ws_load.py slow URL FIFO FEED.tick PID MAX_RSS_MB
    one client stops reading while FEED flows, another (one sym) keeps up:
    the fast one gets every row meant for it in order, tick-ws's peak RSS
    stays under MAX_RSS_MB, and the slow one, reading again, ends with the
    latest row of every sym.
  ws_load.py many URL FIFO FEED.tick N
    N clients over 5 distinct subscriptions each get every row meant for
    them, in order."""
import asyncio
import json
import subprocess
import sys

import websockets

mode, url, fifo, feed_path = sys.argv[1:5]
# (opened now: tick-ws's stdin opens as this does)
feed = open(fifo, 'wb')


def rows_of(path, table):
    out = subprocess.run(['tick-cat', '-f', 'json', '-t', table, path], capture_output=True, text=True,
                         check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def first_data(path):
    """The offset of the stream's first data record: what is before it (the
    header, schemas, symbols) is written first, so that tables are known."""
    import struct
    with open(path, 'rb') as f:
        head = f.read(1 << 20)
    off = 0
    while off + 16 <= len(head):
        _, length, typ = struct.unpack_from('<IIB', head, off)
        if chr(typ) == 'D':
            return off
        off += 16 + length
    return off


def write_context():
    with open(feed_path, 'rb') as src:
        feed.write(src.read(first_data(feed_path)))
    feed.flush()


def write_feed():
    # (the FIFO stays open: tick-ws goes on serving after its input ends, but
    # the test would then be reading what it keeps, not the flow)
    with open(feed_path, 'rb') as src:
        src.seek(first_data(feed_path))
        while True:
            b = src.read(1 << 20)
            if not b:
                break
            feed.write(b)
    feed.flush()


async def connect(**kw):
    # (no keepalive pings: a client that reads slowly on purpose would see
    # its pong behind the backlog it leaves unread, and close itself)
    kw.setdefault('ping_interval', None)
    for _ in range(100):  # tick-ws is starting
        try:
            return await websockets.connect(url, **kw)
        except OSError:
            await asyncio.sleep(0.1)
    return await websockets.connect(url, **kw)


async def subscribe(ws, table, syms=None):
    msg = {"action": "subscribe", "table": table}
    if syms:
        msg["syms"] = syms
    await ws.send(json.dumps(msg))
    while json.loads(await ws.recv())['type'] != 'snapshot':
        pass


async def collect(ws, n, timeout=60):
    got = []
    while len(got) < n:
        m = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if m['type'] == 'update':
            got += m['rows']
    return got


def peak_rss_mb(pid):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith('VmHWM:'):
            return int(line.split()[1]) / 1024
    return 0


async def slow(pid, max_rss):
    trades = rows_of(feed_path, 'trade')
    want_fast = [r for r in trades if r['sym'] == 'AAPL']
    last = {}
    for r in trades:
        last[r['sym']] = r
    write_context()
    slow_ws, fast = await connect(max_queue=1), await connect(compression=None)
    if True:
        await subscribe(slow_ws, 'trade')
        await subscribe(fast, 'trade', ['AAPL'])
        writer = asyncio.get_running_loop().run_in_executor(None, write_feed)
        # the slow client reads nothing now
        got = await collect(fast, len(want_fast), 120)
        await writer
        assert got == want_fast, f"the fast client's AAPL trades: {len(got)} of {len(want_fast)}, in order"
        rss = peak_rss_mb(pid)
        assert rss < max_rss, f"tick-ws's peak RSS {rss:.0f} MiB is under {max_rss} MiB"
        # reading again: the latest row of every sym, conflated
        seen, conflated, n = {}, False, 0
        while seen != last:
            m = json.loads(await asyncio.wait_for(slow_ws.recv(), 30))
            if m['type'] != 'update':
                continue
            n += 1
            conflated |= bool(m.get('conflated'))
            for r in m['rows']:
                seen[r['sym']] = r
        assert conflated, "the slow client's backlog was conflated"
        print(f"ws_load slow: {len(trades)} trades ({sum(len(json.dumps(r)) for r in trades) >> 20} MiB as JSON), "
              f"fast client {len(got)} rows in order, peak RSS {rss:.0f} MiB, slow client caught up in {n} updates")


async def many(n):
    subs = [('trade', ['AAPL']), ('trade', ['MSFT']), ('trade', ['GOOG', 'NVDA']), ('quote', ['AMZN']), ('trade', None)]
    ref = {}
    for i, (t, syms) in enumerate(subs):
        ref[i] = [r for r in rows_of(feed_path, t) if syms is None or r['sym'] in syms]
    write_context()
    conns = []
    for i in range(n):
        # half without permessage-deflate: tick-ws frames their backlog itself
        ws = await connect(max_queue=None, compression=None if i % 2 else 'deflate')
        conns.append(ws)
    await asyncio.gather(*(subscribe(ws, *subs[i % 5]) for i, ws in enumerate(conns)))
    writer = asyncio.get_running_loop().run_in_executor(None, write_feed)
    results = await asyncio.gather(*(collect(ws, len(ref[i % 5]), 120) for i, ws in enumerate(conns)))
    await writer
    for i, got in enumerate(results):
        assert got == ref[i % 5], f"client {i} ({subs[i % 5]}): {len(got)} rows of {len(ref[i % 5])}, in order"
    for ws in conns:
        await ws.close()
    print(f"ws_load many: {n} clients, {sum(len(r) for r in results)} rows delivered, each client's in order")


if mode == 'slow':
    asyncio.run(slow(int(sys.argv[5]), float(sys.argv[6])))
else:
    asyncio.run(many(int(sys.argv[5])))
