"""The registry's DNS server answered with dnspython over UDP and TCP:
the DESIGN 5.3 records, NXDOMAIN and NODATA with the SOA, REFUSED
outside the zone, EDNS, a serial that grows on every change, AXFR and
IXFR to allowed clients only (matching `vouch-registry export`), and
NOTIFY sent and re-sent to a configured secondary."""
import re
import socket
import struct
import time

import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.query
import dns.rcode
import dns.rdatatype
import dns.zone
import pytest

from registry_runner import Registry, application, wait_for


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    work = tmp_path_factory.mktemp("zone")
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    notify_port = sink.getsockname()[1]
    sink.settimeout(5)
    r = Registry(work, extra={"allow_transfer": "127.0.0.1",
                              "notify": "127.0.0.1:%d" % notify_port,
                              "notify_retry": "1s"})
    r.notify_sink = sink
    r.start()
    for name, addr in (("mx.active.test", "127.0.0.41"), ("mx.susp.test", "127.0.0.42"),
                       ("mx.v6.test", "2001:db8::42")):
        st, _ = r.api("POST", "/api/applications", application(name, [addr]))
        assert st == 201
        r.cli("server", "approve", name, "-f")
    r.cli("server", "suspend", "mx.susp.test", "-r", "test")
    st, _ = r.api("POST", "/api/applications", application("mx.pending.test", ["127.0.0.43"]))
    assert wait_for(lambda: r.a_record("mx.susp.test") == "127.0.0.3")
    yield r
    r.stop()
    sink.close()


@pytest.mark.parametrize("tcp", [False, True])
def test_records(reg, tcp):
    z = reg.zone
    r = reg.query("mx.active.test." + z, "A", tcp=tcp)
    assert r.flags & dns.flags.AA and not r.flags & dns.flags.RA
    assert r.answer[0][0].address == "127.0.0.2"
    assert r.answer[0].ttl == 300
    assert reg.a_record("mx.susp.test", tcp=tcp) == "127.0.0.3"
    assert reg.a_record("mx.pending.test", tcp=tcp) is None  # applied: not published
    r = reg.query("mx.susp.test." + z, "TXT", tcp=tcp)
    txt = r.answer[0][0].strings[0].decode()
    assert re.fullmatch(r"v=vouch1; class=isp; since=\d{4}-\d{2}-\d{2}; sponsors=0", txt)
    r = reg.query("41.0.0.127.ip." + z, "A", tcp=tcp)
    assert r.answer[0][0].address == "127.0.0.2"
    r = reg.query("41.0.0.127.ip." + z, "TXT", tcp=tcp)
    assert r.answer[0][0].strings[0] == b"v=vouch1; host=mx.active.test"
    rev = ".".join(reversed("20010db8000000000000000000000042")) + ".ip." + z
    assert reg.query(rev, "A", tcp=tcp).answer[0][0].address == "127.0.0.2"
    assert reg.query("42.0.0.127.ip." + z, "A", tcp=tcp).answer[0][0].address == "127.0.0.3"


def test_negative_answers(reg):
    z = reg.zone
    r = reg.query("nobody.test." + z, "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.authority[0].rdtype == dns.rdatatype.SOA
    r = reg.query("ip." + z, "A")  # empty non-terminal
    assert r.rcode() == dns.rcode.NOERROR and not r.answer
    r = reg.query("mx.active.test." + z, "AAAA")
    assert r.rcode() == dns.rcode.NOERROR and not r.answer and r.authority
    r = reg.query("www.example.com", "A")
    assert r.rcode() == dns.rcode.REFUSED
    r = reg.query(z, "NS")
    assert sorted(str(x.target) for x in r.answer[0]) == ["ns1.example.net.", "ns2.example.net."]


def test_edns(reg):
    q = dns.message.make_query("mx.active.test." + reg.zone, "A", use_edns=0, payload=4096)
    r = dns.query.udp(q, "127.0.0.1", port=reg.dns_port, timeout=3)
    assert r.edns == 0 and r.payload == 1232
    q = dns.message.make_query("mx.active.test." + reg.zone, "A")
    q.use_edns(edns=1, payload=1232)
    r = dns.query.udp(q, "127.0.0.1", port=reg.dns_port, timeout=3)
    assert r.rcode() == dns.rcode.BADVERS
    # a query with the QR bit set is not answered
    q = dns.message.make_query(reg.zone, "SOA")
    wire = bytearray(q.to_wire())
    wire[2] |= 0x80
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(0.5)
    s.sendto(bytes(wire), ("127.0.0.1", reg.dns_port))
    with pytest.raises(socket.timeout):
        s.recvfrom(512)
    s.close()


def test_serial_grows(reg):
    s0 = reg.serial()
    reg.cli("server", "reinstate", "mx.susp.test", "-r", "serial test")
    assert wait_for(lambda: reg.serial() > s0)
    s1 = reg.serial()
    reg.cli("server", "suspend", "mx.susp.test", "-r", "serial test")
    assert wait_for(lambda: reg.serial() > s1)
    assert wait_for(lambda: reg.a_record("mx.susp.test") == "127.0.0.3")


def test_axfr_matches_export(reg):
    xfr = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", reg.zone, port=reg.dns_port, timeout=5))
    exported = dns.zone.from_text(reg.cli("export").stdout, origin=reg.zone, relativize=True)
    assert xfr.to_text() == exported.to_text()
    names = {str(n) for n in xfr.nodes}
    assert {"@", "mx.active.test", "mx.susp.test", "41.0.0.127.ip"} <= names
    assert "mx.pending.test" not in names
    assert xfr.get_soa().serial == reg.serial()


def test_axfr_refused_elsewhere(reg):
    with pytest.raises(dns.query.TransferError):
        dns.zone.from_xfr(dns.query.xfr("127.0.0.1", reg.zone, port=reg.dns_port, timeout=5,
                                        source="127.0.0.9"))
    q = dns.message.make_query(reg.zone, "AXFR")
    r = dns.query.udp(q, "127.0.0.1", port=reg.dns_port, timeout=3)
    assert r.rcode() in (dns.rcode.FORMERR, dns.rcode.REFUSED)


def tcp_messages(reg, q, limit=200, single=False):
    """Send q over TCP and read responses: one (single) or up to the SOA
    that closes a transfer. The timeout is a bound on a loaded machine,
    not the way the end is found."""
    s = socket.create_connection(("127.0.0.1", reg.dns_port), timeout=30)
    w = q.to_wire()
    s.sendall(struct.pack("!H", len(w)) + w)
    out = []
    try:
        while len(out) < limit:
            hdr = s.recv(2, socket.MSG_WAITALL)
            if len(hdr) < 2:
                break
            (n,) = struct.unpack("!H", hdr)
            out.append(dns.message.from_wire(s.recv(n, socket.MSG_WAITALL), xfr=True,
                                             one_rr_per_rrset=True))
            if single:
                break
            if len(out[-1].answer) and out[-1].answer[-1].rdtype == dns.rdatatype.SOA and \
                    sum(len(m.answer) for m in out) > 1:
                break
    except socket.timeout:
        pass
    s.close()
    return out


def test_ixfr(reg):
    serial = reg.serial()
    q = dns.message.make_query(reg.zone, "IXFR")
    soa = dns.rrset.from_text(reg.zone + ".", 0, "IN", "SOA",
                              "ns1.example.net. h.example.net. %d 1 1 1 1" % serial)
    q.authority.append(soa)
    msgs = tcp_messages(reg, q, single=True)
    assert len(msgs) == 1 and len(msgs[0].answer) == 1  # up to date: just the SOA
    # Serials are the time of the change (reg_db_bump_serial), so "serial -
    # 5" can be one the server remembers when the fixture's changes took
    # seconds (a loaded machine): ask with a serial older than this run.
    q.authority[0] = dns.rrset.from_text(reg.zone + ".", 0, "IN", "SOA",
                                         "ns1.example.net. h.example.net. %d 1 1 1 1" % (serial - 100000))
    msgs = tcp_messages(reg, q)
    rrs = [rr for m in msgs for rr in m.answer]
    assert rrs[0].rdtype == dns.rdatatype.SOA and rrs[-1].rdtype == dns.rdatatype.SOA
    assert len(rrs) > 8  # the whole zone, AXFR style (RFC 1995 4)

    # a serial the server still remembers: only the difference
    reg.cli("server", "reinstate", "mx.susp.test", "-r", "ixfr test")
    assert wait_for(lambda: reg.serial() > serial)
    new = reg.serial()
    q.authority[0] = dns.rrset.from_text(reg.zone + ".", 0, "IN", "SOA",
                                         "ns1.example.net. h.example.net. %d 1 1 1 1" % serial)
    rrs = [rr for m in tcp_messages(reg, q) for rr in m.answer]
    kinds = [(str(r.name), r.rdtype, r[0].serial if r.rdtype == dns.rdatatype.SOA else r[0].to_text())
             for r in rrs]
    z = reg.zone + "."
    assert kinds[0] == (z, dns.rdatatype.SOA, new)
    assert kinds[1] == (z, dns.rdatatype.SOA, serial)
    assert sorted(kinds[2:4]) == sorted([("mx.susp.test." + z, dns.rdatatype.A, "127.0.0.3"),
                                         ("42.0.0.127.ip." + z, dns.rdatatype.A, "127.0.0.3")])
    assert kinds[4] == (z, dns.rdatatype.SOA, new)
    assert sorted(kinds[5:7]) == sorted([("mx.susp.test." + z, dns.rdatatype.A, "127.0.0.2"),
                                         ("42.0.0.127.ip." + z, dns.rdatatype.A, "127.0.0.2")])
    assert kinds[7] == (z, dns.rdatatype.SOA, new) and len(kinds) == 8
    assert "mode=incremental" in reg.read_log()
    reg.cli("server", "suspend", "mx.susp.test", "-r", "ixfr test done")
    assert wait_for(lambda: reg.a_record("mx.susp.test") == "127.0.0.3")


def test_notify(reg):
    sink = reg.notify_sink
    sink.settimeout(5)
    before = reg.serial()
    reg.cli("server", "reinstate", "mx.susp.test", "-r", "notify test")
    assert wait_for(lambda: reg.serial() != before, timeout=10)
    serial = reg.serial()

    def next_notify():
        """The next NOTIFY for the new serial. NOTIFYs of the set-up's
        serials may still be on their way (retransmitted every second
        until the new serial replaced them): they are not this one."""
        while True:
            data, peer = sink.recvfrom(4096)
            m = dns.message.from_wire(data)
            assert m.opcode() == dns.opcode.NOTIFY and m.flags & dns.flags.AA
            assert str(m.question[0].name) == reg.zone + "."
            assert m.question[0].rdtype == dns.rdatatype.SOA
            if m.answer[0][0].serial == serial:
                return m, peer

    m, peer = next_notify()
    # not answered: it comes again with the same id (RFC 1996 3.6)
    m2, _ = next_notify()
    assert m2.id == m.id
    # answered: no more
    resp = dns.message.make_response(m2)
    sink.sendto(resp.to_wire(), peer)
    assert wait_for(lambda: "event=notify_acked" in reg.read_log(), timeout=5)
    sink.settimeout(1.5)
    with pytest.raises(socket.timeout):
        sink.recvfrom(4096)
