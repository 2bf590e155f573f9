#!/usr/bin/python3
"""A raw TCP client for tests of tick-pub's handling of bad clients:
  garbage HOST PORT        send random bytes, then wait for the close
  silent HOST PORT SECS    connect, send nothing, report when closed
  noread HOST PORT SECS    subscribe from the start, never read
Prints one line saying what happened."""
import os, socket, struct, sys, time

def crc32c(data, crc=0):
    crc ^= 0xffffffff
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xffffffff

def record(typ, payload):
    payload += b'\0' * (-len(payload) % 8)
    head = struct.pack('<IBBH', len(payload), ord(typ), 0, 0)
    return struct.pack('<I', 0x4B54A7E1) + head + struct.pack('<I', crc32c(head + payload)) + payload

mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.create_connection((host, port))
if mode == 'garbage':
    s.sendall(os.urandom(4096))
    s.settimeout(10)
    try:
        data = s.recv(65536)
        print('closed' if not data else 'got %d bytes' % len(data))
    except ConnectionResetError:
        print('closed')
elif mode == 'silent':
    s.settimeout(float(sys.argv[4]))
    t = time.time()
    try:
        data = s.recv(1)
        print('closed after %.0f s' % (time.time() - t) if not data else 'got data')
    except socket.timeout:
        print('still open')
elif mode == 'noread':
    # from=start(1), 0 tables, day=INT32_MIN, seq=1, 0 syms
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(record('Q', struct.pack('<BBHiQI', 1, 0, 0, -2**31, 1, 0)))
    time.sleep(float(sys.argv[4]))
    print('slept')
