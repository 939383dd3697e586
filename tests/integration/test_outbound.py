"""Outbound mail: MX resolution through a real DNS server (NSD), delivery
to real peers (Postfix, smtp-sink) with STARTTLS, DSN both ways, bounces,
retries after temporary failures, connection reuse, null MX, required
TLS, and the smarthost with AUTH."""
import os
import re
import smtplib
import time

import pytest

from certs import CA
from nsd import Nsd, zone
from postfix import Postfix, postfix_available
from sink import Sink
import ports
from vouchd import Client

needs_postfix = pytest.mark.skipif(not postfix_available(), reason="needs root and postfix")
PASSWORD = "outbound secret 1"


@pytest.fixture
def world(world_dir):
    """NSD with the test domains, and a CA."""
    zones = {
        "vouch.test": zone("vouch.test", ["@ MX 10 mx", "mx A 127.0.0.1"]),
        "peer.test": zone("peer.test", ["@ MX 10 mx1", "@ MX 20 mx2", "mx1 A 127.0.0.1",
                                        "mx2 A 127.0.0.1"]),
        "nomx.test": zone("nomx.test", ["@ A 127.0.0.1"]),
        "nullmx.test": zone("nullmx.test", ["@ MX 0 ."]),
    }
    ns = Nsd(os.path.join(world_dir, "nsd"), zones)
    ns.start()
    ca = CA(os.path.join(world_dir, "pki"))
    yield {"nsd": ns, "ca": ca, "dir": world_dir}
    ns.stop()


def vouchd_for(make_vouchd, world, peer_port, **settings):
    cert, key = world["ca"].issue("mx.vouch.test")
    s = {"hostname": "mx.vouch.test", "domains": "vouch.test",
         "dns_resolver": world["nsd"].address, "outbound_port": peer_port,
         "outbound_tls_ca": world["ca"].cert, "tls_cert": cert, "tls_key": key,
         "retry_min": "1s", "retry_max": "2s"}
    s.update(settings)
    d = make_vouchd(start=False, settings=s, listeners={
        "mx": {"address": "127.0.0.1:0"},
        "submission": {"address": "127.0.0.1:0", "submission": "yes"}})
    d.ctl("user", "add", "alice@vouch.test", "--password-stdin", input=PASSWORD + "\n", check=True)
    d.start()
    d.sub_port = d.ports["submission"]
    return d


def submit(d, rcpts, body="hello", subject="out", options=None):
    """alice@vouch.test submits a message; returns the queue id."""
    c = Client(d.host, d.sub_port)
    c.reply()
    c.cmd("EHLO client.example")
    c.starttls(__import__("ssl")._create_unverified_context())
    c.cmd("EHLO client.example")
    assert c.auth_plain("alice@vouch.test", PASSWORD)[0] == 235
    mail_opts, rcpt_opts = options or ("", "")
    assert c.cmd(f"MAIL FROM:<alice@vouch.test>{mail_opts}")[0] == 250
    for r in rcpts:
        assert c.cmd(f"RCPT TO:<{r}>{rcpt_opts}")[0] == 250
    assert c.cmd("DATA")[0] == 354
    c.send(f"From: alice@vouch.test\r\nSubject: {subject}\r\n\r\n{body}\r\n.\r\n")
    code, lines = c.reply()
    assert code == 250
    c.cmd("QUIT")
    c.close()
    return lines[0].split()[-1]


def dsns(d, address="alice@vouch.test", n=1):
    return d.wait_messages(address, n, timeout=30)


def test_mx_order_and_fallback_to_second_mx(make_vouchd, world):
    """mx1 and mx2 are the same address here, so prove the order from the
    log: a lookup, the preferred name first."""
    sink = Sink(os.path.join(world["dir"], "sink")).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)
        submit(d, ["bob@peer.test"])
        t = sink.wait_transactions(1)[0]
        assert b"X-Rcpt-Args: <bob@peer.test>" in t
        d.wait_log(r"event=sent to=bob@peer\.test relay=mx1\.peer\.test\[127\.0\.0\.1\]")
        # implicit MX: a domain with an A record and no MX
        submit(d, ["carol@nomx.test"])
        sink.wait_transactions(2)
        d.wait_log(r"event=sent to=carol@nomx\.test relay=nomx\.test\[127\.0\.0\.1\]")
    finally:
        sink.stop()


def test_null_mx_and_missing_domain_bounce_at_once(make_vouchd, world):
    d = vouchd_for(make_vouchd, world, ports.CLOSED)
    submit(d, ["x@nullmx.test"])
    dsn = dsns(d)[0]
    assert b"Subject: Undelivered Mail Returned to Sender" in dsn
    assert b"Status: 5.1.10" in dsn and b"null MX" in dsn
    submit(d, ["x@missing.peer.test"])     # NXDOMAIN from the authoritative server
    dsn = dsns(d, n=2)[1]
    assert b"Status: 5.1.2" in dsn and b"does not exist" in dsn


def test_temporary_failure_then_retry_succeeds(make_vouchd, world):
    port = ports.candidate()   # the peer starts later, on this port
    sink = Sink(os.path.join(world["dir"], "sink1"), port=port, options=["-r", "rcpt"]).start()
    try:
        d = vouchd_for(make_vouchd, world, port, retry_min="1h", retry_max="1h")
        qid = submit(d, ["dave@peer.test"])
        d.wait_log(r"event=deferred to=dave@peer\.test .* code=4\d\d")
        assert qid in d.ctl("queue", "list").stdout
        assert sink.transactions() == []
    finally:
        sink.stop()
    sink = Sink(os.path.join(world["dir"], "sink2"), port=port).start()
    try:
        assert d.ctl("queue", "flush", qid).returncode == 0
        sink.wait_transactions(1)
        d.wait_log(f"qid={qid} event=removed")
        # the sender heard nothing: it was only delayed briefly (a DSN is
        # queued, and logged, before the message it reports on is removed)
        assert f"qid={qid} event=dsn " not in d.log()
        assert d.messages("alice@vouch.test") == []
    finally:
        sink.stop()


def test_dsn_relayed_when_next_hop_has_no_dsn(make_vouchd, world):
    sink = Sink(os.path.join(world["dir"], "sink"), options=["-N"]).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)
        submit(d, ["erin@peer.test"],
               options=(" RET=HDRS ENVID=env+2B42", " NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;erin@peer.test"))
        t = sink.wait_transactions(1)[0]
        assert b"NOTIFY" not in t       # the peer did not offer DSN: nothing passed on
        dsn = dsns(d)[0]
        assert b"Content-Type: multipart/report; report-type=delivery-status" in dsn
        assert b"Action: relayed" in dsn and b"Original-Envelope-Id: env+42" in dsn
        assert b"Original-Recipient: rfc822;erin@peer.test" in dsn
        assert b"Content-Type: text/rfc822-headers" in dsn
    finally:
        sink.stop()


def test_dsn_parameters_passed_to_a_dsn_peer(make_vouchd, world):
    sink = Sink(os.path.join(world["dir"], "sink")).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)
        submit(d, ["fred@peer.test"],
               options=(" RET=FULL ENVID=abc", " NOTIFY=SUCCESS ORCPT=rfc822;fred@peer.test"))
        t = sink.wait_transactions(1)[0]
        assert re.search(rb"X-Mail-Args: <alice@vouch\.test> .*RET=FULL ENVID=abc", t)
        assert b"NOTIFY=SUCCESS ORCPT=rfc822;fred@peer.test" in t
        d.wait_log("event=sent to=fred@peer.test .*dsn=passed")
        time.sleep(0.5)
        assert d.messages("alice@vouch.test") == []   # the next hop reports, not us
    finally:
        sink.stop()


def test_permanent_failure_bounces_with_dsn(make_vouchd, world):
    sink = Sink(os.path.join(world["dir"], "sink"), options=["-f", "rcpt"]).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)
        submit(d, ["gina@peer.test"], body="the original body")
        dsn = dsns(d)[0]
        assert b"Action: failed" in dsn and b"Status: 5." in dsn
        assert b"Remote-MTA: dns; mx1.peer.test" in dsn
        assert b"Diagnostic-Code: smtp; 5" in dsn
        assert b"Content-Type: message/rfc822" in dsn and b"the original body" in dsn
        assert b"Return-Path: <>" in dsn      # sent with the null sender
        d.wait_log("event=removed")
    finally:
        sink.stop()


def test_diagnostics_name_the_enhanced_code_once(make_vouchd, world):
    """A server's reply text starts with its enhanced code: the DSN's
    Diagnostic-Code and the queue's error= carry it once, not twice
    ("550 5.1.1 5.1.1 ...")."""
    twice = re.compile(rb"\d{3} ([245]\.\d{1,3}\.\d{1,3}) \1\b")
    sink = Sink(os.path.join(world["dir"], "sink"), options=["-f", "rcpt"]).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)
        submit(d, ["gina@peer.test"])
        dsn = dsns(d)[0]
        m = re.search(rb"Diagnostic-Code: smtp; (5\d\d [^\r\n]*)", dsn)
        assert m and not twice.search(m.group(1)), m and m.group(1)
        assert re.match(rb"5\d\d 5\.\d{1,3}\.\d{1,3} [^\d]", m.group(1)), m.group(1)
    finally:
        sink.stop()
    sink = Sink(os.path.join(world["dir"], "sink2"), options=["-r", "rcpt"]).start()
    try:
        d2 = vouchd_for(make_vouchd, world, sink.port, retry_min="1h")
        qid = submit(d2, ["dave@peer.test"])
        d2.wait_log(r"event=deferred to=dave@peer\.test .* code=4\d\d")
        show = d2.ctl("queue", "show", qid).stdout
        m = re.search(r"error=(.*)", show)
        assert m and not twice.search(m.group(1).encode()), show
    finally:
        sink.stop()


def test_submitted_mail_leaving_does_not_name_the_login(make_vouchd, world):
    """Issue 13 item 17: our Authentication-Results said smtp.auth=<login>
    to every recipient of mail that left. Only stamp_user may reveal the
    user; our own Authentication-Results stays home; the tracking id goes.
    alice sends as sales@, so any "alice" outside is the login leaking."""
    sink = Sink(os.path.join(world["dir"], "sink"), options=["-c"]).start()
    try:
        d = vouchd_for(make_vouchd, world, sink.port)

        def reload_with(*kv):
            n = d.log().count("event=reloaded")
            d.ctl("user", "set", "alice@vouch.test", *kv, check=True)
            d.wait_log("event=reloaded", count=n + 1)

        def send(body):
            c = Client(d.host, d.sub_port)
            c.reply()
            c.cmd("EHLO client.example")
            c.starttls(__import__("ssl")._create_unverified_context())
            c.cmd("EHLO client.example")
            assert c.auth_plain("alice@vouch.test", PASSWORD)[0] == 235
            assert c.cmd("MAIL FROM:<sales@vouch.test>")[0] == 250
            for r in ("erin@peer.test", "sales-copy@vouch.test"):
                assert c.cmd(f"RCPT TO:<{r}>")[0] == 250, r
            assert c.cmd("DATA")[0] == 354
            c.send(f"From: sales@vouch.test\r\nSubject: s\r\n\r\n{body}\r\n.\r\n")
            assert c.reply()[0] == 250
            c.close()

        d.set_aliases("sales-copy@vouch.test: alice@vouch.test\n")
        d.ctl("reload", check=True)
        reload_with("send_as=sales@vouch.test")
        send("leaving")
        out = sink.wait_transactions(1)[0]
        assert b"leaving" in out
        assert b"alice" not in out, out
        assert b"Authentication-Results: mx.vouch.test" not in out
        assert re.search(rb"with ESMTPSA id \w+ tracking [0-9a-f]{16}", out)
        # the copy that stays home keeps our results, without the login too
        home = d.wait_messages("alice@vouch.test", 1)[0]
        assert b"Authentication-Results: mx.vouch.test;" in home and b"auth=pass" in home
        assert b"smtp.auth=" not in home
        # with stamp_user the user may be named: in Received, as before
        reload_with("stamp_user=1")
        send("stamped")
        out = [t for t in sink.wait_transactions(2) if b"stamped" in t][0]
        assert b"(authenticated user alice@vouch.test)" in out
        assert b"Authentication-Results: mx.vouch.test" not in out
    finally:
        sink.stop()


def test_delay_warning_once_then_expiry(make_vouchd, world):
    d = vouchd_for(make_vouchd, world, ports.CLOSED, delay_warning="2s", queue_lifetime="6s")
    submit(d, ["hank@peer.test"])
    first = dsns(d)[0]
    assert b"Subject: Delayed Mail (still being retried)" in first
    assert b"Action: delayed" in first and b"Will-Retry-Until: " in first
    final = dsns(d, n=2)
    assert any(b"Undelivered Mail Returned to Sender" in m and b"Status: 4.4.7" in m
               for m in final)
    # exactly one delay warning in all
    time.sleep(1)
    assert sum(b"Delayed Mail" in m for m in d.messages("alice@vouch.test")) == 1


def test_no_dsn_for_null_sender(make_vouchd, world):
    d = vouchd_for(make_vouchd, world, ports.CLOSED, aliases="")
    d.set_aliases("fwd: nobody@nullmx.test\n")
    d.ctl("reload", check=True)
    with smtplib.SMTP(d.host, d.port) as s:
        s.sendmail("", ["fwd@vouch.test"], "Subject: bounce of a bounce\r\n\r\nx\r\n")
    d.wait_log("event=dsn_suppressed reason=null_sender")


def test_connection_reuse_to_a_fast_receiver(make_vouchd, world):
    """Messages waiting for the same destination share connections."""
    port = ports.candidate()   # the peer starts later, on this port
    d = vouchd_for(make_vouchd, world, port, outbound_max_per_destination=2,
                   log_level="info", retry_min="1h", retry_max="1h")
    n = 40
    for i in range(n):
        submit(d, [f"r{i}@peer.test"], subject=f"bulk {i}")
    # the receiver is down: all of them wait in the queue
    deadline = time.time() + 30
    while time.time() < deadline and d.log().count("event=deferred") < n:
        time.sleep(0.2)
    sink = Sink(os.path.join(world["dir"], "sink"), port=port).start()
    try:
        assert d.ctl("queue", "flush").returncode == 0
        sink.wait_transactions(n, timeout=60)
        deadline = time.time() + 30
        while time.time() < deadline and d.log().count("event=removed") < n:
            time.sleep(0.2)
        assert d.log().count("event=removed") == n
        sent = re.findall(r"event=sent .* conn=(\d+) msg=(\d+)", d.log())
        assert len(sent) == n
        # two connections at most at once, each carrying many messages
        assert len({c for c, _ in sent}) <= 4
        assert max(int(m) for _, m in sent) >= 10
    finally:
        sink.stop()


def test_required_tls(make_vouchd, world):
    sink = Sink(os.path.join(world["dir"], "sink")).start()   # smtp-sink offers no STARTTLS
    try:
        d = vouchd_for(make_vouchd, world, sink.port, tls_required_domains="peer.test",
                       retry_min="1h", retry_max="1h")
        qid = submit(d, ["ivan@peer.test"])
        d.wait_log(r"event=deferred to=ivan@peer\.test .*TLS is required")
        assert sink.transactions() == []
        assert qid in d.ctl("queue", "list").stdout
    finally:
        sink.stop()


@needs_postfix
def test_vouchd_to_postfix_over_starttls_and_postfix_bounce_comes_back(make_vouchd, world):
    pcert, pkey = world["ca"].issue("mx1.peer.test")
    port = ports.candidate()   # the peer starts later, on this port
    d = vouchd_for(make_vouchd, world, port)
    pf = Postfix(os.path.join(world["dir"], "pf"), role="mailbox", port=port,
                 domains=("peer.test",), mailboxes=["jill@peer.test", "closed@peer.test"],
                 main={"smtpd_tls_security_level": "may", "smtpd_tls_cert_file": pcert,
                       "smtpd_tls_key_file": pkey, "smtpd_tls_loglevel": "1",
                       # mail for vouch.test goes back to vouchd; closed@ is
                       # accepted, then bounced by Postfix's error agent
                       "transport_maps": f"inline:{{ vouch.test=smtp:[127.0.0.1]:{d.port}, "
                                         f"{{ closed@peer.test = error:5.2.1 mailbox disabled }} }}",
                       "smtpd_reject_unlisted_recipient": "no",
                       "smtpd_recipient_restrictions":
                           "check_recipient_access inline:{ { nobody@peer.test = 550 5.1.1 no such user here } }",
                       "smtp_tls_security_level": "may"}).start()
    try:
        submit(d, ["jill@peer.test"], body="over tls")
        msg = pf.wait_messages("jill@peer.test", 1)[0]
        assert b"over tls" in msg
        d.wait_log(r"event=sent to=jill@peer\.test relay=mx1\.peer\.test\[127\.0\.0\.1\] tls=TLSv1\.[23]")
        pf.wait_log("TLS connection established from")
        # unknown user: Postfix refuses at RCPT, vouchd returns a DSN
        submit(d, ["nobody@peer.test"])
        dsn = dsns(d)[0]
        assert b"Status: 5.1.1" in dsn and b"Remote-MTA: dns; mx1.peer.test" in dsn
        # accepted, then bounced by Postfix itself: Postfix's own DSN
        # travels back to alice through vouchd
        submit(d, ["closed@peer.test"], body="please bounce me")
        back = dsns(d, n=2)
        pf_dsn = [m for m in back if b"postfix.test.example" in m]
        assert pf_dsn, pf.log()[-2000:]
        assert b"report-type=delivery-status" in pf_dsn[0] and b"5.2.1" in pf_dsn[0]
        assert b"please bounce me" in pf_dsn[0]
    finally:
        pf.cleanup()


@needs_postfix
def test_postfix_to_vouchd_over_starttls(make_vouchd, world):
    d = vouchd_for(make_vouchd, world, ports.CLOSED)
    pf = Postfix(os.path.join(world["dir"], "pf"), role="relay",
                 relayhost=f"[127.0.0.1]:{d.port}",
                 main={"smtp_tls_security_level": "encrypt",
                       "smtp_tls_CAfile": world["ca"].cert}).start()
    try:
        with smtplib.SMTP(pf.host, pf.port) as s:
            s.sendmail("someone@example.org", ["alice@vouch.test"],
                       "Subject: via postfix\r\n\r\nrelayed by postfix\r\n")
        msg = d.wait_messages("alice@vouch.test", 1, timeout=30)[0]
        assert b"relayed by postfix" in msg
        assert re.search(rb"by mx\.vouch\.test \(vouch\) with ESMTPS id \w+\r\n\t\(using TLSv1\.[23]", msg)
        pf.wait_queue_empty()
    finally:
        pf.cleanup()


def test_smarthost_with_auth(make_vouchd, world):
    """vouchd A sends everything through vouchd B, authenticating as a
    user of B over STARTTLS; B delivers to the sink."""
    sink = Sink(os.path.join(world["dir"], "sink")).start()
    try:
        b = vouchd_for(make_vouchd, world, sink.port)   # the smarthost
        b.ctl("user", "add", "relay@vouch.test", "--password-stdin", input="relay password 9\n",
              check=True)
        pwfile = os.path.join(world["dir"], "relaypw")
        with open(pwfile, "w") as f:
            f.write("relay password 9\n")
        os.chmod(pwfile, 0o644)
        a_cert, a_key = world["ca"].issue("a.vouch.test")
        a = make_vouchd(settings={
            "hostname": "a.vouch.test", "domains": "a.vouch.test",
            "dns_resolver": world["nsd"].address, "outbound_tls_ca": world["ca"].cert,
            "relayhost": f"127.0.0.1:{b.sub_port}", "relayhost_user": "relay@vouch.test",
            "relayhost_password_file": pwfile, "tls_cert": a_cert, "tls_key": a_key,
            "aliases": ""})
        aliases = os.path.join(a.dir, "aliases")
        with open(aliases, "w") as f:
            f.write("out: kim@peer.test\n")
        a.settings["aliases"] = aliases
        a.write_config()
        a.ctl("reload", check=True)
        with smtplib.SMTP(a.host, a.port) as s:
            s.sendmail("relay@vouch.test", ["out@a.vouch.test"], "Subject: via smarthost\r\n\r\nx\r\n")
        t = sink.wait_transactions(1, timeout=30)[0]
        assert b"X-Rcpt-Args: <kim@peer.test>" in t
        b.wait_log("event=auth result=pass user=\"relay@vouch.test\"")
        a.wait_log(r"event=sent to=kim@peer\.test relay=127\.0\.0\.1\[127\.0\.0\.1\] tls=TLSv1")
    finally:
        sink.stop()


def test_relay_under_concurrent_load(make_vouchd, world_dir):
    """Messages keep arriving while finished connections are quitting: a
    connection that has sent QUIT must take no new message (vouchd once
    panicked, "smtp_client_send in state quit", within a second of this),
    and messages that found every slot held by quitting connections must
    still go. 10 clients x 30 messages through a relayhost."""
    import threading

    sink = Sink(os.path.join(world_dir, "sink")).start()
    try:
        d = make_vouchd(start=False, settings={"relayhost": f"{sink.host}:{sink.port}",
                                               "max_connections_per_ip": 50})
        d.set_aliases("fwd: someone@sink.example\n")
        d.start()
        errors = []

        def client(k):
            try:
                with smtplib.SMTP(d.host, d.port) as s:
                    for i in range(30):
                        s.sendmail("a@example.org", ["fwd@localhost"],
                                   f"Subject: load {k}.{i}\r\n\r\nbody\r\n")
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(f"client {k}: {e!r}")

        threads = [threading.Thread(target=client, args=(k,)) for k in range(10)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        assert errors == []
        sink.wait_transactions(300, timeout=60)
        assert d.proc.poll() is None, d.log()[-2000:]
        assert "event=panic" not in d.log()
        deadline = time.time() + 30
        while time.time() < deadline and d.queue_files()[0]:
            time.sleep(0.1)
        assert d.queue_files()[0] == []
        assert len(sink.transactions()) == 300
    finally:
        sink.stop()


def test_421_to_mail_then_close_defers_and_vouchd_lives(make_vouchd, world):
    """A receiver that answers MAIL with 421 and hangs up (RFC 5321 3.8: a
    server shutting down may do so at any command). The message is deferred
    and stays queued; vouchd goes on (it used to free the connection twice:
    once for the failure, once for the close that followed)."""
    import socket
    import threading
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    seen = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            f = c.makefile("rwb")
            f.write(b"220 mx.peer.test ESMTP\r\n")
            f.flush()
            for line in f:
                seen.append(line)
                word = line.split(b" ", 1)[0].split(b":", 1)[0].upper().strip()
                if word in (b"EHLO", b"HELO"):
                    f.write(b"250-mx.peer.test\r\n250 PIPELINING\r\n")
                    f.flush()
                elif word == b"MAIL":
                    f.write(b"421 4.3.2 shutting down\r\n")
                    f.flush()
                    break
                else:
                    f.write(b"250 ok\r\n")
                    f.flush()
            f.close()  # the file holds the socket open too
            c.shutdown(socket.SHUT_RDWR)
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        d = vouchd_for(make_vouchd, world, srv.getsockname()[1],
                       retry_min="1h", retry_max="1h")
        qid = submit(d, ["dave@peer.test"])
        d.wait_log(r"event=deferred to=dave@peer\.test .* code=421")
        # the close that follows the 421 must not end vouchd
        d.wait_log(r"event=outbound_connect_failed|event=smtp_client_failed")
        assert d.proc.poll() is None, d.log()[-6000:]
        r = d.ctl("queue", "list")
        assert r.returncode == 0 and qid in r.stdout, d.log()[-6000:]
        # and it still takes mail
        submit(d, ["erin@peer.test"])
        d.wait_log(r"event=deferred to=erin@peer\.test .* code=421")
        assert d.proc.poll() is None, d.log()
    finally:
        # the accept() woken and its thread gone before the descriptor is
        # freed (a looping accept() on a reused number takes others' traffic)
        try:
            srv.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        t.join(timeout=10)
        srv.close()
