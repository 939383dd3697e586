"""XVOUCH between real vouchd instances (DESIGN 5.1), with the shipped
defaults: an honest sender's every session is confirmed by its own
callback, on a callback connection that is reused; a spoofer elsewhere
is refused; a dead target is a temporary failure; private targets are
refused by default; ids must have the right shape; XGEN generations.
The attacks (the bot behind the sender's address, floods, replays, the
limits, self-vouching) are in test_xvouch_attacks.py; STARTTLS, reloads
and old state in test_xvouch_session.py. The world: tests/pylib/xvouch_world.py."""
import os
import re
import subprocess

import pytest

import paths
from vouchd import Client
from xvouch_world import IP, World, bot_session

RCPT = "postmaster@receiver.world.test"


@pytest.fixture
def world(make_vouchd, world_dir):
    worlds = []

    def make(**kw):
        w = World(make_vouchd, world_dir, **kw)
        worlds.append(w)
        return w

    yield make
    for w in worlds:
        w.close()


def status(d):
    return dict(l.split(" ", 1) for l in d.ctl("status", check=True).stdout.splitlines())


def test_honest_sender_is_vouched_each_session_on_one_connection(world):
    w = world(receivers={"r": {"mode": "hard"}})
    for i in range(3):
        w.send(subject=f"vouched {i}")
        msgs = w.r.wait_messages(RCPT, i + 1, timeout=30)
    msg = msgs[0]
    assert b"X-Vouch-Verdict: verified (vouched for its session: " in msg
    assert re.search(rb"x-vouch=pass \(the host confirmed the session\) smtp.helo=sender.world.test",
                     msg)
    assert b"Received: from sender.world.test (sender.world.test [127.0.0.10])" in msg
    # every session had its own check (nothing remembered) ...
    w.r.wait_log(r"event=xvouch result=pass name=sender\.world\.test target=127\.0\.0\.10", count=3)
    w.s.wait_log(r"event=xvouch_check result=confirmed client=127\.0\.0\.20", count=3)
    assert "cached=1" not in w.r.log()
    # ... on one callback connection, kept open between them
    st = status(w.r)
    assert st["xvouch_checks"] == "3" and st["xvouch_callback_connections"] == "1"
    assert st["xvouch_callback_reused"] == "2"


def test_spoofer_hard_mode_refused_and_vouch_required_not_blocked(world):
    w = world(receivers={"r": {"mode": "hard"}})
    c, (code, lines) = bot_session(w.r, IP["spoof"])
    assert code == 550 and lines[0].startswith("550 5.7.1 session not vouched for by sender.world.test")
    assert c.closed()
    c.close()
    w.s.wait_log(r"event=xvouch_check result=unknown client=127\.0\.0\.20")
    # the address is not blocked: it is vouch-required
    assert IP["spoof"] not in w.r.ctl("block", "list").stdout
    assert IP["spoof"] in w.r.ctl("required", "list", check=True).stdout
    with Client(w.r.host, w.r.port, source=IP["spoof"]) as c2:
        assert c2.reply()[0] == 220
        c2.cmd("EHLO legacy.example")
        code, lines = c2.cmd("MAIL FROM:<x@legacy.example>")
        assert code == 550 and "taken only from sessions that vouch" in lines[0], lines
    # the answering side keeps confirming: a wrong id throttles nothing
    w.send(subject="after the spoofer")
    w.r.wait_messages(RCPT, 1, timeout=30)
    assert "result=throttled" not in w.s.log()


def test_no_xvouch_soft_and_hard(world):
    w = world(receivers={"r": {"mode": "hard"}, "r2": {"mode": "soft"}})
    for key, mode in (("r", "hard"), ("r2", "soft")):
        d = w.rx[key]
        rcpt = f"postmaster@{'receiver' if key == 'r' else 'receiver2'}.world.test"
        with Client(d.host, d.port, source="127.0.0.50") as c:
            c.reply()
            c.cmd("EHLO legacy.world.test")
            assert c.cmd("MAIL FROM:<x@legacy.world.test>")[0] == 250
            code, lines = c.cmd(f"RCPT TO:<{rcpt}>")
            if mode == "hard":
                assert code == 550 and "did not vouch for its session" in lines[0]
                continue
            assert code == 250
            c.cmd("DATA")
            c.send("Subject: legacy\r\n\r\nold server\r\n.\r\n")
            assert c.reply()[0] == 250
        msg = d.wait_messages(rcpt, 1, folder=".Unsafe")[0]
        assert b"X-Vouch-Verdict: unverified (no XVOUCH" in msg


def test_callback_target_not_answering_is_temporary(world):
    w = world(receivers={"r": {"mode": "hard", "xvouch_timeout": "3s"}})
    with Client(w.r.host, w.r.port, source=IP["dead"]) as c:
        c.reply()
        c.cmd("EHLO dead.world.test")        # resolves to 127.0.0.40: nothing listens there
        code, lines = c.cmd("XVOUCH " + "C" * 128)
        assert code == 451 and lines[0].startswith("451 4.7.0 cannot verify the session now")
        assert c.cmd("MAIL FROM:<x@dead.world.test>")[0] == 250
        code, lines = c.cmd(f"RCPT TO:<{RCPT}>")
        assert code == 451   # xvouch_temperror = tempfail: never a permanent refusal


def test_private_targets_refused_by_default(world):
    """The shipped default: no callback to loopback (the world sets
    xvouch_allow_private only because everything in it is on 127/8)."""
    w = world(receivers={"r": {"mode": "soft", "xvouch_allow_private": "no"}})
    c, (code, lines) = bot_session(w.r, IP["s"])
    assert code == 550 and ("refusing to call back private address 127.0.0.10 "
                            "(loopback 127.0.0.0/8)") in lines[0]
    c.close()


def test_bad_ids(world):
    w = world()
    with Client(w.r.host, w.r.port) as c:
        c.reply()
        c.cmd("EHLO sender.world.test")
        assert c.cmd("XVOUCH short")[0] == 501
        assert c.cmd("XVOUCH " + "!" * 128)[0] == 501
        _, lines = c.cmd("EHLO sender.world.test")
        assert "250-XVOUCH" in lines


def test_xgen_generations(world, world_dir):
    """DESIGN 5.2: S (generation 40) and R (generation 45, tolerance 3)."""
    chain = os.path.join(world_dir, "chain")
    top = subprocess.run([paths.VOUCHCTL, "gen", "new", chain, "--length", "100"],
                         capture_output=True, text=True, check=True).stdout
    assert top.startswith("generation 100 cookie ")

    def cookie(g):
        return subprocess.run([paths.VOUCHCTL, "gen", "cookie", chain, str(g)], capture_output=True,
                              text=True, check=True).stdout.split()[1]
    w = world(receivers={"r": {"mode": "soft", "xgen_generation": 45, "xgen_cookie": cookie(45),
                               "xgen_tolerance": 3}},
              sender={"xgen_generation": 40, "xgen_cookie": cookie(40)})
    w.send(subject="gen")
    msg = w.r.wait_messages(RCPT, 1, timeout=30)[0]
    assert b"x-vouch-gen=newer policy.generation=40" in msg
    w.r.wait_log(r"event=xgen result=newer peer_generation=40 our_generation=45")
    # one XGEN per session (issue 13 item 9): each claim in a session of its own
    for line, reply in ((f"XGEN 47 {cookie(47)}", "250 2.7.0 generation 47 accepted (older)"),
                        (f"XGEN 49 {cookie(49)}", "550 5.7.1 generation 49 is too old"),
                        (f"XGEN 44 {cookie(43)}", "550 5.7.1 generation cookie does not verify"),
                        ("XGEN 44 zz", "501 ")):
        with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
            c.reply()
            _, lines = c.cmd("EHLO old.world.test")
            assert "250-XGEN 45" in lines
            assert c.cmd(line)[1][0].startswith(reply), line
