"""XVOUCH and the life of a session and of a server (DESIGN 5.1):
STARTTLS makes the receiver forget a vouching given before it (RFC 3207
4.2) and XVOUCH after TLS works; changing an XVOUCH setting and reloading
takes effect at once; state written under old rules (the positive cache,
the answering side's throttle, hard-mode blocks) decides nothing after a
restart; retired settings are refused with a reason.
The world: tests/pylib/xvouch_world.py."""
import os
import sqlite3
import ssl
import subprocess
import time

import pytest

import paths
from certs import CA
from vouchd import Client
from xvouch_world import IP, World, bot_session, invented_id

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


def transaction(c, subject):
    assert c.cmd("MAIL FROM:<x@evil.world.test>")[0] == 250
    assert c.cmd(f"RCPT TO:<{RCPT}>")[0] == 250
    assert c.cmd("DATA")[0] == 354
    c.send(f"Subject: {subject}\r\n\r\nbody\r\n.\r\n")
    assert c.reply()[0] == 250


def test_starttls_forgets_xvouch(world, world_dir):
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("receiver.world.test")
    w = world(receivers={"r": {"mode": "soft", "tls_cert": cert, "tls_key": key}},
              x_hosts=("evil",))
    ctx = ssl.create_default_context(cafile=ca.cert)
    ctx.check_hostname = False
    # vouched before TLS: forgotten after it
    with Client(w.r.host, w.r.port, source=IP["evil"]) as c:
        c.reply()
        c.cmd("EHLO evil.world.test")
        assert c.cmd(f"XVOUCH {invented_id()}")[0] == 250
        assert c.starttls(ctx, server_hostname="receiver.world.test")[0] == 220
        _, lines = c.cmd("EHLO evil.world.test")
        assert "250-XVOUCH" in lines
        transaction(c, "vouched before tls")
    w.r.wait_log("event=xvouch_forgotten reason=starttls")
    msg = w.r.wait_messages(RCPT, 1, folder=".Unsafe")[0]
    assert b"X-Vouch-Verdict: unverified (no XVOUCH" in msg, msg.decode()
    assert b"x-vouch=none (the client did not send XVOUCH)" in msg and b"x-vouch=pass" not in msg
    # vouched after TLS: it counts (and is not "already given")
    with Client(w.r.host, w.r.port, source=IP["evil"]) as c:
        c.reply()
        c.cmd("EHLO evil.world.test")
        assert c.starttls(ctx, server_hostname="receiver.world.test")[0] == 220
        c.cmd("EHLO evil.world.test")
        assert c.cmd(f"XVOUCH {invented_id()}") == (
            250, ["250 2.7.0 vouched for evil.world.test"])
        transaction(c, "vouched after tls")
    msg = w.r.wait_messages(RCPT, 1)[0]
    assert b"X-Vouch-Verdict: verified (vouched for its session: evil.world.test)" in msg


def test_reload_takes_effect_at_once(world):
    w = world(receivers={"r": {"mode": "soft"}}, x_hosts=("evil",))
    r = w.r
    c, (code, _) = bot_session(r, IP["evil"], helo="evil.world.test")
    c.close()
    assert code == 250
    # no callbacks to private addresses any more
    r.settings["xvouch_allow_private"] = "no"
    r.write_config()
    r.ctl("reload", check=True)
    c, (code, lines) = bot_session(r, IP["evil"], helo="evil.world.test")
    c.close()
    assert code == 550 and "refusing to call back private address 127.0.0.70" in lines[0]
    # a new callback port: the next check goes there (nothing listens: temporary)
    r.settings.update(xvouch_allow_private="yes", xvouch_port="1", xvouch_timeout="3s")
    r.write_config()
    r.ctl("reload", check=True)
    c, (code, lines) = bot_session(r, IP["evil"], helo="evil.world.test")
    c.close()
    assert code == 451, lines
    # and back
    r.settings["xvouch_port"] = str(w.s.port)
    r.write_config()
    r.ctl("reload", check=True)
    c, (code, _) = bot_session(r, IP["evil"], helo="evil.world.test")
    c.close()
    assert code == 250


def test_old_state_decides_nothing_after_a_restart(world):
    """A positive cache entry and a throttle written by the old rules, and
    an address blocked by the old hard-mode rule, left in the state
    database: after a restart the cache and throttle are gone and the block
    is a vouch-required mark."""
    w = world(receivers={"r": {"mode": "hard"}})
    r = w.r
    r.stop()
    db = sqlite3.connect(os.path.join(r.data_dir, "state", "vouch.db"))
    later = int(time.time()) + 3600
    db.executemany("INSERT INTO records(ns, key, value, expires) VALUES (?, ?, ?, ?)", [
        ("xvouch_ok", f"sender.world.test|{IP['s']}", "x", later),
        ("xvouch_throttle", IP["r"], "unknown session", later),
        ("block", IP["spoof"], "session not vouched for by sender.world.test: old rule", later),
        ("block", "192.0.2.99", "blocked by the admin", later),
    ])
    db.commit()
    db.close()
    r.start()
    r.wait_log("event=xvouch_old_state_forgotten records=2 blocks_now_required=1")
    blocks = r.ctl("block", "list", check=True).stdout
    assert IP["spoof"] not in blocks and "192.0.2.99" in blocks
    assert IP["spoof"] in r.ctl("required", "list", check=True).stdout
    # the bot on S's address is called back (nothing cached) and refused
    c, (code, _) = bot_session(r, IP["s"])
    c.close()
    assert code == 550
    # the address that was blocked may connect; it must vouch
    with Client(r.host, r.port, source=IP["spoof"]) as c:
        assert c.reply()[0] == 220


@pytest.mark.parametrize("key, why", [
    ("xvouch_cache_ttl = 10m", "every session is called back now"),
    ("xvouch_block_time = 24h", "use xvouch_required_time"),
])
def test_retired_settings_are_refused_with_a_reason(world_dir, key, why):
    conf = os.path.join(world_dir, "old.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example.com\n{key}\n")
    r = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert r.returncode == 1
    name = key.split()[0]
    assert f"{conf}:2: '{name}' is no longer supported: " in r.stderr and why in r.stderr, r.stderr
