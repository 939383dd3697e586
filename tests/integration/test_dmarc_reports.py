"""DMARC aggregate reports (RFC 7489 7.2) from vouchd, end to end: NSD
publishes the DMARC records (with rua=), keys and report authorizations;
mail that vouchd evaluates is recorded per policy domain and period in
its state database, and when a period ends vouchd queues one report per
domain through its own outbound queue to a relayhost, Postfix's
smtp-sink, where the test reads it back: the multipart message, the
application/gzip part gunzipped, the XML parsed (and checked against
RFC 7489's schema with xmllint) and its counts and results compared
with what was sent.

  - signer.test (rua to its own domain): 2 signed messages, a restart of
    vouchd (the collected rows must survive it), 1 signed and 1 unsigned
    message -> its report(s) count 4: 3 dkim=pass spf=pass, 1 dkim=fail
    spf=pass (no signature: DMARC's dkim result is fail);
  - extok.test, rua to reports.test, which publishes
    extok.test._report._dmarc.reports.test: its report arrives there;
  - extno.test, rua to victim.test, which publishes no authorization: the
    victim gets nothing (RFC 7489 7.1), and the log says why;
  - tiny.test, rua=...!100: the report is larger, so it is not sent.
  - forged.test (p=reject), a forged From: refused in hard mode (reported
    as reject), filed Unsafe in soft mode (reported as quarantine, with
    local_policy as the reason: what was done, not only what was asked).
  - With the shipped settings (dmarc_report = no) nothing is collected,
    so nothing can be sent.
"""
import base64
import email
import email.policy
import gzip
import os
import re
import sqlite3
import subprocess
import time
import xml.etree.ElementTree as ET

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
import pytest

import paths
from nsd import Nsd, txt, zone
from sink import Sink
from vouchd import SLOW, Client


XSD = os.path.join(os.path.dirname(__file__), "..", "unit", "auth", "dmarc_rfc7489.xsd")

KEY = ed25519.Ed25519PrivateKey.generate()
SEED = base64.b64encode(KEY.private_bytes(serialization.Encoding.Raw,
                                          serialization.PrivateFormat.Raw,
                                          serialization.NoEncryption()))
KEY_RECORD = "v=DKIM1; k=ed25519; p=" + base64.b64encode(
    KEY.public_key().public_bytes(serialization.Encoding.Raw,
                                  serialization.PublicFormat.Raw)).decode()

SPF = '@ TXT "v=spf1 ip4:127.0.0.0/8 -all"'
ZONES = {
    "signer.test": zone("signer.test", [
        SPF, f"s1._domainkey TXT {txt(KEY_RECORD)}",
        '_dmarc TXT "v=DMARC1; p=none; rua=mailto:agg@signer.test"']),
    "extok.test": zone("extok.test", [
        SPF, '_dmarc TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@reports.test"']),
    "reports.test": zone("reports.test", [
        'extok.test._report._dmarc TXT "v=DMARC1"']),
    "extno.test": zone("extno.test", [
        SPF, '_dmarc TXT "v=DMARC1; p=none; rua=mailto:stolen@victim.test"']),
    "victim.test": zone("victim.test", ['@ TXT "v=spf1 -all"']),
    "tiny.test": zone("tiny.test", [
        SPF, '_dmarc TXT "v=DMARC1; p=none; rua=mailto:agg@tiny.test!100"']),
    "mx.test": zone("mx.test", [SPF, "@ A 127.0.0.1"]),
    # does not send from here and asks for rejection: a forged From fails
    "forged.test": zone("forged.test", [
        '@ TXT "v=spf1 ip4:192.0.2.1 -all"',
        '_dmarc TXT "v=DMARC1; p=reject; rua=mailto:agg@forged.test"']),
}


@pytest.fixture
def ns(world_dir):
    n = Nsd(os.path.join(world_dir, "nsd"), ZONES)
    n.start()
    yield n
    n.stop()


@pytest.fixture
def sink(world_dir):
    s = Sink(os.path.join(world_dir, "sink")).start()
    yield s
    s.stop()


def message(frm, n):
    return (f"From: <{frm}>\r\nTo: <postmaster@localhost>\r\nSubject: report test {n}\r\n"
            f"Date: Wed, 02 Dec 2026 00:00:00 +0000\r\n"
            f"Message-ID: <r{n}@{frm.split('@')[1]}>\r\n\r\nHello {n}.\r\n").encode()


def signed(frm, n):
    msg = message(frm, n)
    return dkim.sign(msg, b"s1", b"signer.test", SEED, signature_algorithm=b"ed25519-sha256",
                     include_headers=[b"from", b"to", b"subject", b"date",
                                      b"message-id"]) + msg


def send(d, sender, data, want=250):
    with Client(d.host, d.port) as c:
        c.reply()
        assert c.cmd("EHLO mx.test")[0] == 250
        assert c.cmd(f"MAIL FROM:<{sender}>")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(data.replace(b"\r\n.", b"\r\n..") + b".\r\n")
        code, lines = c.reply()
        assert code == want, lines


def start(make_vouchd, ns, sink, **settings):
    s = {"dns_resolver": ns.address, "allow_networks": "",
         "relayhost": f"[127.0.0.1]:{sink.port}", "retry_min": "1s", "retry_max": "2s"}
    s.update(settings)
    d = make_vouchd(start=False, settings=s)
    d.listener_defaults = {}
    d.listeners["smtp"].update({"xvouch_none": "ignore"})
    d.write_config()
    d.start()
    return d


# Not the defaults, and why: reporting is off by default; the test needs a
# reporter, and a period of 10 s instead of a day so a report comes now.
REPORTING = {"dmarc_report": "yes", "dmarc_report_from": "dmarc-reports@reporter.test",
             "dmarc_report_org": "Vouch Test", "dmarc_report_interval": "10s"}


def rcpts(t):
    return re.findall(rb"^X-Rcpt-Args: <([^>]*)>", t, re.M)


def parse_report(t):
    """(message, xml root, xml bytes) of one dumped transaction."""
    # the dump's envelope lines (X-Mail-Args, ...) come first
    raw = t[t.index(b"Received:"):]
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    parts = [p for p in msg.walk() if p.get_content_type() == "application/gzip"]
    assert len(parts) == 1, msg
    xml = gzip.decompress(parts[0].get_payload(decode=True))
    return msg, ET.fromstring(xml), xml, parts[0].get_filename()


def wait_reports(sink, want, timeout=90):
    """Transactions to the addresses in want until each address's rows
    count want[addr] messages (reports of several periods add up)."""
    deadline = time.time() + timeout * SLOW
    while True:
        got = {}
        for t in sink.transactions():
            for r in rcpts(t):
                got.setdefault(r.decode(), []).append(t)
        counts = {a: sum(int(c.text) for t in got.get(a, [])
                         for c in parse_report(t)[1].iter("count")) for a in want}
        if all(counts[a] >= n for a, n in want.items()):
            return got, counts
        if time.time() > deadline:
            raise AssertionError(f"reports counted {counts}, wanted {want}")
        time.sleep(0.2)


def test_reports_sent_counted_and_authorized(make_vouchd, ns, sink, world_dir):
    d = start(make_vouchd, ns, sink, **REPORTING)
    send(d, "alice@signer.test", signed("alice@signer.test", 1))
    send(d, "alice@signer.test", signed("alice@signer.test", 2))
    d.wait_log(r"event=dmarc result=pass from=signer\.test", count=2)
    # what was collected is in the state database: a restart keeps it
    d.stop()
    d.start()
    send(d, "alice@signer.test", signed("alice@signer.test", 3))
    send(d, "bob@signer.test", message("bob@signer.test", 4))      # unsigned, SPF aligned
    send(d, "carol@extok.test", message("carol@extok.test", 5))
    send(d, "eve@extno.test", message("eve@extno.test", 6))
    send(d, "tim@tiny.test", message("tim@tiny.test", 7))
    got, counts = wait_reports(sink, {"agg@signer.test": 4, "dmarc@reports.test": 1})
    assert counts == {"agg@signer.test": 4, "dmarc@reports.test": 1}

    rows = {}
    for t in got["agg@signer.test"]:
        msg, root, xml, fname = parse_report(t)
        # RFC 7489 7.2.1.1: From the reporting address; the Subject names the
        # domain, the submitter and the report id; the file name likewise
        assert msg["From"].addresses[0].addr_spec == "dmarc-reports@reporter.test"
        subj = " ".join(str(msg["Subject"]).split())
        rid = root.findtext("report_metadata/report_id")
        assert subj == (f"Report Domain: signer.test Submitter: reporter.test "
                        f"Report-ID: <{rid}>"), subj
        assert fname.startswith("reporter.test!signer.test!") and fname.endswith(".xml.gz")
        begin = int(root.findtext("report_metadata/date_range/begin"))
        end = int(root.findtext("report_metadata/date_range/end"))
        assert fname.split("!")[2:4] == [str(begin), str(end)]
        assert end - begin == 9 and begin % 10 == 0      # a 10 s period
        assert root.findtext("report_metadata/org_name") == "Vouch Test"
        assert root.findtext("report_metadata/email") == "dmarc-reports@reporter.test"
        assert root.findtext("policy_published/domain") == "signer.test"
        assert root.findtext("policy_published/p") == "none"
        for rec in root.iter("record"):
            key = (rec.findtext("row/source_ip"), rec.findtext("row/policy_evaluated/dkim"),
                   rec.findtext("row/policy_evaluated/spf"),
                   rec.findtext("row/policy_evaluated/disposition"),
                   rec.findtext("identifiers/header_from"),
                   rec.findtext("auth_results/dkim/domain"),
                   rec.findtext("auth_results/dkim/result"),
                   rec.findtext("auth_results/spf/domain"),
                   rec.findtext("auth_results/spf/result"))
            rows[key] = rows.get(key, 0) + int(rec.findtext("row/count"))
        with open(os.path.join(world_dir, "report.xml"), "wb") as f:
            f.write(xml)
        r = subprocess.run(["xmllint", "--noout", "--schema", XSD,
                            os.path.join(world_dir, "report.xml")],
                           capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
    assert rows == {
        ("127.0.0.1", "pass", "pass", "none", "signer.test", "signer.test", "pass",
         "signer.test", "pass"): 3,
        ("127.0.0.1", "fail", "pass", "none", "signer.test", None, None,
         "signer.test", "pass"): 1,
    }, rows

    # the authorized external destination: extok.test's report, p=quarantine
    msg, root, _, _ = parse_report(got["dmarc@reports.test"][0])
    assert root.findtext("policy_published/domain") == "extok.test"
    assert root.findtext("record/row/policy_evaluated/disposition") == "none"   # it passed
    assert root.findtext("record/identifiers/header_from") == "extok.test"

    # the unauthorized one gets nothing; the too-small limit neither
    d.wait_log(r"event=dmarc_report_skipped domain=extno\.test \S+ to=stolen@victim\.test "
               r"reason=not_authorized", timeout=60)
    d.wait_log(r"event=dmarc_report_skipped domain=tiny\.test \S+ to=agg@tiny\.test "
               r"reason=too_big", timeout=60)
    everyone = [r for t in sink.transactions() for r in rcpts(t)]
    assert b"stolen@victim.test" not in everyone
    assert b"agg@tiny.test" not in everyone
    # each report was sent once: forgotten after sending
    d.wait_log(r"event=dmarc_report domain=extok\.test ")
    assert len(re.findall(r"event=dmarc_report domain=extok\.test ", d.log())) == 1


def test_report_says_what_was_done(make_vouchd, ns, sink):
    """The disposition a report gives is what vouchd did with the
    message (RFC 7489 appendix C): p=reject refused in hard mode is
    "reject"; in soft mode the message is filed Unsafe, which is
    "quarantine", and the reason says local policy decided."""
    d = start(make_vouchd, ns, sink, **REPORTING)
    assert "mode" not in d.listeners["smtp"]
    # the shipped mode (soft) first: the Unsafe folder
    send(d, "mallory@mx.test", message("ceo@forged.test", 1))
    d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")
    d.listeners["smtp"]["mode"] = "hard"
    d.write_config()
    n = d.log().count("event=reloaded")
    d.ctl("reload", check=True)
    d.wait_log("event=reloaded", count=n + 1)
    send(d, "mallory@mx.test", message("ceo@forged.test", 2), want=550)
    got, counts = wait_reports(sink, {"agg@forged.test": 2})
    assert counts == {"agg@forged.test": 2}
    rows = {}
    for t in got["agg@forged.test"]:
        _, root, _, _ = parse_report(t)
        assert root.findtext("policy_published/p") == "reject"
        for rec in root.iter("record"):
            pe = rec.find("row/policy_evaluated")
            key = (pe.findtext("disposition"), pe.findtext("dkim"), pe.findtext("spf"),
                   pe.findtext("reason/type"))
            rows[key] = rows.get(key, 0) + int(rec.findtext("row/count"))
    assert rows == {("reject", "fail", "fail", None): 1,
                    ("quarantine", "fail", "fail", "local_policy"): 1}, rows


def records(d):
    db = sqlite3.connect(os.path.join(d.data_dir, "state", "vouch.db"))
    try:
        return db.execute("SELECT ns, key FROM records WHERE ns LIKE 'dmarc%'").fetchall()
    finally:
        db.close()


def test_reports_off_by_default(make_vouchd, ns, sink):
    # The shipped settings: dmarc_report = no. The period and reporter are
    # set (not defaults) so that only the switch keeps reports off.
    d = start(make_vouchd, ns, sink, dmarc_report_from="dmarc-reports@reporter.test",
              dmarc_report_interval="10s")
    send(d, "alice@signer.test", signed("alice@signer.test", 1))
    send(d, "carol@extok.test", message("carol@extok.test", 2))
    d.wait_log(r"event=dmarc result=pass from=extok\.test")
    # evaluated, but nothing collected for a report: nothing can be sent
    assert records(d) == []
    assert "event=dmarc_report" not in d.log()
    assert sink.transactions() == []


def check(conf, text):
    with open(conf, "w") as f:
        f.write(text)
    return subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True,
                          text=True)


def test_config_check_report_settings(world_dir):
    conf = os.path.join(world_dir, "rep.conf")
    base = f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
    p = check(conf, base + "dmarc_report = yes\n")
    assert p.returncode == 1
    assert f"{conf}:3: dmarc_report: DMARC reports need" in p.stderr
    p = check(conf, base + "dmarc_report = yes\ndmarc_report_from = no-at-sign\n")
    assert f"{conf}:4: dmarc_report: DMARC reports need" in p.stderr
    p = check(conf, base + "dmarc_report = yes\ndmarc_report_from = r@example.com\n"
              "dmarc_report_interval = 7h\n")
    assert p.returncode == 1
    assert f"{conf}:5: dmarc_report: the DMARC report period must divide a day" in p.stderr
    p = check(conf, base + "dmarc_report_interval = 2d\ndmarc_report_max_size = 10\n")
    assert f"{conf}:3: dmarc_report_interval: " in p.stderr
    assert f"{conf}:4: dmarc_report_max_size: " in p.stderr
    p = check(conf, base + "dmarc_report = yes\ndmarc_report_from = r@example.com\n"
              "dmarc_verify = no\n")
    assert f"{conf}:3: dmarc_report needs dmarc_verify = yes" in p.stderr
    p = check(conf, base + "dmarc_report = yes\ndmarc_report_from = r@example.com\n")
    assert p.returncode == 0, p.stderr
    # the shipped defaults: off, daily
    p = check(conf, base)
    assert p.returncode == 0, p.stderr
    for line in ("dmarc_report = no", "dmarc_report_interval = 1d"):
        assert line in p.stdout.splitlines(), p.stdout
