"""Tests of catalog/passwords.py: verifier formats, independent cross-checks and SASLprep.

SCRAM keys are cross-checked against ``scramp`` (installed with redshift_connector), MD5
verifiers against a fixed vector, and SASLprep against the behaviour PostgreSQL documents.
"""

from __future__ import annotations

import base64
import hashlib

import pytest
import scramp

from catalog.passwords import (
    Verifiers,
    make_md5_verifier,
    make_scram_verifier,
    make_sha256_verifier,
    make_verifiers,
    parse_scram_verifier,
    parse_sha256_verifier,
    saslprep_bytes,
)

SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")  # RFC 7677 section 3


def test_scram_verifier_format_and_roundtrip() -> None:
    v = make_scram_verifier("pencil", 4096, SALT)
    assert v.startswith("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$")
    iterations, salt, stored_key, server_key = parse_scram_verifier(v)
    assert (iterations, salt) == (4096, SALT)
    assert len(stored_key) == len(server_key) == 32


def test_scram_keys_match_scramp() -> None:
    _, stored_key, server_key, _ = scramp.ScramMechanism("SCRAM-SHA-256").make_auth_info(
        "pencil", iteration_count=4096, salt=SALT
    )
    assert parse_scram_verifier(make_scram_verifier("pencil", 4096, SALT))[2:] == (
        stored_key,
        server_key,
    )


def test_scram_salt_is_random_and_iterations_kept() -> None:
    a, b = make_scram_verifier("x", 5000), make_scram_verifier("x", 5000)
    assert a != b
    assert parse_scram_verifier(a)[0] == 5000
    assert len(parse_scram_verifier(a)[1]) == 16


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "md5abc",
        "SCRAM-SHA-1$4096:W22ZaJ0SNY7soEsUEjb6gQ==$" + "A" * 44 + ":" + "A" * 44,
        "SCRAM-SHA-256$0:W22ZaJ0SNY7soEsUEjb6gQ==$" + "A" * 43 + "=:" + "A" * 43 + "=",
        "SCRAM-SHA-256$x:W22ZaJ0SNY7soEsUEjb6gQ==$" + "A" * 43 + "=:" + "A" * 43 + "=",
        "SCRAM-SHA-256$4096:!!!$" + "A" * 43 + "=:" + "A" * 43 + "=",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$QUJD:QUJD",
        "SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==",
    ],
)
def test_parse_scram_verifier_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_scram_verifier(bad)


def test_md5_verifier_known_vector() -> None:
    # PostgreSQL: SELECT 'md5' || md5('secret' || 'alice')
    assert make_md5_verifier("alice", "secret") == "md5" + hashlib.md5(b"secretalice").hexdigest()
    assert make_md5_verifier("postgres", "postgres") == "md53175bce1d3201d16594cebf9d7eb3f9d"


def test_sha256_verifier_matches_redshift_format() -> None:
    salt = bytes(range(32))
    v = make_sha256_verifier("My_PaSsWoRd", salt)
    assert v == f"sha256|{hashlib.sha256(b'My_PaSsWoRd' + salt).hexdigest()}|{salt.hex()}"
    assert parse_sha256_verifier(v) == (hashlib.sha256(b"My_PaSsWoRd" + salt).digest(), salt)
    assert len(parse_sha256_verifier(make_sha256_verifier("x"))[1]) == 32


@pytest.mark.parametrize("bad", ["", "sha256|zz|00", "sha256|00|00", "md5|" + "0" * 64 + "|00"])
def test_parse_sha256_verifier_rejects_malformed(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_sha256_verifier(bad)


def test_make_verifiers_stores_no_cleartext() -> None:
    v = make_verifiers("bob", "Sup3rSecret!")
    assert isinstance(v, Verifiers)
    assert v.md5 == make_md5_verifier("bob", "Sup3rSecret!")
    assert v.sha256 is not None
    assert all("Sup3rSecret" not in field for field in (v.scram, v.md5, v.sha256))
    parse_scram_verifier(v.scram)
    parse_sha256_verifier(v.sha256)


def test_verifiers_default_has_no_sha256() -> None:
    assert Verifiers(scram="s", md5="m").sha256 is None


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("plain ascii", b"plain ascii"),
        ("I\u00adX", b"IX"),  # soft hyphen is "mapped to nothing"
        ("\u2168", b"IX"),  # ROMAN NUMERAL NINE normalises (NFKC) to "IX"
        ("a\u00a0b", b"a b"),  # non-ASCII space maps to U+0020
        ("a\u200eb", "a\u200eb".encode()),  # prohibited (C.8): PostgreSQL uses the raw bytes
        ("\u05d0a\u05d0", "\u05d0a\u05d0".encode()),  # mixed RandAL/L: raw bytes
        (b"\xff\xfe", b"\xff\xfe"),  # not UTF-8: raw bytes
    ],
)
def test_saslprep_like_postgresql(password: str | bytes, expected: bytes) -> None:
    assert saslprep_bytes(password) == expected


def test_scram_verifier_uses_saslprep() -> None:
    assert make_scram_verifier("\u2168", 4096, SALT) == make_scram_verifier("IX", 4096, SALT)
