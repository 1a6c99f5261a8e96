"""TLS material and the server ``SSLContext``, sans-I/O apart from the files in the data dir.

On first start the server has no certificate, yet clients such as redshift_connector default
to ``sslmode=verify-ca`` and cleartext passwords must only travel encrypted, so
``ensure_self_signed()`` creates ``<data_dir>/tls/server.crt`` and ``server.key`` (EC P-256,
CN=localhost, SAN localhost/127.0.0.1/::1, ten years) with ``cryptography`` and reuses them
afterwards; clients trust it by pointing their root-certificate option at ``server.crt``. The
key is written with mode 0600 and both files are replaced atomically, so a crash mid-write
never leaves a half-written key behind. ``server_context()`` builds the TLS 1.2+ context the
listener wraps accepted connections with (after the SSLRequest reply), advertising the
``postgresql`` ALPN protocol that libpq 17's direct TLS negotiation requires.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CERT_VALIDITY = datetime.timedelta(days=3650)
# Clients whose clocks run slightly behind must not see a certificate that is "not yet valid".
_CLOCK_SKEW = datetime.timedelta(minutes=5)


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` via a temporary file created with ``mode`` and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)  # the umask may have narrowed it; never let it widen the key's
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def generate_self_signed() -> tuple[bytes, bytes]:
    """Return (certificate PEM, private key PEM) of a new self-signed certificate for localhost."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    san = x509.SubjectAlternativeName(
        [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1")),
        ]
    )
    public_key = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _CLOCK_SKEW)
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def ensure_self_signed(data_dir: Path) -> tuple[Path, Path]:
    """Return (cert path, key path) under ``<data_dir>/tls``, generating them if either is missing.

    Existing files are reused untouched, so an operator may replace them with a real
    certificate. The directory is created with mode 0700 and the key with mode 0600.
    """
    tls_dir = Path(data_dir) / "tls"
    cert_path, key_path = tls_dir / "server.crt", tls_dir / "server.key"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path
    tls_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    cert_pem, key_pem = generate_self_signed()
    # Drop any old certificate, then write the key before the new one: a crash in between
    # leaves no certificate, so the next start regenerates both instead of pairing a new key
    # with an old certificate.
    cert_path.unlink(missing_ok=True)
    _write_atomic(key_path, key_pem, 0o600)
    _write_atomic(cert_path, cert_pem, 0o644)
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """Return a server ``SSLContext`` for ``cert``/``key``: TLS 1.2 minimum, no client certs."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile=str(cert), keyfile=str(key))
    ctx.set_alpn_protocols(["postgresql"])
    return ctx
