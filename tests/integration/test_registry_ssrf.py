"""The certification tests cannot be aimed at a special-purpose address
(issue 13 item 4): an anonymous application whose name resolves to
loopback made the registry (shipped default auto_certify = yes) connect
there and send about 25 SMTP commands. Now the targets go through the
shared special-address filter (util/ipspecial) unless listed in
certify_allow_networks, automatic certification only runs for names
whose addresses are all public (otherwise an admin or a sponsor starts
it), and applications are rate-limited per client address."""
import http.client as httpc
import json
import urllib.parse

import pytest

from fake_smtp import Behaviour, FakeSMTP, make_cert
from registry_runner import Registry, application, wait_for


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    work = tmp_path_factory.mktemp("ssrf-cert")
    return make_cert(str(work), "mx.inside.test")


@pytest.fixture
def inside(cert):
    """An SMTP server on loopback, the kind of service an SSRF reaches."""
    s = FakeSMTP("127.0.0.60", 0, Behaviour("mx.inside.test", "inside.test"), *cert)
    yield s
    s.close()


def settled(reg, name):
    """The server's record once no certification is queued or running."""
    def done():
        st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
        return doc if st == 200 and doc["status"] != "testing" else None
    doc = wait_for(done, timeout=60)
    assert doc, reg.read_log()
    return doc


def test_anonymous_application_never_reaches_loopback(tmp_path, inside):
    reg = Registry(tmp_path, extra={"auto_certify": "yes", "certify_port": str(inside.port),
                                    "certify_timeout": "3s",
                                    "hosts": "mx.inside.test=127.0.0.60"}).start()
    try:
        st, body = reg.api("POST", "/api/applications",
                           application("mx.inside.test", ["192.0.2.60"]))
        assert st == 201, body
        doc = settled(reg, "mx.inside.test")
        assert inside.connections == 0 and inside.commands == [], inside.commands
        assert doc["certification"] == "review", doc["certification"]
        last = doc["history"][-1]
        assert "127.0.0.60" in last["reason"] and "loopback" in last["reason"], last
        # an admin asking does not open it either: loopback is not a target
        st, _ = reg.api("POST", "/api/admin/servers/mx.inside.test/certify", admin=True)
        assert st == 202
        doc = settled(reg, "mx.inside.test")
        assert inside.connections == 0
        run = doc["certifications"][0]["report"]["runs"][0]
        assert run["address"] == "127.0.0.60"
        assert [t["name"] for t in run["tests"]] == ["address"]
        assert run["tests"][0]["verdict"] == "fail"
        assert "loopback 127.0.0.0/8" in run["tests"][0]["detail"]
        assert doc["certification"] == "failed"
    finally:
        reg.stop()


def test_cli_refuses_special_targets(tmp_path, inside):
    reg = Registry(tmp_path, extra={"certify_port": str(inside.port), "certify_timeout": "3s",
                                    "hosts": "mx.inside.test=127.0.0.60"}).start()
    try:
        st, _ = reg.api("POST", "/api/applications", application("mx.inside.test", ["192.0.2.60"]))
        assert st == 201
        r = reg.cli("server", "certify", "mx.inside.test", check=False)
        assert r.returncode == 1 and "loopback" in r.stdout, r.stdout
        assert inside.connections == 0
    finally:
        reg.stop()


def test_allowed_networks_wait_for_a_human(tmp_path, inside):
    """certify_allow_networks lets tests reach a lab network, but only when
    an admin or a sponsor has seen the application: those addresses are not
    public, so nothing starts on its own."""
    reg = Registry(tmp_path, extra={"auto_certify": "yes", "certify_port": str(inside.port),
                                    "certify_timeout": "3s", "sponsors_required": "2",
                                    "certify_allow_networks": "127.0.0.0/8",
                                    "hosts": "mx.inside.test=127.0.0.60"}).start()
    try:
        sponsors = []
        for name, addr in (("mx.s1.test", "192.0.2.61"), ("mx.s2.test", "192.0.2.62")):
            st, body = reg.api("POST", "/api/applications", application(name, [addr]))
            assert st == 201
            reg.cli("server", "approve", name, "-f")
            sponsors.append(body["owner_token"])
        st, body = reg.api("POST", "/api/applications", application("mx.inside.test", ["192.0.2.60"]))
        assert st == 201
        doc = settled(reg, "mx.inside.test")
        assert doc["certification"] == "review" and inside.connections == 0
        # the first sponsor has seen it: the tests run now
        st, body = reg.api("POST", "/api/servers/mx.inside.test/sponsors", {}, token=sponsors[0])
        assert st == 200, body
        assert wait_for(lambda: settled(reg, "mx.inside.test")["certification"] == "passed",
                        timeout=60), reg.read_log()
        assert inside.connections >= 1
        # the second sponsorship approves it (tests passed, two sponsors)
        st, body = reg.api("POST", "/api/servers/mx.inside.test/sponsors", {}, token=sponsors[1])
        assert st == 200 and body["status"] == "active", body
    finally:
        reg.stop()


def post_from(reg, source, path, body):
    conn = httpc.HTTPConnection("127.0.0.1", reg.http_port, timeout=10,
                                source_address=(source, 0))
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, r.read().decode(), r.headers
    finally:
        conn.close()


def test_applications_rate_limited_per_client(tmp_path):
    reg = Registry(tmp_path, extra={"limit_applications": "3", "limit_window": "1h"}).start()
    try:
        for i in range(3):
            st, body, _ = post_from(reg, "127.0.0.70", "/api/applications",
                                    application("mx%d.rate.test" % i, ["192.0.2.%d" % (70 + i)]))
            assert st == 201, body
        st, body, headers = post_from(reg, "127.0.0.70", "/api/applications",
                                      application("mx9.rate.test", ["192.0.2.79"]))
        assert st == 429, body
        assert 0 < int(headers["Retry-After"]) <= 3600
        assert reg.get("/api/servers/mx9.rate.test")[0] == 404   # nothing was stored
        # another client is not held back by the first one
        st, body, _ = post_from(reg, "127.0.0.71", "/api/applications",
                                application("mx9.rate.test", ["192.0.2.79"]))
        assert st == 201, body
        # the web form counts against the same limit
        st, body, _ = post_from(reg, "127.0.0.71", "/api/applications",
                                application("mx8.rate.test", ["192.0.2.78"]))
        assert st == 201
        conn = httpc.HTTPConnection("127.0.0.1", reg.http_port, timeout=10,
                                    source_address=("127.0.0.70", 0))
        form = application("mx7.rate.test", ["192.0.2.77"])
        form["addresses"] = "192.0.2.77"
        conn.request("POST", "/apply", body=urllib.parse.urlencode(form),
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert conn.getresponse().status == 429
        conn.close()
    finally:
        reg.stop()
