"""The transition period ("S-DAY", issue 17), with NSD serving the
registrar zone and the senders' SPF records, and smtp-sink as the next
hop of the receiver's own mail (its replies):

* before transition_date, mail from a server no registrar lists is
  delivered with a notice part at its top (valid MIME: the original is
  the second part) and its sender, when its return path is proven (SPF
  pass here), gets one reply per period, saying from which day such mail
  is refused or filed as unsafe and where registered providers are
  listed; null, list, automatic and unproven senders never get one, and a
  registered server's mail gets nothing;
* from the date on, the post-transition policy applies by itself: hard
  mode refuses at RCPT (550 5.7.1), soft mode files as unsafe;
* config check reports a bad date and a transition without a registrar
  with their line numbers.

The receiver trusts no loopback address (allow_networks is R's own) and
ignores a missing XVOUCH (xvouch_none = ignore): what is tested is the
transition, not vouching, which would file the same mail as unsafe."""
import email
import email.policy
import os
import subprocess
import time

import pytest

from nsd import Nsd, zone
import paths
import ports
from sink import Sink
from vouchd import Client

R_IP = "127.0.0.70"
REGISTERED, UNREGISTERED = "127.0.0.71", "127.0.0.72"
URL = "https://registry.tr.test/providers"


@pytest.fixture
def world(world_dir):
    zones = {
        "tr.test": zone("tr.test", [
            f"r A {R_IP}",
            'pass TXT "v=spf1 ip4:127.0.0.0/8 -all"',
            'list TXT "v=spf1 ip4:127.0.0.0/8 -all"',
        ]),
        "reg.test": zone("reg.test", [
            "71.0.0.127.ip A 127.0.0.2",
            '71.0.0.127.ip TXT "v=vouch1; class=isp; since=2026-01-01; sponsors=1"',
        ]),
    }
    ns = Nsd(os.path.join(world_dir, "nsd"), zones)
    ns.start()
    sink = Sink(os.path.join(world_dir, "sink")).start()
    yield {"nsd": ns, "sink": sink}
    sink.stop()
    ns.stop()


def receiver(make_vouchd, world, date, mode="soft", **extra):
    settings = {
        "hostname": "r.tr.test", "domains": "localhost", "dns_resolver": world["nsd"].address,
        "allow_networks": f"{R_IP}/32", "registrar_zones": "reg.test",
        "relayhost": f"127.0.0.1:{world['sink'].port}", "retry_min": "1s",
        # the transition: off by default, so each setting is this test's
        "transition_date": date, "transition_notice": "yes", "transition_reply": "yes",
        "transition_url": URL,
    }
    settings.update(extra)
    d = make_vouchd(start=False, host=R_IP, settings=settings, listeners={
        "mx": {"address": f"{R_IP}:0", "mode": mode, "xvouch_none": "ignore"}})
    d.start()
    return d


def send(d, source, sender, subject, headers=""):
    with Client(d.host, d.port, source=source) as c:
        assert c.reply()[0] == 220
        c.cmd("EHLO client.tr.test")
        assert c.cmd(f"MAIL FROM:<{sender}>")[0] == 250
        rc = c.cmd("RCPT TO:<postmaster@localhost>")
        if rc[0] != 250:
            return rc
        assert c.cmd("DATA")[0] == 354
        end = c.cmd(f"From: <{sender or 'daemon@tr.test'}>\r\nSubject: {subject}\r\n{headers}"
                    f"\r\nthe original text\r\n.")
        assert end[0] == 250, end
        return end


def delivered(d, subject, folder=None, n=1):
    """The delivered message whose Subject is subject (waits for the n-th)."""
    deadline = time.time() + 30
    while time.time() < deadline:
        got = [m for m in d.messages("postmaster@localhost", folder)
               if f"Subject: {subject}\r\n".encode() in m]
        if len(got) >= n:
            return got[n - 1]
        time.sleep(0.05)
    raise AssertionError(f"no message {subject!r} in {folder or 'INBOX'}")


def replies(sink):
    return [t for t in sink.transactions() if b"Subject: Your mail server is not registered" in t]


def test_before_the_day_notice_and_one_reply_to_proven_senders(make_vouchd, world):
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 30 * 86400))
    d = receiver(make_vouchd, world, day)
    sink = world["sink"]

    # an unregistered server, a proven sender: notice and reply
    send(d, UNREGISTERED, "alice@pass.tr.test", "first")
    raw = delivered(d, "first")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg.get_content_type() == "multipart/mixed" and not msg.defects
    notice, original = msg.get_payload()
    assert notice.get_content_type() == "text/plain" and not notice.defects
    text = notice.get_content()
    assert "not registered with a mail server" in text and f"From {day} on" in text
    assert "refused or filed as unsafe" in text and URL in text
    assert original.get_content().strip() == "the original text"
    assert msg["Subject"] == "first"
    d.wait_log(r"event=transition_reply to=alice@pass\.tr\.test")
    sink.wait_transactions(1)
    assert len(replies(sink)) == 1
    reply = replies(sink)[0]
    assert b"X-Mail-Args: <>\n" in reply       # the null return path (RFC 3834 3.1.7)
    assert b"X-Rcpt-Args: <alice@pass.tr.test>" in reply
    assert b"Auto-Submitted: auto-replied" in reply and URL.encode() in reply

    # the same sender again: a notice, no second reply in the period
    send(d, UNREGISTERED, "alice@pass.tr.test", "second")
    assert b"not registered with a mail server" in delivered(d, "second")
    # never answered: the null sender, a list, an automaton, an unproven sender
    send(d, UNREGISTERED, "", "bounce")
    send(d, UNREGISTERED, "owner@list.tr.test", "a list", "List-Id: <l.list.tr.test>\r\n")
    send(d, UNREGISTERED, "bot@list.tr.test", "a bot", "Auto-Submitted: auto-generated\r\n")
    send(d, UNREGISTERED, "someone@nospf.tr.test", "unproven")
    for s in ("bounce", "a list", "a bot", "unproven"):
        assert b"not registered with a mail server" in delivered(d, s)
    # a registered server: nothing at all
    send(d, REGISTERED, "carol@pass.tr.test", "registered")
    raw = delivered(d, "registered")
    assert b"not registered" not in raw and b"multipart/mixed" not in raw
    # the control: a new proven sender is answered, and only the two were
    send(d, UNREGISTERED, "bob@pass.tr.test", "control")
    d.wait_log(r"event=transition_reply to=bob@pass\.tr\.test")
    d.wait_queue_empty()
    got = sorted(t.split(b"X-Rcpt-Args: <")[1].split(b">")[0] for t in replies(sink))
    assert got == [b"alice@pass.tr.test", b"bob@pass.tr.test"]
    assert d.log().count("event=transition_reply") == 2


def test_after_the_day_the_policy_applies_by_itself(make_vouchd, world):
    hard = receiver(make_vouchd, world, "2020-01-01", mode="hard")
    rc = send(hard, UNREGISTERED, "alice@pass.tr.test", "late")
    assert rc[0] == 550 and rc[1][0].startswith("550 5.7.1 since 2020-01-01 this server takes "
                                                "mail only from servers a registrar lists")
    assert f"registered providers: {URL}" in rc[1][0]
    send(hard, REGISTERED, "carol@pass.tr.test", "registered")
    assert b"not registered" not in delivered(hard, "registered")
    soft = receiver(make_vouchd, world, "2020-01-01T00:00:00Z", mode="soft")
    send(soft, UNREGISTERED, "alice@pass.tr.test", "late")
    raw = delivered(soft, "[UNSAFE] late", folder=".Unsafe")    # tagged as unsafe mail is
    soft.wait_log(r'event=rcpt_unsafe rcpt="postmaster@localhost" reason="since 2020-01-01 '
                  r'this server takes mail only from servers a registrar lists')
    # after the day nothing is told any more: no notice, no reply
    assert b"multipart/mixed" not in raw
    assert "event=transition_reply" not in soft.log()


def test_config_check_reports_the_line(world_dir):
    conf = os.path.join(world_dir, "t.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
                "registrar_zones = reg.example\ntransition_date = next spring\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 1
    assert (f"{conf}:4: transition_date: 'next spring' is not a date (YYYY-MM-DD) or an "
            "RFC 3339 date-time") in p.stderr
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n"
                "transition_date = 2027-01-01\ntransition_action = drop\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 1
    assert f"{conf}:3: transition_date is set but registrar_zones is not" in p.stderr
    assert f"{conf}:4: transition_action: 'drop' is not one of:" in p.stderr
    # the shipped defaults: no transition
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example\ndata_dir = {world_dir}/var\n")
    p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    for line in ('transition_date = ""', "transition_notice = no", "transition_reply = no"):
        assert line in p.stdout.splitlines(), p.stdout
