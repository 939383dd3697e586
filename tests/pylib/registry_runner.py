"""Starts vouch-registry for integration tests: writes a configuration on
free loopback ports, runs `vouch-registry serve` in the background, and
offers small helpers for its HTTP API, its DNS server and its CLI."""
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request

import dns.message
import dns.query
import dns.rcode

import paths


def free_port(host="127.0.0.1", kind=socket.SOCK_STREAM):
    """A port free for both TCP and UDP on host (the DNS server needs both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind((host, 0))
            port = s.getsockname()[1]
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                u.bind((host, port))
            return port
        except OSError:
            continue
    raise RuntimeError("no free port")


class Registry:
    """One vouch-registry serve process with its own data directory."""

    def __init__(self, workdir, zone="reg.test", extra=None):
        self.workdir = str(workdir)
        self.zone = zone
        self.http_port = free_port()
        self.dns_port = free_port()
        self.conf = os.path.join(self.workdir, "registry.conf")
        self.data = os.path.join(self.workdir, "data")
        self.log = os.path.join(self.workdir, "registry.log")
        settings = {
            "data_dir": self.data,
            "zone": zone,
            "ns": "ns1.example.net ns2.example.net",
            "dns_listen": "127.0.0.1:%d" % self.dns_port,
            "http_listen": "127.0.0.1:%d" % self.http_port,
            "log_level": "debug",
            "auto_certify": "no",
            "notify_retry": "1s",
        }
        settings.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in settings.items():
                f.write('%s = "%s"\n' % (k, v))
        self.proc = None
        self.admin_token = None

    def start(self):
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([paths.REGISTRY, "-c", self.conf, "serve"],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vouch-registry exited: " + self.read_log())
            try:
                self.get("/api/status")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.05)
        else:
            raise RuntimeError("vouch-registry did not come up: " + self.read_log())
        if self.admin_token is None:
            self.admin_token = self.cli("token", "create", "admin", "-l", "tests").stdout.strip()
        return self

    def stop(self):
        """Stop with SIGTERM; a clean shutdown exits 0, so sanitizer reports
        (leaks, memory errors) in the sanitizer build fail the test here."""
        if self.proc is None:
            return
        crashed = self.proc.poll() is not None
        if not crashed:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        code = self.proc.returncode
        self.proc = None
        log = self.read_log()
        if crashed or code != 0 or "Sanitizer" in log or "runtime error:" in log:
            raise AssertionError("vouch-registry serve ended badly (exit %s): %s" % (code, log))

    def read_log(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    # --- CLI ---
    def cli(self, *args, input=None, check=True):
        r = subprocess.run([paths.REGISTRY, "-c", self.conf] + list(args), input=input,
                           capture_output=True, text=isinstance(input, str) or input is None,
                           timeout=120)
        if check and r.returncode != 0:
            raise AssertionError("vouch-registry %s failed (%d): %s %s" %
                                 (" ".join(args), r.returncode, r.stdout, r.stderr))
        return r

    # --- HTTP ---
    def request(self, method, path, body=None, token=None, raw=None, ctype=None):
        url = "http://127.0.0.1:%d%s" % (self.http_port, path)
        data = raw
        headers = {}
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, resp.read(), dict(resp.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read(), dict(e.headers)

    def api(self, method, path, body=None, token=None, admin=False):
        status, data, _ = self.request(method, path, body=body,
                                       token=self.admin_token if admin else token)
        try:
            doc = json.loads(data.decode()) if data else None
        except ValueError:
            doc = data.decode(errors="replace")
        return status, doc

    def get(self, path):
        return self.api("GET", path)

    # --- DNS ---
    def query(self, name, rdtype="A", tcp=False, **kw):
        q = dns.message.make_query(name, rdtype, **kw)
        if tcp:
            return dns.query.tcp(q, "127.0.0.1", port=self.dns_port, timeout=3)
        return dns.query.udp(q, "127.0.0.1", port=self.dns_port, timeout=3)

    def a_record(self, hostname, tcp=False):
        """The address the zone gives hostname, or None for NXDOMAIN."""
        r = self.query("%s.%s" % (hostname, self.zone), "A", tcp=tcp)
        if r.rcode() == dns.rcode.NXDOMAIN:
            return None
        for rrset in r.answer:
            for rd in rrset:
                return rd.address
        return None

    def serial(self):
        r = self.query(self.zone, "SOA")
        return r.answer[0][0].serial


def application(hostname, addresses, **over):
    """A valid application body for hostname."""
    domain = hostname.split(".", 1)[1] if "." in hostname else "example.com"
    app = {
        "hostname": hostname,
        "class": "isp",
        "owner_kind": "business",
        "owner_name": "Example Networks Ltd",
        "owner_address": "1 Main Street, Testville",
        "owner_phone": "+1 555 0100",
        "owner_email": "owner@%s" % domain,
        "business_number": "HRB 12345",
        "admin_contact": "postmaster@%s" % domain,
        "addresses": list(addresses),
    }
    app.update(over)
    return app


def wait_for(fn, timeout=10.0, interval=0.1):
    """Poll fn until it returns a true value; return that value or the last one."""
    deadline = time.time() + timeout
    value = fn()
    while not value and time.time() < deadline:
        time.sleep(interval)
        value = fn()
    return value
