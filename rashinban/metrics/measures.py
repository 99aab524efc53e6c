"""Measure definitions: how a KPI's actual value is computed from the store.

A measure is either a *base* measure over one table — ``count``, ``count_distinct``,
``sum``, ``mean``, ``median``, ``duration`` (mean/median time between two timestamps),
``stock`` (rows active at the end of the period) or ``share`` (the rows meeting ``filter``
among those meeting ``of``: a rate from one scan) — with an optional filter and the time
column that places each row in a period; or a *formula* over other measures (``ratio`` is
``numerator / denominator``), evaluated exactly per scope and period, so that a tree's
formulas hold on actuals when its rates are defined as such ratios.

A base measure states whose number it is (``by:``: owner, source, lead_owner, actor, team —
see ``tables.py``); a formula mixing the sourcing side with the closing side is refused.
Columns and filters may name related records (``account.industry``, ``lead.channel``).
``params:`` are named constants written into the filter and formula as ``{name}``
(``entry_lag_hours <= {hours}``); a model changes them by naming the measure with only
``params:`` (``measures: {immediate_entry_rate: {params: {hours: 4}}}``).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rashinban.errors import RashinbanError
from rashinban.kpi.formula import Expr, parse, refs
from rashinban.metrics.filters import Filter, parse_filter
from rashinban.metrics.tables import (
    ATTRIBUTION_COLUMNS,
    CLOSING_SIDE,
    SOURCING_SIDE,
    TABLES,
    column_name,
)

BASE_AGGS = ("count", "count_distinct", "sum", "mean", "median", "duration", "stock", "share")
AGGS = (*BASE_AGGS, "ratio", "formula")
DURATION_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MEASURE_KEYS = {
    "table",
    "agg",
    "column",
    "filter",
    "time",
    "start",
    "end",
    "stat",
    "per",
    "numerator",
    "denominator",
    "formula",
    "unit",
    "name",
    "name_en",
    "description",
    "scope",
    "by",
    "params",
    "of",
}
_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class MeasureError(RashinbanError):
    """A measure definition that is incomplete or refers to something unknown."""


@dataclass(frozen=True)
class Measure:
    id: str
    agg: str
    unit: str = "count"
    table: str | None = None
    column: str | None = None
    filter_text: str | None = None
    filter: Filter | None = None
    time: str | None = None
    start: str | None = None  # duration start / stock start
    end: str | None = None  # duration end / stock end
    stat: str = "mean"  # duration: mean | median
    per: str = "days"  # duration unit
    formula_text: str | None = None
    expr: Expr | None = None
    name: str | None = None
    name_en: str | None = None
    description: str | None = None
    scope: str | None = None  # the column that attributes a row (from ``by``, or given)
    by: str | None = None  # owner | source | lead_owner | actor | team (base measures)
    of_text: str | None = None  # share: the rows counted below the line
    of: Filter | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_base(self) -> bool:
        return self.agg in BASE_AGGS

    @property
    def inputs(self) -> list[str]:
        return refs(self.expr) if self.expr is not None else []


def build_measure(mid: str, spec: dict[str, Any], where: str = "measures") -> Measure:
    """One measure from its YAML mapping; errors name the measure and the key."""
    if not isinstance(spec, dict):
        raise MeasureError("measure_not_mapping", measure=mid, where=where)
    unknown = set(spec) - MEASURE_KEYS
    if unknown:
        key = sorted(unknown)[0]
        close = difflib.get_close_matches(key, sorted(MEASURE_KEYS), n=1)
        raise MeasureError("measure_unknown_key", measure=mid, key=key, suggestion=close[0] if close else "")
    spec = _with_params(mid, spec)
    agg = str(spec.get("agg", "count"))
    if agg not in AGGS:
        raise MeasureError("measure_bad_agg", measure=mid, agg=agg, allowed=", ".join(AGGS))
    kw: dict[str, Any] = {
        "id": mid,
        "agg": agg,
        "unit": str(spec.get("unit", "count")),
        "name": spec.get("name"),
        "name_en": spec.get("name_en"),
        "description": spec.get("description"),
    }
    if agg in ("ratio", "formula"):
        text = (
            f"{spec['numerator']} / {spec['denominator']}"
            if agg == "ratio" and "numerator" in spec and "denominator" in spec
            else spec.get("formula")
        )
        if not text:
            raise MeasureError("measure_missing_key", measure=mid, key="formula / numerator+denominator")
        kw["formula_text"] = str(text)
        kw["expr"] = parse(str(text))
        kw["agg"] = "formula"
        kw.setdefault("unit", "ratio")
        return Measure(**kw)
    table = spec.get("table")
    if table not in TABLES:
        raise MeasureError("measure_bad_table", measure=mid, table=table, allowed=", ".join(TABLES))
    kw["table"] = table
    kw["time"] = column_name(str(spec.get("time", TABLES[table].time_column)))
    by = str(spec.get("by", TABLES[table].attribution))
    if by not in ATTRIBUTION_COLUMNS[table]:
        raise MeasureError(
            "measure_bad_attribution",
            measure=mid,
            by=by,
            table=table,
            allowed=", ".join(ATTRIBUTION_COLUMNS[table]),
        )
    kw["by"] = by
    kw["scope"] = column_name(str(spec["scope"])) if spec.get("scope") else ATTRIBUTION_COLUMNS[table][by]
    for key in ("column", "start", "end"):
        if key in spec:
            kw[key] = column_name(str(spec[key]))
    if agg in ("count_distinct", "sum", "mean", "median") and "column" not in spec:
        raise MeasureError("measure_missing_key", measure=mid, key="column")
    if agg in ("duration", "stock") and not ("start" in spec and "end" in spec):
        raise MeasureError("measure_missing_key", measure=mid, key="start, end")
    if agg == "duration":
        kw["stat"] = str(spec.get("stat", "mean"))
        kw["per"] = str(spec.get("per", "days"))
        if kw["per"] not in DURATION_UNITS or kw["stat"] not in ("mean", "median"):
            raise MeasureError("measure_bad_duration", measure=mid)
    if "filter" in spec and spec["filter"] is not None:
        kw["filter_text"] = str(spec["filter"])
        kw["filter"] = parse_filter(str(spec["filter"]))
    if agg == "share":  # rows meeting ``filter`` among the rows meeting ``of`` (both of one table)
        if "filter" not in spec:
            raise MeasureError("measure_missing_key", measure=mid, key="filter")
        if spec.get("of") is not None:
            kw["of_text"] = str(spec["of"])
            kw["of"] = parse_filter(str(spec["of"]))
        kw["unit"] = str(spec.get("unit", "ratio"))
    return Measure(**kw)


def _with_params(mid: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The spec with its ``{param}`` placeholders written in (numbers only)."""
    params = spec.get("params") or {}
    if not isinstance(params, dict):
        raise MeasureError("measure_bad_param", measure=mid, param="params", value=str(params))
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, int | float):
            raise MeasureError("measure_bad_param", measure=mid, param=str(k), value=str(v))
    out = dict(spec)
    for key in ("filter", "formula"):
        text = out.get(key)
        if not isinstance(text, str) or "{" not in text:
            continue

        def put(m: re.Match[str], key: str = key) -> str:
            name = m.group(1)
            if name not in params:
                raise MeasureError("measure_bad_param", measure=mid, param=name, value="")
            return repr(params[name])

        out[key] = _PARAM.sub(put, text)
    return out


@cache
def builtin_specs() -> dict[str, dict[str, Any]]:
    text = resources.files("rashinban.metrics").joinpath("builtin.yaml").read_text(encoding="utf-8")
    data: dict[str, dict[str, Any]] = yaml.safe_load(text)
    return data


@cache
def builtin_measures() -> dict[str, Measure]:
    """The catalogue shipped with the package (``metrics/builtin.yaml``)."""
    out = {mid: build_measure(mid, spec, "builtin") for mid, spec in builtin_specs().items()}
    check_attribution(out)
    return out


def catalogue(model_measures: dict[str, Any] | None = None) -> dict[str, Measure]:
    """Built-in measures overlaid with a model's own ``measures:`` (a built-in named with only
    ``params:`` keeps its definition with those parameters)."""
    out = dict(builtin_measures())
    if not model_measures:
        return out
    for mid, given in model_measures.items():
        spec = given
        base = builtin_specs().get(str(mid))
        if base is not None and isinstance(given, dict) and set(given) <= {"params", "name", "name_en"}:
            spec = {**base, **given, "params": {**(base.get("params") or {}), **(given.get("params") or {})}}
        out[str(mid)] = build_measure(str(mid), spec)
    check_attribution(out)
    return out


def sides(mid: str, measures: dict[str, Measure], seen: frozenset[str] = frozenset()) -> set[str]:
    """The attributions of the base measures under ``mid``."""
    m = measures.get(mid)
    if m is None or mid in seen:
        return set()
    if m.is_base:
        return {m.by or ""}
    out: set[str] = set()
    for dep in m.inputs:
        out |= sides(dep, measures, seen | {mid})
    return out


def check_attribution(measures: dict[str, Measure]) -> None:
    """A rate is computed from one side: sourcing (source, lead_owner) or closing (owner)."""
    for mid, m in measures.items():
        if m.is_base:
            continue
        found = sides(mid, measures)
        if found & SOURCING_SIDE and found & CLOSING_SIDE:
            raise MeasureError("measure_mixed_attribution", measure=mid, sides=", ".join(sorted(found)))


def closure(names: list[str], measures: dict[str, Measure]) -> list[str]:
    """``names`` and every measure they depend on, dependencies first."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(mid: str, via: str | None) -> None:
        if mid in order:
            return
        if mid not in measures:
            close = difflib.get_close_matches(mid, list(measures), n=1)
            raise MeasureError(
                "measure_unknown", measure=mid, via=via or "", suggestion=close[0] if close else ""
            )
        if mid in visiting:
            raise MeasureError("measure_cycle", measure=mid)
        visiting.add(mid)
        for dep in measures[mid].inputs:
            visit(dep, mid)
        visiting.discard(mid)
        order.append(mid)

    for n in names:
        visit(n, None)
    return order
