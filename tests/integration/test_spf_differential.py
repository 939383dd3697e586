"""vouch against pyspf (Debian python3-spf, an independent RFC 7208
implementation) on generated SPF worlds (tests/pylib/spfgen.py): mixes
of mechanisms and modifiers, qualifiers, CIDR lengths, macros, includes,
redirects, exp=, MX and PTR records, CNAMEs, records in several strings,
the lookup and void limits, names that never answer, syntax errors.

Both ask the same server: NSD serving every case's records from one zone
file, behind the dnsserver front (which answers only what NSD cannot:
the names that never answer). vouch evaluates with `vouchctl spf`
(spf_check_start(), libunbound); pyspf runs in this process with
dnspython's resolver pointed at the front. Each case must give the same
result, and for a fail the same explanation, unless the difference is a
documented pyspf deviation from RFC 7208 (DEVIATIONS below, each with the
section it breaks and a test of the case that shows it).

The default run is VOUCH_SPF_DIFF_CASES=300 cases from seed
VOUCH_SPF_DIFF_SEED=7208 (100 under ASan/UBSan, where the point is
memory safety on the same paths); set either for a longer or another run.
"""
import os
import subprocess

import inspect

import dns.resolver
import pytest
import spf

import paths
import spfgen
from dnsserver import DnsServer
from nsd import Nsd

SEED = int(os.environ.get("VOUCH_SPF_DIFF_SEED", "7208"))
COUNT = int(os.environ.get("VOUCH_SPF_DIFF_CASES", "100" if paths.SANITIZED else "300"))
ZONE, CASES = spfgen.generate(SEED, COUNT)
RECEIVER = "receiver.example.org"
DEFAULT_EXP = "DEFAULT"

class Trace:
    """What pyspf's lookups did in one evaluation: each void lookup and
    each lookup that failed (TempError), with the pyspf functions on the
    stack at the time (which say what the lookup was for)."""

    def __init__(self):
        self.voids = []         # (name, qtype, {function names})
        self.failed = []
        self.lookups = []       # one per term pyspf counted: "term" or "redirect-parsed"
        self.redirects_followed = 0

    def clear(self):
        self.voids.clear()
        self.failed.clear()
        self.lookups.clear()
        self.redirects_followed = 0

    @staticmethod
    def _stack():
        return {f.function for f in inspect.stack()[2:]}


TRACE = Trace()
_pyspf_dns = spf.query.dns


def _traced_dns(self, name, qtype, cnames=None, ignore_void=False):
    before = self.void_lookups
    try:
        return _pyspf_dns(self, name, qtype, cnames=cnames, ignore_void=ignore_void)
    except spf.TempError:
        TRACE.failed.append((str(name).rstrip("."), qtype, Trace._stack()))
        raise
    finally:
        if self.void_lookups > before:
            TRACE.voids.append((str(name).rstrip("."), qtype, Trace._stack()))


_pyspf_check_lookups = spf.query.check_lookups
_pyspf_dns_spf = spf.query.dns_spf


def _traced_check_lookups(self):
    # check0 counts a redirect= while it reads the modifiers (its loop
    # variable m is then the [name, value] pair), a mechanism while it
    # evaluates it (m is the mechanism's name).
    caller = inspect.currentframe().f_back
    TRACE.lookups.append("redirect-parsed" if isinstance(caller.f_locals.get("m"), list)
                         else "term")
    return _pyspf_check_lookups(self)


def _traced_dns_spf(self, domain):
    caller = inspect.stack()[1]
    if caller.function == "check0" and "redirect_record" in "".join(caller.code_context or []):
        TRACE.redirects_followed += 1
    return _pyspf_dns_spf(self, domain)


def _not_a_term(qtype, stack):
    """Why a pyspf lookup is no term's own lookup, or None: the address
    of an MX host (RFC 7208 5.4) or of a PTR name (5.5), or anything
    done to expand a macro (%{p}, 7.3)."""
    if "expand" in stack:
        return "macro expansion"
    if qtype in ("A", "AAAA") and "dns_mx" in stack:
        return "MX host address"
    if qtype in ("A", "AAAA") and "validated_ptrs" in stack:
        return "PTR name address"
    return None


def _void_terms_over(case, v, p, queries):
    """D1: pyspf counted void lookups that are not terms."""
    if p[0] != "permerror" or "Void lookup limit" not in (PYSPF_EXP.get(case.id) or ""):
        return False
    terms = [x for x in TRACE.voids if _not_a_term(x[1], x[2]) is None]
    return len(terms) <= 2 < len(TRACE.voids) and v[0] != "permerror"


def _ptr_name_error(case, v, p, queries):
    """D2: pyspf failed on a PTR name's address lookup: temperror for the
    whole evaluation, or, inside an explanation's %{p}, the default
    explanation instead of the expanded one."""
    if not TRACE.failed or not all(f[1] in ("A", "AAAA") and "validated_ptrs" in f[2]
                                   for f in TRACE.failed):
        return False
    if p[0] == "temperror" and v[0] != "temperror":
        return True
    return v[0] == p[0] == "fail" and p[1] == DEFAULT_EXP != v[1] and all(
        "get_explanation" in f[2] for f in TRACE.failed)


def _mx_after_match(case, v, p, queries):
    """D3: pyspf failed on the address of an MX host vouch never had to ask
    about, because an earlier host of the same mechanism had matched."""
    asked = {q.split()[2].lower() for q in queries if q.startswith("query ")}
    return p[0] == "temperror" and v[0] not in ("temperror", "permerror") and TRACE.failed and all(
        f[1] in ("A", "AAAA") and "dns_mx" in f[2] and f[0].lower() not in asked
        for f in TRACE.failed)


def _redirect_counted_unused(case, v, p, queries):
    """D4: pyspf's lookup limit was exceeded only by redirects it counted
    and never followed."""
    if p[0] != "permerror" or "Too many DNS lookups" not in (PYSPF_EXP.get(case.id) or ""):
        return False
    counted = TRACE.lookups.count("term") + TRACE.redirects_followed
    return counted <= 10 < len(TRACE.lookups) and v[0] != "permerror"


def _long_name_crash(case, v, p, queries):
    """D5: pyspf raised NameTooLong on an expanded name vouch cut to fit."""
    return p[0] == "exception" and "NameTooLong" in p[1] and any(
        200 < len(q.split()[2]) <= 253 for q in queries if q.startswith("query "))


# pyspf deviations from RFC 7208, as found by this test: each a name, the
# section pyspf departs from, what it does, and a predicate over the case,
# the two outcomes, vouch's query log and pyspf's lookups (TRACE) that
# recognises exactly that situation.
DEVIATIONS = [
    {"name": "void lookups counted per lookup, not per term",
     "rfc": "RFC 7208 4.6.4 (void lookups limit *terms* whose lookups are void), "
            "5.4, 5.5, 7.3",
     "what": "pyspf counts every DNS answer without records toward the limit of two "
             "void lookups: also the address lookups of an mx mechanism's hosts and of "
             "the client's PTR names, and the PTR lookup behind %{p} (again each time, "
             "as its cache keeps no empty answer). Those are not terms; vouch counts "
             "the a, mx, ptr, exists and include terms whose own lookup is void.",
     "applies": _void_terms_over},
    {"name": "a PTR name's failed address lookup ends the evaluation",
     "rfc": "RFC 7208 5.5 (\"If a DNS error occurs while doing an A RR lookup, then "
            "that domain name is skipped and the search continues\"), 7.3 (%{p} is "
            "found by the procedure of 5.5, and is \"unknown\" after a DNS error: "
            "never a reason to drop the explanation)",
     "what": "pyspf returns temperror when the address lookup of one of the client's "
             "PTR names times out, for the ptr mechanism and for %{p} (in an exp= "
             "explanation it falls back to the default explanation); vouch skips that "
             "name and goes on with the others.",
     "applies": _ptr_name_error},
    {"name": "every MX host's address looked up before any is compared",
     "rfc": "RFC 7208 4.6.2 (a mechanism that matches ends processing), 5 (a failed "
            "lookup stops the mechanism: the lookups it makes)",
     "what": "pyspf resolves the addresses of all of an mx mechanism's hosts before "
             "comparing any, so a host whose lookup times out turns a match on an "
             "earlier host into temperror; vouch asks host by host and stops at the "
             "match. (With the failing host first both give temperror.)",
     "applies": _mx_after_match},
    {"name": "a redirect= counted when read, followed or not",
     "rfc": "RFC 7208 4.6.4 (the limit counts terms causing DNS queries during "
            "evaluation), 6.1 (redirect is ignored when the record has \"all\"; it "
            "applies only when no mechanism matched)",
     "what": "pyspf counts a record's redirect= toward the 10-lookup limit as soon as "
             "it parses the record, also when a mechanism then matches or the record "
             "has \"all\" and the redirect is never followed; near the limit that "
             "makes a permerror of a result. vouch counts a redirect when it follows it.",
     "applies": _redirect_counted_unused},
    {"name": "an expanded name past 253 characters is not cut from the left",
     "rfc": "RFC 7208 7.3 (\"the left side is truncated to fit, by removing "
            "successive domain labels\")",
     "what": "pyspf passes the whole expanded name to dnspython, which refuses a name "
             "of more than 255 octets: check() raises dns.name.NameTooLong instead of "
             "giving a result. vouch removes labels from the left until the name fits "
             "and asks that.",
     "applies": _long_name_crash},
]
PYSPF_EXP = {}      # case id -> pyspf's full explanation, for the predicates
SEEN = {}           # deviation name -> cases it explained


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("spfdiff"))
    ns = Nsd(os.path.join(tmp, "nsd"), {".": ZONE.zone_file()})
    ns.start()
    front = DnsServer(ZONE, backend=ns.address).start()
    conf = os.path.join(tmp, "vouch.conf")
    with open(conf, "w") as f:
        # 2 s: never-answered names cost that long; real answers take ms
        f.write(f"dns_timeout = 2s\nspf_default_explanation = {DEFAULT_EXP}\n")
    res = dns.resolver.Resolver(configure=False)
    res.nameservers = ["127.0.0.1"]
    res.port = front.port
    res.lifetime = 4
    saved = dns.resolver.default_resolver
    dns.resolver.default_resolver = res
    spf.query.dns = _traced_dns
    spf.query.check_lookups = _traced_check_lookups
    spf.query.dns_spf = _traced_dns_spf
    yield {"conf": conf, "front": front}
    spf.query.dns = _pyspf_dns
    spf.query.check_lookups = _pyspf_check_lookups
    spf.query.dns_spf = _pyspf_dns_spf
    dns.resolver.default_resolver = saved
    print("\nSPF differential: %d cases from seed %d; pyspf deviations seen: %s" % (
        COUNT, SEED, {k: len(v) for k, v in SEEN.items()} or "none"))
    front.stop()
    ns.stop()


def vouch_start(world, case):
    """Start vouchctl spf for case; vouch_result() collects it. (pyspf runs
    meanwhile: a name that never answers then costs its wait once.)"""
    cmd = [paths.VOUCHCTL, "-c", world["conf"], "spf", "--ip", case.ip,
           "--sender", case.sender, "--helo", case.helo,
           "--resolver", world["front"].address, "--receiver", RECEIVER]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            errors="replace")


def vouch_result(proc):
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    lines = out.splitlines()
    return lines[0], lines[1], lines[2:]


def pyspf(case):
    TRACE.clear()
    q = spf.query(i=case.ip, s=case.sender or f"postmaster@{case.helo}", h=case.helo,
                  receiver=RECEIVER, strict=True, timeout=2)
    q.set_default_explanation(DEFAULT_EXP)
    try:
        result, _, exp = q.check()
    except Exception as e:  # noqa: BLE001 - a pyspf crash is an outcome here
        result, exp = "exception", repr(e)
    PYSPF_EXP[case.id] = exp
    return result, exp


def deviation(case, v, p, queries):
    for d in DEVIATIONS:
        if d["applies"](case, v, p, queries):
            return d
    return None


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case(world, case):
    proc = vouch_start(world, case)
    p_result, p_exp = pyspf(case)
    v_result, v_line2, v_queries = vouch_result(proc)
    v = (v_result, v_line2 if v_result == "fail" else None)
    p = (p_result, p_exp if p_result in ("fail", "exception") else None)
    if v == p:
        return
    d = deviation(case, v, p, v_queries)
    detail = "\n".join([f"{case.id} ({case.notes}) seed {SEED}: vouch {v}, pyspf {p}",
                        f"  vouch: {v_line2}"] +
                       [f"    {q}" for q in v_queries] +
                       [f"  pyspf: {PYSPF_EXP[case.id]}",
                        f"    void lookups {[x[:2] for x in TRACE.voids]}",
                        f"    failed lookups {[x[:2] for x in TRACE.failed]}",
                        f"    lookups counted {TRACE.lookups}, redirects followed "
                        f"{TRACE.redirects_followed}", "  records:"] +
                       [f"    {n} {t} {r}" for n, t, r in case.records])
    assert d is not None, detail
    SEEN.setdefault(d["name"], []).append(case.id)
