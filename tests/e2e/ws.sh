#!/usr/bin/env bash
# tick-ws with independent clients (python3-websockets, curl): the /ws
# protocol against references from tick-cat, /stream/SYM, HTTP /api/tables
# and /api/last, tokens, origins, an oversized message, a slow client.
source "$(dirname "$0")/lib.sh"
# Peak RSS bounds (a sanitized build's shadow memory is not tick-ws's).
RSS_BOUND=64
[ "${TICK_SANITIZED:-0}" == 1 ] && RSS_BOUND=1024

# -- The protocol, the feed written part by part into tick-ws's stdin.
tick-gen --syms 5 --count 3000 --seed 1 --start 2026-11-20T10:00:00Z > part_a.tick
tick-gen --syms 5 --count 3000 --seed 2 --start 2026-11-20T11:00:00Z > part_b.tick
tick-gen --syms 5 --count 3000 --seed 3 --start 2026-11-20T12:00:00Z > part_c.tick
$PY "$HERE/tickrec.py" eod 2026-11-20 9000 > eod.rec
mkfifo feed
port=$(free_port)
tick-ws -l :$port --heartbeat 1 < feed 2> ws.err &
WS=$!
$PY "$HERE/ws_protocol.py" "ws://127.0.0.1:$port/ws" feed part_a.tick part_b.tick part_c.tick eod.rec > proto.out 2>&1 ||
  die "the protocol: $(tail -3 proto.out); tick-ws: $(tail -3 ws.err)"
ok
expect_match "$(cat proto.out)" "ws_protocol: [0-9]+ checks" "the protocol's checks ran"
# The feed is closed now: tick-ws says so and serves its last state until stopped.
wait_for grep -q "the input ended: serving its last state until stopped" ws.err
kill -TERM $WS; wait $WS || die "tick-ws on SIGTERM: $(cat ws.err)"; ok
expect_match "$(head -1 ws.err)" "listening on http://127.0.0.1:$port/" "tick-ws says where it listens"

# -- HTTP: tables and the keyed snapshot; bad parameters get 400 with a JSON error.
port=$(free_port)
(cat part_a.tick; sleep 30) | tick-ws -l :$port 2> ws2.err &
wait_for curl -sf "http://127.0.0.1:$port/api/tables"
expect_eq "$(curl -s "http://127.0.0.1:$port/api/tables" | jq -c '[.tables[] | .name + ":" + ([.columns[].type] | join(","))]')" \
  '["trade:timestamp,symbol,float,long","quote:timestamp,symbol,float,float,long,long"]' "/api/tables"
tick-cat -t trade part_a.tick | jq -sc 'group_by(.sym) | map(last) | map(select(.sym == "AAPL" or .sym == "NVDA"))' > want.last
wait_for bash -c "curl -s 'http://127.0.0.1:$port/api/last?table=trade&syms=AAPL,NVDA' | jq -e '.rows | length == 2'"
expect_eq "$(curl -s "http://127.0.0.1:$port/api/last?table=trade&syms=AAPL,NVDA" | jq -c '.rows | sort_by(.sym)')" "$(cat want.last)" "/api/last"
expect_eq "$(curl -s -o body -w '%{http_code}' "http://127.0.0.1:$port/api/last?table=nope")" 400 "an unknown table: 400"
expect_eq "$(jq -r .error body)" 'table: unknown table "nope"' "the 400 names the parameter"
expect_eq "$(curl -s -o body -w '%{http_code}' "http://127.0.0.1:$port/api/last")" 400 "no table: 400"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/nosuch")" 404 "an unknown route: 404"

# -- node's ws as the client.
tick-cat -t trade part_a.tick > trades_a.json
node "$HERE/ws_node.js" "ws://127.0.0.1:$port" trades_a.json > node.out 2>&1 || die "node ws: $(cat node.out)"
expect_match "$(cat node.out)" "ws_node: [0-9]+ checks" "node's checks ran"

# -- An oversized message closes only that connection.
$PY - "$port" <<'P' || die "an oversized message"
import asyncio, json, sys, websockets
async def main():
    url = f"ws://127.0.0.1:{sys.argv[1]}/ws"
    async with websockets.connect(url) as good, websockets.connect(url, max_size=None) as bad:
        await bad.send("x" * 200000)
        try:
            while True:
                await asyncio.wait_for(bad.recv(), 5)
        except websockets.ConnectionClosed as e:
            assert e.rcvd.code == 1009, e.rcvd
        await good.send(json.dumps({"action": "ping", "id": 1}))
        while json.loads(await asyncio.wait_for(good.recv(), 5))["type"] != "pong":
            pass
asyncio.run(main())
P
ok
expect_match "$(cat ws2.err)" "127.0.0.1: a message over --max-message \(65536 bytes\): closed" "the oversized message is named"

# -- Hostile clients: garbage instead of HTTP, an unmasked or half frame, a
# connection dropped mid-frame; each ends its own connection, tick-ws goes on.
expect_match "$($PY "$HERE/hostile.py" ws-junk 127.0.0.1 "$port")" \
  "^ws-junk: garbage closed, unmasked (closed|still open), half-frame abandoned, half-handshake abandoned$" \
  "hostile clients: garbage is closed (libwebsockets 4.1 takes an unmasked frame: man tick-ws, BUGS)"
$PY - "$port" <<'P' || die "a client after the hostile ones"
import asyncio, json, sys, websockets
async def main():
    async with websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws") as ws:
        await ws.send(json.dumps({"action": "subscribe", "table": "trade", "syms": ["AAPL"]}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert m["type"] == "snapshot" and m["rows"][0]["sym"] == "AAPL", m
asyncio.run(main())
P
ok
pgrep -f "tick-ws -l :$port" > /dev/null || die "tick-ws died of a hostile client: $(tail -3 ws2.err)"; ok
pkill -f "tick-ws -l :$port" || true

# -- A token is required from every request when set; origins are checked.
port=$(free_port)
(cat part_a.tick; sleep 30) | tick-ws -l :$port --token s3cret --origin http://good.example 2> ws3.err &
wait_for curl -sf -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/tables"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tables")" 401 "no token: 401"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tables?token=wrong")" 401 "a wrong token: 401"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tables?token=s3cret")" 200 "?token="
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/tables")" 403 "a refused origin: 403"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://good.example' -H 'Authorization: Bearer s3cret' "http://127.0.0.1:$port/api/tables")" 200 "an allowed origin"
$PY - "$port" <<'P' || die "WebSocket token and origin"
import asyncio, sys, websockets
async def refused(url, **kw):
    # The HTTP status of a refused upgrade, as the HTTP API gives it (not a
    # dropped connection: a browser shows the status).
    try:
        async with websockets.connect(url, **kw):
            return None
    except websockets.InvalidStatusCode as e:
        return e.status_code
async def main():
    base = f"ws://127.0.0.1:{sys.argv[1]}/ws"
    assert await refused(base) == 401, "no token"
    assert await refused(base + "?token=wrong") == 401, "a wrong token"
    assert await refused(base + "?token=s3cret", origin="http://evil.example") == 403, "a refused origin"
    assert await refused(base.replace("/ws", "/nowhere") + "?token=s3cret") == 404, "no WebSocket there"
    async with websockets.connect(base + "?token=s3cret", origin="http://good.example") as ws:
        await ws.send('{"action":"ping"}')
        assert '"pong"' in await asyncio.wait_for(ws.recv(), 5)
    async with websockets.connect(base, extra_headers={"Authorization": "Bearer s3cret"}) as ws:
        await ws.send('{"action":"ping"}')
        assert '"pong"' in await asyncio.wait_for(ws.recv(), 5)
asyncio.run(main())
P
ok
pkill -f "tick-ws -l :$port" || true

# -- https and wss with a certificate made here; -l :0 and --address-file.
openssl req -x509 -newkey rsa:2048 -nodes -keyout key.pem -out cert.pem -days 1 -subj /CN=localhost 2> /dev/null
(cat part_a.tick; sleep 30) | tick-ws -l :0 --address-file tls.addr --tls-cert cert.pem --tls-key key.pem 2> ws6.err &
WS6=$!
wait_for test -s tls.addr
A=$(cat tls.addr)
expect_match "$A" '^127\.0\.0\.1:[0-9]+$' "the address chosen, in --address-file"
expect_eq "$(curl -s --cacert cert.pem --resolve "localhost:${A#*:}:127.0.0.1" "https://localhost:${A#*:}/api/tables" | jq -r '.tables[0].name')" trade "https with the certificate"
$PY - "${A#*:}" cert.pem <<'P' || die "wss"
import asyncio, ssl, sys, websockets
async def main():
    ctx = ssl.create_default_context(cafile=sys.argv[2])
    ctx.check_hostname = False
    async with websockets.connect(f"wss://127.0.0.1:{sys.argv[1]}/ws", ssl=ctx) as ws:
        await ws.send('{"action":"subscribe","table":"trade","syms":["AAPL"]}')
        import json
        m = json.loads(await asyncio.wait_for(ws.recv(), 5))
        assert m["type"] == "snapshot" and m["rows"][0]["sym"] == "AAPL", m
asyncio.run(main())
P
ok
expect_match "$(cat ws6.err)" "listening on https://127.0.0.1:${A#*:}/" "tick-ws says https"
kill $WS6 || true

# -- History: /api/query and the query action from the HDB (past days) and
# today's journal, the same rows as tick-replay; bad parameters get 400; a
# large answer streams in bounded memory.
Y=$(date -u -d yesterday +%F); T=$(date -u +%F)
tick-gen --count 1000000 --syms 20 --seed 11 --start ${Y}T08:00:00Z | TICK_FAKE_TIME=${Y}T12:00:00Z tick-log hist > /dev/null
tick-eod --hdb hdb hist/$Y.tick 2> /dev/null
tick-gen --count 5000 --syms 20 --seed 12 --start ${T}T09:00:00Z | tick-log hist > /dev/null
port=$(free_port)
(cat hist/$T.tick; sleep 60) | tick-ws -l :$port --hdb hdb --log hist 2> ws7.err &
wait_for curl -sf "http://127.0.0.1:$port/api/tables"
Q="http://127.0.0.1:$port/api/query"
(tick-replay --hdb hdb --date $Y -t trade -s AAPL,MSFT -f json; tick-replay hist/$T.tick -t trade -s AAPL,MSFT -f json) | jq -sc . > want.q
expect_eq "$(curl -s "$Q?table=trade&syms=AAPL,MSFT&date=$Y..$T&limit=1000000" | jq -c .)" "$(cat want.q)" "/api/query: the HDB's and today's journal's rows, as tick-replay has them"
tick-replay --hdb hdb --date $Y -t trade -s GOOG --from 09:00 --to 09:10 -f csv > want.csv
expect_eq "$(curl -s "$Q?table=trade&syms=GOOG&date=$Y&from=09:00&to=09:10&format=csv&limit=1000000")" "$(cat want.csv)" "/api/query in CSV, from..to"
# CSV over the HDB's day and today's journal: one CSV, one header.
(tick-replay --hdb hdb --date $Y -t trade -s GOOG,MSFT -f csv; tick-replay hist/$T.tick -t trade -s GOOG,MSFT -f csv | tail -n +2) > want2.csv
curl -s "$Q?table=trade&syms=GOOG,MSFT&date=$Y..$T&format=csv&limit=1000000" > got2.csv
expect_eq "$(grep -c '^time,' got2.csv)" 1 "/api/query CSV over two sources: one header"
same_files want2.csv got2.csv "/api/query CSV over the HDB and the journal"
expect_eq "$(curl -s "$Q?table=trade&syms=NOSUCH&date=$Y..$T&format=csv")" "time,sym,price,size" "an empty CSV answer: its header"
expect_eq "$(curl -s "$Q?table=trade&date=2020-01-01&format=csv")" "time,sym,price,size" "a day with no data in CSV: the header"
expect_eq "$(curl -s "$Q?table=quote&date=$Y&limit=7" | jq -c .)" "$(tick-replay --hdb hdb --date $Y -t quote -f json | head -7 | jq -sc .)" "limit"
expect_eq "$(curl -s "$Q?table=trade&syms=NVDA" | jq -c .)" "$(tick-replay hist/$T.tick -t trade -s NVDA -f json | jq -sc .)" "no date: today's, from the journal"
for bad in "table=trade&date=2026-13-01:date" "table=trade&limit=-1:limit" "table=trade&limit=99999999:limit" \
           "table=trade&format=xml:format" "syms=AAPL:table" "table=nosuch:table" "table=trade&from=25:99:from" \
           "table=trade&date=$T..$Y:date"; do
  args=${bad%:*}; param=${bad##*:}
  expect_eq "$(curl -s -o body -w '%{http_code}' "$Q?$args")" 400 "$args: 400"
  expect_match "$(jq -r .error body)" "^$param: " "$args: the error names $param"
done
$PY - "$port" "$Y" <<'P' || die "the query action"
import asyncio, json, subprocess, sys, websockets
async def main():
    port, y = sys.argv[1:3]
    want = [json.loads(l) for l in subprocess.run(['tick-replay', '--hdb', 'hdb', '--date', y, '-t', 'trade', '-s', 'AMZN',
            '--from', '10:00', '--to', '10:30', '-f', 'json'], capture_output=True, text=True, check=True).stdout.splitlines()][:40]
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        await ws.send(json.dumps({"action": "query", "table": "trade", "syms": ["AMZN"], "date": y, "from": "10:00",
                                  "to": "10:30", "limit": 40, "id": [7]}))
        while (m := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "result":
            assert m["type"] != "error", m
        assert m["id"] == [7] and m["rows"] == want, (len(m["rows"]), len(want))
        await ws.send(json.dumps({"action": "query", "table": "trade", "date": "yesterday", "id": 8}))
        while (m := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "error":
            pass
        assert m["id"] == 8 and m["error"].startswith("date: "), m
asyncio.run(main())
P
ok
# A million rows read slowly: tick-ws holds about a megabyte of the answer.
curl -s --limit-rate 20M "$Q?table=trade&date=$Y&limit=1000000" -o big.json
expect_eq "$(jq length big.json)" "$(tick-replay --hdb hdb --date $Y -t trade -f json | wc -l)" "a large answer, whole"
rss=$(awk '/VmHWM/ {print int($2 / 1024)}' /proc/$(pgrep -f "tick-ws -l :$port")/status)
[ "$rss" -lt "$RSS_BOUND" ] || die "tick-ws's peak RSS while streaming $(du -m big.json | cut -f1) MB: $rss MiB"
ok
# Clients that go away mid-answer: an HTTP reader, and a WebSocket client
# with a query running; tick-ws stops those queries and answers the next.
for i in 1 2 3; do curl -s --limit-rate 200K --max-time 0.5 "$Q?table=trade&date=$Y&limit=1000000" -o /dev/null || true; done
$PY - "$port" "$Y" <<'P' || die "a WebSocket client closing with a query running"
import asyncio, json, sys, websockets
async def main():
    ws = await websockets.connect(f"ws://127.0.0.1:{sys.argv[1]}/ws")
    await ws.send(json.dumps({"action": "query", "table": "quote", "date": sys.argv[2], "limit": 100000}))
    await ws.close()
asyncio.run(main())
P
expect_eq "$(curl -s "$Q?table=trade&syms=AAPL,MSFT&date=$Y..$T&limit=1000000" | jq -c .)" "$(cat want.q)" "the next query after clients went away mid-answer"
expect_eq "$(curl -s -o body -w '%{http_code}' "$Q?table=trade&sym=AAPL&limit=5")" 400 "a misspelt parameter (sym=): 400"
expect_eq "$(jq -r .error body)" "unknown parameter: sym (/api/query takes table, syms, date, from, to, limit, format)" "the error names it"
expect_eq "$(curl -s -o body -w '%{http_code}' "$Q?table=trade&limit=5&Date=$Y&x")" 400 "two unknown parameters: 400"
expect_match "$(jq -r .error body)" "^unknown parameter: Date, x " "both named"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/last?table=trade&sym=AAPL")" 400 "/api/last?sym=: 400"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/tables?t=1")" 400 "/api/tables?t=1: 400"
pkill -f "tick-ws -l :$port" || true
# Tables only the HDB has (a stream that has declared none, as after a
# restart before the first row): listed by /api/tables as not live, and
# queried over HTTP and the query action.
port=$(free_port)
sleep 60 | tick-ws -l :$port --hdb hdb 2> ws8.err &
wait_for curl -sf "http://127.0.0.1:$port/api/tables"
expect_eq "$(curl -s "http://127.0.0.1:$port/api/tables" | jq -c '[.tables[] | .name + ":" + (.live | tostring) + ":" + ([.columns[].name] | join(","))]')" \
  '["trade:false:time,sym,price,size","quote:false:time,sym,bid,ask,bsize,asize"]' "/api/tables lists the HDB's tables, not live"
Q="http://127.0.0.1:$port/api/query"
expect_eq "$(curl -s "$Q?table=quote&syms=MSFT&date=$Y&limit=9" | jq -c .)" "$(tick-replay --hdb hdb --date $Y -t quote -s MSFT -f json | head -9 | jq -sc .)" "/api/query of a table only the HDB has"
expect_eq "$(curl -s -o body -w '%{http_code}' "$Q?table=nosuch&date=$Y")" 400 "a table neither has: 400"
expect_match "$(jq -r .error body)" "^table: unknown table \"nosuch\"" "named"
$PY - "$port" "$Y" <<'P' || die "the query action on a table only the HDB has"
import asyncio, json, subprocess, sys, websockets
async def main():
    port, y = sys.argv[1:3]
    want = [json.loads(l) for l in subprocess.run(['tick-replay', '--hdb', 'hdb', '--date', y, '-t', 'trade', '-s', 'AMZN',
            '-f', 'json'], capture_output=True, text=True, check=True).stdout.splitlines()][:25]
    async with websockets.connect(f"ws://127.0.0.1:{port}/ws", max_size=None) as ws:
        await ws.send(json.dumps({"action": "query", "table": "trade", "syms": ["AMZN"], "date": y, "limit": 25, "id": 1}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert m["type"] == "result" and m["id"] == 1 and m["rows"] == want, m
        await ws.send(json.dumps({"action": "subscribe", "table": "trade", "id": 2}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 30))
        assert m["type"] == "error" and m["id"] == 2 and "unknown table" in m["error"], m
asyncio.run(main())
P
ok
pkill -f "tick-ws -l :$port" || true

# -- A slow client: it stops reading while ~100 MB of updates flow; tick-ws
# stays bounded, the other client keeps up, and the slow one catches up on
# the latest row of every sym (conflated).
tick-gen --syms 50 --count 2000000 --seed 6 > big.tick
mkfifo feed2
port=$(free_port)
tick-ws -l :$port --max-queue 4M < feed2 2> ws4.err &
WS=$!
$PY "$HERE/ws_load.py" slow "ws://127.0.0.1:$port/ws" feed2 big.tick $WS $RSS_BOUND > slow.out 2>&1 ||
  die "a slow client: $(tail -3 slow.out); tick-ws: $(tail -3 ws4.err)"
ok
expect_match "$(cat slow.out)" "ws_load slow: .* peak RSS [0-9]+ MiB, slow client caught up" "the slow client's figures"
kill -TERM $WS; wait $WS || die "tick-ws: $(cat ws4.err)"
expect_match "$(tail -1 ws4.err)" "[1-9][0-9]* rows conflated for slow clients" "the slow client's rows were conflated"

# -- 500 clients over 5 distinct subscriptions: each gets every row meant for
# it, in order; each update is serialised once per subscription, not per client.
tick-gen --syms 5 --count 4000 --seed 7 > many.tick
mkfifo feed3
port=$(free_port)
tick-ws -l :$port < feed3 2> ws5.err &
WS=$!
(ulimit -n 4096; $PY "$HERE/ws_load.py" many "ws://127.0.0.1:$port/ws" feed3 many.tick 500) > many.out 2>&1 ||
  die "500 clients: $(tail -3 many.out); tick-ws: $(tail -3 ws5.err)"
ok
kill -TERM $WS; wait $WS || die "tick-ws: $(cat ws5.err)"
read -r serialised sent < <(tail -1 ws5.err | sed -E 's/.* ([0-9]+) updates serialised, ([0-9]+) sent.*/\1 \2/')
[ "$sent" -gt $((serialised * 50)) ] || die "shared serialisation: $serialised serialised for $sent sent"
ok

# -- Two days' journals one after the other on stdin, the second with its
# tables and syms declared in another order (other ids: a restart after
# midnight): a subscription to two syms gets exactly their rows of both
# days, in order.
tick-gen --print-schema > s1.schema; tac s1.schema > s2.schema
tick-gen --seed 1 --count 2 --syms 100 > pre.tick  # (declares the tables; syms S00..)
tick-gen --count 2000 --syms 10 --seed 1 -f json | tick-cat -e --schema s1.schema > day1.tick
tick-gen --count 2000 --syms 10 --seed 2 -f json | tac | tick-cat -e --schema s2.schema > day2.tick
(tick-cat -f json -t trade -s AAPL,MSFT day1.tick; tick-cat -f json -t trade -s AAPL,MSFT day2.tick) | jq -c 'select(.sym)' > want.days
[ "$(grep -c . want.days)" -gt 100 ] || die "two days: the reference has $(grep -c . want.days) rows"
mkfifo feed4
port=$(free_port)
tick-ws -l :$port < feed4 2> ws6.err &
WS=$!
$PY - "ws://127.0.0.1:$port/ws" feed4 pre.tick day1.tick day2.tick > got.days 2> days.err <<'P' || die "two days: $(tail -3 days.err); tick-ws: $(tail -3 ws6.err)"
import asyncio, json, sys, websockets
url, fifo, pre, d1, d2 = sys.argv[1:]
async def main():
    with open(fifo, 'wb') as feed:
        feed.write(open(pre, 'rb').read()); feed.flush()
        await asyncio.sleep(0.2)
        async with websockets.connect(url) as ws:
            while True:  # (until the tables are known)
                await ws.send(json.dumps({"action": "subscribe", "table": "trade", "syms": ["AAPL", "MSFT"]}))
                m = json.loads(await ws.recv())
                if m.get("type") == "snapshot": break
                await asyncio.sleep(0.05)
            feed.write(open(d1, 'rb').read() + open(d2, 'rb').read()); feed.flush()
            try:
                while True:
                    m = json.loads(await asyncio.wait_for(ws.recv(), 3))
                    for r in m.get("rows", []) if m.get("type") == "update" else []:
                        print(json.dumps(r, separators=(",", ":")))
            except asyncio.TimeoutError:
                pass
asyncio.run(main())
P
kill -TERM $WS 2> /dev/null; wait $WS 2> /dev/null || true
expect_eq "$(md5sum < got.days)" "$(md5sum < want.days)" "two days, new ids on the second: every row of the subscribed syms, in order"
# -- --update-interval: rows that come sooner than the interval after a send
# wait for it and go together; a subscription made while rows wait has them
# in its snapshot and not again in an update.
port=$(free_port)
# (--start: each row its own time, which a loaded machine's catch-up does not share)
tick-gen --syms 5 --rate 400 --seed 4 --duration 30 --start 2026-11-20T10:00:00Z | tick-ws -l :$port --update-interval 0.5 2> ws_iv.err &
WS=$!
$PY - "ws://127.0.0.1:$port/ws" > iv.out 2>&1 <<'P' || die "--update-interval: $(tail -3 iv.out); tick-ws: $(tail -3 ws_iv.err)"
import asyncio, json, sys, time, websockets
async def main():
    await asyncio.sleep(0.3)
    gaps, updates, rows = [], 0, 0
    for attempt in range(4):   # (each subscription at another moment of the interval)
        async with websockets.connect(sys.argv[1]) as ws:
            while True:
                await ws.send(json.dumps({"action": "subscribe", "table": "trade"}))
                m = json.loads(await ws.recv())
                if m.get("type") == "snapshot" and m["rows"]: break
                await asyncio.sleep(0.05)
            last = {r["sym"]: r["time"] for r in m["rows"]}
            t0, prev = time.monotonic(), None
            while time.monotonic() - t0 < 1.6:
                m = json.loads(await asyncio.wait_for(ws.recv(), 5))
                if m.get("type") != "update": continue
                now = time.monotonic()
                if prev is not None: gaps.append(now - prev)
                prev = now
                updates += 1
                for r in m["rows"]:
                    assert r["time"] > last.get(r["sym"], ""), f"a row again or out of order after the snapshot: {r} (last {last.get(r['sym'])})"
                    last[r["sym"]] = r["time"]
                    rows += 1
            await asyncio.sleep(0.17 * attempt)
    assert updates >= 8 and rows > 10 * updates, (updates, rows)
    assert min(gaps) > 0.4, f"updates {min(gaps):.3f} s apart with --update-interval 0.5"
    print("interval", updates, rows, f"{min(gaps):.3f}")
asyncio.run(main())
P
expect_match "$(cat iv.out)" "^interval [0-9]+ [0-9]+ 0\\.[4-9]" "--update-interval: updates no closer than the interval, rows once each"
kill -TERM $WS 2> /dev/null; wait $WS 2> /dev/null || true
# Rows waiting out the interval when an end of day comes, and when the
# input ends: each goes out before the eod message, and before the end.
rm -f feed_iv; mkfifo feed_iv
port=$(free_port)
tick-ws -l :$port --update-interval 0.5 < feed_iv 2> ws_iv2.err &
WS=$!
$PY - "ws://127.0.0.1:$port/ws" feed_iv part_a.tick part_b.tick part_c.tick eod.rec > iv2.out 2>&1 <<'P' || die "--update-interval at an end of day and the input's end: $(tail -3 iv2.out); tick-ws: $(tail -3 ws_iv2.err)"
import asyncio, json, subprocess, sys, websockets
url, fifo, a, b, c, eod = sys.argv[1:7]
def trades(path):
    out = subprocess.run(["tick-cat", "-t", "trade", path], capture_output=True, text=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]
async def until(ws, want):
    rows = []
    while True:
        m = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if m["type"] == "update": rows += m["rows"]
        if m["type"] == want: return rows
async def main():
    feed = open(fifo, "wb")
    feed.write(open(a, "rb").read()); feed.flush()
    async with websockets.connect(url) as ws:
        while True:  # (until the tables are known)
            await ws.send(json.dumps({"action": "subscribe", "table": "trade"}))
            m = json.loads(await ws.recv())
            if m.get("type") == "snapshot": break
            await asyncio.sleep(0.05)
        # B's rows and the end of day at once, within the interval of A's send
        feed.write(open(b, "rb").read() + open(eod, "rb").read()); feed.flush()
        got = await until(ws, "eod")
        assert got == trades(b), f"before the eod: {len(got)} rows of {len(trades(b))}"
        feed.write(open(c, "rb").read()); feed.close()   # C's rows, then the input ends
        got = await until(ws, "end")
        assert got == trades(c), f"before the end: {len(got)} rows of {len(trades(c))}"
    print("eod and end after every waiting row")
asyncio.run(main())
P
expect_eq "$(cat iv2.out)" "eod and end after every waiting row" "--update-interval: what waits goes before an end of day and the input's end"
kill -TERM $WS 2> /dev/null; wait $WS 2> /dev/null || true
done_ok
