"""The miss diagnosis names the planted cause on three scenarios built from the demo."""

from __future__ import annotations

from pathlib import Path

import pytest

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store.db import Store
from tests.insights.conftest import AS_OF, PERIOD, copy_store
from tests.insights.scenarios import field_team, plant_design, plant_execution, plant_market


def _diagnose(db: Path, team: int) -> object:
    with Rashinban.for_cli(str(db), lang="ja", clock=FixedClock("2026-11-30T12:00:00+09:00")) as svc:
        return svc.insights.diagnose(None, PERIOD, f"team:{team}", AS_OF)


@pytest.mark.parametrize("cause", ["design", "execution", "market"])
def test_planted_cause_is_named(insight_template: Path, tmp_path: Path, cause: str) -> None:
    db = copy_store(insight_template, tmp_path)
    store = Store.open(str(db))
    try:
        team, _ = field_team(store)
        if cause == "design":
            with Rashinban.for_cli(str(db), clock=FixedClock("2026-11-30T12:00:00+09:00")) as svc:
                hist = svc.insights.bottleneck(None, PERIOD, f"team:{team}", "history", AS_OF)
                model = hist.model
            months = [f"2026-{m:02d}" for m in range(4, 10)]
            with Rashinban.for_cli(str(db), clock=FixedClock("2026-11-30T12:00:00+09:00")) as svc:
                vals = [
                    svc.insights.bottleneck(None, m, f"team:{team}", "history", AS_OF).kgi.value
                    for m in months
                ]
            known = [v for v in vals if v]
            plant_design(store, team, model, sum(known) / len(known))
        elif cause == "execution":
            plant_execution(store, team)
        else:
            plant_market(store)
    finally:
        store.dispose()
    d = _diagnose(db, team)
    present = {s.code for s in d.signs if s.present}  # type: ignore[attr-defined]
    assert d.verdict == cause, (cause, d.scores, present)  # type: ignore[attr-defined]
    assert {a.cause for a in d.actions} == {cause}  # type: ignore[attr-defined]
    assert d.missed or cause != "design"  # type: ignore[attr-defined]


def test_unplanted_store_has_no_strong_verdict(insight_db: Path) -> None:
    with Rashinban.for_cli(str(insight_db), lang="en", clock=FixedClock("2026-11-30T12:00:00+09:00")) as svc:
        store = svc.ctx.store
        team, _ = field_team(store)
        d = svc.insights.diagnose(None, PERIOD, f"team:{team}", AS_OF)
    assert d.verdict in ("unclear", "design"), (d.scores, [s.code for s in d.signs if s.present])
