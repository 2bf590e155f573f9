#!/usr/bin/python3
"""ptyrun.py CMD...: runs CMD with its stderr on a pseudo-terminal (stdout
and stdin as given; with PTYRUN_STDIN=1 or PTYRUN_STDOUT=1 in the
environment, that one on the terminal too) and prints what the terminal received; exits with CMD's
status. For tests of what tools show only on a terminal."""
import os
import pty
import subprocess
import sys

master, slave = pty.openpty()
stdin = slave if os.environ.get('PTYRUN_STDIN') == '1' else None
stdout = slave if os.environ.get('PTYRUN_STDOUT') == '1' else None
p = subprocess.Popen(sys.argv[1:], stderr=slave, stdin=stdin, stdout=stdout)
os.close(slave)
out = b''
while True:
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
