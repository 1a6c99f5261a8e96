"""Operations whose answer depends on the session's time zone, when it is not UTC.

The engine runs in UTC and its configuration is locked (engine/instance.py), so a session's
zone cannot be DuckDB's; instead every operation that reads a zone names the session's
explicitly, through the engine's macros (engine/macros.py), which pick by the argument's type
when the statement is bound, so that only a TIMESTAMPTZ (or a value beside one) is converted:

* a cast to TIMESTAMPTZ (and a TIMESTAMPTZ literal) reads a TIMESTAMP, a DATE or a string
  without a written zone as a time in the session's zone (``ZONED``);
* a cast of a TIMESTAMPTZ to TIMESTAMP or DATE, EXTRACT/DATE_PART/DATEPART (but EPOCH, which
  is absolute), DATEADD, DATEDIFF, CONVERT_TIMEZONE's timestamp and TRUNC see its wall clock
  in the session's zone (``LOCAL``); DATE_TRUNC truncates that wall clock and returns the
  instant it names (``UNLOCAL``); a cast to a character type shows it as results are;
* implicit conversions: a date or time string, a TIMESTAMP or a DATE compared with a
  TIMESTAMPTZ is read in the session's zone, and so is one stored into a TIMESTAMPTZ column
  (INSERT, UPDATE); a TIMESTAMPTZ stored into a TIMESTAMP or DATE column is its wall clock
  (``OPERAND``, ``STORED``, typed overloads that DuckDB picks when it binds, so a filter on a
  column stays a constant);
* where no type is known here (two columns, an aggregate, a correlated column), DuckDB's own
  typeof decides, folded when it binds so that other types keep their plans: a comparison
  (also in BETWEEN, an IN list, NULLIF) reads a TIMESTAMP or a DATE beside a TIMESTAMPTZ in
  the session's zone (``COMPARED``), a CASE, COALESCE, GREATEST or LEAST whose branches meet
  in a TIMESTAMPTZ reads its TIMESTAMP, DATE and string branches so (``BRANCHES``), and ``||``
  shows a TIMESTAMPTZ as its cast to text does (``CONCAT``). A comparison with an operand
  holding a subquery (each typeof branch would run it) or in an outer join's ON condition
  (DuckDB would pick a nested loop before folding) takes typed overloads instead
  (``COMPARED_TYPED``), and IN, ANY or ALL over a subquery reads its outer operand as the
  subquery's type reads it (``BESIDE_SUBQUERY``); a simple CASE and DECODE compare as the
  searched CASE they are; UNION, INTERSECT and EXCEPT branches read a TIMESTAMP or DATE beside
  TIMESTAMPTZ values in the session's zone (``BESIDE_BRANCHES``);
* SYSDATE, CURRENT_DATE, LOCALTIMESTAMP and LOCALTIME are the session's wall clock (GETDATE
  in transforms/getdate.py, TO_CHAR and TO_TIMESTAMP in transforms/datetime_formats.py); in a
  column default, in every session, they read the zone of the session that inserts the row
  (``ZONE_VARIABLE``, which each session's connection holds).

EXTRACT of TIMEZONE, TIMEZONE_HOUR or TIMEZONE_MINUTE is the session zone's offset at the
instant (``ZONE_FIELD``); CURRENT_TIME is the engine's, a TIMETZ in UTC as every TIMETZ is.
A TIMESTAMPTZ IN, ANY or ALL over TIMESTAMP or DATE values is refused with 0A000 (each
value would have to be read in the zone inside the subquery, where the outer operand's type
picks no overload).

Stored SQL (a view, a SQL function's body, a table's defaults; ``Context.stored``) is
translated so in every session, UTC too, but names no zone of its own: its conversions read
the zone of the session that runs it from ``ZONE_VARIABLE`` (``running_zone``), as
PostgreSQL's views, which keep a parse tree, follow their reader's zone; a literal is read in
the zone of the session that writes it, as PostgreSQL reads one when it parses the view.
"""

from __future__ import annotations

import re

from sqlglot import exp
from sqlglot.optimizer.annotate_types import annotate_types

from catalog.views.pg_attribute import ZONE_VARIABLE
from engine import macros
from engine.time_zones import TZ_OFFSET
from proxy.sql.context import Context
from proxy.sql.transforms.macros import call
from proxy.sql.transforms.virtual_relations import catalog_sql

# The meta key of a SQL function's argument ($n in its body): its declared type (Redshift's
# name), a value of which it is when the function runs, not a parameter the client sends.
FUNCTION_ARGUMENT = "function_argument"
# The meta key of a cast of the inserting session's wall clock, which is local already.
_WALL_CLOCK = "wall_clock"
_T = exp.DataType.Type
_LOCAL_TARGETS = {_T.TIMESTAMP, _T.DATE, _T.DATETIME}
_OPERATORS: dict[type[exp.Expr], str] = {
    exp.EQ: "=", exp.NEQ: "<>", exp.LT: "<", exp.LTE: "<=", exp.GT: ">", exp.GTE: ">=",
    exp.NullSafeEQ: "IS NOT DISTINCT FROM", exp.NullSafeNEQ: "IS DISTINCT FROM"}
_TEXT_TARGETS = {_T.VARCHAR, _T.TEXT, _T.CHAR, _T.NVARCHAR, _T.NCHAR, _T.BPCHAR}
# A string that reads as a date or a time stamp (ISO, US or compact digits).
_DATETIME_TEXT = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}/\d{1,2}/\d{2,4}|\d{8}\b)")
# A string literal with a zone written after its time of day (as the ZONED macro reads one).
_WRITTEN_ZONE = re.compile(macros.WRITTEN_ZONE, re.IGNORECASE)


def is_utc(ctx: Context) -> bool:
    """Whether the session's zone is the engine's and the SQL is not stored (nothing to
    convert)."""
    return not ctx.stored and ctx.zone in ("UTC", "Etc/UTC")


def running_zone(ctx: Context) -> exp.Expr:
    """The zone a value is converted in when the statement runs: the session's, or, in stored
    SQL (a view, a function, a column default), the zone of the session that runs it, which
    its connection holds in ``ZONE_VARIABLE`` (so a view follows its reader's zone, as in
    PostgreSQL, where a view keeps its parse tree)."""
    if not ctx.stored:
        return exp.Literal.string(ctx.zone)
    return exp.Coalesce(this=exp.Anonymous(this="getvariable", expressions=[
        exp.Literal.string(ZONE_VARIABLE)]), expressions=[exp.Literal.string("UTC")])


def _zone_of(value: exp.Expr, ctx: Context) -> exp.Expr:
    """The zone ``value`` is read in: a literal's is the session's that writes it (PostgreSQL
    reads a literal when it parses the statement, also a view's), any other value's is
    ``running_zone``."""
    if isinstance(value, exp.Literal):
        return exp.Literal.string(ctx.zone)
    return running_zone(ctx)


def local(value: exp.Expr, ctx: Context) -> exp.Expr:
    """``value``, if a TIMESTAMPTZ, shifted so that its UTC fields are the session's."""
    if is_utc(ctx):
        return value
    return call(macros.LOCAL, value, running_zone(ctx))


def _unlocal(value: exp.Expr, ctx: Context) -> exp.Expr:
    return call(macros.UNLOCAL, value, running_zone(ctx))


def _zoned(cast: exp.Cast, ctx: Context) -> exp.Expr | None:
    value = cast.this
    if isinstance(value, exp.Null):
        return None
    if isinstance(value, exp.Literal) and value.is_string:
        if _WRITTEN_ZONE.search(value.this):
            return None
        return call(macros.ZONE_INSTANT, _zone_of(value, ctx), exp.cast(value, "TIMESTAMP"))
    return call(macros.ZONED, value, running_zone(ctx))


def _wrap(node: exp.Expr, key: str, ctx: Context) -> None:
    arg = node.args.get(key)
    if isinstance(arg, exp.Expr) and _loose(arg):
        node.set(key, local(arg, ctx))


def _part_name(part: exp.Expr | None) -> str:
    return part.name.lower() if isinstance(part, exp.Expr) else ""


def _zone_field(part: str) -> str | None:
    """DuckDB's name of a date part that is the zone's offset (TIMEZONE, TIMEZONE_HOUR,
    TIMEZONE_MINUTE and their abbreviations), if ``part`` is one."""
    if not part.startswith(("timezone", "tz")):
        return None
    unit = part.removeprefix("timezone").removeprefix("tz").lstrip("_")
    return {"": "timezone", "h": "timezone_hour", "hour": "timezone_hour",
            "m": "timezone_minute", "minute": "timezone_minute"}.get(unit)


def _extract(node: exp.Extract, ctx: Context) -> None:
    part = _part_name(node.this)
    field = _zone_field(part)
    if field is not None:
        # The session zone's offset at a TIMESTAMPTZ's instant (DuckDB's would be UTC's).
        node.replace(call(macros.ZONE_FIELD, node.expression, exp.Literal.string(field),
                          running_zone(ctx)))
    elif part not in ("epoch", "epoch_ms", "epoch_us", "epoch_ns"):
        _wrap(node, "expression", ctx)


def _now(target: str, ctx: Context) -> exp.Expr:
    return exp.cast(local(exp.CurrentTimestamp(), ctx), target)


def _datetime_text(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal) and node.is_string and bool(
        _DATETIME_TEXT.match(node.this))


def _loose(node: exp.Expr) -> bool:
    """Whether an operand's type is the engine's to find (not a literal or a parameter; a SQL
    function's argument, typed by its declaration, is the engine's)."""
    return not isinstance(node, exp.Literal | exp.Null | exp.Parameter | exp.Placeholder) or (
        FUNCTION_ARGUMENT in node.meta)


def _type_of(node: exp.Expr) -> exp.DataType.Type | None:
    """The type of ``node`` as far as translation can tell (None where only DuckDB can)."""
    declared = node.meta.get(FUNCTION_ARGUMENT)
    if declared:
        return exp.DataType.build(declared, dialect="redshift").this
    typed = annotate_types(node.copy(), dialect="redshift").type
    return typed.this if typed is not None else None


def _temporal(node: exp.Expr) -> bool:
    """Whether an expression is known to be a TIMESTAMP or a DATE (a TIMESTAMPTZ beside it
    would read it in the engine's zone)."""
    if isinstance(node, exp.CurrentDate) or (
            isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate")):
        return True
    if isinstance(node, exp.Anonymous) and node.name.lower() == "getdate":
        return True
    if not _loose(node) or isinstance(node, exp.Column):
        return False
    return _type_of(node) in _LOCAL_TARGETS


def _convertible(node: exp.Expr) -> bool:
    """A value whose implicit conversion to a TIMESTAMPTZ would read the engine's zone."""
    return _datetime_text(node) or _temporal(node)


def _has_subquery(node: exp.Expr) -> bool:
    """Whether ``node`` holds a subquery. The macros that choose by typeof name their operands
    in every branch, and DuckDB plans (and runs) a subquery in each before it folds the
    branches not taken, so such an operand is left as written rather than run three times."""
    return node.find(exp.Query) is not None


def _pairable(node: exp.Expr) -> bool:
    """An operand of a comparison that ``COMPARED`` (or, holding a subquery,
    ``COMPARED_TYPED``) can take, and whose type may be a date or a time stamp: not a
    constant, a row or ANY/ALL."""
    if not _loose(node) or isinstance(node, exp.Tuple | exp.Star | exp.Any | exp.All):
        return False
    if isinstance(node, exp.Column):
        return True
    typed = _type_of(node)
    return typed is None or typed in (*_LOCAL_TARGETS, _T.TIMESTAMPTZ, _T.UNKNOWN, _T.NULL)


def _outer_join_condition(node: exp.Expr) -> bool:
    """Whether ``node`` is part of an outer join's or a MERGE's ON condition. DuckDB picks
    such a join's algorithm from its condition as written, before it folds a macro's typeof
    branches: a comparison inside would make the join a nested loop, so it is left as written
    (an inner join's condition is a filter, which DuckDB reads again after folding)."""
    child, parent = node, node.parent
    while parent is not None and not isinstance(parent, exp.Query):
        if isinstance(parent, exp.Merge):
            return child is parent.args.get("on")
        if isinstance(parent, exp.Join):
            return child is parent.args.get("on") and parent.side.upper() in (
                "LEFT", "RIGHT", "FULL")
        child, parent = parent, parent.parent
    return False


def _operand(of: exp.Expr, value: exp.Expr, ctx: Context) -> exp.Expr:
    """``value`` as an implicit conversion to the type of ``of`` would read it."""
    macro = macros.OPERAND_OF_AGGREGATE if of.find(exp.AggFunc, exp.Window) else macros.OPERAND
    return call(macro, of.copy(), value, _zone_of(value, ctx))


def _stored(column: exp.Expr, value: exp.Expr, ctx: Context) -> exp.Expr:
    """``value`` as storing it into ``column`` reads it."""
    if not _loose(value):
        return _operand(column, value, ctx) if _datetime_text(value) else value
    return call(macros.STORED, column.copy(), value, running_zone(ctx))


def _comparison(node: exp.Binary, ctx: Context, unseen: bool, typed: bool) -> None:
    """A comparison whose operands an implicit conversion reads in the session's zone;
    ``typed`` where only typed overloads may decide (an outer join's or MERGE's ON)."""
    left, right = node.this, node.expression
    if isinstance(node, exp.EQ) and isinstance(node.parent, exp.Update):
        node.set("expression", _stored(left, right, ctx))  # SET column = value
        return
    if _loose(left) and _convertible(right):
        node.set("expression", _operand(left, right, ctx))
    elif _loose(right) and _convertible(left):
        node.set("this", _operand(right, left, ctx))
    elif unseen and isinstance(right, exp.Any | exp.All) and isinstance(
            right.this, exp.Subquery | exp.Query) and _pairable(left) and not (
            _has_subquery(left)):
        _beside_subquery(left, right.this, ctx)
    elif unseen and _pairable(left) and _pairable(right):
        # Neither type is known here: each side is read as the other's type reads it, and
        # DuckDB picks the overloads (or folds the typeof branches) when it binds, so equal
        # types stay as written. A subquery is named once, in a typed overload.
        op = _OPERATORS[type(node)]
        typed = typed or _has_subquery(left) or _has_subquery(right)
        macro = macros.COMPARED_TYPED[op] if typed else macros.COMPARED[op]
        node.replace(call(macro, left, right, running_zone(ctx)))


def _beside_subquery(value: exp.Expr, query: exp.Expr, ctx: Context) -> None:
    """``value`` IN, ANY or ALL over ``query``, read as the subquery's type reads it (which
    DuckDB binds on a copy of the subquery that it never runs)."""
    carrier = query.copy() if isinstance(query, exp.Subquery) else exp.Subquery(
        this=query.copy())
    holder = exp.Null()
    value.replace(holder)
    holder.replace(call(macros.BESIDE_SUBQUERY, carrier, value, running_zone(ctx)))


def _concat(node: exp.DPipe | exp.Concat, ctx: Context) -> None:
    """``a || b`` (and CONCAT(a, b), which is ||) with a TIMESTAMPTZ operand shown in the
    session's zone, as its cast to text is."""
    operands = [node.this, node.expression] if isinstance(node, exp.DPipe) else node.expressions
    if type(node) not in (exp.DPipe, exp.Concat) or len(operands) != 2 or not any(
            _may_be(v, _T.TIMESTAMPTZ) for v in operands) or _has_subquery(node):
        return  # CONCAT_WS, or CONCAT of other than two arguments, is not ||
    node.replace(call(macros.CONCAT, *operands, running_zone(ctx)))


def _branches(node: exp.Expr) -> list[exp.Expr]:
    """The values a CASE, COALESCE, GREATEST or LEAST chooses among (which DuckDB gives one
    type, reading a TIMESTAMP beside a TIMESTAMPTZ in UTC)."""
    if isinstance(node, exp.Case):
        ifs = [branch.args.get("true") for branch in node.args.get("ifs") or []]
        values = [*ifs, node.args.get("default")]
    else:
        values = [node.this, *node.expressions]
    return [v for v in values if isinstance(v, exp.Expr)]


def _may_be(node: exp.Expr, *types: exp.DataType.Type) -> bool:
    """Whether ``node`` may be of one of ``types`` (its type may be one translation cannot
    see)."""
    if _datetime_text(node):
        return _T.VARCHAR in types
    if not _loose(node):
        return False
    if isinstance(node, exp.Column):
        return True
    typed = _type_of(node)
    return typed is None or typed in (*types, _T.UNKNOWN, _T.NULL)


def _branching(node: exp.Expr, ctx: Context) -> None:
    """A CASE, COALESCE, GREATEST or LEAST that may mix a TIMESTAMPTZ with a TIMESTAMP, a
    DATE or a date string: where it does (DuckDB decides, by typeof), each of those is read in
    the session's zone, as PostgreSQL reads them in the common type TIMESTAMPTZ."""
    values = _branches(node)
    local = [v for v in values if _may_be(v, *_LOCAL_TARGETS, _T.VARCHAR)]
    mixed = any(v is not w for v in values if _may_be(v, _T.TIMESTAMPTZ) for w in local)
    if not mixed or _has_subquery(node):
        return
    zoned = node.copy()
    for value in _branches(zoned):
        if _loose(value) or _datetime_text(value):
            value.replace(call(macros.ZONED, value.copy(), _zone_of(value, ctx)))
    condition = exp.or_(*(exp.In(this=exp.Anonymous(this="typeof", expressions=[v.copy()]),
                                 expressions=[exp.Literal.string(t) for t in (
                                     "TIMESTAMP", "DATE", "VARCHAR")]) for v in local))
    holder = exp.Null()
    node.replace(holder)
    holder.replace(call(macros.BRANCHES, node, zoned, condition))


_MOST_BRANCH_COPIES = 200


def _leaves(node: exp.Expr) -> list[exp.Expr]:
    """The branches of a set operation, nested ones flattened, in order."""
    if isinstance(node, exp.SetOperation):
        return [*_leaves(node.this), *_leaves(node.expression)]
    return [node.this if isinstance(node, exp.Subquery) else node]


def _branch_values(select: exp.Select, position: int) -> exp.Select:
    """``select`` reduced to its value at ``position`` (a carrier of that value's type)."""
    carrier = select.copy()
    value = carrier.expressions[position]
    carrier.set("expressions", [value.this if isinstance(value, exp.Alias) else value])
    carrier.set("order", None)
    return carrier


def _derived(leaf: exp.Select) -> exp.Select:
    """``leaf`` as a SELECT of its values from itself as a derived table (its columns renamed
    by position), so that an aggregate's or a window's value is a column, whose type picks a
    typed overload."""
    names = [f"_ds{n}" for n in range(len(leaf.expressions))]
    shown = [item.alias_or_name or name for item, name in zip(leaf.expressions, names,
                                                               strict=True)]
    inner = exp.Subquery(this=leaf.copy(), alias=exp.TableAlias(
        this=exp.to_identifier("__ds_branch"),
        columns=[exp.to_identifier(name, quoted=True) for name in names]))
    outer = exp.select(*(exp.alias_(exp.column(name, quoted=True), show, quoted=True)
                         for name, show in zip(names, shown, strict=True))).from_(inner)
    leaf.replace(outer)
    return outer


def _set_operation(node: exp.SetOperation, ctx: Context) -> None:
    """UNION, INTERSECT or EXCEPT branches that may meet in a TIMESTAMPTZ: each TIMESTAMP or
    DATE value (DuckDB decides, by the other branches' type, a typed overload) is read in the
    session's zone, as PostgreSQL reads it in the common type. A branch with an aggregate or
    a window is read from itself as a derived table first (such a value picks no overload);
    not a value holding a subquery."""
    leaves = _leaves(node)
    if not all(isinstance(leaf, exp.Select) for leaf in leaves) or any(
            isinstance(e, exp.Star) or (isinstance(e, exp.Column) and isinstance(e.this, exp.Star))
            for leaf in leaves for e in leaf.expressions):
        return
    width = len(leaves[0].expressions)
    # Each value names the other branches again (to be bound, not run): beyond a few hundred
    # copies, binding would cost more than the statement, and the branches are left as written.
    if any(len(leaf.expressions) != width for leaf in leaves) or (
            len(leaves) * (len(leaves) - 1) * width > _MOST_BRANCH_COPIES):
        return
    # By the values as written: which may be a TIMESTAMPTZ, and which a TIMESTAMP or a DATE.
    values = [[item.this if isinstance(item, exp.Alias) else item for item in leaf.expressions]
              for leaf in leaves]
    # A CHAR value (char_columns made it a call of the CHAR macro) is text.
    values = [[exp.cast(exp.Null(), "TEXT") if _is_call(v, macros.CHAR) else v for v in row]
              for row in values]
    zoned = [[_may_be(v, _T.TIMESTAMPTZ) for v in row] for row in values]
    local = [[_may_be(v, *_LOCAL_TARGETS) and not _has_subquery(v) for v in row]
             for row in values]
    leaves = [_derived(leaf) if any(item.find(exp.AggFunc, exp.Window) is not None
                                    for item in leaf.expressions) else leaf for leaf in leaves]
    originals = [leaf.copy() for leaf in leaves]
    for k, leaf in enumerate(leaves):
        for position, item in enumerate(list(leaf.expressions)):
            value = item.this if isinstance(item, exp.Alias) else item
            name = item.alias_or_name
            if not name or not local[k][position] or not any(
                    zoned[j][position] for j in range(len(leaves)) if j != k):
                continue
            others = [_branch_values(o, position) for j, o in enumerate(originals) if j != k]
            carrier: exp.Expr = others[0]
            for other in others[1:]:
                carrier = exp.union(carrier, other, distinct=False)
            read = call(macros.BESIDE_BRANCHES, exp.Subquery(this=carrier), value.copy(),
                        running_zone(ctx))
            item.replace(exp.alias_(read, name, quoted=True))


def _nullif(node: exp.Nullif) -> None:
    """NULLIF(a, b) as the CASE it is, so that its comparison is rewritten as others are."""
    value, other = node.this, node.expression
    if _pairable(value) and not _has_subquery(value) and (
            _pairable(other) or _convertible(other)):
        node.replace(exp.Case(ifs=[exp.If(this=exp.EQ(this=value.copy(), expression=other),
                                          true=exp.Null())], default=value))


def _searched(node: exp.Case | exp.DecodeCase) -> None:
    """A simple ``CASE x WHEN v ...`` or DECODE(x, v, r, ...) as the searched CASE it is
    (``WHEN x = v``; DECODE matches NULL with NULL), so that its comparisons are rewritten as
    others are. Not where ``x`` holds a subquery, which each WHEN would run."""
    if isinstance(node, exp.Case):
        value, ifs, default = node.this, node.args.get("ifs") or [], node.args.get("default")
        if value is None or not _pairable(value) or _has_subquery(value):
            return
        node.set("this", None)
        for branch in ifs:
            branch.set("this", exp.EQ(this=value.copy(), expression=branch.this))
        return
    value, *rest = node.expressions
    if not _pairable(value) or _has_subquery(value):
        return
    default = rest.pop() if len(rest) % 2 else None
    whens = []
    for search, result in zip(rest[::2], rest[1::2], strict=True):
        test: exp.Expr = (exp.Is(this=value.copy(), expression=exp.Null())
                          if isinstance(search, exp.Null)
                          else exp.NullSafeEQ(this=value.copy(), expression=search))
        whens.append(exp.If(this=test, true=result))
    node.replace(exp.Case(ifs=whens, default=default))


def _spread(node: exp.Between | exp.In) -> None:
    """BETWEEN and IN whose values include an operand of a type translation cannot see, as
    the comparisons they are (``x >= a AND x <= b``, ``x IN (...) OR x = c``), so that those
    are rewritten as other comparisons are."""
    this = node.this
    if not _pairable(this) or _has_subquery(this):
        return
    if isinstance(node, exp.Between):
        low, high = node.args.get("low"), node.args.get("high")
        if isinstance(low, exp.Expr) and isinstance(high, exp.Expr) and any(
                _pairable(v) and not _convertible(v) for v in (low, high)):
            node.replace(exp.Paren(this=exp.and_(exp.GTE(this=this.copy(), expression=low),
                                                 exp.LTE(this=this, expression=high))))
        return
    unseen = [v for v in node.expressions if _pairable(v) and not _convertible(v)]
    if not unseen or node.args.get("query") is not None:
        return
    rest = [v for v in node.expressions if all(v is not u for u in unseen)]
    alternatives: list[exp.Expr] = [exp.EQ(this=this.copy(), expression=v) for v in unseen]
    if rest:
        alternatives.insert(0, exp.In(this=this.copy(), expressions=rest))
    node.replace(exp.Paren(this=exp.or_(*alternatives)))


def _compared_values(node: exp.Between | exp.In, ctx: Context) -> None:
    this = node.this
    if not _loose(this):
        return
    for key in ("low", "high"):
        value = node.args.get(key)
        if isinstance(value, exp.Expr) and _convertible(value):
            node.set(key, _operand(this, value, ctx))
    if isinstance(node, exp.In):
        node.set("expressions", [_operand(this, v, ctx) if _convertible(v) else v
                                 for v in node.expressions])


def target_columns(insert: exp.Insert) -> tuple[exp.Table, list[exp.Expr]] | None:
    """The table an INSERT writes and, per position, an expression of its column's type."""
    target = insert.this
    if isinstance(target, exp.Schema) and isinstance(target.this, exp.Table):
        columns: list[exp.Expr] = [exp.column(c.copy()) for c in target.expressions]
        return target.this, columns
    if isinstance(target, exp.Table):
        # No column list: the n-th column, which DuckDB names #n.
        return target, [exp.var(f"#{n}") for n in range(1, 1600)]
    return None


def _insert(insert: exp.Insert, ctx: Context) -> None:
    found = target_columns(insert)
    source = insert.expression
    if found is None:
        return
    table, columns = found
    rows: list[list[exp.Expr]] = []
    if isinstance(source, exp.Values):
        rows = [list(row.expressions) for row in source.expressions if isinstance(row, exp.Tuple)]
    elif isinstance(source, exp.Select):
        rows = [[e.this if isinstance(e, exp.Alias) else e for e in source.expressions]]
    for row in rows:
        for value, column in zip(row, columns, strict=False):
            if isinstance(value, exp.Star | exp.Var) or value.name.upper() == "DEFAULT":
                continue
            if _loose(value) or _datetime_text(value):
                of = exp.Subquery(this=exp.select(column).from_(table.copy()).limit(0))
                value.replace(_stored(of, value.copy(), ctx))


def _is_call(node: exp.Expr, name: str) -> exp.Anonymous | None:
    """The macro call ``node`` is (``memory.main.<name>(...)``), if it is one."""
    if isinstance(node, exp.Dot) and isinstance(node.expression, exp.Anonymous) and (
            node.expression.name == name):
        return node.expression
    return None


def _text(cast: exp.Cast, ctx: Context) -> exp.Expr | None:
    """A cast to a character type whose TIMESTAMPTZ operand is shown in the session's zone,
    as the results are (the varbyte transform may have made the operand ``UTF8(x)``)."""
    utf8 = _is_call(cast.this, macros.TEXT)
    value = utf8.expressions[0] if utf8 is not None and utf8.expressions else cast.this
    if not _loose(value):
        return None
    zone = running_zone(ctx)
    instant = exp.cast(exp.cast(value.copy(), "VARCHAR"), "TIMESTAMPTZ")
    shown = exp.DPipe(
        this=exp.cast(exp.cast(local(value.copy(), ctx), "TIMESTAMP"), "VARCHAR"),
        expression=exp.Anonymous(this=TZ_OFFSET, expressions=[
            exp.Anonymous(this="epoch_ms", expressions=[instant]), zone]))
    is_tstz: exp.Expr = exp.EQ(this=exp.Anonymous(this="typeof", expressions=[value.copy()]),
                               expression=exp.Literal.string("TIMESTAMP WITH TIME ZONE"))
    if ctx.stored:  # a UTC reader's text is the engine's (DuckDB folds the running zone)
        is_tstz = exp.and_(is_tstz, exp.Not(this=exp.In(this=zone.copy(), expressions=[
            exp.Literal.string("UTC"), exp.Literal.string("Etc/UTC")])))
    return exp.Case(ifs=[exp.If(this=is_tstz, true=exp.cast(shown, cast.to.copy()))],
                    default=cast.copy())


def _inserting_zone_now() -> exp.Expr:
    """The wall clock (TIMESTAMP) in the zone of the session that runs the statement."""
    zone = exp.Coalesce(this=exp.Anonymous(this="getvariable", expressions=[
        exp.Literal.string(ZONE_VARIABLE)]), expressions=[exp.Literal.string("UTC")])
    return call(macros.ZONE_WALL_CLOCK, zone, exp.CurrentTimestamp())


def _wall_clock_defaults(tree: exp.Expr) -> None:
    """GETDATE, SYSDATE, LOCALTIMESTAMP and CURRENT_DATE in a column default: the wall clock
    of the session that inserts the row (Redshift evaluates a default then), read from the
    zone its connection holds, so that the default names no zone of its own."""
    for default in list(tree.find_all(exp.DefaultColumnConstraint)):
        for node in list(default.find_all(exp.Anonymous, exp.CurrentTimestamp, exp.CurrentDate,
                                          exp.Localtimestamp)):
            new: exp.Expr | None = None
            if isinstance(node, exp.Anonymous):
                if node.name.lower() == "getdate" and not node.expressions:
                    new = exp.Anonymous(this="date_trunc", expressions=[
                        exp.Literal.string("second"), _inserting_zone_now()])
            elif isinstance(node, exp.CurrentDate):
                new = exp.cast(_inserting_zone_now(), "DATE")
                new.meta[_WALL_CLOCK] = True  # a TIMESTAMP already: nothing to convert
            elif isinstance(node, exp.Localtimestamp) or node.args.get("sysdate"):
                new = _inserting_zone_now()
            if new is not None:
                node.replace(new)


def session_time_zone(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Name the session's time zone wherever the engine's (UTC) would be read."""
    _wall_clock_defaults(tree)
    if is_utc(ctx):
        return tree
    if _table_definition(tree):
        # Only the defaults a user writes: the CHECKs of a definition are the engine's own
        # (lengths, TIMETZ offsets), of types it knows.
        for default in list(tree.find_all(exp.DefaultColumnConstraint)):
            _rewrite(default, ctx)
        return tree
    _rewrite(tree, ctx)
    return tree


def _table_definition(tree: exp.Expr) -> bool:
    """Whether ``tree`` defines a table by its columns (not CREATE TABLE ... AS)."""
    return isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE" and (
        tree.expression is None)


def keeps_sql(tree: exp.Expr) -> bool:
    """Whether the statement stores SQL that later sessions run (a view, a table's defaults
    and checks; a function's body is another statement), which is translated with
    ``Context.stored``: its conversions read the zone of the session that runs it."""
    if not isinstance(tree, exp.Create):
        return False
    return (tree.args.get("kind") or "").upper() != "TABLE" or _table_definition(tree)


def _rewrite(tree: exp.Expr, ctx: Context) -> None:
    # Implicit conversions first, on the tree as written (the rewrites below add casts).
    for insert in list(tree.find_all(exp.Insert)):
        _insert(insert, ctx)
    for chosen in list(tree.find_all(exp.Case, exp.DecodeCase)):
        if not catalog_sql(chosen):
            _searched(chosen)
    for nullif in list(tree.find_all(exp.Nullif)):
        if not catalog_sql(nullif):
            _nullif(nullif)
    for values in list(tree.find_all(exp.Between, exp.In)):
        if not catalog_sql(values):
            _spread(values)
    for compared in list(tree.find_all(exp.EQ, exp.NEQ, exp.LT, exp.LTE, exp.GT, exp.GTE,
                                       exp.NullSafeEQ, exp.NullSafeNEQ)):
        _comparison(compared, ctx, not catalog_sql(compared),
                    _outer_join_condition(compared))
    for values in list(tree.find_all(exp.Between, exp.In)):
        _compared_values(values, ctx)
        query = values.args.get("query")
        if isinstance(query, exp.Subquery) and _pairable(values.this) and not (
                _has_subquery(values.this) or catalog_sql(values)):
            _beside_subquery(values.this, query, ctx)
    for joined in list(tree.find_all(exp.DPipe, exp.Concat)):
        if not catalog_sql(joined):
            _concat(joined, ctx)
    # Innermost first: an enclosing one copies the rewritten branches.
    for chosen in reversed(list(tree.find_all(exp.Case, exp.Coalesce, exp.Greatest,
                                              exp.Least))):
        if not catalog_sql(chosen):
            _branching(chosen, ctx)
    texts: list[exp.Cast] = []
    for node in list(tree.find_all(
            exp.Cast, exp.Extract, exp.TimestampTrunc, exp.DateTrunc, exp.TsOrDsAdd,
            exp.TsOrDsDiff, exp.ConvertTimezone, exp.CurrentDate, exp.CurrentTimestamp,
            exp.Localtimestamp, exp.Localtime, exp.Anonymous)):
        if isinstance(node, exp.Cast):
            if node.to.this == _T.TIMESTAMPTZ:
                new = _zoned(node, ctx)
                if new is not None:
                    node.replace(new)
            elif node.to.this in _LOCAL_TARGETS and not node.meta.get(_WALL_CLOCK):
                _wrap(node, "this", ctx)
            elif node.to.this in _TEXT_TARGETS:
                texts.append(node)
        elif isinstance(node, exp.Extract):
            _extract(node, ctx)
        elif isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
            _wrap(node, "this", ctx)
            holder = exp.Null()
            node.replace(holder)
            holder.replace(_unlocal(node, ctx))
        elif isinstance(node, exp.TsOrDsAdd | exp.TsOrDsDiff):
            _wrap(node, "this", ctx)
            _wrap(node, "expression", ctx)
        elif isinstance(node, exp.ConvertTimezone):
            _wrap(node, "timestamp", ctx)
        elif isinstance(node, exp.CurrentDate):
            node.replace(_now("DATE", ctx))
        elif isinstance(node, exp.Localtimestamp):
            node.replace(_now("TIMESTAMP", ctx))
        elif isinstance(node, exp.Localtime):
            node.replace(exp.cast(_now("TIMESTAMP", ctx), "TIME"))
        elif isinstance(node, exp.CurrentTimestamp) and node.args.get("sysdate"):
            node.replace(_now("TIMESTAMP", ctx))
        elif isinstance(node, exp.Anonymous):
            name = node.name.lower()
            if name in ("datepart", "date_part") and len(node.expressions) == 2:
                part = _part_name(node.expressions[0])
                field = _zone_field(part)
                if field is not None:
                    node.replace(call(macros.ZONE_FIELD, node.expressions[1],
                                      exp.Literal.string(field), running_zone(ctx)))
                elif part not in ("epoch", "epoch_ms"):
                    node.set("expressions", [node.expressions[0], local(node.expressions[1], ctx)])
            elif name == macros.TRUNC and len(node.expressions) == 1:
                node.set("expressions", [local(node.expressions[0], ctx)])
    # Last, innermost first: the CASE copies its operand, which must be rewritten already.
    for cast in reversed(texts):
        shown = _text(cast, ctx)
        if shown is not None:
            cast.replace(shown)
    # After every other rewrite, which the branches' copies then need not take again;
    # outermost only, whose branches are all of them.
    for operation in list(tree.find_all(exp.SetOperation)):
        if not isinstance(operation.parent, exp.SetOperation) and not catalog_sql(operation):
            _set_operation(operation, ctx)
