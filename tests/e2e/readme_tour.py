#!/usr/bin/python3
"""readme_tour.py README WORKDIR: runs every command of the README's tour, in
order, with its paths, ports and placeholders replaced, and checks that each
produces what its comment says. Every command line of the tour's sh blocks
must be a step here, and every step a README line: editing one without the
other fails the test."""
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

README, WORK = sys.argv[1], sys.argv[2]
HERE = os.path.dirname(os.path.abspath(__file__))
os.chdir(WORK)
checks = 0
background = []


def fail(msg):
    print(f"FAIL [readme]: {msg}", file=sys.stderr)
    for p in background:
        kill(p)
    sys.exit(1)


def check(cond, msg):
    global checks
    if not cond:
        fail(msg)
    checks += 1


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


P_PUB, P_LOG = free_port(), free_port()
SUBST = [('/data/tp', f'{WORK}/tp'), ('/data/tk', f'{WORK}/tk'), ('/data/hdb', f'{WORK}/hdb'),
         (':5010', f'127.0.0.1:{P_PUB}'), (':5009', f'127.0.0.1:{P_LOG}')]


def sub(cmd, extra=()):
    for a, b in list(extra) + SUBST:
        cmd = cmd.replace(a, b)
    return cmd


def sh(cmd, timeout=120, ok=(0,), stdin=None, env=None, tty=False):
    """Runs cmd in bash; returns (stdout, stderr). tty: stdout on a terminal
    (its first 64 KB: a table of a long input is not read to its end)."""
    e = dict(os.environ, **(env or {}))
    argv = ['/bin/bash', '-c', cmd]
    if tty:
        argv = ['/usr/bin/python3', f'{HERE}/ptyrun.py'] + argv
        e['PTYRUN_STDOUT'] = '1'
        e['PTYRUN_LIMIT'] = '65536'
    try:
        r = subprocess.run(argv, capture_output=True, timeout=timeout, stdin=stdin or subprocess.DEVNULL, env=e)
    except subprocess.TimeoutExpired:
        fail(f"'{cmd}' did not end in {timeout} s")
    if r.returncode not in ok:
        fail(f"'{cmd}' exited {r.returncode}: {r.stderr.decode()[:500]}")
    return r.stdout.decode('utf-8', 'replace'), r.stderr.decode('utf-8', 'replace')


def for_a_while(cmd, seconds, env=None, tty=False):
    """Runs a command that does not end by itself for a while, then stops it (SIGINT)."""
    e = dict(os.environ, **(env or {}))
    argv = ['/bin/bash', '-c', cmd]
    if tty:
        argv = ['/usr/bin/python3', f'{HERE}/ptyrun.py'] + argv
        e['PTYRUN_STDOUT'] = '1'
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                         env=e, start_new_session=True)
    try:
        out, err = p.communicate(timeout=seconds)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGINT)
        out, err = p.communicate(timeout=30)
    return out.decode('utf-8', 'replace'), err.decode('utf-8', 'replace')


def start(cmd, env=None):
    e = dict(os.environ, **(env or {}))
    p = subprocess.Popen(['/bin/bash', '-c', cmd], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=open(f'bg{len(background)}.err', 'w'), env=e, start_new_session=True)
    background.append(p)
    return p


def kill(p):
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_until(cond, what, seconds=30):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return
        time.sleep(0.1)
    # (what the background commands said: a port taken meanwhile, a crash)
    said = ''
    for i in range(len(background)):
        try:
            said += f"; bg{i}: " + open(f'bg{i}.err').read()[-300:].strip()
        except OSError:
            pass
    fail(f"timed out waiting for {what}{said}")


def port_open(port):
    try:
        socket.create_connection(('127.0.0.1', port), timeout=1).close()
        return True
    except OSError:
        return False


def rows(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]


def csv_rows(text):
    """CSV rows as dicts (a header line starts each table's section)."""
    out, header = [], None
    for line in text.splitlines():
        f = line.split(',')
        if f[0] in ('table', 'time'):
            header = f
            continue
        out.append(dict(zip(header, f)))
    return out


def today():
    return time.strftime('%Y-%m-%d', time.gmtime())


def walk(path):
    """(type, rows, seq) per record, by the independent framing reader."""
    out = subprocess.run(['/usr/bin/python3', f'{HERE}/tickwalk.py', path], capture_output=True, text=True).stdout
    recs = []
    for line in out.splitlines():
        f = line.split()
        recs.append((f[1], int(f[3]) if len(f) > 3 else 0, int(f[4]) if len(f) > 4 else 0))
    return recs


# A 2026-11-20 journal with an end of day: rows from 09:59:59, 150 ms apart,
# journaled on a clock a second before midnight (the roll comes while idle).
def make_nov20(tp):
    sh(f"mkdir -p {tp}; {{ tick-gen --count 4000 --start 2026-11-20T09:59:59Z --step 150000000; sleep 2.5; }} | "
       f"TICK_FAKE_TIME=2026-11-20T23:59:59Z tick-log {tp} > /dev/null")
    check(os.path.exists(f'{tp}/2026-11-20.tick'), "the 2026-11-20 journal is made")


# ---- the steps, in README order -------------------------------------------
STEPS = []


def step(readme_cmd):
    def add(f):
        STEPS.append((readme_cmd, f))
        return f
    return add


# -- block: the stream and tick-cat -------------------------------------------
@step("tick-gen --print-schema > sym.schema")
def _(c):
    sh(c)
    text = open('sym.schema').read()
    check(re.search(r'^trade time:timestamp sym:symbol ', text, re.M), "sym.schema has trade")
    check(re.search(r'^quote time:timestamp sym:symbol ', text, re.M), "sym.schema has quote")


@step("tick-gen --rate 50000 --duration 10 --start 2026-11-23T14:29:55Z > feed.tick")
def _(c):
    sh(c, timeout=60)
    info, _ = sh("tick-log info feed.tick")
    n = sum(int(m) for m in re.findall(r'table\s+\w+\s+(\d+) rows', info))
    check(n == 500000, f"50000 rows a second for 10 s: {n}")
    check('2026-11-23T14:29:55.000000000Z .. 2026-11-23T14:30:04.999980000Z' in info,
          f"10 s of market time from --start: {info}")


@step("tick-cat feed.tick")
def _(c):
    out, _ = sh(c, tty=True, timeout=120)
    head = out.splitlines()[:3]
    check(re.match(r'^table\s+time\s+sym\s+', head[0]), f"a table header on the terminal: {head}")
    check(re.match(r'^-+\s*$', head[1]) and re.match(r'^(trade|quote)\s+2026-11-23T14:29:55', head[2]),
          f"then the rows: {head}")


@step("tick-cat -t trade -s AAPL,MSFT --from 14:30 -f csv feed.tick")
def _(c):
    out, _ = sh(c)
    lines = out.splitlines()
    check(lines[0] == 'time,sym,price,size', f"one table: a header without a table column: {lines[0]}")
    rs = csv_rows(out)
    check(len(rs) > 100, f"rows after 14:30: {len(rs)}")
    check(all(r['sym'] in ('AAPL', 'MSFT') for r in rs), "only AAPL and MSFT")
    check(all(r['time'] >= '2026-11-23T14:30:00' for r in rs), "only from 14:30")


@step("tick-cat -f json feed.tick | tick-cat -e --schema sym.schema > again.tick")
def _(c):
    sh(c)
    a, _ = sh("tick-cat again.tick | md5sum")
    b, _ = sh("tick-cat feed.tick | md5sum")
    check(a == b, "JSON encoded back gives the same rows")


@step("myfeed --json | tick-cat -e --schema sym.schema --on-error skip --rejects bad.tsv")
def _(c):
    feed = "{ tick-cat feed.tick | head -5; echo '{\"table\":\"trade\",\"price\":\"cheap\"}'; tick-cat feed.tick | sed -n 6,9p; }"
    out, err = sh(sub(c, [('myfeed --json', feed)]) + " > mine.tick")
    got, _ = sh("tick-cat mine.tick")
    want, _ = sh("tick-cat feed.tick | head -9")
    check(got == want, "the good lines are encoded")
    bad = open('bad.tsv').read().splitlines()
    check(len(bad) == 1 and bad[0].startswith('-:6\t'), f"the bad line is in bad.tsv with its line: {bad}")


@step("zstd feed.tick && tick-cat feed.tick.zst")
def _(c):
    out, _ = sh(c + " | md5sum")
    want, _ = sh("tick-cat feed.tick | md5sum")
    check(out == want, "compressed input decodes the same")


@step("cat monday.tick tuesday.tick | tick-cat -f json")
def _(c):
    sh("tick-gen --count 100 --start 2026-11-23T14:30:00Z > monday.tick; "
       "tick-gen --count 50 --syms 3 --start 2026-11-24T14:30:00Z > tuesday.tick")
    rs = rows(sh(c)[0])
    check(len(rs) == 150, f"both days' rows: {len(rs)}")
    check(rs[0]['time'].startswith('2026-11-23') and rs[-1]['time'].startswith('2026-11-24'), "in order")
    check(len({r['sym'] for r in rs[100:]}) <= 3, "each part with its own dictionary")


# -- block: the journal ---------------------------------------------------------
@step("tick-gen --rate 50000 | tick-log /data/tp > downstream.tick &")
def _(c):
    make_nov20(f'{WORK}/tp')
    start(sub(c.rstrip('& ')))
    wait_until(lambda: os.path.exists(f'tp/{today()}.tick') and os.path.getsize(f'tp/{today()}.tick') > 100000,
               "today's journal")
    check(os.path.getsize('downstream.tick') > 0, "the journal passes the stream on")


@step("tick-replay --follow /data/tp -t trade -s AAPL")
def _(c):
    out, err = for_a_while(sub(c) + " | tick-cat", 3)
    rs = rows(out)
    check(len(rs) > 10, f"live rows: {len(rs)} ({err})")
    check(all(r['table'] == 'trade' and r['sym'] == 'AAPL' for r in rs), "only trade AAPL")
    check(all(r['time'].startswith(today()) for r in rs), "today's data only (not 2026-11-20's)")


@step("tick-replay /data/tp/2026-11-20.tick -t trade --from 10:00 --to 10:05 -f csv")
def _(c):
    out = sh(sub(c))[0]
    rs = csv_rows(out)
    check(len(rs) > 300, f"rows from 10:00 to 10:05: {len(rs)}")
    check(all('2026-11-20T10:00:00' <= r['time'] <= '2026-11-20T10:05:00.000000000Z' for r in rs), "within the range")
    check(out.splitlines()[0] == "time,sym,price,size" and out.count("time,") == 1, "one CSV of the trade table")


@step("tick-replay /data/tp --seq-from 1000 --seq-to 2000 -f json")
def _(c):
    nov20 = [r for r in walk('tp/2026-11-20.tick') if r[0] == 'D']
    check(nov20[-1][2] < 1000, "the 2026-11-20 journal ends before seq 1000")
    t = today()
    wait_until(lambda: max([s for k, n, s in walk(f'tp/{t}.tick') if k == 'D'] or [0]) > 2000,
               "today's journal past seq 2000")
    before = walk(f'tp/{t}.tick')
    rs = rows(sh(sub(c))[0])
    want = sum(n for k, n, s in before if k == 'D' and 1000 <= s <= 2000)
    check(want > 0 and len(rs) == want, f"the rows of records 1000 to 2000: {len(rs)}, want {want}")
    check(all(r['time'].startswith(t) for r in rs), "from today's journal")


@step("tick-replay /data/tp/2026-11-20.tick --speed 10 | ...")
def _(c):
    out, _ = for_a_while(sub(c, [('| ...', '| tick-cat')]), 3)
    rs = rows(out)
    check(len(rs) > 10, f"paced rows: {len(rs)}")
    first, last = rs[0]['time'], rs[-1]['time']
    # the day spans ten minutes: at 10x, 3 s show well under all of it
    check(len(rs) < 4000 and last < '2026-11-20T10:05', f"at 10x the recorded pace: {len(rs)} rows to {last}")
    check(first.startswith('2026-11-20T09:59:59'), "from the first row")


@step("tick-log info /data/tp/*.tick")
def _(c):
    out, _ = sh(sub(c))
    check('end of day 2026-11-20 (seq 41)' in out or 'end of day 2026-11-20' in out, "2026-11-20 ended")
    check(re.search(r'table\s+trade\s+\d+ rows', out), "tables and rows")
    check(re.search(r'seq\s+1 \.\. \d+', out) and re.search(r'time\s+2026-11-20T09:59:59', out), "seq and time")


@step("tick-log check --repair /data/tp/2026-11-20.tick")
def _(c):
    p = 'tp/2026-11-20.tick'
    size = os.path.getsize(p)
    with open(p, 'r+b') as f:  # damage a record in the middle
        f.seek(size // 2)
        f.write(b'\xff' * 64)
    out, err = sh(sub(c))
    check(re.search(r'salvaged|kept', out + err), f"says what was salvaged: {out} {err}")
    sh(sub("tick-log check /data/tp/2026-11-20.tick"))
    rs = rows(sh("tick-cat tp/2026-11-20.tick")[0])
    check(3000 < len(rs) < 4000, f"the rows around the damage are kept: {len(rs)}")


@step("tick-log compress --older-than 2 /data/tp")
def _(c):
    before = rows(sh("tick-cat tp/2026-11-20.tick")[0])
    sh(sub(c))
    check(os.path.exists('tp/2026-11-20.tick.zst') and not os.path.exists('tp/2026-11-20.tick'), "compressed")
    check(os.path.exists(f'tp/{today()}.tick'), "today's journal is left alone")
    check(rows(sh("tick-cat tp/2026-11-20.tick.zst")[0]) == before, "the same rows")


@step("tick-log /data/tp --roll-at 17:00 --tz America/New_York")
def _(c):
    # 17:30 in New York on 2026-11-23 is the trading day of 2026-11-24
    sh("tick-gen --count 100 --start 2026-11-23T22:30:00Z > fx.tick")
    sh(sub(c) + " < fx.tick > /dev/null", env={'TICK_FAKE_TIME': '2026-11-23T22:30:00Z'})
    check(os.path.exists('tp/2026-11-24.tick'), "after 17:00 New York, the next day's journal")
    check(len(rows(sh("tick-cat tp/2026-11-24.tick")[0])) == 100, "with the rows")
    for p in background:
        kill(p)
    background.clear()


# -- block: tick-pub and tick-sub ----------------------------------------------
@step("tick-gen --rate 50000 | tick-log /data/tp | tick-pub -l :5010 --log /data/tp &")
def _(c):
    sh("rm -rf tp")
    start(sub(c.rstrip('& ')))
    wait_until(lambda: port_open(P_PUB), "tick-pub")


@step("tick-sub :5010 -t trade -s AAPL,MSFT")
def _(c):
    out, _ = for_a_while(sub(c), 3, tty=True)
    lines = [l for l in out.splitlines() if l.strip()]
    check(re.match(r'^time\s+sym\s+price\s+size', lines[0]), f"a table of one table: {lines[:2]}")
    body = [l for l in lines if re.match(r'^\d{4}-', l)]
    check(len(body) > 5 and all(l.split()[1] in ('AAPL', 'MSFT') for l in body), f"live AAPL and MSFT trades: {body[:3]}")


@step("tick-sub :5010 --from start -f json > today.json")
def _(c):
    for_a_while(sub(c), 3)
    got = open('today.json').read().splitlines()
    journal = sh(f"tick-cat tp/{today()}.tick")[0].splitlines()
    check(len(got) > 1000 and got == journal[:len(got)], f"the day from its start, no gap, no duplicate ({len(got)} rows)")


@step("tick-sub /data/tp --from start -f json > same.json")
def _(c):
    for_a_while(sub(c), 3)
    got = open('same.json').read().splitlines()
    tcp = open('today.json').read().splitlines()
    journal = sh(f"tick-cat tp/{today()}.tick")[0].splitlines()
    check(len(got) > len(tcp) and got[:len(tcp)] == tcp, f"read in place: the TCP subscriber's rows, and more since ({len(got)} rows)")
    check(got == journal[:len(got)], "the day from its start, no gap, no duplicate")
    for p in background:
        kill(p)
    background.clear()


@step("tick-log /data/tp --listen :5009 | tick-pub -l :5010 --log /data/tp &")
def _(c):
    start(sub(c.rstrip('& ')))
    wait_until(lambda: port_open(P_PUB) and port_open(P_LOG), "tick-log --listen and tick-pub")


@step("myfeed --json | tick-cat -e --schema sym.schema | tick-pub --to :5009")
def _(c):
    feed = "tick-gen --count 1000 --syms 3 --start 2026-11-23T14:30:00Z -f json"
    sh(sub(c, [('myfeed --json', feed)]))
    want = sh(feed)[0].splitlines()

    # (one subscriber, watched until the rows are there: however long it
    # takes to start on a loaded machine)
    p = subprocess.Popen(['/bin/bash', '-c', sub("tick-sub :5010 --from start -f json") + ' > tour_feed.json'],
                         stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)

    def arrived():
        try:
            return open('tour_feed.json').read().splitlines()[-1000:] == want
        except FileNotFoundError:
            return False
    try:
        wait_until(arrived, "the feed's rows from the tickerplant", 90)
    finally:
        os.killpg(p.pid, signal.SIGINT)
        p.wait()
    check(True, "the feed's rows are served")
    for p in background:
        kill(p)
    background.clear()


# -- block: the HDB ---------------------------------------------------------------
@step("tick-eod --hdb /data/hdb /data/tp/2026-11-20.tick")
def _(c):
    sh("rm -rf tp hdb")
    make_nov20(f'{WORK}/tp')
    sh(sub(c))
    check(os.path.isdir('hdb/2026.11.20') or os.path.isdir('hdb/2026-11-20'), f"a partition: {os.listdir('hdb')}")


@step("tick-sub :5010 --from start | tick-eod --hdb /data/hdb &")
def _(c):
    # a tickerplant whose day (on its clock) ends 2 s after it starts
    env = {'TICK_FAKE_TIME': '2026-11-25T23:59:58Z'}
    start(sub("{ tick-gen --count 500 --start 2026-11-25T23:00:00Z; sleep 60; } | tick-log /data/tp | "
              "tick-pub -l :5010 --log /data/tp"), env)
    wait_until(lambda: port_open(P_PUB), "tick-pub")
    start(sub(c.rstrip('& ')), env)
    wait_until(lambda: os.path.exists('hdb/2026.11.25') or os.path.exists('hdb/2026-11-25'),
               "the partition written at the end of the day", 30)
    out, _ = sh(sub("tick-replay --hdb /data/hdb --date 2026-11-25 | tick-cat"))
    check(len(rows(out)) == 500, f"the day's rows: {len(rows(out))}")
    for p in background:
        kill(p)
    background.clear()


@step("tick-replay --hdb /data/hdb --date 2026-11-20 -t trade -s AAPL --from 10:00 --to 10:05 -f csv")
def _(c):
    out, _ = sh(sub(c))
    want, _ = sh(sub("tick-replay /data/tp/2026-11-20.tick -t trade -s AAPL --from 10:00 --to 10:05 -f csv"))
    check(len(csv_rows(out)) > 3, f"rows: {out[:200]}")
    check(sorted(out.splitlines()) == sorted(want.splitlines()), "the journal's rows, from the HDB")


@step("tick-replay --hdb /data/hdb --date 2026-11-01..2026-11-20 -s MSFT | tick-cat -f json")
def _(c):
    rs = rows(sh(sub(c))[0])
    want = [r for r in rows(sh("tick-cat tp/2026-11-20.tick")[0]) if r.get('sym') == 'MSFT']
    check(len(rs) == len(want) > 0 and all(r['sym'] == 'MSFT' for r in rs), f"MSFT's rows: {len(rs)} of {len(want)}")


@step("tick-replay --hdb /data/hdb --info")
def _(c):
    out, _ = sh(sub(c))
    check(re.search(r'2026-11-20', out) and re.search(r'2026-11-25', out), f"both partitions: {out}")
    check('4000' in out and '500' in out, f"their rows: {out}")


# -- block: Kafka ------------------------------------------------------------------
@step("tick-kafka broker --topics trades:4 &")
def _(c):
    sh("rm -rf tp")
    p = subprocess.Popen(['/bin/bash', '-c', sub(c.rstrip('& ')) + ' > broker.out'], stdin=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True)
    background.append(p)
    wait_until(lambda: os.path.exists('broker.out') and open('broker.out').read().endswith('\n'), "the broker's address")
    addr = open('broker.out').read().split()[0]
    check(re.match(r'^127\.0\.0\.1:\d+$', addr), f"a loopback address first: {addr}")
    SUBST.insert(0, ('kafka:9092', addr))


@step("tick-kafka consume -b kafka:9092 --topic trades --schema sym.q -t trade -g tp1 | tick-log /data/tp")
def _(c):
    open('sym.q', 'w').write(tour_q(open(README).read())[0])
    feed = ''.join('{"time":"2026.11.23D14:30:%02d.5","sym":"S%d","price":%d.5,"size":%d}\n' % (i % 60, i % 7, i, i)
                   for i in range(100))
    open('trades.json', 'w').write(feed)
    sh(sub("kcat -b kafka:9092 -P -t trades -l trades.json"))
    t = today()
    def journaled():
        return os.path.exists(f'tp/{t}.tick') and len(rows(sh(f"tick-cat tp/{t}.tick")[0])) >= 100
    p = start(sub(c))
    wait_until(journaled, "the topic's rows in the journal", 30)
    kill(p)
    got = sorted(rows(sh(f"tick-cat tp/{t}.tick")[0]), key=lambda r: r['size'])  # (four partitions)
    check(len(got) == 100 and [r['size'] for r in got] == list(range(100)) and got[5] == {"table": "trade", "time": "14:30:05.500000000", "sym": "S5", "price": 5.5,
                                         "size": 5}, f"the rows, once: {len(got)} {got[5]}")


@step("tick-kafka consume -b kafka:9092 --topic trades --schema sym.q -t trade --resume-from /data/tk | tick-log /data/tk")
def _(c):
    t = today()
    def count():
        return len(rows(sh(f"tick-cat tk/{t}.tick")[0])) if os.path.exists(f'tk/{t}.tick') else 0
    for run in range(2):  # the second run resumes after the first: nothing twice
        p = start(sub(c))
        wait_until(lambda: count() >= 100, "the topic's rows in the journal", 30)
        time.sleep(0.5 if run else 0)
        kill(p)
        check(count() == 100, f"run {run + 1}: the 100 messages once each: {count()}")


@step("tick-sub :5010 | tick-kafka produce -b kafka:9092 --topic-prefix tick.")
def _(c):
    start(sub("tick-gen --rate 2000 | tick-log /data/tp2 | tick-pub -l :5010 --log /data/tp2"))
    wait_until(lambda: port_open(P_PUB), "tick-pub")
    for_a_while(sub(c), 3)
    out, _ = sh(sub("kcat -b kafka:9092 -C -t tick.trade -e -q -f '%k %s\\n'"))
    lines = out.splitlines()
    check(len(lines) > 100, f"the live trades on tick.trade: {len(lines)}")
    key, msg = lines[0].split(' ', 1)
    check(json.loads(msg)['sym'] == key and json.loads(msg)['table'] == 'trade', f"keyed by sym: {lines[0]}")
    for p in background:
        kill(p)
    background.clear()


# -- block: tick-ws ---------------------------------------------------------------
P_WS = free_port()


def ws_sub(c):
    return sub(c.replace('127.0.0.1:8080', f'127.0.0.1:{P_WS}').replace(' :8080', f' :{P_WS}'))


def api_rows(curl):
    """The rows of a tick-ws HTTP answer ([] until it has them)."""
    out, _ = sh(ws_sub(curl))
    try:
        return json.loads(out)['rows']
    except (ValueError, KeyError):
        return []


def stop_background():
    for p in background:
        kill(p)
    background.clear()


@step("tick-sub :5010 | tick-ws -l :8080 &")
def _(c):
    start(sub("tick-gen --rate 2000 | tick-log /data/tp3 | tick-pub -l :5010 --log /data/tp3"))
    wait_until(lambda: port_open(P_PUB), "tick-pub")
    start(ws_sub(c.rstrip('& ')))
    wait_until(lambda: port_open(P_WS), "tick-ws")


@step("curl 'http://127.0.0.1:8080/api/last?table=trade&syms=AAPL'")
def _(c):
    wait_until(lambda: len(api_rows(c)) == 1, "the last AAPL trade")
    r = api_rows(c)[0]
    check(r['table'] == 'trade' and r['sym'] == 'AAPL' and r['price'] > 0, f"the last AAPL trade: {r}")
    stop_background()


# -- block: tick-agg and tick-aj ------------------------------------------------
P_BARS = free_port()


def bars_sub(c):
    return ws_sub(c.replace(':5011', f'127.0.0.1:{P_BARS}').replace('/data/bars', f'{WORK}/bars'))


@step("tick-sub :5010 | tick-agg --bar 1m --only | tick-log /data/bars | tick-pub -l :5011 --log /data/bars &")
def _(c):
    start(sub("tick-gen --rate 2000 --syms 5 | tick-log /data/tp4 | tick-pub -l :5010 --log /data/tp4"))
    wait_until(lambda: port_open(P_PUB), "tick-pub")
    start(bars_sub(c.rstrip('& ').replace('--bar 1m', '--bar 1s')))  # (bars of a second: the test is short)
    wait_until(lambda: port_open(P_BARS), "the second tickerplant's tick-pub")


@step("tick-sub :5011 | tick-ws -l :8080 --log /data/bars &")
def _(c):
    start(bars_sub(c.rstrip('& ')))
    wait_until(lambda: port_open(P_WS), "tick-ws")

    curl = "curl -s 'http://127.0.0.1:8080/api/last?table=trade_bars'"
    wait_until(lambda: len(api_rows(curl)) == 5, "a bar of each of 5 syms at tick-ws")
    for r in api_rows(curl):
        check(all(k in r for k in ('open', 'high', 'low', 'close', 'volume', 'vwap')) and r['low'] <= r['vwap'] <= r['high'],
              f"a bar with OHLC and a VWAP within its range: {r}")
    stop_background()


@step("tick-replay day.tick -t trade | tick-agg --last --only --every 0 -f table")
def _(c):
    sh("tick-gen --count 20000 --syms 7 --seed 4 > day.tick")
    out, _ = sh(c)
    lines = [l for l in out.splitlines() if l.strip()]
    want = {}
    for r in rows(sh("tick-cat -f json -t trade day.tick")[0]):
        want[r['sym']] = r
    check(len(lines) == 2 + len(want), f"a table of the last trade of each of {len(want)} syms: {out}")
    for sym, r in want.items():
        check(any(l.split()[1:2] == [sym] and str(r['price']) in l.split() for l in lines), f"{sym}'s last trade at {r['price']}: {out}")


@step("tick-replay day.tick -t trade,quote | tick-aj --left trade --right quote -f csv")
def _(c):
    out, _ = sh(c)
    lines = out.splitlines()
    check(lines[0] == 'time,sym,price,size,bid,ask,bsize,asize', f"the joined columns: {lines[0]}")
    n = len(sh("tick-cat -f csv -t trade day.tick")[0].splitlines()) - 1
    check(len(lines) - 1 == n, f"every one of {n} trades joined ({len(lines) - 1})")
    check(sum(1 for l in lines[1:] if not l.endswith(',,,,')) > n * 0.9, "most trades have a prevailing quote")


# ---- the README's commands and the steps must be the same list -------------------
def tour_commands(text):
    tour = text[text.index('## A short tour'):text.index('\n## ', text.index('## A short tour') + 5)]
    cmds = []
    for block in re.findall(r'```sh\n(.*?)```', tour, re.S):
        for line in block.splitlines():
            cmd = re.split(r'\s+#\s', line, 1)[0].strip()
            if cmd:
                cmds.append(cmd)
    return cmds


def tour_q(text):
    tour = text[text.index('## A short tour'):text.index('\n## ', text.index('## A short tour') + 5)]
    return re.findall(r'```q\n(.*?)```', tour, re.S)


readme = tour_commands(open(README).read())
steps = [s for s, _ in STEPS]
for r in readme:
    check(r in steps, f"README tour command with no step in this test: {r}")
for s in steps:
    check(s in readme, f"step for a command the README tour no longer has: {s}")
check(readme == steps, "the steps run in the README's order")
try:
    for cmd, f in STEPS:
        f(cmd)
    # The sym.q shown loads, and rows with q's literals encode with it.
    for i, q in enumerate(tour_q(open(README).read())):
        open(f'tour{i}.q', 'w').write(q)
        out, err = sh(f"printf '%s\\n' '{{\"table\":\"trade\",\"time\":\"2026.11.23D14:30:00.5\",\"sym\":\"A\","
                      f"\"price\":1.5,\"size\":2}}' | tick-cat -e --schema tour{i}.q | tick-cat --time-format q")
        check(out == '{"table":"trade","time":"0D14:30:00.500000000","sym":"A","price":1.5,"size":2}\n',
              f"the README's sym.q: {out} {err}")
finally:
    for p in background:
        kill(p)
print(f"PASS [readme]: {len(STEPS)} README commands, {checks} checks")
