"""Starts vouch-registry for integration tests: writes a configuration whose
DNS and HTTP listeners bind port 0, runs `vouch-registry serve` in the
background, reads the bound ports back from its log (event=dns_listen,
event=http_listen), and offers small helpers for its HTTP API, its DNS
server and its CLI."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import weakref
import urllib.error
import urllib.request

import dns.message
import dns.query
import dns.rcode

import paths
import ports
from nsd import Nsd


class Registry:
    """One vouch-registry serve process with its own data directory."""

    def __init__(self, workdir, zone="reg.test", extra=None):
        self.workdir = str(workdir)
        self.zone = zone
        self.http_port = None      # known once started
        self.dns_port = None
        self.conf = os.path.join(self.workdir, "registry.conf")
        # started as root the registry drops to "vouch", which cannot enter
        # pytest's tmp_path (under a root-only folder): the data lives in
        # a folder of its own that the user can reach
        home = tempfile.mkdtemp(prefix="vouch-registry-")
        os.chmod(home, 0o755)
        weakref.finalize(self, shutil.rmtree, home, True)
        self.data = os.path.join(home, "data")
        self.log = os.path.join(self.workdir, "registry.log")
        settings = {
            "data_dir": self.data,
            "zone": zone,
            "ns": "ns1.example.net ns2.example.net",
            "dns_listen": "127.0.0.1:0",
            "http_listen": "127.0.0.1:0",
            "log_level": "debug",
            "auto_certify": "no",
            "notify_retry": "1s",
            # every test files its applications and reports from 127.0.0.1;
            # the limits' own tests set small ones
            "limit_applications": "1000",
            "limit_reports": "1000",
        }
        settings.update(extra or {})
        with open(self.conf, "w") as f:
            for k, v in settings.items():
                f.write('%s = "%s"\n' % (k, v))
        self.proc = None
        self.admin_token = None

    def _bound(self, mark):
        """Read the ports this run bound from its log, once both are there."""
        try:
            with open(self.log, errors="replace") as f:
                f.seek(mark)
                text = f.read()
        except OSError:
            return False
        dns_m = re.search(r"event=dns_listen address=\S+:(\d+) ", text)
        http_m = re.search(r"event=http_listen address=\S+:(\d+) ", text)
        # the sockets are bound before the database, the resolver and the
        # certification queue are set up; requests are answered once the
        # loop runs, which "event=ready" says (seconds later on a loaded
        # machine in the sanitizer build)
        if not (dns_m and http_m and "event=ready " in text):
            return False
        self.dns_port, self.http_port = int(dns_m.group(1)), int(http_m.group(1))
        return True

    def start(self):
        mark = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        self.logf = open(self.log, "ab")
        self.proc = subprocess.Popen([paths.REGISTRY, "-c", self.conf, "serve"],
                                     stdout=self.logf, stderr=subprocess.STDOUT)
        # the same bound as for vouchd (tests/pylib/vouchd.py): a condition
        # waited on, generous because a loaded machine is slow, not wrong
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("vouch-registry exited: " + self.read_log())
            if not self._bound(mark):
                time.sleep(0.05)
                continue
            try:
                self.get("/api/status")
                break
            except (urllib.error.URLError, OSError):
                time.sleep(0.05)
        else:
            # do not leave it running behind the failed test
            self.proc.kill()
            self.proc.wait()
            self.proc = None
            self.logf.close()
            raise RuntimeError("vouch-registry did not come up in 60 s: " + self.read_log())
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
        elif method == "POST" and raw is None:
            # every API POST says JSON, a body-less action too
            data = b""
            headers["Content-Type"] = "application/json"
        if ctype:
            headers["Content-Type"] = ctype
        if token:
            headers["Authorization"] = "Bearer " + token
        req = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
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


def registry_and_secondary(workdir, zone="reg.test", extra=None, nsd_zones=None):
    """A started Registry and a started NSD that serves its zone as a
    secondary (transfers from it, takes its NOTIFYs) and nsd_zones as
    primaries. NSD's port must be in the registry's configuration (notify)
    before either starts, so it is a reserved candidate; if NSD cannot bind
    it, both start again on a fresh one (tests/pylib/ports.py)."""
    def attempt(port):
        settings = {"notify": f"127.0.0.1:{port}", "allow_transfer": "127.0.0.1"}
        settings.update(extra or {})
        reg = Registry(workdir, zone=zone, extra=settings).start()
        ns = Nsd(os.path.join(str(workdir), "nsd"), nsd_zones or {}, port=port)
        ns.add_secondary(zone, f"127.0.0.1@{reg.dns_port}")
        try:
            ns.start()
        except ports.PortInUse:
            reg.stop()
            raise
        return reg, ns
    return ports.retry(attempt)


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
