#!/usr/bin/python3
"""fanout_floor.py FILE N: the kernel's own cost of fan-out over loopback TCP,
as a floor for tick-pub's: a sender that does nothing but read FILE and
write each 256 KiB chunk to N local TCP readers (processes that only read).
Prints the sender's CPU seconds (user + system)."""
import os, resource, socket, sys

path, n = sys.argv[1], int(sys.argv[2])
ls = socket.socket()
ls.bind(('127.0.0.1', 0))
ls.listen(64)
port = ls.getsockname()[1]
kids = []
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        ls.close()
        c = socket.create_connection(('127.0.0.1', port))
        buf = bytearray(1 << 20)
        while c.recv_into(buf):
            pass
        os._exit(0)
    kids.append(pid)
subs = [ls.accept()[0] for _ in range(n)]
r0 = resource.getrusage(resource.RUSAGE_SELF)
with open(path, 'rb', buffering=0) as f:
    while True:
        chunk = f.read(256 << 10)
        if not chunk:
            break
        for s in subs:
            s.sendall(chunk)
r1 = resource.getrusage(resource.RUSAGE_SELF)
for s in subs:
    s.close()
for pid in kids:
    os.waitpid(pid, 0)
print('%.3f' % (r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime))
