#!/usr/bin/python3
"""tick-ws's /ws protocol, checked with an independent client (Debian's
python3-websockets). The feed is in this script's hands: it writes tick
streams into tick-ws's stdin (a FIFO) part by part, so every snapshot,
history and update has an exact reference computed with tick-cat.

usage: ws_protocol.py URL FIFO PART_A PART_B PART_C EOD_RECORD"""
import asyncio
import collections
import json
import subprocess
import sys

import websockets

url, fifo, part_a, part_b, part_c, eod = sys.argv[1:7]
feed = open(fifo, 'wb', buffering=0)
checks = 0


def check(cond, what):
    global checks
    if not cond:
        sys.exit(f"FAIL: {what}")
    checks += 1


def rows_of(path, table=None):
    out = subprocess.run(['tick-cat', '-f', 'json', path], capture_output=True, text=True, check=True).stdout
    rs = [json.loads(l) for l in out.splitlines()]
    return [r for r in rs if table is None or r.get('table') == table]


def last_by_sym(rows):
    last = {}
    for r in rows:
        last[r['sym']] = r
    return last


async def updates(ws, n, timeout=10):
    """Rows of the updates that come until n rows have (other messages passed over)."""
    rows = []
    while len(rows) < n:
        m = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if m['type'] == 'update':
            rows += m['rows']
    return rows


async def recv_type(ws, want, timeout=10):
    """The next message of a type, and the updates that came before it."""
    seen = []
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), timeout))
        if m['type'] == want:
            return m, seen
        seen.append(m)


async def main():
    feed.write(open(part_a, 'rb').read())
    a_trades = rows_of(part_a, 'trade')
    async with websockets.connect(url) as all_ws:
        # the stream's part A applied: seen by a subscriber of every trade
        await all_ws.send(json.dumps({"action": "subscribe", "table": "trade", "id": "all"}))
        for _ in range(100):
            snap, _ = await recv_type(all_ws, 'snapshot')
            if len(snap['rows']) == len(last_by_sym(a_trades)) and \
                    sorted(snap['rows'], key=lambda r: r['sym']) == sorted(last_by_sym(a_trades).values(), key=lambda r: r['sym']):
                break
            await asyncio.sleep(0.1)
            await all_ws.send(json.dumps({"action": "subscribe", "table": "trade", "id": "all"}))
        check(snap.get('id') == 'all', f"the snapshot echoes the id: {snap.get('id')}")
        check(sorted(snap['rows'], key=lambda r: r['sym']) == sorted(last_by_sym(a_trades).values(), key=lambda r: r['sym']),
              "the snapshot without syms is the last trade of every sym")

        async with websockets.connect(url) as ws:
            # -- subscribe with syms and history
            await ws.send(json.dumps({"action": "subscribe", "table": "trade", "syms": ["AAPL", "NVDA", "NOSUCH"],
                                      "history": 5, "id": 1}))
            snap, _ = await recv_type(ws, 'snapshot')
            want = last_by_sym(a_trades)
            check(snap['id'] == 1 and snap['table'] == 'trade', f"snapshot header: {snap['id']} {snap['table']}")
            check(sorted(snap['rows'], key=lambda r: r['sym']) == [want['AAPL'], want['NVDA']],
                  f"the snapshot is the last row of each subscribed sym: {snap['rows']}")
            hist = collections.defaultdict(list)
            for r in snap['history']:
                hist[r['sym']].append(r)
            for s in ('AAPL', 'NVDA'):
                check(hist[s] == [r for r in a_trades if r['sym'] == s][-5:], f"{s}'s history: its last 5 trades, oldest first")
            check(set(hist) == {'AAPL', 'NVDA'}, f"history only of the subscribed syms: {set(hist)}")

            # -- updates carry only the subscribed syms, in order
            feed.write(open(part_b, 'rb').read())
            b_trades = rows_of(part_b, 'trade')
            want_b = [r for r in b_trades if r['sym'] in ('AAPL', 'NVDA')]
            got = []
            while len(got) < len(want_b):
                m = json.loads(await asyncio.wait_for(ws.recv(), 10))
                check(m['type'] == 'update' and m['table'] == 'trade', f"an update: {m['type']}")
                got += m['rows']
            check(got == want_b, f"the updates are part B's AAPL and NVDA trades, in order ({len(got)} of {len(want_b)})")
            got_all = await updates(all_ws, len(b_trades))
            check(got_all == b_trades, "a subscriber of every sym gets every trade of part B")

            # -- unsubscribe stops them (part C reaches the other subscriber; this one gets a pong, no update)
            await ws.send(json.dumps({"action": "unsubscribe", "table": "trade", "id": 2}))
            m, before = await recv_type(ws, 'unsubscribed')
            check(m['id'] == 2 and not before, f"unsubscribed: {m}")
            feed.write(open(part_c, 'rb').read())
            c_trades = rows_of(part_c, 'trade')
            got_all = await updates(all_ws, len(c_trades))
            check(got_all == c_trades, "the other subscriber gets part C")
            await ws.send(json.dumps({"action": "ping", "id": "p"}))
            m, before = await recv_type(ws, 'pong')
            check(m['id'] == 'p' and [x for x in before if x['type'] == 'update'] == [],
                  f"after unsubscribe, no updates: {before[:2]}")

            # -- bad messages get an error; the connection stays usable
            for bad, why in [("{not json", "malformed JSON"), ("[1,2]", "a message is a JSON object"),
                             (json.dumps({"action": "frobnicate", "id": 9}), 'unknown action "frobnicate"'),
                             (json.dumps({"action": "subscribe", "table": "nosuch", "id": 10}), 'unknown table "nosuch"'),
                             (json.dumps({"action": "subscribe", "table": "trade", "syms": "AAPL"}), '"syms" is a list'),
                             (json.dumps({"action": "subscribe", "table": "trade", "history": -1}), '"history" is a count'),
                             (json.dumps({"table": "trade"}), 'no "action"')]:
                await ws.send(bad)
                m, _ = await recv_type(ws, 'error')
                check(why in m['error'], f"{bad}: error {m['error']!r} says {why!r}")
            await ws.send(json.dumps({"action": "frobnicate", "id": {"a": [1, "x"]}}))
            m, _ = await recv_type(ws, 'error')
            check(m['id'] == {"a": [1, "x"]}, f"an error echoes any JSON id: {m.get('id')}")
            await ws.send(json.dumps({"action": "ping", "id": 11}))
            m, _ = await recv_type(ws, 'pong')
            check(m['id'] == 11, "the connection is usable after errors")

            # -- quotes too: a second table on the same connection
            await ws.send(json.dumps({"action": "subscribe", "table": "quote", "syms": ["MSFT"]}))
            snap, _ = await recv_type(ws, 'snapshot')
            allq = rows_of(part_a, 'quote') + rows_of(part_b, 'quote') + rows_of(part_c, 'quote')
            check(snap['table'] == 'quote' and snap['rows'] == [last_by_sym(allq)['MSFT']],
                  "a quote snapshot after parts A, B and C")

            # -- heartbeat on an idle connection (tick-ws --heartbeat 1)
            m, before = await recv_type(ws, 'heartbeat', timeout=5)
            check('time' in m, f"a heartbeat: {m}")

            # -- end of day to every connection
            feed.write(open(eod, 'rb').read())
            m, _ = await recv_type(ws, 'eod')
            check(m['date'] == '2026-11-20', f"eod: {m}")
            m, _ = await recv_type(all_ws, 'eod')
            check(m['date'] == '2026-11-20', "eod to the other connection too")

        # -- /stream/SYM, as the FastAPI proxy serves it: the sym upper-cased,
        # its last 50 trades as time, price and size
        base = url.rsplit('/ws', 1)[0]
        async with websockets.connect(base + '/stream/msft') as st:
            snap, _ = await recv_type(st, 'snapshot')
            msft = [{k: r[k] for k in ('time', 'price', 'size')} for r in a_trades + b_trades + c_trades if r['sym'] == 'MSFT']
            check(snap['sym'] == 'MSFT', f"/stream/msft: MSFT's ({snap['sym']})")
            check(snap['data'] == msft[-50:], f"/stream/msft: its last 50 trades ({len(snap['data'])})")

    print(f"ws_protocol: {checks} checks")


asyncio.run(main())
