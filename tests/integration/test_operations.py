"""Running vouchd: configuration check, privileges, SIGHUP and SIGTERM,
vouchctl over the control socket, users and aliases."""
import os
import re
import signal
import smtplib
import subprocess
import time

import pytest

import paths
from vouchd import Client


def send(d, rcpts, subject="t", sender="a@example.org"):
    with smtplib.SMTP(d.host, d.port) as s:
        return s.sendmail(sender, rcpts, f"Subject: {subject}\r\n\r\nbody\r\n")


def test_config_check_prints_effective_config(make_vouchd):
    d = make_vouchd(start=False, settings={"max_recipients": 150})
    r = subprocess.run([paths.VOUCHD, "-c", d.conf, "-n"], capture_output=True, text=True)
    assert r.returncode == 0
    assert "max_recipients = 150\n" in r.stdout
    assert "timeout_command = 5m\n" in r.stdout
    assert "listener smtp {\n    address = 127.0.0.1:0\n" in r.stdout
    r = d.ctl("config", "check")
    assert r.returncode == 0 and "max_recipients = 150" in r.stdout


def test_config_errors_have_line_numbers(world_dir):
    conf = os.path.join(world_dir, "bad.conf")
    with open(conf, "w") as f:
        f.write("hostname = mx.example.com\n"
                "colour = blue\n"
                "max_recipients = 10\n"
                "timeout_command = soon\n"
                "listener mx {\n"
                "    adress = 0.0.0.0:25\n"
                "}\n"
                "mode += hard\n")
    r = subprocess.run([paths.VOUCHD, "-c", conf, "-n"], capture_output=True, text=True)
    assert r.returncode == 1
    assert f"{conf}:2: unknown setting 'colour'" in r.stderr
    assert f"{conf}:3: max_recipients: 10 is outside the allowed range [100, 100000]" in r.stderr
    assert f"{conf}:4: timeout_command: 'soon' is not a duration" in r.stderr
    assert f"{conf}:6: unknown setting 'adress' in 'listener' block" in r.stderr
    assert f"{conf}:8: unknown setting 'mode'" in r.stderr
    r = subprocess.run([paths.VOUCHCTL, "config", "check", conf], capture_output=True, text=True)
    assert r.returncode == 1 and "unknown setting 'colour'" in r.stderr


@pytest.mark.parametrize("address, why", [
    ("127.0.0.20:99999", "port '99999' is not a number from 0 to 65535"),
    ("-5", "is not address:port (the port is missing)"),
    ("127.0.0.300:25", "'127.0.0.300' is not an IPv4 address"),
    ("127.0.0.1", "is not address:port (the port is missing)"),
    ("127.0.0.1:", "port '' is not a number"),
    ("mx.example.com:25", "'mx.example.com' is not an IPv4 address"),
    ("[::1:25", "is not [IPv6]:port"),
    ("127.0.0.1:25 127.0.0.2:25", "is more than one address"),
])
def test_bad_listen_addresses_are_config_errors(world_dir, address, why):
    """A listen address is checked by config check and vouchd -n, with its
    line number, not found at start-up (it once bound some other port)."""
    conf = os.path.join(world_dir, "listen.conf")
    with open(conf, "w") as f:
        f.write("hostname = mx.example.com\n"
                f"metrics_listen = \"{address}\"\n"
                "listener mx {\n"
                f"    address = \"{address}\"\n"
                "}\n")
    for cmd in ([paths.VOUCHD, "-c", conf, "-n"], [paths.VOUCHCTL, "config", "check", conf]):
        r = subprocess.run(cmd, capture_output=True, text=True)
        assert r.returncode == 1, r.stdout
        assert f"{conf}:2: metrics_listen: " in r.stderr and why in r.stderr, r.stderr
        assert f"{conf}:4: address: " in r.stderr and why in r.stderr, r.stderr


def check_both(conf):
    """vouchd -n and vouchctl config check: (exit status, stderr) of each."""
    out = []
    for cmd in ([paths.VOUCHD, "-c", conf, "-n"], [paths.VOUCHCTL, "config", "check", conf]):
        r = subprocess.run(cmd, capture_output=True)
        out.append((r.returncode, r.stderr.decode(errors="replace")))
    return out


@pytest.mark.parametrize("value, why", [
    (b"mx.example.com\rInjected: yes", "hostname: the value holds a control character (0x0d)"),
    (b"mx.\xc3\x28.example", "hostname: the value is not valid UTF-8"),
    (b"mx\x00.example", "NUL byte in line"),
    (b"\"mx .example\"", "hostname: 'mx .example' is not a domain name"),
    (b"mx_1.example", "hostname: 'mx_1.example' is not a domain name"),
    (b"-mx.example", "hostname: '-mx.example' is not a domain name"),
])
def test_hostname_must_be_a_domain_name(world_dir, value, why):
    """Issue 13 item 19: a hostname with a CR (which then went out in SMTP
    replies) or invalid UTF-8 passed vouchd -n. Errors with file:line."""
    conf = os.path.join(world_dir, "host.conf")
    with open(conf, "wb") as f:
        f.write(b"# first line\nhostname = " + value + b"\n")
    for rc, err in check_both(conf):
        assert rc == 1 and f"{conf}:2: " in err and why in err, err


def test_cross_setting_errors_have_line_numbers(world_dir):
    """Issue 13 item 19: errors that involve two settings, and those the
    subsystems find, said only the file name."""
    conf = os.path.join(world_dir, "cross.conf")
    with open(conf, "w") as f:
        f.write("hostname = mx.example.com\n"
                "tls_cert = /nonexistent/cert.pem\n"
                "xgen_generation = 5\n"
                "spf_known = example.com=maybe\n"
                "listener a {\n"
                "    address = 127.0.0.1:0\n"
                "}\n"
                "listener a {\n"
                "    address = 127.0.0.1:0\n"
                "}\n")
    for rc, err in check_both(conf):
        assert rc == 1, err
        lines = [l for l in err.splitlines() if l.strip()]
        assert all(re.match(re.escape(conf) + r":\d+: ", l) for l in lines), err
        assert f"{conf}:2: tls_cert and tls_key go together" in err
        assert f"{conf}:3: xgen_generation is set but xgen_cookie is not 64 hex digits" in err
        assert f"{conf}:4: spf_known: " in err
        assert f"{conf}:8: listener 'a' is defined twice (also at line 5)" in err


def test_data_dir_and_config_writable_by_others_are_refused(world_dir):
    """Issue 13 items 5 and 19: an existing 0777 data directory was used as
    it was; a configuration anyone may replace decides what root runs."""
    data = os.path.join(world_dir, "open-data")
    os.mkdir(data)
    os.chmod(data, 0o777)
    conf = os.path.join(world_dir, "data.conf")
    with open(conf, "w") as f:
        f.write(f"hostname = mx.example.com\ndata_dir = {data}\n")
    for rc, err in check_both(conf):
        assert rc == 1 and f"{conf}:2: data_dir: {data} is writable by every user (mode 0777)" in err, err
    os.chmod(data, 0o750)
    assert [rc for rc, _ in check_both(conf)] == [0, 0]
    r = subprocess.run([paths.VOUCHCTL, "-c", conf, "user", "add", "x@example.com"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    # the configuration in a folder every user may write
    shared = os.path.join(world_dir, "shared")
    os.mkdir(shared)
    os.chmod(shared, 0o777)
    conf2 = os.path.join(shared, "vouchd.conf")
    with open(conf2, "w") as f:
        f.write(f"hostname = mx.example.com\ndata_dir = {data}\n")
    for rc, err in check_both(conf2):
        assert rc == 1 and "writable by every user" in err, err
    r = subprocess.run([paths.VOUCHCTL, "-c", conf2, "user", "add", "y@example.com"],
                       capture_output=True, text=True)
    assert r.returncode == 1 and "writable by every user" in r.stderr
    os.chmod(shared, 0o755)
    os.chmod(conf2, 0o666)
    for rc, err in check_both(conf2):
        assert rc == 1 and "the configuration file is writable by every user (mode 0666)" in err


def test_port_zero_is_reported(make_vouchd):
    """Port 0 binds a port the kernel picks; the log and vouchctl status say
    which, and that is where clients get an answer."""
    d = make_vouchd(settings={"metrics_listen": "127.0.0.1:0"},
                    listeners={"mx": {"address": "127.0.0.1:0"},
                               "other": {"address": "127.0.0.1:0"}})
    assert set(d.ports) == {"mx", "other"} and 0 not in d.ports.values()
    assert d.ports["mx"] != d.ports["other"]
    assert re.search(rf"event=listening listener=mx address=127\.0\.0\.1:{d.ports['mx']} "
                     r"configured=127\.0\.0\.1:0", d.log())
    status = d.ctl("status", check=True).stdout
    assert f"listener mx 127.0.0.1:{d.ports['mx']}\n" in status
    assert f"listener other 127.0.0.1:{d.ports['other']}\n" in status
    assert f"metrics 127.0.0.1:{d.metrics_port}\n" in status
    for port in d.ports.values():
        with Client(d.host, port) as c:
            assert c.reply()[0] == 220


def test_umask_is_set_once_before_any_thread(make_vouchd, world_dir):
    """umask is process-wide: vouchd once changed it around binding the
    control socket while the delivery threads were creating Maildirs, and a
    mailbox folder came out 0600 (deliveries then failed with "Permission
    denied"). It may only be set while the process has one thread."""
    d = make_vouchd(start=False)
    d.set_aliases("")
    # LeakSanitizer cannot run under ptrace (it stops the process the same
    # way): in the ASan build the traced run leaves leak checking to the others
    d.env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
    trace = os.path.join(world_dir, "strace.out")
    d.binary_prefix = ["strace", "-f", "-qq", "-e", "trace=umask,clone,clone3", "-o", trace]
    d.start()
    send(d, ["postmaster@localhost"])
    d.wait_messages("postmaster@localhost", 1)
    assert os.stat(os.path.join(d.data_dir, "control.sock")).st_mode & 0o777 == 0o660
    # strace runs vouchd: the signal goes to vouchd itself, strace follows it out
    os.kill(int(re.search(r"event=started .* pid=(\d+)", d.log()).group(1)), signal.SIGTERM)
    assert d.stop() == 0
    calls = [l.split(None, 1) for l in open(trace).read().splitlines()]
    first_thread = next(i for i, (_, call) in enumerate(calls) if call.startswith("clone"))
    umasks = [i for i, (_, call) in enumerate(calls) if call.startswith("umask(")]
    assert umasks and all(i < first_thread for i in umasks), calls
    # and what it leaves: a Maildir only its owner can enter, nothing for others
    root = d.mailbox("postmaster@localhost")
    for sub in ("", "new", "cur", "tmp"):
        assert os.stat(os.path.join(root, sub)).st_mode & 0o777 == 0o700
    assert os.stat(os.path.join(d.data_dir, "state", "vouch.db")).st_mode & 0o007 == 0


def test_runs_unprivileged(vouchd):
    if os.geteuid() != 0:
        return
    with open(f"/proc/{vouchd.pid}/status") as f:
        status = f.read()
    uid_line = [l for l in status.splitlines() if l.startswith("Uid:")][0]
    import pwd
    want = pwd.getpwnam("vouch").pw_uid
    assert uid_line.split()[1:] == [str(want)] * 4   # real, effective, saved, fs
    assert os.stat(vouchd.data_dir).st_uid == want


def test_refuses_to_run_as_root(make_vouchd):
    if os.geteuid() != 0:
        return
    d = make_vouchd(start=False, settings={"user": "root"})
    assert d.start(expect_fail=True) == 1
    assert "refusing to keep running as root" in d.log()
    d2 = make_vouchd(start=False, settings={"user": "no-such-user-here"})
    assert d2.start(expect_fail=True) == 1
    assert "user 'no-such-user-here' does not exist" in d2.log()


def test_sighup_reloads_configuration(make_vouchd):
    d = make_vouchd()
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<postmaster@new.example>")[0] == 550
    d.settings["domains"] = "localhost test.example new.example"
    d.write_config()
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<postmaster@new.example>")[0] == 250
    # a broken file is refused and the old configuration stays
    with open(d.conf, "a") as f:
        f.write("nonsense here\n")
    d.signal(signal.SIGHUP)
    d.wait_log("event=reload_failed")
    send(d, ["postmaster@new.example"])
    d.wait_messages("postmaster@new.example", 1)


def test_sigterm_idle_sessions_get_421(make_vouchd):
    d = make_vouchd()
    c = Client(d.host, d.port)
    c.reply()
    c.cmd("EHLO x.example")
    d.signal(signal.SIGTERM)
    code, lines = c.reply()
    assert code == 421 and "shutting down" in lines[0]
    assert d.proc.wait(timeout=10) == 0
    d.proc = None
    d.logf.close()
    assert "event=stopped" in d.log()


def test_sigterm_lets_a_transaction_finish(make_vouchd):
    d = make_vouchd()
    c = Client(d.host, d.port)
    c.reply()
    c.cmd("EHLO x.example")
    c.cmd("MAIL FROM:<a@example.org>")
    c.cmd("RCPT TO:<postmaster@localhost>")
    c.cmd("DATA")
    c.send("Subject: in flight\r\n\r\nfirst half\r\n")
    d.signal(signal.SIGTERM)
    d.wait_log("event=shutdown")
    # new connections are no longer accepted
    time.sleep(0.2)
    try:
        with Client(d.host, d.port, timeout=2) as other:
            other.reply()
            raise AssertionError("accepted a connection while shutting down")
    except (ConnectionRefusedError, EOFError, OSError):
        pass
    c.send("second half\r\n.\r\n")
    code, lines = c.reply()
    assert code == 250 and "queued as" in lines[0]
    code, lines = c.reply()
    assert code == 421
    assert d.proc.wait(timeout=10) == 0
    d.proc = None
    d.logf.close()
    # the message survives the shutdown and is delivered (at the latest on
    # the next start)
    d.start()
    msgs = d.wait_messages("postmaster@localhost", 1)
    assert b"first half\r\nsecond half\r\n" in msgs[0]


def test_vouchctl_status_and_queue(make_vouchd):
    # an alias to a remote address stays queued: its relayhost refuses
    # connections, a temporary failure
    d = make_vouchd(extra_text="", settings={
        "aliases": "", "retry_min": "1h", "relayhost": "127.0.0.1:1"})
    d.set_aliases("# test aliases\nfwd: someone@remote.example\n")
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    send(d, ["fwd@localhost"], subject="stays")
    d.wait_log("event=queued")
    r = d.ctl("status")
    assert r.returncode == 0
    status = dict(l.split(" ", 1) for l in r.stdout.strip().splitlines())
    assert status["messages_accepted"] == "1" and status["queue"] == "1"
    r = d.ctl("queue", "list")
    assert r.returncode == 0
    d.wait_log("event=deferred")
    r = d.ctl("queue", "list")
    line = r.stdout.splitlines()[0]
    qid = line.split()[0]
    assert "sender=<a@example.org> pending=1/1" in line
    assert 'error="451 4.4.1 127.0.0.1:1 (127.0.0.1): cannot connect: Connection refused"' in line
    assert r.stdout.strip().endswith("-- 1 message(s)")
    r = d.ctl("queue", "show", qid)
    assert r.returncode == 0
    assert f"id {qid}" in r.stdout and "addr=someone@remote.example" in r.stdout
    assert "orig=fwd@localhost" in r.stdout
    assert d.ctl("queue", "hold", qid).returncode == 0
    assert " held" in d.ctl("queue", "list").stdout
    assert d.ctl("queue", "release", qid).returncode == 0
    r = d.ctl("queue", "delete", qid)
    assert r.returncode == 0 and f"deleted {qid}" in r.stdout
    assert d.ctl("queue", "list").stdout.strip() == "-- 0 message(s)"
    assert d.queue_files()[0] == []
    r = d.ctl("queue", "show", "00000000000000000")
    assert r.returncode == 1 and "no message" in r.stderr
    d.stop()
    r = d.ctl("status")
    assert r.returncode == 3 and "cannot reach vouchd" in r.stderr


def test_users_and_aliases(make_vouchd):
    d = make_vouchd()
    assert d.ctl("user", "add", "alice@test.example").returncode == 0
    assert d.ctl("user", "add", "bob@test.example").returncode == 0
    assert d.ctl("user", "add", "../etc@test.example").returncode == 1
    assert d.ctl("user", "add", "alice@test.example").returncode == 1
    d.set_aliases("team@test.example: alice@test.example, bob\n"
                  "postmaster: alice@test.example\n"
                  "loop1: loop2\nloop2: loop1\n")
    d.signal(signal.SIGHUP)
    d.wait_log("event=reloaded")
    send(d, ["team@test.example"], subject="to the team")
    send(d, ["postmaster@localhost"], subject="to postmaster")
    d.wait_messages("alice@test.example", 2)
    d.wait_messages("bob@test.example", 1)
    assert d.messages("postmaster@localhost") == []
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<loop1@test.example>")[1][0].startswith("550 5.4.6")
        assert c.cmd("RCPT TO:<carol@test.example>")[0] == 550
    n = d.log().count("event=reloaded")
    assert d.ctl("user", "del", "bob@test.example").returncode == 0
    d.wait_log("event=reloaded", count=n + 1)   # vouchctl told vouchd
    assert "bob@test.example" not in d.ctl("user", "list").stdout
    with Client(d.host, d.port) as c:
        c.reply()
        c.cmd("EHLO x.example")
        c.cmd("MAIL FROM:<a@example.org>")
        assert c.cmd("RCPT TO:<bob@test.example>")[0] == 550


def test_delete_right_after_an_envelope_rewrite(make_vouchd):
    """hold rewrites the envelope through the commit thread; a delete
    that comes before that rewrite is done must not leave its envelope
    file behind (it would be renamed in after the unlink)."""
    d = make_vouchd(start=False, settings={"retry_min": "1h", "relayhost": "127.0.0.1:1",
                                           "commit_delay": "100ms"})
    d.set_aliases("fwd: someone@remote.example\n")
    d.start()
    for i in range(3):
        send(d, ["fwd@localhost"], subject=f"held {i}")
    d.wait_log("event=deferred", count=3)
    qids = [l.split()[0] for l in d.ctl("queue", "list", check=True).stdout.splitlines()
            if not l.startswith("--")]
    assert len(qids) == 3
    ctl = [paths.VOUCHCTL, "-c", d.conf, "queue"]
    for qid in qids:
        # one after the other, well inside the commit's 100 ms
        subprocess.run(ctl + ["hold", qid], check=True, capture_output=True)
        subprocess.run(ctl + ["delete", qid], check=True, capture_output=True)
    assert d.ctl("queue", "list").stdout.strip() == "-- 0 message(s)"
    time.sleep(0.5)
    assert d.queue_files()[0] == []
    # and nothing comes back after a restart
    d.stop()
    d.start()
    assert d.ctl("queue", "list").stdout.strip() == "-- 0 message(s)"


def test_discard_user_accepts_and_throws_away(make_vouchd):
    d = make_vouchd()
    assert d.ctl("user", "add", "noreply@test.example").returncode == 0
    assert d.ctl("user", "add", "alice@test.example").returncode == 0
    n = d.log().count("event=reloaded")
    assert d.ctl("user", "set", "noreply@test.example", "discard=1").returncode == 0
    d.wait_log("event=reloaded", count=n + 1)
    assert "noreply@test.example discard=1" in open(os.path.join(d.data_dir, "users")).read()
    send(d, ["noreply@test.example"], subject="into the void")
    send(d, ["noreply@test.example", "alice@test.example"], subject="half kept")
    d.wait_messages("alice@test.example", 1)
    d.wait_log("event=discarded to=noreply@test.example", count=2)
    assert d.messages("noreply@test.example") == []
    status = dict(l.split(" ", 1) for l in d.ctl("status").stdout.strip().splitlines())
    assert status["discarded"] == "2" and status["delivered_local"] == "1"
    d.wait_queue_empty()


def test_listen_backlog_is_the_configured_one(make_vouchd):
    d = make_vouchd(start=False)
    d.listeners["smtp"]["backlog"] = 300
    d.write_config()
    d.start()
    r = subprocess.run(["ss", "-ltnH", f"sport = :{d.port}"], capture_output=True, text=True)
    # LISTEN <Recv-Q: queued> <Send-Q: the backlog> ...
    assert r.stdout.split()[2] == "300", r.stdout
