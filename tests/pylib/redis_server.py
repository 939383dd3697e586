"""A real redis-server for tests, on a loopback port of its own.

No port is probed beforehand: a random port is tried, and when the server
cannot bind it (it exits) another one is, until one works. The server is
known to be ours by the process id it reports (INFO server). No
persistence: the data lives as long as the process."""
import os
import random
import socket
import subprocess
import time


def _info(port):
    """INFO server of whoever answers on 127.0.0.1:port, or None."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"*2\r\n$4\r\nINFO\r\n$6\r\nserver\r\n")
            data = b""
            while b"process_id:" not in data or not data.endswith(b"\r\n"):
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            return data.decode(errors="replace")
    except OSError:
        return None


class RedisServer:
    def __init__(self, workdir):
        self.dir = os.path.join(str(workdir), "redis")
        os.makedirs(self.dir, exist_ok=True)
        self.port = None
        self.proc = None

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self, timeout=20):
        """Start (again on the same port once it has one)."""
        for _ in range(20):
            port = self.port or random.randint(20000, 60000)
            log = open(os.path.join(self.dir, "redis.log"), "a")
            proc = subprocess.Popen(
                ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--dir", self.dir],
                stdout=log, stderr=subprocess.STDOUT)
            log.close()
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                if proc.poll() is not None:
                    break           # the port was taken
                info = _info(port)
                if info and f"process_id:{proc.pid}\r" in info:
                    self.proc, self.port = proc, port
                    return self
                time.sleep(0.02)
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if self.port:
                break
        raise RuntimeError("redis-server did not start")

    def kill(self):
        if self.proc:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def stop(self):
        if self.proc:
            self.proc.terminate()
            self.proc.wait(timeout=20)
            self.proc = None
