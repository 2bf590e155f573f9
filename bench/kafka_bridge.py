#!/usr/bin/python3
"""kafka_bridge.py BROKERS TOPIC N: the Python bridge kdb+ tutorials show, as
a peer: a kafka-python consumer, json.loads per message, rows gathered in
batches of 100 (where the tutorial would insert them over IPC). Reads N
messages from the beginning of TOPIC and exits."""
import json
import sys

from kafka import KafkaConsumer

brokers, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
c = KafkaConsumer(topic, bootstrap_servers=brokers, auto_offset_reset='earliest', consumer_timeout_ms=10000)
batch, seen, batches = [], 0, 0
for m in c:
    batch.append(json.loads(m.value))
    seen += 1
    if len(batch) == 100:
        batches += 1  # (an insert of the batch would go here)
        batch = []
    if seen >= n:
        break
if seen < n:
    sys.exit(f"kafka_bridge: only {seen} of {n} messages")
