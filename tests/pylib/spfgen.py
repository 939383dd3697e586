"""Generated SPF worlds for differential testing (test_spf_differential.py).

generate(seed, n) makes n cases, each a small world of its own under
c<N>.example: a client address (IPv4 in 10.<N>.0/24 or IPv6 in
2001:db8:<N>::/48), a sender, a HELO name, and the records the sender's
domain publishes: SPF records built from a mix of mechanisms and
modifiers (ip4, ip6, a, mx, ptr, exists, include, redirect, exp, all),
qualifiers, CIDR lengths, macros with transformers and delimiters, the
hosts, MX and PTR records those point at (some matching the client,
some not, some absent), CNAMEs, records split into several strings,
nested includes, chains that pass the 10-lookup and 2-void-lookup limits
of RFC 7208 4.6.4, names that never answer, and a sprinkling of syntax
errors. The same seed always gives the same cases: a failure can be run
again (VOUCH_SPF_DIFF_SEED, VOUCH_SPF_DIFF_CASES).

All cases share one Zone (their names never meet), so one server serves
them all.
"""
import ipaddress
import random

from dnsserver import Zone


class GenCase:
    def __init__(self, idx, ip, sender, helo, notes):
        self.idx = idx
        self.ip = ip
        self.sender = sender
        self.helo = helo
        self.notes = notes          # what the world holds, for failure messages
        self.records = []           # (name, type, rdata text) as published
        self.features = set()       # tags the deviation rules look at

    @property
    def id(self):
        return f"c{self.idx}"


class _World:
    """Builds one case's names and records."""

    def __init__(self, rng, zone, case, base, v6):
        self.rng = rng
        self.zone = zone
        self.case = case
        self.base = base            # c<N>.example
        self.v6 = v6
        self.n = 0
        idx = case.idx
        if v6:
            self.net = ipaddress.ip_network(f"2001:db8:{idx:x}::/48")
        else:
            self.net = ipaddress.ip_network(f"10.{idx >> 8 & 255}.{idx & 255}.0/24")

    def name(self, prefix="h"):
        self.n += 1
        return f"{prefix}{self.n}.{self.base}"

    def add(self, name, rtype, rdata):
        self.zone.add(name, rtype, rdata)
        self.case.records.append((name, rtype, rdata))

    def add_txt(self, name, strings):
        self.zone.add_txt(name, strings)
        self.case.records.append((name, "TXT", " ".join(f'"{s}"' for s in strings)))

    def addr(self, match):
        """The client's address, or another in (or out of) its network."""
        client = ipaddress.ip_address(self.case.ip)
        if match == "client":
            return str(client)
        if match == "near":
            # same /24 (v4) or /64 (v6), another host
            step = self.rng.randint(1, 100)
            return str(client + step if int(client) % 256 < 150 else client - step)
        if self.v6:
            return f"2001:db8:ffff::{self.rng.randint(1, 999):x}"
        return f"192.0.2.{self.rng.randint(1, 254)}"

    def host(self, match, cname=False):
        """A host name with an address record of the client's family (and
        sometimes of the other family too)."""
        h = self.name()
        target = h
        if cname:
            target = self.name("real")
            self.add(h, "CNAME", target + ".")
            self.case.features.add("cname")
        self.add(target, "AAAA" if self.v6 else "A", self.addr(match))
        if self.rng.random() < 0.3:
            self.add(target, "A" if self.v6 else "AAAA",
                     "192.0.2.99" if self.v6 else "2001:db8:ffff::99")
        return h

    def spf(self, name, text, split=False):
        if split and len(text) > 12:
            cut = self.rng.randint(5, len(text) - 5)
            self.add_txt(name, [text[:cut], text[cut:]])
            self.case.features.add("split")
        else:
            self.add_txt(name, [text])


QUALS = ["", "", "", "+", "-", "~", "?"]
MATCH = ["client", "near", "far"]


def _cidr(rng, v6):
    if rng.random() < 0.6:
        return ""
    if rng.random() < 0.05:
        return "//129" if v6 else "/33"          # out of range: permerror
    if v6:
        return f"//{rng.choice([128, 64, 48, 0])}"
    return f"/{rng.choice([32, 24, 16, 0])}"


def _term(rng, w, depth, budget, domain):
    """One mechanism (text) for a record of domain, adding the records it
    needs."""
    q = rng.choice(QUALS)
    kind = rng.choice(["ip", "ip", "a", "a", "mx", "mx", "ptr", "exists", "exists",
                       "include", "include", "all"])
    v6 = w.v6
    if kind == "ip":
        match = rng.choice(MATCH)
        a = ipaddress.ip_address(w.addr(match))
        if rng.random() < 0.2:
            # the other family: never matches
            return q + ("ip4:192.0.2.1" if v6 else "ip6:2001:db8::1")
        if v6:
            return q + f"ip6:{a}" + rng.choice(["", "", "/128", "/64", "/48", "/0"])
        return q + f"ip4:{a}" + rng.choice(["", "", "/32", "/24", "/16", "/0", "/8"])
    if kind == "a":
        r = rng.random()
        if r < 0.25:
            # the domain itself
            w.add(domain, "AAAA" if v6 else "A", w.addr(rng.choice(MATCH)))
            return q + "a" + _cidr(rng, v6)
        if r < 0.35:
            w.case.features.add("void")
            return q + f"a:{w.name('none')}"
        h = w.host(rng.choice(MATCH), cname=rng.random() < 0.15)
        if rng.random() < 0.2:
            w.case.features.add("dual-cidr")
            c4 = rng.choice([24, 32, 16])
            c6 = rng.choice([64, 128, 48])
            return q + f"a:{h}/{c4}//{c6}"
        return q + f"a:{h}" + _cidr(rng, v6)
    if kind == "mx":
        if rng.random() < 0.15:
            w.case.features.add("void")
            return q + f"mx:{w.name('nomx')}"
        bare = rng.random() < 0.3
        d = domain if bare else w.name("mxd")
        nmx = rng.choice([1, 1, 1, 2, 2, 3, 10, 11] if rng.random() < 0.3 else [1, 2, 3])
        if nmx > 10:
            w.case.features.add("mx-limit")
        for i in range(nmx):
            r = rng.random()
            if r < 0.1:
                w.add(d, "MX", f"{i} {w.name('nomxhost')}.")      # host without address
            elif r < 0.12:
                w.case.features.add("timeout")
                slow = w.name("slowmx")
                w.zone.add_timeout(slow)
                w.case.records.append((slow, "TIMEOUT", ""))
                w.add(d, "MX", f"{rng.randint(0, 20)} {slow}.")
            else:
                h = w.host(rng.choice(MATCH), cname=rng.random() < 0.1)
                w.add(d, "MX", f"{rng.randint(0, 20)} {h}.")
        if rng.random() < 0.1:
            w.case.features.add("nullmx")
            w.add(d, "MX", "0 .")
        return q + ("mx" if bare else f"mx:{d}") + _cidr(rng, v6)
    if kind == "ptr":
        w.case.features.add("ptr")
        w.ensure_ptr()
        target = rng.choice([None, None, w.base, f"h1.{w.base}", w.name("other"),
                             "%{d2}", "%{o}"])
        return q + ("ptr" if target is None else f"ptr:{target}")
    if kind == "exists":
        w.case.features.add("macro")
        spec = rng.choice(["%{i}.ex.{b}", "%{ir}.%{v}.ex.{b}", "%{l}.ex.{b}",
                           "%{d2}.ex.{b}", "%{o}.ex.{b}", "%{h}.ex.{b}",
                           "%{l1r-}.ex.{b}", "%{i}._spf.%{d}", "%{s}.ex.{b}",
                           "%{p}.ex.{b}", "%{l2r.}.ex.{b}", "%{d3r}.ex.{b}",
                           "%{ir}.%{v}._spf.{b}", "%-%_%%.ex.{b}",
                           "%{l}.%{l}.%{l}.%{l}.ex.{b}", "%{s}.%{s}.%{o}.{b}",
                           "%{ir}.%{ir}.ex.{b}", "%{L}.ex.{b}", "%{l3}.%{o2r}.{b}"])
        if "%{p}" in spec:
            w.case.features.add("p-macro")
            w.ensure_ptr()
        spec = spec.replace("{b}", w.base)
        if rng.random() < 0.5:
            w.exists_targets.append(spec)
        return q + f"exists:{spec}"
    if kind == "include" and depth < 3 and budget[0] > 0:
        budget[0] -= 1
        child = w.name("inc")
        r = rng.random()
        if r < 0.1:
            w.case.features.add("include-none")        # no record at all
        elif r < 0.13:
            w.case.features.add("timeout")
            w.zone.add_timeout(child)
            w.case.records.append((child, "TIMEOUT", ""))
        else:
            w.spf(child, _record(rng, w, depth + 1, budget, child), split=rng.random() < 0.2)
        return q + f"include:{child}"
    return q + "all"


def _recase(rng, w, term):
    """Mechanism names are case-insensitive (RFC 7208 4.6.1); a domain-spec
    may end in a dot."""
    if rng.random() < 0.05:
        w.case.features.add("mech-case")
        head, sep, rest = term.partition(":")
        term = head.upper() + sep + rest
    if rng.random() < 0.05 and ":" in term and term[-1].isalpha() and "/" not in term:
        w.case.features.add("trailing-dot")
        term += "."
    return term


def _record(rng, w, depth, budget, domain):
    terms = [_recase(rng, w, _term(rng, w, depth, budget, domain))
             for _ in range(rng.randint(1, 5))]
    mods = []
    if depth < 3 and budget[0] > 0 and rng.random() < 0.15 and (rng.random() < 0.2 or not any(
            t.lstrip("+-~?") == "all" for t in terms)):
        budget[0] -= 1
        child = w.name("red")
        if rng.random() < 0.15:
            w.case.features.add("redirect-none")
        else:
            w.spf(child, _record(rng, w, depth + 1, budget, child))
        mods.append(f"redirect={child}")
    if rng.random() < 0.25:
        w.case.features.add("exp")
        e = w.name("exp")
        text = rng.choice(["%{i} is not one of %{d}'s senders",
                           "%{l} at %{o} via %{h}: no (%{c})", "ask %{r} about %{s}",
                           "plain words", "%{ir}.%{v} %{d1r}", "bad %{z} macro",
                           "see http://%{d}/why?s=%{S}&ip=%{C}&l=%{L}", "%{p} is not it",
                           "100%% sure, %_%-"])
        if "%{p}" in text:
            w.case.features.add("p-macro")
            w.ensure_ptr()
        w.add_txt(e, [text])
        if rng.random() < 0.08:
            w.case.features.add("exp-two-txt")
            w.add_txt(e, ["another explanation"])
        mods.append(f"exp={e}" if rng.random() < 0.8 else "exp=%{d}.none." + w.base)
    if rng.random() < 0.05:
        w.case.features.add("syntax")
        mods.append(rng.choice(["foo", "ip4:1.2.3", "a:", "mx//200", "redirect=x redirect=y",
                                "x-custom=value", "ip6:zz::1", "exists", "include:%{q}",
                                "x-bad=%{q}", "exp=a.example exp=b.example", "-all:x",
                                "a:%{d}.", "mx:%{o}%{l}", "v=spf1", "+-all"]))
    rng.shuffle(mods)
    version = "v=spf1"
    if rng.random() < 0.05:
        version = rng.choice(["V=SPF1", "v=Spf1"])
        w.case.features.add("version-case")
    sep = "  " if rng.random() < 0.05 else " "
    return sep.join([version] + terms + mods) + (" " if rng.random() < 0.05 else "")


def generate(seed=7208, n=300):
    """(zone, cases): n generated cases from seed."""
    rng = random.Random(seed)
    zone = Zone()
    cases = []
    for idx in range(1, n + 1):
        v6 = rng.random() < 0.25
        base = f"c{idx}.example"
        if v6:
            ip = f"2001:db8:{idx:x}::{rng.randint(1, 0xfff):x}"
        else:
            ip = f"10.{idx >> 8 & 255}.{idx & 255}.{rng.randint(1, 254)}"
        mapped = not v6 and rng.random() < 0.04
        local = rng.choice(["alice", "bob.smith", "a-b.c_d", "postmaster", "Mixed.Case",
                            "x+tag", "long." * 12 + "local", "a" * 63])
        domain = rng.choice([base, f"mail.{base}"])
        helo = rng.choice([f"mta.{base}", f"mail.{base}", f"nohelo.{base}"])
        sender = "" if rng.random() < 0.05 else f"{local}@{domain}"
        case = GenCase(idx, ip, sender, helo, "")
        case.domain = domain if sender else helo
        w = _World(rng, zone, case, base, v6)
        w.exists_targets = []
        w.ptr_done = False

        def ensure_ptr(w=w):
            if w.ptr_done:
                return
            w.ptr_done = True
            rev = ipaddress.ip_address(w.case.ip).reverse_pointer
            names = []
            for _ in range(rng.choice([0, 1, 2, 3, 11])):
                names.append(w.host(rng.choice(["client", "client", "far"])))
            if rng.random() < 0.3:
                names.append(w.name("noaddr"))            # does not resolve
            if rng.random() < 0.05:
                w.case.features.add("timeout")
                slow = w.name("slowptr")                  # never answers
                w.zone.add_timeout(slow)
                w.case.records.append((slow, "TIMEOUT", ""))
                names.insert(rng.randint(0, len(names)), slow)
            if len(names) > 10:
                w.case.features.add("ptr-limit")
            for nm in names:
                w.add(rev, "PTR", nm + ".")
        w.ensure_ptr = ensure_ptr

        budget = [rng.choice([2, 4, 12])]               # includes/redirects allowed
        home = case.domain                              # where the domain's records are
        r = rng.random()
        if r < 0.05:
            case.features.add("no-record")
        elif r < 0.08:
            case.features.add("two-records")
            w.spf(case.domain, _record(rng, w, 0, budget, case.domain))
            w.spf(case.domain, "v=spf1 ?all")
        elif r < 0.12:
            case.features.add("lookup-limit")
            # a chain of 11 includes, each one DNS-querying term
            prev = case.domain
            for k in range(11):
                nxt = w.name("chain")
                w.spf(prev, f"v=spf1 include:{nxt} -all" if k else
                      f"v=spf1 a:{w.name('none')} include:{nxt} -all")
                prev = nxt
            w.spf(prev, "v=spf1 +all")
        elif r < 0.16:
            # the domain is a CNAME; its target holds the record
            case.features.add("cname")
            target = w.name("target")
            w.add(case.domain, "CNAME", target + ".")
            # what the domain's own name holds lives at the target
            w.spf(target, _record(rng, w, 0, budget, target))
            home = target
        else:
            w.spf(case.domain, _record(rng, w, 0, budget, case.domain),
                  split=rng.random() < 0.15)
        for spec in w.exists_targets:
            # some exists targets exist: expand the macro as the evaluator will
            name = _expand_simple(spec, case, w)
            if name:
                w.add(name, "A", "127.0.0.2")
        if rng.random() < 0.2:
            case.features.add("txt-noise")
            w.add_txt(home, ["google-site-verification=abc"])
        if mapped:
            # the same client as an IPv4-mapped IPv6 address (RFC 4291 2.5.5.2)
            case.features.add("mapped")
            case.ip = "::ffff:" + case.ip
        case.notes = f"{case.ip} {case.sender!r} helo={case.helo}"
        cases.append(case)
    return zone, cases


def _expand_simple(spec, case, w):
    """The target name of an exists: spec for this case, for the few macro
    forms the generator uses; None when it cannot tell."""
    ip = ipaddress.ip_address(case.ip)
    sender = case.sender or f"postmaster@{case.helo}"
    local, dom = sender.rsplit("@", 1)
    if ip.version == 4:
        i = str(ip)
        ir = ".".join(reversed(i.split(".")))
        v = "in-addr"
    else:
        nib = ip.exploded.replace(":", "")
        i = ".".join(nib)
        ir = ".".join(reversed(nib))
        v = "ip6"
    d = case.domain
    vals = {"%{i}": i, "%{ir}": ir, "%{v}": v, "%{l}": local, "%{o}": dom, "%{d}": d,
            "%{h}": case.helo, "%{s}": sender,
            "%{d2}": ".".join(d.split(".")[-2:])}
    out = spec
    for k, val in vals.items():
        out = out.replace(k, val)
    if "%" in out or len(out) > 253 or any(not 0 < len(x) <= 63 for x in out.split(".")):
        return None                 # a form it does not know, or cut by the evaluator
    return out
