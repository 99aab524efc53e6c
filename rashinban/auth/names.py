"""User names: how they are compared, and which new ones are refused.

* ``username_key``: NFKC, trimmed, case-folded — ``Admin``, ``ａｄｍｉｎ``, ``"admin "`` and
  ``"\\u00a0admin"`` are all ``admin``.  Sign-in looks users up and throttles by this key.
* A new name must be letters or digits (any one writing system; Japanese may mix kanji and
  kana) and ``- _ .``; a name that looks like an existing one (``аdmin`` with a Cyrillic а,
  ``adm1n`` is fine) is refused: its *skeleton* — each character replaced by the Latin
  character it can be mistaken for (Unicode's confusables, UTS #39) — equals the other's.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from confusable_homoglyphs import categories, confusables

JAPANESE = frozenset({"HAN", "HIRAGANA", "KATAKANA"})
PUNCT = frozenset("-_.")


def username_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().casefold()


def clean(name: str) -> str:
    """The name as stored: NFKC and trimmed (its case kept for display)."""
    return unicodedata.normalize("NFKC", name).strip()


@lru_cache(maxsize=4096)
def _latin_twin(ch: str) -> str:
    """The ASCII character ``ch`` can be mistaken for (``ch`` itself if none)."""
    if ch.isascii():
        return ch
    found = confusables.is_confusable(ch, greedy=True, preferred_aliases=["latin", "common"])
    for item in found or ():
        for glyph in item.get("homoglyphs", ()):
            c = glyph.get("c", "")
            if isinstance(c, str) and len(c) == 1 and c.isascii():
                return c.casefold()
    return ch


def skeleton(name: str) -> str:
    """What a name looks like: its key with look-alike characters replaced by their Latin
    twins (and the digits 0/1 read as o/l, the usual swaps)."""
    key = username_key(name)
    out = "".join(_latin_twin(ch) for ch in key).casefold()
    return out.replace("0", "o").replace("1", "l").replace("|", "l")


def scripts(name: str) -> set[str]:
    """The writing systems of a name's letters (Japanese kanji and kana count as one)."""
    found: set[str] = set()
    for ch in name:
        if ch.isdigit() or ch in PUNCT:
            continue
        alias = categories.alias(ch)
        found.add("JAPANESE" if alias in JAPANESE else alias)
    return found


def name_problem(name: str) -> str | None:
    """Why a new user name is refused (a ``forms.err`` code), or None."""
    cleaned = clean(name)
    if not cleaned or len(cleaned) > 100:
        return "bad_username"
    for ch in cleaned:
        if ch in PUNCT:
            continue
        if not ch.isalnum() or unicodedata.category(ch).startswith(("M", "C", "Z")):
            return "bad_username"
    if len(scripts(cleaned)) > 1:
        return "mixed_script"
    return None


def clashes(name: str, existing: list[str]) -> str | None:
    """``taken`` when another user has the same key, ``lookalike`` when another name looks
    the same; None otherwise."""
    key, skel = username_key(name), skeleton(name)
    for other in existing:
        if username_key(other) == key:
            return "taken"
    for other in existing:
        if skeleton(other) == skel:
            return "lookalike"
    return None
