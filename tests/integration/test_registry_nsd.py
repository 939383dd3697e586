"""NSD as an ordinary secondary of the registry (DESIGN 5.3): it
transfers the zone, the registry NOTIFYs it on each change, and a status
changed through the API shows in NSD's answers within seconds."""
import re
import time

import pytest

from registry_runner import application, registry_and_secondary, wait_for


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    work = tmp_path_factory.mktemp("nsd")
    reg, nsd = registry_and_secondary(work)
    yield reg, nsd
    nsd.stop()
    reg.stop()


def test_initial_transfer(pair):
    reg, nsd = pair
    # give the zone a serial NSD must fetch, then NSD serves the same serial
    st, _ = reg.api("POST", "/api/applications", application("mx.one.test", ["127.0.0.31"]))
    assert st == 201
    st, doc = reg.api("POST", "/api/admin/servers/mx.one.test/approve", {"force": True}, admin=True)
    assert st == 200
    want = reg.serial()
    assert wait_for(lambda: nsd.serial(reg.zone) == want, timeout=15), nsd.log() + reg.read_log()
    assert nsd.a_record("mx.one.test." + reg.zone) == "127.0.0.2"
    txt = nsd.query("mx.one.test." + reg.zone, "TXT").answer[0][0].strings[0].decode()
    assert txt.startswith("v=vouch1; class=isp; since=")
    assert nsd.a_record("31.0.0.127.ip." + reg.zone) == "127.0.0.2"
    assert nsd.a_record("nobody.test." + reg.zone) is None


def test_status_change_reaches_secondary(pair):
    reg, nsd = pair
    name = "mx.one.test." + reg.zone
    t0 = time.time()
    st, _ = reg.api("POST", "/api/admin/servers/mx.one.test/suspend",
                    {"reason": "abuse confirmed"}, admin=True)
    assert st == 200
    assert wait_for(lambda: nsd.a_record(name) == "127.0.0.3", timeout=10), nsd.log()
    assert time.time() - t0 < 10
    assert "event=notify_acked" in reg.read_log()
    # NSD asked for IXFR from the serial it had and got only the difference
    assert re.search(r"event=xfr_start client=127\.0\.0\.1 qtype=IXFR mode=incremental",
                     reg.read_log()), reg.read_log()

    st, _ = reg.api("POST", "/api/admin/servers/mx.one.test/reinstate", {"reason": "fixed"},
                    admin=True)
    assert wait_for(lambda: nsd.a_record(name) == "127.0.0.2", timeout=10), nsd.log()
    st, _ = reg.api("POST", "/api/admin/servers/mx.one.test/deregister", {"reason": "gone"},
                    admin=True)
    assert wait_for(lambda: nsd.a_record(name) is None, timeout=10), nsd.log()
    assert nsd.serial(reg.zone) == reg.serial()


def test_cli_change_reaches_secondary(pair):
    reg, nsd = pair
    st, _ = reg.api("POST", "/api/applications", application("mx.two.test", ["127.0.0.32"]))
    reg.cli("server", "approve", "mx.two.test", "-f")
    assert wait_for(lambda: nsd.a_record("mx.two.test." + reg.zone) == "127.0.0.2",
                    timeout=10), nsd.log()
