"""The certificate chain of trust (issue 17): tls_trust_ca = FILE as NAME,
tls_trust_crl. A client certificate for the HELO name from a trusted CA
verifies the session as XVOUCH does; one from another CA, one the CA's
CRL revokes, and one from a CA taken off the list prove nothing, and a
hard-mode receiver refuses their mail at RCPT like any unverified
session's. The certificates are made by tests/pylib/certs.py."""
import os
import signal
import ssl

import pytest

from certs import CA
from vouchd import Client

HELO = "client.test.example"


@pytest.fixture
def pki(world_dir):
    trusted = CA(os.path.join(world_dir, "corp"), name="corp CA")
    other = CA(os.path.join(world_dir, "other"), name="other CA")
    server = trusted.issue("mx.test.example")
    good = trusted.issue(HELO, client=True)
    bad = trusted.issue("revoked.test.example", client=True)
    wrong = trusted.issue("another.test.example", client=True)
    foreign = other.issue(HELO, client=True)
    crl = trusted.crl(revoked=[bad[0]])
    return {"trusted": trusted, "other": other, "server": server, "good": good, "bad": bad,
            "wrong": wrong, "foreign": foreign, "crl": crl}


def receiver(make_vouchd, pki, **more):
    cert, key = pki["server"]
    # allow_networks empty: loopback is not trusted here, so only the
    # certificate can verify the session; hard mode refuses the rest
    settings = {"tls_cert": cert, "tls_key": key, "allow_networks": "",
                "tls_trust_ca": f"{pki['trusted'].cert} as corp", "tls_trust_crl": pki["crl"]}
    settings.update(more)
    return make_vouchd(settings=settings,
                       listeners={"smtp": {"address": "127.0.0.1:0", "mode": "hard"}})


def session(d, pki, cert, helo=HELO, subject="trust"):
    """STARTTLS with a client certificate (or none); returns the RCPT reply
    and the end-of-data reply when the RCPT was taken."""
    ctx = ssl.create_default_context(cafile=pki["trusted"].cert)
    if cert:
        ctx.load_cert_chain(*cert)
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd(f"EHLO {helo}")
        assert c.starttls(ctx)[0] == 220
        assert c.cmd(f"EHLO {helo}")[0] == 250
        assert c.cmd("MAIL FROM:<a@example.org>")[0] == 250
        rcpt = c.cmd("RCPT TO:<postmaster@localhost>")
        if rcpt[0] != 250:
            return rcpt, None
        c.cmd("DATA")
        end = c.cmd(f"Subject: {subject}\r\nFrom: a@example.org\r\n\r\nhello\r\n.")
        c.cmd("QUIT")
        return rcpt, end


def test_trusted_ca_certificate_verifies_the_session(make_vouchd, pki):
    d = receiver(make_vouchd, pki)
    rcpt, end = session(d, pki, pki["good"], subject="trusted")
    assert rcpt[0] == 250 and end[0] == 250
    d.wait_log(rf'event=tls_client_cert verified=yes helo="{HELO}" subject="/CN={HELO}" '
               r"trust=pass ca=corp")
    msg = d.wait_messages("postmaster@localhost", 1)[0]
    assert (b"X-Vouch-Verdict: verified (certificate from a trusted CA: client.test.example, "
            b"certified by trusted CA corp)") in msg
    assert b"x-tls-client=pass (client.test.example, certified by trusted CA corp)" in msg


@pytest.mark.parametrize("which,helo,trust,ca", [
    ("foreign", HELO, "untrusted", "-"),             # another CA's, for the right name
    ("bad", "revoked.test.example", "revoked", "corp"),  # the trusted CA revoked it
    ("wrong", HELO, "wrong-name", "-"),              # the trusted CA's, for another name
    (None, HELO, None, None),                        # no certificate at all
])
def test_certificates_that_prove_nothing(make_vouchd, pki, which, helo, trust, ca):
    d = receiver(make_vouchd, pki)
    rcpt, _ = session(d, pki, pki[which] if which else None, helo=helo)
    # hard mode: an unverified session, refused as one that did not vouch
    assert rcpt[0] == 550 and rcpt[1][0].startswith("550 5.7.1 the sending server did not vouch")
    if trust:
        d.wait_log(rf'event=tls_client_cert verified=no helo="{helo}" .* trust={trust} ca={ca}')


def test_revoked_and_failed_certificates_have_their_own_actions(make_vouchd, pki):
    # xvouch_none = ignore: without these actions all three would pass
    d = receiver(make_vouchd, pki)
    d.listeners["smtp"].update({"xvouch_none": "ignore", "tls_cert_revoked": "reject",
                                "tls_cert_fail": "unsafe"})
    d.write_config()
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    rcpt, _ = session(d, pki, pki["bad"], helo="revoked.test.example")
    assert rcpt == (550, ["550 5.7.1 the client certificate for revoked.test.example is revoked: "
                          "the certificate was revoked by trusted CA corp"])
    rcpt, end = session(d, pki, pki["foreign"], subject="foreign")
    assert rcpt[0] == 250 and end[0] == 250
    assert d.wait_messages("postmaster@localhost", 1, folder=".Unsafe")
    rcpt, end = session(d, pki, pki["good"], subject="good")
    assert rcpt[0] == 250
    assert d.wait_messages("postmaster@localhost", 1)


def test_a_ca_taken_off_the_list_stops_proving(make_vouchd, pki):
    d = receiver(make_vouchd, pki)
    assert session(d, pki, pki["good"])[0][0] == 250
    # the admin takes corp off the list (a second CA stays, so TLS still
    # asks for certificates): after the reload corp's certificates prove nothing
    d.settings["tls_trust_ca"] = f"{pki['other'].cert} as other"
    del d.settings["tls_trust_crl"]
    d.write_config()
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    rcpt, _ = session(d, pki, pki["good"])
    assert rcpt[0] == 550
    d.wait_log(rf'event=tls_client_cert verified=no helo="{HELO}" .* trust=untrusted ca=-')
    # and the other CA's certificate now does
    rcpt, _ = session(d, pki, pki["foreign"])
    assert rcpt[0] == 250


def test_bad_trust_settings_are_config_errors(make_vouchd, pki, world_dir):
    import subprocess
    import paths
    cert, key = pki["server"]
    missing = os.path.join(world_dir, "nope.pem")
    for extra, want in (
            (f"tls_trust_ca = {missing}\n", "4: tls_trust_ca: cannot read a PEM certificate"),
            (f"tls_trust_ca = {pki['trusted'].cert} as\n", "4: tls_trust_ca: 'as' needs a name"),
            (f"tls_trust_ca = {pki['trusted'].cert} as a, {pki['other'].cert} as a\n",
             "4: tls_trust_ca: the name 'a' is used twice"),
            (f"tls_trust_ca = {pki['other'].cert}\ntls_trust_crl = {pki['crl']}\n",
             "5: tls_trust_crl: "),
            (f"listener smtp {{\n    refuse_classes = bulk, spam\n}}\n",
             "5: refuse_classes: unknown mail class 'spam'"),
            (f"domain school.example {{\n    refuse_classes = none bulk\n}}\n",
             "5: refuse_classes: 'none' stands alone"),
    ):
        conf = os.path.join(world_dir, "bad.conf")
        with open(conf, "w") as f:
            f.write(f"data_dir = {world_dir}/var\ntls_cert = {cert}\ntls_key = {key}\n" + extra)
        out = subprocess.run([paths.VOUCHCTL, "-c", conf, "config", "check"],
                             capture_output=True, text=True)
        assert out.returncode != 0, extra
        assert f"bad.conf:{want}" in out.stderr + out.stdout, out.stderr + out.stdout
