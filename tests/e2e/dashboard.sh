#!/usr/bin/env bash
# tick-ws's dashboard (GET /) in a real browser: Debian's chromium driven by
# npm's playwright-core (tests/e2e/dashboard.js). A live feed through
# tick-log into tick-ws --log: the grid fills and changes, the chart is
# seeded from /api/query and draws, a click charts another sym, a reload
# reconnects; behind --token; tick-ws restarted under an open page (the page
# reconnects by itself); a bars table drawn as candles. Screenshots are
# saved in the build directory.
source "$(dirname "$0")/lib.sh"
SHOTS=${TICK_BUILD:-$WORK}
NODE="node $HERE/dashboard.js"

# -- A live feed, journaled, behind a token.
port=$(free_port)
tick-gen --rate 2000 --syms 20 --seed 5 | tick-log tp 2> log.err | tick-ws -l :$port --log tp --token s3cret 2> ws.err &
wait_for grep -q "listening on" ws.err
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/")" 401 "the page without the token"
expect_eq "$(curl -s -o page.html -w '%{http_code} %{content_type}' "http://127.0.0.1:$port/?token=s3cret")" \
  "200 text/html; charset=utf-8" "the page with the token"
# one file: the page holds its script and the charting library (no other request, no CDN)
expect_match "$(grep -c 'LightweightCharts' page.html)" "^[1-9]" "the page holds the charting library"
# (its icon is inline too: a data: URI)
grep -Pq '<script[^>]+src=|<link[^>]+href="(?!data:)' page.html && die "the page loads something from elsewhere"; ok
expect_match "$(grep -o '<link rel="icon" href="data:image/svg+xml[^"]*"' page.html)" "^<link rel=\"icon\"" "an inline favicon (no 404 in the console)"
$NODE "http://127.0.0.1:$port/?token=s3cret" "$SHOTS/dashboard.png" load > load.out 2>&1 ||
  die "the dashboard: $(tail -3 load.out); tick-ws: $(tail -3 ws.err)"
expect_match "$(cat load.out)" "ok: reload reconnects" "the browser's checks ran"
checks=$((checks + $(grep -c '^ok:' load.out)))
test -s "$SHOTS/dashboard.png" || die "no screenshot at $SHOTS/dashboard.png"; ok
kill %1 2> /dev/null || true

# -- examples/dashboard (tick-pub -> tick-sub -> tick-ws, with an HDB), in
# the browser: its page is the README's screenshot.
setsid bash "$TICK_SOURCE/examples/dashboard/run.sh" "$WORK/example" 25 > ex.out 2> ex.err &
EX=$!
wait_for grep -q "^today's last AAPL trade" ex.out
url=$(sed -n 's/^dashboard: \(http[^ ]*\) .*/\1/p' ex.out)
expect_match "$url" "^http://127.0.0.1:[0-9]+/$" "examples/dashboard prints its URL"
expect_eq "$(grep -c ',AAPL,' ex.out)" 3 "examples/dashboard's history query: three of yesterday's rows from the HDB"
$NODE "$url" "$SHOTS/dashboard-example.png" load > ex-load.out 2>&1 || die "examples/dashboard in the browser: $(tail -3 ex-load.out)"
checks=$((checks + $(grep -c '^ok:' ex-load.out)))
stop_session $EX

# -- tick-ws restarted under an open page: it says so and reconnects.
port=$(free_port)
tick-gen --rate 500 --syms 8 --seed 6 | tick-ws -l :$port 2> ws3.err &
WSP=$!
wait_for grep -q "listening on" ws3.err
$NODE "http://127.0.0.1:$port/" "$WORK/reconnect.png" reconnect > reconnect.out 2>&1 &
PAGE=$!
wait_for test -e page-live
pkill -P $WSP 2> /dev/null || true  # (tick-gen: tick-ws's input ends, then tick-ws is stopped)
kill $WSP 2> /dev/null || true
pkill -x tick-ws -P $$ 2> /dev/null || true
sleep 1.5
tick-gen --rate 500 --syms 8 --seed 7 | tick-ws -l :$port 2> ws4.err &
wait_for grep -q "listening on" ws4.err
wait $PAGE || die "reconnecting: $(tail -3 reconnect.out); tick-ws: $(tail -3 ws4.err)"
checks=$((checks + $(grep -c '^ok:' reconnect.out)))
expect_match "$(cat reconnect.out)" "ok: live again, updates flow" "the page came back by itself"

# -- A bars table (open/high/low/close/vwap): candles, seeded from the journal.
today=$(date -u +%F)
printf 'bar time:timestamp sym:symbol open:float high:float low:float close:float volume:long vwap:float\n' > bars.schema
$PY - "$today" > bars.json <<'PY'
import json, random, sys
random.seed(8)
day = sys.argv[1]
for m in range(90):
    for s, base in (("AAPL", 190.0), ("MSFT", 410.0), ("IBM", 150.0), ("KO", 60.0)):
        o = base + random.uniform(-2, 2); c = o + random.uniform(-1, 1)
        h = max(o, c) + random.uniform(0, .5); l = min(o, c) - random.uniform(0, .5)
        print(json.dumps({"table": "bar", "time": "%sT%02d:%02d:00Z" % (day, 8 + m // 60, m % 60), "sym": s,
                          "open": round(o, 2), "high": round(h, 2), "low": round(l, 2), "close": round(c, 2),
                          "volume": random.randint(1000, 9000), "vwap": round((o + c + h + l) / 4, 3)}))
PY
tick-cat -e --schema bars.schema bars.json > bars.tick
port=$(free_port)
(cat bars.tick; sleep 60) | tick-log tpb 2> logb.err | tick-ws -l :$port --log tpb 2> wsb.err &
wait_for grep -q "listening on" wsb.err
$NODE "http://127.0.0.1:$port/?table=bar" "$SHOTS/dashboard-bars.png" candles > bars.out 2>&1 ||
  die "candles: $(tail -3 bars.out); tick-ws: $(tail -3 wsb.err)"
checks=$((checks + $(grep -c '^ok:' bars.out)))
expect_match "$(cat bars.out)" '"kind":"candles","points":90' "90 one-minute candles from the journal"

# -- examples/analytics.sh: tick-agg's bars of a live feed through a second
# tickerplant into the dashboard (1 s bars for a short run), and the trades
# with their prevailing quotes.
setsid bash "$TICK_SOURCE/examples/analytics.sh" "$WORK/analytics" 40 1s > an.out 2> an.err &
AN=$!
wait_for grep -q "^time,sym,price,size,bid,ask,qtime" an.out
url=$(sed -n 's/^dashboard: \(http[^ ]*\)$/\1/p' an.out)
expect_match "$url" "^http://127.0.0.1:[0-9]+/\?table=trade_bars$" "examples/analytics.sh prints its dashboard's URL"
sleep 3  # (a few bars in the journal to seed the chart)
$NODE "$url" "$SHOTS/dashboard-analytics.png" live-candles > an-page.out 2>&1 ||
  die "examples/analytics.sh in the browser: $(tail -3 an-page.out); $(cat "$WORK"/analytics/*.err | tail -5)"
checks=$((checks + $(grep -c '^ok:' an-page.out)))
expect_match "$(cat an-page.out)" "ok: live bars" "its candles grow with the live bars"
sleep 0.5
expect_match "$(grep -c ',[0-9.]*,[0-9.]*,20[0-9-]*T' an.out)" "^[1-5]$" "trades joined with a prevailing quote's bid, ask and time"
stop_session $AN
done_ok
