#!/usr/bin/python3
"""pyspf (Debian python3-spf) over the whole openspf suite with its own
in-memory DNS hook (spf.DNSLookup replaced, answering in the shapes of
pyspf's dnspython backend), for bench/spf/run. Prints cases passed and
evaluations per second in the same format as the C drivers.

Zone conventions match tests/support/spf_suite.c: SPF records double as
TXT unless the name lists TXT records; TIMEOUT fails queries for types the
name has no records of; CNAMEs are answered as CNAME and pyspf follows them.

usage: bench_pyspf.py SUITE.yml [SECONDS]
"""
import sys
import time

import spf
import yaml


class TempFail(Exception):
    pass


def load_zone(zonedata):
    zone = {}
    for name, entries in (zonedata or {}).items():
        recs, timeout, txt_listed, spf_txt = [], False, False, []
        for e in entries:
            if e == "TIMEOUT":
                timeout = True
                continue
            for rtype, value in e.items():
                if rtype == "TXT":
                    txt_listed = True
                if rtype in ("TXT", "SPF"):
                    if value == "NONE":
                        continue
                    value = [value] if isinstance(value, str) else list(value)
                    value = [s.encode("utf-8") for s in value]
                    if rtype == "SPF":
                        spf_txt.append(value)
                        continue
                recs.append((rtype, value))
        if not txt_listed:
            recs += [("TXT", v) for v in spf_txt]
        zone[name.lower().rstrip(".")] = (recs, timeout)
    return zone


class Hook:
    """spf.DNSLookup replacement answering from the current zone."""

    def __init__(self):
        self.zone = {}

    def __call__(self, name, qtype, *args, **kw):
        entry = self.zone.get(name.lower().rstrip("."))
        if entry is None:
            return []
        recs, timeout = entry
        out = [((name, t), v) for t, v in recs if t == qtype]
        if out:
            return out
        cname = [((name, "CNAME"), v) for t, v in recs if t == "CNAME"]
        if cname:
            return cname
        if timeout:
            raise spf.TempError("DNS timeout")
        return []


def main():
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 3.0
    hook = Hook()
    spf.DNSLookup = hook
    cases = []
    with open(path, "rb") as f:
        for doc in yaml.safe_load_all(f):
            if not doc:
                continue
            zone = load_zone(doc.get("zonedata"))
            for cname, t in doc["tests"].items():
                results = t["result"] if isinstance(t["result"], list) else [t["result"]]
                cases.append((doc.get("description", "?"), cname, zone, t, results))

    def run(case):
        _, _, zone, t, _ = case
        hook.zone = zone
        q = spf.query(i=t["host"], s=t["mailfrom"], h=t["helo"],
                      receiver="receiver.example.org", strict=t.get("strict", True))
        q.set_default_explanation("DEFAULT")
        res, _, exp = q.check()
        res = {"unknown": "permerror", "error": "temperror"}.get(res, res)
        return res, exp

    passed = 0
    for case in cases:
        group, name, _, t, results = case
        res, exp = run(case)
        if res in results and ("explanation" not in t or t["explanation"] == exp):
            passed += 1
        else:
            print(f"pyspf: FAILED {group}: {name}: got {res} \"{exp}\"", file=sys.stderr)
    evals = 0
    t0 = time.monotonic()
    while True:
        for case in cases:
            run(case)
        evals += len(cases)
        t = time.monotonic()
        if t - t0 >= seconds:
            break
    print(f"impl=pyspf mode=hook cases={len(cases)} passed={passed} evals={evals} "
          f"seconds={t - t0:.3f} evals_per_sec={evals / (t - t0):.0f}")


if __name__ == "__main__":
    main()
