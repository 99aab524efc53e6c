"""Measure definitions: how a KPI's actual value is computed from the store.

A measure is either a *base* measure over one table — ``count``, ``count_distinct``,
``sum``, ``mean``, ``median``, ``duration`` (mean/median time between two timestamps) or
``stock`` (rows active at the end of the period) — with an optional filter and the time
column that places each row in a period; or a *formula* over other measures (``ratio`` is
``numerator / denominator``), evaluated exactly per scope and period, so that a tree's
formulas hold on actuals when its rates are defined as such ratios.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from rashinban.errors import RashinbanError
from rashinban.kpi.formula import Expr, parse, refs
from rashinban.metrics.filters import Filter, parse_filter
from rashinban.metrics.tables import TABLES

BASE_AGGS = ("count", "count_distinct", "sum", "mean", "median", "duration", "stock")
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
}


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
    scope: str | None = None  # override of the table's scope column
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
    kw["time"] = spec.get("time", TABLES[table].time_column)
    kw["scope"] = spec.get("scope")
    for key in ("column", "start", "end"):
        if key in spec:
            kw[key] = str(spec[key])
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
    return Measure(**kw)


@cache
def builtin_measures() -> dict[str, Measure]:
    """The catalogue shipped with the package (``metrics/builtin.yaml``)."""
    text = resources.files("rashinban.metrics").joinpath("builtin.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {mid: build_measure(mid, spec, "builtin") for mid, spec in data.items()}


def catalogue(model_measures: dict[str, Any] | None = None) -> dict[str, Measure]:
    """Built-in measures overlaid with a model's own ``measures:``."""
    out = dict(builtin_measures())
    for mid, spec in (model_measures or {}).items():
        out[mid] = build_measure(str(mid), spec)
    return out


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
