"""DKIM and DMARC in vouchd over SMTP, against a real DNS server (NSD):
keys and DMARC records published there, messages signed by dkimpy
(Debian python3-dkim). vouchd verifies the signatures as the message
streams in and evaluates DMARC for the From domain at the end of DATA:

  pass          -> delivered; Authentication-Results says dkim=pass with
                   header.d/s/b and dmarc=pass (p=reject);
  body changed  -> dkim=fail (body hash); DMARC still passes on aligned
                   SPF, so the message is delivered;
  forged From   -> a p=reject domain's From, sent over an honest path (the
                   sender's own SPF passes; the client does not vouch but
                   is not held against it): 550 5.7.1 in hard mode, the
                   Unsafe folder in soft mode; p=quarantine -> Unsafe;
  dmarc off     -> the forged message is taken; no dmarc entry.
"""
import base64
import os
import re
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


KEY, KEY_RECORD = rsa_key()

# Separate registered domains: under one, relaxed alignment would join them.
ZONES = {
    # signs, its SPF allows loopback, p=reject
    "signer.test": zone("signer.test", [
        '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"',
        f"s1._domainkey TXT {txt(KEY_RECORD)}",
        '_dmarc TXT "v=DMARC1; p=reject"',
    ]),
    # does not send from here, asks for rejection
    "bank.test": zone("bank.test", [
        '@ TXT "v=spf1 ip4:192.0.2.1 -all"',
        '_dmarc TXT "v=DMARC1; p=reject"',
    ]),
    # asks for quarantine
    "shop.test": zone("shop.test", [
        '@ TXT "v=spf1 ip4:192.0.2.1 -all"',
        '_dmarc TXT "v=DMARC1; p=quarantine"',
    ]),
    # the forger's own domain and HELO name: SPF passes for loopback
    "honest.test": zone("honest.test", [
        '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"',
        "mx A 127.0.0.1",
        'mx TXT "v=spf1 a -all"',
    ]),
}


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
    # an honest path: SPF decides at MAIL; a client that does not vouch is
    # not held against it, so DMARC is what is tested
    d.listeners["smtp"].update({"mode": mode, "xvouch_none": "ignore"})
    d.write_config()
    d.start()
    return d


def message(frm, body=b"Hello.\r\n"):
    return (b"From: Someone <" + frm.encode() + b">\r\n"
            b"To: postmaster@localhost\r\n"
            b"Subject: dmarc test\r\n"
            b"Date: Wed, 02 Dec 2026 00:00:00 +0000\r\n"
            b"Message-ID: <t1@signer.test>\r\n"
            b"\r\n" + body)


def signed(frm):
    msg = message(frm)
    return dkim.sign(msg, b"s1", b"signer.test", KEY) + msg


def send(d, sender, data, helo="mx.honest.test", rcpt="postmaster@localhost"):
    with Client(d.host, d.port) as c:
        c.reply()
        assert c.cmd(f"EHLO {helo}")[0] == 250
        code, lines = c.cmd(f"MAIL FROM:<{sender}>")
        assert code == 250, lines
        assert c.cmd(f"RCPT TO:<{rcpt}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        return c.reply()


def head(msg):
    return msg.split(b"\r\n\r\n")[0]


def test_signed_message_passes(make_vouchd, ns):
    d = start(make_vouchd, ns)
    code, _ = send(d, "alice@signer.test", signed("alice@signer.test"))
    assert code == 250
    h = head(d.wait_messages("postmaster@localhost", 1)[0])
    assert b"\tdkim=pass (2048-bit rsa key) header.d=signer.test header.s=s1 header.b=" in h
    assert b"\tdmarc=pass (p=reject) header.from=signer.test" in h
    # one field of ours: the session's results, then the message's own
    assert h.count(b"Authentication-Results: mx.test.example;") == 1
    assert (b"\tspf=pass smtp.mailfrom=alice@signer.test;\r\n" in h)
    assert h.index(b"spf=pass smtp.mailfrom") < h.index(b"dkim=pass") < \
        h.index(b"dmarc=pass") < h.index(b"Received: from mx.honest.test")
    d.wait_log(r"event=dkim result=pass d=signer\.test s=s1")
    d.wait_log(r"event=dmarc result=pass from=signer\.test")


def test_body_changed_fails_dkim(make_vouchd, ns):
    d = start(make_vouchd, ns)
    data = signed("alice@signer.test").replace(b"Hello.", b"Hellx.")
    assert send(d, "alice@signer.test", data)[0] == 250
    h = head(d.wait_messages("postmaster@localhost", 1)[0])
    assert b"\tdkim=fail (body hash mismatch) header.d=signer.test header.s=s1" in h
    # SPF of the return path is aligned and passes: DMARC passes all the same
    assert b"\tdmarc=pass (p=reject) header.from=signer.test" in h


def test_forged_from_refused_in_hard_mode(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard")
    code, lines = send(d, "mallory@honest.test", message("ceo@bank.test"))
    assert code == 550, lines
    assert lines[0].startswith("550 5.7.1 message from bank.test fails DMARC; "
                               "the domain's owner asks for rejection (p=reject)")
    d.wait_log(r"event=data_refused code=550")
    assert d.messages("postmaster@localhost") == []


def test_forged_from_unsafe_in_soft_mode(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="soft")
    assert send(d, "mallory@honest.test", message("ceo@bank.test"))[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert b"\tdkim=none (no signatures)" in msg
    assert b"\tdmarc=fail (p=reject) header.from=bank.test" in msg
    assert d.messages("postmaster@localhost") == []


def test_quarantine_is_unsafe_in_hard_mode(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard")
    assert send(d, "mallory@honest.test", message("orders@shop.test"))[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert b"\tdmarc=fail (p=quarantine) header.from=shop.test" in msg


def test_recipient_without_unsafe_folder_refuses(make_vouchd, ns):
    """Unsafe at the end of DATA for a recipient with no_unsafe: refused
    then, as RCPT would have, never bounced later."""
    d = start(make_vouchd, ns, mode="soft")
    d.ctl("user", "add", "strict@test.example", check=True)
    d.ctl("user", "set", "strict@test.example", "no_unsafe=1", check=True)
    d.wait_log("event=reloaded", count=2)
    code, lines = send(d, "mallory@honest.test", message("orders@shop.test"),
                       rcpt="strict@test.example")
    assert code == 550
    assert lines[0].startswith("550 5.7.1 Recipient accepts only verified mail, and this "
                               "message is not: message from shop.test fails DMARC")


def test_dmarc_off_takes_the_forgery(make_vouchd, ns):
    d = start(make_vouchd, ns, mode="hard", dmarc_verify="no")
    assert send(d, "mallory@honest.test", message("ceo@bank.test"))[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"dmarc=" not in msg
    assert b"\tdkim=none (no signatures)" in msg


def test_suffix_list_is_read_again_on_reload(make_vouchd, ns, world_dir):
    """dmarc_public_suffix_list takes effect on SIGHUP: signer.test made a
    public suffix turns news.signer.test into its own organizational
    domain, so d=signer.test no longer aligns and DMARC finds no policy
    there. A list that does not load at reload keeps the one in use."""
    psl = os.path.join(world_dir, "psl.dat")
    with open(psl, "w") as f:
        f.write("// a list of one suffix\ntest\n")
    d = start(make_vouchd, ns, dmarc_public_suffix_list=psl)
    msg = message("alice@news.signer.test")
    data = dkim.sign(msg, b"s1", b"signer.test", KEY) + msg
    passed = b"\tdmarc=pass (p=reject) header.from=news.signer.test"
    nopolicy = (b"\tdmarc=none (no DMARC record at _dmarc.news.signer.test) "
                b"header.from=news.signer.test")

    def results(n):
        heads = [head(m) for m in d.wait_messages("postmaster@localhost", n)]
        return sum(passed in h for h in heads), sum(nopolicy in h for h in heads)

    assert send(d, "alice@signer.test", data)[0] == 250
    assert results(1) == (1, 0)

    with open(psl, "w") as f:
        f.write("test\nsigner.test\n")
    n = d.log().count("event=reloaded")
    d.ctl("reload", check=True)
    d.wait_log("event=reloaded", count=n + 1)
    d.wait_log(re.escape("event=psl_loaded list=" + psl))
    assert send(d, "alice@signer.test", data)[0] == 250
    assert results(2) == (1, 1)

    with open(psl, "w") as f:
        f.write("// no rules\n")
    d.ctl("reload", check=True)
    d.wait_log("event=reloaded", count=n + 2)
    d.wait_log(re.escape(f'event=psl_reload_failed reason="cannot load the public suffix '
                         f'list {psl}" (the list loaded before stays in use)'))
    assert send(d, "alice@signer.test", data)[0] == 250
    assert results(3) == (1, 2)


def test_config_check_reports_bad_values_with_lines(world_dir):
    conf = os.path.join(world_dir, "bad.conf")
    with open(conf, "w") as f:
        f.write("hostname = mx.example\n"
                f"data_dir = {world_dir}/var\n"
                "dmarc_verify = maybe\n"
                "dkim_max_signatures = 0\n"
                "listener smtp {\n"
                "    address = 127.0.0.1:2525\n"
                "    dmarc_reject = drop\n"
                "}\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 1
    assert f"{conf}:3: dmarc_verify: 'maybe' is not yes or no" in p.stderr
    assert f"{conf}:4: dkim_max_signatures: 0 is outside the allowed range [1, 50]" in p.stderr
    assert f"{conf}:7: dmarc_reject: 'drop' is not one of:" in p.stderr
    # the shipped defaults check out, and say what they are
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for line in ("dkim_verify = yes", "dmarc_verify = yes", "    dmarc_reject = mode",
                 "    dmarc_quarantine = unsafe", "    dmarc_temperror = ignore"):
        assert line in p.stdout.splitlines()


def test_config_check_unreadable_suffix_list(world_dir):
    conf = os.path.join(world_dir, "psl.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
                "dmarc_public_suffix_list = /nonexistent/psl.dat\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 1
    assert f"{conf}:3: dmarc_public_suffix_list: cannot read /nonexistent/psl.dat" in p.stderr
    with open(conf, "a") as f:
        f.write("dmarc_verify = no\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
