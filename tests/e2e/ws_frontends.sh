#!/usr/bin/env bash
# The front ends kdb+ shops already run, unchanged against tick-ws: a q
# .z.ws server's browser client (node's ws, on /) and the FastAPI proxy's
# /stream/SYM client (Python websockets). Each gets the rows of its syms
# that the feed sends after it subscribed, every one, in order, in its
# server's shapes; tick-ws's own protocol is unchanged beside them.
source "$(dirname "$0")/lib.sh"

tick-gen --syms 6 --count 4000 --seed 21 --start 2026-11-20T10:00:00Z > before.tick
tick-gen --syms 6 --count 6000 --seed 22 --start 2026-11-20T11:00:00Z > after.tick
mkfifo feed
port=$(free_port)
tick-ws -l :$port --heartbeat 1 < feed 2> ws.err &
WS=$!
exec 3> feed
cat before.tick >&3
wait_for curl -sf "http://127.0.0.1:$port/api/last?table=trade"
wait_for bash -c "test \"\$(curl -s 'http://127.0.0.1:$port/api/last?table=trade' | jq '.rows | length')\" = 6"

# What each should get: the trades of its syms in after.tick.
tick-cat -t trade -s AAPL,MSFT -f json after.tick | jq -c 'del(.table)' > want_q.json
tick-cat -t trade -s NVDA -f json after.tick | jq -c '{time, price, size}' > want_f.json
tick-cat -t trade -s NVDA -f json before.tick | tail -50 | jq -c '{time, price, size}' > want_snap.json
[ "$(wc -l < want_q.json)" -gt 100 ] && [ "$(wc -l < want_f.json)" -gt 50 ] || die "the feed has too few rows for the syms"; ok

node "$HERE/qws_client.js" "ws://127.0.0.1:$port/" AAPL,MSFT "$(wc -l < want_q.json)" > q.out 2> q.err &
QC=$!
$PY "$HERE/fastapi_client.py" "ws://127.0.0.1:$port" nvda "$(wc -l < want_f.json)" > f.out 2> f.err &
FC=$!
# tick-ws's own protocol beside them: a subscription with a table.
$PY - "$port" > own.out 2>&1 <<'P' &
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws") as ws:
        await ws.send(json.dumps({"action": "subscribe", "table": "trade", "syms": ["AAPL"]}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert m["type"] == "snapshot" and m["table"] == "trade" and m["rows"][0]["table"] == "trade", m
        while (m := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "update":
            pass
        assert m["table"] == "trade" and all(r["sym"] == "AAPL" and r["table"] == "trade" for r in m["rows"]), m
        print("own protocol: snapshot and update")
asyncio.run(main())
P
OWN=$!
# The feed goes on once all three have subscribed.
wait_for bash -c "test -s q.out && test -s f.out"
sleep 0.5
cat after.tick >&3
wait $QC || die "the q .z.ws client: $(cat q.err); tick-ws: $(tail -3 ws.err)"; ok
wait $FC || die "the FastAPI client: $(tail -5 f.err); tick-ws: $(tail -3 ws.err)"; ok
wait $OWN || die "tick-ws's own protocol beside them: $(tail -5 own.out)"; ok

expect_eq "$(head -1 q.out)" '{"status":"subscribed","message":"subscribed to trade: AAPL, MSFT"}' "q .z.ws: subscribed, with no table (trade)"
tail -n +2 q.out > got_q.json
same_files want_q.json got_q.json "q .z.ws: trade_update rows of AAPL and MSFT only, every one, in order, as q's .j.j writes them"
expect_eq "$(head -1 f.out | jq -c '[.type, .sym]')" '["snapshot","NVDA"]' "FastAPI: /stream/nvda is NVDA's snapshot"
head -1 f.out | jq -c '.data[]' > got_snap.json
same_files want_snap.json got_snap.json "FastAPI: the snapshot's data, NVDA's last 50 trades as time, price, size"
sed -n '2,$p' f.out | grep -v '"type"' > got_f.json
same_files want_f.json got_f.json "FastAPI: every later NVDA trade in updates' trades, as time, price, size"
expect_eq "$(grep -c '"type":"pong"' f.out) $(grep -c '"type":"heartbeat"' f.out)" "1 1" "FastAPI: a pong to ping, a heartbeat when quiet"
exec 3>&-
kill -TERM $WS; wait $WS || die "tick-ws on SIGTERM: $(tail -3 ws.err)"; ok

# A q .z.ws client that stops reading while 30 MB flow: its queue is
# conflated to the latest row per sym, sent in its own shape (trade_update,
# rows without "table"), never tick-ws's "update".
tick-gen --syms 6 --count 600000 --seed 23 --start 2026-11-20T12:00:00Z > big.tick
tick-cat -t trade -f json big.tick | jq -c 'del(.table)' | $PY -c '
import json, sys
last = {}
for l in sys.stdin:
    r = json.loads(l); last[r["sym"]] = r
print(json.dumps(last, sort_keys=True))' > want_last.json
mkfifo feed2
port=$(free_port)
tick-ws -l :$port --max-queue 64K < feed2 2> ws2.err &
WS=$!
exec 4> feed2
cat before.tick >&4
wait_for curl -sf "http://127.0.0.1:$port/api/last?table=trade"
$PY - "$port" big.tick > slowq.out 2>&1 <<'P' &
import asyncio, json, socket, sys, time, websockets
async def main():
    port, big = sys.argv[1], sys.argv[2]
    s = socket.create_connection(("127.0.0.1", int(port)))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    async with websockets.connect(f"ws://127.0.0.1:{port}/", sock=s, max_size=None, max_queue=1) as ws:
        await ws.send(json.dumps({"action": "subscribe", "syms": []}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 30))["status"] == "subscribed"
        # Stop reading while the big feed goes in (from the test's side).
        open("subscribed", "w").close()
        while not __import__("os").path.exists("fed"):
            await asyncio.sleep(0.1)
        await asyncio.sleep(1)
        last, kinds = {}, set()
        while True:
            try:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
            except asyncio.TimeoutError:
                break
            kinds.add(m.get("type"))
            for r in m.get("data", []):
                assert "table" not in r, r
                last[r["sym"]] = r
        assert kinds <= {"trade_update", "heartbeat"}, kinds
        print(json.dumps(last, sort_keys=True))
asyncio.run(main())
P
SQ=$!
wait_for test -e subscribed
cat big.tick >&4
touch fed
wait $SQ || die "a slow q .z.ws client: $(tail -3 slowq.out); tick-ws: $(tail -3 ws2.err)"; ok
expect_eq "$(tail -1 slowq.out)" "$(cat want_last.json)" "the slow q client ends with every sym's last trade, in trade_update"
kill -TERM $WS; wait $WS || die "tick-ws on SIGTERM: $(tail -3 ws2.err)"
exec 4>&-
expect_match "$(tail -1 ws2.err)" " [1-9][0-9]* rows conflated" "its rows were conflated (it did fall behind)"
done_ok
