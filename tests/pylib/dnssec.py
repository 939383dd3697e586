"""Sign a test zone for DNSSEC tests (dnspython + cryptography, both in
Debian), so a real NSD can serve it and a validating resolver check it.

    from dnssec import sign_zone
    text, anchor = sign_zone(zone("signed.test", records), "signed.test",
                             tamper={"bad.signed.test.": 'TXT "changed"'})
    # serve text with NSD; write anchor to a file for dns_trust_anchor

One ECDSA P-256 key signs everything (flags 257); the zone gets an NSEC
chain so negative answers validate too. tamper replaces a name's records
after signing, which makes them bogus. The anchor is the key's DS record
in zone-file form, as libunbound's trust anchor files take it.
"""
import time

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.zone
from cryptography.hazmat.primitives.asymmetric import ec


def sign_zone(text, origin, tamper=None, lifetime=30 * 86400):
    origin = dns.name.from_text(origin)
    z = dns.zone.from_text(text, origin, relativize=False, check_origin=True)
    key = ec.generate_private_key(ec.SECP256R1())
    dnskey = dns.dnssec.make_dnskey(key.public_key(),
                                    dns.dnssec.Algorithm.ECDSAP256SHA256, flags=257)
    ttl = z.find_rdataset(origin, "SOA").ttl
    z.find_rdataset(origin, "DNSKEY", create=True).add(dnskey, ttl)

    # RFC 4034 4: an NSEC at every name, in canonical order, in a ring.
    names = sorted(z.nodes.keys())
    for i, name in enumerate(names):
        types = sorted({dns.rdatatype.to_text(rds.rdtype) for rds in z.nodes[name]} |
                       {"RRSIG", "NSEC"})
        nxt = names[(i + 1) % len(names)]
        rd = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC,
                                 f"{nxt} {' '.join(types)}")
        z.find_rdataset(name, "NSEC", create=True).add(rd, ttl)

    inception = int(time.time()) - 3600
    expiration = inception + lifetime
    sigs = []
    for name, node in z.nodes.items():
        for rds in node:
            rrset = dns.rrset.RRset(name, rds.rdclass, rds.rdtype)
            rrset.update(rds)
            sig = dns.dnssec.sign(rrset, key, origin, dnskey, inception=inception,
                                  expiration=expiration)
            sigs.append((name, rds.ttl, sig))
    for name, ttl, sig in sigs:
        z.find_rdataset(name, "RRSIG", sig.type_covered, create=True).add(sig, ttl)

    for name, record in (tamper or {}).items():
        rtype, rdata = record.split(None, 1)
        n = dns.name.from_text(name)
        rds = z.find_rdataset(n, rtype)
        rds.clear()
        rds.add(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype),
                                    rdata), ttl)

    ds = dns.dnssec.make_ds(origin, dnskey, "SHA256")
    anchor = f"{origin.to_text()} IN DS {ds.to_text()}\n"
    return z.to_text(), anchor
