"""Password verifiers: what the catalog stores instead of a password, and how they are made.

A password never reaches disk in clear. ``make_verifiers()`` turns it, once, into the three
forms the wire protocol can check later: a PostgreSQL SCRAM-SHA-256 verifier
(``SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>``, RFC 5803 as PostgreSQL stores
it), the PostgreSQL/Redshift MD5 verifier (``md5`` + md5(password + username)) and the Redshift
SHA-256 verifier (``sha256|<digest hex>|<salt hex>`` with digest = sha256(password + salt), the
form Redshift's ``CREATE USER ... PASSWORD 'sha256|...'`` accepts), which is what the Redshift
drivers' AUTH_REQ_DIGEST (code 13) exchange proves knowledge of. The MD5 and SHA-256 verifiers
are password-equivalent for their own exchanges (whoever holds them can log in with them) but
do not reveal the password; only the SCRAM verifier resists that. SCRAM passwords go through
SASLprep exactly as PostgreSQL's ``pg_saslprep`` does, falling back to the raw bytes when the
password is not valid UTF-8 or SASLprep rejects it, so libpq, asyncpg and pgjdbc all agree.
This module does no I/O; ``proxy/wire/auth.py`` runs the exchanges against these strings.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import stringprep
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

SCRAM_DEFAULT_ITERATIONS = 4096
SCRAM_SALT_LEN = 16
SHA256_SALT_LEN = 32

# RFC 4013 section 2.3 (with RFC 3454 tables); PostgreSQL also prohibits unassigned code points.
_SASLPREP_PROHIBITED: tuple[Callable[[str], bool], ...] = (
    stringprep.in_table_a1,
    stringprep.in_table_c12,
    stringprep.in_table_c21_c22,
    stringprep.in_table_c3,
    stringprep.in_table_c4,
    stringprep.in_table_c5,
    stringprep.in_table_c6,
    stringprep.in_table_c7,
    stringprep.in_table_c8,
    stringprep.in_table_c9,
)


@dataclass(frozen=True)
class Verifiers:
    """The stored forms of one user's password; an empty string means "not available".

    ``sha256`` is optional so that catalogs written before it existed still load; a user
    without it cannot use Redshift's AUTH_REQ_DIGEST exchange.
    """

    scram: str
    md5: str
    sha256: str | None = None


def saslprep_bytes(password: str | bytes) -> bytes:
    """Return the bytes SCRAM hashes for ``password``, as PostgreSQL's ``pg_saslprep`` does.

    Bytes that are not UTF-8, and strings that SASLprep rejects, are used unchanged, which is
    PostgreSQL's documented deviation from RFC 5802; clients copy it, so the server must too.
    """
    if isinstance(password, bytes):
        try:
            text = password.decode("utf-8")
        except UnicodeDecodeError:
            return password
    else:
        text = password
    if text.isascii():
        return text.encode("utf-8")
    mapped = "".join(
        " " if stringprep.in_table_c12(c) else c for c in text if not stringprep.in_table_b1(c)
    )
    normalized = unicodedata.normalize("NFKC", mapped)
    if not normalized or any(check(c) for c in normalized for check in _SASLPREP_PROHIBITED):
        return text.encode("utf-8")
    if any(stringprep.in_table_d1(c) for c in normalized) and (
        not stringprep.in_table_d1(normalized[0])
        or not stringprep.in_table_d1(normalized[-1])
        or any(stringprep.in_table_d2(c) for c in normalized)
    ):
        return text.encode("utf-8")
    return normalized.encode("utf-8")


def scram_keys(password: str | bytes, salt: bytes, iterations: int) -> tuple[bytes, bytes]:
    """Return (StoredKey, ServerKey) for ``password`` per RFC 5802 section 3 with SHA-256."""
    salted = hashlib.pbkdf2_hmac("sha256", saslprep_bytes(password), salt, iterations)
    client_key = hmac.digest(salted, b"Client Key", "sha256")
    server_key = hmac.digest(salted, b"Server Key", "sha256")
    return hashlib.sha256(client_key).digest(), server_key


def format_scram_verifier(
    iterations: int, salt: bytes, stored_key: bytes, server_key: bytes
) -> str:
    """Serialise SCRAM parameters in PostgreSQL's ``pg_authid.rolpassword`` format."""

    def b64(b: bytes) -> str:
        return base64.b64encode(b).decode("ascii")

    return f"SCRAM-SHA-256${iterations}:{b64(salt)}${b64(stored_key)}:{b64(server_key)}"


def make_scram_verifier(
    password: str | bytes, iterations: int = SCRAM_DEFAULT_ITERATIONS, salt: bytes | None = None
) -> str:
    """Return a PostgreSQL SCRAM-SHA-256 verifier, salted randomly unless ``salt`` is given."""
    if iterations < 1:
        raise ValueError("SCRAM iteration count must be positive")
    salt = secrets.token_bytes(SCRAM_SALT_LEN) if salt is None else salt
    stored_key, server_key = scram_keys(password, salt, iterations)
    return format_scram_verifier(iterations, salt, stored_key, server_key)


def parse_scram_verifier(v: str) -> tuple[int, bytes, bytes, bytes]:
    """Split a SCRAM verifier into (iterations, salt, StoredKey, ServerKey).

    Raises ``ValueError`` if ``v`` is not a well-formed SCRAM-SHA-256 verifier.
    """
    try:
        method, params, keys = v.split("$")
        iter_text, salt_b64 = params.split(":")
        stored_b64, server_b64 = keys.split(":")
        iterations = int(iter_text)
        salt = base64.b64decode(salt_b64, validate=True)
        stored_key = base64.b64decode(stored_b64, validate=True)
        server_key = base64.b64decode(server_b64, validate=True)
    except (ValueError, binascii.Error) as exc:
        raise ValueError("malformed SCRAM-SHA-256 verifier") from exc
    if method != "SCRAM-SHA-256" or iterations < 1 or not salt:
        raise ValueError("malformed SCRAM-SHA-256 verifier")
    if len(stored_key) != 32 or len(server_key) != 32:
        raise ValueError("malformed SCRAM-SHA-256 verifier")
    return iterations, salt, stored_key, server_key


def make_md5_verifier(username: str, password: str | bytes) -> str:
    """Return ``'md5' + md5(password + username)``, PostgreSQL's and Redshift's MD5 form."""
    pw = password.encode("utf-8") if isinstance(password, str) else password
    return "md5" + hashlib.md5(pw + username.encode("utf-8")).hexdigest()


def is_md5_verifier(v: str) -> bool:
    """Tell whether ``v`` has the shape of an MD5 verifier (``md5`` and 32 lowercase hex digits)."""
    return len(v) == 35 and v.startswith("md5") and all(c in "0123456789abcdef" for c in v[3:])


def make_sha256_verifier(password: str | bytes, salt: bytes | None = None) -> str:
    """Return Redshift's ``sha256|<sha256(password + salt) hex>|<salt hex>`` verifier.

    The salt is random (32 bytes) unless given. The password is hashed as UTF-8 without
    SASLprep because the Redshift drivers send ``password.encode('utf-8')``.
    """
    pw = password.encode("utf-8") if isinstance(password, str) else password
    salt = secrets.token_bytes(SHA256_SALT_LEN) if salt is None else salt
    return f"sha256|{hashlib.sha256(pw + salt).hexdigest()}|{salt.hex()}"


def parse_sha256_verifier(v: str) -> tuple[bytes, bytes]:
    """Split a Redshift SHA-256 verifier into (digest, salt); ``ValueError`` if malformed."""
    try:
        method, digest_hex, salt_hex = v.split("|")
        digest, salt = bytes.fromhex(digest_hex), bytes.fromhex(salt_hex)
    except ValueError as exc:
        raise ValueError("malformed sha256 verifier") from exc
    if method != "sha256" or len(digest) != 32 or not salt:
        raise ValueError("malformed sha256 verifier")
    return digest, salt


def make_verifiers(
    username: str, password: str, iterations: int = SCRAM_DEFAULT_ITERATIONS
) -> Verifiers:
    """Derive every stored form of ``password`` for ``username``; the password is not kept."""
    return Verifiers(
        scram=make_scram_verifier(password, iterations),
        md5=make_md5_verifier(username, password),
        sha256=make_sha256_verifier(password),
    )


def password_problem(password: str) -> str | None:
    """What breaks Redshift's password rules, or None: 8-64 printable ASCII characters with an
    upper-case letter, a lower-case letter and a digit, and none of ' " \\ / @ or space."""
    if not 8 <= len(password) <= 64:
        return "must be 8 to 64 characters long"
    bad = sorted({c for c in password if c in "'\"\\/@ " or not 33 <= ord(c) <= 126})
    if bad:
        return f"must not contain {' '.join(repr(c) for c in bad)}"
    if not (
        any(c.isupper() for c in password)
        and any(c.islower() for c in password)
        and any(c.isdigit() for c in password)
    ):
        return "must contain an upper-case letter, a lower-case letter and a digit"
    return None


def verifiers_from_statement(username: str, given: str) -> Verifiers | str:
    """The verifiers for ``CREATE/ALTER USER ... PASSWORD 'given'``, or what is wrong with it.

    Redshift also takes a password already hashed: ``md5<hex of md5(password + user)>`` or
    ``sha256|<digest>|<salt>``; only that exchange can then check it (no SCRAM verifier).
    """
    if len(given) == 35 and given.startswith("md5") and all(
        c in "0123456789abcdef" for c in given[3:]
    ):
        return Verifiers(scram="", md5=given, sha256="")
    if given.startswith("sha256|"):
        try:
            parse_sha256_verifier(given)
        except ValueError:
            return "malformed sha256 password hash"
        return Verifiers(scram="", md5="", sha256=given)
    problem = password_problem(given)
    if problem is not None:
        return f"password {problem}"
    return make_verifiers(username, given)
