"""`vouchctl spf` against a real NSD serving test zones: every SPF result
through libunbound forwarding to 127.0.0.1 (PEERS.md), including include,
redirect, exp=, mx, a, ptr (127.in-addr.arpa made transparent), TXT records
split into several strings, and temperror from a SERVFAIL zone and from a
resolver that never answers."""
import os
import socket
import subprocess

import pytest

import paths
from nsd import Nsd, txt, zone

LONG_SPF = "v=spf1 " + " ".join(f"ip4:198.51.100.{i}" for i in range(1, 21)) + \
    " ip4:192.0.2.77 -all"

SPF_ZONE = zone("spf.test", [
    'pass TXT "v=spf1 ip4:192.0.2.10 -all"',
    'soft TXT "v=spf1 ip4:192.0.2.10 ~all"',
    'neutral TXT "v=spf1 ?all"',
    "nospf A 192.0.2.1",
    'other TXT "not an spf record"',
    'perm TXT "v=spf1 ip4:192.0.2.10 -all moo"',
    'inc TXT "v=spf1 include:pass.spf.test -all"',
    'redir TXT "v=spf1 redirect=pass.spf.test"',
    'exp TXT "v=spf1 -all exp=why.%{d2}"',
    "why TXT \"%{i} is not one of %{d}'s senders (asked by %{r})\"",
    'mx TXT "v=spf1 mx -all"',
    "mx MX 10 mail",
    "mail A 192.0.2.25",
    "mail AAAA 2001:db8::25",
    'a TXT "v=spf1 a:host.spf.test/24 -all"',
    "host A 192.0.2.30",
    'ptr TXT "v=spf1 ptr:spf.test -all"',
    "host127 A 127.0.0.5",
    'temp TXT "v=spf1 include:x.broken.test -all"',
    f"long TXT {txt(LONG_SPF)}",
    'helo TXT "v=spf1 a -all"',
    "helo A 192.0.2.40",
])

# A zone NSD cannot load: it answers SERVFAIL for it.
BROKEN_ZONE = zone("broken.test", ['x TXT "unterminated'])
REVERSE_127 = zone("0.0.127.in-addr.arpa", ["5 PTR host127.spf.test."],
                   ns="ns.spf.test.")


@pytest.fixture(scope="module")
def ns(tmp_path_factory):
    d = tmp_path_factory.mktemp("spfdns")
    with Nsd(d, {"spf.test": SPF_ZONE, "broken.test": BROKEN_ZONE,
                 "0.0.127.in-addr.arpa": REVERSE_127}) as n:
        yield n


def spf(ns_or_addr, ip, sender, helo="client.example", *extra, config=None):
    addr = ns_or_addr if isinstance(ns_or_addr, str) else ns_or_addr.address
    cmd = [paths.VOUCHCTL]
    if config:
        cmd += ["-c", config]
    cmd += ["spf", "--ip", ip, "--sender", sender, "--helo", helo, "--resolver", addr,
            *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) >= 2, p.stdout
    return lines[0], lines[1], lines[2:]


CASES = [
    # id, ip, sender, result, text expected in line 2
    ("pass", "192.0.2.10", "a@pass.spf.test", "pass", "'ip4:192.0.2.10' matched"),
    ("fail", "192.0.2.99", "a@pass.spf.test", "fail",
     "pass.spf.test does not designate 192.0.2.99 as a permitted sender"),
    ("softfail", "192.0.2.99", "a@soft.spf.test", "softfail", "'~all' matched"),
    ("neutral", "192.0.2.99", "a@neutral.spf.test", "neutral", "'?all' matched"),
    ("none-nodata", "192.0.2.99", "a@nospf.spf.test", "none", "has no SPF record"),
    ("none-other-txt", "192.0.2.99", "a@other.spf.test", "none", "has no SPF record"),
    ("none-nxdomain", "192.0.2.99", "a@nowhere.spf.test", "none", "has no SPF record"),
    ("permerror", "192.0.2.10", "a@perm.spf.test", "permerror", "unknown mechanism"),
    ("include", "192.0.2.10", "a@inc.spf.test", "pass", "'include:pass.spf.test' matched"),
    ("include-fail", "192.0.2.11", "a@inc.spf.test", "fail", "inc.spf.test does not designate"),
    ("redirect", "192.0.2.10", "a@redir.spf.test", "pass", "in the record of pass.spf.test"),
    ("redirect-fail", "192.0.2.12", "a@redir.spf.test", "fail",
     "redir.spf.test does not designate 192.0.2.12"),
    ("exp", "192.0.2.99", "a@exp.spf.test", "fail",
     "192.0.2.99 is not one of exp.spf.test's senders (asked by receiver.test)"),
    ("mx-v4", "192.0.2.25", "a@mx.spf.test", "pass", "'mx' matched"),
    ("mx-v6", "2001:db8::25", "a@mx.spf.test", "pass", "'mx' matched"),
    ("mx-fail", "192.0.2.26", "a@mx.spf.test", "fail", "does not designate"),
    ("a-cidr", "192.0.2.31", "a@a.spf.test", "pass", "'a:host.spf.test/24' matched"),
    ("a-fail", "192.0.3.31", "a@a.spf.test", "fail", "does not designate"),
    ("ptr-127", "127.0.0.5", "a@ptr.spf.test", "pass", "'ptr:spf.test' matched"),
    ("ptr-fail", "127.0.0.6", "a@ptr.spf.test", "fail", "does not designate"),
    ("long-record", "192.0.2.77", "a@long.spf.test", "pass", "'ip4:192.0.2.77' matched"),
    ("temperror-servfail", "192.0.2.10", "a@x.broken.test", "temperror", "SERVFAIL"),
    ("temperror-include", "192.0.2.10", "a@temp.spf.test", "temperror",
     "include:x.broken.test"),
]


@pytest.mark.parametrize("name,ip,sender,result,text", CASES, ids=[c[0] for c in CASES])
def test_result(ns, name, ip, sender, result, text):
    got, line2, queries = spf(ns, ip, sender, "client.example", "--receiver", "receiver.test")
    assert got == result, (line2, queries)
    assert text in line2, line2
    assert queries and all(q.startswith("query ") for q in queries), queries


def test_queries_listed(ns):
    got, _, queries = spf(ns, "192.0.2.25", "a@mx.spf.test")
    assert got == "pass"
    assert queries == [
        "query TXT mx.spf.test answer 1",
        "query MX mx.spf.test answer 1",
        "query A mail.spf.test answer 1",
    ]


def test_helo_identity_and_null_sender(ns):
    got, line2, _ = spf(ns, "192.0.2.40", "someone@pass.spf.test", "helo.spf.test",
                        "--identity", "helo")
    assert got == "pass" and "helo.spf.test" in line2
    # RFC 7208 2.4: the null sender is checked as postmaster@HELO.
    got, line2, queries = spf(ns, "192.0.2.41", "", "helo.spf.test")
    assert got == "fail"
    assert "helo.spf.test does not designate 192.0.2.41" in line2
    assert queries[0] == "query TXT helo.spf.test answer 1"


def test_known_table_skips_dns(ns, tmp_path):
    conf = tmp_path / "vouch.conf"
    conf.write_text("spf_known = pass.spf.test=softfail@192.0.2.0/24\n")
    got, line2, queries = spf(ns, "192.0.2.99", "a@pass.spf.test", config=str(conf))
    assert got == "softfail"
    assert "local table" in line2
    assert queries == []


def test_temperror_when_the_resolver_never_answers(tmp_path):
    # A forwarder that swallows every query: the client's timeout decides.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sink:
        sink.bind(("127.0.0.1", 0))
        addr = "127.0.0.1:%d" % sink.getsockname()[1]
        conf = tmp_path / "vouch.conf"
        conf.write_text("dns_timeout = 1s\n")
        got, line2, queries = spf(addr, "192.0.2.10", "a@pass.spf.test", config=str(conf))
    assert got == "temperror"
    assert "timeout" in line2
    assert queries == ["query TXT pass.spf.test tempfail timeout"]


def test_usage_errors():
    for args in (["spf"], ["spf", "--ip", "1.2.3.4", "--helo", "h"],
                 ["spf", "--ip", "not-an-ip", "--sender", "a@b.c", "--helo", "h"],
                 ["spf", "--ip", "1.2.3.4", "--sender", "a@b.c", "--helo", "h", "--identity",
                  "x"]):
        p = subprocess.run([paths.VOUCHCTL, *args], capture_output=True, text=True)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert p.stdout == ""
