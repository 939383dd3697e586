"""DKIM keys from a DNSSEC-signed zone (NSD, signed in the test with
dnspython; its DS is the trust anchor): the key's DNSSEC state reaches the
result (dnssec=secure, "DNSSEC" in Authentication-Results), a key from an
unsigned zone or without an anchor is insecure, and a tampered key record
is bogus: a temperror (the key could not be had), never a fail or a pass.
"""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

import paths
from dnssec import sign_zone
from nsd import Nsd, txt, zone

MSG = (b"From: a@signed.test\r\nTo: b@example.org\r\nSubject: s\r\n"
       b"Date: Tue, 01 Dec 2026 22:00:00 +0000\r\n\r\nbody\r\n")


def ctl(conf, *args, stdin=None):
    return subprocess.run([paths.VOUCHCTL, "-c", conf, *args], input=stdin,
                          capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def world():
    d = tempfile.mkdtemp(prefix="vouch-dkimsec-")
    conf = os.path.join(d, "vouch.conf")
    with open(conf, "w") as f:
        f.write("dns_timeout = 3s\n")
    keys = os.path.join(d, "keys")
    recs = {}
    for dom, sel in (("signed.test", "k"), ("signed.test", "bad"), ("signed.test", "other"),
                     ("plain.test", "k")):
        r = ctl(conf, "dkim", "keygen", dom, sel, "--ed25519", "--dir", keys)
        assert r.returncode == 0, r.stderr
        recs[(dom, sel)] = "".join(re.findall(r'"([^"]*)"', r.stdout.decode()))
    signed = zone("signed.test", [f"k._domainkey TXT {txt(recs[('signed.test', 'k')])}",
                                  f"bad._domainkey TXT {txt(recs[('signed.test', 'bad')])}"])
    # after signing, bad's record is replaced by another key: bogus
    text, anchor = sign_zone(signed, "signed.test", tamper={
        "bad._domainkey.signed.test.": "TXT " + txt(recs[("signed.test", "other")])})
    anchor_file = os.path.join(d, "anchor.ds")
    with open(anchor_file, "w") as f:
        f.write(anchor)
    plain = zone("plain.test", [f"k._domainkey TXT {txt(recs[('plain.test', 'k')])}"])
    with Nsd(os.path.join(d, "nsd"), {"signed.test": text, "plain.test": plain}) as ns:
        yield conf, keys, ns, anchor_file
    shutil.rmtree(d, ignore_errors=True)


def run(world, domain, sel, anchor=True):
    conf, keys, ns, anchor_file = world
    r = ctl(conf, "dkim", "sign", f"{domain}:{sel}", "--dir", keys,
            stdin=MSG.replace(b"a@signed.test", b"a@" + domain.encode()))
    assert r.returncode == 0, r.stderr
    extra = ["--trust-anchor", anchor_file] if anchor else []
    v = ctl(conf, "dkim", "verify", "--resolver", ns.address, "--no-arc", *extra, stdin=r.stdout)
    return v.returncode, v.stdout.decode()


def test_secure_key(world):
    rc, out = run(world, "signed.test", "k")
    assert rc == 0 and "dkim=pass reason=ok d=signed.test s=k" in out and "dnssec=secure" in out, out
    assert "dkim=pass (256-bit ed25519 key, DNSSEC) header.d=signed.test" in out, out


def test_insecure_keys(world):
    rc, out = run(world, "plain.test", "k")
    assert rc == 0 and "dnssec=insecure" in out, out
    assert "DNSSEC" not in out
    rc, out = run(world, "signed.test", "k", anchor=False)
    assert rc == 0 and "dnssec=insecure" in out, out


def test_bogus_key_is_temperror(world):
    rc, out = run(world, "signed.test", "bad")
    assert rc == 75, out
    assert "dkim=temperror reason=key_dns d=signed.test s=bad" in out, out
    assert "dkim=temperror" in out.split("Authentication-Results:")[1]
    # without validation the forged record is only another key: fail
    rc, out = run(world, "signed.test", "bad", anchor=False)
    assert rc == 1 and "dkim=fail reason=signature" in out, out
