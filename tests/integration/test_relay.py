"""No open relay: unauthenticated clients may only send to local domains,
and the classic relay tricks are refused with 550 5.7.1 (or, where the
address is not even valid RFC 5321 syntax, 501)."""
import pytest

from vouchd import Client

TRICKS = [
    ("foreign domain", "<victim@elsewhere.example>", 550, "5.7.1"),
    ("percent hack", "<victim%elsewhere.example@localhost>", 550, "5.7.1"),
    ("bang path", "<elsewhere.example!victim@localhost>", 550, "5.7.1"),
    ("source route", "<@localhost:victim@elsewhere.example>", 550, "5.7.1"),
    ("source route list", "<@localhost,@test.example:victim@elsewhere.example>", 550, "5.7.1"),
    ("quoted local part", '<"victim@elsewhere.example"@localhost>', 550, "5.7.1"),
    ("quoted percent", '<"victim%elsewhere.example"@localhost>', 550, "5.7.1"),
    ("address literal of ours", "<postmaster@[127.0.0.1]>", 550, "5.7.1"),
    ("ipv6 literal", "<postmaster@[IPv6:::1]>", 550, "5.7.1"),
    ("trailing dot", "<victim@elsewhere.example.>", 501, "5.1.3"),
    ("trailing dot local domain", "<postmaster@localhost.>", 501, "5.1.3"),
    ("subdomain of local", "<postmaster@sub.localhost>", 550, "5.7.1"),
    ("unqualified", "<victim>", 501, "5.1.3"),
]


@pytest.mark.parametrize("name,rcpt,code,status", TRICKS, ids=[t[0] for t in TRICKS])
def test_relay_trick_refused(vouchd, name, rcpt, code, status):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO spammer.example")
        assert c.cmd("MAIL FROM:<spam@spammer.example>")[0] == 250
        got, lines = c.cmd(f"RCPT TO:{rcpt}")
        assert got == code, lines
        assert lines[0].startswith(f"{code} {status}"), lines
        # nothing was accepted, so DATA has no recipients
        assert c.cmd("DATA")[0] == 554


def test_source_route_to_local_is_accepted(vouchd):
    """RFC 5321 4.1.1.3: a source route is ignored, so one that ends at a
    local mailbox delivers there (no relaying happens)."""
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<@elsewhere.example:postmaster@localhost>")[0] == 250
        c.cmd("DATA")
        c.send("Subject: routed\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
    vouchd.wait_messages("postmaster@localhost", 1)


def test_relay_log_line(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<victim@elsewhere.example>")
    vouchd.wait_log(r'event=relay_denied client=127\.0\.0\.1 rcpt="victim@elsewhere\.example"')
