"""How vouch-registry's HTTP side authenticates: the JSON API takes bearer
tokens only (a browser's cookie is never enough) and every API POST must
say Content-Type: application/json; the web UI's admin cookie is a random
session id kept server-side with an expiry (HttpOnly, SameSite=Strict,
Secure behind TLS), and signing out needs the CSRF value and revokes the
session for good."""
import http.client as httpc
import re
import urllib.parse

import pytest

from registry_runner import Registry, application, wait_for


def http(reg, method, path, data=None, headers=None, form=None):
    """One request exactly as given (http.client adds no Content-Type of
    its own, unlike urllib); redirects are returned, not followed."""
    headers = dict(headers or {})
    if form is not None:
        data = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn = httpc.HTTPConnection("127.0.0.1", reg.http_port, timeout=10)
    try:
        conn.request(method, path, body=data, headers=headers)
        r = conn.getresponse()
        return r.status, r.read().decode(), r.headers
    finally:
        conn.close()


def sign_in(reg):
    """Sign in through the form; returns (the cookie pair, the Set-Cookie line)."""
    st, _, headers = http(reg, "POST", "/admin/login", form={"token": reg.admin_token})
    assert st == 303, st
    line = headers["Set-Cookie"]
    return line.split(";", 1)[0], line


def csrf_of(reg, cookie):
    st, page, _ = http(reg, "GET", "/admin", headers={"Cookie": cookie})
    assert st == 200
    return re.search(r'name="csrf" value="([0-9a-f]{64})"', page).group(1)


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    r = Registry(tmp_path_factory.mktemp("auth")).start()
    yield r
    r.stop()


def active_server(reg, name, addr):
    st, body = reg.api("POST", "/api/applications", application(name, [addr]))
    assert st == 201, body
    reg.cli("server", "approve", name, "-f")
    return body["owner_token"]


def test_api_ignores_the_browser_cookie(reg):
    """A page on another site can make a signed-in browser POST with its
    cookie (no preflight without a JSON Content-Type): the API must not
    treat that cookie as an admin."""
    active_server(reg, "mx.victim.test", "192.0.2.25")
    cookie, _ = sign_in(reg)
    for headers in ({"Cookie": cookie},
                    {"Cookie": cookie, "Content-Type": "application/json"},
                    {"Cookie": "vr_admin=" + reg.admin_token}):
        st, body, _ = http(reg, "POST", "/api/admin/servers/mx.victim.test/suspend",
                           data=b'{"reason":"csrf"}', headers=headers)
        assert st == 401, (headers, st, body)
        st, body, _ = http(reg, "GET", "/api/admin/servers", headers=headers)
        assert st == 401, (headers, st, body)
    assert reg.get("/api/servers/mx.victim.test")[1]["status"] == "active"


def test_api_posts_must_be_json(reg):
    active_server(reg, "mx.json.test", "192.0.2.26")
    auth = {"Authorization": "Bearer " + reg.admin_token}
    path = "/api/admin/servers/mx.json.test/suspend"
    for ctype in (None, "text/plain", "application/x-www-form-urlencoded",
                  "application/jsonp", "multipart/form-data; boundary=x"):
        headers = dict(auth)
        if ctype:
            headers["Content-Type"] = ctype
        st, body, _ = http(reg, "POST", path, data=b'{"reason":"x"}', headers=headers)
        assert st == 415, (ctype, st, body)
        # a body-less action too: no Content-Type, no action
        st, body, _ = http(reg, "POST", "/api/admin/servers/mx.json.test/certify",
                           headers=headers)
        assert st == 415, (ctype, st, body)
    assert reg.get("/api/servers/mx.json.test")[1]["status"] == "active"
    st, body, _ = http(reg, "POST", path, data=b'{"reason":"x"}',
                       headers=dict(auth, **{"Content-Type": "application/json; charset=utf-8"}))
    assert st == 200, body
    # the public endpoints too
    st, _, _ = http(reg, "POST", "/api/reports", data=b'{"message":"x"}')
    assert st == 415


def test_session_cookie(reg):
    cookie, line = sign_in(reg)
    name, value = cookie.split("=", 1)
    # a random session id, not the admin token (or anything derived from it)
    assert re.fullmatch(r"[0-9a-f]{64}", value), line
    assert value not in reg.admin_token and reg.admin_token.split("_")[2] != value
    attrs = [a.strip().lower() for a in line.split(";")[1:]]
    assert "httponly" in attrs and "samesite=strict" in attrs and "path=/" in attrs, line
    # expires (the default admin_session_ttl is 8 hours)
    assert any(a.startswith("max-age=") and 0 < int(a[8:]) <= 8 * 3600 for a in attrs), line
    assert "secure" not in attrs          # plain HTTP without a TLS proxy
    # the id is not stored as such
    with open(reg.data + "/registry.db", "rb") as f:
        assert value.encode() not in f.read()
    # it opens the admin pages; a made-up one does not
    assert http(reg, "GET", "/admin", headers={"Cookie": cookie})[0] == 200
    st, _, headers = http(reg, "GET", "/admin", headers={"Cookie": name + "=" + "0" * 64})
    assert st == 303 and headers["Location"] == "/admin/login"
    # the admin token itself is no cookie
    st, _, _ = http(reg, "GET", "/admin", headers={"Cookie": "vr_admin=" + reg.admin_token})
    assert st == 303


def test_logout_needs_csrf_and_revokes(reg):
    cookie, _ = sign_in(reg)
    other, _ = sign_in(reg)
    # a forged sign-out (no CSRF value, or another session's) changes nothing
    st, _, _ = http(reg, "POST", "/admin/logout", headers={"Cookie": cookie}, form={})
    assert st == 403
    st, _, _ = http(reg, "POST", "/admin/logout", headers={"Cookie": cookie},
                    form={"csrf": csrf_of(reg, other)})
    assert st == 403
    assert http(reg, "GET", "/admin", headers={"Cookie": cookie})[0] == 200
    # the real one revokes the session: the same cookie no longer works
    st, _, headers = http(reg, "POST", "/admin/logout", headers={"Cookie": cookie},
                          form={"csrf": csrf_of(reg, cookie)})
    assert st == 303
    assert "max-age=0" in headers["Set-Cookie"].lower()
    st, _, headers = http(reg, "GET", "/admin", headers={"Cookie": cookie})
    assert st == 303 and headers["Location"] == "/admin/login"
    # other sessions live on
    assert http(reg, "GET", "/admin", headers={"Cookie": other})[0] == 200


def test_revoked_token_ends_its_sessions(reg):
    token = reg.cli("token", "create", "admin", "-l", "short").stdout.strip()
    st, _, headers = http(reg, "POST", "/admin/login", form={"token": token})
    cookie = headers["Set-Cookie"].split(";", 1)[0]
    assert http(reg, "GET", "/admin", headers={"Cookie": cookie})[0] == 200
    reg.cli("token", "revoke", token.split("_")[1])
    assert http(reg, "GET", "/admin", headers={"Cookie": cookie})[0] == 303


def test_session_expires(tmp_path):
    reg = Registry(tmp_path, extra={"admin_session_ttl": "1s"}).start()
    try:
        cookie, line = sign_in(reg)
        assert "max-age=1" in line.lower()
        # the server forgets it once the time is up, whatever the browser keeps
        assert wait_for(lambda: http(reg, "GET", "/admin", headers={"Cookie": cookie})[0] == 303,
                        timeout=15)
    finally:
        reg.stop()


def test_secure_behind_tls(tmp_path):
    reg = Registry(tmp_path, extra={"http_trusted_proxies": "127.0.0.1"}).start()
    try:
        st, _, headers = http(reg, "POST", "/admin/login", form={"token": reg.admin_token},
                              headers={"X-Forwarded-Proto": "https"})
        assert st == 303
        assert "secure" in [a.strip().lower() for a in headers["Set-Cookie"].split(";")]
    finally:
        reg.stop()
    reg = Registry(tmp_path, extra={"http_secure_cookie": "yes"}).start()
    try:
        _, line = sign_in(reg)
        assert "secure" in [a.strip().lower() for a in line.split(";")]
    finally:
        reg.stop()
