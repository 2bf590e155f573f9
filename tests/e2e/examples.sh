#!/usr/bin/env bash
# The examples the suite has not run elsewhere, each in a short form, on
# free loopback ports (examples/kafka, dashboard, analytics.sh and cron run
# in kafka.sh, dashboard.sh and eod_cron.sh); the systemd units verified.
source "$(dirname "$0")/lib.sh"
EX=${TICK_SOURCE:-$HERE/../..}/examples
day=$(date -u +%F)
rows() { tick-cat -f json "$@" | grep -c '^{"table"' || true; }

# tickerplant.sh: feed -> journal -> fan-out; a late subscriber has the day
TP_PORT=$(free_port) timeout 120 setsid bash "$EX/tickerplant.sh" "$WORK/tp1" 3 > tp.out 2> tp.err || die "tickerplant.sh: $(tail -3 tp.err)"
q=$(rows -t quote "$WORK"/tp1/tp/*.tick)
[ "$q" -gt 1000 ] || die "tickerplant.sh journaled $q quotes"; ok
expect_eq "$(tail -2 tp.out | head -1)" "quotes: $q rows in $WORK/tp1/quotes.csv" "its late subscriber got every quote the journal holds"
expect_eq "$(tail -1 tp.out)" "trades: $(rows -t trade "$WORK"/tp1/tp/*.tick) rows in $WORK/tp1/trades.csv" \
  "its local subscriber (the journal in place) got every trade the journal holds"

# feeds.sh: two feeds, one JSON through tick-cat -e, into one journal
LOG_PORT=$(free_port) TP_PORT=$(free_port) timeout 120 setsid bash "$EX/feeds.sh" "$WORK/feeds" > feeds.out 2> feeds.err || die "feeds.sh: $(tail -3 feeds.err)"
expect_eq "$(tick-replay -t trade -s JSONCO -f csv "$WORK/feeds/tp" | tail -n +2 | wc -l)" 2000 "feeds.sh: the JSON feed's 2000 rows journaled"
[ "$(rows -t quote "$WORK"/feeds/tp/*.tick)" -gt 1000 ] || die "feeds.sh: the binary feed's quotes"; ok

# fx-day.sh: a roll at 17:00 New York on a fast clock
timeout 120 setsid bash "$EX/fx-day.sh" "$WORK/fx" > fx.out 2> fx.err || die "fx-day.sh: $(tail -3 fx.err)"
expect_match "$(cat fx.out)" '"eod":"2026-11-23"' "fx-day.sh: the end of day goes downstream"
expect_eq "$(ls "$WORK/fx/fx" | tr '\n' ' ')" "2026-11-23.tick 2026-11-24.tick " "and the journal rolled into the next FX day"

# chained.sh: the second tickerplant journals exactly the first's rows
TP_PORT=$(free_port) TP2_PORT=$(free_port) timeout 120 setsid bash "$EX/chained.sh" "$WORK/ch" 4 > ch.out 2> ch.err || die "chained.sh: $(tail -3 ch.err)"
tick-cat -f json "$WORK/ch/tp1/$day.tick" > j1.json
tick-cat -f json "$WORK/ch/tp2/$day.tick" > j2.json
[ -s j1.json ] || die "chained.sh: the first journal is empty"
same_files j2.json j1.json "chained.sh: the second journal holds the first's rows, in order"
expect_eq "$(sed -n 's/^its subscriber: \([0-9]*\) trades$/\1/p' ch.out)" "$(rows -t trade "$WORK/ch/tp1/$day.tick")" "its subscriber recovered every trade from the second's journal"

# q-rdb.sh: a q-style RDB (node-q, r.q's request) and a q feed on tick-q
LOG_PORT=$(free_port) TP_PORT=$(free_port) Q_PORT=$(free_port) timeout 120 setsid bash "$EX/q-rdb.sh" "$WORK/qr" 8 > qr.out 2> qr.err || die "q-rdb.sh: $(tail -3 qr.err)"
expect_eq "$(grep '^at the end' qr.out)" "at the end: trade 2200 rows, 23 syms; quote 1000 rows, 20 syms" "q-rdb.sh: the RDB holds every row, the q feed's too"
expect_match "$(grep '^subscribed' qr.out)" "^subscribed; replayed [0-9]+ messages of :$WORK/qr/q/sym" "q-rdb.sh: it joined with r.q's replay"
expect_match "$(tail -1 qr.out)" "^$WORK/qr/q/sym[0-9.]+: ok, [0-9]+ messages$" "q-rdb.sh: tick.q's journal tick-q wrote is sound"

# replay-test-tickerplant.sh: yesterday at 50x into a test tickerplant
TEST_PORT=$(free_port) timeout 120 setsid bash "$EX/replay-test-tickerplant.sh" "$WORK/rt" 50 > rt.out 2> rt.err || die "replay-test-tickerplant.sh: $(tail -3 rt.err)"
tick-cat -f json "$WORK"/rt/prod/*.tick > prod.json
tick-cat -f json "$WORK"/rt/testtp/*.tick > test.json
same_files test.json prod.json "replay-test-tickerplant.sh: the test tickerplant journaled yesterday's rows, times kept"
expect_eq "$(tail -n +2 "$WORK/rt/last.csv" | wc -l)" 20 "its subscriber's last trade of each of 20 syms"

# rdb-eod.sh: the RDB writes the day's partition at the day roll
TP_PORT=$(free_port) timeout 120 setsid bash "$EX/rdb-eod.sh" "$WORK/rdb" 3 > rdb.out 2> rdb.err || die "rdb-eod.sh: $(tail -3 rdb.err)"
tick-replay --hdb "$WORK/rdb/hdb" --date "$day" -t trade -f csv | tail -n +2 | sort > hdb.csv
tick-cat -f csv -t trade "$WORK/rdb/tp/$day.tick" | tail -n +2 | sort > jt.csv
[ -s jt.csv ] || die "rdb-eod.sh: no trades on $day"
same_files hdb.csv jt.csv "rdb-eod.sh: the partition holds the day's trades"
expect_match "$(cat rdb.out)" "the day's last AAPL trades, from the HDB" "and it queries it"

# systemd units
if command -v systemd-analyze > /dev/null; then
  (cd "$EX/systemd" && systemd-analyze verify ./*.service) > sd.out 2>&1 || die "systemd-analyze verify: $(cat sd.out)"
  expect_eq "$(cat sd.out)" "" "the systemd units verify cleanly"
  expect_eq "$(ls "$EX"/systemd/*.service | wc -l)" 4 "four units: the tickerplant, the RDB, tick-ws, a Kafka feed"
fi
done_ok
