"""Tests of proxy/tls.py: certificate generation, reuse, file modes and a real TLS handshake.

The handshake runs over a loopback socket pair with the server side in a thread and a client
built the way a verifying driver builds one: ``ssl.create_default_context(cafile=cert)`` with
hostname checking on.
"""

from __future__ import annotations

import contextlib
import datetime
import ipaddress
import socket
import ssl
import stat
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from proxy.tls import ensure_self_signed, server_context


def handshake(cert: Path, key: Path, server_hostname: str) -> tuple[str | None, str | None]:
    """Complete a TLS handshake over a socketpair; return (TLS version, ALPN protocol)."""
    server_ctx = server_context(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(cert))
    client_ctx.set_alpn_protocols(["postgresql"])
    a, b = socket.socketpair()
    errors: list[BaseException] = []

    def serve() -> None:
        try:
            with server_ctx.wrap_socket(b, server_side=True) as tls:
                tls.sendall(tls.recv(5))
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        a.settimeout(10)
        with client_ctx.wrap_socket(a, server_hostname=server_hostname) as tls:
            tls.sendall(b"hello")
            assert tls.recv(5) == b"hello"
            result = tls.version(), tls.selected_alpn_protocol()
    finally:
        a.close()
        thread.join(10)
        b.close()
    if errors:
        raise errors[0]
    return result


def test_generates_cert_and_key_with_safe_modes(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    assert (cert, key) == (tmp_path / "tls" / "server.crt", tmp_path / "tls" / "server.key")
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "tls").stat().st_mode) & 0o077 == 0
    assert not [p for p in (tmp_path / "tls").iterdir() if p.name.startswith(".")]


def test_certificate_contents(tmp_path: Path) -> None:
    cert_path, _ = ensure_self_signed(tmp_path)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert cert.subject.rfc4514_string() == "CN=localhost"
    assert isinstance(cert.public_key(), ec.EllipticCurvePublicKey)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert san.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime >= datetime.timedelta(days=3650)
    assert cert.not_valid_before_utc <= datetime.datetime.now(datetime.UTC)


def test_reuses_existing_files(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    before = cert.read_bytes(), key.read_bytes()
    assert ensure_self_signed(tmp_path) == (cert, key)
    assert (cert.read_bytes(), key.read_bytes()) == before


def test_regenerates_both_when_one_is_missing(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    old_cert = cert.read_bytes()
    key.unlink()
    ensure_self_signed(tmp_path)
    assert cert.read_bytes() != old_cert
    handshake(cert, key, "localhost")


@pytest.mark.parametrize("hostname", ["localhost", "127.0.0.1"])
def test_real_handshake_verifies_hostname(tmp_path: Path, hostname: str) -> None:
    cert, key = ensure_self_signed(tmp_path)
    version, alpn = handshake(cert, key, hostname)
    assert version in ("TLSv1.2", "TLSv1.3")
    assert alpn == "postgresql"


def test_wrong_hostname_is_rejected(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path)
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(cert, key, "example.com")


def test_other_certificate_is_not_trusted(tmp_path: Path) -> None:
    cert, key = ensure_self_signed(tmp_path / "a")
    other_cert, _ = ensure_self_signed(tmp_path / "b")
    server_ctx = server_context(cert, key)
    client_ctx = ssl.create_default_context(cafile=str(other_cert))
    a, b = socket.socketpair()
    thread = threading.Thread(target=_swallow_handshake, args=(server_ctx, b))
    thread.start()
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            client_ctx.wrap_socket(a, server_hostname="localhost")
    finally:
        a.close()
        thread.join(10)
        b.close()


def _swallow_handshake(ctx: ssl.SSLContext, sock: socket.socket) -> None:
    # The client aborts the handshake; that is the point of the test.
    with contextlib.suppress(ssl.SSLError, OSError):
        ctx.wrap_socket(sock, server_side=True).close()


def test_server_context_settings(tmp_path: Path) -> None:
    ctx = server_context(*ensure_self_signed(tmp_path))
    assert ctx.minimum_version == ssl.TLSVersion.TLSv1_2
    assert ctx.verify_mode == ssl.CERT_NONE
