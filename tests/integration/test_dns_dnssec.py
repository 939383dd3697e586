"""vouch's DNS client against a real NSD serving a DNSSEC-signed zone
(signed in the test with dnspython) and an unsigned one, with the signed
zone's DS as trust anchor: answers carry their DNSSEC state (secure,
insecure), tampered data is bogus and a temporary failure, and SPF over a
bogus record is temperror. Checked through `vouchctl dns` and `vouchctl spf`."""
import subprocess

import pytest

import paths
from dnssec import sign_zone
from nsd import Nsd, zone

SIGNED = zone("signed.test", [
    'ok TXT "v=spf1 ip4:192.0.2.10 -all"',
    'bad TXT "v=spf1 ip4:192.0.2.10 -all"',
    "host A 192.0.2.10",
    "host AAAA 2001:db8::10",
    "mail MX 10 host",
])
PLAIN = zone("plain.test", ['x TXT "v=spf1 ?all"'])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("dnssec")
    text, anchor = sign_zone(SIGNED, "signed.test",
                             tamper={"bad.signed.test.": 'TXT "v=spf1 +all"'})
    anchor_file = d / "anchor.ds"
    anchor_file.write_text(anchor)
    with Nsd(d, {"signed.test": text, "plain.test": PLAIN}) as ns:
        yield ns, str(anchor_file)


def vouchctl(*args):
    p = subprocess.run([paths.VOUCHCTL, *args], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    return p.stdout.splitlines()


def dns(world, name, rtype, anchor=True):
    ns, anchor_file = world
    extra = ["--trust-anchor", anchor_file] if anchor else []
    return vouchctl("dns", name, rtype, "--resolver", ns.address, *extra)


@pytest.mark.parametrize("name,rtype,first,rest", [
    ("ok.signed.test", "TXT", "answer secure", ['"v=spf1 ip4:192.0.2.10 -all"']),
    ("host.signed.test", "A", "answer secure", ["192.0.2.10"]),
    ("host.signed.test", "AAAA", "answer secure", ["2001:db8::10"]),
    ("mail.signed.test", "MX", "answer secure", ["10 host.signed.test"]),
    ("nowhere.signed.test", "A", "nxdomain secure", []),
    ("host.signed.test", "MX", "nodata secure", []),
    ("x.plain.test", "TXT", "answer insecure", ['"v=spf1 ?all"']),
])
def test_states(world, name, rtype, first, rest):
    out = dns(world, name, rtype)
    assert out[0] == first
    assert out[1:] == rest


def test_bogus_is_a_temporary_failure(world):
    out = dns(world, "bad.signed.test", "TXT")
    assert out[0] == "tempfail bogus"
    assert "DNSSEC bogus" in out[1]
    assert len(out) == 2      # the tampered record is not handed out


def test_without_anchor_everything_is_insecure(world):
    assert dns(world, "ok.signed.test", "TXT", anchor=False)[0] == "answer insecure"
    # Without validation the tampered record is just data.
    assert dns(world, "bad.signed.test", "TXT", anchor=False)[1] == '"v=spf1 +all"'


def test_spf_over_dnssec(world, tmp_path):
    ns, anchor_file = world
    conf = tmp_path / "vouch.conf"
    conf.write_text(f"dns_trust_anchor = {anchor_file}\n")
    out = vouchctl("-c", str(conf), "spf", "--ip", "192.0.2.10", "--sender",
                   "a@ok.signed.test", "--helo", "h.example", "--resolver", ns.address)
    assert out[0] == "pass"
    out = vouchctl("-c", str(conf), "spf", "--ip", "192.0.2.10", "--sender",
                   "a@bad.signed.test", "--helo", "h.example", "--resolver", ns.address)
    assert out[0] == "temperror"
    assert "DNSSEC bogus" in out[1]


def test_usage_and_setup_errors(tmp_path):
    for args in (["dns"], ["dns", "a.example", "SOA"], ["dns", "a", "b", "c"]):
        p = subprocess.run([paths.VOUCHCTL, *args], capture_output=True, text=True)
        assert p.returncode == 2, args
    p = subprocess.run([paths.VOUCHCTL, "dns", "a.example", "--trust-anchor",
                        str(tmp_path / "missing.key"), "--resolver", "127.0.0.1:9"],
                       capture_output=True, text=True)
    assert p.returncode == 1 and "dns_trust_anchor" in p.stderr
