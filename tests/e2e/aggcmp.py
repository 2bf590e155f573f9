"""Helpers for analytics.sh: CSV of tick's times (ISO) to epoch ns with a
row number, and comparing two CSVs row for row (floats within 1e-9
relative, empty = null, sorted by the key columns given)."""
import csv, sys
from datetime import datetime, timezone


def ns(iso):
    if iso == "":
        return ""
    head, frac = (iso.rstrip("Z").split(".") + ["0"])[:2]
    d = datetime.strptime(head, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=timezone.utc)
    return str(int(d.timestamp()) * 10**9 + int(frac.ljust(9, "0")[:9]))


def to_ns(src, dst):
    with open(src) as f, open(dst, "w", newline="") as g:
        r = csv.reader(f)
        w = csv.writer(g)
        head = next(r)
        if head and head[0] == "table":
            head = head[1:]
            strip = True
        else:
            strip = False
        ti = head.index("time")
        w.writerow(head + ["n"])
        for n, row in enumerate(r):
            if strip:
                row = row[1:]
            row[ti] = ns(row[ti])
            w.writerow(row + [n])


def same(a, b, key):
    def rows(p):
        with open(p) as f:
            r = list(csv.reader(f))
        head, body = r[0], r[1:]
        if head[0] == "table":
            head, body = head[1:], [x[1:] for x in body]
        if "n" in head:
            i = head.index("n")
            head, body = head[:i] + head[i + 1:], [x[:i] + x[i + 1:] for x in body]
        if "time" in head and body and not body[0][head.index("time")].lstrip("-").isdigit():
            ti = head.index("time")
            for x in body:
                x[ti] = ns(x[ti])
        ks = [head.index(k) for k in key.split(",")] if key else []
        if ks:
            body.sort(key=lambda x: [int(x[k]) if x[k].lstrip("-").isdigit() else x[k] for k in ks])
        return head, body

    ha, ra = rows(a)
    hb, rb = rows(b)
    if ha != hb:
        sys.exit(f"columns differ: {ha} vs {hb}")
    if len(ra) != len(rb):
        sys.exit(f"{len(ra)} rows vs {len(rb)}")
    for i, (x, y) in enumerate(zip(ra, rb)):
        for c, (u, v) in enumerate(zip(x, y)):
            if u == v:
                continue
            try:
                fu, fv = float(u), float(v)
            except ValueError:
                sys.exit(f"row {i + 1}, {ha[c]}: {u!r} vs {v!r}\n  {x}\n  {y}")
            if abs(fu - fv) > 1e-9 * max(abs(fu), abs(fv)):
                sys.exit(f"row {i + 1}, {ha[c]}: {u} vs {v}\n  {x}\n  {y}")
    print(len(ra))


if __name__ == "__main__":
    if sys.argv[1] == "ns":
        to_ns(sys.argv[2], sys.argv[3])
    else:
        same(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) > 4 else "")
