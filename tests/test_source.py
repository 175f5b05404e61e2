"""Reading a submission's source before it runs: ports, addresses, handshakes, syntax."""

from __future__ import annotations

import sys
from pathlib import Path

from autograder.source import check_syntax, recognise_newer_syntax, scan_source


def write(tmp_path: Path, text: str, name: str = "prog.py") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_port_literals_are_found_in_tuples_constants_and_strings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "import socket\nPORT = 8080\ns = socket.socket()\n"
        "s.connect(('localhost', 44455))\nDEFAULT = '9091'\nbuf = s.recv(1024)\n",
    )
    facts = scan_source(path)
    assert facts.ports[:3] == [8080, 44455, 9091]
    assert 1024 not in facts.ports  # recv()'s buffer size is not a port
    assert 80 not in scan_source(write(tmp_path, "x = 80\n", "b.py")).ports


def test_only_numbers_used_as_ports_count_below_1024_too(tmp_path: Path) -> None:
    source = (
        "import sys\nPORT = 777\nBUFFER = 1024\nsock.bind(('', PORT))\n"
        "sock.connect(('example', 80))\nsock.listen(2048)\ndata = sock.recv(BUFFER)\n"
        "ARGV_PORT = int(sys.argv[1])\n"
    )
    assert scan_source(write(tmp_path, source)).ports == [777, 80]


def test_ports_come_from_the_submissions_own_modules_it_imports(tmp_path: Path) -> None:
    write(tmp_path, "HOST = '127.0.0.1'\nPORT = 5050\nBUFFER = 1024\n", "config.py")
    write(tmp_path, "SERVER_ADDR = 12345\n", "settings.py")
    client = write(
        tmp_path,
        "import settings\nfrom config import HOST, PORT, BUFFER\n"
        "sock.connect((HOST, PORT))\nsock.connect(('h', settings.SERVER_ADDR))\n"
        "sock.recv(BUFFER)\n",
        "client.py",
    )
    assert scan_source(client).ports == [12345, 5050]  # in import order


def test_a_link_out_of_the_folder_is_not_read_for_ports(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "config.py").write_text("PORT = 5050\n")
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "config.py").symlink_to(outside / "config.py")
    client = write(folder, "from config import PORT\nsock.connect(('h', PORT))\n", "client.py")
    assert scan_source(client).ports == []


def test_lan_addresses_are_found_but_loopback_and_any_are_not(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "HOST = '192.168.1.5'\nA = '127.0.0.1'\nB = '0.0.0.0'\nC = 'not an address'\n",
    )
    assert scan_source(path).addresses == ["192.168.1.5"]


def test_a_handshake_word_the_client_waits_for_is_found(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "msg = sock.recv(1024).decode()\n"
        "if msg == 'NICK':\n    sock.send(nick.encode())\n"
        "elif msg == 'exit':\n    pass\n",
    )
    assert scan_source(path).handshake_words == ["NICK"]


def test_a_word_the_client_waits_for_before_it_answers_is_a_handshake(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "while True:\n    word = sock.recv(1024).decode().strip()\n"
        "    if word == 'регистрация':\n        name = input()\n        sock.sendall(name.encode())\n"
        "        break\n    if word == 'exit':\n        sock.send(b'bye')\n"
        "line = input()\nif line == 'hello':\n    sock.send(b'x')\n",
    )
    assert scan_source(path).handshake_words == ["регистрация"]


def test_binding_port_zero_directly_or_through_a_constant_is_random(tmp_path: Path) -> None:
    direct = write(tmp_path, "s.bind(('127.0.0.1', 0))\n", "a.py")
    named = write(tmp_path, "PORT = 0\ns.bind((HOST, PORT))\n", "b.py")
    fixed = write(tmp_path, "PORT = 44455\ns.bind((HOST, PORT))\n", "c.py")
    assert scan_source(direct).binds_port_zero and scan_source(named).binds_port_zero
    assert not scan_source(fixed).binds_port_zero


def test_a_file_the_grader_cannot_parse_still_yields_ports_and_addresses(tmp_path: Path) -> None:
    path = write(tmp_path, "type X = int\nHOST = '10.0.0.7'\nPORT = 5050\nwhile True\n")
    facts = scan_source(path)
    assert not facts.parsed and 5050 in facts.ports and facts.addresses == ["10.0.0.7"]


def test_newer_syntax_is_recognised_only_when_the_students_python_lacks_it() -> None:
    feature, since = recognise_newer_syntax("type Clients = dict[str, int]", "3.11.2") or (None, "")
    assert feature is not None and since == "3.12"
    assert recognise_newer_syntax("type Clients = dict[str, int]", "3.12.1") is None
    assert recognise_newer_syntax("def f[T](x: T) -> T:", "3.11.9") is not None
    assert recognise_newer_syntax("clients = {}", "3.11.2") is None


def test_check_syntax_uses_the_given_interpreter_and_names_the_newer_syntax(
    tmp_path: Path,
) -> None:
    good = write(tmp_path, "x = 1\n", "good.py")
    assert check_syntax(sys.executable, good) is None
    bad = write(tmp_path, "x = (\n", "bad.py")
    problem = check_syntax(sys.executable, bad)
    assert problem is not None and problem.filename == "bad.py" and problem.accepted_by is None
    if sys.version_info < (3, 12):
        newer = write(tmp_path, "type Address = tuple[str, int]\n", "newer.py")
        problem = check_syntax(sys.executable, newer)
        assert problem is not None and problem.lineno == 1
        assert problem.accepted_by == "Python 3.12" and problem.feature is not None


def test_a_program_that_parses_what_it_receives_speaks_its_own_protocol(tmp_path: Path) -> None:
    cases = {
        "data = conn.recv(4096)\npacket = json.loads(data.decode())\n": ("json", ""),
        "def recv_exact(s, n):\n    return s.recv(n)\n"
        "head = recv_exact(conn, 4)\n(n,) = struct.unpack('!I', head)\n": ("length", "4"),
        "HEADER = 10\nh = conn.recv(HEADER)\nsize = int(h.decode().strip())\n": ("header", "10"),
        # lines, and JSON read from a file, are not a protocol of its own
        "data = conn.recv(1024)\nfor line in data.split(b'\\n'):\n    n = int(line)\n": None,
        "history = json.load(open('h.json'))\ndata = conn.recv(1024)\n": None,
    }
    for n, (source, protocol) in enumerate(cases.items()):
        facts = scan_source(write(tmp_path, source, f"p{n}.py"))
        found = (facts.protocol, facts.protocol_detail) if facts.protocol else None
        assert found == protocol, source


def test_the_course_programs_speak_lines() -> None:
    root = Path(__file__).parent.parent
    for program in [*root.glob("solutions/0*/*.py"), *root.glob("lessons/0*/*.py")]:
        assert scan_source(program).protocol is None, program


def test_a_size_or_a_count_in_a_named_constant_is_no_port(tmp_path: Path) -> None:
    """The starters' RECV_SIZE = 4096 and MAX_LINE = 64 * 1024 + 1024 are sizes, even where
    the TODO that uses them is not written yet; a name with "port" in it still counts."""
    program = tmp_path / "client.py"
    program.write_text(
        "RECV_SIZE = 4096\nMAX_LINE = 64 * 1024 + 1024\nBACKLOG = 5000\n"
        "CHAT_PORT = 5050\nsock.connect(('127.0.0.1', 9090))\n"
    )
    assert scan_source(program).ports == [5050, 9090]
