"""The registry certifies a real vouchd, twice within a minute (DESIGN
5.1, docs/registry.md): its certification run asks XVOUCH CHECK about an
unknown id on purpose (a server must refuse ids it does not hold), and the
vouching host answers that with 550 without holding it against the
registry, so a second run right after passes as the first did."""
import os

from certs import CA
from registry_runner import Registry, application, wait_for

ADDR = "127.0.0.25"
NAME = "mx.vcert.test"


def runs(reg):
    st, doc = reg.api("GET", "/api/admin/servers/" + NAME, admin=True)
    assert st == 200, doc
    return doc


def test_certify_vouchd_twice_in_a_row(make_vouchd, world_dir):
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue(NAME)
    d = make_vouchd(host=ADDR, settings={"hostname": NAME, "domains": "vcert.test",
                                         "tls_cert": cert, "tls_key": key})
    regdir = os.path.join(world_dir, "registry")
    os.makedirs(regdir)
    reg = Registry(regdir, extra={"certify_port": str(d.port), "certify_timeout": "10s",
                                  "certify_sources": "127.0.0.1",
                                  "certify_helo": "registry.reg.test",
                                  "hosts": f"{NAME}={ADDR}", "auto_certify": "yes",
                                  # a loopback address is tested only when
                                  # listed, and then an admin starts the run
                                  "certify_allow_networks": "127.0.0.0/8"}).start()
    try:
        st, body = reg.api("POST", "/api/applications", application(NAME, [ADDR]))
        assert st == 201, body
        st, _ = reg.api("POST", f"/api/admin/servers/{NAME}/certify", admin=True)
        assert st == 202
        doc = wait_for(lambda: runs(reg)["certification"] not in ("running", "none") and
                       runs(reg), timeout=60)
        assert doc["certification"] == "passed", doc["certifications"][0]["report"]
        # again, at once
        st, _ = reg.api("POST", f"/api/admin/servers/{NAME}/certify", admin=True)
        assert st == 202
        doc = wait_for(lambda: len(runs(reg)["certifications"]) == 2 and
                       runs(reg)["certifications"][0]["passed"] is not None and runs(reg),
                       timeout=60)
        assert doc, runs(reg)
        for c in doc["certifications"]:
            tests = {t["name"]: t["verdict"] for r in c["report"]["runs"] for t in r["tests"]}
            assert tests["xvouch_check"] == "pass", c["report"]
            assert c["passed"] is True, c["report"]
        # the vouching host refused both unknown ids and throttled nothing
        assert d.log().count("event=xvouch_check result=unknown") == 2
        assert "result=flood" not in d.log() and "result=throttled" not in d.log()
    finally:
        reg.stop()
