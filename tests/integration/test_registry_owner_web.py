"""The owners' web pages over HTTP (issue 17): an owner signs in with the
owner token (a session of its own, never an admin's), and sees its
server's status, every failed certification test named with the reason,
the reports against it and its history, every value escaped. The
application form lists all its errors at once and marks required
fields."""
import html
import re
import socket

import pytest

from registry_runner import Registry, application, wait_for
from test_registry_auth import http, sign_in

NAME = "mx.closed.test"
ADDR = "127.0.0.78"


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    # nothing listens on the port the tests use: the banner test fails
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    closed = s.getsockname()[1]
    s.close()
    r = Registry(tmp_path_factory.mktemp("ownerweb"), extra={
        "certify_port": str(closed), "certify_timeout": "2s", "hosts": f"{NAME}={ADDR}",
        "certify_allow_networks": "127.0.0.0/8"}).start()
    yield r
    r.stop()


def owner_sign_in(reg, token):
    st, _, headers = http(reg, "POST", "/owner/login", form={"token": token})
    assert st == 303 and headers["Location"].endswith("/owner"), st
    line = headers["Set-Cookie"]
    assert "Path=/owner" in line and "HttpOnly" in line and "SameSite=Strict" in line, line
    assert token not in line
    return line.split(";", 1)[0]


@pytest.fixture(scope="module")
def applicant(reg):
    st, body = reg.api("POST", "/api/applications", application(NAME, [ADDR]))
    assert st == 201, body
    st, _ = reg.api("POST", f"/api/admin/servers/{NAME}/certify", admin=True)
    assert st == 202
    doc = wait_for(lambda: reg.api("GET", f"/api/admin/servers/{NAME}", admin=True)[1]
                   ["certification"] == "failed" and
                   reg.api("GET", f"/api/admin/servers/{NAME}", admin=True)[1], timeout=30)
    assert doc, reg.read_log()
    return body["owner_token"], doc


def test_owner_page_needs_an_owner_session(reg, applicant):
    token, _ = applicant
    st, _, headers = http(reg, "GET", "/owner")
    assert st == 303 and headers["Location"].endswith("/owner/login")
    # the token itself is no cookie, nor is an admin's session
    assert http(reg, "GET", "/owner", headers={"Cookie": "vr_owner=" + token})[0] == 303
    admin_cookie, _ = sign_in(reg)
    assert http(reg, "GET", "/owner",
                headers={"Cookie": admin_cookie.replace("vr_session", "vr_owner")})[0] == 303
    # and an owner's session never opens the admin pages
    cookie = owner_sign_in(reg, token)
    st, _, headers = http(reg, "GET", "/admin",
                          headers={"Cookie": cookie.replace("vr_owner", "vr_session")})
    assert st == 303 and headers["Location"].endswith("/admin/login")
    # an admin token does not sign in as an owner
    st, page, _ = http(reg, "POST", "/owner/login", form={"token": reg.admin_token})
    assert st == 401 and "not a valid owner token" in page


def test_applicant_sees_each_failed_test_and_why(reg, applicant):
    token, doc = applicant
    cookie = owner_sign_in(reg, token)
    st, page, _ = http(reg, "GET", "/owner", headers={"Cookie": cookie})
    assert st == 200
    assert re.search(r'id="status" class="status status-applied">applied<', page)
    assert 'id="cert-status"' in page and "failed" in page
    assert "failed the certification tests" in page
    assert 'id="offenders"' not in page and "Offender lookup" not in page
    failed = re.search(r'<ul class="failed-tests">(.*?)</ul>', page, re.S)
    assert failed, page
    items = re.findall(r'<strong class="test-name">([^<]+)</strong> \(([^)]*)\): '
                       r'<span class="why">([^<]*)</span>', failed.group(1))
    want = [(t["name"], run["address"], t["detail"])
            for run in doc["certifications"][0]["report"]["runs"]
            for t in run["tests"] if t["verdict"] != "pass"]
    assert want and [(n, a, html.unescape(w)) for n, a, w in items] == want, (items, want)
    assert items[0][0] == "smtp_banner" and items[0][2], items
    # every test appears in the table too, passed or not, with the reason
    assert "<td>relay_foreign</td>" in page
    # the history shows the run
    hist = re.search(r'<table id="history">(.*?)</table>', page, re.S).group(1)
    assert "certification failed" in hist and "certification started" in hist


def test_active_owner_sees_reports_and_history_escaped(reg):
    st, body = reg.api("POST", "/api/applications", application("mx.esc.test", ["192.0.2.81"]))
    token = body["owner_token"]
    reg.cli("server", "approve", "mx.esc.test", "-f")
    evil = "<img src=x onerror=alert(1)>"
    msg = ("Received: from mx.esc.test (mx.esc.test [192.0.2.81])\r\n"
           "\tby mx.victim.test with ESMTP id V1; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
           "Received: from bot (bot [198.51.100.9])\r\n"
           "\tby mx.esc.test with ESMTP id ESCQ1; Mon, 23 Nov 2026 06:59:00 +0000\r\n"
           "Subject: %s\r\n\r\nbody\r\n" % evil)
    st, doc = reg.api("POST", "/api/reports", {"message": msg})
    assert st == 201 and doc["server"] == "mx.esc.test", doc
    st, _ = reg.api("POST", "/api/admin/reports/%d/confirm" % doc["id"],
                    {"reason": "<b>spam</b> run"}, admin=True)
    assert st == 200
    cookie = owner_sign_in(reg, token)
    st, page, _ = http(reg, "GET", "/owner", headers={"Cookie": cookie})
    assert st == 200
    assert evil not in page and "<b>spam</b>" not in page
    reports = re.search(r'<table id="reports">(.*?)</table>', page, re.S).group(1)
    assert html.escape(evil, quote=True) in reports and "ESCQ1" in reports
    assert "&lt;b&gt;spam&lt;/b&gt; run" in reports
    hist = re.search(r'<table id="history">(.*?)</table>', page, re.S).group(1)
    assert "approved" in hist and "certification requested" in hist
    # another owner's session shows its own server only
    assert "mx.closed.test" not in page
    # an active server's owner looks offenders up (escaped); an applicant cannot
    st, doc = reg.api("POST", "/api/offenders", {"reference": "cust-<4711>", "note": "<i>spam</i>"},
                      token=token)
    assert st == 201, doc
    st, page, _ = http(reg, "GET", "/owner?reference=cust-%3C4711%3E", headers={"Cookie": cookie})
    table = re.search(r'<table id="offenders">(.*?)</table>', page, re.S).group(1)
    assert "cust-&lt;4711&gt;" in table and "&lt;i&gt;spam&lt;/i&gt;" in table
    assert "<i>" not in page and "mx.esc.test" in table
    st, page, _ = http(reg, "GET", "/owner?reference=nobody", headers={"Cookie": cookie})
    assert "No records." in page


def test_owner_logout_needs_csrf_and_revokes(reg, applicant):
    token, _ = applicant
    cookie = owner_sign_in(reg, token)
    st, page, _ = http(reg, "GET", "/owner", headers={"Cookie": cookie})
    csrf = re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)
    st, _, _ = http(reg, "POST", "/owner/logout", headers={"Cookie": cookie}, form={})
    assert st == 403
    assert http(reg, "GET", "/owner", headers={"Cookie": cookie})[0] == 200
    st, _, headers = http(reg, "POST", "/owner/logout", headers={"Cookie": cookie},
                          form={"csrf": csrf})
    assert st == 303 and "Max-Age=0" in headers["Set-Cookie"]
    assert http(reg, "GET", "/owner", headers={"Cookie": cookie})[0] == 303


def test_revoked_owner_token_ends_its_sessions(reg, applicant):
    token, _ = applicant
    cookie = owner_sign_in(reg, token)
    reg.cli("token", "revoke", token.split("_")[1])
    assert http(reg, "GET", "/owner", headers={"Cookie": cookie})[0] == 303


def test_apply_form_lists_every_error_and_marks_required_fields(reg):
    st, page, _ = http(reg, "GET", "/apply")
    assert st == 200
    for name in ("hostname", "addresses", "owner_name", "owner_address", "owner_phone",
                 "owner_email", "admin_contact"):
        assert re.search(r'<label for="%s">[^<]*<span class="required" title="required">\*'
                         r'</span></label><input [^>]*aria-required="true"' % name, page), name
    assert re.search(r'<label for="domain_age_note">[^<]*</label>', page)
    form = {"hostname": "not a host", "addresses": "", "class": "isp",
            "owner_kind": "business", "owner_name": "", "owner_address": "1 Main St",
            "owner_phone": "+1 555 0100", "owner_email": "nobody", "business_number": "",
            "admin_contact": "<x>", "domain_age_note": ""}
    st, page, _ = http(reg, "POST", "/apply", form=form)
    assert st == 400
    box = re.search(r'<div class="error" id="errors" role="alert">(.*?)</div>', page, re.S)
    assert box and "Please correct these problems" in box.group(1), page
    fields = re.findall(r'<li><a href="#([a-z_]+)">', box.group(1))
    # in the form's order
    assert fields == ["hostname", "addresses", "owner_name", "owner_email", "business_number",
                      "admin_contact"], fields
    # each field says so next to itself, and keeps what was typed (escaped)
    assert re.search(r'id="admin_contact" name="admin_contact" value="&lt;x&gt;"[^>]*'
                     r'aria-invalid="true" aria-describedby="err-admin_contact"', page)
    assert 'id="err-owner_email"' in page
    assert "<x>" not in page
    # the API still reports the first problem alone, as before
    st, doc = reg.api("POST", "/api/applications", dict(form, addresses=[]))
    assert st == 400 and doc["field"] == "hostname", doc
