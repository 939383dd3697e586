"""Challenge/response for unknown correspondents (issue 17), end to end:
a real Postfix is the unknown sender. Its mail to a recipient with
challenge = yes is held in vouchd's queue, one challenge reaches the
sender's mailbox in Postfix, and confirming it -- by replying through
Postfix, or on vouchd's confirmation page -- whitelists the sender and
releases the held mail to INBOX in order. Unproven, null, list and
automatic senders are never challenged; held mail expires silently; the
rate limits and the one-outstanding-challenge rule hold; vouchctl
challenge and whitelist; submission fills the whitelist.

The world: NSD serves sender.test (SPF passes for 127.0.0.0/8) and
unproven.test (SPF ?all: neutral, nothing proves its senders); Postfix
holds the mailboxes of both and relays everything else to vouchd; vouchd
sends its challenges through Postfix (relayhost)."""
import email
import email.policy
import os
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request

import pytest

from certs import CA
from nsd import Nsd, zone
from postfix import Postfix, postfix_available
from vouchd import Client

needs_postfix = pytest.mark.skipif(not postfix_available(), reason="needs root and postfix")

ZONES = {
    "sender.test": zone("sender.test", ['@ TXT "v=spf1 ip4:127.0.0.0/8 -all"']),
    "unproven.test": zone("unproven.test", ['@ TXT "v=spf1 ?all"']),
}
SENDER = "sender@sender.test"
POLICY = "By confirming you agree that unsolicited commercial mail is not to be sent here."


@pytest.fixture
def ns(world_dir):
    n = Nsd(os.path.join(world_dir, "nsd"), ZONES)
    n.start()
    yield n
    n.stop()


@pytest.fixture
def world(world_dir, make_vouchd, ns):
    """Make (vouchd, postfix) with extra vouchd settings; alice and bob
    are users of test.example, where challenge = yes is the domain's
    default."""
    made = []

    def make(settings=None, postfix=True):
        pf = None
        if postfix:
            pf = Postfix(os.path.join(world_dir, f"pf{len(made)}"), role="mailbox",
                         domains=("sender.test", "unproven.test"),
                         mailboxes=[SENDER, "other@sender.test", "x@unproven.test"],
                         # everything not its own goes to vouchd (set once it runs)
                         main={"default_transport": "smtp", "relayhost": "[127.0.0.1]:1",
                               "smtp_address_preference": "ipv4"})
            pf.start()
            made.append(pf)
        s = {"dns_resolver": ns.address, "challenge_policy": POLICY}
        if pf:
            s["relayhost"] = f"127.0.0.1:{pf.port}"
        s.update(settings or {})
        d = make_vouchd(start=False, settings=s,
                        extra_text="domain test.example {\n    challenge = yes\n}\n")
        for u in ("alice@test.example", "bob@test.example"):
            assert d.ctl("user", "add", u).returncode == 0
        d.start()
        if pf:
            pf.settings["relayhost"] = f"[127.0.0.1]:{d.port}"
            pf.reload()
        return d, pf

    yield make
    for pf in made:
        pf.cleanup()


def via_postfix(pf, sender, rcpt, tag, extra=""):
    import smtplib
    with smtplib.SMTP(pf.host, pf.port, timeout=20) as s:
        s.sendmail(sender, [rcpt], f"From: <{sender}>\r\nTo: <{rcpt}>\r\nSubject: {tag}\r\n"
                   f"X-Test-Id: {tag}\r\n{extra}\r\nbody {tag}\r\n")


def direct(d, sender, rcpt, body="Subject: x\r\n\r\nx\r\n"):
    """One transaction straight to vouchd: the final reply (code, lines),
    or the refusal of MAIL or RCPT."""
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO client.sender.test")
        code, lines = c.cmd(f"MAIL FROM:<{sender}>")
        if code != 250:
            return code, lines
        code, lines = c.cmd(f"RCPT TO:<{rcpt}>")
        if code != 250:
            return code, lines
        assert c.cmd("DATA")[0] == 354
        c.send(body + ".\r\n")
        return c.reply()


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def challenge_token(msg):
    m = re.search(r"confirm-([0-9a-f-]{46})@", str(msg["Reply-To"]))
    assert m, msg["Reply-To"]
    return m.group(1)


@needs_postfix
def test_reply_confirms_and_releases_in_order(world):
    d, pf = world()
    via_postfix(pf, SENDER, "alice@test.example", "m1")
    d.wait_log(r"event=challenge_sent")
    via_postfix(pf, SENDER, "alice@test.example", "m2")
    # the second message joins the challenge outstanding: no second one
    d.wait_log(r"event=challenge_held .*outstanding=1")
    (raw,) = pf.wait_messages(SENDER, 1)
    ch = parse(raw)
    assert ch["Auto-Submitted"] == "auto-replied"
    assert ch["Return-Path"] == "<>"             # RFC 3834 3.3: nothing bounces back
    assert "alice@test.example" in ch["Subject"]
    body = ch.get_content()
    assert POLICY in body and "reply to this message" in body
    assert d.messages("alice@test.example") == []
    held = d.ctl("challenge", "list", check=True).stdout
    assert "held=2" in held and SENDER in held
    assert d.log().count("event=challenge_sent") == 1

    # the sender replies through its own server
    import smtplib
    with smtplib.SMTP(pf.host, pf.port, timeout=20) as s:
        s.sendmail(SENDER, [str(ch["Reply-To"]).strip("<>")],
                   f"From: <{SENDER}>\r\nSubject: Re: {ch['Subject']}\r\n\r\nyes, me\r\n")
    msgs = d.wait_messages("alice@test.example", 2)
    assert [re.search(rb"X-Test-Id: (\w+)", m).group(1) for m in msgs] == [b"m1", b"m2"]
    d.wait_log(r"event=challenge_confirmed .*via=reply .*released=2")
    assert f"alice@test.example {SENDER} confirmed" in d.ctl("whitelist", "list").stdout
    # whitelisted now: straight to INBOX, no challenge
    via_postfix(pf, SENDER, "alice@test.example", "m3")
    d.wait_messages("alice@test.example", 3)
    assert d.log().count("event=challenge_sent") == 1
    # the token is single-use: its second reply is refused
    code, lines = direct(d, SENDER, str(ch["Reply-To"]).strip("<>"))
    assert code == 550 and "5.7.1" in lines[0] and "used already" in lines[0], lines
    # a forged one too (the MAC is the secret)
    tok = challenge_token(ch)
    forged = tok[:-1] + ("0" if tok[-1] != "0" else "1")
    code, lines = direct(d, SENDER, f"confirm-{forged}@test.example")
    assert code == 550 and "not a valid confirmation" in lines[0], lines
    d.wait_queue_empty()


@needs_postfix
def test_link_confirms_once(world):
    # the confirmation page is off by default: this test turns it on
    d, pf = world({"challenge_http_listen": "127.0.0.1:0"})
    via_postfix(pf, SENDER, "bob@test.example", "l1")
    (raw,) = pf.wait_messages(SENDER, 1)
    body = parse(raw).get_content()
    url = re.search(r"(http://\S+/confirm\?t=[0-9a-f-]+)", body).group(1)
    page = urllib.request.urlopen(url, timeout=10)
    html = page.read().decode()
    assert page.status == 200 and "bob@test.example" in html
    assert page.headers["X-Frame-Options"] == "DENY"
    # looking at the page confirms nothing (link scanners fetch every link)
    assert d.messages("bob@test.example") == []
    token = re.search(r'name="t" value="([0-9a-f-]+)"', html).group(1)
    post = urllib.parse.urlencode({"t": token}).encode()
    base = url.split("?")[0]
    r = urllib.request.urlopen(urllib.request.Request(base, data=post), timeout=10)
    assert r.status == 200 and "1 held message released" in r.read().decode()
    msgs = d.wait_messages("bob@test.example", 1)
    assert b"X-Test-Id: l1" in msgs[0]
    d.wait_log(r"event=challenge_confirmed .*via=link")
    # single use
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(urllib.request.Request(base, data=post), timeout=10)
    assert e.value.code == 410 and "used already" in e.value.read().decode()
    # a forged token gets the same answer as a wrong one, never a page with a button
    bad = token[:20] + ("0" if token[20] != "0" else "1") + token[21:]
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(base + "?t=" + bad, timeout=10)
    assert e.value.code == 410 and "not a valid confirmation" in e.value.read().decode()


@needs_postfix
def test_unproven_list_null_and_auto_senders_are_never_challenged(world):
    d, pf = world()
    # SPF neutral, no DKIM, no callout: the return path is not proven
    via_postfix(pf, "x@unproven.test", "alice@test.example", "u1")
    # proven, but list mail (List-Id), bulk, and an automatic reply
    via_postfix(pf, SENDER, "alice@test.example", "l1", "List-Id: <news.sender.test>\r\n")
    via_postfix(pf, SENDER, "alice@test.example", "b1", "Precedence: bulk\r\n")
    via_postfix(pf, SENDER, "alice@test.example", "a1", "Auto-Submitted: auto-replied\r\n")
    # the null return path: straight to vouchd (Postfix would not send it so)
    assert direct(d, "", "alice@test.example", "Subject: n1\r\nX-Test-Id: n1\r\n\r\nx\r\n")[0] \
        == 250
    # the listener's normal policy: the client (127.0.0.1) is allow-listed, so INBOX
    msgs = d.wait_messages("alice@test.example", 5)
    assert sorted(re.search(rb"X-Test-Id: (\w+)", m).group(1) for m in msgs) == \
        [b"a1", b"b1", b"l1", b"n1", b"u1"]
    log = d.log()
    for why in ("unproven", "list", "auto-submitted", "null-sender"):
        assert f"reason={why}" in log, why
    assert "event=challenge_sent" not in log and "event=challenge_held" not in log
    pf.wait_queue_empty()
    assert pf.messages(SENDER) == [] and pf.messages("x@unproven.test") == []


@needs_postfix
def test_expiry_discards_without_bounce(world):
    # 14 days cannot be waited for in a test: expire after 2 s, swept every second
    d, pf = world({"challenge_expiry": "2s", "challenge_sweep": "1s"})
    via_postfix(pf, SENDER, "alice@test.example", "e1")
    (raw,) = pf.wait_messages(SENDER, 1)
    d.wait_log(r"event=challenge_discarded")
    d.wait_queue_empty()
    assert d.messages("alice@test.example") == []
    # nothing was sent back: only the challenge itself reached the sender
    log = d.log()
    assert log.count("origin=local") == 1 and "event=dsn" not in log
    pf.wait_queue_empty()
    assert len(pf.messages(SENDER)) == 1
    # a reply after the expiry is refused, and names why
    code, lines = direct(d, SENDER, str(parse(raw)["Reply-To"]).strip("<>"))
    assert code == 550 and "expired" in lines[0], lines


def test_rate_limit_and_outstanding_rule(world):
    # one challenge per sender per hour (default 3), so the second is over it
    d, _ = world({"challenge_max_per_sender": "1", "relayhost": "127.0.0.1:1",
                  "retry_min": "1h"}, postfix=False)
    assert direct(d, SENDER, "alice@test.example")[0] == 250
    d.wait_log("event=challenge_sent")
    # the same pair again: held beside the outstanding challenge, not limited
    assert direct(d, SENDER, "alice@test.example")[0] == 250
    d.wait_log(r"event=challenge_held .*outstanding=1")
    # another recipient would need a second challenge to the sender: 451
    code, lines = direct(d, SENDER, "bob@test.example")
    assert code == 451 and "4.7.1" in lines[0] and "Too many" in lines[0], lines
    assert d.log().count("event=challenge_sent") == 1
    # another sender of the same domain is under the domain's limit (30)
    assert direct(d, "other@sender.test", "bob@test.example")[0] == 250
    d.wait_log("event=challenge_sent", count=2)


def test_vouchctl_challenge_and_whitelist(world):
    d, _ = world({"relayhost": "127.0.0.1:1", "retry_min": "1h"}, postfix=False)
    assert direct(d, SENDER, "alice@test.example", "Subject: c1\r\nX-Test-Id: c1\r\n\r\nx\r\n")[0] \
        == 250
    d.wait_log("event=challenge_sent")
    out = d.ctl("challenge", "list", check=True).stdout
    cid = re.search(r"^([0-9a-f]{16}) rcpt=alice@test.example", out, re.M).group(1)
    show = d.ctl("challenge", "show", cid, check=True).stdout
    assert f"sender {SENDER}" in show and re.search(r"^held [0-9A-F]+ ", show, re.M)
    assert "released 1 held message" in d.ctl("challenge", "release", cid, check=True).stdout
    assert b"X-Test-Id: c1" in d.wait_messages("alice@test.example", 1)[0]
    assert d.ctl("challenge", "show", cid).returncode != 0
    # released by the admin, not confirmed: the sender is not whitelisted
    assert direct(d, SENDER, "alice@test.example")[0] == 250
    d.wait_log("event=challenge_sent", count=2)
    cid = re.search(r"^([0-9a-f]{16}) ", d.ctl("challenge", "list").stdout, re.M).group(1)
    assert "discarded 1" in d.ctl("challenge", "discard", cid, check=True).stdout
    d.wait_log("event=challenge_discarded")
    assert len(d.messages("alice@test.example")) == 1
    # the whitelist by hand; @domain covers a whole domain
    d.ctl("whitelist", "add", "alice@test.example", "@sender.test", check=True)
    assert "@sender.test admin" in d.ctl("whitelist", "list", "alice@test.example").stdout
    assert direct(d, "other@sender.test", "alice@test.example")[0] == 250
    d.wait_messages("alice@test.example", 2)
    d.ctl("whitelist", "del", "alice@test.example", "@sender.test", check=True)
    assert d.ctl("whitelist", "del", "alice@test.example", "@sender.test").returncode != 0
    assert d.ctl("whitelist", "add", "nobody@test.example", SENDER).returncode != 0
    # per recipient: challenge=0 for alice overrides the domain's default
    n = d.log().count("event=reloaded")
    d.ctl("user", "set", "alice@test.example", "challenge=no", check=True)
    d.wait_log("event=reloaded", count=n + 1)
    assert direct(d, "third@sender.test", "alice@test.example")[0] == 250
    d.wait_messages("alice@test.example", 3)


def test_submission_whitelists_recipients(world_dir, make_vouchd, ns):
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("mx.test.example")
    d = make_vouchd(start=False, settings={
        "tls_cert": cert, "tls_key": key, "relayhost": "127.0.0.1:1", "retry_min": "1h",
        "dns_resolver": ns.address},
        listeners={"mx": {"address": "127.0.0.1:0"},
                   "submission": {"address": "127.0.0.1:0", "submission": "yes"}},
        extra_text="domain test.example {\n    challenge = yes\n}\n")
    assert d.ctl("user", "add", "alice@test.example", "--password-stdin",
                 input="pw-alice-1\n").returncode == 0
    d.start()
    ctx = ssl.create_default_context(cafile=ca.cert)
    ctx.check_hostname = False
    with Client(d.host, d.ports["submission"]) as c:
        c.reply()
        c.cmd("EHLO client.example")
        assert c.starttls(ctx)[0] == 220
        c.cmd("EHLO client.example")
        assert c.auth_plain("alice@test.example", "pw-alice-1")[0] == 235
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        assert c.cmd(f"RCPT TO:<{SENDER}>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send("Subject: hi\r\n\r\nhello\r\n.\r\n")
        assert c.reply()[0] == 250
    d.wait_log("event=whitelisted .*source=sent")
    assert f"alice@test.example {SENDER} sent" in d.ctl("whitelist", "list").stdout
    # the answer comes straight to INBOX
    d.port = d.ports["mx"]
    assert direct(d, SENDER, "alice@test.example")[0] == 250
    d.wait_messages("alice@test.example", 1)
    assert "event=challenge_held" not in d.log()


def test_digest_lists_held_mail_once_per_period(world):
    """challenge_digest (off by default: sweeps pass and nothing is sent)
    set by a reload: alice, who has two messages held, gets one digest
    listing each (date, From, Subject, return path, challenge, when it is
    discarded) and how to have it now; held mail after it waits for the
    next period, through any number of sweeps and a restart."""
    d, _ = world({"challenge_sweep": "1s", "relayhost": "127.0.0.1:1", "retry_min": "1h"},
                 postfix=False)
    for sender, subject in ((SENDER, "the first held one"),
                            ("other@sender.test", "the second held one")):
        body = f"From: Someone <{sender}>\r\nSubject: {subject}\r\n\r\nx\r\n"
        assert direct(d, sender, "alice@test.example", body)[0] == 250
    d.wait_log("event=challenge_held", count=2)
    n = d.log().count("event=challenge_sweep")
    d.wait_log("event=challenge_sweep", count=n + 2)
    assert d.messages("alice@test.example") == [] and "event=challenge_digest" not in d.log()

    d.settings["challenge_digest"] = "1h"
    d.write_config()
    n = d.log().count("event=reloaded")
    d.ctl("reload", check=True)
    d.wait_log("event=reloaded", count=n + 1)
    d.wait_log(r"event=challenge_digest user=alice@test\.example held=2")
    (raw,) = d.wait_messages("alice@test.example", 1)
    m = parse(raw)
    assert m["Subject"] == "2 messages held for you until the sender confirms"
    assert m["Auto-Submitted"] == "auto-generated" and m["Return-Path"] == "<>"
    text = m.get_content()
    cids = re.findall(r"challenge ([0-9a-f]{16}), discarded \d{4}-\d\d-\d\d \d\d:\d\d UTC",
                      text)
    assert len(cids) == 2 and all(c in d.ctl("challenge", "list").stdout for c in cids)
    assert text.index("the first held one") < text.index("the second held one")
    assert f"From: Someone <{SENDER}>" in text and f"Return path: <{SENDER}>" in text
    assert text.count("(new)") == 2 and "write to its sender" in text

    # within the period: a third held message, sweeps, a restart: no digest
    assert direct(d, "third@sender.test", "alice@test.example")[0] == 250
    d.wait_log("event=challenge_held", count=3)
    n = d.log().count("event=challenge_sweep")
    d.wait_log("event=challenge_sweep", count=n + 2)
    d.stop()
    d.start()
    n = d.log().count("event=challenge_sweep")
    d.wait_log("event=challenge_sweep", count=n + 2)
    assert len(d.messages("alice@test.example")) == 1
    assert d.log().count("event=challenge_digest user=") == 1


def test_config_check_reports_bad_settings(world_dir):
    import subprocess
    import paths

    def check(text):
        conf = os.path.join(world_dir, "bad.conf")
        with open(conf, "w") as f:
            f.write(f"data_dir = {world_dir}/var\n" + text)
        p = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True,
                           text=True)
        assert p.returncode != 0
        return p.stdout + p.stderr

    err = check("challenge_expiry = 0\ndomain test.example {\n    challenge = maybe\n}\n")
    assert re.search(r"bad\.conf:2: .*challenge_expiry", err), err
    assert re.search(r"bad\.conf:4: .*challenge", err), err
    err = check("challenge_reply_local = Con-firm\nchallenge_url = ftp://example.org/x\n")
    assert re.search(r"bad\.conf:2: challenge_reply_local", err), err
    assert re.search(r"bad\.conf:3: challenge_url", err), err
    err = check("challenge_digest = 31d\n")
    assert re.search(r"bad\.conf:2: .*challenge_digest", err), err


def test_held_mail_survives_a_restart(world):
    # the challenge cannot leave (its relayhost refuses), so it stays in the
    # queue, where the test reads its token
    d, _ = world({"relayhost": "127.0.0.1:1", "retry_min": "1h"}, postfix=False)
    assert direct(d, SENDER, "alice@test.example", "Subject: r1\r\nX-Test-Id: r1\r\n\r\nx\r\n")[0] \
        == 250
    d.wait_log("event=challenge_sent")
    d.stop()
    d.start()
    assert "held=1" in d.ctl("challenge", "list", check=True).stdout
    active = os.path.join(d.data_dir, "queue", "active")
    token = None
    for name in os.listdir(active):
        if name.endswith(".msg"):
            with open(os.path.join(active, name), "rb") as f:
                m = re.search(rb"Reply-To: <(confirm-[0-9a-f-]{46}@test\.example)>", f.read())
            token = token or (m and m.group(1).decode())
    assert token
    assert d.messages("alice@test.example") == []
    code, lines = direct(d, SENDER, token, "Subject: Re\r\n\r\nyes\r\n")
    assert code == 250 and "1 held message released" in lines[0], lines
    assert b"X-Test-Id: r1" in d.wait_messages("alice@test.example", 1)[0]


def test_domain_block_with_challenge_keeps_the_listeners_mode(make_vouchd):
    # not allow-listed, in a hard-mode listener: the unverified client is refused
    # at RCPT; a domain block that only turns challenges on must not make it soft
    d = make_vouchd(start=False, settings={"allow_networks": ""},
                    extra_text="domain test.example {\n    challenge = yes\n}\n")
    d.listeners["smtp"]["mode"] = "hard"
    d.write_config()
    assert d.ctl("user", "add", "alice@test.example").returncode == 0
    d.start()
    code, lines = direct(d, "someone@example.org", "alice@test.example")
    assert code == 550 and "5.7.1" in lines[0], lines
