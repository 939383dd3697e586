"""The SMTP server's dialogue: commands, order, replies with enhanced
status codes, ESMTP extensions, and the happy path to Maildir, driven by
smtplib, swaks and a raw client."""
import re
import smtplib
import subprocess

from vouchd import Client

MSG = b"From: a@example.org\r\nTo: postmaster@localhost\r\nSubject: hi\r\n\r\nhello\r\n"


def test_happy_path_smtplib(vouchd):
    with smtplib.SMTP(vouchd.host, vouchd.port) as s:
        code, _ = s.ehlo("client.example.org")
        assert code == 250
        s.sendmail("a@example.org", ["postmaster@localhost"], MSG)
    msg = vouchd.wait_messages("postmaster@localhost", 1)[0]
    assert msg.startswith(b"Return-Path: <a@example.org>\r\nDelivered-To: postmaster@localhost\r\n")
    # claimed name, then the verified (forward-confirmed reverse) name
    assert re.search(rb"Received: from client\.example\.org \([\w.-]+ \[127\.0\.0\.1\]\)\r\n", msg)
    assert b"\tby mx.test.example (vouch) with ESMTP id " in msg
    assert b"\tfor <postmaster@localhost>; " in msg
    assert msg.endswith(b"\r\n\r\nhello\r\n")
    # every line ends in CRLF, none in a bare LF
    assert msg.count(b"\n") == msg.count(b"\r\n")
    qid = vouchd.log().split("event=queued")[0].rsplit("qid=", 1)[1].split()[0]
    assert f"id {qid}".encode() in msg
    # the queue is empty once the message is delivered
    vouchd.wait_log("event=removed")
    vouchd.wait_queue_empty()


def test_happy_path_swaks(vouchd):
    r = subprocess.run(["swaks", "--server", f"{vouchd.host}:{vouchd.port}",
                        "--to", "postmaster@localhost", "--from", "me@example.org",
                        "--body", "swaks body line", "--helo", "swaks.example.org"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "<-  250 2.0.0 Ok: queued as " in r.stdout
    msg = vouchd.wait_messages("postmaster@localhost", 1)[0]
    assert b"swaks body line" in msg


def test_greeting_and_ehlo_keywords(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        code, lines = c.reply()
        assert code == 220 and lines[0] == "220 mx.test.example ESMTP vouch"
        code, lines = c.cmd("EHLO client.example.org")
        assert code == 250
        kws = [l[4:] for l in lines[1:]]
        assert lines[0] == "250-mx.test.example greets [127.0.0.1]"
        for k in ("PIPELINING", "SIZE 26214400", "8BITMIME", "CHUNKING", "SMTPUTF8", "DSN",
                  "ENHANCEDSTATUSCODES"):
            assert k in kws
        assert "STARTTLS" not in kws  # no certificate configured


def test_helo_has_no_extensions(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        code, lines = c.cmd("HELO client.example.org")
        assert (code, lines) == (250, ["250 mx.test.example"])
        assert c.cmd("MAIL FROM:<a@example.org> SIZE=10")[0] == 555
        assert c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME")[0] == 555
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        assert c.cmd("BDAT 1 LAST")[0] == 502


def test_command_order(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        assert c.cmd("MAIL FROM:<a@example.org>") == (503, ["503 5.5.1 Error: send HELO/EHLO first"])
        assert c.cmd("EHLO x.example")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>") == (503, ["503 5.5.1 Error: need MAIL command"])
        assert c.cmd("DATA") == (503, ["503 5.5.1 Error: need MAIL command"])
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        assert c.cmd("MAIL FROM:<b@example.org>") == (503, ["503 5.5.1 Error: nested MAIL command"])
        assert c.cmd("DATA") == (554, ["554 5.5.1 Error: no valid recipients"])
        assert c.cmd("RSET") == (250, ["250 2.0.0 Ok"])
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 503
        # EHLO resets the transaction too
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        assert c.cmd("EHLO x.example")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 503


def test_simple_commands(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        assert c.cmd("NOOP") == (250, ["250 2.0.0 Ok"])
        assert c.cmd("NOOP whatever") == (250, ["250 2.0.0 Ok"])
        assert c.cmd("HELP")[0] == 214
        assert c.cmd("VRFY postmaster")[0] == 252
        assert c.cmd("VRFY nosuchuser")[0] == 252   # no address disclosure
        assert c.cmd("EXPN staff")[0] == 502
        assert c.cmd("FOOBAR") == (500, ["500 5.5.1 Syntax error: command unrecognized"])
        assert c.cmd("RSET now") == (501, ["501 5.5.4 Syntax error: no arguments allowed"])
        assert c.cmd("EHLO") == (501, ["501 5.5.4 Syntax: EHLO hostname"])
        assert c.cmd("QUIT") == (221, ["221 2.0.0 mx.test.example closing connection"])
        assert c.closed()


def test_address_syntax(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        assert c.cmd("MAIL FROM:a@example.org") == (501, ["501 5.5.4 Syntax: MAIL FROM:<address>"])
        assert c.cmd("MAIL FROM:<a@@example.org>")[0:1] == (501,)
        assert c.cmd("MAIL FROM:<a..b@example.org>")[1][0].startswith("501 5.1.7")
        assert c.cmd("MAIL FROM:<>")[0] == 250
        assert c.cmd("RCPT TO:<>")[0] == 501
        assert c.cmd("RCPT TO:<a b@localhost>")[1][0].startswith("501 5.1.3")
        assert c.cmd("RCPT TO:<postmaster@local_host>")[1][0].startswith("501 5.1.3")
        assert c.cmd("RCPT TO:<" + "a" * 65 + "@localhost>")[1][0] == \
            "501 5.1.3 local part longer than 64 octets"
        assert c.cmd("RCPT TO:<us\u00e9r@localhost>".encode().decode("latin-1"))[0] == 553
        # quoted local part of a real mailbox is the same mailbox
        assert c.cmd('RCPT TO:<"postmaster"@localhost>') == (250, ["250 2.1.5 Ok"])
        # bare Postmaster (RFC 5321 4.1.1.3)
        assert c.cmd("RCPT TO:<Postmaster>") == (250, ["250 2.1.5 Ok"])
        # domain case does not matter
        assert c.cmd("RCPT TO:<PostMaster@LOCALHOST>") == (250, ["250 2.1.5 Ok"])
        assert c.cmd("RCPT TO:<nobody@localhost>") == \
            (550, ["550 5.1.1 Recipient address rejected: no such user here"])


def test_esmtp_parameters(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        assert c.cmd("MAIL FROM:<a@example.org> FOO=BAR")[0] == 555
        assert c.cmd("MAIL FROM:<a@example.org> SIZE=abc")[0] == 501
        assert c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME")[0] == 501
        assert c.cmd("MAIL FROM:<a@example.org> SIZE=1000 BODY=8BITMIME")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost> FOO=1")[0] == 555


def test_smtputf8(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.send("MAIL FROM:<j\u00f6rg@example.org>\r\n".encode())
        assert c.reply()[0] == 553
        c.send("MAIL FROM:<j\u00f6rg@example.org> SMTPUTF8\r\n".encode())
        assert c.reply()[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send("Subject: gr\u00fc\u00dfe\r\n\r\n\u00e7a va\r\n.\r\n".encode())
        assert c.reply()[0] == 250
    msg = vouchd.wait_messages("postmaster@localhost", 1)[0]
    assert "\u00e7a va".encode() in msg
    assert b"with UTF8SMTP id" in msg
    assert "Return-Path: <j\u00f6rg@example.org>".encode() in msg


def test_pipelining(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<postmaster@localhost>\r\n"
               "RCPT TO:<nobody@localhost>\r\nDATA\r\n")
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
        assert c.reply()[0] == 550
        assert c.reply()[0] == 354
        c.send("Subject: p\r\n\r\nbody\r\n.\r\nRSET\r\nNOOP\r\n")
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
    vouchd.wait_messages("postmaster@localhost", 1)


def test_pipelining_past_data_is_refused(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        # The message text arrives with DATA, before the 354.
        c.send("MAIL FROM:<a@example.org>\r\nRCPT TO:<postmaster@localhost>\r\n"
               "DATA\r\nSubject: blind\r\n\r\nbody\r\n.\r\n")
        assert c.reply()[0] == 250
        assert c.reply()[0] == 250
        code, lines = c.reply()
        assert code == 554 and lines[0].startswith("554 5.5.0 Error: improper use of SMTP command pipelining")
        assert c.closed()
    assert vouchd.messages("postmaster@localhost") == []


def test_bdat(vouchd):
    body = b"Subject: chunks\r\n\r\nfirst part, "
    body2 = b"second part\r\n"
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.send(b"BDAT %d\r\n" % len(body) + body)
        assert c.reply() == (250, ["250 2.0.0 %d octets received" % len(body)])
        # pipelined: BDAT with its chunk, then a NOOP
        c.send(b"BDAT %d LAST\r\n" % len(body2) + body2 + b"NOOP\r\n")
        code, lines = c.reply()
        assert code == 250 and "queued as" in lines[0]
        assert c.reply()[0] == 250
        # BDAT 0 LAST ends an empty last chunk
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.send(b"BDAT 12\r\nSubject: z\r\n")
        assert c.reply()[0] == 250
        c.send(b"BDAT 0 LAST\r\n")
        assert c.reply()[0] == 250
        # DATA after BDAT is refused; BDAT without MAIL is read, then refused
        c.send(b"BDAT 5\r\nhello")
        assert c.reply()[0] == 503
        assert c.cmd("NOOP")[0] == 250
    msgs = vouchd.wait_messages("postmaster@localhost", 2)
    assert any(m.endswith(b"\r\n\r\nfirst part, second part\r\n") for m in msgs)


def test_bdat_bare_lf_refused(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        chunk = b"Subject: x\n\nbare lf\n"
        c.send(b"BDAT %d LAST\r\n" % len(chunk) + chunk)
        code, lines = c.reply()
        assert code == 550 and lines[0].startswith("550 5.6.0")
        assert c.cmd("NOOP")[0] == 250
    assert vouchd.messages("postmaster@localhost") == []
