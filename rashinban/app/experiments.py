"""A/B tests linked to KPIs: definitions, assignment, and results per variant.

KPIs (seed 000's table) and how a unit counts:

| kpi | unit | converts when |
|---|---|---|
| open_rate 開封率 | lead | its first e-mail after assignment was opened (or replied) |
| reply_rate 返信率 | lead | its first e-mail after assignment was replied |
| appointment_rate アポ獲得率 | lead | a call after assignment set an appointment |
| deal_rate 商談化率 / CVR | lead | the lead became a deal |
| win_rate 受注率 | lead or deal | a deal of it was won (deals: among closed ones) |
| avg_deal_size 平均受注単価 | deal | (a mean) the amount of its won deal |

Units without the KPI's event yet (a lead with no e-mail) are not counted for rates of that
event (open/reply rate: leads with an e-mail; win rate on deals: closed deals).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from rashinban.analysis.experiments import Comparison, Design, MeanArm, RateArm, compare_means, compare_rates
from rashinban.app.context import AppContext
from rashinban.app.results.insights import (
    ArmItem,
    ComparisonItem,
    ExperimentDef,
    ExperimentResult,
    ExperimentsResult,
)
from rashinban.errors import NotFoundError, UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.facts import experiment_counts, experiment_units, unit_activities, unit_deals
from rashinban.org.roles import Permission
from rashinban.store import experiment_defs as repo

KPIS = ("open_rate", "reply_rate", "appointment_rate", "deal_rate", "win_rate", "avg_deal_size")
TARGETS = ("script", "email", "landing_page", "proposal", "other")
UNITS = {
    "open_rate": ("lead",),
    "reply_rate": ("lead",),
    "appointment_rate": ("lead",),
    "deal_rate": ("lead",),
    "win_rate": ("lead", "deal"),
    "avg_deal_size": ("deal",),
}
DEFAULT_KPI = {"lead": "reply_rate", "deal": "win_rate"}


class Experiments:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def _defs(self) -> dict[str, ExperimentDef]:
        def compute() -> dict[str, ExperimentDef]:
            store = self.ctx.store
            counts: dict[str, dict[str, int]] = {}
            units: dict[str, str] = {}
            for name, unit, variant, n in experiment_counts(ibis_connection(store)):
                counts.setdefault(name, {})[variant] = counts.get(name, {}).get(variant, 0) + n
                units[name] = unit
            out: dict[str, ExperimentDef] = {}
            for d in repo.all_defs(store):
                out[d["name"]] = self._def(d, True, sum(counts.get(d["name"], {}).values()))
            for name, by_variant in counts.items():
                if name not in out:
                    unit = units[name] if units[name] in DEFAULT_KPI else "lead"
                    d = {
                        "name": name,
                        "target": "other",
                        "kpi": DEFAULT_KPI[unit],
                        "unit_type": unit,
                        "variants": sorted(by_variant),
                        "description": None,
                        "mde": 0.2,
                        "alpha": 0.05,
                        "power": 0.8,
                        "baseline": None,
                        "status": "running",
                    }
                    out[name] = self._def(d, False, sum(by_variant.values()))
            return out

        return self.ctx.cached(("experiment_defs", self.ctx.lang), compute)

    def _def(self, d: dict[str, Any], defined: bool, assigned: int) -> ExperimentDef:
        kpi = str(d["kpi"])
        return ExperimentDef(
            name=str(d["name"]),
            target=d["target"],
            kpi=kpi,
            kpi_label=t(f"experiments.kpi_{kpi}", self.ctx.lang),
            unit_type=d["unit_type"],
            variants=list(d["variants"]),
            description=d.get("description"),
            mde=float(d["mde"]),
            alpha=float(d["alpha"]),
            power=float(d["power"]),
            baseline=float(d["baseline"]) if d.get("baseline") is not None else None,
            status=d["status"],
            defined=defined,
            assigned=assigned,
        )

    def list(self) -> ExperimentsResult:
        self.ctx.require(Permission.READ)
        return ExperimentsResult(experiments=list(self._defs().values()))

    def define(self, data: dict[str, Any]) -> ExperimentDef:
        """Create or change a definition (managers and admins)."""
        self.ctx.require(Permission.MANAGE_EXPERIMENTS)
        name = str(data.get("name") or "").strip()
        kpi, target = str(data.get("kpi") or ""), str(data.get("target") or "other")
        unit = str(data.get("unit_type") or UNITS.get(kpi, ("lead",))[0])
        variants = [str(v).strip() for v in data.get("variants") or [] if str(v).strip()]
        if not name or len(name) > 100:
            raise UsageError("experiment_bad_name", value=name)
        if kpi not in KPIS:
            raise UsageError("option_bad_choice", option="kpi", value=kpi, choices=", ".join(KPIS))
        if target not in TARGETS:
            raise UsageError("option_bad_choice", option="target", value=target, choices=", ".join(TARGETS))
        if unit not in UNITS[kpi]:
            raise UsageError(
                "option_bad_choice", option="unit_type", value=unit, choices=", ".join(UNITS[kpi])
            )
        if len(variants) < 2 or len(set(variants)) != len(variants):
            raise UsageError("experiment_bad_variants", value=", ".join(variants))
        mde, alpha, power = (
            float(data.get(k) or dflt) for k, dflt in (("mde", 0.2), ("alpha", 0.05), ("power", 0.8))
        )
        if not (0 < mde < 10 and 0 < alpha < 0.5 and 0.5 <= power < 1):
            raise UsageError("experiment_bad_design", mde=mde, alpha=alpha, power=power)
        baseline = data.get("baseline")
        repo.save_def(
            self.ctx.store,
            {
                "name": name,
                "target": target,
                "kpi": kpi,
                "unit_type": unit,
                "variants": variants,
                "description": data.get("description"),
                "mde": mde,
                "alpha": alpha,
                "power": power,
                "baseline": float(baseline) if baseline not in (None, "") else None,
                "status": str(data.get("status") or "running"),
            },
            self.ctx.actor,
            self.ctx.now(),
        )
        self.ctx.refresh()
        return self._defs()[name]

    def assign(self, name: str, unit_id: int, variant: str) -> bool:
        """Put a lead or deal in a variant (when an activity is logged, or by hand)."""
        self.ctx.require(Permission.LOG_ACTIVITY)
        d = self._defs().get(name)
        if d is None:
            raise NotFoundError("experiment_unknown", name=name)
        if variant not in d.variants:
            raise UsageError(
                "option_bad_choice", option="variant", value=variant, choices=", ".join(d.variants)
            )
        done = repo.assign(self.ctx.store, name, d.unit_type, unit_id, variant, self.ctx.now())
        self.ctx.refresh()
        return done

    def result(self, name: str) -> ExperimentResult:
        self.ctx.require(Permission.READ)
        d = self._defs().get(name)
        if d is None:
            raise NotFoundError("experiment_unknown", name=name)
        return self.ctx.cached(("experiment_result", name, self.ctx.lang), lambda: self._result(d))

    def _result(self, d: ExperimentDef) -> ExperimentResult:
        con = ibis_connection(self.ctx.store)
        u = experiment_units(con, d.name)
        keep = u["unit_type"] == d.unit_type
        variant, ids, assigned = u["variant"][keep], u["unit_id"][keep], u["assigned"][keep]
        design = Design(alpha=d.alpha, power=d.power, mde=d.mde, baseline=d.baseline)
        order = [v for v in d.variants if v in set(variant)] + sorted(set(variant) - set(d.variants))
        lang = self.ctx.lang
        if d.kpi == "avg_deal_size":
            deals = unit_deals(con, "id", ids)
            amount = dict(
                zip(deals["unit"][deals["won"]].tolist(), deals["amount"][deals["won"]].tolist(), strict=True)
            )
            arms_m = [
                MeanArm(v, tuple(amount[i] for i in ids[variant == v].tolist() if i in amount)) for v in order
            ]
            comps = compare_means(arms_m, design)
            arms = [
                ArmItem(variant=a.variant, n=a.n, conversions=None, rate=None, mean=a.mean) for a in arms_m
            ]
            kind: Literal["rate", "mean"] = "mean"
        else:
            hit, counted = self._conversions(con, d, ids, assigned)
            arms_r = [
                RateArm(v, int(counted[variant == v].sum()), int((hit & counted)[variant == v].sum()))
                for v in order
            ]
            comps = compare_rates(arms_r, design)
            arms = [
                ArmItem(variant=a.variant, n=a.n, conversions=a.conversions, rate=a.rate, mean=None)
                for a in arms_r
            ]
            kind = "rate"
        return ExperimentResult(
            definition=d,
            kind=kind,
            method=t(
                f"experiments.method_{kind}",
                lang,
                alpha=fmt.percent(d.alpha),
                power=fmt.percent(d.power),
                mde=fmt.percent(d.mde),
            ),
            arms=arms,
            comparisons=[_comparison(c, kind, lang) for c in comps],
        )

    def _conversions(
        self, con: object, d: ExperimentDef, ids: np.ndarray, assigned: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(converted, counted) per unit."""
        n = len(ids)
        hit, counted = np.zeros(n, bool), np.ones(n, bool)
        if d.kpi in ("deal_rate", "win_rate"):
            deals = unit_deals(con, "lead_id" if d.unit_type == "lead" else "id", ids)
            i = _rows_of(ids, deals["unit"])
            ok = i >= 0
            if d.unit_type == "deal":
                counted[:] = False
                counted[i[ok]] = deals["closed"][ok]
            hit[i[ok & (deals["won"] | (d.kpi == "deal_rate"))]] = True
            return hit, counted
        acts = unit_activities(
            con, "lead_id", ids, types=("call",) if d.kpi == "appointment_rate" else ("email",)
        )
        i = _rows_of(ids, acts["unit"])
        after = acts["occurred"] >= np.floor(assigned[i])
        if d.kpi == "appointment_rate":
            hit[i[after & (acts["type"] == "call") & (acts["outcome"] == "appointment")]] = True
            return hit, counted
        emails = after & (acts["type"] == "email")
        counted[:] = False
        order = np.lexsort((acts["occurred"][emails], acts["unit"][emails]))
        units, outcomes = i[emails][order], acts["outcome"][emails][order]
        first = np.r_[True, units[1:] != units[:-1]] if len(units) else np.zeros(0, bool)
        good = ("replied",) if d.kpi == "reply_rate" else ("opened", "replied")
        counted[units[first]] = True
        hit[units[first]] = np.isin(outcomes[first], good)
        return hit, counted


def _rows_of(ids: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Each unit's row in ``ids`` (the last row of a repeated id; −1 for none)."""
    if not len(ids):
        return np.full(len(units), -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    loc = np.searchsorted(ids[order], units, side="right") - 1
    loc = np.clip(loc, 0, len(ids) - 1)
    return np.where(ids[order][loc] == units, order[loc], -1)


def _comparison(c: Comparison, kind: str, lang: str) -> ComparisonItem:
    def show(v: float | None) -> str:
        return "—" if v is None else (fmt.percent(v) if kind == "rate" else fmt.yen(v, lang))

    sentence = t(
        f"experiments.verdict_{c.verdict}",
        lang,
        variant=c.variant,
        control=c.control,
        a=show(c.estimate_control),
        b=show(c.estimate_variant),
        p="—" if c.p_value is None else f"{c.p_value:.3g}",
        prob="—" if c.prob_better is None else fmt.percent(c.prob_better),
        remaining="—" if c.remaining is None else f"{c.remaining:,}",
    )
    return ComparisonItem(
        **{k: getattr(c, k) for k in ComparisonItem.model_fields if k != "sentence"}, sentence=sentence
    )
