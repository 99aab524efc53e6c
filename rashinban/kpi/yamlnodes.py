"""Typed readers of the YAML nodes of a model file.

Each reader checks one value (a mapping, a text, a number, a unit, a period…) and raises a
:class:`ModelError` that names the file, the line and the KPI node.
"""

from __future__ import annotations

import difflib
from datetime import date
from fractions import Fraction
from typing import Any

import yaml

from rashinban.kpi.errors import ModelError
from rashinban.kpi.numbers import parse_number
from rashinban.kpi.units import Period, Unit

UNIT_ALIASES = {"円": Unit.YEN, "件": Unit.COUNT, "名": Unit.COUNT, "%": Unit.RATIO, "rate": Unit.RATIO}


class Loc:
    """Where we are in the file, to build errors."""

    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, code: str, line: int, node: str | None = None, **params: Any) -> ModelError:
        return ModelError(code, file=self.file, line=line, node=node, **params)


def lineno(n: yaml.Node) -> int:
    return int(n.start_mark.line) + 1


def read_mapping(n: yaml.Node, loc: Loc, what: str, node: str | None = None) -> dict[str, yaml.Node]:
    if not isinstance(n, yaml.MappingNode):
        raise loc.error("model_expected_mapping", lineno(n), node, what=what)
    out: dict[str, yaml.Node] = {}
    keys: dict[str, yaml.Node] = {}
    for k, v in n.value:
        if not isinstance(k, yaml.ScalarNode):
            raise loc.error("model_bad_key", lineno(k), node, what=what)
        key = str(k.value)
        if key in out:
            raise loc.error("model_duplicate_key", lineno(k), node, key=key, first=lineno(keys[key]))
        out[key] = v
        keys[key] = k
    return out


def check_keys(m: dict[str, yaml.Node], allowed: set[str], loc: Loc, node: str | None) -> None:
    for key, v in m.items():
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            raise loc.error(
                "model_unknown_key",
                lineno(v),
                node,
                key=key,
                suggestion=close[0] if close else "",
                allowed=", ".join(sorted(allowed)),
            )


def read_scalar(n: yaml.Node, loc: Loc, field: str, node: str | None = None) -> str:
    if not isinstance(n, yaml.ScalarNode):
        raise loc.error("model_expected_scalar", lineno(n), node, field=field)
    return str(n.value)


def read_text(n: yaml.Node, loc: Loc, field: str, node: str | None = None) -> str:
    value = read_scalar(n, loc, field, node).strip()
    if not value:
        raise loc.error("model_empty_value", lineno(n), node, field=field)
    return value


def read_number(n: yaml.Node, loc: Loc, field: str, node: str | None = None) -> Fraction:
    raw = read_scalar(n, loc, field, node)
    value = parse_number(raw)
    if value is None:
        raise loc.error("model_not_a_number", lineno(n), node, field=field, value=raw)
    return value


def read_int(n: yaml.Node, loc: Loc, field: str, lo: int, hi: int, node: str | None = None) -> int:
    value = read_number(n, loc, field, node)
    if value.denominator != 1 or not lo <= value <= hi:
        raise loc.error("model_int_range", lineno(n), node, field=field, value=n.value, lo=lo, hi=hi)
    return int(value)


def read_bool(n: yaml.Node, loc: Loc, field: str, node: str | None = None) -> bool:
    raw = read_scalar(n, loc, field, node).strip().lower()
    if raw in {"true", "yes", "on", "1"}:
        return True
    if raw in {"false", "no", "off", "0"}:
        return False
    raise loc.error("model_not_a_bool", lineno(n), node, field=field, value=n.value)


def read_choice(n: yaml.Node, loc: Loc, field: str, choices: list[str], node: str | None = None) -> str:
    raw = read_scalar(n, loc, field, node).strip()
    if raw not in choices:
        raise loc.error(
            "model_bad_choice", lineno(n), node, field=field, value=raw, allowed=", ".join(choices)
        )
    return raw


def read_date(n: yaml.Node, loc: Loc, field: str) -> date:
    raw = read_scalar(n, loc, field).strip().replace("/", "-")
    try:
        y, m, d = (int(p) for p in raw.split("-"))
        return date(y, m, d)
    except (ValueError, TypeError):
        raise loc.error("model_bad_date", lineno(n), None, field=field, value=n.value) from None


def read_unit(n: yaml.Node, loc: Loc, node: str) -> Unit:
    raw = read_scalar(n, loc, "unit", node).strip()
    if raw in UNIT_ALIASES:
        return UNIT_ALIASES[raw]
    try:
        return Unit(raw)
    except ValueError:
        raise loc.error(
            "model_bad_choice",
            lineno(n),
            node,
            field="unit",
            value=raw,
            allowed=", ".join(u.value for u in Unit),
        ) from None


def read_period(n: yaml.Node, loc: Loc, node: str | None) -> Period:
    raw = read_scalar(n, loc, "period", node).strip()
    aliases = {"year": "fiscal_year", "annual": "fiscal_year", "monthly": "month", "weekly": "week"}
    raw = aliases.get(raw, raw)
    try:
        return Period(raw)
    except ValueError:
        raise loc.error(
            "model_bad_choice",
            lineno(n),
            node,
            field="period",
            value=raw,
            allowed=", ".join(p.value for p in Period),
        ) from None
