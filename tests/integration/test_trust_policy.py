"""Policies on what the trust checks proved (issue 17), between real
vouchd instances (tests/pylib/xvouch_world.py) with NSD serving the
registrar zone reg.world.test in vouch-registry's form:

* refused mail classes: a recipient (the school's pupil) refuses `bulk`;
  a registered bulk sender that vouched is refused at RCPT with 550 5.7.1
  naming the class and the registrar, and accepted for another
  recipient; the class is the register's only: what the sender claims in
  its headers changes nothing;
* xgen_none: a receiver that requires generations announces
  `XGEN <g> REQUIRED` and refuses mail from a server that gives none."""
import os
import re
import subprocess

import pytest

import paths
from vouchd import Client
from xvouch_world import World

POSTMASTER = "postmaster@receiver.world.test"
PUPIL = "pupil@receiver.world.test"
REG = "reg.world.test"


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


def registered(klass):
    """The registrar's records for S (names under world.test's zone)."""
    return [f"sender.world.test.reg A 127.0.0.2",
            f'sender.world.test.reg TXT "v=vouch1; class={klass}; since=2026-01-02; sponsors=1"']


def school(w):
    """The pupil refuses bulk mail (the users entry); the postmaster does not."""
    w.r.ctl("user", "add", PUPIL, check=True)
    w.r.ctl("user", "set", PUPIL, "refuse_classes=bulk", check=True)
    w.r.wait_log("event=reloaded", count=2)


def bounce_to_alice(w, n=1):
    return w.s.wait_messages("alice@world.test", n, timeout=60)


@pytest.mark.parametrize("mode", ["hard", "soft"])
def test_bulk_sender_refused_for_the_school_accepted_for_another(world, mode):
    # soft: a refused class is the recipient's own rule, refused in either mode
    w = world(receivers={"r": {"mode": mode, "registrar_zones": REG}},
              extra_records=registered("bulk"))
    school(w)
    # the sender claims another class in its headers: nothing reads them
    w.send(to="pupil@world.test", subject="bulk for the pupil",
           headers="X-Vouch-Class: education\r\nX-Mail-Class: isp\r\n")
    w.r.wait_log(rf'event=rcpt_refused client=127\.0\.0\.10 rcpt="?{re.escape(PUPIL)}"? '
                 r'reason="?class bulk \(registrar reg\.world\.test\) refused by the recipient')
    dsn = bounce_to_alice(w)[0]
    assert (b"550 5.7.1 mail of class bulk is refused for this recipient: the registrar "
            b"reg.world.test lists the sending server sender.world.test as bulk") in \
        dsn.replace(b"\r\n ", b" ")
    assert w.r.messages(PUPIL) == [] and w.r.messages(PUPIL, folder=".Unsafe") == []
    # the same sender, the same class, another recipient: taken, verified
    w.send(to="out@world.test", subject="bulk for the postmaster")
    msg = w.r.wait_messages(POSTMASTER, 1, timeout=30)[0]
    assert b"x-vouch-register=registered (class bulk" in msg
    if mode == "hard":
        assert b"X-Vouch-Verdict: verified (vouched for its session, registered" in msg


def test_claimed_class_has_no_effect(world):
    """Registered as isp: mail that calls itself bulk (Precedence, a made-up
    class header) still reaches the pupil who refuses bulk."""
    w = world(receivers={"r": {"mode": "hard", "registrar_zones": REG}},
              extra_records=registered("isp"))
    school(w)
    w.send(to="pupil@world.test", subject="isp for the pupil",
           headers="Precedence: bulk\r\nX-Vouch-Class: bulk\r\n")
    msg = w.r.wait_messages(PUPIL, 1, timeout=30)[0]
    assert b"x-vouch-register=registered (class isp" in msg
    # a client that only says the registered name is not that server: no
    # class is read for it (SPF of the name refuses it here, at MAIL)
    with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
        c.reply()
        c.cmd("EHLO sender.world.test")
        code, lines = c.cmd("MAIL FROM:<>")
        assert code == 550 and lines[0].startswith("550 5.7.23") and "class" not in lines[0]


def test_domain_and_listener_refuse_classes(world, world_dir):
    """A domain block's refuse_classes covers its recipients; a users
    entry's refuse_classes=none lets one of them take it after all."""
    w = world(receivers={"r": {"mode": "hard", "registrar_zones": REG}},
              extra_records=registered("bulk"))
    w.r.extra_text = "domain receiver.world.test {\n    refuse_classes = bulk, isp\n}\n"
    w.r.write_config()
    w.r.ctl("user", "add", PUPIL, check=True)
    w.r.ctl("user", "set", PUPIL, "refuse_classes=none", check=True)
    w.r.wait_log("event=reloaded", count=2)
    w.send(to="out@world.test", subject="to the postmaster")
    w.r.wait_log(r'reason="?class bulk \(registrar reg\.world\.test\) refused by the domain')
    w.send(to="pupil@world.test", subject="to the pupil who takes bulk")
    assert w.r.wait_messages(PUPIL, 1, timeout=30)
    assert w.r.messages(POSTMASTER) == []


def gen_chain(world_dir):
    chain = os.path.join(world_dir, "chain")
    subprocess.run([paths.VOUCHCTL, "gen", "new", chain, "--length", "100"], capture_output=True,
                   text=True, check=True)

    def cookie(g):
        return subprocess.run([paths.VOUCHCTL, "gen", "cookie", chain, str(g)],
                              capture_output=True, text=True, check=True).stdout.split()[1]
    return cookie


def test_xgen_none_requires_a_generation(world, world_dir):
    cookie = gen_chain(world_dir)
    # xgen_none = reject (the default is ignore): this site requires generations
    w = world(receivers={"r": {"mode": "soft", "xgen_generation": 45, "xgen_cookie": cookie(45),
                               "listener": {"xgen_none": "reject"}}})
    with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
        c.reply()
        _, lines = c.cmd("EHLO old.world.test")
        assert "250-XGEN 45 REQUIRED" in lines
        assert c.cmd("MAIL FROM:<>")[0] == 250
        code, lines = c.cmd(f"RCPT TO:<{POSTMASTER}>")
        assert code == 550 and lines[0].startswith(
            "550 5.7.1 the sending server gave no software generation (XGEN)")
    # S vouches but gives no generation: refused, S bounces to its sender
    w.send(subject="no generation")
    dsn = bounce_to_alice(w)[0].replace(b"\r\n ", b" ")
    assert b"gave no software generation (XGEN)" in dsn
    assert w.r.messages(POSTMASTER) == []


def test_xgen_none_default_ignores_and_announces_plainly(world, world_dir):
    cookie = gen_chain(world_dir)
    w = world(receivers={"r": {"mode": "soft", "xgen_generation": 45, "xgen_cookie": cookie(45)}},
              sender={"xgen_generation": 44, "xgen_cookie": cookie(44)})
    with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
        c.reply()
        _, lines = c.cmd("EHLO old.world.test")
        assert "250-XGEN 45" in lines and not any("REQUIRED" in l for l in lines)
    w.send(subject="with generation")
    msg = w.r.wait_messages(POSTMASTER, 1, timeout=30)[0]
    assert b"x-vouch-gen=newer policy.generation=44" in msg


def ed25519_key(world_dir, name):
    priv = os.path.join(world_dir, f"{name}.key")
    pub = os.path.join(world_dir, f"{name}.pub")
    subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", priv], check=True,
                   capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", priv, "-pubout", "-out", pub], check=True,
                   capture_output=True)
    os.chmod(pub, 0o644)
    return priv, pub


def publish(world_dir, g, key):
    chain = os.path.join(world_dir, "chain")
    return subprocess.run([paths.VOUCHCTL, "gen", "publish", chain, str(g), "--key", key],
                          capture_output=True, text=True, check=True).stdout.strip()


def test_authority_publishes_the_next_generation_in_dns(world, world_dir):
    """The authority releases generation 44 as a signed TXT record (NSD
    serves it); the receiver, configured with 45, takes it without a
    configuration change, keeps it across a restart, and ignores a
    release signed with another key."""
    cookie = gen_chain(world_dir)
    priv, pub = ed25519_key(world_dir, "authority")
    thief, _ = ed25519_key(world_dir, "thief")
    good = publish(world_dir, 44, priv)
    assert re.fullmatch(r"v=vouchgen1; g=44; c=[0-9a-f]{64}; s=[A-Za-z0-9+/]{86}==", good)
    forged = publish(world_dir, 43, thief)
    # xgen_refresh = 1s (the default is 1h) so the test need not wait
    w = world(receivers={"r": {"mode": "soft", "xgen_generation": 45, "xgen_cookie": cookie(45),
                               "xgen_publish_name": "gen.world.test",
                               "xgen_authority_key": pub, "xgen_refresh": "1s"}},
              extra_records=[f'gen TXT "{good}"', f'gen TXT "{forged}"'])
    w.r.wait_log(r"event=xgen_release source=dns generation=44")
    w.r.wait_log(r"event=xgen_fetch name=gen.world.test result=bad-signature generation=43")
    w.r.wait_log(r"event=xgen_fetch name=gen.world.test result=same generation=44 "
                 r"our_generation=44")
    with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
        c.reply()
        _, lines = c.cmd("EHLO new.world.test")
        assert "250-XGEN 44" in lines
        assert c.cmd(f"XGEN 44 {cookie(44)}")[1][0] == "250 2.7.0 generation 44 accepted (current)"
    # a restart without the lookup still holds 44 (data_dir/state/xgen)
    w.r.stop()
    del w.r.settings["xgen_publish_name"]
    w.r.write_config()
    w.r.start()
    w.r.wait_log(r"event=xgen_release source=state generation=44")
    with Client(w.r.host, w.r.port, source="127.0.0.60") as c:
        c.reply()
        _, lines = c.cmd("EHLO new.world.test")
        assert "250-XGEN 44" in lines


def test_bad_publication_settings_are_config_errors(world_dir):
    _, pub = ed25519_key(world_dir, "authority")
    rsa = os.path.join(world_dir, "rsa.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "rsa", "-pkeyopt", "rsa_keygen_bits:1024",
                    "-out", rsa], check=True, capture_output=True)
    rsapub = rsa + ".pub"
    subprocess.run(["openssl", "pkey", "-in", rsa, "-pubout", "-out", rsapub], check=True,
                   capture_output=True)
    gen = "xgen_generation = 45\nxgen_cookie = " + "ab" * 32 + "\n"
    for extra, want in (
            ("xgen_publish_name = gen.example\nxgen_authority_key = " + pub + "\n",
             "2: xgen_publish_name needs xgen_generation"),
            (gen + "xgen_publish_name = gen.example\nxgen_authority_key = " + rsapub + "\n",
             "5: xgen_authority_key: " + rsapub + " is not an Ed25519 key"),
            (gen + "xgen_publish_name = gen.example\n", "4: xgen_authority_key: cannot read"),
    ):
        conf = os.path.join(world_dir, "bad.conf")
        with open(conf, "w") as f:
            f.write(f"data_dir = {world_dir}/var\n" + extra)
        out = subprocess.run([paths.VOUCHCTL, "-c", conf, "config", "check"],
                             capture_output=True, text=True)
        assert out.returncode != 0 and f"bad.conf:{want}" in out.stderr + out.stdout, \
            out.stderr + out.stdout
