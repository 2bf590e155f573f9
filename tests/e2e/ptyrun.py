#!/usr/bin/python3
"""ptyrun.py CMD...: runs CMD with its stderr on a pseudo-terminal (stdout
and stdin as given; with PTYRUN_STDIN=1 or PTYRUN_STDOUT=1 in the
environment, that one on the terminal too) and prints what the terminal received; exits with CMD's
status. For tests of what tools show only on a terminal. With PTYRUN_LIMIT=N,
it closes the terminal and stops CMD (SIGTERM) once N bytes have come and exits 0: for what a long
output begins with."""
import os
import pty
import signal
import subprocess
import sys

# Ctrl-C to the group is for CMD: this goes on reading what it shows then.
signal.signal(signal.SIGINT, lambda *_: None)
master, slave = pty.openpty()
stdin = slave if os.environ.get('PTYRUN_STDIN') == '1' else None
stdout = slave if os.environ.get('PTYRUN_STDOUT') == '1' else None
p = subprocess.Popen(sys.argv[1:], stderr=slave, stdin=stdin, stdout=stdout)
os.close(slave)
out = b''
limit = int(os.environ.get('PTYRUN_LIMIT', '0'))
while True:
    if limit and len(out) >= limit:
        os.close(master)  # its writes to the terminal now fail
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
        sys.stdout.write(out.decode('utf-8', 'replace'))
        sys.exit(0)
    try:
        chunk = os.read(master, 65536)
    except OSError:  # EIO: the terminal's last writer is gone
        break
    if not chunk:
        break
    out += chunk
rc = p.wait()
sys.stdout.write(out.decode('utf-8', 'replace'))
sys.exit(rc)
