"""Writes JSON-lines rows of every column type for the eod tests: many syms,
strings of every length (empty, long, non-ASCII), nulls, equal times, and
some syms whose rows arrive out of time order.

usage: mkrows.py ROWS SEED DATE > rows.json"""
import json
import random
import sys

n, seed, date = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rnd = random.Random(seed)
syms = [""] + ["S%03d" % i for i in range(300)] + ["é", "ZZ top", "a"]
late = set(rnd.sample(syms, 12))  # these syms get rows from the past now and then
t = 9 * 3600 * 10**9
out = sys.stdout
for i in range(n):
    t += rnd.choice((0, 0, 1000, 250000))  # equal times happen
    sym = rnd.choice(syms)
    when = t - rnd.randrange(10**9, 10**11) if sym in late and rnd.random() < 0.2 else t
    s, ns = divmod(when, 10**9)
    hh, mm, ss = s // 3600, s // 60 % 60, s % 60
    strlen = rnd.choice((0, 1, 5, 17, 40, 300, 5000 if rnd.random() < 0.01 else 3))
    row = {
        "table": "t" if i % 3 else "u",
        "time": "%sT%02d:%02d:%02d.%09dZ" % (date, hh, mm, ss, ns),
        "sym": sym,
    }
    if row["table"] == "t":
        row.update({
            "b": rnd.random() < 0.5, "x": rnd.randrange(256), "h": rnd.choice((None, rnd.randrange(-32767, 32768))),
            "i": rnd.choice((None, rnd.randrange(-2**31 + 1, 2**31))), "j": rnd.randrange(-2**62, 2**62),
            "e": rnd.choice((None, 1.5, -0.25, 1e10)), "f": rnd.choice((None, rnd.random() * 100, "inf", "-inf")),
            "c": rnd.choice("abcxyz "), "n": rnd.choice((None, "0D00:00:01.000000001", "1D02:03:04.000000005")),
            "d": rnd.choice((None, "1999-12-31", date)),
            "s": "".join(rnd.choice("abcdé\"\\\n\t") for _ in range(strlen)),
        })
    else:
        row.update({"px": rnd.random() * 1000, "qty": rnd.randrange(1, 10**6), "venue": rnd.choice(("X", "Y", "")) })
    out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
