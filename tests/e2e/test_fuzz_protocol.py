"""Protocol fuzzer: hostile frontend traffic against a real server, which must shrug it off.

Hypothesis builds malformed startup packets, garbage during authentication, well-framed
messages with hostile contents (invalid UTF-8, wrong counts, unknown types, bad binary
parameters) and badly framed streams (wrong length fields, truncation). For every example:

- the server answers or closes the connection within a bounded wait (it never hangs);
- no ErrorResponse is an internal error (XX000), and a binary parameter the server cannot
  decode is a data error of that Bind (22P03 and friends), after which the session goes on;
- the server log gains no traceback (an unexpected exception ends a connection silently,
  so the log is where a server bug shows);
- a session that was not closed answers a probe query afterwards.

At the end a session opened before the fuzzing, and a new one, still work, and the server's
resident memory has not grown beyond a generous bound. Examples are derandomized (a fixed seed
per test) so CI runs are reproducible; ``DUCKSHIFT_FUZZ_SCALE=10`` runs ten times as many.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e import rawpg
from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start

pytestmark = pytest.mark.slow_file(70)

MAX_MESSAGE = 64 * 1024
MAX_STATEMENT = 16 * 1024

CONFIG = f"""
[server.limits]
max_message_bytes = {MAX_MESSAGE}
max_statement_length = {MAX_STATEMENT}
max_prepared_statements = 20
max_portals = 20
auth_failures_before_backoff = 0  # the fuzzer fails authentication on purpose, often
auth_timeout_seconds = 10

[[namespace]]
name = "fuzz"
admin_password = "{ADMIN_PASSWORD}"

[[workgroup]]
name = "fuzz"
namespace = "fuzz"
port = {{port}}
"""

# How long the server may take to answer or close before the example counts as a hang.
ANSWER_WITHIN_S = 15.0
# Growth of the server's resident memory over the whole module that still passes.
RSS_GROWTH_BOUND = 256 * 1024 * 1024

_SCALE = float(os.environ.get("DUCKSHIFT_FUZZ_SCALE", "1"))


def fuzz(examples: int) -> settings:
    """Reproducible settings: the same examples on every run, no example database."""
    return settings(
        max_examples=max(1, int(examples * _SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


# -- the server under fire -------------------------------------------------------------------


@dataclass
class Target:
    """The fuzzed server, a session opened before the fuzzing, and the server's log."""

    server: RunningServer
    witness: psycopg.Connection[tuple[object, ...]]
    log: Path
    log_offset: int
    rss_before: int

    def new_log_problems(self) -> str:
        """Log lines written since the last call that show a server fault ('' if none)."""
        with self.log.open("rb") as f:
            f.seek(self.log_offset)
            raw = f.read()
        self.log_offset += len(raw)
        text = raw.decode(errors="replace")
        return text if "Traceback" in text or "Error" in text else ""


def rss_bytes(pid: int) -> int:
    """VmRSS of a process, from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    port = free_port()
    data = tmp_path_factory.mktemp("fuzz") / "data"
    srv = start(data, config=CONFIG.format(port=port), ports={"fuzz": port})
    witness = psycopg.connect(srv.dsn, autocommit=True)
    witness.execute("create table kept (a int)")
    witness.execute("insert into kept values (1), (2)")
    log = data.parent / f"{data.name}.log"
    yield Target(srv, witness, log, log.stat().st_size, rss_bytes(srv.proc.pid))
    witness.close()
    srv.stop()


# -- talking to it -----------------------------------------------------------------------------


def frame(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("!i", len(body) + 4) + body


def cstr(raw: bytes) -> bytes:
    return raw + b"\0"


def i16(n: int) -> bytes:
    return struct.pack("!h", n)


def u16(n: int) -> bytes:
    return struct.pack("!H", n)


def i32(n: int) -> bytes:
    return struct.pack("!i", n)


# Ends whatever the fuzzed messages left open (extended batch, transaction block), then asks.
PROBE = (frame(b"S", b"") + frame(b"Q", cstr(b"rollback"))
         + frame(b"Q", cstr(b"select 'still here'")))


@dataclass
class Reply:
    """What the server sent back: messages, and whether it closed (or reset) the connection."""

    messages: list[tuple[bytes, bytes]]
    closed: bool
    reset: bool = False

    def errors(self) -> list[dict[str, str]]:
        return [rawpg.parse_fields(body) for kind, body in self.messages if kind == b"E"]

    def answered_probe(self) -> bool:
        return any(kind == b"D" and b"still here" in body for kind, body in self.messages)


def send(sock: socket.socket, data: bytes) -> None:
    """Send, tolerating a server that has already closed (it may refuse mid-message)."""
    with contextlib.suppress(OSError):
        sock.sendall(data)


def read_reply(sock: socket.socket, *, until_probe: bool) -> Reply:
    """Read messages until the server closes or (``until_probe``) answers the probe query."""
    deadline = time.monotonic() + ANSWER_WITHIN_S
    buf = b""
    messages: list[tuple[bytes, bytes]] = []
    while True:
        while len(buf) >= 5:
            (length,) = struct.unpack("!i", buf[1:5])
            if len(buf) < 1 + length:
                break
            messages.append((buf[:1], buf[5 : 1 + length]))
            buf = buf[1 + length :]
            if until_probe and messages[-1][0] == b"Z" and any(
                kind == b"D" and b"still here" in body for kind, body in messages
            ):
                return Reply(messages, closed=False)
        left = deadline - time.monotonic()
        assert left > 0, f"server neither answered nor closed within {ANSWER_WITHIN_S}s"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:  # reset: the server closed with our bytes still unread
            return Reply(messages, closed=True, reset=True)
        if not chunk:
            return Reply(messages, closed=True)
        buf += chunk


def read_until_closed(sock: socket.socket) -> bytes:
    """Every byte until the server closes (the startup phase mixes in unframed bytes)."""
    deadline = time.monotonic() + ANSWER_WITHIN_S
    data = b""
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"server did not close within {ANSWER_WITHIN_S}s of our EOF"
        sock.settimeout(left)
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            continue
        except OSError:
            return data
        if not chunk:
            return data
        data += chunk


def login(server: RunningServer) -> socket.socket:
    conn = rawpg.connect(server.host, server.port, server.user, server.password, "dev")
    return conn.sock


def check_clean(target: Target) -> None:
    problems = target.new_log_problems()
    assert not problems, f"the server logged a fault:\n{problems}"


def check_errors(reply: Reply) -> None:
    for fields in reply.errors():
        assert fields.get("C") != "XX000", fields
        assert fields.get("S") in ("ERROR", "FATAL"), fields
        assert fields.get("M"), fields


# -- strategies --------------------------------------------------------------------------------

INVALID_UTF8 = [b"\xff", b"\xc3\x28", b"\xe2\x82", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80",
                b"\xc0\xaf", b"\x80"]

raw_text = st.one_of(
    st.text(max_size=12).map(str.encode),
    st.binary(max_size=12),
    st.tuples(st.text(max_size=4), st.sampled_from(INVALID_UTF8)).map(
        lambda t: t[0].encode() + t[1]
    ),
).map(lambda b: b.replace(b"\0", b""))

names = st.one_of(st.sampled_from([b"", b"s1", b"s2", b"p1", b"c1"]), raw_text)

SQL = [
    b"select 1", b"select $1", b"select $1, $2", b"select $1::int + 1", b"select a from kept",
    b"select * from kept where a = $1", b"insert into kept values ($1)", b"begin", b"commit",
    b"rollback", b"select 1; select 2", b"", b"  ", b"select", b"select 'x' || $1",
    b"declare c1 cursor for select a from kept", b"fetch 1 from c1", b"close c1",
    b"set statement_timeout = 1000", b"show timezone", b"copy kept from stdin",
    b"copy kept to stdout", b"select $70000", b"select $0", b"prepare x as select 1",
    b"select '\\x00'::bytea", b"select 1/0", b"select * from nowhere", b"vacuum",
    b"select a ?", b"\x01?",
]

statements = st.one_of(
    st.sampled_from(SQL),
    raw_text,
    st.tuples(st.sampled_from(SQL), st.sampled_from(INVALID_UTF8)).map(lambda t: t[0] + t[1]),
    # Over the statement limit in characters; under it in characters but over it in bytes.
    st.sampled_from([b"select '" + b"x" * MAX_STATEMENT + b"'",
                     b"select 1 -- " + "\u00e9".encode() * (MAX_STATEMENT // 2)]),
    # Deep nesting for the parser.
    st.integers(100, 3000).map(lambda n: b"select " + b"(" * n + b"1" + b")" * n),
)

OIDS = [0, 16, 17, 18, 19, 20, 21, 23, 25, 26, 114, 700, 701, 705, 1042, 1043, 1082, 1083,
        1114, 1184, 1186, 1266, 1700, 2950, 3802, 1000, 1005, 1007, 1009, 1016, 1021, 1022,
        1115, 1182, 1231, 2951, 4294967295, 12345]

oids = st.one_of(st.sampled_from(OIDS), st.integers(0, 2**32 - 1))

int16s = st.one_of(st.sampled_from([0, 1, 2, -1, 3, 32767, -32768]), st.integers(-32768, 32767))


@st.composite
def count_of(draw: st.DrawFn, actual: int) -> bytes:
    """An item count: mostly the true one, sometimes wrong or absurd (unsigned 16 bits)."""
    n = draw(st.one_of(st.just(actual), st.just(actual), st.integers(0, 65535)))
    return u16(n)


@st.composite
def parse_body(draw: st.DrawFn) -> bytes:
    types = draw(st.lists(oids, max_size=4))
    body = cstr(draw(names)) + cstr(draw(statements)) + draw(count_of(len(types)))
    return body + b"".join(struct.pack("!I", t) for t in types)


param_value = st.one_of(
    st.none(),
    st.binary(max_size=24),
    st.sampled_from([b"1", b"-1", b"abc", b"\x00\x00\x00\x01", b"\xff" * 8, b"{1,2}",
                     b"2024-01-01", b"1e999", b"9" * 5000, b"{" * 100]),
)


@st.composite
def bind_body(draw: st.DrawFn) -> bytes:
    formats = draw(st.lists(st.one_of(st.sampled_from([0, 1]), int16s), max_size=3))
    params = draw(st.lists(param_value, max_size=3))
    results = draw(st.lists(st.one_of(st.sampled_from([0, 1]), int16s), max_size=3))
    body = cstr(draw(names)) + cstr(draw(names))
    body += draw(count_of(len(formats))) + b"".join(i16(f) for f in formats)
    body += draw(count_of(len(params)))
    for p in params:
        if p is None:
            body += i32(draw(st.sampled_from([-1, -1, -2, -(2**31)])))
        else:
            length = draw(st.one_of(st.just(len(p)), st.integers(-3, len(p) + 3)))
            body += i32(length) + p
    body += draw(count_of(len(results))) + b"".join(i16(r) for r in results)
    return body


@st.composite
def message(draw: st.DrawFn) -> bytes:
    """One well-framed frontend message, its contents often hostile."""
    kind = draw(st.sampled_from(b"QPBDECSHdcfpFX!Z\x00"))
    k = bytes([kind])
    if k == b"Q":
        body = cstr(draw(statements))
    elif k == b"P":
        body = draw(parse_body())
    elif k == b"B":
        body = draw(bind_body())
    elif k in (b"D", b"C"):
        body = draw(st.sampled_from([b"S", b"P", b"X", b""])) + cstr(draw(names))
    elif k == b"E":
        body = cstr(draw(names)) + i32(draw(st.sampled_from([0, 1, 2, -1, 2**31 - 1])))
    elif k == b"X":
        body = b""
    else:
        body = draw(st.binary(max_size=32))
    if draw(st.integers(0, 20)) == 0:  # sometimes a body with extra or missing bytes
        body = draw(st.one_of(st.just(body[:-1]), st.just(body + b"\0junk")))
    return frame(k, body)


# -- startup phase --------------------------------------------------------------------------

STARTUP_CODES = [196608, 196609, 131072, 262144, 80877103, 80877104, 80877102, 0, 1234,
                 -1]


@st.composite
def startup_packet(draw: st.DrawFn) -> bytes:
    code = draw(st.one_of(st.sampled_from(STARTUP_CODES), st.integers(-(2**31), 2**31 - 1)))
    keys = [b"user", b"database", b"options", b"application_name", b"client_encoding",
            b"timezone", b"search_path", b"statement_timeout", b"client_protocol_version",
            b"replication", b"datestyle"]
    params = draw(st.lists(st.tuples(st.one_of(st.sampled_from(keys), raw_text),
                                     st.one_of(st.sampled_from([b"admin", b"dev", b"nobody",
                                                                b"-c search_path=x",
                                                                b"99999999999999999999"]),
                                               raw_text)), max_size=5))
    body = i32(code) + b"".join(cstr(k) + cstr(v) for k, v in params)
    if draw(st.booleans()):
        body += b"\0"
    length = draw(st.one_of(st.just(len(body) + 4), st.just(len(body) + 4),
                            st.integers(-5, 20_000)))
    return i32(length) + body


startup_streams = st.one_of(
    st.binary(max_size=64),
    startup_packet(),
    st.lists(startup_packet(), min_size=2, max_size=3).map(b"".join),
    st.tuples(st.sampled_from([struct.pack("!ii", 8, 80877104), struct.pack("!ii", 8, 80877103)]),
              st.binary(max_size=300)).map(b"".join),
    message(),  # a typed message where the startup packet belongs
)


@fuzz(600)
@given(data=startup_streams)
def test_startup_phase(target: Target, data: bytes) -> None:
    with socket.create_connection((target.server.host, target.server.port), timeout=5) as s:
        send(s, data)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_WR)
        read_until_closed(s)
    check_clean(target)


@pytest.mark.parametrize("eof", [False, True], ids=["open", "half-closed"])
@pytest.mark.parametrize(
    "tail", [b"GET / HTTP/1.1\r\n\r\n", b"\x16\x03\x01\x00\x05hello"], ids=["http", "bad-hello"]
)
def test_tls_request_then_no_handshake(target: Target, tail: bytes, eof: bool) -> None:
    with socket.create_connection((target.server.host, target.server.port), timeout=5) as s:
        s.sendall(struct.pack("!ii", 8, 80877103))
        assert s.recv(1) == b"S"
        send(s, tail)
        if eof:
            s.shutdown(socket.SHUT_WR)
        read_until_closed(s)
    # A round trip on another session lets the server finish with the failed one first.
    with login(target.server) as s:
        send(s, PROBE)
        assert read_reply(s, until_probe=True).answered_probe()
    check_clean(target)


# -- authentication phase -----------------------------------------------------------------

sasl_first = st.one_of(
    st.builds(lambda flag, user, nonce, extra: flag + b"," + user + b",r=" + nonce + extra,
              st.sampled_from([b"n,", b"y,", b"p=tls-unique,", b"x,", b"n,a=admin", b""]),
              st.sampled_from([b"n=", b"n=admin", b"m=ext", b""]),
              st.one_of(st.just(b"abcdefgh"), raw_text),
              st.sampled_from([b"", b",e=1", b",,"])),
    raw_text,
)


@st.composite
def sasl_initial(draw: st.DrawFn) -> bytes:
    mechanism = draw(st.sampled_from([b"SCRAM-SHA-256", b"SCRAM-SHA-256-PLUS", b"MD5", b""]))
    first = draw(sasl_first)
    length = draw(st.one_of(st.just(len(first)), st.integers(-2, 100)))
    return frame(b"p", cstr(mechanism) + i32(length) + first)


auth_messages = st.one_of(
    sasl_initial(),
    st.binary(max_size=64).map(lambda b: frame(b"p", b)),
    st.binary(max_size=64).map(lambda b: frame(b"d", b)),  # Redshift's digest reply
    st.sampled_from([b"c=biws,r=x,p=AAAA", b"c=,r=,p=", b"p=", b"c=biws"]).map(
        lambda b: frame(b"p", b)
    ),
    st.just(frame(b"H", b"")),
    message(),
)


@fuzz(500)
@given(
    user=st.sampled_from([b"admin", b"nobody", b"ADMIN"]),
    digest=st.booleans(),
    stream=st.lists(auth_messages, min_size=1, max_size=3).map(b"".join),
)
def test_authentication_phase(target: Target, user: bytes, digest: bool, stream: bytes) -> None:
    params = cstr(b"user") + cstr(user) + cstr(b"database") + cstr(b"dev")
    if digest:  # announces a Redshift driver: the SHA-256 digest exchange instead of SCRAM
        params += cstr(b"client_protocol_version") + cstr(b"2")
    packet = i32(196608) + params + b"\0"
    with socket.create_connection((target.server.host, target.server.port), timeout=5) as s:
        send(s, i32(len(packet) + 4) + packet + stream)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_WR)
        reply = read_reply(s, until_probe=False)
    check_errors(reply)
    for fields in reply.errors():
        assert fields["S"] == "FATAL", fields
        assert fields["C"] in ("08P01", "28000", "28P01"), fields
    check_clean(target)


# -- after login: well-framed messages with hostile contents -------------------------------


@fuzz(800)
@given(stream=st.lists(message(), min_size=1, max_size=6))
def test_framed_messages_after_login(target: Target, stream: list[bytes]) -> None:
    with login(target.server) as s:
        send(s, b"".join(stream) + PROBE)
        reply = read_reply(s, until_probe=True)
    check_errors(reply)
    check_clean(target)
    if reply.closed and not reply.reset and frame(b"X", b"") not in stream:
        # A server that ends a session says why.
        assert any(f["S"] == "FATAL" for f in reply.errors()), reply.messages[-3:]
    if not reply.closed:
        assert reply.answered_probe()


# -- after login: broken framing --------------------------------------------------------------


@st.composite
def broken_stream(draw: st.DrawFn) -> bytes:
    data = bytearray(b"".join(draw(st.lists(message(), min_size=1, max_size=4))))
    for _ in range(draw(st.integers(1, 3))):
        action = draw(st.sampled_from(["length", "cut", "insert"]))
        pos = draw(st.integers(0, max(0, len(data) - 1)))
        if action == "length" and len(data) >= 5:
            start = min(pos, len(data) - 4)
            data[start : start + 4] = i32(draw(st.one_of(
                st.sampled_from([0, 3, 4, 5, MAX_MESSAGE + 5, 2**31 - 1, -1, -(2**31)]),
                st.integers(-10, 200),
            )))
        elif action == "cut":
            del data[pos:]
        else:
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(data)


@fuzz(500)
@given(data=broken_stream())
def test_broken_framing_after_login(target: Target, data: bytes) -> None:
    with login(target.server) as s:
        send(s, data)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_WR)
        reply = read_reply(s, until_probe=False)
    assert reply.closed
    check_errors(reply)
    check_clean(target)


# -- after login: binary (and text) parameters of every type --------------------------------

NUMERIC_SIGNS = [0, 0x4000, 0xC000, 0xD000, 0xF000, 0x1234, 0xFFFF]


@st.composite
def numeric_bytes(draw: st.DrawFn) -> bytes:
    digits = draw(st.lists(st.one_of(st.integers(0, 9999), st.integers(-32768, 32767)),
                           max_size=5))
    ndigits = draw(st.one_of(st.just(len(digits)), st.integers(0, 65535)))
    weight = draw(st.one_of(st.integers(-3, 5), st.integers(-32768, 32767)))
    sign = draw(st.sampled_from(NUMERIC_SIGNS))
    dscale = draw(st.one_of(st.integers(0, 20), st.integers(0, 65535)))
    return struct.pack("!HhHH", ndigits, weight, sign, dscale) + b"".join(
        struct.pack("!h", d) for d in digits
    )


@st.composite
def array_bytes(draw: st.DrawFn, element_oid: int) -> bytes:
    ndim = draw(st.one_of(st.integers(0, 2), st.sampled_from([-1, 7, 100, 2**31 - 1])))
    flags = draw(st.sampled_from([0, 0, 1, 2]))
    elem = draw(st.one_of(st.just(element_oid), st.sampled_from([23, 20, 25, 1007, 0])))
    dims = draw(st.lists(st.tuples(st.one_of(st.integers(0, 3), st.integers(-5, 2**31 - 1)),
                                   st.integers(-(2**31), 2**31 - 1)),
                         min_size=max(0, min(ndim, 3)), max_size=max(0, min(ndim, 3))))
    out = struct.pack("!iiI", ndim, flags, elem)
    out += b"".join(struct.pack("!ii", d, lb) for d, lb in dims)
    for _ in range(draw(st.integers(0, 4))):
        item = draw(st.one_of(st.none(), st.binary(max_size=9)))
        if item is None:
            out += i32(-1)
        else:
            out += i32(draw(st.one_of(st.just(len(item)), st.integers(-3, 12)))) + item
    return out


def fixed(size: int) -> st.SearchStrategy[bytes]:
    """Values of a fixed-size type: right-sized random bytes, extremes, and wrong sizes."""
    return st.one_of(
        st.binary(min_size=size, max_size=size),
        st.sampled_from([b"\x7f" + b"\xff" * (size - 1), b"\x80" + b"\x00" * (size - 1),
                         b"\xff" * size, b"\x00" * size]),
        st.binary(max_size=size + 2),
    )


BINARY_VALUES: dict[int, st.SearchStrategy[bytes]] = {
    16: fixed(1), 18: fixed(1), 21: fixed(2), 23: fixed(4), 20: fixed(8), 26: fixed(4),
    700: fixed(4), 701: fixed(8), 1082: fixed(4), 1114: fixed(8), 1184: fixed(8),
    1083: st.one_of(fixed(8), st.sampled_from([i for v in (86_400_000_000, 86_400_000_001, -1)
                                               for i in [struct.pack("!q", v)]])),
    1266: st.one_of(fixed(12), st.tuples(st.integers(0, 86_400_000_000),
                                         st.integers(-(2**31), 2**31 - 1))
                    .map(lambda t: struct.pack("!qi", *t))),
    1186: st.one_of(fixed(16), st.tuples(st.integers(-(2**63), 2**63 - 1),
                                         st.integers(-(2**31), 2**31 - 1),
                                         st.integers(-(2**31), 2**31 - 1))
                    .map(lambda t: struct.pack("!qii", *t))),
    1700: st.one_of(numeric_bytes(), st.binary(max_size=12)),
    2950: fixed(16),
    3802: st.one_of(st.binary(max_size=10), st.binary(max_size=10).map(lambda b: b"\x01" + b)),
    17: st.binary(max_size=16), 25: st.binary(max_size=16), 1043: st.binary(max_size=16),
    1007: array_bytes(23), 1016: array_bytes(20), 1009: array_bytes(25),
    1231: array_bytes(1700), 1115: array_bytes(1114), 1182: array_bytes(1082),
}

TEXT_VALUES = st.one_of(
    st.sampled_from([b"1", b" 42 ", b"-", b"9" * 5000, b"1e999999999", b"nan", b"-inf",
                     b"{1,2}", b"{{1},{2,3}}", b"{" * 200 + b"}" * 200, b'{"a', b"{1,",
                     b"\\x4g", b"\\", b"2024-13-45", b"infinity", b"24:00:00", b"99999-01-01",
                     b"0000-01-01", b"1 BC", b"tru", b"o", b"", b"{}", b"NULL"]),
    st.binary(max_size=16),
)

# The SQLSTATEs a Bind of a well-formed statement may fail with: bad data, not a server fault.
BIND_ERRORS = {"22P03", "22P02", "22003", "22008", "22007", "22009", "22021", "22023", "42804",
               "54000", "0A000", "22000", "42883", "42846", "22P05"}


@fuzz(1000)
@given(
    oid=st.sampled_from(sorted(BINARY_VALUES)),
    binary=st.booleans(),
    data=st.data(),
)
def test_bind_parameters(target: Target, oid: int, binary: bool, data: st.DataObject) -> None:
    value = data.draw(BINARY_VALUES[oid] if binary else TEXT_VALUES)
    with login(target.server) as s:
        send(s, frame(b"P", cstr(b"") + cstr(b"select $1") + u16(1) + struct.pack("!I", oid))
             + frame(b"B", cstr(b"") + cstr(b"") + u16(1) + i16(int(binary)) + u16(1)
                     + i32(len(value)) + value + u16(1) + i16(1))
             + frame(b"E", cstr(b"") + i32(0)) + PROBE)
        reply = read_reply(s, until_probe=True)
    check_errors(reply)
    check_clean(target)
    assert not reply.closed, (reply.errors(), value)
    for fields in reply.errors():
        assert fields["S"] == "ERROR", fields
        assert fields["C"] in BIND_ERRORS, (fields, value)
    assert reply.answered_probe()


@fuzz(300)
@given(
    formats=st.lists(st.sampled_from([0, 1]), max_size=3),
    params=st.lists(st.sampled_from([b"7", None]), max_size=3),
    results=st.lists(st.sampled_from([0, 1]), max_size=3),
)
def test_bind_counts(
    target: Target, formats: list[int], params: list[bytes | None], results: list[int]
) -> None:
    # Two parameters and two result columns: every other count is the client's mistake.
    body = cstr(b"") + cstr(b"") + u16(len(formats)) + b"".join(i16(f) for f in formats)
    body += u16(len(params)) + b"".join(
        i32(-1) if p is None else i32(len(p)) + p for p in params
    )
    body += u16(len(results)) + b"".join(i16(r) for r in results)
    # A text "7" read as binary int4 is 1 byte, not 4: binary formats fail as data errors.
    parse = frame(b"P", cstr(b"") + cstr(b"select $1::int4, $2::int4") + u16(0))
    with login(target.server) as s:
        send(s, parse + frame(b"B", body) + frame(b"E", cstr(b"") + i32(0)) + PROBE)
        reply = read_reply(s, until_probe=True)
    check_errors(reply)
    check_clean(target)
    # Checked in PostgreSQL's order: parameter counts, parameter values, result formats.
    codes = {f["C"] for f in reply.errors()}
    if len(params) != 2 or len(formats) not in (0, 1, 2):
        assert codes == {"08P01"}, (codes, formats, params, results)
    elif any(f == 1 and p is not None
             for f, p in zip(formats * 2 if len(formats) == 1 else formats or [0, 0], params,
                             strict=True)):
        assert codes == {"22P03"}, codes
    elif len(results) not in (0, 1, 2):
        assert codes == {"08P01"}, (codes, results)
    else:
        assert not codes and any(kind == b"D" for kind, _ in reply.messages[:-3]), codes
    if not reply.closed:
        assert reply.answered_probe()


# -- and afterwards --------------------------------------------------------------------------


def test_server_survived(target: Target) -> None:
    assert target.server.proc.poll() is None, "the server process died"
    # The session opened before the fuzzing still works, and so does a new one.
    assert target.witness.execute("select sum(a) from kept").fetchone() == (3,)
    with psycopg.connect(target.server.dsn) as c:
        assert c.execute("select count(*) from kept").fetchone() == (2,)
        assert c.execute("select %s::int + 1", (41,)).fetchone() == (42,)
    check_clean(target)
    rss_after = rss_bytes(target.server.proc.pid)
    growth = rss_after - target.rss_before
    assert growth < RSS_GROWTH_BOUND, (
        f"server RSS grew by {growth / 2**20:.0f} MiB "
        f"({target.rss_before / 2**20:.0f} -> {rss_after / 2**20:.0f} MiB)"
    )
