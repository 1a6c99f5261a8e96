"""Tests for COPY text/CSV encoding and incremental parsing."""

from __future__ import annotations

import pyarrow as pa
import pytest

from catalog.errors import BadCopyFileFormat, FeatureNotSupported
from proxy.wire.copy_format import (
    CopyInParser,
    CopyOptions,
    encode_copy_header,
    encode_copy_rows,
)

CSV = CopyOptions.csv()
BATCH = pa.record_batch({"a": [1, None, 3], "b": ["x\ty\\z", "", 'q"u,o\nte']})


def test_text_rows_escape_like_postgresql() -> None:
    assert encode_copy_rows(BATCH, CopyOptions()) == (b'1\tx\\ty\\\\z\n\\N\t\n3\tq"u,o\\nte\n')


def test_csv_rows_quote_like_postgresql() -> None:
    assert encode_copy_rows(BATCH, CSV) == b'1,x\ty\\z\n,""\n3,"q""u,o\nte"\n'


def test_csv_force_quote_and_header() -> None:
    opts = CopyOptions.csv(force_quote=("a",), header=True)
    assert encode_copy_header(["a", "b,c"], opts) == b'a,"b,c"\n'
    assert encode_copy_rows(BATCH, opts).splitlines()[0] == b'"1",x\ty\\z'


@pytest.mark.parametrize("opts", [CopyOptions(), CSV])
@pytest.mark.parametrize("chunk", [1, 3, 1000])
def test_round_trip_with_arbitrary_chunks(opts: CopyOptions, chunk: int) -> None:
    batch = pa.record_batch({"a": ["1", None, "é☃"], "b": ["x\ty\\z", "", 'q"u,o\nte']})
    data = encode_copy_rows(batch, opts)
    parser = CopyInParser(["a", "b"], opts)
    for i in range(0, len(data), chunk):
        parser.feed(data[i : i + chunk])
    table = parser.finish()
    assert table is not None
    assert table.column("a").to_pylist() == batch.column(0).to_pylist()
    assert table.column("b").to_pylist() == batch.column(1).to_pylist()
    assert table.column("__line").to_pylist() == [1, 2, 3]


def test_text_unescapes_and_end_marker() -> None:
    parser = CopyInParser(["a"], CopyOptions())
    parser.feed(b"\\101\\x42\\q\\N\n\\N\n\\.\nignored\n")
    table = parser.finish()
    assert table is not None and table.column("a").to_pylist() == ["ABqN", None]


def test_header_and_last_line_without_newline() -> None:
    parser = CopyInParser(["a", "b"], CopyOptions.csv(header=True))
    parser.feed(b'a,b\n1,"2"\r\n3,')
    first = parser.take_batch()
    assert first is not None and first.to_pydict() == {"a": ["1"], "b": ["2"], "__line": [2]}
    rest = parser.finish()
    assert rest is not None and rest.to_pydict() == {"a": ["3"], "b": [None], "__line": [3]}


@pytest.mark.parametrize(
    ("data", "message", "line"),
    [
        (b"1\t2\t3\n", "extra data after last expected column", 1),
        (b"1\t2\n1\n", 'missing data for column "b"', 2),
        (b"\xff\t1\n", 'invalid byte sequence for encoding "UTF8": 0xff', 1),
    ],
)
def test_text_errors(data: bytes, message: str, line: int) -> None:
    parser = CopyInParser(["a", "b"], CopyOptions())
    with pytest.raises(BadCopyFileFormat, match=message) as info:
        parser.feed(data)
        parser.finish()
    assert info.value.line == line  # type: ignore[attr-defined]


def test_unterminated_csv_quote() -> None:
    parser = CopyInParser(["a"], CSV)
    parser.feed(b'"abc\n')
    with pytest.raises(BadCopyFileFormat, match="unterminated CSV quoted field"):
        parser.finish()


def test_binary_format_is_refused() -> None:
    with pytest.raises(FeatureNotSupported):
        CopyInParser(["a"], CopyOptions(format="binary"))
