#!/usr/bin/python3
"""Many subscribers of one tick-pub at once, an independent client (man 5
tick's framing, read by hand): many_subs.py HOST PORT N_NOW N_START
connects N_NOW subscribers "from now" and waits until each has its accept,
then prints "ready" (the test starts the feed); a second later it connects
N_START subscribers "from start" (served from the journal, then live),
and once each has its accept prints "connected" (the test may end the
feed: tick-pub closes its listeners at the end of its input).
It reads every connection to its end of stream and prints, for each, its
first data record's sequence number, its data records' count and the md5
of their bytes, and whether its end of stream came, one line a subscriber."""
import hashlib, os, resource, selectors, socket, struct, sys, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tickrec

host, port, n_now, n_start = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
want = 8192 if hard == resource.RLIM_INFINITY else min(8192, hard)
resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, want), hard))
sel = selectors.DefaultSelector()

class Conn:
    def __init__(self, start):
        self.sock = socket.create_connection((host, port))
        self.sock.sendall(tickrec.subscribe(start=start))
        self.sock.setblocking(False)
        self.buf = bytearray()
        self.md5 = hashlib.md5()
        self.data = 0
        self.first = 0
        self.accepted = self.ended = self.closed = False
        sel.register(self.sock, selectors.EVENT_READ, self)

    def take(self):
        """Whole records off the front of the buffer."""
        b, at = self.buf, 0
        while len(b) - at >= 16:
            marker, n, typ = struct.unpack_from('<IIB', b, at)
            if marker != tickrec.MARKER:
                raise SystemExit('bad marker at a subscriber')
            if len(b) - at < 16 + n:
                break
            t = chr(typ)
            if t == 'A':
                self.accepted = True
            elif t == 'D':
                if not self.data:
                    self.first = struct.unpack_from('<Q', b, at + 24)[0]
                self.data += 1
                self.md5.update(b[at:at + 16 + n])
            elif t == 'Z':
                self.ended = True
            elif t == 'R':
                raise SystemExit('refused: %r' % bytes(b[at + 16:at + 16 + n]))
            at += 16 + n
        del b[:at]

    def read(self):
        try:
            got = self.sock.recv(1 << 18)
        except BlockingIOError:
            return
        if not got:
            sel.unregister(self.sock)
            self.sock.close()
            self.closed = True
            return
        self.buf += got
        self.take()

def pump(conns, until, limit):
    t_end = time.time() + limit
    while not until() and time.time() < t_end:
        for key, _ in sel.select(timeout=0.5):
            key.data.read()
    return until()

conns = []
for _ in range(n_now):
    conns.append(Conn(0))
if not pump(conns, lambda: all(c.accepted for c in conns), 60):
    raise SystemExit('only %d of %d accepted' % (sum(c.accepted for c in conns), n_now))
print('ready', flush=True)
t_more = time.time() + 1
pump(conns, lambda: time.time() >= t_more, 2)
for _ in range(n_start):
    conns.append(Conn(1))
if not pump(conns, lambda: all(c.accepted for c in conns), 60):
    raise SystemExit('only %d of %d accepted' % (sum(c.accepted for c in conns), len(conns)))
print('connected', flush=True)
if not pump(conns, lambda: all(c.closed for c in conns), 240):
    raise SystemExit('%d of %d still open' % (sum(not c.closed for c in conns), len(conns)))
for i, c in enumerate(conns):
    print('%s %d %d %s %s' % ('now' if i < n_now else 'start', c.first, c.data, c.md5.hexdigest(),
                              'eos' if c.ended else 'no-eos'))
