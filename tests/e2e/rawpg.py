"""A minimal raw PostgreSQL v3 protocol client for tests that need to misbehave on the wire."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import socket
import struct
from dataclasses import dataclass, field

PROTOCOL_V3 = 196608
CANCEL_CODE = 80877102
SSL_CODE = 80877103


def startup_packet(params: dict[str, str], code: int = PROTOCOL_V3) -> bytes:
    body = struct.pack("!I", code)
    for k, v in params.items():
        body += k.encode() + b"\0" + v.encode() + b"\0"
    body += b"\0"
    return struct.pack("!I", len(body) + 4) + body


def message(kind: bytes, payload: bytes = b"") -> bytes:
    return kind + struct.pack("!I", len(payload) + 4) + payload


def query(sql: str) -> bytes:
    return message(b"Q", sql.encode() + b"\0")


def extended_query(sql: str) -> bytes:
    """Parse, Bind, Execute and Sync of the unnamed statement, in one write (as drivers do)."""
    return (
        message(b"P", b"\0" + sql.encode() + b"\0\0\0")
        + message(b"B", b"\0\0" + b"\0\0" * 3)
        + message(b"E", b"\0" + b"\0" * 4)
        + message(b"S")
    )


def cancel_request(pid: int, secret: int) -> bytes:
    return struct.pack("!IIII", 16, CANCEL_CODE, pid, secret)


def parse_fields(payload: bytes) -> dict[str, str]:
    """The fields of an ErrorResponse or NoticeResponse body."""
    out: dict[str, str] = {}
    for part in payload.split(b"\0"):
        if part:
            out[chr(part[0])] = part[1:].decode()
    return out


def recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return buf


def read_message(sock: socket.socket) -> tuple[bytes, bytes]:
    head = recv_exact(sock, 5)
    (length,) = struct.unpack("!I", head[1:])
    return head[:1], recv_exact(sock, length - 4)


def read_until_closed_or_error(sock: socket.socket) -> dict[str, str] | None:
    """Read messages until an ErrorResponse (returned) or EOF/reset (None)."""
    try:
        while True:
            kind, payload = read_message(sock)
            if kind == b"E":
                return parse_fields(payload)
    except (ConnectionError, OSError):
        return None


@dataclass
class RawConn:
    """An authenticated raw connection: the socket and the BackendKeyData."""

    sock: socket.socket
    pid: int = 0
    secret: int = 0
    params: dict[str, str] = field(default_factory=dict)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(message(b"X"))
        self.sock.close()

    def simple(self, sql: str) -> tuple[list[list[bytes | None]], dict[str, str] | None]:
        """Run one Query; the rows (text) and the ErrorResponse fields, if any."""
        self.sock.sendall(query(sql))
        rows: list[list[bytes | None]] = []
        error: dict[str, str] | None = None
        while True:
            kind, payload = read_message(self.sock)
            if kind == b"D":
                (n,) = struct.unpack("!H", payload[:2])
                pos, row = 2, []
                for _ in range(n):
                    (ln,) = struct.unpack("!i", payload[pos : pos + 4])
                    pos += 4
                    if ln < 0:
                        row.append(None)
                    else:
                        row.append(payload[pos : pos + ln])
                        pos += ln
                rows.append(row)
            elif kind == b"E":
                error = parse_fields(payload)
            elif kind == b"Z":
                return rows, error


def _scram(sock: socket.socket, user: str, password: str) -> None:
    nonce = base64.b64encode(os.urandom(18)).decode()
    first_bare = f"n=,r={nonce}"
    first = b"n,," + first_bare.encode()
    mech = b"SCRAM-SHA-256\0"
    sock.sendall(message(b"p", mech + struct.pack("!I", len(first)) + first))
    kind, payload = read_message(sock)
    if kind == b"E":
        raise PermissionError(parse_fields(payload))
    server_first = payload[4:].decode()
    attrs = dict(item.split("=", 1) for item in server_first.split(","))
    salt, iters, rnonce = base64.b64decode(attrs["s"]), int(attrs["i"]), attrs["r"]
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iters)
    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
    stored = hashlib.sha256(client_key).digest()
    without_proof = f"c=biws,r={rnonce}"
    auth_msg = f"{first_bare},{server_first},{without_proof}".encode()
    sig = hmac.new(stored, auth_msg, "sha256").digest()
    proof = base64.b64encode(bytes(a ^ b for a, b in zip(client_key, sig, strict=True))).decode()
    sock.sendall(message(b"p", f"{without_proof},p={proof}".encode()))


def connect(
    host: str, port: int, user: str, password: str, database: str, timeout: float = 15.0
) -> RawConn:
    """Open a plain (no TLS) connection and authenticate (SCRAM, MD5 or cleartext)."""
    sock = socket.create_connection((host, port), timeout=timeout)
    conn = RawConn(sock)
    sock.sendall(startup_packet({"user": user, "database": database}))
    while True:
        kind, payload = read_message(sock)
        if kind == b"R":
            (code,) = struct.unpack("!I", payload[:4])
            if code == 10:
                _scram(sock, user, password)
            elif code == 5:
                inner = hashlib.md5((password + user).encode()).hexdigest()
                outer = hashlib.md5(inner.encode() + payload[4:8]).hexdigest()
                sock.sendall(message(b"p", b"md5" + outer.encode() + b"\0"))
            elif code == 3:
                sock.sendall(message(b"p", password.encode() + b"\0"))
        elif kind == b"K":
            conn.pid, conn.secret = struct.unpack("!iI", payload[:8])
        elif kind == b"S":
            k, v, _ = payload.split(b"\0", 2)
            conn.params[k.decode()] = v.decode()
        elif kind == b"E":
            sock.close()
            raise PermissionError(parse_fields(payload))
        elif kind == b"Z":
            return conn
