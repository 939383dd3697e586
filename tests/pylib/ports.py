"""Ports for the servers tests start, without a time-of-check/time-of-use race.

Never probe a port, close it and hand it to a server later: under
`ctest -j` another process takes it in between. Instead:

* vouchd and vouch-registry bind port 0 (the kernel picks a free port) and
  the helpers read the bound address back from their log;
* peers that cannot report a bound port (NSD, Postfix, smtp-sink), and
  worlds in which several hosts must share one port number, get a
  *candidate* port and are started there; when the peer cannot bind it the
  helper raises PortInUse and the caller starts again on a fresh candidate
  (retry()).

Candidates are drawn below the kernel's ephemeral range, so they never
collide with ports the kernel hands out for port-0 binds and outgoing
connections, and each is reserved for the life of the test process with
an flock on a file under /tmp/vouch-test-ports, so two test processes
never draw the same one. Only a program outside the tests can still hold
a candidate; the retry absorbs that. A helper proves that *its* process
holds the socket (holds()), so a peer that failed to bind is never
mistaken for ready because some other server answered on that port.
"""
import fcntl
import os
import random
import re
import time


class PortInUse(RuntimeError):
    """The server could not bind its port: start again on another one."""


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


# Below the ephemeral range and above the usual fixed services.
CANDIDATE_LOW = 20000
CANDIDATE_HIGH = min(_ephemeral_low() - 1, 32767)
_rng = random.Random(os.getpid() ^ int(time.time() * 1e6))


RESERVATIONS = "/tmp/vouch-test-ports"
_held = {}      # port -> the open, locked reservation file


def candidate():
    """A port number to try, reserved for this process (not probed: the
    server's bind is the test)."""
    os.makedirs(RESERVATIONS, mode=0o1777, exist_ok=True)
    for _ in range(1000):
        port = _rng.randint(CANDIDATE_LOW, CANDIDATE_HIGH)
        if port in _held:
            continue
        f = open(os.path.join(RESERVATIONS, str(port)), "a")
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()           # another test process has it
            continue
        _held[port] = f
        return port
    raise RuntimeError("no candidate port left to reserve")


def hold(port, timeout=120):
    """Reserve a fixed port (one the shipped defaults name, such as `make
    run`'s 2525) for this process, waiting while another test process of
    ours holds it."""
    os.makedirs(RESERVATIONS, mode=0o1777, exist_ok=True)
    f = open(os.path.join(RESERVATIONS, str(port)), "a")
    deadline = time.time() + timeout
    while True:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _held[port] = f
            return
        except OSError:
            if time.time() > deadline:
                f.close()
                raise RuntimeError(f"port {port} stayed reserved by another test process")
            time.sleep(0.1)


# A port nothing listens on: connections to it are refused at once
# (tcpmux, never served on these machines). For tests whose peer is down.
CLOSED = 1


def retry(start, attempts=12):
    """Call start(port) with fresh candidates until it does not raise
    PortInUse; return what it returns."""
    last = None
    for _ in range(attempts):
        try:
            return start(candidate())
        except PortInUse as e:
            last = e
    raise RuntimeError(f"no candidate port could be bound in {attempts} attempts: {last}")


def _hex_addr(host, port):
    """The local_address column of /proc/net/{tcp,udp} for an IPv4 host."""
    a = [int(x) for x in host.split(".")]
    return "%02X%02X%02X%02X:%04X" % (a[3], a[2], a[1], a[0], port)


def _socket_inodes(host, port, udp):
    want = _hex_addr(host, port)
    any_addr = _hex_addr("0.0.0.0", port)
    out = set()
    with open("/proc/net/udp" if udp else "/proc/net/tcp") as f:
        next(f)
        for line in f:
            cols = line.split()
            # TCP: only LISTEN (0A); UDP: bound sockets (07 = unconnected)
            if cols[1] in (want, any_addr) and (udp or cols[3] == "0A"):
                out.add(cols[9])
    return out


def _process_tree(pid):
    """pid and its descendants (Postfix's master, NSD's server children)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def holds(pid, host, port, udp=False):
    """True if process pid (or one of its children) holds the listening
    TCP socket (or the bound UDP socket) on host:port."""
    inodes = _socket_inodes(host, port, udp)
    if not inodes:
        return False
    for p in _process_tree(pid):
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                link = os.readlink(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            m = re.fullmatch(r"socket:\[(\d+)\]", link)
            if m and m.group(1) in inodes:
                return True
    return False


BIND_FAILED = re.compile(r"Address already in use|EADDRINUSE|can't bind|cannot bind")


def bind_failed(text):
    """True if a server's log or output says its bind failed."""
    return bool(BIND_FAILED.search(text))
