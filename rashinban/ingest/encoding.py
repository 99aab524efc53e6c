"""Which text encoding a CSV file is in: UTF-8 (with or without BOM) or CP932.

The whole file is checked in chunks before anything is loaded (about 1 GB/s), so a
mis-encoded file fails up front with the row of its first bad byte.  A file that decodes
as UTF-8 is UTF-8; one that does not, and has shown no valid non-ASCII UTF-8 before the
bad byte, is tried as CP932 (Windows Japanese, the Shift_JIS that Excel and Japanese SFA
tools write).  A file with valid UTF-8 text and then a bad byte is damaged, not CP932.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from rashinban.errors import IngestError

CHUNK = 1 << 20
ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8-sig",
    "utf8-sig": "utf-8-sig",
    "utf_8_sig": "utf-8-sig",
    "sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "cp932": "cp932",
    "ms932": "cp932",
    "windows-31j": "cp932",
}


def normalize_encoding(name: str) -> str:
    """``sjis``/``shift_jis``/``ms932`` all mean CP932 here; other names must be known to Python."""
    key = name.strip().lower()
    if key in ALIASES:
        return ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise IngestError("unknown_encoding", encoding=name) from None


def _first_error(path: Path, enc: str) -> tuple[int, int, bool] | None:
    """(byte offset, row, saw non-ASCII text) of the first undecodable byte, or None."""
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    offset = 0
    newlines = 0
    non_ascii = False
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as e:
                pos = max(e.start, 0)
                return (
                    offset + pos,
                    newlines + chunk[:pos].count(b"\n") + 1,
                    non_ascii or not chunk[:pos].isascii(),
                )
            if final:
                return None
            newlines += chunk.count(b"\n")
            non_ascii = non_ascii or not chunk.isascii()
            offset += len(chunk)


def detect_encoding(path: Path, override: str | None = None) -> str:
    """The encoding to read ``path`` with.

    The first megabyte decides when it can: a BOM, or valid non-ASCII UTF-8, means UTF-8;
    bytes that are not UTF-8 but are CP932 mean CP932.  Only an all-ASCII start makes the
    whole file be scanned.  The reader checks the rest as it goes, and :func:`locate`
    names the row of a bad byte when it finds one.
    """
    if override:
        enc = normalize_encoding(override)
        with path.open("rb") as f:
            has_bom = f.read(3) == codecs.BOM_UTF8
        return "utf-8-sig" if enc == "utf-8" and has_bom else enc
    with path.open("rb") as f:
        sample = f.read(CHUNK)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=len(sample) < CHUNK)
        if not sample.isascii():
            return "utf-8"
    except UnicodeDecodeError as e:
        if not sample[: e.start].isascii():  # valid UTF-8 text, then a bad byte: damaged
            raise locate(path, "utf-8") from None
        try:
            codecs.getincrementaldecoder("cp932")().decode(sample, final=len(sample) < CHUNK)
            return "cp932"
        except UnicodeDecodeError:
            bad = _first_error(path, "utf-8")
            raise IngestError(
                "unknown_file_encoding", path=str(path), row=bad[1] if bad else 1, offset=bad[0] if bad else 0
            ) from None
    return _detect_by_scanning(path)


def _detect_by_scanning(path: Path) -> str:
    bad = _first_error(path, "utf-8")
    if bad is None:
        return "utf-8"
    offset, row, saw_text = bad
    if saw_text or offset >= path.stat().st_size - 3:
        raise IngestError("bad_encoding", path=str(path), encoding="utf-8", row=row, offset=offset)
    if _first_error(path, "cp932") is None:
        return "cp932"
    raise IngestError("unknown_file_encoding", path=str(path), row=row, offset=offset)


def locate(path: Path, encoding: str) -> IngestError:
    """The error for a file that does not decode: the row and byte of the first bad byte."""
    enc = "utf-8" if encoding in ("utf-8-sig", "utf8") else encoding
    bad = _first_error(path, "utf-8-sig" if encoding == "utf-8-sig" else enc)
    row, offset = (bad[1], bad[0]) if bad else ("?", "?")
    return IngestError("bad_encoding", path=str(path), encoding=enc, row=row, offset=offset)
