"""Throwaway PKI for TLS tests: a CA, and certificates it signs for
server and client names, made with the openssl command."""
import os
import subprocess


def _run(*args):
    subprocess.run(args, check=True, capture_output=True)


class CA:
    def __init__(self, directory, name="vouch test CA"):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.key = os.path.join(directory, "ca.key")
        self.cert = os.path.join(directory, "ca.pem")
        _run("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
             "-nodes", "-days", "30", "-subj", f"/CN={name}", "-keyout", self.key,
             "-out", self.cert)

    def issue(self, name, client=False):
        """A certificate for DNS name `name`; returns (cert, key) paths,
        readable by vouchd's unprivileged user."""
        key = os.path.join(self.dir, f"{name}.key")
        csr = os.path.join(self.dir, f"{name}.csr")
        cert = os.path.join(self.dir, f"{name}.pem")
        ext = os.path.join(self.dir, f"{name}.ext")
        with open(ext, "w") as f:
            f.write(f"subjectAltName=DNS:{name}\n")
            f.write("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth") + "\n")
        _run("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
             "-subj", f"/CN={name}", "-keyout", key, "-out", csr)
        _run("openssl", "x509", "-req", "-in", csr, "-CA", self.cert, "-CAkey", self.key,
             "-CAcreateserial", "-days", "30", "-extfile", ext, "-out", cert)
        os.chmod(key, 0o644)
        return cert, key

    def crl(self, revoked=(), name="crl.pem"):
        """A PEM CRL signed by this CA revoking the certificates at the
        paths in `revoked`; returns its path (python3-cryptography)."""
        import datetime
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization

        with open(self.cert, "rb") as f:
            ca_cert = x509.load_pem_x509_certificate(f.read())
        with open(self.key, "rb") as f:
            ca_key = serialization.load_pem_private_key(f.read(), password=None)
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
        b = (x509.CertificateRevocationListBuilder().issuer_name(ca_cert.subject)
             .last_update(now - datetime.timedelta(minutes=5))
             .next_update(now + datetime.timedelta(days=7)))
        for path in revoked:
            with open(path, "rb") as f:
                serial = x509.load_pem_x509_certificate(f.read()).serial_number
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial)
                .revocation_date(now - datetime.timedelta(minutes=1)).build())
        out = os.path.join(self.dir, name)
        with open(out, "wb") as f:
            f.write(b.sign(ca_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM))
        os.chmod(out, 0o644)
        return out
