#!/usr/bin/python3
"""bench_dkimpy: the cases of bench_dkim_vouch with dkimpy (Debian
python3-dkim), on the files `bench_dkim_vouch prepare DIR` wrote.

    bench_dkimpy.py DIR SECONDS

Signing: relaxed/relaxed, the same five header fields vouch signs.
Verification: the messages vouch signed, the key record returned from
memory by dnsfunc (no DNS).
"""
import sys
import time

import dkim

DOMAIN = b"bench.example"
HEADERS = [b"from", b"to", b"subject", b"date", b"message-id"]
KEYS = [("rsa", "rsa-2048", b"rsa-sha256"), ("ed", "ed25519", b"ed25519-sha256")]
SIZES = ["4k", "100k"]


def read(d, name):
    with open(f"{d}/{name}", "rb") as f:
        return f.read()


def main():
    if len(sys.argv) != 3:
        print("usage: bench_dkimpy.py DIR SECONDS", file=sys.stderr)
        return 2
    d, secs = sys.argv[1], float(sys.argv[2])
    recs = {f"{sel}._domainkey.bench.example.".encode(): read(d, f"{sel}.txt")
            for sel, _, _ in KEYS}
    privs = {"rsa": read(d, "rsa.pem"), "ed": read(d, "ed.seed").strip()}

    def dnsfunc(name, timeout=5):
        n = name if name.endswith(b".") else name + b"."
        return recs.get(n.lower(), b"")

    bad = 0
    for size in SIZES:
        msg = read(d, f"msg-{size}.eml")
        for sel, alg, sigalg in KEYS:
            signed = read(d, f"signed-{sel}-{size}.eml")
            for op in ("sign", "verify"):
                n = 0
                w0, c0 = time.monotonic(), time.process_time()
                while True:
                    if op == "sign":
                        sig = dkim.sign(msg, sel.encode(), DOMAIN, privs[sel],
                                        canonicalize=(b"relaxed", b"relaxed"),
                                        signature_algorithm=sigalg,
                                        include_headers=HEADERS)
                        ok = sig.startswith(b"DKIM-Signature:")
                    else:
                        ok = dkim.verify(signed, dnsfunc=dnsfunc)
                    if not ok:
                        print(f"bench_dkimpy: {op} {alg} {size} failed", file=sys.stderr)
                        bad = 1
                        break
                    n += 1
                    w = time.monotonic() - w0
                    if w >= secs:
                        break
                w = time.monotonic() - w0
                c = time.process_time() - c0
                print(f"impl=dkimpy op={op} alg={alg} size={size} n={n} wall_s={w:.3f} "
                      f"cpu_s={c:.3f} per_s={n / w:.0f} per_cpu_s={n / c if c else 0:.0f}",
                      flush=True)
    return bad


if __name__ == "__main__":
    sys.exit(main())
