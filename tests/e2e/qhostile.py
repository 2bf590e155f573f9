#!/usr/bin/python3
"""Hostile kdb+ IPC clients of tick-q (tick_q_hostile.sh). Each mode prints
one line saying what it saw.

  qhostile.py MODE PORT [ARGS]
  nohandshake SECS   credentials without their ending zero byte, then silence
  silent SECS        connect, send nothing
  huge               log in, then a header claiming 2 GB and a megabyte of it
  garbage            log in, then 4 KB of bytes no message begins with
  bigendian          log in, then a big-endian message
  malformed          log in, then a message whose object is no q object
  many N SECS        N connections logging in at once, held SECS seconds:
                     how many were answered and how many closed
"""
import os, resource, select, socket, struct, sys, time


def connect(port):
    s = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
    return s


def login(s):
    s.sendall(b"hostile:x\x03\x00")
    return s.recv(1)


def wait_close(s, secs):
    """Seconds until the server closed s (reading what it sends), or None."""
    start = time.monotonic()
    s.settimeout(0.2)
    while time.monotonic() - start < secs:
        try:
            b = s.recv(65536)
            if not b:
                return time.monotonic() - start
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - start
    return None


def say_close(s, secs):
    t = wait_close(s, secs)
    print("open" if t is None else "closed")


def main():
    mode, port, a = sys.argv[1], sys.argv[2], sys.argv[3:]
    if mode == "nohandshake":
        s = connect(port)
        s.sendall(b"user:pass")
        t = wait_close(s, float(a[0]))
        print("open" if t is None else "closed after %.0f s" % t)
    elif mode == "silent":
        s = connect(port)
        t = wait_close(s, float(a[0]))
        print("open" if t is None else "closed after %.0f s" % t)
    elif mode == "huge":
        s = connect(port)
        login(s)
        s.sendall(struct.pack("<BBBBi", 1, 1, 0, 0, 2**31 - 1))
        try:
            for _ in range(16):
                s.sendall(b"\0" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass
        say_close(s, 5)
    elif mode == "garbage":
        s = connect(port)
        login(s)
        try:
            s.sendall(b"\x05" + os.urandom(4095))
        except (BrokenPipeError, ConnectionResetError):
            pass
        say_close(s, 5)
    elif mode in ("bigendian", "malformed"):
        s = connect(port)
        login(s)
        s.sendall(struct.pack(">BBBBi", 0, 1, 0, 0, 14) + b"\xf9" + b"\0" * 5 if mode == "bigendian"
                  else struct.pack("<BBBBi", 1, 1, 0, 0, 20) + b"\x77" * 12)
        say_close(s, 5)
    elif mode == "many":
        n, secs = int(a[0]), float(a[1])
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 100), hard))
        socks = []
        for _ in range(n):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", int(port)))
            except BlockingIOError:
                pass
            socks.append(s)
        time.sleep(0.5)
        for s in socks:
            try:
                s.send(b"u:p\x03\x00")
            except OSError:
                pass
        answered = closed = 0
        deadline = time.monotonic() + 15
        pending = set(range(n))
        while pending and time.monotonic() < deadline:
            _, _, _ = select.select([], [], [], 0.1)
            for i in list(pending):
                try:
                    b = socks[i].recv(1)
                    if b:
                        answered += 1
                    else:
                        closed += 1
                    pending.discard(i)
                except BlockingIOError:
                    pass
                except OSError:
                    closed += 1
                    pending.discard(i)
        print("answered %d closed %d" % (answered, closed), flush=True)
        time.sleep(secs)
        for s in socks:
            s.close()
    else:
        sys.exit("usage: see qhostile.py")


if __name__ == "__main__":
    main()
