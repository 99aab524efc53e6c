"""Form validation shared by the web routes and the API: errors per field.

A :class:`FormInvalid` carries ``fields`` — field name → i18n key under ``forms.err`` —
so the web layer can put each message next to its field (or return them as JSON).
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction
from typing import Any

from rashinban.errors import FormInvalid, LimitError
from rashinban.kpi.numbers import parse_number


class Errors:
    """Collects field errors; ``check()`` raises them all at once."""

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def add(self, field: str, code: str) -> None:
        self.fields.setdefault(field, code)

    def check(self) -> None:
        if self.fields:
            raise FormInvalid(dict(self.fields))


def text(errors: Errors, field: str, value: Any, *, required: bool = False, max_len: int = 200) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.add(field, "required")
        return None
    out = str(value).strip()
    if len(out) > max_len:
        errors.add(field, "too_long")
        return None
    if any(ord(c) < 32 and c not in "\t\n\r" for c in out):
        errors.add(field, "bad_chars")
        return None
    return out


def integer(
    errors: Errors, field: str, value: Any, *, lo: int = 0, hi: int = 10**12, required: bool = False
) -> int | None:
    if value is None or value == "":
        if required:
            errors.add(field, "required")
        return None
    try:
        if isinstance(value, bool):
            raise ValueError
        n = int(str(value).strip())
    except ValueError:
        errors.add(field, "not_integer")
        return None
    if not lo <= n <= hi:
        errors.add(field, "out_of_range")
        return None
    return n


def parse_amount(value: Any) -> tuple[Fraction | None, str | None]:
    """(the number, None) or (None, the field error: ``not_number``, ``too_large``)."""
    text = str(value).strip()
    try:
        n = parse_number(text) if len(text) <= 40 else None
    except LimitError:
        return None, "too_large"
    return (n, None) if n is not None else (None, "not_number")


def number(errors: Errors, field: str, value: Any, *, required: bool = False) -> Fraction | None:
    if value is None or str(value).strip() == "":
        if required:
            errors.add(field, "required")
        return None
    n, bad = parse_amount(value)
    if n is None:
        errors.add(field, bad or "not_number")
        return None
    if n < 0:
        errors.add(field, "negative")
        return None
    return n


def timestamp(errors: Errors, field: str, value: Any) -> datetime | None:
    """``YYYY-MM-DDTHH:MM[:SS]`` (a ``datetime-local`` input) or ISO with a space."""
    if value is None or str(value).strip() == "":
        return None
    try:
        dt = datetime.fromisoformat(str(value).strip()[:40])
    except ValueError:
        errors.add(field, "not_datetime")
        return None
    if dt.tzinfo is not None:
        dt = dt.astimezone().replace(tzinfo=None)
    return dt.replace(microsecond=0)
