#!/usr/bin/python3
"""End-to-end latency through Kafka: a feed writes JSON rows at RATE a second,
each carrying the wall-clock nanosecond it was written (t0), into a producer;
the broker; a consumer writing rows to its stdout, read here and stamped on
arrival. Prints p50 and p99 in microseconds, and the rows received.

usage: kafka_latency.py BROKER TOPIC RATE SECONDS tick|kcat SCHEMA [-X prop=val ...]
  tick: tick-cat -e | tick-kafka produce  ->  tick-kafka consume -f json
  kcat: kcat -P                            ->  kcat -C -u
"""
import json
import subprocess
import sys
import threading
import time

broker, topic, rate, seconds, mode, schema = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
total = int(rate * seconds)
props = sys.argv[7:]  # -X prop=val for the consumer (kcat: the same fetch wait as tick-kafka's, say)

if mode == 'tick':
    consumer = ['tick-kafka', 'consume', '-b', broker, '--topic', topic, '--schema', schema, '-t', 'lat', '-f', 'json'] + props
    producer = f'tick-cat -e --schema {schema} -t lat | tick-kafka produce -b {broker} --topic {topic}'
else:
    consumer = ['kcat', '-C', '-u', '-q', '-b', broker, '-t', topic, '-o', 'beginning', '-f', '%s\n'] + props
    producer = f'kcat -P -b {broker} -t {topic}'

cons = subprocess.Popen(consumer, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # (buffered: a raw pipe reads a byte a call)
lat = []


def read():
    f = cons.stdout
    while len(lat) < total:
        line = f.readline()
        if not line:
            break
        now = time.time_ns()
        lat.append(now - json.loads(line)['t0'])


reader = threading.Thread(target=read, daemon=True)
reader.start()
time.sleep(2)  # the consumer is assigned its partitions (it reads the fresh topic from its beginning)
prod = subprocess.Popen(['/bin/bash', '-c', producer], stdin=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)
# Paced in 1 ms steps: each step writes the rows due by then, each stamped as written.
start = time.monotonic()
sent = 0
syms = ['S%d' % i for i in range(100)]
while sent < total:
    due = min(total, int((time.monotonic() - start) * rate) + 1)
    if due > sent:
        buf = []
        for i in range(sent, due):
            buf.append('{"sym":"%s","t0":%d}\n' % (syms[i % 100], time.time_ns()))
        prod.stdin.write(''.join(buf).encode())
        sent = due
    time.sleep(0.001)
prod.stdin.close()
reader.join(timeout=30)
prod.wait()
cons.terminate()
cons.wait()
if len(lat) < total * 0.99:
    sys.exit(f"kafka_latency: {mode}: received {len(lat)} of {total} rows")
# The first second warms up (connections, metadata): measured after it.
steady = sorted(lat[rate:])
p = lambda q: steady[min(len(steady) - 1, int(q * len(steady)))] / 1000
print(f"{p(0.5):.0f} {p(0.99):.0f} {len(lat)}")
