"""`vouchctl dmarc` against a real NSD: DMARC policy discovery through the
libunbound backend (forwarding to 127.0.0.1), then the evaluation of the
SPF and DKIM results given on the command line. Aligned and unaligned
SPF and DKIM, relaxed and strict, the organizational domain's record and
its sp=, pct, a missing record, several records, a record split into
several strings, SERVFAIL as temperror, and the DNSSEC state: secure for
a signed zone under a trust anchor, and a tampered record as temperror."""
import subprocess

import pytest

import paths
from dnssec import sign_zone
from nsd import Nsd, txt, zone

LONG = ("v=DMARC1; p=quarantine; rua=" +
        ",".join(f"mailto:r{i}@split.dmarc.test" for i in range(8)) + "; pct=100")

DMARC_ZONE = zone("dmarc.test", [
    '_dmarc TXT "v=DMARC1; p=reject; sp=quarantine; rua=mailto:agg@dmarc.test"',
    '_dmarc.strict TXT "v=DMARC1; p=quarantine; adkim=s; aspf=s"',
    '_dmarc.pct TXT "v=DMARC1; p=reject; pct=10"',
    '_dmarc.multi TXT "v=DMARC1; p=reject"',
    '_dmarc.multi TXT "v=DMARC1; p=none"',
    '_dmarc.nop TXT "v=DMARC1; rua=bogus"',
    '_dmarc.junk TXT "some verification token"',
    '_dmarc.junk TXT "v=DMARC1; p=none; unknown=tag"',
    f"_dmarc.split TXT {txt(LONG)}",
    '_dmarc.own.sub TXT "v=DMARC1; p=none"',
    "mail A 192.0.2.25",
])
NODMARC_ZONE = zone("nodmarc.test", ["www A 192.0.2.80"])
# bücher.test: the zone and its record hold the A-label
IDN_ZONE = zone("xn--bcher-kva.test", ['_dmarc TXT "v=DMARC1; p=reject"'])
# A zone NSD cannot load: it answers SERVFAIL for it.
BROKEN_ZONE = zone("broken.test", ['x TXT "unterminated'])
SIGNED = zone("signed.test", [
    '_dmarc TXT "v=DMARC1; p=reject"',
    '_dmarc.bad TXT "v=DMARC1; p=reject"',
])


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("dmarcdns")
    signed, anchor = sign_zone(SIGNED, "signed.test",
                               tamper={"_dmarc.bad.signed.test.": 'TXT "v=DMARC1; p=none"'})
    anchor_file = d / "anchor.ds"
    anchor_file.write_text(anchor)
    conf = d / "vouch.conf"
    conf.write_text(f"dns_trust_anchor = {anchor_file}\n")
    with Nsd(d, {"dmarc.test": DMARC_ZONE, "nodmarc.test": NODMARC_ZONE,
                 "broken.test": BROKEN_ZONE, "signed.test": signed,
                 "xn--bcher-kva.test": IDN_ZONE}) as ns:
        yield ns, str(conf)


def dmarc(world, *args, anchor=False):
    ns, conf = world
    cmd = [paths.VOUCHCTL]
    if anchor:
        cmd += ["-c", conf]
    cmd += ["dmarc", *args, "--resolver", ns.address]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) >= 4, p.stdout
    return lines


CASES = [
    # id, arguments, result, "policy=... disposition=...", Authentication-Results entry
    ("spf-aligned-relaxed", ["--from", "dmarc.test", "--spf", "pass:bounce.dmarc.test"],
     "pass", "policy=reject disposition=none", "dmarc=pass (p=reject) header.from=dmarc.test"),
    ("spf-unaligned", ["--from", "dmarc.test", "--spf", "pass:mailer.example.net"],
     "fail", "policy=reject disposition=reject", "dmarc=fail (p=reject) header.from=dmarc.test"),
    ("dkim-aligned", ["--from", "dmarc.test", "--spf", "fail:mailer.example.net",
                      "--dkim", "pass:mail.dmarc.test:s1"],
     "pass", "policy=reject disposition=none", "dmarc=pass (p=reject) header.from=dmarc.test"),
    ("dkim-unaligned", ["--from", "dmarc.test", "--dkim", "pass:example.net"],
     "fail", "policy=reject disposition=reject", None),
    ("dkim-aligned-fail", ["--from", "dmarc.test", "--dkim", "fail:dmarc.test"],
     "fail", "policy=reject disposition=reject", None),
    ("from-address", ["--from", "Alice <alice@dmarc.test>", "--spf", "pass:dmarc.test"],
     "pass", "policy=reject disposition=none", None),
    ("strict-dkim-sub", ["--from", "strict.dmarc.test", "--dkim", "pass:dmarc.test"],
     "fail", "policy=quarantine disposition=quarantine",
     "dmarc=fail (p=quarantine) header.from=strict.dmarc.test"),
    ("strict-exact", ["--from", "strict.dmarc.test", "--spf", "pass:strict.dmarc.test"],
     "pass", "policy=quarantine disposition=none", None),
    ("subdomain-sp", ["--from", "a.b.dmarc.test"],
     "fail", "policy=quarantine disposition=quarantine",
     "dmarc=fail (sp=quarantine) header.from=a.b.dmarc.test"),
    ("subdomain-relaxed-pass", ["--from", "a.b.dmarc.test", "--dkim", "pass:dmarc.test"],
     "pass", "policy=quarantine disposition=none", None),
    ("own-record", ["--from", "own.sub.dmarc.test"],
     "fail", "policy=none disposition=none", "dmarc=fail (p=none) header.from=own.sub.dmarc.test"),
    ("pct-applies", ["--from", "pct.dmarc.test", "--sample", "9"],
     "fail", "policy=reject disposition=reject",
     "dmarc=fail (p=reject pct=10) header.from=pct.dmarc.test"),
    ("pct-sampled-out", ["--from", "pct.dmarc.test", "--sample", "10"],
     "fail", "policy=reject disposition=quarantine",
     "dmarc=fail (p=reject pct=10 dis=quarantine) header.from=pct.dmarc.test"),
    ("missing", ["--from", "nodmarc.test", "--spf", "pass:nodmarc.test"],
     "none", "policy=-",
     "dmarc=none (no DMARC record at _dmarc.nodmarc.test) header.from=nodmarc.test"),
    ("missing-sub", ["--from", "www.nodmarc.test"], "none", "policy=-", None),
    ("multiple", ["--from", "multi.dmarc.test"], "permerror", "policy=-", None),
    ("no-policy", ["--from", "nop.dmarc.test"], "permerror", "policy=-", None),
    ("other-txt-ignored", ["--from", "junk.dmarc.test"], "fail",
     "policy=none disposition=none", None),
    ("split-strings", ["--from", "split.dmarc.test"], "fail",
     "policy=quarantine disposition=quarantine", None),
    ("temperror-servfail", ["--from", "x.broken.test", "--spf", "pass:x.broken.test"],
     "temperror", "policy=-", None),
    ("temperror-aligned-spf", ["--from", "dmarc.test", "--spf", "temperror:dmarc.test"],
     "temperror", "policy=reject disposition=none", None),
]


@pytest.mark.parametrize("name,args,result,policy,authres", CASES, ids=[c[0] for c in CASES])
def test_case(world, name, args, result, policy, authres):
    out = dmarc(world, *args)
    assert out[0] == result, out
    assert out[1], out                  # a reason
    assert out[2] == policy, out
    if authres:
        assert out[3] == authres, out
    assert all(q.startswith("query TXT _dmarc.") for q in out if q.startswith("query"))


def test_queries_and_record(world):
    out = dmarc(world, "--from", "a.b.dmarc.test")
    assert [q for q in out if q.startswith("query")] == [
        "query TXT _dmarc.a.b.dmarc.test nxdomain insecure",
        "query TXT _dmarc.dmarc.test answer 1 insecure",
    ]
    assert ("record dmarc.test: v=DMARC1; p=reject; sp=quarantine; pct=100; adkim=r; aspf=r; "
            "fo=0; rf=afrf; ri=86400; rua=mailto:agg@dmarc.test") in out
    # several records at one name: no fallback to the organizational domain
    out = dmarc(world, "--from", "multi.dmarc.test")
    assert "2 DMARC records at _dmarc.multi.dmarc.test" in out[1]
    assert [q for q in out if q.startswith("query")] == [
        "query TXT _dmarc.multi.dmarc.test answer 2 insecure"]
    # a record's notes reach the admin
    out = dmarc(world, "--from", "junk.dmarc.test")
    assert 'notes: unknown tag "unknown" ignored' in out
    # the 8 URIs of the split record were joined and read
    out = dmarc(world, "--from", "split.dmarc.test")
    assert any(l.startswith("record split.dmarc.test:") and "mailto:r7@split.dmarc.test" in l
               for l in out), out
    assert dmarc(world, "--from", "x.broken.test")[1].startswith(
        "DNS failure looking up _dmarc.x.broken.test")


def test_internationalized_from(world):
    # a From in UTF-8 (RFC 6532) is looked up as its A-label: the policy is
    # found, so a forger gets dmarc=fail, not dmarc=none
    out = dmarc(world, "--from", "J\u00f6rg <j\u00f6rg@B\u00fccher.test>",
                "--spf", "pass:evil.example")
    assert out[:4] == ["fail", out[1], "policy=reject disposition=reject",
                       "dmarc=fail (p=reject) header.from=xn--bcher-kva.test"], out
    assert "query TXT _dmarc.xn--bcher-kva.test answer 1 insecure" in out
    # and a signature with d= in either form aligns with it
    for d in ("xn--bcher-kva.test", "mail.b\u00fccher.test"):
        out = dmarc(world, "--from", "j\u00f6rg@b\u00fccher.test", "--dkim", f"pass:{d}")
        assert out[0] == "pass", (d, out)


def test_dnssec_state(world):
    out = dmarc(world, "--from", "signed.test", "--spf", "pass:signed.test", anchor=True)
    assert out[0] == "pass"
    assert "query TXT _dmarc.signed.test answer 1 secure" in out
    out = dmarc(world, "--from", "signed.test", anchor=False)
    assert "query TXT _dmarc.signed.test answer 1 insecure" in out
    # a record changed after signing is bogus: a temporary error, not its p=none
    out = dmarc(world, "--from", "bad.signed.test", anchor=True)
    assert out[0] == "temperror", out
    assert "query TXT _dmarc.bad.signed.test tempfail bogus" in out


def test_record_check():
    p = subprocess.run([paths.VOUCHCTL, "dmarc", "--record",
                        "v=DMARC1;p=REJECT;pct=0100;rua=mailto:a@example.com!2m"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == ("v=DMARC1; p=reject; sp=reject; pct=100; adkim=r; aspf=r; fo=0; "
                        "rf=afrf; ri=86400; rua=mailto:a@example.com!2097152")
    assert lines[1] == 'notes: pct="0100" invalid, 100 used'
    p = subprocess.run([paths.VOUCHCTL, "dmarc", "--record", "v=DMARC1; p=maybe"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert p.stdout.splitlines()[0] == "no policy"


@pytest.mark.parametrize("args", [
    [], ["--from"], ["--from", "a.test", "--spf", "maybe:a.test"],
    ["--from", "a.test", "--dkim", "pass"], ["--from", "a.test", "--sample", "100"],
    ["--from", "a.test", "--record", "v=DMARC1"], ["--from", "<broken"],
])
def test_usage(args):
    p = subprocess.run([paths.VOUCHCTL, "dmarc", *args], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2, (args, p.stdout, p.stderr)
