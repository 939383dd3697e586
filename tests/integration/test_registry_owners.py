"""The registrar talks to owners (issue 17), with real peers: a vouchd is
the registered server, Postfix's smtp-sink the relay the registry mails
through. A confirmed report puts the server through its certification
tests again (recorded in its history); suspension, bond forfeit and
reinstatement each send the owner and the admin contact a mail with the
confirmed reports attached as received (message/rfc822) and what to do,
from the shipped templates or one in the configuration's folder."""
import email
import email.policy
import os

import pytest

from certs import CA
from registry_runner import Registry, application, wait_for
from sink import Sink

ADDR = "127.0.0.26"
NAME = "mx.owners.test"

SPAM = ("Received: from {name} ({name} [{addr}])\r\n"
        "\tby mx.victim.test (Postfix) with ESMTPS id VICTIM{n}\r\n"
        "\tfor <user@victim.test>; Mon, 23 Nov 2026 07:00:00 +0000\r\n"
        "Received: from bot.dsl.test (bot.dsl.test [198.51.100.99])\r\n"
        "\tby {name} (vouchd) with ESMTP id OWNQ{n}\r\n"
        "\tfor <user@victim.test>; Mon, 23 Nov 2026 06:59:58 +0000\r\n"
        "From: spammer@sender.test\r\nTo: user@victim.test\r\nSubject: buy now {n}\r\n"
        "\r\nbody line {n}\r\n.leading dot stays\r\n")

CUSTOM = ("Subject: Welcome back, ${hostname}\n\n"
          "Dear ${owner_name}: ${hostname} is ${status} again (${reason}).\n"
          "${reports} report(s) attached.\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    import tempfile
    top = tempfile.mkdtemp(prefix="vouch-owners-")
    os.chmod(top, 0o755)
    from vouchd import Vouchd
    ca = CA(os.path.join(top, "pki"))
    cert, key = ca.issue(NAME)
    d = Vouchd(os.path.join(top, "vouchd"), host=ADDR,
               settings={"hostname": NAME, "domains": "owners.test",
                         "tls_cert": cert, "tls_key": key})
    d.start()
    sink = Sink(os.path.join(top, "sink")).start()
    regdir = os.path.join(top, "registry")
    os.makedirs(regdir)
    # a template in the configuration's folder replaces the shipped one
    with open(os.path.join(regdir, "notice-reinstated.txt"), "w") as f:
        f.write(CUSTOM)
    reg = Registry(regdir, extra={
        "certify_port": str(d.port), "certify_timeout": "10s",
        "certify_sources": "127.0.0.1", "certify_helo": "registry.reg.test",
        "hosts": f"{NAME}={ADDR}", "certify_allow_networks": "127.0.0.0/8",
        "suspend_threshold": "2", "suspend_reporters": "1",
        "notice_relay": f"127.0.0.1:{sink.port}", "notice_from": "abuse-desk@reg.test",
        "site_name": "Test Registry", "site_url": "http://registry.example/owner",
    }).start()
    yield reg, d, sink
    reg.stop()
    sink.stop()
    d.stop()


def server(reg):
    st, doc = reg.api("GET", "/api/admin/servers/" + NAME, admin=True)
    assert st == 200, doc
    return doc


def mails(sink):
    return [email.message_from_bytes(t, policy=email.policy.default)
            for t in sink.transactions()]


def full_log(reg):
    with open(reg.log, errors="replace") as f:
        return f.read()


def test_certified_and_approved(world):
    reg, _, _ = world
    st, body = reg.api("POST", "/api/applications", application(NAME, [ADDR]))
    assert st == 201, body
    st, _ = reg.api("POST", f"/api/admin/servers/{NAME}/certify", admin=True)
    assert st == 202
    doc = wait_for(lambda: server(reg)["certification"] not in ("running", "none") and
                   server(reg), timeout=60)
    assert doc["certification"] == "passed", doc["certifications"][0]["report"]
    st, doc = reg.api("POST", f"/api/admin/servers/{NAME}/approve", {}, admin=True)
    assert st == 200 and doc["to"] == "active", doc
    assert server(reg)["bond"]["status"] == "held"


def test_confirmed_report_runs_the_tests_again(world):
    reg, _, sink = world
    st, doc = reg.api("POST", "/api/reports", {"message": SPAM.format(n=1, name=NAME, addr=ADDR)})
    assert st == 201 and doc["server"] == NAME, doc
    rid = doc["id"]
    before = len(server(reg)["certifications"])
    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % rid, {"reason": "spam run"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "active", doc
    hist = server(reg)["history"]
    req = [h for h in hist if h["event"] == "certification requested"]
    assert req and req[-1]["reason"] == "report %d confirmed" % rid, hist
    assert req[-1]["actor"].startswith("admin#")
    # the run happens on the serve loop and lands in the history and the runs
    doc = wait_for(lambda: len(server(reg)["certifications"]) > before and
                   server(reg)["certifications"][0]["passed"] is not None and server(reg),
                   timeout=60)
    assert doc, server(reg)
    events = [h["event"] for h in doc["history"]]
    assert events.index("certification requested") < len(events) - 1 - \
        events[::-1].index("certification passed"), events
    assert doc["status"] == "active" and doc["certification"] == "passed"
    assert "event=recertify server=%s report=%d queued=yes" % (NAME, rid) in full_log(reg)
    assert sink.transactions() == []     # no status changed: no mail


def test_suspension_and_forfeit_mail_the_owner(world):
    reg, _, sink = world
    msg = SPAM.format(n=2, name=NAME, addr=ADDR)
    st, doc = reg.api("POST", "/api/reports", {"message": msg})
    rid = doc["id"]
    st, doc = reg.api("POST", "/api/admin/reports/%d/confirm" % rid, {"reason": "again"},
                      admin=True)
    assert st == 200 and doc["server_to"] == "suspended", doc
    got = wait_for(lambda: len(sink.transactions()) >= 2 and mails(sink), timeout=20)
    assert got, reg.read_log()
    by_subject = {m["Subject"]: m for m in got}
    susp = by_subject["%s is suspended in Test Registry" % NAME]
    forf = by_subject["%s: bond forfeited in Test Registry" % NAME]
    for m in (susp, forf):
        assert m["X-Rcpt-Args"] is not None
        rcpts = sorted(str(v) for v in m.get_all("X-Rcpt-Args"))
        assert rcpts == ["<owner@owners.test>", "<postmaster@owners.test>"], rcpts
        assert m["From"].addresses[0].addr_spec == "abuse-desk@reg.test"
        assert m["Auto-Submitted"] == "auto-generated"
        assert m.get_content_type() == "multipart/mixed"
        parts = list(m.iter_parts())
        text = parts[0].get_content()
        assert NAME in text and "Example Networks Ltd" in text
        attached = [p for p in parts[1:] if p.get_content_type() == "message/rfc822"]
        # both confirmed reports, newest first, each as received
        assert len(attached) == 2, [p.get_content_type() for p in parts]
        raw = [p.get_payload()[0].as_bytes(policy=email.policy.SMTP) for p in attached]
        assert b"OWNQ2" in raw[0] and b"OWNQ1" in raw[1]
    body = susp.iter_parts().__next__().get_content()
    assert "What to do to be reinstated" in body and "Why: " in body
    # the shipped template, as the CLI prints it for copying, filled in
    tmpl = reg.cli("notice", "template", "suspended").stdout
    assert tmpl.startswith("Subject: ${hostname} is suspended in ${site_name}\n\nHello ${owner_name},")
    assert body.startswith("Hello Example Networks Ltd,\n\nyour mail server %s is suspended" % NAME)
    assert "http://registry.example/owner" in body
    assert "forfeited" in next(forf.iter_parts()).get_content()
    # the attachment is the reported message line for line (smtp-sink dumps
    # with LF line ends, dots unstuffed)
    dump = sink.transactions()
    assert any(msg.replace("\r\n", "\n").encode() in t for t in dump), dump[0][-600:]
    assert wait_for(lambda: len([h for h in server(reg)["history"]
                                 if h["event"] == "owner notified"]) == 2, timeout=10)


def test_reinstatement_mail_from_the_config_folder_template(world):
    reg, _, sink = world
    seen = len(sink.transactions())
    st, doc = reg.api("POST", f"/api/admin/servers/{NAME}/reinstate", {"reason": "fixed the form"},
                      admin=True)
    assert st == 200 and doc["to"] == "active", doc
    # (smtp-sink's dump files do not sort by time within a second)
    got = wait_for(lambda: [m for m in mails(sink) if m["Subject"].startswith("Welcome")],
                   timeout=20)
    assert got, reg.read_log()
    assert len(sink.transactions()) == seen + 1
    m = got[0]
    assert m["Subject"] == "Welcome back, %s" % NAME
    text = next(m.iter_parts()).get_content()
    assert text.strip().splitlines()[0] == \
        "Dear Example Networks Ltd: %s is active again (fixed the form)." % NAME
    assert "2 report(s) attached." in text
    assert len([p for p in m.iter_parts() if p.get_content_type() == "message/rfc822"]) == 2
