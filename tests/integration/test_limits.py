"""Every limit, with its configured value: line lengths, recipients,
message size, errors, connections per client and in total, timeouts, and
the minimum data rate."""
import socket
import time

from vouchd import Client


def start_txn(c, rcpt="postmaster@localhost"):
    c.reply()
    assert c.cmd("EHLO x.example")[0] == 250
    assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
    assert c.cmd(f"RCPT TO:<{rcpt}>")[0] == 250


def test_command_line_length(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        # 512 octets with CRLF is allowed (RFC 5321 4.5.3.1.4) ...
        assert c.cmd("NOOP " + "x" * (512 - 7))[0] == 250
        # ... 513 is not
        assert c.cmd("NOOP " + "x" * (513 - 7)) == (500, ["500 5.5.2 Syntax error: line too long"])
        # a line far longer than any buffer is skipped, not stored
        c.send(b"NOOP " + b"y" * 200000 + b"\r\n")
        assert c.reply()[0] == 500
        assert c.cmd("NOOP")[0] == 250


def test_command_line_length_configured(make_vouchd):
    d = make_vouchd(settings={"max_command_line": 2048})
    with Client(d.host, d.port) as c:
        c.reply()
        assert c.cmd("NOOP " + "x" * 2000)[0] == 250
        assert c.cmd("NOOP " + "x" * 2100)[0] == 500


def test_text_line_length(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        start_txn(c)
        c.cmd("DATA")
        c.send(b"Subject: ok\r\n\r\n" + b"a" * 998 + b"\r\n.\r\n")
        assert c.reply()[0] == 250
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.cmd("DATA")
        c.send(b"Subject: long\r\n\r\n" + b"a" * 999 + b"\r\n.\r\n")
        code, lines = c.reply()
        assert code == 550 and "line too long" in lines[0]
    assert len(vouchd.wait_messages("postmaster@localhost", 1)) == 1


def test_max_recipients(vouchd):
    with Client(vouchd.host, vouchd.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        for i in range(100):
            assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>") == \
            (452, ["452 4.5.3 Error: too many recipients"])
        assert c.cmd("DATA")[0] == 354
        c.send("Subject: many\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
    # duplicates collapse into one delivery
    time.sleep(0.5)
    assert len(vouchd.wait_messages("postmaster@localhost", 1)) == 1


def test_size(make_vouchd):
    d = make_vouchd(settings={"max_message_size": "64k"})
    with Client(d.host, d.port) as c:
        c.reply()
        _, lines = c.cmd("EHLO x.example")
        assert "250-SIZE 65536" in lines
        assert c.cmd("MAIL FROM:<a@example.org> SIZE=65537") == \
            (552, ["552 5.3.4 Message size exceeds fixed maximum message size"])
        assert c.cmd("MAIL FROM:<a@example.org> SIZE=1000")[0] == 250
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.cmd("DATA")
        c.send(b"Subject: big\r\n\r\n" + (b"z" * 900 + b"\r\n") * 80 + b".\r\n")
        assert c.reply() == (552, ["552 5.3.4 Message size exceeds fixed maximum message size"])
        assert c.cmd("NOOP")[0] == 250
        # BDAT is held to the same limit
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        chunk = (b"z" * 900 + b"\r\n") * 80
        c.send(b"BDAT %d LAST\r\n" % len(chunk) + chunk)
        assert c.reply()[0] == 552
    assert d.messages("postmaster@localhost") == []
    assert d.queue_files() == ([], [])


def test_max_errors(make_vouchd):
    d = make_vouchd(settings={"max_errors": 3})
    with Client(d.host, d.port) as c:
        c.reply()
        assert c.cmd("BOGUS1")[0] == 500
        assert c.cmd("BOGUS2")[0] == 500
        c.send("BOGUS3\r\n")
        assert c.reply()[0] == 500
        assert c.reply() == (421, ["421 4.7.0 Too many errors, closing connection"])
        assert c.closed()


def test_connections_per_ip(make_vouchd):
    d = make_vouchd(settings={"max_connections_per_ip": 2})
    a = Client(d.host, d.port)
    b = Client(d.host, d.port)
    assert a.reply()[0] == 220 and b.reply()[0] == 220
    with Client(d.host, d.port) as c:
        code, lines = c.reply()
        assert code == 421 and "too many connections from your address" in lines[0]
        assert c.closed()
    # another client address is not affected
    with Client(d.host, d.port, source="127.0.0.2") as other:
        assert other.reply()[0] == 220
    a.close()
    d.wait_log("event=disconnect", count=1)
    with Client(d.host, d.port) as c:
        assert c.reply()[0] == 220
    b.close()
    d.wait_log("reason=max_connections_per_ip")


def test_total_connections(make_vouchd):
    d = make_vouchd(settings={"max_connections": 2})
    a = Client(d.host, d.port, source="127.0.0.3")
    b = Client(d.host, d.port, source="127.0.0.4")
    assert a.reply()[0] == 220 and b.reply()[0] == 220
    with Client(d.host, d.port, source="127.0.0.5") as c:
        code, lines = c.reply()
        assert code == 421 and "too many connections" in lines[0]
    a.close()
    b.close()


def test_command_timeout(make_vouchd):
    d = make_vouchd(settings={"timeout_command": "2s"})
    with Client(d.host, d.port) as c:
        c.reply()
        t0 = time.time()
        code, lines = c.reply()
        waited = time.time() - t0
        assert code == 421 and lines[0].startswith("421 4.4.2 mx.test.example Error: timeout")
        assert 1.5 < waited < 5
        assert c.closed()


def test_command_timeout_counts_whole_line(make_vouchd):
    """A client dribbling a command a byte at a time is still cut off."""
    d = make_vouchd(settings={"timeout_command": "2s"})
    with Client(d.host, d.port) as c:
        c.reply()
        t0 = time.time()
        try:
            for ch in "NOOP " + "x" * 100:
                c.send(ch)
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass
        code, _ = c.reply()
        assert code == 421 and time.time() - t0 < 6


def test_data_block_timeout(make_vouchd):
    d = make_vouchd(settings={"timeout_data_block": "2s"})
    with Client(d.host, d.port) as c:
        start_txn(c)
        c.cmd("DATA")
        c.send("Subject: stall\r\n\r\nthen nothing")
        code, lines = c.reply()
        assert code == 421 and "timeout waiting for message text" in lines[0]
    assert d.queue_files() == ([], [])


def test_min_data_rate(make_vouchd):
    d = make_vouchd(settings={"min_data_rate": 2000, "data_rate_grace": "1s"})
    with Client(d.host, d.port) as c:
        start_txn(c)
        c.cmd("DATA")
        t0 = time.time()
        c.sock.settimeout(0.05)
        got = None
        while time.time() - t0 < 8 and got is None:
            try:
                c.send(b"x" * 20)   # about 200 octets/s
            except (BrokenPipeError, ConnectionResetError):
                break
            try:
                data = c.sock.recv(4096)
                got = data
            except socket.timeout:
                pass
        assert got is not None and got.startswith(b"421 4.4.2") and b"data rate too low" in got
        assert time.time() - t0 < 5
    assert d.queue_files() == ([], [])


def test_data_total_timeout(make_vouchd):
    d = make_vouchd(settings={"timeout_data": "2s", "min_data_rate": 0})
    with Client(d.host, d.port) as c:
        start_txn(c)
        c.cmd("DATA")
        c.sock.settimeout(0.3)
        t0 = time.time()
        got = b""
        while time.time() - t0 < 8 and not got:
            try:
                c.send(b"y")
                got = c.sock.recv(4096)
            except socket.timeout:
                continue
            except (BrokenPipeError, ConnectionResetError):
                break
        assert got.startswith(b"421 4.4.2") and b"message took too long" in got


def test_slow_client_does_not_block_others(make_vouchd):
    d = make_vouchd()
    slow = Client(d.host, d.port)
    slow.reply()
    slow.send("EHLO slo")  # an unfinished command
    t0 = time.time()
    with Client(d.host, d.port) as c:
        start_txn(c)
        c.cmd("DATA")
        c.send("Subject: fast\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
    assert time.time() - t0 < 2
    slow.close()


def test_data_total_timeout_spans_bdat_chunks(make_vouchd):
    """Issue 13 item 11: "BDAT 1" every second kept a transaction open far
    past timeout_data, each chunk starting the clock again. timeout_data
    covers the whole message, chunks and the commands between them."""
    d = make_vouchd(settings={"timeout_data": "2s", "min_data_rate": 0})
    with Client(d.host, d.port) as c:
        start_txn(c)
        t0 = time.time()
        reply = None
        while time.time() - t0 < 8:
            try:
                c.send(b"BDAT 1\r\nx")
                code, lines = c.reply()
            except (EOFError, BrokenPipeError, ConnectionResetError):
                break
            if code != 250:
                reply = lines[0]
                break
            time.sleep(0.5)
        assert reply and reply.startswith("421 4.4.2") and "message took too long" in reply, reply
        assert time.time() - t0 < 5
    d.wait_log(r"event=timeout .* reason=\"message took too long\"")
    assert d.queue_files() == ([], [])


def test_commands_without_progress_are_limited(make_vouchd):
    """Issue 13 item 11: 2,000 NOOPs in one session were all answered.
    After max_junk_commands (100) NOOP, RSET, VRFY and HELP the session is
    closed; a message accepted starts the count again."""
    d = make_vouchd()
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        junk = ["NOOP", "RSET", "VRFY postmaster", "HELP"]
        for i in range(60):
            assert c.cmd(junk[i % 4])[0] in (250, 252, 214)
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        c.cmd("DATA")
        c.send("Subject: x\r\n\r\nx\r\n.\r\n")
        assert c.reply()[0] == 250
        # the 100 allowed since the message, pipelined
        c.send("NOOP\r\n" * 100)
        assert all(c.reply()[0] == 250 for _ in range(100))
        assert c.cmd("NOOP") == (421, ["421 4.7.0 Too many commands without progress "
                                       "(NOOP, RSET, VRFY, HELP), closing connection"])
        assert c.closed()
    d.wait_log(r"event=too_many_junk_commands client=127\.0\.0\.1 commands=101")
