#!/usr/bin/python3
"""wallcpu.py CMD: runs a shell command once; prints its wall seconds and
the CPU seconds (user + system) of it and everything it started."""
import resource
import subprocess
import sys
import time

t = time.monotonic()
subprocess.run(["bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL, check=False)
wall = time.monotonic() - t
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.6f} {r.ru_utime + r.ru_stime:.6f}")
