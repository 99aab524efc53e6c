"""Issue #10 item 5 on real data: the Olist marketing funnel broken down by lead origin.

The dataset is imported with its preset (8,000 leads, 842 won deals), then read through the
product — ``rashinban status --by origin`` (a real process), the facade's
``Breakdowns.report(..., by="origin")`` and ``/api/breakdown?by=origin`` with the breakdown
page — with the model ``examples/olist/model.yaml``.  Each origin's leads, wins, lead→won
conversion and lead→won days (mean and median) must equal a computation made here with
pandas straight from the two CSV files (closed deals joined to their lead on ``mql_id``;
days = won_date − first_contact_date, the one deal won before its first contact included as
a negative duration).  Leads without an origin are the product's ``""`` value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from rashinban.auth.passwords import hash_password
from rashinban.store import Store
from rashinban.store.admin import insert_user
from rashinban.web.app import create_app
from rashinban.web.settings import WebSettings
from tests.clirun import run_cli
from tests.ingest.test_datasets import OLIST, _import, _new_team
from tests.svc import facade

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "examples" / "olist" / "model.yaml"
WHOLE = "2017-01..2018-12"  # every first contact (2017-06..2018-05) and every win (2018)
MONTH = "2018-03"  # a month with both leads and wins: each side by its own date
NODES = ("won", "leads", "conversion", "lead_to_won_days", "lead_to_won_days_median")
PASSWORD = "olist-check-2026"

Expected = dict[str, dict[str, float | None]]


def oracle(folder: Path, month: str | None = None) -> Expected:
    """Per origin: leads by first contact, wins by won date (in ``month`` if given), their
    ratio, and the mean and median days from first contact to win of the wins counted."""
    mql = pd.read_csv(
        folder / "olist_marketing_qualified_leads_dataset.csv", dtype=str, keep_default_na=False
    )
    won = pd.read_csv(folder / "olist_closed_deals_dataset.csv", dtype=str, keep_default_na=False)
    won = won.merge(mql, on="mql_id", how="left", validate="one_to_one")
    assert won["origin"].notna().all()  # every deal has its lead
    won["days"] = (
        pd.to_datetime(won["won_date"]) - pd.to_datetime(won["first_contact_date"])
    ).dt.total_seconds() / 86400
    if month is not None:
        mql = mql[mql["first_contact_date"].str[:7] == month]
        won = won[won["won_date"].str[:7] == month]
    out: Expected = {}
    for origin in sorted(set(mql["origin"]) | set(won["origin"])):
        n_leads = int((mql["origin"] == origin).sum())
        wins = won[won["origin"] == origin]
        out[origin] = {
            "won": float(len(wins)),
            "leads": float(n_leads),
            "conversion": len(wins) / n_leads if n_leads else None,
            "lead_to_won_days": float(wins["days"].mean()) if len(wins) else None,
            "lead_to_won_days_median": float(wins["days"].median()) if len(wins) else None,
        }
    return out


def company_values(result: dict[str, Any]) -> Expected:
    """The company scope's figures of a breakdown (JSON) by value and node."""
    company = [s for s in result["scopes"] if s["scope"]["type"] == "company"]
    assert len(company) == 1
    out: Expected = {}
    for v in company[0]["values"]:
        out.setdefault(v["value"], {})[v["node"]] = v["actual"]
    return out


def assert_matches(got: Expected, want: Expected) -> None:
    """Every origin with a lead or a win, every node, equal; origins without either show no
    figure but zero counts."""
    assert set(want) <= set(got)
    for origin, nodes in got.items():
        expected = want.get(origin, dict.fromkeys(NODES, None) | {"won": 0.0, "leads": 0.0})
        assert set(nodes) == set(NODES), origin
        for node in NODES:
            w = expected[node]
            if w is None:
                assert nodes[node] is None, (origin, node, nodes[node])
            else:
                assert nodes[node] == pytest.approx(w, rel=1e-12, abs=1e-9), (origin, node)


@pytest.fixture(scope="module")
def olist_db(datasets: Path, tmp_path_factory: pytest.TempPathFactory) -> str:
    db = str(tmp_path_factory.mktemp("olist") / "olist.duckdb")
    team = _new_team_created(db)
    r = _import(db, datasets / OLIST / "olist_closed_deals_dataset.csv", "olist-funnel", team)
    assert (r.tables["leads"]["inserted"], r.tables["deals"]["inserted"], r.rejected) == (8000, 842, 0)
    return db


def test_cli_status_by_origin_equals_pandas(olist_db: str, datasets: Path) -> None:
    res = run_cli(
        "status", str(MODEL), "--db", olist_db, "--period", WHOLE, "--by", "origin", "--as-of", "2019-01-31",
        "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    result = json.loads(res.stdout)
    assert (result["by"], result["start"], result["end"]) == ("origin", "2017-01-01", "2018-12-31")
    want = oracle(datasets / OLIST)
    got = company_values(result)
    assert_matches(got, want)
    # the whole dataset is in the range: the origins' counts add up to the files'
    assert sum(v["leads"] or 0 for v in got.values()) == 8000
    assert sum(v["won"] or 0 for v in got.values()) == 842
    assert "" in got and got[""]["leads"] == want[""]["leads"] > 0  # leads without an origin
    # the table a user reads names every origin and the measure's label
    table = run_cli(
        "status", str(MODEL), "--db", olist_db, "--period", WHOLE, "--by", "origin", "--as-of", "2019-01-31"
    )
    assert table.returncode == 0, table.stderr
    for origin in want:
        if origin:
            assert origin in table.stdout
    assert "Lead-to-won rate" in table.stdout


def test_facade_breakdown_of_one_month_equals_pandas(olist_db: str, datasets: Path) -> None:
    """A month counts leads by their first contact and wins by their won date: the month's
    conversion is its wins ÷ its leads, per origin."""
    store = Store.open(olist_db)
    try:
        res = facade(store).breakdowns.report(MODEL, "origin", MONTH, as_of="2019-01-31")
        # Olist's deals carry no channel of their own: by channel they fall under their lead's
        by_channel = facade(store).breakdowns.report(MODEL, "channel", MONTH, as_of="2019-01-31")
    finally:
        store.dispose()
    assert company_values(by_channel.model_dump(mode="json")) == company_values(res.model_dump(mode="json"))
    assert (res.period, res.start, res.end) == (MONTH, "2018-03-01", "2018-03-31")
    got = company_values(res.model_dump(mode="json"))
    want = oracle(datasets / OLIST, MONTH)
    assert_matches(got, want)
    assert sum(v["won"] or 0 for v in got.values()) == sum(v["won"] or 0 for v in want.values()) > 0


@pytest.fixture(scope="module")
def olist_web(olist_db: str) -> Iterator[TestClient]:
    store = Store.open(olist_db)
    try:
        # the store's first user (a store that only holds imported data has none to create it)
        insert_user(
            store, "olist-admin", hash_password(PASSWORD), "admin", None, None, None, datetime(2019, 1, 31)
        )
    finally:
        store.dispose()
    settings = WebSettings(db=olist_db, model=str(MODEL), secret_key="o" * 32)
    with TestClient(create_app(settings)) as client:
        page = client.get("/login")
        m = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert m, page.text[:300]
        r = client.post(
            "/login",
            data={"username": "olist-admin", "password": PASSWORD, "csrf_token": m.group(1), "next": "/"},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text[:300]
        yield client


def test_api_and_page_by_origin_equal_pandas(olist_web: TestClient, datasets: Path) -> None:
    r = olist_web.get(f"/api/breakdown?by=origin&period={WHOLE}&scope=company")
    assert r.status_code == 200, r.text[:400]
    want = oracle(datasets / OLIST)
    assert_matches(company_values(r.json()), want)
    page = olist_web.get(f"/breakdown?by=origin&period={WHOLE}&scope=company")
    assert page.status_code == 200
    for origin in want:
        if origin:
            assert origin in page.text
    # the page's conversion for organic search, as a reader sees it (one decimal percent)
    organic = want["organic_search"]["conversion"]
    assert organic is not None
    assert f"{organic * 100:.1f}%" in page.text


@pytest.mark.postgres
def test_cli_by_origin_on_postgres_equals_pandas(pg_url: str, datasets: Path) -> None:
    team = _new_team_created(pg_url)
    r = _import(pg_url, datasets / OLIST / "olist_closed_deals_dataset.csv", "olist-funnel", team)
    assert r.rejected == 0
    res = run_cli(
        "status", str(MODEL), "--db", pg_url, "--period", WHOLE, "--by", "origin", "--as-of", "2019-01-31",
        "--json",
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    assert_matches(company_values(json.loads(res.stdout)), oracle(datasets / OLIST))


def _new_team_created(url: str) -> int:
    store = Store.open(url)
    try:
        store.create_all()
    finally:
        store.dispose()
    return _new_team(url, "Olist 営業")
