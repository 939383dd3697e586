"""The trust checks inside SMTP sessions, with NSD serving every zone:
DNS block lists refuse at MAIL, a DNS allow list verifies the client, the
registrar's word on the client address (suspended), sender callouts at
MAIL (pass, fail, a domain that does not exist, a mail host that does not
answer, skipped after SPF pass, answered from the cache), the "tag"
action, the Authentication-Results entries and X-Vouch-Verdict each
proof writes, and the statistics rows they count.

The receiver R listens on 127.0.0.60 and is also the mail host of the
callout domain co.trust.test, so its callouts reach itself (callout_port
is R's port); its own address 127.0.0.1, where callouts come from, is
allow-listed so they are judged as a verified peer's. Test clients
connect from their own loopback addresses: .61 is listed nowhere, .62 is
in the block list, .63 in the allow list, .64 belongs to a suspended
registered server."""
import os
import re

import pytest

from nsd import Nsd, zone
from statstable import since_start
import ports
from vouchd import Client

R_IP = "127.0.0.60"
PLAIN, LISTED, ALLOWED, SUSPENDED = "127.0.0.61", "127.0.0.62", "127.0.0.63", "127.0.0.64"
DEAD_MX = "127.0.0.66"


@pytest.fixture
def ns(world_dir):
    zones = {
        "trust.test": zone("trust.test", [
            f"r A {R_IP}",
            "co MX 10 r",
            "slow MX 10 mx.slow",
            f"mx.slow A {DEAD_MX}",
            'pass TXT "v=spf1 ip4:127.0.0.0/8 -all"',
            'soft TXT "v=spf1 ~all"',
        ]),
        "bl.test": zone("bl.test", [
            "62.0.0.127 A 127.0.0.2",
            '62.0.0.127 TXT "listed for a test, see https://bl.test/127.0.0.62"',
        ]),
        "wl.test": zone("wl.test", ["63.0.0.127 A 127.0.10.3"]),
        "reg.test": zone("reg.test", [
            "64.0.0.127.ip A 127.0.0.3",
            '64.0.0.127.ip TXT "v=vouch1; host=bad.example"',
        ]),
    }
    n = Nsd(os.path.join(world_dir, "nsd"), zones)
    n.start()
    yield n
    n.stop()


def receiver(make_vouchd, ns, **listener):
    port = ports.candidate()    # in its own config (callout_port) before it starts
    settings = {
        "hostname": "r.trust.test", "domains": "localhost co.trust.test",
        "dns_resolver": ns.address, "allow_networks": "127.0.0.1/32",
        "dnsbl_zones": "bl.test", "dnswl_zones": "wl.test", "registrar_zones": "reg.test",
        "callout_port": port, "callout_allow_private": "yes", "callout_timeout": "5s",
        "callout_connect_timeout": "2s",
    }
    lst = {"address": f"{R_IP}:{port}", "mode": "hard", "xvouch_none": "ignore"}
    lst.update(listener)
    d = make_vouchd(start=False, host=R_IP, settings=settings, listeners={"mx": lst})
    d.start()
    return d


def dialogue(d, source, sender, rcpt="postmaster@localhost", subject="hello"):
    """One transaction from source; returns (MAIL reply, RCPT reply, DATA end reply)."""
    with Client(d.host, d.port, source=source) as c:
        assert c.reply()[0] == 220
        c.cmd("EHLO client.trust.test")
        mail = c.cmd(f"MAIL FROM:<{sender}>")
        if mail[0] != 250:
            return mail, None, None
        rc = c.cmd(f"RCPT TO:<{rcpt}>")
        if rc[0] != 250:
            return mail, rc, None
        assert c.cmd("DATA")[0] == 354
        end = c.cmd(f"Subject: {subject}\r\n\r\nhello\r\n.")
        c.cmd("QUIT")
        return mail, rc, end


def text(reply):
    return " ".join(reply[1])


def test_dnsbl_refuses_at_mail_and_dnswl_verifies(make_vouchd, ns):
    d = receiver(make_vouchd, ns, xvouch_none="mode")
    mail, _, _ = dialogue(d, LISTED, "a@pass.trust.test")
    assert mail[0] == 554 and "5.7.1" in text(mail)
    assert "bl.test" in text(mail) and "listed for a test" in text(mail)
    # the allow-listed client needs no XVOUCH, even in hard mode
    mail, rc, end = dialogue(d, ALLOWED, "a@soft.trust.test")
    assert end[0] == 250, (mail, rc, end)
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"X-Vouch-Verdict: verified (listed in a DNS allow list: wl.test)" in msg
    assert re.search(rb"dnswl=pass \(.*\) policy\.ip=127\.0\.0\.63", msg), msg.decode()
    assert re.search(rb"x-vouch-dnsbl=pass \(not listed\) policy\.ip=127\.0\.0\.63", msg)
    # an unlisted client without XVOUCH is refused at RCPT in hard mode
    mail, rc, _ = dialogue(d, PLAIN, "a@pass.trust.test")
    assert mail[0] == 250 and rc[0] == 550
    st = since_start(d)
    assert st[("dnsbl", "listed")] == 1 and st[("dnsbl", "notlisted")] == 2
    assert st[("dnswl", "listed")] == 1
    assert st[("session", "refused_mail")] == 1 and st[("session", "refused_rcpt")] == 1


def test_dnsbl_listed_can_mean_unsafe(make_vouchd, ns):
    d = receiver(make_vouchd, ns, mode="soft", dnsbl_listed="unsafe")
    mail, rc, end = dialogue(d, LISTED, "a@pass.trust.test")
    assert end[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert b"x-vouch-dnsbl=fail" in msg
    assert b"X-Vouch-Verdict: unverified (no XVOUCH; client host [127.0.0.62] blocked using bl.test" in msg


def test_suspended_address(make_vouchd, ns):
    d = receiver(make_vouchd, ns)
    mail, rc, _ = dialogue(d, SUSPENDED, "a@pass.trust.test")
    assert mail[0] == 250 and rc[0] == 550 and "suspended" in text(rc), rc
    mail, rc, end = dialogue(d, PLAIN, "a@pass.trust.test")
    assert end[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert re.search(rb"x-vouch-register=unregistered \(.*\) policy\.ip=127\.0\.0\.61", msg)
    st = since_start(d)
    assert st[("register_ip", "suspended")] == 1 and st[("register_ip", "unregistered")] == 1
    # soft mode files the suspended server's mail as unsafe
    s = receiver(make_vouchd, ns, mode="soft")
    mail, rc, end = dialogue(s, SUSPENDED, "a@pass.trust.test")
    assert end[0] == 250
    msg = s.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert b"x-vouch-register=suspended" in msg
    assert b"the client address is suspended by the registrar" in msg


def test_callouts_in_sessions(make_vouchd, ns):
    d = receiver(make_vouchd, ns, callout="yes")
    # the return path exists at its mail host
    mail, rc, end = dialogue(d, PLAIN, "postmaster@co.trust.test")
    assert end[0] == 250, (mail, rc)
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert re.search(rb"x-vouch-callout=pass \(.*\) smtp\.mailfrom=postmaster@co\.trust\.test",
                     msg)
    # the mail host refuses it: hard mode refuses each recipient
    mail, rc, _ = dialogue(d, PLAIN, "nobody@co.trust.test")
    assert mail[0] == 250 and rc[0] == 550 and "5.1.7" in text(rc)
    assert "does not exist" in text(rc)
    # the domain does not exist
    mail, rc, _ = dialogue(d, PLAIN, "a@gone.trust.test")
    assert rc[0] == 550 and "5.1.8" in text(rc), rc
    # SPF passed for the sender's domain: no callout
    mail, rc, end = dialogue(d, PLAIN, "a@pass.trust.test")
    assert end[0] == 250
    msg = d.wait_messages("postmaster@localhost", 2)[1]
    assert b"x-vouch-callout=none (not called: spf-pass) smtp.mailfrom=a@pass.trust.test" in msg
    # the mail host does not answer: try again later, at MAIL
    mail, _, _ = dialogue(d, PLAIN, "a@slow.trust.test")
    assert mail[0] == 451 and "4.1.7" in text(mail), mail
    # asked again: from the cache, no new dialogue
    mail, rc, end = dialogue(d, PLAIN, "postmaster@co.trust.test")
    assert end[0] == 250
    d.wait_log(r"event=callout address=postmaster@co.trust.test result=pass source=cache-address")
    st = since_start(d)
    assert st[("callout", "pass")] == 2 and st[("callout", "fail")] == 1
    assert st[("callout", "nxdomain")] == 1 and st[("callout", "temperror")] == 1
    assert st[("callout", "skip:spf_pass")] == 1
    assert st[("callout", "calls")] == 5 and st[("callout", "cache_hits")] == 1


def test_callout_actions(make_vouchd, ns):
    # soft mode: a sender that does not exist is filed as unsafe
    d = receiver(make_vouchd, ns, mode="soft", callout="yes")
    mail, rc, end = dialogue(d, PLAIN, "nobody@co.trust.test")
    assert end[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")[0]
    assert b"x-vouch-callout=fail" in msg
    # an explicit reject answers MAIL itself
    r = receiver(make_vouchd, ns, mode="soft", callout="yes", callout_fail="reject")
    mail, _, _ = dialogue(r, PLAIN, "nobody@co.trust.test")
    assert mail[0] == 550 and "5.1.7" in text(mail)
    # null sender: nothing to call
    mail, rc, end = dialogue(r, PLAIN, "")
    assert end[0] == 250
    # ... and the callout R made to itself above said MAIL FROM:<> too
    assert since_start(r)[("callout", "skip:null_sender")] == 2


def test_tag_action(make_vouchd, ns):
    d = receiver(make_vouchd, ns, spf_softfail="tag")
    mail, rc, end = dialogue(d, PLAIN, "a@soft.trust.test", subject="Re: your order")
    assert end[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"\r\nSubject: [UNSAFE] Re: your order\r\n" in msg
    assert b"spf=softfail" in msg
    # a message that passes is not tagged
    dialogue(d, PLAIN, "a@pass.trust.test", subject="plain")
    msg = d.wait_messages("postmaster@localhost", 2)[1]
    assert b"\r\nSubject: plain\r\n" in msg
