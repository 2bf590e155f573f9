#!/usr/bin/python3
"""An independent reader of the tick stream's framing (man 5 tick), for tests:
prints one line per record: offset, type letter, table id, rows, seq (data)
or date/seq (end of day), or the records announced and the positions
(a Kafka consumer's positions). Stops at the first record it cannot frame."""
import struct
import sys

def records(data):
    off = 0
    while off + 16 <= len(data):
        marker, length, typ, flags, table, crc = struct.unpack_from('<IIBBHI', data, off)
        if marker != 0x4B54A7E1 or off + 16 + length > len(data):
            return
        payload = data[off + 16: off + 16 + length]
        yield off, chr(typ), table, payload
        off += 16 + length

def main():
  for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    for off, typ, table, p in records(data):
        if typ == 'D':
            rows, _, seq = struct.unpack_from('<IIQ', p, 0)
            print(off, typ, table, rows, seq)
        elif typ == 'E':
            date, _, seq = struct.unpack_from('<iIQ', p, 0)
            print(off, typ, table, date, seq)
        elif typ == 'O':  # records that follow, then positions: u64 next, u32 partition, u16 len, topic
            announced, count = struct.unpack_from('<II', p, 0)
            at, pos = 8, []
            for _ in range(count):
                nxt, part, n = struct.unpack_from('<QIH', p, at)
                pos.append('%s[%d]@%d' % (p[at + 14: at + 14 + n].decode(), part, nxt))
                at += 14 + n
            print(off, typ, table, announced, " ".join(pos))
        else:
            print(off, typ, table)

try:
    main()
    sys.stdout.flush()
except BrokenPipeError:  # a reader that stops early, like head
    import os
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
