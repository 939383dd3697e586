"""Several vouchd nodes as one mail system (issue 15, docs/operations.md
"Running a cluster"): two nodes on different loopback addresses share one
real redis-server (store = redis://...). Any node answers XVOUCH CHECK for
any node's sessions (also end to end: a real vouchd receiver resolves the
cluster's EHLO name through NSD and calls back the other node); a user's daily limit, an account lock and a block
hold on both; AUTH failures spread over the nodes meet one limit; a
sender one node called out for is known to the other; the statistics of
the whole cluster add up every node's; Redis
killed mid-load loses no acknowledged message, gives clear 451s where
shared state is needed, and the nodes recover by themselves when it
returns. Every setting here that is not a default is
the cluster's: store (and the submission listener and limit a test needs)."""
import os
import socket
import ssl
import threading
import time

import pytest

from certs import CA
from counting_mx import CountingMX
from nsd import Nsd, zone
from redis_server import RedisServer
from vouchd import Client

PASSWORD = "correct horse battery"
A, B, R = "127.0.0.2", "127.0.0.3", "127.0.0.9"


@pytest.fixture
def redis(world_dir):
    r = RedisServer(world_dir).start()
    yield r
    r.stop()


@pytest.fixture
def cluster(make_vouchd, world_dir, redis):
    """Two nodes, MX and submission each, sharing redis; alice on both."""
    ca = CA(os.path.join(world_dir, "pki"))
    cert, key = ca.issue("mx.test.example")
    nodes = []
    for host in (A, B):
        d = make_vouchd(start=False, host=host, settings={
            "store": redis.url(0), "tls_cert": cert, "tls_key": key,
            # remote mail waits in the queue: its relayhost refuses connections
            "relayhost": "127.0.0.1:1", "retry_min": "1h",
            # a small daily limit, so the test need not send 300 recipients
            "submission_max_rcpt_day": "10",
            # only A's own loopback address is trusted, so R (127.0.0.9) can be blocked
            "allow_networks": "127.0.0.1/32"},
            listeners={"mx": {"address": f"{host}:0"},
                       "submission": {"address": f"{host}:0", "submission": "yes"}})
        r = d.ctl("user", "add", "alice@test.example", "--password-stdin",
                  input=PASSWORD + "\n")
        assert r.returncode == 0, r.stderr
        d.start()
        d.wait_log("event=store_connected backend=redis")
        d.ctx = ssl.create_default_context(cafile=ca.cert)
        d.ctx.check_hostname = False
        nodes.append(d)
    return nodes


def submit(d):
    c = Client(d.host, d.ports["submission"])
    c.reply()
    c.cmd("EHLO client.example")
    assert c.starttls(d.ctx)[0] == 220
    c.cmd("EHLO client.example")
    assert c.auth_plain("alice@test.example", PASSWORD)[0] == 235
    return c


def rcpts(c, n, tag):
    """MAIL and n remote recipients; the codes of the RCPT replies."""
    assert c.cmd("MAIL FROM:<alice@test.example>")[0] == 250
    return [c.cmd(f"RCPT TO:<{tag}{i}@remote.example>") for i in range(n)]


def data(c):
    assert c.cmd("DATA")[0] == 354
    c.send("Subject: cluster\r\n\r\nx\r\n.\r\n")
    return c.reply()


def test_daily_limit_holds_across_nodes(cluster):
    a, b = cluster
    with submit(a) as c:
        assert [r[0] for r in rcpts(c, 6, "a")] == [250] * 6
        assert data(c)[0] == 250
    with submit(b) as c:
        got = rcpts(c, 5, "b")
        assert [r[0] for r in got[:4]] == [250] * 4
        assert got[4][0] == 550 and "5.7.1" in got[4][1][0], got[4]
        assert data(c)[0] == 250
    # locked on both nodes, the postmaster told once
    for d in (a, b):
        with submit(d) as c:
            code, lines = c.cmd("MAIL FROM:<alice@test.example>")
            assert code == 550 and "locked" in lines[0], lines
    b.wait_log("event=account_locked user=alice@test.example")
    assert a.log().count("event=account_locked") + b.log().count("event=account_locked") == 1
    # unlocked through one node, it may send through the other
    a.ctl("user", "unlock", "alice@test.example", check=True)
    end = time.monotonic() + 10
    while True:
        with submit(b) as c:
            if c.cmd("MAIL FROM:<alice@test.example>")[0] == 250:
                break
        assert time.monotonic() < end, "the unlock never reached node B"
        time.sleep(0.1)


def auth_once(d, user, password, source):
    """One AUTH PLAIN from source on its own connection: (code, lines)."""
    with Client(d.host, d.ports["submission"], source=source) as c:
        c.reply()
        c.cmd("EHLO client.example")
        assert c.starttls(d.ctx)[0] == 220
        c.cmd("EHLO client.example")
        return c.auth_plain(user, password)


def test_auth_failures_counted_across_nodes(cluster):
    """The brute-force limits are the cluster's: auth_max_failures_ip (10)
    failures spread 5 + 5 over the nodes lock the address on both, and
    auth_max_failures_user (5) spread 3 + 2 lock the (user, address) pair,
    though neither node saw its limit alone. Both the shipped limits."""
    a, b = cluster
    guesser = "127.0.0.20"
    for i, d in enumerate([a] * 5 + [b] * 5):
        code, lines = auth_once(d, f"guess{i}@test.example", "wrong", guesser)
        assert code == 535, lines
    for d in (a, b):
        code, lines = auth_once(d, "alice@test.example", PASSWORD, guesser)
        assert code == 454 and lines[0].startswith(
            "454 4.7.0 Too many failed authentications from your address"), lines
        d.wait_log(r"event=auth_refused reason=cluster_lockout client=127\.0\.0\.20\b")
    # the pair: alice's password mistyped from another address
    typist = "127.0.0.21"
    for d in (a, a, a, b, b):
        assert auth_once(d, "alice@test.example", "wrong", typist)[0] == 535
    code, lines = auth_once(b, "alice@test.example", PASSWORD, typist)
    assert code == 454 and lines[0].startswith(
        "454 4.7.0 Too many failed authentications for this user from your address"), lines
    b.wait_log(r"event=auth_refused reason=cluster_lockout client=127\.0\.0\.21 "
               r"user=alice@test\.example")
    # an address of its own is not touched by the others' counts
    assert auth_once(a, "alice@test.example", PASSWORD, "127.0.0.22")[0] == 235


def refused_at_connect(d, source):
    c = Client(d.host, d.ports["mx"], source=source)
    code, lines = c.reply()
    c.close()
    return code >= 500


def test_block_set_on_one_node_holds_on_the_other_within_a_second(cluster):
    a, b = cluster
    assert not refused_at_connect(b, R)
    a.ctl("block", "add", R, "--reason", "cluster test", check=True)
    assert refused_at_connect(a, R)
    t0 = time.monotonic()
    while not refused_at_connect(b, R):
        assert time.monotonic() - t0 < 5, "node B never saw the block"
        time.sleep(0.05)
    # the sync runs every second: well within two, even on a loaded machine
    assert time.monotonic() - t0 < 2.5
    a.ctl("block", "del", R, check=True)
    t0 = time.monotonic()
    while refused_at_connect(b, R):
        assert time.monotonic() - t0 < 5, "node B never saw the block lifted"
        time.sleep(0.05)


class HoldingReceiver:
    """R: offers XVOUCH, records the id a node vouches with, and keeps the
    session open until released; then takes the mail, and closes at QUIT."""

    def __init__(self, host):
        self.sock = socket.socket()
        self.sock.bind((host, 0))
        self.sock.listen(4)
        self.port = self.sock.getsockname()[1]
        self.id = None
        self.got_id = threading.Event()
        self.release = threading.Event()
        self.closed = threading.Event()
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        conn, _ = self.sock.accept()
        f = conn.makefile("rb")
        conn.sendall(b"220 r.example ESMTP\r\n")
        in_data = False
        for line in f:
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    conn.sendall(b"250 2.0.0 taken\r\n")
                continue
            cmd = line.decode().strip().upper()
            if cmd.startswith(("EHLO", "HELO")):
                conn.sendall(b"250-r.example\r\n250 XVOUCH\r\n")
            elif cmd.startswith("XVOUCH "):
                self.id = line.decode().split()[1]
                conn.sendall(b"250 2.7.0 vouched\r\n")
                self.got_id.set()
            elif cmd.startswith("MAIL"):
                self.release.wait(60)   # the session stays open until then
                conn.sendall(b"250 ok\r\n")
            elif cmd == "DATA":
                in_data = True
                conn.sendall(b"354 go on\r\n")
            elif cmd == "QUIT":
                conn.sendall(b"221 bye\r\n")
                break
            else:
                conn.sendall(b"250 ok\r\n")
        conn.close()
        self.closed.set()

    def close(self):
        self.release.set()
        self.sock.close()


def check(d, source, id_):
    c = Client(d.host, d.ports["mx"], source=source)
    c.reply()
    c.cmd("EHLO r.example")
    reply = c.cmd(f"XVOUCH CHECK {id_}")
    c.close()
    return reply


def test_any_node_confirms_any_nodes_session(make_vouchd, redis):
    rr = HoldingReceiver(R)
    try:
        nodes = []
        for host in (A, B):
            # A sends its remote mail to R; both share the session table
            d = make_vouchd(start=False, host=host, settings={
                "store": redis.url(1), "relayhost": f"[{R}]:{rr.port}", "aliases": ""},
                listeners={"mx": {"address": f"{host}:0"}})
            d.set_aliases("fwd: someone@remote.example\n")
            d.start()
            d.wait_log("event=store_connected backend=redis")
            nodes.append(d)
        a, b = nodes
        c = Client(a.host, a.ports["mx"])
        c.reply()
        c.cmd("EHLO client.example")
        assert c.cmd("MAIL FROM:<x@test.example>")[0] == 250
        assert c.cmd("RCPT TO:<fwd@test.example>")[0] == 250
        assert data(c)[0] == 250
        c.close()
        assert rr.got_id.wait(30), "node A never vouched to R"
        # R asks node B (the cluster's name resolves to both) from the
        # address A's session talks to: confirmed
        code, lines = check(b, R, rr.id)
        assert code == 250 and lines[0] == f"250 2.7.0 {rr.id} confirmed", lines
        # asked from another address: the same id is refused (DESIGN 5.1)
        assert check(b, "127.0.0.10", rr.id)[0] == 550
        # A's session ends: refused on B too
        rr.release.set()
        assert rr.closed.wait(30)
        end = time.monotonic() + 10
        while check(b, R, rr.id)[0] == 250:
            assert time.monotonic() < end, "the ended session stayed confirmed:\n" + a.log()[-3000:]
            time.sleep(0.05)
        code, lines = check(b, R, rr.id)
        assert code == 550 and "5.7.1" in lines[0]
    finally:
        rr.close()


def test_receiver_calls_back_the_other_node(make_vouchd, world_dir, redis):
    """End to end, as a receiver on the Internet sees a cluster: node A
    sends from an address its EHLO name (mx.cluster.test, served by NSD)
    does not have; the name resolves to node B, so the receiver R (a real
    vouchd) calls B back (DESIGN 5.1 step 3), and B confirms A's session
    from the shared table. Not the defaults, and why: xvouch_allow_private
    (everything here is on 127/8), srs = no (the return path is checked by
    SPF as sent), and the ports a loopback world needs (R's xvouch_port is
    B's port, A's outbound_port is R's)."""
    ns = Nsd(os.path.join(world_dir, "nsd"), {
        "cluster.test": zone("cluster.test", [
            # the test's client (127.0.0.1) sends as the cluster's domain too
            f"mx A {B}", f'@ TXT "v=spf1 ip4:127.0.0.1 ip4:{A} ip4:{B} -all"']),
        "rcv.test": zone("rcv.test", ["@ MX 10 r", f"r A {R}"]),
    }).start()
    try:
        base = {"dns_resolver": ns.address, "allow_networks": ""}
        node = dict(base, hostname="mx.cluster.test", domains="cluster.test",
                    store=redis.url(2), srs="no")
        b = make_vouchd(start=False, host=B, settings=dict(node, outbound_bind=B),
                        listeners={"mx": {"address": f"{B}:0"}})
        b.start()
        r = make_vouchd(start=False, host=R, settings=dict(
            base, hostname="r.rcv.test", domains="rcv.test", xvouch_allow_private="yes",
            xvouch_port=b.ports["mx"]), listeners={"mx": {"address": f"{R}:0"}})
        r.listener_defaults = {}
        r.write_config()
        r.start()
        a = make_vouchd(start=False, host=A, settings=dict(
            node, outbound_bind=A, outbound_port=r.ports["mx"], aliases=""),
            listeners={"mx": {"address": f"{A}:0"}})
        a.set_aliases("fwd: postmaster@rcv.test\n")
        a.start()
        for d in (a, b):
            d.wait_log("event=store_connected backend=redis")
        with Client(a.host, a.ports["mx"]) as c:
            c.reply()
            c.cmd("EHLO client.example")
            assert c.cmd("MAIL FROM:<x@cluster.test>")[0] == 250
            assert c.cmd("RCPT TO:<fwd@cluster.test>")[0] == 250
            assert data(c)[0] == 250
        msg = r.wait_messages("postmaster@rcv.test", 1)[0]
        assert b"x-vouch=pass (the host confirmed the session) smtp.helo=mx.cluster.test" in msg
        r.wait_log(rf"event=xvouch result=pass name=mx\.cluster\.test target={B}\b")
        b.wait_log(rf"event=xvouch_check result=confirmed client={R}\b")
        assert "event=xvouch_check" not in a.log()
    finally:
        ns.stop()


def mail_from(d, source, sender):
    with Client(d.host, d.ports["mx"], source=source) as c:
        c.reply()
        c.cmd("EHLO client.example")
        return c.cmd(f"MAIL FROM:<{sender}>")


def test_callout_result_shared_across_nodes(make_vouchd, world_dir, redis):
    """A sender node A called out for is answered on node B from the
    shared cache: no second connection to the sender's mail server, and
    how that server treats unknown users travels too. A node on another
    Redis database (no shared state) calls again: the control that shows
    the sharing is what spared the call. Not the defaults, and why:
    callout on the MX listener (off by default), callout_allow_private and
    callout_port (the sender's MX is a loopback server on a port of its
    own)."""
    mx = CountingMX("127.0.0.7")
    ns = Nsd(os.path.join(world_dir, "nsd"), {
        "sender.test": zone("sender.test", ["@ MX 10 mx", "mx A 127.0.0.7"])}).start()
    try:
        nodes = []
        for host, db in ((A, 3), (B, 3), (R, 4)):
            nodes.append(make_vouchd(host=host, settings={
                "store": redis.url(db), "dns_resolver": ns.address, "allow_networks": "",
                "callout_port": mx.port, "callout_allow_private": "yes"},
                listeners={"mx": {"address": f"{host}:0", "callout": "yes"}}))
        a, b, other = nodes
        for d in nodes:
            d.wait_log("event=store_connected backend=redis")
        mail_from(a, "127.0.0.31", "nobody@sender.test")
        a.wait_log(r"event=callout address=\"nobody@sender\.test\" result=fail source=smtp")
        assert mx.connections == 1 and mx.rcpts == [2], mx.rcpts
        mail_from(b, "127.0.0.32", "nobody@sender.test")
        b.wait_log(r"event=callout address=\"nobody@sender\.test\" result=fail "
                   r"source=cache-address")
        assert mx.connections == 1, b.log()[-3000:]
        # a sender of the same domain nobody asked about: B calls, asking
        # about the address alone (A learnt the domain refuses unknown users)
        mail_from(b, "127.0.0.32", "someone@sender.test")
        b.wait_log(r"event=callout address=\"someone@sender\.test\" result=fail source=smtp")
        assert mx.connections == 2 and mx.rcpts == [2, 1], mx.rcpts
        # the same sender at a node that shares nothing with them: called again
        mail_from(other, "127.0.0.33", "nobody@sender.test")
        other.wait_log(r"event=callout address=\"nobody@sender\.test\" result=fail source=smtp")
        assert mx.connections == 3, mx.rcpts
        # Redis gone: what B asks the shared cache fails, and B calls itself
        redis.kill()
        r = mail_from(b, "127.0.0.32", "third@sender.test")
        b.wait_log(r"event=callout_store_error op=get ns=callout\.domain store=shared "
                   r"action=call")
        b.wait_log(r"event=callout address=\"third@sender\.test\" result=fail source=smtp")
        assert mx.connections == 4, (r, mx.rcpts)
    finally:
        mx.close()
        ns.stop()


def cluster_counts(d):
    """{(check, result): (last hour, last day)} from vouchctl stats --cluster."""
    r = d.ctl("stats", "--cluster")
    assert r.returncode == 0, r.stderr
    out, check = {}, None
    for line in r.stdout.splitlines():
        if line and not line.startswith(" ") and len(line.split()) == 1:
            check = line.strip()
        elif line.startswith("  ") and check:
            name, hour, day = line.split()
            out[(check, name)] = (int(hour), int(day))
    return out


def test_callout_rates_hold_across_nodes(make_vouchd, world_dir, redis):
    """callout_client_per_minute counts the callouts a client caused on
    every node: 2 on A and 1 on B reach a limit of 3, and B refuses the
    fourth though its own count is 1. The shared count is of the clock
    minute, so the test starts away from a minute's turn. Not the
    defaults, and why: callout on the MX listener (off by default), the
    loopback MX (callout_allow_private, callout_port) and a limit of 3
    (the default 10 would need 11 sessions)."""
    mx = CountingMX("127.0.0.7")
    ns = Nsd(os.path.join(world_dir, "nsd"), {
        "sender.test": zone("sender.test", ["@ MX 10 mx", "mx A 127.0.0.7"])}).start()
    try:
        a, b = (make_vouchd(host=host, settings={
            "store": redis.url(5), "dns_resolver": ns.address, "allow_networks": "",
            "callout_port": mx.port, "callout_allow_private": "yes",
            "callout_client_per_minute": "3"},
            listeners={"mx": {"address": f"{host}:0", "callout": "yes"}}) for host in (A, B))
        for d in (a, b):
            d.wait_log("event=store_connected backend=redis")
        while time.time() % 60 >= 50:
            time.sleep(0.2)
        for d, sender in ((a, "r1"), (a, "r2"), (b, "r3")):
            mail_from(d, "127.0.0.41", f"{sender}@sender.test")
            d.wait_log(rf'event=callout address=\"{sender}@sender\.test\" result=fail '
                       r'source=smtp')
        code, lines = mail_from(b, "127.0.0.41", "r4@sender.test")
        assert code == 451 and "on the cluster's nodes (callout_client_per_minute)" in \
            lines[0], lines
        assert mx.connections == 3, mx.rcpts
        # another client still gets its callouts
        mail_from(b, "127.0.0.42", "r5@sender.test")
        b.wait_log(r'event=callout address=\"r5@sender\.test\" result=fail source=smtp')
        assert mx.connections == 4, mx.rcpts
    finally:
        mx.close()
        ns.stop()


def test_statistics_of_the_whole_cluster(cluster, make_vouchd):
    """Each node adds what it counted to the shared store every sample
    (10 s); vouchctl stats --cluster on any node shows the sum, while
    vouchctl stats stays the node's own. A node of its own says it is not
    a cluster."""
    a, b = cluster
    for d, n in ((a, 3), (b, 2)):
        for _ in range(n):
            with Client(d.host, d.ports["mx"]) as c:
                c.reply()
                c.cmd("QUIT")
    deadline = time.monotonic() + 60
    while cluster_counts(b).get(("session", "connect"), (0, 0))[0] < 5:
        assert time.monotonic() < deadline, b.ctl("stats", "--cluster").stdout
        time.sleep(0.2)
    assert cluster_counts(a)[("session", "connect")] == (5, 5)
    own = a.ctl("stats").stdout
    assert any(line.split()[:2] == ["connect", "3"] for line in own.splitlines()
               if line.startswith("  ")), own
    single = make_vouchd()
    r = single.ctl("stats", "--cluster")
    assert r.returncode == 1 and "not a cluster" in r.stderr, r


def test_redis_killed_mid_load(cluster, redis):
    a, b = cluster
    # mail keeps being accepted on both nodes (the queue is local) ...
    def mx_message(d, subject):
        c = Client(d.host, d.ports["mx"])
        c.reply()
        c.cmd("EHLO client.example")
        assert c.cmd("MAIL FROM:<x@test.example>")[0] == 250
        assert c.cmd("RCPT TO:<postmaster@localhost>")[0] == 250
        assert c.cmd("DATA")[0] == 354
        c.send(f"Subject: {subject}\r\n\r\nbody\r\n.\r\n")
        code, _ = c.reply()
        c.close()
        return code

    accepted = {a: 0, b: 0}
    for i in range(5):
        for d in (a, b):
            assert mx_message(d, f"before {i}") == 250
            accepted[d] += 1
    redis.kill()
    for d in (a, b):
        d.wait_log("event=store_disconnected backend=redis")
    for i in range(5):
        for d in (a, b):
            assert mx_message(d, f"during {i}") == 250
            accepted[d] += 1
    # ... while what needs shared state answers 451 with a clear code
    with submit(a) as c:
        code, lines = c.cmd("MAIL FROM:<alice@test.example>")
        assert code == 451 and "4.3.0" in lines[0], lines
    a.wait_log("event=store_error op=sendlock_get action=tempfail")
    # the login itself went on: its failures are counted by the node alone
    a.wait_log("event=store_error op=auth_fail_reserve action=local")
    # no acknowledged message is lost on either node
    for d in (a, b):
        d.wait_messages("postmaster@localhost", accepted[d])
    # Redis back: the nodes reconnect by themselves (no restart)
    redis.start()
    for d in (a, b):
        d.wait_log("event=store_connected backend=redis", count=2)
    with submit(b) as c:
        assert [r[0] for r in rcpts(c, 2, "after")] == [250, 250]
        assert data(c)[0] == 250
