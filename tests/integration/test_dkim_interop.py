"""DKIM and ARC against a real peer: dkimpy (Debian python3-dkim).

Every key is published by a real NSD on loopback; vouch reads them
through `vouchctl dkim verify --resolver` (dkim_check over libunbound,
vouchd's own path), dkimpy through a dnsfunc that asks the same NSD.

  vouch signs   -> dkimpy verifies: rsa-sha256, ed25519-sha256 and both
                   at once (RFC 8463 dual signing), in the four
                   canonicalization pairs, CRLF and LF messages;
  dkimpy signs  -> vouch verifies: the same algorithms and pairs;
  RFC 8463 A    -> the appendix's signed message verifies (both signatures);
  mangled       -> a changed header, body byte or key fails with the reason
                   (signature, body_hash); a revoked key, a missing key;
  RFC 8301      -> rsa-sha1 and a 512-bit key fail;
  l=            -> a signature over part of the body is policy/partial_body
                   with l= and the body length recorded;
  ARC           -> vouch seals -> dkimpy's arc_verify passes; dkimpy seals
                   -> vouch passes; vouch extends dkimpy's chain (i=2,
                   results found by verifying) -> dkimpy passes; a body
                   changed after sealing fails the chain.
"""
import base64
import os
import re
import shutil
import subprocess
import tempfile

import dkim
import dns.message
import dns.query
import dns.rdatatype
import nacl.signing
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import paths
from nsd import Nsd, txt, zone

VOUCHCTL = paths.VOUCHCTL
CANONS = ["relaxed/relaxed", "relaxed/simple", "simple/relaxed", "simple/simple"]

# RFC 8463 appendix A: the keys (A.2) and the signed message (A.3).
RFC8463_ED = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
RFC8463_RSA = ("v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3"
               "idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+"
               "yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB")
RFC8463_MSG = (
    b"DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
    b" d=football.example.com; i=@football.example.com;\r\n"
    b" q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
    b" subject : date : message-id : from : subject : date;\r\n"
    b" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    b" b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
    b" Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
    b"DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
    b" d=football.example.com; i=@football.example.com;\r\n"
    b" q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
    b" date : message-id : from : subject : date;\r\n"
    b" bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
    b" b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
    b" DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
    b" dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
    b"From: Joe SixPack <joe@football.example.com>\r\n"
    b"To: Suzie Q <suzie@shopping.example.net>\r\n"
    b"Subject: Is dinner ready?\r\n"
    b"Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
    b"Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
    b"\r\n"
    b"Hi.\r\n"
    b"\r\n"
    b"We lost the game.  Are you hungry yet?\r\n"
    b"\r\n"
    b"Joe.\r\n")

# Folding, white space runs, trailing blanks, empty lines at the end:
# what tells the canonicalizations apart.
MESSAGE = (
    b"From: Alice Example <alice@%(d)s>\r\n"
    b"To: bob@elsewhere.example,\r\n"
    b"    carol@elsewhere.example\r\n"
    b"Subject:   A  subject\twith   runs of   space  \r\n"
    b"Date: Tue, 01 Dec 2026 22:00:00 +0000\r\n"
    b"Message-ID: <m1@%(d)s>\r\n"
    b"MIME-Version: 1.0\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"X-Not-Signed: whatever\r\n"
    b"\r\n"
    b"Hello Bob,  \r\n"
    b"\r\n"
    b"  indented \t line\r\n"
    b"caf\xc3\xa9 \r\n"
    b"\r\n"
    b"\r\n")


def message(domain):
    return MESSAGE % {b"d": domain.encode()}


def rsa_key(bits):
    """(PEM private key, key record) for a new RSA key."""
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    der = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


def ed_key():
    """(base64 seed, as dkimpy and RFC 8463 write it; key record)."""
    k = nacl.signing.SigningKey.generate()
    return (base64.b64encode(bytes(k)),
            "v=DKIM1; k=ed25519; p=" + base64.b64encode(bytes(k.verify_key)).decode())


def record_of(txtfile):
    """The record in the zone text vouchctl keygen writes."""
    with open(txtfile) as f:
        return "".join(re.findall(r'"([^"]*)"', f.read()))


class World:
    def __init__(self, d):
        self.dir = d
        self.keys = os.path.join(d, "keys")
        self.conf = os.path.join(d, "vouch.conf")
        with open(self.conf, "w") as f:
            f.write("dns_timeout = 3s\n")
        # vouch's keys, made the way an operator makes them
        for sel, extra in (("rsa", []), ("ed", ["--ed25519"])):
            r = self.ctl("dkim", "keygen", "vouch.test", sel, "--dir", self.keys, *extra)
            assert r.returncode == 0, r.stderr
        self.vouch = {s: record_of(os.path.join(self.keys, "vouch.test", s + ".txt"))
                      for s in ("rsa", "ed")}
        # dkimpy's keys
        self.peer_rsa, rsa_rec = rsa_key(2048)
        self.peer_rsa1024, rsa1024_rec = rsa_key(1024)
        self.peer_rsa512, rsa512_rec = rsa_key(512)
        self.peer_ed, ed_rec = ed_key()
        other_pem, other_rec = rsa_key(2048)
        self.records = {
            "rsa._domainkey.vouch.test": self.vouch["rsa"],
            "ed._domainkey.vouch.test": self.vouch["ed"],
            "rsa._domainkey.peer.test": rsa_rec,
            "rsa1024._domainkey.peer.test": rsa1024_rec,
            "rsa512._domainkey.peer.test": rsa512_rec,
            "ed._domainkey.peer.test": ed_rec,
            # the key was changed in DNS after the message was signed
            "rotated._domainkey.peer.test": other_rec,
            "revoked._domainkey.peer.test": "v=DKIM1; k=rsa; p=",
            "brisbane._domainkey.football.example.com": RFC8463_ED,
            "test._domainkey.football.example.com": RFC8463_RSA,
        }
        zones = {}
        for name, rec in self.records.items():
            for origin in ("vouch.test", "peer.test", "football.example.com"):
                if name.endswith("." + origin):
                    rel = name[:-len(origin) - 1]
                    zones.setdefault(origin, []).append(f"{rel} TXT {txt(rec)}")
        self.nsd = Nsd(os.path.join(d, "nsd"),
                       {o: zone(o, recs) for o, recs in zones.items()})
        self.nsd.start()

    def stop(self):
        self.nsd.stop()

    def ctl(self, *args, stdin=None):
        return subprocess.run([VOUCHCTL, "-c", self.conf, *args], input=stdin,
                              capture_output=True, timeout=60)

    # DNS for dkimpy: the same NSD
    def dnsfunc(self, name, timeout=5):
        q = dns.message.make_query(name.decode().rstrip("."), "TXT")
        r = dns.query.udp(q, self.nsd.host, port=self.nsd.port, timeout=timeout)
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.TXT:
                for rd in rrset:
                    return b"".join(rd.strings)
        return None

    # vouch
    def sign(self, msg, *keys, canon="relaxed/relaxed", extra=()):
        r = self.ctl("dkim", "sign", *[f"vouch.test:{k}" for k in keys], "--dir", self.keys,
                     "--canon", canon, *extra, stdin=msg)
        assert r.returncode == 0, r.stderr.decode()
        return r.stdout

    def verify(self, msg, *extra):
        """(exit status, [dkim line dicts], arc line dict, whole output)."""
        r = self.ctl("dkim", "verify", "--resolver", self.nsd.address, *extra, stdin=msg)
        out = r.stdout.decode()
        sigs, arc = [], None
        for line in out.splitlines():
            m = re.match(r"(dkim|arc)=(\S+)(.*)$", line)
            if not m:
                continue
            d = dict(re.findall(r'(\w+)=("(?:[^"\\]|\\.)*"|\S+)', m.group(3)))
            d["result"] = m.group(2)
            if m.group(1) == "dkim":
                sigs.append(d)
            else:
                arc = d
        return r.returncode, sigs, arc, out + r.stderr.decode()


@pytest.fixture(scope="module")
def world():
    d = tempfile.mkdtemp(prefix="vouch-dkim-")
    w = World(d)
    yield w
    w.stop()
    shutil.rmtree(d, ignore_errors=True)


def dkimpy_verify_all(w, msg):
    n = len(re.findall(rb"(?im)^DKIM-Signature:", msg))
    out = []
    for i in range(n):
        try:
            out.append(dkim.DKIM(msg).verify(idx=i, dnsfunc=w.dnsfunc))
        except dkim.DKIMException:
            out.append(False)  # dkimpy raises for some failures
    return out


# -- vouch signs, dkimpy verifies -------------------------------------------

@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("keys", [("rsa",), ("ed",), ("rsa", "ed")], ids=["rsa", "ed", "dual"])
def test_vouch_signs_dkimpy_verifies(world, keys, canon):
    signed = world.sign(message("vouch.test"), *keys, canon=canon)
    assert signed.count(b"DKIM-Signature:") == len(keys)
    assert f"c={canon};".encode() in signed
    assert dkimpy_verify_all(world, signed) == [True] * len(keys)
    # and vouch agrees
    rc, sigs, _, out = world.verify(signed)
    assert rc == 0 and [s["result"] for s in sigs] == ["pass"] * len(keys), out


def test_vouch_signs_lf_message(world):
    """A file with bare LF gets its signature in LF too; both readers agree."""
    msg = message("vouch.test").replace(b"\r\n", b"\n")
    signed = world.sign(msg, "rsa", "ed", canon="simple/simple")
    assert b"\r" not in signed
    assert dkimpy_verify_all(world, signed) == [True, True]
    rc, sigs, _, out = world.verify(signed)
    assert rc == 0 and len(sigs) == 2, out


def test_vouch_signature_breaks_on_change(world):
    signed = world.sign(message("vouch.test"), "rsa")
    assert dkimpy_verify_all(world, signed.replace(b"A  subject", b"B  subject")) == [False]
    assert dkimpy_verify_all(world, signed.replace(b"Hello Bob", b"Hello Bib")) == [False]


def test_vouch_oversigns(world):
    """A second Subject added after signing breaks the signature (the
    default oversigns Subject, RFC 6376 5.4.2)."""
    signed = world.sign(message("vouch.test"), "rsa")
    added = signed.replace(b"\r\nDate: Tue", b"\r\nSubject: added\r\nDate: Tue", 1)
    assert dkimpy_verify_all(world, added) == [False]
    rc, sigs, _, out = world.verify(added)
    assert rc == 1 and sigs[0]["reason"] == "signature", out


# -- dkimpy signs, vouch verifies -------------------------------------------

def dkimpy_sign(w, msg, selector, key, canon="relaxed/relaxed", alg=b"rsa-sha256", **kw):
    h, b = canon.encode().split(b"/")
    sig = dkim.sign(msg, selector.encode(), b"peer.test", key, canonicalize=(h, b),
                    signature_algorithm=alg, **kw)
    return sig + msg


@pytest.mark.parametrize("canon", CANONS)
@pytest.mark.parametrize("alg", ["rsa-sha256", "ed25519-sha256"])
def test_dkimpy_signs_vouch_verifies(world, alg, canon):
    sel, key = ("rsa", world.peer_rsa) if alg == "rsa-sha256" else ("ed", world.peer_ed)
    signed = dkimpy_sign(world, message("peer.test"), sel, key, canon, alg.encode())
    rc, sigs, _, out = world.verify(signed)
    assert rc == 0, out
    s = sigs[0]
    assert (s["result"], s["reason"], s["d"], s["s"], s["a"], s["c"]) == \
        ("pass", "ok", "peer.test", sel, alg, canon), out
    assert s["bits"] == ("2048" if alg == "rsa-sha256" else "256")
    assert "header.d=peer.test header.s=%s" % sel in out


def test_dkimpy_dual_and_lf(world):
    msg = message("peer.test").replace(b"\r\n", b"\n")
    once = dkimpy_sign(world, msg, "ed", world.peer_ed, "simple/simple", b"ed25519-sha256")
    twice = dkimpy_sign(world, once, "rsa1024", world.peer_rsa1024, "relaxed/simple")
    rc, sigs, _, out = world.verify(twice)
    assert rc == 0 and [(s["result"], s["s"], s["bits"]) for s in sigs] == \
        [("pass", "rsa1024", "1024"), ("pass", "ed", "256")], out


def test_rfc8463_example(world):
    rc, sigs, _, out = world.verify(RFC8463_MSG, "--now", "1528637909")
    assert rc == 0, out
    assert [(s["result"], s["a"], s["s"]) for s in sigs] == \
        [("pass", "ed25519-sha256", "brisbane"), ("pass", "rsa-sha256", "test")], out
    # dkimpy reads it the same way
    assert dkimpy_verify_all(world, RFC8463_MSG) == [True, True]


# -- mangled messages fail with the right reason ----------------------------

@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple"])
def test_mangled(world, canon):
    signed = dkimpy_sign(world, message("peer.test"), "rsa", world.peer_rsa, canon)
    cases = [
        (signed.replace(b"A  subject", b"A  subjekt"), "fail", "signature"),
        (signed.replace(b"caf\xc3\xa9", b"caf\xc3\xa8"), "fail", "body_hash"),
        (signed.replace(b"s=rsa;", b"s=rotated;"), "fail", "signature"),
        (signed.replace(b"s=rsa;", b"s=revoked;"), "permerror", "key_revoked"),
        (signed.replace(b"s=rsa;", b"s=nothere;"), "permerror", "key_missing"),
    ]
    for msg, result, reason in cases:
        assert msg != signed
        rc, sigs, _, out = world.verify(msg)
        assert rc == 1, out
        assert (sigs[0]["result"], sigs[0]["reason"]) == (result, reason), out


def test_relaxed_survives_whitespace(world):
    """What relaxed/relaxed forgives (RFC 6376 3.4.2, 3.4.4), simple does not."""
    msg = message("peer.test")
    for canon, ok in (("relaxed/relaxed", True), ("simple/simple", False)):
        signed = dkimpy_sign(world, msg, "rsa", world.peer_rsa, canon)
        bent = signed.replace(b"Hello Bob,  \r\n", b"Hello   Bob,\r\n").replace(
            b"Subject:   A  subject", b"subject: A subject")
        rc, sigs, _, out = world.verify(bent)
        assert (rc == 0) == ok, out


# -- RFC 8301 ---------------------------------------------------------------

def test_rsa_sha1_fails(world):
    signed = dkimpy_sign(world, message("peer.test"), "rsa", world.peer_rsa, alg=b"rsa-sha1")
    assert b"a=rsa-sha1" in signed
    rc, sigs, _, out = world.verify(signed)
    assert rc == 1 and (sigs[0]["result"], sigs[0]["reason"]) == ("fail", "sha1"), out


def test_short_key_fails(world):
    signed = dkimpy_sign(world, message("peer.test"), "rsa512", world.peer_rsa512)
    rc, sigs, _, out = world.verify(signed)
    assert rc == 1, out
    assert (sigs[0]["result"], sigs[0]["reason"]) == ("fail", "key_too_short"), out


# -- l= ---------------------------------------------------------------------

def test_length_recorded(world):
    signed = dkimpy_sign(world, message("peer.test"), "rsa", world.peer_rsa, length=True)
    m = re.search(rb"l=(\d+)", signed)
    assert m
    rc, sigs, _, out = world.verify(signed)
    assert rc == 0 and sigs[0]["l"] == m.group(1).decode() == sigs[0]["body"], out
    # text appended after signing: the signature still verifies, but does
    # not vouch for the part it does not cover
    extended = signed + b"P.S. appended by someone else\r\n"
    rc, sigs, _, out = world.verify(extended)
    assert rc == 1, out
    s = sigs[0]
    assert (s["result"], s["reason"]) == ("policy", "partial_body"), out
    assert int(s["body"]) > int(s["l"]) == int(m.group(1)), out
    assert dkimpy_verify_all(world, extended) == [True]  # dkimpy takes l= as given


# -- ARC ----------------------------------------------------------------------

def arc_in(msg, srv):
    return b"Authentication-Results: " + srv + b"; dkim=pass header.d=peer.test\r\n" + msg


def test_vouch_seals_dkimpy_verifies(world):
    signed = dkimpy_sign(world, message("peer.test"), "rsa", world.peer_rsa)
    r = world.ctl("dkim", "arc-seal", "vouch.test:rsa", "--dir", world.keys,
                  "--authres", "mx.vouch.test; dkim=pass header.d=peer.test", "--cv", "none",
                  stdin=signed)
    assert r.returncode == 0, r.stderr
    sealed = r.stdout
    assert sealed.startswith(b"ARC-Seal: i=1;")
    cv, results, comment = dkim.arc_verify(sealed, dnsfunc=world.dnsfunc)
    assert cv == b"pass", (results, comment)
    rc, sigs, arc, out = world.verify(sealed)
    assert arc["result"] == "pass" and arc["instances"] == "1", out


def test_dkimpy_seals_vouch_verifies_and_extends(world):
    signed = dkimpy_sign(world, message("peer.test"), "rsa", world.peer_rsa)
    msg = arc_in(signed, b"lists.peer.test")
    hdrs = dkim.arc_sign(msg, b"rsa", b"peer.test", world.peer_rsa, b"lists.peer.test")
    sealed = b"".join(hdrs) + msg
    rc, sigs, arc, out = world.verify(sealed)
    assert arc["result"] == "pass" and arc["instances"] == "1", out
    # vouch forwards it: verifies, then seals i=2 with what it found
    r = world.ctl("dkim", "arc-seal", "vouch.test:rsa", "--dir", world.keys,
                  "--authserv-id", "mx.vouch.test", "--resolver", world.nsd.address,
                  stdin=sealed)
    assert r.returncode == 0, r.stderr
    twice = r.stdout
    assert b"ARC-Seal: i=2; a=rsa-sha256; cv=pass;" in twice
    assert b"ARC-Authentication-Results: i=2; mx.vouch.test;" in twice
    assert b"arc=pass" in twice.split(b"ARC-Authentication-Results: i=2;")[1][:600]
    cv, results, comment = dkim.arc_verify(twice, dnsfunc=world.dnsfunc)
    assert cv == b"pass", (results, comment)
    rc, sigs, arc, out = world.verify(twice)
    assert arc["result"] == "pass" and arc["instances"] == "2", out
    # a body changed after the last seal: the newest AMS no longer verifies
    broken = twice.replace(b"Hello Bob", b"Hello Rob")
    rc, sigs, arc, out = world.verify(broken)
    assert arc["result"] == "fail" and arc["failed"] == "2", out
    assert arc["reason"] == "body_hash", out
    cv, _, _ = dkim.arc_verify(broken, dnsfunc=world.dnsfunc)
    assert cv == b"fail"


def test_vouch_seals_ed25519_vouch_verifies(world):
    """dkimpy's ARC is rsa-sha256 only; an Ed25519 seal is checked by vouch."""
    signed = dkimpy_sign(world, message("peer.test"), "ed", world.peer_ed, alg=b"ed25519-sha256")
    r = world.ctl("dkim", "arc-seal", "vouch.test:ed", "--dir", world.keys,
                  "--authserv-id", "mx.vouch.test", "--resolver", world.nsd.address,
                  stdin=signed)
    assert r.returncode == 0, r.stderr
    rc, sigs, arc, out = world.verify(r.stdout)
    assert rc == 0 and arc["result"] == "pass", out
