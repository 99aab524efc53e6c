"""Which text encoding a CSV file is in: UTF-8 (with or without BOM), CP932 or UTF-16.

The whole file is checked in chunks before anything is loaded (about 1 GB/s), so a
mis-encoded file fails up front with the row of its first bad byte.  A file that decodes
as UTF-8 is UTF-8; one that does not, and has shown no valid non-ASCII UTF-8 before the
bad byte, is tried as CP932 (Windows Japanese, the Shift_JIS that Excel and Japanese SFA
tools write).  A file with valid UTF-8 text and then a bad byte is damaged, not CP932.
UTF-16 ("Unicode text" from Excel) is recognised by its BOM, or without one by the zero
bytes that ASCII characters leave in every other position.

Only the encodings in :data:`SUPPORTED` are accepted with ``--encoding``: a name Python
knows but we do not (``latin-1``) would read a Japanese file as mojibake without an error.
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
    "euc-jp": "euc_jp",
    "eucjp": "euc_jp",
    "euc_jp": "euc_jp",
    "utf-16": "utf-16",
    "utf16": "utf-16",
    "utf_16": "utf-16",
    "unicode": "utf-16",
    "utf-16le": "utf-16-le",
    "utf-16-le": "utf-16-le",
    "utf_16_le": "utf-16-le",
    "utf-16be": "utf-16-be",
    "utf-16-be": "utf-16-be",
    "utf_16_be": "utf-16-be",
}
SUPPORTED = "utf-8, utf-8-sig, cp932 (shift_jis, sjis, ms932), euc-jp, utf-16 (utf-16le, utf-16be)"
UTF16 = ("utf-16", "utf-16-le", "utf-16-be")


def normalize_encoding(name: str) -> str:
    """``sjis``/``shift_jis``/``ms932`` all mean CP932 here; only :data:`SUPPORTED` encodings."""
    key = name.strip().lower()
    if key in ALIASES:
        return ALIASES[key]
    try:
        codecs.lookup(key)
    except LookupError:
        raise IngestError("unknown_encoding", encoding=name, supported=SUPPORTED) from None
    raise IngestError("unsupported_encoding", encoding=name, supported=SUPPORTED)


def utf16_order(sample: bytes) -> str | None:
    """``utf-16`` (with a BOM), ``utf-16-le``/``utf-16-be`` (without one, told by the zero bytes
    of ASCII characters), or None when the bytes do not look like UTF-16."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = sample[:4096]
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_zero = sum(1 for i in range(0, pairs * 2, 2) if head[i] == 0)
    odd_zero = sum(1 for i in range(1, pairs * 2, 2) if head[i] == 0)
    if odd_zero >= pairs * 0.3 and even_zero <= pairs * 0.05:
        return "utf-16-le"
    if even_zero >= pairs * 0.3 and odd_zero <= pairs * 0.05:
        return "utf-16-be"
    return None


def _first_error(path: Path, enc: str) -> tuple[int, int, bool] | None:
    """(byte offset, row, saw non-ASCII text) of the first undecodable byte, or None."""
    decoder = codecs.getincrementaldecoder(enc)(errors="strict")
    newline = "\n".encode({"utf-8-sig": "utf-8", "utf-16": "utf-16-le"}.get(enc, enc))
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
                    newlines + chunk[:pos].count(newline) + 1,
                    non_ascii or not chunk[:pos].isascii(),
                )
            if final:
                return None
            newlines += chunk.count(newline)
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
            head = f.read(4096)
        if enc in UTF16:  # the BOM decides the byte order; without one, the zero bytes do
            return utf16_order(head) or ("utf-16-le" if enc == "utf-16" else enc)
        if utf16_order(head) is not None:  # UTF-8 would "read" it, zero bytes and all
            raise IngestError("encoding_mismatch", path=str(path), encoding=override, detected="utf-16")
        return "utf-8-sig" if enc == "utf-8" and head.startswith(codecs.BOM_UTF8) else enc
    with path.open("rb") as f:
        sample = f.read(CHUNK)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    wide = utf16_order(sample)
    if wide is not None:
        return wide
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
