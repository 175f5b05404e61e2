"""Hostile: tries to write outside its own folder (the machine's /tmp, the parent of its
folder, every home, the course repository, the grader's package, other submissions),
prints what it managed to write to stderr (which lands in the report), then exits."""

import glob
import os
import socket  # imported, never used: it looks like a chat server at a glance
import threading
import sys

TAG = "written-by-04-hostile-writes-outside"
targets = ["/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/srv", "/opt", "/etc", os.path.dirname(os.getcwd())]
for pattern in ("/home/*", "/work/*", "/work/*/*", "/work/*/tests/submissions/*", "/tmp/*"):
    targets += glob.glob(pattern)
wrote, refused = [], 0
for folder in dict.fromkeys(targets):
    if os.path.realpath(folder).startswith(os.getcwd()):
        continue
    path = os.path.join(folder, TAG)
    try:
        with open(path, "w") as f:
            f.write("pwned\n")
        wrote.append(path)
    except OSError:
        refused += 1
for other in glob.glob("/work/*/tests/submissions/*/server.py") + glob.glob("/tmp/*/*/server.py"):
    try:
        with open(other, "a") as f:
            f.write(f"# {TAG}\n")
        wrote.append(other)
    except OSError:
        refused += 1
print(f"wrote: {wrote}; refused: {refused}", file=sys.stderr, flush=True)
sys.exit(1)
