"""An independent pandas computation of every measure, from what the definitions mean.

Nothing here calls the metrics engine, its filters, the formula parser or the calendar:
filters are read by a small three-valued evaluator over pandas columns, formulas by Python's
``ast`` over Fractions, periods by plain date arithmetic.  What a definition means:

* a row belongs to the period that contains its time column (a date, or a timestamp whose
  day is in the period), and only rows inside the span asked count;
* a member's row counts for the member, the member's team and every team above it, and the
  company; a row without a member counts for the company only; team-level rows (spend)
  count for their team, the teams above it and the company, never for a member;
* count / sum are 0 where the table has rows in the period but the scope has none, and have
  no value in a period in which the table has no rows (by any of the time columns asked);
* mean / median / duration / distinct count have a value only where the scope has rows;
* stock counts rows active at the period's last day: start ≤ end of period < end (or no end);
* formulas are exact; a missing input gives no value, a zero denominator gives no value
  (``division_by_zero``).
"""

from __future__ import annotations

import ast
import operator
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from fractions import Fraction
from typing import Any

import pandas as pd

from tests.metrics_engines.dataset import Dataset

UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MEMBER_TABLES = {
    "leads": "owner_id",
    "activities": "member_id",
    "deals": "owner_id",
    "deal_stage_entries": "owner_id",
    "contracts": "owner_id",
    "surveys": "owner_id",
}
TEAM_TABLES = {"spend": "team_id"}

Key = tuple[str, int, date]


@dataclass(frozen=True)
class Expected:
    value: Fraction | None
    reason: str | None = None
    exact: bool = True


# --- periods ---------------------------------------------------------------------------
def period_start(d: date, kind: str, fy_start: int = 4) -> date:
    if kind == "month":
        return date(d.year, d.month, 1)
    # months since the fiscal year's first month
    fy = d.year if d.month >= fy_start else d.year - 1
    offset = (d.year - fy) * 12 + d.month - fy_start
    step = 3 if kind == "quarter" else 12
    first = fy_start + (offset // step) * step
    return date(fy + (first - 1) // 12, (first - 1) % 12 + 1, 1)


def periods(start: date, end: date, kind: str) -> list[tuple[date, date]]:
    out = []
    p = period_start(start, kind)
    months = {"month": 1, "quarter": 3, "fiscal_year": 12}[kind]
    while p <= end:
        m = p.month - 1 + months
        nxt = date(p.year + m // 12, m % 12 + 1, 1)
        out.append((p, nxt - timedelta(days=1)))
        p = nxt
    return out


# --- filters: a three-valued evaluator over pandas -------------------------------------
_TOK = re.compile(
    r"\s*(-?\d+(?:\.\d+)?|'[^']*'|[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?|<=|>=|!=|<>|==|=|<|>|\(|\)|,)"
)
_CMP = {
    "=": operator.eq,
    "==": operator.eq,
    "!=": operator.ne,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


class _Filter:
    """Returns a nullable boolean Series: NA where SQL would say UNKNOWN."""

    def __init__(self, text: str, df: pd.DataFrame) -> None:
        self.toks = [t for t in _TOK.findall(text) if t]
        self.i = 0
        self.df = df

    def run(self) -> pd.Series:
        out = self.or_()
        assert self.i == len(self.toks), f"unparsed filter tail {self.toks[self.i :]}"
        return out

    def peek(self) -> str | None:
        return self.toks[self.i].lower() if self.i < len(self.toks) else None

    def take(self) -> str:
        self.i += 1
        return self.toks[self.i - 1]

    def or_(self) -> pd.Series:
        out = self.and_()
        while self.peek() == "or":
            self.take()
            out = out | self.and_()
        return out

    def and_(self) -> pd.Series:
        out = self.not_()
        while self.peek() == "and":
            self.take()
            out = out & self.not_()
        return out

    def not_(self) -> pd.Series:
        if self.peek() == "not":
            self.take()
            return ~self.not_()
        return self.cmp()

    def atom(self) -> Any:
        tok = self.take()
        if tok == "(":
            inner = self.or_()
            assert self.take() == ")"
            return inner
        if tok.startswith("'"):
            return tok[1:-1]
        if re.fullmatch(r"-?\d+(\.\d+)?", tok):
            return float(tok) if "." in tok else int(tok)
        return self.df[tok.replace(".", "__")]  # account.industry: the related record's column

    def cmp(self) -> pd.Series:
        left = self.atom()
        op = self.peek()
        if op in _CMP:
            self.take()
            right = self.atom()
            null = left.isna()
            res = pd.Series(
                [None if n else bool(_CMP[op](v, right)) for v, n in zip(left, null, strict=True)],
                index=left.index,
                dtype="boolean",
            )
            return res
        negate = False
        if op == "not" and self.toks[self.i + 1].lower() == "in":
            self.take()
            negate = True
            op = "in"
        if op == "in":
            self.take()
            assert self.take() == "("
            values = [self.atom()]
            while self.peek() == ",":
                self.take()
                values.append(self.atom())
            assert self.take() == ")"
            res = pd.Series(
                [None if pd.isna(v) else (v in values) != negate for v in left],
                index=left.index,
                dtype="boolean",
            )
            return res
        if op == "is":
            self.take()
            neg = self.peek() == "not"
            if neg:
                self.take()
            assert self.take().lower() == "null"
            isnull = left.isna()
            return (~isnull if neg else isnull).astype("boolean")
        # a bare boolean column
        return left.astype("boolean")


def row_filter(text: str | None, df: pd.DataFrame) -> pd.Series:
    if text is None:
        return pd.Series(True, index=df.index)
    return _Filter(text, df).run().fillna(False).astype(bool)


# --- formulas ---------------------------------------------------------------------------
_BIN = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def formula(text: str, env: dict[str, Fraction]) -> Fraction:
    def ev(n: ast.AST) -> Fraction:
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.BinOp):
            return Fraction(_BIN[type(n.op)](ev(n.left), ev(n.right)))
        if isinstance(n, ast.UnaryOp) and isinstance(n.op, ast.USub):
            return -ev(n.operand)
        if isinstance(n, ast.Constant):  # 0.7 as written (a decimal), not the nearest float
            return Fraction(str(n.value))
        if isinstance(n, ast.Name):
            return env[n.id]
        raise AssertionError(f"formula node {ast.dump(n)}")

    return ev(ast.parse(text, mode="eval"))


def formula_inputs(text: str) -> list[str]:
    return sorted({n.id for n in ast.walk(ast.parse(text, mode="eval")) if isinstance(n, ast.Name)})


# --- scopes -----------------------------------------------------------------------------
class Org:
    def __init__(self, data: Dataset) -> None:
        teams = data.frame("teams")
        members = data.frame("members")
        self.parent = {
            int(r.id): (None if pd.isna(r.parent_id) else int(r.parent_id)) for r in teams.itertuples()
        }
        self.team_of = {
            int(r.id): (None if pd.isna(r.team_id) else int(r.team_id)) for r in members.itertuples()
        }

    def chain(self, team: int | None) -> list[tuple[str, int]]:
        out = []
        while team is not None:
            out.append(("team", team))
            team = self.parent[team]
        return out

    def for_member(self, member: Any) -> list[tuple[str, int]]:
        if member is None or pd.isna(member):
            return [("company", 0)]
        m = int(member)
        return [("member", m), *self.chain(self.team_of[m]), ("company", 0)]

    def for_team(self, team: Any) -> list[tuple[str, int]]:
        if team is None or pd.isna(team):
            return [("company", 0)]
        return [*self.chain(int(team)), ("company", 0)]

    def all_scopes(self) -> list[tuple[str, int]]:
        return (
            [("company", 0)]
            + [("team", t) for t in sorted(self.parent)]
            + [("member", m) for m in sorted(self.team_of)]
        )


# --- the computation ----------------------------------------------------------------------
def _frac(v: Any) -> Fraction:
    return Fraction(str(v)) if not isinstance(v, int) else Fraction(v)


RELATED = {
    "account": ("accounts", "account_id", ["name", "industry", "region", "employees", "created_at"]),
    "lead": (
        "leads",
        "lead_id",
        ["channel", "status", "owner_id", "created_at", "mql_at", "sql_at", "valid"],
    ),
    "product": ("products", "product_id", ["name", "series"]),
}
TABLE_RELATED = {
    "deals": ["account", "lead", "product"],
    "deal_stage_entries": ["account", "lead", "product"],
    "leads": ["account"],
    "activities": ["account", "lead"],
    "contracts": ["account"],
    "surveys": ["account"],
}


def _size(emp: Any) -> str | None:
    if emp is None or pd.isna(emp):
        return None
    return "small" if emp < 100 else "medium" if emp < 1000 else "large"


def _customer_types(data: Dataset, deals: pd.DataFrame) -> list[str | None]:
    """new / existing: had the account a win or a contract before the deal was created?"""
    since: dict[int, datetime] = {}
    for r in data.frame("deals").itertuples():
        if r.is_won and r.closed_at is not None and not pd.isna(r.closed_at) and not pd.isna(r.account_id):
            t = pd.Timestamp(r.closed_at).to_pydatetime()
            since[int(r.account_id)] = min(since.get(int(r.account_id), t), t)
    for r in data.frame("contracts").itertuples():
        if r.account_id is not None and not pd.isna(r.account_id):
            t = datetime.combine(r.start_on, datetime.min.time())
            since[int(r.account_id)] = min(since.get(int(r.account_id), t), t)
    out: list[str | None] = []
    for r in deals.itertuples():
        if r.account_id is None or pd.isna(r.account_id):
            out.append(None)
            continue
        first = since.get(int(r.account_id))
        created = None if r.created_at is None or pd.isna(r.created_at) else pd.Timestamp(r.created_at)
        out.append("existing" if first is not None and created is not None and first < created else "new")
    return out


def _table(data: Dataset, name: str) -> pd.DataFrame:
    if name == "deal_stage_entries":
        h = data.frame("deal_stage_history")
        cols = ["id", "owner_id", "source_member_id", "account_id", "lead_id", "channel", "product_id"]
        d = data.frame("deals")[[*cols, "is_won", "created_at"]]
        df = h.merge(d.rename(columns={"id": "deal_id"}), on="deal_id", how="inner")
    else:
        df = data.frame(name)
    for rel in TABLE_RELATED.get(name, []):
        table, fk, cols = RELATED[rel]
        r = data.frame(table)[["id", *cols]]
        r = r.rename(columns={"id": fk, **{c: f"{rel}__{c}" for c in cols}})
        if fk in df.columns:  # ids as nullable integers on both sides (no id matches a null)
            df = df.assign(**{fk: pd.array(df[fk], dtype="Int64")})
            df = df.merge(r.assign(**{fk: pd.array(r[fk], dtype="Int64")}), on=fk, how="left")
        if rel == "account":
            df["account__size"] = [_size(v) for v in df["account__employees"]]
    if name in ("deals", "deal_stage_entries"):
        df["customer_type"] = _customer_types(data, df)
    if name == "activities":
        df["entry_lag_hours"] = [
            None if pd.isna(lg) else (pd.Timestamp(lg) - pd.Timestamp(oc)).total_seconds() / 3600
            for oc, lg in zip(df["occurred_at"], df["logged_at"], strict=True)
        ]
    return df.astype(object).where(df.notna(), None)


def _day(v: Any) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().date()
    assert isinstance(v, date)
    return v


def compute(
    data: Dataset, measures: dict[str, Any], kind: str, span: tuple[date, date]
) -> dict[Key, dict[str, Expected]]:
    """Every measure for every scope and period; ``measures`` are ``Measure`` objects, read
    only for their declared fields (table, agg, column, filter text, time, start, end, …)."""
    org = Org(data)
    plist = periods(span[0], span[1], kind)
    lo, hi = plist[0][0], plist[-1][1]
    scopes = org.all_scopes()
    out: dict[Key, dict[str, Expected]] = defaultdict(dict)
    covered: dict[str, set[date]] = defaultdict(set)
    base = {k: m for k, m in measures.items() if m.table is not None}

    # which periods each table has rows in (by every time column asked, and stock)
    for m in base.values():
        df = _table(data, m.table)
        if m.agg == "stock":
            for p, e in plist:
                st = df[m.start].map(lambda v: _day(v) if v is not None and not pd.isna(v) else None)
                en = df[m.end].map(lambda v: _day(v) if v is not None and not pd.isna(v) else None)
                if any(
                    a is not None and a <= e and (b is None or b > e) for a, b in zip(st, en, strict=True)
                ):
                    covered[m.table].add(p)
            continue
        for v in df[m.time]:
            if v is None or pd.isna(v):
                continue
            d = _day(v)
            if lo <= d <= hi:
                covered[m.table].add(period_start(d, kind))

    def attribute(table: str, value: Any) -> list[tuple[str, int]]:
        return org.for_team(value) if table in TEAM_TABLES else org.for_member(value)

    def applies(table: str, scope: tuple[str, int]) -> bool:
        return not (table in TEAM_TABLES and scope[0] == "member")

    for mid, m in base.items():
        df = _table(data, m.table)
        scope_col = m.scope or MEMBER_TABLES.get(m.table) or TEAM_TABLES[m.table]
        keep = row_filter(m.filter_text, df)
        of_keep = row_filter(getattr(m, "of_text", None), df)
        if m.agg == "stock":
            for p, e in plist:
                groups: dict[tuple[str, int], list[Any]] = defaultdict(list)
                for row, ok in zip(df.to_dict("records"), keep, strict=True):
                    a, b = row[m.start], row[m.end]
                    if a is None or pd.isna(a) or _day(a) > e:
                        continue
                    if not (b is None or pd.isna(b) or _day(b) > e):
                        continue
                    if ok:
                        for sc in attribute(m.table, row[scope_col]):
                            groups[sc].append(row[m.column] if m.column else 1)
                for sc in scopes:
                    if not applies(m.table, sc):
                        continue
                    vals = [v for v in groups.get(sc, []) if v is not None and not pd.isna(v)]
                    if p in covered[m.table]:
                        out[(sc[0], sc[1], p)][mid] = Expected(sum((_frac(v) for v in vals), Fraction(0)))
            continue
        rows_by: dict[tuple[tuple[str, int], date], list[dict[str, Any]]] = defaultdict(list)
        for row, ok, of_ok in zip(df.to_dict("records"), keep, of_keep, strict=True):
            t = row[m.time]
            if t is None or pd.isna(t):
                continue
            d = _day(t)
            if not lo <= d <= hi:
                continue
            p = period_start(d, kind)
            for sc in attribute(m.table, row[scope_col]):
                rows_by[(sc, p)].append(row | {"_ok": ok, "_of": of_ok})
        for sc in scopes:
            if not applies(m.table, sc):
                continue
            for p, _ in plist:
                rows = rows_by.get((sc, p), [])
                hit = [r for r in rows if r["_ok"]]
                key = (sc[0], sc[1], p)
                if m.agg == "share":  # the rows meeting the filter among those meeting ``of``
                    of = [r for r in rows if r["_of"]]
                    if not rows:
                        continue
                    hits = [r for r in of if r["_ok"]]
                    out[key][mid] = (
                        Expected(Fraction(len(hits), len(of))) if of else Expected(None, "division_by_zero")
                    )
                    continue
                if m.agg in ("count", "sum"):
                    if p not in covered[m.table]:
                        continue
                    if m.agg == "count":
                        out[key][mid] = Expected(Fraction(len(hit)))
                    else:
                        vals = [
                            r[m.column] for r in hit if r[m.column] is not None and not pd.isna(r[m.column])
                        ]
                        out[key][mid] = Expected(sum((_frac(v) for v in vals), Fraction(0)))
                    continue
                if not rows:
                    continue  # no rows of the scope: no value
                if m.agg == "count_distinct":
                    vals = {r[m.column] for r in hit if r[m.column] is not None and not pd.isna(r[m.column])}
                    out[key][mid] = Expected(Fraction(len(vals)))
                    continue
                if m.agg == "duration":
                    nums = [
                        Fraction(int((r[m.end] - r[m.start]).total_seconds()), UNITS[m.per])
                        for r in hit
                        if r[m.start] is not None
                        and r[m.end] is not None
                        and not pd.isna(r[m.start])
                        and not pd.isna(r[m.end])
                    ]
                    stat = m.stat
                else:
                    nums = [
                        _frac(r[m.column])
                        for r in hit
                        if r[m.column] is not None and not pd.isna(r[m.column])
                    ]
                    stat = "median" if m.agg == "median" else "mean"
                if not nums:
                    out[key][mid] = Expected(None, "no_rows", exact=False)
                elif stat == "mean":
                    out[key][mid] = Expected(sum(nums, Fraction(0)) / len(nums), exact=False)
                else:
                    out[key][mid] = Expected(Fraction(statistics.median(nums)), exact=False)

    # formulas, dependencies first
    todo = {k: m for k, m in measures.items() if m.table is None}
    while todo:
        progressed = False
        for mid, m in list(todo.items()):
            ins = formula_inputs(m.formula_text)
            if any(i in todo for i in ins):
                continue
            for sc in scopes:
                for p, _ in plist:
                    cell = out[(sc[0], sc[1], p)]
                    vals = {i: cell.get(i, Expected(None, "no_data")) for i in ins}
                    if any(v.value is None for v in vals.values()):
                        cell[mid] = Expected(None, "missing_input")
                        continue
                    try:
                        env = {i: v.value for i, v in vals.items() if v.value is not None}
                        cell[mid] = Expected(
                            formula(m.formula_text, env), exact=all(v.exact for v in vals.values())
                        )
                    except ZeroDivisionError:
                        cell[mid] = Expected(None, "division_by_zero")
            del todo[mid]
            progressed = True
        assert progressed, f"formula cycle among {sorted(todo)}"
    return dict(out)
