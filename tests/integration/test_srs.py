"""SRS in postsrsd's format, through `vouchctl srs`:

* against the algorithm itself, written out here in Python (HMAC-SHA1 over
  the lower-cased parts, base64 cut to the hash length, the day number in
  base32), which also reproduces postsrsd's own unit test vector;
* against Debian's postsrsd daemon (1.x), run on loopback: each side
  reverses what the other wrote, both ways, for plain senders, SRS0
  senders of other forwarders (SRS1), case changed on the way back, and
  rotated keys; vouch writes postsrsd 1.x's exact addresses with
  --classic, and base64url (postsrsd >= 2.2.6) by default.
"""
import base64
import hashlib
import hmac
import os
import subprocess
import time

import pytest

import paths
from postsrsd import PostSRSd

B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
DAY = 86400


def ref_hash(key, parts, n=4, classic=False):
    digest = hmac.new(key.encode(), "".join(parts).lower().encode(), hashlib.sha1).digest()
    h = base64.b64encode(digest).decode()
    if not classic:
        h = h.replace("+", "-").replace("/", "_")
    return h[:n]


def ref_stamp(now):
    day = int(now) // DAY
    return B32[(day >> 5) & 31] + B32[day & 31]


def ref_forward(key, sender, domain, now, sep="=", n=4, classic=False):
    local, host = sender.split("@", 1)
    if local[:4].upper() == "SRS1" and local[4:5] in ("=", "+", "-"):
        first, rest = local[5:].split("=", 1)[1].split("=", 1)
        return f"SRS1{sep}{ref_hash(key, [first, rest], n, classic)}={first}={rest}@{domain}"
    if local[:4].upper() == "SRS0" and local[4:5] in ("=", "+", "-"):
        rest = local[4:]
        return f"SRS1{sep}{ref_hash(key, [host, rest], n, classic)}={host}={rest}@{domain}"
    t = ref_stamp(now)
    return f"SRS0{sep}{ref_hash(key, [t, host, local], n, classic)}={t}={host}={local}@{domain}"


def keyfile(tmp_path, *keys, name="srs.key"):
    p = tmp_path / name
    p.write_text("".join(k + "\n" for k in keys))
    os.chmod(p, 0o600)
    return str(p)


def srs(*args, ok=True):
    p = subprocess.run([paths.VOUCHCTL, "srs", *args], capture_output=True, text=True,
                       timeout=30)
    if ok:
        assert p.returncode == 0, (args, p.stderr)
        return p.stdout.strip()
    return p.returncode, p.stdout.strip(), p.stderr.strip()


def test_reference_reproduces_postsrsd_vector():
    # postsrsd's tests/unit/test_srs2.c: key "tops3cr3t" at 2020-01-01 00:01:00
    assert ref_forward("tops3cr3t", "test@otherdomain.com", "example.com", 1577836860) == \
        "SRS0=vmyz=2W=otherdomain.com=test@example.com"


SENDERS = [
    "alice@example.net", "Bob.Smith@Example.ORG", "c+tag@sub.example.co.uk",
    "x_y-z@example.net", "SRS0=abcd=AB=orig.example=u@first.example",
    "srs0+HHHH=TT=orig.example=user@fwd.example",
    "SRS1=abcd=first.example==HHHH=TT=orig.example=user@second.example",
] + [f"user{i}@example.net" for i in range(20)]


@pytest.mark.parametrize("now", [1577836860, 1700000000, 1024 * DAY * 20 - 1])
@pytest.mark.parametrize("sep,n,classic", [("=", 4, False), ("+", 4, True), ("-", 8, False),
                                           ("=", 20, True)])
def test_vectors(tmp_path, now, sep, n, classic):
    key = keyfile(tmp_path, "a secret of the test")
    opts = ["--key", key, "--now", str(now), "--separator", sep, "--hash-length", str(n)]
    if classic:
        opts.append("--classic")
    # all senders in one call each way (one line per address, in order)
    wants = [ref_forward("a secret of the test", s, "srs.test", now, sep, n, classic)
             for s in SENDERS]
    got = srs("forward", *SENDERS, "--domain", "srs.test", *opts).split("\n")
    assert got == wants
    backs = srs("reverse", *wants, *opts).split("\n")
    assert len(backs) == len(SENDERS)
    for s, back in zip(SENDERS, backs):
        if s.upper().startswith("SRS1"):
            assert back == "SRS0=HHHH=TT=orig.example=user@first.example"
        elif s.upper().startswith("SRS0"):
            assert back == "SRS0" + s[4:], s    # the tag comes back as SRS1 wrote it
        else:
            assert back == s


def test_several_addresses_one_line_each(tmp_path):
    """A list is answered line by line; one that cannot be rewritten
    leaves its line empty, says why on stderr, and the exit status is 1."""
    key = keyfile(tmp_path, "a secret of the test")
    fwd = srs("forward", "a@example.net", "b@example.org", "--key", key, "--domain",
              "srs.test").split("\n")
    assert [a.rsplit("=", 1)[1] for a in fwd] == ["a@srs.test", "b@srs.test"]
    rc, out, err = srs("reverse", fwd[0], "SRS0=xxxx=AA=bad@srs.test", fwd[1], "--key", key,
                       ok=False)
    assert rc == 1
    assert out.split("\n") == ["a@example.net", "", "b@example.org"]
    assert err.startswith("vouchctl srs: SRS0=xxxx=AA=bad@srs.test: "), err


def test_expiry_and_errors(tmp_path):
    key = keyfile(tmp_path, "k")
    t = 1700000000 // DAY * DAY
    addr = srs("forward", "a@example.net", "--key", key, "--domain", "srs.test", "--now", str(t))
    assert srs("reverse", addr, "--key", key, "--now", str(t + 21 * DAY)) == "a@example.net"
    rc, _, err = srs("reverse", addr, "--key", key, "--now", str(t + 22 * DAY), ok=False)
    assert (rc, err) == (1, "vouchctl srs: timestamp expired")
    assert srs("reverse", addr, "--key", key, "--now", str(t + 30 * DAY), "--max-age", "30") == \
        "a@example.net"
    rc, _, err = srs("reverse", addr.replace("a@", "b@"), "--key", key, "--now", str(t),
                     ok=False)
    assert (rc, err) == (1, "vouchctl srs: hash invalid")
    rc, _, err = srs("reverse", "a@example.net", "--key", key, ok=False)
    assert (rc, err) == (1, "vouchctl srs: not an SRS address")
    # senders of the SRS domain are left alone
    assert srs("forward", "bob@srs.test", "--key", key, "--domain", "srs.test") == "bob@srs.test"
    # a key file others may read is refused
    loose = keyfile(tmp_path, "k", name="loose.key")
    os.chmod(loose, 0o644)
    rc, _, err = srs("forward", "a@example.net", "--key", loose, "--domain", "srs.test", ok=False)
    assert rc == 1 and "chmod o-rw" in err


def test_key_rotation_command(tmp_path):
    path = str(tmp_path / "rot.key")
    assert srs("key", path) == f"{path}: a new key, then 0 older keys"
    assert os.stat(path).st_mode & 0o777 == 0o600
    first = open(path).read().split()
    addr = srs("forward", "a@example.net", "--key", path, "--domain", "srs.test")
    os.chmod(path, 0o640)
    assert srs("key", path) == f"{path}: a new key, then 1 older key"
    assert os.stat(path).st_mode & 0o777 == 0o640     # the mode is kept
    keys = open(path).read().split()
    assert len(keys) == 2 and keys[1] == first[0] and len(keys[0]) == 32
    # made with the old key, reversed with the rotated file
    assert srs("reverse", addr, "--key", path) == "a@example.net"
    # the new key signs
    new = srs("forward", "a@example.net", "--key", path, "--domain", "srs.test")
    assert new == ref_forward(keys[0], "a@example.net", "srs.test", time.time())


# ---- against postsrsd ----------------------------------------------------

KEY = "shared-secret-of-two-sites"


@pytest.fixture(scope="module")
def peer(tmp_path_factory):
    d = tmp_path_factory.mktemp("postsrsd")
    with PostSRSd(d, [KEY, "an-older-key"], "srs.test") as p:
        yield p


def vouch_key(tmp_path):
    return keyfile(tmp_path, KEY, "an-older-key")


PEER_SENDERS = [
    "alice@example.net", "Bob.Smith@Example.ORG", "c+tag@sub.example.co.uk",
    "SRS0=vmyz=2W=otherdomain.com=test@example.com",
] + [f"user{i}@example.net" for i in range(30)]


def test_postsrsd_writes_what_vouch_reverses(peer, tmp_path):
    key = vouch_key(tmp_path)
    for s in PEER_SENDERS:
        t = time.time()
        code, addr = peer.forward(s)
        assert code == 200, (s, addr)
        # postsrsd 1.x writes classic base64: vouch writes the same with --classic
        if ref_stamp(t) == ref_stamp(time.time()):
            assert srs("forward", s, "--key", key, "--domain", "srs.test", "--classic",
                       "--now", str(int(t))) == addr
        back = srs("reverse", addr, "--key", key)
        want = s if not s.startswith("SRS0") else "SRS0=vmyz=2W=otherdomain.com=test@example.com"
        assert back == want, (s, addr)
        # an MTA on the way back changed the case of the whole address
        assert srs("reverse", addr.lower(), "--key", key).lower() == want.lower()


def test_vouch_writes_what_postsrsd_reverses(peer, tmp_path):
    key = vouch_key(tmp_path)
    for s in PEER_SENDERS:
        addr = srs("forward", s, "--key", key, "--domain", "srs.test", "--classic")
        code, back = peer.reverse(addr)
        want = s if not s.startswith("SRS0") else "SRS0=vmyz=2W=otherdomain.com=test@example.com"
        assert (code, back) == (200, want), (s, addr)
        code, back = peer.reverse(addr.upper())
        assert code == 200 and back.lower() == want.lower(), (s, addr)


def test_base64url_needs_postsrsd_2(peer, tmp_path):
    """vouch's default alphabet is postsrsd 2.x's base64url; 1.x compares
    hashes literally, so a hash holding '-' or '_' only reverses there when
    written with --classic. vouch reverses both."""
    key = vouch_key(tmp_path)
    now = int(time.time())
    url = [s for s in (f"user{i}@example.net" for i in range(200))
           if set(ref_hash(KEY, [ref_stamp(now), "example.net", s.split("@")[0]])) & set("-_")]
    assert url, "no address with '-' or '_' in its hash today"
    s = url[0]
    addr = srs("forward", s, "--key", key, "--domain", "srs.test", "--now", str(now))
    if ref_stamp(now) != ref_stamp(time.time()):
        pytest.skip("the day changed during the test")
    assert peer.reverse(addr)[0] == 500
    assert srs("reverse", addr, "--key", key) == s
    classic = srs("forward", s, "--key", key, "--domain", "srs.test", "--classic")
    assert peer.reverse(classic) == (200, s)


def test_rotated_keys_both_ways(peer, tmp_path):
    # made with the peer's second (older) key: both still reverse it
    old_only = keyfile(tmp_path, "an-older-key", name="old.key")
    addr = srs("forward", "old@example.net", "--key", old_only, "--domain", "srs.test",
               "--classic")
    assert peer.reverse(addr) == (200, "old@example.net")
    assert srs("reverse", addr, "--key", vouch_key(tmp_path)) == "old@example.net"
    # a key neither has is refused by both
    other = keyfile(tmp_path, "not-shared", name="other.key")
    addr = srs("forward", "x@example.net", "--key", other, "--domain", "srs.test", "--classic")
    code, reason = peer.reverse(addr)
    assert code == 500 and "Hash invalid" in reason
    rc, _, err = srs("reverse", addr, "--key", vouch_key(tmp_path), ok=False)
    assert (rc, err) == (1, "vouchctl srs: hash invalid")


def test_own_domain_left_alone(peer, tmp_path):
    assert peer.forward("bob@srs.test") == (200, "bob@srs.test")
    assert srs("forward", "bob@srs.test", "--key", vouch_key(tmp_path), "--domain",
               "srs.test") == "bob@srs.test"


def test_timestamps_agree(peer, tmp_path):
    """The two sides read each other's timestamps alike: valid through
    max_age (21 days, both defaults), out of date after, and so for an
    address either side wrote."""
    key = vouch_key(tmp_path)
    now = int(time.time())
    for days, ok in [(0, True), (20, True), (22, False), (60, False)]:
        addr = srs("forward", f"aged{days}@example.net", "--key", key, "--domain", "srs.test",
                   "--classic", "--now", str(now - days * DAY))
        code, back = peer.reverse(addr)
        if ok:
            assert (code, back) == (200, f"aged{days}@example.net"), (days, addr)
        else:
            assert code == 500 and "out of date" in back.lower(), (days, addr, back)
        rc, out, err = srs("reverse", addr, "--key", key, ok=False)
        assert (rc == 0) == ok, (days, addr, out, err)
        if not ok:
            assert err == "vouchctl srs: timestamp expired"
    # an address postsrsd writes now is still good to vouch 21 days on, not 22
    t = time.time()
    code, addr = peer.forward("fresh@example.net")
    assert code == 200, addr
    day0 = int(t) // DAY * DAY
    if ref_stamp(t) != ref_stamp(time.time()):
        pytest.skip("the day changed during the test")
    assert srs("reverse", addr, "--key", key, "--now", str(day0 + 21 * DAY + DAY - 1)) == \
        "fresh@example.net"
    rc, _, err = srs("reverse", addr, "--key", key, "--now", str(day0 + 22 * DAY), ok=False)
    assert (rc, err) == (1, "vouchctl srs: timestamp expired")
