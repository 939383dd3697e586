"""Unsafe mail in soft mode, end to end: a sender failing SPF on a
listener with spf_fail = unsafe gets its message into the recipient's
.Unsafe folder as a rewritten copy (msg/mime_strip): tagged subject, HTML
and attachments replaced by notices, X-Vouch-Unsafe naming what went and
why, and valid MIME that Python's email package parses without defects.
Safe mail on the same server stays an exact copy."""
import email
import email.policy
import os
import smtplib
from email.message import EmailMessage

import pytest

from nsd import Nsd, zone

SPF = zone("spf.test", [
    'pass TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'fail TXT "v=spf1 ip4:192.0.2.1 -all"',
    "helo A 127.0.0.1",
])

PDF = b"%PDF-1.4\n" + b"0" * 3000 + b"\n%%EOF\n"


@pytest.fixture
def ns(world_dir):
    n = Nsd(os.path.join(world_dir, "nsd"), {"spf.test": SPF})
    n.start()
    yield n
    n.stop()


def start(make_vouchd, ns, **settings):
    settings["dns_resolver"] = ns.address
    # loopback clients are allow-listed (verified) by default: not here
    settings.setdefault("allow_networks", "")
    d = make_vouchd(start=False, settings=settings)
    d.listener_defaults = {}
    # SPF alone decides here: a client that does not vouch is not held against it
    d.listeners["smtp"].update({"spf_fail": "unsafe", "xvouch_none": "ignore"})
    d.write_config()
    d.start()
    return d


def newsletter(subject="Your invoice"):
    m = EmailMessage()
    m["From"] = "billing@fail.spf.test"
    m["To"] = "postmaster@localhost"
    m["Subject"] = subject
    m.set_content("Dear customer,\nyour invoice is attached.\n")
    m.add_alternative("<html><body><p>Dear <b>customer</b>,</p>"
                      "<p><a href=\"http://phish.example/\">pay now</a></p></body></html>",
                      subtype="html")
    m.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    return m


def wire(msg):
    return msg.as_bytes(policy=email.policy.SMTP)


def send(d, sender, msg):
    with smtplib.SMTP(d.host, d.port, local_hostname="helo.spf.test") as s:
        s.sendmail(sender, ["postmaster@localhost"], wire(msg))


def parse(raw):
    m = email.message_from_bytes(raw, policy=email.policy.default)
    defects = [(p.get_content_type(), p.defects) for p in m.walk() if p.defects]
    assert defects == [], defects
    return m


def test_unsafe_copy_is_stripped_and_valid_mime(make_vouchd, ns):
    d = start(make_vouchd, ns)
    send(d, "billing@fail.spf.test", newsletter())
    raw = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert d.messages("postmaster@localhost") == []
    m = parse(raw)
    assert m["Subject"] == "[UNSAFE] Your invoice"
    verdict = " ".join(m["X-Vouch-Unsafe"].split())
    assert verdict.startswith("stripped 2 parts (text/html, application/pdf); reason=")
    assert "spf=fail smtp.mailfrom=billing@fail.spf.test" in verdict
    types = [p.get_content_type() for p in m.walk()]
    assert types == ["multipart/mixed", "multipart/alternative", "text/plain", "text/plain"]
    leaves = [p.get_content().replace("\r\n", "\n") for p in m.walk() if not p.is_multipart()]
    assert leaves[0] == "Dear customer,\nyour invoice is attached.\n"
    notice = leaves[1]
    assert "vouch removed this part of an unverified message." in notice
    assert "Type: application/pdf" in notice and "File name: invoice.pdf" in notice
    assert "Size: about 3 KB" in notice
    assert b"%PDF" not in raw and b"phish.example" not in raw and b"<html>" not in raw
    # the delivery prefix and vouchd's own headers are still there, above
    assert raw.startswith(b"Return-Path: <billing@fail.spf.test>\r\nDelivered-To: postmaster@localhost\r\n")
    assert b"Received-SPF: fail" in raw
    d.wait_log("folder=.Unsafe")


def test_html_only_becomes_its_text(make_vouchd, ns):
    d = start(make_vouchd, ns)
    m = EmailMessage()
    m["From"] = "a@fail.spf.test"
    m["Subject"] = "=?utf-8?q?Caf=C3=A9?="
    m.set_content("<html><head><style>p{color:red}</style></head><body><h1>Caf\u00e9 news</h1>"
                  "<p>Fresh &amp; hot</p><script>steal()</script></body></html>", subtype="html")
    send(d, "a@fail.spf.test", m)
    got = parse(d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0])
    assert got["Subject"] == "[UNSAFE] Caf\u00e9"
    assert got.get_content_type() == "text/plain"
    text = got.get_content().replace("\r\n", "\n")
    assert text.endswith("links:\n\nCaf\u00e9 news\n\nFresh & hot\n")
    assert "steal" not in text and "color:red" not in text


def test_safe_mail_is_an_exact_copy(make_vouchd, ns):
    d = start(make_vouchd, ns)
    msg = newsletter()
    send(d, "billing@pass.spf.test", msg)
    raw = d.wait_messages("postmaster@localhost", 1)[0]
    assert raw.endswith(wire(msg))
    assert d.messages("postmaster@localhost", folder=".Unsafe") == []


def test_settings_tag_and_no_strip(make_vouchd, ns):
    d = start(make_vouchd, ns, unsafe_subject_tag="[?]", unsafe_strip="no")
    send(d, "billing@fail.spf.test", newsletter("Re: [?] hello"))
    send(d, "billing@fail.spf.test", newsletter("hello"))
    raws = d.wait_messages("postmaster@localhost", 2, folder=".Unsafe")
    subjects = sorted(parse(r)["Subject"] for r in raws)
    assert subjects == ["Re: [?] hello", "[?] hello"]
    for r in raws:
        assert b"%PDF-1.4" in email.message_from_bytes(r).get_payload()[1].get_payload(decode=True)
        assert b"X-Vouch-Unsafe: not stripped;" in r


def test_large_message_keeps_headers_only(make_vouchd, ns):
    d = start(make_vouchd, ns, unsafe_max_size="64k")
    m = newsletter("big")
    m.add_attachment(os.urandom(200 * 1024), maintype="application", subtype="octet-stream",
                     filename="big.bin")
    send(d, "billing@fail.spf.test", m)
    raw = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    got = parse(raw)
    assert got["Subject"] == "[UNSAFE] big"
    assert got.get_content_type() == "text/plain"
    assert "X-Vouch-Unsafe: body removed (the message is too large to strip)" in \
        raw.decode().replace("\r\n\t", " ")
    assert "Type: multipart/mixed" in got.get_content()
    assert len(raw) < 8 * 1024
