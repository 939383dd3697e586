"""Run a real NSD (authoritative DNS) for tests, per ../shared/PEERS.md.

An Nsd owns a temporary directory, writes its configuration and zone
files there, runs `nsd -d` on a free loopback port (no root privileges
used, no system files touched), waits until it answers, and stops it.

    from nsd import Nsd, zone

    text = zone("spf.test", ['pass TXT "v=spf1 ip4:192.0.2.10 -all"',
                             "mail A 192.0.2.25"])
    with Nsd(tmp_path, {"spf.test": text}) as ns:
        run(["vouchctl", "spf", ..., "--resolver", ns.address])

Zones are primaries by default. Secondaries (for the registrar's
AXFR/IXFR + NOTIFY tests) are declared with add_secondary(), which writes
request-xfr and allow-notify for a primary at HOST@PORT.

Note (PEERS.md): libunbound answers test., invalid., localhost. and
127.in-addr.arpa. itself unless told otherwise; vouch's DNS client makes
test. and 127.in-addr.arpa. transparent when it forwards, so zones under
test. work with vouch. Plain dnspython queries (Nsd.query) always work.
"""
import os
import signal
import socket
import subprocess
import time

NSD = "/usr/sbin/nsd"
NSD_CHECKCONF = "/usr/sbin/nsd-checkconf"


def free_port(host="127.0.0.1"):
    """A port free for both UDP and TCP on host (NSD binds both)."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
            u.bind((host, 0))
            port = u.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
                try:
                    t.bind((host, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no free port for both UDP and TCP")


def txt(text):
    """Quote text as TXT rdata, split into <=255-octet character-strings."""
    data = text.encode() if isinstance(text, str) else bytes(text)
    parts = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
    out = []
    for p in parts:
        s = ""
        for b in p:
            c = chr(b)
            if c in '"\\':
                s += "\\" + c
            elif 0x20 <= b < 0x7f:
                s += c
            else:
                s += "\\%03d" % b
        out.append('"' + s + '"')
    return " ".join(out)


def zone(origin, records, ttl=300, serial=1, ns="ns"):
    """Zone file text for origin: SOA, NS (with glue on 127.0.0.1 when ns
    is relative) and the given record lines ("name TYPE rdata")."""
    origin = origin.rstrip(".") + "."
    lines = [
        f"$ORIGIN {origin}",
        f"$TTL {ttl}",
        f"@ IN SOA {ns} hostmaster {serial} 3600 600 86400 {ttl}",
        f"@ IN NS {ns}",
    ]
    if not ns.endswith("."):
        lines.append(f"{ns} IN A 127.0.0.1")
    lines += list(records)
    return "\n".join(lines) + "\n"


class Nsd:
    """One NSD instance serving zones (name -> zone file text)."""

    def __init__(self, tmpdir, zones=None, host="127.0.0.1", port=None):
        self.dir = os.path.join(str(tmpdir), "nsd")
        os.makedirs(self.dir, exist_ok=True)
        self.host = host
        self.port = port or free_port(host)
        self.zones = {}         # name -> zone text (primaries)
        self.secondaries = {}   # name -> (primary "HOST@PORT", notify-from)
        self.proc = None
        self.conf = os.path.join(self.dir, "nsd.conf")
        self.logfile = os.path.join(self.dir, "nsd.log")
        for name, text in (zones or {}).items():
            self.add_zone(name, text)

    @property
    def address(self):
        """HOST:PORT, the form vouch's dns_resolver and --resolver take."""
        return f"{self.host}:{self.port}"

    # zones -------------------------------------------------------------------
    @staticmethod
    def _file(name):
        return name.rstrip(".") + ".zone"

    def add_zone(self, name, text):
        """Serve name as a primary from text (written now; reload() to apply
        while running)."""
        name = name.rstrip(".") + "."
        self.zones[name] = text
        with open(os.path.join(self.dir, self._file(name)), "w") as f:
            f.write(text)

    def add_secondary(self, name, primary, notify_from=None):
        """Serve name as a secondary of primary ("HOST@PORT"): request-xfr
        from it, accept NOTIFY from notify_from (default: the primary's
        host). Takes effect at start()."""
        name = name.rstrip(".") + "."
        host = primary.split("@")[0]
        self.secondaries[name] = (primary, notify_from or host)

    def write_config(self):
        d = self.dir
        lines = [
            "server:",
            f"    ip-address: {self.host}@{self.port}",
            '    username: ""',
            '    database: ""',
            '    chroot: ""',
            f'    zonesdir: "{d}"',
            f'    pidfile: "{d}/nsd.pid"',
            f'    xfrdfile: "{d}/xfrd.state"',
            f'    xfrdir: "{d}"',
            f'    zonelistfile: "{d}/zone.list"',
            f'    logfile: "{self.logfile}"',
            "    server-count: 1",
            "    verbosity: 2",
            "remote-control:",
            "    control-enable: no",
        ]
        for name in self.zones:
            lines += ["zone:", f'    name: "{name}"', f'    zonefile: "{self._file(name)}"']
        for name, (primary, notify_from) in self.secondaries.items():
            lines += ["zone:", f'    name: "{name}"', f'    zonefile: "{self._file(name)}"',
                      f"    request-xfr: {primary} NOKEY",
                      f"    allow-notify: {notify_from} NOKEY"]
        with open(self.conf, "w") as f:
            f.write("\n".join(lines) + "\n")

    # process -----------------------------------------------------------------
    def start(self, timeout=10):
        self.write_config()
        check = subprocess.run([NSD_CHECKCONF, self.conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nsd-checkconf: {check.stdout}{check.stderr}")
        self._out = open(os.path.join(self.dir, "nsd.stdout"), "w")
        self.proc = subprocess.Popen([NSD, "-d", "-c", self.conf], stdout=self._out,
                                     stderr=subprocess.STDOUT)
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout=10):
        """Wait until NSD answers the SOA of a zone it serves."""
        import dns.exception
        import dns.message
        import dns.query
        names = list(self.zones) or ["."]
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nsd exited with {self.proc.returncode}:\n{self.log()}")
            try:
                q = dns.message.make_query(names[0], "SOA")
                dns.query.udp(q, self.host, port=self.port, timeout=0.3)
                return
            except (dns.exception.Timeout, OSError):
                time.sleep(0.05)
        raise RuntimeError(f"nsd did not answer within {timeout}s:\n{self.log()}")

    def reload(self):
        """Re-read zone files (SIGHUP)."""
        self.proc.send_signal(signal.SIGHUP)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "_out", None):
            self._out.close()
            self._out = None
        self.proc = None

    def log(self):
        text = ""
        for p in (self.logfile, os.path.join(self.dir, "nsd.stdout")):
            if os.path.exists(p):
                with open(p, errors="replace") as f:
                    text += f.read()
        return text

    def query(self, name, rdtype="A"):
        """Ask NSD directly (dnspython); returns the dns.message reply."""
        import dns.message
        import dns.query
        q = dns.message.make_query(name, rdtype)
        return dns.query.udp(q, self.host, port=self.port, timeout=2)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
