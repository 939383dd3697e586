"""Submission: AUTH PLAIN and LOGIN (RFC 4954) only after TLS, relaying
for authenticated users only, sender ownership, brute-force lockouts that
spare the real user elsewhere, per-user limits with the account lock and
the postmaster's notice, and tracking ids."""
import base64
import os
import re
import smtplib
import ssl
import subprocess
import time

import pytest

from certs import CA
from vouchd import Client

PASSWORD = "correct horse battery"


@pytest.fixture
def sub(make_vouchd, world_dir):
    """vouchd with an MX listener and a submission listener, and users."""
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("mx.test.example")
    # remote mail waits in the queue: its relayhost refuses connections
    d = make_vouchd(start=False, settings={"tls_cert": cert, "tls_key": key,
                                           "relayhost": "127.0.0.1:1", "retry_min": "1h"},
                    listeners={"mx": {"address": "127.0.0.1:0"},
                               "submission": {"address": "127.0.0.1:0",
                                              "submission": "yes"}})
    d.ctx = ssl.create_default_context(cafile=ca.cert)
    d.ctx.check_hostname = False     # clients connect by address; the chain is verified
    d.ca = ca.cert
    for user, extra in (("alice@test.example", []), ("bob@test.example", ["--bcrypt"])):
        r = d.ctl("user", "add", user, "--password-stdin", *extra, input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
    d.start()
    d.mx_port, d.sub_port = d.ports["mx"], d.ports["submission"]
    return d


def set_user(d, *args):
    """vouchctl user set ..., then wait until vouchd has reloaded."""
    n = d.log().count("event=reloaded")
    d.ctl("user", "set", *args, check=True)
    d.wait_log("event=reloaded", count=n + 1)


def connect(d, tls=True, source=None):
    c = Client(d.host, d.sub_port, source=source)
    c.reply()
    c.cmd("EHLO client.example")
    if tls:
        assert c.starttls(d.ctx)[0] == 220
        c.cmd("EHLO client.example")
    return c


def test_users_file_has_only_hashes(sub):
    with open(os.path.join(sub.data_dir, "users")) as f:
        text = f.read()
    assert PASSWORD not in text
    assert re.search(r"alice@test\.example password=\$y\$", text)
    assert re.search(r"bob@test\.example password=\$2b\$", text)


def test_auth_never_before_tls(sub):
    with connect(sub, tls=False) as c:
        _, lines = c.cmd("EHLO client.example")
        assert not any("AUTH" in l for l in lines)
        assert c.auth_plain("alice@test.example", PASSWORD)[1][0].startswith("538 5.7.11")
        assert c.cmd("MAIL FROM:<alice@test.example>") == (530, ["530 5.7.0 Authentication required"])
    # the MX port offers no AUTH at all
    with Client(sub.host, sub.mx_port) as c:
        c.reply()
        c.cmd("EHLO client.example")
        c.starttls(sub.ctx)
        _, lines = c.cmd("EHLO client.example")
        assert not any("AUTH" in l for l in lines)
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 502


def test_auth_plain_and_login(sub):
    with connect(sub) as c:
        _, lines = c.cmd("EHLO client.example")
        assert "250-AUTH PLAIN LOGIN" in lines
        assert c.auth_plain("alice@test.example", "wrong password") == \
            (535, ["535 5.7.8 Authentication credentials invalid"])
        assert c.auth_plain("alice@test.example", PASSWORD) == \
            (235, ["235 2.7.0 Authentication successful"])
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 503
    with connect(sub) as c:   # PLAIN without an initial response
        assert c.cmd("AUTH PLAIN") == (334, ["334 "])
        token = base64.b64encode(f"\0bob@test.example\0{PASSWORD}".encode()).decode()
        assert c.cmd(token)[0] == 235    # a bcrypt hash
    with connect(sub) as c:   # LOGIN
        assert c.cmd("AUTH LOGIN") == (334, ["334 VXNlcm5hbWU6"])
        assert c.cmd(base64.b64encode(b"alice@test.example").decode()) == (334, ["334 UGFzc3dvcmQ6"])
        assert c.cmd(base64.b64encode(PASSWORD.encode()).decode())[0] == 235
    with connect(sub) as c:
        assert c.cmd("AUTH LOGIN")[0] == 334
        assert c.cmd("*") == (501, ["501 5.7.0 Authentication cancelled"])
        assert c.cmd("AUTH CRAM-MD5")[0] == 504
        assert c.cmd("AUTH PLAIN !!notbase64")[0] == 501
    # smtplib, as a mail client would
    with smtplib.SMTP(sub.host, sub.sub_port) as s:
        s.starttls(context=sub.ctx)
        s.login("alice@test.example", PASSWORD)
        s.sendmail("alice@test.example", ["bob@test.example"], "Subject: hi bob\r\n\r\nx\r\n")
    sub.wait_messages("bob@test.example", 1)
    assert PASSWORD not in sub.log()
    assert base64.b64encode(f"\0alice@test.example\0{PASSWORD}".encode()).decode() not in sub.log()


def test_swaks_auth(sub):
    base = ["swaks", "--server", f"{sub.host}:{sub.sub_port}", "--tls", "--tls-verify",
            "--tls-ca-path", sub.ca,
            "--tls-sni", "mx.test.example", "--from", "alice@test.example",
            "--to", "bob@test.example"]
    for mech in ("PLAIN", "LOGIN"):
        r = subprocess.run(base + ["--auth", mech, "--auth-user", "alice@test.example",
                                   "--auth-password", PASSWORD], capture_output=True, text=True)
        assert r.returncode == 0, r.stdout
        assert "235 2.7.0 Authentication successful" in r.stdout
    r = subprocess.run(base + ["--auth", "PLAIN", "--auth-user", "alice@test.example",
                               "--auth-password", "nope"], capture_output=True, text=True)
    assert "535 5.7.8" in r.stdout
    r = subprocess.run(["swaks", "--server", f"{sub.host}:{sub.sub_port}", "--auth", "PLAIN",
                        "--auth-user", "alice@test.example", "--auth-password", PASSWORD,
                        "--from", "alice@test.example", "--to", "bob@test.example"],
                       capture_output=True, text=True)
    assert r.returncode != 0   # no TLS: AUTH is not even offered
    # replies as swaks shows them ("<-  235 ..."): a bare "235" is also in
    # any port number that holds those digits (127.0.0.1:36235)
    assert "250-AUTH" not in r.stdout
    assert not re.search(r"^<[-~]\s+235[ -]", r.stdout, re.M), r.stdout


def test_relay_only_when_authenticated(sub):
    with Client(sub.host, sub.mx_port) as c:
        c.reply()
        c.cmd("EHLO client.example")
        c.cmd("MAIL FROM:<alice@test.example>")
        assert c.cmd("RCPT TO:<friend@remote.example>")[1][0].startswith("550 5.7.1")
    with connect(sub) as c:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        assert c.cmd("RCPT TO:<friend@remote.example>") == (250, ["250 2.1.5 Ok"])
        assert c.cmd("RCPT TO:<nobody@test.example>")[0] == 550   # local users still must exist
        c.cmd("DATA")
        c.send("Subject: out\r\n\r\nto a friend\r\n.\r\n")
        code, lines = c.reply()
        assert code == 250
    qid = lines[0].split()[-1]
    r = sub.ctl("queue", "show", qid)
    assert "addr=friend@remote.example" in r.stdout and "auth alice@test.example" in r.stdout


def test_sender_must_be_owned(sub):
    set_user(sub, "alice@test.example", "send_as=@alias.example,boss@test.example")
    with connect(sub) as c:
        c.auth_plain("alice@test.example", PASSWORD)
        assert c.cmd("MAIL FROM:<bob@test.example>") == \
            (553, ["553 5.7.1 Sender address rejected: not owned by the authenticated user"])
        for ok in ("alice@test.example", "ALICE@test.example", "anything@alias.example",
                   "boss@test.example", ""):
            assert c.cmd(f"MAIL FROM:<{ok}>")[0] == 250, ok
            c.cmd("RSET")


def test_bruteforce_lockout_spares_the_real_user_elsewhere(sub):
    attacker = "127.0.0.10"
    for i in range(5):
        with connect(sub, source=attacker) as c:
            assert c.auth_plain("alice@test.example", f"guess{i}")[0] == 535
    with connect(sub, source=attacker) as c:
        code, lines = c.auth_plain("alice@test.example", PASSWORD)
        assert code == 454 and lines[0].startswith("454 4.7.0 Too many failed authentications")
        # another user from the same address is not yet locked out
        assert c.auth_plain("bob@test.example", PASSWORD)[0] == 235
    # the real user, from elsewhere, still gets in
    with connect(sub, source="127.0.0.11") as c:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
    # an address spraying many users is locked out altogether
    sprayer = "127.0.0.12"
    for i in range(10):
        with connect(sub, source=sprayer) as c:
            assert c.auth_plain(f"user{i}@test.example", "x")[0] == 535
    with connect(sub, source=sprayer) as c:
        assert c.auth_plain("bob@test.example", PASSWORD)[0] == 454
    sub.wait_log("event=auth_lockout client=127.0.0.12 failures=10")


def test_per_message_limit(sub):
    set_user(sub, "alice@test.example", "max_rcpt_msg=3")
    with connect(sub) as c:
        c.auth_plain("alice@test.example", PASSWORD)
        c.cmd("MAIL FROM:<alice@test.example>")
        for i in range(3):
            assert c.cmd(f"RCPT TO:<r{i}@remote.example>")[0] == 250
        assert c.cmd("RCPT TO:<r9@remote.example>") == \
            (452, ["452 4.5.3 Too many recipients: this account may send to 3 per message "
                    "under this server's strict rules (XSTRICT)"])


def test_daily_limit_locks_account_and_tells_postmaster(sub):
    set_user(sub, "alice@test.example", "max_rcpt_day=4")

    def send(rcpts):
        with connect(sub) as c:
            c.auth_plain("alice@test.example", PASSWORD)
            code, lines = c.cmd("MAIL FROM:<alice@test.example>")
            if code != 250:
                return code, lines
            results = [c.cmd(f"RCPT TO:<{r}>") for r in rcpts]
            if any(r[0] == 250 for r in results):
                c.cmd("DATA")
                c.send("Subject: batch\r\n\r\nx\r\n.\r\n")
                c.reply()
            return results

    send(["a@remote.example", "b@remote.example", "c@remote.example"])
    # local recipients do not count
    send(["bob@test.example"] * 1 + ["bob@test.example"])
    res = send(["d@remote.example", "e@remote.example"])
    assert res[0][0] == 250
    assert res[1] == (550, ["550 5.7.1 Daily recipient limit reached: account locked for sending; contact the postmaster"])
    notice = sub.wait_messages("postmaster@localhost", 1)[0]
    assert b"Subject: vouch: account alice@test.example locked for sending" in notice
    assert b"vouchctl user unlock alice@test.example" in notice
    code, lines = send(["f@remote.example"])
    assert code == 550 and "locked" in lines[0]
    assert sub.ctl("user", "unlock", "alice@test.example").returncode == 0
    sub.wait_log("event=account_unlocked user=alice@test.example")
    set_user(sub, "alice@test.example", "max_rcpt_day=100")
    res = send(["g@remote.example"])
    assert res[0][0] == 250


def test_tracking_id_and_stamped_user(sub):
    with smtplib.SMTP(sub.host, sub.sub_port) as s:
        s.starttls(context=sub.ctx)
        s.login("alice@test.example", PASSWORD)
        s.sendmail("alice@test.example", ["bob@test.example"], "Subject: t1\r\n\r\nx\r\n")
    msg = sub.wait_messages("bob@test.example", 1)[0]
    m = re.search(rb"with ESMTPSA id (\w+) tracking ([0-9a-f]{16})", msg)
    assert m, msg[:400]
    assert b"authenticated user" not in msg      # default: the user name is not stamped
    sub.wait_log(rf"qid={m.group(1).decode()} event=submission user=alice@test\.example "
                 rf"tracking={m.group(2).decode()}")
    set_user(sub, "alice@test.example", "stamp_user=1")
    with smtplib.SMTP(sub.host, sub.sub_port) as s:
        s.starttls(context=sub.ctx)
        s.login("alice@test.example", PASSWORD)
        s.sendmail("alice@test.example", ["bob@test.example"], "Subject: t2\r\n\r\nx\r\n")
    msgs = sub.wait_messages("bob@test.example", 2)
    assert any(b"\t(authenticated user alice@test.example)\r\n" in m for m in msgs)


def swaks(*args):
    return subprocess.run(["swaks", *args], capture_output=True, text=True, timeout=60)


def test_swaks_relay_refused_and_limits(sub):
    # an unauthenticated client may not relay, on either port
    r = swaks("--server", f"{sub.host}:{sub.mx_port}", "--from", "alice@test.example",
              "--to", "friend@remote.example")
    assert r.returncode != 0 and "<** 550 5.7.1 Relay access denied" in r.stdout
    r = swaks("--server", f"{sub.host}:{sub.sub_port}", "--tls", "--from", "alice@test.example",
              "--to", "friend@remote.example")
    assert r.returncode != 0 and "530 5.7.0 Authentication required" in r.stdout
    # the per-message limit, as a mail client meets it
    set_user(sub, "alice@test.example", "max_rcpt_msg=2")
    auth = ["--server", f"{sub.host}:{sub.sub_port}", "--tls", "--auth", "PLAIN",
            "--auth-user", "alice@test.example", "--auth-password", PASSWORD,
            "--from", "alice@test.example"]
    r = swaks(*auth, "--to", "a@remote.example,b@remote.example")
    assert r.returncode == 0, r.stdout
    r = swaks(*auth, "--to", "a@remote.example,b@remote.example,c@remote.example")
    assert ("452 4.5.3 Too many recipients: this account may send to 2 per message "
            "under this server's strict rules (XSTRICT)") in r.stdout


def test_daily_limit_holds_across_parallel_sessions(sub):
    """Issue 13 item 6: with max_rcpt_day = 10, 8 parallel sessions got 80
    recipients through and the account was never locked: recipients were
    counted at commit, each session checking its own. Now each remote RCPT
    reserves its unit at once (atomically in the store), RSET or a failed
    transaction gives it back, and the commit keeps it."""
    set_user(sub, "alice@test.example", "max_rcpt_day=10")
    # a reservation given back with RSET is usable again
    with connect(sub) as c:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        for i in range(6):
            assert c.cmd(f"RCPT TO:<held{i}@remote.example>")[0] == 250
        assert c.cmd("RSET")[0] == 250
    sessions = []
    for _ in range(8):
        c = connect(sub)
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        sessions.append(c)
    accepted = refused = 0
    for i in range(10):                 # interleaved: every session before any DATA
        for k, c in enumerate(sessions):
            code, lines = c.cmd(f"RCPT TO:<r{k}x{i}@remote.example>")
            if code == 250:
                accepted += 1
            else:
                assert code == 550 and "5.7.1" in lines[0], lines
                refused += 1
    assert accepted == 10 and refused == 70
    for c in sessions:
        if c.cmd("DATA")[0] == 354:
            c.send("Subject: fan-out\r\n\r\nx\r\n.\r\n")
            assert c.reply()[0] == 250
        c.close()
    sub.wait_log("event=account_locked user=alice@test.example")
    assert sub.log().count("event=account_locked user=alice@test.example") >= 1
    with connect(sub) as c:
        c.auth_plain("alice@test.example", PASSWORD)
        code, lines = c.cmd("MAIL FROM:<alice@test.example>")
        assert code == 550 and "locked" in lines[0]
    queued = sum(int(m) for m in re.findall(r"event=submission user=alice@test\.example "
                                          r"tracking=\w+ remote_rcpts=(\d+)", sub.log()))
    assert queued == 10


def auth_all(clients, user, password="wrong guess"):
    """Send one AUTH PLAIN on every connection before reading any reply,
    as an attacker does; the replies' codes, in order."""
    token = base64.b64encode(f"\0{user}\0{password}".encode()).decode()
    for c in clients:
        c.send(f"AUTH PLAIN {token}\r\n")
    codes = []
    for c in clients:
        c.sock.settimeout(30)
        codes.append(c.reply()[0])
    return codes


def test_parallel_guesses_are_counted_when_they_start(sub):
    """Issue 13 item 7: 50 guesses sent at once from one address were all
    checked (limit: 5 per user and address), each session seeing none of
    the others' failures. Attempts are counted when their check starts."""
    clients = [connect(sub, source="127.0.0.40") for _ in range(20)]
    try:
        codes = auth_all(clients, "alice@test.example")
    finally:
        for c in clients:
            c.close()
    assert codes.count(535) == 5 and codes.count(454) == 15, codes
    assert sub.log().count("event=auth result=fail user=\"alice@test.example\" "
                           "client=127.0.0.40") == 5
    # the real user, elsewhere, is not locked out
    with connect(sub, source="127.0.0.41") as c:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235


def test_guesses_for_one_user_from_many_addresses_are_slowed(sub):
    """Issue 13 item 7: guesses for one user from 30 addresses, each under
    its own limits, were never throttled (120 of 120 checked). Attempts
    for a user from addresses it never logged in from share
    auth_user_per_minute (10): past that burst each waits its turn (6 s)
    up to auth_user_max_wait (15 s), then 454. The real user, from an
    address it has logged in from, goes straight through meanwhile."""
    with connect(sub, source="127.0.0.11") as c:           # bob's usual address
        assert c.auth_plain("bob@test.example", PASSWORD)[0] == 235
    clients = [connect(sub, source=f"127.0.0.{50 + i // 2}") for i in range(24)]
    try:
        t0 = time.time()
        codes = auth_all(clients, "bob@test.example")
        took = time.time() - t0
        with connect(sub, source="127.0.0.11") as c:
            assert c.auth_plain("bob@test.example", PASSWORD)[0] == 235
    finally:
        for c in clients:
            c.close()
    assert codes.count(535) == 12 and codes.count(454) == 12, codes
    assert took >= 11, took          # the last two checked waited 6 s and 12 s
    sub.wait_log(r"event=auth_delayed user=bob@test\.example client=127\.0\.0\.\d+ wait_ms=\d+")
    sub.wait_log(r"event=auth_throttled user=bob@test\.example")
