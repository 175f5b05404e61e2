"""Running untrusted student programs: isolation, limits, output capture, teardown.

A `Sandbox` holds one student program (a server or a console client) and everything the
grader needs to talk to it:

* `NamespaceSandbox` (preferred): the program runs as PID 1's child in a private network,
  PID and mount namespace (see `jail.py`, its PID 1). Hard-coded port 9090 works even when many
  gradings run at once, nothing reaches beyond loopback, the program sees no file but its
  own copy of the submission and a read-only Python runtime, and tearing down the
  namespace takes every process with it, daemons included.
* `PortSandbox` (fallback where `unshare` is not allowed): a free port passed with
  `--port` and `CHAT_PORT`, a new session, the process tree tracked with psutil. Files
  are guarded only by ownership: the copy belongs to this grading's own uid, mode 0700.

Both give the program a minimal environment (no secret of the grader's leaks), resource
limits, a stdin pipe nobody types on unless a check does, and stdout/stderr captured with
a bounded tail. `close()` always leaves nothing running. `Walls` says which of these
walls stood for a grading; the report shows it.

The package, by seam: `base` (a sandbox, its errors and limits), `output` (bounded output
tails), `student` (the student's interpreter, uid, copy and environment), `locks` (lock
files shared by gradings), `namespace` and `ports` (the two kinds), `factory` (one
grading's sandboxes), and `jail.py`, the program that is PID 1 of a namespace.
"""

from autograder.sandbox.base import Limits, Sandbox, SandboxError
from autograder.sandbox.factory import SandboxFactory
from autograder.sandbox.locks import ROOT_LOCKS, PortLock, open_lock_file
from autograder.sandbox.namespace import NamespaceSandbox, namespaces_available
from autograder.sandbox.ports import PortSandbox, free_port
from autograder.sandbox.student import (
    GRADING_UIDS,
    NOBODY,
    minimal_environment,
    runtime_dirs,
    student_python,
)

__all__ = [
    "GRADING_UIDS",
    "NOBODY",
    "ROOT_LOCKS",
    "Limits",
    "NamespaceSandbox",
    "PortLock",
    "PortSandbox",
    "Sandbox",
    "SandboxError",
    "SandboxFactory",
    "free_port",
    "minimal_environment",
    "namespaces_available",
    "open_lock_file",
    "runtime_dirs",
    "student_python",
]
