"""A tick feed for tick_q.sh: COUNT rows of trades and quotes (sym.q's
timespan schema) as JSON lines at RATE rows a second, trade sizes FIRST..
(a row's identity).

usage: qfeed.py COUNT RATE FIRST"""
import json
import sys
import time

count, rate, first = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3])
syms = ["A", "B", "C", "IBM", "MSFT", "Q1"]
start = time.monotonic()
for i in range(count):
    t = 10 * 3600 * 10**9 + i * 1000
    s, ns = divmod(t, 10**9)
    when = "%02d:%02d:%02d.%09d" % (s // 3600, s // 60 % 60, s % 60, ns)
    sym = syms[i % len(syms)]
    if i % 4 == 3:
        row = {"table": "quote", "time": when, "sym": sym, "bid": 10 + i % 50 / 8, "ask": 11 + i % 50 / 8}
    else:
        row = {"table": "trade", "time": when, "sym": sym, "price": 100 + i % 40 / 4, "size": first + i}
    print(json.dumps(row))
    if rate and i % 20 == 19:
        sys.stdout.flush()
        ahead = start + (i + 1) / rate - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
sys.stdout.flush()
