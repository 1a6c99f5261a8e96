"""Our grammar for Redshift's identity and privilege statements.

CREATE/ALTER/DROP USER, CREATE/DROP ROLE, GRANT/REVOKE (object, column, scoped, role, system
privileges), ALTER DEFAULT PRIVILEGES, ALTER ... OWNER TO, SET SESSION AUTHORIZATION and SHOW
GRANTS. sqlglot leaves most of these opaque or reads them PostgreSQL's way, so they are read
here from tokens into the dataclasses below; ``proxy.access_commands`` carries them out.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot.tokens import TokenType

from catalog.errors import SyntaxError_
from catalog.security import SYSTEM_PRIVILEGES, Grantee
from proxy.sql.commands import TokenCursor, _name, _near
from proxy.sql.show import row_limit
from proxy.sql.split import Piece


@dataclass(frozen=True, slots=True)
class UserOptions:
    """The options of CREATE USER / ALTER USER (None: not given)."""

    password: str | None = None
    password_disabled: bool = False
    superuser: bool | None = None
    createdb: bool | None = None
    connection_limit: int | None = None  # -1: UNLIMITED
    valid_until: str | None = None
    session_timeout: int | None = None
    rename_to: str | None = None
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CreateUser:
    name: str
    options: UserOptions


@dataclass(frozen=True, slots=True)
class AlterUser:
    name: str
    options: UserOptions


@dataclass(frozen=True, slots=True)
class DropUser:
    names: tuple[str, ...]
    if_exists: bool = False


@dataclass(frozen=True, slots=True)
class CreateRole:
    name: str
    external_id: str | None = None


@dataclass(frozen=True, slots=True)
class DropRole:
    name: str
    force: bool = False


@dataclass(frozen=True, slots=True)
class Target:
    """What a privilege statement is about.

    ``kind``: table, schema, database, function, procedure, datashare, all_tables (ALL TABLES
    IN SCHEMA), all_functions, or a scope: scope_tables, scope_schemas, scope_functions
    (FOR ... IN).
    ``names``: qualified names as tuples of parts; for scopes, (schema, database) where either
    may be empty.
    """

    kind: str
    names: tuple[tuple[str, ...], ...]


@dataclass(frozen=True, slots=True)
class Privilege:
    name: str  # SELECT, INSERT, ..., ALL
    columns: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class GrantPrivileges:
    """GRANT/REVOKE privileges ON target / FOR scope TO/FROM grantees."""

    revoke: bool
    privileges: tuple[Privilege, ...]
    target: Target
    grantees: tuple[Grantee, ...]
    grant_option: bool = False  # GRANT: WITH GRANT OPTION; REVOKE: GRANT OPTION FOR
    cascade: bool = False


@dataclass(frozen=True, slots=True)
class GrantRoles:
    """GRANT/REVOKE ROLE r TO/FROM user [WITH ADMIN OPTION] | ROLE r2."""

    revoke: bool
    roles: tuple[str, ...]
    grantees: tuple[Grantee, ...]
    admin_option: bool = False


@dataclass(frozen=True, slots=True)
class GrantSystem:
    """GRANT/REVOKE system privileges TO/FROM ROLE r."""

    revoke: bool
    privileges: tuple[str, ...]
    grantees: tuple[Grantee, ...]


@dataclass(frozen=True, slots=True)
class AlterDefaultPrivileges:
    for_users: tuple[str, ...]
    schemas: tuple[str, ...]
    grant: GrantPrivileges  # target kind: tables or functions


@dataclass(frozen=True, slots=True)
class AlterOwner:
    kind: str  # table, view, schema, database, datashare
    name: tuple[str, ...]
    owner: str


@dataclass(frozen=True, slots=True)
class SetSessionAuthorization:
    user: str | None  # None: DEFAULT (back to the login user)
    reset: bool = False  # spelled RESET SESSION AUTHORIZATION


@dataclass(frozen=True, slots=True)
class ShowGrants:
    """SHOW GRANTS, or SHOW COLUMN GRANTS (``columns``: the column grants of one table)."""

    target: Target | None
    for_grantee: Grantee | None
    columns: bool = False
    limit: int | None = None


Command = (
    CreateUser | AlterUser | DropUser | CreateRole | DropRole | GrantPrivileges | GrantRoles
    | GrantSystem | AlterDefaultPrivileges | AlterOwner | SetSessionAuthorization | ShowGrants
)

_OBJECT_PRIVILEGES = frozenset({
    "SELECT", "INSERT", "UPDATE", "DELETE", "DROP", "REFERENCES", "ALTER", "TRUNCATE",
    "CREATE", "TEMP", "TEMPORARY", "USAGE", "EXECUTE", "SHARE", "ALL",
})
# Words that continue a multi-word system privilege.
_MAX_SYSPRIV_WORDS = 5


def recognize(piece: Piece) -> Command | None:
    """The identity or privilege command a statement is, or None."""
    t = TokenCursor(piece)
    head = t.word()
    if head == "GRANT":
        t.i += 1
        return _grant(t, revoke=False)
    if head == "REVOKE":
        t.i += 1
        return _grant(t, revoke=True)
    if head == "CREATE" and t.word(1) == "USER":
        t.i += 2
        return CreateUser(t.ident(), _user_options(t))
    if head == "ALTER" and t.word(1) == "USER":
        t.i += 2
        return AlterUser(t.ident(), _user_options(t))
    if head == "DROP" and t.word(1) == "USER":
        t.i += 2
        if_exists = t.accept_seq("IF", "EXISTS")
        names = _list(t, t.ident)
        t.expect_end()
        return DropUser(tuple(names), if_exists)
    if head == "CREATE" and t.word(1) == "ROLE":
        t.i += 2
        name = t.ident()
        ext = _string(t) if t.accept("EXTERNALID") else None
        t.expect_end()
        return CreateRole(name, ext)
    if head == "DROP" and t.word(1) == "ROLE":
        t.i += 2
        name = _role(t)
        force = t.accept("FORCE")
        t.accept("RESTRICT")
        t.expect_end()
        return DropRole(name, force)
    if head == "ALTER" and t.word(1) == "DEFAULT" and t.word(2) == "PRIVILEGES":
        t.i += 3
        return _default_privileges(t)
    if head == "ALTER" and t.word(1) in ("TABLE", "VIEW", "SCHEMA", "DATABASE", "DATASHARE"):
        return _alter_owner(t)
    if head == "SET" and t.word(1) == "SESSION" and t.word(2) == "AUTHORIZATION":
        t.i += 3
        if t.accept("DEFAULT"):
            t.expect_end()
            return SetSessionAuthorization(None)
        tok = t.take()
        t.expect_end()
        return SetSessionAuthorization(tok.text if tok.token_type == TokenType.STRING
                                       else _name(tok))
    if head == "RESET" and t.word(1) == "SESSION" and t.word(2) == "AUTHORIZATION":
        t.i += 3
        t.expect_end()
        return SetSessionAuthorization(None, reset=True)
    if head == "SHOW" and t.word(1) == "GRANTS":
        t.i += 2
        return _show_grants(t)
    if head == "SHOW" and t.word(1) == "COLUMN" and t.word(2) == "GRANTS":
        t.i += 3
        return _show_grants(t, columns=True)
    return None


def _list(t: TokenCursor, item):  # type: ignore[no-untyped-def]
    out = [item()]
    while t.accept(","):
        out.append(item())
    return out


def _string(t: TokenCursor) -> str:
    tok = t.take()
    if tok.token_type != TokenType.STRING:
        raise SyntaxError_(f'syntax error at or near "{tok.text}"')
    return tok.text


def _int(t: TokenCursor) -> int:
    tok = t.take()
    neg = False
    if tok.token_type == TokenType.DASH:
        neg, tok = True, t.take()
    if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
        raise SyntaxError_(f'syntax error at or near "{tok.text}"')
    return -int(tok.text) if neg else int(tok.text)


def _role(t: TokenCursor) -> str:
    """A role name; the system roles' ``sys:dba`` spelling arrives as three tokens."""
    name = t.ident()
    while t.word() == ":" and t.peek(1) is not None:
        t.i += 1
        name += ":" + t.ident()
    return name


def _qualified(t: TokenCursor) -> tuple[str, ...]:
    parts = [t.ident()]
    while t.accept("."):
        parts.append(t.ident())
    return tuple(parts)


def _user_options(t: TokenCursor) -> UserOptions:
    opts: dict[str, object] = {}
    t.accept("WITH")
    while not t.done():
        if t.accept("PASSWORD"):
            if t.accept("DISABLE"):
                opts["password_disabled"] = True
            else:
                opts["password"] = _string(t)
        elif t.accept("CREATEUSER"):
            opts["superuser"] = True
        elif t.accept("NOCREATEUSER"):
            opts["superuser"] = False
        elif t.accept("CREATEDB"):
            opts["createdb"] = True
        elif t.accept("NOCREATEDB"):
            opts["createdb"] = False
        elif t.accept_seq("CONNECTION", "LIMIT"):
            opts["connection_limit"] = -1 if t.accept("UNLIMITED") else _int(t)
        elif t.accept_seq("VALID", "UNTIL"):
            opts["valid_until"] = _string(t)
        elif t.accept_seq("SESSION", "TIMEOUT"):
            opts["session_timeout"] = _int(t)
        elif t.accept_seq("RENAME", "TO"):
            opts["rename_to"] = t.ident()
        elif t.accept_seq("IN", "GROUP"):
            opts["groups"] = tuple(_list(t, t.ident))
        elif t.accept_seq("SYSLOG", "ACCESS"):
            if not t.accept("RESTRICTED", "UNRESTRICTED"):
                raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        elif t.accept("EXTERNALID"):
            _string(t)
        elif t.accept("RESET"):
            t.accept("SESSION")
            t.accept("TIMEOUT")
            opts["session_timeout"] = 0
        else:
            t.expect_end()
    return UserOptions(**opts)  # type: ignore[arg-type]


def _grantees(t: TokenCursor) -> tuple[Grantee, ...]:
    out: list[Grantee] = []
    while True:
        if t.accept("ROLE") or t.accept("GROUP"):
            out.append(Grantee("role", t.ident()))
        elif t.accept("PUBLIC"):
            out.append(Grantee("public"))
        elif t.accept("DATASHARE"):
            out.append(Grantee("datashare", t.ident()))
        elif t.accept("NAMESPACE"):
            out.append(Grantee("namespace", _string(t)))
        elif t.accept("ACCOUNT"):
            account = _string(t)
            if t.accept("VIA"):
                t.accept("DATA")
                t.accept("CATALOG")
            out.append(Grantee("account", account))
        else:
            out.append(Grantee("user", t.ident()))
        if not t.accept(","):
            return tuple(out)


def _privileges(t: TokenCursor) -> tuple[Privilege, ...]:
    out: list[Privilege] = []
    while True:
        word = t.word()
        if word not in _OBJECT_PRIVILEGES:
            raise SyntaxError_(f'syntax error at or near "{t.peek().text if t.peek() else ""}"')
        t.i += 1
        if word == "ALL":
            t.accept("PRIVILEGES")
        if word == "TEMPORARY":
            word = "TEMP"
        cols: tuple[str, ...] = ()
        if t.accept("("):
            cols = tuple(_list(t, t.ident))
            if not t.accept(")"):
                raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        out.append(Privilege(word, cols))
        if not t.accept(","):
            return tuple(out)


def _target(t: TokenCursor) -> Target:
    if t.accept_seq("ALL", "TABLES", "IN", "SCHEMA"):
        return Target("all_tables", tuple((n,) for n in _list(t, t.ident)))
    if t.accept_seq("ALL", "FUNCTIONS", "IN", "SCHEMA"):
        return Target("all_functions", tuple((n,) for n in _list(t, t.ident)))
    for word, kind in (("DATABASE", "database"), ("SCHEMA", "schema"),
                       ("DATASHARE", "datashare")):
        if t.accept(word):
            return Target(kind, tuple(_list(t, lambda: _qualified(t))))
    if t.accept("FUNCTION"):
        return Target("function", tuple(_list(t, lambda: _function(t))))
    if t.accept("PROCEDURE"):
        return Target("procedure", tuple(_list(t, lambda: _function(t))))
    if t.word() == "LANGUAGE":
        raise SyntaxError_('syntax error at or near "LANGUAGE"')
    t.accept("TABLE")
    return Target("table", tuple(_list(t, lambda: _qualified(t))))


def _function(t: TokenCursor) -> tuple[str, ...]:
    name = _qualified(t)
    if t.accept("("):
        depth = 1
        while depth:
            tok = t.take()
            if tok.token_type == TokenType.L_PAREN:
                depth += 1
            elif tok.token_type == TokenType.R_PAREN:
                depth -= 1
    return name


def _scope(t: TokenCursor) -> Target:
    if t.accept_seq("TABLES", "IN"):
        kind = "scope_tables"
    elif t.accept_seq("SCHEMAS", "IN"):
        kind = "scope_schemas"
    elif t.accept_seq("FUNCTIONS", "IN") or t.accept_seq("PROCEDURES", "IN"):
        kind = "scope_functions"
    else:
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    schema = database = ""
    if kind != "scope_schemas" and t.accept("SCHEMA"):
        schema = t.ident()
        if t.accept("DATABASE"):
            database = t.ident()
    elif t.accept("DATABASE"):
        database = t.ident()
    else:
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    return Target(kind, ((schema, database),))


def _grant(t: TokenCursor, revoke: bool) -> Command:
    option = False
    if revoke and t.accept_seq("GRANT", "OPTION", "FOR"):
        option = True
    admin_only = revoke and t.accept_seq("ADMIN", "OPTION", "FOR")
    to_word = "FROM" if revoke else "TO"
    if t.word() == "ROLE":
        roles: list[str] = []
        while t.accept("ROLE"):
            roles.append(_role(t))
            t.accept(",")
        if not t.accept(to_word):
            raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
        grantees = _role_grantees(t)
        admin = not revoke and t.accept_seq("WITH", "ADMIN", "OPTION")
        _end_revoke(t)
        return GrantRoles(revoke, tuple(roles), grantees, admin or admin_only)
    # ON or FOR before TO/FROM: privileges on objects; otherwise system privileges.
    j = t.i
    while j < len(t.toks) and t.toks[j].text.upper() not in ("ON", "FOR", to_word):
        j += 1
    sep = t.toks[j].text.upper() if j < len(t.toks) else ""
    if sep == to_word:
        privs = _system_privileges(t, to_word)
        t.i += 1
        grantees = _grantees(t)
        _end_revoke(t)
        return GrantSystem(revoke, privs, grantees)
    privileges = _privileges(t)
    if t.accept("ON"):
        target = _target(t)
    elif t.accept("FOR"):
        target = _scope(t)
    else:
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    if not t.accept(to_word):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    grantees = _grantees(t)
    if not revoke and t.accept_seq("WITH", "GRANT", "OPTION"):
        option = True
    cascade = _end_revoke(t)
    return GrantPrivileges(revoke, privileges, target, grantees, option, cascade)


def _role_grantees(t: TokenCursor) -> tuple[Grantee, ...]:
    out: list[Grantee] = []
    while True:
        if t.accept("ROLE"):
            out.append(Grantee("role", _role(t)))
        else:
            out.append(Grantee("user", t.ident()))
        if not t.accept(","):
            return tuple(out)


def _end_revoke(t: TokenCursor) -> bool:
    cascade = t.accept("CASCADE")
    t.accept("RESTRICT")
    t.expect_end()
    return cascade


def _system_privileges(t: TokenCursor, to_word: str) -> tuple[str, ...]:
    out: list[str] = []
    words: list[str] = []
    while t.word() != to_word:
        tok = t.take()
        if tok.token_type == TokenType.COMMA:
            out.append(" ".join(words))
            words = []
            continue
        words.append(tok.text.upper())
        if len(words) > _MAX_SYSPRIV_WORDS:
            break
    out.append(" ".join(words))
    expanded: list[str] = []
    for name in out:
        if name in ("ALL", "ALL PRIVILEGES"):
            expanded.extend(sorted(SYSTEM_PRIVILEGES))
        elif name in SYSTEM_PRIVILEGES:
            expanded.append(name)
        else:
            raise SyntaxError_(f'syntax error at or near "{name.split()[0] if name else to_word}"')
    return tuple(expanded)


def _default_privileges(t: TokenCursor) -> AlterDefaultPrivileges:
    users: list[str] = []
    schemas: list[str] = []
    while True:
        if t.accept_seq("FOR", "USER"):
            users.extend(_list(t, t.ident))
        elif t.accept_seq("IN", "SCHEMA"):
            schemas.extend(_list(t, t.ident))
        else:
            break
    revoke = t.word() == "REVOKE"
    if not (t.accept("GRANT") or t.accept("REVOKE")):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    option = revoke and t.accept_seq("GRANT", "OPTION", "FOR")
    privileges = _privileges(t)
    if not t.accept("ON"):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    if t.accept("TABLES"):
        kind = "tables"
    elif t.accept("FUNCTIONS") or t.accept("PROCEDURES"):
        kind = "functions"
    else:
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    if not t.accept("FROM" if revoke else "TO"):
        raise SyntaxError_(f'syntax error at or near "{t.word() or "end"}"')
    grantees = _grantees(t)
    if not revoke and t.accept_seq("WITH", "GRANT", "OPTION"):
        option = True
    _end_revoke(t)
    grant = GrantPrivileges(revoke, privileges, Target(kind, ()), grantees, option)
    return AlterDefaultPrivileges(tuple(users), tuple(schemas), grant)


def _alter_owner(t: TokenCursor) -> AlterOwner | None:
    """ALTER TABLE|VIEW|SCHEMA|DATABASE|DATASHARE name OWNER TO user (other ALTERs: None)."""
    kind = t.word(1).lower()
    j = t.i + 2
    while j < len(t.toks) and t.toks[j].text.upper() != "OWNER":
        j += 1
    if j + 1 >= len(t.toks) or t.toks[j + 1].text.upper() != "TO":
        return None
    t.i += 2
    name = _qualified(t)
    if not t.accept_seq("OWNER", "TO"):
        return None
    owner = t.ident()
    t.expect_end()
    return AlterOwner(kind, name, owner)


def _show_grants(t: TokenCursor, columns: bool = False) -> ShowGrants:
    """SHOW [COLUMN] GRANTS [ON target] [FOR grantee] [LIMIT n]; column grants are of a table."""
    target: Target | None = None
    grantee: Grantee | None = None
    limit: int | None = None
    if columns and t.word() != "ON":
        raise _near(t)
    if t.accept("ON"):
        if columns and t.word() != "TABLE":
            raise _near(t)
        target = _target(t)
    if t.accept("FOR"):
        if t.accept("ROLE"):
            grantee = Grantee("role", t.ident())
        elif t.accept("PUBLIC"):
            grantee = Grantee("public")
        else:
            grantee = Grantee("user", t.ident())
    if t.accept("LIMIT"):
        tok = t.take()
        if tok.token_type != TokenType.NUMBER or not tok.text.isdigit():
            raise _near(t)
        limit = row_limit(tok.text)
    t.expect_end()
    return ShowGrants(target, grantee, columns, limit)


def tag_of(cmd: Command) -> tuple[str, str]:
    """(statement type, command tag) of an identity or privilege command."""
    if isinstance(cmd, GrantPrivileges | GrantRoles | GrantSystem):
        return "UTILITY", "REVOKE" if cmd.revoke else "GRANT"
    if isinstance(cmd, AlterOwner):
        return "DDL", f"ALTER {cmd.kind.upper()}"
    if isinstance(cmd, SetSessionAuthorization):
        return "UTILITY", "RESET" if cmd.reset else "SET"
    if isinstance(cmd, ShowGrants):
        return "UTILITY", "SHOW"
    if isinstance(cmd, AlterDefaultPrivileges):
        return "DDL", "ALTER DEFAULT PRIVILEGES"
    words = {CreateUser: "CREATE USER", AlterUser: "ALTER USER", DropUser: "DROP USER",
             CreateRole: "CREATE ROLE", DropRole: "DROP ROLE"}
    return "DDL", words[type(cmd)]
