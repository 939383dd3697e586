"""The openspf RFC 7208 test suite (../shared/testdata/spf/rfc7208-tests.yml)
as Python data, and each group's zone data as a dnsserver.Zone.

The zone data follows the same driver convention as the in-memory run
(tests/support/spf_suite.c, itself pyspf's testspf.py): a name's SPF
records are also published as TXT records unless the name lists TXT
records of its own (TXT "NONE" counts as listing one); TIMEOUT makes
queries for types the name has no records of go unanswered. Text is
published as its UTF-8 bytes, as libyaml gives it to the C loader, so
the wire and the in-memory run see the same octets.

SPF (type 99) records are served too, as a real zone would hold them;
vouch never asks for them (RFC 7208 3.1).
"""
import os

import yaml

import paths
from dnsserver import Zone

SUITE = os.path.join(paths.SHARED, "testdata", "spf", "rfc7208-tests.yml")


class Case:
    def __init__(self, group, gi, name, t):
        self.group = group          # the group's description
        self.gi = gi                # index of the group
        self.name = name
        self.helo = t.get("helo") or ""
        self.host = t["host"]
        self.mailfrom = t.get("mailfrom") or ""
        r = t["result"]
        self.results = list(r) if isinstance(r, list) else [r]
        self.explanation = t.get("explanation")
        self.spec = t.get("spec")

    @property
    def id(self):
        return f"{self.group}: {self.name}"


class Group:
    def __init__(self, gi, doc):
        self.gi = gi
        self.description = doc.get("description", "?")
        self.zonedata = doc.get("zonedata") or {}
        self.cases = [Case(self.description, gi, n, t)
                      for n, t in (doc.get("tests") or {}).items()]

    def zone(self):
        """The group's zone data as a dnsserver.Zone, records in order."""
        z = Zone()
        for name, recs in self.zonedata.items():
            add_name(z, name, recs)
        return z


def _strings(v):
    vals = v if isinstance(v, list) else [v]
    return [s.encode("utf-8") if isinstance(s, str) else bytes(s) for s in vals]


def _absolute(host):
    return host if host.endswith(".") else host + "."


def add_name(z, name, recs):
    """Add one zonedata entry (the suite's list of {TYPE: value} / TIMEOUT)."""
    gen_txt = not any(isinstance(r, dict) and "TXT" in r for r in recs)
    spf_copies = []
    for r in recs:
        if r == "TIMEOUT":
            z.add_timeout(name)
            continue
        (t, v), = r.items()
        if t in ("TXT", "SPF") and v == "NONE":
            continue
        if t == "TXT":
            z.add_txt(name, _strings(v))
        elif t == "SPF":
            z.add(name, "SPF", _txt_wire(_strings(v)))
            if gen_txt:
                spf_copies.append(_strings(v))
        elif t == "MX":
            pref, host = v
            z.add(name, "MX", f"{int(pref)} {_absolute(host) if host else '.'}")
        elif t in ("PTR", "CNAME"):
            z.add(name, t, _absolute(v))
        else:
            z.add(name, t, str(v))
    for strings in spf_copies:
        z.add_txt(name, strings)


def _txt_wire(strings):
    from dnsserver import txt_rdata
    return txt_rdata(strings)


def load(path=SUITE):
    """The suite's groups, in file order."""
    with open(path, "rb") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    return [Group(i, d) for i, d in enumerate(docs)]
