"""The Postfix peer helper (tests/pylib/postfix.py) in each of its roles,
and the first interop path: Postfix relaying to vouchd."""
import os
import smtplib

import pytest

from postfix import Postfix, postfix_available

pytestmark = pytest.mark.skipif(not postfix_available(), reason="needs root and postfix")


@pytest.fixture
def make_postfix(world_dir):
    made = []

    def make(**kw):
        pf = Postfix(os.path.join(world_dir, f"pf{len(made)}"), **kw)
        made.append(pf)
        return pf.start()

    yield make
    for pf in made:
        pf.cleanup()


def send(host, port, rcpts, tag):
    with smtplib.SMTP(host, port, timeout=20) as s:
        s.sendmail("sender@example.org", rcpts,
                   f"Subject: {tag}\r\nX-Test-Id: {tag}\r\n\r\nbody {tag}\r\n")


def test_discard_accepts_and_empties_queue(make_postfix):
    pf = make_postfix(role="discard")
    send(pf.host, pf.port, ["a@test.example", "b@elsewhere.example"], "d1")
    pf.wait_log(r"status=sent \(benchmark\)", count=2)
    pf.wait_queue_empty()
    names = set(pf.processes().values())
    assert {"master", "qmgr", "smtpd"} <= names


def test_mailbox_delivers_to_maildir(make_postfix):
    pf = make_postfix(role="mailbox", mailboxes=["alice@test.example"])
    send(pf.host, pf.port, ["alice@test.example"], "m1")
    msgs = pf.wait_messages("alice@test.example", 1)
    assert b"X-Test-Id: m1" in msgs[0]


def test_defer_transports_keeps_mail_queued(make_postfix, vouchd):
    pf = make_postfix(role="relay", relayhost=f"[{vouchd.host}]:{vouchd.port}",
                      defer_transports="smtp")
    send(pf.host, pf.port, ["postmaster@test.example"], "q1")
    pf.wait_log(r"status=deferred")
    q = pf.queue()
    assert len(q) == 1 and q[0]["recipients"][0]["address"] == "postmaster@test.example"
    assert vouchd.messages("postmaster@test.example") == []


def test_postfix_relays_to_vouchd(make_postfix, vouchd):
    pf = make_postfix(role="relay", relayhost=f"[{vouchd.host}]:{vouchd.port}")
    send(pf.host, pf.port, ["postmaster@test.example"], "r1")
    msgs = vouchd.wait_messages("postmaster@test.example", 1, timeout=30)
    assert b"X-Test-Id: r1" in msgs[0]
    # vouchd's Received header names Postfix's EHLO.
    assert b"from postfix.test.example" in msgs[0]
    pf.wait_queue_empty()
