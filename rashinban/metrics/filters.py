"""Safe row filters for measures: parsed by hand, compiled to Ibis, never evaluated as Python.

Grammar::

    expr    := and ('or' and)*
    and     := not ('and' not)*
    not     := 'not' not | cmp
    cmp     := value [ op value | ['not'] 'in' '(' value (',' value)* ')' | 'is' ['not'] 'null' ]
    value   := COLUMN | NUMBER | 'string' | "string" | true | false | '(' expr ')'
    op      := = | == | != | <> | < | <= | > | >=

A bare column is a boolean test (``is_won``).  Column names are checked against the table;
``relation.column`` names a related record's column (``account.industry = '製造業'``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from rashinban.errors import RashinbanError


class FilterError(RashinbanError):
    """A measure filter that cannot be parsed or does not fit its table."""


@dataclass(frozen=True)
class Col:
    name: str


@dataclass(frozen=True)
class Lit:
    value: Any


@dataclass(frozen=True)
class Cmp:
    op: str
    left: Any
    right: Any


@dataclass(frozen=True)
class In:
    operand: Any
    values: tuple[Any, ...]
    negate: bool


@dataclass(frozen=True)
class IsNull:
    operand: Any
    negate: bool


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    parts: tuple[Any, ...]


@dataclass(frozen=True)
class Not:
    operand: Any


Filter = Col | Lit | Cmp | In | IsNull | BoolOp | Not

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>'[^']*'|\"[^\"]*\")|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"
    r"|(?P<op>==|!=|<>|<=|>=|=|<|>|\(|\)|,))"
)
KEYWORDS = {"and", "or", "not", "in", "is", "null", "true", "false"}
OPS = {"=": "==", "==": "==", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FilterError("filter_bad_char", char=text[pos], pos=pos + 1, filter=text)
        kind = m.lastgroup or "op"
        value = m.group(kind)
        if kind == "name" and value.lower() in KEYWORDS:
            kind, value = "kw", value.lower()
        out.append((kind, value))
        pos = m.end()
    out.append(("end", ""))
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def peek(self) -> tuple[str, str]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def accept(self, kind: str, value: str) -> bool:
        if self.peek() == (kind, value):
            self.i += 1
            return True
        return False

    def fail(self, expected: str) -> FilterError:
        found = self.peek()[1] or "end of filter"
        return FilterError("filter_syntax", expected=expected, found=found, filter=self.text)

    def parse(self) -> Filter:
        e = self.or_()
        if self.peek()[0] != "end":
            raise self.fail("and/or")
        return e

    def or_(self) -> Filter:
        parts = [self.and_()]
        while self.accept("kw", "or"):
            parts.append(self.and_())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def and_(self) -> Filter:
        parts = [self.not_()]
        while self.accept("kw", "and"):
            parts.append(self.not_())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def not_(self) -> Filter:
        if self.accept("kw", "not"):
            return Not(self.not_())
        return self.cmp()

    def cmp(self) -> Filter:
        left = self.value()
        kind, tok = self.peek()
        if kind == "op" and tok in OPS:
            self.take()
            return Cmp(OPS[tok], left, self.value())
        negate = False
        if (kind, tok) == ("kw", "not") and self.toks[self.i + 1] == ("kw", "in"):
            self.take()
            negate = True
            kind, tok = self.peek()
        if (kind, tok) == ("kw", "in"):
            self.take()
            if not self.accept("op", "("):
                raise self.fail("(")
            values = [self.value()]
            while self.accept("op", ","):
                values.append(self.value())
            if not self.accept("op", ")"):
                raise self.fail(")")
            if not all(isinstance(v, Lit) for v in values):
                raise FilterError("filter_in_literals", filter=self.text)
            return In(left, tuple(values), negate)
        if self.accept("kw", "is"):
            neg = self.accept("kw", "not")
            if not self.accept("kw", "null"):
                raise self.fail("null")
            return IsNull(left, neg)
        return left

    def value(self) -> Filter:
        kind, tok = self.take()
        if kind == "num":
            return Lit(Decimal(tok) if "." in tok else int(tok))
        if kind == "str":
            return Lit(tok[1:-1])
        if kind == "name":
            return Col(tok.replace(".", "__"))  # account.industry: a related record's column
        if (kind, tok) == ("kw", "true"):
            return Lit(True)
        if (kind, tok) == ("kw", "false"):
            return Lit(False)
        if (kind, tok) == ("op", "("):
            inner = self.or_()
            if not self.accept("op", ")"):
                raise self.fail(")")
            return inner
        self.i -= 1
        raise self.fail("column, number, 'text', true/false or (")


def parse_filter(text: str) -> Filter:
    if not isinstance(text, str) or not text.strip():
        raise FilterError("filter_empty", filter=str(text))
    if len(text) > 2000:
        raise FilterError("filter_too_long", filter=text[:40])
    return _Parser(text).parse()


def columns(f: Filter) -> set[str]:
    if isinstance(f, Col):
        return {f.name}
    if isinstance(f, Cmp):
        return columns(f.left) | columns(f.right)
    if isinstance(f, In | IsNull):
        return columns(f.operand)
    if isinstance(f, BoolOp):
        return set().union(*(columns(p) for p in f.parts))
    if isinstance(f, Not):
        return columns(f.operand)
    return set()


def to_ibis(f: Filter, table: Any) -> Any:
    """Compile a filter to an Ibis boolean expression over ``table``."""
    if isinstance(f, Col):
        return table[f.name]
    if isinstance(f, Lit):
        import ibis

        return ibis.literal(f.value)
    if isinstance(f, Cmp):
        left, right = to_ibis(f.left, table), to_ibis(f.right, table)
        return {
            "==": lambda: left == right,
            "!=": lambda: left != right,
            "<": lambda: left < right,
            "<=": lambda: left <= right,
            ">": lambda: left > right,
            ">=": lambda: left >= right,
        }[f.op]()
    if isinstance(f, In):
        expr = to_ibis(f.operand, table).isin([v.value for v in f.values])
        return ~expr if f.negate else expr
    if isinstance(f, IsNull):
        expr = to_ibis(f.operand, table).isnull()
        return ~expr if f.negate else expr
    if isinstance(f, Not):
        return ~to_ibis(f.operand, table)
    parts = [to_ibis(p, table) for p in f.parts]
    out = parts[0]
    for p in parts[1:]:
        out = (out & p) if f.op == "and" else (out | p)
    return out
