"""The Maven CRM dataset: `status` reproduces the dataset's own figures, computed here
independently with pandas from the CSV files, per month and for the range's total (累計,
2017-03..2017-12), per rep, per manager, per office and for the company — on DuckDB and on
PostgreSQL."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from tests.clirun import run_cli as cli

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "maven" / "model.yaml"
MONTHS = [f"2017-{m:02d}" for m in range(3, 13)]
TOTAL = "2017-03..2017-12"  # the range's total row: the ten months as one span


def oracle(folder: Path) -> dict[tuple[str, str, str], dict[str, Fraction | None]]:
    pipe = pd.read_csv(folder / "sales_pipeline.csv")
    teams = pd.read_csv(folder / "sales_teams.csv")
    df = pipe.merge(teams, on="sales_agent", how="left")
    df = df[df["deal_stage"].isin(["Won", "Lost"])].copy()
    df["month"] = df["close_date"].str[:7]
    df = df[df["month"].isin(MONTHS)]
    out: dict[tuple[str, str, str], dict[str, Fraction | None]] = {}
    levels = {
        "company": None,
        "office": "regional_office",
        "manager": "manager",
        "rep": "sales_agent",
    }
    for level, col in levels.items():
        names = [None] if col is None else sorted(teams[col].unique())
        for name in names:
            part = df if col is None else df[df[col] == name]
            for month in [*MONTHS, TOTAL]:
                cell = part if month == TOTAL else part[part["month"] == month]
                won = int((cell["deal_stage"] == "Won").sum())
                lost = int((cell["deal_stage"] == "Lost").sum())
                revenue = Fraction(int(cell.loc[cell["deal_stage"] == "Won", "close_value"].sum()))
                out[(level, name or "", month)] = {
                    "revenue": revenue,
                    "won_deals": Fraction(won),
                    "closed_deals": Fraction(won + lost),
                    "win_rate": Fraction(won, won + lost) if won + lost else None,
                    "avg_deal_size": revenue / won if won else None,
                }
    return out


def check_against_oracle(db: str, datasets: Path) -> None:
    folder = datasets / "maven_crm_sales_opportunities"
    res = cli("import", str(folder / "sales_pipeline.csv"), "--preset", "maven-crm", "--db", db, "--json")
    assert res.returncode == 0, res.stderr
    res = cli(
        "status", str(MODEL), "--db", db, "--period", "2017-03..2017-12", "--as-of", "2018-01-31", "--json"
    )
    assert res.returncode == 0, res.stderr
    rows = json.loads(res.stdout)
    teams = pd.read_csv(folder / "sales_teams.csv")
    offices, managers = set(teams["regional_office"]), set(teams["manager"])
    agents = set(teams["sales_agent"])
    expected = oracle(folder)
    seen = {"company": 0, "office": 0, "manager": 0, "rep": 0}
    for r in rows:
        if r["scope_type"] == "company":
            level, name = "company", ""
        elif r["scope_type"] == "team":
            level = "office" if r["scope"] in offices else "manager"
            name = r["scope"]
            assert name in offices | managers
        elif r["scope"] in agents:
            level, name = "rep", r["scope"]
        else:
            continue  # managers are members too, without deals of their own
        want = expected[(level, name, r["period"])].get(r["node"], "skip")
        if want == "skip":
            continue
        got = r["actual"]
        if want is None:
            assert got is None, r
        else:
            assert got == pytest.approx(float(want), rel=1e-12, abs=1e-9), r
        seen[level] += 1
    # every level was checked, for every month, the total, and every node of the tree but one
    periods = len(MONTHS) + 1
    assert seen["company"] == periods * 5
    assert seen["office"] == periods * 5 * len(offices)
    assert seen["manager"] == periods * 5 * len(managers)
    assert seen["rep"] == periods * 5 * len(agents)
    totals = [r for r in rows if r["total"]]
    assert {r["period"] for r in totals} == {TOTAL}
    # the total's target is the sum of the months' (volumes) and the plan's rate (rates)
    company = {(r["node"], r["period"]): r for r in rows if r["scope_type"] == "company"}
    for node in ("revenue", "won_deals"):
        months = sum(company[(node, m)]["target"] for m in MONTHS)
        assert company[(node, TOTAL)]["target"] == pytest.approx(months)
    assert company[("win_rate", TOTAL)]["target"] == company[("win_rate", MONTHS[0])]["target"]


def test_maven_status_matches_pandas_on_duckdb(tmp_path: Path, datasets: Path) -> None:
    check_against_oracle(str(tmp_path / "maven.duckdb"), datasets)


@pytest.mark.postgres
def test_maven_status_matches_pandas_on_postgres(pg_url: str, datasets: Path) -> None:
    check_against_oracle(pg_url, datasets)
