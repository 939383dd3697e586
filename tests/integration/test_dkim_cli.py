"""vouchctl dkim: keygen, record, check, and the message commands'
edges (the interoperability of sign, verify and arc-seal is
test_dkim_interop.py's).

  keygen    writes DIR/DOMAIN/SELECTOR.key that no other user may read
            (root:<vouchd's group> 0640 as root, else 0600), never
            overwrites one, prints the zone text of the record (RSA 2048
            by default, --bits within 1024..4096, --ed25519), refuses names
            that cannot make a key name;
  record    prints the same record again from the key file;
  check     against a real NSD: ok for a published key, mismatch for
            another key at the name, missing for none; exit 1 unless all ok;
  verify    an unsigned message is dkim=none, exit 1;
  sign      refuses a message without From, and a key file others can read.
"""
import base64
import grp
import os
import re
import shutil
import stat
import subprocess
import tempfile

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key

import paths
from nsd import Nsd, txt, zone


def ctl(conf, *args, stdin=None):
    return subprocess.run([paths.VOUCHCTL, "-c", conf, *args], input=stdin,
                          capture_output=True, timeout=60)


@pytest.fixture
def tmp():
    d = tempfile.mkdtemp(prefix="vouch-dkimcli-")
    conf = os.path.join(d, "vouch.conf")
    with open(conf, "w") as f:
        f.write("dns_timeout = 3s\n")
    yield d, conf
    shutil.rmtree(d, ignore_errors=True)


def record(stdout):
    """(owner name, record text) from keygen's zone text."""
    text = stdout.decode()
    return text.split()[0], "".join(re.findall(r'"([^"]*)"', text))


def test_keygen_rsa_default(tmp):
    d, conf = tmp
    keys = os.path.join(d, "keys")
    r = ctl(conf, "dkim", "keygen", "example.com", "s2026", "--dir", keys)
    assert r.returncode == 0, r.stderr
    name, rec = record(r.stdout)
    assert name == "s2026._domainkey.example.com."
    m = re.fullmatch(r"v=DKIM1; k=rsa; p=([A-Za-z0-9+/=]+)", rec)
    assert m, rec
    assert load_der_public_key(base64.b64decode(m.group(1))).key_size == 2048
    # zone text: quoted strings of at most 255 octets
    assert all(len(s) <= 255 for s in re.findall(r'"([^"]*)"', r.stdout.decode()))
    path = os.path.join(keys, "example.com", "s2026.key")
    st = os.stat(path)
    assert stat.S_IMODE(st.st_mode) & 0o077 in (0, 0o040), oct(st.st_mode)
    assert not st.st_mode & 0o007
    if os.geteuid() == 0:
        try:
            gid = grp.getgrnam("vouch").gr_gid
        except KeyError:
            gid = None
        if gid is not None:
            assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (0, gid, 0o640)
    # the .txt beside it holds the same zone text
    with open(os.path.join(keys, "example.com", "s2026.txt"), "rb") as f:
        assert f.read() == r.stdout
    # never overwritten
    with open(path, "rb") as f:
        before = f.read()
    r2 = ctl(conf, "dkim", "keygen", "example.com", "s2026", "--dir", keys)
    assert r2.returncode == 1 and b"never overwritten" in r2.stderr
    with open(path, "rb") as f:
        assert f.read() == before
    # record prints it again
    r3 = ctl(conf, "dkim", "record", "example.com", "s2026", "--dir", keys)
    assert r3.returncode == 0 and r3.stdout == r.stdout, r3.stderr


def test_keygen_ed25519_and_bits(tmp):
    d, conf = tmp
    keys = os.path.join(d, "keys")
    r = ctl(conf, "dkim", "keygen", "example.com", "ed", "--ed25519", "--dir", keys)
    assert r.returncode == 0, r.stderr
    _, rec = record(r.stdout)
    m = re.fullmatch(r"v=DKIM1; k=ed25519; p=([A-Za-z0-9+/=]+)", rec)
    assert m and len(base64.b64decode(m.group(1))) == 32, rec
    r = ctl(conf, "dkim", "keygen", "example.com", "big", "--bits", "3072", "--dir", keys)
    assert r.returncode == 0, r.stderr
    _, rec = record(r.stdout)
    der = base64.b64decode(rec.split("p=")[1])
    assert load_der_public_key(der).key_size == 3072
    for bad in ("512", "1023", "8192", "x"):
        r = ctl(conf, "dkim", "keygen", "example.com", "b" + bad, "--bits", bad, "--dir", keys)
        assert r.returncode == 2, (bad, r.stderr)


@pytest.mark.parametrize("domain,selector", [
    ("example.com", "a/b"), ("../etc", "x"), ("example.com", ""), ("exa mple.com", "s"),
    ("example.com", "s" * 250)])
def test_keygen_refuses_names(tmp, domain, selector):
    d, conf = tmp
    r = ctl(conf, "dkim", "keygen", domain, selector, "--dir", os.path.join(d, "keys"))
    assert r.returncode == 2, r.stderr
    assert not os.path.exists(os.path.join(d, "etc"))


def test_check_against_dns(tmp):
    d, conf = tmp
    keys = os.path.join(d, "keys")
    recs = {}
    for sel, extra in (("ok", []), ("ed", ["--ed25519"]), ("swapped", []), ("absent", [])):
        r = ctl(conf, "dkim", "keygen", "example.com", sel, "--dir", keys, *extra)
        assert r.returncode == 0, r.stderr
        recs[sel] = record(r.stdout)[1]
    lines = [f"ok._domainkey TXT {txt(recs['ok'])}",
             f"ed._domainkey TXT {txt(recs['ed'])}",
             # another key published at this name
             f"swapped._domainkey TXT {txt(recs['ok'])}"]
    with Nsd(os.path.join(d, "nsd"), {"example.com": zone("example.com", lines)}) as ns:
        with open(conf, "a") as f:
            f.write(f"dkim_key_dir = {keys}\n"
                    "dkim_sign_keys = example.com:ok example.com:ed\n")
        r = ctl(conf, "dkim", "check", "--resolver", ns.address)
        out = r.stdout.decode()
        assert r.returncode == 0, out + r.stderr.decode()
        assert "ok ok._domainkey.example.com (rsa-sha256, 2048 bits" in out
        assert "ok ed._domainkey.example.com (ed25519-sha256, 256 bits" in out
        with open(conf, "a") as f:
            f.write("dkim_sign_keys = example.com:ok example.com:swapped example.com:absent\n")
        r = ctl(conf, "dkim", "check", "--resolver", ns.address)
        out = r.stdout.decode()
        assert r.returncode == 1, out
        assert "mismatch swapped._domainkey.example.com" in out
        assert "missing absent._domainkey.example.com" in out


def test_message_command_edges(tmp):
    d, conf = tmp
    keys = os.path.join(d, "keys")
    assert ctl(conf, "dkim", "keygen", "example.com", "s", "--dir", keys).returncode == 0
    unsigned = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    r = ctl(conf, "dkim", "verify", "--resolver", "127.0.0.1:9", "--no-arc", stdin=unsigned)
    assert r.returncode == 1
    assert r.stdout.decode().startswith('dkim=none reason=ok detail="no signatures"')
    assert "Authentication-Results: " in r.stdout.decode()
    r = ctl(conf, "dkim", "sign", "example.com:s", "--dir", keys,
            stdin=b"To: b@example.com\r\n\r\nbody\r\n")
    assert r.returncode == 1 and b"From" in r.stderr
    # a key file other users may read is refused
    open_key = os.path.join(d, "open.key")
    shutil.copy(os.path.join(keys, "example.com", "s.key"), open_key)
    os.chmod(open_key, 0o644)
    r = ctl(conf, "dkim", "sign", f"example.com:s:{open_key}", stdin=unsigned)
    assert r.returncode == 1 and b"chmod 600" in r.stderr
    os.chmod(open_key, 0o600)
    r = ctl(conf, "dkim", "sign", f"example.com:s:{open_key}", "--canon", "simple", stdin=unsigned)
    assert r.returncode == 0 and b"c=simple/simple;" in r.stdout, r.stderr
    assert r.stdout.endswith(unsigned)
    r = ctl(conf, "dkim", "sign", "example.com:s", "--dir", keys, "--canon", "odd/relaxed",
            stdin=unsigned)
    assert r.returncode == 2
    r = ctl(conf, "dkim", "arc-seal", "example.com:s", "--dir", keys, stdin=unsigned)
    assert r.returncode == 2  # neither --authres nor --authserv-id
    r = ctl(conf, "dkim", "nonsense")
    assert r.returncode == 2 and b"usage: vouchctl dkim keygen" in r.stderr
