#!/usr/bin/env bash
# tick-ws on a network, against clients written by others: large messages
# to clients that negotiated permessage-deflate (Python websockets and node
# ws, as browsers do), one client's flood of history queries, a history
# read that never returns, a day with no data, and the bound on queries.
source "$(dirname "$0")/lib.sh"
NODE_WS="$TICK_SOURCE/tests/node/node_modules/ws"
ws_pid() { pgrep -s "$1" -x tick-ws; }
alive() { kill -0 "$1" 2> /dev/null; }

# -- permessage-deflate and messages of hundreds of KB: a 2000-sym snapshot,
# and history subscriptions of 100 rows a sym.
setsid sh -c "tick-gen --rate 5000 --syms 2000 | exec tick-ws -l :0 --address-file ws.addr" > /dev/null 2> ws.err < /dev/null & G=$!
ON_EXIT='stop_session $G' 
wait_for test -s ws.addr
A=$(cat ws.addr); WS=$(ws_pid $G)
wait_for curl -sf "http://$A/api/last?table=trade" -o /dev/null
$PY - "$A" > py.out <<'P' || die "python websockets with deflate: $(cat py.out)"
import asyncio, json, sys, websockets
async def one(i, history):
    async with websockets.connect(f"ws://{sys.argv[1]}/ws", max_size=None) as ws:   # offers permessage-deflate
        assert ws.extensions, "permessage-deflate was not negotiated"
        await ws.send(json.dumps({"action": "subscribe", "table": ["trade", "quote"][i % 2], "history": history}))
        m = json.loads(await asyncio.wait_for(ws.recv(), 30))   # (invalid UTF-8 or JSON raises)
        assert m["type"] == "snapshot", m
        return len(m["rows"])
async def main():
    for r in range(3):
        rows = await asyncio.gather(*[one(4 * r + i, 0) for i in range(4)])
        print("round", r, rows)
    rows = await asyncio.gather(*[one(i, 100) for i in range(2)])
    print("history", rows)
asyncio.run(main())
P
alive $WS || die "tick-ws died with deflating clients: $(tail -2 ws.err)"; ok
node - "$NODE_WS" "ws://$A/ws" > node.out 2>&1 <<'J' || die "node ws with deflate: $(cat node.out)"
const WebSocket = require(process.argv[2]);
let left = 6;
for (let i = 0; i < 6; i++) {
  const ws = new WebSocket(process.argv[3], { perMessageDeflate: true, maxPayload: 0 });
  ws.on('open', () => ws.send(JSON.stringify({ action: 'subscribe', table: 'trade', history: i % 2 ? 100 : 0 })));
  ws.on('message', (d) => {
    const m = JSON.parse(d.toString());
    if (m.type !== 'snapshot') return;
    if (!ws.extensions || !String(ws.extensions).includes('permessage-deflate') && !ws._extensions['permessage-deflate'])
      { console.error('deflate not negotiated'); process.exit(1); }
    ws.close();
    if (--left === 0) { console.log('node: 6 snapshots'); process.exit(0); }
  });
  ws.on('error', (e) => { console.error(String(e)); process.exit(1); });
}
setTimeout(() => { console.error('timed out'); process.exit(1); }, 30000);
J
expect_match "$(cat node.out)" "node: 6 snapshots" "node ws (deflate) got every snapshot whole"
alive $WS || die "tick-ws died with node's deflating clients: $(tail -2 ws.err)"; ok
stop_session $G

# -- History: an HDB of one day, and a column that is a FIFO (the stand-in
# for a hung network file system).
tick-gen --count 2000000 --syms 100 --start 2026-03-01T09:00:00Z --step 10000 | TICK_FAKE_TIME=2026-03-01T20:00:00Z tick-log tp > /dev/null
tick-eod --hdb hdb tp/2026-03-01.tick 2> /dev/null
tick-gen --count 3000 --syms 5 --start 2026-03-02T10:00:00Z | TICK_FAKE_TIME=2026-03-02T20:00:00Z tick-log tp2 > /dev/null
tick-eod --hdb hdb --compress none tp2/2026-03-02.tick 2> /dev/null
rm hdb/2026-03-02/trade/price; mkfifo hdb/2026-03-02/trade/price
rm -f ws.addr
setsid sh -c "tick-gen --rate 1000 --syms 20 | exec tick-ws -l :0 --address-file ws.addr --hdb hdb --query-timeout 2 --max-queries 6" > /dev/null 2> ws2.err < /dev/null & G=$!
wait_for test -s ws.addr
A=$(cat ws.addr); WS=$(ws_pid $G)
Q="http://$A/api/query"

# A day with no partition, and a range over days with none: an empty answer.
for d in 2026-02-27 2026-02-20..2026-02-28; do
  code=$(curl -s -m 10 -o body -w '%{http_code}' "$Q?table=trade&date=$d")
  expect_eq "$code $(cat body)" "200 []" "date=$d (no partition)"
done
expect_eq "$(curl -s "$Q?table=trade&date=2026-02-27&format=csv")" "time,sym,price,size" "no partition in CSV: the header of an empty answer"

# One client sends 100 queries of 100,000 rows and reads nothing: at most 4
# run for it; the rest are refused; memory stays bounded.
$PY - "ws://$A/ws" $WS > flood.out <<'P' || die "query flood: $(cat flood.out)"
import asyncio, json, socket, sys, urllib.parse, websockets
url, pid = sys.argv[1], sys.argv[2]
def st(k):
    for l in open(f"/proc/{pid}/status"):
        if l.startswith(k): return int(l.split()[1])
async def main():
    # (a small receive buffer: the kernel does not take the results off
    # tick-ws's queue either, so the four finished queries stay pending for
    # as long as this client reads nothing, however the load times them)
    u = urllib.parse.urlparse(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    sock.connect((u.hostname, u.port))
    async with websockets.connect(url, sock=sock, max_size=None, max_queue=1, read_limit=2**16) as ws:
        for i in range(100):
            await ws.send(json.dumps({"action":"query","table":"trade","date":"2026-03-01","limit":100000,"id":i}))
        peak = thr = 0
        for s in range(16):
            await asyncio.sleep(0.5)
            peak = max(peak, st("VmRSS") // 1024); thr = max(thr, st("Threads"))
        print(f"peak {peak} threads {thr}")
        # Now it reads: 4 results, and an error for each query past 4 at once.
        got = {"result": 0, "error": 0}
        for i in range(100):
            m = json.loads(await asyncio.wait_for(ws.recv(), 120))
            got[m["type"]] = got.get(m["type"], 0) + 1
            if m["type"] == "error": assert "queries of this connection are running" in m["error"], m
        print("flooder", got["result"], got["error"])
    async with websockets.connect(url, max_size=None) as ws:   # then one that reads
        got = {"result": 0, "error": 0}
        for i in range(6):
            await ws.send(json.dumps({"action":"query","table":"trade","date":"2026-03-01","limit":1000,"id":i}))
        for i in range(6):
            m = json.loads(await asyncio.wait_for(ws.recv(), 60))
            got[m["type"]] = got.get(m["type"], 0) + 1
            if m["type"] == "result": assert len(m["rows"]) == 1000, len(m["rows"])
        print("reader", got["result"], got["error"])
asyncio.run(main())
P
read -r _ peak _ thr < <(grep '^peak' flood.out)
[ "$peak" -lt 400 ] || die "tick-ws peaked at $peak MiB under one client's 100 queries"; ok
[ "$thr" -le 12 ] || die "tick-ws ran $thr threads under one client's 100 queries"; ok
read -r _ results errors < <(grep '^flooder' flood.out)
# Four run at once; a finished one's answer leaves the slot when it goes
# into the client's queue (until the queue holds --max-queue, 4 MiB: one or
# two of these 10 MB answers), so a query that comes after that is taken: 4,
# or 5 or 6 when the first answers were queued before the last queries came.
expect_eq "$((results + errors))" "100" "every query of the flood answered, by a result or an error"
{ [ "$results" -ge 4 ] && [ "$results" -le 6 ]; } ||
  die "a connection's queries beyond 4 at once (and the answers its full queue holds) are refused: $results results, $errors refusals"
ok
read -r _ results errors < <(grep '^reader' flood.out)
expect_eq "$((results + errors))" "6" "a reading client's queries are each answered"

# A read that never returns: the answer is a 504 after --query-timeout;
# other clients are served meanwhile; the client that gives up early
# costs nothing; SIGTERM still stops tick-ws.
curl -s -m 30 -o stall.body -w '%{http_code}' "$Q?table=trade&date=2026-03-02" > stall.code & C=$!
curl -s -m 1 -o /dev/null "$Q?table=trade&date=2026-03-02" || true     # gives up
expect_eq "$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://$A/api/tables")" "200" "served while a read hangs"
wait $C || true
expect_eq "$(cat stall.code) $(jq -r .error stall.body)" "504 no progress for 2 s (the history's storage does not answer?)" "a hung read ends in a 504"
expect_match "$(cat ws2.err)" "/api/query: no progress for 2 s.*abandoned" "tick-ws says it abandoned the query"
cpu() { awk '{print $14+$15}' /proc/$WS/task/$WS/stat; }
c0=$(cpu); sleep 2; c1=$(cpu)
[ $((c1 - c0)) -lt 100 ] || die "the service loop spins after a client gave up ($((c1 - c0)) ticks in 2 s)"; ok
# Abandoned reads count against --max-queries (6) until they return: 3 more
# hung ones and 1 running leave room for none beyond.
for i in 1 2 3 4; do curl -s -m 1 -o /dev/null "$Q?table=trade&date=2026-03-02" || true; done
expect_eq "$(curl -s -m 10 -o busy.body -w '%{http_code}' "$Q?table=trade&date=2026-03-01&limit=5")" "503" "busy past --max-queries"
expect_match "$(jq -r .error busy.body)" "^busy: 6 history queries are running" "and says why"
kill -TERM $WS
for _ in $(seq 50); do alive $WS || break; sleep 0.1; done
alive $WS && die "tick-ws still running after SIGTERM with reads hung"; ok
stop_session $G
# A query that fails after its answer began (a damaged block of the second
# day, found by its checksum as it is read) ends with a line saying why, not
# as a whole answer.
for d in 2026-03-05 2026-03-06; do
  tick-gen --count 300000 --syms 5 --start ${d}T10:00:00Z | TICK_FAKE_TIME=${d}T20:00:00Z tick-log tp3 > /dev/null 2> tp3.err
  tick-eod --hdb hdb3 tp3/$d.tick 2> /dev/null
done
$PY -c 'import sys; p=sys.argv[1]; b=bytearray(open(p,"rb").read()); n=len(b)//2; b[n:n+64]=b"\xff"*64; open(p,"wb").write(b)' hdb3/2026-03-06/trade/price
rm -f ws.addr
setsid sh -c "tick-gen --rate 1000 --syms 5 | exec tick-ws -l :0 --address-file ws.addr --hdb hdb3" > /dev/null 2> ws3.err < /dev/null & G=$!
wait_for test -s ws.addr
Q="http://$(cat ws.addr)/api/query"
for f in csv json; do
  curl -s -m 120 -o cut.$f "$Q?table=trade&date=2026-03-05..2026-03-06&format=$f&limit=1000000"
  [ "$(grep -c '2026-03-05' cut.$f)" -gt 0 ] || die "the answer ($f) did not begin"; ok
  expect_match "$(tail -1 cut.$f)" '^\{"error":"hdb3/2026-03-06/trade/price: block [0-9]+ at byte [0-9]+: .*checksum' "the cut answer ($f) ends saying why"
done
expect_match "$(cat ws3.err)" "/api/query failed after its answer began: hdb3/2026-03-06/trade/price" "and tick-ws says it"
stop_session $G
done_ok
