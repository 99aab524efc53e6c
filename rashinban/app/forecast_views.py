"""Result builders for the forecast pages: stored rows → typed results, in the user's
language (factor names, "too little data" messages, percentages)."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from rashinban.analysis.forecast import winprob
from rashinban.app.results.forecasts import Factor, KpiForecast, ModelInfo
from rashinban.i18n import t
from rashinban.i18n.format import short_value

KPI_UNIT = {"revenue": "yen", "won_deals": "count"}


def model_info(row: dict[str, Any] | None, lang: str) -> ModelInfo | None:
    if row is None:
        return None
    kind = row["kind"]
    if kind == "deal":
        enough = row["won"] >= winprob.MIN_WON and row["lost"] >= winprob.MIN_LOST
    else:
        enough = row["algorithm"] == "logistic"
    message = None
    if not enough:
        key = "forecast.too_little_deals" if kind == "deal" else "forecast.too_little_leads"
        message = t(
            key, lang, won=row["won"], lost=row["lost"], min_won=winprob.MIN_WON, min_lost=winprob.MIN_LOST
        )
    return ModelInfo(
        kind=kind,
        version=row["version"],
        algorithm=row["algorithm"],
        trained_at=row["trained_at"],
        won=row["won"],
        lost=row["lost"],
        enough=enough,
        message=message,
    )


def factors(text: str | None, lang: str) -> list[Factor]:
    if not text:
        return []
    return [
        Factor(
            factor=str(name), label=t(f"forecast.factor_{name}", lang), value=str(value), effect=float(effect)
        )
        for name, value, effect in json.loads(text)
    ]


def _f(v: Any) -> float | None:
    return None if v is None or (isinstance(v, float) and pd.isna(v)) else float(v)


def kpi_forecast(row: dict[str, Any], adjusted: float | None, lang: str) -> KpiForecast:
    kpi = row["kpi"]
    unit = KPI_UNIT[kpi]
    return KpiForecast(
        kpi=kpi,
        label=t(f"forecast.kpi_{kpi}", lang),
        unit=unit,  # type: ignore[arg-type]
        closed=float(row["closed"]),
        open_expected=float(row["open_expected"]),
        new_expected=float(row["new_expected"]),
        mean=float(row["mean"]),
        p10=float(row["p10"]),
        p50=float(row["p50"]),
        p90=float(row["p90"]),
        run_rate=_f(row["run_rate"]),
        weighted=_f(row["weighted"]),
        commit=_f(row["commit"]),
        best_case=_f(row["best_case"]),
        target=_f(row["target"]),
        p_achieve=_f(row["p_achieve"]),
        adjusted=adjusted,
        p50_text=short_value(float(row["p50"]), unit, lang),
        target_text=short_value(_f(row["target"]), unit, lang),
    )


def percent_text(p: float, enough: bool, p_stage: float) -> str:
    """Whole percent; the stage table's value (marked ≈) when the model had too little data."""
    return f"{round(p * 100):d}%" if enough else f"≈{round(p_stage * 100):d}%"
