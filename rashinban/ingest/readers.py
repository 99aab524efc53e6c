"""Reading CSV and XLSX files as a stream of string batches.

CSV goes through pyarrow's streaming reader (C++; every column read as text, our own
converters type them); non-UTF-8 files are decoded by Python's codec (``cp932``, which
keeps ①, ㈱, 髙 and ～ that the ``shift_jis`` codec loses; UTF-16) inside pyarrow's
transcoding stream.  The separator is read from the header line: commas, or tabs (as
Excel's "Unicode text" writes them), or semicolons.  XLSX is read by :mod:`.xlsx`.

Headers that appear twice keep their first spelling; the later copies are named
``Amount (2)`` internally and listed in ``duplicates``, so that a preset reading such a
header can refuse the file by name instead of guessing which column is meant.

Row numbers are the spreadsheet's: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from rashinban.errors import IngestError
from rashinban.ingest import xlsx
from rashinban.ingest.encoding import UTF16, detect_encoding, locate
from rashinban.ingest.xlsx import cell_text

CSV_BLOCK_SIZE = 3 << 20
DELIMITERS = ",\t;"


@dataclass
class Batch:
    table: pa.Table  # one string column per header, in file order
    first_row: int  # spreadsheet row number of the batch's first row
    position: int  # bytes (CSV) or rows (XLSX) read so far, for progress


@dataclass
class BadRow:
    """A CSV row with the wrong number of fields (a truncated or broken file)."""

    text: str
    expected: int
    actual: int
    row: int | None = None


@dataclass
class TabularFile:
    path: Path
    kind: str  # csv | xlsx
    headers: list[str]  # unique: a repeated header's later copies are "Name (2)", …
    encoding: str | None
    size: int  # bytes (CSV) or rows (XLSX)
    bad_rows: list[BadRow] = field(default_factory=list)
    sha256: str | None = None  # of the bytes read, once a CSV has been read to the end
    row_bytes: float = 100.0  # average row length in the first megabyte (progress estimate)
    delimiter: str = ","
    duplicates: dict[str, list[int]] = field(default_factory=dict)  # header → its 1-based columns
    sheet: str | None = None  # XLSX: the sheet read
    other_sheets: list[tuple[str, int]] = field(default_factory=list)  # XLSX: (sheet, rows) not read

    def batches(self) -> Iterator[Batch]:
        if self.kind == "xlsx":
            assert self.sheet is not None
            for table, first, done in xlsx.batches(self.path, self.sheet, self.headers, self.headers):
                yield Batch(table, first, done)
        else:
            yield from _csv_batches(self)


def open_table(path: str | Path, encoding: str | None = None, sheet: str | None = None) -> TabularFile:
    """Open ``path`` (CSV or XLSX) and read its header row."""
    p = Path(path)
    if not p.exists():
        raise IngestError("file_not_found", path=str(p))
    if p.is_dir():
        raise IngestError("file_unreadable", path=str(p), reason="is a directory")
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        name, raw, rows, others = xlsx.open_sheet(p, sheet)
        headers, dups = unique_headers(raw)
        return TabularFile(p, "xlsx", headers, None, rows, duplicates=dups, sheet=name, other_sheets=others)
    if sheet is not None:
        raise IngestError("sheet_not_xlsx", path=str(p), sheet=sheet)
    enc = detect_encoding(p, encoding)
    raw, delimiter = _csv_header(p, enc)
    headers, dups = unique_headers(raw)
    tf = TabularFile(
        path=p, kind="csv", headers=headers, encoding=enc, size=p.stat().st_size, delimiter=delimiter
    )
    tf.duplicates = dups
    with p.open("rb") as f:
        sample = f.read(1 << 20)
    newline = b"\n\x00" if enc in UTF16 else b"\n"
    tf.row_bytes = max(len(sample) / max(sample.count(newline), 1), 1.0)
    return tf


def unique_headers(raw: list[str]) -> tuple[list[str], dict[str, list[int]]]:
    """Headers made unique (``Amount``, ``Amount (2)``) and the repeated ones with their columns.
    Repeats are told apart as a preset compares headers (width, case and spaces ignored)."""
    from rashinban.ingest.validate import normalize_header

    seen: dict[str, list[int]] = {}
    out: list[str] = []
    taken = {normalize_header(h) for h in raw}
    for i, h in enumerate(raw, start=1):
        key = normalize_header(h)
        cols = seen.setdefault(key, [])
        cols.append(i)
        if len(cols) == 1 or not h.strip():
            out.append(h if h.strip() else f"({i})")
            continue
        n = len(cols)
        while normalize_header(f"{h} ({n})") in taken:
            n += 1
        taken.add(normalize_header(f"{h} ({n})"))
        out.append(f"{h} ({n})")
    dups = {raw[cols[0] - 1]: cols for key, cols in seen.items() if len(cols) > 1 and key}
    return out, dups


def _csv_header(p: Path, enc: str) -> tuple[list[str], str]:
    """The header row and the separator it uses."""
    with p.open("rb") as f:
        head = f.read(256 * 1024)
    text = codecs.getincrementaldecoder(enc)(errors="replace").decode(head, final=False)
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    delimiter = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    try:
        row = next(csv.reader(io.StringIO(text), delimiter=delimiter), None)
    except csv.Error as e:
        raise IngestError("csv_malformed", path=str(p), row=1, reason=str(e)) from None
    if not row or not any(h.strip() for h in row):
        raise IngestError("file_empty", path=str(p))
    if "\x00" in "".join(row):
        raise IngestError("header_nul", path=str(p))
    return row, delimiter


class _CountingReader(io.RawIOBase):
    """A binary file that counts the bytes read (for the progress bar)."""

    def __init__(self, path: Path) -> None:
        self._f = path.open("rb")
        self.count = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        n = self._f.readinto(b) or 0
        self.count += n
        self.sha256.update(memoryview(b)[:n])
        return n

    def read(self, size: int = -1) -> bytes:
        data = self._f.read(size)
        self.count += len(data)
        self.sha256.update(data)
        return data

    def close(self) -> None:
        self._f.close()
        super().close()


class _ToUtf8(io.RawIOBase):
    """Bytes in ``encoding`` (CP932) read back as UTF-8, decoded with Python's codec in 1 MB steps."""

    def __init__(self, raw: io.RawIOBase, encoding: str) -> None:
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        self._buf = b""
        self._eof = False

    def readable(self) -> bool:
        return True

    def _fill(self) -> None:
        while not self._buf and not self._eof:
            chunk = self._raw.read(1 << 20)
            self._eof = not chunk
            self._buf = self._decoder.decode(chunk or b"", final=self._eof).encode("utf-8")

    def readinto(self, b: Any) -> int:
        self._fill()
        n = min(len(b), len(self._buf))
        b[:n] = self._buf[:n]
        self._buf = self._buf[n:]
        return n

    def read(self, size: int = -1) -> bytes:
        self._fill()
        if size < 0 or size >= len(self._buf):
            out, self._buf = self._buf, b""
            return out
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


def _csv_batches(tf: TabularFile) -> Iterator[Batch]:
    names = tf.headers
    enc = tf.encoding or "utf-8"
    counting = _CountingReader(tf.path)
    # pyarrow reads UTF-8; other encodings are decoded here, a megabyte at a time
    source: io.RawIOBase = counting if enc in ("utf-8", "utf-8-sig") else _ToUtf8(counting, enc)

    def on_bad_row(row: Any) -> str:
        tf.bad_rows.append(BadRow(text=row.text, expected=row.expected_columns, actual=row.actual_columns))
        return "skip"

    try:
        reader = pacsv.open_csv(
            source,
            read_options=pacsv.ReadOptions(
                encoding="utf8",
                block_size=CSV_BLOCK_SIZE,
                use_threads=True,
                skip_rows=1,
                column_names=[f"c{i}" for i in range(len(names))],
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=tf.delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(names))},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
        row = 2
        for rb in reader:
            table = pa.Table.from_batches([rb]).rename_columns(names)
            row += rb.num_rows
            # pyarrow reads ahead, so the bytes read say little; rows done × row length do
            done = min(int((row - 1) * tf.row_bytes), tf.size - 1)
            yield Batch(table=table, first_row=row - rb.num_rows, position=done)
        tf.sha256 = counting.sha256.hexdigest()
    except UnicodeDecodeError:
        raise locate(tf.path, enc) from None
    except pa.ArrowInvalid as e:
        message = str(e).lower()
        if "could not skip initial" in message:  # only a header, without a final newline
            tf.sha256 = None
            return
        if "utf8" in message or "utf-8" in message or "decode" in message:
            raise locate(tf.path, enc) from None
        raise IngestError(
            "csv_malformed", path=str(tf.path), row="?", reason=str(e).splitlines()[0]
        ) from None
    finally:
        counting.close()


def locate_bad_rows(tf: TabularFile) -> None:
    """Give the bad rows their row numbers (slow path, only when pyarrow reported some)."""
    expected = len(tf.headers)
    found: list[BadRow] = []
    with tf.path.open(encoding=tf.encoding or "utf-8", newline="", errors="replace") as f:
        reader = csv.reader(f, delimiter=tf.delimiter)
        next(reader, None)
        for row, fields in enumerate(reader, start=2):
            if len(fields) != expected:
                found.append(
                    BadRow(text=",".join(fields)[:200], expected=expected, actual=len(fields), row=row)
                )
    if found:
        tf.bad_rows[:] = found


def true_row(reader_row: int, bad_rows: list[BadRow]) -> int:
    """The spreadsheet row of a row that the CSV reader numbered without the bad rows it skipped."""
    row = reader_row
    for b in sorted(bad_rows, key=lambda b: b.row or 0):
        if b.row is not None and b.row <= row:
            row += 1
    return row


__all__ = ["BadRow", "Batch", "TabularFile", "cell_text", "open_table"]


def file_size(path: Path) -> int:
    return os.stat(path).st_size
