"""Abuse reports cannot get an innocent server suspended (issue 13 item 2).

The attack that worked: apply for any name (owner token), register any
address as a spam trap with it, then file three anonymous reports whose
fabricated Received field names the victim and whose To: is the "trap":
each was confirmed and the victim went active -> suspended. Now:
- only owners of active, certified servers register traps, and only in a
  domain whose MX is their server (checked through real DNS: NSD here);
- a trap hit counts only when the report comes through the trap owner's
  own server: the API with its owner token, or the mail intake from one of
  its registered addresses; anonymous web/API reports are never confirmed
  by themselves;
- automatic suspension needs suspend_reporters independent reporters (a
  trap owner counts once however many traps it has; each report an admin
  confirmed counts as one);
- reports are rate-limited per client address."""
import errno
import http.client as httpc
import json

import pytest

import ports
from fake_smtp import Behaviour, FakeSMTP, make_cert
from nsd import Nsd, zone
from registry_runner import Registry, application, wait_for

# the servers of this world: name -> (certification address, registered address)
HOSTS = {
    "mx.victim.test": ("127.0.0.91", "192.0.2.25"),
    "mx.trapper.test": ("127.0.0.92", "192.0.2.92"),
    "mx.other.test": ("127.0.0.93", "192.0.2.93"),
    "mx.attacker.test": ("127.0.0.94", "192.0.2.94"),
}

ZONES = {
    "victim.test": zone("victim.test", ["@ MX 10 mx.victim.test.", "mx A 127.0.0.91"]),
    "trapper.test": zone("trapper.test", ["mx A 127.0.0.92",
                                          "traps MX 10 mx.trapper.test."]),
    "other.test": zone("other.test", ["mx A 127.0.0.93", "traps MX 10 mx.other.test."]),
    "attacker.test": zone("attacker.test", ["@ MX 10 mx.attacker.test.", "mx A 127.0.0.94"]),
}


def forged(n, to):
    """A report made up from nothing: it names the victim as the sender."""
    return ("Received: from mx.victim.test (mx.victim.test [192.0.2.25])\r\n"
            "\tby mx.attacker.test with ESMTP id FAKE%d; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
            "From: someone@victim.test\r\nTo: %s\r\nSubject: forged %d\r\n\r\nx\r\n"
            % (n, to, n))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    work = tmp_path_factory.mktemp("traps")
    cert, key = make_cert(str(work), "mx.test")
    ns = Nsd(str(work), ZONES).start()

    def start_servers(port):
        servers = []
        try:
            for name, (addr, _) in HOSTS.items():
                servers.append(FakeSMTP(addr, port, Behaviour(name, name.split(".", 1)[1]),
                                        cert, key))
        except OSError as e:
            for s in servers:
                s.close()
            if e.errno == errno.EADDRINUSE:
                raise ports.PortInUse(str(e))
            raise
        return port, servers
    port, servers = ports.retry(start_servers)
    reg = Registry(work, extra={
        "dns_resolver": ns.address, "dns_timeout": "3s",
        "certify_port": str(port), "certify_timeout": "3s",
        "certify_allow_networks": "127.0.0.0/8",
        "suspend_threshold": "2", "suspend_reporters": "2",
    }).start()
    tokens = {}
    for name, (_, registered) in HOSTS.items():
        st, body = reg.api("POST", "/api/applications", application(name, [registered]))
        assert st == 201, body
        tokens[name] = body["owner_token"]
    yield reg, ns, tokens
    reg.stop()
    for s in servers:
        s.close()
    ns.stop()


def certify_and_approve(reg, name):
    r = reg.cli("server", "certify", name, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    if status(reg, name) != "active":
        reg.cli("server", "approve", name)


def trap(reg, token, address):
    """Register a trap; the final status once its domain's MX was checked."""
    st, body = reg.api("POST", "/api/traps", {"address": address}, token=token)
    if st != 202:
        return st, body

    def checked():
        st, doc = reg.api("GET", "/api/traps", token=token)
        for t in doc["traps"]:
            if t["address"] == address.lower() and t["status"] != "pending":
                return t
        return None
    return st, wait_for(checked, timeout=20)


def status(reg, name):
    return reg.get("/api/servers/" + name)[1]["status"]


def test_forged_trap_reports_cannot_suspend(world):
    reg, _, tokens = world
    reg.cli("server", "approve", "mx.victim.test", "-f")
    assert wait_for(lambda: reg.a_record("mx.victim.test") == "127.0.0.2")
    # an applicant's token registers no trap; neither does an active server
    # that never passed certification
    st, _ = reg.api("POST", "/api/traps", {"address": "trap@attacker.test"},
                    token=tokens["mx.attacker.test"])
    assert st == 403, st
    reg.cli("server", "approve", "mx.attacker.test", "-f")
    st, _ = reg.api("POST", "/api/traps", {"address": "trap@attacker.test"},
                    token=tokens["mx.attacker.test"])
    assert st == 403, st
    # three anonymous reports naming the victim and "hitting" that address
    for n in (1, 2, 3):
        st, doc = reg.api("POST", "/api/reports", {"message": forged(n, "trap@attacker.test")})
        assert st == 201, doc
        assert doc["server"] == "mx.victim.test" and doc["status"] == "new", doc
    assert status(reg, "mx.victim.test") == "active"
    assert reg.a_record("mx.victim.test") == "127.0.0.2"


def test_traps_only_where_the_owner_receives_mail(world):
    reg, _, tokens = world
    certify_and_approve(reg, "mx.attacker.test")      # now active and certified
    token = tokens["mx.attacker.test"]
    # not in a domain the attacker's server receives mail for
    st, t = trap(reg, token, "postmaster@victim.test")
    assert st == 202 and t["status"] == "refused", t
    assert "mx.victim.test" in t["note"], t
    # its own domain is fine
    st, t = trap(reg, token, "trap@attacker.test")
    assert st == 202 and t["status"] == "verified", t
    # and the refused address stays free for the domain's real owner
    st, doc = reg.api("GET", "/api/traps", token=token)
    assert {x["address"]: x["status"] for x in doc["traps"]} == {
        "postmaster@victim.test": "refused", "trap@attacker.test": "verified"}
    # its verified trap does not make anonymous reports count either
    st, doc = reg.api("POST", "/api/reports", {"message": forged(4, "trap@attacker.test")})
    assert st == 201 and doc["status"] == "new", doc
    assert status(reg, "mx.victim.test") == "active"


def test_trap_hits_count_only_through_the_owner(world):
    reg, _, tokens = world
    certify_and_approve(reg, "mx.trapper.test")
    owner = tokens["mx.trapper.test"]
    st, t = trap(reg, owner, "spam@traps.trapper.test")
    assert t["status"] == "verified", t
    msg = forged(10, "spam@traps.trapper.test")
    # anonymous: a hit that is not counted, left for an admin
    st, doc = reg.api("POST", "/api/reports", {"message": msg})
    assert st == 201 and doc["status"] == "new", doc
    # another owner's token is not the trap owner's server either
    st, doc = reg.api("POST", "/api/reports", {"message": forged(11, "spam@traps.trapper.test")},
                      token=tokens["mx.attacker.test"])
    assert doc["status"] == "new", doc
    # mail from an address that is not the trap owner's: not counted
    r = reg.cli("report", "--stdin", "--rcpt", "spam@traps.trapper.test",
                "--client", "198.51.100.7", input=forged(12, "x@y.test"))
    assert " new " in r.stdout, r.stdout
    # through the owner's server: counted, but one reporter does not suspend
    st, doc = reg.api("POST", "/api/reports", {"message": forged(13, "spam@traps.trapper.test")},
                      token=owner)
    assert st == 201 and doc["status"] == "confirmed", doc
    r = reg.cli("report", "--stdin", "--rcpt", "spam@traps.trapper.test",
                "--client", "192.0.2.92", input=forged(14, "x@y.test"))
    assert " confirmed " in r.stdout, r.stdout
    assert status(reg, "mx.victim.test") == "active"   # 2 reports, 1 reporter
    st, doc = reg.api("GET", "/api/admin/servers/mx.victim.test", admin=True)
    assert "1 independent reporter" in doc["history"][-1]["reason"] or \
        all(h["event"] != "suspended" for h in doc["history"])
    # a second, independent trap owner's hit: now the registry suspends
    certify_and_approve(reg, "mx.other.test")
    other = tokens["mx.other.test"]
    st, t = trap(reg, other, "spam@traps.other.test")
    assert t["status"] == "verified", t
    st, doc = reg.api("POST", "/api/reports", {"message": forged(15, "spam@traps.other.test")},
                      token=other)
    assert doc["status"] == "confirmed" and doc.get("server_status") == "suspended", doc
    assert wait_for(lambda: reg.a_record("mx.victim.test") == "127.0.0.3")
    st, doc = reg.api("GET", "/api/admin/servers/mx.victim.test", admin=True)
    # (the confirmed reports also ask for test runs, whose lines may follow)
    last = [h for h in doc["history"] if h["event"] == "suspended"][-1]
    assert last["actor"] == "registry" and "2 independent reporters" in last["reason"], last


def test_an_admin_confirmation_counts(world):
    """Each report a person confirmed is a reporter of its own; reports from
    before the last reinstatement no longer count."""
    reg, _, tokens = world
    reg.cli("server", "reinstate", "mx.victim.test", "-r", "test over")
    ids = []
    for n in (20, 21):
        st, doc = reg.api("POST", "/api/reports", {"message": forged(n, "u@victim.test")})
        assert st == 201 and doc["status"] == "new"
        ids.append(doc["id"])
    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % ids[0], {"reason": "seen"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "active", doc    # 1 < threshold 2
    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % ids[1], {"reason": "seen"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "suspended", doc


def test_reports_rate_limited(tmp_path):
    reg = Registry(tmp_path, extra={"limit_reports": "2"}).start()
    try:
        def post(source, n):
            conn = httpc.HTTPConnection("127.0.0.1", reg.http_port, timeout=10,
                                        source_address=(source, 0))
            conn.request("POST", "/api/reports", body=json.dumps({"message": forged(n, "a@b.test")}),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            out = r.status, r.getheader("Retry-After")
            conn.close()
            return out
        assert post("127.0.0.95", 1)[0] == 201
        assert post("127.0.0.95", 2)[0] == 201
        st, ra = post("127.0.0.95", 3)
        assert st == 429 and int(ra) > 0
        assert post("127.0.0.96", 4)[0] == 201
        # the mail intake counts per --client too
        for n in (5, 6):
            r = reg.cli("report", "--stdin", "--client", "198.51.100.9", input=forged(n, "a@b.test"))
            assert r.returncode == 0
        r = reg.cli("report", "--stdin", "--client", "198.51.100.9", input=forged(7, "a@b.test"),
                    check=False)
        assert r.returncode == 75, r.stdout + r.stderr     # EX_TEMPFAIL: the MTA retries
    finally:
        reg.stop()
