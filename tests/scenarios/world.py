"""The scenario world: honest and hostile mail servers on loopback
addresses, each on its own address and all on one SMTP port, so one
setting (outbound_port, xvouch_port, callout_port) reaches every one:

    127.0.0.1   NSD (world.test, its reverse zone, and registrar.test as a
                secondary of vouch-registry) and vouch-registry itself
    127.0.0.9   dead.world.test: nothing listens (case 9)
    127.0.0.11  a.world.test: vouchd, registered, honest sender (1);
                also where the bot connects from (4)
    127.0.0.12  legacy.world.test: Postfix, no XVOUCH, valid SPF (2)
    127.0.0.13  the spoofer (3)
    127.0.0.14  forger.world.test: forges a -all SPF domain (5)
    127.0.0.15  mx.nouser.world.test: smtp-sink refusing every RCPT (6)
    127.0.0.16  c16.world.test: sends with that return path (6)
    127.0.0.17  s2.world.test: vouchd, registered then suspended (7)
    127.0.0.18  f.world.test: vouchd, registered forwarder (8)
    127.0.0.19  the client naming dead.world.test (9)
    127.0.0.20  r-hard.world.test: the receiver in hard mode
    127.0.0.21  r-soft.world.test: the receiver in soft mode
    127.0.0.22  t1.world.test: a client certificate from the trusted CA (13)
    127.0.0.23  t2.world.test: a client certificate from an untrusted CA (14)
    127.0.0.24  t3.world.test: the trusted CA's certificate, revoked (15)
    127.0.0.25  r-trans.world.test: a receiver in its transition period (18)

The receivers offer STARTTLS with a certificate of the world's CA, which
they also trust for client certificates (tls_trust_ca ... as worldca,
with its CRL revoking t3's certificate); "rogue CA" issued t2's.

Receivers accept mail for hard.world.test / soft.world.test (and
trans.world.test); the cases' mailbox is postmaster@ there, beside two
users of their own: school@ refuses mail of class bulk (case 16) and
guarded@ takes mail from unknown correspondents only once they confirm a
challenge (case 17). The receivers send their own mail (challenges,
transition replies) on the world's port. Senders' users are alice@ their
domain; alice@a.world.test is a real mailbox (the challenges of case 17
reach it) and submits with a password on a's submission listener (her
reply to a challenge, FUTURERELEASE in case 19). a's certificate, from
the world CA, is also its client certificate when it sends (vouchd
presents tls_cert): the receivers see its name proven twice, and their
verdict names XVOUCH. The registrar lists f, the forwarder and list
server, as class bulk, and a and s2 as isp.

Domains that only author mail (issue 16), zones of their own: corp.test
publishes p=reject and sends from nowhere (case 11's forged From);
origin.test DKIM-signs (dkimpy, key ORIGIN_KEY) and publishes p=reject. The mailing
list of case 12 runs on f: it seals with f.world.test (trusted by the
receivers, arc_trusted_sealers) or with list2.world.test (not trusted),
keys LIST_KEYS, through dkimpy's arc_sign."""
import base64
import os
import time

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import ports
from certs import CA
from nsd import txt, zone
from postfix import Postfix, postfix_available
from registry_runner import application, registry_and_secondary, wait_for
from sink import Sink
from vouchd import Vouchd

IP = {
    "dead": "127.0.0.9", "a": "127.0.0.11", "legacy": "127.0.0.12", "spoofer": "127.0.0.13",
    "forger": "127.0.0.14", "nouser-mx": "127.0.0.15", "c16": "127.0.0.16", "s2": "127.0.0.17",
    "f": "127.0.0.18", "deadclient": "127.0.0.19", "r-hard": "127.0.0.20", "r-soft": "127.0.0.21",
    "t1": "127.0.0.22", "t2": "127.0.0.23", "t3": "127.0.0.24", "r-trans": "127.0.0.25",
}
CERT_HOSTS = ("t1", "t2", "t3")
REG_ZONE = "registrar.test"


def _rsa_key():
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    der = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


ORIGIN_KEY, _ORIGIN_RECORD = _rsa_key()
# the list's sealing keys, by sealer domain (selector "arc")
LIST_KEYS = {d: _rsa_key() for d in ("f.world.test", "list2.world.test")}
TRUSTED_SEALERS = "f.world.test"
# hosts that listen on the shared port
LISTENERS = ("a", "legacy", "nouser-mx", "s2", "f", "r-hard", "r-soft", "r-trans")
# the registrar's class of each registered server
CLASSES = {"a": "isp", "s2": "isp", "f": "bulk"}
ALICE_PASSWORD = "alice's world password"
CHALLENGE_POLICY = ("By confirming you agree that unsolicited commercial mail is not to be "
                    "sent here.")
TRANSITION_URL = "https://registrar.test/providers"


def world_zone():
    return zone("world.test", [
        f"a A {IP['a']}", 'a TXT "v=spf1 ip4:127.0.0.11 -all"',
        f"legacy A {IP['legacy']}", 'legacy TXT "v=spf1 ip4:127.0.0.12 -all"',
        f"forger A {IP['forger']}",
        'bank TXT "v=spf1 ip4:127.0.0.11 -all"',
        "nouser MX 10 mx.nouser", f"mx.nouser A {IP['nouser-mx']}",
        f"c16 A {IP['c16']}",
        f"s2 A {IP['s2']}", 's2 TXT "v=spf1 ip4:127.0.0.17 -all"',
        f"f A {IP['f']}", "f MX 10 f", 'f TXT "v=spf1 ip4:127.0.0.18 -all"',
        f"dead A {IP['dead']}",
        f"r-hard A {IP['r-hard']}", "hard MX 10 r-hard",
        f"r-soft A {IP['r-soft']}", "soft MX 10 r-soft",
        f"r-trans A {IP['r-trans']}", "trans MX 10 r-trans",
        f"arc._domainkey.f TXT {txt(LIST_KEYS['f.world.test'][1])}",
        f"arc._domainkey.list2 TXT {txt(LIST_KEYS['list2.world.test'][1])}",
    ] + [r for h in CERT_HOSTS
         for r in (f"{h} A {IP[h]}", f'{h} TXT "v=spf1 ip4:{IP[h]} -all"')])


def author_zones():
    """Domains of their own (not under world.test, whose names all share
    one organizational domain and so align with each other)."""
    return {
        "corp.test": zone("corp.test", ['@ TXT "v=spf1 -all"',
                                        '_dmarc TXT "v=DMARC1; p=reject"'], ns="ns.world.test."),
        "origin.test": zone("origin.test", ['@ TXT "v=spf1 -all"',
                                            '_dmarc TXT "v=DMARC1; p=reject"',
                                            f"s1._domainkey TXT {txt(_ORIGIN_RECORD)}"],
                            ns="ns.world.test."),
    }


def reverse_zone():
    names = {"a": "a", "legacy": "legacy", "forger": "forger", "c16": "c16", "s2": "s2",
             "f": "f", "r-hard": "r-hard", "r-soft": "r-soft", "t1": "t1", "t2": "t2",
             "t3": "t3", "r-trans": "r-trans"}
    recs = [f"{IP[h].rsplit('.', 1)[1]} PTR {n}.world.test." for h, n in names.items()]
    return zone("0.0.127.in-addr.arpa", recs, ns="ns.world.test.")


class World:
    """Builds and runs the world; see the module comment."""

    def __init__(self, workdir):
        self.dir = workdir
        self.started = []

    # --- building --------------------------------------------------------
    def start(self):
        regdir = os.path.join(self.dir, "registry")
        os.makedirs(regdir, exist_ok=True)
        # NSD serves the world's zones and the registrar's zone as its
        # secondary; receivers' resolvers keep answers for a second, so a
        # status change reaches them within seconds
        self.registry, self.nsd = registry_and_secondary(
            regdir, zone=REG_ZONE, extra={"ns": "ns.world.test", "ttl": "1s", "soa_minimum": "1s"},
            nsd_zones=dict({"world.test": world_zone(), "0.0.127.in-addr.arpa": reverse_zone()},
                           **author_zones()))
        self.started += [self.registry, self.nsd]
        self.make_pki()
        self.register_servers()
        # the registrar's word reaches the secondary
        if not wait_for(lambda: self.nsd.a_record(f"s2.world.test.{REG_ZONE}") == "127.0.0.3",
                        timeout=20):
            raise RuntimeError("NSD did not transfer the registrar zone:\n" + self.nsd.log())
        # every host listens on one port (outbound_port, xvouch_port and
        # callout_port are single settings): a candidate each binds on its
        # own address; if one cannot, all start again on a fresh one
        ports.retry(self.start_hosts)
        return self

    def start_hosts(self, port):
        self.port = port
        mark = len(self.started)
        try:
            self.sink = Sink(os.path.join(self.dir, f"nouser-mx-{port}"), host=IP["nouser-mx"],
                             port=port, options=["-f", "rcpt"])
            self.sink.start()
            self.started.append(self.sink)
            self.r = {"hard": self.receiver("hard"), "soft": self.receiver("soft")}
            self.trans = self.transition_receiver()
            self.a = self.sender("a", table={
                "c1-hard": "c1@hard.world.test", "c1-soft": "c1@soft.world.test",
                "list8-hard": "list8-hard@f.world.test", "list8-soft": "list8-soft@f.world.test",
                "c11-hard": "c11@hard.world.test", "c11-soft": "c11@soft.world.test",
                "c16-hard": "school@hard.world.test", "c16-soft": "school@soft.world.test",
                "c17-hard": "guarded@hard.world.test", "c17-soft": "guarded@soft.world.test",
                "c18": "c18@trans.world.test"}, submission=True)
            self.s2 = self.sender("s2", table={
                "c7-hard": "c7@hard.world.test", "c7-soft": "c7@soft.world.test"})
            self.f = self.sender("f", table={
                "list8-hard": "c8@hard.world.test", "list8-soft": "c8@soft.world.test",
                "list12-hard": "c12@hard.world.test", "list12-soft": "c12@soft.world.test",
                "c16-hard": "school@hard.world.test", "c16-soft": "school@soft.world.test",
                "c17-hard": "guarded@hard.world.test", "c17-soft": "guarded@soft.world.test"})
            self.legacy = None
            if postfix_available():
                self.legacy = self.legacy_postfix(port)
        except ports.PortInUse:
            for p in reversed(self.started[mark:]):
                p.stop()
            del self.started[mark:]
            raise

    def legacy_postfix(self, port):
        pf = Postfix(
            os.path.join(self.dir, f"legacy-{port}"), role="mailbox", host=IP["legacy"],
            port=port, domains=["legacy.world.test"],
            mailboxes=["bob@legacy.world.test"], hostname="legacy.world.test",
            main={
                # 127.0.0.12 is not an interface Postfix knows: its
                # smtpd listens there through master.cf, and its
                # client binds to it for outgoing connections
                "smtp_bind_address": IP["legacy"],
                "smtp_helo_name": "legacy.world.test",
                "transport_maps": "inline:{hard.world.test=smtp:[%s]:%d, "
                                  "soft.world.test=smtp:[%s]:%d, trans.world.test=smtp:[%s]:%d}"
                                  % (IP["r-hard"], port, IP["r-soft"], port, IP["r-trans"], port),
                "bounce_queue_lifetime": "0", "maximal_queue_lifetime": "1h",
            })
        pf.start()
        self.started.append(pf)
        return pf

    def make_pki(self):
        """The world's CA (trusted by the receivers), a rogue one, and the
        certificates of the receivers and of t1, t2, t3."""
        self.ca = CA(os.path.join(self.dir, "pki", "world"), name="world CA")
        self.rogue = CA(os.path.join(self.dir, "pki", "rogue"), name="rogue CA")
        self.server_cert = {m: self.ca.issue(f"r-{m}.world.test") for m in ("hard", "soft")}
        self.a_cert = self.ca.issue("a.world.test")
        self.client_cert = {"t1": self.ca.issue("t1.world.test", client=True),
                            "t2": self.rogue.issue("t2.world.test", client=True),
                            "t3": self.ca.issue("t3.world.test", client=True)}
        self.crl = self.ca.crl(revoked=[self.client_cert["t3"][0]])

    def register_servers(self):
        reg = self.registry
        for host in ("a", "s2", "f"):
            name = f"{host}.world.test"
            st, doc = reg.api("POST", "/api/applications",
                              application(name, [IP[host]], **{"class": CLASSES[host]}))
            assert st == 201, doc
            st, doc = reg.api("POST", f"/api/admin/servers/{name}/approve", {"force": True},
                              admin=True)
            assert st == 200, doc
        st, doc = reg.api("POST", "/api/admin/servers/s2.world.test/suspend",
                          {"reason": "abuse confirmed by the scenario"}, admin=True)
        assert st == 200, doc

    def common(self):
        return {"dns_resolver": self.nsd.address, "allow_networks": "",
                "xvouch_allow_private": "yes", "xvouch_port": self.port,
                "xvouch_timeout": "5s", "callout_allow_private": "yes",
                "callout_port": self.port, "callout_timeout": "5s",
                "dns_timeout": "3s", "helo_timeout": "3s"}

    def receiver(self, mode):
        host = f"r-{mode}"
        aliases = os.path.join(self.dir, f"{host}.aliases")
        with open(aliases, "w") as f:
            for n in range(1, 20):
                f.write(f"c{n}: postmaster@{mode}.world.test\n")
        # The shipped XVOUCH settings: every session is called back (on a
        # reused callback connection), nothing is remembered between them.
        # arc_trusted_sealers is empty by default; case 12 needs a sealer
        # the admin trusts (f, the registered forwarder). TLS and the
        # trusted CA are for cases 13-15. The soft receiver also serves the
        # challenges' confirmation page (off by default; case 17 follows
        # its link), the hard one is confirmed by reply only.
        cert, key = self.server_cert[mode]
        settings = dict(self.common(), hostname=f"{host}.world.test",
                        domains=f"{mode}.world.test", registrar_zones=REG_ZONE,
                        aliases=aliases, arc_trusted_sealers=TRUSTED_SEALERS,
                        tls_cert=cert, tls_key=key,
                        tls_trust_ca=f"{self.ca.cert} as worldca", tls_trust_crl=self.crl,
                        outbound_port=self.port, outbound_bind=IP[host],
                        challenge_policy=CHALLENGE_POLICY)
        if mode == "soft":
            settings["challenge_http_listen"] = f"{IP[host]}:0"
        d = Vouchd(os.path.join(self.dir, host), host=IP[host], settings=settings,
                   listeners={"mx": {"address": f"{IP[host]}:{self.port}", "mode": mode,
                                     "callout": "yes"}})
        d.listener_defaults = {}
        d.write_config()
        # case 16: the school's address refuses what the registrar calls
        # bulk; case 17: guarded@ challenges unknown correspondents
        for user, setting in ((f"school@{mode}.world.test", "refuse_classes=bulk"),
                              (f"guarded@{mode}.world.test", "challenge=yes")):
            add_user(d, user)
            d.ctl("user", "set", user, setting, check=True)
        d.start()
        self.started.append(d)
        return d

    def transition_receiver(self):
        """r-trans (case 18): hard mode, announcing that from
        transition_date on (2099 here; case 18 moves it to a moment
        away), mail from servers no registrar lists is refused. The
        transition settings are off by default: each one is the case's.
        Until that day the site gates on the register rather than on
        XVOUCH, so a server that does not vouch is not refused for that
        (xvouch_none = ignore): otherwise hard mode would refuse the
        legacy server before the transition has anything to say."""
        host = "r-trans"
        aliases = os.path.join(self.dir, f"{host}.aliases")
        with open(aliases, "w") as f:
            f.write("c18: postmaster@trans.world.test\n")
        settings = dict(self.common(), hostname=f"{host}.world.test",
                        domains="trans.world.test", registrar_zones=REG_ZONE, aliases=aliases,
                        outbound_port=self.port, outbound_bind=IP[host],
                        transition_date="2099-01-01", transition_notice="yes",
                        transition_reply="yes", transition_url=TRANSITION_URL)
        d = Vouchd(os.path.join(self.dir, host), host=IP[host], settings=settings,
                   listeners={"mx": {"address": f"{IP[host]}:{self.port}", "mode": "hard",
                                     "xvouch_none": "ignore"}})
        d.listener_defaults = {}
        d.write_config()
        d.start()
        self.started.append(d)
        return d

    def sender(self, host, table, submission=False):
        name = f"{host}.world.test"
        aliases = os.path.join(self.dir, f"{host}.aliases")
        settings = dict(self.common(), hostname=name, domains=name,
                        outbound_port=self.port, outbound_bind=IP[host], aliases=aliases)
        listeners = {"mx": {"address": f"{IP[host]}:{self.port}", "mode": "off"}}
        if submission:
            # alice submits with her password over STARTTLS (case 19)
            settings["tls_cert"], settings["tls_key"] = self.a_cert
            listeners["submission"] = {"address": f"{IP[host]}:0", "submission": "yes"}
        d = Vouchd(os.path.join(self.dir, host), host=IP[host], settings=settings,
                   listeners=listeners)
        # its own users submit from 127.0.0.1: allow-listed at the sender
        d.settings["allow_networks"] = "127.0.0.1/32"
        d.listener_defaults = {}
        with open(aliases, "w") as f:
            for k, v in table.items():
                f.write(f"{k}: {v}\n")
        d.write_config()
        if submission:
            add_user(d, f"alice@{name}", ALICE_PASSWORD)
        d.start()
        self.started.append(d)
        return d

    def stop(self):
        errors = []
        for p in reversed(self.started):
            try:
                p.stop()
            except Exception as e:  # keep stopping the others
                errors.append(e)
        if errors:
            raise errors[0]


def add_user(d, user, password=None):
    """Add user to d's users file, unless a start on an earlier candidate
    port (ports.retry) added it already."""
    if user in d.ctl("user", "list", check=True).stdout.split():
        return
    if password is None:
        d.ctl("user", "add", user, check=True)
    else:
        d.ctl("user", "add", user, "--password-stdin", input=password + "\n", check=True)


def wait(fn, timeout=20, what="condition"):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
