"""A small world of real vouchd instances for the XVOUCH suites
(DESIGN 5.1): a sender S and receivers R, R2 and B, with the shipped
defaults unless a test says otherwise.

    127.0.0.10  sender.world.test     vouchd S: sends, and answers XVOUCH CHECK
    127.0.0.20  receiver.world.test   vouchd R: the receiver under test
    127.0.0.21  b.world.test          vouchd B: another receiver S sends to
    127.0.0.22  receiver2.world.test  vouchd R2: a second receiver
    127.0.0.30  a spoofer's address (no name)
    127.0.0.40  dead.world.test       nothing listens
    127.0.0.70  evil.world.test       a host that "vouches" for anything (FakeSMTP)
    127.0.0.71  hangup.world.test     a vouching host that hangs up after each check
    127.0.0.72  slowx.world.test      a vouching host that answers checks slowly
    127.0.0.80  silentmx.world.test   an MX that never greets (holds a callout)

The receivers listen on one port (S's outbound_port is one setting): a
candidate each binds on its own address, and the world starts again on a
fresh one if one cannot (tests/pylib/ports.py). S binds port 0; its port
is every receiver's xvouch_port.

bank.world.test publishes "v=spf1 ip4:127.0.0.10 -all" (only S may send
for it); slow.world.test's MX is the silent host and it has no SPF, so a
receiver with callouts on holds a session from S at MAIL for the
callout's timeout: the way the suites keep an honest session open.
"""
import os
import secrets
import socket
import threading

import ports
from fake_smtp import Behaviour, FakeSMTP, make_cert
from nsd import Nsd, zone
from vouchd import Client, Vouchd

IP = {"s": "127.0.0.10", "r": "127.0.0.20", "b": "127.0.0.21", "r2": "127.0.0.22",
      "spoof": "127.0.0.30", "dead": "127.0.0.40", "evil": "127.0.0.70",
      "hangup": "127.0.0.71", "slowx": "127.0.0.72", "silent": "127.0.0.80"}
NAMES = {"s": "sender", "r": "receiver", "b": "b", "r2": "receiver2"}
PASSWORD = "sender password 1"
# What S's aliases send where (S delivers by MX/A to the receivers).
ALIASES = {"out": "postmaster@receiver.world.test", "outb": "postmaster@b.world.test",
           "out2": "postmaster@receiver2.world.test", "pupil": "pupil@receiver.world.test"}


def world_zones(extra_records=()):
    fwd = zone("world.test", [
        f"sender A {IP['s']}", 'sender TXT "v=spf1 ip4:127.0.0.10 -all"',
        f"receiver A {IP['r']}", "receiver MX 10 receiver",
        f"b A {IP['b']}", f"receiver2 A {IP['r2']}",
        f"dead A {IP['dead']}", f"evil A {IP['evil']}", f"hangup A {IP['hangup']}",
        f"slowx A {IP['slowx']}",
        'bank TXT "v=spf1 ip4:127.0.0.10 -all"',
        "slow MX 10 silentmx", f"silentmx A {IP['silent']}",
    ] + list(extra_records))
    rev = zone("0.0.127.in-addr.arpa", [
        "10 PTR sender.world.test.", "20 PTR receiver.world.test.", "21 PTR b.world.test.",
        "22 PTR receiver2.world.test.", "70 PTR evil.world.test.",
        "71 PTR hangup.world.test.", "72 PTR slowx.world.test.",
    ], ns="ns.world.test.")
    return {"world.test": fwd, "0.0.127.in-addr.arpa": rev}


class SilentMX:
    """Accepts connections and never says a word (until closed)."""

    def __init__(self, host):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                continue

    def close(self):
        self.stop.set()
        self.thread.join(timeout=5)
        for c in self.conns:
            c.close()
        self.sock.close()


class World:
    """Builds the world; `receivers` chooses which receivers run (mode,
    listener and top-level overrides per receiver)."""

    def __init__(self, make_vouchd, workdir, receivers=None, sender=None, x_hosts=(),
                 extra_records=()):
        """extra_records: more lines for the world.test zone (a registrar
        zone's names, say)."""
        self.make_vouchd = make_vouchd
        self.dir = workdir
        self.ns = Nsd(os.path.join(workdir, "nsd"), world_zones(extra_records)).start()
        self.silent = SilentMX(IP["silent"])
        self.fakes = {}
        self.receivers_spec = receivers or {"r": {}}
        self.sender_spec = sender or {}
        self.x_hosts = x_hosts
        self.cert = None
        ports.retry(self._start)

    # ------------------------------------------------------------------
    def base(self):
        return {"dns_resolver": self.ns.address, "allow_networks": "",
                # the world is on 127.0.0.0/8: every callback target is loopback
                "xvouch_allow_private": "yes",
                "callout_allow_private": "yes", "callout_port": self.silent.port,
                "callout_timeout": "8s", "callout_connect_timeout": "8s"}

    def _start(self, port):
        self.port = port
        started = []
        try:
            # S's aliases are how the tests make it send with the envelope
            # sender they choose: SRS (on by default) would rewrite it
            s = self.make_vouchd(start=False, host=IP["s"], settings=dict(
                self.base(), hostname="sender.world.test", domains="world.test",
                outbound_port=port, outbound_bind=IP["s"], srs="no", **self.sender_spec),
                listeners={"mx": {"address": f"{IP['s']}:0", "mode": "off"}})
            s.listener_defaults = {}
            s.set_aliases("".join(f"{k}: {v}\n" for k, v in ALIASES.items()))
            s.ctl("user", "add", "alice@world.test", "--password-stdin", input=PASSWORD + "\n",
                  check=True)
            s.start()
            started.append(s)
            self.s = s
            # the hosts that answer checks other than S: on S's port (xvouch_port)
            for name in self.x_hosts:
                self.fakes[name] = self._fake(name, s.port)
            self.rx = {}
            for key, spec in self.receivers_spec.items():
                spec = dict(spec)
                mode = spec.pop("mode", "soft")
                listener = spec.pop("listener", {})
                name = f"{NAMES[key]}.world.test"
                d = self.make_vouchd(start=False, host=IP[key], settings=dict(
                    self.base(), hostname=name, domains=name, xvouch_port=s.port, **spec),
                    listeners={"mx": dict({"address": f"{IP[key]}:{port}", "mode": mode},
                                          **listener)})
                d.listener_defaults = {}
                d.write_config()
                d.start()
                started.append(d)
                self.rx[key] = d
            return self
        except ports.PortInUse:
            for d in started:
                d.stop()
            for f in self.fakes.values():
                f.close()
            self.fakes = {}
            raise

    def _fake(self, name, port):
        if self.cert is None:
            self.cert = make_cert(self.dir, "x.world.test")
        b = {"evil": Behaviour("evil.world.test", "evil.world.test", xvouch_confirms=True),
             "hangup": Behaviour("hangup.world.test", "hangup.world.test",
                                 close_after_check=True),
             "slowx": Behaviour("slowx.world.test", "slowx.world.test", check_delay=1.0)}[name]
        try:
            return FakeSMTP(IP[name], port, b, *self.cert)
        except OSError as e:
            raise ports.PortInUse(str(e))

    @property
    def r(self):
        return self.rx["r"]

    def close(self):
        for f in self.fakes.values():
            f.close()
        self.silent.close()
        self.ns.stop()

    # ------------------------------------------------------------------
    def send(self, to="out@world.test", sender="alice@world.test", subject="vouched", headers=""):
        """A message through S, which relays it to a receiver (S vouches);
        headers: more header lines, each ending in CRLF."""
        import smtplib
        with smtplib.SMTP(self.s.host, self.s.port) as c:
            c.sendmail(sender, [to],
                       f"Subject: {subject}\r\nFrom: {sender}\r\n{headers}\r\nhello\r\n")


def bot_session(d, source, helo="sender.world.test", id_=None):
    """A session from source that says EHLO helo and XVOUCH id_ (a fresh
    invented id by default); returns (client, XVOUCH reply)."""
    c = Client(d.host, d.port, source=source)
    c.reply()
    c.cmd(f"EHLO {helo}")
    reply = c.cmd(f"XVOUCH {id_ or invented_id()}")
    return c, reply


def invented_id():
    """128 letters and digits nobody registered (DESIGN 5.1 step 2)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    return "".join(secrets.choice(alphabet) for _ in range(128))
