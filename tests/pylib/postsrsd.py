"""Run Debian's postsrsd (1.x, the package in Debian 12) as an SRS peer.

postsrsd 1.x serves two Postfix tcp_table lookups on TCP: forward
(envelope senders to SRS) and reverse (SRS back to the sender). A request
is "get <url-encoded address>\\n"; the answer "200 <url-encoded result>\\n"
or "500 <reason>\\n". It cannot bind port 0 and report it, so its two
ports are candidates (ports.py); when it cannot bind one, start() tries
fresh ones. Ready means postsrsd's own process holds both sockets.

    with PostSRSd(tmp_path, ["key2", "key1"], "srs.test") as p:
        code, value = p.forward("alice@example.net")     # 200, "SRS0=...@srs.test"
        code, value = p.reverse(value)                    # 200, "alice@example.net"
"""
import os
import socket
import subprocess
import time
import urllib.parse

import ports

POSTSRSD = "/usr/sbin/postsrsd"


class PostSRSd:
    def __init__(self, tmpdir, secrets, domain, separator="=", hash_length=4, hash_min=4):
        self.dir = os.path.join(str(tmpdir), "postsrsd")
        os.makedirs(self.dir, exist_ok=True)
        self.secret = os.path.join(self.dir, "secret")
        with open(self.secret, "w") as f:
            f.write("".join(s + "\n" for s in secrets))
        os.chmod(self.secret, 0o600)
        self.domain = domain
        self.args = ["-a", separator, "-n", str(hash_length), "-N", str(hash_min)]
        self.logfile = os.path.join(self.dir, "postsrsd.log")
        self.proc = None
        self.host = "127.0.0.1"
        self.fport = self.rport = None

    def log(self):
        try:
            with open(self.logfile) as f:
                return f.read()
        except OSError:
            return ""

    def start(self, timeout=10):
        ports.retry(lambda port: self._start_once(port, ports.candidate(), timeout))
        return self

    def _start_once(self, fport, rport, timeout):
        self.fport, self.rport = fport, rport
        with open(self.logfile, "w") as log:
            self.proc = subprocess.Popen(
                [POSTSRSD, "-s", self.secret, "-d", self.domain, "-l", self.host,
                 "-f", str(fport), "-r", str(rport), "-t", "60", *self.args],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if ports.bind_failed(self.log()):
                    raise ports.PortInUse(self.log())
                raise RuntimeError(f"postsrsd exited {self.proc.returncode}:\n{self.log()}")
            if ports.holds(self.proc.pid, self.host, fport) and \
                    ports.holds(self.proc.pid, self.host, rport):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"postsrsd did not start:\n{self.log()}")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def _get(self, port, key):
        with socket.create_connection((self.host, port), timeout=10) as s:
            s.sendall(b"get " + urllib.parse.quote(key, safe="@").encode() + b"\n")
            line = s.makefile("rb").readline().decode().rstrip("\n")
        code, _, value = line.partition(" ")
        return int(code), urllib.parse.unquote(value) if code == "200" else value

    def forward(self, address):
        """(200, rewritten) or (500, reason)."""
        return self._get(self.fport, address)

    def reverse(self, address):
        """(200, original) or (500, reason)."""
        return self._get(self.rport, address)
