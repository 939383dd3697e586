"""vouch-registry's workflow over its HTTP API and CLI: applications with
input validation, admin approval, suspension and reinstatement with the
bond, deregistration, history, sponsorship with automatic approval,
abuse reports (API, web form, mail intake with ARF, spam traps) linked
through the Received chain, automatic suspension at the threshold,
offenders, tokens, the web UI's escaping and CSRF protection."""
import re
import urllib.parse
import urllib.request

import pytest

from fake_smtp import Behaviour, FakeSMTP, make_cert
from registry_runner import Registry, application, wait_for


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    work = tmp_path_factory.mktemp("workflow")
    cert, key = make_cert(str(work), "mx.c.test")
    good = FakeSMTP("127.0.0.20", 0, Behaviour("mx.c.test", "c.test"), cert, key)
    port = good.port
    reg = Registry(work, extra={
        "certify_port": str(port),
        "certify_timeout": "5s",
        "hosts": "mx.c.test=127.0.0.20",
        "certify_allow_networks": "127.0.0.0/8",
        "suspend_threshold": "2",
        "sponsors_required": "2",
        "bond_amount": "250",
        "http_max_body": "64k",
    }).start()
    yield reg
    reg.stop()
    good.close()


def apply(reg, name, addr, **over):
    st, body = reg.api("POST", "/api/applications", application(name, [addr], **over))
    assert st == 201, body
    return body["owner_token"]


def activate(reg, name, addr):
    token = apply(reg, name, addr)
    st, body = reg.api("POST", "/api/admin/servers/%s/approve" % name, {"force": True}, admin=True)
    assert st == 200 and body["to"] == "active", body
    return token


def test_apply_validation(env):
    reg = env
    cases = [
        (application("localhost", ["192.0.2.1"]), "hostname"),
        (application("a.example.com", ["192.0.2.1"], **{"class": "spammer"}), "class"),
        (application("a.example.com", ["300.1.1.1"]), "addresses"),
        (application("a.example.com", ["192.0.2.1"], owner_email="nobody"), "owner_email"),
        (application("a.example.com", ["192.0.2.1"], owner_name=""), "owner_name"),
        (application("a.example.com", ["192.0.2.1"], owner_name=["list"]), "owner_name"),
    ]
    for body, field in cases:
        st, doc = reg.api("POST", "/api/applications", body)
        assert st == 400, (body, doc)
        assert doc["field"] == field, doc
    st, _, _ = reg.request("POST", "/api/applications", raw=b"{not json", ctype="application/json")
    assert st == 400
    st, _, _ = reg.request("POST", "/api/applications", raw=b"hostname=x", ctype="text/plain")
    assert st == 415
    st, _, _ = reg.request("POST", "/api/applications", raw=b"x" * 100000,
                           ctype="application/json")
    assert st == 413
    apply(reg, "dup.example.com", "192.0.2.9")
    st, doc = reg.api("POST", "/api/applications", application("DUP.example.com", ["192.0.2.9"]))
    assert st == 409 and doc["field"] == "hostname"
    st, doc = reg.api("GET", "/api/nowhere")
    assert st == 404
    st, _, headers = reg.request("DELETE", "/api/applications")
    assert st in (405, 501)


def test_public_lookup(env):
    reg = env
    st, doc = reg.get("/api/servers/unknown.example.com")
    assert st == 404 and doc["error"] == "not registered"
    st, doc = reg.get("/api/servers/dup.example.com")
    assert st == 200 and doc["registered"] is False and doc["status"] == "applied"
    st, doc = reg.get("/api/servers/not_a_host")
    assert st == 400


def test_admin_auth(env):
    reg = env
    token = apply(reg, "auth.example.com", "192.0.2.8")
    assert reg.api("GET", "/api/admin/servers")[0] == 401
    assert reg.api("GET", "/api/admin/servers", token="vr_1_" + "0" * 64)[0] == 401
    assert reg.api("GET", "/api/admin/servers", token=token)[0] == 403
    st, doc = reg.api("GET", "/api/admin/servers?status=applied", admin=True)
    assert st == 200 and any(s["hostname"] == "auth.example.com" for s in doc["servers"])
    assert reg.api("GET", "/api/admin/servers?status=bogus", admin=True)[0] == 400
    # tokens are stored hashed: the secret is nowhere in the database file
    with open(reg.data + "/registry.db", "rb") as f:
        assert token.split("_")[2].encode() not in f.read()
    # a revoked token stops working
    tid = token.split("_")[1]
    reg.cli("token", "revoke", tid)
    assert reg.api("GET", "/api/traps", token=token)[0] == 401


def test_lifecycle(env):
    reg = env
    name = "life.example.com"
    first_token = apply(reg, name, "192.0.2.30")
    assert reg.a_record(name) is None
    s0 = reg.serial()
    st, doc = reg.api("POST", "/api/admin/servers/%s/approve" % name, {}, admin=True)
    assert st == 409  # not certified
    st, doc = reg.api("POST", "/api/admin/servers/%s/approve" % name, {"force": True}, admin=True)
    assert st == 200 and doc["from"] == "applied" and doc["to"] == "active"
    assert wait_for(lambda: reg.a_record(name) == "127.0.0.2")
    s1 = reg.serial()
    assert s1 > s0
    st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
    assert doc["bond"] == {"amount": 250, "status": "held"}  # no sponsors: bond held
    assert doc["fee_due"] is not None and doc["since"] is not None

    st, doc = reg.api("POST", "/api/admin/servers/%s/suspend" % name, {}, admin=True)
    assert st == 400 and doc["field"] == "reason"
    st, doc = reg.api("POST", "/api/admin/servers/%s/suspend" % name,
                      {"reason": "spam run on 2026-11-20"}, admin=True)
    assert st == 200 and doc["to"] == "suspended"
    assert wait_for(lambda: reg.a_record(name) == "127.0.0.3")
    assert reg.serial() > s1
    st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
    assert doc["bond"]["status"] == "forfeited"
    st, doc = reg.api("POST", "/api/admin/servers/%s/suspend" % name, {"reason": "again"},
                      admin=True)
    assert st == 409

    st, doc = reg.api("POST", "/api/admin/servers/%s/reinstate" % name,
                      {"reason": "owner fixed the hole"}, admin=True)
    assert st == 200 and doc["to"] == "active"
    assert wait_for(lambda: reg.a_record(name) == "127.0.0.2")
    st, doc = reg.api("POST", "/api/admin/servers/%s/deregister" % name,
                      {"reason": "owner asked"}, admin=True)
    assert st == 200 and doc["to"] == "deregistered"
    assert wait_for(lambda: reg.a_record(name) is None)

    st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
    hist = [(h["event"], h["from"], h["to"], h["reason"]) for h in doc["history"]]
    assert hist[0][:3] == ("applied", "", "applied")
    assert ("suspended", "active", "suspended", "spam run on 2026-11-20") in hist
    assert ("reinstated", "suspended", "active", "owner fixed the hole") in hist
    assert ("deregistered", "active", "deregistered", "owner asked") in hist
    assert all(re.match(r"admin#\d+", h["actor"]) for h in doc["history"][1:])
    assert all(h["at"] > 0 for h in doc["history"])
    assert reg.api("POST", "/api/admin/servers/%s/explode" % name, {}, admin=True)[0] == 404

    # a deregistered server may apply again; the old owner token is void
    old_token = first_token
    new_token = apply(reg, name, "192.0.2.31")
    assert new_token != old_token
    assert reg.api("GET", "/api/traps", token=old_token)[0] == 401
    assert reg.api("GET", "/api/traps", token=new_token)[0] == 200
    st, doc = reg.api("GET", "/api/admin/servers/" + name, admin=True)
    assert doc["status"] == "applied" and doc["addresses"] == ["192.0.2.31"]
    assert doc["bond"]["status"] == "none" and doc["since"] is None
    assert doc["history"][-1]["event"] == "applied again"
    assert reg.api("POST", "/api/admin/servers/nope.example.com/suspend", {"reason": "x"},
                   admin=True)[0] == 404


def test_sponsorship_auto_approval(env):
    reg = env
    ta = activate(reg, "mx.a.test", "127.0.0.21")
    tb = activate(reg, "mx.b.test", "127.0.0.22")
    pending = apply(reg, "mx.p.test", "127.0.0.23")
    apply(reg, "mx.c.test", "127.0.0.20")
    path = "/api/servers/mx.c.test/sponsors"
    assert reg.api("POST", path, {})[0] == 401
    assert reg.api("POST", path, {}, token=pending)[0] == 403  # sponsor not active
    st, doc = reg.api("POST", path, {}, token=ta)
    assert st == 200 and doc["status"] == "applied"
    # a sponsor has seen the application: its certification starts now
    st, doc = reg.api("GET", "/api/admin/servers/mx.c.test", admin=True)
    assert doc["status"] == "testing" or doc["certification"] != "none", doc
    assert reg.api("POST", path, {}, token=ta)[0] == 409  # once per sponsor
    st, doc = reg.api("POST", path, {}, token=tb)
    assert st == 200 and doc["status"] in ("testing", "applied", "active"), doc

    def active():
        st, doc = reg.api("GET", "/api/admin/servers/mx.c.test", admin=True)
        return doc if doc["status"] == "active" else None
    doc = wait_for(active, timeout=60)
    assert doc, reg.read_log()
    assert doc["bond"]["status"] == "none"  # waived by two sponsors
    assert doc["sponsors"] == 2 and sorted(doc["sponsored_by"]) == ["mx.a.test", "mx.b.test"]
    last = doc["history"][-1]
    assert last["actor"] == "registry" and last["event"] == "approved"
    assert "2 sponsors" in last["reason"]
    assert wait_for(lambda: reg.a_record("mx.c.test") == "127.0.0.2")
    txt = reg.query("mx.c.test." + reg.zone, "TXT").answer[0][0].strings[0].decode()
    assert re.fullmatch(r"v=vouch1; class=isp; since=\d{4}-\d{2}-\d{2}; sponsors=2", txt)


SPAM = ("Received: from out.relay.test (out.relay.test [192.0.2.50])\r\n"
        "\tby mx.victim.test (Postfix) with ESMTPS id VICTIM{n}\r\n"
        "\tfor <user@victim.test>; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
        "Received: from bot.dsl.test (bot.dsl.test [198.51.100.99])\r\n"
        "\tby out.relay.test (Postfix) with ESMTP id RELAYQ{n}\r\n"
        "\tfor <user@victim.test>; Mon, 23 Nov 2026 06:59:58 +0000\r\n"
        "From: spammer@sender.test\r\nTo: {to}\r\nSubject: buy now {n}\r\n\r\nbody\r\n")


def test_reports_and_suspension(env):
    reg = env
    activate(reg, "out.relay.test", "192.0.2.50")
    st, doc = reg.api("POST", "/api/reports", {"message": SPAM.format(n=1, to="user@victim.test"),
                                               "reporter": "abuse@victim.test",
                                               "comment": "third this week"})
    assert st == 201, doc
    assert doc["server"] == "out.relay.test"
    assert doc["tracking_id"] == "RELAYQ1"
    assert doc["handoff_ip"] == "192.0.2.50"
    assert doc["status"] == "new"
    first = doc["id"]
    st, doc = reg.api("POST", "/api/reports", {"message": "no header here"})
    assert st == 400 and doc["field"] == "message"

    st, doc = reg.api("GET", "/api/admin/reports?status=new", admin=True)
    assert any(r["id"] == first and r["subject"] == "buy now 1" for r in doc["reports"])
    st, doc = reg.api("GET", "/api/admin/reports/%d" % first, admin=True)
    assert "RELAYQ1" in doc["message"]

    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % first, {"reason": "spam"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "active"  # 1 < threshold 2
    assert reg.api("POST", "/api/admin/reports/%d/dismiss" % first, {}, admin=True)[0] == 409

    st, doc = reg.api("POST", "/api/reports", {"message": SPAM.format(n=2, to="user@victim.test")})
    second = doc["id"]
    st, doc = reg.api("POST", "/api/admin/reports/%d/dismiss" % second, {"reason": "newsletter"},
                      admin=True)
    assert st == 200
    st, doc = reg.api("POST", "/api/reports", {"message": SPAM.format(n=3, to="user@victim.test")})
    third = doc["id"]
    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % third, {"reason": "spam"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "suspended", doc
    assert wait_for(lambda: reg.a_record("out.relay.test") == "127.0.0.3")
    st, doc = reg.api("GET", "/api/admin/servers/out.relay.test", admin=True)
    # (a confirmed report also asks for a test run, whose lines may follow)
    last = [h for h in doc["history"] if h["event"] == "suspended"][-1]
    assert last["actor"] == "registry" and "2 confirmed abuse reports" in last["reason"]
    assert doc["bond"]["status"] == "forfeited"
    assert {r["id"] for r in doc["reports"]} >= {first, second, third}


ARF = """From: <fbl@isp.test>\r
To: <abuse@reg.test>\r
Subject: FW: spam\r
MIME-Version: 1.0\r
Content-Type: multipart/report; report-type=feedback-report;\r
\tboundary="b1"\r
\r
--b1\r
Content-Type: text/plain\r
\r
An abuse report.\r
--b1\r
Content-Type: message/feedback-report\r
\r
Feedback-Type: abuse\r
User-Agent: TestFBL/1.0\r
Version: 1\r
Source-IP: 192.0.2.60\r
Original-Rcpt-To: <user@isp.test>\r
\r
--b1\r
Content-Type: message/rfc822\r
\r
Received: from arf.sender.test (arf.sender.test [192.0.2.60])\r
\tby mx.isp.test with ESMTP id ISP1; Mon, 23 Nov 2026 07:00:00 +0000\r
Received: from inside (inside [10.0.0.5]) by arf.sender.test with ESMTP id ARFQ9;\r
\tMon, 23 Nov 2026 06:59:00 +0000\r
Subject: cheap\r
\r
spam\r
--b1--\r
"""


def test_mail_intake_arf(env):
    reg = env
    activate(reg, "arf.sender.test", "192.0.2.60")
    r = reg.cli("report", "--stdin", input=ARF)
    assert "kind=arf" in r.stdout and "server=arf.sender.test" in r.stdout, r.stdout
    assert "tracking=ARFQ9" in r.stdout
    out = reg.cli("report", "list", "new").stdout
    assert re.search(r"mail +server=arf\.sender\.test tracking=ARFQ9 subject=\"cheap\"", out), out
    r = reg.cli("report", "--stdin", input="", check=False)
    assert r.returncode == 1


def test_spam_trap(env):
    """Traps in depth are tests/integration/test_registry_traps.py: here, an
    owner whose server was approved without passing certification lays no
    trap, and mail reporting the same message twice suspends nobody."""
    reg = env
    owner = activate(reg, "trap.owner.test", "192.0.2.70")
    activate(reg, "mx.spammy.test", "192.0.2.71")
    assert reg.api("POST", "/api/traps", {"address": "nope"}, token=owner)[0] == 400
    st, doc = reg.api("POST", "/api/traps", {"address": "Trap@Trap.Owner.test"}, token=owner)
    assert st == 403 and "certification" in doc["error"], doc
    assert reg.api("GET", "/api/traps", token=owner)[1]["traps"] == []
    msg = ("Received: from mx.spammy.test (mx.spammy.test [192.0.2.71]) by trap.owner.test id T1; x\r\n"
           "Received: from x (x [10.1.1.1]) by mx.spammy.test id SPQ{n}; x\r\n"
           "To: someone@else.test\r\nSubject: trap {n}\r\n\r\nhi\r\n")
    for n in (1, 2):
        r = reg.cli("report", "--stdin", "--rcpt", "trap@trap.owner.test", input=msg.format(n=n))
        assert " new " in r.stdout and "server=mx.spammy.test" in r.stdout, r.stdout
    assert reg.get("/api/servers/mx.spammy.test")[1]["status"] == "active"


def test_offenders(env):
    reg = env
    owner = activate(reg, "off.owner.test", "192.0.2.80")
    other = activate(reg, "off.other.test", "192.0.2.81")
    applicant = apply(reg, "off.applicant.test", "192.0.2.82")
    st, doc = reg.api("POST", "/api/offenders", {"reference": "cust-4711", "note": "spam run"},
                      token=owner)
    assert st == 201
    assert reg.api("POST", "/api/offenders", {"note": "x"}, token=owner)[0] == 400
    st, doc = reg.api("GET", "/api/offenders?reference=cust-4711", token=other)
    assert st == 200 and doc["offenders"][0]["server"] == "off.owner.test"
    assert reg.api("GET", "/api/offenders?reference=cust-4711", token=applicant)[0] == 403
    assert reg.api("GET", "/api/offenders?reference=cust-4711")[0] == 401


def test_cli(env):
    reg = env
    out = reg.cli("server", "list", "active").stdout
    assert "mx.c.test" in out and "out.relay.test" not in out
    out = reg.cli("server", "show", "out.relay.test").stdout
    assert "suspended" in out and "history:" in out
    r = reg.cli("server", "suspend", "mx.a.test", check=False)
    assert r.returncode == 2  # a reason is required
    r = reg.cli("server", "suspend", "mx.a.test", "-r", "cli test")
    assert "active -> suspended" in r.stdout
    assert wait_for(lambda: reg.a_record("mx.a.test") == "127.0.0.3")  # serve follows the DB
    reg.cli("server", "reinstate", "mx.a.test", "-r", "cli test done")
    r = reg.cli("server", "show", "nope.test", check=False)
    assert r.returncode == 1
    z = reg.cli("export").stdout
    assert "mx.c.test.reg.test. 300 IN A 127.0.0.2" in z
    assert reg.cli("config", "check").stdout.startswith("data_dir = ")


def cookie_request(reg, method, path, data=None, cookie=None):
    url = "http://127.0.0.1:%d%s" % (reg.http_port, path)
    headers = {}
    if cookie:
        headers["Cookie"] = cookie
    body = None
    if data is not None:
        body = urllib.parse.urlencode(data).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(urllib.request.Request(url, data=body, method=method,
                                                headers=headers), timeout=10) as r:
            return r.status, r.read().decode(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(), dict(e.headers)


def admin_cookie(reg):
    """Sign in through the form: the session cookie it sets."""
    st, _, headers = cookie_request(reg, "POST", "/admin/login", {"token": reg.admin_token})
    assert st == 303
    return headers["Set-Cookie"].split(";", 1)[0]


def test_web_escaping_and_csrf(env):
    reg = env
    evil = '<script>alert("x")</script>'
    form = application("web.example.com", ["192.0.2.90"], owner_name=evil)
    form["addresses"] = "192.0.2.90"
    st, page, _ = cookie_request(reg, "POST", "/apply", form)
    assert st == 201 and 'id="owner-token">vr_' in page
    st, page, _ = cookie_request(reg, "POST", "/apply", dict(form, hostname="bad host"))
    assert st == 400 and "hostname" in page and 'value="bad host"' in page
    admin = admin_cookie(reg)
    st, page, headers = cookie_request(reg, "GET", "/admin/servers/web.example.com",
                                       cookie=admin)
    assert st == 200
    assert evil not in page and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]
    # without a session the admin pages send you to sign in
    st, _, headers = cookie_request(reg, "GET", "/admin")
    assert st == 303 and headers["Location"] == "/admin/login"
    # a forged form (no CSRF value) changes nothing
    st, page, _ = cookie_request(reg, "POST", "/admin/servers/web.example.com/approve",
                                 {"force": "yes"}, cookie=admin)
    assert st == 403
    assert reg.get("/api/servers/web.example.com")[1]["status"] == "applied"
    # the real form does
    st, page, _ = cookie_request(reg, "GET", "/admin/servers/web.example.com", cookie=admin)
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    st, _, headers = cookie_request(reg, "POST", "/admin/servers/web.example.com/approve",
                                    {"force": "yes", "csrf": csrf}, cookie=admin)
    assert st == 303 and headers["Location"] == "/admin/servers/web.example.com"
    assert reg.get("/api/servers/web.example.com")[1]["status"] == "active"
    # sign-in sets an HttpOnly, SameSite cookie; a wrong token is refused
    st, _, headers = cookie_request(reg, "POST", "/admin/login", {"token": reg.admin_token})
    assert st == 303 and "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
    st, _, _ = cookie_request(reg, "POST", "/admin/login", {"token": "vr_1_" + "a" * 64})
    assert st == 401
    # a report through the web form
    st, page, _ = cookie_request(reg, "POST", "/report",
                                 {"message": SPAM.format(n=9, to="u@victim.test")})
    assert st == 201 and 'id="report-tracking">RELAYQ9<' in page
