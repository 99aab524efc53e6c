"""Generated SQL, pinned per dialect under ``snapshots/<dialect>/<name>.sql``.

The SQL is what the engine reports in ``Results.queries`` for every measure the engine
tests compute (the built-in catalogue and the extra aggregations), a fixed scope index (the
dataset's) and a fixed span: the very runs that are compared with the oracle.  Random
in-memory table names are replaced by ``ibis_memtable_<n>`` (numbered by first
appearance).  With
``RASHINBAN_UPDATE_SNAPSHOTS=1`` the files are rewritten instead of compared; review the
diff and commit it with the engine change that caused it.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path

from rashinban.kpi.units import Period
from rashinban.metrics.engine import MetricsEngine, Results
from tests.metrics_engines.conftest import SPAN, all_measures, scope_index
from tests.metrics_engines.dataset import Dataset

DIR = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("RASHINBAN_UPDATE_SNAPSHOTS") == "1"
CASES = {"quarter": Period.QUARTER, "month": Period.MONTH}
_MEMTABLE = re.compile(r"ibis_[a-z]*_?memtable_[a-z0-9]+")


def normalise(sql: str) -> str:
    names: dict[str, str] = {}

    def repl(m: re.Match[str]) -> str:
        return names.setdefault(m.group(0), f"ibis_memtable_{len(names) + 1}")

    text = _MEMTABLE.sub(repl, sql)
    return "\n".join(line.rstrip() for line in text.strip().splitlines()) + "\n"


def render(res: Results) -> str:
    return "\n;\n\n".join(normalise(q).rstrip("\n") for q in res.queries) + "\n;\n"


def generated(con: object, data: Dataset, kind: str) -> str:
    ms = all_measures()
    return render(MetricsEngine(con, scope_index(data), 4).compute(ms, list(ms), SPAN, CASES[kind]))


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
