"""XVOUCH between real vouchd instances (DESIGN 5.1): an honest sender's
session is confirmed by a callback to the host its EHLO name resolves
to; a spoofer elsewhere and a bot behind the sender's own address are
not; hard mode refuses and blocks, soft mode files as unsafe; positive
results are cached; the answering side throttles wrong guesses."""
import os
import re
import smtplib
import time

import pytest

from nsd import Nsd, zone
import ports
from vouchd import Client

S_IP, R_IP, SPOOF_IP = "127.0.0.10", "127.0.0.20", "127.0.0.30"
PASSWORD = "sender password 1"


@pytest.fixture
def world(world_dir):
    fwd = zone("world.test", [
        f"sender A {S_IP}", f"receiver A {R_IP}",
        "receiver MX 10 receiver", 'sender TXT "v=spf1 ip4:127.0.0.10 -all"',
        "dead A 127.0.0.40",
    ])
    rev = zone("0.0.127.in-addr.arpa", ["10 PTR sender.world.test.", "20 PTR receiver.world.test."],
               ns="ns.world.test.")
    ns = Nsd(os.path.join(world_dir, "nsd"), {"world.test": fwd, "0.0.127.in-addr.arpa": rev})
    ns.start()
    yield ns
    ns.stop()


def make_pair(make_vouchd, ns, mode="soft", **receiver):
    """S (sender.world.test) and R (receiver.world.test). S binds port 0;
    R's port is a reserved candidate, because S must know it before R
    starts (outbound_port) and R must know S's (xvouch_port)."""
    r_port = ports.candidate()
    base = {"dns_resolver": ns.address, "allow_networks": "", "xvouch_allow_private": "yes"}
    s = make_vouchd(start=False, host=S_IP, settings=dict(base, hostname="sender.world.test",
                    domains="world.test", outbound_port=r_port, outbound_bind=S_IP),
                    listeners={"mx": {"address": f"{S_IP}:0", "mode": "off"}})
    s.listener_defaults = {}
    s.write_config()
    s.ctl("user", "add", "alice@world.test", "--password-stdin", input=PASSWORD + "\n", check=True)
    s.start()
    r_settings = dict(base, hostname="receiver.world.test", domains="receiver.world.test",
                      xvouch_port=s.port)
    r_settings.update(receiver)
    r = make_vouchd(start=False, host=R_IP, settings=r_settings,
                    listeners={"mx": {"address": f"{R_IP}:{r_port}", "mode": mode}})
    r.listener_defaults = {}
    r.write_config()
    r.start()
    return s, r


def send_via(s, to, subject="vouched"):
    """alice sends through S (relay to R); S vouches for its session."""
    with smtplib.SMTP(s.host, s.port) as c:
        c.ehlo("client.world.test")
        c.sendmail("alice@world.test", [to], f"Subject: {subject}\r\n\r\nhello\r\n")


def test_honest_sender_is_vouched(make_vouchd, world):
    s, r = make_pair(make_vouchd, world, mode="hard")
    # S relays for a local alias to R's user (postmaster always exists)
    with open(os.path.join(s.dir, "aliases"), "w") as f:
        f.write("out: postmaster@receiver.world.test\n")
    s.settings["aliases"] = os.path.join(s.dir, "aliases")
    s.write_config()
    s.ctl("reload", check=True)
    with smtplib.SMTP(s.host, s.port) as c:
        c.sendmail("alice@world.test", ["out@world.test"], "Subject: vouched\r\n\r\nhello\r\n")
    msg = r.wait_messages("postmaster@receiver.world.test", 1, timeout=30)[0]
    assert b"X-Vouch-Verdict: verified (vouched for its session: " in msg
    assert re.search(rb"x-vouch=pass \(the host confirmed the session\) smtp.helo=sender.world.test", msg)
    assert b"Received: from sender.world.test (sender.world.test [127.0.0.10])" in msg
    r.wait_log(r"event=xvouch result=pass name=sender\.world\.test target=127\.0\.0\.10")
    s.wait_log(r"event=xvouch_check result=confirmed client=127\.0\.0\.20")
    # the second message reuses the cached confirmation
    with smtplib.SMTP(s.host, s.port) as c:
        c.sendmail("alice@world.test", ["out@world.test"], "Subject: again\r\n\r\nhello\r\n")
    r.wait_messages("postmaster@receiver.world.test", 2, timeout=30)
    r.wait_log("event=xvouch result=pass .* cached=1")


def spoof(r, source, helo="sender.world.test", id_="A" * 128):
    c = Client(r.host, r.port, source=source)
    c.reply()
    c.cmd(f"EHLO {helo}")
    return c, c.cmd(f"XVOUCH {id_}")


def test_spoofer_hard_mode_refused_and_blocked(make_vouchd, world):
    s, r = make_pair(make_vouchd, world, mode="hard")
    c, (code, lines) = spoof(r, SPOOF_IP)
    assert code == 550 and lines[0].startswith("550 5.7.1 session not vouched for by sender.world.test")
    assert c.closed()
    c.close()
    s.wait_log(r"event=xvouch_check result=unknown client=127\.0\.0\.20")
    # blocked for a day
    with Client(r.host, r.port, source=SPOOF_IP) as c2:
        code, lines = c2.reply()
        assert code == 554 and "is blocked" in lines[0]
    assert SPOOF_IP in r.ctl("block", "list").stdout
    # the answering side now throttles wrong guesses from R's address
    c, (code, lines) = spoof(r, "127.0.0.31")
    assert code in (550, 451)
    s.wait_log(r"event=xvouch_check result=throttled client=127\.0\.0\.20")


def test_bot_behind_the_senders_address_soft_mode(make_vouchd, world):
    """SPF passes for the bot (same address) but the real server knows no
    such session: in soft mode the mail goes to .Unsafe."""
    s, r = make_pair(make_vouchd, world, mode="soft")
    c, (code, lines) = spoof(r, S_IP, id_="B" * 128)
    assert code == 550 and "the session goes on unverified" in lines[0]
    assert c.cmd("MAIL FROM:<ceo@sender.world.test>")[0] == 250     # SPF pass, recorded
    assert c.cmd("RCPT TO:<postmaster@receiver.world.test>")[0] == 250
    assert c.cmd("DATA")[0] == 354
    c.send("Subject: wire money\r\n\r\nurgent\r\n.\r\n")
    assert c.reply()[0] == 250
    c.close()
    msg = r.wait_messages("postmaster@receiver.world.test", 1, folder=".Unsafe")[0]
    assert b"spf=pass smtp.mailfrom=ceo@sender.world.test" in msg
    assert b"x-vouch=fail" in msg and b"X-Vouch-Verdict: unverified" in msg
    assert r.messages("postmaster@receiver.world.test") == []


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_no_xvouch(make_vouchd, world, mode):
    """A server that does not vouch: refused in hard mode, unsafe in soft."""
    s, r = make_pair(make_vouchd, world, mode=mode)
    with Client(r.host, r.port, source="127.0.0.50") as c:
        c.reply()
        c.cmd("EHLO legacy.world.test")
        assert c.cmd("MAIL FROM:<x@legacy.world.test>")[0] == 250
        code, lines = c.cmd("RCPT TO:<postmaster@receiver.world.test>")
        if mode == "hard":
            assert code == 550 and "did not vouch for its session" in lines[0]
            return
        assert code == 250
        c.cmd("DATA")
        c.send("Subject: legacy\r\n\r\nold server\r\n.\r\n")
        assert c.reply()[0] == 250
    msg = r.wait_messages("postmaster@receiver.world.test", 1, folder=".Unsafe")[0]
    assert b"X-Vouch-Verdict: unverified (no XVOUCH" in msg


def test_callback_target_not_answering_is_temporary(make_vouchd, world):
    s, r = make_pair(make_vouchd, world, mode="hard", xvouch_timeout="3s")
    with Client(r.host, r.port, source="127.0.0.40") as c:
        c.reply()
        c.cmd("EHLO dead.world.test")        # resolves to 127.0.0.40: nothing listens there
        code, lines = c.cmd("XVOUCH " + "C" * 128)
        assert code == 451 and lines[0].startswith("451 4.7.0 cannot verify the session now")
        assert c.cmd("MAIL FROM:<x@dead.world.test>")[0] == 250
        code, lines = c.cmd("RCPT TO:<postmaster@receiver.world.test>")
        assert code == 451   # xvouch_temperror = tempfail: never a permanent refusal


def test_private_targets_refused_by_default(make_vouchd, world):
    s, r = make_pair(make_vouchd, world, mode="soft", xvouch_allow_private="no")
    c, (code, lines) = spoof(r, S_IP)
    assert code == 550 and "refusing to call back private address 127.0.0.10" in lines[0]
    c.close()


def test_bad_ids(make_vouchd, world):
    s, r = make_pair(make_vouchd, world)
    with Client(r.host, r.port) as c:
        c.reply()
        c.cmd("EHLO sender.world.test")
        assert c.cmd("XVOUCH short")[0] == 501
        assert c.cmd("XVOUCH " + "!" * 128)[0] == 501
        _, lines = c.cmd("EHLO sender.world.test")
        assert "250-XVOUCH" in lines


def test_xgen_generations(make_vouchd, world, world_dir):
    """DESIGN 5.2: S (generation 40) and R (generation 45, tolerance 3)."""
    import subprocess
    import paths
    chain = os.path.join(world_dir, "chain")
    top = subprocess.run([paths.VOUCHCTL, "gen", "new", chain, "--length", "100"],
                         capture_output=True, text=True, check=True).stdout
    assert top.startswith("generation 100 cookie ")

    def cookie(g):
        return subprocess.run([paths.VOUCHCTL, "gen", "cookie", chain, str(g)], capture_output=True,
                              text=True, check=True).stdout.split()[1]
    s, r = make_pair(make_vouchd, world, mode="soft", xgen_generation=45, xgen_cookie=cookie(45),
                     xgen_tolerance=3)
    s.settings.update(xgen_generation=40, xgen_cookie=cookie(40))
    s.write_config()
    s.ctl("reload", check=True)
    with open(os.path.join(s.dir, "aliases"), "w") as f:
        f.write("out: postmaster@receiver.world.test\n")
    s.settings["aliases"] = os.path.join(s.dir, "aliases")
    s.write_config()
    s.ctl("reload", check=True)
    with smtplib.SMTP(s.host, s.port) as c:
        c.sendmail("alice@world.test", ["out@world.test"], "Subject: gen\r\n\r\nx\r\n")
    msg = r.wait_messages("postmaster@receiver.world.test", 1, timeout=30)[0]
    assert b"x-vouch-gen=newer policy.generation=40" in msg
    r.wait_log(r"event=xgen result=newer peer_generation=40 our_generation=45")
    # one XGEN per session (issue 13 item 9): each claim in a session of its own
    for line, reply in ((f"XGEN 47 {cookie(47)}", "250 2.7.0 generation 47 accepted (older)"),
                        (f"XGEN 49 {cookie(49)}", "550 5.7.1 generation 49 is too old"),
                        (f"XGEN 44 {cookie(43)}", "550 5.7.1 generation cookie does not verify"),
                        ("XGEN 44 zz", "501 ")):
        with Client(r.host, r.port, source="127.0.0.60") as c:
            c.reply()
            _, lines = c.cmd("EHLO old.world.test")
            assert "250-XGEN 45" in lines
            assert c.cmd(line)[1][0].startswith(reply), line
