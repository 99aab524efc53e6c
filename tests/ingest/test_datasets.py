"""Every file under ../shared/datasets/ imports with its preset, on DuckDB and PostgreSQL.

Row counts are checked against an independent count of the files (pandas), re-importing
changes nothing, and the known quirks are reported as notes, not dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from rashinban.errors import IngestError
from rashinban.ingest.people import Choices
from rashinban.ingest.run import ImportOptions, ImportResult, run_import
from rashinban.store import Store
from rashinban.store.admin import insert_team
from tests.ingest.conftest import count, snapshot

SFDC = "sfdc_data_cloud_workshop_format_samples"
MAVEN = "maven_crm_sales_opportunities"
OLIST = "olist_marketing_funnel"

# (file, preset, table) in an order where referenced objects come first
SFDC_FILES = [
    ("Account.csv", "salesforce-account", "accounts"),
    ("Contact.csv", "salesforce-contact", "contacts"),
    ("Campaign.csv", "salesforce-campaign", "campaigns"),
    ("Lead.csv", "salesforce-lead", "leads"),
    ("Opportunity.csv", "salesforce-opportunity", "deals"),
    ("Task.csv", "salesforce-task", "activities"),
    ("CampaignMember.csv", "salesforce-campaign-member", "campaign_members"),
]


def _rows(path: Path) -> int:
    return len(pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False))


def _import(url: str, path: Path, preset: str, team: int | None = None) -> ImportResult:
    """Import with the preset; ``team``: where owners that match no member are created (the
    API's ``team`` choice, the CLI's ``--owners-team``)."""
    store = Store.open(url)
    try:
        store.create_all()
        choices = Choices(team=team) if team is not None else None
        return run_import(store, path, ImportOptions(preset=preset, choices=choices))
    finally:
        store.dispose()


def _new_team(url: str, name: str) -> int:
    store = Store.open(url)
    try:
        return insert_team(store, name, None, "in_house", None)
    finally:
        store.dispose()


def _notes(result: ImportResult, code: str) -> list[dict[str, Any]]:
    return [n for n in result.notes if n["code"] == code]


def test_every_dataset_file_imports_and_reimports_unchanged(store_url: str, datasets: Path) -> None:
    # Maven: sales_pipeline.csv with its three companion files
    maven = datasets / MAVEN
    r = _import(store_url, maven / "sales_pipeline.csv", "maven-crm")
    pipeline = pd.read_csv(maven / "sales_pipeline.csv", dtype=str)
    teams = pd.read_csv(maven / "sales_teams.csv", dtype=str)
    assert r.rejected == 0
    assert r.file_rows == {
        str(maven / f): _rows(maven / f)
        for f in ("sales_teams.csv", "products.csv", "accounts.csv", "sales_pipeline.csv")
    }
    assert r.tables["deals"]["inserted"] == len(pipeline) == 8800
    assert r.tables["accounts"]["inserted"] == _rows(maven / "accounts.csv") == 85
    assert r.tables["products"]["inserted"] == _rows(maven / "products.csv") == 7
    # members: 35 agents + 6 managers; teams: 3 offices + 6 manager teams
    assert r.tables["members"]["inserted"] == len(teams) + teams["manager"].nunique() == 41
    assert (
        r.tables["teams"]["inserted"] == teams["regional_office"].nunique() + teams["manager"].nunique() == 9
    )
    assert count(store_url, "SELECT COUNT(*) FROM deals WHERE source = 'maven'") == 8800
    # hierarchy: every agent's team is a manager team under a regional office
    assert count(
        store_url,
        "SELECT COUNT(*) FROM members m JOIN teams t ON t.id = m.team_id JOIN teams o ON o.id = t.parent_id "
        "WHERE m.role = 'field_sales' AND o.parent_id IS NULL",
    ) == len(teams)
    # quirks: reported, and handled as documented
    fixed = {n["value"]: n for n in _notes(r, "fixed_value")}
    assert fixed["GTXPro"]["count"] == (pipeline["product"] == "GTXPro").sum() == 1480
    assert fixed["technolgy"]["fixed"] == "technology"
    assert count(store_url, "SELECT COUNT(*) FROM deals WHERE source = 'maven' AND product_id IS NULL") == 0
    empty = {n["column"]: n for n in _notes(r, "empty_values")}
    assert empty["account"]["count"] == pipeline["account"].isna().sum() == 1425
    assert set(empty["account"]["by"]) == {"Engaging", "Prospecting"}
    assert empty["close_date"]["count"] == pipeline["close_date"].isna().sum()
    lost = (pipeline["deal_stage"] == "Lost").sum()
    assert _notes(r, "zero_as_empty")[0]["count"] == lost == 2473
    assert count(store_url, "SELECT COUNT(*) FROM deals WHERE stage = 'Lost' AND amount IS NULL") == lost
    assert (
        count(store_url, "SELECT COUNT(*) FROM deals WHERE is_won") == (pipeline["deal_stage"] == "Won").sum()
    )
    assert count(store_url, "SELECT COUNT(*) FROM accounts WHERE industry = 'technolgy'") == 0

    # Olist: both files, from either one.  The store has members now (Maven's), so the sales
    # reps of Olist and the owners of the Salesforce exports match nobody: an import names the
    # team that creates them (a teamless member is never created silently)
    olist = datasets / OLIST
    closed = olist / "olist_closed_deals_dataset.csv"
    refused = count(store_url, "SELECT COUNT(*) FROM members")
    with pytest.raises(IngestError) as unmatched:
        _import(store_url, closed, "olist-funnel")
    sellers = pd.read_csv(closed, dtype=str)["sr_id"].dropna()
    assert unmatched.value.code == "import_unmatched_owners"
    assert unmatched.value.params["count"] == sellers.nunique()
    assert count(store_url, "SELECT COUNT(*) FROM members") == refused  # nothing stored
    team = _new_team(store_url, "データセット営業")
    r = _import(store_url, closed, "olist-funnel", team)
    assert (
        r.tables["leads"]["inserted"] == _rows(olist / "olist_marketing_qualified_leads_dataset.csv") == 8000
    )
    assert r.tables["deals"]["inserted"] == _rows(olist / "olist_closed_deals_dataset.csv") == 842
    assert _notes(r, "won_before_first_contact")[0]["count"] == 1
    assert r.rows == sum(r.file_rows.values()) == 8000 + 842
    assert count(store_url, "SELECT COUNT(*) FROM deals WHERE source = 'olist' AND lead_id IS NULL") == 0

    # Salesforce object exports (UTF-8 with BOM, API-name headers)
    for name, preset, table in SFDC_FILES:
        r = _import(store_url, datasets / SFDC / name, preset, team)
        assert r.rejected == 0, (name, r.rejects)
        assert r.tables[table]["inserted"] == _rows(datasets / SFDC / name), name
        assert count(store_url, f"SELECT COUNT(*) FROM {table} WHERE source = 'salesforce'") == _rows(
            datasets / SFDC / name
        )
    opp = pd.read_csv(datasets / SFDC / "Opportunity.csv", dtype=str, encoding="utf-8-sig")
    assert (
        count(store_url, "SELECT COUNT(*) FROM deals WHERE source = 'salesforce' AND is_won")
        == (opp["IsWon"] == "1").sum()
    )
    assert count(
        store_url, "SELECT COUNT(*) FROM deals WHERE source = 'salesforce' AND account_id IS NULL"
    ) == (opp["AccountId"].isna().sum())
    # 2024-01-22T16:14:25.000+0000 is 2024-01-23 01:14:25 in Japan
    assert (
        count(
            store_url,
            "SELECT COUNT(*) FROM deals WHERE source = 'salesforce' "
            "AND created_at = TIMESTAMP '2024-01-23 01:14:25'",
        )
        == (opp["CreatedDate"] == "2024-01-22T16:14:25.000+0000").sum()
    )

    # the owners created are exactly the files' distinct owners, all in the chosen team
    owners = set(sellers)
    for name in ("Contact.csv", "Lead.csv", "Opportunity.csv", "Task.csv"):
        frame = pd.read_csv(datasets / SFDC / name, dtype=str, encoding="utf-8-sig")
        owners |= set(frame["OwnerId"].dropna())
    assert count(store_url, "SELECT COUNT(*) FROM members WHERE team_id = :t", t=team) == len(owners)
    assert count(store_url, "SELECT COUNT(*) FROM members WHERE team_id IS NULL") == 0
    assert count(
        store_url,
        "SELECT COUNT(*) FROM deals d JOIN members m ON m.id = d.owner_id WHERE d.source = 'olist' "
        "AND m.team_id = :t",
        t=team,
    ) == len(pd.read_csv(closed, dtype=str).dropna(subset=["sr_id"]))

    # everything again, without choices (the owners are remembered): nothing changes
    before = snapshot(store_url)
    jobs = [
        (maven / "sales_pipeline.csv", "maven-crm"),
        (olist / "olist_marketing_qualified_leads_dataset.csv", "olist-funnel"),
    ]
    jobs += [(datasets / SFDC / name, preset) for name, preset, _ in SFDC_FILES]
    for path, preset in jobs:
        r = _import(store_url, path, preset)
        assert (r.inserted, r.updated, r.rejected) == (0, 0, 0), path
        assert r.unchanged > 0
    after = snapshot(store_url)
    bookkeeping = {"import_runs", "data_version"}  # the run is recorded; its commit bumps the version
    assert {k: v for k, v in after.items() if k not in bookkeeping} == {
        k: v for k, v in before.items() if k not in bookkeeping
    }
    assert len(after["import_runs"]) == len(before["import_runs"]) + len(jobs)
