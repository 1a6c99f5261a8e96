"""Redshift string functions whose DuckDB translation by sqlglot gives other answers.

* ``OCTET_LENGTH(s)`` counts the bytes of the UTF-8 text (DuckDB's takes only BLOB and BIT):
  rewritten with VARBYTE's, which it counts too (``varbyte``).
* ``LEN``/``LENGTH``/``TEXTLEN`` ignore the trailing blanks of a CHAR value; DuckDB has no
  CHAR, so they are trimmed where the argument is a cast to CHAR (a CHAR column needs the
  catalog's column types). These, CHARINDEX/STRPOS/POSITION and the REGEXP_INSTR/COUNT family
  return INTEGER in Redshift, where DuckDB gives BIGINT (HUGEINT for sqlglot's REGEXP_INSTR).
* ``STRTOL(s, base)`` has no DuckDB counterpart (sqlglot prints a ``from_base`` DuckDB lacks):
  leading white space, a sign, ``0x`` for base 16, then the longest run of digits of the base,
  as C's strtol reads them. The base must be a literal.
* ``REGEXP_SUBSTR(s, p, position, occurrence, parameters)``: sqlglot passes the parameters
  ('i', 'e') to DuckDB as a group index or drops them; rebuilt from ``regexp_extract_all``.
  ``REGEXP_REPLACE`` replaces every match in Redshift but only the first in DuckDB without
  the 'g' option. Parameters must be literals of 'c', 'i', 'e', 'p' ('p', PCRE, runs as RE2,
  which fails loudly on what it lacks).
* ``SIMILAR TO`` takes an SQL pattern (``%``, ``_``, escapes) that DuckDB's SIMILAR TO, a
  plain regular expression match, does not: a literal pattern is converted as PostgreSQL's
  ``similar_escape`` does; other patterns fail with 0A000.
* ``SUBSTRING(s, start, n)`` with a start below 1 counts the positions before the string
  (``substring('caterpillar', -2, 6)`` is ``'cat'``) where DuckDB counts from the end; a
  negative length fails (22011). SUBSTR is the same function.
* ``SPLIT_PART(s, d, n)`` with a position below 1 fails (22023 ``field position must be
  greater than zero``, as Redshift documents) where DuckDB counts from the end; an empty
  delimiter leaves the string whole (its first part) where DuckDB splits it into characters.
  ``CHR(0)`` fails (54000 ``null character not permitted``) where DuckDB answers the NUL
  character. Literal positions of at least 1 and non-empty literal delimiters cost nothing.
* ``LIKE``/``ILIKE`` use backslash as the default escape character in Redshift; DuckDB has no
  default escape, so one is added where the pattern may contain a backslash.
"""

from __future__ import annotations

from sqlglot import exp

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.transforms.casts import truncated_cast


def _call(name: str, *args: exp.Expr) -> exp.Expr:
    """A call of DuckDB's own function ``name`` (not sqlglot's canonical node for it)."""
    return exp.Anonymous(this=name, expressions=list(args))


def _refuse(what: str) -> FeatureNotSupported:
    return FeatureNotSupported(f"feature not supported on Duckshift: {what}")


_CHAR_TYPES = {exp.DataType.Type.CHAR, exp.DataType.Type.NCHAR}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"
# Characters PostgreSQL's similar_escape escapes outside brackets (the rest pass through).
_SIMILAR_LITERAL = frozenset(".^$")


def _integer(node: exp.Expr) -> exp.Expr:
    return exp.cast(node, "INT")


def _text(node: exp.Expr | None) -> str | None:
    if isinstance(node, exp.Literal) and node.is_string:
        return node.this
    return None


def _flags(node: exp.Expr | None, function: str) -> str:
    """Redshift's regular expression parameters, checked and normalized."""
    if node is None:
        return ""
    text = _text(node)
    if text is None or set(text) - set("cipe"):
        raise _refuse(f"{function} parameters other than literal 'c', 'i', 'e', 'p'")
    return text


def _from(source: exp.Expr, position: exp.Expr | None) -> exp.Expr:
    if position is None or (position.is_int and position.name == "1"):
        return source
    return exp.Substring(this=source, start=position)


def _has_group(pattern: exp.Expr) -> bool:
    """Whether a regular expression has a capturing group (a pattern that is not a literal is
    taken to have one)."""
    text = _text(pattern)
    if text is None:
        return True
    escaped = in_class = False
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]" or text[i - 1] == "["
        elif ch == "[":
            in_class = True
        elif ch == "(" and (not text.startswith("?", i + 1) or text.startswith("?P<", i + 1)):
            return True
    return False


def _regexp_substr(node: exp.RegexpExtract) -> exp.Expr:
    flags = _flags(node.args.get("parameters"), "REGEXP_SUBSTR")
    # Redshift ignores 'e' when the pattern has no subexpression.
    group = exp.Literal.number(1 if "e" in flags and _has_group(node.expression) else 0)
    options = exp.Literal.string("i" if flags.replace("c", "").find("i") >= 0 else "")
    source = _from(node.this, node.args.get("position"))
    occurrence = node.args.get("occurrence") or exp.Literal.number(1)
    matches = _call("regexp_extract_all", source, node.expression, group, options)
    # No such match is an empty string; NULL in is NULL out.
    found = exp.Coalesce(
        this=_call("list_extract", matches, occurrence), expressions=[exp.Literal.string("")]
    )
    return exp.Case(
        ifs=[exp.If(this=exp.Is(this=matches.copy(), expression=exp.Null()), true=exp.Null())],
        default=found,
    )


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expr:
    flags = _flags(node.args.get("modifiers"), "REGEXP_REPLACE")
    position = node.args.get("position")
    options = exp.Literal.string("gi" if _case_insensitive(flags) else "g")
    replacement = node.args.get("replacement") or exp.Literal.string("")
    replaced = _call(
        "regexp_replace", _from(node.this, position), node.expression, replacement, options
    )
    if position is None or (position.is_int and position.name == "1"):
        return replaced
    head = exp.Substring(
        this=node.this, start=exp.Literal.number(1),
        length=exp.Sub(this=position, expression=exp.Literal.number(1)),
    )
    return exp.DPipe(this=head, expression=replaced, safe=True)


def _case_insensitive(flags: str) -> bool:
    # The last of 'c' and 'i' wins, as in Redshift.
    return flags.rfind("i") > flags.rfind("c")


def _strtol(node: exp.FromBase) -> exp.Expr:
    base = node.expression
    if not base.is_int or not 2 <= int(base.name) <= 36:
        raise _refuse("STRTOL with a base that is not a literal from 2 to 36")
    radix = int(base.name)
    digits = _DIGITS[:radix]
    klass = "0-9" if radix <= 10 else f"0-9a-{digits[-1]}A-{digits[-1].upper()}"
    if radix < 10:
        klass = f"0-{digits[-1]}"
    # "0x" without hex digits after it reads as 0, as does the empty digit run it leaves.
    hex_prefix = "(?:0[xX])?" if radix == 16 else ""
    pattern = exp.Literal.string(f"^\\s*([+-]?){hex_prefix}([{klass}]*)")
    text = exp.cast(node.this, "VARCHAR")
    sign = _call("regexp_extract", text, pattern, exp.Literal.number(1))
    number = _call("regexp_extract", text.copy(), pattern.copy(), exp.Literal.number(2))
    chars = _call("string_split", _call("lower", number), exp.Literal.string(""))
    value = exp.Lambda(
        this=exp.Sub(
            this=_call("instr", exp.Literal.string(_DIGITS), exp.column("c")),
            expression=exp.Literal.number(1),
        ),
        expressions=[exp.to_identifier("c")],
    )
    accumulate = exp.Lambda(
        this=exp.Add(
            this=exp.Mul(this=exp.column("a"), expression=exp.Literal.number(radix)),
            expression=exp.column("d"),
        ),
        expressions=[exp.to_identifier("a"), exp.to_identifier("d")],
    )
    total = _call(
        "list_reduce", _call("list_transform", chars, value), accumulate,
        exp.cast(exp.Literal.number(0), "BIGINT"),
    )
    negative = exp.EQ(this=sign, expression=exp.Literal.string("-"))
    return exp.Case(ifs=[exp.If(this=negative, true=exp.Neg(this=total.copy()))], default=total)


def similar_to_regex(pattern: str, escape: str = "\\") -> str:
    """An SQL SIMILAR TO pattern as the regular expression it means (whole-string match)."""
    out: list[str] = []
    in_brackets = False
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if escape and ch == escape and i + 1 < len(pattern):
            nxt = pattern[i + 1]
            out.append(nxt if nxt.isalnum() else "\\" + nxt)
            i += 2
            continue
        if in_brackets:
            in_brackets = ch != "]"
            out.append(ch)
        elif ch == "[":
            in_brackets = True
            out.append(ch)
        elif ch == "%":
            out.append(".*")
        elif ch == "_":
            out.append(".")
        elif ch in _SIMILAR_LITERAL or (ch == "\\" and ch != escape):
            out.append("\\" + ch)
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _similar_to(node: exp.SimilarTo, escape: exp.Expr | None) -> exp.Expr:
    pattern = _text(node.expression)
    esc = "\\" if escape is None else _text(escape)
    if pattern is None or esc is None or len(esc) > 1:
        raise _refuse("SIMILAR TO with a pattern or escape that is not a literal")
    return _call(
        "regexp_full_match", exp.cast(node.this, "VARCHAR"),
        exp.Literal.string(similar_to_regex(pattern, esc)),
    )


NEGATIVE_LENGTH = "negative substring length not allowed"


def _at_least(value: exp.Expr, floor: int) -> exp.Expr:
    # CASE rather than greatest(), which skips a NULL and would turn NULL into the floor.
    bound = exp.Literal.number(floor)
    return exp.Case(ifs=[exp.If(this=exp.LT(this=value, expression=bound), true=bound.copy())],
                    default=value.copy())


def _literal_at_least(node: exp.Expr | None, floor: int) -> bool:
    # to_py, not name: the name of -2 is "2".
    return node is not None and node.is_int and int(node.to_py()) >= floor


def _substring(node: exp.Substring) -> exp.Expr | None:
    start, length = node.args.get("start"), node.args.get("length")
    if start is None or (
        _literal_at_least(start, 1) and (length is None or _literal_at_least(length, 0))
    ):
        return None
    if start.is_int:
        first: exp.Expr = exp.Literal.number(max(int(start.to_py()), 1))
    else:
        first = _at_least(start.copy(), 1)
    if length is None:
        return exp.Substring(this=node.this.copy(), start=first)
    if start.is_int and _literal_at_least(length, 0):
        count = int(start.to_py()) + int(length.to_py()) - int(first.to_py())
        return exp.Substring(
            this=node.this.copy(), start=first, length=exp.Literal.number(max(count, 0))
        )
    if not _literal_at_least(length, 0):
        length = exp.Case(
            ifs=[exp.If(this=exp.LT(this=length.copy(), expression=exp.Literal.number(0)),
                        true=_call("error", exp.Literal.string(NEGATIVE_LENGTH)))],
            default=length.copy(),
        )
    # In BIGINT: a start near the largest INTEGER plus a length must not overflow.
    end = exp.Add(this=exp.cast(start.copy(), "BIGINT"), expression=exp.Paren(this=length.copy()))
    span = _at_least(exp.Sub(this=end, expression=exp.Paren(this=first.copy())), 0)
    return exp.Substring(this=node.this.copy(), start=first, length=span)


FIELD_POSITION = "field position must be greater than zero"
NULL_CHARACTER = "null character not permitted"


def _refused_when(value: exp.Expr, condition: exp.Expr, message: str) -> exp.Expr:
    """``value``, or an error where ``condition`` holds (a NULL value stays NULL)."""
    return exp.Case(ifs=[exp.If(this=condition, true=_call("error", exp.Literal.string(message)))],
                    default=value.copy())


def _split_part(node: exp.SplitPart) -> exp.Expr | None:
    position, delimiter = node.args.get("part_index"), node.args.get("delimiter")
    if position is None or delimiter is None:
        return None
    new: exp.Expr | None = None
    if not _literal_at_least(position, 1):
        checked = _refused_when(
            position, exp.LT(this=position.copy(), expression=exp.Literal.number(1)),
            FIELD_POSITION)
        new = node.copy()
        new.set("part_index", checked)
        position = checked
    if _text(delimiter) == "":
        whole = exp.EQ(this=position.copy(), expression=exp.Literal.number(1))
        return exp.Case(ifs=[exp.If(this=whole, true=node.this.copy())],
                        default=exp.Literal.string(""))
    return new


def _chr(node: exp.Chr) -> exp.Expr | None:
    code = node.expressions[0] if len(node.expressions) == 1 else None
    if code is None or _literal_at_least(code, 1):
        return None
    zero = exp.EQ(this=code.copy(), expression=exp.Literal.number(0))
    return exp.Chr(expressions=[_refused_when(code, zero, NULL_CHARACTER)])


def _needs_escape(pattern: exp.Expr) -> bool:
    text = _text(pattern)
    return text is None or "\\" in text


def string_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite the string functions and patterns listed in the module docstring."""
    kinds = (exp.Length, exp.StrPosition, exp.FromBase, exp.RegexpExtract,
             exp.RegexpReplace, exp.RegexpInstr, exp.RegexpCount, exp.SimilarTo, exp.Like,
             exp.ILike, exp.Concat, exp.Substring, exp.SplitPart, exp.Chr)
    # Innermost first: a rewritten call is copied into its enclosing call's rewrite.
    for node in reversed(list(tree.find_all(*kinds))):
        parent = node.parent
        escape = parent.expression if isinstance(parent, exp.Escape) else None
        new: exp.Expr | None = None
        if isinstance(node, exp.Length):
            arg = node.this
            cast = truncated_cast(arg)
            if cast is not None and cast.to.this in _CHAR_TYPES:
                node.set("this", exp.func("rtrim", arg.copy(), exp.Literal.string(" ")))
            new = _integer(node.copy())
        elif isinstance(node, exp.StrPosition | exp.RegexpInstr | exp.RegexpCount):
            if isinstance(node, exp.RegexpInstr | exp.RegexpCount):
                flags = _flags(node.args.get("parameters"), type(node).__name__.upper())
                if "e" in flags and isinstance(node, exp.RegexpInstr) and _has_group(
                        node.expression):
                    raise _refuse("REGEXP_INSTR of a subexpression (parameter 'e')")
            new = _integer(node.copy())
        elif type(node) is exp.Concat and len(node.expressions) == 2:  # not CONCAT_WS
            # Redshift's CONCAT is ||: NULL if either argument is (DuckDB's skips NULLs).
            a, b = (x.copy() for x in node.expressions)
            new = exp.Paren(this=exp.DPipe(this=a, expression=b))
        elif isinstance(node, exp.FromBase):
            new = _strtol(node)
        elif isinstance(node, exp.Substring):
            new = _substring(node)
        elif isinstance(node, exp.SplitPart):
            new = _split_part(node)
        elif isinstance(node, exp.Chr):
            new = _chr(node)
        elif isinstance(node, exp.RegexpExtract):
            new = _regexp_substr(node)
        elif isinstance(node, exp.RegexpReplace):
            new = _regexp_replace(node)
        elif isinstance(node, exp.SimilarTo):
            new = _similar_to(node, escape)
            if escape is not None:
                parent.replace(new)
                continue
        elif (
            isinstance(node, exp.Like | exp.ILike)
            and escape is None
            and _needs_escape(node.expression)
        ):
            new = exp.Escape(this=node.copy(), expression=exp.Literal.string("\\"))
        if new is not None:
            node.replace(new)
    return tree
