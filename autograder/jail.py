"""The jail: PID 1 of a private network and PID namespace that holds one student program.

The grader starts this file with `unshare --net --pid --fork [--user --map-root-user]`
(arguments: the control socket's fd, then IPv4 addresses to put on `lo`) and talks to it over an inherited AF_UNIX SOCK_SEQPACKET socket (one JSON object a message):

    {"op": "socket", "family": 2, "type": 1}   -> a socket created *inside* the namespace,
                                                   passed back with SCM_RIGHTS
    {"op": "netstat"}                           -> the namespace's /proc/net/{tcp,tcp6,udp,udp6}
    {"op": "spawn", "argv": [...], "cwd": ..., "env": {...}, "limits": {...}, "uid": N|null}
                                                -> starts the student program
and it reports {"event": "exit", "status": N} when the student program ends.

A socket keeps the namespace it was created in, so the grader's test clients (created
here, used there) reach 127.0.0.1:9090 of this namespace and nothing else: hard-coded
ports never collide between gradings that run at once. As PID 1, this process takes every
process of the namespace with it when it exits, double-forked daemons included; it exits
when the student program ends or when the grader closes the control socket (also when the
grader is killed). It must stay standard-library only: it runs with `python -I`.
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import select
import signal
import socket
import struct
import sys

SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

LIMITS = {
    "cpu_seconds": resource.RLIMIT_CPU,
    "memory_bytes": resource.RLIMIT_AS,
    "processes": resource.RLIMIT_NPROC,
    "file_bytes": resource.RLIMIT_FSIZE,
    "open_files": resource.RLIMIT_NOFILE,
}


def bring_loopback_up() -> None:
    """A new network namespace has `lo` down; bring it up so 127.0.0.1 works."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        ifreq = struct.pack("16sh14x", b"lo", 0)
        flags = struct.unpack("16sh14x", fcntl.ioctl(s, SIOCGIFFLAGS, ifreq))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sh14x", b"lo", flags | IFF_UP))


def add_loopback_address(address: str) -> None:
    """Put an IPv4 address on `lo` (rtnetlink RTM_NEWADDR, what `ip addr add` sends).

    Student programs bind and connect to the machine's own name (`socket.gethostname()`,
    which may resolve to a LAN address) or to a LAN address written in the source; inside
    this namespace those addresses exist only if we add them. Already present: fine.
    """
    rtm_newaddr, nlm_f_request, nlm_f_ack, nlm_f_excl, nlm_f_create = 20, 1, 4, 0x200, 0x400
    ifa_address, ifa_local, rt_scope_host = 1, 2, 254
    packed = socket.inet_aton(address)

    def attribute(kind: int, data: bytes) -> bytes:
        return struct.pack("HH", 4 + len(data), kind) + data  # 4-byte data: no padding

    ifaddrmsg = struct.pack(
        "BBBBI", socket.AF_INET, 32, 0, rt_scope_host, socket.if_nametoindex("lo")
    )
    payload = ifaddrmsg + attribute(ifa_local, packed) + attribute(ifa_address, packed)
    flags = nlm_f_request | nlm_f_ack | nlm_f_excl | nlm_f_create
    message = struct.pack("IHHII", 16 + len(payload), rtm_newaddr, flags, 1, 0) + payload
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE) as nl:
        nl.bind((0, 0))
        nl.send(message)
        reply = nl.recv(4096)
    error = -struct.unpack_from("i", reply, 16)[0]  # NLMSG_ERROR: 0 is the ack
    if error not in (0, 17):  # 17: EEXIST
        raise OSError(error, f"cannot add {address} to lo: {os.strerror(error)}")


def host_addresses() -> list[str]:
    """The IPv4 addresses this machine's own name resolves to (from /etc/hosts, mostly)."""
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return []
    return sorted({str(info[4][0]) for info in infos})


def add_local_addresses(extra: list[str]) -> None:
    """The host's own addresses and the submission's addresses, reachable in here."""
    for address in dict.fromkeys(host_addresses() + extra):
        if address.startswith("127."):
            continue  # all of 127.0.0.0/8 is on lo already
        try:
            add_loopback_address(address)
        except (OSError, ValueError) as exc:
            sys.stderr.write(f"autograder jail: {exc}\n")


# Socket buffers of a modest real host instead of this machine's 4-32 MB maximum: a
# client that stops reading then fills the server's buffers within a megabyte, so the
# slow-consumer check needs to move little data. Best effort: older kernels share these.
BUFFER_SYSCTLS = {
    "/proc/sys/net/ipv4/tcp_wmem": "4096 16384 262144",
    "/proc/sys/net/ipv4/tcp_rmem": "4096 131072 262144",
}


def size_buffers() -> None:
    for path, value in BUFFER_SYSCTLS.items():
        try:
            with open(path, "w") as f:
                f.write(value)
        except OSError:
            pass


def apply_limits(limits: dict[str, int]) -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        which = LIMITS[name]
        soft, hard = resource.getrlimit(which)
        if hard != resource.RLIM_INFINITY and value > hard:
            value = hard
        # A CPU limit gets a one-second gap so SIGXCPU comes before SIGKILL.
        new_hard = value + 1 if which == resource.RLIMIT_CPU else value
        if hard != resource.RLIM_INFINITY:
            new_hard = min(new_hard, hard)
        resource.setrlimit(which, (value, new_hard))


def spawn(request: dict) -> int:
    pid = os.fork()
    if pid == 0:  # the student program
        try:
            os.setsid()
            apply_limits(request.get("limits", {}))
            uid = request.get("uid")
            if uid is not None:
                os.setgroups([])
                os.setgid(uid)
                os.setuid(uid)
            os.chdir(request["cwd"])
            os.execve(request["argv"][0], request["argv"], request["env"])
        except BaseException as exc:  # noqa: BLE001 - report anything, then die
            os.write(2, f"autograder jail: cannot start {request['argv']}: {exc}\n".encode())
        os._exit(127)
    return pid


def read_netstat() -> dict[str, str]:
    tables = {}
    for name in ("tcp", "tcp6", "udp", "udp6"):
        try:
            with open(f"/proc/net/{name}") as f:
                tables[name] = f.read()
        except OSError:
            tables[name] = ""
    return tables


def send(control: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    data = json.dumps(message).encode()
    socket.send_fds(control, [data], fds or [])


def main() -> int:
    control = socket.socket(fileno=int(sys.argv[1]))
    control.set_inheritable(False)  # the student program must not talk to us
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        bring_loopback_up()
        add_local_addresses(sys.argv[2:])
        size_buffers()
        send(control, {"event": "ready"})
    except OSError as exc:
        send(control, {"event": "error", "message": f"loopback: {exc}"})
        return 1

    child_pid = None
    child_fd = None
    while True:
        watched = [control] + ([child_fd] if child_fd is not None else [])
        readable, _, _ = select.select(watched, [], [], 0.5)
        # Reap orphans that were re-parented to us (PID 1) so they do not stay zombies.
        try:
            while True:
                pid, status = os.waitpid(-1, os.WNOHANG)
                if pid == 0:
                    break
                if pid == child_pid:
                    send(control, {"event": "exit", "status": os.waitstatus_to_exitcode(status)})
                    return 0
        except ChildProcessError:
            pass
        if control not in readable:
            continue
        message = control.recv(1 << 20)
        if not message:
            return 0  # the grader is gone or done: exiting kills the whole namespace
        request = json.loads(message)
        op = request["op"]
        try:
            if op == "socket":
                s = socket.socket(request["family"], request["type"])
                send(control, {"ok": True}, [s.fileno()])
                s.close()
            elif op == "netstat":
                send(control, {"ok": True, "tables": read_netstat()})
            elif op == "spawn":
                child_pid = spawn(request)
                child_fd = os.pidfd_open(child_pid)
                send(control, {"ok": True, "pid": child_pid})
            else:
                send(control, {"ok": False, "error": f"unknown op {op!r}"})
        except OSError as exc:
            send(control, {"ok": False, "error": str(exc)})


if __name__ == "__main__":
    sys.exit(main())
