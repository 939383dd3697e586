"""Postfix's smtp-sink as a scriptable test receiver: it can refuse
commands temporarily (-r) or for good (-f), hide DSN (-N) and other
extensions, and dumps every transaction it accepts into a folder, with
the envelope (X-Mail-Args, X-Rcpt-Args, ...) before the message.

smtp-sink cannot bind port 0 and report it: its port is a candidate
(tests/pylib/ports.py), retried when the bind fails, or PortInUse when the
caller fixed the port (a world whose hosts share one)."""
import glob
import os
import subprocess
import time

import ports

SMTP_SINK = "/usr/sbin/smtp-sink"


class Sink:
    def __init__(self, directory, host="127.0.0.1", port=None, options=()):
        self.dir = directory
        self.dump = os.path.join(directory, "dump")
        os.makedirs(self.dump, exist_ok=True)
        self.host = host
        self.fixed_port = port is not None
        self.port = port or ports.candidate()
        self.options = list(options)
        self.proc = None

    def start(self):
        for _ in range(12):
            try:
                return self._start_once()
            except ports.PortInUse:
                if self.fixed_port:
                    raise
                self.port = ports.candidate()
        raise RuntimeError("smtp-sink could not bind any candidate port")

    def _start_once(self):
        user = []
        if os.geteuid() == 0:
            # smtp-sink will not run as root; it dumps as "nobody"
            os.chmod(self.dir, 0o777)
            os.chmod(self.dump, 0o777)
            user = ["-u", "nobody"]
        out_path = os.path.join(self.dir, "smtp-sink.out")
        with open(out_path, "w") as out:
            self.proc = subprocess.Popen(
                [SMTP_SINK, *user, "-h", "sink.test.example",
                 "-d", os.path.join(self.dump, "%Y%m%d%H%M%S."),
                 *self.options, f"{self.host}:{self.port}", "100"],
                stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                with open(out_path, errors="replace") as f:
                    text = f.read()
                self.proc = None
                if ports.bind_failed(text):
                    raise ports.PortInUse(f"smtp-sink could not bind {self.host}:{self.port}")
                raise RuntimeError(f"smtp-sink exited: {text}")
            if ports.holds(self.proc.pid, self.host, self.port):
                return self
            time.sleep(0.05)
        raise RuntimeError("smtp-sink did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None

    def _open_dumps(self):
        """The dump files smtp-sink has open: transactions still arriving."""
        if self.proc is None:
            return set()
        fds = f"/proc/{self.proc.pid}/fd"
        out = set()
        try:
            names = os.listdir(fds)
        except FileNotFoundError:
            return out
        for fd in names:
            try:
                out.add(os.readlink(os.path.join(fds, fd)))
            except OSError:
                pass
        return out

    def transactions(self):
        """The complete dumped transactions, oldest first, as bytes.

        smtp-sink creates a transaction's file at MAIL and writes it as the
        message arrives, so a file it still holds open is left out: a test
        never reads half a message. Files are named by the second and a
        random suffix, so they are ordered by when they were last written."""
        paths = glob.glob(os.path.join(self.dump, "*"))
        busy = self._open_dumps()   # after the listing: a listed file it has closed is whole
        done = []
        for path in paths:
            if os.path.realpath(path) in busy:
                continue
            try:
                done.append((os.stat(path).st_mtime_ns, path))
            except FileNotFoundError:
                pass
        out = []
        for _, path in sorted(done):
            with open(path, "rb") as f:
                out.append(f.read())
        return out

    def wait_transactions(self, n, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            t = self.transactions()
            if len(t) >= n:
                return t
            time.sleep(0.1)
        raise AssertionError(f"smtp-sink got {len(self.transactions())} transactions, wanted {n}")
