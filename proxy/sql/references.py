"""What a statement touches: every relation, schema and database, and what it does to each.

Read from the parsed Redshift tree before any rewrite, so the names are the user's. The result
is part of the translated statement (and cached with it); deciding whether the session may do
it happens at every execution (``policies.access``), so a cached statement never carries a stale
decision. A statement whose shape this module does not know gets no references and an
``unknown`` mark, and is denied to everyone but superusers (fail closed).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from catalog import views
from proxy.sql.transforms.sandbox import TABLE_FUNCTIONS


@dataclass(frozen=True, slots=True)
class Ref:
    """One object a statement touches.

    ``kind`` is relation, schema, database or function; ``database`` and ``schema`` are None
    where the
    statement left them to the session (current database, search_path). ``action`` is the
    privilege needed: SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, DROP, ALTER,
    CREATE, TEMP, OWNER (only the owner may), ANALYZE. ``view`` marks a relation created as a
    view (CREATE VIEW), ``new_name`` the target of a rename. A relation a view being created
    reads is a ``VIEWREF``: not checked then (the view's owner is checked when it is used),
    but a view may read a datashare database only if it binds late. A materialized view's
    creator needs SELECT on what it reads (its refs are SELECTs).
    """

    kind: str
    database: str | None
    schema: str | None
    name: str
    action: str
    temporary: bool = False
    new_name: str | None = None
    view: bool = False
    late_binding: bool = False  # VIEWREF: the view being created binds late
    replace: bool = False  # CREATE OR REPLACE


def _ident(node: exp.Expr | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, exp.Identifier):
        return node.name if node.quoted else node.name.lower()
    return node.name.lower() if node.name else None


def _visible_ctes(table: exp.Table) -> set[str]:
    """The CTE names in scope at ``table`` (a CTE's own body sees only the CTEs before it,
    and itself when the WITH is RECURSIVE)."""
    names: set[str] = set()
    child: exp.Expr = table
    node = table.parent
    while node is not None:
        with_ = node.args.get("with_") or node.args.get("with")
        if isinstance(with_, exp.With):
            ctes = list(with_.expressions)
            inside = next((i for i, c in enumerate(ctes) if c is child), None)
            if inside is None:
                names |= {c.alias_or_name.lower() for c in ctes}
            else:
                upto = inside + 1 if with_.args.get("recursive") else inside
                names |= {c.alias_or_name.lower() for c in ctes[:upto]}
        child = node
        node = node.parent
    return names


def _relation(table: exp.Table, action: str) -> Ref | None:
    """A Ref for a table node, or None for CTEs, table functions and catalog views."""
    if not isinstance(table.this, exp.Identifier):
        return None  # a table function: the sandbox decides those
    name = _ident(table.this)
    assert name is not None
    schema = _ident(table.args.get("db"))
    database = _ident(table.args.get("catalog"))
    if database is None and schema is None and name in _visible_ctes(table):
        return None
    if action == "SELECT" and (
        (schema is not None and views.find(schema, name) is not None)
        or (database is None and views.find(schema, name) is not None)
        or (schema is None and name in TABLE_FUNCTIONS)
    ):
        # The virtual catalog shows only what the session may see (in the named database).
        return None
    return Ref("relation", database, schema, name, action)


def _reads(node: exp.Expr, skip: set[int], out: list[Ref]) -> None:
    """Every relation read under ``node`` except the nodes whose id is in ``skip``."""
    for table in node.find_all(exp.Table):
        if id(table) in skip:
            continue
        ref = _relation(table, "SELECT")
        if ref is not None:
            out.append(ref)


def _target(node: exp.Expr | None) -> exp.Table | None:
    if isinstance(node, exp.Schema):
        node = node.this
    return node if isinstance(node, exp.Table) else None


def _writes(table: exp.Table | None, actions: tuple[str, ...], out: list[Ref],
            skip: set[int]) -> None:
    if table is None:
        return
    skip.add(id(table))
    for action in actions:
        ref = _relation(table, action)
        if ref is not None:
            out.append(ref)


def references(tree: exp.Expr) -> tuple[tuple[Ref, ...], bool]:
    """(the objects ``tree`` touches, whether its shape was understood)."""
    out: list[Ref] = []
    skip: set[int] = set()
    if isinstance(tree, exp.Query):
        into = tree.args.get("into")
        if isinstance(into, exp.Into):
            target = _target(into.this)
            if target is not None:
                skip.add(id(target))
                out.append(_create_ref(target, bool(into.args.get("temporary"))))
        _reads(tree, skip, out)
    elif isinstance(tree, exp.Insert):
        _writes(_target(tree.this), ("INSERT",), out, skip)
        _reads(tree, skip, out)
    elif isinstance(tree, exp.Update):
        extra = ("SELECT",) if tree.args.get("where") or tree.args.get("from_") else ()
        _writes(_target(tree.this), ("UPDATE", *extra), out, skip)
        _reads(tree, skip, out)
    elif isinstance(tree, exp.Delete):
        extra = ("SELECT",) if tree.args.get("where") or tree.args.get("using") else ()
        _writes(_target(tree.this), ("DELETE", *extra), out, skip)
        _reads(tree, skip, out)
    elif isinstance(tree, exp.Merge):
        actions = {"SELECT"}
        for when in tree.find_all(exp.When):
            then = when.args.get("then")
            if isinstance(then, exp.Insert):
                actions.add("INSERT")
            elif isinstance(then, exp.Update):
                actions.add("UPDATE")
            else:
                actions.add("DELETE")
        _writes(_target(tree.this), tuple(sorted(actions)), out, skip)
        _reads(tree, skip, out)
    elif isinstance(tree, exp.TruncateTable):
        for table in tree.expressions:
            _writes(_target(table), ("TRUNCATE",), out, skip)
    elif isinstance(tree, exp.Create):
        return _create(tree, out, skip)
    elif isinstance(tree, exp.Drop):
        return _drop(tree, out)
    elif isinstance(tree, exp.Alter):
        return _alter(tree, out, skip)
    elif isinstance(tree, exp.Comment):
        _writes(_target(tree.this), ("OWNER",), out, skip)
    elif isinstance(tree, exp.Analyze):
        for table in tree.args.get("tables") or ([tree.this] if tree.this else []):
            _writes(_target(table), ("ANALYZE",), out, skip)
    elif isinstance(tree, exp.Use):
        pass
    else:
        return (), False
    _calls(tree, out)
    return tuple(out), True


def _calls(tree: exp.Expr, out: list[Ref]) -> None:
    """A ``function`` Ref (EXECUTE) per call of a name sqlglot does not know: SQL UDFs are
    among them (the access check tells them from DuckDB's built-ins by the catalog)."""
    seen_db: set[tuple[str | None, str | None, str]] = set()
    for call in tree.find_all(exp.Anonymous):
        database = schema = None
        parent = call.parent
        if isinstance(parent, exp.Dot) and parent.expression is call:
            if isinstance(parent.this, exp.Dot):
                database, schema = _ident(parent.this.this), _ident(parent.this.expression)
            else:
                schema = _ident(parent.this)
        name = call.name.lower()
        if (database, schema, name) not in seen_db:
            seen_db.add((database, schema, name))
            out.append(Ref("function", database, schema, name, "EXECUTE"))


def _create_ref(table: exp.Table, temporary: bool, view: bool = False,
                replace: bool = False) -> Ref:
    name = _ident(table.this) or ""
    return Ref("relation", _ident(table.args.get("catalog")), _ident(table.args.get("db")),
               name, "CREATE", temporary=temporary, view=view, replace=replace)


def _create(tree: exp.Create, out: list[Ref], skip: set[int]) -> tuple[tuple[Ref, ...], bool]:
    kind = (tree.args.get("kind") or "").upper()
    target = _target(tree.this)
    if target is None:
        return (), False
    skip.add(id(target))
    props = tree.args.get("properties")
    temporary = bool(props and any(
        isinstance(p, exp.TemporaryProperty) for p in props.expressions))
    if kind == "SCHEMA":
        out.append(Ref("schema", _ident(target.args.get("catalog")),
                       _ident(target.args.get("db")), "", "CREATE"))
        return tuple(out), True
    if kind not in ("TABLE", "VIEW"):
        return (), False
    out.append(_create_ref(target, temporary, view=kind == "VIEW",
                           replace=bool(tree.args.get("replace"))))
    materialized = bool(props and any(
        isinstance(p, exp.MaterializedProperty) for p in props.expressions))
    if kind == "TABLE" or materialized:
        # CTAS and LIKE read their sources, a materialized view its bases (Redshift: SELECT
        # on them, through a datashare too); a view's are checked when it is used.
        _reads(tree, skip, out)
        _calls(tree, out)
    else:
        late = bool(tree.meta.get("late_binding"))
        reads: list[Ref] = []
        _reads(tree, skip, reads)
        out.extend(Ref(r.kind, r.database, r.schema, r.name, "VIEWREF", late_binding=late)
                   for r in reads)
    return tuple(out), True


def _drop(tree: exp.Drop, out: list[Ref]) -> tuple[tuple[Ref, ...], bool]:
    kind = (tree.args.get("kind") or "").upper()
    for table in tree.args.get("tables") or []:
        if kind == "SCHEMA":
            out.append(Ref("schema", _ident(table.args.get("catalog")),
                           _ident(table.args.get("db")), "", "DROP"))
        elif kind in ("TABLE", "VIEW"):
            ref = _relation(table, "DROP")
            if ref is not None:
                out.append(ref)
        else:
            return (), False
    return tuple(out), True


def _alter(tree: exp.Alter, out: list[Ref], skip: set[int]) -> tuple[tuple[Ref, ...], bool]:
    kind = (tree.args.get("kind") or "").upper()
    target = _target(tree.this)
    if kind not in ("TABLE", "VIEW") or target is None:
        return (), False
    skip.add(id(target))
    new_name = None
    for action in tree.args.get("actions") or []:
        if isinstance(action, exp.AlterRename):
            new_name = _ident(action.this.this if isinstance(action.this, exp.Table)
                              else action.this)
    ref = _relation(target, "ALTER")
    if ref is None:
        return (), False
    out.append(Ref(ref.kind, ref.database, ref.schema, ref.name, "ALTER", new_name=new_name))
    _reads(tree, skip, out)
    return tuple(out), True
