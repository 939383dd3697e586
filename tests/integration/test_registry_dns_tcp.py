"""The registry's DNS over TCP cannot be taken from its secondaries (RFC
7766 6.2): connections per client address are limited, some slots are
kept for the configured secondaries, a query must arrive whole within a
time limit however slowly it trickles in, and a connection that starts no
query is closed after the idle time. Attackers use other loopback
addresses than the secondary (127.0.0.1)."""
import socket
import struct
import time

import dns.message
import dns.query
import dns.zone
import pytest

from registry_runner import Registry, application, wait_for

SECONDARY = "127.0.0.1"


def connect(reg, source):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(5)
    s.connect(("127.0.0.1", reg.dns_port))
    return s


def ask(s, reg):
    """One whole query on s; True if it was answered, False if the server
    closed the connection instead."""
    wire = dns.message.make_query(reg.zone, "SOA").to_wire()
    try:
        s.sendall(struct.pack("!H", len(wire)) + wire)
        head = s.recv(2, socket.MSG_WAITALL)
        if len(head) < 2:
            return False
        body = s.recv(struct.unpack("!H", head)[0], socket.MSG_WAITALL)
        return len(body) > 0
    except (ConnectionResetError, BrokenPipeError, socket.timeout):
        return False


def closed_by_server(s, timeout):
    """Wait (at most timeout seconds) for the server to close s."""
    s.settimeout(timeout)
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def transfer(reg):
    """AXFR from the secondary's address; the zone, or the error."""
    try:
        z = dns.zone.from_xfr(dns.query.xfr(SECONDARY, reg.zone, port=reg.dns_port,
                                            source=SECONDARY, lifetime=5))
        return z.get_soa().serial
    except Exception as e:          # noqa: BLE001 - any failure is the answer
        return e


def hog(reg, sources, per_source):
    """Open per_source connections from each source, each asking one query
    (so the server surely accepted or refused it) and then starting a
    second one that never ends (a two-octet length, nothing more).
    Returns (kept, refused)."""
    kept, refused = [], 0
    for src in sources:
        for _ in range(per_source):
            s = connect(reg, src)
            if ask(s, reg):
                s.sendall(b"\x00")
                kept.append(s)
            else:
                refused += 1
                s.close()
    return kept, refused


@pytest.fixture
def reg(tmp_path):
    r = Registry(tmp_path, extra={"allow_transfer": SECONDARY,
                                  "dns_tcp_clients": "24", "dns_tcp_reserved": "2",
                                  "dns_tcp_per_address": "4",
                                  "dns_tcp_idle": "30s", "dns_tcp_query_timeout": "20s"}).start()
    st, _ = r.api("POST", "/api/applications", application("mx.tcp.test", ["192.0.2.80"]))
    assert st == 201
    r.cli("server", "approve", "mx.tcp.test", "-f")
    yield r
    r.stop()


def test_one_address_cannot_take_every_slot(reg):
    kept, refused = hog(reg, ["127.0.0.77"], 40)
    try:
        assert len(kept) == 4 and refused == 36, (len(kept), refused)
        # the secondary transfers; another client still gets an answer
        assert isinstance(transfer(reg), int), transfer(reg)
        other = connect(reg, "127.0.0.78")
        assert ask(other, reg)
        other.close()
    finally:
        for s in kept:
            s.close()


def test_slots_kept_for_secondaries(reg):
    # many addresses, each within its limit, fill every ordinary slot
    sources = ["127.0.0.%d" % i for i in range(100, 112)]
    kept, refused = hog(reg, sources, 4)
    try:
        assert len(kept) == 24 - 2, (len(kept), refused)
        assert ask(connect(reg, "127.0.0.99"), reg) is False   # full for others
        # a reserved slot is still there for the configured secondary
        assert isinstance(transfer(reg), int), transfer(reg)
    finally:
        for s in kept:
            s.close()


def test_trickled_query_is_cut(tmp_path):
    """Each octet within the idle time used to keep the connection; now the
    whole query has dns_tcp_query_timeout from its first octet."""
    reg = Registry(tmp_path, extra={"dns_tcp_idle": "30s", "dns_tcp_query_timeout": "2s"}).start()
    try:
        s = connect(reg, "127.0.0.79")
        wire = dns.message.make_query(reg.zone, "SOA").to_wire()
        data = struct.pack("!H", len(wire)) + wire
        start = time.monotonic()
        closed = False
        for octet in data:                 # one octet every 0.4 s: ~12 s in all
            try:
                s.send(bytes([octet]))
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            if closed_by_server(s, 0.4):
                closed = True
                break
        assert closed, "a query trickled in one octet at a time was never cut"
        assert time.monotonic() - start < 8
        assert "event=dns_tcp_closed" in reg.read_log() and "reason=query_timeout" in reg.read_log()
    finally:
        reg.stop()


def test_idle_connection_is_closed(tmp_path):
    reg = Registry(tmp_path, extra={"dns_tcp_idle": "1s"}).start()
    try:
        s = connect(reg, "127.0.0.80")
        assert ask(s, reg)                 # one query, then nothing
        start = time.monotonic()
        assert closed_by_server(s, 10)
        assert 0.5 < time.monotonic() - start < 5
        s2 = connect(reg, "127.0.0.80")
        assert closed_by_server(s2, 10)    # never asking anything: closed too
        assert wait_for(lambda: "reason=idle" in reg.read_log())
    finally:
        reg.stop()
