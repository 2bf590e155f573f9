#!/usr/bin/python3
"""Tick records made by hand (man 5 tick), independent of the C++ code, for
tests that forge or mangle streams. As a module: record(), and payload
builders for the protocol. As a command:
  tickrec.py eod YYYY-MM-DD SEQ     an end-of-day record on stdout"""
import datetime
import struct
import sys

MARKER = 0x4B54A7E1

def _table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ (0x82F63B78 if c & 1 else 0)
        t.append(c)
    return t

_T = _table()

def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc = _T[(crc ^ b) & 0xff] ^ (crc >> 8)
    return crc ^ 0xffffffff

def record(typ, payload, table=0, length=None):
    """A framed record; length overrides the header's (a lie about the size)."""
    payload = bytes(payload) + b'\0' * (-len(payload) % 8)
    n = len(payload) if length is None else length
    head = struct.pack('<IBBH', n, ord(typ), 0, table)
    return struct.pack('<I', MARKER) + head + struct.pack('<I', crc32c(head + payload)) + payload

def header(date_days=-2**31):
    return record('H', b'TICKSTRM' + struct.pack('<HHi', 1, 0, date_days))

def schema(tid, name, cols):
    """cols: [(type_code, name)], type codes as in man 5 tick."""
    p = struct.pack('<HH', len(cols), len(name)) + name.encode()
    for code, cname in cols:
        p += bytes([code, len(cname)]) + cname.encode()
    return record('S', p, table=tid)

def symbols(first, names):
    p = struct.pack('<II', first, len(names))
    for n in names:
        b = n.encode() if isinstance(n, str) else n
        p += struct.pack('<H', len(b)) + b
    return record('Y', p)

def hello(pid, nxt=1):
    return record('P', struct.pack('<QQ', pid, nxt))

def subscribe(start=1, tables=(), syms=(), day=-2**31, seq=1):
    p = struct.pack('<BBHiQI', start, 0, len(tables), day, seq, len(syms))
    for t in list(tables) + list(syms):
        b = t.encode() if isinstance(t, str) else t
        p += struct.pack('<H', len(b)) + b
    return record('Q', p)

def eod(date_days, seq):
    return record('E', struct.pack('<iIQ', date_days, 0, seq))

def days(iso):
    return (datetime.date.fromisoformat(iso) - datetime.date(1970, 1, 1)).days

if __name__ == '__main__':
    if sys.argv[1] == 'eod':
        sys.stdout.buffer.write(eod(days(sys.argv[2]), int(sys.argv[3])))
