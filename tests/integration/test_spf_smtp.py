"""SPF in vouchd over SMTP, against a real DNS server (NSD): the HELO
and MAIL FROM identities, every result and its configured action, the
Received-SPF and Authentication-Results headers, forged headers removed,
the table of known results, and no DSN for a sender that failed SPF."""
import os
import smtplib

import pytest

from nsd import Nsd, zone
from vouchd import Client

SPF = zone("spf.test", [
    'pass TXT "v=spf1 ip4:127.0.0.0/8 -all"',
    'fail TXT "v=spf1 ip4:192.0.2.1 -all" " exp=why.spf.test"',   # joined: one record
    'why TXT "%{s} is not allowed to send from %{i}"',
    'softfail TXT "v=spf1 ~all"',
    'neutral TXT "v=spf1 ?all"',
    'perm TXT "v=spf1 ip4:not-an-address -all"',
    'temp TXT "v=spf1 include:x.broken.test -all"',
    'badhelo TXT "v=spf1 -all"',
    'goodhelo TXT "v=spf1 a -all"',
    "goodhelo A 127.0.0.1",
    'nosender A 127.0.0.1',
])
BROKEN = zone("broken.test", ['x TXT "unterminated'])   # NSD refuses to load it: SERVFAIL


@pytest.fixture
def ns(world_dir):
    n = Nsd(os.path.join(world_dir, "nsd"), {"spf.test": SPF, "broken.test": BROKEN})
    n.start()
    yield n
    n.stop()


def spf_vouchd(make_vouchd, ns, **listener):
    # SPF alone: the client (127.0.0.1) is not allow-listed, and the trust
    # layer's verdict on unverified servers is off
    d = make_vouchd(start=False, settings={"dns_resolver": ns.address, "allow_networks": ""})
    d.listener_defaults = {"mode": "off"}
    d.listeners["smtp"].update(listener)
    d.write_config()
    d.start()
    return d


def attempt(d, sender, helo="nosender.spf.test", body="Subject: spf\r\n\r\nx\r\n"):
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd(f"EHLO {helo}")
        code, lines = c.cmd(f"MAIL FROM:<{sender}>")
        if code != 250:
            return code, lines
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(body + ".\r\n")
        return c.reply()


def test_pass_and_headers(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    code, _ = attempt(d, "alice@pass.spf.test", helo="goodhelo.spf.test")
    assert code == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    head = msg.split(b"\r\n\r\n")[0]
    assert (b"Authentication-Results: mx.test.example;\r\n"
            b"\tspf=pass smtp.mailfrom=alice@pass.spf.test;\r\n"
            b"\tspf=pass smtp.helo=goodhelo.spf.test;\r\n") in head
    assert b"Received-SPF: pass (mx.test.example: domain of alice@pass.spf.test designates 127.0.0.1 as permitted sender)" in head
    assert b"receiver=mx.test.example; identity=mailfrom; mechanism=\"ip4:127.0.0.0/8\";" in head
    # above our Received, in that order
    assert head.index(b"Authentication-Results:") < head.index(b"Received-SPF:") < \
        head.index(b"Received: from goodhelo.spf.test")
    d.wait_log(r"event=spf identity=mailfrom domain=pass\.spf\.test result=pass")


def test_fail_is_refused_with_the_domains_explanation(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    code, lines = attempt(d, "mallory@fail.spf.test")
    assert code == 550
    assert lines[0] == ("550 5.7.23 SPF check failed for fail.spf.test: "
                        "mallory@fail.spf.test is not allowed to send from 127.0.0.1")
    assert d.messages("postmaster@localhost") == []


def test_softfail_neutral_none_accepted_by_default(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    for sender, result in (("a@softfail.spf.test", b"softfail"), ("a@neutral.spf.test", b"neutral"),
                           ("a@nosender.spf.test", b"none")):
        assert attempt(d, sender)[0] == 250
    msgs = d.wait_messages("postmaster@localhost", 3)
    got = sorted(m.split(b"Received-SPF: ")[1].split(b" ")[0] for m in msgs)
    assert got == [b"neutral", b"none", b"softfail"]


def test_temperror_is_a_temporary_refusal(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    code, lines = attempt(d, "a@temp.spf.test")
    assert code == 451 and lines[0].startswith("451 4.7.24 SPF check for temp.spf.test could not be completed")


def test_permerror_accepted_unless_configured(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    assert attempt(d, "a@perm.spf.test")[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"spf=permerror smtp.mailfrom=a@perm.spf.test" in msg
    d2 = spf_vouchd(make_vouchd, ns, spf_permerror="reject")
    code, lines = attempt(d2, "a@perm.spf.test")
    assert code == 550 and lines[0].startswith("550 5.7.24 SPF permerror for perm.spf.test")


def test_helo_identity(make_vouchd, ns):
    """RFC 7208 2.3: a HELO name whose SPF fails is refused too; the null
    sender is checked as postmaster@HELO (2.4)."""
    d = spf_vouchd(make_vouchd, ns)
    code, lines = attempt(d, "a@pass.spf.test", helo="badhelo.spf.test")
    assert code == 550 and "badhelo.spf.test" in lines[0]
    assert attempt(d, "", helo="goodhelo.spf.test")[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"spf=pass smtp.mailfrom=postmaster@goodhelo.spf.test" in msg


def test_actions_unsafe_and_ignore(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns, spf_fail="unsafe")
    assert attempt(d, "mallory@fail.spf.test")[0] == 250
    assert d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")
    assert d.messages("postmaster@localhost") == []
    d.wait_log("folder=.Unsafe")
    d2 = spf_vouchd(make_vouchd, ns, spf_fail="ignore")
    assert attempt(d2, "mallory@fail.spf.test")[0] == 250
    assert b"spf=fail" in d2.wait_messages("postmaster@localhost", 1)[0]


def test_unsafe_refused_for_a_recipient_without_unsafe_folder(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns, spf_fail="unsafe")
    d.ctl("user", "add", "strict@test.example", check=True)
    d.ctl("user", "set", "strict@test.example", "no_unsafe=1", check=True)
    d.wait_log("event=reloaded", count=2)
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO nosender.spf.test")
        assert c.cmd("MAIL FROM:<mallory@fail.spf.test>")[0] == 250
        code, lines = c.cmd("RCPT TO:<strict@test.example>")
        assert code == 550 and "accepts only verified mail" in lines[0]
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250


def test_forged_results_removed_others_kept(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns)
    body = ("Authentication-Results: mx.test.example; spf=pass smtp.mailfrom=forged@x\r\n"
            "Authentication-Results: (comment) MX.TEST.EXAMPLE;\r\n\tspf=pass\r\n"
            "Authentication-Results: other.example; spf=fail smtp.mailfrom=a@b\r\n"
            "Received-SPF: pass (forged) receiver=mx.test.example; identity=mailfrom\r\n"
            # RFC 8601 5: the id as a parser reads it: quoted, or with a final dot
            "Authentication-Results: \"mx.test.example\"; spf=pass smtp.mailfrom=quoted@x\r\n"
            "Authentication-Results: mx.test.example.; spf=pass smtp.mailfrom=dotted@x\r\n"
            "Authentication-Results: \"MX.test.ex\\ample.\" 1; dkim=pass header.d=both.x\r\n"
            # folded: its second line must not become a log line of its own
            "Authentication-Results: mx.test.example;\r\n event=delivered FAKE\r\n"
            "Subject: forged\r\n\r\nbody\r\n")
    assert attempt(d, "a@softfail.spf.test", body=body)[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"forged@x" not in msg and b"(comment) MX.TEST.EXAMPLE" not in msg
    assert b"Received-SPF: pass (forged)" not in msg
    for forged in (b"quoted@x", b"dotted@x", b"both.x"):
        assert forged not in msg, forged
    assert b"Authentication-Results: other.example; spf=fail" in msg
    assert msg.count(b"Authentication-Results: mx.test.example;") == 1
    assert b"\r\n\r\nbody\r\n" in msg
    d.wait_log("event=forged_header_removed", count=7)
    assert not [l for l in d.log().splitlines() if l.startswith(" event=delivered")]
    assert r'field="Authentication-Results: mx.test.example;\x0d\x0a event=deliv' in d.log()


def test_known_results_table(make_vouchd, ns):
    d = make_vouchd(start=False, settings={"dns_resolver": ns.address, "allow_networks": "",
                                           "spf_known": "fail.spf.test=pass"})
    d.listener_defaults = {"mode": "off"}
    d.write_config()
    d.start()
    assert attempt(d, "mallory@fail.spf.test")[0] == 250
    d.wait_log(r"event=spf identity=mailfrom domain=fail\.spf\.test result=pass source=table")
    assert b"spf=pass (from the local table)" in d.wait_messages("postmaster@localhost", 1)[0]


def test_no_dsn_to_a_sender_that_failed_spf(make_vouchd, ns):
    d = spf_vouchd(make_vouchd, ns, spf_fail="unsafe")
    d.set_aliases("fwd: someone@nullmx.invalid.spf.test\n")
    d.ctl("reload", check=True)
    with smtplib.SMTP(d.host, d.port, local_hostname="nosender.spf.test") as s:
        s.sendmail("mallory@fail.spf.test", ["fwd@localhost"], "Subject: x\r\n\r\nx\r\n")
    d.wait_log("event=dsn_suppressed reason=sender_failed_spf", timeout=20)
