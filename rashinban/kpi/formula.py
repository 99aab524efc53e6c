"""Safe arithmetic formulas over KPI nodes.

A formula is parsed by a small recursive-descent parser into an immutable syntax tree;
nothing is ever handed to Python's ``eval``.  Grammar::

    expr    := term (('+' | '-') term)*
    term    := unary (('*' | '/') unary)*
    unary   := ('+' | '-') unary | primary
    primary := NUMBER | NAME | NAME '(' expr (',' expr)* ')' | '(' expr ')'

Functions: ``min`` and ``max``.  Numbers are exact (:class:`fractions.Fraction`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from rashinban.kpi.errors import FormulaError

FUNCTIONS = frozenset({"min", "max"})
MAX_FORMULA_LENGTH = 2000
MAX_DEPTH = 100

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\.\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>[-+*/(),]))"
)


@dataclass(frozen=True, slots=True)
class Num:
    value: Fraction


@dataclass(frozen=True, slots=True)
class Ref:
    name: str


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr


@dataclass(frozen=True, slots=True)
class BinOp:
    op: str  # one of + - * /
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Call:
    func: str  # min | max
    args: tuple[Expr, ...]


Expr = Num | Ref | Neg | BinOp | Call


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str  # num | name | op | end
    text: str
    pos: int


def _tokenize(text: str) -> list[_Tok]:
    tokens: list[_Tok] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise FormulaError("formula_bad_char", char=text[pos], pos=pos + 1, formula=text)
        kind = m.lastgroup or "op"
        tokens.append(_Tok(kind, m.group(kind), m.start(kind)))
        pos = m.end()
    tokens.append(_Tok("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text or tok.kind != "op":
            self.fail(tok, expected=text)

    def fail(self, tok: _Tok, expected: str) -> None:
        found = tok.text if tok.kind != "end" else "end of formula"
        raise FormulaError(
            "formula_syntax", expected=expected, found=found, pos=tok.pos + 1, formula=self.text
        )

    def parse(self) -> Expr:
        expr = self.expr()
        tok = self.peek()
        if tok.kind != "end":
            self.fail(tok, expected="operator")
        return expr

    def expr(self) -> Expr:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError("formula_too_deep", limit=MAX_DEPTH, formula=self.text)
        node = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take().text
            node = BinOp(op, node, self.term())
        self.depth -= 1
        return node

    def term(self) -> Expr:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in "*/":
            op = self.take().text
            right = self.unary()
            if op == "/" and isinstance(right, Num) and right.value == 0:
                raise FormulaError("formula_div_zero_literal", formula=self.text)
            node = BinOp(op, node, right)
        return node

    def unary(self) -> Expr:
        tok = self.peek()
        if tok.kind == "op" and tok.text in "+-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise FormulaError("formula_too_deep", limit=MAX_DEPTH, formula=self.text)
            operand = self.unary()
            self.depth -= 1
            return operand if tok.text == "+" else Neg(operand)
        return self.primary()

    def primary(self) -> Expr:
        tok = self.take()
        if tok.kind == "num":
            try:
                return Num(Fraction(Decimal(tok.text)))
            except (InvalidOperation, ValueError, OverflowError):
                raise FormulaError("formula_bad_number", text=tok.text, formula=self.text) from None
        if tok.kind == "name":
            if self.peek().text == "(" and self.peek().kind == "op":
                if tok.text not in FUNCTIONS:
                    raise FormulaError(
                        "formula_unknown_function",
                        func=tok.text,
                        allowed=", ".join(sorted(FUNCTIONS)),
                        formula=self.text,
                    )
                self.take()
                args = [self.expr()]
                while self.peek().text == "," and self.peek().kind == "op":
                    self.take()
                    args.append(self.expr())
                self.expect(")")
                return Call(tok.text, tuple(args))
            return Ref(tok.text)
        if tok.kind == "op" and tok.text == "(":
            inner = self.expr()
            self.expect(")")
            return inner
        self.fail(tok, expected="number, node id or '('")
        raise AssertionError("unreachable")  # pragma: no cover


def parse(text: str) -> Expr:
    """Parse ``text`` into an expression tree or raise :class:`FormulaError`."""
    if not isinstance(text, str):
        raise FormulaError("formula_not_text", formula=repr(text))
    if len(text) > MAX_FORMULA_LENGTH:
        raise FormulaError("formula_too_long", limit=MAX_FORMULA_LENGTH, formula=text[:40] + "…")
    if not text.strip():
        raise FormulaError("formula_empty", formula=text)
    return _Parser(text).parse()


def refs(expr: Expr) -> list[str]:
    """Node ids referenced by ``expr``, in order of first appearance."""
    out: list[str] = []

    def walk(e: Expr) -> None:
        if isinstance(e, Ref):
            if e.name not in out:
                out.append(e.name)
        elif isinstance(e, Neg):
            walk(e.operand)
        elif isinstance(e, BinOp):
            walk(e.left)
            walk(e.right)
        elif isinstance(e, Call):
            for a in e.args:
                walk(a)

    walk(expr)
    return out


def count_refs(expr: Expr, name: str) -> int:
    if isinstance(expr, Ref):
        return int(expr.name == name)
    if isinstance(expr, Neg):
        return count_refs(expr.operand, name)
    if isinstance(expr, BinOp):
        return count_refs(expr.left, name) + count_refs(expr.right, name)
    if isinstance(expr, Call):
        return sum(count_refs(a, name) for a in expr.args)
    return 0


def divisors(expr: Expr) -> list[Expr]:
    """Every sub-expression that appears as the right operand of ``/``."""
    out: list[Expr] = []
    if isinstance(expr, BinOp):
        if expr.op == "/":
            out.append(expr.right)
        out += divisors(expr.left) + divisors(expr.right)
    elif isinstance(expr, Neg):
        out += divisors(expr.operand)
    elif isinstance(expr, Call):
        for a in expr.args:
            out += divisors(a)
    return out


def evaluate(expr: Expr, values: Mapping[str, Fraction]) -> Fraction:
    """Evaluate exactly.  Raises ``FormulaError`` for a missing value or a zero divisor."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Ref):
        try:
            return values[expr.name]
        except KeyError:
            raise FormulaError("formula_missing_value", ref=expr.name) from None
    if isinstance(expr, Neg):
        return -evaluate(expr.operand, values)
    if isinstance(expr, Call):
        args = [evaluate(a, values) for a in expr.args]
        return min(args) if expr.func == "min" else max(args)
    left = evaluate(expr.left, values)
    right = evaluate(expr.right, values)
    if expr.op == "+":
        return left + right
    if expr.op == "-":
        return left - right
    if expr.op == "*":
        return left * right
    if right == 0:
        raise FormulaError("formula_div_zero", divisor=unparse(expr.right))
    return left / right


def solve_for(expr: Expr, name: str, result: Fraction, values: Mapping[str, Fraction]) -> Fraction:
    """Solve ``expr == result`` for the node ``name`` given every other value.

    Works when ``name`` occurs exactly once and not inside ``min``/``max``; the formula is
    inverted step by step along the path to the unknown.
    """
    if count_refs(expr, name) != 1:
        raise FormulaError("formula_not_invertible", ref=name, formula=unparse(expr))
    target = result
    node = expr
    while not isinstance(node, Ref):
        if isinstance(node, Neg):
            target, node = -target, node.operand
            continue
        if isinstance(node, Call | Num):
            raise FormulaError("formula_not_invertible", ref=name, formula=unparse(expr))
        left_has = count_refs(node.left, name) == 1
        known = evaluate(node.right if left_has else node.left, values)
        op = node.op
        if op == "+":
            target = target - known
        elif op == "-":
            target = target + known if left_has else known - target
        elif op == "*":
            if known == 0:
                raise FormulaError("formula_div_zero", divisor=unparse(node.right if left_has else node.left))
            target = target / known
        elif left_has:  # x / known = t  ->  x = t * known
            target = target * known
        else:  # known / x = t  ->  x = known / t
            if target == 0:
                raise FormulaError("formula_div_zero", divisor=unparse(node.right))
            target = known / target
        node = node.left if left_has else node.right
    return target


_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


def unparse(expr: Expr, parent_prec: int = 0, right_side: bool = False) -> str:
    """Canonical text of ``expr``; ``parse(unparse(e)) == e`` for every parsed ``e``."""
    if isinstance(expr, Num):
        v = expr.value
        if v.denominator == 1:
            return str(v.numerator)
        d = Decimal(v.numerator) / Decimal(v.denominator)
        text = format(d.normalize(), "f")
        # fall back to an exact quotient for non-terminating decimals
        return text if Fraction(Decimal(text)) == v else f"({v.numerator} / {v.denominator})"
    if isinstance(expr, Ref):
        return expr.name
    if isinstance(expr, Neg):
        return f"-{unparse(expr.operand, 3)}"
    if isinstance(expr, Call):
        return f"{expr.func}({', '.join(unparse(a) for a in expr.args)})"
    prec = _PREC[expr.op]
    text = f"{unparse(expr.left, prec)} {expr.op} {unparse(expr.right, prec, True)}"
    if prec < parent_prec or (right_side and prec == parent_prec):
        return f"({text})"
    return text
