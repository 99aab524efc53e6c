"""Generated SQL, pinned per dialect under ``snapshots/<dialect>/<name>.sql``.

The SQL is what the engine reports in ``Results.queries`` for a fixed set of measures, a
fixed scope index (the dataset's) and a fixed span.  Random in-memory table names are
replaced by ``ibis_memtable_<n>`` (numbered by first appearance).  With
``RASHINBAN_UPDATE_SNAPSHOTS=1`` the files are rewritten instead of compared; review the
diff and commit it with the engine change that caused it.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from rashinban.kpi.units import Period
from rashinban.metrics.engine import MetricsEngine
from tests.metrics_engines.conftest import SPAN, all_measures, scope_index
from tests.metrics_engines.dataset import Dataset

DIR = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("RASHINBAN_UPDATE_SNAPSHOTS") == "1"
# one measure of each kind: counts, filters, a mean, durations, sums, stock, team-level
# spend, a virtual table, non-additive aggregates, and ratios over them
MEASURES = [
    "leads",
    "valid_lead_rate",
    "mqls",
    "calls",
    "contact_rate",
    "entry_lag_hours",
    "avg_meeting_minutes",
    "revenue",
    "win_rate",
    "sales_cycle_days",
    "proposals",
    "active_contracts",
    "mrr",
    "csat",
    "spend",
    "cpa",
    "x_median_won_amount",
    "x_accounts_touched",
]
CASES = {"quarter": Period.QUARTER, "month": Period.MONTH}
_MEMTABLE = re.compile(r"ibis_[a-z]*_?memtable_[a-z0-9]+")


def normalise(sql: str) -> str:
    names: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        return names.setdefault(m.group(0), f"ibis_memtable_{len(names) + 1}")

    text = _MEMTABLE.sub(repl, sql)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def generated(con: object, data: Dataset, kind: str) -> str:
    ms = all_measures()
    res = MetricsEngine(con, scope_index(data), 4).compute(ms, MEASURES, SPAN, CASES[kind])
    return "\n;\n\n".join(normalise(q).rstrip("\n") for q in res.queries) + "\n;\n"


def check(dialect: str, name: str, sql: str) -> None:
    path = DIR / dialect / f"{name}.sql"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sql, encoding="utf-8")
        return
    assert path.exists(), f"no snapshot {path}; run with RASHINBAN_UPDATE_SNAPSHOTS=1 and commit it"
    want = path.read_text(encoding="utf-8")
    if sql != want:
        diff = "".join(
            difflib.unified_diff(
                want.splitlines(keepends=True), sql.splitlines(keepends=True), str(path), "generated", n=2
            )
        )
        raise AssertionError(
            f"generated {dialect} SQL differs from {path} (RASHINBAN_UPDATE_SNAPSHOTS=1 rewrites it):\n"
            + diff[:6000]
        )


def check_all(dialect: str, con: object, data: Dataset) -> None:
    for kind in CASES:
        check(dialect, f"status_{kind}", generated(con, data, kind))
