"""Password authentication exchanges, sans-I/O: payloads to send and checks of what came back.

The framer (``proxy/wire``'s startup code) wraps these payloads in AuthenticationRequest
messages and unwraps the client's replies; nothing here touches a socket. Four exchanges are
provided. SCRAM-SHA-256 (``ScramServer``, codes 10/11/12) follows RFC 5802/7677 the way
PostgreSQL runs it: the SCRAM username is ignored in favour of the startup packet's, no channel
binding is offered (so ``n,,`` and ``y,,`` are accepted and ``p=`` is refused), and an unknown
user gets a complete exchange against a fake verifier derived from a server secret, failing
only at the end exactly like a wrong password. MD5 (code 5) and cleartext (code 3, only over
TLS) check against stored verifiers. ``RedshiftDigest`` is Amazon Redshift's AUTH_REQ_DIGEST
(code 13), the exchange redshift_connector and the Redshift JDBC driver speak instead of SCRAM:
the server sends a stored salt and a fresh nonce, the client answers with a message of type
``'d'`` carrying sha256(sha256(password + salt) + server_nonce + client_nonce) and its nonce.
All secret comparisons are constant-time and failure paths do the same work as success paths.
``AuthThrottle`` counts failed attempts per client address and imposes a back-off on guessing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import ipaddress
import secrets
import struct
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from catalog.errors import InvalidPassword, ProtocolViolation
from catalog.passwords import (
    SCRAM_DEFAULT_ITERATIONS,
    SCRAM_SALT_LEN,
    SHA256_SALT_LEN,
    Verifiers,
    format_scram_verifier,
    is_md5_verifier,
    make_md5_verifier,
    parse_scram_verifier,
    parse_sha256_verifier,
    scram_keys,
)

SCRAM_MECHANISM = "SCRAM-SHA-256"
SASL_MECHANISMS: bytes = SCRAM_MECHANISM.encode("ascii") + b"\x00\x00"
"""Payload of AuthenticationSASL (after the Int32 code 10): the mechanism list, NUL-terminated."""

REDSHIFT_DIGEST_SHA256 = 0
"""Algorithm number 0 of AUTH_REQ_DIGEST; the only one redshift_connector and JDBC implement."""

_SERVER_NONCE_RAW_LEN = 18  # PostgreSQL's SCRAM_RAW_NONCE_LEN
_DIGEST_NONCE_LEN = 32
_MAX_CLIENT_NONCE_LEN = 1024  # redshift_connector sends ~13 digits; anything huge is hostile

# Fake secrets for unknown users are keyed by this per-process secret unless the server passes
# a persistent one, so the same unknown name gets the same salt for the life of the process.
_PROCESS_MOCK_SECRET = secrets.token_bytes(32)


def _auth_failed(username: str) -> InvalidPassword:
    return InvalidPassword(f'password authentication failed for user "{username}"')


def _malformed(detail: str) -> ProtocolViolation:
    return ProtocolViolation("malformed SCRAM message", detail=detail)


def _mock(secret: bytes | None, purpose: bytes, username: str, size: int = 32) -> bytes:
    """Deterministic pseudo-random bytes for an unknown user, unguessable without the secret."""
    key = _PROCESS_MOCK_SECRET if secret is None else secret
    return hmac.digest(key, purpose + b"\x00" + username.encode("utf-8"), "sha256")[:size]


def _mock_scram_verifier(username: str, secret: bytes | None) -> str:
    # The stored/server keys are random-looking values no password produces, so the exchange
    # always fails at the proof check while looking, to the client, like any other user's.
    return format_scram_verifier(
        SCRAM_DEFAULT_ITERATIONS,
        _mock(secret, b"scram-salt", username, SCRAM_SALT_LEN),
        _mock(secret, b"scram-stored-key", username),
        _mock(secret, b"scram-server-key", username),
    )


def parse_sasl_initial_response(payload: bytes) -> tuple[str, bytes]:
    """Split a SASLInitialResponse body into (mechanism, client-first-message).

    Raises ``ProtocolViolation`` for a malformed body or a mechanism other than SCRAM-SHA-256
    (which includes SCRAM-SHA-256-PLUS: it is never offered).
    """
    nul = payload.find(b"\x00")
    if nul < 0 or len(payload) < nul + 5:
        raise ProtocolViolation("malformed SASLInitialResponse message")
    mechanism = payload[:nul].decode("ascii", errors="replace")
    (length,) = struct.unpack_from("!i", payload, nul + 1)
    data = payload[nul + 5 :]
    if length != len(data):
        raise ProtocolViolation("malformed SASLInitialResponse message")
    if mechanism != SCRAM_MECHANISM:
        raise ProtocolViolation("client selected an invalid SASL authentication mechanism")
    return mechanism, data


def _is_printable_nonce(value: str) -> bool:
    """RFC 5802 ``printable``: %x21-2B / %x2D-7E, i.e. visible ASCII except the comma."""
    return bool(value) and all(0x21 <= ord(c) <= 0x7E and c != "," for c in value)


class ScramServer:
    """SCRAM-SHA-256 server side of RFC 5802/7677 as PostgreSQL does it.

    No channel binding is offered: a client-first-message with ``p=`` is refused with
    ``ProtocolViolation`` (08P01); ``n,,`` and ``y,,`` (libpq over TLS when the server offers
    no -PLUS mechanism) are accepted. ``verifier=None`` means an unknown user: the exchange
    runs against a deterministic fake verifier derived from ``mock_secret`` (a per-process
    random secret by default) and ``username``, and fails in ``final()`` with the same
    ``InvalidPassword`` as a wrong password. A verifier that cannot be parsed is treated the
    same way. ``username`` is the startup packet's user (the SCRAM ``n=`` value is ignored, as
    in PostgreSQL; libpq sends it empty) and appears in the error message. ``nonce`` fixes the
    server's part of the nonce (printable ASCII without commas), for tests only.
    """

    def __init__(
        self,
        verifier: str | None,
        *,
        nonce: bytes | None = None,
        username: str = "",
        mock_secret: bytes | None = None,
    ) -> None:
        self._username = username
        parsed: tuple[int, bytes, bytes, bytes] | None = None
        if verifier is not None:
            try:
                parsed = parse_scram_verifier(verifier)
            except ValueError:
                parsed = None
        self._doomed = parsed is None
        if parsed is None:
            parsed = parse_scram_verifier(_mock_scram_verifier(username, mock_secret))
        self._iterations, self._salt, self._stored_key, self._server_key = parsed
        if nonce is None:
            server_nonce = base64.b64encode(secrets.token_bytes(_SERVER_NONCE_RAW_LEN))
        else:
            server_nonce = nonce
        self._server_nonce = server_nonce.decode("ascii", errors="replace")
        if not _is_printable_nonce(self._server_nonce):
            raise ValueError("server nonce must be printable ASCII without commas")
        self._gs2_header = ""
        self._client_first_bare = ""
        self._server_first = ""
        self._full_nonce = ""
        self._state = "initial"

    def first(self, client_first: bytes) -> bytes:
        """Consume the client-first-message and return the server-first-message.

        ``client_first`` is the data part of SASLInitialResponse (see
        ``parse_sasl_initial_response``). Raises ``ProtocolViolation`` on malformed input.
        """
        if self._state != "initial":
            raise ProtocolViolation("unexpected SCRAM client-first-message")
        self._state = "failed"
        text = _decode(client_first)
        flag, sep, rest = text.partition(",")
        if not sep:
            raise _malformed("Comma expected after the channel binding flag.")
        if flag.startswith("p="):
            raise _malformed(
                "The client selected SCRAM-SHA-256 without channel binding, "
                "but the SCRAM message includes channel binding data."
            )
        if flag not in ("n", "y"):
            raise _malformed(f'Unexpected channel-binding flag "{flag[:1]}".')
        authzid, sep, bare = rest.partition(",")
        if not sep:
            raise _malformed("Comma expected after the authorization identity.")
        if authzid:
            raise ProtocolViolation("client uses authorization identity, but it is not supported")
        attrs = bare.split(",")
        if attrs[0].startswith("m="):
            raise _malformed("Mandatory SCRAM extensions are not supported.")
        if not attrs[0].startswith("n="):
            raise _malformed('Expected attribute "n" in client-first-message.')
        if len(attrs) < 2 or not attrs[1].startswith("r="):
            raise _malformed('Expected attribute "r" in client-first-message.')
        client_nonce = attrs[1][2:]
        if not _is_printable_nonce(client_nonce):
            raise _malformed("The client nonce is empty or contains invalid characters.")
        # Further attributes are optional extensions; RFC 5802 says to ignore unknown ones.
        self._gs2_header = f"{flag},,"
        self._client_first_bare = bare
        self._full_nonce = client_nonce + self._server_nonce
        salt_b64 = base64.b64encode(self._salt).decode("ascii")
        self._server_first = f"r={self._full_nonce},s={salt_b64},i={self._iterations}"
        self._state = "first_done"
        return self._server_first.encode("ascii")

    def final(self, client_final: bytes) -> bytes:
        """Verify the client-final-message's proof and return the server-final-message.

        Raises ``ProtocolViolation`` on malformed input or a nonce mismatch, and
        ``InvalidPassword`` (28P01) if the proof is wrong or the user does not exist.
        """
        if self._state != "first_done":
            raise ProtocolViolation("unexpected SCRAM client-final-message")
        self._state = "failed"
        text = _decode(client_final)
        without_proof, sep, proof_attr = text.rpartition(",")
        if not sep or not proof_attr.startswith("p="):
            raise _malformed("Could not find proof in client-final-message.")
        attrs = without_proof.split(",")
        if not attrs[0].startswith("c="):
            raise _malformed('Expected attribute "c" in client-final-message.')
        try:
            cbind = base64.b64decode(attrs[0][2:], validate=True)
        except binascii.Error as exc:
            raise _malformed("Malformed channel binding data.") from exc
        if cbind != self._gs2_header.encode("ascii"):
            raise ProtocolViolation("unexpected SCRAM channel-binding attribute in client-final")
        if len(attrs) < 2 or not attrs[1].startswith("r="):
            raise _malformed('Expected attribute "r" in client-final-message.')
        if attrs[1][2:] != self._full_nonce:
            raise _malformed("The nonce in client-final-message does not match.")
        try:
            proof = base64.b64decode(proof_attr[2:], validate=True)
        except binascii.Error as exc:
            raise _malformed("Malformed proof in client-final-message.") from exc
        if len(proof) != hashlib.sha256().digest_size:
            raise _malformed("Malformed proof in client-final-message.")

        auth_message = ",".join((self._client_first_bare, self._server_first, without_proof))
        auth_bytes = auth_message.encode("utf-8")
        client_signature = hmac.digest(self._stored_key, auth_bytes, "sha256")
        client_key = bytes(a ^ b for a, b in zip(proof, client_signature, strict=True))
        proof_ok = hmac.compare_digest(hashlib.sha256(client_key).digest(), self._stored_key)
        if not proof_ok or self._doomed:
            raise _auth_failed(self._username)
        server_signature = hmac.digest(self._server_key, auth_bytes, "sha256")
        self._state = "done"
        return b"v=" + base64.b64encode(server_signature)


def _decode(message: bytes) -> str:
    try:
        return message.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _malformed("The message is not valid UTF-8.") from exc


def md5_salt() -> bytes:
    """Return the 4 random salt bytes sent in AuthenticationMD5Password (code 5)."""
    return secrets.token_bytes(4)


def md5_response_ok(md5_verifier: str | None, salt: bytes, response: bytes) -> bool:
    """Check a PasswordMessage answering AuthenticationMD5Password.

    The client sends ``'md5' + md5hex(md5hex(password + username) + salt)``; the stored
    verifier is ``'md5' + md5hex(password + username)``, so the check needs no password. A
    trailing NUL left by the framer is ignored. ``None`` (unknown user) or an unusable
    verifier returns ``False`` after the same work, so timing does not reveal which.
    """
    usable = md5_verifier is not None and is_md5_verifier(md5_verifier)
    inner = md5_verifier[3:] if usable and md5_verifier is not None else "0" * 32
    expected = b"md5" + hashlib.md5(inner.encode("ascii") + salt).hexdigest().encode("ascii")
    return hmac.compare_digest(expected, response.removesuffix(b"\x00")) and usable


def cleartext_ok(verifiers: Verifiers | None, username: str, password: bytes) -> bool:
    """Check a cleartext password (AuthenticationCleartextPassword, only ever sent over TLS).

    The SCRAM verifier is preferred (PBKDF2, SASLprep as PostgreSQL). A user whose SCRAM
    verifier is missing (created from an MD5 hash) is checked against the MD5 verifier, then
    against the Redshift SHA-256 one. Unknown users cost one PBKDF2 run like known ones. A
    trailing NUL left by the framer is ignored.
    """
    password = password.removesuffix(b"\x00")
    if verifiers is not None and verifiers.scram:
        try:
            iterations, salt, stored_key, _ = parse_scram_verifier(verifiers.scram)
        except ValueError:
            return False
        computed, _ = scram_keys(password, salt, iterations)
        return hmac.compare_digest(computed, stored_key)
    if verifiers is not None and verifiers.md5:
        return hmac.compare_digest(
            make_md5_verifier(username, password).encode("ascii"),
            verifiers.md5.encode("utf-8"),
        )
    if verifiers is not None and verifiers.sha256:
        try:
            digest, salt = parse_sha256_verifier(verifiers.sha256)
        except ValueError:
            return False
        return hmac.compare_digest(hashlib.sha256(password + salt).digest(), digest)
    scram_keys(password, b"\x00" * SCRAM_SALT_LEN, SCRAM_DEFAULT_ITERATIONS)
    return False


class RedshiftDigest:
    """Amazon Redshift's AUTH_REQ_DIGEST (AuthenticationRequest code 13), server side.

    ``request()`` is the payload after the Int32 code 13::

        Int32 algorithm (0 = SHA-256)  Int32 len  salt  Int32 len  server_nonce

    The client answers with a message of type ``'d'`` (not ``'p'``; during authentication it
    cannot be CopyData) whose body ``verify()`` takes::

        Int32 len  digest  Int32 len  client_nonce

    where digest = sha256(sha256(password_utf8 + salt) + server_nonce + client_nonce) and
    client_nonce is the client's clock in milliseconds as ASCII digits. The inner hash is the
    stored ``sha256|<digest>|<salt>`` verifier, so no password is needed. ``verifier=None``
    (unknown user, or a user without a SHA-256 verifier) runs the same exchange with a salt
    derived from ``mock_secret`` and ``username`` and fails in ``verify()`` like a wrong
    password. ``server_nonce`` is for tests only.
    """

    def __init__(
        self,
        verifier: str | None,
        *,
        username: str = "",
        server_nonce: bytes | None = None,
        mock_secret: bytes | None = None,
    ) -> None:
        self._username = username
        parsed: tuple[bytes, bytes] | None = None
        if verifier is not None:
            try:
                parsed = parse_sha256_verifier(verifier)
            except ValueError:
                parsed = None
        self._doomed = parsed is None
        if parsed is None:
            parsed = (
                _mock(mock_secret, b"digest-hash", username),
                _mock(mock_secret, b"digest-salt", username, SHA256_SALT_LEN),
            )
        self._digest, self._salt = parsed
        self._server_nonce = (
            secrets.token_bytes(_DIGEST_NONCE_LEN) if server_nonce is None else server_nonce
        )
        self._used = False

    def request(self) -> bytes:
        """Return the AuthenticationRequest payload following the Int32 code 13."""
        return (
            struct.pack("!ii", REDSHIFT_DIGEST_SHA256, len(self._salt))
            + self._salt
            + struct.pack("!i", len(self._server_nonce))
            + self._server_nonce
        )

    def verify(self, body: bytes) -> None:
        """Check the body of the client's ``'d'`` message; raise if it does not prove the password.

        Raises ``ProtocolViolation`` for a malformed body or a second attempt, and
        ``InvalidPassword`` (28P01) for a wrong digest or an unknown user.
        """
        if self._used:
            raise ProtocolViolation("unexpected password digest message")
        self._used = True
        digest, offset = _read_sized(body, 0)
        client_nonce, offset = _read_sized(body, offset)
        if offset != len(body) or not client_nonce or len(client_nonce) > _MAX_CLIENT_NONCE_LEN:
            raise ProtocolViolation("malformed password digest message")
        expected = hashlib.sha256(self._digest + self._server_nonce + client_nonce).digest()
        if not hmac.compare_digest(expected, digest) or self._doomed:
            raise _auth_failed(self._username)


def _read_sized(body: bytes, offset: int) -> tuple[bytes, int]:
    """Return the Int32-length-prefixed field at ``offset`` of ``body`` and the offset after it."""
    if len(body) < offset + 4:
        raise ProtocolViolation("malformed password digest message")
    (length,) = struct.unpack_from("!i", body, offset)
    start = offset + 4
    if length < 0 or len(body) < start + length:
        raise ProtocolViolation("malformed password digest message")
    return body[start : start + length], start + length


# Addresses whose failures are remembered at most; the least recently failing are forgotten
# first, so a client cycling through addresses cannot grow the table without bound.
_THROTTLE_MAX_ADDRESSES = 10_000


@dataclass(slots=True)
class _Failures:
    count: int
    last: float
    blocked_until: float = 0.0
    backoff: float = 0.0


class AuthThrottle:
    """Failed password attempts per client address, and the back-off that follows them.

    After ``failures`` failed attempts from one address, each no more than ``window`` seconds
    after the one before (or after the end of a back-off), that address is refused for
    ``backoff`` seconds; every further failure before the count is forgotten doubles the
    back-off, up to ``max_backoff``. A success forgets the address. ``failures`` 0 turns
    throttling off. IPv6 clients are counted per /64, the block one host usually controls.
    The clock is injectable for tests; times are ``time.monotonic`` seconds.
    """

    def __init__(
        self,
        failures: int,
        window: float,
        backoff: float,
        max_backoff: float,
        clock: Callable[[], float] = time.monotonic,
        max_addresses: int = _THROTTLE_MAX_ADDRESSES,
    ) -> None:
        self._threshold = failures
        self._window = window
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._clock = clock
        self._max_addresses = max_addresses
        self._entries: OrderedDict[str, _Failures] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def blocked(self, address: str) -> float:
        """Seconds until ``address`` may try again (0.0: it may try now)."""
        entry = self._entries.get(_client_key(address))
        if entry is None:
            return 0.0
        return max(0.0, entry.blocked_until - self._clock())

    def failed(self, address: str) -> None:
        """Count a failed attempt from ``address``; start or lengthen its back-off."""
        if not self._threshold:
            return
        now = self._clock()
        key = _client_key(address)
        entry = self._entries.pop(key, None)
        if entry is None or now - max(entry.last, entry.blocked_until) > self._window:
            entry = _Failures(0, now)
        entry.count += 1
        entry.last = now
        if entry.count >= self._threshold:
            first = not entry.backoff
            entry.backoff = self._backoff if first else min(2 * entry.backoff, self._max_backoff)
            entry.blocked_until = now + entry.backoff
        self._entries[key] = entry
        while len(self._entries) > self._max_addresses:
            self._entries.popitem(last=False)

    def succeeded(self, address: str) -> None:
        """Forget ``address``'s failures after it authenticated."""
        self._entries.pop(_client_key(address), None)


def _client_key(address: str) -> str:
    """The unit of throttling: an IPv4 address, or the /64 network of an IPv6 address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address  # a Unix socket's path, or no address at all
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)
