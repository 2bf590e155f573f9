"""Sorts JSON-lines rows as an HDB partition holds them: by table (in the
order given), then sym (byte order), then time, stably. The reference the
eod tests compare tick-replay --hdb against.

usage: hdbsort.py TABLE[,TABLE...] < rows.json > sorted.json"""
import json
import sys

order = {t: i for i, t in enumerate(sys.argv[1].split(","))}
rows = []
for n, line in enumerate(sys.stdin.buffer):
    r = json.loads(line)
    if "table" not in r:
        continue  # an end of day: not a row
    # Null times (none here: tick-cat stamps them) would sort first.
    rows.append((order[r["table"]], r["sym"].encode(), r["time"] or "", n, line))
rows.sort()
sys.stdout.buffer.writelines(r[4] for r in rows)
