#!/usr/bin/python3
"""Hostile and broken clients (and one hostile server) for the hardening
tests. Each mode prints one line saying what it saw, for the test to match.

  hostile.py MODE HOST PORT [ARGS]   (HOST "unix" and PORT a path: a Unix socket)

Publisher side (against tick-log --listen):
  reset               hello + context + a record, then a TCP reset
  zstd-stall SECS     zstd's magic and half a frame, then silence
  silent SECS         connect, send nothing; report when closed
  half SECS           hello, then half a record header; report when closed
  subscribe           a subscribe record where a hello is due
  huge N              hello, then N connections' worth: a data header claiming 1 GiB
                      followed by 64 MiB of payload (on one connection each)
  context-refused     hello, a table, 1100 symbols, then a data record with a bad CRC
  tables N            hello, header, N schema records
  syms N              hello, header, one table, N symbols in records of 1000
  hellos N            N connections, each a hello with a new id, then closed
  hijack ID NEXT      hello with someone's id and a next sequence
  many N SECS         N connections held open SECS seconds
Subscriber side (against tick-pub):
  bigsub N SECS       N connections, each subscribing to 500k empty syms, held SECS
  subwait SECS        subscribe from start, read for SECS, print bytes read
  badname             subscribe to a table named with a newline and escapes
WebSocket side (against tick-ws):
  ws-junk             garbage instead of HTTP, then an unmasked frame (each: closed by the
                      server?), then half a frame and half a handshake, abandoned
Server side:
  fake-journal PORT   a tick-log --listen that answers a hello with a data header claiming 1 GiB
  zstd-server PORT    a tick-pub that answers a subscription with a zstd bomb
Other:
  idof JOURNAL -      the publisher id of the journal's first progress record
  ids JOURNAL -       the publisher ids of all its progress records
"""
import os, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tickrec import record, header, schema, symbols, hello, subscribe  # noqa: E402

TS, SYM, FLOAT, LONG = 10, 9, 7, 5
TRADE = [(TS, 'time'), (SYM, 'sym'), (FLOAT, 'price'), (LONG, 'size')]

def connect(host, port):
    if host == 'unix':
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(port)
        return s
    return socket.create_connection((host, int(port)))

def wait_close(s, secs):
    """Seconds until the peer closed, or None if it stayed open."""
    s.settimeout(secs)
    t = time.time()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return time.time() - t
    except (ConnectionResetError, BrokenPipeError):
        return time.time() - t
    except socket.timeout:
        return None

def refusal(s, secs=5):
    """The text of a refusal record the peer sent, if any, before it closed."""
    s.settimeout(secs)
    data = b''
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (ConnectionResetError, socket.timeout):
        pass
    off = 0
    while off + 16 <= len(data):
        length, typ = struct.unpack_from('<IB', data, off + 4)
        if chr(typ) == 'X':
            n = struct.unpack_from('<I', data, off + 16)[0]
            return data[off + 20: off + 20 + n].decode(errors='replace')
        off += 16 + length
    return None

def data_record(tid, rows, sym_ids):
    """A trade data record: rows rows, the given sym ids cycled."""
    n = rows
    p = struct.pack('<IIQ', n, 0, 0)
    p += b''.join(struct.pack('<q', 1_700_000_000_000_000_000 + i) for i in range(n))
    col = b''.join(struct.pack('<I', sym_ids[i % len(sym_ids)]) for i in range(n))
    p += col + b'\0' * (-len(col) % 8)
    p += b''.join(struct.pack('<d', 1.5) for _ in range(n))
    p += b''.join(struct.pack('<q', 100) for _ in range(n))
    return record('D', p, table=tid)

def publisher_context(pid, tname='trade'):
    return hello(pid) + header() + schema(0, tname, TRADE)

def main():
    mode, host, port = sys.argv[1], sys.argv[2], sys.argv[3]
    a = sys.argv[4:]
    if mode == 'reset':
        s = connect(host, port)
        s.sendall(publisher_context(0x1111) + symbols(0, ['', 'RST']) + b'\xe1\xa7')
        time.sleep(0.3)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
        s.close()
        print('reset sent')
    elif mode == 'zstd-stall':
        s = connect(host, port)
        s.sendall(bytes([0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58, 0x55, 0x00]))
        t = wait_close(s, float(a[0]))
        print('stalled %s' % ('then closed by the server' if t is not None else 'and still open'))
    elif mode == 'silent':
        s = connect(host, port)
        t = wait_close(s, float(a[0]))
        print('closed after %.0f s' % t if t is not None else 'still open')
    elif mode == 'half':
        s = connect(host, port)
        s.sendall(hello(0x2222) + record('D', b'\0' * 64)[:8])
        t = wait_close(s, float(a[0]))
        print('closed after %.0f s' % t if t is not None else 'still open')
    elif mode == 'ws-junk':
        hs = (b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        seen = []
        for what, data in [('garbage', b"\x16\x03\x01\x02\x00garbage that is not HTTP\r\n\r\n" * 100),
                           ('unmasked', hs + b"\x81\x05hello")]:  # a client's frame must be masked
            s = connect(host, port)
            s.sendall(data)
            seen.append('%s %s' % (what, 'closed' if wait_close(s, 5) is not None else 'still open'))
            s.close()
        for what, data in [('half-frame', hs + b"\x81\xfe\xff\xff\x00\x00\x00\x00ab"),
                           ('half-handshake', b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n")]:
            s = connect(host, port)
            s.sendall(data)
            s.close()
            seen.append(what + ' abandoned')
        print('ws-junk: ' + ', '.join(seen))
    elif mode == 'subscribe':
        s = connect(host, port)
        s.sendall(subscribe())
        print('refused: %s' % refusal(s))
    elif mode == 'huge':
        socks = []
        for i in range(int(a[0])):
            s = connect(host, port)
            s.sendall(hello(0x3333 + i) + header() + schema(0, 'trade', TRADE))
            s.sendall(struct.pack('<IIBBHI', 0x4B54A7E1, 1 << 30, ord('D'), 0, 0, 0))
            try:
                chunk = b'\0' * (1 << 20)
                for _ in range(64):
                    s.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                pass
            socks.append(s)
        print('sent; %d closed by the server' % sum(1 for s in socks if wait_close(s, 2) is not None))
    elif mode == 'context-refused':
        s = connect(host, port)
        bad = bytearray(data_record(0, 5, [1]))
        bad[40] ^= 0xff
        s.sendall(publisher_context(0x4444, 'evil') + symbols(0, [''] + ['EVIL%d' % i for i in range(1100)]) + bytes(bad))
        print('refused: %s' % refusal(s))
    elif mode == 'tables':
        s = connect(host, port)
        msg = hello(0x5555) + header() + b''.join(schema(i, 't%d' % i, TRADE) for i in range(int(a[0])))
        try:
            s.sendall(msg)
        except (BrokenPipeError, ConnectionResetError):
            pass
        print('refused: %s' % refusal(s))
    elif mode == 'syms':
        s = connect(host, port)
        s.sendall(publisher_context(0x6666))
        n, first = int(a[0]), 0
        try:
            while first < n:
                k = min(1000, n - first)
                s.sendall(symbols(first, ['S%07d' % (first + i) for i in range(k)]))
                first += k
        except (BrokenPipeError, ConnectionResetError):
            pass
        print('refused: %s' % refusal(s))
    elif mode == 'hellos':
        for i in range(int(a[0])):
            s = connect(host, port)
            s.sendall(hello(0x7000_0000 + i))
            s.close()
        print('sent')
    elif mode == 'hijack':
        s = connect(host, port)
        s.sendall(hello(int(a[0]), int(a[1])))
        print('refused: %s' % refusal(s))
    elif mode == 'many':
        socks = []
        for _ in range(int(a[0])):
            try:
                socks.append(connect(host, port))
            except OSError:
                break
        print('connected %d' % len(socks), flush=True)
        time.sleep(float(a[1]))
    elif mode == 'bigsub':
        socks = []
        req = subscribe(0, syms=[''] * 500_000)
        for _ in range(int(a[0])):
            s = connect(host, port)
            s.sendall(req)
            socks.append(s)
        print('subscribed %d' % len(socks), flush=True)
        time.sleep(float(a[1]))
    elif mode == 'subwait':
        s = connect(host, port)
        s.sendall(subscribe(1))
        s.settimeout(float(a[0]))
        got, t = 0, time.time()
        try:
            while time.time() - t < float(a[0]):
                d = s.recv(65536)
                if not d:
                    break
                got += len(d)
        except socket.timeout:
            pass
        print('read %d bytes' % got)
    elif mode == 'badname':
        s = connect(host, port)
        s.sendall(subscribe(0, tables=['tr\nade\x1b[31m' + 'x' * 5000]))
        print('refused: %s' % (refusal(s) or '')[:40].replace('\n', '\\n'))
    elif mode in ('fake-journal', 'zstd-server'):
        srv = socket.socket()
        srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        srv.bind(('127.0.0.1', int(port)))
        srv.listen(8)
        print('listening', flush=True)
        srv.settimeout(float(a[0]) if a else 20)
        try:
            while True:
                c, _ = srv.accept()
                c.recv(65536)
                try:
                    if mode == 'fake-journal':
                        c.sendall(struct.pack('<IIBBHI', 0x4B54A7E1, 1 << 30, ord('D'), 0, 0, 0) + b'\0' * (1 << 20))
                    else:
                        c.sendall(bytes([0x28, 0xB5, 0x2F, 0xFD]) + b'\0' * 4096)
                except OSError:
                    pass
                time.sleep(0.5)
                c.close()
        except socket.timeout:
            pass
    elif mode in ('idof', 'ids'):
        data = open(host, 'rb').read()
        off, ids = 0, []
        while off + 16 <= len(data):
            length, typ = struct.unpack_from('<IB', data, off + 4)
            if chr(typ) == 'G':
                ids.append(struct.unpack_from('<Q', data, off + 16)[0])
            off += 16 + length
        print((ids or [0])[0] if mode == 'idof' else ' '.join(map(str, ids)))
    else:
        sys.exit('hostile.py: unknown mode ' + mode)

if __name__ == '__main__':
    main()
