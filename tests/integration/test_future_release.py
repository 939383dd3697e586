"""FUTURERELEASE (RFC 4865) on submission: EHLO advertises the server's
maximum interval and date-time, MAIL's HOLDFOR/HOLDUNTIL within them is
accepted and the message waits in the queue (durably: through a restart)
until its release time, `vouchctl queue list` shows it held with that
time, and values out of range get 554 5.5.4, bad syntax 501 5.5.4, and
the parameters anywhere but an authenticated submission 555 5.5.4.

Every timing here waits on the delivery itself and measures it; the only
clock is the message's own release time."""
import calendar
import os
import re
import ssl
import time

import pytest

from certs import CA
from vouchd import Client

PASSWORD = "future secret 4865"
WEEK = 7 * 86400          # future_release_max's default


@pytest.fixture
def sub(make_vouchd, world_dir):
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("mx.test.example")
    d = make_vouchd(start=False, settings={"tls_cert": cert, "tls_key": key},
                    listeners={"mx": {"address": "127.0.0.1:0"},
                               "submission": {"address": "127.0.0.1:0",
                                              "submission": "yes"}})
    d.ctl("user", "add", "alice@test.example", "--password-stdin", input=PASSWORD + "\n",
          check=True)
    d.ctl("user", "add", "bob@test.example", check=True)
    d.start()
    d.ctx = ssl.create_default_context(cafile=ca.cert)
    d.ctx.check_hostname = False     # clients connect by address; the chain is verified
    return d


def session(d, auth=True):
    c = Client(d.host, d.ports["submission"])
    c.reply()
    c.cmd("EHLO client.example")
    assert c.starttls(d.ctx)[0] == 220
    _, ehlo = c.cmd("EHLO client.example")
    if auth:
        assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
    return c, ehlo


def submit(d, params, subject):
    """alice sends bob a message with MAIL parameters; returns (queue id,
    the time before the message's end was sent)."""
    c, _ = session(d)
    with c:
        assert c.cmd(f"MAIL FROM:<alice@test.example> {params}") == (250, ["250 2.1.0 Ok"])
        assert c.cmd("RCPT TO:<bob@test.example>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(f"From: alice@test.example\r\nSubject: {subject}\r\n\r\nlater\r\n")
        t0 = time.time()
        c.send(".\r\n")
        code, lines = c.reply()
        assert code == 250, lines
        return lines[0].split()[-1], t0


def parse_utc(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def listed(d, qid):
    r = d.ctl("queue", "list", check=True)
    return next((line for line in r.stdout.splitlines() if line.startswith(qid)), None)


def test_ehlo_advertises_the_limits_on_submission_only(sub):
    c, ehlo = session(sub, auth=False)
    c.close()
    line = next(l for l in ehlo if "FUTURERELEASE" in l)
    m = re.fullmatch(r"250-FUTURERELEASE (\d+) (\S+)", line)
    assert m, line
    assert int(m.group(1)) == WEEK
    assert abs(parse_utc(m.group(2)) - (time.time() + WEEK)) < 10
    with Client(sub.host, sub.ports["mx"]) as c:
        c.reply()
        _, ehlo = c.cmd("EHLO client.example")
        assert not any("FUTURERELEASE" in l for l in ehlo)
        # not a submission session: the parameter is not offered here
        assert c.cmd("MAIL FROM:<x@elsewhere.example> HOLDFOR=60") == \
            (555, ["555 5.5.4 Unsupported MAIL parameter"])


def test_holdfor_is_held_listed_and_released_at_its_time(sub):
    qid, t0 = submit(sub, "HOLDFOR=3", "in three seconds")
    line = listed(sub, qid)
    assert line and "held-for-release" in line, line
    release = parse_utc(re.search(r" release=(\S+)", line).group(1))
    assert release >= t0 + 3
    sub.wait_log(rf"qid={qid} event=held_for_release release=")
    assert sub.messages("bob@test.example") == []
    msg = sub.wait_messages("bob@test.example", 1, timeout=30)[0]
    delivered = time.time()
    assert b"Subject: in three seconds" in msg
    assert delivered - t0 >= 3, delivered - t0
    sub.wait_queue_empty()


def test_holduntil_and_a_restart_in_between_keep_it_held(sub):
    # 30 s of hold, not less: the listing after the restart must come
    # before the release, and on a loaded machine the ASan build's stop
    # and start took more than the 8 s this test once allowed (the
    # message was listed as due, not held: found by the load check)
    until = int(time.time()) + 30
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(until))
    qid, _ = submit(sub, f"HOLDUNTIL={stamp}", "after a restart")
    # the release time is in the envelope on disk, so a restart keeps it
    with open(os.path.join(sub.data_dir, "queue", "active", f"{qid}.env")) as f:
        assert f"release {until}\n" in f.read()
    sub.stop()
    sub.start()
    line = listed(sub, qid)
    assert time.time() < until, "the restart took the whole hold: nothing was checked"
    assert line and "held-for-release" in line and f"release={stamp}" in line, line
    msg = sub.wait_messages("bob@test.example", 1, timeout=60)[0]
    assert time.time() >= until
    assert b"Subject: after a restart" in msg


def test_out_of_range_and_bad_values_are_refused(sub):
    c, _ = session(sub)
    with c:
        # RFC 4865: beyond what EHLO offered
        assert c.cmd(f"MAIL FROM:<alice@test.example> HOLDFOR={WEEK + 1}") == (554, [
            f"554 5.5.4 Requested release interval of {WEEK + 1} seconds exceeds this "
            f"server's maximum of {WEEK} seconds"])
        far = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + WEEK + 3600))
        code, lines = c.cmd(f"MAIL FROM:<alice@test.example> HOLDUNTIL={far}")
        assert code == 554 and lines[0].startswith(
            "554 5.5.4 Requested release time is beyond this server's maximum of ")
        assert c.cmd("MAIL FROM:<alice@test.example> HOLDUNTIL=2001-01-01T00:00:00Z") == \
            (554, ["554 5.5.4 Requested release time is in the past"])
        # syntax
        for bad in ("HOLDFOR=soon", "HOLDFOR=1234567890", "HOLDFOR",
                    "HOLDUNTIL=2026-13-01T00:00:00Z", "HOLDUNTIL=tomorrow",
                    "HOLDFOR=5 HOLDUNTIL=2030-01-01T00:00:00Z"):
            code, lines = c.cmd(f"MAIL FROM:<alice@test.example> {bad}")
            assert code == 501 and lines[0].startswith("501 5.5.4 "), (bad, lines)
        # an offset is a date-time too (RFC 3339), and within range is accepted
        soon = time.strftime("%Y-%m-%dT%H:%M:%S+01:00", time.gmtime(time.time() + 3600 + 60))
        assert c.cmd(f"MAIL FROM:<alice@test.example> HOLDUNTIL={soon}")[0] == 250
    # before AUTH the submission port asks for it first
    c, _ = session(sub, auth=False)
    with c:
        assert c.cmd("MAIL FROM:<alice@test.example> HOLDFOR=3") == \
            (530, ["530 5.7.0 Authentication required"])
