#!/usr/bin/env python3
"""A reader (and writer) of q's HDB layout written from KDB.md's byte
layouts alone, not from tick's code: the independent side of kdb_hdb.sh.

  qhdb.py rows HDB DATE TABLE      the rows of HDB/yyyy.mm.dd/TABLE as JSON
                                   lines (timestamps as ISO-8601 with ns,
                                   timespans as ns, symbols as text)
  qhdb.py want CSV                 tick's CSV of one table (time, sym, then
                                   numbers) as the same JSON lines, stably
                                   sorted by sym, as .Q.dpft orders them
  qhdb.py write HDB DATE TABLE CSV writes such a table as q would (the sym
                                   file extended, sym first in .d)
  qhdb.py syms HDB                 the root sym file's names, one a line
"""
import datetime
import json
import os
import struct
import sys

EPOCH_2000 = datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc)
WIDTH = {1: 1, 2: 16, 4: 1, 5: 2, 6: 4, 7: 8, 8: 4, 9: 8, 10: 1, 12: 8, 13: 4, 14: 4, 15: 8, 16: 8, 17: 4, 18: 4, 19: 4}
FMT = {1: "?", 4: "B", 5: "h", 6: "i", 7: "q", 8: "f", 9: "d", 10: "c", 12: "q", 13: "i", 14: "i", 16: "q", 17: "i", 18: "i", 19: "i"}


def symbols(path):
    b = open(path, "rb").read()
    assert b[:3] == b"\xff\x01\x0b", f"{path}: not a symbol list"
    # The count in the header is not trusted: the names are counted.
    names = b[8:].split(b"\0")
    assert names[-1] == b"", f"{path}: torn"
    return [n.decode() for n in names[:-1]]


def iso(ns2000):
    if ns2000 == -(2**63):
        return None
    t = ns2000 + 946684800 * 10**9
    secs, ns = divmod(t, 10**9)
    d = datetime.datetime.fromtimestamp(secs, datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"


def column(path, domain):
    b = open(path, "rb").read()
    if b[:2] == b"\xfe\x20":
        t = b[2]
        n = (len(b) - 16) // WIDTH[t]
        vals = list(struct.unpack_from(f"<{n}{FMT[t]}", b, 16))
        if t == 12:
            vals = [iso(v) for v in vals]
        elif t == 14:
            vals = [str(datetime.date(2000, 1, 1) + datetime.timedelta(days=v)) for v in vals]
        return vals
    if b[:2] == b"\xfd\x20":
        assert b[4080] == 0xFD and b[4082] == 20, f"{path}: not an enumeration"
        dom = b[16:b.index(b"\0", 16)].decode()
        assert dom == "sym", f"{path}: domain {dom}"
        n = (len(b) - 4096) // 8
        return [domain[i] for i in struct.unpack_from(f"<{n}q", b, 4096)]
    raise SystemExit(f"{path}: not a column")


def rows(hdb, date, table):
    domain = symbols(os.path.join(hdb, "sym"))
    td = os.path.join(hdb, date.replace("-", "."), table)
    names = symbols(os.path.join(td, ".d"))
    assert names[0] == "sym", f"{td}/.d: sym is not first: {names}"
    cols = {n: column(os.path.join(td, n), domain) for n in names}
    n = len(cols["sym"])
    assert all(len(c) == n for c in cols.values()), f"{td}: columns of different lengths"
    return names, [{k: cols[k][i] for k in names} for i in range(n)]


def want(csv_path):
    lines = open(csv_path).read().splitlines()
    head = lines[0].split(",")
    out = []
    for line in lines[1:]:
        f = line.split(",")
        r = {}
        for k, v in zip(head, f):
            if k == "time":
                # tick's ISO-8601 with nanoseconds
                d = datetime.datetime.strptime(v[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
                ns = int(v[20:29].ljust(9, "0")) if len(v) > 20 else 0
                r[k] = d.strftime("%Y-%m-%dT%H:%M:%S") + f".{ns:09d}Z"
            elif k == "sym":
                r[k] = v
            else:
                r[k] = float(v) if ("." in v or "e" in v or "inf" in v) else int(v)
        out.append(r)
    out.sort(key=lambda r: r["sym"])  # stable: a sym's rows keep their order
    return out


def write(hdb, date, table, csv_path):
    rs = want(csv_path)
    os.makedirs(hdb, exist_ok=True)
    sympath = os.path.join(hdb, "sym")
    domain = symbols(sympath) if os.path.exists(sympath) else []
    for r in rs:
        if r["sym"] not in domain:
            domain.append(r["sym"])
    with open(sympath, "wb") as f:
        f.write(b"\xff\x01\x0b\x00" + struct.pack("<i", 0) + b"".join(s.encode() + b"\0" for s in domain))
    td = os.path.join(hdb, date.replace("-", "."), table)
    os.makedirs(td, exist_ok=True)
    names = ["sym"] + [k for k in rs[0] if k != "sym"] if rs else ["sym", "time"]
    with open(os.path.join(td, ".d"), "wb") as f:
        f.write(b"\xff\x01\x0b\x00" + struct.pack("<i", len(names)) + b"".join(n.encode() + b"\0" for n in names))
    n = len(rs)
    for k in names:
        with open(os.path.join(td, k), "wb") as f:
            if k == "sym":
                page = bytearray(4096)
                page[0:2] = b"\xfd\x20"
                page[16:20] = b"sym\0"
                page[4080:4088] = b"\xfd\x00\x14\x00\x00\x00\x00\x00"
                page[4088:4096] = struct.pack("<q", n)
                f.write(bytes(page) + struct.pack(f"<{n}q", *[domain.index(r["sym"]) for r in rs]))
            elif k == "time":
                vals = []
                for r in rs:
                    d = datetime.datetime.strptime(r[k][:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=datetime.timezone.utc)
                    vals.append(int((d - EPOCH_2000).total_seconds()) * 10**9 + int(r[k][20:29]))
                f.write(b"\xfe\x20\x0c\x00\x00\x00\x00\x00" + struct.pack("<q", 0) + struct.pack(f"<{n}q", *vals))
            elif isinstance(rs[0][k], float):
                f.write(b"\xfe\x20\x09\x00\x00\x00\x00\x00" + struct.pack("<q", 0) + struct.pack(f"<{n}d", *[r[k] for r in rs]))
            else:
                f.write(b"\xfe\x20\x07\x00\x00\x00\x00\x00" + struct.pack("<q", 0) + struct.pack(f"<{n}q", *[r[k] for r in rs]))


def main():
    cmd = sys.argv[1]
    # Numbers are compared as numbers (CSV does not say 3 is a float).
    num = lambda r: {k: float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in r.items()}
    if cmd == "rows":
        names, rs = rows(*sys.argv[2:5])
        for r in rs:
            print(json.dumps(num(r), sort_keys=True))
    elif cmd == "want":
        for r in want(sys.argv[2]):
            print(json.dumps(num(r), sort_keys=True))
    elif cmd == "write":
        write(*sys.argv[2:6])
    elif cmd == "syms":
        print("\n".join(symbols(os.path.join(sys.argv[2], "sym"))))
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
