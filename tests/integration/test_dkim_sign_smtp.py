"""vouchd signs, seals and rewrites what leaves it (issue 16), checked by
independent implementations, with keys, SPF and DMARC records served by a
real DNS server (NSD):

  submission (AUTH) -> the message that reaches the next hop carries
                       vouch's DKIM signature(s): rsa, ed25519, or both
                       (dual); dkimpy and OpenDKIM (opendkim -t) verify
                       each, pyspf passes SPF for the envelope sender, and
                       DMARC passes (vouchctl dmarc, discovery through NSD,
                       on the results dkimpy and pyspf gave);
  retry             -> a message refused with 451 at the end of data the
                       first time arrives with the very same signature;
  relayed mail      -> mail for others (not authenticated) is not signed;
  alias forwarding  -> mail from another domain forwarded to a remote
                       address gets an ARC set (dkimpy's arc_verify:
                       cv=none at i=1; a second vouchd forwarding it again
                       adds i=2, cv=pass) and an SRS0 envelope sender that
                       Debian's postsrsd reverses and that passes SPF;
  bounces           -> mail to that SRS0 address goes back to the original
                       sender; a mangled or unknown SRS address gets
                       550 5.1.1.

The next hops are small recording SMTP servers of this file (the exact
octets received, dot-unstuffing done), on ports the kernel picks.
"""
import base64
import os
import re
import socketserver
import ssl
import subprocess
import threading
import time

import dkim
import dns.message
import dns.query
import dns.resolver
import pytest
import spf
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import paths
from certs import CA
from nsd import Nsd, txt, zone
from postsrsd import PostSRSd
from vouchd import Client

OPENDKIM = "/usr/sbin/opendkim"
PASSWORD = "sign secret 1"


# -- a recording next hop ------------------------------------------------------

class _Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self):
        srv = self.server
        self.send("220 hop.test ESMTP")
        mail, rcpts = None, []
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.decode(errors="replace").rstrip("\r\n")
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.wfile.write(b"250-hop.test\r\n250-8BITMIME\r\n250 SIZE 10000000\r\n")
                self.wfile.flush()
            elif up.startswith("MAIL FROM:"):
                mail = re.match(r"(?i)MAIL FROM:<([^>]*)>", cmd).group(1)
                rcpts = []
                self.send("250 2.1.0 ok")
            elif up.startswith("RCPT TO:"):
                rcpts.append(re.match(r"(?i)RCPT TO:<([^>]*)>", cmd).group(1))
                self.send("250 2.1.5 ok")
            elif up == "DATA":
                self.send("354 go on")
                data = b""
                while True:
                    ln = self.rfile.readline()
                    if not ln or ln == b".\r\n":
                        break
                    data += ln[1:] if ln.startswith(b"..") else ln
                with srv.lock:
                    srv.attempts.append((mail, list(rcpts), data))
                    fail = srv.tempfail > 0
                    if fail:
                        srv.tempfail -= 1
                self.send("451 4.3.0 try again" if fail else "250 2.0.0 taken")
            elif up == "RSET":
                self.send("250 ok")
            elif up == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 5.5.2 no")


class Hop(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, tempfail=0):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.attempts = []   # (mail from, rcpts, data), failed ones too
        self.tempfail = tempfail
        self.port = self.server_address[1]
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self):
        self.shutdown()
        self.server_close()

    def wait(self, n, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            with self.lock:
                if len(self.attempts) >= n:
                    return list(self.attempts)
            time.sleep(0.05)
        raise AssertionError(f"the next hop got {len(self.attempts)} messages, wanted {n}")


# -- the world: keys, zones ----------------------------------------------------

def rsa_key():
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    der = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def record_of(path):
    with open(path) as f:
        return "".join(re.findall(r'"([^"]*)"', f.read()))


class World:
    def __init__(self, d):
        self.dir = d
        self.keys = os.path.join(d, "keys")
        conf = os.path.join(d, "keygen.conf")
        with open(conf, "w") as f:
            f.write("dns_timeout = 3s\n")
        # the keys vouchd signs and seals with, made as an admin makes them
        for dom, sel, extra in (("vouch.test", "s1", []), ("vouch.test", "e1", ["--ed25519"]),
                                ("vouch.test", "arc", []), ("hop2.test", "arc", [])):
            r = subprocess.run([paths.VOUCHCTL, "-c", conf, "dkim", "keygen", dom, sel,
                                "--dir", self.keys, *extra], capture_output=True, timeout=60)
            assert r.returncode == 0, r.stderr
        self.origin_key, origin_rec = rsa_key()

        def pub(dom, sel):
            return f"{sel}._domainkey TXT " + txt(
                record_of(os.path.join(self.keys, dom, sel + ".txt")))
        zones = {
            # vouchd sends from 127.0.0.2 (outbound_bind), its name's address
            "vouch.test": zone("vouch.test", [
                "@ MX 10 mx", "mx A 127.0.0.2",
                '@ TXT "v=spf1 ip4:127.0.0.2 -all"',
                'mx TXT "v=spf1 a -all"',          # the SRS domain (the hostname)
                '_dmarc TXT "v=DMARC1; p=reject"',
                pub("vouch.test", "s1"), pub("vouch.test", "e1"), pub("vouch.test", "arc")]),
            # the second forwarder, on 127.0.0.3
            "hop2.test": zone("hop2.test", [
                "@ MX 10 mx", "mx A 127.0.0.3", 'mx TXT "v=spf1 a -all"',
                pub("hop2.test", "arc")]),
            "dest.test": zone("dest.test", ["@ MX 10 mx", "mx A 127.0.0.1"]),
            # a sender elsewhere (the test client, 127.0.0.1): its SPF allows
            # only that address, so mail forwarded from vouchd fails SPF for
            # it unless the sender is rewritten
            "origin.test": zone("origin.test", [
                '@ TXT "v=spf1 ip4:127.0.0.1 -all"',
                "@ MX 10 mx", "mx A 127.0.0.1", 'mx TXT "v=spf1 a -all"',
                '_dmarc TXT "v=DMARC1; p=none"',
                f"o1._domainkey TXT {txt(origin_rec)}"]),
        }
        self.nsd = Nsd(os.path.join(d, "nsd"), zones)
        self.nsd.start()
        self.ca = CA(os.path.join(d, "pki"))
        self.cert, self.certkey = self.ca.issue("mx.vouch.test")
        self.unbound = os.path.join(d, "unbound.conf")
        with open(self.unbound, "w") as f:
            f.write("server:\n  do-not-query-localhost: no\n"
                    '  local-zone: "test." transparent\n'
                    f'forward-zone:\n  name: "."\n  forward-addr: 127.0.0.1@{self.nsd.port}\n')
        self.od_conf = os.path.join(d, "opendkim-verify.conf")
        with open(self.od_conf, "w") as f:
            f.write(f"Mode v\nSyslog no\nResolverConfiguration {self.unbound}\n"
                    "AlwaysAddARHeader yes\nAuthservID od-test\n")

    def stop(self):
        self.nsd.stop()

    # independent checkers -------------------------------------------------
    def dnsfunc(self, name, timeout=5):
        q = dns.message.make_query(name.decode().rstrip(".") + ".", "TXT")
        r = dns.query.udp(q, "127.0.0.1", port=self.nsd.port, timeout=timeout)
        for rrset in r.answer:
            for rd in rrset:
                return b"".join(rd.strings)
        return None

    def dkimpy(self, msg):
        """dkimpy's verdict on each DKIM-Signature, in order."""
        d = dkim.DKIM(msg)
        n = len([h for h in d.headers if h[0].lower() == b"dkim-signature"])
        out = []
        for i in range(n):
            try:
                out.append(d.verify(idx=i, dnsfunc=self.dnsfunc))
            except dkim.ValidationError:
                out.append(False)
        return out

    def arc(self, msg):
        cv, _, why = dkim.arc_verify(msg, dnsfunc=self.dnsfunc)
        return cv, why

    def opendkim(self, msg):
        path = os.path.join(self.dir, "od.eml")
        with open(path, "wb") as f:
            f.write(msg)
        r = subprocess.run([OPENDKIM, "-x", self.od_conf, "-t", path, "-vv"],
                           capture_output=True, timeout=60)
        out = r.stdout.decode() + r.stderr.decode()
        m = re.search(r"hname='Authentication-Results' hvalue='([^']*)'", out)
        return (m.group(1) if m else ""), out

    def spf(self, sender, helo, ip="127.0.0.2"):
        res = dns.resolver.Resolver(configure=False)
        res.nameservers = ["127.0.0.1"]
        res.port = self.nsd.port
        saved = dns.resolver.default_resolver
        dns.resolver.default_resolver = res
        try:
            return spf.check2(i=ip, s=sender, h=helo)[0]
        finally:
            dns.resolver.default_resolver = saved

    def dmarc(self, frm, spf_domain, dkim_domain):
        args = ["--from", frm, "--spf", f"pass:{spf_domain}"]
        if dkim_domain:
            args += ["--dkim", f"pass:{dkim_domain}"]
        r = subprocess.run([paths.VOUCHCTL, "dmarc", *args, "--resolver", self.nsd.address],
                           capture_output=True, timeout=60)
        return r.stdout.decode().splitlines()[0] if r.stdout else r.stderr.decode()


@pytest.fixture(scope="module")
def world():
    import shutil
    import tempfile
    d = tempfile.mkdtemp(prefix="vouch-sign-")
    os.chmod(d, 0o755)
    w = World(d)
    yield w
    w.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def hop():
    h = Hop()
    yield h
    h.stop()


def vouchd_for(make_vouchd, world, port, keys=("vouch.test:s1", "vouch.test:e1"), **settings):
    s = {"hostname": "mx.vouch.test", "domains": "vouch.test",
         "dns_resolver": world.nsd.address, "outbound_port": port,
         "outbound_bind": "127.0.0.2",
         "dkim_key_dir": world.keys, "dkim_sign_keys": " ".join(keys),
         "arc_seal_key": "vouch.test:arc", "allow_networks": "",
         # the next hops are on loopback, not at port 25 of their names:
         # nobody there could answer an XVOUCH callback
         "xvouch_send": "no", "tls_cert": world.cert, "tls_key": world.certkey,
         "retry_min": "1s", "retry_max": "2s"}
    s.update(settings)
    d = make_vouchd(start=False, settings=s, listeners={
        "mx": {"address": "127.0.0.1:0", "xvouch_none": "ignore"},
        "submission": {"address": "127.0.0.1:0", "submission": "yes"}})
    d.ctl("user", "add", "alice@vouch.test", "--password-stdin", input=PASSWORD + "\n",
          check=True)
    return d


MESSAGE = ("From: Alice <alice@vouch.test>\r\n"
           "To: Bob <bob@dest.test>\r\n"
           "Subject: signed at queue time\r\n"
           "Date: Wed, 02 Dec 2026 03:00:00 +0000\r\n"
           "Message-ID: <sign-1@vouch.test>\r\n"
           "MIME-Version: 1.0\r\n"
           "Content-Type: text/plain\r\n"
           "\r\n"
           "Hello Bob,\r\n"
           "\r\n"
           ".a line that starts with a dot\r\n"
           "  and  spaces  \r\n")


def submit(d, rcpt="bob@dest.test", msg=MESSAGE):
    c = Client(d.host, d.ports["submission"])
    c.reply()
    c.cmd("EHLO client.example")
    c.starttls(ssl._create_unverified_context())
    c.cmd("EHLO client.example")
    assert c.auth_plain("alice@vouch.test", PASSWORD)[0] == 235
    assert c.cmd("MAIL FROM:<alice@vouch.test>")[0] == 250
    assert c.cmd(f"RCPT TO:<{rcpt}>")[0] == 250
    assert c.cmd("DATA")[0] == 354
    c.send(msg.replace("\r\n.", "\r\n..").encode() + b".\r\n")
    code, lines = c.reply()
    assert code == 250, lines
    c.cmd("QUIT")
    c.close()


def smtp(d, sender, rcpt, data, helo="mx.origin.test", port=None):
    """An unauthenticated transaction on the MX listener: the replies."""
    with Client(d.host, port or d.ports["mx"]) as c:
        c.reply()
        assert c.cmd(f"EHLO {helo}")[0] == 250
        assert c.cmd(f"MAIL FROM:<{sender}>")[0] == 250
        code, lines = c.cmd(f"RCPT TO:<{rcpt}>")
        if code != 250:
            return code, lines
        assert c.cmd("DATA")[0] == 354
        c.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return c.reply()


def field(msg, name):
    """The first field called name, unfolded, without its name."""
    head = msg.split(b"\r\n\r\n")[0]
    m = re.search(rb"(?mi)^" + re.escape(name) + rb":[ \t]*([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head)
    return re.sub(rb"\r\n[ \t]+", b" ", m.group(1)).rstrip(b"\r") if m else b""


def sigs(msg):
    head = msg.split(b"\r\n\r\n")[0]
    return re.findall(rb"(?m)^DKIM-Signature:[^\r\n]*(?:\r\n[ \t][^\r\n]*)*", head)


# -- DKIM signing of submitted mail -----------------------------------------------

@pytest.mark.parametrize("keys,algs", [
    (("vouch.test:s1",), [b"rsa-sha256"]),
    (("vouch.test:e1",), [b"ed25519-sha256"]),
    (("vouch.test:s1", "vouch.test:e1"), [b"rsa-sha256", b"ed25519-sha256"]),
], ids=["rsa", "ed25519", "dual"])
def test_submission_signed_and_verified(make_vouchd, world, hop, keys, algs):
    d = vouchd_for(make_vouchd, world, hop.port, keys=keys)
    d.start()
    submit(d)
    mail, rcpts, msg = hop.wait(1)[0]
    assert (mail, rcpts) == ("alice@vouch.test", ["bob@dest.test"])
    found = sigs(msg)
    assert sorted(re.search(rb"a=([\w-]+);", s).group(1) for s in found) == sorted(algs), msg
    assert all(b"d=vouch.test;" in s for s in found)
    # dkimpy verifies every signature
    assert world.dkimpy(msg) == [True] * len(algs), msg
    # OpenDKIM too
    if os.path.exists(OPENDKIM):
        ar, log = world.opendkim(msg)
        for alg in algs:
            sel = "s1" if alg == b"rsa-sha256" else "e1"
            assert re.search(rf"dkim=pass.*header.d=vouch.test.* header.a={alg.decode()} "
                             rf"header.s={sel}", ar), log
    # SPF for the envelope sender at the next hop, and DMARC on both
    assert world.spf(mail, "mx.vouch.test") == "pass"
    assert world.dmarc("alice@vouch.test", "vouch.test", "vouch.test") == "pass"
    # the signature is what makes DMARC survive forwarding: without it,
    # SPF of a forwarder fails it (the test can tell the difference)
    assert world.dmarc("alice@vouch.test", "elsewhere.example", None) == "fail"
    # the signature breaks when the message changes: a test that can fail
    bad = msg.replace(b"Hello Bob", b"Hello Rob")
    assert world.dkimpy(bad) == [False] * len(algs)
    # relaying for an authenticated user is sealed too; the AMS covers our
    # DKIM signatures (on top of the message) and the AAR names nobody
    cv, why = world.arc(msg)
    assert cv == b"pass", why
    ams = field(msg, b"ARC-Message-Signature")
    assert b"DKIM-Signature" in ams, ams
    aar = field(msg, b"ARC-Authentication-Results")
    assert aar.startswith(b"i=1; mx.vouch.test;") and b"auth=pass" in aar, aar
    assert b"alice" not in aar
    # our own Authentication-Results did not leave (it named what we saw)
    assert b"Authentication-Results: mx.vouch.test" not in msg
    assert re.search(r"event=dkim_signed d=vouch\.test s=(s1|e1)", d.log())


def test_retry_keeps_the_signature(make_vouchd, world):
    hop = Hop(tempfail=1)
    try:
        d = vouchd_for(make_vouchd, world, hop.port)
        d.start()
        submit(d)
        attempts = hop.wait(2, timeout=60)
        first, second = attempts[0][2], attempts[1][2]
        assert sigs(first) and sigs(first) == sigs(second)
        assert first == second
        assert world.dkimpy(second) == [True, True]
    finally:
        hop.stop()


def test_signing_key_that_does_not_load_stops_vouchd(make_vouchd, world, hop):
    d = vouchd_for(make_vouchd, world, hop.port, keys=("vouch.test:absent",))
    assert d.start(expect_fail=True) != 0
    assert "absent" in d.log()


def test_mail_for_others_is_not_signed(make_vouchd, world, hop):
    """Mail from another domain arriving on the MX listener, for a local
    user, is delivered unsigned; forged From of ours is not signed either."""
    d = vouchd_for(make_vouchd, world, hop.port)
    d.ctl("user", "add", "carol@vouch.test", check=True)
    d.start()
    data = MESSAGE.replace("To: Bob <bob@dest.test>", "To: carol@vouch.test").encode()
    assert smtp(d, "x@origin.test", "carol@vouch.test", data)[0] == 250
    # a From of ours over port 25 fails our own p=reject: the soft
    # disposition of the MX listener puts it in the Unsafe folder, unsigned
    m = d.wait_messages("carol@vouch.test", 1, folder=".Unsafe")[0]
    assert not sigs(m)
    assert "event=dkim_signed" not in d.log()


# -- forwarding: ARC and SRS --------------------------------------------------------

def origin_message():
    msg = (b"From: Olga <olga@origin.test>\r\n"
           b"To: fwd@vouch.test\r\n"
           b"Subject: forwarded\r\n"
           b"Date: Wed, 02 Dec 2026 03:10:00 +0000\r\n"
           b"Message-ID: <fwd-1@origin.test>\r\n"
           b"\r\n"
           b"Through an alias.\r\n")
    return dkim.sign(msg, b"o1", b"origin.test", world_origin_key[0]) + msg


world_origin_key = [None]


def test_alias_forward_is_sealed_and_srs_rewritten(make_vouchd, world, hop, world_dir):
    world_origin_key[0] = world.origin_key
    # Debian 12's postsrsd (1.x) compares hashes literally in classic
    # base64: to share a key with it, vouch writes that alphabet
    d = vouchd_for(make_vouchd, world, hop.port, srs_classic_base64="yes")
    d.set_aliases("fwd@vouch.test: someone@dest.test\n")
    d.start()
    code, lines = smtp(d, "olga@origin.test", "fwd@vouch.test", origin_message())
    assert code == 250, lines
    mail, rcpts, msg = hop.wait(1)[0]
    assert rcpts == ["someone@dest.test"]
    # SRS0 in our SRS domain (the hostname), passing SPF there
    assert re.fullmatch(r"SRS0=[^=]{4}=[A-Z2-7]{2}=origin\.test=olga@mx\.vouch\.test", mail), mail
    assert world.spf(mail, "mx.vouch.test") == "pass"
    # without the rewrite the next hop would have failed SPF
    assert world.spf("olga@origin.test", "mx.vouch.test") == "fail"
    assert world.spf("olga@origin.test", "mx.origin.test", ip="127.0.0.1") == "pass"
    # an ARC set, i=1, cv=none, that dkimpy accepts; the AAR says what we saw
    cv, why = world.arc(msg)
    assert cv == b"pass", why
    assert re.search(rb"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=vouch.test; s=arc", msg)
    aar = field(msg, b"ARC-Authentication-Results")
    assert aar.startswith(b"i=1; mx.vouch.test;"), aar
    assert b"dkim=pass" in aar and b"header.d=origin.test" in aar, aar
    assert b"spf=pass smtp.mailfrom=olga@origin.test" in aar, aar
    assert b"dmarc=pass" in aar and b"arc=none" in aar, aar
    # the original signature still verifies; nothing of ours DKIM-signs it
    assert world.dkimpy(msg) == [True]
    assert b"d=vouch.test" not in b"".join(sigs(msg))
    # the sealed message breaks when changed: a test that can fail
    cv, _ = world.arc(msg.replace(b"Through an alias", b"Through a lias"))
    assert cv == b"fail"
    # postsrsd, with our key, reverses our address
    with open(os.path.join(d.data_dir, "srs.key")) as f:
        key = f.read().split("\n")[0]
    with PostSRSd(world_dir, [key], "mx.vouch.test") as p:
        assert p.reverse(mail) == (200, "olga@origin.test")

    # a bounce to it goes back to the original sender
    bounce = (b"From: MAILER-DAEMON@dest.test\r\nTo: " + mail.encode() +
              b"\r\nSubject: Undelivered Mail\r\n\r\nsorry\r\n")
    code, lines = smtp(d, "", mail, bounce, helo="mx.dest.test")
    assert code == 250, lines
    got = hop.wait(2)[1]
    assert got[:2] == ("", ["olga@origin.test"])
    assert re.search(r"event=srs_reversed rcpt=\S+ to=olga@origin\.test", d.log())

    # an address made 30 days ago with our key has expired (srs_max_age 21)
    r = subprocess.run([paths.VOUCHCTL, "srs", "forward", "olga@origin.test",
                        "--key", os.path.join(d.data_dir, "srs.key"),
                        "--domain", "mx.vouch.test", "--now", str(int(time.time()) - 30 * 86400)],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    code, lines = smtp(d, "", r.stdout.strip(), bounce, helo="mx.dest.test")
    assert (code, lines[0]) == (550, "550 5.1.1 Recipient address rejected: SRS address expired")
    assert 'reason=srs_invalid srs="timestamp expired"' in d.log()

    # mangled, unknown and other-key SRS addresses are refused
    mangled = mail.replace("olga", "eve")
    for bad in (mangled, "SRS0=AAAA=AA=origin.test=olga@mx.vouch.test",
                "SRS0=broken@mx.vouch.test"):
        code, lines = smtp(d, "", bad, bounce, helo="mx.dest.test")
        assert code == 550 and lines[0].startswith("550 5.1.1"), (bad, code, lines)


def test_second_hop_seals_cv_pass(make_vouchd, world, hop, world_dir):
    """vouchd A forwards to vouchd B's alias, B forwards to the next hop:
    two ARC sets, B's with cv=pass, and dkimpy accepts the chain."""
    world_origin_key[0] = world.origin_key
    b = make_vouchd(start=False, settings={
        "hostname": "mx.hop2.test", "domains": "hop2.test",
        "dns_resolver": world.nsd.address, "outbound_port": hop.port,
        "outbound_bind": "127.0.0.3",
        "dkim_key_dir": world.keys, "arc_seal_key": "hop2.test:arc",
        "allow_networks": "", "xvouch_send": "no"},
        listeners={"mx": {"address": "127.0.0.3:0", "xvouch_none": "ignore"}})
    b.set_aliases("list@hop2.test: member@dest.test\n")
    b.start()
    a = vouchd_for(make_vouchd, world, b.ports["mx"])
    a.set_aliases("fwd@vouch.test: list@hop2.test\n")
    a.start()
    assert smtp(a, "olga@origin.test", "fwd@vouch.test", origin_message())[0] == 250
    mail, rcpts, msg = hop.wait(1, timeout=60)[0]
    assert rcpts == ["member@dest.test"]
    cv, why = world.arc(msg)
    assert cv == b"pass", why
    assert re.search(rb"ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=hop2.test; s=arc", msg), msg
    assert re.search(rb"ARC-Seal: i=1; a=rsa-sha256; cv=none; d=vouch.test; s=arc", msg)
    # B saw A's seal pass
    aar = field(msg, b"ARC-Authentication-Results")
    assert aar.startswith(b"i=2; mx.hop2.test;") and b"arc=pass" in aar, aar
    # A's SRS0 became B's SRS1 (a forwarder's forwarder)
    assert mail.startswith("SRS1=") and mail.endswith("@mx.hop2.test"), mail
    assert "mx.vouch.test" in mail


def test_srs_off_leaves_the_sender(make_vouchd, world, hop):
    d = vouchd_for(make_vouchd, world, hop.port, srs="no")
    d.set_aliases("fwd@vouch.test: someone@dest.test\n")
    d.start()
    world_origin_key[0] = world.origin_key
    assert smtp(d, "olga@origin.test", "fwd@vouch.test", origin_message())[0] == 250
    assert hop.wait(1)[0][0] == "olga@origin.test"
    assert not os.path.exists(os.path.join(d.data_dir, "srs.key"))


def test_config_check_reports_bad_outbound_settings(world_dir):
    conf = os.path.join(world_dir, "bad.conf")
    with open(conf, "w") as f:
        f.write(f"data_dir = {world_dir}/var\n"
                "dkim_sign_keys = example.com:s1 nocolon\n"
                "srs_domain = not_a..domain\n"
                "srs_hash_length = 4\n"
                "srs_hash_min = 6\n"
                "srs_separator = x\n")
    r = subprocess.run([paths.VOUCHCTL, "-c", conf, "config", "check"], capture_output=True,
                       text=True, timeout=30)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    assert "bad.conf:2: dkim_sign_keys: 'nocolon' is not DOMAIN:SELECTOR" in out, out
    assert "bad.conf:6:" in out and "srs_separator" in out, out
    # a key file others may read is refused by name
    with open(conf, "w") as f:
        f.write(f"data_dir = {world_dir}/var\nsrs_key_file = {world_dir}/srs.key\n")
    with open(os.path.join(world_dir, "srs.key"), "w") as f:
        f.write("secret\n")
    os.chmod(os.path.join(world_dir, "srs.key"), 0o644)
    r = subprocess.run([paths.VOUCHCTL, "-c", conf, "config", "check"], capture_output=True,
                       text=True, timeout=30)
    assert r.returncode != 0 and "bad.conf:2: srs_key_file:" in r.stdout + r.stderr, r


def test_key_rotation_on_reload(make_vouchd, world):
    """dkim_sign_keys changed and SIGHUP: new mail is signed with the new
    key; a reload naming a key that does not load keeps the old one."""
    hop = Hop()
    try:
        d = vouchd_for(make_vouchd, world, hop.port, keys=("vouch.test:s1",))
        d.start()
        submit(d)
        first = hop.wait(1)[0][2]
        assert b"s=s1;" in sigs(first)[0]
        d.settings["dkim_sign_keys"] = "vouch.test:e1"
        d.write_config()
        d.ctl("reload", check=True)
        d.wait_log("event=reloaded")
        submit(d)
        second = hop.wait(2)[1][2]
        assert [b"s=e1;" in s for s in sigs(second)] == [True]
        assert world.dkimpy(second) == [True]
        d.settings["dkim_sign_keys"] = "vouch.test:missing"
        d.write_config()
        d.ctl("reload")
        d.wait_log("event=reload_failed")
        submit(d)
        third = hop.wait(3)[2][2]
        assert [b"s=e1;" in s for s in sigs(third)] == [True]
    finally:
        hop.stop()
