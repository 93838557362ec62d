#!/usr/bin/env python3
"""Regenerate the self-signed X.509 certificates of the sfaudit demo org.

The demo project is scanned with `--as-of 2026-12-01`, so every certificate has FIXED
validity dates chosen to exercise one certificate rule each (see ../README.md).

What this script does:
  1. creates a fresh RSA key pair per certificate, entirely in memory;
  2. builds a self-signed certificate with a deterministic subject, serial number and
     validity period, and signs it with that key;
  3. throws the private key away: it is never written to disk, printed or returned. No private
     key belongs in this repository, and none is needed: the scanner only reads certificates;
  4. writes `certs/<name>.crt` (PEM, kept as a human-readable reference), and
  5. rewrites the `<certificate>` element of the metadata file that uses it, as bare base64 DER
     without PEM armour: 64-column wrapped in the External Client App files, one line in the
     Connected App file (both styles occur in real retrieved metadata).

Because keys are random, the public keys, signatures and fingerprints change on every run;
subjects, serials, dates, key sizes and signature algorithms do not. Re-run only when the
certificates must change, then regenerate the committed sample reports (they show the
SHA-256 fingerprints).

Requirements: Python 3.9+ and `pip install cryptography` (only to regenerate; not at test time).
Usage:        python3 examples/demo-org/certs/generate.py [NAME ...]   (no name: all of them)
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import sys
import textwrap
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

CERTS_DIR = Path(__file__).resolve().parent
METADATA_DIR = CERTS_DIR.parent / "force-app" / "main" / "default"


def utc(year: int, month: int, day: int) -> dt.datetime:
    return dt.datetime(year, month, day, tzinfo=dt.timezone.utc)


# name, key bits, signature hash, not before, not after, metadata file, base64 style
CERTIFICATES = [
    ("payments", 2048, hashes.SHA256(), utc(2026, 3, 1), utc(2028, 2, 29),
     "extlClntAppGlobalOauthSets/Payments_Gateway_glbloauth.ecaGlblOauth-meta.xml", "wrapped"),
    ("legacy-reporting", 2048, hashes.SHA256(), utc(2025, 6, 30), utc(2026, 6, 30),
     "connectedApps/Legacy_Reporting_Sync.connectedApp-meta.xml", "single-line"),
    ("ci-deploy", 2048, hashes.SHA256(), utc(2025, 12, 21), utc(2026, 12, 21),
     "extlClntAppGlobalOauthSets/CI_Deploy_Pipeline_glbloauth.ecaGlblOauth-meta.xml", "wrapped"),
    ("analytics", 1024, hashes.SHA1(), utc(2025, 1, 30), utc(2027, 1, 30),
     "extlClntAppGlobalOauthSets/Analytics_Export_glbloauth.ecaGlblOauth-meta.xml", "wrapped"),
    ("marketing", 2048, hashes.SHA256(), utc(2027, 1, 15), utc(2028, 1, 15),
     "extlClntAppGlobalOauthSets/Marketing_Events_Sync_glbloauth.ecaGlblOauth-meta.xml", "wrapped"),
    ("vendor", 2048, hashes.SHA256(), utc(2025, 1, 1), utc(2125, 1, 1),
     "extlClntAppGlobalOauthSets/Vendor_Sandbox_Tool_glbloauth.ecaGlblOauth-meta.xml", "pem-then-key"),
    # SAML service provider certificates (samlConfig), one per SAML certificate rule outcome.
    ("partner-portal-sp", 2048, hashes.SHA256(), utc(2026, 1, 10), utc(2029, 1, 10),
     "connectedApps/Partner_Portal_SSO.connectedApp-meta.xml", "wrapped"),
    ("intranet-wiki-sp", 2048, hashes.SHA256(), utc(2025, 2, 15), utc(2027, 2, 15),
     "connectedApps/Intranet_Wiki_SSO.connectedApp-meta.xml", "single-line"),
    ("expense-portal-sp", 2048, hashes.SHA256(), utc(2024, 10, 31), utc(2026, 10, 31),
     "connectedApps/Expense_Portal_SSO.connectedApp-meta.xml", "bag-attributes-base64"),
]

# DER AlgorithmIdentifier {OID, NULL} for the two RSA PKCS#1 v1.5 signature algorithms used here.
SHA256_WITH_RSA = bytes.fromhex("300d06092a864886f70d01010b0500")  # 1.2.840.113549.1.1.11
SHA1_WITH_RSA = bytes.fromhex("300d06092a864886f70d0101050500")  # 1.2.840.113549.1.1.5

CERTIFICATE_ELEMENT = re.compile(r"<certificate>.*?</certificate>", re.DOTALL)


def subject_for(name: str) -> x509.Name:
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example Corp"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "sfaudit demo org"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{name}.demo.example.com"),
    ])


def serial_for(name: str) -> int:
    # Deterministic, positive, 127 bits at most (RFC 5280 allows up to 20 octets).
    return int.from_bytes(hashlib.sha256(f"sfaudit-demo:{name}".encode()).digest()[:16], "big") >> 1 | 1


def der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    octets = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(octets)]) + octets


def der(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + der_length(len(content)) + content


def resign_with_sha1(certificate: x509.Certificate, key: rsa.RSAPrivateKey) -> x509.Certificate:
    """Re-sign a certificate with sha1WithRSAEncryption.

    Current `cryptography` releases refuse SHA-1 in CertificateBuilder.sign(), but the demo needs
    one SHA-1 certificate (real orgs still have them). The TBSCertificate is identical apart from
    its signature AlgorithmIdentifier, so swap that (same length), sign the TBS bytes with
    PKCS#1 v1.5 + SHA-1, and assemble Certificate ::= SEQUENCE {tbs, algorithm, BIT STRING}.
    """
    tbs = certificate.tbs_certificate_bytes
    if tbs.count(SHA256_WITH_RSA) != 1:
        raise SystemExit("unexpected TBSCertificate layout")
    tbs = tbs.replace(SHA256_WITH_RSA, SHA1_WITH_RSA)
    signature = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    encoded = der(0x30, tbs + SHA1_WITH_RSA + der(0x03, b"\x00" + signature))
    return x509.load_der_x509_certificate(encoded)


def make_certificate(name: str, bits: int, digest: hashes.HashAlgorithm,
                     not_before: dt.datetime, not_after: dt.datetime) -> x509.Certificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    subject = subject_for(name)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(serial_for(name))
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    if isinstance(digest, hashes.SHA1):
        certificate = resign_with_sha1(certificate, key)
    del key  # thrown away: the private key never leaves this function
    return certificate


STAND_IN_PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCDEMO0NotARealPrivateKey0sfaudit0Demo\n"
    "-----END PRIVATE KEY-----"
)


def embed(metadata_file: Path, der: bytes, style: str, pem: bytes, name: str) -> None:
    body = base64.b64encode(der).decode("ascii")
    if style == "wrapped":
        body = "\n".join(textwrap.wrap(body, 64))
    elif style == "pem-then-key":
        # A tutorial's certificate pasted together with its private key, as some end up in source.
        # The key block is a stand-in (the real key is thrown away): its header is what matters.
        body = pem.decode("ascii") + STAND_IN_PRIVATE_KEY
    elif style == "bag-attributes-base64":
        # What `openssl pkcs12 -nokeys -out cert.pem` writes, then base64-encoded whole: some
        # export tools paste that into the element instead of the bare base64 DER.
        subject = f"CN = {name}.demo.example.com"
        exported = (f"Bag Attributes\n    friendlyName: {name}\nsubject={subject}\nissuer={subject}\n").encode() + pem
        body = "\n".join(textwrap.wrap(base64.b64encode(exported).decode("ascii"), 64))
    text = metadata_file.read_text(encoding="utf-8")
    if len(CERTIFICATE_ELEMENT.findall(text)) != 1:
        raise SystemExit(f"{metadata_file}: expected exactly one <certificate> element")
    text = CERTIFICATE_ELEMENT.sub(lambda _: f"<certificate>{body}</certificate>", text)
    metadata_file.write_text(text, encoding="utf-8", newline="\n")


def main() -> None:
    # Certificate names on the command line regenerate only those.
    wanted = set(sys.argv[1:])
    for name, bits, digest, not_before, not_after, relative, style in CERTIFICATES:
        if wanted and name not in wanted:
            continue
        certificate = make_certificate(name, bits, digest, not_before, not_after)
        pem = certificate.public_bytes(serialization.Encoding.PEM)
        (CERTS_DIR / f"{name}.crt").write_bytes(pem)
        embed(METADATA_DIR / relative, certificate.public_bytes(serialization.Encoding.DER), style, pem, name)
        print(f"{name:17} RSA-{bits} {digest.name:6} {not_before:%Y-%m-%d} -> {not_after:%Y-%m-%d}  {relative}")


if __name__ == "__main__":
    main()
