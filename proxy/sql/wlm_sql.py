"""Our grammar for the workload-management statements.

``CANCEL pid ['message']`` is Redshift's. Redshift sets usage limits and workgroup parameters
through its API (CreateUsageLimit, UpdateWorkgroup), not SQL; Duckshift takes them as
statements, for superusers, so the ``duckshift`` CLI (and any client) can change them on a
running server::

    CREATE USAGE LIMIT FOR WORKGROUP wg AMOUNT 10 [PERIOD daily|weekly|monthly]
        [BREACH_ACTION log|emit-metric|deactivate] [USAGE_TYPE serverless-compute]
    ALTER USAGE LIMIT 'id' [AMOUNT n] [BREACH_ACTION action]
    DROP USAGE LIMIT 'id'
    ALTER WORKGROUP wg SET CONFIG_PARAMETERS '{"max_query_execution_time": "60"}'

``proxy.wlm_commands`` carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import TokenType

from catalog.errors import SyntaxError_
from proxy.sql.commands import TokenCursor, _string
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class Cancel:
    """CANCEL pid ['message']."""

    pid: int
    message: str = ""


@dataclass(frozen=True, slots=True)
class CreateUsageLimit:
    workgroup: str
    amount: int
    period: str = "monthly"
    breach_action: str = "log"
    usage_type: str = "serverless-compute"


@dataclass(frozen=True, slots=True)
class AlterUsageLimit:
    limit_id: str
    amount: int | None = None
    breach_action: str | None = None


@dataclass(frozen=True, slots=True)
class DropUsageLimit:
    limit_id: str


@dataclass(frozen=True, slots=True)
class SetWorkgroupParameters:
    workgroup: str
    parameters: str  # a JSON object


Command = Cancel | CreateUsageLimit | AlterUsageLimit | DropUsageLimit | SetWorkgroupParameters


def tag_of(cmd: Command) -> tuple[str, str]:
    """(statement type, command tag) of a workload-management statement."""
    if isinstance(cmd, Cancel):
        return "UTILITY", "CANCEL"
    if isinstance(cmd, SetWorkgroupParameters):
        return "UTILITY", "ALTER WORKGROUP"
    verb = {CreateUsageLimit: "CREATE", AlterUsageLimit: "ALTER", DropUsageLimit: "DROP"}
    return "UTILITY", f"{verb[type(cmd)]} USAGE LIMIT"


def recognize(piece: Piece) -> Command | None:
    """The workload-management statement a statement is, or None."""
    t = TokenCursor(piece)
    head = t.word()
    if head == "CANCEL":
        t.i += 1
        pid = _integer(t)
        message = _string(t) if not t.done() else ""
        t.expect_end()
        return Cancel(pid, message)
    if head in ("CREATE", "ALTER", "DROP") and t.word(1) == "USAGE" and t.word(2) == "LIMIT":
        t.i += 3
        if head == "CREATE":
            return _create(t)
        limit_id = _string(t)
        if head == "DROP":
            t.expect_end()
            return DropUsageLimit(limit_id)
        options = _options(t)
        if not options or set(options) - {"AMOUNT", "BREACH_ACTION"}:
            raise SyntaxError_("ALTER USAGE LIMIT takes AMOUNT and BREACH_ACTION")
        amount = options.get("AMOUNT")
        return AlterUsageLimit(limit_id, int(amount) if amount is not None else None,
                               options.get("BREACH_ACTION"))
    if head == "ALTER" and t.word(1) == "WORKGROUP":
        t.i += 2
        name = _name(t)
        if not t.accept_seq("SET", "CONFIG_PARAMETERS"):
            raise SyntaxError_(f'syntax error at or near "{t.word() or name}"')
        t.accept("=", "TO")
        params = _string(t)
        t.expect_end()
        return SetWorkgroupParameters(name, params)
    return None


def _create(t: TokenCursor) -> CreateUsageLimit:
    if not t.accept_seq("FOR", "WORKGROUP"):
        raise SyntaxError_(f'syntax error at or near "{t.word()}"')
    workgroup = _name(t)
    options = _options(t)
    if "AMOUNT" not in options:
        raise SyntaxError_("CREATE USAGE LIMIT needs AMOUNT (RPU-hours)")
    return CreateUsageLimit(
        workgroup, int(options["AMOUNT"]), options.get("PERIOD", "monthly"),
        options.get("BREACH_ACTION", "log"), options.get("USAGE_TYPE", "serverless-compute"))


_OPTIONS = ("AMOUNT", "PERIOD", "BREACH_ACTION", "USAGE_TYPE")


def _options(t: TokenCursor) -> dict[str, str]:
    options: dict[str, str] = {}
    while not t.done():
        key = t.word()
        if key not in _OPTIONS or key in options:
            raise SyntaxError_(f'syntax error at or near "{t.take().text}"')
        t.i += 1
        t.accept("=")
        options[key] = str(_integer(t)) if key == "AMOUNT" else _word(t)
    return options


def _integer(t: TokenCursor) -> int:
    tok = t.take()
    if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
        raise SyntaxError_(f'syntax error at or near "{tok.text}"')
    return int(tok.text)


def _word(t: TokenCursor) -> str:
    """A value written bare or quoted; bare ones may hold hyphens (emit-metric)."""
    tok = t.peek()
    if tok is not None and tok.token_type == TokenType.STRING:
        return _string(t).lower()
    parts = [t.take().text]
    while t.word() == "-" and t.peek(1) is not None:
        t.i += 1
        parts.append("-" + t.take().text)
    return "".join(parts).lower()


def _name(t: TokenCursor) -> str:
    tok = t.peek()
    if tok is not None and tok.token_type == TokenType.STRING:
        return _string(t)
    return _word(t)
