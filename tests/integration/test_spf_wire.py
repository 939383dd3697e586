"""The openspf RFC 7208 suite over the wire: every case of
../shared/testdata/spf/rfc7208-tests.yml evaluated by `vouchctl spf`
(spf_check_start() on an event loop, vouchd's own entry point, and its
libunbound resolver) against a real DNS server on loopback serving the
case's group zone data. tests/unit/test_spf_suite.c runs the same cases
through the in-memory backend; both must pass every case.

Each case runs four ways:

  nsd-udp   NSD serves the group as a root zone file; a dnsserver front
            relays every query to it unchanged and answers only what a
            zone file cannot say (TIMEOUT names go unanswered, a TXT of
            length 0, duplicate records);
  nsd-tcp   the same, but the front answers every UDP query truncated
            (TC), so libunbound asks again over TCP and NSD answers there;
  exact-udp the dnsserver answers everything itself, records exactly as
            the suite gives them: in order, duplicates kept, names in the
            case they are written;
  exact-tcp the same, every answer over TCP after truncation.

Every way must give a result the suite accepts, and exactly the result
(and, for a fail, the explanation) the in-memory run gives for that case:
where the suite accepts several results, the wire may not pick another
one than memory does. The in-memory outcomes come from the unit test's own
binary (test_spf_suite with VOUCH_SPF_SUITE_VERBOSE=1), run once.

Each way has a front server of its own, and the ways of a case run at
the same time (a name that never answers then costs its wait once per
case, not once per way). A failure names the group, case and way, and
shows the queries vouch made (vouchctl's query lines) and what that way's
server was asked and answered.

VOUCH_SPF_WIRE_WAYS=nsd-udp,exact-tcp (say) runs only some ways. Under
ASan/UBSan (VOUCH_SANITIZED=1, set by CTest in that build) the default is
nsd-tcp and exact-udp: both servers and both transports, in half the time;
the plain build runs all four.
"""
import os
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor

import dns.name
import dns.rdatatype
import pytest

import paths
import spfsuite
from dnsserver import DnsServer
from nsd import Nsd

WAYS = ["nsd-udp", "nsd-tcp", "exact-udp", "exact-tcp"]
if paths.SANITIZED:
    WAYS = ["nsd-tcp", "exact-udp"]
if os.environ.get("VOUCH_SPF_WIRE_WAYS"):
    WAYS = [w for w in os.environ["VOUCH_SPF_WIRE_WAYS"].split(",") if w in WAYS]

GROUPS = spfsuite.load()
PARAMS = [pytest.param(g.gi, c, id=c.id) for g in GROUPS for c in g.cases]

# A query that gets no answer (TIMEOUT) costs this long; a real answer
# from loopback comes in milliseconds, and libunbound sends a query again
# after its first 376 ms, so 2 s leaves a loaded machine room.
DNS_TIMEOUT = "2s"


class World:
    """A front server per way for the whole module; one NSD per group,
    started when the group's first case runs and stopped when the next
    group's does (the suite's groups reuse names with different data)."""

    def __init__(self, tmp):
        self.tmp = tmp
        self.fronts = {way: DnsServer().start() for way in WAYS}
        self.nsd = None
        self.gi = None
        self.conf = os.path.join(tmp, "vouch.conf")
        with open(self.conf, "w") as f:
            f.write(f"dns_timeout = {DNS_TIMEOUT}\n"
                    "spf_default_explanation = DEFAULT\n")

    def serve(self, gi):
        if self.gi == gi:
            return
        zone = GROUPS[gi].zone()
        self.stop_nsd()
        if any(way.startswith("nsd") for way in WAYS):
            self.nsd = Nsd(os.path.join(self.tmp, f"g{gi}"), {".": zone.zone_file()})
            self.nsd.start()
        for way, front in self.fronts.items():
            front.set_zone(zone, truncate=way.endswith("tcp"),
                           backend=self.nsd.address if way.startswith("nsd") else None)
        self.gi = gi

    def stop_nsd(self):
        if self.nsd:
            self.nsd.stop()
        self.nsd = None

    def stop(self):
        self.stop_nsd()
        for front in self.fronts.values():
            front.stop()


@pytest.fixture(scope="module")
def in_memory():
    """{case id: (result, explanation)} from the in-memory suite run."""
    binary = os.path.join(paths.BUILD, "tests", "unit", "test_spf_suite")
    env = dict(os.environ, VOUCH_SHARED=paths.SHARED, VOUCH_SPF_SUITE_VERBOSE="1")
    p = subprocess.run([binary], capture_output=True, text=True, env=env, timeout=300,
                       errors="replace")
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r'^(.*) -> (\w+) \[.*\] lookups=\d+ voids=\d+ queries=\d+ exp="(.*)"$', line)
        if m:
            out[m.group(1)] = (m.group(2), m.group(3))
    assert len(out) == sum(len(g.cases) for g in GROUPS), p.stdout[-2000:] + p.stderr[-2000:]
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    w = World(str(tmp_path_factory.mktemp("spfwire")))
    yield w
    w.stop()


def evaluate(world, way, case):
    """vouchctl spf for one case one way: (result, line 2, query lines,
    what the way's server saw)."""
    front = world.fronts[way]
    mark = front.mark()
    cmd = [paths.VOUCHCTL, "-c", world.conf, "spf", "--ip", case.host,
           "--sender", case.mailfrom, "--helo", case.helo,
           "--resolver", front.address, "--receiver", "receiver.example.org"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120, errors="replace")
    assert p.returncode == 0, f"{cmd}: exit {p.returncode}\n{p.stderr}"
    lines = p.stdout.splitlines()
    assert len(lines) >= 2, p.stdout
    return lines[0], lines[1], lines[2:], front.queries_since(mark)


def check_server(way, seen, zone):
    """The way was the one taken. Over UDP nothing went to TCP unless an
    answer was too long for UDP; over TCP every UDP query was truncated
    and asked again over TCP. In the NSD ways NSD answered everything but
    what the front holds back (TIMEOUT names, records a zone file cannot
    hold)."""
    key = lambda q: (q.qname.lower(), q.qtype)  # noqa: E731
    udp = [q for q in seen if q.transport == "udp"]
    tcp = [q for q in seen if q.transport == "tcp"]
    if way.endswith("tcp"):
        assert all(q.action == "truncate" for q in udp), seen
        assert {key(q) for q in udp} <= {key(q) for q in tcp}, seen
    else:
        too_long = {key(q) for q in udp if q.action == "truncate"}
        assert all(key(q) in too_long for q in tcp), seen
    if way.startswith("nsd"):
        for q in seen:
            if q.action == "answer":
                wire = dns.name.from_text(q.qname).to_wire()
                assert zone.special(wire, dns.rdatatype.from_text(q.qtype)) == "local", q


@pytest.mark.parametrize("gi,case", PARAMS)
def test_case(world, in_memory, gi, case):
    world.serve(gi)
    with ThreadPoolExecutor(len(WAYS)) as pool:
        runs = dict(zip(WAYS, pool.map(lambda way: evaluate(world, way, case), WAYS)))
    mem_result, mem_exp = in_memory[case.id]
    for way, (result, line2, queries, seen) in runs.items():
        detail = "\n".join([f"{case.id} ({way}, RFC 7208 {case.spec}): got {result}, "
                            f"expected {' or '.join(case.results)}; in memory {mem_result}",
                            f"  {line2}", "  vouch asked:"] +
                           [f"    {q}" for q in queries] + ["  the server saw:"] +
                           [f"    {q!r}" for q in seen])
        assert result in case.results, detail
        if case.explanation is not None and result == "fail":
            assert line2 == case.explanation, detail
        assert result == mem_result, detail
        if result == "fail":
            assert line2 == mem_exp, detail
        check_server(way, seen, world.fronts[way].zone)
