"""Shared pieces of vouch's benchmarks: where things are, the machine's
description, an fsync probe, CPU and memory of server processes read from
/proc, the two servers set up for benchmarking, Postfix's smtp-source and
smtp-sink, and a tee for raw output.

Every figure a benchmark prints comes from a measurement made in that run.
"""
import datetime
import glob
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SOURCE = os.path.abspath(os.path.join(BENCH, ".."))
BUILD = os.environ.get("VOUCH_BUILD", os.path.join(SOURCE, "build"))
os.environ.setdefault("VOUCH_BUILD", BUILD)
os.environ.setdefault("VOUCH_SOURCE", SOURCE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "pylib"))

import paths  # noqa: E402
from postfix import Postfix  # noqa: E402
import ports  # noqa: E402
from vouchd import Vouchd  # noqa: E402

SMTP_SOURCE = "/usr/sbin/smtp-source"
SMTP_SINK = "/usr/sbin/smtp-sink"
SMTP_LATENCY = os.path.join(BUILD, "bench", "smtp-latency")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")
DOMAIN = "test.example"
# smtp-source names recipients bench@, 2bench@, ... 10bench@.
RCPT_USERS = ["bench"] + [f"{n}bench" for n in range(2, 11)]


def check_tools():
    missing = [p for p in (paths.VOUCHD, SMTP_LATENCY, SMTP_SOURCE) if not os.access(p, os.X_OK)]
    if missing:
        sys.exit("missing: " + ", ".join(missing) + "\nbuild first: cmake -S . -B build && "
                 "cmake --build build -j2 (smtp-source is in Debian's postfix package)")
    if os.geteuid() != 0:
        sys.exit("run as root: Postfix's master and vouchd's privilege drop need it")


def workdir(tag):
    """A fresh folder under /tmp that vouchd's unprivileged user can reach."""
    d = tempfile.mkdtemp(prefix=f"vouch-bench-{tag}-", dir="/tmp")
    os.chmod(d, 0o755)
    return d


class Tee:
    """print() to stdout and to the raw results file."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.f = open(path, "w")
        self.path = path

    def __call__(self, *args):
        line = " ".join(str(a) for a in args)
        print(line, flush=True)
        self.f.write(line + "\n")
        self.f.flush()

    def close(self):
        self.f.close()


def results_path(name):
    day = datetime.date.today().isoformat()
    return os.path.join(BENCH, "results", f"{day}-{name}.txt")


# the machine ----------------------------------------------------------------
def _read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


def disk_of(path):
    """(device, fstype, options, description) of the filesystem holding path."""
    best = ("?", "?", "?")
    st_dev = os.stat(path).st_dev
    for line in _read("/proc/self/mounts").splitlines():
        dev, mnt, fstype, opts = line.split()[:4]
        try:
            if os.stat(mnt).st_dev == st_dev and dev.startswith("/dev/"):
                best = (dev, fstype, opts)
        except OSError:
            continue
    name = os.path.basename(best[0])
    base = name if os.path.exists(f"/sys/block/{name}") else re.sub(r"p?\d+$", "", name)
    driver = os.path.basename(os.path.realpath(f"/sys/block/{base}/device/driver")) \
        if os.path.exists(f"/sys/block/{base}/device/driver") else "?"
    rot = _read(f"/sys/block/{base}/queue/rotational", "?")
    desc = f"driver {driver}, rotational flag {rot}"
    if best[1] == "ext4":
        journal = any(e.startswith(name) for e in os.listdir("/proc/fs/jbd2")) \
            if os.path.isdir("/proc/fs/jbd2") else False
        desc += ", ext4 " + ("with" if journal else "without") + " a journal"
    return best[0], best[1], best[2], desc


def start_report(out, title, root):
    """The head of every raw output: the command, the machine, an fsync probe."""
    out(f"# {title}", " ".join(sys.argv[1:]))
    for k, v in machine(root).items():
        out(f"machine {k}: {v}")
    out("fsync probe (start):", fsync_probe(root))


def rotate(items, k):
    """items starting at k % len: the servers take turns going first."""
    k %= len(items)
    return items[k:] + items[:k]


def machine(path):
    cpu = "?"
    for line in _read("/proc/cpuinfo").splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem = _read("/proc/meminfo").splitlines()[0].split()[1]
    dev, fstype, opts, kind = disk_of(path)
    pf = subprocess.run(["postconf", "-dh", "mail_version"], capture_output=True, text=True)
    git = subprocess.run(["git", "-C", SOURCE, "describe", "--always"],
                         capture_output=True, text=True)
    # Local changes, not counting the results this run is writing.
    dirty = subprocess.run(["git", "-C", SOURCE, "diff", "--quiet", "HEAD", "--", ".",
                            ":(exclude)bench/results"]).returncode != 0
    return {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(int(mem) / 1024 / 1024, 1),
        "kernel": platform.release(),
        "disk": f"{dev} ({kind}), mounted {fstype} {opts}",
        "postfix": pf.stdout.strip(),
        "vouch": git.stdout.strip() + (" with local changes" if dirty else ""),
        "load": _read("/proc/loadavg"),
    }


def fsync_probe(dirpath, n=100):
    """Latency (ms) of fsync of a 4 KiB file, and of the whole durable-write
    sequence (create, write, fsync, rename, fsync directory), n times each."""
    d = tempfile.mkdtemp(prefix="fsync-probe-", dir=dirpath)
    data = b"x" * 4096
    plain, full = [], []
    try:
        dfd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
        for i in range(n):
            p = os.path.join(d, f"p{i}")
            fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, data)
            t = time.perf_counter()
            os.fsync(fd)
            plain.append((time.perf_counter() - t) * 1000)
            os.close(fd)
            t = time.perf_counter()
            q = os.path.join(d, f"t{i}")
            fd = os.open(q, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.write(fd, data)
            os.fsync(fd)
            os.close(fd)
            os.rename(q, os.path.join(d, f"r{i}"))
            os.fsync(dfd)
            full.append((time.perf_counter() - t) * 1000)
        os.close(dfd)
    finally:
        shutil.rmtree(d, ignore_errors=True)
    return {"fsync_p50_ms": pct(plain, 50), "fsync_p90_ms": pct(plain, 90),
            "durable_write_p50_ms": pct(full, 50), "durable_write_p90_ms": pct(full, 90)}


def pct(values, p):
    if not values:
        return 0.0
    v = sorted(values)
    return round(v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))], 3)


def spread(values):
    """'median (min-max)' of a list of numbers."""
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt(med)
    return f"{fmt(med)} ({fmt(min(values))}-{fmt(max(values))})"


def fmt(x):
    if x >= 100:
        return f"{x:.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


# /proc ------------------------------------------------------------------------
def _stat(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid, children=False):
    """utime+stime of pid (all its threads), plus its reaped children's
    time if children (a process that exits is counted by its parent)."""
    try:
        f = _stat(pid)
    except OSError:
        return 0.0
    ticks = int(f[11]) + int(f[12])
    if children:
        ticks += int(f[13]) + int(f[14])
    return ticks / CLK_TCK


def rss_kib(pid):
    try:
        for line in _read(f"/proc/{pid}/status").splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def pss_kib(pid):
    """Proportional set size: shared pages divided among their users."""
    for line in _read(f"/proc/{pid}/smaps_rollup").splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1])
    return 0


def fd_targets(pid):
    """What each open descriptor is (sockets, files), for reports."""
    out = []
    try:
        for fd in sorted(os.listdir(f"/proc/{pid}/fd"), key=int):
            try:
                out.append(f"{fd}->{os.readlink(f'/proc/{pid}/fd/{fd}')}")
            except OSError:
                pass
    except OSError:
        pass
    return out


def open_fds(pid):
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


# the servers ----------------------------------------------------------------
class Server:
    """A benchmark view of one server: port, CPU, memory, queue."""
    name = "?"

    def cpu(self):
        raise NotImplementedError

    def queued(self):
        raise NotImplementedError

    def wait_drained(self, timeout=300):
        """Wait until nothing is left in the queue; returns seconds waited."""
        t = time.time()
        while time.time() - t < timeout:
            if self.queued() == 0:
                return time.time() - t
            time.sleep(0.1)
        raise RuntimeError(f"{self.name}: queue not drained after {timeout} s "
                           f"({self.queued()} files left)")


class VouchdServer(Server):
    """vouchd with the benchmark's mailboxes: discard=1 ones (delivery as
    Postfix's discard transport) or, with maildir=True, real Maildirs.
    aliases: {address: target} written to an alias table (e.g. to forward
    to a remote domain, with the relayhost setting)."""
    name = "vouchd"

    def __init__(self, root, settings=None, maildir=False, aliases=None, host="127.0.0.1"):
        os.makedirs(root, exist_ok=True)
        users = os.path.join(root, "users")
        with open(users, "w") as f:
            for u in RCPT_USERS:
                f.write(f"{u}@{DOMAIN}{'' if maildir else ' discard=1'}\n")
        if maildir:
            self.name = "vouchd-maildir"
        s = {"users": users, "log_level": "info", "domains": DOMAIN,
             "max_connections": 20000, "max_connections_per_ip": 20000}
        if aliases:
            s["aliases"] = os.path.join(root, "aliases")
            with open(s["aliases"], "w") as f:
                for addr, target in aliases.items():
                    f.write(f"{addr}: {target}\n")
        s.update(settings or {})
        self.v = Vouchd(root, settings=s, host=host)
        self.host, self.port = self.v.host, None     # port 0: known once started

    def start(self):
        self.v.start()
        self.pid = self.v.pid
        self.port = self.v.port
        return self

    def stop(self):
        self.v.stop()

    def cpu(self):
        return cpu_seconds(self.pid)

    def queued(self):
        active, tmp = self.v.queue_files()
        return len(active) + len(tmp)

    def status(self):
        out = {}
        for line in self.v.ctl("status").stdout.splitlines():
            k, _, val = line.partition(" ")
            out[k] = val
        return out

    def rss_kib(self):
        return rss_kib(self.pid)


class PostfixServer(Server):
    """A private Postfix: role "discard" (acceptance benchmarks) or "relay"
    (everything to relayhost, e.g. "[127.0.0.1]:2525")."""
    name = "postfix"

    def __init__(self, root, process_limit=None, main=None, role="discard", relayhost=None,
                 host="127.0.0.1"):
        self.p = Postfix(root, role=role, domains=(DOMAIN,), relayhost=relayhost, host=host,
                         process_limit=process_limit, main=main)
        self.host, self.port = self.p.host, self.p.port

    def start(self):
        self.p.start()
        self.port = self.p.port      # a fresh candidate if the first was taken
        return self

    def stop(self):
        self.p.cleanup()

    def cpu(self):
        """The master, its live children, and the children it has reaped."""
        master = self.p.master_pid()
        total = cpu_seconds(master, children=True)
        for pid in self.p.pids():
            if pid != master:
                total += cpu_seconds(pid)
        return total

    def queued(self):
        n = 0
        for q in ("maildrop", "incoming", "active", "deferred", "hold"):
            for _, _, files in os.walk(os.path.join(self.p.queue_dir, q)):
                n += len(files)
        return n

    def smtpd_pids(self):
        return [pid for pid, name in self.p.processes().items() if name == "smtpd"]


def smtp_source(srv, sessions, messages, size, rcpts, timeout=900, to=f"bench@{DOMAIN}"):
    """Postfix's smtp-source against srv: returns seconds taken."""
    secs, rc, _, se = run([SMTP_SOURCE, "-s", str(sessions), "-m", str(messages),
                           "-l", str(size), "-r", str(rcpts), "-f", "sender@bench.invalid",
                           "-t", to, "-M", "client.bench.invalid",
                           f"{srv.host}:{srv.port}"], timeout=timeout)
    if rc != 0:
        raise RuntimeError(f"smtp-source against {srv.name} failed ({rc}): {se.strip()}")
    return secs


class SmtpSink:
    """Postfix's smtp-sink on host:port, throwing mail away and counting it.
    Its running counters (-c: "sess=N quit=N mesg=N", one update per
    session end, QUIT and final ".") are read by a thread, so a benchmark
    can wait for the moment a number of messages has arrived.

    counting=False leaves -c out: a sink that only measures the load
    generator's ceiling. The counters cost smtp-sink half its rate (a
    terminal update per event, read here through a pipe): measured with
    them, the "ceiling" was below vouchd's own rate (bench/dkim/accept,
    2026-12-02: 306 msg/s against vouchd's 1074), so it showed the sink,
    not the generator."""

    def __init__(self, host, port=None, max_sessions=1000, counting=True):
        self.host = host
        self.counting = counting
        self.fixed_port = port is not None
        self.port = port or ports.candidate()    # smtp-sink cannot report a port-0 bind
        self.max_sessions = max_sessions
        self.messages = self.sessions = 0
        self.last_change = time.perf_counter()
        self._cond = threading.Condition()

    def start(self, timeout=10):
        for _ in range(12):
            try:
                return self._start_once(timeout)
            except ports.PortInUse:
                if self.fixed_port:
                    raise
                self.port = ports.candidate()
        raise RuntimeError("smtp-sink could not bind any candidate port")

    def _start_once(self, timeout):
        self.proc = subprocess.Popen([SMTP_SINK] + (["-c"] if self.counting else []) +
                                     ["-u", "nobody", "-m", str(self.max_sessions),
                                      f"{self.host}:{self.port}", "1024"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid
        self.tail = b""
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.time() + timeout
        while True:     # ready when its own process holds the listening socket
            if ports.holds(self.proc.pid, self.host, self.port):
                return self
            if self.proc.poll() is not None:
                self._reader.join(timeout=5)
                tail = self.tail.decode(errors="replace")
                if ports.bind_failed(tail):
                    raise ports.PortInUse(tail)
                raise RuntimeError(f"smtp-sink on {self.host}:{self.port} exited: {tail}")
            if time.time() > deadline:
                raise RuntimeError(f"smtp-sink on {self.host}:{self.port} did not start: "
                                   f"{self.tail.decode(errors='replace')}")
            time.sleep(0.05)

    def _read(self):
        fd = self.proc.stdout.fileno()
        while True:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            now = time.perf_counter()
            self.tail = (self.tail + chunk)[-4096:]
            m = re.findall(rb"sess=(\d+) quit=\d+ mesg=(\d+)", self.tail)
            if m:
                with self._cond:
                    sess, mesg = int(m[-1][0]), int(m[-1][1])
                    if mesg != self.messages:
                        self.last_change = now
                    self.sessions, self.messages = sess, mesg
                    self._cond.notify_all()

    def wait_messages(self, n, timeout):
        """Wait until n messages have arrived in all; returns the
        perf_counter time of the counter update that reached n, or None on
        timeout."""
        deadline = time.perf_counter() + timeout
        with self._cond:
            while self.messages < n:
                left = deadline - time.perf_counter()
                if left <= 0:
                    return None
                self._cond.wait(min(left, 1.0))
            return self.last_change

    def cpu(self):
        return cpu_seconds(self.pid)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._reader.join(timeout=5)


def run(cmd, timeout):
    """Run a load generator; returns (seconds, returncode, stdout, stderr)."""
    t = time.perf_counter()
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        return time.perf_counter() - t, -1, e.stdout or "", f"timeout after {timeout} s"
    return time.perf_counter() - t, r.returncode, r.stdout, r.stderr


def parse_kv(line):
    return {k: float(v) if re.fullmatch(r"-?[\d.]+", v) else v
            for k, v in (kv.split("=", 1) for kv in line.split() if "=" in kv)}


def rmtree(path):
    """Remove a benchmark's folder. Files are unlinked by several threads:
    on a filesystem mounted with -o discard one thread unlinks only a few
    hundred files a second, and a run leaves hundreds of thousands."""
    from concurrent.futures import ThreadPoolExecutor

    def unlink(p):
        try:
            os.unlink(p)
        except OSError:
            pass

    with ThreadPoolExecutor(8) as pool:
        for top, _, files in os.walk(path):
            pool.map(unlink, [os.path.join(top, f) for f in files])
    shutil.rmtree(path, ignore_errors=True)


def loadavg():
    return _read("/proc/loadavg").split()[0]


def globs(pattern):
    return glob.glob(pattern)
