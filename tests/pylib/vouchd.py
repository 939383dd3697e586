"""Start and drive a real vouchd for integration tests.

A Vouchd owns a temporary data directory and a configuration file, runs
the daemon on a loopback address, and offers what tests need: the SMTP
address, vouchctl, the log, and the messages that reached each Maildir.

Listeners bind port 0 unless a test names a port: vouchd logs the address
it really bound (event=listening ... address=IP:PORT) and start() reads it
back into .ports (by listener name) and .port (the first listener's), so
no port is ever probed and handed over later (tests/pylib/ports.py). A
test that gives a port of its own (a world whose hosts share one port)
gets PortInUse from start() when vouchd cannot bind it.

With VOUCH_VALGRIND=DIR in the environment every vouchd runs under
valgrind memcheck, writing one log per process into DIR (see
tests/valgrind/run, which runs the integration suites that way and
summarises the logs). Waits are then longer: valgrind is slow.

Every wait here (wait_ready, wait_log, wait_messages, wait_queue_empty)
returns as soon as its condition holds; the timeout only bounds a wait that
went wrong, and is set so a sanitizer build beside two CPU burners and a
second suite (make test-under-load) stays well inside it.
"""
import os
import re
import signal
import socket
import subprocess
import time

import paths
from ports import PortInUse, bind_failed

VALGRIND_DIR = os.environ.get("VOUCH_VALGRIND")
# Under valgrind everything takes many times longer.
SLOW = 8 if VALGRIND_DIR else 1


def valgrind_prefix():
    """The valgrind command line that wraps vouchd, or [] if not asked for."""
    if not VALGRIND_DIR:
        return []
    return ["valgrind", "--tool=memcheck", "--error-exitcode=99", "--leak-check=full",
            "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
            "--num-callers=30", "--child-silent-after-fork=yes", "--vgdb=no",
            f"--log-file={VALGRIND_DIR}/vouchd.%p.log"]


class Vouchd:
    """One vouchd instance. settings: top-level config lines (dict);
    listeners: name -> dict of listener settings (default: one "smtp")."""

    def __init__(self, tmpdir, settings=None, listeners=None, host="127.0.0.1",
                 data_dir=None, extra_text="", port=0):
        self.dir = str(tmpdir)
        os.makedirs(self.dir, exist_ok=True)
        self.host = host
        self.port = port or None    # known once started (port 0: the kernel's pick)
        self.ports = {}             # listener name -> bound port
        self.metrics_port = None
        self.data_dir = data_dir or os.path.join(self.dir, "var")
        self.conf = os.path.join(self.dir, "vouchd.conf")
        self.logfile = os.path.join(self.dir, "vouchd.log")
        self.settings = {
            "hostname": "mx.test.example",
            "data_dir": self.data_dir,
            "domains": "localhost test.example",
            "log_level": "debug",
            "dns_timeout": "3s",
        }
        self.settings.update(settings or {})
        self.listeners = listeners or {"smtp": {"address": f"{host}:{port}"}}
        # Suites that are not about DNS must not depend on the machine's
        # resolver: a DNS failure there is not a refusal. Each listener
        # gets these unless it says otherwise.
        self.listener_defaults = {"spf_temperror": "ignore"}
        self.extra_text = extra_text
        self.binary = paths.VOUCHD     # benchmarks may point this at another build
        self.binary_prefix = []        # a wrapper (strace, ...) for one test
        self.env = None                # the environment vouchd runs with (None: ours)
        self.proc = None
        self.write_config()

    # configuration ---------------------------------------------------------
    def write_config(self):
        lines = [f"{k} = {self.quote(v)}" for k, v in self.settings.items()]
        for name, kv in self.listeners.items():
            lines.append(f"listener {name} {{")
            merged = dict(self.listener_defaults)
            merged.update(kv)
            lines += [f"    {k} = {self.quote(v)}" for k, v in merged.items()]
            lines.append("}")
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n" + self.extra_text)

    def set_aliases(self, text):
        """Write the alias table (aliases(5)-like text) beside the config,
        point the config at it and rewrite the config; reloading or
        starting is the caller's."""
        path = os.path.join(self.dir, "aliases")
        with open(path, "w") as f:
            f.write(text)
        self.settings["aliases"] = path
        self.write_config()

    @staticmethod
    def quote(v):
        v = str(v)
        if v == "" or re.search(r'[\s#"\\]', v) and not re.fullmatch(r"[\w.@:/+ -]+", v):
            return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return v

    # process ---------------------------------------------------------------
    def start(self, wait=True, expect_fail=False):
        # a restart appends to the same log: readiness is judged on what follows
        self.log_mark = len(self.log())
        self.logf = open(self.logfile, "a")
        self.proc = subprocess.Popen(valgrind_prefix() + self.binary_prefix +
                                     [self.binary, "-c", self.conf], env=self.env,
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        if expect_fail:
            rc = self.proc.wait(timeout=10 * SLOW)
            self.logf.close()
            return rc
        if wait:
            self.wait_ready()
        return self

    def _read_addresses(self):
        """The addresses this run bound, from its event=listening lines."""
        text = self.log()[getattr(self, "log_mark", 0):]
        self.ports = {m.group(1): int(m.group(2)) for m in re.finditer(
            r"event=listening listener=(\S+) address=\S+:(\d+) ", text)}
        names = list(self.listeners)
        self.port = self.ports.get(names[0]) if names else None
        m = re.search(r"event=metrics_listening address=\S+:(\d+) ", text)
        self.metrics_port = int(m.group(1)) if m else None

    def wait_ready(self, timeout=60):
        # A bound, not a wait: this returns as soon as "event=started" is
        # logged (0.2 s for the gcc build, under 1 s for ASan beside two CPU
        # burners). A sanitizer build starting while two suites, a compile
        # and two burners share the two cores has been seen to take over
        # 10 s; the log's startup_ms says where a slow start went.
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            if self.proc.poll() is not None:
                text = self.log()[getattr(self, "log_mark", 0):]
                self.logf.close()
                self.proc = None
                if bind_failed(text):
                    raise PortInUse(f"vouchd could not bind its port:\n{text[-2000:]}")
                raise RuntimeError(f"vouchd exited:\n{self.log()}")
            # The sockets listen before "started" is logged; probing with a
            # connection would take a slot from the connection limits.
            if "event=started" in self.log()[getattr(self, "log_mark", 0):]:
                self._read_addresses()
                return
            time.sleep(0.05)
        raise RuntimeError("vouchd did not start:\n" + self.log())

    def stop(self, sig=signal.SIGTERM, timeout=40):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        rc = self.proc.returncode
        self.proc = None
        self.logf.close()
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.proc = None
        self.logf.close()

    def signal(self, sig):
        self.proc.send_signal(sig)

    @property
    def pid(self):
        return self.proc.pid

    def log(self):
        try:
            with open(self.logfile, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=30, count=1):
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            if len(re.findall(pattern, self.log())) >= count:
                return True
            time.sleep(0.05)
        raise AssertionError(f"log never matched {pattern!r}:\n{self.log()[-4000:]}")

    # tools -----------------------------------------------------------------
    def ctl(self, *args, input=None, check=False):
        r = subprocess.run([paths.VOUCHCTL, "-c", self.conf, *args], capture_output=True,
                           text=True, input=input, timeout=30 * SLOW)
        if check and r.returncode != 0:
            raise AssertionError(f"vouchctl {args} failed {r.returncode}: {r.stderr}")
        return r

    def mailbox(self, address, folder=None):
        local, domain = address.lower().rsplit("@", 1)
        root = os.path.join(self.data_dir, "mail", domain, local)
        if folder:
            root = os.path.join(root, folder)
        return root

    def messages(self, address, folder=None):
        """Bytes of every message delivered to address (new/ and cur/)."""
        out = []
        root = self.mailbox(address, folder)
        for sub in ("new", "cur"):
            d = os.path.join(root, sub)
            if os.path.isdir(d):
                for name in sorted(os.listdir(d)):
                    with open(os.path.join(d, name), "rb") as f:
                        out.append(f.read())
        return out

    def wait_messages(self, address, n, timeout=30, folder=None):
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            msgs = self.messages(address, folder)
            if len(msgs) >= n:
                return msgs
            time.sleep(0.05)
        raise AssertionError(f"{address}: {len(self.messages(address, folder))} messages, "
                             f"wanted {n}\n{self.log()[-3000:]}")

    def wait_queue_empty(self, timeout=30):
        """Wait until queue/active and queue/tmp are empty: a delivered
        message's files are recycled by a remover thread after the delivery
        is recorded, not at the same instant."""
        deadline = time.time() + timeout * SLOW
        while time.time() < deadline:
            if self.queue_files() == ([], []):
                return
            time.sleep(0.05)
        raise AssertionError(f"queue not empty: {self.queue_files()}")

    def queue_files(self):
        active = os.path.join(self.data_dir, "queue", "active")
        tmp = os.path.join(self.data_dir, "queue", "tmp")
        return (sorted(os.listdir(active)) if os.path.isdir(active) else [],
                sorted(os.listdir(tmp)) if os.path.isdir(tmp) else [])


class Client:
    """A raw SMTP client for exact dialogues: send bytes, read replies."""

    def __init__(self, host, port, timeout=10, source=None):
        self.sock = socket.create_connection((host, port), timeout=timeout * SLOW,
                                             source_address=(source, 0) if source else None)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def reply(self):
        """One whole (possibly multi-line) reply: (code, [lines])."""
        lines = []
        while True:
            while b"\r\n" not in self.buf:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise EOFError("connection closed; got " + repr(lines))
                self.buf += chunk
            line, self.buf = self.buf.split(b"\r\n", 1)
            text = line.decode(errors="replace")
            lines.append(text)
            if len(text) < 4 or text[3] != "-":
                return int(text[:3]), lines

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def starttls(self, context, server_hostname="mx.test.example"):
        """STARTTLS and the handshake; returns the 220 reply."""
        reply = self.cmd("STARTTLS")
        if reply[0] == 220:
            self.sock = context.wrap_socket(self.sock, server_hostname=server_hostname)
        return reply

    def auth_plain(self, user, password):
        import base64
        token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
        return self.cmd(f"AUTH PLAIN {token}")

    def closed(self, timeout=5):
        """True if the server closes the connection (after any buffered data)."""
        self.sock.settimeout(timeout)
        try:
            while True:
                chunk = self.sock.recv(65536)
                if not chunk:
                    return True
                self.buf += chunk
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()
