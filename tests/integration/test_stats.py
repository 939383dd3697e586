"""Statistics end to end: vouchd counts sessions, refused connections,
recipients, messages and deliveries; vouchctl stats prints them with
percentages, the Prometheus endpoint (metrics_listen) serves the same
figures and nothing else, and the counts survive a restart."""
import re
import smtplib
import socket
import urllib.error
import urllib.request

import pytest

from statstable import rows
from vouchd import Client


def metrics(port, path="/metrics", method="GET"):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


def traffic(d):
    for i in range(2):
        with smtplib.SMTP(d.host, d.port) as s:
            s.sendmail("a@example.com", ["postmaster@localhost"], f"Subject: {i}\r\n\r\nx\r\n")
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO client.example")
        c.cmd("MAIL FROM:<a@example.com>")
        assert c.cmd("RCPT TO:<nobody@localhost>")[0] == 550
        assert c.cmd("RCPT TO:<someone@elsewhere.example>")[0] == 550
        # this session holds the only slot: the next connection is refused
        with Client(d.host, d.port) as c2:
            assert c2.reply()[0] == 421
        c.cmd("QUIT")
    d.wait_messages("postmaster@localhost", 2)
    d.wait_log(r"event=delivered", count=2)


def test_table_metrics_and_restart(make_vouchd):
    d = make_vouchd(settings={"metrics_listen": "127.0.0.1:0",
                              "max_connections_per_ip": "1"})
    traffic(d)
    r = d.ctl("stats", check=True)
    t = rows(r.stdout)
    assert r.stdout.startswith("vouch statistics: up ")
    assert t[("session", "connect")] == [4, 4, 4, 4]
    assert t[("session", "refused_connect")] == [1, 1, 1, 1]
    assert "refused_connect                     1  25.0%" in r.stdout
    assert t[("rcpt", "accepted")][2] == 2 and t[("rcpt", "refused")][2] == 2
    assert "accepted                            2  50.0%" in r.stdout
    assert t[("message", "accepted")][2] == 2
    assert t[("delivery", "local")][2] == 2

    mport = d.metrics_port
    status, ctype, body = metrics(mport)
    assert status == 200 and ctype.startswith("text/plain; version=0.0.4")
    assert "# TYPE vouch_events_total counter" in body
    assert 'vouch_events_total{check="session",result="connect"} 4\n' in body
    assert 'vouch_events_total{check="session",result="refused_connect"} 1\n' in body
    assert 'vouch_events_last_hour{check="delivery",result="local"} 2\n' in body
    assert re.search(r"^vouch_sessions_open \d+$", body, re.M)
    assert re.search(r"^vouch_queue_messages 0$", body, re.M)
    assert d.ctl("stats", "--prometheus", check=True).stdout.startswith(
        "# HELP vouch_events_total")

    # anything but GET /metrics is refused
    for path, method in (("/", "GET"), ("/metrics/x", "GET"), ("/metricsx", "GET"),
                         ("/metrics", "POST"), ("/metrics", "DELETE")):
        with pytest.raises(urllib.error.HTTPError) as e:
            metrics(mport, path, method)
        assert e.value.code == 404, (path, method)
    # a request too large is refused, and the server carries on
    with socket.create_connection(("127.0.0.1", mport), timeout=10) as s:
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n")
        assert s.recv(100).split(b" ")[1] in (b"400", b"413", b"431")
    assert metrics(mport)[0] == 200
    # only where configured: not on another loopback address
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.2", mport), timeout=5).close()

    # a restart loses nothing: all time and the windows keep the counts
    assert d.stop() == 0
    d.start()
    t = rows(d.ctl("stats", check=True).stdout)
    assert t[("session", "connect")] == [4, 4, 0, 4]
    assert t[("delivery", "local")] == [2, 2, 0, 2]
    with smtplib.SMTP(d.host, d.port) as s:
        s.noop()
    t = rows(d.ctl("stats", check=True).stdout)
    assert t[("session", "connect")] == [5, 5, 1, 5]


def test_off_by_default_and_bad_address(make_vouchd):
    d = make_vouchd()
    assert "event=metrics_listening" not in d.log()
    assert d.ctl("stats", check=True).stdout.startswith("vouch statistics")
    bad = make_vouchd(start=False, settings={"metrics_listen": "localhost"})
    assert bad.start(expect_fail=True) != 0
    assert "metrics_listen: 'localhost' is not address:port" in bad.log()
