"""The DNS checks other than SPF over the wire: the HELO checks
(`vouchctl helo`: forward-confirmed HELO name, forward-confirmed reverse
DNS), DNS block and allow lists (`vouchctl dnsbl`) and the registrar
zones (`vouchctl register`), each through vouch's libunbound resolver
against the same servers as the SPF suite's wire run
(test_spf_wire.py): NSD behind the dnsserver front, and the front alone
answering exactly; each over UDP and over TCP after truncation, each way
with a front of its own and all four at once. Every way must print the
very same thing, but for the case of names in answers:
NSD writes a name in rdata in the case it first read that name in the zone
file (the PTR target Second.Example.COM comes back as the owner
second.example.com), and libunbound, which compresses the answer it hands
over case-insensitively, gives "Second.example.com" for what the exact
server sent as Second.Example.COM after stale.example.com. DNS allows
both (names compare case-insensitively, RFC 4343), and so must vouch:
names are compared without case.

The world is what the in-memory unit tests (tests/unit/auth/test_helo.c,
test_dnslist.c, test_register.c) check, and what the in-memory backend
used to be friendlier about: several PTR names, names in other cases than
their records, a PTR behind a CNAME (RFC 2317), an answer that comes
later than the one asked after it, queries never answered, duplicate
records, a TXT of no strings, empty non-terminals, records in order.
"""
import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import dns.name
import dns.rdatatype
import pytest

import paths
from dnsserver import DnsServer, Zone
from nsd import Nsd

WAYS = ["nsd-udp", "nsd-tcp", "exact-udp", "exact-tcp"]


def world_zone():
    z = Zone()
    for line in [
        # HELO: forward-confirmed name, several PTR names
        "mail.example.com A 192.0.2.10",
        "mail.example.com AAAA 2001:db8::10",
        "10.2.0.192.in-addr.arpa PTR mail.example.com.",
        "11.2.0.192.in-addr.arpa PTR stale.example.com.",
        "11.2.0.192.in-addr.arpa PTR Second.Example.COM.",
        "stale.example.com A 192.0.2.99",
        "second.example.com A 192.0.2.11",
        "12.2.0.192.in-addr.arpa PTR slow.example.com.",
        "12.2.0.192.in-addr.arpa PTR fast.example.com.",
        "slow.example.com A 192.0.2.12",
        "fast.example.com A 192.0.2.12",
        "13.2.0.192.in-addr.arpa CNAME 13.0/25.2.0.192.in-addr.arpa.",
        "13.0/25.2.0.192.in-addr.arpa PTR classless.example.com.",
        "classless.example.com A 192.0.2.13",
        "14.2.0.192.in-addr.arpa PTR silent.example.com.",
        "14.2.0.192.in-addr.arpa PTR ok14.example.com.",
        "ok14.example.com A 192.0.2.14",
        "15.2.0.192.in-addr.arpa PTR silent.example.com.",
        "upper.example.com A 192.0.2.16",
        "16.2.0.192.in-addr.arpa PTR UPPER.EXAMPLE.COM.",
        "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa "
        "PTR mail.example.com.",
        # DNS lists (RFC 5782)
        "99.2.0.192.bl.test A 127.0.0.2",
        "99.2.0.192.bl.test A 127.0.0.2",
        "99.2.0.192.bl.test A 127.0.0.4",
        '99.2.0.192.bl.test TXT "listed for spam" "," " see https://bl.test/"',
        '99.2.0.192.bl.test TXT "a second reason"',
        "98.2.0.192.bl.test A 127.0.0.10",
        "96.2.0.192.bl.test A 10.0.0.1",
        '95.2.0.192.bl.test TXT "a reason without an A record"',
        "94.2.0.192.bl.test A 127.0.0.3",
        "0.1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test "
        "A 127.0.0.2",
        "10.2.0.192.wl.test A 127.0.0.2",
        # registrar zone (docs/registry.md)
        "mx1.example.com.reg.test A 127.0.0.2",
        'mx1.example.com.reg.test TXT "an old record"',
        'mx1.example.com.reg.test TXT "v=vouch1; class=isp; " "since=2026-11-23; sponsors=2"',
        "bad.example.com.reg.test A 127.0.0.3",
        'bad.example.com.reg.test TXT "v=vouch1; class=bulk; since=2025-01-02; sponsors=0"',
        "odd.example.com.reg.test A 127.0.0.9",
        "25.2.0.192.ip.reg.test A 127.0.0.2",
        '25.2.0.192.ip.reg.test TXT "v=vouch1; host=mx1.example.com"',
        '25.2.0.192.ip.reg.test TXT "v=vouch1; host=mx2.example.com"',
    ]:
        name, rtype, rdata = line.split(" ", 2)
        z.add(name, rtype, rdata)
    z.add_txt("94.2.0.192.bl.test", [])          # a TXT of no strings
    z.add_timeout("silent.example.com")
    z.add_timeout("97.2.0.192.bl.test")
    z.add_timeout("slow.example.com.reg.test")
    # the first PTR name's address answer comes after the second's
    z.add_delay("slow.example.com", 0.05)
    # eleven PTR names, only the last resolves back: past the bound of 10
    for i in range(1, 12):
        z.add("17.2.0.192.in-addr.arpa", "PTR", f"n{i}.example.com.")
        z.add(f"n{i}.example.com", "A", "192.0.2.17" if i == 11 else "192.0.2.200")
    return z


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("checkswire"))
    zone = world_zone()
    ns = Nsd(os.path.join(tmp, "nsd"), {".": zone.zone_file()})
    ns.start()
    # a front per way; the ways of a case run at the same time
    fronts = {way: DnsServer(zone, truncate=way.endswith("tcp"),
                             backend=ns.address if way.startswith("nsd") else None).start()
              for way in WAYS}
    conf = os.path.join(tmp, "vouch.conf")
    with open(conf, "w") as f:
        # 2 s: never-answered names cost that long; real answers take ms
        f.write("dns_timeout = 2s\nhelo_timeout = 6s\n"
                "dnsbl_zones = BL.Test bl.test=127.0.0.[2..3]\ndnswl_zones = wl.test\n"
                "registrar_zones = reg.test\n")
    yield {"zone": zone, "nsd": ns, "fronts": fronts, "conf": conf}
    for front in fronts.values():
        front.stop()
    ns.stop()


def run_one(world, way, args):
    z = world["zone"]
    front = world["fronts"][way]
    mark = front.mark()
    cmd = [paths.VOUCHCTL, "-c", world["conf"], *args, "--resolver", front.address]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, (way, cmd, p.stderr)
    seen = front.queries_since(mark)
    if way.endswith("tcp"):
        assert seen and all(q.action == "truncate" for q in seen if q.transport == "udp"), \
            (way, seen)
    else:
        assert all(q.transport == "udp" for q in seen), (way, seen)
    if way.startswith("nsd"):
        # NSD answered all but what the front holds back
        for q in seen:
            if q.action == "answer":
                wire = dns.name.from_text(q.qname).to_wire()
                assert z.special(wire, dns.rdatatype.from_text(q.qtype)) == "local", (way, q)
    return p.stdout, seen


def run(world, *args):
    """The command every way at once: {way: (stdout, what its server saw)}."""
    with ThreadPoolExecutor(len(WAYS)) as pool:
        return dict(zip(WAYS, pool.map(lambda way: run_one(world, way, args), WAYS)))


def helo_lines(syntax, literal, forward, fcrdns, verified):
    return [f"syntax {syntax}", f"literal {literal}", f"forward {forward}",
            f"fcrdns {fcrdns}", f"verified {verified}"]


HELO = [
    ("mail.example.com", "192.0.2.10", ("pass", "none", "pass", "pass", "mail.example.com")),
    ("MAIL.Example.Com", "192.0.2.10", ("pass", "none", "pass", "pass", "mail.example.com")),
    # the second PTR name resolves back; the first does not
    ("mail.example.com", "192.0.2.11", ("pass", "none", "fail", "pass", "Second.Example.COM")),
    # the first PTR name in answer order, though its address answer comes last
    ("slow.example.com", "192.0.2.12", ("pass", "none", "pass", "pass", "slow.example.com")),
    ("x.example.com", "192.0.2.13", ("pass", "none", "fail", "pass", "classless.example.com")),
    ("ok14.example.com", "192.0.2.14", ("pass", "none", "pass", "pass", "ok14.example.com")),
    ("silent.example.com", "192.0.2.15", ("pass", "none", "temperror", "temperror", "-")),
    ("Upper.Example.Com", "192.0.2.16", ("pass", "none", "pass", "pass", "UPPER.EXAMPLE.COM")),
    ("n11.example.com", "192.0.2.17", ("pass", "none", "pass", "fail", "-")),
    ("nowhere.example.com", "192.0.2.99", ("pass", "none", "fail", "fail", "-")),
    ("mail.example.com", "2001:db8::10", ("pass", "none", "pass", "pass", "mail.example.com")),
    ("[192.0.2.10]", "192.0.2.10", ("pass", "pass", "none", "pass", "mail.example.com")),
]


@pytest.mark.parametrize("name,ip,want", HELO, ids=[f"{h[0]}@{h[1]}" for h in HELO])
def test_helo(world, name, ip, want):
    want = [x.lower() for x in helo_lines(*want)]
    for way, (out, seen) in run(world, "helo", name, "--ip", ip).items():
        lines = out.splitlines()
        assert [x.lower() for x in lines[:5]] == want, (way, out, seen)
        assert lines[5].startswith("reason "), (way, out)


DNSBL = [
    # duplicates and order kept; the second zone counts only 127.0.0.2-3
    ("192.0.2.99", ["block bl.test listed 127.0.0.2 127.0.0.2 127.0.0.4",
                    "  192.0.2.99 is listed in bl.test (127.0.0.2 127.0.0.2 127.0.0.4): "
                    "listed for spam, see https://bl.test/",
                    "block bl.test listed 127.0.0.2 127.0.0.2 127.0.0.4",
                    "  192.0.2.99 is listed in bl.test (127.0.0.2 127.0.0.2 127.0.0.4): "
                    "listed for spam, see https://bl.test/",
                    "allow wl.test notlisted", "  192.0.2.99 is not listed in wl.test"]),
    ("192.0.2.98", ["block bl.test listed 127.0.0.10",
                    "  192.0.2.98 is listed in bl.test (127.0.0.10)",
                    "block bl.test notlisted 127.0.0.10",
                    "  192.0.2.98 is listed in bl.test as 127.0.0.10, which "
                    "bl.test=127.0.0.[2..3] does not count",
                    "allow wl.test notlisted", "  192.0.2.98 is not listed in wl.test"]),
    ("192.0.2.97", ["block bl.test temperror", "  cannot ask bl.test about 192.0.2.97 "
                    "(DNS: timeout)"] * 2 +
                   ["allow wl.test notlisted", "  192.0.2.97 is not listed in wl.test"]),
    ("192.0.2.96", ["block bl.test temperror 10.0.0.1",
                    "  bl.test answered 10.0.0.1 for 192.0.2.96, outside 127.0.0.0/8 "
                    "(RFC 5782 2.1): broken list or rewritten answer"] * 2 +
                   ["allow wl.test notlisted", "  192.0.2.96 is not listed in wl.test"]),
    ("192.0.2.95", ["block bl.test temperror", "  bl.test gave no A record and no NXDOMAIN "
                    "for 192.0.2.95 (RFC 5782 2.1)"] * 2 +
                   ["allow wl.test notlisted", "  192.0.2.95 is not listed in wl.test"]),
    # listed, and its TXT record holds no strings: an empty reason
    ("192.0.2.94", ["block bl.test listed 127.0.0.3",
                    "  192.0.2.94 is listed in bl.test (127.0.0.3): "] * 2 +
                   ["allow wl.test notlisted", "  192.0.2.94 is not listed in wl.test"]),
    ("192.0.2.10", ["block bl.test notlisted", "  192.0.2.10 is not listed in bl.test"] * 2 +
                   ["allow wl.test listed 127.0.0.2",
                    "  192.0.2.10 is listed in wl.test (127.0.0.2)"]),
    ("2001:db8::10", ["block bl.test listed 127.0.0.2",
                      "  2001:db8::10 is listed in bl.test (127.0.0.2)"] * 2 +
                     ["allow wl.test notlisted", "  2001:db8::10 is not listed in wl.test"]),
]


@pytest.mark.parametrize("ip,want", DNSBL, ids=[d[0] for d in DNSBL])
def test_dnsbl(world, ip, want):
    for way, (out, seen) in run(world, "dnsbl", ip).items():
        assert out.splitlines() == want, (way, out, seen)


REGISTER = [
    ("mx1.example.com", ["registered", "zone reg.test registered class=isp since=2026-11-23 "
                         "sponsors=2"]),
    ("MX1.Example.COM", ["registered", "zone reg.test registered class=isp since=2026-11-23 "
                         "sponsors=2"]),
    ("bad.example.com", ["suspended", "zone reg.test suspended class=bulk since=2025-01-02 "
                         "sponsors=0"]),
    # above mx1.example.com.reg.test: an empty non-terminal, not registered
    ("example.com", ["unregistered", "zone reg.test unregistered"]),
    ("nobody.example.com", ["unregistered", "zone reg.test unregistered"]),
    ("odd.example.com", ["temperror", "zone reg.test temperror"]),
    ("slow.example.com", ["temperror", "zone reg.test temperror"]),
    ("192.0.2.25", ["registered", "zone reg.test registered host=mx1.example.com "
                    "host=mx2.example.com"]),
]


@pytest.mark.parametrize("query,want", REGISTER, ids=[r[0] for r in REGISTER])
def test_register(world, query, want):
    for way, (out, seen) in run(world, "register", query).items():
        lines = out.splitlines()
        assert len(lines) == 3, (way, out)
        assert [lines[0], lines[2]] == want, (way, out, seen)
