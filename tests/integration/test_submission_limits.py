"""Per-user recipient limits on submission (issue 17, "Also broken"): a
user's max_rcpt_msg wins over the listener's max_recipients in both
directions, so a privileged user with 1000 sends 150 recipients in one
message; a limit below RFC 5321's 100 is one of the server's strict rules
(DESIGN 6) and is announced with XSTRICT: after AUTH (235 text, a later
EHLO) for a user's own limit, in the greeting and EHLO for a listener
whose default is below 100, and in the 452 4.5.3 that enforces it."""
import os
import re
import ssl

import pytest

from certs import CA
from sink import Sink
from vouchd import Client

PASSWORD = "limits secret 17"


@pytest.fixture
def sink(world_dir):
    s = Sink(os.path.join(world_dir, "sink")).start()
    yield s
    s.stop()


def make(make_vouchd, world_dir, sink, **settings):
    """vouchd relaying to smtp-sink, an MX and a submission listener, and
    users boss (1000 per message), small (5) and alice (the default)."""
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("mx.test.example")
    s = {"tls_cert": cert, "tls_key": key, "relayhost": f"127.0.0.1:{sink.port}",
         "retry_min": "1s", "retry_max": "2s"}
    s.update(settings)
    d = make_vouchd(start=False, settings=s,
                    listeners={"mx": {"address": "127.0.0.1:0"},
                               "submission": {"address": "127.0.0.1:0",
                                              "submission": "yes"}})
    for user in ("boss@test.example", "small@test.example", "alice@test.example"):
        d.ctl("user", "add", user, "--password-stdin", input=PASSWORD + "\n", check=True)
    d.ctl("user", "set", "boss@test.example", "max_rcpt_msg=1000", check=True)
    d.ctl("user", "set", "small@test.example", "max_rcpt_msg=5", check=True)
    d.start()
    d.ctx = ssl.create_default_context(cafile=ca.cert)
    d.ctx.check_hostname = False     # clients connect by address; the chain is verified
    return d


def submission(d):
    """A TLS session on the submission port: (client, greeting, EHLO lines)."""
    c = Client(d.host, d.ports["submission"])
    _, greeting = c.reply()
    c.cmd("EHLO client.example")
    assert c.starttls(d.ctx)[0] == 220
    _, ehlo = c.cmd("EHLO client.example")
    return c, greeting, ehlo


def rcpts_in(transactions):
    out = []
    for t in transactions:
        out += re.findall(rb"X-Rcpt-Args: <([^>]+)>", t)
    return out


def test_privileged_user_sends_150_recipients_in_one_message(make_vouchd, world_dir, sink):
    """The global max_recipients (100, the default) capped boss's 1000 at
    the 101st recipient: now boss's own limit is the transaction's."""
    d = make(make_vouchd, world_dir, sink)
    c, _, ehlo = submission(d)
    with c:
        assert c.auth_plain("boss@test.example", PASSWORD) == \
            (235, ["235 2.7.0 Authentication successful"])
        _, ehlo = c.cmd("EHLO client.example")
        assert not any("XSTRICT" in line for line in ehlo)   # 1000 is not stricter than the RFC
        assert c.cmd("MAIL FROM:<boss@test.example>")[0] == 250
        want = [f"r{i:03d}@remote.example" for i in range(150)]
        for r in want:
            code, lines = c.cmd(f"RCPT TO:<{r}>")
            assert code == 250, (r, lines)
        assert c.cmd("DATA")[0] == 354
        c.send("From: boss@test.example\r\nSubject: all hands\r\n\r\nhello\r\n.\r\n")
        assert c.reply()[0] == 250
    # every recipient reaches the next hop (the queue empties once all are sent)
    d.wait_queue_empty(timeout=60)
    got = [g.decode() for g in rcpts_in(sink.wait_transactions(1))]
    assert sorted(got) == want


def test_small_limit_refused_at_the_sixth_and_announced_as_xstrict(make_vouchd, world_dir,
                                                                      sink):
    d = make(make_vouchd, world_dir, sink)
    c, greeting, ehlo = submission(d)
    with c:
        # before AUTH nothing is stricter than the RFC on this listener
        assert "strict" not in greeting[0]
        assert not any("XSTRICT" in line for line in ehlo)
        assert c.auth_plain("small@test.example", PASSWORD) == (235, [
            "235 2.7.0 Authentication successful; this account may send to 5 recipients "
            "per message under this server's strict rules (XSTRICT)"])
        _, ehlo = c.cmd("EHLO client.example")
        assert "250-XSTRICT" in ehlo
        assert c.cmd("MAIL FROM:<small@test.example>")[0] == 250
        for i in range(5):
            assert c.cmd(f"RCPT TO:<s{i}@remote.example>")[0] == 250
        # RFC 5321 4.5.3.1.10: too many recipients is 452, RFC 3463 X.5.3
        assert c.cmd("RCPT TO:<s5@remote.example>") == (452, [
            "452 4.5.3 Too many recipients: this account may send to 5 per message "
            "under this server's strict rules (XSTRICT)"])
        # the five are kept, the message goes
        assert c.cmd("DATA")[0] == 354
        c.send("From: small@test.example\r\nSubject: five\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
    t = sink.wait_transactions(1, timeout=30)
    assert sorted(g.decode() for g in rcpts_in(t)) == [f"s{i}@remote.example" for i in range(5)]


def test_default_limit_and_unauthenticated_sessions_keep_100(make_vouchd, world_dir, sink):
    d = make(make_vouchd, world_dir, sink)
    c, _, _ = submission(d)
    with c:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
        _, ehlo = c.cmd("EHLO client.example")
        assert not any("XSTRICT" in line for line in ehlo)
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        for i in range(100):
            assert c.cmd(f"RCPT TO:<a{i}@remote.example>")[0] == 250
        assert c.cmd("RCPT TO:<a100@remote.example>") == (452, [
            "452 4.5.3 Too many recipients: this account may send to 100 per message"])
    # an unauthenticated client on the MX port: the listener's max_recipients
    with Client(d.host, d.ports["mx"]) as c:
        c.reply()
        c.cmd("EHLO client.example")
        assert c.cmd("MAIL FROM:<someone@elsewhere.example>")[0] == 250
        for i in range(100):
            assert c.cmd("RCPT TO:<alice@test.example>")[0] == 250
        assert c.cmd("RCPT TO:<alice@test.example>") == \
            (452, ["452 4.5.3 Error: too many recipients"])


def test_listener_default_below_100_is_announced_before_auth(make_vouchd, world_dir, sink):
    # not the default: a site that holds every submitting user to 50
    # recipients must say so to every client, before AUTH
    d = make(make_vouchd, world_dir, sink, submission_max_rcpt_msg="50")
    c, greeting, ehlo = submission(d)
    with c:
        assert greeting[0].endswith("(strict: at most 50 recipients per message)")
        assert "250-XSTRICT" in ehlo
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
        assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
        for i in range(50):
            assert c.cmd(f"RCPT TO:<a{i}@remote.example>")[0] == 250
        assert c.cmd("RCPT TO:<a50@remote.example>")[1][0].startswith(
            "452 4.5.3 Too many recipients: this account may send to 50 per message under "
            "this server's strict rules (XSTRICT)")
    # the MX listener is not concerned
    with Client(d.host, d.ports["mx"]) as c:
        _, greeting = c.reply()
        assert "strict" not in greeting[0]
        _, ehlo = c.cmd("EHLO client.example")
        assert not any("XSTRICT" in line for line in ehlo)
