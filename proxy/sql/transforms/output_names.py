"""Result column names as PostgreSQL and Redshift choose them, not as DuckDB does.

DuckDB names an unaliased expression by its text (``count_star()``, ``(a + 1)``); PostgreSQL
names a function call by the function as written (``count``, ``charindex``), a cast by its
operand or else by the type's internal name (``int4``), a CASE ``case``, and anything else
``?column?``. Clients and tests read columns by these names, so each unaliased item of the
outermost select list gets an alias. This runs first, on the tree as parsed, because sqlglot
keeps where each function's name stands in the statement text; the name is read from there
(sqlglot folds CHARINDEX and STRPOS into one node, LISTAGG into GROUP_CONCAT, ...).
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import DuplicateColumn

_T = exp.DataType.Type
_TYPNAMES = {
    _T.SMALLINT: "int2", _T.INT: "int4", _T.BIGINT: "int8", _T.DECIMAL: "numeric",
    _T.FLOAT: "float4", _T.DOUBLE: "float8", _T.BOOLEAN: "bool", _T.VARCHAR: "varchar",
    _T.NVARCHAR: "varchar", _T.CHAR: "bpchar", _T.NCHAR: "bpchar", _T.BPCHAR: "bpchar",
    _T.TEXT: "text", _T.DATE: "date", _T.TIMESTAMP: "timestamp", _T.TIMESTAMPTZ: "timestamptz",
    _T.TIME: "time", _T.TIMETZ: "timetz", _T.INTERVAL: "interval", _T.JSON: "super",
    _T.SUPER: "super", _T.VARBINARY: "varbyte", _T.UUID: "uuid",
}
# sqlglot's canonical nodes for functions whose Redshift spelling differs from sql_name().
_FUNCTION_NAMES: dict[type[exp.Expr], str] = {
    # SYSDATE and CURRENT_TIMESTAMP parse alike, without positions (GETDATE keeps its name).
    exp.CurrentTimestamp: "timestamptz",
    exp.CurrentDate: "date",
    exp.Count: "count",
    exp.Coalesce: "coalesce",
    exp.Avg: "avg",
    exp.CurrentVersion: "version",
    exp.CurrentUser: "current_user",
    exp.SessionUser: "session_user",
    exp.CurrentDatabase: "current_database",
    # POSITION(a IN b), read without the name's position.
    exp.StrPosition: "position",
}
# Functions Redshift names otherwise than as written (its documented examples): NVL as
# COALESCE, DECODE as a CASE, APPROXIMATE COUNT(DISTINCT) as COUNT.
_RENAMED: dict[type[exp.Expr], str] = {
    exp.Coalesce: "coalesce",
    exp.DecodeCase: "case",
    exp.ApproxDistinct: "count",
}
# TRIM by where it trims, as PostgreSQL's grammar turns it into BTRIM, LTRIM or RTRIM
# (Redshift's TRIM example is named btrim).
_TRIMS = {"LEADING": "ltrim", "TRAILING": "rtrim"}


def _written(node: exp.Expr, text: str) -> str | None:
    """The function name as the statement spells it, from sqlglot's position metadata."""
    start, end = node.meta.get("start"), node.meta.get("end")
    if isinstance(start, int) and isinstance(end, int) and 0 <= start <= end < len(text):
        name = text[start : end + 1]
        if name.replace("_", "").isalnum():
            return name.lower()
    return None


def _extract_name(node: exp.Extract, text: str) -> str:
    """EXTRACT(part FROM x) is named date_part, DATE_PART(part, x) pgdate_part (Redshift's
    documented names). sqlglot reads both as one node without the name's position, so what
    stands before the source's first token tells them apart: a comma only in DATE_PART."""
    starts = [n.meta["start"] for n in node.expression.walk()
              if isinstance(n.meta.get("start"), int)]
    if not starts:  # (DATE_PART(dow, CURRENT_DATE)): told apart only if one is written
        lowered = text.lower()
        return "pgdate_part" if "extract" not in lowered and "date_part" in lowered else (
            "date_part")
    before = text[: min(starts)]
    while before:
        before = before.rstrip(" \t\r\n(")
        if before.endswith(","):
            return "pgdate_part"
        # Words before the first positioned token: FROM, or a typed literal's type.
        word = len(before) - len(before.rstrip("abcdefghijklmnopqrstuvwxyz"
                                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ_"))
        if not word or before[-word:].lower() == "from":
            break
        before = before[:-word]
    return "date_part"


def _named_by_value(node: exp.Expr, text: str) -> bool:
    """Whether a cast's operand names the column by what it casts (a column, a function),
    not by a type: PostgreSQL names ``2::float8::varchar`` by its outer cast (``varchar``),
    ``x::int::text`` by ``x``."""
    while isinstance(node, exp.Cast | exp.Paren):
        node = node.this
    return isinstance(node, exp.Column) or pg_name(node, text) not in (None, "?column?")


def pg_name(node: exp.Expr, text: str = "") -> str | None:
    """The name PostgreSQL gives an unaliased select item (None: keep what it has)."""
    if isinstance(node, exp.Alias | exp.Star | exp.Column):
        return None
    if isinstance(node, exp.Cast):
        inner = pg_name(node.this, text)
        if inner not in (None, "?column?") and _named_by_value(node.this, text):
            return inner
        if isinstance(node.this, exp.Column):
            return node.this.name
        if isinstance(node.to, exp.ObjectIdentifier):
            return node.to.name.lower()  # 'sales'::regclass is named regclass
        return _TYPNAMES.get(node.to.this, "?column?")
    if isinstance(node, exp.Case):
        return "case"
    if isinstance(node, exp.Paren | exp.Window | exp.Filter | exp.WithinGroup):
        # A window, FILTER or WITHIN GROUP is named by its function: avg(x) OVER (...) is
        # "avg", LISTAGG(x, ',') WITHIN GROUP (ORDER BY x) "listagg".
        return pg_name(node.this, text)
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    if isinstance(node, exp.Mod):
        return "mod" if _written(node, text) == "mod" else "?column?"  # MOD(a, b), not a % b
    if isinstance(node, exp.Func):
        if isinstance(node, exp.TsOrDsAdd | exp.TsOrDsDiff):
            # Redshift names DATEADD/DATEDIFF columns by its internal functions.
            return "date_add" if isinstance(node, exp.TsOrDsAdd) else "date_diff"
        if isinstance(node, exp.Extract):
            return _extract_name(node, text)
        if isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate"):
            return "timestamp"  # SYSDATE is a TIMESTAMP (Redshift's example names it so)
        start = node.meta.get("start")
        if isinstance(start, int) and text[start:start + 1] == "@":
            return "?column?"  # the @ operator, read as an ABS call (proxy/sql/abs_operator.py)
        renamed = _RENAMED.get(type(node))
        if renamed is not None:
            return renamed
        written = _written(node, text)
        if isinstance(node, exp.Trim) and written in (None, "trim"):
            return _TRIMS.get(str(node.args.get("position") or "").upper(), "btrim")
        if written is not None:
            return written
        for cls, name in _FUNCTION_NAMES.items():
            if isinstance(node, cls):
                return name
        return node.sql_name().lower()
    if isinstance(node, exp.Dot):
        return pg_name(node.expression, text)
    return "?column?"


def output_names(tree: exp.Expr, text: str) -> exp.Expr:
    """Alias the outermost select list's unaliased expressions with PostgreSQL's names.

    Args:
        tree: the statement as parsed (before any rewrite).
        text: the statement's text, which the tree's position metadata points into.
    """
    query = tree
    creates = isinstance(tree, exp.Create) and isinstance(tree.expression, exp.Query) and not (
        isinstance(tree.this, exp.Schema) and tree.this.expressions)
    if creates:
        # CREATE TABLE ... AS: the new table's columns are named as a query's results are.
        query = tree.expression
    select = query
    while isinstance(select, exp.SetOperation):
        select = select.this
    if not isinstance(select, exp.Select) or not isinstance(query, exp.Query):
        return tree
    items = []
    for item in select.expressions:
        name = pg_name(item, text)
        items.append(item if name is None else exp.alias_(item, name, quoted=True))
    select.set("expressions", items)
    if creates or select.args.get("into") is not None:
        _distinct_names(items)
    return tree


def _distinct_names(items: list[exp.Expr]) -> None:
    """A table's columns (CREATE TABLE AS, SELECT INTO) need distinct names (42701), where
    DuckDB would rename the second ``a`` to ``a_1``."""
    seen: set[str] = set()
    for item in items:
        if isinstance(item, exp.Star) or (isinstance(item, exp.Column)
                                          and isinstance(item.this, exp.Star)):
            return
        name = item.alias_or_name
        if name in seen:
            raise DuplicateColumn(f'column "{name}" specified more than once')
        seen.add(name)
