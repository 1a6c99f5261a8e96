"""Tests of proxy/wire/auth.py against independent client implementations.

SCRAM is checked against the RFC 7677 test vector, the ``scramp`` client and a minimal RFC 5802
client written here; MD5, cleartext and Redshift's AUTH_REQ_DIGEST (code 13) are driven through
redshift_connector's own ``handle_AUTHENTICATION_REQUEST`` with a stub connection, so the bytes
are exactly what that driver sends.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
from typing import Any

import pytest
import scramp
from redshift_connector.core import Connection

from catalog.errors import InvalidPassword, ProtocolViolation
from catalog.passwords import (
    Verifiers,
    make_md5_verifier,
    make_scram_verifier,
    make_sha256_verifier,
    make_verifiers,
)
from proxy.wire.auth import (
    SASL_MECHANISMS,
    RedshiftDigest,
    ScramServer,
    cleartext_ok,
    md5_response_ok,
    md5_salt,
    parse_sasl_initial_response,
)

RFC_SALT = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
SECRET = b"k" * 32


# -- a minimal, independent RFC 5802 client -----------------------------------------------
class MiniScramClient:
    """Just enough of RFC 5802's client to drive the server with any gs2 header."""

    def __init__(self, password: str, gs2: str = "n,,", nonce: str = "fyko+d2lbbFgONRv9qkxdawL"):
        self.password, self.gs2, self.nonce = password.encode(), gs2, nonce

    def first(self) -> bytes:
        self.bare = f"n=,r={self.nonce}"
        return (self.gs2 + self.bare).encode()

    def final(self, server_first: bytes) -> bytes:
        self.server_first = server_first.decode()
        attrs = dict(a.split("=", 1) for a in self.server_first.split(","))
        assert attrs["r"].startswith(self.nonce)
        salted = hashlib.pbkdf2_hmac(
            "sha256", self.password, base64.b64decode(attrs["s"]), int(attrs["i"])
        )
        client_key = hmac.new(salted, b"Client Key", "sha256").digest()
        self.server_key = hmac.new(salted, b"Server Key", "sha256").digest()
        cbind = base64.b64encode(self.gs2.encode()).decode()
        without_proof = f"c={cbind},r={attrs['r']}"
        self.auth_message = f"{self.bare},{self.server_first},{without_proof}".encode()
        stored_key = hashlib.sha256(client_key).digest()
        signature = hmac.new(stored_key, self.auth_message, "sha256").digest()
        proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
        return f"{without_proof},p={base64.b64encode(proof).decode()}".encode()

    def check_server_final(self, server_final: bytes) -> None:
        expected = hmac.new(self.server_key, self.auth_message, "sha256").digest()
        assert server_final == b"v=" + base64.b64encode(expected)


# -- SCRAM ------------------------------------------------------------------------------
def test_sasl_mechanisms_payload() -> None:
    assert SASL_MECHANISMS == b"SCRAM-SHA-256\x00\x00"


def test_rfc7677_test_vector() -> None:
    server = ScramServer(
        make_scram_verifier("pencil", 4096, RFC_SALT),
        nonce=b"%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        username="user",
    )
    assert server.first(b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO") == (
        b"r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    )
    final = server.final(
        b"c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
        b"p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    )
    assert final == b"v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="


def test_scramp_client_completes() -> None:
    client = scramp.ScramClient(["SCRAM-SHA-256"], "alice", "correct horse")
    server = ScramServer(make_verifiers("alice", "correct horse").scram, username="alice")
    server_first = server.first(client.get_client_first().encode())
    client.set_server_first(server_first.decode())
    server_final = server.final(client.get_client_final().encode())
    client.set_server_final(server_final.decode())  # raises if the server signature is wrong


@pytest.mark.parametrize("gs2", ["n,,", "y,,"])
def test_mini_client_completes_with_and_without_tls_flag(gs2: str) -> None:
    client = MiniScramClient("pw", gs2)
    server = ScramServer(make_scram_verifier("pw"), username="bob")
    client.check_server_final(server.final(client.final(server.first(client.first()))))


def test_saslprep_password_matches_client_side_normalisation() -> None:
    # asyncpg and libpq SASLprep "\u2168" to "IX" before PBKDF2; the verifier must agree.
    client = MiniScramClient("IX")
    server = ScramServer(make_scram_verifier("\u2168"), username="bob")
    client.check_server_final(server.final(client.final(server.first(client.first()))))


def test_server_nonce_is_fresh_and_extends_client_nonce() -> None:
    v = make_scram_verifier("pw")
    a = ScramServer(v).first(b"n,,n=,r=abc")
    b = ScramServer(v).first(b"n,,n=,r=abc")
    assert a != b
    assert a.startswith(b"r=abc") and len(a.split(b",")[0]) > len(b"r=abc") + 20


def test_wrong_password_fails_only_at_final() -> None:
    client = MiniScramClient("wrong")
    server = ScramServer(make_scram_verifier("right"), username="carol")
    client_final = client.final(server.first(client.first()))
    with pytest.raises(InvalidPassword) as err:
        server.final(client_final)
    assert err.value.sqlstate == "28P01"
    assert err.value.severity == "FATAL"
    assert err.value.message == 'password authentication failed for user "carol"'


def test_unknown_user_is_indistinguishable_until_final() -> None:
    known = ScramServer(make_scram_verifier("pw"), username="dave")
    unknown = ScramServer(None, username="nobody", mock_secret=SECRET)
    known_first = known.first(b"n,,n=,r=abc").decode()
    unknown_first = unknown.first(b"n,,n=,r=abc").decode()
    shape = [(a[:2], len(a)) for a in known_first.split(",")]
    assert [(a[:2], len(a)) for a in unknown_first.split(",")] == shape
    assert unknown_first.endswith(",i=4096")
    client = MiniScramClient("pw", nonce="abc")
    client.bare = "n=,r=abc"
    with pytest.raises(InvalidPassword) as err:
        unknown.final(client.final(unknown_first.encode()))
    assert err.value.message == 'password authentication failed for user "nobody"'
    assert type(err.value) is InvalidPassword


def test_unknown_user_salt_is_stable_per_name_and_secret() -> None:
    def salt(username: str, secret: bytes = SECRET) -> str:
        first = ScramServer(None, username=username, mock_secret=secret).first(b"n,,n=,r=a")
        return first.decode().split(",")[1]

    assert salt("ghost") == salt("ghost")
    assert salt("ghost") != salt("spook")
    assert salt("ghost") != salt("ghost", b"other secret")


def test_unparseable_verifier_behaves_like_unknown_user() -> None:
    client = MiniScramClient("pw")
    server = ScramServer("md5" + "0" * 32, username="erin")
    with pytest.raises(InvalidPassword):
        server.final(client.final(server.first(client.first())))


@pytest.mark.parametrize(
    "message",
    [
        b"",
        b"n",
        b"x,,n=,r=abc",
        b"p=tls-server-end-point,,n=,r=abc",
        b"n,a=admin,n=,r=abc",
        b"n,,m=ext,n=,r=abc",
        b"n,,r=abc",
        b"n,,n=",
        b"n,,n=,r=",
        b"n,,n=,x=abc",
        b"n,,n=,r=a\x7fb",
        b"n,,n=\xff,r=abc",
    ],
)
def test_malformed_client_first(message: bytes) -> None:
    server = ScramServer(make_scram_verifier("pw"))
    with pytest.raises(ProtocolViolation) as err:
        server.first(message)
    assert err.value.sqlstate == "08P01"


def test_channel_binding_is_refused_with_postgresql_detail() -> None:
    with pytest.raises(ProtocolViolation) as err:
        ScramServer(make_scram_verifier("pw")).first(b"p=tls-server-end-point,,n=,r=abc")
    assert err.value.detail is not None and "channel binding" in err.value.detail


def _valid_final(server: ScramServer, gs2: str = "n,,") -> bytes:
    client = MiniScramClient("pw", gs2)
    return client.final(server.first(client.first()))


@pytest.mark.parametrize(
    "mangle",
    [
        lambda m: m.rsplit(b",p=", 1)[0],  # no proof
        lambda m: m.replace(b"c=biws", b"c=eSws"),  # y,, after n,,
        lambda m: m.replace(b"c=biws", b"c=!!"),  # bad base64
        lambda m: m.replace(b"c=biws,", b""),  # no channel binding attribute
        lambda m: m.replace(b"r=fyko", b"r=XXXX"),  # nonce mismatch
        lambda m: m.rsplit(b",p=", 1)[0] + b",p=AAAA",  # short proof
        lambda m: m.rsplit(b",p=", 1)[0] + b",p=@@@@",  # proof not base64
        lambda m: m + b"\xff",  # not UTF-8
    ],
)
def test_malformed_client_final(mangle: Any) -> None:
    server = ScramServer(make_scram_verifier("pw"))
    message = _valid_final(server)
    with pytest.raises(ProtocolViolation):
        server.final(mangle(message))


def test_out_of_order_calls_are_protocol_violations() -> None:
    server = ScramServer(make_scram_verifier("pw"))
    with pytest.raises(ProtocolViolation):
        server.final(b"c=biws,r=abc,p=AAAA")
    server = ScramServer(make_scram_verifier("pw"))
    server.first(b"n,,n=,r=abc")
    with pytest.raises(ProtocolViolation):
        server.first(b"n,,n=,r=abc")


def test_no_second_attempt_after_failure() -> None:
    server = ScramServer(make_scram_verifier("right"))
    client = MiniScramClient("wrong")
    final = client.final(server.first(client.first()))
    with pytest.raises(InvalidPassword):
        server.final(final)
    with pytest.raises(ProtocolViolation):
        server.final(final)


def test_invalid_server_nonce_rejected() -> None:
    with pytest.raises(ValueError):
        ScramServer(make_scram_verifier("pw"), nonce=b"a,b")


def test_parse_sasl_initial_response() -> None:
    data = b"n,,n=,r=abc"
    payload = b"SCRAM-SHA-256\x00" + struct.pack("!i", len(data)) + data
    assert parse_sasl_initial_response(payload) == ("SCRAM-SHA-256", data)
    for bad in (
        b"SCRAM-SHA-256",
        b"SCRAM-SHA-256\x00\x00\x00",
        b"SCRAM-SHA-256\x00" + struct.pack("!i", 99) + data,
        b"SCRAM-SHA-256-PLUS\x00" + struct.pack("!i", len(data)) + data,
        b"SCRAM-SHA-256\x00" + struct.pack("!i", -1),
    ):
        with pytest.raises(ProtocolViolation):
            parse_sasl_initial_response(bad)


# -- redshift_connector's own client code, driven through a stub connection ---------------
class StubConnection:
    """The attributes ``Connection.handle_AUTHENTICATION_REQUEST`` touches, recording writes."""

    def __init__(self, user: str, password: str) -> None:
        self.user, self.password = user.encode(), password.encode()
        self.web_identity_token = None
        self.sent = b""

    def _write(self, data: bytes) -> None:
        self.sent += data

    def _flush(self) -> None:
        pass

    def _send_message(self, code: bytes, data: bytes) -> None:
        Connection._send_message(self, code, data)  # type: ignore[arg-type]


def rsc_answer(user: str, password: str, code: int, payload: bytes) -> tuple[bytes, bytes]:
    """Feed AuthenticationRequest(code, payload) to redshift_connector; return its first reply."""
    stub = StubConnection(user, password)
    Connection.handle_AUTHENTICATION_REQUEST(stub, struct.pack("!i", code) + payload, None)  # type: ignore[arg-type]
    kind = stub.sent[:1]
    (length,) = struct.unpack_from("!i", stub.sent, 1)
    return kind, stub.sent[5 : 1 + length]


def test_md5_with_redshift_connector() -> None:
    salt = md5_salt()
    assert len(salt) == 4
    kind, body = rsc_answer("alice", "secret", 5, salt)
    assert kind == b"p"
    assert md5_response_ok(make_md5_verifier("alice", "secret"), salt, body)  # body ends in NUL
    assert md5_response_ok(make_md5_verifier("alice", "secret"), salt, body.rstrip(b"\x00"))
    assert not md5_response_ok(make_md5_verifier("alice", "other"), salt, body)
    assert not md5_response_ok(make_md5_verifier("alice", "secret"), b"\x00" * 4, body)


def test_md5_known_vector() -> None:
    # user postgres, password postgres -> verifier md53175bce1d3201d16594cebf9d7eb3f9d
    verifier = "md53175bce1d3201d16594cebf9d7eb3f9d"
    salt = b"\x01\x02\x03\x04"
    expected = b"md5" + hashlib.md5(verifier[3:].encode() + salt).hexdigest().encode()
    assert md5_response_ok(verifier, salt, expected)


def test_md5_unknown_or_broken_verifier_is_false() -> None:
    salt = b"abcd"
    zeros = b"md5" + hashlib.md5(b"0" * 32 + salt).hexdigest().encode()
    assert not md5_response_ok(None, salt, zeros)
    assert not md5_response_ok("garbage", salt, zeros)
    assert not md5_response_ok("md5" + "0" * 32, salt, b"")


def test_cleartext_with_redshift_connector() -> None:
    kind, body = rsc_answer("bob", "p\u00e4ss", 3, b"")
    assert kind == b"p"
    verifiers = make_verifiers("bob", "p\u00e4ss")
    assert cleartext_ok(verifiers, "bob", body)
    assert not cleartext_ok(verifiers, "bob", b"pass")
    assert not cleartext_ok(None, "bob", body)


def test_cleartext_falls_back_to_md5_then_sha256() -> None:
    md5_only = Verifiers(scram="", md5=make_md5_verifier("bob", "pw"))
    assert cleartext_ok(md5_only, "bob", b"pw")
    assert not cleartext_ok(md5_only, "bob", b"px")
    sha_only = Verifiers(scram="", md5="", sha256=make_sha256_verifier("pw"))
    assert cleartext_ok(sha_only, "bob", b"pw")
    assert not cleartext_ok(sha_only, "bob", b"px")
    assert not cleartext_ok(Verifiers(scram="", md5=""), "bob", b"pw")
    assert not cleartext_ok(Verifiers(scram="junk", md5=""), "bob", b"pw")


def test_redshift_connector_cannot_use_standard_sasl_list() -> None:
    # It parses data[4:-1].split(NUL): the list's empty terminator becomes a mechanism "".
    with pytest.raises(scramp.ScramException):
        rsc_answer("bob", "pw", 10, SASL_MECHANISMS)


def test_redshift_digest_with_redshift_connector() -> None:
    digest = RedshiftDigest(make_sha256_verifier("My_PaSsWoRd\u017d"), username="frank")
    request = digest.request()
    assert struct.unpack_from("!ii", request) == (0, 32)
    kind, body = rsc_answer("frank", "My_PaSsWoRd\u017d", 13, request)
    assert kind == b"d"
    digest.verify(body)


def test_redshift_digest_wire_format() -> None:
    salt, nonce = b"S" * 32, b"N" * 32
    digest = RedshiftDigest(make_sha256_verifier("pw", salt), server_nonce=nonce)
    assert digest.request() == struct.pack("!ii", 0, 32) + salt + struct.pack("!i", 32) + nonce
    client_nonce = b"1700000000000"
    proof = hashlib.sha256(hashlib.sha256(b"pw" + salt).digest() + nonce + client_nonce).digest()
    digest.verify(struct.pack("!i", 32) + proof + struct.pack("!i", 13) + client_nonce)


def test_redshift_digest_wrong_password() -> None:
    digest = RedshiftDigest(make_sha256_verifier("right"), username="gina")
    _, body = rsc_answer("gina", "wrong", 13, digest.request())
    with pytest.raises(InvalidPassword) as err:
        digest.verify(body)
    assert err.value.message == 'password authentication failed for user "gina"'
    with pytest.raises(ProtocolViolation):
        digest.verify(body)


def test_redshift_digest_unknown_user() -> None:
    def salt_of(d: RedshiftDigest) -> bytes:
        return d.request()[8:40]

    a = RedshiftDigest(None, username="ghost", mock_secret=SECRET)
    b = RedshiftDigest(None, username="ghost", mock_secret=SECRET)
    assert salt_of(a) == salt_of(b) != salt_of(RedshiftDigest(None, username="other"))
    assert len(a.request()) == len(RedshiftDigest(make_sha256_verifier("x")).request())
    _, body = rsc_answer("ghost", "anything", 13, a.request())
    with pytest.raises(InvalidPassword) as err:
        a.verify(body)
    assert err.value.message == 'password authentication failed for user "ghost"'


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\x00\x00\x00",
        struct.pack("!i", 32) + b"x" * 31,
        struct.pack("!i", -1),
        struct.pack("!i", 32) + b"x" * 32,
        struct.pack("!i", 32) + b"x" * 32 + struct.pack("!i", 0),
        struct.pack("!i", 32) + b"x" * 32 + struct.pack("!i", 1) + b"1" + b"extra",
        struct.pack("!i", 32) + b"x" * 32 + struct.pack("!i", 2000) + b"1" * 2000,
    ],
)
def test_redshift_digest_malformed(body: bytes) -> None:
    with pytest.raises(ProtocolViolation):
        RedshiftDigest(make_sha256_verifier("pw")).verify(body)
