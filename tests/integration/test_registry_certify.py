"""vouch-registry's certification tests against fake SMTP servers on
loopback that behave well or badly; each test's verdict is checked, and
tests run from every configured source address. The tests speak SMTP
through libvouch's client (src/lib/smtp), so a reply libvouch's parser
refuses ("150 go on": codes start at 2) is a protocol error, not an
answer, and a greeting that never ends is cut at certify_timeout.
Loopback is a special-purpose range: the world is allowed explicitly
(certify_allow_networks), and an admin starts each run."""
import errno

import pytest

import ports
from fake_smtp import Behaviour, FakeSMTP, make_cert
from registry_runner import Registry, application, wait_for

SOURCES = ["127.0.0.1", "127.0.0.5"]

# name -> (address, behaviour flags, tests expected to fail)
WORLD = {
    "mx.good.test": ("127.0.0.10", {}, set()),
    "mx.relay.test": ("127.0.0.11", {"open_relay": True},
                      {"relay_foreign", "relay_unqualified", "relay_percent_hack",
                       "relay_bang_path", "relay_bang_path_plain", "relay_source_route",
                       "relay_quoted_local"}),
    "mx.percent.test": ("127.0.0.12", {"percent_hack": True}, {"relay_percent_hack"}),
    "mx.notls.test": ("127.0.0.13", {"starttls": False}, {"starttls"}),
    "mx.vouchy.test": ("127.0.0.14", {"xvouch_confirms": True}, {"xvouch_check"}),
    "mx.noxvouch.test": ("127.0.0.17", {"xvouch_supported": False}, {"xvouch_check"}),
    "mx.liar.test": ("127.0.0.15", {"greet": "liar.nowhere.test"}, {"helo_fcrdns"}),
    "mx.oldreply.test": ("127.0.0.19", {"mail_reply": "150 go on"},
                         {"relay_foreign", "relay_unqualified", "relay_percent_hack",
                          "relay_bang_path", "relay_bang_path_plain", "relay_source_route",
                          "relay_quoted_local"}),
    "mx.drip.test": ("127.0.0.24", {"drip_banner": True},
                     {"smtp_banner", "ehlo", "helo_fcrdns", "starttls", "xvouch_check",
                      "relay_foreign", "relay_unqualified", "relay_percent_hack",
                      "relay_bang_path", "relay_bang_path_plain", "relay_source_route",
                      "relay_quoted_local"}),
}
ALL_TESTS = ["smtp_banner", "ehlo", "helo_fcrdns", "starttls", "xvouch_check",
             "relay_foreign", "relay_unqualified", "relay_percent_hack", "relay_bang_path",
             "relay_bang_path_plain", "relay_source_route", "relay_quoted_local"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("certify")
    cert, key = make_cert(str(work), "mx.test")

    # every fake server on its own address and one port (certify_port)
    def start_servers(port):
        servers = {}
        try:
            for name, (addr, flags, _) in WORLD.items():
                flags = dict(flags)
                greet = flags.pop("greet", name)
                servers[name] = FakeSMTP(addr, port,
                                         Behaviour(greet, name.split(".", 1)[1], **flags),
                                         cert, key)
        except OSError as e:
            for s in servers.values():
                s.close()
            if e.errno == errno.EADDRINUSE:
                raise ports.PortInUse(str(e))
            raise
        return port, servers
    port, servers = ports.retry(start_servers)
    hosts = " ".join("%s=%s" % (n, a) for n, (a, _, _) in WORLD.items())
    hosts += " mx.down.test=127.0.0.16"
    reg = Registry(work, extra={
        "certify_port": str(port),
        "certify_timeout": "3s",
        "certify_sources": " ".join(SOURCES),
        "certify_helo": "registry.reg.test",
        "hosts": hosts,
        "certify_allow_networks": "127.0.0.0/8",
    }).start()
    yield reg, servers
    reg.stop()
    for s in servers.values():
        s.close()


def certify(reg, name, addr):
    status, body = reg.api("POST", "/api/applications", application(name, [addr]))
    assert status == 201, body
    assert body["certification_started"] is False and body["status"] == "applied"
    st, body = reg.api("POST", "/api/admin/servers/%s/certify" % name, admin=True)
    assert st == 202, body

    def done():
        st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
        return doc if st == 200 and doc["certification"] not in ("running", "none") else None
    doc = wait_for(done, timeout=60)
    assert doc, reg.read_log()
    return doc


def verdicts(run):
    return {t["name"]: t["verdict"] for t in run["tests"]}


@pytest.mark.parametrize("name", sorted(WORLD))
def test_verdicts(world, name):
    reg, servers = world
    addr, _, expect_fail = WORLD[name]
    doc = certify(reg, name, addr)
    assert doc["status"] == "applied"
    cert = doc["certifications"][0]
    runs = cert["report"]["runs"]
    # one run per configured source address, all against the host's address
    assert sorted(r["source"] for r in runs) == sorted(SOURCES)
    for run in runs:
        assert run["address"] == addr
        v = verdicts(run)
        assert sorted(v) == sorted(ALL_TESTS)
        failed = {k for k, x in v.items() if x == "fail"}
        assert failed == expect_fail, (run["tests"], run["transcript"])
        if "ehlo" not in expect_fail:
            assert "C: EHLO registry.reg.test" in run["transcript"]
    assert cert["passed"] is (not expect_fail)
    assert doc["certification"] == ("passed" if not expect_fail else "failed")
    # the tests really came from both source addresses
    assert set(SOURCES) <= set(servers[name].peers)
    events = [h["event"] for h in doc["history"]]
    assert "certification started" in events
    assert ("certification passed" if not expect_fail else "certification failed") in events


def test_invalid_reply_is_an_error(world):
    """libvouch's reply parser: a code below 200 is no reply at all, so the
    relay tests cannot pass on RCPT refusals that follow it."""
    reg, servers = world
    st, doc = reg.api("GET", "/api/admin/servers/mx.oldreply.test", admin=True)
    if st != 200:
        doc = certify(reg, "mx.oldreply.test", WORLD["mx.oldreply.test"][0])
    run = doc["certifications"][0]["report"]["runs"][0]
    detail = {t["name"]: t["detail"] for t in run["tests"]}
    assert "malformed reply" in detail["relay_foreign"], detail
    assert "S: 150 go on" in run["transcript"] or "150 go on" in detail["relay_foreign"]


def test_endless_greeting_is_cut(world):
    reg, servers = world
    st, doc = reg.api("GET", "/api/admin/servers/mx.drip.test", admin=True)
    if st != 200:
        doc = certify(reg, "mx.drip.test", WORLD["mx.drip.test"][0])
    cert = doc["certifications"][0]
    run = cert["report"]["runs"][0]
    detail = {t["name"]: t["detail"] for t in run["tests"]}
    assert "timeout" in detail["smtp_banner"], detail
    # two sessions (one per source) of certify_timeout each, not forever
    assert cert["finished"] - cert["started"] <= 20


def test_relay_tricks_sent(world):
    reg, servers = world
    cmds = servers["mx.good.test"].commands
    if not cmds:
        certify(reg, "mx.good.test", WORLD["mx.good.test"][0])
    rcpts = [c for c in servers["mx.good.test"].commands if c.startswith("RCPT TO:")]
    want = ["<relaytest@example.com>", "<relaytest>", "<relaytest%example.com@mx.good.test>",
            "<example.com!relaytest@mx.good.test>", "<example.com!relaytest>",
            "<@mx.good.test:relaytest@example.com>", '<"relaytest@example.com"@mx.good.test>']
    for w in want:
        assert "RCPT TO:" + w in rcpts
    xv = [c for c in servers["mx.good.test"].commands if c.startswith("XVOUCH CHECK ")]
    assert xv and all(len(c.split()[2]) == 128 and c.split()[2].isalnum() for c in xv)
    assert len(set(xv)) == len(xv), "each check uses a fresh id"


def test_unreachable(world):
    reg, _ = world
    doc = certify(reg, "mx.down.test", "127.0.0.16")
    run = doc["certifications"][0]["report"]["runs"][0]
    v = verdicts(run)
    assert v["smtp_banner"] == "fail"
    assert all(v[t] == "fail" for t in ALL_TESTS)
    assert doc["certification"] == "failed"


def test_unresolvable(world):
    reg, _ = world
    doc = certify(reg, "mx.ghost.test", "127.0.0.18")
    report = doc["certifications"][0]["report"]
    assert report["passed"] is False
    assert report["runs"][0]["tests"][0]["name"] == "resolve"


def test_rerun_and_approve_gate(world):
    reg, _ = world
    # a failed server cannot be approved without force
    st, body = reg.api("POST", "/api/admin/servers/mx.notls.test/approve", {}, admin=True)
    assert st == 409 and "certification" in body["error"]
    # a passed one can, and re-running tests later only adds a run
    st, body = reg.api("POST", "/api/admin/servers/mx.good.test/approve", {}, admin=True)
    assert st == 200 and body["to"] == "active"
    st, body = reg.api("POST", "/api/admin/servers/mx.good.test/certify", admin=True)
    assert st == 202

    def two_runs():
        st, doc = reg.api("GET", "/api/admin/servers/mx.good.test", admin=True)
        return doc if len(doc["certifications"]) >= 2 and doc["certification"] != "running" else None
    doc = wait_for(two_runs, timeout=60)
    assert doc and doc["status"] == "active"


def test_cli_certify(world):
    reg, _ = world
    r = reg.cli("server", "certify", "mx.vouchy.test", check=False)
    assert r.returncode == 1
    assert "xvouch_check" in r.stdout and "an unknown session id was confirmed" in r.stdout
