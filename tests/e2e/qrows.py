"""Rows as tick and as q clients see them, compared as multisets (every row
exactly once), for tick_q.sh and tick_q_faults.sh.

  qrows.py tick JSON          tick-cat -f json rows as q rows: [table, time
                              as ns of the day, values...], longs as text
  qrows.py compare WANT GOT   exit 0 when GOT holds each row of WANT exactly
                              as many times; else says what is missing,
                              doubled or extra
  qrows.py sizes ROWS         the size column (a row's identity in feeds)"""
import collections
import datetime
import json
import sys

LONGS = {"size"}


def ns(t):
    h, m, s = t.split(":")
    whole, _, frac = s.partition(".")
    return str(((int(h) * 60 + int(m)) * 60 + int(whole)) * 10**9 + int((frac + "000000000")[:9]))


def number(v):
    """Numbers, and longs written as text, as floats; other values as they are."""
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str) and v.lstrip("-").isdigit():
        return float(v)
    return v


def canon(row):
    """A row comparable across tick's JSON and node-q: timestamps (tick's ISO
    text, node-q's float ns since 1970) as whole milliseconds."""
    out = [row[0]]
    for i, v in enumerate(row[1:]):
        if i == 0 and isinstance(v, str) and "T" in v:
            d = datetime.datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
            frac = (v[20:].rstrip("Z") + "000")[:3] if len(v) > 19 and v[19] == "." else "000"
            v = float(int(d.timestamp()) * 1000 + int(frac))
        elif i == 0 and isinstance(v, (int, float)) and v > 1e15:
            v = float(round(v / 1e6))
        out.append(number(v))
    return tuple(out)


def tick_rows(path):
    for line in open(path):
        r = json.loads(line)
        if "table" not in r:
            continue
        row = [r.pop("table")]
        for k, v in r.items():
            if k == "time":
                row.append(v if "T" in v else ns(v))
            elif k in LONGS:
                row.append(None if v is None else str(v))
            else:
                row.append(v)
        yield row


def q_rows(path):
    return [json.loads(line) for line in open(path) if line.strip()]


cmd = sys.argv[1]
if cmd == "tick":
    for row in tick_rows(sys.argv[2]):
        print(json.dumps(row))
elif cmd == "compare":
    want = collections.Counter(canon(r) for r in q_rows(sys.argv[2]))
    got = collections.Counter(canon(r) for r in q_rows(sys.argv[3]))
    missing = want - got
    extra = got - want
    doubled = sum(1 for r, n in got.items() if n > 1 and want.get(r, 0) < n)
    if missing or extra:
        print("%d rows wanted, %d got: %d missing, %d extra (%d doubled); e.g. missing %s extra %s" % (
            sum(want.values()), sum(got.values()), sum(missing.values()), sum(extra.values()), doubled,
            list(missing)[:2], list(extra)[:2]))
        sys.exit(1)
    print("same %d" % sum(want.values()))
elif cmd == "sizes":
    for r in q_rows(sys.argv[2]):
        print(r[4])
