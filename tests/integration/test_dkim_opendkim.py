"""DKIM against OpenDKIM (Debian opendkim, opendkim-tools).

Keys are published by a real NSD; OpenDKIM reads them through its
libunbound (ResolverConfiguration: a forward zone to the NSD), vouch
through `vouchctl dkim verify --resolver`.

  vouch signs     -> `opendkim -t` verifies: rsa-sha256 and ed25519-sha256,
                     relaxed/relaxed and simple/simple; a changed body fails;
  opendkim-testkey finds the records `vouchctl dkim keygen` printed;
  OpenDKIM signs  -> vouch verifies: OpenDKIM as the signing milter of a
                     private Postfix (mail from od.test through Postfix to a
                     Maildir), rsa-sha256 in both canonicalizations;
  opendkim-testmsg signs with rsa-sha1 -> vouch fails it (RFC 8301).

OpenDKIM's test mode hands header fields over as a milter gets them, the
white space after the colon cut to one space, so a field written
"Subject:  x" fails simple header canonicalization there (dkimpy, reading
the octets, verifies it: test_dkim_interop.py). The messages here have one
space after each colon; runs of white space elsewhere stay.
"""
import os
import re
import shutil
import smtplib
import socket
import subprocess
import tempfile
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import paths
import ports
from nsd import Nsd, txt, zone
from postfix import Postfix, postfix_available

OPENDKIM = "/usr/sbin/opendkim"
TESTKEY = "/usr/sbin/opendkim-testkey"
TESTMSG = "/usr/sbin/opendkim-testmsg"

pytestmark = pytest.mark.skipif(not os.path.exists(OPENDKIM), reason="needs opendkim")

MESSAGE = (b"From: Alice <alice@%(d)s>\r\n"
           b"To: bob@dest.test\r\n"
           b"Subject: Hello   from %(d)s \r\n"
           b"Date: Tue, 01 Dec 2026 22:00:00 +0000\r\n"
           b"Message-ID: <m1@%(d)s>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain\r\n"
           b"\r\n"
           b"Hello  Bob, \r\n"
           b"\r\n"
           b"  indented\tline\r\n"
           b"\r\n"
           b"\r\n")


def message(domain):
    return MESSAGE % {b"d": domain.encode()}


def record_of(path):
    with open(path) as f:
        return "".join(re.findall(r'"([^"]*)"', f.read()))


class World:
    def __init__(self, d):
        self.dir = d
        self.keys = os.path.join(d, "keys")
        self.conf = os.path.join(d, "vouch.conf")
        with open(self.conf, "w") as f:
            f.write("dns_timeout = 3s\n")
        for sel, extra in (("rsa", []), ("ed", ["--ed25519"])):
            r = self.ctl("dkim", "keygen", "vouch.test", sel, "--dir", self.keys, *extra)
            assert r.returncode == 0, r.stderr
        k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.od_key = os.path.join(d, "od-rsa.key")
        with open(self.od_key, "wb") as f:
            f.write(k.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))
        os.chmod(self.od_key, 0o600)
        der = k.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
        import base64
        od_rec = "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()
        vz = [f"{s}._domainkey TXT {txt(record_of(os.path.join(self.keys, 'vouch.test', s + '.txt')))}"
              for s in ("rsa", "ed")]
        oz = [f"rsa._domainkey TXT {txt(od_rec)}"]
        self.nsd = Nsd(os.path.join(d, "nsd"),
                       {"vouch.test": zone("vouch.test", vz), "od.test": zone("od.test", oz)})
        self.nsd.start()
        # OpenDKIM's resolver: libunbound forwarding everything to the NSD
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

    def ctl(self, *args, stdin=None):
        return subprocess.run([paths.VOUCHCTL, "-c", self.conf, *args], input=stdin,
                              capture_output=True, timeout=60)

    def vouch_verify(self, msg):
        r = self.ctl("dkim", "verify", "--resolver", self.nsd.address, stdin=msg)
        return r.returncode, r.stdout.decode()

    def opendkim_verify(self, msg):
        """The Authentication-Results OpenDKIM would add, and its log."""
        path = os.path.join(self.dir, "msg.eml")
        with open(path, "wb") as f:
            f.write(msg)
        r = subprocess.run([OPENDKIM, "-x", self.od_conf, "-t", path, "-vv"],
                           capture_output=True, timeout=60)
        out = r.stdout.decode() + r.stderr.decode()
        m = re.search(r"hname='Authentication-Results' hvalue='([^']*)'", out)
        return (m.group(1) if m else ""), out


def entries(ar):
    """OpenDKIM's results, one string per entry, comments and header.i dropped."""
    out = []
    for e in re.split(r";\s*\n\s*", ar)[1:]:
        e = re.sub(r"\s*\([^)]*\)", "", e)
        out.append(" ".join(w for w in e.split() if not w.startswith("header.i=")
                            and not w.startswith("header.b=")))
    return out


@pytest.fixture(scope="module")
def world():
    d = tempfile.mkdtemp(prefix="vouch-odkim-")
    os.chmod(d, 0o755)  # Postfix's unprivileged processes reach their folders
    w = World(d)
    yield w
    w.stop()
    shutil.rmtree(d, ignore_errors=True)


@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple"])
@pytest.mark.parametrize("sel,alg", [("rsa", "rsa-sha256"), ("ed", "ed25519-sha256")])
def test_vouch_signs_opendkim_verifies(world, sel, alg, canon):
    r = world.ctl("dkim", "sign", f"vouch.test:{sel}", "--dir", world.keys, "--canon", canon,
                  stdin=message("vouch.test"))
    assert r.returncode == 0, r.stderr
    signed = r.stdout
    ar, log = world.opendkim_verify(signed)
    assert f"dkim=pass header.d=vouch.test header.a={alg} header.s={sel}" in entries(ar), log
    # a changed body byte: OpenDKIM fails it too
    ar, log = world.opendkim_verify(signed.replace(b"Hello  Bob", b"Hello  Rob"))
    assert "dkim=fail" in ar or "dkim=neutral" in ar, log
    assert "dkim=pass" not in ar, log


@pytest.mark.skipif(not os.path.exists(TESTKEY), reason="needs opendkim-tools")
def test_testkey_finds_published_records(world):
    """opendkim-testkey compares the DNS record with the private key file
    keygen wrote: the record keygen printed is the one to publish. (Its
    key reader takes RSA keys only: Ed25519 files are refused with
    "EVP_PKEY_get1_RSA() failed", so the Ed25519 record is checked by
    OpenDKIM's verifier above.)"""
    sel = "rsa"
    key = os.path.join(world.keys, "vouch.test", sel + ".key")
    r = subprocess.run([TESTKEY, "-x", world.od_conf, "-d", "vouch.test", "-s", sel, "-k", key,
                        "-vvv"], capture_output=True, timeout=60)
    out = r.stdout.decode() + r.stderr.decode()
    assert r.returncode == 0, out
    assert "key OK" in out or "key not secure" in out, out


@pytest.mark.skipif(not os.path.exists(TESTMSG), reason="needs opendkim-tools")
def test_opendkim_testmsg_sha1_refused(world):
    """opendkim-testmsg signs with rsa-sha1: valid for OpenDKIM, not for
    RFC 8301 (vouch fails it with reason sha1)."""
    r = subprocess.run([TESTMSG, "-d", "od.test", "-s", "rsa", "-k", world.od_key, "-C"],
                       input=message("od.test"), capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    signed = r.stdout
    assert b"a=rsa-sha1" in signed
    rc, out = world.vouch_verify(signed)
    assert rc == 1 and "dkim=fail reason=sha1 d=od.test s=rsa a=rsa-sha1" in out, out


# -- OpenDKIM as the signing milter of a Postfix ------------------------------

def start_opendkim_milter(w, canon):
    port = ports.candidate()
    conf = os.path.join(w.dir, f"opendkim-sign-{canon.replace('/', '-')}.conf")
    with open(conf, "w") as f:
        f.write(f"Mode s\nSyslog no\nBackground no\nSocket inet:{port}@127.0.0.1\n"
                f"Domain od.test\nSelector rsa\nKeyFile {w.od_key}\n"
                f"SignatureAlgorithm rsa-sha256\nCanonicalization {canon}\n"
                "InternalHosts 127.0.0.1\nOversignHeaders From\n"
                # the key lives under /tmp, which every user may write
                "RequireSafeKeys no\n"
                f"ResolverConfiguration {w.unbound}\n")
    proc = subprocess.Popen([OPENDKIM, "-f", "-x", conf], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 15
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, port
        except OSError:
            if proc.poll() is not None:
                raise AssertionError("opendkim exited: " + proc.stdout.read().decode())
            time.sleep(0.1)
    proc.kill()
    raise AssertionError("opendkim did not listen")


@pytest.mark.skipif(not postfix_available(), reason="needs root and postfix")
@pytest.mark.parametrize("canon", ["relaxed/relaxed", "simple/simple"])
def test_opendkim_signs_vouch_verifies(world, canon):
    proc, port = start_opendkim_milter(world, canon)
    pf = Postfix(os.path.join(world.dir, "pf-" + canon.replace("/", "-")), role="mailbox",
                 domains=("dest.test",), mailboxes=["bob@dest.test"],
                 main={"smtpd_milters": f"inet:127.0.0.1:{port}",
                       "milter_default_action": "tempfail"})
    try:
        pf.start()
        with smtplib.SMTP(pf.host, pf.port, timeout=30) as s:
            s.sendmail("alice@od.test", ["bob@dest.test"], message("od.test"))
        delivered = pf.wait_messages("bob@dest.test", 1)[0]
    finally:
        pf.cleanup()
        proc.terminate()
        proc.wait(timeout=10)
    assert b"DKIM-Signature:" in delivered, delivered[:2000]
    assert f"c={canon};".encode() in delivered.replace(b"\r\n\t", b" ").replace(b"\n\t", b" ")
    rc, out = world.vouch_verify(delivered)
    assert rc == 0, out
    assert re.search(rf"^dkim=pass reason=ok d=od\.test s=rsa a=rsa-sha256 c={canon} bits=2048",
                     out, re.M), out
    # the same message with a changed header: vouch fails it
    rc, out = world.vouch_verify(delivered.replace(b"Subject: Hello", b"Subject: Hullo"))
    assert rc == 1 and "dkim=fail reason=signature" in out, out
