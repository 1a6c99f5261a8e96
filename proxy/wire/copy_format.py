"""PostgreSQL COPY data in text and CSV format: encoding COPY TO rows and parsing COPY FROM.

Values use the same PostgreSQL text representation as DataRow text encoding. Text format
escapes backslash, newline, carriage return, tab and the delimiter; CSV quotes values that
contain the delimiter, quote, CR or LF, equal the NULL string, or belong to a FORCE_QUOTE
column. ``CopyInParser`` accepts CopyData chunks split anywhere (even inside a UTF-8
character), yields Arrow tables of string columns plus the input line number of each row,
and raises ``BadCopyFileFormat`` with PostgreSQL's messages and the line in ``exc.line``.
Line numbers count records, so a CSV record with quoted newlines is one line, as in PG.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from catalog.errors import BadCopyFileFormat, FeatureNotSupported, SQLError
from proxy.codecs import buffers
from proxy.codecs.params import decode_parameter
from proxy.codecs.rows import encode_columns

_TEXT_ESCAPES = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_TEXT_ESCAPE = re.compile(rb"\\(?:([0-7]{1,3})|x([0-9a-fA-F]{1,2})|(.)|$)", re.DOTALL)


@dataclass(frozen=True)
class CopyOptions:
    """COPY options; see ``CopyOptions.csv()`` for the CSV defaults."""

    format: str = "text"
    delimiter: str = "\t"
    null: str = "\\N"
    header: bool = False
    quote: str = '"'
    escape: str = '"'
    force_quote: tuple[str, ...] = ()

    @classmethod
    def csv(cls, **overrides: object) -> CopyOptions:
        """CSV options with PostgreSQL's CSV defaults (',' delimiter, empty NULL string)."""
        values: dict[str, object] = {"format": "csv", "delimiter": ",", "null": ""}
        values.update(overrides)
        if "escape" not in overrides:
            values["escape"] = values.get("quote", '"')
        return cls(**values)  # type: ignore[arg-type]


def _check(opts: CopyOptions) -> None:
    if opts.format not in ("text", "csv"):
        raise FeatureNotSupported(f'COPY format "{opts.format}" is not supported')


def _csv_quote_text(value: str, opts: CopyOptions) -> str:
    escaped = value.replace(opts.escape, opts.escape * 2) if opts.escape != opts.quote else value
    escaped = escaped.replace(opts.quote, opts.escape + opts.quote)
    return opts.quote + escaped + opts.quote


def encode_copy_header(names: Sequence[str], opts: CopyOptions) -> bytes:
    """The HEADER line of COPY TO: column names, quoted or escaped like values."""
    _check(opts)
    if opts.format == "csv":
        specials = (opts.delimiter, opts.quote, "\r", "\n")
        fields = [
            _csv_quote_text(n, opts) if any(s in n for s in specials) or n == opts.null else n
            for n in names
        ]
    else:
        fields = [_text_escape_str(n, opts.delimiter) for n in names]
    return (opts.delimiter.join(fields) + "\n").encode()


def _text_escape_str(value: str, delimiter: str) -> str:
    value = value.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r")
    value = value.replace("\t", "\\t")
    return value if delimiter == "\t" else value.replace(delimiter, "\\" + delimiter)


def _plain_text(source: pa.DataType) -> bool:
    """Whether a type's text form can never hold a backslash, tab, CR or LF (no escaping)."""
    return (
        pa.types.is_integer(source) or pa.types.is_floating(source)
        or pa.types.is_decimal(source) or pa.types.is_boolean(source)
        or pa.types.is_temporal(source)
    )


def _text_escape(column: pa.Array, opts: CopyOptions, source: pa.DataType) -> pa.Array:
    delimiter = opts.delimiter.encode()
    specials = rb"[\\\n\r\t" + re.escape(delimiter) + rb"]"
    if (_plain_text(source) and delimiter in b"\t,|;") or not pc.any(
        pc.match_substring_regex(column, specials)
    ).as_py():
        return column.fill_null(opts.null.encode())
    for plain, escaped in ((b"\\", b"\\\\"), (b"\n", b"\\n"), (b"\r", b"\\r"), (b"\t", b"\\t")):
        column = pc.replace_substring(column, plain, escaped)
    if delimiter != b"\t":
        column = pc.replace_substring(column, delimiter, b"\\" + delimiter)
    return column.fill_null(opts.null.encode())


def _csv_escape(
    column: pa.Array, opts: CopyOptions, force: bool, single: bool, source: pa.DataType
) -> pa.Array:
    quote, escape = opts.quote.encode(), opts.escape.encode()
    if not force and _plain_text(source) and opts.delimiter in ",\t|;" and (
        opts.quote not in "-+.: "
    ):
        # Numbers, dates and times never contain these delimiters, the quote or a line break;
        # only a value equal to the NULL string would need quoting (their text is never '').
        null = opts.null.encode()
        if not null or not pc.any(pc.equal(column, pa.scalar(null, buffers.BINARY))).as_py():
            return column.fill_null(null)
    needs = pc.equal(column, pa.scalar(opts.null.encode(), buffers.BINARY))
    for special in {opts.delimiter.encode(), quote, b"\r", b"\n"}:
        needs = pc.or_(needs, pc.match_substring(column, special))
    if single:  # a lone \. would read back as the end-of-data marker
        needs = pc.or_(needs, pc.equal(column, pa.scalar(b"\\.", buffers.BINARY)))
    escaped = column
    if escape != quote:
        escaped = pc.replace_substring(escaped, escape, escape + escape)
    escaped = pc.replace_substring(escaped, quote, escape + quote)
    quoted = buffers.concat(quote, escaped, quote)
    column = quoted if force else pc.if_else(needs, quoted, column)
    return column.fill_null(opts.null.encode())


def encode_copy_data(batch: pa.RecordBatch, opts: CopyOptions) -> bytes:
    """One CopyData message per row, as PostgreSQL sends them (psycopg's rows() needs it)."""
    lines = _copy_lines(batch, opts)
    if lines is None:
        return b""
    lengths = pc.add(pc.binary_length(lines), 4).to_numpy(zero_copy_only=False)
    prefix = buffers.fixed_width(lengths.astype(">i4"))
    return buffers.values_bytes(buffers.concat(b"d", prefix, lines))


def encode_copy_rows(batch: pa.RecordBatch, opts: CopyOptions) -> bytes:
    """COPY TO output for every row of ``batch``, each line ending in a newline.

    >>> encode_copy_rows(pa.record_batch({"a": [1, None], "b": ["x\\ty", "z"]}), CopyOptions())
    b'1\\tx\\\\ty\\n\\\\N\\tz\\n'
    """
    lines = _copy_lines(batch, opts)
    return b"" if lines is None else buffers.values_bytes(lines)


def _copy_lines(batch: pa.RecordBatch, opts: CopyOptions) -> pa.Array | None:
    """Each row's COPY line, newline included, as a binary array (None for no rows)."""
    _check(opts)
    if batch.num_rows == 0:
        return None
    columns = encode_columns(batch, [0] * batch.num_columns)
    if opts.format == "csv":
        forced = set(opts.force_quote)
        single = batch.num_columns == 1
        columns = [
            _csv_escape(c, opts, f.name in forced or "*" in forced, single, f.type)
            for c, f in zip(columns, batch.schema, strict=True)
        ]
    else:
        columns = [
            _text_escape(c, opts, f.type) for c, f in zip(columns, batch.schema, strict=True)
        ]
    return buffers.concat(
        pc.binary_join_element_wise(*columns, pa.scalar(opts.delimiter.encode(), buffers.BINARY)),
        b"\n",
    )


def _bad(message: str, line: int) -> BadCopyFileFormat:
    error = BadCopyFileFormat(message)
    error.line = line  # type: ignore[attr-defined]
    return error


def _decode(raw: bytes, line: int) -> str:
    try:
        return raw.decode()
    except UnicodeDecodeError as exc:
        bad = " ".join(f"0x{b:02x}" for b in raw[exc.start : exc.start + 2])
        raise _bad(f'invalid byte sequence for encoding "UTF8": {bad}', line) from None


def _unescape_match(match: re.Match[bytes]) -> bytes:
    octal, hexa, other = match.groups()
    if octal is not None:
        return bytes([int(octal, 8) & 0xFF])
    if hexa is not None:
        return bytes([int(hexa, 16)])
    if other is None:
        return b""  # a trailing lone backslash is dropped, as PostgreSQL does
    return _TEXT_ESCAPES.get(other, other)


class CopyInParser:
    """Incremental parser of COPY FROM STDIN data in text or CSV format."""

    def __init__(self, column_names: Sequence[str], opts: CopyOptions) -> None:
        """Parse rows of ``column_names`` (in order) according to ``opts``."""
        _check(opts)
        self._names = list(column_names)
        self._opts = opts
        self._pending = bytearray()
        self._record = ""  # CSV: lines of a record whose quoted field is still open
        self._rows: list[list[str | None]] = []
        self._lines: list[int] = []
        self._line = 0
        self._done = False
        self._delimiter = opts.delimiter.encode()
        self._null = opts.null.encode()

    def feed(self, data: bytes) -> None:
        """Add one CopyData chunk; complete lines are parsed immediately."""
        if self._done:
            return
        self._pending += data
        end = self._pending.rfind(b"\n")
        if end < 0:
            return
        complete = bytes(self._pending[: end + 1])
        del self._pending[: end + 1]
        for raw in complete.split(b"\n")[:-1]:
            self._line_in(raw)
            if self._done:
                break

    def take_batch(self, max_rows: int = 65536) -> pa.Table | None:
        """Up to ``max_rows`` parsed rows as a table of strings plus ``__line``, or None."""
        if not self._rows:
            return None
        rows, self._rows = self._rows[:max_rows], self._rows[max_rows:]
        lines, self._lines = self._lines[:max_rows], self._lines[max_rows:]
        columns = list(zip(*rows, strict=True)) or [()] * len(self._names)
        data = {
            name: pa.array(col, pa.string()) for name, col in zip(self._names, columns, strict=True)
        }
        data["__line"] = pa.array(lines, pa.int64())
        return pa.table(data)

    def finish(self) -> pa.Table | None:
        """End of data: parse a last line without newline and return all remaining rows."""
        if not self._done and self._pending:
            raw, self._pending = bytes(self._pending), bytearray()
            self._line_in(raw)
        if not self._done and self._record:
            raise _bad("unterminated CSV quoted field", self._line)
        self._done = True
        if not self._rows:
            return None
        return self.take_batch(len(self._rows))

    def _line_in(self, raw: bytes) -> None:
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if self._opts.format == "csv" and self._record:
            self._record += "\n" + _decode(raw, self._line)
            self._csv_record()
            return
        self._line += 1
        if raw == b"\\.":
            self._done = True
            return
        if self._line == 1 and self._opts.header:
            return
        if self._opts.format == "csv":
            self._record = _decode(raw, self._line)
            self._csv_record()
        else:
            self._add(self._text_fields(raw))

    def _add(self, fields: list[str | None]) -> None:
        if len(fields) > len(self._names):
            raise _bad("extra data after last expected column", self._line)
        if len(fields) < len(self._names):
            raise _bad(f'missing data for column "{self._names[len(fields)]}"', self._line)
        self._rows.append(fields)
        self._lines.append(self._line)

    def _text_fields(self, raw: bytes) -> list[str | None]:
        if b"\\" not in raw:
            parts = raw.split(self._delimiter)
        else:
            # split on delimiters not preceded by an escaping backslash
            parts, start, i = [], 0, 0
            while i < len(raw):
                if raw[i] == 0x5C:
                    i += 2
                    continue
                if raw.startswith(self._delimiter, i):
                    parts.append(raw[start:i])
                    start = i = i + len(self._delimiter)
                    continue
                i += 1
            parts.append(raw[start:])
        return [
            None
            if part == self._null
            else _decode(
                _TEXT_ESCAPE.sub(_unescape_match, part) if b"\\" in part else part, self._line
            )
            for part in parts
        ]

    def _csv_record(self) -> None:
        fields = _parse_csv(self._record, self._opts)
        if fields is None:
            return  # the record continues on the next line
        self._record = ""
        self._add(fields)


def _parse_csv(record: str, opts: CopyOptions) -> list[str | None] | None:
    """Fields of one CSV record, or None while a quoted field is unterminated."""
    delimiter, quote, escape = opts.delimiter, opts.quote, opts.escape
    if quote not in record:
        return [None if f == opts.null else f for f in record.split(delimiter)]
    fields: list[str | None] = []
    field: list[str] = []
    quoted_any = in_quotes = False
    i = 0
    while i < len(record):
        ch = record[i]
        if in_quotes:
            if ch == escape and record[i + 1 : i + 2] == quote:
                field.append(quote)
                i += 2
                continue
            if ch == escape and escape != quote and record[i + 1 : i + 2] == escape:
                field.append(escape)
                i += 2
                continue
            if ch == quote:
                in_quotes = False
            else:
                field.append(ch)
        elif ch == quote:
            in_quotes = quoted_any = True
        elif record.startswith(delimiter, i):
            fields.append(_csv_value(field, quoted_any, opts))
            field, quoted_any = [], False
        else:
            field.append(ch)
        i += 1
    if in_quotes:
        return None
    fields.append(_csv_value(field, quoted_any, opts))
    return fields


def _csv_value(chars: list[str], quoted: bool, opts: CopyOptions) -> str | None:
    value = "".join(chars)
    return None if not quoted and value == opts.null else value


_BINARY_SIGNATURE = b"PGCOPY\n\xff\r\n\x00"


class BinaryCopyInParser:
    """COPY FROM STDIN (FORMAT binary): PostgreSQL's binary tuples, decoded per column OID.

    Same interface as ``CopyInParser``; columns come out as Python-typed Arrow arrays (from
    ``decode_parameter``) rather than strings, and ``__line`` numbers the tuples.
    """

    def __init__(self, column_names: Sequence[str], oids: Sequence[int]) -> None:
        self._names = list(column_names)
        self._oids = list(oids)
        self._buf = bytearray()
        self._header_done = False
        self._ended = False
        self._rows: list[list[object]] = [[] for _ in self._names]
        self._lines: list[int] = []
        self._line = 0

    def feed(self, data: bytes) -> None:
        """Add one CopyData chunk; complete tuples are decoded immediately."""
        self._buf += data
        self._parse()

    def _parse(self) -> None:
        buf = self._buf
        pos = 0
        if not self._header_done:
            if len(buf) < 19:
                return
            if bytes(buf[:11]) != _BINARY_SIGNATURE:
                raise _bad("COPY file signature not recognized", 1)
            (ext,) = struct.unpack_from("!i", buf, 15)
            if len(buf) < 19 + ext:
                return
            pos = 19 + ext
            self._header_done = True
        while not self._ended and len(buf) - pos >= 2:
            (nfields,) = struct.unpack_from("!h", buf, pos)
            if nfields == -1:
                self._ended = True
                pos += 2
                break
            line = self._line + 1
            if nfields != len(self._names):
                raise _bad(f"row field count is {nfields}, expected {len(self._names)}", line)
            values, end = self._tuple(buf, pos + 2, line)
            if end < 0:
                break
            self._line = line
            for column, value in zip(self._rows, values, strict=True):
                column.append(value)
            self._lines.append(line)
            pos = end
        del buf[:pos]

    def _tuple(self, buf: bytearray, pos: int, line: int) -> tuple[list[object], int]:
        values: list[object] = []
        for oid in self._oids:
            if len(buf) - pos < 4:
                return [], -1
            (length,) = struct.unpack_from("!i", buf, pos)
            pos += 4
            if length == -1:
                values.append(None)
                continue
            if length < 0:
                raise _bad(f"invalid field size {length}", line)
            if len(buf) - pos < length:
                return [], -1
            raw = bytes(buf[pos : pos + length])
            pos += length
            try:
                values.append(decode_parameter(oid, 1, raw))
            except SQLError as exc:
                exc.where = f"line {line}"
                raise
        return values, pos

    def take_batch(self, max_rows: int = 65536) -> pa.Table | None:
        """Up to ``max_rows`` decoded rows plus ``__line``, or None when none are ready."""
        if not self._lines:
            return None
        data = {name: col[:max_rows] for name, col in zip(self._names, self._rows, strict=True)}
        self._rows = [col[max_rows:] for col in self._rows]
        lines, self._lines = self._lines[:max_rows], self._lines[max_rows:]
        table = pa.table({**{k: pa.array(v) for k, v in data.items()},
                          "__line": pa.array(lines, pa.int64())})
        return table

    def finish(self) -> pa.Table | None:
        """End of data: the remaining rows; trailing bytes after the trailer are an error."""
        if self._buf and not self._ended:
            raise _bad("unexpected EOF in COPY data", self._line + 1)
        return self.take_batch(len(self._lines) or 1)
