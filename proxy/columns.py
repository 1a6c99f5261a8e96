"""Column privileges: narrowing a statement to the columns a user may read or update.

A user holding SELECT on only some columns of a table may still query it: ``SELECT *`` returns
only those columns (as Redshift does, silently), and naming any other column is denied. The
statement is parsed again, its stars over such tables are expanded to the permitted columns,
every column it names from them is checked, and the DuckDB SQL is generated anew for this
execution (the cached translation stays the unrestricted one).
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlglot import exp

from catalog import errors as err
from proxy.sql.pipeline import compile_tree, parse
from proxy.sql.references import Ref

if TYPE_CHECKING:
    from proxy.access import Authorizer, Narrowing
    from proxy.session import Session
    from proxy.sql.pipeline import Statement


def narrowed_sql(session: Session, stmt: Statement,
                 narrowed: dict[tuple[str, str, str], Narrowing],
                 authorizer: Authorizer) -> str:
    """The DuckDB SQL of ``stmt`` restricted to the permitted columns; 42501 if it names
    any other column of a narrowed relation."""
    tree = parse(stmt.text)
    # Each narrowed table of the statement by the name its columns are qualified with.
    scopes: dict[str, tuple[Narrowing, list[str]]] = {}
    for table in tree.find_all(exp.Table):
        if not isinstance(table.this, exp.Identifier):
            continue
        ref = Ref("relation", _name(table.args.get("catalog")), _name(table.args.get("db")),
                  _name(table.this) or "", "SELECT")
        r = authorizer.resolve_quietly(session, ref)
        if r is None or (r.alias, r.schema, ref.name) not in narrowed:
            continue
        alias = table.args.get("alias")
        if isinstance(alias, exp.TableAlias) and alias.columns:
            # t AS x(a, b, c) renames columns: what a name refers to is no longer checkable.
            raise err.InsufficientPrivilege(f"permission denied for relation {ref.name}")
        every = authorizer.directory.columns(r.alias, r.schema, ref.name)
        scopes[table.alias_or_name] = (narrowed[(r.alias, r.schema, ref.name)], every)
    if not scopes:
        raise err.InsufficientPrivilege("permission denied for relation "
                                        + next(iter(narrowed.values())).name)
    for select in list(tree.find_all(exp.Select)):
        _expand_stars(select, scopes)
    _check_columns(tree, scopes)
    # Without the clean columns' fact: this text is not checked against its version.
    duck_sql = compile_tree(stmt.text, tree, replace(session.context, clean_columns={})).duck_sql
    assert duck_sql is not None
    return duck_sql


def _name(node: exp.Expr | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Identifier) and node.quoted:
        return node.name
    return node.name.lower()


def _sources(select: exp.Select) -> list[exp.Expr]:
    from_ = select.args.get("from_")
    out = [from_.this] if from_ is not None else []
    out.extend(j.this for j in select.args.get("joins") or [])
    return out


def _expand_stars(select: exp.Select,
                  scopes: dict[str, tuple[Narrowing, list[str]]]) -> None:
    """``*`` and ``t.*`` over a narrowed table become its permitted columns."""
    projections: list[exp.Expr] = []
    changed = False
    for proj in select.expressions:
        star_of = None
        if isinstance(proj, exp.Star):
            star_of = [s.alias_or_name for s in _sources(select)]
        elif isinstance(proj, exp.Column) and isinstance(proj.this, exp.Star):
            star_of = [proj.table]
        if star_of is None or not any(name in scopes for name in star_of):
            projections.append(proj)
            continue
        changed = True
        for name in star_of:
            if name not in scopes:
                projections.append(exp.Column(this=exp.Star(), table=exp.to_identifier(name)))
                continue
            narrowing, every = scopes[name]
            allowed = narrowing.allowed.get("SELECT", set())
            projections.extend(exp.column(c, table=name, quoted=True)
                               for c in every if c in allowed)
    if changed:
        if not projections:
            raise err.InsufficientPrivilege(
                "permission denied for relation " + next(iter(scopes.values()))[0].name)
        select.set("expressions", projections)


def _check_columns(tree: exp.Expr, scopes: dict[str, tuple[Narrowing, list[str]]]) -> None:
    """Every column the statement names from a narrowed table must be permitted; a bare
    column name that such a table has counts as its (fail closed)."""
    update_targets: set[int] = set()
    if isinstance(tree, exp.Update):
        for eq in tree.expressions:
            target = eq.this
            if isinstance(target, exp.Column):
                update_targets.add(id(target))
                _require(target, "UPDATE", scopes, bare_ok=len(scopes) == 1)
    for col in tree.find_all(exp.Column):
        if id(col) in update_targets or isinstance(col.this, exp.Star):
            continue
        if not col.table and col.name in scopes:
            # DuckDB reads a bare table name as the whole row.
            raise err.InsufficientPrivilege(
                f"permission denied for relation {scopes[col.name][0].name}")
        _require(col, "SELECT", scopes, bare_ok=False)
    for join in tree.find_all(exp.Join):
        # JOIN ... USING (c) and NATURAL JOIN compare columns no Column node names.
        if join.args.get("method") == "NATURAL":
            raise err.InsufficientPrivilege(
                "permission denied for relation " + next(iter(scopes.values()))[0].name)
        for ident in join.args.get("using") or []:
            _require(exp.column(ident.name, quoted=bool(ident.args.get("quoted"))), "SELECT",
                     scopes, bare_ok=True)
    for star in tree.find_all(exp.Star):
        if isinstance(star.parent, exp.Func) and not isinstance(star.parent, exp.Count):
            # COLUMNS(*) and the like would reach every column.
            raise err.InsufficientPrivilege(
                "permission denied for relation " + next(iter(scopes.values()))[0].name)


def _require(col: exp.Column, action: str,
             scopes: dict[str, tuple[Narrowing, list[str]]], *, bare_ok: bool) -> None:
    name = col.name if col.this.args.get("quoted") else col.name.lower()
    owners = [scopes[col.table]] if col.table in scopes else (
        [s for s in scopes.values() if name in s[1]] if not col.table or bare_ok else [])
    for narrowing, every in owners:
        allowed = narrowing.allowed.get(action)
        if allowed is None:
            continue  # held at table level
        if name in every and name not in allowed:
            raise err.InsufficientPrivilege(
                f"permission denied for relation {narrowing.name}")
