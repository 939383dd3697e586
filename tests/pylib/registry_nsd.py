"""NSD as a secondary of the registry's zone for the integration tests:
a private instance on a loopback port (see PEERS.md) that transfers the
zone from the registry (request-xfr) and takes its NOTIFYs (allow-notify)."""
import os
import shutil
import subprocess
import time

import dns.message
import dns.query
import dns.rcode

from registry_runner import free_port

NSD = shutil.which("nsd") or "/usr/sbin/nsd"


class NSDSecondary:
    def __init__(self, workdir, zone, primary_port, primary="127.0.0.1", port=None):
        self.dir = os.path.join(str(workdir), "nsd")
        os.makedirs(self.dir, exist_ok=True)
        self.zone = zone
        self.port = port or free_port()
        self.conf = os.path.join(self.dir, "nsd.conf")
        d = self.dir
        with open(self.conf, "w") as f:
            f.write(f"""server:
    ip-address: 127.0.0.1@{self.port}
    username: ""
    database: ""
    zonesdir: "{d}"
    pidfile: "{d}/nsd.pid"
    xfrdfile: "{d}/xfrd.state"
    zonelistfile: "{d}/zone.list"
    logfile: "{d}/nsd.log"
    verbosity: 2
    xfrd-reload-timeout: 0
remote-control:
    control-enable: no
zone:
    name: "{zone}"
    zonefile: "{zone}.zone"
    request-xfr: {primary}@{primary_port} NOKEY
    allow-notify: {primary} NOKEY
""")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen([NSD, "-c", self.conf, "-d"], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nsd exited: " + self.log())
            try:
                self.query(self.zone, "SOA")
                return self
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("nsd did not answer: " + self.log())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self):
        try:
            with open(os.path.join(self.dir, "nsd.log"), errors="replace") as f:
                return f.read()[-4000:]
        except OSError:
            return ""

    def query(self, name, rdtype="A"):
        q = dns.message.make_query(name, rdtype)
        return dns.query.udp(q, "127.0.0.1", port=self.port, timeout=2)

    def serial(self):
        """The zone serial NSD serves, or None while it has no zone."""
        try:
            r = self.query(self.zone, "SOA")
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            return None
        return r.answer[0][0].serial

    def a_record(self, name):
        r = self.query(name, "A")
        if r.rcode() == dns.rcode.NXDOMAIN:
            return None
        for rrset in r.answer:
            for rd in rrset:
                return rd.address
        return "rcode:" + dns.rcode.to_text(r.rcode())
