"""ARC (RFC 8617) in vouchd over SMTP, against a real DNS server (NSD):
a mailing list at lists.test receives origin.test's DKIM-signed mail
(origin.test publishes p=reject), tags its Subject and adds a footer --
which breaks the author's signature -- and seals it with dkimpy's
arc_sign, its ARC-Authentication-Results saying dmarc=pass. vouchd
validates the chain in the same pass as DKIM and records it:

  chain pass, sealer trusted   -> DMARC fails, but the chain stands for it:
                                  delivered, dmarc=fail ... policy.arc-override=
                                  lists.test, the log says so;
  chain pass, sealer untrusted -> DMARC policy as without ARC: 550 5.7.1
                                  (hard), Unsafe (soft);
  AMS or AS tampered           -> arc=fail with the reason; no override even
                                  for a trusted sealer;
  no chain                     -> arc=none;
  config check                 -> a bad sealer name is reported with its line.
"""
import base64
import os
import subprocess

import dkim
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

import paths
from nsd import Nsd, txt, zone
from vouchd import Client


def rsa_key(bits=2048):
    k = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    pem = k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                          serialization.NoEncryption())
    der = k.public_key().public_bytes(serialization.Encoding.DER,
                                      serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


AUTHOR_KEY, AUTHOR_RECORD = rsa_key()
LIST_KEY, LIST_RECORD = rsa_key()

ZONES = {
    # the author's domain: signs, sends only from 192.0.2.1, p=reject
    "origin.test": zone("origin.test", [
        '@ TXT "v=spf1 ip4:192.0.2.1 -all"',
        f"s1._domainkey TXT {txt(AUTHOR_RECORD)}",
        '_dmarc TXT "v=DMARC1; p=reject"',
    ]),
    # the list: its bounces come from loopback, it seals with selector arc
    "lists.test": zone("lists.test", [
        '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"',
        "mx A 127.0.0.1",
        f"arc._domainkey TXT {txt(LIST_RECORD)}",
    ]),
}

LIST = "lists.test"


@pytest.fixture
def ns(world_dir):
    n = Nsd(os.path.join(world_dir, "nsd"), ZONES)
    n.start()
    yield n
    n.stop()


def start(make_vouchd, ns, mode="hard", **settings):
    s = {"dns_resolver": ns.address, "allow_networks": ""}
    s.update(settings)
    d = make_vouchd(start=False, settings=s)
    d.listener_defaults = {}
    # the list's server does not vouch; that is not held against it here,
    # so what is tested is DMARC and ARC
    d.listeners["smtp"].update({"mode": mode, "xvouch_none": "ignore"})
    d.write_config()
    d.start()
    return d


def authored():
    msg = (b"From: Alice <alice@origin.test>\r\n"
           b"To: list@lists.test\r\n"
           b"Subject: meeting\r\n"
           b"Date: Wed, 02 Dec 2026 00:00:00 +0000\r\n"
           b"Message-ID: <m1@origin.test>\r\n"
           b"\r\n"
           b"See you at noon.\r\n")
    return dkim.sign(msg, b"s1", b"origin.test", AUTHOR_KEY) + msg


def through_list(msg, results=b"dkim=pass header.d=origin.test; "
                              b"spf=pass smtp.mailfrom=alice@origin.test; "
                              b"dmarc=pass header.from=origin.test"):
    """What the list does: records what it saw, changes the message, seals."""
    msg = msg.replace(b"Subject: meeting", b"Subject: [list] meeting")
    msg += b"--\r\nlist footer\r\n"
    msg = b"Authentication-Results: " + LIST.encode() + b"; " + results + b"\r\n" + msg
    seal = dkim.arc_sign(msg, b"arc", LIST.encode(), LIST_KEY, LIST.encode())
    assert seal, "dkimpy made no ARC set"
    return b"".join(seal) + msg


def send(d, data, sender="list-bounces@lists.test", helo="mx.lists.test",
         rcpt="postmaster@localhost"):
    with Client(d.host, d.port) as c:
        c.reply()
        assert c.cmd(f"EHLO {helo}")[0] == 250
        code, lines = c.cmd(f"MAIL FROM:<{sender}>")
        assert code == 250, lines
        assert c.cmd(f"RCPT TO:<{rcpt}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return c.reply()


def ours(msg, host=b"mx.test.example"):
    """Our Authentication-Results field, unfolded, and X-Vouch-Verdict."""
    head = msg.split(b"\r\n\r\n")[0].replace(b"\r\n\t", b" ").replace(b"\r\n ", b" ")
    ar = [ln for ln in head.split(b"\r\n")
          if ln.startswith(b"Authentication-Results: " + host + b";")]
    vv = [ln for ln in head.split(b"\r\n") if ln.startswith(b"X-Vouch-Verdict:")]
    assert len(ar) == 1 and len(vv) == 1, head
    return ar[0].decode(), vv[0].decode()


def test_trusted_sealer_stands_for_dmarc(make_vouchd, ns):
    # arc_trusted_sealers is empty by default: the admin names the list
    d = start(make_vouchd, ns, mode="hard", arc_trusted_sealers=LIST)
    code, lines = send(d, through_list(authored()))
    assert code == 250, lines
    ar, vv = ours(d.wait_messages("postmaster@localhost", 1)[0])
    assert "dkim=fail (body hash mismatch) header.d=origin.test header.s=s1" in ar
    assert "arc=pass (1 ARC set verified; as.1.d=lists.test as.1.s=arc) " \
           "smtp.remote-ip=127.0.0.1" in ar
    assert "dmarc=fail (p=reject; overridden by a trusted ARC chain) " \
           "header.from=origin.test policy.arc-override=lists.test" in ar
    assert "the ARC chain sealed by lists.test (trusted) shows an aligned dmarc pass " \
           "at its first hop (lists.test)" in vv, vv
    d.wait_log(r'event=arc result=pass sets=1 sealers="lists\.test"')
    d.wait_log(r"event=dmarc_arc_override reason=\"DMARC fails for origin\.test")


def test_untrusted_sealer_refused_in_hard_mode(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard")
    code, lines = send(d, through_list(authored()))
    assert code == 550, lines
    assert lines[0].startswith("550 5.7.1 message from origin.test fails DMARC; "
                               "the domain's owner asks for rejection (p=reject)")
    assert "the ARC chain's sealer lists.test is not trusted (arc_trusted_sealers)" in lines[0]
    d.wait_log(r'event=arc result=pass sets=1 sealers="lists\.test"')
    assert "dmarc_arc_override" not in d.log()


def test_untrusted_sealer_unsafe_in_soft_mode(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="soft", arc_trusted_sealers="other-list.test")
    assert send(d, through_list(authored()))[0] == 250
    ar, vv = ours(d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0])
    assert "arc=pass (1 ARC set verified; as.1.d=lists.test as.1.s=arc)" in ar
    assert "dmarc=fail (p=reject) header.from=origin.test" in ar
    assert "policy.arc-override" not in ar
    assert vv.startswith("X-Vouch-Verdict: unsafe (message from origin.test fails DMARC;"), vv
    assert "is not trusted" in vv


def test_tampered_ams_fails(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard", arc_trusted_sealers=LIST)
    # a hop after the list changes the body: AMS(1) no longer verifies
    data = through_list(authored()).replace(b"list footer", b"list f00ter")
    code, lines = send(d, data)
    assert code == 550, lines
    assert "the ARC chain does not validate (ARC-Message-Signature i=1: body hash " \
           "mismatch)" in lines[0], lines
    d.wait_log(r'event=arc result=fail sets=1 sealers="lists\.test" '
               r'reason="ARC-Message-Signature i=1: body hash mismatch"')


def test_tampered_seal_fails(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="soft", arc_trusted_sealers=LIST)
    # the recorded results are changed after sealing: the AAR is what the
    # ARC-Seal covers, the AMS still verifies
    data = through_list(authored(), results=b"dkim=fail header.d=origin.test; "
                                            b"dmarc=fail header.from=origin.test")
    head, body = data.split(b"\r\n\r\n", 1)
    head = head.replace(b"dkim=fail header.d=origin.test", b"dkim=pass header.d=origin.test", 1)
    head = head.replace(b"dmarc=fail header.from", b"dmarc=pass header.from", 1)
    assert send(d, head + b"\r\n\r\n" + body)[0] == 250
    ar, vv = ours(d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0])
    assert "arc=fail (ARC-Seal i=1: " in ar, ar
    assert "policy.arc-override" not in ar
    assert "the ARC chain does not validate (ARC-Seal i=1: " in vv, vv


def test_first_hop_saw_no_pass(make_vouchd, ns):
    """A valid chain from a trusted sealer that itself saw DMARC fail
    forgives nothing."""
    d = start(make_vouchd, ns, mode="hard", arc_trusted_sealers=LIST)
    forged = authored().replace(b"See you", b"Sea you")  # broken before the list
    data = through_list(forged, results=b"dkim=fail header.d=origin.test; "
                                        b"dmarc=fail header.from=origin.test")
    code, lines = send(d, data)
    assert code == 550, lines
    assert "the ARC chain sealed by lists.test does not show a pass for origin.test " \
           "at its first hop" in lines[0], lines


def test_no_chain_is_none(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard")
    # straight from a host whose own SPF passes: the author's DKIM aligns
    code, lines = send(d, authored())
    assert code == 250, lines
    ar, vv = ours(d.wait_messages("postmaster@localhost", 1)[0])
    assert "arc=none (no ARC sets);" in ar or ar.endswith("arc=none (no ARC sets)") or \
        "arc=none (no ARC sets) " in ar, ar
    assert "dmarc=pass (p=reject) header.from=origin.test" in ar
    assert "DMARC pass for origin.test with an aligned DKIM signature d=origin.test" in vv, vv


def test_config_check_bad_sealer(world_dir):
    conf = os.path.join(world_dir, "arc.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
                "arc_trusted_sealers = lists.example.org bad_name!\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 1
    assert f"{conf}:3: arc_trusted_sealers: 'bad_name!' is not a domain name" in p.stderr
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
                "arc_trusted_sealers = Lists.Example.org. lists.example.net\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
