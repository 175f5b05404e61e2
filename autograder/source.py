"""What a submission's source says before it runs: ports, addresses, handshakes, syntax.

Real student programs hard-code where they meet: `client.connect(("localhost", 8080))`,
`server.bind((socket.gethostname(), 44455))`, a LAN address like `"192.168.1.5"`, and a
private handshake (`if message == "NICK": send(nickname)`). The grader reads these from
the source so it can play the server exactly where the student's client connects, put the
student's addresses on the sandbox's loopback, and speak the handshake the client waits
for. Nothing here runs student code: the AST is read, and the syntax check only compiles.
"""

from __future__ import annotations

import ast
import functools
import ipaddress
import json
import os
import platform
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.i18n import Text

PORT_RANGE = range(1024, 65536)
MAX_PORTS = 24  # a bound on listeners the grader opens for one client
# Strings a client compares received text with to decide "the server asks my nickname".
HANDSHAKE = re.compile(r"nick|name|имя|ник|login|логин", re.IGNORECASE)


@dataclass
class SourceFacts:
    """What one program's source tells about where and how it talks."""

    ports: list[int] = field(default_factory=list)  # port-like literals, in source order
    addresses: list[str] = field(default_factory=list)  # IPv4 literals outside 127/8
    handshake_words: list[str] = field(default_factory=list)  # e.g. "NICK"
    binds_port_zero: bool = False  # bind((host, 0)): the kernel picks a random port
    # The program's own framing instead of the course's lines ("json", "length", "header"):
    # it parses what recv() returned as JSON, a binary length, or a fixed-size text header.
    protocol: str | None = None
    protocol_detail: str = ""  # e.g. "4" (bytes of a length prefix), "10" (of a header)
    parsed: bool = True  # False when the grader's Python could not parse it either
    # The source as read before any student program ran: later reads of the copy could
    # meet whatever a running program put there (a link to a file it may not read).
    text: str = ""


def _literal_port(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value in PORT_RANGE:
        return value
    if isinstance(value, str) and value.isdigit() and int(value) in PORT_RANGE:
        return int(value)
    return None


def _literal_address(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        ip = ipaddress.IPv4Address(value.strip())
    except ValueError:
        return None
    if ip.is_loopback or ip.is_unspecified or ip.is_multicast or ip.is_reserved:
        return None
    if ip == ipaddress.IPv4Address("255.255.255.255"):
        return None
    return str(ip)


def _module_constants(tree: ast.Module) -> dict[str, object]:
    """NAME = literal assignments at the top level (PORT = 0, HOST = "...")."""
    found: dict[str, object] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    found[target.id] = node.value.value
    return found


# Words a client compares received text with that are not a handshake.
NOT_HANDSHAKE = {"exit", "quit", "bye", "q", "выход", "/quit", "/exit", ""}


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _name(node: ast.AST) -> str | None:
    """PORT for `PORT` and for `settings.PORT`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _assignments(tree: ast.Module) -> list[tuple[str, ast.expr]]:
    """(name, value) of every `NAME = value` (and `obj.NAME = value`) in the source."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        for target in targets:
            name = _name(target)
            if name:
                found.append((name, value))
    return found


def _binds_port_zero(tree: ast.Module, constants: dict[str, object]) -> bool:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "bind"
            and node.args
            and isinstance(node.args[0], ast.Tuple)
            and len(node.args[0].elts) == 2
        ):
            port = node.args[0].elts[1]
            value = (
                port.value
                if isinstance(port, ast.Constant)
                else constants.get(port.id)
                if isinstance(port, ast.Name)
                else None
            )
            if value == 0 and not isinstance(value, bool):
                return True
    return False


RECV_CALLS = {"recv", "recvfrom"}


def _receivers(tree: ast.Module) -> set[str]:
    """recv itself and the program's own functions that return what recv() read
    (recv_exact(sock, 4))."""
    found = set(RECV_CALLS)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            isinstance(c, ast.Call) and _called(c) in RECV_CALLS for c in ast.walk(node)
        ):
            found.add(node.name)
    return found


def _received_names(tree: ast.Module, receivers: set[str] = RECV_CALLS) -> set[str]:
    """Names given what recv() returned (word = sock.recv(1024).decode().strip())."""
    return {
        name
        for name, value in _assignments(tree)
        if any(isinstance(c, ast.Call) and _called(c) in receivers for c in ast.walk(value))
    }


def _small_recv_sizes(tree: ast.Module) -> list[int]:
    """Sizes below 17 bytes given to recv() or to the program's own receiving function
    (recv(HEADER_LENGTH) with HEADER_LENGTH = 10): a fixed-size header."""
    constants = {
        name: value.value
        for name, value in _assignments(tree)
        if isinstance(value, ast.Constant) and isinstance(value.value, int)
    }
    sizes = []
    receivers = _receivers(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) in receivers and node.args:
            size = node.args[-1] if _called(node) not in RECV_CALLS else node.args[0]
            value = (
                size.value
                if isinstance(size, ast.Constant)
                else constants.get(size.id)
                if isinstance(size, ast.Name)
                else None
            )
            if isinstance(value, int) and not isinstance(value, bool) and 0 < value <= 16:
                sizes.append(value)
    return sizes


STRUCT_SIZES = {"B": 1, "H": 2, "I": 4, "L": 4, "Q": 8}


def own_protocol(tree: ast.Module) -> tuple[str, str] | None:
    """The program's own framing, when it parses what it received as something other than
    text lines: ("json", ""), ("length", "4") for a binary length prefix, ("header", "10")
    for a fixed-size text header holding the length; None for a line-based program."""
    receivers = _receivers(tree)
    received = _received_names(tree, receivers)

    def from_recv(node: ast.AST) -> bool:
        return any(
            (isinstance(n, ast.Name) and n.id in received)
            or (isinstance(n, ast.Call) and _called(n) in receivers)
            for n in ast.walk(node)
        )

    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args or not from_recv(node.args[-1]):
            continue
        called = _called(node)
        if called == "loads" and _name(getattr(node.func, "value", None) or node.func) == "json":
            return "json", ""
        if called in {"unpack", "unpack_from"} or called == "from_bytes":
            size = ""
            first = node.args[0]
            if called != "from_bytes" and isinstance(first, ast.Constant):
                letters = [c for c in str(first.value) if c in STRUCT_SIZES]
                size = str(STRUCT_SIZES[letters[0]]) if len(letters) == 1 else ""
            return "length", size
        if called == "int":
            sizes = _small_recv_sizes(tree)
            if sizes:
                return "header", str(sizes[0])
    return None


def _answered_words(tree: ast.Module) -> list[str]:
    """Words the program waits to receive before it answers: `if word == 'регистрация':`
    on what recv() returned, with input() or a send in its body (its own handshake)."""
    received = _received_names(tree)
    words: list[str] = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare)):
            continue
        test = node.test
        if not any(isinstance(op, ast.Eq) for op in test.ops):
            continue
        sides = [test.left, *test.comparators]
        from_recv = any(
            (isinstance(side, ast.Name) and side.id in received)
            or any(isinstance(c, ast.Call) and _called(c) == "recv" for c in ast.walk(side))
            for side in sides
        )
        answers = any(
            isinstance(c, ast.Call) and _called(c) in {"input", "send", "sendall"}
            for statement in node.body
            for c in ast.walk(statement)
        )
        if not (from_recv and answers):
            continue
        for side in sides:
            if (
                isinstance(side, ast.Constant)
                and isinstance(side.value, str)
                and side.value.strip().casefold() not in NOT_HANDSHAKE
                and len(side.value) <= 40
                and side.value not in words
            ):
                words.append(side.value)
    return words


def _handshake_words(tree: ast.Module) -> list[str]:
    """String literals the program compares received text with, that ask for a nickname
    (or that it waits for before it answers at all)."""
    words = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(
            isinstance(op, (ast.Eq, ast.NotEq)) for op in node.ops
        ):
            for side in (node.left, *node.comparators):
                if (
                    isinstance(side, ast.Constant)
                    and isinstance(side.value, str)
                    and 0 < len(side.value) <= 40
                    and HANDSHAKE.search(side.value)
                    and side.value not in words
                ):
                    words.append(side.value)
    words += [w for w in _answered_words(tree) if w not in words]
    return words


# Calls whose address argument holds a port: bind((HOST, PORT)), connect(ADDR), sendto(b, ADDR).
PORT_CALLS = {"bind", "connect", "connect_ex", "sendto", "create_connection", "create_server"}
# Calls whose numbers are sizes, counts or times, never ports: recv(1024), listen(5).
NOT_PORT_CALLS = {
    "recv",
    "recvfrom",
    "recv_into",
    "recvfrom_into",
    "recvmsg",
    "read",
    "readline",
    "listen",
    "sleep",
    "settimeout",
    "setsockopt",
    "range",
    "join",
    "wait",
}
PORT_NAME = re.compile(r"port", re.IGNORECASE)
# Names whose numbers are sizes, counts or times (RECV_SIZE = 4096, MAX_LINE = 65 * 1024).
NOT_PORT_NAME = re.compile(
    r"size|buf|len|max|limit|count|timeout|backlog|chunk|bytes|clients", re.IGNORECASE
)


@dataclass
class _PortUse:
    """How a program's numbers are used: which are ports, which surely are not."""

    port_names: set[str] = field(default_factory=set)  # names used where a port goes
    port_nodes: set[int] = field(default_factory=set)  # ids of literals where a port goes
    other_names: set[str] = field(default_factory=set)  # names given to recv(), listen()...
    other_nodes: set[int] = field(default_factory=set)  # ids of literals given to them


def _values(node: ast.AST) -> list[ast.Constant]:
    """The literals an expression may evaluate to: PORT or 9090, int("5050"); not an
    index (sys.argv[1]) or a comparison's operand (len(sys.argv) > 2)."""
    if isinstance(node, ast.Constant):
        return [node]
    if isinstance(node, (ast.Subscript, ast.Compare)):
        return []
    if isinstance(node, ast.IfExp):
        return _values(node.body) + _values(node.orelse)
    return [c for child in ast.iter_child_nodes(node) for c in _values(child)]


def _port_use(tree: ast.Module) -> _PortUse:
    use = _PortUse()
    assigned = _assignments(tree)
    addresses: list[ast.expr] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = _called(node)
        if called in PORT_CALLS and node.args:
            at = 1 if called == "sendto" and len(node.args) > 1 else 0
            addresses.append(node.args[at])
        elif called in NOT_PORT_CALLS:
            for arg in node.args:
                if isinstance(arg, ast.Constant):
                    use.other_nodes.add(id(arg))
                elif _name(arg):
                    use.other_names.add(str(_name(arg)))
    for address in list(addresses):  # ADDR = (HOST, PORT); connect(ADDR)
        if _name(address):
            addresses += [
                v for n, v in assigned if n == _name(address) and isinstance(v, ast.Tuple)
            ]
    for address in addresses:
        if isinstance(address, ast.Tuple) and len(address.elts) >= 2:
            port = address.elts[1]  # PORT, int(PORT), PORT or 9090, 9090
            use.port_nodes |= {id(c) for c in _values(port)}
            use.port_names |= {
                str(_name(n)) for n in ast.walk(port) if isinstance(n, (ast.Name, ast.Attribute))
            }
    for name, value in assigned:
        if name in use.port_names or PORT_NAME.search(name):
            use.port_names.add(name)
            use.port_nodes |= {id(c) for c in _values(value)}
        elif name in use.other_names or NOT_PORT_NAME.search(name):
            use.other_nodes |= {id(c) for c in ast.walk(value) if isinstance(c, ast.Constant)}
    return use


def _any_port(value: object) -> int | None:
    """A number that is a port when the code uses it as one (below 1024 too)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    return value if isinstance(value, int) and 0 < value < 65536 else None


def _ports(tree: ast.Module, use: _PortUse) -> list[int]:
    """The numbers used as ports, in source order: every literal where a port goes (below
    1024 too), and any other port-sized literal not given to recv(), listen() and the like."""
    ports: list[int] = []
    constants = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Constant)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in constants:
        if id(node) in use.port_nodes:
            port = _any_port(node.value)
        elif id(node) in use.other_nodes:
            port = None
        else:
            port = _literal_port(node.value)
        if port is not None and port not in ports:
            ports.append(port)
    return ports


def _local_modules(tree: ast.Module, folder: Path) -> list[Path]:
    """The submission's own modules the program imports (config.py, settings.py): plain
    files in its folder, never a link out of it."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.append(node.module.split(".")[0])
    found = []
    for name in dict.fromkeys(names):
        candidate = folder / f"{name}.py"
        if not candidate.is_symlink() and candidate.is_file():
            found.append(candidate)
    return found


def _module_ports(path: Path, wanted: set[str]) -> list[int]:
    """Ports an imported module of the submission defines: its literals assigned to a
    name the importer uses as a port, or whose name says port (PORT, SERVER_PORT)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError):
        return []
    ports: list[int] = []
    for name, value in _assignments(tree):
        if name in wanted or PORT_NAME.search(name):
            for constant in _values(value):
                port = _any_port(constant.value)
                if port is not None and port not in ports:
                    ports.append(port)
    return ports


def scan_source(path: Path | None) -> SourceFacts:
    """Read one program's source for ports, addresses and handshakes (never runs it)."""
    if path is None:
        return SourceFacts()
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return SourceFacts(parsed=False)
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        # Newer syntax than ours, or a plain error: digits and quoted addresses still tell.
        ports = [int(m) for m in re.findall(r"\b(\d{4,5})\b", text) if int(m) in PORT_RANGE]
        addresses = [
            a for a in (_literal_address(m) for m in re.findall(r"['\"]([\d.]+)['\"]", text)) if a
        ]
        return SourceFacts(
            list(dict.fromkeys(ports))[:MAX_PORTS],
            list(dict.fromkeys(addresses)),
            parsed=False,
            text=text,
        )
    facts = SourceFacts(text=text)
    constants = _module_constants(tree)
    constants_in_order = sorted(
        (n for n in ast.walk(tree) if isinstance(n, ast.Constant)),
        key=lambda n: (n.lineno, n.col_offset),
    )
    for node in constants_in_order:
        if isinstance(node, ast.Constant):
            address = _literal_address(node.value)
            if address is not None and address not in facts.addresses:
                facts.addresses.append(address)
    use = _port_use(tree)
    facts.ports = _ports(tree, use)
    for module in _local_modules(tree, path.parent):
        if module.name != path.name:
            facts.ports += [
                p for p in _module_ports(module, use.port_names) if p not in facts.ports
            ]
    facts.ports = facts.ports[:MAX_PORTS]
    facts.binds_port_zero = _binds_port_zero(tree, constants)
    framing = own_protocol(tree)
    if framing is not None:
        facts.protocol, facts.protocol_detail = framing
    facts.handshake_words = _handshake_words(tree)
    return facts


# --- syntax, as the student's interpreter sees it ----------------------------------------
@dataclass(frozen=True)
class SyntaxProblem:
    """A file the student's Python cannot compile, and what would accept it."""

    filename: str
    lineno: int | None
    message: str
    text: str  # the offending line
    python: str = ""  # the version of the student's interpreter, e.g. "3.11.2"
    accepted_by: str | None = None  # "Python 3.12" when a newer interpreter compiles it
    feature: Text | None = None  # the newer syntax recognised, e.g. the `type` statement


_COMPILE = (
    "import json, sys\n"
    "path = sys.argv[1]\n"
    "try:\n"
    "    compile(open(path, 'rb').read(), path, 'exec', dont_inherit=True)\n"
    "    print(json.dumps(None))\n"
    "except SyntaxError as e:\n"
    "    print(json.dumps([e.lineno, e.msg, (e.text or '').rstrip()]))\n"
)


class _Unknown(Exception):
    """The interpreter could not be asked (not the student's fault)."""


def _is_this_python(python: str) -> bool:
    """Is `python` the very interpreter the grader runs on (its base, outside a venv)?
    Then its answers are the grader's own, no process needed (~0.1 s each on a loaded
    machine)."""
    base = getattr(sys, "_base_executable", "") or sys.executable
    try:
        return os.path.realpath(python) == os.path.realpath(base)
    except OSError:
        return False


def _same_grammar(python: str) -> bool:
    """Does `python` parse as the grader's own does (the same 3.x: patch releases do not
    change the grammar)?"""
    if _is_this_python(python):
        return True
    version = python_version(python)
    return bool(version) and _version_key(version) == sys.version_info[:2]


def _compile_with(python: str, path: Path) -> tuple[int | None, str, str] | None:
    """None when `python` compiles the file, else (line, message, text of the line)."""
    if _same_grammar(python):  # compiling runs nothing: the AST is read here anyway
        try:
            compile(path.read_bytes(), str(path), "exec", dont_inherit=True)
        except SyntaxError as e:
            return (e.lineno, str(e.msg), (e.text or "").rstrip())
        except (OSError, ValueError, MemoryError, RecursionError) as exc:
            raise _Unknown(str(exc)) from exc
        return None
    try:
        proc = subprocess.run(
            [python, "-I", "-c", _COMPILE, str(path)],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError) as exc:
        raise _Unknown(str(exc)) from exc
    if result is None:
        return None
    return (int(result[0]) if result[0] is not None else None, str(result[1]), str(result[2]))


@functools.lru_cache(maxsize=32)
def ask_interpreter(python: str, code: str) -> str:
    """What `python -I -c code` prints ('' if it cannot be run)."""
    try:
        proc = subprocess.run(
            [python, "-I", "-c", code], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout.strip()


def python_version(python: str) -> str:
    """'3.11.2' for an interpreter path ('' if it cannot be run)."""
    if _is_this_python(python):
        return platform.python_version()
    return ask_interpreter(python, "import platform; print(platform.python_version())")


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", version)[:2])


def _is_program(path: str) -> bool:
    """A real interpreter, not a shim script: pyenv's shims start a shell and pyenv's own
    resolution on every call, 2 to 6 s on a loaded machine, for each version asked."""
    try:
        with open(path, "rb") as f:
            return f.read(4) == b"\x7fELF"
    except OSError:
        return False


def _interpreter_candidates() -> list[str]:
    """Python interpreters on this machine: on PATH, and pyenv's installed versions."""
    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [sys.executable]
    for minor in range(10, 21):
        candidates.append(shutil.which(f"python3.{minor}") or "")
        candidates += sorted(str(p) for p in pyenv.glob(f"versions/3.{minor}*/bin/python3.{minor}"))
    return [
        c for c in candidates if c and os.access(c, os.X_OK) and _is_program(os.path.realpath(c))
    ]


@functools.lru_cache(maxsize=8)
def newer_pythons(than: str) -> list[tuple[str, str]]:
    """(path, version) of interpreters on this machine newer than `than`, oldest first (the
    first that accepts a file is the version a report names)."""
    found: dict[str, str] = {}
    for candidate in _interpreter_candidates():
        real = os.path.realpath(candidate)
        if real in found:
            continue
        version = python_version(candidate)
        if version and _version_key(version) > _version_key(than):
            found[real] = version
    return sorted(found.items(), key=lambda pv: _version_key(pv[1]))


# Syntax that newer Pythons accept, recognised on the offending line: (pattern, what, since).
NEWER_SYNTAX = (
    (
        re.compile(r"^\s*type\s+\w+\s*(\[[^\]]*\])?\s*="),
        Text("оператор type для псевдонима типа", "the `type` alias statement"),
        "3.12",
    ),
    (
        re.compile(r"^\s*(def|class)\s+\w+\s*\["),
        Text("параметры типа [T]", "type parameters `[T]`"),
        "3.12",
    ),
    (re.compile(r"\bexcept\s*\*"), Text("except*", "`except*`"), "3.11"),
    (
        re.compile(r"""f(['"]).*\{[^}]*\1[^}]*\}.*\1"""),
        Text("кавычки того же вида внутри f-строки", "quotes of the same kind inside an f-string"),
        "3.12",
    ),
)


def recognise_newer_syntax(line: str, version: str) -> tuple[Text, str] | None:
    """(feature, since) when `line` uses syntax newer than `version`."""
    for pattern, feature, since in NEWER_SYNTAX:
        if pattern.search(line) and _version_key(since) > _version_key(version):
            return feature, since
    return None


def check_syntax(python: str, path: Path) -> SyntaxProblem | None:
    """Compile `path` with the student's interpreter; say what would accept it if it fails."""
    try:
        error = _compile_with(python, path)
    except _Unknown:
        return None  # the programs' own start will report whatever is wrong
    if error is None:
        return None
    lineno, message, text = error
    version = python_version(python)
    accepted_by = None
    for newer, newer_version in newer_pythons(version):
        try:
            if _compile_with(newer, path) is None:
                accepted_by = f"Python {'.'.join(newer_version.split('.')[:2])}"
                break
        except _Unknown:
            continue
    recognised = recognise_newer_syntax(text, version)
    feature = None
    if recognised:
        feature = recognised[0]
        accepted_by = accepted_by or f"Python {recognised[1]}"
    return SyntaxProblem(path.name, lineno, message, text, version, accepted_by, feature)
