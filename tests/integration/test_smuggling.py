"""SMTP smuggling and line endings: a lone CR or LF anywhere ends the
transaction with an error, nothing is queued, and a MAIL FROM smuggled
after a fake end-of-data is never executed."""
import pytest

from vouchd import Client

# (name, the fake end-of-data sequence)
SEQUENCES = [
    ("LF.LF", b"\n.\n"),
    ("CR.CR", b"\r.\r"),
    ("CR.LF", b"\r.\n"),
    ("LF.CR", b"\n.\r"),
    ("LF.CRLF", b"\n.\r\n"),
    ("CRLF.LF", b"\r\n.\n"),
    ("CR.CRLF", b"\r.\r\n"),
    ("CRLF.CR", b"\r\n.\r"),
    ("CRLF NUL.CRLF", b"\r\n\x00.\r\n"),
    ("CRLF.NUL CRLF", b"\r\n.\x00\r\n"),
    ("CRLF.CR CRLF", b"\r\n.\r\r\n"),
    ("CR CRLF.CR CRLF", b"\r\r\n.\r\r\n"),
]


@pytest.mark.parametrize("name,fake_end", SEQUENCES, ids=[s[0] for s in SEQUENCES])
def test_smuggled_mail_from_never_runs(vouchd, name, fake_end):
    smuggled = (b"MAIL FROM:<smuggler@evil.example>\r\n"
                b"RCPT TO:<postmaster@localhost>\r\n"
                b"DATA\r\n"
                b"Subject: smuggled\r\n\r\nI was smuggled\r\n")
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(b"Subject: carrier\r\n\r\ncarrier text" + fake_end + smuggled + b"\r\n.\r\n")
        code, lines = c.reply()
        # One refusal for the whole thing, and nothing else pending.
        assert code == 550 and lines[0].startswith("550 5.6.0 Message rejected"), lines
        assert c.cmd("NOOP") == (250, ["250 2.0.0 Ok"])
        # The session still works, and no transaction was left open.
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 503
    assert "smuggler@evil.example" not in vouchd.log()
    assert vouchd.messages("postmaster@localhost") == []
    assert vouchd.queue_files() == ([], [])


def test_bare_lf_in_command(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.send("EHLO x.example\n")
        code, lines = c.reply()
        assert code == 500 and lines[0].startswith("500 5.5.2 Syntax error: bare LF")
        assert c.cmd("EHLO x.example")[0] == 250
        c.send("MAIL FROM:<a@example.org>\rRCPT TO:<b@example.org>\r\n")
        code, lines = c.reply()
        assert code == 500 and "bare CR" in lines[0]
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 503  # the MAIL never ran


def test_dot_stuffing(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.cmd("DATA")
        c.send(b"Subject: dots\r\n\r\n..leading dot\r\n...\r\nmid.dle\r\n.\r\n")
        assert c.reply()[0] == 250
    msg = vouchd.wait_messages("postmaster@localhost", 1)[0]
    assert msg.endswith(b"\r\n\r\n.leading dot\r\n..\r\nmid.dle\r\n")


def test_end_of_data_only_crlf_dot_crlf(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.cmd("DATA")
        # ". " and ".x" lines are text, not the end
        c.send(b"Subject: t\r\n\r\n. \r\n.x\r\n")
        c.send(b".\r\n")
        assert c.reply()[0] == 250
    msg = vouchd.wait_messages("postmaster@localhost", 1)[0]
    assert msg.endswith(b"\r\n\r\n \r\nx\r\n")
