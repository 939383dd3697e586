"""TLS: STARTTLS (RFC 3207) and implicit TLS (RFC 8314), TLS 1.2 as the
floor, the STARTTLS command-injection defence, the Received header's TLS
record, certificate reload on SIGHUP, and client certificates as proofs."""
import os
import shutil
import signal
import smtplib
import socket
import ssl

import pytest

from certs import CA
from vouchd import Client


@pytest.fixture
def pki(world_dir):
    ca = CA(os.path.join(world_dir, "pki"))
    ca.server = ca.issue("mx.test.example")
    ca.client = ca.issue("client.test.example", client=True)
    return ca


def tls_settings(pki, **more):
    cert, key = pki.server
    s = {"tls_cert": cert, "tls_key": key}
    s.update(more)
    return s


def client_ctx(pki, cert=None):
    ctx = ssl.create_default_context(cafile=pki.cert)
    if cert:
        ctx.load_cert_chain(*cert)
    return ctx


def test_starttls_and_received_record(make_vouchd, pki):
    d = make_vouchd(settings=tls_settings(pki))
    with Client(d.host, d.port) as c:
        c.reply()
        _, lines = c.cmd("EHLO client.example")
        assert "250-STARTTLS" in lines
        assert c.starttls(client_ctx(pki)) == (220, ["220 2.0.0 Ready to start TLS"])
        version = c.sock.version()
        # RFC 3207 4.2: the client must EHLO again; the old state is gone
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 503
        _, lines = c.cmd("EHLO client.example")
        assert "250-STARTTLS" not in lines
        assert c.cmd("STARTTLS") == (503, ["503 5.5.1 Error: TLS already active"])
        c.cmd("MAIL FROM:<a@example.org>")
        c.cmd("RCPT TO:<postmaster@localhost>")
        c.cmd("DATA")
        c.send("Subject: tls\r\n\r\nsecret\r\n.\r\n")
        assert c.reply()[0] == 250
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"with ESMTPS id" in msg
    assert f"(using {version} with cipher ".encode() in msg


def test_no_tls_below_1_2(make_vouchd, pki):
    d = make_vouchd(settings=tls_settings(pki))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    ctx.maximum_version = ssl.TLSVersion.TLSv1_1
    try:
        ctx.set_ciphers("ALL:@SECLEVEL=0")
    except ssl.SSLError:
        pass
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO client.example")
        with pytest.raises((ssl.SSLError, OSError)):
            c.starttls(ctx)
            c.cmd("NOOP")


def test_starttls_injection_is_discarded(make_vouchd, pki):
    d = make_vouchd(settings=tls_settings(pki))
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO client.example")
        # commands in the same packet as STARTTLS (CVE-2011-0411 style)
        c.send("STARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<postmaster@localhost>\r\n")
        assert c.reply()[0] == 220
        c.sock = client_ctx(pki).wrap_socket(c.sock, server_hostname="mx.test.example")
        assert c.cmd("EHLO client.example")[0] == 250
        # the injected MAIL never ran: RCPT has no transaction
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 503
    d.wait_log(r"event=starttls_injection client=127\.0\.0\.1 discarded=\d+")
    assert "injected@evil.example" not in d.log()


def test_implicit_tls(make_vouchd, pki):
    d = make_vouchd(settings=tls_settings(pki), listeners={
        "smtps": {"address": "127.0.0.1:0", "tls": "implicit"}})
    port = d.port
    ctx = client_ctx(pki)
    ctx.check_hostname = False      # connecting by address; the chain is still verified
    with smtplib.SMTP_SSL("127.0.0.1", port, context=ctx,
                          local_hostname="client.example") as s:
        code, resp = s.ehlo()
        assert code == 250 and b"STARTTLS" not in resp
        s.sendmail("a@example.org", ["postmaster@localhost"], "Subject: 465\r\n\r\nimplicit\r\n")
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert b"with ESMTPS id" in msg


def test_implicit_tls_needs_a_certificate(make_vouchd):
    d = make_vouchd(start=False, listeners={"smtps": {"address": "127.0.0.1:1", "tls": "implicit"}})
    assert d.start(expect_fail=True) == 1
    assert "listener 'smtps' has tls = implicit but tls_cert is not set" in d.log()


def test_certificate_reload_on_sighup(make_vouchd, pki, world_dir):
    cert, key = pki.server
    live_cert = os.path.join(world_dir, "live.pem")
    live_key = os.path.join(world_dir, "live.key")
    shutil.copy(cert, live_cert)
    shutil.copy(key, live_key)
    os.chmod(live_key, 0o644)
    d = make_vouchd(settings={"tls_cert": live_cert, "tls_key": live_key})

    def serial():
        with Client(d.host, d.port) as c:
            c.reply()
            c.cmd("EHLO client.example")
            c.starttls(client_ctx(pki))
            return c.sock.getpeercert()["serialNumber"]

    first = serial()
    new_cert, new_key = pki.issue("mx.test.example")
    shutil.copy(new_cert, live_cert)
    shutil.copy(new_key, live_key)
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    assert serial() != first


def test_client_certificate_is_recorded_as_proof(make_vouchd, pki):
    d = make_vouchd(settings=tls_settings(pki, tls_client_ca=pki.cert))
    for helo, want in (("client.test.example", "yes"), ("other.test.example", "no")):
        with Client(d.host, d.port) as c:
            c.reply()
            c.cmd(f"EHLO {helo}")
            c.starttls(client_ctx(pki, cert=pki.client))
            assert c.cmd(f"EHLO {helo}")[0] == 250
            # nothing is refused on it
            assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        d.wait_log(rf'event=tls_client_cert verified={want} helo="{helo}" subject="/CN=client.test.example"')
    # a client without a certificate is served as before
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO client.test.example")
        c.starttls(client_ctx(pki))
        assert c.cmd("EHLO client.test.example")[0] == 250
