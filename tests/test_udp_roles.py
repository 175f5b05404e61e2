"""The grader playing a UDP server for a student's client answers from the very address
the client sent to: a connect()ed UDP socket accepts datagrams from that address only.

Run in a subprocess: a SandboxFactory changes the process it lives in (non-dumpable).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.sandbox import namespaces_available

ROOT = Path(__file__).resolve().parent.parent

CLIENT = """\
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.connect(("127.0.0.5", 9090))   # any 127.x address; replies from elsewhere are dropped
sock.send(sys.stdin.readline().strip().encode())
print("got:", sock.recv(100).decode(), flush=True)
"""

ROLE = """\
import json, sys
from pathlib import Path
from autograder.context import CheckContext
from autograder.submission import Submission
from autograder.sandbox import SandboxFactory

folder = Path(sys.argv[1])
factory = SandboxFactory(folder, "netns")
ctx = CheckContext(factory, Submission(folder, folder / "server.py", folder / "client.py", "udp"))
try:
    client = ctx.udp_client()
    client.type("alice")
    first = client.first_datagram()
    client.send("hello back")
    printed = client.wait_printed("got: hello back", timeout=5)
    print(json.dumps({"text": first.text, "local": first.local, "printed": printed}))
finally:
    ctx.close()
    factory.close()
"""


@pytest.mark.skipif(not namespaces_available(), reason="needs network namespaces")
def test_udp_server_role_answers_a_connected_client_from_its_address(tmp_path: Path) -> None:
    (tmp_path / "server.py").write_text("")
    (tmp_path / "client.py").write_text(CLIENT)
    proc = subprocess.run(
        [sys.executable, "-c", ROLE, str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result == {"text": "alice", "local": "127.0.0.5", "printed": True}
