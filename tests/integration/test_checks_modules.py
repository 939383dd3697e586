"""The trust-check modules against real peers, through vouchctl: sender
callouts (`vouchctl callout`) at a real Postfix (addresses that exist and
do not), smtp-sink (catch-all, refusing with 5xx, deferring with 4xx), a
closed port, null MX, no MX, NXDOMAIN and a zone NSD answers with SERVFAIL;
the caches (a second call is answered from the state database) and the
per-domain limit; DNS lists (`vouchctl dnsbl`) and registrar zones
(`vouchctl register`) served by NSD in the form vouch-registry publishes.

Every mail host sits on its own loopback address and the same port
(callout_port is one setting), DNS is NSD on 127.0.0.1."""
import os
import shutil
import subprocess
import tempfile

import pytest

import paths
from nsd import Nsd, zone
from postfix import Postfix, postfix_available
from sink import Sink
import ports

needs_postfix = pytest.mark.skipif(not postfix_available(), reason="needs root and postfix")

# host -> loopback address; all listen on the same port
HOSTS = {"postfix": "127.0.0.2", "accept": "127.0.0.3", "refuse": "127.0.0.4",
         "defer": "127.0.0.5", "closed": "127.0.0.6"}

CALLOUT_ZONE = zone("callout.test", [
    "ok MX 10 mx.ok",
    f"mx.ok A {HOSTS['postfix']}",
    "catchall MX 10 mx.catchall",
    f"mx.catchall A {HOSTS['accept']}",
    "refuse MX 10 mx.refuse",
    f"mx.refuse A {HOSTS['refuse']}",
    "defer MX 10 mx.defer",
    f"mx.defer A {HOSTS['defer']}",
    "closed MX 10 mx.closed",
    f"mx.closed A {HOSTS['closed']}",
    # the first MX is down, the second answers
    "backup MX 10 mx.closed",
    "backup MX 20 mx.catchall",
    "nullmx MX 0 .",
    'nomx TXT "no mail host here"',
    # MX at a public address that must not be called... and a private one
    "inward MX 10 mx.inward",
    "mx.inward A 10.1.2.3",
])
# NSD cannot load this zone: it answers SERVFAIL for it.
BROKEN_ZONE = zone("broken.test", ['x TXT "unterminated'])

REG_ZONE = zone("reg.test", [
    "mx1.example.com A 127.0.0.2",
    'mx1.example.com TXT "v=vouch1; class=isp; since=2026-11-23; sponsors=2"',
    "bad.example.com A 127.0.0.3",
    'bad.example.com TXT "v=vouch1; class=bulk; since=2025-01-02; sponsors=0"',
    "25.2.0.192.ip A 127.0.0.2",
    '25.2.0.192.ip TXT "v=vouch1; host=mx1.example.com"',
])
BL_ZONE = zone("bl.test", [
    "99.2.0.192 A 127.0.0.2",
    '99.2.0.192 TXT "listed for spam, see https://bl.test/192.0.2.99"',
    "98.2.0.192 A 127.0.0.10",
])


@pytest.fixture(scope="module")
def world():
    # Postfix's and smtp-sink's own users must reach it (pytest's tmp_path
    # sits under a root-only folder).
    d = tempfile.mkdtemp(prefix="vouch-checks-")
    os.chmod(d, 0o755)
    ns = Nsd(os.path.join(d, "nsd"), {"callout.test": CALLOUT_ZONE, "broken.test": BROKEN_ZONE,
                                      "reg.test": REG_ZONE, "bl.test": BL_ZONE})
    ns.start()
    # One port for every host (callout_port is one setting): a candidate
    # each peer binds on its own address; if any cannot, all start again
    # on a fresh one.
    def start_peers(port):
        started = []
        try:
            for name, options in (("accept", []), ("refuse", ["-f", "rcpt"]),
                                  ("defer", ["-r", "rcpt"])):
                started.append(Sink(os.path.join(d, f"{name}-{port}"), host=HOSTS[name],
                                    port=port, options=options).start())
            pf = None
            if postfix_available():
                pf = Postfix(os.path.join(d, f"pf-{port}"), role="mailbox",
                             host=HOSTS["postfix"], port=port, domains=["ok.callout.test"],
                             mailboxes=["alice@ok.callout.test"]).start()
            return port, started, pf
        except ports.PortInUse:
            for p in started:
                p.stop()
            raise
    port, peers, pf = ports.retry(start_peers)
    yield {"dir": d, "nsd": ns, "port": port, "postfix": pf}
    if pf:
        pf.stop()
    for p in peers:
        p.stop()
    ns.stop()
    shutil.rmtree(d, ignore_errors=True)


def config(world, name, **extra):
    """A configuration file with its own data_dir (so its own cache)."""
    data = os.path.join(world["dir"], name)
    os.makedirs(data, exist_ok=True)
    settings = {"data_dir": data, "hostname": "receiver.test", "callout_port": world["port"],
                "callout_allow_private": "yes", "callout_timeout": "15s",
                "callout_connect_timeout": "3s", "dns_timeout": "3s",
                "registrar_zones": "reg.test", "dnsbl_zones": "bl.test"}
    settings.update(extra)
    path = os.path.join(data, "vouch.conf")
    with open(path, "w") as f:
        for k, v in settings.items():
            f.write(f"{k} = {v}\n")
    return path


def vouchctl(world, conf, *args):
    p = subprocess.run([paths.VOUCHCTL, "-c", conf, *args, "--resolver", world["nsd"].address],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return p.stdout


def callout(world, conf, *addresses, extra=()):
    """Run vouchctl callout; returns one dict per address (and the stats)."""
    out = vouchctl(world, conf, "callout", *addresses, *extra)
    blocks, stats = [], {}
    for block in out.strip().split("\n\n"):
        lines = block.splitlines()
        if lines[0].startswith("stat "):
            stats = {l.split()[1]: int(l.split()[2]) for l in lines}
            continue
        addr, result = lines[0].rsplit(" ", 1)
        b = {"address": addr, "result": result}
        for l in lines[1:]:
            k, v = l.split(" ", 1)
            b[k] = v
        blocks.append(b)
    return blocks, stats


@needs_postfix
def test_pass_and_fail_at_postfix(world):
    conf = config(world, "pf")
    [r], _ = callout(world, conf, "alice@ok.callout.test")
    assert r["result"] == "pass", r
    assert r["source"] == "smtp"
    assert r["mx"] == f"mx.ok.callout.test {HOSTS['postfix']}"
    assert "accepted <alice@ok.callout.test>: 250" in r["reason"]
    assert r["cached"].startswith("until ")
    [r], _ = callout(world, conf, "bob@ok.callout.test")
    assert r["result"] == "fail", r
    assert "refused <bob@ok.callout.test>: 550 5.1.1" in r["reason"]
    # the second time both come from the state database, not from Postfix
    [a, b], stats = callout(world, conf, "alice@ok.callout.test", "bob@ok.callout.test",
                            extra=["--stats"])
    assert (a["result"], a["source"]) == ("pass", "cache-address")
    assert (b["result"], b["source"]) == ("fail", "cache-address")
    assert stats["callout.cache_hits"] == 2
    # Postfix was asked, never given a message
    assert not world["postfix"].messages("alice@ok.callout.test")


def test_catch_all_and_domain_cache(world):
    conf = config(world, "catchall")
    [r], _ = callout(world, conf, "anyone@catchall.callout.test")
    assert r["result"] == "catchall", r
    assert "accepts any local part" in r["reason"]
    [r], _ = callout(world, conf, "someone.else@catchall.callout.test")
    assert (r["result"], r["source"]) == ("catchall", "cache-domain")


def test_refused_with_5xx_is_fail(world):
    conf = config(world, "refuse")
    [r], _ = callout(world, conf, "x@refuse.callout.test")
    assert r["result"] == "fail", r
    assert r["reason"].startswith("mx.refuse.callout.test [127.0.0.4] refused <x@refuse.callout.test>: 5")


def test_domain_level_results(world):
    conf = config(world, "domains")
    got, stats = callout(world, conf, "x@nullmx.callout.test", "x@nomx.callout.test",
                         "x@nowhere.callout.test", extra=["--stats"])
    assert [g["result"] for g in got] == ["nomx", "nomx", "nxdomain"], got
    assert all(g["source"] == "dns" for g in got)
    assert "null MX, RFC 7505" in got[0]["reason"]
    assert "no address for the mail servers" in got[1]["reason"]
    assert got[2]["reason"] == "domain nowhere.callout.test does not exist"
    assert stats["callout.bad_domains"] == 2
    assert stats["callout.no_mx"] == 1
    # remembered for the domain, whatever the local part
    got, _ = callout(world, conf, "y@nullmx.callout.test", "y@nowhere.callout.test")
    assert [g["source"] for g in got] == ["cache-domain"] * 2
    # without callout_allow_private a private MX address is never called
    conf2 = config(world, "inward", callout_allow_private="no")
    [r], _ = callout(world, conf2, "x@inward.callout.test")
    assert r["result"] == "nomx" and "not called" in r["reason"], r
    assert r["tries"] == "0"


def test_temporary_errors(world):
    conf = config(world, "temp")
    got, stats = callout(world, conf, "x@defer.callout.test", "x@closed.callout.test",
                         "x@x.broken.test", extra=["--stats"])
    assert [g["result"] for g in got] == ["temperror"] * 3, got
    assert got[0]["source"] == "smtp" and " 4" in got[0]["reason"]
    assert "cannot reach the mail hosts of closed.callout.test" in got[1]["reason"]
    assert got[2]["source"] == "dns"
    assert stats["callout.bad_connects"] == 1
    # an unreachable domain is left alone for callout_tempfail_ttl...
    [r], _ = callout(world, conf, "y@closed.callout.test")
    assert (r["result"], r["source"]) == ("temperror", "cache-domain")
    # ...a 4xx and DNS trouble are asked again
    got, _ = callout(world, conf, "x@defer.callout.test", "x@x.broken.test")
    assert [g["source"] for g in got] == ["smtp", "dns"]


def test_next_mx_after_a_dead_one(world):
    conf = config(world, "backup")
    [r], stats = callout(world, conf, "x@backup.callout.test", extra=["--stats"])
    assert r["result"] == "catchall", r
    assert r["tries"] == "2"
    assert r["mx"] == f"mx.catchall.callout.test {HOSTS['accept']}"
    assert stats["callout.bad_connects"] == 1


def test_per_domain_limit_and_queue(world):
    conf = config(world, "limit")
    addrs = [f"user{i}@refuse.callout.test" for i in range(4)]
    got, stats = callout(world, conf, *addrs, extra=["--max-per-domain", "1", "--stats"])
    assert [g["result"] for g in got] == ["fail"] * 4
    assert [g["source"] for g in got] == ["smtp"] * 4
    # one at a time: the other three waited for the slot
    assert sorted(g["queued"] for g in got) == ["no", "yes", "yes", "yes"]
    assert stats["callout.queued"] == 3
    assert stats["callout.calls"] == 4
    # the same address four times: one dialogue, three answers from the cache
    got, stats = callout(world, conf, *["same@catchall.callout.test"] * 4,
                         extra=["--max-per-domain", "1", "--stats"])
    assert sorted(g["source"] for g in got) == ["cache-domain"] * 3 + ["smtp"]
    assert stats["callout.cache_hits"] == 3


def test_forget_and_no_cache(world):
    conf = config(world, "forget")
    [r], _ = callout(world, conf, "anyone@catchall.callout.test")
    assert r["source"] == "smtp"
    [r], _ = callout(world, conf, "anyone@catchall.callout.test", extra=["--forget"])
    assert r["source"] == "smtp"
    [r], _ = callout(world, conf, "anyone@catchall.callout.test", extra=["--no-cache"])
    assert r["source"] == "smtp" and r["cached"].startswith("until")


def test_register(world):
    conf = config(world, "reg")
    out = vouchctl(world, conf, "register", "mx1.example.com").splitlines()
    assert out[0] == "registered"
    assert out[1] == "mx1.example.com is registered in reg.test (class isp, since 2026-11-23, 2 sponsors)"
    assert out[2] == "zone reg.test registered class=isp since=2026-11-23 sponsors=2"
    out = vouchctl(world, conf, "register", "bad.example.com").splitlines()
    assert out[0] == "suspended"
    out = vouchctl(world, conf, "register", "nobody.example.com").splitlines()
    assert out[0] == "unregistered"
    out = vouchctl(world, conf, "register", "192.0.2.25").splitlines()
    assert out[0] == "registered"
    assert out[2] == "zone reg.test registered host=mx1.example.com"
    # a second registrar that cannot be asked does not hide the first's word
    out = vouchctl(world, conf, "register", "mx1.example.com", "--zone", "reg.test",
                   "--zone", "broken.test").splitlines()
    assert out[0] == "registered"
    assert out[3].startswith("zone broken.test temperror")
    out = vouchctl(world, conf, "register", "nobody.example.com", "--zone", "reg.test",
                   "--zone", "broken.test").splitlines()
    assert out[0] == "temperror"


def test_dnsbl(world):
    conf = config(world, "bl", dnswl_zones="broken.test")
    out = vouchctl(world, conf, "dnsbl", "192.0.2.99").splitlines()
    assert out[0] == "block bl.test listed 127.0.0.2"
    assert out[1] == ("  192.0.2.99 is listed in bl.test (127.0.0.2): "
                      "listed for spam, see https://bl.test/192.0.2.99")
    assert out[2].startswith("allow broken.test temperror")
    out = vouchctl(world, conf, "dnsbl", "192.0.2.1").splitlines()
    assert out[0] == "block bl.test notlisted"
    # a filter that does not count 127.0.0.10
    out = vouchctl(world, conf, "dnsbl", "192.0.2.98", "--zone", "bl.test=127.0.0.[2..4]")
    assert out.splitlines()[0] == "block bl.test notlisted 127.0.0.10"
    out = vouchctl(world, conf, "dnsbl", "192.0.2.98", "--zone", "bl.test")
    assert out.splitlines()[0] == "block bl.test listed 127.0.0.10"
