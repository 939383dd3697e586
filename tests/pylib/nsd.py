"""Run a real NSD (authoritative DNS) for tests, per ../shared/PEERS.md.

An Nsd owns a temporary directory, writes its configuration and zone
files there, runs `nsd -d` on a loopback port (no root privileges used,
no system files touched), waits until it answers, and stops it.

NSD cannot bind port 0 and report it, so the port is a candidate
(tests/pylib/ports.py): when NSD cannot bind it, start() tries a fresh
one — or, when the caller fixed the port, raises PortInUse so the caller
can start its world again. Ready means NSD's own process holds the UDP
and TCP sockets and answers authoritatively for its first zone, so an
answer from some other server on that port never counts.

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
import subprocess
import time

import ports

NSD = "/usr/sbin/nsd"
NSD_CHECKCONF = "/usr/sbin/nsd-checkconf"


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
        self.fixed_port = port is not None    # the caller's: PortInUse, no retry
        self.port = port or ports.candidate()
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
            # a transferred zone is served at once, not after 5 s
            "    xfrd-reload-timeout: 0",
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
    def start(self, timeout=30):
        for _ in range(12):
            try:
                return self._start_once(timeout)
            except ports.PortInUse:
                if self.fixed_port:
                    raise
                self.port = ports.candidate()
        raise RuntimeError(f"nsd could not bind any candidate port:\n{self.log()}")

    def _start_once(self, timeout):
        self.write_config()
        check = subprocess.run([NSD_CHECKCONF, self.conf], capture_output=True, text=True)
        if check.returncode != 0:
            raise RuntimeError(f"nsd-checkconf: {check.stdout}{check.stderr}")
        for p in (self.logfile, os.path.join(self.dir, "nsd.stdout")):
            if os.path.exists(p):
                os.unlink(p)     # a retry judges its own run's log
        self._out = open(os.path.join(self.dir, "nsd.stdout"), "w")
        self.proc = subprocess.Popen([NSD, "-d", "-c", self.conf], stdout=self._out,
                                     stderr=subprocess.STDOUT)
        try:
            self.wait_ready(timeout)
        except ports.PortInUse:
            self.stop()
            raise
        return self

    def wait_ready(self, timeout=30):
        """Wait until NSD's own process holds its sockets and answers the
        SOA of its first zone authoritatively (any answer while it does
        not hold the port would be another server's)."""
        import dns.exception
        import dns.flags
        import dns.message
        import dns.query
        import dns.rcode
        names = list(self.zones) or list(self.secondaries) or ["."]
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                if ports.bind_failed(self.log()):
                    raise ports.PortInUse(f"nsd could not bind {self.address}:\n{self.log()}")
                raise RuntimeError(f"nsd exited with {self.proc.returncode}:\n{self.log()}")
            if not (ports.holds(self.proc.pid, self.host, self.port, udp=True)
                    and ports.holds(self.proc.pid, self.host, self.port)):
                time.sleep(0.05)
                continue
            if not self.zones:
                return              # secondaries only: answers come after a transfer
            try:
                q = dns.message.make_query(names[0], "SOA")
                r = dns.query.udp(q, self.host, port=self.port, timeout=0.3)
                if r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA:
                    return
            except (dns.exception.Timeout, OSError):
                pass
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

    def serial(self, name):
        """The SOA serial NSD serves for zone name, or None while it has none
        (a secondary before its first transfer)."""
        import dns.rcode
        try:
            r = self.query(name, "SOA")
        except Exception:
            return None
        if r.rcode() != dns.rcode.NOERROR or not r.answer:
            return None
        return r.answer[0][0].serial

    def a_record(self, name):
        """The first address NSD gives name, None for NXDOMAIN, else "rcode:X"
        (or "error:..." when no answer came)."""
        import dns.rcode
        try:
            r = self.query(name, "A")
        except Exception as e:  # noqa: BLE001 - a timeout while NSD reloads
            return f"error:{e!r}"
        if r.rcode() == dns.rcode.NXDOMAIN:
            return None
        for rrset in r.answer:
            for rd in rrset:
                return rd.address
        return "rcode:" + dns.rcode.to_text(r.rcode())

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
