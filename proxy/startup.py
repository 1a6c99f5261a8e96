"""The startup phase of a connection: SSLRequest, GSSENCRequest, CancelRequest, authentication.

``StartupAuth`` is mixed into ``Connection``. It upgrades to TLS when asked, answers a
CancelRequest, picks the password exchange the client can complete (SCRAM-SHA-256; Redshift's
SHA-256 digest for Redshift's drivers; md5 or cleartext over TLS when configured), and creates
the session with the parameters the client sent. A client must authenticate within
``auth_timeout_seconds``, and an address with too many failed attempts is refused for a while
before its password is even asked for (``proxy.wire.auth.AuthThrottle``).
"""

from __future__ import annotations

import asyncio
import math
import ssl
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from catalog import errors as err
from catalog.model import User
from catalog.passwords import Verifiers
from proxy import settings
from proxy.session import Session
from proxy.wire import auth, backend, frontend
from proxy.wire.framing import read_message, read_startup

if TYPE_CHECKING:
    from proxy.connection import Connection


class StartupAuth:
    """Startup and authentication (a mixin of ``Connection``)."""

    async def _startup(self: Connection) -> bool:
        """Negotiate, authenticate and open the session; False after a CancelRequest."""
        # PostgreSQL's authentication_timeout: a client that stalls before it has logged in
        # would otherwise hold its socket and task for ever.
        async with asyncio.timeout(self.server.config.limits.auth_timeout_seconds):
            while True:
                msg = frontend.decode_startup(await read_startup(self.reader))
                if isinstance(msg, frontend.SSLRequest):
                    if self.server.tls_context is not None and not self.tls:
                        self.writer.write(b"S")
                        await self.writer.drain()
                        try:
                            await self.writer.start_tls(self.server.tls_context)
                        except ssl.SSLError as exc:
                            # A failed handshake is the client's doing, not a server fault.
                            raise ConnectionError(f"TLS handshake failed: {exc}") from None
                        self.tls = True
                    else:
                        self.writer.write(b"N")
                    continue
                if isinstance(msg, frontend.GSSENCRequest):
                    self.writer.write(b"N")
                    continue
                if isinstance(msg, frontend.CancelRequest):
                    self.server.cancel(msg.pid, msg.secret)
                    return False
                break
            user, database = await self._authenticate(msg.params)
        await self._open_session(user, database, msg.params)
        return True

    async def _read_auth(self) -> bytes:
        while True:
            mtype, body = await read_message(self.reader, 64 * 1024)
            if mtype in (b"p", b"d"):
                return body
            if mtype == b"H":  # redshift_connector sends a Flush after its password
                continue
            raise err.ProtocolViolation(
                f"expected password response, got message type {mtype.decode('latin-1')!r}"
            )

    async def _authenticate(self, params: dict[str, str]) -> tuple[User, str]:
        """Check the client's password; returns the user and the database to connect to."""
        username = params.get("user", "").lower()
        if not username:
            raise err.InvalidAuthorizationSpecification(
                "no PostgreSQL user name specified in startup packet"
            )
        throttle = self.server.auth_throttle
        peer = self.writer.get_extra_info("peername")
        address = peer[0] if isinstance(peer, tuple) else str(peer or "")
        # Refused before the user is even looked up, so the refusal says nothing about it.
        _refuse_if_throttled(throttle.blocked(address))
        database = params.get("database") or "dev"
        ns = self.workgroup.namespace
        user = self.server.catalog.user(ns.guid, username)
        try:
            await self._password_exchange(username, user, params)
            if user is not None and not _may_log_in(user):
                # A disabled or expired login fails like a wrong password: it reveals nothing.
                raise err.InvalidPassword(
                    f'password authentication failed for user "{username}"')
        except err.InvalidPassword:
            throttle.failed(address)
            raise
        # Guesses sent in parallel all pass the first check; one that succeeds after the
        # others' failures started a back-off is refused like them, so it reveals nothing.
        _refuse_if_throttled(throttle.blocked(address))
        throttle.succeeded(address)
        assert user is not None  # a missing user always fails the exchange
        if self.server.catalog.database(ns.guid, database) is None:
            raise err.FatalError(
                f'database "{database}" does not exist', sqlstate="3D000"
            )
        limit = user.connection_limit
        if limit is not None and not user.superuser and sum(
            1 for c in self.server.sessions.values()
            if c.session is not None and c.session.namespace.guid == ns.guid
            and c.session.login_user.name == user.name
        ) >= limit:
            raise err.TooManyConnections(f'too many connections for role "{user.name}"')
        return user, database

    async def _open_session(self, user: User, database: str, params: dict[str, str]) -> None:
        ns = self.workgroup.namespace
        session = Session(
            pid=self.server.next_pid(),
            user=user,
            namespace=ns,
            database=database,
            workgroup=self.workgroup.name,
            cursor=self.server.engine.cursor(),
            aliases=self.server.aliases[ns.guid],
            generation=self.server.generation[ns.guid],
            accounts=self.server.authorizer.shared.accounts,
            external=self.server.authorizer.shares.external_of(ns.guid),
            directory=self.server.authorizer.directory,
            blank_facts=self.server.blank_facts,
            redshift_driver=is_redshift_driver(params),
        )
        self._apply_startup_params(session, params)
        await self.server.engine.run(session.set_identity)
        await self.server.engine.run(session.apply_time_zone)
        await self.server.engine.run(session.apply_search_path)
        await self.server.engine.run(self.server.wlm.prepare_cursor, session)
        self.session = session
        self._reverse_aliases = {a: n for n, a in session.aliases.items()}
        self.server.sessions[session.pid] = self
        self.server.wlm.session_started(self)
        self.send(backend.authentication_ok())
        for name, value in session.reported():
            self.send(backend.parameter_status(name, value))
        self.send(backend.backend_key_data(session.pid, session.secret))
        self.send(backend.ready_for_query(session.tx))
        await self.flush()

    async def _password_exchange(
        self, username: str, user: User | None, params: dict[str, str]
    ) -> None:
        secret = self.server.mock_secret
        # Redshift's drivers announce themselves and cannot complete SCRAM (redshift_connector
        # 2.2 mis-parses the mechanism list); they get Redshift's SHA-256 digest (code 13).
        redshift_driver = is_redshift_driver(params)
        method = self.server.auth_method
        if method == "scram-sha-256" and redshift_driver:
            method = "digest"
        if method == "digest":
            digest = auth.RedshiftDigest(
                user.sha256_verifier if user else None, username=username, mock_secret=secret
            )
            self.send(backend.authentication_request(13, digest.request()))
            await self.flush()
            digest.verify(await self._read_auth())
        elif method == "md5":
            salt = auth.md5_salt()
            self.send(backend.authentication_md5(salt))
            await self.flush()
            if not auth.md5_response_ok(user.md5_verifier if user else None, salt,
                                        await self._read_auth()):
                raise err.InvalidPassword(f'password authentication failed for user "{username}"')
        elif method == "password":
            if not self.tls:
                raise err.InvalidAuthorizationSpecification(
                    "cleartext password authentication is only allowed over TLS"
                )
            self.send(backend.authentication_cleartext())
            await self.flush()
            password = await self._read_auth()
            verifiers = None
            if user is not None:
                verifiers = Verifiers(user.scram_verifier or "", user.md5_verifier or "",
                                      user.sha256_verifier)
            if not auth.cleartext_ok(verifiers, username, password):
                raise err.InvalidPassword(f'password authentication failed for user "{username}"')
        else:
            scram = auth.ScramServer(
                user.scram_verifier if user else None, username=username, mock_secret=secret
            )
            self.send(backend.authentication_sasl(auth.SASL_MECHANISMS))
            await self.flush()
            mechanism, first = auth.parse_sasl_initial_response(await self._read_auth())
            if mechanism != "SCRAM-SHA-256":
                raise err.InvalidAuthorizationSpecification(
                    "client selected an invalid SASL authentication mechanism"
                )
            self.send(backend.authentication_sasl_continue(scram.first(first)))
            await self.flush()
            self.send(backend.authentication_sasl_final(scram.final(await self._read_auth())))
        if user is None:
            raise err.InvalidPassword(f'password authentication failed for user "{username}"')

    def _apply_startup_params(self, session: Session, params: dict[str, str]) -> None:
        pairs = dict(params)
        options = pairs.pop("options", "")
        for opt in options.replace("--", "-c ").split("-c "):
            if "=" in opt:
                key, _, value = opt.strip().partition("=")
                pairs[key.strip()] = value.strip()
        for key, value in pairs.items():
            name = settings.normalize(key)
            param = settings.PARAMS.get(name)
            if param is None or param.read_only:
                continue  # drivers send their own keys (driver_version, os_version, ...)
            try:
                session.values[name] = settings.validate(name, value, session.values[name])
            except err.SQLError:
                # A client's zone or style we cannot honour is answered with our own value in
                # ParameterStatus; the client adapts to what the server reports.
                continue

    # -- the message loop -----------------------------------------------------------------


def is_redshift_driver(params: dict[str, str]) -> bool:
    """Whether a startup packet comes from one of Redshift's drivers, which announce
    themselves (redshift_connector, Redshift's JDBC and ODBC drivers)."""
    return "client_protocol_version" in params or "driver_version" in params


def _refuse_if_throttled(wait: float) -> None:
    """The error for an address in its back-off (``wait`` seconds left), the same for any user."""
    if wait > 0:
        raise err.InvalidAuthorizationSpecification(
            "too many failed authentication attempts",
            detail=f"Authentication from this address is refused for {math.ceil(wait)} s.",
        )


def _may_log_in(user: User) -> bool:
    """PASSWORD DISABLE and an expired VALID UNTIL refuse every password login."""
    if user.disabled:
        return False
    return user.valid_until is None or user.valid_until > datetime.now(UTC).replace(tzinfo=None)
